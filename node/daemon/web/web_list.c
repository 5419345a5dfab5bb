/* The community's line lists with filters (/list/...) and one record with
 * its history (/record/...). Every value is rendered by the domain table's
 * renderer (dom_render) and escaped. Contract: web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "web_int.h"

#define WC_ROWS 200 /* rows of a list page */
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
  char vals[DOM_FIELDS_MAX][WEB_VALUE_MAX], key[CRDT_KEY_MAX + 1];
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
  web_link(b, path, l->scope, key, key);
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
  char vals[DOM_FIELDS_MAX][WEB_VALUE_MAX], key[CRDT_KEY_MAX + 1];
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
  web_link(b, path, l->scope, key, key);
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
  char when[20], author[17], val[WEB_VALUE_MAX];
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
  char bybuf[WEB_VALUE_MAX];
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
  char val[WEB_VALUE_MAX];
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
