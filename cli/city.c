/* linli report --data CITYDIR city [DATE] [--json]: the city's figures from
 * the daily summaries its district hubs write (docs/operator.md "The
 * city"). The city node holds the city scope and the district scopes, never
 * a community's; for each community of each district it takes the latest
 * summary dated on or before DATE, and adds them up per district and for
 * the city: compounds certified, communities and villages epidemic-free,
 * households and residents, open cases; completeness (which communities
 * have a summary for DATE, who is silent and since when) and freshness (the
 * newest as_of of each district). A community is one the hub certified
 * (its `cert` records) or one it wrote a summary for. The reading and the
 * sums are node/domain/city.c's (domain.h "the city's figures"); this file
 * prints them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "trust.h"
#include "verbs.h"

#define CT_COMMUNITIES_MAX CONFIG_SCOPES_MAX /* as many as a hub holds scopes: linli publish lists them */

struct ct {
  const struct config *c;
  const char *date;
  const char *dn[CONFIG_SCOPES_MAX]; /* the districts: the scopes but the city's */
  int nd, rc;
  struct dom_city t;
};

static void ct_init(struct ct *x, const struct config *c, const char *date)
{
  memset(x, 0, sizeof *x);
  x->c = c, x->date = date;
  for (int i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], c->city))
      x->dn[x->nd++] = c->scopes[i];
}

static int ct_read(void *arg, const struct crdt_view *v)
{
  struct ct *x = arg;
  return x->rc = dom_city_read(v, x->dn, x->nd, TRUST_CERT, x->date, CT_COMMUNITIES_MAX, &x->t);
}

static double ct_pct(int a, int b)
{
  return b ? 100.0 * a / b : 0.0;
}

static void ct_json_sum(const struct dom_city_sum *s)
{
  printf("\"communities\":%d,\"reporting\":%d,\"reporting_on_date\":%d,\"compounds\":%d,"
         "\"compounds_certified\":%d,\"compounds_share\":%.1f,\"communities_epidemic_free\":%d,"
         "\"communities_share\":%.1f,\"villages\":%d,\"villages_epidemic_free\":%d,"
         "\"households\":%lld,\"residents\":%lld,\"open_confirmed\":%lld,\"open_three\":%lld,"
         "\"fevers_1\":%lld,\"handouts_1\":%lld,\"as_of\":",
         s->communities, s->reporting, s->fresh, s->compounds, s->certified,
         ct_pct(s->certified, s->compounds), s->free_, ct_pct(s->free_, s->communities), s->villages,
         s->vfree, (long long)s->households, (long long)s->residents, (long long)s->open_confirmed,
         (long long)s->open_three, (long long)s->fevers_1, (long long)s->handouts_1);
  if (s->as_of[0])
    cli_json_str(stdout, s->as_of, strlen(s->as_of));
  else
    printf("null");
}

static void ct_json(const struct ct *x)
{
  const struct dom_city *t = &x->t;
  const struct dom_city_sum *city = &t->city, *ds = t->ds;
  const char *const *dn = x->dn;
  int nd = x->nd;
  printf("{\"city\":");
  cli_json_str(stdout, x->c->city, strlen(x->c->city));
  printf(",\"date\":\"%s\",\"districts_reporting\":", t->date);
  int rep = 0;
  for (int i = 0; i < nd; i++)
    rep += ds[i].reporting > 0;
  printf("%d,\"districts\":%d,\"unreadable_summaries\":%d,", rep, nd, t->bad);
  ct_json_sum(city);
  printf(",\"rows\":[");
  for (int i = 0; i < nd; i++) {
    printf("%s\n{\"district\":", i ? "," : "");
    cli_json_str(stdout, dn[i], strlen(dn[i]));
    printf(",");
    ct_json_sum(&ds[i]);
    printf(",\"silent\":[");
    int k = 0;
    for (int j = 0; j < t->n; j++) {
      const struct dom_city_comm *m = &t->cm[j];
      if (m->district != i || !strcmp(m->last, t->date))
        continue;
      printf("%s{\"community\":", k++ ? "," : "");
      cli_json_str(stdout, m->community, strlen(m->community));
      printf(",\"last\":");
      if (m->last[0])
        printf("\"%s\"}", m->last);
      else
        printf("null}");
    }
    printf("]}");
  }
  printf("]}\n");
}

static void ct_row(const char *name, const struct dom_city_sum *s)
{
  printf("%-12s %4d/%-4d %6d %6d %5.1f%% %5d/%-4d %5d/%-4d %8lld %8lld %4lld %4lld  %s\n", name,
         s->fresh, s->communities, s->compounds, s->certified, ct_pct(s->certified, s->compounds),
         s->free_, s->communities, s->vfree, s->villages, (long long)s->households,
         (long long)s->residents, (long long)s->open_confirmed, (long long)s->open_three,
         s->as_of[0] ? s->as_of : "—");
}

static void ct_text(const struct ct *x)
{
  const struct dom_city *t = &x->t;
  const struct dom_city_sum *city = &t->city, *ds = t->ds;
  const char *const *dn = x->dn;
  int nd = x->nd;
  int rep = 0;
  for (int i = 0; i < nd; i++)
    rep += ds[i].reporting > 0;
  printf(_("City %s · %s: the districts' daily summaries (each community's latest on or before "
           "the date)\n"), x->c->city, t->date);
  printf(_("Epidemic-free compounds (certified): %d / %d (%.1f %%); epidemic-free communities: %d "
           "/ %d (%.1f %%); villages: %d / %d\n"),
         city->certified, city->compounds, ct_pct(city->certified, city->compounds), city->free_,
         city->communities, ct_pct(city->free_, city->communities), city->vfree, city->villages);
  printf(_("Open confirmed cases %lld · open suspected, fever and close-contact cases %lld · "
           "households %lld · residents %lld\n"),
         (long long)city->open_confirmed, (long long)city->open_three, (long long)city->households,
         (long long)city->residents);
  printf(_("Completeness: districts reporting %d / %d; communities with a summary for the date "
           "%d / %d"), rep, nd, city->fresh, city->communities);
  int k = 0;
  for (int j = 0; j < t->n; j++) {
    const struct dom_city_comm *m = &t->cm[j];
    if (!strcmp(m->last, t->date))
      continue;
    printf("%s%s/%s ", k++ ? ", " : _("; silent: "), m->district_code, m->community);
    if (m->last[0])
      printf(_("since %s"), m->last);
    else
      printf(_("never"));
  }
  if (t->bad)
    printf(_("; %d summaries unreadable (skipped)"), t->bad);
  printf("\n\n");
  static const int w[] = {-12, 9, 6, 6, 6, 10, 10, 8, 8, 4, 4, 0};
  static const char *const h[] = {N_("DISTRICT"),  N_("REPORTING"), N_("COMPOUNDS"),
                                  N_("CERTIFIED"), N_("SHARE"),     N_("FREE COMM."),
                                  N_("VILLAGES"),  N_("HOUSEHOLDS"), N_("RESIDENTS"),
                                  N_("CONF."),     N_("OPEN"),       N_("AS OF")};
  cli_head(12, w, h);
  for (int i = 0; i < nd; i++)
    ct_row(dn[i], &ds[i]);
  ct_row(_("city"), city);
}

int cli_is_city(const struct config *c)
{
  return c->trust && c->has_city && !strcmp(c->city, c->district);
}

int cli_city_states(const struct crdt_view *v, const struct config *c, const char *date,
                    struct dom_community_state **out, int *n)
{
  struct ct *x = malloc(sizeof *x);
  *out = NULL, *n = 0;
  if (!x)
    return LINLI_ENOMEM;
  ct_init(x, c, date);
  int rc = ct_read(x, v);
  if (rc) {
    free(x);
    return rc;
  }
  const struct dom_city *t = &x->t;
  struct dom_community_state *cs = calloc((size_t)(t->n ? t->n : 1), sizeof *cs);
  if (!cs)
    rc = LINLI_ENOMEM;
  for (int i = 0; !rc && i < t->n; i++) {
    const struct dom_city_comm *m = &t->cm[i];
    if (!m->last[0])
      continue;
    struct dom_community_state *s = &cs[(*n)++];
    const int64_t *f = m->f.v;
    snprintf(s->community, sizeof s->community, "%s", m->community);
    snprintf(s->name, sizeof s->name, "%s", m->name);
    s->village = f[DOM_SU_VILLAGE] != 0;
    s->compounds = (int)f[DOM_SU_COMPOUNDS];
    s->counts[DOM_ST_CERTIFIED] = (int)f[DOM_SU_CERTIFIED];
    s->counts[DOM_ST_WITHDRAWN] = (int)f[DOM_SU_WITHDRAWN];
    s->counts[DOM_ST_PENDING] = (int)f[DOM_SU_PENDING];
    s->counts[DOM_ST_REJECTED] = (int)f[DOM_SU_REJECTED];
    s->counts[DOM_ST_ELIGIBLE] = (int)f[DOM_SU_ELIGIBLE];
    s->counts[DOM_ST_NOT_ELIGIBLE] = (int)f[DOM_SU_NOT_ELIGIBLE];
    s->open_three = (int)f[DOM_SU_OPEN_THREE];
    s->epidemic_free = f[DOM_SU_FREE] != 0;
  }
  dom_city_free(&x->t);
  free(x);
  if (rc)
    free(cs), *n = 0;
  else
    *out = cs;
  return rc;
}

int cli_report_city(struct cli_args *a, const struct config *c)
{
  char date[DOM_DATE_LEN + 1];
  int rc;
  if (!cli_is_city(c))
    return cli_fail("%s is not a city node: linli report city runs on the city (linli init --city "
                    "CODE --hub self)", a->data);
  if ((rc = cli_date(c, a->n_pos > 1 ? a->pos[1] : NULL, date, 0)))
    return rc;
  struct ct *x = malloc(sizeof *x);
  if (!x)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  ct_init(x, c, date);
  rc = cli_read_rows(c->data, ct_read, x);
  if (rc) {
    if (!x->rc)
      dom_city_free(&x->t);
    free(x);
    return rc < 0 ? cli_fail("cannot read the summaries: %s", cli_err(rc)) : CLI_FAIL;
  }
  if (x->t.cut)
    fprintf(stderr, _("linli report city: more than %d communities: the rest are left out\n"),
            CT_COMMUNITIES_MAX);
  if (a->json)
    ct_json(x);
  else
    ct_text(x);
  dom_city_free(&x->t);
  free(x);
  return CLI_OK;
}
