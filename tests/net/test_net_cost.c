/* Cost of reconciliation: bytes on the wire and round trips, as functions of
 * the number of differences d and the set size n. Prints one `metric` line
 * per case and asserts the targets of docs/protocol.md §10.5 ("Cost"):
 *   - d = 1, clustered: at most 3 round trips and 2,048 bytes, at any n;
 *   - clustered: total bytes <= 1.3 x d x 300 + 2,048;
 *   - scattered, d >= 1,000: total bytes <= 3 x d x 300;
 *   - bytes grow with d, not with n.
 * "Total" is the RECON bytes plus the OPS that carry the ops (each side sends
 * the ops it learnt the peer lacks), with ops of OP_BYTES bytes.
 * LINLI_COST_N=500000 adds a larger n (slow under sanitizers). */
#include "netsim.h"

#define OP_BYTES 300

struct cost {
  uint64_t msgs, rt, recon, total, max_msg;
};

static const char *where_name[] = {"clustered", "scattered"};

static struct cost measure(uint64_t seed, const struct sim_spec *sp, const struct net_recon_cfg *cfg)
{
  struct test_rng rng = {seed};
  struct sim_side a, b;
  struct sim_stats st;
  struct cost c = {0};
  sim_side_init(&a);
  sim_side_init(&b);
  free(sim_build(&rng, sp, a.m, b.m));
  sim_side_start(&a, cfg);
  sim_side_start(&b, cfg);
  CHECK_EQ(sim_run(&a, &b, &st), 0);
  CHECK(net_recon_done(&a.r) && net_recon_done(&b.r));
  CHECK_EQ(a.have.n + a.need.n, sp->d < sp->n ? sp->d : sp->n);
  c.msgs = st.msgs;
  c.recon = st.bytes;
  c.max_msg = st.max_msg;
  /* The ops go one way per side, alongside or right after the last RECON:
   * half a round trip more. An OPS message per NET_OPS_MAX ops, its header
   * about 16 bytes; each op a bin with a 3-byte header. */
  uint64_t ops = a.have.n + b.have.n, batches = (a.have.n + NET_OPS_MAX - 1) / NET_OPS_MAX +
                                                (b.have.n + NET_OPS_MAX - 1) / NET_OPS_MAX;
  c.total = c.recon + ops * (OP_BYTES + 3) + batches * 16;
  c.rt = (c.msgs + (ops ? 1 : 0) + 1) / 2;
  printf("metric recon n=%zu d=%zu %s%s msgs=%" PRIu64 " rt=%" PRIu64 " recon_bytes=%" PRIu64
         " total_bytes=%" PRIu64 " ratio=%.3f max_msg=%" PRIu64 "\n",
         sp->n, sp->d, where_name[sp->where], sp->one_sided ? "-onesided" : "", c.msgs, c.rt,
         c.recon, c.total, sp->d ? (double)c.total / ((double)sp->d * OP_BYTES) : 0.0, c.max_msg);
  fflush(stdout);
  sim_side_release(&a);
  sim_side_release(&b);
  return c;
}

static void check_n(uint64_t seed, size_t n, const struct cost *small)
{
  static const size_t ds[] = {1, 10, 100, 1000, 10000};
  for (size_t di = 0; di < sizeof ds / sizeof *ds; di++) {
    for (int w = 0; w < 2; w++) {
      for (int one = 0; one < 2; one++) {
        struct sim_spec sp = {n, ds[di], (enum sim_where)w, one, 0};
        struct cost c = measure(seed + di * 4 + (size_t)w * 2 + (size_t)one, &sp, NULL);
        double base = (double)ds[di] * OP_BYTES;
        if (w == SIM_CLUSTERED) {
          CHECK(c.total <= 1.3 * base + 2048);
          if (ds[di] == 1) {
            CHECK(c.rt <= 3);
            CHECK(c.recon <= 2048);
          }
          /* not with n: within a few ranges of the first RECON */
          if (small)
            CHECK(c.recon <= small[di * 4 + (size_t)one].recon + 512 + c.recon / 10);
        } else if (ds[di] >= 1000) {
          CHECK(c.total <= 3 * base);
        }
        if (!small)
          continue;
      }
    }
  }
}

int main(void)
{
  uint64_t seed = test_seed(UINT64_C(0xc057));
  static struct cost small[5 * 4];
  static const size_t ds[] = {1, 10, 100, 1000, 10000};
  REQUIRE(crdt_init() == 0);
  /* n = 20,000 as the reference for "not with n". */
  for (size_t di = 0; di < 5; di++)
    for (int one = 0; one < 2; one++) {
      struct sim_spec sp = {20000, ds[di], SIM_CLUSTERED, one, 0};
      small[di * 4 + (size_t)one] = measure(seed + 77 + di, &sp, NULL);
    }
  check_n(seed, 1000, NULL);
  check_n(seed + 1, 200000, small);
  const char *big = getenv("LINLI_COST_N");
  if (big)
    check_n(seed + 2, (size_t)strtoull(big, NULL, 10), small);
  return test_done("test_net_cost");
}
