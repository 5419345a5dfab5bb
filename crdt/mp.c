/* Strict msgpack reader and canonical writer. See crdt.h and
 * docs/protocol.md ("Canonical msgpack"). */
#include <msgpack.h>
#include <string.h>

#include "crdt.h"

/* ---- reader ---- */

static int mp__need(const struct crdt_mp *r, size_t n)
{
  return crdt_mp_left(r) >= n ? 0 : LINLI_ETRUNC;
}

static uint64_t mp__be(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

/* Reads a length/count that follows a 1-byte tag: 1, 2 or 4 bytes. */
static int mp__len(struct crdt_mp *r, int n, uint32_t *out)
{
  int rc = mp__need(r, (size_t)n);
  if (rc)
    return rc;
  *out = (uint32_t)mp__be(r->p, n);
  r->p += n;
  return 0;
}

/* Containers: fix form up to 15, 16-bit from 16, 32-bit from 65536. */
static int mp__container(struct crdt_mp *r, uint32_t *count, uint8_t fix, uint8_t t16,
                         uint8_t t32, size_t per_elem)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  uint8_t t = *r->p;
  uint32_t n;
  if ((t & 0xf0) == fix) {
    r->p++;
    n = t & 0x0f;
  } else if (t == t16) {
    r->p++;
    if ((rc = mp__len(r, 2, &n)))
      return rc;
    if (n < 16)
      return LINLI_ENONCANON;
  } else if (t == t32) {
    r->p++;
    if ((rc = mp__len(r, 4, &n)))
      return rc;
    if (n < 65536)
      return LINLI_ENONCANON;
  } else {
    return LINLI_ETYPE;
  }
  /* Every element takes at least one byte: refuse counts the input cannot
   * hold before anyone allocates for them. */
  if ((uint64_t)n * per_elem > crdt_mp_left(r))
    return LINLI_ETRUNC;
  *count = n;
  return 0;
}

int crdt_mp_array(struct crdt_mp *r, uint32_t *count)
{
  return mp__container(r, count, 0x90, 0xdc, 0xdd, 1);
}

int crdt_mp_map(struct crdt_mp *r, uint32_t *count)
{
  return mp__container(r, count, 0x80, 0xde, 0xdf, 2);
}

/* Reads any integer form into (neg, magnitude-as-int64-or-uint64). */
static int mp__integer(struct crdt_mp *r, int *neg, uint64_t *u, int64_t *s)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  uint8_t t = *r->p;
  if (t <= 0x7f) {
    r->p++;
    *neg = 0;
    *u = t;
    return 0;
  }
  if (t >= 0xe0) {
    r->p++;
    *neg = 1;
    *s = (int8_t)t;
    return 0;
  }
  int n;
  switch (t) {
  case 0xcc: case 0xd0: n = 1; break;
  case 0xcd: case 0xd1: n = 2; break;
  case 0xce: case 0xd2: n = 4; break;
  case 0xcf: case 0xd3: n = 8; break;
  default:
    return LINLI_ETYPE;
  }
  r->p++;
  if ((rc = mp__need(r, (size_t)n)))
    return rc;
  uint64_t v = mp__be(r->p, n);
  r->p += n;
  if (t >= 0xcc && t <= 0xcf) {
    static const uint64_t min_u[9] = {0, 0x80, 0x100, 0, 0x10000, 0, 0, 0, UINT64_C(0x100000000)};
    if (v < min_u[n])
      return LINLI_ENONCANON;
    *neg = 0;
    *u = v;
    return 0;
  }
  /* Signed forms are canonical only for negative values that need them. */
  int64_t sv;
  switch (n) {
  case 1: sv = (int8_t)v; break;
  case 2: sv = (int16_t)v; break;
  case 4: sv = (int32_t)v; break;
  default: sv = (int64_t)v; break;
  }
  static const int64_t max_s[9] = {0, -33, -129, 0, -32769, 0, 0, 0, -INT64_C(2147483649)};
  if (sv > max_s[n])
    return LINLI_ENONCANON;
  *neg = 1;
  *s = sv;
  return 0;
}

int crdt_mp_uint(struct crdt_mp *r, uint64_t *v)
{
  int neg = 0;
  uint64_t u = 0;
  int64_t s = 0;
  int rc = mp__integer(r, &neg, &u, &s);
  if (rc)
    return rc;
  if (neg)
    return LINLI_ETYPE;
  *v = u;
  return 0;
}

int crdt_mp_int(struct crdt_mp *r, int64_t *v)
{
  int neg = 0;
  uint64_t u = 0;
  int64_t s = 0;
  int rc = mp__integer(r, &neg, &u, &s);
  if (rc)
    return rc;
  if (neg) {
    *v = s;
    return 0;
  }
  if (u > (uint64_t)INT64_MAX)
    return LINLI_ETOOBIG;
  *v = (int64_t)u;
  return 0;
}

int crdt_mp_bool(struct crdt_mp *r, int *v)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  if (*r->p != 0xc2 && *r->p != 0xc3)
    return LINLI_ETYPE;
  *v = *r->p == 0xc3;
  r->p++;
  return 0;
}

int crdt_mp_nil(struct crdt_mp *r)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  if (*r->p != 0xc0)
    return LINLI_ETYPE;
  r->p++;
  return 0;
}

int crdt_mp_peek_nil(const struct crdt_mp *r)
{
  return crdt_mp_left(r) > 0 && *r->p == 0xc0;
}

static int mp__bytes(struct crdt_mp *r, const uint8_t **b, uint32_t *len, int is_str)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  uint8_t t = *r->p;
  uint32_t n;
  if (is_str && (t & 0xe0) == 0xa0) {
    r->p++;
    n = t & 0x1f;
  } else if (t == (is_str ? 0xd9 : 0xc4)) {
    r->p++;
    if ((rc = mp__len(r, 1, &n)))
      return rc;
    if (is_str && n < 32)
      return LINLI_ENONCANON;
  } else if (t == (is_str ? 0xda : 0xc5)) {
    r->p++;
    if ((rc = mp__len(r, 2, &n)))
      return rc;
    if (n < 256)
      return LINLI_ENONCANON;
  } else if (t == (is_str ? 0xdb : 0xc6)) {
    r->p++;
    if ((rc = mp__len(r, 4, &n)))
      return rc;
    if (n < 65536)
      return LINLI_ENONCANON;
  } else {
    return LINLI_ETYPE;
  }
  if ((rc = mp__need(r, n)))
    return rc;
  if (is_str && !crdt_utf8_valid(r->p, n))
    return LINLI_EUTF8;
  *b = r->p;
  *len = n;
  r->p += n;
  return 0;
}

int crdt_mp_str(struct crdt_mp *r, const char **s, uint32_t *len)
{
  /* Not mp__bytes(r, (const uint8_t **)s, ...): storing through a
   * `const uint8_t **` into a `const char *` object breaks strict aliasing,
   * and gcc -O2 then drops the store (map keys read as NULL). */
  const uint8_t *b = NULL;
  int rc = mp__bytes(r, &b, len, 1);
  if (rc == 0)
    *s = (const char *)b;
  return rc;
}

int crdt_mp_bin(struct crdt_mp *r, const uint8_t **b, uint32_t *len)
{
  return mp__bytes(r, b, len, 0);
}

/* memcmp order, shorter first on a common prefix. */
static int mp__keycmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
  int c = memcmp(a, b, al < bl ? al : bl);
  if (c)
    return c;
  return al < bl ? -1 : al > bl;
}

int crdt_mp_value(struct crdt_mp *r, int depth)
{
  int rc = mp__need(r, 1);
  if (rc)
    return rc;
  uint8_t t = *r->p;
  uint32_t n, len;
  const uint8_t *b;
  if (t == 0xc0 || t == 0xc2 || t == 0xc3) {
    r->p++;
    return 0;
  }
  if (t <= 0x7f || t >= 0xe0 || (t >= 0xcc && t <= 0xd3)) {
    int neg;
    uint64_t u;
    int64_t s;
    return mp__integer(r, &neg, &u, &s);
  }
  if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
    if ((rc = mp__bytes(r, &b, &len, 1)))
      return rc;
    return len > CRDT_STR_MAX ? LINLI_ETOOBIG : 0;
  }
  if (t >= 0xc4 && t <= 0xc6) {
    if ((rc = mp__bytes(r, &b, &len, 0)))
      return rc;
    return len > CRDT_STR_MAX ? LINLI_ETOOBIG : 0;
  }
  if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd) {
    if (depth <= 0)
      return LINLI_EDEPTH;
    if ((rc = crdt_mp_array(r, &n)))
      return rc;
    if (n > CRDT_COUNT_MAX)
      return LINLI_ETOOBIG;
    for (uint32_t i = 0; i < n; i++)
      if ((rc = crdt_mp_value(r, depth - 1)))
        return rc;
    return 0;
  }
  if ((t & 0xf0) == 0x80 || t == 0xde || t == 0xdf) {
    if (depth <= 0)
      return LINLI_EDEPTH;
    if ((rc = crdt_mp_map(r, &n)))
      return rc;
    if (n > CRDT_COUNT_MAX)
      return LINLI_ETOOBIG;
    const char *prev = NULL;
    uint32_t prev_len = 0;
    for (uint32_t i = 0; i < n; i++) {
      const char *k = NULL;
      if ((rc = crdt_mp_str(r, &k, &len)))
        return rc;
      if (len > CRDT_STR_MAX)
        return LINLI_ETOOBIG;
      if (prev && mp__keycmp(prev, prev_len, k, len) >= 0)
        return LINLI_EKEYORDER;
      prev = k;
      prev_len = len;
      if ((rc = crdt_mp_value(r, depth - 1)))
        return rc;
    }
    return 0;
  }
  return LINLI_ETYPE; /* floats, ext, 0xc1 */
}

int crdt_utf8_valid(const uint8_t *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
      n = 2; cp = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3; cp = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4; cp = c & 0x07; min = 0x10000;
    } else {
      return 0;
    }
    if (len - i < n)
      return 0;
    for (size_t j = 1; j < n; j++) {
      if ((s[i + j] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += n;
  }
  return 1;
}

/* ---- writer, on msgpack-c's packer ---- */

static int buf__write(void *data, const char *p, size_t len)
{
  struct crdt_buf *b = data;
  if (len == 0)
    return 0;
  if (b->overflow || len > b->cap - b->len) {
    b->overflow = 1;
    return -1;
  }
  memcpy(b->p + b->len, p, len);
  b->len += len;
  return 0;
}

#define BUF_PACKER(b) \
  msgpack_packer pk; \
  msgpack_packer_init(&pk, (b), buf__write)

void crdt_buf_init(struct crdt_buf *b, void *mem, size_t cap)
{
  b->p = mem;
  b->cap = cap;
  b->len = 0;
  b->overflow = 0;
}

int crdt_buf_err(const struct crdt_buf *b)
{
  return b->overflow ? LINLI_ETOOBIG : 0;
}

void crdt_w_array(struct crdt_buf *b, uint32_t n)
{
  BUF_PACKER(b);
  msgpack_pack_array(&pk, n);
}

void crdt_w_map(struct crdt_buf *b, uint32_t n)
{
  BUF_PACKER(b);
  msgpack_pack_map(&pk, n);
}

void crdt_w_uint(struct crdt_buf *b, uint64_t v)
{
  BUF_PACKER(b);
  msgpack_pack_uint64(&pk, v);
}

void crdt_w_int(struct crdt_buf *b, int64_t v)
{
  BUF_PACKER(b);
  msgpack_pack_int64(&pk, v);
}

void crdt_w_bool(struct crdt_buf *b, int v)
{
  BUF_PACKER(b);
  if (v)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
}

void crdt_w_nil(struct crdt_buf *b)
{
  BUF_PACKER(b);
  msgpack_pack_nil(&pk);
}

void crdt_w_str(struct crdt_buf *b, const char *s, size_t len)
{
  BUF_PACKER(b);
  msgpack_pack_str(&pk, len);
  msgpack_pack_str_body(&pk, s, len);
}

void crdt_w_cstr(struct crdt_buf *b, const char *s)
{
  crdt_w_str(b, s, strlen(s));
}

void crdt_w_bin(struct crdt_buf *b, const void *p, size_t len)
{
  BUF_PACKER(b);
  msgpack_pack_bin(&pk, len);
  msgpack_pack_bin_body(&pk, p, len);
}

void crdt_w_raw(struct crdt_buf *b, const void *p, size_t len)
{
  buf__write(b, p, len);
}
