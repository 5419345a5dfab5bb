/* flow: the certification of epidemic-free compounds (无疫情小区), as it
 * moves between a community and the district hub, and how it re-checks
 * itself.
 *
 *   1. the community declares: a `declaration` record in its own scope,
 *      key = compound code, {compound, date, status "declared", reason},
 *      written only when rules_compound() says the compound is eligible;
 *   2. the hub approves (or rejects): an `approval` record in the district
 *      scope (a hub collection: only the hub's key may write it there),
 *      key = "COMMUNITY/COMPOUND", {community, compound, declaration (the
 *      declared date), date, status "approved"|"rejected", reason}, an
 *      approval only when the hub's own view says eligible;
 *   3. every reader re-evaluates: an approved compound whose rule no longer
 *      holds on the date asked (a case that arrived late, after a
 *      partition healed, inside the 14-day window) is WITHDRAWN, with the
 *      rule's reason. Nothing is written for a withdrawal: it is derived
 *      from the merged records, so every node with the same ops agrees. */
#ifndef LINLI_FLOW_H
#define LINLI_FLOW_H

#include "crdt.h"
#include "rules.h"

#define FLOW_DECLARATION "declaration"
#define FLOW_APPROVAL "approval"

enum flow_state {
  FLOW_CERTIFIED = 1,  /* approved, and the rule still holds */
  FLOW_WITHDRAWN = 2,  /* approved, but the rule no longer holds */
  FLOW_UNKNOWN = 3,    /* approved, but this node does not hold the community */
  FLOW_REJECTED = 4,   /* the hub rejected the declaration */
};

struct flow_cert {
  char community[CRDT_SCOPE_MAX + 1];
  char compound[CRDT_KEY_MAX + 1];
  char approved[RULES_DATE_LEN + 1];   /* the approval's date */
  char declared[RULES_DATE_LEN + 1];   /* the declaration's date, "" if not given */
  char reason[320];                    /* the hub's reason (rejected) */
  enum flow_state state;
  struct rules_verdict verdict;        /* on the date asked (certified/withdrawn) */
};

/* The approval key "COMMUNITY/COMPOUND" into out (cap bytes); its length or
 * LINLI_ETOOBIG / LINLI_ENAME. */
int flow_approval_key(char *out, size_t cap, const char *community, const char *compound);

/* Calls fn for each approval record of the district scope, re-evaluated on
 * date; held(arg, community) says whether this node holds that community's
 * scope. fn returns non-zero to stop. */
int flow_certifications(const struct crdt_view *v, const char *district, const char *date,
                        int (*held)(void *arg, const char *community),
                        int (*fn)(void *arg, const struct flow_cert *c), void *arg);

#endif
