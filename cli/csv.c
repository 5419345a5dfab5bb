/* linli import-csv / export-csv: households and residents as UTF-8 CSV
 * with a header row (RFC 4180 quoting). An import checks every row first
 * and writes nothing if any row is bad; it then lists each bad line by its
 * number and column, never by its content (personal data stays out of
 * messages). Writes go as set ops (household members as add ops) through
 * linlid if it runs, else into the node opened here under its lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "sample.h"
#include "verbs.h"

#define CSV_COLS 8
#define CSV_FILE_MAX (512u << 20)
#define CSV_ERR_SHOWN 200

enum { T_KEY = 'k', T_TEXT = 's', T_PHONE = 'p', T_BOOL = 'b', T_YEAR = 'y', T_ID = 'd' };

struct csv_col {
  const char *name;
  int required;
  char type;
};

static const struct csv_col households_cols[] = {
    {"code", 1, T_KEY},  {"compound", 1, T_KEY}, {"unit", 0, T_TEXT},
    {"head", 0, T_TEXT}, {"phone", 0, T_PHONE},  {"hardship", 0, T_BOOL}, {NULL, 0, 0}};
static const struct csv_col residents_cols[] = {
    {"key", 1, T_KEY},       {"household", 1, T_KEY}, {"name", 1, T_TEXT},
    {"id_number", 0, T_ID},  {"phone", 0, T_PHONE},   {"birth_year", 0, T_YEAR}, {NULL, 0, 0}};

struct csv_row {
  int line;
  char *f[CSV_COLS]; /* by schema column; NULL or "" when absent */
};

struct csv {
  const struct csv_col *cols;
  const char *coll, *scope;
  int ncols, map[CSV_COLS]; /* file column i -> schema column */
  struct csv_row *rows;
  size_t n, cap;
  int errors;
  /* in-file keys -> row index + 1 (open addressing) */
  const char **hkeys;
  size_t *hval, hcap;
};

static void bad(struct csv *c, int line, const char *col, const char *why)
{
  if (c->errors++ < CSV_ERR_SHOWN) {
    if (col)
      fprintf(stderr, "line %d, column %s: %s\n", line, col, why);
    else
      fprintf(stderr, "line %d: %s\n", line, why);
  }
}

/* ---- parsing (in place) ---- */

/* Parses one record starting at *p; fields point into the buffer (unquoted
 * in place). Returns the field count, 0 at the end, -1 malformed quotes,
 * -2 too many fields. *line advances past the record's newlines. */
static int csv_record(char **pp, char *end, char **f, int max, int *line)
{
  char *p = *pp;
  int n = 0;
  if (p >= end)
    return 0;
  for (;;) {
    char *w = p, *start = p;
    if (p < end && *p == '"') {
      p++;
      for (;;) {
        if (p >= end)
          return -1;
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *w++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        if (*p == '\n')
          (*line)++;
        *w++ = *p++;
      }
      if (p < end && *p != ',' && *p != '\n' && *p != '\r')
        return -1;
    } else {
      while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
        if (*p == '"')
          return -1;
        p++;
      }
      w = p;
    }
    if (n == max)
      return -2;
    f[n++] = start;
    char sep = p < end ? *p : 0;
    *w = 0; /* safe: w <= p, and p is a separator or the NUL after the buffer */
    if (sep == ',') {
      p++;
      continue;
    }
    if (sep == '\r' && ++p < end && *p == '\n')
      p++;
    else if (sep == '\n')
      p++;
    (*line)++;
    break;
  }
  *pp = p;
  return n;
}

/* ---- checks ---- */

static int is_phone(const char *s)
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

static int parse_bool(const char *s, int *v)
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

static int parse_year(const char *s, int64_t *v)
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
static const char *id_problem(const char *s)
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

static uint64_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

/* Returns the row index + 1 already holding key, or 0 after inserting it. */
static size_t seen(struct csv *c, const char *key, size_t row)
{
  size_t i = hash(key) & (c->hcap - 1);
  while (c->hkeys[i]) {
    if (!strcmp(c->hkeys[i], key))
      return c->hval[i];
    i = (i + 1) & (c->hcap - 1);
  }
  c->hkeys[i] = key;
  c->hval[i] = row + 1;
  return 0;
}

struct store_check {
  int found, deleted;
  char household[CRDT_KEY_MAX + 1];
};

static int on_record(void *arg, const struct record *r)
{
  struct store_check *s = arg;
  s->found = 1;
  s->deleted = r->deleted;
  if (record_str(r, "household", s->household, sizeof s->household))
    s->household[0] = 0;
  return 0;
}

static int lookup(const struct crdt_view *v, const char *scope, const char *coll, const char *key,
                  struct store_check *out)
{
  memset(out, 0, sizeof *out);
  int rc = record_each(v, scope, coll, key, on_record, out);
  if (out->deleted)
    out->found = 0;
  return rc < 0 ? rc : 0;
}

static int check_rows(void *arg, const struct crdt_view *v)
{
  struct csv *c = arg;
  int households = !strcmp(c->coll, "household");
  for (size_t r = 0; r < c->n; r++) {
    struct csv_row *row = &c->rows[r];
    int ok = 1;
    for (int k = 0; c->cols[k].name; k++) {
      const char *s = row->f[k], *col = c->cols[k].name;
      int b;
      int64_t y;
      if (!s || !*s) {
        if (c->cols[k].required)
          bad(c, row->line, col, "missing required field"), ok = 0;
        continue;
      }
      if (crdt_check_key(s, strlen(s)))
        bad(c, row->line, col, "wrong type: not 1 to 128 bytes of text without control characters"), ok = 0;
      else if (c->cols[k].type == T_PHONE && !is_phone(s))
        bad(c, row->line, col, "wrong type: not a phone number (digits, +, - and spaces)"), ok = 0;
      else if (c->cols[k].type == T_BOOL && parse_bool(s, &b))
        bad(c, row->line, col, "wrong type: not true/false (or yes/no, 1/0)"), ok = 0;
      else if (c->cols[k].type == T_YEAR && parse_year(s, &y))
        bad(c, row->line, col, "wrong type: not a year from 1880 to 2100"), ok = 0;
      else if (c->cols[k].type == T_ID && id_problem(s))
        bad(c, row->line, col, id_problem(s)), ok = 0;
    }
    if (!ok)
      continue;
    const char *key = row->f[0];
    size_t dup = seen(c, key, r);
    struct store_check sc;
    int rc;
    if (households) {
      size_t cl = strlen(row->f[1]);
      if (strncmp(key, row->f[1], cl) || key[cl] != '-' || !key[cl + 1])
        bad(c, row->line, "code", "the code must be the compound code, '-' and building-unit-room");
      if (dup) {
        char why[80];
        snprintf(why, sizeof why, "the same household code is on line %d", c->rows[dup - 1].line);
        bad(c, row->line, "code", why);
      }
      continue;
    }
    const char *hh = row->f[1];
    if ((rc = lookup(v, c->scope, "household", hh, &sc)))
      return rc;
    if (!sc.found)
      bad(c, row->line, "household", "unknown household (not in the store nor earlier in the file)");
    if (dup && strcmp(c->rows[dup - 1].f[1], hh))
      bad(c, row->line, "key", "a resident in two households: an earlier line puts this resident in "
                               "another household");
    else if (dup)
      bad(c, row->line, "key", "the same resident is on an earlier line");
    if ((rc = lookup(v, c->scope, "resident", key, &sc)))
      return rc;
    if (sc.found && sc.household[0] && strcmp(sc.household, hh))
      bad(c, row->line, "household", "a resident in two households: the store has this resident in "
                                     "another household");
  }
  return 0;
}

/* ---- writing ---- */

static int write_row(struct cli_writer *w, struct csv *c, const struct csv_row *row)
{
  uint8_t body[CRDT_BODY_MAX_BYTES + 256];
  struct crdt_buf b;
  struct cli_kv kv[CSV_COLS];
  int n = 0, rc;
  for (int k = 1; c->cols[k].name; k++) {
    const char *s = row->f[k];
    if (!s || !*s)
      continue;
    kv[n] = (struct cli_kv){c->cols[k].name, 's', s, 0};
    if (c->cols[k].type == T_BOOL) {
      int v = 0;
      parse_bool(s, &v);
      kv[n].t = 'b', kv[n].i = v;
    } else if (c->cols[k].type == T_YEAR) {
      parse_year(s, &kv[n].i);
      kv[n].t = 'i';
    } else if (c->cols[k].type == T_ID && s[17] == 'x') {
      ((char *)s)[17] = 'X';
    }
    n++;
  }
  crdt_buf_init(&b, body, sizeof body);
  if ((rc = cli_body(&b, kv, n)))
    return rc;
  struct node_change ch = {c->scope, c->coll, row->f[0], CRDT_SET, b.p, b.len, NULL, 0};
  if ((rc = cli_writer_put(w, &ch, NULL)) || strcmp(c->coll, "resident"))
    return rc;
  struct cli_kv m = {"members", 'a', row->f[0], 0};
  crdt_buf_init(&b, body, sizeof body);
  if ((rc = cli_body(&b, &m, 1)))
    return rc;
  struct node_change add = {c->scope, "household", row->f[1], CRDT_ADD, b.p, b.len, NULL, 0};
  return cli_writer_put(w, &add, NULL);
}

static const struct csv_col *which(const char *what, const char **coll)
{
  if (!strcmp(what, "households"))
    return *coll = "household", households_cols;
  if (!strcmp(what, "residents"))
    return *coll = "resident", residents_cols;
  return NULL;
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (!f)
    return NULL;
  for (;;) {
    if (n + 65536 + 1 > cap) {
      cap = cap ? cap * 2 : 1 << 20;
      char *nb = cap <= CSV_FILE_MAX ? realloc(buf, cap) : NULL;
      if (!nb) {
        free(buf), fclose(f);
        errno = EFBIG;
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 65536, f);
    n += got;
    if (got < 65536)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err)
    return free(buf), errno = EIO, NULL;
  buf[n] = 0;
  *len = n;
  return buf;
}

static int parse_file(struct csv *c, char *buf, size_t len)
{
  char *p = buf, *end = buf + len, *f[CSV_COLS + 1];
  int line = 1;
  if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
    p += 3;
  if (!crdt_utf8_valid((const uint8_t *)p, (size_t)(end - p))) {
    /* find the first bad line without printing anything of it */
    int l = 1;
    for (char *q = p; q < end; q++) {
      char *nl = memchr(q, '\n', (size_t)(end - q));
      char *le = nl ? nl : end;
      if (!crdt_utf8_valid((const uint8_t *)q, (size_t)(le - q)))
        return bad(c, l, NULL, "not UTF-8 text"), 0;
      l++;
      q = le;
    }
  }
  int hl = line, n = csv_record(&p, end, f, CSV_COLS, &line);
  if (n <= 0)
    return bad(c, hl, NULL, n == 0 ? "no header row" : "the header row is malformed"), 0;
  c->ncols = n;
  int have[CSV_COLS] = {0};
  for (int i = 0; i < n; i++) {
    c->map[i] = -1;
    for (int k = 0; c->cols[k].name; k++)
      if (!strcmp(f[i], c->cols[k].name))
        c->map[i] = k;
    if (c->map[i] < 0) {
      char why[96];
      snprintf(why, sizeof why, "unknown column '%.40s'", f[i]);
      bad(c, hl, NULL, why);
    } else if (have[c->map[i]]++) {
      bad(c, hl, c->cols[c->map[i]].name, "the column is named twice");
    }
  }
  for (int k = 0; c->cols[k].name; k++)
    if (c->cols[k].required && !have[k])
      bad(c, hl, c->cols[k].name, "missing required column");
  if (c->errors)
    return 0;
  for (;;) {
    int rl = line;
    n = csv_record(&p, end, f, CSV_COLS + 1, &line);
    if (n == 0)
      break;
    if (n == 1 && !f[0][0])
      continue; /* a blank line */
    if (n < 0) {
      bad(c, rl, NULL, n == -1 ? "malformed quotes" : "more fields than the header has columns");
      /* skip to the next line */
      char *nl = memchr(p, '\n', (size_t)(end - p));
      p = nl ? nl + 1 : end;
      line = rl + 1;
      continue;
    }
    if (n != c->ncols) {
      char why[96];
      snprintf(why, sizeof why, "%d fields, but the header has %d columns", n, c->ncols);
      bad(c, rl, NULL, why);
      continue;
    }
    if (c->n == c->cap) {
      c->cap = c->cap ? 2 * c->cap : 1024;
      struct csv_row *nr = realloc(c->rows, c->cap * sizeof *nr);
      if (!nr)
        return LINLI_ENOMEM;
      c->rows = nr;
    }
    struct csv_row *row = &c->rows[c->n++];
    memset(row, 0, sizeof *row);
    row->line = rl;
    for (int i = 0; i < n; i++)
      row->f[c->map[i]] = f[i];
  }
  return 0;
}

int cli_cmd_import_csv(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct csv c;
  struct cli_writer *w = NULL;
  size_t len = 0, done = 0;
  int rc, ret = CLI_FAIL;
  memset(&c, 0, sizeof c);
  if (!(c.cols = which(a->pos[0], &c.coll)))
    return cli_usage(cmd, CLI_USAGE);
  char *buf = slurp(a->pos[1], &len);
  if (!buf)
    return cli_fail("cannot read %s: %s", a->pos[1], strerror(errno));
  if ((rc = parse_file(&c, buf, len)))
    goto out_fail;
  if (c.errors)
    goto out_bad;
  if (cli_writer_open(&w, a->data))
    goto out;
  c.scope = a->scope ? a->scope : w->c.scopes[0];
  for (c.hcap = 16; c.hcap < 2 * c.n + 2; c.hcap *= 2)
    ;
  c.hkeys = calloc(c.hcap, sizeof *c.hkeys);
  c.hval = calloc(c.hcap, sizeof *c.hval);
  if (!c.hkeys || !c.hval) {
    rc = LINLI_ENOMEM;
    goto out_fail;
  }
  if ((rc = cli_writer_read(w, check_rows, &c)))
    goto out_fail;
  if (c.errors)
    goto out_bad;
  for (; done < c.n; done++) {
    if ((rc = write_row(w, &c, &c.rows[done]))) {
      ret = cli_fail("stopped at line %d: %s; lines before it were stored", c.rows[done].line,
                     cli_writer_why(w, rc));
      goto out;
    }
    if (c.n >= 2000 && (done + 1) % 1000 == 0)
      fprintf(stderr, "\rimport-csv: %zu/%zu records", done + 1, c.n);
  }
  if (c.n >= 2000)
    fprintf(stderr, "\n");
  printf("%zu %s records imported %s\n", c.n, c.coll, cli_writer_where(w));
  ret = CLI_OK;
  goto out;
out_bad:
  if (c.errors > CSV_ERR_SHOWN)
    fprintf(stderr, "... and %d more\n", c.errors - CSV_ERR_SHOWN);
  ret = cli_fail("%s: %d problem(s); nothing was imported", a->pos[1], c.errors);
  goto out;
out_fail:
  ret = cli_fail("cannot import %s: %s", a->pos[1], linli_strerror(rc));
out:
  cli_writer_close(w);
  free(c.rows), free(c.hkeys), free(c.hval), free(buf);
  return ret;
}

/* ---- export ---- */

static void csv_field(FILE *f, const char *s, size_t n)
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

struct export {
  FILE *f;
  const struct csv_col *cols;
  size_t n;
};

static int on_export(void *arg, const struct record *r)
{
  struct export *e = arg;
  if (r->deleted)
    return 0;
  csv_field(e->f, r->key.p, r->key.len);
  for (int k = 1; e->cols[k].name; k++) {
    const struct record_field *fl = record_field(r, e->cols[k].name);
    struct crdt_mp m;
    const char *s;
    uint32_t sl;
    int64_t i;
    int b;
    fputc(',', e->f);
    if (!fl || fl->tag != CRDT_ROW_LWW || !fl->value)
      continue;
    crdt_mp_init(&m, fl->value, fl->value_len);
    if (crdt_mp_str(&m, &s, &sl) == 0) {
      csv_field(e->f, s, sl);
      continue;
    }
    crdt_mp_init(&m, fl->value, fl->value_len);
    if (crdt_mp_int(&m, &i) == 0) {
      fprintf(e->f, "%lld", (long long)i);
      continue;
    }
    crdt_mp_init(&m, fl->value, fl->value_len);
    if (crdt_mp_bool(&m, &b) == 0)
      fputs(b ? "true" : "false", e->f);
  }
  fputc('\n', e->f);
  e->n++;
  return 0;
}

struct export_run {
  struct export e;
  const char *scope, *coll;
};

static int export_rows(void *arg, const struct crdt_view *v)
{
  struct export_run *x = arg;
  int rc = record_each(v, x->scope, x->coll, NULL, on_export, &x->e);
  return rc < 0 ? rc : 0;
}

int cli_cmd_export_csv(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct export_run x;
  struct config *c = malloc(sizeof *c);
  int ret = CLI_FAIL;
  memset(&x, 0, sizeof x);
  if (!c)
    return cli_fail("%s", linli_strerror(LINLI_ENOMEM));
  if (!(x.e.cols = which(a->pos[0], &x.coll))) {
    free(c);
    return cli_usage(cmd, CLI_USAGE);
  }
  if (cli_load_config(a->data, c))
    goto out;
  x.scope = a->scope ? a->scope : c->scopes[0];
  int stdout_ = !strcmp(a->pos[1], "-");
  /* personal data: the file is the user's alone */
  int fd = stdout_ ? -1 : open(a->pos[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (!stdout_ && (fd < 0 || !(x.e.f = fdopen(fd, "w")))) {
    ret = cli_fail("cannot write %s: %s", a->pos[1], strerror(errno));
    if (fd >= 0)
      close(fd);
    goto out;
  }
  if (stdout_)
    x.e.f = stdout;
  for (int k = 0; x.e.cols[k].name; k++)
    fprintf(x.e.f, "%s%s", k ? "," : "", x.e.cols[k].name);
  fputc('\n', x.e.f);
  int rc = cli_read_rows(a->data, export_rows, &x);
  int werr = ferror(x.e.f) || (!stdout_ && fclose(x.e.f) != 0);
  if (rc == CLI_FAIL)
    goto out;
  if (rc || werr) {
    ret = cli_fail("cannot export to %s: %s", a->pos[1], rc ? linli_strerror(rc) : strerror(errno));
    goto out;
  }
  if (!stdout_)
    fprintf(stderr, "linli: %zu %s records written to %s\n", x.e.n, x.coll, a->pos[1]);
  ret = CLI_OK;
out:
  free(c);
  return ret;
}
