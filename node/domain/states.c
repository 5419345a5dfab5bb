/* Compound and community states on a date. Contract: domain.h ("compound
 * states"). Read from the merged records only: the compound register, the
 * community's declarations and cases, the hub's approvals in the district
 * scope, and rules_compound(); so every node holding the same ops says the
 * same, and nothing here is written. */
#include <stdio.h>
#include <string.h>

#include "domain.h"

const struct dom_text dom_state_words[DOM_ST_N] = {
    {"certified", "已认定"}, {"withdrawn", "已撤销"},   {"pending", "待审批"},
    {"rejected", "已驳回"},  {"eligible", "符合条件"}, {"not eligible", "不符合条件"}};

const char *dom_state_key(int s)
{
  static const char *const k[DOM_ST_N] = {"certified", "withdrawn", "pending",
                                          "rejected",  "eligible",  "not_eligible"};
  return s >= 0 && s < DOM_ST_N ? k[s] : "unknown";
}

const char *dom_cstate_why(const struct dom_cstate *c)
{
  switch (c->state) {
  case DOM_ST_REJECTED:
    return c->hub_reason;
  case DOM_ST_WITHDRAWN:
  case DOM_ST_NOT_ELIGIBLE:
    return c->verdict.reason;
  case DOM_ST_PENDING:
    return c->verdict.eligible ? "" : c->verdict.reason;
  default:
    return "";
  }
}

/* A date field of r on or before day, into out (else ""). */
static void date_upto(const struct record *r, const char *field, int64_t day,
                      char out[DOM_DATE_LEN + 1])
{
  char d[DOM_DATE_LEN + 2];
  int64_t n;
  out[0] = 0;
  if (record_str(r, field, d, sizeof d) || strlen(d) != DOM_DATE_LEN ||
      dom_date_days(d, DOM_DATE_LEN, &n) || n > day)
    return;
  memcpy(out, d, DOM_DATE_LEN + 1);
}

struct one {
  struct dom_cstate *c;
  int64_t day;
  uint64_t declared_hlc, decided_hlc; /* the newest write of each record */
  int declared_later, decided_later;  /* the record is dated after D */
};

static uint64_t newest(const struct record *r)
{
  uint64_t h = 0;
  for (uint32_t i = 0; i < r->n_fields; i++)
    if (r->f[i].tag == CRDT_ROW_LWW && r->f[i].hlc > h)
      h = r->f[i].hlc;
  return h;
}

static int on_declaration(void *arg, const struct record *r)
{
  struct one *o = arg;
  char status[16];
  if (r->deleted || record_str(r, "status", status, sizeof status) || strcmp(status, "declared"))
    return 0;
  date_upto(r, "date", o->day, o->c->declared);
  if (record_str(r, "forced", o->c->forced, sizeof o->c->forced))
    o->c->forced[0] = 0;
  o->declared_hlc = newest(r);
  o->declared_later = !o->c->declared[0];
  return 0;
}

static int on_approval(void *arg, const struct record *r)
{
  struct one *o = arg;
  char status[16];
  if (r->deleted || record_str(r, "status", status, sizeof status))
    return 0;
  int d = !strcmp(status, "approved") ? 1 : !strcmp(status, "rejected") ? 2 : 0;
  date_upto(r, "date", o->day, o->c->decided);
  if (!d || !o->c->decided[0]) {
    o->decided_later = d && !o->c->decided[0];
    o->c->decided[0] = 0;
    return 0; /* decided after D: not known on D */
  }
  o->c->decision = d;
  o->decided_hlc = newest(r);
  char on[DOM_DATE_LEN + 2];
  if (record_str(r, "declaration", on, sizeof on) || strlen(on) != DOM_DATE_LEN)
    on[0] = 0;
  memcpy(o->c->decided_on, on, DOM_DATE_LEN + 1);
  if (record_str(r, "reason", o->c->hub_reason, sizeof o->c->hub_reason))
    o->c->hub_reason[0] = 0;
  return 0;
}

/* The record as it stood after the last of its writes dated on or before D,
 * from its ops (history.c): what a register that keeps only its newest
 * write no longer shows. Each write of a declaration or a decision sets
 * every field, so the values after each op are the record then. */
struct back {
  int64_t day;
  int open;
  uint64_t hlc;
  char status[16], date[DOM_DATE_LEN + 2], decl[DOM_DATE_LEN + 2], reason[320];
  int found;
  uint64_t b_hlc;
  char b_status[16], b_date[DOM_DATE_LEN + 2], b_decl[DOM_DATE_LEN + 2], b_reason[320];
};

static void back_flush(struct back *b)
{
  int64_t d;
  if (b->open && strlen(b->date) == DOM_DATE_LEN && dom_date_days(b->date, DOM_DATE_LEN, &d) == 0 &&
      d <= b->day) {
    b->found = 1;
    b->b_hlc = b->hlc;
    memcpy(b->b_status, b->status, sizeof b->status);
    memcpy(b->b_date, b->date, sizeof b->date);
    memcpy(b->b_decl, b->decl, sizeof b->decl);
    memcpy(b->b_reason, b->reason, sizeof b->reason);
  }
  b->open = 0;
}

static int on_back(void *arg, const struct dom_change_line *l)
{
  struct back *b = arg;
  if (l->what == DOM_H_VOID) {
    back_flush(b);
    b->found = 0; /* voided: nothing before counts */
    return 0;
  }
  if (l->what != DOM_H_SET)
    return 0;
  if (b->open && b->hlc != l->hlc)
    back_flush(b);
  b->open = 1;
  b->hlc = l->hlc;
  if (!strcmp(l->field, "status"))
    snprintf(b->status, sizeof b->status, "%s", l->new_value);
  else if (!strcmp(l->field, "date"))
    snprintf(b->date, sizeof b->date, "%s", l->new_value);
  else if (!strcmp(l->field, "declaration"))
    snprintf(b->decl, sizeof b->decl, "%s", l->new_value);
  else if (!strcmp(l->field, "reason"))
    snprintf(b->reason, sizeof b->reason, "%s", l->new_value);
  return 0;
}

static int look_back(struct store_read *rd, const char *scope, int coll, const char *key,
                     int64_t day, struct back *b)
{
  memset(b, 0, sizeof *b);
  b->day = day;
  int rc = dom_history(rd, scope, coll, key, on_back, b);
  back_flush(b);
  return rc;
}

/* Fills c (community, compound and name set) for day/date. */
static int judge(const struct crdt_view *v, struct store_read *rd, const char *district, int64_t day,
                 const char *date, struct dom_cstate *c)
{
  struct one o = {c, day, 0, 0, 0, 0};
  struct back b;
  int rc = record_each(v, c->community, domain_name(DOM_DECLARATION), c->compound, on_declaration,
                       &o);
  char key[CRDT_KEY_MAX + 1] = "";
  int have_key = district && flow_approval_key(key, sizeof key, c->community, c->compound) > 0;
  if (rc >= 0 && have_key)
    rc = record_each(v, district, domain_name(DOM_APPROVAL), key, on_approval, &o);
  /* a decision or declaration dated after D may hide one that held on D */
  if (rc >= 0 && rd && o.decided_later &&
      (rc = look_back(rd, district, DOM_APPROVAL, key, day, &b)) == 0 && b.found) {
    int d = !strcmp(b.b_status, "approved") ? 1 : !strcmp(b.b_status, "rejected") ? 2 : 0;
    if (d) {
      c->decision = d;
      memcpy(c->decided, b.b_date, DOM_DATE_LEN + 1);
      c->decided_on[0] = 0;
      if (strlen(b.b_decl) == DOM_DATE_LEN)
        memcpy(c->decided_on, b.b_decl, DOM_DATE_LEN + 1);
      snprintf(c->hub_reason, sizeof c->hub_reason, "%s", b.b_reason);
      o.decided_hlc = b.b_hlc;
    }
  }
  if (rc >= 0 && rd && o.declared_later &&
      (rc = look_back(rd, c->community, DOM_DECLARATION, c->compound, day, &b)) == 0 && b.found &&
      !strcmp(b.b_status, "declared")) {
    memcpy(c->declared, b.b_date, DOM_DATE_LEN + 1);
    o.declared_hlc = b.b_hlc;
  }
  if (rc >= 0)
    rc = rules_compound(v, c->community, c->compound, date, &c->verdict);
  if (rc < 0)
    return rc;
  /* a declaration written after the decision waits for a new decision (a
   * node writes it having seen the decision, so its stamp is the later) */
  int redeclared = c->declared[0] && c->decision && o.declared_hlc > o.decided_hlc;
  if (c->decision == 1 && !redeclared)
    c->state = c->verdict.eligible ? DOM_ST_CERTIFIED : DOM_ST_WITHDRAWN;
  else if (c->decision == 2 && !redeclared)
    c->state = DOM_ST_REJECTED;
  else if (c->declared[0])
    c->state = DOM_ST_PENDING;
  else
    c->state = c->verdict.eligible ? DOM_ST_ELIGIBLE : DOM_ST_NOT_ELIGIBLE;
  return 0;
}

struct walk {
  const struct crdt_view *v;
  struct store_read *rd;
  const char *district, *scope, *date;
  int64_t day;
  struct dom_community_state *out;
  int (*fn)(void *, const struct dom_cstate *);
  void *arg;
  const char *only; /* one compound */
  struct dom_cstate *one;
};

static int on_compound(void *arg, const struct record *r)
{
  struct walk *w = arg;
  struct dom_cstate c;
  if (r->deleted || r->key.len > CRDT_KEY_MAX)
    return 0;
  memset(&c, 0, sizeof c);
  snprintf(c.community, sizeof c.community, "%s", w->scope);
  memcpy(c.compound, r->key.p, r->key.len);
  c.compound[r->key.len] = 0;
  if (record_str(r, "name", c.name, sizeof c.name))
    c.name[0] = 0;
  int rc = judge(w->v, w->rd, w->district, w->day, w->date, &c);
  if (rc)
    return rc;
  if (w->one) {
    *w->one = c;
    return 1;
  }
  w->out->compounds++;
  w->out->counts[c.state]++;
  return w->fn ? w->fn(w->arg, &c) : 0;
}

static int on_case(void *arg, const struct record *r)
{
  struct walk *w = arg;
  char cat[32], start[16], rel[16];
  int64_t sd, rd;
  if (r->deleted || record_str(r, "category", cat, sizeof cat) ||
      record_str(r, "start_date", start, sizeof start) ||
      dom_date_days(start, strlen(start), &sd) || sd > w->day)
    return 0;
  if (record_str(r, "release_date", rel, sizeof rel) == 0 &&
      dom_date_days(rel, strlen(rel), &rd) == 0 && rd <= w->day)
    return 0;
  w->out->open_three +=
      !strcmp(cat, "suspected") || !strcmp(cat, "fever") || !strcmp(cat, "close_contact");
  return 0;
}

static int on_community(void *arg, const struct record *r)
{
  struct dom_community_state *o = arg;
  char kind[16];
  if (r->deleted)
    return 0;
  if (record_str(r, "name", o->name, sizeof o->name))
    o->name[0] = 0;
  o->village = record_str(r, "kind", kind, sizeof kind) == 0 && !strcmp(kind, "village");
  return 0;
}

int dom_compound_states(const struct crdt_view *v, struct store_read *rd, const char *district,
                        const char *scope, const char *date, struct dom_community_state *out,
                        int (*fn)(void *arg, const struct dom_cstate *c), void *arg)
{
  struct walk w = {v, rd, district, scope, date, 0, out, fn, arg, NULL, NULL};
  memset(out, 0, sizeof *out);
  if (!date || strlen(date) != DOM_DATE_LEN || dom_date_days(date, DOM_DATE_LEN, &w.day) ||
      strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_EINVAL;
  snprintf(out->community, sizeof out->community, "%s", scope);
  int rc = record_each(v, scope, domain_name(DOM_COMMUNITY), scope, on_community, out);
  if (rc >= 0)
    rc = record_each(v, scope, domain_name(DOM_CASE), NULL, on_case, &w);
  if (rc >= 0)
    rc = record_each(v, scope, domain_name(DOM_COMPOUND), NULL, on_compound, &w);
  if (rc)
    return rc;
  out->epidemic_free = out->compounds > 0 && out->counts[DOM_ST_CERTIFIED] == out->compounds &&
                       out->open_three == 0;
  return 0;
}

int dom_compound_state(const struct crdt_view *v, struct store_read *rd, const char *district,
                       const char *scope, const char *compound, const char *date,
                       struct dom_cstate *out)
{
  struct dom_community_state cs;
  struct walk w = {v, rd, district, scope, date, 0, &cs, NULL, NULL, compound, out};
  memset(out, 0, sizeof *out);
  if (!date || strlen(date) != DOM_DATE_LEN || dom_date_days(date, DOM_DATE_LEN, &w.day) ||
      strlen(scope) > CRDT_SCOPE_MAX)
    return LINLI_EINVAL;
  int rc = record_each(v, scope, domain_name(DOM_COMPOUND), compound, on_compound, &w);
  return rc < 0 ? rc : rc == 1 ? 0 : LINLI_ENOTFOUND;
}

int dom_district_states(struct store *s, const char *district, const char *const *scopes, int n,
                        const char *date, struct dom_community_state *out)
{
  struct store_read *rd;
  int rc = store_read_begin(s, &rd);
  if (rc)
    return rc;
  struct crdt_view v = store_read_view(rd);
  for (int i = 0; i < n && !rc; i++)
    rc = dom_compound_states(&v, rd, district, scopes[i], date, &out[i], NULL, NULL);
  store_read_end(rd);
  return rc;
}
