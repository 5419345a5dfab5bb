/* The sans-I/O node core: open and close, sessions, peers, messages,
 * ticks, status, logs. Contract: node.h; internals: node_int.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"

void node__hex8(char out[17], const uint8_t *id)
{
  for (int i = 0; i < 8; i++)
    snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static uint32_t scope_hash(const char *s, size_t len)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

int node__scope_index(const struct node *n, const char *s, size_t len)
{
  for (uint32_t j = scope_hash(s, len) & n->slot_mask;; j = (j + 1) & n->slot_mask) {
    uint32_t v = n->slot[j];
    if (!v)
      return -1;
    if (n->scope_len[v - 1] == len && memcmp(n->scopes[v - 1], s, len) == 0)
      return (int)v - 1;
  }
}

static int hello_cmp(const void *a, const void *b)
{
  const struct crdt_str *x = a, *y = b;
  size_t m = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, m);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The scopes of cfg, copied, hashed and sorted for HELLO; LINLI_EEXIST if
 * one is given twice. */
static int scopes_init(struct node *n, const struct node_config *cfg)
{
  int m = cfg->n_scopes, rc;
  uint32_t slots = 16;
  while (slots < 2u * (uint32_t)m)
    slots *= 2;
  n->scopes = calloc((size_t)m, sizeof *n->scopes);
  n->scope_len = calloc((size_t)m, sizeof *n->scope_len);
  n->slot = calloc(slots, sizeof *n->slot);
  n->hello = calloc((size_t)m, sizeof *n->hello);
  n->slot_mask = slots - 1;
  if (!n->scopes || !n->scope_len || !n->slot || !n->hello)
    return LINLI_ENOMEM;
  for (int i = 0; i < m; i++) {
    size_t len = strlen(cfg->scopes[i]);
    if ((rc = crdt_check_scope(cfg->scopes[i], len)))
      return rc;
    if (node__scope_index(n, cfg->scopes[i], len) >= 0)
      return LINLI_EEXIST;
    if (!(n->scopes[i] = strdup(cfg->scopes[i])))
      return LINLI_ENOMEM;
    n->scope_len[i] = len;
    n->cfg.scopes[i] = n->scopes[i];
    uint32_t j = scope_hash(n->scopes[i], len) & n->slot_mask;
    while (n->slot[j])
      j = (j + 1) & n->slot_mask;
    n->slot[j] = (uint32_t)i + 1;
    n->hello[i] = (struct crdt_str){n->scopes[i], (uint32_t)len};
  }
  qsort(n->hello, (size_t)m, sizeof *n->hello, hello_cmp); /* HELLO: ascending byte order */
  return 0;
}

struct peer *node__peer_get(struct node *n, uint32_t id, int create)
{
  for (int i = 0; i < n->n_peers; i++)
    if (n->peers[i].id == id)
      return &n->peers[i];
  if (!create || n->n_peers == NODE_PEERS_MAX)
    return NULL;
  struct peer *p = &n->peers[n->n_peers];
  memset(p, 0, sizeof *p);
  p->common = calloc(node__words(n), sizeof *p->common);
  p->sess = calloc((size_t)n->cfg.n_scopes, sizeof *p->sess);
  if (!p->common || !p->sess) {
    free(p->common);
    free(p->sess);
    return NULL;
  }
  p->id = id;
  n->n_peers++;
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

void node__log(struct node *n, int c, const char *fmt, ...)
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

int node__send(struct node *n, struct peer *p, const uint8_t *msg, size_t len)
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

/* The peer sends `count` ops we lack without naming them (SENDS). */
static int cb_coming(void *arg, uint64_t count)
{
  ((struct sess *)arg)->need += count;
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
  struct net_recon_cb cb = {s, cb_have, cb_need, cb_coming};
  struct net_recon_cfg cfg;
  struct peer *p = node__peer_get(n, s->peer, 0);
  if (!p || !p->hello)
    return LINLI_EPROTO; /* no session salt before both HELLOs */
  net_recon_cfg_default(&cfg);
  memcpy(cfg.salt, p->salt, sizeof cfg.salt);
  cfg.sends = 1; /* sess_flush sends the op of every item have() reports */
  cfg.msg_max = (uint32_t)n->frame;
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
    int full = k == OPS_BATCH_MAX || bytes + CRDT_OP_MAX_BYTES + 64 > n->frame;
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

/* Sends the RECONs the engine's last call wrote at buf (r.n_out of them,
 * one after the other). */
static int sess_send(struct node *n, struct peer *p, struct sess *s, const uint8_t *buf)
{
  size_t at = 0;
  int rc = 0;
  for (uint32_t i = 0; i < s->r.n_out && rc == 0; i++) {
    rc = node__send(n, p, buf + at, s->r.out_len[i]);
    at += s->r.out_len[i];
  }
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
  crdt_buf_init(&b, n->recon_out, NODE_RECON_OUT);
  if ((rc = net_recon_start(&s->r, &b)))
    return rc;
  if ((rc = sess_send(n, p, s, b.p)))
    return rc;
  return sess_flush(n, p, s);
}

static void sess_finish(struct node *n, struct peer *p, struct sess *s)
{
  s->active = 0;
  p->last_sync_ms = n->env.now_ms(n->env.ctx);
  p->behind = s->need;
  s->done_ms = p->last_sync_ms;
  s->done_sent = s->sent;
  s->done_need = s->need;
  node__log(n, LOG_SYNC, "sync done peer=%u scope=%s sent=%llu behind=%llu", p->id,
            n->scopes[s->si],
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
  if ((rc = scopes_init(n, cfg)))
    goto fail;
  if (cfg->frame_max && (cfg->frame_max < 16384 || cfg->frame_max > NET_MSG_MAX)) {
    rc = LINLI_EINVAL;
    goto fail;
  }
  n->frame = cfg->frame_max ? cfg->frame_max : NET_MSG_MAX;
  n->out = malloc(NET_MSG_MAX);
  n->recon_out = malloc(NODE_RECON_OUT);
  n->opbuf = malloc((size_t)OPS_BATCH_MAX * CRDT_OP_MAX_BYTES);
  if (!n->out || !n->recon_out || !n->opbuf) {
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
    if (!cfg->district || node__scope_index(n, cfg->district, strlen(cfg->district)) < 0) {
      rc = LINLI_EINVAL; /* certificates travel in the district scope: hold it */
      goto fail;
    }
    if ((rc = trust_new(&n->trust, cfg->hub_pk, cfg->district, cfg->hub_collections)))
      goto fail;
    if (cfg->city_pk && (node__scope_index(n, cfg->city, strlen(cfg->city)) < 0 ||
                         (rc = trust_set_city(n->trust, cfg->city_pk, cfg->city)))) {
      rc = rc ? rc : LINLI_EINVAL; /* the city's ops travel in the city scope: hold it */
      goto fail;
    }
    if ((rc = trust_load(n->trust, n->store)))
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
    node__held_release(n, NULL, UINT64_MAX); /* a failure is logged; the next tick tries again */
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
  for (int i = 0; i < n->n_peers; i++) {
    for (int k = 0; k < n->cfg.n_scopes; k++)
      if (n->peers[i].sess[k]) {
        free(n->peers[i].sess[k]->have);
        free(n->peers[i].sess[k]);
      }
    free(n->peers[i].sess);
    free(n->peers[i].common);
  }
  for (int i = 0; i < n->n_inbox; i++)
    free(n->inbox[i].bytes);
  for (int i = 0; i < n->n_flights; i++)
    node__flight_free(n->flights[i]);
  store_close(n->store);
  trust_free(n->trust);
  for (int i = 0; n->scopes && i < n->cfg.n_scopes; i++)
    free(n->scopes[i]);
  free(n->scopes);
  free(n->scope_len);
  free(n->slot);
  free(n->hello);
  free(n->out);
  free(n->recon_out);
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

/* ---- peers ---- */

static int send_hello(struct node *n, struct peer *p)
{
  struct crdt_buf b;
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  n->env.random(n->env.ctx, p->nonce, sizeof p->nonce);
  int rc = net_hello_write(&b, NET_PROTO_VERSION, p->nonce, n->hello, (uint32_t)n->cfg.n_scopes);
  if (!rc)
    rc = node__send(n, p, b.p, b.len);
  if (!rc)
    p->hello_sent = 1;
  return rc;
}

int node_peer_up(struct node *n, uint32_t peer, int dialer)
{
  node_flush(n);
  struct peer *p = node__peer_get(n, peer, 1);
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
  struct peer *p = node__peer_get(n, peer, 0);
  if (!p)
    return;
  if (p->up)
    node__log(n, LOG_PEER, "peer down peer=%u", peer);
  p->up = p->hello = p->hello_sent = 0;
  for (int i = 0; i < n->cfg.n_scopes; i++) {
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
  if (m->version != NET_PROTO_VERSION)
    return LINLI_EVERSION;
  memset(p->common, 0, node__words(n) * sizeof *p->common);
  while (net_msg_next_scope(m, &sc) == 0) {
    int si = node__scope_index(n, sc.p, sc.len);
    if (si >= 0)
      p->common[si / 64] |= (uint64_t)1 << (si % 64);
  }
  int rc = 0;
  if (!p->hello_sent && (rc = send_hello(n, p)))
    return rc;
  net_salt(p->salt, p->nonce, m->nonce);
  p->hello = 1;
  if (p->dialer)
    for (int si = node__next_common(n, p, 0); si >= 0 && !rc; si = node__next_common(n, p, si + 1))
      rc = sess_start(n, p, si);
  return rc;
}

static int on_recon(struct node *n, struct peer *p, const uint8_t *msg, size_t len, struct net_msg *m)
{
  int si = node__scope_index(n, m->scope.p, m->scope.len);
  if (si < 0 || !node__common(p, si))
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
  crdt_buf_init(&b, n->recon_out, NODE_RECON_OUT);
  rc = net_recon_step(&s->r, msg, len, &b, &reply);
  if (rc) {
    if (s->r.state == NET_RECON_FAILED)
      s->active = 0;
    return rc;
  }
  /* The RECONs are in recon_out, apart from n->out that sess_flush builds
   * OPS in. */
  if (reply && (rc = sess_send(n, p, s, b.p)))
    return rc;
  if ((rc = sess_flush(n, p, s)))
    return rc;
  if (net_recon_done(&s->r))
    sess_finish(n, p, s);
  return 0;
}

static int on_ops(struct node *n, struct peer *p, struct net_msg *m, const uint8_t *msg, size_t len)
{
  int si = node__scope_index(n, m->scope.p, m->scope.len);
  if (si < 0)
    return LINLI_EUNAUTH;
  const uint8_t *raw[OPS_BATCH_MAX];
  size_t lens[OPS_BATCH_MAX];
  uint32_t k = 0;
  while (k < OPS_BATCH_MAX && net_msg_next_op(m, &raw[k], &lens[k]) == 0)
    k++;
  uint64_t now = n->env.now_ms(n->env.ctx);
  uint32_t rate = n->cfg.peer_ops_per_s;
  uint32_t ok = bucket_take(&p->ops_bucket, rate, 2 * rate, now, k);
  if (ok < k)
    limited(n, p, k - ok, 0, now);
  if (ok && node__batched(n) && n->n_inbox == INBOX_MSGS)
    node_pump(n);
  if (ok && node__batched(n) && n->n_inbox < INBOX_MSGS)
    return node__inbox_add(n, p, si, msg, len, ok);
  int rc = ok ? node__take_ops(n, p, si, raw, lens, ok, NULL) : 0;
  return rc < 0 ? rc : 0;
}

int node_receive(struct node *n, uint32_t peer, const uint8_t *msg, size_t len)
{
  struct peer *p = node__peer_get(n, peer, 0);
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
    node__log(n, LOG_BADMSG, "bad message peer=%u bytes=%zu reason=%s", peer, len,
              linli_errname(rc));
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
    node__held_release(n, NULL, UINT64_MAX);
  else if (now >= n->held_due_ms)
    node__held_release(n, NULL, now); /* given up on, or the clock has come */
  for (int i = 0; i < n->n_peers; i++) {
    struct peer *p = &n->peers[i];
    if (!p->up || !p->hello || !p->dialer)
      continue;
    uint64_t due = p->last_sync_ms + n->cfg.sync_interval_ms;
    /* ops dropped by the limit since the last round: fetch them again soon */
    if (p->limited_at_ms >= p->last_sync_ms && p->limited_at_ms + 1000u < due)
      due = p->limited_at_ms + 1000u;
    if (now >= due) {
      for (int si = node__next_common(n, p, 0); si >= 0 && !rc;
           si = node__next_common(n, p, si + 1)) {
        struct sess *ss = p->sess[si];
        /* A session that heard nothing for two intervals lost a message
         * on a link that stayed up: abandon it and start afresh, since
         * reconciliation resumes from what is stored. */
        if (ss && ss->active && now - ss->last_ms > 2 * n->cfg.sync_interval_ms) {
          node__log(n, LOG_SYNC, "sync stalled peer=%u scope=%s: restarting", p->id,
                    n->scopes[si]);
          ss->active = 0;
        }
        if (!(ss && ss->active))
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
  struct peer *p = node__peer_get(n, peer, 0);
  if (!p)
    return LINLI_ENOTFOUND;
  *ps = (struct node_peer_status){p->id,       p->up,      p->hello,     p->last_sync_ms,
                                  p->ops_in,   p->ops_out, p->bytes_in,  p->bytes_out,
                                  p->behind,   p->rejected,  p->limited_ops,
                                  p->limited_msgs};
  return 0;
}

int node_scope_sync(struct node *n, uint32_t peer, const char *scope, struct node_scope_sync *out)
{
  struct peer *p = node__peer_get(n, peer, 0);
  int si = scope ? node__scope_index(n, scope, strlen(scope)) : -1;
  if (!p || si < 0 || !p->hello || !node__common(p, si))
    return LINLI_ENOTFOUND;
  const struct sess *s = p->sess ? p->sess[si] : NULL;
  *out = (struct node_scope_sync){s ? s->done_ms : 0, s ? s->done_sent : 0, s ? s->done_need : 0};
  return 0;
}

int node_sync_now(struct node *n)
{
  int due = 0;
  for (int i = 0; i < n->n_peers; i++) {
    struct peer *p = &n->peers[i];
    if (!p->up || !p->hello || !p->dialer)
      continue;
    p->last_sync_ms = 0; /* due at once: node_tick starts the round */
    due++;
  }
  if (due && n->env.timer)
    n->env.timer(n->env.ctx, n->env.now_ms(n->env.ctx));
  return due;
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

