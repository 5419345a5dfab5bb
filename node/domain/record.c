/* Records from rows. Contract: record.h; row layout: docs/protocol.md §6. */
#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

struct walk {
  struct record r;
  int have;       /* r holds a record being filled */
  size_t coll_pl; /* length of scope 0 collection 0 */
  int (*fn)(void *, const struct record *);
  void *arg;
  int has_tomb;
  const uint8_t *last_elem; /* to count distinct elements */
  size_t last_elem_len;
  const struct record_field *last_elem_field;
  /* Sealed fields (sealed.h): the collection, the keys of this view (NULL:
   * none) and the plain values opened for the record being emitted. */
  const struct dom_collection *c;
  struct dom_keys *ks;
  uint8_t plain[2 * DOM_SEAL_PLAIN_MAX];
  size_t plain_used;
};

/* What a sealed value that does not open becomes: a bin that is no sealed
 * value, which dom_render shows as damaged, never as another value. */
static const uint8_t damaged[] = {0xc4, 0x01, 0x00};

/* Opens the sealed lww winners of the record about to be emitted. Without
 * a key they stay sealed (dom_render shows "(sealed)"). */
static void open_sealed(struct walk *w)
{
  w->plain_used = 0;
  for (uint32_t i = 0; w->c && i < w->r.n_fields; i++) {
    struct record_field *f = &w->r.f[i];
    struct dom_sealed sv;
    const struct dom_field *df;
    if (f->tag != CRDT_ROW_LWW || !f->value || dom_sealed_parse(f->value, f->value_len, &sv) == 0 ||
        !(df = domain_field(w->c, f->name.p, f->name.len)) || !(df->flags & DOM_F_SEALED))
      continue;
    size_t pl = 0;
    int rc = dom_open_value(w->ks, w->r.scope.p, w->r.scope.len, w->r.collection.p,
                            w->r.collection.len, w->r.key.p, w->r.key.len, f->name.p, f->name.len,
                            f->value, f->value_len, w->plain + w->plain_used,
                            sizeof w->plain - w->plain_used, &pl);
    if (rc == 0) {
      f->value = w->plain + w->plain_used;
      f->value_len = (uint32_t)pl;
      w->plain_used += pl;
    } else if (rc != LINLI_ENOKEY) {
      f->value = damaged;
      f->value_len = sizeof damaged;
    }
  }
}

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
  open_sealed(w);
  int rc = w->fn(w->arg, &w->r);
  sodium_memzero(w->plain, w->plain_used);
  return rc;
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
        !(w->last_elem && w->last_elem_field == f && w->last_elem_len == el &&
          memcmp(w->last_elem, p + 2, el) == 0)) {
      f->elems++;
      w->last_elem = p + 2;
      w->last_elem_len = el;
      w->last_elem_field = f;
    }
    return 0;
  }
  default:
    return 0; /* R and S rows: bookkeeping of the merge */
  }
}

static int walk_records(const struct crdt_view *v, const char *scope, const char *collection,
                        const char *key, int (*fn)(void *, const struct record *), void *arg,
                        struct walk *wp, uint8_t *prefix, size_t cap);

int record_each(const struct crdt_view *v, const char *scope, const char *collection,
                const char *key, int (*fn)(void *, const struct record *), void *arg)
{
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 3];
  struct walk *wp = malloc(sizeof *wp);
  if (!wp)
    return LINLI_ENOMEM;
  memset(wp, 0, offsetof(struct walk, plain));
  int rc = walk_records(v, scope, collection, key, fn, arg, wp, prefix, sizeof prefix);
  if (wp->ks) {
    dom_keys_wipe(wp->ks);
    free(wp->ks);
  }
  free(wp);
  return rc;
}

static int walk_records(const struct crdt_view *v, const char *scope, const char *collection,
                        const char *key, int (*fn)(void *, const struct record *), void *arg,
                        struct walk *wp, uint8_t *prefix, size_t cap)
{
  struct walk *const w = wp;
  int pl = crdt_row_prefix(prefix, cap, scope, strlen(scope), collection,
                           strlen(collection), key, key ? strlen(key) : 0);
  if (pl < 0)
    return pl;
  w->c = domain_find(collection, strlen(collection));
  int sealed = 0;
  for (const struct dom_field *f = w->c ? w->c->fields : NULL; f && f->name; f++)
    sealed |= (f->flags & DOM_F_SEALED) != 0;
  if (!sealed)
    w->c = NULL;
  if (v->keys && w->c && (w->ks = malloc(sizeof *w->ks)) &&
      dom_keys_parse(v->keys, v->keys_len, w->ks) != 0) {
    free(w->ks); /* a key file that does not parse opens nothing */
    w->ks = NULL;
  }
  w->coll_pl = strlen(scope) + strlen(collection) + 2;
  w->fn = fn;
  w->arg = arg;
  w->r.scope = (struct crdt_str){scope, (uint32_t)strlen(scope)};
  w->r.collection = (struct crdt_str){collection, (uint32_t)strlen(collection)};
  int rc = v->scan(v->ctx, prefix, (size_t)pl, row, w);
  if (rc)
    return rc;
  return emit(w);
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

/* ---- set elements ---- */

/* The row prefix of set field `field` of a record: P 'E' field 0, then
 * (elem_len) the element's length and bytes. */
static int elem_prefix(uint8_t *out, size_t cap, const char *scope, const char *coll,
                       const char *key, const char *field, const uint8_t *e, size_t el)
{
  size_t fl = strlen(field);
  int pl = crdt_row_prefix(out, cap, scope, strlen(scope), coll, strlen(coll), key, strlen(key));
  if (pl < 0 || (size_t)pl + 2 + fl + (e ? 2 + el : 0) > cap)
    return LINLI_ETOOBIG;
  out[pl++] = CRDT_ROW_ELEM;
  memcpy(out + pl, field, fl);
  pl += (int)fl;
  out[pl++] = 0;
  if (e) {
    out[pl++] = (uint8_t)(el >> 8);
    out[pl++] = (uint8_t)el;
    memcpy(out + pl, e, el);
    pl += (int)el;
  }
  return pl;
}

struct elems_walk {
  size_t pl;
  const uint8_t *last;
  size_t last_len;
  int (*fn)(void *, const uint8_t *, size_t);
  void *arg;
  uint8_t *ids;
  uint32_t n, max;
};

static int on_elem_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct elems_walk *w = arg;
  (void)v, (void)vl;
  if (kl < w->pl + 2 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  const uint8_t *p = k + w->pl;
  size_t el = (size_t)p[0] << 8 | p[1];
  if (kl != w->pl + 2 + el + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  if (w->last && w->last_len == el && memcmp(w->last, p + 2, el) == 0)
    return 0;
  w->last = p + 2;
  w->last_len = el;
  return w->fn(w->arg, p + 2, el);
}

int record_elems(const struct crdt_view *v, const char *scope, const char *coll, const char *key,
                 const char *field, int (*fn)(void *arg, const uint8_t *e, size_t el), void *arg)
{
  uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + CRDT_FIELD_MAX + 8];
  int pl = elem_prefix(q, sizeof q, scope, coll, key, field, NULL, 0);
  if (pl < 0)
    return pl;
  struct elems_walk w = {(size_t)pl, NULL, 0, fn, arg, NULL, 0, 0};
  int rc = v->scan(v->ctx, q, (size_t)pl, on_elem_row, &w);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

static int on_add_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct elems_walk *w = arg;
  (void)v, (void)vl;
  if (kl != w->pl + CRDT_ID_BYTES)
    return 0; /* a longer element that starts with this one */
  if (w->n < w->max)
    memcpy(w->ids + (size_t)w->n * CRDT_ID_BYTES, k + w->pl, CRDT_ID_BYTES);
  w->n++;
  return 0;
}

int record_elem_adds(const struct crdt_view *v, const char *scope, const char *coll,
                     const char *key, const char *field, const uint8_t *e, size_t el,
                     uint8_t *ids, uint32_t max)
{
  uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + CRDT_FIELD_MAX + CRDT_ELEM_MAX + 16];
  int pl = elem_prefix(q, sizeof q, scope, coll, key, field, e, el);
  if (pl < 0)
    return pl;
  struct elems_walk w = {(size_t)pl, NULL, 0, NULL, NULL, ids, 0, max};
  int rc = v->scan(v->ctx, q, (size_t)pl, on_add_row, &w);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  return (int)(w.n < max ? w.n : max);
}

int record_log_op(const uint8_t *k, size_t kl, uint64_t *hlc, const uint8_t **id)
{
  if (kl < 8 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  const uint8_t *h = k + kl - 8 - CRDT_ID_BYTES;
  *hlc = 0;
  for (int i = 0; i < 8; i++)
    *hlc = *hlc << 8 | h[i];
  *id = h + 8;
  return 0;
}

const uint8_t *dom_body_get(const uint8_t *body, size_t len, const char *name, size_t *vl)
{
  struct crdt_mp m;
  uint32_t n;
  size_t nl = strlen(name);
  crdt_mp_init(&m, body, len);
  if (crdt_mp_map(&m, &n))
    return NULL;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if (crdt_mp_str(&m, &k, &kl))
      return NULL;
    const uint8_t *at = m.p;
    if (crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return NULL;
    if (kl == nl && !memcmp(k, name, kl)) {
      *vl = (size_t)(m.p - at);
      return at;
    }
  }
  return NULL;
}
