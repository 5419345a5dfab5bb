/* Inside the ZeroMQ transport: the state its four files share. Not a public
 * header: only transport*.c include it; the contract is transport.h.
 *
 *   transport.c         helpers, the node environment, control, lifecycle, loop
 *   transport_zap.c     the ZAP handler: who may connect
 *   transport_link.c    links up and down, inbound connections, receiving
 *   transport_client.c  the CLI's side of the control socket
 */
#ifndef LINLI_TRANSPORT_INT_H
#define LINLI_TRANSPORT_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include <sodium.h>
#include <zmq.h>

#include "ticker.h"
#include "transport.h"
#include "trust.h"

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
  struct transport_control *own_control; /* without hooks.control_sock */
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

/* transport.c */
void transport__log(struct transport *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int transport__noisy_ok(struct transport *t);
int transport__setint(void *s, int opt, int v);
uint64_t transport__wall(void);

/* transport_zap.c */
int transport__admit(struct transport *t, int r, uint64_t now, const char **why);
struct trust *transport__trust(struct transport *t);
int transport__zap_serve(struct transport *t);

/* transport_link.c */
void transport__conn_sweep(struct transport *t);
void transport__dealer_event(struct transport *t, int r, int ev);
int transport__dealer_one(struct transport *t, int r);
void transport__drain(void *s);
int transport__mon_read(void *mon, int *event, int *value);
void transport__reap(struct transport *t);
void transport__router_event(struct transport *t, int ev, int fd);
int transport__router_one(struct transport *t);
void transport__sweep(struct transport *t);

#endif
