/* The ZeroMQ transport: helpers, the node environment, the control socket,
 * lifecycle and the loop. Contract: transport.h; shared state: transport_int.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <grp.h>
#include <unistd.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "net.h"
#include "transport_int.h"

/* ---- small helpers ---- */

void transport__log(struct transport *t, const char *fmt, ...)
{
  char line[512];
  va_list ap;
  if (!t->hooks.log)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  t->hooks.log(t->hooks.arg, line);
}

static uint64_t transport__clock_ms(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The node's clock: what feeds its HLC (node_env.now_ms), and the time that
 * certificate validity and revocations are compared with. Nothing else reads
 * the wall clock: waits, ticks and rate windows use transport__mono(). */
uint64_t transport__wall(void)
{
  return transport__clock_ms(CLOCK_REALTIME);
}

static uint64_t transport__mono(void)
{
  return transport__clock_ms(CLOCK_MONOTONIC);
}

/* Handshake failures come from outside and can flood: at most
 * TRANSPORT_NOISY_PER_MIN lines a minute, then one summary line. */
int transport__noisy_ok(struct transport *t)
{
  uint64_t minute = transport__mono() / 60000u;
  if (minute != t->noisy_window) {
    if (t->noisy_suppressed)
      transport__log(t, "handshake failures not logged count=%llu",
                     (unsigned long long)t->noisy_suppressed);
    t->noisy_window = minute;
    t->noisy_count = t->noisy_suppressed = 0;
  }
  if (t->noisy_count++ < TRANSPORT_NOISY_PER_MIN)
    return 1;
  t->noisy_suppressed++;
  return 0;
}

static int transport__zerr(char *err, size_t errcap, const char *what, const char *where)
{
  int e = zmq_errno();
  if (err && errcap)
    snprintf(err, errcap, "%s %s: %s", what, where ? where : "", zmq_strerror(e));
  return e ? -e : LINLI_EIO;
}

int transport__setint(void *s, int opt, int v)
{
  return zmq_setsockopt(s, opt, &v, sizeof v);
}

static int transport__limits(void *s)
{
  int64_t max = TRANSPORT_MSG_MAX;
  int rc = zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
  rc |= transport__setint(s, ZMQ_SNDHWM, TRANSPORT_HWM);
  rc |= transport__setint(s, ZMQ_RCVHWM, TRANSPORT_HWM);
  rc |= transport__setint(s, ZMQ_LINGER, 0);
  rc |= transport__setint(s, ZMQ_HANDSHAKE_IVL, 10000);
  rc |= transport__setint(s, ZMQ_RECONNECT_IVL, 500);
  rc |= transport__setint(s, ZMQ_RECONNECT_IVL_MAX, 5000);
  rc |= transport__setint(s, ZMQ_HEARTBEAT_IVL, 10000);
  rc |= transport__setint(s, ZMQ_HEARTBEAT_TIMEOUT, 30000);
  return rc ? -1 : 0;
}

static void transport__close(void **s)
{
  if (*s) {
    transport__setint(*s, ZMQ_LINGER, 0);
    zmq_close(*s);
    *s = NULL;
  }
}

/* Sets a CURVE key option from 32 raw bytes, z85-encoded. */
static int transport__curve_opt(void *s, int opt, const uint8_t key[32])
{
  char z85[41];
  int rc = zmq_z85_encode(z85, key, 32) ? zmq_setsockopt(s, opt, z85, 40) : -1;
  sodium_memzero(z85, sizeof z85);
  return rc;
}

/* ---- the node environment ---- */

static uint64_t transport__env_now(void *ctx)
{
  (void)ctx;
  return transport__wall();
}

static void transport__env_random(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  randombytes_buf(buf, len);
}

/* at_ms is on the node's (wall) clock: the ticker turns it into a
 * monotonic deadline now, so a later wall-clock step does not move it. */
static void transport__env_timer(void *ctx, uint64_t at_ms)
{
  struct transport *t = ctx;
  ticker_request(&t->ticker, at_ms, transport__wall(), transport__mono());
}

static void transport__env_log(void *ctx, const char *line)
{
  struct transport *t = ctx;
  if (t->hooks.log)
    t->hooks.log(t->hooks.arg, line);
}

static int transport__send_out(struct transport__link *l, const uint8_t *msg, size_t len)
{
  if (!l->dealer || !l->up_out)
    return LINLI_EIO;
  if (zmq_send(l->dealer, msg, len, ZMQ_DONTWAIT) < 0) {
    l->info.dropped++;
    return zmq_errno() == EAGAIN ? LINLI_ELIMIT : LINLI_EIO;
  }
  return 0;
}

static int transport__send_in(struct transport *t, struct transport__link *l, const uint8_t *msg,
                              size_t len)
{
  if (!l->up_in)
    return LINLI_EIO;
  if (zmq_send(t->router, l->rid, l->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
      zmq_send(t->router, msg, len, ZMQ_DONTWAIT) < 0) {
    int e = zmq_errno();
    l->info.dropped++;
    if (e == EHOSTUNREACH)
      l->down_in = 1; /* gone: brought down after the node call returns */
    return e == EAGAIN ? LINLI_ELIMIT : LINLI_EIO;
  }
  return 0;
}

static int transport__env_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  struct transport *t = ctx;
  if (peer < TRANSPORT_IN_BASE && (int)peer < t->n_links)
    return transport__send_out(&t->links[peer], msg, len);
  if (peer >= TRANSPORT_IN_BASE && (int)(peer - TRANSPORT_IN_BASE) < t->n_links)
    return transport__send_in(t, &t->links[peer - TRANSPORT_IN_BASE], msg, len);
  return LINLI_EINVAL;
}

void transport_env(struct transport *t, struct node_env *env)
{
  memset(env, 0, sizeof *env);
  env->ctx = t;
  env->now_ms = transport__env_now;
  env->random = transport__env_random;
  env->send = transport__env_send;
  env->timer = transport__env_timer;
  env->log = transport__env_log;
}

/* ---- the control socket ---- */

static void transport__control_one(struct transport *t)
{
  zmq_msg_t m;
  struct crdt_buf out;
  zmq_msg_init(&m);
  if (zmq_msg_recv(&m, t->control, ZMQ_DONTWAIT) < 0)
    goto out;
  crdt_buf_init(&out, t->reply, TRANSPORT_REPLY_MAX);
  if (zmq_msg_more(&m)) {
    transport__drain(t->control);
    crdt_w_array(&out, 2);
    crdt_w_int(&out, LINLI_EPROTO);
    crdt_w_cstr(&out, "a control request is one frame");
  } else if (t->hooks.control) {
    t->hooks.control(t->hooks.arg, zmq_msg_data(&m), zmq_msg_size(&m),
                     zmq_msg_gets(&m, "Peer-Address"), &out);
  }
  transport__reap(t);
  transport__sweep(t); /* an import may have certified or revoked keys */
  if (crdt_buf_err(&out)) {
    crdt_buf_init(&out, t->reply, TRANSPORT_REPLY_MAX);
    crdt_w_array(&out, 2);
    crdt_w_int(&out, LINLI_ETOOBIG);
    crdt_w_cstr(&out, linli_strerror(LINLI_ETOOBIG));
  }
  zmq_send(t->control, out.p, out.len, 0);
out:
  zmq_msg_close(&m);
}

/* ---- lifecycle ---- */

static int transport__roster(struct transport *t)
{
  for (int i = 0; i < t->cfg->n_roster; i++) {
    struct transport__link *l = &t->links[i];
    l->peer = t->cfg->roster[i];
    l->fixed = 1;
    l->in_fd = -1;
    if (crypto_sign_ed25519_pk_to_curve25519(l->curve_pk, l->peer.pk) != 0)
      return LINLI_ECRYPTO;
    sodium_bin2hex(l->user_id, sizeof l->user_id, l->curve_pk, sizeof l->curve_pk);
  }
  t->n_links = t->cfg->n_roster;
  return 0;
}

struct transport_control {
  void *ctx, *sock;
};

int transport_control_open(struct transport_control **out, const char *ep, char *err,
                           size_t errcap)
{
  struct transport_control *c = calloc(1, sizeof *c);
  int64_t max = TRANSPORT_CONTROL_MAX;
  int rc = 0;
  *out = NULL;
  if (!c)
    return LINLI_ENOMEM;
  if (!(c->ctx = zmq_ctx_new()) || zmq_ctx_set(c->ctx, ZMQ_BLOCKY, 0) < 0 ||
      !(c->sock = zmq_socket(c->ctx, ZMQ_REP)) ||
      zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max) ||
      transport__setint(c->sock, ZMQ_LINGER, 0) || transport__setint(c->sock, ZMQ_RCVHWM, 16) ||
      zmq_bind(c->sock, ep) < 0) {
    rc = transport__zerr(err, errcap, "cannot bind control socket", ep);
  } else if (strncmp(ep, "ipc://", 6) == 0) {
    /* staff in the group linli may call it (staff.h says what each may do) */
    struct group g, *got = NULL;
    char gb[4096];
    int shared = getgrnam_r(TRANSPORT_CONTROL_GROUP, &g, gb, sizeof gb, &got) == 0 && got &&
                 chown(ep + 6, (uid_t)-1, got->gr_gid) == 0;
    if (chmod(ep + 6, shared ? 0660 : 0600) < 0) {
      rc = -errno;
      if (err && errcap)
        snprintf(err, errcap, "cannot chmod control socket %s: %s", ep + 6, strerror(-rc));
    }
  }
  if (rc) {
    transport_control_close(c);
    return rc;
  }
  *out = c;
  return 0;
}

void transport_control_close(struct transport_control *c)
{
  if (!c)
    return;
  transport__close(&c->sock);
  if (c->ctx)
    zmq_ctx_term(c->ctx);
  free(c);
}

int transport_new(struct transport **out, const struct config *cfg,
                  const struct crdt_identity *id, const struct transport_hooks *hooks,
                  char *err, size_t errcap)
{
  int rc;
  struct transport *t = calloc(1, sizeof *t);
  *out = NULL;
  if (!t || !(t->reply = malloc(TRANSPORT_REPLY_MAX)) ||
      !(t->conns = calloc(cfg->max_inbound + 1, sizeof *t->conns))) {
    if (t)
      free(t->reply);
    free(t);
    return LINLI_ENOMEM;
  }
  t->cfg = cfg;
  t->hooks = *hooks;
  ticker_init(&t->ticker, TRANSPORT_TICK_MS);
  if (crypto_sign_ed25519_pk_to_curve25519(t->curve_pk, id->pk) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(t->curve_sk, id->sk) != 0 || (rc = transport__roster(t))) {
    rc = LINLI_ECRYPTO;
    goto fail;
  }
  if (!(t->ctx = zmq_ctx_new()) || zmq_ctx_set(t->ctx, ZMQ_BLOCKY, 0) < 0) {
    rc = transport__zerr(err, errcap, "cannot create ZeroMQ context", NULL);
    goto fail;
  }
  /* The ZAP handler first: libzmq admits any CURVE key when none answers. */
  t->zap = zmq_socket(t->ctx, ZMQ_REP);
  if (!t->zap || transport__setint(t->zap, ZMQ_LINGER, 0) ||
      zmq_bind(t->zap, "inproc://zeromq.zap.01") < 0) {
    rc = transport__zerr(err, errcap, "cannot start ZAP handler", "inproc://zeromq.zap.01");
    goto fail;
  }
  if (!hooks->control_sock && (rc = transport_control_open(&t->own_control, cfg->control, err, errcap)))
    goto fail;
  t->control = (hooks->control_sock ? hooks->control_sock : t->own_control)->sock;
  *out = t;
  return 0;
fail:
  transport_destroy(t);
  return rc;
}

/* A PAIR socket receiving s's monitor events. */
static void *transport__monitor(struct transport *t, void *s, int idx)
{
  char ep[64];
  snprintf(ep, sizeof ep, "inproc://linli-mon-%d", idx);
  int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(s, ep, events) < 0)
    return NULL;
  void *mon = zmq_socket(t->ctx, ZMQ_PAIR);
  if (mon && (transport__setint(mon, ZMQ_LINGER, 0) || transport__setint(mon, ZMQ_RCVHWM, 10000) ||
              zmq_connect(mon, ep) < 0))
    transport__close(&mon);
  return mon;
}

static int transport__listen(struct transport *t, char *err, size_t errcap)
{
  const char *ep = t->cfg->listen;
  t->router = zmq_socket(t->ctx, ZMQ_ROUTER);
  if (!t->router || transport__limits(t->router) ||
      transport__setint(t->router, ZMQ_ROUTER_MANDATORY, 1) ||
      transport__setint(t->router, ZMQ_CURVE_SERVER, 1) ||
      transport__curve_opt(t->router, ZMQ_CURVE_SECRETKEY, t->curve_sk) ||
      zmq_setsockopt(t->router, ZMQ_ZAP_DOMAIN, "linli", 5) ||
      !(t->router_mon = transport__monitor(t, t->router, CONFIG_ROSTER_MAX)) ||
      zmq_bind(t->router, ep) < 0)
    return transport__zerr(err, errcap, "cannot listen on", ep);
  char last[CONFIG_ENDPOINT_MAX] = "";
  size_t ll = sizeof last;
  const char *colon = NULL;
  if (zmq_getsockopt(t->router, ZMQ_LAST_ENDPOINT, last, &ll) == 0 && (colon = strrchr(last, ':')))
    t->listen_port = atoi(colon + 1);
  transport__log(t, "listening on %s max_inbound=%llu", ep,
                 (unsigned long long)t->cfg->max_inbound);
  return 0;
}

static int transport__dial(struct transport *t, int r, char *err, size_t errcap)
{
  struct transport__link *l = &t->links[r];
  l->dealer = zmq_socket(t->ctx, ZMQ_DEALER);
  if (!l->dealer || transport__limits(l->dealer) ||
      transport__setint(l->dealer, ZMQ_IMMEDIATE, 1) ||
      transport__curve_opt(l->dealer, ZMQ_CURVE_SERVERKEY, l->curve_pk) ||
      transport__curve_opt(l->dealer, ZMQ_CURVE_PUBLICKEY, t->curve_pk) ||
      transport__curve_opt(l->dealer, ZMQ_CURVE_SECRETKEY, t->curve_sk) ||
      !(l->mon = transport__monitor(t, l->dealer, r)) ||
      zmq_connect(l->dealer, l->peer.endpoint) < 0)
    return transport__zerr(err, errcap, "cannot dial", l->peer.endpoint);
  transport__log(t, "dialing peer=%s at %s", l->peer.name, l->peer.endpoint);
  return 0;
}

int transport_start(struct transport *t, struct node *n, char *err, size_t errcap)
{
  int rc = 0;
  t->node = n;
  if (t->cfg->listen[0] && (rc = transport__listen(t, err, errcap)))
    return rc;
  for (int r = 0; r < t->n_links && !rc; r++)
    if (t->links[r].peer.dial)
      rc = transport__dial(t, r, err, errcap);
  sodium_memzero(t->curve_sk, sizeof t->curve_sk); /* the sockets hold their copies */
  return rc;
}

void transport_stop(struct transport *t)
{
  t->stopping = 1;
}

void transport_destroy(struct transport *t)
{
  if (!t)
    return;
  for (int r = 0; r < t->n_links; r++) {
    transport__close(&t->links[r].mon);
    transport__close(&t->links[r].dealer);
  }
  transport__close(&t->router_mon);
  transport__close(&t->router);
  t->control = NULL; /* the caller's (hooks.control_sock), or closed here */
  transport_control_close(t->own_control);
  transport__close(&t->zap);
  if (t->ctx)
    zmq_ctx_term(t->ctx);
  sodium_memzero(t->curve_sk, sizeof t->curve_sk);
  free(t->conv);
  free(t->reply);
  free(t->conns);
  free(t);
}

int transport_link_info(struct transport *t, int r, struct transport_link_info *out)
{
  if (r < 0 || r >= t->n_links)
    return LINLI_ENOTFOUND;
  const struct transport__link *l = &t->links[r];
  *out = l->info;
  out->up_in = l->up_in;
  out->up_out = l->up_out;
  out->fixed = l->fixed;
  out->refused = l->refused;
  out->dial = l->peer.dial;
  memcpy(out->name, l->peer.name, sizeof out->name);
  memcpy(out->pk, l->peer.pk, CRDT_PK_BYTES);
  return 0;
}

void transport_stats(struct transport *t, struct transport_stats *out)
{
  out->inbound = t->n_conns;
  out->inbound_max = (uint32_t)t->cfg->max_inbound;
  out->accepted = t->accepted;
  out->evicted = t->evicted;
}

int transport_link_count(struct transport *t)
{
  return t->n_links;
}

/* ---- the loop ---- */

enum { TRANSPORT_P_ZAP, TRANSPORT_P_CONTROL, TRANSPORT_P_ROUTER, TRANSPORT_P_RMON, TRANSPORT_P_LINKS };

static int transport__items(struct transport *t, zmq_pollitem_t *it, int *who)
{
  int n = 0;
  void *fixed[] = {t->zap, t->control, t->router, t->router_mon};
  for (int i = 0; i < TRANSPORT_P_LINKS; i++) {
    if (!fixed[i])
      continue;
    it[n] = (zmq_pollitem_t){fixed[i], 0, ZMQ_POLLIN, 0};
    who[n++] = -1 - i;
  }
  for (int r = 0; r < t->n_links; r++) {
    if (!t->links[r].dealer)
      continue;
    it[n] = (zmq_pollitem_t){t->links[r].dealer, 0, ZMQ_POLLIN, 0};
    who[n++] = 2 * r;
    it[n] = (zmq_pollitem_t){t->links[r].mon, 0, ZMQ_POLLIN, 0};
    who[n++] = 2 * r + 1;
  }
  return n;
}

static void transport__ready(struct transport *t, int who)
{
  int ev = 0, val = 0;
  if (who == -1 - TRANSPORT_P_CONTROL) {
    transport__control_one(t);
  } else if (who == -1 - TRANSPORT_P_ROUTER) {
    for (int k = 0; k < TRANSPORT_BURST && transport__router_one(t); k++)
      ;
  } else if (who == -1 - TRANSPORT_P_RMON) {
    while (transport__mon_read(t->router_mon, &ev, &val) == 0)
      transport__router_event(t, ev, val);
  } else if (who >= 0 && who % 2 == 0) {
    for (int k = 0; k < TRANSPORT_BURST && transport__dealer_one(t, who / 2); k++)
      ;
  } else if (who >= 0) {
    while (transport__mon_read(t->links[who / 2].mon, &ev, &val) == 0)
      transport__dealer_event(t, who / 2, ev);
  }
}

static int transport__timeout(struct transport *t, uint64_t mono_now)
{
  int ms = ticker_timeout(&t->ticker, mono_now);
  return t->pumping && ms > 1 ? 1 : ms;
}

static void transport__tick(struct transport *t, uint64_t mono_now)
{
  if (!ticker_due(&t->ticker, mono_now))
    return;
  int rc = node_tick(t->node);
  if (rc < 0)
    transport__log(t, "tick failed reason=%s", linli_errname(rc));
  transport__reap(t);
  transport__sweep(t); /* certificates run out */
  transport__conn_sweep(t);
  if (t->hooks.tick)
    t->hooks.tick(t->hooks.arg);
}

int transport_run(struct transport *t, volatile sig_atomic_t *stop)
{
  zmq_pollitem_t it[TRANSPORT_POLL_MAX];
  int who[TRANSPORT_POLL_MAX];
  int n = transport__items(t, it, who);
  while (!t->stopping && !(stop && *stop)) {
    int rc = zmq_poll(it, n, transport__timeout(t, transport__mono()));
    if (rc < 0 && zmq_errno() == EINTR)
      continue;
    if (rc < 0)
      return transport__zerr(NULL, 0, "poll", NULL);
    /* ZAP first, always: a handshake waits on it. */
    if ((rc = transport__zap_serve(t)) < 0) {
      transport__log(t, "ZAP handler failed reason=%s; stopping", zmq_strerror(-rc));
      return rc;
    }
    for (int i = 0; i < n && !t->stopping; i++)
      if (who[i] != -1 - TRANSPORT_P_ZAP && (it[i].revents & ZMQ_POLLIN))
        transport__ready(t, who[i]);
    /* What was waiting is read: verify the ops received together, and
     * store those verified. While some are being verified, poll briefly. */
    int pending = node_pump(t->node);
    if (pending < 0)
      transport__log(t, "received ops not stored; the next sync brings them again");
    t->pumping = pending > 0;
    transport__reap(t);
    transport__sweep(t); /* the ops may have certified or revoked keys */
    transport__tick(t, transport__mono());
  }
  return 0;
}
