/* The signed op (docs/protocol.md, "The signed op"): sign and decode round
 * trips, one test per malformed class with its documented code, every
 * single-bit flip refused, parents sorted and deduplicated by the signer;
 * the hybrid logical clock; key files. */
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crdt.h"
#include "test.h"

#include "test_alloc.h" /* decode must not allocate */

static struct crdt_identity alice, bob;

static void identities(void)
{
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 1, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&alice, seed) == 0);
  memset(seed, 2, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&bob, seed) == 0);
}

static int all_zero(const void *p, size_t n)
{
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i])
      return 0;
  return 1;
}

/* ---- a hand-built op with arbitrary fields ---- */

struct raw {
  uint32_t env_n;    /* envelope count written (2) */
  uint32_t fields_n; /* op field count written (9) */
  uint32_t emit;     /* how many fields are actually written (9; extra ones are nil) */
  int version_raw;   /* if set, `version_bytes` replaces the version field */
  const char *version_bytes;
  uint64_t version;
  const uint8_t *author;
  size_t author_len;
  int author_as_str;
  const char *scope;
  size_t scope_len;
  uint64_t hlc;
  const char *hlc_bytes; /* pre-encoded hlc (hex) instead of `hlc` */
  const char *coll;
  size_t coll_len;
  const char *key;
  size_t key_len;
  uint64_t kind;
  const uint8_t *body;
  size_t body_len;
  uint32_t n_parents; /* count written in the array header */
  const uint8_t *parents;
  size_t parent_len; /* bytes of each parent (stride too) */
  size_t sig_len;
  size_t trail_len; /* 0x00 bytes after the envelope */
  int sign;         /* a real signature by alice when sig_len is 64 */
};

static uint8_t body_grid3[] = {0x81, 0xa4, 'g', 'r', 'i', 'd', 0x03};

static struct raw raw_default(void)
{
  struct raw f;
  memset(&f, 0, sizeof f);
  f.env_n = 2;
  f.fields_n = 9;
  f.emit = 9;
  f.version = 1;
  f.author = alice.pk;
  f.author_len = 32;
  f.scope = "shihua";
  f.scope_len = 6;
  f.hlc = CRDT_HLC_MAKE(UINT64_C(1583020800000), 7);
  f.coll = "resident";
  f.coll_len = 8;
  f.key = "r-000123";
  f.key_len = 8;
  f.kind = CRDT_SET;
  f.body = body_grid3;
  f.body_len = sizeof body_grid3;
  f.sig_len = 64;
  f.sign = 1;
  return f;
}

static void w_hex(struct crdt_buf *b, const char *hex)
{
  uint8_t tmp[64];
  size_t n = 0;
  REQUIRE(sodium_hex2bin(tmp, sizeof tmp, hex, strlen(hex), NULL, &n, NULL) == 0);
  crdt_w_raw(b, tmp, n);
}

/* Writes the op into a fresh heap block of exactly its size (so ASan sees
 * any read past the end); the caller frees it. */
static uint8_t *raw_write(const struct raw *f, size_t *len)
{
  static uint8_t out[3 * CRDT_OP_MAX_BYTES];
  struct crdt_buf b;
  crdt_buf_init(&b, out, sizeof out);
  crdt_w_array(&b, f->env_n);
  size_t start = b.len;
  crdt_w_array(&b, f->fields_n);
  for (uint32_t i = 0; i < f->emit; i++) {
    switch (i) {
    case 0:
      if (f->version_raw)
        w_hex(&b, f->version_bytes);
      else
        crdt_w_uint(&b, f->version);
      break;
    case 1:
      if (f->author_as_str)
        crdt_w_str(&b, (const char *)f->author, f->author_len);
      else
        crdt_w_bin(&b, f->author, f->author_len);
      break;
    case 2: crdt_w_str(&b, f->scope, f->scope_len); break;
    case 3:
      if (f->hlc_bytes)
        w_hex(&b, f->hlc_bytes);
      else
        crdt_w_uint(&b, f->hlc);
      break;
    case 4: crdt_w_str(&b, f->coll, f->coll_len); break;
    case 5: crdt_w_str(&b, f->key, f->key_len); break;
    case 6: crdt_w_uint(&b, f->kind); break;
    case 7: crdt_w_raw(&b, f->body, f->body_len); break;
    case 8:
      crdt_w_array(&b, f->n_parents);
      for (uint32_t j = 0; j < f->n_parents; j++)
        crdt_w_bin(&b, f->parents + j * f->parent_len, f->parent_len);
      break;
    default: crdt_w_nil(&b); break;
    }
  }
  uint8_t sig[80];
  memset(sig, 0x5a, sizeof sig);
  if (f->sign && f->sig_len == 64) {
    uint8_t id[32];
    crypto_generichash(id, sizeof id, out + start, b.len - start, NULL, 0);
    crypto_sign_detached(sig, NULL, id, sizeof id, alice.sk);
  }
  crdt_w_bin(&b, sig, f->sig_len);
  for (uint32_t i = 2; i < f->env_n; i++)
    crdt_w_nil(&b);
  for (size_t i = 0; i < f->trail_len; i++)
    crdt_w_raw(&b, "", 1);
  REQUIRE(crdt_buf_err(&b) == 0);
  uint8_t *p = malloc(b.len);
  REQUIRE(p);
  memcpy(p, out, b.len);
  *len = b.len;
  return p;
}

/* Decodes f's bytes: the code must be `want`, nothing allocated, and on
 * failure the output struct zeroed. open must agree. */
#define EXPECT(f, want) expect_raw(__LINE__, (f), (want))
static void expect_raw(int line, const struct raw *f, int want)
{
  size_t len;
  uint8_t *p = raw_write(f, &len);
  struct crdt_op op;
  memset(&op, 0xa5, sizeof op);
  size_t before = alloc_n;
  int rc = crdt_op_decode(&op, p, len);
  size_t allocs = alloc_n - before;
  if (rc != want)
    fprintf(stderr, "line %d: decode got %s, want %s\n", line, linli_errname(rc),
            linli_errname(want));
  CHECK_EQ(rc, want);
  CHECK_EQ(allocs, 0);
  if (want) {
    CHECK(all_zero(&op, sizeof op));
  } else {
    CHECK(op.raw == p);
    CHECK_EQ(op.raw_len, len);
  }
  memset(&op, 0xa5, sizeof op);
  rc = crdt_op_open(&op, p, len);
  CHECK_EQ(rc, want);
  if (rc)
    CHECK(all_zero(&op, sizeof op));
  free(p);
}

static void test_template(void)
{
  struct raw f = raw_default();
  EXPECT(&f, 0);
  /* The hand-built op is exactly what crdt_op_sign makes of the same draft. */
  size_t len;
  uint8_t *p = raw_write(&f, &len);
  uint8_t out[CRDT_OP_MAX_BYTES];
  size_t out_len = 0;
  struct crdt_draft d = {"shihua", "resident", "r-000123", f.hlc, CRDT_SET,
                         body_grid3, sizeof body_grid3, NULL, 0};
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, NULL), 0);
  CHECK_EQ(out_len, len);
  CHECK_MEM(out, p, len);
  free(p);
}

static void test_envelope(void)
{
  struct raw f = raw_default();
  f.env_n = 1;
  EXPECT(&f, LINLI_ETYPE);
  f.env_n = 3;
  EXPECT(&f, LINLI_ETYPE);
  f = raw_default();
  f.fields_n = 8;
  f.emit = 8;
  EXPECT(&f, LINLI_ETYPE);
  f.fields_n = 10;
  f.emit = 10;
  EXPECT(&f, LINLI_ETYPE);
  f.fields_n = 8; /* says 8, holds 9 */
  f.emit = 9;
  EXPECT(&f, LINLI_ETYPE);
  f = raw_default();
  f.sig_len = 63;
  EXPECT(&f, LINLI_ETYPE);
  f.sig_len = 65;
  EXPECT(&f, LINLI_ETYPE);
  f.sig_len = 0;
  EXPECT(&f, LINLI_ETYPE);
  f = raw_default();
  f.trail_len = 1;
  EXPECT(&f, LINLI_ETRAIL);
}

static void test_header_fields(void)
{
  struct raw f = raw_default();
  f.version = 2;
  EXPECT(&f, LINLI_EVERSION);
  f.version = 0;
  EXPECT(&f, LINLI_EVERSION);
  f.version_raw = 1;
  f.version_bytes = "cc01"; /* 1, but not in its shortest form */
  EXPECT(&f, LINLI_ENONCANON);
  f.version_bytes = "ff"; /* -1 */
  EXPECT(&f, LINLI_ETYPE);

  uint8_t pk[33];
  memcpy(pk, alice.pk, 32);
  pk[32] = 0;
  f = raw_default();
  f.author = pk;
  f.author_len = 31;
  EXPECT(&f, LINLI_ETYPE);
  f.author_len = 33;
  EXPECT(&f, LINLI_ETYPE);
  f.author_len = 32;
  EXPECT(&f, 0);
  f.author_as_str = 1;
  f.author = (const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  EXPECT(&f, LINLI_ETYPE);

  f = raw_default();
  f.hlc_bytes = "cd0005"; /* 5 as uint16 */
  EXPECT(&f, LINLI_ENONCANON);
  f.hlc_bytes = "d3ffffffffffffffff"; /* -1 as int64 */
  EXPECT(&f, LINLI_ENONCANON);
  f.hlc_bytes = "e0"; /* -32: canonical, but not a uint */
  EXPECT(&f, LINLI_ETYPE);
  f.hlc_bytes = "00";
  EXPECT(&f, 0);
  f.hlc_bytes = "cfffffffffffffffff";
  EXPECT(&f, 0);

  f = raw_default();
  f.kind = 6;
  EXPECT(&f, LINLI_EKIND);
  f.kind = 200;
  EXPECT(&f, LINLI_EKIND);
}

static void set_str(const char **p, size_t *len, const char *s)
{
  *p = s;
  *len = strlen(s);
}

static void test_names(void)
{
  static char longname[200];
  memset(longname, 'a', sizeof longname);
  struct raw f;

  static const char *const bad_scopes[] = {"shi hua", "shihua/1", "shihua\n", "",
                                           "\xe7\x9f\xb3\xe5\x8c\x96" /* 石化 */};
  for (size_t i = 0; i < sizeof bad_scopes / sizeof bad_scopes[0]; i++) {
    f = raw_default();
    set_str(&f.scope, &f.scope_len, bad_scopes[i]);
    EXPECT(&f, LINLI_ENAME);
  }
  f = raw_default();
  set_str(&f.scope, &f.scope_len, "Hongshan.Shihua-2_b");
  EXPECT(&f, 0);
  f.scope = longname;
  f.scope_len = CRDT_SCOPE_MAX;
  EXPECT(&f, 0);
  f.scope_len = CRDT_SCOPE_MAX + 1;
  EXPECT(&f, LINLI_ETOOBIG);

  static const char *const bad_colls[] = {"Resident", "gate-check", "gate check", "",
                                          "resident.x"};
  for (size_t i = 0; i < sizeof bad_colls / sizeof bad_colls[0]; i++) {
    f = raw_default();
    set_str(&f.coll, &f.coll_len, bad_colls[i]);
    EXPECT(&f, LINLI_ENAME);
  }
  f = raw_default();
  set_str(&f.coll, &f.coll_len, "supply_stock_2");
  EXPECT(&f, 0);
  f.coll = longname;
  f.coll_len = CRDT_COLLECTION_MAX;
  EXPECT(&f, 0);
  f.coll_len = CRDT_COLLECTION_MAX + 1;
  EXPECT(&f, LINLI_ETOOBIG);

  f = raw_default();
  f.key = "r\n1";
  f.key_len = 3;
  EXPECT(&f, LINLI_ENAME);
  f.key = "r\x7f";
  f.key_len = 2;
  EXPECT(&f, LINLI_ENAME);
  f.key = "r\0x";
  f.key_len = 3;
  EXPECT(&f, LINLI_ENAME);
  f.key = "\t";
  f.key_len = 1;
  EXPECT(&f, LINLI_ENAME);
  f.key = "";
  f.key_len = 0;
  EXPECT(&f, LINLI_ENAME);
  f.key = "r\xff";
  f.key_len = 2;
  EXPECT(&f, LINLI_EUTF8);
  f.key = "r\xed\xa0\x80"; /* a surrogate */
  f.key_len = 4;
  EXPECT(&f, LINLI_EUTF8);
  set_str(&f.key, &f.key_len, "\xe7\x9f\xb3\xe5\x8c\x96 7-3-201"); /* spaces and UTF-8 are fine */
  EXPECT(&f, 0);
  f.key = longname;
  f.key_len = CRDT_KEY_MAX;
  EXPECT(&f, 0);
  f.key_len = CRDT_KEY_MAX + 1;
  EXPECT(&f, LINLI_ETOOBIG);

  /* The checkers on their own. */
  CHECK_EQ(crdt_check_scope("a", 1), 0);
  CHECK_EQ(crdt_check_scope("a b", 3), LINLI_ENAME);
  CHECK_EQ(crdt_check_ident("abc", 3, 2), LINLI_ETOOBIG);
  CHECK_EQ(crdt_check_ident("abc", 3, 3), 0);
  CHECK_EQ(crdt_check_ident("aBc", 3, 3), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("a\x1f", 2), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("a ", 2), 0);
  /* Invisible or reordering characters: C1 control, zero-width space,
   * right-to-left override, bidi isolate, BOM. Visible CJK passes. */
  CHECK_EQ(crdt_check_key("a\xc2\x85", 3), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("a\xe2\x80\x8b", 4), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("a\xe2\x80\xae", 4), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("a\xe2\x81\xa6", 4), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("\xef\xbb\xbf" "a", 4), LINLI_ENAME);
  CHECK_EQ(crdt_check_key("\xe7\x9f\xb3\xe5\x8c\x96 7-3-201", 14), 0);
  CHECK_EQ(crdt_check_key("a\xc2\xa0", 3), 0); /* no-break space is visible enough */
}

/* A body built with the writer into a static buffer. */
static uint8_t bodybuf[8 * 1024];
static struct crdt_buf bb;
static void body_start(void)
{
  crdt_buf_init(&bb, bodybuf, sizeof bodybuf);
}
static void body_into(struct raw *f)
{
  REQUIRE(crdt_buf_err(&bb) == 0);
  f->body = bodybuf;
  f->body_len = bb.len;
}

/* 20 distinct ids, ascending, contiguous: PID(i) is the i-th. */
static uint8_t parent_ids[20 * 32];
#define PID(i) (parent_ids + 32 * (i))

static void test_bodies(void)
{
  struct raw f;

  /* empty bodies: only append and tombstone take them */
  static const uint64_t kinds_needing_fields[] = {CRDT_SET, CRDT_ADD, CRDT_REMOVE, CRDT_COUNTER};
  for (size_t i = 0; i < 4; i++) {
    f = raw_default();
    f.kind = kinds_needing_fields[i];
    f.body = (const uint8_t *)"\x80";
    f.body_len = 1;
    f.n_parents = 1;
    f.parents = PID(0);
    f.parent_len = 32;
    EXPECT(&f, LINLI_EKIND);
  }
  f = raw_default();
  f.kind = CRDT_APPEND;
  f.body = (const uint8_t *)"\x80";
  f.body_len = 1;
  EXPECT(&f, 0);
  f.kind = CRDT_TOMBSTONE;
  EXPECT(&f, 0);
  f.body = body_grid3;
  f.body_len = sizeof body_grid3;
  EXPECT(&f, LINLI_EKIND); /* tombstone with a field */

  /* the body is a map */
  f = raw_default();
  f.body = (const uint8_t *)"\x90";
  f.body_len = 1;
  EXPECT(&f, LINLI_ETYPE);
  f.body = (const uint8_t *)"\xc0";
  EXPECT(&f, LINLI_ETYPE);

  /* field names */
  f = raw_default();
  f.body = (const uint8_t *)"\x81\xa4Grid\x03";
  f.body_len = 7;
  EXPECT(&f, LINLI_ENAME);
  f.body = (const uint8_t *)"\x81\xa0\x03";
  f.body_len = 3;
  EXPECT(&f, LINLI_ENAME);
  f.body = (const uint8_t *)"\x82\xa1" "b" "\x01\xa1" "a" "\x02";
  f.body_len = 7;
  EXPECT(&f, LINLI_EKEYORDER);
  f.body = (const uint8_t *)"\x82\xa1" "a" "\x01\xa1" "a" "\x02";
  EXPECT(&f, LINLI_EKEYORDER);
  f.body = (const uint8_t *)"\x82\xa1" "a" "\x01\xa2" "a_" "\x02";
  f.body_len = 8;
  EXPECT(&f, 0);
  f.body = (const uint8_t *)"\x81\x01\x03"; /* int key */
  f.body_len = 3;
  EXPECT(&f, LINLI_ETYPE);
  static char fname[CRDT_FIELD_MAX + 1];
  memset(fname, 'f', sizeof fname);
  for (int extra = 0; extra <= 1; extra++) {
    body_start();
    crdt_w_map(&bb, 1);
    crdt_w_str(&bb, fname, CRDT_FIELD_MAX + (size_t)extra);
    crdt_w_nil(&bb);
    f = raw_default();
    body_into(&f);
    EXPECT(&f, extra ? LINLI_ETOOBIG : 0);
  }

  /* counter values are integers that fit int64 */
  f = raw_default();
  f.kind = CRDT_COUNTER;
  f.body = (const uint8_t *)"\x81\xa1n\xa1x";
  f.body_len = 5;
  EXPECT(&f, LINLI_ETYPE);
  f.body = (const uint8_t *)"\x81\xa1n\xc0";
  f.body_len = 4;
  EXPECT(&f, LINLI_ETYPE);
  f.body = (const uint8_t *)"\x81\xa1n\xca\x3f\xc0\x00\x00"; /* float32 1.5 */
  f.body_len = 8;
  EXPECT(&f, LINLI_ETYPE);
  f.body = (const uint8_t *)"\x81\xa1n\xcf\xff\xff\xff\xff\xff\xff\xff\xff";
  f.body_len = 12;
  EXPECT(&f, LINLI_ETOOBIG);
  f.body = (const uint8_t *)"\x81\xa1n\xd0\x05"; /* 5 as int8 */
  f.body_len = 5;
  EXPECT(&f, LINLI_ENONCANON);
  f.body = (const uint8_t *)"\x81\xa1n\xd0\xdd"; /* -35 */
  EXPECT(&f, 0);

  /* non-canonical int inside a set body, nested too */
  f = raw_default();
  f.body = (const uint8_t *)"\x81\xa4grid\xcc\x03";
  f.body_len = 8;
  EXPECT(&f, LINLI_ENONCANON);
  f.body = (const uint8_t *)"\x81\xa4grid\x91\xd1\x00\x03";
  f.body_len = 10;
  EXPECT(&f, LINLI_ENONCANON);
  f.body = (const uint8_t *)"\x81\xa4grid\xcb\x00\x00\x00\x00\x00\x00\x00\x00";
  f.body_len = 15;
  EXPECT(&f, LINLI_ETYPE);

  /* add / remove: a non-empty array per field */
  f = raw_default();
  f.kind = CRDT_ADD;
  f.body = (const uint8_t *)"\x81\xa1m\x90";
  f.body_len = 4;
  EXPECT(&f, LINLI_EKIND);
  f.body = (const uint8_t *)"\x81\xa1m\xa1x";
  f.body_len = 5;
  EXPECT(&f, LINLI_ETYPE);
  f.body = (const uint8_t *)"\x81\xa1m\x91\xa1x";
  f.body_len = 6;
  EXPECT(&f, 0);
  f.kind = CRDT_REMOVE; /* needs parents */
  EXPECT(&f, LINLI_EKIND);
  f.n_parents = 1;
  f.parents = PID(0);
  f.parent_len = 32;
  EXPECT(&f, 0);
  f.body = (const uint8_t *)"\x81\xa1m\x90";
  f.body_len = 4;
  EXPECT(&f, LINLI_EKIND);

  /* one set element is at most CRDT_ELEM_MAX encoded bytes */
  static char elem[CRDT_ELEM_MAX];
  memset(elem, 'e', sizeof elem);
  for (int extra = 0; extra <= 1; extra++) {
    /* a str whose encoding (header + bytes) is CRDT_ELEM_MAX + extra */
    size_t want = CRDT_ELEM_MAX + (size_t)extra, n = 0;
    while (n + (n < 32 ? 1 : n < 256 ? 2 : 3) != want)
      n++;
    body_start();
    crdt_w_map(&bb, 1);
    crdt_w_cstr(&bb, "members");
    crdt_w_array(&bb, 1);
    crdt_w_str(&bb, elem, n);
    CHECK_EQ(bb.len, 1 + 8 + 1 + want);
    f = raw_default();
    f.kind = CRDT_ADD;
    body_into(&f);
    EXPECT(&f, extra ? LINLI_ETOOBIG : 0);
  }

  /* nesting: the body map is level 1 of CRDT_DEPTH_MAX */
  for (int extra = 0; extra <= 1; extra++) {
    body_start();
    crdt_w_map(&bb, 1);
    crdt_w_cstr(&bb, "a");
    for (int i = 0; i < CRDT_DEPTH_MAX - 1 + extra; i++)
      crdt_w_array(&bb, 1);
    crdt_w_nil(&bb);
    f = raw_default();
    body_into(&f);
    EXPECT(&f, extra ? LINLI_EDEPTH : 0);
    /* in a set element the array of elements is level 2 */
    body_start();
    crdt_w_map(&bb, 1);
    crdt_w_cstr(&bb, "m");
    crdt_w_array(&bb, 1);
    for (int i = 0; i < CRDT_DEPTH_MAX - 2 + extra; i++)
      crdt_w_array(&bb, 1);
    crdt_w_nil(&bb);
    f = raw_default();
    f.kind = CRDT_ADD;
    body_into(&f);
    EXPECT(&f, extra ? LINLI_EDEPTH : 0);
  }

  /* the whole body is at most CRDT_BODY_MAX_BYTES: 3 str16 fields */
  static char s[CRDT_STR_MAX];
  memset(s, 'v', sizeof s);
  for (int extra = 0; extra <= 1; extra++) {
    size_t total = CRDT_BODY_MAX_BYTES + (size_t)extra - 1 - 3 * (2 + 3);
    body_start();
    crdt_w_map(&bb, 3);
    crdt_w_cstr(&bb, "a");
    crdt_w_str(&bb, s, total / 3);
    crdt_w_cstr(&bb, "b");
    crdt_w_str(&bb, s, total / 3);
    crdt_w_cstr(&bb, "c");
    crdt_w_str(&bb, s, total - 2 * (total / 3));
    CHECK_EQ(bb.len, CRDT_BODY_MAX_BYTES + (size_t)extra);
    f = raw_default();
    body_into(&f);
    EXPECT(&f, extra ? LINLI_ETOOBIG : 0);
  }
}

static void test_parents(void)
{
  struct raw f = raw_default();
  f.parents = PID(0);
  f.parent_len = 32;
  for (uint32_t n = 0; n <= CRDT_PARENTS_MAX + 1; n++) {
    f.n_parents = n;
    EXPECT(&f, n <= CRDT_PARENTS_MAX ? 0 : LINLI_ETOOBIG);
  }
  /* unsorted, duplicate */
  static uint8_t p[3][32];
  memcpy(p[0], PID(1), 32);
  memcpy(p[1], PID(0), 32);
  f.parents = p[0];
  f.n_parents = 2;
  EXPECT(&f, LINLI_EKEYORDER);
  memcpy(p[1], PID(1), 32);
  EXPECT(&f, LINLI_EKEYORDER);
  memcpy(p[1], PID(2), 32);
  EXPECT(&f, 0);
  memcpy(p[2], PID(2), 32);
  f.n_parents = 3;
  EXPECT(&f, LINLI_EKEYORDER);
  /* a parent of 31 or 33 bytes */
  f.n_parents = 1;
  f.parent_len = 31;
  EXPECT(&f, LINLI_ETYPE);
  f.parent_len = 33;
  EXPECT(&f, LINLI_ETYPE);
  /* not an array */
  f = raw_default();
  f.emit = 8;
  f.fields_n = 9;
  {
    size_t len;
    uint8_t *q = raw_write(&f, &len);
    /* the sig (bin 64) is where the parents array should be */
    struct crdt_op op;
    CHECK_EQ(crdt_op_decode(&op, q, len), LINLI_ETYPE);
    free(q);
  }
}

static void test_sizes(void)
{
  /* A whole signed op is at most CRDT_OP_MAX_BYTES, checked first. */
  struct raw f = raw_default();
  size_t len;
  uint8_t *p = raw_write(&f, &len);
  uint8_t *big = calloc(1, CRDT_OP_MAX_BYTES + 1);
  REQUIRE(big);
  memcpy(big, p, len);
  struct crdt_op op;
  memset(&op, 0xa5, sizeof op);
  CHECK_EQ(crdt_op_decode(&op, big, CRDT_OP_MAX_BYTES + 1), LINLI_ETOOBIG);
  CHECK(all_zero(&op, sizeof op));
  CHECK_EQ(crdt_op_decode(&op, big, CRDT_OP_MAX_BYTES), LINLI_ETRAIL);
  CHECK_EQ(crdt_op_decode(&op, big, len), 0);
  free(big);
  free(p);
  /* The largest op the limits allow still fits: every field at its limit. */
  static char s[CRDT_STR_MAX];
  memset(s, 'v', sizeof s);
  f = raw_default();
  static char name[CRDT_KEY_MAX];
  memset(name, 'k', sizeof name);
  f.scope = name;
  f.scope_len = CRDT_SCOPE_MAX;
  f.coll = name;
  f.coll_len = CRDT_COLLECTION_MAX;
  f.key = name;
  f.key_len = CRDT_KEY_MAX;
  f.hlc = UINT64_MAX;
  size_t total = CRDT_BODY_MAX_BYTES - 1 - 3 * (2 + 3);
  body_start();
  crdt_w_map(&bb, 3);
  crdt_w_cstr(&bb, "a");
  crdt_w_str(&bb, s, total / 3);
  crdt_w_cstr(&bb, "b");
  crdt_w_str(&bb, s, total / 3);
  crdt_w_cstr(&bb, "c");
  crdt_w_str(&bb, s, total - 2 * (total / 3));
  body_into(&f);
  f.n_parents = CRDT_PARENTS_MAX;
  f.parents = PID(0);
  f.parent_len = 32;
  p = raw_write(&f, &len);
  CHECK(len <= CRDT_OP_MAX_BYTES);
  CHECK_EQ(crdt_op_open(&op, p, len), 0);
  free(p);
}

/* ---- sign, decode, round trip ---- */

struct draft_case {
  enum crdt_kind kind;
  const char *collection;
  const char *key;
  const char *body_hex;
  uint32_t n_parents;
};

static void test_sign_roundtrip(void)
{
  static const struct draft_case c[] = {
      {CRDT_SET, "resident", "r-000123", "82a46772696403a46e616d65a6e78e8be88ab3", 0},
      {CRDT_SET, "resident", "r-000123", "81a46772696404", 2},
      {CRDT_ADD, "household", "hh-0042", "81a76d656d6265727392a8722d303030313233a8722d303030313234", 0},
      {CRDT_REMOVE, "household", "hh-0042", "81a76d656d6265727391a8722d303030313234", 1},
      {CRDT_COUNTER, "supply_stock", "vegetables", "82a26b6723a873746f636b5f6b67d0dd", 0},
      {CRDT_APPEND, "gate_check", "gate-east", "82a464617465aa323032302d30332d3031a474656d70cd016d", 0},
      {CRDT_APPEND, "health_check", "r-000123", "80", 0},
      {CRDT_TOMBSTONE, "resident", "r-000999", "80", 3},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    uint8_t body[256], out[CRDT_OP_MAX_BYTES];
    size_t body_len = 0, out_len = 0;
    REQUIRE(sodium_hex2bin(body, sizeof body, c[i].body_hex, strlen(c[i].body_hex), NULL,
                           &body_len, NULL) == 0);
    static uint8_t parents[3][32];
    for (int j = 0; j < 3; j++)
      memset(parents[j], 0x10 * (j + 1), 32);
    uint64_t hlc = CRDT_HLC_MAKE(UINT64_C(1583020800000) + i, i);
    struct crdt_draft d = {"shihua", c[i].collection, c[i].key, hlc, c[i].kind,
                           body, body_len, parents[0], c[i].n_parents};
    struct crdt_op op;
    const struct crdt_identity *who = i % 2 ? &bob : &alice;
    CHECK_EQ(crdt_op_sign(&d, who, out, sizeof out, &out_len, &op), 0);
    CHECK(out_len > 0);
    /* the op the signer hands back */
    CHECK(op.raw == out);
    CHECK_EQ(op.raw_len, out_len);
    CHECK_EQ(crdt_op_verify(&op), 0);
    /* and the same, decoded from the bytes */
    struct crdt_op o2;
    CHECK_EQ(crdt_op_open(&o2, out, out_len), 0);
    CHECK_MEM(o2.id, op.id, 32);
    CHECK_EQ(o2.version, CRDT_OP_VERSION);
    CHECK_MEM(o2.author, who->pk, 32);
    CHECK_EQ(o2.scope.len, 6);
    CHECK_MEM(o2.scope.p, "shihua", 6);
    CHECK_EQ(o2.hlc, hlc);
    CHECK_EQ(o2.collection.len, strlen(c[i].collection));
    CHECK_MEM(o2.collection.p, c[i].collection, o2.collection.len);
    CHECK_EQ(o2.key.len, strlen(c[i].key));
    CHECK_MEM(o2.key.p, c[i].key, o2.key.len);
    CHECK_EQ(o2.kind, c[i].kind);
    CHECK_EQ(o2.body_len, body_len);
    CHECK_MEM(o2.body, body, body_len);
    CHECK_EQ(o2.n_parents, c[i].n_parents);
    for (uint32_t j = 0; j < o2.n_parents; j++)
      CHECK_MEM(crdt_op_parent(&o2, j), parents[j], 32);
    /* layout: [op, sig], op starts at byte 1, sig is the last 64 bytes */
    CHECK(o2.unsigned_bytes == out + 1);
    CHECK_EQ(o2.unsigned_len, out_len - 1 - 2 - 64);
    CHECK(o2.sig == out + out_len - 64);
    uint8_t id[32];
    crypto_generichash(id, sizeof id, out + 1, out_len - 67, NULL, 0);
    CHECK_MEM(o2.id, id, 32);
    CHECK_EQ(crypto_sign_verify_detached(o2.sig, id, 32, who->pk), 0);
    /* the total order bytes: hlc BE, author, id */
    uint8_t order[CRDT_ORDER_BYTES];
    crdt_op_order(&o2, order);
    for (int b = 0; b < 8; b++)
      CHECK_EQ(order[b], (uint8_t)(hlc >> (56 - 8 * b)));
    CHECK_MEM(order + 8, who->pk, 32);
    CHECK_MEM(order + 40, id, 32);
    CHECK_EQ(strcmp(crdt_kind_name(c[i].kind),
                    (const char *[]){"set", "add", "remove", "counter", "append",
                                     "tombstone"}[c[i].kind]),
             0);
    /* every truncation of a valid op is ETRUNC, with nothing allocated */
    for (size_t cut = 0; cut < out_len; cut++) {
      size_t before = alloc_n;
      int rc = crdt_op_decode(&o2, out, cut);
      CHECK_EQ(alloc_n, before);
      if (rc != LINLI_ETRUNC)
        fprintf(stderr, "case %zu cut %zu: %s\n", i, cut, linli_errname(rc));
      CHECK_EQ(rc, LINLI_ETRUNC);
    }
  }
  CHECK_EQ(strcmp(crdt_kind_name((enum crdt_kind)6), "?"), 0);
}

/* A signature by someone else, or over other bytes, does not verify. */
static void test_verify(void)
{
  uint8_t out[CRDT_OP_MAX_BYTES];
  size_t out_len;
  struct crdt_op op;
  struct crdt_draft d = {"shihua", "resident", "r-1", 5, CRDT_SET, body_grid3,
                         sizeof body_grid3, NULL, 0};
  REQUIRE(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, &op) == 0);
  /* swap in bob's key as author: the bytes change, so the id does; alice's
   * signature over the old id fails either way */
  uint8_t copy[CRDT_OP_MAX_BYTES];
  memcpy(copy, out, out_len);
  uint8_t *pk = NULL;
  for (size_t i = 0; i + 32 <= out_len && !pk; i++)
    if (memcmp(copy + i, alice.pk, 32) == 0)
      pk = copy + i;
  REQUIRE(pk);
  memcpy(pk, bob.pk, 32);
  CHECK_EQ(crdt_op_decode(&op, copy, out_len), 0);
  CHECK_EQ(crdt_op_verify(&op), LINLI_EBADSIG);
  memset(&op, 0xa5, sizeof op);
  CHECK_EQ(crdt_op_open(&op, copy, out_len), LINLI_EBADSIG);
  CHECK(all_zero(&op, sizeof op));
  /* verify of an op that a failed decode zeroed fails closed */
  CHECK_EQ(crdt_op_verify(&op), LINLI_EBADSIG);
  /* an op without parents says so with NULL, whatever the struct held */
  memset(&op, 0xa5, sizeof op);
  CHECK_EQ(crdt_op_decode(&op, out, out_len), 0);
  CHECK_EQ(op.n_parents, 0);
  CHECK(op.parents == NULL);
}

static void test_bit_flips(void)
{
  uint8_t out[CRDT_OP_MAX_BYTES], copy[CRDT_OP_MAX_BYTES];
  size_t out_len;
  struct crdt_op op;
  static uint8_t parents[2][32];
  memset(parents[0], 0x11, 32);
  memset(parents[1], 0xee, 32);
  struct crdt_draft d = {"shihua", "household", "hh-0042", CRDT_HLC_MAKE(UINT64_C(1583020800000), 3),
                         CRDT_REMOVE, (const uint8_t *)"\x81\xa7members\x91\xa8r-000124", 19,
                         parents[0], 2};
  REQUIRE(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, NULL) == 0);
  REQUIRE(crdt_op_open(&op, out, out_len) == 0);
  int decode_fail = 0, verify_fail = 0;
  for (size_t i = 0; i < out_len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      memcpy(copy, out, out_len);
      copy[i] ^= (uint8_t)(1u << bit);
      memset(&op, 0xa5, sizeof op);
      int rc = crdt_op_open(&op, copy, out_len);
      if (rc == 0)
        fprintf(stderr, "bit flip at byte %zu bit %d was accepted\n", i, bit);
      CHECK(rc != 0);
      CHECK(all_zero(&op, sizeof op));
      if (rc == LINLI_EBADSIG)
        verify_fail++;
      else if (rc)
        decode_fail++;
    }
  }
  CHECK_EQ(decode_fail + verify_fail, (int)out_len * 8);
  CHECK(decode_fail > 0);
  CHECK(verify_fail > 0);
}

static void test_sign_parents(void)
{
  uint8_t out[CRDT_OP_MAX_BYTES];
  size_t out_len = 99;
  struct crdt_op op;
  static uint8_t in[80][32];
  for (int i = 0; i < 80; i++)
    memset(in[i], 0, 32);
  /* c, a, b, a, c -> a, b, c */
  in[0][0] = 0xcc;
  in[1][0] = 0xaa;
  in[2][0] = 0xbb;
  in[3][0] = 0xaa;
  in[4][0] = 0xcc;
  in[4][31] = 0; /* identical to in[0] */
  struct crdt_draft d = {"shihua", "resident", "r-000123", 77, CRDT_SET, body_grid3,
                         sizeof body_grid3, in[0], 5};
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, &op), 0);
  CHECK_EQ(op.n_parents, 3);
  CHECK_EQ(crdt_op_parent(&op, 0)[0], 0xaa);
  CHECK_EQ(crdt_op_parent(&op, 1)[0], 0xbb);
  CHECK_EQ(crdt_op_parent(&op, 2)[0], 0xcc);
  CHECK_EQ(crdt_op_open(&op, out, out_len), 0);

  /* 20 given, 16 distinct: fine. 17 distinct: too many. */
  for (int i = 0; i < 20; i++) {
    memset(in[i], 0, 32);
    in[i][5] = (uint8_t)(i % 16 + 1);
  }
  d.n_parents = 20;
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, &op), 0);
  CHECK_EQ(op.n_parents, 16);
  in[19][5] = 17;
  out_len = 99;
  memset(&op, 0xa5, sizeof op);
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, &op), LINLI_ETOOBIG);
  CHECK_EQ(out_len, 0);
  d.n_parents = 80; /* more than any dedup could bring down to the limit */
  out_len = 99;
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, NULL), LINLI_ETOOBIG);
  CHECK_EQ(out_len, 0);

  /* a bad draft fails exactly like a bad received op, output zeroed */
  d.n_parents = 0;
  d.scope = "shi hua";
  out_len = 99;
  memset(&op, 0xa5, sizeof op);
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, &op), LINLI_ENAME);
  CHECK_EQ(out_len, 0);
  CHECK(all_zero(&op, sizeof op));
  d.scope = "shihua";
  d.kind = CRDT_REMOVE; /* remove without parents */
  d.body = (const uint8_t *)"\x81\xa1m\x91\x01";
  d.body_len = 5;
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, NULL), LINLI_EKIND);
  d.kind = CRDT_SET;
  d.body = (const uint8_t *)"\x81\xa4grid\xcc\x03";
  d.body_len = 8;
  CHECK_EQ(crdt_op_sign(&d, &alice, out, sizeof out, &out_len, NULL), LINLI_ENONCANON);
  /* an output buffer too small */
  d.body = body_grid3;
  d.body_len = sizeof body_grid3;
  CHECK_EQ(crdt_op_sign(&d, &alice, out, 100, &out_len, NULL), LINLI_ETOOBIG);
  CHECK_EQ(out_len, 0);
  CHECK_EQ(crdt_op_sign(&d, &alice, out, 10, &out_len, NULL), LINLI_ETOOBIG);
}

/* ---- hybrid logical clock ---- */

static void test_hlc(void)
{
  struct crdt_clock c = {0, 0};
  uint64_t t1 = crdt_hlc_now(&c, 1000);
  CHECK(t1 == CRDT_HLC_MAKE(1000, 0));
  uint64_t t2 = crdt_hlc_now(&c, 1000);
  CHECK(t2 == CRDT_HLC_MAKE(1000, 1));
  uint64_t t3 = crdt_hlc_now(&c, 900); /* the wall clock steps back */
  CHECK(t3 > t2);
  CHECK(t3 == CRDT_HLC_MAKE(1000, 2));
  uint64_t t4 = crdt_hlc_now(&c, 1001);
  CHECK(t4 == CRDT_HLC_MAKE(1001, 0));
  CHECK(CRDT_HLC_MS(t4) == 1001 && CRDT_HLC_CTR(t4) == 0);

  /* the counter carries into the milliseconds */
  c.last = CRDT_HLC_MAKE(5000, 0xffff);
  uint64_t t5 = crdt_hlc_now(&c, 4000);
  CHECK(t5 == CRDT_HLC_MAKE(5001, 0));
  CHECK(t5 > CRDT_HLC_MAKE(5000, 0xffff));

  /* receive: a remote far ahead is refused and changes nothing */
  c.last = CRDT_HLC_MAKE(10000, 3);
  c.max_drift_ms = 60000;
  struct crdt_clock saved = c;
  uint64_t far = CRDT_HLC_MAKE(10000 + 60001, 0);
  CHECK_EQ(crdt_hlc_recv(&c, 10000, far), LINLI_ECLOCK);
  CHECK(c.last == saved.last && c.max_drift_ms == saved.max_drift_ms);
  CHECK_EQ(crdt_hlc_recv(&c, 10000, CRDT_HLC_MAKE(10000 + 60000, 0xffff)), 0);
  CHECK(c.last == CRDT_HLC_MAKE(70000, 0xffff));
  uint64_t t6 = crdt_hlc_now(&c, 10001);
  CHECK(t6 > CRDT_HLC_MAKE(70000, 0xffff));
  CHECK(t6 == CRDT_HLC_MAKE(70001, 0));

  /* a remote behind does not move the clock back; the next stamp still grows */
  uint64_t before = c.last;
  CHECK_EQ(crdt_hlc_recv(&c, 10002, CRDT_HLC_MAKE(5, 0)), 0);
  CHECK(c.last >= before);
  CHECK(crdt_hlc_now(&c, 10002) > before);

  /* no bound: anything is taken */
  struct crdt_clock u = {0, 0};
  CHECK_EQ(crdt_hlc_recv(&u, 0, CRDT_HLC_MAKE(CRDT_HLC_MAX_MS, 0)), 0);
  CHECK(crdt_hlc_now(&u, 0) > CRDT_HLC_MAKE(CRDT_HLC_MAX_MS, 0));

  /* a random walk of wall clocks and remotes: stamps strictly increase and
   * each stamp is above every remote received before it */
  struct test_rng rng = {test_seed(0x686c63)};
  struct crdt_clock r = {0, 5000};
  uint64_t wall = 1583020800000, last = 0, max_remote = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t x = test_below(&rng, 10);
    if (x < 3) {
      wall -= test_below(&rng, 2000); /* steps back */
    } else {
      wall += test_below(&rng, 3);
    }
    if (x == 9) {
      uint64_t remote = CRDT_HLC_MAKE(wall + test_below(&rng, 10000) - 2000,
                                      test_below(&rng, 65536));
      int rc = crdt_hlc_recv(&r, wall, remote);
      if (CRDT_HLC_MS(remote) > wall + 5000) {
        CHECK_EQ(rc, LINLI_ECLOCK);
      } else {
        CHECK_EQ(rc, 0);
        if (remote > max_remote)
          max_remote = remote;
      }
      continue;
    }
    uint64_t t = crdt_hlc_now(&r, wall);
    CHECK(t > last);
    CHECK(t > max_remote);
    CHECK(CRDT_HLC_MS(t) >= wall);
    last = t;
  }
}

/* ---- identity and key files ---- */

static void write_file(const char *path, const char *text, size_t n, mode_t mode)
{
  FILE *f = fopen(path, "wb");
  REQUIRE(f);
  REQUIRE(fwrite(text, 1, n, f) == n);
  REQUIRE(fclose(f) == 0);
  REQUIRE(chmod(path, mode) == 0);
}

static void test_identity(void)
{
  char dir[] = "/tmp/linli-test-op-XXXXXX";
  REQUIRE(mkdtemp(dir));
  char path[256], other[256], tmp[256];
  snprintf(path, sizeof path, "%s/node.key", dir);
  snprintf(other, sizeof other, "%s/other.key", dir);
  snprintf(tmp, sizeof tmp, "%s/node.key.tmp", dir);

  struct crdt_identity got;
  CHECK_EQ(crdt_identity_load(&got, path), -ENOENT);
  CHECK(all_zero(&got, sizeof got));

  CHECK_EQ(crdt_identity_save(&alice, path), 0);
  CHECK(access(tmp, F_OK) != 0); /* no temp file left behind */
  struct stat st;
  REQUIRE(stat(path, &st) == 0);
  CHECK_EQ(st.st_mode & 0777, 0600);
  CHECK_EQ(st.st_size, 22 + 64 + 1);
  CHECK_EQ(crdt_identity_load(&got, path), 0);
  CHECK_MEM(got.pk, alice.pk, 32);
  CHECK_MEM(got.sk, alice.sk, 64);

  /* the exact text: magic, 64 lower-case hex digits of the seed, newline */
  char text[128];
  FILE *f = fopen(path, "rb");
  REQUIRE(f);
  size_t n = fread(text, 1, sizeof text, f);
  fclose(f);
  CHECK_EQ(n, 87);
  CHECK_MEM(text, "linli-ed25519-seed-v1 0101010101010101010101010101010101010101010101010101010101010101\n",
            87);

  /* saving again replaces the file atomically */
  CHECK_EQ(crdt_identity_save(&bob, path), 0);
  CHECK_EQ(crdt_identity_load(&got, path), 0);
  CHECK_MEM(got.pk, bob.pk, 32);

  /* readable by others: refused, whatever the content */
  static const mode_t loose[] = {0644, 0640, 0604, 0660, 0700};
  for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
    REQUIRE(chmod(path, loose[i]) == 0);
    memset(&got, 0xa5, sizeof got);
    int rc = crdt_identity_load(&got, path);
    if (loose[i] & 077) {
      CHECK_EQ(rc, LINLI_EKEYPERM);
      CHECK(all_zero(&got, sizeof got));
    } else {
      CHECK_EQ(rc, 0); /* 0700: the owner only */
    }
  }
  REQUIRE(chmod(path, 0600) == 0);

  /* malformed files */
  const char *good = "linli-ed25519-seed-v1 0101010101010101010101010101010101010101010101010101010101010101\n";
  struct {
    const char *text;
    size_t len;
  } bad[] = {
      {good, 50},                                  /* truncated */
      {good, 86},                                  /* no newline */
      {"", 0},                                     /* empty */
      {"linli-ed25519-seed-v2 0101010101010101010101010101010101010101010101010101010101010101\n", 87},
      {"linli-ed25519-seed-v1 01010101010101010101010101010101010101010101010101010101010101zz\n", 87},
      {"linli-ed25519-seed-v1 0101010101010101010101010101010101010101010101010101010101010101\r", 87},
      {"linli-ed25519-seed-v1 0101010101010101010101010101010101010101010101010101010101010101\n\n", 88},
      {"linli-ed25519-seed-v1 01010101010101010101010101010101010101010101010101010101010101 1\n", 87},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file(other, bad[i].text, bad[i].len, 0600);
    memset(&got, 0xa5, sizeof got);
    int rc = crdt_identity_load(&got, other);
    if (rc != LINLI_EKEYFILE)
      fprintf(stderr, "key file case %zu: %s\n", i, linli_errname(rc));
    CHECK_EQ(rc, LINLI_EKEYFILE);
    CHECK(all_zero(&got, sizeof got));
  }
  /* a well-formed file written by hand loads to the same keys */
  write_file(other, good, 87, 0600);
  CHECK_EQ(crdt_identity_load(&got, other), 0);
  CHECK_MEM(got.pk, alice.pk, 32);

  /* a path that cannot be written */
  char nodir[300];
  snprintf(nodir, sizeof nodir, "%s/missing/node.key", dir);
  CHECK_EQ(crdt_identity_save(&alice, nodir), -ENOENT);

  crdt_identity_wipe(&got);
  CHECK(all_zero(&got, sizeof got));
  unlink(path);
  unlink(other);
  unlink(tmp);
  CHECK_EQ(rmdir(dir), 0);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  alloc_count_init();
  size_t before = alloc_n;
  void *volatile p = malloc(16);
  CHECK(alloc_n > before); /* the counter counts */
  free(p);
  identities();
  for (int i = 0; i < 20; i++) {
    PID(i)[0] = (uint8_t)(0x10 + i);
    PID(i)[31] = (uint8_t)i;
  }

  test_template();
  test_envelope();
  test_header_fields();
  test_names();
  test_bodies();
  test_parents();
  test_sizes();
  test_sign_roundtrip();
  test_verify();
  test_bit_flips();
  test_sign_parents();
  test_hlc();
  test_identity();
  return test_done("test_op");
}
