/* fuzz_bundle: a bundle file (`linli import`) parsed from bytes and imported
 * into a node. Input: the bundle's bytes.
 *
 * The node is opened once per process on a real LMDB store (nosync, in a
 * temporary directory removed at exit) holding the scopes shihua and
 * baibuting, with a fixed clock (FUZZ_BUNDLE_NOW_MS) and no trust; it holds
 * the FUZZ_BUNDLE_BASE_OPS base ops, and after each input the ops that input
 * stored are purged again, so every input starts from the same state.
 * Checked:
 * - bundle_parse() either fails with one of its documented errors and
 *   nothing allocated (and then nothing is imported: the state stays the
 *   base state), or the ops it returns, framed again, are the exact input;
 * - each op is imported as `linli import` does (node_import_one) and its
 *   fate matches what crdt_op_decode, crdt_op_verify, the scope, the schema
 *   and the clock say of it, in that order (an op of a scope the node does
 *   not hold is refused for that before its signature is checked): a bad op
 *   is rejected for that reason, a valid one is stored or found already
 *   there, never rejected; a rejected or duplicate op changes neither the
 *   state digest nor the op count; a stored op is in the store afterwards;
 * - importing the same bundle again stores nothing and changes nothing;
 * - purging what the input stored gives back the base state exactly. */
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "fuzz.h"
#include "node.h"
#include "domain.h"

#define DRIFT_MS 600000

static const char *const HELD[2] = {"shihua", "baibuting"};

struct state {
  uint8_t digest[CRDT_DIGEST_BYTES];
  uint64_t ops;
};

static struct node *node_;
static char dir_[4096];
static struct state base_;

static uint64_t fb_now(void *ctx)
{
  (void)ctx;
  return FUZZ_BUNDLE_NOW_MS;
}

static int fb_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  (void)ctx, (void)peer, (void)msg, (void)len;
  return 0;
}

static void fb_state(struct state *s)
{
  FUZZ_ASSERT(node_digest(node_, NULL, s->digest) == 0);
  FUZZ_ASSERT(store_stats(node_store(node_), &s->ops, NULL) == 0);
}

static int fb_same(const struct state *a, const struct state *b)
{
  return a->ops == b->ops && memcmp(a->digest, b->digest, sizeof a->digest) == 0;
}

static void fb_cleanup(void)
{
  char path[8192];
  node_close(node_);
  DIR *d = opendir(dir_);
  for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir_, e->d_name);
    unlink(path);
  }
  if (d)
    closedir(d);
  rmdir(dir_);
}

/* The node and its base ops, once per process. */
static void fb_open(void)
{
  if (node_)
    return;
  fuzz_init();
  const char *tmp = getenv("TMPDIR");
  snprintf(dir_, sizeof dir_, "%s/linli-fuzz-bundle-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  FUZZ_ASSERT(mkdtemp(dir_) != NULL);
  struct node_env env = {NULL, fb_now, NULL, fb_send, NULL, NULL};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = dir_;
  cfg.identity = fuzz_identity(0);
  cfg.scopes[0] = HELD[0];
  cfg.scopes[1] = HELD[1];
  cfg.n_scopes = 2;
  cfg.nosync = 1;
  cfg.map_size = cfg.map_size_max = 32u << 20;
  cfg.max_drift_ms = DRIFT_MS;
  cfg.accept = domain_accept; /* as linlid does */
  FUZZ_ASSERT(node_open(&node_, &env, &cfg) == 0);
  atexit(fb_cleanup);
  for (unsigned i = 0; i < FUZZ_BUNDLE_BASE_OPS; i++) {
    uint8_t op[CRDT_OP_MAX_BYTES];
    size_t len = fuzz_bundle_base_op(i, op);
    FUZZ_ASSERT(node_import_one(node_, op, len) == 1);
  }
  fb_state(&base_);
  FUZZ_ASSERT(base_.ops == FUZZ_BUNDLE_BASE_OPS);
}

/* The ops framed again must be the input: one encoding per list of ops. */
static void fb_reframe(const uint8_t *data, size_t size, const uint8_t *const *ops,
                       const size_t *lens, size_t n)
{
  size_t off = 8;
  FUZZ_ASSERT(size >= 16 && memcmp(data, BUNDLE_MAGIC, 8) == 0);
  for (size_t i = 0; i < n; i++) {
    FUZZ_ASSERT(lens[i] > 0 && lens[i] <= CRDT_OP_MAX_BYTES && size - off >= 4 + lens[i]);
    uint8_t l[4] = {(uint8_t)(lens[i] >> 24), (uint8_t)(lens[i] >> 16), (uint8_t)(lens[i] >> 8),
                    (uint8_t)lens[i]};
    FUZZ_ASSERT(memcmp(data + off, l, 4) == 0 && ops[i] == data + off + 4);
    off += 4 + lens[i];
  }
  FUZZ_ASSERT(size - off == 8 && memcmp(data + off, BUNDLE_END, 8) == 0);
}

static int fb_held(const struct crdt_op *op)
{
  for (int i = 0; i < 2; i++)
    if (op->scope.len == strlen(HELD[i]) && memcmp(op->scope.p, HELD[i], op->scope.len) == 0)
      return i;
  return -1;
}

/* A newly stored op's author, to purge after the input. */
struct stored {
  int scope;
  uint8_t author[CRDT_PK_BYTES];
};

/* Imports ops[i] and checks what became of it against what crdt_op_open,
 * the scope, the schema and the clock say. Returns 1 if it was stored now. */
static int fb_import_one(const uint8_t *raw, size_t len, struct stored *out)
{
  struct crdt_op op;
  struct state before, after;
  char scope[CRDT_SCOPE_MAX + 1] = "";
  int verdict = crdt_op_decode(&op, raw, len), si = -1, there = 0;
  if (!verdict) {
    memcpy(scope, op.scope.p, op.scope.len);
    scope[op.scope.len] = 0;
    si = fb_held(&op);
    there = si >= 0 && store_has_at(node_store(node_), scope, op.hlc, op.id) == 1;
    verdict = crdt_op_verify(&op);
  }
  fb_state(&before);
  int rc = node_import_one(node_, raw, len);
  fb_state(&after);
  if (scope[0] && si < 0) { /* decoded, of a scope the node does not hold */
    FUZZ_ASSERT(rc == LINLI_EUNAUTH);
  } else if (verdict) {
    FUZZ_ASSERT(rc == verdict);
  } else if (domain_accept(NULL, &op)) {
    FUZZ_ASSERT(rc == LINLI_ESCHEMA);
  } else if (CRDT_HLC_MS(op.hlc) > FUZZ_BUNDLE_NOW_MS + DRIFT_MS) {
    FUZZ_ASSERT(rc == LINLI_ECLOCK);
  } else {
    FUZZ_ASSERT(rc == !there); /* a valid op is always taken */
  }
  if (rc != 1) { /* rejected or already there: nothing changed */
    FUZZ_ASSERT(fb_same(&before, &after));
    return 0;
  }
  FUZZ_ASSERT(after.ops == before.ops + 1);
  FUZZ_ASSERT(store_has_at(node_store(node_), scope, op.hlc, op.id) == 1);
  out->scope = si;
  memcpy(out->author, op.author, CRDT_PK_BYTES);
  return 1;
}

/* Purges what the input stored; the base state must come back. */
static void fb_reset(const struct stored *s, size_t n)
{
  struct state now;
  for (size_t i = 0; i < n; i++)
    FUZZ_ASSERT(store_purge_author(node_store(node_), HELD[s[i].scope], s[i].author, 0) >= 0);
  fb_state(&now);
  FUZZ_ASSERT(fb_same(&now, &base_));
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  const uint8_t **ops;
  size_t *lens, n, n_stored = 0;
  struct state before, after;
  fb_open();
  fb_state(&before);
  FUZZ_ASSERT(fb_same(&before, &base_));
  int rc = bundle_parse(data, size, &ops, &lens, &n);
  if (rc) {
    FUZZ_ASSERT(!ops && !lens && n == 0);
    FUZZ_ASSERT(rc == LINLI_EKEYFILE || rc == LINLI_ETRUNC || rc == LINLI_ETOOBIG ||
                rc == LINLI_ETRAIL);
    fb_state(&after); /* a bundle that does not parse imports nothing */
    FUZZ_ASSERT(fb_same(&after, &base_));
    return 0;
  }
  fb_reframe(data, size, ops, lens, n);
  struct stored *stored = malloc((n ? n : 1) * sizeof *stored);
  FUZZ_ASSERT(stored);
  for (size_t i = 0; i < n; i++)
    n_stored += (size_t)fb_import_one(ops[i], lens[i], &stored[n_stored]);
  /* The same bundle again: nothing new, nothing changed. */
  fb_state(&before);
  FUZZ_ASSERT(node_import(node_, ops, lens, n) == 0);
  fb_state(&after);
  FUZZ_ASSERT(fb_same(&before, &after));
  FUZZ_ASSERT(after.ops == base_.ops + n_stored);
  fb_reset(stored, n_stored);
  free(stored);
  free(ops);
  free(lens);
  return 0;
}
