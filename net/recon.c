/* Range-based set reconciliation: the per-(scope, peer) state machine.
 * See net.h for the contract and docs/protocol.md §10 ("Reconciliation") for the
 * algorithm. Allocates nothing: the output is the caller's buffer, the
 * scratch is struct net_recon. */
#include <assert.h>
#include <string.h>

#include "recon_int.h"

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
