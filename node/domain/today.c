/* The morning sheet. Contract: domain.h ("the morning sheet"). Each section
 * is one or two queries (query.c) over the same snapshot; the sets of keys
 * one query finds (residents checked, households relieved, compounds
 * disinfected) are kept in a small hash set to select the rows of another. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

const struct dom_text dom_today_titles[DOM_TODAY_N] = {
    {"Fevers recorded today (37.3 °C or more)", "今日发热记录（37.3 °C 及以上）"},
    {"Residents not checked today", "今日未测体温的居民"},
    {"Open cases", "在管病例"},
    {"Due for release (14 days ended)", "到期可解除（满 14 天）"},
    {"Open proxy requests", "未完成的代购"},
    {"Group orders not delivered", "未送达的团购"},
    {"Hardship households with no relief in 7 days", "7 天内未领救助的困难户"},
    {"Compounds with no disinfection round today", "今日未消杀的小区"},
    {"Epidemic-free verdict per compound", "各小区无疫情判定"},
};
const int dom_today_colls[DOM_TODAY_N] = {
    DOM_HEALTH_CHECK, DOM_RESIDENT, DOM_CASE, DOM_CASE,        DOM_PROXY,
    DOM_ORDER,        DOM_HOUSEHOLD, DOM_COMPOUND, DOM_COMPOUND,
};

/* A set of keys (copied). */
struct keys {
  char **k;
  size_t cap, n;
};

static uint64_t keys_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (uint8_t)*s++) * 1099511628211ull;
  return h;
}

static int keys_has(const struct keys *k, const char *key)
{
  if (!k->cap)
    return 0;
  for (size_t at = keys_hash(key) & (k->cap - 1); k->k[at]; at = (at + 1) & (k->cap - 1))
    if (!strcmp(k->k[at], key))
      return 1;
  return 0;
}

static int keys_add(struct keys *k, const char *key)
{
  if (keys_has(k, key))
    return 0;
  if (2 * (k->n + 1) > k->cap) {
    size_t cap = k->cap ? 2 * k->cap : 256;
    char **t = calloc(cap, sizeof *t);
    if (!t)
      return LINLI_ENOMEM;
    for (size_t i = 0; i < k->cap; i++)
      if (k->k[i]) {
        size_t at = keys_hash(k->k[i]) & (cap - 1);
        while (t[at])
          at = (at + 1) & (cap - 1);
        t[at] = k->k[i];
      }
    free(k->k);
    k->k = t, k->cap = cap;
  }
  size_t at = keys_hash(key) & (k->cap - 1);
  while (k->k[at])
    at = (at + 1) & (k->cap - 1);
  if (!(k->k[at] = strdup(key)))
    return LINLI_ENOMEM;
  k->n++;
  return 0;
}

static void keys_free(struct keys *k)
{
  for (size_t i = 0; i < k->cap; i++)
    free(k->k[i]);
  free(k->k);
  memset(k, 0, sizeof *k);
}

struct sheet {
  struct store_read *rd;
  const char *scope, *date, *grid;
  int (*fn)(void *, const struct dom_today_item *);
  void *arg;
  int section, items, stop;
  struct keys seen;     /* keys found by a first query of a section */
  struct keys only;     /* with a grid: the compounds its households are in */
  int use_key;          /* collect the row's key (1), household (2) or compound (3) */
  int skip_seen;        /* emit only rows whose key is not in seen */
  int use_only;         /* emit only rows whose key is in only */
  struct crdt_view v;
};

static int emit(struct sheet *s, const struct dom_row *row, const struct rules_verdict *verdict)
{
  struct dom_today_item it = {s->section, row, verdict};
  s->items += row != NULL;
  return s->stop = s->fn(s->arg, &it);
}

static int on_collect(void *arg, const struct dom_row *r)
{
  struct sheet *s = arg;
  const char *k = s->use_key == 2 ? r->household : s->use_key == 3 ? r->compound : r->key;
  return *k ? keys_add(s->use_key == 3 ? &s->only : &s->seen, k) < 0 : 0;
}

static int wanted(const struct sheet *s, const struct dom_row *r)
{
  return !(s->skip_seen && keys_has(&s->seen, r->key)) && !(s->use_only && !keys_has(&s->only, r->key));
}

static int on_item(void *arg, const struct dom_row *r)
{
  struct sheet *s = arg;
  return wanted(s, r) ? emit(s, r, NULL) : 0;
}

static int on_verdict(void *arg, const struct dom_row *r)
{
  struct sheet *s = arg;
  struct rules_verdict v;
  if (!wanted(s, r))
    return 0;
  int rc = rules_compound(&s->v, s->scope, r->key, s->date, &v);
  struct rules_evidence ev; /* a measure marked in place that the records do not show */
  if (!rc && !rules_evidence(s->rd, s->scope, r->key, s->date, 0, &ev) && ev.n_unbacked) {
    char say[sizeof ev.m[0].evidence * RULES_MEASURES];
    size_t at = strlen(v.reason);
    rules_evidence_say(&ev, say, sizeof say);
    if (at + 3 < sizeof v.reason) { /* what fits of it */
      if (at && v.reason[at - 1] != ';')
        v.reason[at++] = ';';
      v.reason[at++] = ' ';
      size_t n = strlen(say) < sizeof v.reason - at - 1 ? strlen(say) : sizeof v.reason - at - 1;
      memcpy(v.reason + at, say, n);
      v.reason[at + n] = 0;
    }
  }
  return rc ? rc : emit(s, r, &v);
}

static int query(struct sheet *s, int coll, const char *where, const char *where2,
                 int (*fn)(void *, const struct dom_row *), struct dom_query *extra)
{
  struct dom_query q;
  struct dom_err e;
  memset(&q, 0, sizeof q);
  if (extra)
    q = *extra;
  q.coll = coll;
  q.scope = s->scope;
  if (!q.grid && coll != DOM_COMPOUND)
    q.grid = s->grid;
  const char *w[2] = {where, where2};
  for (int i = 0; i < 2; i++)
    if (w[i] && dom_where_parse(coll, w[i], &q.where[q.n_where++], &e))
      return LINLI_EINVAL;
  int rc = dom_query(&q, s->rd, fn, s);
  return rc < 0 ? rc : 0;
}

static int section(struct sheet *s, int sec)
{
  char w1[64], w2[64], from[DOM_DATE_LEN + 1];
  struct dom_query q;
  int64_t day;
  int rc = 0;
  s->section = sec;
  s->items = 0;
  s->skip_seen = s->use_only = 0;
  keys_free(&s->seen);
  memset(&q, 0, sizeof q);
  snprintf(w1, sizeof w1, "date=%s", s->date);
  switch (sec) {
  case DOM_TODAY_FEVERS:
    rc = query(s, DOM_HEALTH_CHECK, w1, "temp_dc>=37.3", on_item, NULL);
    break;
  case DOM_TODAY_UNCHECKED:
    s->use_key = 1;
    if (!(rc = query(s, DOM_HEALTH_CHECK, w1, NULL, on_collect, NULL))) {
      s->skip_seen = 1;
      rc = query(s, DOM_RESIDENT, NULL, NULL, on_item, NULL);
    }
    break;
  case DOM_TODAY_OPEN_CASES:
    q.open_on = s->date;
    rc = query(s, DOM_CASE, NULL, NULL, on_item, &q);
    break;
  case DOM_TODAY_DUE:
    q.due_by = s->date;
    rc = query(s, DOM_CASE, NULL, NULL, on_item, &q);
    break;
  case DOM_TODAY_PROXY:
    rc = query(s, DOM_PROXY, "status!=delivered", NULL, on_item, NULL);
    break;
  case DOM_TODAY_ORDERS:
    rc = query(s, DOM_ORDER, "status=ordered", NULL, on_item, NULL);
    break;
  case DOM_TODAY_HARDSHIP:
    if (dom_date_days(s->date, strlen(s->date), &day))
      return LINLI_EINVAL;
    dom_days_date(day - 6, from);
    q.since = from;
    q.until = s->date;
    s->use_key = 1;
    if (!(rc = query(s, DOM_DISTRIBUTION, "kind=relief", NULL, on_collect, &q))) {
      s->skip_seen = 1;
      rc = query(s, DOM_HOUSEHOLD, "hardship=yes", NULL, on_item, NULL);
    }
    break;
  case DOM_TODAY_UNDISINFECTED:
  case DOM_TODAY_VERDICTS:
    keys_free(&s->only);
    s->use_only = s->grid != NULL; /* a grid's sheet: the compounds its households are in */
    s->use_key = 3;
    if (s->grid && (rc = query(s, DOM_HOUSEHOLD, NULL, NULL, on_collect, NULL)))
      break;
    if (sec == DOM_TODAY_VERDICTS) {
      rc = query(s, DOM_COMPOUND, NULL, NULL, on_verdict, NULL);
      break;
    }
    s->use_key = 1;
    snprintf(w2, sizeof w2, "date=%s", s->date);
    if (!(rc = query(s, DOM_DISINFECTION, w2, NULL, on_collect, NULL))) {
      s->skip_seen = 1;
      rc = query(s, DOM_COMPOUND, NULL, NULL, on_item, NULL);
    }
    break;
  }
  if (!rc && !s->stop && !s->items)
    emit(s, NULL, NULL); /* a section with nothing in it */
  return rc;
}

int dom_today(struct store_read *rd, const char *scope, const char *date, const char *grid,
              int (*fn)(void *arg, const struct dom_today_item *it), void *arg)
{
  struct sheet s;
  int64_t day;
  memset(&s, 0, sizeof s);
  if (!scope || !date || dom_date_days(date, strlen(date), &day))
    return LINLI_EINVAL;
  s.rd = rd, s.scope = scope, s.date = date, s.grid = grid, s.fn = fn, s.arg = arg;
  s.v = store_read_view(rd);
  int rc = 0;
  for (int sec = 0; sec < DOM_TODAY_N && !rc && !s.stop; sec++)
    rc = section(&s, sec);
  keys_free(&s.seen);
  keys_free(&s.only);
  return rc;
}
