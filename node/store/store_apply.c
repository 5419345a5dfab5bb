/* Writing: store_apply() and store_rebuild(). */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "store_int.h"

size_t store__fp_key(uint8_t *k, const char *scope, size_t sl, int level, uint64_t bucket)
{
  memcpy(k, scope, sl);
  k[sl] = 0;
  k[sl + 1] = (uint8_t)level;
  store__be64(k + sl + 2, bucket);
  return sl + 10;
}


/* One applied op, for the fingerprint buckets: its scope, its level-0
 * bucket and its id. */
struct fp_upd {
  const char *scope;
  size_t sl;
  uint64_t bucket;
  const uint8_t *id;
};

/* The ops of a batch that fall in one bucket of one level. */
struct fp_agg {
  const char *scope;
  size_t sl;
  uint64_t bucket;
  uint64_t count;
  uint8_t sum[STORE_FP_SUM_BYTES];
};

static int fp_upd_cmp(const void *a, const void *b)
{
  const struct fp_upd *x = a, *y = b;
  size_t n = x->sl < y->sl ? x->sl : y->sl;
  int c = memcmp(x->scope, y->scope, n);
  if (c || x->sl != y->sl)
    return c ? c : x->sl < y->sl ? -1 : 1;
  return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

static int same_bucket(const char *s1, size_t l1, uint64_t b1, const char *s2, size_t l2,
                       uint64_t b2)
{
  return b1 == b2 && l1 == l2 && memcmp(s1, s2, l1) == 0;
}

/* Adds the batch's ops to their buckets at every level: one read and one
 * write per bucket touched. Ops arrive nearly in time order, so the level-0
 * buckets are sorted (a sort runs only when they are not) and summed once;
 * each higher level merges the runs of the level below (bucket >> 4). */
static int fp_flush(struct store *s, MDB_txn *txn, struct fp_upd *u, size_t n, struct fp_agg *g)
{
  for (size_t i = 1; i < n; i++)
    if (fp_upd_cmp(&u[i - 1], &u[i]) > 0) {
      qsort(u, n, sizeof *u, fp_upd_cmp);
      break;
    }
  size_t ng = 0;
  for (size_t i = 0; i < n; i++) {
    if (!ng || !same_bucket(g[ng - 1].scope, g[ng - 1].sl, g[ng - 1].bucket, u[i].scope, u[i].sl,
                            u[i].bucket)) {
      g[ng] = (struct fp_agg){u[i].scope, u[i].sl, u[i].bucket, 0, {0}};
      ng++;
    }
    g[ng - 1].count++;
    net_sum_add(g[ng - 1].sum, u[i].id);
  }
  for (int l = 0; l < STORE_FP_LEVELS; l++) {
    for (size_t i = 0; i < ng; i++) {
      uint8_t k[STORE_FPKEY_MAX], val[STORE_FPVAL_BYTES];
      MDB_val key = {store__fp_key(k, g[i].scope, g[i].sl, l, g[i].bucket), k}, cur;
      int rc = mdb_get(txn, s->fp, &key, &cur);
      if (rc == 0 && cur.mv_size == STORE_FPVAL_BYTES)
        memcpy(val, cur.mv_data, sizeof val);
      else if (rc == MDB_NOTFOUND)
        memset(val, 0, sizeof val);
      else
        return rc ? store__err(rc) : LINLI_ECORRUPT;
      store__be64(val, store__get_be64(val) + g[i].count);
      net_sum_merge(val + 8, g[i].sum);
      MDB_val v = {sizeof val, val};
      if ((rc = mdb_put(txn, s->fp, &key, &v, 0)))
        return store__err(rc);
    }
    /* The next level: runs of buckets that share bucket >> 4. */
    size_t m = 0;
    for (size_t i = 0; i < ng; i++) {
      uint64_t up = g[i].bucket >> 4;
      if (m && same_bucket(g[m - 1].scope, g[m - 1].sl, g[m - 1].bucket, g[i].scope, g[i].sl, up)) {
        g[m - 1].count += g[i].count;
        net_sum_merge(g[m - 1].sum, g[i].sum);
      } else {
        g[m] = g[i];
        g[m].bucket = up;
        m++;
      }
    }
    ng = m;
  }
  return 0;
}

struct apply_arg {
  const struct crdt_op *ops;
  size_t n;
  int *status;
  struct fp_upd *upd;
  struct fp_agg *agg;
};

static int apply_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct apply_arg *a = arg;
  struct store__tv t = {s, txn, 0, {0}, 0, NULL};
  struct crdt_view view = store__view(&t);
  uint8_t packed[STORE_PACK_MAX];
  size_t nu = 0;
  uint64_t hlc_max = 0;
  int added = 0, rc;
  /* Appends go through one cursor, which stays on the last leaf: no search
   * from the root for each op. */
  MDB_cursor *oc;
  if ((rc = mdb_cursor_open(txn, s->ops, &oc)))
    return store__err(rc);

  for (size_t i = 0; i < a->n; i++) {
    const struct crdt_op *op = &a->ops[i];
    uint8_t k[STORE_OPKEY_MAX];
    size_t kl = store__op_key(k, op->scope.p, op->scope.len, op->hlc, op->id);
    size_t pl;
    if ((rc = store__pack(s, txn, op, packed, sizeof packed, &pl)))
      return rc;
    MDB_val key = {kl, k}, val = {pl, packed};
    /* Ops mostly arrive in time order: appending fills pages completely
     * instead of splitting them in half. A key that is not past the end
     * fails with MDB_KEYEXIST and takes the ordinary path. */
    rc = mdb_cursor_put(oc, &key, &val, MDB_APPEND);
    if (rc == MDB_KEYEXIST)
      rc = mdb_put(txn, s->ops, &key, &val, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
      if (a->status)
        a->status[i] = 0;
      continue;
    }
    if (rc)
      return store__err(rc);
    if ((rc = crdt_apply(&view, op)))
      return rc;
    a->upd[nu++] = (struct fp_upd){op->scope.p, op->scope.len, store__bucket(op->hlc, 0), op->id};
    if (op->hlc > hlc_max)
      hlc_max = op->hlc;
    if (a->status)
      a->status[i] = 1;
    added++;
  }
  if ((rc = fp_flush(s, txn, a->upd, nu, a->agg)))
    return rc;
  if (added) {
    MDB_val key = {7, "hlc_max"}, cur;
    rc = mdb_get(txn, s->meta, &key, &cur);
    if (rc == 0 && cur.mv_size == 8 && store__get_be64(cur.mv_data) > hlc_max)
      hlc_max = store__get_be64(cur.mv_data);
    uint8_t b[8];
    store__be64(b, hlc_max);
    MDB_val v = {8, b};
    if ((rc = mdb_put(txn, s->meta, &key, &v, 0)))
      return store__err(rc);
  }
  return added;
}

/* meta "req/" + id -> be64 ms, be64 ops, be64 added, the first op's id
 * (zeros for none): the batches whose
 * client asked to be able to learn, after a lost reply, that they
 * committed. The oldest go once STORE_REQUEST_KEEP_MS older than this one. */
#define REQ_PREFIX "req/"
#define REQ_KEY (4 + STORE_REQUEST_BYTES)

static int request_put(struct store *s, MDB_txn *txn, const struct store_batch *b,
                       uint64_t added)
{
  uint8_t k[REQ_KEY], v[24 + CRDT_ID_BYTES];
  MDB_cursor *c;
  MDB_val key = {4, REQ_PREFIX}, val;
  int rc = mdb_cursor_open(txn, s->meta, &c);
  if (rc)
    return store__err(rc);
  for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    if (key.mv_size != REQ_KEY || memcmp(key.mv_data, REQ_PREFIX, 4) != 0)
      break;
    if (val.mv_size >= 8 &&
        store__get_be64(val.mv_data) + STORE_REQUEST_KEEP_MS >= b->request_ms)
      continue;
    if ((rc = mdb_cursor_del(c, 0)))
      break;
  }
  mdb_cursor_close(c);
  if (rc && rc != MDB_NOTFOUND)
    return store__err(rc);
  memcpy(k, REQ_PREFIX, 4);
  memcpy(k + 4, b->request, STORE_REQUEST_BYTES);
  store__be64(v, b->request_ms);
  store__be64(v + 8, b->n);
  store__be64(v + 16, added);
  if (b->n)
    memcpy(v + 24, b->ops[0].id, CRDT_ID_BYTES);
  else
    memset(v + 24, 0, CRDT_ID_BYTES);
  key = (MDB_val){sizeof k, k};
  val = (MDB_val){sizeof v, v};
  return store__err(mdb_put(txn, s->meta, &key, &val, 0));
}

struct req_get {
  const uint8_t *id;
  uint64_t v[3];
  uint8_t first[CRDT_ID_BYTES];
  int found;
};

static int request_get_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct req_get *g = arg;
  uint8_t k[REQ_KEY];
  memcpy(k, REQ_PREFIX, 4);
  memcpy(k + 4, g->id, STORE_REQUEST_BYTES);
  MDB_val key = {sizeof k, k}, val;
  int rc = mdb_get(txn, s->meta, &key, &val);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return store__err(rc);
  if (val.mv_size != 24 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  for (int i = 0; i < 3; i++)
    g->v[i] = store__get_be64((const uint8_t *)val.mv_data + 8 * i);
  memcpy(g->first, (const uint8_t *)val.mv_data + 24, CRDT_ID_BYTES);
  g->found = 1;
  return 0;
}

int store_request_get(struct store *s, const uint8_t id[STORE_REQUEST_BYTES], uint64_t *ms,
                      uint64_t *ops, uint64_t *added, uint8_t first[CRDT_ID_BYTES])
{
  struct req_get g = {id, {0, 0, 0}, {0}, 0};
  int rc = store__read(s, request_get_txn, &g);
  if (rc)
    return rc;
  if (ms)
    *ms = g.v[0];
  if (ops)
    *ops = g.v[1];
  if (added)
    *added = g.v[2];
  if (first)
    memcpy(first, g.first, CRDT_ID_BYTES);
  return g.found;
}

/* Held ops first (a release forgets the hold, whatever becomes of the
 * op), then the ops, then new holds, then the purges of the revocations
 * stored now, and the rows recomputed if they deleted anything. */
static int batch_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct store_batch *b = arg;
  struct apply_arg a = {b->ops, b->n, b->status, NULL, NULL};
  int rc, added = 0;
  b->evicted = b->purged = 0;
  for (size_t k = 0; b->purged_in && k < b->n_scopes; k++)
    b->purged_in[k] = 0;
  for (size_t i = 0; i < b->n_unhold; i++)
    if ((rc = store__held_del(s, txn, b->unhold[i])) < 0)
      return rc;
  if (b->n) {
    a.upd = malloc(b->n * sizeof *a.upd);
    a.agg = malloc(b->n * sizeof *a.agg);
    added = a.upd && a.agg ? apply_txn(s, txn, &a) : LINLI_ENOMEM;
    free(a.upd);
    free(a.agg);
    if (added < 0)
      return added;
  }
  uint32_t max = b->held_max ? b->held_max : STORE_HELD_MAX;
  uint64_t bytes_max = b->held_bytes_max ? b->held_bytes_max : STORE_HELD_BYTES_MAX;
  for (size_t i = 0; i < b->n_hold; i++)
    if ((rc = store__held_add(s, txn, &b->hold[i], max, bytes_max, &b->evicted)) < 0)
      return rc;
  for (size_t i = 0; i < b->n_purge; i++) {
    const struct store_purge *p = &b->purge[i];
    if (p->op >= b->n || !b->status || b->status[p->op] != 1)
      continue; /* the revocation was stored before: its purge ran then */
    for (size_t k = 0; k < b->n_scopes; k++) {
      if ((rc = store__purge_scope(s, txn, b->scopes[k], p->author, p->from_hlc)) < 0)
        return rc;
      b->purged += (size_t)rc;
      if (b->purged_in)
        b->purged_in[k] += (size_t)rc;
    }
  }
  if (b->purged && (rc = store__rebuild_txn(s, txn, NULL)) < 0)
    return rc;
  if (b->request && (rc = request_put(s, txn, b, (uint64_t)added)) < 0)
    return rc;
  return added;
}

int store_write(struct store *s, struct store_batch *b)
{
  int *status = NULL, rc;
  if (b->n_purge && !b->status) {
    /* purges need to know which revocations are new */
    if (!(status = malloc(b->n * sizeof *status)))
      return LINLI_ENOMEM;
    b->status = status;
  }
  if (b->n_hold && !s->has_held)
    rc = LINLI_EINVAL;
  else if (!b->n && !b->n_hold && !b->n_unhold && !b->request)
    rc = 0;
  else
    rc = store__write(s, batch_txn, b);
  if (status) {
    b->status = NULL;
    free(status);
  }
  return rc;
}

int store_apply(struct store *s, const struct crdt_op *ops, size_t n, int *status)
{
  struct store_batch b = {0};
  b.ops = ops;
  b.n = n;
  b.status = status;
  return store_write(s, &b);
}

/* The op stored under (key, val), decoded from its rebuilt bytes in buf,
 * with its id checked against the key: a corrupted record fails here. */
static int stored_op(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *val,
                     uint8_t *buf, struct crdt_op *op)
{
  size_t len;
  if (store__unpack(s, txn, key, val, buf, STORE_PACK_MAX, &len) != 0 ||
      crdt_op_decode(op, buf, len) != 0 ||
      memcmp((const uint8_t *)key->mv_data + key->mv_size - CRDT_ID_BYTES, op->id,
             CRDT_ID_BYTES) != 0)
    return LINLI_ECORRUPT;
  return 0;
}

int store__rebuild_txn(struct store *s, MDB_txn *txn, void *arg)
{
  (void)arg;
  struct store__tv t = {s, txn, 0, {0}, 0, NULL};
  struct crdt_view view = store__view(&t);
  MDB_cursor *c;
  MDB_val key, val;
  int rc = mdb_drop(txn, s->rows, 0);
  if (rc)
    return store__err(rc);
  if ((rc = mdb_cursor_open(txn, s->ops, &c)))
    return store__err(rc);
  int mrc;
  uint8_t buf[STORE_PACK_MAX];
  for (mrc = mdb_cursor_get(c, &key, &val, MDB_FIRST); mrc == 0;
       mrc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    struct crdt_op op;
    /* Stored ops were verified on the way in; decode recomputes the id
     * from the stored bytes, which also catches a corrupted record. */
    if ((rc = stored_op(s, txn, &key, &val, buf, &op)))
      break;
    if ((rc = crdt_apply(&view, &op)))
      break;
  }
  mdb_cursor_close(c);
  if (mrc == 0)
    return rc; /* stopped by a decode or apply error */
  return mrc == MDB_NOTFOUND ? 0 : store__err(mrc);
}

int store_rebuild(struct store *s)
{
  return store__write(s, store__rebuild_txn, NULL);
}


/* Takes one op out of the fingerprint buckets of every level. */
static int fp_remove(struct store *s, MDB_txn *txn, const struct crdt_op *op)
{
  for (int l = 0; l < STORE_FP_LEVELS; l++) {
    uint8_t k[STORE_FPKEY_MAX], val[STORE_FPVAL_BYTES];
    MDB_val key = {store__fp_key(k, op->scope.p, op->scope.len, l, store__bucket(op->hlc, l)), k}, cur;
    int rc = mdb_get(txn, s->fp, &key, &cur);
    if (rc || cur.mv_size != STORE_FPVAL_BYTES)
      return rc ? store__err(rc) : LINLI_ECORRUPT;
    memcpy(val, cur.mv_data, sizeof val);
    uint64_t count = store__get_be64(val);
    if (count == 0)
      return LINLI_ECORRUPT;
    store__be64(val, count - 1);
    net_sum_sub(val + 8, op->id);
    MDB_val v = {sizeof val, val};
    rc = count == 1 ? mdb_del(txn, s->fp, &key, NULL) : mdb_put(txn, s->fp, &key, &v, 0);
    if (rc)
      return store__err(rc);
  }
  return 0;
}

int store__purge_scope(struct store *s, MDB_txn *txn, const char *scope, const uint8_t *author,
                       uint64_t from_hlc)
{
  size_t sl = strlen(scope);
  uint8_t k[STORE_OPKEY_MAX], zero[CRDT_ID_BYTES] = {0};
  if (sl > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  MDB_val key = {store__op_key(k, scope, sl, from_hlc, zero), k}, val;
  MDB_cursor *c;
  int err = 0, purged = 0, mrc = mdb_cursor_open(txn, s->ops, &c);
  if (mrc)
    return store__err(mrc);
  uint8_t buf[STORE_PACK_MAX];
  for (mrc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); mrc == 0 && !err;) {
    const uint8_t *p = key.mv_data;
    struct crdt_op op;
    if (key.mv_size != sl + 9 + CRDT_ID_BYTES || memcmp(p, scope, sl) || p[sl])
      break; /* past the scope */
    if ((err = stored_op(s, txn, &key, &val, buf, &op)))
      break;
    if (memcmp(op.author, author, CRDT_PK_BYTES) != 0) {
      mrc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
      continue;
    }
    /* op points into the page the delete changes: use it up first. */
    if ((err = fp_remove(s, txn, &op)))
      break;
    if ((mrc = mdb_cursor_del(c, 0)))
      break;
    purged++;
    mrc = mdb_cursor_get(c, &key, &val, MDB_NEXT); /* after a delete: the op that followed */
  }
  mdb_cursor_close(c);
  if (!err && mrc && mrc != MDB_NOTFOUND)
    err = store__err(mrc);
  return err ? err : purged;
}

struct purge_arg {
  const char *scope;
  const uint8_t *author;
  uint64_t from_hlc;
};

static int purge_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct purge_arg *a = arg;
  int purged = store__purge_scope(s, txn, a->scope, a->author, a->from_hlc), rc;
  if (purged > 0 && (rc = store__rebuild_txn(s, txn, NULL)) < 0)
    return rc;
  return purged;
}

int store_purge_author(struct store *s, const char *scope, const uint8_t author[CRDT_PK_BYTES],
                       uint64_t from_hlc)
{
  struct purge_arg a = {scope, author, from_hlc};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  return store__write(s, purge_txn, &a);
}
