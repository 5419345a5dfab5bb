/* The one PRNG of a run: xoshiro256** (Blackman, Vigna), seeded through
 * splitmix64 so that nearby seeds give unrelated streams. */
#include <string.h>

#include "sim.h"

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
  if (n == 0)
    return 0;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = sim_rng_next(r);
  while (x >= limit);
  return x % n;
}

int sim_rng_ppm(struct sim_rng *r, uint32_t ppm)
{
  if (ppm == 0)
    return 0;
  return sim_rng_below(r, 1000000) < ppm;
}

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
  if (hi <= lo)
    return lo;
  return lo + sim_rng_below(r, hi - lo + 1);
}

void sim_rng_fill(struct sim_rng *r, void *buf, size_t len)
{
  uint8_t *p = buf;
  while (len) {
    uint64_t x = sim_rng_next(r);
    size_t k = len < 8 ? len : 8;
    memcpy(p, &x, k); /* byte order is the host's: runs replay on one kind of host */
    p += k;
    len -= k;
  }
}
