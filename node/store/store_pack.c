/* How an op is kept in the ops sub-database: packed.
 *
 * A signed op (format version CRDT_OP_VERSION, 1) begins with 37 bytes of
 * framing and author key that repeat for every op of an author, then its
 * scope and hlc, which the ops key already holds, then its collection:
 *
 *   92 99 01 c4 20 <author 32> <str scope> <uint hlc> <str collection> <key ...>
 *
 * The stored value drops all of that:
 *
 *   0x01 <author number> <collection number> <the op's bytes from its key on>
 *
 * (numbers in LEB128), and the names sub-database numbers each author key
 * and each collection name once. Encoding is canonical (crdt/mp.c refuses
 * anything else), so the dropped bytes are re-encoded exactly; pack checks
 * that on every op, and keeps one it could not rebuild whole as
 * 0x00 <the op's bytes>. This saves about 60 of an op's ~200 bytes.
 */
#include <string.h>

#include "store_int.h"

#define PACK_RAW 0x00
#define PACK_V1 0x01
static const uint8_t op_head[5] = {0x92, 0x99, CRDT_OP_VERSION, 0xc4, 0x20};

/* The names sub-database ("authors") numbers each author key and each
 * collection name once:
 *   tag name -> number (be32),  TAG number (be32) -> name,  '#' tag -> next
 * with tag 'a' for author keys and 'c' for collection names. */
static void be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *v)
{
  return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* The writer's slot for a name: a community has a few authors and
 * collections, and every op names one of each, so two lookups in names per
 * op became a seventh of the writer's instructions. */
static struct store__name *name_slot_w(struct store *s, char tag, const uint8_t *name, size_t len)
{
  uint32_t h = 2166136261u ^ (uint8_t)tag;
  for (size_t i = 0; i < len; i++)
    h = (h ^ name[i]) * 16777619u;
  return &s->names_w[h % STORE_NAMES_CACHED];
}

void store__names_settle(struct store *s, int committed)
{
  for (int i = 0; i < STORE_NAMES_CACHED; i++) {
    struct store__name *c = &s->names_w[i];
    if (c->pending && !committed)
      c->tag = 0;
    c->pending = 0;
  }
}

static int name_number(struct store *s, MDB_txn *txn, char tag, const void *name, size_t len,
                       uint32_t *num)
{
  struct store__name *c = name_slot_w(s, tag, name, len);
  if (c->tag == (uint8_t)tag && c->len == len && memcmp(c->name, name, len) == 0) {
    *num = c->num;
    return 0;
  }
  uint8_t k[1 + CRDT_PK_BYTES + CRDT_COLLECTION_MAX], ik[5], nb[4], ck[2] = {'#', (uint8_t)tag};
  k[0] = (uint8_t)tag;
  memcpy(k + 1, name, len);
  MDB_val key = {1 + len, k}, val, cnt = {2, ck};
  int rc = mdb_get(txn, s->names, &key, &val);
  if (rc == 0) {
    if (val.mv_size != 4)
      return LINLI_ECORRUPT;
    *num = get_be32(val.mv_data);
    goto remember;
  }
  if (rc != MDB_NOTFOUND)
    return store__err(rc);
  rc = mdb_get(txn, s->names, &cnt, &val);
  if (rc && rc != MDB_NOTFOUND)
    return store__err(rc);
  *num = rc ? 0 : val.mv_size == 4 ? get_be32(val.mv_data) : UINT32_MAX;
  if (*num == UINT32_MAX)
    return LINLI_ECORRUPT;
  be32(nb, *num + 1);
  MDB_val next = {4, nb};
  if ((rc = mdb_put(txn, s->names, &cnt, &next, 0)))
    return store__err(rc);
  be32(nb, *num);
  ik[0] = (uint8_t)(tag - 'a' + 'A');
  be32(ik + 1, *num);
  MDB_val v = {4, nb}, ikey = {sizeof ik, ik}, nv = {len, (void *)name};
  if ((rc = mdb_put(txn, s->names, &key, &v, MDB_NOOVERWRITE)) ||
      (rc = mdb_put(txn, s->names, &ikey, &nv, MDB_NOOVERWRITE)))
    return store__err(rc);
remember:
  /* Pending until the transaction ends: a number read here may have been
   * given earlier in it, and an abort takes that back. */
  *c = (struct store__name){*num, (uint8_t)tag, (uint8_t)len, 1, {0}};
  memcpy(c->name, name, len);
  return 0;
}

/* Names by number, remembered per thread: a committed number never changes
 * its name, so a name read in a read-only transaction stays right for the
 * life of the store (gen tells stores apart). Reading an op then costs no
 * lookups for the few authors and collections a community has. */
struct name_slot {
  uint64_t gen;
  uint32_t num;
  char tag;
  uint8_t len;
  uint8_t name[CRDT_PK_BYTES > CRDT_COLLECTION_MAX ? CRDT_PK_BYTES : CRDT_COLLECTION_MAX];
};
static _Thread_local struct name_slot name_cache[64];

static int number_name_lookup(struct store *s, MDB_txn *txn, char tag, uint32_t num, MDB_val *name)
{
  uint8_t ik[5];
  ik[0] = (uint8_t)(tag - 'a' + 'A');
  be32(ik + 1, num);
  MDB_val key = {sizeof ik, ik};
  int rc = mdb_get(txn, s->names, &key, name);
  return rc == MDB_NOTFOUND ? LINLI_ECORRUPT : store__err(rc);
}

static int number_name_cached(struct store *s, MDB_txn *txn, char tag, uint32_t num, MDB_val *name,
                              int ro)
{
  struct name_slot *c = &name_cache[(num * 2 + (tag == 'c')) % 64];
  if (ro && c->gen == s->gen && c->num == num && c->tag == tag) {
    *name = (MDB_val){c->len, c->name};
    return 0;
  }
  int rc = number_name_lookup(s, txn, tag, num, name);
  if (!rc && ro && name->mv_size <= sizeof c->name) {
    c->gen = s->gen, c->num = num, c->tag = tag, c->len = (uint8_t)name->mv_size;
    memcpy(c->name, name->mv_data, name->mv_size);
  }
  return rc;
}

static size_t put_varint(uint8_t *out, uint32_t v)
{
  size_t n = 0;
  do {
    out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return n;
}

static int get_varint(const uint8_t *p, size_t len, size_t *off, uint32_t *out)
{
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (*off >= len)
      return LINLI_ECORRUPT;
    uint8_t b = p[(*off)++];
    v |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return LINLI_ECORRUPT;
}

/* The bytes of (scope, hlc, collection) as the op encodes them. */
static size_t scope_hlc_coll(uint8_t *out, size_t cap, const char *scope, size_t sl, uint64_t hlc,
                             const void *coll, size_t cl)
{
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  crdt_w_str(&b, scope, sl);
  crdt_w_uint(&b, hlc);
  crdt_w_str(&b, coll, cl);
  return crdt_buf_err(&b) ? 0 : b.len;
}

#define SHC_MAX (CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 16)

int store__pack(struct store *s, MDB_txn *txn, const struct crdt_op *op, uint8_t *out, size_t cap,
                size_t *len)
{
  uint8_t sh[SHC_MAX];
  size_t shl = scope_hlc_coll(sh, sizeof sh, op->scope.p, op->scope.len, op->hlc,
                              op->collection.p, op->collection.len);
  size_t head = sizeof op_head + CRDT_PK_BYTES + shl;
  uint32_t author = 0, coll = 0;
  int rc;
  if (shl && op->raw_len > head && memcmp(op->raw, op_head, sizeof op_head) == 0 &&
      memcmp(op->raw + sizeof op_head, op->author, CRDT_PK_BYTES) == 0 &&
      memcmp(op->raw + sizeof op_head + CRDT_PK_BYTES, sh, shl) == 0) {
    if ((rc = name_number(s, txn, 'a', op->author, CRDT_PK_BYTES, &author)) ||
        (rc = name_number(s, txn, 'c', op->collection.p, op->collection.len, &coll)))
      return rc;
    size_t n = 0;
    out[n++] = PACK_V1;
    n += put_varint(out + n, author);
    n += put_varint(out + n, coll);
    if (n + op->raw_len - head > cap)
      return LINLI_ETOOBIG;
    memcpy(out + n, op->raw + head, op->raw_len - head);
    *len = n + op->raw_len - head;
    return 0;
  }
  if (1 + op->raw_len > cap)
    return LINLI_ETOOBIG;
  out[0] = PACK_RAW;
  memcpy(out + 1, op->raw, op->raw_len);
  *len = 1 + op->raw_len;
  return 0;
}

/* A packed value's form; for PACK_V1 its numbers and where the op's own
 * bytes (from its key on) start; for PACK_RAW, where the op starts. */
static int packed_form(const uint8_t *val, size_t vl, uint32_t *author, uint32_t *coll,
                       size_t *off)
{
  if (vl < 2 || (val[0] != PACK_RAW && val[0] != PACK_V1))
    return LINLI_ECORRUPT;
  *off = 1;
  if (val[0] == PACK_RAW)
    return PACK_RAW;
  if (get_varint(val, vl, off, author) || get_varint(val, vl, off, coll))
    return LINLI_ECORRUPT;
  return PACK_V1;
}

static int unpack(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *v,
                  uint8_t *out, size_t cap, size_t *len, int ro)
{
  if (key->mv_size < 10 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  const char *scope = key->mv_data;
  size_t sl = key->mv_size - 9 - CRDT_ID_BYTES, vl = v->mv_size;
  uint64_t hlc = store__get_be64((const uint8_t *)scope + sl + 1);
  const uint8_t *val = v->mv_data;
  uint32_t author = 0, coll = 0;
  size_t off = 0;
  int form = packed_form(val, vl, &author, &coll, &off);
  if (form < 0)
    return form;
  if (form == PACK_RAW) {
    if (vl - off > cap)
      return LINLI_ETOOBIG;
    memcpy(out, val + off, vl - off);
    *len = vl - off;
    return 0;
  }
  MDB_val pk, cn;
  int rc;
  if ((rc = number_name_cached(s, txn, 'a', author, &pk, ro)) ||
      (rc = number_name_cached(s, txn, 'c', coll, &cn, ro)))
    return rc;
  if (pk.mv_size != CRDT_PK_BYTES || cn.mv_size > CRDT_COLLECTION_MAX)
    return LINLI_ECORRUPT;
  size_t n = sizeof op_head + CRDT_PK_BYTES;
  if (cap < n + SHC_MAX)
    return LINLI_ETOOBIG;
  memcpy(out, op_head, sizeof op_head);
  memcpy(out + sizeof op_head, pk.mv_data, CRDT_PK_BYTES);
  size_t shl = scope_hlc_coll(out + n, cap - n, scope, sl, hlc, cn.mv_data, cn.mv_size);
  if (!shl || cap - n - shl < vl - off)
    return LINLI_ETOOBIG;
  n += shl;
  memcpy(out + n, val + off, vl - off);
  *len = n + vl - off;
  return 0;
}

int store__unpack(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *val,
                  uint8_t *out, size_t cap, size_t *len)
{
  return unpack(s, txn, key, val, out, cap, len, 0);
}

int store__unpack_ro(struct store *s, MDB_txn *txn, const MDB_val *key, const MDB_val *val,
                     uint8_t *out, size_t cap, size_t *len)
{
  return unpack(s, txn, key, val, out, cap, len, 1);
}

int store__peek(const uint8_t *val, size_t vl, struct store__peeked *out)
{
  uint32_t author = 0, n;
  uint64_t u;
  size_t off = 0;
  int form = packed_form(val, vl, &author, &out->coll_num, &off);
  if (form < 0)
    return form;
  struct crdt_mp r;
  crdt_mp_init(&r, val + off, vl - off);
  out->packed = form == PACK_V1;
  out->coll = NULL;
  out->cl = 0;
  if (form == PACK_RAW) {
    const char *sc;
    const uint8_t *b;
    if (crdt_mp_array(&r, &n) || crdt_mp_array(&r, &n) || crdt_mp_uint(&r, &u) ||
        crdt_mp_bin(&r, &b, &n) || crdt_mp_str(&r, &sc, &n) || crdt_mp_uint(&r, &u) ||
        crdt_mp_str(&r, &out->coll, &out->cl))
      return LINLI_ECORRUPT;
  }
  const char *key;
  uint32_t kl;
  if (crdt_mp_str(&r, &key, &kl) || crdt_mp_uint(&r, &u))
    return LINLI_ECORRUPT;
  out->kind = (int)u;
  return 0;
}

int store__coll_number(struct store *s, MDB_txn *txn, const void *coll, size_t cl, uint32_t *num)
{
  uint8_t k[1 + CRDT_COLLECTION_MAX];
  if (cl > CRDT_COLLECTION_MAX)
    return LINLI_ENOTFOUND;
  k[0] = 'c';
  memcpy(k + 1, coll, cl);
  MDB_val key = {1 + cl, k}, val;
  int rc = mdb_get(txn, s->names, &key, &val);
  if (rc)
    return store__err(rc);
  if (val.mv_size != 4)
    return LINLI_ECORRUPT;
  *num = get_be32(val.mv_data);
  return 0;
}
