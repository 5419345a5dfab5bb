/* Who wrote an op, and what a role without `pii` may read. Contract:
 * domain.h ("staff"). */
#include <string.h>

#include "domain.h"

_Thread_local int dom_mask_pii;

int dom_by_carried(const char *coll, size_t len, int kind)
{
  const struct dom_collection *c = domain_find(coll, len);
  return c && c->fields && c->shape != DOM_COUNTERS && (kind == CRDT_SET || kind == CRDT_APPEND);
}

int dom_is_by(const void *name, size_t len)
{
  return len == strlen(DOM_BY) && !memcmp(name, DOM_BY, len);
}

int dom_by_check(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > DOM_BY_MAX || crdt_check_key(name, n))
    return LINLI_ENAME;
  for (size_t i = 0; i < n; i++)
    if (name[i] == ' ' || name[i] == '#')
      return LINLI_ENAME;
  return 0;
}

int dom_body_by(const uint8_t *body, size_t len, const char *name, int keep, struct crdt_buf *out)
{
  struct crdt_mp m;
  uint32_t n;
  size_t bl = strlen(DOM_BY);
  int done = 0;
  crdt_mp_init(&m, body, len);
  if (crdt_mp_map(&m, &n))
    return LINLI_EINVAL;
  const uint8_t *had = dom_body_get(body, len, DOM_BY, &(size_t){0});
  if (had && keep) {
    crdt_w_raw(out, body, len);
    return crdt_buf_err(out) ? LINLI_ETOOBIG : 0;
  }
  crdt_w_map(out, n + (had ? 0 : 1));
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if (crdt_mp_str(&m, &k, &kl))
      return LINLI_EINVAL;
    const uint8_t *at = m.p;
    if (crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return LINLI_EINVAL;
    /* canonical order: bytes, a prefix first (docs/protocol.md) */
    int c = memcmp(k, DOM_BY, kl < bl ? kl : bl);
    if (!c)
      c = kl < bl ? -1 : kl > bl ? 1 : 0;
    if (!done && c >= 0) {
      crdt_w_cstr(out, DOM_BY);
      crdt_w_cstr(out, name);
      done = 1;
      if (c == 0)
        continue; /* the by it had, replaced */
    }
    crdt_w_str(out, k, kl);
    crdt_w_raw(out, at, (size_t)(m.p - at));
  }
  if (!done) {
    crdt_w_cstr(out, DOM_BY);
    crdt_w_cstr(out, name);
  }
  return crdt_buf_err(out) || out->len > CRDT_BODY_MAX_BYTES ? LINLI_ETOOBIG : 0;
}

void dom_mask(const struct dom_field *f, char *s)
{
  size_t n = strlen(s), head, tail = 4;
  if (!f || (f->type != DOM_T_IDNO && f->type != DOM_T_PHONE))
    return;
  head = f->type == DOM_T_IDNO ? 4 : 3;
  if (n <= head + tail) { /* too short to keep anything */
    memset(s, '*', n);
    return;
  }
  for (size_t i = head; i < n - tail; i++)
    if (s[i] != ' ' && s[i] != '-')
      s[i] = '*';
}
