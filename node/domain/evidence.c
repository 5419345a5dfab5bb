/* The six measures backed by records. Contract: domain.h ("the six
 * measures' evidence"); the thresholds are dom_measure_rules (table.c).
 * Each measure staff mark in place is held against what the logs show:
 * disinfection rounds, health checks, hand-outs to hardship households,
 * gate checks; publicity and mobilisation are the staff's word, shown with
 * when it was given. Sentences count households, never name one. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

/* A set of keys, copied (small: the households of one compound). */
struct keyset {
  char **k;
  size_t n, cap;
};

static int ks_has(const struct keyset *s, const char *key)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->k[i], key))
      return 1;
  return 0;
}

static int ks_add(struct keyset *s, const char *key, size_t len)
{
  char buf[CRDT_KEY_MAX + 1];
  snprintf(buf, sizeof buf, "%.*s", (int)len, key);
  if (ks_has(s, buf))
    return 0;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    char **k = realloc(s->k, cap * sizeof *k);
    if (!k)
      return LINLI_ENOMEM;
    s->k = k, s->cap = cap;
  }
  if (!(s->k[s->n] = strdup(buf)))
    return LINLI_ENOMEM;
  s->n++;
  return 0;
}

static void ks_free(struct keyset *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->k[i]);
  free(s->k);
  memset(s, 0, sizeof *s);
}

const struct dom_measure_rule *dom_measure_rule(const char *measure)
{
  for (int i = 0; i < RULES_MEASURES; i++)
    if (!strcmp(dom_measure_rules[i].measure, measure))
      return &dom_measure_rules[i];
  return NULL;
}

struct ev_run {
  struct store_read *rd;
  const struct crdt_view *v;
  const char *scope, *compound, *date;
  int64_t day;
  int32_t off;
  struct rules_evidence *out;
  struct keyset households, hardship, reached, gates, seen;
  char last_round[DOM_DATE_LEN + 1];
  int err;
};

/* ---- the records of the compound ---- */

static int on_household(void *arg, const struct record *r)
{
  struct ev_run *x = arg;
  char comp[CRDT_KEY_MAX + 1];
  int64_t hard = 0;
  if (r->deleted || record_str(r, "compound", comp, sizeof comp) || strcmp(comp, x->compound))
    return 0;
  if ((x->err = ks_add(&x->households, r->key.p, r->key.len)))
    return 1;
  if (record_int(r, "hardship", &hard) == 0 && hard && (x->err = ks_add(&x->hardship, r->key.p, r->key.len)))
    return 1;
  return 0;
}

static int on_gate(void *arg, const uint8_t *e, size_t el)
{
  struct ev_run *x = arg;
  struct crdt_mp r;
  const char *s;
  uint32_t len;
  crdt_mp_init(&r, e, el);
  if (crdt_mp_str(&r, &s, &len) == 0 && (x->err = ks_add(&x->gates, s, len)))
    return 1;
  return 0;
}

/* The measures record: each measure's value and when it was set. */
static int on_measures(void *arg, const struct record *r)
{
  struct ev_run *x = arg;
  if (r->deleted)
    return 0;
  for (int i = 0; i < RULES_MEASURES; i++) {
    const struct record_field *f = record_field(r, rules_measures[i]);
    int64_t on = 0;
    struct rules_measure *m = &x->out->m[i];
    if (!f || record_int(r, rules_measures[i], &on))
      continue;
    m->marked = on != 0;
    dom_ms_date(CRDT_HLC_MS(f->hlc), x->off, m->set_on);
  }
  return 0;
}

static const char *row_field(int coll, const struct dom_row *r, const char *name)
{
  int i = domain_field_index(&domain_collections[coll], name, strlen(name));
  return i < 0 ? "" : r->val[i];
}

static int on_round(void *arg, const struct dom_row *r)
{
  struct ev_run *x = arg;
  const char *d = row_field(DOM_DISINFECTION, r, "date");
  if (strlen(d) == DOM_DATE_LEN && strcmp(d, x->date) <= 0 && strcmp(d, x->last_round) > 0)
    memcpy(x->last_round, d, DOM_DATE_LEN + 1);
  if (*d && (x->err = ks_add(&x->seen, d, strlen(d))))
    return 1;
  return 0;
}

static int on_health(void *arg, const struct dom_row *r)
{
  struct ev_run *x = arg;
  if (*r->household && ks_has(&x->households, r->household) &&
      (x->err = ks_add(&x->reached, r->household, strlen(r->household))))
    return 1;
  return 0;
}

static int on_handout(void *arg, const struct dom_row *r)
{
  struct ev_run *x = arg;
  if (ks_has(&x->hardship, r->key) && (x->err = ks_add(&x->reached, r->key, strlen(r->key))))
    return 1;
  return 0;
}

static int on_gate_check(void *arg, const struct dom_row *r)
{
  struct ev_run *x = arg;
  if (ks_has(&x->gates, r->key) && (x->err = ks_add(&x->seen, r->key, strlen(r->key))))
    return 1;
  return 0;
}

/* Runs a query of coll over the window of rule (days ending on the date). */
static int window(struct ev_run *x, int coll, const char *key, const struct dom_measure_rule *rule,
                  int (*fn)(void *, const struct dom_row *))
{
  char from[DOM_DATE_LEN + 1];
  struct dom_query q;
  memset(&q, 0, sizeof q);
  dom_days_date(x->day - (rule->days > 0 ? rule->days : 1) + 1, from);
  q.coll = coll;
  q.scope = x->scope;
  q.key = key;
  q.since = from;
  q.until = x->date;
  int rc = dom_query(&q, x->rd, fn, x);
  return rc < 0 ? rc : x->err;
}

static void say(struct rules_measure *m, int backed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct rules_measure *m, int backed, const char *fmt, ...)
{
  va_list ap;
  m->state = backed ? RULES_EV_BACKED : RULES_EV_UNBACKED;
  va_start(ap, fmt);
  vsnprintf(m->evidence, sizeof m->evidence, D_(fmt), ap);
  va_end(ap);
}

static int pct_of(size_t part, size_t whole)
{
  return whole ? (int)(100 * part / whole) : 0;
}

static int disinfection(struct ev_run *x, struct rules_measure *m, const struct dom_measure_rule *rule)
{
  char day[DOM_DATE_LEN + 1], missing[DOM_DATE_LEN + 1] = "";
  struct dom_query q;
  int n = 0;
  memset(&q, 0, sizeof q);
  q.coll = DOM_DISINFECTION;
  q.scope = x->scope;
  q.key = x->compound;
  q.until = x->date;
  int rc = dom_query(&q, x->rd, on_round, x); /* every round, for the last one */
  if (rc < 0 || (rc = x->err))
    return rc;
  for (int d = 0; d < rule->days; d++) {
    dom_days_date(x->day - d, day);
    if (ks_has(&x->seen, day))
      n++;
    else if (!missing[0])
      memcpy(missing, day, sizeof day);
  }
  if (n == rule->days)
    say(m, 1, "a round logged on each of the %d days to %s", rule->days, x->date);
  else if (!x->last_round[0])
    say(m, 0, "no round ever logged for the compound (needs one on each of the %d days to %s)",
        rule->days, x->date);
  else
    say(m, 0, "no round logged on %s; the last round was on %s (needs one on each of the %d days "
        "to %s)", missing, x->last_round, rule->days, x->date);
  ks_free(&x->seen);
  return 0;
}

static int screening(struct ev_run *x, struct rules_measure *m, const struct dom_measure_rule *rule)
{
  int rc = window(x, DOM_HEALTH_CHECK, NULL, rule, on_health);
  if (rc)
    return rc;
  size_t n = x->reached.n, of = x->households.n;
  int pct = pct_of(n, of);
  if (!of)
    say(m, 0, "no household of the compound is registered, so none was screened");
  else
    say(m, pct >= rule->pct, "%zu of %zu households (%d %%) had a health check in the %d days to "
        "%s (needs %d %%)", n, of, pct, rule->days, x->date, rule->pct);
  ks_free(&x->reached);
  return 0;
}

static int supply(struct ev_run *x, struct rules_measure *m, const struct dom_measure_rule *rule)
{
  int rc = window(x, DOM_DISTRIBUTION, NULL, rule, on_handout);
  if (rc)
    return rc;
  size_t n = x->reached.n, of = x->hardship.n;
  int pct = of ? pct_of(n, of) : 100;
  if (!of)
    say(m, 1, "the compound has no household marked hardship");
  else
    say(m, pct >= rule->pct, "%zu of %zu hardship households (%d %%) got a hand-out in the %d days "
        "to %s (needs %d %%)", n, of, pct, rule->days, x->date, rule->pct);
  ks_free(&x->reached);
  return 0;
}

static int closed(struct ev_run *x, struct rules_measure *m, const struct dom_measure_rule *rule)
{
  int rc = window(x, DOM_GATE_CHECK, NULL, rule, on_gate_check);
  if (rc)
    return rc;
  size_t n = x->seen.n, of = x->gates.n;
  if (!of)
    say(m, 0, "the compound has no registered gate (linli compound set %s gates+=GATE)", x->compound);
  else
    say(m, pct_of(n, of) >= rule->pct, "%zu of %zu registered gates with a check logged in the %d "
        "day(s) to %s", n, of, rule->days, x->date);
  ks_free(&x->seen);
  return 0;
}

int rules_evidence(struct store_read *rd, const char *scope, const char *compound, const char *date,
                   int32_t utc_offset_s, struct rules_evidence *out)
{
  struct crdt_view v = store_read_view(rd);
  struct ev_run *x = calloc(1, sizeof *x);
  int rc;
  memset(out, 0, sizeof *out);
  if (!x)
    return LINLI_ENOMEM;
  x->rd = rd, x->v = &v, x->scope = scope, x->compound = compound, x->date = date;
  x->off = utc_offset_s, x->out = out;
  if ((rc = dom_date_days(date, strlen(date), &x->day)))
    goto out;
  rc = record_each(&v, scope, domain_name(DOM_MEASURES), compound, on_measures, x);
  if ((rc < 0 && rc != LINLI_ENOTFOUND) || (rc = x->err))
    goto out;
  rc = record_each(&v, scope, domain_name(DOM_HOUSEHOLD), NULL, on_household, x);
  if ((rc < 0 && rc != LINLI_ENOTFOUND) || (rc = x->err))
    goto out;
  rc = record_elems(&v, scope, domain_name(DOM_COMPOUND), compound, "gates", on_gate, x);
  if ((rc < 0 && rc != LINLI_ENOTFOUND) || (rc = x->err))
    goto out;
  rc = 0;
  for (int i = 0; i < RULES_MEASURES && !rc; i++) {
    const struct dom_measure_rule *rule = &dom_measure_rules[i];
    struct rules_measure *m = &out->m[i];
    switch (rule->kind) {
    case RULES_EV_DISINFECTION:
      rc = disinfection(x, m, rule);
      break;
    case RULES_EV_SCREENING:
      rc = screening(x, m, rule);
      break;
    case RULES_EV_SUPPLY:
      rc = supply(x, m, rule);
      break;
    case RULES_EV_GATES:
      rc = closed(x, m, rule);
      break;
    default:
      m->state = RULES_EV_WORD;
      if (m->set_on[0])
        snprintf(m->evidence, sizeof m->evidence, D_("staff's word, set on %s"), m->set_on);
      else
        snprintf(m->evidence, sizeof m->evidence, D_("staff's word, not given yet"));
    }
    if (!rc && m->marked && m->state == RULES_EV_UNBACKED)
      out->n_unbacked++;
  }
out:
  ks_free(&x->households), ks_free(&x->hardship), ks_free(&x->reached);
  ks_free(&x->gates), ks_free(&x->seen);
  free(x);
  return rc;
}

void rules_evidence_say(const struct rules_evidence *ev, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; i < RULES_MEASURES && at < cap; i++) {
    const struct rules_measure *m = &ev->m[i];
    if (m->marked && m->state == RULES_EV_UNBACKED)
      at += (size_t)snprintf(out + at, cap - at, D_("%s%s: marked in place, but %s"), at ? "; " : "",
                             rules_measure_name(i), m->evidence);
  }
}
