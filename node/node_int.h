/* node internals shared by node.c (open and close, sessions, peers,
 * messages, ticks, status, logs), node_ops.c (ops in: admitting, holding,
 * committing, importing, writing) and node_inbox.c (received ops batched
 * for the verify pool). Private to node/. Contract: node.h. */
#ifndef LINLI_NODE_INT_H
#define LINLI_NODE_INT_H

#include "net.h"
#include "node.h"
#include "trust.h"
#include "vpool.h"

#define OPS_BATCH_MAX NET_OPS_MAX
#define NODE_RECON_OUT ((size_t)4 * NET_MSG_MAX) /* the RECONs of one answer */
#define IMPORT_RUN 4096 /* ops of one scope verified and stored together */

struct node;

/* One reconciliation session: (peer, scope). */
struct sess {
  struct node *n;
  int si;           /* index into node scopes */
  uint32_t peer;
  int active;
  struct net_recon r;
  struct net_item *have; /* ops to send to the peer */
  uint32_t n_have, cap_have;
  uint64_t need, sent;
  uint64_t last_ms; /* the session's last message: a lost one must not stall it */
  uint64_t done_ms, done_sent, done_need; /* the last one completed here (0: none) */
};

/* A token bucket in thousandths of a token: rate tokens a second, up to
 * twice that. */
struct bucket {
  uint64_t milli, at_ms;
};

struct peer {
  uint32_t id;
  int up, dialer, hello_sent, hello;
  /* HELLO nonces, ours and the peer's; the session salt keys fingerprints. */
  uint8_t nonce[NET_NONCE_BYTES];
  uint8_t salt[NET_SALT_BYTES];
  uint64_t *common; /* bit si of word si / 64: the peer holds scope si (node__words) */
  uint64_t last_sync_ms;
  uint64_t ops_in, ops_out, bytes_in, bytes_out, behind, rejected;
  uint64_t limited_ops, limited_msgs, limited_at_ms, limited_logged_ms;
  struct bucket ops_bucket, msgs_bucket;
  struct sess **sess; /* n_scopes, made with the peer; NULL until a session */
};

/* With verify_threads (linlid) or verify_seeded (the simulator), the ops
 * of consecutive OPS and PUSH messages wait here until the transport has
 * read what was waiting (node_pump) or INBOX_OPS are in. Then the batch
 * goes to the verify pool (vpool.h) and the node goes back to its sockets;
 * a batch the pool has finished is stored, one transaction per run of
 * (peer, scope), at the next node_pump, while the pool verifies the batch
 * after it. At most FLIGHTS_MAX batches are with the pool. Everything else
 * the node does (a RECON message, a write, a new session) stores what is in
 * flight first, so the order of effects is the order of arrival. */
#define INBOX_OPS 4096
#define INBOX_MSGS 16
#define FLIGHTS_MAX 2
struct inbox_msg {
  uint32_t peer;
  int si;
  uint32_t ok; /* the first `ok` ops of the message passed the rate limit */
  uint8_t *bytes;
  size_t len;
};

/* A batch with the verify pool: the inbox's messages, their ops in order. */
struct flight {
  struct inbox_msg msgs[INBOX_MSGS];
  int n_msgs;
  const uint8_t **raw;
  size_t *lens;
  uint32_t first[INBOX_MSGS + 1]; /* first[m]: index of message m's first op */
  struct crdt_op *dec;
  int *verdict;
  struct vjob job;
};

/* Classes of log lines, each rate-limited on its own (node__log). */
enum { LOG_PEER, LOG_SYNC, LOG_REJECT, LOG_BADMSG, LOG_PEERERR, LOG_PURGE, LOG_HELD, LOG_STORE,
       LOG_LIMIT, LOG_CLASSES };

struct node {
  struct node_env env;
  struct node_config cfg;
  /* The scopes held, n_scopes each; a hash of them (open addressing,
   * slot_mask + 1 slots, each a scope index + 1, 0 empty) finds one in
   * constant time; hello: the scopes in ascending byte order, for HELLO. */
  char **scopes;
  size_t *scope_len;
  uint32_t *slot, slot_mask;
  struct crdt_str *hello;
  struct crdt_identity id;
  struct crdt_clock clock;
  struct store *store;
  struct peer peers[NODE_PEERS_MAX];
  int n_peers;
  uint8_t *out;      /* one message being built: NET_MSG_MAX bytes */
  uint8_t *recon_out; /* the RECONs of one answer: NODE_RECON_OUT bytes */
  size_t frame;       /* node_config.frame_max, or NET_MSG_MAX */
  uint8_t *opbuf;    /* ops being sent: OPS_BATCH_MAX * CRDT_OP_MAX_BYTES */
  struct node_status st;
  struct trust *trust;
  uint64_t hold_ms, ahead_ms; /* node_config's, defaults filled in */
  uint64_t held_due_ms;       /* when the next held op falls due; UINT64_MAX none */
  int held_retry;             /* a release failed: try every held op again */
  struct inbox_msg inbox[INBOX_MSGS]; /* received OPS not yet stored (node_flush) */
  int n_inbox, flushing;
  uint32_t inbox_ops;
  struct vpool *pool;                  /* made at the first batch */
  struct flight *flights[FLIGHTS_MAX]; /* oldest first */
  int n_flights;
  struct log_class {
    struct bucket bucket;
    uint64_t suppressed; /* lines dropped since the last one written */
  } logs[LOG_CLASSES];
};

_Static_assert(NODE_SCOPES_MAX <= NET_SCOPES_MAX, "a HELLO must list every scope held");
_Static_assert(CRDT_SCOPE_MAX + 3 <= NET_MSG_MAX / NODE_SCOPES_MAX - 16,
               "a HELLO of NODE_SCOPES_MAX scopes must fit one message");

/* node.c */
void node__log(struct node *n, int c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void node__hex8(char out[17], const uint8_t *id);
int node__scope_index(const struct node *n, const char *s, size_t len);
struct peer *node__peer_get(struct node *n, uint32_t id, int create);
int node__send(struct node *n, struct peer *p, const uint8_t *msg, size_t len);
/* Words of a peer's scope mask. */
static inline size_t node__words(const struct node *n)
{
  return ((size_t)n->cfg.n_scopes + 63) / 64;
}
static inline int node__common(const struct peer *p, int si)
{
  return (int)(p->common[si / 64] >> (si % 64) & 1);
}
/* The first scope at or after si that the peer holds too, or -1: a round
 * costs the scopes in common, not the scopes held. */
static inline int node__next_common(const struct node *n, const struct peer *p, int si)
{
  size_t words = node__words(n);
  for (size_t w = (size_t)si / 64; si >= 0 && w < words; w++) {
    uint64_t bits = p->common[w] & (w == (size_t)si / 64 ? ~UINT64_C(0) << (si % 64) : ~UINT64_C(0));
    if (bits)
      return (int)(w * 64 + (size_t)__builtin_ctzll(bits));
  }
  return -1;
}

/* node_ops.c */
struct held_copy;
/* Verifies and stores a batch of op bytes for scope si; returns the number
 * newly stored, or a store error. what (NULL or count ints) gets each op's
 * fate: 1 stored, 0 stored already, LINLI_EPENDING held, or why it was
 * rejected (or the store error). */
int node__take_ops(struct node *n, struct peer *p, int si, const uint8_t *const *raw,
                   const size_t *lens, uint32_t count, int *what);
/* The same for ops already opened (dec[i], verdict[i] from crdt_op_open);
 * from_held: NULL, or the held ops these are, tried again. */
int node__take_opened(struct node *n, struct peer *p, int si, struct crdt_op *dec,
                      const int *verdict, uint32_t count, int *what,
                      const struct held_copy *from_held, const uint8_t *request);
/* Tries again the held ops of one author, those due by now_ms (author
 * NULL), or all (author NULL, now_ms UINT64_MAX). */
int node__held_release(struct node *n, const uint8_t *author, uint64_t now_ms);
/* 1 when received ops go through the inbox and the verify pool. */
int node__batched(const struct node *n);
/* The verify pool, made the first time it is needed; NULL if it cannot be. */
struct vpool *node__pool(struct node *n);

/* node_inbox.c */
/* Keeps the first ok ops of an OPS or PUSH message for node_pump. */
int node__inbox_add(struct node *n, struct peer *p, int si, const uint8_t *msg, size_t len,
                    uint32_t ok);
void node__flight_free(struct flight *f);

#endif
