/* The in-memory network: links (connections between two nodes), message
 * delivery with latency, and the message faults (drop, duplicate, reorder,
 * delay). A link carries messages in order (as TCP does) unless a reorder
 * fault moves one; a message is delivered only if its connection is still
 * the current one and the partition lets it through at delivery time. */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "sim_int.h"

#define SIM_RETRY_MS 250

int sim__edge_add(struct sim *s, uint32_t a, uint32_t b)
{
  if (a == b)
    return 0;
  for (uint32_t i = 0; i < s->nodes[a].n_edges; i++) {
    struct sim_edge *x = &s->edges[s->nodes[a].edges[i]];
    if ((x->a == a && x->b == b) || (x->a == b && x->b == a))
      return 0;
  }
  if (s->n_edges == s->cap_edges) {
    uint32_t cap = s->cap_edges ? s->cap_edges * 2 : 256;
    struct sim_edge *e = realloc(s->edges, cap * sizeof *e);
    if (!e)
      return LINLI_ENOMEM;
    s->edges = e;
    s->cap_edges = cap;
  }
  uint32_t ends[2] = {a, b};
  for (int k = 0; k < 2; k++) {
    struct sim_node *nd = &s->nodes[ends[k]];
    if (nd->n_edges == nd->cap_edges) {
      uint32_t cap = nd->cap_edges ? nd->cap_edges * 2 : 4;
      uint32_t *x = realloc(nd->edges, cap * sizeof *x);
      if (!x)
        return LINLI_ENOMEM;
      nd->edges = x;
      nd->cap_edges = cap;
    }
    nd->edges[nd->n_edges++] = s->n_edges;
  }
  memset(&s->edges[s->n_edges], 0, sizeof s->edges[0]);
  s->edges[s->n_edges].a = a;
  s->edges[s->n_edges].b = b;
  s->n_edges++;
  return 0;
}

static long edge_find(struct sim *s, uint32_t from, uint32_t to)
{
  struct sim_node *nd = &s->nodes[from];
  for (uint32_t i = 0; i < nd->n_edges; i++) {
    struct sim_edge *x = &s->edges[nd->edges[i]];
    if ((x->a == from && x->b == to) || (x->b == from && x->a == to))
      return nd->edges[i];
  }
  return -1;
}

long sim__edge_get(struct sim *s, uint32_t a, uint32_t b)
{
  long e = edge_find(s, a, b);
  if (e < 0 && a != b && sim__edge_add(s, a, b) == 0)
    e = (long)s->n_edges - 1;
  return e;
}

int sim__linked(struct sim *s, uint32_t a, uint32_t b)
{
  long e = edge_find(s, a, b);
  return e >= 0 && s->edges[e].up;
}

int sim__allowed(const struct sim *s, uint32_t from, uint32_t to)
{
  if (!s->partitioned)
    return 1;
  return s->allow[s->nodes[from].group][s->nodes[to].group];
}

static int alive(const struct sim *s, uint32_t i)
{
  return s->nodes[i].n != NULL || s->nodes[i].role == SIM_HOSTILE;
}

/* A connection needs both directions and both ends. */
static int link_wanted(const struct sim *s, const struct sim_edge *x)
{
  return !x->off && alive(s, x->a) && alive(s, x->b) && sim__allowed(s, x->a, x->b) &&
         sim__allowed(s, x->b, x->a);
}

static void hostile_hello(struct sim *s, uint32_t victim)
{
  struct crdt_str sc[NODE_SCOPES_MAX];
  struct sim_node *v = &s->nodes[victim];
  uint32_t n = 0;
  for (uint32_t i = 0; i < v->n_scopes && n < NODE_SCOPES_MAX; i++) /* ascending: c%04u */
    sc[n++] = (struct crdt_str){s->scope_name[v->scopes[i]], (uint32_t)strlen(s->scope_name[v->scopes[i]])};
  for (uint32_t i = 1; i < n; i++)
    for (uint32_t j = i; j > 0 && strcmp(sc[j - 1].p, sc[j].p) > 0; j--) {
      struct crdt_str t = sc[j];
      sc[j] = sc[j - 1];
      sc[j - 1] = t;
    }
  struct crdt_buf b;
  crdt_buf_init(&b, s->scratch, NET_MSG_MAX);
  uint8_t nonce[NET_NONCE_BYTES];
  for (size_t i = 0; i < sizeof nonce; i++)
    nonce[i] = (uint8_t)sim_rng_below(&s->rng, 256);
  if (net_hello_write(&b, NET_PROTO_VERSION, nonce, sc, n) == 0)
    sim__send(s, s->hostile, victim, b.p, b.len, 0);
}

void sim__link_up(struct sim *s, uint32_t e)
{
  struct sim_edge *x = &s->edges[e];
  x->pending = 0;
  if (x->up || !link_wanted(s, x))
    return;
  x->up = 1;
  x->epoch++;
  sim__trace(s, "link up %u>%u epoch=%u", x->a, x->b, x->epoch);
  if (s->nodes[x->b].n && node_peer_up(s->nodes[x->b].n, x->a, 0))
    sim__fail(s, "node_peer_up n%u peer=%u failed", x->b, x->a);
  if (x->a == s->hostile)
    hostile_hello(s, x->b);
  else if (s->nodes[x->a].n && node_peer_up(s->nodes[x->a].n, x->b, 1))
    sim__fail(s, "node_peer_up n%u peer=%u failed", x->a, x->b);
}

void sim__link_down(struct sim *s, uint32_t e)
{
  struct sim_edge *x = &s->edges[e];
  if (!x->up)
    return;
  x->up = 0;
  x->epoch++;
  x->fifo[0] = x->fifo[1] = 0;
  x->tx_free_us[0] = x->tx_free_us[1] = 0;
  sim__trace(s, "link down %u>%u", x->a, x->b);
  if (s->nodes[x->a].n)
    node_peer_down(s->nodes[x->a].n, x->b);
  if (s->nodes[x->b].n)
    node_peer_down(s->nodes[x->b].n, x->a);
}

/* A LINK_DOWN event: the connection of that epoch breaks if it should
 * not exist any more, or always when forced (a lost message broke it). */
void sim__link_down_ev(struct sim *s, uint32_t e, uint32_t epoch, int forced)
{
  struct sim_edge *x = &s->edges[e];
  if (!x->up || x->epoch != epoch)
    return;
  if (forced || !link_wanted(s, x))
    sim__link_down(s, e);
  sim__link_eval(s, e);
}

/* Schedules what the link's state calls for: a connection that should not
 * exist breaks after detect_ms; a missing one is redialled after
 * redial_ms (plus jitter). */
int sim__link_eval(struct sim *s, uint32_t e)
{
  struct sim_edge *x = &s->edges[e];
  int want = link_wanted(s, x);
  if (x->up && !want) {
    struct sim_ev ev = {.at = s->now + s->sc->detect_ms, .kind = SIM_EV_LINK_DOWN,
                        .arg = e, .epoch = x->epoch};
    return sim__push(s, &ev);
  }
  if (!x->up && want && !x->pending) {
    x->pending = 1;
    uint64_t d = s->sc->redial_ms + sim_rng_below(&s->rng, s->sc->redial_ms + 1);
    struct sim_ev ev = {.at = s->now + d, .kind = SIM_EV_LINK_UP, .arg = e};
    return sim__push(s, &ev);
  }
  return 0;
}

/* After a node starts or crashes: a restarted node knows no connection, so
 * the old ones break at once; then every link is re-evaluated. */
void sim__links_of(struct sim *s, struct sim_node *nd)
{
  for (uint32_t i = 0; i < nd->n_edges; i++) {
    uint32_t e = nd->edges[i];
    if (nd->n && s->edges[e].up)
      sim__link_down(s, e);
    sim__link_eval(s, e);
  }
}

static void queue_msg(struct sim *s, uint32_t from, uint32_t to, uint32_t e, const uint8_t *msg,
                      size_t len, uint64_t at)
{
  struct sim_ev ev = {.at = at, .kind = SIM_EV_MSG, .a = from, .b = to, .arg = e,
                      .epoch = s->edges[e].epoch, .len = (uint32_t)len};
  ev.buf = malloc(len ? len : 1);
  if (!ev.buf) {
    sim__fail(s, "out of memory queueing a message");
    return;
  }
  memcpy(ev.buf, msg, len);
  if (sim__push(s, &ev)) {
    free(ev.buf);
    sim__fail(s, "out of memory queueing a message");
  }
}

/* Sends one message over the link between from and to. With faults, the
 * message faults of the scenario apply (never after the heal). */
int sim__send(struct sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len, int faults)
{
  const struct sim_scenario *sc = s->sc;
  long e = edge_find(s, from, to);
  if (e < 0 || !s->edges[e].up)
    return 0; /* no connection: the bytes go nowhere, as on a closed socket */
  struct sim_edge *x = &s->edges[e];
  int dir = x->a == from ? 0 : 1;
  s->bytes += len;
  if (len > s->max_msg)
    s->max_msg = len;
  if (s->converging) {
    enum net_msg_type t = 0;
    s->conv_bytes += len;
    if (dir == 0 && net_msg_type(msg, len, &t) == 0 && t == NET_RECON)
      s->conv_recons++;
  }
  faults = faults && !s->converging;
  if (faults && sim_rng_ppm(&s->rng, sc->drop_ppm)) {
    s->faults[SIM_F_DROP]++;
    sim__trace(s, "drop %u>%u len=%zu", from, to, len);
    if (sc->drop_resets) {
      struct sim_ev ev = {.at = s->now + sc->detect_ms, .kind = SIM_EV_LINK_DOWN, .arg = e,
                          .epoch = x->epoch, .b = 1};
      sim__push(s, &ev);
    }
    return 0;
  }
  uint64_t at = s->now + sim_rng_range(&s->rng, sc->lat_min_ms, sc->lat_max_ms);
  if (sc->bw_bps) { /* one message at a time at bw_bps, then the latency */
    uint64_t start = s->now * 1000 > x->tx_free_us[dir] ? s->now * 1000 : x->tx_free_us[dir];
    x->tx_free_us[dir] = start + ((uint64_t)len + 4) * 8 * 1000000 / sc->bw_bps;
    at = (x->tx_free_us[dir] + 999) / 1000 + (at - s->now);
  }
  if (faults && sim_rng_ppm(&s->rng, sc->delay_ppm)) {
    s->faults[SIM_F_DELAY]++;
    at += sim_rng_range(&s->rng, 1, sc->delay_max_ms);
  }
  if (faults && sim_rng_ppm(&s->rng, sc->reorder_ppm)) {
    s->faults[SIM_F_REORDER]++; /* jumps the queue of its link */
    at = s->now + sim_rng_range(&s->rng, 0, sc->lat_max_ms);
  } else {
    if (at < x->fifo[dir])
      at = x->fifo[dir];
    x->fifo[dir] = at;
  }
  queue_msg(s, from, to, (uint32_t)e, msg, len, at);
  if (faults && sim_rng_ppm(&s->rng, sc->dup_ppm)) {
    s->faults[SIM_F_DUP]++;
    queue_msg(s, from, to, (uint32_t)e, msg, len,
              at + sim_rng_range(&s->rng, 0, 2 * sc->lat_max_ms));
  }
  return 0;
}

void sim__deliver(struct sim *s, const struct sim_ev *e)
{
  struct sim_edge *x = &s->edges[e->arg];
  enum net_msg_type t = 0;
  net_msg_type(e->buf, e->len, &t);
  if (x->epoch != e->epoch || !x->up) {
    sim__trace(s, "lost %u>%u type=%d len=%u (connection gone)", e->a, e->b, t, e->len);
    return;
  }
  if (!sim__allowed(s, e->a, e->b)) {
    /* TCP keeps retransmitting: the message waits until the partition
     * heals or the connection breaks (then the epoch check drops it). */
    int dir = x->a == e->a ? 0 : 1;
    struct sim_ev again = *e;
    again.at = s->now + SIM_RETRY_MS;
    if (x->fifo[dir] < again.at)
      x->fifo[dir] = again.at;
    again.buf = malloc(e->len ? e->len : 1);
    if (!again.buf || sim__push(s, &again)) {
      free(again.buf);
      sim__fail(s, "out of memory holding a message");
    } else {
      memcpy(again.buf, e->buf, e->len);
    }
    return;
  }
  struct sim_node *to = &s->nodes[e->b];
  if (!to->n) {
    sim__trace(s, "lost %u>%u type=%d len=%u (node down)", e->a, e->b, t, e->len);
    return;
  }
  int rc = node_receive(to->n, e->a, e->buf, e->len);
  sim__trace(s, "recv %u>%u type=%d len=%u h=%016llx rc=%s", e->a, e->b, t, e->len,
             (unsigned long long)sim__fnv(e->buf, e->len), rc ? linli_errname(rc) : "ok");
  if (rc && e->a != s->hostile)
    sim__trace(s, "note: honest peer's message refused n%u<n%u", e->b, e->a);
}
