/* The crdt view over an LMDB transaction: rows from the rows
 * sub-database, log rows made from the ops (store_int.h).
 *
 * A log row is  scope 0 coll 0 0x01 hlc(8) id(32)  with an empty value, one
 * per op of kind append; the op's key in ops is  scope 0 hlc(8) id(32).
 * Storing the row as well cost about 140 bytes per event (a 70-byte key in
 * half-full pages, since two logs grow at two places of one tree): more
 * than half the store, for events are most of what a community records. */
#include <string.h>

#include "store_int.h"

/* If k begins with a log prefix (scope 0 coll 0 0x01), its length; else 0. */
static size_t log_prefix_len(const uint8_t *k, size_t kl)
{
  const uint8_t *z1 = memchr(k, 0, kl);
  if (!z1)
    return 0;
  size_t a = (size_t)(z1 - k) + 1;
  const uint8_t *z2 = memchr(k + a, 0, kl - a);
  if (!z2)
    return 0;
  size_t b = (size_t)(z2 - k) + 1;
  return b < kl && k[b] == CRDT_ROW_LOG ? b + 1 : 0;
}

#define LOG_SUFFIX (8 + CRDT_ID_BYTES)

/* Which appends a log holds: the collection by name, and by number when
 * some op named it (packed ops carry the number). */
struct log_coll {
  const uint8_t *name;
  size_t len;
  uint32_t num;
  int numbered;
};

static int log_coll_init(struct store__tv *t, struct log_coll *lc, const uint8_t *coll, size_t cl)
{
  lc->name = coll;
  lc->len = cl;
  int rc = store__coll_number(t->s, t->txn, coll, cl, &lc->num);
  lc->numbered = rc == 0;
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

/* 1 if the op stored as val is an append to the log's collection. */
static int log_member(const struct log_coll *lc, const MDB_val *val)
{
  struct store__peeked p;
  int rc = store__peek(val->mv_data, val->mv_size, &p);
  if (rc)
    return rc;
  if (p.kind != CRDT_APPEND)
    return 0;
  if (p.packed)
    return lc->numbered && p.coll_num == lc->num;
  return p.cl == lc->len && memcmp(p.coll, lc->name, lc->len) == 0;
}

static int tv_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
  struct store__tv *t = ctx;
  MDB_val key = {kl, (void *)k}, val;
  size_t lp = log_prefix_len(k, kl);
  if (lp) {
    if (kl != lp + LOG_SUFFIX)
      return LINLI_ENOTFOUND;
    /* ops key: scope 0 (the row's first bytes) + the row's suffix */
    size_t sl = (size_t)((const uint8_t *)memchr(k, 0, kl) - k);
    uint8_t ok[STORE_OPKEY_MAX];
    memcpy(ok, k, sl + 1);
    memcpy(ok + sl + 1, k + lp, LOG_SUFFIX);
    MDB_val okey = {sl + 1 + LOG_SUFFIX, ok};
    int rc = mdb_get(t->txn, t->s->ops, &okey, &val);
    if (rc)
      return store__err(rc);
    struct log_coll lc;
    if ((rc = log_coll_init(t, &lc, k + sl + 1, lp - sl - 3)))
      return rc;
    rc = log_member(&lc, &val);
    if (rc <= 0)
      return rc ? rc : LINLI_ENOTFOUND;
    *v = (const uint8_t *)"";
    *vl = 0;
    return 0;
  }
  int rc = mdb_get(t->txn, t->s->rows, &key, &val);
  if (rc)
    return store__err(rc);
  *v = val.mv_data;
  *vl = val.mv_size;
  return 0;
}

static int tv_put(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct store__tv *t = ctx;
  if (t->read_only)
    return LINLI_EINVAL;
  size_t lp = log_prefix_len(k, kl);
  if (lp) {
    /* The op is in ops already (store_apply puts it first): only make
     * sure the collection's marker is there. */
    if (vl != 0 || kl != lp + LOG_SUFFIX || lp > sizeof t->marker)
      return LINLI_EINVAL;
    if (t->marker_len == lp && memcmp(t->marker, k, lp) == 0)
      return 0;
    MDB_val key = {lp, (void *)k}, val = {0, (void *)""};
    int rc = mdb_put(t->txn, t->s->rows, &key, &val, MDB_NOOVERWRITE);
    if (rc && rc != MDB_KEYEXIST)
      return store__err(rc);
    memcpy(t->marker, k, lp);
    t->marker_len = lp;
    return 0;
  }
  MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
  return store__err(mdb_put(t->txn, t->s->rows, &key, &val, 0));
}

static int tv_del(void *ctx, const uint8_t *k, size_t kl)
{
  struct store__tv *t = ctx;
  if (t->read_only)
    return LINLI_EINVAL;
  if (log_prefix_len(k, kl))
    return LINLI_EINVAL; /* a log row goes only with its op (store_purge_author) */
  MDB_val key = {kl, (void *)k};
  int rc = mdb_del(t->txn, t->s->rows, &key, NULL);
  return rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

typedef int (*scan_fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t);

/* Calls fn for the log rows that start with prefix (which starts with the
 * log prefix of length lp), in order: the appends to that collection among
 * the ops of the scope. */
static int log_scan(struct store__tv *t, const uint8_t *prefix, size_t pl, size_t lp, scan_fn fn,
                    void *arg)
{
  size_t sl = (size_t)((const uint8_t *)memchr(prefix, 0, pl) - prefix);
  const uint8_t *coll = prefix + sl + 1;
  size_t cl = lp - sl - 3, tail = pl - lp; /* bytes of (hlc, id) the prefix fixes */
  if (tail > LOG_SUFFIX)
    return 0;
  uint8_t ok[STORE_OPKEY_MAX], row[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3 + LOG_SUFFIX];
  memcpy(ok, prefix, sl + 1);
  memcpy(ok + sl + 1, prefix + lp, tail);
  memcpy(row, prefix, lp);
  struct log_coll lc;
  int rc = log_coll_init(t, &lc, coll, cl);
  if (rc)
    return rc;
  MDB_cursor *c;
  MDB_val key = {sl + 1 + tail, ok}, val;
  if ((rc = mdb_cursor_open(t->txn, t->s->ops, &c)))
    return store__err(rc);
  for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    if (key.mv_size != sl + 1 + LOG_SUFFIX || memcmp(key.mv_data, ok, sl + 1 + tail) != 0)
      break;
    int m = log_member(&lc, &val);
    if (m < 0) {
      rc = m;
      goto out;
    }
    if (!m)
      continue;
    memcpy(row + lp, (const uint8_t *)key.mv_data + sl + 1, LOG_SUFFIX);
    if ((rc = fn(arg, row, lp + LOG_SUFFIX, (const uint8_t *)"", 0)) != 0)
      goto out;
  }
  rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : store__err(rc);
out:
  mdb_cursor_close(c);
  return rc;
}

static int tv_scan(void *ctx, const uint8_t *prefix, size_t pl, scan_fn fn, void *arg)
{
  struct store__tv *t = ctx;
  size_t lp = pl ? log_prefix_len(prefix, pl) : 0;
  if (lp)
    return log_scan(t, prefix, pl, lp, fn, arg);
  MDB_cursor *c;
  MDB_val key = {pl, (void *)prefix}, val;
  int rc = mdb_cursor_open(t->txn, t->s->rows, &c);
  if (rc)
    return store__err(rc);
  rc = pl ? mdb_cursor_get(c, &key, &val, MDB_SET_RANGE) : mdb_cursor_get(c, &key, &val, MDB_FIRST);
  while (rc == 0) {
    if (key.mv_size < pl || (pl && memcmp(key.mv_data, prefix, pl) != 0))
      break;
    size_t mk = log_prefix_len(key.mv_data, key.mv_size);
    if (mk && mk == key.mv_size)
      rc = log_scan(t, key.mv_data, mk, mk, fn, arg); /* a marker: the log goes here */
    else
      rc = fn(arg, key.mv_data, key.mv_size, val.mv_data, val.mv_size);
    if (rc != 0)
      goto out;
    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
  }
  rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : store__err(rc);
out:
  mdb_cursor_close(c);
  return rc;
}

struct crdt_view store__view(struct store__tv *t)
{
  return (struct crdt_view){t, tv_get, tv_put, tv_del, tv_scan};
}
