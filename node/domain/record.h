/* record: reading materialised records back out of the rows.
 *
 * A record is every row under its prefix scope 0 collection 0 key 0
 * (crdt.h). record_each() walks a collection (or one record) in key order
 * and hands each record to a callback as a struct record: its lww fields
 * with the winning value and how many concurrent values lost (a conflict
 * when > 0), its counters, the live elements of its sets, and whether a
 * tombstone hides it. Pointers are valid during the callback only (they
 * point into the view's snapshot). */
#ifndef LINLI_RECORD_H
#define LINLI_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

#define RECORD_FIELDS_MAX 64

struct record_field {
  struct crdt_str name;
  char tag;                /* CRDT_ROW_LWW, CRDT_ROW_COUNTER or CRDT_ROW_ELEM */
  /* lww: the winner; counter: 8-byte big-endian sum; set: unused */
  const uint8_t *value;
  uint32_t value_len;
  uint64_t hlc;            /* lww: the winner's stamp */
  uint32_t losers;         /* lww: concurrent values kept as a conflict */
  uint32_t elems;          /* set: live elements */
  int64_t sum;             /* counter */
};

struct record {
  struct crdt_str scope, collection, key;
  int deleted;             /* a tombstone and nothing written after it */
  uint32_t n_fields;
  struct record_field f[RECORD_FIELDS_MAX];
  const uint8_t *lww_rows[RECORD_FIELDS_MAX]; /* raw frontier rows, for conflicts */
  size_t lww_lens[RECORD_FIELDS_MAX];
};

/* Calls fn for each record of scope/collection (key NULL: all records, in
 * key order; else just that one). fn returns non-zero to stop. Returns 0,
 * the stop value, or an error. */
int record_each(const struct crdt_view *v, const char *scope, const char *collection,
                const char *key, int (*fn)(void *arg, const struct record *r), void *arg);

/* The field named name, or NULL. */
const struct record_field *record_field(const struct record *r, const char *name);
/* The winner of an lww field as a string (copied, NUL-terminated, truncated
 * to cap - 1); 0, or LINLI_ENOTFOUND / LINLI_ETYPE. */
int record_str(const struct record *r, const char *name, char *out, size_t cap);
/* The winner of an lww field as an integer, or as a bool (0/1). */
int record_int(const struct record *r, const char *name, int64_t *out);

#endif
