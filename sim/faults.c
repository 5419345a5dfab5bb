/* Faults: partitions (symmetric into groups, or one-way), crashes and
 * restarts, restores from old backups, clock jumps, and a hostile peer
 * sending forgeries and malformed messages. Random ones are drawn once
 * per virtual second at the scenario's rates; scripted ones come from the
 * scenario's "at" lines. */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "sim_int.h"

static uint32_t per_second_ppm(uint32_t per_min)
{
  return per_min >= 60 ? 1000000 : per_min * 1000000u / 60;
}

static void relink_all(struct sim *s)
{
  for (uint32_t e = 0; e < s->n_edges; e++)
    sim__link_eval(s, e);
}

/* group[i] for every node; oneway: group 1 may send to group 2, not back,
 * and everything else is connected. */
void sim__partition(struct sim *s, const uint32_t *group, int oneway, uint64_t len_ms)
{
  memset(s->allow, 0, sizeof s->allow);
  for (int i = 0; i < SIM_GROUPS_MAX; i++)
    for (int j = 0; j < SIM_GROUPS_MAX; j++)
      s->allow[i][j] = oneway ? !(i == 2 && j == 1) : i == j;
  for (uint32_t i = 0; i < s->n_nodes; i++)
    s->nodes[i].group = group[i] % SIM_GROUPS_MAX;
  s->partitioned = 1;
  s->partition_no++;
  s->faults[oneway ? SIM_F_ONEWAY : SIM_F_PARTITION]++;
  sim__trace(s, "partition no=%u oneway=%d len=%llu", s->partition_no, oneway,
             (unsigned long long)len_ms);
  relink_all(s);
  if (len_ms) {
    struct sim_ev e = {.at = s->now + len_ms, .kind = SIM_EV_HEAL, .arg = s->partition_no};
    sim__push(s, &e);
  }
}

void sim__heal(struct sim *s)
{
  if (!s->partitioned)
    return;
  s->partitioned = 0;
  sim__trace(s, "heal no=%u", s->partition_no);
  relink_all(s);
}

static void random_partition(struct sim *s, int oneway)
{
  uint32_t *g = calloc(s->n_nodes, sizeof *g);
  if (!g)
    return;
  uint32_t k = oneway ? 2 : (uint32_t)sim_rng_range(&s->rng, 2, 4);
  for (uint32_t i = 0; i < s->n_nodes; i++)
    g[i] = oneway ? 1 + (uint32_t)sim_rng_below(&s->rng, 2) : (uint32_t)sim_rng_below(&s->rng, k);
  sim__partition(s, g, oneway, sim_rng_range(&s->rng, s->sc->part_min_ms, s->sc->part_max_ms));
  free(g);
}

static void schedule_restart(struct sim *s, uint32_t node, uint64_t after_ms, int how)
{
  struct sim_ev e = {.at = s->now + after_ms, .kind = SIM_EV_RESTART, .a = node, .arg = how};
  sim__push(s, &e);
}

static struct sim_node *random_node(struct sim *s, int writers_only)
{
  for (int tries = 0; tries < 16; tries++) {
    struct sim_node *nd = &s->nodes[sim_rng_below(&s->rng, s->n_nodes)];
    if (nd->role == SIM_HOSTILE || !nd->n)
      continue;
    if (writers_only && nd->role == SIM_HUB)
      continue;
    return nd;
  }
  return NULL;
}

static void crash(struct sim *s, struct sim_node *nd, uint64_t down_ms)
{
  s->faults[SIM_F_CRASH]++;
  sim__node_crash(s, nd);
  if (down_ms)
    schedule_restart(s, nd->idx, down_ms, 0);
}

/* A restore is two steps: a backup now, and later the node is put back to
 * it (the staff restore last week's copy after a disk failure). */
static void restore(struct sim *s, struct sim_node *nd, uint64_t after_ms)
{
  if (sim__node_backup(s, nd))
    sim__fail(s, "backup of n%u failed", nd->idx);
  else
    schedule_restart(s, nd->idx, after_ms, 1);
}

static void jump(struct sim *s, struct sim_node *nd, int64_t skew)
{
  s->faults[SIM_F_JUMP]++;
  sim__trace(s, "jump n%u skew %lld -> %lld", nd->idx, (long long)nd->skew_ms, (long long)skew);
  nd->skew_ms = skew;
}

static int64_t random_skew(struct sim *s)
{
  int64_t m = (int64_t)s->sc->skew_max_ms;
  return m ? (int64_t)sim_rng_below(&s->rng, (uint64_t)(2 * m + 1)) - m : 0;
}

static uint32_t hostile_victim(struct sim *s)
{
  struct sim_node *h = &s->nodes[s->hostile];
  struct sim_edge *x = &s->edges[h->edges[sim_rng_below(&s->rng, h->n_edges)]];
  return x->a == s->hostile ? x->b : x->a;
}

void sim__fault_random(struct sim *s)
{
  const struct sim_scenario *sc = s->sc;
  struct sim_node *nd;
  if (!s->partitioned && sim_rng_ppm(&s->rng, per_second_ppm(sc->partition_pm)))
    random_partition(s, 0);
  if (!s->partitioned && sim_rng_ppm(&s->rng, per_second_ppm(sc->oneway_pm)))
    random_partition(s, 1);
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->crash_pm)) && (nd = random_node(s, 0)))
    crash(s, nd, sim_rng_range(&s->rng, sc->down_min_ms, sc->down_max_ms));
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->restore_pm)) && (nd = random_node(s, 1)) &&
      !nd->has_backup)
    restore(s, nd, sim_rng_range(&s->rng, sc->part_min_ms, sc->part_max_ms));
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->jump_pm)) && (nd = random_node(s, 0)))
    jump(s, nd, random_skew(s));
  if (s->hostile == UINT32_MAX)
    return;
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->forge_pm)))
    sim__forge(s, hostile_victim(s), (int)sim_rng_below(&s->rng, 5));
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->skewed_pm)))
    sim__forge(s, hostile_victim(s), 5);
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->malformed_pm)))
    sim__forge(s, hostile_victim(s), 6 + (int)sim_rng_below(&s->rng, 4));
}

void sim__fault_sched(struct sim *s, const struct sim_sched *x)
{
  struct sim_node *nd = x->node < s->n_nodes ? &s->nodes[x->node] : NULL;
  uint32_t *g;
  switch (x->action) {
  case SIM_A_PARTITION:
  case SIM_A_ONEWAY:
    if (!(g = calloc(s->n_nodes, sizeof *g)))
      return;
    for (uint32_t r = 0; r < x->n_ranges; r++)
      for (uint32_t i = x->lo[r]; i <= x->hi[r] && i < s->n_nodes; i++)
        g[i] = x->group[r];
    sim__partition(s, g, x->action == SIM_A_ONEWAY, 0);
    free(g);
    break;
  case SIM_A_HEAL:
    sim__heal(s);
    break;
  case SIM_A_CRASH:
    if (nd && nd->n && nd->role != SIM_HOSTILE)
      crash(s, nd, (uint64_t)x->arg);
    break;
  case SIM_A_BACKUP:
    if (nd && nd->n && sim__node_backup(s, nd))
      sim__fail(s, "backup of n%u failed", nd->idx);
    break;
  case SIM_A_RESTORE:
    if (nd && nd->has_backup)
      schedule_restart(s, nd->idx, 0, 1);
    break;
  case SIM_A_JUMP:
    if (nd)
      jump(s, nd, x->arg);
    break;
  case SIM_A_FORGE:
    if (nd && s->hostile != UINT32_MAX)
      for (int k = 0; k < 10; k++)
        sim__forge(s, nd->idx, k);
    break;
  }
}
