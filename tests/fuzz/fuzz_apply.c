/* fuzz_apply: ops applied to a crdt_memview. Input: a mode byte (fuzz.h:
 * FUZZ_APPLY_*), then either length-prefixed chunks of op bytes or recipes
 * of ops that the target signs with the fixed test keys, so that valid ops
 * reach crdt_apply. Checked: a rejected or duplicate op leaves the digest
 * unchanged; a valid op always applies; a corrupted signed op never opens;
 * the same ops applied in reverse order give the same digest. */
#include <string.h>

#include "fuzz.h"

struct held {
  uint8_t *bytes;
  size_t len;
  struct crdt_op op;
};

static void digest(struct crdt_memview *m, uint8_t out[CRDT_DIGEST_BYTES])
{
  struct crdt_view v = crdt_memview_view(m);
  FUZZ_ASSERT(crdt_view_digest(&v, NULL, 0, out) == 0);
}

/* ---- op recipes ---- */

static const char *const SCOPES[2] = {"shihua", "baibuting"};
static const char *const COLLS[3] = {"household", "resident", "supply_stock"};
static const char *const KEYS[3] = {"k1", "hh-0042", "\xe7\x8e\x8b"};
static const char *const FIELDS[3] = {"a", "b", "grid"}; /* sorted */
static const char *const ELEMS[4] = {"r-000123", "r-000124", "", "x"};

static void recipe_value(struct fuzz_in *in, enum crdt_kind kind, struct crdt_buf *b)
{
  switch (kind) {
  case CRDT_SET:
  case CRDT_APPEND: {
    uint8_t n = fuzz_u8(in) % 24;
    if (n == 0) {
      crdt_w_uint(b, fuzz_u8(in));
      break;
    }
    for (uint8_t i = 0; i < n; i++) { /* raw bytes: the signer checks them */
      uint8_t c = fuzz_u8(in);
      crdt_w_raw(b, &c, 1);
    }
    break;
  }
  case CRDT_ADD:
  case CRDT_REMOVE: {
    uint8_t m = 1 + fuzz_u8(in) % 3;
    crdt_w_array(b, m);
    for (uint8_t i = 0; i < m; i++) {
      uint8_t e = fuzz_u8(in);
      if (e < 0x80)
        crdt_w_uint(b, e % 8);
      else
        crdt_w_cstr(b, ELEMS[e % 4]);
    }
    break;
  }
  case CRDT_COUNTER:
    crdt_w_int(b, (int64_t)fuzz_u64(in));
    break;
  case CRDT_TOMBSTONE:
    break;
  }
}

/* Signs the next recipe into h; 0 if the signer refused it. *corrupt is set
 * when the recipe asks for one byte of the result to be flipped. */
static int recipe_sign(struct fuzz_in *in, const struct held *ops, uint32_t n_ops,
                       struct held *h, int *corrupt)
{
  uint8_t body[512], parents[3 * CRDT_ID_BYTES], out[CRDT_OP_MAX_BYTES];
  uint8_t who = fuzz_u8(in), names = fuzz_u8(in);
  uint16_t t = fuzz_u16(in);
  struct crdt_draft d;
  struct crdt_buf b;
  d.scope = SCOPES[names & 1];
  d.collection = COLLS[(names >> 1) % 3];
  d.key = KEYS[(names >> 3) % 3];
  d.hlc = CRDT_HLC_MAKE(FUZZ_BASE_MS + (t >> 3), t & 7);
  d.kind = (enum crdt_kind)(fuzz_u8(in) % CRDT_KIND_COUNT);
  d.n_parents = fuzz_u8(in) % 4;
  for (uint32_t i = 0; i < d.n_parents; i++) {
    uint8_t pick = fuzz_u8(in);
    if (n_ops)
      memcpy(parents + i * CRDT_ID_BYTES, ops[pick % n_ops].op.id, CRDT_ID_BYTES);
    else
      memset(parents + i * CRDT_ID_BYTES, pick, CRDT_ID_BYTES);
  }
  d.parents = parents;
  uint8_t mask = d.kind == CRDT_TOMBSTONE ? 0 : fuzz_u8(in) & 7;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, (uint32_t)__builtin_popcount(mask));
  for (int f = 0; f < 3; f++)
    if (mask & (1u << f)) {
      crdt_w_cstr(&b, FIELDS[f]);
      recipe_value(in, d.kind, &b);
    }
  FUZZ_ASSERT(crdt_buf_err(&b) == 0);
  d.body = body;
  d.body_len = b.len;
  *corrupt = (who & 0x0c) == 0x0c;
  if (crdt_op_sign(&d, fuzz_identity(who % 3), out, sizeof out, &h->len, &h->op) != 0)
    return 0;
  h->bytes = malloc(h->len);
  FUZZ_ASSERT(h->bytes);
  memcpy(h->bytes, out, h->len);
  FUZZ_ASSERT(crdt_op_decode(&h->op, h->bytes, h->len) == 0); /* re-point into h->bytes */
  if (*corrupt) {
    uint16_t at = fuzz_u16(in);
    h->bytes[at % h->len] ^= fuzz_u8(in) | 1;
  }
  return 1;
}

/* ---- the target ---- */

static int next_op(struct fuzz_in *in, uint8_t mode, const struct held *ops, uint32_t n_ops,
                   struct held *h, int *valid)
{
  const uint8_t *p;
  int corrupt = 0;
  memset(h, 0, sizeof *h);
  if (mode == FUZZ_APPLY_DRAFT) {
    if (in->n == 0)
      return 0;
    if (!recipe_sign(in, ops, n_ops, h, &corrupt)) {
      *valid = 0;
      return 1;
    }
    /* A signed op with any one byte changed is not accepted (verifying
     * the ones the target signed itself would only cost time). */
    *valid = !corrupt;
    if (corrupt)
      FUZZ_ASSERT(crdt_op_open(&h->op, h->bytes, h->len) != 0);
    return 1;
  }
  if (!fuzz_chunk(in, &p, &h->len))
    return 0;
  h->bytes = malloc(h->len ? h->len : 1);
  FUZZ_ASSERT(h->bytes);
  memcpy(h->bytes, p, h->len);
  if (mode == FUZZ_APPLY_RAW)
    *valid = crdt_op_open(&h->op, h->bytes, h->len) == 0;
  else
    *valid = crdt_op_decode(&h->op, h->bytes, h->len) == 0;
  return 1;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct fuzz_in in = {data, size};
  struct held ops[FUZZ_APPLY_OPS_MAX], h;
  uint32_t n = 0;
  uint8_t before[CRDT_DIGEST_BYTES], after[CRDT_DIGEST_BYTES];
  int valid = 0;
  fuzz_init();
  uint8_t mode = fuzz_u8(&in) % 3;
  struct crdt_memview *a = crdt_memview_new(), *b = crdt_memview_new();
  FUZZ_ASSERT(a && b);
  digest(a, before);
  while (n < FUZZ_APPLY_OPS_MAX && next_op(&in, mode, ops, n, &h, &valid)) {
    int rc = valid ? crdt_memview_apply(a, &h.op) : 0;
    FUZZ_ASSERT(rc == 0 || rc == 1); /* a valid op always applies */
    digest(a, after);
    if (rc == 0) { /* rejected or already applied: nothing changed */
      FUZZ_ASSERT(memcmp(before, after, sizeof before) == 0);
      free(h.bytes);
      continue;
    }
    memcpy(before, after, sizeof before);
    ops[n++] = h;
  }
  /* Reverse order, then everything again (all duplicates): same state. */
  for (uint32_t i = n; i-- > 0;)
    FUZZ_ASSERT(crdt_memview_apply(b, &ops[i].op) == 1);
  for (uint32_t i = 0; i < n; i++)
    FUZZ_ASSERT(crdt_memview_apply(b, &ops[i].op) == 0);
  digest(b, after);
  FUZZ_ASSERT(memcmp(before, after, sizeof before) == 0);
  FUZZ_ASSERT(crdt_memview_rows(a) == crdt_memview_rows(b));
  for (uint32_t i = 0; i < n; i++)
    free(ops[i].bytes);
  crdt_memview_destroy(a);
  crdt_memview_destroy(b);
  return 0;
}
