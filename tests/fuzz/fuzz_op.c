/* fuzz_op: crdt_op_decode and crdt_op_verify on arbitrary bytes. An op the
 * decoder accepts must satisfy every documented invariant, and re-encoding
 * its fields (the signature copied) must give back the exact input: one op,
 * one encoding. */
#include <sodium.h>
#include <string.h>

#include "fuzz.h"

static int op_is_zero(const struct crdt_op *op)
{
  static const struct crdt_op zero;
  return memcmp(op, &zero, sizeof zero) == 0;
}

static int in_buf(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
  return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void op_invariants(const struct crdt_op *op, const uint8_t *buf, size_t len)
{
  uint8_t id[CRDT_ID_BYTES];
  FUZZ_ASSERT(op->raw == buf && op->raw_len == len && len <= CRDT_OP_MAX_BYTES);
  FUZZ_ASSERT(op->unsigned_len < op->raw_len);
  FUZZ_ASSERT(in_buf(op->unsigned_bytes, op->unsigned_len, buf, len));
  crypto_generichash(id, sizeof id, op->unsigned_bytes, op->unsigned_len, NULL, 0);
  FUZZ_ASSERT(memcmp(id, op->id, sizeof id) == 0);
  FUZZ_ASSERT(op->version == CRDT_OP_VERSION && (unsigned)op->kind < CRDT_KIND_COUNT);
  FUZZ_ASSERT(in_buf(op->author, CRDT_PK_BYTES, buf, len));
  FUZZ_ASSERT(op->sig && op->sig + CRDT_SIG_BYTES == buf + len);
  FUZZ_ASSERT(crdt_check_scope(op->scope.p, op->scope.len) == 0);
  FUZZ_ASSERT(crdt_check_ident(op->collection.p, op->collection.len, CRDT_COLLECTION_MAX) == 0);
  FUZZ_ASSERT(crdt_check_key(op->key.p, op->key.len) == 0);
  /* The body is one canonical map within the limits. */
  struct crdt_mp r;
  uint32_t n;
  FUZZ_ASSERT(op->body_len <= CRDT_BODY_MAX_BYTES && in_buf(op->body, op->body_len, buf, len));
  crdt_mp_init(&r, op->body, op->body_len);
  FUZZ_ASSERT(crdt_mp_value(&r, CRDT_DEPTH_MAX) == 0 && crdt_mp_left(&r) == 0);
  crdt_mp_init(&r, op->body, op->body_len);
  FUZZ_ASSERT(crdt_mp_map(&r, &n) == 0);
  FUZZ_ASSERT(op->kind == CRDT_TOMBSTONE ? n == 0 : (n > 0 || op->kind == CRDT_APPEND));
  /* Parents: at most the limit, strictly ascending, at the fixed stride. */
  FUZZ_ASSERT(op->n_parents <= CRDT_PARENTS_MAX);
  FUZZ_ASSERT(op->kind != CRDT_REMOVE || op->n_parents > 0);
  for (uint32_t i = 0; i < op->n_parents; i++) {
    FUZZ_ASSERT(in_buf(crdt_op_parent(op, i), CRDT_ID_BYTES, buf, len));
    if (i > 0)
      FUZZ_ASSERT(memcmp(crdt_op_parent(op, i - 1), crdt_op_parent(op, i), CRDT_ID_BYTES) < 0);
  }
  /* The order key: hlc big-endian, author, id. */
  uint8_t order[CRDT_ORDER_BYTES];
  crdt_op_order(op, order);
  for (int i = 0; i < 8; i++)
    FUZZ_ASSERT(order[i] == (uint8_t)(op->hlc >> (56 - 8 * i)));
  FUZZ_ASSERT(memcmp(order + 8, op->author, CRDT_PK_BYTES) == 0);
  FUZZ_ASSERT(memcmp(order + 8 + CRDT_PK_BYTES, op->id, CRDT_ID_BYTES) == 0);
}

/* The fields written again with the canonical writer, signature copied. */
static void op_reencode(const struct crdt_op *op, const uint8_t *buf, size_t len)
{
  uint8_t out[CRDT_OP_MAX_BYTES];
  struct crdt_buf b;
  crdt_buf_init(&b, out, sizeof out);
  crdt_w_array(&b, 2);
  size_t start = b.len;
  crdt_w_array(&b, 9);
  crdt_w_uint(&b, op->version);
  crdt_w_bin(&b, op->author, CRDT_PK_BYTES);
  crdt_w_str(&b, op->scope.p, op->scope.len);
  crdt_w_uint(&b, op->hlc);
  crdt_w_str(&b, op->collection.p, op->collection.len);
  crdt_w_str(&b, op->key.p, op->key.len);
  crdt_w_uint(&b, (uint64_t)op->kind);
  crdt_w_raw(&b, op->body, op->body_len);
  crdt_w_array(&b, op->n_parents);
  for (uint32_t i = 0; i < op->n_parents; i++)
    crdt_w_bin(&b, crdt_op_parent(op, i), CRDT_ID_BYTES);
  FUZZ_ASSERT(b.len - start == op->unsigned_len);
  FUZZ_ASSERT(memcmp(out + start, op->unsigned_bytes, op->unsigned_len) == 0);
  crdt_w_bin(&b, op->sig, CRDT_SIG_BYTES);
  FUZZ_ASSERT(crdt_buf_err(&b) == 0 && b.len == len && memcmp(out, buf, len) == 0);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct crdt_op op, again;
  fuzz_init();
  int rc = crdt_op_decode(&op, data, size);
  if (rc) {
    FUZZ_ASSERT(rc < 0 && op_is_zero(&op));
    FUZZ_ASSERT(crdt_op_verify(&op) == LINLI_EBADSIG);
    FUZZ_ASSERT(crdt_op_open(&again, data, size) == rc && op_is_zero(&again));
    return 0;
  }
  op_invariants(&op, data, size);
  op_reencode(&op, data, size);
  FUZZ_ASSERT(crdt_op_decode(&again, data, size) == 0);
  FUZZ_ASSERT(memcmp(&op, &again, sizeof op) == 0);
  int vrc = crdt_op_verify(&op);
  FUZZ_ASSERT(vrc == 0 || vrc == LINLI_EBADSIG);
  rc = crdt_op_open(&again, data, size);
  FUZZ_ASSERT(rc == vrc && (rc ? op_is_zero(&again) : memcmp(&op, &again, sizeof op) == 0));
  return 0;
}
