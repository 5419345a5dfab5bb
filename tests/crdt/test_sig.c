/* The Ed25519 acceptance rule of docs/protocol.md 3.6, case by case:
 * RFC 8032's test vectors (section 7.1) through crdt_sig_verify, and the edge
 * cases Project Wycheproof catalogues (non-canonical S; small-order,
 * mixed-order and non-canonical A and R; points off the curve), each
 * constructed here with libsodium's point arithmetic, put into a real op and
 * run through crdt_op_open. Each case states the verdict the rule gives and
 * why; the test checks the verifier's verdict against it. libsodium's own
 * crypto_sign_verify_detached verdict is printed beside it (informational:
 * the rule is ours, checked in crdt/op.c before libsodium is asked). */
#include <sodium.h>

#include "crdt.h"
#include "test.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
  REQUIRE(strlen(h) == 2 * n);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    REQUIRE(sscanf(h + 2 * i, "%2x", &v) == 1);
    out[i] = (uint8_t)v;
  }
}

/* ---- RFC 8032, 7.1 ---- */

static void rfc8032(void)
{
  static const struct {
    const char *seed, *pk, *msg, *sig;
  } v[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t seed[32], pk[32], want_pk[32], sk[64], sig[64], want_sig[64], msg[64];
    size_t ml = strlen(v[i].msg) / 2;
    unhex(v[i].seed, seed, 32);
    unhex(v[i].pk, want_pk, 32);
    unhex(v[i].sig, want_sig, 64);
    unhex(v[i].msg, msg, ml);
    crypto_sign_seed_keypair(pk, sk, seed);
    CHECK_MEM(pk, want_pk, 32);
    crypto_sign_detached(sig, NULL, msg, ml, sk);
    CHECK_MEM(sig, want_sig, 64);
    CHECK_EQ(crdt_sig_verify(want_sig, msg, ml, want_pk), 0);
    /* Any one bit of the signature, the key or the message flipped: refused. */
    for (int bit = 0; bit < 512; bit++) {
      uint8_t s2[64];
      memcpy(s2, want_sig, 64);
      s2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      CHECK_EQ(crdt_sig_verify(s2, msg, ml, want_pk), LINLI_EBADSIG);
    }
    for (int bit = 0; bit < 256; bit++) {
      uint8_t p2[32];
      memcpy(p2, want_pk, 32);
      p2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      CHECK_EQ(crdt_sig_verify(want_sig, msg, ml, p2), LINLI_EBADSIG);
    }
    if (ml) {
      msg[0] ^= 1;
      CHECK_EQ(crdt_sig_verify(want_sig, msg, ml, want_pk), LINLI_EBADSIG);
    }
  }
  printf("RFC 8032 7.1: %zu vectors\n", sizeof v / sizeof v[0]);
}

/* ---- constructions ---- */

/* Little-endian 256-bit helpers for scalars and encodings. */
static void le_add(uint8_t *r, const uint8_t *a, const uint8_t *b)
{
  unsigned c = 0;
  for (int i = 0; i < 32; i++) {
    c += (unsigned)a[i] + b[i];
    r[i] = (uint8_t)c;
    c >>= 8;
  }
}

static const char *L_HEX = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
static const char *P_HEX = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
static uint8_t L[32], P[32], IDENT[32], T8[32], T4[32], T2[32];

static int point_eq(const uint8_t *a, const uint8_t *b)
{
  return !memcmp(a, b, 32);
}

/* n * pt by repeated addition (n small); -1 if pt does not decode. */
static int mul_small(uint8_t *out, const uint8_t *pt, int n)
{
  uint8_t acc[32];
  memcpy(acc, pt, 32);
  for (int i = 1; i < n; i++)
    if (crypto_core_ed25519_add(acc, acc, pt))
      return -1;
  memcpy(out, acc, 32);
  return 0;
}

/* The torsion points, from the order-8 encoding with y =
 * 2707385501144840649318225287225658788936804267575313519463743609750303402022,
 * checked here to have order exactly 8. */
static void torsion(void)
{
  unhex(L_HEX, L, 32);
  unhex(P_HEX, P, 32);
  memset(IDENT, 0, 32);
  IDENT[0] = 1;
  unhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", T8, 32);
  uint8_t t[32];
  REQUIRE(mul_small(T4, T8, 2) == 0);
  REQUIRE(mul_small(T2, T8, 4) == 0);
  REQUIRE(mul_small(t, T8, 8) == 0);
  REQUIRE(point_eq(t, IDENT));
  REQUIRE(!point_eq(T2, IDENT) && !point_eq(T4, IDENT));
  REQUIRE(mul_small(t, T2, 2) == 0 && point_eq(t, IDENT));
}

/* h = SHA-512(R || A || M) mod L */
static void hram(uint8_t h[32], const uint8_t *R, const uint8_t *A, const uint8_t *m, size_t n)
{
  uint8_t d[64];
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, R, 32);
  crypto_hash_sha512_update(&st, A, 32);
  crypto_hash_sha512_update(&st, m, n);
  crypto_hash_sha512_final(&st, d);
  crypto_core_ed25519_scalar_reduce(h, d);
}

/* h mod 8, for the cofactor cases (h is little-endian, L is odd: h mod 8 is
 * its low 3 bits of the integer h < L, which is what [h]T8 depends on). */
static int h_mod8(const uint8_t h[32])
{
  return h[0] & 7;
}

/* ---- an op carrying a chosen author and signature ---- */

struct opbuf {
  uint8_t b[256];
  size_t len;
  uint8_t id[32];
};

/* An op whose author bytes are pk (any 32 bytes), stamped hlc; its id. */
static void op_for(struct opbuf *o, const uint8_t pk[32], uint64_t hlc)
{
  struct crdt_identity who;
  uint8_t seed[32], body[16];
  memset(seed, 9, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&who, seed) == 0);
  struct crdt_buf bb;
  crdt_buf_init(&bb, body, sizeof body);
  crdt_w_map(&bb, 1);
  crdt_w_cstr(&bb, "grid");
  crdt_w_uint(&bb, 3);
  struct crdt_draft d = {.scope = "shihua", .hlc = hlc, .collection = "resident",
                         .key = "r-000123", .kind = CRDT_SET, .body = body, .body_len = bb.len};
  REQUIRE(crdt_op_sign(&d, &who, o->b, sizeof o->b, &o->len, NULL) == 0);
  REQUIRE(o->b[3] == 0xc4 && o->b[4] == 0x20);
  memcpy(o->b + 5, pk, 32); /* 92 99 01 c4 20 <author> */
  struct crdt_op op;
  REQUIRE(crdt_op_decode(&op, o->b, o->len) == 0);
  memcpy(o->id, op.id, 32);
}

static int cases, disagree_sodium;

/* Puts sig into the op and checks crdt_op_open's verdict against `accept`. */
static void expect(struct opbuf *o, const uint8_t sig[64], int accept, const char *why)
{
  struct crdt_op op;
  memcpy(o->b + o->len - 64, sig, 64);
  int got = crdt_op_open(&op, o->b, o->len);
  int sod = crypto_sign_verify_detached(sig, o->id, 32, o->b + 5) == 0;
  cases++;
  disagree_sodium += sod != accept;
  printf("  %-6s %-70s libsodium alone: %s\n", accept ? "accept" : "refuse", why,
         sod ? "accept" : "refuse");
  if ((got == 0) != accept)
    fprintf(stderr, "case \"%s\": rule says %s, verifier gave %d\n", why,
            accept ? "accept" : "refuse", got);
  CHECK_EQ(got == 0, accept);
  CHECK(got == 0 || got == LINLI_EBADSIG);
}

/* A signature by scalar a (A = a*B + tor) with nonce r (R = r*B + rtor):
 * S = r + h*a mod L, h over the R and A encodings as sent. */
static void sign_with(uint8_t sig[64], const uint8_t a[32], const uint8_t A[32], const uint8_t r[32],
                      const uint8_t R[32], const uint8_t *m)
{
  uint8_t h[32], ha[32];
  hram(h, R, A, m, 32);
  crypto_core_ed25519_scalar_mul(ha, h, a);
  memcpy(sig, R, 32);
  crypto_core_ed25519_scalar_add(sig + 32, r, ha);
}

/* A scalar mod L from the seed and a label (replayable with LINLI_SEED). */
static void scalar_of(uint8_t out[32], uint64_t seed, const char *label)
{
  uint8_t wide[64], in[64];
  int n = snprintf((char *)in, sizeof in, "%s %" PRIu64, label, seed);
  crypto_hash_sha512(wide, in, (unsigned long long)n);
  crypto_core_ed25519_scalar_reduce(out, wide);
}

static void edge_cases(uint64_t seed)
{
  uint8_t a[32], A[32], r[32], R[32], sig[64], h[32];
  struct opbuf o;
  scalar_of(a, seed, "a");
  scalar_of(r, seed, "r");
  REQUIRE(crypto_scalarmult_ed25519_base_noclamp(A, a) == 0);
  REQUIRE(crypto_scalarmult_ed25519_base_noclamp(R, r) == 0);
  printf("edge cases (rule verdict, case):\n");

  /* A valid signature, built by hand: the construction itself is right. */
  op_for(&o, A, 1);
  sign_with(sig, a, A, r, R, o.id);
  expect(&o, sig, 1, "valid: A = aB, R = rB, S = r + ha");

  /* S: the same signature with S + L (same S mod L, not canonical). */
  uint8_t s2[64];
  memcpy(s2, sig, 64);
  le_add(s2 + 32, sig + 32, L);
  expect(&o, s2, 0, "S + L: non-canonical S (S >= L)");
  memcpy(s2 + 32, L, 32);
  expect(&o, s2, 0, "S = L");
  memset(s2 + 32, 0xff, 32);
  expect(&o, s2, 0, "S = 2^256 - 1");
  memcpy(s2, sig, 64);
  s2[63] |= 0x80;
  expect(&o, s2, 0, "S with bit 255 set");

  /* Small-order A, with the equation made to hold: A = T (order n), R =
   * rB, S = r, and a message (op) whose h = 0 mod n, so [S]B = R + [h]A.
   * Only "A not of small order" refuses it. */
  const struct {
    const uint8_t *pt;
    int order;
    const char *name;
  } small[] = {{IDENT, 1, "A = identity (order 1)"},
               {T2, 2, "A of order 2"},
               {T4, 4, "A of order 4"},
               {T8, 8, "A of order 8"}};
  for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
    for (int sign = 0; sign < 2; sign++) {
      uint8_t As[32];
      memcpy(As, small[i].pt, 32);
      As[31] ^= (uint8_t)(sign << 7);
      int found = 0;
      for (uint64_t hlc = 1; hlc < 200 && !found; hlc++) {
        op_for(&o, As, hlc);
        hram(h, R, As, o.id, 32);
        if (h_mod8(h) % small[i].order)
          continue; /* [h]As is the identity only when order | h */
        found = 1;
        memcpy(sig, R, 32);
        memcpy(sig + 32, r, 32);
        char why[96];
        snprintf(why, sizeof why, "%s%s, equation holds", small[i].name,
                 sign ? " (sign bit set)" : "");
        expect(&o, sig, 0, why);
      }
      REQUIRE(found);
    }
  }
  /* The universal forgery: A = R = identity, S = 0. */
  op_for(&o, IDENT, 7);
  memcpy(sig, IDENT, 32);
  memset(sig + 32, 0, 32);
  expect(&o, sig, 0, "A = R = identity, S = 0 (verifies for any message if allowed)");

  /* Non-canonical A: y + p for y = 0 and 1 (small order), and every other
   * y + p that fits 255 bits (y = 2..18), with or without the sign bit. */
  for (unsigned y = 0; y < 19; y++) {
    uint8_t An[32], yy[32] = {0};
    yy[0] = (uint8_t)y;
    le_add(An, P, yy);
    REQUIRE(!(An[31] & 0x80));
    for (int sign = 0; sign < 2; sign++) {
      An[31] = (uint8_t)((An[31] & 0x7f) | (sign << 7));
      op_for(&o, An, 3);
      memcpy(sig, R, 32);
      memcpy(sig + 32, r, 32);
      char why[96];
      snprintf(why, sizeof why, "A = p + %u (non-canonical%s)%s%s", y,
               y == 1 ? ", the identity" : y == 0 ? ", order 4" : "", sign ? ", sign bit" : "",
               y == 1 ? ", equation holds" : "");
      expect(&o, sig, 0, why);
    }
  }

  /* Mixed-order A = aB + T8: the cofactorless equation holds iff h = 0 mod 8. */
  uint8_t Am[32];
  REQUIRE(crypto_core_ed25519_add(Am, A, T8) == 0);
  int seen_hold = 0, seen_fail = 0;
  for (uint64_t hlc = 1; hlc < 400 && !(seen_hold && seen_fail); hlc++) {
    op_for(&o, Am, hlc);
    hram(h, R, Am, o.id, 32);
    int hold = h_mod8(h) == 0;
    if ((hold && seen_hold) || (!hold && seen_fail))
      continue;
    sign_with(sig, a, Am, r, R, o.id);
    if (hold) {
      seen_hold = 1;
      expect(&o, sig, 1, "mixed-order A = aB + T8, h = 0 mod 8: cofactorless holds");
    } else {
      seen_fail = 1;
      expect(&o, sig, 0, "mixed-order A = aB + T8, h != 0 mod 8: only a cofactored check holds");
    }
  }
  REQUIRE(seen_hold && seen_fail);

  /* Mixed-order R = rB + T8: [S]B = R + [h]A cannot hold. */
  uint8_t Rm[32];
  REQUIRE(crypto_core_ed25519_add(Rm, R, T8) == 0);
  op_for(&o, A, 5);
  sign_with(sig, a, A, r, Rm, o.id);
  expect(&o, sig, 0, "mixed-order R = rB + T8 (a cofactored check would accept)");

  /* Small-order R, in every encoding: R = T, S = 0, with A = identity so the
   * equation [0]B = T + [h]identity holds only for T = identity (refused by
   * both clauses); and with a real A. */
  const uint8_t *rsmall[] = {IDENT, T2, T4, T8};
  for (size_t i = 0; i < 4; i++)
    for (int sign = 0; sign < 2; sign++) {
      uint8_t Rs[32];
      memcpy(Rs, rsmall[i], 32);
      Rs[31] ^= (uint8_t)(sign << 7);
      op_for(&o, A, 9);
      sign_with(sig, a, A, r, Rs, o.id);
      char why[96];
      snprintf(why, sizeof why, "R of small order (order %d)%s", 1 << i, sign ? ", sign bit" : "");
      expect(&o, sig, 0, why);
    }
  /* Non-canonical R: p (= y 0) and p + 1 (= identity). */
  for (unsigned y = 0; y < 2; y++) {
    uint8_t Rn[32], yy[32] = {0};
    yy[0] = (uint8_t)y;
    le_add(Rn, P, yy);
    op_for(&o, A, 11);
    sign_with(sig, a, A, r, Rn, o.id);
    expect(&o, sig, 0, y ? "R = p + 1 (identity, non-canonical)" : "R = p (non-canonical)");
  }
  /* R = -(rB) (the sign bit flipped): a different point, the equation fails. */
  {
    uint8_t Rneg[32];
    memcpy(Rneg, R, 32);
    Rneg[31] ^= 0x80;
    op_for(&o, A, 13);
    sign_with(sig, a, A, r, Rneg, o.id);
    expect(&o, sig, 0, "R with its sign bit flipped");
  }
  /* Off the curve: an A and an R whose y has no x. */
  {
    uint8_t off[32] = {0}, tmp[32];
    int found = 0;
    for (unsigned y = 2; y < 1000 && !found; y++) {
      off[0] = (uint8_t)y;
      off[1] = (uint8_t)(y >> 8);
      found = crypto_core_ed25519_add(tmp, off, off) != 0; /* does not decode */
    }
    REQUIRE(found);
    op_for(&o, off, 15);
    sign_with(sig, a, off, r, R, o.id);
    expect(&o, sig, 0, "A off the curve");
    op_for(&o, A, 17);
    sign_with(sig, a, A, r, off, o.id);
    expect(&o, sig, 0, "R off the curve");
  }
  /* The valid case once more under the negated key: refused. */
  {
    uint8_t An[32];
    memcpy(An, A, 32);
    An[31] ^= 0x80;
    op_for(&o, An, 19);
    sign_with(sig, a, A, r, R, o.id);
    expect(&o, sig, 0, "A with its sign bit flipped (-A), signed for A");
  }
  printf("edge cases: %d, libsodium 1.0.18 alone differs from the rule on %d\n", cases,
         disagree_sodium);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  torsion();
  rfc8032();
  edge_cases(test_seed(8032));
  return test_done("test_sig");
}
