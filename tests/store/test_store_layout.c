/* The store's physical layout against the logical rows: packed ops come
 * back byte for byte (200 authors, so author numbers take two LEB128
 * bytes), log rows made from the ops and superseded rows kept one per
 * parent equal the in-memory view's rows for every prefix a reader uses,
 * and a store of another format is refused. */
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

/* Superseded rows, kept one per parent with their fields in the value:
 * set ops of a few records, each writing some of four fields and naming
 * up to two earlier ops of its record, stored in another order than the
 * memory view applied them (children often before their parents). The
 * view rows, digests and single rows must be the memory view's, under
 * every prefix down to part of a parent id. */
#define SUP_OPS 400
static const char *const sup_fields[] = {"grid", "name", "name_en", "zone"}; /* one a prefix of another */

static int get_both(struct store *s, struct crdt_memview *m, const uint8_t *k, size_t kl)
{
  struct get_req q = {k, kl};
  int a = store_read_rows(s, get_store, &q);
  struct crdt_view mv = crdt_memview_view(m);
  const uint8_t *v;
  size_t vl;
  int b = mv.get(mv.ctx, k, kl, &v, &vl);
  return a == 1 && b == 0 && vl == 0 ? 1 : a == LINLI_ENOTFOUND && b == LINLI_ENOTFOUND ? 0 : -1;
}

static size_t stored_rows(const char *dir)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi rows;
  MDB_stat st;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0);
  REQUIRE(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, "rows", 0, &rows) == 0);
  REQUIRE(mdb_stat(txn, rows, &st) == 0);
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return st.ms_entries;
}

static void test_superseded(const struct crdt_identity *who)
{
  struct test_rng r = {0x5e9e7a11u};
  static struct t_op ops[SUP_OPS];
  int rec[SUP_OPS];
  uint64_t base = 1580000000000;
  for (int i = 0; i < SUP_OPS; i++) {
    rec[i] = (int)test_below(&r, 5);
    char key[8];
    snprintf(key, sizeof key, "r-%d", rec[i]);
    uint8_t body[128];
    struct crdt_buf b;
    crdt_buf_init(&b, body, sizeof body);
    unsigned mask = 1 + (unsigned)test_below(&r, 15), nf = 0;
    for (int f = 0; f < 4; f++)
      nf += (mask >> f) & 1;
    crdt_w_map(&b, nf);
    for (int f = 0; f < 4; f++)
      if ((mask >> f) & 1) {
        crdt_w_cstr(&b, sup_fields[f]);
        crdt_w_uint(&b, test_rand(&r) % 1000);
      }
    REQUIRE(crdt_buf_err(&b) == 0);
    uint8_t parents[2 * CRDT_ID_BYTES];
    uint32_t np = 0;
    for (int tries = 0; tries < 8 && np < 2 && i > 0; tries++) {
      int j = (int)test_below(&r, (uint64_t)i);
      if (rec[j] == rec[i] && (np == 0 || memcmp(parents, ops[j].op.id, CRDT_ID_BYTES) != 0))
        memcpy(parents + CRDT_ID_BYTES * np++, ops[j].op.id, CRDT_ID_BYTES);
    }
    t_sign(&ops[i], who, "shihua", "resident", key, CRDT_HLC_MAKE(base + (uint64_t)i * 1000, 0),
           CRDT_SET, body, b.len, np ? parents : NULL, np);
  }
  char dir[64];
  t_tmpdir(dir, sizeof dir, "layout-sup");
  struct store_config cfg = {dir, 1 << 20, 256 << 20, 1, 0};
  struct store *s;
  REQUIRE(store_open(&s, &cfg) == 0);
  struct crdt_memview *m = crdt_memview_new();
  int order[SUP_OPS];
  for (int i = 0; i < SUP_OPS; i++) {
    order[i] = i;
    REQUIRE(crdt_memview_apply(m, &ops[i].op) == 1);
  }
  for (int i = SUP_OPS - 1; i > 0; i--) {
    int j = (int)test_below(&r, (uint64_t)i + 1), x = order[i];
    order[i] = order[j], order[j] = x;
  }
  for (int i = 0; i < SUP_OPS; i += 8) {
    struct crdt_op batch[8];
    for (int j = 0; j < 8; j++)
      batch[j] = ops[order[i + j]].op;
    REQUIRE(store_apply(s, batch, 8, NULL) == 8);
  }

  uint8_t d1[32], d2[32], p[256];
  size_t cnt, srows = 0;
  t_digest(m, d1);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  same_rows(s, m, NULL, 0, &cnt);
  for (int k = 0; k < 5; k++) {
    char key[8];
    snprintf(key, sizeof key, "r-%d", k);
    int n = crdt_row_prefix(p, sizeof p, "shihua", 6, "resident", 8, key, strlen(key));
    REQUIRE(n > 0);
    same_rows(s, m, p, (size_t)n, &cnt);
    p[n] = CRDT_ROW_LWW;
    same_rows(s, m, p, (size_t)n + 1, &cnt);
    CHECK(cnt >= 1);
    p[n] = CRDT_ROW_SUPERSEDED;
    same_rows(s, m, p, (size_t)n + 1, &cnt);
    srows += cnt;
    memcpy(p + n + 1, "na", 2); /* part of a field name */
    same_rows(s, m, p, (size_t)n + 3, &cnt);
    memcpy(p + n + 1, "name", 5); /* a field and its 00 */
    same_rows(s, m, p, (size_t)n + 6, &cnt);
    /* part of a parent id: the first parent some op of the record names */
    for (int i = 0; i < SUP_OPS; i++)
      if (rec[i] == k && ops[i].op.n_parents) {
        memcpy(p + n + 1, sup_fields[0], 5);
        memcpy(p + n + 6, crdt_op_parent(&ops[i].op, 0), 3);
        same_rows(s, m, p, (size_t)n + 9, &cnt);
        memcpy(p + n + 6, crdt_op_parent(&ops[i].op, 0), CRDT_ID_BYTES);
        same_rows(s, m, p, (size_t)n + 6 + CRDT_ID_BYTES, &cnt);
        CHECK(cnt <= 1);
        break;
      }
  }
  /* Most records' edits name parents: many superseded rows, and far fewer
   * stored rows than the view shows (one per parent, not per field). */
  CHECK(srows > SUP_OPS / 2);
  same_rows(s, m, NULL, 0, &cnt);
  store_close(s);
  CHECK(stored_rows(dir) + srows / 3 < cnt);
  REQUIRE(store_open(&s, &cfg) == 0);

  /* Single rows: every (field, parent) an op names is there, and every
   * other field of the four with the same parent is there exactly when
   * the memory view has it; the op's own id is superseded exactly when
   * the memory view says so. */
  size_t present = 0, bad = 0;
  for (int i = 0; i < SUP_OPS; i++) {
    char key[8];
    snprintf(key, sizeof key, "r-%d", rec[i]);
    int n = crdt_row_prefix(p, sizeof p, "shihua", 6, "resident", 8, key, strlen(key));
    p[n] = CRDT_ROW_SUPERSEDED;
    for (int f = 0; f < 4; f++) {
      size_t fl = strlen(sup_fields[f]);
      memcpy(p + n + 1, sup_fields[f], fl + 1);
      for (uint32_t j = 0; j <= ops[i].op.n_parents; j++) {
        const uint8_t *id = j < ops[i].op.n_parents ? crdt_op_parent(&ops[i].op, j) : ops[i].op.id;
        memcpy(p + n + 2 + fl, id, CRDT_ID_BYTES);
        int g = get_both(s, m, p, (size_t)n + 2 + fl + CRDT_ID_BYTES);
        bad += g < 0;
        present += g == 1;
      }
    }
  }
  CHECK_EQ(bad, 0);
  CHECK(present > SUP_OPS / 2);

  CHECK_EQ(store_rebuild(s), 0);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  same_rows(s, m, NULL, 0, &cnt);
  store_close(s);
  crdt_memview_destroy(m);
  t_rmdir(dir);
}

/* Every kind of op on a few records, so that tombstones, removes and
 * frontiers that empty delete rows in the middle of a write transaction:
 * the writer reads and writes rows through one cursor per transaction
 * (store_view.c), and what it leaves must equal the in-memory view, in
 * any order of batches, and the rebuilt rows. */
#define KIND_OPS 600
static void test_all_kinds(const struct crdt_identity *who)
{
  static const char *const keys[] = {"r-1", "r-2", "r-3", "r-4"};
  static const char *const fields[] = {"name", "phone", "status"};
  struct test_rng r = {0xd1ed1e7eu};
  static struct t_op ops[KIND_OPS];
  int n = 0, tombs = 0, removes = 0;
  while (n < KIND_OPS) {
    const char *key = keys[test_below(&r, 4)];
    enum crdt_kind kind = (enum crdt_kind)test_below(&r, CRDT_KIND_COUNT);
    uint8_t body[256], parents[4 * CRDT_ID_BYTES];
    uint32_t np = 0;
    struct crdt_buf b;
    crdt_buf_init(&b, body, sizeof body);
    /* Parents: earlier ops of the record, of the kind this one replaces. */
    enum crdt_kind pk = kind == CRDT_REMOVE ? CRDT_ADD : CRDT_SET;
    for (int i = n - 1; i >= 0 && np < 3 && (kind == CRDT_SET || kind == CRDT_REMOVE); i--)
      if (ops[i].op.kind == pk && ops[i].op.key.len == strlen(key) &&
          memcmp(ops[i].op.key.p, key, ops[i].op.key.len) == 0 && test_below(&r, 2))
        memcpy(parents + CRDT_ID_BYTES * np++, ops[i].op.id, CRDT_ID_BYTES);
    switch (kind) {
    case CRDT_SET: {
      uint32_t nf = 1 + (uint32_t)test_below(&r, 3);
      crdt_w_map(&b, nf);
      for (uint32_t f = 0; f < nf; f++) {
        crdt_w_cstr(&b, fields[f]);
        crdt_w_uint(&b, test_below(&r, 100));
      }
      break;
    }
    case CRDT_ADD:
    case CRDT_REMOVE:
      if (kind == CRDT_REMOVE && np == 0)
        continue;
      crdt_w_map(&b, 1);
      crdt_w_cstr(&b, "tags");
      crdt_w_array(&b, 1);
      crdt_w_uint(&b, test_below(&r, 4));
      removes += kind == CRDT_REMOVE;
      break;
    case CRDT_COUNTER:
      crdt_w_map(&b, 1);
      crdt_w_cstr(&b, "masks");
      crdt_w_int(&b, (int64_t)test_below(&r, 20) - 10);
      break;
    case CRDT_APPEND:
      crdt_w_map(&b, 1);
      crdt_w_cstr(&b, "n");
      crdt_w_uint(&b, test_rand(&r));
      break;
    case CRDT_TOMBSTONE:
      crdt_w_map(&b, 0);
      tombs++;
      break;
    }
    REQUIRE(crdt_buf_err(&b) == 0);
    /* A small time range: tombstones land between the edits they hide. */
    uint64_t hlc = CRDT_HLC_MAKE(1580000000000 + (uint64_t)n * 10 + test_below(&r, 400), 0);
    t_sign(&ops[n], who, "shihua", kind == CRDT_APPEND ? "health_check" : "resident", key, hlc,
           kind, body, b.len, np ? parents : NULL, np);
    n++;
  }
  CHECK(tombs > 20 && removes > 20);
  struct crdt_memview *m = crdt_memview_new();
  for (int i = 0; i < KIND_OPS; i++)
    REQUIRE(crdt_memview_apply(m, &ops[i].op) == 1);
  uint8_t d1[32], d2[32];
  size_t cnt;
  t_digest(m, d1);
  for (int round = 0; round < 2; round++) {
    char dir[64];
    t_tmpdir(dir, sizeof dir, "layout-kinds");
    struct store_config cfg = {dir, 1 << 20, 256 << 20, 1, 0};
    struct store *s;
    REQUIRE(store_open(&s, &cfg) == 0);
    int order[KIND_OPS];
    for (int i = 0; i < KIND_OPS; i++)
      order[i] = i;
    for (int i = KIND_OPS - 1; i > 0 && round; i--) {
      int j = (int)test_below(&r, (uint64_t)i + 1), x = order[i];
      order[i] = order[j], order[j] = x;
    }
    for (int i = 0; i < KIND_OPS;) {
      struct crdt_op batch[40];
      int k = 1 + (int)test_below(&r, 40);
      if (k > KIND_OPS - i)
        k = KIND_OPS - i;
      for (int j = 0; j < k; j++)
        batch[j] = ops[order[i + j]].op;
      REQUIRE(store_apply(s, batch, (size_t)k, NULL) == k);
      i += k;
    }
    CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
    CHECK_MEM(d1, d2, 32);
    same_rows(s, m, NULL, 0, &cnt);
    CHECK_EQ(store_rebuild(s), 0);
    CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
    CHECK_MEM(d1, d2, 32);
    store_close(s);
    t_rmdir(dir);
  }
  crdt_memview_destroy(m);
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
  test_superseded(&who[0]);
  test_all_kinds(&who[1]);
  free(ops);
  free(who);
  return test_done("test_store_layout");
}
