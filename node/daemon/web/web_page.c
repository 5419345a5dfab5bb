/* The frame of every page (head, navigation, foot), the style sheet, and
 * the node's own pages: home, status, /metrics, accounts. Contract:
 * web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "web_int.h"

/* Phone first (390 px wide and up), printable; no inline style anywhere
 * (the CSP allows style sheets from 'self' only). */
static const char web_css[] =
    ":root{--fg:#1b1f24;--mut:#59616b;--bg:#f5f6f8;--card:#fff;--ac:#a3221b;--ok:#1d6f31;"
    "--warn:#8a5300;--line:#d8dce2}\n"
    "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}\n"
    "body{margin:0;font:16px/1.5 \"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\","
    "\"PingFang SC\",\"Microsoft YaHei\",sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{background:#8c1d18;color:#fff;padding:.4rem .75rem;display:flex;flex-wrap:wrap;"
    "gap:.2rem .9rem;align-items:center}\n"
    "header a{color:#fff}header .brand{font-weight:700;text-decoration:none}\n"
    "nav{display:flex;flex-wrap:wrap;gap:.2rem .8rem}.who{margin-left:auto;display:flex;gap:.5rem;"
    "align-items:center;flex-wrap:wrap}\n"
    ".who form{margin:0}.who button{padding:.15rem .5rem;background:#5e1410}\n"
    "main{padding:.6rem .75rem 2rem;max-width:72rem;margin:0 auto}\n"
    "h1{font-size:1.3rem;margin:.4rem 0 .6rem}h2{font-size:1.1rem;margin:1.3rem 0 .4rem}\n"
    "p{margin:.4rem 0}.mut{color:var(--mut);font-size:.92rem}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem;"
    "margin:.5rem 0}\n.narrow{max-width:24rem;margin:2rem auto}\n"
    ".scroll{overflow-x:auto;max-width:100%}\n"
    "table{border-collapse:collapse;width:100%;background:var(--card)}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.3rem .4rem;text-align:left;"
    "vertical-align:top}\nth{background:#eef0f3;font-weight:600;white-space:nowrap}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "label{display:block;margin:.55rem 0}label small{color:var(--mut);display:block}\n"
    "input,select,textarea,button{font:inherit;max-width:100%}\n"
    "input:not([type=checkbox]):not([type=hidden]),select,textarea{width:100%;padding:.4rem;"
    "border:1px solid #97a0aa;border-radius:4px;background:#fff}\n"
    "input[type=checkbox]{width:1.4rem;height:1.4rem}\n"
    "button{padding:.45rem .9rem;border:0;border-radius:4px;background:#8c1d18;color:#fff}\n"
    "button.sec{background:#59616b}\n"
    ".err{color:var(--ac);font-weight:600}.ok{color:var(--ok);font-weight:600}\n"
    ".field-error{color:var(--ac);font-size:.9rem;display:block}\n"
    ".bad input,.bad select,.bad textarea{border-color:var(--ac);outline:2px solid #f1c4c0}\n"
    ".figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(8.5rem,1fr));gap:.5rem}\n"
    ".fig{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.45rem .6rem}\n"
    ".fig b{display:block;font-size:1.35rem}\n"
    ".s-certified{color:var(--ok);font-weight:600}.s-withdrawn,.s-rejected,.s-not_eligible"
    "{color:var(--ac)}.s-pending{color:var(--warn);font-weight:600}.s-eligible{color:#2a5d9a}\n"
    "svg.chart{width:100%;height:auto;max-width:46rem;background:var(--card);"
    "border:1px solid var(--line);border-radius:6px}\n"
    ".inline{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:0}\n"
    ".inline input{width:auto;flex:1 1 8rem}\n"
    ".round td{padding:.25rem .3rem}.round input.t{width:4.6rem}\n"
    "tr.silent td[data-k=last]{color:var(--ac);font-weight:600}td[data-k=as_of]{white-space:nowrap}\n"
    ".actions{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0}\n"
    ".actions a{display:inline-block;padding:.3rem .6rem;border:1px solid var(--line);"
    "border-radius:4px;background:var(--card);text-decoration:none}\n"
    "@media print{header,nav,form,.noprint{display:none!important}body{background:#fff;"
    "font-size:12pt}.card{border:0;padding:0}main{max-width:none}a{color:inherit;"
    "text-decoration:none}@page{size:A4;margin:15mm}}\n";

int web_page_css(struct web_req *r)
{
  r->ctype = "text/css; charset=utf-8";
  wb_put(&r->out, web_css);
  return 200;
}

void web_csrf_field(struct web_req *r)
{
  wb_printf(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->who.csrf);
}

void web_local_time(struct web_req *r, uint64_t ms, char out[20])
{
  char d[DOM_DATE_LEN + 1], t[9];
  if (!ms) {
    snprintf(out, 20, "%s", T(r, "never", "从未"));
    return;
  }
  dom_tz_now(&r->w->tz, ms, d, t);
  snprintf(out, 20, "%s %.5s", d, t);
}

void web_head(struct web_req *r, const char *title)
{
  struct wb *b = &r->out;
  wb_printf(b, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
               "<title>",
            r->en ? "en" : "zh-CN");
  wb_escs(b, title);
  wb_put(b, " · linli</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"
            "<header><a class=\"brand\" href=\"/\">");
  wb_put(b, T(r, "linli neighbourhoods", "邻里"));
  wb_put(b, "</a>");
  if (r->who.in) {
    wb_put(b, "<nav>");
    if (r->w->cfg->trust)
      wb_printf(b, "<a href=\"/district\" id=\"nav-district\">%s</a><a href=\"/rounds\">%s</a>",
                web_is_city(r->w) ? T(r, "City", "全市") : T(r, "District", "全区"),
                T(r, "Lists", "公示"));
    wb_printf(b, "<a href=\"/community\" id=\"nav-community\">%s</a><a href=\"/status\" "
                 "id=\"nav-status\">%s</a>",
              T(r, "Community", "社区"), T(r, "Status", "状态"));
    if (r->who.role >= WEB_ADMIN)
      wb_printf(b, "<a href=\"/users\">%s</a>", T(r, "Accounts", "账号"));
    wb_put(b, "</nav><span class=\"who\"><span id=\"whoami\">");
    wb_escs(b, r->who.user);
    wb_printf(b, " · %s</span>", web_role_name(r->who.role));
  } else {
    wb_put(b, "<span class=\"who\">");
  }
  wb_printf(b, "<a href=\"?lang=%s\" id=\"lang\">%s</a>", r->en ? "zh" : "en", r->en ? "中文" : "English");
  if (r->who.in) {
    wb_put(b, "<form method=\"post\" action=\"/logout\">");
    web_csrf_field(r);
    wb_printf(b, "<button type=\"submit\" id=\"logout\">%s</button></form>", T(r, "Log out", "退出"));
  }
  wb_put(b, "</span></header><main><h1>");
  wb_escs(b, title);
  wb_put(b, "</h1>");
  const char *saved = r->post ? NULL : web_arg(r, "saved");
  if (saved && strspn(saved, "0123456789") == strlen(saved) && strlen(saved) < 6)
    wb_printf(b, "<p class=\"ok\" id=\"saved\">%s %s</p>",
              T(r, "Recorded; ops stored:", "已保存，写入记录数："), saved);
}

void web_foot(struct web_req *r)
{
  wb_printf(&r->out, "<p class=\"mut noprint\">%s %s %s</p></main></body></html>",
            T(r, "Dates in the district's time zone", "日期为本区时间"), r->w->tz.name, r->today);
}

int web_page_home(struct web_req *r)
{
  web_redirect(r, r->w->hub ? "/district" : "/community");
  return 303;
}

int web_page_rounds(struct web_req *r)
{
  web_head(r, T(r, "Published lists (公示)", "公示名单"));
  wb_put(&r->out, "<p id=\"rounds-gap\" class=\"card\">");
  wb_put(&r->out, T(r, "The numbered rounds of the published list (linli publish, linli rounds) are "
                       "not in this version of linli yet, so there is no round to show. Until "
                       "they are, the district page's certified compounds are the list of the "
                       "day; print that page.",
                    "本版本尚未提供编号的公示轮次（linli publish、linli rounds），暂无可显示的轮次。"
                    "在此之前，全区页面中“已认定”的小区即为当日名单，可直接打印该页面。"));
  wb_put(&r->out, "</p>");
  web_foot(r);
  return 200;
}

/* ---- status: like linli status ---- */

static void web__peers(struct web_req *r, const struct web_status *st)
{
  struct wb *b = &r->out;
  if (!st->n_peers) {
    wb_printf(b, "<p>%s</p>", T(r, "No peers configured (peer or allow lines in linlid.conf).",
                                "未配置对端节点（linlid.conf 中的 peer 或 allow 行）。"));
    return;
  }
  wb_printf(b, "<div class=\"scroll\"><table id=\"peers\"><tr><th>%s</th><th>%s</th><th>%s</th>"
               "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
               "<th class=\"n\">%s</th></tr>",
            T(r, "Peer", "对端"), T(r, "Connected", "连接"), T(r, "Last sync", "最近同步"),
            T(r, "Behind", "落后"), T(r, "Ops in", "收到"), T(r, "Ops out", "发出"),
            T(r, "Rejected", "拒收"));
  for (int i = 0; i < st->n_peers; i++) {
    const struct web_peer *p = &st->peer[i];
    char when[20];
    web_local_time(r, p->s.last_sync_ms, when);
    wb_put(b, "<tr><td>");
    wb_escs(b, p->s.name);
    wb_printf(b, "</td><td>%s</td><td>%s</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                 "<td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>",
              p->s.refused ? T(r, "refused", "已拒绝") : p->s.connected ? T(r, "yes", "是") : T(r, "no", "否"),
              when, (unsigned long long)p->s.behind, (unsigned long long)p->s.ops_in,
              (unsigned long long)p->s.ops_out, (unsigned long long)p->s.rejected);
  }
  wb_put(b, "</table></div>");
}

int web_page_status(struct web_req *r)
{
  struct web_status *st = malloc(sizeof *st);
  char msg[256], clock[20];
  if (!st)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  int rc = web_ctl_status(r->w, st, msg, sizeof msg);
  web_head(r, T(r, "Node status", "节点状态"));
  struct wb *b = &r->out;
  if (rc) {
    wb_put(b, "<p class=\"err\">");
    wb_escs(b, msg);
    wb_put(b, "</p>");
  } else {
    web_local_time(r, CRDT_HLC_MS(st->node.hlc), clock);
    wb_put(b, "<div class=\"figs\" id=\"status\"><div class=\"fig\">");
    wb_printf(b, "%s<b id=\"st-scope\">", T(r, "Node", "节点"));
    wb_escs(b, st->node.scope);
    wb_printf(b, "</b></div><div class=\"fig\">%s<b id=\"st-ops\">%llu</b></div>"
                 "<div class=\"fig\">%s<b id=\"st-rejected\">%llu</b></div>"
                 "<div class=\"fig\">%s<b id=\"st-held\">%llu</b></div>"
                 "<div class=\"fig\">%s<b>%llu</b></div><div class=\"fig\">%s<b>%s</b></div>"
                 "<div class=\"fig\">%s<b>%llu s</b></div></div>",
              T(r, "Ops stored", "已存记录"), (unsigned long long)st->node.ops,
              T(r, "Rejected ops", "拒收记录"), (unsigned long long)st->node.rejected,
              T(r, "Held ops", "待证书记录"), (unsigned long long)st->node.held,
              T(r, "Malformed messages", "格式错误消息"), (unsigned long long)st->node.malformed,
              T(r, "Clock", "时钟"), clock, T(r, "Running", "运行时间"),
              (unsigned long long)st->node.uptime_s);
    wb_printf(b, "<p class=\"mut\">%s %.16s…</p>", T(r, "Key", "密钥"), st->node.key);
    if (st->node.n_why) {
      wb_printf(b, "<h2>%s</h2><table id=\"reasons\">", T(r, "Rejected ops by reason", "按原因统计的拒收"));
      for (int i = 0; i < st->node.n_why; i++)
        wb_printf(b, "<tr><td>%s</td><td class=\"n\">%llu</td><td>%s</td></tr>",
                  linli_errname(st->node.why[i]), (unsigned long long)st->node.why_n[i],
                  linli_strerror(st->node.why[i]));
      wb_put(b, "</table>");
    }
    wb_printf(b, "<h2>%s</h2>", T(r, "Peers", "对端节点"));
    web__peers(r, st);
  }
  web_foot(r);
  free(st);
  return 200;
}

/* ---- accounts (admin) ---- */

int web_page_users(struct web_req *r)
{
  struct web_users *t = malloc(sizeof *t);
  if (!t)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  pthread_mutex_lock(&r->w->mu);
  web_users_refresh(r->w);
  t->n = r->w->users->n;
  for (int i = 0; i < t->n; i++) {
    memcpy(t->u[i].name, r->w->users->u[i].name, sizeof t->u[i].name);
    t->u[i].role = r->w->users->u[i].role;
  }
  pthread_mutex_unlock(&r->w->mu);
  web_head(r, T(r, "Accounts", "账号"));
  wb_printf(&r->out, "<p>%s</p><table id=\"users\"><tr><th>%s</th><th>%s</th></tr>",
            T(r, "Accounts are managed on the node with linli user add|passwd|remove.",
              "账号在节点上用 linli user add|passwd|remove 管理。"),
            T(r, "Account", "账号"), T(r, "Role", "角色"));
  for (int i = 0; i < t->n; i++) {
    wb_put(&r->out, "<tr><td>");
    wb_escs(&r->out, t->u[i].name);
    wb_printf(&r->out, "</td><td>%s</td></tr>", web_role_name(t->u[i].role));
  }
  wb_put(&r->out, "</table>");
  web_foot(r);
  free(t);
  return 200;
}

/* ---- /metrics (Prometheus text format 0.0.4) ---- */

static void web__m(struct wb *b, const char *name, const char *type, const char *help)
{
  wb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The district's headline figures, computed at most every 30 s. */
static void web__headline(struct web *w, struct web_headline *out)
{
  uint64_t now = web_mono(w);
  pthread_mutex_lock(&w->mu);
  int fresh = w->head.ok && now - w->head.at_ms < 30000;
  if (fresh)
    *out = w->head;
  pthread_mutex_unlock(&w->mu);
  if (fresh)
    return;
  const char *scopes[CONFIG_SCOPES_MAX];
  struct report_row rows[CONFIG_SCOPES_MAX];
  struct report_window wins[CONFIG_SCOPES_MAX];
  char today[DOM_DATE_LEN + 1];
  int n = web_communities(w, scopes, CONFIG_SCOPES_MAX);
  uint64_t wall = web_wall(w);
  memset(out, 0, sizeof *out);
  dom_tz_now(&w->tz, wall, today, NULL);
  out->ok = report_district(w->o.store, scopes, n, today, 1, dom_tz_day_offset(&w->tz, today), rows,
                            wins, &out->t, &out->win) == 0;
  out->at_ms = now;
  pthread_mutex_lock(&w->mu);
  w->head = *out;
  pthread_mutex_unlock(&w->mu);
}

static int web__bearer_ok(struct web_req *r)
{
  const char *tok = r->w->cfg->http.metrics_token;
  const char *h = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Authorization");
  size_t n = strlen(tok);
  return n && h && !strncmp(h, "Bearer ", 7) && strlen(h + 7) == n &&
         sodium_memcmp(h + 7, tok, n) == 0;
}

int web_page_metrics(struct web_req *r)
{
  struct web *w = r->w;
  if (!r->loopback && !web__bearer_ok(r)) {
    r->ctype = "text/plain; charset=utf-8";
    wb_put(&r->out, "metrics off loopback need: Authorization: Bearer <http_metrics_token>\n");
    return 403;
  }
  struct web_status *st = malloc(sizeof *st);
  char msg[256];
  if (!st)
    return 500;
  r->ctype = "text/plain; version=0.0.4; charset=utf-8";
  struct wb *b = &r->out;
  int ok = web_ctl_status(w, st, msg, sizeof msg) == 0;
  web__m(b, "linli_up", "gauge", "1 if linlid answered on its control socket.");
  wb_printf(b, "linli_up %d\n", ok);
  if (ok) {
    web__m(b, "linli_ops", "gauge", "Ops stored in all.");
    wb_printf(b, "linli_ops %llu\n", (unsigned long long)st->node.ops);
    web__m(b, "linli_uptime_seconds", "gauge", "Seconds since linlid started.");
    wb_printf(b, "linli_uptime_seconds %llu\n", (unsigned long long)st->node.uptime_s);
    web__m(b, "linli_rejected_ops_total", "counter", "Received ops rejected, by reason.");
    for (int i = 0; i < st->node.n_why; i++)
      wb_printf(b, "linli_rejected_ops_total{reason=\"%s\"} %llu\n", linli_errname(st->node.why[i]),
                (unsigned long long)st->node.why_n[i]);
    web__m(b, "linli_malformed_messages_total", "counter", "Peer messages that did not decode.");
    wb_printf(b, "linli_malformed_messages_total %llu\n", (unsigned long long)st->node.malformed);
    web__m(b, "linli_held_ops", "gauge", "Ops held until their author's certificate arrives.");
    wb_printf(b, "linli_held_ops %llu\n", (unsigned long long)st->node.held);
    web__m(b, "linli_purged_ops_total", "counter", "Ops dropped after their author's revocation.");
    wb_printf(b, "linli_purged_ops_total %llu\n", (unsigned long long)st->node.purged);
    web__m(b, "linli_inbound_connections", "gauge", "Inbound connections not yet identified.");
    wb_printf(b, "linli_inbound_connections %llu\n", (unsigned long long)st->inbound);
    web__m(b, "linli_inbound_accepted_total", "counter", "Inbound TCP connections accepted.");
    wb_printf(b, "linli_inbound_accepted_total %llu\n", (unsigned long long)st->accepted);
    web__m(b, "linli_inbound_evicted_total", "counter", "Unidentified connections closed over max_inbound.");
    wb_printf(b, "linli_inbound_evicted_total %llu\n", (unsigned long long)st->evicted);
    static const struct {
      const char *name, *type, *help;
      size_t off;
    } pm[] = {
        {"linli_peer_up", "gauge", "1 if the link to the peer is up.", 0},
        {"linli_peer_last_sync_timestamp_seconds", "gauge", "When a reconciliation with the peer last completed.", 1},
        {"linli_peer_lag_ops", "gauge", "Ops the peer had that this node lacked, last round.", 2},
        {"linli_peer_ops_received_total", "counter", "New ops received from the peer.", 3},
        {"linli_peer_ops_sent_total", "counter", "Ops sent to the peer.", 4},
        {"linli_peer_bytes_received_total", "counter", "Bytes received from the peer.", 5},
        {"linli_peer_bytes_sent_total", "counter", "Bytes sent to the peer.", 6},
        {"linli_peer_rejected_ops_total", "counter", "Ops from the peer rejected.", 7},
        {"linli_peer_bad_messages_total", "counter", "Messages from the peer refused.", 8},
        {"linli_peer_dropped_messages_total", "counter", "Messages to the peer not sent.", 9},
        {"linli_peer_limited_ops_total", "counter", "Ops from the peer dropped by the rate limit.", 10},
        {"linli_peer_limited_messages_total", "counter", "Messages from the peer dropped by the rate limit.", 11},
    };
    for (size_t k = 0; k < sizeof pm / sizeof pm[0]; k++) {
      web__m(b, pm[k].name, pm[k].type, pm[k].help);
      for (int i = 0; i < st->n_peers; i++) {
        const struct web_peer *p = &st->peer[i];
        uint64_t v[] = {(uint64_t)p->s.connected, p->s.last_sync_ms / 1000u, p->s.behind, p->s.ops_in,
                        p->s.ops_out, p->s.bytes_in, p->s.bytes_out, p->s.rejected, p->s.bad_msgs,
                        p->s.dropped, p->limited_ops, p->limited_msgs};
        wb_printf(b, "%s{peer=\"%s\"} %llu\n", pm[k].name, p->s.name, (unsigned long long)v[pm[k].off]);
      }
    }
  }
  /* per scope, from the store */
  web__m(b, "linli_scope_ops", "gauge", "Ops stored per scope.");
  for (int i = 0; i < w->cfg->n_scopes; i++) {
    struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
    uint8_t sum[STORE_FP_SUM_BYTES];
    uint64_t count = 0;
    if (store_range_fp(w->o.store, w->cfg->scopes[i], &lo, &hi, &count, sum) == 0)
      wb_printf(b, "linli_scope_ops{scope=\"%s\"} %llu\n", w->cfg->scopes[i], (unsigned long long)count);
  }
  uint64_t bytes = 0;
  if (store_bytes_used(w->o.store, &bytes) == 0) {
    web__m(b, "linli_store_bytes", "gauge", "Bytes of the LMDB map in use.");
    wb_printf(b, "linli_store_bytes %llu\n", (unsigned long long)bytes);
  }
  static const char *const st_names[WEB_ST_N] = {"2xx", "3xx", "400", "403", "404",
                                                 "405", "413", "429", "4xx", "5xx"};
  web__m(b, "linli_http_requests_total", "counter", "Requests to the web console, by status.");
  for (int i = 0; i < WEB_ST_N; i++)
    wb_printf(b, "linli_http_requests_total{code=\"%s\"} %llu\n", st_names[i],
              (unsigned long long)atomic_load(&w->http_by[i]));
  web__m(b, "linli_http_logins_total", "counter", "Login attempts, by result.");
  wb_printf(b, "linli_http_logins_total{result=\"ok\"} %llu\nlinli_http_logins_total{result=\"failed\"} %llu\n"
               "linli_http_logins_total{result=\"limited\"} %llu\n",
            (unsigned long long)atomic_load(&w->logins_ok), (unsigned long long)atomic_load(&w->logins_failed),
            (unsigned long long)atomic_load(&w->logins_limited));
  web__m(b, "linli_http_writes_total", "counter", "Ops written from pages, by result.");
  wb_printf(b, "linli_http_writes_total{result=\"ok\"} %llu\nlinli_http_writes_total{result=\"refused\"} %llu\n",
            (unsigned long long)atomic_load(&w->writes_ok), (unsigned long long)atomic_load(&w->writes_refused));
  struct web_headline h;
  web__headline(w, &h);
  if (h.ok) {
    static const char *const dn[] = {
        "communities", "communities_heard", "communities_epidemic_free", "compounds",
        "compounds_epidemic_free", "households", "residents", "open_confirmed",
        "open_three_categories", "health_checks_today", "fevers_today", "gate_checks_today"};
    uint64_t dv[] = {(uint64_t)h.t.communities, (uint64_t)h.t.heard, (uint64_t)h.t.communities_free,
                     (uint64_t)h.t.compounds, (uint64_t)h.t.eligible, (uint64_t)h.t.households,
                     (uint64_t)h.t.residents, (uint64_t)h.t.open_confirmed, (uint64_t)h.t.open_three,
                     h.win.health_checks, h.win.fevers, h.win.gate_checks};
    for (size_t i = 0; i < sizeof dn / sizeof dn[0]; i++) {
      char name[80];
      snprintf(name, sizeof name, "linli_district_%s", dn[i]);
      web__m(b, name, "gauge", "A headline figure of the district today, as linli report gives it.");
      wb_printf(b, "%s %llu\n", name, (unsigned long long)dv[i]);
    }
    web__m(b, "linli_district_stalest_newest_op_timestamp_seconds", "gauge",
           "The newest op of the community heard from least recently.");
    wb_printf(b, "linli_district_stalest_newest_op_timestamp_seconds %llu\n",
              (unsigned long long)(h.t.oldest_newest_ms / 1000u));
  }
  free(st);
  return 200;
}
