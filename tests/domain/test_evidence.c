/* The six measures' evidence (node/domain/evidence.c) against records
 * built by hand through the staff verbs' plans, in a real LMDB store: each
 * measure is unbacked, then backed once the records show it, at the
 * thresholds of dom_measure_rules (3 days of disinfection, 80 % of
 * households screened in 7 days, every hardship household supplied in 7
 * days, every registered gate checked on the day); publicity and
 * mobilisation are the staff's word with the day they were set; a measure
 * marked "no" is never counted as unbacked. */
#include <string.h>

#include "domain.h"
#include "store.h"
#include "test.h"
#include "test_store_util.h"

#define D "2026-11-30"

static struct store *st;
static struct crdt_identity who;
static uint64_t hlc;

struct planning {
  const struct dom_req *r;
  struct dom_plan *p;
  struct dom_err e;
  int rc;
};

static int plan_in(void *arg, const struct crdt_view *v)
{
  struct planning *pl = arg;
  pl->rc = dom_plan(pl->r, v, pl->p, &pl->e);
  return pl->rc < 0 ? pl->rc : 0;
}

/* One staff action of coll on key, planned against the store and written. */
static void act(int coll, const char *cmd, const char *sub, unsigned verb, const char *key,
                const char *const *args, int n)
{
  static struct dom_plan p;
  struct dom_req r = {.coll = coll, .cmd = cmd ? domain_command(cmd, sub) : NULL, .verb = verb,
                      .key = key, .args = args, .n_args = n, .home = "shihua", .today = D,
                      .now = "09:00:00"};
  struct planning pl = {&r, &p, {0, 0, "", ""}, 0};
  int rc = store_read_rows(st, plan_in, &pl);
  CHECK(rc == 0 || rc == LINLI_ENOTFOUND);
  if (pl.rc)
    fprintf(stderr, "%s %s: %s\n", domain_name(coll), key, pl.e.msg);
  REQUIRE(pl.rc == 0);
  for (int i = 0; i < p.n; i++) {
    static uint8_t buf[CRDT_OP_MAX_BYTES];
    size_t len;
    struct crdt_op op;
    const struct dom_change *c = &p.ch[i];
    struct crdt_draft d = {c->scope, c->coll, c->key, hlc++, c->kind, c->body, c->body_len,
                           c->n_parents ? c->parents : NULL, c->n_parents};
    REQUIRE(crdt_op_sign(&d, &who, buf, sizeof buf, &len, &op) == 0);
    REQUIRE(store_apply(st, &op, 1, NULL) == 1);
  }
}

static struct rules_evidence ev;

static void evidence(void)
{
  struct store_read *rd;
  REQUIRE(store_read_begin(st, &rd) == 0);
  CHECK_EQ(rules_evidence(rd, "shihua", "SH-C01", D, 8 * 3600, &ev), 0);
  store_read_end(rd);
}

static int m_of(const char *name)
{
  for (int i = 0; i < RULES_MEASURES; i++)
    if (!strcmp(rules_measures[i], name))
      return i;
  REQUIRE(0);
  return -1;
}

/* measure name is in state, and its sentence holds text. */
static void is(const char *name, int state, const char *text)
{
  const struct rules_measure *m = &ev.m[m_of(name)];
  CHECK_EQ(m->state, state);
  CHECK(strstr(m->evidence, text) != NULL);
  if (m->state != state || !strstr(m->evidence, text))
    fprintf(stderr, "%s: state %d: %s (wanted '%s')\n", name, m->state, m->evidence, text);
}

int main(void)
{
  char dir[256], key[64], arg[96];
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 7, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&who, seed) == 0);
  hlc = CRDT_HLC_MAKE(UINT64_C(1795996800000), 0); /* 2026-11-30 08:00 Shanghai */
  t_tmpdir(dir, sizeof dir, "evidence");
  struct store_config sc = {dir, 0, 0, 1, 0};
  REQUIRE(store_open(&st, &sc) == 0);

  const char *comp[] = {"name=一村", "gates+=SH-C01-gate", "gates+=SH-C01-gate2"};
  act(DOM_COMPOUND, "compound", NULL, DOM_V_ADD, "SH-C01", comp, 3);
  for (int h = 1; h <= 5; h++) {
    snprintf(key, sizeof key, "SH-C01-1-1-10%d", h);
    const char *hh[] = {"compound=SH-C01", h <= 2 ? "hardship=yes" : "hardship=no"};
    act(DOM_HOUSEHOLD, "household", NULL, DOM_V_ADD, key, hh, 2);
    snprintf(arg, sizeof arg, "household=%s", key);
    const char *res[] = {arg, "name=X"};
    snprintf(key, sizeof key, "r-%d", h);
    act(DOM_RESIDENT, "resident", NULL, DOM_V_ADD, key, res, 2);
  }
  /* a household of another compound does not count */
  const char *comp2[] = {"name=二村"};
  act(DOM_COMPOUND, "compound", NULL, DOM_V_ADD, "SH-C02", comp2, 1);
  const char *hh2[] = {"compound=SH-C02", "hardship=yes"};
  act(DOM_HOUSEHOLD, "household", NULL, DOM_V_ADD, "SH-C02-1-1-101", hh2, 2);

  /* nothing marked, nothing logged */
  evidence();
  CHECK_EQ(ev.n_unbacked, 0);
  is("disinfection", RULES_EV_UNBACKED, "no round ever logged");
  CHECK(!ev.m[m_of("disinfection")].marked);

  const char *all[] = {"publicity=yes", "closed=yes", "screening=yes", "disinfection=yes",
                       "supply=yes", "mobilisation=yes"};
  act(DOM_MEASURES, "measures", NULL, DOM_V_SET, "SH-C01", all, 6);
  evidence();
  CHECK_EQ(ev.n_unbacked, 4);
  is("publicity", RULES_EV_WORD, "staff's word, set on 2026-11-30");
  is("mobilisation", RULES_EV_WORD, "staff's word, set on 2026-11-30");
  is("disinfection", RULES_EV_UNBACKED, "no round ever logged for the compound");
  is("screening", RULES_EV_UNBACKED, "0 of 5 households (0 %) had a health check in the 7 days");
  is("supply", RULES_EV_UNBACKED, "0 of 2 hardship households (0 %) got a hand-out");
  is("closed", RULES_EV_UNBACKED, "0 of 2 registered gates with a check logged");
  char say[1024];
  rules_evidence_say(&ev, say, sizeof say);
  CHECK(strstr(say, "disinfection: marked in place, but no round ever logged") != NULL);
  CHECK(strstr(say, "publicity") == NULL);

  /* disinfection: 3 days to D; one missing, then all */
  const char *r1[] = {"area=楼道", "date=2026-11-28"}, *r3[] = {"area=楼道", "date=2026-11-30"};
  const char *r2[] = {"area=楼道", "date=2026-11-29"};
  act(DOM_DISINFECTION, "disinfect", NULL, DOM_V_ADD, "SH-C01", r1, 2);
  act(DOM_DISINFECTION, "disinfect", NULL, DOM_V_ADD, "SH-C01", r3, 2);
  act(DOM_DISINFECTION, "disinfect", NULL, DOM_V_ADD, "SH-C02", r2, 2); /* another compound */
  evidence();
  is("disinfection", RULES_EV_UNBACKED, "no round logged on 2026-11-29; the last round was on 2026-11-30");
  act(DOM_DISINFECTION, "disinfect", NULL, DOM_V_ADD, "SH-C01", r2, 2);
  evidence();
  is("disinfection", RULES_EV_BACKED, "a round logged on each of the 3 days to 2026-11-30");

  /* screening: 80 % of households in 7 days; a check 7 days before D is outside */
  const char *days[] = {"2026-11-30", "2026-11-27", "2026-11-24", "2026-11-23"};
  for (int h = 1; h <= 4; h++) {
    snprintf(key, sizeof key, "r-%d", h);
    snprintf(arg, sizeof arg, "date=%s", days[h - 1]);
    const char *hc[] = {"temp_dc=36.5", arg};
    act(DOM_HEALTH_CHECK, NULL, NULL, DOM_V_ADD, key, hc, 2);
  }
  evidence();
  is("screening", RULES_EV_UNBACKED, "3 of 5 households (60 %) had a health check in the 7 days to 2026-11-30 (needs 80 %)");
  const char *hc5[] = {"temp_dc=36.6", "date=2026-11-29"};
  act(DOM_HEALTH_CHECK, NULL, NULL, DOM_V_ADD, "r-5", hc5, 2);
  evidence();
  is("screening", RULES_EV_BACKED, "4 of 5 households (80 %)");

  /* supply: every hardship household in 7 days */
  const char *item[] = {"name=爱心鱼", "unit=条"};
  act(DOM_ITEM, "supply", "item", DOM_V_ADD, "fish", item, 2);
  const char *in[] = {"fish=10", "source=x", "date=2026-11-20"};
  act(DOM_STOCK, "supply", "stock", DOM_V_IN, "SH-stock", in, 3);
  const char *old[] = {"items=fish:1", "date=2026-11-23"}, *now[] = {"items=fish:1", "date=2026-11-30"};
  act(DOM_DISTRIBUTION, "supply", "relief", DOM_V_ADD, "SH-C01-1-1-101", now, 2);
  act(DOM_DISTRIBUTION, "supply", "relief", DOM_V_ADD, "SH-C01-1-1-102", old, 2); /* 7 days before */
  act(DOM_DISTRIBUTION, "supply", "relief", DOM_V_ADD, "SH-C01-1-1-103", now, 2); /* not hardship */
  evidence();
  is("supply", RULES_EV_UNBACKED, "1 of 2 hardship households (50 %) got a hand-out in the 7 days");
  act(DOM_DISTRIBUTION, "supply", "relief", DOM_V_ADD, "SH-C01-1-1-102", now, 2);
  evidence();
  is("supply", RULES_EV_BACKED, "2 of 2 hardship households (100 %)");

  /* closed: every registered gate checked on the day */
  const char *g1[] = {"direction=in", "person=r-1", "purpose=买菜", "temp_dc=36.5", "date=2026-11-30"};
  const char *g2[] = {"direction=in", "person=r-1", "purpose=买菜", "temp_dc=36.5", "date=2026-11-29"};
  act(DOM_GATE_CHECK, NULL, NULL, DOM_V_ADD, "SH-C01-gate", g1, 5);
  act(DOM_GATE_CHECK, NULL, NULL, DOM_V_ADD, "SH-C01-gate2", g2, 5); /* yesterday */
  evidence();
  is("closed", RULES_EV_UNBACKED, "1 of 2 registered gates with a check logged in the 1 day(s) to 2026-11-30");
  act(DOM_GATE_CHECK, NULL, NULL, DOM_V_ADD, "SH-C01-gate2", g1, 5);
  evidence();
  is("closed", RULES_EV_BACKED, "2 of 2 registered gates");
  CHECK_EQ(ev.n_unbacked, 0);
  rules_evidence_say(&ev, say, sizeof say);
  CHECK(!say[0]);

  /* a day later, the disinfection rounds stop: unbacked again, named */
  struct store_read *rd;
  REQUIRE(store_read_begin(st, &rd) == 0);
  CHECK_EQ(rules_evidence(rd, "shihua", "SH-C01", "2026-12-02", 8 * 3600, &ev), 0);
  store_read_end(rd);
  is("disinfection", RULES_EV_UNBACKED, "no round logged on 2026-12-02; the last round was on 2026-11-30");
  /* marked "no": not counted, whatever the records */
  const char *off[] = {"disinfection=no", "closed=no", "screening=no", "supply=no"};
  act(DOM_MEASURES, "measures", NULL, DOM_V_SET, "SH-C01", off, 4);
  REQUIRE(store_read_begin(st, &rd) == 0);
  CHECK_EQ(rules_evidence(rd, "shihua", "SH-C01", "2026-12-02", 8 * 3600, &ev), 0);
  store_read_end(rd);
  CHECK_EQ(ev.n_unbacked, 0);
  /* the thresholds are those the docs state */
  CHECK_EQ(dom_measure_rule("disinfection")->days, 3);
  CHECK_EQ(dom_measure_rule("screening")->pct, 80);
  CHECK_EQ(dom_measure_rule("supply")->days, 7);
  CHECK(dom_measure_rule("nothing") == NULL);

  store_close(st);
  t_rmdir(dir);
  return test_done("test_evidence");
}
