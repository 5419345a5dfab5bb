/* sim: the deterministic many-node simulator of linli (linli-sim).
 *
 * A run opens N real node cores (node/node.h), each with a real LMDB store
 * in a temporary directory (nosync), on an in-memory network with a virtual
 * clock and one seeded PRNG. Everything that happens is an event in one
 * queue ordered by (virtual time, sequence number): a message delivered, a
 * node's timer, a link going up or down, a staff write, a fault. Nothing in
 * a run depends on the wall clock, on allocation addresses, on hash-table
 * order or on threads: node identities come from the seed, node_env.now_ms
 * is virtual time plus the node's skew, node_env.random draws from the PRNG.
 * The same scenario and seed therefore give a byte-identical event trace;
 * its BLAKE2b-256 hash is part of every verdict.
 *
 * A run has two phases. During `duration` the workload writes and faults
 * happen (partitions, asymmetric ones too, drops, duplicates, reordering,
 * delays, crashes and restarts, restores from old backups, clock jumps,
 * commits failed, lost or cut by the store's crash seam, revocations,
 * forgeries and malformed messages from a hostile peer). Received ops take
 * linlid's path: the inbox and a verify pool without threads whose work
 * the seed schedules (node_config.verify_seeded). At `duration`
 * every fault ends (heal): partitions are lifted, crashed nodes restart,
 * message faults stop. Then the run counts sync rounds (one round =
 * sync_interval_ms) until every holder of every scope has the same op set
 * and the same state digest, failing if that takes more than max_rounds.
 *
 * Invariants (checked every check_ms and at the end; docs/sim.md):
 *   I1 every op a node stores is byte-identical to an op an honest node
 *      signed (so it verifies), and is of a scope the node holds;
 *   I2 every op node_write acknowledged is still at its writer after any
 *      crash (a restore from a backup excepted, see I3);
 *   I3 after convergence every acknowledged op is at every holder of its
 *      scope; ops a restored node lost and that had reached no other node
 *      before the restore are reported as `unreplicated`, not as a failure;
 *   I4 after the heal all holders of a scope converge within max_rounds to
 *      one op set and one digest (node_digest per scope);
 *   I5 no forged op is stored (forged = bad signature, flipped bytes, an
 *      author writing outside its scope, an unknown author, a timestamp
 *      beyond max_drift): counted sent and stored, stored must be 0;
 *   I6 sync traffic after the heal stays within a bound of the difference:
 *      bytes <= 4 * (bytes of the ops that were missing) + 8 KiB per
 *      reconciliation session started (docs/sim.md "Traffic bound");
 *   I7 with trust, after convergence no node holds an op of a revoked key
 *      stamped at or after its revocation (I2 and I3 leave those out).
 *
 * Errors: 0 or a negative LINLI_E* / -errno. A run that finds a broken
 * invariant is not an error: sim_run returns 0 and verdict->ok is 0.
 * No global mutable state: runs may not share a struct sim_scenario while
 * one is being parsed, and are otherwise independent.
 */
#ifndef LINLI_SIM_H
#define LINLI_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crdt.h"

#define SIM_SCHED_MAX 64
#define SIM_GROUPS_MAX 8
#define SIM_NODES_MAX 4096

/* ---- the PRNG: xoshiro256**, seeded through splitmix64 ---- */
struct sim_rng {
  uint64_t s[4];
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n) (0 when n is 0), without modulo bias. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* 1 with probability ppm / 1,000,000. */
int sim_rng_ppm(struct sim_rng *r, uint32_t ppm);
/* Uniform in [lo, hi]. */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
void sim_rng_fill(struct sim_rng *r, void *buf, size_t len);

/* ---- scenarios ---- */
enum sim_topology {
  SIM_TOPO_STAR = 0, /* district hubs, each with its communities */
  SIM_TOPO_MESH = 1, /* n nodes holding one scope, each linked to `degree` others */
};

enum sim_fault {
  SIM_F_DROP,
  SIM_F_DUP,
  SIM_F_REORDER,
  SIM_F_DELAY,
  SIM_F_PARTITION,
  SIM_F_ONEWAY,
  SIM_F_CRASH,
  SIM_F_RESTORE,
  SIM_F_JUMP,
  SIM_F_FORGE,
  SIM_F_SKEWED,
  SIM_F_MALFORMED,
  SIM_F_CUT,    /* a commit failed, lost or cut by the store's crash seam */
  SIM_F_REVOKE, /* a writer's key revoked by its district's hub */
  SIM_F_COUNT
};
const char *sim_fault_name(enum sim_fault f);

/* A scripted event of a scenario file ("at TIME ACTION ..."). */
enum sim_action {
  SIM_A_PARTITION, /* groups[] as below */
  SIM_A_ONEWAY,    /* group 1 may send to group 2, not back */
  SIM_A_HEAL,
  SIM_A_CRASH,     /* node; restarts after `arg` ms (0: at the heal) */
  SIM_A_BACKUP,    /* node */
  SIM_A_RESTORE,   /* node: crash, put its last backup back, restart */
  SIM_A_JUMP,      /* node: skew becomes arg ms */
  SIM_A_FORGE,     /* the hostile node sends a burst to node */
};

struct sim_sched {
  uint64_t at_ms;
  enum sim_action action;
  uint32_t node;
  int64_t arg;
  /* PARTITION / ONEWAY: node ranges per group; a node in no range is in
   * group 0. Each range is [lo, hi]. */
  uint32_t n_ranges;
  uint32_t lo[16], hi[16], group[16];
};

/* Who syncs with whom in the convergence rounds after the heal. */
enum sim_peers {
  SIM_PEERS_LINKS = 0,    /* the topology's links: each node with all its linked peers */
  SIM_PEERS_SCHEDULE = 1, /* one peer per round: the gossip schedule (sim/gossip.h) */
  SIM_PEERS_RANDOM = 2,   /* one peer per round: a fresh random matching */
};

/* Deliberate bugs, to prove the checker can fail. */
enum sim_bug {
  SIM_BUG_NONE = 0,
  SIM_BUG_WIPE = 1,      /* a crash also loses the node's data directory */
  SIM_BUG_TRUST_ALL = 2, /* node 0 accepts ops from any author for any scope */
};

struct sim_scenario {
  char name[64];
  /* topology */
  enum sim_topology topo;
  uint32_t districts;    /* STAR: hubs */
  uint32_t communities;  /* STAR: communities in all (split evenly over districts) */
  uint32_t laptops;      /* STAR: communities with a second writer node (a grid laptop) */
  uint32_t neighbours;   /* STAR: neighbour scopes each community keeps as backup */
  uint32_t hub_scopes;   /* scopes one hub node core holds; more make a hub of several cores */
  uint32_t mesh_nodes, mesh_degree; /* MESH */
  int hostile;           /* 1: a hostile peer linked to the first hub and communities 1..3 */
  int trust;             /* STAR, 1: certificates (trust.h) instead of the roster */
  /* time, in virtual ms */
  uint64_t duration_ms, sync_ms, check_ms, lat_min_ms, lat_max_ms;
  /* A slow link: each direction sends one message at a time at bw_bps
   * bits per second (0: no limit), then it takes the latency; frame_max is
   * node_config.frame_max of every node (0: 1 MiB). */
  uint64_t bw_bps;
  uint32_t frame_max;
  uint64_t detect_ms, redial_ms;
  uint32_t max_rounds;
  uint64_t skew_max_ms;  /* honest skews and jumps stay within +-this */
  uint64_t max_drift_ms; /* node_config.max_drift_ms */
  uint64_t ahead_ms;     /* node_config.ahead_ms */
  /* workload: writes per second over the whole network, and weights */
  uint32_t write_per_s;
  uint32_t w_gate, w_health, w_case, w_distribution, w_stock, w_resident;
  /* message faults, parts per million of messages */
  uint32_t drop_ppm, dup_ppm, reorder_ppm, delay_ppm;
  uint64_t delay_max_ms;
  int drop_resets;       /* 1: a dropped message also breaks its connection (TCP) */
  /* event faults, per minute of virtual time */
  uint32_t partition_pm, oneway_pm, crash_pm, restore_pm, jump_pm, forge_pm, skewed_pm,
      malformed_pm, cut_pm, revoke_pm;
  uint64_t part_min_ms, part_max_ms, down_min_ms, down_max_ms;
  /* scripted events */
  struct sim_sched sched[SIM_SCHED_MAX];
  uint32_t n_sched;
  enum sim_bug bug;
  /* MESH only: SCHEDULE or RANDOM replace the links after the heal by one
   * matching per round (every connection of a round closes at its end). */
  enum sim_peers peers;
};

/* Fills sc with the named built-in scenario: star, district, city,
 * flaky-links, long-partition, mesh. LINLI_ENOTFOUND for another name. */
int sim_scenario_builtin(struct sim_scenario *sc, const char *name);
/* The names of the built-ins, NULL-terminated. */
extern const char *const sim_builtin_names[];
/* Parses a scenario file's text over sc (start from a built-in or from
 * sim_scenario_defaults). On LINLI_EINVAL err holds "line N: what". */
void sim_scenario_defaults(struct sim_scenario *sc);
int sim_scenario_parse(struct sim_scenario *sc, const char *text, char *err, size_t errcap);
/* A built-in name or a file path. */
int sim_scenario_load(struct sim_scenario *sc, const char *name_or_path, char *err, size_t errcap);
/* Number of node cores the scenario opens (hostile peer not counted). */
uint32_t sim_scenario_nodes(const struct sim_scenario *sc);

/* ---- a run ---- */
struct sim_verdict {
  uint64_t seed;
  int ok;                  /* every invariant held */
  uint32_t nodes;
  uint32_t rounds;         /* sync rounds after the heal until converged */
  uint64_t ops;            /* acknowledged writes */
  uint64_t ops_moved;      /* ops newly stored from peers */
  uint64_t bytes;          /* all message bytes sent */
  uint64_t conv_bytes;     /* bytes sent after the heal */
  uint64_t conv_missing_bytes; /* bytes of ops missing at holders at the heal */
  uint64_t conv_sessions;  /* reconciliations started after the heal */
  uint64_t events;
  uint64_t forged_sent, forged_stored, rejected, clock_refused;
  uint64_t unreplicated;   /* lost by a restore before reaching any peer */
  uint64_t conflicts;      /* lww fields with more than one value, at the end */
  uint64_t faults[SIM_F_COUNT];
  uint64_t end_ms;         /* virtual time at the end */
  uint8_t trace_hash[CRDT_DIGEST_BYTES];
  char why[512];           /* the first failed invariant, if any */
};

/* Runs sc with seed. trace, if non-NULL, receives the event trace (one
 * line per event); the hash in v covers it either way. tmp_root is the
 * directory for node data (NULL: $TMPDIR or /tmp); the run removes what it
 * created. Returns 0 (v filled) or an error setting up the run. */
int sim_run(const struct sim_scenario *sc, uint64_t seed, FILE *trace, const char *tmp_root,
            struct sim_verdict *v);

/* "SEED=7 ok rounds=3 ops=... bytes=... faults=drop:12,... trace=<hex16>" */
void sim_verdict_format(const struct sim_verdict *v, char *out, size_t cap);

/* ---- bench: rounds to converge after a heal ----
 * n nodes hold one scope; `writers` of them each write one op while
 * isolated; then in each round every node syncs with at most one peer,
 * chosen by `peers` (SCHEDULE or RANDOM), over real links: the round's
 * connections come up together and close when the round (5 s of virtual
 * time) ends. Every round is checked to have completed its syncs: no
 * message is still in flight at its end and both ends of every pair hold
 * the same op set (else LINLI_EPROTO and `why` says which). Fills b with
 * the rounds until every node holds every op. */
struct sim_bench {
  uint32_t rounds;
  uint64_t busy_ms;  /* longest time from a round's start to its last delivery */
  uint64_t events;
  char why[256];
};
int sim_bench_rounds(uint32_t n, uint32_t writers, enum sim_peers peers, uint64_t seed,
                     const char *tmp_root, struct sim_bench *b);

/* A node back from an outage over a slow link: two nodes of one scope
 * share `history` ops; then one writes `fresh` more while the link is
 * down; the link (bw_bps, one-way latency lat_ms, frames of frame_max)
 * comes up and they reconcile. time_ms: from the link coming up to the
 * last delivery; floor_ms: the fresh ops' bytes at bw_bps plus one round
 * trip; bytes: both ways during that sync. */
struct sim_slow {
  uint64_t time_ms, floor_ms, bytes, op_bytes, max_msg; /* max_msg: the largest message then */
  char why[256];
};
int sim_bench_slow(uint32_t history, uint32_t fresh, uint64_t bw_bps, uint64_t lat_ms,
                   uint32_t frame_max, uint64_t seed, const char *tmp_root, struct sim_slow *r);

#endif
