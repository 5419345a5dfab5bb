/* The city's figures from the districts' daily summaries (domain.h "the
 * city's figures"): for each community of each district the latest summary
 * dated on or before the date, added up per district and for the city. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

struct ct {
  struct dom_city *t;
  const char *const *districts;
  const char *cert_coll;
  int i;    /* the district being read */
  int from; /* its first community in t->cm: a district's are contiguous */
  int hit;  /* the last one found, or -1: the summaries come in key order, a
               community's dates one after the other */
};

static struct dom_city_comm *ct_find(struct ct *c, const char *comm, size_t cl)
{
  struct dom_city *t = c->t;
  if (c->hit >= 0 && strlen(t->cm[c->hit].community) == cl &&
      !memcmp(t->cm[c->hit].community, comm, cl))
    return &t->cm[c->hit];
  for (int i = c->from; i < t->n; i++)
    if (strlen(t->cm[i].community) == cl && !memcmp(t->cm[i].community, comm, cl)) {
      c->hit = i;
      return &t->cm[i];
    }
  if (t->n == t->cap || cl > CRDT_SCOPE_MAX) {
    t->cut = 1;
    return NULL;
  }
  struct dom_city_comm *x = &t->cm[t->n];
  memset(x, 0, sizeof *x);
  x->district = c->i;
  snprintf(x->district_code, sizeof x->district_code, "%s", c->districts[c->i]);
  memcpy(x->community, comm, cl);
  c->hit = t->n++;
  return x;
}

static int on_cert(void *arg, const struct record *r)
{
  char comm[CRDT_SCOPE_MAX + 1], role[16];
  if (r->deleted || record_str(r, "community", comm, sizeof comm) ||
      record_str(r, "role", role, sizeof role) || strcmp(role, "community"))
    return 0;
  ct_find(arg, comm, strlen(comm));
  return 0;
}

static int on_summary(void *arg, const struct record *r)
{
  struct ct *c = arg;
  char comm[CRDT_SCOPE_MAX + 1], date[DOM_DATE_LEN + 1], fig[DOM_SUMMARY_FIGURES_MAX + 1];
  if (r->deleted || record_str(r, "community", comm, sizeof comm) ||
      record_str(r, "date", date, sizeof date) || strcmp(date, c->t->date) > 0)
    return 0;
  struct dom_city_comm *x = ct_find(c, comm, strlen(comm));
  if (!x || strcmp(date, x->last) <= 0)
    return 0;
  struct dom_summary f;
  if (record_str(r, "figures", fig, sizeof fig) || dom_summary_parse(fig, strlen(fig), &f)) {
    c->t->bad++;
    return 0;
  }
  x->f = f;
  memcpy(x->last, date, sizeof x->last);
  if (record_str(r, "as_of", x->as_of, sizeof x->as_of))
    x->as_of[0] = 0;
  if (record_str(r, "name", x->name, sizeof x->name))
    x->name[0] = 0;
  return 0;
}

static void ct_add(struct dom_city_sum *s, const struct dom_city_comm *x, const char *date)
{
  s->communities++;
  if (!x->last[0])
    return;
  const int64_t *v = x->f.v;
  int today = !strcmp(x->last, date);
  s->reporting++;
  s->fresh += today;
  s->compounds += (int)v[DOM_SU_COMPOUNDS];
  s->certified += (int)v[DOM_SU_CERTIFIED];
  s->free_ += v[DOM_SU_FREE] != 0;
  s->villages += v[DOM_SU_VILLAGE] != 0;
  s->vfree += v[DOM_SU_VILLAGE] && v[DOM_SU_FREE];
  s->households += v[DOM_SU_HOUSEHOLDS];
  s->residents += v[DOM_SU_RESIDENTS];
  s->open_confirmed += v[DOM_SU_OPEN_CONFIRMED];
  s->open_three += v[DOM_SU_OPEN_THREE];
  s->fevers_1 += today ? v[DOM_SU_FEVERS_1] : 0;
  s->handouts_1 += today ? v[DOM_SU_HANDOUTS_1] : 0;
  if (strcmp(x->as_of, s->as_of) > 0)
    memcpy(s->as_of, x->as_of, sizeof s->as_of);
}

int dom_city_read(const struct crdt_view *v, const char *const *districts, int nd,
                  const char *cert_coll, const char *date, int cap, struct dom_city *t)
{
  memset(t, 0, sizeof *t);
  if (nd < 0 || cap < 1 || strlen(date) > DOM_DATE_LEN)
    return LINLI_EINVAL;
  snprintf(t->date, sizeof t->date, "%s", date);
  t->cap = cap;
  t->nd = nd;
  t->cm = calloc((size_t)cap, sizeof *t->cm);
  t->ds = calloc((size_t)(nd ? nd : 1), sizeof *t->ds);
  if (!t->cm || !t->ds) {
    dom_city_free(t);
    return LINLI_ENOMEM;
  }
  struct ct c = {t, districts, cert_coll, 0, 0, -1};
  for (c.i = 0; c.i < nd; c.i++) {
    c.from = t->n, c.hit = -1;
    int rc = record_each(v, districts[c.i], cert_coll, NULL, on_cert, &c);
    if (rc >= 0)
      rc = record_each(v, districts[c.i], domain_name(DOM_SUMMARY), NULL, on_summary, &c);
    if (rc < 0 && rc != LINLI_ENOTFOUND) {
      dom_city_free(t);
      return rc;
    }
  }
  for (int j = 0; j < t->n; j++) {
    ct_add(&t->ds[t->cm[j].district], &t->cm[j], t->date);
    ct_add(&t->city, &t->cm[j], t->date);
  }
  return 0;
}

void dom_city_free(struct dom_city *t)
{
  free(t->cm);
  free(t->ds);
  t->cm = NULL, t->ds = NULL;
  t->n = t->nd = 0;
}
