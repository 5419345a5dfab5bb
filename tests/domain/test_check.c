/* The write check (domain_accept) on every field of the domain table, and
 * on every path an op comes in by:
 *   - for each field of each collection, an op with a value of its stored
 *     type passes, and one with each other type (a map, bin, array, an
 *     integer for text, text for an integer, an over-long text) is refused
 *     with LINLI_ESCHEMA; a set's elements likewise; nil clears an lww field;
 *     a field or collection the table does not know passes unchanged; an op
 *     of the wrong CRDT kind for its collection is refused;
 *   - a node: a wrong-typed op signed by any author is refused by
 *     node_write, by node_import_each (what `linli import` of a bundle file
 *     runs, here from a real bundle file) and when a peer pushes it (the
 *     peer has no check: an older or hostile node), and each time the
 *     node's digest is what it was. */
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "domain.h"
#include "test.h"
#include "test_node_util.h"

#define T0_MS UINT64_C(1700000000000)

/* One op of collection c, key k, kind, body b (len n), signed by who. */
static int sign(struct crdt_op *op, uint8_t *buf, const char *scope, const char *coll,
                enum crdt_kind kind, const uint8_t *b, size_t n, const struct crdt_identity *who)
{
  size_t len;
  struct crdt_draft d = {scope, coll, "k-1", CRDT_HLC_MAKE(T0_MS, 0), kind, b, n, NULL, 0};
  return crdt_op_sign(&d, who, buf, CRDT_OP_MAX_BYTES, &len, op);
}

enum { V_STR, V_LONGSTR, V_INT, V_BOOL, V_NIL, V_MAP, V_BIN, V_ARRAY, V_N };

/* Writes one value of kind v (for field f: a text one byte over its limit). */
static void value(struct crdt_buf *b, int v, const struct dom_field *f)
{
  static char long_text[DOM_NOTE_MAX + 200];
  size_t over = dom_text_max(f) + 1;
  switch (v) {
  case V_STR:
    crdt_w_cstr(b, "x");
    break;
  case V_LONGSTR:
    memset(long_text, 'y', sizeof long_text);
    crdt_w_str(b, long_text, f->type == DOM_T_KEY ? CRDT_KEY_MAX + 1
                             : f->type == DOM_T_ENUM ? DOM_TEXT_MAX + 1
                                                     : over);
    break;
  case V_INT:
    crdt_w_int(b, 365);
    break;
  case V_BOOL:
    crdt_w_bool(b, 1);
    break;
  case V_NIL:
    crdt_w_nil(b);
    break;
  case V_MAP:
    crdt_w_map(b, 1), crdt_w_cstr(b, "a"), crdt_w_int(b, 1);
    break;
  case V_BIN:
    crdt_w_bin(b, "ab", 2);
    break;
  default:
    crdt_w_array(b, 1), crdt_w_cstr(b, "x");
  }
}

/* Does a value of kind v fit f's stored type (as an lww value or element)? */
static int fits(const struct dom_field *f, int v, int lww)
{
  char c = dom_stored_class(f);
  return (c == 's' && v == V_STR) || (c == 'i' && v == V_INT) || (c == 'b' && v == V_BOOL) ||
         (lww && v == V_NIL);
}

static void every_field(void)
{
  struct crdt_identity who;
  t_identity(&who, 0x31);
  int checked = 0;
  for (int ci = 0; ci < DOM_N_COLLECTIONS; ci++) {
    const struct dom_collection *c = &domain_collections[ci];
    for (int fi = 0; c->fields && c->fields[fi].name; fi++) {
      const struct dom_field *f = &c->fields[fi];
      enum crdt_kind kind = f->kind == DOM_EVENT ? CRDT_APPEND
                            : f->kind == DOM_SET ? CRDT_ADD
                                                 : CRDT_SET;
      for (int v = 0; v < V_N; v++) {
        uint8_t body[CRDT_BODY_MAX_BYTES], raw[CRDT_OP_MAX_BYTES];
        struct crdt_buf b;
        struct crdt_op op;
        crdt_buf_init(&b, body, sizeof body);
        crdt_w_map(&b, 1);
        crdt_w_cstr(&b, f->name);
        if (kind == CRDT_ADD) /* a set op: an array of elements */
          crdt_w_array(&b, 1);
        value(&b, v, f);
        REQUIRE(crdt_buf_err(&b) == 0);
        if (sign(&op, raw, "shihua", c->name, kind, b.p, b.len, &who))
          continue; /* a value the op codec itself refuses (none of these) */
        int want = fits(f, v, kind == CRDT_SET) ? 0 : LINLI_ESCHEMA;
        int got = domain_accept(NULL, &op);
        if (got != want)
          fprintf(stderr, "%s.%s value kind %d: %d, want %d\n", c->name, f->name, v, got, want);
        CHECK_EQ(got, want);
        checked++;
      }
      /* the wrong CRDT kind for the field: a set op on a set, an add on an lww */
      if (f->kind != DOM_EVENT) {
        uint8_t body[64], raw[CRDT_OP_MAX_BYTES];
        struct crdt_buf b;
        struct crdt_op op;
        crdt_buf_init(&b, body, sizeof body);
        crdt_w_map(&b, 1);
        crdt_w_cstr(&b, f->name);
        crdt_w_array(&b, 1);
        crdt_w_cstr(&b, "x");
        REQUIRE(sign(&op, raw, "shihua", c->name, f->kind == DOM_SET ? CRDT_SET : CRDT_ADD, b.p,
                     b.len, &who) == 0);
        CHECK_EQ(domain_accept(NULL, &op), LINLI_ESCHEMA);
      }
    }
    /* a field this node does not know, in a known collection: passes */
    uint8_t body[64], raw[CRDT_OP_MAX_BYTES];
    struct crdt_buf b;
    struct crdt_op op;
    crdt_buf_init(&b, body, sizeof body);
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, "from_a_newer_node");
    crdt_w_map(&b, 0);
    enum crdt_kind kind = c->shape == DOM_LOG        ? CRDT_APPEND
                          : c->shape == DOM_COUNTERS ? CRDT_COUNTER
                                                     : CRDT_SET;
    if (kind == CRDT_COUNTER) { /* counters: every field is an item; a map is not a delta */
      crdt_buf_init(&b, body, sizeof body);
      crdt_w_map(&b, 1);
      crdt_w_cstr(&b, "fish");
      crdt_w_int(&b, 2063);
    }
    REQUIRE(sign(&op, raw, "shihua", c->name, kind, b.p, b.len, &who) == 0);
    CHECK_EQ(domain_accept(NULL, &op), 0);
    /* an append to a register, a set op on a log: the wrong shape */
    REQUIRE(sign(&op, raw, "shihua", c->name, kind == CRDT_APPEND ? CRDT_SET : CRDT_APPEND, b.p,
                 b.len, &who) == 0);
    CHECK_EQ(domain_accept(NULL, &op), LINLI_ESCHEMA);
    /* a tombstone of any collection passes */
    REQUIRE(sign(&op, raw, "shihua", c->name, CRDT_TOMBSTONE, (const uint8_t *)"\x80", 1, &who) == 0);
    CHECK_EQ(domain_accept(NULL, &op), 0);
  }
  /* a collection this node does not know: anything passes */
  uint8_t raw[CRDT_OP_MAX_BYTES];
  struct crdt_op op;
  REQUIRE(sign(&op, raw, "shihua", "newer_collection", CRDT_SET, (const uint8_t *)"\x81\xa1x\x80",
               4, &who) == 0);
  CHECK_EQ(domain_accept(NULL, &op), 0);
  CHECK(checked > 200);
  printf("every_field: %d typed values judged\n", checked);
}

/* resident.name set to a map: the op every path must refuse. */
static void wrong_op(uint8_t *raw, size_t *len, const struct crdt_identity *who, uint64_t ms)
{
  uint8_t body[32];
  struct crdt_buf b;
  struct crdt_op op;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "name");
  crdt_w_map(&b, 1), crdt_w_cstr(&b, "a"), crdt_w_int(&b, 1);
  struct crdt_draft d = {"shihua", domain_name(DOM_RESIDENT), "r-1", CRDT_HLC_MAKE(ms, 0),
                         CRDT_SET, b.p, b.len, NULL, 0};
  REQUIRE(crdt_op_sign(&d, who, raw, CRDT_OP_MAX_BYTES, len, &op) == 0);
}

static void every_path(void)
{
  static struct tnet t;
  static const char *const scopes[] = {"shihua", NULL};
  uint8_t raw[CRDT_OP_MAX_BYTES], before[CRDT_DIGEST_BYTES], after[CRDT_DIGEST_BYTES];
  size_t len;
  struct test_rng r = {7};
  memset(&t, 0, sizeof t);
  t.now_ms = T0_MS;
  t.accept[0] = domain_accept; /* node 0 checks, as linlid does */
  t.accept[1] = NULL;          /* node 1 does not: an older or hostile peer */
  tn_open(&t, 0, scopes);
  tn_open(&t, 1, scopes);
  tn_write(&t, 0, &r, NULL); /* something to digest */
  REQUIRE(node_digest(t.nodes[0], "shihua", before) == 0);

  /* a local write of the wrong type */
  uint8_t body[32];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "phone");
  crdt_w_int(&b, 13800001111);
  struct node_change ch = {NULL, domain_name(DOM_RESIDENT), "r-1", CRDT_SET, b.p, b.len, NULL, 0};
  uint8_t id[CRDT_ID_BYTES];
  CHECK_EQ(node_write(t.nodes[0], &ch, id), LINLI_ESCHEMA);

  /* a bundle file (linli import runs node_import_each on its ops) */
  char path[96];
  struct bundle_writer bw;
  snprintf(path, sizeof path, "%s/wrong.bundle", t.dirs[0]);
  wrong_op(raw, &len, &t.who[1], T0_MS + 1);
  REQUIRE(bundle_open(&bw, path) == 0);
  REQUIRE(bundle_add(&bw, raw, len) == 0);
  REQUIRE(bundle_close(&bw) == 0);
  uint8_t *file;
  const uint8_t **ops;
  size_t *lens, n;
  REQUIRE(bundle_read(path, &file, &ops, &lens, &n) == 0 && n == 1);
  int fate = 0;
  CHECK_EQ(node_import_each(t.nodes[0], ops, lens, n, &fate), 0);
  CHECK_EQ(fate, LINLI_ESCHEMA);
  free(file), free(ops), free(lens);
  unlink(path);

  /* a peer without the check takes it and pushes it */
  struct node_status st0;
  CHECK_EQ(node_import_one(t.nodes[1], raw, len), 1);
  tn_link(&t, 1, 0);
  for (int i = 0; i < 20; i++)
    tn_round(&t, 500);
  REQUIRE(node_status(t.nodes[0], &st0) == 0);
  CHECK(st0.rejected_by[linli_err_index(LINLI_ESCHEMA)] >= 2); /* the bundle's and the peer's */
  REQUIRE(node_digest(t.nodes[0], "shihua", after) == 0);
  CHECK_MEM(before, after, CRDT_DIGEST_BYTES);
  /* and the good op did reach the peer: the link works */
  uint8_t d1[CRDT_DIGEST_BYTES];
  struct node_status st1;
  REQUIRE(node_status(t.nodes[1], &st1) == 0);
  REQUIRE(node_digest(t.nodes[1], "shihua", d1) == 0);
  CHECK_EQ(st1.ops, 2);
  CHECK(memcmp(d1, after, sizeof d1) != 0); /* node 1 holds the op node 0 refused */
  tn_close(&t);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  test_seed(1);
  every_field();
  every_path();
  return test_done("test_check");
}
