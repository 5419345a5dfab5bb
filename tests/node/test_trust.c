/* Trust: hub certificates, per-community write scopes, revocation, held
 * ops of unknown authors, and that every rejection is counted with its
 * reason and leaves the state digest unchanged. Node cores on the
 * in-memory network; node 0 is the hub. */
#include "test_node_util.h"
#include "trust.h"

#define HUB 0
#define A 1 /* shihua */
#define B 2 /* chuanchang */
#define FAR_FUTURE 4102444800000ull /* 2100-01-01 */

static const char *hub_scopes[] = {"qiaokou", "shihua", "chuanchang", NULL};
static const char *a_scopes[] = {"shihua", "qiaokou", NULL};
static const char *b_scopes[] = {"chuanchang", "qiaokou", "shihua", NULL};

static struct tnet t;
static struct crdt_identity hub;

static void import(int node, const uint8_t *op, size_t len)
{
  const uint8_t *ops[1] = {op};
  CHECK_EQ(node_import(t.nodes[node], ops, &len, 1), 1);
}

static void certify(const uint8_t *pk, const char *community)
{
  uint8_t op[CRDT_OP_MAX_BYTES];
  int len = trust_cert_sign(&hub, "qiaokou", CRDT_HLC_MAKE(t.now_ms, 0), pk, community,
                            "community", 0, FAR_FUTURE, op, sizeof op);
  REQUIRE(len > 0);
  import(HUB, op, (size_t)len);
}

/* Sends one signed op to `to` as a PUSH from peer `from`. */
static int push(int from, int to, const struct t_op *o)
{
  uint8_t msg[CRDT_OP_MAX_BYTES + 64];
  const uint8_t *ops[1] = {o->bytes};
  size_t lens[1] = {o->len};
  struct crdt_buf b;
  crdt_buf_init(&b, msg, sizeof msg);
  char scope[CRDT_SCOPE_MAX + 1];
  memcpy(scope, o->op.scope.p, o->op.scope.len);
  scope[o->op.scope.len] = 0;
  REQUIRE(net_ops_write(&b, NET_PUSH, scope, strlen(scope), ops, lens, 1) == 0);
  return node_receive(t.nodes[to], (uint32_t)from, b.p, b.len);
}

static uint64_t rejected(int node, int why)
{
  struct node_status st;
  REQUIRE(node_status(t.nodes[node], &st) == 0);
  return st.rejected_by[linli_err_index(why)];
}

static void digest(int node, uint8_t out[32])
{
  REQUIRE(node_digest(t.nodes[node], NULL, out) == 0);
}

static const uint8_t body[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'x'};

int main(void)
{
  REQUIRE(crdt_init() == 0);
  struct test_rng r = {test_seed(11)};
  t_identity(&hub, 0x01);
  memset(&t, 0, sizeof t);
  t.now_ms = 1583000000000;
  t.hub_pk = hub.pk;
  t.district = "qiaokou";
  tn_open(&t, HUB, hub_scopes);
  tn_open(&t, A, a_scopes);
  tn_open(&t, B, b_scopes);
  /* tn_open made identities 0x60+i; the hub node signs with the hub key. */
  REQUIRE(memcmp(t.who[HUB].pk, hub.pk, 32) != 0);

  /* Without a certificate a node cannot write, and says why. */
  struct node_change c = {NULL, "resident", "r-1", CRDT_SET, body, sizeof body, NULL, 0};
  CHECK_EQ(node_write(t.nodes[A], &c, NULL), LINLI_EPENDING);

  certify(t.who[A].pk, "shihua");
  certify(t.who[B].pk, "chuanchang");
  tn_link(&t, A, HUB);
  tn_link(&t, B, HUB);
  tn_round(&t, 1500);
  CHECK(trust_admits(node_trust(t.nodes[A]), t.who[B].pk, t.now_ms));
  CHECK_EQ(node_write(t.nodes[A], &c, NULL), 0);
  tn_pump(&t, SIZE_MAX);
  /* B may not write A's community, locally or anywhere. */
  struct node_change cb = {"shihua", "resident", "r-2", CRDT_SET, body, sizeof body, NULL, 0};
  CHECK_EQ(node_write(t.nodes[B], &cb, NULL), LINLI_EUNAUTH);

  uint8_t d_hub[32], d_a[32], d2[32];
  digest(HUB, d_hub);
  digest(A, d_a);

  /* The hub's key writing a community record: rejected by every node. */
  struct t_op forged;
  t_sign(&forged, &hub, "shihua", "resident", "r-3", CRDT_HLC_MAKE(t.now_ms, 5), CRDT_SET, body,
         sizeof body, NULL, 0);
  push(B, HUB, &forged);
  push(HUB, A, &forged);
  CHECK_EQ(rejected(HUB, LINLI_EHUBSCOPE), 1);
  CHECK_EQ(rejected(A, LINLI_EHUBSCOPE), 1);
  /* B's key writing A's record, arriving through the hub. */
  struct t_op cross;
  t_sign(&cross, &t.who[B], "shihua", "resident", "r-4", CRDT_HLC_MAKE(t.now_ms, 6), CRDT_SET,
         body, sizeof body, NULL, 0);
  push(B, HUB, &cross);
  push(HUB, A, &cross);
  CHECK_EQ(rejected(HUB, LINLI_EUNAUTH), 1);
  CHECK_EQ(rejected(A, LINLI_EUNAUTH), 1);
  /* A certificate signed by a community key, not the hub's. */
  uint8_t fake[CRDT_OP_MAX_BYTES];
  struct crdt_identity mallory;
  t_identity(&mallory, 0x77);
  int fl = trust_cert_sign(&t.who[A], "qiaokou", CRDT_HLC_MAKE(t.now_ms, 7), mallory.pk, "shihua",
                           "community", 0, FAR_FUTURE, fake, sizeof fake);
  REQUIRE(fl > 0);
  struct t_op fake_op;
  memcpy(fake_op.bytes, fake, (size_t)fl);
  fake_op.len = (size_t)fl;
  t_reopen(&fake_op);
  push(A, HUB, &fake_op);
  CHECK_EQ(rejected(HUB, LINLI_EUNAUTH), 2);
  CHECK(!trust_admits(node_trust(t.nodes[HUB]), mallory.pk, t.now_ms));
  /* None of that changed any state. */
  digest(HUB, d2);
  CHECK_MEM(d_hub, d2, 32);
  digest(A, d2);
  CHECK_MEM(d_a, d2, 32);

  /* Unknown author: held, then stored once its certificate arrives. */
  struct crdt_identity carol, dave;
  t_identity(&carol, 0xc0);
  t_identity(&dave, 0xd0);
  struct t_op early, lost;
  t_sign(&early, &carol, "shihua", "resident", "r-5", CRDT_HLC_MAKE(t.now_ms, 8), CRDT_SET, body,
         sizeof body, NULL, 0);
  t_sign(&lost, &dave, "shihua", "resident", "r-6", CRDT_HLC_MAKE(t.now_ms, 9), CRDT_SET, body,
         sizeof body, NULL, 0);
  push(HUB, A, &early);
  push(HUB, A, &lost);
  struct node_status st;
  node_status(t.nodes[A], &st);
  CHECK_EQ(st.held, 2);
  uint64_t ops_before = st.ops;
  certify(carol.pk, "shihua");
  tn_pump(&t, SIZE_MAX);
  node_status(t.nodes[A], &st);
  CHECK_EQ(st.held, 1);
  CHECK_EQ(st.ops, ops_before + 2); /* carol's cert and carol's op */
  /* Dave never gets one: rejected with a reason once the hold runs out. */
  t.now_ms += 6000;
  node_tick(t.nodes[A]);
  node_status(t.nodes[A], &st);
  CHECK_EQ(st.held, 0);
  CHECK_EQ(rejected(A, LINLI_EUNKNOWN), 1);

  /* Revocation: A is cut off, writes (accepted locally: it has not heard);
   * the hub revokes A from a time before those writes; after the heal the
   * later ops are gone everywhere and the earlier ones stay. */
  tn_round(&t, 1500);
  REQUIRE(node_status(t.nodes[A], &st) == 0);
  tn_cut(&t, A, HUB);
  uint64_t revoke_at = t.now_ms + 10;
  t.now_ms += 100;
  for (int i = 0; i < 5; i++) {
    struct node_change w = {NULL, "resident", "r-7", CRDT_SET, body, sizeof body, NULL, 0};
    CHECK_EQ(node_write(t.nodes[A], &w, NULL), 0);
  }
  uint8_t rev[CRDT_OP_MAX_BYTES];
  int rl = trust_revoke_sign(&hub, "qiaokou", CRDT_HLC_MAKE(t.now_ms, 0), t.who[A].pk, revoke_at,
                             "laptop stolen", rev, sizeof rev);
  REQUIRE(rl > 0);
  import(HUB, rev, (size_t)rl);
  tn_link(&t, A, HUB);
  for (int i = 0; i < 3; i++)
    tn_round(&t, 1500);
  node_status(t.nodes[A], &st);
  CHECK_EQ(st.purged, 5);
  CHECK(rejected(HUB, LINLI_EREVOKED) >= 1);
  uint8_t da[32], dh[32], db[32];
  REQUIRE(node_digest(t.nodes[A], "shihua", da) == 0);
  REQUIRE(node_digest(t.nodes[HUB], "shihua", dh) == 0);
  REQUIRE(node_digest(t.nodes[B], "shihua", db) == 0);
  CHECK_MEM(da, dh, 32);
  CHECK_MEM(db, dh, 32);
  /* A's earlier write (r-1) survived. */
  node_status(t.nodes[HUB], &st);
  struct node_change again = {NULL, "resident", "r-8", CRDT_SET, body, sizeof body, NULL, 0};
  CHECK_EQ(node_write(t.nodes[A], &again, NULL), LINLI_EREVOKED);
  CHECK(!trust_admits(node_trust(t.nodes[HUB]), t.who[A].pk, t.now_ms));
  (void)r;
  tn_close(&t);
  return test_done("test_trust");
}
