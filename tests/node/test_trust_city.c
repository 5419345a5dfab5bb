/* Trust with a city above the districts (trust.h, trust_set_city): on the
 * city node a district hub's key writes its own district scope only, and
 * only hub collections; nobody else writes a district scope there; on the
 * hubs and communities the city key writes the city scope only. Every
 * verdict on real signed ops. */
#include "test_node_util.h"
#include "domain.h"
#include "trust.h"

#define FAR_FUTURE 4102444800000ull /* 2100-01-01 */
#define NOW 1583000000000ull

static const uint8_t body[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'x'};
static struct crdt_identity city, hub_q, hub_j, comm, other;
static uint32_t seq;

/* The verdict of t on an op `who` signs in scope/coll now. */
static int verdict(const struct trust *t, const struct crdt_identity *who, const char *scope,
                   const char *coll)
{
  struct t_op o;
  t_sign(&o, who, scope, coll, "k-1", CRDT_HLC_MAKE(NOW, ++seq), CRDT_SET, body, sizeof body,
         NULL, 0);
  return trust_check(t, &o.op);
}

/* Signs a certificate (or, with role NULL, a revocation from NOW + 1 s)
 * into o. */
static void cert(struct t_op *o, const struct crdt_identity *by, const char *scope,
                 const uint8_t *pk, const char *community, const char *role)
{
  int len = role ? trust_cert_sign(by, scope, CRDT_HLC_MAKE(NOW, ++seq), pk, community, role, 0,
                                   FAR_FUTURE, o->bytes, sizeof o->bytes)
                 : trust_revoke_sign(by, scope, CRDT_HLC_MAKE(NOW, ++seq), pk, NOW + 1000,
                                     "test", o->bytes, sizeof o->bytes);
  REQUIRE(len > 0);
  o->len = (size_t)len;
  REQUIRE(crdt_op_decode(&o->op, o->bytes, o->len) == 0);
}

static void city_node(void)
{
  struct trust *t;
  struct t_op c;
  REQUIRE(trust_new(&t, city.pk, "wuhan", domain_hub_collections()) == 0);
  CHECK_EQ(trust_set_city(t, city.pk, "qiaokou"), LINLI_EINVAL); /* its own key, another code */
  REQUIRE(trust_set_city(t, city.pk, "wuhan") == 0);
  /* the city certifies two district hubs in the city scope */
  cert(&c, &city, "wuhan", hub_q.pk, "qiaokou", "district");
  CHECK_EQ(trust_check(t, &c.op), 0);
  CHECK_EQ(trust_learn(t, &c.op), TRUST_LEARNED_CERT);
  cert(&c, &city, "wuhan", hub_j.pk, "jianghan", "district");
  CHECK_EQ(trust_learn(t, &c.op), TRUST_LEARNED_CERT);
  struct trust_info ti;
  REQUIRE(trust_count(t) == 2);
  for (size_t i = 0; i < 2; i++) {
    REQUIRE(trust_get(t, i, &ti) == 0);
    CHECK(ti.district_role && !ti.hub_role);
  }
  CHECK(trust_admits(t, hub_q.pk, NOW) && trust_admits(t, hub_j.pk, NOW));
  CHECK(!trust_admits(t, comm.pk, NOW));

  /* a hub in its own district: the hub collections only */
  CHECK_EQ(verdict(t, &hub_q, "qiaokou", "approval"), 0);
  CHECK_EQ(verdict(t, &hub_q, "qiaokou", "round"), 0);
  CHECK_EQ(verdict(t, &hub_j, "jianghan", "approval"), 0);
  CHECK_EQ(verdict(t, &hub_q, "qiaokou", "resident"), LINLI_EHUBSCOPE);
  /* the district's own certificates pass (relayed), but teach the city nothing */
  cert(&c, &hub_q, "qiaokou", comm.pk, "shihua", "community");
  CHECK_EQ(trust_check(t, &c.op), 0);
  CHECK_EQ(trust_learn(t, &c.op), 0);
  CHECK_EQ(verdict(t, &comm, "qiaokou", "approval"), LINLI_EUNAUTH);
  /* a hub writing for another district, or in the city scope */
  CHECK_EQ(verdict(t, &hub_q, "jianghan", "approval"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &hub_j, "qiaokou", "round"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &hub_q, "wuhan", "round"), LINLI_EUNAUTH);
  cert(&c, &hub_q, "wuhan", other.pk, "hanyang", "district"); /* a hub certifying a hub */
  CHECK_EQ(trust_check(t, &c.op), LINLI_EUNAUTH);
  /* a community (its key unknown here) in a district scope */
  CHECK_EQ(verdict(t, &comm, "qiaokou", "approval"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &comm, "qiaokou", "resident"), LINLI_EUNAUTH);
  /* an unknown key outside the certified districts waits for a certificate */
  CHECK_EQ(verdict(t, &other, "hanyang", "resident"), LINLI_EPENDING);
  CHECK_EQ(verdict(t, &other, "hanyang", "approval"), LINLI_EUNAUTH);
  /* the city itself: the city scope, hub collections */
  CHECK_EQ(verdict(t, &city, "wuhan", "round"), 0);
  CHECK_EQ(verdict(t, &city, "qiaokou", "approval"), LINLI_EHUBSCOPE);
  CHECK_EQ(verdict(t, &city, "wuhan", "resident"), LINLI_EHUBSCOPE);
  /* a revoked district hub: its later ops are refused */
  cert(&c, &city, "wuhan", hub_j.pk, NULL, NULL);
  CHECK_EQ(trust_learn(t, &c.op), TRUST_LEARNED_REVOCATION);
  struct t_op late;
  t_sign(&late, &hub_j, "jianghan", "approval", "k-2", CRDT_HLC_MAKE(NOW + 2000, 0), CRDT_SET,
         body, sizeof body, NULL, 0);
  CHECK_EQ(trust_check(t, &late.op), LINLI_EREVOKED);
  CHECK(!trust_admits(t, hub_j.pk, NOW + 2000));
  trust_free(t);
}

/* A district hub (and, the same rule, a community) that knows the city. */
static void below_city(void)
{
  struct trust *t;
  struct t_op c;
  REQUIRE(trust_new(&t, hub_q.pk, "qiaokou", domain_hub_collections()) == 0);
  CHECK_EQ(trust_set_city(t, city.pk, "qiaokou"), LINLI_EINVAL); /* the city is not the district */
  CHECK_EQ(trust_set_city(t, hub_q.pk, "wuhan"), LINLI_EINVAL);
  REQUIRE(trust_set_city(t, city.pk, "wuhan") == 0);
  cert(&c, &hub_q, "qiaokou", comm.pk, "shihua", "community");
  CHECK_EQ(trust_learn(t, &c.op), TRUST_LEARNED_CERT);
  CHECK(trust_admits(t, city.pk, NOW));
  uint8_t keys[8][CRDT_PK_BYTES];
  CHECK_EQ(trust_roster(t, NOW, keys, 8), 3); /* hub, city, shihua */
  /* the city's certificates and rounds, in the city scope */
  cert(&c, &city, "wuhan", hub_q.pk, "qiaokou", "district");
  CHECK_EQ(trust_check(t, &c.op), 0);
  CHECK_EQ(trust_city_certifies_hub(t, &c.op, NOW), 1); /* this hub, for this district */
  CHECK_EQ(trust_city_certifies_hub(t, &c.op, FAR_FUTURE), 0); /* expired */
  {
    struct t_op o;
    cert(&o, &city, "wuhan", hub_q.pk, "jianghan", "district"); /* another district */
    CHECK_EQ(trust_city_certifies_hub(t, &o.op, NOW), 0);
    cert(&o, &city, "wuhan", hub_j.pk, "qiaokou", "district"); /* another hub */
    CHECK_EQ(trust_city_certifies_hub(t, &o.op, NOW), 0);
    cert(&o, &hub_q, "wuhan", hub_q.pk, "qiaokou", "district"); /* not the city's */
    CHECK_EQ(trust_city_certifies_hub(t, &o.op, NOW), 0);
    cert(&o, &city, "wuhan", hub_q.pk, "qiaokou", "community"); /* not as a hub */
    CHECK_EQ(trust_city_certifies_hub(t, &o.op, NOW), 0);
  }
  CHECK_EQ(trust_learn(t, &c.op), 0); /* the hub's own roster does not change */
  CHECK_EQ(verdict(t, &city, "wuhan", "round"), 0);
  CHECK_EQ(verdict(t, &city, "wuhan", "resident"), LINLI_EHUBSCOPE);
  CHECK_EQ(verdict(t, &city, "qiaokou", "approval"), LINLI_EHUBSCOPE);
  CHECK_EQ(verdict(t, &city, "shihua", "resident"), LINLI_EHUBSCOPE);
  /* nobody else writes the city scope: not the hub, not a community */
  CHECK_EQ(verdict(t, &hub_q, "wuhan", "round"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &comm, "wuhan", "round"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &comm, "wuhan", "resident"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &hub_j, "wuhan", "round"), LINLI_EUNAUTH);
  /* the district rules stand */
  CHECK_EQ(verdict(t, &hub_q, "qiaokou", "approval"), 0);
  CHECK_EQ(verdict(t, &comm, "shihua", "resident"), 0);
  CHECK_EQ(verdict(t, &comm, "qiaokou", "approval"), LINLI_EUNAUTH);
  CHECK_EQ(verdict(t, &hub_j, "qiaokou", "approval"), LINLI_EUNAUTH);

  /* the city revokes this district's hub (from NOW + 1 s): nobody else may,
   * and another district's hub revoked teaches nothing here */
  cert(&c, &hub_q, "wuhan", hub_q.pk, NULL, NULL);
  CHECK_EQ(trust_learn(t, &c.op), 0);
  cert(&c, &comm, "wuhan", hub_q.pk, NULL, NULL);
  CHECK_EQ(trust_learn(t, &c.op), 0);
  cert(&c, &city, "qiaokou", hub_q.pk, NULL, NULL); /* not in the city scope */
  CHECK_EQ(trust_learn(t, &c.op), 0);
  cert(&c, &city, "wuhan", hub_j.pk, NULL, NULL);
  CHECK_EQ(trust_learn(t, &c.op), 0);
  CHECK(trust_admits(t, hub_q.pk, NOW + 5000));
  cert(&c, &city, "wuhan", hub_q.pk, NULL, NULL);
  uint8_t pk[CRDT_PK_BYTES];
  uint64_t at = 0;
  CHECK_EQ(trust_check(t, &c.op), 0);
  CHECK(trust_revokes(t, &c.op, pk, &at) && at == NOW + 1000 && !memcmp(pk, hub_q.pk, sizeof pk));
  CHECK_EQ(trust_learn(t, &c.op), TRUST_LEARNED_REVOCATION);
  CHECK_EQ(trust_learn(t, &c.op), 0); /* learned once */
  {
    struct t_op o; /* a revoked hub has no standing certificate */
    cert(&o, &city, "wuhan", hub_q.pk, "qiaokou", "district");
    CHECK_EQ(trust_city_certifies_hub(t, &o.op, NOW + 2000), 0);
  }
  /* before its time the hub's ops stand; from it on they are refused */
  CHECK_EQ(verdict(t, &hub_q, "qiaokou", "approval"), 0);
  struct t_op late;
  t_sign(&late, &hub_q, "qiaokou", "approval", "k-3", CRDT_HLC_MAKE(NOW + 2000, 0), CRDT_SET,
         body, sizeof body, NULL, 0);
  CHECK_EQ(trust_check(t, &late.op), LINLI_EREVOKED);
  CHECK(trust_admits(t, hub_q.pk, NOW + 999) && !trust_admits(t, hub_q.pk, NOW + 1000));
  CHECK_EQ(trust_roster(t, NOW + 2000, keys, 8), 2); /* city, shihua: no hub */
  /* a certificate the revoked hub signs later is refused and teaches nothing */
  struct t_op lc;
  int len = trust_cert_sign(&hub_q, "qiaokou", CRDT_HLC_MAKE(NOW + 3000, 0), other.pk, "xinhe",
                            "community", 0, FAR_FUTURE, lc.bytes, sizeof lc.bytes);
  REQUIRE(len > 0);
  lc.len = (size_t)len;
  REQUIRE(crdt_op_decode(&lc.op, lc.bytes, lc.len) == 0);
  CHECK_EQ(trust_check(t, &lc.op), LINLI_EREVOKED);
  CHECK_EQ(trust_learn(t, &lc.op), 0);
  CHECK(!trust_admits(t, other.pk, NOW + 4000));
  /* what it certified before stands */
  CHECK_EQ(verdict(t, &comm, "shihua", "resident"), 0);
  trust_free(t);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&city, 0x31);
  t_identity(&hub_q, 0x32);
  t_identity(&hub_j, 0x33);
  t_identity(&comm, 0x34);
  t_identity(&other, 0x35);
  city_node();
  below_city();
  return test_done("test_trust_city");
}
