/* Merge semantics, case by case: lww with visible conflicts and their
 * resolution, the add-wins observed-remove set, the PN counter, the log and
 * tombstones. The CRDT laws over random op sets are in test_laws.c. */
#include "test_crdt_util.h"

static struct crdt_identity alice, bob;
static struct crdt_memview *mv;

static size_t body1(uint8_t *buf, const char *f, const char *s, int64_t i, int arr)
{
  struct crdt_buf b;
  crdt_buf_init(&b, buf, 256);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, f);
  if (arr)
    crdt_w_array(&b, 1);
  if (s)
    crdt_w_cstr(&b, s);
  else
    crdt_w_int(&b, i);
  REQUIRE(crdt_buf_err(&b) == 0);
  return b.len;
}

static struct t_op *op(const struct crdt_identity *who, uint64_t ms, enum crdt_kind kind,
                       const char *f, const char *s, int64_t i, const struct t_op *p1,
                       const struct t_op *p2)
{
  static struct t_op ops[64];
  static int n;
  uint8_t body[256], parents[2 * CRDT_ID_BYTES];
  uint32_t np = 0;
  size_t bl = kind == CRDT_TOMBSTONE ? (body[0] = 0x80, 1)
                                     : body1(body, f, s, i, kind == CRDT_ADD || kind == CRDT_REMOVE);
  if (p1)
    memcpy(parents + CRDT_ID_BYTES * np++, p1->op.id, CRDT_ID_BYTES);
  if (p2)
    memcpy(parents + CRDT_ID_BYTES * np++, p2->op.id, CRDT_ID_BYTES);
  REQUIRE(n < 64);
  struct t_op *o = &ops[n++];
  t_sign(o, who, "shihua", "household", "3-2-501", CRDT_HLC_MAKE(ms, 0), kind, body, bl, parents, np);
  REQUIRE(crdt_memview_apply(mv, &o->op) == 1);
  return o;
}

static int row(char tag, const char *f, const uint8_t **v, size_t *vl)
{
  uint8_t k[256];
  int n = crdt_row_prefix(k, sizeof k, "shihua", 6, "household", 9, "3-2-501", 7);
  REQUIRE(n > 0);
  k[n++] = (uint8_t)tag;
  if (f) {
    memcpy(k + n, f, strlen(f) + 1);
    n += (int)strlen(f) + 1;
  }
  struct crdt_view view = crdt_memview_view(mv);
  return view.get(view.ctx, k, (size_t)n, v, vl);
}

struct collect {
  int n;
  char vals[4][32];
};

static int collect_fn(void *arg, const struct crdt_lww_entry *e)
{
  struct collect *c = arg;
  struct crdt_mp r;
  const char *s;
  uint32_t sl;
  crdt_mp_init(&r, e->value, e->value_len);
  REQUIRE(crdt_mp_str(&r, &s, &sl) == 0 && sl < 32 && c->n < 4);
  memcpy(c->vals[c->n], s, sl);
  c->vals[c->n][sl] = 0;
  c->n++;
  return 0;
}

static struct collect lww(const char *f)
{
  struct collect c = {0, {{0}}};
  const uint8_t *v;
  size_t vl;
  if (row('L', f, &v, &vl) == 0)
    CHECK_EQ(crdt_lww_each(v, vl, collect_fn, &c), 0);
  return c;
}

static int64_t counter(const char *f)
{
  const uint8_t *v;
  size_t vl;
  REQUIRE(row('C', f, &v, &vl) == 0 && vl == 8);
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u = u << 8 | v[i];
  return (int64_t)u;
}

static int count_fn(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  (void)k, (void)kl, (void)v, (void)vl;
  (*(int *)arg)++;
  return 0;
}

static int count_rows(char tag)
{
  uint8_t k[256];
  int n = tag == CRDT_ROW_LOG ? crdt_row_prefix(k, sizeof k, "shihua", 6, "household", 9, NULL, 0)
                              : crdt_row_prefix(k, sizeof k, "shihua", 6, "household", 9, "3-2-501", 7);
  REQUIRE(n > 0);
  k[n++] = (uint8_t)tag;
  struct crdt_view view = crdt_memview_view(mv);
  int rows = 0;
  REQUIRE(view.scan(view.ctx, k, (size_t)n, count_fn, &rows) == 0);
  return rows;
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&alice, 0xa1);
  t_identity(&bob, 0xb0);
  mv = crdt_memview_new();
  REQUIRE(mv);

  /* lww: two concurrent writes are both kept, the later one wins. */
  struct t_op *a = op(&alice, 1000, CRDT_SET, "head", "wang", 0, NULL, NULL);
  struct t_op *b = op(&bob, 1001, CRDT_SET, "head", "zhao", 0, NULL, NULL);
  struct collect c = lww("head");
  CHECK_EQ(c.n, 2);
  CHECK(strcmp(c.vals[0], "zhao") == 0);
  CHECK(strcmp(c.vals[1], "wang") == 0);
  /* A write that saw both resolves the conflict. */
  struct t_op *r = op(&alice, 1002, CRDT_SET, "head", "wang", 0, a, b);
  c = lww("head");
  CHECK_EQ(c.n, 1);
  CHECK(strcmp(c.vals[0], "wang") == 0);
  /* A write with a lower timestamp that saw the resolution still wins: the
   * parent relation, not the clock, says what it overwrote. */
  op(&bob, 900, CRDT_SET, "head", "li", 0, r, NULL);
  c = lww("head");
  CHECK_EQ(c.n, 1);
  CHECK(strcmp(c.vals[0], "li") == 0);

  /* or-set: a remove drops the adds it observed; a concurrent add wins. */
  struct t_op *add1 = op(&alice, 1100, CRDT_ADD, "members", "r1", 0, NULL, NULL);
  CHECK_EQ(count_rows('E'), 1);
  op(&bob, 1101, CRDT_REMOVE, "members", "r1", 0, add1, NULL);
  CHECK_EQ(count_rows('E'), 0);
  CHECK_EQ(count_rows('R'), 1);
  op(&alice, 1101, CRDT_ADD, "members", "r1", 0, NULL, NULL);
  CHECK_EQ(count_rows('E'), 1);

  /* PN counter. */
  op(&alice, 1200, CRDT_COUNTER, "rice_kg", NULL, 50, NULL, NULL);
  op(&bob, 1200, CRDT_COUNTER, "rice_kg", NULL, -8, NULL, NULL);
  op(&bob, 1201, CRDT_COUNTER, "rice_kg", NULL, -2, NULL, NULL);
  CHECK_EQ(counter("rice_kg"), 40);

  /* Log: every event is kept. */
  op(&alice, 1300, CRDT_APPEND, "gate", "north", 0, NULL, NULL);
  op(&bob, 1300, CRDT_APPEND, "gate", "north", 0, NULL, NULL);
  CHECK_EQ(count_rows(CRDT_ROW_LOG), 2);

  /* Tombstone: hides values and elements written before it; history (log,
   * counters) stays; a later write shows again. */
  op(&bob, 1400, CRDT_TOMBSTONE, NULL, NULL, 0, NULL, NULL);
  CHECK_EQ(lww("head").n, 0);
  CHECK_EQ(count_rows('E'), 0);
  CHECK_EQ(count_rows(CRDT_ROW_LOG), 2);
  CHECK_EQ(counter("rice_kg"), 40);
  CHECK_EQ(count_rows('T'), 1);
  /* A stale write from before the delete stays deleted. */
  op(&alice, 1350, CRDT_SET, "head", "stale", 0, NULL, NULL);
  CHECK_EQ(lww("head").n, 0);
  op(&alice, 1350, CRDT_ADD, "members", "r9", 0, NULL, NULL);
  CHECK_EQ(count_rows('E'), 0);
  /* An older tombstone changes nothing. */
  op(&alice, 1390, CRDT_TOMBSTONE, NULL, NULL, 0, NULL, NULL);
  CHECK_EQ(count_rows('T'), 1);
  op(&alice, 1500, CRDT_SET, "head", "qian", 0, NULL, NULL);
  c = lww("head");
  CHECK_EQ(c.n, 1);
  CHECK(strcmp(c.vals[0], "qian") == 0);

  /* Applying an op twice through the memview is a no-op. */
  struct t_op *again = op(&bob, 1600, CRDT_COUNTER, "masks", NULL, 7, NULL, NULL);
  CHECK_EQ(crdt_memview_apply(mv, &again->op), 0);
  CHECK_EQ(counter("masks"), 7);

  crdt_memview_destroy(mv);
  return test_done("test_merge");
}
