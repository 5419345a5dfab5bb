/* Range fingerprints for sync: count and id-sum of any (hlc, id) range of a
 * scope from per-bucket sums at STORE_FP_LEVELS levels, plus the ops of at
 * most two level-0 buckets at the range's ends. */
#include <string.h>

#include "net.h"
#include "store_int.h"

#define FANOUT 16

struct range {
  struct store *s;
  MDB_txn *txn;
  const char *scope;
  size_t sl;
  int raw; /* 1: callbacks get the op's bytes (unpacked); 0: NULL, 0 */
};

static int bound_cmp(uint64_t hlc, const uint8_t *id, const struct store_bound *b)
{
  if (hlc != b->hlc)
    return hlc < b->hlc ? -1 : 1;
  return memcmp(id, b->id, CRDT_ID_BYTES);
}

/* Walks the ops of the scope in [lo, hi) in order; fn returns non-zero to stop. */
static int ops_walk(const struct range *r, const struct store_bound *lo,
                    const struct store_bound *hi, size_t limit,
                    int (*fn)(void *, uint64_t, const uint8_t *, const uint8_t *, size_t),
                    void *arg)
{
  MDB_cursor *c;
  uint8_t k[STORE_OPKEY_MAX];
  MDB_val key = {store__op_key(k, r->scope, r->sl, lo->hlc, lo->id), k}, val;
  int rc = mdb_cursor_open(r->txn, r->s->ops, &c);
  if (rc)
    return store__err(rc);
  size_t n = 0, len = 0;
  uint8_t buf[STORE_PACK_MAX];
  for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    const uint8_t *p = key.mv_data;
    if (key.mv_size != r->sl + 9 + CRDT_ID_BYTES || memcmp(p, r->scope, r->sl) != 0 || p[r->sl])
      break; /* past the scope */
    uint64_t hlc = store__get_be64(p + r->sl + 1);
    const uint8_t *id = p + r->sl + 9;
    if (bound_cmp(hlc, id, hi) >= 0 || (limit && n == limit))
      break;
    n++;
    if (r->raw && (rc = store__unpack_ro(r->s, r->txn, &key, &val, buf, sizeof buf, &len))) {
      mdb_cursor_close(c);
      return rc;
    }
    int stop = fn(arg, hlc, id, r->raw ? buf : NULL, len);
    if (stop) {
      mdb_cursor_close(c);
      return stop;
    }
  }
  mdb_cursor_close(c);
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

struct acc {
  uint64_t count;
  uint8_t sum[STORE_FP_SUM_BYTES];
};

static int acc_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct acc *a = arg;
  (void)hlc, (void)raw, (void)len;
  a->count++;
  net_sum_add(a->sum, id);
  return 0;
}

/* Adds a stored bucket value (count, sum) into a. */
static void acc_bucket(struct acc *a, const uint8_t *v)
{
  a->count += store__get_be64(v);
  net_sum_merge(a->sum, v + 8);
}

/* Adds buckets [a, b) of one level. */
static int buckets_scan(const struct range *r, int level, uint64_t a, uint64_t b, struct acc *acc)
{
  if (a >= b)
    return 0;
  MDB_cursor *c;
  uint8_t k[STORE_FPKEY_MAX], end[STORE_FPKEY_MAX];
  size_t kl = store__fp_key(k, r->scope, r->sl, level, a);
  store__fp_key(end, r->scope, r->sl, level, b);
  MDB_val key = {kl, k}, val;
  int rc = mdb_cursor_open(r->txn, r->s->fp, &c);
  if (rc)
    return store__err(rc);
  for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    if (key.mv_size != kl || memcmp(key.mv_data, end, kl) >= 0)
      break;
    if (val.mv_size != STORE_FPVAL_BYTES) {
      rc = LINLI_ECORRUPT;
      break;
    }
    acc_bucket(acc, val.mv_data);
  }
  mdb_cursor_close(c);
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc < -30000 ? store__err(rc) : rc;
}

/* Adds level-`level` buckets [a, b), using the coarsest level that fits. */
static int buckets_add(const struct range *r, int level, uint64_t a, uint64_t b, struct acc *acc)
{
  if (a >= b)
    return 0;
  if (level == STORE_FP_LEVELS - 1)
    return buckets_scan(r, level, a, b, acc);
  uint64_t a2 = (a + FANOUT - 1) / FANOUT * FANOUT, b2 = b / FANOUT * FANOUT;
  if (a2 >= b2 || a2 < a)
    return buckets_scan(r, level, a, b, acc);
  int rc = buckets_scan(r, level, a, a2, acc);
  if (!rc)
    rc = buckets_scan(r, level, b2, b, acc);
  if (!rc)
    rc = buckets_add(r, level + 1, a2 / FANOUT, b2 / FANOUT, acc);
  return rc;
}

static struct store_bound bucket_start(uint64_t bucket)
{
  struct store_bound b = {bucket << STORE_FP_SHIFT0, {0}};
  return b;
}

/* 1 if b is the start of its level-0 bucket: nothing of the bucket is
 * below it, so the bucket's sum counts whole. */
static int bucket_aligned(const struct store_bound *b)
{
  static const uint8_t zero[CRDT_ID_BYTES];
  return (b->hlc & ((UINT64_C(1) << STORE_FP_SHIFT0) - 1)) == 0 &&
         memcmp(b->id, zero, CRDT_ID_BYTES) == 0;
}

static int fp_txn(const struct range *r, const struct store_bound *lo,
                  const struct store_bound *hi, struct acc *acc)
{
  if (bound_cmp(lo->hlc, lo->id, hi) >= 0)
    return 0;
  uint64_t blo = store__bucket(lo->hlc, 0), bhi = store__bucket(hi->hlc, 0);
  if (blo == bhi)
    return ops_walk(r, lo, hi, 0, acc_op, acc);
  /* [lo, end of lo's bucket) + whole buckets + [start of hi's bucket, hi);
   * lo's bucket is whole when lo is its start. */
  struct store_bound mid_lo = bucket_start(blo + 1), mid_hi = bucket_start(bhi);
  int whole = bucket_aligned(lo);
  int rc = whole ? 0 : ops_walk(r, lo, &mid_lo, 0, acc_op, acc);
  if (!rc)
    rc = buckets_add(r, 0, whole ? blo : blo + 1, bhi, acc);
  if (!rc)
    rc = ops_walk(r, &mid_hi, hi, 0, acc_op, acc);
  return rc;
}

struct fp_arg {
  const char *scope;
  const struct store_bound *lo, *hi;
  struct acc acc;
  uint64_t k;
  struct store_bound *out;
  int bucket_only; /* nth: stop at the start of the k-th item's bucket */
};

static int range_fp_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct fp_arg *a = arg;
  struct range r = {s, txn, a->scope, strlen(a->scope), 0};
  return fp_txn(&r, a->lo, a->hi, &a->acc);
}

int store_range_fp(struct store *s, const char *scope, const struct store_bound *lo,
                   const struct store_bound *hi, uint64_t *count, uint8_t sum[STORE_FP_SUM_BYTES])
{
  struct fp_arg a = {scope, lo, hi, {0, {0}}, 0, NULL, 0};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  int rc = store__read(s, range_fp_txn, &a);
  *count = rc ? 0 : a.acc.count;
  memcpy(sum, a.acc.sum, STORE_FP_SUM_BYTES);
  if (rc)
    memset(sum, 0, STORE_FP_SUM_BYTES);
  return rc;
}

/* ---- nth ---- */

struct nth_state {
  uint64_t k;
  struct store_bound *out;
};

static int nth_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct nth_state *st = arg;
  (void)raw, (void)len;
  if (st->k > 0) {
    st->k--;
    return 0;
  }
  st->out->hlc = hlc;
  memcpy(st->out->id, id, CRDT_ID_BYTES);
  return 1; /* found */
}

static int bucket_count(const struct range *r, int level, uint64_t bucket, uint64_t *count)
{
  uint8_t k[STORE_FPKEY_MAX];
  MDB_val key = {store__fp_key(k, r->scope, r->sl, level, bucket), k}, val;
  int rc = mdb_get(r->txn, r->s->fp, &key, &val);
  if (rc == MDB_NOTFOUND) {
    *count = 0;
    return 0;
  }
  if (rc)
    return store__err(rc);
  if (val.mv_size != STORE_FPVAL_BYTES)
    return LINLI_ECORRUPT;
  *count = store__get_be64(val.mv_data);
  return 0;
}

static int nth_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct fp_arg *a = arg;
  struct range r = {s, txn, a->scope, strlen(a->scope), 0};
  struct nth_state st = {a->k, a->out};
  uint64_t b = store__bucket(a->lo->hlc, 0), bhi = store__bucket(a->hi->hlc, 0);
  struct store_bound from = *a->lo;
  int rc;

  if (b == bhi && a->bucket_only)
    return 1; /* one bucket: no bucket start inside */
  if (b == bhi)
    goto tail;
  if (!bucket_aligned(a->lo)) {
    struct store_bound next = bucket_start(b + 1);
    if ((rc = ops_walk(&r, a->lo, &next, 0, nth_op, &st)))
      return rc == 1 ? 0 : rc;
    b++;
  }
  int max_level = STORE_FP_LEVELS - 1;
  while (b < bhi) {
    /* The coarsest aligned bucket that ends before hi's level-0 bucket. */
    int l = 0;
    while (l < max_level && (b >> (4 * (l + 1))) << (4 * (l + 1)) == b &&
           b + ((uint64_t)1 << (4 * (l + 1))) <= bhi)
      l++;
    uint64_t cnt = 0;
    if ((rc = bucket_count(&r, l, b >> (4 * l), &cnt)))
      return rc;
    if (cnt <= st.k) {
      st.k -= cnt;
      b += (uint64_t)1 << (4 * l);
      max_level = STORE_FP_LEVELS - 1;
    } else if (l > 0) {
      max_level = l - 1; /* the k-th is inside: look at its sub-buckets */
    } else if (a->bucket_only) {
      *a->out = bucket_start(b);
      return 0;
    } else {
      struct store_bound at = bucket_start(b), to = bucket_start(b + 1);
      rc = ops_walk(&r, &at, &to, 0, nth_op, &st);
      return rc == 1 ? 0 : rc ? rc : LINLI_ECORRUPT; /* the count said it was here */
    }
  }
  from = bucket_start(bhi);
  if (a->bucket_only) {
    *a->out = from;
    return 0;
  }
tail:
  rc = ops_walk(&r, &from, a->hi, 0, nth_op, &st);
  return rc == 1 ? 0 : rc ? rc : LINLI_ENOTFOUND;
}

/* The k-th op of [lo, hi) (cut 0), or the start of its bucket (cut 1). */
static int range_pick(struct store *s, const char *scope, const struct store_bound *lo,
                      const struct store_bound *hi, uint64_t k, struct store_bound *out, int cut)
{
  struct fp_arg a = {scope, lo, hi, {0, {0}}, k, out, cut};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  if (bound_cmp(lo->hlc, lo->id, hi) >= 0)
    return LINLI_ENOTFOUND;
  return store__read(s, nth_txn, &a);
}

int store_range_nth(struct store *s, const char *scope, const struct store_bound *lo,
                    const struct store_bound *hi, uint64_t k, struct store_bound *out)
{
  return range_pick(s, scope, lo, hi, k, out, 0);
}

int store_range_cut(struct store *s, const char *scope, const struct store_bound *lo,
                    const struct store_bound *hi, uint64_t k, struct store_bound *out)
{
  int rc = range_pick(s, scope, lo, hi, k, out, 1);
  if (rc == 0 && (!bucket_aligned(out) || bound_cmp(out->hlc, out->id, lo) <= 0 ||
                  bound_cmp(out->hlc, out->id, hi) >= 0))
    return 1; /* found in lo's part-bucket, or its bucket does not split the range */
  return rc;
}

/* ---- iteration ---- */

struct each_arg {
  const char *scope;
  const struct store_bound *lo, *hi;
  size_t limit;
  int (*fn)(void *, uint64_t, const uint8_t *, const uint8_t *, size_t);
  void *arg;
};

static int each_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct each_arg *a = arg;
  struct range r = {s, txn, a->scope, strlen(a->scope), 1};
  return ops_walk(&r, a->lo, a->hi, a->limit, a->fn, a->arg);
}

int store_range_each(struct store *s, const char *scope, const struct store_bound *lo,
                     const struct store_bound *hi, size_t limit,
                     int (*fn)(void *, uint64_t, const uint8_t *, const uint8_t *, size_t),
                     void *arg)
{
  struct each_arg a = {scope, lo, hi, limit, fn, arg};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  return store__read(s, each_txn, &a);
}

int store_read_range(struct store_read *rd, const char *scope, const struct store_bound *lo,
                     const struct store_bound *hi, size_t limit,
                     int (*fn)(void *, uint64_t, const uint8_t *, const uint8_t *, size_t),
                     void *arg)
{
  struct each_arg a = {scope, lo, hi, limit, fn, arg};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  return each_txn(store__read_store(rd), store__read_txn(rd), &a);
}
