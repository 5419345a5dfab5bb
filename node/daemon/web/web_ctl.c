/* The web console as a client of linlid's control socket: writes and
 * status go to the daemon's loop exactly as the CLI's do (web.h,
 * "Threads"; the protocol: docs/operator.md "Control protocol"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "transport.h"
#include "web_int.h"

#define WEB_CTL_TIMEOUT_MS 10000

int web_ctl_write(struct web *w, const struct dom_change *ch, const char *by,
                  uint8_t id[CRDT_ID_BYTES], char *msg, size_t cap)
{
  uint8_t req[CRDT_BODY_MAX_BYTES + 1024], reply[512], body[CRDT_BODY_MAX_BYTES];
  const uint8_t *bp = ch->body;
  size_t bl = ch->body_len;
  struct crdt_buf b;
  if (by && by[0] && dom_by_carried(ch->coll, strlen(ch->coll), ch->kind)) {
    crdt_buf_init(&b, body, sizeof body); /* who wrote it: this account */
    int rc = dom_body_by(ch->body, ch->body_len, by, 0, &b);
    if (rc)
      return rc;
    bp = body;
    bl = b.len;
  }
  struct crdt_mp r;
  uint32_t n, len;
  int64_t code;
  const uint8_t *got_id;
  msg[0] = 0;
  crdt_buf_init(&b, req, sizeof req);
  crdt_w_array(&b, 7);
  crdt_w_cstr(&b, "write");
  crdt_w_cstr(&b, ch->scope);
  crdt_w_cstr(&b, ch->coll);
  crdt_w_cstr(&b, ch->key);
  crdt_w_uint(&b, (uint64_t)ch->kind);
  crdt_w_bin(&b, bp, bl);
  crdt_w_bin(&b, ch->parents, (size_t)ch->n_parents * CRDT_ID_BYTES);
  if (crdt_buf_err(&b))
    return LINLI_ETOOBIG;
  int got = transport_request(w->cfg->control, b.p, b.len, reply, sizeof reply, WEB_CTL_TIMEOUT_MS);
  if (got < 0) {
    snprintf(msg, cap, "linlid did not answer on its control socket (%s)", linli_strerror(got));
    return got;
  }
  crdt_mp_init(&r, reply, (size_t)got);
  if (crdt_mp_array(&r, &n) || n != 2 || crdt_mp_int(&r, &code))
    return LINLI_EPROTO;
  if (code < 0) {
    const char *m;
    uint32_t ml;
    if (crdt_mp_str(&r, &m, &ml) == 0)
      snprintf(msg, cap, "%.*s", (int)ml, m);
    return (int)code;
  }
  if (crdt_mp_bin(&r, &got_id, &len) || len != CRDT_ID_BYTES)
    return LINLI_EPROTO;
  memcpy(id, got_id, CRDT_ID_BYTES);
  return 0;
}

int web_ctl_write_plan(struct web *w, const struct dom_plan *p, const char *by, int *stored,
                       char *msg, size_t cap)
{
  *stored = 0;
  for (int i = 0; i < p->n; i++) {
    uint8_t id[CRDT_ID_BYTES];
    int rc = web_ctl_write(w, &p->ch[i], by, id, msg, cap);
    if (rc) {
      if (!msg[0])
        snprintf(msg, cap, "%s", linli_strerror(rc));
      atomic_fetch_add(&w->writes_refused, 1);
      return rc;
    }
    (*stored)++;
    atomic_fetch_add(&w->writes_ok, 1);
  }
  return 0;
}

/* ---- status ---- */

/* Sends [verb] and leaves r after the reply's status 0; *n its count. */
static int web__call(struct web *w, const char *verb, uint8_t *reply, struct crdt_mp *r,
                     uint32_t *n, char *msg, size_t cap)
{
  uint8_t req[32];
  struct crdt_buf b;
  int64_t code;
  crdt_buf_init(&b, req, sizeof req);
  crdt_w_array(&b, 1);
  crdt_w_cstr(&b, verb);
  int got = transport_request(w->cfg->control, b.p, b.len, reply, TRANSPORT_REPLY_MAX,
                              WEB_CTL_TIMEOUT_MS);
  if (got < 0) {
    snprintf(msg, cap, "linlid did not answer on its control socket (%s)", linli_strerror(got));
    return got;
  }
  crdt_mp_init(r, reply, (size_t)got);
  if (crdt_mp_array(r, n) || *n < 1 || crdt_mp_int(r, &code) || code != 0) {
    snprintf(msg, cap, "linlid sent a malformed or refused %s reply", verb);
    return LINLI_EPROTO;
  }
  return 0;
}

int web_ctl_status(struct web *w, struct web_status *st, char *msg, size_t cap)
{
  uint8_t *reply = malloc(TRANSPORT_REPLY_MAX);
  struct crdt_mp r;
  uint32_t n = 0, np = 0;
  int rc = LINLI_ENOMEM;
  memset(st, 0, sizeof *st);
  msg[0] = 0;
  if (!reply)
    goto out;
  if ((rc = web__call(w, "status", reply, &r, &n, msg, cap)))
    goto out;
  rc = n != 3 || control_reply_node(&r, &st->node) || crdt_mp_array(&r, &np) || np > WEB_PEERS_MAX ? LINLI_EPROTO : 0;
  for (uint32_t i = 0; i < np && !rc; i++)
    rc = control_reply_peer(&r, &st->peer[i].s) ? LINLI_EPROTO : 0;
  if (rc)
    goto bad;
  st->n_peers = (int)np;
  /* ["limits"]: [0, [inbound, max, accepted, evicted, ops/s, msgs/s], [[name, ops, msgs]...]] */
  if ((rc = web__call(w, "limits", reply, &r, &n, msg, cap)))
    goto out;
  uint32_t k;
  uint64_t skip;
  uint64_t *v[] = {&st->inbound, &st->inbound_max, &st->accepted, &st->evicted, &skip, &skip};
  rc = n != 3 || crdt_mp_array(&r, &k) || k != 6 || control_reply_uints(&r, v, 6) ||
               crdt_mp_array(&r, &np) || (int)np != st->n_peers
           ? LINLI_EPROTO
           : 0;
  for (uint32_t i = 0; i < np && !rc; i++) {
    struct web_peer *p = &st->peer[i];
    char name[CONFIG_NAME_MAX + 1];
    rc = crdt_mp_array(&r, &k) || k != 3 || control_reply_str(&r, name, sizeof name) ||
                 crdt_mp_uint(&r, &p->limited_ops) || crdt_mp_uint(&r, &p->limited_msgs)
             ? LINLI_EPROTO
             : 0;
  }
bad:
  if (rc && !msg[0])
    snprintf(msg, cap, "linlid sent a status reply this console does not read");
out:
  free(reply);
  return rc;
}
