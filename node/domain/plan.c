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

#include "domain.h"

#define VALS_MAX 64
#define CUR_MAX 256

struct val {
  const struct dom_field *f; /* NULL: a counter item */
  char op;                   /* '=' set, '+' add to a set, '-' remove from a set */
  char name[CRDT_FIELD_MAX + 1];
  struct dom_value v;
};

struct job {
  const struct dom_req *r;
  const struct dom_collection *c;
  const struct dom_command *cmd; /* the command used, or NULL (put, CSV, resolve) */
  const struct dom_command *say; /* the command named in sentences: cmd, or the collection's */
  const struct crdt_view *view;
  struct dom_plan *p;
  struct dom_err *e;
  const char *scope;
  unsigned verb;
  struct val v[VALS_MAX];
  int n;
  struct dom_index *own_index; /* built for this action when r->index is NULL */
  /* the record before the change */
  int found;
  char cur[DOM_FIELDS_MAX][CUR_MAX]; /* lww values of the fields, as text */
  int64_t sum[VALS_MAX];             /* counters: each item's stock */
  /* supplies (supply.c): what a hand-out or a delivered order draws from
   * which stock; whether a receipt is logged */
  struct dom_items draw;
  char draw_stock[CRDT_KEY_MAX + 1];
};

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
static const char *named(const struct job *j, char *out, size_t cap)
{
  if (j->c->key_private)
    snprintf(out, cap, "that %s", dom_tx(j->c->noun));
  else
    snprintf(out, cap, "%s %s", dom_tx(j->c->noun), j->r->key);
  return out;
}

static struct val *given(struct job *j, const char *name)
{
  for (int i = 0; i < j->n; i++)
    if (j->v[i].op == '=' && !strcmp(j->v[i].name, name))
      return &j->v[i];
  return NULL;
}

static const char *cur_of(const struct job *j, const char *name)
{
  int i = domain_field_index(j->c, name, strlen(name));
  return i >= 0 && i < DOM_FIELDS_MAX ? j->cur[i] : "";
}

/* The value a field will have after the change: given now, else held. */
static const char *after_of(struct job *j, const char *name, char *buf, size_t cap)
{
  struct val *v = given(j, name);
  if (!v)
    return cur_of(j, name);
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

static int read_failed(const struct job *j, int rc)
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
static int parse_arg(struct job *j, const char *arg)
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
    if (given(j, v->name))
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
  if (op == '=' && given(j, f->name))
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
  if (given(j, f->name))
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
    struct val *v = given(j, f->name);
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

static void add_default(struct job *j, const struct dom_field *f, const char *text)
{
  struct dom_err ignore;
  if (j->n == VALS_MAX || given(j, f->name))
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
      add_default(j, f, d);
  }
}

/* ---- 2. the records ---- */

struct lookup {
  int found;
  struct job *j;     /* NULL: only whether the record is there */
  char field[32];    /* with j NULL: one lww field to copy */
  char value[CUR_MAX];
};

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
  for (int i = 0; j->c->fields && j->c->fields[i].name && i < DOM_FIELDS_MAX; i++) {
    const struct record_field *f = record_field(r, j->c->fields[i].name);
    if (f && f->tag == CRDT_ROW_LWW && f->value)
      dom_render(&j->c->fields[i], f->value, f->value_len, j->cur[i], CUR_MAX);
  }
  for (int i = 0; !j->c->fields && i < j->n; i++) {
    const struct record_field *f = record_field(r, j->v[i].name);
    j->sum[i] = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  }
  return 0;
}

/* 1 if the live record scope/coll/key is there, 0 if not, <0 error; field
 * (if not NULL) is copied into value. */
static int lookup(const struct crdt_view *v, const char *scope, int coll, const char *key,
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
  return lookup(j->view, j->scope, coll, key, &l);
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
static int check_refs(struct job *j)
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
      return read_failed(j, rc);
    if (!rc) {
      snprintf(j->e->field, sizeof j->e->field, "%s", f->name);
      return not_registered(j, f->name, f->ref, key);
    }
  }
  return DOM_OK;
}

/* The msgpack of a set element value, for the rows and the ops. */
static size_t elem_bytes(const struct val *v, uint8_t *out, size_t cap)
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
    size_t el = elem_bytes(&j->v[i], e, sizeof e);
    int rc = record_elem_adds(j->view, j->scope, j->c->name, j->r->key, j->v[i].name, e, el, ids, 1);
    if (rc < 0)
      return read_failed(j, rc);
    if (!rc)
      return dom_fail(j->e, DOM_REFUSED, "%s does not hold that value in %s: nothing to remove",
                      named(j, name, sizeof name), j->v[i].name);
  }
  return DOM_OK;
}

static int check_state(struct job *j)
{
  const struct dom_field *sf = domain_state_field(j->c);
  struct val *st = sf ? given(j, sf->name) : NULL;
  char name[CRDT_KEY_MAX + 48], chain[96];
  if (!st || j->verb != DOM_V_SET)
    return DOM_OK;
  int from = state_index(sf, cur_of(j, sf->name)), to = state_index(sf, st->v.s);
  state_chain(sf, " -> ", chain, sizeof chain);
  if (to <= from)
    return dom_fail(j->e, DOM_REFUSED, "%s is %s already; a %s only moves forward: %s",
                    named(j, name, sizeof name), sf->values[from], dom_tx(j->c->noun), chain);
  j->p->delivered = !sf->values[to + 1];
  const struct dom_field *df = domain_field(j->c, sf->values[to], strlen(sf->values[to]));
  if (df && df->type == DOM_T_DATE) /* the day it got there */
    add_default(j, df, j->r->today);
  return DOM_OK;
}

/* ---- the rules of a collection ---- */

/* The index the duplicate and mismatch checks read, built on first use. */
static int index_of(struct job *j, struct dom_index **out)
{
  struct dom_index *ix = j->r->index;
  int rc;
  if (!ix && !j->own_index && (rc = dom_index_new(&j->own_index)))
    return rc;
  if (!ix)
    ix = j->own_index;
  if ((rc = dom_index_build(ix, j->view, j->scope)))
    return rc;
  *out = ix;
  return 0;
}

/* A refusal a clerk may override with --force (the sentence says so). */
static int unless_forced(struct job *j, const char *field, const char *fmt, const char *a,
                         const char *b, const char *c)
{
  if (j->r->force)
    return DOM_OK;
  snprintf(j->e->field, sizeof j->e->field, "%s", field);
  char msg[3 * DOM_KEY_MAX + DOM_MSG_MAX]; /* room for any three keys; dom_fail cuts it */
  snprintf(msg, sizeof msg, fmt, a, b, c);
  return dom_fail(j->e, DOM_REFUSED, "%s (if this is right, give --force)", msg);
}

static const char *given_text(struct job *j, const char *name, char *buf, size_t cap)
{
  struct val *v = given(j, name);
  if (!v || v->v.t != 's')
    return NULL;
  snprintf(buf, cap, "%.*s", (int)v->v.len, v->v.s);
  return buf;
}

static int household_rule(struct job *j)
{
  struct val *v = given(j, "compound");
  char c[DOM_KEY_MAX + 1];
  if (!v)
    return DOM_OK;
  snprintf(c, sizeof c, "%.*s", (int)v->v.len, v->v.s);
  size_t cl = strlen(c);
  if (strncmp(j->r->key, c, cl) || j->r->key[cl] != '-' || !j->r->key[cl + 1])
    return dom_fail(j->e, DOM_REFUSED,
                    "a household code is its compound's code, '-' and building-unit-room (e.g. "
                    "%s-3-2-501): the code and compound=%s do not fit", c, c);
  /* building-unit-room: three parts at least after the compound */
  int parts = 1;
  for (const char *p = j->r->key + cl + 1; *p; p++)
    parts += *p == '-' && p[1] && p[1] != '-';
  if (parts < 3 && j->verb == DOM_V_ADD)
    return unless_forced(j, "compound", "the household code %s has no building-unit-room after "
                         "its compound's code (e.g. %s-3-2-501)%s", "", c, "");
  return DOM_OK;
}

/* No second resident with one ID number, nor with one name and phone. */
static int resident_duplicates(struct job *j)
{
  char id[32], name[DOM_TEXT_MAX + 1], phone[32], nb[DOM_TEXT_MAX + 1], pb[32];
  struct dom_index *ix;
  int rc;
  const char *idv = given_text(j, "id_number", id, sizeof id);
  const char *nv = given_text(j, "name", name, sizeof name);
  const char *pv = given_text(j, "phone", phone, sizeof phone);
  if (!idv && !nv && !pv)
    return DOM_OK;
  if ((rc = index_of(j, &ix)))
    return rc;
  const char *other = idv ? dom_index_resident_by_id(ix, idv) : NULL;
  if (other && strcmp(other, j->r->key))
    return unless_forced(j, "id_number", "that ID number is registered already, to resident %s%s%s",
                         other, "", "");
  snprintf(nb, sizeof nb, "%s", nv ? nv : cur_of(j, "name"));
  snprintf(pb, sizeof pb, "%s", pv ? pv : cur_of(j, "phone"));
  other = nb[0] && pb[0] && (nv || pv) ? dom_index_resident_by_person(ix, nb, pb) : NULL;
  if (other && strcmp(other, j->r->key))
    return unless_forced(j, "name", "a resident of the same name and phone is registered already: "
                         "resident %s%s%s", other, "", "");
  return DOM_OK;
}

static int resident_rule(struct job *j)
{
  int rc = resident_duplicates(j);
  if (rc)
    return rc;
  struct val *v = given(j, "household");
  const char *was = cur_of(j, "household");
  char name[CRDT_KEY_MAX + 48], home[DOM_KEY_MAX + 1];
  if (!v)
    return DOM_OK;
  snprintf(home, sizeof home, "%.*s", (int)v->v.len, v->v.s);
  if (!strcmp(was, home))
    return DOM_OK;
  named(j, name, sizeof name);
  if (was[0])
    return snprintf(j->e->field, sizeof j->e->field, "household"), dom_fail(j->e, DOM_REFUSED,
                    "%s is already in another household; a resident belongs to one household "
                    "(register the move as a new resident key)", name);
  struct dom_index *ix;
  if ((rc = index_of(j, &ix)))
    return rc;
  const char *member_of = dom_index_member_of(ix, j->r->key);
  if (member_of && strcmp(member_of, home))
    return snprintf(j->e->field, sizeof j->e->field, "household"), dom_fail(j->e, DOM_REFUSED,
                    "%s is already a member of another household; a resident belongs to one "
                    "household", name);
  return DOM_OK;
}

static int on_hardship(void *arg, const struct record *r)
{
  int64_t x;
  if (!r->deleted)
    *(int *)arg = record_int(r, "hardship", &x) == 0 && x;
  return 0;
}

static int items_rule(struct job *j, const char *text, struct dom_items *it);
static int draw_rule(struct job *j, const char *stock);

static int distribution_rule(struct job *j)
{
  int hardship = 0, rc;
  struct val *k = given(j, "kind");
  char b[CUR_MAX], stock[CUR_MAX];
  if (k && !(k->v.len == 5 && !memcmp(k->v.s, "proxy", 5))) { /* relief, group: from the stock */
    if ((rc = items_rule(j, after_of(j, "items", b, sizeof b), &j->draw)))
      return rc;
    snprintf(stock, sizeof stock, "%s", after_of(j, "stock", b, sizeof b));
    if ((rc = draw_rule(j, stock)))
      return rc;
    if (j->draw_stock[0])
      add_default(j, domain_field(j->c, "stock", 5), j->draw_stock);
  }
  if (!k || k->v.len != 6 || memcmp(k->v.s, "relief", 6))
    return DOM_OK;
  rc = record_each(j->view, j->scope, domain_name(DOM_HOUSEHOLD), j->r->key, on_hardship,
                       &hardship);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  if (!hardship)
    snprintf(j->p->note, sizeof j->p->note,
             "that household is not marked hardship (linli household set ... hardship=yes); "
             "relief is recorded all the same");
  return DOM_OK;
}

static int lives_rule(struct job *j, const char *place_field);

static int case_rule(struct job *j)
{
  int rc = lives_rule(j, "compound");
  if (rc)
    return rc;
  struct val *rel = given(j, "release_date");
  char name[CRDT_KEY_MAX + 48];
  const char *start = cur_of(j, "start_date");
  if (!rel || j->verb != DOM_V_SET)
    return DOM_OK;
  if (cur_of(j, "release_date")[0])
    return dom_fail(j->e, DOM_REFUSED, "%s (%s) was released on %s already", named(j, name, sizeof name),
                    cur_of(j, "category"), cur_of(j, "release_date"));
  if (start[0] && strcmp(rel->v.s, start) < 0)
    return dom_fail(j->e, DOM_REFUSED, "case %s started on %s; it cannot be released before, on %s",
                    j->r->key, start, rel->v.s);
  return DOM_OK;
}

static int gate_rule(struct job *j)
{
  struct dom_index *ix;
  int rc;
  if (j->verb == DOM_V_ADD && !given(j, "person") == !given(j, "visitor"))
    return dom_fail(j->e, DOM_MALFORMED,
                    "a gate check names the resident (person=) or the visitor (visitor=), one of "
                    "the two");
  if ((rc = index_of(j, &ix)))
    return rc;
  if (!dom_index_gate(ix, j->r->key))
    return unless_forced(j, "", "gate %s is not a registered gate of a compound: register it "
                         "first with linli compound set COMPOUND gates+=%s%s", j->r->key,
                         j->r->key, "");
  return DOM_OK;
}

/* The resident a record names lives in the household (or compound) it
 * names. */
static int lives_rule(struct job *j, const char *place_field)
{
  char res[DOM_KEY_MAX + 1], place[DOM_KEY_MAX + 1];
  struct dom_index *ix;
  int rc;
  const char *r = given_text(j, "resident", res, sizeof res);
  const char *p = given_text(j, place_field, place, sizeof place);
  if (!r && !p)
    return DOM_OK;
  if (!r)
    r = cur_of(j, "resident");
  if (!p)
    p = cur_of(j, place_field);
  if (!r[0] || !p[0])
    return DOM_OK;
  if ((rc = index_of(j, &ix)))
    return rc;
  const char *hh = dom_index_household_of(ix, r);
  const char *at = hh && !strcmp(place_field, "compound") ? dom_index_compound_of(ix, hh) : hh;
  if (at && strcmp(at, p)) {
    if (!strcmp(place_field, "compound"))
      return unless_forced(j, "compound", "resident %s lives in compound %s, not in %s", r, at, p);
    return unless_forced(j, "resident", "resident %s is not a member of that household%s%s", r,
                         "", "");
  }
  return DOM_OK;
}

/* Stock in/out: only listed items; in (a staff verb) says where it came from. */
static int stock_rule(struct job *j)
{
  const char *names[VALS_MAX];
  int n = 0, source = 0;
  for (int i = 0; i < j->n; i++) {
    if (j->v[i].op == '=')
      names[n++] = j->v[i].name;
    source |= j->v[i].op == 'r' && !strcmp(j->v[i].name, "source");
  }
  int rc = dom_items_listed(j->view, j->scope, names, n, j->e);
  if (rc)
    return rc < 0 ? read_failed(j, rc) : rc;
  if (j->verb == DOM_V_IN && j->say && !j->r->upsert && !source)
    return dom_fail(j->e, DOM_MALFORMED, "stock in needs source=TEXT: where it came from (a donor, "
                    "the district, a purchase); date= defaults to today");
  if (!n)
    return dom_fail(j->e, DOM_MALFORMED, "give at least one item=N");
  return DOM_OK;
}

/* An item key names a stock counter: a-z 0-9 _. */
static int item_rule(struct job *j)
{
  if (crdt_check_ident(j->r->key, strlen(j->r->key), CRDT_FIELD_MAX))
    return dom_fail(j->e, DOM_MALFORMED, "an item key is 1 to %d characters of a-z 0-9 _ (it "
                    "names a stock counter), e.g. veg_pack", CRDT_FIELD_MAX);
  return DOM_OK;
}

/* The item lines of text (a hand-out's or an order's): parsed and listed. */
static int items_rule(struct job *j, const char *text, struct dom_items *it)
{
  snprintf(j->e->field, sizeof j->e->field, "items");
  int rc = dom_items_parse(text, strlen(text), it, j->e);
  if (!rc && (rc = dom_items_check(j->view, j->scope, it, j->e)) < 0)
    return read_failed(j, rc);
  if (!rc)
    j->e->field[0] = 0;
  return rc;
}

/* The stock a hand-out draws from holds its quantities (not for CSV). */
static int draw_rule(struct job *j, const char *stock)
{
  if (j->r->upsert)
    return DOM_OK;
  int rc = dom_stock_draw(j->view, j->scope, stock, &j->draw, j->draw_stock, sizeof j->draw_stock,
                          j->e);
  if (rc < 0)
    return read_failed(j, rc);
  if (rc)
    snprintf(j->e->field, sizeof j->e->field, "items");
  return rc;
}

static int order_rule(struct job *j)
{
  char b[CUR_MAX], items[CUR_MAX], stock[CUR_MAX];
  struct dom_items it;
  int rc;
  if (given(j, "items") && (rc = items_rule(j, after_of(j, "items", b, sizeof b), &it)))
    return rc;
  char free_item[CRDT_FIELD_MAX + 1];
  if (given(j, "items") && (rc = dom_items_free(j->view, j->scope, &it, free_item,
                                                sizeof free_item)) < 0)
    return read_failed(j, rc);
  if (given(j, "items") && rc > 0)
    snprintf(j->p->note, sizeof j->p->note, "%s is listed as free (free=yes), handed out with linli "
             "supply relief; the order is recorded all the same", free_item);
  if (!j->p->delivered || j->r->upsert)
    return DOM_OK;
  snprintf(items, sizeof items, "%s", after_of(j, "items", b, sizeof b));
  snprintf(stock, sizeof stock, "%s", after_of(j, "stock", b, sizeof b));
  if (!items[0])
    return DOM_OK;
  if ((rc = items_rule(j, items, &j->draw)))
    return rc;
  return draw_rule(j, stock);
}

static int rule(struct job *j)
{
  switch (domain_coll_id(j->c)) {
  case DOM_HOUSEHOLD:
    return household_rule(j);
  case DOM_RESIDENT:
    return resident_rule(j);
  case DOM_DISTRIBUTION:
    return distribution_rule(j);
  case DOM_ORDER:
    return order_rule(j);
  case DOM_ITEM:
    return item_rule(j);
  case DOM_CASE:
    return case_rule(j);
  case DOM_GATE_CHECK:
    return gate_rule(j);
  case DOM_PROXY:
    return lives_rule(j, "household");
  default:
    return DOM_OK;
  }
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
      return read_failed(j, rc);
    if (!rc)
      return not_registered(j, NULL, c->key_ref, j->r->key);
  }
  if (c->shape != DOM_LOG) {
    struct lookup l = {0, j, "", ""};
    if ((rc = lookup(j->view, j->scope, domain_coll_id(c), j->r->key, &l)) < 0)
      return read_failed(j, rc);
    j->found = rc;
  }
  named(j, name, sizeof name);
  cmd_of(j->say, cmd, sizeof cmd);
  if (c->shape == DOM_REGISTER && j->verb == DOM_V_ADD && j->found)
    return dom_fail(j->e, DOM_REFUSED, "%s is registered already: change it with linli %s set",
                    name, cmd);
  if (c->shape == DOM_REGISTER && j->verb == DOM_V_SET && !j->found && j->say &&
      (j->say->verbs & DOM_V_ADD))
    return dom_fail(j->e, DOM_REFUSED,
                    "%s is not registered in community %s: register it with linli %s add", name,
                    j->scope, cmd);
  if ((rc = check_refs(j)) || (rc = check_removes(j)))
    return rc;
  if (c->shape == DOM_COUNTERS && (rc = stock_rule(j)))
    return rc;
  for (int i = 0; j->verb == DOM_V_OUT && i < j->n; i++)
    if (j->sum[i] < j->v[i].v.i)
      return dom_fail(j->e, DOM_REFUSED, "stock %s holds %lld of %s: take at most that much",
                      j->r->key, (long long)j->sum[i], j->v[i].name);
  if ((rc = check_state(j)))
    return rc;
  return rule(j);
}

/* ---- 3. the changes ---- */

static struct dom_change *change(struct job *j, int coll, const char *key, enum crdt_kind kind)
{
  if (j->p->n == DOM_PLAN_MAX)
    return NULL;
  struct dom_change *ch = &j->p->ch[j->p->n++];
  memset(ch, 0, sizeof *ch);
  snprintf(ch->scope, sizeof ch->scope, "%s", j->scope);
  snprintf(ch->coll, sizeof ch->coll, "%s", domain_name((enum dom_coll)coll));
  snprintf(ch->key, sizeof ch->key, "%.*s", CRDT_KEY_MAX, key);
  ch->kind = kind;
  return ch;
}

static int val_cmp(const void *x, const void *y)
{
  const struct val *a = *(const struct val *const *)x, *b = *(const struct val *const *)y;
  return strcmp(a->name, b->name);
}

/* The body map of the '=' values (negated for OUT), keys in byte order. */
static int body_of(struct job *j, struct dom_change *ch)
{
  const struct val *sorted[VALS_MAX];
  uint32_t n = 0;
  struct crdt_buf b;
  for (int i = 0; i < j->n; i++)
    if (j->v[i].op == '=')
      sorted[n++] = &j->v[i];
  qsort(sorted, n, sizeof sorted[0], val_cmp);
  crdt_buf_init(&b, ch->body, sizeof ch->body);
  crdt_w_map(&b, n);
  for (uint32_t i = 0; i < n; i++) {
    struct dom_value v = sorted[i]->v;
    crdt_w_cstr(&b, sorted[i]->name);
    if (j->verb == DOM_V_OUT)
      v.i = -v.i;
    dom_value_write(&b, &v);
  }
  ch->body_len = b.len;
  return crdt_buf_err(&b) ? LINLI_ETOOBIG : 0;
}

/* One element added or removed: {field: [elem]}. */
static int elem_body(struct dom_change *ch, const char *field, const struct dom_value *v)
{
  struct crdt_buf b;
  crdt_buf_init(&b, ch->body, sizeof ch->body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, field);
  crdt_w_array(&b, 1);
  dom_value_write(&b, v);
  ch->body_len = b.len;
  return crdt_buf_err(&b) ? LINLI_ETOOBIG : 0;
}

/* The parents of a set op: every entry of the frontier of each field it
 * writes, so that a change that saw the current values replaces them and
 * only writes that did not see each other stand as a conflict. */
struct frontier {
  struct dom_change *ch;
  struct job *j;
};

static int fr_entry(void *arg, const struct crdt_lww_entry *e)
{
  struct dom_change *ch = arg;
  for (uint32_t i = 0; i < ch->n_parents; i++)
    if (!memcmp(ch->parents + i * CRDT_ID_BYTES, e->id, CRDT_ID_BYTES))
      return 0;
  if (ch->n_parents == CRDT_PARENTS_MAX)
    return 0; /* the rest stay as a conflict */
  memcpy(ch->parents + ch->n_parents++ * CRDT_ID_BYTES, e->id, CRDT_ID_BYTES);
  return 0;
}

static int fr_record(void *arg, const struct record *r)
{
  struct frontier *f = arg;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    if (r->f[i].tag != CRDT_ROW_LWW || !r->lww_rows[i])
      continue;
    char fname[CRDT_FIELD_MAX + 1];
    snprintf(fname, sizeof fname, "%.*s", (int)r->f[i].name.len, r->f[i].name.p);
    if (given(f->j, fname))
      crdt_lww_each(r->lww_rows[i], r->lww_lens[i], fr_entry, f->ch);
  }
  return 0;
}

/* Supplies: the receipt a stock in logs; the draw-down of a hand-out. */
static int supply_changes(struct job *j)
{
  struct dom_change *ch;
  if (domain_coll_id(j->c) == DOM_STOCK && j->verb == DOM_V_IN && !j->r->upsert) {
    struct dom_items it;
    char items[DOM_TEXT_MAX + 1];
    const struct val *source = NULL, *date = NULL;
    memset(&it, 0, sizeof it);
    for (int i = 0; i < j->n; i++) {
      const struct val *v = &j->v[i];
      if (v->op == 'r')
        *(strcmp(v->name, "source") ? &date : &source) = v;
      else if (v->op == '=' && it.n < DOM_ITEMS_MAX) {
        snprintf(it.l[it.n].item, sizeof it.l[it.n].item, "%s", v->name);
        it.l[it.n++].qty = v->v.i;
      }
    }
    if (source) {
      dom_items_sort(&it);
      dom_items_format(&it, items, sizeof items);
      if (!(ch = change(j, DOM_RECEIPT, j->r->key, CRDT_APPEND)))
        return LINLI_ETOOBIG;
      struct crdt_buf b;
      crdt_buf_init(&b, ch->body, sizeof ch->body);
      crdt_w_map(&b, 3);
      crdt_w_cstr(&b, "date");
      if (date)
        dom_value_write(&b, &date->v);
      else
        crdt_w_cstr(&b, j->r->today);
      crdt_w_cstr(&b, "items");
      crdt_w_cstr(&b, items);
      crdt_w_cstr(&b, "source");
      dom_value_write(&b, &source->v);
      ch->body_len = b.len;
      if (crdt_buf_err(&b))
        return LINLI_ETOOBIG;
    }
  }
  if (j->draw.n && j->draw_stock[0]) {
    if (!(ch = change(j, DOM_STOCK, j->draw_stock, CRDT_COUNTER)) ||
        dom_items_body(&j->draw, -1, ch->body, sizeof ch->body, &ch->body_len))
      return LINLI_ETOOBIG;
  }
  return 0;
}

static int build(struct job *j)
{
  const struct dom_collection *c = j->c;
  int coll = domain_coll_id(c), rc, sets = 0;
  struct dom_change *ch;
  for (int i = 0; i < j->n; i++)
    sets += j->v[i].op == '=';
  if (sets) {
    enum crdt_kind kind = c->shape == DOM_LOG        ? CRDT_APPEND
                          : c->shape == DOM_COUNTERS ? CRDT_COUNTER
                                                     : CRDT_SET;
    if (!(ch = change(j, coll, j->r->key, kind)) || (rc = body_of(j, ch)))
      return LINLI_ETOOBIG;
    if (kind == CRDT_SET) {
      struct frontier f = {ch, j};
      rc = record_each(j->view, j->scope, c->name, j->r->key, fr_record, &f);
      if (rc < 0 && rc != LINLI_ENOTFOUND)
        return rc;
    }
  }
  for (int i = 0; i < j->n; i++) {
    const struct val *v = &j->v[i];
    if (v->op == '=' || v->op == 'r')
      continue;
    if (!(ch = change(j, coll, j->r->key, v->op == '+' ? CRDT_ADD : CRDT_REMOVE)) ||
        elem_body(ch, v->name, &v->v))
      return LINLI_ETOOBIG;
    if (v->op == '-') {
      uint8_t e[CRDT_ELEM_MAX + 8];
      size_t el = elem_bytes(v, e, sizeof e);
      rc = record_elem_adds(j->view, j->scope, c->name, j->r->key, v->name, e, el, ch->parents,
                            CRDT_PARENTS_MAX);
      if (rc < 0)
        return rc;
      ch->n_parents = (uint32_t)rc;
    }
  }
  /* A resident joins the members of its household. */
  struct val *hh = coll == DOM_RESIDENT ? given(j, "household") : NULL;
  if (hh && (strlen(cur_of(j, "household")) != hh->v.len ||
             memcmp(cur_of(j, "household"), hh->v.s, hh->v.len))) {
    struct dom_value m = {'s', j->r->key, strlen(j->r->key), 0, {0}};
    char key[DOM_KEY_MAX + 1];
    snprintf(key, sizeof key, "%.*s", (int)hh->v.len, hh->v.s);
    if (!(ch = change(j, DOM_HOUSEHOLD, key, CRDT_ADD)) || elem_body(ch, "members", &m))
      return LINLI_ETOOBIG;
  }
  /* A delivered order or proxy purchase is a hand-out of the household. */
  if (j->p->delivered && j->say && j->say->kind && !j->r->upsert) {
    char date[DOM_DATE_LEN + 1] = "", items[DOM_TEXT_MAX + 1], hkey[DOM_KEY_MAX + 1], b1[64];
    const struct dom_field *sf = domain_state_field(c);
    const char *last = sf->values[0];
    for (int i = 0; sf->values[i]; i++)
      last = sf->values[i];
    snprintf(date, sizeof date, "%s",
             domain_field(c, last, strlen(last)) ? after_of(j, last, b1, sizeof b1) : j->r->today);
    snprintf(items, sizeof items, "%s", after_of(j, "items", b1, sizeof b1));
    snprintf(hkey, sizeof hkey, "%s", after_of(j, "household", b1, sizeof b1));
    if (!hkey[0] || !items[0]) {
      snprintf(j->p->note, sizeof j->p->note,
               "no household or items on record, so no distribution was logged");
      j->p->delivered = 0;
      return 0;
    }
    if (!(ch = change(j, DOM_DISTRIBUTION, hkey, CRDT_APPEND)))
      return LINLI_ETOOBIG;
    struct crdt_buf b;
    crdt_buf_init(&b, ch->body, sizeof ch->body);
    crdt_w_map(&b, j->draw_stock[0] ? 5 : 4);
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, date[0] ? date : j->r->today);
    crdt_w_cstr(&b, "items");
    crdt_w_cstr(&b, items);
    crdt_w_cstr(&b, "kind");
    crdt_w_cstr(&b, j->say->kind);
    crdt_w_cstr(&b, "source");
    crdt_w_cstr(&b, j->r->key);
    if (j->draw_stock[0]) {
      crdt_w_cstr(&b, "stock");
      crdt_w_cstr(&b, j->draw_stock);
    }
    ch->body_len = b.len;
    if (crdt_buf_err(&b))
      return LINLI_ETOOBIG;
  }
  return supply_changes(j);
}

/* The remove of member from household's members: its parents are the adds
 * that keep it there (none: nothing to remove, no op). */
static int membership_remove(struct job *j, const char *household, const char *member)
{
  uint8_t e[CRDT_ELEM_MAX + 8];
  struct crdt_buf b;
  struct dom_value m = {'s', member, strlen(member), 0, {0}};
  crdt_buf_init(&b, e, sizeof e);
  dom_value_write(&b, &m);
  struct dom_change *ch = change(j, DOM_HOUSEHOLD, household, CRDT_REMOVE);
  if (!ch || elem_body(ch, "members", &m))
    return LINLI_ETOOBIG;
  int rc = record_elem_adds(j->view, j->scope, domain_name(DOM_HOUSEHOLD), household, "members",
                            b.p, b.len, ch->parents, CRDT_PARENTS_MAX);
  if (rc < 0)
    return rc;
  if (!(ch->n_parents = (uint32_t)rc))
    j->p->n--; /* not a member: no remove */
  return 0;
}

/* void KEY --reason TEXT: a tombstone of the record, and the reason in the
 * voided log; a resident also leaves its household's members. */
static int plan_void(struct job *j)
{
  char name[CRDT_KEY_MAX + 48], vkey[CRDT_COLLECTION_MAX + DOM_KEY_MAX + 2];
  struct lookup l = {0, j, "", ""};
  struct dom_err ignore;
  int rc;
  if (j->c->shape != DOM_REGISTER)
    return dom_fail(j->e, DOM_MALFORMED, "a %s is an event: events are not voided one by one",
                    dom_tx(j->c->noun));
  const struct dom_field *rf = domain_field(&domain_collections[DOM_VOIDED], "reason", 6);
  struct dom_value reason;
  if (!j->r->reason || dom_parse(rf, j->r->reason, j->r->today, &reason, j->e)) {
    if (!j->r->reason)
      dom_fail(j->e, DOM_MALFORMED, "void needs --reason TEXT: why the record is wrong");
    return DOM_MALFORMED;
  }
  if ((rc = lookup(j->view, j->scope, domain_coll_id(j->c), j->r->key, &l)) < 0)
    return rc;
  if (!rc)
    return dom_fail(j->e, DOM_REFUSED, "%s is not registered in community %s (or is voided "
                    "already)", named(j, name, sizeof name), j->scope);
  if (snprintf(vkey, sizeof vkey, "%s/%s", j->c->name, j->r->key) > DOM_KEY_MAX)
    return dom_fail(j->e, DOM_MALFORMED, "the key is too long to void");
  if (!change(j, domain_coll_id(j->c), j->r->key, CRDT_TOMBSTONE))
    return LINLI_ETOOBIG;
  j->p->ch[j->p->n - 1].body[0] = 0x80; /* {} */
  j->p->ch[j->p->n - 1].body_len = 1;
  struct dom_change *ch = change(j, DOM_VOIDED, vkey, CRDT_APPEND);
  struct crdt_buf b;
  if (!ch)
    return LINLI_ETOOBIG;
  crdt_buf_init(&b, ch->body, sizeof ch->body);
  crdt_w_map(&b, 4);
  crdt_w_cstr(&b, "collection"), crdt_w_cstr(&b, j->c->name);
  crdt_w_cstr(&b, "date"), crdt_w_cstr(&b, j->r->today);
  crdt_w_cstr(&b, "key"), crdt_w_cstr(&b, j->r->key);
  crdt_w_cstr(&b, "reason"), dom_value_write(&b, &reason);
  ch->body_len = b.len;
  if (crdt_buf_err(&b))
    return LINLI_ETOOBIG;
  (void)ignore;
  if (domain_coll_id(j->c) == DOM_RESIDENT && cur_of(j, "household")[0])
    return membership_remove(j, cur_of(j, "household"), j->r->key);
  return 0;
}

/* resident move R --household H: the household field, and the members of
 * both households, in one batch. */
static int plan_move(struct job *j)
{
  char name[CRDT_KEY_MAX + 48], from[DOM_KEY_MAX + 1], arg[DOM_KEY_MAX + 16];
  struct lookup l = {0, j, "", ""};
  int rc;
  if (domain_coll_id(j->c) != DOM_RESIDENT)
    return dom_fail(j->e, DOM_MALFORMED, "only a resident moves");
  if (!j->r->to)
    return dom_fail(j->e, DOM_MALFORMED, "move needs --household H: the household it moves to");
  if ((rc = lookup(j->view, j->scope, DOM_RESIDENT, j->r->key, &l)) < 0)
    return rc;
  named(j, name, sizeof name);
  if (!rc)
    return dom_fail(j->e, DOM_REFUSED, "%s is not registered in community %s", name, j->scope);
  snprintf(from, sizeof from, "%s", cur_of(j, "household"));
  snprintf(arg, sizeof arg, "household=%s", j->r->to);
  j->verb = DOM_V_SET;
  if ((rc = parse_arg(j, arg)))
    return rc;
  j->n++;
  if (!strcmp(from, j->r->to))
    return dom_fail(j->e, DOM_REFUSED, "%s lives in that household already", name);
  if ((rc = check_refs(j)))
    return rc;
  struct dom_change *ch = change(j, DOM_RESIDENT, j->r->key, CRDT_SET);
  if (!ch || (rc = body_of(j, ch)))
    return LINLI_ETOOBIG;
  struct frontier f = {ch, j};
  rc = record_each(j->view, j->scope, j->c->name, j->r->key, fr_record, &f);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return rc;
  if (from[0] && (rc = membership_remove(j, from, j->r->key)))
    return rc;
  struct dom_value m = {'s', j->r->key, strlen(j->r->key), 0, {0}};
  if (!(ch = change(j, DOM_HOUSEHOLD, j->r->to, CRDT_ADD)) || elem_body(ch, "members", &m))
    return LINLI_ETOOBIG;
  return 0;
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
    if ((rc = lookup(v, j->scope, r->coll, r->key, &l)) < 0)
      goto out;
    j->verb = rc ? DOM_V_SET : DOM_V_ADD;
  }
  for (int i = 0; i < r->n_args; i++, j->n++)
    if ((rc = parse_arg(j, r->args[i])))
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
  rc = build(j);
  if (rc > 0)
    rc = LINLI_EINVAL;
out:
  if (rc)
    p->n = 0; /* a refused plan holds no change */
  dom_index_free(j->own_index);
  free(j);
  return rc;
}
