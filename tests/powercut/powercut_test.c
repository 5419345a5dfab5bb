/* Power cuts under the store. Each cut runs powercut_driver (mixed local
 * writes, ingest, bundle import and sync on a durable node store) under the
 * LD_PRELOAD shim (shim.c), which kills it at a seed-chosen write or sync of
 * data.mdb. Then, as a power cut would leave the disk:
 *   - every write not yet covered by a completed fdatasync/fsync is undone
 *     (O_DSYNC writes, LMDB's meta pages, stay), the file's size goes back
 *     to its size at the last sync (an unsynced extension is lost with the
 *     data; O_DSYNC writes extend it durably), and in half the cuts the
 *     last of those writes is torn instead: its last 4 KiB page keeps 1 to 7
 *     of its new 512-byte sectors;
 *   - lock.mdb is kept, deleted, emptied or filled with garbage;
 * and the store must open, hold every op the driver acknowledged, and have
 * the digest of a rebuild (an in-memory view fed every surviving op), and
 * take a new write. Stores carry over across 10 cuts, then start afresh.
 * Last, 5 cuts of a driver whose store does not sync (the simulator's
 * setting) must fail the checks (lost ops or a store that does not open):
 * the checker sees a store that lies.
 *
 *   powercut_test DRIVER SHIM     LINLI_POWERCUTS=N (default 50), LINLI_SEED */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "test_store_util.h"

#define GROUP 10
#define PAGE 4096
#define SECTOR 512

static const char *driver, *shim;
static char work[256];

struct acks {
  uint8_t (*id)[CRDT_ID_BYTES];
  size_t n, cap;
};

struct cut_result {
  int killed;       /* 1: cut mid-run; 0: the run ended first */
  size_t undone;    /* writes undone */
  int torn;
  size_t acked;     /* acknowledgements read in this run */
};

static void slurp_acks(int fd, struct acks *a, size_t *got)
{
  uint8_t buf[CRDT_ID_BYTES * 64];
  size_t part = 0;
  for (;;) {
    ssize_t r = read(fd, buf + part, sizeof buf - part);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    part += (size_t)r;
    size_t whole = part / CRDT_ID_BYTES;
    for (size_t i = 0; i < whole; i++) {
      if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 1024;
        a->id = realloc(a->id, a->cap * CRDT_ID_BYTES);
        REQUIRE(a->id);
      }
      memcpy(a->id[a->n++], buf + i * CRDT_ID_BYTES, CRDT_ID_BYTES);
      (*got)++;
    }
    memmove(buf, buf + whole * CRDT_ID_BYTES, part - whole * CRDT_ID_BYTES);
    part -= whole * CRDT_ID_BYTES;
  }
}

/* Runs the driver once; at = 0 never cuts, count_file gets the event count. */
static int run_driver(const char *store, uint64_t seed, uint64_t at, const char *count_file,
                      int nosync, struct acks *a, struct cut_result *res)
{
  char log[300], seedstr[32], atstr[32];
  snprintf(log, sizeof log, "%s.log", store);
  unlink(log);
  int p[2];
  REQUIRE(pipe(p) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    snprintf(seedstr, sizeof seedstr, "%llu", (unsigned long long)seed);
    snprintf(atstr, sizeof atstr, "%llu", (unsigned long long)at);
    char fdstr[16];
    snprintf(fdstr, sizeof fdstr, "%d", p[1]);
    setenv("LD_PRELOAD", shim, 1);
    setenv("POWERCUT_DIR", store, 1);
    setenv("POWERCUT_LOG", log, 1);
    setenv("POWERCUT_AT", atstr, 1);
    if (count_file)
      setenv("POWERCUT_COUNT", count_file, 1);
    if (nosync)
      setenv("POWERCUT_NOSYNC", "1", 1);
    /* ASan wants to be first in the library list; the shim is, on purpose. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    execl(driver, driver, store, seedstr, fdstr, (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  memset(res, 0, sizeof *res);
  slurp_acks(p[0], a, &res->acked);
  close(p[0]);
  int st;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
    res->killed = 1;
    return 0;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  fprintf(stderr, "driver failed: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
          WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  return -1;
}

/* ---- the disk after the cut ---- */

struct rec {
  char type;
  uint64_t off;
  uint32_t len;
  const uint8_t *bytes;
};

static uint8_t *read_file(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
  REQUIRE(b);
  *n = fread(b, 1, (size_t)sz, f);
  fclose(f);
  return b;
}

static void pwrite_all(int fd, const uint8_t *b, size_t n, uint64_t off)
{
  REQUIRE(pwrite(fd, b, n, (off_t)off) == (ssize_t)n);
}

/* Undoes every unsynced write (tearing the last one when tear), redoes the
 * O_DSYNC ones. Returns the number of writes undone. */
static size_t power_cut(const char *store, struct test_rng *r, int *torn)
{
  char log[300], data[300];
  snprintf(log, sizeof log, "%s.log", store);
  snprintf(data, sizeof data, "%s/data.mdb", store);
  size_t n;
  uint8_t *b = read_file(log, &n);
  struct rec *recs = NULL;
  size_t k = 0, cap = 0, undone = 0;
  for (size_t at = 0; b && at + 13 <= n;) {
    struct rec x;
    x.type = (char)b[at];
    memcpy(&x.off, b + at + 1, 8);
    memcpy(&x.len, b + at + 9, 4);
    REQUIRE(x.type == 'U' || x.type == 'D' || x.type == 'S');
    if (at + 13 + x.len > n)
      break; /* cannot happen (the shim logs whole records before acting) */
    x.bytes = b + at + 13;
    at += 13 + x.len;
    if (k == cap) {
      cap = cap ? 2 * cap : 64;
      recs = realloc(recs, cap * sizeof *recs);
      REQUIRE(recs);
    }
    recs[k++] = x;
  }
  int fd = open(data, O_RDWR);
  *torn = 0;
  if (fd < 0) {
    free(recs), free(b);
    return 0;
  }
  /* The durable size: the last one logged, grown by O_DSYNC writes after
   * it; an unsynced extension of the file is lost with its data. */
  uint64_t size = UINT64_MAX;
  for (size_t i = 0; i < k; i++)
    if (recs[i].type == 'S')
      size = recs[i].off;
    else if (recs[i].type == 'D' && size != UINT64_MAX && recs[i].off + recs[i].len > size)
      size = recs[i].off + recs[i].len;
  /* The torn page: the last unsynced write's last page, new bytes kept
   * for a prefix of its sectors (within the durable size). */
  long last_u = -1;
  for (size_t i = 0; i < k; i++)
    if (recs[i].type == 'U')
      last_u = (long)i;
  uint8_t keep[PAGE];
  uint64_t keep_off = 0;
  size_t keep_len = 0;
  if (last_u >= 0 && test_below(r, 2)) {
    const struct rec *u = &recs[last_u];
    uint64_t end = u->off + u->len, pg = (end - 1) & ~(uint64_t)(PAGE - 1);
    if (pg < u->off)
      pg = u->off;
    size_t sectors = 1 + (size_t)test_below(r, 7);
    keep_off = pg;
    keep_len = (size_t)(end - pg) < sectors * SECTOR ? (size_t)(end - pg) : sectors * SECTOR;
    ssize_t got = pread(fd, keep, keep_len, (off_t)keep_off);
    REQUIRE(got >= 0);
    keep_len = (size_t)got;
    if (size != UINT64_MAX && keep_off + keep_len > size)
      keep_len = keep_off < size ? (size_t)(size - keep_off) : 0;
    *torn = keep_len > 0;
  }
  for (long i = (long)k - 1; i >= 0; i--)
    if (recs[i].type == 'U') {
      pwrite_all(fd, recs[i].bytes, recs[i].len, recs[i].off);
      undone++;
    }
  if (*torn)
    pwrite_all(fd, keep, keep_len, keep_off);
  for (size_t i = 0; i < k; i++)
    if (recs[i].type == 'D')
      pwrite_all(fd, recs[i].bytes, recs[i].len, recs[i].off);
  if (size != UINT64_MAX)
    REQUIRE(ftruncate(fd, (off_t)size) == 0);
  REQUIRE(fsync(fd) == 0);
  close(fd);
  free(recs), free(b);
  unlink(log);

  char lock[300];
  snprintf(lock, sizeof lock, "%s/lock.mdb", store);
  switch (test_below(r, 4)) {
  case 0:
    break; /* kept as it was */
  case 1:
    unlink(lock);
    break;
  case 2:
    REQUIRE(truncate(lock, 0) == 0 || errno == ENOENT);
    break;
  default: {
    uint8_t junk[PAGE];
    for (size_t i = 0; i < sizeof junk; i++)
      junk[i] = (uint8_t)test_rand(r);
    int lf = open(lock, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(lf >= 0);
    REQUIRE(write(lf, junk, sizeof junk) == (ssize_t)sizeof junk);
    close(lf);
  }
  }
  return undone;
}

/* ---- after the cut ---- */

struct rebuild {
  struct crdt_memview *m;
  int bad;
};

static int feed(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct rebuild *rb = arg;
  struct crdt_op op;
  (void)hlc, (void)id;
  if (crdt_op_decode(&op, raw, len) || crdt_memview_apply(rb->m, &op) < 0)
    rb->bad++;
  return 0;
}

struct verdict {
  int unopenable, lost, mismatch, write_failed;
};

static void check_store(const char *store, const struct acks *a, struct test_rng *r,
                        struct verdict *v, size_t *lost_here)
{
  struct store_config cfg = {store, 1 << 20, 1 << 30, 0, 0};
  struct store *s;
  int rc = store_open(&s, &cfg);
  *lost_here = 0;
  if (rc) {
    fprintf(stderr, "store does not open after the cut: %s\n", linli_strerror(rc));
    v->unopenable++;
    return;
  }
  for (size_t i = 0; i < a->n; i++)
    if (store_has(s, a->id[i]) != 1)
      (*lost_here)++;
  v->lost += (int)*lost_here;
  uint8_t d1[CRDT_DIGEST_BYTES], d2[CRDT_DIGEST_BYTES];
  struct rebuild rb = {crdt_memview_new(), 0};
  REQUIRE(rb.m);
  struct store_bound hi = store_bound_max();
  const char *scopes[] = {"shihua", "changhongli"};
  for (int i = 0; i < 2; i++)
    CHECK_EQ(store_range_each(s, scopes[i], &STORE_BOUND_MIN, &hi, 0, feed, &rb), 0);
  struct crdt_view mv = crdt_memview_view(rb.m);
  CHECK_EQ(store_digest(s, NULL, 0, d1), 0);
  CHECK_EQ(crdt_view_digest(&mv, NULL, 0, d2), 0);
  if (rb.bad || memcmp(d1, d2, sizeof d1)) {
    fprintf(stderr, "digest differs from a rebuild of the surviving ops (%d bad ops)\n", rb.bad);
    v->mismatch++;
  }
  crdt_memview_destroy(rb.m);
  /* The store takes a new write after the cut. */
  struct crdt_identity who;
  t_identity(&who, 0x7c);
  struct t_op o;
  t_random_op(&o, r, &who, "shihua", 1700000000000, 1000);
  int st;
  if (store_apply(s, &o.op, 1, &st) < 0)
    v->write_failed++;
  store_close(s);
}

static void rm_store(const char *store)
{
  char p[300];
  snprintf(p, sizeof p, "%s.peer", store);
  t_rmdir(p);
  t_rmdir(store);
}

/* Runs cuts [0, cuts) (stores renewed every GROUP) with the given driver
 * mode; returns the verdict. */
static struct verdict run_cuts(uint64_t seed, int cuts, int nosync, uint64_t events,
                               struct cut_result *sum)
{
  struct verdict v = {0, 0, 0, 0};
  struct acks a = {NULL, 0, 0};
  char store[300];
  memset(sum, 0, sizeof *sum);
  for (int c = 0; c < cuts; c++) {
    if (c % GROUP == 0) {
      if (c)
        rm_store(store);
      snprintf(store, sizeof store, "%s/store%s-%d", work, nosync ? "-nosync" : "", c / GROUP);
      mkdir(store, 0700);
      a.n = 0;
    }
    struct test_rng r = {seed * 1000003 + (uint64_t)c * 7919 + (uint64_t)nosync};
    uint64_t at = 1 + test_below(&r, events + events / 10);
    struct cut_result res;
    if (run_driver(store, seed * 1000 + (uint64_t)c, at, NULL, nosync, &a, &res)) {
      v.unopenable++; /* the driver died of its own accord: count it as a failure */
      continue;
    }
    int torn = 0;
    res.undone = power_cut(store, &r, &torn);
    res.torn = torn;
    size_t lost_here;
    int before = v.unopenable + v.mismatch + v.write_failed;
    check_store(store, &a, &r, &v, &lost_here);
    if (v.unopenable + v.mismatch + v.write_failed > before)
      fprintf(stderr, "cut %d%s (event %llu of ~%llu, %zu writes undone%s) failed; replay: "
              "LINLI_SEED=%llu LINLI_POWERCUTS=%d\n", c, nosync ? " without fsync" : "",
              (unsigned long long)at, (unsigned long long)events, res.undone,
              torn ? ", last page torn" : "", (unsigned long long)seed, c + 1);
    if (lost_here && !nosync)
      fprintf(stderr, "cut %d (event %llu of ~%llu): %zu acknowledged ops lost; replay: "
              "LINLI_SEED=%llu LINLI_POWERCUTS=%d\n", c, (unsigned long long)at,
              (unsigned long long)events, lost_here, (unsigned long long)seed, c + 1);
    sum->killed += res.killed;
    sum->undone += res.undone;
    sum->torn += res.torn;
    sum->acked += res.acked;
  }
  if (cuts)
    rm_store(store);
  free(a.id);
  return v;
}

int main(int argc, char **argv)
{
  REQUIRE(argc == 3);
  REQUIRE(crdt_init() == 0);
  driver = argv[1];
  shim = argv[2];
  const char *e = getenv("LINLI_POWERCUTS");
  int cuts = e ? atoi(e) : 50;
  uint64_t seed = test_seed(21);
  snprintf(work, sizeof work, "powercut-XXXXXX");
  REQUIRE(mkdtemp(work));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  /* Calibration: how many writes and syncs one full run makes. */
  char store[300], count[300];
  snprintf(store, sizeof store, "%s/calibrate", work);
  snprintf(count, sizeof count, "%s/count", work);
  mkdir(store, 0700);
  struct acks a = {NULL, 0, 0};
  struct cut_result res;
  REQUIRE(run_driver(store, seed * 1000, 0, count, 0, &a, &res) == 0);
  size_t n;
  uint8_t *cb = read_file(count, &n);
  REQUIRE(cb && n > 0);
  uint64_t events = strtoull((char *)cb, NULL, 10);
  free(cb), free(a.id);
  rm_store(store);
  printf("calibration: one run makes %llu writes and syncs of data.mdb, %zu acknowledgements\n",
         (unsigned long long)events, res.acked);
  REQUIRE(events > 20);

  struct cut_result sum;
  struct verdict v = run_cuts(seed, cuts, 0, events, &sum);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("power cuts: %d (%d mid-run, %d torn pages), %zu writes undone, %zu acknowledged ops; "
         "lost %d, unopenable %d, digest mismatches %d, failed writes after %d; %.1f s\n",
         cuts, sum.killed, sum.torn, sum.undone, sum.acked, v.lost, v.unopenable, v.mismatch,
         v.write_failed, secs);
  CHECK_EQ(v.lost, 0);
  CHECK_EQ(v.unopenable, 0);
  CHECK_EQ(v.mismatch, 0);
  CHECK_EQ(v.write_failed, 0);
  if (cuts >= 10) { /* the cuts did land mid-run and undo real writes */
    CHECK(sum.killed >= cuts * 3 / 4);
    CHECK(sum.undone > (size_t)cuts);
    CHECK(sum.torn > 0);
    CHECK(sum.acked > (size_t)cuts);
  }

  /* The checker itself: a store that acknowledges without syncing loses
   * acknowledged ops to the same cuts. */
  struct verdict bad = run_cuts(seed, 5, 1, events, &sum);
  printf("without fsync (the checker's own test): 5 cuts, %d acknowledged ops lost, %d stores "
         "unopenable, %d digest mismatches\n", bad.lost, bad.unopenable, bad.mismatch);
  CHECK(bad.lost + bad.unopenable + bad.mismatch > 0);

  t_rmdir(work);
  return test_done("powercut_test");
}
