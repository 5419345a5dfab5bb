/* Plans: a staff action checked against one read snapshot and turned into
 * the changes that carry it out. Contract: domain.h (dom_plan). The checks,
 * in the order they run:
 *   1. the command line: the verb fits the collection, every argument names
 *      a field this verb writes with the right operator, every value parses
 *      as its type (value.c), add has its required fields (MALFORMED);
 *   2. the records: add of a key that exists, set of one that does not, a
 *      key that names no registered record, removing an element that is not
 *      there, a stock too small, a status moving backwards, and the rules of
 *      a collection (REFUSED);
 * then the changes: one set op (its parents the values it replaces), one op
 * per set element added or removed (a remove names the adds it saw), the
 * membership of a resident's household, and the hand-out a delivered order
 * logs. Sentences never repeat a value that may be personal data. */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* ---- small helpers ---- */

static const char *cmd_of(const struct dom_command *cmd, char *out, size_t cap)
{
  if (!cmd)
    snprintf(out, cap, "put");
  else
    snprintf(out, cap, "%s%s%s", cmd->cmd, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
  return out;
}

static const struct dom_command *command_of(int coll)
{
  for (size_t i = 0; i < domain_n_commands; i++)
    if (domain_commands[i].coll == coll)
      return &domain_commands[i];
  return NULL;
}

/* The key as a sentence names it: "resident r-SH-00001", "that household". */
const char *plan_named(const struct job *j, char *out, size_t cap)
{
  if (j->c->key_private)
    snprintf(out, cap, "that %s", dom_tx(j->c->noun));
  else
    snprintf(out, cap, "%s %s", dom_tx(j->c->noun), j->r->key);
  return out;
}

struct val *plan_given(struct job *j, const char *name)
{
  for (int i = 0; i < j->n; i++)
    if (j->v[i].op == '=' && !strcmp(j->v[i].name, name))
      return &j->v[i];
  return NULL;
}

const char *plan_cur_of(const struct job *j, const char *name)
{
  int i = domain_field_index(j->c, name, strlen(name));
  return i >= 0 && i < DOM_FIELDS_MAX ? j->cur[i] : "";
}

/* The value a field will have after the change: given now, else held. */
const char *plan_after_of(struct job *j, const char *name, char *buf, size_t cap)
{
  struct val *v = plan_given(j, name);
  if (!v)
    return plan_cur_of(j, name);
  if (v->v.t == 's')
    snprintf(buf, cap, "%.*s", (int)v->v.len, v->v.s);
  else
    snprintf(buf, cap, "%lld", (long long)v->v.i);
  return buf;
}

static int state_index(const struct dom_field *f, const char *s)
{
  for (int i = 0; f && f->values && f->values[i]; i++)
    if (!strcmp(f->values[i], s))
      return i;
  return -1;
}

static void state_chain(const struct dom_field *f, const char *sep, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; f && f->values && f->values[i] && at < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? sep : "", f->values[i]);
}

static void list_fields(const struct dom_collection *c, unsigned verb, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; c->fields[i].name && at < cap; i++) {
    const struct dom_field *f = &c->fields[i];
    if ((f->flags & DOM_F_DERIVED) || (verb == DOM_V_ADD && (f->flags & DOM_F_SETONLY)) ||
        (verb == DOM_V_SET && (f->flags & DOM_F_ADD)))
      continue;
    at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "", f->name);
  }
}

int plan_read_failed(const struct job *j, int rc)
{
  (void)j;
  return rc < 0 ? rc : LINLI_EINVAL;
}

/* ---- 1. the arguments ---- */

/* A value that did not parse is of the wrong type. */
static int typed(struct job *j, int rc)
{
  if (rc)
    j->e->why = DOM_WHY_TYPE;
  return rc;
}

/* Is f written by this command (and not fixed by it)? */
static int fixed_by_command(const struct job *j, const struct dom_field *f)
{
  return j->cmd && j->cmd->kind && j->c->shape == DOM_LOG && !strcmp(f->name, "kind");
}

static int parse_arg1(struct job *j, const char *arg);

/* One argument; a problem names its field. */
int plan_parse_arg(struct job *j, const char *arg)
{
  int rc = parse_arg1(j, arg);
  if (rc > 0) {
    snprintf(j->e->field, sizeof j->e->field, "%s", j->v[j->n].name);
    if (!j->e->why)
      j->e->why = DOM_WHY_FIELD;
  }
  return rc;
}

static int parse_arg1(struct job *j, const char *arg)
{
  const char *eq = strchr(arg, '=');
  struct val *v = &j->v[j->n];
  char names[256];
  if (!eq || eq == arg)
    return dom_fail(j->e, DOM_MALFORMED, "every argument after the key is field=value (e.g. %s=...)",
                    j->c->fields ? j->c->fields[0].name : "rice_kg");
  size_t nl = (size_t)(eq - arg);
  char op = '=';
  if (nl > 1 && (arg[nl - 1] == '+' || arg[nl - 1] == '-'))
    op = arg[--nl];
  if (crdt_check_ident(arg, nl, CRDT_FIELD_MAX))
    return dom_fail(j->e, DOM_MALFORMED, "a field name is 1 to %d characters of a-z 0-9 _",
                    CRDT_FIELD_MAX);
  memcpy(v->name, arg, nl);
  v->name[nl] = 0;
  if (!j->c->fields) { /* counters: any item */
    static const struct dom_field item = {"quantity", DOM_COUNTER, DOM_T_QTY, 0, 0, -1, NULL,
                                          NULL, NULL, NULL, {NULL, NULL}, {NULL, NULL}};
    struct dom_field named_item = item;
    if (domain_coll_id(j->c) == DOM_STOCK && (!strcmp(v->name, "source") || !strcmp(v->name, "date"))) {
      const struct dom_field *rf = domain_field(&domain_collections[DOM_RECEIPT], v->name,
                                                strlen(v->name));
      if (j->verb != DOM_V_IN || op != '=')
        return dom_fail(j->e, DOM_MALFORMED, "%s= goes with stock in (the receipt's %s)", v->name,
                        v->name);
      for (int i = 0; i < j->n; i++)
        if (j->v[i].op == 'r' && !strcmp(j->v[i].name, v->name))
          return dom_fail(j->e, DOM_MALFORMED, "%s is given twice", v->name);
      v->f = rf;
      v->op = 'r'; /* the receipt's, not a counter */
      return typed(j, dom_parse(rf, eq + 1, j->r->today, &v->v, j->e));
    }
    if (op != '=')
      return dom_fail(j->e, DOM_MALFORMED, "write each item as item=N (e.g. fish=2063)");
    if (plan_given(j, v->name))
      return dom_fail(j->e, DOM_MALFORMED, "%s is given twice", v->name);
    v->f = NULL;
    v->op = op;
    named_item.name = v->name;
    return typed(j, dom_parse(&named_item, eq + 1, j->r->today, &v->v, j->e));
  }
  const struct dom_field *f = domain_field(j->c, arg, nl);
  if (!f) {
    char near[80];
    list_fields(j->c, j->verb, names, sizeof names);
    return dom_fail(j->e, DOM_MALFORMED, "a %s has no field %s%s; its fields are %s",
                    dom_tx(j->c->noun), v->name, dom_near_field(j->c, v->name, near, sizeof near),
                    names);
  }
  if ((f->flags & DOM_F_DERIVED) || fixed_by_command(j, f))
    return dom_fail(j->e, DOM_MALFORMED, "%s is not written here: %s", f->name,
                    fixed_by_command(j, f) ? "this command sets it" : dom_tx(f->help));
  if (j->verb == DOM_V_SET && (f->flags & DOM_F_ADD) && !j->r->upsert)
    return dom_fail(j->e, DOM_MALFORMED, "%s is given when the %s is added, not changed after",
                    f->name, dom_tx(j->c->noun));
  if (j->verb == DOM_V_ADD && (f->flags & DOM_F_SETONLY) && !j->r->upsert)
    return dom_fail(j->e, DOM_MALFORMED, "%s is set on a registered %s, not when it is added",
                    f->name, dom_tx(j->c->noun));
  if (f->kind == DOM_SET && op == '=')
    return dom_fail(j->e, DOM_MALFORMED, "%s is a set: add with %s+=VALUE, remove with %s-=VALUE",
                    f->name, f->name, f->name);
  if (f->kind != DOM_SET && op != '=')
    return dom_fail(j->e, DOM_MALFORMED, "%s holds one value: write %s=VALUE", f->name, f->name);
  if (op == '=' && plan_given(j, f->name))
    return dom_fail(j->e, DOM_MALFORMED, "%s is given twice", f->name);
  if (op == '-' && j->verb == DOM_V_ADD)
    return dom_fail(j->e, DOM_MALFORMED, "a new %s has nothing to remove from %s", dom_tx(j->c->noun),
                    f->name);
  v->f = f;
  v->op = op;
  return typed(j, dom_parse(f, eq + 1, j->r->today, &v->v, j->e));
}

/* set --clear FIELD: the field's value becomes nil. */
static int parse_clear(struct job *j, const char *name)
{
  struct val *v = &j->v[j->n];
  const struct dom_field *f = j->c->fields ? domain_field(j->c, name, strlen(name)) : NULL;
  memset(v, 0, sizeof *v);
  snprintf(v->name, sizeof v->name, "%s", name);
  snprintf(j->e->field, sizeof j->e->field, "%.*s", CRDT_FIELD_MAX, name);
  j->e->why = DOM_WHY_FIELD;
  if (j->verb != DOM_V_SET)
    return dom_fail(j->e, DOM_MALFORMED, "--clear goes with set");
  if (!f)
    return dom_fail(j->e, DOM_MALFORMED, "a %s has no field %s to clear", dom_tx(j->c->noun), v->name);
  if (f->kind != DOM_LWW || (f->flags & (DOM_F_DERIVED | DOM_F_STATE)))
    return dom_fail(j->e, DOM_MALFORMED, "%s cannot be cleared%s", f->name,
                    f->kind == DOM_SET ? ": remove its elements with -=" : "");
  if (f->flags & DOM_F_REQ)
    return dom_fail(j->e, DOM_MALFORMED, "%s is required: change it, it cannot be cleared",
                    f->name);
  if (plan_given(j, f->name))
    return dom_fail(j->e, DOM_MALFORMED, "%s is given and cleared at once", f->name);
  j->e->why = DOM_WHY_OTHER;
  j->e->field[0] = 0;
  v->f = f;
  v->op = '=';
  v->v.t = 'n';
  j->n++;
  return DOM_OK;
}

/* add: the required fields are there, and a status is the first state. */
static int required(struct job *j)
{
  const struct dom_collection *c = j->c;
  char need[256], cmd[32];
  size_t at = 0;
  int missing = -1;
  for (int i = 0; c->fields && c->fields[i].name; i++) {
    const struct dom_field *f = &c->fields[i];
    struct val *v = plan_given(j, f->name);
    if ((f->flags & DOM_F_STATE) && v && strcmp(v->v.s, f->values[0]) && !j->r->upsert)
      return dom_fail(j->e, DOM_MALFORMED,
                      "a new %s starts as %s; move it on with: linli %s set %s %s=%.*s",
                      dom_tx(c->noun), f->values[0], cmd_of(j->say, cmd, sizeof cmd),
                      j->say ? j->say->key_name : "KEY", f->name, (int)v->v.len, v->v.s);
    if (!(f->flags & DOM_F_REQ) || fixed_by_command(j, f) || (f->flags & DOM_F_SETONLY))
      continue;
    if (!v && missing < 0)
      missing = i;
    at += (size_t)snprintf(need + at, sizeof need - at, " %s=...", f->name);
    if (at >= sizeof need)
      at = sizeof need - 1;
  }
  if (missing >= 0) {
    dom_fail(j->e, DOM_MALFORMED, "%s is required: add needs%s", c->fields[missing].name, need);
    j->e->why = DOM_WHY_REQUIRED;
    snprintf(j->e->field, sizeof j->e->field, "%s", c->fields[missing].name);
    return DOM_MALFORMED;
  }
  return DOM_OK;
}

void plan_add_default(struct job *j, const struct dom_field *f, const char *text)
{
  struct dom_err ignore;
  if (j->n == VALS_MAX || plan_given(j, f->name))
    return;
  struct val *v = &j->v[j->n];
  memset(v, 0, sizeof *v);
  v->f = f;
  v->op = '=';
  snprintf(v->name, sizeof v->name, "%s", f->name);
  struct dom_field lax = *f;
  lax.flags |= DOM_F_FUTURE; /* today and now are never in the future */
  if (dom_parse(&lax, text, NULL, &v->v, &ignore) == DOM_OK)
    j->n++;
}

/* add: what is written without being told (today, now, this community, the
 * first state, the command's kind). */
static void defaults(struct job *j)
{
  for (int i = 0; j->c->fields && j->c->fields[i].name; i++) {
    const struct dom_field *f = &j->c->fields[i];
    const char *d = (f->flags & DOM_F_STATE)  ? f->values[0]
                    : (f->flags & DOM_F_TODAY) ? j->r->today
                    : (f->flags & DOM_F_NOW)   ? j->r->now
                    : (f->flags & DOM_F_HOME)  ? j->r->home
                    : fixed_by_command(j, f)   ? j->cmd->kind
                                               : NULL;
    if (d)
      plan_add_default(j, f, d);
  }
}

/* ---- 2. the records ---- */


static int on_lookup(void *arg, const struct record *r)
{
  struct lookup *l = arg;
  if (r->deleted)
    return 0;
  l->found = 1;
  if (l->field[0] && record_str(r, l->field, l->value, sizeof l->value))
    l->value[0] = 0;
  if (!l->j)
    return 0;
  struct job *j = l->j;
  int masked = dom_mask_pii; /* the plan compares true values, whoever reads */
  dom_mask_pii = 0;
  for (int i = 0; j->c->fields && j->c->fields[i].name && i < DOM_FIELDS_MAX; i++) {
    const struct record_field *f = record_field(r, j->c->fields[i].name);
    if (f && f->tag == CRDT_ROW_LWW && f->value)
      dom_render(&j->c->fields[i], f->value, f->value_len, j->cur[i], CUR_MAX);
  }
  dom_mask_pii = masked;
  for (int i = 0; !j->c->fields && i < j->n; i++) {
    const struct record_field *f = record_field(r, j->v[i].name);
    j->sum[i] = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  }
  return 0;
}

/* 1 if the live record scope/coll/key is there, 0 if not, <0 error; field
 * (if not NULL) is copied into value. */
int plan_lookup(const struct crdt_view *v, const char *scope, int coll, const char *key,
                struct lookup *l)
{
  int rc = record_each(v, scope, domain_name((enum dom_coll)coll), key, on_lookup, l);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  return l->found;
}

static int exists(struct job *j, int coll, const char *key)
{
  struct lookup l = {0, NULL, "", ""};
  return plan_lookup(j->view, j->scope, coll, key, &l);
}

/* The refusal for a key that names no registered record of coll. */
static int not_registered(struct job *j, const char *field, int coll, const char *key)
{
  const struct dom_collection *r = &domain_collections[coll];
  char cmd[32];
  cmd_of(command_of(coll), cmd, sizeof cmd);
  if (r->key_private && field)
    return dom_fail(j->e, DOM_REFUSED,
                    "%s names no registered %s of community %s: check it, or register it first "
                    "with linli %s add", field, dom_tx(r->noun), j->scope, cmd);
  if (r->key_private)
    return dom_fail(j->e, DOM_REFUSED,
                    "no such %s in community %s: check the code, or register it first with linli "
                    "%s add", dom_tx(r->noun), j->scope, cmd);
  return dom_fail(j->e, DOM_REFUSED,
                  "%s %s is not registered in community %s: register it first with linli %s add",
                  dom_tx(r->noun), key, j->scope, cmd);
}

/* Every key a value names must be registered in the record's scope. */
int plan_check_refs(struct job *j)
{
  for (int i = 0; i < j->n; i++) {
    const struct dom_field *f = j->v[i].f;
    char key[DOM_KEY_MAX + 1];
    if (!f || f->type != DOM_T_KEY || f->ref < 0 || j->v[i].op == '-')
      continue;
    if (j->v[i].v.t == 'n')
      continue; /* cleared */
    snprintf(key, sizeof key, "%.*s", (int)j->v[i].v.len, j->v[i].v.s);
    int rc = exists(j, f->ref, key);
    if (rc < 0)
      return plan_read_failed(j, rc);
    if (!rc) {
      snprintf(j->e->field, sizeof j->e->field, "%s", f->name);
      return not_registered(j, f->name, f->ref, key);
    }
  }
  return DOM_OK;
}

/* The msgpack of a set element value, for the rows and the ops. */
size_t plan_elem_bytes(const struct val *v, uint8_t *out, size_t cap)
{
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  dom_value_write(&b, &v->v);
  return crdt_buf_err(&b) ? 0 : b.len;
}

static int check_removes(struct job *j)
{
  char name[CRDT_KEY_MAX + 48];
  for (int i = 0; i < j->n; i++) {
    uint8_t e[CRDT_ELEM_MAX + 8], ids[CRDT_ID_BYTES];
    if (j->v[i].op != '-')
      continue;
    size_t el = plan_elem_bytes(&j->v[i], e, sizeof e);
    int rc = record_elem_adds(j->view, j->scope, j->c->name, j->r->key, j->v[i].name, e, el, ids, 1);
    if (rc < 0)
      return plan_read_failed(j, rc);
    if (!rc)
      return dom_fail(j->e, DOM_REFUSED, "%s does not hold that value in %s: nothing to remove",
                      plan_named(j, name, sizeof name), j->v[i].name);
  }
  return DOM_OK;
}

static int check_state(struct job *j)
{
  const struct dom_field *sf = domain_state_field(j->c);
  struct val *st = sf ? plan_given(j, sf->name) : NULL;
  char name[CRDT_KEY_MAX + 48], chain[96];
  if (!st || j->verb != DOM_V_SET)
    return DOM_OK;
  int from = state_index(sf, plan_cur_of(j, sf->name)), to = state_index(sf, st->v.s);
  state_chain(sf, " -> ", chain, sizeof chain);
  if (to <= from)
    return dom_fail(j->e, DOM_REFUSED, "%s is %s already; a %s only moves forward: %s",
                    plan_named(j, name, sizeof name), sf->values[from], dom_tx(j->c->noun), chain);
  j->p->delivered = !sf->values[to + 1];
  const struct dom_field *df = domain_field(j->c, sf->values[to], strlen(sf->values[to]));
  if (df && df->type == DOM_T_DATE) /* the day it got there */
    plan_add_default(j, df, j->r->today);
  return DOM_OK;
}


/* Checks before anything is written: the record exists (set, out) or not
 * (add), the keys it names are registered, the elements it removes are
 * there, its status moves forward, the stock suffices, the rules. */
static int check_store(struct job *j)
{
  const struct dom_collection *c = j->c;
  char name[CRDT_KEY_MAX + 48], cmd[32];
  int rc;
  if (c->key_ref >= 0) {
    if ((rc = exists(j, c->key_ref, j->r->key)) < 0)
      return plan_read_failed(j, rc);
    if (!rc)
      return not_registered(j, NULL, c->key_ref, j->r->key);
  }
  if (c->shape != DOM_LOG) {
    struct lookup l = {0, j, "", ""};
    if ((rc = plan_lookup(j->view, j->scope, domain_coll_id(c), j->r->key, &l)) < 0)
      return plan_read_failed(j, rc);
    j->found = rc;
  }
  plan_named(j, name, sizeof name);
  cmd_of(j->say, cmd, sizeof cmd);
  if (c->shape == DOM_REGISTER && j->verb == DOM_V_ADD && j->found)
    return dom_fail(j->e, DOM_REFUSED, "%s is registered already: change it with linli %s set",
                    name, cmd);
  if (c->shape == DOM_REGISTER && j->verb == DOM_V_SET && !j->found && j->say &&
      (j->say->verbs & DOM_V_ADD))
    return dom_fail(j->e, DOM_REFUSED,
                    "%s is not registered in community %s: register it with linli %s add", name,
                    j->scope, cmd);
  if ((rc = plan_check_refs(j)) || (rc = check_removes(j)))
    return rc;
  if (c->shape == DOM_COUNTERS && (rc = plan_stock_rule(j)))
    return rc;
  for (int i = 0; j->verb == DOM_V_OUT && i < j->n; i++)
    if (j->sum[i] < j->v[i].v.i)
      return dom_fail(j->e, DOM_REFUSED, "stock %s holds %lld of %s: take at most that much",
                      j->r->key, (long long)j->sum[i], j->v[i].name);
  if ((rc = check_state(j)))
    return rc;
  return plan_rule(j);
}

int dom_plan(const struct dom_req *r, const struct crdt_view *v, struct dom_plan *p,
             struct dom_err *e)
{
  int rc = 0;
  struct job *j = calloc(1, sizeof *j);
  memset(p, 0, sizeof *p);
  memset(e, 0, sizeof *e);
  if (!j)
    return LINLI_ENOMEM;
  if (r->coll < 0 || r->coll >= DOM_N_COLLECTIONS || !r->key || !r->today) {
    rc = LINLI_EINVAL;
    goto out;
  }
  j->r = r;
  j->c = &domain_collections[r->coll];
  j->cmd = r->cmd;
  j->say = r->cmd ? r->cmd : command_of(r->coll);
  j->view = v;
  j->p = p;
  j->e = e;
  j->verb = r->verb;
  j->scope = r->scope                            ? r->scope
             : j->c->scope == DOM_SCOPE_DISTRICT ? r->district
                                                 : r->home;
  if (!j->scope) {
    rc = dom_fail(e, DOM_REFUSED, "%s records live in the district scope, and this node has none "
                  "(no district line in its linlid.conf)", dom_tx(j->c->noun));
    goto out;
  }
  const char *why = dom_key_problem(r->key, strlen(r->key));
  if (why) {
    rc = dom_fail(e, DOM_MALFORMED, "%s is a key like %s (1 to %d bytes of text, NFC, no control "
                  "or invisible characters); this one %s", j->say ? j->say->key_name : "KEY",
                  j->c->key_eg, DOM_KEY_MAX, why);
    goto out;
  }
  if (j->verb == DOM_V_VOID || j->verb == DOM_V_MOVE) {
    rc = j->verb == DOM_V_VOID ? plan_void(j) : plan_move(j);
    goto out;
  }
  int shape_ok = j->c->shape == DOM_COUNTERS ? (j->verb == DOM_V_IN || j->verb == DOM_V_OUT)
                 : j->c->shape == DOM_LOG    ? j->verb == DOM_V_ADD
                                             : (j->verb == DOM_V_ADD || j->verb == DOM_V_SET);
  if (!shape_ok) {
    rc = dom_fail(e, DOM_MALFORMED, "a %s cannot be written that way", dom_tx(j->c->noun));
    goto out;
  }
  if (r->n_args > VALS_MAX) {
    rc = dom_fail(e, DOM_MALFORMED, "at most %d fields at once", VALS_MAX);
    goto out;
  }
  if (r->upsert && j->c->shape == DOM_REGISTER) { /* CSV: a set of what is registered */
    struct lookup l = {0, NULL, "", ""};
    if ((rc = plan_lookup(v, j->scope, r->coll, r->key, &l)) < 0)
      goto out;
    j->verb = rc ? DOM_V_SET : DOM_V_ADD;
  }
  for (int i = 0; i < r->n_args; i++, j->n++)
    if ((rc = plan_parse_arg(j, r->args[i])))
      goto out;
  for (int i = 0; i < r->n_clear; i++)
    if (j->n == VALS_MAX || (rc = parse_clear(j, r->clear[i])))
      goto out;
  if (!j->n && j->verb != DOM_V_ADD) {
    rc = dom_fail(e, DOM_MALFORMED, "%s needs at least one %s",
                  j->verb == DOM_V_SET ? "set" : j->verb == DOM_V_IN ? "in" : "out",
                  j->c->fields ? "field=value" : "item=N");
    goto out;
  }
  if (j->verb == DOM_V_ADD && (rc = required(j)))
    goto out;
  if (j->verb == DOM_V_ADD)
    defaults(j);
  if ((rc = check_store(j)))
    goto out;
  rc = plan_build(j);
  if (rc > 0)
    rc = LINLI_EINVAL;
out:
  if (rc)
    p->n = 0; /* a refused plan holds no change */
  dom_index_free(j->own_index);
  free(j);
  return rc;
}
