/* linli today [--grid G] [--date D] [--html FILE]: the morning sheet a grid
 * worker takes out (node/domain/domain.h "the morning sheet"), as text, or
 * as one printable HTML page (A4, the Chinese fonts named in its CSS, no
 * resource fetched from anywhere) for volunteers who use no smartphone.
 * The page holds personal data (names): a new file gets mode 600. Works
 * with linlid stopped. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

struct sheet {
  FILE *f;
  int html, section, rows;
  size_t count[DOM_TODAY_N];
};

static const char *val(const struct dom_row *r, int coll, const char *field)
{
  const struct dom_collection *c = &domain_collections[coll];
  int i = domain_field_index(c, field, strlen(field));
  return i >= 0 && r->val[i] ? r->val[i] : "";
}

/* Text for HTML: & < > " ' escaped. */
static void esc(FILE *f, const char *s)
{
  for (; *s; s++)
    switch (*s) {
    case '&':
      fputs(_("&amp;"), f);
      break;
    case '<':
      fputs(_("&lt;"), f);
      break;
    case '>':
      fputs(_("&gt;"), f);
      break;
    case '"':
      fputs(_("&quot;"), f);
      break;
    case '\'':
      fputs("&#39;", f);
      break;
    default:
      fputc(*s, f);
    }
}

/* The cells of one item, per section (enough to act on it). */
static int cells(const struct dom_today_item *it, const char **out)
{
  const struct dom_row *r = it->row;
  int c = dom_today_colls[it->section], n = 0;
  out[n++] = r->key;
  switch (it->section) {
  case DOM_TODAY_FEVERS:
    out[n++] = val(r, c, "temp_dc"), out[n++] = r->household, out[n++] = r->compound;
    break;
  case DOM_TODAY_UNCHECKED:
    out[n++] = val(r, c, "name"), out[n++] = r->household, out[n++] = r->grid;
    break;
  case DOM_TODAY_OPEN_CASES:
  case DOM_TODAY_DUE:
    out[n++] = val(r, c, "category"), out[n++] = val(r, c, "resident");
    out[n++] = val(r, c, "start_date"), out[n++] = val(r, c, "compound");
    break;
  case DOM_TODAY_PROXY:
  case DOM_TODAY_ORDERS:
    out[n++] = val(r, c, "household"), out[n++] = val(r, c, "items"), out[n++] = val(r, c, "status");
    break;
  case DOM_TODAY_HARDSHIP:
    out[n++] = val(r, c, "compound"), out[n++] = r->grid;
    break;
  case DOM_TODAY_UNDISINFECTED:
    out[n++] = val(r, c, "name");
    break;
  case DOM_TODAY_VERDICTS:
    out[n++] = val(r, c, "name");
    out[n++] = it->verdict->eligible ? _("epidemic-free") : _("not epidemic-free");
    out[n++] = it->verdict->reason;
    break;
  }
  return n;
}

static int on_item(void *arg, const struct dom_today_item *it)
{
  struct sheet *s = arg;
  if (it->section != s->section || !s->rows) {
    if (s->rows && s->html)
      fputs("</table>\n", s->f);
    s->section = it->section;
    s->rows = 1;
    if (s->html) {
      fputs("<h2>", s->f);
      esc(s->f, dom_today_titles[it->section].zh);
      fputs(" <small>", s->f);
      esc(s->f, dom_today_titles[it->section].en); /* the printed sheet is in both */
      fprintf(s->f, "</small></h2>\n<table data-section=\"%d\">\n", it->section);
    } else if (cli_zh()) {
      fprintf(s->f, "\n== %s\n", dom_today_titles[it->section].zh);
    } else {
      fprintf(s->f, "\n== %s (%s)\n", dom_today_titles[it->section].en,
              dom_today_titles[it->section].zh);
    }
  }
  if (!it->row) {
    if (s->html)
      fputs("<tr><td class=\"none\">无 none</td></tr>\n", s->f);
    else
      fputs(_("   none\n"), s->f);
    return 0;
  }
  const char *c[8];
  int n = cells(it, c);
  s->count[it->section]++;
  if (s->html) {
    fputs("<tr>", s->f);
    for (int i = 0; i < n; i++) {
      fputs("<td>", s->f);
      esc(s->f, c[i]);
      fputs("</td>", s->f);
    }
    fputs("</tr>\n", s->f);
  } else {
    fputs("   ", s->f);
    for (int i = 0; i < n; i++)
      fprintf(s->f, "%s%s", i ? "  " : "", *c[i] ? c[i] : "-");
    fputc('\n', s->f);
  }
  return 0;
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
    "'unsafe-inline'\">\n<title>每日工作单 today</title>\n<style>\n"
    "@page { size: A4; margin: 12mm; }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\", "
    "\"Microsoft YaHei\", sans-serif; font-size: 10pt; margin: 0 auto; max-width: 190mm; }\n"
    "h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 10pt 0 3pt; "
    "break-after: avoid; }\n"
    "small { font-weight: normal; color: #555; }\n"
    "table { border-collapse: collapse; width: 100%; }\n"
    "td { border: 1px solid #999; padding: 2pt 4pt; vertical-align: top; overflow-wrap: anywhere; }\n"
    "td.none { color: #777; }\n"
    "tr { break-inside: avoid; }\n"
    "</style>\n</head>\n<body>\n";

int cli_cmd_today(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct store_config sc = {a->data, 0, 0, 0, 1};
  struct store *st = NULL;
  struct store_read *rd = NULL;
  char date[DOM_DATE_LEN + 1];
  struct sheet s;
  int rc = CLI_FAIL, e;
  (void)cmd;
  memset(&s, 0, sizeof s);
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (cli_load_config(a->data, c))
    goto out;
  if ((rc = cli_date(c, a->date, date, 1))) {
    rc = CLI_USAGE;
    goto out;
  }
  rc = CLI_FAIL;
  const char *scope = a->scope ? a->scope : c->scopes[0];
  s.f = stdout;
  if (a->html) { /* --html FILE */
    int fd = open(a->html, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(s.f = fdopen(fd, "w"))) {
      rc = cli_fail("cannot write %s: %s", a->html, strerror(errno));
      if (fd >= 0)
        close(fd);
      goto out;
    }
    s.html = 1;
  }
  if ((e = store_open(&st, &sc)) || (e = store_read_begin(st, &rd))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", a->data,
                  cli_err(e));
    goto out;
  }
  if (s.html) {
    fputs(page_head, s.f);
    fputs("<h1>每日工作单 ", s.f);
    esc(s.f, scope);
    fputs(" ", s.f);
    esc(s.f, date);
    if (a->grid) {
      fputs(" 网格 ", s.f);
      esc(s.f, a->grid);
    }
    fputs("</h1>\n", s.f);
  } else {
    printf(_("today's sheet for %s%s%s on %s\n"), scope, a->grid ? ", grid " : "",
           a->grid ? a->grid : "", date);
  }
  e = dom_today(rd, scope, date, a->grid, on_item, &s);
  if (s.html) {
    if (s.rows)
      fputs("</table>\n", s.f);
    fputs("</body>\n</html>\n", s.f);
  }
  if (e) {
    rc = cli_fail("cannot read the records: %s", cli_err(e));
    goto out;
  }
  if (s.html)
    fprintf(stderr, _("linli: the sheet for %s is in %s (%zu fevers, %zu not checked, %zu open "
                    "cases)\n"), date, a->html, s.count[DOM_TODAY_FEVERS],
            s.count[DOM_TODAY_UNCHECKED], s.count[DOM_TODAY_OPEN_CASES]);
  rc = CLI_OK;
out:
  if (s.f && s.f != stdout && fclose(s.f) && rc == CLI_OK)
    rc = cli_fail("cannot write %s: %s", a->html, strerror(errno));
  store_read_end(rd);
  store_close(st);
  free(c);
  return rc;
}
