/* store internals shared by store*.c. */
#ifndef LINLI_STORE_INT_H
#define LINLI_STORE_INT_H

#include <lmdb.h>

#include "store.h"

struct store {
  MDB_env *env;
  MDB_dbi ops, rows, fp, meta;
  size_t map_size, map_size_max;
  int read_only;
};

/* A crdt_view over one LMDB transaction and sub-database. */
struct store__tv {
  MDB_txn *txn;
  MDB_dbi dbi;
  int read_only;
};
struct crdt_view store__view(struct store__tv *t);

int store__err(int mdb_rc);
int store__begin(struct store *s, int read_only, MDB_txn **txn);
/* Runs fn in a write transaction and commits; grows the map and retries on
 * MDB_MAP_FULL. fn returns >= 0 to commit (returned), < 0 to abort. */
int store__write(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg);
int store__read(struct store *s, int (*fn)(struct store *, MDB_txn *, void *), void *arg);

#define STORE_OPKEY_MAX (CRDT_SCOPE_MAX + 9 + CRDT_ID_BYTES)
size_t store__op_key(uint8_t *k, const char *scope, size_t sl, uint64_t hlc, const uint8_t *id);
void store__be64(uint8_t *p, uint64_t v);
uint64_t store__get_be64(const uint8_t *p);

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
