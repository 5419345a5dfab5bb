/* fuzz_mp: the strict msgpack reader. Input: one byte of nesting depth, then
 * msgpack bytes. Canonical means one encoding per value, so whatever the
 * reader accepts must come back byte for byte from the canonical writer. */
#include <string.h>

#include "fuzz.h"

/* Re-encodes one accepted value with the typed readers and the writer. */
static void mp_rewrite(struct crdt_mp *r, struct crdt_buf *b)
{
  uint8_t t = *r->p;
  uint32_t n, kl;
  const char *s;
  const uint8_t *bin;
  if (t == 0xc0) {
    FUZZ_ASSERT(crdt_mp_peek_nil(r) && crdt_mp_nil(r) == 0);
    crdt_w_nil(b);
  } else if (t == 0xc2 || t == 0xc3) {
    int v;
    FUZZ_ASSERT(crdt_mp_bool(r, &v) == 0);
    crdt_w_bool(b, v);
  } else if (t <= 0x7f || (t >= 0xcc && t <= 0xcf)) {
    uint64_t u;
    FUZZ_ASSERT(crdt_mp_uint(r, &u) == 0);
    crdt_w_uint(b, u);
  } else if (t >= 0xe0 || (t >= 0xd0 && t <= 0xd3)) {
    int64_t v;
    FUZZ_ASSERT(crdt_mp_int(r, &v) == 0 && v < 0);
    crdt_w_int(b, v);
  } else if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
    FUZZ_ASSERT(crdt_mp_str(r, &s, &n) == 0 && n <= CRDT_STR_MAX);
    crdt_w_str(b, s, n);
  } else if (t >= 0xc4 && t <= 0xc6) {
    FUZZ_ASSERT(crdt_mp_bin(r, &bin, &n) == 0 && n <= CRDT_STR_MAX);
    crdt_w_bin(b, bin, n);
  } else if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd) {
    FUZZ_ASSERT(crdt_mp_array(r, &n) == 0 && n <= CRDT_COUNT_MAX);
    crdt_w_array(b, n);
    for (uint32_t i = 0; i < n; i++)
      mp_rewrite(r, b);
  } else {
    FUZZ_ASSERT(crdt_mp_map(r, &n) == 0 && n <= CRDT_COUNT_MAX);
    crdt_w_map(b, n);
    for (uint32_t i = 0; i < n; i++) {
      FUZZ_ASSERT(crdt_mp_str(r, &s, &kl) == 0);
      crdt_w_str(b, s, kl);
      mp_rewrite(r, b);
    }
  }
}

/* Each typed reader alone at the start of the input: whatever it accepts it
 * consumed in the one canonical form, and it checked counts against the
 * bytes left. */
static void mp_readers(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n;
  uint64_t u;
  int64_t s;
  int v;
  const char *str;
  const uint8_t *bin;

#define MP_SAME(call, write)                                                \
  do {                                                                      \
    crdt_mp_init(&r, p, len);                                               \
    crdt_buf_init(&b, out, cap);                                            \
    if ((call) == 0) {                                                      \
      write;                                                                \
      FUZZ_ASSERT(crdt_buf_err(&b) == 0);                                   \
      FUZZ_ASSERT(b.len == (size_t)(r.p - p) && memcmp(out, p, b.len) == 0); \
    }                                                                       \
  } while (0)

  MP_SAME(crdt_mp_array(&r, &n), (crdt_w_array(&b, n), FUZZ_ASSERT(n <= crdt_mp_left(&r))));
  MP_SAME(crdt_mp_map(&r, &n),
          (crdt_w_map(&b, n), FUZZ_ASSERT(2 * (uint64_t)n <= crdt_mp_left(&r))));
  MP_SAME(crdt_mp_uint(&r, &u), crdt_w_uint(&b, u));
  MP_SAME(crdt_mp_int(&r, &s), crdt_w_int(&b, s));
  MP_SAME(crdt_mp_bool(&r, &v), crdt_w_bool(&b, v));
  MP_SAME(crdt_mp_nil(&r), crdt_w_nil(&b));
  MP_SAME(crdt_mp_str(&r, &str, &n),
          (FUZZ_ASSERT(crdt_utf8_valid((const uint8_t *)str, n)), crdt_w_str(&b, str, n)));
  MP_SAME(crdt_mp_bin(&r, &bin, &n), crdt_w_bin(&b, bin, n));
#undef MP_SAME
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int depth = data[0] % (CRDT_DEPTH_MAX + 2);
  const uint8_t *p = data + 1;
  size_t len = size - 1;
  size_t cap = len + 16;
  uint8_t *out = malloc(cap);
  FUZZ_ASSERT(out);

  mp_readers(p, len, out, cap);

  struct crdt_mp r;
  crdt_mp_init(&r, p, len);
  if (crdt_mp_value(&r, depth) == 0) {
    size_t used = (size_t)(r.p - p);
    FUZZ_ASSERT(used >= 1 && used <= len);
    /* One level more allowed changes nothing. */
    struct crdt_mp r2;
    crdt_mp_init(&r2, p, len);
    FUZZ_ASSERT(crdt_mp_value(&r2, depth + 1) == 0 && r2.p == r.p);
    /* The walk with the typed readers reproduces the bytes. */
    struct crdt_buf b;
    crdt_buf_init(&b, out, cap);
    crdt_mp_init(&r2, p, used);
    mp_rewrite(&r2, &b);
    FUZZ_ASSERT(crdt_mp_left(&r2) == 0);
    FUZZ_ASSERT(crdt_buf_err(&b) == 0 && b.len == used && memcmp(out, p, used) == 0);
  }
  free(out);
  return 0;
}
