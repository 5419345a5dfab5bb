/* Sealed values (node/domain/sealed.h, docs/protocol.md 12.5):
 *   - the two golden vectors of 12.5 (made by an implementation of the
 *     text alone) come out of dom_seal_value byte for byte and open back to
 *     their plain values;
 *   - bad input never opens and never shows another value: a wrong tag or
 *     version, epoch 0, every truncation, a non-minimal or wrong length,
 *     bytes after it, a flipped byte anywhere, an unknown epoch (ENOKEY),
 *     the value moved to another scope, collection, record or field (the
 *     associated data), the right key of another community, plain bytes
 *     that are not one canonical value; dom_render shows them as (damaged)
 *     or (sealed), never a plain byte;
 *   - domain_seal seals exactly the sealed fields of an op body, leaves nil,
 *     other fields and values already sealed alone, seals nothing without a
 *     key for the op's scope, and each value gets its own nonce;
 *   - the key file: good files parse, every malformed one is refused.
 * Runs under ASan/UBSan with every buffer exactly as long as its bytes. */
#define _GNU_SOURCE /* memmem */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "test.h"

static size_t unhex(const char *h, uint8_t *out)
{
  size_t n = 0;
  for (; h[0] && h[1]; h += 2) {
    while (*h == ' ' || *h == '\n')
      h++;
    if (!h[0] || !h[1])
      break;
    unsigned v;
    sscanf(h, "%2x", &v);
    out[n++] = (uint8_t)v;
  }
  return n;
}

/* A copy in its own allocation, so that ASan sees any read past its end. */
static uint8_t *dup(const uint8_t *p, size_t n)
{
  uint8_t *d = malloc(n ? n : 1);
  REQUIRE(d);
  memcpy(d, p, n);
  return d;
}

/* ---- 12.5's vectors ---- */

static const char v1_sealed[] = "c435530100000001a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"
                                "cd3c8f6f9b7758d8a03c56c56ad9bc1d27932c6da60ae3";
static const char v2_sealed[] =
    "c50109530100000007a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6"
    "b759df010b4fe0293a0277c50cee913817f9f1ca458246fa2f15553dc542414c"
    "f3a1cda6c93a0e18046a30d0dcc7da8c30cdc3b74b16fe708c4076005228c073"
    "e9b77df8002a00a4fc84ff52c1e51d03d2944b7863e0d7d183c554a06d19a091"
    "83f1a21f0c44b028c2e2e034f5732d7342ea2fb0f826b0031152306da034a87e"
    "03f516a6fb302179651d44a9fa00da2ba0834954a5435cabd59d85a3e1e022cc"
    "693a2dacaf6d9b7e158fc3e4e521cf34c8095068db3fc11a67bc41a52ade8ddf"
    "e9563d82d4733dc495f9d3a0f8e9c3e67cfb735dae60a001ed09a0762504d12d"
    "9bab4820b92d66fe80ac201c";

static void keys_v(struct dom_keys *ks)
{
  uint8_t k1[32], k7[32];
  for (int i = 0; i < 32; i++)
    k1[i] = (uint8_t)(0x40 + i), k7[i] = 0x11;
  memset(ks, 0, sizeof *ks);
  REQUIRE(dom_keys_add(ks, "shihua", 1, k1) == 0);
  REQUIRE(dom_keys_add(ks, "shihua", 7, k7) == 0);
}

static size_t plain_v2(uint8_t *p)
{
  size_t n = 0;
  p[n++] = 0xd9, p[n++] = 217;
  for (int i = 0; i < 36; i++)
    memcpy(p + n, "轮椅", 6), n += 6;
  p[n++] = 'x';
  return n;
}

static int open_at(const struct dom_keys *ks, const char *scope, const char *coll, const char *key,
                   const char *field, const uint8_t *mp, size_t len, uint8_t *out, size_t *ol)
{
  uint8_t *d = dup(mp, len);
  int rc = dom_open_value(ks, scope, strlen(scope), coll, strlen(coll), key, strlen(key), field,
                          strlen(field), d, len, out, DOM_SEAL_PLAIN_MAX, ol);
  free(d);
  return rc;
}

static void test_vectors(void)
{
  struct dom_keys ks;
  uint8_t nonce[24], want[400], got[400], plain[DOM_SEAL_PLAIN_MAX], p2[300];
  size_t wl, gl = 0, pl = 0;
  keys_v(&ks);
  for (int i = 0; i < 24; i++)
    nonce[i] = (uint8_t)(0xa0 + i);
  static const uint8_t p1[] = {0xa6, 0xe6, 0x9e, 0x97, 0xe6, 0x95, 0x8f}; /* "林敏" */
  wl = unhex(v1_sealed, want);
  CHECK_EQ(wl, 55);
  CHECK_EQ(dom_seal_value(dom_keys_find(&ks, "shihua", 6, 1), nonce, "shihua", "resident",
                         "r-SH-00001", 10, "name", p1, sizeof p1, got, sizeof got, &gl), 0);
  CHECK_EQ(gl, wl);
  CHECK_MEM(got, want, wl);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00001", "name", want, wl, plain, &pl), 0);
  CHECK_EQ(pl, sizeof p1);
  CHECK_MEM(plain, p1, sizeof p1);

  size_t p2l = plain_v2(p2);
  CHECK_EQ(p2l, 219);
  wl = unhex(v2_sealed, want);
  CHECK_EQ(wl, 268);
  CHECK_EQ(dom_seal_value(dom_keys_find(&ks, "shihua", 6, 7), nonce, "shihua", "resident",
                         "r-SH-00001", 10, "special_needs", p2, p2l, got, sizeof got, &gl), 0);
  CHECK_EQ(gl, wl);
  CHECK_MEM(got, want, wl);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00001", "special_needs", want, wl, plain, &pl),
           0);
  CHECK_EQ(pl, p2l);
  CHECK_MEM(plain, p2, p2l);
  /* one byte short of the room it needs: refused, not cut */
  CHECK_EQ(dom_seal_value(dom_keys_find(&ks, "shihua", 6, 7), nonce, "shihua", "resident",
                         "r-SH-00001", 10, "special_needs", p2, p2l, got, wl - 1, &gl),
           LINLI_ETOOBIG);
  dom_keys_wipe(&ks);
}

/* ---- bad input ---- */

/* What a reader shows for mp in field name of resident r-SH-00001 of
 * shihua: never a plain byte of "林敏". */
static int shows_no_plain(const struct dom_keys *ks, const uint8_t *mp, size_t len)
{
  uint8_t out[DOM_SEAL_PLAIN_MAX];
  size_t ol = 0;
  int rc = open_at(ks, "shihua", "resident", "r-SH-00001", "name", mp, len, out, &ol);
  return rc == LINLI_EDAMAGED || rc == LINLI_ENOKEY || rc == LINLI_EINVAL;
}

static void test_bad(void)
{
  struct dom_keys ks, other, none;
  uint8_t v[400], b[400], out[DOM_SEAL_PLAIN_MAX];
  size_t vl = unhex(v1_sealed, v), ol;
  struct dom_sealed s;
  keys_v(&ks);
  memset(&none, 0, sizeof none);

  /* the intact value parses; every cut of it is damaged, never opened */
  CHECK_EQ(dom_sealed_parse(v, vl, &s), 1);
  CHECK_EQ(s.epoch, 1);
  int cuts_ok = 1;
  for (size_t n = 1; n < vl; n++) {
    uint8_t *d = dup(v, n);
    cuts_ok &= dom_sealed_parse(d, n, &s) == LINLI_EDAMAGED && shows_no_plain(&ks, d, n);
    free(d);
  }
  CHECK(cuts_ok);
  /* a byte changed anywhere: damaged (never another value) */
  int flips_ok = 1;
  for (size_t i = 0; i < vl; i++) {
    memcpy(b, v, vl);
    b[i] ^= 0x01;
    flips_ok &= shows_no_plain(&ks, b, vl);
    if (i >= 2 + DOM_SEAL_HEAD) /* nonce and ciphertext: it parses, and does not authenticate */
      flips_ok &= open_at(&ks, "shihua", "resident", "r-SH-00001", "name", b, vl, out, &ol) ==
                  LINLI_EDAMAGED;
  }
  CHECK(flips_ok);
  /* the named faults */
  memcpy(b, v, vl), b[2] = 'T';
  CHECK_EQ(dom_sealed_parse(b, vl, &s), LINLI_EDAMAGED); /* wrong tag */
  memcpy(b, v, vl), b[3] = 2;
  CHECK_EQ(dom_sealed_parse(b, vl, &s), LINLI_EDAMAGED); /* version 2 */
  memcpy(b, v, vl), b[7] = 0;
  CHECK_EQ(dom_sealed_parse(b, vl, &s), LINLI_EDAMAGED); /* epoch 0 */
  memcpy(b, v, vl), b[7] = 9;                            /* epoch 9: no key of it here */
  CHECK_EQ(dom_sealed_parse(b, vl, &s), 1);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00001", "name", b, vl, out, &ol), LINLI_ENOKEY);
  CHECK_EQ(open_at(&none, "shihua", "resident", "r-SH-00001", "name", v, vl, out, &ol),
           LINLI_ENOKEY);
  memcpy(b, v, vl), b[vl] = 0xc0; /* a byte after it */
  CHECK_EQ(dom_sealed_parse(b, vl + 1, &s), LINLI_EDAMAGED);
  b[0] = 0xc5, b[1] = 0, b[2] = (uint8_t)(vl - 2); /* bin16 for what a bin8 holds */
  memcpy(b + 3, v + 2, vl - 2);
  CHECK_EQ(dom_sealed_parse(b, vl + 1, &s), LINLI_EDAMAGED);
  b[0] = 0xc6; /* bin32: never a sealed value */
  CHECK_EQ(dom_sealed_parse(b, vl + 1, &s), LINLI_EDAMAGED);
  static const uint8_t short_ct[] = {0xc4, 0x2e, 'S', 1, 0, 0, 0, 1}; /* 46: a tag, no value */
  memset(b, 0, sizeof b), memcpy(b, short_ct, sizeof short_ct);
  CHECK_EQ(dom_sealed_parse(b, 48, &s), LINLI_EDAMAGED);
  static const uint8_t str[] = {0xa3, 'a', 'b', 'c'};
  CHECK_EQ(dom_sealed_parse(str, sizeof str, &s), 0); /* a plain value: not sealed */

  /* moved: another scope, collection, record or field, or another
   * community's key of the same epoch */
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00002", "name", v, vl, out, &ol), LINLI_EDAMAGED);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00001", "phone", v, vl, out, &ol),
           LINLI_EDAMAGED);
  CHECK_EQ(open_at(&ks, "shihua", "volunteer", "r-SH-00001", "name", v, vl, out, &ol),
           LINLI_EDAMAGED);
  memset(&other, 0, sizeof other);
  uint8_t k1[32];
  memcpy(k1, dom_keys_find(&ks, "shihua", 6, 1)->key, 32);
  REQUIRE(dom_keys_add(&other, "dongfang", 1, k1) == 0);
  CHECK_EQ(open_at(&other, "dongfang", "resident", "r-SH-00001", "name", v, vl, out, &ol),
           LINLI_EDAMAGED);
  uint8_t k2[32];
  memset(k2, 0x22, 32);
  dom_keys_wipe(&other);
  REQUIRE(dom_keys_add(&other, "shihua", 1, k2) == 0); /* another node's own key, epoch 1 */
  CHECK_EQ(open_at(&other, "shihua", "resident", "r-SH-00001", "name", v, vl, out, &ol),
           LINLI_EDAMAGED);

  /* plain bytes that are no single canonical value, sealed with the right
   * key: damaged (two values; a non-minimal int; a bin) */
  static const uint8_t two[] = {0xa1, 'a', 0xa1, 'b'}, wide[] = {0xd0, 0x05}, bin[] = {0xc4, 0};
  const uint8_t *bad_plain[] = {two, wide, bin};
  size_t bad_len[] = {sizeof two, sizeof wide, sizeof bin};
  uint8_t nonce[24] = {0};
  for (int i = 0; i < 3; i++) {
    size_t sl = 0;
    REQUIRE(dom_seal_value(dom_keys_find(&ks, "shihua", 6, 1), nonce, "shihua", "resident",
                           "r-SH-00001", 10, "name", bad_plain[i], bad_len[i], b, sizeof b, &sl) == 0);
    CHECK_EQ(open_at(&ks, "shihua", "resident", "r-SH-00001", "name", b, sl, out, &ol),
             LINLI_EDAMAGED);
  }

  /* what a reader prints: the word, never the value */
  const struct dom_field *name = domain_field(domain_find("resident", 8), "name", 4);
  REQUIRE(name && (name->flags & DOM_F_SEALED));
  char text[256];
  CHECK(dom_render(name, v, vl, text, sizeof text) == LINLI_ENOKEY && !strcmp(text, "(sealed)"));
  memcpy(b, v, vl), b[3] = 2;
  CHECK(dom_render(name, b, vl, text, sizeof text) == LINLI_EDAMAGED && !strcmp(text, "(damaged)"));
  dom_keys_wipe(&ks);
  dom_keys_wipe(&other);
}

/* ---- domain_seal on an op body ---- */

static void rnd(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  randombytes_buf(buf, len);
}

static const uint8_t keyfile_v[] =
    "linli-community-keys-v1\n"
    "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n";

static void test_seal_body(void)
{
  uint8_t body[512], out[1024], val[64];
  struct crdt_buf b;
  size_t ol = 0;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 5);
  crdt_w_cstr(&b, "birth_year"), crdt_w_uint(&b, 1983);
  crdt_w_cstr(&b, "household"), crdt_w_cstr(&b, "SH-C01-1-1-101");
  crdt_w_cstr(&b, "id_number"), crdt_w_cstr(&b, "420107198307027457");
  crdt_w_cstr(&b, "name"), crdt_w_cstr(&b, "林敏");
  crdt_w_cstr(&b, "phone"), crdt_w_nil(&b);
  REQUIRE(!crdt_buf_err(&b));
  size_t bl = b.len;
  int rc = domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "shihua", "resident", "r-1", body, bl,
                       rnd, NULL, out, sizeof out, &ol);
  CHECK_EQ(rc, 1);
  CHECK(ol == bl + 2 * (2 + DOM_SEAL_HEAD + DOM_SEAL_NONCE + DOM_SEAL_MAC));
  CHECK(!memmem(out, ol, "420107198307027457", 18) && !memmem(out, ol, "林敏", 6));
  CHECK(memmem(out, ol, "SH-C01-1-1-101", 14) != NULL); /* not a sealed field */
  /* each sealed field opens to its value; nil stays nil; the rest as given */
  struct dom_keys ks;
  REQUIRE(dom_keys_parse(keyfile_v, sizeof keyfile_v - 1, &ks) == 0);
  size_t fl, vl = 0;
  const uint8_t *f = dom_body_get(out, ol, "name", &fl), *g;
  REQUIRE(f);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-1", "name", f, fl, val, &vl), 0);
  CHECK(vl == 7 && !memcmp(val + 1, "林敏", 6));
  g = dom_body_get(out, ol, "id_number", &fl);
  REQUIRE(g);
  CHECK_EQ(open_at(&ks, "shihua", "resident", "r-1", "id_number", g, fl, val, &vl), 0);
  CHECK(memcmp(f + 2 + DOM_SEAL_HEAD, g + 2 + DOM_SEAL_HEAD, DOM_SEAL_NONCE) != 0); /* own nonces */
  f = dom_body_get(out, ol, "phone", &fl);
  CHECK(f && fl == 1 && f[0] == 0xc0);
  /* a body already sealed is signed as it is */
  uint8_t again[1024];
  size_t al = 0;
  CHECK_EQ(domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "shihua", "resident", "r-1", out, ol,
                       rnd, NULL, again, sizeof again, &al),
           0);
  /* a key file without the scope's key (a node that joined and has no
   * grant yet): refused, not signed in clear; an empty key file likewise */
  CHECK_EQ(domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "dongfang", "resident", "r-1", body,
                       bl, rnd, NULL, out, sizeof out, &ol),
           LINLI_ENOKEY);
  CHECK_EQ(domain_seal(NULL, (const uint8_t *)DOM_KEYS_MAGIC, sizeof DOM_KEYS_MAGIC - 1, "shihua",
                       "resident", "r-1", body, bl, rnd, NULL, out, sizeof out, &ol),
           LINLI_ENOKEY);
  /* no key file, a collection with no sealed field */
  CHECK_EQ(domain_seal(NULL, NULL, 0, "shihua", "resident", "r-1", body, bl, rnd, NULL, out,
                       sizeof out, &ol),
           0);
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "publicity"), crdt_w_bool(&b, 1);
  CHECK_EQ(domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "shihua", "measures", "SH-C01", body,
                       b.len, rnd, NULL, out, sizeof out, &ol),
           0);
  /* too little room: an error, not a cut body */
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "name"), crdt_w_cstr(&b, "林敏");
  CHECK_EQ(domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "shihua", "resident", "r-1", body,
                       b.len, rnd, NULL, out, b.len + 10, &ol),
           LINLI_ETOOBIG);
  dom_keys_wipe(&ks);
}

/* ---- the key file ---- */

static void test_keyfile(void)
{
  struct dom_keys ks;
  static const char *const bad[] = {
      "",
      "linli-community-keys-v2\n",
      "linli-community-keys-v1\nshihua 1 404142\n",
      "linli-community-keys-v1\nshihua 0 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      "linli-community-keys-v1\nshihua 01 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      "linli-community-keys-v1\nshihua 4294967296 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      "linli-community-keys-v1\nshihua 1 404142434445464748494A4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      "linli-community-keys-v1\nshihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
      "linli-community-keys-v1\nShi/hua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      "linli-community-keys-v1\n 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n",
      ("linli-community-keys-v1\nshihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"
       "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"), /* twice */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t *d = dup((const uint8_t *)bad[i], strlen(bad[i]));
    int rc = dom_keys_parse(d, strlen(bad[i]), &ks);
    if (rc != LINLI_EKEYFILE)
      fprintf(stderr, "key file %zu parsed\n", i);
    CHECK_EQ(rc, LINLI_EKEYFILE);
    CHECK_EQ(ks.n, 0);
    free(d);
  }
  static const char good[] =
      "linli-community-keys-v1\n"
      "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"
      "shihua 4294967295 1111111111111111111111111111111111111111111111111111111111111111\n"
      "dongfang 1 2222222222222222222222222222222222222222222222222222222222222222\n";
  CHECK_EQ(dom_keys_parse((const uint8_t *)good, sizeof good - 1, &ks), 0);
  CHECK_EQ(ks.n, 3);
  CHECK(dom_keys_newest(&ks, "shihua") && dom_keys_newest(&ks, "shihua")->epoch == 4294967295u);
  CHECK(dom_keys_newest(&ks, "dongfang") && dom_keys_newest(&ks, "dongfang")->key[0] == 0x22);
  CHECK(dom_keys_newest(&ks, "qiaokou") == NULL);
  dom_keys_wipe(&ks);
}

/* Retirement (12.7): the epochs of one scope up to `through` leave the
 * file, the rest (later epochs, other communities) stay in their order; the
 * op's body is the canonical map the protocol gives. */
static void test_retire(void)
{
  static const char good[] =
      "linli-community-keys-v1\n"
      "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"
      "dongfang 1 2222222222222222222222222222222222222222222222222222222222222222\n"
      "shihua 2 3333333333333333333333333333333333333333333333333333333333333333\n"
      "shihua 3 4444444444444444444444444444444444444444444444444444444444444444\n";
  struct dom_keys ks;
  CHECK_EQ(dom_keys_parse((const uint8_t *)good, sizeof good - 1, &ks), 0);
  CHECK_EQ(dom_keys_drop(&ks, "shihua", 0), 0);
  CHECK_EQ(ks.n, 4);
  CHECK_EQ(dom_keys_drop(&ks, "shihua", 2), 2);
  CHECK_EQ(ks.n, 2);
  CHECK(!strcmp(ks.k[0].scope, "dongfang") && ks.k[0].epoch == 1);
  CHECK(!strcmp(ks.k[1].scope, "shihua") && ks.k[1].epoch == 3 && ks.k[1].key[0] == 0x44);
  CHECK(dom_keys_find(&ks, "shihua", 6, 1) == NULL && dom_keys_find(&ks, "shihua", 6, 2) == NULL);
  CHECK_EQ(dom_keys_drop(&ks, "shihua", 2), 0); /* again: nothing */
  CHECK_EQ(dom_keys_drop(&ks, "shihua", UINT32_MAX), 1);
  CHECK_EQ(ks.n, 1);
  CHECK(dom_keys_newest(&ks, "shihua") == NULL && dom_keys_newest(&ks, "dongfang") != NULL);
  dom_keys_wipe(&ks);

  uint8_t body[64];
  char rkey[24];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  CHECK_EQ(dom_retire_body(7, "over", &b, rkey, sizeof rkey), 0);
  CHECK(!strcmp(rkey, "through-7"));
  static const uint8_t want[] = {0x82, 0xa6, 'r', 'e', 'a', 's', 'o', 'n', 0xa4, 'o', 'v', 'e', 'r',
                                 0xa7, 't', 'h', 'r', 'o', 'u', 'g', 'h', 0x07};
  CHECK_EQ(b.len, sizeof want);
  CHECK_MEM(b.p, want, sizeof want);
  CHECK_EQ(dom_retire_body(7, "over", &b, rkey, 10), LINLI_ETOOBIG);
}

int main(void)
{
  REQUIRE(sodium_init() >= 0);
  test_vectors();
  test_bad();
  test_seal_body();
  test_keyfile();
  test_retire();
  return test_done("test_sealed");
}
