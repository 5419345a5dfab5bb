/* Held ops are durable wherever they are held (issue 21, items 1 and 4;
 * issue 16, item 3):
 *  - an op whose author's certificate has not arrived is kept in the store,
 *    across a close and an abandon (kill -9), and is stored the moment the
 *    certificate is: by a peer, by a bundle, by a single import (the CLI's
 *    import-cert), by the hub's own write; a bundle holding the op before
 *    the certificate ends with both stored; past hold_ms it is rejected as
 *    LINLI_EUNKNOWN, also when that time passed while the node was closed;
 *  - a crash cut right after the certificate's commit, before the release,
 *    is repaired at the next open;
 *  - an op stamped far ahead of the clock is held, not applied, and moves
 *    no node's clock; it is applied when the clock comes within ahead_ms;
 *  - a revocation whose commit is cut leaves no op it revokes behind: the
 *    purge is in the same transaction, and the node converges after its
 *    restart. */
#include "test_node_util.h"
#include "trust.h"

#define HUB 0
#define A 1
#define FAR_FUTURE 4102444800000ull /* 2100-01-01 */
#define T0 1583000000000ull

static const char *hub_scopes[] = {"qiaokou", "shihua", NULL};
static const char *a_scopes[] = {"shihua", "qiaokou", NULL};

static struct tnet t;
static struct crdt_identity hub;
static const uint8_t body[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'x'};

static void net_init(int trust)
{
  memset(&t, 0, sizeof t);
  t.now_ms = T0;
  if (trust) {
    t.hub_pk = hub.pk;
    t.district = "qiaokou";
  }
}

static void net_close(void)
{
  tn_close(&t);
}

static size_t cert(uint8_t *out, const uint8_t *pk)
{
  int len = trust_cert_sign(&hub, "qiaokou", CRDT_HLC_MAKE(t.now_ms, 1), pk, "shihua",
                            "community", 0, FAR_FUTURE, out, CRDT_OP_MAX_BYTES);
  REQUIRE(len > 0);
  return (size_t)len;
}

static void op_by(struct t_op *o, const struct crdt_identity *who, const char *key, uint64_t ms)
{
  t_sign(o, who, "shihua", "resident", key, CRDT_HLC_MAKE(ms, 0), CRDT_SET, body, sizeof body,
         NULL, 0);
}

static int import1(int node, const uint8_t *op, size_t len)
{
  return node_import_one(t.nodes[node], op, len);
}

static struct node_status status(int node)
{
  struct node_status st;
  REQUIRE(node_status(t.nodes[node], &st) == 0);
  return st;
}

static int state(int node, const struct t_op *o)
{
  return node_op_state(t.nodes[node], o->bytes, o->len);
}

/* The CLI with linlid stopped: the node opened, one bundle imported,
 * closed; the next bundle brings the certificate. */
static void test_bundles_daemon_stopped(void)
{
  net_init(1);
  struct crdt_identity carol, dave;
  t_identity(&carol, 0xc1);
  t_identity(&dave, 0xd1);
  tn_open(&t, A, a_scopes);
  struct t_op early, d1, d2;
  op_by(&early, &carol, "r-1", t.now_ms);
  CHECK_EQ(import1(A, early.bytes, early.len), LINLI_EPENDING);
  CHECK_EQ(state(A, &early), LINLI_EPENDING);
  node_close(t.nodes[A]);
  tn_reopen(&t, A, a_scopes);
  CHECK_EQ(status(A).held, 1);
  CHECK_EQ(state(A, &early), LINLI_EPENDING);
  uint8_t c[CRDT_OP_MAX_BYTES];
  size_t cl = cert(c, carol.pk);
  CHECK_EQ(import1(A, c, cl), 1);
  CHECK_EQ(state(A, &early), 1); /* released the moment the certificate was stored */
  CHECK_EQ(status(A).held, 0);
  node_close(t.nodes[A]);
  tn_reopen(&t, A, a_scopes);
  CHECK_EQ(state(A, &early), 1);

  /* One bundle: two of dave's ops, then his certificate. Each op's fate
   * as it was imported, then its final state. */
  op_by(&d1, &dave, "r-2", t.now_ms);
  op_by(&d2, &dave, "r-3", t.now_ms + 1);
  size_t dl = cert(c, dave.pk);
  const uint8_t *ops[3] = {d1.bytes, d2.bytes, c};
  size_t lens[3] = {d1.len, d2.len, dl};
  int what[3];
  /* 1: the certificate; the ops it released are stored by it */
  CHECK_EQ(node_import_each(t.nodes[A], ops, lens, 3, what), 1);
  CHECK_EQ(what[0], LINLI_EPENDING);
  CHECK_EQ(what[1], LINLI_EPENDING);
  CHECK_EQ(what[2], 1);
  CHECK_EQ(state(A, &d1), 1);
  CHECK_EQ(state(A, &d2), 1);
  CHECK_EQ(status(A).held, 0);
  net_close();
}

/* Past hold_ms, also while the node was closed: rejected as unknown. */
static void test_expiry_across_restart(void)
{
  net_init(1);
  struct crdt_identity erin;
  t_identity(&erin, 0xe1);
  tn_open(&t, A, a_scopes);
  struct t_op o;
  op_by(&o, &erin, "r-1", t.now_ms);
  CHECK_EQ(import1(A, o.bytes, o.len), LINLI_EPENDING);
  node_close(t.nodes[A]);
  t.now_ms += 4000; /* hold_ms is 5000 (tn_reopen) */
  tn_reopen(&t, A, a_scopes);
  CHECK_EQ(status(A).held, 1);
  node_close(t.nodes[A]);
  t.now_ms += 2000;
  tn_reopen(&t, A, a_scopes);
  struct node_status st = status(A);
  CHECK_EQ(st.held, 0);
  CHECK_EQ(st.rejected_by[linli_err_index(LINLI_EUNKNOWN)], 1);
  CHECK_EQ(state(A, &o), LINLI_ENOTFOUND);
  /* and while running: at a tick */
  op_by(&o, &erin, "r-2", t.now_ms);
  CHECK_EQ(import1(A, o.bytes, o.len), LINLI_EPENDING);
  t.now_ms += 4999;
  node_tick(t.nodes[A]);
  CHECK_EQ(status(A).held, 1);
  t.now_ms += 1;
  node_tick(t.nodes[A]);
  CHECK_EQ(status(A).held, 0);
  CHECK_EQ(status(A).rejected_by[linli_err_index(LINLI_EUNKNOWN)], 2);
  net_close();
}

/* The certificate by a peer (socket), and by the hub's own write. */
static void test_peer_and_local_write(void)
{
  net_init(1);
  struct crdt_identity fay, gus;
  t_identity(&fay, 0xf1);
  t_identity(&gus, 0xa7);
  t.as[HUB] = &hub; /* the hub node signs with the district's key */
  tn_open(&t, HUB, hub_scopes);
  tn_open(&t, A, a_scopes);
  struct t_op f1, g1;
  op_by(&f1, &fay, "r-1", t.now_ms);
  op_by(&g1, &gus, "r-2", t.now_ms);
  CHECK_EQ(import1(A, f1.bytes, f1.len), LINLI_EPENDING);
  CHECK_EQ(import1(HUB, g1.bytes, g1.len), LINLI_EPENDING);
  node_close(t.nodes[A]); /* held across a restart, then linked */
  tn_reopen(&t, A, a_scopes);
  tn_link(&t, A, HUB);
  tn_round(&t, 100);
  /* fay's certificate reaches A through the hub, by the socket path */
  uint8_t c[CRDT_OP_MAX_BYTES];
  size_t cl = cert(c, fay.pk);
  CHECK_EQ(import1(HUB, c, cl), 1);
  tn_round(&t, 100);
  CHECK_EQ(state(A, &f1), 1);
  CHECK_EQ(status(A).held, 0);
  /* the hub writes gus's certificate itself: its held op goes in */
  uint8_t cb[256], hex[TRUST_KEYHEX_BYTES + 1];
  struct crdt_buf b;
  crdt_buf_init(&b, cb, sizeof cb);
  crdt_w_map(&b, 4);
  crdt_w_cstr(&b, "community");
  crdt_w_cstr(&b, "shihua");
  crdt_w_cstr(&b, "not_after");
  crdt_w_uint(&b, FAR_FUTURE);
  crdt_w_cstr(&b, "not_before");
  crdt_w_uint(&b, 0);
  crdt_w_cstr(&b, "role");
  crdt_w_cstr(&b, "community");
  REQUIRE(crdt_buf_err(&b) == 0);
  for (int i = 0; i < CRDT_PK_BYTES; i++)
    snprintf((char *)hex + 2 * i, 3, "%02x", gus.pk[i]);
  struct node_change w = {"qiaokou", TRUST_CERT, (const char *)hex, CRDT_SET, cb, b.len, NULL, 0};
  CHECK_EQ(node_write(t.nodes[HUB], &w, NULL), 0);
  CHECK_EQ(state(HUB, &g1), 1);
  tn_round(&t, 100);
  tn_round(&t, 1000);
  CHECK_EQ(state(A, &g1), 1);
  uint8_t da[32], dh[32];
  REQUIRE(node_digest(t.nodes[A], "shihua", da) == 0);
  REQUIRE(node_digest(t.nodes[HUB], "shihua", dh) == 0);
  CHECK_MEM(da, dh, 32);
  net_close();
}

/* The crash seam: the k-th commit from now cut (or lost). */
struct seam {
  int armed, what;
  int cut; /* the commit it acted on */
};

static int seam_fn(void *arg)
{
  struct seam *s = arg;
  if (!s->armed || --s->armed)
    return STORE_COMMIT_GO;
  s->cut = 1;
  return s->what;
}

/* A crash right after the certificate's commit, before its held op was
 * released: the next open releases it. A crash that lost the commit: the
 * op is still held, and the certificate imported again releases it. */
static void test_crash_before_release(void)
{
  static const int modes[] = {STORE_COMMIT_CUT, STORE_COMMIT_LOSE};
  for (int m = 0; m < 2; m++) {
    net_init(1);
    struct seam sm = {0, modes[m], 0};
    t.commit_fault[A] = seam_fn;
    t.commit_fault_arg[A] = &sm;
    struct crdt_identity hal;
    t_identity(&hal, (uint8_t)(0xb1 + m));
    tn_open(&t, A, a_scopes);
    struct t_op h1;
    op_by(&h1, &hal, "r-1", t.now_ms);
    CHECK_EQ(import1(A, h1.bytes, h1.len), LINLI_EPENDING);
    uint8_t c[CRDT_OP_MAX_BYTES];
    size_t cl = cert(c, hal.pk);
    sm.armed = 1; /* the certificate's commit */
    CHECK_EQ(import1(A, c, cl), LINLI_EIO);
    CHECK(sm.cut);
    CHECK(store_dead(node_store(t.nodes[A])));
    tn_kill(&t, A);
    sm.armed = 0;
    tn_reopen(&t, A, a_scopes);
    if (modes[m] == STORE_COMMIT_CUT) {
      CHECK_EQ(state(A, &h1), 1);
    } else {
      CHECK_EQ(state(A, &h1), LINLI_EPENDING);
      CHECK_EQ(import1(A, c, cl), 1);
      CHECK_EQ(state(A, &h1), 1);
    }
    CHECK_EQ(status(A).held, 0);
    net_close();
  }
}

/* Far-future stamps: held, no clock moves, applied once the clock is
 * within ahead_ms; within the bound the receive rule; past max_drift
 * refused. Two nodes without trust, A linked to B. */
static void test_clock(void)
{
  net_init(0);
  t.ahead_ms = 60000;
  t.max_drift_ms = 600000;
  struct crdt_identity ivy;
  t_identity(&ivy, 0x99);
  static const char *scopes[] = {"shihua", NULL};
  tn_open(&t, 0, scopes);
  tn_open(&t, A, scopes);
  tn_link(&t, A, 0);
  tn_round(&t, 100);
  uint64_t c0 = status(0).hlc, ca = status(A).hlc;
  struct t_op far, near, beyond;
  op_by(&far, &ivy, "r-far", t.now_ms + 5 * 60000);
  op_by(&near, &ivy, "r-near", t.now_ms + 30000);
  op_by(&beyond, &ivy, "r-beyond", t.now_ms + 11 * 60000);
  CHECK_EQ(import1(A, far.bytes, far.len), LINLI_EPENDING);
  CHECK_EQ(import1(A, beyond.bytes, beyond.len), LINLI_ECLOCK);
  tn_round(&t, 100);
  CHECK_EQ(status(A).hlc, ca); /* held: no clock moved */
  CHECK_EQ(status(0).hlc, c0);
  CHECK_EQ(state(0, &far), LINLI_ENOTFOUND);
  /* held across a restart too */
  node_close(t.nodes[A]);
  t.linked[A][0] = t.linked[0][A] = 0;
  node_peer_down(t.nodes[0], A);
  tn_reopen(&t, A, scopes);
  tn_link(&t, A, 0);
  CHECK_EQ(status(A).held, 1);
  /* within the bound: applied at once, the clock moves to it */
  CHECK_EQ(import1(A, near.bytes, near.len), 1);
  CHECK_EQ(status(A).hlc, near.op.hlc);
  /* 4 minutes later the far op is still 61 s ahead: held */
  t.now_ms += 4 * 60000 - 1100;
  tn_round(&t, 100);
  CHECK_EQ(state(A, &far), LINLI_EPENDING);
  tn_round(&t, 1000); /* now within 60 s of it */
  CHECK_EQ(state(A, &far), 1);
  tn_round(&t, 100);
  CHECK_EQ(state(0, &far), 1);
  CHECK(CRDT_HLC_MS(status(A).hlc) <= t.now_ms + 60000);
  CHECK(CRDT_HLC_MS(status(0).hlc) <= t.now_ms + 60000);
  CHECK_EQ(status(A).held, 0);
  net_close();
}

/* A revocation's commit cut by a crash: after the restart the node holds
 * none of the revoked ops and converges with the hub. */
static void test_revocation_cut(void)
{
  net_init(1);
  struct seam sm = {0, STORE_COMMIT_CUT, 0};
  t.commit_fault[A] = seam_fn;
  t.commit_fault_arg[A] = &sm;
  tn_open(&t, HUB, hub_scopes);
  tn_open(&t, A, a_scopes);
  uint8_t c[CRDT_OP_MAX_BYTES];
  size_t cl = cert(c, t.who[A].pk);
  CHECK_EQ(import1(HUB, c, cl), 1);
  CHECK_EQ(import1(A, c, cl), 1);
  tn_link(&t, A, HUB);
  tn_round(&t, 1500);
  struct node_change w0 = {NULL, "resident", "r-0", CRDT_SET, body, sizeof body, NULL, 0};
  CHECK_EQ(node_write(t.nodes[A], &w0, NULL), 0);
  tn_round(&t, 1500);
  tn_cut(&t, A, HUB);
  uint64_t revoke_at = t.now_ms + 10;
  t.now_ms += 100;
  for (int i = 0; i < 5; i++) {
    struct node_change w = {NULL, "resident", "r-7", CRDT_SET, body, sizeof body, NULL, 0};
    CHECK_EQ(node_write(t.nodes[A], &w, NULL), 0);
  }
  uint64_t ops_before = status(A).ops;
  uint8_t rev[CRDT_OP_MAX_BYTES];
  int rl = trust_revoke_sign(&hub, "qiaokou", CRDT_HLC_MAKE(t.now_ms, 0), t.who[A].pk, revoke_at,
                             "laptop stolen", rev, sizeof rev);
  REQUIRE(rl > 0);
  CHECK_EQ(import1(HUB, rev, (size_t)rl), 1);
  /* A gets the revocation (a USB stick) and dies right after its commit */
  sm.armed = 1;
  CHECK_EQ(import1(A, rev, (size_t)rl), LINLI_EIO);
  CHECK(sm.cut);
  tn_kill(&t, A);
  sm.armed = 0;
  tn_reopen(&t, A, a_scopes);
  /* the revocation and its purge, both or neither: both */
  CHECK_EQ(status(A).ops, ops_before + 1 - 5);
  tn_link(&t, A, HUB);
  for (int i = 0; i < 3; i++)
    tn_round(&t, 1500);
  uint8_t da[32], dh[32];
  REQUIRE(node_digest(t.nodes[A], "shihua", da) == 0);
  REQUIRE(node_digest(t.nodes[HUB], "shihua", dh) == 0);
  CHECK_MEM(da, dh, 32);
  CHECK_EQ(status(A).ops, status(HUB).ops);
  net_close();
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&hub, 0x01);
  test_bundles_daemon_stopped();
  test_expiry_across_restart();
  test_peer_and_local_write();
  test_crash_before_release();
  test_clock();
  test_revocation_cut();
  return test_done("test_held");
}
