/* fuzz_csv: the household and resident rosters of `linli import-csv`
 * (node/roster_csv.h) on any bytes. Input: a byte whose bit 0 picks
 * residents (else households), then the CSV text.
 *
 * The rows are checked against a fixed in-memory store (a crdt_memview, in
 * scope FUZZ_SCOPE) with two live households, SH-C01-1-1-101 (resident r-1)
 * and SH-C01-1-1-102, and a deleted one, SH-C02-2-1-201. The text is parsed
 * from an exact-size copy, so a read past it is caught. Checked:
 * - all or nothing: with any problem there is no row left to write, and
 *   checking never changes the store (its digest stays the same);
 * - every problem names a line of the text (1 to the number of line ends
 *   + 1), a column of the roster or none, and a non-empty reason; they are
 *   all counted, the first ROSTER_PROBLEMS_MAX kept;
 * - an accepted roster holds only rows that pass the checks on their own:
 *   lines after the header in ascending order, required fields present,
 *   every field a valid key, typed fields of their type (an ID number's check character right), keys unique in
 *   the file, a household code that starts with its compound code and
 *   '-', a resident's household live in the store, r-1 only in its own. */
#include <string.h>

#include "fuzz.h"
#include "roster_csv.h"
#include "sample.h"

static struct crdt_memview *store_;
static uint8_t digest_[CRDT_DIGEST_BYTES];

static void fc_digest(uint8_t out[CRDT_DIGEST_BYTES])
{
  struct crdt_view v = crdt_memview_view(store_);
  FUZZ_ASSERT(crdt_view_digest(&v, NULL, 0, out) == 0);
}

/* One signed op on the store: field = text (kind SET) or a tombstone. */
static void fc_put(const char *coll, const char *key, enum crdt_kind kind, const char *f1,
                   const char *v1, const char *f2, const char *v2, uint64_t ms)
{
  uint8_t body[256], out[CRDT_OP_MAX_BYTES];
  struct crdt_buf b;
  struct crdt_op op;
  size_t len;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, (f1 ? 1u : 0u) + (f2 ? 1u : 0u));
  if (f1)
    crdt_w_cstr(&b, f1), crdt_w_cstr(&b, v1);
  if (f2)
    crdt_w_cstr(&b, f2), crdt_w_cstr(&b, v2);
  FUZZ_ASSERT(crdt_buf_err(&b) == 0);
  struct crdt_draft d = {FUZZ_SCOPE, coll, key, CRDT_HLC_MAKE(FUZZ_BASE_MS + ms, 0), kind, body,
                         b.len, NULL, 0};
  FUZZ_ASSERT(crdt_op_sign(&d, fuzz_identity(0), out, sizeof out, &len, &op) == 0);
  FUZZ_ASSERT(crdt_memview_apply(store_, &op) == 1);
}

static void fc_open(void)
{
  if (store_)
    return;
  fuzz_init();
  FUZZ_ASSERT((store_ = crdt_memview_new()) != NULL);
  fc_put("household", "SH-C01-1-1-101", CRDT_SET, "compound", "SH-C01", NULL, NULL, 0);
  fc_put("household", "SH-C01-1-1-102", CRDT_SET, "compound", "SH-C01", NULL, NULL, 1);
  fc_put("household", "SH-C02-2-1-201", CRDT_SET, "compound", "SH-C02", NULL, NULL, 2);
  fc_put("household", "SH-C02-2-1-201", CRDT_TOMBSTONE, NULL, NULL, NULL, NULL, 3);
  fc_put("resident", "r-1", CRDT_SET, "household", "SH-C01-1-1-101", "name", "x", 4);
  fc_digest(digest_);
}

static void fc_problems(const struct roster *r, const char *text, size_t len)
{
  int lines = 1, kept = r->problems < ROSTER_PROBLEMS_MAX ? r->problems : ROSTER_PROBLEMS_MAX;
  for (size_t i = 0; i < len; i++)
    lines += text[i] == '\n' || text[i] == '\r';
  for (int i = 0; i < kept; i++) {
    const struct roster_problem *p = &r->problem[i];
    FUZZ_ASSERT(p->line >= 1 && p->line <= lines);
    FUZZ_ASSERT(p->why[0] && memchr(p->why, 0, sizeof p->why));
    int known = p->col == NULL;
    for (int k = 0; r->cols[k].name && !known; k++)
      known = p->col == r->cols[k].name;
    FUZZ_ASSERT(known);
  }
}

static int fc_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A field of an accepted row, on its own. */
static void fc_field(const struct roster_col *col, const char *s)
{
  int b;
  int64_t y;
  if (!s || !*s) {
    FUZZ_ASSERT(!col->required);
    return;
  }
  FUZZ_ASSERT(crdt_check_key(s, strlen(s)) == 0);
  if (col->type == ROSTER_BOOL)
    FUZZ_ASSERT(roster_bool(s, &b) == 0 && (b == 0 || b == 1));
  if (col->type == ROSTER_YEAR)
    FUZZ_ASSERT(roster_year(s, &y) == 0 && y >= 1880 && y <= 2100);
  if (col->type == ROSTER_ID) {
    char first[18];
    FUZZ_ASSERT(strlen(s) == 18);
    memcpy(first, s, 17);
    first[17] = 0;
    FUZZ_ASSERT(sample_id_check(first) == (s[17] == 'x' ? 'X' : s[17]));
  }
}

static void fc_accepted(const struct roster *r)
{
  int households = !strcmp(r->coll, "household"), prev = 1;
  char **keys = malloc((r->n_rows ? r->n_rows : 1) * sizeof *keys);
  FUZZ_ASSERT(keys);
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct roster_row *row = &r->rows[i];
    FUZZ_ASSERT(row->line > prev);
    prev = row->line;
    for (int k = 0; r->cols[k].name; k++)
      fc_field(&r->cols[k], row->f[k]);
    const char *key = row->f[0], *up = row->f[1];
    size_t ul = strlen(up);
    if (households) {
      FUZZ_ASSERT(strncmp(key, up, ul) == 0 && key[ul] == '-' && key[ul + 1]);
    } else {
      FUZZ_ASSERT(!strcmp(up, "SH-C01-1-1-101") || !strcmp(up, "SH-C01-1-1-102"));
      FUZZ_ASSERT(strcmp(key, "r-1") || !strcmp(up, "SH-C01-1-1-101"));
    }
    keys[i] = row->f[0];
  }
  qsort(keys, r->n_rows, sizeof *keys, fc_cmp);
  for (size_t i = 1; i < r->n_rows; i++)
    FUZZ_ASSERT(strcmp(keys[i - 1], keys[i]) != 0);
  free(keys);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct fuzz_in in = {data, size};
  struct roster r;
  uint8_t after[CRDT_DIGEST_BYTES];
  fc_open();
  const char *what = fuzz_u8(&in) & FUZZ_CSV_RESIDENTS ? "residents" : "households";
  FUZZ_ASSERT(roster_init(&r, what) == 0);
  char *buf = malloc(in.n + 1);
  FUZZ_ASSERT(buf);
  if (in.n)
    memcpy(buf, in.p, in.n);
  FUZZ_ASSERT(roster_parse(&r, buf, in.n) == 0);
  if (!r.problems) {
    struct crdt_view v = crdt_memview_view(store_);
    FUZZ_ASSERT(roster_check(&r, &v, FUZZ_SCOPE) == 0);
  }
  fc_digest(after);
  FUZZ_ASSERT(memcmp(after, digest_, sizeof after) == 0);
  fc_problems(&r, (const char *)in.p, in.n);
  if (r.problems)
    FUZZ_ASSERT(r.n_rows == 0); /* nothing to write */
  else
    fc_accepted(&r);
  roster_release(&r);
  free(buf);
  return 0;
}
