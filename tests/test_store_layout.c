/* The store's physical layout against the logical rows: packed ops come
 * back byte for byte (200 authors, so author numbers take two LEB128
 * bytes), log rows made from the ops equal the in-memory view's stored
 * rows for every prefix a reader uses, and a store of another format is
 * refused. */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "test_store_util.h"

#define NOPS 3000
#define AUTHORS 200
#define MAXROWS 8000

static const char *const scopes[] = {"shihua", "chuanchang"};
static const char *const logs[] = {"health_check", "gate_check", "distribution"};

static void make_op(struct t_op *o, struct test_rng *r, const struct crdt_identity *who,
                    uint64_t base)
{
  const char *scope = scopes[test_below(r, 2)];
  if (test_below(r, 4)) {
    uint8_t body[64];
    struct crdt_buf b;
    crdt_buf_init(&b, body, sizeof body);
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, "n");
    crdt_w_uint(&b, test_rand(r));
    /* Some ops share an hlc, so the id decides their order. */
    uint64_t hlc = CRDT_HLC_MAKE(base + test_below(r, 5000) * 10, test_below(r, 2));
    t_sign(o, who, scope, logs[test_below(r, 3)], "gate-1", hlc, CRDT_APPEND, body, b.len, NULL,
           0);
  } else {
    t_random_op(o, r, who, scope, base, 50000);
  }
}

struct rowlist {
  size_t n;
  uint8_t *k[MAXROWS];
  size_t kl[MAXROWS];
};

static int collect(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct rowlist *l = arg;
  (void)v, (void)vl;
  if (l->n == MAXROWS)
    return -1;
  l->k[l->n] = malloc(kl);
  REQUIRE(l->k[l->n] != NULL);
  memcpy(l->k[l->n], k, kl);
  l->kl[l->n++] = kl;
  return 0;
}

static void rowlist_free(struct rowlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->k[i]);
  l->n = 0;
}

struct scan_req {
  const uint8_t *prefix;
  size_t pl;
  struct rowlist *out;
};

static int scan_store(void *arg, const struct crdt_view *v)
{
  struct scan_req *q = arg;
  return v->scan(v->ctx, q->prefix, q->pl, collect, q->out);
}

/* The store and the memory view list the same rows under prefix. */
static void same_rows(struct store *s, struct crdt_memview *m, const uint8_t *prefix, size_t pl,
                      size_t *count)
{
  static struct rowlist a, b;
  struct scan_req q = {prefix, pl, &a};
  CHECK_EQ(store_read_rows(s, scan_store, &q), 0);
  struct crdt_view mv = crdt_memview_view(m);
  CHECK_EQ(mv.scan(mv.ctx, prefix, pl, collect, &b), 0);
  CHECK_EQ(a.n, b.n);
  size_t bad = 0;
  for (size_t i = 0; i < a.n && i < b.n; i++)
    bad += a.kl[i] != b.kl[i] || memcmp(a.k[i], b.k[i], a.kl[i]) != 0;
  CHECK_EQ(bad, 0);
  *count = a.n;
  rowlist_free(&a);
  rowlist_free(&b);
}

struct get_req {
  const uint8_t *k;
  size_t kl;
};

static int get_store(void *arg, const struct crdt_view *v)
{
  struct get_req *q = arg;
  const uint8_t *val;
  size_t vl = 99;
  int rc = v->get(v->ctx, q->k, q->kl, &val, &vl);
  return rc ? rc : vl == 0 ? 1 : -1;
}

static int log_key(uint8_t *k, size_t cap, const struct crdt_op *op, const char *coll)
{
  int n = crdt_row_prefix(k, cap, op->scope.p, op->scope.len, coll, strlen(coll), NULL, 0);
  REQUIRE(n > 0 && (size_t)n + 41 <= cap);
  k[n] = CRDT_ROW_LOG;
  for (int i = 0; i < 8; i++)
    k[n + 1 + i] = (uint8_t)(op->hlc >> (56 - 8 * i));
  memcpy(k + n + 9, op->id, CRDT_ID_BYTES);
  return n + 41;
}

struct each_ctx {
  size_t seen, bad;
  const char *scope;
};

/* Each op of a scope comes out of store_range_each with its bytes. */
static int each_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct each_ctx *c = arg;
  struct crdt_op op;
  c->seen++;
  if (!raw || crdt_op_decode(&op, raw, len) || op.hlc != hlc || memcmp(op.id, id, 32) ||
      op.scope.len != strlen(c->scope) || memcmp(op.scope.p, c->scope, op.scope.len))
    c->bad++;
  return 0;
}

static void set_format(const char *dir, uint64_t v)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi meta;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir, 0, 0600) == 0);
  REQUIRE(mdb_txn_begin(env, NULL, 0, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (56 - 8 * i));
  MDB_val key = {6, "format"}, val = {8, b};
  REQUIRE(mdb_put(txn, meta, &key, &val, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

int main(void)
{
  struct test_rng r = {0x5eed1a70u};
  struct crdt_identity *who = calloc(AUTHORS, sizeof *who);
  struct t_op *ops = calloc(NOPS, sizeof *ops);
  REQUIRE(who && ops);
  for (int i = 0; i < AUTHORS; i++) {
    uint8_t seed[CRDT_SEED_BYTES];
    memset(seed, 0, sizeof seed);
    seed[0] = (uint8_t)i, seed[1] = (uint8_t)(i >> 8), seed[2] = 0x77;
    REQUIRE(crdt_identity_from_seed(&who[i], seed) == 0);
  }
  uint64_t base = 1580000000000;
  for (int i = 0; i < NOPS; i++)
    make_op(&ops[i], &r, &who[test_below(&r, AUTHORS)], base);

  char dir[64];
  t_tmpdir(dir, sizeof dir, "layout");
  struct store_config cfg = {dir, 1 << 20, 256 << 20, 1, 0};
  struct store *s;
  REQUIRE(store_open(&s, &cfg) == 0);
  struct crdt_memview *m = crdt_memview_new();
  for (int i = 0; i < NOPS; i += 100) {
    struct crdt_op batch[100];
    for (int j = 0; j < 100; j++) {
      batch[j] = ops[i + j].op;
      crdt_memview_apply(m, &ops[i + j].op);
    }
    REQUIRE(store_apply(s, batch, 100, NULL) >= 0);
  }

  /* Every op comes back byte for byte, by key and by range. */
  size_t bad = 0;
  static uint8_t buf[CRDT_OP_MAX_BYTES];
  for (int i = 0; i < NOPS; i++) {
    char sc[CRDT_SCOPE_MAX + 1];
    memcpy(sc, ops[i].op.scope.p, ops[i].op.scope.len);
    sc[ops[i].op.scope.len] = 0;
    int n = store_get_op_at(s, sc, ops[i].op.hlc, ops[i].op.id, buf, sizeof buf);
    bad += n != (int)ops[i].len || memcmp(buf, ops[i].bytes, ops[i].len) != 0;
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(store_get_op(s, ops[17].op.id, buf, sizeof buf), (int)ops[17].len);
  CHECK_MEM(buf, ops[17].bytes, ops[17].len);
  CHECK_EQ(store_get_op_at(s, "shihua", ops[3].op.hlc, ops[3].op.id, buf, 10) < 0, 1);
  size_t total = 0;
  struct store_bound mx = store_bound_max();
  for (int sc = 0; sc < 2; sc++) {
    struct each_ctx c = {0, 0, scopes[sc]};
    CHECK_EQ(store_range_each(s, scopes[sc], &STORE_BOUND_MIN, &mx, 0, each_op, &c), 0);
    CHECK_EQ(c.bad, 0);
    total += c.seen;
  }
  CHECK_EQ(total, NOPS);

  /* The rows: whole store, per scope, per collection, per log, and a log
   * prefix that fixes part of the time. */
  uint8_t d1[32], d2[32], p[256];
  size_t cnt, logrows = 0;
  t_digest(m, d1);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  same_rows(s, m, NULL, 0, &cnt);
  CHECK(cnt > NOPS / 2);
  for (int sc = 0; sc < 2; sc++) {
    int n = crdt_row_prefix(p, sizeof p, scopes[sc], strlen(scopes[sc]), NULL, 0, NULL, 0);
    same_rows(s, m, p, (size_t)n, &cnt);
    for (int l = 0; l < 3; l++) {
      n = crdt_row_prefix(p, sizeof p, scopes[sc], strlen(scopes[sc]), logs[l], strlen(logs[l]),
                          NULL, 0);
      same_rows(s, m, p, (size_t)n, &cnt);
      p[n] = CRDT_ROW_LOG;
      same_rows(s, m, p, (size_t)n + 1, &cnt);
      logrows += cnt;
      uint64_t mid = CRDT_HLC_MAKE(base + 25000, 0);
      for (int i = 0; i < 4; i++)
        p[n + 1 + i] = (uint8_t)(mid >> (56 - 8 * i));
      same_rows(s, m, p, (size_t)n + 5, &cnt);
    }
  }
  /* About three quarters of the ops are appends. */
  CHECK(logrows > NOPS / 2 && logrows < NOPS);

  /* Log rows by key: present under their collection, absent under another
   * or with an id that is not stored. */
  size_t found = 0, wrong = 0;
  for (int i = 0; i < NOPS; i++) {
    if (ops[i].op.kind != CRDT_APPEND)
      continue;
    char coll[40];
    memcpy(coll, ops[i].op.collection.p, ops[i].op.collection.len);
    coll[ops[i].op.collection.len] = 0;
    uint8_t k[256];
    struct get_req q = {k, (size_t)log_key(k, sizeof k, &ops[i].op, coll)};
    found += store_read_rows(s, get_store, &q) == 1;
    q.kl = (size_t)log_key(k, sizeof k, &ops[i].op,
                           strcmp(coll, "gate_check") ? "gate_check" : "health_check");
    wrong += store_read_rows(s, get_store, &q) != LINLI_ENOTFOUND;
    q.kl = (size_t)log_key(k, sizeof k, &ops[i].op, coll);
    k[q.kl - 1] ^= 1;
    wrong += store_read_rows(s, get_store, &q) != LINLI_ENOTFOUND;
  }
  CHECK_EQ(found, logrows);
  CHECK_EQ(wrong, 0);

  /* Rebuilt, and reopened read-only: the same rows. */
  CHECK_EQ(store_rebuild(s), 0);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  store_close(s);
  cfg.read_only = 1;
  REQUIRE(store_open(&s, &cfg) == 0);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  same_rows(s, m, NULL, 0, &cnt);
  store_close(s);

  /* A store of another format is refused, read-only or not. */
  set_format(dir, 1);
  CHECK_EQ(store_open(&s, &cfg), LINLI_EVERSION);
  cfg.read_only = 0;
  CHECK_EQ(store_open(&s, &cfg), LINLI_EVERSION);

  crdt_memview_destroy(m);
  t_rmdir(dir);
  free(ops);
  free(who);
  return test_done("test_store_layout");
}
