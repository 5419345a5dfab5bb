/* control: the requests to linlid's control socket and their replies, one
 * codec for both ends (linlid decodes requests and encodes replies; linli
 * and the web console encode requests and decode replies). The protocol
 * is described in docs/operator.md "Control protocol"; every message is one
 * canonical msgpack array, read strictly (crdt_mp): a wrong type, a count
 * that does not match, a string too long or bytes after the array are
 * refused as the whole request, never half-applied.
 *
 * Requests:
 *   ["status"] ["limits"] ["stop"] ["reload"] ["compare"] ["sync"]
 *   ["digest", scope|nil]
 *   ["write", scope|nil, coll, key, kind, body, parents]      one change
 *   ["import", op]                                             one op
 *   ["writes", request|nil, [[scope|nil, coll, key, kind, body, parents], ...]]
 *   ["imports", request|nil, [op, ...]]
 *   ["request", request]
 * `request` is NODE_REQUEST_BYTES the client picks at random: linlid
 * records it in the batch's transaction, so a client whose reply was lost
 * asks ["request", id] (or reads the store with linlid stopped) and learns
 * whether the batch committed. A batch is at most CONTROL_BATCH_MAX
 * entries and the request at most CONTROL_REQ_MAX bytes.
 *
 * Replies: [0, ...] on success, [code, message] or, for a refused batch,
 * [code, message, index] (the entry refused; the count when the commit
 * itself failed). */
#ifndef LINLI_CONTROL_H
#define LINLI_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"
#include "node.h"

#define CONTROL_REQ_MAX (64u << 20)   /* bytes of one request */
#define CONTROL_REPLY_MAX (8u << 20)  /* bytes of one reply */
#define CONTROL_BATCH_MAX 131072u     /* changes or ops in one request */
#define CONTROL_VERB_MAX 15

enum control_verb {
  CONTROL_STATUS,
  CONTROL_LIMITS,
  CONTROL_STOP,
  CONTROL_DIGEST,
  CONTROL_WRITE,  /* "write" and "writes": changes */
  CONTROL_IMPORT, /* "import" and "imports": ops */
  CONTROL_REQUEST,
  CONTROL_RELOAD, /* "reload": re-read linlid.conf (scopes, peers) and reopen */
  CONTROL_COMPARE, /* "compare": each link's last completed round per common scope */
  CONTROL_SYNC,    /* "sync": start a round with every peer this node dials, now */
};

/* One change of a write request; c points into the strings here and into
 * the request's bytes (body, parents). */
struct control_change {
  char scope[CRDT_SCOPE_MAX + 1];
  char coll[CRDT_COLLECTION_MAX + 1];
  char key[CRDT_KEY_MAX + 1];
};

struct control_req {
  enum control_verb verb;
  int single;                          /* "write" / "import": one, no request id */
  int has_request;
  uint8_t request[NODE_REQUEST_BYTES];
  char scope_buf[CRDT_SCOPE_MAX + 1];  /* digest */
  const char *scope;                   /* digest: NULL for every scope */
  size_t n;                            /* entries of a write or import */
  struct control_change *names;        /* write: n (malloc) */
  struct node_change *changes;         /* write: n (malloc) */
  const uint8_t **ops;                 /* import: n (malloc), into the request */
  size_t *lens;
};

/* Decodes a request; its pointers point into req, which must outlive q.
 * 0, or an error with a sentence in why (no record's content in it). */
int control_req_decode(struct control_req *q, const uint8_t *req, size_t len, char *why,
                       size_t cap);
void control_req_free(struct control_req *q);

/* ---- requests, the client's side ----
 * Bytes a write request of these changes needs (an upper bound). */
size_t control_writes_size(const struct node_change *c, size_t n);
void control_enc_verb(struct crdt_buf *b, const char *verb); /* status, limits, stop, reload, compare, sync */
void control_enc_digest(struct crdt_buf *b, const char *scope);
/* ["writes", request, [...]] of n changes (request NULL: nil). */
void control_enc_writes(struct crdt_buf *b, const uint8_t *request, const struct node_change *c,
                        size_t n);
/* ["imports", request, [...]]. */
void control_enc_imports(struct crdt_buf *b, const uint8_t *request, const uint8_t *const *ops,
                         const size_t *lens, size_t n);
void control_enc_request(struct crdt_buf *b, const uint8_t request[NODE_REQUEST_BYTES]);

/* ---- replies ---- */
void control_enc_err(struct crdt_buf *b, int code, const char *msg);
void control_enc_err_at(struct crdt_buf *b, int code, const char *msg, size_t index);

/* The head of a reply: 0 with *r at the first value after the status and
 * *n the array's count, or the refusal: *code (negative), its message in
 * msg (cap bytes; linli_strerror when it has none) and *index (SIZE_MAX when
 * the reply names none). LINLI_EPROTO for a malformed reply. */
int control_reply_open(struct crdt_mp *r, const uint8_t *reply, size_t len, uint32_t *n,
                       int *code, char *msg, size_t cap, size_t *index);
/* The rest of a write reply [0, ids]: n ids into ids (NULL: skipped). */
int control_reply_writes(struct crdt_mp *r, uint32_t count, size_t n, uint8_t (*ids)[CRDT_ID_BYTES]);
/* [0, stored, [what...]]: each op's fate as node_import_each says. */
int control_reply_imports(struct crdt_mp *r, uint32_t count, size_t n, int *what, int *stored);
/* [0, committed, ops, added, first]: first the id of the batch's first op
 * (empty when not committed). */
int control_reply_request(struct crdt_mp *r, uint32_t count, int *committed, uint64_t *ops,
                          uint64_t *added, uint8_t first[CRDT_ID_BYTES]);

/* The status reply [0, node, [peer, ...]] (docs/operator.md section 6), as
 * linli status and the web console read it. */
#define CONTROL_NAME_MAX 32 /* a peer's name (config.h CONFIG_NAME_MAX) */
struct control_node_st {
  char scope[CRDT_SCOPE_MAX + 1];
  char key[2 * CRDT_PK_BYTES + 1]; /* hex */
  uint64_t ops, hlc, rejected, malformed, uptime_s, now_ms, held, purged;
  int n_why;
  int why[LINLI_ERR_SLOTS];        /* rejection reasons (LINLI_E* codes) */
  uint64_t why_n[LINLI_ERR_SLOTS]; /* and their counts */
};
struct control_peer_st {
  char name[CONTROL_NAME_MAX + 1];
  char key[2 * CRDT_PK_BYTES + 1]; /* hex */
  int dial, connected, refused;
  uint64_t last_sync_ms, ops_in, ops_out, behind, bytes_in, bytes_out, rejected, bad_msgs,
      dropped;
};
/* A str of at most cap - 1 bytes into out (terminated); n uints into *v[i]. */
int control_reply_str(struct crdt_mp *r, char *out, size_t cap);
int control_reply_uints(struct crdt_mp *r, uint64_t **v, int n);
/* One node entry, one peer entry of a status reply: 0 or an error. */
int control_reply_node(struct crdt_mp *r, struct control_node_st *st);
int control_reply_peer(struct crdt_mp *r, struct control_peer_st *p);

#endif
