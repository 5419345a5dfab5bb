/* linli summarize: the district hub's daily summary per community for the
 * city (docs/domain.md "Daily summaries", docs/operator.md "The city"): one
 * hub record `summary` COMMUNITY/DATE in the district scope with the
 * figures of the district report for that community on DATE (the compound
 * states, households and residents, open cases, 1- and 7-day fevers and
 * hand-outs) and the op count they were computed from. No personal data. A
 * summary is written again only when its figures changed, so running it
 * after every sync costs nothing when nothing came in. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

struct su {
  struct cli_writer *w;
  const char *date, *today, *now;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
  struct report_row *rows;
  struct report_window *w7, *w1;
  struct cli_batch *b;
  struct dom_plan *p;
  struct dom_err e;
  int err, written, same;
};

static uint64_t handouts(const struct report_window *w)
{
  return w->relief + w->group + w->proxy;
}

struct su_old {
  const char *want;
  int same;
};

static int su_old(void *arg, const struct record *r)
{
  struct su_old *o = arg;
  char fig[DOM_SUMMARY_FIGURES_MAX + 1];
  o->same = record_str(r, "figures", fig, sizeof fig) == 0 && strcmp(fig, o->want) == 0;
  return 0;
}

static int su_read(void *arg, const struct crdt_view *v)
{
  struct su *s = arg;
  for (int i = 0; i < s->n; i++) {
    struct dom_community_state cs;
    struct dom_summary f;
    char fig[DOM_SUMMARY_FIGURES_MAX + 1], key[CRDT_SCOPE_MAX + DOM_DATE_LEN + 2], asof[40],
        a_c[CRDT_SCOPE_MAX + 16], a_d[24], a_n[DOM_TEXT_MAX + 8], a_a[48],
        a_f[DOM_SUMMARY_FIGURES_MAX + 16];
    int rc = dom_compound_states(v, NULL, s->w->c.district, s->scopes[i], s->date, &cs, NULL, NULL);
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
    snprintf(key, sizeof key, "%s/%s", s->scopes[i], s->date);
    struct su_old old = {fig, 0};
    if ((rc = cli_writer_lookup(s->w, s->w->c.district, domain_name(DOM_SUMMARY), key, su_old,
                                &old)) < 0)
      return rc;
    if (rc == 1 && old.same) {
      s->same++;
      continue;
    }
    snprintf(asof, sizeof asof, "%s %s", s->today, s->now);
    snprintf(a_c, sizeof a_c, "community=%s", s->scopes[i]);
    snprintf(a_d, sizeof a_d, "date=%s", s->date);
    snprintf(a_n, sizeof a_n, "name=%s", cs.name);
    snprintf(a_a, sizeof a_a, "as_of=%s", asof);
    snprintf(a_f, sizeof a_f, "figures=%s", fig);
    const char *args[] = {a_c, a_d, a_a, a_f, a_n};
    struct dom_req q = {.coll = DOM_SUMMARY, .verb = DOM_V_ADD, .key = key, .args = args,
                        .n_args = cs.name[0] ? 5 : 4, .home = s->w->c.scopes[0],
                        .district = s->w->c.district, .scope = s->w->c.district,
                        .today = s->today, .now = s->now, .upsert = 1};
    if ((rc = dom_plan(&q, v, s->p, &s->e))) {
      s->err = 1;
      return rc;
    }
    if ((rc = cli_batch_add_plan(s->b, s->p)))
      return rc;
    s->written++;
  }
  return 0;
}

int cli_cmd_summarize(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct cli_writer *w = NULL;
  struct store *st = NULL;
  struct dom_tz tz;
  char date[DOM_DATE_LEN + 1], today[DOM_DATE_LEN + 1], now[9];
  struct su *s = calloc(1, sizeof *s);
  int rc = CLI_FAIL, stored = 0, e;
  if (!s)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  s->p = malloc(sizeof *s->p);
  s->b = cli_batch_new();
  s->rows = calloc(CONFIG_SCOPES_MAX, sizeof *s->rows);
  s->w7 = calloc(CONFIG_SCOPES_MAX, sizeof *s->w7);
  s->w1 = calloc(CONFIG_SCOPES_MAX, sizeof *s->w1);
  if (!s->p || !s->b || !s->rows || !s->w7 || !s->w1) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  if ((rc = cli_writer_open(&w, a->data)))
    goto out;
  if ((rc = cli_date(&w->c, a->date, date, 0)) || (rc = cli_is_hub(w)) || (rc = cli_zone(&w->c, &tz)))
    goto out;
  if (w->c.has_city && !strcmp(w->c.city, w->c.district)) {
    rc = cli_fail("%s is the city node: the district hubs write the summaries", a->data);
    goto out;
  }
  cli_today(&w->c, today, now);
  s->w = w;
  s->date = date, s->today = today, s->now = now;
  for (int i = 0; i < w->c.n_scopes; i++)
    if (!config_is_trust_scope(&w->c, w->c.scopes[i]))
      s->scopes[s->n++] = w->c.scopes[i];
  struct store_config sc = {w->c.data, 0, 0, 0, 1};
  if ((e = store_open(&st, &sc))) {
    rc = cli_fail("cannot read the store in %s: %s", w->c.data, cli_err(e));
    goto out;
  }
  int32_t off = dom_tz_day_offset(&tz, date);
  struct report_totals tot;
  e = report_district(st, s->scopes, s->n, date, REPORT_WINDOW_DAYS, off, s->rows, s->w7, &tot, NULL);
  for (int i = 0; i < s->n && !e; i++)
    e = report_window(st, s->scopes[i], date, 1, off, &s->w1[i]);
  store_close(st);
  if (e) {
    rc = cli_fail("no summary written: cannot compute the figures: %s", cli_err(e));
    goto out;
  }
  e = cli_writer_read(w, su_read, s);
  if (s->err) {
    rc = cli_fail("no summary written: %s", s->e.msg);
    goto out;
  }
  if (e < 0 && e != LINLI_ENOTFOUND) {
    rc = cli_fail("no summary written: cannot read the records: %s", cli_err(e));
    goto out;
  }
  if (s->written && (rc = cli_write_batch(w, s->b, &stored)))
    goto out;
  fprintf(stderr, _("linli summarize: %d communities on %s: %d summaries written %s, %d unchanged\n"),
          s->n, date, s->written, cli_writer_where(w), s->same);
  rc = CLI_OK;
out:
  if (w)
    cli_writer_close(w);
  cli_batch_free(s->b);
  free(s->p);
  free(s->rows);
  free(s->w7);
  free(s->w1);
  free(s);
  return rc;
}
