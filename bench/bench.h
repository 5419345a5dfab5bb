/* linli-bench: each subcommand measures one thing and its baseline in the
 * same run and prints "ratio NAME VALUE" and "metric NAME VALUE UNIT" lines.
 * Benchmarks are tools, not engines: they may read the clock directly. */
#ifndef LINLI_BENCH_H
#define LINLI_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline double bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by the whole process (all threads) so far. */
static inline double bench_cpu(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void bench_ratio(const char *name, double v)
{
  printf("ratio %s %.3f\n", name, v);
  fflush(stdout);
}

static inline void bench_metric(const char *name, double v, const char *unit)
{
  /* Small figures (ratios, spreads, microseconds) with three decimals. */
  printf(v > -10 && v < 10 ? "metric %s %.3f %s\n" : "metric %s %.1f %s\n", name, v, unit);
  fflush(stdout);
}

/* Runs fn(arg, i) for at least `seconds`, returns calls per second. */
double bench_rate(void (*fn)(void *arg, uint64_t i), void *arg, double seconds);

/* Raw Ed25519 verifies per second of sample[0 .. BENCH_VERIFY_SAMPLE - 1]
 * (decoded ops) on `threads` threads (the caller is one), for secs. */
#define BENCH_VERIFY_SAMPLE 4096
struct crdt_op;
double bench_raw_verify_rate(const struct crdt_op *sample, int threads, double secs);

int bench_op(int argc, char **argv);
int bench_store(int argc, char **argv);
int bench_sync(int argc, char **argv);
int bench_bootstrap(int argc, char **argv);
int bench_reconcile(int argc, char **argv);

#endif
