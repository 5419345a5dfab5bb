/* linli export-xlsx: the records as one .xlsx workbook, one sheet per
 * collection, written by libxlsxwriter. The rows are csv_rows' (the same
 * cells export-csv writes); the header is the Chinese column names
 * import-csv reads; ID and phone numbers are text cells in text-formatted
 * columns (Excel would turn 420107198307027457 into 4.20107E+17); years,
 * quantities and temperatures are numbers. The file is created mode 600:
 * it holds personal data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xlsxwriter.h>

#include "cli.h"
#include "domain.h"
#include "store.h"
#include "verbs.h"

#define XLSX_COLS_MAX 64

struct sheet {
  lxw_worksheet *ws;
  lxw_format *text, *head;
  const struct dom_collection *c;
  lxw_row_t row;
};

static int is_number(const struct dom_field *f, const char *s)
{
  if (!f || !*s || (f->type != DOM_T_YEAR && f->type != DOM_T_QTY && f->type != DOM_T_TEMP))
    return 0;
  char *end;
  strtod(s, &end);
  return *end == 0;
}

static int sheet_row(void *arg, const char *const *cells, int n,
                     const struct dom_field *const *fields)
{
  struct sheet *sh = arg;
  if (n > XLSX_COLS_MAX)
    n = XLSX_COLS_MAX;
  for (lxw_col_t k = 0; k < (lxw_col_t)n; k++) {
    const char *s = cells[k];
    lxw_error e;
    if (!fields) { /* the header: the Chinese names import-csv also reads */
      const struct dom_field *f = domain_field(sh->c, s, strlen(s));
      if (sh->c->key_col && !strcmp(s, sh->c->key_col) && sh->c->key_col_zh)
        s = sh->c->key_col_zh;
      else if (f && f->csv_zh)
        s = f->csv_zh;
      if (f && csv_is_text_number(f))
        worksheet_set_column(sh->ws, k, k, 20, sh->text);
      e = worksheet_write_string(sh->ws, sh->row, k, s, sh->head);
    } else if (!*s) {
      continue; /* an empty cell stays empty */
    } else if (is_number(fields[k], s)) {
      e = worksheet_write_number(sh->ws, sh->row, k, strtod(s, NULL), NULL);
    } else {
      e = worksheet_write_string(sh->ws, sh->row, k, s,
                                 fields[k] && csv_is_text_number(fields[k]) ? sh->text : NULL);
    }
    if (e != LXW_NO_ERROR)
      return LINLI_EIO;
  }
  sh->row++;
  return 0;
}

int cli_cmd_export_xlsx(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct store *s = NULL;
  struct store_read *rd = NULL;
  struct store_config sc = {a->data, 0, 0, 0, 1};
  lxw_workbook *wb = NULL;
  int colls[DOM_N_COLLECTIONS], n_colls = 0, ret = CLI_FAIL, rc = 0;
  size_t rows[DOM_N_COLLECTIONS] = {0}, total = 0, unread = 0, un = 0;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  for (int i = 1; i < a->n_pos; i++) {
    int k = cli_collection_arg(a->pos[i]);
    if (k < 0) {
      free(c);
      fprintf(stderr, _("linli export-xlsx: no collection %s (see linli help export-xlsx)\n"),
              a->pos[i]);
      return cli_usage(cmd, CLI_USAGE);
    }
    for (int j = 0; j < n_colls; j++)
      if (colls[j] == k)
        k = -1;
    if (k >= 0)
      colls[n_colls++] = k;
  }
  if (!n_colls)
    for (int i = 0; i < DOM_N_COLLECTIONS; i++)
      colls[n_colls++] = i;
  if (cli_load_config(a->data, c))
    goto out;
  if ((rc = store_open(&s, &sc)) || (rc = store_read_begin(s, &rd))) {
    ret = cli_fail("cannot read the database in %s: %s (has linlid run there yet?)", a->data,
                   cli_err(rc));
    goto out;
  }
  wb = workbook_new(a->pos[0]);
  if (!wb) {
    ret = cli_fail("cannot write %s", a->pos[0]);
    goto out;
  }
  lxw_format *text = workbook_add_format(wb), *head = workbook_add_format(wb);
  format_set_num_format(text, "@");
  format_set_bold(head);
  for (int i = 0; i < n_colls && !rc; i++) {
    const struct dom_collection *dc = &domain_collections[colls[i]];
    const char *scope = a->scope ? a->scope
                        : dc->scope == DOM_SCOPE_DISTRICT && c->trust ? c->district
                                                                      : c->scopes[0];
    char name[LXW_SHEETNAME_MAX + 1];
    /* Sheets by the collection's Chinese noun, its English name beside. */
    snprintf(name, sizeof name, "%s %s", dc->noun.zh ? dc->noun.zh : "", dc->name);
    if (strlen(name) > 31 || workbook_validate_sheet_name(wb, name) != LXW_NO_ERROR)
      snprintf(name, sizeof name, "%.31s", dc->name);
    struct sheet sh = {workbook_add_worksheet(wb, name), text, head, dc, 0};
    if (!sh.ws) {
      rc = LINLI_EINVAL;
      break;
    }
    worksheet_freeze_panes(sh.ws, 1, 0);
    rc = csv_rows(rd, colls[i], scope, sheet_row, &sh, &rows[i], &un);
    total += rows[i], unread += un;
  }
  mode_t old = umask(077); /* personal data: the file (made at close) is the user's alone */
  lxw_error we = workbook_close(wb);
  umask(old);
  wb = NULL;
  if (rc || we != LXW_NO_ERROR) {
    ret = cli_fail("cannot export to %s: %s", a->pos[0],
                   rc ? cli_err(rc) : lxw_strerror(we));
    remove(a->pos[0]);
    goto out;
  }
  fprintf(stderr, _("linli: %zu rows in %d sheet(s) written to %s\n"), total, n_colls, a->pos[0]);
  cli_unread_note(unread);
  ret = CLI_OK;
out:
  store_read_end(rd);
  store_close(s);
  free(c);
  return ret;
}

int cli_xlsx_table(const char *path, const char *sheet, int n_cols, const char *const *head,
                   const char *const *cells, size_t n_rows, unsigned numeric)
{
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return cli_fail("cannot write %s", path);
  lxw_format *bold = workbook_add_format(wb), *text = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_num_format(text, "@");
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
  lxw_error e = ws ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
  for (int k = 0; k < n_cols && e == LXW_NO_ERROR; k++) {
    e = worksheet_write_string(ws, 0, (lxw_col_t)k, head[k], bold);
    if (e == LXW_NO_ERROR && !(numeric >> k & 1))
      e = worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, 16, text);
  }
  if (ws)
    worksheet_freeze_panes(ws, 1, 0);
  for (size_t r = 0; r < n_rows && e == LXW_NO_ERROR; r++)
    for (int k = 0; k < n_cols && e == LXW_NO_ERROR; k++) {
      const char *v = cells[r * (size_t)n_cols + (size_t)k];
      e = numeric >> k & 1 ? worksheet_write_number(ws, (lxw_row_t)(r + 1), (lxw_col_t)k,
                                                    strtod(v, NULL), NULL)
                           : worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)k, v, text);
    }
  lxw_error we = workbook_close(wb);
  if (e != LXW_NO_ERROR || we != LXW_NO_ERROR) {
    remove(path);
    return cli_fail("cannot export to %s: %s", path, lxw_strerror(e != LXW_NO_ERROR ? e : we));
  }
  return CLI_OK;
}
