/* The schema table of the domain (DESIGN.md "Domain"). */
#include <string.h>

#include "domain.h"

#define F(n, k) {n, SCHEMA_##k}
#define END {NULL, 0}

static const struct schema_field compound[] = {
    F("name", LWW), F("community", LWW), F("grid", LWW), F("address", LWW),
    F("households", SET), F("gates", SET), END};
static const struct schema_field household[] = {
    F("compound", LWW), F("unit", LWW), F("head", LWW), F("phone", LWW), F("hardship", LWW),
    F("grid", LWW), F("members", SET), END};
static const struct schema_field resident[] = {
    F("household", LWW), F("name", LWW), F("id_number", LWW), F("phone", LWW),
    F("birth_year", LWW), F("special_needs", LWW), F("tags", SET), END};
static const struct schema_field grid[] = {
    F("name", LWW), F("compound", LWW), F("households", SET), F("workers", SET), END};
static const struct schema_field volunteer[] = {
    F("name", LWW), F("phone", LWW), F("grid", LWW), F("skills", SET), END};
static const struct schema_field case_status[] = {
    F("resident", LWW), F("category", LWW), F("start_date", LWW), F("release_date", LWW),
    F("compound", LWW), F("note", LWW), END};
static const struct schema_field group_order[] = {
    F("household", LWW), F("items", LWW), F("status", LWW), F("date", LWW), END};
static const struct schema_field proxy_request[] = {
    F("household", LWW), F("resident", LWW), F("items", LWW), F("status", LWW),
    F("requested", LWW), F("bought", LWW), F("delivered", LWW), END};
static const struct schema_field measures[] = {
    F("publicity", LWW), F("closed", LWW), F("screening", LWW), F("disinfection", LWW),
    F("supply", LWW), F("mobilisation", LWW), END};
static const struct schema_field declaration[] = {
    F("compound", LWW), F("date", LWW), F("status", LWW), F("reason", LWW), END};
static const struct schema_field approval[] = {
    F("community", LWW), F("compound", LWW), F("declaration", LWW), F("date", LWW), F("status", LWW),
    F("reason", LWW), END};
static const struct schema_field none[] = {END};

const struct schema_collection schema_collections[] = {
    {"compound", 0, 0, compound},
    {"household", 0, 0, household},
    {"resident", 0, 0, resident},
    {"grid", 0, 0, grid},
    {"volunteer", 0, 0, volunteer},
    {"gate_check", 1, 0, none},
    {"health_check", 1, 0, none},
    {"case_status", 0, 0, case_status},
    {"disinfection", 1, 0, none},
    {"supply_stock", 0, SCHEMA_COUNTER, none},
    {"distribution", 1, 0, none},
    {"group_order", 0, 0, group_order},
    {"proxy_request", 0, 0, proxy_request},
    {"measures", 0, 0, measures},
    {"declaration", 0, 0, declaration},
    {"approval", 0, 0, approval},
    {NULL, 0, 0, NULL},
};

const struct schema_collection *schema_find(const char *name, size_t len)
{
  for (const struct schema_collection *c = schema_collections; c->name; c++)
    if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
      return c;
  return NULL;
}

enum schema_kind schema_field_kind(const struct schema_collection *c, const char *f, size_t len)
{
  for (const struct schema_field *x = c->fields; x->name; x++)
    if (strlen(x->name) == len && memcmp(x->name, f, len) == 0)
      return x->kind;
  return c->other;
}

int schema_check(const struct crdt_op *op)
{
  const struct schema_collection *c = schema_find(op->collection.p, op->collection.len);
  if (!c || op->kind == CRDT_TOMBSTONE)
    return 0;
  if (c->log != (op->kind == CRDT_APPEND))
    return LINLI_ESCHEMA;
  if (c->log)
    return 0;
  enum schema_kind want = op->kind == CRDT_SET       ? SCHEMA_LWW
                          : op->kind == CRDT_COUNTER ? SCHEMA_COUNTER
                                                     : SCHEMA_SET;
  struct crdt_mp r;
  uint32_t n;
  crdt_mp_init(&r, op->body, op->body_len);
  if (crdt_mp_map(&r, &n))
    return LINLI_ESCHEMA;
  for (uint32_t i = 0; i < n; i++) {
    const char *f;
    uint32_t fl;
    if (crdt_mp_str(&r, &f, &fl) || crdt_mp_value(&r, CRDT_DEPTH_MAX))
      return LINLI_ESCHEMA;
    enum schema_kind k = schema_field_kind(c, f, fl);
    if (k && k != want)
      return LINLI_ESCHEMA;
  }
  return 0;
}

int domain_accept(void *arg, const struct crdt_op *op)
{
  (void)arg;
  return schema_check(op);
}

const char *const *domain_hub_collections(void)
{
  static const char *const hub[] = {"approval", "published", NULL};
  return hub;
}

