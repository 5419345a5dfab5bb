/* linli-bench bootstrap: an empty node pulls an n-op replica from a full one
 * over real ZeroMQ with CURVE on 127.0.0.1.
 *
 * Two real linlid processes, started from this build (BUILD/node/daemon/linlid,
 * found beside this executable, or --linlid PATH): the source holds n
 * pre-signed ops (bench_gen, stored into its data directory before it
 * starts), the destination starts empty and dials it. The clock runs from
 * starting the destination until its `status` (control socket) reports n
 * ops stored, so it includes the daemon's start and the CURVE handshake.
 *
 *   ratio bootstrap_vs_verify  ops/s pulled / raw Ed25519 verifies per
 *                              second on all cores (at most 8), measured in
 *                              the same run (before and after; the faster)
 *   metric bootstrap_per_s, bootstrap_s, raw_verify_per_s, src_cpu_s,
 *          dst_cpu_s (the daemons' user+system CPU over their whole life)
 *
 * Both daemons run with the per-peer rate limits raised to their maximum
 * (peer_ops_per_s / peer_msgs_per_s 1000000) when the config accepts them:
 * the default limit would measure the limit, not the pipeline. */
#define _DEFAULT_SOURCE /* usleep, wait4 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_gen.h"
#include "ingest.h"
#include "store.h"
#include "transport.h"

#define CHUNK 200000

static void hex(char *out, const uint8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", b[i]);
}

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(text, f);
  return fclose(f);
}

/* ops stored per the daemon's status, or -1 if it did not answer. */
static long long daemon_ops(const char *dir)
{
  char ep[300];
  uint8_t req[] = {0x91, 0xa6, 's', 't', 'a', 't', 'u', 's'};
  static uint8_t reply[TRANSPORT_REPLY_MAX];
  snprintf(ep, sizeof ep, "ipc://%s/control.sock", dir);
  int len = transport_request(ep, req, sizeof req, reply, sizeof reply, 2000);
  if (len <= 0)
    return -1;
  struct crdt_mp r;
  uint32_t cnt, slen;
  uint64_t code, ops;
  const char *s;
  const uint8_t *b;
  crdt_mp_init(&r, reply, (size_t)len);
  if (crdt_mp_array(&r, &cnt) || crdt_mp_uint(&r, &code) || code != 0 || crdt_mp_array(&r, &cnt) ||
      crdt_mp_str(&r, &s, &slen) || crdt_mp_bin(&r, &b, &slen) || crdt_mp_uint(&r, &ops))
    return -1;
  return (long long)ops;
}

static pid_t start_daemon(const char *linlid, const char *dir)
{
  char log[300];
  snprintf(log, sizeof log, "%s.log", dir);
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    FILE *f = freopen(log, "a", stderr);
    (void)f;
    execl(linlid, linlid, "--data", dir, (char *)NULL);
    _exit(127);
  }
  return p;
}

/* Waits up to secs for the daemon to answer; 0, or -1 if it exited or did not. */
static int wait_up(pid_t p, const char *dir, double secs)
{
  double t0 = bench_now();
  while (bench_now() - t0 < secs) {
    int st;
    if (waitpid(p, &st, WNOHANG) == p)
      return -1;
    if (daemon_ops(dir) >= 0)
      return 0;
    usleep(20000);
  }
  return -1;
}

static double stop_daemon(pid_t p)
{
  struct rusage ru;
  int st;
  kill(p, SIGTERM);
  if (wait4(p, &st, 0, &ru) != p)
    return 0;
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec * 1e-6;
}

static int write_conf(const char *dir, const char *body, int limits)
{
  char path[300], text[1024];
  snprintf(path, sizeof path, "%s/linlid.conf", dir);
  snprintf(text, sizeof text, "data %s\n%s%s", dir, body,
           limits ? "peer_ops_per_s 1000000\npeer_msgs_per_s 1000000\n" : "");
  return write_file(path, text);
}

int bench_bootstrap(int argc, char **argv)
{
  size_t n = 500000;
  char linlid[512] = "";
  int keep = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      n = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--linlid") && i + 1 < argc)
      snprintf(linlid, sizeof linlid, "%s", argv[++i]);
    else if (!strcmp(argv[i], "--keep"))
      keep = 1;
    else {
      fprintf(stderr, "usage: linli-bench bootstrap [--ops N] [--linlid PATH] [--keep]\n");
      return 2;
    }
  }
  if (n < BENCH_VERIFY_SAMPLE) {
    fprintf(stderr, "linli-bench bootstrap: --ops must be at least %d\n", BENCH_VERIFY_SAMPLE);
    return 2;
  }
  if (!linlid[0]) {
    char self[400];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
      return 1;
    self[k] = 0;
    char *slash = strrchr(self, '/');
    *slash = 0;
    snprintf(linlid, sizeof linlid, "%s/../node/daemon/linlid", self);
  }
  if (access(linlid, X_OK) != 0) {
    fprintf(stderr, "bootstrap: no linlid at %s (build it, or pass --linlid PATH)\n", linlid);
    return 1;
  }
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  cores = cores < 1 ? 1 : cores > 8 ? 8 : cores;

  char base[64] = "/tmp/linli-bench-boot-XXXXXX", src[128], dst[128], path[300];
  if (!mkdtemp(base))
    return 1;
  snprintf(src, sizeof src, "%s/src", base);
  snprintf(dst, sizeof dst, "%s/dst", base);
  if (mkdir(src, 0700) || mkdir(dst, 0700))
    return 1;
  struct crdt_identity a, b;
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 0x31, sizeof seed);
  crdt_identity_from_seed(&a, seed);
  memset(seed, 0x32, sizeof seed);
  crdt_identity_from_seed(&b, seed);
  snprintf(path, sizeof path, "%s/node.key", src);
  if (crdt_identity_save(&a, path))
    return 1;
  snprintf(path, sizeof path, "%s/node.key", dst);
  if (crdt_identity_save(&b, path))
    return 1;
  char pka[2 * CRDT_PK_BYTES + 1], pkb[2 * CRDT_PK_BYTES + 1], body[600];
  hex(pka, a.pk, CRDT_PK_BYTES);
  hex(pkb, b.pk, CRDT_PK_BYTES);
  int port = 20000 + (int)(getpid() % 20000);

  /* The source's replica: n ops of its own community, stored before it starts. */
  struct bench_gen g = {.scope = "shihua", .seed = 5, .base_ms = 1580000000000,
                        .span_ms = 60ull * 86400000, .n = n, .first = 0, .who = a};
  struct store_config sc = {src, 256u << 20, (size_t)64 << 30, 1, 0};
  struct store *s;
  if (store_open(&s, &sc))
    return 1;
  fprintf(stderr, "bootstrap: signing and storing %zu ops in the source...\n", n);
  static struct crdt_op sample[BENCH_VERIFY_SAMPLE];
  struct bench_ops first = {0}; /* the sample points into it */
  double raw1 = 0;
  for (size_t at = 0; at < n; at += CHUNK) {
    size_t cnt = n - at < CHUNK ? n - at : CHUNK;
    struct bench_ops o;
    struct ingest_stats st;
    g.first = at;
    if (bench_gen_ops(&g, cnt, &o))
      return 1;
    if (at == 0) {
      for (int i = 0; i < BENCH_VERIFY_SAMPLE; i++)
        if (crdt_op_decode(&sample[i], o.ops[i], o.lens[i]))
          return 1;
      raw1 = bench_raw_verify_rate(sample, cores, 1.0);
    }
    if (ingest_run(s, (const uint8_t *const *)o.ops, o.lens, cnt, 1000, cores, NULL, NULL, &st) ||
        st.stored != cnt) {
      fprintf(stderr, "bootstrap: storing the source's ops failed\n");
      return 1;
    }
    if (at == 0)
      first = o;
    else
      bench_ops_free(&o);
  }
  store_close(s);
  crdt_identity_wipe(&a);
  crdt_identity_wipe(&b);

  int limits = 1, rc = 1;
  pid_t ps = -1, pd = -1;
  for (;;) {
    snprintf(body, sizeof body, "listen tcp://127.0.0.1:%d\nscope shihua\nallow dst %s\n", port, pkb);
    write_conf(src, body, limits);
    snprintf(body, sizeof body, "scope shihua\npeer src tcp://127.0.0.1:%d %s\n", port, pka);
    write_conf(dst, body, limits);
    ps = start_daemon(linlid, src);
    if (wait_up(ps, src, 30) == 0)
      break;
    stop_daemon(ps);
    if (!limits) {
      fprintf(stderr, "bootstrap: the source linlid did not start (log: %s.log)\n", src);
      return 1;
    }
    fprintf(stderr, "bootstrap: linlid refused peer_ops_per_s; running without it\n");
    limits = 0;
  }
  fprintf(stderr, "bootstrap: source up on 127.0.0.1:%d; starting the empty node\n", port);
  double t0 = bench_now(), t1 = 0;
  pd = start_daemon(linlid, dst);
  long long got = 0, last = -1;
  double last_change = t0;
  while (bench_now() - last_change < 120) {
    int st;
    if (waitpid(pd, &st, WNOHANG) == pd || waitpid(ps, &st, WNOHANG) == ps) {
      fprintf(stderr, "bootstrap: a daemon exited (logs: %s.log, %s.log)\n", src, dst);
      pd = ps = -1;
      break;
    }
    got = daemon_ops(dst);
    if (got >= (long long)n) {
      t1 = bench_now();
      rc = 0;
      break;
    }
    if (got != last)
      last = got, last_change = bench_now();
    usleep(10000);
  }
  if (rc)
    fprintf(stderr, "bootstrap: the empty node stalled at %lld of %zu ops\n", got, n);
  double dst_cpu = pd > 0 ? stop_daemon(pd) : 0, src_cpu = ps > 0 ? stop_daemon(ps) : 0;
  double raw2 = bench_raw_verify_rate(sample, cores, 1.0);
  double raw = raw1 > raw2 ? raw1 : raw2;
  bench_ops_free(&first);
  if (!rc) {
    double rate = (double)n / (t1 - t0);
    bench_metric("ops", (double)n, "ops");
    bench_metric("raw_verify_per_s", raw, "ops/s");
    bench_metric("bootstrap_s", t1 - t0, "s");
    bench_metric("bootstrap_per_s", rate, "ops/s");
    bench_metric("src_cpu_s", src_cpu, "s");
    bench_metric("dst_cpu_s", dst_cpu, "s");
    bench_metric("rate_limits_raised", limits, "bool");
    bench_ratio("bootstrap_vs_verify", rate / raw);
  }
  if (!keep && !rc) {
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
      fprintf(stderr, "bootstrap: could not remove %s\n", base);
  } else {
    fprintf(stderr, "bootstrap: data and logs kept in %s\n", base);
  }
  return rc;
}
