/* The figures of a daily summary (domain.h "the district's daily
 * summaries"): parsed strictly, since they come from another node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

const char *const dom_summary_keys[DOM_SUMMARY_N] = {
    "compounds",   "certified", "withdrawn",  "pending",    "rejected",  "eligible",
    "not_eligible", "village",  "free",       "households", "residents", "open_three",
    "fevers_1",    "handouts_1", "fevers_7",  "handouts_7", "ops",       "open_confirmed",
};

static int su_key(const char *k, size_t len)
{
  for (int i = 0; i < DOM_SUMMARY_N; i++)
    if (strlen(dom_summary_keys[i]) == len && memcmp(dom_summary_keys[i], k, len) == 0)
      return i;
  return -1;
}

int dom_summary_parse(const char *s, size_t len, struct dom_summary *out)
{
  size_t i = 0;
  for (int k = 0; k < DOM_SUMMARY_N; k++)
    out->v[k] = -1;
  if (len > DOM_SUMMARY_FIGURES_MAX)
    return DOM_MALFORMED;
  while (i < len) {
    if (s[i] == ' ') {
      i++;
      continue;
    }
    size_t k0 = i;
    while (i < len && s[i] != '=' && s[i] != ' ')
      i++;
    if (i == len || s[i] != '=' || i == k0)
      return DOM_MALFORMED;
    size_t kl = i - k0;
    i++; /* '=' */
    int64_t n = 0;
    size_t d0 = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > DOM_QTY_MAX || i - d0 > 9)
        return DOM_MALFORMED;
      i++;
    }
    if (i == d0 || (i < len && s[i] != ' ') || (i - d0 > 1 && s[d0] == '0'))
      return DOM_MALFORMED;
    int k = su_key(s + k0, kl);
    if (k < 0)
      continue; /* a key a newer hub writes */
    if (out->v[k] >= 0)
      return DOM_MALFORMED;
    out->v[k] = n;
  }
  for (int k = 0; k < DOM_SUMMARY_N; k++)
    if (out->v[k] < 0)
      return DOM_MALFORMED;
  return 0;
}

int dom_summary_format(const struct dom_summary *s, char *out, size_t cap)
{
  size_t at = 0;
  for (int k = 0; k < DOM_SUMMARY_N; k++) {
    if (s->v[k] < 0 || s->v[k] > DOM_QTY_MAX)
      return LINLI_EINVAL;
    int n = snprintf(out + at, cap - at, "%s%s=%lld", k ? " " : "", dom_summary_keys[k],
                     (long long)s->v[k]);
    if (n < 0 || (size_t)n >= cap - at)
      return LINLI_ETOOBIG;
    at += (size_t)n;
  }
  return at > DOM_SUMMARY_FIGURES_MAX ? LINLI_ETOOBIG : (int)at;
}

/* ---- planning the summaries ---- */

struct su {
  const struct dom_su_req *q;
  struct report_row *rows;
  struct report_window *w7, *w1;
  struct dom_plan *p;
  struct dom_su_out *o;
  int (*fn)(void *arg, const struct dom_plan *p);
  void *arg;
};

static uint64_t handouts(const struct report_window *w)
{
  return w->relief + w->group + w->proxy;
}

struct su_old {
  const char *want;
  int found, same;
};

static int su_old(void *arg, const struct record *r)
{
  struct su_old *o = arg;
  char fig[DOM_SUMMARY_FIGURES_MAX + 1];
  if (r->deleted)
    return 0;
  o->found = 1;
  o->same = record_str(r, "figures", fig, sizeof fig) == 0 && strcmp(fig, o->want) == 0;
  return 0;
}

/* ---- a compound's state, for the city's rounds ---- */

struct su_c {
  struct su *s;
  const struct crdt_view *v;
};

struct su_cold {
  const char *state, *name, *reason;
  int same;
};

static int su_cold(void *arg, const struct record *r)
{
  struct su_cold *o = arg;
  char st[24], nm[DOM_TEXT_MAX + 1], why[321];
  if (r->deleted)
    return 0;
  if (record_str(r, "state", st, sizeof st) || strcmp(st, o->state))
    return 0;
  if (record_str(r, "name", nm, sizeof nm))
    nm[0] = 0;
  if (record_str(r, "reason", why, sizeof why))
    why[0] = 0;
  o->same = !strcmp(nm, o->name) && !strcmp(why, o->reason);
  return 0;
}

/* The compound's summary_compound record, written when its state, name or
 * reason changed. */
static int su_compound(void *arg, const struct dom_cstate *c)
{
  struct su_c *x = arg;
  struct su *s = x->s;
  const struct dom_su_req *q = s->q;
  char key[CRDT_KEY_MAX + 1], why[321], a_c[CRDT_SCOPE_MAX + 16], a_k[CRDT_KEY_MAX + 16],
      a_n[DOM_TEXT_MAX + 8], a_s[40], a_d[24], a_r[340];
  const char *state = dom_state_key(c->state);
  const char *w = c->state == DOM_ST_CERTIFIED ? "" : dom_cstate_why(c), *colon = strstr(w, ": ");
  /* the rule's sentence starts "compound X is not epidemic-free on DATE:";
   * the record keeps what is wrong, so that it changes when that does and
   * not every day */
  if (!strncmp(w, "compound ", 9) && colon)
    w = colon + 2;
  snprintf(why, sizeof why, "%s", w);
  if (snprintf(key, sizeof key, "%s/%s", c->community, c->compound) >= (int)sizeof key)
    return 0; /* a key too long for the record: the count still has it */
  struct su_cold old = {state, c->name, why, 0};
  int rc = record_each(x->v, q->district, domain_name(DOM_SUMMARY_COMPOUND), key, su_cold, &old);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  if (old.same)
    return 0;
  snprintf(a_c, sizeof a_c, "community=%s", c->community);
  snprintf(a_k, sizeof a_k, "compound=%s", c->compound);
  snprintf(a_s, sizeof a_s, "state=%s", state);
  snprintf(a_d, sizeof a_d, "date=%s", q->date);
  snprintf(a_n, sizeof a_n, "name=%s", c->name);
  snprintf(a_r, sizeof a_r, "reason=%s", why);
  const char *args[6] = {a_c, a_k, a_s, a_d};
  int na = 4;
  if (c->name[0])
    args[na++] = a_n;
  if (why[0])
    args[na++] = a_r;
  struct dom_req dq = {.coll = DOM_SUMMARY_COMPOUND, .verb = DOM_V_ADD, .key = key, .args = args,
                       .n_args = na, .home = q->home, .district = q->district,
                       .scope = q->district, .today = q->today, .now = q->now, .upsert = 1};
  if ((rc = dom_plan(&dq, x->v, s->p, &s->o->e)))
    return rc;
  if ((rc = s->fn(s->arg, s->p)))
    return rc;
  s->o->compounds++;
  return 0;
}

static int su_one(struct su *s, const struct crdt_view *v, int i)
{
  const struct dom_su_req *q = s->q;
  struct dom_community_state cs;
  struct dom_summary f;
  char fig[DOM_SUMMARY_FIGURES_MAX + 1], key[CRDT_SCOPE_MAX + DOM_DATE_LEN + 2], asof[40],
      a_c[CRDT_SCOPE_MAX + 16], a_d[24], a_n[DOM_TEXT_MAX + 8], a_a[48],
      a_f[DOM_SUMMARY_FIGURES_MAX + 16];
  /* the compounds' records for the newest day only: a past date's states
   * would overwrite today's */
  struct su_c x = {s, v};
  int today = !strcmp(q->date, q->today);
  int rc = dom_compound_states(v, NULL, q->district, q->scopes[i], q->date, &cs,
                               today ? su_compound : NULL, &x);
  if (rc)
    return rc;
  const struct report_row *r = &s->rows[i];
  int64_t vals[DOM_SUMMARY_N] = {
      [DOM_SU_COMPOUNDS] = cs.compounds,
      [DOM_SU_CERTIFIED] = cs.counts[DOM_ST_CERTIFIED],
      [DOM_SU_WITHDRAWN] = cs.counts[DOM_ST_WITHDRAWN],
      [DOM_SU_PENDING] = cs.counts[DOM_ST_PENDING],
      [DOM_SU_REJECTED] = cs.counts[DOM_ST_REJECTED],
      [DOM_SU_ELIGIBLE] = cs.counts[DOM_ST_ELIGIBLE],
      [DOM_SU_NOT_ELIGIBLE] = cs.counts[DOM_ST_NOT_ELIGIBLE],
      [DOM_SU_VILLAGE] = cs.village,
      [DOM_SU_FREE] = cs.epidemic_free,
      [DOM_SU_HOUSEHOLDS] = r->households,
      [DOM_SU_RESIDENTS] = r->residents,
      [DOM_SU_OPEN_THREE] = cs.open_three,
      [DOM_SU_FEVERS_1] = (int64_t)s->w1[i].fevers,
      [DOM_SU_HANDOUTS_1] = (int64_t)handouts(&s->w1[i]),
      [DOM_SU_FEVERS_7] = (int64_t)s->w7[i].fevers,
      [DOM_SU_HANDOUTS_7] = (int64_t)handouts(&s->w7[i]),
      [DOM_SU_OPS] = (int64_t)r->ops,
      [DOM_SU_OPEN_CONFIRMED] = r->open_confirmed,
  };
  memcpy(f.v, vals, sizeof vals);
  if ((rc = dom_summary_format(&f, fig, sizeof fig)) < 0)
    return rc;
  snprintf(key, sizeof key, "%s/%s", q->scopes[i], q->date);
  struct su_old old = {fig, 0, 0};
  if ((rc = record_each(v, q->district, domain_name(DOM_SUMMARY), key, su_old, &old)) < 0 &&
      rc != LINLI_ENOTFOUND)
    return rc;
  if (old.found && old.same) {
    s->o->same++;
    return 0;
  }
  snprintf(asof, sizeof asof, "%s %s", q->today, q->now);
  snprintf(a_c, sizeof a_c, "community=%s", q->scopes[i]);
  snprintf(a_d, sizeof a_d, "date=%s", q->date);
  snprintf(a_n, sizeof a_n, "name=%s", cs.name);
  snprintf(a_a, sizeof a_a, "as_of=%s", asof);
  snprintf(a_f, sizeof a_f, "figures=%s", fig);
  const char *args[] = {a_c, a_d, a_a, a_f, a_n};
  struct dom_req dq = {.coll = DOM_SUMMARY, .verb = DOM_V_ADD, .key = key, .args = args,
                       .n_args = cs.name[0] ? 5 : 4, .home = q->home, .district = q->district,
                       .scope = q->district, .today = q->today, .now = q->now, .upsert = 1};
  if ((rc = dom_plan(&dq, v, s->p, &s->o->e)))
    return rc;
  if ((rc = s->fn(s->arg, s->p)))
    return rc;
  s->o->written++;
  return 0;
}

static int su_read(void *arg, const struct crdt_view *v)
{
  struct su *s = arg;
  for (int i = 0; i < s->q->n; i++) {
    int rc = su_one(s, v, i);
    if (rc)
      return rc;
  }
  return 0;
}

int dom_summaries(struct store *st, const struct dom_su_req *q,
                  int (*fn)(void *arg, const struct dom_plan *p), void *arg, struct dom_su_out *o)
{
  size_t n = q->n > 0 ? (size_t)q->n : 1;
  struct su s = {q, calloc(n, sizeof *s.rows), calloc(n, sizeof *s.w7), calloc(n, sizeof *s.w1),
                 malloc(sizeof *s.p), o, fn, arg};
  struct report_totals tot;
  int rc = LINLI_ENOMEM;
  memset(o, 0, sizeof *o);
  if (!s.rows || !s.w7 || !s.w1 || !s.p)
    goto out;
  rc = report_district(st, q->scopes, q->n, q->date, REPORT_WINDOW_DAYS, q->utc_offset_s, s.rows,
                       s.w7, &tot, NULL);
  for (int i = 0; i < q->n && !rc; i++)
    rc = report_window(st, q->scopes[i], q->date, 1, q->utc_offset_s, &s.w1[i]);
  if (!rc && q->n)
    rc = store_read_rows(st, su_read, &s);
  if (rc == LINLI_ENOTFOUND)
    rc = 0;
out:
  free(s.rows);
  free(s.w7);
  free(s.w1);
  free(s.p);
  return rc;
}
