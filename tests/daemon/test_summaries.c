/* A hub's summaries as linlid writes them (node/daemon/summaries.h), on a
 * real node and LMDB store with an injected clock:
 *   - only the hub of a district in a city writes them (no city line, or
 *     another node's hub key, or summary_s 0: none);
 *   - the first pass writes today's summary and the compounds' records;
 *   - a pass is not due before summary_s, and one with no new op in the
 *     community writes nothing;
 *   - a new op in the community: the next pass writes its summary again;
 *   - across midnight (district time), the day that ended is written once
 *     more with its last ops, then the new day's, and the compounds'
 *     records stay as they were (their reasons name no date).
 * Log lines are read back; the records are read from the store. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domain.h"
#include "summaries.h"
#include "test.h"
#include "test_node_util.h"

static char last[256];
static int lines;

static void on_log(void *arg, const char *line)
{
  (void)arg;
  snprintf(last, sizeof last, "%s", line);
  lines++;
}

static void compound(struct tnet *t, const char *key, const char *name)
{
  uint8_t body[128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "name"), crdt_w_cstr(&b, name);
  struct node_change c = {"shihua", "compound", key, CRDT_SET, b.p, b.len, NULL, 0};
  REQUIRE(node_write(t->nodes[0], &c, NULL) == 0);
}

struct fig {
  const char *key;
  char figures[DOM_SUMMARY_FIGURES_MAX + 1];
  int found;
};

static int fig_rec(void *arg, const struct record *r)
{
  struct fig *f = arg;
  f->found = !r->deleted && record_str(r, "figures", f->figures, sizeof f->figures) == 0;
  return 0;
}

static int fig_read(void *arg, const struct crdt_view *v)
{
  struct fig *f = arg;
  int rc = record_each(v, "qiaokou", "summary", f->key, fig_rec, f);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

/* the stored figures of summary KEY: "" if none */
static const char *figures(struct tnet *t, const char *key)
{
  static struct fig f;
  memset(&f, 0, sizeof f);
  f.key = key;
  int rc = store_read_rows(node_store(t->nodes[0]), fig_read, &f);
  REQUIRE(rc == 0 || rc == LINLI_ENOTFOUND);
  return f.found ? f.figures : "";
}

#define DAY1_2359 1796313540000ull /* 2026-12-03 23:59:00 +08:00 */

int main(void)
{
  struct tnet t;
  memset(&t, 0, sizeof t);
  t.now_ms = DAY1_2359;
  static const char *const scopes[] = {"shihua", "qiaokou", "wuhan", NULL};
  tn_open(&t, 0, scopes);
  struct config *c = calloc(1, sizeof *c);
  REQUIRE(c);
  c->trust = 1, c->has_city = 1;
  snprintf(c->district, sizeof c->district, "qiaokou");
  snprintf(c->city, sizeof c->city, "wuhan");
  memcpy(c->hub_pk, t.who[0].pk, CRDT_PK_BYTES);
  for (int i = 0; scopes[i]; i++)
    snprintf(c->scopes[c->n_scopes++], sizeof c->scopes[0], "%s", scopes[i]);
  snprintf(c->timezone, sizeof c->timezone, "+08:00");
  char err[256];
  struct summaries *s = NULL;

  /* who writes none */
  c->summary_s = 0;
  CHECK_EQ(summaries_new(&s, c, t.who[0].pk, err, sizeof err), 0);
  CHECK(s == NULL);
  c->summary_s = 1, c->has_city = 0;
  CHECK_EQ(summaries_new(&s, c, t.who[0].pk, err, sizeof err), 0);
  CHECK(s == NULL);
  c->has_city = 1;
  uint8_t other[CRDT_PK_BYTES];
  memset(other, 0x11, sizeof other);
  CHECK_EQ(summaries_new(&s, c, other, err, sizeof err), 0);
  CHECK(s == NULL);
  snprintf(c->district, sizeof c->district, "wuhan"); /* the city node itself */
  CHECK_EQ(summaries_new(&s, c, t.who[0].pk, err, sizeof err), 0);
  CHECK(s == NULL);
  snprintf(c->district, sizeof c->district, "qiaokou");
  CHECK_EQ(summaries_new(&s, c, t.who[0].pk, err, sizeof err), 0);
  REQUIRE(s != NULL);

  /* the first pass: today's summary and the compound's record */
  compound(&t, "SH-C01", "一村");
  summaries_tick(s, t.nodes[0], 1000, DAY1_2359, on_log, NULL);
  CHECK(strstr(last, "summaries written date=2026-12-03 n=1 unchanged=0 compounds=1 ") != NULL);
  CHECK(strstr(figures(&t, "shihua/2026-12-03"), "compounds=1 ") != NULL);
  /* not due yet; then due, but nothing new in the community */
  int before = lines;
  summaries_tick(s, t.nodes[0], 1500, DAY1_2359 + 500, on_log, NULL);
  summaries_tick(s, t.nodes[0], 2100, DAY1_2359 + 1100, on_log, NULL);
  CHECK_EQ(lines, before);
  /* a new compound: its community is summarized again */
  compound(&t, "SH-C02", "二村");
  summaries_tick(s, t.nodes[0], 2600, DAY1_2359 + 1600, on_log, NULL);
  CHECK_EQ(lines, before); /* within summary_s of the last pass */
  summaries_tick(s, t.nodes[0], 3200, DAY1_2359 + 30000, on_log, NULL);
  CHECK(strstr(last, "summaries written date=2026-12-03 n=1 unchanged=0 compounds=1 ") != NULL);
  CHECK(strstr(figures(&t, "shihua/2026-12-03"), "compounds=2 ") != NULL);
  /* a compound just before midnight, the pass just after: the day that
   * ended gets its last ops, then the new day is written */
  compound(&t, "SH-C03", "三村");
  before = lines;
  summaries_tick(s, t.nodes[0], 4300, DAY1_2359 + 90000, on_log, NULL);
  CHECK_EQ(lines, before + 2);
  /* one compound record: SH-C03's first (the day-1 pass writes none, the
   * day being over); SH-C01 and SH-C02 are not rewritten for the new day,
   * their reasons naming no date */
  if (!strstr(last, "summaries written date=2026-12-04 n=1 unchanged=0 compounds=1 "))
    fprintf(stderr, "last: %s\n", last);
  CHECK(strstr(last, "summaries written date=2026-12-04 n=1 unchanged=0 compounds=1 ") != NULL);
  CHECK(strstr(figures(&t, "shihua/2026-12-03"), "compounds=3 ") != NULL);
  CHECK(strstr(figures(&t, "shihua/2026-12-04"), "compounds=3 ") != NULL);
  CHECK(!strcmp(figures(&t, "shihua/2026-12-05"), ""));

  summaries_free(s);
  free(c);
  tn_close(&t);
  return test_done("test_summaries");
}
