/* Test helpers for net/: random item sets with chosen differences, and a
 * loop that runs two reconciliation engines against each other in memory,
 * collecting what each side reports and what went over the wire. */
#ifndef LINLI_TESTS_NETSIM_H
#define LINLI_TESTS_NETSIM_H

#include "net.h"
#include "test.h"

/* A growable array of ids. */
struct sim_ids {
  uint8_t *v;
  size_t n, cap;
};

static inline int sim_ids_push(struct sim_ids *s, const uint8_t *id)
{
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 256;
    s->v = realloc(s->v, s->cap * NET_ID_BYTES);
    REQUIRE(s->v);
  }
  memcpy(s->v + s->n * NET_ID_BYTES, id, NET_ID_BYTES);
  s->n++;
  return 0;
}

static inline int sim__idcmp(const void *a, const void *b)
{
  return memcmp(a, b, NET_ID_BYTES);
}

/* Sort and drop duplicates. */
static inline void sim_ids_norm(struct sim_ids *s)
{
  if (s->n == 0)
    return;
  qsort(s->v, s->n, NET_ID_BYTES, sim__idcmp);
  size_t w = 1;
  for (size_t i = 1; i < s->n; i++)
    if (memcmp(s->v + i * NET_ID_BYTES, s->v + (w - 1) * NET_ID_BYTES, NET_ID_BYTES))
      memmove(s->v + w++ * NET_ID_BYTES, s->v + i * NET_ID_BYTES, NET_ID_BYTES);
  s->n = w;
}

static inline int sim_ids_eq(const struct sim_ids *a, const struct sim_ids *b)
{
  return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * NET_ID_BYTES) == 0);
}

static inline void sim_ids_free(struct sim_ids *s)
{
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* One side: a store, an engine, what it reported. */
struct sim_side {
  struct net_memstore *m;
  struct net_recon r;
  struct sim_ids have, need;
  uint64_t coming; /* ops the peer announced in SENDS ranges */
};

/* Where the differences go. */
enum sim_where { SIM_CLUSTERED, SIM_SCATTERED };

/* How to build the pair: n items in common (before differences are taken
 * out), d of them held by only one side (which side: random, or always A
 * when one_sided), placed at the newest end or anywhere. hlc_dup: 1 in
 * hlc_dup items shares the previous item's hlc (0 = never). */
struct sim_spec {
  size_t n, d;
  enum sim_where where;
  int one_sided;
  unsigned hlc_dup;
};

static int sim__itemcmp(const void *a, const void *b)
{
  return net_item_cmp(a, b);
}

/* Fills a and b; returns the sorted item array (caller frees). */
static inline struct net_item *sim_build(struct test_rng *rng, const struct sim_spec *sp,
                                         struct net_memstore *a, struct net_memstore *b)
{
  struct net_item *v = calloc(sp->n ? sp->n : 1, sizeof *v);
  uint8_t *only = calloc(sp->n ? sp->n : 1, 1); /* 0 both, 1 A, 2 B */
  REQUIRE(v && only);
  uint64_t ms = UINT64_C(1585000000000);
  for (size_t i = 0; i < sp->n; i++) {
    if (!(sp->hlc_dup && i > 0 && test_below(rng, sp->hlc_dup) == 0))
      ms += 1 + test_below(rng, 20000);
    v[i].hlc = CRDT_HLC_MAKE(ms, 0);
    for (int k = 0; k < NET_ID_BYTES; k += 8) {
      uint64_t x = test_rand(rng);
      memcpy(v[i].id + k, &x, 8);
    }
  }
  qsort(v, sp->n, sizeof *v, sim__itemcmp);
  size_t d = sp->d < sp->n ? sp->d : sp->n;
  for (size_t k = 0, placed = 0; placed < d; k++) {
    size_t i = sp->where == SIM_CLUSTERED ? sp->n - 1 - k : test_below(rng, sp->n);
    if (only[i])
      continue;
    only[i] = sp->one_sided ? 1 : (uint8_t)(1 + test_below(rng, 2));
    placed++;
  }
  for (size_t i = 0; i < sp->n; i++) {
    if (only[i] != 2)
      REQUIRE(net_memstore_add(a, v[i].hlc, v[i].id) == 1);
    if (only[i] != 1)
      REQUIRE(net_memstore_add(b, v[i].hlc, v[i].id) == 1);
  }
  free(only);
  return v;
}

/* The true differences: ids in x and not in y. */
static inline void sim_minus(struct net_memstore *x, struct net_memstore *y, struct sim_ids *out)
{
  size_t i = 0, j = 0, nx = net_memstore_count(x), ny = net_memstore_count(y);
  while (i < nx) {
    const struct net_item *a = net_memstore_at(x, i);
    int c = j < ny ? net_item_cmp(a, net_memstore_at(y, j)) : -1;
    if (c < 0) {
      sim_ids_push(out, a->id);
      i++;
    } else if (c == 0) {
      i++;
      j++;
    } else {
      j++;
    }
  }
  sim_ids_norm(out);
}

struct sim_stats {
  uint64_t msgs, bytes, max_msg, rounds;
};

static int sim_have(void *arg, const struct net_item *x)
{
  return sim_ids_push(&((struct sim_side *)arg)->have, x->id);
}

static int sim_need(void *arg, const uint8_t id[NET_ID_BYTES])
{
  return sim_ids_push(&((struct sim_side *)arg)->need, id);
}

static int sim_coming(void *arg, uint64_t count)
{
  ((struct sim_side *)arg)->coming += count;
  return 0;
}

/* The store first (fill s->m), then sim_side_start() before sim_run(). */
static inline void sim_side_init(struct sim_side *s)
{
  memset(s, 0, sizeof *s);
  s->m = net_memstore_new();
  REQUIRE(s->m);
}

static inline void sim_side_start(struct sim_side *s, const struct net_recon_cfg *cfg)
{
  struct net_rstore st = net_memstore_rstore(s->m);
  struct net_recon_cb cb = {s, sim_have, sim_need, sim_coming};
  REQUIRE(net_recon_init(&s->r, &st, "shihua", 6, cfg, &cb) == 0);
}

static inline void sim_side_release(struct sim_side *s)
{
  net_memstore_destroy(s->m);
  sim_ids_free(&s->have);
  sim_ids_free(&s->need);
}

/* Runs a (initiator) against b until neither has anything to send: every
 * message goes through one queue in order; a step's messages (an answer in
 * parts) are queued one after the other. rounds: the longest chain of
 * messages each sent in answer to the one before (start = 1).
 * Returns 0, or the first engine error. */
struct sim__msg {
  int to;
  uint32_t gen;
  uint8_t *p;
  size_t len;
};

static inline int sim_run_buf(struct sim_side *a, struct sim_side *b, struct sim_stats *st,
                              size_t out_cap)
{
  static uint8_t *out_mem;
  static size_t out_mem_cap;
  struct crdt_buf out;
  struct sim_side *side[2] = {a, b};
  struct sim__msg *q = NULL;
  size_t qn = 0, qcap = 0, head = 0;
  int rc = 0;
  memset(st, 0, sizeof *st);
  if (out_mem_cap < out_cap) {
    free(out_mem);
    out_mem = malloc(out_cap);
    REQUIRE(out_mem);
    out_mem_cap = out_cap;
  }
  crdt_buf_init(&out, out_mem, out_cap);
  if ((rc = net_recon_start(&a->r, &out)))
    return rc;
  for (int cur = -1;; ) {
    /* queue what the last call wrote, addressed to the other side */
    size_t at = 0;
    uint32_t gen = cur < 0 ? 1 : q[head - 1].gen + 1;
    struct net_recon *r = cur < 0 ? &a->r : &side[cur]->r;
    for (uint32_t i = 0; i < r->n_out && out.len; i++) {
      if (qn == qcap) {
        qcap = qcap ? 2 * qcap : 64;
        q = realloc(q, qcap * sizeof *q);
        REQUIRE(q);
      }
      uint8_t *p = malloc(r->out_len[i]);
      REQUIRE(p);
      memcpy(p, out.p + at, r->out_len[i]);
      q[qn++] = (struct sim__msg){cur < 0 ? 1 : 1 - cur, gen, p, r->out_len[i]};
      at += r->out_len[i];
      st->msgs++;
      st->bytes += r->out_len[i];
      if (r->out_len[i] > st->max_msg)
        st->max_msg = r->out_len[i];
      if (gen > st->rounds)
        st->rounds = gen;
    }
    REQUIRE(at == out.len);
    if (head == qn)
      break;
    REQUIRE(st->msgs < 100000);
    struct sim__msg *m = &q[head++];
    int reply = 0;
    cur = m->to;
    crdt_buf_init(&out, out_mem, out_cap);
    rc = net_recon_step(&side[cur]->r, m->p, m->len, &out, &reply);
    free(m->p);
    m->p = NULL;
    if (rc)
      break;
    if (!reply)
      out.len = 0;
  }
  for (size_t i = head; i < qn; i++)
    free(q[i].p);
  free(q);
  sim_ids_norm(&a->have);
  sim_ids_norm(&a->need);
  sim_ids_norm(&b->have);
  sim_ids_norm(&b->need);
  return rc;
}

static inline int sim_run(struct sim_side *a, struct sim_side *b, struct sim_stats *st)
{
  return sim_run_buf(a, b, st, NET_MSG_MAX);
}

#endif
