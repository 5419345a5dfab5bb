#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "crdt.h"

int bench_report(int argc, char **argv); /* bench_report.c */
int bench_import(int argc, char **argv); /* bench_import.c */
int bench_scopes(int argc, char **argv); /* bench_scopes.c */
int bench_web(int argc, char **argv);    /* bench_web.c */

double bench_rate(void (*fn)(void *, uint64_t), void *arg, double seconds)
{
  uint64_t n = 0, batch = 16;
  double t0 = bench_now(), t;
  do {
    for (uint64_t i = 0; i < batch; i++)
      fn(arg, n + i);
    n += batch;
    t = bench_now();
  } while (t - t0 < seconds);
  return (double)n / (t - t0);
}

static const struct {
  const char *name;
  int (*run)(int, char **);
  const char *help;
} cmds[] = {
    {"op", bench_op, "op sign/verify vs raw Ed25519; ops with 3 sealed fields vs in clear (op_sign_sealed)"},
    {"store", bench_store, "ingest vs verify, storage amplification, range fingerprint scaling"},
    {"sync", bench_sync, "reconciliation bytes and round trips vs the difference, two node cores"},
    {"bootstrap", bench_bootstrap, "an empty linlid pulls n ops over CURVE on 127.0.0.1, vs raw verify"},
    {"reconcile", bench_reconcile, "CPU to reconcile d = 1 at n = 10,000,000 vs n = 100,000"},
    {"import", bench_import, "import and import-csv through a running linlid vs with it stopped"},
    {"report", bench_report, "the district 7-day report at n = 10,000,000 vs a raw scan of its keys; the city report vs it"},
    {"scopes", bench_scopes, "a hub's sync round at 150 community scopes vs 150 x at one"},
    {"web", bench_web, "the web console's district page vs linli report; sync with 20 page readers vs without"},
};

static void usage(FILE *f)
{
  fprintf(f, "usage: linli-bench COMMAND [--seconds S]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
  fprintf(f, "\nEach prints 'ratio NAME VALUE' lines: a rate over its baseline measured in the\n"
             "same run, so figures compare across noisy machines.\n");
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (crdt_init() != 0) {
    fprintf(stderr, "linli-bench: %s\n", linli_strerror(LINLI_ECRYPTO));
    return 1;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(argv[1], cmds[i].name))
      return cmds[i].run(argc - 1, argv + 1);
  fprintf(stderr, "linli-bench: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
