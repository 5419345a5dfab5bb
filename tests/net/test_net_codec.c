/* Message codecs: every message round-trips, and every malformed class is
 * rejected with its LINLI_E* code and never crashes: truncation at every
 * byte, oversize, non-canonical ints, wrong types, too many ranges or ids,
 * unsorted bounds and ids, trailing bytes. A step on a malformed message
 * returns the error and leaves the engine usable. Prints SEED=. */
#include "netsim.h"

static uint8_t mem[NET_MSG_MAX + 64];
static const uint8_t zeros[64];

static void fill_id(struct test_rng *rng, uint8_t *id)
{
  for (int k = 0; k < NET_ID_BYTES; k += 8) {
    uint64_t x = test_rand(rng);
    memcpy(id + k, &x, 8);
  }
}

/* Every strict prefix must fail, and never with success. */
static void check_truncations(const uint8_t *p, size_t len)
{
  struct net_msg m;
  for (size_t i = 0; i < len; i++) {
    int rc = net_msg_decode(&m, p, i);
    if (rc == 0) {
      CHECK_EQ(rc, LINLI_ETRUNC);
      fprintf(stderr, "  prefix %zu of %zu decoded\n", i, len);
      return;
    }
  }
}

static void test_hello(void)
{
  struct crdt_buf b;
  struct net_msg m;
  struct crdt_str s[3] = {{"a-1", 3}, {"shihua", 6}, {"zz", 2}}, got;
  uint8_t nonce[NET_NONCE_BYTES];
  for (size_t i = 0; i < sizeof nonce; i++)
    nonce[i] = (uint8_t)(0xa0 + i);
  crdt_buf_init(&b, mem, sizeof mem);
  CHECK_EQ(net_hello_write(&b, NET_PROTO_VERSION, nonce, s, 3), 0);
  CHECK_EQ(net_msg_decode(&m, b.p, b.len), 0);
  CHECK_EQ(m.type, NET_HELLO);
  CHECK_EQ(m.version, NET_PROTO_VERSION);
  CHECK_MEM(m.nonce, nonce, NET_NONCE_BYTES);
  CHECK_EQ(m.n, 3);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(net_msg_next_scope(&m, &got), 0);
    CHECK(got.len == s[i].len && memcmp(got.p, s[i].p, got.len) == 0);
  }
  CHECK_EQ(net_msg_next_scope(&m, &got), LINLI_ENOTFOUND);
  check_truncations(b.p, b.len);
  /* trailing byte */
  mem[b.len] = 0xc0;
  CHECK_EQ(net_msg_decode(&m, b.p, b.len + 1), LINLI_ETRAIL);
  /* unsorted and bad scopes are refused by the writer */
  struct crdt_str bad[2] = {{"zz", 2}, {"a", 1}};
  size_t before = b.len;
  CHECK_EQ(net_hello_write(&b, 1, nonce, bad, 2), LINLI_EPROTO);
  CHECK_EQ(b.len, before);
  struct crdt_str sp[1] = {{"a b", 3}};
  CHECK_EQ(net_hello_write(&b, 1, nonce, sp, 1), LINLI_ENAME);
  /* A HELLO of the old shape (3 elements, no nonce) and one whose nonce is
   * short are refused. */
  uint8_t old[] = {0x93, 0x01, 0x01, 0x91, 0xa1, 'a'};
  CHECK_EQ(net_msg_decode(&m, old, sizeof old), LINLI_EPROTO);
  uint8_t shortn[] = {0x94, 0x01, 0x02, 0xc4, 0x01, 0x00, 0x91, 0xa1, 'a'};
  CHECK_EQ(net_msg_decode(&m, shortn, sizeof shortn), LINLI_EPROTO);
  /* The salt is the same whichever side computes it, and keys the
   * fingerprint: another salt, another fingerprint. */
  uint8_t other[NET_NONCE_BYTES] = {1}, s1[NET_SALT_BYTES], s2[NET_SALT_BYTES], sum[32] = {5};
  uint8_t f1[NET_FP_BYTES], f2[NET_FP_BYTES];
  net_salt(s1, nonce, other);
  net_salt(s2, other, nonce);
  CHECK_MEM(s1, s2, NET_SALT_BYTES);
  net_fp(f1, s1, 3, sum);
  s2[0] ^= 1;
  net_fp(f2, s2, 3, sum);
  CHECK(memcmp(f1, f2, NET_FP_BYTES) != 0);
}

static void test_want_ops_error(struct test_rng *rng)
{
  struct crdt_buf b;
  struct net_msg m;
  uint8_t ids[4 * NET_ID_BYTES], op1[5] = {1, 2, 3, 4, 5}, op2[300];
  for (int i = 0; i < 4; i++)
    fill_id(rng, ids + i * NET_ID_BYTES);
  CHECK_EQ(net_ids_sort(ids, 4), 4);
  crdt_buf_init(&b, mem, sizeof mem);
  CHECK_EQ(net_want_write(&b, "s", 1, ids, 4), 0);
  CHECK_EQ(net_msg_decode(&m, b.p, b.len), 0);
  CHECK_EQ(m.type, NET_WANT);
  CHECK_EQ(m.n, 4);
  CHECK_MEM(m.ids, ids, sizeof ids);
  check_truncations(b.p, b.len);
  /* unsorted ids */
  uint8_t rev[2 * NET_ID_BYTES];
  memcpy(rev, ids + NET_ID_BYTES, NET_ID_BYTES);
  memcpy(rev + NET_ID_BYTES, ids, NET_ID_BYTES);
  CHECK_EQ(net_want_write(&b, "s", 1, rev, 2), LINLI_EPROTO);
  /* OPS and PUSH */
  memset(op2, 0xab, sizeof op2);
  const uint8_t *ops[2] = {op1, op2};
  size_t lens[2] = {sizeof op1, sizeof op2};
  crdt_buf_init(&b, mem, sizeof mem);
  CHECK_EQ(net_ops_write(&b, NET_PUSH, "s", 1, ops, lens, 2), 0);
  CHECK_EQ(net_msg_decode(&m, b.p, b.len), 0);
  CHECK_EQ(m.type, NET_PUSH);
  const uint8_t *op;
  size_t len;
  CHECK_EQ(net_msg_next_op(&m, &op, &len), 0);
  CHECK(len == 5 && memcmp(op, op1, 5) == 0);
  CHECK_EQ(net_msg_next_op(&m, &op, &len), 0);
  CHECK(len == 300 && memcmp(op, op2, 300) == 0);
  CHECK_EQ(net_msg_next_op(&m, &op, &len), LINLI_ENOTFOUND);
  check_truncations(b.p, b.len);
  size_t big = CRDT_OP_MAX_BYTES + 1;
  CHECK_EQ(net_ops_write(&b, NET_OPS, "s", 1, ops, &big, 1), LINLI_ETOOBIG);
  /* ERROR */
  crdt_buf_init(&b, mem, sizeof mem);
  CHECK_EQ(net_error_write(&b, LINLI_EVERSION, "version 2 not supported"), 0);
  CHECK_EQ(net_msg_decode(&m, b.p, b.len), 0);
  CHECK_EQ(m.type, NET_ERROR);
  CHECK_EQ(m.err, LINLI_EVERSION);
  check_truncations(b.p, b.len);
}

/* Hand-built messages for the classes a writer refuses to produce. */
static size_t raw_recon(struct crdt_buf *b, uint32_t n_ranges)
{
  crdt_buf_init(b, mem, sizeof mem);
  crdt_w_array(b, 3);
  crdt_w_uint(b, NET_RECON);
  crdt_w_cstr(b, "s");
  crdt_w_array(b, n_ranges);
  return b->len;
}

static void fp_range(struct crdt_buf *b, uint64_t dms, const void *key, size_t kl)
{
  uint8_t fp[NET_FP_BYTES] = {0};
  crdt_w_array(b, 4);
  crdt_w_uint(b, dms);
  crdt_w_bin(b, key, kl);
  crdt_w_uint(b, NET_FPRINT);
  crdt_w_bin(b, fp, sizeof fp);
}

static int decode_buf(const struct crdt_buf *b)
{
  struct net_msg m;
  return net_msg_decode(&m, b->p, b->len);
}

static void test_recon_malformed(void)
{
  struct crdt_buf b;
  uint8_t k1[1] = {1}, kz[2] = {1, 0};
  raw_recon(&b, 2);
  fp_range(&b, 10, k1, 1);
  fp_range(&b, 0, NULL, 0);
  CHECK_EQ(decode_buf(&b), 0);
  /* unsorted bounds: the same point twice */
  raw_recon(&b, 2);
  fp_range(&b, 10, k1, 1);
  fp_range(&b, 1, k1, 1);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* infinity not last */
  raw_recon(&b, 2);
  fp_range(&b, 0, NULL, 0);
  fp_range(&b, 5, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* key with a trailing zero byte */
  raw_recon(&b, 1);
  fp_range(&b, 5, kz, 2);
  CHECK_EQ(decode_buf(&b), LINLI_ENONCANON);
  /* the minimum as an upper bound: an empty first range */
  raw_recon(&b, 1);
  fp_range(&b, 1, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* ms past 48 bits */
  raw_recon(&b, 1);
  fp_range(&b, UINT64_C(1) << 50, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_ETOOBIG);
  /* non-canonical int: dms 5 as uint8 */
  raw_recon(&b, 1);
  uint8_t nc[] = {0x94, 0xcc, 0x05, 0xc4, 0x00, 0x01, 0xc4, 0x10};
  crdt_w_raw(&b, nc, sizeof nc);
  crdt_w_raw(&b, zeros, NET_FP_BYTES);
  CHECK_EQ(decode_buf(&b), LINLI_ENONCANON);
  /* wrong types: mode as a string, fp as a string */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 3);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_cstr(&b, "x");
  CHECK_EQ(decode_buf(&b), LINLI_ETYPE);
  /* unknown mode, and a mode with the wrong number of fields */
  raw_recon(&b, 1);
  crdt_w_array(&b, 3);
  crdt_w_uint(&b, 3);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, 9);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  raw_recon(&b, 1);
  crdt_w_array(&b, 3);
  crdt_w_uint(&b, 3);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_FPRINT);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* fingerprint of the wrong size */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 3);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_FPRINT);
  crdt_w_bin(&b, zeros, 15);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* declared range count past the bytes */
  raw_recon(&b, 60000);
  CHECK_EQ(decode_buf(&b), LINLI_ETRUNC);
}

static void test_recon_limits(struct test_rng *rng)
{
  static uint8_t ids[(NET_IDS_MAX + 1) * NET_ID_BYTES];
  struct crdt_buf b;
  uint32_t n = NET_IDS_MAX + 1;
  for (uint32_t i = 0; i < n; i++)
    fill_id(rng, ids + (size_t)i * NET_ID_BYTES);
  n = net_ids_sort(ids, n);
  REQUIRE(n > NET_IDS_MAX);
  /* too many ids in one list */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_IDLIST);
  crdt_w_bin(&b, ids, (size_t)n * NET_ID_BYTES);
  CHECK_EQ(decode_buf(&b), LINLI_ETOOBIG);
  /* too many ids over two lists */
  raw_recon(&b, 1);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_DIFF);
  crdt_w_bin(&b, ids, (size_t)(n / 2) * NET_ID_BYTES);
  crdt_w_bin(&b, ids, (size_t)(n / 2 + 1) * NET_ID_BYTES);
  CHECK_EQ(decode_buf(&b), LINLI_ETOOBIG);
  /* unsorted ids */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_IDLIST);
  uint8_t two[2 * NET_ID_BYTES];
  memcpy(two, ids + NET_ID_BYTES, NET_ID_BYTES);
  memcpy(two + NET_ID_BYTES, ids, NET_ID_BYTES);
  crdt_w_bin(&b, two, sizeof two);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* an id list that is not a whole number of ids */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_IDLIST);
  crdt_w_bin(&b, ids, 33);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* too many ranges */
  raw_recon(&b, NET_RANGES_MAX + 1);
  for (uint32_t i = 0; i <= NET_RANGES_MAX; i++) {
    crdt_w_array(&b, 3);
    crdt_w_uint(&b, 2);
    crdt_w_bin(&b, NULL, 0);
    crdt_w_uint(&b, NET_SKIP);
  }
  CHECK_EQ(decode_buf(&b), LINLI_ETOOBIG);
  /* oversized message */
  struct net_msg m;
  CHECK_EQ(net_msg_decode(&m, mem, NET_MSG_MAX + 1), LINLI_ETOOBIG);
}

/* A RECON from a real engine round-trips and survives every truncation and
 * every single-byte corruption; a step on a bad message leaves the engine
 * usable: the good message afterwards still reconciles exactly. */
static void test_engine_robust(uint64_t seed)
{
  static uint8_t msg[NET_MSG_MAX], bad[NET_MSG_MAX], outm[NET_MSG_MAX];
  struct test_rng rng = {seed};
  struct sim_spec sp = {3000, 40, SIM_SCATTERED, 0, 5};
  struct sim_side a, b;
  struct crdt_buf out;
  int reply;
  sim_side_init(&a);
  sim_side_init(&b);
  free(sim_build(&rng, &sp, a.m, b.m));
  sim_side_start(&a, NULL);
  sim_side_start(&b, NULL);
  crdt_buf_init(&out, msg, sizeof msg);
  REQUIRE(net_recon_start(&a.r, &out) == 0);
  size_t len = out.len;
  check_truncations(msg, len);
  for (size_t i = 0; i < len; i++) {
    memcpy(bad, msg, len);
    bad[i] ^= (uint8_t)(1 + test_below(&rng, 255));
    crdt_buf_init(&out, outm, sizeof outm);
    size_t nh = b.have.n, nn = b.need.n;
    int rc = net_recon_step(&b.r, bad, len, &out, &reply);
    if (rc) {
      CHECK(rc < 0);
      CHECK_EQ(out.len, 0);
      CHECK_EQ(b.have.n, nh);
      CHECK_EQ(b.need.n, nn);
    }
    /* A corrupted but well-formed message may be accepted; start afresh. */
    sim_ids_free(&b.have);
    sim_ids_free(&b.need);
    sim_side_start(&b, NULL);
  }
  /* Wrong scope and wrong type. */
  struct net_recon other;
  struct net_rstore st = net_memstore_rstore(b.m);
  REQUIRE(net_recon_init(&other, &st, "other", 5, NULL, NULL) == 0);
  crdt_buf_init(&out, outm, sizeof outm);
  CHECK_EQ(net_recon_step(&other, msg, len, &out, &reply), LINLI_EPROTO);
  CHECK_EQ(other.state, NET_RECON_IDLE);
  sim_ids_free(&a.have);
  sim_ids_free(&a.need);
  sim_side_release(&a);
  sim_side_release(&b);
}

/* The 256-bit id sums against byte-at-a-time arithmetic, with carries and
 * borrows running across every 64-bit limb boundary. */
static void ref_add(uint8_t *s, const uint8_t *x, int sign)
{
  int c = 0;
  for (int i = 0; i < NET_SUM_BYTES; i++) {
    int v = s[i] + sign * x[i] + c;
    c = v < 0 ? -1 : v > 255;
    s[i] = (uint8_t)(v & 0xff);
  }
}

/* One step, sum and reference alike: 0 if they still agree. */
static int sum_step(uint8_t *s, uint8_t *r, const uint8_t *x, int sign)
{
  if (sign > 0)
    net_sum_add(s, x);
  else
    net_sum_sub(s, x);
  ref_add(r, x, sign);
  if (memcmp(s, r, NET_SUM_BYTES) == 0)
    return 0;
  CHECK_MEM(s, r, NET_SUM_BYTES);
  return -1;
}

static void test_sums(struct test_rng *rng)
{
  uint8_t s[NET_SUM_BYTES], r[NET_SUM_BYTES], x[NET_ID_BYTES];
  memset(s, 0, sizeof s);
  memset(r, 0, sizeof r);
  for (int round = 0; round < 20000; round++) {
    int shape = (int)(test_rand(rng) % 4);
    fill_id(rng, x);
    if (shape == 1)
      memset(x, 0xff, sizeof x); /* -1 mod 2^256: every limb carries */
    else if (shape == 2)
      memset(x + 8 * (int)(test_rand(rng) % 4), 0xff, 8);
    if (sum_step(s, r, x, test_rand(rng) % 3 == 0 ? -1 : 1))
      return;
  }
  /* Every limb 0, 1 or all ones, in the sum and in the id: each way a
   * carry or borrow can arrive at, and leave, a limb. */
  static const uint64_t edge[3] = {0, 1, UINT64_MAX};
  for (int c = 0; c < 6561; c++) {
    uint8_t a[NET_SUM_BYTES];
    for (int l = 0, v = c; l < 8; l++, v /= 3)
      for (int k = 0; k < 8; k++)
        (l < 4 ? a : x)[8 * (l % 4) + k] = (uint8_t)(edge[v % 3] >> (8 * k));
    for (int sign = -1; sign <= 1; sign += 2) {
      memcpy(s, a, sizeof s);
      memcpy(r, a, sizeof r);
      if (sum_step(s, r, x, sign))
        return;
    }
  }
  /* Adding then taking away every id gives zero back. */
  uint8_t ids[64][NET_ID_BYTES], z[NET_SUM_BYTES] = {0};
  memset(s, 0, sizeof s);
  for (int i = 0; i < 64; i++) {
    fill_id(rng, ids[i]);
    net_sum_add(s, ids[i]);
  }
  for (int i = 63; i >= 0; i--)
    net_sum_sub(s, ids[i]);
  CHECK_MEM(s, z, NET_SUM_BYTES);
}

/* SENDS ranges and continued RECONs (`more`): round trips through the
 * writer, and what a decoder refuses. */
static void test_recon_sends_more(struct test_rng *rng)
{
  struct crdt_buf b;
  struct net_msg m;
  struct net_range rg[2], r;
  uint8_t ids[3 * NET_ID_BYTES];
  for (int i = 0; i < 3; i++)
    fill_id(rng, ids + i * NET_ID_BYTES);
  uint32_t n = net_ids_sort(ids, 3);
  memset(rg, 0, sizeof rg);
  rg[0].upper.hlc = CRDT_HLC_MAKE(1585000000000, 3);
  rg[0].mode = NET_SENDS;
  rg[0].count = 70000;
  rg[0].need = ids;
  rg[0].n_need = n;
  net_bound_inf(&rg[1].upper);
  rg[1].mode = NET_SENDS;
  rg[1].count = 1;
  for (int more = 0; more < 2; more++) {
    crdt_buf_init(&b, mem, sizeof mem);
    CHECK_EQ(net_recon_write_more(&b, "s", 1, rg, 2, more), 0);
    CHECK_EQ(net_msg_decode(&m, b.p, b.len), 0);
    CHECK_EQ(m.more, more);
    CHECK_EQ(m.n, 2);
    CHECK_EQ(net_msg_next_range(&m, &r), 0);
    CHECK(r.mode == NET_SENDS && r.count == 70000 && r.n_need == n && r.n_ids == 0);
    CHECK(memcmp(r.need, ids, (size_t)n * NET_ID_BYTES) == 0);
    CHECK_EQ(net_msg_next_range(&m, &r), 0);
    CHECK(r.mode == NET_SENDS && r.count == 1 && r.n_need == 0 && net_bound_is_inf(&r.upper));
    check_truncations(b.p, b.len);
  }
  /* a count of 0 is a DIFF: the writer and the decoder refuse it */
  rg[1].count = 0;
  crdt_buf_init(&b, mem, sizeof mem);
  CHECK_EQ(net_recon_write(&b, "s", 1, rg, 2), LINLI_EINVAL);
  CHECK_EQ(b.len, 0);
  raw_recon(&b, 1);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_SENDS);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* SENDS with 4 fields, a count that is not a uint, need not whole ids */
  raw_recon(&b, 1);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_SENDS);
  crdt_w_uint(&b, 5);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  raw_recon(&b, 1);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_SENDS);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_bin(&b, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_ETYPE);
  raw_recon(&b, 1);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, NET_SENDS);
  crdt_w_uint(&b, 5);
  crdt_w_bin(&b, ids, 31);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* mode 5 does not exist */
  raw_recon(&b, 1);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, 0);
  crdt_w_bin(&b, NULL, 0);
  crdt_w_uint(&b, 5);
  crdt_w_uint(&b, 5);
  crdt_w_bin(&b, NULL, 0);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  /* `more` present must be 1; 5 elements, and 4 for another type, are refused */
  for (uint64_t v = 0; v < 3; v++) {
    crdt_buf_init(&b, mem, sizeof mem);
    crdt_w_array(&b, 4);
    crdt_w_uint(&b, NET_RECON);
    crdt_w_cstr(&b, "s");
    crdt_w_array(&b, 0);
    crdt_w_uint(&b, v);
    CHECK_EQ(decode_buf(&b), v == 1 ? 0 : LINLI_EPROTO);
  }
  crdt_buf_init(&b, mem, sizeof mem);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, NET_RECON);
  crdt_w_cstr(&b, "s");
  crdt_w_array(&b, 0);
  crdt_w_cstr(&b, "x");
  CHECK_EQ(decode_buf(&b), LINLI_ETYPE);
  crdt_buf_init(&b, mem, sizeof mem);
  crdt_w_array(&b, 5);
  crdt_w_uint(&b, NET_RECON);
  crdt_w_cstr(&b, "s");
  crdt_w_array(&b, 0);
  crdt_w_uint(&b, 1);
  crdt_w_uint(&b, 1);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
  crdt_buf_init(&b, mem, sizeof mem);
  crdt_w_array(&b, 4);
  crdt_w_uint(&b, NET_WANT);
  crdt_w_cstr(&b, "s");
  crdt_w_bin(&b, ids, NET_ID_BYTES);
  crdt_w_uint(&b, 1);
  CHECK_EQ(decode_buf(&b), LINLI_EPROTO);
}

/* An engine refuses a RECON when none of the peer's is due. */
static void test_engine_pending(void)
{
  struct net_memstore *ms = net_memstore_new();
  REQUIRE(ms);
  uint8_t id[NET_ID_BYTES] = {7};
  REQUIRE(net_memstore_add(ms, CRDT_HLC_MAKE(1585000000000, 0), id) == 1);
  struct net_rstore st = net_memstore_rstore(ms);
  static struct net_recon a, b;
  static uint8_t m1[NET_RECON_OUT_MIN * 4], m2[NET_RECON_OUT_MIN * 4];
  struct crdt_buf o1, o2;
  int reply = 0;
  REQUIRE(net_recon_init(&a, &st, "s", 1, NULL, NULL) == 0);
  REQUIRE(net_recon_init(&b, &st, "s", 1, NULL, NULL) == 0);
  crdt_buf_init(&o1, m1, sizeof m1);
  CHECK_EQ(net_recon_start(&a, &o1), 0);
  CHECK_EQ(a.n_out, 1);
  CHECK_EQ(a.pending, 1);
  crdt_buf_init(&o2, m2, sizeof m2);
  CHECK_EQ(net_recon_step(&b, m1, o1.len, &o2, &reply), 0);
  CHECK(reply && b.n_out == 1 && net_recon_done(&b)); /* same sets: a DIFF, nothing asked */
  /* b is done: the same message again is not due */
  size_t keep = o2.len;
  CHECK_EQ(net_recon_step(&b, m1, o1.len, &o2, &reply), LINLI_EPROTO);
  CHECK(reply == 0 && o2.len == keep && net_recon_done(&b));
  o1.len = 0;
  CHECK_EQ(net_recon_step(&a, m2, keep, &o1, &reply), 0);
  CHECK(reply == 0 && net_recon_done(&a) && a.pending == 0);
  net_memstore_destroy(ms);
}

int main(void)
{
  uint64_t seed = test_seed(UINT64_C(0xc0dec));
  struct test_rng rng = {seed};
  REQUIRE(crdt_init() == 0);
  test_hello();
  test_sums(&rng);
  test_want_ops_error(&rng);
  test_recon_malformed();
  test_recon_limits(&rng);
  test_engine_robust(seed);
  test_recon_sends_more(&rng);
  test_engine_pending();
  return test_done("test_net_codec");
}
