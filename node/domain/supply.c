/* Supplies as a ledger. Contract: domain.h ("supplies"). The item list
 * (supply_item) names what stock, hand-outs and orders may hold; a
 * hand-out's `items` are item:quantity lines; the stock is a counter per
 * item (supply_stock) that receipts raise and hand-outs draw down in the
 * same batch; the ledger and the supply report read the receipts and the
 * hand-outs back from their logs. Sentences never name a household. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

/* ---- item lines ---- */

/* The separators staff type between lines (ASCII and full-width). */
static size_t sep_len(const char *p)
{
  if (*p == ',' || *p == ';' || *p == ' ')
    return 1;
  if (!strncmp(p, "，", 3) || !strncmp(p, "；", 3) || !strncmp(p, "、", 3))
    return 3;
  return 0;
}

static size_t colon_len(const char *p)
{
  if (*p == ':')
    return 1;
  if (!strncmp(p, "：", 3) || !strncmp(p, "×", 2))
    return !strncmp(p, "：", 3) ? 3 : 2;
  return 0;
}

static int items_parse1(const char *s, size_t len, struct dom_items *out, struct dom_err *e)
{
  char buf[DOM_TEXT_MAX + 1];
  memset(out, 0, sizeof *out);
  if (len > DOM_TEXT_MAX)
    return dom_fail(e, DOM_MALFORMED, "items is at most %d bytes of item:quantity lines",
                    DOM_TEXT_MAX);
  memcpy(buf, s, len);
  buf[len] = 0;
  const char *p = buf;
  while (*p) {
    size_t k;
    while ((k = sep_len(p)))
      p += k;
    if (!*p)
      break;
    const char *name = p;
    while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
      p++;
    size_t nl = (size_t)(p - name);
    size_t cl = colon_len(p);
    if (!nl || nl > CRDT_FIELD_MAX || !cl)
      return dom_fail(e, DOM_MALFORMED,
                      "items are item:quantity lines of listed item keys (a-z 0-9 _), e.g. "
                      "items=fish:2,veg_pack:1");
    p += cl;
    char *end;
    long long q = strtoll(p, &end, 10);
    if (end == p || *p == '-' || *p == '+' || q < 1 || q > DOM_QTY_MAX)
      return dom_fail(e, DOM_MALFORMED, "the quantity of %.*s is a whole number from 1 to %d",
                      (int)nl, name, DOM_QTY_MAX);
    p = end;
    if (*p && !sep_len(p))
      return dom_fail(e, DOM_MALFORMED,
                      "after the quantity of %.*s comes ',' and the next item:quantity", (int)nl,
                      name);
    for (int i = 0; i < out->n; i++)
      if (strlen(out->l[i].item) == nl && !memcmp(out->l[i].item, name, nl))
        return dom_fail(e, DOM_MALFORMED, "%.*s is named twice in items: give its quantity once",
                        (int)nl, name);
    if (out->n == DOM_ITEMS_MAX)
      return dom_fail(e, DOM_MALFORMED, "at most %d items in one hand-out or order",
                      DOM_ITEMS_MAX);
    memcpy(out->l[out->n].item, name, nl);
    out->l[out->n].item[nl] = 0;
    out->l[out->n].qty = q;
    out->n++;
  }
  if (!out->n)
    return dom_fail(e, DOM_MALFORMED, "items names no item: write item:quantity, e.g. fish:2");
  return DOM_OK;
}

int dom_items_parse(const char *s, size_t len, struct dom_items *out, struct dom_err *e)
{
  int rc = items_parse1(s, len, out, e);
  if (rc)
    out->n = 0; /* a refused text holds no line */
  return rc;
}

static int line_cmp(const void *a, const void *b)
{
  return strcmp(((const struct dom_item_line *)a)->item, ((const struct dom_item_line *)b)->item);
}

void dom_items_sort(struct dom_items *it)
{
  qsort(it->l, (size_t)it->n, sizeof it->l[0], line_cmp);
}

void dom_items_format(const struct dom_items *it, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; i < it->n && at < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%s%s:%lld", i ? "," : "", it->l[i].item,
                           (long long)it->l[i].qty);
}

int dom_items_body(const struct dom_items *it, int sign, uint8_t *body, size_t cap, size_t *len)
{
  struct dom_items s = *it;
  struct crdt_buf b;
  dom_items_sort(&s);
  crdt_buf_init(&b, body, cap);
  crdt_w_map(&b, (uint32_t)s.n);
  for (int i = 0; i < s.n; i++) {
    crdt_w_cstr(&b, s.l[i].item);
    crdt_w_int(&b, sign * s.l[i].qty);
  }
  *len = b.len;
  return crdt_buf_err(&b) ? LINLI_ETOOBIG : 0;
}

/* ---- the item list ---- */

struct item_walk {
  char (*keys)[CRDT_FIELD_MAX + 1];
  int n, cap;
};

static int on_item_key(void *arg, const struct record *r)
{
  struct item_walk *w = arg;
  if (r->deleted || r->key.len > CRDT_FIELD_MAX)
    return 0;
  if (w->n == w->cap) {
    int cap = w->cap ? 2 * w->cap : 32;
    void *k = realloc(w->keys, (size_t)cap * sizeof w->keys[0]);
    if (!k)
      return LINLI_ENOMEM;
    w->keys = k, w->cap = cap;
  }
  memcpy(w->keys[w->n], r->key.p, r->key.len);
  w->keys[w->n][r->key.len] = 0;
  w->n++;
  return 0;
}

int dom_items_listed(const struct crdt_view *v, const char *scope, const char *const *names, int n,
                     struct dom_err *e)
{
  struct item_walk w = {NULL, 0, 0};
  int rc = record_each(v, scope, domain_name(DOM_ITEM), NULL, on_item_key, &w);
  if (rc < 0 && rc != LINLI_ENOTFOUND) {
    free(w.keys);
    return rc;
  }
  rc = DOM_OK;
  for (int i = 0; i < n && rc == DOM_OK; i++) {
    int found = 0;
    struct dom_near near;
    char say[96];
    dom_near_init(&near, names[i]);
    for (int k = 0; k < w.n && !found; k++) {
      found = !strcmp(w.keys[k], names[i]);
      dom_near_try(&near, w.keys[k]);
    }
    if (!found)
      rc = dom_fail(e, DOM_REFUSED,
                    "%.64s is not an item of community %s's supply list%s; list it first with "
                    "linli supply item add %.64s name=... unit=...",
                    names[i], scope, dom_near_say(&near, say, sizeof say), names[i]);
  }
  free(w.keys);
  return rc;
}

int dom_items_check(const struct crdt_view *v, const char *scope, const struct dom_items *it,
                    struct dom_err *e)
{
  const char *names[DOM_ITEMS_MAX];
  for (int i = 0; i < it->n; i++)
    names[i] = it->l[i].item;
  return dom_items_listed(v, scope, names, it->n, e);
}

struct free_look {
  int free;
};

static int on_free(void *arg, const struct record *r)
{
  int64_t x = 0;
  if (!r->deleted)
    ((struct free_look *)arg)->free = record_int(r, "free", &x) == 0 && x;
  return 0;
}

int dom_items_free(const struct crdt_view *v, const char *scope, const struct dom_items *it,
                   char *first, size_t cap)
{
  int n = 0;
  for (int i = 0; i < it->n; i++) {
    struct free_look f = {0};
    int rc = record_each(v, scope, domain_name(DOM_ITEM), it->l[i].item, on_free, &f);
    if (rc < 0 && rc != LINLI_ENOTFOUND)
      return rc;
    if (f.free && !n++)
      snprintf(first, cap, "%s", it->l[i].item);
  }
  return n;
}

/* ---- the stock ---- */

struct stock_walk {
  int n;
  char first[CRDT_KEY_MAX + 1];
  const struct dom_items *it;
  int64_t held[DOM_ITEMS_MAX];
  const char *want; /* NULL: any stock */
};

static int on_stock(void *arg, const struct record *r)
{
  struct stock_walk *w = arg;
  if (r->deleted)
    return 0;
  if (w->want && (r->key.len != strlen(w->want) || memcmp(r->key.p, w->want, r->key.len)))
    return 0;
  if (!w->n++) {
    memcpy(w->first, r->key.p, r->key.len);
    w->first[r->key.len] = 0;
  }
  if (w->n > 1)
    return 0;
  for (int i = 0; w->it && i < w->it->n; i++) {
    const struct record_field *f = record_field(r, w->it->l[i].item);
    w->held[i] = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  }
  return 0;
}

int dom_stock_draw(const struct crdt_view *v, const char *scope, const char *given,
                   const struct dom_items *it, char *stock, size_t cap, struct dom_err *e)
{
  struct stock_walk w;
  memset(&w, 0, sizeof w);
  w.it = it;
  w.want = given && *given ? given : NULL;
  int rc = record_each(v, scope, domain_name(DOM_STOCK), w.want, on_stock, &w);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  if (!w.n && w.want)
    return dom_fail(e, DOM_REFUSED, "stock %.64s holds nothing in community %s: receive into it "
                    "first with linli supply stock in", w.want, scope);
  if (!w.n)
    return dom_fail(e, DOM_REFUSED, "community %s has no stock to hand out from: receive the "
                    "items first with linli supply stock in STOCK item=N source=...", scope);
  if (w.n > 1)
    return dom_fail(e, DOM_REFUSED, "community %s has %d stocks: say which one with stock=KEY",
                    scope, w.n);
  snprintf(stock, cap, "%s", w.first);
  for (int i = 0; i < it->n; i++)
    if (w.held[i] < it->l[i].qty)
      return dom_fail(e, DOM_REFUSED, "stock %.64s holds %lld of %s, not %lld: hand out at most "
                      "that much, or receive more first (linli supply stock in)",
                      w.first, (long long)(w.held[i] < 0 ? 0 : w.held[i]), it->l[i].item,
                      (long long)it->l[i].qty);
  return DOM_OK;
}

/* ---- reading the ledger ---- */

struct led {
  struct dom_stock_line *l;
  size_t n, cap;
  int n_stocks;
  char only[CRDT_KEY_MAX + 1]; /* the one stock, when there is one */
};

static struct dom_stock_line *led_at(struct led *d, const char *stock, const char *item)
{
  for (size_t i = 0; i < d->n; i++)
    if (!strcmp(d->l[i].stock, stock) && !strcmp(d->l[i].item, item))
      return &d->l[i];
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 32;
    void *l = realloc(d->l, cap * sizeof d->l[0]);
    if (!l)
      return NULL;
    d->l = l, d->cap = cap;
  }
  struct dom_stock_line *x = &d->l[d->n++];
  memset(x, 0, sizeof *x);
  snprintf(x->stock, sizeof x->stock, "%s", stock);
  snprintf(x->item, sizeof x->item, "%s", item);
  return x;
}

struct led_walk {
  struct led *d;
  int err;
};

static int on_counters(void *arg, const struct record *r)
{
  struct led_walk *w = arg;
  char stock[CRDT_KEY_MAX + 1], item[CRDT_FIELD_MAX + 1];
  if (r->deleted)
    return 0;
  snprintf(stock, sizeof stock, "%.*s", (int)r->key.len, r->key.p);
  if (!w->d->n_stocks++)
    snprintf(w->d->only, sizeof w->d->only, "%s", stock);
  for (uint32_t i = 0; i < r->n_fields; i++) {
    if (r->f[i].tag != CRDT_ROW_COUNTER)
      continue;
    snprintf(item, sizeof item, "%.*s", (int)r->f[i].name.len, r->f[i].name.p);
    struct dom_stock_line *x = led_at(w->d, stock, item);
    if (!x)
      return w->err = LINLI_ENOMEM;
    x->on_hand += r->f[i].sum;
  }
  return 0;
}

static const char *row_val(int coll, const struct dom_row *r, const char *field)
{
  int i = domain_field_index(&domain_collections[coll], field, strlen(field));
  return i < 0 ? "" : r->val[i];
}

static int on_receipt(void *arg, const struct dom_row *r)
{
  struct led_walk *w = arg;
  struct dom_items it;
  struct dom_err e;
  const char *items = row_val(DOM_RECEIPT, r, "items");
  if (dom_items_parse(items, strlen(items), &it, &e))
    return 0;
  for (int i = 0; i < it.n; i++) {
    struct dom_stock_line *x = led_at(w->d, r->key, it.l[i].item);
    if (!x)
      return w->err = LINLI_ENOMEM, 1;
    x->received += it.l[i].qty;
  }
  return 0;
}

static int on_handout(void *arg, const struct dom_row *r)
{
  struct led_walk *w = arg;
  struct dom_items it;
  struct dom_err e;
  const char *items = row_val(DOM_DISTRIBUTION, r, "items");
  const char *stock = row_val(DOM_DISTRIBUTION, r, "stock");
  const char *kind = row_val(DOM_DISTRIBUTION, r, "kind");
  if (!*stock)
    stock = w->d->n_stocks == 1 ? w->d->only : "";
  if (!*stock || dom_items_parse(items, strlen(items), &it, &e))
    return 0; /* free text (a proxy purchase, an old hand-out): not from the stock */
  for (int i = 0; i < it.n; i++) {
    struct dom_stock_line *x = led_at(w->d, stock, it.l[i].item);
    if (!x)
      return w->err = LINLI_ENOMEM, 1;
    if (!strcmp(kind, "relief"))
      x->out_free += it.l[i].qty;
    else
      x->out_paid += it.l[i].qty;
  }
  return 0;
}

static int stock_line_cmp(const void *a, const void *b)
{
  const struct dom_stock_line *x = a, *y = b;
  int c = strcmp(x->stock, y->stock);
  return c ? c : strcmp(x->item, y->item);
}

int dom_stock_ledger(struct store_read *rd, const char *scope,
                     int (*fn)(void *arg, const struct dom_stock_line *l), void *arg)
{
  struct led d;
  struct led_walk w = {&d, 0};
  struct crdt_view v = store_read_view(rd);
  memset(&d, 0, sizeof d);
  int rc = record_each(&v, scope, domain_name(DOM_STOCK), NULL, on_counters, &w);
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
  struct dom_query q;
  memset(&q, 0, sizeof q);
  q.scope = scope;
  if (rc >= 0 && !w.err) {
    q.coll = DOM_RECEIPT;
    rc = dom_query(&q, rd, on_receipt, &w);
  }
  if (rc >= 0 && !w.err) {
    q.coll = DOM_DISTRIBUTION;
    rc = dom_query(&q, rd, on_handout, &w);
  }
  if (rc >= 0 && w.err)
    rc = w.err;
  if (rc >= 0) {
    rc = 0;
    qsort(d.l, d.n, sizeof d.l[0], stock_line_cmp);
    for (size_t i = 0; i < d.n && !rc; i++) {
      d.l[i].other_out = d.l[i].received - d.l[i].out_free - d.l[i].out_paid - d.l[i].on_hand;
      rc = fn(arg, &d.l[i]);
    }
  }
  free(d.l);
  return rc;
}

/* ---- the supply report ---- */

struct seen {
  char **k;
  size_t n, cap;
};

static int seen_add(struct seen *s, const char *key) /* 1 new, 0 seen, <0 error */
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->k[i], key))
      return 0;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    char **k = realloc(s->k, cap * sizeof *k);
    if (!k)
      return LINLI_ENOMEM;
    s->k = k, s->cap = cap;
  }
  if (!(s->k[s->n] = strdup(key)))
    return LINLI_ENOMEM;
  s->n++;
  return 1;
}

static void seen_free(struct seen *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->k[i]);
  free(s->k);
}

struct rep {
  const struct crdt_view *v;
  const char *scope;
  struct dom_supply_row *rows;
  struct seen *hh; /* per row: the households reached */
  size_t n, cap;
  int err;
};

static struct dom_supply_row *rep_at(struct rep *p, const char *item, struct seen **hh)
{
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->rows[i].item, item))
      return *hh = &p->hh[i], &p->rows[i];
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 16;
    void *r = realloc(p->rows, cap * sizeof p->rows[0]);
    if (!r)
      return NULL;
    p->rows = r;
    void *h = realloc(p->hh, cap * sizeof p->hh[0]);
    if (!h)
      return NULL;
    p->hh = h;
    p->cap = cap;
  }
  struct dom_supply_row *x = &p->rows[p->n];
  memset(x, 0, sizeof *x);
  memset(&p->hh[p->n], 0, sizeof p->hh[0]);
  snprintf(x->item, sizeof x->item, "%s", item);
  *hh = &p->hh[p->n];
  p->n++;
  return x;
}

static int on_hh_hardship(void *arg, const struct record *r)
{
  int64_t x;
  if (!r->deleted)
    *(int *)arg = record_int(r, "hardship", &x) == 0 && x;
  return 0;
}

static int on_rep_handout(void *arg, const struct dom_row *r)
{
  struct rep *p = arg;
  struct dom_items it;
  struct dom_err e;
  const char *items = row_val(DOM_DISTRIBUTION, r, "items");
  const char *kind = row_val(DOM_DISTRIBUTION, r, "kind");
  if (dom_items_parse(items, strlen(items), &it, &e))
    return 0;
  for (int i = 0; i < it.n; i++) {
    struct seen *hh = NULL;
    struct dom_supply_row *x = rep_at(p, it.l[i].item, &hh);
    if (!x)
      return p->err = LINLI_ENOMEM, 1;
    if (!strcmp(kind, "relief"))
      x->free_qty += it.l[i].qty;
    else
      x->sold_qty += it.l[i].qty;
    int fresh = seen_add(hh, r->key);
    if (fresh < 0)
      return p->err = fresh, 1;
    if (fresh) {
      int hard = 0;
      x->households++;
      int rc = record_each(p->v, p->scope, domain_name(DOM_HOUSEHOLD), r->key, on_hh_hardship,
                           &hard);
      if (rc < 0 && rc != LINLI_ENOTFOUND)
        return p->err = rc, 1;
      x->hardship += hard;
    }
  }
  return 0;
}

static int on_rep_stock(void *arg, const struct record *r)
{
  struct rep *p = arg;
  char item[CRDT_FIELD_MAX + 1];
  if (r->deleted)
    return 0;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    struct seen *hh;
    if (r->f[i].tag != CRDT_ROW_COUNTER)
      continue;
    snprintf(item, sizeof item, "%.*s", (int)r->f[i].name.len, r->f[i].name.p);
    struct dom_supply_row *x = rep_at(p, item, &hh);
    if (!x)
      return p->err = LINLI_ENOMEM;
    x->on_hand += r->f[i].sum;
  }
  return 0;
}

static int on_rep_item(void *arg, const struct record *r)
{
  struct rep *p = arg;
  char item[CRDT_FIELD_MAX + 1];
  struct seen *hh;
  if (r->deleted || r->key.len > CRDT_FIELD_MAX)
    return 0;
  snprintf(item, sizeof item, "%.*s", (int)r->key.len, r->key.p);
  struct dom_supply_row *x = rep_at(p, item, &hh);
  if (!x)
    return p->err = LINLI_ENOMEM;
  if (record_str(r, "name", x->name, sizeof x->name))
    x->name[0] = 0;
  if (record_str(r, "unit", x->unit, sizeof x->unit))
    x->unit[0] = 0;
  int64_t price = 0;
  x->price_fen = record_int(r, "price_fen", &price) == 0 ? price : 0;
  return 0;
}

static int supply_row_cmp(const void *a, const void *b)
{
  return strcmp(((const struct dom_supply_row *)a)->item, ((const struct dom_supply_row *)b)->item);
}

int dom_supply_report(struct store_read *rd, const char *scope, const char *from, const char *to,
                      struct dom_supply_row **rows, size_t *n)
{
  struct crdt_view v = store_read_view(rd);
  struct rep p;
  struct dom_query q;
  memset(&p, 0, sizeof p);
  p.v = &v;
  p.scope = scope;
  *rows = NULL, *n = 0;
  int rc = record_each(&v, scope, domain_name(DOM_ITEM), NULL, on_rep_item, &p);
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
  if (rc >= 0 && !p.err) {
    memset(&q, 0, sizeof q);
    q.coll = DOM_DISTRIBUTION;
    q.scope = scope;
    q.since = from;
    q.until = to;
    rc = dom_query(&q, rd, on_rep_handout, &p);
  }
  if (rc >= 0 && !p.err) {
    rc = record_each(&v, scope, domain_name(DOM_STOCK), NULL, on_rep_stock, &p);
    if (rc == LINLI_ENOTFOUND)
      rc = 0;
  }
  if (rc >= 0 && p.err)
    rc = p.err;
  for (size_t i = 0; i < p.n; i++)
    seen_free(&p.hh[i]);
  free(p.hh);
  if (rc < 0) {
    free(p.rows);
    return rc;
  }
  qsort(p.rows, p.n, sizeof p.rows[0], supply_row_cmp);
  *rows = p.rows;
  *n = p.n;
  return 0;
}

/* ---- the stock check of a batch, at commit (node_config.check_batch) ---- */

#define DRAWS_MAX 64

struct draw_line {
  char scope[CRDT_SCOPE_MAX + 1], stock[CRDT_KEY_MAX + 1], item[CRDT_FIELD_MAX + 1];
  int64_t delta, held;
  size_t op; /* the first op of the batch that draws it */
};

struct draw_read {
  struct draw_line *l;
  size_t n, at;
};

static int on_draw_stock(void *arg, const struct record *r)
{
  struct draw_read *d = arg;
  if (r->deleted)
    return 0;
  const struct record_field *f = record_field(r, d->l[d->at].item);
  d->l[d->at].held = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  return 0;
}

static int draws_read(void *arg, const struct crdt_view *v)
{
  struct draw_read *d = arg;
  for (d->at = 0; d->at < d->n; d->at++) {
    struct draw_line *x = &d->l[d->at];
    x->held = 0;
    int rc = record_each(v, x->scope, domain_name(DOM_STOCK), x->stock, on_draw_stock, d);
    if (rc < 0 && rc != LINLI_ENOTFOUND)
      return rc;
  }
  return 0;
}

int dom_check_batch(void *arg, struct store *s, const struct crdt_op *ops, size_t n, size_t *bad,
                    char *why, size_t cap)
{
  struct draw_line l[DRAWS_MAX];
  struct draw_read d = {l, 0, 0};
  const char *stock = domain_name(DOM_STOCK);
  (void)arg;
  for (size_t i = 0; i < n; i++) {
    const struct crdt_op *op = &ops[i];
    struct crdt_mp m;
    uint32_t nf;
    if (op->kind != CRDT_COUNTER || op->collection.len != strlen(stock) ||
        memcmp(op->collection.p, stock, op->collection.len) || op->scope.len > CRDT_SCOPE_MAX ||
        op->key.len > CRDT_KEY_MAX)
      continue;
    crdt_mp_init(&m, op->body, op->body_len);
    if (crdt_mp_map(&m, &nf))
      continue; /* not a counter body: the schema check refuses it */
    for (uint32_t k = 0; k < nf; k++) {
      const char *item;
      uint32_t il;
      int64_t delta;
      if (crdt_mp_str(&m, &item, &il) || crdt_mp_int(&m, &delta) || il > CRDT_FIELD_MAX)
        break;
      size_t j = 0;
      while (j < d.n && !(strlen(l[j].item) == il && !memcmp(l[j].item, item, il) &&
                          strlen(l[j].stock) == op->key.len &&
                          !memcmp(l[j].stock, op->key.p, op->key.len) &&
                          strlen(l[j].scope) == op->scope.len &&
                          !memcmp(l[j].scope, op->scope.p, op->scope.len)))
        j++;
      if (j == d.n) {
        if (d.n == DRAWS_MAX)
          return LINLI_ETOOBIG;
        memset(&l[j], 0, sizeof l[j]);
        memcpy(l[j].scope, op->scope.p, op->scope.len);
        memcpy(l[j].stock, op->key.p, op->key.len);
        memcpy(l[j].item, item, il);
        l[j].op = i;
        d.n++;
      }
      l[j].delta += delta;
    }
  }
  size_t drawn = 0;
  for (size_t j = 0; j < d.n; j++)
    if (l[j].delta < 0)
      l[drawn++] = l[j];
  d.n = drawn;
  if (!d.n)
    return 0; /* nothing drawn from a stock: nothing to read */
  int rc = store_read_rows(s, draws_read, &d);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  for (size_t j = 0; j < d.n; j++)
    if (l[j].held + l[j].delta < 0) {
      *bad = l[j].op;
      snprintf(why, cap, D_("stock %.64s holds %lld of %s, not %lld: another hand-out drew from it "
               "since this one was checked; nothing was written"),
               l[j].stock, (long long)(l[j].held < 0 ? 0 : l[j].held), l[j].item,
               (long long)-l[j].delta);
      return LINLI_EOVERDRAW;
    }
  return 0;
}
