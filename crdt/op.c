/* The signed op: canonical encoding, id, signature. docs/protocol.md has the
 * byte-level specification this file implements. */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crdt.h"

#define OP_FIELDS 9

const char *crdt_kind_name(enum crdt_kind k)
{
  static const char *names[CRDT_KIND_COUNT] = {"set", "add", "remove", "counter", "append",
                                               "tombstone"};
  return (unsigned)k < CRDT_KIND_COUNT ? names[k] : "?";
}

int crdt_check_ident(const char *s, size_t len, size_t max)
{
  if (len == 0)
    return LINLI_ENAME;
  if (len > max)
    return LINLI_ETOOBIG;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return LINLI_ENAME;
  }
  return 0;
}

int crdt_check_scope(const char *s, size_t len)
{
  if (len == 0)
    return LINLI_ENAME;
  if (len > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '-'))
      return LINLI_ENAME;
  }
  return 0;
}

/* Validates the body map against the rules of its kind. */
static int op__body(struct crdt_mp *r, enum crdt_kind kind)
{
  uint32_t n;
  int rc = crdt_mp_map(r, &n);
  if (rc)
    return rc;
  if (n > CRDT_COUNT_MAX)
    return LINLI_ETOOBIG;
  if (kind == CRDT_TOMBSTONE ? n != 0 : (n == 0 && kind != CRDT_APPEND))
    return LINLI_EKIND;
  const char *prev = NULL;
  uint32_t prev_len = 0;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if ((rc = crdt_mp_str(r, &k, &kl)))
      return rc;
    if ((rc = crdt_check_ident(k, kl, CRDT_FIELD_MAX)))
      return rc;
    if (prev) {
      int c = memcmp(prev, k, prev_len < kl ? prev_len : kl);
      if (c > 0 || (c == 0 && prev_len >= kl))
        return LINLI_EKEYORDER;
    }
    prev = k;
    prev_len = kl;
    switch (kind) {
    case CRDT_SET:
    case CRDT_APPEND:
      rc = crdt_mp_value(r, CRDT_DEPTH_MAX - 1);
      break;
    case CRDT_COUNTER: {
      int64_t d;
      rc = crdt_mp_int(r, &d);
      break;
    }
    case CRDT_ADD:
    case CRDT_REMOVE: {
      uint32_t m;
      if ((rc = crdt_mp_array(r, &m)))
        return rc;
      if (m == 0)
        return LINLI_EKIND;
      if (m > CRDT_COUNT_MAX)
        return LINLI_ETOOBIG;
      for (uint32_t j = 0; j < m && !rc; j++) {
        const uint8_t *e = r->p;
        rc = crdt_mp_value(r, CRDT_DEPTH_MAX - 2);
        if (!rc && (size_t)(r->p - e) > CRDT_ELEM_MAX)
          rc = LINLI_ETOOBIG;
      }
      break;
    }
    default:
      return LINLI_EKIND;
    }
    if (rc)
      return rc;
  }
  return 0;
}

static int op__decode(struct crdt_op *op, const uint8_t *buf, size_t len)
{
  struct crdt_mp r;
  uint32_t n, bl;
  uint64_t u;
  const uint8_t *b;
  int rc;

  memset(op, 0, sizeof *op); /* fields an op lacks (parents) read as NULL, not garbage */
  if (len > CRDT_OP_MAX_BYTES)
    return LINLI_ETOOBIG;
  crdt_mp_init(&r, buf, len);
  op->raw = buf;
  op->raw_len = len;
  if ((rc = crdt_mp_array(&r, &n)))
    return rc;
  if (n != 2)
    return LINLI_ETYPE;
  op->unsigned_bytes = r.p;
  if ((rc = crdt_mp_array(&r, &n)))
    return rc;
  if (n != OP_FIELDS)
    return LINLI_ETYPE;
  if ((rc = crdt_mp_uint(&r, &u)))
    return rc;
  if (u != CRDT_OP_VERSION)
    return LINLI_EVERSION;
  op->version = (uint32_t)u;
  if ((rc = crdt_mp_bin(&r, &b, &bl)))
    return rc;
  if (bl != CRDT_PK_BYTES)
    return LINLI_ETYPE;
  op->author = b;
  if ((rc = crdt_mp_str(&r, &op->scope.p, &op->scope.len)))
    return rc;
  if ((rc = crdt_check_scope(op->scope.p, op->scope.len)))
    return rc;
  if ((rc = crdt_mp_uint(&r, &op->hlc)))
    return rc;
  if ((rc = crdt_mp_str(&r, &op->collection.p, &op->collection.len)))
    return rc;
  if ((rc = crdt_check_ident(op->collection.p, op->collection.len, CRDT_COLLECTION_MAX)))
    return rc;
  if ((rc = crdt_mp_str(&r, &op->key.p, &op->key.len)))
    return rc;
  if ((rc = crdt_check_key(op->key.p, op->key.len)))
    return rc;
  if ((rc = crdt_mp_uint(&r, &u)))
    return rc;
  if (u >= CRDT_KIND_COUNT)
    return LINLI_EKIND;
  op->kind = (enum crdt_kind)u;
  op->body = r.p;
  if ((rc = op__body(&r, op->kind)))
    return rc;
  op->body_len = (size_t)(r.p - op->body);
  if (op->body_len > CRDT_BODY_MAX_BYTES)
    return LINLI_ETOOBIG;
  if ((rc = crdt_mp_array(&r, &n)))
    return rc;
  if (n > CRDT_PARENTS_MAX)
    return LINLI_ETOOBIG;
  if (op->kind == CRDT_REMOVE && n == 0)
    return LINLI_EKIND;
  op->n_parents = n;
  const uint8_t *prev = NULL;
  for (uint32_t i = 0; i < n; i++) {
    if ((rc = crdt_mp_bin(&r, &b, &bl)))
      return rc;
    if (bl != CRDT_ID_BYTES)
      return LINLI_ETYPE;
    if (prev && memcmp(prev, b, CRDT_ID_BYTES) >= 0)
      return LINLI_EKEYORDER;
    if (!prev)
      op->parents = b;
    else
      assert(b == prev + CRDT_PARENT_STRIDE); /* bin8 of 32 bytes: fixed stride */
    prev = b;
  }
  op->unsigned_len = (size_t)(r.p - op->unsigned_bytes);
  if ((rc = crdt_mp_bin(&r, &b, &bl)))
    return rc;
  if (bl != CRDT_SIG_BYTES)
    return LINLI_ETYPE;
  op->sig = b;
  if (crdt_mp_left(&r))
    return LINLI_ETRAIL;
  crypto_generichash(op->id, sizeof op->id, op->unsigned_bytes, op->unsigned_len, NULL, 0);
  return 0;
}

int crdt_op_decode(struct crdt_op *op, const uint8_t *buf, size_t len)
{
  int rc = op__decode(op, buf, len);
  if (rc)
    memset(op, 0, sizeof *op);
  return rc;
}

/* ---- the Ed25519 acceptance rule (docs/protocol.md 3.6) ----
 * Checked here, by bytes, before libsodium is asked, so that the rule is
 * ours whatever a libsodium version refuses on its own. Encodings are
 * little-endian; bit 255 of a point encoding is the sign of x. */

/* L, the order of the base point, and p = 2^255 - 19. */
static const uint8_t ED_L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                 0,    0,    0,    0,    0,    0,    0,    0,
                                 0,    0,    0,    0,    0,    0,    0,    0x10};
static const uint8_t ED_P[32] = {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

/* The y coordinates (bit 255 cleared) of the 8 points of small order, in
 * every encoding that fits 255 bits: 0 and p (order 4), 1 and p + 1
 * (order 1), p - 1 (order 2), and the two of order 8. */
static const uint8_t ED_SMALL[7][32] = {
  {0},
  {1},
  {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
   0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
  {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
   0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
  {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
  {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
  {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

/* 1 if the little-endian a (with bit 255 masked when mask) is below b. */
static int le_below(const uint8_t *a, const uint8_t *b, int mask)
{
  for (int i = 31; i >= 0; i--) {
    uint8_t x = (uint8_t)(i == 31 && mask ? a[i] & 0x7f : a[i]);
    if (x != b[i])
      return x < b[i];
  }
  return 0;
}

static int ed_small_order(const uint8_t *pt)
{
  uint8_t y[32];
  memcpy(y, pt, 32);
  y[31] &= 0x7f;
  for (size_t i = 0; i < sizeof ED_SMALL / sizeof ED_SMALL[0]; i++)
    if (!memcmp(y, ED_SMALL[i], 32))
      return 1;
  return 0;
}

int crdt_sig_verify(const uint8_t sig[CRDT_SIG_BYTES], const uint8_t *msg, size_t len,
                    const uint8_t pk[CRDT_PK_BYTES])
{
  if (!le_below(sig + 32, ED_L, 0))               /* S < L */
    return LINLI_EBADSIG;
  if (!le_below(pk, ED_P, 1) || ed_small_order(pk)) /* A: y < p, not of small order */
    return LINLI_EBADSIG;
  if (!le_below(sig, ED_P, 1) || ed_small_order(sig)) /* R: y < p, not of small order */
    return LINLI_EBADSIG;
  /* A on the curve; R = encode([S]B - [h]A), compared byte for byte, with
   * h = SHA-512(R || A || msg) mod L: the cofactorless equation. */
  if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
    return LINLI_EBADSIG;
  return 0;
}

int crdt_op_verify(const struct crdt_op *op)
{
  if (!op->sig || !op->author) /* not a decoded op (e.g. zeroed by a failed decode) */
    return LINLI_EBADSIG;
  return crdt_sig_verify(op->sig, op->id, sizeof op->id, op->author);
}

int crdt_op_open(struct crdt_op *op, const uint8_t *buf, size_t len)
{
  int rc = crdt_op_decode(op, buf, len);
  if (!rc && (rc = crdt_op_verify(op)) != 0)
    memset(op, 0, sizeof *op);
  return rc;
}

static int id_cmp(const void *a, const void *b)
{
  return memcmp(a, b, CRDT_ID_BYTES);
}

int crdt_op_sign(const struct crdt_draft *d, const struct crdt_identity *who, uint8_t *out,
                 size_t cap, size_t *out_len, struct crdt_op *op)
{
  uint8_t parents[CRDT_PARENTS_MAX][CRDT_ID_BYTES];
  uint8_t id[CRDT_ID_BYTES], sig[CRDT_SIG_BYTES];
  uint32_t np = 0;
  struct crdt_buf b;
  struct crdt_op tmp;
  int rc;

  *out_len = 0;
  if (d->n_parents > CRDT_PARENTS_MAX * 4)
    return LINLI_ETOOBIG;
  if (d->n_parents) {
    uint8_t(*all)[CRDT_ID_BYTES] = malloc((size_t)d->n_parents * CRDT_ID_BYTES);
    if (!all)
      return LINLI_ENOMEM;
    memcpy(all, d->parents, (size_t)d->n_parents * CRDT_ID_BYTES);
    qsort(all, d->n_parents, CRDT_ID_BYTES, id_cmp);
    for (uint32_t i = 0; i < d->n_parents; i++) {
      if (np && memcmp(parents[np - 1], all[i], CRDT_ID_BYTES) == 0)
        continue;
      if (np == CRDT_PARENTS_MAX) {
        free(all);
        return LINLI_ETOOBIG;
      }
      memcpy(parents[np++], all[i], CRDT_ID_BYTES);
    }
    free(all);
  }

  crdt_buf_init(&b, out, cap);
  crdt_w_array(&b, 2);
  size_t start = b.len;
  crdt_w_array(&b, OP_FIELDS);
  crdt_w_uint(&b, CRDT_OP_VERSION);
  crdt_w_bin(&b, who->pk, CRDT_PK_BYTES);
  crdt_w_cstr(&b, d->scope);
  crdt_w_uint(&b, d->hlc);
  crdt_w_cstr(&b, d->collection);
  crdt_w_cstr(&b, d->key);
  crdt_w_uint(&b, (uint64_t)d->kind);
  crdt_w_raw(&b, d->body, d->body_len);
  crdt_w_array(&b, np);
  for (uint32_t i = 0; i < np; i++)
    crdt_w_bin(&b, parents[i], CRDT_ID_BYTES);
  if ((rc = crdt_buf_err(&b)))
    return rc;
  crypto_generichash(id, sizeof id, out + start, b.len - start, NULL, 0);
  crypto_sign_detached(sig, NULL, id, sizeof id, who->sk);
  crdt_w_bin(&b, sig, sizeof sig);
  if ((rc = crdt_buf_err(&b)))
    return rc;
  /* Decoding what we produced is the one validation path: a draft with a bad
   * name, a non-canonical body or a body that does not fit its kind fails
   * here exactly as it would at a receiver. */
  if ((rc = crdt_op_decode(op ? op : &tmp, out, b.len)))
    return rc;
  *out_len = b.len;
  return 0;
}

void crdt_op_order(const struct crdt_op *op, uint8_t out[CRDT_ORDER_BYTES])
{
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)(op->hlc >> (56 - 8 * i));
  memcpy(out + 8, op->author, CRDT_PK_BYTES);
  memcpy(out + 8 + CRDT_PK_BYTES, op->id, CRDT_ID_BYTES);
}
