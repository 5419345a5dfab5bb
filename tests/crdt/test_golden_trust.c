/* Golden vectors of docs/protocol.md section 11 (trust) and 12 (files): a
 * certificate, a revocation, an enrolment request line, a bundle that holds
 * an op before its author's certificate, and that op held and then released
 * by a node with trust on, with the state digest after. Fixed seeds, fixed
 * times: the bytes are stable (Ed25519 signing is deterministic), and the
 * hex here is the hex printed in the document.
 *
 * It also checks the order of checks of section 11.4 on a real node core:
 * an op whose author has no certificate yet is held (LINLI_EPENDING), not
 * rejected; one outside its certificate's validity AND beyond the clock
 * bound is LINLI_ECERT, not LINLI_ECLOCK (trust is decided first); one
 * stamped at or after its author's revocation is LINLI_EREVOKED.
 *
 * LINLI_GOLDEN_PRINT=1 prints the vectors instead of checking them. */
#include <sodium.h>
#include <unistd.h>

#include "bundle.h"
#include "test_node_util.h"
#include "trust.h"

#define BASE_MS UINT64_C(1583020800000) /* 2020-03-01T00:00:00Z, as section 8 */
#define DAY_MS UINT64_C(86400000)
#define DISTRICT "jiangan"
#define COMMUNITY "shihua"

static int printing;

static void hexs(char *out, const uint8_t *p, size_t n)
{
  sodium_bin2hex(out, 2 * n + 1, p, n);
}

/* Checks (or prints) one vector: the bytes and the hex the document holds. */
static void vector(const char *name, const uint8_t *p, size_t n, const char *want)
{
  char *got = malloc(2 * n + 1);
  REQUIRE(got);
  hexs(got, p, n);
  if (printing) {
    printf("%s (%zu bytes):\n", name, n);
    for (size_t i = 0; i < 2 * n; i += 64)
      printf("    \"%.64s\"\n", got + i);
  } else {
    if (strcmp(got, want) != 0)
      fprintf(stderr, "vector %s differs:\n  got  %s\n  want %s\n", name, got, want);
    CHECK(strcmp(got, want) == 0);
  }
  free(got);
}

static void ident(struct crdt_identity *id, uint8_t v)
{
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, v, sizeof seed);
  REQUIRE(crdt_identity_from_seed(id, seed) == 0);
}

/* The op held for a certificate: a resident registered by the community node. */
static size_t held_op(const struct crdt_identity *c, uint8_t *out, size_t cap)
{
  uint8_t body[64];
  struct crdt_buf b;
  size_t len;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "grid");
  crdt_w_uint(&b, 3);
  struct crdt_draft d = {COMMUNITY, "resident", "r-000777", CRDT_HLC_MAKE(BASE_MS + 3600000, 0),
                         CRDT_SET, body, b.len, NULL, 0};
  REQUIRE(crdt_op_sign(&d, c, out, cap, &len, NULL) == 0);
  return len;
}

/* ---- the hex of the document ---- */

static const char CERT_HEX[] =
    "929901c420ed4928c628d1c2c6eae90338905995612959273a5c63f93636c146"
    "14ac8737d1a76a69616e67616ecf0170936478000000a463657274d940636139"
    "3361633137303531383730373164363762383363376666306566653831303865"
    "38656334353330353735643737323638373933333364626461626537630084a9"
    "636f6d6d756e697479a6736869687561a96e6f745f6166746572cf00000177eb"
    "15a400aa6e6f745f6265666f7265cf000001708e3e1c00a4726f6c65a9636f6d"
    "6d756e69747990c440096d77ea6a994b23a02e422d984900ce61de8e135e2f4e"
    "95ab4ebb4a5a7ba04978df72f9bb85ccaeefb02666c0103eb99179c9f733a1af"
    "151717af146824a404";
static const char REV_HEX[] =
    "929901c420ed4928c628d1c2c6eae90338905995612959273a5c63f93636c146"
    "14ac8737d1a76a69616e67616ecf01712de340000000aa7265766f636174696f"
    "6ed9406361393361633137303531383730373164363762383363376666306566"
    "6538313038653865633435333035373564373732363837393333336462646162"
    "6537630082a26174cf000001712de34000a6726561736f6ead6c6170746f7020"
    "73746f6c656e90c440131678bf993a3b47b68dcc65652cc6b46e4937b62a50ef"
    "3abca9ca163ca3701bb72f2c90d133f3a6092ee97e1f14e349f94ca59a16037c"
    "8ef7a889f07979f30f";
static const char REQ_HEX[] =
    "6c696e6c692d656e726f6c6c2d76312073686968756120636139336163313730"
    "3531383730373164363762383363376666306566653831303865386563343533"
    "3035373564373732363837393333336462646162653763203636343438396264"
    "3666336339333238393132626264323436366365313032323135363735323334"
    "3437363662633463663434643837643664303962323535633830666139366634"
    "3138613039653865363536396539383436303739303230623462646365356564"
    "3862376437366634663135336363346239383837376630390a";
static const char OP_HEX[] =
    "929901c420ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d77268793"
    "33dbdabe7ca6736869687561cf0170939b66800000a87265736964656e74a872"
    "2d3030303737370081a4677269640390c440ca43393584af65fe529bb3a91715"
    "da4b55abcad67ec26358d1a842c96c97df4e72bee3af53cd52daee372cef32da"
    "7671c73b0c6468cf0df58791ef02f4910502";
static const char BUNDLE_HEX[] =
    "4c494e4c4942310a00000092929901c420ca93ac1705187071d67b83c7ff0efe"
    "8108e8ec4530575d7726879333dbdabe7ca6736869687561cf0170939b668000"
    "00a87265736964656e74a8722d3030303737370081a4677269640390c440ca43"
    "393584af65fe529bb3a91715da4b55abcad67ec26358d1a842c96c97df4e72be"
    "e3af53cd52daee372cef32da7671c73b0c6468cf0df58791ef02f49105020000"
    "0109929901c420ed4928c628d1c2c6eae90338905995612959273a5c63f93636"
    "c14614ac8737d1a76a69616e67616ecf0170936478000000a463657274d94063"
    "6139336163313730353138373037316436376238336337666630656665383130"
    "3865386563343533303537356437373236383739333333646264616265376300"
    "84a9636f6d6d756e697479a6736869687561a96e6f745f6166746572cf000001"
    "77eb15a400aa6e6f745f6265666f7265cf000001708e3e1c00a4726f6c65a963"
    "6f6d6d756e69747990c440096d77ea6a994b23a02e422d984900ce61de8e135e"
    "2f4e95ab4ebb4a5a7ba04978df72f9bb85ccaeefb02666c0103eb99179c9f733"
    "a1af151717af146824a4044c494e4c49454e44";
static const char DIGEST_HEX[] =
    "82ea781b0349f51a5b2be56020f22d4cc31681f924891942ccb68a6f64fcb537";

int main(void)
{
  REQUIRE(crdt_init() == 0);
  printing = getenv("LINLI_GOLDEN_PRINT") != NULL;
  struct crdt_identity hub, com;
  ident(&hub, 3);
  ident(&com, 4);
  char hubhex[65], comhex[65];
  hexs(hubhex, hub.pk, 32);
  hexs(comhex, com.pk, 32);
  if (printing)
    printf("hub key (seed 03 x 32) %s\ncommunity key (seed 04 x 32) %s\n", hubhex, comhex);

  /* The certificate: signed the day before the base time, valid a year. */
  uint8_t cert[CRDT_OP_MAX_BYTES], rev[CRDT_OP_MAX_BYTES], op[512];
  int cl = trust_cert_sign(&hub, DISTRICT, CRDT_HLC_MAKE(BASE_MS, 0), com.pk, COMMUNITY,
                           "community", BASE_MS - DAY_MS, BASE_MS + 365 * DAY_MS, cert,
                           sizeof cert);
  REQUIRE(cl > 0);
  vector("certificate", cert, (size_t)cl, CERT_HEX);
  /* The revocation, 30 days later. */
  int rl = trust_revoke_sign(&hub, DISTRICT, CRDT_HLC_MAKE(BASE_MS + 30 * DAY_MS, 0), com.pk,
                             BASE_MS + 30 * DAY_MS, "laptop stolen", rev, sizeof rev);
  REQUIRE(rl > 0);
  vector("revocation", rev, (size_t)rl, REV_HEX);

  /* The enrolment request line, as linli init writes it. */
  char req[] = "golden-enroll-XXXXXX";
  int fd = mkstemp(req);
  REQUIRE(fd >= 0);
  close(fd);
  REQUIRE(trust_request_write(req, &com, COMMUNITY) == 0);
  uint8_t line[512];
  FILE *f = fopen(req, "rb");
  REQUIRE(f);
  size_t ll = fread(line, 1, sizeof line, f);
  fclose(f);
  vector("enrolment request", line, ll, REQ_HEX);
  uint8_t pk[32];
  char comm[CRDT_SCOPE_MAX + 1];
  CHECK_EQ(trust_request_read(req, pk, comm), 0);
  CHECK(!memcmp(pk, com.pk, 32) && !strcmp(comm, COMMUNITY));
  line[20] ^= 1; /* one character of the key changed: the signature no longer holds */
  f = fopen(req, "wb");
  REQUIRE(f && fwrite(line, 1, ll, f) == ll);
  fclose(f);
  CHECK(trust_request_read(req, pk, comm) < 0);
  unlink(req);

  /* The op, and a bundle with it before its author's certificate. */
  size_t ol = held_op(&com, op, sizeof op);
  vector("held op", op, ol, OP_HEX);
  char bpath[] = "golden-bundle-XXXXXX";
  fd = mkstemp(bpath);
  REQUIRE(fd >= 0);
  close(fd);
  struct bundle_writer w;
  REQUIRE(bundle_open(&w, bpath) == 0);
  REQUIRE(bundle_add(&w, op, ol) == 0);
  REQUIRE(bundle_add(&w, cert, (size_t)cl) == 0);
  REQUIRE(bundle_close(&w) == 0);
  uint8_t *bb;
  const uint8_t **ops;
  size_t *lens, n;
  REQUIRE(bundle_read(bpath, &bb, &ops, &lens, &n) == 0 && n == 2);
  size_t bl = 8 + 4 + ol + 4 + (size_t)cl + 8;
  vector("bundle", bb, bl, BUNDLE_HEX);

  /* A node of the community with trust on imports the bundle: the op is
   * held, the certificate stored, and the op released by it. */
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.hub_pk = hub.pk;
  t.district = DISTRICT;
  t.now_ms = BASE_MS + 2 * 3600000;
  const char *scopes[] = {COMMUNITY, DISTRICT, NULL};
  tn_open(&t, 0, scopes);
  struct node *nd = t.nodes[0];
  int what[2];
  CHECK_EQ(node_import_each(nd, ops, lens, n, what), 1); /* the certificate; the op is
                                                          * stored by its release */
  CHECK_EQ(what[0], LINLI_EPENDING); /* held: its certificate comes later in the bundle */
  CHECK_EQ(what[1], 1);              /* the certificate, stored */
  uint8_t id[CRDT_ID_BYTES];
  struct crdt_op dec;
  REQUIRE(crdt_op_decode(&dec, op, ol) == 0);
  memcpy(id, dec.id, sizeof id);
  CHECK_EQ(store_has(node_store(nd), id), 1); /* released when the certificate was stored */
  uint8_t dg[CRDT_DIGEST_BYTES];
  CHECK_EQ(node_digest(nd, COMMUNITY, dg), 0);
  vector("digest of scope shihua after the release", dg, sizeof dg, DIGEST_HEX);
  free(bb), free(ops), free(lens);
  unlink(bpath);

  /* The order of checks. An op stamped 400 days on: outside the
   * certificate (ECERT) and far beyond the clock bound (ECLOCK): trust
   * first, so ECERT. */
  uint8_t late[512], body[16];
  struct crdt_buf b;
  size_t lal;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "grid");
  crdt_w_uint(&b, 5);
  struct crdt_draft d = {COMMUNITY, "resident", "r-000778", CRDT_HLC_MAKE(BASE_MS + 400 * DAY_MS, 0),
                         CRDT_SET, body, b.len, NULL, 0};
  REQUIRE(crdt_op_sign(&d, &com, late, sizeof late, &lal, NULL) == 0);
  CHECK_EQ(node_import_one(nd, late, lal), LINLI_ECERT);
  /* Inside the certificate but 2 hours ahead of the node's clock: ECLOCK. */
  d.hlc = CRDT_HLC_MAKE(t.now_ms + 2 * 3600000, 0);
  d.key = "r-000779";
  REQUIRE(crdt_op_sign(&d, &com, late, sizeof late, &lal, NULL) == 0);
  CHECK_EQ(node_import_one(nd, late, lal), LINLI_ECLOCK);
  /* A community op in the district scope: EUNAUTH; the hub outside it: EHUBSCOPE. */
  d.scope = DISTRICT;
  d.hlc = CRDT_HLC_MAKE(t.now_ms, 0);
  REQUIRE(crdt_op_sign(&d, &com, late, sizeof late, &lal, NULL) == 0);
  CHECK_EQ(node_import_one(nd, late, lal), LINLI_EUNAUTH);
  d.scope = COMMUNITY;
  REQUIRE(crdt_op_sign(&d, &hub, late, sizeof late, &lal, NULL) == 0);
  CHECK_EQ(node_import_one(nd, late, lal), LINLI_EHUBSCOPE);
  /* The revocation: an op stamped at or after `at` is EREVOKED, one before stays. */
  t.now_ms = BASE_MS + 31 * DAY_MS;
  const uint8_t *rp = rev;
  size_t rlen = (size_t)rl;
  CHECK_EQ(node_import(nd, &rp, &rlen, 1), 1);
  d.hlc = CRDT_HLC_MAKE(BASE_MS + 30 * DAY_MS, 0);
  d.key = "r-000780";
  REQUIRE(crdt_op_sign(&d, &com, late, sizeof late, &lal, NULL) == 0);
  CHECK_EQ(node_import_one(nd, late, lal), LINLI_EREVOKED);
  CHECK_EQ(store_has(node_store(nd), id), 1); /* stamped before: kept */
  tn_close(&t);
  return test_done("test_golden_trust");
}
