/* linli check health|gate, linli case open|release: the daily records of a
 * community office. Each option is a field of the domain table (its `opt`),
 * and the record is checked and written as a plan (dom_plan), exactly as
 * the verbs of records.c are. Refusals say what is wrong without repeating
 * personal data. Exit 0 written, 1 refused (the record would be wrong: a
 * fever reading out of range, a date in the future, an unknown resident),
 * 2 a malformed command line. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "verbs.h"


int cli_zone(const struct config *c, struct dom_tz *tz)
{
  char err[CONFIG_ERR_MAX];
  int rc = config_zone_load(c->timezone, tz, err, sizeof err);
  if (rc)
    cli_fail("%s", err);
  return rc ? CLI_FAIL : CLI_OK;
}

void cli_today(const struct config *c, char today[11], char now[9])
{
  struct dom_tz tz;
  if (cli_zone(c, &tz)) /* cli_load_config has tried it already: cannot happen */
    dom_tz_fixed(&tz, "+08:00");
  dom_tz_now(&tz, cli_now_ms(), today, now);
}

int cli_date(const struct config *c, const char *given, char out[RULES_DATE_LEN + 1],
             int allow_future)
{
  char today[RULES_DATE_LEN + 1];
  int64_t d, t;
  cli_today(c, today, NULL);
  if (!given) {
    memcpy(out, today, sizeof today);
    return CLI_OK;
  }
  if (rules_date_days(given, strlen(given), &d)) {
    fprintf(stderr, _("linli: '%s' is not a date: write it as YYYY-MM-DD\n"), given);
    return CLI_USAGE;
  }
  rules_date_days(today, RULES_DATE_LEN, &t);
  if (!allow_future && d > t)
    return cli_fail("the date %s is in the future (today is %s in the district)", given, today);
  memcpy(out, given, RULES_DATE_LEN + 1);
  return CLI_OK;
}

/* The options of a verb, as field=value arguments of collection coll:
 * each field whose table entry names an option takes that option's value
 * (a flag, like --cough, is "yes"). */
static int opt_args(const struct cli_args *a, int coll, char store[][CLI_ARG_MAX], const char **args,
                    int max)
{
  const struct dom_collection *c = &domain_collections[coll];
  int n = 0;
  for (int i = 0; c->fields[i].name && n < max; i++) {
    const struct dom_field *f = &c->fields[i];
    const char *v = f->opt ? cli_opt_get(a, f->opt) : NULL;
    if (!v)
      continue;
    snprintf(store[n], CLI_ARG_MAX, "%s=%s", f->name, v);
    args[n] = store[n];
    n++;
  }
  return n;
}

/* Plans and writes one record of coll from the options; said: what it is. */
static int record(struct cli_args *a, int coll, unsigned verb, const char *key, const char *said)
{
  char store[16][CLI_ARG_MAX];
  const char *args[16];
  struct cli_writer *w = NULL;
  struct dom_plan *p = NULL;
  int rc, stored;
  int n = opt_args(a, coll, store, args, 16);
  if ((rc = cli_writer_open(&w, a->data)))
    return rc;
  if (!(p = malloc(sizeof *p))) {
    cli_writer_close(w);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  struct dom_req r = {.coll = coll, .verb = verb, .key = key, .args = args, .n_args = n,
                      .force = a->force};
  if ((rc = cli_plan_write(w, &r, "linli", p, &stored)) == CLI_OK)
    fprintf(stderr, _("linli: %s (stored %s)\n"), said, cli_writer_where(w));
  free(p);
  cli_writer_close(w);
  return rc;
}

static int check_key(const char *what, const char *key)
{
  const char *why = key ? dom_key_problem(key, strlen(key)) : "is missing";
  if (why) {
    fprintf(stderr, _("linli: %s must be 1 to %d bytes of text, NFC, without control or invisible "
            "characters; this one %s\n"), what, DOM_KEY_MAX, why);
    return CLI_USAGE;
  }
  return CLI_OK;
}

/* A fever needs the fever procedure: say so (37.3 °C, the screening line). */
static const char *fever_note(const char *temp)
{
  char *end;
  double t = strtod(temp, &end);
  return t * 10 + 0.5 >= REPORT_FEVER_DC ? "; a fever (37.3 °C or more): follow the fever procedure"
                                         : "";
}

static int check_health(const struct cli_cmd *cmd, struct cli_args *a)
{
  char said[160];
  int rc;
  if (a->n_pos != 2 || !a->temp || a->person || a->visitor || a->direction || a->purpose)
    return cli_usage(cmd, CLI_USAGE);
  if ((rc = check_key("RESIDENT", a->pos[1])))
    return rc;
  snprintf(said, sizeof said, "health check recorded: %.8s °C%s%s", a->temp,
           a->cough ? ", cough" : "", fever_note(a->temp));
  return record(a, DOM_HEALTH_CHECK, DOM_V_ADD, a->pos[1], said);
}

static int check_gate(const struct cli_cmd *cmd, struct cli_args *a)
{
  char said[200];
  int rc;
  if (a->n_pos != 2 || !a->temp || !a->direction || !a->purpose || !a->person == !a->visitor ||
      a->cough) {
    if (a->person && a->visitor)
      fprintf(stderr, _("linli check gate: give --person or --visitor, not both\n"));
    return cli_usage(cmd, CLI_USAGE);
  }
  if ((rc = check_key("GATE", a->pos[1])))
    return rc;
  snprintf(said, sizeof said, "gate check recorded: %.3s, %s, %.8s °C%s", a->direction,
           a->person ? "resident" : "visitor", a->temp,
           fever_note(a->temp)[0] ? "; a fever (37.3 °C or more): do not let in, follow the fever "
                                    "procedure" : "");
  return record(a, DOM_GATE_CHECK, DOM_V_ADD, a->pos[1], said);
}

static int case_open(const struct cli_cmd *cmd, struct cli_args *a)
{
  char said[200];
  int rc;
  if (a->n_pos != 2 || !a->resident || !a->compound || !a->category || !a->start || a->date)
    return cli_usage(cmd, CLI_USAGE);
  if ((rc = check_key("CASEKEY", a->pos[1])))
    return rc;
  snprintf(said, sizeof said, "case %s opened: %.20s in compound %.40s from %.10s", a->pos[1],
           a->category, a->compound, a->start);
  return record(a, DOM_CASE, DOM_V_ADD, a->pos[1], said);
}

static int case_release(const struct cli_cmd *cmd, struct cli_args *a)
{
  char said[160];
  int rc;
  if (a->n_pos != 2 || !a->date || a->resident || a->compound || a->category || a->start)
    return cli_usage(cmd, CLI_USAGE);
  if ((rc = check_key("CASEKEY", a->pos[1])))
    return rc;
  snprintf(said, sizeof said, "case %s released on %.10s", a->pos[1], a->date);
  return record(a, DOM_CASE, DOM_V_SET, a->pos[1], said);
}

/* check list [health|gate]: the checks, with the list filters and --fever
 * (37.3 °C or more). */
static int check_list(const struct cli_cmd *cmd, struct cli_args *a)
{
  int gate = a->n_pos == 2 && !strcmp(a->pos[1], "gate");
  if (a->n_pos > 2 || (a->n_pos == 2 && !gate && strcmp(a->pos[1], "health")))
    return cli_usage(cmd, CLI_USAGE);
  struct cli_list l = {a, gate ? DOM_GATE_CHECK : DOM_HEALTH_CHECK, NULL, gate ? "GATE" : "RESIDENT",
                       NULL, 0, 0, 0};
  struct dom_where fever;
  struct dom_err e;
  if (a->fever && dom_where_parse(l.coll, "temp_dc>=37.3", &fever, &e))
    return cli_fail("%s", e.msg);
  return cli_list(&l, &fever, a->fever, NULL);
}

/* case list: the cases, open or closed on a day (--date, default today),
 * of a category, due for release (their 14 days end by --due-by). */
static int case_list(const struct cli_cmd *cmd, struct cli_args *a)
{
  char today[DOM_DATE_LEN + 1], cat[64];
  struct config c;
  struct dom_query q;
  struct dom_where w;
  struct dom_err e;
  if (a->n_pos != 1 || (a->open && a->closed))
    return cli_usage(cmd, CLI_USAGE);
  if (cli_load_config(a->data, &c))
    return CLI_FAIL;
  if (cli_date(&c, a->date, today, 1))
    return CLI_USAGE;
  memset(&q, 0, sizeof q);
  q.open_on = a->open ? today : NULL;
  q.closed_on = a->closed ? today : NULL;
  q.due_by = a->due_by;
  snprintf(cat, sizeof cat, "category=%s", a->category ? a->category : "");
  if (a->category && dom_where_parse(DOM_CASE, cat, &w, &e))
    return cli_fail("--category: %s", e.msg), CLI_USAGE;
  struct cli_list l = {a, DOM_CASE, NULL, "CASE", NULL, 0, 1, 0};
  return cli_list(&l, &w, a->category != NULL, &q);
}

static int case_show(const struct cli_cmd *cmd, struct cli_args *a)
{
  if (a->n_pos != 2)
    return cli_usage(cmd, CLI_USAGE);
  return cli_show_records(a, domain_name(DOM_CASE), a->pos[1]);
}

typedef int verb_fn(const struct cli_cmd *cmd, struct cli_args *a);

/* Runs the verb named by the first argument (names[i] runs fns[i]). */
static int dispatch(const struct cli_cmd *cmd, struct cli_args *a, const char *const *names,
                    verb_fn *const *fns, int n)
{
  for (int i = 0; i < n; i++)
    if (!strcmp(a->pos[0], names[i]))
      return fns[i](cmd, a);
  return cli_usage(cmd, CLI_USAGE);
}

int cli_cmd_check(const struct cli_cmd *cmd, struct cli_args *a)
{
  static const char *const names[] = {"health", "gate", "list"};
  static verb_fn *const fns[] = {check_health, check_gate, check_list};
  return dispatch(cmd, a, names, fns, 3);
}

int cli_cmd_case(const struct cli_cmd *cmd, struct cli_args *a)
{
  static const char *const names[] = {"open", "release", "list", "show"};
  static verb_fn *const fns[] = {case_open, case_release, case_list, case_show};
  return dispatch(cmd, a, names, fns, 4);
}
