/* sim internals: the world a run builds. Private to sim/. */
#ifndef LINLI_SIM_INT_H
#define LINLI_SIM_INT_H

#include <sodium.h>

#include "node.h"
#include "sim.h"

#define SIM_EPOCH_MS UINT64_C(1583020800000) /* 2020-03-01T00:00Z: virtual time 0 */
#define SIM_PATH_MAX 160
#define SIM_SCOPE_LEN 16
#define SIM_TICK_MS 1000 /* every node ticks at least this often, as linlid does */

enum sim_role { SIM_HUB, SIM_OFFICE, SIM_LAPTOP, SIM_HOSTILE };

enum sim_ev_kind {
  SIM_EV_MSG,       /* a: from, b: to, arg: edge, epoch */
  SIM_EV_TICK,      /* a: node, epoch: incarnation */
  SIM_EV_TIMER,     /* a: node, epoch: incarnation, arg: timer_at */
  SIM_EV_LINK_UP,   /* arg: edge */
  SIM_EV_LINK_DOWN, /* arg: edge, epoch: connection */
  SIM_EV_WRITE,
  SIM_EV_FAULT,     /* the random fault generator */
  SIM_EV_SCHED,     /* arg: index into sc->sched */
  SIM_EV_HEAL,      /* end of a partition; arg: partition number */
  SIM_EV_RESTART,   /* a: node, arg: 1 restore from backup */
  SIM_EV_CHECK,
  SIM_EV_END,       /* end of the fault phase */
  SIM_EV_ROUND,     /* a convergence round has passed */
  SIM_EV_PUMP,      /* a: node, epoch: incarnation: node_pump, as linlid's loop does */
};

struct sim_ev {
  uint64_t at, seq;
  int64_t arg;
  uint32_t kind, a, b, epoch;
  uint8_t *buf;
  uint32_t len;
};

struct sim_edge {
  uint32_t a, b;    /* a dials b */
  int up;           /* the connection exists */
  int pending;      /* a LINK_UP event is queued */
  uint32_t epoch;   /* connection number; messages of older ones are dropped */
  uint64_t fifo[2]; /* last delivery time a->b, b->a */
  uint64_t tx_free_us[2]; /* slow link: when a->b, b->a is free to send again */
  int off;          /* not wanted this round (peer choice by rounds, peers.c) */
};

struct sim_node {
  struct sim *sim;
  uint32_t idx;
  enum sim_role role;
  struct node *n;   /* NULL while crashed */
  struct crdt_identity who;
  uint32_t *scopes; /* indices into sim->scope_name; scopes[0] is its own */
  uint32_t n_scopes;
  uint32_t *edges;
  uint32_t n_edges, cap_edges;
  char dir[SIM_PATH_MAX], bak[SIM_PATH_MAX];
  int has_backup;
  uint64_t backup_acked; /* n_acked when the backup was taken */
  int64_t skew_ms;
  uint64_t timer_at;
  uint32_t incarnation;
  uint32_t group;   /* partition group */
  uint32_t *acked;  /* registry indices of the ops it acknowledged */
  size_t n_acked, cap_acked;
  uint64_t seq;     /* workload counter */
  uint64_t pump_at; /* a PUMP event is queued for then; UINT64_MAX none */
  /* The crash seam (faults.c "cut"): commits counts every write commit of
   * the node's stores; the cut_at-th gets cut_how (store.h STORE_COMMIT_*).
   * dying: the store died of it; the node is abandoned after the event. */
  uint64_t commits, cut_at;
  int cut_how, dying, was_cut;
  /* Trust (scenario trust=1): the district this node belongs to, and when
   * its key was revoked (ms; UINT64_MAX: not), once the revocation is
   * stored at the district's hub. */
  uint32_t district;
  uint64_t revoked_at_ms;
  uint32_t cert;    /* registry index of its certificate; UINT32_MAX: none */
};

/* An op an honest node acknowledged: the oracle's copy. */
struct sim_reg {
  uint8_t id[CRDT_ID_BYTES];
  uint32_t writer, scope, len;
  uint64_t ms;      /* its stamp's milliseconds */
  uint8_t *raw;
  int unreplicated; /* lost by a restore before any peer had it */
  int restored_away; /* its writer was restored to a backup older than it */
};

struct sim {
  const struct sim_scenario *sc;
  uint64_t seed;
  struct sim_rng rng;
  uint64_t now;     /* virtual ms since SIM_EPOCH_MS */
  uint64_t seq;
  struct sim_ev *heap;
  size_t n_heap, cap_heap;
  struct sim_node *nodes;
  uint32_t n_nodes, hostile; /* hostile: index or UINT32_MAX */
  struct sim_edge *edges;
  uint32_t n_edges, cap_edges;
  char (*scope_name)[SIM_SCOPE_LEN];
  uint32_t n_scopes;
  /* trust=1: district d's scope is scope_name[district0 + d]; its hub key
   * is the identity of its first hub core, district_hub[d] (a node index). */
  uint32_t district0, n_districts;
  uint32_t *district_hub;
  int dying;        /* some node's store died this event */
  /* A revocation imported at its district's hub, until its commit is known
   * to be stored (then sim__revoke_stored); node UINT32_MAX: none. */
  struct {
    uint32_t node, by;
    uint64_t at_ms;
    uint8_t id[CRDT_ID_BYTES];
  } pending_revoke;
  uint32_t **holders; /* per scope: node indices */
  uint32_t *n_holders;
  struct sim_reg *reg;
  size_t n_reg, cap_reg;
  uint32_t *reg_index; /* open addressing over reg, UINT32_MAX empty */
  size_t cap_index;
  /* partitions */
  uint8_t allow[SIM_GROUPS_MAX][SIM_GROUPS_MAX];
  uint32_t partition_no; /* increments per partition; a HEAL names one */
  int partitioned;
  /* phase */
  int converging;
  uint32_t rounds;
  int done;
  /* counters */
  struct sim_verdict *v;
  uint64_t faults[SIM_F_COUNT];
  uint64_t bytes, conv_bytes, conv_base_sessions;
  size_t max_msg; /* the largest message sent */
  uint64_t forged_sent, forged_stored, writes_refused, conv_recons;
  uint64_t gone_rejected, gone_clock; /* counted by node incarnations that ended */
  /* trace */
  crypto_generichash_state th;
  FILE *tf;
  char root[SIM_PATH_MAX - 40];
  uint8_t *scratch; /* NET_MSG_MAX bytes for building messages */
  uint32_t *perm;   /* peers.c: the random matching's permutation */
};

/* run.c */
int sim__init(struct sim *s, const struct sim_scenario *sc, uint64_t seed, FILE *trace,
              const char *tmp_root, struct sim_verdict *v);
void sim__release(struct sim *s);

/* trace.c */
void sim__trace(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim__fnv(const uint8_t *p, size_t len);
/* Marks the run failed with the first reason; later ones go to the trace. */
void sim__fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* queue.c */
int sim__push(struct sim *s, const struct sim_ev *e);
int sim__pop(struct sim *s, struct sim_ev *e);
void sim__queue_release(struct sim *s);

/* world.c */
int sim__world_build(struct sim *s);
void sim__world_release(struct sim *s);
int sim__node_start(struct sim *s, struct sim_node *nd);
void sim__node_crash(struct sim *s, struct sim_node *nd);
int sim__node_backup(struct sim *s, struct sim_node *nd);
int sim__node_restore(struct sim *s, struct sim_node *nd);
int sim__reg_add(struct sim *s, uint32_t writer, uint32_t scope, const uint8_t *raw, size_t len);
/* Registry index of id, or -1. */
long sim__reg_find(const struct sim *s, const uint8_t id[CRDT_ID_BYTES]);
int sim__scope_held(const struct sim_node *nd, uint32_t scope);
/* Adds nd's rejection counters to the run's before its node goes away. */
void sim__count_gone(struct sim *s, struct sim_node *nd);
/* Abandons every node whose store died (node_abandon: nothing more is
 * written) and schedules its restart. */
void sim__reap(struct sim *s);
/* After a restart that followed a cut commit: the node's own ops that are
 * stored but were never acknowledged (the cut came between the commit and
 * the answer) join the registry, as honest ops nobody acknowledged. */
int sim__adopt_unacked(struct sim *s, struct sim_node *nd);
/* 1 if the op (registry entry r) was revoked: its author's revocation is
 * stored and the op is stamped at or after it. No node may keep it. */
int sim__doomed(const struct sim *s, const struct sim_reg *r);

/* link.c */
int sim__link_eval(struct sim *s, uint32_t e);
void sim__link_up(struct sim *s, uint32_t e);
void sim__link_down(struct sim *s, uint32_t e);
void sim__link_down_ev(struct sim *s, uint32_t e, uint32_t epoch, int forced);
void sim__links_of(struct sim *s, struct sim_node *nd);
int sim__allowed(const struct sim *s, uint32_t from, uint32_t to);
int sim__linked(struct sim *s, uint32_t a, uint32_t b);
int sim__send(struct sim *s, uint32_t from, uint32_t to, const uint8_t *msg, size_t len,
              int faults);
void sim__deliver(struct sim *s, const struct sim_ev *e);
int sim__edge_add(struct sim *s, uint32_t a, uint32_t b);
/* The edge between a and b, added (a dials) if there is none; -1 out of memory. */
long sim__edge_get(struct sim *s, uint32_t a, uint32_t b);

/* peers.c: peer choice by rounds (sc->peers SCHEDULE or RANDOM). Closes
 * every connection and opens round `round`'s matching among the honest
 * nodes at once. */
int sim__peers_round(struct sim *s, enum sim_peers how, uint32_t round);

/* workload.c */
int sim__write(struct sim *s);

/* faults.c */
void sim__fault_random(struct sim *s);
void sim__fault_sched(struct sim *s, const struct sim_sched *x);
void sim__partition(struct sim *s, const uint32_t *group, int oneway, uint64_t len_ms);
void sim__heal(struct sim *s);
void sim__forge(struct sim *s, uint32_t victim, int kind);
/* The district's hub revokes nd's key from at_ms on. */
void sim__revoke(struct sim *s, struct sim_node *nd, uint64_t at_ms);
/* The pending revocation is stored at its hub: from now on the oracle
 * expects its purge everywhere. */
void sim__revoke_stored(struct sim *s);

/* check.c */
void sim__check_stored(struct sim *s);
void sim__check_acked(struct sim *s, struct sim_node *nd, size_t upto);
int sim__converged(struct sim *s, int report);
void sim__check_final(struct sim *s);
uint64_t sim__missing_bytes(struct sim *s);

#endif
