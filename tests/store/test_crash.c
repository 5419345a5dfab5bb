/* Crash: a child applies batches with durable commits and reports each
 * acknowledged op id on a pipe; the parent kill -9s it at random moments,
 * 100 times; after each kill the store reopens cleanly, every acknowledged op
 * is there, and the incremental views equal the rebuilt ones. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "test_store_util.h"

#define KILLS 100
#define BATCH 40
#define ACK_BYTES (1 + 8 + CRDT_ID_BYTES)

static void child(const char *dir, int fd, uint64_t seed)
{
  struct crdt_identity who;
  t_identity(&who, 0x33);
  struct store_config cfg = {dir, 1 << 20, 1 << 30, 0, 0};
  struct store *s;
  if (store_open(&s, &cfg) != 0)
    _exit(3);
  struct test_rng r = {seed};
  static struct t_op ops[BATCH];
  struct crdt_op batch[BATCH];
  int status[BATCH];
  for (;;) {
    int n = 1 + (int)test_below(&r, BATCH);
    for (int i = 0; i < n; i++) {
      t_random_op(&ops[i], &r, &who, test_below(&r, 2) ? "shihua" : "changhongli", 1583000000000,
                  86400000);
      batch[i] = ops[i].op;
    }
    if (store_apply(s, batch, (size_t)n, status) < 0)
      _exit(4);
    /* Acknowledge only after the commit returned: scope (1 byte), hlc, id. */
    for (int i = 0; i < n; i++) {
      uint8_t ack[ACK_BYTES];
      if (!status[i])
        continue;
      ack[0] = batch[i].scope.p[0] == 's';
      memcpy(ack + 1, &batch[i].hlc, 8);
      memcpy(ack + 9, batch[i].id, CRDT_ID_BYTES);
      if (write(fd, ack, sizeof ack) != sizeof ack)
        _exit(5);
    }
  }
}

/* Reads one whole acknowledgement; 0 at the end of the pipe. */
static int read_ack(int fd, uint8_t id[ACK_BYTES])
{
  size_t part = 0;
  while (part < ACK_BYTES) {
    ssize_t got = read(fd, id + part, ACK_BYTES - part);
    if (got <= 0)
      return 0;
    part += (size_t)got;
  }
  return 1;
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  uint64_t seed = test_seed(99);
  struct test_rng r = {seed};
  char dir[64];
  t_tmpdir(dir, sizeof dir, "crash");
  size_t cap = 1 << 16, acked = 0;
  uint8_t(*ids)[ACK_BYTES] = malloc(cap * ACK_BYTES);
  REQUIRE(ids);
  int lost = 0, mismatched = 0;

  for (int k = 0; k < KILLS; k++) {
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      child(dir, p[1], seed * 1000 + (uint64_t)k);
    }
    close(p[1]);
    /* The clock starts at the child's first acknowledgement, so that on a
     * loaded machine the kill still lands in the middle of its writing,
     * not while it is opening the store. */
    uint8_t id[ACK_BYTES];
    int first = read_ack(p[0], id);
    struct timespec ts = {0, (long)(1000000 + test_below(&r, 40000000))}; /* 1-41 ms */
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int wst;
    REQUIRE(waitpid(pid, &wst, 0) == pid);
    CHECK(WIFSIGNALED(wst)); /* it was still running: we killed it mid-work */
    /* Everything it acknowledged is in the pipe. */
    for (int more = first; more; more = read_ack(p[0], id)) {
      if (acked == cap) {
        cap *= 2;
        ids = realloc(ids, cap * ACK_BYTES);
        REQUIRE(ids);
      }
      memcpy(ids[acked++], id, sizeof id);
    }
    close(p[0]);

    struct store_config cfg = {dir, 1 << 20, 1 << 30, 0, 0};
    struct store *s;
    int rc = store_open(&s, &cfg);
    CHECK_EQ(rc, 0);
    if (rc)
      break;
    for (size_t i = 0; i < acked; i++) {
      uint64_t hlc;
      memcpy(&hlc, ids[i] + 1, 8);
      if (store_has_at(s, ids[i][0] ? "shihua" : "changhongli", hlc, ids[i] + 9) != 1)
        lost++;
    }
    uint64_t n;
    CHECK_EQ(store_stats(s, &n, NULL), 0);
    CHECK(n >= acked); /* each acked op once; unacked ones may have committed too */
    uint8_t d1[32], d2[32];
    CHECK_EQ(store_digest(s, NULL, 0, d1), 0);
    CHECK_EQ(store_rebuild(s), 0);
    CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
    if (memcmp(d1, d2, 32))
      mismatched++;
    store_close(s);
  }
  printf("kills: %d, acknowledged ops: %zu, lost: %d, digest mismatches: %d\n", KILLS, acked,
         lost, mismatched);
  CHECK_EQ(lost, 0);
  CHECK_EQ(mismatched, 0);
  CHECK(acked > KILLS); /* the children got real work done */
  free(ids);
  t_rmdir(dir);
  return test_done("test_crash");
}
