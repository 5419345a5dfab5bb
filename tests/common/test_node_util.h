/* An in-memory network of node cores in one process, for tests: a virtual
 * clock, a FIFO of messages, links that can be cut and restored. */
#ifndef LINLI_TEST_NODE_UTIL_H
#define LINLI_TEST_NODE_UTIL_H

#include "net.h"
#include "node.h"
#include "test_store_util.h"

#define TN_MAX 16

struct tn_msg {
  uint32_t from, to;
  uint8_t *bytes;
  size_t len;
};

struct tnet;
struct tn_ctx {
  struct tnet *net;
  uint32_t self;
};

struct tnet {
  uint64_t now_ms;
  struct node *nodes[TN_MAX];
  struct tn_ctx ctx[TN_MAX];
  struct crdt_identity who[TN_MAX];
  char dirs[TN_MAX][64];
  int n;
  struct tn_msg *q;
  size_t qn, qcap, qhead;
  uint64_t delivered, bytes;
  int linked[TN_MAX][TN_MAX];
  int verbose;
  const uint8_t *hub_pk; /* set before tn_open to turn trust on */
  const char *district;
  uint32_t verify_threads[TN_MAX]; /* set before tn_open: linlid's batching */
  node_accept_fn accept[TN_MAX];    /* set before tn_open: the write check (domain_accept) */
  /* set before tn_open / tn_reopen: the store's crash seam (store.h), and
   * whose key node i signs with (NULL: its own, 0x60 + i) */
  store_commit_fn commit_fault[TN_MAX];
  void *commit_fault_arg[TN_MAX];
  const struct crdt_identity *as[TN_MAX];
  uint64_t ahead_ms, max_drift_ms; /* 0: the node's defaults */
  int verify_seeded[TN_MAX];        /* set before tn_open: the simulator's inbox */
  /* NULL, or called with every log line of every node */
  void (*on_log)(void *arg, int node, const char *line);
  void *on_log_arg;
};

static inline uint64_t tn_now(void *ctx)
{
  return ((struct tn_ctx *)ctx)->net->now_ms;
}

static inline void tn_random(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  memset(buf, 0x5a, len);
}

static inline int tn_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  struct tn_ctx *c = ctx;
  struct tnet *t = c->net;
  if (!t->linked[c->self][peer])
    return 0; /* the wire is cut: lost */
  if (t->qn == t->qcap) {
    t->qcap = t->qcap ? t->qcap * 2 : 256;
    t->q = realloc(t->q, t->qcap * sizeof *t->q);
    REQUIRE(t->q);
  }
  uint8_t *copy = malloc(len);
  REQUIRE(copy);
  memcpy(copy, msg, len);
  t->q[t->qn++] = (struct tn_msg){c->self, peer, copy, len};
  return 0;
}

static inline void tn_log(void *ctx, const char *line)
{
  struct tn_ctx *c = ctx;
  if (c->net->verbose)
    fprintf(stderr, "[%u] %s\n", c->self, line);
  if (c->net->on_log)
    c->net->on_log(c->net->on_log_arg, (int)c->self, line);
}

/* Opens node i in its directory (made by tn_open) holding the given
 * scopes (NULL-terminated). */
static inline void tn_reopen(struct tnet *t, int i, const char *const *scopes)
{
  struct node_env env = {&t->ctx[i], tn_now, tn_random, tn_send, NULL, tn_log};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = t->dirs[i];
  cfg.identity = t->as[i] ? t->as[i] : &t->who[i];
  for (; scopes[cfg.n_scopes]; cfg.n_scopes++)
    cfg.scopes[cfg.n_scopes] = scopes[cfg.n_scopes];
  cfg.nosync = 1;
  cfg.sync_interval_ms = 1000;
  cfg.hub_pk = t->hub_pk;
  cfg.district = t->district;
  cfg.hold_ms = 5000;
  cfg.verify_threads = t->verify_threads[i];
  cfg.accept = t->accept[i];
  cfg.verify_seeded = t->verify_seeded[i];
  cfg.commit_fault = t->commit_fault[i];
  cfg.commit_fault_arg = t->commit_fault_arg[i];
  cfg.ahead_ms = t->ahead_ms;
  cfg.max_drift_ms = t->max_drift_ms;
  int rc = node_open(&t->nodes[i], &env, &cfg);
  if (rc)
    fprintf(stderr, "node_open: %s\n", linli_strerror(rc));
  REQUIRE(rc == 0);
  if (i >= t->n)
    t->n = i + 1;
}

/* Opens node i, in a new directory, holding the given scopes. */
static inline void tn_open(struct tnet *t, int i, const char *const *scopes)
{
  t->ctx[i] = (struct tn_ctx){t, (uint32_t)i};
  t_identity(&t->who[i], (uint8_t)(0x60 + i));
  t_tmpdir(t->dirs[i], sizeof t->dirs[i], "node");
  tn_reopen(t, i, scopes);
}

/* Node i dies as if killed: nothing more is written (node_abandon), its
 * links go down at its peers. */
static inline void tn_kill(struct tnet *t, int i)
{
  for (int j = 0; j < t->n; j++)
    if (t->linked[i][j]) {
      t->linked[i][j] = t->linked[j][i] = 0;
      node_peer_down(t->nodes[j], (uint32_t)i);
    }
  node_abandon(t->nodes[i]);
  t->nodes[i] = NULL;
}

static inline void tn_link(struct tnet *t, int dialer, int acceptor)
{
  t->linked[dialer][acceptor] = t->linked[acceptor][dialer] = 1;
  REQUIRE(node_peer_up(t->nodes[acceptor], (uint32_t)dialer, 0) == 0);
  REQUIRE(node_peer_up(t->nodes[dialer], (uint32_t)acceptor, 1) == 0);
}

static inline void tn_cut(struct tnet *t, int a, int b)
{
  t->linked[a][b] = t->linked[b][a] = 0;
  node_peer_down(t->nodes[a], (uint32_t)b);
  node_peer_down(t->nodes[b], (uint32_t)a);
}

/* Delivers queued messages until none is left (or max). */
static inline void tn_pump(struct tnet *t, size_t max)
{
  while (t->qhead < t->qn && max--) {
    struct tn_msg m = t->q[t->qhead++];
    if (t->linked[m.from][m.to]) {
      t->delivered++;
      t->bytes += m.len;
      node_receive(t->nodes[m.to], m.from, m.bytes, m.len);
    }
    free(m.bytes);
  }
  if (t->qhead == t->qn)
    t->qhead = t->qn = 0;
}

/* Advances the clock by step_ms, ticks every node, delivers everything. */
static inline void tn_round(struct tnet *t, uint64_t step_ms)
{
  t->now_ms += step_ms;
  for (int i = 0; i < t->n; i++)
    if (t->nodes[i])
      node_tick(t->nodes[i]);
  tn_pump(t, SIZE_MAX);
}

static inline void tn_write(struct tnet *t, int i, struct test_rng *r, const char *scope)
{
  struct t_op tmp;
  t_random_op(&tmp, r, &t->who[i], scope ? scope : "shihua", t->now_ms, 1);
  struct node_change c = {scope, tmp.op.collection.p, NULL, tmp.op.kind, tmp.op.body,
                          tmp.op.body_len, NULL, 0};
  char coll[40], key[140];
  memcpy(coll, tmp.op.collection.p, tmp.op.collection.len);
  coll[tmp.op.collection.len] = 0;
  memcpy(key, tmp.op.key.p, tmp.op.key.len);
  key[tmp.op.key.len] = 0;
  c.collection = coll;
  c.key = key;
  uint8_t id[CRDT_ID_BYTES];
  int rc = node_write(t->nodes[i], &c, id);
  if (rc)
    fprintf(stderr, "node_write: %s\n", linli_strerror(rc));
  REQUIRE(rc == 0);
}

static inline void tn_close(struct tnet *t)
{
  tn_pump(t, SIZE_MAX);
  for (int i = 0; i < t->n; i++) {
    node_close(t->nodes[i]);
    t_rmdir(t->dirs[i]);
  }
  free(t->q);
}

#endif
