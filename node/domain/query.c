/* Queries: line lists with filters. Contract: domain.h ("queries").
 *
 * A query reads one collection in one snapshot. Every record (or event)
 * becomes a row of rendered values; where it lives (compound, grid,
 * household) comes from an index of the community's households, residents
 * and compound gates, built once per query when a row needs it. Rows are
 * kept in an arena, filtered as they come, then sorted (if asked) and
 * handed out, at most q->limit of them. */
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "domain.h"

#define ARENA_BLOCK (1u << 20)
#define TEXT_CAP (DOM_NOTE_MAX + 64)

/* ---- memory: an arena of copied strings and rows ---- */

struct arena {
  char **blocks;
  size_t n, cap, used; /* used: bytes of the last block */
  int err;
};

static void *arena_alloc(struct arena *a, size_t n)
{
  n = (n + 7) & ~(size_t)7;
  if (n > ARENA_BLOCK) {
    a->err = LINLI_ETOOBIG;
    return NULL;
  }
  if (!a->n || a->used + n > ARENA_BLOCK) {
    if (a->n == a->cap) {
      size_t cap = a->cap ? 2 * a->cap : 16;
      char **nb = realloc(a->blocks, cap * sizeof *nb);
      if (!nb)
        return a->err = LINLI_ENOMEM, NULL;
      a->blocks = nb, a->cap = cap;
    }
    if (!(a->blocks[a->n] = malloc(ARENA_BLOCK)))
      return a->err = LINLI_ENOMEM, NULL;
    a->n++, a->used = 0;
  }
  void *p = a->blocks[a->n - 1] + a->used;
  a->used += n;
  return p;
}

static const char *arena_str(struct arena *a, const char *s, size_t n)
{
  if (!n)
    return "";
  char *p = arena_alloc(a, n + 1);
  if (!p)
    return "";
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

static void arena_free(struct arena *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->blocks[i]);
  free(a->blocks);
}

/* ---- where records live: key -> two strings ---- */

struct place {
  const char *key, *a, *b; /* household: compound, grid; resident: household; gate: compound */
};

struct places {
  struct place *t;
  size_t cap, n;
};

static uint64_t hash(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h;
}

static int places_put(struct places *p, const char *key, const char *a, const char *b)
{
  if (2 * (p->n + 1) > p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 1024;
    struct place *t = calloc(cap, sizeof *t);
    if (!t)
      return LINLI_ENOMEM;
    for (size_t i = 0; i < p->cap; i++)
      if (p->t[i].key) {
        size_t at = hash(p->t[i].key, strlen(p->t[i].key)) & (cap - 1);
        while (t[at].key)
          at = (at + 1) & (cap - 1);
        t[at] = p->t[i];
      }
    free(p->t);
    p->t = t, p->cap = cap;
  }
  size_t at = hash(key, strlen(key)) & (p->cap - 1);
  while (p->t[at].key && strcmp(p->t[at].key, key))
    at = (at + 1) & (p->cap - 1);
  if (!p->t[at].key)
    p->n++;
  p->t[at] = (struct place){key, a, b};
  return 0;
}

static const struct place *places_get(const struct places *p, const char *key)
{
  if (!p->cap || !key || !*key)
    return NULL;
  size_t at = hash(key, strlen(key)) & (p->cap - 1);
  while (p->t[at].key) {
    if (!strcmp(p->t[at].key, key))
      return &p->t[at];
    at = (at + 1) & (p->cap - 1);
  }
  return NULL;
}

struct run;
struct set_text {
  struct run *x;
  size_t len;
  uint8_t raw[CRDT_ELEM_MAX * 64]; /* the elements, as a msgpack array once done */
  size_t raw_len;
  uint32_t n;
};

struct run {
  const struct dom_query *q;
  const struct dom_collection *c;
  struct store_read *rd;
  struct crdt_view v;
  struct arena mem;
  struct places households, residents, gates;
  int indexed;
  struct dom_row **rows;
  size_t n_rows, cap_rows;
  int err;
  uint8_t op[CRDT_OP_MAX_BYTES];
  char text[TEXT_CAP];
  struct set_text set;
};

static int lww_text(const struct record *r, const char *field, struct arena *a, const char **out)
{
  const struct record_field *f = record_field(r, field);
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  *out = "";
  if (!f || f->tag != CRDT_ROW_LWW || !f->value)
    return 0;
  crdt_mp_init(&m, f->value, f->value_len);
  if (crdt_mp_str(&m, &s, &sl) == 0)
    *out = arena_str(a, s, sl);
  return 0;
}

static int on_household(void *arg, const struct record *r)
{
  struct run *x = arg;
  const char *compound, *grid;
  if (r->deleted)
    return 0;
  lww_text(r, "compound", &x->mem, &compound);
  lww_text(r, "grid", &x->mem, &grid);
  return places_put(&x->households, arena_str(&x->mem, r->key.p, r->key.len), compound, grid);
}

static int on_resident(void *arg, const struct record *r)
{
  struct run *x = arg;
  const char *hh;
  if (r->deleted)
    return 0;
  lww_text(r, "household", &x->mem, &hh);
  return places_put(&x->residents, arena_str(&x->mem, r->key.p, r->key.len), hh, "");
}

struct gate_walk {
  struct run *x;
  const char *compound;
};

static int on_gate(void *arg, const uint8_t *e, size_t el)
{
  struct gate_walk *g = arg;
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  crdt_mp_init(&m, e, el);
  if (crdt_mp_str(&m, &s, &sl))
    return 0;
  return places_put(&g->x->gates, arena_str(&g->x->mem, s, sl), g->compound, "");
}

static int on_compound_gates(void *arg, const struct record *r)
{
  struct run *x = arg;
  char key[CRDT_KEY_MAX + 1];
  if (r->deleted)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)r->key.len, r->key.p);
  struct gate_walk g = {x, arena_str(&x->mem, key, strlen(key))};
  return record_elems(&x->v, x->q->scope, domain_name(DOM_COMPOUND), key, "gates", on_gate, &g);
}

/* The index of the scope's households, residents and gates. */
static int index_places(struct run *x)
{
  int rc;
  if (x->indexed)
    return 0;
  x->indexed = 1;
  if ((rc = record_each(&x->v, x->q->scope, domain_name(DOM_HOUSEHOLD), NULL, on_household, x)) < 0 ||
      (rc = record_each(&x->v, x->q->scope, domain_name(DOM_RESIDENT), NULL, on_resident, x)) < 0 ||
      (rc = record_each(&x->v, x->q->scope, domain_name(DOM_COMPOUND), NULL, on_compound_gates, x)) < 0)
    return rc;
  return x->mem.err;
}

/* Fills where row lives, from the key or the field lives_field. */
static int locate(struct run *x, struct dom_row *row)
{
  const struct dom_collection *c = x->c;
  row->compound = row->grid = row->household = "";
  int id = domain_coll_id(c), in = c->lives_in;
  if (in < 0 && id != DOM_GATE_CHECK)
    return 0;
  const char *ref = row->key;
  if (c->lives_field) {
    int fi = domain_field_index(c, c->lives_field, strlen(c->lives_field));
    ref = fi >= 0 ? row->val[fi] : "";
  }
  int rc = index_places(x);
  if (rc)
    return rc;
  const struct place *p;
  if (id == DOM_GATE_CHECK) {
    if ((p = places_get(&x->gates, ref)))
      row->compound = p->a;
    return 0;
  }
  if (in == DOM_RESIDENT) {
    p = places_get(&x->residents, ref);
    ref = p ? p->a : "";
    in = DOM_HOUSEHOLD;
  }
  if (in == DOM_HOUSEHOLD) {
    row->household = ref;
    if ((p = places_get(&x->households, ref)))
      row->compound = p->a, row->grid = p->b;
  } else if (in == DOM_COMPOUND) {
    row->compound = ref;
  } else if (in == DOM_GRID) {
    row->grid = ref;
  }
  /* a record that names its compound itself (a case, a grid) */
  int cf = domain_field_index(c, "compound", 8);
  if (!row->compound[0] && cf >= 0)
    row->compound = row->val[cf];
  if (id == DOM_GRID)
    row->grid = row->key;
  return 0;
}

/* ---- filters ---- */

const struct dom_field *dom_date_field(const struct dom_collection *c)
{
  for (int i = 0; c->fields && c->fields[i].name; i++)
    if (c->fields[i].type == DOM_T_DATE)
      return &c->fields[i];
  return NULL;
}

int dom_where_parse(int coll, const char *arg, struct dom_where *w, struct dom_err *e)
{
  const struct dom_collection *c = &domain_collections[coll];
  size_t n = strcspn(arg, "=<>~!");
  char op = arg[n], name[CRDT_FIELD_MAX + 1];
  const char *v = arg + n + 1;
  if (op == '!' && *v != '=')
    op = 0;
  else if (op == '!')
    v++;
  memset(w, 0, sizeof *w);
  if (!op || !n || n > CRDT_FIELD_MAX)
    return dom_fail(e, DOM_MALFORMED,
                    "--where takes FIELD=VALUE (or !=, >=, <=, >, <, ~ for contains)");
  memcpy(name, arg, n);
  name[n] = 0;
  if ((op == '<' || op == '>') && *v == '=')
    op = op == '<' ? 'l' : 'g', v++;
  char near[80];
  if (!(w->f = domain_field(c, name, n)))
    return dom_fail(e, DOM_MALFORMED, "a %s has no field %s%s", dom_tx(c->noun), name,
                    dom_near_field(c, name, near, sizeof near));
  w->op = op;
  struct dom_value dv;
  if (op != '~') { /* the value must be one of the field's type, as staff type it */
    struct dom_field lax = *w->f;
    lax.flags |= DOM_F_FUTURE;
    int rc = dom_parse(&lax, v, NULL, &dv, e);
    if (rc)
      return rc;
    if (dv.t == 's')
      snprintf(w->value, sizeof w->value, "%.*s", (int)dv.len, dv.s);
    else if (w->f->type == DOM_T_BOOL)
      snprintf(w->value, sizeof w->value, "%s", dv.i ? "yes" : "no");
    else /* rendered as the rows are: a temperature as 37.3 */
      snprintf(w->value, sizeof w->value, "%lld", (long long)dv.i);
    if (w->f->type == DOM_T_TEMP)
      snprintf(w->value, sizeof w->value, "%lld.%lld", (long long)(dv.i / 10),
               (long long)(dv.i % 10));
  } else {
    snprintf(w->value, sizeof w->value, "%s", v);
  }
  return DOM_OK;
}

/* Compares two rendered values of f: numbers as numbers, the rest as text. */
static int value_cmp(const struct dom_field *f, const char *a, const char *b)
{
  if (f && (dom_stored_class(f) == 'i')) {
    double x = strtod(a, NULL), y = strtod(b, NULL);
    if (!*a || !*b)
      return (*a != 0) - (*b != 0);
    return (x > y) - (x < y);
  }
  return strcmp(a, b);
}

static int where_holds(const struct dom_where *w, const char *v)
{
  if (w->op == '~')
    return strstr(v, w->value) != NULL;
  if (!*v)
    return w->op == '!'; /* an unset field matches no comparison but "not" */
  int c = value_cmp(w->f, v, w->value);
  switch (w->op) {
  case '=':
    return c == 0;
  case '!':
    return c != 0;
  case '<':
    return c < 0;
  case '>':
    return c > 0;
  case 'l':
    return c <= 0;
  default:
    return c >= 0;
  }
}

static const char *val_of(const struct dom_collection *c, const struct dom_row *r, const char *f)
{
  int i = domain_field_index(c, f, strlen(f));
  return i >= 0 ? r->val[i] : "";
}

static int keep(struct run *x, struct dom_row *row)
{
  const struct dom_query *q = x->q;
  const struct dom_collection *c = x->c;
  if (row->voided != (q->voided != 0))
    return 0;
  for (int i = 0; i < q->n_where; i++)
    if (!where_holds(&q->where[i], row->val[q->where[i].f - c->fields]))
      return 0;
  const struct dom_field *df = dom_date_field(c);
  const char *d = df ? row->val[df - c->fields] : "";
  if ((q->since && (!*d || strcmp(d, q->since) < 0)) || (q->until && (!*d || strcmp(d, q->until) > 0)))
    return 0;
  if (q->open_on || q->closed_on || q->due_by) {
    const char *start = val_of(c, row, "start_date"), *rel = val_of(c, row, "release_date");
    const char *on = q->open_on ? q->open_on : q->due_by;
    if (on && (!*start || strcmp(start, on) > 0 || (*rel && strcmp(rel, on) <= 0)))
      return 0;
    if (q->closed_on && (!*rel || strcmp(rel, q->closed_on) > 0))
      return 0;
    if (q->due_by) {
      int64_t s, due;
      char end[DOM_DATE_LEN + 1];
      if (dom_date_days(start, strlen(start), &s))
        return 0;
      dom_days_date(s + RULES_QUIET_DAYS, end);
      if (dom_date_days(q->due_by, strlen(q->due_by), &due) || strcmp(end, q->due_by) > 0)
        return 0;
    }
  }
  if (q->compound || q->grid || q->household) {
    int rc = locate(x, row);
    if (rc) {
      x->err = rc;
      return 0;
    }
    if ((q->compound && strcmp(row->compound, q->compound)) || (q->grid && strcmp(row->grid, q->grid)) ||
        (q->household && strcmp(row->household, q->household)))
      return 0;
  }
  return 1;
}

/* ---- rows ---- */

static int add_row(struct run *x, struct dom_row *tmpl)
{
  if (!keep(x, tmpl))
    return x->err;
  if (!tmpl->compound && (x->err = locate(x, tmpl))) /* every row says where it lives */
    return x->err;
  struct dom_row *row = arena_alloc(&x->mem, sizeof *row);
  if (!row)
    return x->mem.err;
  *row = *tmpl;
  if (x->n_rows == x->cap_rows) {
    size_t cap = x->cap_rows ? 2 * x->cap_rows : 256;
    struct dom_row **nr = realloc(x->rows, cap * sizeof *nr);
    if (!nr)
      return LINLI_ENOMEM;
    x->rows = nr, x->cap_rows = cap;
  }
  x->rows[x->n_rows++] = row;
  return 0;
}


static int on_set_elem(void *arg, const uint8_t *e, size_t el)
{
  struct set_text *t = arg;
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  if (t->raw_len + el <= sizeof t->raw - 5 && t->n < CRDT_COUNT_MAX) {
    memcpy(t->raw + 5 + t->raw_len, e, el); /* room for the array header before */
    t->raw_len += el;
    t->n++;
  }
  crdt_mp_init(&m, e, el);
  if (crdt_mp_str(&m, &s, &sl) || t->len + sl + 3 >= sizeof t->x->text)
    return 0;
  if (t->len)
    memcpy(t->x->text + t->len, "; ", 2), t->len += 2;
  memcpy(t->x->text + t->len, s, sl);
  t->len += sl;
  return 0;
}

static int on_record(void *arg, const struct record *r)
{
  struct run *x = arg;
  const struct dom_collection *c = x->c;
  struct dom_row row;
  memset(&row, 0, sizeof row);
  row.key = arena_str(&x->mem, r->key.p, r->key.len);
  row.voided = r->deleted;
  for (int i = 0; c->fields && c->fields[i].name; i++) {
    const struct dom_field *f = &c->fields[i];
    row.val[i] = "";
    if (f->kind == DOM_SET) {
      struct set_text *t = &x->set; /* scratch; the row keeps copies */
      t->x = x, t->len = t->raw_len = 0, t->n = 0;
      int rc = record_elems(&x->v, x->q->scope, c->name, row.key, f->name, on_set_elem, t);
      if (rc < 0)
        return rc;
      row.val[i] = arena_str(&x->mem, x->text, t->len);
      /* the array header, written just before the elements */
      uint8_t hdr[5];
      struct crdt_buf b;
      crdt_buf_init(&b, hdr, sizeof hdr);
      crdt_w_array(&b, t->n);
      memcpy(t->raw + 5 - b.len, hdr, b.len);
      row.raw[i] = (const uint8_t *)arena_str(&x->mem, (const char *)t->raw + 5 - b.len,
                                              b.len + t->raw_len);
      row.raw_len[i] = (uint32_t)(b.len + t->raw_len);
      continue;
    }
    const struct record_field *rf = record_field(r, f->name);
    if (!rf || rf->tag != CRDT_ROW_LWW || !rf->value || crdt_mp_peek_nil(&(struct crdt_mp){rf->value, rf->value + rf->value_len}))
      continue;
    dom_render(f, rf->value, rf->value_len, x->text, sizeof x->text);
    row.val[i] = arena_str(&x->mem, x->text, strlen(x->text));
    row.raw[i] = (const uint8_t *)arena_str(&x->mem, (const char *)rf->value, rf->value_len);
    row.raw_len[i] = rf->value_len;
    row.conflict[i] = rf->losers > 0;
    if (rf->hlc > row.hlc)
      row.hlc = rf->hlc;
  }
  int rc = add_row(x, &row);
  return rc ? rc : x->mem.err;
}

static int on_event(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct run *x = arg;
  const struct dom_collection *c = x->c;
  struct dom_row row;
  struct crdt_op o;
  uint64_t hlc;
  const uint8_t *id;
  (void)v, (void)vl;
  if (record_log_op(k, kl, &hlc, &id))
    return LINLI_ECORRUPT;
  int len = store_read_op(x->rd, x->q->scope, hlc, id, x->op, sizeof x->op);
  if (len < 0 || crdt_op_decode(&o, x->op, (size_t)len))
    return 0; /* an op that cannot be read shows as nothing */
  if (x->q->key && (o.key.len != strlen(x->q->key) || memcmp(o.key.p, x->q->key, o.key.len)))
    return 0;
  memset(&row, 0, sizeof row);
  row.key = arena_str(&x->mem, o.key.p, o.key.len);
  row.hlc = hlc;
  uint8_t *idc = arena_alloc(&x->mem, CRDT_ID_BYTES + o.body_len);
  if (!idc)
    return x->mem.err;
  memcpy(idc, id, CRDT_ID_BYTES);
  memcpy(idc + CRDT_ID_BYTES, o.body, o.body_len);
  row.id = idc;
  row.body = idc + CRDT_ID_BYTES;
  row.body_len = o.body_len;
  for (int i = 0; c->fields[i].name; i++) {
    size_t fl;
    const uint8_t *f = dom_body_get(row.body, row.body_len, c->fields[i].name, &fl);
    row.val[i] = "";
    if (f && !crdt_mp_peek_nil(&(struct crdt_mp){f, f + fl})) {
      uint8_t plain[DOM_SEAL_PLAIN_MAX];
      size_t pl = 0;
      int sealed = dom_open_at(&x->v, x->q->scope, strlen(x->q->scope), c->name, o.key.p, o.key.len,
                               &c->fields[i], f, fl, plain, sizeof plain, &pl);
      if (sealed == 0) { /* opened: the plain value, copied */
        dom_render(&c->fields[i], plain, pl, x->text, sizeof x->text);
        f = (const uint8_t *)arena_str(&x->mem, (const char *)plain, pl), fl = pl;
        sodium_memzero(plain, pl);
      } else {
        dom_render(&c->fields[i], f, fl, x->text, sizeof x->text);
      }
      row.val[i] = arena_str(&x->mem, x->text, strlen(x->text));
      if (sealed >= 0 && f)
        row.raw[i] = f, row.raw_len[i] = (uint32_t)fl; /* into the copied body */
    }
  }
  int rc = add_row(x, &row);
  return rc ? rc : x->mem.err;
}

/* Sorting: each row carries its sort key (struct sorted), so that the
 * comparator needs no context (no global, safe in any thread). */
struct sorted {
  struct dom_row *row;
  const char *text;
  double num;
  int numeric, unset;
};

static int row_cmp(const void *a, const void *b)
{
  const struct sorted *x = a, *y = b;
  int r = x->unset != y->unset ? x->unset - y->unset /* unset last */
          : x->numeric          ? (x->num > y->num) - (x->num < y->num)
                                : strcmp(x->text, y->text);
  if (!r) /* ties keep the natural order: key, then time */
    r = strcmp(x->row->key, y->row->key) ? strcmp(x->row->key, y->row->key)
                                         : (x->row->hlc > y->row->hlc) - (x->row->hlc < y->row->hlc);
  return r;
}

static int sort_rows(struct run *x)
{
  const struct dom_field *f = x->q->sort;
  int fi = (int)(f - x->c->fields), numeric = dom_stored_class(f) == 'i';
  struct sorted *s = malloc((x->n_rows ? x->n_rows : 1) * sizeof *s);
  if (!s)
    return LINLI_ENOMEM;
  for (size_t i = 0; i < x->n_rows; i++) {
    const char *v = x->rows[i]->val[fi];
    s[i] = (struct sorted){x->rows[i], v, numeric ? strtod(v, NULL) : 0, numeric, !*v};
  }
  qsort(s, x->n_rows, sizeof *s, row_cmp);
  for (size_t i = 0; i < x->n_rows; i++)
    x->rows[i] = s[i].row;
  if (x->q->desc) { /* reversed, the unset ones still last */
    size_t set = 0;
    for (size_t i = 0; i < x->n_rows; i++)
      set += !s[i].unset;
    for (size_t i = 0; i < x->n_rows; i++)
      x->rows[i] = i < set ? s[set - 1 - i].row : s[i].row;
  }
  free(s);
  return 0;
}

int dom_query(const struct dom_query *q, struct store_read *rd,
              int (*fn)(void *arg, const struct dom_row *r), void *arg)
{
  struct run *x = calloc(1, sizeof *x);
  int rc;
  if (!x)
    return LINLI_ENOMEM;
  if (q->coll < 0 || q->coll >= DOM_N_COLLECTIONS || !q->scope) {
    free(x);
    return LINLI_EINVAL;
  }
  x->q = q;
  x->c = &domain_collections[q->coll];
  x->rd = rd;
  x->v = store_read_view(rd);
  if (!x->c->fields) {
    rc = LINLI_EINVAL; /* counters have no rows of fields */
    goto out;
  }
  if (x->c->shape == DOM_LOG) {
    uint8_t p[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
    int pl = crdt_row_prefix(p, sizeof p - 1, q->scope, strlen(q->scope), x->c->name,
                             strlen(x->c->name), NULL, 0);
    if (pl < 0) {
      rc = pl;
      goto out;
    }
    p[pl++] = CRDT_ROW_LOG;
    rc = x->v.scan(x->v.ctx, p, (size_t)pl, on_event, x);
  } else {
    rc = record_each(&x->v, q->scope, x->c->name, q->key, on_record, x);
  }
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
  if (rc < 0 || (rc = x->err) || (rc = x->mem.err))
    goto out;
  if (q->sort && (rc = sort_rows(x)))
    goto out;
  size_t n = q->limit && q->limit < x->n_rows ? q->limit : x->n_rows;
  for (size_t i = 0; i < n; i++)
    if (fn(arg, x->rows[i]))
      break;
  rc = (int)n;
out:
  arena_free(&x->mem);
  free(x->households.t), free(x->residents.t), free(x->gates.t);
  free(x->rows);
  free(x);
  return rc;
}
