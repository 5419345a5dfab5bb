/* linli measures show COMPOUND [--date D]: each of the six measures with
 * the staff's yes/no and, next to it, what the records show
 * (node/domain/evidence.c); and the evidence linli declare checks. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

int cli_evidence_of(const char *data, const struct config *c, const char *scope,
                    const char *compound, const char *date, struct rules_evidence *ev)
{
  struct store_config sc = {data, 0, 0, 0, 1};
  struct store *s = NULL;
  struct store_read *rd = NULL;
  struct dom_tz tz;
  int rc;
  if (cli_zone(c, &tz))
    return CLI_FAIL;
  if ((rc = store_open(&s, &sc)) || (rc = store_read_begin(s, &rd))) {
    store_close(s);
    return cli_fail("cannot open the database in %s: %s", data, cli_err(rc));
  }
  rc = rules_evidence(rd, scope, compound, date, dom_tz_day_offset(&tz, date), ev);
  store_read_end(rd);
  store_close(s);
  if (rc)
    return cli_fail("cannot read the records: %s", cli_err(rc));
  return CLI_OK;
}

static int on_any(void *arg, const struct record *r)
{
  *(int *)arg |= !r->deleted;
  return 0;
}

struct probe {
  const char *scope, *key;
  int found;
};

static int probe(void *arg, const struct crdt_view *v)
{
  struct probe *p = arg;
  int rc = record_each(v, p->scope, domain_name(DOM_MEASURES), p->key, on_any, &p->found);
  return rc < 0 && rc != LINLI_ENOTFOUND ? rc : 0;
}

static int measures_show(struct cli_args *a)
{
  struct config c;
  struct rules_evidence ev;
  char date[DOM_DATE_LEN + 1];
  const char *compound = a->pos[1];
  if (cli_load_config(a->data, &c))
    return CLI_FAIL;
  if (cli_date(&c, a->date, date, 1))
    return CLI_USAGE;
  const char *scope = a->scope ? a->scope : c.scopes[0];
  struct probe p = {scope, compound, 0};
  int rc = cli_read_rows(a->data, probe, &p);
  if (rc == CLI_FAIL)
    return rc;
  if (!p.found)
    return -1; /* no checklist: the verb says so */
  if (cli_evidence_of(a->data, &c, scope, compound, date, &ev))
    return CLI_FAIL;
  static const char *const state[] = {N_("word"), N_("backed"), N_("NO EVIDENCE")};
  static const int w[] = {-13, -6, -11, 0};
  static const char *const h[] = {N_("MEASURE"), N_("MARKED"), N_("EVIDENCE"),
                                  N_("WHAT THE RECORDS SHOW")};
  printf(_("the six measures of compound %s on %s, and what the records show\n"), compound, date);
  cli_head(4, w, h);
  for (int i = 0; i < RULES_MEASURES; i++) {
    const struct rules_measure *m = &ev.m[i];
    const char *v[] = {rules_measure_name(i), m->marked ? _("yes") : _("no"),
                       m->marked || m->state != RULES_EV_UNBACKED ? _(state[m->state]) : "-",
                       m->evidence};
    cli_cells(4, w, v);
  }
  if (ev.n_unbacked)
    printf(_("%d measure(s) marked in place without evidence: linli declare refuses the compound "
           "unless --force --reason TEXT (the hub sees the reason)\n"), ev.n_unbacked);
  return CLI_OK;
}

int cli_measures(const struct cli_cmd *cc, struct cli_args *a)
{
  if (strcmp(cc->name, "measures") || a->help || a->json || a->n_pos != 2 ||
      strcmp(a->pos[0], "show"))
    return -1;
  const char *why = dom_key_problem(a->pos[1], strlen(a->pos[1]));
  if (why)
    return -1; /* the verb's own sentence */
  int rc = measures_show(a);
  return rc < 0 ? -1 : rc;
}
