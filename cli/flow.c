/* linli declare | approve | reject: the epidemic-free certification (node/flow.h).
 * A community node declares a compound when its rule holds; the hub
 * approves it when the rule holds in the hub's own view. The listings
 * (linli certifications, approvals, report) are in district.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain.h"
#include "verbs.h"

/* A compound's declaration and verdict, read in one snapshot; forced: the
 * reason of a declaration made with --force over measures without evidence. */
struct look {
  const char *scope, *compound, *date;
  struct flow_look f;
  char forced[320];
};

static int on_forced(void *arg, const struct record *r)
{
  struct look *l = arg;
  if (r->deleted || record_str(r, "forced", l->forced, sizeof l->forced))
    l->forced[0] = 0;
  return 0;
}

static int read_look(void *arg, const struct crdt_view *v)
{
  struct look *l = arg;
  int rc = record_each(v, l->scope, domain_name(DOM_DECLARATION), l->compound, on_forced, l);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  return flow_look(v, l->scope, l->compound, l->date, &l->f);
}

/* Sets the fields (name, value pairs) of record key of coll as that
 * collection's set is checked and written: through dom_plan. */
static int write_fields_clear(struct cli_writer *w, int coll, const char *key,
                              const char *const *kv, int n, const char *who,
                              const char *const *clear, int n_clear);

static int write_fields(struct cli_writer *w, int coll, const char *key, const char *const *kv,
                        int n, const char *who)
{
  return write_fields_clear(w, coll, key, kv, n, who, NULL, 0);
}

static int write_fields_clear(struct cli_writer *w, int coll, const char *key,
                              const char *const *kv, int n, const char *who,
                              const char *const *clear, int n_clear)
{
  char store[8][CLI_ARG_MAX];
  const char *args[8];
  struct dom_plan *p = malloc(sizeof *p);
  int stored, rc;
  if (!p)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  for (int i = 0; i < n && i < 8; i++) {
    snprintf(store[i], sizeof store[i], "%s=%s", kv[2 * i], kv[2 * i + 1]);
    args[i] = store[i];
  }
  struct dom_req r = {.coll = coll, .verb = DOM_V_SET, .key = key, .args = args, .n_args = n,
                      .clear = clear, .n_clear = n_clear};
  rc = cli_plan_write(w, &r, who, p, &stored);
  free(p);
  return rc;
}

int cli_cmd_declare(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct cli_writer *w = NULL;
  struct look l;
  char date[RULES_DATE_LEN + 1];
  int rc;
  (void)cmd;
  memset(&l, 0, sizeof l);
  const char *why = dom_key_problem(a->pos[0], strlen(a->pos[0]));
  if (why) {
    fprintf(stderr, _("linli declare: COMPOUND is the compound code, e.g. SH-C01; this one %s\n"), why);
    return CLI_USAGE;
  }
  if (a->force != (a->reason != NULL) || (a->reason && (!a->reason[0] || strlen(a->reason) > 240))) {
    fprintf(stderr, _("linli declare: --force goes with --reason TEXT (1 to 240 bytes, no personal "
                    "data): why the compound is declared though its records do not show a "
                    "measure\n"));
    return CLI_USAGE;
  }
  /* the evidence first, from a read-only snapshot (the writer may open the
   * node in this process) */
  struct config *ec = malloc(sizeof *ec);
  struct rules_evidence ev;
  char said[sizeof ev.m[0].evidence * RULES_MEASURES + 64];
  if (!ec)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (cli_load_config(a->data, ec) || cli_date(ec, a->date, date, 0) ||
      cli_evidence_of(a->data, ec, ec->scopes[0], a->pos[0], date, &ev)) {
    free(ec);
    return CLI_FAIL;
  }
  free(ec);
  rules_evidence_say(&ev, said, sizeof said);
  if ((rc = cli_writer_open(&w, a->data)))
    return rc;
  if ((rc = cli_date(&w->c, a->date, date, 0))) {
    cli_writer_close(w);
    return rc;
  }
  l.scope = w->c.scopes[0];
  l.compound = a->pos[0];
  l.date = date;
  if ((rc = cli_writer_read(w, read_look, &l)) && rc != LINLI_ENOTFOUND) {
    cli_writer_close(w);
    return cli_fail("cannot read the records: %s", cli_err(rc));
  }
  if (!l.f.verdict.eligible) {
    cli_writer_close(w);
    return cli_fail("not declared: %s", l.f.verdict.reason);
  }
  if (ev.n_unbacked && !a->force) {
    cli_writer_close(w);
    return cli_fail("not declared: compound %s: %s. Log the work (linli disinfect, linli check, "
                    "linli supply relief), or declare with --force --reason TEXT; the hub sees "
                    "the reason", a->pos[0], said);
  }
  char forced[300];
  snprintf(forced, sizeof forced, "%.240s (measures without evidence:", a->reason ? a->reason : "");
  for (int i = 0, at = (int)strlen(forced); i < RULES_MEASURES; i++)
    if (ev.m[i].marked && ev.m[i].state == RULES_EV_UNBACKED && at < (int)sizeof forced)
      at += snprintf(forced + at, sizeof forced - (size_t)at, " %s", rules_measures[i]);
  if (strlen(forced) + 2 <= sizeof forced)
    strcat(forced, ")");
  const char *kv[] = {"compound", a->pos[0], "date", date, "reason", l.f.verdict.reason,
                      "status", "declared", "forced", forced};
  const char *clear[] = {"forced"};
  if (ev.n_unbacked)
    rc = write_fields(w, DOM_DECLARATION, a->pos[0], kv, 5, "linli declare");
  else
    rc = write_fields_clear(w, DOM_DECLARATION, a->pos[0], kv, 4, "linli declare", clear,
                            l.forced[0] ? 1 : 0);
  if (!rc && ev.n_unbacked)
    fprintf(stderr, _("linli: declared with --force: %s\n"), said);
  if (!rc)
    fprintf(stderr, _("linli: %s; declared (stored %s). The hub approves it with: linli approve "
                    "--data HUBDIR %s %s\n"), l.f.verdict.reason, cli_writer_where(w), l.scope, a->pos[0]);
  cli_writer_close(w);
  return rc;
}

/* The node of w must be the district's hub. */
int cli_is_hub(struct cli_writer *w)
{
  char path[PATH_MAX];
  struct crdt_identity id;
  if (!w->c.trust)
    return cli_fail("%s has no hub and district lines in linlid.conf: there is no district to "
                    "approve or publish in", w->c.data);
  snprintf(path, sizeof path, "%s/node.key", w->c.data);
  int rc = crdt_identity_load(&id, path);
  if (rc)
    return cli_fail("cannot read %s: %s", path, cli_err(rc));
  int hub = sodium_memcmp(id.pk, w->c.hub_pk, CRDT_PK_BYTES) == 0;
  crdt_identity_wipe(&id);
  if (!hub)
    return cli_fail("only the hub of district %s approves or rejects declarations; %s is not the "
                    "hub", w->c.district, w->c.data);
  return CLI_OK;
}

static int holds(const struct config *c, const char *scope)
{
  for (int i = 0; i < c->n_scopes; i++)
    if (!strcmp(c->scopes[i], scope) && !config_is_trust_scope(c, scope))
      return 1;
  return 0;
}

int cli_cmd_approve(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct cli_writer *w = NULL;
  struct look l;
  char date[RULES_DATE_LEN + 1], key[CRDT_KEY_MAX + 1];
  int rc, approve = !strcmp(cmd->name, "approve");
  const char *community = a->pos[0], *compound = a->pos[1];
  memset(&l, 0, sizeof l);
  if (flow_approval_key(key, sizeof key, community, compound) < 0) {
    fprintf(stderr, _("linli %s: COMMUNITY is a community code, COMPOUND a compound code\n"), cmd->name);
    return CLI_USAGE;
  }
  if (a->reason && (!a->reason[0] || strlen(a->reason) > 300)) {
    fprintf(stderr, _("linli %s: --reason takes 1 to 300 bytes of text (no personal data)\n"), cmd->name);
    return CLI_USAGE;
  }
  if ((rc = cli_writer_open(&w, a->data)))
    return rc;
  if ((rc = cli_date(&w->c, a->date, date, 0)) || (rc = cli_is_hub(w)))
    goto out;
  if (!holds(&w->c, community)) {
    rc = cli_fail("this hub does not hold community %s: add 'scope %s' to its linlid.conf and let "
                  "it sync", community, community);
    goto out;
  }
  l.scope = community;
  l.compound = compound;
  l.date = date;
  if ((rc = cli_writer_read(w, read_look, &l)) && rc != LINLI_ENOTFOUND) {
    rc = cli_fail("cannot read the records: %s", cli_err(rc));
    goto out;
  }
  if (!l.f.declared) {
    rc = cli_fail("community %s has not declared compound %s (or its declaration has not "
                  "arrived here yet): nothing to %s", community, compound, cmd->name);
    goto out;
  }
  if (l.forced[0])
    fprintf(stderr, _("linli %s: note: community %s declared compound %s with --force, its records "
                    "not showing every measure; its reason: %s\n"), cmd->name, community, compound,
            l.forced);
  if (approve && !l.f.verdict.eligible) {
    rc = cli_fail("not approved: in the hub's view, %s", l.f.verdict.reason);
    goto out;
  }
  const char *reason = a->reason ? a->reason : l.f.verdict.reason;
  const char *kv[] = {"community", community, "compound", compound, "date", date,
                      "reason", reason, "status", approve ? "approved" : "rejected",
                      "declaration", l.f.declared_on}; /* last: it may be unknown */
  if ((rc = write_fields(w, DOM_APPROVAL, key, kv, l.f.declared_on[0] ? 6 : 5, cmd->name)))
    goto out;
  fprintf(stderr, _("linli: compound %s of %s %s on %s (stored %s); every node lists it with: "
                  "linli certifications\n"), compound, community, approve ? "approved" : "rejected",
          date, cli_writer_where(w));
out:
  cli_writer_close(w);
  return rc;
}
