/* Golden vectors: fixed keys, fixed drafts, and the exact bytes, ids and
 * signatures they must produce. The hex constants here are the ones printed
 * in docs/protocol.md ("Golden vectors"); change both together, and only
 * with a protocol version bump.
 *
 * LINLI_GOLDEN_PRINT=1 ./test_golden prints the vectors (markdown for the
 * document) from the code instead of checking them. */
#include <sodium.h>

#include "crdt.h"
#include "test.h"

#define BASE_MS UINT64_C(1583020800000) /* 2020-03-01T00:00:00Z = 08:00 Asia/Shanghai */

/* ---- bodies, written with the canonical writer ---- */

static void body_resident_new(struct crdt_buf *b)
{
  crdt_w_map(b, 3);
  crdt_w_cstr(b, "grid");
  crdt_w_uint(b, 3);
  crdt_w_cstr(b, "household");
  crdt_w_cstr(b, "hh-0042");
  crdt_w_cstr(b, "name");
  crdt_w_cstr(b, "\xe7\x8e\x8b\xe8\x8a\xb3"); /* 王芳 */
}

static void body_resident_move(struct crdt_buf *b)
{
  crdt_w_map(b, 1);
  crdt_w_cstr(b, "grid");
  crdt_w_uint(b, 4);
}

static void body_members_add(struct crdt_buf *b)
{
  crdt_w_map(b, 1);
  crdt_w_cstr(b, "members");
  crdt_w_array(b, 2);
  crdt_w_cstr(b, "r-000123");
  crdt_w_cstr(b, "r-000124");
}

static void body_members_remove(struct crdt_buf *b)
{
  crdt_w_map(b, 1);
  crdt_w_cstr(b, "members");
  crdt_w_array(b, 1);
  crdt_w_cstr(b, "r-000124");
}

static void body_stock(struct crdt_buf *b)
{
  crdt_w_map(b, 2);
  crdt_w_cstr(b, "handed_out_kg");
  crdt_w_int(b, 35);
  crdt_w_cstr(b, "stock_kg");
  crdt_w_int(b, -35);
}

static void body_gate_check(struct crdt_buf *b)
{
  crdt_w_map(b, 6);
  crdt_w_cstr(b, "asked");
  crdt_w_bool(b, 1);
  crdt_w_cstr(b, "checked");
  crdt_w_bool(b, 1);
  crdt_w_cstr(b, "date");
  crdt_w_cstr(b, "2020-03-01");
  crdt_w_cstr(b, "direction");
  crdt_w_cstr(b, "in");
  crdt_w_cstr(b, "resident");
  crdt_w_cstr(b, "r-000123");
  crdt_w_cstr(b, "temp_dc");
  crdt_w_uint(b, 365);
}

static void body_grid9(struct crdt_buf *b)
{
  crdt_w_map(b, 1);
  crdt_w_cstr(b, "grid");
  crdt_w_uint(b, 9);
}

static void body_empty(struct crdt_buf *b)
{
  crdt_w_map(b, 0);
}

/* ---- the vectors ---- */

#define NO_PARENT (-1)

struct vec {
  const char *title;
  uint8_t seed; /* the author's seed is 32 bytes of this value */
  const char *collection;
  const char *key;
  uint64_t hlc;
  enum crdt_kind kind;
  void (*body)(struct crdt_buf *b);
  int parent; /* index of an earlier vector whose id is the parent, or NO_PARENT */
  const char *op_hex;
  const char *id_hex;
  const char *sig_hex;
};

#define SCOPE "shihua"

static const char *const PK_HEX[3] = {
    NULL,
    /* seed 01 x 32 */
    "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
    /* seed 02 x 32 */
    "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394",
};

static const struct vec VECS[] = {
    {"set: register a resident", 1, "resident", "r-000123", CRDT_HLC_MAKE(BASE_MS, 0), CRDT_SET,
     body_resident_new, NO_PARENT,
     "929901c4208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf37488"
     "01b40f6f5ca6736869687561cf0170936478000000a87265736964656e74a872"
     "2d3030303132330083a46772696403a9686f757365686f6c64a768682d303034"
     "32a46e616d65a6e78e8be88ab390c440b704e42a8250d381ab9d2411d819e707"
     "850f0c8f561d7315b32952dc3beda917b242201147ac267e8976e94cf79c6461"
     "eb817721921e8cc52c56c1c9eff05105",
     "6cc62f12a2b865fb99b6146aae5d08181919173230c4bedba7083cfd9bb746f9",
     "b704e42a8250d381ab9d2411d819e707850f0c8f561d7315b32952dc3beda917"
     "b242201147ac267e8976e94cf79c6461eb817721921e8cc52c56c1c9eff05105"},
    {"set with a parent: the resident moves to grid 4", 1, "resident", "r-000123",
     CRDT_HLC_MAKE(BASE_MS + 60000, 0), CRDT_SET, body_resident_move, 0,
     "929901c4208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf37488"
     "01b40f6f5ca6736869687561cf0170936562600000a87265736964656e74a872"
     "2d3030303132330081a4677269640491c4206cc62f12a2b865fb99b6146aae5d"
     "08181919173230c4bedba7083cfd9bb746f9c44019b09e1e728dbacce753e216"
     "bdf589426cd30d48a75a3a9d7c590882b604f8489c82b17198ed0e56d95e025a"
     "e581758ac8df8bc085220667fbe9dce56826100b",
     "73aeda043a39103364a0cc5128e43ba484ed2b8a1f3c6e74ef316fe71b22c358",
     "19b09e1e728dbacce753e216bdf589426cd30d48a75a3a9d7c590882b604f848"
     "9c82b17198ed0e56d95e025ae581758ac8df8bc085220667fbe9dce56826100b"},
    {"add: two members of a household", 1, "household", "hh-0042",
     CRDT_HLC_MAKE(BASE_MS + 1000, 1), CRDT_ADD, body_members_add, NO_PARENT,
     "929901c4208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf37488"
     "01b40f6f5ca6736869687561cf017093647be80001a9686f757365686f6c64a7"
     "68682d303034320181a76d656d6265727392a8722d303030313233a8722d3030"
     "3031323490c440f4c3f834316b9fa4ce883676e94dab2a2ab9b6b7e17eb452ef"
     "13377f6fa31977c57d9438f166359e38807637adc83e4bdd4b3f1cb3afb5a5d9"
     "16d934b78a300d",
     "620c83852710beef58907e113ee3a34612ec39043aa9894ebd100397ac731e69",
     "f4c3f834316b9fa4ce883676e94dab2a2ab9b6b7e17eb452ef13377f6fa31977"
     "c57d9438f166359e38807637adc83e4bdd4b3f1cb3afb5a5d916d934b78a300d"},
    {"remove: one member leaves (parent: the add)", 1, "household", "hh-0042",
     CRDT_HLC_MAKE(BASE_MS + 120000, 0), CRDT_REMOVE, body_members_remove, 2,
     "929901c4208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf37488"
     "01b40f6f5ca6736869687561cf017093664cc00000a9686f757365686f6c64a7"
     "68682d303034320281a76d656d6265727391a8722d30303031323491c420620c"
     "83852710beef58907e113ee3a34612ec39043aa9894ebd100397ac731e69c440"
     "5abec9bf8a1656fecc72e919e4256a7aad9cb7f963089efc41521866c92d9a71"
     "727de5beaf21ecb09d1de7b8b3e3243d623da22895f18f11491c22644d53f607",
     "e7ff2764b14d49caaf1ef6a0398ad67cc43ef27b73f716d081ac59059bb9d8e6",
     "5abec9bf8a1656fecc72e919e4256a7aad9cb7f963089efc41521866c92d9a71"
     "727de5beaf21ecb09d1de7b8b3e3243d623da22895f18f11491c22644d53f607"},
    {"counter: 35 kg of vegetables handed out", 2, "supply_stock", "vegetables",
     CRDT_HLC_MAKE(BASE_MS + 3600000, 0), CRDT_COUNTER, body_stock, NO_PARENT,
     "929901c4208139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f"
     "5b8fc9b394a6736869687561cf0170939b66800000ac737570706c795f73746f"
     "636baa766567657461626c65730382ad68616e6465645f6f75745f6b6723a873"
     "746f636b5f6b67d0dd90c440fe69514fe0c487571b436417b92fa09e05e3bb6c"
     "3cffca5d495aaf984ff543ca2b5bf8767eec13ec7907777344c2c58391e5a7f1"
     "edf29efff270c74939e87d03",
     "6ffeadfe96d93e8ef133f8773f01577a27d1227e7d0e3d479da2f28f92d0d750",
     "fe69514fe0c487571b436417b92fa09e05e3bb6c3cffca5d495aaf984ff543ca"
     "2b5bf8767eec13ec7907777344c2c58391e5a7f1edf29efff270c74939e87d03"},
    {"append: a gate check at the east gate", 2, "gate_check", "gate-east",
     CRDT_HLC_MAKE(BASE_MS + 5000, 2), CRDT_APPEND, body_gate_check, NO_PARENT,
     "929901c4208139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f"
     "5b8fc9b394a6736869687561cf017093648b880002aa676174655f636865636b"
     "a9676174652d656173740486a561736b6564c3a7636865636b6564c3a4646174"
     "65aa323032302d30332d3031a9646972656374696f6ea2696ea8726573696465"
     "6e74a8722d303030313233a774656d705f6463cd016d90c440b5c438ecfa5678"
     "432d0603d88c8644e5452df269657be778cfb252a73358ec105ac9c17a95f0ca"
     "7df8552086728030d7aff2ac13c7a76569ca0e07cdbe6b670d",
     "555776b92f80ce8d04077db993bb26c561f6488de22b2acfa446302074cf7884",
     "b5c438ecfa5678432d0603d88c8644e5452df269657be778cfb252a73358ec10"
     "5ac9c17a95f0ca7df8552086728030d7aff2ac13c7a76569ca0e07cdbe6b670d"},
    {"set: a second resident", 2, "resident", "r-000999", CRDT_HLC_MAKE(BASE_MS + 10, 0),
     CRDT_SET, body_grid9, NO_PARENT,
     "929901c4208139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f"
     "5b8fc9b394a6736869687561cf01709364780a0000a87265736964656e74a872"
     "2d3030303939390081a4677269640990c440f1ed63a1f3ed03d3b4d95c7bf54a"
     "be30e2c99b712a81c1ef6060755664bd99a1933943e187334795a24f1d375228"
     "68669d08958e8f0b4de453ea7bf9f32e8b02",
     "fe6ac36c3b883489329347991a2b48cb4ec5b6c569a6676d9b2d6bbb79339c87",
     "f1ed63a1f3ed03d3b4d95c7bf54abe30e2c99b712a81c1ef6060755664bd99a1"
     "933943e187334795a24f1d37522868669d08958e8f0b4de453ea7bf9f32e8b02"},
    {"tombstone: the second resident's record is deleted", 1, "resident", "r-000999",
     CRDT_HLC_MAKE(BASE_MS + 20000, 0), CRDT_TOMBSTONE, body_empty, NO_PARENT,
     "929901c4208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf37488"
     "01b40f6f5ca6736869687561cf01709364c6200000a87265736964656e74a872"
     "2d303030393939058090c44072c80faad0e7e3aac0671aeeae9f488830287950"
     "d3b34b0852c32e47883d648fb42e300995873d5ec0bd4ee3c399cf1a8c213ab2"
     "2165999bcca33fd5a8d40901",
     "c0c93917438537d503346e523c4635cb574a3813ee2195e337eb2ff9c71f66f1",
     "72c80faad0e7e3aac0671aeeae9f488830287950d3b34b0852c32e47883d648f"
     "b42e300995873d5ec0bd4ee3c399cf1a8c213ab22165999bcca33fd5a8d40901"},
};
#define N_VECS (sizeof VECS / sizeof VECS[0])

/* The state digest after applying all vectors to an empty view, and how
 * many rows that view holds. */
static const char DIGEST_HEX[] =
    "cddf335ddde6a7bfedf0c72308f0aa3ba0c2098f22be14f2df8bd26a67742edb";
#define N_ROWS 10
static const char EMPTY_DIGEST_HEX[] =
    "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
/* over the rows of one collection: prefix "shihua\0resident\0" */
#define RESIDENT_PREFIX "shihua\0resident\0"
static const char RESIDENT_DIGEST_HEX[] =
    "da0e9a6f5db935cd31066b832c52a119ae403488c38b50acb8356d521bed68f1";

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
  size_t len = 0;
  REQUIRE(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &len, NULL) == 0);
  return len;
}

static void print_hex_wrapped(const uint8_t *p, size_t n, const char *indent, int c_literal)
{
  for (size_t i = 0; i < n; i += 32) {
    printf("%s%s", indent, c_literal ? "\"" : "");
    test_hex_fprint(stdout, p + i, n - i < 32 ? n - i : 32);
    printf("%s\n", c_literal ? "\"" : "");
  }
}

struct built {
  uint8_t buf[CRDT_OP_MAX_BYTES];
  size_t len;
  struct crdt_op op;
  uint8_t body[1024];
  size_t body_len;
};

static void build(const struct vec *v, const struct built *all, struct built *out)
{
  struct crdt_identity who;
  uint8_t seed[CRDT_SEED_BYTES];
  struct crdt_buf b;

  memset(seed, v->seed, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&who, seed) == 0);
  crdt_buf_init(&b, out->body, sizeof out->body);
  v->body(&b);
  REQUIRE(crdt_buf_err(&b) == 0);
  out->body_len = b.len;

  struct crdt_draft d = {SCOPE, v->collection, v->key, v->hlc, v->kind, out->body, b.len,
                         NULL, 0};
  if (v->parent != NO_PARENT) {
    d.parents = all[v->parent].op.id;
    d.n_parents = 1;
  }
  int rc = crdt_op_sign(&d, &who, out->buf, sizeof out->buf, &out->len, &out->op);
  CHECK_EQ(rc, 0);
  REQUIRE(rc == 0);
  crdt_identity_wipe(&who);
}

struct dump_ctx {
  size_t n;
  int print;
};

static int dump_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct dump_ctx *d = arg;
  d->n++;
  if (d->print) {
    printf("key   ");
    test_hex_fprint(stdout, k, kl);
    printf("\nvalue ");
    test_hex_fprint(stdout, v, vl);
    printf("\n\n");
  }
  return 0;
}

static void apply_all(const struct built *b, const size_t *perm, uint8_t digest[32],
                      size_t *rows, int print)
{
  struct crdt_memview *m = crdt_memview_new();
  REQUIRE(m);
  for (size_t i = 0; i < N_VECS; i++)
    CHECK_EQ(crdt_memview_apply(m, &b[perm[i]].op), 1);
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(crdt_view_digest(&v, NULL, 0, digest), 0);
  struct dump_ctx d = {0, print};
  CHECK_EQ(v.scan(v.ctx, NULL, 0, dump_row, &d), 0);
  *rows = d.n;
  CHECK_EQ(d.n, crdt_memview_rows(m));
  crdt_memview_destroy(m);
}

static void print_vectors(const struct built *b, const uint8_t digest[32], size_t rows)
{
  struct crdt_identity who;
  uint8_t seed[CRDT_SEED_BYTES];
  for (int s = 1; s <= 2; s++) {
    memset(seed, s, sizeof seed);
    REQUIRE(crdt_identity_from_seed(&who, seed) == 0);
    printf("pk seed %02x: ", s);
    test_hex_fprint(stdout, who.pk, 32);
    printf("\n");
  }
  for (size_t i = 0; i < N_VECS; i++) {
    const struct vec *v = &VECS[i];
    printf("\n#### %zu. %s\n\n", i + 1, v->title);
    printf("body (%zu bytes)\n", b[i].body_len);
    print_hex_wrapped(b[i].body, b[i].body_len, "", 0);
    printf("signed op (%zu bytes)\n", b[i].len);
    print_hex_wrapped(b[i].buf, b[i].len, "", 0);
    printf("id\n");
    test_hex_fprint(stdout, b[i].op.id, 32);
    printf("\nsig\n");
    test_hex_fprint(stdout, b[i].op.sig, 64);
    printf("\n\nC:\n");
    print_hex_wrapped(b[i].buf, b[i].len, "     ", 1);
    printf("     \"");
    test_hex_fprint(stdout, b[i].op.id, 32);
    printf("\",\n     \"");
    test_hex_fprint(stdout, b[i].op.sig, 64);
    printf("\"},\n");
  }
  printf("\ndigest ");
  test_hex_fprint(stdout, digest, 32);
  printf("\nrows %zu\n", rows);
}

/* ---- checks ---- */

static void test_pubkeys(void)
{
  struct crdt_identity who;
  uint8_t seed[CRDT_SEED_BYTES], pk[32];
  for (int s = 1; s <= 2; s++) {
    memset(seed, s, sizeof seed);
    REQUIRE(crdt_identity_from_seed(&who, seed) == 0);
    CHECK_EQ(unhex(PK_HEX[s], pk, sizeof pk), 32);
    CHECK_MEM(who.pk, pk, 32);
    crdt_identity_wipe(&who);
  }
}

/* The frozen bytes decode and verify on their own, without the builder. */
static void check_frozen(size_t i, const struct built *b)
{
  const struct vec *v = &VECS[i];
  static uint8_t raw[CRDT_OP_MAX_BYTES];
  uint8_t id[32], sig[64], pk[32];
  size_t n = unhex(v->op_hex, raw, sizeof raw);

  CHECK_EQ(n, b->len);
  CHECK_MEM(raw, b->buf, n < b->len ? n : b->len);
  CHECK_EQ(unhex(v->id_hex, id, sizeof id), 32);
  CHECK_MEM(b->op.id, id, 32);
  CHECK_EQ(unhex(v->sig_hex, sig, sizeof sig), 64);
  CHECK_MEM(b->op.sig, sig, 64);

  struct crdt_op op;
  CHECK_EQ(crdt_op_open(&op, raw, n), 0);
  CHECK_MEM(op.id, id, 32);
  CHECK_MEM(op.sig, sig, 64);
  /* The id is BLAKE2b-256 of the unsigned slice of the received bytes. */
  uint8_t h[32];
  crypto_generichash(h, sizeof h, op.unsigned_bytes, op.unsigned_len, NULL, 0);
  CHECK_MEM(h, id, 32);
  CHECK(op.unsigned_bytes == raw + 1);
  CHECK_EQ(op.unsigned_len + 1 + 2 + 64, n);
  /* The signature is plain Ed25519 over the 32-byte id. */
  CHECK_EQ(unhex(PK_HEX[v->seed], pk, sizeof pk), 32);
  CHECK_MEM(op.author, pk, 32);
  CHECK_EQ(crypto_sign_verify_detached(sig, id, 32, pk), 0);
  CHECK_EQ(op.version, 1);
  CHECK_EQ(op.hlc, v->hlc);
  CHECK_EQ(op.kind, v->kind);
  CHECK_EQ(op.scope.len, strlen(SCOPE));
  CHECK_MEM(op.scope.p, SCOPE, strlen(SCOPE));
  CHECK_EQ(op.collection.len, strlen(v->collection));
  CHECK_MEM(op.collection.p, v->collection, strlen(v->collection));
  CHECK_EQ(op.key.len, strlen(v->key));
  CHECK_MEM(op.key.p, v->key, strlen(v->key));
  CHECK_EQ(op.body_len, b->body_len);
  CHECK_MEM(op.body, b->body, b->body_len);
  CHECK_EQ(op.n_parents, v->parent == NO_PARENT ? 0 : 1);
  if (v->parent != NO_PARENT && op.n_parents == 1) {
    uint8_t pid[32];
    unhex(VECS[v->parent].id_hex, pid, sizeof pid);
    CHECK_MEM(crdt_op_parent(&op, 0), pid, 32);
  }
  /* A frozen op with its last signature byte changed does not verify. */
  raw[n - 1] ^= 1;
  CHECK_EQ(crdt_op_open(&op, raw, n), LINLI_EBADSIG);
}

int main(void)
{
  static struct built b[N_VECS];
  uint8_t digest[32], want[32];
  size_t rows = 0;
  size_t fwd[N_VECS], rev[N_VECS];

  REQUIRE(crdt_init() == 0);
  for (size_t i = 0; i < N_VECS; i++) {
    build(&VECS[i], b, &b[i]);
    fwd[i] = i;
    rev[i] = N_VECS - 1 - i;
  }
  apply_all(b, fwd, digest, &rows, 0);

  if (getenv("LINLI_GOLDEN_PRINT")) {
    print_vectors(b, digest, rows);
    {
      struct crdt_memview *m = crdt_memview_new();
      REQUIRE(m);
      for (size_t i = 0; i < N_VECS; i++)
        crdt_memview_apply(m, &b[i].op);
      struct crdt_view v = crdt_memview_view(m);
      crdt_view_digest(&v, (const uint8_t *)RESIDENT_PREFIX, sizeof RESIDENT_PREFIX - 1, digest);
      printf("resident digest ");
      test_hex_fprint(stdout, digest, 32);
      printf("\n");
      crdt_memview_destroy(m);
    }
    printf("\nrows in key order:\n\n");
    apply_all(b, fwd, digest, &rows, 1);
    return 0;
  }

  test_pubkeys();
  for (size_t i = 0; i < N_VECS; i++)
    check_frozen(i, &b[i]);
  CHECK_EQ(unhex(DIGEST_HEX, want, sizeof want), 32);
  CHECK_MEM(digest, want, 32);
  CHECK_EQ(rows, N_ROWS);

  /* The digest of an empty view is BLAKE2b-256 of nothing. */
  uint8_t d2[32];
  struct crdt_memview *m = crdt_memview_new();
  REQUIRE(m);
  struct crdt_view v = crdt_memview_view(m);
  CHECK_EQ(crdt_view_digest(&v, NULL, 0, d2), 0);
  CHECK_EQ(unhex(EMPTY_DIGEST_HEX, want, sizeof want), 32);
  CHECK_MEM(d2, want, 32);
  /* A digest over a prefix covers only that collection's rows. */
  for (size_t i = 0; i < N_VECS; i++)
    CHECK_EQ(crdt_memview_apply(m, &b[i].op), 1);
  CHECK_EQ(crdt_view_digest(&v, (const uint8_t *)RESIDENT_PREFIX, sizeof RESIDENT_PREFIX - 1, d2), 0);
  CHECK_EQ(unhex(RESIDENT_DIGEST_HEX, want, sizeof want), 32);
  CHECK_MEM(d2, want, 32);
  crdt_memview_destroy(m);
  CHECK_EQ(unhex(DIGEST_HEX, want, sizeof want), 32);

  /* The digest is a function of the set of ops, not of their order. */
  size_t rows2 = 0;
  apply_all(b, rev, d2, &rows2, 0);
  CHECK_MEM(d2, want, 32);
  CHECK_EQ(rows2, N_ROWS);
  return test_done("test_golden");
}
