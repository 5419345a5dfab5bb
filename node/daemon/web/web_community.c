/* The community pages: the morning sheet (today); the line lists and one
 * record's page are web_list.c. Every value is rendered by the domain
 * table's renderer (dom_render) and escaped. Contract: web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

/* The community a page is about: ?c= if this node holds it, else its own
 * (the first community scope). */
const char *web_scope(struct web_req *r)
{
  const char *c = web_arg(r, "c");
  const char *s[CONFIG_SCOPES_MAX];
  int n = web_communities(r->w, s, CONFIG_SCOPES_MAX);
  if (c && web_holds(r->w, c))
    return c;
  return n ? s[0] : r->w->cfg->scopes[0];
}

/* 1 if pages may write into scope: it is this node's own community and the
 * node is not the hub (which writes approvals only). */
int web_writable(struct web_req *r, const char *scope)
{
  return !r->w->hub && !strcmp(scope, r->w->cfg->scopes[0]);
}

/* ---- values of records ---- */

struct wc_join {
  const struct dom_field *f;
  char *out;
  size_t cap, at;
};

static int wc_elem(void *arg, const uint8_t *e, size_t el)
{
  struct wc_join *j = arg;
  char one[WEB_VALUE_MAX];
  dom_render(j->f, e, el, one, sizeof one);
  int k = snprintf(j->out + j->at, j->cap - j->at, "%s%s", j->at ? "; " : "", one);
  if (k > 0)
    j->at += (size_t)k < j->cap - j->at ? (size_t)k : j->cap - j->at - 1;
  return j->at + 1 >= j->cap;
}

/* The value of field f of record rec as staff read it ("" if none); *conflict
 * gets the concurrent values an lww field keeps. */
void web_record_value(const struct crdt_view *v, const struct record *rec, const struct dom_field *f,
                      char *out, size_t cap, int *conflict)
{
  char scope[CRDT_SCOPE_MAX + 1], coll[CRDT_COLLECTION_MAX + 1], key[CRDT_KEY_MAX + 1];
  out[0] = 0;
  if (conflict)
    *conflict = 0;
  if (f->kind == DOM_SET) {
    struct wc_join j = {f, out, cap, 0};
    snprintf(scope, sizeof scope, "%.*s", (int)rec->scope.len, rec->scope.p);
    snprintf(coll, sizeof coll, "%.*s", (int)rec->collection.len, rec->collection.p);
    snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
    record_elems(v, scope, coll, key, f->name, wc_elem, &j);
    return;
  }
  const struct record_field *x = record_field(rec, f->name);
  if (!x || x->tag != CRDT_ROW_LWW || !x->value)
    return;
  dom_render(f, x->value, x->value_len, out, cap);
  if (conflict)
    *conflict = x->losers > 0;
}

/* ---- the morning sheet ---- */

#define WC_FEVERS_MAX 200
struct wc_today {
  struct web_req *r;
  const char *scope;
  int64_t day;
  uint64_t checks_today, gate_today;
  int n_fevers;
  struct {
    char key[CRDT_KEY_MAX + 1];
    int temp;
    char time[9];
  } fever[WC_FEVERS_MAX];
  int n_fevers_all;
  /* sorted later: households given relief in 7 days, compounds disinfected today */
  char (*relief)[CRDT_KEY_MAX + 1];
  int n_relief;
  char (*disinf)[CRDT_KEY_MAX + 1];
  int n_disinf;
};
#define WC_KEYS_MAX 8192

static int wc_day_of(const uint8_t *body, size_t len, uint64_t hlc, int32_t off, int64_t *day)
{
  size_t vl;
  char date[16];
  const uint8_t *d = dom_body_get(body, len, "date", &vl);
  if (d && dom_render(NULL, d, vl, date, sizeof date) == 0 && dom_date_days(date, strlen(date), day) == 0)
    return 0;
  *day = ((int64_t)(CRDT_HLC_MS(hlc) / 1000) + off) / 86400;
  return 0;
}

static int wc_today_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct wc_today *t = arg;
  struct crdt_op o;
  int64_t day;
  size_t vl;
  (void)id;
  if (crdt_op_decode(&o, raw, len) || o.kind != CRDT_APPEND || o.key.len > CRDT_KEY_MAX)
    return 0;
  wc_day_of(o.body, o.body_len, hlc, dom_tz_offset(&t->r->w->tz, CRDT_HLC_MS(hlc)), &day);
  const char *hc = domain_name(DOM_HEALTH_CHECK), *gc = domain_name(DOM_GATE_CHECK);
  const char *dc = domain_name(DOM_DISINFECTION), *rc = domain_name(DOM_DISTRIBUTION);
#define IS(n) (o.collection.len == strlen(n) && !memcmp(o.collection.p, n, o.collection.len))
  if (IS(hc) && day == t->day) {
    int64_t temp = 0;
    const uint8_t *tv = dom_body_get(o.body, o.body_len, "temp_dc", &vl);
    struct crdt_mp m;
    t->checks_today++;
    if (tv) {
      crdt_mp_init(&m, tv, vl);
      crdt_mp_int(&m, &temp);
    }
    if (temp >= REPORT_FEVER_DC) {
      t->n_fevers_all++;
      if (t->n_fevers < WC_FEVERS_MAX) {
        snprintf(t->fever[t->n_fevers].key, sizeof t->fever[0].key, "%.*s", (int)o.key.len, o.key.p);
        t->fever[t->n_fevers].temp = (int)temp;
        dom_ms_time(CRDT_HLC_MS(hlc), dom_tz_offset(&t->r->w->tz, CRDT_HLC_MS(hlc)), t->fever[t->n_fevers].time);
        t->n_fevers++;
      }
    }
  } else if (IS(gc) && day == t->day) {
    t->gate_today++;
  } else if (IS(dc) && day == t->day && t->n_disinf < WC_KEYS_MAX) {
    snprintf(t->disinf[t->n_disinf++], CRDT_KEY_MAX + 1, "%.*s", (int)o.key.len, o.key.p);
  } else if (IS(rc) && day > t->day - 7 && day <= t->day && t->n_relief < WC_KEYS_MAX) {
    char kind[16];
    const uint8_t *k = dom_body_get(o.body, o.body_len, "kind", &vl);
    if (k && dom_render(NULL, k, vl, kind, sizeof kind) == 0 && !strcmp(kind, "relief"))
      snprintf(t->relief[t->n_relief++], CRDT_KEY_MAX + 1, "%.*s", (int)o.key.len, o.key.p);
  }
#undef IS
  return 0;
}

static int wc_has(char (*keys)[CRDT_KEY_MAX + 1], int n, const char *k)
{
  for (int i = 0; i < n; i++)
    if (!strcmp(keys[i], k))
      return 1;
  return 0;
}

struct wc_sheet {
  struct web_req *r;
  struct wc_today *t;
  const struct crdt_view *v;
  const char *scope;
  int writable;
  int n;
};

void web_link(struct wb *b, const char *path, const char *scope, const char *key, const char *text)
{
  wb_printf(b, "<a href=\"%s?c=", path);
  wb_url(b, scope);
  if (key) {
    wb_put(b, "&amp;k=");
    wb_url(b, key);
  }
  wb_put(b, "\">");
  wb_escs(b, text);
  wb_put(b, "</a>");
}

static int wc_on_verdict(void *arg, const struct record *rec)
{
  struct wc_sheet *s = arg;
  struct web_req *r = s->r;
  struct wb *b = &r->out;
  char code[CRDT_KEY_MAX + 1], name[DOM_TEXT_MAX + 1];
  struct flow_look f;
  if (rec->deleted)
    return 0;
  snprintf(code, sizeof code, "%.*s", (int)rec->key.len, rec->key.p);
  if (record_str(rec, "name", name, sizeof name))
    name[0] = 0;
  int rc = flow_look(s->v, s->scope, code, r->today, &f);
  if (rc)
    return rc;
  int disinfected = wc_has(s->t->disinf, s->t->n_disinf, code);
  wb_put(b, "<tr><td>");
  web_link(b, "/record/compound", s->scope, code, code);
  wb_put(b, " ");
  wb_escs(b, name);
  wb_printf(b, "</td><td class=\"%s\" data-eligible=\"%d\">%s</td><td>", f.verdict.eligible ? "s-eligible" : "s-not_eligible",
            f.verdict.eligible, f.verdict.eligible ? T(r, "epidemic-free", "无疫情") : T(r, "not epidemic-free", "未达标"));
  wb_escs(b, f.verdict.reason);
  wb_printf(b, "</td><td>%s</td><td>", disinfected ? T(r, "yes", "已消杀") : T(r, "no round today", "今日未消杀"));
  if (f.declared)
    wb_printf(b, "%s %s", T(r, "declared", "已申报"), f.declared_on);
  else if (f.verdict.eligible && s->writable && r->who.role >= WEB_CLERK) {
    wb_put(b, "<a href=\"/declare?compound=");
    wb_url(b, code);
    wb_printf(b, "\">%s</a>", T(r, "Declare", "申报"));
  }
  wb_put(b, "</td></tr>");
  s->n++;
  return 0;
}

static int wc_on_case(void *arg, const struct record *rec)
{
  struct wc_sheet *s = arg;
  struct web_req *r = s->r;
  struct wb *b = &r->out;
  char cat[32], start[16], rel[16], comp[CRDT_KEY_MAX + 1], res[CRDT_KEY_MAX + 1], key[CRDT_KEY_MAX + 1];
  int64_t sd, rd;
  if (rec->deleted || record_str(rec, "category", cat, sizeof cat) ||
      record_str(rec, "start_date", start, sizeof start) || dom_date_days(start, strlen(start), &sd) ||
      sd > s->t->day)
    return 0;
  if (record_str(rec, "release_date", rel, sizeof rel) == 0 && dom_date_days(rel, strlen(rel), &rd) == 0 &&
      rd <= s->t->day)
    return 0;
  if (record_str(rec, "compound", comp, sizeof comp))
    comp[0] = 0;
  if (record_str(rec, "resident", res, sizeof res))
    res[0] = 0;
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  const struct dom_field *cf = domain_field(&domain_collections[DOM_CASE], "category", 8);
  char catz[64];
  snprintf(catz, sizeof catz, "%s", cat);
  for (int i = 0; !r->en && cf->values[i]; i++)
    if (!strcmp(cf->values[i], cat) && cf->values_zh)
      snprintf(catz, sizeof catz, "%s", cf->values_zh[i]);
  int due = !strcmp(cat, "close_contact") && s->t->day - sd >= RULES_QUIET_DAYS;
  wb_put(b, "<tr><td>");
  web_link(b, "/record/case_status", s->scope, key, key);
  wb_put(b, "</td><td>");
  wb_escs(b, catz);
  wb_put(b, "</td><td>");
  wb_escs(b, comp);
  wb_put(b, "</td><td>");
  web_link(b, "/record/resident", s->scope, res, res);
  wb_printf(b, "</td><td>%s</td><td>%s", start, due ? T(r, "due for release (14 days)", "已满 14 天，可解除") : "");
  if (s->writable && r->who.role >= WEB_CLERK) {
    wb_put(b, " <a href=\"/form/case_status?v=set&amp;only=release_date&amp;k=");
    wb_url(b, key);
    wb_printf(b, "\">%s</a>", T(r, "Release", "解除"));
  }
  wb_put(b, "</td></tr>");
  s->n++;
  return 0;
}

static int wc_on_open_request(void *arg, const struct record *rec)
{
  struct wc_sheet *s = arg;
  struct web_req *r = s->r;
  char status[32], key[CRDT_KEY_MAX + 1], hh[CRDT_KEY_MAX + 1];
  char coll[CRDT_COLLECTION_MAX + 1];
  if (rec->deleted || (record_str(rec, "status", status, sizeof status) == 0 && !strcmp(status, "delivered")))
    return 0;
  if (record_str(rec, "status", status, sizeof status))
    snprintf(status, sizeof status, "-");
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  snprintf(coll, sizeof coll, "%.*s", (int)rec->collection.len, rec->collection.p);
  if (record_str(rec, "household", hh, sizeof hh))
    hh[0] = 0;
  char path[64];
  snprintf(path, sizeof path, "/record/%s", coll);
  wb_put(&r->out, "<tr><td>");
  web_link(&r->out, path, s->scope, key, key);
  wb_put(&r->out, "</td><td>");
  wb_escs(&r->out, hh);
  wb_put(&r->out, "</td><td>");
  wb_escs(&r->out, status);
  wb_put(&r->out, "</td></tr>");
  s->n++;
  return 0;
}

static int wc_on_hardship(void *arg, const struct record *rec)
{
  struct wc_sheet *s = arg;
  int64_t hard = 0;
  char key[CRDT_KEY_MAX + 1];
  if (rec->deleted || record_int(rec, "hardship", &hard) || !hard)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  if (wc_has(s->t->relief, s->t->n_relief, key))
    return 0;
  if (s->n < 100) {
    wb_put(&s->r->out, s->n ? ", " : "");
    web_link(&s->r->out, "/record/household", s->scope, key, key);
  }
  s->n++;
  return 0;
}

static int wc_on_grid(void *arg, const struct record *rec)
{
  struct web_req *r = arg;
  char key[CRDT_KEY_MAX + 1], name[DOM_TEXT_MAX + 1];
  if (rec->deleted)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  if (record_str(rec, "name", name, sizeof name))
    snprintf(name, sizeof name, "%s", key);
  wb_put(&r->out, "<a href=\"/round?grid=");
  wb_url(&r->out, key);
  wb_put(&r->out, "\">");
  wb_escs(&r->out, name);
  wb_put(&r->out, "</a>");
  return 0;
}

void web_grid_links(struct web_req *r, const struct crdt_view *v, const char *scope)
{
  record_each(v, scope, domain_name(DOM_GRID), NULL, wc_on_grid, r);
}

static void wc_work_links(struct web_req *r, struct wc_sheet *s)
{
  struct wb *b = &r->out;
  static const struct {
    const char *url;
    struct dom_text t;
  } forms[] = {
      {"/form/gate_check?v=add", {"Gate check", "卡口登记"}},
      {"/form/case_status?v=add", {"Open a case", "新增病例"}},
      {"/form/distribution?v=add", {"Relief hand-out", "救助发放"}},
      {"/form/group_order?v=add", {"Group order", "团购下单"}},
      {"/form/proxy_request?v=add", {"Proxy request", "代购登记"}},
      {"/form/disinfection?v=add", {"Disinfection round", "消杀记录"}},
      {"/form/measures?v=set", {"Six measures", "六个到位"}},
      {"/declare", {"Declaration", "无疫情申报"}},
  };
  wb_printf(b, "<h2>%s</h2><p class=\"actions\" id=\"rounds\">%s ", T(r, "Daily work", "日常工作"),
            T(r, "Health round of grid:", "网格健康巡查："));
  web_grid_links(r, s->v, s->scope);
  wb_put(b, "</p><p class=\"actions\" id=\"forms\">");
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
    wb_printf(b, "<a href=\"%s\">%s</a>", forms[i].url, TX(r, forms[i].t));
  wb_put(b, "</p>");
}

static void wc_list_links(struct web_req *r, const char *scope)
{
  static const int colls[] = {DOM_RESIDENT, DOM_HOUSEHOLD, DOM_COMPOUND, DOM_GRID, DOM_VOLUNTEER,
                              DOM_CASE, DOM_HEALTH_CHECK, DOM_GATE_CHECK, DOM_DISTRIBUTION, DOM_ORDER,
                              DOM_PROXY, DOM_DISINFECTION, DOM_MEASURES, DOM_STOCK, DOM_DECLARATION};
  wb_printf(&r->out, "<h2>%s</h2><p class=\"actions\" id=\"lists\">", T(r, "Lists", "名单"));
  for (size_t i = 0; i < sizeof colls / sizeof colls[0]; i++) {
    const struct dom_collection *c = &domain_collections[colls[i]];
    wb_printf(&r->out, "<a href=\"/list/%s?c=", c->name);
    wb_url(&r->out, scope);
    wb_printf(&r->out, "\">%s</a>", TX(r, c->noun));
  }
  wb_put(&r->out, "</p>");
}

int web_page_community(struct web_req *r)
{
  struct web *w = r->w;
  const char *scope = web_scope(r);
  struct wc_today *t = calloc(1, sizeof *t);
  struct web_read rd;
  if (!t || !(t->relief = calloc(WC_KEYS_MAX, sizeof *t->relief)) ||
      !(t->disinf = calloc(WC_KEYS_MAX, sizeof *t->disinf))) {
    if (t)
      free(t->relief);
    free(t);
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  }
  t->r = r;
  t->scope = scope;
  dom_date_days(r->today, DOM_DATE_LEN, &t->day);
  /* one pass over the last 7 days of ops (an event cannot be signed before its date) */
  int64_t from_ms = ((t->day - 6) * 86400 - dom_tz_day_offset(&w->tz, r->today)) * 1000;
  struct store_bound lo = {from_ms > 0 ? CRDT_HLC_MAKE((uint64_t)from_ms, 0) : 0, {0}},
                     hi = store_bound_max();
  int rc = store_range_each(w->o.store, scope, &lo, &hi, 0, wc_today_op, t);
  if (rc >= 0)
    rc = web_read_begin(w, &rd);
  if (rc < 0) {
    free(t->relief), free(t->disinf), free(t);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  struct wc_sheet s = {r, t, &rd.v, scope, web_writable(r, scope), 0};
  char title[128];
  snprintf(title, sizeof title, "%s %s · %s", T(r, "Today in", "今日工作"), scope, r->today);
  web_head(r, title);
  struct wb *b = &r->out;
  const char *all[CONFIG_SCOPES_MAX];
  int n = web_communities(w, all, CONFIG_SCOPES_MAX);
  if (n > 1) {
    wb_put(b, "<p class=\"actions noprint\">");
    for (int i = 0; i < n; i++)
      web_link(b, "/community", all[i], NULL, all[i]);
    wb_put(b, "</p>");
  }
  if (s.writable && r->who.role >= WEB_CLERK)
    wc_work_links(r, &s);
  wb_printf(b, "<div class=\"figs\"><div class=\"fig\">%s<b id=\"t-checks\">%llu</b></div>"
               "<div class=\"fig\">%s<b id=\"t-fevers\">%d</b></div><div class=\"fig\">%s<b "
               "id=\"t-gate\">%llu</b></div></div>",
            T(r, "Health checks today", "今日体温检测"), (unsigned long long)t->checks_today,
            T(r, "Fevers today (37.3 °C or more)", "今日发热（≥37.3 °C）"), t->n_fevers_all,
            T(r, "Gate checks today", "今日卡口登记"), (unsigned long long)t->gate_today);
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"fevers\">", T(r, "Fevers recorded today", "今日发热人员"));
  for (int i = 0; i < t->n_fevers; i++) {
    wb_put(b, "<tr><td>");
    web_link(b, "/record/resident", scope, t->fever[i].key, t->fever[i].key);
    wb_printf(b, "</td><td>%d.%d °C</td><td>%.5s</td></tr>", t->fever[i].temp / 10, t->fever[i].temp % 10,
              t->fever[i].time);
  }
  if (!t->n_fevers)
    wb_printf(b, "<tr><td>%s</td></tr>", T(r, "None.", "无。"));
  wb_printf(b, "</table></div><h2>%s</h2><div class=\"scroll\"><table id=\"verdicts\"><tr><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
            T(r, "Compounds", "各小区"), T(r, "Compound", "小区"), T(r, "Today", "今日"),
            T(r, "Why", "原因"), T(r, "Disinfection", "消杀"), T(r, "Declaration", "申报"));
  rc = record_each(&rd.v, scope, domain_name(DOM_COMPOUND), NULL, wc_on_verdict, &s);
  wb_printf(b, "</table></div><h2>%s</h2><div class=\"scroll\"><table id=\"open-cases\"><tr><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th></th></tr>",
            T(r, "Open cases", "现有病例"), T(r, "Case", "病例"), T(r, "Category", "类别"),
            T(r, "Compound", "小区"), T(r, "Resident", "居民"), T(r, "From", "开始"));
  s.n = 0;
  if (rc >= 0)
    rc = record_each(&rd.v, scope, domain_name(DOM_CASE), NULL, wc_on_case, &s);
  wb_printf(b, "</table></div><h2>%s</h2><div class=\"scroll\"><table id=\"open-requests\"><tr><th>%s</th>"
               "<th>%s</th><th>%s</th></tr>",
            T(r, "Open proxy requests and group orders", "未完成的代购和团购"), T(r, "Request", "单号"),
            T(r, "Household", "住户"), T(r, "Status", "状态"));
  if (rc >= 0)
    rc = record_each(&rd.v, scope, domain_name(DOM_PROXY), NULL, wc_on_open_request, &s);
  if (rc >= 0)
    rc = record_each(&rd.v, scope, domain_name(DOM_ORDER), NULL, wc_on_open_request, &s);
  wb_printf(b, "</table></div><h2>%s</h2><p id=\"hardship\">",
            T(r, "Hardship households with no relief in 7 days", "7 天内未领取救助的困难户"));
  s.n = 0;
  if (rc >= 0)
    rc = record_each(&rd.v, scope, domain_name(DOM_HOUSEHOLD), NULL, wc_on_hardship, &s);
  wb_printf(b, "%s</p>", s.n ? "" : T(r, "None.", "无。"));
  if (s.n > 100)
    wb_printf(b, "<p class=\"mut\">%d %s</p>", s.n, T(r, "in all", "户（共计）"));
  wc_list_links(r, scope);
  wb_printf(b, "<p class=\"mut\" id=\"today-gap\">%s</p>",
            T(r, "Not on this sheet yet: the residents not checked today, by name (the "
                 "health round page of each grid shows who is checked).",
              "本页暂未列出今日未检测的居民名单（各网格的健康巡查页面显示已检测情况）。"));
  web_read_end(&rd);
  web_foot(r);
  free(t->relief), free(t->disinf), free(t);
  return rc < 0 ? web_fail_page(r, 500, "The records could not be read.", "无法读取记录。") : 200;
}
