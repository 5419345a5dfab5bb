/* linli-bench web: the web console's district page against the CLI's report,
 * and sync with page readers against sync without them.
 *
 * 1. The page. The district of `linli-bench report` (bench_gen.h,
 *    bench_district_*: --scopes communities, default 30, --days days ending
 *    on 2020-03-23, --ops ops in all, default 10,000,000; --dir DIR keeps
 *    the store and reuses it, the same store `linli-bench report --dir`
 *    makes). The web console (node/daemon/web/web.h) is started in this
 *    process on 127.0.0.1 over that store, an account is logged in over
 *    HTTP, and then, --reps times each (default 5), alternating, after one
 *    warm run of each:
 *      report  report_scopes() on every community for the last day: what
 *              `linli report district` computes (the process around it,
 *              opening the store and printing, is left out);
 *      page    GET /district?date=THE-LAST-DAY over HTTP, the whole page
 *              received: the per-community figures (report_district with
 *              the 7-day window, and the day's window), the state of every
 *              compound, the 30-day chart, the approvals queue.
 *    ratio page_district_vs_report   median page time / median report time
 *    metric page_ms, report_ms, page_bytes
 *    The page's residents and compounds are checked against the report's.
 *
 * 2. Sync with readers. As `linli-bench bootstrap`: a source linlid holding
 *    --sync-days days (default 365: 114,230 ops) of the sample community
 *    石化社区 (sample.c: every op passes the destination's write check) and
 *    an empty destination that dials it, both real processes of this build.
 *    The destination starts first and serves its web console; in the "with"
 *    runs --readers threads (default 20) each log in (before the sync) and
 *    then load the district page again and again, --think-ms apart (default
 *    1000: a person reading the page; 0 for a tight loop), for the whole
 *    sync. Then the source starts; throughput is the ops from the first the
 *    destination holds to the last, over that time. Runs alternate without, with, without, with (--sync-reps pairs,
 *    default 2); each time a fresh destination.
 *    ratio sync_with_readers_vs_without   median ops/s with / median without
 *    metric sync_per_s_without, sync_per_s_with, pages_during_sync,
 *           page_ms_during_sync (the readers' median)
 *
 * --skip-page / --skip-sync run one part only; --linlid PATH as bootstrap;
 * --keep leaves the sync's nodes and logs in /tmp. */
#define _DEFAULT_SOURCE /* usleep */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_gen.h"
#include "domain.h"
#include "ingest.h"
#include "store.h"
#include "transport.h"
#include "web.h"
#include "web_users.h"

#define CHUNK 200000
#define BATCH 1000
#define REPS_MAX 51
#define READERS_MAX 64
#define BENCH_PW "bench-password-1"

/* ---- a small HTTP client: one request, Connection: close ---- */

struct resp {
  int status;
  char cookie[80]; /* linli_s=... or linli_l=... */
  char *body;
  size_t len;
};

static int http_do(int port, const char *method, const char *path, const char *cookie,
                   const char *form, struct resp *r)
{
  char req[2048];
  memset(r, 0, sizeof *r);
  int n = snprintf(req, sizeof req,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s%s"
                   "%s%zu\r\n\r\n%s",
                   method, path, port, cookie ? "Cookie: " : "", cookie ? cookie : "",
                   cookie ? "\r\n" : "",
                   form ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                        : "Content-Length: ",
                   form ? strlen(form) : 0, form ? form : "");
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || write(fd, req, (size_t)n) != n) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap + 1);
  for (ssize_t got; buf && (got = read(fd, buf + len, cap - len)) > 0;) {
    len += (size_t)got;
    if (len == cap) {
      char *nb = realloc(buf, 2 * cap + 1);
      if (!nb)
        break;
      buf = nb;
      cap *= 2;
    }
  }
  close(fd);
  if (!buf)
    return -1;
  buf[len] = 0;
  sscanf(buf, "HTTP/1.%*d %d", &r->status);
  const char *c = strstr(buf, "Set-Cookie: linli_s=");
  if (!c)
    c = strstr(buf, "Set-Cookie: linli_l=");
  if (c)
    snprintf(r->cookie, sizeof r->cookie, "%.72s", c + 12);
  char *body = strstr(buf, "\r\n\r\n");
  r->body = buf;
  r->len = len;
  if (body)
    memmove(buf, body + 4, len - (size_t)(body + 4 - buf) + 1), r->len = len - (size_t)(body + 4 - buf);
  return r->status ? 0 : -1;
}

/* Logs the bench account in; the session cookie "linli_s=..." into out. */
static int http_login(int port, char out[80])
{
  struct resp r;
  char form[256], csrf[65] = "";
  if (http_do(port, "GET", "/login", NULL, NULL, &r) || !r.cookie[0]) {
    free(r.body);
    return -1;
  }
  const char *v = strstr(r.body, "name=\"csrf\" value=\"");
  if (v)
    snprintf(csrf, sizeof csrf, "%.64s", v + 19);
  char pre[80];
  memcpy(pre, r.cookie, sizeof pre);
  free(r.body);
  snprintf(form, sizeof form, "csrf=%s&user=bench&password=" BENCH_PW, csrf);
  if (http_do(port, "POST", "/login", pre, form, &r) || r.status != 303 || strncmp(r.cookie, "linli_s=", 8)) {
    free(r.body);
    return -1;
  }
  memcpy(out, r.cookie, 80);
  free(r.body);
  return 0;
}

static int add_account(const char *dir)
{
  static struct web_users t;
  t.n = 1;
  snprintf(t.u[0].name, sizeof t.u[0].name, "bench");
  t.u[0].role = WEB_VIEWER;
  return web_password_hash(t.u[0].hash, BENCH_PW, strlen(BENCH_PW)) || web_users_save(&t, dir);
}

/* ---- part 1: the district page against the report ---- */

static int build(struct store *s, const struct bench_district *d)
{
  struct crdt_op *dec = malloc(CHUNK * sizeof *dec);
  int rc = dec ? 0 : LINLI_ENOMEM;
  double t0 = bench_now(), last = t0;
  for (uint64_t at = 0; at < d->n && !rc; at += CHUNK) {
    size_t cnt = d->n - at < CHUNK ? (size_t)(d->n - at) : CHUNK;
    struct bench_ops o;
    if ((rc = bench_district_ops(d, at, cnt, &o)))
      break;
    for (size_t i = 0; i < cnt && !rc; i++)
      rc = crdt_op_decode(&dec[i], o.ops[i], o.lens[i]);
    for (size_t i = 0; i < cnt && !rc; i += BATCH) {
      size_t k = cnt - i < BATCH ? cnt - i : BATCH;
      int got = store_apply(s, dec + i, k, NULL);
      rc = got < 0 ? got : 0;
    }
    bench_ops_free(&o);
    if (bench_now() - last > 30 || at + cnt == d->n) {
      last = bench_now();
      fprintf(stderr, "web: %llu of %llu ops stored (%.0f s)\n", (unsigned long long)(at + cnt),
              (unsigned long long)d->n, last - t0);
    }
  }
  free(dec);
  return rc;
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

/* The integer after id="ID"> in a page, or -1. */
static long page_figure(const char *body, const char *id)
{
  char pat[64];
  snprintf(pat, sizeof pat, "id=\"%s\">", id);
  const char *p = strstr(body, pat);
  return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static void bench_log(void *arg, const char *line)
{
  (void)arg;
  if (strstr(line, "listening") || strstr(line, "not"))
    fprintf(stderr, "web: %s\n", line);
}

static int part_page(struct bench_district *d, const char *dir_arg, int reps)
{
  char tmp[64] = "/tmp/linli-bench-web-XXXXXX";
  const char *dir = dir_arg;
  if (!dir) {
    if (!mkdtemp(tmp))
      return 1;
    dir = tmp;
  }
  struct store_config sc = {dir, (size_t)1 << 30, (size_t)256 << 30, 1, 0};
  struct store *s;
  int rc = store_open(&s, &sc);
  if (rc) {
    fprintf(stderr, "web: %s: %s\n", dir, linli_strerror(rc));
    return 1;
  }
  uint64_t have = 0, hmax;
  store_stats(s, &have, &hmax);
  if (have == d->n) {
    fprintf(stderr, "web: reusing the %llu ops in %s\n", (unsigned long long)have, dir);
  } else if (have) {
    fprintf(stderr, "web: %s holds %llu ops, not %llu: use an empty directory\n", dir,
            (unsigned long long)have, (unsigned long long)d->n);
    store_close(s);
    return 1;
  } else {
    fprintf(stderr, "web: signing and storing %llu ops of %d communities (nosync, unverified)...\n",
            (unsigned long long)d->n, d->scopes);
    if ((rc = build(s, d))) {
      fprintf(stderr, "web: building the district failed: %s\n", linli_strerror(rc));
      store_close(s);
      return 1;
    }
  }
  static struct config cfg;
  memset(&cfg, 0, sizeof cfg);
  snprintf(cfg.data, sizeof cfg.data, "%s", dir);
  snprintf(cfg.control, sizeof cfg.control, "ipc://%s/control.sock", dir);
  snprintf(cfg.timezone, sizeof cfg.timezone, "+08:00");
  char names[BENCH_DISTRICT_MAX][8];
  const char *scopes[BENCH_DISTRICT_MAX];
  for (int i = 0; i < d->scopes && i < CONFIG_SCOPES_MAX; i++) {
    bench_district_scope(i, names[i]);
    scopes[i] = names[i];
    snprintf(cfg.scopes[i], sizeof cfg.scopes[i], "%s", names[i]);
    cfg.n_scopes++;
  }
  if (d->scopes > CONFIG_SCOPES_MAX) {
    fprintf(stderr, "web: a node holds at most %d scopes; use --scopes %d or fewer\n",
            CONFIG_SCOPES_MAX, CONFIG_SCOPES_MAX);
    store_close(s);
    return 1;
  }
  snprintf(cfg.http.addr, sizeof cfg.http.addr, "127.0.0.1:0");
  cfg.http.threads = 4;
  cfg.http.idle_s = 3600;
  struct web *w = NULL;
  char err[256], cookie[80];
  struct web_opts o = {&cfg, NULL, s, bench_log, NULL, NULL, NULL, NULL};
  if (add_account(dir) || web_start(&w, &o, err, sizeof err) || http_login(web_port(w), cookie)) {
    fprintf(stderr, "web: the console did not start or log in: %s\n", err);
    web_stop(w);
    store_close(s);
    return 1;
  }
  char date[11], path[64];
  rules_days_date(d->end_day, date);
  snprintf(path, sizeof path, "/district?date=%s", date);
  double tp[REPS_MAX], tr[REPS_MAX];
  size_t bytes = 0;
  struct report_row rows[CONFIG_SCOPES_MAX];
  struct report_totals tot;
  int bad = 0;
  for (int k = -1; k < reps && !bad; k++) {
    double t0 = bench_now();
    rc = report_scopes(s, scopes, d->scopes, date, rows, &tot);
    double t1 = bench_now();
    struct resp r;
    int h = http_do(web_port(w), "GET", path, cookie, NULL, &r);
    double t2 = bench_now();
    if (rc || h || r.status != 200) {
      fprintf(stderr, "web: report %s, page status %d\n", linli_strerror(rc), r.status);
      bad = 1;
    } else if (page_figure(r.body, "h-residents") != tot.residents ||
               page_figure(r.body, "h-compounds") != tot.compounds ||
               page_figure(r.body, "h-eligible") != tot.eligible) {
      fprintf(stderr, "web: the page's figures differ from the report's (residents %ld/%d, "
                      "compounds %ld/%d, epidemic-free %ld/%d)\n",
              page_figure(r.body, "h-residents"), tot.residents, page_figure(r.body, "h-compounds"),
              tot.compounds, page_figure(r.body, "h-eligible"), tot.eligible);
      bad = 1;
    }
    bytes = r.len;
    free(r.body);
    if (k >= 0)
      tr[k] = t1 - t0, tp[k] = t2 - t1;
  }
  web_stop(w);
  store_close(s);
  if (bad)
    return 1;
  double mr = median(tr, reps), mp = median(tp, reps);
  bench_metric("ops", (double)d->n, "ops");
  bench_metric("report_ms", mr * 1000, "ms");
  bench_metric("page_ms", mp * 1000, "ms");
  bench_metric("page_bytes", (double)bytes, "bytes");
  bench_ratio("page_district_vs_report", mp / mr);
  return 0;
}

/* ---- part 2: sync with and without page readers ---- */

static long long daemon_ops(const char *dir)
{
  char ep[300];
  uint8_t req[] = {0x91, 0xa6, 's', 't', 'a', 't', 'u', 's'};
  static uint8_t reply[TRANSPORT_REPLY_MAX];
  snprintf(ep, sizeof ep, "ipc://%s/control.sock", dir);
  int len = transport_request(ep, req, sizeof req, reply, sizeof reply, 2000);
  struct crdt_mp r;
  uint32_t cnt, slen;
  uint64_t code, ops;
  const char *str;
  const uint8_t *b;
  if (len <= 0)
    return -1;
  crdt_mp_init(&r, reply, (size_t)len);
  if (crdt_mp_array(&r, &cnt) || crdt_mp_uint(&r, &code) || code != 0 || crdt_mp_array(&r, &cnt) ||
      crdt_mp_str(&r, &str, &slen) || crdt_mp_bin(&r, &b, &slen) || crdt_mp_uint(&r, &ops))
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

static void stop_daemon(pid_t p)
{
  int st;
  if (p <= 0)
    return;
  kill(p, SIGTERM);
  waitpid(p, &st, 0);
}

/* The http port the daemon logged, or 0. */
static int logged_port(const char *dir)
{
  char path[300], line[512];
  int port = 0;
  snprintf(path, sizeof path, "%s.log", dir);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f)) {
    const char *p = strstr(line, "http listening on 127.0.0.1:");
    if (p)
      port = atoi(p + 28);
  }
  if (f)
    fclose(f);
  return port;
}

struct readers {
  const char *dir;
  int think_ms;
  volatile int stop, counting; /* counting: pages are counted (the sync runs) */
  pthread_mutex_t mu;
  int in; /* readers logged in */
  uint64_t pages;
  double ms[4096];
  int n_ms;
};

static void *reader(void *arg)
{
  struct readers *g = arg;
  char cookie[80];
  int port = 0;
  while (!g->stop && !(port = logged_port(g->dir)))
    usleep(10000);
  while (!g->stop && http_login(port, cookie))
    usleep(50000);
  pthread_mutex_lock(&g->mu);
  g->in++;
  pthread_mutex_unlock(&g->mu);
  while (!g->stop) {
    struct resp r;
    double t0 = bench_now();
    int rc = http_do(port, "GET", "/district", cookie, NULL, &r);
    double t = bench_now() - t0;
    free(r.body);
    pthread_mutex_lock(&g->mu);
    if (!rc && r.status == 200 && g->counting) {
      g->pages++;
      if (g->n_ms < 4096)
        g->ms[g->n_ms++] = t * 1000;
    }
    pthread_mutex_unlock(&g->mu);
    for (int slept = 0; slept < g->think_ms && !g->stop; slept += 10)
      usleep(10000);
  }
  return NULL;
}

static int write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(text, f);
  return fclose(f);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", b[i]);
}

/* One sync of n ops into a fresh destination; ops/s, or -1. */
/* One sync of the source's n ops into a fresh destination: ops/s from the
 * first op the destination holds to the last, or -1. The destination
 * starts first and its readers log in; then the source starts. */
static double one_sync(const char *linlid, const char *base, int run, const char *src,
                       const char *src_pk, const char *dst_key, int port, size_t n, int readers,
                       struct readers *g)
{
  char dst[200], path[300], conf[1024];
  snprintf(dst, sizeof dst, "%s/dst%d", base, run);
  if (mkdir(dst, 0700))
    return -1;
  snprintf(path, sizeof path, "%s/node.key", dst);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", dst_key, path);
  if (system(cmd) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/linlid.conf", dst);
  snprintf(conf, sizeof conf,
           "data %s\nscope shihua\npeer src tcp://127.0.0.1:%d %s\npeer_ops_per_s 1000000\n"
           "peer_msgs_per_s 1000000\nhttp 127.0.0.1:0\ntimezone +08:00\n",
           dst, port, src_pk);
  if (write_text(path, conf) || add_account(dst))
    return -1;
  pthread_t th[READERS_MAX];
  g->dir = dst;
  g->stop = 0;
  g->counting = 0;
  g->in = 0;
  pid_t pd = start_daemon(linlid, dst), ps = -1;
  for (double t = bench_now(); daemon_ops(dst) < 0 && bench_now() - t < 30;)
    usleep(20000);
  for (int i = 0; i < readers; i++)
    pthread_create(&th[i], NULL, reader, g);
  for (double t = bench_now(); bench_now() - t < 60;) { /* every reader logged in */
    pthread_mutex_lock(&g->mu);
    int in = g->in;
    pthread_mutex_unlock(&g->mu);
    if (in == readers)
      break;
    usleep(20000);
  }
  g->counting = 1;
  ps = start_daemon(linlid, src);
  double t0 = 0, t1 = 0, last_change = bench_now();
  long long first = 0, last = -1;
  while (bench_now() - last_change < 120) {
    int st;
    if (waitpid(pd, &st, WNOHANG) == pd || waitpid(ps, &st, WNOHANG) == ps) {
      fprintf(stderr, "web: a daemon exited (logs: %s.log, %s.log)\n", dst, src);
      break;
    }
    long long got = daemon_ops(dst);
    double now = bench_now();
    if (got > 0 && !t0)
      t0 = now, first = got;
    if (got >= (long long)n) {
      t1 = now;
      break;
    }
    if (got != last)
      last = got, last_change = now;
    usleep(5000);
  }
  g->counting = 0;
  g->stop = 1;
  for (int i = 0; i < readers; i++)
    pthread_join(th[i], NULL);
  stop_daemon(ps);
  stop_daemon(pd);
  return t1 > t0 && t0 ? (double)((long long)n - first) / (t1 - t0) : -1;
}

/* The sample's ops, copied. */
struct collect {
  uint8_t **ops;
  size_t *lens;
  uint8_t *unused;
  size_t n, cap;
  int err;
};

static int collect_op(void *arg, const uint8_t *op, size_t len)
{
  struct collect *c = arg;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 65536;
    uint8_t **o = realloc(c->ops, cap * sizeof *o);
    size_t *l = o ? realloc(c->lens, cap * sizeof *l) : NULL;
    if (o)
      c->ops = o;
    if (!o || !l)
      return c->err = LINLI_ENOMEM;
    c->lens = l;
    c->cap = cap;
  }
  if (!(c->ops[c->n] = malloc(len)))
    return c->err = LINLI_ENOMEM;
  memcpy(c->ops[c->n], op, len);
  c->lens[c->n++] = len;
  return 0;
}

static void collect_free(struct collect *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->ops[i]);
  free(c->ops);
  free(c->lens);
}

static int part_sync(const char *linlid, int days, int readers, int think_ms, int pairs, int keep)
{
  char base[64] = "/tmp/linli-bench-websync-XXXXXX", src[128], path[300], body[600];
  if (!mkdtemp(base))
    return 1;
  snprintf(src, sizeof src, "%s/src", base);
  if (mkdir(src, 0700))
    return 1;
  struct crdt_identity a, b;
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 0x41, sizeof seed);
  crdt_identity_from_seed(&a, seed);
  memset(seed, 0x42, sizeof seed);
  crdt_identity_from_seed(&b, seed);
  snprintf(path, sizeof path, "%s/node.key", src);
  if (crdt_identity_save(&a, path))
    return 1;
  char dst_key[300];
  snprintf(dst_key, sizeof dst_key, "%s/dst.key", base);
  if (crdt_identity_save(&b, dst_key))
    return 1;
  char pka[2 * CRDT_PK_BYTES + 1], pkb[2 * CRDT_PK_BYTES + 1];
  hex(pka, a.pk, CRDT_PK_BYTES);
  hex(pkb, b.pk, CRDT_PK_BYTES);
  int port = 20000 + (int)(getpid() % 20000);
  /* the source's records: the sample community (sample.c), days of it, so
   * that every op passes the write check the destination runs */
  struct collect c = {NULL, NULL, NULL, 0, 0, 0};
  struct sample_opts so = {(uint64_t)time(NULL) * 1000u, days, 8 * 3600, 3, 5, 0, NULL, 0, NULL, NULL};
  if (sample_generate(&a, &sample_shihua, &so, collect_op, &c) < 0 || c.err) {
    fprintf(stderr, "web: the sample community could not be made\n");
    return 1;
  }
  size_t n = c.n;
  struct store_config sc = {src, 256u << 20, (size_t)64 << 30, 1, 0};
  struct store *s;
  struct ingest_stats st;
  if (store_open(&s, &sc))
    return 1;
  fprintf(stderr, "web: storing %zu ops (%d days of the sample community) in the sync source...\n", n,
          days);
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  int irc = ingest_run(s, (const uint8_t *const *)c.ops, c.lens, n, 1000, cores, NULL, NULL, &st);
  collect_free(&c);
  if (irc || st.stored != n) {
    fprintf(stderr, "web: storing the source's ops failed\n");
    return 1;
  }
  store_close(s);
  crdt_identity_wipe(&a);
  crdt_identity_wipe(&b);
  snprintf(path, sizeof path, "%s/linlid.conf", src);
  snprintf(body, sizeof body,
           "data %s\nlisten tcp://127.0.0.1:%d\nscope shihua\nallow dst %s\npeer_ops_per_s 1000000\n"
           "peer_msgs_per_s 1000000\n",
           src, port, pkb);
  if (write_text(path, body))
    return 1;
  static struct readers g;
  memset(&g, 0, sizeof g);
  pthread_mutex_init(&g.mu, NULL);
  g.think_ms = think_ms;
  double with[REPS_MAX], without[REPS_MAX];
  int bad = 0;
  for (int k = 0; k < pairs && !bad; k++) {
    without[k] = one_sync(linlid, base, 2 * k, src, pka, dst_key, port, n, 0, &g);
    with[k] = one_sync(linlid, base, 2 * k + 1, src, pka, dst_key, port, n, readers, &g);
    fprintf(stderr, "web: sync %d: %.0f ops/s without readers, %.0f with %d\n", k, without[k],
            with[k], readers);
    bad = without[k] <= 0 || with[k] <= 0;
  }
  if (bad) {
    fprintf(stderr, "web: a sync did not finish (logs in %s)\n", base);
    return 1;
  }
  double mw = median(with, pairs), mo = median(without, pairs);
  bench_metric("sync_ops", (double)n, "ops");
  bench_metric("sync_per_s_without", mo, "ops/s");
  bench_metric("sync_per_s_with", mw, "ops/s");
  bench_metric("readers", readers, "threads");
  bench_metric("think_ms", think_ms, "ms");
  bench_metric("pages_during_sync", (double)g.pages, "pages");
  if (g.n_ms)
    bench_metric("page_ms_during_sync", median(g.ms, g.n_ms), "ms");
  bench_ratio("sync_with_readers_vs_without", mw / mo);
  snprintf(path, sizeof path, "rm -rf '%s'", base);
  if (keep)
    fprintf(stderr, "web: the sync's nodes and logs are in %s\n", base);
  else if (system(path) != 0)
    fprintf(stderr, "web: could not remove %s\n", base);
  return 0;
}

int bench_web(int argc, char **argv)
{
  struct bench_district d;
  memset(&d, 0, sizeof d);
  d.n = 10000000;
  d.scopes = 30;
  d.days = 60;
  d.utc_offset_s = 8 * 3600;
  d.seed = 11;
  int reps = 5, readers = 20, think_ms = 1000, pairs = 2, page = 1, sync = 1, keep = 0;
  int sync_days = 365;
  const char *dir = NULL;
  char linlid[512] = "";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc)
      d.n = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--scopes") && i + 1 < argc)
      d.scopes = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--days") && i + 1 < argc)
      d.days = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--sync-days") && i + 1 < argc)
      sync_days = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--readers") && i + 1 < argc)
      readers = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--think-ms") && i + 1 < argc)
      think_ms = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--sync-reps") && i + 1 < argc)
      pairs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--linlid") && i + 1 < argc)
      snprintf(linlid, sizeof linlid, "%s", argv[++i]);
    else if (!strcmp(argv[i], "--skip-page"))
      page = 0;
    else if (!strcmp(argv[i], "--skip-sync"))
      sync = 0;
    else if (!strcmp(argv[i], "--keep"))
      keep = 1;
    else {
      fprintf(stderr, "usage: linli-bench web [--ops N] [--scopes S] [--days D] [--reps R] [--dir DIR]\n"
                      "                       [--sync-days D] [--readers K] [--think-ms MS] "
                      "[--sync-reps P]\n"
                      "                       [--linlid PATH] [--skip-page] [--skip-sync] [--keep]\n");
      return 2;
    }
  }
  if (rules_date_days("2020-03-23", 10, &d.end_day) || reps < 1 || reps > REPS_MAX || readers < 0 ||
      readers > READERS_MAX || think_ms < 0 || pairs < 1 || pairs > REPS_MAX || sync_days < 1 || sync_days > 3650 ||
      bench_district_init(&d)) {
    fprintf(stderr, "linli-bench web: bad arguments (see linli-bench web --help)\n");
    return 2;
  }
  if (!linlid[0]) {
    char self[400];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
      return 1;
    self[k] = 0;
    *strrchr(self, '/') = 0;
    snprintf(linlid, sizeof linlid, "%s/../node/daemon/linlid", self);
  }
  if (sync && access(linlid, X_OK) != 0) {
    fprintf(stderr, "web: no linlid at %s (build it, or pass --linlid PATH)\n", linlid);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  if (page && part_page(&d, dir, reps))
    return 1;
  if (sync && part_sync(linlid, sync_days, readers, think_ms, pairs, keep))
    return 1;
  return 0;
}
