/* The two forms of many records: the health round of a grid (one row per
 * resident, one batch of checks) and the declaration that a compound is
 * epidemic-free (what linli declare checks). Checked by dom_plan() on one
 * read snapshot and written through the daemon, as web_forms.c's forms
 * are. Contract: web_int.h.
 *
 *   /round?grid=G[&date=D]   the health round of a grid, one row per resident
 *   /declare?compound=C      the declaration that a compound is epidemic-free */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

#define WF_ROWS_MAX 2000 /* residents of a grid's round */
/* ---- the health round of a grid ---- */

struct wr_row {
  char key[CRDT_KEY_MAX + 1];
  char name[DOM_TEXT_MAX + 1];
  char household[CRDT_KEY_MAX + 1];
  int temp; /* tenths, the latest check today; 0 none */
};

struct wr {
  struct web_req *r;
  const char *grid, *date;
  char (*hh)[CRDT_KEY_MAX + 1];
  int n_hh;
  struct wr_row *row;
  int n;
  int64_t day;
  /* after a refusal: per row the sentence, or "" */
  char (*err)[DOM_MSG_MAX];
  int n_err;
};

static int wr_key_cmp(const void *a, const void *b)
{
  return strcmp(a, b);
}

static int wr_on_household(void *arg, const struct record *rec)
{
  struct wr *x = arg;
  char grid[CRDT_KEY_MAX + 1];
  if (rec->deleted || rec->key.len > CRDT_KEY_MAX || record_str(rec, "grid", grid, sizeof grid) ||
      strcmp(grid, x->grid) || x->n_hh == WF_ROWS_MAX)
    return 0;
  snprintf(x->hh[x->n_hh++], CRDT_KEY_MAX + 1, "%.*s", (int)rec->key.len, rec->key.p);
  return 0;
}

static int wr_on_resident(void *arg, const struct record *rec)
{
  struct wr *x = arg;
  char hh[CRDT_KEY_MAX + 1];
  if (rec->deleted || rec->key.len > CRDT_KEY_MAX || record_str(rec, "household", hh, sizeof hh) ||
      !bsearch(hh, x->hh, (size_t)x->n_hh, sizeof x->hh[0], wr_key_cmp) || x->n == WF_ROWS_MAX)
    return 0;
  struct wr_row *w = &x->row[x->n++];
  memset(w, 0, sizeof *w);
  snprintf(w->key, sizeof w->key, "%.*s", (int)rec->key.len, rec->key.p);
  if (record_str(rec, "name", w->name, sizeof w->name))
    w->name[0] = 0;
  memcpy(w->household, hh, sizeof hh);
  return 0;
}

static int wr_row_cmp(const void *k, const void *row)
{
  return strcmp(k, ((const struct wr_row *)row)->key);
}

/* Today's checks of the grid's residents, from the ops since midnight. */
static int wr_today_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct wr *x = arg;
  struct crdt_op o;
  char key[CRDT_KEY_MAX + 1], date[16];
  size_t vl;
  const char *hc = domain_name(DOM_HEALTH_CHECK);
  (void)hlc, (void)id;
  if (crdt_op_decode(&o, raw, len) || o.kind != CRDT_APPEND || o.collection.len != strlen(hc) ||
      memcmp(o.collection.p, hc, o.collection.len) || o.key.len > CRDT_KEY_MAX)
    return 0;
  const uint8_t *d = dom_body_get(o.body, o.body_len, "date", &vl);
  if (!d || dom_render(NULL, d, vl, date, sizeof date) || strcmp(date, x->date))
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)o.key.len, o.key.p);
  struct wr_row *row = bsearch(key, x->row, (size_t)x->n, sizeof *x->row, wr_row_cmp);
  const uint8_t *t = dom_body_get(o.body, o.body_len, "temp_dc", &vl);
  int64_t temp = 0;
  struct crdt_mp m;
  if (row && t) {
    crdt_mp_init(&m, t, vl);
    if (crdt_mp_int(&m, &temp) == 0)
      row->temp = (int)temp;
  }
  return 0;
}

static int wr_gather(struct web *w, struct wr *x, const struct crdt_view *v)
{
  const char *scope = w->cfg->scopes[0];
  int rc = record_each(v, scope, domain_name(DOM_HOUSEHOLD), NULL, wr_on_household, x);
  if (rc >= 0) {
    qsort(x->hh, (size_t)x->n_hh, sizeof x->hh[0], wr_key_cmp);
    rc = record_each(v, scope, domain_name(DOM_RESIDENT), NULL, wr_on_resident, x);
  }
  if (rc < 0)
    return rc;
  /* record_each walks in key order: the rows are sorted for bsearch */
  int32_t off = dom_tz_day_offset(&w->tz, x->date);
  int64_t from_ms = (x->day * 86400 - off) * 1000;
  struct store_bound lo = {from_ms > 0 ? CRDT_HLC_MAKE((uint64_t)from_ms, 0) : 0, {0}}, hi = store_bound_max();
  rc = store_range_each(w->o.store, scope, &lo, &hi, 0, wr_today_op, x);
  return rc < 0 ? rc : 0;
}

static void wr_render(struct wr *x, const struct crdt_view *v)
{
  struct web_req *r = x->r;
  struct wb *b = &r->out;
  char title[CRDT_KEY_MAX + 80];
  snprintf(title, sizeof title, "%s %s · %s", T(r, "Health round", "健康巡查"), x->grid ? x->grid : "", x->date);
  web_head(r, title);
  wb_printf(b, "<p class=\"actions noprint\">%s ", T(r, "Grid:", "网格："));
  web_grid_links(r, v, r->w->cfg->scopes[0]);
  wb_put(b, "</p>");
  if (!x->grid) {
    web_foot(r);
    return;
  }
  if (x->n_err)
    wb_printf(b, "<p class=\"err\" id=\"form-error\">%s (%d)</p>",
              T(r, "Nothing was recorded: fix the rows marked below.", "未保存任何记录：请修改下方标出的行。"), x->n_err);
  int checked = 0;
  for (int i = 0; i < x->n; i++)
    checked += x->row[i].temp != 0;
  wb_printf(b, "<p id=\"round-count\">%s <b>%d</b> · %s <b id=\"round-checked\">%d</b></p>",
            T(r, "Residents", "居民"), x->n, T(r, "checked today", "今日已检测"), checked);
  wb_put(b, "<form method=\"post\" action=\"/round\" class=\"round\" id=\"round-form\">");
  web_csrf_field(r);
  wb_put(b, "<input type=\"hidden\" name=\"grid\" value=\"");
  wb_escs(b, x->grid);
  wb_printf(b, "\"><input type=\"hidden\" name=\"date\" value=\"%s\"><input type=\"hidden\" name=\"n\" "
               "value=\"%d\"><div class=\"scroll\"><table><tr><th>%s</th><th>%s</th><th>%s</th></tr>",
            x->date, x->n, T(r, "Resident", "居民"), T(r, "Temp °C", "体温"), T(r, "Cough", "咳嗽"));
  for (int i = 0; i < x->n; i++) {
    const struct wr_row *w = &x->row[i];
    char tn[16], cn[16];
    snprintf(tn, sizeof tn, "t%d", i);
    snprintf(cn, sizeof cn, "c%d", i);
    const char *had = r->post ? web_form_get(&r->form, tn) : NULL;
    const char *cough = r->post ? web_form_get(&r->form, cn) : NULL;
    int bad = x->err && x->err[i][0];
    wb_printf(b, "<tr class=\"%s\" id=\"row-%d\"><td><input type=\"hidden\" name=\"k%d\" value=\"", bad ? "bad" : "", i, i);
    wb_escs(b, w->key);
    wb_put(b, "\">");
    wb_escs(b, w->name);
    wb_put(b, "<br><small>");
    wb_escs(b, w->key);
    if (w->temp)
      wb_printf(b, " · %s %d.%d", T(r, "today", "今日"), w->temp / 10, w->temp % 10);
    wb_printf(b, "</small></td><td><input class=\"t\" name=\"%s\" id=\"%s\" inputmode=\"decimal\" "
                 "placeholder=\"36.6\" value=\"",
              tn, tn);
    if (had)
      wb_escs(b, had);
    wb_put(b, "\">");
    if (bad) {
      wb_printf(b, "<span class=\"field-error\" id=\"error-%d\">", i);
      wb_escs(b, x->err[i]);
      wb_put(b, "</span>");
    }
    wb_printf(b, "</td><td><input type=\"checkbox\" name=\"%s\" id=\"%s\" value=\"yes\"%s></td></tr>", cn, cn,
              cough ? " checked" : "");
  }
  wb_printf(b, "</table></div><button type=\"submit\" id=\"submit\">%s</button></form>",
            T(r, "Record the round", "保存巡查结果"));
  web_foot(r);
}

static void wr_free(struct wr *x)
{
  free(x->hh);
  free(x->row);
  free(x->err);
}

/* Plans every filled row against one snapshot; writes only if all pass. */
static int wr_post(struct wr *x, int *stored)
{
  struct web_req *r = x->r;
  struct web *w = r->w;
  const char *nrows = web_form_get(&r->form, "n");
  int n = nrows ? atoi(nrows) : 0, rc = 0, planned = 0;
  if (n < 0 || n > WF_ROWS_MAX)
    return LINLI_EINVAL;
  struct dom_plan *plans = calloc((size_t)(n ? n : 1), sizeof *plans);
  x->err = calloc((size_t)(x->n ? x->n : 1), sizeof *x->err);
  if (!plans || !x->err) {
    free(plans);
    return LINLI_ENOMEM;
  }
  struct web_read rd;
  if ((rc = web_read_begin(w, &rd))) {
    free(plans);
    return rc;
  }
  for (int i = 0; i < n; i++) {
    char kn[16], tn[16], cn[16], a[4][WEB_ARG_MAX];
    const char *args[4];
    snprintf(kn, sizeof kn, "k%d", i);
    snprintf(tn, sizeof tn, "t%d", i);
    snprintf(cn, sizeof cn, "c%d", i);
    const char *key = web_form_get(&r->form, kn), *t = web_form_get(&r->form, tn);
    const char *c = web_form_get(&r->form, cn);
    if (!t || !t[0])
      continue;
    int na = 0;
    snprintf(a[na++], WEB_ARG_MAX, "temp_dc=%s", t);
    snprintf(a[na++], WEB_ARG_MAX, "date=%s", x->date);
    snprintf(a[na++], WEB_ARG_MAX, "checked_by=%s", r->who.user);
    if (c)
      snprintf(a[na++], WEB_ARG_MAX, "cough=yes");
    for (int k = 0; k < na; k++)
      args[k] = a[k];
    struct dom_req q = {.coll = DOM_HEALTH_CHECK, .verb = DOM_V_ADD, .key = key ? key : "",
                        .args = args, .n_args = na, .home = w->cfg->scopes[0],
                        .district = w->cfg->trust ? w->cfg->district : NULL, .today = r->today,
                        .now = r->now};
    struct dom_err e = {0, 0, "", ""};
    rc = key && key[0] ? dom_plan(&q, &rd.v, &plans[planned], &e)
                       : dom_fail(&e, DOM_MALFORMED, "a row without its resident key");
    if (rc < 0)
      break;
    if (rc > 0) {
      if (i < x->n)
        snprintf(x->err[i], DOM_MSG_MAX, "%s", e.msg);
      x->n_err++;
      rc = 0;
      continue;
    }
    planned++;
  }
  web_read_end(&rd);
  if (!rc && !x->n_err) {
    char msg[DOM_MSG_MAX + 64];
    for (int i = 0; i < planned && !rc; i++) {
      int s = 0;
      rc = web_ctl_write_plan(w, &plans[i], r->who.user, &s, msg, sizeof msg);
      *stored += s;
    }
    if (rc)
      web_log(w, "http health round of grid %s by %s stopped after %d op(s): %s", x->grid, r->who.user,
              *stored, msg);
  }
  free(plans);
  return rc;
}

int web_page_round(struct web_req *r)
{
  struct web *w = r->w;
  struct wr x;
  memset(&x, 0, sizeof x);
  x.r = r;
  if (!web_writable(r, w->cfg->scopes[0]))
    return web_not_here(r);
  x.grid = web_param(r, "grid", DOM_KEY_MAX);
  if (x.grid && !x.grid[0])
    x.grid = NULL;
  const char *date = web_param(r, "date", DOM_DATE_LEN);
  int64_t t;
  dom_date_days(r->today, DOM_DATE_LEN, &t);
  x.date = date && dom_date_days(date, strlen(date), &x.day) == 0 && x.day <= t ? date : r->today;
  dom_date_days(x.date, DOM_DATE_LEN, &x.day);
  x.hh = calloc(WF_ROWS_MAX, sizeof *x.hh);
  x.row = calloc(WF_ROWS_MAX, sizeof *x.row);
  struct web_read rd;
  if (!x.hh || !x.row || web_read_begin(w, &rd)) {
    wr_free(&x);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  int rc = x.grid ? wr_gather(w, &x, &rd.v) : 0;
  web_read_end(&rd);
  if (rc) {
    wr_free(&x);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  if (r->post && x.grid) {
    int stored = 0;
    if (r->who.role < WEB_CLERK) {
      wr_free(&x);
      return web_fail_page(r, 403, "Your role does not allow this.", "您的角色无权进行此操作。");
    }
    rc = wr_post(&x, &stored);
    if (rc) {
      wr_free(&x);
      return web_fail_page(r, 500, "Not recorded: linlid refused the write or did not answer.",
                           "未保存：linlid 拒绝写入或没有响应。");
    }
    if (!x.n_err) {
      web_log(w, "http health round of grid %s by account %s: %d op(s)", x.grid, r->who.user, stored);
      struct wb url;
      wb_init(&url);
      wb_put(&url, "/round?grid=");
      wb_url(&url, x.grid);
      wb_printf(&url, "&date=%s&saved=%d", x.date, stored);
      web_redirect(r, url.p ? url.p : "/round");
      wb_release(&url);
      wr_free(&x);
      return 303;
    }
    atomic_fetch_add(&w->writes_refused, 1);
    r->status = 422;
  }
  if (web_read_begin(w, &rd)) {
    wr_free(&x);
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  }
  wr_render(&x, &rd.v);
  web_read_end(&rd);
  wr_free(&x);
  return r->post ? 422 : 200;
}

/* ---- the declaration (what linli declare checks) ---- */

static int wdc_option(void *arg, const struct record *rec)
{
  struct web_req *r = arg;
  const char *sel = web_param(r, "compound", DOM_KEY_MAX);
  char key[CRDT_KEY_MAX + 1], name[DOM_TEXT_MAX + 1];
  if (rec->deleted)
    return 0;
  snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
  if (record_str(rec, "name", name, sizeof name))
    name[0] = 0;
  wb_put(&r->out, "<option value=\"");
  wb_escs(&r->out, key);
  wb_printf(&r->out, "\"%s>", sel && !strcmp(sel, key) ? " selected" : "");
  wb_escs(&r->out, key);
  wb_put(&r->out, " ");
  wb_escs(&r->out, name);
  wb_put(&r->out, "</option>");
  return 0;
}

int web_page_declare(struct web_req *r)
{
  struct web *w = r->w;
  const char *scope = w->cfg->scopes[0];
  if (!web_writable(r, scope))
    return web_not_here(r);
  const char *compound = web_param(r, "compound", DOM_KEY_MAX);
  if (compound && !compound[0])
    compound = NULL;
  struct web_read rd;
  struct flow_look f;
  struct rules_evidence ev; /* the measures marked in place that the records do not show */
  char msg[DOM_MSG_MAX + 64] = "", unbacked[sizeof ev.m[0].evidence * RULES_MEASURES + 8] = "";
  const char *why = web_param(r, "reason", 240); /* declared all the same: why */
  if (why && !why[0])
    why = NULL;
  int rc = web_read_begin(w, &rd);
  if (rc)
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  memset(&f, 0, sizeof f);
  memset(&ev, 0, sizeof ev);
  if (compound)
    rc = flow_look(&rd.v, scope, compound, r->today, &f);
  if (rc >= 0 && compound)
    rc = rules_evidence(rd.rd, scope, compound, r->today, 0, &ev);
  rules_evidence_say(&ev, unbacked, sizeof unbacked);
  if (rc >= 0 && r->post && compound) {
    if (!f.verdict.eligible) {
      snprintf(msg, sizeof msg, "%s %s", T(r, "Not declared:", "不能申报："), f.verdict.reason);
    } else if (ev.n_unbacked && !why) {
      snprintf(msg, sizeof msg, "%s",
               T(r, "Not declared: a measure marked in place has no records to show it. Log the "
                    "work, or give the reason to declare all the same (the hub sees it).",
                 "未申报：有标记为到位的措施缺少记录佐证。请补录记录，或填写理由后仍然申报（区里可见）。"));
    } else {
      char a[6][WEB_ARG_MAX];
      const char *args[6];
      snprintf(a[0], WEB_ARG_MAX, "compound=%s", compound);
      snprintf(a[1], WEB_ARG_MAX, "date=%s", r->today);
      snprintf(a[2], WEB_ARG_MAX, "reason=%s", f.verdict.reason);
      snprintf(a[3], WEB_ARG_MAX, "status=declared");
      int n = 4;
      for (int i = 0; i < 4; i++)
        args[i] = a[i];
      if (ev.n_unbacked) { /* as linli declare --force --reason */
        size_t at = (size_t)snprintf(a[4], WEB_ARG_MAX, "forced=%.240s (measures without evidence:",
                                     why);
        for (int i = 0; i < RULES_MEASURES && at < WEB_ARG_MAX; i++)
          if (ev.m[i].marked && ev.m[i].state == RULES_EV_UNBACKED)
            at += (size_t)snprintf(a[4] + at, WEB_ARG_MAX - at, " %s", rules_measures[i]);
        if (at + 2 <= WEB_ARG_MAX)
          strcat(a[4], ")");
        args[n++] = a[4];
      }
      struct dom_req q = {.coll = DOM_DECLARATION, .verb = DOM_V_SET, .key = compound, .args = args,
                          .n_args = n, .home = scope,
                          .district = w->cfg->trust ? w->cfg->district : NULL, .today = r->today,
                          .now = r->now};
      struct dom_plan *p = malloc(sizeof *p);
      struct dom_err e = {0, 0, "", ""};
      int stored = 0;
      rc = p ? dom_plan(&q, &rd.v, p, &e) : LINLI_ENOMEM;
      web_read_end(&rd);
      rd.rd = NULL;
      if (rc > 0)
        snprintf(msg, sizeof msg, "%s", e.msg);
      else if (rc == 0)
        rc = web_ctl_write_plan(w, p, r->who.user, &stored, msg, sizeof msg);
      free(p);
      if (rc == 0) {
        web_log(w, "http declared compound %s by account %s: %d op(s)", compound, r->who.user, stored);
        char url[64];
        snprintf(url, sizeof url, "/community?saved=%d", stored);
        web_redirect(r, url);
        return 303;
      }
      if (rc < 0)
        return web_fail_page(r, 500, "Not recorded: linlid refused the write or did not answer.",
                             "未保存：linlid 拒绝写入或没有响应。");
      rc = 0;
    }
  }
  if (!rd.rd && web_read_begin(w, &rd))
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  web_head(r, T(r, "Declare a compound epidemic-free", "申报无疫情小区"));
  struct wb *b = &r->out;
  wb_printf(b, "<form method=\"get\" action=\"/declare\" class=\"card\"><label>%s<select name=\"compound\" "
               "id=\"f-compound\">",
            T(r, "Compound", "小区"));
  record_each(&rd.v, scope, domain_name(DOM_COMPOUND), NULL, wdc_option, r);
  wb_printf(b, "</select></label><button type=\"submit\" class=\"sec\">%s</button></form>",
            T(r, "Check the rule", "核查条件"));
  if (compound) {
    wb_printf(b, "<div class=\"card\"><p class=\"%s\" id=\"verdict\">", f.verdict.eligible ? "ok" : "err");
    wb_escs(b, f.verdict.reason);
    wb_put(b, "</p>");
    if (f.declared)
      wb_printf(b, "<p>%s %s</p>", T(r, "Declared on", "已于"), f.declared_on);
    if (unbacked[0]) {
      wb_printf(b, "<p class=\"err\" id=\"unbacked\">%s ", T(r, "Without evidence:", "缺少记录佐证："));
      wb_escs(b, unbacked);
      wb_put(b, "</p>");
    }
    if (msg[0]) {
      wb_put(b, "<p class=\"err\" id=\"form-error\">");
      wb_escs(b, msg);
      wb_put(b, "</p>");
    }
    if (f.verdict.eligible) {
      wb_put(b, "<form method=\"post\" action=\"/declare\">");
      web_csrf_field(r);
      wb_put(b, "<input type=\"hidden\" name=\"compound\" value=\"");
      wb_escs(b, compound);
      wb_put(b, "\">");
      if (ev.n_unbacked)
        wb_printf(b, "<label>%s<input name=\"reason\" id=\"f-reason\" maxlength=\"240\"></label>",
                  T(r, "Reason to declare all the same (the hub sees it; no personal data)",
                    "仍然申报的理由（区里可见，勿填个人信息）"));
      wb_printf(b, "<button type=\"submit\" id=\"declare\">%s</button></form>",
                T(r, "Declare it epidemic-free today", "申报为今日无疫情小区"));
    }
    wb_put(b, "</div>");
  }
  web_read_end(&rd);
  web_foot(r);
  return msg[0] ? 422 : 200;
}
