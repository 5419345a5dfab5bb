/* The invariants (sim.h I1..I6), checked against the registry: the
 * oracle's copy of every op an honest node acknowledged. */
#include <string.h>

#include "sim_int.h"

struct stored_arg {
  struct sim *s;
  struct sim_node *nd;
  uint64_t count;
};

static int stored_one(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct stored_arg *a = arg;
  long i = sim__reg_find(a->s, id);
  (void)hlc;
  a->count++;
  if (i < 0 || a->s->reg[i].len != len || memcmp(a->s->reg[i].raw, raw, len) != 0) {
    a->s->forged_stored++;
    sim__fail(a->s, "I5 n%u stores op %02x%02x%02x%02x that no honest node acknowledged "
              "(%s): a forgery was accepted", a->nd->idx, id[0], id[1], id[2], id[3],
              i < 0 ? "unknown id" : "bytes differ");
    return 1;
  }
  if (!sim__scope_held(a->nd, a->s->reg[i].scope)) {
    sim__fail(a->s, "I1 n%u stores op %02x%02x%02x%02x of a scope it does not hold",
              a->nd->idx, id[0], id[1], id[2], id[3]);
    return 1;
  }
  return 0;
}

/* I1 and I5 on every running node: each stored op is byte-identical to a
 * registered (verified when it was written) op of a scope the node holds,
 * and the node stores no op outside its scopes. */
void sim__check_stored(struct sim *s)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  for (uint32_t i = 0; i < s->n_nodes && s->v->ok; i++) {
    struct sim_node *nd = &s->nodes[i];
    if (!nd->n)
      continue;
    struct stored_arg a = {s, nd, 0};
    for (uint32_t k = 0; k < nd->n_scopes && s->v->ok; k++) {
      int rc = store_range_each(node_store(nd->n), s->scope_name[nd->scopes[k]], &lo, &hi, 0,
                                stored_one, &a);
      if (rc < 0)
        sim__fail(s, "n%u store_range_each: %s", i, linli_errname(rc));
    }
    uint64_t total = 0;
    if (store_stats(node_store(nd->n), &total, NULL) == 0 && total != a.count && s->v->ok)
      sim__fail(s, "I1 n%u stores %llu ops but %llu in its scopes", i,
                (unsigned long long)total, (unsigned long long)a.count);
  }
}

/* I2: the first `upto` ops nd acknowledged are still there (those its
 * restore took away excepted: I3 covers them). */
void sim__check_acked(struct sim *s, struct sim_node *nd, size_t upto)
{
  if (!nd->n || nd->dying)
    return; /* down, or dead and not yet abandoned */
  for (size_t i = 0; i < upto && i < nd->n_acked; i++) {
    struct sim_reg *r = &s->reg[nd->acked[i]];
    if (r->restored_away || sim__doomed(s, r))
      continue; /* I3 covers the first, I7 the second */
    int has = store_has(node_store(nd->n), r->id);
    if (has != 1) {
      sim__fail(s, "I2 n%u lost acknowledged op %02x%02x%02x%02x (write %zu of %zu)", nd->idx,
                r->id[0], r->id[1], r->id[2], r->id[3], i + 1, nd->n_acked);
      return;
    }
  }
}

struct scope_state {
  uint64_t count;
  uint8_t sum[STORE_FP_SUM_BYTES];
  uint8_t digest[CRDT_DIGEST_BYTES];
};

static int scope_state(struct sim *s, struct sim_node *nd, uint32_t scope, int digest,
                       struct scope_state *st)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  const char *name = s->scope_name[scope];
  int rc = store_range_fp(node_store(nd->n), name, &lo, &hi, &st->count, st->sum);
  if (!rc && digest)
    rc = node_digest(nd->n, name, st->digest);
  return rc;
}

/* I4: every holder of every scope has the same op set (count and id sum)
 * and the same digest. With report, the first difference fails the run. */
int sim__converged(struct sim *s, int report)
{
  for (int digest = 0; digest < 2; digest++)
    for (uint32_t sc = 0; sc < s->n_scopes; sc++) {
      struct scope_state first, other;
      for (uint32_t k = 0; k < s->n_holders[sc]; k++) {
        struct sim_node *nd = &s->nodes[s->holders[sc][k]];
        if (!nd->n) {
          if (report)
            sim__fail(s, "I4 n%u is down after the heal", nd->idx);
          return 0;
        }
        struct scope_state *st = k ? &other : &first;
        int rc = scope_state(s, nd, sc, digest, st);
        if (rc) {
          sim__fail(s, "n%u scope %s: %s", nd->idx, s->scope_name[sc], linli_errname(rc));
          return 0;
        }
        if (k && (other.count != first.count || memcmp(other.sum, first.sum, sizeof first.sum) ||
                  (digest && memcmp(other.digest, first.digest, sizeof first.digest)))) {
          if (report)
            sim__fail(s, "I4 scope %s not converged after %u rounds: n%u has %llu ops, n%u has "
                      "%llu%s", s->scope_name[sc], s->rounds, s->holders[sc][0],
                      (unsigned long long)first.count, nd->idx, (unsigned long long)other.count,
                      other.count == first.count ? " (same count, different ops or digest)" : "");
          return 0;
        }
      }
    }
  return 1;
}

/* Bytes of registered ops missing at their holders (the difference the
 * convergence phase must repair). */
uint64_t sim__missing_bytes(struct sim *s)
{
  uint64_t bytes = 0;
  for (size_t i = 0; i < s->n_reg; i++) {
    struct sim_reg *r = &s->reg[i];
    for (uint32_t k = 0; k < s->n_holders[r->scope]; k++) {
      struct sim_node *nd = &s->nodes[s->holders[r->scope][k]];
      if (nd->n && store_has(node_store(nd->n), r->id) == 0)
        bytes += r->len;
    }
  }
  return bytes;
}

struct conflict_arg {
  uint64_t n;
  uint8_t prefix[SIM_SCOPE_LEN + 1];
  size_t pl;
};

static int count_entry(void *arg, const struct crdt_lww_entry *e)
{
  (void)e;
  ++*(uint64_t *)arg;
  return 0;
}

/* Row keys: scope 0 collection 0 (0x01 log | key 0 tag ...). */
static int conflict_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  int nul = 0;
  size_t i = 0;
  for (; i < kl && nul < 2; i++)
    nul += k[i] == 0;
  if (i >= kl || k[i] == CRDT_ROW_LOG)
    return 0;
  while (i < kl && k[i])
    i++;
  if (i + 1 < kl && k[i + 1] == CRDT_ROW_LWW) {
    uint64_t entries = 0;
    crdt_lww_each(v, vl, count_entry, &entries);
    ((struct conflict_arg *)arg)->n += entries > 1;
  }
  return 0;
}

static int conflict_scan(void *arg, const struct crdt_view *v)
{
  struct conflict_arg *a = arg;
  return v->scan(v->ctx, a->prefix, a->pl, conflict_row, arg);
}

/* Fields with more than one concurrent value, counted once per scope. */
static uint64_t conflicts(struct sim *s)
{
  struct conflict_arg c = {0, {0}, 0};
  for (uint32_t sc = 0; sc < s->n_scopes; sc++) {
    if (!s->n_holders[sc] || !s->nodes[s->holders[sc][0]].n)
      continue;
    const char *name = s->scope_name[sc];
    int pl = crdt_row_prefix(c.prefix, sizeof c.prefix, name, strlen(name), NULL, 0, NULL, 0);
    if (pl < 0)
      continue;
    c.pl = (size_t)pl;
    store_read_rows(node_store(s->nodes[s->holders[sc][0]].n), conflict_scan, &c);
  }
  return c.n;
}

/* I3 and I7 at the end, the traffic bound (I6), and the conflict count. */
void sim__check_final(struct sim *s)
{
  sim__check_stored(s);
  for (size_t i = 0; i < s->n_reg && s->v->ok; i++) {
    struct sim_reg *r = &s->reg[i];
    int doomed = sim__doomed(s, r);
    if (r->unreplicated && !doomed)
      continue;
    for (uint32_t k = 0; k < s->n_holders[r->scope]; k++) {
      struct sim_node *nd = &s->nodes[s->holders[r->scope][k]];
      int has = nd->n ? store_has(node_store(nd->n), r->id) : 0;
      if (!doomed && nd->n && has != 1) {
        sim__fail(s, "I3 acknowledged op %02x%02x%02x%02x of n%u missing at n%u after "
                  "convergence", r->id[0], r->id[1], r->id[2], r->id[3], r->writer, nd->idx);
        break;
      }
      if (doomed && has) {
        sim__fail(s, "I7 op %02x%02x%02x%02x of n%u, revoked from %llu, is still at n%u after "
                  "convergence", r->id[0], r->id[1], r->id[2], r->id[3], r->writer,
                  (unsigned long long)s->nodes[r->writer].revoked_at_ms, nd->idx);
        break;
      }
    }
  }
  uint64_t bound = 4 * s->v->conv_missing_bytes + 8192 * s->conv_recons;
  if (s->v->conv_bytes > bound && s->v->ok)
    sim__fail(s, "I6 %llu bytes sent after the heal to repair %llu bytes of ops in %llu "
              "reconciliation messages (bound %llu)", (unsigned long long)s->v->conv_bytes,
              (unsigned long long)s->v->conv_missing_bytes, (unsigned long long)s->conv_recons,
              (unsigned long long)bound);
  s->v->conflicts = conflicts(s);
}
