/* Records from rows. Contract: record.h; row layout: docs/protocol.md §6. */
#include <string.h>

#include "record.h"

struct walk {
  struct record r;
  int have;       /* r holds a record being filled */
  size_t coll_pl; /* length of scope 0 collection 0 */
  int (*fn)(void *, const struct record *);
  void *arg;
  int has_tomb;
  const uint8_t *last_elem; /* to count distinct elements */
  size_t last_elem_len;
};

static struct record_field *field_get(struct record *r, char tag, const char *name, uint32_t len)
{
  for (uint32_t i = 0; i < r->n_fields; i++)
    if (r->f[i].tag == tag && r->f[i].name.len == len && memcmp(r->f[i].name.p, name, len) == 0)
      return &r->f[i];
  if (r->n_fields == RECORD_FIELDS_MAX)
    return NULL; /* more fields than a record view shows; the rest are skipped */
  struct record_field *f = &r->f[r->n_fields++];
  memset(f, 0, sizeof *f);
  f->name.p = name;
  f->name.len = len;
  f->tag = tag;
  return f;
}

static int first_entry(void *arg, const struct crdt_lww_entry *e)
{
  struct record_field *f = arg;
  if (!f->value) {
    f->value = e->value;
    f->value_len = e->value_len;
    f->hlc = e->hlc;
  } else {
    f->losers++;
  }
  return 0;
}

static int emit(struct walk *w)
{
  if (!w->have)
    return 0;
  int lww_or_set = 0;
  for (uint32_t i = 0; i < w->r.n_fields; i++)
    lww_or_set |= w->r.f[i].tag == CRDT_ROW_LWW || (w->r.f[i].tag == CRDT_ROW_ELEM && w->r.f[i].elems);
  w->r.deleted = w->has_tomb && !lww_or_set;
  w->have = 0;
  return w->fn(w->arg, &w->r);
}

static int row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct walk *w = arg;
  if (kl <= w->coll_pl || k[w->coll_pl] == CRDT_ROW_LOG)
    return 0; /* the collection's event log, not a record */
  const uint8_t *key = k + w->coll_pl, *nul = memchr(key, 0, kl - w->coll_pl);
  if (!nul || (size_t)(nul + 1 - k) >= kl)
    return LINLI_ECORRUPT;
  uint32_t key_len = (uint32_t)(nul - key);
  if (w->have && (w->r.key.len != key_len || memcmp(w->r.key.p, key, key_len) != 0)) {
    int rc = emit(w);
    if (rc)
      return rc;
  }
  if (!w->have) {
    w->r.key.p = (const char *)key;
    w->r.key.len = key_len;
    w->r.n_fields = 0;
    w->has_tomb = 0;
    w->last_elem = NULL;
    w->have = 1;
  }
  char tag = (char)nul[1];
  const char *name = (const char *)nul + 2;
  size_t rest = kl - (size_t)(nul + 2 - k);
  const uint8_t *fend = memchr(name, 0, rest);
  if (tag == CRDT_ROW_TOMB) {
    w->has_tomb = 1;
    return 0;
  }
  if (!fend)
    return tag == CRDT_ROW_LWW || tag == CRDT_ROW_COUNTER || tag == CRDT_ROW_ELEM ? LINLI_ECORRUPT : 0;
  uint32_t nl = (uint32_t)(fend - (const uint8_t *)name);
  struct record_field *f;
  switch (tag) {
  case CRDT_ROW_LWW:
    if ((f = field_get(&w->r, tag, name, nl))) {
      w->r.lww_rows[f - w->r.f] = v;
      w->r.lww_lens[f - w->r.f] = vl;
      return crdt_lww_each(v, vl, first_entry, f);
    }
    return 0;
  case CRDT_ROW_COUNTER:
    if (vl != 8)
      return LINLI_ECORRUPT;
    if ((f = field_get(&w->r, tag, name, nl))) {
      uint64_t u = 0;
      for (int i = 0; i < 8; i++)
        u = u << 8 | v[i];
      f->sum = (int64_t)u;
      f->value = v;
      f->value_len = 8;
    }
    return 0;
  case CRDT_ROW_ELEM: {
    /* key tail: field 0 len(2) elem id(32); count distinct elements */
    const uint8_t *p = fend + 1;
    size_t left = kl - (size_t)(p - k);
    if (left < 2)
      return LINLI_ECORRUPT;
    size_t el = (size_t)p[0] << 8 | p[1];
    if (left < 2 + el + CRDT_ID_BYTES)
      return LINLI_ECORRUPT;
    if ((f = field_get(&w->r, tag, name, nl)) &&
        !(w->last_elem && w->last_elem_len == el && memcmp(w->last_elem, p + 2, el) == 0)) {
      f->elems++;
      w->last_elem = p + 2;
      w->last_elem_len = el;
    }
    return 0;
  }
  default:
    return 0; /* R and S rows: bookkeeping of the merge */
  }
}

int record_each(const struct crdt_view *v, const char *scope, const char *collection,
                const char *key, int (*fn)(void *, const struct record *), void *arg)
{
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 3];
  struct walk w;
  memset(&w, 0, sizeof w);
  int pl = crdt_row_prefix(prefix, sizeof prefix, scope, strlen(scope), collection,
                           strlen(collection), key, key ? strlen(key) : 0);
  if (pl < 0)
    return pl;
  w.coll_pl = strlen(scope) + strlen(collection) + 2;
  w.fn = fn;
  w.arg = arg;
  w.r.scope = (struct crdt_str){scope, (uint32_t)strlen(scope)};
  w.r.collection = (struct crdt_str){collection, (uint32_t)strlen(collection)};
  int rc = v->scan(v->ctx, prefix, (size_t)pl, row, &w);
  if (rc)
    return rc;
  return emit(&w);
}

const struct record_field *record_field(const struct record *r, const char *name)
{
  size_t len = strlen(name);
  for (uint32_t i = 0; i < r->n_fields; i++)
    if (r->f[i].name.len == len && memcmp(r->f[i].name.p, name, len) == 0)
      return &r->f[i];
  return NULL;
}

int record_str(const struct record *r, const char *name, char *out, size_t cap)
{
  const struct record_field *f = record_field(r, name);
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  if (!f || f->tag != CRDT_ROW_LWW || !f->value)
    return LINLI_ENOTFOUND;
  crdt_mp_init(&m, f->value, f->value_len);
  if (crdt_mp_str(&m, &s, &sl))
    return LINLI_ETYPE;
  if (sl >= cap)
    sl = (uint32_t)cap - 1;
  memcpy(out, s, sl);
  out[sl] = 0;
  return 0;
}

int record_int(const struct record *r, const char *name, int64_t *out)
{
  const struct record_field *f = record_field(r, name);
  struct crdt_mp m;
  int b;
  if (!f || f->tag != CRDT_ROW_LWW || !f->value)
    return LINLI_ENOTFOUND;
  crdt_mp_init(&m, f->value, f->value_len);
  if (crdt_mp_int(&m, out) == 0)
    return 0;
  crdt_mp_init(&m, f->value, f->value_len);
  if (crdt_mp_bool(&m, &b) == 0) {
    *out = b;
    return 0;
  }
  return LINLI_ETYPE;
}
