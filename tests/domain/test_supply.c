/* Supplies as a ledger (node/domain/supply.c and the plans that use it):
 *   - item lines parse ("fish:2,veg_pack:1", full-width separators) and
 *     malformed ones are refused with a sentence;
 *   - stock in, hand-outs and orders name only listed items (did-you-mean);
 *   - a relief hand-out draws its quantities from the stock in the same
 *     plan; one that would take the stock below zero is refused saying what
 *     is left;
 *   - two nodes that each hand out from the same stock during a partition:
 *     both hand-outs are kept after the merge and the counter goes below
 *     zero (the overdraft), on both nodes alike;
 *   - a delivered group order draws its items; stock in logs a receipt. */
#include <string.h>

#include "domain.h"
#include "test.h"

#define DAY "2026-11-28"
#define NOW_MS UINT64_C(1764300000000)

struct node {
  struct crdt_memview *m;
  struct crdt_identity who;
  uint64_t hlc;
};

static void node_init(struct node *n, uint8_t seedbyte)
{
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, seedbyte, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&n->who, seed) == 0);
  n->m = crdt_memview_new();
  REQUIRE(n->m);
  n->hlc = CRDT_HLC_MAKE(NOW_MS, 0);
}

/* Signs the changes of p on n, applies them there (and on also, if not
 * NULL: a peer that gets them at once). */
static void apply_plan(struct node *n, const struct dom_plan *p, struct node *also)
{
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *c = &p->ch[i];
    uint8_t buf[CRDT_OP_MAX_BYTES];
    size_t len;
    struct crdt_op op;
    struct crdt_draft d = {c->scope, c->coll, c->key, n->hlc++, c->kind, c->body, c->body_len,
                           c->n_parents ? c->parents : NULL, c->n_parents};
    REQUIRE(crdt_op_sign(&d, &n->who, buf, sizeof buf, &len, &op) == 0);
    REQUIRE(crdt_memview_apply(n->m, &op) == 1);
    if (also)
      REQUIRE(crdt_memview_apply(also->m, &op) == 1);
  }
}

/* Plans one action on n: its code; e and p are the caller's. */
static int plan(struct node *n, int coll, unsigned verb, const char *key, const char *const *args,
                int n_args, struct dom_plan *p, struct dom_err *e)
{
  struct crdt_view v = crdt_memview_view(n->m);
  struct dom_req r = {.coll = coll, .cmd = NULL, .verb = verb, .key = key, .args = args,
                      .n_args = n_args, .home = "shihua", .today = DAY, .now = "10:00:00"};
  if (coll == DOM_DISTRIBUTION)
    r.cmd = domain_command("supply", "relief");
  else if (coll == DOM_ORDER)
    r.cmd = domain_command("supply", "order");
  else if (coll == DOM_STOCK)
    r.cmd = domain_command("supply", "stock");
  return dom_plan(&r, &v, p, e);
}

/* Plans and applies; the plan must pass. */
static void ok(struct node *n, struct node *also, int coll, unsigned verb, const char *key,
               const char *const *args, int n_args)
{
  static struct dom_plan p;
  struct dom_err e;
  int rc = plan(n, coll, verb, key, args, n_args, &p, &e);
  if (rc)
    fprintf(stderr, "plan %s %s: %d %s\n", domain_name(coll), key, rc, e.msg);
  CHECK_EQ(rc, 0);
  if (!rc)
    apply_plan(n, &p, also);
}

/* The plan is refused with code and a sentence holding text. */
static void no(struct node *n, int code, const char *text, int coll, unsigned verb,
               const char *key, const char *const *args, int n_args)
{
  static struct dom_plan p;
  struct dom_err e;
  int rc = plan(n, coll, verb, key, args, n_args, &p, &e);
  CHECK_EQ(rc, code);
  CHECK(strstr(e.msg, text) != NULL);
  if (!strstr(e.msg, text))
    fprintf(stderr, "wanted '%s' in: %s\n", text, e.msg);
  CHECK_EQ(p.n, 0);
}

struct held {
  const char *item;
  int64_t sum;
  int found;
};

static int on_stock(void *arg, const struct record *r)
{
  struct held *h = arg;
  const struct record_field *f = record_field(r, h->item);
  if (f && f->tag == CRDT_ROW_COUNTER)
    h->sum = f->sum, h->found = 1;
  return 0;
}

static int64_t held(struct node *n, const char *item)
{
  struct crdt_view v = crdt_memview_view(n->m);
  struct held h = {item, 0, 0};
  record_each(&v, "shihua", domain_name(DOM_STOCK), "SH-stock", on_stock, &h);
  return h.sum;
}

static void parse(void)
{
  struct dom_items it;
  struct dom_err e;
  const char *s = "fish:2,veg_pack:1";
  CHECK_EQ(dom_items_parse(s, strlen(s), &it, &e), 0);
  CHECK_EQ(it.n, 2);
  CHECK(!strcmp(it.l[0].item, "fish") && it.l[0].qty == 2);
  CHECK(!strcmp(it.l[1].item, "veg_pack") && it.l[1].qty == 1);
  s = "pork：3，fish:1、 rice_kg:50";
  CHECK_EQ(dom_items_parse(s, strlen(s), &it, &e), 0);
  CHECK_EQ(it.n, 3);
  CHECK(!strcmp(it.l[0].item, "pork") && it.l[0].qty == 3 && it.l[2].qty == 50);
  char out[64];
  dom_items_sort(&it);
  dom_items_format(&it, out, sizeof out);
  CHECK(!strcmp(out, "fish:1,pork:3,rice_kg:50"));
  const char *bad[] = {"", "fish", "fish:", "fish:0", "fish:-1", "fish:2x", "鱼:2", "fish:2,fish:1",
                       "Fish:1", "fish:1000000001", "fish:2.5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_EQ(dom_items_parse(bad[i], strlen(bad[i]), &it, &e), DOM_MALFORMED);
    CHECK(e.msg[0]);
  }
}

static void ledger(void)
{
  struct node a, b;
  node_init(&a, 1);
  node_init(&b, 2);
  const char *comp[] = {"name=一村"};
  ok(&a, &b, DOM_COMPOUND, DOM_V_ADD, "SH-C01", comp, 1);
  const char *hh[] = {"compound=SH-C01", "hardship=yes"};
  ok(&a, &b, DOM_HOUSEHOLD, DOM_V_ADD, "SH-C01-3-2-501", hh, 2);
  ok(&a, &b, DOM_HOUSEHOLD, DOM_V_ADD, "SH-C01-3-2-502", hh, 1);
  const char *fish[] = {"name=爱心鱼", "unit=条", "free=yes"};
  const char *veg[] = {"name=十元爱心菜", "unit=份", "price_fen=1000"};
  ok(&a, &b, DOM_ITEM, DOM_V_ADD, "fish", fish, 3);
  ok(&a, &b, DOM_ITEM, DOM_V_ADD, "veg_pack", veg, 3);
  no(&a, DOM_MALFORMED, "an item key is 1 to 64 characters of a-z 0-9 _", DOM_ITEM, DOM_V_ADD,
     "Fish", fish, 3);
  /* stock in: listed items only, with a source; a receipt is logged */
  const char *in_typo[] = {"fihs=10", "source=区物资站"};
  no(&a, DOM_REFUSED, "fihs is not an item of community shihua's supply list (did you mean fish?)",
     DOM_STOCK, DOM_V_IN, "SH-stock", in_typo, 2);
  const char *in_nosrc[] = {"fish=10"};
  no(&a, DOM_MALFORMED, "stock in needs source=", DOM_STOCK, DOM_V_IN, "SH-stock", in_nosrc, 1);
  const char *in[] = {"fish=5", "veg_pack=3", "source=爱心企业", "date=2026-11-27"};
  struct dom_plan *p = malloc(sizeof *p);
  struct dom_err e;
  REQUIRE(p);
  CHECK_EQ(plan(&a, DOM_STOCK, DOM_V_IN, "SH-stock", in, 4, p, &e), 0);
  CHECK_EQ(p->n, 2);
  CHECK(!strcmp(p->ch[1].coll, "stock_receipt") && p->ch[1].kind == CRDT_APPEND);
  size_t vl;
  const uint8_t *src = dom_body_get(p->ch[1].body, p->ch[1].body_len, "items", &vl);
  CHECK(src && vl == 1 + strlen("fish:5,veg_pack:3") && !memcmp(src + 1, "fish:5,veg_pack:3", vl - 1));
  apply_plan(&a, p, &b);
  CHECK_EQ(held(&a, "fish"), 5);
  /* a hand-out draws the stock down, in the same plan */
  const char *r1[] = {"items=fish:2"};
  CHECK_EQ(plan(&a, DOM_DISTRIBUTION, DOM_V_ADD, "SH-C01-3-2-501", r1, 1, p, &e), 0);
  CHECK_EQ(p->n, 2);
  CHECK(!strcmp(p->ch[1].coll, "supply_stock") && p->ch[1].kind == CRDT_COUNTER);
  apply_plan(&a, p, &b);
  CHECK_EQ(held(&a, "fish"), 3);
  CHECK_EQ(held(&b, "fish"), 3);
  /* never below zero on the node that writes */
  const char *r_over[] = {"items=fish:4"};
  no(&a, DOM_REFUSED, "stock SH-stock holds 3 of fish, not 4", DOM_DISTRIBUTION, DOM_V_ADD,
     "SH-C01-3-2-501", r_over, 1);
  const char *r_typo[] = {"items=fihs:1"};
  no(&a, DOM_REFUSED, "(did you mean fish?)", DOM_DISTRIBUTION, DOM_V_ADD, "SH-C01-3-2-501",
     r_typo, 1);
  const char *r_text[] = {"items=蔬菜包"};
  no(&a, DOM_MALFORMED, "item:quantity", DOM_DISTRIBUTION, DOM_V_ADD, "SH-C01-3-2-501", r_text, 1);
  free(p);
  crdt_memview_destroy(a.m);
  crdt_memview_destroy(b.m);
}

/* A partition: each node's own ops are kept, to exchange when it ends. */
struct log {
  uint8_t ops[64][CRDT_OP_MAX_BYTES];
  size_t len[64];
  int n;
};

static void apply_logged(struct node *n, const struct dom_plan *p, struct log *l)
{
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *c = &p->ch[i];
    struct crdt_op op;
    REQUIRE(l->n < 64);
    struct crdt_draft d = {c->scope, c->coll, c->key, n->hlc++, c->kind, c->body, c->body_len,
                           c->n_parents ? c->parents : NULL, c->n_parents};
    REQUIRE(crdt_op_sign(&d, &n->who, l->ops[l->n], CRDT_OP_MAX_BYTES, &l->len[l->n], &op) == 0);
    REQUIRE(crdt_memview_apply(n->m, &op) == 1);
    l->n++;
  }
}

static void give(struct node *to, const struct log *l)
{
  for (int i = 0; i < l->n; i++) {
    struct crdt_op op;
    REQUIRE(crdt_op_decode(&op, l->ops[i], l->len[i]) == 0);
    REQUIRE(crdt_memview_apply(to->m, &op) == 1);
  }
}

static void partition(void)
{
  struct node a, b;
  static struct log la, lb;
  struct dom_plan *p = malloc(sizeof *p);
  struct dom_err e;
  REQUIRE(p);
  node_init(&a, 3);
  node_init(&b, 4);
  b.hlc += 7; /* another clock */
  const char *comp[] = {"name=一村"};
  const char *hh[] = {"compound=SH-C01"};
  const char *fish[] = {"name=爱心鱼", "unit=条"};
  const char *in[] = {"fish=3", "source=x"};
  ok(&a, &b, DOM_COMPOUND, DOM_V_ADD, "SH-C01", comp, 1);
  ok(&a, &b, DOM_HOUSEHOLD, DOM_V_ADD, "SH-C01-1-1-101", hh, 1);
  ok(&a, &b, DOM_HOUSEHOLD, DOM_V_ADD, "SH-C01-1-1-102", hh, 1);
  ok(&a, &b, DOM_ITEM, DOM_V_ADD, "fish", fish, 2);
  ok(&a, &b, DOM_STOCK, DOM_V_IN, "SH-stock", in, 2);
  const char *two[] = {"items=fish:2"};
  CHECK_EQ(plan(&a, DOM_DISTRIBUTION, DOM_V_ADD, "SH-C01-1-1-101", two, 1, p, &e), 0);
  apply_logged(&a, p, &la);
  CHECK_EQ(plan(&b, DOM_DISTRIBUTION, DOM_V_ADD, "SH-C01-1-1-102", two, 1, p, &e), 0);
  apply_logged(&b, p, &lb);
  give(&a, &lb);
  give(&b, &la);
  CHECK_EQ(held(&a, "fish"), -1); /* the overdraft: 3 received, 4 handed out */
  CHECK_EQ(held(&b, "fish"), -1);
  struct crdt_view va = crdt_memview_view(a.m), vb = crdt_memview_view(b.m);
  uint8_t da[CRDT_DIGEST_BYTES], db[CRDT_DIGEST_BYTES];
  CHECK_EQ(crdt_view_digest(&va, NULL, 0, da), 0);
  CHECK_EQ(crdt_view_digest(&vb, NULL, 0, db), 0);
  CHECK_MEM(da, db, CRDT_DIGEST_BYTES);
  /* no further hand-out while overdrawn; a receipt that covers it resolves it */
  const char *one[] = {"items=fish:1"};
  no(&a, DOM_REFUSED, "stock SH-stock holds 0 of fish, not 1", DOM_DISTRIBUTION, DOM_V_ADD,
     "SH-C01-1-1-101", one, 1);
  const char *cover[] = {"fish=1", "source=补记"};
  ok(&a, &b, DOM_STOCK, DOM_V_IN, "SH-stock", cover, 2);
  CHECK_EQ(held(&b, "fish"), 0);
  /* a delivered group order draws its items too */
  const char *in2[] = {"fish=5", "source=x"};
  ok(&a, &b, DOM_STOCK, DOM_V_IN, "SH-stock", in2, 2);
  const char *order[] = {"household=SH-C01-1-1-101", "items=fish:4"};
  ok(&a, &b, DOM_ORDER, DOM_V_ADD, "SH-go-1", order, 2);
  CHECK_EQ(held(&a, "fish"), 5); /* ordered, not delivered */
  const char *typo[] = {"household=SH-C01-1-1-101", "items=fsh:1"};
  no(&a, DOM_REFUSED, "(did you mean fish?)", DOM_ORDER, DOM_V_ADD, "SH-go-2", typo, 2);
  const char *deliver[] = {"status=delivered"};
  CHECK_EQ(plan(&a, DOM_ORDER, DOM_V_SET, "SH-go-1", deliver, 1, p, &e), 0);
  CHECK(p->delivered);
  CHECK_EQ(p->n, 3); /* the order, its hand-out, the draw-down */
  apply_plan(&a, p, &b);
  CHECK_EQ(held(&b, "fish"), 1);
  free(p);
  crdt_memview_destroy(a.m);
  crdt_memview_destroy(b.m);
}

int main(void)
{
  parse();
  ledger();
  partition();
  return test_done("test_supply");
}
