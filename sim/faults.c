/* Faults: partitions (symmetric into groups, or one-way), crashes and
 * restarts, restores from old backups, clock jumps, commits failed, lost
 * or cut by the store's crash seam, revocations, and a hostile peer
 * sending forgeries and malformed messages. Random ones are drawn once
 * per virtual second at the scenario's rates; scripted ones come from the
 * scenario's "at" lines. */
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "sim_int.h"
#include "trust.h"

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

/* The crash seam (SQLite's src/test6.c is the model): one of the node's
 * next few commits fails (the store goes on), is lost (the process dies
 * before it reached the file) or is cut (it dies right after), all drawn
 * from the seed. */
static void arm_cut(struct sim *s, struct sim_node *nd)
{
  static const int how[] = {STORE_COMMIT_FAIL, STORE_COMMIT_LOSE, STORE_COMMIT_CUT};
  nd->cut_at = nd->commits + 1 + sim_rng_below(&s->rng, 6);
  nd->cut_how = how[sim_rng_below(&s->rng, 3)];
  sim__trace(s, "arm n%u commit #%llu how=%d", nd->idx, (unsigned long long)nd->cut_at,
             nd->cut_how);
}

void sim__revoke_stored(struct sim *s)
{
  struct sim_node *nd = &s->nodes[s->pending_revoke.node];
  if (s->pending_revoke.at_ms < nd->revoked_at_ms)
    nd->revoked_at_ms = s->pending_revoke.at_ms;
  s->faults[SIM_F_REVOKE]++;
  sim__trace(s, "revoked n%u from %llu", nd->idx, (unsigned long long)nd->revoked_at_ms);
  s->pending_revoke.node = UINT32_MAX;
}

void sim__revoke(struct sim *s, struct sim_node *nd, uint64_t at_ms)
{
  struct sim_node *hub = &s->nodes[s->district_hub[nd->district]];
  const char *district = s->scope_name[s->district0 + nd->district];
  uint8_t op[CRDT_OP_MAX_BYTES];
  struct crdt_op dec;
  struct node_status st;
  if (!hub->n || node_status(hub->n, &st)) /* the hub is down: later, maybe */
    return;
  /* stamped past everything the hub has seen, as its own write would be */
  uint64_t hlc = st.hlc + 1;
  int len = trust_revoke_sign(&hub->who, district, hlc, nd->who.pk, at_ms, "lost", op, sizeof op);
  if (len < 0 || crdt_op_decode(&dec, op, (size_t)len)) {
    sim__fail(s, "cannot sign a revocation of n%u", nd->idx);
    return;
  }
  s->pending_revoke.node = nd->idx;
  s->pending_revoke.by = hub->idx;
  s->pending_revoke.at_ms = at_ms;
  memcpy(s->pending_revoke.id, dec.id, CRDT_ID_BYTES);
  sim__trace(s, "revoke n%u at %llu by n%u", nd->idx, (unsigned long long)at_ms, hub->idx);
  int rc = node_import_one(hub->n, op, (size_t)len);
  if (rc == 1 && !hub->dying) {
    if (sim__reg_add(s, hub->idx, s->district0 + nd->district, op, (size_t)len))
      sim__fail(s, "registry: the revocation of n%u", nd->idx);
    sim__revoke_stored(s);
  } else if (!hub->dying) {
    s->pending_revoke.node = UINT32_MAX; /* refused (a failed commit): none */
  } /* else: a restart of the hub tells whether it was stored (sim__adopt_unacked) */
}

/* A writer whose key is revoked from a moment a little in the past, so
 * that ops it wrote since are purged wherever they went. */
static void random_revoke(struct sim *s)
{
  struct sim_node *nd = random_node(s, 1);
  if (!nd || nd->revoked_at_ms != UINT64_MAX || s->pending_revoke.node != UINT32_MAX)
    return;
  uint64_t now_ms = SIM_EPOCH_MS + s->now;
  sim__revoke(s, nd, now_ms - sim_rng_below(&s->rng, 5000));
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
  if (sim_rng_ppm(&s->rng, per_second_ppm(sc->cut_pm)) && (nd = random_node(s, 0)) && !nd->cut_at)
    arm_cut(s, nd);
  if (sc->trust && sim_rng_ppm(&s->rng, per_second_ppm(sc->revoke_pm)))
    random_revoke(s);
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
