/* rules: what the state says about a compound, a community, a district.
 *
 * A compound is epidemic-free (无疫情小区) on a date D when
 *   1. no confirmed case is open on D, and the last confirmed case was
 *      released at least RULES_QUIET_DAYS (14) days before D;
 *   2. no suspected, fever or close-contact person is open on D (the
 *      "three categories");
 *   3. all six measures are in place (六个到位): publicity, closed
 *      management, screening, disinfection, supply, mobilisation.
 * A case is a case_status record {compound, category, start_date,
 * release_date} (dates YYYY-MM-DD in the district's time zone); it counts
 * from its start date, and is open until its release date. The measures
 * are the measures record whose key is the compound code, six booleans.
 * Rules read the materialised rows only, so every node with the same ops
 * gives the same verdict, and a case that arrives late (after a partition
 * heals) changes the verdict the next time it is computed. */
#ifndef LINLI_RULES_H
#define LINLI_RULES_H

#include "crdt.h"

#define RULES_QUIET_DAYS 14
#define RULES_MEASURES 6
#define RULES_DATE_LEN 10 /* YYYY-MM-DD */

extern const char *const rules_measures[RULES_MEASURES];

struct rules_verdict {
  int eligible;
  int open_confirmed, open_suspected, open_fever, open_contact;
  char last_release[RULES_DATE_LEN + 1]; /* latest release of a confirmed case, "" if none */
  int quiet_days;                        /* D - last_release, -1 if none */
  int missing[RULES_MEASURES];           /* 1: measure i not in place */
  int n_missing;
  char reason[320];                      /* one sentence, no personal data */
};

/* Days since 1970-01-01 of a YYYY-MM-DD date, or LINLI_EINVAL. */
int rules_date_days(const char *date, size_t len, int64_t *days);

/* The YYYY-MM-DD (11 bytes with the NUL) of a day number. */
void rules_days_date(int64_t days, char out[RULES_DATE_LEN + 1]);
/* The local date of a time in ms, at utc_offset_s east of UTC (the
 * district's zone: +28,800 for Asia/Shanghai, which keeps no summer time). */
void rules_ms_date(uint64_t ms, int32_t utc_offset_s, char out[RULES_DATE_LEN + 1]);

/* The verdict for compound (its code) of scope on date. */
int rules_compound(const struct crdt_view *v, const char *scope, const char *compound,
                   const char *date, struct rules_verdict *out);

#endif
