/* The ZeroMQ transport: ZAP, ROUTER, DEALERs, monitors, control. Contract:
 * transport.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "net.h"
#include "ticker.h"
#include "transport.h"
#include "trust.h"

#define TRANSPORT_RID_MAX 256
#define TRANSPORT_BURST 4 /* messages read from one socket per loop turn: control stays responsive */
#define TRANSPORT_TICK_MS 1000     /* node_tick at least this often */
#define TRANSPORT_NOISY_PER_MIN 30 /* handshake failure lines logged per minute */
#define TRANSPORT_ZAP_FRAMES 8
#define TRANSPORT_POLL_MAX (4 + 2 * CONFIG_ROSTER_MAX)

struct transport__link {
  struct config_peer peer; /* a copy of its peer/allow line, or a certified key */
  int fixed;               /* 1: from a peer/allow line */
  int refused;             /* revoked or no longer certified: its traffic is dropped */
  uint8_t curve_pk[crypto_box_PUBLICKEYBYTES];
  char user_id[2 * crypto_box_PUBLICKEYBYTES + 1]; /* hex, as the ZAP handler hands it out */
  void *dealer, *mon;
  int up_out, up_in, down_in, down_out;
  int last_event; /* the last DEALER monitor event logged */
  uint8_t rid[TRANSPORT_RID_MAX];
  size_t rid_len;
  int in_fd;
  struct sockaddr_storage in_addr; /* the inbound connection's peer, to check in_fd */
  socklen_t in_addr_len;
  struct transport_link_info info;
};

/* Ed25519 -> CURVE conversions of certified keys, sorted by ed. */
struct transport__conv {
  uint8_t ed[CRDT_PK_BYTES];
  uint8_t curve[crypto_box_PUBLICKEYBYTES];
};

/* An accepted connection not yet identified as a link. */
struct transport__conn {
  int fd;
};

struct transport {
  const struct config *cfg;
  struct transport_hooks hooks;
  struct node *node;
  void *ctx, *zap, *control, *router, *router_mon;
  struct transport__link links[TRANSPORT_LINKS_MAX];
  int n_links; /* the roster's first, then keys admitted by certificate */
  struct transport__conv *conv;
  size_t n_conv, cap_conv;
  uint8_t curve_pk[crypto_box_PUBLICKEYBYTES];
  uint8_t curve_sk[crypto_box_SECRETKEYBYTES];
  struct ticker ticker; /* node_tick on the monotonic clock (ticker.h) */
  int pumping; /* received ops are being verified: poll within 1 ms */
  uint64_t noisy_window, noisy_count, noisy_suppressed;
  int zap_link; /* the link the last ZAP request's key matched, or -1 */
  struct transport__conn *conns; /* oldest first; max_inbound + 1 slots */
  uint32_t n_conns;
  int listen_port;               /* the ROUTER's bound TCP port, to check fds */
  uint64_t accepted, evicted;
  int stopping;
  uint8_t *reply;
};

/* ---- small helpers ---- */

static void transport__log(struct transport *t, const char *fmt, ...)
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
static uint64_t transport__wall(void)
{
  return transport__clock_ms(CLOCK_REALTIME);
}

static uint64_t transport__mono(void)
{
  return transport__clock_ms(CLOCK_MONOTONIC);
}

/* Handshake failures come from outside and can flood: at most
 * TRANSPORT_NOISY_PER_MIN lines a minute, then one summary line. */
static int transport__noisy_ok(struct transport *t)
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

static int transport__setint(void *s, int opt, int v)
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

/* ---- the ZAP handler ---- */

static struct trust *transport__trust(struct transport *t)
{
  return t->node ? node_trust(t->node) : NULL;
}

/* 1 if link r may talk now; else 0 and *why. Without trust: the roster
 * lines. With trust: not revoked, and on a roster line or certified. */
static int transport__admit(struct transport *t, int r, uint64_t now, const char **why)
{
  struct transport__link *l = &t->links[r];
  struct trust *tr = transport__trust(t);
  if (!tr) {
    *why = "not-on-roster";
    return l->fixed;
  }
  if (trust_revoked_at(tr, l->peer.pk) <= now) {
    *why = "revoked";
    return 0;
  }
  *why = "no-valid-certificate";
  return l->fixed || trust_admits(tr, l->peer.pk, now);
}

/* The CURVE key of a certified Ed25519 key, converted once. */
static int transport__curve_of(struct transport *t, const uint8_t *ed, uint8_t *curve)
{
  size_t lo = 0, hi = t->n_conv;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(t->conv[mid].ed, ed, CRDT_PK_BYTES) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t->n_conv && memcmp(t->conv[lo].ed, ed, CRDT_PK_BYTES) == 0) {
    memcpy(curve, t->conv[lo].curve, crypto_box_PUBLICKEYBYTES);
    return 0;
  }
  if (crypto_sign_ed25519_pk_to_curve25519(curve, ed) != 0)
    return LINLI_ECRYPTO;
  if (t->n_conv == t->cap_conv) {
    size_t cap = t->cap_conv ? 2 * t->cap_conv : 64;
    struct transport__conv *c = realloc(t->conv, cap * sizeof *c);
    if (!c)
      return 0; /* not memoised this time */
    t->conv = c;
    t->cap_conv = cap;
  }
  memmove(t->conv + lo + 1, t->conv + lo, (t->n_conv - lo) * sizeof *t->conv);
  memcpy(t->conv[lo].ed, ed, CRDT_PK_BYTES);
  memcpy(t->conv[lo].curve, curve, crypto_box_PUBLICKEYBYTES);
  t->n_conv++;
  return 0;
}

/* A link for a certified key that has no roster line, named by what its
 * certificate says: its community (or "hub"), "-" and the first 8 hex
 * digits of its key. -1 when the table is full. */
static int transport__add_link(struct transport *t, const uint8_t *ed, const uint8_t *curve,
                               const char *who)
{
  char hex[2 * CRDT_PK_BYTES + 1];
  if (t->n_links == TRANSPORT_LINKS_MAX)
    return -1;
  struct transport__link *l = &t->links[t->n_links];
  memset(l, 0, sizeof *l);
  sodium_bin2hex(hex, sizeof hex, ed, CRDT_PK_BYTES);
  snprintf(l->peer.name, sizeof l->peer.name, "%.23s-%.8s", who, hex);
  memcpy(l->peer.pk, ed, CRDT_PK_BYTES);
  memcpy(l->curve_pk, curve, crypto_box_PUBLICKEYBYTES);
  sodium_bin2hex(l->user_id, sizeof l->user_id, curve, crypto_box_PUBLICKEYBYTES);
  l->in_fd = -1;
  transport__log(t, "admitted certified key peer=%s", l->peer.name);
  return t->n_links++;
}

/* A CURVE key with no link yet: the certified key it derives from gets one. */
static int transport__zap_certified(struct transport *t, struct trust *tr, const uint8_t *key,
                                    uint64_t now, const char **why)
{
  uint8_t curve[crypto_box_PUBLICKEYBYTES];
  struct trust_info ti;
  size_t n = trust_count(tr);
  *why = "not-on-roster";
  if (transport__curve_of(t, t->cfg->hub_pk, curve) == 0 &&
      sodium_memcmp(curve, key, sizeof curve) == 0)
    return trust_admits(tr, t->cfg->hub_pk, now)
               ? transport__add_link(t, t->cfg->hub_pk, curve, "hub")
               : -1;
  for (size_t i = 0; i < n; i++) {
    if (trust_get(tr, i, &ti) || !trust_admits(tr, ti.pk, now) ||
        transport__curve_of(t, ti.pk, curve) || sodium_memcmp(curve, key, sizeof curve) != 0)
      continue;
    int r = transport__add_link(t, ti.pk, curve, ti.hub_role ? "hub" : ti.community);
    if (r < 0)
      *why = "too-many-links";
    return r;
  }
  return -1;
}

static int transport__zap_lookup(struct transport *t, const uint8_t *key, size_t len,
                                 const char **why)
{
  uint64_t now = transport__wall();
  *why = "not-on-roster";
  t->zap_link = -1;
  if (len != crypto_box_PUBLICKEYBYTES)
    return -1;
  for (int i = 0; i < t->n_links; i++)
    if (sodium_memcmp(t->links[i].curve_pk, key, len) == 0) {
      t->zap_link = i;
      if (!transport__admit(t, i, now, why))
        return -1;
      t->links[i].refused = 0;
      return i;
    }
  struct trust *tr = transport__trust(t);
  return tr ? transport__zap_certified(t, tr, key, now, why) : -1;
}

static int transport__frame_is(zmq_msg_t *m, const char *s)
{
  size_t n = strlen(s);
  return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

/* Decides one request: the roster index, or -1 with *why set. */
static int transport__zap_decide(struct transport *t, zmq_msg_t *f, int n, const char **why)
{
  t->zap_link = -1;
  if (n < 7 || !transport__frame_is(&f[0], "1.0")) {
    *why = "malformed-request";
    return -1;
  }
  if (!transport__frame_is(&f[2], "linli")) {
    *why = "wrong-domain";
    return -1;
  }
  if (!transport__frame_is(&f[5], "CURVE")) {
    *why = "not-curve";
    return -1;
  }
  return transport__zap_lookup(t, zmq_msg_data(&f[6]), zmq_msg_size(&f[6]), why);
}

static void transport__zap_reply(struct transport *t, zmq_msg_t *reqid, int r)
{
  const char *uid = r >= 0 ? t->links[r].user_id : "";
  zmq_send(t->zap, "1.0", 3, ZMQ_SNDMORE);
  zmq_send(t->zap, reqid ? zmq_msg_data(reqid) : "", reqid ? zmq_msg_size(reqid) : 0,
           ZMQ_SNDMORE);
  zmq_send(t->zap, r >= 0 ? "200" : "400", 3, ZMQ_SNDMORE);
  zmq_send(t->zap, r >= 0 ? "OK" : "refused", r >= 0 ? 2 : 7, ZMQ_SNDMORE);
  zmq_send(t->zap, uid, strlen(uid), ZMQ_SNDMORE);
  zmq_send(t->zap, "", 0, 0);
}

static void transport__zap_log_refusal(struct transport *t, zmq_msg_t *f, int n, const char *why)
{
  char key[17] = "-", addr[64] = "-";
  if (n >= 7 && zmq_msg_size(&f[6]) >= 8)
    sodium_bin2hex(key, sizeof key, zmq_msg_data(&f[6]), 8);
  if (n >= 4) {
    size_t k = zmq_msg_size(&f[3]) < sizeof addr - 1 ? zmq_msg_size(&f[3]) : sizeof addr - 1;
    memcpy(addr, zmq_msg_data(&f[3]), k);
    addr[k] = 0;
    for (size_t i = 0; i < k; i++)
      if (addr[i] < 0x21 || addr[i] > 0x7e)
        addr[i] = '?';
  }
  if (transport__noisy_ok(t) && n >= 7 && t->zap_link >= 0)
    transport__log(t, "refused connection peer=%s from=%s reason=%s", t->links[t->zap_link].peer.name,
                   addr, why);
  else if (transport__noisy_ok(t))
    transport__log(t, "refused connection key=%s from=%s reason=%s", key, addr, why);
}

/* Answers every pending ZAP request. Returns an error if the socket fails:
 * then nobody vets handshakes and the daemon must stop serving. */
static int transport__zap_serve(struct transport *t)
{
  for (;;) {
    zmq_msg_t f[TRANSPORT_ZAP_FRAMES];
    int n = 0, more = 1, rc = 0;
    while (more) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, t->zap, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&m);
        rc = (n == 0 && e == EAGAIN) ? 1 : (e == EINTR && n == 0 ? 1 : -e);
        break;
      }
      more = zmq_msg_more(&m);
      if (n < TRANSPORT_ZAP_FRAMES)
        f[n++] = m;
      else
        zmq_msg_close(&m);
    }
    if (rc == 0) {
      const char *why = NULL;
      int r = transport__zap_decide(t, f, n, &why);
      if (r < 0)
        transport__zap_log_refusal(t, f, n, why);
      transport__zap_reply(t, n >= 2 ? &f[1] : NULL, r);
    }
    for (int i = 0; i < n; i++)
      zmq_msg_close(&f[i]);
    if (rc)
      return rc > 0 ? 0 : rc;
  }
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

/* ---- inbound connections not yet identified ---- */

static void transport__conn_forget(struct transport *t, int fd)
{
  for (uint32_t i = 0; i < t->n_conns; i++)
    if (t->conns[i].fd == fd) {
      memmove(t->conns + i, t->conns + i + 1, (t->n_conns - i - 1) * sizeof *t->conns);
      t->n_conns--;
      return;
    }
}

/* 1 if fd is a TCP connection accepted on our listening port. */
static int transport__is_inbound(struct transport *t, int fd)
{
  struct sockaddr_storage a;
  socklen_t al = sizeof a;
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &al) < 0)
    return 0;
  if (a.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&a)->sin_port) == t->listen_port;
  if (a.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&a)->sin6_port) == t->listen_port;
  return 0;
}

static void transport__conn_accepted(struct transport *t, int fd)
{
  t->accepted++;
  transport__conn_forget(t, fd); /* a stale entry: that fd closed unseen */
  t->conns[t->n_conns++] = (struct transport__conn){fd};
  while (t->n_conns > t->cfg->max_inbound) {
    int old = t->conns[0].fd, linked = 0;
    transport__conn_forget(t, old);
    for (int r = 0; r < t->n_links; r++)
      linked |= t->links[r].up_in && t->links[r].in_fd == old;
    if (!linked && transport__is_inbound(t, old) && shutdown(old, SHUT_RDWR) == 0)
      t->evicted++;
  }
}

/* Drops entries whose fd was closed without a DISCONNECTED event. */
static void transport__conn_sweep(struct transport *t)
{
  for (uint32_t i = 0; i < t->n_conns;)
    if (fcntl(t->conns[i].fd, F_GETFD) < 0 || !transport__is_inbound(t, t->conns[i].fd))
      transport__conn_forget(t, t->conns[i].fd);
    else
      i++;
}

/* ---- links up and down ---- */

static void transport__in_down(struct transport *t, int r, const char *why)
{
  struct transport__link *l = &t->links[r];
  l->down_in = 0;
  if (!l->up_in)
    return;
  l->up_in = 0;
  l->in_fd = -1;
  transport__log(t, "link down peer=%s dir=in reason=%s", l->peer.name, why);
  node_peer_down(t->node, TRANSPORT_IN_BASE + (uint32_t)r);
}

static void transport__out_down(struct transport *t, int r, const char *why)
{
  struct transport__link *l = &t->links[r];
  l->down_out = 0;
  if (!l->up_out)
    return;
  l->up_out = 0;
  transport__log(t, "link down peer=%s dir=out reason=%s", l->peer.name, why);
  node_peer_down(t->node, (uint32_t)r);
}

/* Links a send found gone; called after each node call. */
static void transport__reap(struct transport *t)
{
  for (int r = 0; r < t->n_links; r++) {
    if (t->links[r].down_in)
      transport__in_down(t, r, "unreachable");
    if (t->links[r].down_out)
      transport__out_down(t, r, "unreachable");
  }
}

static void transport__in_up(struct transport *t, int r, const uint8_t *rid, size_t rid_len, int fd)
{
  struct transport__link *l = &t->links[r];
  if (l->up_in && l->rid_len == rid_len && memcmp(l->rid, rid, rid_len) == 0)
    return;
  if (l->up_in)
    transport__in_down(t, r, "replaced");
  memcpy(l->rid, rid, rid_len);
  l->rid_len = rid_len;
  l->in_fd = fd;
  transport__conn_forget(t, fd);
  l->in_addr_len = sizeof l->in_addr;
  if (fd < 0 || getpeername(fd, (struct sockaddr *)&l->in_addr, &l->in_addr_len) < 0)
    l->in_addr_len = 0;
  l->up_in = 1;
  transport__log(t, "link up peer=%s dir=in id=%u", l->peer.name, TRANSPORT_IN_BASE + r);
  int rc = node_peer_up(t->node, TRANSPORT_IN_BASE + (uint32_t)r, 0);
  if (rc)
    transport__log(t, "peer up failed peer=%s reason=%s", l->peer.name, linli_errname(rc));
}

/* Closes the inbound connection of link r: libzmq has no call for one
 * ROUTER peer, so the socket is shut down under it (libzmq then sees the
 * peer gone and closes it), after checking the fd still is that peer's. */
static void transport__close_in(struct transport *t, int r)
{
  struct transport__link *l = &t->links[r];
  struct sockaddr_storage a;
  socklen_t al = sizeof a;
  if (l->in_fd >= 0 && l->in_addr_len && getpeername(l->in_fd, (struct sockaddr *)&a, &al) == 0 &&
      al == l->in_addr_len && memcmp(&a, &l->in_addr, al) == 0)
    shutdown(l->in_fd, SHUT_RDWR);
  l->rid_len = 0;
}

/* Trust may have changed (ops arrived, time passed): every link whose key
 * is no longer admitted is closed and its traffic dropped from now on. */
static void transport__sweep(struct transport *t)
{
  if (!transport__trust(t))
    return;
  uint64_t now = transport__wall();
  for (int r = 0; r < t->n_links; r++) {
    struct transport__link *l = &t->links[r];
    const char *why = NULL;
    if (transport__admit(t, r, now, &why)) {
      l->refused = 0;
      continue;
    }
    if (l->refused)
      continue;
    l->refused = 1;
    if (strcmp(why, "revoked") == 0)
      transport__log(t, "revoked peer=%s", l->peer.name);
    else
      transport__log(t, "certificate not valid peer=%s reason=%s", l->peer.name, why);
    if (l->up_in) {
      transport__close_in(t, r);
      transport__in_down(t, r, why);
    }
    transport__out_down(t, r, why);
    if (l->dealer && l->peer.endpoint[0])
      zmq_disconnect(l->dealer, l->peer.endpoint); /* stop dialing it */
  }
}

static int transport__user_lookup(struct transport *t, const char *uid)
{
  if (!uid)
    return -1;
  for (int i = 0; i < t->n_links; i++)
    if (strcmp(t->links[i].user_id, uid) == 0)
      return i;
  return -1;
}

/* ---- receiving ---- */

static void transport__drain(void *s)
{
  int more = 1;
  while (more) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      return;
    }
    more = zmq_msg_more(&m);
    zmq_msg_close(&m);
  }
}

static void transport__deliver(struct transport *t, int r, uint32_t peer, zmq_msg_t *data)
{
  struct transport__link *l = &t->links[r];
  int rc = node_receive(t->node, peer, zmq_msg_data(data), zmq_msg_size(data));
  if (rc < 0 && rc != LINLI_ELIMIT) /* the node counts what its rate limits drop */
    l->info.bad_msgs++;
  transport__reap(t);
  transport__sweep(t); /* the ops may have certified or revoked keys */
}

/* One message on the ROUTER: [routing id, data]. 1 if one was read. */
static int transport__router_one(struct transport *t)
{
  zmq_msg_t rid, data;
  int got = 0;
  zmq_msg_init(&rid);
  zmq_msg_init(&data);
  if (zmq_msg_recv(&rid, t->router, ZMQ_DONTWAIT) < 0)
    goto out;
  got = 1;
  if (!zmq_msg_more(&rid) || zmq_msg_recv(&data, t->router, 0) < 0)
    goto out;
  int r = transport__user_lookup(t, zmq_msg_gets(&data, "User-Id"));
  if (r >= 0 && t->links[r].refused) {
    transport__drain(t->router);
    if (transport__noisy_ok(t))
      transport__log(t, "dropped message peer=%s reason=refused", t->links[r].peer.name);
    goto out;
  }
  if (zmq_msg_more(&data) || r < 0 || zmq_msg_size(&rid) > TRANSPORT_RID_MAX) {
    transport__drain(t->router);
    if (r >= 0)
      t->links[r].info.bad_msgs++;
    if (transport__noisy_ok(t))
      transport__log(t, "dropped message reason=%s", r < 0 ? "no-roster-user" : "multipart");
    goto out;
  }
  transport__in_up(t, r, zmq_msg_data(&rid), zmq_msg_size(&rid), zmq_msg_get(&data, ZMQ_SRCFD));
  transport__deliver(t, r, TRANSPORT_IN_BASE + (uint32_t)r, &data);
out:
  zmq_msg_close(&rid);
  zmq_msg_close(&data);
  return got;
}

/* One message on roster r's DEALER. 1 if one was read. */
static int transport__dealer_one(struct transport *t, int r)
{
  struct transport__link *l = &t->links[r];
  zmq_msg_t data;
  int got = 0;
  zmq_msg_init(&data);
  if (zmq_msg_recv(&data, l->dealer, ZMQ_DONTWAIT) < 0)
    goto out;
  got = 1;
  if (zmq_msg_more(&data)) {
    transport__drain(l->dealer);
    l->info.bad_msgs++;
    goto out;
  }
  if (l->up_out && !l->refused)
    transport__deliver(t, r, (uint32_t)r, &data);
out:
  zmq_msg_close(&data);
  return got;
}

/* Reads one monitor event: 0 and the event and its value, or -1 if none. */
static int transport__mon_read(void *mon, int *event, int *value)
{
  zmq_msg_t m;
  int rc = -1;
  zmq_msg_init(&m);
  if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0)
    goto out;
  if (zmq_msg_size(&m) >= 6) {
    const uint8_t *p = zmq_msg_data(&m);
    uint16_t ev;
    uint32_t val;
    memcpy(&ev, p, 2);
    memcpy(&val, p + 2, 4);
    *event = ev;
    *value = (int)val;
    rc = 0;
  }
  int more = zmq_msg_more(&m);
  zmq_msg_close(&m);
  if (more)
    transport__drain(mon);
  else
    rc = -1; /* a monitor event is always two frames */
  return rc;
out:
  zmq_msg_close(&m);
  return rc;
}

static const char *transport__failure(int ev)
{
  switch (ev) {
  case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
    return "auth";
  case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    return "protocol";
  case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    return "other";
  default:
    return NULL;
  }
}

static void transport__dealer_event(struct transport *t, int r, int ev)
{
  struct transport__link *l = &t->links[r];
  const char *fail = transport__failure(ev);
  if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && !l->up_out && !l->refused) {
    l->up_out = 1;
    l->last_event = ev;
    transport__log(t, "link up peer=%s dir=out id=%d", l->peer.name, r);
    int rc = node_peer_up(t->node, (uint32_t)r, 1);
    if (rc)
      transport__log(t, "peer up failed peer=%s reason=%s", l->peer.name, linli_errname(rc));
    transport__reap(t);
  } else if (ev == ZMQ_EVENT_DISCONNECTED) {
    transport__out_down(t, r, "disconnected");
  } else if (fail && l->last_event != ev) {
    l->last_event = ev;
    transport__log(t, "handshake failed peer=%s dir=out reason=%s%s", l->peer.name, fail,
                   ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? " (is this node on its roster?)" : "");
  }
}

/* value: the fd for DISCONNECTED, the ZMTP error code for handshake failures. */
static void transport__router_event(struct transport *t, int ev, int fd)
{
  const char *fail = transport__failure(ev);
  if (ev == ZMQ_EVENT_ACCEPTED) {
    transport__conn_accepted(t, fd);
  } else if (ev == ZMQ_EVENT_DISCONNECTED) {
    transport__conn_forget(t, fd);
    for (int r = 0; r < t->n_links; r++)
      if (t->links[r].up_in && t->links[r].in_fd == fd)
        transport__in_down(t, r, "disconnected");
  } else if (fail && ev != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && transport__noisy_ok(t)) {
    /* auth failures are logged by the ZAP handler, with the key */
    transport__log(t, "handshake failed dir=in reason=%s code=0x%x", fail, (unsigned)fd);
  }
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
    t->hooks.control(t->hooks.arg, zmq_msg_data(&m), zmq_msg_size(&m), &out);
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

static int transport__bind_control(struct transport *t, char *err, size_t errcap)
{
  const char *ep = t->cfg->control;
  t->control = zmq_socket(t->ctx, ZMQ_REP);
  int64_t max = TRANSPORT_CONTROL_MAX;
  if (!t->control || zmq_setsockopt(t->control, ZMQ_MAXMSGSIZE, &max, sizeof max) ||
      transport__setint(t->control, ZMQ_LINGER, 0) ||
      transport__setint(t->control, ZMQ_RCVHWM, 16) || zmq_bind(t->control, ep) < 0)
    return transport__zerr(err, errcap, "cannot bind control socket", ep);
  if (strncmp(ep, "ipc://", 6) == 0 && chmod(ep + 6, 0600) < 0) {
    int e = errno;
    if (err && errcap)
      snprintf(err, errcap, "cannot chmod control socket %s: %s", ep + 6, strerror(e));
    return -e;
  }
  return 0;
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
  if ((rc = transport__bind_control(t, err, errcap)))
    goto fail;
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
  transport__close(&t->control);
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

/* ---- the CLI's side of the control socket ---- */

int transport_request(const char *endpoint, const uint8_t *req, size_t len, uint8_t *reply,
                      size_t cap, int timeout_ms)
{
  int rc;
  void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
  if (!s) {
    rc = LINLI_EIO;
    goto out;
  }
  transport__setint(s, ZMQ_LINGER, 0);
  transport__setint(s, ZMQ_SNDTIMEO, timeout_ms);
  transport__setint(s, ZMQ_RCVTIMEO, timeout_ms);
  if (zmq_connect(s, endpoint) < 0 || zmq_send(s, req, len, 0) < 0) {
    rc = -zmq_errno();
    goto out;
  }
  rc = zmq_recv(s, reply, cap, 0);
  if (rc < 0)
    rc = zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  else if ((size_t)rc > cap)
    rc = LINLI_ETOOBIG;
out:
  if (s)
    zmq_close(s);
  if (ctx)
    zmq_ctx_term(ctx);
  return rc;
}

struct transport_client {
  void *ctx, *s;
  zmq_msg_t reply;
};

int transport_client_new(struct transport_client **out, const char *endpoint)
{
  struct transport_client *c = calloc(1, sizeof *c);
  *out = NULL;
  if (!c)
    return LINLI_ENOMEM;
  zmq_msg_init(&c->reply);
  int rc = LINLI_EIO;
  if (!(c->ctx = zmq_ctx_new()) || !(c->s = zmq_socket(c->ctx, ZMQ_REQ)))
    goto fail;
  transport__setint(c->s, ZMQ_LINGER, 0);
  transport__setint(c->s, ZMQ_REQ_RELAXED, 1);
  transport__setint(c->s, ZMQ_REQ_CORRELATE, 1);
  transport__setint(c->s, ZMQ_SNDTIMEO, 5000);
  if (zmq_connect(c->s, endpoint) < 0) {
    rc = -zmq_errno();
    goto fail;
  }
  *out = c;
  return 0;
fail:
  transport_client_free(c);
  return rc;
}

int transport_client_send(struct transport_client *c, const uint8_t *req, size_t len)
{
  if (zmq_send(c->s, req, len, 0) < 0)
    return zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  return 0;
}

int transport_client_recv(struct transport_client *c, const uint8_t **reply, int timeout_ms)
{
  zmq_pollitem_t it = {c->s, 0, ZMQ_POLLIN, 0};
  int rc = zmq_poll(&it, 1, timeout_ms);
  if (rc < 0)
    return -zmq_errno();
  if (rc == 0)
    return -ETIMEDOUT;
  zmq_msg_close(&c->reply);
  zmq_msg_init(&c->reply);
  if (zmq_msg_recv(&c->reply, c->s, ZMQ_DONTWAIT) < 0)
    return zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  *reply = zmq_msg_data(&c->reply);
  return (int)zmq_msg_size(&c->reply);
}

void transport_client_free(struct transport_client *c)
{
  if (!c)
    return;
  zmq_msg_close(&c->reply);
  if (c->s)
    zmq_close(c->s);
  if (c->ctx)
    zmq_ctx_term(c->ctx);
  free(c);
}
