/* Compound and community states on a date (states.c), on in-memory views:
 * one compound through declare -> approve -> late case -> withdrawn ->
 * re-declared -> approved, each state asked on the dates around each step
 * (a decision or declaration dated after the date asked is not known on
 * it); a rejection keeps the hub's reason; with no district there are no
 * decisions; a community is epidemic-free only when every compound is
 * certified and none of the three categories is open in it; a village is a
 * community of kind village; the same ops in another order give the same
 * states. */
#include "domain.h"
#include "test_crdt_util.h"

static struct crdt_identity hub, office;
static uint64_t clock_hlc = CRDT_HLC_MAKE(1585000000000ull, 0);
static struct t_op ops[64];
static int n_ops;

static size_t body(uint8_t *out, size_t cap, const char *const *kv, int n)
{
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  crdt_w_map(&b, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(kv[i], '=');
    crdt_w_str(&b, kv[i], (size_t)(eq - kv[i]));
    if (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "false"))
      crdt_w_bool(&b, eq[1] == 't');
    else
      crdt_w_cstr(&b, eq + 1);
  }
  REQUIRE(!crdt_buf_err(&b));
  return b.len;
}

/* kv sorted by key, as the canonical encoding requires. */
static void put(struct crdt_memview *m, const struct crdt_identity *who, const char *scope,
                const char *coll, const char *key, const char *const *kv, int n)
{
  uint8_t b[1024];
  size_t bl = body(b, sizeof b, kv, n);
  REQUIRE(n_ops < 64);
  struct t_op *o = &ops[n_ops++];
  clock_hlc += 1u << 16;
  t_sign(o, who, scope, coll, key, clock_hlc, CRDT_SET, b, bl, NULL, 0);
  REQUIRE(crdt_memview_apply(m, &o->op) == 1);
}

static struct dom_cstate state(struct crdt_memview *m, const char *district, const char *scope,
                               const char *compound, const char *date)
{
  struct dom_cstate c;
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(dom_compound_state(&v, NULL, district, scope, compound, date, &c), 0);
  return c;
}

static int st(struct crdt_memview *m, const char *compound, const char *date)
{
  return state(m, "qiaokou", "shihua", compound, date).state;
}

static struct dom_community_state community(struct crdt_memview *m, const char *scope,
                                            const char *date)
{
  struct dom_community_state cs;
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(dom_compound_states(&v, NULL, "qiaokou", scope, date, &cs, NULL, NULL), 0);
  return cs;
}

static const char *const all6[] = {"closed=true",    "disinfection=true", "mobilisation=true",
                                   "publicity=true", "screening=true",    "supply=true"};

static void vocabulary(void)
{
  CHECK(!strcmp(dom_state_key(DOM_ST_CERTIFIED), "certified"));
  CHECK(!strcmp(dom_state_key(DOM_ST_NOT_ELIGIBLE), "not_eligible"));
  CHECK(!strcmp(dom_state_key(DOM_ST_N), "unknown"));
  CHECK(!strcmp(dom_state_words[DOM_ST_WITHDRAWN].zh, "已撤销"));
  CHECK(!strcmp(dom_state_words[DOM_ST_PENDING].en, "pending"));
}

static void lifecycle(void)
{
  struct crdt_memview *m = crdt_memview_new();
  REQUIRE(m);
  n_ops = 0;
  const char *c1[] = {"community=shihua", "name=石化小区"}, *c2[] = {"community=shihua", "name=东村"};
  put(m, &office, "shihua", "compound", "SH-C01", c1, 2);
  put(m, &office, "shihua", "compound", "SH-C02", c2, 2);
  put(m, &office, "shihua", "measures", "SH-C01", all6, 6);
  put(m, &office, "shihua", "measures", "SH-C02", all6, 6);
  const char *k[] = {"kind=village", "name=石化村"};
  put(m, &office, "shihua", "community", "shihua", k, 2);

  CHECK_EQ(st(m, "SH-C02", "2020-03-20"), DOM_ST_ELIGIBLE);
  struct dom_cstate c = state(m, "qiaokou", "shihua", "SH-C02", "2020-03-20");
  CHECK(!strcmp(c.name, "东村"));
  CHECK(!strcmp(dom_cstate_why(&c), ""));

  /* declared on 03-20: pending from 03-20, not known on 03-19 */
  const char *d1[] = {"compound=SH-C02", "date=2020-03-20", "status=declared"};
  put(m, &office, "shihua", "declaration", "SH-C02", d1, 3);
  CHECK_EQ(st(m, "SH-C02", "2020-03-19"), DOM_ST_ELIGIBLE);
  CHECK_EQ(st(m, "SH-C02", "2020-03-20"), DOM_ST_PENDING);

  /* approved on 03-21: certified from 03-21; on 03-20 still pending */
  const char *a1[] = {"community=shihua", "compound=SH-C02", "date=2020-03-21",
                      "declaration=2020-03-20", "reason=ok", "status=approved"};
  put(m, &hub, "qiaokou", "approval", "shihua/SH-C02", a1, 6);
  CHECK_EQ(st(m, "SH-C02", "2020-03-20"), DOM_ST_PENDING);
  CHECK_EQ(st(m, "SH-C02", "2020-03-21"), DOM_ST_CERTIFIED);
  c = state(m, "qiaokou", "shihua", "SH-C02", "2020-03-21");
  CHECK(!strcmp(c.decided, "2020-03-21") && !strcmp(c.declared, "2020-03-20") && c.decision == 1);

  /* a confirmed case that started 03-18 arrives late: withdrawn, with the rule's reason */
  const char *k1[] = {"category=confirmed", "compound=SH-C02", "resident=r-SH-00001",
                      "start_date=2020-03-18"};
  put(m, &office, "shihua", "case_status", "case-1", k1, 4);
  CHECK_EQ(st(m, "SH-C02", "2020-03-21"), DOM_ST_WITHDRAWN);
  c = state(m, "qiaokou", "shihua", "SH-C02", "2020-03-22");
  CHECK_EQ(c.state, DOM_ST_WITHDRAWN);
  CHECK(strstr(dom_cstate_why(&c), "1 confirmed case(s) open") != NULL);
  CHECK(strstr(dom_cstate_why(&c), "r-SH") == NULL);

  /* released 03-19; 14 days later the rule holds again and the old approval certifies */
  const char *r1[] = {"release_date=2020-03-19"};
  put(m, &office, "shihua", "case_status", "case-1", r1, 1);
  CHECK_EQ(st(m, "SH-C02", "2020-04-01"), DOM_ST_WITHDRAWN);
  CHECK_EQ(st(m, "SH-C02", "2020-04-02"), DOM_ST_CERTIFIED);

  /* re-declared on 04-03: pending again until the hub decides */
  const char *d2[] = {"compound=SH-C02", "date=2020-04-03", "status=declared"};
  put(m, &office, "shihua", "declaration", "SH-C02", d2, 3);
  CHECK_EQ(st(m, "SH-C02", "2020-04-03"), DOM_ST_PENDING);
  CHECK_EQ(st(m, "SH-C02", "2020-04-02"), DOM_ST_CERTIFIED); /* the declaration is after D */
  const char *a2[] = {"community=shihua", "compound=SH-C02", "date=2020-04-03",
                      "declaration=2020-04-03", "reason=ok", "status=approved"};
  put(m, &hub, "qiaokou", "approval", "shihua/SH-C02", a2, 6);
  CHECK_EQ(st(m, "SH-C02", "2020-04-03"), DOM_ST_CERTIFIED);
  /* the register keeps the latest decision: without the ops (rd NULL),
   * nothing is known before it (district_test.sh checks the look-back) */
  CHECK_EQ(st(m, "SH-C02", "2020-04-02"), DOM_ST_ELIGIBLE);

  /* SH-C01 declared and rejected: rejected with the hub's reason */
  const char *d3[] = {"compound=SH-C01", "date=2020-04-03", "status=declared"};
  put(m, &office, "shihua", "declaration", "SH-C01", d3, 3);
  const char *a3[] = {"community=shihua", "compound=SH-C01", "date=2020-04-03",
                      "declaration=2020-04-03", "reason=gate not staffed", "status=rejected"};
  put(m, &hub, "qiaokou", "approval", "shihua/SH-C01", a3, 6);
  c = state(m, "qiaokou", "shihua", "SH-C01", "2020-04-04");
  CHECK_EQ(c.state, DOM_ST_REJECTED);
  CHECK(!strcmp(dom_cstate_why(&c), "gate not staffed"));

  /* the community: not free while SH-C01 is rejected */
  struct dom_community_state cs = community(m, "shihua", "2020-04-04");
  CHECK_EQ(cs.compounds, 2);
  CHECK_EQ(cs.counts[DOM_ST_CERTIFIED], 1);
  CHECK_EQ(cs.counts[DOM_ST_REJECTED], 1);
  CHECK_EQ(cs.epidemic_free, 0);
  CHECK_EQ(cs.village, 1);
  CHECK(!strcmp(cs.name, "石化村"));
  /* re-declared and approved: every compound certified, the community is free */
  const char *d4[] = {"compound=SH-C01", "date=2020-04-05", "status=declared"};
  put(m, &office, "shihua", "declaration", "SH-C01", d4, 3);
  CHECK_EQ(st(m, "SH-C01", "2020-04-05"), DOM_ST_PENDING);
  const char *a4[] = {"community=shihua", "compound=SH-C01", "date=2020-04-05",
                      "declaration=2020-04-05", "reason=ok", "status=approved"};
  put(m, &hub, "qiaokou", "approval", "shihua/SH-C01", a4, 6);
  cs = community(m, "shihua", "2020-04-05");
  CHECK_EQ(cs.counts[DOM_ST_CERTIFIED], 2);
  CHECK_EQ(cs.epidemic_free, 1);
  /* a close contact open in the community, in no registered compound: not free,
   * though every compound stays certified */
  const char *k2[] = {"category=close_contact", "compound=SH-X9", "resident=r-SH-00009",
                      "start_date=2020-04-05"};
  put(m, &office, "shihua", "case_status", "case-2", k2, 4);
  cs = community(m, "shihua", "2020-04-05");
  CHECK_EQ(cs.counts[DOM_ST_CERTIFIED], 2);
  CHECK_EQ(cs.open_three, 1);
  CHECK_EQ(cs.epidemic_free, 0);
  CHECK_EQ(community(m, "shihua", "2020-04-04").open_three, 0); /* it started on 04-05 */

  /* trust off: no decisions; the declaration waits */
  CHECK_EQ(state(m, NULL, "shihua", "SH-C02", "2020-04-05").state, DOM_ST_PENDING);
  /* an unknown compound, a bad date */
  struct dom_cstate x;
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(dom_compound_state(&v, NULL, "qiaokou", "shihua", "SH-C77", "2020-04-05", &x), LINLI_ENOTFOUND);
  CHECK_EQ(dom_compound_state(&v, NULL, "qiaokou", "shihua", "SH-C01", "2020-4-5", &x), LINLI_EINVAL);

  /* the same ops in reverse order: the same states */
  struct crdt_memview *r = crdt_memview_new();
  REQUIRE(r);
  for (int i = n_ops - 1; i >= 0; i--)
    REQUIRE(crdt_memview_apply(r, &ops[i].op) == 1);
  const char *dates[] = {"2020-03-19", "2020-03-20", "2020-03-21", "2020-04-02", "2020-04-03",
                         "2020-04-05"};
  for (int i = 0; i < 6; i++) {
    CHECK_EQ(st(m, "SH-C01", dates[i]), st(r, "SH-C01", dates[i]));
    CHECK_EQ(st(m, "SH-C02", dates[i]), st(r, "SH-C02", dates[i]));
  }
  crdt_memview_destroy(r);
  crdt_memview_destroy(m);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&hub, 0x81);
  t_identity(&office, 0x82);
  vocabulary();
  lifecycle();
  return test_done("test_states");
}
