/* The district page (a hub's, or any node's view of the communities it
 * holds): per-community figures from report_district (the CLI's report
 * code), the state of every compound, the 30-day chart of the epidemic-free
 * share, and the approvals queue with approve and reject. Contract:
 * web_int.h.
 *
 * A compound's state on the date D, from the records as this node holds
 * them (the vocabulary of docs/domain.md):
 *   certified     the hub approved it (on or before D) and the rule holds on D
 *   withdrawn     approved, but the rule no longer holds (with the reason)
 *   pending       declared (on or before D) and not decided since
 *   rejected      the hub rejected the declaration (with its reason)
 *   eligible      the rule holds, and it is not declared
 *   not eligible  the rule does not hold (with the reasons)
 * A declaration written after the decision makes the compound pending again.
 * The states are the domain's (dom_compound_states, states.c): the CLI
 * prints the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

_Static_assert((int)WS_N == (int)DOM_ST_N && (int)WS_PENDING == (int)DOM_ST_PENDING, "the web console names the domain's states");

#define WD_DAYS 30
#define WD_COMPOUNDS_MAX 4096

struct wd_compound {
  const char *scope; /* one of the page's scopes */
  char code[CRDT_KEY_MAX + 1];
  char name[DOM_TEXT_MAX + 1];
  int state;
  char reason[320];
  char declared[DOM_DATE_LEN + 1]; /* "" if not declared (on or before D) */
  char forced[320];                /* declared over measures without evidence: why, or "" */
  int approval;                    /* 0 none, 1 approved, 2 rejected (on or before D) */
  char decided[DOM_DATE_LEN + 1], decided_on[DOM_DATE_LEN + 1]; /* decision; declaration it decided */
  char hub_reason[320];
  int eligible;                    /* on D */
  uint32_t elig_days, cert_days;   /* bit i: eligible / certified on D - 29 + i */
};

struct wd {
  struct web_req *r;
  const char *date;
  int64_t day;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
  struct report_row rows[CONFIG_SCOPES_MAX];
  struct report_window day1[CONFIG_SCOPES_MAX], week[CONFIG_SCOPES_MAX];
  struct report_totals tot;
  struct report_window wtot;
  struct wd_compound *c;
  int nc;
  const struct crdt_view *v;
  const char *cur_scope;
  int counts[WS_N];
  int certified_by_scope[CONFIG_SCOPES_MAX];
  struct dom_community_state cstate[CONFIG_SCOPES_MAX];
  int communities_free; /* every compound certified, none of the three categories open */
  /* an error of the decide form, shown in its row */
  const char *err_scope, *err_compound, *err_field, *err_msg;
};

const char *web_state_key(int s)
{
  return dom_state_key(s);
}

const char *web_state_name(struct web_req *r, int s)
{
  return s >= 0 && s < WS_N ? TX(r, dom_state_words[s]) : "?";
}

static struct wd_compound *wd_find(struct wd *d, const char *scope, const char *code)
{
  for (int i = 0; i < d->nc; i++)
    if (!strcmp(d->c[i].scope, scope) && !strcmp(d->c[i].code, code))
      return &d->c[i];
  return NULL;
}

static int wd_on_compound(void *arg, const struct record *r)
{
  struct wd *d = arg;
  if (r->deleted || d->nc == WD_COMPOUNDS_MAX || r->key.len > CRDT_KEY_MAX)
    return 0;
  struct wd_compound *c = &d->c[d->nc++];
  memset(c, 0, sizeof *c);
  c->scope = d->cur_scope;
  memcpy(c->code, r->key.p, r->key.len);
  c->code[r->key.len] = 0;
  if (record_str(r, "name", c->name, sizeof c->name))
    c->name[0] = 0;
  return 0;
}

/* The state on D of a compound of the page (dom_compound_states). */
static int wd_on_state(void *arg, const struct dom_cstate *x)
{
  struct wd *d = arg;
  struct wd_compound *c = wd_find(d, d->cur_scope, x->compound);
  if (!c)
    return 0;
  c->state = x->state;
  c->eligible = x->verdict.eligible;
  snprintf(c->reason, sizeof c->reason, "%s", x->verdict.reason);
  memcpy(c->declared, x->declared, sizeof c->declared);
  c->approval = x->decision;
  memcpy(c->decided, x->decided, sizeof c->decided);
  memcpy(c->decided_on, x->decided_on, sizeof c->decided_on);
  snprintf(c->hub_reason, sizeof c->hub_reason, "%s", x->hub_reason);
  snprintf(c->forced, sizeof c->forced, "%s", x->forced);
  return 0;
}

/* The rule for every compound on each of the 30 days, and the states on D. */
static int wd_states(struct wd *d)
{
  for (int i = 0; i < d->nc; i++) {
    struct wd_compound *c = &d->c[i];
    int64_t decided_day = 0;
    if (c->approval == 1)
      dom_date_days(c->decided, strlen(c->decided), &decided_day);
    for (int k = 0; k < WD_DAYS; k++) {
      char date[DOM_DATE_LEN + 1];
      struct rules_verdict v;
      int64_t day = d->day - (WD_DAYS - 1) + k;
      dom_days_date(day, date);
      int rc = rules_compound(d->v, c->scope, c->code, date, &v);
      if (rc)
        return rc;
      if (v.eligible)
        c->elig_days |= 1u << k;
      if (v.eligible && c->approval == 1 && decided_day <= day)
        c->cert_days |= 1u << k;
    }
    d->counts[c->state]++;
    for (int s = 0; s < d->n; s++)
      if (c->scope == d->scopes[s])
        d->certified_by_scope[s] += c->state == WS_CERTIFIED;
  }
  return 0;
}

static int wd_gather(struct wd *d)
{
  struct web *w = d->r->w;
  struct web_read rd;
  d->n = web_communities(w, d->scopes, CONFIG_SCOPES_MAX);
  int32_t off = dom_tz_day_offset(&w->tz, d->date);
  int rc = report_district(w->o.store, d->scopes, d->n, d->date, REPORT_WINDOW_DAYS, off, d->rows,
                           d->week, &d->tot, &d->wtot);
  for (int i = 0; i < d->n && !rc; i++)
    rc = report_window(w->o.store, d->scopes[i], d->date, 1, off, &d->day1[i]);
  if (rc || (rc = web_read_begin(w, &rd)))
    return rc;
  d->v = &rd.v;
  for (int i = 0; i < d->n && rc >= 0; i++) {
    d->cur_scope = d->scopes[i];
    rc = record_each(d->v, d->scopes[i], domain_name(DOM_COMPOUND), NULL, wd_on_compound, d);
    if (rc >= 0)
      rc = dom_compound_states(d->v, rd.rd, w->cfg->trust ? w->cfg->district : NULL, d->scopes[i], d->date,
                               &d->cstate[i], wd_on_state, d);
    d->communities_free += rc >= 0 && d->cstate[i].epidemic_free;
  }
  if (rc >= 0)
    rc = wd_states(d);
  web_read_end(&rd);
  return rc < 0 ? rc : 0;
}

/* ---- rendering ---- */

static void wd_fig(struct wb *b, const char *id, const char *label, long long v, const char *extra)
{
  wb_printf(b, "<div class=\"fig\">%s<b id=\"%s\">%lld</b>%s</div>", label, id, v, extra ? extra : "");
}

static void wd_headline(struct wd *d)
{
  struct web_req *r = d->r;
  struct wb *b = &r->out;
  char share[64];
  int certified = d->counts[WS_CERTIFIED];
  snprintf(share, sizeof share, "<small id=\"share-certified\">%.1f %%</small>",
           d->tot.compounds ? 100.0 * certified / d->tot.compounds : 0.0);
  wb_put(b, "<div class=\"figs\" id=\"headline\">");
  if (r->w->cfg->trust)
    wd_fig(b, "h-certified", T(r, "Compounds certified", "已认定无疫情小区"), certified, share);
  wd_fig(b, "h-compounds", T(r, "Compounds", "小区总数"), d->tot.compounds, NULL);
  wd_fig(b, "h-eligible", T(r, "Meeting the rule", "符合无疫情条件"), d->tot.eligible, NULL);
  wd_fig(b, "h-communities-free", T(r, "Communities epidemic-free", "无疫情社区"), d->communities_free,
         NULL);
  wd_fig(b, "h-residents", T(r, "Residents", "居民"), d->tot.residents, NULL);
  wd_fig(b, "h-open-confirmed", T(r, "Open confirmed", "现有确诊"), d->tot.open_confirmed, NULL);
  wd_fig(b, "h-open-three", T(r, "Open suspected, fever, contact", "现有疑似、发热、密接"),
         d->tot.open_three, NULL);
  wb_put(b, "</div><p id=\"states\">");
  for (int s = 0; s < WS_N; s++)
    if (r->w->cfg->trust || s == WS_ELIGIBLE || s == WS_NOT_ELIGIBLE)
      wb_printf(b, "<span class=\"s-%s\">%s <b id=\"n-%s\">%d</b></span>%s", web_state_key(s),
                web_state_name(r, s), web_state_key(s), d->counts[s], s + 1 < WS_N ? " · " : "");
  char stale[20];
  web_local_time(r, d->tot.oldest_newest_ms, stale);
  int heard = 0; /* an op stamped within the 7 days ending on D */
  for (int i = 0; i < d->n; i++)
    heard += d->week[i].ops_read > 0;
  wb_printf(b, "</p><p class=\"mut\" id=\"completeness\">%s <b id=\"heard\">%d</b> / <b>%d</b>; %s %s</p>",
            T(r, "Completeness: communities heard from in the last 7 days", "完整性：近 7 日有数据的社区"), heard,
            d->tot.communities, T(r, "freshness: the stalest community's newest record is from",
                                  "时效性：最久未更新社区的最新记录时间"), stale);
}

static void wd_rows(struct wd *d)
{
  struct web_req *r = d->r;
  struct wb *b = &r->out;
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"communities\"><tr><th>%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th>%s<th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th>%s</th></tr>",
            T(r, "Communities", "各社区"), T(r, "Community", "社区"), T(r, "Households", "户数"),
            T(r, "Residents", "居民"), T(r, "Compounds", "小区"), T(r, "Meeting the rule", "符合条件"),
            r->w->cfg->trust ? T(r, "<th class=\"n\">Certified</th>", "<th class=\"n\">已认定</th>") : "",
            T(r, "Confirmed", "确诊"), T(r, "Suspected", "疑似"), T(r, "Fever", "发热"),
            T(r, "Contacts", "密接"), T(r, "Checks today / 7 d", "今日/7日体温检测"),
            T(r, "Fevers today / 7 d", "今日/7日发热"), T(r, "Hand-outs today / 7 d", "今日/7日发放"),
            T(r, "Newest record", "最新记录"));
  for (int i = 0; i < d->n; i++) {
    const struct report_row *x = &d->rows[i];
    const struct report_window *a = &d->day1[i], *k = &d->week[i];
    char fresh[20];
    web_local_time(r, x->newest_ms, fresh);
    wb_printf(b, "<tr id=\"row-%s\"><td><a href=\"/community?c=", x->scope);
    wb_url(b, x->scope);
    wb_put(b, "\">");
    wb_escs(b, x->scope);
    wb_printf(b, "</a></td><td class=\"n\" data-k=\"households\">%d</td><td class=\"n\" "
                 "data-k=\"residents\">%d</td><td class=\"n\" data-k=\"compounds\">%d</td>"
                 "<td class=\"n\" data-k=\"epidemic_free\">%d</td>",
              x->households, x->residents, x->compounds, x->eligible);
    if (r->w->cfg->trust)
      wb_printf(b, "<td class=\"n\" data-k=\"certified\">%d</td>", d->certified_by_scope[i]);
    wb_printf(b, "<td class=\"n\" data-k=\"confirmed\">%d</td><td class=\"n\" data-k=\"suspected\">%d</td>"
                 "<td class=\"n\" data-k=\"fever\">%d</td><td class=\"n\" data-k=\"close_contact\">%d</td>"
                 "<td class=\"n\" data-k=\"checks\">%llu / %llu</td><td class=\"n\" data-k=\"fevers\">%llu / %llu</td>"
                 "<td class=\"n\" data-k=\"handouts\">%llu / %llu</td><td data-k=\"newest\">%s</td></tr>",
              x->open_confirmed, x->open_suspected, x->open_fever, x->open_contact,
              (unsigned long long)a->health_checks, (unsigned long long)k->health_checks,
              (unsigned long long)a->fevers, (unsigned long long)k->fevers,
              (unsigned long long)(a->relief + a->group + a->proxy),
              (unsigned long long)(k->relief + k->group + k->proxy), x->ops ? fresh : T(r, "nothing yet", "尚无"));
  }
  wb_put(b, "</table></div>");
}

/* One series of the chart: 30 points, one per day (share in percent). */
static void wd_series(struct wb *b, const char *id, const char *colour, const int *num,
                      const int *den, int dashed, const char *label, const char *const *dates)
{
  const int x0 = 44, y0 = 20, wdt = 540, hgt = 170;
  wb_printf(b, "<g id=\"%s\"><polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", id,
            colour, dashed ? " stroke-dasharray=\"5 4\"" : "");
  for (int k = 0; k < WD_DAYS; k++) {
    double s = den[k] ? (double)num[k] / den[k] : 0;
    wb_printf(b, "%s%d,%d", k ? " " : "", x0 + k * wdt / (WD_DAYS - 1), y0 + hgt - (int)(s * hgt + 0.5));
  }
  wb_put(b, "\"/>");
  for (int k = 0; k < WD_DAYS; k++) {
    double s = den[k] ? 100.0 * num[k] / den[k] : 0;
    wb_printf(b, "<circle class=\"pt\" data-date=\"%s\" data-share=\"%.1f\" cx=\"%d\" cy=\"%d\" r=\"3\" "
                 "fill=\"%s\"><title>%s %s: %.1f %% (%d/%d)</title></circle>",
              dates[k], s, x0 + k * wdt / (WD_DAYS - 1), y0 + hgt - (int)(s / 100 * hgt + 0.5), colour,
              label, dates[k], s, num[k], den[k]);
  }
  wb_put(b, "</g>");
}

static void wd_chart(struct wd *d)
{
  struct web_req *r = d->r;
  struct wb *b = &r->out;
  int cert[WD_DAYS] = {0}, elig[WD_DAYS] = {0}, comp[WD_DAYS] = {0}, cfree[WD_DAYS] = {0},
      ncomm[WD_DAYS] = {0};
  char dates[WD_DAYS][DOM_DATE_LEN + 1];
  const char *dp[WD_DAYS];
  for (int k = 0; k < WD_DAYS; k++) {
    dom_days_date(d->day - (WD_DAYS - 1) + k, dates[k]);
    dp[k] = dates[k];
    for (int s = 0; s < d->n; s++) {
      int all = 0, free_ = 0;
      for (int i = 0; i < d->nc; i++) {
        const struct wd_compound *c = &d->c[i];
        if (c->scope != d->scopes[s])
          continue;
        all++;
        free_ += (c->elig_days >> k) & 1;
        comp[k]++;
        elig[k] += (c->elig_days >> k) & 1;
        cert[k] += (c->cert_days >> k) & 1;
      }
      ncomm[k] += d->rows[s].ops > 0;
      cfree[k] += all > 0 && free_ == all && d->rows[s].ops > 0;
    }
  }
  wb_printf(b, "<h2>%s</h2><svg class=\"chart\" id=\"chart\" viewBox=\"0 0 600 230\" "
               "role=\"img\" aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">",
            T(r, "Epidemic-free share, last 30 days", "近 30 天无疫情比例"),
            T(r, "Epidemic-free share of compounds and communities over the last 30 days",
              "近 30 天无疫情小区和社区的比例"));
  for (int p = 0; p <= 100; p += 25) {
    int y = 20 + 170 - p * 170 / 100;
    wb_printf(b, "<line x1=\"44\" y1=\"%d\" x2=\"584\" y2=\"%d\" stroke=\"#d8dce2\"/>"
                 "<text x=\"38\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#59616b\">%d%%</text>",
              y, y, y + 4, p);
  }
  wb_printf(b, "<text x=\"44\" y=\"208\" font-size=\"11\" fill=\"#59616b\">%s</text>"
               "<text x=\"584\" y=\"208\" font-size=\"11\" text-anchor=\"end\" fill=\"#59616b\">%s</text>",
            dates[0], dates[WD_DAYS - 1]);
  if (r->w->cfg->trust)
    wd_series(b, "series-certified", "#1d6f31", cert, comp, 0, T(r, "compounds certified", "已认定小区"), dp);
  wd_series(b, "series-compounds", "#2a5d9a", elig, comp, r->w->cfg->trust,
            T(r, "compounds meeting the rule", "符合条件小区"), dp);
  wd_series(b, "series-communities", "#a3221b", cfree, ncomm, 1,
            T(r, "communities, every compound meeting the rule", "所有小区均符合条件的社区"), dp);
  wb_printf(b, "<text x=\"44\" y=\"226\" font-size=\"11\" fill=\"#1d6f31\">%s</text>"
               "<text x=\"230\" y=\"226\" font-size=\"11\" fill=\"#2a5d9a\">%s</text>"
               "<text x=\"400\" y=\"226\" font-size=\"11\" fill=\"#a3221b\">%s</text></svg>",
            r->w->cfg->trust ? T(r, "— certified compounds", "— 已认定小区") : "",
            T(r, "- - compounds meeting the rule", "- - 符合条件小区"),
            T(r, "- - communities", "- - 无疫情社区"));
}

static void wd_queue(struct wd *d)
{
  struct web_req *r = d->r;
  struct wb *b = &r->out;
  int can = r->w->hub && r->who.role >= WEB_APPROVER;
  wb_printf(b, "<h2 id=\"queue\">%s</h2>", T(r, "Declarations waiting for approval", "待审批的申报"));
  if (!d->counts[WS_PENDING]) {
    wb_printf(b, "<p id=\"queue-empty\">%s</p>", T(r, "None.", "暂无。"));
    return;
  }
  if (!r->w->hub)
    wb_printf(b, "<p class=\"mut\">%s</p>", T(r, "Only the district hub approves or rejects.",
                                             "只有区级枢纽节点可以审批。"));
  wb_put(b, "<div class=\"scroll\"><table id=\"approvals\">");
  for (int i = 0; i < d->nc; i++) {
    const struct wd_compound *c = &d->c[i];
    if (c->state != WS_PENDING)
      continue;
    int err_here = d->err_msg && !strcmp(d->err_scope, c->scope) && !strcmp(d->err_compound, c->code);
    wb_printf(b, "<tr id=\"q-%s-%s\"><td>", c->scope, c->code);
    wb_escs(b, c->scope);
    wb_put(b, " / <b>");
    wb_escs(b, c->code);
    wb_put(b, "</b> ");
    wb_escs(b, c->name);
    wb_printf(b, "<br><small>%s %s · %s: <span class=\"%s\">", T(r, "declared", "申报于"), c->declared,
              T(r, "in this node's view", "本节点核查"), c->eligible ? "s-eligible" : "s-not_eligible");
    wb_escs(b, c->reason);
    wb_put(b, "</span></small>");
    if (c->forced[0]) { /* linli declare --force: the community's reason */
      wb_printf(b, "<br><small class=\"err forced\">%s ",
                T(r, "Declared over measures without evidence; the community's reason:",
                  "部分措施缺少记录佐证仍申报，社区的理由："));
      wb_escs(b, c->forced);
      wb_put(b, "</small>");
    }
    wb_put(b, "</td><td>");
    if (can) {
      wb_put(b, "<form method=\"post\" action=\"/district/decide\" class=\"inline\">");
      web_csrf_field(r);
      wb_put(b, "<input type=\"hidden\" name=\"community\" value=\"");
      wb_escs(b, c->scope);
      wb_put(b, "\"><input type=\"hidden\" name=\"compound\" value=\"");
      wb_escs(b, c->code);
      wb_printf(b, "\"><button type=\"submit\" name=\"action\" value=\"approve\" class=\"approve\">%s"
                   "</button><span class=\"%s\"><input name=\"reason\" maxlength=\"300\" placeholder=\"%s\">",
                T(r, "Approve", "批准"), err_here ? "bad" : "", T(r, "reason to reject", "驳回理由"));
      if (err_here) {
        wb_put(b, "<span class=\"field-error\">");
        wb_escs(b, d->err_msg);
        wb_put(b, "</span>");
      }
      wb_printf(b, "</span><button type=\"submit\" name=\"action\" value=\"reject\" class=\"sec reject\">%s"
                   "</button></form>",
                T(r, "Reject", "驳回"));
    }
    wb_put(b, "</td></tr>");
  }
  wb_put(b, "</table></div>");
}

static void wd_compounds(struct wd *d)
{
  struct web_req *r = d->r;
  struct wb *b = &r->out;
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"compounds\"><tr><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th></tr>",
            T(r, "Compounds", "各小区"), T(r, "Community", "社区"), T(r, "Compound", "小区"),
            T(r, "Name", "名称"), T(r, "State", "状态"), T(r, "Reason", "原因"));
  for (int i = 0; i < d->nc; i++) {
    const struct wd_compound *c = &d->c[i];
    const char *why = c->state == WS_REJECTED ? c->hub_reason
                      : c->state == WS_CERTIFIED || c->state == WS_ELIGIBLE ? "" : c->reason;
    wb_put(b, "<tr><td>");
    wb_escs(b, c->scope);
    wb_put(b, "</td><td>");
    wb_escs(b, c->code);
    wb_put(b, "</td><td>");
    wb_escs(b, c->name);
    wb_printf(b, "</td><td class=\"s-%s\" data-state=\"%s\">%s</td><td>", web_state_key(c->state),
              web_state_key(c->state), web_state_name(r, c->state));
    wb_escs(b, why);
    wb_put(b, "</td></tr>");
  }
  wb_put(b, "</table></div>");
}

/* The date asked (?date=, not after today), or today. */
static const char *wd_date(struct web_req *r, char out[DOM_DATE_LEN + 1])
{
  const char *q = web_arg(r, "date");
  int64_t d, t;
  dom_date_days(r->today, DOM_DATE_LEN, &t);
  if (q && strlen(q) == DOM_DATE_LEN && dom_date_days(q, DOM_DATE_LEN, &d) == 0 && d <= t) {
    memcpy(out, q, DOM_DATE_LEN + 1);
    return out;
  }
  return r->today;
}

static int wd_page(struct web_req *r, const char *date, const char *e_scope, const char *e_compound,
                   const char *e_msg)
{
  struct wd *d = calloc(1, sizeof *d);
  if (!d || !(d->c = calloc(WD_COMPOUNDS_MAX, sizeof *d->c))) {
    free(d);
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  }
  d->r = r;
  d->date = date;
  dom_date_days(date, DOM_DATE_LEN, &d->day);
  d->err_scope = e_scope, d->err_compound = e_compound, d->err_msg = e_msg;
  int rc = wd_gather(d);
  if (rc) {
    free(d->c);
    free(d);
    web_log(r->w, "http district page not made: %s", linli_strerror(rc));
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  char title[160];
  snprintf(title, sizeof title, "%s %s · %s", T(r, "District", "全区"),
           r->w->cfg->trust ? r->w->cfg->district : "", date);
  web_head(r, title);
  struct wb *b = &r->out;
  wb_printf(b, "<form method=\"get\" action=\"/district\" class=\"inline noprint\"><label>%s "
               "<input type=\"date\" name=\"date\" value=\"%s\" max=\"%s\"></label><button "
               "type=\"submit\" class=\"sec\">%s</button></form><p class=\"mut\">%s</p>",
            T(r, "Date", "日期"), date, r->today, T(r, "Show", "查看"),
            T(r, "Figures as this node holds them, counted at the end of the day in the district's "
                 "time zone.",
              "以下数字为本节点所持数据，按本区时间截至当日结束统计。"));
  wd_headline(d);
  wd_rows(d);
  wd_chart(d);
  wd_queue(d);
  wd_compounds(d);
  if (r->w->cfg->has_city) /* a hub of a city: the city's figures are not read here */
    wb_printf(b, "<p class=\"mut\" id=\"city-note\">%s</p>",
              T(r, "This page shows one district; the city's figures, per district, are on the "
                   "city node's page.",
                "本页只显示一个区；全市各区的数字见市级节点的页面。"));
  web_foot(r);
  free(d->c);
  free(d);
  return 200;
}

int web_page_district(struct web_req *r)
{
  char date[DOM_DATE_LEN + 1];
  if (web_is_city(r->w)) /* it holds no community's records, only the hubs' summaries */
    return web_page_city(r, wd_date(r, date));
  return wd_page(r, wd_date(r, date), NULL, NULL, NULL);
}

/* ---- approve / reject: what linli approve and linli reject check ---- */

struct wd_look {
  const char *scope, *compound, *date;
  struct flow_look f;
};

int web_page_decide(struct web_req *r)
{
  struct web *w = r->w;
  const char *community = web_param(r, "community", CRDT_SCOPE_MAX);
  const char *compound = web_param(r, "compound", DOM_KEY_MAX);
  const char *action = web_param(r, "action", 16), *reason = web_param(r, "reason", 300);
  char key[CRDT_KEY_MAX + 1], msg[DOM_MSG_MAX + 64];
  if (!community || !compound || !action || (strcmp(action, "approve") && strcmp(action, "reject")) ||
      flow_approval_key(key, sizeof key, community, compound) < 0)
    return web_fail_page(r, 400, "The decision form is incomplete.", "审批表单不完整。");
  int approve = action[0] == 'a';
  if (!w->hub)
    return web_fail_page(r, 403, "Only the district hub approves or rejects declarations.",
                         "只有区级枢纽节点可以审批申报。");
  if (!web_holds(w, community))
    return web_fail_page(r, 400, "This hub does not hold that community's records.",
                         "本节点没有该社区的数据。");
  if (reason && !reason[0])
    reason = NULL;
  if (!approve && !reason)
    return wd_page(r, r->today, community, compound,
                   T(r, "A rejection needs a reason (1 to 300 characters, no personal data).",
                     "驳回须填写理由（1 至 300 字，不含个人信息）。"));
  struct web_read rd;
  struct flow_look f;
  int rc = web_read_begin(w, &rd);
  if (!rc) {
    rc = flow_look(&rd.v, community, compound, r->today, &f);
    web_read_end(&rd);
  }
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  if (!f.declared)
    return wd_page(r, r->today, community, compound,
                   T(r, "This compound has not been declared (or the declaration has not arrived yet).",
                     "该小区尚未申报（或申报尚未同步到本节点）。"));
  if (approve && !f.verdict.eligible) {
    snprintf(msg, sizeof msg, "%s %s", T(r, "Not approved: in the hub's view,", "不能批准：本节点核查结果为"),
             f.verdict.reason);
    return wd_page(r, r->today, community, compound, msg);
  }
  char a[6][CRDT_KEY_MAX + 340];
  const char *args[6];
  snprintf(a[0], sizeof a[0], "community=%s", community);
  snprintf(a[1], sizeof a[1], "compound=%s", compound);
  snprintf(a[2], sizeof a[2], "date=%s", r->today);
  snprintf(a[3], sizeof a[3], "reason=%s", reason ? reason : f.verdict.reason);
  snprintf(a[4], sizeof a[4], "status=%s", approve ? "approved" : "rejected");
  snprintf(a[5], sizeof a[5], "declaration=%s", f.declared_on);
  for (int i = 0; i < 6; i++)
    args[i] = a[i];
  struct dom_req q = {.coll = DOM_APPROVAL, .verb = DOM_V_SET, .key = key, .args = args,
                      .n_args = f.declared_on[0] ? 6 : 5, .home = w->cfg->scopes[0],
                      .district = w->cfg->district, .today = r->today, .now = r->now};
  struct dom_plan *p = malloc(sizeof *p);
  struct dom_err e = {0, 0, "", ""};
  int stored = 0;
  if (!p)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  if ((rc = web_read_begin(w, &rd)) == 0) {
    rc = dom_plan(&q, &rd.v, p, &e);
    web_read_end(&rd);
  }
  if (rc > 0) {
    free(p);
    return wd_page(r, r->today, community, compound, e.msg);
  }
  if (rc == 0)
    rc = web_ctl_write_plan(w, p, r->who.user, &stored, msg, sizeof msg);
  free(p);
  if (rc) {
    web_log(w, "http %s of %s/%s by %s not stored: %s", action, community, compound, r->who.user,
            linli_errname(rc));
    return wd_page(r, r->today, community, compound, msg[0] ? msg : linli_strerror(rc));
  }
  web_log(w, "http %s %s/%s by account %s: %d op(s)", approve ? "approved" : "rejected", community,
          compound, r->who.user, stored);
  char url[64];
  snprintf(url, sizeof url, "/district?saved=%d#queue", stored);
  web_redirect(r, url);
  return 303;
}
