/* The gossip schedule (gossip.h). Pure functions of (self, n, round). */
#include "gossip.h"

/* floor(log2 n) and ceil(log2 n), n >= 1. */
static uint32_t floor_log2(uint32_t n)
{
  uint32_t k = 0;
  while (n >> (k + 1))
    k++;
  return k;
}

static uint32_t ceil_log2(uint32_t n)
{
  uint32_t k = floor_log2(n);
  return (n & (n - 1)) ? k + 1 : k;
}

/* Knödel graph on even n >= 2, dimension r < floor(log2 n). */
static uint32_t knodel(uint32_t p, uint32_t n, uint32_t r)
{
  uint32_t off = (uint32_t)((UINT64_C(2) << r) - 1); /* odd, < n */
  return p % 2 == 0 ? (uint32_t)(((uint64_t)p + off) % n) : (uint32_t)(((uint64_t)p + n - off) % n);
}

/* The even schedule, phase < gossip_rounds(n). */
static uint32_t even_partner(uint32_t p, uint32_t n, uint32_t phase)
{
  return knodel(p, n, phase % floor_log2(n));
}

uint32_t gossip_rounds(uint32_t n)
{
  if (n < 2)
    return 0;
  return ceil_log2(n) + (n % 2);
}

uint32_t gossip_partner(uint32_t self, uint32_t n, uint32_t round)
{
  if (n < 2 || self >= n)
    return self;
  uint32_t period = gossip_rounds(n), phase = round % period, c = n - 1;
  if (n % 2 == 0)
    return even_partner(self, n, phase);
  if (n % 4 == 1) {
    /* The n-1 = e others run the Knödel schedule in phases 1..D; c joins
     * node 0 in the first phase and the last. */
    uint32_t e = n - 1, D = floor_log2(e);
    if (phase == 0 || phase == period - 1) {
      uint32_t r = phase == 0 ? D - 1 : 0, z = knodel(0, e, r);
      if (self == c)
        return 0;
      if (self == 0)
        return c;
      return self == z ? self : knodel(self, e, r);
    }
    return self == c ? self : knodel(self, e, phase - 1);
  }
  /* n % 4 == 3: pairs (a_i, b_i) = (i, P + i), and c. */
  uint32_t P = (n - 1) / 2, Q = P + 1;
  if (phase == 0 || phase == period - 1) {
    if (self == c)
      return self;
    return self < P ? self + P : self - P;
  }
  if (self == c)
    return even_partner(P, Q, phase - 1); /* an a */
  if (self < P) {
    uint32_t g = even_partner(self, Q, phase - 1);
    return g == P ? c : g;
  }
  uint32_t g = even_partner(self - P, Q, phase - 1);
  return g == P ? self : P + g;
}
