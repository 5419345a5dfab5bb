/* linli-bench report: the district's 7-day report against a raw scan of
 * the same keys, on a district of --ops ops (default 10,000,000).
 *
 * The district (bench_gen.h, bench_district_*): --scopes communities
 * (default 30) with their registers (compounds, six-measures checklists,
 * households and members, residents, a stock record, cases) and, over
 * --days days (default 60) ending on 2020-03-23 (Asia/Shanghai), events in
 * time order: 60 % health checks, 33 % gate checks, 5 % distributions, 2 %
 * stock movements. Every op is signed by its community's key. The store is
 * filled with store_apply of the decoded ops in batches of 1,000, without
 * verifying them and with nosync (the benchmark measures reading, and
 * ingest has its own benchmark: `linli-bench store`).
 *
 * The district 7-day report (report.h, report_district) on the last day D:
 * for each community, what report_scopes gives on D (compounds and how many
 * are epidemic-free, households, residents, open cases by category, stock
 * counters, ops held, newest op) without the all-time distribution totals,
 * plus the window figures of D-6 .. D: health checks, fevers (>= 37.3 °C),
 * coughs, gate checks, fevers at the gate, visitors, and relief, group and
 * proxy distributions. The window is one store_range_each pass over each
 * community's ops from the window's first local midnight on.
 *
 * The baseline reads exactly those keys with the store's public API and
 * does nothing with them: per community, store_range_fp over all its ops and
 * store_range_nth for the newest (the completeness and freshness reads),
 * store_read_rows scanning the record prefixes the report reads (compound,
 * household, resident, case_status, measures, supply_stock), and
 * store_range_each over the same (scope, hlc) range as the window; each
 * callback only counts and touches the bytes. (The report reads the few
 * case_status and measures rows once more per compound, for the rule.)
 *
 *   ratio report_vs_scan  median report time / median scan time
 *                         (--reps runs of each, alternating, after one warm
 *                         run of each: the store is in the page cache)
 *   metric ops, scopes, build_s, build_ops_per_s, lmdb_bytes_used,
 *          window_ops (ops the window pass read), record_rows (rows the
 *          scan read), report_ms, scan_ms, report_window_ms and
 *          scan_window_ms (the window pass alone), report_all_time_ms
 *          (report_scopes, which counts distributions over the whole log,
 *          once; --no-all-time skips it), report_cpu_ms and scan_cpu_ms
 *          (the medians of this thread's CPU time over the same runs: on a
 *          busy machine, what the runs cost without the waits)
 * The city report (domain.h dom_city_read, what `linli report city` prints)
 * on the same last day, over a city node's store of 13 districts of
 * --city-communities communities (default 108) with their certificates and
 * a daily summary each for --days days (bench_gen.h "a city": real signed
 * ops in a second store, built in this run):
 *   ratio city_report_vs_district_report  median city report time / median
 *                         district report time (the runs alternate with
 *                         the others above)
 *   metric city_ops, city_build_s, city_report_ms, city_report_cpu_ms
 * The figures are checked against the generator's own count of what it
 * made (households, residents, compounds, epidemic-free compounds, open
 * cases, every window figure); a mismatch fails the run.
 *
 * --dir DIR keeps the store there, and reuses it when it already holds
 * --ops ops (the same district: the check says if it is not). */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_gen.h"
#include "domain.h"
#include "store.h"

#define CHUNK 200000
#define BATCH 1000
#define UTC_OFFSET (8 * 3600)

static const char *const record_colls[] = {"compound",    "household", "resident",
                                           "case_status", "measures",  "supply_stock"};
#define N_RECORD_COLLS (sizeof record_colls / sizeof record_colls[0])

static int build(struct store *s, const struct bench_district *d)
{
  struct crdt_op *dec = malloc(CHUNK * sizeof *dec);
  if (!dec)
    return LINLI_ENOMEM;
  int rc = 0;
  double t0 = bench_now(), last = t0;
  for (uint64_t at = 0; at < d->n && !rc; at += CHUNK) {
    size_t cnt = d->n - at < CHUNK ? (size_t)(d->n - at) : CHUNK;
    struct bench_ops o;
    if ((rc = bench_district_ops(d, at, cnt, &o)) != 0)
      break;
    for (size_t i = 0; i < cnt && !rc; i++)
      rc = crdt_op_decode(&dec[i], o.ops[i], o.lens[i]);
    for (size_t i = 0; i < cnt && !rc; i += BATCH) {
      size_t k = cnt - i < BATCH ? cnt - i : BATCH;
      int got = store_apply(s, dec + i, k, NULL);
      rc = got < 0 ? got : (size_t)got == k ? 0 : LINLI_EINVAL;
    }
    bench_ops_free(&o);
    if (bench_now() - last > 30 || at + cnt == d->n) {
      last = bench_now();
      fprintf(stderr, "report: %llu of %llu ops stored (%.0f s)\n",
              (unsigned long long)(at + cnt), (unsigned long long)d->n, last - t0);
    }
  }
  free(dec);
  return rc;
}

/* ---- the baseline: the same keys, read and not decoded ---- */

struct scan_acc {
  uint64_t rows, ops, bytes;
};

static int scan_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct scan_acc *a = arg;
  (void)hlc, (void)id;
  a->ops++;
  a->bytes += len + raw[len - 1];
  return 0;
}

static int scan_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct scan_acc *a = arg;
  a->rows++;
  a->bytes += kl + vl + k[kl - 1] + (vl ? v[vl - 1] : 0);
  return 0;
}

struct scan_rows_arg {
  const char *scope;
  struct scan_acc *acc;
};

static int scan_rows(void *arg, const struct crdt_view *v)
{
  struct scan_rows_arg *a = arg;
  for (size_t i = 0; i < N_RECORD_COLLS; i++) {
    uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
    int pl = crdt_row_prefix(prefix, sizeof prefix, a->scope, strlen(a->scope), record_colls[i],
                             strlen(record_colls[i]), NULL, 0);
    if (pl < 0)
      return pl;
    int rc = v->scan(v->ctx, prefix, (size_t)pl, scan_row, a->acc);
    if (rc)
      return rc;
  }
  return 0;
}

static uint64_t window_lo_hlc(const char *date, int window)
{
  int64_t day;
  if (rules_date_days(date, strlen(date), &day))
    return 0;
  return CRDT_HLC_MAKE((uint64_t)(((day - window + 1) * 86400 - UTC_OFFSET) * 1000), 0);
}

static int scan_all(struct store *s, const char *const *scopes, int n, const char *date,
                    int window, int records, struct scan_acc *acc)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max(), last = STORE_BOUND_MIN;
  struct store_bound wlo = {window_lo_hlc(date, window), {0}};
  memset(acc, 0, sizeof *acc);
  for (int i = 0; i < n; i++) {
    int rc;
    if (records) {
      uint64_t ops;
      uint8_t sum[STORE_FP_SUM_BYTES];
      struct scan_rows_arg a = {scopes[i], acc};
      if ((rc = store_range_fp(s, scopes[i], &lo, &hi, &ops, sum)) ||
          (ops && (rc = store_range_nth(s, scopes[i], &lo, &hi, ops - 1, &last))) ||
          (rc = store_read_rows(s, scan_rows, &a)))
        return rc;
      acc->bytes += last.hlc & 1;
    }
    if ((rc = store_range_each(s, scopes[i], &wlo, &hi, 0, scan_op, acc)))
      return rc;
  }
  return 0;
}

/* ---- the check: the figures against the generator's count ---- */

static int check(const struct bench_district *d, int window, const struct report_row *rows,
                 const struct report_window *wins)
{
  struct bench_district_day *days = malloc((size_t)d->scopes * (size_t)d->days * sizeof *days);
  if (!days || bench_district_count(d, days)) {
    free(days);
    return 1;
  }
  int bad = 0;
  for (int i = 0; i < d->scopes; i++) {
    struct bench_district_sizes z;
    struct bench_district_day e = {0};
    bench_district_sizes(i, &z);
    for (int k = d->days - window; k < d->days; k++) {
      const struct bench_district_day *x = &days[(size_t)i * (size_t)d->days + (size_t)k];
      e.health += x->health, e.fevers += x->fevers, e.coughs += x->coughs;
      e.gate += x->gate, e.gate_fevers += x->gate_fevers, e.visitors += x->visitors;
      e.relief += x->relief, e.group += x->group, e.proxy += x->proxy;
    }
    /* Cases (three communities of four): compound 1 released a confirmed
     * case 10 days ago, compound 2 has an open fever case; even
     * communities' last compound lacks the supply measure. */
    int cases = i % 4 != 3;
    int eligible = z.compounds - (cases ? 2 : 0) - (i % 2 == 0 ? 1 : 0);
    const struct report_row *r = &rows[i];
    const struct report_window *w = &wins[i];
    if (r->households != z.households || r->residents != z.residents ||
        r->compounds != z.compounds || r->eligible != eligible || r->open_fever != cases ||
        r->open_confirmed || r->open_suspected || r->open_contact ||
        r->ops != d->reg[i + 1] - d->reg[i] + (d->n - d->reg[d->scopes]) / (uint64_t)d->scopes +
                      ((uint64_t)i < (d->n - d->reg[d->scopes]) % (uint64_t)d->scopes) ||
        w->health_checks != e.health || w->fevers != e.fevers || w->coughs != e.coughs ||
        w->gate_checks != e.gate || w->gate_fevers != e.gate_fevers || w->visitors != e.visitors ||
        w->relief != e.relief || w->group != e.group || w->proxy != e.proxy) {
      fprintf(stderr,
              "report: %s: figures differ from the generator's count:\n"
              "  households %d/%d residents %d/%d compounds %d/%d free %d/%d fever %d/%d ops %llu\n"
              "  health %llu/%llu fevers %llu/%llu coughs %llu/%llu gate %llu/%llu "
              "gate_fevers %llu/%llu visitors %llu/%llu relief %llu/%llu group %llu/%llu "
              "proxy %llu/%llu\n",
              r->scope, r->households, z.households, r->residents, z.residents, r->compounds,
              z.compounds, r->eligible, eligible, r->open_fever, cases,
              (unsigned long long)r->ops, (unsigned long long)w->health_checks,
              (unsigned long long)e.health, (unsigned long long)w->fevers,
              (unsigned long long)e.fevers, (unsigned long long)w->coughs,
              (unsigned long long)e.coughs, (unsigned long long)w->gate_checks,
              (unsigned long long)e.gate, (unsigned long long)w->gate_fevers,
              (unsigned long long)e.gate_fevers, (unsigned long long)w->visitors,
              (unsigned long long)e.visitors, (unsigned long long)w->relief,
              (unsigned long long)e.relief, (unsigned long long)w->group,
              (unsigned long long)e.group, (unsigned long long)w->proxy,
              (unsigned long long)e.proxy);
      bad = 1;
    }
  }
  free(days);
  return bad;
}

static double thread_cpu(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define REPS_MAX 51

int bench_report(int argc, char **argv)
{
  struct bench_district d;
  memset(&d, 0, sizeof d);
  d.n = 10000000;
  d.scopes = 30;
  d.days = 60;
  d.utc_offset_s = UTC_OFFSET;
  d.seed = 11;
  int window = REPORT_WINDOW_DAYS, reps = 5, all_time = 1;
  struct bench_city city_, *city = &city_;
  memset(city, 0, sizeof *city);
  city->districts = 13;
  city->communities = 108;
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      d.n = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--scopes") && i + 1 < argc)
      d.scopes = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--days") && i + 1 < argc)
      d.days = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--window") && i + 1 < argc)
      window = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--no-all-time"))
      all_time = 0;
    else if (!strcmp(argv[i], "--city-communities") && i + 1 < argc)
      city->communities = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: linli-bench report [--ops N] [--scopes S] [--days D] [--window W]\n"
                      "                          [--reps R] [--dir DIR] [--no-all-time]\n"
                      "                          [--city-communities N]\n");
      return 2;
    }
  }
  if (rules_date_days("2020-03-23", 10, &d.end_day) || reps < 1 || reps > REPS_MAX ||
      window < 1 || window > d.days || bench_district_init(&d)) {
    fprintf(stderr, "linli-bench report: need 1 <= --scopes <= %d, 1 <= --window <= --days <= %d, "
                    "1 <= --reps <= %d, and --ops at least twice the registers (%d scopes: %llu)\n",
            BENCH_DISTRICT_MAX, BENCH_DISTRICT_DAYS_MAX, REPS_MAX, d.scopes,
            (unsigned long long)(2 * d.reg[d.scopes > 0 && d.scopes <= BENCH_DISTRICT_MAX ? d.scopes : 0]));
    return 2;
  }
  city->days = d.days, city->end_day = d.end_day, city->utc_offset_s = UTC_OFFSET;
  if (city->communities < 1 || city->communities * city->districts > BENCH_CITY_COMMUNITIES_MAX) {
    fprintf(stderr, "linli-bench report: need 1 <= --city-communities <= %d\n",
            BENCH_CITY_COMMUNITIES_MAX / city->districts);
    return 2;
  }
  char tmp[64] = "/tmp/linli-bench-report-XXXXXX";
  if (!dir) {
    if (!mkdtemp(tmp))
      return 1;
    dir = tmp;
  }
  struct store_config sc = {dir, (size_t)1 << 30, (size_t)256 << 30, 1, 0};
  struct store *s;
  int rc = store_open(&s, &sc);
  if (rc) {
    fprintf(stderr, "report: %s: %s\n", dir, linli_strerror(rc));
    return 1;
  }
  uint64_t have = 0, hmax;
  double build_s = 0;
  store_stats(s, &have, &hmax);
  if (have == d.n) {
    fprintf(stderr, "report: reusing the %llu ops in %s\n", (unsigned long long)have, dir);
  } else if (have) {
    fprintf(stderr, "report: %s holds %llu ops, not %llu: use an empty directory\n", dir,
            (unsigned long long)have, (unsigned long long)d.n);
    store_close(s);
    return 1;
  } else {
    fprintf(stderr, "report: signing and storing %llu ops of %d communities (nosync, unverified)...\n",
            (unsigned long long)d.n, d.scopes);
    double t0 = bench_now();
    if ((rc = build(s, &d))) {
      fprintf(stderr, "report: building the district failed: %s\n", linli_strerror(rc));
      store_close(s);
      return 1;
    }
    build_s = bench_now() - t0;
  }
  /* The city node's store: always built afresh, in its own directory. */
  char ctmp[64] = "/tmp/linli-bench-city-XXXXXX";
  struct store *cs = NULL;
  double city_build_s = 0;
  if (!mkdtemp(ctmp)) {
    store_close(s);
    return 1;
  }
  struct store_config csc = {ctmp, (size_t)64 << 20, (size_t)8 << 30, 1, 0};
  fprintf(stderr, "report: signing and storing the summaries of %d districts x %d communities x %d "
                  "days...\n", city->districts, city->communities, city->days);
  double ct0 = bench_now();
  if ((rc = store_open(&cs, &csc)) || (rc = bench_city_build(cs, city))) {
    fprintf(stderr, "report: building the city failed: %s\n", linli_strerror(rc));
    if (cs)
      store_close(cs);
    store_close(s);
    return 1;
  }
  city_build_s = bench_now() - ct0;

  char names[BENCH_DISTRICT_MAX][8];
  const char *scopes[BENCH_DISTRICT_MAX];
  for (int i = 0; i < d.scopes; i++) {
    bench_district_scope(i, names[i]);
    scopes[i] = names[i];
  }
  const char *date = d.dates[d.days - 1];
  static struct report_row rows[BENCH_DISTRICT_MAX];
  static struct report_window wins[BENCH_DISTRICT_MAX];
  struct report_totals tot;
  struct report_window wtot;
  struct scan_acc acc, wacc;
  double t_rep[REPS_MAX], t_scan[REPS_MAX], t_wrep[REPS_MAX], t_wscan[REPS_MAX];
  double c_rep[REPS_MAX], c_scan[REPS_MAX], t_city[REPS_MAX], c_city[REPS_MAX];
  struct dom_city ct;
  int city_bad = 1;

  fprintf(stderr, "report: district report for %s, %d-day window, %d runs...\n", date, window, reps);
  /* Warm: one of each, untimed. */
  if ((rc = report_district(s, scopes, d.scopes, date, window, UTC_OFFSET, rows, wins, &tot, &wtot)) ||
      (rc = scan_all(s, scopes, d.scopes, date, window, 1, &acc)) ||
      (rc = bench_city_report(cs, city, &ct))) {
    fprintf(stderr, "report: %s\n", linli_strerror(rc));
    store_close(cs);
    store_close(s);
    return 1;
  }
  city_bad = bench_city_check(city, &ct);
  fprintf(stderr, "report: city %s: %d communities, %d with a summary for the date, %d of %d "
                  "compounds certified, %lld residents%s\n", date, ct.city.communities,
          ct.city.fresh, ct.city.certified, ct.city.compounds, (long long)ct.city.residents,
          city_bad ? "" : " (as generated)");
  dom_city_free(&ct);
  for (int r = 0; r < reps && !rc; r++) {
    double ca = thread_cpu(), a = bench_now();
    rc = scan_all(s, scopes, d.scopes, date, window, 1, &acc);
    double cb = thread_cpu(), b = bench_now();
    if (!rc)
      rc = report_district(s, scopes, d.scopes, date, window, UTC_OFFSET, rows, wins, &tot, &wtot);
    double cc = thread_cpu(), c = bench_now();
    c_scan[r] = cb - ca, c_rep[r] = cc - cb;
    if (!rc)
      rc = scan_all(s, scopes, d.scopes, date, window, 0, &wacc);
    double e = bench_now();
    for (int i = 0; i < d.scopes && !rc; i++)
      rc = report_window(s, scopes[i], date, window, UTC_OFFSET, &wins[i]);
    double cf = thread_cpu(), f = bench_now();
    if (!rc && !(rc = bench_city_report(cs, city, &ct)))
      dom_city_free(&ct);
    double cg = thread_cpu(), g = bench_now();
    t_scan[r] = b - a, t_rep[r] = c - b, t_wscan[r] = e - c, t_wrep[r] = f - e;
    t_city[r] = g - f, c_city[r] = cg - cf;
  }
  double all_ms = 0;
  if (!rc && all_time) {
    static struct report_row all[BENCH_DISTRICT_MAX];
    struct report_totals at;
    double a = bench_now();
    rc = report_scopes(s, scopes, d.scopes, date, all, &at);
    all_ms = (bench_now() - a) * 1e3;
  }
  uint64_t used = 0;
  store_bytes_used(s, &used);
  store_close(s);
  store_close(cs);
  if (rc) {
    fprintf(stderr, "report: %s\n", linli_strerror(rc));
    return 1;
  }
  int bad = check(&d, window, rows, wins);
  fprintf(stderr,
          "report: %s: %d of %d compounds epidemic-free, %d of %d communities; window %s..%s: "
          "%llu health checks, %llu fevers, %llu gate checks, %llu relief, %llu group, %llu proxy%s\n",
          date, tot.eligible, tot.compounds, tot.communities_free, tot.heard, wtot.from, wtot.to,
          (unsigned long long)wtot.health_checks, (unsigned long long)wtot.fevers,
          (unsigned long long)wtot.gate_checks, (unsigned long long)wtot.relief,
          (unsigned long long)wtot.group, (unsigned long long)wtot.proxy,
          bad ? "" : " (as generated)");
  double rep = median(t_rep, reps), scan = median(t_scan, reps);
  bench_metric("ops", (double)d.n, "ops");
  bench_metric("scopes", d.scopes, "communities");
  if (build_s > 0) {
    bench_metric("build_s", build_s, "s");
    bench_metric("build_ops_per_s", (double)d.n / build_s, "ops/s");
  }
  bench_metric("lmdb_bytes_used", (double)used, "B");
  bench_metric("window_ops", (double)wtot.ops_read, "ops");
  bench_metric("record_rows", (double)acc.rows, "rows");
  printf("metric report_ms %.2f ms\n", rep * 1e3);
  printf("metric scan_ms %.2f ms\n", scan * 1e3);
  printf("metric report_window_ms %.2f ms\n", median(t_wrep, reps) * 1e3);
  printf("metric scan_window_ms %.2f ms\n", median(t_wscan, reps) * 1e3);
  printf("metric report_cpu_ms %.2f ms\n", median(c_rep, reps) * 1e3);
  printf("metric scan_cpu_ms %.2f ms\n", median(c_scan, reps) * 1e3);
  if (all_time)
    printf("metric report_all_time_ms %.2f ms\n", all_ms);
  fflush(stdout);
  bench_ratio("report_vs_scan", rep / scan);
  double cit = median(t_city, reps);
  bench_metric("city_ops", (double)city->ops, "ops");
  bench_metric("city_communities", city->districts * city->communities, "communities");
  bench_metric("city_build_s", city_build_s, "s");
  printf("metric city_report_ms %.2f ms\n", cit * 1e3);
  printf("metric city_report_cpu_ms %.2f ms\n", median(c_city, reps) * 1e3);
  fflush(stdout);
  bench_ratio("city_report_vs_district_report", cit / rep);
  {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ctmp);
    if (system(cmd) != 0)
      fprintf(stderr, "report: could not remove %s\n", ctmp);
  }
  if (dir == tmp) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
      fprintf(stderr, "report: could not remove %s\n", tmp);
  }
  return bad || city_bad;
}
