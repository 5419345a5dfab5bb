/* Epidemic-free eligibility. Contract: rules.h. */
#include <stdio.h>
#include <string.h>

#include "domain.h"

const char *const rules_measures[RULES_MEASURES] = {"publicity", "closed", "screening",
                                                    "disinfection", "supply", "mobilisation"};

struct case_walk {
  const char *compound;
  int64_t day;
  struct rules_verdict *v;
  int64_t last_release;
};

static int on_case(void *arg, const struct record *r)
{
  struct case_walk *w = arg;
  char comp[CRDT_KEY_MAX + 1], cat[32], start[16], rel[16];
  int64_t sd, rd;
  if (r->deleted || record_str(r, "compound", comp, sizeof comp) || strcmp(comp, w->compound))
    return 0;
  if (record_str(r, "category", cat, sizeof cat) || record_str(r, "start_date", start, sizeof start) ||
      rules_date_days(start, strlen(start), &sd) || sd > w->day)
    return 0; /* not a case on that date */
  int released = record_str(r, "release_date", rel, sizeof rel) == 0 &&
                 rules_date_days(rel, strlen(rel), &rd) == 0 && rd <= w->day;
  int confirmed = strcmp(cat, "confirmed") == 0;
  if (!released) {
    w->v->open_confirmed += confirmed;
    w->v->open_suspected += strcmp(cat, "suspected") == 0;
    w->v->open_fever += strcmp(cat, "fever") == 0;
    w->v->open_contact += strcmp(cat, "close_contact") == 0;
  } else if (confirmed && rd > w->last_release) {
    w->last_release = rd;
    memcpy(w->v->last_release, rel, RULES_DATE_LEN);
    w->v->last_release[RULES_DATE_LEN] = 0;
  }
  return 0;
}

static int on_measures(void *arg, const struct record *r)
{
  struct rules_verdict *v = arg;
  if (r->deleted)
    return 0;
  for (int i = 0; i < RULES_MEASURES; i++) {
    int64_t on = 0;
    if (record_int(r, rules_measures[i], &on) == 0 && on)
      v->missing[i] = 0;
  }
  return 0;
}

const char *rules_measure_name(int i)
{
  if (!dom_lang_zh)
    return rules_measures[i];
  const struct dom_collection *c = &domain_collections[DOM_MEASURES];
  const struct dom_field *f = domain_field(c, rules_measures[i], strlen(rules_measures[i]));
  return f ? dom_tx(f->label) : rules_measures[i];
}

static void explain(struct rules_verdict *v, const char *compound, const char *date)
{
  char *p = v->reason, *end = v->reason + sizeof v->reason;
  if (v->eligible) {
    snprintf(p, (size_t)(end - p), D_("compound %s is epidemic-free on %s"), compound, date);
    return;
  }
  p += snprintf(p, (size_t)(end - p), D_("compound %s is not epidemic-free on %s:"), compound, date);
  if (v->open_confirmed && p < end)
    p += snprintf(p, (size_t)(end - p), D_(" %d confirmed case(s) open;"), v->open_confirmed);
  if (!v->open_confirmed && v->quiet_days >= 0 && v->quiet_days < RULES_QUIET_DAYS && p < end)
    p += snprintf(p, (size_t)(end - p), D_(" last confirmed case released %s, %d day(s) before (needs %d);"),
                  v->last_release, v->quiet_days, RULES_QUIET_DAYS);
  int three = v->open_suspected + v->open_fever + v->open_contact;
  if (three && p < end)
    p += snprintf(p, (size_t)(end - p), D_(" open: %d suspected, %d fever, %d close contact;"),
                  v->open_suspected, v->open_fever, v->open_contact);
  if (v->n_missing && p < end) {
    p += snprintf(p, (size_t)(end - p), D_(" measures missing:"));
    for (int i = 0; i < RULES_MEASURES && p < end; i++)
      if (v->missing[i])
        p += snprintf(p, (size_t)(end - p), " %s", rules_measure_name(i));
  }
}

int rules_compound(const struct crdt_view *view, const char *scope, const char *compound,
                   const char *date, struct rules_verdict *out)
{
  struct case_walk w = {compound, 0, out, -1};
  memset(out, 0, sizeof *out);
  out->quiet_days = -1;
  int rc = rules_date_days(date, strlen(date), &w.day);
  if (rc)
    return rc;
  if ((rc = record_each(view, scope, domain_name(DOM_CASE), NULL, on_case, &w)) < 0)
    return rc;
  for (int i = 0; i < RULES_MEASURES; i++)
    out->missing[i] = 1;
  if ((rc = record_each(view, scope, domain_name(DOM_MEASURES), compound, on_measures, out)) < 0)
    return rc;
  for (int i = 0; i < RULES_MEASURES; i++)
    out->n_missing += out->missing[i];
  if (w.last_release >= 0)
    out->quiet_days = (int)(w.day - w.last_release);
  out->eligible = !out->open_confirmed && !out->open_suspected && !out->open_fever &&
                  !out->open_contact && !out->n_missing &&
                  (out->quiet_days < 0 || out->quiet_days >= RULES_QUIET_DAYS);
  explain(out, compound, date);
  return 0;
}
