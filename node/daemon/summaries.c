/* The hub's daily summaries, written by linlid (summaries.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "summaries.h"

/* What a scope held at the last pass: its ops' count and id-sum. */
struct fp {
  uint64_t n;
  uint8_t sum[STORE_FP_SUM_BYTES];
};

struct summaries {
  const struct config *c;
  struct dom_tz tz;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
  struct fp fp[CONFIG_SCOPES_MAX], fp_district; /* as summarized */
  uint64_t every_ms, last_ms;
  int passed; /* a pass has run */
  char last_date[DOM_DATE_LEN + 1];
  /* the changes of a pass, copied out of its plans */
  struct dom_change *ch;
  size_t n_ch, cap_ch;
};

int summaries_new(struct summaries **out, const struct config *c, const uint8_t self_pk[CRDT_PK_BYTES],
                  char *err, size_t errcap)
{
  *out = NULL;
  if (!c->trust || !c->has_city || !c->summary_s || memcmp(c->hub_pk, self_pk, CRDT_PK_BYTES) != 0 ||
      strcmp(c->city, c->district) == 0)
    return 0;
  struct summaries *s = calloc(1, sizeof *s);
  if (!s)
    return LINLI_ENOMEM;
  int rc = config_zone_load(c->timezone, &s->tz, err, errcap);
  if (rc) {
    free(s);
    return rc;
  }
  s->c = c;
  s->every_ms = c->summary_s * 1000u;
  s->n = config_community_scopes(c, s->scopes);
  *out = s;
  return 0;
}

void summaries_free(struct summaries *s)
{
  if (!s)
    return;
  free(s->ch);
  free(s);
}

static int keep(void *arg, const struct dom_plan *p)
{
  struct summaries *s = arg;
  if (s->n_ch + (size_t)p->n > s->cap_ch) {
    size_t cap = s->cap_ch ? 2 * s->cap_ch : 16;
    while (cap < s->n_ch + (size_t)p->n)
      cap *= 2;
    struct dom_change *ch = realloc(s->ch, cap * sizeof *ch);
    if (!ch)
      return LINLI_ENOMEM;
    s->ch = ch, s->cap_ch = cap;
  }
  memcpy(s->ch + s->n_ch, p->ch, (size_t)p->n * sizeof *p->ch);
  s->n_ch += (size_t)p->n;
  return 0;
}

/* One pass for date: 0, or an error with a line logged. */
static int pass(struct summaries *s, struct node *n, const char *const *scopes, int ns,
                const char *date, const char *today, const char *now,
                void (*log)(void *, const char *), void *arg)
{
  struct dom_su_req q = {.district = s->c->district, .home = s->c->scopes[0], .scopes = scopes,
                         .n = ns, .date = date, .today = today, .now = now,
                         .utc_offset_s = dom_tz_day_offset(&s->tz, date)};
  struct dom_su_out o;
  struct timespec t0, t1;
  char line[256];
  clock_gettime(CLOCK_MONOTONIC, &t0);
  s->n_ch = 0;
  int rc = dom_summaries(node_store(n), &q, keep, s, &o);
  struct node_change *nc = rc || !s->n_ch ? NULL : malloc(s->n_ch * sizeof *nc);
  if (!rc && s->n_ch && !nc)
    rc = LINLI_ENOMEM;
  for (size_t i = 0; nc && i < s->n_ch; i++) {
    const struct dom_change *d = &s->ch[i];
    nc[i] = (struct node_change){d->scope, d->coll, d->key, d->kind, d->body, d->body_len,
                                 d->n_parents ? d->parents : (const uint8_t *)"", d->n_parents};
  }
  if (nc)
    rc = node_write_batch(n, nc, s->n_ch, NULL, NULL, NULL);
  free(nc);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  if (rc == DOM_MALFORMED || rc == DOM_REFUSED)
    snprintf(line, sizeof line, "summaries not written date=%s reason=refused field=%s", date,
             o.e.field[0] ? o.e.field : "-");
  else if (rc)
    snprintf(line, sizeof line, "summaries not written date=%s reason=%s", date, linli_errname(rc));
  else if (o.written || o.compounds)
    snprintf(line, sizeof line, "summaries written date=%s n=%d unchanged=%d compounds=%d ms=%lld",
             date, o.written, o.same, o.compounds, ms);
  else
    line[0] = 0;
  if (line[0])
    log(arg, line);
  return rc;
}

static int fp_read(struct store *st, const char *scope, struct fp *out)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  int rc = store_range_fp(st, scope, &lo, &hi, &out->n, out->sum);
  if (rc == LINLI_ENOTFOUND) { /* no op of it yet */
    memset(out, 0, sizeof *out);
    rc = 0;
  }
  return rc;
}

static int fp_same(const struct fp *a, const struct fp *b)
{
  return a->n == b->n && memcmp(a->sum, b->sum, sizeof a->sum) == 0;
}

void summaries_tick(struct summaries *s, struct node *n, uint64_t mono_ms, uint64_t wall_ms,
                    void (*log)(void *arg, const char *line), void *arg)
{
  char today[DOM_DATE_LEN + 1], now[9];
  struct fp now_fp[CONFIG_SCOPES_MAX], dfp;
  const char *changed[CONFIG_SCOPES_MAX];
  int nc = 0, rc;
  if (!s || !n || (s->passed && mono_ms - s->last_ms < s->every_ms))
    return;
  s->last_ms = mono_ms;
  struct store *st = node_store(n);
  dom_tz_now(&s->tz, wall_ms, today, now);
  int all = !s->passed || strcmp(today, s->last_date) != 0;
  /* the district scope's decisions (approvals, certificates) touch every
   * community's states; a community's own ops touch only its own */
  if ((rc = fp_read(st, s->c->district, &dfp)))
    return;
  all = all || !fp_same(&dfp, &s->fp_district);
  for (int i = 0; i < s->n; i++) {
    if ((rc = fp_read(st, s->scopes[i], &now_fp[i])))
      return;
    if (all || !fp_same(&now_fp[i], &s->fp[i]))
      changed[nc++] = s->scopes[i];
  }
  if (!nc)
    return;
  if (s->passed && strcmp(today, s->last_date) != 0) /* the day that ended, with its last ops */
    rc = pass(s, n, s->scopes, s->n, s->last_date, today, now, log, arg);
  if (!rc)
    rc = pass(s, n, changed, nc, today, today, now, log, arg);
  if (rc) /* tried again in summary_s, from what was summarized before */
    return;
  s->passed = 1;
  memcpy(s->last_date, today, sizeof today);
  memcpy(s->fp, now_fp, (size_t)s->n * sizeof *now_fp);
  /* the summaries just written are in the district scope: not a change */
  fp_read(st, s->c->district, &s->fp_district);
}
