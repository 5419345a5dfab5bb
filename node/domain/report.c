/* District figures. Contract: report.h. */
#include <stdint.h>
#include <string.h>

#include "domain.h"

struct row_ctx {
  struct store *s;
  const char *scope, *date;
  struct report_row *row;
  const struct crdt_view *v;
  int all_dist; /* 1: count every distribution of the log (report_scopes) */
};

/* Counts the records of scope/collection that record_each would show as
 * not deleted (a tombstone hides a record unless an lww value or a set
 * element is there besides it), from the row keys alone: households and
 * residents are most of the rows a report reads, and counting them needs
 * no value parsed. */
struct count_walk {
  size_t coll_pl; /* scope 0 collection 0 */
  const uint8_t *key;
  size_t key_len;
  int have, tomb, live;
  int *n;
};

static void count_flush(struct count_walk *w)
{
  if (w->have && !(w->tomb && !w->live))
    (*w->n)++;
  w->have = 0;
}

static int count_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct count_walk *w = arg;
  (void)v, (void)vl;
  if (kl <= w->coll_pl || k[w->coll_pl] == CRDT_ROW_LOG)
    return 0;
  const uint8_t *key = k + w->coll_pl, *nul;
  if (w->have && kl > w->coll_pl + w->key_len + 1 && key[w->key_len] == 0 &&
      memcmp(w->key, key, w->key_len) == 0) {
    nul = key + w->key_len; /* another row of the same record */
  } else {
    count_flush(w);
    if (!(nul = memchr(key, 0, kl - w->coll_pl)) || (size_t)(nul + 1 - k) >= kl)
      return LINLI_ECORRUPT;
    w->key = key; /* valid while the read transaction is */
    w->key_len = (size_t)(nul - key);
    w->have = 1;
    w->tomb = w->live = 0;
  }
  char tag = (char)nul[1];
  if (tag == CRDT_ROW_TOMB)
    w->tomb = 1;
  else if (tag == CRDT_ROW_LWW || tag == CRDT_ROW_ELEM)
    w->live = 1;
  return 0;
}

static int count_records(const struct crdt_view *v, const char *scope, const char *coll, int *n)
{
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
  int pl = crdt_row_prefix(prefix, sizeof prefix, scope, strlen(scope), coll, strlen(coll), NULL, 0);
  if (pl < 0)
    return pl;
  struct count_walk w = {(size_t)pl, NULL, 0, 0, 0, 0, n};
  int rc = v->scan(v->ctx, prefix, (size_t)pl, count_row, &w);
  if (rc)
    return rc;
  count_flush(&w);
  return 0;
}

static int on_compound(void *arg, const struct record *r)
{
  struct row_ctx *c = arg;
  char code[CRDT_KEY_MAX + 1];
  struct rules_verdict v;
  if (r->deleted)
    return 0;
  memcpy(code, r->key.p, r->key.len);
  code[r->key.len] = 0;
  int rc = rules_compound(c->v, c->scope, code, c->date, &v);
  if (rc)
    return rc;
  c->row->compounds++;
  c->row->eligible += v.eligible;
  return 0;
}

static int on_case(void *arg, const struct record *r)
{
  struct row_ctx *c = arg;
  char cat[32], start[16], rel[16];
  int64_t day, sd, rd;
  if (r->deleted || record_str(r, "category", cat, sizeof cat) ||
      record_str(r, "start_date", start, sizeof start) ||
      rules_date_days(start, strlen(start), &sd) || rules_date_days(c->date, strlen(c->date), &day) ||
      sd > day)
    return 0;
  if (record_str(r, "release_date", rel, sizeof rel) == 0 &&
      rules_date_days(rel, strlen(rel), &rd) == 0 && rd <= day)
    return 0;
  c->row->open_confirmed += !strcmp(cat, "confirmed");
  c->row->open_suspected += !strcmp(cat, "suspected");
  c->row->open_fever += !strcmp(cat, "fever");
  c->row->open_contact += !strcmp(cat, "close_contact");
  return 0;
}

static int on_stock(void *arg, const struct record *r)
{
  struct row_ctx *c = arg;
  const struct record_field *f;
  if ((f = record_field(r, "rice_kg")) && f->tag == CRDT_ROW_COUNTER)
    c->row->rice_kg += f->sum;
  if ((f = record_field(r, "vegetables_kg")) && f->tag == CRDT_ROW_COUNTER)
    c->row->vegetables_kg += f->sum;
  return 0;
}

/* Distribution events: the log rows name (hlc, id); the kind is in the op. */
static int on_dist(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct row_ctx *c = arg;
  uint8_t op[CRDT_OP_MAX_BYTES];
  struct crdt_op o;
  (void)v, (void)vl;
  uint64_t hlc;
  const uint8_t *id;
  if (record_log_op(k, kl, &hlc, &id))
    return LINLI_ECORRUPT;
  int len = store_get_op_at(c->s, c->scope, hlc, id, op, sizeof op);
  if (len < 0 || crdt_op_decode(&o, op, (size_t)len))
    return 0; /* a row whose op is not readable counts as nothing */
  struct crdt_mp r;
  uint32_t n;
  crdt_mp_init(&r, o.body, o.body_len);
  if (crdt_mp_map(&r, &n))
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    const char *f, *s;
    uint32_t fl, sl;
    if (crdt_mp_str(&r, &f, &fl))
      return 0;
    if (fl == 4 && !memcmp(f, "kind", 4) && crdt_mp_str(&r, &s, &sl) == 0) {
      c->row->relief += sl == 6 && !memcmp(s, "relief", 6);
      c->row->group += sl == 5 && !memcmp(s, "group", 5);
      c->row->proxy += sl == 5 && !memcmp(s, "proxy", 5);
      return 0;
    }
    if (crdt_mp_value(&r, CRDT_DEPTH_MAX))
      return 0;
  }
  return 0;
}

static int row_rows(void *arg, const struct crdt_view *v)
{
  struct row_ctx *c = arg;
  int rc;
  c->v = v;
  if ((rc = record_each(v, c->scope, domain_name(DOM_COMPOUND), NULL, on_compound, c)) < 0 ||
      (rc = count_records(v, c->scope, domain_name(DOM_HOUSEHOLD), &c->row->households)) < 0 ||
      (rc = count_records(v, c->scope, domain_name(DOM_RESIDENT), &c->row->residents)) < 0 ||
      (rc = record_each(v, c->scope, domain_name(DOM_CASE), NULL, on_case, c)) < 0 ||
      (rc = record_each(v, c->scope, domain_name(DOM_STOCK), NULL, on_stock, c)) < 0)
    return rc;
  if (!c->all_dist)
    return 0;
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
  const char *dist = domain_name(DOM_DISTRIBUTION);
  int pl = crdt_row_prefix(prefix, sizeof prefix - 1, c->scope, strlen(c->scope), dist, strlen(dist), NULL, 0);
  if (pl < 0)
    return pl;
  prefix[pl++] = CRDT_ROW_LOG;
  return v->scan(v->ctx, prefix, (size_t)pl, on_dist, c);
}

static int one_row(struct store *s, const char *scope, const char *date, int all_dist,
                   struct report_row *row)
{
  struct row_ctx c = {s, scope, date, row, NULL, all_dist};
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max(), last;
  uint8_t sum[STORE_FP_SUM_BYTES];
  memset(row, 0, sizeof *row);
  if (strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_ETOOBIG;
  strcpy(row->scope, scope);
  int rc = store_range_fp(s, scope, &lo, &hi, &row->ops, sum);
  if (rc)
    return rc;
  if (row->ops && (rc = store_range_nth(s, scope, &lo, &hi, row->ops - 1, &last)) == 0)
    row->newest_ms = CRDT_HLC_MS(last.hlc);
  if (rc)
    return rc;
  return store_read_rows(s, row_rows, &c);
}

static void add_total(struct report_totals *tot, const struct report_row *r)
{
  tot->communities++;
  if (r->ops) {
    tot->heard++;
    if (!tot->oldest_newest_ms || r->newest_ms < tot->oldest_newest_ms)
      tot->oldest_newest_ms = r->newest_ms;
  }
  tot->communities_free += r->compounds > 0 && r->eligible == r->compounds;
  tot->compounds += r->compounds;
  tot->eligible += r->eligible;
  tot->households += r->households;
  tot->residents += r->residents;
  tot->open_confirmed += r->open_confirmed;
  tot->open_three += r->open_suspected + r->open_fever + r->open_contact;
}

int report_scopes(struct store *s, const char *const *scopes, int n, const char *date,
                  struct report_row *rows, struct report_totals *tot)
{
  memset(tot, 0, sizeof *tot);
  int64_t day;
  if (rules_date_days(date, strlen(date), &day))
    return LINLI_EINVAL;
  for (int i = 0; i < n; i++) {
    int rc = one_row(s, scopes[i], date, 1, &rows[i]);
    if (rc)
      return rc;
    add_total(tot, &rows[i]);
  }
  return 0;
}

/* ---- the window: one pass over the ops from the window's first midnight ---- */

enum { EV_NONE, EV_HEALTH, EV_GATE, EV_DIST };

struct win_ctx {
  struct report_window *w;
  int64_t first, last; /* day numbers, inclusive */
  int32_t off;
  char date[RULES_DATE_LEN]; /* the last date parsed, and its day (events come in runs of one date) */
  int64_t date_day;
  const char *coll[EV_DIST + 1]; /* the logs' names, by EV_* */
  uint32_t coll_len[EV_DIST + 1];
};

static void win_names(struct win_ctx *c)
{
  static const enum dom_coll logs[EV_DIST + 1] = {0, DOM_HEALTH_CHECK, DOM_GATE_CHECK,
                                                  DOM_DISTRIBUTION};
  for (int ev = EV_HEALTH; ev <= EV_DIST; ev++) {
    c->coll[ev] = domain_name(logs[ev]);
    c->coll_len[ev] = (uint32_t)strlen(c->coll[ev]);
  }
}

/* A bounds-checked reader of an op's exact bytes. The store verified the
 * op (canonical encoding included) when it took it and gives back those
 * bytes, so this reader only finds its way: it checks every length against
 * the bytes left, and does not validate again what the figures do not use
 * (UTF-8, key order, shortest forms): an op that does not parse counts as
 * nothing. The window reads every op of its days, so this is its cost. */
struct rd {
  const uint8_t *p, *end;
};

static int rd_take(struct rd *r, size_t n, const uint8_t **at)
{
  if ((size_t)(r->end - r->p) < n)
    return -1;
  *at = r->p;
  r->p += n;
  return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* The count or length a tag announces in 0, 1, 2 or 4 following bytes. */
static int rd_count(struct rd *r, int bytes, uint64_t *n)
{
  const uint8_t *q;
  if (rd_take(r, (size_t)bytes, &q))
    return -1;
  *n = be(q, bytes);
  return 0;
}

static int rd_str(struct rd *r, const char **s, uint32_t *len)
{
  const uint8_t *q;
  uint64_t n;
  if (rd_take(r, 1, &q))
    return -1;
  if ((*q & 0xe0) == 0xa0)
    n = *q & 0x1f;
  else if (*q < 0xd9 || *q > 0xdb || rd_count(r, 1 << (*q - 0xd9), &n))
    return -1;
  if (rd_take(r, n, &q))
    return -1;
  *s = (const char *)q;
  *len = (uint32_t)n;
  return 0;
}

static int rd_uint(struct rd *r, uint64_t *v)
{
  const uint8_t *q;
  if (rd_take(r, 1, &q))
    return -1;
  if (*q <= 0x7f) {
    *v = *q;
    return 0;
  }
  if (*q < 0xcc || *q > 0xcf)
    return -1;
  return rd_count(r, 1 << (*q - 0xcc), v);
}

static int rd_map(struct rd *r, uint64_t *n)
{
  const uint8_t *q;
  if (rd_take(r, 1, &q))
    return -1;
  if ((*q & 0xf0) == 0x80) {
    *n = *q & 0x0f;
    return 0;
  }
  if (*q != 0xde && *q != 0xdf)
    return -1;
  return rd_count(r, *q == 0xde ? 2 : 4, n);
}

/* Skips one value of any type, nested at most depth levels. */
static int rd_skip(struct rd *r, int depth)
{
  const uint8_t *q;
  uint64_t n;
  if (depth < 0 || rd_take(r, 1, &q))
    return -1;
  uint8_t t = *q;
  if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
    return 0;
  if ((t & 0xe0) == 0xa0)
    return rd_take(r, t & 0x1f, &q);
  if (t >= 0xcc && t <= 0xcf)
    return rd_take(r, (size_t)1 << (t - 0xcc), &q);
  if (t >= 0xd0 && t <= 0xd3)
    return rd_take(r, (size_t)1 << (t - 0xd0), &q);
  if (t >= 0xd9 && t <= 0xdb)
    return rd_count(r, 1 << (t - 0xd9), &n) || rd_take(r, n, &q);
  if (t >= 0xc4 && t <= 0xc6)
    return rd_count(r, 1 << (t - 0xc4), &n) || rd_take(r, n, &q);
  int map = (t & 0xf0) == 0x80 || t == 0xde || t == 0xdf;
  if ((t & 0xf0) == 0x80 || (t & 0xf0) == 0x90)
    n = t & 0x0f;
  else if (t == 0xdc || t == 0xde || t == 0xdd || t == 0xdf) {
    if (rd_count(r, t == 0xdc || t == 0xde ? 2 : 4, &n))
      return -1;
  } else
    return -1;
  if (map)
    n *= 2;
  if (n > (uint64_t)(r->end - r->p)) /* every value takes a byte at least */
    return -1;
  for (uint64_t i = 0; i < n; i++)
    if (rd_skip(r, depth - 1))
      return -1;
  return 0;
}

static int str_is(const char *s, uint32_t len, const char *lit, uint32_t ll)
{
  return len == ll && memcmp(s, lit, ll) == 0;
}

/* The log an op appends to (EV_*), leaving r at its body. */
static int op_event(struct rd *r, const struct win_ctx *c)
{
  static const uint8_t head[5] = {0x92, 0x99, 0x01, 0xc4, 0x20}; /* docs/protocol.md 3.1, 3.2 */
  const uint8_t *q;
  const char *str, *coll;
  uint32_t l, cl;
  uint64_t u, kind;
  if (rd_take(r, sizeof head + CRDT_PK_BYTES, &q) || memcmp(q, head, sizeof head) ||
      rd_str(r, &str, &l) || rd_uint(r, &u) || rd_str(r, &coll, &cl) || rd_str(r, &str, &l) ||
      rd_uint(r, &kind) || kind != CRDT_APPEND)
    return EV_NONE;
  for (int ev = EV_HEALTH; ev <= EV_DIST; ev++)
    if (str_is(coll, cl, c->coll[ev], c->coll_len[ev]))
      return ev;
  return EV_NONE;
}

static int on_window_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct win_ctx *c = arg;
  struct report_window *w = c->w;
  struct rd r = {raw, raw + len};
  uint64_t n;
  (void)id;
  w->ops_read++;
  int ev = op_event(&r, c);
  if (ev == EV_NONE || rd_map(&r, &n))
    return 0;
  /* The fields the figures need; body keys come sorted, so stop after the
   * last one this log needs (temp_dc, visitor, kind). */
  const char *stop = ev == EV_HEALTH ? "temp_dc" : ev == EV_GATE ? "visitor" : "kind";
  uint32_t stop_len = ev == EV_HEALTH ? 7 : ev == EV_GATE ? 7 : 4;
  int64_t day = INT64_MIN;
  uint64_t temp = 0;
  int cough = 0, visitor = 0, dkind = 0; /* dkind: 1 relief, 2 group, 3 proxy */
  for (uint64_t i = 0; i < n; i++) {
    const char *f, *sv;
    uint32_t fl, sl;
    if (rd_str(&r, &f, &fl))
      return 0;
    struct rd t = r; /* the value, read by type when its type is the one expected */
    if (str_is(f, fl, "date", 4)) {
      if (rd_str(&t, &sv, &sl) == 0 && sl == RULES_DATE_LEN) {
        if (memcmp(sv, c->date, RULES_DATE_LEN) != 0) {
          if (rules_date_days(sv, sl, &c->date_day))
            c->date_day = INT64_MIN;
          memcpy(c->date, sv, RULES_DATE_LEN);
        }
        day = c->date_day;
      }
    } else if (str_is(f, fl, "temp_dc", 7)) {
      if (rd_uint(&t, &temp))
        temp = 0;
    } else if (str_is(f, fl, "cough", 5)) {
      cough = t.p < t.end && *t.p == 0xc3;
    } else if (str_is(f, fl, "visitor", 7)) { /* the visitor's name; true in older ops */
      visitor = t.p < t.end && (*t.p == 0xc3 || (*t.p & 0xe0) == 0xa0 || *t.p == 0xd9 ||
                                 *t.p == 0xc4 || *t.p == 0xc5); /* a sealed name counts, unread */
    } else if (ev == EV_DIST && str_is(f, fl, "kind", 4) && rd_str(&t, &sv, &sl) == 0) {
      dkind = str_is(sv, sl, "relief", 6) ? 1 : str_is(sv, sl, "group", 5) ? 2
              : str_is(sv, sl, "proxy", 5)                                  ? 3
                                                                           : 0;
    }
    if (str_is(f, fl, stop, stop_len))
      break;
    if (rd_skip(&r, CRDT_DEPTH_MAX))
      return 0;
  }
  if (day == INT64_MIN)
    day = ((int64_t)(CRDT_HLC_MS(hlc) / 1000) + c->off) / 86400;
  if (day < c->first || day > c->last)
    return 0;
  int fever = temp >= REPORT_FEVER_DC;
  switch (ev) {
  case EV_HEALTH:
    w->health_checks++, w->fevers += fever, w->coughs += cough;
    break;
  case EV_GATE:
    w->gate_checks++, w->gate_fevers += fever, w->visitors += visitor;
    break;
  default:
    w->relief += dkind == 1, w->group += dkind == 2, w->proxy += dkind == 3;
  }
  return 0;
}

/* Day numbers of the window and the hlc of its first local midnight. */
static int window_bounds(const char *date, int days, int32_t off, int64_t *first, int64_t *last,
                         uint64_t *lo_hlc)
{
  if (!date || days < 1 || days > 3660 || off < -86400 || off > 86400 ||
      rules_date_days(date, strlen(date), last))
    return LINLI_EINVAL;
  *first = *last - days + 1;
  int64_t ms = (*first * 86400 - off) * 1000;
  *lo_hlc = ms <= 0 ? 0 : CRDT_HLC_MAKE((uint64_t)ms, 0);
  return 0;
}

int report_window(struct store *s, const char *scope, const char *date, int days,
                  int32_t utc_offset_s, struct report_window *w)
{
  struct win_ctx c = {w, 0, 0, utc_offset_s, {0}, INT64_MIN, {0}, {0}};
  win_names(&c);
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  memset(w, 0, sizeof *w);
  int rc = window_bounds(date, days, utc_offset_s, &c.first, &c.last, &lo.hlc);
  if (rc)
    return rc;
  rules_days_date(c.first, w->from);
  rules_days_date(c.last, w->to);
  rc = store_range_each(s, scope, &lo, &hi, 0, on_window_op, &c);
  return rc > 0 ? 0 : rc;
}

int report_district(struct store *s, const char *const *scopes, int n, const char *date, int days,
                    int32_t utc_offset_s, struct report_row *rows, struct report_window *wins,
                    struct report_totals *tot, struct report_window *wtot)
{
  int64_t first, last;
  uint64_t lo;
  memset(tot, 0, sizeof *tot);
  if (wtot)
    memset(wtot, 0, sizeof *wtot);
  int rc = window_bounds(date, days, utc_offset_s, &first, &last, &lo);
  if (rc)
    return rc;
  for (int i = 0; i < n; i++) {
    if ((rc = one_row(s, scopes[i], date, 0, &rows[i])) ||
        (rc = report_window(s, scopes[i], date, days, utc_offset_s, &wins[i])))
      return rc;
    add_total(tot, &rows[i]);
    if (!wtot)
      continue;
    const struct report_window *w = &wins[i];
    memcpy(wtot->from, w->from, sizeof w->from);
    memcpy(wtot->to, w->to, sizeof w->to);
    wtot->health_checks += w->health_checks, wtot->fevers += w->fevers, wtot->coughs += w->coughs;
    wtot->gate_checks += w->gate_checks, wtot->gate_fevers += w->gate_fevers;
    wtot->visitors += w->visitors;
    wtot->relief += w->relief, wtot->group += w->group, wtot->proxy += w->proxy;
    wtot->ops_read += w->ops_read;
  }
  if (wtot && !n) {
    rules_days_date(first, wtot->from);
    rules_days_date(last, wtot->to);
  }
  return 0;
}
