/* The LMDB store: range fingerprints against a naive reference model,
 * order-independence of digests and fingerprints, rebuild, map full. */
#include <sys/stat.h>

#include "ingest.h"
#include "store.h"
#include "test_store_util.h"

#define NOPS 3000

static struct t_op *ops;
static struct crdt_identity who;

/* Naive reference: ops of a scope sorted by (hlc, id). */
static int bound_lt(uint64_t h, const uint8_t *id, const struct store_bound *b)
{
  return h < b->hlc || (h == b->hlc && memcmp(id, b->id, CRDT_ID_BYTES) < 0);
}

static void naive_fp(const char *scope, const struct store_bound *lo, const struct store_bound *hi,
                     uint64_t *count, uint8_t sum[32])
{
  *count = 0;
  memset(sum, 0, 32);
  for (int i = 0; i < NOPS; i++) {
    const struct crdt_op *o = &ops[i].op;
    if (o->scope.len != strlen(scope) || memcmp(o->scope.p, scope, o->scope.len))
      continue;
    if (bound_lt(o->hlc, o->id, lo) || !bound_lt(o->hlc, o->id, hi))
      continue;
    (*count)++;
    unsigned carry = 0;
    for (int j = 0; j < 32; j++) {
      carry += (unsigned)sum[j] + o->id[j];
      sum[j] = (uint8_t)carry;
      carry >>= 8;
    }
  }
}

static int by_order(const void *a, const void *b)
{
  const struct t_op *x = a, *y = b;
  int s = memcmp(x->op.scope.p, y->op.scope.p, x->op.scope.len < y->op.scope.len ? x->op.scope.len : y->op.scope.len);
  if (s || x->op.scope.len != y->op.scope.len)
    return s ? s : (int)x->op.scope.len - (int)y->op.scope.len;
  if (x->op.hlc != y->op.hlc)
    return x->op.hlc < y->op.hlc ? -1 : 1;
  return memcmp(x->op.id, y->op.id, CRDT_ID_BYTES);
}

static struct store_bound random_bound(struct test_rng *r, uint64_t base)
{
  struct store_bound b = {0, {0}};
  switch (test_below(r, 4)) {
  case 0: /* exactly at an op */ {
    const struct crdt_op *o = &ops[test_below(r, NOPS)].op;
    b.hlc = o->hlc;
    memcpy(b.id, o->id, CRDT_ID_BYTES);
    break;
  }
  case 1:
    b.hlc = CRDT_HLC_MAKE(base + test_below(r, 40000000), 0);
    break;
  default:
    b.hlc = CRDT_HLC_MAKE(base, 0) + test_rand(r) % (CRDT_HLC_MAKE(40000000, 0));
    for (int i = 0; i < 4; i++)
      b.id[i] = (uint8_t)test_rand(r);
  }
  return b;
}

static void apply_all(struct store *s, struct test_rng *r, int dup)
{
  int *idx = malloc(sizeof(int) * NOPS * 2), m = 0;
  REQUIRE(idx);
  for (int i = 0; i < NOPS; i++) {
    idx[m++] = i;
    if (dup && test_below(r, 5) == 0)
      idx[m++] = i;
  }
  for (int i = m - 1; i > 0; i--) {
    int j = (int)test_below(r, (uint64_t)i + 1), t = idx[i];
    idx[i] = idx[j], idx[j] = t;
  }
  struct crdt_op batch[128];
  int total = 0;
  for (int i = 0; i < m;) {
    int n = 1 + (int)test_below(r, 127);
    if (n > m - i)
      n = m - i;
    for (int j = 0; j < n; j++)
      batch[j] = ops[idx[i + j]].op;
    int rc = store_apply(s, batch, (size_t)n, NULL);
    REQUIRE(rc >= 0);
    total += rc;
    i += n;
  }
  CHECK_EQ(total, NOPS);
  free(idx);
}

static struct store *open_store(const char *dir, size_t map, size_t max)
{
  struct store_config cfg = {dir, map, max, 1, 0};
  struct store *s;
  int rc = store_open(&s, &cfg);
  if (rc)
    fprintf(stderr, "store_open: %s\n", linli_strerror(rc));
  REQUIRE(rc == 0);
  return s;
}

static void test_reference(struct store *s, struct test_rng *r, uint64_t base)
{
  const char *scopes[] = {"shihua", "chuanchang", "nowhere"};
  int bad = 0, cuts = 0;
  for (int i = 0; i < 1500; i++) {
    const char *scope = scopes[test_below(r, 3)];
    struct store_bound lo = random_bound(r, base), hi = random_bound(r, base);
    if (i % 10 == 0)
      lo = STORE_BOUND_MIN;
    if (i % 7 == 0)
      hi = store_bound_max();
    /* Bounds at a level-0 bucket's start take the whole-bucket paths. */
    if (i % 3 == 1) {
      lo.hlc &= ~((UINT64_C(1) << STORE_FP_SHIFT0) - 1);
      memset(lo.id, 0, sizeof lo.id);
    }
    if (i % 5 == 2) {
      hi.hlc &= ~((UINT64_C(1) << STORE_FP_SHIFT0) - 1);
      memset(hi.id, 0, sizeof hi.id);
    }
    uint64_t c1, c2;
    uint8_t s1[32], s2[32];
    REQUIRE(store_range_fp(s, scope, &lo, &hi, &c1, s1) == 0);
    naive_fp(scope, &lo, &hi, &c2, s2);
    if (c1 != c2 || memcmp(s1, s2, 32)) {
      if (bad++ < 5)
        fprintf(stderr, "range %d: count %llu vs naive %llu\n", i, (unsigned long long)c1,
                (unsigned long long)c2);
    }
    /* nth agrees with the sorted order */
    if (c2 > 0) {
      uint64_t k = test_below(r, c2);
      struct store_bound nb;
      REQUIRE(store_range_nth(s, scope, &lo, &hi, k, &nb) == 0);
      uint64_t ck;
      uint8_t sk[32];
      naive_fp(scope, &lo, &nb, &ck, sk);
      CHECK_EQ(ck, k); /* exactly k ops before the k-th */
      struct store_bound after = nb;
      after.id[31]++; /* just past it (ids with ff tails are negligible) */
      if (nb.id[31] != 0xff) {
        naive_fp(scope, &nb, &after, &ck, sk);
        CHECK_EQ(ck, 1);
      }
      /* A cheap cut: the start of the k-th op's bucket, strictly inside
       * the range, with at most k ops below it; or 1 when there is none. */
      struct store_bound cut;
      int rc = store_range_cut(s, scope, &lo, &hi, k, &cut);
      CHECK(rc == 0 || rc == 1);
      if (rc == 0) {
        static const uint8_t zero[CRDT_ID_BYTES];
        CHECK_EQ(cut.hlc >> STORE_FP_SHIFT0, nb.hlc >> STORE_FP_SHIFT0);
        CHECK_EQ(cut.hlc & ((UINT64_C(1) << STORE_FP_SHIFT0) - 1), 0);
        CHECK_MEM(cut.id, zero, CRDT_ID_BYTES);
        CHECK(bound_lt(lo.hlc, lo.id, &cut) && bound_lt(cut.hlc, cut.id, &hi));
        naive_fp(scope, &lo, &cut, &ck, sk);
        CHECK(ck <= k);
        cuts++;
      } else {
        CHECK(!bound_lt(lo.hlc, lo.id, &(struct store_bound){nb.hlc >> STORE_FP_SHIFT0 << STORE_FP_SHIFT0, {0}}));
      }
    }
    struct store_bound past;
    CHECK_EQ(store_range_nth(s, scope, &lo, &hi, c2, &past), LINLI_ENOTFOUND);
  }
  CHECK_EQ(bad, 0);
  CHECK(cuts > 100);
  printf("reference model: 1500 random ranges, %d mismatches, %d bucket cuts\n", bad, cuts);
}

static int count_each(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  (void)hlc, (void)id;
  struct crdt_op op;
  CHECK_EQ(crdt_op_open(&op, raw, len), 0);
  (*(int *)arg)++;
  return 0;
}

static void test_map_full(struct test_rng *r)
{
  char dir[64];
  t_tmpdir(dir, sizeof dir, "mapfull");
  struct store *s = open_store(dir, 256 << 10, 1 << 20);
  int stored = 0, rc = 0;
  for (int i = 0; i < NOPS && rc >= 0; i += 50) {
    struct crdt_op batch[50];
    for (int j = 0; j < 50; j++)
      batch[j] = ops[(i + j) % NOPS].op;
    rc = store_apply(s, batch, 50, NULL);
    if (rc >= 0)
      stored += rc;
  }
  CHECK_EQ(rc, LINLI_EMAPFULL);
  printf("map full after %d ops: %s\n", stored, linli_strerror(rc));
  uint64_t n;
  REQUIRE(store_stats(s, &n, NULL) == 0);
  CHECK_EQ(n, stored);
  uint8_t d1[32], d2[32];
  CHECK_EQ(store_digest(s, NULL, 0, d1), 0);
  int seen = 0;
  char scope0[CRDT_SCOPE_MAX + 1];
  memcpy(scope0, ops[0].op.scope.p, ops[0].op.scope.len);
  scope0[ops[0].op.scope.len] = 0;
  CHECK_EQ(store_range_each(s, scope0, &STORE_BOUND_MIN, &(struct store_bound){UINT64_MAX, {0}}, 0,
                            count_each, &seen),
           0);
  CHECK(seen > 0);
  /* A second failing write changes nothing either. */
  struct crdt_op one = ops[NOPS - 1].op;
  int again = store_apply(s, &one, 1, NULL);
  CHECK(again == LINLI_EMAPFULL || again == 1);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  if (again == LINLI_EMAPFULL)
    CHECK_MEM(d1, d2, 32);
  store_close(s);
  /* Reopened with room, the data is intact and writes go on. */
  s = open_store(dir, 4 << 20, 64 << 20);
  CHECK_EQ(store_stats(s, &n, NULL), 0);
  CHECK(n >= (uint64_t)stored);
  CHECK_EQ(store_rebuild(s), 0);
  struct crdt_op more[50];
  for (int j = 0; j < 50; j++)
    more[j] = ops[j].op;
  CHECK(store_apply(s, more, 50, NULL) >= 0);
  store_close(s);
  t_rmdir(dir);
  (void)r;
}

/* The writer remembers the number of each author and collection it packs
 * (store_pack.c). A transaction that aborts takes back the numbers it
 * gave; remembered past the abort, they would name the wrong author or
 * none. 200 new authors, about 60 KiB of ops and names, in a map of
 * 64 KiB: the first tries fill the map after giving some of them numbers,
 * and each retry in a larger map must give them again. Every op must then
 * read back byte for byte. */
static void test_names_abort(struct test_rng *r)
{
  enum { N = 200 };
  char dir[64];
  t_tmpdir(dir, sizeof dir, "names");
  struct store *s = open_store(dir, 64 << 10, 64 << 20);
  static struct t_op mine[N + 1];
  struct crdt_op batch[N];
  for (int i = 0; i < N; i++) {
    struct crdt_identity w;
    uint8_t seed[CRDT_SEED_BYTES] = {(uint8_t)i, (uint8_t)(i >> 8), 0x5a};
    REQUIRE(crdt_identity_from_seed(&w, seed) == 0);
    t_random_op(&mine[i], r, &w, "shihua", 1580000000000, 40000000);
    t_reopen(&mine[i]);
    batch[i] = mine[i].op;
  }
  CHECK_EQ(store_apply(s, batch, N, NULL), N);
  /* One more author after the retries: its number is the next free one. */
  struct crdt_identity last;
  t_identity(&last, 0xf3);
  t_random_op(&mine[N], r, &last, "shihua", 1580000000000, 40000000);
  t_reopen(&mine[N]);
  CHECK_EQ(store_apply(s, &mine[N].op, 1, NULL), 1);
  uint8_t buf[CRDT_OP_MAX_BYTES];
  for (int i = 0; i <= N; i++) {
    long long got = store_get_op_at(s, "shihua", mine[i].op.hlc, mine[i].op.id, buf, sizeof buf);
    CHECK_EQ(got, (long long)mine[i].len);
    if (got == (long long)mine[i].len)
      CHECK_MEM(buf, mine[i].bytes, mine[i].len);
  }
  store_close(s);
  t_rmdir(dir);
}

/* Two stores hold the same rows and the same fingerprint of "shihua". */
static void check_same(struct store *a, struct store *b)
{
  uint8_t x[32], y[32], sa[32], sb[32];
  uint64_t ca, cb;
  struct store_bound mx = store_bound_max();
  CHECK_EQ(store_digest(a, NULL, 0, x), 0);
  CHECK_EQ(store_digest(b, NULL, 0, y), 0);
  CHECK_MEM(x, y, 32);
  CHECK_EQ(store_range_fp(a, "shihua", &STORE_BOUND_MIN, &mx, &ca, sa), 0);
  CHECK_EQ(store_range_fp(b, "shihua", &STORE_BOUND_MIN, &mx, &cb, sb), 0);
  CHECK_EQ(ca, cb);
  CHECK_MEM(sa, sb, 32);
}

/* Rejects ops of the "chuanchang" scope: a filter that runs on the
 * committing thread. */
static int no_chuanchang(void *arg, const struct crdt_op *op)
{
  (*(int *)arg)++;
  return op->scope.len == 10 && memcmp(op->scope.p, "chuanchang", 10) == 0 ? LINLI_EUNAUTH : 0;
}

/* ingest_run with every thread count and awkward batch sizes: the ops that
 * verify are stored (the same digest as store_apply gives), forged and
 * truncated ones are counted by reason and change nothing, a second run
 * finds only duplicates, and the filter sees every verified op. */
static void test_ingest(void)
{
  enum { N = 600 };
  static uint8_t bad[N][CRDT_OP_MAX_BYTES];
  const uint8_t *raw[N];
  size_t lens[N];
  int forged = 0, cut = 0;
  for (int i = 0; i < N; i++) {
    int k = i * 5; /* ops[k] for k < NOPS */
    memcpy(bad[i], ops[k].bytes, ops[k].len);
    lens[i] = ops[k].len;
    if (i % 37 == 3) {
      bad[i][lens[i] - 1] ^= 1; /* last signature byte */
      forged++;
    } else if (i % 53 == 7) {
      lens[i] -= 9;
      cut++;
    }
    raw[i] = bad[i];
  }
  static const int threads[] = {0, 1, 2, 3};
  static const size_t batches[] = {1, 7, 1000};
  for (int t = 0; t < 4; t++)
    for (int b = 0; b < 3; b++) {
      char d[64];
      t_tmpdir(d, sizeof d, "ingest");
      struct store *s = open_store(d, 0, 0), *ref;
      struct ingest_stats st;
      CHECK_EQ(ingest_run(s, raw, lens, N, batches[b], threads[t], NULL, NULL, &st), 0);
      CHECK_EQ(st.stored, (uint64_t)(N - forged - cut));
      CHECK_EQ(st.rejected, (uint64_t)(forged + cut));
      CHECK_EQ(st.by_reason[linli_err_index(LINLI_EBADSIG)], (uint64_t)forged);
      CHECK_EQ(st.duplicate, 0);
      /* The same ops through store_apply, one batch. */
      char d2[64];
      t_tmpdir(d2, sizeof d2, "ingest-ref");
      ref = open_store(d2, 0, 0);
      struct crdt_op *good = malloc(N * sizeof *good);
      size_t ng = 0;
      REQUIRE(good);
      for (int i = 0; i < N; i++)
        if (i % 37 != 3 && i % 53 != 7)
          good[ng++] = ops[i * 5].op;
      CHECK_EQ(store_apply(ref, good, ng, NULL), (int)ng);
      check_same(s, ref);
      /* Again: nothing new; then with a filter into a fresh store. */
      CHECK_EQ(ingest_run(s, raw, lens, N, batches[b], threads[t], NULL, NULL, &st), 0);
      CHECK_EQ(st.stored, 0);
      CHECK_EQ(st.duplicate, (uint64_t)(N - forged - cut));
      store_close(s);
      t_rmdir(d);
      t_tmpdir(d, sizeof d, "ingest");
      s = open_store(d, 0, 0);
      int seen = 0;
      CHECK_EQ(ingest_run(s, raw, lens, N, batches[b], threads[t], no_chuanchang, &seen, &st), 0);
      CHECK_EQ(seen, N - forged - cut);
      uint64_t other = 0;
      for (size_t i = 0; i < ng; i++)
        other += good[i].scope.len == 10;
      CHECK_EQ(st.by_reason[linli_err_index(LINLI_EUNAUTH)], other);
      CHECK_EQ(st.stored, ng - other);
      CHECK(other > 0 && other < ng);
      free(good);
      store_close(s);
      store_close(ref);
      t_rmdir(d);
      t_rmdir(d2);
    }
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  uint64_t seed = test_seed(7);
  struct test_rng r = {seed};
  t_identity(&who, 0x42);
  ops = malloc(sizeof *ops * NOPS);
  REQUIRE(ops);
  uint64_t base = 1580000000000;
  for (int i = 0; i < NOPS; i++) {
    /* Two scopes; most ops spread over ~11 hours, some clustered in a burst. */
    const char *scope = test_below(&r, 3) ? "shihua" : "chuanchang";
    uint64_t spread = test_below(&r, 4) ? 40000000 : 3000;
    t_random_op(&ops[i], &r, &who, scope, base, spread);
  }
  for (int i = 0; i < NOPS; i++)
    t_reopen(&ops[i]);

  char d1[64], d2[64];
  t_tmpdir(d1, sizeof d1, "store1");
  t_tmpdir(d2, sizeof d2, "store2");
  struct store *a = open_store(d1, 0, 0), *b = open_store(d2, 0, 0);
  struct stat st;
  CHECK(stat(d1, &st) == 0 && (st.st_mode & 0777) == 0700);

  apply_all(a, &r, 0);
  apply_all(b, &r, 1);
  uint8_t da[32], db[32], dm[32];
  CHECK_EQ(store_digest(a, NULL, 0, da), 0);
  CHECK_EQ(store_digest(b, NULL, 0, db), 0);
  CHECK_MEM(da, db, 32);
  /* The in-memory view holds the same rows. */
  struct crdt_memview *mv = crdt_memview_new();
  for (int i = 0; i < NOPS; i++)
    REQUIRE(crdt_memview_apply(mv, &ops[i].op) == 1);
  t_digest(mv, dm);
  CHECK_MEM(da, dm, 32);
  crdt_memview_destroy(mv);
  /* Rebuilt from the ops, the views are the same. */
  CHECK_EQ(store_rebuild(b), 0);
  CHECK_EQ(store_digest(b, NULL, 0, db), 0);
  CHECK_MEM(da, db, 32);
  /* Same fingerprints in both, for the whole scope. */
  check_same(a, b);
  /* Lookups by id. */
  uint8_t buf[CRDT_OP_MAX_BYTES];
  char sc5[CRDT_SCOPE_MAX + 1];
  memcpy(sc5, ops[5].op.scope.p, ops[5].op.scope.len);
  sc5[ops[5].op.scope.len] = 0;
  CHECK_EQ(store_get_op_at(a, sc5, ops[5].op.hlc, ops[5].op.id, buf, sizeof buf), (long long)ops[5].len);
  CHECK_MEM(buf, ops[5].bytes, ops[5].len);
  CHECK_EQ(store_get_op_at(a, sc5, ops[5].op.hlc, ops[5].op.id, buf, 10), LINLI_ETOOBIG);
  CHECK_EQ(store_has_at(a, sc5, ops[5].op.hlc, ops[5].op.id), 1);
  CHECK_EQ(store_has_at(a, sc5, ops[5].op.hlc + 1, ops[5].op.id), 0);
  uint8_t nope[32] = {1};
  CHECK_EQ(store_has_at(a, sc5, ops[5].op.hlc, nope), 0);
  CHECK_EQ(store_get_op_at(a, sc5, ops[5].op.hlc, nope, buf, sizeof buf), LINLI_ENOTFOUND);
  uint64_t n;
  CHECK_EQ(store_stats(a, &n, NULL), 0);
  CHECK_EQ(n, NOPS);

  test_ingest();

  qsort(ops, NOPS, sizeof *ops, by_order);
  for (int i = 0; i < NOPS; i++)
    t_reopen(&ops[i]);
  test_reference(a, &r, base);

  store_close(a);
  store_close(b);
  t_rmdir(d1);
  t_rmdir(d2);
  test_map_full(&r);
  test_names_abort(&r);
  free(ops);
  return test_done("test_store");
}
