/* report: the figures the district publishes, from the materialised rows.
 *
 * Per community (scope): compounds and how many are epidemic-free on a date
 * (rules.h), households and residents registered, open cases by category,
 * supply stock counters and distributions by kind, and how complete and
 * fresh the figures are: ops held and the newest op's time. A district
 * report is the rows of its communities plus totals: a community is
 * epidemic-free when all its compounds are; shares are of the communities
 * and compounds heard from (completeness says how many that is). */
#ifndef LINLI_REPORT_H
#define LINLI_REPORT_H

#include "store.h"

struct report_row {
  char scope[CRDT_SCOPE_MAX + 1];
  uint64_t ops, newest_ms;   /* completeness and freshness of this row */
  int compounds, eligible;
  int households, residents;
  int open_confirmed, open_suspected, open_fever, open_contact;
  int64_t rice_kg, vegetables_kg;
  uint64_t relief, group, proxy;
};

struct report_totals {
  int communities, heard, communities_free;
  int compounds, eligible;
  int households, residents;
  int open_confirmed, open_three;
  uint64_t oldest_newest_ms; /* the stalest community's newest op; 0 if none */
};

/* Fills rows[i] for scopes[i] on date (YYYY-MM-DD) and the totals. */
int report_scopes(struct store *s, const char *const *scopes, int n, const char *date,
                  struct report_row *rows, struct report_totals *tot);

#endif
