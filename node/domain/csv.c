/* CSV for every collection. Contract: domain.h ("CSV"). Parsing is done in
 * place and without I/O; checking a row is dom_plan's job (csv_plan), so a
 * row is held to exactly what the staff verbs check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

static const char *const counter_cols[] = {"item", "quantity"};
static const char *const counter_cols_zh[] = {"物资", "数量"};

/* Is f a column of the collection's CSV? Fields linli keeps itself are not. */
static int csv__is_column(const struct dom_field *f)
{
  return !(f->flags & DOM_F_DERIVED);
}

int csv_columns(int coll, const char **cols, const struct dom_field **fields, int max)
{
  const struct dom_collection *c = &domain_collections[coll];
  int n = 0;
  if (max < 3)
    return LINLI_ETOOBIG;
  cols[n] = c->key_col;
  fields[n++] = NULL;
  if (!c->fields) {
    for (int i = 0; i < 2; i++) {
      cols[n] = counter_cols[i];
      fields[n++] = NULL;
    }
    return n;
  }
  for (int i = 0; c->fields[i].name; i++) {
    if (!csv__is_column(&c->fields[i]))
      continue;
    if (n == max)
      return LINLI_ETOOBIG;
    cols[n] = c->fields[i].name;
    fields[n++] = &c->fields[i];
  }
  return n;
}

/* The Chinese name of column i. */
static const char *csv__zh(const struct csv_file *c, int i)
{
  const struct dom_collection *dc = &domain_collections[c->coll];
  if (i == 0)
    return dc->key_col_zh;
  if (!dc->fields)
    return counter_cols_zh[i - 1];
  return c->field[i]->csv_zh;
}

int csv_init(struct csv_file *c, int coll)
{
  memset(c, 0, sizeof *c);
  if (coll < 0 || coll >= DOM_N_COLLECTIONS)
    return LINLI_EINVAL;
  c->coll = coll;
  int n = csv_columns(coll, c->cols, c->field, CSV_COLS_MAX);
  if (n < 0)
    return n;
  c->n_cols = n;
  if (!(c->problem = calloc(CSV_PROBLEMS_MAX, sizeof *c->problem)))
    return LINLI_ENOMEM;
  return 0;
}

void csv_release(struct csv_file *c)
{
  free(c->rows);
  free(c->problem);
  memset(c, 0, sizeof *c);
}

void csv_bad(struct csv_file *c, int line, const char *col, const char *fmt, ...)
{
  if (c->problems++ >= CSV_PROBLEMS_MAX)
    return;
  struct csv_problem *p = &c->problem[c->problems - 1];
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
static char *csv__field_end(char *p, const char *end)
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
static char *csv__unquote(char *p, const char *e, int *line)
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
 * -1 malformed quotes, -2 more than max fields. The fields are found first
 * and written only when the whole record is good, so a bad record leaves
 * the text as it was (the caller then skips to the next line of it). Each
 * field is unquoted in place and ends in a NUL; f[i] points to it. *line
 * advances past the record's newlines. */
static int csv__record(char **pp, char *end, char **f, int max, int *line)
{
  char *p = *pp, *ends[CSV_COLS_MAX + 1];
  int n = 0;
  if (p >= end)
    return 0;
  for (char *q = p;; q++) {
    char *e = csv__field_end(q, end);
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
    char *w = ends[i] > f[i] && *f[i] == '"' ? csv__unquote(f[i], ends[i], line) : ends[i];
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
static int csv__utf8(struct csv_file *c, const char *p, const char *end)
{
  if (crdt_utf8_valid((const uint8_t *)p, (size_t)(end - p)))
    return 0;
  int l = 1;
  for (const char *q = p; q < end; q++) {
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    const char *le = nl ? nl : end;
    if (!crdt_utf8_valid((const uint8_t *)q, (size_t)(le - q))) {
      csv_bad(c, l, NULL, "not UTF-8 text");
      return 1;
    }
    l++;
    q = le;
  }
  return 0;
}

/* The header row: maps its columns (English or Chinese names), names
 * unknown, doubled and missing ones. */
static void csv__header(struct csv_file *c, char **f, int n, int hl)
{
  int have[CSV_COLS_MAX] = {0};
  c->ncols_file = n;
  for (int i = 0; i < n; i++) {
    c->map[i] = -1;
    for (int k = 0; k < c->n_cols; k++)
      if (!strcmp(f[i], c->cols[k]) || !strcmp(f[i], csv__zh(c, k)))
        c->map[i] = k;
    if (c->map[i] < 0)
      csv_bad(c, hl, NULL, "unknown column '%.40s'", f[i]);
    else if (have[c->map[i]]++)
      csv_bad(c, hl, c->cols[c->map[i]], "the column is named twice");
  }
  if (!have[0])
    csv_bad(c, hl, c->cols[0], "missing required column");
  for (int k = 1; k < c->n_cols; k++)
    if (!have[k] && (!c->field[k] ? 1 : (c->field[k]->flags & DOM_F_REQ) &&
                                            !(c->field[k]->flags & (DOM_F_TODAY | DOM_F_HOME))))
      csv_bad(c, hl, c->cols[k], "missing required column");
}

static int csv__add_row(struct csv_file *c, int line, char **f, int n)
{
  if (c->n_rows == c->cap_rows) {
    size_t cap = c->cap_rows ? 2 * c->cap_rows : 1024;
    struct csv_row *nr = realloc(c->rows, cap * sizeof *nr);
    if (!nr)
      return LINLI_ENOMEM;
    c->rows = nr, c->cap_rows = cap;
  }
  struct csv_row *row = &c->rows[c->n_rows++];
  memset(row, 0, sizeof *row);
  row->line = line;
  for (int i = 0; i < n; i++)
    row->f[c->map[i]] = f[i];
  return 0;
}

/* The records after the header; a bad one is named and skipped. */
static int csv__body(struct csv_file *c, char *p, char *end, int line)
{
  char *f[CSV_COLS_MAX + 1];
  for (;;) {
    int rl = line, n = csv__record(&p, end, f, CSV_COLS_MAX + 1, &line);
    if (n == 0)
      return 0;
    if (n == 1 && !f[0][0])
      continue; /* a blank line */
    if (n < 0) {
      csv_bad(c, rl, NULL, "%s", n == -1 ? "malformed quotes" : "more fields than the header has columns");
      char *nl = memchr(p, '\n', (size_t)(end - p)); /* the record's first line end */
      p = nl ? nl + 1 : end;
      line = rl + 1;
      continue;
    }
    if (n != c->ncols_file) {
      csv_bad(c, rl, NULL, "%d fields, but the header has %d columns", n, c->ncols_file);
      continue;
    }
    int rc = csv__add_row(c, rl, f, n);
    if (rc)
      return rc;
  }
}

int csv_parse(struct csv_file *c, char *buf, size_t len)
{
  char *p = buf, *end = buf + len, *f[CSV_COLS_MAX];
  int line = 1, rc = 0;
  end[0] = 0; /* the NUL after the last field */
  if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
    p += 3;
  if (csv__utf8(c, p, end))
    goto out;
  int hl = line, n = csv__record(&p, end, f, CSV_COLS_MAX, &line);
  if (n <= 0) {
    csv_bad(c, hl, NULL, "%s", n == 0 ? "no header row" : "the header row is malformed");
    goto out;
  }
  csv__header(c, f, n, hl);
  if (!c->problems)
    rc = csv__body(c, p, end, line);
out:
  if (c->problems)
    c->n_rows = 0;
  return rc;
}

/* ---- a row as a staff action ---- */

int csv_plan(struct csv_file *c, size_t i, const struct dom_req *base, const struct crdt_view *v,
             struct dom_plan *p, struct dom_err *e)
{
  const struct dom_collection *dc = &domain_collections[c->coll];
  struct csv_row *row = &c->rows[i];
  char *args[CSV_COLS_MAX * 8], *store = NULL;
  size_t at = 0, cap = 0;
  int n = 0, rc;
  struct dom_req r = *base;
  for (int k = 0; k < c->n_cols; k++) {
    char *f = row->f[k];
    size_t fl = f ? strlen(f) : 0;
    if (fl >= 3 && f[0] == '=' && f[1] == '"' && f[fl - 1] == '"') { /* ="..." from a spreadsheet */
      memmove(f, f + 2, fl - 3);
      f[fl - 3] = 0;
    }
    if (f && k)
      cap += 2 * strlen(f) + CRDT_FIELD_MAX + 8;
  }
  if (!(store = malloc(cap + 1)))
    return LINLI_ENOMEM;
  r.coll = c->coll;
  r.key = row->f[0] ? row->f[0] : "";
  r.upsert = 1;
  if (!dc->fields) { /* counters: key, item, quantity */
    r.verb = DOM_V_IN;
    if (row->f[1] && row->f[2] && *row->f[1]) {
      args[n++] = store;
      at += (size_t)sprintf(store, "%s=%s", row->f[1], row->f[2]) + 1;
    }
  } else {
    r.verb = dc->shape == DOM_LOG ? DOM_V_ADD : DOM_V_SET; /* upsert decides */
    for (int k = 1; k < c->n_cols; k++) {
      const char *s = row->f[k];
      const struct dom_field *f = c->field[k];
      if (!s || !*s)
        continue;
      if (f->kind != DOM_SET) {
        args[n++] = store + at;
        at += (size_t)sprintf(store + at, "%s=%s", f->name, s) + 1;
        continue;
      }
      for (const char *q = s; *q && n < (int)(sizeof args / sizeof args[0]);) {
        size_t el = strcspn(q, ";");
        args[n++] = store + at;
        at += (size_t)sprintf(store + at, "%s+=%.*s", f->name, (int)el, q) + 1;
        q += el + (q[el] == ';');
      }
    }
  }
  r.args = (const char *const *)args;
  r.n_args = n;
  rc = dom_plan(&r, v, p, e);
  free(store);
  return rc;
}

/* ---- writing ---- */

void csv_field(FILE *f, const char *s, size_t n)
{
  int q = n && (s[0] == ' ' || s[n - 1] == ' ');
  for (size_t i = 0; i < n && !q; i++)
    q = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!q) {
    fwrite(s, 1, n, f);
    return;
  }
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      fputc('"', f);
    fputc(s[i], f);
  }
  fputc('"', f);
}

/* ---- export ---- */

struct rows {
  const struct csv_file *c;
  const char *cells[CSV_COLS_MAX];
  char *buf;          /* set cells with ';' between elements */
  size_t cap;
  int (*fn)(void *, const char *const *, int, const struct dom_field *const *);
  void *arg;
  size_t n, unread;
};

static int on_query_row(void *arg, const struct dom_row *r)
{
  struct rows *x = arg;
  const struct csv_file *c = x->c;
  const struct dom_collection *dc = &domain_collections[c->coll];
  size_t at = 0;
  x->cells[0] = r->key;
  for (int k = 1; k < c->n_cols; k++) {
    int fi = (int)(c->field[k] - dc->fields);
    const char *v = r->val[fi];
    struct dom_sealed sv;
    if ((c->field[k]->flags & DOM_F_SEALED) && r->raw[fi] &&
        dom_sealed_parse(r->raw[fi], r->raw_len[fi], &sv) != 0 &&
        (!strcmp(v, dom_sealed_word(LINLI_ENOKEY)) || !strcmp(v, dom_sealed_word(LINLI_EDAMAGED)))) {
      x->cells[k] = ""; /* not readable here: nothing rather than the word */
      x->unread++;
      continue;
    }
    if (c->field[k]->kind != DOM_SET) {
      x->cells[k] = v;
      continue;
    }
    size_t need = strlen(v) + 1; /* "a; b" -> "a;b": elements hold no ';' */
    if (at + need > x->cap)
      return LINLI_ETOOBIG;
    char *out = x->buf + at;
    size_t w = 0;
    for (const char *p = v; *p; p++)
      if (!(p[0] == ' ' && p > v && p[-1] == ';'))
        out[w++] = *p;
    out[w] = 0;
    x->cells[k] = out;
    at += w + 1;
  }
  x->n++;
  return x->fn(x->arg, x->cells, c->n_cols, c->field);
}

/* Counters: a row per item in stock (key, item, quantity). */
struct stock_rows {
  struct rows *x;
  char qty[24];
  char key[CRDT_KEY_MAX + 1], item[CRDT_FIELD_MAX + 1];
};

static int on_stock(void *arg, const struct record *r)
{
  struct stock_rows *s = arg;
  if (r->deleted)
    return 0;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    if (r->f[i].tag != CRDT_ROW_COUNTER || r->f[i].sum <= 0)
      continue;
    snprintf(s->key, sizeof s->key, "%.*s", (int)r->key.len, r->key.p);
    snprintf(s->item, sizeof s->item, "%.*s", (int)r->f[i].name.len, r->f[i].name.p);
    snprintf(s->qty, sizeof s->qty, "%lld", (long long)r->f[i].sum);
    const char *cells[3] = {s->key, s->item, s->qty};
    s->x->n++;
    int rc = s->x->fn(s->x->arg, cells, 3, s->x->c->field);
    if (rc)
      return rc;
  }
  return 0;
}

int csv_rows(struct store_read *rd, int coll, const char *scope,
             int (*fn)(void *arg, const char *const *cells, int n,
                       const struct dom_field *const *fields),
             void *arg, size_t *n, size_t *unread)
{
  struct csv_file c;
  struct rows x;
  int rc = csv_init(&c, coll);
  *n = 0;
  if (rc)
    return rc;
  memset(&x, 0, sizeof x);
  x.c = &c, x.fn = fn, x.arg = arg, x.cap = 1 << 16;
  if (!(x.buf = malloc(x.cap))) {
    csv_release(&c);
    return LINLI_ENOMEM;
  }
  if ((rc = fn(arg, c.cols, c.n_cols, NULL)) == 0) { /* the header */
    if (!domain_collections[coll].fields) {
      struct stock_rows s;
      struct crdt_view v = store_read_view(rd);
      s.x = &x;
      rc = record_each(&v, scope, domain_name((enum dom_coll)coll), NULL, on_stock, &s);
    } else {
      struct dom_query q;
      memset(&q, 0, sizeof q);
      q.coll = coll;
      q.scope = scope;
      rc = dom_query(&q, rd, on_query_row, &x);
    }
  }
  *n = x.n;
  if (unread)
    *unread = x.unread;
  free(x.buf);
  csv_release(&c);
  return rc < 0 ? rc : rc == LINLI_ENOTFOUND ? 0 : 0;
}

/* Text columns a spreadsheet would turn into numbers: ID and phone numbers. */
int csv_is_text_number(const struct dom_field *f)
{
  return f && (f->type == DOM_T_IDNO || f->type == DOM_T_PHONE);
}

struct writer {
  FILE *f;
  unsigned flags;
};

static int write_row(void *arg, const char *const *cells, int n, const struct dom_field *const *fields)
{
  struct writer *w = arg;
  char guard[DOM_TEXT_MAX + 8];
  for (int k = 0; k < n; k++) {
    const char *s = cells[k];
    if (k)
      fputc(',', w->f);
    if (fields && (w->flags & CSV_TEXT_GUARD) && csv_is_text_number(fields[k]) && *s) {
      snprintf(guard, sizeof guard, "=\"%s\"", s); /* ="4201...": Excel keeps it as text */
      s = guard;
    }
    csv_field(w->f, s, strlen(s));
  }
  fputc('\n', w->f);
  return ferror(w->f) ? -5 : 0;
}

int csv_export(struct store_read *rd, int coll, const char *scope, FILE *f, unsigned flags,
               size_t *n, size_t *unread)
{
  struct writer w = {f, flags};
  if (flags & CSV_BOM)
    fputs("\xef\xbb\xbf", f);
  return csv_rows(rd, coll, scope, write_row, &w, n, unread);
}
