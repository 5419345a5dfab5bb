/* The transport's links: inbound connections not yet identified, links up
 * and down, and receiving. Part of the transport (transport_int.h). */
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
void transport__conn_sweep(struct transport *t)
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
void transport__reap(struct transport *t)
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
void transport__sweep(struct transport *t)
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

void transport__drain(void *s)
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
int transport__router_one(struct transport *t)
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
int transport__dealer_one(struct transport *t, int r)
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
int transport__mon_read(void *mon, int *event, int *value)
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

void transport__dealer_event(struct transport *t, int r, int ev)
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
void transport__router_event(struct transport *t, int ev, int fd)
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
