/* roster_csv: the household and resident rosters staff keep as CSV
 * (`linli import-csv`, docs/operator.md), parsed and checked without I/O.
 *
 * A roster is UTF-8 text (an optional byte order mark first) with a header
 * row naming columns of roster_households or roster_residents in any order,
 * then one record per line, RFC 4180 quoting ("" inside quotes, newlines
 * inside quoted fields), lines ending in LF or CRLF; blank lines are
 * skipped. Checking happens in two passes, as `linli import-csv` runs them:
 *
 *   roster_parse()  the text: UTF-8, the header, quotes, field counts;
 *   roster_check()  each row: required fields, types (phone, true/false,
 *                   year, ID number with its ISO 7064 MOD 11-2 check
 *                   character), keys unique in the file, a household code
 *                   that starts with its compound code, and, against the
 *                   rows of a store, a resident's household exists and the
 *                   resident is not in another one already.
 *
 * A problem names the line (1 = the header; a quoted newline counts) and the
 * column, never the content of a field: rosters hold personal data. Every
 * problem is counted; the first ROSTER_PROBLEMS_MAX keep their text.
 * All or nothing: while problems > 0, n_rows is 0, so a caller that writes
 * the rows it is left with writes nothing from a roster with a bad line.
 *
 * Ownership: the roster parses the caller's buffer in place (unquoting
 * shortens fields, and each field gets a NUL): row fields point into it,
 * so it must outlive the roster. roster_release() frees what the roster
 * allocated, not the buffer. No global state. */
#ifndef LINLI_ROSTER_CSV_H
#define LINLI_ROSTER_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

#define ROSTER_COLS 8           /* most columns a header may have */
#define ROSTER_PROBLEMS_MAX 200 /* problems kept with their text */
#define ROSTER_WHY_MAX 112

/* Column types: a key (crdt_check_key), free text, a phone number, true or
 * false, a year from 1880 to 2100, a resident ID number. */
enum roster_type {
  ROSTER_KEY = 'k',
  ROSTER_TEXT = 's',
  ROSTER_PHONE = 'p',
  ROSTER_BOOL = 'b',
  ROSTER_YEAR = 'y',
  ROSTER_ID = 'd',
};

struct roster_col {
  const char *name;
  int required;
  char type; /* enum roster_type */
};

/* The columns, NULL-terminated; column 0 is the record's key, column 1 the
 * record it belongs to (household: compound, resident: household). */
extern const struct roster_col roster_households[];
extern const struct roster_col roster_residents[];

/* The columns for `what` ("households" or "residents") and the collection
 * they fill (*coll: "household" or "resident"); NULL for anything else. */
const struct roster_col *roster_columns(const char *what, const char **coll);

struct roster_row {
  int line;
  char *f[ROSTER_COLS]; /* by column of cols; NULL when the file has no such column */
};

struct roster_problem {
  int line;
  const char *col; /* a column name of cols, or NULL: the whole line */
  char why[ROSTER_WHY_MAX];
};

struct roster {
  const struct roster_col *cols;
  const char *coll;
  int ncols, map[ROSTER_COLS]; /* header column i -> column of cols */
  struct roster_row *rows;     /* n_rows of them; 0 while problems > 0 */
  size_t n_rows, cap_rows;
  struct roster_problem *problem; /* the first min(problems, ROSTER_PROBLEMS_MAX) */
  int problems;
  /* roster_check: keys of the file -> row index + 1 (open addressing) */
  const char **hkeys;
  size_t *hval, hcap;
};

/* Starts an empty roster of `what` ("households" or "residents");
 * LINLI_EINVAL for anything else. */
int roster_init(struct roster *r, const char *what);
/* Frees the rows and problems; the roster can be initialised again. */
void roster_release(struct roster *r);

/* Parses buf[0..len), which must have room for one more byte (buf[len] is
 * overwritten with a NUL). Returns 0 (then look at problems) or
 * LINLI_ENOMEM; a roster is parsed once. */
int roster_parse(struct roster *r, char *buf, size_t len);

/* Checks every parsed row, in file order, against the rows of v in scope
 * (v NULL: an empty store). Returns 0 (then look at problems) or an error
 * reading v. Call once, after a roster_parse() that found no problem. */
int roster_check(struct roster *r, const struct crdt_view *v, const char *scope);

/* The value of a true/false field and of a year field: 0, or -1 if s is
 * not one (roster_check() accepts a field only when these would). */
int roster_bool(const char *s, int *v);
int roster_year(const char *s, int64_t *v);

#endif
