/* Ops in: admitting (the order of checks), holding (node.h "Held ops"),
 * committing with purges, importing, writing. Contract: node.h. */
#include <stdlib.h>
#include <string.h>

#include "node_int.h"

/* Pushes newly stored ops to every linked peer holding their scope, except
 * the one they came from. */
static void push_one(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t k,
                     int si, uint32_t from);

/* Pushes the newly stored ops (status 1) to the other connected peers, in
 * PUSH messages within the limits. si < 0: ops of several scopes, each
 * run of one scope pushed as such. */
static void push_new(struct node *n, const struct crdt_op *ops, const int *status, size_t count,
                     int si, uint32_t from)
{
  size_t i = 0;
  while (i < count) {
    const uint8_t *raw[OPS_BATCH_MAX];
    size_t lens[OPS_BATCH_MAX], bytes = 0;
    uint32_t k = 0;
    int run = si >= 0 ? si : node__scope_index(n, ops[i].scope.p, ops[i].scope.len);
    for (; i < count && k < OPS_BATCH_MAX && bytes + ops[i].raw_len + 64 <= n->frame; i++) {
      if (si < 0 && k && node__scope_index(n, ops[i].scope.p, ops[i].scope.len) != run)
        break;
      if (status[i] == 1) {
        raw[k] = ops[i].raw;
        bytes += (lens[k++] = ops[i].raw_len) + 5;
      }
    }
    if (k && run >= 0)
      push_one(n, raw, lens, k, run, from);
  }
}

static void push_one(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t k,
                     int si, uint32_t from)
{
  struct crdt_buf b;
  crdt_buf_init(&b, n->out, NET_MSG_MAX);
  if (net_ops_write(&b, NET_PUSH, n->scopes[si], n->scope_len[si], raw, lens, k))
    return;
  for (int i = 0; i < n->n_peers; i++) {
    struct peer *p = &n->peers[i];
    if (p->id == from || !p->up || !p->hello || !node__common(p, si))
      continue;
    if (node__send(n, p, b.p, b.len) == 0)
      p->ops_out += k;
  }
}

static void reject(struct node *n, struct peer *p, const uint8_t *id, int why)
{
  n->st.rejected++;
  n->st.rejected_by[linli_err_index(why)]++;
  if (p)
    p->rejected++;
  char hex[17] = "-";
  if (id)
    node__hex8(hex, id);
  node__log(n, LOG_REJECT, "reject op=%s peer=%d reason=%s", hex, p ? (int)p->id : -1,
            linli_errname(why));
}

/* ---- held ops (node.h "Held ops"; their records: store.h) ---- */

/* A held op out of the store, to try again: its bytes are ours. */
struct held_copy {
  uint8_t id[CRDT_ID_BYTES];
  int why;
  uint64_t due_ms;
  uint8_t *raw;
  size_t len;
};

struct held_list {
  struct held_copy *h;
  size_t n, cap, max;
};

static int held_collect(void *arg, const struct store_held *h)
{
  struct held_list *l = arg;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    struct held_copy *more = realloc(l->h, cap * sizeof *more);
    if (!more)
      return LINLI_ENOMEM;
    l->h = more;
    l->cap = cap;
  }
  struct held_copy *c = &l->h[l->n];
  if (!(c->raw = malloc(h->len)))
    return LINLI_ENOMEM;
  memcpy(c->raw, h->raw, h->len);
  memcpy(c->id, h->id, CRDT_ID_BYTES);
  c->len = h->len;
  c->why = h->why;
  c->due_ms = h->due_ms;
  return ++l->n == l->max; /* 1 stops the walk */
}

static void held_list_free(struct held_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->h[i].raw);
  free(l->h);
  memset(l, 0, sizeof *l);
}

/* When the next held op falls due (UINT64_MAX: none), from the store. */
static void held_refresh(struct node *n)
{
  uint64_t count = 0, due = UINT64_MAX;
  if (store_held_stats(n->store, &count, NULL, &due) == 0)
    n->held_due_ms = due;
}

static void open_all(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t count,
                     struct crdt_op *ops, int *verdict);

/* Tries the held ops of l again (a certificate came, one fell due, the
 * node opened), a run of one scope at a time; an op of a scope the node no
 * longer holds is rejected. Returns 0 or the last store error. */
static int held_retry(struct node *n, struct held_list *l)
{
  int err = 0;
  size_t i = 0;
  while (i < l->n) {
    struct crdt_op op;
    int si = crdt_op_decode(&op, l->h[i].raw, l->h[i].len) ? -1
             : node__scope_index(n, op.scope.p, op.scope.len);
    size_t j = i + 1;
    for (; j < l->n && j - i < IMPORT_RUN; j++) {
      struct crdt_op o2;
      if (crdt_op_decode(&o2, l->h[j].raw, l->h[j].len) ||
          node__scope_index(n, o2.scope.p, o2.scope.len) != si)
        break;
    }
    uint32_t k = (uint32_t)(j - i);
    const uint8_t **raw = malloc(k * sizeof *raw);
    size_t *lens = malloc(k * sizeof *lens);
    struct crdt_op *dec = malloc(k * sizeof *dec);
    int *verdict = malloc(k * sizeof *verdict), rc = LINLI_ENOMEM;
    if (raw && lens && dec && verdict) {
      for (uint32_t x = 0; x < k; x++) {
        raw[x] = l->h[i + x].raw;
        lens[x] = l->h[i + x].len;
      }
      open_all(n, raw, lens, k, dec, verdict);
      if (si < 0) /* undecodable bytes, or a scope no longer held */
        for (uint32_t x = 0; x < k; x++)
          verdict[x] = verdict[x] ? verdict[x] : LINLI_EUNAUTH;
      rc = node__take_opened(n, NULL, si < 0 ? 0 : si, dec, verdict, k, NULL, l->h + i, NULL);
    }
    free(raw);
    free(lens);
    free(dec);
    free(verdict);
    if (rc < 0)
      err = rc;
    i = j;
  }
  return err;
}

/* Tries again the held ops of one author (its certificate is stored now),
 * or (author NULL) those due by now_ms, or all of them (author NULL,
 * now_ms UINT64_MAX). */
int node__held_release(struct node *n, const uint8_t *author, uint64_t now_ms)
{
  struct held_list l = {NULL, 0, 0, NODE_HOLD_MAX};
  int rc = store_held_each(n->store, author, author ? UINT64_MAX : now_ms, held_collect, &l);
  if (rc >= 0 && l.n)
    rc = held_retry(n, &l);
  held_list_free(&l);
  held_refresh(n);
  if (rc < 0)
    n->held_retry = 1; /* a failed commit: every held op again at the next tick */
  else if (!author && now_ms == UINT64_MAX)
    n->held_retry = 0;
  if (rc < 0)
    node__log(n, LOG_HELD, "held ops not retried reason=%s", linli_errname(rc));
  return rc < 0 ? rc : 0;
}

/* ---- admitting and committing ---- */

/* The checks every op from outside passes before it is stored, in order:
 * signature and canonical form, scope (si, or with si < 0 any scope the
 * node holds), trust, the acceptance hook (the
 * domain's write check, node_config.accept), clock. 0 to store,
 * LINLI_EPENDING to hold (h says why and until when), or the reason to
 * reject. */
static int admit(struct node *n, int si, struct crdt_op *op, uint64_t now, int opened,
                 struct store_hold *h)
{
  int why = opened; /* crdt_op_open's verdict, from open_all */
  if (!why && si < 0 && node__scope_index(n, op->scope.p, op->scope.len) < 0)
    why = LINLI_EUNAUTH;
  else if (!why && si >= 0 && (op->scope.len != n->scope_len[si] ||
                               memcmp(op->scope.p, n->scopes[si], op->scope.len) != 0))
    why = LINLI_EUNAUTH;
  if (!why && n->trust)
    why = trust_check(n->trust, op);
  if (why == LINLI_EPENDING) {
    *h = (struct store_hold){op, STORE_HOLD_CERT, now + n->hold_ms};
    return why;
  }
  if (!why && n->cfg.accept)
    why = n->cfg.accept(n->cfg.accept_arg, op);
  if (why)
    return why;
  uint64_t ms = CRDT_HLC_MS(op->hlc);
  if (ms > now + n->clock.max_drift_ms)
    return LINLI_ECLOCK;
  if (ms > now + n->ahead_ms) {
    *h = (struct store_hold){op, STORE_HOLD_CLOCK, ms - n->ahead_ms};
    return LINLI_EPENDING;
  }
  return crdt_hlc_recv(&n->clock, now, op->hlc);
}

/* After a commit: the certificates and revocations it stored change what
 * trust answers; a new certificate releases its author's held ops. */
static void learn(struct node *n, const struct crdt_op *ops, const int *status, size_t k)
{
  for (size_t i = 0; i < k; i++) {
    uint8_t pk[CRDT_PK_BYTES];
    if (status[i] == 1 && trust_learn(n->trust, &ops[i]) == TRUST_LEARNED_CERT &&
        trust_subject(&ops[i], pk) == 0)
      node__held_release(n, pk, 0);
  }
}

/* Writes a batch (its ops of scope si, or of several with si < 0; holds
 * and unholds; the request id, NULL or NODE_REQUEST_BYTES) in one
 * transaction, with the purges of the revocations among its ops; then
 * pushes the new ops to the peers (all but `from`) and learns from them.
 * Returns the number of new ops or the store error. */
static int commit(struct node *n, struct store_batch *b, int si, uint32_t from,
                  const uint8_t *request)
{
  struct store_purge *purge = NULL;
  uint8_t (*pks)[CRDT_PK_BYTES] = NULL;
  size_t np = 0, *purged_in = NULL;
  if (n->trust && b->n) {
    purge = malloc(b->n * sizeof *purge);
    pks = malloc(b->n * sizeof *pks);
    purged_in = malloc((size_t)n->cfg.n_scopes * sizeof *purged_in);
    if (!purge || !pks || !purged_in) {
      free(purge);
      free(pks);
      free(purged_in);
      return LINLI_ENOMEM;
    }
    for (size_t i = 0; i < b->n; i++) {
      uint64_t at;
      if (trust_revokes(n->trust, &b->ops[i], pks[np], &at))
        purge[np] = (struct store_purge){i, pks[np], CRDT_HLC_MAKE(at, 0)}, np++;
    }
  }
  b->purge = purge;
  b->n_purge = np;
  b->scopes = (const char *const *)n->scopes;
  b->n_scopes = (size_t)n->cfg.n_scopes;
  b->purged_in = purged_in;
  b->held_max = NODE_HOLD_MAX;
  b->held_bytes_max = NODE_HOLD_BYTES_MAX;
  b->request = request;
  b->request_ms = request ? n->env.now_ms(n->env.ctx) : 0;
  int rc = store_write(n->store, b);
  free(purge);
  free(pks);
  if (rc >= 0 && b->purged) {
    n->st.purged += b->purged;
    for (int k = 0; k < n->cfg.n_scopes; k++)
      if (purged_in[k])
        node__log(n, LOG_PURGE, "purge scope=%s ops=%zu reason=%s", n->scopes[k], purged_in[k],
                  linli_errname(LINLI_EREVOKED));
  }
  free(purged_in);
  if (rc < 0)
    return rc;
  if (b->evicted) {
    n->st.held_dropped += b->evicted;
    n->st.rejected += b->evicted;
    n->st.rejected_by[linli_err_index(LINLI_EUNKNOWN)] += b->evicted;
    node__log(n, LOG_HELD, "held ops dropped ops=%zu reason=%s", b->evicted,
              linli_errname(LINLI_EFULL));
  }
  if (b->n_hold || b->n_unhold)
    held_refresh(n);
  if (rc > 0) {
    push_new(n, b->ops, b->status, b->n, si, from);
    if (n->trust)
      learn(n, b->ops, b->status, b->n);
  }
  return rc;
}

/* 1 when received ops go through the inbox and the verify pool. */
int node__batched(const struct node *n)
{
  return n->cfg.verify_threads || n->cfg.verify_seeded;
}

/* The pool of verify threads, made the first time it is needed. */
struct vpool *node__pool(struct node *n)
{
  if (!n->pool)
    vpool_new(&n->pool, n->cfg.verify_threads ? (int)n->cfg.verify_threads + 1 : 0);
  return n->pool;
}

/* Decodes and verifies a batch: the one costly step. With verify_threads
 * (linlid) or verify_seeded (the simulator), a large batch goes to the
 * pool; else it is verified inline. The verdicts are the same either way. */
static void open_all(struct node *n, const uint8_t *const *raw, const size_t *lens, uint32_t count,
                     struct crdt_op *ops, int *verdict)
{
  struct vpool *pool = node__batched(n) && count >= 64 ? node__pool(n) : NULL;
  if (pool) {
    struct vjob j = {raw, lens, ops, verdict, count, 0, 0, NULL};
    vpool_submit(pool, &j);
    vpool_wait(pool, &j);
    return;
  }
  for (uint32_t i = 0; i < count; i++)
    verdict[i] = crdt_op_open(&ops[i], raw[i], lens[i]);
}

/* What becomes of an op that was held (h->why) and was admitted again
 * with verdict why (hold in *nh when LINLI_EPENDING): 1 it stays held as it
 * is, 0 its hold goes (and *why may become LINLI_EUNKNOWN: its time is up). */
static int still_held(const struct held_copy *h, int *why, const struct store_hold *nh,
                      uint64_t now)
{
  if (*why != LINLI_EPENDING || nh->why != h->why)
    return 0;
  if (h->why == STORE_HOLD_CERT && now >= h->due_ms) {
    *why = LINLI_EUNKNOWN; /* hold_ms passed without a certificate */
    return 0;
  }
  return 1;
}

/* Admits and stores a batch of opened ops (dec[i] and verdict[i] from
 * crdt_op_open of op i's bytes) for scope si; returns the number newly stored, or
 * a store error. what (NULL or count ints) gets each op's fate: 1 stored, 0
 * stored already, LINLI_EPENDING held, or why it was rejected (or the store
 * error). from_held (NULL, or count entries): the ops are held ones tried
 * again; their holds go unless they stay held for the same reason. */
int node__take_opened(struct node *n, struct peer *p, int si, struct crdt_op *dec,
                      const int *verdict, uint32_t count, int *what,
                      const struct held_copy *from_held, const uint8_t *request)
{
  struct crdt_op *ops = malloc(count * sizeof *ops);
  int *status = malloc(count * sizeof *status);
  uint32_t k = 0, *at = malloc(count * sizeof *at); /* op i went to ops[at[i]] */
  struct store_hold *holds = malloc(count * sizeof *holds);
  uint8_t (*unhold)[CRDT_ID_BYTES] = from_held ? malloc(count * sizeof *unhold) : NULL;
  struct store_batch b = {0};
  int rc;
  if (!ops || !status || !at || !holds || (from_held && !unhold)) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  uint64_t now = n->env.now_ms(n->env.ctx);
  for (uint32_t i = 0; i < count; i++) {
    struct store_hold h;
    int why = admit(n, si, &dec[i], now, verdict[i], &h);
    at[i] = why ? UINT32_MAX : k;
    if (from_held && still_held(&from_held[i], &why, &h, now))
      ; /* as it was: no write */
    else if (from_held)
      memcpy(unhold[b.n_unhold++], from_held[i].id, CRDT_ID_BYTES);
    if (why == 0)
      ops[k++] = dec[i];
    else if (why == LINLI_EPENDING && !(from_held && h.why == from_held[i].why))
      holds[b.n_hold++] = h;
    else if (why != LINLI_EPENDING)
      reject(n, p, from_held ? from_held[i].id : verdict[i] ? NULL : dec[i].id, why);
    if (what && why)
      what[i] = why;
  }
  b.ops = ops;
  b.n = k;
  b.status = status;
  b.hold = holds;
  b.unhold = (const uint8_t(*)[CRDT_ID_BYTES])unhold;
  rc = commit(n, &b, si, p ? p->id : UINT32_MAX, request);
  for (uint32_t i = 0; what && i < count; i++)
    if (at[i] != UINT32_MAX)
      what[i] = rc < 0 ? rc : status[at[i]];
  if (rc > 0 && p)
    p->ops_in += (uint64_t)rc;
out:
  free(ops);
  free(status);
  free(at);
  free(holds);
  free(unhold);
  return rc;
}

/* Verifies (open_all), admits and stores a batch of op bytes for scope si;
 * returns the number newly stored, or a store error; what as take_opened. */
int node__take_ops(struct node *n, struct peer *p, int si, const uint8_t *const *raw,
                   const size_t *lens, uint32_t count, int *what)
{
  struct crdt_op *dec = malloc(count * sizeof *dec);
  int *verdict = malloc(count * sizeof *verdict), rc = LINLI_ENOMEM;
  if (dec && verdict) {
    open_all(n, raw, lens, count, dec, verdict);
    rc = node__take_opened(n, p, si, dec, verdict, count, what, NULL, NULL);
  }
  free(dec);
  free(verdict);
  return rc;
}

int node_import_each(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count,
                     int *what)
{
  node_flush(n);
  /* Each op's scope first (what[i] holds it until its fate is known), then
   * runs of one scope; take_ops checks everything again when it verifies. */
  for (size_t i = 0; i < count; i++) {
    struct crdt_op op;
    int why = crdt_op_decode(&op, ops[i], lens[i]);
    int si = why ? -1 : node__scope_index(n, op.scope.p, op.scope.len);
    what[i] = si >= 0 ? si : why ? why : LINLI_EUNAUTH;
    if (si < 0)
      reject(n, NULL, why ? NULL : op.id, what[i]);
  }
  int total = 0;
  size_t i = 0;
  while (i < count) {
    int si = what[i];
    if (si < 0) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < count && j - i < IMPORT_RUN && what[j] == si)
      j++;
    int rc = node__take_ops(n, NULL, si, ops + i, lens + i, (uint32_t)(j - i), what + i);
    if (rc < 0) {
      for (size_t k = j; k < count; k++)
        what[k] = rc; /* not tried */
      return rc;
    }
    total += rc;
    i = j;
  }
  return total;
}

int node_import(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count)
{
  int *what = malloc((count ? count : 1) * sizeof *what);
  if (!what)
    return LINLI_ENOMEM;
  int rc = node_import_each(n, ops, lens, count, what);
  free(what);
  return rc;
}

int node_import_one(struct node *n, const uint8_t *op, size_t len)
{
  int what = 0, rc = node_import_each(n, &op, &len, 1, &what);
  return rc < 0 ? rc : what;
}

int node_op_state(struct node *n, const uint8_t *raw, size_t len)
{
  struct crdt_op op;
  char scope[CRDT_SCOPE_MAX + 1];
  node_flush(n);
  int rc = crdt_op_decode(&op, raw, len);
  if (rc)
    return rc;
  memcpy(scope, op.scope.p, op.scope.len);
  scope[op.scope.len] = 0;
  if ((rc = store_has_at(n->store, scope, op.hlc, op.id)) != 0)
    return rc;
  rc = store_held_has(n->store, op.id);
  return rc == 1 ? LINLI_EPENDING : rc == 0 ? LINLI_ENOTFOUND : rc;
}

/* Signs change c as the node's next op into *arena (grown as needed) at
 * *used; the op's length in *len. */
static int sign_into(struct node *n, const struct node_change *c, uint8_t **arena, size_t *cap,
                     size_t *used, size_t *len)
{
  const char *scope = c->scope ? c->scope : n->scopes[0];
  if (node__scope_index(n, scope, strlen(scope)) < 0)
    return LINLI_EUNAUTH;
  if (*cap - *used < CRDT_OP_MAX_BYTES) {
    size_t nc = *cap ? *cap * 2 : 64 * 1024;
    while (nc - *used < CRDT_OP_MAX_BYTES)
      nc *= 2;
    uint8_t *na = realloc(*arena, nc);
    if (!na)
      return LINLI_ENOMEM;
    *arena = na;
    *cap = nc;
  }
  struct crdt_op op;
  struct crdt_draft d = {scope, c->collection, c->key, 0, c->kind, c->body, c->body_len,
                         c->parents, c->n_parents};
  uint8_t sealed[CRDT_BODY_MAX_BYTES];
  size_t sealed_len = 0, kl = 0;
  int rc = 0;
  if (n->cfg.seal && (c->kind == CRDT_SET || c->kind == CRDT_APPEND)) {
    const uint8_t *keys = store_keys(n->store, &kl);
    rc = n->cfg.seal(n->cfg.seal_arg, keys, kl, scope, c->collection, c->key, c->body, c->body_len,
                     n->env.random, n->env.ctx, sealed, sizeof sealed, &sealed_len);
    if (rc < 0)
      return rc;
    if (rc == 1)
      d.body = sealed, d.body_len = sealed_len;
  }
  d.hlc = crdt_hlc_now(&n->clock, n->env.now_ms(n->env.ctx));
  rc = crdt_op_sign(&d, &n->id, *arena + *used, CRDT_OP_MAX_BYTES, len, &op);
  if (!rc)
    *used += *len;
  return rc;
}

int node_write_batch(struct node *n, const struct node_change *c, size_t count,
                     const uint8_t *request, uint8_t (*ids)[CRDT_ID_BYTES], size_t *bad)
{
  uint8_t *arena = NULL;
  size_t cap = 0, used = 0, *lens = malloc((count ? count : 1) * sizeof *lens);
  struct crdt_op *ops = malloc((count ? count : 1) * sizeof *ops);
  int *status = malloc((count ? count : 1) * sizeof *status), rc = LINLI_ENOMEM;
  size_t i = 0;
  n->write_why[0] = 0;
  node_flush(n);
  if (!lens || !ops || !status)
    goto out;
  /* sign everything first (the arena moves as it grows), then decode each
   * op from its final place and check it: one refusal writes nothing */
  for (rc = 0; i < count && !rc; i++)
    rc = sign_into(n, &c[i], &arena, &cap, &used, &lens[i]);
  if (rc) {
    i--;
    goto out;
  }
  for (i = 0, used = 0; i < count; used += lens[i++]) {
    if ((rc = crdt_op_decode(&ops[i], arena + used, lens[i])))
      goto out;
    if (n->trust && (rc = trust_check(n->trust, &ops[i])))
      goto out; /* a node without its certificate cannot write: say so */
    if (n->cfg.accept && (rc = n->cfg.accept(n->cfg.accept_arg, &ops[i])))
      goto out;
  }
  if (n->cfg.check_batch &&
      (rc = n->cfg.check_batch(n->cfg.check_arg, n->store, ops, count, &i, n->write_why,
                               sizeof n->write_why)))
    goto out;
  struct store_batch b = {0};
  b.ops = ops;
  b.n = count;
  b.status = status;
  if ((rc = commit(n, &b, -1, UINT32_MAX, request)) < 0)
    goto out;
  for (i = 0; ids && i < count; i++)
    memcpy(ids[i], ops[i].id, CRDT_ID_BYTES);
  rc = 0;
out:
  if (bad)
    *bad = rc ? i : count;
  free(arena);
  free(lens);
  free(ops);
  free(status);
  return rc;
}

const char *node_write_why(const struct node *n)
{
  return n->write_why;
}

int node_write(struct node *n, const struct node_change *c, uint8_t id_out[CRDT_ID_BYTES])
{
  uint8_t id[1][CRDT_ID_BYTES];
  int rc = node_write_batch(n, c, 1, NULL, id, NULL);
  if (!rc && id_out)
    memcpy(id_out, id[0], CRDT_ID_BYTES);
  return rc;
}

int node_import_batch(struct node *n, const uint8_t *const *ops, const size_t *lens, size_t count,
                      const uint8_t *request, int *what)
{
  struct crdt_op *dec = malloc((count ? count : 1) * sizeof *dec);
  int *verdict = malloc((count ? count : 1) * sizeof *verdict), rc = LINLI_ENOMEM;
  node_flush(n);
  if (count > UINT32_MAX)
    rc = LINLI_ETOOBIG;
  else if (dec && verdict) {
    /* verified in runs (on every core in linlid), admitted and stored in
     * one transaction, whatever their scopes */
    for (size_t i = 0; i < count; i += IMPORT_RUN) {
      size_t k = count - i < IMPORT_RUN ? count - i : IMPORT_RUN;
      open_all(n, ops + i, lens + i, (uint32_t)k, dec + i, verdict + i);
    }
    rc = node__take_opened(n, NULL, -1, dec, verdict, (uint32_t)count, what, NULL, request);
  }
  free(dec);
  free(verdict);
  return rc;
}

int node_request_state(struct node *n, const uint8_t request[NODE_REQUEST_BYTES], uint64_t *ops,
                       uint64_t *added, uint8_t first[CRDT_ID_BYTES])
{
  node_flush(n);
  return store_request_get(n->store, request, NULL, ops, added, first);
}
