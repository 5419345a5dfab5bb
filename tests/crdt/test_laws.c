/* CRDT laws: the same op set, applied in any order with duplicates, gives
 * the same rows and the same digest. 1,000+ random op sets mixing every
 * kind, concurrent edits of one field, parents, deletes and re-adds. */
#include "test_crdt_util.h"

#define AUTHORS 3
#define MAX_OPS 48
#define ORDERS 5

static const char *keys[] = {"1-1-101", "1-1-102", "2-3-501"};
static const char *fields[] = {"name", "phone", "status"};
static const char *setf[] = {"members", "tags"};

struct gen {
  struct test_rng rng;
  struct crdt_identity who[AUTHORS];
  struct t_op *ops;
  int n;
};

static void body_elem(struct crdt_buf *b, struct test_rng *r, const char *f)
{
  crdt_w_map(b, 1);
  crdt_w_cstr(b, f);
  uint32_t m = 1 + (uint32_t)test_below(r, 2);
  crdt_w_array(b, m);
  for (uint32_t i = 0; i < m; i++)
    crdt_w_uint(b, test_below(r, 4)); /* few distinct elements: re-adds happen */
}

/* Picks up to `max` earlier ops of record `key` and kind `kind` (any field). */
static uint32_t pick_parents(struct gen *g, const char *key, enum crdt_kind kind,
                             uint8_t *out, uint32_t max)
{
  uint32_t n = 0;
  for (int i = g->n - 1; i >= 0 && n < max; i--) {
    const struct crdt_op *o = &g->ops[i].op;
    if (o->kind != kind || o->key.len != strlen(key) || memcmp(o->key.p, key, o->key.len))
      continue;
    if (test_below(&g->rng, 3) == 0)
      continue;
    memcpy(out + n * CRDT_ID_BYTES, o->id, CRDT_ID_BYTES);
    n++;
  }
  return n;
}

static void gen_op(struct gen *g)
{
  struct test_rng *r = &g->rng;
  uint8_t body[512], parents[4 * CRDT_ID_BYTES];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  const char *key = keys[test_below(r, 3)];
  const char *coll = test_below(r, 4) ? "resident" : "household";
  /* Small HLC range so ties and concurrency are common. */
  uint64_t hlc = CRDT_HLC_MAKE(1700000000000 + test_below(r, 6), test_below(r, 3));
  const struct crdt_identity *who = &g->who[test_below(r, AUTHORS)];
  enum crdt_kind kind = (enum crdt_kind)test_below(r, CRDT_KIND_COUNT);
  uint32_t np = 0;

  switch (kind) {
  case CRDT_SET: {
    uint32_t nf = 1 + (uint32_t)test_below(r, 2);
    int first = (int)test_below(r, 2);
    crdt_w_map(&b, nf);
    for (uint32_t i = 0; i < nf; i++) {
      crdt_w_cstr(&b, fields[first + (int)i]);
      if (test_below(r, 2))
        crdt_w_uint(&b, test_below(r, 100));
      else
        crdt_w_cstr(&b, test_below(r, 2) ? "张三" : "李四");
    }
    np = pick_parents(g, key, CRDT_SET, parents, 3);
    break;
  }
  case CRDT_ADD:
    body_elem(&b, r, setf[test_below(r, 2)]);
    break;
  case CRDT_REMOVE:
    np = pick_parents(g, key, CRDT_ADD, parents, 4);
    if (np == 0) {
      kind = CRDT_COUNTER;
      goto counter;
    }
    body_elem(&b, r, setf[test_below(r, 2)]);
    break;
  case CRDT_COUNTER:
  counter:
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, test_below(r, 2) ? "rice_kg" : "masks");
    crdt_w_int(&b, (int64_t)test_below(r, 200) - 100);
    break;
  case CRDT_APPEND:
    crdt_w_map(&b, 2);
    crdt_w_cstr(&b, "gate");
    crdt_w_cstr(&b, test_below(r, 2) ? "north" : "south");
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, 360 + test_below(r, 20));
    break;
  case CRDT_TOMBSTONE:
    crdt_w_map(&b, 0);
    break;
  }
  REQUIRE(crdt_buf_err(&b) == 0);
  t_sign(&g->ops[g->n], who, "shihua", coll, key, hlc, kind, body, b.len, parents, np);
  for (int i = 0; i < g->n; i++)
    if (memcmp(g->ops[i].op.id, g->ops[g->n].op.id, CRDT_ID_BYTES) == 0)
      return; /* the same op twice is one op: keep the set a set */
  g->n++;
}

static void shuffle(struct test_rng *r, int *a, int n)
{
  for (int i = n - 1; i > 0; i--) {
    int j = (int)test_below(r, (uint64_t)i + 1);
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/* Applies the ops in a random order with random duplicates; digest out. */
static size_t apply_order(struct gen *g, struct test_rng *r, uint8_t out[CRDT_DIGEST_BYTES])
{
  int idx[MAX_OPS * 2];
  int m = 0;
  for (int i = 0; i < g->n; i++) {
    idx[m++] = i;
    if (test_below(r, 4) == 0)
      idx[m++] = i; /* duplicate delivery */
  }
  shuffle(r, idx, m);
  struct crdt_memview *mv = crdt_memview_new();
  REQUIRE(mv);
  int applied = 0;
  for (int i = 0; i < m; i++) {
    int rc = crdt_memview_apply(mv, &g->ops[idx[i]].op);
    if (rc < 0)
      fprintf(stderr, "apply: %s (kind %s)\n", linli_strerror(rc), crdt_kind_name(g->ops[idx[i]].op.kind));
    REQUIRE(rc >= 0);
    applied += rc;
  }
  CHECK_EQ(applied, g->n);
  t_digest(mv, out);
  size_t rows = crdt_memview_rows(mv);
  crdt_memview_destroy(mv);
  return rows;
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  uint64_t base = test_seed(20261128);
  int sets = getenv("LINLI_SETS") ? atoi(getenv("LINLI_SETS")) : 1000;
  struct gen g;
  g.ops = malloc(sizeof(struct t_op) * MAX_OPS);
  REQUIRE(g.ops);
  for (int a = 0; a < AUTHORS; a++)
    t_identity(&g.who[a], (uint8_t)(0x10 + a));
  long total_rows = 0;
  int bad = 0;
  for (int s = 0; s < sets; s++) {
    uint64_t seed = base + (uint64_t)s;
    g.rng.s = seed;
    g.n = 0;
    int n = 8 + (int)test_below(&g.rng, MAX_OPS - 8);
    for (int i = 0; i < n; i++)
      gen_op(&g);
    uint8_t ref[CRDT_DIGEST_BYTES], d[CRDT_DIGEST_BYTES];
    struct test_rng order_rng = {seed ^ UINT64_C(0xabcdef)};
    size_t rows = apply_order(&g, &order_rng, ref);
    total_rows += (long)rows;
    for (int o = 1; o < ORDERS; o++) {
      apply_order(&g, &order_rng, d);
      if (memcmp(ref, d, sizeof d) != 0) {
        bad++;
        fprintf(stderr, "digest differs for op set SEED=%" PRIu64
                        " (replay: LINLI_SEED=%" PRIu64 " LINLI_SETS=1 %s)\n",
                seed, seed, "test_laws");
        CHECK_MEM(ref, d, sizeof d);
        break;
      }
    }
  }
  printf("op sets: %d, orders each: %d, mean rows: %.1f, diverged: %d\n", sets, ORDERS,
         (double)total_rows / sets, bad);
  CHECK(total_rows > sets); /* the views are not trivially empty */
  free(g.ops);
  return test_done("test_laws");
}
