/* node: the sans-I/O core of a linli node.
 *
 * A node owns a store (store.h) and an identity, holds a set of scopes, and
 * talks to peers only through the environment it is given: bytes go out
 * through env->send, time comes in through env->now_ms, randomness through
 * env->random, and a wish to be woken through env->timer. The daemon binds
 * these to ZeroMQ and the wall clock; the simulator binds them to an
 * in-memory network and a virtual clock. The core itself reads no clock,
 * opens no socket, starts no thread and keeps no global state, so many
 * nodes run in one process and a seeded run replays exactly.
 *
 * Peers are small integers chosen by the environment. A peer link goes:
 *   node_peer_up(n, p, dialer)  the dialer sends HELLO (its scopes);
 *                               the other side answers with its HELLO;
 *   on the dialer's receipt of that HELLO, it starts one reconciliation per
 *   scope both hold (net.h); both sides send the ops the other lacks (OPS);
 *   new local writes are pushed at once to every peer holding the scope
 *   (PUSH), and node_tick() re-runs reconciliation every sync_interval_ms
 *   to repair whatever pushing missed;
 *   node_peer_down(n, p)        forgets the peer's sessions.
 *
 * Every received op is decoded and verified (signature, canonical form), its
 * scope must be one this node holds, it must pass trust (trust.h) and the
 * acceptance hook (schema, node_config.accept), and its timestamp must not
 * be ahead of this node's clock by more than max_drift_ms; a bad op is
 * rejected and counted by reason and the rest of its message goes on. An
 * op is acknowledged (node_write returns, or it is forwarded) only after its
 * write transaction committed.
 *
 * Held ops. Two kinds of good op cannot be applied yet, and are held in the
 * store (store.h "held ops"), durably, in the same transaction as the
 * batch they came in:
 *   - an op whose author's certificate has not arrived (trust_check says
 *     LINLI_EPENDING): released the moment the certificate is stored, by
 *     any path (a peer, a bundle, node_import, node_write), or rejected as
 *     LINLI_EUNKNOWN once held for hold_ms;
 *   - an op stamped more than ahead_ms ahead of this node's clock (but not
 *     more than max_drift_ms): applied when the clock has come within
 *     ahead_ms of it, so that one fast clock cannot drag every node's HLC
 *     ahead (docs/protocol.md 4). Within ahead_ms the HLC's receive rule
 *     applies.
 * At most NODE_HOLD_MAX ops and NODE_HOLD_BYTES_MAX bytes are held; a new
 * hold beyond them drops the oldest held ops first, each counted as
 * rejected (LINLI_EUNKNOWN) and in node_status.held_dropped. Held ops
 * survive a restart; node_open releases those whose certificate is stored
 * by then and rejects those past hold_ms.
 *
 * Revocations: when a revocation that is earlier than what the node knew
 * is stored, the ops of the revoked key stamped since are deleted in the
 * same write transaction (store_batch.purge), so no crash can leave them.
 */
#ifndef LINLI_NODE_H
#define LINLI_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"
#include "store.h"

#define NODE_PEERS_MAX 256
#define NODE_SCOPES_MAX 4096 /* a city node: every district and community scope */
#define NODE_HOLD_MAX 4096                      /* held ops */
#define NODE_HOLD_BYTES_MAX ((uint64_t)16 << 20) /* bytes of held ops */
#define NODE_AHEAD_MS 60000                     /* default node_config.ahead_ms */
#define NODE_LOG_BURST 30                       /* log lines of a class at once */
#define NODE_LOG_PER_S 2                        /* and a second, after the burst */

struct node_env {
  void *ctx;
  uint64_t (*now_ms)(void *ctx);
  void (*random)(void *ctx, void *buf, size_t len);
  /* Queue msg for peer; 0, or an error (the peer is then treated as down). */
  int (*send)(void *ctx, uint32_t peer, const uint8_t *msg, size_t len);
  /* Call node_tick() no later than at_ms. Optional. */
  void (*timer)(void *ctx, uint64_t at_ms);
  /* One event per call, no newline, no personal data. Optional. Each
   * class of line (peer up/down, sync, reject, bad message, peer error,
   * purge, held, store, rate limit) is limited to NODE_LOG_BURST lines at
   * once and NODE_LOG_PER_S a second after; what a class drops is counted
   * and told, "log suppressed class=C lines=N", just before its next line
   * that gets through (or at a tick, once it could). */
  void (*log)(void *ctx, const char *line);
};

/* Decides whether a verified op may be stored: 0 or a LINLI_E* reason. */
typedef int (*node_accept_fn)(void *arg, const struct crdt_op *op);
/* Checks a batch of this node's own writes against the store right before
 * they commit (node_write_batch; received ops never): 0, or a LINLI_E*
 * reason with *bad the op and a sentence in why (no personal data). The
 * node's writes are one at a time, so what the check reads is what the
 * commit follows. */
typedef int (*node_batch_check_fn)(void *arg, struct store *s, const struct crdt_op *ops, size_t n,
                                   size_t *bad, char *why, size_t cap);
/* Rewrites the body of a local change before it is signed (the domain
 * seals personal fields: node/domain/sealed.h, domain_seal_body): keys are
 * the store's key file bytes (store_keys), random the node's source. 1 and
 * the new body in out (cap bytes, *out_len); 0 to sign the body as given;
 * or an error, and nothing is written. */
typedef int (*node_seal_fn)(void *arg, const uint8_t *keys, size_t keys_len, const char *scope,
                            const char *collection, const char *key, const uint8_t *body,
                            size_t len, void (*random)(void *ctx, void *buf, size_t len),
                            void *rctx, uint8_t *out, size_t cap, size_t *out_len);

struct node_config {
  const char *dir;                   /* data directory (LMDB inside) */
  const struct crdt_identity *identity;
  const char *scopes[NODE_SCOPES_MAX]; /* held scopes; scopes[0] is the node's own */
  int n_scopes;
  size_t map_size, map_size_max;     /* 0: store defaults */
  int nosync;                        /* simulator only */
  uint64_t sync_interval_ms;         /* 0: 30,000 */
  uint64_t max_drift_ms;             /* refused further ahead; 0: 600,000 */
  uint64_t ahead_ms;                 /* held further ahead; 0: NODE_AHEAD_MS */
  node_accept_fn accept;             /* optional */
  void *accept_arg;
  node_batch_check_fn check_batch;   /* optional */
  void *check_arg;
  node_seal_fn seal;                 /* optional: local changes are signed as given */
  void *seal_arg;
  /* Trust (trust.h): with hub_pk set, every op must pass trust_check; ops
   * of authors whose certificate has not arrived are held (above) up to
   * hold_ms (0: 600,000), then rejected as unknown. The node must hold the
   * district scope to receive certificates. */
  /* Extra threads that verify the ops of a large received batch in
   * parallel (linlid: cores - 1). 0 verifies inline. Verdicts do not
   * depend on it. */
  uint32_t verify_threads;
  /* The simulator: with verify_threads 0, received ops still take the
   * inbox and the verify pool as in linlid, but the pool has no thread:
   * each node_pump verifies a number of ops drawn from env->random, from
   * queued batches drawn from it too, so a seed decides when each batch
   * is done and in which order. What is stored does not depend on it. */
  int verify_seeded;
  const uint8_t *hub_pk;             /* NULL: no trust checks */
  const char *district;
  /* The collections only the hub writes, in the district scope, besides
   * trust's own certificates and revocations (NULL-terminated; the
   * domain's table names them: domain_hub_collections()). Every node of a
   * district must be given the same list. */
  const char *const *hub_collections;
  /* The city above the district (trust_set_city), both or neither; the
   * node must hold the city scope. On the city node: city_pk = hub_pk. */
  const uint8_t *city_pk;
  const char *city;
  uint64_t hold_ms;
  /* Per-peer token buckets (burst: twice the rate; 0: no limit). Ops a
   * peer sends (OPS, PUSH) beyond peer_ops_per_s are dropped before they
   * are verified, messages beyond peer_msgs_per_s before they are decoded;
   * both are counted (node_peer_status: limited_ops, limited_msgs), never
   * queued, and reconciliation fetches the dropped ops again later: after
   * one second when this node dials the peer, else the next round. */
  uint32_t peer_ops_per_s, peer_msgs_per_s;
  /* The largest message this node sends to a peer (RECON parts, OPS), in
   * bytes: 0 is NET_MSG_MAX (1 MiB); 65,536 for a slow link, so that one
   * frame does not hold the link for long. At least 16,384. */
  size_t frame_max;
  /* Tests and the simulator: the store's crash seam (store.h). After a
   * commit fault that kills the store, every call fails; the owner calls
   * node_abandon(). */
  store_commit_fn commit_fault;
  void *commit_fault_arg;
};

struct node;

int node_open(struct node **out, const struct node_env *env, const struct node_config *cfg);
/* Stores what is received and waiting (node_flush), then closes. */
void node_close(struct node *n);
/* Frees n without writing anything more: what a crash leaves behind (the
 * store as its last commit left it). For a node whose store died of a
 * commit fault (store_dead), or to simulate kill -9. NULL is fine. */
void node_abandon(struct node *n);
struct store *node_store(struct node *n);

/* A local change from staff: stamp, sign, apply; returns 0 and the op id
 * only after the commit. scope NULL means the node's own scope. */
struct node_change {
  const char *scope;
  const char *collection;
  const char *key;
  enum crdt_kind kind;
  const uint8_t *body;
  size_t body_len;
  const uint8_t *parents;
  uint32_t n_parents;
};
int node_write(struct node *n, const struct node_change *c, uint8_t id_out[CRDT_ID_BYTES]);
/* Writes count changes in one transaction, all or none: each is signed
 * and checked (scope, certificate, the acceptance hook) first; the first
 * refused one fails the whole batch (*bad, if not NULL, is its index, or
 * count when the commit failed) and nothing is written. With request
 * (NULL, or NODE_REQUEST_BYTES chosen by the client) the commit records
 * it, for node_request_state. ids (NULL or count) get the op ids. */
#define NODE_REQUEST_BYTES 16
int node_write_batch(struct node *n, const struct node_change *c, size_t count,
                     const uint8_t *request, uint8_t (*ids)[CRDT_ID_BYTES], size_t *bad);
/* The sentence of check_batch's last refusal by node_write_batch, or "". */
const char *node_write_why(const struct node *n);
/* Imports signed ops (a whole bundle) in one transaction: what[i] as
 * node_import_each says, but a crash leaves all of them stored or none.
 * Ops of authors certified by a certificate of the same batch are held
 * in it and released right after. Returns the number stored or a store
 * error (nothing stored). request as node_write_batch. */
int node_import_batch(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count,
                      const uint8_t *request, int *what);
/* Whether the batch of request committed: 1 (*ops the ops it carried,
 * *added those new then, first its first op's id), 0 not (never, or more
 * than 30 days ago), or an error. For a client whose reply was lost. */
int node_request_state(struct node *n, const uint8_t request[NODE_REQUEST_BYTES], uint64_t *ops,
                       uint64_t *added, uint8_t first[CRDT_ID_BYTES]);

/* Stores already-signed ops (a bundle, a test): verified like received ones.
 * Returns the number newly stored. */
int node_import(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count);
/* One op, saying what became of it: 1 stored now, 0 stored already,
 * LINLI_EPENDING held for its author's certificate, the reason it was
 * rejected (counted as by node_import), or a store error. */
int node_import_one(struct node *n, const uint8_t *op, size_t len);
/* As node_import, with each op's fate in what[i] (count ints): 1 stored,
 * 0 stored already, LINLI_EPENDING held for its author's certificate, or
 * why it was rejected. Consecutive ops of one scope are verified on every
 * core and stored in one transaction (up to 4,096): a bundle of 60,000 ops
 * takes seconds, not a commit per op. Returns the number stored or a
 * store error (what[] then says which ops got in). */
int node_import_each(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count,
                     int *what);
/* What became of an op, now: 1 stored, LINLI_EPENDING held, LINLI_ENOTFOUND
 * neither (never seen, rejected, or dropped from the hold), or an error.
 * For an import's summary: an op held early in a bundle may be stored by
 * the time its certificate, later in the bundle, is in. */
int node_op_state(struct node *n, const uint8_t *op, size_t len);

int node_peer_up(struct node *n, uint32_t peer, int dialer);
void node_peer_down(struct node *n, uint32_t peer);
/* One message from a peer. A malformed message returns its error and is
 * counted; the node and its other sessions go on. */
int node_receive(struct node *n, uint32_t peer, const uint8_t *msg, size_t len);
/* Timers: starts due reconciliations. */
int node_tick(struct node *n);
/* With verify_threads > 0 (or verify_seeded), received ops are verified in
 * the background (node.c, "inbox"). node_pump stores the batches that are verified and
 * hands what was received since to the verify pool, without waiting; it
 * returns how many batches are still being verified (the transport calls
 * it when it has read what was waiting, and again within a millisecond
 * while this is not 0), or an error, which was logged: the ops come again
 * with the next reconciliation. node_flush waits until everything received
 * is stored; every call that depends on the store (a message other than
 * OPS and PUSH, a write, a digest, a new session) does it first. Status
 * and ticks only pump. */
int node_pump(struct node *n);
int node_flush(struct node *n);

/* Counters, for status and tests. */
struct node_peer_status {
  uint32_t peer;
  int up;
  int hello;                 /* its HELLO arrived */
  uint64_t last_sync_ms;     /* when a reconciliation last completed; 0 never */
  uint64_t ops_in, ops_out;  /* ops received (new) and sent */
  uint64_t bytes_in, bytes_out;
  uint64_t behind;           /* ops it reported that we lacked, last round */
  uint64_t rejected;
  uint64_t limited_ops, limited_msgs; /* dropped by the rate limits */
};
struct node_status {
  uint64_t ops;              /* stored */
  uint64_t hlc;              /* the clock */
  uint64_t rejected;         /* all reasons */
  uint64_t rejected_by[LINLI_ERR_SLOTS]; /* by linli_err_index() of the reason */
  uint64_t malformed_msgs;
  uint64_t held;             /* ops held: their author's certificate, or the clock */
  uint64_t held_dropped;     /* held ops dropped (oldest first) for room */
  uint64_t purged;           /* ops dropped after their author's revocation */
  int n_peers;
};
int node_status(struct node *n, struct node_status *st);
int node_peer_status(struct node *n, uint32_t peer, struct node_peer_status *ps);
/* The last reconciliation of scope with peer that completed on this node
 * (the side that reads the last message completes it): when (at_ms; 0: none
 * yet), how many ops it sent and how many this node lacked. 0 and 0 mean the
 * two held the same ops of the scope then. 0, or LINLI_ENOTFOUND when the
 * peer is unknown, its HELLO has not come, or it does not hold the scope. */
struct node_scope_sync {
  uint64_t at_ms, sent, need;
};
int node_scope_sync(struct node *n, uint32_t peer, const char *scope, struct node_scope_sync *out);
/* Brings the next round with every connected peer this node dials forward
 * to the next node_tick (asked of the timer now), instead of one
 * sync_interval_ms after the last: the number of such peers. */
int node_sync_now(struct node *n);
/* The trust state (NULL without a hub key), e.g. for the transport's
 * allow-list: trust_admits(node_trust(n), pk, now). */
struct trust *node_trust(struct node *n);

/* Digest of the rows of one scope (NULL: all rows). */
int node_digest(struct node *n, const char *scope, uint8_t out[CRDT_DIGEST_BYTES]);

#endif
