/* The strict msgpack reader and the canonical writer (docs/protocol.md,
 * "Canonical msgpack"): every canonical form is accepted, every other form
 * of the same value is refused with the documented code, hostile lengths are
 * refused before anything is allocated, and what the writer writes the
 * reader reads back, consumed exactly. */
#include <sodium.h>

#include "crdt.h"
#include "test.h"

#include "test_alloc.h" /* the reader must never allocate */

/* ---- helpers ---- */

static uint8_t big[2 * 65536 + 64]; /* scratch for long values */

/* Hex (spaces allowed) into out; returns the length. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t len = 0;
  REQUIRE(sodium_hex2bin(out, cap, hex, strlen(hex), " ", &len, NULL) == 0);
  return len;
}

/* crdt_mp_value over bytes at depth CRDT_DEPTH_MAX; a success must consume
 * every byte. */
static int value_rc(const uint8_t *p, size_t n)
{
  struct crdt_mp r;
  crdt_mp_init(&r, p, n);
  int rc = crdt_mp_value(&r, CRDT_DEPTH_MAX);
  if (rc == 0 && crdt_mp_left(&r) != 0)
    return 1; /* not an error code: reads as a mismatch below */
  return rc;
}

#define EXPECT_VALUE(hex, want) expect_value(__LINE__, (hex), (want))
static void expect_value(int line, const char *hex, int want)
{
  uint8_t b[512];
  size_t n = unhex(hex, b, sizeof b);
  size_t before = alloc_n;
  int rc = value_rc(b, n);
  if (rc != want)
    fprintf(stderr, "line %d: value %s: got %s (%d), want %s\n", line, hex, linli_errname(rc), rc,
            linli_errname(want));
  CHECK_EQ(rc, want);
  CHECK_EQ(alloc_n, before);
}

/* ---- accepted forms ---- */

static void test_accept_scalars(void)
{
  static const char *const ok[] = {
      "c0", "c2", "c3",                                        /* nil false true */
      "00", "7f", "ff", "e0",                                  /* fixints */
      "cc80", "ccff", "cd0100", "cdffff", "ce00010000", "ceffffffff",
      "cf0000000100000000", "cfffffffffffffffff",              /* uints */
      "d0df", "d080", "d1ff7f", "d18000", "d2ffff7fff", "d280000000",
      "d3ffffffff7fffffff", "d38000000000000000",              /* ints */
      "a0", "a3616263", "c400", "c403000102",                  /* str, bin */
      "a3e4b8ad", "a2c280", "a2dfbf", "a3e0a080", "a3ed9fbf", "a3ee8080", "a3efbfbf",
      "a4f0908080", "a4f48fbfbf", "a100",                      /* UTF-8 edges, NUL */
      "90", "9101", "93010203", "80", "81a161c0",              /* containers */
      "83a161c0a26162c0a162c0",                                /* "a" < "ab" < "b" */
      "82a17ac0a2c3a9c0",                                      /* "z" < "é" (unsigned) */
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    EXPECT_VALUE(ok[i], 0);
}

struct int_case {
  const char *hex;
  int64_t v;
};

static void test_accept_ints_typed(void)
{
  static const struct int_case c[] = {
      {"00", 0},          {"7f", 127},         {"cc80", 128},         {"ccff", 255},
      {"cd0100", 256},    {"cdffff", 65535},   {"ce00010000", 65536}, {"ff", -1},
      {"e0", -32},        {"d0df", -33},       {"d080", -128},        {"d1ff7f", -129},
      {"d18000", -32768}, {"d2ffff7fff", -32769},
      {"d280000000", INT32_MIN},
      {"d3ffffffff7fffffff", (int64_t)INT32_MIN - 1},
      {"d38000000000000000", INT64_MIN},
      {"cf7fffffffffffffff", INT64_MAX},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    uint8_t b[16];
    size_t n = unhex(c[i].hex, b, sizeof b);
    struct crdt_mp r;
    int64_t v = 0;
    crdt_mp_init(&r, b, n);
    CHECK_EQ(crdt_mp_int(&r, &v), 0);
    CHECK_EQ(v, c[i].v);
    CHECK_EQ(crdt_mp_left(&r), 0);
    uint64_t u = 0;
    crdt_mp_init(&r, b, n);
    if (c[i].v >= 0) {
      CHECK_EQ(crdt_mp_uint(&r, &u), 0);
      CHECK(u == (uint64_t)c[i].v);
    } else {
      CHECK_EQ(crdt_mp_uint(&r, &u), LINLI_ETYPE);
    }
  }
  /* uint64 above INT64_MAX: a uint, but too big for an int. */
  uint8_t b[9];
  struct crdt_mp r;
  uint64_t u = 0;
  int64_t v = 0;
  unhex("cfffffffffffffffff", b, sizeof b);
  crdt_mp_init(&r, b, 9);
  CHECK_EQ(crdt_mp_uint(&r, &u), 0);
  CHECK(u == UINT64_MAX);
  crdt_mp_init(&r, b, 9);
  CHECK_EQ(crdt_mp_int(&r, &v), LINLI_ETOOBIG);
}

static void test_accept_long_forms(void)
{
  /* str8 of 32, str16 of 256, bin16 of 256, array16 of 16, map16 of 16. */
  size_t n;
  big[0] = 0xd9, big[1] = 32;
  memset(big + 2, 'x', 32);
  CHECK_EQ(value_rc(big, 34), 0);
  big[0] = 0xda, big[1] = 1, big[2] = 0;
  memset(big + 3, 'y', 256);
  CHECK_EQ(value_rc(big, 259), 0);
  big[0] = 0xc5;
  CHECK_EQ(value_rc(big, 259), 0);
  big[0] = 0xdc, big[1] = 0, big[2] = 16;
  memset(big + 3, 0xc0, 16);
  CHECK_EQ(value_rc(big, 19), 0);
  big[0] = 0xde, big[1] = 0, big[2] = 16;
  n = 3;
  for (int i = 0; i < 16; i++) {
    big[n++] = 0xa1;
    big[n++] = (uint8_t)('a' + i);
    big[n++] = (uint8_t)i;
  }
  CHECK_EQ(value_rc(big, n), 0);

  /* 32-bit forms are canonical from 65536; the typed readers take them,
   * the value reader then applies the body limits. */
  struct crdt_mp r;
  const char *s;
  const uint8_t *bp;
  uint32_t len, cnt;
  big[0] = 0xdb, big[1] = 0, big[2] = 1, big[3] = 0, big[4] = 0;
  memset(big + 5, 'z', 65536);
  crdt_mp_init(&r, big, 5 + 65536);
  CHECK_EQ(crdt_mp_str(&r, &s, &len), 0);
  CHECK_EQ(len, 65536);
  CHECK(s == (const char *)big + 5);
  CHECK_EQ(value_rc(big, 5 + 65536), LINLI_ETOOBIG);
  big[0] = 0xc6;
  crdt_mp_init(&r, big, 5 + 65536);
  CHECK_EQ(crdt_mp_bin(&r, &bp, &len), 0);
  CHECK_EQ(len, 65536);
  CHECK_EQ(value_rc(big, 5 + 65536), LINLI_ETOOBIG);
  big[0] = 0xdd;
  memset(big + 5, 0xc0, 65536);
  crdt_mp_init(&r, big, 5 + 65536);
  CHECK_EQ(crdt_mp_array(&r, &cnt), 0);
  CHECK_EQ(cnt, 65536);
  CHECK_EQ(value_rc(big, 5 + 65536), LINLI_ETOOBIG);
  big[0] = 0xdf;
  memset(big + 5, 0xc0, 2 * 65536);
  crdt_mp_init(&r, big, 5 + 2 * 65536);
  CHECK_EQ(crdt_mp_map(&r, &cnt), 0);
  CHECK_EQ(cnt, 65536);
}

static void test_typed_readers(void)
{
  uint8_t b[8];
  struct crdt_mp r;
  int v = -1;
  const char *s;
  const uint8_t *bp;
  uint32_t len, n;
  uint64_t u;

  unhex("c3c2c0", b, sizeof b);
  crdt_mp_init(&r, b, 3);
  CHECK_EQ(crdt_mp_bool(&r, &v), 0);
  CHECK_EQ(v, 1);
  CHECK_EQ(crdt_mp_bool(&r, &v), 0);
  CHECK_EQ(v, 0);
  CHECK_EQ(crdt_mp_peek_nil(&r), 1);
  CHECK_EQ(crdt_mp_left(&r), 1); /* peek consumes nothing */
  CHECK_EQ(crdt_mp_bool(&r, &v), LINLI_ETYPE);
  CHECK_EQ(crdt_mp_nil(&r), 0);
  CHECK_EQ(crdt_mp_peek_nil(&r), 0); /* at the end */
  CHECK_EQ(crdt_mp_nil(&r), LINLI_ETRUNC);

  unhex("c2", b, sizeof b);
  crdt_mp_init(&r, b, 1);
  CHECK_EQ(crdt_mp_peek_nil(&r), 0);
  CHECK_EQ(crdt_mp_nil(&r), LINLI_ETYPE);

  /* Each typed reader refuses the other types. */
  unhex("a161", b, sizeof b);
  crdt_mp_init(&r, b, 2);
  CHECK_EQ(crdt_mp_bin(&r, &bp, &len), LINLI_ETYPE);
  crdt_mp_init(&r, b, 2);
  CHECK_EQ(crdt_mp_uint(&r, &u), LINLI_ETYPE);
  crdt_mp_init(&r, b, 2);
  CHECK_EQ(crdt_mp_array(&r, &n), LINLI_ETYPE);
  crdt_mp_init(&r, b, 2);
  CHECK_EQ(crdt_mp_map(&r, &n), LINLI_ETYPE);
  crdt_mp_init(&r, b, 2);
  CHECK_EQ(crdt_mp_str(&r, &s, &len), 0);
  CHECK_EQ(len, 1);
  CHECK_EQ(s[0], 'a');
  unhex("c40161", b, sizeof b);
  crdt_mp_init(&r, b, 3);
  CHECK_EQ(crdt_mp_str(&r, &s, &len), LINLI_ETYPE);
  crdt_mp_init(&r, b, 3);
  CHECK_EQ(crdt_mp_bin(&r, &bp, &len), 0);
  CHECK_EQ(len, 1);
  CHECK(bp == b + 2);
  unhex("80", b, sizeof b);
  crdt_mp_init(&r, b, 1);
  CHECK_EQ(crdt_mp_array(&r, &n), LINLI_ETYPE);
  unhex("90", b, sizeof b);
  crdt_mp_init(&r, b, 1);
  CHECK_EQ(crdt_mp_map(&r, &n), LINLI_ETYPE);

  /* Every reader on empty input. */
  crdt_mp_init(&r, b, 0);
  CHECK_EQ(crdt_mp_array(&r, &n), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_map(&r, &n), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_uint(&r, &u), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_bool(&r, &v), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_str(&r, &s, &len), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_bin(&r, &bp, &len), LINLI_ETRUNC);
  CHECK_EQ(crdt_mp_value(&r, CRDT_DEPTH_MAX), LINLI_ETRUNC);
}

/* ---- refused forms ---- */

static void test_noncanonical(void)
{
  static const char *const bad[] = {
      "cc05", "cc7f", "cc00",                           /* uint8 holding a fixint */
      "cd00ff", "cd0000", "ce0000ffff", "cf00000000ffffffff", "cf0000000000000005",
      "d005", "d000", "d07f", "d0e0", "d0ff",            /* int8 holding >= -32 */
      "d1fffb", "d1ff80", "d10005", "d1007f",            /* int16 holding >= -128 */
      "d2ffff8000", "d200000005", "d2ffffffff",          /* int32 holding >= -32768 */
      "d3ffffffff80000000", "d30000000000000005", "d37fffffffffffffff",
      "d903616263", "d900", ("d91f" "61616161616161616161616161616161616161616161616161616161616161"),
      "da0003616263", "da00ff", "db00000003616263", "db0000ffff",
      "c50003616263", "c500ff", "c600000003616263", "c60000ffff",
      "dc0003010203", "dc0000", "dc000f", "dd00000003010203", "dd0000ffff",
      "de0002a161c0a162c0", "de0000", "df00000002a161c0a162c0", "df0000ffff",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT_VALUE(bad[i], LINLI_ENONCANON);

  /* The typed readers apply the same rules. */
  uint8_t b[16];
  struct crdt_mp r;
  uint64_t u;
  int64_t v;
  uint32_t n;
  const char *s;
  crdt_mp_init(&r, b, unhex("cc05", b, sizeof b));
  CHECK_EQ(crdt_mp_uint(&r, &u), LINLI_ENONCANON);
  crdt_mp_init(&r, b, unhex("d005", b, sizeof b));
  CHECK_EQ(crdt_mp_int(&r, &v), LINLI_ENONCANON);
  crdt_mp_init(&r, b, unhex("d1fffb", b, sizeof b));
  CHECK_EQ(crdt_mp_int(&r, &v), LINLI_ENONCANON);
  crdt_mp_init(&r, b, unhex("d903616263", b, sizeof b));
  CHECK_EQ(crdt_mp_str(&r, &s, &n), LINLI_ENONCANON);
  crdt_mp_init(&r, b, unhex("dc0003010203", b, sizeof b));
  CHECK_EQ(crdt_mp_array(&r, &n), LINLI_ENONCANON);
  crdt_mp_init(&r, b, unhex("de0002a161c0a162c0", b, sizeof b));
  CHECK_EQ(crdt_mp_map(&r, &n), LINLI_ENONCANON);
}

static void test_map_keys(void)
{
  EXPECT_VALUE("82a162c0a161c0", LINLI_EKEYORDER);     /* b, a */
  EXPECT_VALUE("82a161c0a161c0", LINLI_EKEYORDER);     /* a, a */
  EXPECT_VALUE("82a26162c0a161c0", LINLI_EKEYORDER);   /* ab, a: shorter first */
  EXPECT_VALUE("82a2c3a9c0a17ac0", LINLI_EKEYORDER);   /* é, z: bytes are unsigned */
  EXPECT_VALUE("82a0c0a0c0", LINLI_EKEYORDER);         /* "", "" */
  EXPECT_VALUE("82a0c0a161c0", 0);                     /* "", a */
  EXPECT_VALUE("810101", LINLI_ETYPE);                 /* int key */
  EXPECT_VALUE("81c40161c0", LINLI_ETYPE);             /* bin key */
  EXPECT_VALUE("81c0c0", LINLI_ETYPE);                 /* nil key */
  EXPECT_VALUE("8190c0", LINLI_ETYPE);                 /* array key */
  EXPECT_VALUE("81a1ffc0", LINLI_EUTF8);               /* key not UTF-8 */
  EXPECT_VALUE("81a161" "82a162c0a161c0", LINLI_EKEYORDER); /* nested map */
  EXPECT_VALUE("91" "82a162c0a161c0", LINLI_EKEYORDER);     /* map in an array */
}

static void test_refused_types(void)
{
  static const char *const bad[] = {
      "c1",                                            /* never used */
      "ca00000000", "cb0000000000000000",              /* float32, float64 */
      "c70100", "c8000100", "c900000001 0000",         /* ext8/16/32 */
      "d40000", "d5000000", "d600 00000000", "d700 0000000000000000",
      "d800 00000000000000000000000000000000",         /* fixext */
      "91ca00000000", "81a161cb0000000000000000",      /* nested */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT_VALUE(bad[i], LINLI_ETYPE);
}

static void test_utf8(void)
{
  static const char *const bad[] = {
      "a2c080", "a2c1bf",             /* overlong 2-byte */
      "a3e08080", "a3e09fbf",         /* overlong 3-byte */
      "a4f0808080", "a4f08fbfbf",     /* overlong 4-byte */
      "a3eda080", "a3edbfbf",         /* surrogates U+D800, U+DFFF */
      "a4f4908080", "a4f7bfbfbf",     /* above U+10FFFF */
      "a5f888808080", "a1fe", "a1ff", /* 5-byte lead, never-used bytes */
      "a180", "a2bf61",               /* stray continuation */
      "a2e4b8", "a1e4", "a3f09080",   /* truncated sequence */
      "a2c328", "a3e428ad",           /* bad continuation */
      "a361e4b8",                     /* truncated at the end */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT_VALUE(bad[i], LINLI_EUTF8);
    uint8_t b[16];
    size_t n = unhex(bad[i], b, sizeof b);
    CHECK_EQ(crdt_utf8_valid(b + 1, n - 1), 0);
  }
  /* bin is not text: the same bytes are fine. */
  EXPECT_VALUE("c403eda080", 0);
  CHECK_EQ(crdt_utf8_valid((const uint8_t *)"", 0), 1);
  CHECK_EQ(crdt_utf8_valid((const uint8_t *)"\xe7\x9f\xb3\xe5\x8c\x96 ok", 8), 1); /* 石化 ok */
  CHECK_EQ(crdt_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4), 1);             /* U+10FFFF */
}

/* A nested value with every kind of scalar and container form. */
static size_t rich_value(uint8_t *out, size_t cap)
{
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  crdt_w_map(&b, 4);
  crdt_w_cstr(&b, "a");
  crdt_w_array(&b, 8);
  crdt_w_int(&b, 1);
  crdt_w_int(&b, -200);
  crdt_w_cstr(&b, "\xe4\xb8\xad\xe6\x96\x87"); /* 中文 */
  crdt_w_bin(&b, "\x00\x01\x02", 3);
  crdt_w_nil(&b);
  crdt_w_bool(&b, 1);
  crdt_w_bool(&b, 0);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "x");
  crdt_w_uint(&b, 70000);
  crdt_w_cstr(&b, "b");
  crdt_w_cstr(&b, "a string of more than thirty-one bytes");
  crdt_w_cstr(&b, "c");
  crdt_w_uint(&b, UINT64_C(1) << 40);
  crdt_w_cstr(&b, "d");
  crdt_w_array(&b, 20);
  for (int i = 0; i < 20; i++)
    crdt_w_int(&b, -40000 * i);
  REQUIRE(crdt_buf_err(&b) == 0);
  return b.len;
}

static void test_truncation(void)
{
  uint8_t v[512];
  size_t n = rich_value(v, sizeof v);
  CHECK_EQ(value_rc(v, n), 0);
  size_t before = alloc_n;
  for (size_t cut = 0; cut < n; cut++) {
    /* A copy of exactly `cut` bytes, so ASan catches any read past it. */
    uint8_t *p = malloc(cut ? cut : 1);
    REQUIRE(p);
    memcpy(p, v, cut);
    before = alloc_n;
    int rc = value_rc(p, cut);
    if (rc != LINLI_ETRUNC)
      fprintf(stderr, "truncated at %zu of %zu: %s\n", cut, n, linli_errname(rc));
    CHECK_EQ(rc, LINLI_ETRUNC);
    CHECK_EQ(alloc_n, before);
    free(p);
  }
  /* One value is read; what follows is the caller's business. */
  struct crdt_mp r;
  v[n] = 0xc0;
  crdt_mp_init(&r, v, n + 1);
  CHECK_EQ(crdt_mp_value(&r, CRDT_DEPTH_MAX), 0);
  CHECK_EQ(crdt_mp_left(&r), 1);

  /* Counts need one byte per array element and two per map entry. */
  EXPECT_VALUE("93c0c0", LINLI_ETRUNC);
  EXPECT_VALUE("82a161c0", LINLI_ETRUNC);
  EXPECT_VALUE("a3616263", 0);
  EXPECT_VALUE("a46162", LINLI_ETRUNC);
  EXPECT_VALUE("c40461", LINLI_ETRUNC);
  EXPECT_VALUE("cd01", LINLI_ETRUNC);
  EXPECT_VALUE("cf00000001000000", LINLI_ETRUNC);
  EXPECT_VALUE("d9", LINLI_ETRUNC);
  EXPECT_VALUE("dc00", LINLI_ETRUNC);
}

static void test_hostile_lengths(void)
{
  static const char *const bad[] = {
      "ddffffffff",   /* array32 claiming 4 billion elements */
      "dfffffffff",   /* map32 claiming 4 billion entries */
      "dbffffffff",   /* str32 claiming 4 GiB */
      "c6ffffffff",   /* bin32 claiming 4 GiB */
      "dcffff", "deffff", "daffff", "c5ffff",
      "ddffffffffc0c0c0c0", "dfffffffffa161c0",
      "91ddffffffff", "81a161dfffffffff",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT_VALUE(bad[i], LINLI_ETRUNC);

  uint8_t b[8];
  struct crdt_mp r;
  uint32_t n = 0;
  const char *s;
  const uint8_t *bp;
  size_t before = alloc_n;
  crdt_mp_init(&r, b, unhex("ddffffffff", b, sizeof b));
  CHECK_EQ(crdt_mp_array(&r, &n), LINLI_ETRUNC);
  crdt_mp_init(&r, b, unhex("dfffffffff", b, sizeof b));
  CHECK_EQ(crdt_mp_map(&r, &n), LINLI_ETRUNC);
  crdt_mp_init(&r, b, unhex("dbffffffff", b, sizeof b));
  CHECK_EQ(crdt_mp_str(&r, &s, &n), LINLI_ETRUNC);
  crdt_mp_init(&r, b, unhex("c6ffffffff", b, sizeof b));
  CHECK_EQ(crdt_mp_bin(&r, &bp, &n), LINLI_ETRUNC);
  CHECK_EQ(alloc_n, before);
  CHECK_EQ(n, 0); /* the count is not handed out */
}

static void test_depth(void)
{
  /* d nested arrays around a nil: CRDT_DEPTH_MAX levels are fine. */
  for (int d = 0; d <= CRDT_DEPTH_MAX + 1; d++) {
    memset(big, 0x91, (size_t)d);
    big[d] = 0xc0;
    CHECK_EQ(value_rc(big, (size_t)d + 1), d <= CRDT_DEPTH_MAX ? 0 : LINLI_EDEPTH);
  }
  /* The same with maps {"k": {"k": ... nil}}. */
  for (int d = 0; d <= CRDT_DEPTH_MAX + 1; d++) {
    size_t n = 0;
    for (int i = 0; i < d; i++) {
      big[n++] = 0x81;
      big[n++] = 0xa1;
      big[n++] = 'k';
    }
    big[n++] = 0xc0;
    CHECK_EQ(value_rc(big, n), d <= CRDT_DEPTH_MAX ? 0 : LINLI_EDEPTH);
  }
  /* A very deep input is refused at the limit, not by running out of stack. */
  memset(big, 0x91, 100000);
  big[100000] = 0xc0;
  CHECK_EQ(value_rc(big, 100001), LINLI_EDEPTH);
  /* Depth is what the caller allows. */
  struct crdt_mp r;
  uint8_t b[4] = {0x90, 0x91, 0x90, 0};
  crdt_mp_init(&r, b, 1);
  CHECK_EQ(crdt_mp_value(&r, 0), LINLI_EDEPTH);
  crdt_mp_init(&r, b + 3, 1);
  CHECK_EQ(crdt_mp_value(&r, 0), 0);
  crdt_mp_init(&r, b + 1, 2);
  CHECK_EQ(crdt_mp_value(&r, 1), LINLI_EDEPTH);
  crdt_mp_init(&r, b + 1, 2);
  CHECK_EQ(crdt_mp_value(&r, 2), 0);
}

static void test_body_limits(void)
{
  struct crdt_buf b;
  char key[8];
  for (int extra = 0; extra <= 1; extra++) {
    uint32_t n = CRDT_COUNT_MAX + (uint32_t)extra;
    int want = extra ? LINLI_ETOOBIG : 0;
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_array(&b, n);
    for (uint32_t i = 0; i < n; i++)
      crdt_w_nil(&b);
    CHECK_EQ(value_rc(big, b.len), want);
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_map(&b, n);
    for (uint32_t i = 0; i < n; i++) {
      snprintf(key, sizeof key, "%03x", (unsigned)i); /* sorted, unique */
      crdt_w_cstr(&b, key);
      crdt_w_nil(&b);
    }
    CHECK_EQ(value_rc(big, b.len), want);
    /* str, bin, and a map key inside the body */
    static char s[CRDT_STR_MAX + 1];
    memset(s, 's', sizeof s);
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_str(&b, s, CRDT_STR_MAX + (size_t)extra);
    CHECK_EQ(value_rc(big, b.len), want);
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_bin(&b, s, CRDT_STR_MAX + (size_t)extra);
    CHECK_EQ(value_rc(big, b.len), want);
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_map(&b, 1);
    crdt_w_str(&b, s, CRDT_STR_MAX + (size_t)extra);
    crdt_w_nil(&b);
    CHECK_EQ(value_rc(big, b.len), want);
    REQUIRE(crdt_buf_err(&b) == 0);
  }
}

/* ---- writer round trips ---- */

struct wint {
  int64_t v;
  uint8_t tag;
  size_t len;
};

static void test_roundtrip_ints(void)
{
  static const struct wint c[] = {
      {0, 0x00, 1},
      {127, 0x7f, 1},
      {128, 0xcc, 2},
      {255, 0xcc, 2},
      {256, 0xcd, 3},
      {65535, 0xcd, 3},
      {65536, 0xce, 5},
      {INT64_C(4294967295), 0xce, 5},
      {INT64_C(4294967296), 0xcf, 9},
      {INT64_MAX, 0xcf, 9},
      {-1, 0xff, 1},
      {-32, 0xe0, 1},
      {-33, 0xd0, 2},
      {-128, 0xd0, 2},
      {-129, 0xd1, 3},
      {-32768, 0xd1, 3},
      {-32769, 0xd2, 5},
      {INT32_MIN, 0xd2, 5},
      {(int64_t)INT32_MIN - 1, 0xd3, 9},
      {INT64_MIN, 0xd3, 9},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    uint8_t out[16], out2[16];
    struct crdt_buf b;
    struct crdt_mp r;
    int64_t v = 0;
    crdt_buf_init(&b, out, sizeof out);
    crdt_w_int(&b, c[i].v);
    CHECK_EQ(crdt_buf_err(&b), 0);
    CHECK_EQ(b.len, c[i].len);
    CHECK_EQ(out[0], c[i].tag);
    crdt_mp_init(&r, out, b.len);
    CHECK_EQ(crdt_mp_int(&r, &v), 0);
    CHECK_EQ(v, c[i].v);
    CHECK_EQ(crdt_mp_left(&r), 0);
    CHECK_EQ(value_rc(out, b.len), 0);
    if (c[i].v >= 0) {
      /* crdt_w_uint writes the same bytes for the same value. */
      uint64_t u = 0;
      struct crdt_buf b2;
      crdt_buf_init(&b2, out2, sizeof out2);
      crdt_w_uint(&b2, (uint64_t)c[i].v);
      CHECK_EQ(b2.len, b.len);
      CHECK_MEM(out2, out, b.len);
      crdt_mp_init(&r, out2, b2.len);
      CHECK_EQ(crdt_mp_uint(&r, &u), 0);
      CHECK(u == (uint64_t)c[i].v);
      CHECK_EQ(crdt_mp_left(&r), 0);
    }
  }
  uint8_t out[16];
  struct crdt_buf b;
  struct crdt_mp r;
  uint64_t u = 0;
  crdt_buf_init(&b, out, sizeof out);
  crdt_w_uint(&b, UINT64_MAX);
  CHECK_EQ(b.len, 9);
  CHECK_EQ(out[0], 0xcf);
  crdt_mp_init(&r, out, b.len);
  CHECK_EQ(crdt_mp_uint(&r, &u), 0);
  CHECK(u == UINT64_MAX);
}

struct wlen {
  uint32_t n;
  uint8_t str_tag, bin_tag, arr_tag;
  size_t str_hdr, bin_hdr, arr_hdr;
};

static void test_roundtrip_lengths(void)
{
  static const struct wlen c[] = {
      {0, 0xa0, 0xc4, 0x90, 1, 2, 1},      {15, 0xaf, 0xc4, 0x9f, 1, 2, 1},
      {16, 0xb0, 0xc4, 0xdc, 1, 2, 3},     {31, 0xbf, 0xc4, 0xdc, 1, 2, 3},
      {32, 0xd9, 0xc4, 0xdc, 2, 2, 3},     {255, 0xd9, 0xc4, 0xdc, 2, 2, 3},
      {256, 0xda, 0xc5, 0xdc, 3, 3, 3},    {65535, 0xda, 0xc5, 0xdc, 3, 3, 3},
      {65536, 0xdb, 0xc6, 0xdd, 5, 5, 5},
  };
  static char src[65536];
  for (size_t i = 0; i < sizeof src; i++)
    src[i] = (char)('a' + i % 26);

  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct crdt_buf b;
    struct crdt_mp r;
    const char *s;
    const uint8_t *bp;
    uint32_t len = 0, n = 0;

    crdt_buf_init(&b, big, sizeof big);
    crdt_w_str(&b, src, c[i].n);
    CHECK_EQ(crdt_buf_err(&b), 0);
    CHECK_EQ(b.len, c[i].str_hdr + c[i].n);
    CHECK_EQ(big[0], c[i].str_tag);
    crdt_mp_init(&r, big, b.len);
    CHECK_EQ(crdt_mp_str(&r, &s, &len), 0);
    CHECK_EQ(len, c[i].n);
    CHECK_MEM(s, src, c[i].n);
    CHECK_EQ(crdt_mp_left(&r), 0);

    crdt_buf_init(&b, big, sizeof big);
    crdt_w_bin(&b, src, c[i].n);
    CHECK_EQ(b.len, c[i].bin_hdr + c[i].n);
    CHECK_EQ(big[0], c[i].bin_tag);
    crdt_mp_init(&r, big, b.len);
    CHECK_EQ(crdt_mp_bin(&r, &bp, &len), 0);
    CHECK_EQ(len, c[i].n);
    CHECK_MEM(bp, src, c[i].n);
    CHECK_EQ(crdt_mp_left(&r), 0);

    /* Array and map headers followed by enough nils to satisfy the count. */
    crdt_buf_init(&b, big, sizeof big);
    crdt_w_array(&b, c[i].n);
    CHECK_EQ(b.len, c[i].arr_hdr);
    CHECK_EQ(big[0], c[i].arr_tag);
    memset(big + b.len, 0xc0, c[i].n);
    crdt_mp_init(&r, big, b.len + c[i].n);
    CHECK_EQ(crdt_mp_array(&r, &n), 0);
    CHECK_EQ(n, c[i].n);
    CHECK_EQ(crdt_mp_left(&r), c[i].n);

    crdt_buf_init(&b, big, sizeof big);
    crdt_w_map(&b, c[i].n);
    CHECK_EQ(b.len, c[i].arr_hdr);
    /* fixmap is fixarray - 0x10; map16/32 are array16/32 + 2 */
    CHECK_EQ(big[0], c[i].arr_tag < 0xa0 ? c[i].arr_tag - 0x10 : c[i].arr_tag + 2);
    memset(big + b.len, 0xc0, 2 * (size_t)c[i].n);
    crdt_mp_init(&r, big, b.len + 2 * (size_t)c[i].n);
    CHECK_EQ(crdt_mp_map(&r, &n), 0);
    CHECK_EQ(n, c[i].n);
  }

  /* A string of multi-byte characters survives byte for byte. */
  struct crdt_buf b;
  struct crdt_mp r;
  const char *s;
  uint32_t len;
  const char *zh = "\xe6\x97\xa0\xe7\x96\xab\xe6\x83\x85\xe5\xb0\x8f\xe5\x8c\xba"; /* 无疫情小区 */
  crdt_buf_init(&b, big, sizeof big);
  crdt_w_cstr(&b, zh);
  crdt_mp_init(&r, big, b.len);
  CHECK_EQ(crdt_mp_str(&r, &s, &len), 0);
  CHECK_EQ(len, strlen(zh));
  CHECK_MEM(s, zh, len);
}

static void test_writer_overflow(void)
{
  uint8_t out[4];
  struct crdt_buf b;
  crdt_buf_init(&b, out, sizeof out);
  crdt_w_uint(&b, 1);
  CHECK_EQ(crdt_buf_err(&b), 0);
  crdt_w_cstr(&b, "too long");
  CHECK_EQ(crdt_buf_err(&b), LINLI_ETOOBIG);
  CHECK(b.len <= sizeof out);
  size_t len = b.len;
  crdt_w_nil(&b); /* sticky: nothing lands after an overflow */
  CHECK_EQ(b.len, len);
  CHECK_EQ(crdt_buf_err(&b), LINLI_ETOOBIG);

  crdt_buf_init(&b, out, sizeof out);
  crdt_w_raw(&b, "\x01\x02\x03\x04", 4);
  CHECK_EQ(crdt_buf_err(&b), 0);
  CHECK_EQ(b.len, 4);
  crdt_w_raw(&b, "", 0);
  CHECK_EQ(crdt_buf_err(&b), 0);
  crdt_w_raw(&b, "\x05", 1);
  CHECK_EQ(crdt_buf_err(&b), LINLI_ETOOBIG);
  CHECK_EQ(b.len, 4);
}

/* Random values from the writer always read back. */
static void test_roundtrip_random(void)
{
  struct test_rng rng = {test_seed(0x6d70)};
  for (int iter = 0; iter < 2000; iter++) {
    uint8_t out[64];
    struct crdt_buf b;
    struct crdt_mp r;
    uint64_t x = test_rand(&rng) >> test_below(&rng, 64);
    int64_t v = (test_rand(&rng) & 1) ? (int64_t)x : -(int64_t)(x >> 1) - 1;
    int64_t got = 0;
    crdt_buf_init(&b, out, sizeof out);
    crdt_w_int(&b, v);
    crdt_mp_init(&r, out, b.len);
    CHECK_EQ(crdt_mp_int(&r, &got), 0);
    CHECK_EQ(got, v);
    CHECK_EQ(crdt_mp_left(&r), 0);
  }
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  alloc_count_init();
  /* Sanity of the counter itself, so "no allocation" below means something. */
  size_t before = alloc_n;
  void *volatile p = malloc(16);
  CHECK(alloc_n > before);
  free(p);

  test_accept_scalars();
  test_accept_ints_typed();
  test_accept_long_forms();
  test_typed_readers();
  test_noncanonical();
  test_map_keys();
  test_refused_types();
  test_utf8();
  test_truncation();
  test_hostile_lengths();
  test_depth();
  test_body_limits();
  test_roundtrip_ints();
  test_roundtrip_lengths();
  test_writer_overflow();
  test_roundtrip_random();
  return test_done("test_mp");
}
