/* fuzz_csv: linli import-csv (node/domain/domain.h "CSV") on any bytes.
 * Input: a byte that picks the collection (mod DOM_N_COLLECTIONS), then the
 * CSV text.
 *
 * The rows are planned against a fixed in-memory store (a crdt_memview, in
 * scope FUZZ_SCOPE) with two compounds, two live households SH-C01-1-1-101
 * (resident r-1) and SH-C01-1-1-102, and a deleted one, SH-C02-2-1-201. The
 * text is parsed from an exact-size copy, so a read past it is caught.
 * Checked:
 * - parsing and planning never change the store (its digest stays the
 *   same); with a parse problem there is no row left to plan;
 * - every problem names a line of the text (1 to the number of line ends
 *   + 1), a column of the collection or none, and a non-empty reason;
 * - every row plans to DOM_OK with at most DOM_PLAN_MAX changes, or to
 *   DOM_REFUSED / DOM_MALFORMED with a sentence; never an error;
 * - every change a plan makes, signed, passes the write check every node
 *   runs (domain_accept): staff input can never make an op a replica
 *   refuses. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

static struct crdt_memview *store_;
static uint8_t digest_[CRDT_DIGEST_BYTES];

static void fc_digest(uint8_t out[CRDT_DIGEST_BYTES])
{
  struct crdt_view v = crdt_memview_view(store_);
  FUZZ_ASSERT(crdt_view_digest(&v, NULL, 0, out) == 0);
}

/* One signed op on the store: field = text (kind SET) or a tombstone. */
static void fc_put(int coll, const char *key, enum crdt_kind kind, const char *f1, const char *v1,
                   const char *f2, const char *v2, uint64_t ms)
{
  uint8_t body[256], out[CRDT_OP_MAX_BYTES];
  struct crdt_buf b;
  struct crdt_op op;
  size_t len;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, (f1 ? 1u : 0u) + (f2 ? 1u : 0u));
  if (f1)
    crdt_w_cstr(&b, f1), crdt_w_cstr(&b, v1);
  if (f2)
    crdt_w_cstr(&b, f2), crdt_w_cstr(&b, v2);
  FUZZ_ASSERT(crdt_buf_err(&b) == 0);
  struct crdt_draft d = {FUZZ_SCOPE, domain_name((enum dom_coll)coll), key,
                         CRDT_HLC_MAKE(FUZZ_BASE_MS + ms, 0), kind, body, b.len, NULL, 0};
  FUZZ_ASSERT(crdt_op_sign(&d, fuzz_identity(0), out, sizeof out, &len, &op) == 0);
  FUZZ_ASSERT(domain_accept(NULL, &op) == 0);
  FUZZ_ASSERT(crdt_memview_apply(store_, &op) == 1);
}

static void fc_open(void)
{
  if (store_)
    return;
  fuzz_init();
  FUZZ_ASSERT((store_ = crdt_memview_new()) != NULL);
  fc_put(DOM_COMPOUND, "SH-C01", CRDT_SET, "name", "x", NULL, NULL, 0);
  fc_put(DOM_COMPOUND, "SH-C02", CRDT_SET, "name", "y", NULL, NULL, 0);
  fc_put(DOM_HOUSEHOLD, "SH-C01-1-1-101", CRDT_SET, "compound", "SH-C01", NULL, NULL, 1);
  fc_put(DOM_HOUSEHOLD, "SH-C01-1-1-102", CRDT_SET, "compound", "SH-C01", NULL, NULL, 2);
  fc_put(DOM_HOUSEHOLD, "SH-C02-2-1-201", CRDT_SET, "compound", "SH-C02", NULL, NULL, 3);
  fc_put(DOM_HOUSEHOLD, "SH-C02-2-1-201", CRDT_TOMBSTONE, NULL, NULL, NULL, NULL, 4);
  fc_put(DOM_RESIDENT, "r-1", CRDT_SET, "household", "SH-C01-1-1-101", "name", "x", 5);
  fc_digest(digest_);
}

static void fc_problems(const struct csv_file *c, const char *text, size_t len)
{
  int lines = 1, kept = c->problems < CSV_PROBLEMS_MAX ? c->problems : CSV_PROBLEMS_MAX;
  for (size_t i = 0; i < len; i++)
    lines += text[i] == '\n' || text[i] == '\r';
  for (int i = 0; i < kept; i++) {
    const struct csv_problem *p = &c->problem[i];
    FUZZ_ASSERT(p->line >= 1 && p->line <= lines);
    FUZZ_ASSERT(p->why[0] && memchr(p->why, 0, sizeof p->why));
    int known = p->col == NULL;
    for (int k = 0; k < c->n_cols && !known; k++)
      known = p->col == c->cols[k];
    FUZZ_ASSERT(known);
  }
}

/* Every change of a plan, signed, passes the write check. */
static void fc_changes(const struct dom_plan *p)
{
  FUZZ_ASSERT(p->n >= 0 && p->n <= DOM_PLAN_MAX);
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *ch = &p->ch[i];
    uint8_t out[CRDT_OP_MAX_BYTES];
    struct crdt_op op;
    size_t len;
    struct crdt_draft d = {ch->scope, ch->coll, ch->key, CRDT_HLC_MAKE(FUZZ_BASE_MS + 10, 0),
                           ch->kind, ch->body, ch->body_len, ch->parents, ch->n_parents};
    int rc = crdt_op_sign(&d, fuzz_identity(0), out, sizeof out, &len, &op);
    FUZZ_ASSERT(rc == 0 || rc == LINLI_ETOOBIG);
    FUZZ_ASSERT(rc || domain_accept(NULL, &op) == 0);
  }
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct fuzz_in in = {data, size};
  struct csv_file c;
  uint8_t after[CRDT_DIGEST_BYTES];
  static struct dom_plan plan;
  fc_open();
  int coll = fuzz_u8(&in) % DOM_N_COLLECTIONS;
  FUZZ_ASSERT(csv_init(&c, coll) == 0);
  char *buf = malloc(in.n + 1);
  FUZZ_ASSERT(buf);
  if (in.n)
    memcpy(buf, in.p, in.n);
  FUZZ_ASSERT(csv_parse(&c, buf, in.n) == 0);
  if (c.problems)
    FUZZ_ASSERT(c.n_rows == 0); /* nothing to plan */
  struct crdt_view v = crdt_memview_view(store_);
  struct dom_req base = {.coll = coll, .home = FUZZ_SCOPE, .district = "qiaokou",
                         .today = "2020-03-02", .now = "08:00:00", .upsert = 1};
  for (size_t i = 0; i < c.n_rows; i++) {
    struct dom_err e;
    int rc = csv_plan(&c, i, &base, &v, &plan, &e);
    FUZZ_ASSERT(rc == DOM_OK || rc == DOM_REFUSED || rc == DOM_MALFORMED);
    if (rc)
      FUZZ_ASSERT(e.code == rc && e.msg[0] && plan.n == 0);
    else
      fc_changes(&plan);
  }
  fc_digest(after);
  FUZZ_ASSERT(memcmp(after, digest_, sizeof after) == 0);
  fc_problems(&c, (const char *)in.p, in.n);
  csv_release(&c);
  free(buf);
  return 0;
}
