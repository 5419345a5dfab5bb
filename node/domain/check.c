/* The write check every node runs on every op. Contract: domain.h
 * (domain_accept); the rule as the protocol states it: docs/domain.md
 * "The write check". */
#include <string.h>

#include "domain.h"

/* The longest text a replica accepts for f: the staff limit, except for
 * keys (the protocol's) and enumerations (a newer node may add values). */
static size_t replica_max(const struct dom_field *f)
{
  switch (f->type) {
  case DOM_T_KEY:
    return CRDT_KEY_MAX;
  case DOM_T_ENUM:
    return DOM_TEXT_MAX;
  default:
    return dom_text_max(f);
  }
}

/* One value of field f (an lww value, a set element or an event field). */
static int value_ok(const struct dom_field *f, struct crdt_mp *r, int nil_ok)
{
  const char *s;
  uint32_t len;
  int64_t i;
  int b;
  if (nil_ok && crdt_mp_peek_nil(r))
    return crdt_mp_nil(r) == 0;
  if ((f->flags & DOM_F_SEALED) && r->p < r->end && (*r->p == 0xc4 || *r->p == 0xc5)) {
    /* a sealed value: its envelope is checked here, its content by whoever
     * opens it (sealed.h) */
    const uint8_t *at = r->p, *bin;
    struct dom_sealed sv;
    if (crdt_mp_bin(r, &bin, &len))
      return 0;
    return dom_sealed_parse(at, (size_t)(r->p - at), &sv) == 1;
  }
  switch (dom_stored_class(f)) {
  case 's':
    return crdt_mp_str(r, &s, &len) == 0 && len >= 1 && len <= replica_max(f);
  case 'i':
    return crdt_mp_int(r, &i) == 0;
  default:
    return crdt_mp_bool(r, &b) == 0;
  }
}

/* A set op's value: an array of elements of f's type. */
static int elems_ok(const struct dom_field *f, struct crdt_mp *r)
{
  uint32_t n;
  if (crdt_mp_array(r, &n))
    return 0;
  for (uint32_t i = 0; i < n; i++)
    if (!value_ok(f, r, 0))
      return 0;
  return 1;
}

int domain_accept(void *arg, const struct crdt_op *op)
{
  (void)arg;
  const struct dom_collection *c = domain_find(op->collection.p, op->collection.len);
  if (!c || op->kind == CRDT_TOMBSTONE)
    return 0;
  int log = c->shape == DOM_LOG, counters = c->shape == DOM_COUNTERS;
  if (log != (op->kind == CRDT_APPEND) || (counters && op->kind != CRDT_COUNTER))
    return LINLI_ESCHEMA;
  char want = log ? DOM_EVENT
              : op->kind == CRDT_SET     ? DOM_LWW
              : op->kind == CRDT_COUNTER ? DOM_COUNTER
                                         : DOM_SET;
  struct crdt_mp r;
  uint32_t n;
  crdt_mp_init(&r, op->body, op->body_len);
  if (crdt_mp_map(&r, &n))
    return LINLI_ESCHEMA;
  for (uint32_t i = 0; i < n; i++) {
    const char *name;
    uint32_t nl;
    if (crdt_mp_str(&r, &name, &nl))
      return LINLI_ESCHEMA;
    const struct dom_field *f = counters ? NULL : domain_field(c, name, nl);
    if (!f) { /* a counter item, or a field this node does not know: it passes */
      if (crdt_mp_value(&r, CRDT_DEPTH_MAX))
        return LINLI_ESCHEMA;
      continue;
    }
    if (f->kind != want)
      return LINLI_ESCHEMA;
    int ok = want == DOM_SET ? elems_ok(f, &r) : value_ok(f, &r, want == DOM_LWW);
    if (!ok)
      return LINLI_ESCHEMA;
  }
  return 0;
}
