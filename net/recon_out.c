/* Reconciliation: writing a RECON reply (ranges, fingerprints, id lists)
 * and cutting a range in parts. The state machine is recon.c. */
#include <string.h>

#include "recon_int.h"

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

void net__out_begin(struct net__out *o, struct net_recon *r, struct crdt_buf *b)
{
  memset(o, 0, sizeof *o);
  o->r = r;
  o->b = b;
  o->start = b->len;
  net__msg_begin(o);
}

/* Closes the current message (the range array header; `more` when the next
 * message continues the answer). */
void net__msg_close(struct net__out *o, int more)
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
int net__ensure(struct net__out *o, uint64_t bytes, uint64_t ids)
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
int net__room(struct net__out *o, const struct net_bound *lo, uint64_t bytes, uint64_t ids)
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
void net__head(struct net__out *o, const struct net_bound *lo, const struct net_bound *upper,
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

void net__bin_open(struct net__out *o, uint32_t n_ids)
{
  uint8_t h[5];
  crdt_w_raw(o->b, h, net__bin_head(h, n_ids * NET_ID_BYTES));
  o->n_ids += n_ids;
}


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

int net__emit_idlist(struct net__out *o, const struct net_bound *lo,
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

int net__emit_fp(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
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
int net__cut(struct net_recon *r, const struct net_bound *lo, const struct net_bound *hi,
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
int net__split(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
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
