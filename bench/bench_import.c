/* linli-bench import: the same imports through a running linlid and with
 * linlid stopped, measured in the same run.
 *
 * Runs the linli and linlid of this build (found beside this executable, or
 * --bin DIR holding cli/linli and node/daemon/linlid) in a temporary
 * directory: a source node writes `linli sample --days 43` (about 20,000
 * ops) and exports its compounds, grids, households and residents (3,680)
 * as CSV. Then, --runs times (default 5), alternating which goes first, on
 * a fresh node each time:
 *   bundle: `linli import` of the bundle, linlid stopped, then running;
 *   csv:    `linli import-csv resident` of the 3,680 rows into a node that
 *           holds the compounds, grids and households, stopped, then running.
 * Only the import command is timed (linlid is up and answering before).
 *
 *   ratio import_daemon_vs_direct_bundle  median direct time / median
 *                                         through-linlid time (1 = as fast)
 *   ratio import_daemon_vs_direct_csv     the same for the CSV
 *   metric import_{bundle,csv}_{direct,daemon}_s (medians) */
#define _DEFAULT_SOURCE /* mkdtemp, usleep */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define RUNS_MAX 51

struct bi {
  char linli[600], linlid[600], tmp[64];
};

/* Runs argv (NULL-terminated), stdout and stderr to /dev/null or a file;
 * its exit status, or -1. */
static int bi_run(const char *const argv[], const char *out)
{
  fflush(NULL);
  pid_t p = fork();
  if (p < 0)
    return -1;
  if (p == 0) {
    if (!freopen(out ? out : "/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
      _exit(127);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  int st;
  if (waitpid(p, &st, 0) != p)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define RUN(...) bi_run((const char *const[]){__VA_ARGS__, NULL}, NULL)

/* A new node DIR of community shihua (removed first if it exists). */
static int bi_init(const struct bi *b, const char *dir)
{
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return -1;
  return RUN(b->linli, "init", "--data", dir, "--community", "shihua");
}

static pid_t bi_daemon(const struct bi *b, const char *dir)
{
  char log[300];
  snprintf(log, sizeof log, "%s.log", dir);
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    if (!freopen(log, "a", stderr))
      _exit(127);
    execl(b->linlid, b->linlid, "--data", dir, (char *)NULL);
    _exit(127);
  }
  for (int i = 0; p > 0 && i < 500; i++) {
    int st;
    if (waitpid(p, &st, WNOHANG) == p)
      return -1;
    if (RUN(b->linli, "status", "--data", dir) == 0)
      return p;
    usleep(20000);
  }
  if (p > 0) {
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
  }
  return -1;
}

static void bi_stop(pid_t p)
{
  kill(p, SIGTERM);
  waitpid(p, NULL, 0);
}

/* One timed import into a fresh node; seconds, or -1. csv: the CSV case. */
static double bi_once(const struct bi *b, int csv, int daemon)
{
  char dir[128], path[4][160];
  static const char *const colls[] = {"compound", "grid", "household", "resident"};
  snprintf(dir, sizeof dir, "%s/w", b->tmp);
  for (int i = 0; i < 4; i++)
    snprintf(path[i], sizeof path[i], "%s/%s.csv", b->tmp, colls[i]);
  if (bi_init(b, dir))
    return -1;
  for (int i = 0; csv && i < 3; i++)
    if (RUN(b->linli, "import-csv", "--data", dir, colls[i], path[i]))
      return -1;
  pid_t p = daemon ? bi_daemon(b, dir) : 0;
  if (p < 0)
    return -1;
  char bundle[160];
  snprintf(bundle, sizeof bundle, "%s/s.bundle", b->tmp);
  double t0 = bench_now();
  int rc = csv ? RUN(b->linli, "import-csv", "--data", dir, "resident", path[3])
               : RUN(b->linli, "import", "--data", dir, bundle);
  double t = bench_now() - t0;
  if (p)
    bi_stop(p);
  return rc ? -1 : t;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bi_setup(struct bi *b)
{
  char src[128], bundle[160], out[160];
  snprintf(src, sizeof src, "%s/src", b->tmp);
  snprintf(bundle, sizeof bundle, "%s/s.bundle", b->tmp);
  if (bi_init(b, src) || RUN(b->linli, "sample", "--data", src, "--days", "43", bundle) ||
      RUN(b->linli, "import", "--data", src, bundle))
    return -1;
  static const char *const colls[] = {"compound", "grid", "household", "resident"};
  for (int i = 0; i < 4; i++) {
    snprintf(out, sizeof out, "%s/%s.csv", b->tmp, colls[i]);
    if (RUN(b->linli, "export-csv", "--data", src, colls[i], out))
      return -1;
  }
  return 0;
}

int bench_import(int argc, char **argv)
{
  struct bi b;
  int runs = 5;
  char bin[400] = "";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
      snprintf(bin, sizeof bin, "%s", argv[++i]);
    else {
      fprintf(stderr, "usage: linli-bench import [--runs N] [--bin BUILD_DIR]\n");
      return 2;
    }
  }
  if (runs < 1 || runs > RUNS_MAX) {
    fprintf(stderr, "linli-bench import: --runs must be 1 to %d\n", RUNS_MAX);
    return 2;
  }
  if (!bin[0]) {
    ssize_t k = readlink("/proc/self/exe", bin, sizeof bin - 1);
    if (k <= 0)
      return 1;
    bin[k] = 0;
    for (int up = 0; up < 2; up++) { /* BUILD/bench/linli-bench -> BUILD */
      char *slash = strrchr(bin, '/');
      if (!slash)
        return 1;
      *slash = 0;
    }
  }
  snprintf(b.linli, sizeof b.linli, "%s/cli/linli", bin);
  snprintf(b.linlid, sizeof b.linlid, "%s/node/daemon/linlid", bin);
  if (access(b.linli, X_OK) || access(b.linlid, X_OK)) {
    fprintf(stderr, "linli-bench import: no linli or linlid under %s (build them, or --bin DIR)\n",
            bin);
    return 1;
  }
  snprintf(b.tmp, sizeof b.tmp, "/tmp/linli-bench-import-XXXXXX");
  if (!mkdtemp(b.tmp) || bi_setup(&b)) {
    fprintf(stderr, "linli-bench import: setting up the sample in %s failed\n", b.tmp);
    return 1;
  }
  static const char *const what[] = {"bundle", "csv"};
  int ret = 0;
  for (int csv = 0; csv < 2 && !ret; csv++) {
    double t[2][RUNS_MAX];
    for (int r = 0; r < runs && !ret; r++)
      for (int k = 0; k < 2; k++) {
        int daemon = (k + r) % 2; /* alternate which goes first */
        if ((t[daemon][r] = bi_once(&b, csv, daemon)) < 0) {
          fprintf(stderr, "linli-bench import: the %s import %s failed (logs in %s)\n", what[csv],
                  daemon ? "through linlid" : "with linlid stopped", b.tmp);
          ret = 1;
          break;
        }
      }
    if (ret)
      break;
    double direct = median(t[0], runs), through = median(t[1], runs);
    char name[64];
    snprintf(name, sizeof name, "import_%s_direct_s", what[csv]);
    bench_metric(name, direct, "s");
    snprintf(name, sizeof name, "import_%s_daemon_s", what[csv]);
    bench_metric(name, through, "s");
    snprintf(name, sizeof name, "import_daemon_vs_direct_%s", what[csv]);
    bench_ratio(name, direct / through);
  }
  if (!ret) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.tmp);
    if (system(cmd) != 0)
      fprintf(stderr, "linli-bench import: could not remove %s\n", b.tmp);
  }
  return ret;
}
