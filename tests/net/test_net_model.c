/* Reference-model test of reconciliation: two memstores with random sets and
 * chosen differences reconcile, and each side's have/need sets are exactly
 * the true set differences. Prints SEED=; LINLI_SEED replays. */
#include "netsim.h"

static const char *where_name[] = {"clustered", "scattered"};

/* One case; returns 0 if every check held. */
static int run_case(uint64_t seed, const struct sim_spec *sp, const struct net_recon_cfg *cfg)
{
  struct test_rng rng = {seed};
  struct sim_side a, b;
  struct sim_ids a_only = {0}, b_only = {0};
  struct sim_stats st;
  int before = test__failures;
  sim_side_init(&a);
  sim_side_init(&b);
  free(sim_build(&rng, sp, a.m, b.m));
  if (getenv("LINLI_VERBOSE"))
    printf("case seed=%" PRIu64 " n=%zu d=%zu\n", seed, sp->n, sp->d), fflush(stdout);
  sim_side_start(&a, cfg);
  sim_side_start(&b, cfg);
  sim_minus(a.m, b.m, &a_only);
  sim_minus(b.m, a.m, &b_only);
  CHECK_EQ(sim_run(&a, &b, &st), 0);
  CHECK(net_recon_done(&a.r));
  CHECK(net_recon_done(&b.r));
  CHECK(sim_ids_eq(&a.have, &a_only));
  CHECK(sim_ids_eq(&a.need, &b_only));
  CHECK(sim_ids_eq(&b.have, &b_only));
  CHECK(sim_ids_eq(&b.need, &a_only));
  if (test__failures != before)
    fprintf(stderr, "  case seed=%" PRIu64 " n=%zu d=%zu %s one_sided=%d dup=%u: "
            "A has %zu/%zu need %zu/%zu, B has %zu/%zu need %zu/%zu, %" PRIu64 " msgs\n",
            seed, sp->n, sp->d, where_name[sp->where], sp->one_sided, sp->hlc_dup,
            a.have.n, a_only.n, a.need.n, b_only.n, b.have.n, b_only.n, b.need.n, a_only.n,
            st.msgs);
  sim_ids_free(&a_only);
  sim_ids_free(&b_only);
  sim_side_release(&a);
  sim_side_release(&b);
  return test__failures != before;
}

/* One side empty, both empty, identical. */
static void edge_cases(uint64_t seed)
{
  struct sim_spec sp = {0};
  run_case(seed, &sp, NULL); /* both empty */
  sp.n = 1000;
  run_case(seed + 1, &sp, NULL); /* identical */
  sp.n = 100000;
  run_case(seed + 2, &sp, NULL);
  sp.n = 5000;
  sp.d = 5000;
  sp.one_sided = 1;
  run_case(seed + 3, &sp, NULL); /* B empty */
  sp.n = 200000;
  sp.d = 200000;
  run_case(seed + 4, &sp, NULL); /* B empty, more than one message of ids */
  sp.n = 1;
  sp.d = 1;
  run_case(seed + 5, &sp, NULL);
}

/* Equal hlc everywhere: bounds need id prefixes. */
static void hlc_collisions(uint64_t seed)
{
  struct sim_spec sp = {20000, 300, SIM_SCATTERED, 0, 1};
  for (int i = 0; i < 4; i++)
    run_case(seed + (uint64_t)i, &sp, NULL);
  sp.hlc_dup = 3;
  sp.where = SIM_CLUSTERED;
  run_case(seed + 9, &sp, NULL);
}

/* Odd settings must still be exact (they are local policy). */
static void odd_configs(uint64_t seed)
{
  struct net_recon_cfg cfg;
  struct sim_spec sp = {30000, 500, SIM_SCATTERED, 0, 7};
  net_recon_cfg_default(&cfg);
  cfg.fanout = 2;
  cfg.idlist_max = 0;
  cfg.first_ids = 0;
  cfg.growth = 2;
  cfg.msg_max = 4096;
  run_case(seed, &sp, &cfg);
  cfg.fanout = 64;
  cfg.idlist_max = 1000;
  cfg.first_ids = 3000;
  cfg.msg_max = 8192;
  run_case(seed + 1, &sp, &cfg);
  sp.d = 30000;
  sp.one_sided = 1;
  run_case(seed + 2, &sp, &cfg);
}

int main(void)
{
  uint64_t seed = test_seed(UINT64_C(0x11a11));
  static const size_t ds[] = {1, 10, 100, 10000};
  static const size_t ns[] = {1000, 20000, 200000};
  REQUIRE(crdt_init() == 0);
  edge_cases(seed);
  hlc_collisions(seed + 100);
  odd_configs(seed + 200);
  for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++)
      for (int w = 0; w < 2; w++) {
        int rounds = ns[ni] >= 200000 ? 2 : 8;
        for (int k = 0; k < rounds; k++) {
          struct sim_spec sp = {ns[ni], ds[di], (enum sim_where)w, k & 1, 0};
          run_case(seed + 1000 * ni + 10 * di + (uint64_t)(w * 5 + k), &sp, NULL);
        }
      }
  return test_done("test_net_model");
}
