/* In-memory view: rows in a sorted array, applied op ids in a hash set. */
#include <stdlib.h>
#include <string.h>

#include "crdt.h"

struct row {
  uint8_t *k;
  size_t kl;
  uint8_t *v;
  size_t vl;
};

struct crdt_memview {
  struct row *rows;
  size_t n, cap;
  uint8_t (*seen)[CRDT_ID_BYTES]; /* open addressing; all-zero slot = empty */
  size_t seen_n, seen_cap;
};

static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
  size_t n = al < bl ? al : bl;
  int c = n ? memcmp(a, b, n) : 0;
  if (c)
    return c;
  return al < bl ? -1 : al > bl;
}

/* Index of the first row with key >= k. */
static size_t mv_lower(const struct crdt_memview *m, const uint8_t *k, size_t kl)
{
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (key_cmp(m->rows[mid].k, m->rows[mid].kl, k, kl) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int mv_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
  struct crdt_memview *m = ctx;
  size_t i = mv_lower(m, k, kl);
  if (i == m->n || key_cmp(m->rows[i].k, m->rows[i].kl, k, kl) != 0)
    return LINLI_ENOTFOUND;
  *v = m->rows[i].v;
  *vl = m->rows[i].vl;
  return 0;
}

static uint8_t *dup(const uint8_t *p, size_t n)
{
  uint8_t *d = malloc(n ? n : 1);
  if (d && n)
    memcpy(d, p, n);
  return d;
}

static int mv_put(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct crdt_memview *m = ctx;
  size_t i = mv_lower(m, k, kl);
  uint8_t *nv = dup(v, vl);
  if (!nv)
    return LINLI_ENOMEM;
  if (i < m->n && key_cmp(m->rows[i].k, m->rows[i].kl, k, kl) == 0) {
    free(m->rows[i].v);
    m->rows[i].v = nv;
    m->rows[i].vl = vl;
    return 0;
  }
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct row *r = realloc(m->rows, cap * sizeof *r);
    if (!r) {
      free(nv);
      return LINLI_ENOMEM;
    }
    m->rows = r;
    m->cap = cap;
  }
  uint8_t *nk = dup(k, kl);
  if (!nk) {
    free(nv);
    return LINLI_ENOMEM;
  }
  memmove(m->rows + i + 1, m->rows + i, (m->n - i) * sizeof *m->rows);
  m->rows[i] = (struct row){nk, kl, nv, vl};
  m->n++;
  return 0;
}

static int mv_del(void *ctx, const uint8_t *k, size_t kl)
{
  struct crdt_memview *m = ctx;
  size_t i = mv_lower(m, k, kl);
  if (i == m->n || key_cmp(m->rows[i].k, m->rows[i].kl, k, kl) != 0)
    return 0;
  free(m->rows[i].k);
  free(m->rows[i].v);
  memmove(m->rows + i, m->rows + i + 1, (m->n - i - 1) * sizeof *m->rows);
  m->n--;
  return 0;
}

static int mv_scan(void *ctx, const uint8_t *prefix, size_t pl,
                   int (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t), void *arg)
{
  struct crdt_memview *m = ctx;
  for (size_t i = mv_lower(m, prefix, pl); i < m->n; i++) {
    struct row *r = &m->rows[i];
    if (r->kl < pl || (pl && memcmp(r->k, prefix, pl) != 0))
      break;
    int rc = fn(arg, r->k, r->kl, r->v, r->vl);
    if (rc)
      return rc;
  }
  return 0;
}

struct crdt_memview *crdt_memview_new(void)
{
  return calloc(1, sizeof(struct crdt_memview));
}

void crdt_memview_destroy(struct crdt_memview *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->rows[i].k);
    free(m->rows[i].v);
  }
  free(m->rows);
  free(m->seen);
  free(m);
}

struct crdt_view crdt_memview_view(struct crdt_memview *m)
{
  return (struct crdt_view){m, mv_get, mv_put, mv_del, mv_scan, NULL, 0};
}

static size_t slot_of(const uint8_t *id, size_t cap)
{
  uint64_t h;
  memcpy(&h, id, sizeof h); /* ids are uniformly random */
  return (size_t)(h & (cap - 1));
}

static int seen_has(const struct crdt_memview *m, const uint8_t *id)
{
  static const uint8_t zero[CRDT_ID_BYTES];
  if (!m->seen_cap)
    return 0;
  for (size_t j = slot_of(id, m->seen_cap); memcmp(m->seen[j], zero, CRDT_ID_BYTES) != 0;
       j = (j + 1) & (m->seen_cap - 1))
    if (memcmp(m->seen[j], id, CRDT_ID_BYTES) == 0)
      return 1;
  return 0;
}

/* 1 if inserted, 0 if present, <0 on error. */
static int seen_insert(struct crdt_memview *m, const uint8_t *id)
{
  static const uint8_t zero[CRDT_ID_BYTES];
  if ((m->seen_n + 1) * 2 > m->seen_cap) {
    size_t cap = m->seen_cap ? m->seen_cap * 2 : 256;
    uint8_t(*s)[CRDT_ID_BYTES] = calloc(cap, CRDT_ID_BYTES);
    if (!s)
      return LINLI_ENOMEM;
    for (size_t i = 0; i < m->seen_cap; i++) {
      if (memcmp(m->seen[i], zero, CRDT_ID_BYTES) == 0)
        continue;
      size_t j = slot_of(m->seen[i], cap);
      while (memcmp(s[j], zero, CRDT_ID_BYTES) != 0)
        j = (j + 1) & (cap - 1);
      memcpy(s[j], m->seen[i], CRDT_ID_BYTES);
    }
    free(m->seen);
    m->seen = s;
    m->seen_cap = cap;
  }
  size_t j = slot_of(id, m->seen_cap);
  while (memcmp(m->seen[j], zero, CRDT_ID_BYTES) != 0) {
    if (memcmp(m->seen[j], id, CRDT_ID_BYTES) == 0)
      return 0;
    j = (j + 1) & (m->seen_cap - 1);
  }
  memcpy(m->seen[j], id, CRDT_ID_BYTES);
  m->seen_n++;
  return 1;
}

int crdt_memview_apply(struct crdt_memview *m, const struct crdt_op *op)
{
  if (seen_has(m, op->id))
    return 0;
  struct crdt_view v = crdt_memview_view(m);
  int rc = crdt_apply(&v, op);
  if (rc < 0)
    return rc; /* not marked: a later retry applies it */
  rc = seen_insert(m, op->id);
  return rc < 0 ? rc : 1;
}

size_t crdt_memview_rows(const struct crdt_memview *m)
{
  return m->n;
}
