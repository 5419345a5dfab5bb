/* linli-bench scopes: what a scope costs a hub, as the hub holds more.
 *
 * A hub node core holds K community scopes and dials K community node
 * cores, one per scope, in one process over an in-memory queue. Every
 * scope starts with the same --ops ops (default 1,000) on both sides; before
 * each round every community writes --new ops (default 10) the hub lacks.
 * A round is what a sync interval does: the hub's node_tick starts one
 * reconciliation per peer and scope, and every message is delivered until
 * none is left (both sides' work, on this thread: CPU time of the thread).
 * The round is timed for K = 1 and K = 150, rounds medianed (--rounds,
 * default 9; K = 1 is built and run five times over: its round is short),
 * and
 *   ratio hub_scopes_150_vs_1 = round(150) / (150 * round(1))
 * is 1 when a scope costs the same however many the hub holds (target
 * <= 1.2). Every round is checked: each community's scope has the same
 * count, id sum and digest on the hub, or the bench fails. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_gen.h"
#include "domain.h"
#include "ingest.h"
#include "net.h"
#include "node.h"

#define K_MAX 150

struct qmsg {
  uint32_t from, to;
  uint8_t *b;
  size_t len;
};

struct hubnet {
  uint64_t now;
  int k;                        /* communities */
  struct node *n[K_MAX + 1];    /* 0: the hub; i: community i - 1 */
  uint32_t ctx[K_MAX + 1];
  char dirs[K_MAX + 1][64];
  char scope[K_MAX][16];
  struct crdt_identity who[K_MAX + 1];
  struct bench_gen gen[K_MAX];
  struct qmsg *q;
  size_t qn, qcap, head;
};

static struct hubnet H;

static uint64_t h_now(void *ctx)
{
  (void)ctx;
  return H.now;
}

static void h_rand(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  memset(buf, 0x3c, len);
}

static int h_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  uint32_t from = *(uint32_t *)ctx;
  if (H.qn == H.qcap) {
    H.qcap = H.qcap ? 2 * H.qcap : 4096;
    if (!(H.q = realloc(H.q, H.qcap * sizeof *H.q)))
      abort();
  }
  uint8_t *b = malloc(len);
  if (!b)
    abort();
  memcpy(b, msg, len);
  H.q[H.qn++] = (struct qmsg){from, peer, b, len};
  return 0;
}

static void deliver_all(void)
{
  while (H.head < H.qn) {
    struct qmsg m = H.q[H.head++];
    node_receive(H.n[m.to], m.from, m.b, m.len);
    free(m.b);
  }
  H.head = H.qn = 0;
}

static double thread_cpu(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int open_one(int i, const char *const *scopes, int n_scopes)
{
  struct node_env env = {&H.ctx[i], h_now, h_rand, h_send, NULL, NULL};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  snprintf(H.dirs[i], sizeof H.dirs[i], "/tmp/linli-bench-scopes-XXXXXX");
  if (!mkdtemp(H.dirs[i]))
    return 1;
  cfg.dir = H.dirs[i];
  cfg.identity = &H.who[i];
  for (int s = 0; s < n_scopes; s++)
    cfg.scopes[s] = scopes[s];
  cfg.n_scopes = n_scopes;
  cfg.nosync = 1;
  cfg.map_size = (size_t)8 << 20;
  cfg.map_size_max = (size_t)16 << 30;
  cfg.sync_interval_ms = 30000;
  cfg.accept = domain_accept; /* the write check linlid runs */
  H.ctx[i] = (uint32_t)i;
  return node_open(&H.n[i], &env, &cfg) != 0;
}

static int load(struct node *n, const struct bench_ops *o)
{
  struct ingest_stats st;
  return ingest_run(node_store(n), (const uint8_t *const *)o->ops, o->lens, o->n, 1000, 0, NULL,
                    NULL, &st) != 0;
}

/* K communities and the hub, each scope with `ops` ops on both sides, the
 * hub linked (dialing) to every community and synced once. */
static int build(int k, size_t ops)
{
  const char *scopes[K_MAX];
  uint8_t seed[CRDT_SEED_BYTES];
  memset(&H, 0, sizeof H);
  H.now = 1590000000000;
  H.k = k;
  for (int i = 0; i <= k; i++) {
    memset(seed, 0x40 + i, sizeof seed);
    crdt_identity_from_seed(&H.who[i], seed);
  }
  for (int c = 0; c < k; c++) {
    snprintf(H.scope[c], sizeof H.scope[c], "c%03d", c);
    scopes[c] = H.scope[c];
  }
  if (open_one(0, scopes, k))
    return 1;
  for (int c = 0; c < k; c++) {
    if (open_one(c + 1, &scopes[c], 1))
      return 1;
    struct bench_gen *g = &H.gen[c];
    *g = (struct bench_gen){.who = H.who[c + 1], .scope = H.scope[c], .seed = 17 + (uint64_t)c,
                            .base_ms = H.now - 30ull * 86400000, .span_ms = 30ull * 86400000,
                            .n = ops, .first = 0};
    struct bench_ops o;
    if (bench_gen_ops(g, ops, &o) || load(H.n[0], &o) || load(H.n[c + 1], &o))
      return 1;
    bench_ops_free(&o);
    g->first = ops;
    g->base_ms = H.now - 60000;
    g->span_ms = 50000;
  }
  for (int c = 0; c < k; c++) {
    if (node_peer_up(H.n[c + 1], 0, 0) || node_peer_up(H.n[0], (uint32_t)c + 1, 1))
      return 1;
    deliver_all();
  }
  return 0;
}

static int same(int c)
{
  uint8_t a[CRDT_DIGEST_BYTES], b[CRDT_DIGEST_BYTES], sa[STORE_FP_SUM_BYTES], sb[STORE_FP_SUM_BYTES];
  uint64_t na = 0, nb = 0;
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  return node_digest(H.n[0], H.scope[c], a) == 0 && node_digest(H.n[c + 1], H.scope[c], b) == 0 &&
         store_range_fp(node_store(H.n[0]), H.scope[c], &lo, &hi, &na, sa) == 0 &&
         store_range_fp(node_store(H.n[c + 1]), H.scope[c], &lo, &hi, &nb, sb) == 0 && na == nb &&
         !memcmp(a, b, sizeof a) && !memcmp(sa, sb, sizeof sa);
}

/* One round after every community wrote `fresh` ops; its CPU seconds, or
 * a negative number if a scope did not converge. */
static double round_once(size_t fresh)
{
  for (int c = 0; c < H.k; c++) {
    struct bench_gen *g = &H.gen[c];
    struct bench_ops o;
    g->n = fresh;
    if (bench_gen_ops(g, fresh, &o) || load(H.n[c + 1], &o))
      return -1;
    bench_ops_free(&o);
    g->first += fresh;
  }
  H.now += 30001; /* one sync interval: every peer is due */
  for (int c = 0; c < H.k; c++)
    node_tick(H.n[c + 1]); /* the communities' ticks: idle, they accept */
  double t0 = thread_cpu();
  node_tick(H.n[0]);
  deliver_all();
  node_flush(H.n[0]);
  double dt = thread_cpu() - t0;
  for (int c = 0; c < H.k; c++)
    if (!same(c)) {
      fprintf(stderr, "scopes: K=%d scope %s did not converge\n", H.k, H.scope[c]);
      return -1;
    }
  return dt;
}

static void teardown(void)
{
  for (int i = 0; i <= H.k; i++) {
    node_close(H.n[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", H.dirs[i]);
    if (system(cmd) != 0)
      fprintf(stderr, "scopes: could not remove %s\n", H.dirs[i]);
  }
  free(H.q);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median round of K communities (seconds) over `builds` fresh starts
 * of `rounds` rounds each, or negative. */
static double measure(int k, size_t ops, size_t fresh, int rounds, int builds)
{
  double t[320];
  int m = 0;
  for (int b = 0; b < builds; b++) {
    fprintf(stderr, "scopes: K=%d: %zu ops a scope on the hub and its community...\n", k, ops);
    if (build(k, ops)) {
      fprintf(stderr, "scopes: K=%d: setup failed\n", k);
      teardown();
      return -1;
    }
    for (int r = 0; r < rounds; r++)
      if ((t[m++] = round_once(fresh)) < 0) {
        teardown();
        return -1;
      }
    teardown();
  }
  qsort(t, (size_t)m, sizeof *t, cmp_double);
  return t[m / 2];
}

int bench_scopes(int argc, char **argv)
{
  size_t ops = 1000, fresh = 10;
  int rounds = 9;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      ops = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--new") && i + 1 < argc)
      fresh = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: linli-bench scopes [--ops N] [--new N] [--rounds R]\n");
      return 2;
    }
  }
  if (rounds < 1 || rounds > 64 || !fresh) {
    fprintf(stderr, "scopes: --rounds 1..64, --new at least 1\n");
    return 2;
  }
  /* a round of one scope is short: five starts of it for its median */
  double one = measure(1, ops, fresh, rounds, 5), many = measure(K_MAX, ops, fresh, rounds, 1);
  if (one <= 0 || many <= 0)
    return 1;
  bench_metric("hub_round_1_scope_ms", one * 1e3, "ms");
  bench_metric("hub_round_150_scopes_ms", many * 1e3, "ms");
  bench_ratio("hub_scopes_150_vs_1", many / (K_MAX * one));
  return 0;
}
