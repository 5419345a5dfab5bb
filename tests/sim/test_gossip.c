/* The gossip schedule (sim/gossip.h), exhaustively for n = 1..2000 and a
 * few larger n up to SIM_NODES_MAX: every round of two periods is a
 * matching (partner of partner is self, partners are in range, exactly
 * n mod 2 nodes idle), and starting at round 0 or at the second period,
 * all-to-all dissemination completes after exactly gossip_rounds(n) rounds,
 * which is ceil(log2 n) for even n and ceil(log2 n) + 1 for odd n (each
 * node's knowledge is a bitset; a round ORs partners' sets together). */
#include "gossip.h"
#include "test.h"

static uint32_t ceil_log2(uint32_t n)
{
  uint32_t k = 0;
  while ((UINT64_C(1) << k) < n)
    k++;
  return k;
}

/* Returns 0 or describes the first problem in why. */
static int check_n(uint32_t n, char *why, size_t cap)
{
  uint32_t R = gossip_rounds(n), w = (n + 63) / 64;
  uint32_t want = n < 2 ? 0 : ceil_log2(n) + n % 2;
  if (R != want) {
    snprintf(why, cap, "gossip_rounds=%u, want %u", R, want);
    return 1;
  }
  for (uint32_t round = 0; round < 2 * R + 1; round++) {
    uint32_t idle = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t p = gossip_partner(i, n, round);
      if (p >= n || gossip_partner(p, n, round) != i) {
        snprintf(why, cap, "round %u: %u -> %u -> %u is no matching", round, i, p,
                 p < n ? gossip_partner(p, n, round) : p);
        return 1;
      }
      idle += p == i;
    }
    if (idle != n % 2) {
      snprintf(why, cap, "round %u: %u idle nodes", round, idle);
      return 1;
    }
  }
  if (gossip_partner(n, n, 0) != n) {
    snprintf(why, cap, "an index out of range is not idle");
    return 1;
  }
  uint64_t *k = calloc((size_t)n * w + 1, sizeof *k), *t = calloc((size_t)n * w + 1, sizeof *t);
  REQUIRE(k && t);
  int rc = 0;
  for (uint32_t start = 0; start <= R && !rc; start += R ? R : 1) {
    memset(k, 0, (size_t)n * w * sizeof *k);
    for (uint32_t i = 0; i < n; i++)
      k[(size_t)i * w + i / 64] |= UINT64_C(1) << (i % 64);
    uint32_t done_at = 0;
    for (uint32_t r = 0;; r++) {
      uint32_t complete = 0;
      for (uint32_t i = 0; i < n && r + 1 >= R; i++) { /* counted from round R-1 on */
        uint32_t bits = 0;
        for (uint32_t j = 0; j < w; j++)
          bits += (uint32_t)__builtin_popcountll(k[(size_t)i * w + j]);
        complete += bits == n;
      }
      if (r + 1 >= R && complete == n) {
        done_at = r;
        break;
      }
      if (r == R) {
        snprintf(why, cap, "from round %u: %u of %u nodes know everything after %u rounds",
                 start, complete, n, R);
        rc = 1;
        break;
      }
      memcpy(t, k, (size_t)n * w * sizeof *k);
      for (uint32_t i = 0; i < n; i++) {
        uint32_t p = gossip_partner(i, n, start + r);
        for (uint32_t j = 0; j < w; j++)
          t[(size_t)i * w + j] |= k[(size_t)p * w + j];
      }
      uint64_t *x = k;
      k = t, t = x;
    }
    if (!rc && done_at != R) { /* fewer would beat the telephone-model optimum */
      snprintf(why, cap, "from round %u: complete after %u rounds, claimed %u", start, done_at, R);
      rc = 1;
    }
  }
  free(k);
  free(t);
  return rc;
}

int main(void)
{
  static const uint32_t big[] = {2047, 2048, 2049, 2050, 2051, 3071, 4093, 4094, 4095, 4096};
  char why[256];
  int shown = 0;
  for (uint32_t i = 0; i < 2000 + sizeof big / sizeof big[0]; i++) {
    uint32_t n = i < 2000 ? i + 1 : big[i - 2000];
    int bad = check_n(n, why, sizeof why);
    CHECK(!bad);
    if (bad && shown++ < 10)
      fprintf(stderr, "n=%u: %s\n", n, why);
  }
  /* A few values, so a change of the schedule is a visible decision. */
  CHECK_EQ(gossip_rounds(100), 7);
  CHECK_EQ(gossip_rounds(1400), 11);
  CHECK_EQ(gossip_rounds(7), 4);
  CHECK_EQ(gossip_partner(0, 100, 0), 1);
  CHECK_EQ(gossip_partner(0, 100, 1), 3);
  CHECK_EQ(gossip_partner(3, 100, 1), 0);
  CHECK_EQ(gossip_partner(5, 7, 0), 5 - 3);
  return test_done("test_gossip");
}
