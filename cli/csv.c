/* linli import-csv / export-csv: any collection of the domain table as
 * UTF-8 CSV with a header row (RFC 4180 quoting; English or Chinese column
 * names, node/domain/domain.h "CSV"). An import checks every row as the
 * staff verbs check a record (dom_plan, through csv_plan) before anything
 * is written, and writes nothing if any row is bad; it lists each bad line
 * by its number and column, never by its content (personal data stays out
 * of messages). The changes of every row are then written in file order,
 * through linlid if it runs, else into the node opened here under its lock. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "domain.h"
#include "verbs.h"

#define CSV_FILE_MAX (512u << 20)

/* The collection a name on the command line means: its wire name, or that
 * name and an s ("households"). -1 if none. */
int cli_collection_arg(const char *name)
{
  size_t n = strlen(name);
  for (int i = 0; i < DOM_N_COLLECTIONS; i++) {
    size_t cl = strlen(domain_collections[i].name);
    if ((n == cl || (n == cl + 1 && name[cl] == 's')) &&
        !memcmp(name, domain_collections[i].name, cl))
      return i;
  }
  return -1;
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

/* Text in `from` (an iconv name) as UTF-8, in a new buffer with a byte of
 * room after it; NULL if it is not that encoding (errno says why). */
static char *convert(const char *from, const char *in, size_t len, size_t *out_len)
{
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == (iconv_t)-1)
    return NULL;
  size_t cap = 4 * len + 16, left = cap - 1;
  char *out = malloc(cap), *o = out, *i = (char *)in;
  size_t il = len;
  if (out && iconv(cd, &i, &il, &o, &left) == (size_t)-1) {
    free(out);
    out = NULL;
  }
  iconv_close(cd);
  if (out) {
    *out_len = (size_t)(o - out);
    out[*out_len] = 0;
  }
  return out;
}

/* The file as UTF-8: as it is when it is UTF-8 (and --encoding does not
 * say otherwise), else converted from GB18030 (the superset of GBK, which
 * Excel writes in a Chinese locale) or the encoding given, saying so. */
static char *as_utf8(char *buf, size_t *len, const char *encoding, const char *path)
{
  int utf8 = crdt_utf8_valid((const uint8_t *)buf, *len);
  if (!encoding && utf8)
    return buf;
  if (encoding && (!strcasecmp(encoding, "utf-8") || !strcasecmp(encoding, "utf8")))
    return buf; /* the parser names the lines that are not */
  const char *from = encoding ? encoding : "GB18030";
  size_t n;
  char *out = convert(from, buf, *len, &n);
  if (!out) {
    cli_fail("%s is not UTF-8 text%s%s%s: save it as \"CSV UTF-8\", or give --encoding", path,
             encoding ? ", nor " : ", nor GB18030/GBK", encoding ? encoding : "", encoding ? "" : "");
    free(buf);
    return NULL;
  }
  fprintf(stderr, _("linli import-csv: %s was read as %s and converted to UTF-8\n"), path,
          encoding ? encoding : "GB18030 (GBK)");
  free(buf);
  *len = n;
  return out;
}

/* Prints the problems not shown yet (of the first CSV_PROBLEMS_MAX). */
static void print_problems(const struct csv_file *c, int *shown)
{
  int kept = c->problems < CSV_PROBLEMS_MAX ? c->problems : CSV_PROBLEMS_MAX;
  for (; *shown < kept; (*shown)++) {
    const struct csv_problem *p = &c->problem[*shown];
    if (p->col)
      fprintf(stderr, _("line %d, column %s: %s\n"), p->line, p->col, p->why);
    else
      fprintf(stderr, _("line %d: %s\n"), p->line, p->why);
  }
}

/* ---- checking: every row as a plan ---- */

struct check {
  struct csv_file *c;
  struct dom_req base;
  struct cli_batch *batch;
  struct dom_plan *plan;
  int rc;
};

/* A problem of row i, named by its column. */
static void row_problem(struct csv_file *c, size_t i, const struct dom_err *e)
{
  const char *col = c->cols[0];
  for (int k = 1; e->field[0] && k < c->n_cols; k++)
    if (c->field[k] && !strcmp(c->field[k]->name, e->field))
      col = c->cols[k];
  if (!c->field[1] && e->why == DOM_WHY_TYPE) /* counters: the quantity */
    col = c->cols[2];
  if (e->why == DOM_WHY_REQUIRED)
    csv_bad(c, c->rows[i].line, col, "missing required field");
  else if (e->why == DOM_WHY_TYPE)
    csv_bad(c, c->rows[i].line, col, "wrong type: %s", e->msg);
  else
    csv_bad(c, c->rows[i].line, col, "%s", e->msg);
}

/* The keys of a register are unique in a file. */
static int duplicates(struct csv_file *c)
{
  size_t n = c->n_rows, cap = 16;
  while (cap < 2 * n + 2)
    cap *= 2;
  size_t *slot = calloc(cap, sizeof *slot); /* row index + 1 */
  if (!slot)
    return LINLI_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const char *k = c->rows[i].f[0] ? c->rows[i].f[0] : "";
    uint64_t h = 1469598103934665603ull;
    for (const char *p = k; *p; p++)
      h = (h ^ (uint8_t)*p) * 1099511628211ull;
    size_t at = h & (cap - 1);
    while (slot[at] && strcmp(c->rows[slot[at] - 1].f[0] ? c->rows[slot[at] - 1].f[0] : "", k))
      at = (at + 1) & (cap - 1);
    if (slot[at])
      csv_bad(c, c->rows[i].line, c->cols[0], "the same key is on line %d",
              c->rows[slot[at] - 1].line);
    else
      slot[at] = i + 1;
  }
  free(slot);
  return 0;
}

static int check_rows(void *arg, const struct crdt_view *v)
{
  struct check *k = arg;
  struct dom_err e;
  for (size_t i = 0; i < k->c->n_rows; i++) {
    int rc = csv_plan(k->c, i, &k->base, v, k->plan, &e);
    if (rc < 0)
      return k->rc = rc;
    if (rc) {
      row_problem(k->c, i, &e);
      continue;
    }
    if ((rc = dom_index_note(k->base.index, k->plan))) /* later rows see this one */
      return k->rc = rc;
    if (!k->c->problems && (rc = cli_batch_add_plan(k->batch, k->plan)))
      return k->rc = rc;
    if (k->c->n_rows >= 2000 && (i + 1) % 1000 == 0) {
      fputc('\r', stderr);
      fprintf(stderr, _("import-csv: %zu/%zu rows checked"), i + 1, k->c->n_rows);
    }
  }
  if (k->c->n_rows >= 2000)
    fprintf(stderr, "\n");
  return 0;
}

int cli_cmd_import_csv(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct csv_file c;
  struct cli_writer *w = NULL;
  struct cli_batch *batch = NULL;
  struct check k;
  char today[DOM_DATE_LEN + 1], now[9];
  size_t len = 0;
  int rc, ret = CLI_FAIL, shown = 0, coll = cli_collection_arg(a->pos[0]);
  char *buf = NULL;
  memset(&k, 0, sizeof k);
  if (coll < 0) {
    fprintf(stderr, _("linli import-csv: no collection %s (see linli help import-csv)\n"), a->pos[0]);
    return cli_usage(cmd, CLI_USAGE);
  }
  if ((rc = csv_init(&c, coll)))
    return cli_fail("%s", cli_err(rc));
  if (!(buf = slurp(a->pos[1], &len))) {
    ret = cli_fail("cannot read %s: %s", a->pos[1], strerror(errno));
    goto out;
  }
  if (!(buf = as_utf8(buf, &len, a->encoding, a->pos[1])))
    goto out;
  rc = csv_parse(&c, buf, len);
  print_problems(&c, &shown);
  if (rc)
    goto out_fail;
  if (!c.problems && domain_collections[coll].shape == DOM_REGISTER && (rc = duplicates(&c)))
    goto out_fail;
  if (c.problems)
    goto out_bad;
  if (cli_writer_open(&w, a->data))
    goto out;
  if (!(k.plan = malloc(sizeof *k.plan)) || !(batch = cli_batch_new())) {
    rc = LINLI_ENOMEM;
    goto out_fail;
  }
  cli_today(&w->c, today, now);
  k.c = &c;
  k.batch = batch;
  k.base = (struct dom_req){.coll = coll, .home = w->c.scopes[0],
                            .district = w->c.trust ? w->c.district : NULL, .scope = a->scope,
                            .today = today, .now = now, .upsert = 1, .force = a->force};
  if ((rc = dom_index_new(&k.base.index)))
    goto out_fail;
  rc = cli_writer_read(w, check_rows, &k);
  print_problems(&c, &shown);
  if (rc && rc != LINLI_ENOTFOUND)
    goto out_fail;
  if (c.problems)
    goto out_bad;
  int stored = 0;
  if ((ret = cli_write_batch(w, batch, &stored)))
    goto out;
  printf(_("%zu %s records imported %s (%d ops)\n"), c.n_rows, domain_collections[coll].name,
         cli_writer_where(w), stored);
  ret = CLI_OK;
  goto out;
out_bad:
  if (c.problems > CSV_PROBLEMS_MAX)
    fprintf(stderr, _("... and %d more\n"), c.problems - CSV_PROBLEMS_MAX);
  ret = cli_fail("%s: %d problem(s); nothing was imported", a->pos[1], c.problems);
  goto out;
out_fail:
  ret = cli_fail("cannot import %s: %s", a->pos[1], cli_err(rc));
out:
  dom_index_free(k.base.index);
  free(k.plan);
  cli_batch_free(batch);
  cli_writer_close(w);
  csv_release(&c);
  free(buf);
  return ret;
}

/* ---- export ---- */

void cli_unread_note(size_t unread)
{
  if (unread)
    fprintf(stderr,
            ngettext("linli: %zu sealed value this node cannot read is left empty: the file "
                     "does not hold it (export on a node holding the community's key)\n",
                     "linli: %zu sealed values this node cannot read are left empty: the file "
                     "does not hold them (export on a node holding the community's key)\n",
                     unread),
            unread);
}

int cli_cmd_export_csv(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct store *s = NULL;
  struct store_read *rd = NULL;
  struct store_config sc = {a->data, 0, 0, 0, 1};
  FILE *f = NULL;
  size_t n = 0, unread = 0;
  int ret = CLI_FAIL, rc, coll = cli_collection_arg(a->pos[0]);
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (coll < 0) {
    free(c);
    fprintf(stderr, _("linli export-csv: no collection %s (see linli help export-csv)\n"), a->pos[0]);
    return cli_usage(cmd, CLI_USAGE);
  }
  if (cli_load_config(a->data, c))
    goto out;
  const char *scope = a->scope                                          ? a->scope
                      : domain_collections[coll].scope == DOM_SCOPE_DISTRICT && c->trust ? c->district
                                                                                      : c->scopes[0];
  if ((rc = store_open(&s, &sc)) || (rc = store_read_begin(s, &rd))) {
    ret = cli_fail("cannot read the database in %s: %s (has linlid run there yet?)", a->data,
                   cli_err(rc));
    goto out;
  }
  int to_stdout = !strcmp(a->pos[1], "-");
  /* personal data: the file is the user's alone */
  int fd = to_stdout ? -1 : open(a->pos[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (!to_stdout && (fd < 0 || !(f = fdopen(fd, "w")))) {
    ret = cli_fail("cannot write %s: %s", a->pos[1], strerror(errno));
    if (fd >= 0)
      close(fd);
    goto out;
  }
  if (to_stdout)
    f = stdout;
  /* For a spreadsheet: UTF-8 with a byte order mark, ID and phone numbers
   * as text. --plain: neither. --encoding gbk: for an old Excel. */
  unsigned flags = a->plain ? 0 : CSV_BOM | CSV_TEXT_GUARD;
  FILE *tmp = NULL;
  int gbk = a->encoding && strcasecmp(a->encoding, "utf-8") && strcasecmp(a->encoding, "utf8");
  if (gbk) {
    flags &= ~(unsigned)CSV_BOM;
    if (!(tmp = tmpfile())) {
      ret = cli_fail("cannot write a temporary file: %s", strerror(errno));
      goto out;
    }
  }
  rc = csv_export(rd, coll, scope, gbk ? tmp : f, flags, &n, &unread);
  if (!rc && gbk) { /* the UTF-8 text, converted */
    long size = ftell(tmp);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL, *conv = NULL;
    size_t got = 0;
    rewind(tmp);
    if (text && (got = fread(text, 1, (size_t)size, tmp)) == (size_t)size) {
      iconv_t cd = iconv_open(a->encoding, "UTF-8");
      if (cd != (iconv_t)-1) {
        size_t cap = 2 * got + 16, left = cap;
        char *i = text, *o = conv = malloc(cap);
        size_t il = got;
        if (!conv || iconv(cd, &i, &il, &o, &left) == (size_t)-1)
          rc = LINLI_EINVAL;
        else
          fwrite(conv, 1, cap - left, f);
        iconv_close(cd);
      } else {
        rc = LINLI_EINVAL;
      }
    } else {
      rc = LINLI_EIO;
    }
    free(text), free(conv);
    fclose(tmp);
    if (rc == LINLI_EINVAL) {
      ret = cli_fail("the records cannot be written as %s (a character it lacks, or an encoding "
                     "iconv does not know): write UTF-8", a->encoding);
      goto out;
    }
  }
  int werr = ferror(f) || (!to_stdout && fclose(f) != 0);
  if (rc || werr) {
    ret = cli_fail("cannot export to %s: %s", a->pos[1], rc ? cli_err(rc) : strerror(errno));
    goto out;
  }
  if (!to_stdout)
    fprintf(stderr, _("linli: %zu %s rows written to %s\n"), n, domain_collections[coll].name,
            a->pos[1]);
  cli_unread_note(unread);
  ret = CLI_OK;
out:
  store_read_end(rd);
  store_close(s);
  free(c);
  return ret;
}
