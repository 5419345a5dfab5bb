/* The store's held ops and its crash seam: holds survive a reopen, keep
 * their first place and due time, go with their release in one
 * transaction, are bounded in count and bytes with the oldest dropped first;
 * a format-3 store is upgraded in place (and read as holding nothing when
 * opened read-only); a purge rides in its revocation's transaction; a
 * commit the seam fails, loses or cuts leaves the store as it says. */
#include <lmdb.h>

#include "store.h"
#include "test_store_util.h"

static struct crdt_identity who, other;

static struct store *open_store(const char *dir, int read_only)
{
  struct store_config cfg = {dir, 1 << 20, 1 << 30, 1, read_only};
  struct store *s = NULL;
  int rc = store_open(&s, &cfg);
  if (rc)
    fprintf(stderr, "store_open: %s\n", linli_strerror(rc));
  REQUIRE(rc == 0);
  return s;
}

static uint64_t held_count(struct store *s, uint64_t *bytes, uint64_t *due)
{
  uint64_t n = 0;
  REQUIRE(store_held_stats(s, &n, bytes, due) == 0);
  return n;
}

static int hold(struct store *s, const struct t_op *o, int why, uint64_t due, uint32_t max,
                uint64_t bytes_max, size_t *evicted)
{
  struct store_hold h = {&o->op, why, due};
  struct store_batch b = {0};
  b.hold = &h;
  b.n_hold = 1;
  b.held_max = max;
  b.held_bytes_max = bytes_max;
  int rc = store_write(s, &b);
  if (evicted)
    *evicted = b.evicted;
  return rc;
}

struct seen {
  uint64_t seq[16];
  uint64_t due[16];
  int why[16];
  uint8_t first_id[CRDT_ID_BYTES];
  int n;
};

static int see(void *arg, const struct store_held *h)
{
  struct seen *x = arg;
  if (x->n == 0)
    memcpy(x->first_id, h->id, CRDT_ID_BYTES);
  if (x->n < 16) {
    x->seq[x->n] = h->seq;
    x->due[x->n] = h->due_ms;
    x->why[x->n] = h->why;
  }
  /* the bytes are the op's, exactly */
  struct crdt_op op;
  CHECK(crdt_op_open(&op, h->raw, h->len) == 0);
  CHECK_MEM(op.id, h->id, CRDT_ID_BYTES);
  CHECK_MEM(op.author, h->author, CRDT_PK_BYTES);
  x->n++;
  return 0;
}

static void test_hold_release(struct test_rng *r)
{
  char dir[64];
  t_tmpdir(dir, sizeof dir, "held");
  struct store *s = open_store(dir, 0);
  static struct t_op ops[6];
  for (int i = 0; i < 6; i++)
    t_random_op(&ops[i], r, i < 4 ? &who : &other, "shihua", 1583000000000, 1000);
  for (int i = 0; i < 6; i++)
    CHECK_EQ(hold(s, &ops[i], i == 5 ? STORE_HOLD_CLOCK : STORE_HOLD_CERT, 5000 - (uint64_t)i, 0,
                  0, NULL), 0);
  /* held again: nothing changes, it keeps its due time */
  CHECK_EQ(hold(s, &ops[0], STORE_HOLD_CERT, 99999, 0, 0, NULL), 0);
  uint64_t bytes = 0, due = 0, want_bytes = 0;
  for (int i = 0; i < 6; i++)
    want_bytes += ops[i].len;
  CHECK_EQ(held_count(s, &bytes, &due), 6);
  CHECK_EQ(bytes, want_bytes);
  CHECK_EQ(due, 4995);
  CHECK_EQ(store_held_has(s, ops[3].op.id), 1);
  /* it survives a reopen */
  store_close(s);
  s = open_store(dir, 0);
  CHECK_EQ(held_count(s, NULL, NULL), 6);
  struct seen all = {0}, mine = {0}, due_by = {0};
  CHECK_EQ(store_held_each(s, NULL, UINT64_MAX, see, &all), 0);
  CHECK_EQ(all.n, 6);
  CHECK_MEM(all.first_id, ops[0].op.id, CRDT_ID_BYTES); /* oldest first */
  CHECK_EQ(all.due[0], 5000);
  CHECK_EQ(all.why[5], STORE_HOLD_CLOCK);
  for (int i = 1; i < 6; i++)
    CHECK(all.seq[i] > all.seq[i - 1]);
  CHECK_EQ(store_held_each(s, who.pk, UINT64_MAX, see, &mine), 0);
  CHECK_EQ(mine.n, 4);
  CHECK_EQ(store_held_each(s, NULL, 4997, see, &due_by), 0);
  CHECK_EQ(due_by.n, 3); /* due 4995, 4996, 4997: in due order */
  CHECK_EQ(due_by.due[0], 4995);
  CHECK_EQ(due_by.due[2], 4997);

  /* A release: the op stored and its hold gone, in one transaction. */
  int status = -1;
  uint8_t unhold[1][CRDT_ID_BYTES];
  memcpy(unhold[0], ops[1].op.id, CRDT_ID_BYTES);
  struct store_batch b = {0};
  b.ops = &ops[1].op;
  b.n = 1;
  b.status = &status;
  b.unhold = (const uint8_t(*)[CRDT_ID_BYTES])unhold;
  b.n_unhold = 1;
  CHECK_EQ(store_write(s, &b), 1);
  CHECK_EQ(status, 1);
  CHECK_EQ(store_held_has(s, ops[1].op.id), 0);
  CHECK_EQ(held_count(s, &bytes, NULL), 5);
  CHECK_EQ(bytes, want_bytes - ops[1].len);
  CHECK_EQ(store_has_at(s, "shihua", ops[1].op.hlc, ops[1].op.id), 1);
  /* forgetting what is not held is no error */
  CHECK_EQ(store_write(s, &b), 0);
  store_close(s);
  t_rmdir(dir);
}

static void test_bounds(struct test_rng *r)
{
  char dir[64];
  t_tmpdir(dir, sizeof dir, "held");
  struct store *s = open_store(dir, 0);
  static struct t_op ops[12];
  size_t evicted = 0, total = 0;
  for (int i = 0; i < 12; i++) {
    t_random_op(&ops[i], r, &who, "shihua", 1583000000000, 1000);
    CHECK_EQ(hold(s, &ops[i], STORE_HOLD_CERT, 1000 + (uint64_t)i, 8, 0, &evicted), 0);
    total += evicted;
  }
  /* a count of 8: the four oldest went, oldest first */
  CHECK_EQ(total, 4);
  CHECK_EQ(held_count(s, NULL, NULL), 8);
  for (int i = 0; i < 12; i++)
    CHECK_EQ(store_held_has(s, ops[i].op.id), i >= 4);
  /* bytes: room for about two ops drops all but the newest two */
  uint64_t bm = ops[10].len + ops[11].len;
  static struct t_op big;
  t_random_op(&big, r, &who, "shihua", 1583000000000, 1000);
  CHECK_EQ(hold(s, &big, STORE_HOLD_CERT, 2000, 8, bm, &evicted), 0);
  uint64_t bytes = 0;
  CHECK(held_count(s, &bytes, NULL) <= 2);
  CHECK(bytes <= bm);
  CHECK_EQ(store_held_has(s, big.op.id), 1);
  CHECK_EQ(store_held_has(s, ops[4].op.id), 0);
  store_close(s);
  t_rmdir(dir);
}

/* Makes dir a store of format 3: no held sub-database, format 3. */
static void make_format3(const char *dir)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi meta, held;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir, MDB_NOTLS, 0600) == 0);
  REQUIRE(mdb_txn_begin(env, NULL, 0, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
  REQUIRE(mdb_dbi_open(txn, "held", 0, &held) == 0);
  REQUIRE(mdb_drop(txn, held, 1) == 0);
  uint8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 3};
  MDB_val key = {6, "format"}, val = {8, b};
  REQUIRE(mdb_put(txn, meta, &key, &val, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

static uint64_t format_of(const char *dir)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi meta;
  MDB_val key = {6, "format"}, val;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir, MDB_NOTLS | MDB_RDONLY, 0600) == 0);
  REQUIRE(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
  REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
  REQUIRE(mdb_get(txn, meta, &key, &val) == 0 && val.mv_size == 8);
  uint64_t f = 0;
  for (int i = 0; i < 8; i++)
    f = f << 8 | ((uint8_t *)val.mv_data)[i];
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return f;
}

static void test_upgrade(struct test_rng *r)
{
  char dir[64];
  t_tmpdir(dir, sizeof dir, "held");
  static struct t_op ops[3];
  struct crdt_op dec[3];
  struct store *s = open_store(dir, 0);
  for (int i = 0; i < 3; i++) {
    t_random_op(&ops[i], r, &who, "shihua", 1583000000000, 1000);
    dec[i] = ops[i].op;
  }
  CHECK_EQ(store_apply(s, dec, 2, NULL), 2);
  uint8_t before[CRDT_DIGEST_BYTES], after[CRDT_DIGEST_BYTES];
  REQUIRE(store_digest(s, NULL, 0, before) == 0);
  store_close(s);
  CHECK_EQ(format_of(dir), 4);
  make_format3(dir);
  CHECK_EQ(format_of(dir), 3);
  /* read-only: readable, holding nothing, still format 3 */
  s = open_store(dir, 1);
  CHECK_EQ(held_count(s, NULL, NULL), 0);
  CHECK_EQ(store_held_has(s, ops[2].op.id), 0);
  REQUIRE(store_digest(s, NULL, 0, after) == 0);
  CHECK_MEM(before, after, sizeof before);
  store_close(s);
  CHECK_EQ(format_of(dir), 3);
  /* for writing: upgraded in place, ops and rows untouched, holds work */
  s = open_store(dir, 0);
  CHECK_EQ(format_of(dir), 4);
  REQUIRE(store_digest(s, NULL, 0, after) == 0);
  CHECK_MEM(before, after, sizeof before);
  CHECK_EQ(hold(s, &ops[2], STORE_HOLD_CERT, 1, 0, 0, NULL), 0);
  CHECK_EQ(held_count(s, NULL, NULL), 1);
  store_close(s);
  t_rmdir(dir);
}

static void test_purge_in_batch(struct test_rng *r)
{
  char dir[64];
  t_tmpdir(dir, sizeof dir, "held");
  struct store *s = open_store(dir, 0);
  static struct t_op ops[10];
  struct crdt_op dec[10];
  for (int i = 0; i < 10; i++) {
    t_random_op(&ops[i], r, i % 2 && i < 9 ? &who : &other, i < 5 ? "shihua" : "qiaokou",
                1583000000000 + 1000 * (uint64_t)i, 1);
    dec[i] = ops[i].op;
  }
  CHECK_EQ(store_apply(s, dec, 9, NULL), 9);
  /* "ops[9]" plays the revocation: stored now, it purges who's ops from
   * ops[4]'s time on in both scopes (ops 5 and 7), with the rows. */
  const char *scopes[] = {"shihua", "qiaokou"};
  struct store_purge p = {0, who.pk, CRDT_HLC_MAKE(1583000000000 + 4000, 0)};
  int status = -1;
  struct store_batch b = {0};
  b.ops = &dec[9];
  b.n = 1;
  b.status = &status;
  b.purge = &p;
  b.n_purge = 1;
  b.scopes = scopes;
  b.n_scopes = 2;
  CHECK_EQ(store_write(s, &b), 1);
  CHECK_EQ(b.purged, 2);
  for (int i = 0; i < 10; i++)
    CHECK_EQ(store_has(s, ops[i].op.id), !(i == 5 || i == 7));
  /* the rows are those of the ops that stay */
  uint8_t inc[CRDT_DIGEST_BYTES], full[CRDT_DIGEST_BYTES];
  REQUIRE(store_digest(s, NULL, 0, inc) == 0);
  REQUIRE(store_rebuild(s) >= 0);
  REQUIRE(store_digest(s, NULL, 0, full) == 0);
  CHECK_MEM(inc, full, sizeof inc);
  /* stored already: no purge runs again */
  CHECK_EQ(store_write(s, &b), 0);
  CHECK_EQ(b.purged, 0);
  store_close(s);
  t_rmdir(dir);
}

struct seam {
  int k, what, calls;
};

static int seam_fn(void *arg)
{
  struct seam *x = arg;
  return ++x->calls == x->k ? x->what : STORE_COMMIT_GO;
}

static void test_seam(struct test_rng *r)
{
  static const int modes[] = {STORE_COMMIT_FAIL, STORE_COMMIT_LOSE, STORE_COMMIT_CUT};
  for (int m = 0; m < 3; m++) {
    char dir[64];
    t_tmpdir(dir, sizeof dir, "seam");
    struct store *s = open_store(dir, 0);
    struct seam x = {2, modes[m], 0};
    store_set_commit_fault(s, seam_fn, &x);
    static struct t_op ops[3];
    for (int i = 0; i < 3; i++)
      t_random_op(&ops[i], r, &who, "shihua", 1583000000000, 1000);
    CHECK_EQ(store_apply(s, &ops[0].op, 1, NULL), 1);
    CHECK_EQ(store_apply(s, &ops[1].op, 1, NULL), LINLI_EIO); /* the second commit */
    CHECK_EQ(store_dead(s), modes[m] != STORE_COMMIT_FAIL);
    int third = store_apply(s, &ops[2].op, 1, NULL);
    CHECK_EQ(third, modes[m] == STORE_COMMIT_FAIL ? 1 : LINLI_EIO);
    if (store_dead(s))
      CHECK_EQ(store_has(s, ops[0].op.id), LINLI_EIO); /* reads fail too */
    store_close(s); /* what a crash leaves */
    s = open_store(dir, 0);
    CHECK_EQ(store_has(s, ops[0].op.id), 1);
    CHECK_EQ(store_has(s, ops[1].op.id), modes[m] == STORE_COMMIT_CUT);
    CHECK_EQ(store_has(s, ops[2].op.id), modes[m] == STORE_COMMIT_FAIL);
    store_close(s);
    t_rmdir(dir);
  }
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  struct test_rng r = {test_seed(21)};
  t_identity(&who, 0x21);
  t_identity(&other, 0x22);
  test_hold_release(&r);
  test_bounds(&r);
  test_upgrade(&r);
  test_purge_in_batch(&r);
  test_seam(&r);
  return test_done("test_store_held");
}
