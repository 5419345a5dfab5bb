/* The LMDB store. Keyspace and contracts: store.h. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"

#define MIB ((size_t)1 << 20)
#define ROWKEY_LMDB_MAX 511
/* The longest row key crdt/merge.c writes: record prefix, tag, field and
 * NUL, element length and element, add id. */
_Static_assert(CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 3 + 1 + CRDT_FIELD_MAX + 1 +
                       2 + CRDT_ELEM_MAX + CRDT_ID_BYTES <=
                   ROWKEY_LMDB_MAX,
               "row keys must fit LMDB's maximum key size");

int store__err(int mdb_rc)
{
  switch (mdb_rc) {
  case MDB_SUCCESS:
    return 0;
  case MDB_NOTFOUND:
    return LINLI_ENOTFOUND;
  case MDB_MAP_FULL:
    return LINLI_EMAPFULL;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID:
    return LINLI_ECORRUPT;
  default:
    return mdb_rc > 0 ? -mdb_rc : LINLI_ESTORE;
  }
}

struct store_bound store_bound_max(void)
{
  struct store_bound b;
  b.hlc = UINT64_MAX;
  memset(b.id, 0xff, sizeof b.id);
  return b;
}

/* ---- open / close ---- */

int store_dir_shared(const char *dir)
{
  struct group g, *got = NULL;
  struct stat st;
  char buf[4096];
  return stat(dir, &st) == 0 &&
         getgrnam_r(STORE_STAFF_GROUP, &g, buf, sizeof buf, &got) == 0 && got &&
         st.st_gid == got->gr_gid;
}

int store_dir_guard(const char *dir)
{
  if (mkdir(dir, 0700) == 0)
    return 0;
  if (errno != EEXIST)
    return -errno;
  struct stat st;
  if (stat(dir, &st) < 0)
    return -errno;
  if (!S_ISDIR(st.st_mode))
    return -ENOTDIR;
  mode_t allowed = store_dir_shared(dir) ? 02750 : 0700; /* setgid: new files in the group */
  if ((st.st_mode & 07777 & ~allowed) && chmod(dir, st.st_mode & allowed) < 0)
    return -errno;
  return 0;
}

int store_share_file(const char *dir, const char *path, unsigned mode)
{
  struct stat d, f;
  if (stat(dir, &d) < 0 || stat(path, &f) < 0)
    return -errno;
  /* only what changes: a sandbox (the package's unit) may refuse chown */
  if (f.st_gid != d.st_gid && chown(path, (uid_t)-1, d.st_gid) < 0)
    return -errno;
  if ((f.st_mode & 07777) != mode && chmod(path, mode) < 0)
    return -errno;
  return 0;
}

/* The store's files when the directory is shared with the staff group. */
static void store__share(const char *dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  store_share_file(dir, path, 0640);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  store_share_file(dir, path, 0660);
}

/* meta "format": how ops and rows are laid out. 4: packed ops, log rows
 * made from the ops, superseded rows kept one per parent (store_pack.c,
 * store_view.c), held ops (store_held.c); 3 was the same without held ops
 * and is upgraded in place (store_open); 2 had one superseded row per
 * field. A store of another format is refused, not misread. */
#define STORE_FORMAT 4
#define STORE_FORMAT_NO_HELD 3

static int put_format(struct store *s, MDB_txn *txn)
{
  MDB_val key = {6, "format"}, val;
  uint8_t b[8];
  store__be64(b, STORE_FORMAT);
  val = (MDB_val){8, b};
  return store__err(mdb_put(txn, s->meta, &key, &val, 0));
}

/* Checks the format; upgrades 3 to 4 when writing (the held sub-database
 * is already created in txn, and stays empty). */
static int store__format(struct store *s, MDB_txn *txn)
{
  MDB_val key = {6, "format"}, val;
  int rc = mdb_get(txn, s->meta, &key, &val);
  if (rc == 0) {
    uint64_t f = val.mv_size == 8 ? store__get_be64(val.mv_data) : 0;
    if (f == STORE_FORMAT)
      return 0;
    if (f != STORE_FORMAT_NO_HELD)
      return LINLI_EVERSION;
    return s->read_only ? 0 : put_format(s, txn);
  }
  if (rc != MDB_NOTFOUND)
    return store__err(rc);
  MDB_stat st;
  if ((rc = mdb_stat(txn, s->ops, &st)))
    return store__err(rc);
  if (st.ms_entries)
    return LINLI_EVERSION; /* ops from before formats were recorded */
  return s->read_only ? 0 : put_format(s, txn);
}

int store_open(struct store **out, const struct store_config *cfg)
{
  struct store *s = calloc(1, sizeof *s);
  MDB_txn *txn = NULL;
  int rc;

  *out = NULL;
  if (!s)
    return LINLI_ENOMEM;
  s->map_size = cfg->map_size ? cfg->map_size : 64 * MIB;
  s->map_size_max = cfg->map_size_max ? cfg->map_size_max : ((size_t)64 << 30);
  if (s->map_size > s->map_size_max)
    s->map_size = s->map_size_max;
  s->read_only = cfg->read_only;
  pthread_mutex_init(&s->keys_mu, NULL);
  static _Atomic uint64_t gens;
  s->gen = ++gens;
  if (!cfg->read_only && (rc = store_dir_guard(cfg->dir)))
    goto fail;
  if ((rc = store__err(mdb_env_create(&s->env))))
    goto fail;
  mdb_env_set_maxdbs(s->env, 8);
  mdb_env_set_mapsize(s->env, s->map_size);
  unsigned flags = MDB_NOTLS | (cfg->nosync ? MDB_NOSYNC : 0) | (cfg->read_only ? MDB_RDONLY : 0);
  if ((rc = store__err(mdb_env_open(s->env, cfg->dir, flags, 0600))))
    goto fail;
  if (!cfg->read_only && store_dir_shared(cfg->dir))
    store__share(cfg->dir);
  MDB_envinfo info;
  mdb_env_info(s->env, &info);
  if (info.me_mapsize > s->map_size)
    s->map_size = info.me_mapsize;

  if ((rc = store__err(mdb_txn_begin(s->env, NULL, cfg->read_only ? MDB_RDONLY : 0, &txn))))
    goto fail;
  unsigned create = cfg->read_only ? 0 : MDB_CREATE;
  const char *names[] = {"ops", "rows", "fp", "meta", "names"};
  MDB_dbi *dbis[] = {&s->ops, &s->rows, &s->fp, &s->meta, &s->names};
  for (int i = 0; i < 5; i++)
    if ((rc = store__err(mdb_dbi_open(txn, names[i], create, dbis[i]))))
      goto fail;
  rc = mdb_dbi_open(txn, "held", create, &s->held);
  if (rc && !(rc == MDB_NOTFOUND && cfg->read_only)) {
    rc = store__err(rc);
    goto fail;
  }
  s->has_held = rc == 0;
  if ((rc = store__format(s, txn)))
    goto fail;
  if ((rc = store__err(mdb_txn_commit(txn)))) {
    txn = NULL;
    goto fail;
  }
  store__file_init(s, !cfg->read_only && !cfg->nosync);
  if (!(s->dir = strdup(cfg->dir))) {
    rc = LINLI_ENOMEM;
    goto fail_open;
  }
  *out = s;
  return 0;
fail_open:
  txn = NULL;
fail:
  if (txn)
    mdb_txn_abort(txn);
  if (s->env)
    mdb_env_close(s->env);
  free(s);
  return rc == LINLI_ENOTFOUND ? LINLI_ESTORE : rc;
}

void store_close(struct store *s)
{
  if (!s)
    return;
  mdb_env_close(s->env);
  store__keys_free(s);
  free(s->dir);
  free(s);
}

/* ---- transactions ---- */

static int store__grow(struct store *s)
{
  if (s->map_size >= s->map_size_max)
    return LINLI_EMAPFULL;
  size_t next = s->map_size * 2;
  if (next > s->map_size_max)
    next = s->map_size_max;
  int rc = mdb_env_set_mapsize(s->env, next);
  if (rc)
    return store__err(rc);
  s->map_size = next;
  return 0;
}

int store__begin(struct store *s, int read_only, MDB_txn **txn)
{
  if (s->dead)
    return LINLI_EIO; /* the process this store stands for has died */
  for (;;) {
    int rc = mdb_txn_begin(s->env, NULL, read_only ? MDB_RDONLY : 0, txn);
    if (rc == MDB_MAP_RESIZED) {
      /* Another process grew the map: adopt its size. */
      if ((rc = mdb_env_set_mapsize(s->env, 0)))
        return store__err(rc);
      MDB_envinfo info;
      mdb_env_info(s->env, &info);
      s->map_size = info.me_mapsize;
      continue;
    }
    return store__err(rc);
  }
}

/* Commits txn, or not, as the commit fault hook says (store.h). */
static int store__commit(struct store *s, MDB_txn *txn, int *committed)
{
  int what = s->commit_fault ? s->commit_fault(s->commit_fault_arg) : STORE_COMMIT_GO;
  int rc;
  if (what == STORE_COMMIT_GO || what == STORE_COMMIT_CUT) {
    rc = store__err(mdb_txn_commit(txn));
    *committed = rc == 0;
    if (what == STORE_COMMIT_GO)
      return rc;
    s->dead = 1;
    return LINLI_EIO;
  }
  mdb_txn_abort(txn);
  if (what == STORE_COMMIT_LOSE)
    s->dead = 1;
  return LINLI_EIO;
}

int store__write(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg)
{
  if (s->read_only)
    return LINLI_EINVAL;
  for (;;) {
    MDB_txn *txn;
    int rc = store__begin(s, 0, &txn);
    if (rc)
      return rc;
    int n = fn(s, txn, arg), committed = 0;
    if (n < 0) {
      mdb_txn_abort(txn);
      rc = n;
    } else {
      rc = store__commit(s, txn, &committed);
    }
    store__names_settle(s, committed);
    if (rc == LINLI_EMAPFULL && !s->dead && store__grow(s) == 0)
      continue; /* nothing was written; retry in the larger map */
    if (!rc)
      store__file_prepare(s);
    return rc ? rc : n;
  }
}

void store_set_commit_fault(struct store *s, store_commit_fn fn, void *arg)
{
  s->commit_fault = fn;
  s->commit_fault_arg = arg;
}

int store_dead(const struct store *s)
{
  return s->dead;
}

int store__read(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg)
{
  MDB_txn *txn;
  int rc = store__begin(s, 1, &txn);
  if (rc)
    return rc;
  rc = fn(s, txn, arg);
  mdb_txn_abort(txn);
  return rc;
}

/* ---- keys ---- */

size_t store__op_key(uint8_t *k, const char *scope, size_t sl, uint64_t hlc, const uint8_t *id)
{
  memcpy(k, scope, sl);
  k[sl] = 0;
  store__be64(k + sl + 1, hlc);
  memcpy(k + sl + 9, id, CRDT_ID_BYTES);
  return sl + 9 + CRDT_ID_BYTES;
}

void store__be64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint64_t store__get_be64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

/* ---- reads ---- */

struct get_arg {
  const char *scope;
  uint64_t hlc;
  const uint8_t *id;
  uint8_t *buf;
  size_t cap;
};

static int get_op_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct get_arg *a = arg;
  uint8_t k[STORE_OPKEY_MAX];
  MDB_val key = {store__op_key(k, a->scope, strlen(a->scope), a->hlc, a->id), k}, op;
  int rc = mdb_get(txn, s->ops, &key, &op);
  if (rc)
    return store__err(rc);
  if (!a->buf)
    return 1;
  size_t len;
  if ((rc = store__unpack_ro(s, txn, &key, &op, a->buf, a->cap, &len)))
    return rc;
  return (int)len;
}

int store_has_at(struct store *s, const char *scope, uint64_t hlc, const uint8_t id[CRDT_ID_BYTES])
{
  struct get_arg a = {scope, hlc, id, NULL, 0};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  int rc = store__read(s, get_op_txn, &a);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

int store_get_op_at(struct store *s, const char *scope, uint64_t hlc,
                    const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap)
{
  struct get_arg a = {scope, hlc, id, buf, cap};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  return store__read(s, get_op_txn, &a);
}

struct scan_arg {
  const uint8_t *id;
  uint8_t *buf;
  size_t cap;
};

static int scan_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct scan_arg *a = arg;
  MDB_cursor *c;
  MDB_val key, val;
  int rc = mdb_cursor_open(txn, s->ops, &c);
  if (rc)
    return store__err(rc);
  for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
    if (key.mv_size < CRDT_ID_BYTES ||
        memcmp((uint8_t *)key.mv_data + key.mv_size - CRDT_ID_BYTES, a->id, CRDT_ID_BYTES))
      continue;
    size_t len;
    if (!a->buf)
      rc = 1;
    else if ((rc = store__unpack_ro(s, txn, &key, &val, a->buf, a->cap, &len)) == 0)
      rc = (int)len;
    mdb_cursor_close(c);
    return rc;
  }
  mdb_cursor_close(c);
  return store__err(rc);
}

int store_has(struct store *s, const uint8_t id[CRDT_ID_BYTES])
{
  struct scan_arg a = {id, NULL, 0};
  int rc = store__read(s, scan_txn, &a);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

int store_get_op(struct store *s, const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap)
{
  struct scan_arg a = {id, buf, cap};
  return store__read(s, scan_txn, &a);
}

struct digest_arg {
  const uint8_t *prefix;
  size_t pl;
  uint8_t *out;
};

static int digest_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct digest_arg *a = arg;
  struct store__tv t = {s, txn, 1, {0}, 0, NULL};
  struct crdt_view v = store__view(&t);
  return crdt_view_digest(&v, a->prefix, a->pl, a->out);
}

int store_digest(struct store *s, const uint8_t *prefix, size_t pl, uint8_t out[CRDT_DIGEST_BYTES])
{
  struct digest_arg a = {prefix, pl, out};
  return store__read(s, digest_txn, &a);
}

struct rows_arg {
  int (*fn)(void *, const struct crdt_view *);
  void *arg;
};

static int rows_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct rows_arg *a = arg;
  struct store__tv t = {s, txn, 1, {0}, 0, NULL};
  struct crdt_view v = store__view(&t);
  v.keys = store_keys(s, &v.keys_len);
  return a->fn(a->arg, &v);
}

/* ---- explicit read transactions ---- */

struct store_read {
  struct store *s;
  struct store__tv tv;
  const uint8_t *keys;
  size_t keys_len;
};

int store_read_begin(struct store *s, struct store_read **out)
{
  struct store_read *r = calloc(1, sizeof *r);
  *out = NULL;
  if (!r)
    return LINLI_ENOMEM;
  int rc = store__begin(s, 1, &r->tv.txn);
  if (rc) {
    free(r);
    return rc;
  }
  r->s = s;
  r->tv.s = s;
  r->tv.read_only = 1;
  r->keys = store_keys(s, &r->keys_len);
  *out = r;
  return 0;
}

void store_read_end(struct store_read *r)
{
  if (!r)
    return;
  mdb_txn_abort(r->tv.txn);
  free(r);
}

struct crdt_view store_read_view(struct store_read *r)
{
  struct crdt_view v = store__view(&r->tv);
  v.keys = r->keys, v.keys_len = r->keys_len;
  return v;
}

MDB_txn *store__read_txn(struct store_read *r)
{
  return r->tv.txn;
}

struct store *store__read_store(struct store_read *r)
{
  return r->s;
}

int store_read_op(struct store_read *r, const char *scope, uint64_t hlc,
                  const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap)
{
  struct get_arg a = {scope, hlc, id, buf, cap};
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  return get_op_txn(r->s, r->tv.txn, &a);
}

int store_read_rows(struct store *s, int (*fn)(void *, const struct crdt_view *), void *arg)
{
  struct rows_arg a = {fn, arg};
  return store__read(s, rows_txn, &a);
}

static int stats_txn(struct store *s, MDB_txn *txn, void *arg)
{
  uint64_t *out = arg;
  MDB_stat st;
  int rc = mdb_stat(txn, s->ops, &st);
  if (rc)
    return store__err(rc);
  out[0] = st.ms_entries;
  MDB_val key = {7, "hlc_max"}, val;
  rc = mdb_get(txn, s->meta, &key, &val);
  out[1] = rc == 0 && val.mv_size == 8 ? store__get_be64(val.mv_data) : 0;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int store_stats(struct store *s, uint64_t *ops, uint64_t *hlc_max)
{
  uint64_t v[2] = {0, 0};
  int rc = store__read(s, stats_txn, v);
  if (ops)
    *ops = v[0];
  if (hlc_max)
    *hlc_max = v[1];
  return rc;
}

static int bytes_txn(struct store *s, MDB_txn *txn, void *arg)
{
  uint64_t *out = arg, pages = 0;
  MDB_dbi dbis[] = {s->ops, s->rows, s->fp, s->meta, s->names, s->held};
  MDB_stat st;
  for (int i = 0; i < 5 + s->has_held; i++) {
    int rc = mdb_stat(txn, dbis[i], &st);
    if (rc)
      return store__err(rc);
    pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
  }
  *out = pages * st.ms_psize;
  return 0;
}

int store_bytes_used(struct store *s, uint64_t *bytes)
{
  return store__read(s, bytes_txn, bytes);
}
