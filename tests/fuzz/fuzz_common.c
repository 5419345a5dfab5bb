/* Helpers shared by the fuzz targets, the replay program and the corpus
 * generator. See fuzz.h. */
#include <sodium.h>
#include <string.h>

#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *what)
{
  fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  abort();
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
  if (in->n == 0)
    return 0;
  in->n--;
  return *in->p++;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
  uint16_t hi = fuzz_u8(in);
  return (uint16_t)(hi << 8 | fuzz_u8(in));
}

uint64_t fuzz_u64(struct fuzz_in *in)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | fuzz_u8(in);
  return v;
}

int fuzz_chunk(struct fuzz_in *in, const uint8_t **p, size_t *len)
{
  if (in->n == 0)
    return 0;
  size_t n = fuzz_u16(in);
  if (n > in->n)
    n = in->n;
  *p = in->p;
  *len = n;
  in->p += n;
  in->n -= n;
  return 1;
}

void fuzz_put_chunk(FILE *f, const uint8_t *p, size_t len)
{
  fputc((int)(len >> 8) & 0xff, f);
  fputc((int)len & 0xff, f);
  fwrite(p, 1, len, f);
}

static struct crdt_identity fuzz__ids[3];

void fuzz_init(void)
{
  static int done;
  if (done)
    return;
  FUZZ_ASSERT(crdt_init() == 0);
  for (unsigned i = 0; i < 3; i++) {
    uint8_t seed[CRDT_SEED_BYTES];
    memset(seed, (int)i + 1, sizeof seed);
    FUZZ_ASSERT(crdt_identity_from_seed(&fuzz__ids[i], seed) == 0);
  }
  done = 1;
}

const struct crdt_identity *fuzz_identity(unsigned i)
{
  return &fuzz__ids[i % 3];
}

size_t fuzz_bundle_base_op(unsigned i, uint8_t out[CRDT_OP_MAX_BYTES])
{
  static const struct {
    const char *scope, *coll, *key;
    enum crdt_kind kind;
    const char *field, *value; /* value NULL: the counter 100 */
  } B[FUZZ_BUNDLE_BASE_OPS] = {
      {"shihua", "resident", "r-000123", CRDT_SET, "household", "hh-0041"},
      {"shihua", "household", "hh-0042", CRDT_ADD, "members", "r-000999"},
      {"shihua", "supply_stock", "vegetables", CRDT_COUNTER, "stock_kg", NULL},
      {"baibuting", "resident", "r-000200", CRDT_SET, "name", "x"},
  };
  static struct crdt_identity who;
  static int have;
  uint8_t body[128], seed[CRDT_SEED_BYTES];
  struct crdt_buf b;
  struct crdt_op op;
  size_t len;
  FUZZ_ASSERT(i < FUZZ_BUNDLE_BASE_OPS);
  if (!have) {
    memset(seed, 4, sizeof seed);
    FUZZ_ASSERT(crdt_identity_from_seed(&who, seed) == 0);
    have = 1;
  }
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, B[i].field);
  if (B[i].kind == CRDT_ADD)
    crdt_w_array(&b, 1);
  if (B[i].value)
    crdt_w_cstr(&b, B[i].value);
  else
    crdt_w_int(&b, 100);
  FUZZ_ASSERT(crdt_buf_err(&b) == 0);
  struct crdt_draft d = {B[i].scope, B[i].coll, B[i].key,
                         CRDT_HLC_MAKE(FUZZ_BASE_MS - 60000 + i * 1000, 0), B[i].kind, body, b.len,
                         NULL, 0};
  FUZZ_ASSERT(crdt_op_sign(&d, &who, out, CRDT_OP_MAX_BYTES, &len, &op) == 0);
  return len;
}

static void fuzz__id(uint32_t i, uint8_t id[NET_ID_BYTES])
{
  uint8_t in[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
  crypto_generichash(id, NET_ID_BYTES, in, sizeof in, (const uint8_t *)"linli-fuzz", 10);
}

/* Groups of four: two items share an hlc, the next two share its ms. */
void fuzz_store_item(uint32_t i, struct net_item *x)
{
  static const uint16_t ctr[4] = {0, 0, 1, 2};
  x->hlc = CRDT_HLC_MAKE(FUZZ_BASE_MS + (uint64_t)(i / 4) * 250, ctr[i % 4]);
  fuzz__id(i, x->id);
}

struct net_memstore *fuzz_store_new(int (*keep)(uint32_t i, void *arg), void *arg,
                                    uint32_t extra)
{
  struct net_memstore *m = net_memstore_new();
  struct net_item x;
  FUZZ_ASSERT(m);
  for (uint32_t i = 0; i < FUZZ_STORE_ITEMS; i++) {
    if (keep && !keep(i, arg))
      continue;
    fuzz_store_item(i, &x);
    FUZZ_ASSERT(net_memstore_add(m, x.hlc, x.id) == 1);
  }
  for (uint32_t j = 0; j < extra; j++) {
    fuzz__id(0x80000000u + j, x.id);
    x.hlc = CRDT_HLC_MAKE(FUZZ_BASE_MS + (uint64_t)j * 1000 + 125, 0);
    FUZZ_ASSERT(net_memstore_add(m, x.hlc, x.id) == 1);
  }
  return m;
}
