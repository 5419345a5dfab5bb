/* The transport's ZAP handler: which CURVE keys may connect, and the links
 * certified keys get. Part of the transport (transport_int.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "net.h"
#include "transport_int.h"

/* ---- the ZAP handler ---- */

struct trust *transport__trust(struct transport *t)
{
  return t->node ? node_trust(t->node) : NULL;
}

/* 1 if link r may talk now; else 0 and *why. Without trust: the roster
 * lines. With trust: not revoked, and on a roster line or certified. */
int transport__admit(struct transport *t, int r, uint64_t now, const char **why)
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
int transport__zap_serve(struct transport *t)
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
