/* schema: the collections linli knows and the CRDT kind of each field, as
 * data. A new collection is a new table row, not new engine code.
 *
 * An op is checked against its collection: a `set` op may only set lww
 * fields, `add`/`remove` only set fields, `counter` only counter fields, and
 * `append` only goes to a log collection. Fields and collections this node
 * does not know pass: a newer node's ops must survive an older node, which
 * stores and forwards them unchanged (the merge needs no schema). */
#ifndef LINLI_SCHEMA_H
#define LINLI_SCHEMA_H

#include "crdt.h"

enum schema_kind {
  SCHEMA_LWW = 1,
  SCHEMA_SET = 2,
  SCHEMA_COUNTER = 3,
};

struct schema_field {
  const char *name;
  enum schema_kind kind;
};

struct schema_collection {
  const char *name;
  int log;                   /* events: append ops only (plus tombstones) */
  enum schema_kind other;    /* kind of fields not listed; 0: unknown field passes */
  const struct schema_field *fields; /* NULL-terminated */
};

/* The table, NULL-terminated. */
extern const struct schema_collection schema_collections[];

const struct schema_collection *schema_find(const char *name, size_t len);
/* The declared kind of a field, or 0 if not declared. */
enum schema_kind schema_field_kind(const struct schema_collection *c, const char *f, size_t len);
/* 0, or LINLI_ESCHEMA if the op writes a known field with the wrong kind. */
int schema_check(const struct crdt_op *op);

#endif
