/* The certification flow. Contract: flow.h. */
#include <stdio.h>
#include <string.h>

#include "domain.h"

int flow_approval_key(char *out, size_t cap, const char *community, const char *compound)
{
  if (crdt_check_scope(community, strlen(community)) || crdt_check_key(compound, strlen(compound)))
    return LINLI_ENAME;
  int n = snprintf(out, cap, "%s/%s", community, compound);
  if (n < 0 || (size_t)n >= cap || n > CRDT_KEY_MAX)
    return LINLI_ETOOBIG;
  return n;
}

struct walk {
  const struct crdt_view *v;
  const char *date;
  int (*held)(void *, const char *);
  int (*fn)(void *, const struct flow_cert *);
  void *arg;
};

static int on_approval(void *arg, const struct record *r)
{
  struct walk *w = arg;
  struct flow_cert c;
  char status[16];
  memset(&c, 0, sizeof c);
  if (r->deleted || record_str(r, "status", status, sizeof status))
    return 0;
  /* the key names the community and the compound; fields may repeat them */
  const char *slash = memchr(r->key.p, '/', r->key.len);
  if (!slash || slash == r->key.p || (size_t)(slash - r->key.p) > CRDT_SCOPE_MAX)
    return 0;
  memcpy(c.community, r->key.p, (size_t)(slash - r->key.p));
  size_t cl = r->key.len - (size_t)(slash + 1 - r->key.p);
  memcpy(c.compound, slash + 1, cl);
  c.compound[cl] = 0;
  if (record_str(r, "date", c.approved, sizeof c.approved))
    c.approved[0] = 0;
  if (record_str(r, "declaration", c.declared, sizeof c.declared))
    c.declared[0] = 0;
  if (record_str(r, "reason", c.reason, sizeof c.reason))
    c.reason[0] = 0;
  if (strcmp(status, "approved")) {
    if (strcmp(status, "rejected"))
      return 0;
    c.state = FLOW_REJECTED;
  } else if (w->held && !w->held(w->arg, c.community)) {
    c.state = FLOW_UNKNOWN;
  } else {
    int rc = rules_compound(w->v, c.community, c.compound, w->date, &c.verdict);
    if (rc)
      return rc;
    c.state = c.verdict.eligible ? FLOW_CERTIFIED : FLOW_WITHDRAWN;
  }
  return w->fn(w->arg, &c);
}

int flow_certifications(const struct crdt_view *v, const char *district, const char *date,
                        int (*held)(void *arg, const char *community),
                        int (*fn)(void *arg, const struct flow_cert *c), void *arg)
{
  struct walk w = {v, date, held, fn, arg};
  int64_t d;
  if (rules_date_days(date, strlen(date), &d))
    return LINLI_EINVAL;
  return record_each(v, district, domain_name(DOM_APPROVAL), NULL, on_approval, &w);
}

static int on_declaration(void *arg, const struct record *r)
{
  struct flow_look *l = arg;
  char status[16];
  if (r->deleted || record_str(r, "status", status, sizeof status) || strcmp(status, "declared"))
    return 0;
  l->declared = 1;
  if (record_str(r, "date", l->declared_on, sizeof l->declared_on))
    l->declared_on[0] = 0;
  return 0;
}

int flow_look(const struct crdt_view *v, const char *scope, const char *compound,
              const char *date, struct flow_look *out)
{
  memset(out, 0, sizeof *out);
  int rc = record_each(v, scope, domain_name(DOM_DECLARATION), compound, on_declaration, out);
  if (rc < 0)
    return rc;
  return rules_compound(v, scope, compound, date, &out->verdict);
}
