/* fuzz_recon: the reconciliation state machine against a fixed store of
 * FUZZ_STORE_ITEMS items. Input: one flag byte (fuzz.h: FUZZ_RECON_*), then
 * chunks, each either a raw message or (structured mode) a recipe for a
 * RECON that the target writes with net_recon_write, so that bounds,
 * fingerprints and id lists refer to real items. Every chunk goes to
 * net_recon_step. Checked: no crash; an error leaves the output and the
 * state unchanged, or the state FAILED; a reply is one valid RECON of our
 * scope within the budget; have() names only items of this store; what
 * net_recon_write accepts decodes to the ranges it was given. In pair mode
 * two engines reconcile two subsets and every difference must be reported
 * to both sides. */
#include <string.h>

#include "fuzz.h"

struct rec {
  struct net_memstore *mine;
  uint64_t reports;
};

static int rec_have(void *arg, const struct net_item *x)
{
  struct rec *c = arg;
  size_t lo = 0, hi = net_memstore_count(c->mine);
  while (lo < hi) { /* the item must be one of mine */
    size_t mid = lo + (hi - lo) / 2;
    int d = net_item_cmp(net_memstore_at(c->mine, mid), x);
    if (d == 0)
      break;
    if (d < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  FUZZ_ASSERT(lo < hi);
  c->reports++;
  return 0;
}

static int rec_need(void *arg, const uint8_t id[NET_ID_BYTES])
{
  struct rec *c = arg;
  (void)id;
  c->reports++;
  return 0;
}

static int rec_coming(void *arg, uint64_t count)
{
  struct rec *c = arg;
  FUZZ_ASSERT(count >= 1);
  c->reports++;
  return 0;
}

static int peer_keep(uint32_t i, void *arg)
{
  (void)arg;
  return i % 5 != 0;
}

/* The store shared by all runs (read-only) and a peer's view of the same
 * set with a fifth missing and some extra items, for fingerprints. */
static struct net_memstore *recon_mine, *recon_peer;
static const uint8_t recon_salt[NET_SALT_BYTES]; /* the engines run with the default: zero */

/* A bound at or just below item idx of mine (or infinity past the end). */
static void recon_bound(struct fuzz_in *in, uint32_t idx, struct net_bound *b)
{
  struct net_item x;
  if (idx >= FUZZ_STORE_ITEMS) {
    net_bound_inf(b);
    return;
  }
  fuzz_store_item(idx, &x);
  net_bound_min(b);
  uint8_t len = fuzz_u8(in) % 35; /* 33: milliseconds only; 34: the ms before */
  b->hlc = len == 33 ? CRDT_HLC_MAKE(CRDT_HLC_MS(x.hlc), 0) : x.hlc;
  if (len == 34)
    b->hlc = CRDT_HLC_MAKE(CRDT_HLC_MS(x.hlc) - 1, 0);
  if (len >= 33)
    return;
  while (len > 0 && x.id[len - 1] == 0)
    len--;
  memcpy(b->id, x.id, len);
  b->len = len;
}

/* Up to 7 ids, from mine or made up, sorted. */
static uint32_t recon_ids(struct fuzz_in *in, uint8_t *ids)
{
  uint32_t n = fuzz_u8(in) % 8;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t pick = fuzz_u16(in);
    struct net_item x;
    if (pick & 0x8000) {
      memset(x.id, 0, sizeof x.id);
      x.id[0] = (uint8_t)pick;
      x.id[31] = (uint8_t)(pick >> 8);
    } else {
      fuzz_store_item(pick % FUZZ_STORE_ITEMS, &x);
    }
    memcpy(ids + (size_t)i * NET_ID_BYTES, x.id, NET_ID_BYTES);
  }
  return net_ids_sort(ids, n);
}

/* What net_recon_write wrote is what it was given. */
static void recon_check_written(const uint8_t *p, size_t len, const struct net_range *rg,
                                uint32_t n, int more)
{
  struct net_msg m;
  struct net_range r;
  FUZZ_ASSERT(net_msg_decode(&m, p, len) == 0 && m.type == NET_RECON && m.n == n);
  FUZZ_ASSERT(m.more == more);
  for (uint32_t i = 0; i < n; i++) {
    FUZZ_ASSERT(net_msg_next_range(&m, &r) == 0);
    FUZZ_ASSERT(net_bound_cmp(&r.upper, &rg[i].upper) == 0 && r.mode == rg[i].mode);
    FUZZ_ASSERT(r.mode != NET_FPRINT || memcmp(r.fp, rg[i].fp, NET_FP_BYTES) == 0);
    FUZZ_ASSERT(r.n_ids == rg[i].n_ids && r.n_need == rg[i].n_need);
    FUZZ_ASSERT(r.mode != NET_SENDS || r.count == rg[i].count);
    FUZZ_ASSERT(!r.n_ids || memcmp(r.ids, rg[i].ids, (size_t)r.n_ids * NET_ID_BYTES) == 0);
    FUZZ_ASSERT(!r.n_need || memcmp(r.need, rg[i].need, (size_t)r.n_need * NET_ID_BYTES) == 0);
  }
}

/* A recipe: a count byte (bit 7: keep the bounds in input order, so the
 * writer must refuse them; bit 6: a part with `more`), item indices, then per range a bound choice,
 * a mode and its payload. */
static size_t recon_build(struct fuzz_in *in, uint8_t *out, size_t cap)
{
  static uint8_t ids[16][2][8 * NET_ID_BYTES];
  struct net_range rg[16];
  uint8_t head = fuzz_u8(in);
  uint32_t idx[16], n = head % 16, k = 0, any_order = head & 0x80;
  for (uint32_t i = 0; i < n; i++)
    idx[i] = fuzz_u16(in) % (FUZZ_STORE_ITEMS + 1);
  for (uint32_t i = 1; i < n && !any_order; i++) /* insertion sort: n is tiny */
    for (uint32_t j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
      uint32_t t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  struct net_bound lo;
  net_bound_min(&lo);
  for (uint32_t i = 0; i < n; i++) {
    struct net_range *r = &rg[k];
    memset(r, 0, sizeof *r);
    recon_bound(in, idx[i], &r->upper);
    if (!any_order && (net_bound_cmp(&r->upper, &lo) <= 0 || net_bound_is_inf(&lo)))
      continue;
    r->mode = (enum net_mode)(fuzz_u8(in) % 5);
    if (r->mode == NET_FPRINT) {
      uint8_t how = fuzz_u8(in) % 3, sum[NET_SUM_BYTES];
      uint64_t count;
      struct net_rstore s = net_memstore_rstore(how == 0 ? recon_mine : recon_peer);
      FUZZ_ASSERT(s.fingerprint(s.ctx, &lo, &r->upper, &count, sum) == 0);
      net_fp(r->fp, recon_salt, count + (how == 2), sum);
    } else if (r->mode == NET_SENDS) {
      r->count = fuzz_u8(in); /* 0 is refused by the writer */
      r->need = ids[k][1];
      r->n_need = recon_ids(in, ids[k][1]);
    } else if (r->mode == NET_IDLIST || r->mode == NET_DIFF) {
      r->ids = ids[k][0];
      r->n_ids = recon_ids(in, ids[k][0]);
      if (r->mode == NET_DIFF) {
        r->need = ids[k][1];
        r->n_need = recon_ids(in, ids[k][1]);
      }
    }
    lo = r->upper;
    k++;
  }
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  if (net_recon_write_more(&b, FUZZ_SCOPE, strlen(FUZZ_SCOPE), rg, k, head & 0x40) != 0)
    return 0;
  recon_check_written(out, b.len, rg, k, (head & 0x40) != 0);
  return b.len;
}

static void recon_cfg(uint8_t flags, int sends, struct net_recon_cfg *cfg, size_t *cap)
{
  net_recon_cfg_default(cfg);
  *cap = 65536;
  switch ((flags >> 2) & 3) {
  case 1:
    *cfg = (struct net_recon_cfg){.fanout = 2, .idlist_max = 1, .first_ids = 0, .growth = 2,
                                  .msg_max = 4096, .sends_max = 3};
    break;
  case 2:
    *cfg = (struct net_recon_cfg){.fanout = 16, .idlist_max = 64, .first_ids = FUZZ_STORE_ITEMS,
                                  .growth = 8, .msg_max = 8192, .sends_max = 65536,
                                  .tail = 5};
    break;
  case 3:
    *cap = NET_RECON_OUT_MIN + 3;
    break;
  }
  cfg->sends = sends != 0;
}

/* A reply, if any, is one or more RECONs of our scope, each within the
 * budget, all but the last with `more`, filling exactly len bytes. */
static void recon_check_out(const struct net_recon *r, const uint8_t *p, size_t len)
{
  struct net_msg m;
  size_t at = 0;
  FUZZ_ASSERT(r->n_out >= 1 && r->n_out <= NET_RECON_MSGS_MAX);
  for (uint32_t i = 0; i < r->n_out; i++) {
    FUZZ_ASSERT(r->out_len[i] <= r->cfg.msg_max && at + r->out_len[i] <= len);
    FUZZ_ASSERT(net_msg_decode(&m, p + at, r->out_len[i]) == 0 && m.type == NET_RECON);
    FUZZ_ASSERT(m.scope.len == r->scope_len && memcmp(m.scope.p, r->scope, r->scope_len) == 0);
    FUZZ_ASSERT(m.more == (i + 1 < r->n_out));
    at += r->out_len[i];
  }
  FUZZ_ASSERT(at == len);
}

/* ---- pair mode: two engines reconcile two subsets of the fixed items ----
 * The input gives each item 2 bits: 1 = only A has it, 2 = only B, else both.
 * When both are done, each item in one set only must have been reported to
 * its holder by have() and to the other side by need(). */

struct side {
  struct net_recon r;
  struct net_memstore *m;
  uint8_t has[FUZZ_STORE_ITEMS], have[FUZZ_STORE_ITEMS], need[FUZZ_STORE_ITEMS];
  int sends; /* its haves come as ops: the peer need not name them */
};

static uint8_t pair_ids[FUZZ_STORE_ITEMS][NET_ID_BYTES]; /* item index -> id */

static int pair_index(const uint8_t *id)
{
  for (int i = 0; i < FUZZ_STORE_ITEMS; i++)
    if (memcmp(pair_ids[i], id, NET_ID_BYTES) == 0)
      return i;
  return -1;
}

static int pair_have(void *arg, const struct net_item *x)
{
  struct side *s = arg;
  int i = pair_index(x->id);
  FUZZ_ASSERT(i >= 0 && s->has[i]);
  s->have[i] = 1;
  return 0;
}

static int pair_need(void *arg, const uint8_t id[NET_ID_BYTES])
{
  struct side *s = arg;
  int i = pair_index(id);
  FUZZ_ASSERT(i >= 0);
  s->need[i] = 1;
  return 0;
}

static int pair_coming(void *arg, uint64_t count)
{
  FUZZ_ASSERT(arg && count >= 1);
  return 0;
}

static void pair_side(struct side *s, uint8_t flags, int sends, struct crdt_buf *b, uint8_t *mem)
{
  struct net_recon_cfg cfg;
  size_t cap;
  recon_cfg(flags, sends, &cfg, &cap);
  s->sends = sends != 0;
  s->m = net_memstore_new();
  FUZZ_ASSERT(s->m);
  for (uint32_t i = 0; i < FUZZ_STORE_ITEMS; i++)
    if (s->has[i]) {
      struct net_item x;
      fuzz_store_item(i, &x);
      FUZZ_ASSERT(net_memstore_add(s->m, x.hlc, x.id) == 1);
    }
  struct net_rstore st = net_memstore_rstore(s->m);
  struct net_recon_cb cb = {s, pair_have, pair_need, pair_coming};
  FUZZ_ASSERT(net_recon_init(&s->r, &st, FUZZ_SCOPE, strlen(FUZZ_SCOPE), &cfg, &cb) == 0);
  crdt_buf_init(b, mem, cap);
}

static void recon_pair(struct fuzz_in *in, uint8_t flags)
{
  struct side *a = calloc(1, sizeof *a), *p = calloc(1, sizeof *p);
  uint8_t *ma = malloc(65536), *mp = malloc(65536);
  struct crdt_buf ba, bp;
  FUZZ_ASSERT(a && p && ma && mp);
  if (!pair_ids[0][0] && !pair_ids[0][1]) {
    for (uint32_t i = 0; i < FUZZ_STORE_ITEMS; i++) {
      struct net_item x;
      fuzz_store_item(i, &x);
      memcpy(pair_ids[i], x.id, NET_ID_BYTES);
    }
  }
  uint8_t bits = 0;
  for (uint32_t i = 0; i < FUZZ_STORE_ITEMS; i++) {
    if (i % 4 == 0)
      bits = fuzz_u8(in);
    uint8_t who = (bits >> (2 * (i % 4))) & 3;
    a->has[i] = who != 2;
    p->has[i] = who != 1;
  }
  pair_side(a, flags, flags & FUZZ_RECON_SENDS, &ba, ma);
  pair_side(p, (uint8_t)(flags >> 3), flags & 1, &bp, mp);
  FUZZ_ASSERT(net_recon_start(&a->r, &ba) == 0);
  /* Every message goes through one queue, in order (an answer in parts
   * one part after the other); a message asking nothing is not answered. */
  struct pair_q {
    struct side *to;
    uint8_t *p;
    size_t len;
  } q[512];
  size_t qn = 0, head = 0;
  struct side *from = a;
  struct crdt_buf *wrote = &ba;
  for (;;) {
    size_t at = 0;
    for (uint32_t i = 0; i < from->r.n_out && wrote->len; i++) {
      FUZZ_ASSERT(qn < sizeof q / sizeof *q);
      q[qn].to = from == a ? p : a;
      q[qn].len = from->r.out_len[i];
      q[qn].p = malloc(q[qn].len);
      FUZZ_ASSERT(q[qn].p);
      memcpy(q[qn].p, wrote->p + at, q[qn].len);
      at += q[qn++].len;
    }
    FUZZ_ASSERT(at == wrote->len);
    if (head == qn)
      break;
    struct pair_q *m = &q[head++];
    int reply = 0;
    wrote = m->to == a ? &ba : &bp;
    wrote->len = 0;
    FUZZ_ASSERT(net_recon_step(&m->to->r, m->p, m->len, wrote, &reply) == 0);
    if (!reply)
      wrote->len = 0;
    from = m->to;
    free(m->p);
  }
  FUZZ_ASSERT(net_recon_done(&a->r) && net_recon_done(&p->r));
  for (uint32_t i = 0; i < FUZZ_STORE_ITEMS; i++) {
    if (a->has[i] && !p->has[i])
      FUZZ_ASSERT(a->have[i] && (p->need[i] || a->sends));
    if (p->has[i] && !a->has[i])
      FUZZ_ASSERT(p->have[i] && (a->need[i] || p->sends));
  }
  net_memstore_destroy(a->m);
  net_memstore_destroy(p->m);
  free(a), free(p), free(ma), free(mp);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  static const uint8_t mark[3] = {0xa5, 0x5a, 0xc3};
  struct fuzz_in in = {data, size};
  struct net_recon_cfg cfg;
  struct net_recon *r;
  struct crdt_buf out;
  size_t cap;
  fuzz_init();
  if (!recon_mine) {
    recon_mine = fuzz_store_new(NULL, NULL, 0);
    recon_peer = fuzz_store_new(peer_keep, NULL, 10);
  }
  uint8_t flags = fuzz_u8(&in);
  if (flags & FUZZ_RECON_PAIR) {
    recon_pair(&in, flags);
    return 0;
  }
  recon_cfg(flags, flags & FUZZ_RECON_SENDS, &cfg, &cap);
  uint8_t *buf = malloc(cap), msg[8192];
  r = malloc(sizeof *r);
  FUZZ_ASSERT(buf && r);
  struct rec c = {recon_mine, 0};
  struct net_recon_cb cb = {&c, rec_have, rec_need, rec_coming};
  struct net_rstore store = net_memstore_rstore(recon_mine);
  FUZZ_ASSERT(net_recon_init(r, &store, FUZZ_SCOPE, strlen(FUZZ_SCOPE), &cfg, &cb) == 0);
  crdt_buf_init(&out, buf, cap);
  crdt_w_raw(&out, mark, sizeof mark); /* what is already in out stays */

  if (flags & FUZZ_RECON_START) {
    FUZZ_ASSERT(net_recon_start(r, &out) == 0 && r->state == NET_RECON_WAIT);
    recon_check_out(r, buf + sizeof mark, out.len - sizeof mark);
  }
  for (;;) {
    const uint8_t *p;
    size_t len;
    if (flags & FUZZ_RECON_STRUCT) {
      if (in.n == 0)
        break;
      len = recon_build(&in, msg, sizeof msg);
      p = msg;
    } else if (!fuzz_chunk(&in, &p, &len)) {
      break;
    }
    enum net_recon_state state = r->state;
    uint64_t reports = c.reports, msgs_in = r->msgs_in;
    int reply = -1;
    out.len = sizeof mark;
    int rc = net_recon_step(r, p, len, &out, &reply);
    FUZZ_ASSERT(memcmp(buf, mark, sizeof mark) == 0 && !out.overflow && reply != -1);
    if (rc < 0) {
      FUZZ_ASSERT(out.len == sizeof mark && reply == 0);
      FUZZ_ASSERT(r->state == state || r->state == NET_RECON_FAILED);
      if (r->state == state)
        FUZZ_ASSERT(c.reports == reports && r->msgs_in == msgs_in);
      /* Nothing here fails the store or the callbacks. */
      FUZZ_ASSERT(r->state != NET_RECON_FAILED);
      continue;
    }
    FUZZ_ASSERT(rc == 0 && (r->state == NET_RECON_WAIT || r->state == NET_RECON_DONE));
    if (reply)
      recon_check_out(r, buf + sizeof mark, out.len - sizeof mark);
    else
      FUZZ_ASSERT(out.len == sizeof mark);
  }
  free(r);
  free(buf);
  return 0;
}
