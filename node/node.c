/* The sans-I/O node core. Contract: node.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "net.h"
#include "node.h"
#include "trust.h"
#include "vpool.h"

#define OPS_BATCH_MAX NET_OPS_MAX
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
  uint64_t common;  /* bit si: the peer holds scope si */
  uint64_t last_sync_ms;
  uint64_t ops_in, ops_out, bytes_in, bytes_out, behind, rejected;
  uint64_t limited_ops, limited_msgs, limited_at_ms, limited_logged_ms;
  struct bucket ops_bucket, msgs_bucket;
  struct sess *sess[NODE_SCOPES_MAX];
};

/* With verify_threads (linlid), the ops of consecutive OPS and PUSH messages
 * wait here until the transport has read what was waiting (node_pump) or
 * INBOX_OPS are in. Then the batch goes to the verify pool (vpool.h) and
 * the node goes back to its sockets; a batch the pool has finished is
 * stored, one transaction per run of (peer, scope), at the next node_pump,
 * while the pool verifies the batch after it. At most FLIGHTS_MAX batches
 * are with the pool. Before, the node verified each batch itself and then
 * stored it, with one core idle while it committed and both idle while it
 * waited for the next messages. Everything else the node does (a RECON
 * message, a write, a new session) stores what is in flight first, so the
 * order of effects is still the order of arrival. */
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
  char *scopes[NODE_SCOPES_MAX];
  size_t scope_len[NODE_SCOPES_MAX];
  struct crdt_identity id;
  struct crdt_clock clock;
  struct store *store;
  struct peer peers[NODE_PEERS_MAX];
  int n_peers;
  uint8_t *out;      /* one message being built: NET_MSG_MAX bytes */
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

static int held_release(struct node *n, const uint8_t *author, uint64_t now_ms);
static void flight_free(struct flight *f);
static void node__log(struct node *n, int c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void hex8(char out[17], const uint8_t *id)
{
  for (int i = 0; i < 8; i++)
    snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int scope_index(const struct node *n, const char *s, size_t len)
{
  for (int i = 0; i < n->cfg.n_scopes; i++)
    if (n->scope_len[i] == len && memcmp(n->scopes[i], s, len) == 0)
      return i;
  return -1;
}

static struct peer *peer_get(struct node *n, uint32_t id, int create)
{
  for (int i = 0; i < n->n_peers; i++)
    if (n->peers[i].id == id)
      return &n->peers[i];
  if (!create || n->n_peers == NODE_PEERS_MAX)
    return NULL;
  struct peer *p = &n->peers[n->n_peers++];
  memset(p, 0, sizeof *p);
  p->id = id;
  return p;
}

/* Up to want tokens taken from b at now, holding at most burst; returns how
 * many. rate 0: all. */
static uint32_t bucket_take(struct bucket *b, uint32_t rate, uint32_t burst, uint64_t now,
                            uint32_t want)
{
  if (!rate)
    return want;
  uint64_t cap = 1000u * (uint64_t)burst;
  if (now > b->at_ms) {
    uint64_t add = (now - b->at_ms) * rate; /* thousandths: rate/1000 tokens per ms */
    b->milli = cap - b->milli <= add ? cap : b->milli + add;
  }
  b->at_ms = now;
  uint64_t have = b->milli / 1000u;
  uint32_t got = have < want ? (uint32_t)have : want;
  b->milli -= (uint64_t)got * 1000u;
  return got;
}

/* Counts what the limits dropped; logs at most once a minute per peer. */
static void limited(struct node *n, struct peer *p, uint64_t ops, uint64_t msgs, uint64_t now)
{
  p->limited_ops += ops;
  p->limited_msgs += msgs;
  p->limited_at_ms = now;
  if (p->limited_logged_ms && now - p->limited_logged_ms < 60000)
    return;
  p->limited_logged_ms = now;
  node__log(n, LOG_LIMIT, "rate limited peer=%u limited_ops=%llu limited_msgs=%llu", p->id,
            (unsigned long long)p->limited_ops, (unsigned long long)p->limited_msgs);
}

/* ---- logs: one bucket per class (node.h "Logs") ---- */

static const char *const log_class_name[LOG_CLASSES] = {
    "peer", "sync", "reject", "bad_message", "peer_error", "purge", "held", "store", "limit"};

/* Says how many lines of class c were suppressed, if any; the bucket has
 * room for this line (taken). */
static void log_resume(struct node *n, int c)
{
  struct log_class *lc = &n->logs[c];
  if (!lc->suppressed)
    return;
  char line[96];
  snprintf(line, sizeof line, "log suppressed class=%s lines=%llu", log_class_name[c],
           (unsigned long long)lc->suppressed);
  lc->suppressed = 0;
  n->env.log(n->env.ctx, line);
}

static void node__log(struct node *n, int c, const char *fmt, ...)
{
  if (!n->env.log)
    return;
  struct log_class *lc = &n->logs[c];
  uint64_t now = n->env.now_ms(n->env.ctx);
  if (!bucket_take(&lc->bucket, NODE_LOG_PER_S, NODE_LOG_BURST, now, 1)) {
    lc->suppressed++;
    return;
  }
  log_resume(n, c);
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  n->env.log(n->env.ctx, line);
}

/* At a tick: the count of what was suppressed, for every class whose
 * bucket has room again although no line of it came since. */
static void log_tick(struct node *n, uint64_t now)
{
  for (int c = 0; c < LOG_CLASSES && n->env.log; c++)
    if (n->logs[c].suppressed && bucket_take(&n->logs[c].bucket, NODE_LOG_PER_S, NODE_LOG_BURST,
                                             now, 1))
      log_resume(n, c);
}

static int node__send(struct node *n, struct peer *p, const uint8_t *msg, size_t len)
{
  int rc = n->env.send(n->env.ctx, p->id, msg, len);
  if (rc == 0)
    p->bytes_out += len;
  return rc;
}

/* ---- the store as reconciliation sees it ---- */

static struct store_bound to_sb(const struct net_bound *b)
{
  struct store_bound s;
  s.hlc = b->hlc;
  memcpy(s.id, b->id, CRDT_ID_BYTES); /* zero-padded past len */
  return s;
}

static int rs_fp(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t *count,
                 uint8_t sum[NET_SUM_BYTES])
{
  struct sess *s = ctx;
  struct store_bound a = to_sb(lo), b = to_sb(hi);
  return store_range_fp(s->n->store, s->n->scopes[s->si], &a, &b, count, sum);
}

static int rs_nth(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t k,
                  struct net_item *out)
{
  struct sess *s = ctx;
  struct store_bound a = to_sb(lo), b = to_sb(hi), r;
  int rc = store_range_nth(s->n->store, s->n->scopes[s->si], &a, &b, k, &r);
  if (rc == 0) {
    out->hlc = r.hlc;
    memcpy(out->id, r.id, CRDT_ID_BYTES);
  }
  return rc;
}

static int rs_cut(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t k,
                  struct net_bound *out)
{
  struct sess *s = ctx;
  struct store_bound a = to_sb(lo), b = to_sb(hi), r;
  int rc = store_range_cut(s->n->store, s->n->scopes[s->si], &a, &b, k, &r);
  if (rc == 0) {
    out->hlc = r.hlc; /* a bucket's start: (hlc, empty id) */
    out->len = 0;
    memset(out->id, 0, sizeof out->id);
  }
  return rc;
}

struct items_arg {
  int (*fn)(void *, const struct net_item *);
  void *arg;
};

static int rs_item(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct items_arg *a = arg;
  struct net_item x;
  (void)raw, (void)len;
  x.hlc = hlc;
  memcpy(x.id, id, CRDT_ID_BYTES);
  return a->fn(a->arg, &x);
}

static int rs_items(void *ctx, const struct net_bound *lo, const struct net_bound *hi, uint64_t limit,
                    int (*fn)(void *, const struct net_item *), void *arg)
{
  struct sess *s = ctx;
  struct store_bound a = to_sb(lo), b = to_sb(hi);
  struct items_arg ia = {fn, arg};
  if (limit == 0)
    return 0; /* net's limit counts items; the store's 0 means no limit */
  if (limit > SIZE_MAX)
    limit = SIZE_MAX;
  return store_range_each(s->n->store, s->n->scopes[s->si], &a, &b, (size_t)limit, rs_item, &ia);
}

static int cb_have(void *arg, const struct net_item *x)
{
  struct sess *s = arg;
  if (s->n_have == s->cap_have) {
    uint32_t cap = s->cap_have ? s->cap_have * 2 : 64;
    struct net_item *h = realloc(s->have, (size_t)cap * sizeof *h);
    if (!h)
      return LINLI_ENOMEM;
    s->have = h;
    s->cap_have = cap;
  }
  s->have[s->n_have++] = *x;
  return 0;
}

static int cb_need(void *arg, const uint8_t id[NET_ID_BYTES])
{
  (void)id;
  ((struct sess *)arg)->need++;
  return 0;
}

static struct sess *sess_get(struct node *n, struct peer *p, int si)
{
  if (!p->sess[si]) {
    p->sess[si] = calloc(1, sizeof(struct sess));
    if (!p->sess[si])
      return NULL;
    p->sess[si]->n = n;
    p->sess[si]->si = si;
    p->sess[si]->peer = p->id;
  }
  return p->sess[si];
}

static int sess_init(struct node *n, struct sess *s)
{
  struct net_rstore rs = {s, rs_fp, rs_nth, rs_items, rs_cut};
  struct net_recon_cb cb = {s, cb_have, cb_need};
  struct net_recon_cfg cfg;
  struct peer *p = peer_get(n, s->peer, 0);
  if (!p || !p->hello)
    return LINLI_EPROTO; /* no session salt before both HELLOs */
  net_recon_cfg_default(&cfg);
  memcpy(cfg.salt, p->salt, sizeof cfg.salt);
  s->n_have = 0;
  s->need = s->sent = 0;
  s->active = 1;
  s->last_ms = n->env.now_ms(n->env.ctx);
  return net_recon_init(&s->r, &rs, n->scopes[s->si], n->scope_len[s->si], &cfg, &cb);
}

/* Sends the ops the peer lacks, in OPS messages within the limits. */
static int sess_flush(struct node *n, struct peer *p, struct sess *s)
{
  const uint8_t *ops[OPS_BATCH_MAX];
  size_t lens[OPS_BATCH_MAX], bytes = 0;
  uint32_t k = 0, i = 0;
  int rc = 0;
  while (i < s->n_have || k) {
    int full = k == OPS_BATCH_MAX || bytes + CRDT_OP_MAX_BYTES + 64 > NET_MSG_MAX;
    if (i < s->n_have && !full) {
      uint8_t *slot = n->opbuf + (size_t)k * CRDT_OP_MAX_BYTES;
      const struct net_item *x = &s->have[i++];
      int len = store_get_op_at(n->store, n->scopes[s->si], x->hlc, x->id, slot, CRDT_OP_MAX_BYTES);
      if (len == LINLI_ENOTFOUND)
        continue;
      if (len < 0) {
        rc = len;
        break;
      }
      ops[k] = slot;
      lens[k++] = (size_t)len;
      bytes += (size_t)len + 3;
      continue;
    }
    struct crdt_buf b;
    crdt_buf_init(&b, n->out, NET_MSG_MAX);
    if ((rc = net_ops_write(&b, NET_OPS, n->scopes[s->si], n->scope_len[s->si], ops, lens, k)))
      break;
    if ((rc = node__send(n, p, b.p, b.len)))
      break;
    p->ops_out += k;
    s->sent += k;
    k = 0;
    bytes = 0;
  }
  s->n_have = 0;
  return rc;
}

static int sess_start(struct node *n, struct peer *p, int si)
{
  node_flush(n); /* fingerprints of what is stored, ops in flight included */
  struct sess *s = sess_get(n, p, si);
  if (!s)
    return LINLI_ENOMEM;
  int rc = sess_init(n, s);
  if (rc)
    return rc;
  struct crdt_buf b;
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  if ((rc = net_recon_start(&s->r, &b)))
    return rc;
  if ((rc = node__send(n, p, b.p, b.len)))
    return rc;
  return sess_flush(n, p, s);
}

static void sess_finish(struct node *n, struct peer *p, struct sess *s)
{
  s->active = 0;
  p->last_sync_ms = n->env.now_ms(n->env.ctx);
  p->behind = s->need;
  node__log(n, LOG_SYNC, "sync done peer=%u scope=%s sent=%llu behind=%llu", p->id, n->scopes[s->si],
            (unsigned long long)s->sent, (unsigned long long)s->need);
}

/* ---- open / close ---- */

int node_open(struct node **out, const struct node_env *env, const struct node_config *cfg)
{
  int rc;
  *out = NULL;
  if (cfg->n_scopes < 1 || cfg->n_scopes > NODE_SCOPES_MAX || !env->now_ms || !env->send)
    return LINLI_EINVAL;
  struct node *n = calloc(1, sizeof *n);
  if (!n)
    return LINLI_ENOMEM;
  n->env = *env;
  n->cfg = *cfg;
  n->id = *cfg->identity;
  n->cfg.identity = &n->id;
  if (!n->cfg.sync_interval_ms)
    n->cfg.sync_interval_ms = 30000;
  n->clock.max_drift_ms = cfg->max_drift_ms ? cfg->max_drift_ms : 600000;
  n->hold_ms = cfg->hold_ms ? cfg->hold_ms : 600000;
  n->ahead_ms = cfg->ahead_ms ? cfg->ahead_ms : NODE_AHEAD_MS;
  if (n->ahead_ms > n->clock.max_drift_ms)
    n->ahead_ms = n->clock.max_drift_ms; /* nothing is held that would be refused */
  for (int i = 0; i < cfg->n_scopes; i++) {
    size_t len = strlen(cfg->scopes[i]);
    if ((rc = crdt_check_scope(cfg->scopes[i], len)))
      goto fail;
    n->scopes[i] = strdup(cfg->scopes[i]);
    n->scope_len[i] = len;
    n->cfg.scopes[i] = n->scopes[i];
    if (!n->scopes[i]) {
      rc = LINLI_ENOMEM;
      goto fail;
    }
  }
  n->out = malloc(NET_MSG_MAX);
  n->opbuf = malloc((size_t)OPS_BATCH_MAX * CRDT_OP_MAX_BYTES);
  if (!n->out || !n->opbuf) {
    rc = LINLI_ENOMEM;
    goto fail;
  }
  struct store_config sc = {cfg->dir, cfg->map_size, cfg->map_size_max, cfg->nosync, 0};
  if ((rc = store_open(&n->store, &sc)))
    goto fail;
  store_set_commit_fault(n->store, cfg->commit_fault, cfg->commit_fault_arg);
  /* The clock resumes past everything stored, also after a restore from
   * an old backup (received ops move it further). */
  uint64_t hlc_max = 0;
  if ((rc = store_stats(n->store, NULL, &hlc_max)))
    goto fail;
  n->clock.last = hlc_max;
  if (cfg->hub_pk) {
    if (!cfg->district || scope_index(n, cfg->district, strlen(cfg->district)) < 0) {
      rc = LINLI_EINVAL; /* certificates travel in the district scope: hold it */
      goto fail;
    }
    if ((rc = trust_new(&n->trust, cfg->hub_pk, cfg->district, cfg->hub_collections)) || (rc = trust_load(n->trust, n->store)))
      goto fail;
  }
  /* Held ops from before: those whose certificate came meanwhile (a crash
   * between its commit and their release) go in now, those past hold_ms
   * are rejected, the others stay. */
  n->held_due_ms = UINT64_MAX;
  uint64_t held = 0;
  if ((rc = store_held_stats(n->store, &held, NULL, NULL)))
    goto fail;
  if (held)
    held_release(n, NULL, UINT64_MAX); /* a failure is logged; the next tick tries again */
  *out = n;
  return 0;
fail:
  node_close(n);
  return rc;
}

void node_abandon(struct node *n)
{
  if (!n)
    return;
  vpool_free(n->pool);
  for (int i = 0; i < n->n_peers; i++)
    for (int k = 0; k < NODE_SCOPES_MAX; k++)
      if (n->peers[i].sess[k]) {
        free(n->peers[i].sess[k]->have);
        free(n->peers[i].sess[k]);
      }
  for (int i = 0; i < n->n_inbox; i++)
    free(n->inbox[i].bytes);
  for (int i = 0; i < n->n_flights; i++)
    flight_free(n->flights[i]);
  store_close(n->store);
  trust_free(n->trust);
  for (int i = 0; i < NODE_SCOPES_MAX; i++)
    free(n->scopes[i]);
  free(n->out);
  free(n->opbuf);
  crdt_identity_wipe(&n->id);
  free(n);
}

void node_close(struct node *n)
{
  if (!n)
    return;
  node_flush(n);
  for (int i = 0; i < n->n_peers; i++)
    node_peer_down(n, n->peers[i].id);
  node_abandon(n); /* nothing is left to write */
}

struct store *node_store(struct node *n)
{
  node_flush(n);
  return n->store;
}

/* ---- ops in ---- */

/* Pushes newly stored ops to every linked peer holding their scope, except
 * the one they came from. */
static void push_one(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t k,
                     int si, uint32_t from);

/* Pushes the newly stored ops (status 1) to the other connected peers, in
 * PUSH messages within the limits. */
static void push_new(struct node *n, const struct crdt_op *ops, const int *status, size_t count,
                     int si, uint32_t from)
{
  size_t i = 0;
  while (i < count) {
    const uint8_t *raw[OPS_BATCH_MAX];
    size_t lens[OPS_BATCH_MAX], bytes = 0;
    uint32_t k = 0;
    for (; i < count && k < OPS_BATCH_MAX && bytes + ops[i].raw_len + 64 <= NET_MSG_MAX; i++)
      if (status[i] == 1) {
        raw[k] = ops[i].raw;
        bytes += (lens[k++] = ops[i].raw_len) + 5;
      }
    if (k)
      push_one(n, raw, lens, k, si, from);
  }
}

static void push_one(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t k,
                     int si, uint32_t from)
{
  struct crdt_buf b;
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  if (net_ops_write(&b, NET_PUSH, n->scopes[si], n->scope_len[si], raw, lens, k))
    return;
  for (int i = 0; i < n->n_peers; i++) {
    struct peer *p = &n->peers[i];
    if (p->id == from || !p->up || !p->hello || !(p->common >> si & 1))
      continue;
    if (node__send(n, p, b.p, b.len) == 0)
      p->ops_out += k;
  }
}

static void reject(struct node *n, struct peer *p, const uint8_t *id, int why)
{
  n->st.rejected++;
  n->st.rejected_by[linli_err_index(why)]++;
  if (p)
    p->rejected++;
  char hex[17] = "-";
  if (id)
    hex8(hex, id);
  node__log(n, LOG_REJECT, "reject op=%s peer=%d reason=%s", hex, p ? (int)p->id : -1, linli_errname(why));
}

/* ---- held ops (node.h "Held ops"; their records: store.h) ---- */

/* A held op out of the store, to try again: its bytes are ours. */
struct held_copy {
  uint8_t id[CRDT_ID_BYTES];
  int why;
  uint64_t due_ms;
  uint8_t *raw;
  size_t len;
};

struct held_list {
  struct held_copy *h;
  size_t n, cap, max;
};

static int held_collect(void *arg, const struct store_held *h)
{
  struct held_list *l = arg;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    struct held_copy *more = realloc(l->h, cap * sizeof *more);
    if (!more)
      return LINLI_ENOMEM;
    l->h = more;
    l->cap = cap;
  }
  struct held_copy *c = &l->h[l->n];
  if (!(c->raw = malloc(h->len)))
    return LINLI_ENOMEM;
  memcpy(c->raw, h->raw, h->len);
  memcpy(c->id, h->id, CRDT_ID_BYTES);
  c->len = h->len;
  c->why = h->why;
  c->due_ms = h->due_ms;
  return ++l->n == l->max; /* 1 stops the walk */
}

static void held_list_free(struct held_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->h[i].raw);
  free(l->h);
  memset(l, 0, sizeof *l);
}

/* When the next held op falls due (UINT64_MAX: none), from the store. */
static void held_refresh(struct node *n)
{
  uint64_t count = 0, due = UINT64_MAX;
  if (store_held_stats(n->store, &count, NULL, &due) == 0)
    n->held_due_ms = due;
}

static int take_opened(struct node *n, struct peer *p, int si, struct crdt_op *dec,
                       const int *verdict, uint32_t count, int *what,
                       const struct held_copy *from_held);
static void open_all(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t count,
                     struct crdt_op *ops, int *verdict);

/* Tries the held ops of l again (a certificate came, one fell due, the
 * node opened), a run of one scope at a time; an op of a scope the node no
 * longer holds is rejected. Returns 0 or the last store error. */
static int held_retry(struct node *n, struct held_list *l)
{
  int err = 0;
  size_t i = 0;
  while (i < l->n) {
    struct crdt_op op;
    int si = crdt_op_decode(&op, l->h[i].raw, l->h[i].len) ? -1
             : scope_index(n, op.scope.p, op.scope.len);
    size_t j = i + 1;
    for (; j < l->n && j - i < IMPORT_RUN; j++) {
      struct crdt_op o2;
      if (crdt_op_decode(&o2, l->h[j].raw, l->h[j].len) ||
          scope_index(n, o2.scope.p, o2.scope.len) != si)
        break;
    }
    uint32_t k = (uint32_t)(j - i);
    const uint8_t **raw = malloc(k * sizeof *raw);
    size_t *lens = malloc(k * sizeof *lens);
    struct crdt_op *dec = malloc(k * sizeof *dec);
    int *verdict = malloc(k * sizeof *verdict), rc = LINLI_ENOMEM;
    if (raw && lens && dec && verdict) {
      for (uint32_t x = 0; x < k; x++) {
        raw[x] = l->h[i + x].raw;
        lens[x] = l->h[i + x].len;
      }
      open_all(n, raw, lens, k, dec, verdict);
      if (si < 0) /* undecodable bytes, or a scope no longer held */
        for (uint32_t x = 0; x < k; x++)
          verdict[x] = verdict[x] ? verdict[x] : LINLI_EUNAUTH;
      rc = take_opened(n, NULL, si < 0 ? 0 : si, dec, verdict, k, NULL, l->h + i);
    }
    free(raw);
    free(lens);
    free(dec);
    free(verdict);
    if (rc < 0)
      err = rc;
    i = j;
  }
  return err;
}

/* Tries again the held ops of one author (its certificate is stored now),
 * or (author NULL) those due by now_ms, or all of them (author NULL,
 * now_ms UINT64_MAX). */
static int held_release(struct node *n, const uint8_t *author, uint64_t now_ms)
{
  struct held_list l = {NULL, 0, 0, NODE_HOLD_MAX};
  int rc = store_held_each(n->store, author, author ? UINT64_MAX : now_ms, held_collect, &l);
  if (rc >= 0 && l.n)
    rc = held_retry(n, &l);
  held_list_free(&l);
  held_refresh(n);
  if (rc < 0)
    n->held_retry = 1; /* a failed commit: every held op again at the next tick */
  else if (!author && now_ms == UINT64_MAX)
    n->held_retry = 0;
  if (rc < 0)
    node__log(n, LOG_HELD, "held ops not retried reason=%s", linli_errname(rc));
  return rc < 0 ? rc : 0;
}

/* ---- admitting and committing ---- */

/* The checks every op from outside passes before it is stored, in order:
 * signature and canonical form, scope, trust, the acceptance hook (the
 * domain's write check, node_config.accept), clock. 0 to store,
 * LINLI_EPENDING to hold (h says why and until when), or the reason to
 * reject. */
static int admit(struct node *n, int si, struct crdt_op *op, uint64_t now, int opened,
                 struct store_hold *h)
{
  int why = opened; /* crdt_op_open's verdict, from open_all */
  if (!why && (op->scope.len != n->scope_len[si] ||
               memcmp(op->scope.p, n->scopes[si], op->scope.len) != 0))
    why = LINLI_EUNAUTH;
  if (!why && n->trust)
    why = trust_check(n->trust, op);
  if (why == LINLI_EPENDING) {
    *h = (struct store_hold){op, STORE_HOLD_CERT, now + n->hold_ms};
    return why;
  }
  if (!why && n->cfg.accept)
    why = n->cfg.accept(n->cfg.accept_arg, op);
  if (why)
    return why;
  uint64_t ms = CRDT_HLC_MS(op->hlc);
  if (ms > now + n->clock.max_drift_ms)
    return LINLI_ECLOCK;
  if (ms > now + n->ahead_ms) {
    *h = (struct store_hold){op, STORE_HOLD_CLOCK, ms - n->ahead_ms};
    return LINLI_EPENDING;
  }
  return crdt_hlc_recv(&n->clock, now, op->hlc);
}

/* After a commit: the certificates and revocations it stored change what
 * trust answers; a new certificate releases its author's held ops. */
static void learn(struct node *n, const struct crdt_op *ops, const int *status, size_t k)
{
  for (size_t i = 0; i < k; i++) {
    uint8_t pk[CRDT_PK_BYTES];
    if (status[i] == 1 && trust_learn(n->trust, &ops[i]) == TRUST_LEARNED_CERT &&
        trust_subject(&ops[i], pk) == 0)
      held_release(n, pk, 0);
  }
}

/* Writes a batch (its ops of scope si, holds and unholds) in one
 * transaction, with the purges of the revocations among its ops; then
 * pushes the new ops to the peers (all but `from`) and learns from them.
 * Returns the number of new ops or the store error. */
static int commit(struct node *n, struct store_batch *b, int si, uint32_t from)
{
  struct store_purge *purge = NULL;
  uint8_t (*pks)[CRDT_PK_BYTES] = NULL;
  size_t np = 0, *purged_in = NULL;
  if (n->trust && b->n) {
    purge = malloc(b->n * sizeof *purge);
    pks = malloc(b->n * sizeof *pks);
    purged_in = malloc((size_t)n->cfg.n_scopes * sizeof *purged_in);
    if (!purge || !pks || !purged_in) {
      free(purge);
      free(pks);
      free(purged_in);
      return LINLI_ENOMEM;
    }
    for (size_t i = 0; i < b->n; i++) {
      uint64_t at;
      if (trust_revokes(n->trust, &b->ops[i], pks[np], &at))
        purge[np] = (struct store_purge){i, pks[np], CRDT_HLC_MAKE(at, 0)}, np++;
    }
  }
  b->purge = purge;
  b->n_purge = np;
  b->scopes = (const char *const *)n->scopes;
  b->n_scopes = (size_t)n->cfg.n_scopes;
  b->purged_in = purged_in;
  b->held_max = NODE_HOLD_MAX;
  b->held_bytes_max = NODE_HOLD_BYTES_MAX;
  int rc = store_write(n->store, b);
  free(purge);
  free(pks);
  if (rc >= 0 && b->purged) {
    n->st.purged += b->purged;
    for (int k = 0; k < n->cfg.n_scopes; k++)
      if (purged_in[k])
        node__log(n, LOG_PURGE, "purge scope=%s ops=%zu reason=%s", n->scopes[k], purged_in[k],
                  linli_errname(LINLI_EREVOKED));
  }
  free(purged_in);
  if (rc < 0)
    return rc;
  if (b->evicted) {
    n->st.held_dropped += b->evicted;
    n->st.rejected += b->evicted;
    n->st.rejected_by[linli_err_index(LINLI_EUNKNOWN)] += b->evicted;
    node__log(n, LOG_HELD, "held ops dropped ops=%zu reason=%s", b->evicted,
              linli_errname(LINLI_EFULL));
  }
  if (b->n_hold || b->n_unhold)
    held_refresh(n);
  if (rc > 0) {
    push_new(n, b->ops, b->status, b->n, si, from);
    if (n->trust)
      learn(n, b->ops, b->status, b->n);
  }
  return rc;
}

/* 1 when received ops go through the inbox and the verify pool. */
static int batched(const struct node *n)
{
  return n->cfg.verify_threads || n->cfg.verify_seeded;
}

/* The pool of verify threads, made the first time it is needed. */
static struct vpool *node_pool(struct node *n)
{
  if (!n->pool)
    vpool_new(&n->pool, n->cfg.verify_threads ? (int)n->cfg.verify_threads + 1 : 0);
  return n->pool;
}

/* Decodes and verifies a batch: the one costly step. With verify_threads
 * (linlid) or verify_seeded (the simulator), a large batch goes to the
 * pool; else it is verified inline. The verdicts are the same either way. */
static void open_all(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t count,
                     struct crdt_op *ops, int *verdict)
{
  struct vpool *pool = batched(n) && count >= 64 ? node_pool(n) : NULL;
  if (pool) {
    struct vjob j = {raw, lens, ops, verdict, count, 0, 0, NULL};
    vpool_submit(pool, &j);
    vpool_wait(pool, &j);
    return;
  }
  for (uint32_t i = 0; i < count; i++)
    verdict[i] = crdt_op_open(&ops[i], raw[i], lens[i]);
}

/* What becomes of an op that was held (h->why) and was admitted again
 * with verdict why (hold in *nh when LINLI_EPENDING): 1 it stays held as it
 * is, 0 its hold goes (and *why may become LINLI_EUNKNOWN: its time is up). */
static int still_held(const struct held_copy *h, int *why, const struct store_hold *nh,
                      uint64_t now)
{
  if (*why != LINLI_EPENDING || nh->why != h->why)
    return 0;
  if (h->why == STORE_HOLD_CERT && now >= h->due_ms) {
    *why = LINLI_EUNKNOWN; /* hold_ms passed without a certificate */
    return 0;
  }
  return 1;
}

/* Admits and stores a batch of opened ops (dec[i] and verdict[i] from
 * crdt_op_open of op i's bytes) for scope si; returns the number newly stored, or
 * a store error. what (NULL or count ints) gets each op's fate: 1 stored, 0
 * stored already, LINLI_EPENDING held, or why it was rejected (or the store
 * error). from_held (NULL, or count entries): the ops are held ones tried
 * again; their holds go unless they stay held for the same reason. */
static int take_opened(struct node *n, struct peer *p, int si, struct crdt_op *dec,
                       const int *verdict, uint32_t count, int *what,
                       const struct held_copy *from_held)
{
  struct crdt_op *ops = malloc(count * sizeof *ops);
  int *status = malloc(count * sizeof *status);
  uint32_t k = 0, *at = malloc(count * sizeof *at); /* op i went to ops[at[i]] */
  struct store_hold *holds = malloc(count * sizeof *holds);
  uint8_t (*unhold)[CRDT_ID_BYTES] = from_held ? malloc(count * sizeof *unhold) : NULL;
  struct store_batch b = {0};
  int rc;
  if (!ops || !status || !at || !holds || (from_held && !unhold)) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  uint64_t now = n->env.now_ms(n->env.ctx);
  for (uint32_t i = 0; i < count; i++) {
    struct store_hold h;
    int why = admit(n, si, &dec[i], now, verdict[i], &h);
    at[i] = why ? UINT32_MAX : k;
    if (from_held && still_held(&from_held[i], &why, &h, now))
      ; /* as it was: no write */
    else if (from_held)
      memcpy(unhold[b.n_unhold++], from_held[i].id, CRDT_ID_BYTES);
    if (why == 0)
      ops[k++] = dec[i];
    else if (why == LINLI_EPENDING && !(from_held && h.why == from_held[i].why))
      holds[b.n_hold++] = h;
    else if (why != LINLI_EPENDING)
      reject(n, p, from_held ? from_held[i].id : verdict[i] ? NULL : dec[i].id, why);
    if (what && why)
      what[i] = why;
  }
  b.ops = ops;
  b.n = k;
  b.status = status;
  b.hold = holds;
  b.unhold = (const uint8_t(*)[CRDT_ID_BYTES])unhold;
  rc = commit(n, &b, si, p ? p->id : UINT32_MAX);
  for (uint32_t i = 0; what && i < count; i++)
    if (at[i] != UINT32_MAX)
      what[i] = rc < 0 ? rc : status[at[i]];
  if (rc > 0 && p)
    p->ops_in += (uint64_t)rc;
out:
  free(ops);
  free(status);
  free(at);
  free(holds);
  free(unhold);
  return rc;
}

/* Verifies (open_all), admits and stores a batch of op bytes for scope si;
 * returns the number newly stored, or a store error; what as take_opened. */
static int take_ops(struct node *n, struct peer *p, int si, const uint8_t *const *raw,
                    const size_t *lens, uint32_t count, int *what)
{
  struct crdt_op *dec = malloc(count * sizeof *dec);
  int *verdict = malloc(count * sizeof *verdict), rc = LINLI_ENOMEM;
  if (dec && verdict) {
    open_all(n, raw, lens, count, dec, verdict);
    rc = take_opened(n, p, si, dec, verdict, count, what, NULL);
  }
  free(dec);
  free(verdict);
  return rc;
}

int node_import_each(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count,
                     int *what)
{
  node_flush(n);
  /* Each op's scope first (what[i] holds it until its fate is known), then
   * runs of one scope; take_ops checks everything again when it verifies. */
  for (size_t i = 0; i < count; i++) {
    struct crdt_op op;
    int why = crdt_op_decode(&op, ops[i], lens[i]);
    int si = why ? -1 : scope_index(n, op.scope.p, op.scope.len);
    what[i] = si >= 0 ? si : why ? why : LINLI_EUNAUTH;
    if (si < 0)
      reject(n, NULL, why ? NULL : op.id, what[i]);
  }
  int total = 0;
  size_t i = 0;
  while (i < count) {
    int si = what[i];
    if (si < 0) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < count && j - i < IMPORT_RUN && what[j] == si)
      j++;
    int rc = take_ops(n, NULL, si, ops + i, lens + i, (uint32_t)(j - i), what + i);
    if (rc < 0) {
      for (size_t k = j; k < count; k++)
        what[k] = rc; /* not tried */
      return rc;
    }
    total += rc;
    i = j;
  }
  return total;
}

int node_import(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count)
{
  int *what = malloc((count ? count : 1) * sizeof *what);
  if (!what)
    return LINLI_ENOMEM;
  int rc = node_import_each(n, ops, lens, count, what);
  free(what);
  return rc;
}

int node_import_one(struct node *n, const uint8_t *op, size_t len)
{
  int what = 0, rc = node_import_each(n, &op, &len, 1, &what);
  return rc < 0 ? rc : what;
}

int node_op_state(struct node *n, const uint8_t *raw, size_t len)
{
  struct crdt_op op;
  char scope[CRDT_SCOPE_MAX + 1];
  node_flush(n);
  int rc = crdt_op_decode(&op, raw, len);
  if (rc)
    return rc;
  memcpy(scope, op.scope.p, op.scope.len);
  scope[op.scope.len] = 0;
  if ((rc = store_has_at(n->store, scope, op.hlc, op.id)) != 0)
    return rc;
  rc = store_held_has(n->store, op.id);
  return rc == 1 ? LINLI_EPENDING : rc == 0 ? LINLI_ENOTFOUND : rc;
}

int node_write(struct node *n, const struct node_change *c, uint8_t id_out[CRDT_ID_BYTES])
{
  node_flush(n);
  const char *scope = c->scope ? c->scope : n->scopes[0];
  int si = scope_index(n, scope, strlen(scope));
  if (si < 0)
    return LINLI_EUNAUTH;
  uint8_t buf[CRDT_OP_MAX_BYTES];
  size_t len;
  struct crdt_op op;
  struct crdt_draft d = {scope, c->collection, c->key, 0, c->kind, c->body, c->body_len,
                         c->parents, c->n_parents};
  d.hlc = crdt_hlc_now(&n->clock, n->env.now_ms(n->env.ctx));
  int rc = crdt_op_sign(&d, &n->id, buf, sizeof buf, &len, &op);
  if (rc)
    return rc;
  if (n->trust && (rc = trust_check(n->trust, &op)))
    return rc; /* a node without its certificate cannot write: say so */
  if (n->cfg.accept && (rc = n->cfg.accept(n->cfg.accept_arg, &op)))
    return rc;
  int status = 0;
  struct store_batch b = {0};
  b.ops = &op;
  b.n = 1;
  b.status = &status;
  if ((rc = commit(n, &b, si, UINT32_MAX)) < 0)
    return rc;
  if (id_out)
    memcpy(id_out, op.id, CRDT_ID_BYTES);
  return 0;
}

/* ---- peers ---- */

static int send_hello(struct node *n, struct peer *p)
{
  struct crdt_str sc[NODE_SCOPES_MAX];
  int order[NODE_SCOPES_MAX];
  int m = n->cfg.n_scopes;
  for (int i = 0; i < m; i++)
    order[i] = i;
  /* HELLO lists scopes in ascending byte order. */
  for (int i = 1; i < m; i++)
    for (int j = i; j > 0 && strcmp(n->scopes[order[j - 1]], n->scopes[order[j]]) > 0; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int i = 0; i < m; i++)
    sc[i] = (struct crdt_str){n->scopes[order[i]], (uint32_t)n->scope_len[order[i]]};
  struct crdt_buf b;
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  n->env.random(n->env.ctx, p->nonce, sizeof p->nonce);
  int rc = net_hello_write(&b, NET_PROTO_VERSION, p->nonce, sc, (uint32_t)m);
  if (!rc)
    rc = node__send(n, p, b.p, b.len);
  if (!rc)
    p->hello_sent = 1;
  return rc;
}

int node_peer_up(struct node *n, uint32_t peer, int dialer)
{
  node_flush(n);
  struct peer *p = peer_get(n, peer, 1);
  if (!p)
    return LINLI_EFULL;
  p->up = 1;
  p->dialer = dialer;
  p->hello = p->hello_sent = 0;
  p->ops_bucket = (struct bucket){2000u * (uint64_t)n->cfg.peer_ops_per_s, n->env.now_ms(n->env.ctx)};
  p->msgs_bucket = (struct bucket){2000u * (uint64_t)n->cfg.peer_msgs_per_s, p->ops_bucket.at_ms};
  node__log(n, LOG_PEER, "peer up peer=%u %s", peer, dialer ? "dialer" : "acceptor");
  return dialer ? send_hello(n, p) : 0;
}

void node_peer_down(struct node *n, uint32_t peer)
{
  node_flush(n);
  struct peer *p = peer_get(n, peer, 0);
  if (!p)
    return;
  if (p->up)
    node__log(n, LOG_PEER, "peer down peer=%u", peer);
  p->up = p->hello = p->hello_sent = 0;
  for (int i = 0; i < NODE_SCOPES_MAX; i++) {
    if (p->sess[i]) {
      free(p->sess[i]->have);
      free(p->sess[i]);
      p->sess[i] = NULL;
    }
  }
}

static int on_hello(struct node *n, struct peer *p, struct net_msg *m)
{
  struct crdt_str sc;
  uint64_t common = 0;
  if (m->version != NET_PROTO_VERSION)
    return LINLI_EVERSION;
  while (net_msg_next_scope(m, &sc) == 0) {
    int si = scope_index(n, sc.p, sc.len);
    if (si >= 0)
      common |= (uint64_t)1 << si;
  }
  p->common = common;
  int rc = 0;
  if (!p->hello_sent && (rc = send_hello(n, p)))
    return rc;
  net_salt(p->salt, p->nonce, m->nonce);
  p->hello = 1;
  if (p->dialer)
    for (int si = 0; si < n->cfg.n_scopes && !rc; si++)
      if (common >> si & 1)
        rc = sess_start(n, p, si);
  return rc;
}

static int on_recon(struct node *n, struct peer *p, const uint8_t *msg, size_t len, struct net_msg *m)
{
  int si = scope_index(n, m->scope.p, m->scope.len);
  if (si < 0 || !(p->common >> si & 1))
    return LINLI_EPROTO;
  struct sess *s = sess_get(n, p, si);
  if (!s)
    return LINLI_ENOMEM;
  int rc;
  if (!s->active || s->r.state == NET_RECON_DONE || s->r.state == NET_RECON_FAILED)
    if ((rc = sess_init(n, s)))
      return rc;
  struct crdt_buf b;
  int reply = 0;
  s->last_ms = n->env.now_ms(n->env.ctx);
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  rc = net_recon_step(&s->r, msg, len, &b, &reply);
  if (rc) {
    if (s->r.state == NET_RECON_FAILED)
      s->active = 0;
    return rc;
  }
  if (reply && (rc = node__send(n, p, b.p, b.len)))
    return rc;
  if ((rc = sess_flush(n, p, s)))
    return rc;
  if (net_recon_done(&s->r))
    sess_finish(n, p, s);
  return 0;
}

static int inbox_launch(struct node *n);

/* Keeps the first ok ops of msg for node_pump. */
static int inbox_add(struct node *n, struct peer *p, int si, const uint8_t *msg, size_t len,
                     uint32_t ok)
{
  uint8_t *copy = malloc(len);
  if (!copy)
    return LINLI_ENOMEM;
  memcpy(copy, msg, len);
  n->inbox[n->n_inbox++] = (struct inbox_msg){p->id, si, ok, copy, len};
  n->inbox_ops += ok;
  if (n->inbox_ops >= INBOX_OPS || n->n_inbox == INBOX_MSGS)
    node_pump(n);
  return 0;
}

static void flight_free(struct flight *f)
{
  for (int i = 0; i < f->n_msgs; i++)
    free(f->msgs[i].bytes);
  free(f->raw);
  free(f->lens);
  free(f->dec);
  free(f->verdict);
  free(f);
}

/* Stores a verified batch, one run of (peer, scope) messages at a time.
 * Returns 0 or the last error, which was logged. */
static int flight_commit(struct node *n, struct flight *f)
{
  int err = 0;
  for (int i = 0, j; i < f->n_msgs; i = j) {
    for (j = i + 1; j < f->n_msgs && f->msgs[j].peer == f->msgs[i].peer &&
                    f->msgs[j].si == f->msgs[i].si;
         j++)
      ;
    uint32_t a = f->first[i], b = f->first[j];
    struct peer *p = peer_get(n, f->msgs[i].peer, 0);
    int rc = p && b > a ? take_opened(n, p, f->msgs[i].si, f->dec + a, f->verdict + a, b - a,
                                      NULL, NULL)
                        : 0;
    if (rc < 0) {
      /* The peer still has them: the next reconciliation brings them again. */
      node__log(n, LOG_STORE, "ops not stored peer=%u reason=%s", f->msgs[i].peer, linli_errname(rc));
      err = rc;
    }
  }
  flight_free(f);
  return err;
}

/* Stores the oldest batch in flight, waiting for the pool if need be. */
static int flight_land(struct node *n, int wait)
{
  struct flight *f = n->flights[0];
  if (wait)
    vpool_wait(n->pool, &f->job);
  else if (!vpool_done(n->pool, &f->job))
    return 1;
  n->n_flights--;
  memmove(n->flights, n->flights + 1, (size_t)n->n_flights * sizeof *n->flights);
  return flight_commit(n, f);
}

/* The inbox's messages become a batch for the pool; the inbox is empty
 * after, whatever happens. */
static int inbox_launch(struct node *n)
{
  int err = 0;
  if (n->n_flights == FLIGHTS_MAX)
    err = flight_land(n, 1);
  struct flight *f = calloc(1, sizeof *f);
  uint32_t total = n->inbox_ops, k = 0;
  int rc = f && node_pool(n) ? 0 : LINLI_ENOMEM;
  if (!rc) {
    f->raw = malloc(total * sizeof *f->raw);
    f->lens = malloc(total * sizeof *f->lens);
    f->dec = malloc(total * sizeof *f->dec);
    f->verdict = malloc(total * sizeof *f->verdict);
    if (!f->raw || !f->lens || !f->dec || !f->verdict)
      rc = LINLI_ENOMEM;
  }
  for (int x = 0; x < n->n_inbox; x++) {
    struct net_msg m;
    if (!rc && (rc = net_msg_decode(&m, n->inbox[x].bytes, n->inbox[x].len)) == 0) {
      f->first[x] = k;
      for (uint32_t y = 0; y < n->inbox[x].ok && k < total &&
                           net_msg_next_op(&m, &f->raw[k], &f->lens[k]) == 0;
           y++)
        k++;
    }
    if (f && !rc)
      f->msgs[f->n_msgs++] = n->inbox[x]; /* the flight owns the bytes now */
    else
      free(n->inbox[x].bytes);
  }
  n->n_inbox = 0;
  n->inbox_ops = 0;
  if (rc) {
    node__log(n, LOG_STORE, "ops not stored reason=%s", linli_errname(rc));
    if (f)
      flight_free(f);
    return rc;
  }
  f->first[f->n_msgs] = k;
  f->job = (struct vjob){(const uint8_t *const *)f->raw, f->lens, f->dec, f->verdict, k, 0, 0, NULL};
  vpool_submit(n->pool, &f->job);
  n->flights[n->n_flights++] = f;
  return err;
}

/* verify_seeded: a draw from the environment's random source. */
static uint64_t draw(void *arg, uint64_t n)
{
  struct node *nd = arg;
  uint64_t r = 0;
  nd->env.random(nd->env.ctx, &r, sizeof r);
  return n ? r % n : r;
}

int node_pump(struct node *n)
{
  if (n->flushing)
    return n->n_flights;
  n->flushing = 1;
  int err = 0, rc;
  /* A pool without threads gets on with its work now, as much of it as
   * the seed says (a quarter of the time none: the threads were busy). */
  if (n->cfg.verify_seeded && n->n_flights) {
    uint64_t budget = draw(n, 0);
    vpool_step(n->pool, budget % 4 ? (uint32_t)(budget >> 8) % 257 : 0, draw, n);
  }
  while (n->n_flights && (rc = flight_land(n, 0)) != 1)
    err = rc ? rc : err;
  if (n->n_inbox && (rc = inbox_launch(n)))
    err = rc;
  n->flushing = 0;
  return err ? err : n->n_flights;
}

int node_flush(struct node *n)
{
  if (n->flushing || (n->n_inbox == 0 && n->n_flights == 0))
    return 0;
  n->flushing = 1;
  int err = 0, rc;
  if (n->n_inbox && (rc = inbox_launch(n)))
    err = rc;
  while (n->n_flights)
    if ((rc = flight_land(n, 1)))
      err = rc;
  n->flushing = 0;
  return err;
}

static int on_ops(struct node *n, struct peer *p, struct net_msg *m, const uint8_t *msg, size_t len)
{
  int si = scope_index(n, m->scope.p, m->scope.len);
  if (si < 0)
    return LINLI_EUNAUTH;
  const uint8_t *raw[OPS_BATCH_MAX];
  size_t lens[OPS_BATCH_MAX];
  uint32_t k = 0;
  while (k < OPS_BATCH_MAX && net_msg_next_op(m, &raw[k], &lens[k]) == 0)
    k++;
  uint64_t now = n->env.now_ms(n->env.ctx);
  uint32_t ok = bucket_take(&p->ops_bucket, n->cfg.peer_ops_per_s, 2 * n->cfg.peer_ops_per_s, now, k);
  if (ok < k)
    limited(n, p, k - ok, 0, now);
  if (ok && batched(n) && n->n_inbox == INBOX_MSGS)
    node_pump(n);
  if (ok && batched(n) && n->n_inbox < INBOX_MSGS)
    return inbox_add(n, p, si, msg, len, ok);
  int rc = ok ? take_ops(n, p, si, raw, lens, ok, NULL) : 0;
  return rc < 0 ? rc : 0;
}

int node_receive(struct node *n, uint32_t peer, const uint8_t *msg, size_t len)
{
  struct peer *p = peer_get(n, peer, 0);
  struct net_msg m;
  enum net_msg_type type;
  if (net_msg_type(msg, len, &type) || (type != NET_OPS && type != NET_PUSH))
    node_flush(n); /* whatever this message does comes after the ops before it */
  if (!p || !p->up)
    return LINLI_EPROTO;
  uint64_t now = n->env.now_ms(n->env.ctx);
  if (!bucket_take(&p->msgs_bucket, n->cfg.peer_msgs_per_s, 2 * n->cfg.peer_msgs_per_s, now, 1)) {
    limited(n, p, 0, 1, now);
    return LINLI_ELIMIT;
  }
  p->bytes_in += len;
  int rc = net_msg_decode(&m, msg, len);
  if (!rc && m.type != NET_HELLO && m.type != NET_ERROR && !p->hello)
    rc = LINLI_EPROTO; /* everything else waits for the handshake */
  if (!rc) {
    switch (m.type) {
    case NET_HELLO:
      rc = on_hello(n, p, &m);
      break;
    case NET_RECON:
      rc = on_recon(n, p, msg, len, &m);
      break;
    case NET_OPS:
    case NET_PUSH:
      rc = on_ops(n, p, &m, msg, len);
      break;
    case NET_WANT:
      rc = 0; /* both sides send what the other lacks; WANT is not needed yet */
      break;
    case NET_ERROR:
      node__log(n, LOG_PEERERR, "peer error peer=%u code=%s", peer, linli_errname(m.err));
      rc = 0;
      break;
    }
  }
  if (rc) {
    n->st.malformed_msgs++;
    node__log(n, LOG_BADMSG, "bad message peer=%u bytes=%zu reason=%s", peer, len, linli_errname(rc));
  }
  return rc;
}

int node_tick(struct node *n)
{
  node_pump(n);
  uint64_t now = n->env.now_ms(n->env.ctx), next = UINT64_MAX;
  log_tick(n, now);
  int rc = 0;
  if (n->held_retry)
    held_release(n, NULL, UINT64_MAX);
  else if (now >= n->held_due_ms)
    held_release(n, NULL, now); /* given up on, or the clock has come */
  for (int i = 0; i < n->n_peers; i++) {
    struct peer *p = &n->peers[i];
    if (!p->up || !p->hello || !p->dialer)
      continue;
    uint64_t due = p->last_sync_ms + n->cfg.sync_interval_ms;
    /* ops dropped by the limit since the last round: fetch them again soon */
    if (p->limited_at_ms >= p->last_sync_ms && p->limited_at_ms + 1000u < due)
      due = p->limited_at_ms + 1000u;
    if (now >= due) {
      for (int si = 0; si < n->cfg.n_scopes && !rc; si++) {
        struct sess *ss = p->sess[si];
        /* A session that heard nothing for two intervals lost a message
         * on a link that stayed up: abandon it and start afresh, since
         * reconciliation resumes from what is stored. */
        if (ss && ss->active && now - ss->last_ms > 2 * n->cfg.sync_interval_ms) {
          node__log(n, LOG_SYNC, "sync stalled peer=%u scope=%s: restarting", p->id, n->scopes[si]);
          ss->active = 0;
        }
        if ((p->common >> si & 1) && !(ss && ss->active))
          rc = sess_start(n, p, si);
      }
      p->last_sync_ms = now; /* the next round is one interval from now */
      due = now + n->cfg.sync_interval_ms;
    }
    if (due < next)
      next = due;
  }
  if (n->env.timer && next != UINT64_MAX)
    n->env.timer(n->env.ctx, next);
  return rc;
}

/* ---- status ---- */

int node_status(struct node *n, struct node_status *st)
{
  node_pump(n); /* what the pool has verified; no waiting */
  *st = n->st;
  st->hlc = n->clock.last;
  st->n_peers = n->n_peers;
  int rc = store_held_stats(n->store, &st->held, NULL, NULL);
  return rc ? rc : store_stats(n->store, &st->ops, NULL);
}

int node_peer_status(struct node *n, uint32_t peer, struct node_peer_status *ps)
{
  node_pump(n);
  struct peer *p = peer_get(n, peer, 0);
  if (!p)
    return LINLI_ENOTFOUND;
  *ps = (struct node_peer_status){p->id,       p->up,      p->hello,     p->last_sync_ms,
                                  p->ops_in,   p->ops_out, p->bytes_in,  p->bytes_out,
                                  p->behind,   p->rejected,  p->limited_ops,
                                  p->limited_msgs};
  return 0;
}

struct trust *node_trust(struct node *n)
{
  return n->trust;
}

int node_digest(struct node *n, const char *scope, uint8_t out[CRDT_DIGEST_BYTES])
{
  node_flush(n);
  uint8_t prefix[CRDT_SCOPE_MAX + 1];
  int pl = 0;
  if (scope) {
    pl = crdt_row_prefix(prefix, sizeof prefix, scope, strlen(scope), NULL, 0, NULL, 0);
    if (pl < 0)
      return pl;
  }
  return store_digest(n->store, scope ? prefix : NULL, (size_t)pl, out);
}
