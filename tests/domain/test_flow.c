/* The certification flow and conflicts at the node level, on in-memory
 * views: an approved compound stays certified while its rule holds and is
 * withdrawn (with the reason) once a confirmed case inside the 14-day
 * window arrives, whatever order the ops come in; rejected approvals and
 * communities a node does not hold are told apart; two writes of one
 * field that did not see each other are a conflict (losers), a write
 * naming both as parents resolves it, and an overwrite that names what it
 * saw is none. */
#include "domain.h"
#include "test_crdt_util.h"

static struct crdt_identity hub, office, laptop;
static uint64_t clock_hlc = CRDT_HLC_MAKE(1585000000000ull, 0);

/* Body from "k=v" pairs (v: true/false or text), keys already sorted. */
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

static void apply(struct crdt_memview *m, struct t_op *o, const struct crdt_identity *who,
                  const char *scope, const char *coll, const char *key, const char *const *kv,
                  int n, const uint8_t *parents, uint32_t np)
{
  uint8_t b[1024];
  size_t bl = body(b, sizeof b, kv, n);
  clock_hlc += 1u << 16;
  t_sign(o, who, scope, coll, key, clock_hlc, CRDT_SET, b, bl, parents, np);
  REQUIRE(crdt_memview_apply(m, &o->op) == 1);
}

struct seen {
  int n, state[8];
  char reason[8][320];
  char compound[8][CRDT_KEY_MAX + 1];
};

static int on_cert(void *arg, const struct flow_cert *c)
{
  struct seen *s = arg;
  if (s->n < 8) {
    s->state[s->n] = c->state;
    snprintf(s->reason[s->n], sizeof s->reason[0], "%s",
             c->state == FLOW_REJECTED ? c->reason : c->verdict.reason);
    snprintf(s->compound[s->n], sizeof s->compound[0], "%s", c->compound);
  }
  s->n++;
  return 0;
}

static int held(void *arg, const char *community)
{
  (void)arg;
  return !strcmp(community, "shihua");
}

static struct seen certs(struct crdt_memview *m, const char *date)
{
  struct seen s;
  memset(&s, 0, sizeof s);
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(flow_certifications(&v, "qiaokou", date, held, on_cert, &s), 0);
  return s;
}

static const char *const measures[] = {"closed=true",    "disinfection=true", "mobilisation=true",
                                       "publicity=true", "screening=true",    "supply=true"};

static void flow(void)
{
  struct crdt_memview *m = crdt_memview_new(), *late = crdt_memview_new();
  struct t_op ms, decl, appr, rej, other, kase;
  REQUIRE(m && late);
  apply(m, &ms, &office, "shihua", "measures", "SH-C02", measures, 6, NULL, 0);
  const char *d[] = {"compound=SH-C02", "date=2020-03-20", "status=declared"};
  apply(m, &decl, &office, "shihua", domain_name(DOM_DECLARATION), "SH-C02", d, 3, NULL, 0);
  char key[CRDT_KEY_MAX + 1];
  CHECK(flow_approval_key(key, sizeof key, "shihua", "SH-C02") > 0);
  CHECK(!strcmp(key, "shihua/SH-C02"));
  char small[8];
  CHECK_EQ(flow_approval_key(small, sizeof small, "shi hua", "SH-C02"), LINLI_ENAME);
  CHECK_EQ(flow_approval_key(small, sizeof small, "shihua", "SH-C02"), LINLI_ETOOBIG);
  const char *a[] = {"community=shihua", "compound=SH-C02", "date=2020-03-21",
                     "declaration=2020-03-20", "status=approved"};
  apply(m, &appr, &hub, "qiaokou", domain_name(DOM_APPROVAL), key, a, 5, NULL, 0);
  const char *r[] = {"compound=SH-C03", "reason=measures missing", "status=rejected"};
  apply(m, &rej, &hub, "qiaokou", domain_name(DOM_APPROVAL), "shihua/SH-C03", r, 3, NULL, 0);
  const char *o[] = {"compound=CH-C01", "status=approved"};
  apply(m, &other, &hub, "qiaokou", domain_name(DOM_APPROVAL), "chuanchang/CH-C01", o, 2, NULL, 0);

  struct seen s = certs(m, "2020-03-22");
  CHECK_EQ(s.n, 3); /* key order: chuanchang/..., shihua/SH-C02, shihua/SH-C03 */
  CHECK_EQ(s.state[0], FLOW_UNKNOWN);
  CHECK_EQ(s.state[1], FLOW_CERTIFIED);
  CHECK(!strcmp(s.compound[1], "SH-C02"));
  CHECK_EQ(s.state[2], FLOW_REJECTED);
  CHECK(!strcmp(s.reason[2], "measures missing"));

  /* A confirmed case written offline, started inside the window, arrives. */
  const char *c[] = {"category=confirmed", "compound=SH-C02", "resident=r-SH-00001",
                     "start_date=2020-03-18"};
  apply(m, &kase, &laptop, "shihua", "case_status", "case-late", c, 4, NULL, 0);
  s = certs(m, "2020-03-22");
  CHECK_EQ(s.state[1], FLOW_WITHDRAWN);
  CHECK(strstr(s.reason[1], "1 confirmed case(s) open") != NULL);
  CHECK(strstr(s.reason[1], "r-SH") == NULL); /* no personal data, not even the key */
  /* Before the case started, the rule held: the same approval is certified. */
  s = certs(m, "2020-03-17");
  CHECK_EQ(s.state[1], FLOW_CERTIFIED);

  /* Released 10 days before: still withdrawn (needs 14); after 14: certified. */
  struct t_op rel;
  const char *rl[] = {"release_date=2020-03-19"};
  apply(m, &rel, &office, "shihua", "case_status", "case-late", rl, 1, NULL, 0);
  s = certs(m, "2020-03-29");
  CHECK_EQ(s.state[1], FLOW_WITHDRAWN);
  CHECK(strstr(s.reason[1], "released 2020-03-19, 10 day(s) before") != NULL);
  s = certs(m, "2020-04-02");
  CHECK_EQ(s.state[1], FLOW_CERTIFIED);

  /* The same ops in another order (the case first): the same verdicts. */
  struct t_op *order[] = {&rel, &kase, &appr, &ms, &other, &rej, &decl};
  for (int i = 0; i < 7; i++)
    REQUIRE(crdt_memview_apply(late, &order[i]->op) == 1);
  struct seen s1 = certs(m, "2020-03-29"), s2 = certs(late, "2020-03-29");
  CHECK_EQ(s1.n, s2.n);
  for (int i = 0; i < s1.n; i++) {
    CHECK_EQ(s1.state[i], s2.state[i]);
    CHECK(!strcmp(s1.reason[i], s2.reason[i]));
  }
  CHECK_EQ(flow_certifications(NULL, "qiaokou", "2020-3-1", held, on_cert, &s), LINLI_EINVAL);
  crdt_memview_destroy(m);
  crdt_memview_destroy(late);
}

static int losers_of(void *arg, const struct record *r)
{
  const struct record_field *f = record_field(r, "phone");
  *(int *)arg = f ? (int)f->losers : -1;
  return 0;
}

static int losers(struct crdt_memview *m)
{
  int n = -2;
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(record_each(&v, "shihua", "household", "SH-C01-1-1-101", losers_of, &n), 0);
  return n;
}

static void conflicts(void)
{
  struct crdt_memview *m = crdt_memview_new();
  struct t_op first, over, a, b, fix, blind;
  uint8_t ab[2 * CRDT_ID_BYTES];
  REQUIRE(m);
  const char *p1[] = {"phone=100"}, *p2[] = {"phone=101"}, *pa[] = {"phone=111"},
             *pb[] = {"phone=222"}, *pf[] = {"phone=333"}, *pz[] = {"phone=444"};
  const char *hh = "SH-C01-1-1-101";
  apply(m, &first, &office, "shihua", "household", hh, p1, 1, NULL, 0);
  CHECK_EQ(losers(m), 0);
  /* an overwrite that names what it saw replaces it: no conflict */
  apply(m, &over, &office, "shihua", "household", hh, p2, 1, first.op.id, 1);
  CHECK_EQ(losers(m), 0);
  /* two writes that saw `over` but not each other (a partition): a conflict */
  apply(m, &a, &office, "shihua", "household", hh, pa, 1, over.op.id, 1);
  apply(m, &b, &laptop, "shihua", "household", hh, pb, 1, over.op.id, 1);
  CHECK_EQ(losers(m), 1);
  /* resolve: a write naming every frontier entry as a parent */
  memcpy(ab, a.op.id, CRDT_ID_BYTES);
  memcpy(ab + CRDT_ID_BYTES, b.op.id, CRDT_ID_BYTES);
  apply(m, &fix, &office, "shihua", "household", hh, pf, 1, ab, 2);
  CHECK_EQ(losers(m), 0);
  /* a write that names nothing stands beside what it did not see */
  apply(m, &blind, &laptop, "shihua", "household", hh, pz, 1, NULL, 0);
  CHECK_EQ(losers(m), 1);
  crdt_memview_destroy(m);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&hub, 0x71);
  t_identity(&office, 0x72);
  t_identity(&laptop, 0x73);
  flow();
  conflicts();
  return test_done("test_flow");
}
