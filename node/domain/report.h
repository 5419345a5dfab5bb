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

/* Fills rows[i] for scopes[i] on date (YYYY-MM-DD) and the totals.
 * relief, group and proxy count every distribution the log holds, so this
 * reads the whole distribution log of each community (report_district does
 * not). */
int report_scopes(struct store *s, const char *const *scopes, int n, const char *date,
                  struct report_row *rows, struct report_totals *tot);

/* ---- the district's 7-day report ----
 *
 * What a district publishes each day for each community: the figures of
 * report_scopes on date D (compounds and how many are epidemic-free on D,
 * households, residents, open cases by category, the stock counters, ops
 * held and the newest op's time), without the all-time distribution totals,
 * plus the window figures of the `days` days ending on D (D - days + 1 ..
 * D, both included; 7 for the weekly report):
 *
 *   health_checks  health_check events dated in the window
 *   fevers         those with temp_dc >= REPORT_FEVER_DC (37.3 °C, the
 *                  screening threshold)
 *   coughs         those with cough true
 *   gate_checks    gate_check events dated in the window
 *   gate_fevers    those with temp_dc >= REPORT_FEVER_DC
 *   visitors       those with visitor true
 *   relief, group, proxy   distribution events dated in the window, by kind
 *
 * An event is "dated" by its body's `date` (YYYY-MM-DD, the district's
 * zone), or, without a valid one, by the local date of its op's time. Only
 * appends count (the logs' events); a body field of the wrong type counts
 * as absent.
 *
 * What it reads: the records (compound, household, resident, case_status,
 * measures, supply_stock rows: a few per record, a few thousand records per
 * community), the fingerprint buckets for ops held and the newest op, and
 * the ops of each community from the window's first local midnight on, in
 * one pass over the (scope, hlc) index: the three logs together, never the
 * log's older days. That is exact because an event cannot be signed before
 * its date: the date staff give is never in the future (`linli check`
 * refuses it) and an op's hlc is at least the wall clock that dated it.
 * The pass runs to the newest op, so events typed in after D about days of
 * the window count too (a report for a past date sees the late entries; it
 * also reads the ops after D, which for today's report are none). */
#define REPORT_FEVER_DC 373 /* tenths of a degree: 37.3 °C */
#define REPORT_WINDOW_DAYS 7

struct report_window {
  char from[11], to[11]; /* first and last day of the window, YYYY-MM-DD */
  uint64_t health_checks, fevers, coughs;
  uint64_t gate_checks, gate_fevers, visitors;
  uint64_t relief, group, proxy;
  uint64_t ops_read; /* ops the pass read (every collection), for the record */
};

/* The window figures of one scope: events dated in the `days` days ending
 * on date (1 <= days <= 3660), at utc_offset_s east of UTC (28,800 for
 * Asia/Shanghai). */
int report_window(struct store *s, const char *scope, const char *date, int days,
                  int32_t utc_offset_s, struct report_window *w);

/* The district report: rows[i] as report_scopes fills it, except relief,
 * group and proxy, which stay 0 (they would need the whole log: wins[i]
 * has the window's), and wins[i] for scopes[i]; tot as report_scopes, and
 * wtot (if not NULL) the sums of the windows (from/to set, ops_read summed). */
int report_district(struct store *s, const char *const *scopes, int n, const char *date, int days,
                    int32_t utc_offset_s, struct report_row *rows, struct report_window *wins,
                    struct report_totals *tot, struct report_window *wtot);

#endif
