/* linli import-csv / export-csv: households and residents as UTF-8 CSV
 * with a header row (RFC 4180 quoting). An import checks every row first
 * and writes nothing if any row is bad; it then lists each bad line by its
 * number and column, never by its content (personal data stays out of
 * messages). Writes go as set ops (household members as add ops) through
 * linlid if it runs, else into the node opened here under its lock.
 * Parsing and checking the rows: node/roster_csv.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "roster_csv.h"
#include "verbs.h"

#define CSV_FILE_MAX (512u << 20)

/* ---- writing ---- */

static int write_row(struct cli_writer *w, const struct roster *r, const char *scope,
                     const struct roster_row *row)
{
  uint8_t body[CRDT_BODY_MAX_BYTES + 256];
  struct crdt_buf b;
  struct cli_kv kv[ROSTER_COLS];
  int n = 0, rc;
  for (int k = 1; r->cols[k].name; k++) {
    char *s = row->f[k];
    if (!s || !*s)
      continue;
    kv[n] = (struct cli_kv){r->cols[k].name, 's', s, 0};
    if (r->cols[k].type == ROSTER_BOOL) {
      int v = 0;
      roster_bool(s, &v);
      kv[n].t = 'b', kv[n].i = v;
    } else if (r->cols[k].type == ROSTER_YEAR) {
      roster_year(s, &kv[n].i);
      kv[n].t = 'i';
    } else if (r->cols[k].type == ROSTER_ID && s[17] == 'x') {
      s[17] = 'X';
    }
    n++;
  }
  crdt_buf_init(&b, body, sizeof body);
  if ((rc = cli_body(&b, kv, n)))
    return rc;
  struct node_change ch = {scope, r->coll, row->f[0], CRDT_SET, b.p, b.len, NULL, 0};
  if ((rc = cli_writer_put(w, &ch, NULL)) || strcmp(r->coll, "resident"))
    return rc;
  struct cli_kv m = {"members", 'a', row->f[0], 0};
  crdt_buf_init(&b, body, sizeof body);
  if ((rc = cli_body(&b, &m, 1)))
    return rc;
  struct node_change add = {scope, "household", row->f[1], CRDT_ADD, b.p, b.len, NULL, 0};
  return cli_writer_put(w, &add, NULL);
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

/* Prints the problems not shown yet (of the first ROSTER_PROBLEMS_MAX). */
static void print_problems(const struct roster *r, int *shown)
{
  int kept = r->problems < ROSTER_PROBLEMS_MAX ? r->problems : ROSTER_PROBLEMS_MAX;
  for (; *shown < kept; (*shown)++) {
    const struct roster_problem *p = &r->problem[*shown];
    if (p->col)
      fprintf(stderr, "line %d, column %s: %s\n", p->line, p->col, p->why);
    else
      fprintf(stderr, "line %d: %s\n", p->line, p->why);
  }
}

struct check_arg {
  struct roster *r;
  const char *scope;
};

static int check_rows(void *arg, const struct crdt_view *v)
{
  struct check_arg *c = arg;
  return roster_check(c->r, v, c->scope);
}

static int write_rows(struct cli_writer *w, const struct roster *r, const char *scope)
{
  for (size_t done = 0; done < r->n_rows; done++) {
    int rc = write_row(w, r, scope, &r->rows[done]);
    if (rc)
      return cli_fail("stopped at line %d: %s; lines before it were stored", r->rows[done].line,
                      cli_writer_why(w, rc));
    if (r->n_rows >= 2000 && (done + 1) % 1000 == 0)
      fprintf(stderr, "\rimport-csv: %zu/%zu records", done + 1, r->n_rows);
  }
  if (r->n_rows >= 2000)
    fprintf(stderr, "\n");
  printf("%zu %s records imported %s\n", r->n_rows, r->coll, cli_writer_where(w));
  return CLI_OK;
}

int cli_cmd_import_csv(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct roster r;
  struct cli_writer *w = NULL;
  size_t len = 0;
  int rc, ret = CLI_FAIL, shown = 0;
  char *buf = NULL;
  if ((rc = roster_init(&r, a->pos[0])) == LINLI_EINVAL)
    return cli_usage(cmd, CLI_USAGE); /* nothing allocated */
  if (rc)
    goto out_fail;
  if (!(buf = slurp(a->pos[1], &len))) {
    ret = cli_fail("cannot read %s: %s", a->pos[1], strerror(errno));
    goto out;
  }
  rc = roster_parse(&r, buf, len);
  print_problems(&r, &shown);
  if (rc)
    goto out_fail;
  if (r.problems)
    goto out_bad;
  if (cli_writer_open(&w, a->data))
    goto out;
  struct check_arg ca = {&r, a->scope ? a->scope : w->c.scopes[0]};
  rc = cli_writer_read(w, check_rows, &ca);
  print_problems(&r, &shown);
  if (rc)
    goto out_fail;
  if (r.problems)
    goto out_bad;
  ret = write_rows(w, &r, ca.scope);
  goto out;
out_bad:
  if (r.problems > ROSTER_PROBLEMS_MAX)
    fprintf(stderr, "... and %d more\n", r.problems - ROSTER_PROBLEMS_MAX);
  ret = cli_fail("%s: %d problem(s); nothing was imported", a->pos[1], r.problems);
  goto out;
out_fail:
  ret = cli_fail("cannot import %s: %s", a->pos[1], linli_strerror(rc));
out:
  cli_writer_close(w);
  roster_release(&r);
  free(buf);
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
  const struct roster_col *cols;
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
  if (!(x.e.cols = roster_columns(a->pos[0], &x.coll))) {
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
