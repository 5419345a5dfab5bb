/* linli-bench op: the cost of the op envelope over raw Ed25519.
 *   ratio op_sign   = signed ops built (encode, hash, sign) per second
 *                     / crypto_sign_detached per second
 *   ratio op_verify = ops decoded, hashed and verified per second
 *                     / crypto_sign_verify_detached per second
 *   ratio op_sign_sealed = resident ops with three sealed fields (name, ID
 *                     number, phone: domain_seal with the key file's bytes,
 *                     as a node holding the community key writes) signed per
 *                     second / the same ops signed in clear per second
 * Each pair is measured alternately, several rounds, best of each, so both
 * sides see the same machine. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crdt.h"
#include "domain.h"

#define SAMPLE_OPS 256

struct ctx {
  struct crdt_identity who;
  uint8_t body[512];
  size_t body_len;
  uint8_t (*ops)[CRDT_OP_MAX_BYTES];
  size_t *lens;
  uint8_t resident[256];
  size_t resident_len;
  uint8_t resident_op[CRDT_OP_MAX_BYTES]; /* apart from ops[], which verify_op reads */
  size_t resident_op_len;
  uint8_t msg[CRDT_ID_BYTES];
  uint8_t sig[CRDT_SIG_BYTES];
  volatile int sink;
};

/* A daily health check as staff enter it. */
static void make_body(struct ctx *c)
{
  struct crdt_buf b;
  crdt_buf_init(&b, c->body, sizeof c->body);
  crdt_w_map(&b, 6);
  crdt_w_cstr(&b, "checked_by");
  crdt_w_cstr(&b, "vol-0016");
  crdt_w_cstr(&b, "cough");
  crdt_w_bool(&b, 0);
  crdt_w_cstr(&b, "date");
  crdt_w_cstr(&b, "2020-03-02");
  crdt_w_cstr(&b, "note");
  crdt_w_cstr(&b, "居家隔离第7天，体温正常");
  crdt_w_cstr(&b, "resident");
  crdt_w_cstr(&b, "r-000123");
  crdt_w_cstr(&b, "temp_dc");
  crdt_w_uint(&b, 365);
  c->body_len = b.len;
}

/* A resident as staff register one: three of its five fields are sealed. */
static void make_resident(struct ctx *c)
{
  struct crdt_buf b;
  crdt_buf_init(&b, c->resident, sizeof c->resident);
  crdt_w_map(&b, 5);
  crdt_w_cstr(&b, "birth_year");
  crdt_w_uint(&b, 1983);
  crdt_w_cstr(&b, "household");
  crdt_w_cstr(&b, "SH-C01-3-2-501");
  crdt_w_cstr(&b, "id_number");
  crdt_w_cstr(&b, "420107198307027457");
  crdt_w_cstr(&b, "name");
  crdt_w_cstr(&b, "林敏");
  crdt_w_cstr(&b, "phone");
  crdt_w_cstr(&b, "13800001111");
  c->resident_len = b.len;
}

static const uint8_t bench_keys[] =
    "linli-community-keys-v1\n"
    "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n";

static void bench_random(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  randombytes_buf(buf, len);
}

static void sign_resident(struct ctx *c, uint64_t i, int sealed)
{
  uint8_t body[CRDT_BODY_MAX_BYTES];
  size_t bl = 0, len;
  struct crdt_draft d = {"shihua", "resident", "r-000123", CRDT_HLC_MAKE(1583100000000 + i, 0),
                         CRDT_SET, c->resident, c->resident_len, NULL, 0};
  if (sealed) {
    if (domain_seal(NULL, bench_keys, sizeof bench_keys - 1, "shihua", "resident", "r-000123",
                    c->resident, c->resident_len, bench_random, NULL, body, sizeof body, &bl) != 1)
      abort();
    d.body = body, d.body_len = bl;
  }
  if (crdt_op_sign(&d, &c->who, c->resident_op, sizeof c->resident_op, &len, NULL) != 0)
    abort();
  c->resident_op_len = len;
}

static void sign_resident_plain(void *arg, uint64_t i)
{
  sign_resident(arg, i, 0);
}

static void sign_resident_sealed(void *arg, uint64_t i)
{
  sign_resident(arg, i, 1);
}

static void sign_op(void *arg, uint64_t i)
{
  struct ctx *c = arg;
  struct crdt_draft d = {"shihua", "health_check", "r-000123", CRDT_HLC_MAKE(1583100000000 + i, 0),
                         CRDT_APPEND, c->body, c->body_len, NULL, 0};
  size_t len;
  uint8_t *out = c->ops[i % SAMPLE_OPS];
  if (crdt_op_sign(&d, &c->who, out, CRDT_OP_MAX_BYTES, &len, NULL) != 0)
    abort();
  c->lens[i % SAMPLE_OPS] = len;
}

static void sign_raw(void *arg, uint64_t i)
{
  struct ctx *c = arg;
  c->msg[0] = (uint8_t)i;
  crypto_sign_detached(c->sig, NULL, c->msg, sizeof c->msg, c->who.sk);
}

static void verify_op(void *arg, uint64_t i)
{
  struct ctx *c = arg;
  struct crdt_op op;
  size_t k = i % SAMPLE_OPS;
  if (crdt_op_open(&op, c->ops[k], c->lens[k]) != 0)
    abort();
}

static void verify_raw(void *arg, uint64_t i)
{
  struct ctx *c = arg;
  (void)i;
  c->sink += crypto_sign_verify_detached(c->sig, c->msg, sizeof c->msg, c->who.pk);
}

int bench_op(int argc, char **argv)
{
  double secs = 0.4;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      secs = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: linli-bench op [--seconds S]\n");
      return 2;
    }
  }
  struct ctx *c = calloc(1, sizeof *c);
  if (!c)
    return 1;
  c->ops = malloc(SAMPLE_OPS * sizeof *c->ops);
  c->lens = calloc(SAMPLE_OPS, sizeof *c->lens);
  if (!c->ops || !c->lens)
    return 1;
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, 7, sizeof seed);
  crdt_identity_from_seed(&c->who, seed);
  make_body(c);
  for (uint64_t i = 0; i < SAMPLE_OPS; i++)
    sign_op(c, i);
  crypto_sign_detached(c->sig, NULL, c->msg, sizeof c->msg, c->who.sk);

  make_resident(c);
  double best[6] = {0, 0, 0, 0, 0, 0};
  for (int round = 0; round < 5; round++) {
    double r[6] = {bench_rate(sign_raw, c, secs),           bench_rate(sign_op, c, secs),
                   bench_rate(verify_raw, c, secs),         bench_rate(verify_op, c, secs),
                   bench_rate(sign_resident_plain, c, secs), bench_rate(sign_resident_sealed, c, secs)};
    for (int k = 0; k < 6; k++)
      if (r[k] > best[k])
        best[k] = r[k];
  }
  bench_metric("ed25519_sign_per_s", best[0], "ops/s");
  bench_metric("op_sign_per_s", best[1], "ops/s");
  bench_metric("ed25519_verify_per_s", best[2], "ops/s");
  bench_metric("op_verify_per_s", best[3], "ops/s");
  bench_metric("op_bytes", (double)c->lens[0], "B");
  bench_ratio("op_sign", best[1] / best[0]);
  bench_ratio("op_verify", best[3] / best[2]);
  bench_metric("op_sign_resident_per_s", best[4], "ops/s");
  bench_metric("op_sign_sealed_per_s", best[5], "ops/s");
  bench_ratio("op_sign_sealed", best[5] / best[4]);
  crdt_identity_wipe(&c->who);
  free(c->ops);
  free(c->lens);
  free(c);
  return 0;
}
