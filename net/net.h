/* net: the wire messages of linli and range-based set reconciliation.
 *
 * This header is the module's documentation; the byte-exact wire format is
 * docs/protocol.md §10. It covers:
 *   - items, bounds and fingerprints of the reconciliation order (net_bound_*,
 *     net_fp_*)
 *   - the storage interface reconciliation reads (struct net_rstore) and an
 *     in-memory reference implementation (net_memstore_*)
 *   - the message codecs: HELLO, RECON, WANT, OPS, PUSH, ERROR (net_*_write,
 *     net_msg_decode and the net_msg_next_* iterators)
 *   - the reconciliation engine, one state machine per (scope, peer)
 *     (net_recon_*)
 *
 * Everything here is sans-I/O: no sockets, no clock, no randomness, no global
 * state. The engine allocates nothing; its memory is the caller's struct
 * net_recon plus the output buffer, whatever the size of the stored set.
 *
 * Errors: 0 (or a count) on success, a negative LINLI_E* code on failure
 * (crdt/err.h). Malformed input from a peer yields LINLI_ETRUNC, ETRAIL,
 * ENONCANON, ETYPE, ETOOBIG, EUTF8, ENAME or EPROTO; never a crash.
 */
#ifndef LINLI_NET_H
#define LINLI_NET_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

/* ---- limits (each is part of the protocol; docs/protocol.md §10.6 "Limits") ---- */

#define NET_PROTO_VERSION 3
#define NET_MSG_MAX (1024u * 1024u) /* bytes of one encoded message */
#define NET_RANGES_MAX 8192u        /* ranges in one RECON */
#define NET_IDS_MAX 16384u          /* ids in one message (RECON: all lists; WANT) */
#define NET_OPS_MAX 1024u           /* ops in one OPS or PUSH */
#define NET_SCOPES_MAX 4096u        /* scopes in one HELLO (NODE_SCOPES_MAX) */
#define NET_ERROR_TEXT_MAX 256u     /* bytes of the text of an ERROR */
#define NET_ID_BYTES CRDT_ID_BYTES  /* 32 */
#define NET_FP_BYTES 8              /* a fingerprint on the wire (keyed by the session salt) */
#define NET_NONCE_BYTES 16          /* random bytes each side puts in its HELLO */
#define NET_SALT_BYTES 16           /* the session's fingerprint key, from both nonces */
#define NET_SUM_BYTES 32            /* the 256-bit sum of ids */
#define NET_HLC_INF UINT64_MAX      /* reserved: no item has this hlc */

/* ---- items and bounds ----
 *
 * An item is (hlc, id); items of a scope are totally ordered by hlc, then by
 * the id bytes (memcmp). Item hlc values are < NET_HLC_INF.
 *
 * A bound is a point of that order: (hlc, id prefix zero-padded to 32
 * bytes). A range [lo, hi) holds the items x with lo <= x < hi. The bound
 * (0, empty) is the minimum; (NET_HLC_INF, empty) is infinity, above every
 * item. `id` bytes past `len` are always zero, so a bound compares to an
 * item as (hlc, 32 id bytes). */
struct net_item {
  uint64_t hlc;
  uint8_t id[NET_ID_BYTES];
};

struct net_bound {
  uint64_t hlc;
  uint8_t len; /* 0..32; id[len-1] != 0 when len > 0 */
  uint8_t id[NET_ID_BYTES];
};

void net_bound_min(struct net_bound *b);
void net_bound_inf(struct net_bound *b);
int net_bound_is_inf(const struct net_bound *b);
/* <0, 0, >0 as a is below, equal to or above b. */
int net_bound_cmp(const struct net_bound *a, const struct net_bound *b);
/* <0, 0, >0 as item x is below, at or above bound b. */
int net_item_cmp_bound(const struct net_item *x, const struct net_bound *b);
int net_item_cmp(const struct net_item *a, const struct net_item *b);
/* The shortest bound b with a < b <= x, for items a < x: (ms of x, counter
 * 0) when the milliseconds differ, else x's hlc with the shortest prefix of
 * x's id that separates it from a (empty when the hlc differ). */
void net_bound_between(struct net_bound *b, const struct net_item *a, const struct net_item *x);

/* ---- fingerprints ----
 * The sum of a range is the sum of its ids read as 256-bit little-endian
 * integers, mod 2^256: adding or removing an item is one addition, so an index
 * keeps sums per bucket and adds bucket sums. The fingerprint on the wire is
 * the first 16 bytes of BLAKE2b-256(sum (32 bytes) || count (u64 LE)). */
void net_sum_add(uint8_t sum[NET_SUM_BYTES], const uint8_t id[NET_ID_BYTES]);
void net_sum_sub(uint8_t sum[NET_SUM_BYTES], const uint8_t id[NET_ID_BYTES]);
void net_sum_merge(uint8_t sum[NET_SUM_BYTES], const uint8_t other[NET_SUM_BYTES]);
void net_fp(uint8_t fp[NET_FP_BYTES], const uint8_t salt[NET_SALT_BYTES], uint64_t count,
            const uint8_t sum[NET_SUM_BYTES]);
/* The session salt: a hash of the two HELLO nonces, in either order. */
void net_salt(uint8_t salt[NET_SALT_BYTES], const uint8_t a[NET_NONCE_BYTES],
              const uint8_t b[NET_NONCE_BYTES]);

/* ---- the storage that reconciliation reads ----
 *
 * One scope's items. Each primitive must be answerable without scanning the
 * range: an index ordered by (hlc, id) that keeps a count and a sum per
 * time bucket answers fingerprint() and nth() by adding bucket totals and
 * scanning only the two partial buckets at the ends.
 *
 * All three return 0 or a negative LINLI_E* code; the engine passes any error
 * through and the reconciliation fails. The items must not change during one
 * call of net_recon_start/net_recon_step (take a read transaction); they may
 * change between calls. */
struct net_rstore {
  void *ctx;
  /* Count and sum of the items in [lo, hi). */
  int (*fingerprint)(void *ctx, const struct net_bound *lo, const struct net_bound *hi,
                     uint64_t *count, uint8_t sum[NET_SUM_BYTES]);
  /* The k-th item (0-based) of [lo, hi); LINLI_ENOTFOUND if k >= count. */
  int (*nth)(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t k,
             struct net_item *out);
  /* Calls fn on the items of [lo, hi) in order, at most `limit` of them,
   * until fn returns non-zero; returns that value (a positive one is a stop,
   * a negative one an error), or 0. fn must not modify the store. */
  int (*items)(void *ctx, const struct net_bound *lo, const struct net_bound *hi,
               uint64_t limit, int (*fn)(void *arg, const struct net_item *x), void *arg);
  /* Optional. A cheap place to split [lo, hi) near its k-th item (0 < k <
   * count): a bound with lo < out < hi, returned as 0; or 1 to have the
   * engine cut exactly between the (k-1)-th and k-th items. A bucketed
   * store answers with a bucket's start, so that the fingerprints of the
   * parts add whole buckets and scan no ops. Parts need not have equal
   * counts; the peer answers any bounds. */
  int (*cut)(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t k,
             struct net_bound *out);
};

/* ---- in-memory store: a sorted array and naive scans; tests and benches ---- */
struct net_memstore;
struct net_memstore *net_memstore_new(void);
void net_memstore_destroy(struct net_memstore *m);
/* 1 if added, 0 if already there, LINLI_EINVAL if hlc == NET_HLC_INF,
 * LINLI_ENOMEM. Adding in ascending order is O(1); otherwise O(n). */
int net_memstore_add(struct net_memstore *m, uint64_t hlc, const uint8_t id[NET_ID_BYTES]);
size_t net_memstore_count(const struct net_memstore *m);
const struct net_item *net_memstore_at(const struct net_memstore *m, size_t i);
/* The interface over m, valid while m is. */
struct net_rstore net_memstore_rstore(struct net_memstore *m);

/* ---- messages ----
 *
 * Every message is one msgpack array [type, ...] in canonical form (the
 * crdt_mp rules), at most NET_MSG_MAX bytes, with no trailing bytes:
 *   HELLO  [1, version, nonce, [scope, ...]] nonce: bin(16); scopes strictly ascending
 *   RECON  [2, scope, [range, ...]]          see struct net_range; a 4th
 *          element 1 (`more`): a part of an answer the next RECON continues
 *   WANT   [3, scope, ids]                   ids: bin, 32*n bytes, ascending
 *   OPS    [4, scope, [op (bin), ...]]       reply to WANT, or a bulk send
 *   PUSH   [5, scope, [op (bin), ...]]       new ops, sent eagerly
 *   ERROR  [6, code, text]                   code: -LINLI_E*, text <= 256 B
 * Op bytes are opaque here; the node decodes and verifies each one. */
enum net_msg_type {
  NET_HELLO = 1,
  NET_RECON = 2,
  NET_WANT = 3,
  NET_OPS = 4,
  NET_PUSH = 5,
  NET_ERROR = 6,
};

/* Modes of a range in a RECON. */
enum net_mode {
  NET_SKIP = 0, /* nothing to do for this range */
  NET_FPRINT = 1, /* here is my fingerprint; compare */
  NET_IDLIST = 2, /* here are all my ids in the range; answer with a DIFF */
  NET_DIFF = 3, /* answer to an IDLIST: ids you lack, and ids of yours I lack */
  NET_SENDS = 4, /* answer to an IDLIST: a count of items you lack, which I send as
                    ops (so their ids are not listed), and ids of yours I lack */
};

/* One range of a RECON: from the previous range's upper bound (the first
 * from the minimum) up to `upper`. Upper bounds strictly ascend; infinity
 * may only be the last. Id lists are 32-byte ids concatenated, strictly
 * ascending by memcmp; pointers point into the decoded message. */
struct net_range {
  struct net_bound upper;
  enum net_mode mode;
  uint8_t fp[NET_FP_BYTES];    /* FPRINT */
  const uint8_t *ids;          /* IDLIST: all mine; DIFF: mine that you lack */
  uint32_t n_ids;
  const uint8_t *need;         /* DIFF, SENDS: yours that I lack */
  uint32_t n_need;
  uint64_t count;              /* SENDS: mine that you lack (>= 1), coming as ops */
};

/* A decoded message. decode checks the whole message (every limit, order
 * and type) before it returns 0; the next_* iterators then walk the list
 * part and cannot fail except with LINLI_ENOTFOUND at its end. Pointers
 * point into the buffer that was decoded and are valid while it is. */
struct net_msg {
  enum net_msg_type type;
  uint64_t version;         /* HELLO */
  const uint8_t *nonce;     /* HELLO: NET_NONCE_BYTES */
  struct crdt_str scope;    /* RECON, WANT, OPS, PUSH */
  uint32_t n;               /* HELLO scopes, RECON ranges, WANT ids, OPS/PUSH ops */
  int more;                 /* RECON: more of the same answer follows (a 4th element, 1) */
  const uint8_t *ids;       /* WANT: n ids */
  int err;                  /* ERROR: the negative LINLI_E* code */
  struct crdt_str text;     /* ERROR */
  /* iteration state (private) */
  struct crdt_mp it;
  uint32_t left;
  uint64_t prev_hlc;
};

int net_msg_decode(struct net_msg *m, const uint8_t *buf, size_t len);
/* Only the type, cheaply, for dispatch: LINLI_ETYPE etc. if not a message. */
int net_msg_type(const uint8_t *buf, size_t len, enum net_msg_type *type);
int net_msg_next_scope(struct net_msg *m, struct crdt_str *scope); /* HELLO */
int net_msg_next_range(struct net_msg *m, struct net_range *r);   /* RECON */
int net_msg_next_op(struct net_msg *m, const uint8_t **op, size_t *len); /* OPS, PUSH */

/* Writers append one message to b. They check their arguments against the
 * limits (LINLI_EINVAL, LINLI_ETOOBIG, LINLI_ENAME) and the room in b
 * (LINLI_ETOOBIG); on failure b->len is restored. */
int net_hello_write(struct crdt_buf *b, uint64_t version, const uint8_t nonce[NET_NONCE_BYTES],
                    const struct crdt_str *scopes,
                    uint32_t n);
int net_recon_write(struct crdt_buf *b, const char *scope, size_t scope_len,
                    const struct net_range *ranges, uint32_t n);
/* The same with the 4th element `more` = 1 when more is non-zero: a part of
 * an answer that the next RECON continues. */
int net_recon_write_more(struct crdt_buf *b, const char *scope, size_t scope_len,
                         const struct net_range *ranges, uint32_t n, int more);
int net_want_write(struct crdt_buf *b, const char *scope, size_t scope_len,
                   const uint8_t *ids, uint32_t n);
/* type is NET_OPS or NET_PUSH; ops[i] has lens[i] bytes (1..CRDT_OP_MAX_BYTES). */
int net_ops_write(struct crdt_buf *b, enum net_msg_type type, const char *scope,
                  size_t scope_len, const uint8_t *const *ops, const size_t *lens, uint32_t n);
/* err is a negative LINLI_E* code; text may be NULL. */
int net_error_write(struct crdt_buf *b, int err, const char *text);
/* Sorts n ids ascending (as WANT requires) and drops duplicates; returns the
 * new count. */
uint32_t net_ids_sort(uint8_t *ids, uint32_t n);

/* ---- reconciliation ----
 *
 * One engine per (scope, peer). The initiator calls net_recon_start() and
 * sends the RECON it wrote; from then on both sides feed every RECON they
 * receive to net_recon_step(), which writes the reply (when one is due) and
 * reports differences through the callbacks:
 *   have(item): this side holds item and the peer does not: send it the op;
 *   need(id): the peer holds id and this side does not: ask for it (WANT).
 * Both sides learn both directions. When net_recon_done() is true nothing is
 * left to reconcile: every difference that existed when the ranges were
 * compared has been reported to both sides. An id may be reported more than
 * once (rarely: when a message hit a size limit); ops are idempotent by id.
 *
 * The tuning knobs are local policy, not protocol: two peers with different
 * settings still interoperate. */
struct net_recon_cfg {
  uint32_t fanout;      /* sub-ranges a differing range splits into (>= 2) */
  uint32_t idlist_max;  /* a differing range with at most this many of my items is answered with ids */
  uint32_t first_ids;   /* the initiator lists its newest first_ids ids at once */
  uint32_t growth;      /* the first RECON's ranges grow by this factor from the newest end (>= 2) */
  uint32_t msg_max;     /* output message budget in bytes (<= NET_MSG_MAX) */
  /* The session's fingerprint key (net_salt of the two HELLO nonces); both
   * sides must use the same. The default is all zero: tests and benches. */
  uint8_t salt[NET_SALT_BYTES];
  /* 1: this side sends the op of every item it reports through have(), so
   * its answer to an IDLIST gives a count of those items (SENDS) instead of
   * their ids; the peer learns them from the ops. 0 (the default): DIFF. */
  uint32_t sends;
  /* With sends: at most this many items reported through have() per reply
   * (>= 1; it bounds the ops one reply commits the caller to); the rest of
   * a range is asked about again with an FPRINT. */
  uint32_t sends_max;
  /* No range of the first RECON holds more than n / first_parts of the n
   * items (0: no such cap; the oldest range takes what is left). */
  uint32_t first_parts;
  /* > 0 (default 2): a differing range of more than `tail` of my items that
   * holds my newest item is answered with an IDLIST of my newest `tail`
   * items and a split of the rest, so a peer holding newer items (back from
   * an outage) answers them at once with SENDS or DIFF. 0: off. */
  uint32_t tail;
  /* 0 (the default): every split cuts `fanout` parts. > 0 (at most 64):
   * a split cuts as many parts as it takes to reach the next level's
   * size, t*fanout^k items (t = idlist_max), with 5/4 of the parts that
   * needs, up to fanout_max parts when that saves a level; bucket cuts
   * leaving a part above that size give way to exact cuts. Experimental:
   * not yet the node's setting (see docs/protocol.md §10.4). */
  uint32_t fanout_max;
  /* > 0: no range of the first RECON holds more than first_max items
   * (0, the default: no such cap). */
  uint64_t first_max;
};
void net_recon_cfg_default(struct net_recon_cfg *c);

/* The most RECONs one start() or step() writes (an answer in parts). */
#define NET_RECON_MSGS_MAX 64u

enum net_recon_state {
  NET_RECON_IDLE = 0, /* initialised; start() or a peer's RECON comes next */
  NET_RECON_WAIT = 1, /* a RECON was sent that the peer must answer */
  NET_RECON_DONE = 2,
  NET_RECON_FAILED = 3, /* a storage error or an internal limit; release it */
};

struct net_recon_cb {
  void *arg;
  /* An item of mine the peer lacks, with its hlc, so the caller can fetch
   * the op by (hlc, id) without an index by id. Return <0 to abort. */
  int (*have)(void *arg, const struct net_item *x);
  int (*need)(void *arg, const uint8_t id[NET_ID_BYTES]);
  /* Optional: the peer will send `count` ops this side lacks, without
   * their ids (a SENDS range). Return <0 to abort. */
  int (*coming)(void *arg, uint64_t count);
};

struct net_recon {
  struct net_rstore store;
  struct net_recon_cb cb;
  struct net_recon_cfg cfg;
  char scope[CRDT_SCOPE_MAX];
  uint32_t scope_len;
  enum net_recon_state state;
  uint32_t pending; /* answers (groups of RECONs) still due from the peer */
  /* The messages the last start() or step() appended to out, in order:
   * n_out of them, of out_len[i] bytes, one after the other. */
  uint32_t n_out;
  uint32_t out_len[NET_RECON_MSGS_MAX];
  uint64_t msgs_in, msgs_out, bytes_in, bytes_out; /* statistics */
  uint8_t seen[NET_IDS_MAX / 8]; /* scratch while answering an IDLIST */
};

/* The least room an output buffer must have for start() and step(). */
#define NET_RECON_OUT_MIN 4096u

/* cfg may be NULL for the defaults. LINLI_ENAME / ETOOBIG for a bad scope,
 * LINLI_EINVAL for a bad cfg. */
int net_recon_init(struct net_recon *r, const struct net_rstore *store, const char *scope,
                   size_t scope_len, const struct net_recon_cfg *cfg, const struct net_recon_cb *cb);
/* The initiator's first RECON, appended to out. A reply never exceeds
 * cfg.msg_max bytes nor the room in out, which must be at least
 * NET_RECON_OUT_MIN (else LINLI_EINVAL). start() and step() may write an
 * answer in parts, several RECONs one after the other (all but the last
 * with `more`), when one does not hold it and out has room for another of
 * cfg.msg_max: r->n_out of them, of r->out_len[i] bytes; send them in
 * order. */
int net_recon_start(struct net_recon *r, struct crdt_buf *out);
/* Consume a RECON from the peer. If a reply is due, appends it to out and
 * sets *reply to 1 (the reply may hold no ranges: it still must be sent);
 * else sets *reply to 0. A RECON when none of the peer's is due (the
 * engine counts the answers it is owed: r->pending) is LINLI_EPROTO. A malformed message returns its LINLI_E* code,
 * reports nothing, leaves out and the state unchanged (the caller may
 * send an ERROR and release the engine, or ignore the message). A storage or
 * callback error returns that code and the state becomes FAILED. A RECON
 * for another scope is LINLI_EPROTO. */
int net_recon_step(struct net_recon *r, const uint8_t *msg, size_t len, struct crdt_buf *out,
                   int *reply);
int net_recon_done(const struct net_recon *r);

#endif
