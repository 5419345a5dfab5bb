/* Peer choice by rounds: in each round every node syncs with at most one
 * peer. SCHEDULE asks the gossip schedule (sim/gossip.h: a matching every
 * node computes from its roster index, N and the round number, complete
 * after ceil(log2 N) rounds, +1 for odd N); RANDOM draws a fresh random
 * matching from the run's PRNG. The links of a round come up together and
 * close when the next round starts. */
#include <stdlib.h>

#include "gossip.h"
#include "sim_int.h"

static uint32_t honest_nodes(const struct sim *s)
{
  return s->hostile == UINT32_MAX ? s->n_nodes : s->hostile; /* the hostile peer is last */
}

static int pair_up(struct sim *s, uint32_t a, uint32_t b)
{
  long e = sim__edge_get(s, a < b ? a : b, a < b ? b : a);
  if (e < 0)
    return LINLI_ENOMEM;
  s->edges[e].off = 0;
  sim__link_up(s, (uint32_t)e);
  return 0;
}

int sim__peers_round(struct sim *s, enum sim_peers how, uint32_t round)
{
  uint32_t n = honest_nodes(s);
  int rc = 0;
  for (uint32_t e = 0; e < s->n_edges; e++) {
    s->edges[e].off = 1;
    sim__link_down(s, e);
  }
  if (how == SIM_PEERS_RANDOM) {
    if (!s->perm) {
      if (!(s->perm = malloc((n ? n : 1) * sizeof *s->perm)))
        return LINLI_ENOMEM;
      for (uint32_t i = 0; i < n; i++)
        s->perm[i] = i;
    }
    for (uint32_t i = n; i > 1; i--) {
      uint32_t j = (uint32_t)sim_rng_below(&s->rng, i), t = s->perm[i - 1];
      s->perm[i - 1] = s->perm[j];
      s->perm[j] = t;
    }
    for (uint32_t i = 0; i + 1 < n && !rc; i += 2)
      rc = pair_up(s, s->perm[i], s->perm[i + 1]);
    return rc;
  }
  for (uint32_t i = 0; i < n && !rc; i++) {
    uint32_t p = gossip_partner(i, n, round);
    if (p > i)
      rc = pair_up(s, i, p);
  }
  return rc;
}
