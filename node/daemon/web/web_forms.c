/* The forms of the daily work. Each form is made from the domain table (the
 * fields a verb writes, their labels, help and types) and checked by
 * dom_plan() on one read snapshot, as the CLI's verbs are; a refusal is
 * shown next to its field (dom_err.field) and nothing is written; what
 * passes is written through the daemon (web_ctl_write_plan), acknowledged
 * after the commit. Contract: web_int.h.
 *
 *   /form/COLL?v=add|set|in|out[&k=KEY][&only=f1,f2]  one record or event
 *
 * The health round of a grid and the declaration are web_round.c.
 *
 * Every op carries the staff account's name in its `by` field
 * (web_ctl_write_plan; domain.h "staff"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

#define WF_ARGS_MAX 32
#define WF_LIST_MAX 300 /* keys offered in a datalist */

/* The command a collection's forms use (as the CLI's verbs do), or NULL. */
static const struct dom_command *wf_command(int coll)
{
  if (coll == DOM_DISTRIBUTION)
    return domain_command("supply", "relief");
  for (size_t i = 0; i < domain_n_commands; i++)
    if (domain_commands[i].coll == coll)
      return &domain_commands[i];
  return NULL;
}

static unsigned wf_verbs(int coll, const struct dom_command *cmd)
{
  if (cmd)
    return cmd->verbs & (DOM_V_ADD | DOM_V_SET | DOM_V_IN | DOM_V_OUT);
  if (coll == DOM_CASE)
    return DOM_V_ADD | DOM_V_SET; /* linli case open | release */
  if (coll == DOM_HEALTH_CHECK || coll == DOM_GATE_CHECK)
    return DOM_V_ADD; /* linli check health | gate */
  return 0;
}

struct wf {
  struct web_req *r;
  int coll;
  const struct dom_collection *c;
  const struct dom_command *cmd;
  unsigned verb;
  const char *vname, *scope, *key;
  char only[8][CRDT_FIELD_MAX + 1];
  int n_only;
  const struct dom_err *e; /* the refusal to show, or NULL */
  const struct crdt_view *v;
};

static int wf_shown(const struct wf *f, const struct dom_field *x)
{
  if ((x->flags & DOM_F_DERIVED) || (f->verb == DOM_V_ADD && (x->flags & DOM_F_SETONLY)) ||
      (f->verb == DOM_V_SET && (x->flags & DOM_F_ADD)) ||
      (f->cmd && f->cmd->kind && f->c->shape == DOM_LOG && !strcmp(x->name, "kind")))
    return 0;
  if (!f->n_only)
    return 1;
  for (int i = 0; i < f->n_only; i++)
    if (!strcmp(f->only[i], x->name))
      return 1;
  return 0;
}

/* The value the form had for name (after a refusal), or "". */
static const char *wf_had(const struct wf *f, const char *name)
{
  const char *v = f->r->post ? web_form_get(&f->r->form, name) : NULL;
  return v ? v : "";
}

struct wf_keys {
  struct wb *b;
  int n;
  const char *field; /* a set field whose elements are offered (gates), or NULL */
  const struct crdt_view *v;
};

static int wf_gate(void *arg, const uint8_t *e, size_t el)
{
  struct wf_keys *k = arg;
  char s[CRDT_KEY_MAX + 1];
  dom_render(NULL, e, el, s, sizeof s);
  if (k->n++ < WF_LIST_MAX) {
    wb_put(k->b, "<option value=\"");
    wb_escs(k->b, s);
    wb_put(k->b, "\">");
  }
  return 0;
}

static int wf_key_opt(void *arg, const struct record *rec)
{
  struct wf_keys *k = arg;
  if (rec->deleted)
    return 0;
  if (k->field) {
    char scope[CRDT_SCOPE_MAX + 1], key[CRDT_KEY_MAX + 1];
    snprintf(scope, sizeof scope, "%.*s", (int)rec->scope.len, rec->scope.p);
    snprintf(key, sizeof key, "%.*s", (int)rec->key.len, rec->key.p);
    return record_elems(k->v, scope, domain_name(DOM_COMPOUND), key, k->field, wf_gate, k) < 0;
  }
  if (k->n++ < WF_LIST_MAX) {
    wb_put(k->b, "<option value=\"");
    wb_esc(k->b, rec->key.p, rec->key.len);
    wb_put(k->b, "\">");
  }
  return 0;
}

/* A datalist of the keys of collection ref (or the gates of the compounds). */
static void wf_datalist(struct wf *f, const char *id, int ref, const char *gates)
{
  struct wb *b = &f->r->out;
  struct wf_keys k = {b, 0, gates, f->v};
  if (ref < 0 || ref == DOM_RESIDENT || ref == DOM_HOUSEHOLD)
    return; /* thousands: typed, and checked by the plan */
  wb_printf(b, "<datalist id=\"%s\">", id);
  record_each(f->v, f->scope, domain_name(ref), NULL, wf_key_opt, &k);
  wb_put(b, "</datalist>");
}

static void wf_error_at(struct wf *f, const char *field)
{
  if (!f->e || strcmp(f->e->field, field))
    return;
  wb_put(&f->r->out, "<span class=\"field-error\" id=\"error-");
  wb_escs(&f->r->out, field);
  wb_put(&f->r->out, "\">");
  wb_escs(&f->r->out, f->e->msg);
  wb_put(&f->r->out, "</span>");
}

static void wf_input(struct wf *f, const struct dom_field *x)
{
  struct web_req *r = f->r;
  struct wb *b = &r->out;
  const char *had = wf_had(f, x->name);
  int bad = f->e && !strcmp(f->e->field, x->name);
  wb_printf(b, "<label class=\"%s\">%s%s<small>", bad ? "bad" : "", TX(r, x->label),
            f->verb == DOM_V_ADD && (x->flags & DOM_F_REQ) ? " *" : "");
  wb_escs(b, TX(r, x->help));
  if (f->verb == DOM_V_ADD && (x->flags & DOM_F_TODAY))
    wb_put(b, T(r, "; default today", "；默认今天"));
  wb_put(b, "</small>");
  if (x->type == DOM_T_ENUM || x->type == DOM_T_BOOL) {
    static const char *const yn[] = {"yes", "no", NULL}, *const yn_zh[] = {"是", "否", NULL};
    const char *const *vals = x->type == DOM_T_BOOL ? yn : x->values;
    const char *const *zh = x->type == DOM_T_BOOL ? yn_zh : x->values_zh;
    wb_printf(b, "<select name=\"%s\" id=\"f-%s\"><option value=\"\"></option>", x->name, x->name);
    for (int i = 0; vals && vals[i]; i++)
      wb_printf(b, "<option value=\"%s\"%s>%s</option>", vals[i], !strcmp(had, vals[i]) ? " selected" : "",
                !r->en && zh ? zh[i] : vals[i]);
    wb_put(b, "</select>");
  } else if (x->type == DOM_T_TEXT && dom_text_max(x) > DOM_TEXT_MAX) {
    wb_printf(b, "<textarea name=\"%s\" id=\"f-%s\" rows=\"2\" maxlength=\"%zu\">", x->name, x->name,
              dom_text_max(x));
    wb_escs(b, had);
    wb_put(b, "</textarea>");
  } else {
    const char *type = x->type == DOM_T_DATE ? "date" : x->type == DOM_T_PHONE ? "tel" : "text";
    const char *mode = x->type == DOM_T_TEMP ? " inputmode=\"decimal\" placeholder=\"36.6\""
                       : x->type == DOM_T_QTY || x->type == DOM_T_YEAR ? " inputmode=\"numeric\""
                       : x->type == DOM_T_TIME ? " placeholder=\"HH:MM:SS\""
                                               : "";
    wb_printf(b, "<input type=\"%s\" name=\"%s\" id=\"f-%s\"%s", type, x->name, x->name, mode);
    if (x->type == DOM_T_KEY && x->ref >= 0 && x->ref != DOM_RESIDENT && x->ref != DOM_HOUSEHOLD)
      wb_printf(b, " list=\"dl-%s\"", x->name);
    wb_put(b, " value=\"");
    wb_escs(b, had);
    wb_put(b, "\">");
    if (x->type == DOM_T_KEY && x->ref >= 0) {
      char id[80];
      snprintf(id, sizeof id, "dl-%s", x->name);
      wf_datalist(f, id, x->ref, NULL);
    }
  }
  wf_error_at(f, x->name);
  wb_put(b, "</label>");
}

static void wf_render(struct wf *f)
{
  struct web_req *r = f->r;
  struct wb *b = &r->out;
  char title[200];
  const char *vn = f->verb == DOM_V_ADD ? T(r, "new", "新增") : f->verb == DOM_V_SET ? T(r, "change", "修改")
                   : f->verb == DOM_V_IN  ? T(r, "stock in", "入库") : T(r, "hand out", "出库");
  snprintf(title, sizeof title, "%s · %s", TX(r, f->cmd && f->cmd->kind && f->c->shape == DOM_LOG
                                                  ? f->cmd->about : f->c->noun), vn);
  if (f->cmd && f->cmd->kind && f->c->shape == DOM_LOG)
    snprintf(title, sizeof title, "%s", T(r, "Relief hand-out", "救助发放"));
  web_head(r, title);
  wb_put(b, "<p class=\"mut\">");
  wb_escs(b, TX(r, f->c->about));
  wb_put(b, "</p>");
  if (f->e && !f->e->field[0]) {
    wb_put(b, "<p class=\"err\" id=\"form-error\">");
    wb_escs(b, f->e->msg);
    wb_put(b, "</p>");
  } else if (f->e) {
    wb_printf(b, "<p class=\"err\" id=\"form-error\">%s</p>",
              T(r, "Not recorded: see the field marked below.", "未保存：请查看下方标出的字段。"));
  }
  wb_printf(b, "<form method=\"post\" action=\"/form/%s?v=%s", f->c->name, f->vname);
  if (f->n_only) {
    wb_put(b, "&amp;only=");
    for (int i = 0; i < f->n_only; i++)
      wb_printf(b, "%s%s", i ? "," : "", f->only[i]);
  }
  wb_put(b, "\" class=\"card\" id=\"record-form\">");
  web_csrf_field(r);
  /* the key */
  const char *key = r->post ? wf_had(f, "key") : f->key ? f->key : "";
  int bad_key = f->e && !f->e->field[0];
  wb_printf(b, "<label class=\"%s\">%s *<small>", bad_key ? "bad" : "",
            r->en || !f->c->key_col_zh ? f->c->key_col : f->c->key_col_zh);
  wb_escs(b, TX(r, f->c->key_rule));
  wb_put(b, "</small><input name=\"key\" id=\"f-key\"");
  int gates = f->coll == DOM_GATE_CHECK;
  if (f->c->key_ref >= 0 || gates)
    wb_put(b, " list=\"dl-key\"");
  wb_put(b, " value=\"");
  wb_escs(b, key);
  wb_put(b, "\" required>");
  if (gates)
    wf_datalist(f, "dl-key", DOM_COMPOUND, "gates");
  else if (f->c->key_ref >= 0)
    wf_datalist(f, "dl-key", f->c->key_ref, NULL);
  wb_put(b, "</label>");
  if (f->c->shape == DOM_COUNTERS) {
    for (int i = 0; i < 3; i++) {
      char in[16], qn[16];
      snprintf(in, sizeof in, "item%d", i);
      snprintf(qn, sizeof qn, "qty%d", i);
      wb_printf(b, "<label>%s %d<input name=\"%s\" id=\"f-%s\" placeholder=\"fish\" value=\"",
                T(r, "Item", "物资"), i + 1, in, in);
      wb_escs(b, wf_had(f, in));
      wb_printf(b, "\"></label><label>%s<input name=\"%s\" id=\"f-%s\" inputmode=\"numeric\" value=\"",
                T(r, "Quantity", "数量"), qn, qn);
      wb_escs(b, wf_had(f, qn));
      wb_put(b, "\"></label>");
    }
    if (f->verb == DOM_V_IN) { /* the receipt: where it came from, the day */
      wb_printf(b, "<label>%s<input name=\"source\" id=\"f-source\" required value=\"",
                T(r, "Source (donor, district, purchase)", "来源（捐赠、区里调拨、采购）"));
      wb_escs(b, wf_had(f, "source"));
      wb_printf(b, "\"></label><label>%s<input name=\"date\" id=\"f-date\" type=\"date\" value=\"",
                T(r, "Date received", "入库日期"));
      wb_escs(b, wf_had(f, "date"));
      wb_put(b, "\"></label>");
    }
  }
  for (int i = 0; f->c->fields && f->c->fields[i].name; i++)
    if (wf_shown(f, &f->c->fields[i]))
      wf_input(f, &f->c->fields[i]);
  wb_printf(b, "<button type=\"submit\" id=\"submit\">%s</button></form>", T(r, "Record", "保存"));
  web_foot(r);
}

/* The form's fields as field=value arguments of the verb. */
static int wf_args(struct wf *f, char (*store)[WEB_ARG_MAX], const char **args)
{
  int n = 0;
  const struct web_form *fm = &f->r->form;
  if (f->c->shape == DOM_COUNTERS) {
    for (int i = 0; i < 3 && n < WF_ARGS_MAX; i++) {
      char in[16], qn[16];
      snprintf(in, sizeof in, "item%d", i);
      snprintf(qn, sizeof qn, "qty%d", i);
      const char *item = web_form_get(fm, in), *q = web_form_get(fm, qn);
      if (item && item[0]) {
        snprintf(store[n], WEB_ARG_MAX, "%s=%s", item, q ? q : "");
        args[n] = store[n];
        n++;
      }
    }
    static const char *const receipt[] = {"source", "date"};
    for (int i = 0; f->verb == DOM_V_IN && i < 2 && n < WF_ARGS_MAX; i++) {
      const char *v = web_form_get(fm, receipt[i]);
      if (v && v[0]) {
        snprintf(store[n], WEB_ARG_MAX, "%s=%s", receipt[i], v);
        args[n] = store[n];
        n++;
      }
    }
    return n;
  }
  for (int i = 0; f->c->fields[i].name && n < WF_ARGS_MAX - 1; i++) {
    const struct dom_field *x = &f->c->fields[i];
    const char *v = wf_shown(f, x) ? web_form_get(fm, x->name) : NULL;
    if (!v || !v[0])
      continue;
    snprintf(store[n], WEB_ARG_MAX, "%s%s=%s", x->name, x->kind == DOM_SET ? "+" : "", v);
    args[n] = store[n];
    n++;
  }
  for (int i = 0; i < n; i++)
    args[i] = store[i];
  return n;
}

int web_not_here(struct web_req *r)
{
  return web_fail_page(r, 403,
                       r->w->hub ? "The hub writes approvals only; community records are written on "
                                   "the community's own node."
                                 : "Records are written for this node's own community only.",
                       r->w->hub ? "区级枢纽节点只写审批结果；社区记录须在社区自己的节点上填写。"
                                 : "只能为本节点所属社区填写记录。");
}

int web_page_form(struct web_req *r)
{
  struct web *w = r->w;
  struct wf f;
  memset(&f, 0, sizeof f);
  f.r = r;
  f.coll = web_coll_of(r->url, "/form/");
  const char *vn = web_arg(r, "v");
  if (f.coll < 0 || f.coll == DOM_APPROVAL || f.coll == DOM_DECLARATION || !vn)
    return web_fail_page(r, 404, "No such form.", "没有这个表单。");
  f.c = &domain_collections[f.coll];
  f.cmd = wf_command(f.coll);
  f.vname = vn;
  f.verb = !strcmp(vn, "add") ? DOM_V_ADD : !strcmp(vn, "set") ? DOM_V_SET : !strcmp(vn, "in") ? DOM_V_IN
           : !strcmp(vn, "out") ? DOM_V_OUT : 0;
  if (!(f.verb & wf_verbs(f.coll, f.cmd)))
    return web_fail_page(r, 404, "This record has no such form.", "此类记录没有这个表单。");
  f.scope = w->cfg->scopes[0];
  if (!web_writable(r, f.scope))
    return web_not_here(r);
  f.key = web_param(r, "k", DOM_KEY_MAX);
  const char *only = web_arg(r, "only");
  for (const char *p = only; p && *p && f.n_only < 8;) {
    size_t n = strcspn(p, ",");
    if (n && n <= CRDT_FIELD_MAX && f.c->fields && domain_field(f.c, p, n))
      snprintf(f.only[f.n_only++], CRDT_FIELD_MAX + 1, "%.*s", (int)n, p);
    p += n + (p[n] == ',');
  }
  struct web_read rd;
  if (web_read_begin(w, &rd))
    return web_fail_page(r, 500, "The records could not be read.", "无法读取记录。");
  f.v = &rd.v;
  if (!r->post) {
    wf_render(&f);
    web_read_end(&rd);
    return 200;
  }
  char (*store)[WEB_ARG_MAX] = calloc(WF_ARGS_MAX, WEB_ARG_MAX);
  const char *args[WF_ARGS_MAX];
  struct dom_plan *p = malloc(sizeof *p);
  struct dom_err e = {0, 0, "", ""};
  char msg[DOM_MSG_MAX + 64];
  int rc = LINLI_ENOMEM, stored = 0;
  const char *key = web_form_get(&r->form, "key");
  if (!store || !p)
    goto out;
  int n = wf_args(&f, store, args);
  struct dom_req q = {.coll = f.coll, .cmd = f.cmd, .verb = f.verb, .key = key ? key : "",
                      .args = args, .n_args = n, .home = w->cfg->scopes[0],
                      .district = w->cfg->trust ? w->cfg->district : NULL, .today = r->today,
                      .now = r->now};
  if (!key || !key[0] || strlen(key) > DOM_KEY_MAX)
    rc = dom_fail(&e, DOM_MALFORMED, "%s", T(r, "the key is required (1 to 126 bytes)", "编号必填（1 至 126 字节）"));
  else
    rc = dom_plan(&q, &rd.v, p, &e);
  web_read_end(&rd);
  if (rc > 0) {
    f.e = &e;
    r->status = 422;
    if (web_read_begin(w, &rd) == 0) {
      f.v = &rd.v;
      wf_render(&f);
      web_read_end(&rd);
    }
    atomic_fetch_add(&w->writes_refused, 1);
    web_log(w, "http form %s %s refused for account %s: %s", f.c->name, vn, r->who.user,
            e.field[0] ? e.field : "record");
    free(store), free(p);
    return 422;
  }
  if (rc == 0)
    rc = web_ctl_write_plan(w, p, r->who.user, &stored, msg, sizeof msg);
out:
  free(store);
  free(p);
  if (rc) {
    web_log(w, "http form %s %s by %s not stored after %d op(s): %s", f.c->name, vn, r->who.user, stored,
            linli_errname(rc));
    return web_fail_page(r, 500, "Not recorded: linlid refused the write or did not answer.",
                         "未保存：linlid 拒绝写入或没有响应。");
  }
  web_log(w, "http form %s %s by account %s: %d op(s)", f.c->name, vn, r->who.user, stored);
  struct wb url;
  wb_init(&url);
  wb_printf(&url, "/record/%s?k=", f.c->name);
  wb_url(&url, key);
  wb_printf(&url, "&saved=%d", stored);
  web_redirect(r, url.p ? url.p : "/");
  wb_release(&url);
  return 303;
}
