/* The node core, several in one process on an in-memory network: writes on
 * every node converge (two nodes; a hub and four communities in a star plus
 * one direct link), eager push without reconciliation, a partition healed,
 * bad input from a peer rejected and counted without changing state, the
 * inbox with verify threads and with the simulator's seeded pool, log
 * lines limited per class with a count of what was suppressed, and a node
 * holding NODE_SCOPES_MAX scopes syncing the few it shares with a peer. */
#include "test_node_util.h"

static const char *shihua[] = {"shihua", NULL};

static int converged(struct tnet *t, int from, int to, const char *scope)
{
  uint8_t d0[32], d[32];
  uint64_t n0 = 0, n = 0;
  struct node_status st;
  REQUIRE(node_digest(t->nodes[from], scope, d0) == 0);
  REQUIRE(node_status(t->nodes[from], &st) == 0);
  n0 = st.ops;
  for (int i = from + 1; i < to; i++) {
    REQUIRE(node_digest(t->nodes[i], scope, d) == 0);
    REQUIRE(node_status(t->nodes[i], &st) == 0);
    n = st.ops;
    if (memcmp(d, d0, 32) || n != n0) {
      fprintf(stderr, "node %d: %llu ops vs node %d: %llu\n", i, (unsigned long long)n, from,
              (unsigned long long)n0);
      return 0;
    }
  }
  return 1;
}

static void test_two(struct test_rng *r)
{
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  tn_open(&t, 0, shihua);
  tn_open(&t, 1, shihua);
  for (int i = 0; i < 300; i++)
    tn_write(&t, i % 2, r, NULL);
  CHECK(!converged(&t, 0, 2, "shihua"));
  tn_link(&t, 0, 1);
  tn_pump(&t, SIZE_MAX);
  CHECK(converged(&t, 0, 2, "shihua"));
  struct node_status st;
  node_status(t.nodes[1], &st);
  CHECK_EQ(st.ops, 300);
  struct node_peer_status ps;
  CHECK_EQ(node_peer_status(t.nodes[0], 1, &ps), 0);
  CHECK(ps.last_sync_ms > 0);
  CHECK_EQ(ps.ops_in, 150);
  CHECK_EQ(ps.ops_out, 150);
  printf("two nodes: 300 ops converged in %llu messages, %llu bytes\n",
         (unsigned long long)t.delivered, (unsigned long long)t.bytes);
  tn_close(&t);
}

static void test_star(struct test_rng *r)
{
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  for (int i = 0; i < 5; i++)
    tn_open(&t, i, shihua);
  for (int i = 0; i < 500; i++)
    tn_write(&t, (int)test_below(r, 5), r, NULL);
  /* node 0 is the hub; 3 and 4 also talk directly */
  for (int i = 1; i < 5; i++)
    tn_link(&t, i, 0);
  tn_link(&t, 3, 4);
  for (int round = 0; round < 3; round++)
    tn_round(&t, 1500);
  CHECK(converged(&t, 0, 5, "shihua"));

  /* New writes travel by push alone, through the hub, within one pump. */
  uint64_t before = t.delivered;
  for (int i = 0; i < 10; i++)
    tn_write(&t, 1 + (int)test_below(r, 4), r, NULL);
  tn_pump(&t, SIZE_MAX);
  CHECK(converged(&t, 0, 5, "shihua"));
  printf("star: pushed 10 ops in %llu messages\n", (unsigned long long)(t.delivered - before));

  /* Partition: 4 is cut off from everyone, both sides write, then heal. */
  tn_cut(&t, 4, 0);
  tn_cut(&t, 3, 4);
  for (int i = 0; i < 40; i++)
    tn_write(&t, (int)test_below(r, 5), r, NULL);
  tn_round(&t, 1500);
  CHECK(!converged(&t, 0, 5, "shihua"));
  CHECK(converged(&t, 0, 4, "shihua"));
  tn_link(&t, 4, 0);
  tn_round(&t, 1500);
  CHECK(converged(&t, 0, 5, "shihua"));
  tn_close(&t);
}

static void test_bad_input(struct test_rng *r)
{
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  tn_open(&t, 0, shihua);
  tn_open(&t, 1, shihua);
  for (int i = 0; i < 20; i++)
    tn_write(&t, 0, r, NULL);
  tn_link(&t, 1, 0);
  tn_pump(&t, SIZE_MAX);
  REQUIRE(converged(&t, 0, 2, "shihua"));
  uint8_t d0[32], d1[32];
  node_digest(t.nodes[0], NULL, d0);
  struct node_status st0, st1;
  node_status(t.nodes[0], &st0);

  /* Garbage, truncation, an oversized message, trailing bytes. */
  uint8_t junk[64];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (uint8_t)test_rand(r);
  CHECK(node_receive(t.nodes[0], 1, junk, sizeof junk) < 0);
  uint8_t huge_hdr[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
  CHECK(node_receive(t.nodes[0], 1, huge_hdr, sizeof huge_hdr) < 0);
  uint8_t *big = calloc(1, NET_MSG_MAX + 10);
  CHECK(node_receive(t.nodes[0], 1, big, NET_MSG_MAX + 10) < 0);
  free(big);

  /* An OPS message with one good op, one wrongly signed, one out of scope. */
  struct t_op good, bad, other;
  uint8_t body[] = {0x81, 0xa1, 'x', 0x01};
  t_sign(&good, &t.who[1], "shihua", "resident", "r-9", CRDT_HLC_MAKE(t.now_ms, 0), CRDT_SET,
         body, sizeof body, NULL, 0);
  t_sign(&bad, &t.who[1], "shihua", "resident", "r-8", CRDT_HLC_MAKE(t.now_ms, 1), CRDT_SET,
         body, sizeof body, NULL, 0);
  bad.bytes[bad.len - 1] ^= 1; /* last byte of the signature */
  t_sign(&other, &t.who[1], "chuanchang", "resident", "r-7", CRDT_HLC_MAKE(t.now_ms, 2),
         CRDT_SET, body, sizeof body, NULL, 0);
  const uint8_t *ops[3] = {bad.bytes, good.bytes, other.bytes};
  size_t lens[3] = {bad.len, good.len, other.len};
  uint8_t msg[4096];
  struct crdt_buf b;
  crdt_buf_init(&b, msg, sizeof msg);
  REQUIRE(net_ops_write(&b, NET_PUSH, "shihua", 6, ops, lens, 3) == 0);
  CHECK_EQ(node_receive(t.nodes[0], 1, b.p, b.len), 0);
  node_status(t.nodes[0], &st1);
  CHECK_EQ(st1.ops, st0.ops + 1);              /* the good one */
  CHECK_EQ(st1.rejected, st0.rejected + 2);    /* bad signature, wrong scope */
  CHECK_EQ(st1.malformed_msgs, st0.malformed_msgs + 3);
  /* A message for a scope the node does not hold changes nothing. */
  crdt_buf_init(&b, msg, sizeof msg);
  REQUIRE(net_ops_write(&b, NET_PUSH, "chuanchang", 10, &ops[2], &lens[2], 1) == 0);
  CHECK(node_receive(t.nodes[0], 1, b.p, b.len) < 0);
  node_status(t.nodes[0], &st0);
  CHECK_EQ(st0.ops, st1.ops);
  /* The node keeps syncing afterwards. */
  tn_write(&t, 1, r, NULL);
  tn_round(&t, 1500); /* reconciliation brings node 1 the op it never had */
  CHECK(converged(&t, 0, 2, "shihua"));
  node_digest(t.nodes[0], NULL, d1);
  CHECK(memcmp(d0, d1, 32) != 0); /* the good ops did land */
  tn_close(&t);
}

/* linlid's way (verify_threads): received ops wait in the inbox and are
 * stored together; a chain 0 - 1 - 2 with the batching node in the middle
 * converges, by reconciliation from 0 and by push (more than one PUSH
 * message's worth) on to 2, and nothing waits once the node is asked. */
static void test_inbox(struct test_rng *r, int seeded)
{
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  t.verify_threads[1] = !seeded;
  t.verify_seeded[1] = seeded;
  for (int i = 0; i < 3; i++)
    tn_open(&t, i, shihua);
  for (int i = 0; i < 3000; i++)
    tn_write(&t, 0, r, NULL);
  for (int i = 0; i < 20; i++)
    tn_write(&t, 2, r, NULL);
  tn_link(&t, 1, 2);
  tn_pump(&t, SIZE_MAX);
  tn_link(&t, 1, 0);
  tn_pump(&t, SIZE_MAX);
  for (int i = 0; i < 4 && !converged(&t, 0, 3, "shihua"); i++)
    tn_round(&t, 2000);
  CHECK(converged(&t, 0, 3, "shihua"));
  struct node_status st;
  node_status(t.nodes[2], &st);
  CHECK_EQ(st.ops, 3020);
  /* Writes on 0 now reach 2 through 1's inbox. */
  for (int i = 0; i < 5; i++)
    tn_write(&t, 0, r, NULL);
  tn_pump(&t, SIZE_MAX);
  CHECK_EQ(node_flush(t.nodes[1]), 0);
  tn_pump(&t, SIZE_MAX);
  node_status(t.nodes[2], &st);
  CHECK_EQ(st.ops, 3025);
  tn_close(&t);
}

struct log_count {
  int bad, reject, summary;
  unsigned long long suppressed;
};

static void count_line(void *arg, int node, const char *line)
{
  struct log_count *c = arg;
  unsigned long long n;
  if (node != 0)
    return;
  c->bad += strncmp(line, "bad message ", 12) == 0;
  c->reject += strncmp(line, "reject op=", 10) == 0;
  if (sscanf(line, "log suppressed class=bad_message lines=%llu", &n) == 1) {
    c->summary++;
    c->suppressed += n;
  }
}

/* 1,000 malformed messages at once: NODE_LOG_BURST lines of them, the
 * rest counted; a rejected op still logs (its own class); once the class
 * may log again the count is told, at a tick or before its next line. */
static void test_log_limits(struct test_rng *r)
{
  struct tnet t;
  struct log_count c = {0, 0, 0, 0};
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  t.on_log = count_line;
  t.on_log_arg = &c;
  tn_open(&t, 0, shihua);
  tn_open(&t, 1, shihua);
  tn_link(&t, 1, 0);
  tn_pump(&t, SIZE_MAX);
  uint8_t junk[32];
  for (int i = 0; i < 1000; i++) {
    for (size_t k = 0; k < sizeof junk; k++)
      junk[k] = (uint8_t)test_rand(r);
    junk[0] = 0xc1; /* never a msgpack type byte: always malformed */
    CHECK(node_receive(t.nodes[0], 1, junk, sizeof junk) < 0);
  }
  CHECK_EQ(c.bad, NODE_LOG_BURST);
  CHECK_EQ(c.summary, 0);
  struct node_status st;
  node_status(t.nodes[0], &st);
  CHECK_EQ(st.malformed_msgs, 1000); /* every one counted */
  struct t_op bad;
  uint8_t body[] = {0x81, 0xa1, 'x', 0x01}, msg[4096];
  t_sign(&bad, &t.who[1], "shihua", "resident", "r-8", CRDT_HLC_MAKE(t.now_ms, 1), CRDT_SET,
         body, sizeof body, NULL, 0);
  bad.bytes[bad.len - 1] ^= 1;
  const uint8_t *ops[1] = {bad.bytes};
  size_t lens[1] = {bad.len};
  struct crdt_buf b;
  crdt_buf_init(&b, msg, sizeof msg);
  REQUIRE(net_ops_write(&b, NET_PUSH, "shihua", 6, ops, lens, 1) == 0);
  CHECK_EQ(node_receive(t.nodes[0], 1, b.p, b.len), 0);
  CHECK_EQ(c.reject, 1);
  t.now_ms += 1000; /* room for two lines: the tick tells the count */
  node_tick(t.nodes[0]);
  CHECK_EQ(c.summary, 1);
  CHECK_EQ(c.suppressed, 1000 - NODE_LOG_BURST);
  CHECK(node_receive(t.nodes[0], 1, junk, sizeof junk) < 0);
  CHECK_EQ(c.bad, NODE_LOG_BURST + 1);
  CHECK_EQ(c.summary, 1);
  tn_close(&t);
}

/* A hub of NODE_SCOPES_MAX scopes and a community of three of them (the
 * first, one in the middle, the last): both ways of a link, only the shared
 * scopes reconcile; a scope given twice, or one too many, is refused. */
static int same_scope(struct tnet *t, const char *scope)
{
  uint8_t a[32], b[32];
  uint64_t ca = 0, cb = 0;
  uint8_t sa[STORE_FP_SUM_BYTES], sb[STORE_FP_SUM_BYTES];
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  REQUIRE(node_digest(t->nodes[0], scope, a) == 0 && node_digest(t->nodes[1], scope, b) == 0);
  REQUIRE(store_range_fp(node_store(t->nodes[0]), scope, &lo, &hi, &ca, sa) == 0);
  REQUIRE(store_range_fp(node_store(t->nodes[1]), scope, &lo, &hi, &cb, sb) == 0);
  return ca == cb && ca > 0 && memcmp(a, b, 32) == 0 && memcmp(sa, sb, sizeof sa) == 0;
}

static void test_many_scopes(struct test_rng *r)
{
  static char names[NODE_SCOPES_MAX][8];
  static const char *all[NODE_SCOPES_MAX + 2];
  for (int i = 0; i < NODE_SCOPES_MAX; i++) {
    snprintf(names[i], sizeof names[i], "s%04d", i);
    all[i] = names[i];
  }
  const char *few[] = {names[NODE_SCOPES_MAX - 1], names[2048], names[0], NULL};
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  all[NODE_SCOPES_MAX] = NULL;
  tn_open(&t, 0, all);
  tn_open(&t, 1, few);
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 5; i++) {
      tn_write(&t, 1, r, few[k]);
      tn_write(&t, 0, r, few[k]);
    }
  tn_write(&t, 0, r, names[7]); /* not shared: stays on the hub */
  tn_link(&t, 0, 1); /* the hub dials */
  tn_round(&t, 10);
  for (int k = 0; k < 3; k++)
    CHECK(same_scope(&t, few[k]));
  struct node_status st;
  node_status(t.nodes[1], &st);
  CHECK_EQ(st.ops, 30);
  node_status(t.nodes[0], &st);
  CHECK_EQ(st.ops, 31);
  tn_write(&t, 1, r, names[2048]); /* pushed at once */
  tn_pump(&t, SIZE_MAX);
  CHECK(same_scope(&t, names[2048]));
  node_status(t.nodes[0], &st);
  CHECK_EQ(st.ops, 32);
  tn_close(&t);

  struct node *n = NULL;
  struct crdt_identity who;
  t_identity(&who, 0x44);
  struct node_env env = {NULL, tn_now, tn_random, tn_send, NULL, NULL};
  struct node_config cfg;
  char dir[64];
  t_tmpdir(dir, sizeof dir, "scopes");
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = dir;
  cfg.identity = &who;
  cfg.nosync = 1;
  cfg.scopes[0] = "shihua";
  cfg.scopes[1] = "qiaokou";
  cfg.scopes[2] = "shihua";
  cfg.n_scopes = 3;
  CHECK_EQ(node_open(&n, &env, &cfg), LINLI_EEXIST);
  cfg.n_scopes = NODE_SCOPES_MAX + 1;
  CHECK_EQ(node_open(&n, &env, &cfg), LINLI_EINVAL);
  CHECK(n == NULL);
  t_rmdir(dir);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  struct test_rng r = {test_seed(5)};
  test_two(&r);
  test_star(&r);
  test_bad_input(&r);
  test_inbox(&r, 0);
  test_inbox(&r, 1);
  test_log_limits(&r);
  test_many_scopes(&r);
  return test_done("test_node");
}
