/* The verify pool: every op gets crdt_op_open's verdict whatever the
 * thread count, queued jobs finish in any mix of sizes (empty, one op,
 * thousands), forged and truncated ops fail as they would inline, and
 * vpool_done never says done early. A pool of no thread verifies only
 * when asked, in the order its caller picks. Prints SEED=. */
#include "test_store_util.h"
#include "vpool.h"

#define NOPS 700

static struct t_op ops[NOPS];
static uint8_t bytes[NOPS][CRDT_OP_MAX_BYTES];
static const uint8_t *raw[NOPS];
static size_t lens[NOPS];
static int want[NOPS];

static void check_job(const struct vjob *j, uint32_t off)
{
  for (uint32_t i = 0; i < j->n; i++) {
    CHECK_EQ(j->verdict[i], want[off + i]);
    if (j->verdict[i] == 0)
      CHECK_MEM(j->dec[i].id, ops[off + i].op.id, CRDT_ID_BYTES);
  }
}

static uint64_t newest(void *arg, uint64_t n)
{
  (void)arg;
  return n - 1;
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  struct test_rng r = {test_seed(11)};
  struct crdt_identity who;
  t_identity(&who, 0x17);
  for (int i = 0; i < NOPS; i++) {
    t_random_op(&ops[i], &r, &who, "shihua", 1580000000000, 86400000);
    memcpy(bytes[i], ops[i].bytes, ops[i].len);
    lens[i] = ops[i].len;
    if (test_below(&r, 9) == 0)
      bytes[i][lens[i] - 1 - test_below(&r, 64)] ^= 0x20; /* forged signature */
    else if (test_below(&r, 9) == 0)
      lens[i] -= 1 + test_below(&r, lens[i] - 1); /* truncated */
    raw[i] = bytes[i];
    struct crdt_op tmp;
    want[i] = crdt_op_open(&tmp, raw[i], lens[i]);
  }
  int bad = 0;
  for (int i = 0; i < NOPS; i++)
    bad += want[i] != 0;
  CHECK(bad > 20 && bad < NOPS / 2);

  static const int threads[] = {1, 2, 5};
  static struct crdt_op dec[NOPS];
  static int verdict[NOPS];
  for (int t = 0; t < 3; t++) {
    struct vpool *p;
    REQUIRE(vpool_new(&p, threads[t]) == 0);
    /* Jobs of sizes 0, 1, 31, 33, then the rest, all queued at once. */
    uint32_t cuts[] = {0, 0, 1, 32, 65, NOPS};
    struct vjob jobs[5];
    for (int k = 0; k < 5; k++) {
      memset(verdict + cuts[k], 0x55, (cuts[k + 1] - cuts[k]) * sizeof *verdict);
      jobs[k] = (struct vjob){raw + cuts[k], lens + cuts[k], dec + cuts[k], verdict + cuts[k],
                              cuts[k + 1] - cuts[k], 0, 0, NULL};
      vpool_submit(p, &jobs[k]);
    }
    CHECK(vpool_done(p, &jobs[0])); /* nothing to do */
    /* Wait for the last first: the earlier ones are done by then. */
    vpool_wait(p, &jobs[4]);
    for (int k = 0; k < 5; k++) {
      CHECK(vpool_done(p, &jobs[k]));
      check_job(&jobs[k], cuts[k]);
    }
    /* A job submitted and waited for at once, then one left to vpool_free. */
    memset(verdict, 0x55, sizeof verdict);
    struct vjob one = {raw, lens, dec, verdict, NOPS, 0, 0, NULL};
    vpool_submit(p, &one);
    vpool_wait(p, &one);
    check_job(&one, 0);
    struct vjob last = {raw, lens, dec, verdict, NOPS, 0, 0, NULL};
    memset(verdict, 0x55, sizeof verdict);
    vpool_submit(p, &last);
    vpool_free(p); /* finishes what was queued */
    check_job(&last, 0);
  }
  /* No thread: nothing is done until asked; a pick that always takes the
   * newest job finishes the jobs newest first; wait and free do the rest. */
  struct vpool *p;
  REQUIRE(vpool_new(&p, 0) == 0);
  uint32_t cuts[] = {0, 100, 300, NOPS};
  struct vjob jobs[3];
  memset(verdict, 0x55, sizeof verdict);
  for (int k = 0; k < 3; k++) {
    jobs[k] = (struct vjob){raw + cuts[k], lens + cuts[k], dec + cuts[k], verdict + cuts[k],
                            cuts[k + 1] - cuts[k], 0, 0, NULL};
    vpool_submit(p, &jobs[k]);
  }
  CHECK(!vpool_done(p, &jobs[0]) && !vpool_done(p, &jobs[2]));
  CHECK_EQ(vpool_step(p, 0, NULL, NULL), 0);
  CHECK(!vpool_done(p, &jobs[0]));
  uint32_t got = vpool_step(p, NOPS - 300, newest, NULL);
  CHECK(got >= NOPS - 300 && got < NOPS - 300 + 32);
  CHECK(vpool_done(p, &jobs[2]));
  CHECK(!vpool_done(p, &jobs[0]) && !vpool_done(p, &jobs[1]));
  check_job(&jobs[2], 300);
  vpool_wait(p, &jobs[0]);
  check_job(&jobs[0], 0);
  vpool_free(p); /* finishes jobs[1] on this thread */
  check_job(&jobs[1], 100);
  return test_done("test_vpool");
}
