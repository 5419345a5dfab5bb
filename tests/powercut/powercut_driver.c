/* The workload of the power-cut test, run under the shim (shim.c) by
 * powercut_test.c: a node core on a durable store (DIR) doing, in seeded
 * steps, a mix of
 *   - local writes (node_write),
 *   - ingest of ops signed by another author (node_import_each),
 *   - import of a bundle file (bundle_open/add/close, bundle_read, import),
 *   - sync with a second node core over an in-memory link (HELLO, RECON,
 *     OPS), the peer's store being a scratch one without fsync;
 * and writing to ACKFD the 32-byte id of every op it acknowledges: an op
 * node_write returned, or one the node's store holds after the step (a
 * committed transaction is durable: the store syncs before it returns).
 *
 *   powercut_driver DIR SEED ACKFD */
#include <unistd.h>

#include "bundle.h"
#include "test_node_util.h"

#define STEPS 10
#define BASE_MS UINT64_C(1700000000000)

static int ackfd;

static void ack(const uint8_t id[CRDT_ID_BYTES])
{
  if (write(ackfd, id, CRDT_ID_BYTES) != CRDT_ID_BYTES)
    _exit(5);
}

/* Acks each op of ops[0..n) that the node's store now holds. */
static void ack_held(struct node *n, struct t_op *ops, int k)
{
  for (int i = 0; i < k; i++)
    if (store_has(node_store(n), ops[i].op.id) == 1)
      ack(ops[i].op.id);
}

static void write_local(struct tnet *t, struct test_rng *r)
{
  int k = 1 + (int)test_below(r, 5);
  for (int i = 0; i < k; i++) {
    struct t_op tmp;
    t_random_op(&tmp, r, &t->who[0], "shihua", t->now_ms, 1);
    char coll[40], key[140];
    memcpy(coll, tmp.op.collection.p, tmp.op.collection.len);
    coll[tmp.op.collection.len] = 0;
    memcpy(key, tmp.op.key.p, tmp.op.key.len);
    key[tmp.op.key.len] = 0;
    struct node_change c = {NULL, coll, key, tmp.op.kind, tmp.op.body, tmp.op.body_len, NULL, 0};
    uint8_t id[CRDT_ID_BYTES];
    if (node_write(t->nodes[0], &c, id) != 0)
      _exit(6);
    ack(id);
  }
}

static struct t_op batch[64];

static void ingest(struct tnet *t, struct test_rng *r, const struct crdt_identity *author)
{
  int k = 1 + (int)test_below(r, 40);
  const uint8_t *raw[64];
  size_t lens[64];
  int what[64];
  for (int i = 0; i < k; i++) {
    t_random_op(&batch[i], r, author, test_below(r, 3) ? "changhongli" : "shihua", t->now_ms, 500);
    raw[i] = batch[i].bytes;
    lens[i] = batch[i].len;
  }
  if (k > 2) { /* one op sent twice: "stored already" acks too */
    raw[k - 1] = raw[0];
    lens[k - 1] = lens[0];
    batch[k - 1] = batch[0];
  }
  if (node_import_each(t->nodes[0], raw, lens, (size_t)k, what) < 0)
    _exit(7);
  ack_held(t->nodes[0], batch, k);
}

static void import_bundle(struct tnet *t, struct test_rng *r, const struct crdt_identity *author,
                          const char *path)
{
  int k = 1 + (int)test_below(r, 60);
  struct bundle_writer w;
  if (bundle_open(&w, path))
    _exit(8);
  for (int i = 0; i < k; i++) {
    t_random_op(&batch[i], r, author, "changhongli", t->now_ms, 500);
    bundle_add(&w, batch[i].bytes, batch[i].len);
  }
  if (bundle_close(&w))
    _exit(8);
  uint8_t *buf;
  const uint8_t **ops;
  size_t *lens, n;
  if (bundle_read(path, &buf, &ops, &lens, &n) || n != (size_t)k)
    _exit(9);
  int *what = malloc(n * sizeof *what);
  if (!what || node_import_each(t->nodes[0], ops, lens, n, what) < 0)
    _exit(9);
  free(what), free(buf), free(ops), free(lens);
  ack_held(t->nodes[0], batch, k);
}

static void sync_peer(struct tnet *t, struct test_rng *r)
{
  int k = 1 + (int)test_below(r, 30);
  for (int i = 0; i < k; i++) {
    t_random_op(&batch[i], r, &t->who[1], "shihua", t->now_ms, 1);
    const uint8_t *raw = batch[i].bytes;
    if (node_import(t->nodes[1], &raw, &batch[i].len, 1) < 0)
      _exit(10);
  }
  tn_link(t, 0, 1);
  for (int round = 0; round < 6; round++)
    tn_round(t, 200);
  tn_cut(t, 0, 1);
  ack_held(t->nodes[0], batch, k);
}

static int open_node(struct tnet *t, int i, const char *dir, int nosync, const char *const *scopes)
{
  t->ctx[i] = (struct tn_ctx){t, (uint32_t)i};
  t_identity(&t->who[i], (uint8_t)(0x70 + i));
  struct node_env env = {&t->ctx[i], tn_now, tn_random, tn_send, NULL, tn_log};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = dir;
  cfg.identity = &t->who[i];
  for (; scopes[cfg.n_scopes]; cfg.n_scopes++)
    cfg.scopes[cfg.n_scopes] = scopes[cfg.n_scopes];
  cfg.map_size = 1 << 20; /* small: the map grows during the run too */
  cfg.nosync = nosync;
  cfg.sync_interval_ms = 1000;
  if (i >= t->n)
    t->n = i + 1;
  return node_open(&t->nodes[i], &env, &cfg);
}

int main(int argc, char **argv)
{
  if (argc != 4)
    return 2;
  REQUIRE(crdt_init() == 0);
  const char *dir = argv[1];
  uint64_t seed = strtoull(argv[2], NULL, 10);
  ackfd = atoi(argv[3]);
  struct test_rng r = {seed};
  static struct tnet t;
  t.now_ms = BASE_MS + seed % 1000 * 100000;

  /* Node 0: the one under test, durable, in DIR; node 1: the peer, a
   * scratch store without fsync in DIR.peer (the harness removes it). */
  char peer_dir[400];
  snprintf(peer_dir, sizeof peer_dir, "%s.peer", dir);
  const char *scopes0[] = {"shihua", "changhongli", NULL}, *scopes1[] = {"shihua", NULL};
  /* POWERCUT_NOSYNC=1: a store that does not sync (powercut_test checks
   * that its checker catches the ops such a store loses). */
  const char *ns = getenv("POWERCUT_NOSYNC");
  if (open_node(&t, 0, dir, ns && *ns == '1', scopes0) || open_node(&t, 1, peer_dir, 1, scopes1))
    return 3;

  struct crdt_identity x, y;
  t_identity(&x, 0x7a);
  t_identity(&y, 0x7b);
  char bundle[400];
  snprintf(bundle, sizeof bundle, "%s.bundle", dir);
  for (int step = 0; step < STEPS; step++) {
    t.now_ms += 1000;
    switch (test_below(&r, 4)) {
    case 0:
      write_local(&t, &r);
      break;
    case 1:
      ingest(&t, &r, &x);
      break;
    case 2:
      import_bundle(&t, &r, &y, bundle);
      break;
    default:
      sync_peer(&t, &r);
      break;
    }
  }
  unlink(bundle);
  node_close(t.nodes[0]);
  node_close(t.nodes[1]);
  t_rmdir(peer_dir);
  free(t.q);
  return 0;
}
