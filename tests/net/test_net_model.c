/* Reference-model test of reconciliation: two memstores with random sets and
 * chosen differences reconcile, and each side's have/need sets are exactly
 * the true set differences. Prints SEED=; LINLI_SEED replays. */
#include "netsim.h"

static const char *where_name[] = {"clustered", "scattered"};

/* Every id of sub is in set (both normalised). */
static int sim_ids_subset(const struct sim_ids *sub, const struct sim_ids *set)
{
  size_t j = 0;
  for (size_t i = 0; i < sub->n; i++) {
    while (j < set->n && memcmp(set->v + j * NET_ID_BYTES, sub->v + i * NET_ID_BYTES, NET_ID_BYTES) < 0)
      j++;
    if (j == set->n || memcmp(set->v + j * NET_ID_BYTES, sub->v + i * NET_ID_BYTES, NET_ID_BYTES))
      return 0;
  }
  return 1;
}

/* What a side learns of the peer's items: with the peer's sends on, the ids
 * it names (need) and the ops the peer sends (the peer's have, all of
 * them); the announced counts cover what was not named. */
static void check_learnt(const struct sim_side *me, const struct sim_side *peer, int peer_sends,
                         const struct sim_ids *peer_only)
{
  if (!peer_sends) {
    CHECK(sim_ids_eq(&me->need, peer_only));
    CHECK_EQ(me->coming, 0);
    return;
  }
  CHECK(sim_ids_subset(&me->need, peer_only)); /* no false claims */
  CHECK(sim_ids_eq(&peer->have, peer_only));   /* and the ops of all come */
  CHECK(me->need.n + me->coming >= peer_only->n);
  CHECK(me->coming <= 2 * peer_only->n); /* an item may be counted twice at a limit */
}

/* The output buffer of each step: room for one message (as before parts
 * existed), or for many, so that an answer goes in parts (continued RECONs). */
static size_t case_cap = NET_MSG_MAX;

/* One case, A with cfg and B with cfg_b; returns 0 if every check held. */
static int run_case2(uint64_t seed, const struct sim_spec *sp, const struct net_recon_cfg *cfg,
                     const struct net_recon_cfg *cfg_b)
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
  sim_side_start(&b, cfg_b);
  sim_minus(a.m, b.m, &a_only);
  sim_minus(b.m, a.m, &b_only);
  CHECK_EQ(sim_run_buf(&a, &b, &st, case_cap), 0);
  CHECK(st.max_msg <= (cfg ? cfg->msg_max : NET_MSG_MAX) ||
        st.max_msg <= (cfg_b ? cfg_b->msg_max : NET_MSG_MAX));
  CHECK(net_recon_done(&a.r));
  CHECK(net_recon_done(&b.r));
  CHECK(sim_ids_eq(&a.have, &a_only));
  CHECK(sim_ids_eq(&b.have, &b_only));
  check_learnt(&a, &b, cfg_b && cfg_b->sends, &b_only);
  check_learnt(&b, &a, cfg && cfg->sends, &a_only);
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

static int run_case(uint64_t seed, const struct sim_spec *sp, const struct net_recon_cfg *cfg)
{
  return run_case2(seed, sp, cfg, cfg);
}

/* SENDS: either side or both answer IDLISTs with a count, under every
 * limit of its budget (sends_max), message size and settings. */
static void sends_cases(uint64_t seed)
{
  static const uint32_t maxes[] = {1, 7, 100, 65536};
  static const size_t ns[] = {0, 1, 3000, 20000};
  static const size_t ds[] = {0, 1, 50, 3000};
  struct net_recon_cfg on, off, small;
  net_recon_cfg_default(&off);
  net_recon_cfg_default(&on);
  on.sends = 1;
  small = on;
  small.fanout = 2, small.idlist_max = 0, small.first_ids = 0, small.growth = 2;
  small.msg_max = 4096;
  uint64_t k = 0;
  for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++)
      for (int w = 0; w < 2; w++)
        for (size_t mi = 0; mi < sizeof maxes / sizeof *maxes; mi++, k++) {
          struct sim_spec sp = {ns[ni], ds[di], (enum sim_where)w, (int)(k & 1), k % 3 ? 0 : 5};
          on.sends_max = small.sends_max = maxes[mi];
          switch (k % 4) {
          case 0: run_case2(seed + k, &sp, &on, &on); break;
          case 1: run_case2(seed + k, &sp, &on, &off); break;
          case 2: run_case2(seed + k, &sp, &off, &on); break;
          default: run_case2(seed + k, &sp, &small, &on); break;
          }
        }
  struct sim_spec big = {200000, 200000, SIM_CLUSTERED, 1, 0}; /* B empty */
  on.sends_max = 65536;
  run_case2(seed + 999, &big, &on, &on);
}

/* Answers in parts: frames of 4 KiB, 64 KiB and 1 MiB with room for many
 * per answer; every message within its frame, both sides exact. */
static void frame_cases(uint64_t seed)
{
  static const uint32_t frames[] = {4096, 65536, NET_MSG_MAX};
  static const size_t ds[] = {1, 300, 5000};
  struct net_recon_cfg c;
  uint64_t k = 0;
  for (size_t fi = 0; fi < sizeof frames / sizeof *frames; fi++)
    for (size_t di = 0; di < sizeof ds / sizeof *ds; di++)
      for (int w = 0; w < 2; w++, k++) {
        struct sim_spec sp = {40000, ds[di], (enum sim_where)w, (int)(k & 1), 0};
        net_recon_cfg_default(&c);
        c.msg_max = frames[fi];
        c.sends = (uint32_t)(k % 3 != 0);
        c.fanout = 2 + (uint32_t)(k % 5) * 6;
        c.first_parts = (uint32_t)(k % 4) * 8;
        c.tail = (uint32_t)(k % 3) * 3; /* off, 3, 6 */
        c.fanout_max = (uint32_t)(k % 3 == 0 ? 0 : k % 3 == 1 ? 3 : 64); /* off, below fanout, most */
        c.first_max = k % 2 ? 0 : 1000 + 500 * (k % 5);
        case_cap = (size_t)frames[fi] * (k % 2 ? 8 : NET_RECON_MSGS_MAX);
        run_case(seed + k, &sp, &c);
      }
  case_cap = NET_MSG_MAX;
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
  /* Adaptive splits at their extremes: fan-out 2 with up to 64 parts, no
   * id lists, first ranges of at most 50 items; and the fixed fan-out. */
  net_recon_cfg_default(&cfg);
  cfg.fanout = 2;
  cfg.fanout_max = 64;
  cfg.idlist_max = 0;
  cfg.first_max = 50;
  sp.d = 500;
  sp.one_sided = 0;
  run_case(seed + 3, &sp, &cfg);
  cfg.fanout = 16;
  cfg.fanout_max = 0;
  cfg.idlist_max = 8;
  cfg.first_max = 1;
  run_case(seed + 4, &sp, &cfg);
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
  sends_cases(seed + 300);
  frame_cases(seed + 400);
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
