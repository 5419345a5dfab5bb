/* The city's figures (city.c) on an in-memory view of a city node: two
 * districts' certificates and summaries. Each community's latest summary on
 * or before the date counts (a later one does not), a certified community
 * with no summary is known but not reporting, a summary whose figures do not
 * parse is skipped and counted and leaves the one before in place, fevers
 * and hand-outs count only the summaries of the date, the newest as_of is
 * each sum's, past cap communities the rest are left out (cut), and bad
 * arguments are refused. */
#include "domain.h"
#include "test_crdt_util.h"

static struct crdt_identity hub_a, hub_b;
static uint64_t clock_hlc = CRDT_HLC_MAKE(1585000000000ull, 0);
static struct t_op ops[64];
static int n_ops;

/* kv sorted by key, as the canonical encoding requires. */
static void put(struct crdt_memview *m, const struct crdt_identity *who, const char *scope,
                const char *coll, const char *key, const char *const *kv, int n)
{
  uint8_t body[1024];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(kv[i], '=');
    crdt_w_str(&b, kv[i], (size_t)(eq - kv[i]));
    crdt_w_cstr(&b, eq + 1);
  }
  REQUIRE(!crdt_buf_err(&b));
  REQUIRE(n_ops < 64);
  struct t_op *o = &ops[n_ops++];
  clock_hlc += 1u << 16;
  t_sign(o, who, scope, coll, key, clock_hlc, CRDT_SET, body, b.len, NULL, 0);
  REQUIRE(crdt_memview_apply(m, &o->op) == 1);
}

static void cert(struct crdt_memview *m, const struct crdt_identity *hub, const char *district,
                 const char *keyhex, const char *community)
{
  char c[64];
  snprintf(c, sizeof c, "community=%s", community);
  const char *kv[] = {c, "role=community"};
  put(m, hub, district, "cert", keyhex, kv, 2);
}

static void summary(struct crdt_memview *m, const struct crdt_identity *hub, const char *district,
                    const char *community, const char *date, const char *as_of, const char *fig)
{
  char k[64], a[64], c[64], d[64], f[DOM_SUMMARY_FIGURES_MAX + 16];
  snprintf(k, sizeof k, "%s/%s", community, date);
  snprintf(a, sizeof a, "as_of=%s", as_of);
  snprintf(c, sizeof c, "community=%s", community);
  snprintf(d, sizeof d, "date=%s", date);
  snprintf(f, sizeof f, "figures=%s", fig);
  const char *kv[] = {a, c, d, f};
  put(m, hub, district, domain_name(DOM_SUMMARY), k, kv, 4);
}

static void fig(char *out, size_t cap, int compounds, int certified, int free_, int households,
                int fevers)
{
  snprintf(out, cap,
           "compounds=%d certified=%d withdrawn=0 pending=0 rejected=0 eligible=0 "
           "not_eligible=0 village=0 free=%d households=%d residents=%d open_three=0 "
           "fevers_1=%d handouts_1=1 fevers_7=0 handouts_7=0 ops=9 open_confirmed=0",
           compounds, certified, free_, households, 2 * households, fevers);
}

static const struct dom_city_comm *find(const struct dom_city *t, const char *community)
{
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->cm[i].community, community))
      return &t->cm[i];
  return NULL;
}

static void figures(void)
{
  struct crdt_memview *m = crdt_memview_new();
  REQUIRE(m);
  char f[DOM_SUMMARY_FIGURES_MAX];
  /* District qa: a1 reports daily, a2 is certified and silent, a3 only
   * reported the day before, then wrote an unreadable summary. */
  cert(m, &hub_a, "qa", "aa01", "a1");
  cert(m, &hub_a, "qa", "aa02", "a2");
  fig(f, sizeof f, 4, 1, 0, 100, 5);
  summary(m, &hub_a, "qa", "a1", "2020-03-22", "2020-03-22 23:00:00", f);
  fig(f, sizeof f, 4, 4, 1, 110, 3);
  summary(m, &hub_a, "qa", "a1", "2020-03-23", "2020-03-23 23:00:00", f);
  fig(f, sizeof f, 9, 9, 1, 999, 7);
  summary(m, &hub_a, "qa", "a1", "2020-03-24", "2020-03-24 23:00:00", f); /* after the date */
  fig(f, sizeof f, 5, 2, 0, 50, 4);
  summary(m, &hub_a, "qa", "a3", "2020-03-21", "2020-03-21 22:00:00", f);
  summary(m, &hub_a, "qa", "a3", "2020-03-22", "2020-03-22 22:00:00", "compounds=1 compounds=2");
  /* District qb: b1 reports. */
  fig(f, sizeof f, 2, 2, 1, 40, 1);
  summary(m, &hub_b, "qb", "b1", "2020-03-23", "2020-03-23 21:00:00", f);

  struct crdt_view v = crdt_memview_view(m);
  const char *const dn[] = {"qa", "qb"};
  struct dom_city t;
  REQUIRE(dom_city_read(&v, dn, 2, "cert", "2020-03-23", 16, &t) == 0);
  CHECK_EQ(t.n, 4);
  CHECK_EQ(t.cut, 0);
  CHECK_EQ(t.bad, 1);
  CHECK_EQ(t.nd, 2);
  const struct dom_city_comm *a1 = find(&t, "a1"), *a2 = find(&t, "a2"), *a3 = find(&t, "a3");
  REQUIRE(a1 && a2 && a3);
  CHECK(!strcmp(a1->last, "2020-03-23"));
  CHECK_EQ(a1->f.v[DOM_SU_HOUSEHOLDS], 110);
  CHECK_EQ(a1->district, 0);
  CHECK(!strcmp(a2->last, ""));
  CHECK(!strcmp(a3->last, "2020-03-21"));
  CHECK_EQ(a3->f.v[DOM_SU_COMPOUNDS], 5);
  CHECK(!strcmp(find(&t, "b1")->district_code, "qb"));
  /* qa: 3 known, 2 reporting, 1 on the date. */
  const struct dom_city_sum *qa = &t.ds[0], *qb = &t.ds[1], *c = &t.city;
  CHECK_EQ(qa->communities, 3);
  CHECK_EQ(qa->reporting, 2);
  CHECK_EQ(qa->fresh, 1);
  CHECK_EQ(qa->compounds, 9);
  CHECK_EQ(qa->certified, 6);
  CHECK_EQ(qa->free_, 1);
  CHECK_EQ(qa->households, 160);
  CHECK_EQ(qa->fevers_1, 3); /* a3's is not of the date */
  CHECK(!strcmp(qa->as_of, "2020-03-23 23:00:00"));
  CHECK_EQ(qb->communities, 1);
  CHECK(!strcmp(qb->as_of, "2020-03-23 21:00:00"));
  CHECK_EQ(c->communities, 4);
  CHECK_EQ(c->reporting, 3);
  CHECK_EQ(c->fresh, 2);
  CHECK_EQ(c->households, 200);
  CHECK_EQ(c->residents, 400);
  CHECK_EQ(c->handouts_1, 2);
  CHECK(!strcmp(c->as_of, "2020-03-23 23:00:00"));
  dom_city_free(&t);

  /* An earlier date: a1's first summary; b1, neither certified nor
   * summarised by then, is not known. */
  REQUIRE(dom_city_read(&v, dn, 2, "cert", "2020-03-22", 16, &t) == 0);
  REQUIRE(find(&t, "a1"));
  CHECK_EQ(find(&t, "a1")->f.v[DOM_SU_HOUSEHOLDS], 100);
  CHECK(find(&t, "b1") == NULL);
  CHECK_EQ(t.n, 3);
  CHECK_EQ(t.city.fresh, 1);
  CHECK_EQ(t.ds[1].communities, 0);
  dom_city_free(&t);

  /* Room for 2: the rest are left out, and said to be. */
  REQUIRE(dom_city_read(&v, dn, 2, "cert", "2020-03-23", 2, &t) == 0);
  CHECK_EQ(t.n, 2);
  CHECK_EQ(t.cut, 1);
  dom_city_free(&t);

  /* Bad arguments change nothing and allocate nothing. */
  CHECK_EQ(dom_city_read(&v, dn, 2, "cert", "2020-03-23", 0, &t), LINLI_EINVAL);
  CHECK_EQ(dom_city_read(&v, dn, -1, "cert", "2020-03-23", 4, &t), LINLI_EINVAL);
  CHECK(t.cm == NULL && t.ds == NULL);
  crdt_memview_destroy(m);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&hub_a, 0x91);
  t_identity(&hub_b, 0x92);
  figures();
  return test_done("test_city");
}
