/* store internals shared by store*.c. */
#ifndef LINLI_STORE_INT_H
#define LINLI_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>

#include "store.h"

/* A name's number as the writer last saw it (store_pack.c). pending: the
 * number came from the write transaction still open, and goes if it aborts. */
struct store__name {
  uint32_t num;
  uint8_t tag, len, pending;
  uint8_t name[CRDT_PK_BYTES > CRDT_COLLECTION_MAX ? CRDT_PK_BYTES : CRDT_COLLECTION_MAX];
};
#define STORE_NAMES_CACHED 64

struct store {
  MDB_env *env;
  MDB_dbi ops, rows, fp, meta, names; /* names: store_pack.c */
  MDB_dbi held;     /* store_held.c; has_held 0: a read-only format-3 store has none */
  int has_held;
  size_t map_size, map_size_max;
  int read_only;
  store_commit_fn commit_fault;
  void *commit_fault_arg;
  int dead;         /* a commit fault killed it: every call fails */
  uint64_t gen; /* unique per store_open: keys the per-thread name cache */
  size_t prep_end; /* store_file.c: the file is in base pages up to here */
  int prep_off;    /* 1: store_file.c prepares nothing */
  struct store__name names_w[STORE_NAMES_CACHED]; /* the writer's; tag 0: empty */
  struct store__keys *keys; /* store_keys.c: the key file as last read, newest first */
  pthread_mutex_t keys_mu;  /* guards keys: readers in several threads begin at once */
  char *dir;
};

/* store_keys.c: the key file's bytes as read at one time. Every version
 * read stays until store_close, so a reader's pointer stays valid. */
struct store__keys {
  struct store__keys *next;
  long long mtime_ns, size, ino;
  size_t len;
  uint8_t b[];
};
void store__keys_free(struct store *s);

/* A crdt_view over the rows of one LMDB transaction. Log rows (crdt.h,
 * CRDT_ROW_LOG) are not stored: each names an op of the ops sub-database,
 * whose key ends in the same (hlc, id), so the view makes them from the
 * ops. A marker row, the log prefix itself (scope 0 coll 0 0x01), says
 * where in row order a collection's log goes; the view never shows it. */
struct store__tv {
  struct store *s;
  MDB_txn *txn;
  int read_only;
  uint8_t marker[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3]; /* the last one written */
  size_t marker_len;
  /* Writing: one cursor on rows for every get and put, opened at the first
   * and closed with the transaction. An op's rows share a leaf, and LMDB
   * looks for a key in the cursor's leaf before it searches from the root. */
  MDB_cursor *rc;
};
struct crdt_view store__view(struct store__tv *t);

/* store_file.c: keeps the data file's page cache in 4 KiB pages ahead of
 * LMDB's last page, so that fdatasync writes only the pages a commit
 * changed. init after mdb_env_open (prepare 0: never), prepare after each
 * commit; both only ever help, and fail silently. */
void store__file_init(struct store *s, int prepare);
void store__file_prepare(struct store *s);

int store__err(int mdb_rc);
int store__begin(struct store *s, int read_only, MDB_txn **txn);
/* Runs fn in a write transaction and commits; grows the map and retries on
 * MDB_MAP_FULL. fn returns >= 0 to commit (returned), < 0 to abort. */
int store__write(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg);
int store__read(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg);
/* The transaction and store of an explicit read handle (store_read_begin). */
MDB_txn *store__read_txn(struct store_read *r);
struct store *store__read_store(struct store_read *r);

#define STORE_OPKEY_MAX (CRDT_SCOPE_MAX + 9 + CRDT_ID_BYTES)
size_t store__op_key(uint8_t *k, const char *scope, size_t sl, uint64_t hlc, const uint8_t *id);
void store__be64(uint8_t *p, uint64_t v);
uint64_t store__get_be64(const uint8_t *p);

/* Ops are stored packed (store_pack.c): value = pack(op), at most the op's
 * length + 1. store__unpack rebuilds the op's exact bytes from the key's
 * (scope, hlc) and the value; store__peek reads collection and kind. */
#define STORE_PACK_MAX (CRDT_OP_MAX_BYTES + 1)
int store__pack(struct store *s, MDB_txn *txn, const struct crdt_op *op, uint8_t *out, size_t cap,
                size_t *len);
/* After each write transaction: committed 1 keeps the numbers pack learnt
 * in it, 0 (aborted) forgets them. */
void store__names_settle(struct store *s, int committed);
/* key is the op's key in ops (scope 0 hlc id), which holds what the value
 * lacks; LINLI_ECORRUPT if it is not one. */
int store__unpack(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *val,
                  uint8_t *out, size_t cap, size_t *len);
/* The same in a read-only transaction, where every name seen is committed
 * and so may be remembered (per thread) for the next op. */
int store__unpack_ro(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *val,
                     uint8_t *out, size_t cap, size_t *len);

struct store__peeked {
  int packed;        /* 1: the collection is coll_num; 0: coll/cl */
  uint32_t coll_num; /* store__coll_number's numbering */
  const char *coll;
  uint32_t cl;
  int kind;
};
int store__peek(const uint8_t *val, size_t vl, struct store__peeked *out);
/* The number of a collection name, LINLI_ENOTFOUND if no op has it. */
int store__coll_number(struct store *s, MDB_txn *txn, const void *coll, size_t cl, uint32_t *num);

/* store_held.c, inside a write transaction. */
int store__held_add(struct store *s, MDB_txn *txn, const struct store_hold *h, uint32_t max,
                    uint64_t bytes_max, size_t *evicted);
int store__held_del(struct store *s, MDB_txn *txn, const uint8_t id[CRDT_ID_BYTES]);

/* store_apply.c: the rows recomputed from the ops, inside txn. */
int store__rebuild_txn(struct store *s, MDB_txn *txn, void *arg);
/* Deletes scope's ops of author from from_hlc on (no row rebuild): count. */
int store__purge_scope(struct store *s, MDB_txn *txn, const char *scope,
                       const uint8_t *author, uint64_t from_hlc);

#define STORE_FPKEY_MAX (CRDT_SCOPE_MAX + 1 + 1 + 8)
#define STORE_FPVAL_BYTES (8 + STORE_FP_SUM_BYTES)
size_t store__fp_key(uint8_t *k, const char *scope, size_t sl, int level, uint64_t bucket);
static inline uint64_t store__bucket(uint64_t hlc, int level)
{
  return hlc >> (STORE_FP_SHIFT0 + 4 * level);
}
/* Bucket sums use net_sum_add/sub/merge (net.h): the store keeps exactly
 * the fingerprint arithmetic reconciliation compares. */

#endif
