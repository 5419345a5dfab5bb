/* The hostile peer: a roster member gone bad (or a stranger who got a
 * link). It sends forged ops and malformed messages to the nodes it is
 * linked to; none of it may be stored (invariant I5). Kinds:
 *   0 an honest op with a flipped signature byte (same id as the real one)
 *   1 an honest op with a flipped byte before the signature
 *   2 an op signed by the hostile key for the victim's scope
 *   3 an op signed by an honest office for a scope it may not write
 *   4 an op signed by a key on no roster
 *   5 an op by the scope's own office stamped 3 x max_drift in the future
 *   6 random bytes   7 a truncated PUSH   8 a huge declared count
 *   9 a PUSH for a scope the victim does not hold */
#include <string.h>

#include "net.h"
#include "sim_int.h"

static uint32_t victim_scope(struct sim *s, uint32_t victim)
{
  struct sim_node *v = &s->nodes[victim];
  return v->scopes[sim_rng_below(&s->rng, v->n_scopes)];
}

static struct sim_node *office_of(struct sim *s, uint32_t scope, int other)
{
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    struct sim_node *nd = &s->nodes[i];
    if (nd->role == SIM_OFFICE && (nd->scopes[0] == scope) != other)
      return nd;
  }
  return NULL;
}

/* Signs a resident edit for `scope` with `who`, stamped at hlc_ms. */
static int forge_sign(struct sim *s, const struct crdt_identity *who, uint32_t scope,
                      uint64_t hlc_ms, uint8_t *out, size_t *len)
{
  uint8_t body[32];
  struct crdt_buf b;
  char key[16];
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  char phone[16]; /* well-formed: only the author is wrong */
  snprintf(phone, sizeof phone, "139%08u", (unsigned)sim_rng_below(&s->rng, 100000000));
  crdt_w_cstr(&b, "phone");
  crdt_w_cstr(&b, phone);
  snprintf(key, sizeof key, "r%03u", (unsigned)sim_rng_below(&s->rng, 8));
  struct crdt_draft d = {s->scope_name[scope], "resident", key, CRDT_HLC_MAKE(hlc_ms, 0),
                         CRDT_SET, body, b.len, NULL, 0};
  return crdt_op_sign(&d, who, out, CRDT_OP_MAX_BYTES, len, NULL);
}

static int honest_copy(struct sim *s, uint32_t scope, uint8_t *out, size_t *len)
{
  for (int tries = 0; tries < 32 && s->n_reg; tries++) {
    struct sim_reg *r = &s->reg[sim_rng_below(&s->rng, s->n_reg)];
    if (r->scope == scope) {
      memcpy(out, r->raw, r->len);
      *len = r->len;
      return 0;
    }
  }
  return LINLI_ENOTFOUND;
}

/* One forged op of kind k (0..5) for a scope the victim holds. */
static int forge_op(struct sim *s, uint32_t victim, int k, uint32_t *scope, uint8_t *op, size_t *len)
{
  uint64_t now_ms = SIM_EPOCH_MS + s->now;
  struct crdt_identity stranger;
  struct sim_node *o;
  uint8_t seed[CRDT_SEED_BYTES];
  int rc;
  *scope = victim_scope(s, victim);
  switch (k) {
  case 0:
  case 1:
    if ((rc = honest_copy(s, *scope, op, len)))
      return rc;
    op[k == 0 ? *len - 1 - sim_rng_below(&s->rng, CRDT_SIG_BYTES)
              : sim_rng_below(&s->rng, *len - CRDT_SIG_BYTES)] ^= (uint8_t)(1u << sim_rng_below(&s->rng, 8));
    return 0;
  case 2:
    return forge_sign(s, &s->nodes[s->hostile].who, *scope, now_ms, op, len);
  case 3:
    if (!(o = office_of(s, *scope, 1)))
      return LINLI_ENOTFOUND;
    return forge_sign(s, &o->who, *scope, now_ms, op, len);
  case 4:
    sim_rng_fill(&s->rng, seed, sizeof seed);
    crdt_identity_from_seed(&stranger, seed);
    rc = forge_sign(s, &stranger, *scope, now_ms, op, len);
    crdt_identity_wipe(&stranger);
    return rc;
  default:
    if (!(o = office_of(s, *scope, 0)))
      return LINLI_ENOTFOUND;
    return forge_sign(s, &o->who, *scope, now_ms + 3 * s->sc->max_drift_ms, op, len);
  }
}

static void send_malformed(struct sim *s, uint32_t victim, int k)
{
  uint8_t *m = s->scratch, op[CRDT_OP_MAX_BYTES];
  size_t len = 0, oplen = 0;
  struct crdt_buf b;
  uint32_t scope;
  s->faults[SIM_F_MALFORMED]++;
  crdt_buf_init(&b, m, NET_MSG_MAX);
  if (k == 6) {
    len = 1 + sim_rng_below(&s->rng, 200);
    sim_rng_fill(&s->rng, m, len);
  } else if (k == 7 || k == 9) {
    if (forge_op(s, victim, 2, &scope, op, &oplen))
      return;
    const uint8_t *ops[1] = {op};
    const char *name = k == 9 ? "zz-not-held" : s->scope_name[scope];
    if (net_ops_write(&b, NET_PUSH, name, strlen(name), ops, &oplen, 1))
      return;
    len = k == 7 ? b.len / 2 : b.len;
    if (k == 9)
      s->forged_sent++;
  } else {
    static const uint8_t huge[] = {0x93, 0x05, 0xa5, 'c', '0', '0', '0', '0', 0xdd, 0xff, 0xff, 0xff, 0xff};
    memcpy(m, huge, sizeof huge);
    len = sizeof huge;
  }
  sim__trace(s, "malformed kind=%d n%u>n%u len=%zu", k, s->hostile, victim, len);
  sim__send(s, s->hostile, victim, m, len, 0);
}

void sim__forge(struct sim *s, uint32_t victim, int kind)
{
  if (kind >= 6) {
    send_malformed(s, victim, kind);
    return;
  }
  uint8_t op[CRDT_OP_MAX_BYTES];
  size_t len;
  uint32_t scope;
  if (forge_op(s, victim, kind, &scope, op, &len))
    return;
  const uint8_t *ops[1] = {op};
  struct crdt_buf b;
  crdt_buf_init(&b, s->scratch, NET_MSG_MAX);
  if (net_ops_write(&b, NET_PUSH, s->scope_name[scope], strlen(s->scope_name[scope]), ops, &len, 1))
    return;
  s->faults[kind == 5 ? SIM_F_SKEWED : SIM_F_FORGE]++;
  s->forged_sent++;
  sim__trace(s, "forge kind=%d n%u>n%u scope=%s", kind, s->hostile, victim, s->scope_name[scope]);
  sim__send(s, s->hostile, victim, b.p, b.len, 0);
}
