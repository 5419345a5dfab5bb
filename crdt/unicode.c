/* The text rule of record keys (docs/protocol.md 3.3): no refused code point
 * (control, format, default-ignorable, unassigned, line/paragraph separator)
 * and Unicode NFC. The tables come from crdt/unicode_gen.py; the NFC test is
 * UAX #15's quick check, with a full normalisation when a code point is
 * NFC_Quick_Check = Maybe. Allocates nothing; keys are at most 128 bytes. */
#include <stddef.h>
#include <string.h>

#include "crdt.h"
#include "unicode_tables.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* A canonical decomposition is at most 4 code points (Hangul: 3). */
#define DECOMP_MAX 4

/* Hangul syllables (Unicode 3.12, "Conjoining Jamo Behavior"). */
#define H_SBASE 0xAC00u
#define H_LBASE 0x1100u
#define H_VBASE 0x1161u
#define H_TBASE 0x11A7u
#define H_LCOUNT 19u
#define H_VCOUNT 21u
#define H_TCOUNT 28u
#define H_NCOUNT (H_VCOUNT * H_TCOUNT)
#define H_SCOUNT (H_LCOUNT * H_NCOUNT)

/* The row of table t (n rows, sorted by column 0) whose [row[0], row[hi]]
 * holds c, or NULL. hi = 0 for a table of single code points. */
static const uint32_t *find(const uint32_t *t, size_t n, size_t stride, size_t hi, uint32_t c)
{
  size_t lo = 0, up = n;
  while (lo < up) {
    size_t mid = lo + (up - lo) / 2;
    const uint32_t *r = t + mid * stride;
    if (c < r[0])
      up = mid;
    else if (c > r[hi])
      lo = mid + 1;
    else
      return r;
  }
  return NULL;
}

#define FIND(tab, hi, c) find(&(tab)[0][0], N_OF(tab), N_OF((tab)[0]), (hi), (c))

static unsigned ccc_of(uint32_t c)
{
  const uint32_t *r = FIND(uni_ccc, 1, c);
  return r ? r[2] : 0;
}

/* The primary composite of a and b, or 0. */
static uint32_t compose(uint32_t a, uint32_t b)
{
  if (a >= H_LBASE && a < H_LBASE + H_LCOUNT && b >= H_VBASE && b < H_VBASE + H_VCOUNT)
    return H_SBASE + ((a - H_LBASE) * H_VCOUNT + (b - H_VBASE)) * H_TCOUNT;
  if (a >= H_SBASE && a < H_SBASE + H_SCOUNT && (a - H_SBASE) % H_TCOUNT == 0 && b > H_TBASE &&
      b < H_TBASE + H_TCOUNT)
    return a + (b - H_TBASE);
  size_t lo = 0, hi = N_OF(uni_comp);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const uint32_t *e = uni_comp[mid];
    if (a < e[0] || (a == e[0] && b < e[1]))
      hi = mid;
    else if (a > e[0] || b > e[1])
      lo = mid + 1;
    else
      return e[2];
  }
  return 0;
}

/* Appends the full canonical decomposition of c to out; -1 if it does not fit. */
static int decompose(uint32_t c, uint32_t *out, size_t *n, size_t cap)
{
  if (c >= H_SBASE && c < H_SBASE + H_SCOUNT) {
    uint32_t s = c - H_SBASE, t = s % H_TCOUNT;
    if (*n + 3 > cap)
      return -1;
    out[(*n)++] = H_LBASE + s / H_NCOUNT;
    out[(*n)++] = H_VBASE + (s % H_NCOUNT) / H_TCOUNT;
    if (t)
      out[(*n)++] = H_TBASE + t;
    return 0;
  }
  const uint32_t *d = FIND(uni_decomp, 0, c);
  if (!d) {
    if (*n + 1 > cap)
      return -1;
    out[(*n)++] = c;
    return 0;
  }
  if (decompose(d[1], out, n, cap))
    return -1;
  return d[2] ? decompose(d[2], out, n, cap) : 0;
}

/* 1 if cp[0..n) is equal to its NFC (UAX #15: decompose, reorder, compose). */
static int is_nfc_full(const uint32_t *cp, size_t n)
{
  uint32_t d[CRDT_KEY_MAX * DECOMP_MAX];
  size_t nd = 0;
  for (size_t i = 0; i < n; i++)
    if (decompose(cp[i], d, &nd, N_OF(d)))
      return 0; /* cannot happen for n <= 128; refuse rather than guess */
  /* Canonical ordering: a stable sort by combining class of each run of
   * non-starters (insertion sort: runs are short). */
  for (size_t i = 1; i < nd; i++) {
    unsigned cc = ccc_of(d[i]);
    if (!cc)
      continue;
    for (size_t j = i; j > 0; j--) {
      unsigned pc = ccc_of(d[j - 1]);
      if (!pc || pc <= cc)
        break;
      uint32_t t = d[j];
      d[j] = d[j - 1];
      d[j - 1] = t;
    }
  }
  /* Canonical composition, in place: out[0..no) is the result so far. */
  size_t no = 0, starter = 0;
  int have_starter = 0;
  unsigned last_cc = 0;
  for (size_t i = 0; i < nd; i++) {
    uint32_t c = d[i];
    unsigned cc = ccc_of(c);
    if (have_starter && (no - 1 == starter || (last_cc && last_cc < cc))) {
      uint32_t k = compose(d[starter], c);
      if (k) {
        d[starter] = k;
        continue;
      }
    }
    if (!cc) {
      starter = no;
      have_starter = 1;
    }
    last_cc = cc;
    d[no++] = c;
  }
  return no == n && memcmp(d, cp, n * sizeof *cp) == 0;
}

/* Decodes well-formed UTF-8 (checked before) into code points. */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *out)
{
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    uint8_t b = s[i];
    uint32_t c;
    int k;
    if (b < 0x80) {
      c = b;
      k = 0;
    } else if (b < 0xe0) {
      c = b & 0x1f;
      k = 1;
    } else if (b < 0xf0) {
      c = b & 0x0f;
      k = 2;
    } else {
      c = b & 0x07;
      k = 3;
    }
    i++;
    while (k-- > 0)
      c = (c << 6) | (s[i++] & 0x3f);
    out[n++] = c;
  }
  return n;
}

const char *crdt_unicode_version(void)
{
  return UNI_VERSION;
}

/* 0 or the code of crdt_check_key; *why the sentence for a person. */
static int key_check(const char *s, size_t len, const char **why)
{
  uint32_t cp[CRDT_KEY_MAX];
  *why = NULL;
  if (len == 0) {
    *why = "is empty";
    return LINLI_ENAME;
  }
  if (len > CRDT_KEY_MAX) {
    *why = "is longer than 128 bytes";
    return LINLI_ETOOBIG;
  }
  if (!crdt_utf8_valid((const uint8_t *)s, len)) {
    *why = "is not valid UTF-8";
    return LINLI_EUTF8;
  }
  size_t n = utf8_decode((const uint8_t *)s, len, cp);
  unsigned last_cc = 0;
  int maybe = 0;
  for (size_t i = 0; i < n; i++) {
    if (FIND(uni_refused, 1, cp[i])) {
      *why = FIND(uni_decomp, 0, cp[i]) ? "is not in Unicode NFC (composed form): normalise it first"
                              : "holds a control, format, invisible or unassigned character, or "
                                "a line break";
      return LINLI_ENAME;
    }
    unsigned cc = ccc_of(cp[i]);
    if (cc && last_cc > cc) {
      *why = "is not in Unicode NFC (combining marks out of order): normalise it first";
      return LINLI_ENAME;
    }
    last_cc = cc;
    maybe |= FIND(uni_maybe, 1, cp[i]) != NULL;
  }
  if (maybe && !is_nfc_full(cp, n)) {
    *why = "is not in Unicode NFC (composed form): normalise it first";
    return LINLI_ENAME;
  }
  return 0;
}

int crdt_check_key(const char *s, size_t len)
{
  const char *why;
  return key_check(s, len, &why);
}

const char *crdt_key_problem(const char *s, size_t len)
{
  const char *why;
  return key_check(s, len, &why) ? why : NULL;
}
