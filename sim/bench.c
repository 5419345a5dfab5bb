/* Rounds to converge after a heal: n nodes hold one scope, `writers` of
 * them write one op each while isolated, then in every round each node
 * syncs with at most one peer (peers.c: the gossip schedule or a random
 * matching; the links of a round come up together and go down when the
 * round ends). Push-pull gossip of this kind needs at least log2 n rounds:
 * a node's knowledge can at most double per round. Every round must finish
 * its syncs within its virtual time: nothing in flight at its end, and
 * both ends of every pair hold the same op set. */
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

#define BENCH_ROUND_MS 5000
#define BENCH_ROUNDS_MAX 64

/* Runs events until `until`; returns the time of the last delivery. */
static uint64_t run_until(struct sim *s, uint64_t until)
{
  struct sim_ev e;
  uint64_t last = 0;
  while (s->n_heap && s->heap[0].at <= until && sim__pop(s, &e)) {
    s->now = e.at;
    s->v->events++;
    if (e.kind == SIM_EV_MSG) {
      sim__deliver(s, &e);
      last = e.at;
    } else if (e.kind == SIM_EV_TICK && s->nodes[e.a].n) {
      struct sim_ev next = e;
      next.at = s->now + SIM_TICK_MS;
      next.buf = NULL;
      sim__push(s, &next);
      node_tick(s->nodes[e.a].n);
    }
    free(e.buf);
  }
  s->now = until;
  return last;
}

/* The round that just ended completed its syncs: no message in flight,
 * and the two ends of every link of the round hold the same op set. */
static int round_complete(struct sim *s, uint32_t round, struct sim_bench *b)
{
  for (size_t i = 0; i < s->n_heap; i++)
    if (s->heap[i].kind == SIM_EV_MSG) {
      snprintf(b->why, sizeof b->why, "round %u: a message %u>%u still in flight at its end",
               round, s->heap[i].a, s->heap[i].b);
      return LINLI_EPROTO;
    }
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  for (uint32_t e = 0; e < s->n_edges; e++) {
    struct sim_edge *x = &s->edges[e];
    uint64_t count[2];
    uint8_t sum[2][STORE_FP_SUM_BYTES];
    if (x->off)
      continue;
    if (!x->up) {
      snprintf(b->why, sizeof b->why, "round %u: link %u>%u never came up", round, x->a, x->b);
      return LINLI_EPROTO;
    }
    for (int k = 0; k < 2; k++) {
      int rc = store_range_fp(node_store(s->nodes[k ? x->b : x->a].n), s->scope_name[0], &lo,
                              &hi, &count[k], sum[k]);
      if (rc)
        return rc;
    }
    if (count[0] != count[1] || memcmp(sum[0], sum[1], sizeof sum[0])) {
      snprintf(b->why, sizeof b->why,
               "round %u: n%u (%llu ops) and n%u (%llu ops) did not finish their sync", round,
               x->a, (unsigned long long)count[0], x->b, (unsigned long long)count[1]);
      return LINLI_EPROTO;
    }
  }
  return 0;
}

static int all_have(struct sim *s, uint64_t want)
{
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    uint64_t ops = 0;
    if (store_stats(node_store(s->nodes[i].n), &ops, NULL) || ops != want)
      return 0;
  }
  return 1;
}

static int bench_write(struct sim *s, struct sim_node *nd)
{
  uint8_t body[16], id[CRDT_ID_BYTES];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "n");
  crdt_w_uint(&b, nd->idx);
  struct node_change c = {NULL, "health_check", "r000", CRDT_APPEND, body, b.len, NULL, 0};
  (void)s;
  return node_write(nd->n, &c, id);
}

int sim_bench_rounds(uint32_t n, uint32_t writers, enum sim_peers peers, uint64_t seed,
                     const char *tmp_root, struct sim_bench *b)
{
  struct sim_scenario *sc = calloc(1, sizeof *sc);
  struct sim *s = calloc(1, sizeof *s);
  struct sim_verdict v;
  int rc = LINLI_ENOMEM;
  memset(b, 0, sizeof *b);
  if (!sc || !s)
    goto out;
  sim_scenario_defaults(sc);
  snprintf(sc->name, sizeof sc->name, "bench-%u", n);
  sc->topo = SIM_TOPO_MESH, sc->mesh_nodes = n, sc->mesh_degree = 0, sc->peers = peers;
  sc->sync_ms = 3600000, sc->lat_min_ms = 1, sc->lat_max_ms = 10, sc->skew_max_ms = 0;
  if ((rc = sim__init(s, sc, seed, NULL, tmp_root, &v)))
    goto out;
  for (uint32_t w = 0; w < writers && w < n; w++)
    if ((rc = bench_write(s, &s->nodes[(uint64_t)w * n / writers])))
      goto out;
  while (!all_have(s, writers < n ? writers : n) && b->rounds < BENCH_ROUNDS_MAX) {
    uint64_t start = s->now;
    if ((rc = sim__peers_round(s, peers, b->rounds)))
      goto out;
    uint64_t last = run_until(s, start + BENCH_ROUND_MS);
    if (last > start && last - start > b->busy_ms)
      b->busy_ms = last - start;
    if ((rc = round_complete(s, b->rounds, b)))
      goto out;
    b->rounds++;
  }
  b->events = v.events;
  rc = b->rounds < BENCH_ROUNDS_MAX ? 0 : LINLI_ELIMIT;
  if (rc)
    snprintf(b->why, sizeof b->why, "not converged after %u rounds", BENCH_ROUNDS_MAX);
out:
  if (s && s->sc)
    sim__release(s);
  free(s);
  free(sc);
  return rc;
}

/* One op of about a real health check's size (~250 bytes signed). */
static int slow_write(struct sim_node *nd, uint32_t i)
{
  uint8_t body[160], id[CRDT_ID_BYTES];
  char key[16], who[101];
  struct crdt_buf b;
  memset(who, 'v', 100);
  who[100] = 0;
  snprintf(key, sizeof key, "r%05u", i % 3680);
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 2);
  crdt_w_cstr(&b, "checked_by");
  crdt_w_cstr(&b, who);
  crdt_w_cstr(&b, "n");
  crdt_w_uint(&b, i);
  struct node_change c = {NULL, "health_check", key, CRDT_APPEND, body, b.len, NULL, 0};
  return node_write(nd->n, &c, id);
}

static int slow_sum(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  (void)hlc, (void)id, (void)raw;
  *(uint64_t *)arg += len;
  return 0;
}

/* The bytes of the signed ops node nd stores in the bench's scope. */
static uint64_t slow_bytes(struct sim *s, struct sim_node *nd)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  uint64_t sum = 0;
  if (store_range_each(node_store(nd->n), s->scope_name[0], &lo, &hi, 0, slow_sum, &sum) < 0)
    return 0;
  return sum;
}

int sim_bench_slow(uint32_t history, uint32_t fresh, uint64_t bw_bps, uint64_t lat_ms,
                   uint32_t frame_max, uint64_t seed, const char *tmp_root, struct sim_slow *r)
{
  struct sim_scenario *sc = calloc(1, sizeof *sc);
  struct sim *s = calloc(1, sizeof *s);
  struct sim_verdict v;
  int rc = LINLI_ENOMEM;
  memset(r, 0, sizeof *r);
  if (!sc || !s)
    goto out;
  sim_scenario_defaults(sc);
  snprintf(sc->name, sizeof sc->name, "slow-link");
  sc->topo = SIM_TOPO_MESH, sc->mesh_nodes = 2, sc->mesh_degree = 0;
  sc->peers = SIM_PEERS_SCHEDULE;
  sc->sync_ms = 3600000, sc->lat_min_ms = sc->lat_max_ms = lat_ms, sc->skew_max_ms = 0;
  sc->bw_bps = bw_bps, sc->frame_max = frame_max;
  if ((rc = sim__init(s, sc, seed, NULL, tmp_root, &v)))
    goto out;
  uint32_t i = 0;
  for (; i < history && !rc; i++)
    rc = slow_write(&s->nodes[0], i);
  if (rc)
    goto out;
  /* round 0: the shared history; then the outage: node 0 writes alone */
  struct sim_bench b;
  memset(&b, 0, sizeof b);
  uint64_t window = 3600000;
  if ((rc = sim__peers_round(s, SIM_PEERS_SCHEDULE, 0)))
    goto out;
  run_until(s, s->now + window);
  if ((rc = round_complete(s, 0, &b)) || !all_have(s, history)) {
    snprintf(r->why, sizeof r->why, "history: %.200s", b.why[0] ? b.why : "not converged");
    rc = rc ? rc : LINLI_EPROTO;
    goto out;
  }
  uint64_t bytes0 = slow_bytes(s, &s->nodes[0]);
  for (; i < history + fresh && !rc; i++)
    rc = slow_write(&s->nodes[0], i);
  if (rc)
    goto out;
  uint64_t bytes1 = slow_bytes(s, &s->nodes[0]);
  uint64_t start = s->now, sent = s->bytes;
  s->max_msg = 0;
  if ((rc = sim__peers_round(s, SIM_PEERS_SCHEDULE, 1)))
    goto out;
  uint64_t last = run_until(s, start + window);
  if ((rc = round_complete(s, 1, &b)) || !all_have(s, (uint64_t)history + fresh)) {
    snprintf(r->why, sizeof r->why, "back from the outage: %.200s",
             b.why[0] ? b.why : "not converged");
    rc = rc ? rc : LINLI_EPROTO;
    goto out;
  }
  r->time_ms = last - start;
  r->bytes = s->bytes - sent;
  r->max_msg = s->max_msg;
  r->op_bytes = bytes1 > bytes0 ? bytes1 - bytes0 : 0;
  r->floor_ms = r->op_bytes * 8 * 1000 / bw_bps + 2 * lat_ms;
out:
  if (s && s->sc)
    sim__release(s);
  free(s);
  free(sc);
  return rc;
}
