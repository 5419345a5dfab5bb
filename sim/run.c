/* One run: build the world, run the event loop through the fault phase,
 * heal, count rounds to convergence, check the invariants, report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "sim_int.h"

#define SIM_FAULT_EVERY_MS 1000

static int push_at(struct sim *s, uint64_t at, enum sim_ev_kind kind, uint32_t a, int64_t arg)
{
  struct sim_ev e = {.at = at, .kind = kind, .a = a, .arg = arg};
  return sim__push(s, &e);
}

/* Uniform gaps in [0, 2 * mean]: write_per_s writes a second on average
 * (write_per_s is at most 1000, so the mean is at least 1 ms). */
static uint64_t next_write_gap(struct sim *s)
{
  return sim_rng_range(&s->rng, 0, 2000 / s->sc->write_per_s);
}

static void schedule_start(struct sim *s)
{
  const struct sim_scenario *sc = s->sc;
  if (sc->write_per_s)
    push_at(s, next_write_gap(s), SIM_EV_WRITE, 0, 0);
  push_at(s, SIM_FAULT_EVERY_MS, SIM_EV_FAULT, 0, 0);
  for (uint32_t i = 0; i < sc->n_sched; i++)
    push_at(s, sc->sched[i].at_ms, SIM_EV_SCHED, 0, i);
  if (sc->check_ms)
    push_at(s, sc->check_ms, SIM_EV_CHECK, 0, 0);
  if (sc->bug == SIM_BUG_WIPE)
    push_at(s, sc->duration_ms / 2, SIM_EV_FAULT, 0, 1);
  push_at(s, sc->duration_ms, SIM_EV_END, 0, 0);
}

/* The deliberate bug: the writer with most acknowledged ops crashes and
 * comes back with an empty data directory. */
static void bug_wipe(struct sim *s)
{
  struct sim_node *best = NULL;
  for (uint32_t i = 0; i < s->n_nodes; i++)
    if (s->nodes[i].n && s->nodes[i].role != SIM_HUB &&
        (!best || s->nodes[i].n_acked > best->n_acked))
      best = &s->nodes[i];
  if (!best)
    return;
  sim__trace(s, "bug wipe n%u", best->idx);
  sim__node_crash(s, best);
  push_at(s, s->now + 1000, SIM_EV_RESTART, best->idx, 2);
}

static void restart(struct sim *s, struct sim_node *nd, int how)
{
  char path[SIM_PATH_MAX + 16];
  if (how == 1) {
    s->faults[SIM_F_RESTORE]++;
    if (sim__node_restore(s, nd))
      sim__fail(s, "restore of n%u failed", nd->idx);
    nd->has_backup = 0;
  } else if (!nd->n) {
    if (how == 2) {
      snprintf(path, sizeof path, "%s/data.mdb", nd->dir);
      unlink(path);
    }
    if (sim__node_start(s, nd))
      return;
  }
  if (nd->n && !nd->dying && nd->was_cut) {
    int rc = sim__adopt_unacked(s, nd);
    if (rc)
      sim__fail(s, "n%u: reading its store after a cut commit: %s", nd->idx, linli_errname(rc));
    nd->was_cut = 0;
  }
  sim__check_acked(s, nd, nd->n_acked);
}

static void end_faults(struct sim *s)
{
  s->converging = 1;
  sim__trace(s, "end of faults: heal everything");
  for (uint32_t i = 0; i < s->n_nodes; i++)
    s->nodes[i].cut_at = 0; /* cuts armed and not yet come: disarmed */
  sim__heal(s);
  for (uint32_t i = 0; i < s->n_nodes; i++)
    if (s->nodes[i].role != SIM_HOSTILE && !s->nodes[i].n)
      restart(s, &s->nodes[i], 0);
  sim__check_stored(s);
  s->v->conv_missing_bytes = sim__missing_bytes(s);
  s->conv_bytes = 0;
  if (s->sc->peers != SIM_PEERS_LINKS && sim__peers_round(s, s->sc->peers, 0))
    sim__fail(s, "out of memory choosing the peers of round 1");
  push_at(s, s->now + s->sc->sync_ms, SIM_EV_ROUND, 0, 0);
}

static void round_done(struct sim *s)
{
  s->rounds++;
  int ok = sim__converged(s, 0);
  sim__trace(s, "round %u converged=%d", s->rounds, ok);
  if (ok) {
    s->v->conv_bytes = s->conv_bytes;
    sim__check_final(s);
    s->done = 1;
  } else if (s->rounds >= s->sc->max_rounds) {
    sim__converged(s, 1);
    s->done = 1;
  } else {
    if (s->sc->peers != SIM_PEERS_LINKS && sim__peers_round(s, s->sc->peers, s->rounds))
      sim__fail(s, "out of memory choosing the peers of round %u", s->rounds + 1);
    push_at(s, s->now + s->sc->sync_ms, SIM_EV_ROUND, 0, 0);
  }
}

/* What linlid's loop does after reading: node_pump, and again within a
 * millisecond while batches are still being verified. after_ms: when. */
static void pump(struct sim *s, struct sim_node *nd, uint64_t after_ms)
{
  int left = after_ms ? node_pump(nd->n) : 1;
  if (left <= 0 || nd->dying)
    return;
  uint64_t at = s->now + (after_ms ? after_ms : sim_rng_below(&s->rng, 2));
  if (nd->pump_at <= at)
    return;
  nd->pump_at = at;
  struct sim_ev e = {.at = at, .kind = SIM_EV_PUMP, .a = nd->idx, .epoch = nd->incarnation};
  sim__push(s, &e);
}

static void node_event(struct sim *s, const struct sim_ev *e)
{
  struct sim_node *nd = &s->nodes[e->a];
  if (!nd->n || nd->incarnation != e->epoch)
    return;
  if (e->kind == SIM_EV_PUMP) {
    nd->pump_at = UINT64_MAX;
    pump(s, nd, 1);
    return;
  }
  if (e->kind == SIM_EV_TICK) {
    struct sim_ev next = {.at = s->now + SIM_TICK_MS, .kind = SIM_EV_TICK, .a = e->a,
                          .epoch = e->epoch};
    sim__push(s, &next);
  } else if ((uint64_t)e->arg != nd->timer_at) {
    return;
  } else {
    nd->timer_at = UINT64_MAX;
  }
  int rc = node_tick(nd->n);
  if (rc)
    sim__trace(s, "n%u tick: %s", nd->idx, linli_errname(rc));
}

static void dispatch(struct sim *s, struct sim_ev *e)
{
  int quiet = s->converging; /* after the heal no new faults or writes */
  switch (e->kind) {
  case SIM_EV_MSG:
    sim__deliver(s, e);
    if (s->nodes[e->b].n) /* the ops it brought wait in the inbox: pump soon */
      pump(s, &s->nodes[e->b], 0);
    break;
  case SIM_EV_TICK:
  case SIM_EV_TIMER:
  case SIM_EV_PUMP:
    node_event(s, e);
    break;
  case SIM_EV_LINK_UP:
    sim__link_up(s, (uint32_t)e->arg);
    break;
  case SIM_EV_LINK_DOWN:
    sim__link_down_ev(s, (uint32_t)e->arg, e->epoch, e->b == 1);
    break;
  case SIM_EV_WRITE:
    if (!quiet) {
      sim__write(s);
      push_at(s, s->now + next_write_gap(s), SIM_EV_WRITE, 0, 0);
    }
    break;
  case SIM_EV_FAULT:
    if (!quiet && e->arg == 1)
      bug_wipe(s);
    else if (!quiet) {
      sim__fault_random(s);
      push_at(s, s->now + SIM_FAULT_EVERY_MS, SIM_EV_FAULT, 0, 0);
    }
    break;
  case SIM_EV_SCHED:
    if (!quiet && s->sc->sched[e->arg].action == SIM_A_FORGE && s->hostile != UINT32_MAX &&
        !sim__linked(s, s->hostile, s->sc->sched[e->arg].node))
      push_at(s, s->now + 1000, SIM_EV_SCHED, 0, e->arg); /* the hostile peer waits for a link */
    else if (!quiet)
      sim__fault_sched(s, &s->sc->sched[e->arg]);
    break;
  case SIM_EV_HEAL:
    if (!quiet && (uint32_t)e->arg == s->partition_no)
      sim__heal(s);
    break;
  case SIM_EV_RESTART:
    if (!quiet || e->arg == 2)
      restart(s, &s->nodes[e->a], (int)e->arg);
    break;
  case SIM_EV_CHECK:
    sim__check_stored(s);
    for (uint32_t i = 0; i < s->n_nodes; i++)
      sim__check_acked(s, &s->nodes[i], s->nodes[i].n_acked);
    if (!quiet)
      push_at(s, s->now + s->sc->check_ms, SIM_EV_CHECK, 0, 0);
    break;
  case SIM_EV_END:
    end_faults(s);
    break;
  case SIM_EV_ROUND:
    round_done(s);
    break;
  }
}

static int make_root(struct sim *s, const char *tmp_root)
{
  const char *base = tmp_root ? tmp_root : getenv("TMPDIR");
  snprintf(s->root, sizeof s->root, "%s/linli-sim-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(s->root) ? 0 : -errno;
}

static void collect(struct sim *s, struct sim_verdict *v)
{
  v->nodes = s->n_nodes;
  v->rounds = s->rounds;
  v->bytes = s->bytes;
  v->forged_sent = s->forged_sent;
  v->forged_stored = s->forged_stored;
  v->end_ms = s->now;
  memcpy(v->faults, s->faults, sizeof v->faults);
  v->rejected = s->gone_rejected;
  v->clock_refused = s->gone_clock;
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    struct node_status st;
    if (s->nodes[i].n && node_status(s->nodes[i].n, &st) == 0) {
      v->rejected += st.rejected;
      v->clock_refused += st.rejected_by[linli_err_index(LINLI_ECLOCK)];
    }
    for (uint32_t k = 0; s->nodes[i].n && k < s->nodes[i].n_edges; k++) {
      struct sim_edge *x = &s->edges[s->nodes[i].edges[k]];
      struct node_peer_status ps;
      uint32_t peer = x->a == i ? x->b : x->a;
      if (node_peer_status(s->nodes[i].n, peer, &ps) == 0)
        v->ops_moved += ps.ops_in;
    }
  }
}

static void loop(struct sim *s)
{
  struct sim_ev e;
  while (!s->done && sim__pop(s, &e)) {
    s->now = e.at;
    s->v->events++;
    dispatch(s, &e);
    if (s->dying)
      sim__reap(s);
    free(e.buf);
  }
  if (!s->done)
    sim__fail(s, "the event queue ran dry before the run ended");
}

int sim__init(struct sim *s, const struct sim_scenario *sc, uint64_t seed, FILE *trace,
              const char *tmp_root, struct sim_verdict *v)
{
  memset(v, 0, sizeof *v);
  v->seed = seed;
  v->ok = 1;
  s->sc = sc;
  s->seed = seed;
  s->v = v;
  s->tf = trace;
  sim_rng_seed(&s->rng, seed);
  crypto_generichash_init(&s->th, NULL, 0, CRDT_DIGEST_BYTES);
  if (!(s->scratch = malloc(NET_MSG_MAX)))
    return LINLI_ENOMEM;
  int rc = make_root(s, tmp_root);
  if (rc)
    return rc;
  sim__trace(s, "linli-sim scenario=%s seed=%llu", sc->name, (unsigned long long)seed);
  return sim__world_build(s);
}

void sim__release(struct sim *s)
{
  sim__world_release(s);
  sim__queue_release(s);
  if (s->root[0])
    rmdir(s->root);
  free(s->scratch);
  free(s->perm);
}

int sim_run(const struct sim_scenario *sc, uint64_t seed, FILE *trace, const char *tmp_root,
            struct sim_verdict *v)
{
  struct sim *s = calloc(1, sizeof *s);
  if (!s) {
    memset(v, 0, sizeof *v);
    return LINLI_ENOMEM;
  }
  int rc = sim__init(s, sc, seed, trace, tmp_root, v);
  if (!rc) {
    schedule_start(s);
    loop(s);
    collect(s, v);
    sim__trace(s, "end ok=%d rounds=%u ops=%llu bytes=%llu", v->ok, v->rounds,
               (unsigned long long)v->ops, (unsigned long long)v->bytes);
    crypto_generichash_final(&s->th, v->trace_hash, CRDT_DIGEST_BYTES);
  }
  sim__release(s);
  free(s);
  return rc;
}
