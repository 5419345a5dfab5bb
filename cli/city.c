/* linli report --data CITYDIR city [DATE] [--json]: the city's figures from
 * the daily summaries its district hubs write (docs/operator.md "The
 * city"). The city node holds the city scope and the district scopes, never
 * a community's; for each community of each district it takes the latest
 * summary dated on or before DATE, and adds them up per district and for
 * the city: compounds certified, communities and villages epidemic-free,
 * households and residents, open cases; completeness (which communities
 * have a summary for DATE, who is silent and since when) and freshness (the
 * newest as_of of each district). A community is one the hub certified
 * (its `cert` records) or one it wrote a summary for. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "trust.h"
#include "verbs.h"

#define CT_COMMUNITIES_MAX CONFIG_SCOPES_MAX /* as many as a hub holds scopes: linli publish lists them */

struct ct_comm {
  char district[CRDT_SCOPE_MAX + 1], community[CRDT_SCOPE_MAX + 1], name[DOM_TEXT_MAX + 1];
  char date[DOM_DATE_LEN + 1], as_of[40]; /* of the latest summary on or before D; "" none */
  char last[DOM_DATE_LEN + 1];            /* its date */
  struct dom_summary f;
  int bad; /* a summary whose figures do not parse (skipped, counted) */
};

struct ct_sum {
  int communities, reporting, fresh, compounds, certified, free_, villages, vfree;
  int64_t households, residents, open_confirmed, open_three, fevers_1, handouts_1;
  char as_of[40]; /* the newest */
};

struct ct {
  const struct config *c;
  const char *date;
  const char *district; /* being read */
  struct ct_comm *cm;
  int n, cut, bad;
};

static struct ct_comm *ct_find(struct ct *t, const char *d, const char *c, size_t cl)
{
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->cm[i].district, d) && strlen(t->cm[i].community) == cl &&
        !memcmp(t->cm[i].community, c, cl))
      return &t->cm[i];
  if (t->n == CT_COMMUNITIES_MAX || cl > CRDT_SCOPE_MAX) {
    t->cut = 1;
    return NULL;
  }
  struct ct_comm *x = &t->cm[t->n++];
  memset(x, 0, sizeof *x);
  snprintf(x->district, sizeof x->district, "%s", d);
  memcpy(x->community, c, cl);
  return x;
}

static int on_cert(void *arg, const struct record *r)
{
  struct ct *t = arg;
  char comm[CRDT_SCOPE_MAX + 1], role[16];
  if (r->deleted || record_str(r, "community", comm, sizeof comm) ||
      record_str(r, "role", role, sizeof role) || strcmp(role, "community"))
    return 0;
  ct_find(t, t->district, comm, strlen(comm));
  return 0;
}

static int on_summary(void *arg, const struct record *r)
{
  struct ct *t = arg;
  char comm[CRDT_SCOPE_MAX + 1], date[DOM_DATE_LEN + 1], fig[DOM_SUMMARY_FIGURES_MAX + 1];
  if (r->deleted || record_str(r, "community", comm, sizeof comm) ||
      record_str(r, "date", date, sizeof date) || strcmp(date, t->date) > 0)
    return 0;
  struct ct_comm *x = ct_find(t, t->district, comm, strlen(comm));
  if (!x || strcmp(date, x->last) <= 0)
    return 0;
  struct dom_summary f;
  if (record_str(r, "figures", fig, sizeof fig) || dom_summary_parse(fig, strlen(fig), &f)) {
    t->bad++;
    return 0;
  }
  x->f = f;
  memcpy(x->last, date, sizeof x->last);
  if (record_str(r, "as_of", x->as_of, sizeof x->as_of))
    x->as_of[0] = 0;
  if (record_str(r, "name", x->name, sizeof x->name))
    x->name[0] = 0;
  return 0;
}

static int ct_read(void *arg, const struct crdt_view *v)
{
  struct ct *t = arg;
  for (int i = 0; i < t->c->n_scopes; i++) {
    if (!strcmp(t->c->scopes[i], t->c->city))
      continue;
    t->district = t->c->scopes[i];
    int rc = record_each(v, t->district, TRUST_CERT, NULL, on_cert, t);
    if (rc >= 0)
      rc = record_each(v, t->district, domain_name(DOM_SUMMARY), NULL, on_summary, t);
    if (rc < 0 && rc != LINLI_ENOTFOUND)
      return rc;
  }
  return 0;
}

static void ct_add(struct ct_sum *s, const struct ct_comm *x, const char *date)
{
  s->communities++;
  if (!x->last[0])
    return;
  const int64_t *v = x->f.v;
  s->reporting++;
  s->fresh += !strcmp(x->last, date);
  s->compounds += (int)v[DOM_SU_COMPOUNDS];
  s->certified += (int)v[DOM_SU_CERTIFIED];
  s->free_ += v[DOM_SU_FREE] != 0;
  s->villages += v[DOM_SU_VILLAGE] != 0;
  s->vfree += v[DOM_SU_VILLAGE] && v[DOM_SU_FREE];
  s->households += v[DOM_SU_HOUSEHOLDS];
  s->residents += v[DOM_SU_RESIDENTS];
  s->open_confirmed += v[DOM_SU_OPEN_CONFIRMED];
  s->open_three += v[DOM_SU_OPEN_THREE];
  s->fevers_1 += !strcmp(x->last, date) ? v[DOM_SU_FEVERS_1] : 0;
  s->handouts_1 += !strcmp(x->last, date) ? v[DOM_SU_HANDOUTS_1] : 0;
  if (strcmp(x->as_of, s->as_of) > 0)
    memcpy(s->as_of, x->as_of, sizeof s->as_of);
}

static double ct_pct(int a, int b)
{
  return b ? 100.0 * a / b : 0.0;
}

static void ct_json_sum(const struct ct_sum *s)
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

static void ct_json(const struct ct *t, const struct ct_sum *city, const struct ct_sum *ds,
                    const char *const *dn, int nd)
{
  printf("{\"city\":");
  cli_json_str(stdout, t->c->city, strlen(t->c->city));
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
      const struct ct_comm *x = &t->cm[j];
      if (strcmp(x->district, dn[i]) || !strcmp(x->last, t->date))
        continue;
      printf("%s{\"community\":", k++ ? "," : "");
      cli_json_str(stdout, x->community, strlen(x->community));
      printf(",\"last\":");
      if (x->last[0])
        printf("\"%s\"}", x->last);
      else
        printf("null}");
    }
    printf("]}");
  }
  printf("]}\n");
}

static void ct_row(const char *name, const struct ct_sum *s)
{
  printf("%-12s %4d/%-4d %6d %6d %5.1f%% %5d/%-4d %5d/%-4d %8lld %8lld %4lld %4lld  %s\n", name,
         s->fresh, s->communities, s->compounds, s->certified, ct_pct(s->certified, s->compounds),
         s->free_, s->communities, s->vfree, s->villages, (long long)s->households,
         (long long)s->residents, (long long)s->open_confirmed, (long long)s->open_three,
         s->as_of[0] ? s->as_of : "—");
}

static void ct_text(const struct ct *t, const struct ct_sum *city, const struct ct_sum *ds,
                    const char *const *dn, int nd)
{
  int rep = 0;
  for (int i = 0; i < nd; i++)
    rep += ds[i].reporting > 0;
  printf(_("City %s · %s: the districts' daily summaries (each community's latest on or before "
           "the date)\n"), t->c->city, t->date);
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
    const struct ct_comm *x = &t->cm[j];
    if (!strcmp(x->last, t->date))
      continue;
    printf("%s%s/%s ", k++ ? ", " : _("; silent: "), x->district, x->community);
    if (x->last[0])
      printf(_("since %s"), x->last);
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
  struct ct t = {c, date, NULL, NULL, 0, 0, 0};
  *out = NULL, *n = 0;
  if (!(t.cm = calloc(CT_COMMUNITIES_MAX, sizeof *t.cm)))
    return LINLI_ENOMEM;
  int rc = ct_read(&t, v);
  struct dom_community_state *cs = rc ? NULL : calloc((size_t)(t.n ? t.n : 1), sizeof *cs);
  if (!rc && !cs)
    rc = LINLI_ENOMEM;
  for (int i = 0; !rc && i < t.n; i++) {
    const struct ct_comm *x = &t.cm[i];
    if (!x->last[0])
      continue;
    struct dom_community_state *s = &cs[(*n)++];
    const int64_t *f = x->f.v;
    snprintf(s->community, sizeof s->community, "%s", x->community);
    snprintf(s->name, sizeof s->name, "%s", x->name);
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
  free(t.cm);
  if (rc)
    free(cs), *n = 0;
  else
    *out = cs;
  return rc;
}

int cli_report_city(struct cli_args *a, const struct config *c)
{
  char date[DOM_DATE_LEN + 1];
  struct ct t = {c, date, NULL, NULL, 0, 0, 0};
  const char *dn[CONFIG_SCOPES_MAX];
  struct ct_sum ds[CONFIG_SCOPES_MAX], city;
  int nd = 0, rc;
  if (!cli_is_city(c))
    return cli_fail("%s is not a city node: linli report city runs on the city (linli init --city "
                    "CODE --hub self)", a->data);
  if ((rc = cli_date(c, a->n_pos > 1 ? a->pos[1] : NULL, date, 0)))
    return rc;
  if (!(t.cm = calloc(CT_COMMUNITIES_MAX, sizeof *t.cm)))
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  rc = cli_read_rows(c->data, ct_read, &t);
  if (rc) {
    free(t.cm);
    return rc < 0 ? cli_fail("cannot read the summaries: %s", cli_err(rc)) : CLI_FAIL;
  }
  memset(ds, 0, sizeof ds);
  memset(&city, 0, sizeof city);
  for (int i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], c->city))
      dn[nd++] = c->scopes[i];
  for (int j = 0; j < t.n; j++)
    for (int i = 0; i < nd; i++)
      if (!strcmp(t.cm[j].district, dn[i])) {
        ct_add(&ds[i], &t.cm[j], date);
        ct_add(&city, &t.cm[j], date);
      }
  if (t.cut)
    fprintf(stderr, _("linli report city: more than %d communities: the rest are left out\n"),
            CT_COMMUNITIES_MAX);
  if (a->json)
    ct_json(&t, &city, ds, dn, nd);
  else
    ct_text(&t, &city, ds, dn, nd);
  free(t.cm);
  return CLI_OK;
}
