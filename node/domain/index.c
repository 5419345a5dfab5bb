/* The index the plan's duplicate checks read: a community's residents by ID
 * number and by name and phone digits, each resident's household, each
 * household's compound, and every registered gate. Built once from a
 * snapshot (the first time a check needs it); a batch that plans many rows
 * (a CSV file) keeps one index and notes each accepted row into it, so rows
 * of the same file are checked against each other too. Contract: domain.h
 * ("the plan's index"). */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

struct slot {
  char *key, *value;
};

struct table {
  struct slot *t;
  size_t cap, n;
};

struct dom_index {
  int built;
  char scope[CRDT_SCOPE_MAX + 1];
  struct table by_id, by_name_phone, household_of, compound_of, gates, member_of;
};

static uint64_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

static const char *table_get(const struct table *t, const char *key)
{
  if (!t->cap || !key[0])
    return NULL;
  for (size_t at = hash(key) & (t->cap - 1); t->t[at].key; at = (at + 1) & (t->cap - 1))
    if (!strcmp(t->t[at].key, key))
      return t->t[at].value;
  return NULL;
}

static int table_put(struct table *t, const char *key, const char *value)
{
  if (!key[0])
    return 0;
  if (2 * (t->n + 1) > t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 512;
    struct slot *n = calloc(cap, sizeof *n);
    if (!n)
      return LINLI_ENOMEM;
    for (size_t i = 0; i < t->cap; i++)
      if (t->t[i].key) {
        size_t at = hash(t->t[i].key) & (cap - 1);
        while (n[at].key)
          at = (at + 1) & (cap - 1);
        n[at] = t->t[i];
      }
    free(t->t);
    t->t = n, t->cap = cap;
  }
  size_t at = hash(key) & (t->cap - 1);
  while (t->t[at].key && strcmp(t->t[at].key, key))
    at = (at + 1) & (t->cap - 1);
  char *v = strdup(value);
  if (!v)
    return LINLI_ENOMEM;
  if (t->t[at].key) {
    free(t->t[at].value);
  } else {
    if (!(t->t[at].key = strdup(key))) {
      free(v);
      return LINLI_ENOMEM;
    }
    t->n++;
  }
  t->t[at].value = v;
  return 0;
}

static void table_free(struct table *t)
{
  for (size_t i = 0; i < t->cap; i++)
    free(t->t[i].key), free(t->t[i].value);
  free(t->t);
}

int dom_index_new(struct dom_index **out)
{
  return (*out = calloc(1, sizeof **out)) ? 0 : LINLI_ENOMEM;
}

void dom_index_free(struct dom_index *ix)
{
  if (!ix)
    return;
  table_free(&ix->by_id), table_free(&ix->by_name_phone), table_free(&ix->household_of);
  table_free(&ix->compound_of), table_free(&ix->gates), table_free(&ix->member_of);
  free(ix);
}

/* "name|digits of the phone", the key a person is known by. */
void dom_person_key(const char *name, const char *phone, char *out, size_t cap)
{
  size_t n = (size_t)snprintf(out, cap, "%s|", name);
  for (; *phone && n + 1 < cap; phone++)
    if (*phone >= '0' && *phone <= '9')
      out[n++] = *phone;
  out[n < cap ? n : cap - 1] = 0;
}

static int note_resident(struct dom_index *ix, const char *key, const char *id, const char *name,
                         const char *phone, const char *household)
{
  char np[DOM_TEXT_MAX + 40];
  int rc = 0;
  if (id[0])
    rc = table_put(&ix->by_id, id, key);
  if (!rc && name[0] && phone[0]) {
    dom_person_key(name, phone, np, sizeof np);
    rc = table_put(&ix->by_name_phone, np, key);
  }
  if (!rc && household[0])
    rc = table_put(&ix->household_of, key, household);
  return rc;
}

struct build {
  struct dom_index *ix;
  const struct crdt_view *v;
  char key[CRDT_KEY_MAX + 1];
};

static void str_of(const struct record *r, const char *f, char *out, size_t cap)
{
  if (record_str(r, f, out, cap))
    out[0] = 0;
}

static int on_resident(void *arg, const struct record *r)
{
  struct build *b = arg;
  char id[32], name[DOM_TEXT_MAX + 1], phone[32], hh[DOM_KEY_MAX + 1];
  if (r->deleted)
    return 0;
  snprintf(b->key, sizeof b->key, "%.*s", (int)r->key.len, r->key.p);
  str_of(r, "id_number", id, sizeof id), str_of(r, "name", name, sizeof name);
  str_of(r, "phone", phone, sizeof phone), str_of(r, "household", hh, sizeof hh);
  return note_resident(b->ix, b->key, id, name, phone, hh);
}

static int on_member(void *arg, const uint8_t *e, size_t el)
{
  struct build *b = arg;
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  char member[DOM_KEY_MAX + 1];
  crdt_mp_init(&m, e, el);
  if (crdt_mp_str(&m, &s, &sl) || sl > DOM_KEY_MAX)
    return 0;
  memcpy(member, s, sl);
  member[sl] = 0;
  return table_put(&b->ix->member_of, member, b->key);
}

static int on_household(void *arg, const struct record *r)
{
  struct build *b = arg;
  char c[DOM_KEY_MAX + 1];
  if (r->deleted)
    return 0;
  snprintf(b->key, sizeof b->key, "%.*s", (int)r->key.len, r->key.p);
  str_of(r, "compound", c, sizeof c);
  int rc = table_put(&b->ix->compound_of, b->key, c);
  return rc ? rc : record_elems(b->v, b->ix->scope, domain_name(DOM_HOUSEHOLD), b->key, "members",
                                on_member, b);
}

static int on_gate(void *arg, const uint8_t *e, size_t el)
{
  struct build *b = arg;
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  char gate[DOM_KEY_MAX + 1];
  crdt_mp_init(&m, e, el);
  if (crdt_mp_str(&m, &s, &sl) || sl > DOM_KEY_MAX)
    return 0;
  memcpy(gate, s, sl);
  gate[sl] = 0;
  return table_put(&b->ix->gates, gate, b->key);
}

static int on_compound(void *arg, const struct record *r)
{
  struct build *b = arg;
  if (r->deleted)
    return 0;
  snprintf(b->key, sizeof b->key, "%.*s", (int)r->key.len, r->key.p);
  return record_elems(b->v, b->ix->scope, domain_name(DOM_COMPOUND), b->key, "gates", on_gate, b);
}

int dom_index_build(struct dom_index *ix, const struct crdt_view *v, const char *scope)
{
  struct build b = {ix, v, ""};
  int rc;
  if (ix->built)
    return 0;
  snprintf(ix->scope, sizeof ix->scope, "%s", scope);
  if ((rc = record_each(v, scope, domain_name(DOM_RESIDENT), NULL, on_resident, &b)) < 0 ||
      (rc = record_each(v, scope, domain_name(DOM_HOUSEHOLD), NULL, on_household, &b)) < 0 ||
      (rc = record_each(v, scope, domain_name(DOM_COMPOUND), NULL, on_compound, &b)) < 0)
    return rc == LINLI_ENOTFOUND ? 0 : rc;
  ix->built = 1;
  return 0;
}

const char *dom_index_resident_by_id(const struct dom_index *ix, const char *id)
{
  return table_get(&ix->by_id, id);
}

const char *dom_index_resident_by_person(const struct dom_index *ix, const char *name,
                                         const char *phone)
{
  char np[DOM_TEXT_MAX + 40];
  dom_person_key(name, phone, np, sizeof np);
  return table_get(&ix->by_name_phone, np);
}

const char *dom_index_household_of(const struct dom_index *ix, const char *resident)
{
  return table_get(&ix->household_of, resident);
}

const char *dom_index_compound_of(const struct dom_index *ix, const char *household)
{
  return table_get(&ix->compound_of, household);
}

const char *dom_index_member_of(const struct dom_index *ix, const char *resident)
{
  return table_get(&ix->member_of, resident);
}

const char *dom_index_gate(const struct dom_index *ix, const char *gate)
{
  return table_get(&ix->gates, gate);
}

/* The text value of field f in a body map, into out ("" if none). */
static void body_str(const uint8_t *b, size_t bl, const char *f, char *out, size_t cap)
{
  size_t vl;
  const uint8_t *v = dom_body_get(b, bl, f, &vl);
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  out[0] = 0;
  if (!v)
    return;
  crdt_mp_init(&m, v, vl);
  if (crdt_mp_str(&m, &s, &sl) == 0)
    snprintf(out, cap, "%.*s", (int)sl, s);
}

int dom_index_note(struct dom_index *ix, const struct dom_plan *p)
{
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *ch = &p->ch[i];
    char id[32], name[DOM_TEXT_MAX + 1], phone[32], hh[DOM_KEY_MAX + 1];
    int rc = 0;
    if (ch->kind == CRDT_ADD && !strcmp(ch->coll, domain_name(DOM_HOUSEHOLD))) {
      struct crdt_mp m; /* {members: [resident]} */
      uint32_t n, k;
      const char *f, *s;
      uint32_t fl, sl;
      crdt_mp_init(&m, ch->body, ch->body_len);
      if (!crdt_mp_map(&m, &n) && n == 1 && !crdt_mp_str(&m, &f, &fl) && fl == 7 &&
          !memcmp(f, "members", 7) && !crdt_mp_array(&m, &k) && k == 1 && !crdt_mp_str(&m, &s, &sl) &&
          sl <= DOM_KEY_MAX) {
        char member[DOM_KEY_MAX + 1];
        memcpy(member, s, sl);
        member[sl] = 0;
        if ((rc = table_put(&ix->member_of, member, ch->key)))
          return rc;
      }
      continue;
    }
    if (ch->kind != CRDT_SET)
      continue;
    if (!strcmp(ch->coll, domain_name(DOM_RESIDENT))) {
      body_str(ch->body, ch->body_len, "id_number", id, sizeof id);
      body_str(ch->body, ch->body_len, "name", name, sizeof name);
      body_str(ch->body, ch->body_len, "phone", phone, sizeof phone);
      body_str(ch->body, ch->body_len, "household", hh, sizeof hh);
      rc = note_resident(ix, ch->key, id, name, phone, hh);
    } else if (!strcmp(ch->coll, domain_name(DOM_HOUSEHOLD))) {
      body_str(ch->body, ch->body_len, "compound", hh, sizeof hh);
      rc = hh[0] ? table_put(&ix->compound_of, ch->key, hh) : 0;
    }
    if (rc)
      return rc;
  }
  return 0;
}
