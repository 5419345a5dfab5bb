/* The crdt view over an LMDB transaction: rows from the rows
 * sub-database, log rows made from the ops (store_int.h), superseded rows
 * kept one per parent.
 *
 * A log row is  scope 0 coll 0 0x01 hlc(8) id(32)  with an empty value, one
 * per op of kind append; the op's key in ops is  scope 0 hlc(8) id(32).
 * Storing the row as well cost about 140 bytes per event (a 70-byte key in
 * half-full pages, since two logs grow at two places of one tree): more
 * than half the store, for events are most of what a community records.
 *
 * A superseded row (docs/protocol.md 6.1) is  P 'S' f 00 p  with an empty
 * value: one per field a set op writes and per parent p it names. The
 * store keeps one row per parent instead,  P 'S' p(32),  whose value lists
 * the fields, each followed by 00, in ascending order; the view turns one
 * into the other. An edit of a three-field record wrote three 70-byte keys
 * at three random places of the record; a record edited every day soon
 * filled two or three pages, and each commit rewrote that many pages per
 * record it touched. Kept per parent (the ops of linli-bench store, at
 * 1,000,000 ops): the rows sub-database fell from 8,600 pages to 3,700,
 * the pages written per commit by 28%, and the writer's time from 4.0-4.8
 * to 2.8-3.0 us per op. */
#include <stdlib.h>
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

/* ---- superseded rows: P 'S' f 00 p in the view, P 'S' p (fields) stored ---- */

/* If k is a record row with tag S, the length of its record prefix and
 * tag, P 'S'; else 0. Holds for both shapes. Only for a k that is not a
 * log row (log_prefix_len 0): a log row's hlc and id may hold 00 'S'. */
static size_t sup_prefix_len(const uint8_t *k, size_t kl)
{
  size_t i = 0;
  for (int z = 0; z < 3; z++) {
    const uint8_t *n = memchr(k + i, 0, kl - i);
    if (!n)
      return 0;
    i = (size_t)(n - k) + 1;
  }
  return i < kl && k[i] == CRDT_ROW_SUPERSEDED ? i + 1 : 0;
}

/* The field of a view key P 'S' f 00 p (sp = |P 'S'|): 0 and *f, *fl; or
 * LINLI_EINVAL if the key is not of that shape. */
static int sup_field(const uint8_t *k, size_t kl, size_t sp, const uint8_t **f, size_t *fl)
{
  if (kl < sp + 2 + CRDT_ID_BYTES || k[kl - CRDT_ID_BYTES - 1] != 0)
    return LINLI_EINVAL;
  *f = k + sp;
  *fl = kl - CRDT_ID_BYTES - 1 - sp;
  return memchr(*f, 0, *fl) ? LINLI_EINVAL : 0;
}

/* Where field f is in a stored list (names each followed by 00,
 * ascending): 1 if there, 0 if not, with *at its place either way;
 * LINLI_ECORRUPT for a list that does not end in 00. */
static int sup_find(const uint8_t *v, size_t vl, const uint8_t *f, size_t fl, size_t *at)
{
  size_t o = 0;
  while (o < vl) {
    const uint8_t *z = memchr(v + o, 0, vl - o);
    if (!z)
      return LINLI_ECORRUPT;
    size_t n = (size_t)(z - v) - o;
    int c = memcmp(v + o, f, n < fl ? n : fl);
    if (!c)
      c = n < fl ? -1 : n > fl;
    if (c >= 0) {
      *at = o;
      return c == 0;
    }
    o += n + 1;
  }
  *at = o;
  return 0;
}

/* The view's cursor on rows, opened at its first use in a write
 * transaction. */
static int rows_cursor(struct store__tv *t)
{
  return t->rc ? 0 : mdb_cursor_open(t->txn, t->s->rows, &t->rc);
}

/* A rows get (MDB_SET leaves key as it is) and put, through the view's
 * cursor in a write transaction. */
static int rows_get(struct store__tv *t, MDB_val *key, MDB_val *val)
{
  if (t->read_only)
    return mdb_get(t->txn, t->s->rows, key, val);
  int rc = rows_cursor(t);
  return rc ? rc : mdb_cursor_get(t->rc, key, val, MDB_SET);
}

static int rows_put(struct store__tv *t, MDB_val *key, MDB_val *val, unsigned flags)
{
  int rc = rows_cursor(t);
  return rc ? rc : mdb_cursor_put(t->rc, key, val, flags);
}

/* The stored key P 'S' p of a view key, and its current field list. */
struct sup_row {
  uint8_t key[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 4 + CRDT_ID_BYTES];
  MDB_val k, v;
  const uint8_t *f;
  size_t fl, at;
  int found; /* 1: the row lists f */
};

static int sup_load(struct store__tv *t, const uint8_t *k, size_t kl, size_t sp,
                    struct sup_row *r)
{
  int rc = sup_field(k, kl, sp, &r->f, &r->fl);
  if (rc)
    return rc;
  if (sp + CRDT_ID_BYTES > sizeof r->key)
    return LINLI_EINVAL;
  memcpy(r->key, k, sp);
  memcpy(r->key + sp, k + kl - CRDT_ID_BYTES, CRDT_ID_BYTES);
  r->k = (MDB_val){sp + CRDT_ID_BYTES, r->key};
  rc = rows_get(t, &r->k, &r->v);
  if (rc == MDB_NOTFOUND) {
    r->v = (MDB_val){0, (void *)""};
    r->at = 0;
    r->found = 0;
    return 0;
  }
  if (rc)
    return store__err(rc);
  rc = sup_find(r->v.mv_data, r->v.mv_size, r->f, r->fl, &r->at);
  r->found = rc == 1;
  return rc < 0 ? rc : 0;
}

static int sup_get(struct store__tv *t, const uint8_t *k, size_t kl, size_t sp,
                   const uint8_t **v, size_t *vl)
{
  struct sup_row r;
  int rc = sup_load(t, k, kl, sp, &r);
  if (rc)
    return rc == LINLI_EINVAL ? LINLI_ENOTFOUND : rc;
  if (!r.found)
    return LINLI_ENOTFOUND;
  *v = (const uint8_t *)"";
  *vl = 0;
  return 0;
}

/* Adds the field of view key k to its stored row. */
static int sup_put(struct store__tv *t, const uint8_t *k, size_t kl, size_t sp)
{
  struct sup_row r;
  int rc = sup_load(t, k, kl, sp, &r);
  if (rc || r.found)
    return rc;
  size_t ol = r.v.mv_size, nl = ol + r.fl + 1;
  uint8_t *n = malloc(nl);
  if (!n)
    return LINLI_ENOMEM;
  const uint8_t *o = r.v.mv_data;
  memcpy(n, o, r.at);
  memcpy(n + r.at, r.f, r.fl);
  n[r.at + r.fl] = 0;
  memcpy(n + r.at + r.fl + 1, o + r.at, ol - r.at);
  MDB_val nv = {nl, n};
  rc = store__err(rows_put(t, &r.k, &nv, 0));
  free(n);
  return rc;
}

typedef int (*scan_fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t);

struct sup_key {
  size_t off, len;
  const uint8_t *p; /* set once the buffer is final */
};

static int sup_key_cmp(const void *a, const void *b)
{
  const struct sup_key *x = a, *y = b;
  int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The stored superseded rows of one record, from the cursor's row on, as
 * view rows in view order; those under prefix go to fn. Leaves the cursor
 * on the first row past them (*rc MDB_NOTFOUND at the end). */
static int sup_scan(MDB_cursor *c, MDB_val *key, MDB_val *val, int *mrc, size_t sp,
                    const uint8_t *prefix, size_t pl, scan_fn fn, void *arg)
{
  uint8_t run[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 4];
  if (key->mv_size != sp + CRDT_ID_BYTES || sp > sizeof run)
    return LINLI_ECORRUPT;
  memcpy(run, key->mv_data, sp);
  uint8_t *buf = NULL;
  struct sup_key *ks = NULL;
  size_t used = 0, cap = 0, n = 0, kcap = 0;
  int rc = 0;
  do {
    const uint8_t *v = val->mv_data, *p = (const uint8_t *)key->mv_data + sp;
    size_t vl = val->mv_size, o = 0;
    if (!vl || v[vl - 1] != 0) {
      rc = LINLI_ECORRUPT;
      goto out;
    }
    while (o < vl) {
      size_t fl = strlen((const char *)v + o), kl = sp + fl + 1 + CRDT_ID_BYTES;
      if (used + kl > cap || n == kcap) {
        size_t nc = (cap + kl) * 2, nk = kcap ? kcap * 2 : 64;
        uint8_t *nb = realloc(buf, nc);
        struct sup_key *nks = nb ? realloc(ks, nk * sizeof *ks) : NULL;
        if (nb)
          buf = nb, cap = nc;
        if (nks)
          ks = nks, kcap = nk;
        if (!nb || !nks) {
          rc = LINLI_ENOMEM;
          goto out;
        }
      }
      uint8_t *d = buf + used;
      memcpy(d, run, sp);
      memcpy(d + sp, v + o, fl + 1);
      memcpy(d + sp + fl + 1, p, CRDT_ID_BYTES);
      ks[n++] = (struct sup_key){used, kl, NULL};
      used += kl;
      o += fl + 1;
    }
    *mrc = mdb_cursor_get(c, key, val, MDB_NEXT);
  } while (*mrc == 0 && key->mv_size == sp + CRDT_ID_BYTES && memcmp(key->mv_data, run, sp) == 0);
  for (size_t i = 0; i < n; i++)
    ks[i].p = buf + ks[i].off;
  qsort(ks, n, sizeof *ks, sup_key_cmp);
  for (size_t i = 0; i < n && !rc; i++)
    if (ks[i].len >= pl && (!pl || memcmp(ks[i].p, prefix, pl) == 0))
      rc = fn(arg, ks[i].p, ks[i].len, (const uint8_t *)"", 0);
out:
  free(buf);
  free(ks);
  return rc;
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
  size_t sp = sup_prefix_len(k, kl);
  if (sp)
    return sup_get(t, k, kl, sp, v, vl);
  int rc = rows_get(t, &key, &val);
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
    int rc = rows_put(t, &key, &val, MDB_NOOVERWRITE);
    if (rc && rc != MDB_KEYEXIST)
      return store__err(rc);
    memcpy(t->marker, k, lp);
    t->marker_len = lp;
    return 0;
  }
  size_t sp = sup_prefix_len(k, kl);
  if (sp)
    return vl ? LINLI_EINVAL : sup_put(t, k, kl, sp);
  MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
  return store__err(rows_put(t, &key, &val, 0));
}

static int tv_del(void *ctx, const uint8_t *k, size_t kl)
{
  struct store__tv *t = ctx;
  if (t->read_only)
    return LINLI_EINVAL;
  /* A log row goes only with its op (store_purge_author); a superseded
   * row never goes (crdt/merge.c adds them only). */
  if (log_prefix_len(k, kl) || sup_prefix_len(k, kl))
    return LINLI_EINVAL;
  MDB_val key = {kl, (void *)k}, val;
  int rc = rows_get(t, &key, &val);
  if (rc == 0) {
    rc = mdb_cursor_del(t->rc, 0);
    /* A delete may merge the cursor's leaf away: the next get starts from
     * a fresh cursor rather than lean on the fix-up. Deletes are rare. */
    mdb_cursor_close(t->rc);
    t->rc = NULL;
  }
  return rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

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
  /* A prefix that reaches into a record's superseded rows (P 'S' f ...)
   * picks stored rows by P 'S' alone; their view rows are then checked
   * against the whole prefix. */
  size_t sp = pl ? sup_prefix_len(prefix, pl) : 0, ml = sp ? sp : pl;
  MDB_cursor *c;
  MDB_val key = {ml, (void *)prefix}, val;
  int rc = mdb_cursor_open(t->txn, t->s->rows, &c);
  if (rc)
    return store__err(rc);
  rc = ml ? mdb_cursor_get(c, &key, &val, MDB_SET_RANGE) : mdb_cursor_get(c, &key, &val, MDB_FIRST);
  while (rc == 0) {
    if (key.mv_size < ml || (ml && memcmp(key.mv_data, prefix, ml) != 0))
      break;
    size_t mk = log_prefix_len(key.mv_data, key.mv_size), ks;
    int mrc;
    if (mk && mk == key.mv_size) {
      rc = log_scan(t, key.mv_data, mk, mk, fn, arg); /* a marker: the log goes here */
    } else if (!mk && (ks = sup_prefix_len(key.mv_data, key.mv_size)) != 0) {
      if ((rc = sup_scan(c, &key, &val, &mrc, ks, prefix, pl, fn, arg)) != 0)
        goto out;
      rc = mrc; /* the cursor is past the record's superseded rows */
      continue;
    } else {
      rc = fn(arg, key.mv_data, key.mv_size, val.mv_data, val.mv_size);
    }
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
  return (struct crdt_view){t, tv_get, tv_put, tv_del, tv_scan, NULL, 0};
}
