/* The merge: each op becomes commutative updates of view rows. The row
 * layout is specified in docs/protocol.md ("Materialised rows").
 *
 * Invariants, for the set O of ops applied to a view (each exactly once):
 *   L(r,f)   = ops in O that set field f of record r, not named as a parent
 *              by any op in O that sets f, and ordered after r's tombstone;
 *              stored winner first.
 *   S(r,f,p) exists iff some op in O that sets f names p as a parent.
 *   E(r,f,e,a) exists iff op a in O adds e to f, a is ordered after r's
 *              tombstone, and no R(r,f,e,a).
 *   R(r,f,e,a) exists iff some remove op in O names a as a parent for e.
 *   C(r,f)   = sum of all counter deltas for f, modulo 2^64.
 *   G(c,h,a) exists iff the append op a with hlc h is in O; it sits under
 *              the collection c, not the record (its body is in the op).
 *   T(r)     = the greatest order of the tombstones of r.
 * Each is a function of the set O alone, so replicas agree. */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crdt.h"

#define ROWKEY_MAX 1024
#define ENTRY_HDR (CRDT_ORDER_BYTES + 4)

int crdt_row_prefix(uint8_t *out, size_t cap, const char *scope, size_t sl, const char *collection,
                    size_t cl, const char *key, size_t kl)
{
  size_t need = sl + 1 + (collection ? cl + 1 : 0) + (collection && key ? kl + 1 : 0);
  if (need > cap)
    return LINLI_ETOOBIG;
  size_t n = 0;
  memcpy(out + n, scope, sl);
  n += sl;
  out[n++] = 0;
  if (collection) {
    memcpy(out + n, collection, cl);
    n += cl;
    out[n++] = 0;
    if (key) {
      memcpy(out + n, key, kl);
      n += kl;
      out[n++] = 0;
    }
  }
  return (int)n;
}

/* A row key under construction. */
struct rk {
  uint8_t b[ROWKEY_MAX];
  size_t len;
  size_t rec; /* length of the record prefix */
};

static void rk_reset(struct rk *k, uint8_t tag)
{
  k->len = k->rec;
  k->b[k->len++] = tag;
}

static void rk_add(struct rk *k, const void *p, size_t n)
{
  assert(k->len + n <= sizeof k->b);
  memcpy(k->b + k->len, p, n);
  k->len += n;
}

static void rk_field(struct rk *k, uint8_t tag, const char *f, uint32_t fl)
{
  rk_reset(k, tag);
  rk_add(k, f, fl);
  k->b[k->len++] = 0;
}

static void rk_elem(struct rk *k, uint8_t tag, const char *f, uint32_t fl, const uint8_t *e,
                    size_t el, const uint8_t *id)
{
  rk_field(k, tag, f, fl);
  uint8_t l[2] = {(uint8_t)(el >> 8), (uint8_t)el};
  rk_add(k, l, 2);
  rk_add(k, e, el);
  rk_add(k, id, CRDT_ID_BYTES);
}

static int row_exists(const struct crdt_view *v, const struct rk *k)
{
  const uint8_t *val;
  size_t vl;
  int rc = v->get(v->ctx, k->b, k->len, &val, &vl);
  return rc == LINLI_ENOTFOUND ? 0 : rc == 0 ? 1 : rc;
}

/* 1 if `order` sorts before the record's tombstone (hidden), 0 if not. */
static int before_tomb(const struct crdt_view *v, struct rk *k, const uint8_t *order)
{
  const uint8_t *val;
  size_t vl;
  rk_reset(k, CRDT_ROW_TOMB);
  int rc = v->get(v->ctx, k->b, k->len, &val, &vl);
  if (rc == LINLI_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (vl != CRDT_ORDER_BYTES)
    return LINLI_ECORRUPT;
  return memcmp(order, val, CRDT_ORDER_BYTES) < 0;
}

static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int crdt_lww_each(const uint8_t *v, size_t vl, int (*fn)(void *, const struct crdt_lww_entry *),
                  void *arg)
{
  size_t off = 0;
  while (off < vl) {
    if (vl - off < ENTRY_HDR)
      return LINLI_ECORRUPT;
    const uint8_t *p = v + off;
    uint32_t n = be32(p + CRDT_ORDER_BYTES);
    if (vl - off - ENTRY_HDR < n)
      return LINLI_ECORRUPT;
    struct crdt_lww_entry e;
    e.hlc = 0;
    for (int i = 0; i < 8; i++)
      e.hlc = e.hlc << 8 | p[i];
    e.author = p + 8;
    e.id = p + 8 + CRDT_PK_BYTES;
    e.value = p + ENTRY_HDR;
    e.value_len = n;
    int rc = fn(arg, &e);
    if (rc)
      return rc;
    off += ENTRY_HDR + n;
  }
  return 0;
}

/* Rewrites the frontier row at k: drops entries whose id is in drop[] or
 * whose order is below `floor`, and inserts `add` (an encoded entry) unless
 * an entry with its id is there. Entries stay sorted, winner first. */
struct frontier_edit {
  const uint8_t *drop;  /* n_drop ids, stride drop_stride */
  uint32_t n_drop;
  size_t drop_stride;
  const uint8_t *floor; /* CRDT_ORDER_BYTES or NULL */
  const uint8_t *add;   /* ENTRY_HDR + value, or NULL */
  size_t add_len;
};

static int frontier_rewrite(const struct crdt_view *v, const struct rk *k,
                            const struct frontier_edit *ed)
{
  const uint8_t *cur;
  size_t cl = 0;
  int rc = v->get(v->ctx, k->b, k->len, &cur, &cl);
  if (rc == LINLI_ENOTFOUND) {
    cur = NULL;
    cl = 0;
    rc = 0;
  } else if (rc) {
    return rc;
  }
  uint8_t *out = malloc(cl + ed->add_len + 1);
  if (!out)
    return LINLI_ENOMEM;
  size_t ol = 0, off = 0;
  int added = ed->add == NULL, changed = 0;
  while (off < cl) {
    const uint8_t *p = cur + off;
    if (cl - off < ENTRY_HDR || cl - off - ENTRY_HDR < be32(p + CRDT_ORDER_BYTES)) {
      rc = LINLI_ECORRUPT;
      goto out;
    }
    size_t el = ENTRY_HDR + be32(p + CRDT_ORDER_BYTES);
    off += el;
    const uint8_t *id = p + 8 + CRDT_PK_BYTES;
    int drop = ed->floor && memcmp(p, ed->floor, CRDT_ORDER_BYTES) < 0;
    for (uint32_t i = 0; i < ed->n_drop && !drop; i++)
      drop = memcmp(id, ed->drop + i * ed->drop_stride, CRDT_ID_BYTES) == 0;
    if (drop) {
      changed = 1;
      continue;
    }
    if (!added) {
      int c = memcmp(ed->add, p, CRDT_ORDER_BYTES);
      if (c == 0) {
        added = 1; /* already there */
      } else if (c > 0) {
        memcpy(out + ol, ed->add, ed->add_len);
        ol += ed->add_len;
        added = changed = 1;
      }
    }
    memcpy(out + ol, p, el);
    ol += el;
  }
  if (!added) {
    memcpy(out + ol, ed->add, ed->add_len);
    ol += ed->add_len;
    changed = 1;
  }
  if (changed)
    rc = ol ? v->put(v->ctx, k->b, k->len, out, ol) : v->del(v->ctx, k->b, k->len);
out:
  free(out);
  return rc;
}

static int apply_set(const struct crdt_view *v, struct rk *k, const struct crdt_op *op,
                     const char *f, uint32_t fl, const uint8_t *val, size_t vl,
                     const uint8_t *order)
{
  int rc;
  for (uint32_t i = 0; i < op->n_parents; i++) {
    rk_field(k, CRDT_ROW_SUPERSEDED, f, fl);
    rk_add(k, crdt_op_parent(op, i), CRDT_ID_BYTES);
    if ((rc = v->put(v->ctx, k->b, k->len, (const uint8_t *)"", 0)))
      return rc;
  }
  rk_field(k, CRDT_ROW_SUPERSEDED, f, fl);
  rk_add(k, op->id, CRDT_ID_BYTES);
  int superseded = row_exists(v, k);
  if (superseded < 0)
    return superseded;
  int hidden = before_tomb(v, k, order);
  if (hidden < 0)
    return hidden;

  uint8_t *entry = NULL;
  struct frontier_edit ed = {op->n_parents ? crdt_op_parent(op, 0) : NULL, op->n_parents,
                             CRDT_PARENT_STRIDE, NULL, NULL, 0};
  if (!superseded && !hidden) {
    entry = malloc(ENTRY_HDR + vl);
    if (!entry)
      return LINLI_ENOMEM;
    memcpy(entry, order, CRDT_ORDER_BYTES);
    uint8_t *l = entry + CRDT_ORDER_BYTES;
    l[0] = (uint8_t)(vl >> 24), l[1] = (uint8_t)(vl >> 16), l[2] = (uint8_t)(vl >> 8), l[3] = (uint8_t)vl;
    memcpy(entry + ENTRY_HDR, val, vl);
    ed.add = entry;
    ed.add_len = ENTRY_HDR + vl;
  }
  rk_field(k, CRDT_ROW_LWW, f, fl);
  rc = (ed.add || ed.n_drop) ? frontier_rewrite(v, k, &ed) : 0;
  free(entry);
  return rc;
}

static int apply_elems(const struct crdt_view *v, struct rk *k, const struct crdt_op *op,
                       const char *f, uint32_t fl, struct crdt_mp *r, const uint8_t *order)
{
  uint32_t m;
  int rc = crdt_mp_array(r, &m);
  if (rc)
    return rc;
  int hidden = op->kind == CRDT_ADD ? before_tomb(v, k, order) : 0;
  if (hidden < 0)
    return hidden;
  for (uint32_t j = 0; j < m; j++) {
    const uint8_t *e = r->p;
    if ((rc = crdt_mp_value(r, CRDT_DEPTH_MAX)))
      return rc;
    size_t el = (size_t)(r->p - e);
    if (op->kind == CRDT_ADD) {
      rk_elem(k, CRDT_ROW_REMOVED, f, fl, e, el, op->id);
      int removed = row_exists(v, k);
      if (removed < 0)
        return removed;
      if (removed || hidden)
        continue;
      rk_elem(k, CRDT_ROW_ELEM, f, fl, e, el, op->id);
      if ((rc = v->put(v->ctx, k->b, k->len, order, CRDT_ORDER_BYTES)))
        return rc;
      continue;
    }
    for (uint32_t i = 0; i < op->n_parents; i++) {
      rk_elem(k, CRDT_ROW_REMOVED, f, fl, e, el, crdt_op_parent(op, i));
      if ((rc = v->put(v->ctx, k->b, k->len, (const uint8_t *)"", 0)))
        return rc;
      rk_elem(k, CRDT_ROW_ELEM, f, fl, e, el, crdt_op_parent(op, i));
      if ((rc = v->del(v->ctx, k->b, k->len)))
        return rc;
    }
  }
  return 0;
}

static int apply_counter(const struct crdt_view *v, struct rk *k, const char *f, uint32_t fl,
                         int64_t delta)
{
  const uint8_t *cur;
  size_t cl;
  uint64_t sum = 0;
  rk_field(k, CRDT_ROW_COUNTER, f, fl);
  int rc = v->get(v->ctx, k->b, k->len, &cur, &cl);
  if (rc == 0) {
    if (cl != 8)
      return LINLI_ECORRUPT;
    for (int i = 0; i < 8; i++)
      sum = sum << 8 | cur[i];
  } else if (rc != LINLI_ENOTFOUND) {
    return rc;
  }
  sum += (uint64_t)delta; /* wrapping: addition mod 2^64 commutes */
  uint8_t out[8];
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)(sum >> (56 - 8 * i));
  return v->put(v->ctx, k->b, k->len, out, 8);
}

/* Row keys collected during a scan, to be edited after it: a view must not
 * change under its own scan. */
struct keylist {
  uint8_t *buf;
  size_t len, cap;
  const uint8_t *floor;
  int err;
};

static int keylist_push(struct keylist *kl, const uint8_t *k, size_t n)
{
  if (kl->cap - kl->len < n + 2) {
    size_t cap = (kl->cap ? kl->cap * 2 : 4096) + n + 2;
    uint8_t *b = realloc(kl->buf, cap);
    if (!b)
      return LINLI_ENOMEM;
    kl->buf = b;
    kl->cap = cap;
  }
  kl->buf[kl->len++] = (uint8_t)(n >> 8);
  kl->buf[kl->len++] = (uint8_t)n;
  memcpy(kl->buf + kl->len, k, n);
  kl->len += n;
  return 0;
}

static int collect_lww(void *arg, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
  (void)v;
  (void)vn;
  return keylist_push(arg, k, kn);
}

static int collect_elem(void *arg, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
  struct keylist *kl = arg;
  if (vn != CRDT_ORDER_BYTES)
    return LINLI_ECORRUPT;
  if (memcmp(v, kl->floor, CRDT_ORDER_BYTES) >= 0)
    return 0;
  return keylist_push(kl, k, kn);
}

static int apply_tomb(const struct crdt_view *v, struct rk *k, const uint8_t *order)
{
  const uint8_t *cur;
  size_t cl;
  rk_reset(k, CRDT_ROW_TOMB);
  int rc = v->get(v->ctx, k->b, k->len, &cur, &cl);
  if (rc == 0 && cl == CRDT_ORDER_BYTES && memcmp(cur, order, CRDT_ORDER_BYTES) >= 0)
    return 0;
  if (rc && rc != LINLI_ENOTFOUND)
    return rc;
  if ((rc = v->put(v->ctx, k->b, k->len, order, CRDT_ORDER_BYTES)))
    return rc;

  struct keylist kl = {NULL, 0, 0, order, 0};
  rk_reset(k, CRDT_ROW_LWW);
  if ((rc = v->scan(v->ctx, k->b, k->len, collect_lww, &kl)) < 0)
    goto out;
  struct frontier_edit ed = {NULL, 0, 0, order, NULL, 0};
  struct rk row;
  for (size_t off = 0; off < kl.len;) {
    size_t n = (size_t)kl.buf[off] << 8 | kl.buf[off + 1];
    memcpy(row.b, kl.buf + off + 2, n);
    row.len = n;
    off += n + 2;
    if ((rc = frontier_rewrite(v, &row, &ed)))
      goto out;
  }
  kl.len = 0;
  rk_reset(k, CRDT_ROW_ELEM);
  if ((rc = v->scan(v->ctx, k->b, k->len, collect_elem, &kl)) < 0)
    goto out;
  for (size_t off = 0; off < kl.len;) {
    size_t n = (size_t)kl.buf[off] << 8 | kl.buf[off + 1];
    if ((rc = v->del(v->ctx, kl.buf + off + 2, n)))
      goto out;
    off += n + 2;
  }
  rc = 0;
out:
  free(kl.buf);
  return rc;
}

int crdt_apply(const struct crdt_view *v, const struct crdt_op *op)
{
  struct rk k;
  uint8_t order[CRDT_ORDER_BYTES];
  struct crdt_mp r;
  uint32_t n;
  int rc;

  rc = crdt_row_prefix(k.b, sizeof k.b - CRDT_ORDER_BYTES - 1, op->scope.p, op->scope.len,
                       op->collection.p, op->collection.len, op->key.p, op->key.len);
  if (rc < 0)
    return rc;
  k.rec = (size_t)rc;
  crdt_op_order(op, order);

  if (op->kind == CRDT_TOMBSTONE)
    return apply_tomb(v, &k, order);
  if (op->kind == CRDT_APPEND) {
    /* Events live in one time-ordered log per collection, not under their
     * record: appends then land at the end of the log (nearly sequential
     * writes), the daily queries read a time range, and the row only names
     * the op, whose body the store keeps by (scope, hlc, id). */
    rc = crdt_row_prefix(k.b, sizeof k.b, op->scope.p, op->scope.len, op->collection.p,
                         op->collection.len, NULL, 0);
    if (rc < 0)
      return rc;
    k.rec = (size_t)rc;
    rk_reset(&k, CRDT_ROW_LOG);
    rk_add(&k, order, 8);
    rk_add(&k, op->id, CRDT_ID_BYTES);
    return v->put(v->ctx, k.b, k.len, (const uint8_t *)"", 0);
  }
  crdt_mp_init(&r, op->body, op->body_len);
  if ((rc = crdt_mp_map(&r, &n)))
    return rc;
  for (uint32_t i = 0; i < n; i++) {
    const char *f;
    uint32_t fl;
    if ((rc = crdt_mp_str(&r, &f, &fl)))
      return rc;
    switch (op->kind) {
    case CRDT_SET: {
      const uint8_t *val = r.p;
      if ((rc = crdt_mp_value(&r, CRDT_DEPTH_MAX)))
        return rc;
      rc = apply_set(v, &k, op, f, fl, val, (size_t)(r.p - val), order);
      break;
    }
    case CRDT_ADD:
    case CRDT_REMOVE:
      rc = apply_elems(v, &k, op, f, fl, &r, order);
      break;
    case CRDT_COUNTER: {
      int64_t d;
      if ((rc = crdt_mp_int(&r, &d)))
        return rc;
      rc = apply_counter(v, &k, f, fl, d);
      break;
    }
    default:
      return LINLI_EKIND;
    }
    if (rc)
      return rc;
  }
  return 0;
}

struct digest_ctx {
  crypto_generichash_state st;
};

static int digest_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct digest_ctx *d = arg;
  uint8_t l[4];
  l[0] = (uint8_t)(kl >> 24), l[1] = (uint8_t)(kl >> 16), l[2] = (uint8_t)(kl >> 8), l[3] = (uint8_t)kl;
  crypto_generichash_update(&d->st, l, 4);
  crypto_generichash_update(&d->st, k, kl);
  l[0] = (uint8_t)(vl >> 24), l[1] = (uint8_t)(vl >> 16), l[2] = (uint8_t)(vl >> 8), l[3] = (uint8_t)vl;
  crypto_generichash_update(&d->st, l, 4);
  crypto_generichash_update(&d->st, v, vl);
  return 0;
}

int crdt_view_digest(const struct crdt_view *v, const uint8_t *prefix, size_t pl,
                     uint8_t out[CRDT_DIGEST_BYTES])
{
  struct digest_ctx d;
  crypto_generichash_init(&d.st, NULL, 0, CRDT_DIGEST_BYTES);
  int rc = v->scan(v->ctx, prefix, pl, digest_row, &d);
  if (rc < 0) {
    memset(out, 0, CRDT_DIGEST_BYTES);
    return rc;
  }
  crypto_generichash_final(&d.st, out, CRDT_DIGEST_BYTES);
  return 0;
}
