/* Sealed bundles (node/seal.h, docs/protocol.md 12.4): round trips at chunk
 * edges in both modes, recipients and non-recipients, every byte of a
 * sealed file changed and every shorter length refused, the golden vectors
 * of the protocol document opened. LINLI_SEAL_PRINT=1 prints a fresh pair
 * of vectors (they differ each run: salt, file key and nonces are random). */
#include <sodium.h>

#include "bundle.h"
#include "seal.h"
#include "test.h"

/* The golden vectors of docs/protocol.md 12.4: the empty bundle
 * ("LINLIB1\n" "LINLIEND"), sealed with the passphrase "linli-vector"
 * (opslimit 1, memlimit 8 KiB), and to author A's key (seed 32 x 01). */
static const char *vec_pass =
    "4c494e4c4945310a017f802893b802245eecd8454f7905478800000001000000"
    "082b7a558e4b9cbe380cf958870d25553cf8a1ab6e221f294000000021f30d09"
    "c0bc39bab83333bf504f8f32a0b8cb5d7766619b0f06d69b9e2ae328f188";
static const char *vec_keys =
    "4c494e4c4945310a0200018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d"
    "94121bf3748801b40f6f5c3acf6ba01d7914de893a075a42c665d8dc3d670712"
    "297a0347fdbbdf78c4ca7f188c554a4e28937e12244b5f70bf232848b330a6b9"
    "43c3d6bf6cb8203458d0362c487fa0e678d34eceb8a1619d01eb6a98ccffa554"
    "4d437ca571b8a59a80b52106720f5c6fc059e0000000212ffe23e2347e748ddd"
    "e1d114220fd7473fea77924a38152d6081a4344b924d80fd";

static void ident(struct crdt_identity *id, uint8_t byte)
{
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, byte, sizeof seed);
  REQUIRE(crdt_identity_from_seed(id, seed) == 0);
}

static uint8_t *unhex(const char *h, size_t *n)
{
  size_t len = strlen(h) / 2;
  uint8_t *b = malloc(len + 1);
  REQUIRE(b && sodium_hex2bin(b, len, h, strlen(h), NULL, n, NULL) == 0);
  return b;
}

/* Opens buf with the passphrase (mode 1) or the identity (mode 2). */
static int open_with(const uint8_t *buf, size_t size, const char *pass,
                     const struct crdt_identity *id, uint8_t **plain, size_t *plain_len)
{
  struct seal_header h;
  uint8_t key[32];
  *plain = NULL;
  int rc = seal_parse(buf, size, &h);
  if (!rc)
    rc = h.mode == SEAL_PASSPHRASE && pass ? seal_key_passphrase(&h, pass, strlen(pass), key)
                                   : seal_key_node(&h, id, key);
  if (!rc)
    rc = seal_open(buf, size, &h, key, plain, plain_len);
  return rc;
}

static void fill(uint8_t *p, size_t n, struct test_rng *r)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)test_rand(r);
}

static void roundtrips(struct test_rng *r)
{
  struct crdt_identity a, b, c;
  ident(&a, 1), ident(&b, 2), ident(&c, 3);
  uint8_t keys[2][CRDT_PK_BYTES];
  memcpy(keys[0], a.pk, CRDT_PK_BYTES);
  memcpy(keys[1], b.pk, CRDT_PK_BYTES);
  size_t sizes[] = {1, 16, SEAL_CHUNK - 1, SEAL_CHUNK, SEAL_CHUNK + 1, 3 * SEAL_CHUNK, 200001};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i], got_n = 0, sn = 0;
    uint8_t *p = malloc(n), *s = NULL, *got = NULL;
    REQUIRE(p);
    fill(p, n, r);
    /* to two keys: each opens it, a third does not */
    CHECK_EQ(seal_to_keys(p, n, (const uint8_t(*)[CRDT_PK_BYTES])keys, 2, &s, &sn), 0);
    CHECK_EQ(sn, 11 + 2 * SEAL_RECIPIENT + 24 + n + (n + SEAL_CHUNK - 1) / SEAL_CHUNK * 21);
    for (int k = 0; k < 2; k++) {
      CHECK_EQ(open_with(s, sn, NULL, k ? &b : &a, &got, &got_n), 0);
      CHECK(got && got_n == n && memcmp(got, p, n) == 0);
      free(got);
    }
    CHECK_EQ(open_with(s, sn, NULL, &c, &got, &got_n), LINLI_ENOTFOR);
    CHECK(got == NULL);
    free(s);
    /* with a passphrase */
    CHECK_EQ(seal_passphrase(p, n, "correct horse", 13, 1, 8192, &s, &sn), 0);
    CHECK_EQ(open_with(s, sn, "correct horse", NULL, &got, &got_n), 0);
    CHECK(got && got_n == n && memcmp(got, p, n) == 0);
    free(got);
    CHECK_EQ(open_with(s, sn, "correct horsf", NULL, &got, &got_n), LINLI_EPASS);
    free(s);
    free(p);
  }
  /* bounds of the writers */
  uint8_t *s = NULL, one = 1;
  size_t sn;
  CHECK_EQ(seal_to_keys(&one, 1, (const uint8_t(*)[CRDT_PK_BYTES])keys, 0, &s, &sn), LINLI_EINVAL);
  CHECK_EQ(seal_passphrase(&one, 1, "x", 1, SEAL_OPS_MAX + 1, 8192, &s, &sn), LINLI_EINVAL);
  CHECK_EQ(seal_passphrase(&one, 1, "x", 1, 1, 1024, &s, &sn), LINLI_EINVAL);
  uint8_t bad[1][CRDT_PK_BYTES];
  memset(bad, 0xff, sizeof bad); /* not a point on the curve */
  CHECK_EQ(seal_to_keys(&one, 1, (const uint8_t(*)[CRDT_PK_BYTES])bad, 1, &s, &sn), LINLI_EINVAL);
  CHECK(s == NULL);
}

/* Every byte changed (each of a few values) and every shorter length: an
 * error each time, never other plain bytes. */
static void damage(void)
{
  struct crdt_identity a;
  ident(&a, 1);
  uint8_t plain[100];
  for (size_t i = 0; i < sizeof plain; i++)
    plain[i] = (uint8_t)i;
  for (int mode = 1; mode <= 2; mode++) {
    uint8_t *s = NULL, *got = NULL;
    size_t sn = 0, got_n = 0;
    if (mode == 1)
      REQUIRE(seal_passphrase(plain, sizeof plain, "pw", 2, 1, 8192, &s, &sn) == 0);
    else
      REQUIRE(seal_to_keys(plain, sizeof plain, (const uint8_t(*)[CRDT_PK_BYTES])a.pk, 1, &s, &sn) == 0);
    int opened = 0;
    for (size_t i = 0; i < sn; i++)
      for (int x = 1; x < 256; x <<= 1) {
        s[i] ^= (uint8_t)x;
        int rc = open_with(s, sn, "pw", &a, &got, &got_n);
        opened += rc == 0;
        CHECK(rc < 0);
        free(got);
        s[i] ^= (uint8_t)x;
      }
    CHECK_EQ(opened, 0);
    for (size_t len = 0; len < sn; len++) {
      int rc = open_with(s, len, "pw", &a, &got, &got_n);
      CHECK_EQ(rc, LINLI_ETRUNC);
      free(got);
    }
    uint8_t *longer = malloc(sn + 1);
    REQUIRE(longer);
    memcpy(longer, s, sn);
    longer[sn] = 0;
    CHECK_EQ(open_with(longer, sn + 1, "pw", &a, &got, &got_n), LINLI_ETRAIL);
    free(longer);
    CHECK_EQ(open_with(s, sn, "pw", &a, &got, &got_n), 0);
    CHECK(got_n == sizeof plain && memcmp(got, plain, sizeof plain) == 0);
    free(got);
    free(s);
  }
  /* envelope bounds */
  struct seal_header h;
  uint8_t env[200] = "LINLIE1\n";
  env[8] = 3;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_EVERSION);
  env[8] = 2, env[9] = 0, env[10] = 0;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETOOBIG); /* no recipient */
  env[10] = 65;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETOOBIG);
  env[10] = 2;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETRUNC); /* 2 x 112 > 200 - 11 */
  env[8] = 1;
  memset(env + 9 + SEAL_SALT, 0, 8);
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETOOBIG); /* opslimit 0 */
  env[9 + SEAL_SALT + 3] = SEAL_OPS_MAX + 1, env[9 + SEAL_SALT + 6] = 1;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETOOBIG);
  env[9 + SEAL_SALT + 3] = 1, env[9 + SEAL_SALT + 4] = 0x7f;
  CHECK_EQ(seal_parse(env, sizeof env, &h), LINLI_ETOOBIG); /* memlimit 2 TiB */
  env[9 + SEAL_SALT + 4] = 0;
  CHECK_EQ(seal_parse(env, sizeof env, &h), 0);
  CHECK_EQ(h.opslimit, 1);
  CHECK_EQ(h.mem_kib, 256);
  CHECK_EQ(seal_parse((const uint8_t *)"LINLIB1\nLINLIEND", 16, &h), LINLI_EKEYFILE);
  CHECK(!seal_is_sealed((const uint8_t *)"LINLIB1\nLINLIEND", 16));
}

static void golden(void)
{
  struct crdt_identity a, b;
  ident(&a, 1), ident(&b, 2);
  const uint8_t empty[] = "LINLIB1\nLINLIEND";
  if (getenv("LINLI_SEAL_PRINT")) {
    uint8_t *s;
    size_t sn;
    char hex[1024];
    REQUIRE(seal_passphrase(empty, 16, "linli-vector", 12, 1, 8192, &s, &sn) == 0);
    printf("passphrase %s\n", sodium_bin2hex(hex, sizeof hex, s, sn));
    free(s);
    REQUIRE(seal_to_keys(empty, 16, (const uint8_t(*)[CRDT_PK_BYTES])a.pk, 1, &s, &sn) == 0);
    printf("keys %s\n", sodium_bin2hex(hex, sizeof hex, s, sn));
    free(s);
  }
  const char *vecs[2] = {vec_pass, vec_keys};
  for (int i = 0; i < 2; i++) {
    size_t n = 0, got_n = 0;
    uint8_t *v = unhex(vecs[i], &n), *got = NULL;
    CHECK_EQ(open_with(v, n, "linli-vector", &a, &got, &got_n), 0);
    CHECK(got && got_n == 16 && memcmp(got, empty, 16) == 0);
    free(got);
    const uint8_t **ops;
    size_t *lens, count = 1;
    if (i == 1) /* B is not a recipient */
      CHECK_EQ(open_with(v, n, NULL, &b, &got, &got_n), LINLI_ENOTFOR);
    else
      CHECK_EQ(open_with(v, n, "linli-vectoR", NULL, &got, &got_n), LINLI_EPASS);
    CHECK_EQ(bundle_parse(empty, 16, &ops, &lens, &count), 0);
    CHECK_EQ(count, 0);
    free(ops), free(lens);
    free(v);
  }
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  struct test_rng r = {test_seed(20261203)};
  roundtrips(&r);
  damage();
  golden();
  return test_done("test_seal");
}
