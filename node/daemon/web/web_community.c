/* The community pages: the morning sheet (today), line lists with filters,
 * and one record with its history. Every value is rendered by the domain
 * table's renderer (dom_render) and escaped. Contract: web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "web_int.h"

#define WC_ROWS 200     /* rows of a list page */
#define WC_VALUE_MAX 640 /* bytes of one rendered value */

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
  char one[WC_VALUE_MAX];
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

static void wc_link(struct wb *b, const char *path, const char *scope, const char *key, const char *text)
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
  wc_link(b, "/record/compound", s->scope, code, code);
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
  wc_link(b, "/record/case_status", s->scope, key, key);
  wb_put(b, "</td><td>");
  wb_escs(b, catz);
  wb_put(b, "</td><td>");
  wb_escs(b, comp);
  wb_put(b, "</td><td>");
  wc_link(b, "/record/resident", s->scope, res, res);
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
  wc_link(&r->out, path, s->scope, key, key);
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
    wc_link(&s->r->out, "/record/household", s->scope, key, key);
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
      wc_link(b, "/community", all[i], NULL, all[i]);
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
    wc_link(b, "/record/resident", scope, t->fever[i].key, t->fever[i].key);
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

/* ---- line lists ---- */

struct wc_list {
  struct web_req *r;
  const struct crdt_view *v;
  struct store_read *rd;
  const char *scope;
  const struct dom_collection *c;
  int coll;
  const char *f, *val, *q, *date, *key;
  const struct dom_field *ff;
  int open_only, kind_relief;
  int shown, matched, skip;
  uint8_t op[CRDT_OP_MAX_BYTES];
};

/* A case-insensitive (ASCII) substring test. */
static int wc_contains(const char *hay, const char *needle)
{
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (!strncasecmp(p, needle, n))
      return 1;
  return n == 0;
}

static int wc_show_field(const struct dom_field *f)
{
  return !(f->flags & DOM_F_DERIVED) || f->kind == DOM_SET;
}

static void wc_list_head(struct wc_list *l)
{
  struct wb *b = &l->r->out;
  wb_printf(b, "<div class=\"scroll\"><table id=\"list\"><tr><th>%s</th>", l->c->key_col_zh && !l->r->en
                                                                                ? l->c->key_col_zh
                                                                                : l->c->key_col);
  if (l->c->shape == DOM_COUNTERS)
    wb_printf(b, "<th>%s</th><th class=\"n\">%s</th>", T(l->r, "item", "物资"), T(l->r, "quantity", "数量"));
  for (int i = 0; l->c->fields && l->c->fields[i].name; i++)
    if (wc_show_field(&l->c->fields[i]))
      wb_printf(b, "<th>%s</th>", TX(l->r, l->c->fields[i].label));
  if (l->c->shape == DOM_LOG)
    wb_printf(b, "<th>%s</th>", T(l->r, "recorded", "记录时间"));
  wb_put(b, "</tr>");
}

static int wc_take(struct wc_list *l)
{
  l->matched++;
  if (l->skip) {
    l->skip--;
    return 0;
  }
  return l->shown < WC_ROWS;
}

static int wc_on_record(void *arg, const struct record *rec)
{
  struct wc_list *l = arg;
  struct wb *b = &l->r->out;
  char vals[DOM_FIELDS_MAX][WC_VALUE_MAX], key[CRDT_KEY_MAX + 1];
  int conflict[DOM_FIELDS_MAX], nf = 0;
  if (rec->deleted)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  if (l->c->shape == DOM_COUNTERS) {
    for (uint32_t i = 0; i < rec->n_fields; i++) {
      const struct record_field *x = &rec->f[i];
      if (x->tag != CRDT_ROW_COUNTER)
        continue;
      char item[CRDT_FIELD_MAX + 1];
      snprintf(item, sizeof item, "%.*s", (int)x->name.len, x->name.p);
      if ((l->q && !wc_contains(item, l->q) && !wc_contains(key, l->q)) || !wc_take(l))
        continue;
      wb_put(b, "<tr><td>");
      wb_escs(b, key);
      wb_put(b, "</td><td>");
      wb_escs(b, item);
      wb_printf(b, "</td><td class=\"n\">%lld</td></tr>", (long long)x->sum);
      l->shown++;
    }
    return 0;
  }
  int match = !l->q || wc_contains(key, l->q);
  for (int i = 0; l->c->fields[i].name && i < DOM_FIELDS_MAX; i++, nf++) {
    const struct dom_field *f = &l->c->fields[i];
    web_record_value(l->v, rec, f, vals[i], sizeof vals[i], &conflict[i]);
    if (l->ff == f && strcmp(vals[i], l->val))
      return 0;
    match |= l->q && wc_contains(vals[i], l->q);
  }
  if (l->open_only) { /* cases: not released (on or before today) */
    int rel = domain_field_index(l->c, "release_date", 12);
    int64_t rd, t;
    dom_date_days(l->r->today, DOM_DATE_LEN, &t);
    if (rel >= 0 && vals[rel][0] && dom_date_days(vals[rel], strlen(vals[rel]), &rd) == 0 && rd <= t)
      return 0;
  }
  if (!match || !wc_take(l))
    return 0;
  wb_put(b, "<tr><td>");
  char path[64];
  snprintf(path, sizeof path, "/record/%s", l->c->name);
  wc_link(b, path, l->scope, key, key);
  wb_put(b, "</td>");
  for (int i = 0; i < nf; i++) {
    if (!wc_show_field(&l->c->fields[i]))
      continue;
    wb_put(b, "<td>");
    wb_escs(b, vals[i]);
    if (conflict[i])
      wb_printf(b, " <span class=\"err\">%s</span>", T(l->r, "(conflict)", "（冲突）"));
    wb_put(b, "</td>");
  }
  wb_put(b, "</tr>");
  l->shown++;
  return 0;
}

static int wc_on_event(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct wc_list *l = arg;
  struct wb *b = &l->r->out;
  struct crdt_op o;
  uint64_t hlc;
  const uint8_t *id;
  char vals[DOM_FIELDS_MAX][WC_VALUE_MAX], key[CRDT_KEY_MAX + 1];
  (void)v, (void)vl;
  if (record_log_op(k, kl, &hlc, &id))
    return LINLI_ECORRUPT;
  int len = store_read_op(l->rd, l->scope, hlc, id, l->op, sizeof l->op);
  if (len < 0 || crdt_op_decode(&o, l->op, (size_t)len) || o.key.len > CRDT_KEY_MAX)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)o.key.len, o.key.p);
  if (l->key && strcmp(key, l->key))
    return 0;
  int match = !l->q || wc_contains(key, l->q), nf = 0;
  for (int i = 0; l->c->fields[i].name && i < DOM_FIELDS_MAX; i++, nf++) {
    const struct dom_field *f = &l->c->fields[i];
    size_t fl;
    const uint8_t *x = dom_body_get(o.body, o.body_len, f->name, &fl);
    vals[i][0] = 0;
    if (x)
      dom_render(f, x, fl, vals[i], sizeof vals[i]);
    if (l->ff == f && strcmp(vals[i], l->val))
      return 0;
    if (l->date && !strcmp(f->name, "date") && strcmp(vals[i], l->date))
      return 0;
    if (l->kind_relief && !strcmp(f->name, "kind") && strcmp(vals[i], "relief"))
      return 0;
    match |= l->q && wc_contains(vals[i], l->q);
  }
  if (!match || !wc_take(l))
    return 0;
  char path[64], when[20];
  snprintf(path, sizeof path, "/record/%s", l->c->name);
  wb_put(b, "<tr><td>");
  wc_link(b, path, l->scope, key, key);
  wb_put(b, "</td>");
  for (int i = 0; i < nf; i++) {
    if (!wc_show_field(&l->c->fields[i]))
      continue;
    wb_put(b, "<td>");
    wb_escs(b, vals[i]);
    wb_put(b, "</td>");
  }
  web_local_time(l->r, CRDT_HLC_MS(hlc), when);
  wb_printf(b, "<td>%s</td></tr>", when);
  l->shown++;
  return 0;
}

/* The collection a page path names (/list/NAME, /record/NAME), or -1. */
int web_coll_of(const char *url, const char *prefix)
{
  size_t pl = strlen(prefix);
  const struct dom_collection *c = domain_find(url + pl, strlen(url + pl));
  return c ? domain_coll_id(c) : -1;
}

static void wc_filter_form(struct wc_list *l)
{
  struct web_req *r = l->r;
  struct wb *b = &r->out;
  wb_printf(b, "<form method=\"get\" action=\"/list/%s\" class=\"card noprint\" id=\"filters\">"
               "<input type=\"hidden\" name=\"c\" value=\"",
            l->c->name);
  wb_escs(b, l->scope);
  wb_printf(b, "\"><label>%s<input name=\"q\" id=\"q\" value=\"", T(r, "Find (name, phone, ID, key…)", "查找（姓名、电话、身份证号、编号…）"));
  if (l->q)
    wb_escs(b, l->q);
  wb_put(b, "\"></label>");
  if (l->c->fields) {
    wb_printf(b, "<label>%s<select name=\"f\" id=\"f\"><option value=\"\"></option>", T(r, "Field", "字段"));
    for (int i = 0; l->c->fields[i].name; i++) {
      const struct dom_field *f = &l->c->fields[i];
      wb_printf(b, "<option value=\"%s\"%s>%s</option>", f->name, l->ff == f ? " selected" : "", TX(r, f->label));
    }
    wb_printf(b, "</select></label><label>%s<input name=\"v\" id=\"v\" value=\"", T(r, "equals", "等于"));
    if (l->val)
      wb_escs(b, l->val);
    wb_put(b, "\"></label>");
  }
  if (l->c->shape == DOM_LOG)
    wb_printf(b, "<label>%s<input type=\"date\" name=\"date\" value=\"%s\"></label>", T(r, "Date", "日期"),
              l->date ? l->date : "");
  if (l->coll == DOM_CASE)
    wb_printf(b, "<label><input type=\"checkbox\" name=\"open\" value=\"1\"%s> %s</label>",
              l->open_only ? " checked" : "", T(r, "open cases only", "只看未解除"));
  wb_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Filter", "筛选"));
}

int web_page_list(struct web_req *r)
{
  int coll = web_coll_of(r->url, "/list/");
  if (coll < 0 || coll == DOM_APPROVAL)
    return web_fail_page(r, 404, "No such list.", "没有这个名单。");
  struct wc_list *l = calloc(1, sizeof *l);
  struct web_read rd;
  if (!l)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  l->r = r;
  l->coll = coll;
  l->c = &domain_collections[coll];
  l->scope = web_scope(r);
  l->q = web_param(r, "q", 200);
  l->f = web_param(r, "f", CRDT_FIELD_MAX);
  l->val = web_param(r, "v", 200);
  l->date = web_param(r, "date", DOM_DATE_LEN);
  l->key = web_param(r, "k", DOM_KEY_MAX);
  l->open_only = web_param(r, "open", 2) != NULL;
  const char *page = web_param(r, "page", 6);
  int pg = page ? atoi(page) : 0;
  if (pg < 0)
    pg = 0;
  l->skip = pg * WC_ROWS;
  if (l->q && !l->q[0])
    l->q = NULL;
  if (l->date && !l->date[0])
    l->date = NULL;
  if (l->f && l->c->fields && l->val && l->val[0])
    l->ff = domain_field(l->c, l->f, strlen(l->f));
  if (!l->ff)
    l->val = NULL;
  int rc = web_read_begin(r->w, &rd);
  if (rc) {
    free(l);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  l->v = &rd.v;
  l->rd = rd.rd;
  char title[160];
  snprintf(title, sizeof title, "%s · %s", TX(r, l->c->noun), l->scope);
  web_head(r, title);
  wc_filter_form(l);
  if (web_writable(r, l->scope) && r->who.role >= WEB_CLERK && coll != DOM_DECLARATION) {
    const struct dom_command *cmd = NULL;
    for (size_t i = 0; i < domain_n_commands; i++)
      if (domain_commands[i].coll == coll)
        cmd = cmd ? cmd : &domain_commands[i];
    unsigned verbs = cmd ? cmd->verbs : coll == DOM_CASE || coll == DOM_HEALTH_CHECK || coll == DOM_GATE_CHECK ? DOM_V_ADD : 0;
    if (verbs & (DOM_V_ADD | DOM_V_IN))
      wb_printf(&r->out, "<p class=\"actions noprint\"><a href=\"/form/%s?v=%s\" id=\"new\">%s</a></p>", l->c->name,
                verbs & DOM_V_ADD ? "add" : "in", T(r, "New", "新增"));
  }
  wc_list_head(l);
  if (l->c->shape == DOM_LOG) {
    uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
    int ql = crdt_row_prefix(q, sizeof q - 1, l->scope, strlen(l->scope), l->c->name, strlen(l->c->name), NULL, 0);
    rc = ql;
    if (ql >= 0) {
      q[ql++] = CRDT_ROW_LOG;
      rc = rd.v.scan(rd.v.ctx, q, (size_t)ql, wc_on_event, l);
    }
  } else {
    rc = record_each(&rd.v, l->scope, l->c->name, NULL, wc_on_record, l);
  }
  web_read_end(&rd);
  wb_printf(&r->out, "</table></div><p id=\"count\" data-count=\"%d\">%d %s", l->matched, l->matched,
            T(r, "in all", "条"));
  if (l->matched > (pg + 1) * WC_ROWS) {
    wb_printf(&r->out, " · <a href=\"/list/%s?c=", l->c->name);
    wb_url(&r->out, l->scope);
    static const char *const keep[] = {"q", "f", "v", "date", "k", "open"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
      const char *x = web_param(r, keep[i], 200);
      if (x && x[0]) {
        wb_printf(&r->out, "&amp;%s=", keep[i]);
        wb_url(&r->out, x);
      }
    }
    wb_printf(&r->out, "&amp;page=%d\">%s</a>", pg + 1, T(r, "next page", "下一页"));
  }
  wb_put(&r->out, "</p>");
  web_foot(r);
  free(l);
  return rc < 0 && rc != LINLI_ENOTFOUND ? web_fail_page(r, 500, "The records could not be read.", "无法读取记录。")
                                         : 200;
}

/* ---- one record, with its history ---- */

struct wc_hist {
  struct web_req *r;
  const struct dom_collection *c;
  const char *coll, *key;
  int n;
};

static const char *wc_kind(struct web_req *r, enum crdt_kind k)
{
  switch (k) {
  case CRDT_SET: return T(r, "set", "修改");
  case CRDT_ADD: return T(r, "add to", "加入");
  case CRDT_REMOVE: return T(r, "remove from", "移除");
  case CRDT_COUNTER: return T(r, "count", "计数");
  case CRDT_APPEND: return T(r, "event", "登记");
  case CRDT_TOMBSTONE: return T(r, "delete", "删除");
  default: return "?";
  }
}

static int wc_hist_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct wc_hist *h = arg;
  struct web_req *r = h->r;
  struct wb *b = &r->out;
  struct crdt_op o;
  char when[20], author[17], val[WC_VALUE_MAX];
  (void)id;
  if (crdt_op_decode(&o, raw, len) || o.collection.len != strlen(h->coll) ||
      memcmp(o.collection.p, h->coll, o.collection.len) || o.key.len != strlen(h->key) ||
      memcmp(o.key.p, h->key, o.key.len))
    return 0;
  if (h->n++ >= 500)
    return 0;
  web_local_time(r, CRDT_HLC_MS(hlc), when);
  sodium_bin2hex(author, sizeof author, o.author, 8);
  wb_printf(b, "<tr><td>%s</td><td>%s</td><td>", when, wc_kind(r, o.kind));
  struct crdt_mp m;
  uint32_t n;
  const char *by = NULL;
  char bybuf[WC_VALUE_MAX];
  crdt_mp_init(&m, o.body, o.body_len);
  if (crdt_mp_map(&m, &n) == 0)
    for (uint32_t i = 0; i < n; i++) {
      const char *k;
      uint32_t kl;
      const uint8_t *vp = NULL;
      if (crdt_mp_str(&m, &k, &kl))
        break;
      vp = m.p;
      if (crdt_mp_value(&m, CRDT_DEPTH_MAX))
        break;
      char name[CRDT_FIELD_MAX + 1];
      snprintf(name, sizeof name, "%.*s", (int)kl, k);
      const struct dom_field *f = h->c->fields ? domain_field(h->c, name, kl) : NULL;
      dom_render(f, vp, (size_t)(m.p - vp), val, sizeof val);
      if (!strcmp(name, "by")) { /* the staff account that wrote it (web.h) */
        snprintf(bybuf, sizeof bybuf, "%s", val);
        by = bybuf;
      }
      wb_printf(b, "%s<b>", i ? "<br>" : "");
      wb_escs(b, f ? TX(r, f->label) : name);
      wb_put(b, "</b> ");
      wb_escs(b, val);
    }
  wb_printf(b, "</td><td>%s</td><td class=\"by\">", author);
  if (by)
    wb_escs(b, by);
  wb_put(b, "</td></tr>");
  return 0;
}

static int wc_on_fields(void *arg, const struct record *rec)
{
  struct wc_list *l = arg;
  struct web_req *r = l->r;
  struct wb *b = &r->out;
  char val[WC_VALUE_MAX];
  int conflict;
  if (rec->deleted) {
    wb_printf(b, "<p class=\"err\">%s</p>", T(r, "This record was deleted.", "此记录已删除。"));
    return 1;
  }
  wb_put(b, "<table id=\"fields\">");
  if (l->c->shape == DOM_COUNTERS) {
    for (uint32_t i = 0; i < rec->n_fields; i++)
      if (rec->f[i].tag == CRDT_ROW_COUNTER) {
        wb_put(b, "<tr><th>");
        wb_esc(b, rec->f[i].name.p, rec->f[i].name.len);
        wb_printf(b, "</th><td class=\"n\">%lld</td></tr>", (long long)rec->f[i].sum);
      }
  }
  for (int i = 0; l->c->fields && l->c->fields[i].name; i++) {
    const struct dom_field *f = &l->c->fields[i];
    web_record_value(l->v, rec, f, val, sizeof val, &conflict);
    wb_printf(b, "<tr><th>%s</th><td data-field=\"%s\">", TX(r, f->label), f->name);
    wb_escs(b, val);
    if (conflict)
      wb_printf(b, " <span class=\"err\">%s</span>", T(r, "(concurrent values: linli conflicts)", "（存在冲突值：linli conflicts）"));
    wb_put(b, "</td></tr>");
  }
  wb_put(b, "</table>");
  l->shown = 1;
  return 1;
}

int web_page_record(struct web_req *r)
{
  int coll = web_coll_of(r->url, "/record/");
  const char *key = web_param(r, "k", DOM_KEY_MAX);
  if (coll < 0 || !key || !key[0])
    return web_fail_page(r, 404, "No such record.", "没有这条记录。");
  const struct dom_collection *c = &domain_collections[coll];
  const char *scope = coll == DOM_APPROVAL && r->w->cfg->trust ? r->w->cfg->district : web_scope(r);
  struct wc_list *l = calloc(1, sizeof *l);
  struct web_read rd;
  if (!l)
    return web_fail_page(r, 500, "Out of memory.", "内存不足。");
  if (web_read_begin(r->w, &rd)) {
    free(l);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  l->r = r, l->coll = coll, l->c = c, l->scope = scope, l->v = &rd.v, l->rd = rd.rd, l->key = key;
  char title[CRDT_KEY_MAX + 96];
  snprintf(title, sizeof title, "%s %s", TX(r, c->noun), c->key_private ? "" : key);
  web_head(r, title);
  struct wb *b = &r->out;
  if (c->key_private) {
    wb_put(b, "<p><b>");
    wb_escs(b, key);
    wb_put(b, "</b></p>");
  }
  int rc;
  if (c->shape == DOM_LOG) {
    wc_list_head(l);
    uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
    int ql = crdt_row_prefix(q, sizeof q - 1, scope, strlen(scope), c->name, strlen(c->name), NULL, 0);
    rc = ql;
    if (ql >= 0) {
      q[ql++] = CRDT_ROW_LOG;
      rc = rd.v.scan(rd.v.ctx, q, (size_t)ql, wc_on_event, l);
    }
    wb_printf(b, "</table></div><p id=\"count\" data-count=\"%d\">%d %s</p>", l->matched, l->matched,
              T(r, "events", "条记录"));
  } else {
    rc = record_each(&rd.v, scope, c->name, key, wc_on_fields, l);
    if (!l->shown)
      wb_printf(b, "<p class=\"err\" id=\"missing\">%s</p>", T(r, "No such record here.", "本节点没有这条记录。"));
  }
  web_read_end(&rd);
  if (web_writable(r, scope) && r->who.role >= WEB_CLERK && coll != DOM_APPROVAL && coll != DOM_DECLARATION) {
    wb_put(b, "<p class=\"actions noprint\">");
    const char *verb = c->shape == DOM_LOG ? "add" : c->shape == DOM_COUNTERS ? "in" : "set";
    wb_printf(b, "<a href=\"/form/%s?v=%s&amp;k=", c->name, verb);
    wb_url(b, key);
    wb_printf(b, "\" id=\"edit\">%s</a>", c->shape == DOM_LOG ? T(r, "Record another", "再登记一条")
                                                              : T(r, "Change", "修改"));
    if (coll == DOM_CASE) {
      wb_put(b, "<a href=\"/form/case_status?v=set&amp;only=release_date&amp;k=");
      wb_url(b, key);
      wb_printf(b, "\">%s</a>", T(r, "Release", "解除"));
    }
    if (coll == DOM_ORDER || coll == DOM_PROXY) {
      wb_printf(b, "<a href=\"/form/%s?v=set&amp;only=status&amp;k=", c->name);
      wb_url(b, key);
      wb_printf(b, "\">%s</a>", T(r, "Next status", "更新状态"));
    }
    wb_put(b, "</p>");
  }
  /* history: every op of the record, from the scope's ops in time order */
  struct wc_hist h = {r, c, c->name, key, 0};
  wb_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"history\"><tr><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th></tr>",
            T(r, "History", "修改记录"), T(r, "When", "时间"), T(r, "What", "操作"), T(r, "Values", "内容"),
            T(r, "Node", "节点"), T(r, "By", "操作人"));
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  if (rc >= 0)
    rc = store_range_each(r->w->o.store, scope, &lo, &hi, 0, wc_hist_op, &h);
  wb_put(b, "</table></div>");
  if (h.n > 500)
    wb_printf(b, "<p class=\"mut\">%s</p>", T(r, "The first 500 are shown.", "只显示前 500 条。"));
  web_foot(r);
  free(l);
  return rc < 0 && rc != LINLI_ENOTFOUND ? web_fail_page(r, 500, "The records could not be read.", "无法读取记录。")
                                         : 200;
}
