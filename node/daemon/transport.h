/* transport: the daemon's ZeroMQ binding of the node core.
 *
 * All ZeroMQ code of linli lives in transport*.c (transport_int.h lists the
 * files). A transport owns one ZeroMQ context and these sockets:
 *
 *   ZAP     REP on inproc://zeromq.zap.01, bound first, before any other
 *           socket binds or connects. It answers every handshake of the
 *           ROUTER: domain must be "linli", mechanism CURVE, and the client's
 *           CURVE key one derived from a roster key (config `peer` and
 *           `allow` lines) or, with trust on (config `hub`), from a key the
 *           node's trust state admits now (trust_admits: certified, valid,
 *           not revoked); a revoked key is refused even with a roster line.
 *           The User-Id it hands back is the hex of that CURVE key. It is served by the same loop as everything else, so
 *           it cannot die while the daemon serves: if receiving on it fails,
 *           transport_run() returns an error and the daemon stops.
 *   ROUTER  bound on config `listen` (if any), CURVE server, ZAP domain
 *           "linli". A message's peer is the roster entry named by its
 *           User-Id metadata, never its routing id. The first message from a
 *           roster node whose inbound link is down brings it up
 *           (node_peer_up(dialer = 0)); the socket monitor's DISCONNECTED
 *           event for that connection brings it down.
 *   DEALER  one per `peer` line, CURVE client with the peer's server key
 *           (derived from its Ed25519 key); its monitor's
 *           HANDSHAKE_SUCCEEDED brings the link up (node_peer_up(dialer = 1)),
 *           DISCONNECTED brings it down.
 *   CONTROL REP on config `control` (ipc://), chmod 0600 right after bind;
 *           each request goes to hooks.control, whose reply is sent back.
 *
 * Links: one per roster entry (in config order), then one per certified key
 * without a roster line that connected in (named by its certificate's
 * community, or "hub", "-" and the first 8 hex digits of its key; at most
 * TRANSPORT_CERT_LINKS). Node peer ids: link i
 * is peer i on its outgoing (DEALER) link and peer TRANSPORT_IN_BASE + i on
 * its incoming (ROUTER) link, so two nodes that both dial each other run two
 * independent links; certified links only come in.
 *
 * With trust on, the allow-list follows the trust state while running: after
 * every received message, control request and tick, each link whose key is no
 * longer admitted (revoked, or its certificate ran out) is closed: its
 * inbound connection is shut down, its routing id forgotten, its node
 * sessions ended, its dialing stopped, and its messages dropped from then on
 * (log `revoked peer=NAME`).
 *
 * The CURVE key pair is derived from the node's Ed25519 identity
 * (crypto_sign_ed25519_{pk,sk}_to_curve25519). Limits on every socket:
 * ZMQ_MAXMSGSIZE = TRANSPORT_MSG_MAX, SNDHWM/RCVHWM = TRANSPORT_HWM messages
 * (so at most TRANSPORT_HWM * TRANSPORT_MSG_MAX bytes buffered per peer and
 * direction), handshake 10 s, reconnect 0.5 s backing off to 5 s, heartbeats
 * every 10 s (a link silent for 30 s is dropped), linger 0.
 *
 * Inbound connections: the ROUTER monitor's ACCEPTED events are tracked
 * until the connection disconnects or its first message names a link. At
 * most config `max_inbound` such unidentified connections are kept: past
 * it the oldest is shut down (after checking its fd still is a connection
 * to our listening port). A handshake that does not finish in 10 s is
 * dropped by libzmq. Counters: transport_stats().
 *
 * Time: the node's clock (node_env.now_ms, which feeds the HLC) and the
 * time certificates and revocations are checked against are CLOCK_REALTIME
 * in ms; every wait, tick and rate window runs on CLOCK_MONOTONIC
 * (ticker.h), so a step of the wall clock neither stalls nor bunches them.
 * Randomness is randombytes_buf: the transport is the real-world
 * environment; the simulator has its own.
 * No global state: a process may hold several transports.
 */
#ifndef LINLI_TRANSPORT_H
#define LINLI_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "control.h"
#include "crdt.h"
#include "node.h"

#define TRANSPORT_IN_BASE CONFIG_ROSTER_MAX
#define TRANSPORT_CERT_LINKS 1024 /* certified keys without a roster line */
#define TRANSPORT_LINKS_MAX (CONFIG_ROSTER_MAX + TRANSPORT_CERT_LINKS)
#define TRANSPORT_MSG_MAX (NET_MSG_MAX + 64u * 1024u)
#define TRANSPORT_HWM 32 /* messages queued per peer and direction */
#define TRANSPORT_CONTROL_MAX CONTROL_REQ_MAX /* bytes of a control request */
#define TRANSPORT_REPLY_MAX CONTROL_REPLY_MAX  /* bytes of a control reply */

struct transport;
struct transport_control;

struct transport_hooks {
  void *arg;
  /* One event, no newline, no personal data. */
  void (*log)(void *arg, const char *line);
  /* A control request (req, len bytes, unchecked) from peer (libzmq's
   * Peer-Address: "HOST:UID:GID:PID" on an ipc:// socket; NULL if none): write
   * the reply into out (TRANSPORT_REPLY_MAX bytes); it is sent as is. To
   * end the daemon after this reply, call transport_stop(). */
  void (*control)(void *arg, const uint8_t *req, size_t len, const char *peer,
                  struct crdt_buf *out);
  /* Optional: called on the loop's thread after each node_tick (at least
   * every second), for the daemon's own periodic work. */
  void (*tick)(void *arg);
  /* Optional: a control socket the caller opened (transport_control_open)
   * and keeps across transports, so that a reload closes no connection of
   * a client and loses no request; NULL: the transport binds cfg->control
   * itself and closes it in transport_destroy. */
  struct transport_control *control_sock;
};

/* The control socket alone (its own ZeroMQ context): bound to endpoint ep.
 * An ipc:// one is made mode 0660 in the group TRANSPORT_CONTROL_GROUP
 * when that group exists (its members may call it; staff.h says what each
 * may do), else 0600. 0, or an error with err set. */
#define TRANSPORT_CONTROL_GROUP "linli"
int transport_control_open(struct transport_control **out, const char *ep, char *err,
                           size_t errcap);
void transport_control_close(struct transport_control *c);

/* Per link, for status. */
struct transport_link_info {
  char name[CONFIG_NAME_MAX + 1];
  uint8_t pk[CRDT_PK_BYTES];
  int fixed;              /* from a peer/allow line (else admitted by certificate) */
  int dial;               /* a peer line: this node dials it */
  int refused;            /* revoked or no longer certified */
  int up_out, up_in;      /* the DEALER / ROUTER link is up */
  uint64_t bad_msgs;      /* messages the node refused (malformed, oversized, ...) */
  uint64_t dropped;       /* messages not sent: queue full or connection gone */
};

/* Transport-wide counters, for the control verb "limits". */
struct transport_stats {
  uint32_t inbound;       /* accepted connections not yet identified as a link */
  uint32_t inbound_max;   /* config max_inbound */
  uint64_t accepted;      /* inbound TCP connections accepted */
  uint64_t evicted;       /* unidentified connections shut down over max_inbound */
};

/* Starts the ZAP handler, then binds the control socket. Nothing touches the
 * network yet. *out is NULL on failure; err gets a sentence. */
int transport_new(struct transport **out, const struct config *cfg,
                  const struct crdt_identity *id, const struct transport_hooks *hooks,
                  char *err, size_t errcap);
/* The node environment bound to t: clock, random, send, timer, log. */
void transport_env(struct transport *t, struct node_env *env);
/* Binds the ROUTER and connects the DEALERs; from now on messages go to n. */
int transport_start(struct transport *t, struct node *n, char *err, size_t errcap);
/* Serves until *stop becomes non-zero or transport_stop() is called (0), or
 * the ZAP handler or the context fails (an error). */
int transport_run(struct transport *t, volatile sig_atomic_t *stop);
void transport_stop(struct transport *t);
/* Closes every socket (linger 0) and the context; the node is not closed. */
void transport_destroy(struct transport *t);

/* Links are numbered 0 .. transport_link_count() - 1; the roster's first. */
int transport_link_count(struct transport *t);
int transport_link_info(struct transport *t, int link, struct transport_link_info *out);
void transport_stats(struct transport *t, struct transport_stats *out);

/* The client side of the control socket, for the CLI: sends req to endpoint
 * and copies the reply into reply (cap bytes). Returns the reply's length,
 * -ETIMEDOUT if no reply came within timeout_ms, LINLI_ETOOBIG if it did not
 * fit. */
int transport_request(const char *endpoint, const uint8_t *req, size_t len, uint8_t *reply,
                      size_t cap, int timeout_ms);

/* A client of the control socket that lives for a whole CLI run: one
 * ZeroMQ context and one REQ socket (ZMQ_REQ_RELAXED and ZMQ_REQ_CORRELATE,
 * so a request whose reply was lost can be followed by another). */
struct transport_client;
int transport_client_new(struct transport_client **out, const char *endpoint);
/* Sends req; 0 once sent, or the error. */
int transport_client_send(struct transport_client *c, const uint8_t *req, size_t len);
/* Waits up to timeout_ms for the reply to the last request: its length,
 * with *reply valid until the next call, or -ETIMEDOUT (wait again, or send
 * another request), or another error. */
int transport_client_recv(struct transport_client *c, const uint8_t **reply, int timeout_ms);
void transport_client_free(struct transport_client *c);

#endif
