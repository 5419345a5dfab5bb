/* linli report district|community|compound, linli approvals, linli
 * certifications: the district as its staff read it. Every figure says the
 * date it is for: states and open cases on that date, households and
 * residents registered by the end of it (the district's zone), checks,
 * fevers and hand-outs within the windows of 1 and N (7) days ending on it,
 * and completeness within the windows. The states are the domain's
 * (dom_compound_states, docs/domain.md "States"), the same as the web
 * console's. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

#define DR_COMPOUNDS_MAX 8192

/* ---- printing helpers ---- */

/* s padded (or cut) to w terminal columns, left or right aligned, then a space. */
static void col(const char *s, int w, int right)
{
  int dw = cli_dwidth(s, strlen(s));
  if (right)
    for (int i = dw; i < w; i++)
      fputc(' ', stdout);
  fputs(s, stdout);
  if (!right)
    for (int i = dw; i < w; i++)
      fputc(' ', stdout);
  fputc(' ', stdout);
}

static void coln(long long v, int w)
{
  char b[32];
  snprintf(b, sizeof b, "%lld", v);
  col(b, w, 1);
}

static void col2(unsigned long long a, unsigned long long b, int w)
{
  char s[48];
  snprintf(s, sizeof s, "%llu/%llu", a, b);
  col(s, w, 1);
}

/* "2026-12-03 14:05" in the district's zone, or "—" for 0. */
static void local_time(const struct dom_tz *tz, uint64_t ms, char out[20])
{
  char d[DOM_DATE_LEN + 1], t[9];
  if (!ms) {
    snprintf(out, 20, "—");
    return;
  }
  int32_t off = dom_tz_offset(tz, ms);
  dom_ms_date(ms, off, d);
  dom_ms_time(ms, off, t);
  snprintf(out, 20, "%s %.5s", d, t);
}

static void jstr(const char *k, const char *v, int comma)
{
  printf("\"%s\":", k);
  cli_json_str(stdout, v, strlen(v));
  if (comma)
    putchar(',');
}

static double pct(int a, int b)
{
  return b ? 100.0 * a / b : 0.0;
}

/* The community scopes this node holds (not the district scope), or the one
 * asked for: n, or -1 after saying why. */
static int held_scopes(const struct config *c, const char *only, int first_only, const char **out)
{
  int n = 0;
  for (int i = 0; i < c->n_scopes; i++) {
    if (config_is_trust_scope(c, c->scopes[i]))
      continue;
    if (only ? !strcmp(only, c->scopes[i]) : (!first_only || n == 0))
      out[n++] = c->scopes[i];
  }
  if (only && !n) {
    cli_fail("this node does not hold community %s", only);
    return -1;
  }
  return n;
}

static int parse_days(const char *s, int *days)
{
  char *end;
  long v = s ? strtol(s, &end, 10) : REPORT_WINDOW_DAYS;
  if (s && (*end || v < 1 || v > 366)) {
    fprintf(stderr, _("linli: --days takes a whole number of days from 1 to 366, not '%s'\n"), s);
    return CLI_USAGE;
  }
  *days = (int)v;
  return CLI_OK;
}

/* ---- gathering ---- */

struct dr_row {
  struct report_row r;             /* report_district's figures (open cases, stock) */
  struct report_window w1, wn;     /* the windows of 1 and N days ending on D */
  struct dom_community_state cs;   /* the states on D */
  int households, residents;       /* registered by the end of D */
  uint64_t ops, newest_ms;         /* ops stamped by the end of D; the newest of them */
  uint64_t heard1, heardn;         /* ops stamped within each window */
  int meeting;                     /* compounds whose rule holds on D */
};

struct dr {
  const struct config *c;
  const char *date;
  int days;
  int32_t off;
  struct dom_tz tz;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
  struct dr_row *rows;
  struct dom_cstate *cs; /* every compound, by community */
  int ncs, cs_cut;
  /* totals */
  int compounds, counts[DOM_ST_N], meeting, communities, comm_free, villages, vill_free;
  int households, residents, open_confirmed, open_three;
  int heard1, heardn;
  struct report_window t1, tn;
};

static int on_cstate(void *arg, const struct dom_cstate *c)
{
  struct dr *d = arg;
  if (d->ncs == DR_COMPOUNDS_MAX) {
    d->cs_cut = 1;
    return 0;
  }
  d->cs[d->ncs++] = *c;
  return 0;
}

static int read_states(struct dr *d, struct store_read *rd, const struct crdt_view *v)
{
  for (int i = 0; i < d->n; i++) {
    int rc = dom_compound_states(v, rd, d->c->trust ? d->c->district : NULL, d->scopes[i], d->date,
                                 &d->rows[i].cs, on_cstate, d);
    if (rc)
      return rc;
  }
  return 0;
}

/* Households and residents registered by the end of D: the current count
 * when every op of the scope is from before then, else counted from the ops
 * stamped by then (a record counts from its first write; a void removes it
 * until it is written again). */
struct asof {
  struct {
    uint64_t h;
    int8_t live, coll; /* coll 1 household, 2 resident */
  } *t;
  size_t cap, n;
  int hh, res;
};

static uint64_t fnv(const char *a, size_t al, const char *b, size_t bl)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < al; i++)
    h = (h ^ (uint8_t)a[i]) * 1099511628211ull;
  h = (h ^ 0xff) * 1099511628211ull;
  for (size_t i = 0; i < bl; i++)
    h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
  return h | 1;
}

static int on_asof_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct asof *a = arg;
  struct crdt_op o;
  (void)hlc, (void)id;
  if (crdt_op_decode(&o, raw, len))
    return 0;
  const char *hh = domain_name(DOM_HOUSEHOLD), *rs = domain_name(DOM_RESIDENT);
  int coll = o.collection.len == strlen(hh) && !memcmp(o.collection.p, hh, o.collection.len) ? 1
             : o.collection.len == strlen(rs) && !memcmp(o.collection.p, rs, o.collection.len) ? 2
                                                                                              : 0;
  if (!coll)
    return 0;
  uint64_t h = fnv((const char *)o.collection.p, o.collection.len, (const char *)o.key.p, o.key.len);
  size_t i = h % a->cap;
  while (a->t[i].h && a->t[i].h != h)
    i = (i + 1) % a->cap;
  if (!a->t[i].h) {
    if (a->n * 2 >= a->cap)
      return LINLI_ENOMEM;
    a->t[i].h = h, a->t[i].coll = (int8_t)coll, a->n++;
  }
  a->t[i].live = o.kind != CRDT_TOMBSTONE;
  return 0;
}

static int count_asof(struct store *s, const char *scope, uint64_t end_ms, int *hh, int *res)
{
  struct asof a = {NULL, 0, 0, 0, 0};
  uint64_t count;
  uint8_t sum[STORE_FP_SUM_BYTES];
  struct store_bound lo = STORE_BOUND_MIN, hi = {CRDT_HLC_MAKE(end_ms, 0), {0}};
  int rc = store_range_fp(s, scope, &lo, &hi, &count, sum);
  if (rc)
    return rc;
  a.cap = 2 * (size_t)count + 16;
  if (!(a.t = calloc(a.cap, sizeof *a.t)))
    return LINLI_ENOMEM;
  rc = store_range_each(s, scope, &lo, &hi, 0, on_asof_op, &a);
  for (size_t i = 0; i < a.cap; i++)
    if (a.t[i].h && a.t[i].live)
      (a.t[i].coll == 1 ? ++*hh : ++*res);
  free(a.t);
  return rc > 0 ? 0 : rc;
}

/* Ops of scope stamped in [from_ms, to_ms): how many, and the newest's time. */
static int ops_between(struct store *s, const char *scope, uint64_t from_ms, uint64_t to_ms,
                       uint64_t *count, uint64_t *newest_ms)
{
  struct store_bound lo = {from_ms ? CRDT_HLC_MAKE(from_ms, 0) : 0, {0}},
                     hi = {CRDT_HLC_MAKE(to_ms, 0), {0}}, last;
  uint8_t sum[STORE_FP_SUM_BYTES];
  int rc = store_range_fp(s, scope, &lo, &hi, count, sum);
  if (rc || !newest_ms)
    return rc;
  *newest_ms = 0;
  if (*count && (rc = store_range_nth(s, scope, &lo, &hi, *count - 1, &last)) == 0)
    *newest_ms = CRDT_HLC_MS(last.hlc);
  return rc;
}

static void add_win(struct report_window *t, const struct report_window *w)
{
  memcpy(t->from, w->from, sizeof t->from);
  memcpy(t->to, w->to, sizeof t->to);
  t->health_checks += w->health_checks, t->fevers += w->fevers, t->coughs += w->coughs;
  t->gate_checks += w->gate_checks, t->gate_fevers += w->gate_fevers, t->visitors += w->visitors;
  t->relief += w->relief, t->group += w->group, t->proxy += w->proxy;
}

static int dr_gather(struct dr *d)
{
  struct store *s;
  struct store_config sc = {d->c->data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return cli_fail("cannot read the store in %s: %s", d->c->data, cli_err(rc));
  int64_t day;
  dom_date_days(d->date, DOM_DATE_LEN, &day);
  d->off = dom_tz_day_offset(&d->tz, d->date);
  /* the end of D and the first moments of the windows, at D's offset */
  uint64_t end_ms = (uint64_t)(((day + 1) * 86400 - d->off) * 1000);
  int64_t f1 = (day * 86400 - d->off) * 1000, fn = ((day - d->days + 1) * 86400 - d->off) * 1000;
  struct report_row *rr = calloc((size_t)(d->n ? d->n : 1), sizeof *rr);
  struct report_window *wn = calloc((size_t)(d->n ? d->n : 1), sizeof *wn);
  struct report_totals tot;
  d->rows = calloc((size_t)(d->n ? d->n : 1), sizeof *d->rows);
  d->cs = calloc(DR_COMPOUNDS_MAX, sizeof *d->cs);
  if (!rr || !wn || !d->rows || !d->cs)
    rc = LINLI_ENOMEM;
  if (!rc)
    rc = report_district(s, d->scopes, d->n, d->date, d->days, d->off, rr, wn, &tot, NULL);
  for (int i = 0; i < d->n && !rc; i++) {
    struct dr_row *x = &d->rows[i];
    x->r = rr[i];
    x->wn = wn[i];
    if ((rc = report_window(s, d->scopes[i], d->date, 1, d->off, &x->w1)) ||
        (rc = ops_between(s, d->scopes[i], 0, end_ms, &x->ops, &x->newest_ms)) ||
        (rc = ops_between(s, d->scopes[i], f1 > 0 ? (uint64_t)f1 : 0, end_ms, &x->heard1, NULL)) ||
        (rc = ops_between(s, d->scopes[i], fn > 0 ? (uint64_t)fn : 0, end_ms, &x->heardn, NULL)))
      break;
    if (x->ops == x->r.ops) { /* nothing stamped after D */
      x->households = x->r.households;
      x->residents = x->r.residents;
    } else if ((rc = count_asof(s, d->scopes[i], end_ms, &x->households, &x->residents))) {
      break;
    }
  }
  struct store_read *rd;
  if (!rc && (rc = store_read_begin(s, &rd)) == 0) {
    struct crdt_view v = store_read_view(rd);
    rc = read_states(d, rd, &v);
    store_read_end(rd);
  }
  store_close(s);
  free(rr);
  free(wn);
  if (rc)
    return cli_fail("cannot compute the report: %s", cli_err(rc));
  for (int i = 0; i < d->ncs; i++)
    for (int k = 0; k < d->n; k++)
      if (!strcmp(d->cs[i].community, d->scopes[k]))
        d->rows[k].meeting += d->cs[i].verdict.eligible;
  for (int i = 0; i < d->n; i++) {
    struct dr_row *x = &d->rows[i];
    d->compounds += x->cs.compounds;
    for (int s2 = 0; s2 < DOM_ST_N; s2++)
      d->counts[s2] += x->cs.counts[s2];
    d->meeting += x->meeting;
    d->communities++;
    d->comm_free += x->cs.epidemic_free;
    d->villages += x->cs.village;
    d->vill_free += x->cs.village && x->cs.epidemic_free;
    d->households += x->households;
    d->residents += x->residents;
    d->open_confirmed += x->r.open_confirmed;
    d->open_three += x->r.open_suspected + x->r.open_fever + x->r.open_contact;
    d->heard1 += x->heard1 > 0;
    d->heardn += x->heardn > 0;
    add_win(&d->t1, &x->w1);
    add_win(&d->tn, &x->wn);
  }
  return CLI_OK;
}

static void dr_free(struct dr *d)
{
  free(d->rows);
  free(d->cs);
}

/* ---- linli report district|community ---- */

static void json_win(const struct report_window *w, int days)
{
  printf("{\"days\":%d,\"from\":\"%s\",\"to\":\"%s\",\"health_checks\":%llu,\"fevers\":%llu,"
         "\"coughs\":%llu,\"gate_checks\":%llu,\"gate_fevers\":%llu,\"visitors\":%llu,"
         "\"distributions\":{\"relief\":%llu,\"group\":%llu,\"proxy\":%llu}}",
         days, w->from, w->to, (unsigned long long)w->health_checks, (unsigned long long)w->fevers,
         (unsigned long long)w->coughs, (unsigned long long)w->gate_checks,
         (unsigned long long)w->gate_fevers, (unsigned long long)w->visitors,
         (unsigned long long)w->relief, (unsigned long long)w->group, (unsigned long long)w->proxy);
}

static void json_states(const int *counts)
{
  printf("{");
  for (int s = 0; s < DOM_ST_N; s++)
    printf("%s\"%s\":%d", s ? "," : "", dom_state_key(s), counts[s]);
  printf("}");
}

static void json_cstate(const struct dom_cstate *c)
{
  printf("{");
  jstr("community", c->community, 1);
  jstr("compound", c->compound, 1);
  jstr("name", c->name, 1);
  jstr("state", dom_state_key(c->state), 1);
  jstr("reason", dom_cstate_why(c), 1);
  jstr("declared", c->declared, 1);
  jstr("decided", c->decided, 1);
  printf("\"meets_rule\":%s}", c->verdict.eligible ? "true" : "false");
}

static void report_json(const struct dr *d)
{
  printf("{");
  jstr("date", d->date, 1);
  jstr("timezone", d->c->timezone, 1);
  printf("\"utc_offset_s\":%d,\"days\":%d,", (int)d->off, d->days);
  printf("\"compounds\":%d,\"compounds_certified\":%d,\"share_certified\":%.1f,"
         "\"compounds_meeting_rule\":%d,\"states\":",
         d->compounds, d->counts[DOM_ST_CERTIFIED], pct(d->counts[DOM_ST_CERTIFIED], d->compounds),
         d->meeting);
  json_states(d->counts);
  printf(",\"communities\":%d,\"communities_epidemic_free\":%d,\"share_communities\":%.1f,"
         "\"villages\":%d,\"villages_epidemic_free\":%d,\"households\":%d,\"residents\":%d,"
         "\"open_confirmed\":%d,\"open_three\":%d,\"heard_from\":{\"1\":%d,\"%d\":%d},\"windows\":[",
         d->communities, d->comm_free, pct(d->comm_free, d->communities), d->villages, d->vill_free,
         d->households, d->residents, d->open_confirmed, d->open_three, d->heard1, d->days, d->heardn);
  json_win(&d->t1, 1);
  printf(",");
  json_win(&d->tn, d->days);
  printf("],\"rows\":[");
  for (int i = 0; i < d->n; i++) {
    const struct dr_row *x = &d->rows[i];
    printf("%s\n{", i ? "," : "");
    jstr("community", x->cs.community, 1);
    jstr("name", x->cs.name, 1);
    jstr("kind", x->cs.village ? "village" : "community", 1);
    printf("\"ops\":%llu,\"newest_ms\":%llu,\"heard\":{\"1\":%s,\"%d\":%s},\"compounds\":%d,"
           "\"certified\":%d,\"meeting_rule\":%d,\"epidemic_free\":%s,\"states\":",
           (unsigned long long)x->ops, (unsigned long long)x->newest_ms, x->heard1 ? "true" : "false",
           d->days, x->heardn ? "true" : "false", x->cs.compounds, x->cs.counts[DOM_ST_CERTIFIED],
           x->meeting, x->cs.epidemic_free ? "true" : "false");
    json_states(x->cs.counts);
    printf(",\"households\":%d,\"residents\":%d,\"open\":{\"confirmed\":%d,\"suspected\":%d,"
           "\"fever\":%d,\"close_contact\":%d},\"stock\":{\"rice_kg\":%lld,\"vegetables_kg\":%lld},"
           "\"windows\":[",
           x->households, x->residents, x->r.open_confirmed, x->r.open_suspected, x->r.open_fever,
           x->r.open_contact, (long long)x->r.rice_kg, (long long)x->r.vegetables_kg);
    json_win(&x->w1, 1);
    printf(",");
    json_win(&x->wn, d->days);
    printf("]}");
  }
  printf("],\n\"compound_states\":[");
  for (int i = 0; i < d->ncs; i++) {
    printf("%s\n", i ? "," : "");
    json_cstate(&d->cs[i]);
  }
  printf("]}\n");
}

static void print_state_counts(const int *counts, int trust)
{
  int first = 1;
  for (int s = DOM_ST_WITHDRAWN; s < DOM_ST_N; s++) {
    if (!trust && s != DOM_ST_ELIGIBLE && s != DOM_ST_NOT_ELIGIBLE)
      continue;
    printf("%s%s %d", first ? "" : " · ", cli_tx(dom_state_words[s]), counts[s]);
    first = 0;
  }
}

static void report_text(const struct dr *d, int district)
{
  char n1[16], nn[16];
  printf(district ? _("District report · %s (as of 24:00 that day, %s time) · the data this node "
                      "holds\n")
                   : _("Community report · %s (as of 24:00 that day, %s time) · the data this node "
                       "holds\n"),
         d->date, d->c->timezone);
  printf(_("Epidemic-free compounds (certified): %d / %d (%.1f %%); "), d->counts[DOM_ST_CERTIFIED], d->compounds,
         pct(d->counts[DOM_ST_CERTIFIED], d->compounds));
  print_state_counts(d->counts, d->c->trust);
  printf(_("\nCompounds meeting the epidemic-free rule (whatever their state): %d / %d\n"), d->meeting, d->compounds);
  printf(_("Epidemic-free communities: %d / %d (%.1f %%); of them villages: %d / %d\n"), d->comm_free, d->communities,
         pct(d->comm_free, d->communities), d->vill_free, d->villages);
  printf(_("Open confirmed %d · open suspected, fever, close contact %d · households %d · "
           "residents %d (registered by the end of the day)\n"),
         d->open_confirmed, d->open_three, d->households, d->residents);
  printf(_("Last 1 / %d days (%s to %s): health checks %llu / %llu · fevers %llu / %llu · gate "
           "checks %llu / %llu · hand-outs %llu / %llu\n"),
         d->days, d->tn.from, d->tn.to, (unsigned long long)d->t1.health_checks,
         (unsigned long long)d->tn.health_checks, (unsigned long long)d->t1.fevers,
         (unsigned long long)d->tn.fevers, (unsigned long long)d->t1.gate_checks,
         (unsigned long long)d->tn.gate_checks,
         (unsigned long long)(d->t1.relief + d->t1.group + d->t1.proxy),
         (unsigned long long)(d->tn.relief + d->tn.group + d->tn.proxy));
  printf(_("Completeness: communities heard from in 1 day %d / %d; in %d days %d / %d"), d->heard1, d->communities, d->days,
         d->heardn, d->communities);
  int silent = 0;
  for (int i = 0; i < d->n; i++) {
    const struct dr_row *x = &d->rows[i];
    if (x->heard1)
      continue;
    char t[20];
    local_time(&d->tz, x->newest_ms, t);
    printf("%s%s %s", silent++ ? _(", ") : _("; nothing new from: "), x->cs.community,
           x->newest_ms ? t : _("never heard from"));
    if (x->newest_ms)
      printf("%s", _(" on"));
  }
  printf("\n\n");
  snprintf(n1, sizeof n1, _("1d/%dd"), d->days);
  snprintf(nn, sizeof nn, "%s", n1);
  col(_("COMMUNITY"), 12, 0), col(_("NAME"), 14, 0), col(_("HHOLDS"), 6, 1), col(_("PEOPLE"), 6, 1);
  col(_("CMPDS"), 5, 1), col(_("CERTIF"), 6, 1), col(_("MEETS"), 8, 1), col(_("CONF"), 4, 1);
  col(_("SUSP"), 4, 1), col(_("FEVR"), 4, 1), col(_("CONT"), 4, 1);
  char h[40];
  snprintf(h, sizeof h, _("CHECKS %s"), n1), col(h, 18, 1);
  snprintf(h, sizeof h, _("FEVERS %s"), n1), col(h, 12, 1);
  snprintf(h, sizeof h, _("GATES %s"), n1), col(h, 14, 1);
  snprintf(h, sizeof h, _("GIVEN %s"), nn), col(h, 12, 1);
  printf("%s\n", _("NEWEST"));
  for (int i = 0; i < d->n; i++) {
    const struct dr_row *x = &d->rows[i];
    char t[20];
    local_time(&d->tz, x->newest_ms, t);
    col(x->cs.community, 12, 0), col(x->cs.name[0] ? x->cs.name : "—", 14, 0);
    coln(x->households, 6), coln(x->residents, 6), coln(x->cs.compounds, 5);
    coln(x->cs.counts[DOM_ST_CERTIFIED], 6), coln(x->meeting, 8);
    coln(x->r.open_confirmed, 4), coln(x->r.open_suspected, 4), coln(x->r.open_fever, 4);
    coln(x->r.open_contact, 4);
    col2(x->w1.health_checks, x->wn.health_checks, 18);
    col2(x->w1.fevers, x->wn.fevers, 12);
    col2(x->w1.gate_checks, x->wn.gate_checks, 14);
    col2(x->w1.relief + x->w1.group + x->w1.proxy, x->wn.relief + x->wn.group + x->wn.proxy, 12);
    printf("%s\n", t);
  }
  printf("\n");
  col(_("COMMUNITY"), 12, 0), col(_("COMPOUND"), 12, 0), col(_("NAME"), 14, 0);
  col(_("STATE"), 12, 0), col(_("DECLARED"), 10, 0), col(_("DECIDED"), 10, 0);
  printf("%s\n", _("REASON"));
  for (int i = 0; i < d->ncs; i++) {
    const struct dom_cstate *c = &d->cs[i];
    col(c->community, 12, 0), col(c->compound, 12, 0), col(c->name[0] ? c->name : "—", 14, 0);
    col(cli_tx(dom_state_words[c->state]), 12, 0);
    col(c->declared[0] ? c->declared : "—", 10, 0), col(c->decided[0] ? c->decided : "—", 10, 0);
    printf("%s\n", dom_cstate_why(c));
  }
  if (d->cs_cut)
    printf(_("(only the first %d compounds listed)\n"), DR_COMPOUNDS_MAX);
}

static int report_compound(struct cli_args *a, const struct config *c);

int cli_cmd_report(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  if (a->supply) /* the supply figures (cli/supply.c) */
    return cli_supply_report(a);
  struct dr *d = calloc(1, sizeof *d);
  struct config *c = malloc(sizeof *c);
  int rc = CLI_FAIL;
  if (!d || !c) {
    free(d), free(c);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  if (cli_load_config(a->data, c) != CLI_OK)
    goto out;
  if (!strcmp(a->pos[0], "compound")) {
    rc = report_compound(a, c);
    goto out;
  }
  if (!strcmp(a->pos[0], "city")) {
    rc = cli_report_city(a, c);
    goto out;
  }
  int district = !strcmp(a->pos[0], "district");
  if (!district && strcmp(a->pos[0], "community")) {
    fprintf(stderr, _("linli report: report what? 'district' (every community this node holds), "
                    "'community', 'compound CODE' or 'city' (on the city node)\n"));
    rc = CLI_USAGE;
    goto out;
  }
  char date[DOM_DATE_LEN + 1];
  if ((rc = cli_date(c, a->n_pos > 1 ? a->pos[1] : NULL, date, 0)) ||
      (rc = parse_days(a->days, &d->days)) || (rc = cli_zone(c, &d->tz)))
    goto out;
  d->c = c;
  d->date = date;
  if ((d->n = held_scopes(c, a->scope, !district, d->scopes)) < 0) {
    rc = CLI_FAIL;
    goto out;
  }
  if ((rc = dr_gather(d)))
    goto out;
  if (a->json)
    report_json(d);
  else
    report_text(d, district);
  rc = CLI_OK;
out:
  dr_free(d);
  free(d);
  free(c);
  return rc;
}

/* ---- linli report compound CODE: its history ---- */

struct hist_ev {
  uint64_t hlc;
  char what[16];   /* declared, approved, rejected */
  char date[DOM_DATE_LEN + 1];
  char reason[340];
};

struct ch {
  const struct config *c;
  const char *scope, *code, *date, *district;
  struct dom_cstate st;
  int found;
  struct hist_ev ev[64];
  int nev, cut;
  int cur;        /* the event being filled: ops come field by field */
  uint64_t cur_hlc;
  int is_approval;
  /* the rule, day by day from the first approval on */
  struct {
    char date[DOM_DATE_LEN + 1];
    int eligible;
    char reason[320];
  } flips[64];
  int nflips;
};

static int on_hist_line(void *arg, const struct dom_change_line *l)
{
  struct ch *h = arg;
  if (l->what != DOM_H_SET)
    return 0;
  if (h->cur < 0 || h->cur_hlc != l->hlc) {
    if (h->nev == (int)(sizeof h->ev / sizeof h->ev[0])) {
      h->cut = 1;
      return 0;
    }
    h->cur = h->nev++;
    h->cur_hlc = l->hlc;
    memset(&h->ev[h->cur], 0, sizeof h->ev[0]);
    h->ev[h->cur].hlc = l->hlc;
    snprintf(h->ev[h->cur].what, sizeof h->ev[0].what, "%s", h->is_approval ? "decided" : "declared");
  }
  struct hist_ev *e = &h->ev[h->cur];
  if (!strcmp(l->field, "status"))
    snprintf(e->what, sizeof e->what, "%s", l->new_value);
  else if (!strcmp(l->field, "date"))
    snprintf(e->date, sizeof e->date, "%s", l->new_value);
  else if (!strcmp(l->field, "reason"))
    snprintf(e->reason, sizeof e->reason, "%s", l->new_value);
  return 0;
}

static int ev_cmp(const void *a, const void *b)
{
  uint64_t x = ((const struct hist_ev *)a)->hlc, y = ((const struct hist_ev *)b)->hlc;
  return x < y ? -1 : x > y;
}

static int read_compound(struct ch *h, struct store_read *rd, const struct crdt_view *v)
{
  int rc = dom_compound_state(v, rd, h->district, h->scope, h->code, h->date, &h->st);
  if (rc == LINLI_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  h->found = 1;
  h->cur = -1, h->is_approval = 0;
  if ((rc = dom_history(rd, h->scope, DOM_DECLARATION, h->code, on_hist_line, h)))
    return rc;
  if (h->district) {
    char key[CRDT_KEY_MAX + 1];
    if (flow_approval_key(key, sizeof key, h->scope, h->code) > 0) {
      h->cur = -1, h->is_approval = 1;
      if ((rc = dom_history(rd, h->district, DOM_APPROVAL, key, on_hist_line, h)))
        return rc;
    }
  }
  qsort(h->ev, (size_t)h->nev, sizeof h->ev[0], ev_cmp); /* declarations and decisions, in turn */
  /* withdrawals: each day the rule changes, from the first approval to D */
  int64_t from = -1, to;
  dom_date_days(h->date, DOM_DATE_LEN, &to);
  for (int i = 0; i < h->nev; i++) {
    int64_t d;
    if (!strcmp(h->ev[i].what, "approved") && h->ev[i].date[0] &&
        dom_date_days(h->ev[i].date, DOM_DATE_LEN, &d) == 0 && (from < 0 || d < from))
      from = d;
  }
  if (from < 0 || to - from > 366)
    from = from < 0 ? to + 1 : to - 366;
  int last = -1;
  for (int64_t d = from; d <= to; d++) {
    char date[DOM_DATE_LEN + 1];
    struct rules_verdict ver;
    dom_days_date(d, date);
    if ((rc = rules_compound(v, h->scope, h->code, date, &ver)))
      return rc;
    if (ver.eligible != last && h->nflips < (int)(sizeof h->flips / sizeof h->flips[0])) {
      memcpy(h->flips[h->nflips].date, date, sizeof date);
      h->flips[h->nflips].eligible = ver.eligible;
      snprintf(h->flips[h->nflips].reason, sizeof h->flips[0].reason, "%s", ver.reason);
      h->nflips++;
    }
    last = ver.eligible;
  }
  return 0;
}

static int read_compound_at(struct store *s, struct ch *h)
{
  struct store_read *rd;
  int rc = store_read_begin(s, &rd);
  if (rc)
    return rc;
  struct crdt_view v = store_read_view(rd);
  rc = read_compound(h, rd, &v);
  store_read_end(rd);
  return rc;
}

static const char *what_said(const char *what)
{
  return !strcmp(what, "declared")   ? _("declared")
         : !strcmp(what, "approved") ? _("approved")
         : !strcmp(what, "rejected") ? _("rejected")
                                     : what;
}

static int report_compound(struct cli_args *a, const struct config *c)
{
  char date[DOM_DATE_LEN + 1];
  const char *scopes[CONFIG_SCOPES_MAX];
  struct dom_tz tz;
  int rc;
  if (a->n_pos < 2) {
    fprintf(stderr, _("linli report compound: which compound? linli report --data DIR compound CODE "
                    "[YYYY-MM-DD] [--scope S]\n"));
    return CLI_USAGE;
  }
  const char *why = dom_key_problem(a->pos[1], strlen(a->pos[1]));
  if (why) {
    fprintf(stderr, _("linli report compound: CODE is a compound code, e.g. SH-C01; this one %s\n"), why);
    return CLI_USAGE;
  }
  if ((rc = cli_date(c, a->n_pos > 2 ? a->pos[2] : NULL, date, 0)) || (rc = cli_zone(c, &tz)))
    return rc;
  int n = held_scopes(c, a->scope, 0, scopes);
  if (n < 0)
    return CLI_FAIL;
  struct ch *h = calloc(1, sizeof *h);
  if (!h)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  struct store *s;
  struct store_config sc = {c->data, 0, 0, 0, 1};
  if ((rc = store_open(&s, &sc))) {
    free(h);
    return cli_fail("cannot read the store in %s: %s", c->data, cli_err(rc));
  }
  for (int i = 0; i < n && !h->found && !rc; i++) {
    memset(h, 0, sizeof *h);
    *h = (struct ch){.c = c, .scope = scopes[i], .code = a->pos[1], .date = date,
                     .district = c->trust ? c->district : NULL, .cur = -1};
    rc = read_compound_at(s, h);
  }
  store_close(s);
  if (rc) {
    free(h);
    return cli_fail("cannot read the records: %s", cli_err(rc));
  }
  if (!h->found) {
    free(h);
    return cli_fail("no community this node holds has registered compound %s", a->pos[1]);
  }
  if (a->json) {
    printf("{\"date\":\"%s\",\"state\":", date);
    json_cstate(&h->st);
    printf(",\"history\":[");
    int k = 0;
    for (int i = 0; i < h->nev; i++, k++) {
      char t[20];
      local_time(&tz, CRDT_HLC_MS(h->ev[i].hlc), t);
      printf("%s{\"at\":\"%s\",\"event\":\"%s\",\"date\":\"%s\",", k ? "," : "", t, h->ev[i].what,
             h->ev[i].date);
      jstr("reason", h->ev[i].reason, 0);
      printf("}");
    }
    for (int i = 0; i < h->nflips; i++) {
      if (i == 0 && h->flips[i].eligible)
        continue; /* it held when first approved: no change */
      printf("%s{\"at\":\"\",\"event\":\"%s\",\"date\":\"%s\",", k++ ? "," : "",
             h->flips[i].eligible ? "rule_holds" : "rule_fails", h->flips[i].date);
      jstr("reason", h->flips[i].reason, 0);
      printf("}");
    }
    printf("]}\n");
    free(h);
    return CLI_OK;
  }
  printf(_("Compound %s %s (community %s) · %s: %s"), h->st.compound, h->st.name, h->st.community,
         date, cli_tx(dom_state_words[h->st.state]));
  const char *w = dom_cstate_why(&h->st);
  printf("%s%s\n\n", w[0] ? " — " : "", w);
  col(_("RECORDED"), 16, 0), col(_("EVENT"), 10, 0), col(_("DATE"), 10, 0);
  printf("%s\n", _("NOTE"));
  for (int i = 0; i < h->nev; i++) {
    char t[20];
    local_time(&tz, CRDT_HLC_MS(h->ev[i].hlc), t);
    col(t, 16, 0), col(what_said(h->ev[i].what), 10, 0), col(h->ev[i].date, 10, 0);
    printf("%s\n", h->ev[i].reason);
  }
  for (int i = 0; i < h->nflips; i++) {
    if (i == 0 && h->flips[i].eligible)
      continue;
    col(_("(by the rule)"), 16, 0), col(h->flips[i].eligible ? _("restored") : _("withdrawn"), 10, 0);
    col(h->flips[i].date, 10, 0);
    printf("%s\n", h->flips[i].reason);
  }
  if (!h->nev)
    printf("%s", _("(no declaration or decision yet)\n"));
  if (h->cut)
    printf("%s", _("(only the first 64 listed)\n"));
  free(h);
  return CLI_OK;
}

/* ---- linli approvals [--pending], linli certifications ---- */

struct ap {
  const struct config *c;
  int json, pending_only, certs_only, n, counts[DOM_ST_N];
};

static int on_ap(void *arg, const struct dom_cstate *c)
{
  struct ap *p = arg;
  if (p->pending_only ? c->state != DOM_ST_PENDING : !c->declared[0] && !c->decision)
    return 0;
  if (p->certs_only && !c->decision)
    return 0;
  p->counts[c->state]++;
  if (p->json) {
    printf("%s\n", p->n ? "," : "");
    json_cstate(c);
  } else {
    if (!p->n) {
      col(_("COMMUNITY"), 12, 0), col(_("COMPOUND"), 12, 0), col(_("NAME"), 14, 0);
      col(_("DECLARED"), 10, 0), col(_("DECIDED"), 10, 0), col(_("STATE"), 12, 0);
      printf("%s\n", _("REASON (this node's check)"));
    }
    col(c->community, 12, 0), col(c->compound, 12, 0), col(c->name[0] ? c->name : "—", 14, 0);
    col(c->declared[0] ? c->declared : "—", 10, 0), col(c->decided[0] ? c->decided : "—", 10, 0);
    col(cli_tx(dom_state_words[c->state]), 12, 0);
    const char *why = dom_cstate_why(c);
    printf("%s\n", why[0] || c->state != DOM_ST_PENDING ? why : c->verdict.reason);
  }
  p->n++;
  return 0;
}

struct ap_read {
  struct ap *p;
  const char *date;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
};

static int read_ap(void *arg, struct store_read *rd, const struct crdt_view *v)
{
  struct ap_read *r = arg;
  struct dom_community_state cs;
  for (int i = 0; i < r->n; i++) { /* with rd: each record as it stood on the date */
    int rc = dom_compound_states(v, rd, r->p->c->district, r->scopes[i], r->date, &cs, on_ap, r->p);
    if (rc)
      return rc;
  }
  return 0;
}

static int approvals(const struct cli_cmd *cmd, struct cli_args *a, int certs_only)
{
  (void)cmd;
  char date[DOM_DATE_LEN + 1];
  struct config *c = malloc(sizeof *c);
  struct ap_read *r = calloc(1, sizeof *r);
  struct ap p = {0};
  int rc = CLI_FAIL;
  if (!c || !r) {
    free(c), free(r);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  if ((rc = cli_load_config(a->data, c)) || (rc = cli_date(c, a->date, date, 0)))
    goto out;
  if (!c->trust) {
    rc = cli_fail("trust is off in %s/linlid.conf (no hub and district lines): there are no "
                  "declarations to decide", a->data);
    goto out;
  }
  p = (struct ap){c, a->json, a->pending, certs_only, 0, {0}};
  r->p = &p;
  r->date = date;
  if ((r->n = held_scopes(c, a->scope, 0, r->scopes)) < 0) {
    rc = CLI_FAIL;
    goto out;
  }
  if (a->json)
    printf("{\"date\":\"%s\",\"compounds\":[", date);
  rc = cli_read_rows_rd(a->data, read_ap, r);
  if (rc == CLI_FAIL)
    goto out;
  if (rc < 0) {
    rc = cli_fail("cannot read the records: %s", cli_err(rc));
    goto out;
  }
  if (a->json) {
    printf("],\"states\":");
    json_states(p.counts);
    printf("}\n");
  } else if (!p.n) {
    printf("%s\n", certs_only ? _("the district has decided on no compound yet (linli declare, "
                                 "then linli approve)")
                   : p.pending_only ? _("no declaration is waiting for a decision")
                                    : _("no declaration yet (linli declare)"));
  } else {
    printf(_("%s: %d in all: "), date, p.n);
    int first = 1;
    for (int s = 0; s < DOM_ST_N; s++)
      if (p.counts[s])
        printf("%s%s %d", first ? "" : " · ", cli_tx(dom_state_words[s]), p.counts[s]), first = 0;
    printf("\n");
  }
  rc = CLI_OK;
out:
  free(c);
  free(r);
  return rc;
}

int cli_cmd_approvals(const struct cli_cmd *cmd, struct cli_args *a)
{
  return approvals(cmd, a, 0);
}

int cli_cmd_certifications(const struct cli_cmd *cmd, struct cli_args *a)
{
  return approvals(cmd, a, 1);
}
