/* District figures. Contract: report.h. */
#include <string.h>

#include "record.h"
#include "report.h"
#include "rules.h"

struct row_ctx {
  struct store *s;
  const char *scope, *date;
  struct report_row *row;
  const struct crdt_view *v;
  int err;
};

static int count_rec(void *arg, const struct record *r)
{
  if (!r->deleted)
    (*(int *)arg)++;
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
  if (kl < 8 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  const uint8_t *h = k + kl - 8 - CRDT_ID_BYTES;
  uint64_t hlc = 0;
  for (int i = 0; i < 8; i++)
    hlc = hlc << 8 | h[i];
  int len = store_get_op_at(c->s, c->scope, hlc, h + 8, op, sizeof op);
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
  if ((rc = record_each(v, c->scope, "compound", NULL, on_compound, c)) < 0 ||
      (rc = record_each(v, c->scope, "household", NULL, count_rec, &c->row->households)) < 0 ||
      (rc = record_each(v, c->scope, "resident", NULL, count_rec, &c->row->residents)) < 0 ||
      (rc = record_each(v, c->scope, "case_status", NULL, on_case, c)) < 0 ||
      (rc = record_each(v, c->scope, "supply_stock", NULL, on_stock, c)) < 0)
    return rc;
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
  int pl = crdt_row_prefix(prefix, sizeof prefix - 1, c->scope, strlen(c->scope), "distribution", 12, NULL, 0);
  if (pl < 0)
    return pl;
  prefix[pl++] = CRDT_ROW_LOG;
  return v->scan(v->ctx, prefix, (size_t)pl, on_dist, c);
}

static int one_row(struct store *s, const char *scope, const char *date, struct report_row *row)
{
  struct row_ctx c = {s, scope, date, row, NULL, 0};
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

int report_scopes(struct store *s, const char *const *scopes, int n, const char *date,
                  struct report_row *rows, struct report_totals *tot)
{
  memset(tot, 0, sizeof *tot);
  int64_t day;
  if (rules_date_days(date, strlen(date), &day))
    return LINLI_EINVAL;
  for (int i = 0; i < n; i++) {
    int rc = one_row(s, scopes[i], date, &rows[i]);
    if (rc)
      return rc;
    const struct report_row *r = &rows[i];
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
  return 0;
}
