/* The changes of a plan (dom_plan(), plan.c): the ops that carry out a
 * checked action, and the void and move of a record. */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

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
    /* and who wrote it: the op will carry `by` (domain.h "staff"), so it
     * replaces the `by` it saw, as it does the fields it writes */
    if (plan_given(f->j, fname) || dom_is_by(fname, strlen(fname)))
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

int plan_build(struct job *j)
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
      size_t el = plan_elem_bytes(v, e, sizeof e);
      rc = record_elem_adds(j->view, j->scope, c->name, j->r->key, v->name, e, el, ch->parents,
                            CRDT_PARENTS_MAX);
      if (rc < 0)
        return rc;
      ch->n_parents = (uint32_t)rc;
    }
  }
  /* A resident joins the members of its household. */
  struct val *hh = coll == DOM_RESIDENT ? plan_given(j, "household") : NULL;
  if (hh && (strlen(plan_cur_of(j, "household")) != hh->v.len ||
             memcmp(plan_cur_of(j, "household"), hh->v.s, hh->v.len))) {
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
             domain_field(c, last, strlen(last)) ? plan_after_of(j, last, b1, sizeof b1)
                                                 : j->r->today);
    snprintf(items, sizeof items, "%s", plan_after_of(j, "items", b1, sizeof b1));
    snprintf(hkey, sizeof hkey, "%s", plan_after_of(j, "household", b1, sizeof b1));
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
int plan_void(struct job *j)
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
  if ((rc = plan_lookup(j->view, j->scope, domain_coll_id(j->c), j->r->key, &l)) < 0)
    return rc;
  if (!rc)
    return dom_fail(j->e, DOM_REFUSED, "%s is not registered in community %s (or is voided "
                    "already)", plan_named(j, name, sizeof name), j->scope);
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
  if (domain_coll_id(j->c) == DOM_RESIDENT && plan_cur_of(j, "household")[0])
    return membership_remove(j, plan_cur_of(j, "household"), j->r->key);
  return 0;
}

/* resident move R --household H: the household field, and the members of
 * both households, in one batch. */
int plan_move(struct job *j)
{
  char name[CRDT_KEY_MAX + 48], from[DOM_KEY_MAX + 1], arg[DOM_KEY_MAX + 16];
  struct lookup l = {0, j, "", ""};
  int rc;
  if (domain_coll_id(j->c) != DOM_RESIDENT)
    return dom_fail(j->e, DOM_MALFORMED, "only a resident moves");
  if (!j->r->to)
    return dom_fail(j->e, DOM_MALFORMED, "move needs --household H: the household it moves to");
  if ((rc = plan_lookup(j->view, j->scope, DOM_RESIDENT, j->r->key, &l)) < 0)
    return rc;
  plan_named(j, name, sizeof name);
  if (!rc)
    return dom_fail(j->e, DOM_REFUSED, "%s is not registered in community %s", name, j->scope);
  snprintf(from, sizeof from, "%s", plan_cur_of(j, "household"));
  snprintf(arg, sizeof arg, "household=%s", j->r->to);
  j->verb = DOM_V_SET;
  if ((rc = plan_parse_arg(j, arg)))
    return rc;
  j->n++;
  if (!strcmp(from, j->r->to))
    return dom_fail(j->e, DOM_REFUSED, "%s lives in that household already", name);
  if ((rc = plan_check_refs(j)))
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

