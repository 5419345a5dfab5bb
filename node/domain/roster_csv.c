/* Household and resident rosters as CSV. Contract: roster_csv.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "roster_csv.h"
#include "sample.h"

const struct roster_col roster_households[] = {
    {"code", 1, ROSTER_KEY},  {"compound", 1, ROSTER_KEY}, {"unit", 0, ROSTER_TEXT},
    {"head", 0, ROSTER_TEXT}, {"phone", 0, ROSTER_PHONE},  {"hardship", 0, ROSTER_BOOL},
    {NULL, 0, 0}};
const struct roster_col roster_residents[] = {
    {"key", 1, ROSTER_KEY},      {"household", 1, ROSTER_KEY}, {"name", 1, ROSTER_TEXT},
    {"id_number", 0, ROSTER_ID}, {"phone", 0, ROSTER_PHONE},   {"birth_year", 0, ROSTER_YEAR},
    {NULL, 0, 0}};

const struct roster_col *roster_columns(const char *what, const char **coll)
{
  if (!strcmp(what, "households"))
    return *coll = "household", roster_households;
  if (!strcmp(what, "residents"))
    return *coll = "resident", roster_residents;
  return NULL;
}

int roster_init(struct roster *r, const char *what)
{
  memset(r, 0, sizeof *r);
  if (!(r->cols = roster_columns(what, &r->coll)))
    return LINLI_EINVAL;
  if (!(r->problem = calloc(ROSTER_PROBLEMS_MAX, sizeof *r->problem)))
    return LINLI_ENOMEM;
  return 0;
}

void roster_release(struct roster *r)
{
  free(r->rows);
  free(r->problem);
  free(r->hkeys);
  free(r->hval);
  memset(r, 0, sizeof *r);
}

__attribute__((format(printf, 4, 5))) static void roster__bad(struct roster *r, int line,
                                                              const char *col, const char *fmt, ...)
{
  if (r->problems++ >= ROSTER_PROBLEMS_MAX)
    return;
  struct roster_problem *p = &r->problem[r->problems - 1];
  va_list ap;
  p->line = line;
  p->col = col;
  va_start(ap, fmt);
  vsnprintf(p->why, sizeof p->why, fmt, ap);
  va_end(ap);
}

/* ---- parsing (in place) ---- */

/* The end of the field at p: the separator (or end) after it, past the
 * closing quote of a quoted field; NULL if its quotes are malformed. */
static char *roster__field_end(char *p, const char *end)
{
  if (p < end && *p == '"') {
    for (p++;; p++) {
      if (p >= end)
        return NULL; /* no closing quote */
      if (*p == '"' && p + 1 < end && p[1] == '"')
        p++; /* a doubled quote */
      else if (*p == '"')
        break;
    }
    p++;
    return p < end && *p != ',' && *p != '\n' && *p != '\r' ? NULL : p;
  }
  while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
    if (*p == '"')
      return NULL;
    p++;
  }
  return p;
}

/* Unquotes the quoted field [p, e) in place (e is past its closing quote);
 * returns the end of its text. Counts its newlines into *line. */
static char *roster__unquote(char *p, const char *e, int *line)
{
  char *w = p;
  for (p++; p < e - 1; p++) {
    if (*p == '"')
      p++; /* of a doubled quote, keep one */
    if (*p == '\n')
      (*line)++;
    *w++ = *p;
  }
  return w;
}

/* Parses one record starting at *pp: returns the field count, 0 at the end,
 * -1 malformed quotes, -2 more than max fields (max <= ROSTER_COLS + 1).
 * The fields are found first and written only when the whole record is
 * good, so a bad record leaves the text as it was (the caller then skips
 * to the next line of it). Each field is unquoted in place and ends in a
 * NUL; f[i] points to it. *line advances past the record's newlines. */
static int roster__record(char **pp, char *end, char **f, int max, int *line)
{
  char *p = *pp, *ends[ROSTER_COLS + 1];
  int n = 0;
  if (p >= end)
    return 0;
  for (char *q = p;; q++) {
    char *e = roster__field_end(q, end);
    if (!e)
      return -1;
    if (n == max)
      return -2;
    f[n] = q, ends[n++] = e;
    q = e;
    if (q >= end || *q != ',')
      break;
  }
  p = ends[n - 1];
  char sep = p < end ? *p : 0;
  for (int i = 0; i < n; i++) {
    char *w = ends[i] > f[i] && *f[i] == '"' ? roster__unquote(f[i], ends[i], line) : ends[i];
    *w = 0; /* safe: w <= ends[i], a separator or the byte after the text */
  }
  if (sep == '\r' && ++p < end && *p == '\n')
    p++;
  else if (sep == '\n')
    p++;
  (*line)++;
  *pp = p;
  return n;
}

/* Names the first line that is not UTF-8; 1 if there is one. */
static int roster__utf8(struct roster *r, const char *p, const char *end)
{
  if (crdt_utf8_valid((const uint8_t *)p, (size_t)(end - p)))
    return 0;
  int l = 1;
  for (const char *q = p; q < end; q++) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    const char *le = nl ? nl : end;
    if (!crdt_utf8_valid((const uint8_t *)q, (size_t)(le - q))) {
      roster__bad(r, l, NULL, "not UTF-8 text");
      return 1;
    }
    l++;
    q = le;
  }
  return 0;
}

/* The header row: maps its columns, names unknown, doubled and missing ones. */
static void roster__header(struct roster *r, char **f, int n, int hl)
{
  int have[ROSTER_COLS] = {0};
  r->ncols = n;
  for (int i = 0; i < n; i++) {
    r->map[i] = -1;
    for (int k = 0; r->cols[k].name; k++)
      if (!strcmp(f[i], r->cols[k].name))
        r->map[i] = k;
    if (r->map[i] < 0)
      roster__bad(r, hl, NULL, "unknown column '%.40s'", f[i]);
    else if (have[r->map[i]]++)
      roster__bad(r, hl, r->cols[r->map[i]].name, "the column is named twice");
  }
  for (int k = 0; r->cols[k].name; k++)
    if (r->cols[k].required && !have[k])
      roster__bad(r, hl, r->cols[k].name, "missing required column");
}

static int roster__add_row(struct roster *r, int line, char **f, int n)
{
  if (r->n_rows == r->cap_rows) {
    size_t cap = r->cap_rows ? 2 * r->cap_rows : 1024;
    struct roster_row *nr = realloc(r->rows, cap * sizeof *nr);
    if (!nr)
      return LINLI_ENOMEM;
    r->rows = nr, r->cap_rows = cap;
  }
  struct roster_row *row = &r->rows[r->n_rows++];
  memset(row, 0, sizeof *row);
  row->line = line;
  for (int i = 0; i < n; i++)
    row->f[r->map[i]] = f[i];
  return 0;
}

/* The records after the header; a bad one is named and skipped. */
static int roster__body(struct roster *r, char *p, char *end, int line)
{
  char *f[ROSTER_COLS + 1];
  for (;;) {
    int rl = line, n = roster__record(&p, end, f, ROSTER_COLS + 1, &line);
    if (n == 0)
      return 0;
    if (n == 1 && !f[0][0])
      continue; /* a blank line */
    if (n < 0) {
      roster__bad(r, rl, NULL, "%s",
                  n == -1 ? "malformed quotes" : "more fields than the header has columns");
      char *nl = memchr(p, '\n', (size_t)(end - p)); /* the record's first line end */
      p = nl ? nl + 1 : end;
      line = rl + 1;
      continue;
    }
    if (n != r->ncols) {
      roster__bad(r, rl, NULL, "%d fields, but the header has %d columns", n, r->ncols);
      continue;
    }
    int rc = roster__add_row(r, rl, f, n);
    if (rc)
      return rc;
  }
}

int roster_parse(struct roster *r, char *buf, size_t len)
{
  char *p = buf, *end = buf + len, *f[ROSTER_COLS];
  int line = 1, rc = 0;
  end[0] = 0; /* the NUL after the last field */
  if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
    p += 3;
  if (roster__utf8(r, p, end))
    goto out;
  int hl = line, n = roster__record(&p, end, f, ROSTER_COLS, &line);
  if (n <= 0) {
    roster__bad(r, hl, NULL, "%s", n == 0 ? "no header row" : "the header row is malformed");
    goto out;
  }
  roster__header(r, f, n, hl);
  if (!r->problems)
    rc = roster__body(r, p, end, line);
out:
  if (r->problems)
    r->n_rows = 0;
  return rc;
}

/* ---- checks ---- */

static int roster__phone(const char *s)
{
  size_t n = strlen(s), digits = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] >= '0' && s[i] <= '9')
      digits++;
    else if (!(s[i] == '+' && i == 0) && s[i] != '-' && s[i] != ' ')
      return 0;
  }
  return digits >= 3 && n <= 24;
}

int roster_bool(const char *s, int *v)
{
  static const char *yes[] = {"true", "yes", "1", "是", NULL}, *no[] = {"false", "no", "0", "否", NULL};
  for (int i = 0; yes[i]; i++)
    if (!strcmp(s, yes[i]))
      return *v = 1, 0;
  for (int i = 0; no[i]; i++)
    if (!strcmp(s, no[i]))
      return *v = 0, 0;
  return -1;
}

int roster_year(const char *s, int64_t *v)
{
  if (strlen(s) != 4)
    return -1;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return *v >= 1880 && *v <= 2100 ? 0 : -1;
}

/* 18 characters, 17 digits and the ISO 7064 MOD 11-2 check character. */
static const char *roster__id_problem(const char *s)
{
  char first[18];
  if (strlen(s) != 18)
    return "bad ID number: it must be 18 characters";
  memcpy(first, s, 17);
  first[17] = 0;
  char want = sample_id_check(first);
  if (!want)
    return "bad ID number: the first 17 characters must be digits";
  if ((s[17] == 'x' ? 'X' : s[17]) != want)
    return "bad ID number: the check character does not match (ISO 7064 MOD 11-2)";
  return NULL;
}

/* Why field s of column col is not accepted, or NULL. */
static const char *roster__field_problem(const struct roster_col *col, const char *s)
{
  int b;
  int64_t y;
  if (crdt_check_key(s, strlen(s)))
    return "wrong type: not 1 to 128 bytes of text without control characters";
  if (col->type == ROSTER_PHONE && !roster__phone(s))
    return "wrong type: not a phone number (digits, +, - and spaces)";
  if (col->type == ROSTER_BOOL && roster_bool(s, &b))
    return "wrong type: not true/false (or yes/no, 1/0)";
  if (col->type == ROSTER_YEAR && roster_year(s, &y))
    return "wrong type: not a year from 1880 to 2100";
  if (col->type == ROSTER_ID)
    return roster__id_problem(s);
  return NULL;
}

/* The fields of one row on their own; 1 if they all pass. */
static int roster__fields_ok(struct roster *r, const struct roster_row *row)
{
  int ok = 1;
  for (int k = 0; r->cols[k].name; k++) {
    const char *s = row->f[k], *why;
    if (!s || !*s) {
      if (r->cols[k].required)
        roster__bad(r, row->line, r->cols[k].name, "missing required field"), ok = 0;
      continue;
    }
    if ((why = roster__field_problem(&r->cols[k], s)))
      roster__bad(r, row->line, r->cols[k].name, "%s", why), ok = 0;
  }
  return ok;
}

static uint64_t roster__hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

/* Returns the row index + 1 already holding key, or 0 after inserting it. */
static size_t roster__seen(struct roster *r, const char *key, size_t row)
{
  size_t i = roster__hash(key) & (r->hcap - 1);
  while (r->hkeys[i]) {
    if (!strcmp(r->hkeys[i], key))
      return r->hval[i];
    i = (i + 1) & (r->hcap - 1);
  }
  r->hkeys[i] = key;
  r->hval[i] = row + 1;
  return 0;
}

struct roster__found {
  int found, deleted;
  char household[CRDT_KEY_MAX + 1];
};

static int roster__on_record(void *arg, const struct record *rec)
{
  struct roster__found *s = arg;
  s->found = 1;
  s->deleted = rec->deleted;
  if (record_str(rec, "household", s->household, sizeof s->household))
    s->household[0] = 0;
  return 0;
}

static int roster__lookup(const struct crdt_view *v, const char *scope, const char *coll,
                          const char *key, struct roster__found *out)
{
  memset(out, 0, sizeof *out);
  if (!v)
    return 0;
  int rc = record_each(v, scope, coll, key, roster__on_record, out);
  if (out->deleted)
    out->found = 0;
  return rc < 0 ? rc : 0;
}

/* A household row whose fields passed: its code and its place in the file. */
static void roster__household(struct roster *r, const struct roster_row *row, size_t dup)
{
  const char *key = row->f[0];
  size_t cl = strlen(row->f[1]);
  if (strncmp(key, row->f[1], cl) || key[cl] != '-' || !key[cl + 1])
    roster__bad(r, row->line, "code", "the code must be the compound code, '-' and building-unit-room");
  if (dup)
    roster__bad(r, row->line, "code", "the same household code is on line %d", r->rows[dup - 1].line);
}

/* A resident row whose fields passed: its household, in the file and in v. */
static int roster__resident(struct roster *r, const struct roster_row *row, size_t dup,
                            const struct crdt_view *v, const char *scope)
{
  const char *key = row->f[0], *hh = row->f[1];
  struct roster__found sc;
  int rc;
  if ((rc = roster__lookup(v, scope, "household", hh, &sc)))
    return rc;
  if (!sc.found)
    roster__bad(r, row->line, "household", "unknown household (not in the store nor earlier in the file)");
  if (dup && strcmp(r->rows[dup - 1].f[1], hh))
    roster__bad(r, row->line, "key", "a resident in two households: an earlier line puts this "
                                     "resident in another household");
  else if (dup)
    roster__bad(r, row->line, "key", "the same resident is on an earlier line");
  if ((rc = roster__lookup(v, scope, "resident", key, &sc)))
    return rc;
  if (sc.found && sc.household[0] && strcmp(sc.household, hh))
    roster__bad(r, row->line, "household", "a resident in two households: the store has this "
                                           "resident in another household");
  return 0;
}

int roster_check(struct roster *r, const struct crdt_view *v, const char *scope)
{
  int households = !strcmp(r->coll, "household"), rc = 0;
  for (r->hcap = 16; r->hcap < 2 * r->n_rows + 2; r->hcap *= 2)
    ;
  free(r->hkeys), free(r->hval);
  r->hkeys = calloc(r->hcap, sizeof *r->hkeys);
  r->hval = calloc(r->hcap, sizeof *r->hval);
  if (!r->hkeys || !r->hval)
    return LINLI_ENOMEM;
  for (size_t i = 0; i < r->n_rows && !rc; i++) {
    const struct roster_row *row = &r->rows[i];
    if (!roster__fields_ok(r, row))
      continue;
    size_t dup = roster__seen(r, row->f[0], i);
    if (households)
      roster__household(r, row, dup);
    else
      rc = roster__resident(r, row, dup, v, scope);
  }
  if (r->problems)
    r->n_rows = 0;
  return rc;
}
