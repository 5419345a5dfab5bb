/* linli-sim: run scenarios over seeds, check determinism, bench. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

static const char usage[] =
    "usage: linli-sim run SCENARIO [--seed N | --seeds A..B] [options]\n"
    "       linli-sim SCENARIO --seed N ...      (same as run)\n"
    "       linli-sim bench [--seed N]\n"
    "       linli-sim list\n"
    "\n"
    "Runs N real node cores (real LMDB in a temporary directory) on an in-memory\n"
    "network with a virtual clock and one seeded PRNG, injects the scenario's\n"
    "faults, heals, and checks the invariants (docs/sim.md). The same scenario and\n"
    "seed replay the same run: the trace hash in the verdict is identical.\n"
    "\n"
    "SCENARIO is a built-in (linli-sim list) or a scenario file (docs/sim.md).\n"
    "\n"
    "options of run:\n"
    "  --seed N              one seed (default 1)\n"
    "  --seeds A..B          every seed from A to B inclusive\n"
    "  --trace FILE          write the event trace (FILE.SEED when several seeds)\n"
    "  --check-determinism   run every seed twice and compare the trace hashes\n"
    "  --bug wipe|trust-all  break an invariant on purpose (to test the checker)\n"
    "  --tmp DIR             where node data goes (default $TMPDIR or /tmp)\n"
    "  --quiet               print only failed seeds and the summary\n"
    "\n"
    "Output: one line per seed, 'SEED=N ok ...' or 'SEED=N FAIL ...' followed by\n"
    "the command that replays it; then a summary line.\n"
    "bench prints 'ratio rounds_vs_log2n_N' for N = 100 and 1400 (rounds to\n"
    "converge after a heal, each node syncing with at most one peer per round\n"
    "chosen by the gossip schedule, divided by log2 N), the same for a random\n"
    "matching per round ('metric rounds_random_N'), 'ratio sync_time_vs_floor_slow'\n"
    "(a node back from a 3-day outage over 1 Mbit/s, 200 ms round trip, 64 KiB\n"
    "frames, over its ops' bytes at that rate plus one round trip), and\n"
    "'metric sim_events_per_s' (the star scenario).\n"
    "Exit status: 0 every invariant held, 1 one failed, 2 usage error.\n";

struct opts {
  const char *scenario, *trace, *tmp, *bug;
  uint64_t lo, hi;
  int determinism, quiet;
};

static double wall_s(void)
{
  struct timespec ts; /* only for reporting speed; never enters a run */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_u64(const char *s, uint64_t *v)
{
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (end == s || *end || errno || s[0] == '-')
    return -1;
  *v = x;
  return 0;
}

static int parse_seeds(const char *s, uint64_t *lo, uint64_t *hi)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%s", s);
  char *dots = strstr(buf, "..");
  if (!dots)
    return -1;
  *dots = 0;
  return parse_u64(buf, lo) || parse_u64(dots + 2, hi) || *hi < *lo ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
  memset(o, 0, sizeof *o);
  o->lo = o->hi = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--check-determinism"))
      o->determinism = 1;
    else if (!strcmp(a, "--quiet"))
      o->quiet = 1;
    else if (!strcmp(a, "--seed") && val && !parse_u64(val, &o->lo))
      o->hi = o->lo, i++;
    else if (!strcmp(a, "--seeds") && val && !parse_seeds(val, &o->lo, &o->hi))
      i++;
    else if (!strcmp(a, "--trace") && val)
      o->trace = val, i++;
    else if (!strcmp(a, "--tmp") && val)
      o->tmp = val, i++;
    else if (!strcmp(a, "--bug") && val && (!strcmp(val, "wipe") || !strcmp(val, "trust-all")))
      o->bug = val, i++;
    else if (a[0] != '-' && !o->scenario)
      o->scenario = a;
    else {
      fprintf(stderr, "linli-sim: cannot read argument '%s'\n%s", a, usage);
      return -1;
    }
  }
  if (!o->scenario) {
    fprintf(stderr, "linli-sim: which scenario? (linli-sim list)\n%s", usage);
    return -1;
  }
  return 0;
}

static void replay_cmd(const struct opts *o, uint64_t seed, char *out, size_t cap)
{
  snprintf(out, cap, "linli-sim run %s --seed %" PRIu64 "%s%s --trace seed%" PRIu64 ".trace",
           o->scenario, seed, o->bug ? " --bug " : "", o->bug ? o->bug : "", seed);
}

static int run_seed(const struct sim_scenario *sc, const struct opts *o, uint64_t seed,
                    struct sim_verdict *v)
{
  char path[512];
  FILE *tf = NULL;
  if (o->trace) {
    if (o->lo == o->hi)
      snprintf(path, sizeof path, "%s", o->trace);
    else
      snprintf(path, sizeof path, "%s.%" PRIu64, o->trace, seed);
    if (!(tf = fopen(path, "w"))) {
      fprintf(stderr, "linli-sim: cannot write %s: %s\n", path, strerror(errno));
      return -errno;
    }
  }
  int rc = sim_run(sc, seed, tf, o->tmp, v);
  if (tf)
    fclose(tf);
  if (rc)
    fprintf(stderr, "linli-sim: seed %" PRIu64 ": the run could not start: %s\n", seed,
            linli_strerror(rc));
  return rc;
}

static int cmd_run(int argc, char **argv)
{
  struct opts o;
  struct sim_scenario *sc = malloc(sizeof *sc);
  char err[256] = "", line[1024], cmd[512];
  uint64_t ok = 0, failed = 0, events = 0;
  int status = 2;
  if (!sc || parse_opts(argc, argv, &o))
    goto out;
  if (sim_scenario_load(sc, o.scenario, err, sizeof err)) {
    fprintf(stderr, "linli-sim: %s: %s\n", o.scenario, err);
    goto out;
  }
  if (o.bug)
    sc->bug = !strcmp(o.bug, "wipe") ? SIM_BUG_WIPE : SIM_BUG_TRUST_ALL;
  double t0 = wall_s();
  for (uint64_t seed = o.lo; seed <= o.hi; seed++) {
    struct sim_verdict v, v2;
    if (run_seed(sc, &o, seed, &v)) {
      status = 1;
      failed++;
      continue;
    }
    if (o.determinism && sim_run(sc, seed, NULL, o.tmp, &v2) == 0 &&
        memcmp(v.trace_hash, v2.trace_hash, sizeof v.trace_hash)) {
      v.ok = 0;
      snprintf(v.why, sizeof v.why, "nondeterministic: a second run gave another trace hash");
    }
    events += v.events;
    sim_verdict_format(&v, line, sizeof line);
    if (v.ok)
      ok++;
    else
      failed++;
    if (!v.ok || !o.quiet)
      printf("%s\n", line);
    if (!v.ok) {
      replay_cmd(&o, seed, cmd, sizeof cmd);
      printf("  replay: %s\n", cmd);
    }
    fflush(stdout);
    if (seed == UINT64_MAX)
      break;
  }
  double dt = wall_s() - t0;
  printf("summary scenario=%s seeds=%" PRIu64 "..%" PRIu64 " ok=%" PRIu64 " failed=%" PRIu64
         " events=%" PRIu64 " wall=%.1fs\n",
         sc->name, o.lo, o.hi, ok, failed, events, dt);
  status = failed ? 1 : 0;
out:
  free(sc);
  return status;
}

static int cmd_bench(int argc, char **argv)
{
  uint64_t seed = 1;
  if (argc == 2 && !strcmp(argv[0], "--seed") && !parse_u64(argv[1], &seed))
    ;
  else if (argc) {
    fprintf(stderr, "%s", usage);
    return 2;
  }
  static const uint32_t sizes[] = {100, 1400};
  static const struct {
    enum sim_peers peers;
    const char *name;
  } how[] = {{SIM_PEERS_SCHEDULE, "schedule"}, {SIM_PEERS_RANDOM, "random"}};
  for (int i = 0; i < 2; i++)
    for (int h = 0; h < 2; h++) {
      struct sim_bench b;
      double lg = log2((double)sizes[i]);
      int rc = sim_bench_rounds(sizes[i], 32, how[h].peers, seed, NULL, &b);
      if (rc) {
        fprintf(stderr, "linli-sim bench: n=%u %s: %s\n", sizes[i], how[h].name,
                b.why[0] ? b.why : linli_strerror(rc));
        return 1;
      }
      if (how[h].peers == SIM_PEERS_SCHEDULE) {
        printf("metric rounds_%u %u rounds\n", sizes[i], b.rounds);
        printf("ratio rounds_vs_log2n_%u %.2f\n", sizes[i], b.rounds / lg);
      } else {
        printf("metric rounds_random_%u %u rounds\n", sizes[i], b.rounds);
        printf("metric rounds_random_vs_log2n_%u %.2f\n", sizes[i], b.rounds / lg);
      }
      printf("metric round_busy_ms_%s_%u %llu ms\n", how[h].name, sizes[i],
             (unsigned long long)b.busy_ms);
      fflush(stdout);
    }
  /* A community node back from a 3-day outage (1,000 ops a day) over a
   * 3G-like link: 1 Mbit/s, 200 ms round trip, 64 KiB frames; 20,000 ops
   * of shared history. */
  struct sim_slow sl;
  if (sim_bench_slow(20000, 3000, 1000000, 100, 65536, seed, NULL, &sl)) {
    fprintf(stderr, "linli-sim bench: slow link: %s\n", sl.why[0] ? sl.why : "failed");
    return 1;
  }
  printf("metric sync_time_slow_ms %llu ms\n", (unsigned long long)sl.time_ms);
  printf("metric sync_floor_slow_ms %llu ms\n", (unsigned long long)sl.floor_ms);
  printf("metric sync_bytes_slow %llu B\n", (unsigned long long)sl.bytes);
  printf("metric sync_op_bytes_slow %llu B\n", (unsigned long long)sl.op_bytes);
  printf("ratio sync_time_vs_floor_slow %.3f\n", (double)sl.time_ms / (double)sl.floor_ms);
  fflush(stdout);
  struct sim_scenario sc;
  struct sim_verdict v;
  sim_scenario_builtin(&sc, "star");
  double t0 = wall_s();
  if (sim_run(&sc, seed, NULL, NULL, &v))
    return 1;
  double dt = wall_s() - t0;
  printf("metric sim_events_per_s %.0f events/s\n", (double)v.events / dt);
  return 0;
}

int main(int argc, char **argv)
{
  if (crdt_init()) {
    fprintf(stderr, "linli-sim: %s\n", linli_strerror(LINLI_ECRYPTO));
    return 1;
  }
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "list")) {
    for (int i = 0; sim_builtin_names[i]; i++) {
      struct sim_scenario sc;
      sim_scenario_builtin(&sc, sim_builtin_names[i]);
      printf("%-15s %u nodes, %u communities, %llus of faults\n", sim_builtin_names[i],
             sim_scenario_nodes(&sc), sc.topo == SIM_TOPO_STAR ? sc.communities : 1,
             (unsigned long long)(sc.duration_ms / 1000));
    }
    return 0;
  }
  if (!strcmp(argv[1], "bench"))
    return cmd_bench(argc - 2, argv + 2);
  if (!strcmp(argv[1], "run"))
    return cmd_run(argc - 2, argv + 2);
  return cmd_run(argc - 1, argv + 1);
}
