/* linli summarize: the district hub's daily summary per community for the
 * city (docs/domain.md "Daily summaries", docs/operator.md "The city"): one
 * hub record `summary` COMMUNITY/DATE in the district scope with the
 * figures of the district report for that community on DATE (the compound
 * states, households and residents, open cases, 1- and 7-day fevers and
 * hand-outs) and the op count they were computed from. No personal data. A
 * summary is written again only when its figures changed. The figures are
 * dom_summaries' (node/domain/summary.c), which a hub's linlid also writes
 * on its own every `summary_s` seconds; this command is for a past date, or
 * a hub that runs with summary_s 0. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

static int su_add(void *arg, const struct dom_plan *p)
{
  return cli_batch_add_plan(arg, p);
}

int cli_cmd_summarize(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct cli_writer *w = NULL;
  struct store *st = NULL;
  struct dom_tz tz;
  struct dom_su_out o;
  char date[DOM_DATE_LEN + 1], today[DOM_DATE_LEN + 1], now[9];
  const char *scopes[CONFIG_SCOPES_MAX];
  struct cli_batch *b = cli_batch_new();
  int rc = CLI_FAIL, stored = 0, n = 0, e;
  if (!b)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if ((rc = cli_writer_open(&w, a->data)))
    goto out;
  if ((rc = cli_date(&w->c, a->date, date, 0)) || (rc = cli_is_hub(w)) || (rc = cli_zone(&w->c, &tz)))
    goto out;
  if (w->c.has_city && !strcmp(w->c.city, w->c.district)) {
    rc = cli_fail("%s is the city node: the district hubs write the summaries", a->data);
    goto out;
  }
  cli_today(&w->c, today, now);
  n = config_community_scopes(&w->c, scopes);
  struct store_config sc = {w->c.data, 0, 0, 0, 1};
  if ((e = store_open(&st, &sc))) {
    rc = cli_fail("cannot read the store in %s: %s", w->c.data, cli_err(e));
    goto out;
  }
  struct dom_su_req q = {.district = w->c.district, .home = w->c.scopes[0], .scopes = scopes,
                         .n = n, .date = date, .today = today, .now = now,
                         .utc_offset_s = dom_tz_day_offset(&tz, date)};
  e = dom_summaries(st, &q, su_add, b, &o);
  store_close(st);
  if (e == DOM_MALFORMED || e == DOM_REFUSED) {
    rc = cli_fail("no summary written: %s", o.e.msg);
    goto out;
  }
  if (e) {
    rc = cli_fail("no summary written: cannot compute the figures: %s", cli_err(e));
    goto out;
  }
  if ((o.written || o.compounds) && (rc = cli_write_batch(w, b, &stored)))
    goto out;
  fprintf(stderr, _("linli summarize: %d communities on %s: %d summaries written %s, %d unchanged\n"),
          n, date, o.written, cli_writer_where(w), o.same);
  rc = CLI_OK;
out:
  if (w)
    cli_writer_close(w);
  cli_batch_free(b);
  return rc;
}
