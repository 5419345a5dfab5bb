/* History of a record. Contract: domain.h ("history"). The store keeps ops
 * by (scope, time), not by record, so this reads every op of the scope once,
 * in time order, and keeps those of the record (and the voided log's events
 * naming it); old values come from replaying the record's set ops before. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define VALUE_CAP (DOM_NOTE_MAX + 64)

struct hist {
  const struct dom_collection *c;
  const char *key, *voided;
  size_t kl;
  char vkey[CRDT_COLLECTION_MAX + DOM_KEY_MAX + 2];
  int (*fn)(void *, const struct dom_change_line *);
  void *arg;
  char last[DOM_FIELDS_MAX][VALUE_CAP]; /* each field's value so far */
  char oldv[VALUE_CAP], newv[VALUE_CAP];
  char by[DOM_BY_MAX + 1]; /* the op's */
  int stop;
  struct crdt_view v; /* for its keys: sealed values open here when this node holds them */
};

static void render(struct hist *h, const struct crdt_op *o, const struct dom_field *f,
                   const uint8_t *mp, size_t len)
{
  char coll[CRDT_COLLECTION_MAX + 1];
  size_t cl = o->collection.len < CRDT_COLLECTION_MAX ? o->collection.len : CRDT_COLLECTION_MAX;
  memcpy(coll, o->collection.p, cl);
  coll[cl] = 0;
  if (f)
    dom_render_at(&h->v, o->scope.p, o->scope.len, coll, o->key.p, o->key.len, f, mp, len, h->newv,
                  sizeof h->newv);
  else
    dom_render(f, mp, len, h->newv, sizeof h->newv);
}

static int line(struct hist *h, int what, const struct crdt_op *o, const char *field,
                const char *old_value, const char *new_value)
{
  struct dom_change_line l = {what, o->hlc, o->author, o->id, field, old_value, new_value, h->by};
  return h->stop = h->fn(h->arg, &l);
}

/* The op's `by` (domain.h "staff") into h->by, "" if none. */
static void op_by(struct hist *h, const struct crdt_op *o)
{
  size_t vl;
  const uint8_t *v = dom_body_get(o->body, o->body_len, DOM_BY, &vl);
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  h->by[0] = 0;
  if (!v)
    return;
  crdt_mp_init(&m, v, vl);
  if (!crdt_mp_str(&m, &s, &sl) && sl <= DOM_BY_MAX) {
    memcpy(h->by, s, sl);
    h->by[sl] = 0;
  }
}

/* The values of each field of the op's body, as lines. */
static int op_lines(struct hist *h, const struct crdt_op *o)
{
  struct crdt_mp m;
  uint32_t n;
  crdt_mp_init(&m, o->body, o->body_len);
  if (crdt_mp_map(&m, &n))
    return 0;
  for (uint32_t i = 0; i < n && !h->stop; i++) {
    const char *name;
    uint32_t nl;
    char field[CRDT_FIELD_MAX + 1];
    if (crdt_mp_str(&m, &name, &nl) || nl > CRDT_FIELD_MAX)
      return 0;
    memcpy(field, name, nl);
    field[nl] = 0;
    const uint8_t *at = m.p;
    if (crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return 0;
    int fi = h->c->fields ? domain_field_index(h->c, name, nl) : -1;
    const struct dom_field *f = fi >= 0 ? &h->c->fields[fi] : NULL;
    if (fi < 0 && nl == strlen(DOM_BY) && !memcmp(name, DOM_BY, nl))
      continue; /* who wrote it: on every line of the op (op_by) */
    if (o->kind == CRDT_ADD || o->kind == CRDT_REMOVE) { /* each element */
      struct crdt_mp e;
      uint32_t k;
      crdt_mp_init(&e, at, (size_t)(m.p - at));
      if (crdt_mp_array(&e, &k))
        continue;
      for (uint32_t x = 0; x < k && !h->stop; x++) {
        const uint8_t *ea = e.p;
        if (crdt_mp_value(&e, CRDT_DEPTH_MAX))
          break;
        render(h, o, f, ea, (size_t)(e.p - ea));
        line(h, o->kind == CRDT_ADD ? DOM_H_ADD : DOM_H_REMOVE, o, field, "", h->newv);
      }
      continue;
    }
    if (crdt_mp_peek_nil(&(struct crdt_mp){at, m.p}))
      h->newv[0] = 0;
    else
      render(h, o, f, at, (size_t)(m.p - at));
    if (o->kind == CRDT_SET && fi >= 0 && fi < DOM_FIELDS_MAX) {
      memcpy(h->oldv, h->last[fi], sizeof h->oldv);
      memcpy(h->last[fi], h->newv, sizeof h->newv);
      line(h, DOM_H_SET, o, field, h->oldv, h->newv);
    } else {
      line(h, o->kind == CRDT_COUNTER ? DOM_H_COUNTER : o->kind == CRDT_APPEND ? DOM_H_EVENT
                                                                               : DOM_H_SET,
           o, field, "", h->newv);
    }
  }
  return 0;
}

static int str_is(struct crdt_str s, const char *lit, size_t len)
{
  return s.len == len && memcmp(s.p, lit, len) == 0;
}

static int on_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct hist *h = arg;
  struct crdt_op o;
  (void)hlc, (void)id;
  if (crdt_op_decode(&o, raw, len))
    return 0;
  op_by(h, &o);
  if (str_is(o.collection, h->voided, strlen(h->voided)) && str_is(o.key, h->vkey, strlen(h->vkey))) {
    size_t rl;
    const uint8_t *r = dom_body_get(o.body, o.body_len, "reason", &rl);
    h->newv[0] = 0;
    if (r)
      render(h, &o, domain_field(&domain_collections[DOM_VOIDED], "reason", 6), r, rl);
    line(h, DOM_H_VOID, &o, "", "", h->newv);
    return h->stop;
  }
  if (!str_is(o.collection, h->c->name, strlen(h->c->name)) || !str_is(o.key, h->key, h->kl))
    return 0;
  if (o.kind == CRDT_TOMBSTONE) {
    for (int i = 0; i < DOM_FIELDS_MAX; i++)
      h->last[i][0] = 0; /* a void clears every value */
    return 0;                   /* its reason comes with the voided event */
  }
  op_lines(h, &o);
  return h->stop;
}

int dom_history(struct store_read *rd, const char *scope, int coll, const char *key,
                int (*fn)(void *arg, const struct dom_change_line *l), void *arg)
{
  struct hist *h = calloc(1, sizeof *h);
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  if (!h)
    return LINLI_ENOMEM;
  if (coll < 0 || coll >= DOM_N_COLLECTIONS) {
    free(h);
    return LINLI_EINVAL;
  }
  h->c = &domain_collections[coll];
  h->key = key;
  h->kl = strlen(key);
  h->voided = domain_name(DOM_VOIDED);
  snprintf(h->vkey, sizeof h->vkey, "%s/%s", h->c->name, key);
  h->fn = fn;
  h->arg = arg;
  h->v = store_read_view(rd);
  int rc = store_read_range(rd, scope, &lo, &hi, 0, on_op, h);
  free(h);
  return rc < 0 ? rc : 0;
}
