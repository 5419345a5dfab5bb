/* linli-bench sync: two node cores in one process over an in-memory pipe,
 * each on its own LMDB store. Node A and node B start with the same n ops
 * (--ops, default 500,000); then, case by case, d new ops (d = 1, 100,
 * 1,000, 10,000) are made: all on A at the recent end (clustered, as after
 * an outage: A dials), all on A scattered over the whole span, or both
 * sides at the recent end, A d/2 rounded up and B the rest (both: as after
 * a partition). The two link up and reconcile until quiet. For each case:
 *   ratio wire_{clustered,scattered,both}_dN = bytes both ways (each
 *         message's bytes plus 4 bytes of framing) / (d * mean signed op bytes)
 *   ratio naive_vs_linli_..._dN = the baseline, measured in the same run:
 *         bytes if each side sent all its ids (plus the d ops) / linli's bytes
 *   metric round_trips_... = the longest chain of RECONs each sent in
 *         answer to the one before (the first is 1), / 2 rounded up: the
 *         parts of one answer count once
 *   metric cpu_ms_... = CPU time of this process (both sides, through
 *         their LMDB stores) over the session
 * The digests of A and B are compared after each case: a case that does not
 * converge is reported as a failure. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "domain.h"
#include "bench_gen.h"
#include "ingest.h"
#include "net.h"
#include "node.h"

#define FRAMING 4

struct pmsg {
  int to;
  uint32_t gen; /* 1 + the gen of the message being handled when it was sent */
  uint8_t *b;
  size_t len;
};

struct pipe2 {
  uint64_t now;
  struct node *n[2];
  int ctx[2];
  struct pmsg *q;
  size_t qn, qcap, head;
  uint64_t bytes, recon_msgs, msgs;
  uint32_t cur_gen, recon_first, recon_depth;
  int linked;
};

static struct pipe2 P;

static uint64_t p_now(void *ctx)
{
  (void)ctx;
  return P.now;
}

static void p_rand(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  memset(buf, 0, len);
}

static int p_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  (void)ctx;
  if (!P.linked)
    return 0;
  if (P.qn == P.qcap) {
    P.qcap = P.qcap ? 2 * P.qcap : 1024;
    P.q = realloc(P.q, P.qcap * sizeof *P.q);
    if (!P.q)
      abort();
  }
  uint8_t *b = malloc(len);
  if (!b)
    abort();
  memcpy(b, msg, len);
  P.q[P.qn++] = (struct pmsg){(int)peer, P.cur_gen + 1, b, len};
  return 0;
}

static void pump(void)
{
  while (P.head < P.qn) {
    struct pmsg m = P.q[P.head++];
    enum net_msg_type t;
    P.bytes += m.len + FRAMING;
    P.msgs++;
    if (net_msg_type(m.b, m.len, &t) == 0 && t == NET_RECON) {
      if (P.recon_msgs++ == 0)
        P.recon_first = m.gen; /* the first RECON (after the HELLOs) counts 1 */
      if (m.gen - P.recon_first + 1 > P.recon_depth)
        P.recon_depth = m.gen - P.recon_first + 1;
    }
    P.cur_gen = m.gen;
    node_receive(P.n[m.to], (uint32_t)!m.to, m.b, m.len);
    P.cur_gen = 0;
    free(m.b);
  }
  P.head = P.qn = 0;
}

/* One session: node 0 dials node 1, they reconcile and exchange ops until
 * nothing is in flight, the link goes down; P counts its bytes and messages. */
static void sync_session(void)
{
  P.bytes = P.recon_msgs = P.msgs = 0;
  P.recon_depth = P.recon_first = P.cur_gen = 0;
  P.linked = 1;
  node_peer_up(P.n[1], 0, 0);
  node_peer_up(P.n[0], 1, 1);
  pump();
  node_peer_down(P.n[0], 1);
  node_peer_down(P.n[1], 0);
  P.linked = 0;
}

static size_t map_size = (size_t)1 << 30;

static int open_node(int i, const char *dir, struct crdt_identity *who)
{
  struct node_env env = {&P.ctx[i], p_now, p_rand, p_send, NULL, NULL};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = dir;
  cfg.identity = who;
  cfg.scopes[0] = "shihua";
  cfg.n_scopes = 1;
  cfg.nosync = 1;
  /* No write check (domain_accept): bench_gen's ops predate the schema's
   * key and reference rules, and reconciliation does not depend on it. */
  cfg.map_size = map_size;
  cfg.map_size_max = (size_t)256 << 30;
  cfg.max_drift_ms = UINT64_MAX / 4;
  return node_open(&P.n[i], &env, &cfg);
}

static int ingest_into(struct node *n, const struct bench_ops *o)
{
  struct ingest_stats st;
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  return ingest_run(node_store(n), (const uint8_t *const *)o->ops, o->lens, o->n, 1000,
                    cores > 1 ? cores - 1 : 0, NULL, NULL, &st);
}

static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum sync_case { CASE_CLUSTERED, CASE_SCATTERED, CASE_BOTH };
static const char *case_name[] = {"clustered", "scattered", "both"};

/* Makes k new ops with g (times as g says) and stores them on node i. */
static int add_ops(struct bench_gen *g, size_t k, int i, double *bytes)
{
  struct bench_ops extra;
  if (k == 0)
    return 0;
  g->n = k;
  if (bench_gen_ops(g, k, &extra) || ingest_into(P.n[i], &extra))
    return 1;
  g->first += k;
  *bytes += bench_ops_mean_bytes(&extra) * (double)k;
  bench_ops_free(&extra);
  return 0;
}

/* ga makes A's new ops, gb B's (another author: other ids); recent: the
 * last hour after everything so far. */
static int one_case(struct bench_gen *ga, struct bench_gen *gb, enum sync_case c, size_t d,
                    double mean_bytes, uint64_t n_now)
{
  char name[64];
  double extra_bytes = 0;
  size_t on_a = c == CASE_BOTH ? (d + 1) / 2 : d;
  ga->scatter = c == CASE_SCATTERED;
  if (add_ops(ga, on_a, 0, &extra_bytes))
    return 1;
  if (c == CASE_BOTH) {
    gb->base_ms = ga->base_ms, gb->span_ms = ga->span_ms, gb->scatter = 0;
    if (add_ops(gb, d - on_a, 1, &extra_bytes))
      return 1;
  }
  if (c != CASE_SCATTERED)
    ga->base_ms += ga->span_ms;

  double c0 = cpu_now();
  sync_session();
  double cpu = cpu_now() - c0;

  uint8_t da[CRDT_DIGEST_BYTES], db[CRDT_DIGEST_BYTES];
  node_digest(P.n[0], NULL, da);
  node_digest(P.n[1], NULL, db);
  const char *mode = case_name[c];
  if (memcmp(da, db, sizeof da) != 0) {
    struct node_status sa, sb;
    node_status(P.n[0], &sa);
    node_status(P.n[1], &sb);
    fprintf(stderr, "sync: %s d=%zu did not converge (ops %llu vs %llu, rejected %llu vs %llu)\n",
            mode, d, (unsigned long long)sa.ops, (unsigned long long)sb.ops,
            (unsigned long long)sa.rejected, (unsigned long long)sb.rejected);
    return 1;
  }
  /* The handshake (two HELLOs) is part of the cost too. */
  double naive = (double)(2 * n_now + d) * NET_ID_BYTES + extra_bytes;
  snprintf(name, sizeof name, "wire_%s_d%zu", mode, d);
  bench_ratio(name, (double)P.bytes / ((double)d * mean_bytes));
  snprintf(name, sizeof name, "naive_vs_linli_%s_d%zu", mode, d);
  bench_ratio(name, naive / (double)P.bytes);
  snprintf(name, sizeof name, "round_trips_%s_d%zu", mode, d);
  bench_metric(name, (double)((P.recon_depth + 1) / 2), "rt");
  snprintf(name, sizeof name, "cpu_ms_%s_d%zu", mode, d);
  bench_metric(name, cpu * 1e3, "ms");
  if (d == 1 && c != CASE_BOTH) {
    snprintf(name, sizeof name, "wire_d1_bytes_%s", mode);
    bench_metric(name, (double)P.bytes, "B");
  }
  return 0;
}

int bench_sync(int argc, char **argv)
{
  size_t n = 500000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      n = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: linli-bench sync [--ops N]\n");
      return 2;
    }
  }
  char da[64] = "/tmp/linli-bench-syncA-XXXXXX", db[64] = "/tmp/linli-bench-syncB-XXXXXX";
  if (!mkdtemp(da) || !mkdtemp(db))
    return 1;
  struct crdt_identity a, b;
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 0x21, sizeof seed);
  crdt_identity_from_seed(&a, seed);
  memset(seed, 0x22, sizeof seed);
  crdt_identity_from_seed(&b, seed);
  P.now = 1590000000000;
  P.ctx[0] = 0, P.ctx[1] = 1;
  if (n > 2000000)
    map_size = (size_t)8 << 30;
  if (open_node(0, da, &a) || open_node(1, db, &b))
    return 1;

  struct bench_gen g = {.scope = "shihua", .seed = 3, .base_ms = 1580000000000,
                        .span_ms = 60ull * 86400000, .n = n, .first = 0};
  memset(seed, 0x23, sizeof seed);
  crdt_identity_from_seed(&g.who, seed);
  struct bench_gen gb = g;
  gb.seed = 5;
  memset(seed, 0x24, sizeof seed);
  crdt_identity_from_seed(&gb.who, seed);
  fprintf(stderr, "sync: signing and storing %zu ops on both nodes...\n", n);
  size_t chunk = 500000;
  double mean = 0;
  for (size_t at = 0; at < n; at += chunk) { /* in chunks: 5M ops do not fit in memory at once */
    struct bench_ops o;
    size_t k = n - at < chunk ? n - at : chunk;
    g.first = at;
    if (bench_gen_ops(&g, k, &o) || ingest_into(P.n[0], &o) || ingest_into(P.n[1], &o))
      return 1;
    mean += bench_ops_mean_bytes(&o) * (double)k / (double)n;
    bench_ops_free(&o);
  }
  bench_metric("ops", (double)n, "ops");
  bench_metric("op_mean_bytes", mean, "B");

  g.first = n;
  g.base_ms = g.base_ms + g.span_ms;
  g.span_ms = 3600000; /* clustered cases: the last hour */
  size_t ds[] = {1, 100, 1000, 10000};
  uint64_t total = n;
  int rc = 0;
  for (int c = CASE_CLUSTERED; c <= CASE_BOTH && !rc; c++) {
    uint64_t keep_base = g.base_ms, keep_span = g.span_ms;
    if (c == CASE_SCATTERED) {
      g.base_ms = 1580000000000;
      g.span_ms = 60ull * 86400000;
    }
    for (int k = 0; k < 4 && !rc; k++) {
      total += ds[k];
      fprintf(stderr, "sync: %s d=%zu\n", case_name[c], ds[k]);
      rc = one_case(&g, &gb, (enum sync_case)c, ds[k], mean, total);
    }
    if (c == CASE_SCATTERED)
      g.base_ms = keep_base, g.span_ms = keep_span;
  }
  node_close(P.n[0]);
  node_close(P.n[1]);
  free(P.q);
  P.q = NULL;
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", da, db);
  if (system(cmd) != 0)
    fprintf(stderr, "sync: could not remove %s %s\n", da, db);
  return rc;
}

/* linli-bench reconcile: CPU time to reconcile a difference of one op at
 * n = --ops (default 10,000,000) over the same at n = --base (default
 * 100,000). For each n, one store is built from n signed ops (bench_gen on
 * both cores, decoded and applied in batches, without verification:
 * reconciliation reads only the (hlc, id) index and fingerprints), copied
 * for the second node, and both are opened as node cores over the
 * in-memory pipe. Then, REPS times, node A gets one new op (at the recent
 * end) and the two reconcile until quiet; the CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID; it runs both sides) over that exchange is
 * taken, and the median is kept.
 *   ratio reconcile_cpu_10m_vs_100k  median CPU at n / median CPU at base
 *   metric reconcile_cpu_us_N, reconcile_bytes_N, reconcile_round_trips_N
 *   metric reconcile_n_max: the n actually measured (when --ops < 10M the
 *          ratio's name still says 10m: read this line) */
#define REC_REPS 7

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int build_store(const char *dir, struct bench_gen *g, size_t n)
{
  struct store_config sc = {dir, (size_t)1 << 30, (size_t)256 << 30, 1, 0};
  struct store *s;
  int rc = store_open(&s, &sc);
  if (rc)
    return rc;
  size_t chunk = 250000;
  struct crdt_op *dec = malloc(chunk * sizeof *dec);
  if (!dec)
    return LINLI_ENOMEM;
  double t0 = bench_now();
  for (size_t at = 0; at < n && !rc; at += chunk) {
    size_t cnt = n - at < chunk ? n - at : chunk;
    struct bench_ops o;
    g->first = at;
    if ((rc = bench_gen_ops(g, cnt, &o)) != 0)
      break;
    for (size_t i = 0; i < cnt && !rc; i++)
      rc = crdt_op_decode(&dec[i], o.ops[i], o.lens[i]);
    for (size_t i = 0; i < cnt && !rc; i += 1000) {
      size_t k = cnt - i < 1000 ? cnt - i : 1000;
      int got = store_apply(s, dec + i, k, NULL);
      rc = got < 0 ? got : (size_t)got == k ? 0 : LINLI_EINVAL;
    }
    bench_ops_free(&o);
    if (at && (at / chunk) % 8 == 0)
      fprintf(stderr, "reconcile: %zu of %zu ops stored (%.0f s)\n", at + cnt, n, bench_now() - t0);
  }
  free(dec);
  store_close(s);
  return rc;
}

static int rec_case(size_t n, double *cpu_med)
{
  char base[64] = "/tmp/linli-bench-rec-XXXXXX", da[96], db[96], cmd[1024];
  if (!mkdtemp(base))
    return 1;
  snprintf(da, sizeof da, "%s/a", base);
  snprintf(db, sizeof db, "%s/b", base);
  struct crdt_identity a, b;
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 0x41, sizeof seed);
  crdt_identity_from_seed(&a, seed);
  memset(seed, 0x42, sizeof seed);
  crdt_identity_from_seed(&b, seed);
  struct bench_gen g = {.scope = "shihua", .seed = 7, .base_ms = 1580000000000,
                        .span_ms = 60ull * 86400000, .n = n, .first = 0};
  memset(seed, 0x43, sizeof seed);
  crdt_identity_from_seed(&g.who, seed);
  fprintf(stderr, "reconcile: n=%zu: signing and storing...\n", n);
  double t0 = bench_now();
  if (build_store(da, &g, n)) {
    fprintf(stderr, "reconcile: building the store failed\n");
    return 1;
  }
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp --sparse=always '%s/data.mdb' '%s/data.mdb'", db, da, db);
  if (system(cmd) != 0)
    return 1;
  fprintf(stderr, "reconcile: n=%zu: two stores ready in %.0f s\n", n, bench_now() - t0);
  uint64_t used_pages = 0;
  memset(&P, 0, sizeof P);
  P.now = 1590000000000;
  P.ctx[0] = 0, P.ctx[1] = 1;
  map_size = (size_t)1 << 30;
  if (open_node(0, da, &a) || open_node(1, db, &b))
    return 1;
  store_bytes_used(node_store(P.n[0]), &used_pages);
  g.first = n;
  g.n = REC_REPS;
  g.base_ms += g.span_ms;
  g.span_ms = 3600000;
  double cpu[REC_REPS];
  uint64_t bytes = 0, rts = 0;
  int rc = 0;
  for (int r = 0; r < REC_REPS && !rc; r++) {
    struct bench_ops extra;
    if (bench_gen_ops(&g, 1, &extra) || ingest_into(P.n[0], &extra))
      return 1;
    g.first++;
    g.base_ms += g.span_ms / REC_REPS;
    bench_ops_free(&extra);
    double c0 = cpu_now();
    sync_session();
    cpu[r] = cpu_now() - c0;
    bytes = P.bytes, rts = (P.recon_depth + 1) / 2;
    struct node_status sa, sb;
    node_status(P.n[0], &sa);
    node_status(P.n[1], &sb);
    if (sa.ops != sb.ops || sa.ops != n + (uint64_t)r + 1) {
      fprintf(stderr, "reconcile: n=%zu rep %d did not converge (%llu vs %llu ops)\n", n, r,
              (unsigned long long)sa.ops, (unsigned long long)sb.ops);
      rc = 1;
    }
  }
  uint8_t ga[CRDT_DIGEST_BYTES], gb[CRDT_DIGEST_BYTES];
  if (!rc && (node_digest(P.n[0], "shihua", ga) || node_digest(P.n[1], "shihua", gb) ||
              memcmp(ga, gb, sizeof ga))) {
    fprintf(stderr, "reconcile: n=%zu: digests differ\n", n);
    rc = 1;
  }
  node_close(P.n[0]);
  node_close(P.n[1]);
  free(P.q);
  P.q = NULL;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0)
    fprintf(stderr, "reconcile: could not remove %s\n", base);
  if (rc)
    return rc;
  qsort(cpu, REC_REPS, sizeof cpu[0], cmp_double);
  *cpu_med = cpu[REC_REPS / 2];
  char name[64];
  snprintf(name, sizeof name, "reconcile_cpu_us_%zu", n);
  bench_metric(name, *cpu_med * 1e6, "us");
  snprintf(name, sizeof name, "reconcile_bytes_%zu", n);
  bench_metric(name, (double)bytes, "B");
  snprintf(name, sizeof name, "reconcile_round_trips_%zu", n);
  bench_metric(name, (double)rts, "rt");
  snprintf(name, sizeof name, "lmdb_bytes_used_%zu", n);
  bench_metric(name, (double)used_pages, "B");
  return 0;
}

int bench_reconcile(int argc, char **argv)
{
  size_t n = 10000000, base = 100000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      n = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--base") && i + 1 < argc)
      base = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: linli-bench reconcile [--ops N] [--base N]\n");
      return 2;
    }
  }
  if (base < 1000 || n < base) {
    fprintf(stderr, "linli-bench reconcile: need 1000 <= --base <= --ops\n");
    return 2;
  }
  double c_small, c_big;
  if (rec_case(base, &c_small) || rec_case(n, &c_big))
    return 1;
  bench_metric("reconcile_n_max", (double)n, "ops");
  bench_metric("reconcile_n_base", (double)base, "ops");
  bench_ratio("reconcile_cpu_10m_vs_100k", c_big / c_small);
  return 0;
}
