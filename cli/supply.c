/* linli supply stock (the ledger), supply order add --building|--grid (one
 * order per household in one batch), supply order set --building, linli
 * report community|district --supply: the supply ledger of
 * node/domain/supply.c on the command line (supply order totals is in
 * supply_totals.c). The item check, the stock check and the draw-down
 * are the domain's (dom_plan). Sentences never name a household. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

/* s padded to width columns of a terminal (CJK characters count two). */
static const char *pad(const char *s, int width, char *buf, size_t cap)
{
  int w = cli_dwidth(s, strlen(s));
  snprintf(buf, cap, "%s%*s", s, w < width ? width - w : 0, "");
  return buf;
}

/* ---- a read-only snapshot of the node's store ---- */

int cli_snap_open(struct cli_snap *x, const char *data)
{
  struct store_config sc = {data, 0, 0, 0, 1};
  int rc;
  memset(x, 0, sizeof *x);
  if ((rc = store_open(&x->s, &sc)) || (rc = store_read_begin(x->s, &x->rd))) {
    store_close(x->s);
    x->s = NULL;
    return cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", data,
                    cli_err(rc));
  }
  x->v = store_read_view(x->rd);
  return CLI_OK;
}

void cli_snap_close(struct cli_snap *x)
{
  store_read_end(x->rd);
  store_close(x->s);
}

/* ---- the unit and price of an item of the list ---- */

static int on_unit(void *arg, const struct record *r)
{
  struct cli_unit *u = arg;
  if (r->deleted)
    return 0;
  if (record_str(r, "unit", u->unit, sizeof u->unit))
    u->unit[0] = 0;
  if (record_int(r, "price_fen", &u->price))
    u->price = 0;
  return 0;
}

struct cli_unit cli_item_unit(const struct crdt_view *v, const char *scope, const char *item)
{
  struct cli_unit u = {"", 0};
  record_each(v, scope, domain_name(DOM_ITEM), item, on_unit, &u);
  return u;
}

/* ---- linli supply stock: the ledger ---- */

struct ledger_print {
  struct cli_args *a;
  const char *scope;
  const struct crdt_view *v;
  int n, overdrafts;
  char first_over[CRDT_KEY_MAX + CRDT_FIELD_MAX + 80];
};

static int on_line(void *arg, const struct dom_stock_line *l)
{
  struct ledger_print *p = arg;
  struct cli_unit u = cli_item_unit(p->v, p->scope, l->item);
  int over = l->on_hand < 0;
  if (p->a->json) {
    printf("%s{\"stock\":", p->n ? ",\n" : "[");
    cli_json_str(stdout, l->stock, strlen(l->stock));
    printf(",\"item\":\"%s\",\"unit\":", l->item);
    cli_json_str(stdout, u.unit, strlen(u.unit));
    printf(",\"received\":%lld,\"handed_out_free\":%lld,\"handed_out_paid\":%lld,\"other_out\":%lld,"
           "\"on_hand\":%lld,\"overdraft\":%lld}",
           (long long)l->received, (long long)l->out_free, (long long)l->out_paid,
           (long long)l->other_out, (long long)l->on_hand, (long long)(over ? -l->on_hand : 0));
  } else {
    if (!p->n)
      printf("%-16s %-16s %-6s %10s %10s %10s %8s %10s\n", "STOCK", "ITEM", "UNIT", "RECEIVED",
             "FREE OUT", "PAID OUT", "OTHER", "ON HAND");
    char ub[48];
    printf("%-16s %-16s %s %10lld %10lld %10lld %8lld %10lld%s\n", l->stock, l->item,
           pad(u.unit[0] ? u.unit : "-", 6, ub, sizeof ub), (long long)l->received, (long long)l->out_free,
           (long long)l->out_paid, (long long)l->other_out, (long long)l->on_hand,
           over ? "  OVERDRAWN" : "");
  }
  if (over && !p->overdrafts)
    snprintf(p->first_over, sizeof p->first_over, "linli supply stock in --data DIR %s %s=%lld "
             "source=...", l->stock, l->item, (long long)-l->on_hand);
  p->overdrafts += over;
  p->n++;
  return 0;
}

static int stock_ledger(struct cli_args *a)
{
  struct config c;
  struct cli_snap x;
  if (a->n_pos > 1)
    return cli_fail("linli supply stock shows the ledger of every stock; a verb (in, out, show, "
                    "list) goes after stock"), CLI_USAGE;
  if (cli_load_config(a->data, &c) || cli_snap_open(&x, a->data))
    return CLI_FAIL;
  struct ledger_print p = {a, a->scope ? a->scope : c.scopes[0], &x.v, 0, 0, ""};
  int rc = dom_stock_ledger(x.rd, p.scope, on_line, &p);
  cli_snap_close(&x);
  if (rc < 0)
    return cli_fail("cannot read the stock: %s", cli_err(rc));
  if (a->json) {
    printf("%s]\n", p.n ? "\n" : "[");
    return CLI_OK;
  }
  if (!p.n)
    printf(_("no stock in community %s yet (linli supply stock in STOCK item=N source=...)\n"),
           p.scope);
  else
    printf(_("%d item line(s) in community %s; FREE OUT: relief, PAID OUT: group orders and proxy, "
           "OTHER: stock out and imports\n"), p.n, p.scope);
  if (p.overdrafts)
    printf(_("%d OVERDRAWN: hand-outs written on two nodes at once (a partition) took more than the "
           "stock held; every hand-out is kept (linli supply list). Resolve it with the receipt "
           "that covers it, e.g.: %s\n"), p.overdrafts, p.first_over);
  return CLI_OK;
}

/* ---- linli supply order add KEY --building B | --grid G ---- */

struct hh_pick {
  const char *building, *grid;
  char (*keys)[CRDT_KEY_MAX + 1];
  int n, cap, err;
};

static int on_hh(void *arg, const struct record *r)
{
  struct hh_pick *h = arg;
  char grid[CRDT_KEY_MAX + 1];
  size_t bl = h->building ? strlen(h->building) : 0;
  if (r->deleted || r->key.len > CRDT_KEY_MAX)
    return 0;
  if (h->building && (r->key.len <= bl + 1 || memcmp(r->key.p, h->building, bl) ||
                      r->key.p[bl] != '-'))
    return 0;
  if (h->grid && (record_str(r, "grid", grid, sizeof grid) || strcmp(grid, h->grid)))
    return 0;
  if (h->n == h->cap) {
    int cap = h->cap ? 2 * h->cap : 64;
    void *k = realloc(h->keys, (size_t)cap * sizeof h->keys[0]);
    if (!k)
      return h->err = LINLI_ENOMEM;
    h->keys = k, h->cap = cap;
  }
  memcpy(h->keys[h->n], r->key.p, r->key.len);
  h->keys[h->n][r->key.len] = 0;
  h->n++;
  return 0;
}

struct bulk {
  struct cli_writer *w;
  struct cli_args *a;
  const struct dom_command *cmd;
  const char *key;
  struct cli_batch *b;
  struct hh_pick h;
  int planned, code;
  struct dom_err e;
  char today[DOM_DATE_LEN + 1], now[9];
};

static int plan_bulk(void *arg, const struct crdt_view *v)
{
  struct bulk *k = arg;
  const char *scope = k->w->c.scopes[0];
  struct dom_plan *p = malloc(sizeof *p);
  struct dom_index *ix = NULL;
  int rc = record_each(v, scope, domain_name(DOM_HOUSEHOLD), NULL, on_hh, &k->h);
  if (!p)
    return LINLI_ENOMEM;
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    goto out;
  if ((rc = k->h.err) || (rc = dom_index_new(&ix)))
    goto out;
  int n_args = k->a->n_pos - 3;
  const char **args = malloc((size_t)(n_args + 1) * sizeof *args);
  char hharg[CRDT_KEY_MAX + 16], okey[CRDT_KEY_MAX + 1];
  if (!args) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  for (int i = 0; i < n_args; i++)
    args[i] = k->a->pos[3 + i];
  for (int i = 0; i < k->h.n && !k->code; i++) {
    snprintf(hharg, sizeof hharg, "household=%s", k->h.keys[i]);
    args[n_args] = hharg;
    if (snprintf(okey, sizeof okey, "%s-%03d", k->key, i + 1) > DOM_KEY_MAX) {
      k->code = CLI_USAGE;
      dom_fail(&k->e, DOM_MALFORMED, "ORDER is too long to number the orders (ORDER-001...)");
      break;
    }
    struct dom_req r = {.coll = DOM_ORDER, .cmd = k->cmd, .verb = DOM_V_ADD, .key = okey,
                        .args = args, .n_args = n_args + 1, .home = scope,
                        .district = k->w->c.trust ? k->w->c.district : NULL, .today = k->today,
                        .now = k->now, .index = ix};
    rc = dom_plan(&r, v, p, &k->e);
    if (rc < 0)
      break;
    if (rc) {
      k->code = k->e.code;
      rc = 0;
      break;
    }
    if ((rc = cli_batch_add_plan(k->b, p)))
      break;
    k->planned++;
  }
  free(args);
out:
  dom_index_free(ix);
  free(p);
  return rc < 0 ? rc : 0;
}

static int order_bulk(struct cli_args *a, const struct dom_command *cmd)
{
  struct bulk k;
  int rc, stored = 0;
  memset(&k, 0, sizeof k);
  if (a->n_pos < 3 || (a->building && a->grid) || (!a->building && !a->grid))
    return cli_fail("give the ORDER key and --building B or --grid G, e.g. linli supply order add "
                    "--data DIR SH-go-1203 --building SH-C01-3 items=veg_pack:1"), CLI_USAGE;
  for (int i = 3; i < a->n_pos; i++)
    if (!strncmp(a->pos[i], "household=", 10))
      return cli_fail("--building and --grid give the households: no household="), CLI_USAGE;
  const char *why = dom_key_problem(a->pos[2], strlen(a->pos[2]));
  if (why)
    return cli_fail("ORDER is a key like SH-go-1203; this one %s", why), CLI_USAGE;
  if (!(k.b = cli_batch_new()))
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if ((rc = cli_writer_open(&k.w, a->data))) {
    cli_batch_free(k.b);
    return rc;
  }
  k.a = a;
  k.cmd = cmd;
  k.key = a->pos[2];
  k.h.building = a->building;
  k.h.grid = a->grid;
  cli_today(&k.w->c, k.today, k.now);
  rc = cli_writer_read(k.w, plan_bulk, &k);
  if (rc < 0 && rc != LINLI_ENOTFOUND) {
    rc = cli_fail("cannot read the records: %s", cli_err(rc));
  } else if (k.code) {
    fprintf(stderr, _("linli supply order add: %s (nothing written)\n"), k.e.msg);
    rc = k.code;
  } else if (!k.h.n) {
    rc = cli_fail("no registered household in %s %s of community %s: nothing ordered",
                  a->building ? "building" : "grid", a->building ? a->building : a->grid,
                  k.w->c.scopes[0]);
  } else if ((rc = cli_write_batch(k.w, k.b, &stored)) == CLI_OK) {
    fprintf(stderr, _("linli: %d group orders %s-001..%s-%03d registered for the households of %s "
            "%s: %d ops stored %s\n"), k.planned, k.key, k.key, k.planned,
            a->building ? "building" : "grid", a->building ? a->building : a->grid, stored,
            cli_writer_where(k.w));
  }
  free(k.h.keys);
  cli_batch_free(k.b);
  cli_writer_close(k.w);
  return rc;
}

/* ---- linli supply order set --building B status=delivered: the building at once ---- */

struct order_pick {
  const char *building, *date, *status;
  char (*keys)[CRDT_KEY_MAX + 1];
  int n, cap, err, done;
};

static int on_pick_order(void *arg, const struct record *r)
{
  struct order_pick *o = arg;
  char hh[CRDT_KEY_MAX + 1], date[16], status[32];
  size_t bl = strlen(o->building);
  if (r->deleted || r->key.len > CRDT_KEY_MAX || record_str(r, "household", hh, sizeof hh) ||
      strncmp(hh, o->building, bl) || hh[bl] != '-')
    return 0;
  if (o->date && (record_str(r, "date", date, sizeof date) || strcmp(date, o->date)))
    return 0;
  if (o->status && record_str(r, "status", status, sizeof status) == 0 && !strcmp(status, o->status)) {
    o->done++; /* there already */
    return 0;
  }
  if (o->n == o->cap) {
    int cap = o->cap ? 2 * o->cap : 64;
    void *k = realloc(o->keys, (size_t)cap * sizeof o->keys[0]);
    if (!k)
      return o->err = LINLI_ENOMEM;
    o->keys = k, o->cap = cap;
  }
  memcpy(o->keys[o->n], r->key.p, r->key.len);
  o->keys[o->n][r->key.len] = 0;
  o->n++;
  return 0;
}

/* What the plans of a batch draw from each stock item, against what it holds. */
struct draws {
  char stock[8][CRDT_KEY_MAX + 1];
  char item[8 * DOM_ITEMS_MAX][CRDT_FIELD_MAX + 1];
  int at_stock[8 * DOM_ITEMS_MAX];
  int64_t take[8 * DOM_ITEMS_MAX];
  int n_stock, n;
};

static int draws_add(struct draws *d, const struct dom_plan *p)
{
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *c = &p->ch[i];
    if (c->kind != CRDT_COUNTER || strcmp(c->coll, domain_name(DOM_STOCK)))
      continue;
    int s = 0;
    while (s < d->n_stock && strcmp(d->stock[s], c->key))
      s++;
    if (s == d->n_stock) {
      if (s == 8)
        return -1;
      snprintf(d->stock[d->n_stock++], sizeof d->stock[0], "%s", c->key);
    }
    struct crdt_mp r;
    uint32_t n;
    crdt_mp_init(&r, c->body, c->body_len);
    if (crdt_mp_map(&r, &n))
      return -1;
    for (uint32_t k = 0; k < n; k++) {
      const char *name;
      uint32_t nl;
      int64_t q;
      if (crdt_mp_str(&r, &name, &nl) || crdt_mp_int(&r, &q) || nl > CRDT_FIELD_MAX)
        return -1;
      int x = 0;
      while (x < d->n && (d->at_stock[x] != s || strlen(d->item[x]) != nl ||
                          memcmp(d->item[x], name, nl)))
        x++;
      if (x == d->n) {
        if (x == 8 * DOM_ITEMS_MAX)
          return -1;
        memcpy(d->item[x], name, nl);
        d->item[x][nl] = 0;
        d->at_stock[x] = s, d->take[x] = 0, d->n++;
      }
      d->take[x] -= q; /* the counter op holds minus the quantity */
    }
  }
  return 0;
}

struct held_look {
  const char *item;
  int64_t sum;
};

static int on_held(void *arg, const struct record *r)
{
  struct held_look *h = arg;
  const struct record_field *f = r->deleted ? NULL : record_field(r, h->item);
  h->sum = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  return 0;
}

struct bulk_set {
  struct cli_writer *w;
  struct cli_args *a;
  const struct dom_command *cmd;
  struct cli_batch *b;
  struct order_pick o;
  struct draws d;
  int planned, code, at; /* the field=value arguments: a->pos + at */
  struct dom_err e;
  char today[DOM_DATE_LEN + 1], now[9];
};

static int plan_bulk_set(void *arg, const struct crdt_view *v)
{
  struct bulk_set *k = arg;
  const char *scope = k->w->c.scopes[0];
  struct dom_plan *p = malloc(sizeof *p);
  if (!p)
    return LINLI_ENOMEM;
  int rc = record_each(v, scope, domain_name(DOM_ORDER), NULL, on_pick_order, &k->o);
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
  if (!rc)
    rc = k->o.err;
  for (int i = 0; i < k->o.n && !rc && !k->code; i++) {
    struct dom_req r = {.coll = DOM_ORDER, .cmd = k->cmd, .verb = DOM_V_SET, .key = k->o.keys[i],
                        .args = k->a->pos + k->at, .n_args = k->a->n_pos - k->at, .home = scope,
                        .district = k->w->c.trust ? k->w->c.district : NULL, .today = k->today,
                        .now = k->now};
    rc = dom_plan(&r, v, p, &k->e);
    if (rc > 0)
      k->code = k->e.code, rc = 0;
    else if (!rc && draws_add(&k->d, p))
      k->code = dom_fail(&k->e, DOM_REFUSED, "the orders of one building draw from at most 8 "
                         "stocks and %d items at once", 8 * DOM_ITEMS_MAX);
    else if (!rc && !(rc = cli_batch_add_plan(k->b, p)))
      k->planned++;
  }
  /* together, the orders may not take more than the stock holds */
  for (int x = 0; x < k->d.n && !rc && !k->code; x++) {
    struct held_look h = {k->d.item[x], 0};
    int e = record_each(v, scope, domain_name(DOM_STOCK), k->d.stock[k->d.at_stock[x]], on_held, &h);
    if (e < 0 && e != LINLI_ENOTFOUND)
      rc = e;
    else if (h.sum < k->d.take[x])
      k->code = dom_fail(&k->e, DOM_REFUSED, "the %d orders of the building take %lld of %s; stock "
                         "%s holds %lld: deliver fewer (one by one) or receive more first",
                         k->planned, (long long)k->d.take[x], k->d.item[x],
                         k->d.stock[k->d.at_stock[x]], (long long)(h.sum < 0 ? 0 : h.sum));
  }
  free(p);
  return rc;
}

static int order_bulk_set(struct cli_args *a, const struct dom_command *cmd)
{
  struct bulk_set *k = calloc(1, sizeof *k);
  char date[DOM_DATE_LEN + 1], status[40] = "";
  int rc, stored = 0;
  if (!k)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (a->n_pos < 3 || a->grid) {
    free(k);
    return cli_fail("linli supply order set --building B [--date D] field=value... sets the "
                    "orders of every household of building B (no ORDER key)"), CLI_USAGE;
  }
  for (int i = 2; i < a->n_pos; i++) {
    if (!strchr(a->pos[i], '=')) {
      free(k);
      return cli_fail("--building gives the orders: no ORDER key, only field=value"), CLI_USAGE;
    }
    if (!strncmp(a->pos[i], "status=", 7))
      snprintf(status, sizeof status, "%s", a->pos[i] + 7);
  }
  if ((rc = cli_writer_open(&k->w, a->data))) {
    free(k);
    return rc;
  }
  if (a->date && (rc = cli_date(&k->w->c, a->date, date, 1)))
    goto out;
  if (!(k->b = cli_batch_new())) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  k->a = a;
  k->at = 2; /* order set FIELD=VALUE... */
  k->cmd = cmd;
  k->o.building = a->building;
  k->o.date = a->date ? date : NULL;
  k->o.status = status[0] && strcmp(status, "已送达") ? status : status[0] ? "delivered" : NULL;
  cli_today(&k->w->c, k->today, k->now);
  rc = cli_writer_read(k->w, plan_bulk_set, k);
  if (rc < 0 && rc != LINLI_ENOTFOUND) {
    rc = cli_fail("cannot read the records: %s", cli_err(rc));
  } else if (k->code) {
    fprintf(stderr, _("linli supply order set: %s (nothing written)\n"), k->e.msg);
    rc = k->code;
  } else if (!k->o.n) {
    rc = cli_fail("no group order of building %s%s%s to change in community %s (%d there already)",
                  a->building, a->date ? " of " : "", a->date ? date : "", k->w->c.scopes[0],
                  k->o.done);
  } else if ((rc = cli_write_batch(k->w, k->b, &stored)) == CLI_OK) {
    fprintf(stderr, _("linli: %d group orders of building %s changed at once%s: %d ops stored %s\n"),
            k->planned, a->building,
            k->o.status && !strcmp(k->o.status, "delivered") ? ", their hand-outs logged and drawn "
                                                               "from the stock" : "",
            stored, cli_writer_where(k->w));
  }
out:
  free(k->o.keys);
  cli_batch_free(k->b);
  cli_writer_close(k->w);
  free(k);
  return rc;
}

/* ---- the hook of cli_cmd_records ---- */

int cli_supply(const struct cli_cmd *cc, struct cli_args *a)
{
  if (strcmp(cc->name, "supply") || a->help || a->n_pos < 1)
    return -1;
  if (!strcmp(a->pos[0], "stock") && a->n_pos == 1)
    return stock_ledger(a);
  if (a->n_pos >= 2 && !strcmp(a->pos[0], "order") && !strcmp(a->pos[1], "totals"))
    return cli_supply_totals(a);
  if (a->n_pos >= 2 && !strcmp(a->pos[0], "order") && !strcmp(a->pos[1], "add") &&
      (a->building || a->grid))
    return order_bulk(a, domain_command("supply", "order"));
  if (a->n_pos >= 2 && !strcmp(a->pos[0], "order") && !strcmp(a->pos[1], "set") && a->building)
    return order_bulk_set(a, domain_command("supply", "order"));
  if (a->building)
    return cli_fail("--building goes with supply order add and supply order totals"), CLI_USAGE;
  return -1;
}

/* ---- linli report community|district --supply ---- */


int cli_supply_report(struct cli_args *a)
{
  struct config c;
  struct cli_snap x;
  char date[DOM_DATE_LEN + 1], from[DOM_DATE_LEN + 1];
  int64_t day, days = 1;
  if (cli_load_config(a->data, &c))
    return CLI_FAIL;
  if (cli_date(&c, a->n_pos > 1 ? a->pos[1] : NULL, date, 1))
    return CLI_USAGE;
  if (a->days) {
    char *end;
    days = strtoll(a->days, &end, 10);
    if (*end || days < 1 || days > 3660)
      return cli_fail("--days takes a whole number from 1 to 3660, not '%s'", a->days), CLI_USAGE;
  }
  rules_date_days(date, strlen(date), &day);
  rules_days_date(day - days + 1, from);
  int district = !strcmp(a->pos[0], "district");
  if (!district && strcmp(a->pos[0], "community"))
    return cli_fail("report what? 'district' (every community this node holds) or 'community'");
  if (cli_snap_open(&x, a->data))
    return CLI_FAIL;
  struct dom_supply_row *tot = NULL;
  size_t n_tot = 0;
  int rc = 0, first = 1;
  if (a->json)
    printf("{\"from\":\"%s\",\"to\":\"%s\",\"communities\":[", from, date);
  else
    printf(_("supply report %s to %s (%s), figures as this node holds them\n\n"), from, date,
           district ? "district" : "community");
  if (!a->json)
    printf("%-12s %-14s %-12s %-5s %10s %10s %10s %9s %10s\n", "community", "item", "name", "unit",
           "free", "sold", "households", "hardship", "on hand");
  for (int i = 0; i < c.n_scopes && rc >= 0; i++) {
    if (config_is_trust_scope(&c, c.scopes[i]))
      continue;
    if (!(district || (a->scope ? !strcmp(a->scope, c.scopes[i]) : i == 0)))
      continue;
    struct dom_supply_row *rows;
    size_t n;
    if ((rc = dom_supply_report(x.rd, c.scopes[i], from, date, &rows, &n)) < 0)
      break;
    if (a->json)
      printf("%s{\"community\":\"%s\",\"items\":[", first ? "" : ",", c.scopes[i]);
    first = 0;
    for (size_t k = 0; k < n; k++) {
      const struct dom_supply_row *r = &rows[k];
      if (a->json) {
        printf("%s{\"item\":\"%s\",\"name\":", k ? "," : "", r->item);
        cli_json_str(stdout, r->name, strlen(r->name));
        printf(",\"unit\":");
        cli_json_str(stdout, r->unit, strlen(r->unit));
        printf(",\"free\":%lld,\"sold\":%lld,\"households\":%d,\"hardship_households\":%d,"
               "\"on_hand\":%lld}", (long long)r->free_qty, (long long)r->sold_qty, r->households,
               r->hardship, (long long)r->on_hand);
      } else {
        char nb[DOM_TEXT_MAX + 16], ub[48];
        printf("%-12s %-14s %s %s %10lld %10lld %10d %9d %10lld\n", c.scopes[i], r->item,
               pad(r->name[0] ? r->name : "-", 12, nb, sizeof nb),
               pad(r->unit[0] ? r->unit : "-", 5, ub, sizeof ub), (long long)r->free_qty,
               (long long)r->sold_qty, r->households, r->hardship, (long long)r->on_hand);
      }
      size_t t = 0;
      while (t < n_tot && strcmp(tot[t].item, r->item))
        t++;
      if (t == n_tot) {
        void *nt = realloc(tot, (n_tot + 1) * sizeof *tot);
        if (!nt) {
          rc = LINLI_ENOMEM;
          break;
        }
        tot = nt;
        tot[n_tot++] = *r;
      } else {
        tot[t].free_qty += r->free_qty, tot[t].sold_qty += r->sold_qty;
        tot[t].households += r->households, tot[t].hardship += r->hardship;
        tot[t].on_hand += r->on_hand;
      }
    }
    if (a->json)
      printf("]}");
    free(rows);
  }
  cli_snap_close(&x);
  if (rc < 0) {
    free(tot);
    if (a->json)
      printf("]}\n");
    return cli_fail("cannot compute the supply report: %s", cli_err(rc));
  }
  if (a->json) {
    printf("]");
    for (size_t t = 0; district && t < n_tot; t++)
      printf("%s{\"item\":\"%s\",\"free\":%lld,\"sold\":%lld,\"households\":%d,"
             "\"hardship_households\":%d,\"on_hand\":%lld}", t ? "," : ",\"district\":[",
             tot[t].item, (long long)tot[t].free_qty, (long long)tot[t].sold_qty, tot[t].households,
             tot[t].hardship, (long long)tot[t].on_hand);
    printf("%s}\n", district && n_tot ? "]" : "");
  } else if (district) {
    printf("\n");
    for (size_t t = 0; t < n_tot; t++) {
      char nb[DOM_TEXT_MAX + 16], ub[48];
      printf("%-12s %-14s %s %s %10lld %10lld %10d %9d %10lld\n", "(district)", tot[t].item,
             pad(tot[t].name[0] ? tot[t].name : "-", 12, nb, sizeof nb),
             pad(tot[t].unit[0] ? tot[t].unit : "-", 5, ub, sizeof ub),
             (long long)tot[t].free_qty, (long long)tot[t].sold_qty, tot[t].households,
             tot[t].hardship, (long long)tot[t].on_hand);
    }
  }
  if (!a->json)
    printf(_("\nfree: relief hand-outs; sold: delivered group orders and proxy purchases; households "
           "reached in the window; on hand: the stock now\n"));
  free(tot);
  return CLI_OK;
}
