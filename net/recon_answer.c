/* Reconciliation: answering the peer's ranges (FPRINT, IDLIST, SENDS,
 * DIFF) and reporting what each side lacks. The state machine is recon.c. */
#include <string.h>

#include "recon_int.h"

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

int net__answer(struct net__out *o, const struct net_bound *lo, const struct net_range *in)
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
int net__out_end(struct net__out *o)
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
