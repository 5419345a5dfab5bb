/* Items, bounds and fingerprints of the reconciliation order. See net.h and
 * docs/protocol.md §10 ("Bounds", "Fingerprints"). */
#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "net.h"

void net_bound_min(struct net_bound *b)
{
  memset(b, 0, sizeof *b);
}

void net_bound_inf(struct net_bound *b)
{
  memset(b, 0, sizeof *b);
  b->hlc = NET_HLC_INF;
}

int net_bound_is_inf(const struct net_bound *b)
{
  return b->hlc == NET_HLC_INF;
}

static int net__cmp(uint64_t ah, const uint8_t *aid, uint64_t bh, const uint8_t *bid)
{
  if (ah != bh)
    return ah < bh ? -1 : 1;
  return memcmp(aid, bid, NET_ID_BYTES);
}

int net_bound_cmp(const struct net_bound *a, const struct net_bound *b)
{
  return net__cmp(a->hlc, a->id, b->hlc, b->id);
}

int net_item_cmp_bound(const struct net_item *x, const struct net_bound *b)
{
  return net__cmp(x->hlc, x->id, b->hlc, b->id);
}

int net_item_cmp(const struct net_item *a, const struct net_item *b)
{
  return net__cmp(a->hlc, a->id, b->hlc, b->id);
}

void net_bound_between(struct net_bound *b, const struct net_item *a, const struct net_item *x)
{
  assert(net_item_cmp(a, x) < 0);
  memset(b, 0, sizeof *b);
  if (CRDT_HLC_MS(a->hlc) < CRDT_HLC_MS(x->hlc)) {
    b->hlc = CRDT_HLC_MAKE(CRDT_HLC_MS(x->hlc), 0); /* counter 0: a shorter key */
    return;
  }
  b->hlc = x->hlc;
  if (a->hlc != x->hlc)
    return;
  size_t i = 0;
  while (a->id[i] == x->id[i])
    i++;
  /* x->id[i] > a->id[i] >= 0, so the last prefix byte is non-zero. */
  memcpy(b->id, x->id, i + 1);
  b->len = (uint8_t)(i + 1);
}

/* The sum is a 256-bit little-endian integer; these work on it 64 bits at
 * a time (the loads compile to plain moves on little-endian machines). */
static uint64_t le64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++, v >>= 8)
    p[i] = (uint8_t)v;
}

void net_sum_add(uint8_t sum[NET_SUM_BYTES], const uint8_t id[NET_ID_BYTES])
{
  uint64_t carry = 0;
  for (int i = 0; i < NET_SUM_BYTES; i += 8) {
    uint64_t a = le64(sum + i), t = a + le64(id + i), r = t + carry;
    carry = (uint64_t)(t < a) + (uint64_t)(r < t);
    put_le64(sum + i, r);
  }
}

void net_sum_merge(uint8_t sum[NET_SUM_BYTES], const uint8_t other[NET_SUM_BYTES])
{
  net_sum_add(sum, other);
}

void net_sum_sub(uint8_t sum[NET_SUM_BYTES], const uint8_t id[NET_ID_BYTES])
{
  uint64_t borrow = 0;
  for (int i = 0; i < NET_SUM_BYTES; i += 8) {
    uint64_t a = le64(sum + i), b = le64(id + i), t = a - b, r = t - borrow;
    borrow = (uint64_t)(a < b) + (uint64_t)(t < borrow);
    put_le64(sum + i, r);
  }
}

/* Keyed by a salt neither peer alone chooses, 8 bytes are enough: an
 * outsider crafting ops cannot aim a collision at a session it cannot
 * predict, and a peer that lies about fingerprints could as well withhold
 * ops. Half the bytes of a fingerprint are a sixth of what scattered
 * differences cost on the wire. */
void net_fp(uint8_t fp[NET_FP_BYTES], const uint8_t salt[NET_SALT_BYTES], uint64_t count,
            const uint8_t sum[NET_SUM_BYTES])
{
  uint8_t in[NET_SUM_BYTES + 8], h[16];
  memcpy(in, sum, NET_SUM_BYTES);
  for (int i = 0; i < 8; i++)
    in[NET_SUM_BYTES + i] = (uint8_t)(count >> (8 * i));
  crypto_generichash(h, sizeof h, in, sizeof in, salt, NET_SALT_BYTES);
  memcpy(fp, h, NET_FP_BYTES);
}

void net_salt(uint8_t salt[NET_SALT_BYTES], const uint8_t a[NET_NONCE_BYTES],
              const uint8_t b[NET_NONCE_BYTES])
{
  uint8_t in[2 * NET_NONCE_BYTES];
  int ab = memcmp(a, b, NET_NONCE_BYTES) <= 0;
  memcpy(in, ab ? a : b, NET_NONCE_BYTES);
  memcpy(in + NET_NONCE_BYTES, ab ? b : a, NET_NONCE_BYTES);
  crypto_generichash(salt, NET_SALT_BYTES, in, sizeof in, NULL, 0);
}
