/* linli check health|gate, linli case open|release: the daily records of a
 * community office, checked before they are written. Refusals say what is
 * wrong without repeating personal data. Exit 0 written, 1 refused (the
 * record would be wrong: a fever reading out of range, a date in the
 * future, an unknown resident), 2 a malformed command line. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "rules.h"
#include "verbs.h"

#define TEMP_MIN_DC 340
#define TEMP_MAX_DC 430

int cli_date(const char *given, char out[RULES_DATE_LEN + 1], int allow_future)
{
  char today[RULES_DATE_LEN + 1];
  int64_t d, t;
  rules_ms_date(cli_now_ms(), CLI_UTC_OFFSET_S, today);
  if (!given) {
    memcpy(out, today, sizeof today);
    return CLI_OK;
  }
  if (rules_date_days(given, strlen(given), &d)) {
    fprintf(stderr, "linli: '%s' is not a date: write it as YYYY-MM-DD\n", given);
    return CLI_USAGE;
  }
  rules_date_days(today, RULES_DATE_LEN, &t);
  if (!allow_future && d > t)
    return cli_fail("the date %s is in the future (today is %s in the district)", given, today);
  memcpy(out, given, RULES_DATE_LEN + 1);
  return CLI_OK;
}

/* "36.8" -> 368; CLI_USAGE if not a temperature with at most one decimal. */
static int parse_temp(const char *s, int64_t *dc)
{
  int64_t v = 0;
  int digits = 0, dec = -1;
  for (const char *p = s; *p; p++) {
    if (*p == '.' && dec < 0 && digits) {
      dec = 0;
    } else if (*p >= '0' && *p <= '9' && digits < 4 && dec < 1) {
      v = v * 10 + (*p - '0');
      digits++;
      dec += dec >= 0;
    } else {
      fprintf(stderr, "linli: --temp takes degrees Celsius with at most one decimal, e.g. 36.8\n");
      return CLI_USAGE;
    }
  }
  if (!digits || dec == 0) {
    fprintf(stderr, "linli: --temp takes degrees Celsius with at most one decimal, e.g. 36.8\n");
    return CLI_USAGE;
  }
  *dc = dec == 1 ? v : v * 10;
  if (*dc < TEMP_MIN_DC || *dc > TEMP_MAX_DC)
    return cli_fail("a temperature of %s °C is outside %d.0 to %d.0 °C and was refused: measure "
                    "again", s, TEMP_MIN_DC / 10, TEMP_MAX_DC / 10);
  return CLI_OK;
}

struct exists {
  char s1[32], s2[16], s3[16]; /* case: category, start, release */
};

static int on_exists(void *arg, const struct record *r)
{
  struct exists *e = arg;
  if (record_str(r, "category", e->s1, sizeof e->s1))
    e->s1[0] = 0;
  if (record_str(r, "start_date", e->s2, sizeof e->s2))
    e->s2[0] = 0;
  if (record_str(r, "release_date", e->s3, sizeof e->s3))
    e->s3[0] = 0;
  return 0;
}

/* 1 if the record exists in the node's own scope, 0 if not, <0 error. */
static int exists(struct cli_writer *w, const char *coll, const char *key, struct exists *e)
{
  memset(e, 0, sizeof *e);
  return cli_writer_lookup(w, NULL, coll, key, on_exists, e);
}

static int check_key(const char *what, const char *key)
{
  if (!key || crdt_check_key(key, strlen(key))) {
    fprintf(stderr, "linli: %s must be 1 to %d bytes of text without control characters\n", what,
            CRDT_KEY_MAX);
    return CLI_USAGE;
  }
  return CLI_OK;
}

/* Writes one op and prints its id; the sentence says what was recorded. */
static int put(struct cli_writer *w, const char *coll, const char *key, enum crdt_kind kind,
               struct cli_kv *kv, int n, const char *said)
{
  struct node_change ch = {NULL, coll, key, kind, NULL, 0, NULL, 0};
  if (cli_write_kv(w, &ch, kv, n))
    return CLI_FAIL;
  fprintf(stderr, "linli: %s (stored %s)\n", said, cli_writer_where(w));
  return CLI_OK;
}

static int known_resident(struct cli_writer *w, const char *r)
{
  struct exists e;
  int rc = exists(w, "resident", r, &e);
  if (rc < 0)
    return cli_fail("cannot read the residents: %s", linli_strerror(rc));
  if (!rc)
    return cli_fail("no resident with that key in community %s; register the resident first "
                    "(linli import-csv residents)", w->c.scopes[0]);
  return CLI_OK;
}

static int check_health(const struct cli_cmd *cmd, struct cli_args *a, struct cli_writer **w)
{
  char date[RULES_DATE_LEN + 1], said[160];
  int64_t dc;
  int rc;
  if (a->n_pos != 2 || !a->temp || a->person || a->visitor || a->direction || a->purpose)
    return cli_usage(cmd, CLI_USAGE);
  const char *res = a->pos[1];
  if ((rc = check_key("RESIDENT", res)) || (rc = parse_temp(a->temp, &dc)) ||
      (rc = cli_date(a->date, date, 0)) || (rc = cli_writer_open(w, a->data)) ||
      (rc = known_resident(*w, res)))
    return rc;
  struct cli_kv kv[] = {{"date", 's', date, 0}, {"temp_dc", 'i', NULL, dc}, {"cough", 'b', NULL, a->cough}};
  snprintf(said, sizeof said, "health check of %s recorded: %lld.%lld °C%s", date,
           (long long)dc / 10, (long long)dc % 10, a->cough ? ", cough" : "");
  if (dc >= 373)
    strncat(said, "; a fever (37.3 °C or more): follow the fever procedure", sizeof said - strlen(said) - 1);
  return put(*w, "health_check", res, CRDT_APPEND, kv, 3, said);
}

static int check_gate(const struct cli_cmd *cmd, struct cli_args *a, struct cli_writer **w)
{
  char date[RULES_DATE_LEN + 1], time[16], said[160];
  int64_t dc;
  int rc;
  if (a->n_pos != 2 || !a->temp || !a->direction || !a->purpose || !a->person == !a->visitor ||
      a->cough) {
    if (a->person && a->visitor)
      fprintf(stderr, "linli check gate: give --person or --visitor, not both\n");
    return cli_usage(cmd, CLI_USAGE);
  }
  if (strcmp(a->direction, "in") && strcmp(a->direction, "out")) {
    fprintf(stderr, "linli check gate: --direction is in or out\n");
    return CLI_USAGE;
  }
  size_t pl = strlen(a->purpose);
  if (!pl || pl > 200 || !crdt_utf8_valid((const uint8_t *)a->purpose, pl)) {
    fprintf(stderr, "linli check gate: --purpose takes 1 to 200 bytes of text\n");
    return CLI_USAGE;
  }
  if (a->visitor && (!*a->visitor || strlen(a->visitor) > 100 ||
                     !crdt_utf8_valid((const uint8_t *)a->visitor, strlen(a->visitor)))) {
    fprintf(stderr, "linli check gate: --visitor takes the visitor's name, 1 to 100 bytes\n");
    return CLI_USAGE;
  }
  if ((rc = check_key("GATE", a->pos[1])) || (a->person && (rc = check_key("--person", a->person))) ||
      (rc = parse_temp(a->temp, &dc)) || (rc = cli_date(a->date, date, 0)) ||
      (rc = cli_writer_open(w, a->data)) || (a->person && (rc = known_resident(*w, a->person))))
    return rc;
  uint64_t s = cli_now_ms() / 1000 + CLI_UTC_OFFSET_S;
  snprintf(time, sizeof time, "%02d:%02d:%02d", (int)(s / 3600 % 24), (int)(s / 60 % 60), (int)(s % 60));
  struct cli_kv kv[] = {{"date", 's', date, 0},          {"direction", 's', a->direction, 0},
                        {"purpose", 's', a->purpose, 0}, {"temp_dc", 'i', NULL, dc},
                        {"time", 's', time, 0},          {a->person ? "person" : "visitor", 's',
                                                          a->person ? a->person : a->visitor, 0}};
  snprintf(said, sizeof said, "gate check recorded: %s, %s, %lld.%lld °C%s", a->direction,
           a->person ? "resident" : "visitor", (long long)dc / 10, (long long)dc % 10,
           dc >= 373 ? "; a fever (37.3 °C or more): do not let in, follow the fever procedure" : "");
  return put(*w, "gate_check", a->pos[1], CRDT_APPEND, kv, 6, said);
}

static int case_open(const struct cli_cmd *cmd, struct cli_args *a, struct cli_writer **w)
{
  static const char *cats[] = {"confirmed", "suspected", "fever", "close_contact", NULL};
  char start[RULES_DATE_LEN + 1], said[160];
  struct exists e;
  int rc, ok = 0;
  if (a->n_pos != 2 || !a->resident || !a->compound || !a->category || !a->start || a->date)
    return cli_usage(cmd, CLI_USAGE);
  for (int i = 0; cats[i]; i++)
    ok |= !strcmp(a->category, cats[i]);
  if (!ok) {
    fprintf(stderr, "linli case open: --category is confirmed, suspected, fever or close_contact\n");
    return CLI_USAGE;
  }
  if ((rc = check_key("CASEKEY", a->pos[1])) || (rc = check_key("--resident", a->resident)) ||
      (rc = check_key("--compound", a->compound)) || (rc = cli_date(a->start, start, 0)) ||
      (rc = cli_writer_open(w, a->data)) || (rc = known_resident(*w, a->resident)))
    return rc;
  if ((rc = exists(*w, "compound", a->compound, &e)) < 0)
    return cli_fail("cannot read the compounds: %s", linli_strerror(rc));
  if (!rc)
    return cli_fail("no compound %s in community %s", a->compound, (*w)->c.scopes[0]);
  if ((rc = exists(*w, "case_status", a->pos[1], &e)) < 0)
    return cli_fail("cannot read the cases: %s", linli_strerror(rc));
  if (rc)
    return cli_fail("case %s exists already (%s since %s%s%s); pick a new case key", a->pos[1],
                    e.s1, e.s2, e.s3[0] ? ", released " : "", e.s3);
  struct cli_kv kv[] = {{"category", 's', a->category, 0}, {"compound", 's', a->compound, 0},
                        {"resident", 's', a->resident, 0}, {"start_date", 's', start, 0}};
  snprintf(said, sizeof said, "case %s opened: %s in compound %s from %s", a->pos[1], a->category,
           a->compound, start);
  return put(*w, "case_status", a->pos[1], CRDT_SET, kv, 4, said);
}

static int case_release(const struct cli_cmd *cmd, struct cli_args *a, struct cli_writer **w)
{
  char date[RULES_DATE_LEN + 1], said[160];
  struct exists e;
  int rc;
  if (a->n_pos != 2 || !a->date || a->resident || a->compound || a->category || a->start)
    return cli_usage(cmd, CLI_USAGE);
  if ((rc = check_key("CASEKEY", a->pos[1])) || (rc = cli_date(a->date, date, 0)) ||
      (rc = cli_writer_open(w, a->data)))
    return rc;
  if ((rc = exists(*w, "case_status", a->pos[1], &e)) < 0)
    return cli_fail("cannot read the cases: %s", linli_strerror(rc));
  if (!rc)
    return cli_fail("no case %s in community %s", a->pos[1], (*w)->c.scopes[0]);
  if (e.s2[0] && strcmp(date, e.s2) < 0)
    return cli_fail("case %s started on %s; it cannot be released before, on %s", a->pos[1], e.s2,
                    date);
  struct cli_kv kv[] = {{"release_date", 's', date, 0}};
  snprintf(said, sizeof said, "case %s (%s) released on %s", a->pos[1], e.s1, date);
  return put(*w, "case_status", a->pos[1], CRDT_SET, kv, 1, said);
}

typedef int verb_fn(const struct cli_cmd *cmd, struct cli_args *a, struct cli_writer **w);

/* Runs the verb named by the first argument (names[i] runs fns[i]). */
static int dispatch(const struct cli_cmd *cmd, struct cli_args *a, const char *const names[2],
                    verb_fn *const fns[2])
{
  struct cli_writer *w = NULL;
  int rc = -1;
  for (int i = 0; i < 2; i++)
    if (!strcmp(a->pos[0], names[i]))
      rc = fns[i](cmd, a, &w);
  cli_writer_close(w);
  return rc < 0 ? cli_usage(cmd, CLI_USAGE) : rc;
}

int cli_cmd_check(const struct cli_cmd *cmd, struct cli_args *a)
{
  static const char *const names[2] = {"health", "gate"};
  static verb_fn *const fns[2] = {check_health, check_gate};
  return dispatch(cmd, a, names, fns);
}

int cli_cmd_case(const struct cli_cmd *cmd, struct cli_args *a)
{
  static const char *const names[2] = {"open", "release"};
  static verb_fn *const fns[2] = {case_open, case_release};
  return dispatch(cmd, a, names, fns);
}
