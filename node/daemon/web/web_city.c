/* The city page: /district on a city node (issue 19). The city node holds
 * the city scope and its districts' scopes, never a community's records, so
 * the district page's figures (report_district over communities' records)
 * have nothing to read there. What it holds are the hubs' daily summaries,
 * and this page shows them per district and per community as `linli
 * report --data CITY city` does: the reading and the sums are
 * dom_city_read's (node/domain/city.c), called with the same districts,
 * certificate collection and cap as cli/city.c, so the page and the CLI
 * cannot disagree. This file only prints. Contract: web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"
#include "web_int.h"

/* As many communities as linli report city keeps (cli/city.c). */
#define WC_COMMUNITIES_MAX CONFIG_SCOPES_MAX

int web_is_city(const struct web *w)
{
  const struct config *c = w->cfg;
  return c->trust && c->has_city && !strcmp(c->city, c->district);
}

struct wc {
  struct web_req *r;
  const char *dn[CONFIG_SCOPES_MAX]; /* the districts: the scopes but the city's, as cli/city.c */
  int nd;
  int reporting; /* districts with a summary on or before the date */
  struct dom_city t;
};

/* The share printed as the CLI's --json prints it (one decimal). */
static double wc_pct(int a, int b)
{
  return b ? 100.0 * a / b : 0.0;
}

static void wc_fig(struct wb *b, const char *id, const char *label, long long v, const char *extra)
{
  wb_printf(b, "<div class=\"fig\">%s<b id=\"%s\">%lld</b>%s</div>", label, id, v, extra ? extra : "");
}

static void wc_headline(struct wc *x)
{
  struct web_req *r = x->r;
  struct wb *b = &r->out;
  const struct dom_city_sum *s = &x->t.city;
  char cert[160], comm[160], vill[96];
  snprintf(cert, sizeof cert, "<small>/ <span id=\"c-compounds\">%d</span> · <span "
                              "id=\"c-share-certified\">%.1f</span> %%</small>",
           s->compounds, wc_pct(s->certified, s->compounds));
  snprintf(comm, sizeof comm, "<small>/ <span id=\"c-communities\">%d</span> · <span "
                              "id=\"c-share-free\">%.1f</span> %%</small>",
           s->communities, wc_pct(s->free_, s->communities));
  snprintf(vill, sizeof vill, "<small>/ <span id=\"c-villages\">%d</span></small>", s->villages);
  wb_put(b, "<div class=\"figs\" id=\"headline\">");
  wc_fig(b, "c-certified", T(r, "Compounds certified", "已认定无疫情小区"), s->certified, cert);
  wc_fig(b, "c-free", T(r, "Communities epidemic-free", "无疫情社区"), s->free_, comm);
  wc_fig(b, "c-vfree", T(r, "Villages epidemic-free", "无疫情村"), s->vfree, vill);
  wc_fig(b, "c-households", T(r, "Households", "户数"), s->households, NULL);
  wc_fig(b, "c-residents", T(r, "Residents", "居民"), s->residents, NULL);
  wc_fig(b, "c-open-confirmed", T(r, "Open confirmed", "现有确诊"), s->open_confirmed, NULL);
  wc_fig(b, "c-open-three", T(r, "Open suspected, fever, contact", "现有疑似、发热、密接"),
         s->open_three, NULL);
  wb_put(b, "</div>");
}

/* Completeness and freshness in words: who has no summary for the date. */
static void wc_words(struct wc *x)
{
  struct web_req *r = x->r;
  struct wb *b = &r->out;
  const struct dom_city *t = &x->t;
  wb_printf(b, "<p id=\"completeness\">%s <b id=\"c-districts-reporting\">%d</b> / "
               "<b id=\"c-districts\">%d</b>%s%s <b id=\"c-fresh\">%d</b> / <b>%d</b>%s",
            T(r, "Completeness: districts with a summary", "完整性：有汇总的区"), x->reporting, x->nd,
            T(r, "; ", "；"), T(r, "communities with a summary for the date", "当日有汇总的社区"),
            t->city.fresh, t->city.communities, T(r, ".", "。"));
  for (int i = 0; i < x->nd; i++)
    if (!t->ds[i].reporting) {
      wb_put(b, " <span class=\"err\" data-district-silent=\"");
      wb_escs(b, x->dn[i]);
      wb_printf(b, "\">%s", T(r, "No summary at all from district ", ""));
      wb_escs(b, x->dn[i]);
      wb_put(b, T(r, ".", " 区尚无任何汇总。"));
      wb_put(b, "</span>");
    }
  wb_put(b, "</p><p id=\"silent\">");
  int k = 0;
  for (int j = 0; j < t->n; j++) {
    const struct dom_city_comm *m = &t->cm[j];
    if (!strcmp(m->last, t->date))
      continue;
    if (!k++)
      wb_printf(b, "<b>%s%s%s</b> ", T(r, "No summary for ", ""), t->date,
                T(r, ":", " 无汇总的社区："));
    else
      wb_put(b, T(r, "; ", "；"));
    wb_put(b, "<span class=\"silent\">");
    wb_escs(b, m->district_code);
    wb_put(b, " / ");
    wb_escs(b, m->community);
    if (m->name[0]) {
      wb_put(b, " ");
      wb_escs(b, m->name);
    }
    wb_put(b, T(r, " (", "（"));
    if (m->last[0])
      wb_printf(b, "%s %s", T(r, "last on", "最近一次"), m->last);
    else
      wb_put(b, T(r, "never", "从未汇总"));
    wb_put(b, T(r, ")", "）"));
    wb_put(b, "</span>");
  }
  if (!k)
    wb_printf(b, "<span id=\"all-fresh\">%s</span>",
              T(r, "Every community has a summary for the date.", "所有社区均有当日汇总。"));
  wb_put(b, "</p>");
  /* freshness: the stalest district's newest summary (the rows give each) */
  const char *stalest = NULL;
  for (int i = 0; i < x->nd; i++)
    if (t->ds[i].reporting && (!stalest || strcmp(t->ds[i].as_of, stalest) < 0))
      stalest = t->ds[i].as_of;
  wb_put(b, "<p class=\"mut\" id=\"freshness\">");
  if (stalest) {
    wb_printf(b, "%s ", T(r, "Freshness: the stalest district's newest summary was computed at",
                          "时效性：最久未更新区的最新汇总计算于"));
    wb_escs(b, stalest);
    wb_put(b, T(r, " (the city's figures are one sync of each hub behind).",
                "（市级数字比各区枢纽晚一次同步）。"));
  } else {
    wb_put(b, T(r, "Freshness: no district has a summary on or before the date.",
                "时效性：当日及之前尚无任何区的汇总。"));
  }
  if (t->bad)
    wb_printf(b, " <span class=\"err\" id=\"c-unreadable\">%d %s</span>", t->bad,
              T(r, "summaries unreadable (skipped).", "条汇总无法读取（已跳过）。"));
  if (t->cut)
    wb_printf(b, " <span class=\"err\" id=\"c-cut\">%s %d %s</span>", T(r, "More than", "超过"),
              WC_COMMUNITIES_MAX, T(r, "communities: the rest are left out.", "个社区：其余未计入。"));
  wb_put(b, "</p>");
}

static void wc_row(struct wb *b, struct web_req *r, const char *id, const char *name,
                   const struct dom_city_sum *s)
{
  wb_put(b, "<tr id=\"");
  wb_escs(b, id);
  wb_put(b, "\"><td data-k=\"district\">");
  wb_escs(b, name);
  wb_printf(b, "</td><td class=\"n\" data-k=\"reporting\">%d / %d</td><td class=\"n\" "
               "data-k=\"fresh\">%d</td><td class=\"n\" data-k=\"certified\">%d / %d</td>"
               "<td class=\"n\" data-k=\"share\">%.1f</td><td class=\"n\" data-k=\"free\">%d</td>"
               "<td class=\"n\" data-k=\"villages\">%d / %d</td><td class=\"n\" "
               "data-k=\"households\">%lld</td><td class=\"n\" data-k=\"residents\">%lld</td>"
               "<td class=\"n\" data-k=\"open_confirmed\">%lld</td><td class=\"n\" "
               "data-k=\"open_three\">%lld</td><td class=\"n\" data-k=\"fevers_1\">%lld</td>"
               "<td class=\"n\" data-k=\"handouts_1\">%lld</td><td data-k=\"as_of\">",
            s->reporting, s->communities, s->fresh, s->certified, s->compounds,
            wc_pct(s->certified, s->compounds), s->free_, s->vfree, s->villages,
            (long long)s->households, (long long)s->residents, (long long)s->open_confirmed,
            (long long)s->open_three, (long long)s->fevers_1, (long long)s->handouts_1);
  wb_escs(b, s->as_of[0] ? s->as_of : T(r, "nothing yet", "尚无"));
  wb_put(b, "</td></tr>");
}

static void wc_districts(struct wc *x)
{
  struct web_req *r = x->r;
  struct wb *b = &r->out;
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"districts\"><tr><th>%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th>%s</th></tr>",
            T(r, "Districts", "各区"), T(r, "District", "区"),
            T(r, "Reporting / known", "有汇总/社区"), T(r, "Fresh", "当日"),
            T(r, "Certified / compounds", "已认定/小区"), T(r, "Share %", "比例%"),
            T(r, "Free comm.", "无疫情社区"), T(r, "Free villages", "无疫情村"),
            T(r, "Households", "户数"), T(r, "Residents", "居民"), T(r, "Confirmed", "确诊"),
            T(r, "Susp., fever, contact", "疑似发热密接"), T(r, "Fevers today", "今日发热"),
            T(r, "Hand-outs today", "今日发放"), T(r, "As of", "汇总时间"));
  char id[CRDT_SCOPE_MAX + 4];
  for (int i = 0; i < x->nd; i++) {
    snprintf(id, sizeof id, "d-%s", x->dn[i]);
    wc_row(b, r, id, x->dn[i], &x->t.ds[i]);
  }
  wc_row(b, r, "d-total", T(r, "City", "全市"), &x->t.city);
  wb_put(b, "</table></div>");
}

static void wc_communities(struct wc *x)
{
  struct web_req *r = x->r;
  struct wb *b = &r->out;
  const struct dom_city *t = &x->t;
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"city-communities\"><tr><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th class=\"n\">%s</th><th>%s</th></tr>",
            T(r, "Communities", "各社区"), T(r, "District", "区"), T(r, "Community", "社区"),
            T(r, "Name", "名称"), T(r, "Latest summary", "最近汇总日期"),
            T(r, "Compounds certified / all", "已认定小区 / 小区总数"),
            T(r, "Epidemic-free", "无疫情"));
  for (int j = 0; j < t->n; j++) {
    const struct dom_city_comm *m = &t->cm[j];
    const int64_t *f = m->f.v;
    int has = m->last[0] != 0;
    wb_printf(b, "<tr class=\"%s\"><td data-k=\"district\">", !strcmp(m->last, t->date) ? "" : "silent");
    wb_escs(b, m->district_code);
    wb_put(b, "</td><td data-k=\"community\">");
    wb_escs(b, m->community);
    wb_put(b, "</td><td data-k=\"name\">");
    wb_escs(b, m->name);
    wb_put(b, "</td><td data-k=\"last\">");
    wb_escs(b, has ? m->last : T(r, "none", "无"));
    if (has)
      wb_printf(b, "</td><td class=\"n\" data-k=\"certified\">%lld / %lld</td>",
                (long long)f[DOM_SU_CERTIFIED], (long long)f[DOM_SU_COMPOUNDS]);
    else
      wb_put(b, "</td><td class=\"n\" data-k=\"certified\">—</td>");
    int free_ = has && f[DOM_SU_FREE];
    wb_printf(b, "<td data-k=\"free\" data-v=\"%d\" class=\"%s\">%s</td></tr>", free_,
              free_ ? "s-certified" : "", !has ? "—" : free_ ? T(r, "yes", "是") : T(r, "no", "否"));
  }
  wb_put(b, "</table></div>");
}

int web_page_city(struct web_req *r, const char *date)
{
  struct web *w = r->w;
  const struct config *c = w->cfg;
  struct wc *x = calloc(1, sizeof *x);
  if (!x)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  x->r = r;
  for (int i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], c->city))
      x->dn[x->nd++] = c->scopes[i];
  struct web_read rd;
  int rc = web_read_begin(w, &rd);
  if (!rc) {
    rc = dom_city_read(&rd.v, x->dn, x->nd, TRUST_CERT, date, WC_COMMUNITIES_MAX, &x->t);
    web_read_end(&rd);
  }
  if (rc) {
    free(x);
    web_log(w, "http city page not made: %s", linli_strerror(rc));
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  for (int i = 0; i < x->nd; i++)
    x->reporting += x->t.ds[i].reporting > 0;
  char title[160];
  snprintf(title, sizeof title, "%s %s · %s", T(r, "City", "全市"), c->city, date);
  web_head(r, title);
  struct wb *b = &r->out;
  wb_printf(b, "<form method=\"get\" action=\"/district\" class=\"inline noprint\"><label>%s "
               "<input type=\"date\" name=\"date\" value=\"%s\" max=\"%s\"></label><button "
               "type=\"submit\" class=\"sec\">%s</button></form><p class=\"mut\">%s</p>",
            T(r, "Date", "日期"), date, r->today, T(r, "Show", "查看"),
            T(r, "The districts' daily summaries as this city node holds them: for each community "
                 "its latest summary on or before the date (linli report city).",
              "以下数字来自本市级节点所持的各区每日汇总：每个社区取当日或之前最近的一份汇总"
              "（同 linli report city）。"));
  wc_headline(x);
  wc_words(x);
  wc_districts(x);
  wc_communities(x);
  web_foot(r);
  dom_city_free(&x->t);
  free(x);
  return 200;
}
