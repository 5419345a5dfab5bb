/* A tiny test harness: checks that print both sides, a seeded PRNG that
 * prints SEED= and replays from LINLI_SEED, and a summary line.
 * Each test program is one ctest test; a failed CHECK marks the program
 * failed and keeps going, so one run shows every failure. */
#ifndef LINLI_TEST_H
#define LINLI_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test__failures;
static int test__checks;

#define CHECK(cond)                                                          \
  do {                                                                       \
    test__checks++;                                                          \
    if (!(cond)) {                                                           \
      test__failures++;                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

#define CHECK_EQ(a, b)                                                              \
  do {                                                                              \
    long long test__a = (long long)(a), test__b = (long long)(b);                   \
    test__checks++;                                                                 \
    if (test__a != test__b) {                                                       \
      test__failures++;                                                             \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__, \
              __LINE__, #a, #b, test__a, test__b);                                  \
    }                                                                               \
  } while (0)

#define CHECK_MEM(a, b, n)                                                             \
  do {                                                                                 \
    test__checks++;                                                                    \
    if (memcmp((a), (b), (n)) != 0) {                                                  \
      test__failures++;                                                                \
      fprintf(stderr, "%s:%d: CHECK_MEM failed: %s vs %s\n  ", __FILE__, __LINE__, #a, #b); \
      test_hex_fprint(stderr, (const uint8_t *)(a), (n));                              \
      fprintf(stderr, "\n  ");                                                         \
      test_hex_fprint(stderr, (const uint8_t *)(b), (n));                              \
      fprintf(stderr, "\n");                                                           \
    }                                                                                  \
  } while (0)

/* Fatal: stop the program (for setup that later checks depend on). */
#define REQUIRE(cond)                                                              \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);   \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

static inline void test_hex_fprint(FILE *f, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%02x", p[i]);
}

/* splitmix64: small, good enough, and replayable. */
struct test_rng {
  uint64_t s;
};
static inline uint64_t test_rand(struct test_rng *r)
{
  uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static inline uint64_t test_below(struct test_rng *r, uint64_t n)
{
  return n ? test_rand(r) % n : 0;
}

/* The base seed: LINLI_SEED from the environment, or `dflt`. Printed. */
static inline uint64_t test_seed(uint64_t dflt)
{
  const char *e = getenv("LINLI_SEED");
  uint64_t s = e ? strtoull(e, NULL, 0) : dflt;
  printf("SEED=%" PRIu64 "\n", s);
  return s;
}

static inline int test_done(const char *name)
{
  printf("%s: %d checks, %d failed\n", name, test__checks, test__failures);
  return test__failures ? 1 : 0;
}

#endif
