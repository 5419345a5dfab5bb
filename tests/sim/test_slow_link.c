/* The slow link model (sim/link.c: bandwidth, latency, frames) and a node
 * back from an outage over it (sim_bench_slow): both converge, no message
 * exceeds the frame, and the time stays near its floor (the fresh ops'
 * bytes at the bandwidth plus one round trip). Prints SEED=; LINLI_SEED
 * replays. */
#include "sim.h"
#include "test.h"

static void one(uint32_t history, uint32_t fresh, uint64_t bw, uint64_t lat, uint32_t frame,
                uint64_t seed)
{
  struct sim_slow r;
  int rc = sim_bench_slow(history, fresh, bw, lat, frame, seed, NULL, &r);
  if (rc)
    fprintf(stderr, "slow link: %s\n", r.why);
  CHECK_EQ(rc, 0);
  printf("metric slow history=%u fresh=%u bw=%llu frame=%u time=%llu floor=%llu bytes=%llu "
         "op_bytes=%llu max_msg=%llu\n",
         history, fresh, (unsigned long long)bw, frame, (unsigned long long)r.time_ms,
         (unsigned long long)r.floor_ms, (unsigned long long)r.bytes,
         (unsigned long long)r.op_bytes, (unsigned long long)r.max_msg);
  CHECK(r.op_bytes > (uint64_t)fresh * 100);
  CHECK(r.max_msg <= frame);
  CHECK(r.time_ms >= r.floor_ms - 2 * lat); /* the bandwidth is a real limit */
  /* within 1.3x of the floor, plus two round trips (the HELLOs, the first
   * RECON) that dominate when there is little to send */
  CHECK(r.time_ms * 10 <= r.floor_ms * 13 + 40 * lat);
  CHECK(r.bytes <= r.op_bytes + r.op_bytes / 10 + 16384);
}

int main(void)
{
  uint64_t seed = test_seed(7);
  REQUIRE(crdt_init() == 0);
  one(2000, 600, 1000000, 100, 65536, seed);
  one(2000, 600, 256000, 300, 16384, seed + 1);
  one(500, 1, 1000000, 100, 65536, seed + 2);
  return test_done("test_slow_link");
}
