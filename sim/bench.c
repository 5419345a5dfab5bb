/* Rounds to converge after a heal: n nodes hold one scope, `writers` of
 * them write one op each while isolated, then in every round each node
 * syncs with at most one peer (a random perfect matching; the links of a
 * round come up together and go down when the round ends). Push-pull
 * gossip of this kind needs at least log2 n rounds: a node's knowledge
 * can at most double per round. */
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

#define BENCH_ROUND_MS 5000

static void run_until(struct sim *s, uint64_t until)
{
  struct sim_ev e;
  while (s->n_heap && s->heap[0].at <= until && sim__pop(s, &e)) {
    s->now = e.at;
    s->v->events++;
    if (e.kind == SIM_EV_MSG)
      sim__deliver(s, &e);
    else if (e.kind == SIM_EV_TICK && s->nodes[e.a].n) {
      struct sim_ev next = e;
      next.at = s->now + SIM_TICK_MS;
      next.buf = NULL;
      sim__push(s, &next);
      node_tick(s->nodes[e.a].n);
    }
    free(e.buf);
  }
  s->now = until;
}

/* Drops every link and makes a fresh random matching. */
static int rematch(struct sim *s, uint32_t *perm)
{
  for (uint32_t e = 0; e < s->n_edges; e++)
    sim__link_down(s, e);
  for (uint32_t i = 0; i < s->n_nodes; i++)
    s->nodes[i].n_edges = 0;
  s->n_edges = 0;
  for (uint32_t i = s->n_nodes; i > 1; i--) {
    uint32_t j = (uint32_t)sim_rng_below(&s->rng, i), t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
  for (uint32_t i = 0; i + 1 < s->n_nodes; i += 2) {
    int rc = sim__edge_add(s, perm[i], perm[i + 1]);
    if (rc)
      return rc;
    sim__link_up(s, s->n_edges - 1);
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

int sim_bench_rounds(uint32_t n, uint32_t writers, uint64_t seed, const char *tmp_root,
                     uint32_t *rounds)
{
  struct sim_scenario *sc = calloc(1, sizeof *sc);
  struct sim *s = calloc(1, sizeof *s);
  uint32_t *perm = calloc(n, sizeof *perm);
  struct sim_verdict v;
  int rc = LINLI_ENOMEM;
  *rounds = 0;
  if (!sc || !s || !perm)
    goto out;
  sim_scenario_defaults(sc);
  snprintf(sc->name, sizeof sc->name, "bench-%u", n);
  sc->topo = SIM_TOPO_MESH, sc->mesh_nodes = n, sc->mesh_degree = 0;
  sc->sync_ms = 3600000, sc->lat_min_ms = 1, sc->lat_max_ms = 10, sc->skew_max_ms = 0;
  if ((rc = sim__init(s, sc, seed, NULL, tmp_root, &v)))
    goto out;
  for (uint32_t i = 0; i < n; i++)
    perm[i] = i;
  for (uint32_t w = 0; w < writers && w < n; w++)
    if ((rc = bench_write(s, &s->nodes[(uint64_t)w * n / writers])))
      goto out;
  while (!all_have(s, writers < n ? writers : n) && *rounds < 64) {
    if ((rc = rematch(s, perm)))
      goto out;
    run_until(s, s->now + BENCH_ROUND_MS);
    ++*rounds;
  }
  rc = *rounds < 64 ? 0 : LINLI_ELIMIT;
out:
  if (s && s->sc)
    sim__release(s);
  free(s);
  free(sc);
  free(perm);
  return rc;
}
