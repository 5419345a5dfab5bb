/* Range-based set reconciliation: the per-(scope, peer) state machine.
 * See net.h for the contract and docs/protocol.md §10 ("Reconciliation") for the
 * algorithm. Allocates nothing: the output is the caller's buffer, the
 * scratch is struct net_recon. */
#include <assert.h>
#include <string.h>

#include "net_int.h"

/* Worst-case encoded sizes, for checking room before writing (so nothing
 * written is ever rolled back after a callback reported it). */
#define NET__HEAD_MAX (1 + 9 + 2 + 2 + NET_ID_BYTES + 1) /* array, dms, key, mode */
#define NET__FP_MAX (NET__HEAD_MAX + 2 + NET_FP_BYTES)
#define NET__RESERVE (2 * NET__FP_MAX) /* a skip and the final "rest" range */
#define NET__FULL 1

/* The reply being written: one RECON, or several when one does not hold it
 * and the output buffer has room for more (each a part of the answer, all
 * but the last with `more`). */
struct net__out {
  struct net_recon *r;
  struct crdt_buf *b;
  size_t start;     /* where the first message starts in b */
  size_t msg_start; /* where the current message starts */
  size_t list_at;   /* the 5-byte placeholder of the range array header */
  size_t soft_cap;
  uint32_t n_msgs, n_asking; /* messages closed; those holding an FPRINT or IDLIST */
  uint32_t n_ranges, n_ids;
  uint64_t n_sent; /* items reported through have() in SENDS ranges */
  uint64_t prev_hlc;
  struct net_bound last; /* everything below is covered by written ranges */
  int full;              /* out of room: the rest is one FPRINT range */
  int top_known;         /* 1: top is my newest item; -1: I have none */
  struct net_item top;
  int asks;              /* a written range needs the peer's answer */
  struct net_bound rest_lo, rest_hi;
};

void net_recon_cfg_default(struct net_recon_cfg *c)
{
  c->fanout = 8;
  c->idlist_max = 6;
  c->first_ids = 2;
  c->growth = 8;
  c->msg_max = NET_MSG_MAX;
  memset(c->salt, 0, sizeof c->salt);
  c->sends = 0;
  c->sends_max = 65536;
  c->first_parts = 0;
  c->tail = 2;
  c->fanout_max = 0;
  c->first_max = 0;
}

int net_recon_init(struct net_recon *r, const struct net_rstore *store, const char *scope,
                   size_t scope_len, const struct net_recon_cfg *cfg, const struct net_recon_cb *cb)
{
  int rc = crdt_check_scope(scope, scope_len);
  if (rc)
    return rc;
  memset(r, 0, sizeof *r);
  if (cfg)
    r->cfg = *cfg;
  else
    net_recon_cfg_default(&r->cfg);
  if (r->cfg.fanout < 2 || r->cfg.growth < 2 || r->cfg.first_ids > NET_IDS_MAX / 2 ||
      r->cfg.idlist_max > NET_IDS_MAX / 2 || r->cfg.tail > NET_IDS_MAX / 2 ||
      r->cfg.msg_max > NET_MSG_MAX || r->cfg.fanout_max > 64 ||
      r->cfg.msg_max < 4096 || r->cfg.sends > 1 || (r->cfg.sends && r->cfg.sends_max == 0))
    return LINLI_EINVAL;
  r->store = *store;
  if (cb)
    r->cb = *cb;
  memcpy(r->scope, scope, scope_len);
  r->scope_len = (uint32_t)scope_len;
  return 0;
}

int net_recon_done(const struct net_recon *r)
{
  return r->state == NET_RECON_DONE;
}

/* ---- writing the reply ---- */

static void net__msg_begin(struct net__out *o)
{
  static const uint8_t placeholder[5] = {0};
  struct crdt_buf *b = o->b;
  struct net_recon *r = o->r;
  o->msg_start = b->len;
  size_t limit = b->cap - b->len;
  if (limit > r->cfg.msg_max)
    limit = r->cfg.msg_max;
  o->soft_cap = b->len + (limit > NET__RESERVE ? limit - NET__RESERVE : 0);
  crdt_w_array(b, 3); /* 4 when it gets `more` */
  crdt_w_uint(b, NET_RECON);
  crdt_w_str(b, r->scope, r->scope_len);
  o->list_at = b->len;
  crdt_w_raw(b, placeholder, sizeof placeholder);
  net_bound_min(&o->last);
  o->prev_hlc = 0;
  o->n_ranges = o->n_ids = 0;
  o->asks = 0;
}

static void net__out_begin(struct net__out *o, struct net_recon *r, struct crdt_buf *b)
{
  memset(o, 0, sizeof *o);
  o->r = r;
  o->b = b;
  o->start = b->len;
  net__msg_begin(o);
}

/* Closes the current message (the range array header; `more` when the next
 * message continues the answer). */
static void net__msg_close(struct net__out *o, int more)
{
  uint8_t h[5];
  net__fix_head(o->b, o->list_at, h, net__array_head(h, o->n_ranges));
  if (more) {
    o->b->p[o->msg_start] = 0x94; /* fixarray 3 -> 4 */
    crdt_w_uint(o->b, 1);
  }
  o->r->out_len[o->n_msgs++] = (uint32_t)(o->b->len - o->msg_start);
  o->n_asking += o->asks != 0;
}

static int net__fits(const struct net__out *o, uint64_t bytes, uint64_t ids)
{
  return o->b->len + 2 * NET__HEAD_MAX + bytes <= o->soft_cap &&
         o->n_ranges + 4 <= NET_RANGES_MAX && o->n_ids + ids <= NET_IDS_MAX;
}

/* Does a range of `bytes` and `ids` fit, if need be in a new message that
 * continues this one? A new message is started only when the buffer has
 * room for a whole one (cfg.msg_max) and the range would fit in it. */
static int net__ensure(struct net__out *o, uint64_t bytes, uint64_t ids)
{
  struct net_recon *r = o->r;
  size_t head = 16 + r->scope_len;
  if (net__fits(o, bytes, ids))
    return 1;
  if (o->full || o->n_msgs + 2 > NET_RECON_MSGS_MAX || o->n_ranges == 0 ||
      head + 2 * NET__HEAD_MAX + bytes + NET__RESERVE > r->cfg.msg_max || ids > NET_IDS_MAX ||
      o->b->len + 6 + r->cfg.msg_max > o->b->cap)
    return 0;
  net__msg_close(o, 1);
  net__msg_begin(o);
  return net__fits(o, bytes, ids);
}

/* Is there room for one more range of `bytes` payload and `ids` ids (and a
 * skip range before it)? If not, switch to the "rest" mode from lo on. */
static int net__room(struct net__out *o, const struct net_bound *lo, uint64_t bytes, uint64_t ids)
{
  if (o->full)
    return NET__FULL;
  if (net__ensure(o, bytes, ids))
    return 0;
  o->full = 1;
  o->rest_lo = *lo;
  return NET__FULL;
}

/* Writes the head of range [lo, upper), first a SKIP up to lo if needed. */
static void net__head(struct net__out *o, const struct net_bound *lo, const struct net_bound *upper,
                      enum net_mode mode)
{
  if (net_bound_cmp(lo, &o->last) != 0) {
    net__range_head(o->b, &o->prev_hlc, lo, NET_SKIP);
    o->n_ranges++;
  }
  net__range_head(o->b, &o->prev_hlc, upper, mode);
  o->n_ranges++;
  o->last = *upper;
  if (mode == NET_FPRINT || mode == NET_IDLIST)
    o->asks = 1;
}

static void net__bin_open(struct net__out *o, uint32_t n_ids)
{
  uint8_t h[5];
  crdt_w_raw(o->b, h, net__bin_head(h, n_ids * NET_ID_BYTES));
  o->n_ids += n_ids;
}

static int net__split(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
                      uint64_t m);

/* IDLIST: all m of my items in [lo, hi). */
struct net__copy {
  struct crdt_buf *b;
  uint64_t n;
};

static int net__copy_id(void *arg, const struct net_item *x)
{
  struct net__copy *c = arg;
  crdt_w_raw(c->b, x->id, NET_ID_BYTES);
  c->n++;
  return 0;
}

static int net__emit_idlist(struct net__out *o, const struct net_bound *lo,
                            const struct net_bound *hi, uint64_t m)
{
  struct net__copy c = {o->b, 0};
  int rc;
  if (!o->full && m >= 2 && !net__ensure(o, 5 + m * NET_ID_BYTES, m))
    return net__split(o, lo, hi, m); /* progress in smaller pieces */
  if ((rc = net__room(o, lo, 5 + m * NET_ID_BYTES, m)))
    return rc;
  net__head(o, lo, hi, NET_IDLIST);
  net__bin_open(o, (uint32_t)m);
  size_t at = o->b->len;
  rc = o->r->store.items(o->r->store.ctx, lo, hi, m, net__copy_id, &c);
  if (rc == 0 && c.n != m)
    rc = LINLI_ESTORE; /* the store changed under one call */
  if (rc == 0)
    net_ids_sort(o->b->p + at, (uint32_t)m);
  return rc;
}

static int net__emit_fp(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
                        uint64_t count, const uint8_t sum[NET_SUM_BYTES])
{
  uint8_t fp[NET_FP_BYTES];
  if (count == 0)
    return net__emit_idlist(o, lo, hi, 0);
  int rc = net__room(o, lo, NET__FP_MAX - NET__HEAD_MAX, 0);
  if (rc)
    return rc;
  net_fp(fp, o->r->cfg.salt, count, sum);
  net__head(o, lo, hi, NET_FPRINT);
  crdt_w_bin(o->b, fp, NET_FP_BYTES);
  return 0;
}

/* The bound between the (k-1)-th and k-th items of [lo, hi). */
static int net__cut(struct net_recon *r, const struct net_bound *lo, const struct net_bound *hi,
                    uint64_t k, int cheap, struct net_bound *out)
{
  struct net_item a, x;
  if (cheap && r->store.cut) {
    int c = r->store.cut(r->store.ctx, lo, hi, k, out);
    if (c <= 0)
      return c; /* a cheap bound, or an error */
  }
  int rc = r->store.nth(r->store.ctx, lo, hi, k - 1, &a);
  if (rc == 0)
    rc = r->store.nth(r->store.ctx, lo, hi, k, &x);
  if (rc == 0)
    net_bound_between(out, &a, &x);
  return rc == LINLI_ENOTFOUND ? LINLI_ESTORE : rc;
}

/* Split [lo, hi), holding my m items, into fanout parts of about equal
 * count, each sent as an FPRINT. A store's cheap cuts (net_rstore.cut) come
 * first: cuts that fall together are merged, and if no part is left with
 * fewer than m items the exact cuts are used, so every split makes
 * progress. */
#define NET__CHEAP_PARTS 64

/* How many parts a differing range of my m items is cut into, and the most
 * items a part should hold (*target). With t = idlist_max and f = fanout,
 * a range of at most t*f^k items needs k more splits; the split aims its
 * parts at t*f^(k-2) (one level saved) when at most fanout_max parts do
 * that, else at t*f^(k-1), with 5/4 of the parts that needs (bucket cuts
 * are uneven): so a level is not spent on a range a little above a level's
 * size, and a range well inside one gets fewer than f parts. */
static uint64_t net__parts(const struct net_recon_cfg *c, uint64_t m, uint64_t *target)
{
  uint64_t t = c->idlist_max ? c->idlist_max : 1, f = c->fanout, top = c->fanout_max, p;
  uint64_t up = t * f, lv1 = t, lv0 = 0; /* t*f^k, t*f^(k-1), t*f^(k-2) */
  if (top == 0) {
    *target = UINT64_MAX;
    return f < m ? f : m;
  }
  if (top < f)
    top = f;
  while (m > up && up <= UINT64_MAX / 8 / f) {
    lv0 = lv1;
    lv1 = up;
    up *= f;
  }
  p = lv0 ? (m / 4 * 5 + lv0 - 1) / lv0 : UINT64_MAX;
  if (p <= top) {
    *target = lv0;
  } else {
    p = (m / 4 * 5 + m % 4 + lv1 - 1) / lv1;
    *target = lv1;
    if (p > top)
      p = top;
  }
  if (p < 2)
    p = 2;
  return p < m ? p : m;
}

/* Split [lo, hi), holding my m items, into parts of about equal count
 * (net__parts), each sent as an FPRINT. A store's cheap cuts
 * (net_rstore.cut) come first: cuts that fall together are merged, and if
 * a part is left with m items or more than the target, the exact cuts are
 * used, so every split makes progress. */
static int net__split(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
                      uint64_t m)
{
  struct net_recon *r = o->r;
  struct net_bound b[NET__CHEAP_PARTS];
  uint64_t cnt[NET__CHEAP_PARTS];
  uint8_t sum[NET__CHEAP_PARTS][NET_SUM_BYTES];
  uint64_t target, parts = net__parts(&r->cfg, m, &target);
  int rc = 0;
  if (r->store.cut && parts <= NET__CHEAP_PARTS) {
    struct net_bound a = *lo;
    uint64_t np = 0;
    int progress = 1;
    for (uint64_t i = 1; i <= parts && rc == 0 && progress; i++) {
      if (i == parts)
        b[np] = *hi;
      else if ((rc = net__cut(r, lo, hi, m * i / parts, 1, &b[np])))
        break;
      else if (net_bound_cmp(&b[np], &a) <= 0 || net_bound_cmp(&b[np], hi) >= 0)
        continue;
      if ((rc = r->store.fingerprint(r->store.ctx, &a, &b[np], &cnt[np], sum[np])))
        break;
      progress = cnt[np] < m && cnt[np] <= target;
      a = b[np++];
    }
    if (rc)
      return rc;
    if (progress) {
      a = *lo;
      for (uint64_t i = 0; i < np && rc == 0; a = b[i++])
        rc = net__emit_fp(o, &a, &b[i], cnt[i], sum[i]);
      return rc;
    }
  }
  struct net_bound a = *lo, c;
  uint64_t count;
  for (uint64_t i = 1; i <= parts && rc == 0; i++) {
    if (i == parts)
      c = *hi;
    else if ((rc = net__cut(r, lo, hi, m * i / parts, 0, &c)))
      break;
    rc = r->store.fingerprint(r->store.ctx, &a, &c, &count, sum[0]);
    if (rc == 0)
      rc = net__emit_fp(o, &a, &c, count, sum[0]);
    a = c;
  }
  return rc;
}

/* ---- answering the peer's ranges ---- */

static int net__answer_fp(struct net__out *o, const struct net_bound *lo,
                          const struct net_range *in)
{
  struct net_recon *r = o->r;
  uint8_t sum[NET_SUM_BYTES], fp[NET_FP_BYTES];
  uint64_t m;
  int rc = r->store.fingerprint(r->store.ctx, lo, &in->upper, &m, sum);
  if (rc)
    return rc;
  net_fp(fp, r->cfg.salt, m, sum);
  if (memcmp(fp, in->fp, NET_FP_BYTES) == 0)
    return 0;
  if (m <= r->cfg.idlist_max || m < 2)
    return net__emit_idlist(o, lo, &in->upper, m);
  if (r->cfg.tail && r->cfg.tail < m) {
    if (!o->top_known) { /* my newest item, once per reply */
      struct net_bound a, z;
      uint64_t n;
      net_bound_min(&a);
      net_bound_inf(&z);
      if ((rc = r->store.fingerprint(r->store.ctx, &a, &z, &n, sum)))
        return rc;
      o->top_known = n ? 1 : -1;
      if (n && (rc = r->store.nth(r->store.ctx, &a, &z, n - 1, &o->top)))
        return rc == LINLI_ENOTFOUND ? LINLI_ESTORE : rc;
    }
    if (o->top_known > 0 && net_item_cmp_bound(&o->top, &in->upper) < 0) {
      /* My newest items are here and the peer's range differs: most likely
       * the peer holds newer ones (back from an outage). List my newest
       * idlist_max at once, so the peer answers with SENDS, and split the
       * rest as usual. */
      struct net_bound cut;
      uint64_t k = r->cfg.tail;
      if ((rc = net__cut(r, lo, &in->upper, m - k, 0, &cut)))
        return rc;
      if ((rc = r->store.fingerprint(r->store.ctx, lo, &cut, &m, sum)))
        return rc;
      rc = m >= 2 ? net__split(o, lo, &cut, m) : net__emit_fp(o, lo, &cut, m, sum);
      return rc ? rc : net__emit_idlist(o, &cut, &in->upper, k);
    }
  }
  return net__split(o, lo, &in->upper, m);
}

/* DIFF: walk my items, marking those the peer listed, listing the others. */
struct net__diff {
  struct net_recon *r;
  const struct net_range *in;
  struct crdt_buf *b;
  uint64_t n_have;
};

static int net__diff_item(void *arg, const struct net_item *x)
{
  struct net__diff *d = arg;
  const uint8_t *ids = d->in->ids;
  uint32_t lo = 0, hi = d->in->n_ids;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = memcmp(ids + (size_t)mid * NET_ID_BYTES, x->id, NET_ID_BYTES);
    if (c == 0) {
      d->r->seen[mid / 8] |= (uint8_t)(1u << (mid % 8));
      return 0;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  crdt_w_raw(d->b, x->id, NET_ID_BYTES);
  d->n_have++;
  int rc = d->r->cb.have ? d->r->cb.have(d->r->cb.arg, x) : 0;
  return rc < 0 ? rc : 0;
}

static int net__diff_needs(struct net__out *o, const struct net_range *in, uint32_t n_need)
{
  struct net_recon *r = o->r;
  int rc = 0;
  net__bin_open(o, n_need);
  for (uint32_t i = 0; i < in->n_ids && rc == 0; i++) {
    if (r->seen[i / 8] & (1u << (i % 8)))
      continue;
    const uint8_t *id = in->ids + (size_t)i * NET_ID_BYTES;
    crdt_w_raw(o->b, id, NET_ID_BYTES);
    if (r->cb.need && (rc = r->cb.need(r->cb.arg, id)) > 0)
      rc = 0;
  }
  return rc;
}

static uint32_t net__seen_count(const struct net_recon *r, uint32_t n)
{
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; i++)
    c += (r->seen[i / 8] >> (i % 8)) & 1u;
  return c;
}

/* SENDS: the walk marks and reports, and writes nothing. */
static int net__sends_item(void *arg, const struct net_item *x)
{
  struct net__diff *d = arg;
  const uint8_t *ids = d->in->ids;
  uint32_t lo = 0, hi = d->in->n_ids;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = memcmp(ids + (size_t)mid * NET_ID_BYTES, x->id, NET_ID_BYTES);
    if (c == 0) {
      d->r->seen[mid / 8] |= (uint8_t)(1u << (mid % 8));
      return 0;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  d->n_have++;
  int rc = d->r->cb.have ? d->r->cb.have(d->r->cb.arg, x) : 0;
  return rc < 0 ? rc : 0;
}

/* The answer to an IDLIST when this side sends its ops anyway: SENDS with
 * the count of my items the list lacks (DIFF with an empty `have` when
 * there are none), and the listed ids I lack. */
static int net__emit_sends(struct net__out *o, const struct net_bound *lo,
                           const struct net_range *in, uint64_t m)
{
  struct net_recon *r = o->r;
  struct net__diff d = {r, in, o->b, 0};
  int rc = net__room(o, lo, 20 + (uint64_t)in->n_ids * NET_ID_BYTES, in->n_ids);
  if (rc)
    return rc;
  memset(r->seen, 0, (in->n_ids + 7) / 8);
  if ((rc = r->store.items(r->store.ctx, lo, &in->upper, m, net__sends_item, &d)))
    return rc;
  o->n_sent += d.n_have;
  if (d.n_have == 0) {
    net__head(o, lo, &in->upper, NET_DIFF);
    net__bin_open(o, 0);
  } else {
    net__head(o, lo, &in->upper, NET_SENDS);
    crdt_w_uint(o->b, d.n_have);
  }
  return net__diff_needs(o, in, in->n_ids - net__seen_count(r, in->n_ids));
}

static int net__emit_diff(struct net__out *o, const struct net_bound *lo,
                          const struct net_range *in, uint64_t m)
{
  struct net_recon *r = o->r;
  struct net__diff d = {r, in, o->b, 0};
  size_t at;
  uint8_t h[5];
  if (r->cfg.sends)
    return net__emit_sends(o, lo, in, m);
  int rc = net__room(o, lo, 10 + (m + in->n_ids) * NET_ID_BYTES, m + in->n_ids);
  if (rc)
    return rc;
  net__head(o, lo, &in->upper, NET_DIFF);
  at = o->b->len;
  crdt_w_raw(o->b, h, 5); /* placeholder: the count is known at the end */
  memset(r->seen, 0, (in->n_ids + 7) / 8);
  if ((rc = r->store.items(r->store.ctx, lo, &in->upper, m, net__diff_item, &d)))
    return rc;
  net__fix_head(o->b, at, h, net__bin_head(h, (uint32_t)(d.n_have * NET_ID_BYTES)));
  net_ids_sort(o->b->p + o->b->len - d.n_have * NET_ID_BYTES, (uint32_t)d.n_have);
  o->n_ids += (uint32_t)d.n_have;
  return net__diff_needs(o, in, in->n_ids - net__seen_count(r, in->n_ids));
}

/* The peer has nothing in [lo, hi) and I have too much to list at once:
 * list what fits, then ask again about the remainder with an FPRINT. */
static int net__emit_diff_part(struct net__out *o, const struct net_bound *lo,
                               const struct net_range *in, uint64_t m)
{
  struct net_recon *r = o->r;
  uint64_t room_b = o->soft_cap > o->b->len + 3 * NET__FP_MAX ?
                        (o->soft_cap - o->b->len - 3 * NET__FP_MAX) / NET_ID_BYTES : 0;
  uint64_t room = NET_IDS_MAX - o->n_ids < room_b ? NET_IDS_MAX - o->n_ids : room_b;
  if (r->cfg.sends) /* no ids of mine are listed: only the sends budget counts */
    room = r->cfg.sends_max > o->n_sent ? r->cfg.sends_max - o->n_sent : 0;
  struct net_range part = *in;
  struct net_bound cut;
  uint8_t sum[NET_SUM_BYTES];
  uint64_t count;
  int rc;
  if (room < (r->cfg.sends && r->cfg.sends_max < 64 ? 1 : 64) || room >= m)
    return net__room(o, lo, (uint64_t)-1 / 2, 0); /* too little room: start over next time */
  if ((rc = net__cut(r, lo, &in->upper, room, 0, &cut)))
    return rc;
  part.upper = cut;
  if ((rc = net__emit_diff(o, lo, &part, room)))
    return rc;
  if ((rc = r->store.fingerprint(r->store.ctx, &cut, &in->upper, &count, sum)))
    return rc;
  return net__emit_fp(o, &cut, &in->upper, count, sum);
}

static int net__answer_idlist(struct net__out *o, const struct net_bound *lo,
                              const struct net_range *in)
{
  struct net_recon *r = o->r;
  uint8_t sum[NET_SUM_BYTES];
  uint64_t m;
  int rc = r->store.fingerprint(r->store.ctx, lo, &in->upper, &m, sum);
  if (rc)
    return rc;
  if (r->cfg.sends ? o->n_sent + m <= r->cfg.sends_max &&
                         net__ensure(o, 20 + (uint64_t)in->n_ids * NET_ID_BYTES, in->n_ids)
                   : net__ensure(o, 10 + (m + in->n_ids) * NET_ID_BYTES, m + in->n_ids))
    return net__emit_diff(o, lo, in, m);
  if (in->n_ids == 0)
    return net__emit_diff_part(o, lo, in, m);
  return net__split(o, lo, &in->upper, m);
}

static int net__report(struct net_recon *r, const uint8_t *ids, uint32_t n,
                       int (*fn)(void *arg, const uint8_t id[NET_ID_BYTES]))
{
  int rc = 0;
  for (uint32_t i = 0; i < n && rc == 0 && fn; i++)
    if ((rc = fn(r->cb.arg, ids + (size_t)i * NET_ID_BYTES)) > 0)
      rc = 0;
  return rc;
}

/* The DIFF's "need" list names items of mine in [lo, upper) that the peer
 * lacks; I listed them all in my IDLIST, so a walk of that small range
 * finds each with its hlc for the have callback. */
struct net__mine {
  struct net_recon *r;
  const uint8_t *ids;
  uint32_t n;
};

static int net__mine_item(void *arg, const struct net_item *x)
{
  struct net__mine *m = arg;
  uint32_t lo = 0, hi = m->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = memcmp(m->ids + (size_t)mid * NET_ID_BYTES, x->id, NET_ID_BYTES);
    if (c == 0) {
      int rc = m->r->cb.have(m->r->cb.arg, x);
      return rc < 0 ? rc : 0;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static int net__report_mine(struct net_recon *r, const struct net_bound *lo,
                            const struct net_range *in)
{
  if (!r->cb.have || in->n_need == 0)
    return 0;
  struct net__mine m = {r, in->need, in->n_need};
  return r->store.items(r->store.ctx, lo, &in->upper, UINT64_MAX, net__mine_item, &m);
}

static int net__answer(struct net__out *o, const struct net_bound *lo, const struct net_range *in)
{
  struct net_recon *r = o->r;
  int rc = 0;
  if (o->full && (in->mode == NET_FPRINT || in->mode == NET_IDLIST)) {
    o->rest_hi = in->upper; /* covered by the rest range */
    return 0;
  }
  switch (in->mode) {
  case NET_SKIP:
    break;
  case NET_FPRINT:
    rc = net__answer_fp(o, lo, in);
    break;
  case NET_IDLIST:
    rc = net__answer_idlist(o, lo, in);
    break;
  case NET_DIFF: /* ids: the peer has, I lack; need: I have, the peer lacks */
    rc = net__report(r, in->ids, in->n_ids, r->cb.need);
    if (rc == 0)
      rc = net__report_mine(r, lo, in);
    break;
  case NET_SENDS: /* count: coming as ops; need: I have, the peer lacks */
    if (r->cb.coming && (rc = r->cb.coming(r->cb.arg, in->count)) > 0)
      rc = 0;
    if (rc == 0)
      rc = net__report_mine(r, lo, in);
    break;
  }
  if (rc == NET__FULL) {
    o->rest_hi = in->upper;
    rc = 0;
  }
  return rc;
}

/* Closes the message: the "rest" range if out of room, then the range
 * array header. */
static int net__out_end(struct net__out *o)
{
  struct net_recon *r = o->r;
  uint8_t sum[NET_SUM_BYTES];
  uint64_t count;
  int rc;
  if (o->full) {
    o->full = 0;
    o->soft_cap = o->b->cap;
    if ((rc = r->store.fingerprint(r->store.ctx, &o->rest_lo, &o->rest_hi, &count, sum)))
      return rc;
    if (count == 0) { /* an empty IDLIST: always fits in the reserve */
      net__head(o, &o->rest_lo, &o->rest_hi, NET_IDLIST);
      net__bin_open(o, 0);
    } else {
      net__head(o, &o->rest_lo, &o->rest_hi, NET_FPRINT);
      uint8_t fp[NET_FP_BYTES];
      net_fp(fp, r->cfg.salt, count, sum);
      crdt_w_bin(o->b, fp, NET_FP_BYTES);
    }
  }
  net__msg_close(o, 0);
  return crdt_buf_err(o->b);
}

/* ---- the state machine ---- */

/* The bound below the k-th of n items of the whole set. */
static int net__cut_at(struct net_recon *r, uint64_t k, uint64_t n, int cheap, struct net_bound *out)
{
  struct net_bound lo, inf;
  net_bound_min(&lo);
  net_bound_inf(&inf);
  if (k == 0 || k == n) {
    *out = k == 0 ? lo : inf;
    return 0;
  }
  return net__cut(r, &lo, &inf, k, cheap, out);
}

/* The first RECON: ranges whose sizes grow geometrically from the newest end,
 * the newest first_ids items listed outright. */
static int net__start_ranges(struct net__out *o, uint64_t n)
{
  struct net_recon *r = o->r;
  struct net_bound a, b;
  uint64_t cuts[66], pos, count, step = r->cfg.first_ids ? r->cfg.first_ids : 1;
  uint8_t sum[NET_SUM_BYTES];
  int nc = 0, rc = 0;
  pos = n > r->cfg.first_ids ? n - r->cfg.first_ids : 0;
  cuts[nc++] = n;
  if (pos < n)
    cuts[nc++] = pos;
  uint64_t cap = r->cfg.first_parts ? n / r->cfg.first_parts : UINT64_MAX;
  if (r->cfg.first_max && r->cfg.first_max < cap)
    cap = r->cfg.first_max;
  while (pos > 0 && nc < 65) {
    step = step > UINT64_MAX / r->cfg.growth ? UINT64_MAX : step * r->cfg.growth;
    if (step > cap && cap >= 1)
      step = cap; /* no range of more than n / first_parts items */
    pos = pos > 2 * step ? pos - step : 0;
    cuts[nc++] = pos;
  }
  cuts[nc - 1] = 0;
  /* cuts descend from n to 0: ranges [cuts[i], cuts[i-1]) oldest first; the
   * newest one (above n - first_ids) is an IDLIST. */
  if ((rc = net__cut_at(r, 0, n, 0, &a)))
    return rc;
  if (n == 0) {
    net_bound_inf(&b);
    rc = net__emit_idlist(o, &a, &b, 0);
  }
  /* The IDLIST's lower bound is exact (its count is known); the others may
   * be a store's cheap cuts, skipped where they do not ascend. */
  for (int i = nc - 1; i > 0 && rc == 0; i--) {
    int cheap = i > 1 && !(i == 2 && r->cfg.first_ids);
    if ((rc = net__cut_at(r, cuts[i - 1], n, cheap, &b)))
      break;
    if (cheap && net_bound_cmp(&b, &a) <= 0)
      continue;
    if (i == 1 && r->cfg.first_ids) {
      rc = net__emit_idlist(o, &a, &b, cuts[0] - cuts[1]);
      break;
    }
    if ((rc = r->store.fingerprint(r->store.ctx, &a, &b, &count, sum)))
      break;
    rc = net__emit_fp(o, &a, &b, count, sum);
    a = b;
  }
  if (rc == NET__FULL) {
    net_bound_inf(&o->rest_hi);
    rc = 0;
  }
  return rc;
}

int net_recon_start(struct net_recon *r, struct crdt_buf *out)
{
  struct net__out o;
  struct net_bound lo, inf;
  uint8_t sum[NET_SUM_BYTES];
  uint64_t n;
  int rc;
  if (r->state != NET_RECON_IDLE || out->cap - out->len < NET_RECON_OUT_MIN)
    return LINLI_EINVAL;
  net_bound_min(&lo);
  net_bound_inf(&inf);
  if ((rc = r->store.fingerprint(r->store.ctx, &lo, &inf, &n, sum)))
    goto fail;
  net__out_begin(&o, r, out);
  if ((rc = net__start_ranges(&o, n)) || (rc = net__out_end(&o))) {
    out->len = o.start;
    out->overflow = 0;
    goto fail;
  }
  r->n_out = o.n_msgs;
  r->pending = o.n_asking;
  r->state = r->pending ? NET_RECON_WAIT : NET_RECON_DONE;
  r->msgs_out += o.n_msgs;
  r->bytes_out += out->len - o.start;
  return 0;
fail:
  r->n_out = 0;
  r->state = NET_RECON_FAILED;
  return rc;
}

static int net__check(const struct net_recon *r, struct net_msg *m, const uint8_t *msg,
                      size_t len)
{
  int rc = net_msg_decode(m, msg, len);
  if (rc)
    return rc;
  if (m->type != NET_RECON || m->scope.len != r->scope_len ||
      memcmp(m->scope.p, r->scope, r->scope_len) != 0)
    return LINLI_EPROTO;
  return 0;
}

static int net__step_ranges(struct net__out *o, struct net_msg *m, int *asked)
{
  struct net_range in;
  struct net_bound lo;
  int rc = 0;
  net_bound_min(&lo);
  while (rc == 0 && net_msg_next_range(m, &in) == 0) {
    if (in.mode == NET_FPRINT || in.mode == NET_IDLIST)
      *asked = 1;
    rc = net__answer(o, &lo, &in);
    lo = in.upper;
  }
  return rc;
}

int net_recon_step(struct net_recon *r, const uint8_t *msg, size_t len, struct crdt_buf *out,
                   int *reply)
{
  struct net_msg m;
  struct net__out o;
  int asked = 0, rc;
  *reply = 0;
  if (r->state == NET_RECON_FAILED || out->cap - out->len < NET_RECON_OUT_MIN)
    return LINLI_EINVAL;
  if ((rc = net__check(r, &m, msg, len)))
    return rc;
  /* The peer's messages are its first RECON (the initiator's start), then
   * one answer per message of mine that asked, each in one or more parts. */
  uint32_t pending = r->state == NET_RECON_IDLE ? 1 : r->pending;
  if (pending == 0)
    return LINLI_EPROTO; /* nothing of the peer is due */
  r->n_out = 0;
  r->msgs_in++;
  r->bytes_in += len;
  net__out_begin(&o, r, out);
  if ((rc = net__step_ranges(&o, &m, &asked)))
    goto fail;
  pending -= !m.more;
  if (!asked) {
    out->len = o.start;
  } else {
    if ((rc = net__out_end(&o)))
      goto fail;
    *reply = 1;
    r->n_out = o.n_msgs;
    pending += o.n_asking;
    r->msgs_out += o.n_msgs;
    r->bytes_out += out->len - o.start;
  }
  r->pending = pending;
  r->state = pending ? NET_RECON_WAIT : NET_RECON_DONE;
  return 0;
fail:
  out->len = o.start;
  out->overflow = 0;
  r->n_out = 0;
  r->state = NET_RECON_FAILED;
  return rc;
}
