/* store: a node's durable state in one LMDB environment.
 *
 * Keyspace (one named sub-database each; all integers big-endian so that
 * memcmp order is numeric order):
 *
 * | db     | key                                   | value                          |
 * |--------|---------------------------------------|--------------------------------|
 * | ops    | scope 0x00 hlc(8) id(32)              | the signed op, packed: its exact bytes come back from key + value (store_pack.c) |
 * | rows   | materialised rows (crdt.h, docs/protocol.md "Materialised rows"), except log and superseded rows | row value |
 * | rows   | log marker: scope 0x00 coll 0x00 0x01 | empty: the collection's log goes here |
 * | rows   | superseded: P 'S' parent(32)          | the fields, each + 0x00, ascending |
 * | fp     | scope 0x00 level(1) bucket(8)         | count(8) sum(32, little-endian) |
 * | meta   | "format", "hlc_max"                   | u64                            |
 * | names  | 'a' author(32) / 'c' collection       | number (be32), and back: 'A'/'C' number -> name |
 * | held   | 'q' seq(8)                            | why(1) due_ms(8) id(32) author(32) op bytes (store_held.c) |
 * | held   | 'i' id(32)                            | seq(8): one held op by id      |
 * | held   | 'a' author(32) seq(8)                 | empty: held ops by author      |
 * | held   | 'd' due_ms(8) seq(8)                  | empty: held ops by when they are due |
 * | held   | 'c'                                   | count(8) bytes(8) next seq(8)  |
 *
 * Log rows (one per append: scope 0 coll 0 0x01 hlc id) are not stored:
 * the view (store_view.c) makes them from ops, whose keys end in the same
 * (hlc, id). Stored, they were more than half the store. Superseded rows
 * (P 'S' field 0x00 parent, one per field) are kept one per parent, with
 * the fields in the value: P is the record prefix (scope 0 coll 0 key 0).
 * Readers see every row of docs/protocol.md; the digest is the same as the
 * in-memory view's.
 * Held ops (held): ops a node may not apply yet, kept across restarts
 * ("Held ops" below). seq numbers them in arrival order, so the first 'q'
 * key is the oldest.
 *
 * meta "format" is 4. A store of format 3 (the same, without held) is
 * upgraded in place when it is opened for writing: the held sub-database
 * is created and the format becomes 4 in one transaction. Read-only, a
 * format-3 store reads as holding no held ops. A store of another format is
 * refused (LINLI_EVERSION).
 *
 * ops is ordered by time within a scope, so writes are nearly sequential and
 * the holes a partition leaves are contiguous ranges. fp holds additive range
 * fingerprints per time bucket at STORE_FP_LEVELS levels (level L bucket =
 * hlc >> (STORE_FP_SHIFT0 + 4 L)), maintained on every insert, so the count
 * and id-sum of any (hlc, id) range come from O(levels * 16) bucket reads plus
 * the ops of at most two level-0 buckets: never a scan of the range.
 *
 * There is no index by id alone: every path that names an op also knows
 * its scope and hlc (reconciliation reports items, not ids), and an id
 * index of random 32-byte keys cost a fifth of the storage and most of the
 * write amplification of a batch.
 *
 * Atomicity: store_apply() and store_write() write a batch (ops, rows, fp,
 * meta, and for store_write held ops and a revocation's purge) in one
 * write transaction: all of it or none. It returns only after the commit is
 * durable (unless the store was opened with nosync, for simulations), and only
 * then may the caller acknowledge the ops.
 *
 * Threads: one writer at a time (calls that write must not overlap); reads
 * (store_read_*) may run in other threads and processes and never block the
 * writer (LMDB MVCC).
 *
 * Pointers returned by read functions are valid until the read handle is
 * ended, as LMDB's are.
 */
#ifndef LINLI_STORE_H
#define LINLI_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

#define STORE_FP_LEVELS 8
#define STORE_FP_SHIFT0 32 /* level 0 bucket: 2^32 hlc units = 65,536 ms; 8 levels reach 2^60 */
#define STORE_FP_SUM_BYTES 32
#define STORE_SCOPES_MAX 64

/* The crash seam (tests and the simulator; SQLite's src/test6.c is the
 * model): the function store_set_commit_fault() installs is called before
 * every write transaction commits and says what happens to it:
 *   STORE_COMMIT_GO    it commits;
 *   STORE_COMMIT_FAIL  it is aborted and the call returns LINLI_EIO, as
 *                      when the disk refuses a write; the store goes on;
 *   STORE_COMMIT_LOSE  it is aborted, as if the process died before the
 *                      commit reached the file;
 *   STORE_COMMIT_CUT   it commits, as if the process died right after.
 * After LOSE or CUT the store is dead: that call and every later one
 * (reads included) return LINLI_EIO and write nothing, until store_close.
 * The owner then abandons what it built on the store (node_abandon). */
#define STORE_COMMIT_GO 0
#define STORE_COMMIT_FAIL 1
#define STORE_COMMIT_LOSE 2
#define STORE_COMMIT_CUT 3
typedef int (*store_commit_fn)(void *arg);

struct store_config {
  const char *dir;           /* created 0700 if missing */
  size_t map_size;           /* initial LMDB map size, bytes (default 64 MiB) */
  size_t map_size_max;       /* grow up to this on MDB_MAP_FULL (default 64 GiB) */
  int nosync;                /* 1: no fsync on commit (simulator only) */
  int read_only;             /* 1: open for reading (the CLI with the daemon up) */
};

struct store;

/* Opens (creating if needed) the environment in cfg->dir. */
int store_open(struct store **out, const struct store_config *cfg);

/* A node's directory is its owner's alone (0700), unless its group is
 * STORE_STAFF_GROUP: then that group's members (the office's staff, who
 * run linli as their own Unix users; docs/operator.md "Staff") may read it
 * (0750), and the store's files are data.mdb 0640 and lock.mdb 0660 (an
 * LMDB reader writes its slot in the lock file). */
#define STORE_STAFF_GROUP "linli"
/* 1 if dir's group is STORE_STAFF_GROUP, 0 if not (or no such group). */
int store_dir_shared(const char *dir);
/* Creates dir (0700) if missing, else takes from its mode what the rule
 * above does not allow. 0 or -errno (-ENOTDIR). */
int store_dir_guard(const char *dir);
/* path (a file of shared dir) into dir's group, with mode. 0 or -errno. */
int store_share_file(const char *dir, const char *path, unsigned mode);
void store_close(struct store *s);

/* A range bound: (hlc, id), compared lexicographically. */
struct store_bound {
  uint64_t hlc;
  uint8_t id[CRDT_ID_BYTES];
};
#define STORE_BOUND_MIN ((struct store_bound){0, {0}})
/* The bound just past everything. */
struct store_bound store_bound_max(void);

/* Applies n decoded, verified ops in one write transaction. status[i], if
 * status is non-NULL, is set to 1 for an op stored now, 0 for one already
 * there. Returns the number of new ops, or an error with nothing written:
 * LINLI_EMAPFULL when the map cannot grow past map_size_max. */
int store_apply(struct store *s, const struct crdt_op *ops, size_t n, int *status);

/* 1 if the op (scope, hlc, id) is stored, 0 if not. */
int store_has_at(struct store *s, const char *scope, uint64_t hlc, const uint8_t id[CRDT_ID_BYTES]);

/* Copies the signed op (scope, hlc, id) into buf (cap bytes); returns its
 * length, LINLI_ENOTFOUND, or LINLI_ETOOBIG if cap is too small. */
int store_get_op_at(struct store *s, const char *scope, uint64_t hlc,
                    const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap);

/* By id alone: a scan of every op, O(n). For tests and tools only. */
int store_has(struct store *s, const uint8_t id[CRDT_ID_BYTES]);
int store_get_op(struct store *s, const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap);

/* Count and id-sum (256-bit little-endian, mod 2^256) of the ops of `scope`
 * in [lo, hi). Cost grows with the number of buckets, not of ops. */
int store_range_fp(struct store *s, const char *scope, const struct store_bound *lo,
                   const struct store_bound *hi, uint64_t *count,
                   uint8_t sum[STORE_FP_SUM_BYTES]);

/* The bound of the k-th op (0-based) of `scope` at or after lo; LINLI_ENOTFOUND
 * if there are not that many before hi. */
int store_range_nth(struct store *s, const char *scope, const struct store_bound *lo,
                    const struct store_bound *hi, uint64_t k, struct store_bound *out);

/* Where to split [lo, hi) near its k-th op without reading ops: the start
 * of the level-0 bucket holding that op (from bucket counts alone). 0 and
 * *out with lo < *out < hi; 1 when no bucket start does (the op is in lo's
 * bucket), so the caller cuts at the op; or an error. */
int store_range_cut(struct store *s, const char *scope, const struct store_bound *lo,
                    const struct store_bound *hi, uint64_t k, struct store_bound *out);

/* Calls fn for each op of `scope` in [lo, hi), in order, at most `limit`
 * (0 = no limit); fn returns non-zero to stop. raw/len is the signed op. */
int store_range_each(struct store *s, const char *scope, const struct store_bound *lo,
                     const struct store_bound *hi, size_t limit,
                     int (*fn)(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw,
                               size_t len),
                     void *arg);

/* The state digest of the rows under prefix (pl 0: all rows). */
int store_digest(struct store *s, const uint8_t *prefix, size_t pl, uint8_t out[CRDT_DIGEST_BYTES]);

/* Deletes the ops of `scope` written by `author` with hlc >= from_hlc, with
 * their index and fingerprint entries, and recomputes the rows, in one
 * transaction. For revocations that arrive after ops they invalidate.
 * Returns the number of ops deleted. */
int store_purge_author(struct store *s, const char *scope, const uint8_t author[CRDT_PK_BYTES],
                       uint64_t from_hlc);

/* Drops every materialised row and recomputes them from the ops. */
int store_rebuild(struct store *s);

/* Installs the crash seam's hook (fn NULL: none); fn(arg) is called on the
 * writing thread. */
void store_set_commit_fault(struct store *s, store_commit_fn fn, void *arg);
/* 1 once a commit fault (STORE_COMMIT_LOSE or _CUT) killed the store. */
int store_dead(const struct store *s);

/* ---- held ops ----
 * Ops a node may not apply yet: their author's certificate has not arrived
 * (STORE_HOLD_CERT; due_ms is when the node gives up on it), or their stamp
 * is too far ahead of the node's clock (STORE_HOLD_CLOCK; due_ms is when it
 * may be applied). store_write() adds and removes them in the same
 * transaction as the ops it applies, so a release (the op stored, its hold
 * gone) is all or nothing. At most held_max ops and held_bytes_max bytes of
 * op are kept: a hold beyond either bound drops the oldest held ops first,
 * and says how many (store_batch.evicted). An op held already stays as it
 * is (its first due_ms and place in the order). */
#define STORE_HOLD_CERT 1
#define STORE_HOLD_CLOCK 2
#define STORE_HELD_MAX 4096                   /* default held_max */
#define STORE_HELD_BYTES_MAX ((uint64_t)16 << 20) /* default held_bytes_max */

struct store_hold {
  const struct crdt_op *op; /* decoded, verified: its raw bytes are held */
  int why;                  /* STORE_HOLD_* */
  uint64_t due_ms;
};

/* A revocation in a batch: if ops[op] is stored by this batch (status 1),
 * every op of `author` stamped at or after from_hlc, in every scope of the
 * batch's scopes, is deleted with its index and fingerprint entries, and the
 * rows are recomputed, before the transaction commits. Idempotent. */
struct store_purge {
  size_t op;
  const uint8_t *author;
  uint64_t from_hlc;
};

struct store_batch {
  const struct crdt_op *ops; /* as store_apply */
  size_t n;
  int *status;                            /* NULL, or n ints: 1 new, 0 already */
  const struct store_hold *hold;          /* ops to hold */
  size_t n_hold;
  const uint8_t (*unhold)[CRDT_ID_BYTES]; /* ids of held ops to forget (first) */
  size_t n_unhold;
  const struct store_purge *purge;
  size_t n_purge;
  const char *const *scopes;              /* where purges look */
  size_t n_scopes;
  uint32_t held_max;                      /* 0: STORE_HELD_MAX */
  uint64_t held_bytes_max;                /* 0: STORE_HELD_BYTES_MAX */
  size_t *purged_in;                      /* NULL, or n_scopes counts (out) */
  /* A request (NULL, or STORE_REQUEST_BYTES chosen by the client) recorded
   * in the same transaction, with request_ms and the batch's op count:
   * after a lost reply, store_request_get says whether it committed.
   * Records older than STORE_REQUEST_KEEP_MS before request_ms go. */
  const uint8_t *request;
  uint64_t request_ms;
  /* out, once committed */
  size_t evicted;                         /* held ops dropped for room */
  size_t purged;                          /* ops the purges deleted */
};
/* Applies, holds, forgets and purges in one write transaction. Returns the
 * number of new ops (the out fields set), or an error with nothing written. */
int store_write(struct store *s, struct store_batch *b);

#define STORE_REQUEST_BYTES 16
#define STORE_REQUEST_KEEP_MS (30ull * 24 * 3600 * 1000)
/* Whether the batch of request id committed: 1 (*ms its request_ms, *ops
 * the ops it carried, *added those new then, first the id of its first op
 * or zeros), 0 not (never, or so long ago it was forgotten), or an error.
 * Any out pointer may be NULL. */
int store_request_get(struct store *s, const uint8_t id[STORE_REQUEST_BYTES], uint64_t *ms,
                      uint64_t *ops, uint64_t *added, uint8_t first[CRDT_ID_BYTES]);

/* One held op as store_held_each shows it; pointers valid during the call. */
struct store_held {
  uint64_t seq;
  int why;
  uint64_t due_ms;
  const uint8_t *id, *author;
  const uint8_t *raw;
  size_t len;
};
/* Calls fn for each held op, oldest first: all of them (author NULL,
 * due_ms_max UINT64_MAX), an author's (author set), or those due by
 * due_ms_max (in due order). fn returns non-zero to stop, and must not
 * write to the store. */
int store_held_each(struct store *s, const uint8_t *author, uint64_t due_ms_max,
                    int (*fn)(void *arg, const struct store_held *h), void *arg);
/* Count and bytes of the held ops; the earliest due_ms (UINT64_MAX: none). */
int store_held_stats(struct store *s, uint64_t *count, uint64_t *bytes, uint64_t *next_due_ms);
/* 1 if the op with this id is held, 0 if not. */
int store_held_has(struct store *s, const uint8_t id[CRDT_ID_BYTES]);

/* Number of ops stored, and the largest hlc stored (0 if none). */
int store_stats(struct store *s, uint64_t *ops, uint64_t *hlc_max);

/* Bytes of the LMDB map in use (pages in use * page size). */
int store_bytes_used(struct store *s, uint64_t *bytes);

/* ---- explicit read transactions ----
 * A read handle is one LMDB read transaction: everything read through it
 * sees one consistent snapshot, and it never blocks the writer (or another
 * process's writer). Begin it, read through it, end it; one thread uses a
 * handle at a time. Readers in several threads each take their own. */
struct store_read;

/* Begins a read transaction; *out is the caller's until store_read_end(). */
int store_read_begin(struct store *s, struct store_read **out);
/* Ends it: every pointer read through it is invalid from here on. */
void store_read_end(struct store_read *r);
/* The rows of the snapshot as a crdt_view (get and scan; put and del fail
 * with LINLI_EINVAL). The view and every value pointer its get and scan
 * hand out are valid until store_read_end(r). */
struct crdt_view store_read_view(struct store_read *r);

/* ---- the community key file ----
 * STORE_KEYS_FILE in the store's directory (mode 0600, written by the
 * domain: node/domain/sealed.h) holds the community data keys this node
 * may open sealed values with. The store only hands its bytes to readers:
 * a read handle and its view carry the bytes as they were when it began
 * (crdt_view.keys). store_keys() rereads the file when it changed (size,
 * mtime or inode) and returns its bytes (NULL, *len 0: no file, or one over
 * STORE_KEYS_MAX); every version read stays valid until store_close().
 * Safe from any thread. */
#define STORE_KEYS_FILE "community.key"
#define STORE_KEYS_MAX 65536
const uint8_t *store_keys(struct store *s, size_t *len);
/* Copies the signed op (scope, hlc, id) of the snapshot into buf (cap
 * bytes): its length, LINLI_ENOTFOUND, or LINLI_ETOOBIG if cap is too small.
 * (Ops are stored packed, so they come back copied, not as a pointer.) */
int store_read_op(struct store_read *r, const char *scope, uint64_t hlc,
                  const uint8_t id[CRDT_ID_BYTES], uint8_t *buf, size_t cap);

/* As store_range_each, through the snapshot rd: raw is valid during fn. */
int store_read_range(struct store_read *rd, const char *scope, const struct store_bound *lo,
                     const struct store_bound *hi, size_t limit,
                     int (*fn)(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw,
                               size_t len),
                     void *arg);

/* Reads rows inside one read transaction: fn gets a crdt_view whose get and
 * scan see one consistent snapshot (put and del fail with LINLI_EINVAL); the
 * view and its pointers are valid during fn only. */
int store_read_rows(struct store *s, int (*fn)(void *arg, const struct crdt_view *v), void *arg);

#endif
