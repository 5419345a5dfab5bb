/* The key rule of docs/protocol.md 3.3, checked over the whole code-point set
 * against the Unicode Character Database as Debian's unicode-data ships it
 * (parsed here, at test time, not from crdt/unicode_tables.h):
 *   1. every code point alone, after "石" and before "石": refused iff its
 *      general category is Cc, Cf, Cs, Cn, Zl or Zp, it is
 *      Default_Ignorable_Code_Point, or NFC_Quick_Check = No;
 *   2. every string of NormalizationTest.txt: accepted iff it equals its NFC
 *      (as the file gives it) and holds no refused code point;
 *   3. random strings from combining marks, Hangul jamo and letters that
 *      compose, against a reference NFC written here from UnicodeData.txt;
 *   4. the examples, and the op codec refusing such a key.
 * LINLI_UCD (default /usr/share/unicode) names the folder of the files. */
#include <errno.h>
#include <sodium.h>

#include "crdt.h"
#include "test.h"

#define MAXCP 0x10FFFF
#define NCP (MAXCP + 1)

static uint8_t *refused; /* 1: refused alone by the rule */
static uint8_t *ccc;
static char *qc; /* 'Y', 'M', 'N' */
static uint8_t *excluded;
static int32_t *dec_at; /* index into dec[] or -1 */
static uint32_t dec[4096][2], dec_cp[4096];
static int n_dec;
static char ucd_version[32];

static const char *ucd(void)
{
  const char *e = getenv("LINLI_UCD");
  return e ? e : "/usr/share/unicode";
}

static FILE *open_ucd(const char *name)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", ucd(), name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "test_names: cannot open %s (%s): install Debian's unicode-data\n", path,
            strerror(errno));
    exit(1);
  }
  return f;
}

/* "0041..005A ; Prop ; Val # ..." -> lo, hi, fields (trimmed). 0 on comment lines. */
static int prop_line(char *line, uint32_t *lo, uint32_t *hi, char **f1, char **f2)
{
  char *h = strchr(line, '#');
  if (h)
    *h = 0;
  char *semi = strchr(line, ';');
  if (!semi)
    return 0;
  *semi = 0;
  char *dots = strstr(line, "..");
  *lo = (uint32_t)strtoul(line, NULL, 16);
  *hi = dots ? (uint32_t)strtoul(dots + 2, NULL, 16) : *lo;
  char *a = semi + 1, *b = strchr(a, ';');
  if (b)
    *b++ = 0;
  while (*a == ' ')
    a++;
  for (char *e = a + strlen(a); e > a && (e[-1] == ' ' || e[-1] == '\n');)
    *--e = 0;
  if (b) {
    while (*b == ' ')
      b++;
    for (char *e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\n');)
      *--e = 0;
  }
  *f1 = a;
  *f2 = b;
  return 1;
}

static void header_version(FILE *f, char *out, size_t cap)
{
  char line[256];
  out[0] = 0;
  if (fgets(line, sizeof line, f)) {
    char *d = strrchr(line, '-'), *t = d ? strstr(d, ".txt") : NULL;
    if (d && t && (size_t)(t - d - 1) < cap) {
      memcpy(out, d + 1, (size_t)(t - d - 1));
      out[t - d - 1] = 0;
    }
  }
}

static void load(void)
{
  char line[1024];
  refused = calloc(NCP, 1);
  ccc = calloc(NCP, 1);
  qc = malloc(NCP);
  excluded = calloc(NCP, 1);
  dec_at = malloc(NCP * sizeof *dec_at);
  REQUIRE(refused && ccc && qc && excluded && dec_at);
  memset(qc, 'Y', NCP);
  for (uint32_t c = 0; c < NCP; c++) {
    dec_at[c] = -1;
    refused[c] = 1; /* Cn until UnicodeData says otherwise */
  }

  FILE *f = open_ucd("UnicodeData.txt");
  uint32_t first = 0;
  int in_range = 0;
  while (fgets(line, sizeof line, f)) {
    char *fld[15] = {0};
    int n = 0;
    for (char *p = line; n < 15 && p; n++) {
      fld[n] = p;
      p = strchr(p, ';');
      if (p)
        *p++ = 0;
    }
    REQUIRE(n >= 6);
    uint32_t cp = (uint32_t)strtoul(fld[0], NULL, 16);
    size_t nl = strlen(fld[1]);
    if (nl > 6 && !strcmp(fld[1] + nl - 6, "First>")) {
      first = cp;
      in_range = 1;
      continue;
    }
    uint32_t lo = in_range ? first : cp;
    in_range = 0;
    const char *gc = fld[2];
    int bad = !strcmp(gc, "Cc") || !strcmp(gc, "Cf") || !strcmp(gc, "Cs") || !strcmp(gc, "Zl") ||
              !strcmp(gc, "Zp");
    for (uint32_t c = lo; c <= cp; c++) {
      refused[c] = (uint8_t)bad;
      ccc[c] = (uint8_t)atoi(fld[3]);
    }
    if (fld[5][0] && fld[5][0] != '<') {
      char *e;
      REQUIRE(n_dec < 4096);
      dec[n_dec][0] = (uint32_t)strtoul(fld[5], &e, 16);
      dec[n_dec][1] = (uint32_t)strtoul(e, NULL, 16);
      dec_cp[n_dec] = cp;
      dec_at[cp] = n_dec++;
    }
  }
  fclose(f);

  char v1[32], v2[32];
  f = open_ucd("DerivedCoreProperties.txt");
  header_version(f, v1, sizeof v1);
  while (fgets(line, sizeof line, f)) {
    uint32_t lo, hi;
    char *a, *b;
    if (prop_line(line, &lo, &hi, &a, &b) && !strcmp(a, "Default_Ignorable_Code_Point"))
      for (uint32_t c = lo; c <= hi; c++)
        refused[c] = 1;
  }
  fclose(f);
  f = open_ucd("DerivedNormalizationProps.txt");
  header_version(f, v2, sizeof v2);
  while (fgets(line, sizeof line, f)) {
    uint32_t lo, hi;
    char *a, *b;
    if (!prop_line(line, &lo, &hi, &a, &b))
      continue;
    for (uint32_t c = lo; c <= hi; c++) {
      if (!strcmp(a, "NFC_QC") && b) {
        qc[c] = b[0];
        if (b[0] == 'N')
          refused[c] = 1;
      } else if (!strcmp(a, "Full_Composition_Exclusion")) {
        excluded[c] = 1;
      }
    }
  }
  fclose(f);
  CHECK(!strcmp(v1, v2));
  snprintf(ucd_version, sizeof ucd_version, "%s", v1);
}

/* ---- a reference NFC, written for clarity from UnicodeData.txt ---- */

static size_t ref_decompose(uint32_t c, uint32_t *out, size_t n)
{
  if (c >= 0xAC00 && c <= 0xD7A3) {
    uint32_t s = c - 0xAC00;
    out[n++] = 0x1100 + s / 588;
    out[n++] = 0x1161 + (s % 588) / 28;
    if (s % 28)
      out[n++] = 0x11A7 + s % 28;
    return n;
  }
  if (dec_at[c] < 0) {
    out[n++] = c;
    return n;
  }
  n = ref_decompose(dec[dec_at[c]][0], out, n);
  return dec[dec_at[c]][1] ? ref_decompose(dec[dec_at[c]][1], out, n) : n;
}

static uint32_t ref_compose(uint32_t a, uint32_t b)
{
  if (a >= 0x1100 && a < 0x1113 && b >= 0x1161 && b < 0x1176)
    return 0xAC00 + ((a - 0x1100) * 21 + (b - 0x1161)) * 28;
  if (a >= 0xAC00 && a <= 0xD7A3 && (a - 0xAC00) % 28 == 0 && b > 0x11A7 && b < 0x11C3)
    return a + b - 0x11A7;
  for (int i = 0; i < n_dec; i++) /* slow and plain: this is the reference */
    if (dec[i][0] == a && dec[i][1] == b && !excluded[dec_cp[i]])
      return dec_cp[i];
  return 0;
}

/* NFC of in[0..n) into out; returns its length. */
static size_t ref_nfc(const uint32_t *in, size_t n, uint32_t *out)
{
  uint32_t d[512];
  size_t nd = 0;
  for (size_t i = 0; i < n; i++)
    nd = ref_decompose(in[i], d, nd);
  for (int swapped = 1; swapped;) { /* bubble sort of adjacent non-starters */
    swapped = 0;
    for (size_t i = 1; i < nd; i++)
      if (ccc[d[i]] && ccc[d[i - 1]] > ccc[d[i]]) {
        uint32_t t = d[i];
        d[i] = d[i - 1];
        d[i - 1] = t;
        swapped = 1;
      }
  }
  /* UAX #15 D117: for each character, look back for the last starter; the
   * pair composes if nothing between them blocks it. */
  size_t no = 0;
  for (size_t i = 0; i < nd; i++) {
    uint32_t c = d[i];
    long s = -1;
    for (long j = (long)no - 1; j >= 0; j--)
      if (!ccc[out[j]]) {
        s = j;
        break;
      }
    int blocked = s < 0;
    for (long j = s + 1; !blocked && j < (long)no; j++)
      if (!ccc[out[j]] || ccc[out[j]] >= ccc[c])
        blocked = 1;
    uint32_t k = blocked ? 0 : ref_compose(out[s], c);
    if (k)
      out[s] = k;
    else
      out[no++] = c;
  }
  return no;
}

/* ---- helpers ---- */

static size_t utf8_put(uint32_t c, char *o)
{
  if (c < 0x80) {
    o[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    o[0] = (char)(0xc0 | c >> 6);
    o[1] = (char)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (char)(0xe0 | c >> 12);
    o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[2] = (char)(0x80 | (c & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | c >> 18);
  o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
  o[3] = (char)(0x80 | (c & 0x3f));
  return 4;
}

static size_t utf8_of(const uint32_t *cp, size_t n, char *o)
{
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += utf8_put(cp[i], o + len);
  return len;
}

static int expect_of(const uint32_t *cp, size_t n, int nfc)
{
  char buf[2048];
  size_t len = utf8_of(cp, n, buf);
  if (len > CRDT_KEY_MAX)
    return LINLI_ETOOBIG;
  for (size_t i = 0; i < n; i++)
    if (refused[cp[i]])
      return LINLI_ENAME;
  return nfc ? 0 : LINLI_ENAME;
}

static int key_of(const uint32_t *cp, size_t n)
{
  char buf[2048];
  size_t len = utf8_of(cp, n, buf);
  return crdt_check_key(buf, len);
}

/* ---- 1. every code point ---- */

static void every_code_point(void)
{
  long bad = 0, n_refused = 0;
  const uint32_t shi = 0x77F3; /* 石: composes with nothing */
  for (uint32_t c = 0; c <= MAXCP; c++) {
    if (c >= 0xD800 && c <= 0xDFFF)
      continue; /* not encodable in UTF-8: EUTF8, checked in test_op */
    int want = refused[c] ? LINLI_ENAME : 0;
    uint32_t s1[1] = {c}, s2[2] = {shi, c}, s3[2] = {c, shi};
    int got1 = key_of(s1, 1), got2 = key_of(s2, 2), got3 = key_of(s3, 2);
    n_refused += refused[c];
    if (got1 != want || got2 != want || got3 != want) {
      if (bad++ < 20)
        fprintf(stderr, "U+%04X: want %d, got %d / %d / %d\n", (unsigned)c, want, got1, got2,
                got3);
    }
    /* A Maybe code point after the first element of a pair it composes
     * with is not NFC. */
  }
  printf("every code point: %ld refused alone, %ld disagreements\n", n_refused, bad);
  CHECK_EQ(bad, 0);
  CHECK(n_refused > 800000); /* Cn alone is most of the space: the tables were read */
}

/* Every primary composite: "a b" is not NFC, c is. */
static void every_composite(void)
{
  long bad = 0, n = 0;
  for (uint32_t c = 0; c <= MAXCP; c++) {
    if (dec_at[c] < 0 || !dec[dec_at[c]][1] || excluded[c])
      continue;
    uint32_t pair[2] = {dec[dec_at[c]][0], dec[dec_at[c]][1]}, one[1] = {c};
    uint32_t nfc[8];
    size_t nn = ref_nfc(pair, 2, nfc);
    n++;
    if (nn != 1 || nfc[0] != c || key_of(pair, 2) != LINLI_ENAME ||
        key_of(one, 1) != (refused[c] ? LINLI_ENAME : 0)) {
      if (bad++ < 20)
        fprintf(stderr, "composite U+%04X: pair %d\n", (unsigned)c, key_of(pair, 2));
    }
  }
  printf("primary composites: %ld, %ld disagreements\n", n, bad);
  CHECK(n > 900);
  CHECK_EQ(bad, 0);
}

/* ---- 2. NormalizationTest.txt ---- */

static size_t parse_cps(const char *s, uint32_t *out, size_t cap)
{
  size_t n = 0;
  char *e;
  while (*s == ' ')
    s++;
  while (*s && n < cap) {
    out[n++] = (uint32_t)strtoul(s, &e, 16);
    if (e == s)
      break;
    s = e;
    while (*s == ' ')
      s++;
  }
  return n;
}

static void normalization_test(void)
{
  char cmd[600], line[2048];
  snprintf(cmd, sizeof cmd, "bzcat '%s/NormalizationTest.txt.bz2' 2>/dev/null || cat '%s/NormalizationTest.txt'",
           ucd(), ucd());
  FILE *p = popen(cmd, "r");
  REQUIRE(p);
  long lines = 0, strings = 0, bad = 0, ref_bad = 0;
  while (fgets(line, sizeof line, p)) {
    if (line[0] == '#' || line[0] == '@')
      continue;
    uint32_t col[5][64];
    size_t n[5];
    char *f = line;
    int k;
    for (k = 0; k < 5; k++) {
      char *semi = strchr(f, ';');
      if (!semi)
        break;
      *semi = 0;
      n[k] = parse_cps(f, col[k], 64);
      f = semi + 1;
    }
    if (k < 5)
      continue;
    lines++;
    /* NFC(c1) = NFC(c2) = NFC(c3) = c2, NFC(c4) = NFC(c5) = c4. */
    for (k = 0; k < 5; k++) {
      int nfc_of = k < 3 ? 1 : 3;
      int is_nfc = n[k] == n[nfc_of] && !memcmp(col[k], col[nfc_of], n[k] * sizeof(uint32_t));
      int want = expect_of(col[k], n[k], is_nfc), got = key_of(col[k], n[k]);
      strings++;
      if (want != got && bad++ < 20)
        fprintf(stderr, "NormalizationTest line %ld column %d: want %d got %d\n", lines, k + 1,
                want, got);
      uint32_t r[512];
      size_t nr = ref_nfc(col[k], n[k], r);
      if ((nr != n[nfc_of] || memcmp(r, col[nfc_of], nr * sizeof(uint32_t))) && ref_bad++ < 5)
        fprintf(stderr, "reference NFC disagrees with NormalizationTest line %ld\n", lines);
    }
  }
  pclose(p);
  printf("NormalizationTest.txt: %ld lines, %ld strings, %ld disagreements\n", lines, strings, bad);
  CHECK(lines > 15000);
  CHECK_EQ(bad, 0);
  CHECK_EQ(ref_bad, 0); /* the reference of part 3 is itself right */
}

/* ---- 3. generated strings ---- */

static void generated(uint64_t seed)
{
  /* Letters that start compositions, combining marks of several classes
   * (including ones that compose only in some orders), Hangul L/V/T jamo
   * and syllables, a Maybe mark that composes with few letters. */
  static const uint32_t pool[] = {
    0x41,   0x61,   0x45,   0x65,   0x4f,   0x6f,   0x55,   0x75,   0xc5,   0xe9,   0x1ea0,
    0x300,  0x301,  0x302,  0x303,  0x308,  0x323,  0x327,  0x328,  0x31b,  0x345,  0x3b1,
    0x3b7,  0x1f00, 0x1100, 0x1112, 0x1161, 0x1175, 0x11a8, 0x11c2, 0xac00, 0xd55c, 0x3099,
    0x304b, 0x306f, 0x9f8,  0x9be,  0x9c7,  0xb47,  0xb3e,  0xb57,  0x5d0,  0x5b4,  0x64e,
    0x77f3, 0x20,   0x2d,   0x338,  0x3c,   0x1b05, 0x1b35, 0x110a5, 0x110ba, 0x11099};
  struct test_rng rng = {seed};
  long bad = 0, accepted = 0;
  for (int t = 0; t < 20000; t++) {
    uint32_t s[8], r[512];
    size_t n = 1 + test_below(&rng, 6);
    for (size_t i = 0; i < n; i++)
      s[i] = pool[test_below(&rng, sizeof pool / sizeof pool[0])];
    size_t nr = ref_nfc(s, n, r);
    int is_nfc = nr == n && !memcmp(r, s, n * sizeof *s);
    int want = expect_of(s, n, is_nfc), got = key_of(s, n);
    accepted += got == 0;
    if (want != got && bad++ < 20) {
      fprintf(stderr, "generated #%d: want %d got %d:", t, want, got);
      for (size_t i = 0; i < n; i++)
        fprintf(stderr, " U+%04X", (unsigned)s[i]);
      fprintf(stderr, "\n");
    }
  }
  printf("generated: 20000 strings, %ld accepted, %ld disagreements\n", accepted, bad);
  CHECK_EQ(bad, 0);
  CHECK(accepted > 1000 && accepted < 19000); /* both verdicts were exercised */
}

/* ---- 4. the examples and the op codec ---- */

static void examples(void)
{
  static const struct {
    const char *s;
    int want;
  } ex[] = {
    {"r-000123", 0},
    {"\xe7\x9f\xb3\xe5\x8c\x96 7-3-201", 0},         /* 石化 7-3-201 */
    {"a\xd8\x9c" "b", LINLI_ENAME},                 /* U+061C ARABIC LETTER MARK (Cf) */
    {"a\xe2\x81\xa0" "b", LINLI_ENAME},             /* U+2060 WORD JOINER (Cf, DI) */
    {"a\xc2\xad" "b", LINLI_ENAME},                 /* U+00AD SOFT HYPHEN (Cf, DI) */
    {"a\xe2\x80\xa8" "b", LINLI_ENAME},             /* U+2028 LINE SEPARATOR (Zl) */
    {"a\xe2\x80\xa9" "b", LINLI_ENAME},             /* U+2029 PARAGRAPH SEPARATOR (Zp) */
    {"a\xe1\x85\x9f" "b", LINLI_ENAME},             /* U+115F HANGUL CHOSEONG FILLER (DI, Lo) */
    {"a\xe3\x85\xa4" "b", LINLI_ENAME},             /* U+3164 HANGUL FILLER (DI, Lo) */
    {"a\xef\xb8\x8f", LINLI_ENAME},                 /* U+FE0F VARIATION SELECTOR-16 (DI) */
    {"a\xf3\xa0\x80\x81", LINLI_ENAME},             /* U+E0001 LANGUAGE TAG (Cf) */
    {"a\xcd\x8f" "b", LINLI_ENAME},                 /* U+034F COMBINING GRAPHEME JOINER (DI) */
    {"a\xef\xbf\xbe", LINLI_ENAME},                 /* U+FFFE noncharacter (Cn) */
    {"a\xcd\xb8", LINLI_ENAME},                     /* U+0378 unassigned in 15.0 (Cn) */
    {"Jos\xc3\xa9", 0},                             /* José, NFC */
    {"Jose\xcc\x81", LINLI_ENAME},                  /* José, NFD */
    {"\xed\x95\x9c", 0},                            /* 한 U+D55C */
    {"\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", LINLI_ENAME}, /* 한 as jamo (NFD) */
    {"\xe2\x84\xab", LINLI_ENAME},                  /* U+212B ANGSTROM SIGN (NFC_QC=No) */
    {"\xc3\x85", 0},                                /* U+00C5, its NFC */
    {"\xe1\xba\xa0\xcc\x82", LINLI_ENAME},          /* Ạ + ̂ composes to Ậ */
    {"\xe1\xba\xac", 0},                            /* Ậ */
    {"a\xcc\xa3\xcc\x81", LINLI_ENAME},             /* a + dot below + acute: NFC is U+1EA1 U+0301 */
    {"\xe1\xba\xa1\xcc\x81", 0},                     /* U+1EA1 U+0301, its NFC */
    {"x\xcc\x81\xcc\xa3", LINLI_ENAME},             /* marks out of canonical order */
    {"x\xcc\xa3\xcc\x81", 0},                       /* in order, nothing composes with x */
    {"a\xc2\xa0" "b", 0},                           /* no-break space: visible enough */
    {"\xee\x80\x80", 0},                            /* U+E000 private use: allowed */
  };
  for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
    int got = crdt_check_key(ex[i].s, strlen(ex[i].s));
    if (got != ex[i].want)
      fprintf(stderr, "example %zu: want %d got %d\n", i, ex[i].want, got);
    CHECK_EQ(got, ex[i].want);
    CHECK((crdt_key_problem(ex[i].s, strlen(ex[i].s)) == NULL) == (ex[i].want == 0));
  }
  /* The op codec refuses such a key (a receiver's decode, via sign). */
  struct crdt_identity id;
  uint8_t seed[CRDT_SEED_BYTES], out[512], body[16];
  memset(seed, 7, sizeof seed);
  REQUIRE(crdt_identity_from_seed(&id, seed) == 0);
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "a");
  crdt_w_uint(&b, 1);
  struct crdt_draft d = {.scope = "shihua", .hlc = 1, .collection = "resident",
                         .key = "r-1\xe2\x81\xa0", .kind = CRDT_SET, .body = body,
                         .body_len = b.len};
  size_t len;
  CHECK_EQ(crdt_op_sign(&d, &id, out, sizeof out, &len, NULL), LINLI_ENAME);
  d.key = "Jose\xcc\x81";
  CHECK_EQ(crdt_op_sign(&d, &id, out, sizeof out, &len, NULL), LINLI_ENAME);
  d.key = "Jos\xc3\xa9";
  CHECK_EQ(crdt_op_sign(&d, &id, out, sizeof out, &len, NULL), 0);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  load();
  printf("Unicode data %s, tables %s\n", ucd_version, crdt_unicode_version());
  if (strcmp(ucd_version, crdt_unicode_version()))
    fprintf(stderr, "the protocol pins Unicode %s; %s holds %s (see docs/protocol.md 3.3)\n",
            crdt_unicode_version(), ucd(), ucd_version);
  CHECK(!strcmp(ucd_version, crdt_unicode_version()));
  every_code_point();
  every_composite();
  normalization_test();
  generated(test_seed(21));
  examples();
  return test_done("test_names");
}
