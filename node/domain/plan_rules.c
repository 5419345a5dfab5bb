/* The rules of a collection, checked by dom_plan() (plan.c) against the
 * read snapshot: a household and its head, duplicate residents, where a
 * case or a gate is, stocks, hand-outs and orders. */
#include <string.h>

#include "plan_int.h"

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
  struct val *v = plan_given(j, name);
  if (!v || v->v.t != 's')
    return NULL;
  snprintf(buf, cap, "%.*s", (int)v->v.len, v->v.s);
  return buf;
}

static int household_rule(struct job *j)
{
  struct val *v = plan_given(j, "compound");
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
  snprintf(nb, sizeof nb, "%s", nv ? nv : plan_cur_of(j, "name"));
  snprintf(pb, sizeof pb, "%s", pv ? pv : plan_cur_of(j, "phone"));
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
  struct val *v = plan_given(j, "household");
  const char *was = plan_cur_of(j, "household");
  char name[CRDT_KEY_MAX + 48], home[DOM_KEY_MAX + 1];
  if (!v)
    return DOM_OK;
  snprintf(home, sizeof home, "%.*s", (int)v->v.len, v->v.s);
  if (!strcmp(was, home))
    return DOM_OK;
  plan_named(j, name, sizeof name);
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
  struct val *k = plan_given(j, "kind");
  char b[CUR_MAX], stock[CUR_MAX];
  if (k && !(k->v.len == 5 && !memcmp(k->v.s, "proxy", 5))) { /* relief, group: from the stock */
    if ((rc = items_rule(j, plan_after_of(j, "items", b, sizeof b), &j->draw)))
      return rc;
    snprintf(stock, sizeof stock, "%s", plan_after_of(j, "stock", b, sizeof b));
    if ((rc = draw_rule(j, stock)))
      return rc;
    if (j->draw_stock[0])
      plan_add_default(j, domain_field(j->c, "stock", 5), j->draw_stock);
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
  struct val *rel = plan_given(j, "release_date");
  char name[CRDT_KEY_MAX + 48];
  const char *start = plan_cur_of(j, "start_date");
  if (!rel || j->verb != DOM_V_SET)
    return DOM_OK;
  if (plan_cur_of(j, "release_date")[0])
    return dom_fail(j->e, DOM_REFUSED, "%s (%s) was released on %s already",
                    plan_named(j, name, sizeof name), plan_cur_of(j, "category"),
                    plan_cur_of(j, "release_date"));
  if (start[0] && strcmp(rel->v.s, start) < 0)
    return dom_fail(j->e, DOM_REFUSED, "case %s started on %s; it cannot be released before, on %s",
                    j->r->key, start, rel->v.s);
  return DOM_OK;
}

static int gate_rule(struct job *j)
{
  struct dom_index *ix;
  int rc;
  if (j->verb == DOM_V_ADD && !plan_given(j, "person") == !plan_given(j, "visitor"))
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
    r = plan_cur_of(j, "resident");
  if (!p)
    p = plan_cur_of(j, place_field);
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
int plan_stock_rule(struct job *j)
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
    return rc < 0 ? plan_read_failed(j, rc) : rc;
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
    return plan_read_failed(j, rc);
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
    return plan_read_failed(j, rc);
  if (rc)
    snprintf(j->e->field, sizeof j->e->field, "items");
  return rc;
}

static int order_rule(struct job *j)
{
  char b[CUR_MAX], items[CUR_MAX], stock[CUR_MAX];
  struct dom_items it;
  int rc;
  if (plan_given(j, "items") && (rc = items_rule(j, plan_after_of(j, "items", b, sizeof b), &it)))
    return rc;
  char free_item[CRDT_FIELD_MAX + 1];
  if (plan_given(j, "items") && (rc = dom_items_free(j->view, j->scope, &it, free_item,
                                                     sizeof free_item)) < 0)
    return plan_read_failed(j, rc);
  if (plan_given(j, "items") && rc > 0)
    snprintf(j->p->note, sizeof j->p->note, "%s is listed as free (free=yes), handed out with linli "
             "supply relief; the order is recorded all the same", free_item);
  if (!j->p->delivered || j->r->upsert)
    return DOM_OK;
  snprintf(items, sizeof items, "%s", plan_after_of(j, "items", b, sizeof b));
  snprintf(stock, sizeof stock, "%s", plan_after_of(j, "stock", b, sizeof b));
  if (!items[0])
    return DOM_OK;
  if ((rc = items_rule(j, items, &j->draw)))
    return rc;
  return draw_rule(j, stock);
}

int plan_rule(struct job *j)
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
