/* In-memory reconciliation store: a sorted array of items and naive scans.
 * The reference the LMDB index is checked against; see net.h. */
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct net_memstore {
  struct net_item *v;
  size_t n, cap;
};

struct net_memstore *net_memstore_new(void)
{
  return calloc(1, sizeof(struct net_memstore));
}

void net_memstore_destroy(struct net_memstore *m)
{
  if (!m)
    return;
  free(m->v);
  free(m);
}

size_t net_memstore_count(const struct net_memstore *m)
{
  return m->n;
}

const struct net_item *net_memstore_at(const struct net_memstore *m, size_t i)
{
  return i < m->n ? &m->v[i] : NULL;
}

/* Index of the first item >= b. */
static size_t ms__lower(const struct net_memstore *m, const struct net_bound *b)
{
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (net_item_cmp_bound(&m->v[mid], b) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static size_t ms__lower_item(const struct net_memstore *m, const struct net_item *x)
{
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (net_item_cmp(&m->v[mid], x) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int net_memstore_add(struct net_memstore *m, uint64_t hlc, const uint8_t id[NET_ID_BYTES])
{
  struct net_item x;
  if (hlc == NET_HLC_INF)
    return LINLI_EINVAL;
  x.hlc = hlc;
  memcpy(x.id, id, NET_ID_BYTES);
  size_t i = m->n;
  if (m->n && net_item_cmp(&m->v[m->n - 1], &x) >= 0) {
    i = ms__lower_item(m, &x);
    if (net_item_cmp(&m->v[i], &x) == 0)
      return 0;
  }
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct net_item *v = realloc(m->v, cap * sizeof *v);
    if (!v)
      return LINLI_ENOMEM;
    m->v = v;
    m->cap = cap;
  }
  memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof *m->v);
  m->v[i] = x;
  m->n++;
  return 1;
}

/* [a, b) as array indices. */
static void ms__span(const struct net_memstore *m, const struct net_bound *lo,
                     const struct net_bound *hi, size_t *a, size_t *b)
{
  *a = ms__lower(m, lo);
  *b = ms__lower(m, hi);
  if (*b < *a)
    *b = *a;
}

static int ms__fingerprint(void *ctx, const struct net_bound *lo, const struct net_bound *hi,
                           uint64_t *count, uint8_t sum[NET_SUM_BYTES])
{
  struct net_memstore *m = ctx;
  size_t a, b;
  ms__span(m, lo, hi, &a, &b);
  memset(sum, 0, NET_SUM_BYTES);
  for (size_t i = a; i < b; i++)
    net_sum_add(sum, m->v[i].id);
  *count = b - a;
  return 0;
}

static int ms__nth(void *ctx, const struct net_bound *lo, const struct net_bound *hi,
                   uint64_t k, struct net_item *out)
{
  struct net_memstore *m = ctx;
  size_t a, b;
  ms__span(m, lo, hi, &a, &b);
  if (k >= b - a)
    return LINLI_ENOTFOUND;
  *out = m->v[a + k];
  return 0;
}

static int ms__items(void *ctx, const struct net_bound *lo, const struct net_bound *hi,
                     uint64_t limit, int (*fn)(void *arg, const struct net_item *x), void *arg)
{
  struct net_memstore *m = ctx;
  size_t a, b;
  ms__span(m, lo, hi, &a, &b);
  for (size_t i = a; i < b && limit > 0; i++, limit--) {
    int rc = fn(arg, &m->v[i]);
    if (rc)
      return rc;
  }
  return 0;
}

struct net_rstore net_memstore_rstore(struct net_memstore *m)
{
  struct net_rstore s = {m, ms__fingerprint, ms__nth, ms__items, NULL};
  return s;
}
