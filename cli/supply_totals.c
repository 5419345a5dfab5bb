/* linli supply order totals --date D [--building B] [FILE]: the day's group
 * orders summed per building and item, with the items' prices, as CSV for
 * the merchant (stdout or FILE) or as one .xlsx sheet. Sentences never name
 * a household. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

/* The building of a household code: the code without its unit and room
 * (SH-C01-3-2-501 -> SH-C01-3). */
static void building_of(const char *hh, char *out, size_t cap)
{
  snprintf(out, cap, "%s", hh);
  for (int cut = 0; cut < 2; cut++) {
    char *dash = strrchr(out, '-');
    if (dash && dash != out)
      *dash = 0;
  }
}

struct total {
  char building[CRDT_KEY_MAX + 1], item[CRDT_FIELD_MAX + 1];
  int64_t qty, orders;
};

struct totals {
  const char *scope, *date, *building;
  const struct crdt_view *v;
  struct total *t;
  size_t n, cap;
  int err, orders;
};

static int on_order(void *arg, const struct record *r)
{
  struct totals *t = arg;
  char date[16], hh[CRDT_KEY_MAX + 1], items[DOM_TEXT_MAX + 1], b[CRDT_KEY_MAX + 1];
  struct dom_items it;
  struct dom_err e;
  if (r->deleted || record_str(r, "date", date, sizeof date) || strcmp(date, t->date) ||
      record_str(r, "household", hh, sizeof hh) || record_str(r, "items", items, sizeof items) ||
      dom_items_parse(items, strlen(items), &it, &e))
    return 0;
  building_of(hh, b, sizeof b);
  if (t->building && strcmp(b, t->building))
    return 0;
  t->orders++;
  for (int i = 0; i < it.n; i++) {
    size_t k = 0;
    while (k < t->n && (strcmp(t->t[k].building, b) || strcmp(t->t[k].item, it.l[i].item)))
      k++;
    if (k == t->n) {
      if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        void *x = realloc(t->t, cap * sizeof t->t[0]);
        if (!x)
          return t->err = LINLI_ENOMEM;
        t->t = x, t->cap = cap;
      }
      memset(&t->t[k], 0, sizeof t->t[k]);
      snprintf(t->t[k].building, sizeof t->t[k].building, "%s", b);
      snprintf(t->t[k].item, sizeof t->t[k].item, "%s", it.l[i].item);
      t->n++;
    }
    t->t[k].qty += it.l[i].qty;
    t->t[k].orders++;
  }
  return 0;
}

static int total_cmp(const void *a, const void *b)
{
  const struct total *x = a, *y = b;
  int c = strcmp(x->building, y->building);
  return c ? c : strcmp(x->item, y->item);
}

/* The totals as CSV (to stdout when path is NULL, else to path) or, for a
 * path ending in .xlsx, as one sheet with Chinese headers and numbers as
 * numbers; *sum_fen the amount of every line at the items' prices. CLI_OK
 * or CLI_FAIL (said; *sum_fen then unspecified). */
static int totals_write(const char *path, const struct crdt_view *v, const struct totals *t,
                        int64_t *sum_fen)
{
  static const char *const zh[] = {"日期", "楼栋", "物资", "单位", "数量", "订单数", "单价（分）",
                                   "金额（分）"};
  enum { COLS = 8 };
  size_t pl = path ? strlen(path) : 0;
  *sum_fen = 0;
  if (pl > 5 && !strcasecmp(path + pl - 5, ".xlsx")) {
    char (*num)[4][24] = calloc(t->n ? t->n : 1, sizeof *num);
    const char **cells = calloc((t->n ? t->n : 1) * COLS, sizeof *cells);
    struct cli_unit *u = calloc(t->n ? t->n : 1, sizeof *u);
    int rc = CLI_FAIL;
    if (!num || !cells || !u) {
      cli_fail("%s", cli_err(LINLI_ENOMEM));
      goto out;
    }
    for (size_t i = 0; i < t->n; i++) {
      u[i] = cli_item_unit(v, t->scope, t->t[i].item);
      int64_t fen = u[i].price * t->t[i].qty;
      *sum_fen += fen;
      snprintf(num[i][0], 24, "%lld", (long long)t->t[i].qty);
      snprintf(num[i][1], 24, "%lld", (long long)t->t[i].orders);
      snprintf(num[i][2], 24, "%lld", (long long)u[i].price);
      snprintf(num[i][3], 24, "%lld", (long long)fen);
      const char *row[COLS] = {t->date,    t->t[i].building, t->t[i].item, u[i].unit,
                               num[i][0], num[i][1],        num[i][2],    num[i][3]};
      memcpy(cells + i * COLS, row, sizeof row);
    }
    rc = cli_xlsx_table(path, "团购汇总 totals", COLS, zh, cells, t->n, 0xf0);
  out:
    free(num);
    free(cells);
    free(u);
    return rc;
  }
  FILE *f = path ? fopen(path, "w") : stdout;
  if (!f)
    return cli_fail("cannot write %s: %s", path, strerror(errno));
  fprintf(f, _("date,building,item,unit,quantity,orders,price_fen,amount_fen\r\n"));
  for (size_t i = 0; i < t->n; i++) {
    struct cli_unit u = cli_item_unit(v, t->scope, t->t[i].item);
    int64_t fen = u.price * t->t[i].qty;
    *sum_fen += fen;
    fprintf(f, "%s,", t->date);
    csv_field(f, t->t[i].building, strlen(t->t[i].building));
    fprintf(f, ",%s,", t->t[i].item);
    csv_field(f, u.unit, strlen(u.unit));
    fprintf(f, ",%lld,%lld,%lld,%lld\r\n", (long long)t->t[i].qty, (long long)t->t[i].orders,
            (long long)u.price, (long long)fen);
  }
  if (path && fclose(f))
    return cli_fail("cannot write %s: %s", path, strerror(errno));
  return CLI_OK;
}

int cli_supply_totals(struct cli_args *a)
{
  struct config c;
  struct cli_snap x;
  char date[DOM_DATE_LEN + 1];
  if (a->n_pos > 3)
    return cli_fail("linli supply order totals takes --date D (and --building B) and at most "
                    "one FILE (.csv or .xlsx)"),
           CLI_USAGE;
  if (cli_load_config(a->data, &c))
    return CLI_FAIL;
  if (cli_date(&c, a->date, date, 1))
    return CLI_USAGE;
  if (cli_snap_open(&x, a->data))
    return CLI_FAIL;
  struct totals t = {a->scope ? a->scope : c.scopes[0], date, a->building, &x.v, NULL, 0, 0, 0, 0};
  int rc = record_each(&x.v, t.scope, domain_name(DOM_ORDER), NULL, on_order, &t);
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
  if (rc >= 0 && t.err)
    rc = t.err;
  if (rc < 0) {
    cli_snap_close(&x);
    free(t.t);
    return cli_fail("cannot read the group orders: %s", cli_err(rc));
  }
  qsort(t.t, t.n, sizeof t.t[0], total_cmp);
  int64_t sum_fen = 0;
  rc = totals_write(a->n_pos > 2 ? a->pos[2] : NULL, &x.v, &t, &sum_fen);
  if (rc != CLI_OK) {
    cli_snap_close(&x);
    free(t.t);
    return rc;
  }
  fprintf(stderr, _("linli: %d group order(s) of %s in community %s, %zu building/item line(s), "
          "%lld.%02lld yuan at the items' prices\n"), t.orders, date, t.scope, t.n,
          (long long)(sum_fen / 100), (long long)(sum_fen % 100));
  cli_snap_close(&x);
  free(t.t);
  return CLI_OK;
}
