/* The domain end to end without sockets: the sample community of the
 * report (石化社区) generated, imported and reported; the report's figures
 * against a hand count of what the generator was told to make; bundles out
 * and in (twice changes nothing, a truncated copy imports nothing). */
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "domain.h"
#include "node.h"
#include "test_store_util.h"

static uint64_t now_ms = 1585000000000; /* 2020-03-23T21:46Z */
static uint64_t t_now(void *ctx)
{
  (void)ctx;
  return now_ms;
}
static int t_send(void *ctx, uint32_t p, const uint8_t *m, size_t l)
{
  (void)ctx, (void)p, (void)m, (void)l;
  return 0;
}

static struct node *open_node(const char *dir, const struct crdt_identity *who)
{
  struct node_env env = {NULL, t_now, NULL, t_send, NULL, NULL};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = dir;
  cfg.identity = who;
  cfg.scopes[0] = "shihua";
  cfg.n_scopes = 1;
  cfg.nosync = 1;
  cfg.accept = domain_accept;
  struct node *n;
  REQUIRE(node_open(&n, &env, &cfg) == 0);
  return n;
}

static int to_bundle(void *arg, const uint8_t *op, size_t len)
{
  return bundle_add(arg, op, len);
}

static int import_file(struct node *n, const char *path)
{
  uint8_t *buf;
  const uint8_t **ops;
  size_t *lens, count;
  int rc = bundle_read(path, &buf, &ops, &lens, &count);
  if (rc)
    return rc;
  rc = node_import(n, ops, lens, count);
  free(buf), free(ops), free(lens);
  return rc;
}

/* ---- the district's 7-day window (report_window, report_district) ----
 * A small fixed data set written out op by op, and its figures counted by
 * hand. Zone UTC+8; the report date is 2020-03-23, so the 7-day window is
 * 2020-03-17 .. 2020-03-23. */

/* hlc of a local (UTC+8) time on date: hour:minute, counter ctr. */
static uint64_t w_hlc(const char *date, int hour, int minute, int ctr)
{
  int64_t day;
  REQUIRE(rules_date_days(date, 10, &day) == 0);
  return CRDT_HLC_MAKE((uint64_t)((day * 86400 + hour * 3600 + minute * 60 - 8 * 3600) * 1000), ctr);
}

#define W_OPS 40
static struct t_op w_ops[W_OPS];
static int w_n;

static void w_put(const struct crdt_identity *who, const char *coll, const char *key, uint64_t hlc,
                  enum crdt_kind kind, struct crdt_buf *b)
{
  REQUIRE(w_n < W_OPS && crdt_buf_err(b) == 0);
  t_sign(&w_ops[w_n++], who, "ws", coll, key, hlc, kind, b->p, b->len, NULL, 0);
}

/* A health check: date NULL for none; cough -1 for no field. */
static void w_health(const struct crdt_identity *who, const char *date, int temp, int cough,
                     uint64_t hlc)
{
  uint8_t body[128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, (uint32_t)(1 + (date != NULL) + (cough >= 0)));
  if (cough >= 0) {
    crdt_w_cstr(&b, "cough");
    crdt_w_bool(&b, cough);
  }
  if (date) {
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, date);
  }
  crdt_w_cstr(&b, "temp_dc");
  crdt_w_uint(&b, (uint64_t)temp);
  w_put(who, "health_check", "r-1", hlc, CRDT_APPEND, &b);
}

static void w_gate(const struct crdt_identity *who, const char *date, int temp, int visitor, uint64_t hlc)
{
  uint8_t body[128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 4);
  crdt_w_cstr(&b, "date");
  crdt_w_cstr(&b, date);
  crdt_w_cstr(&b, "direction");
  crdt_w_cstr(&b, "in");
  crdt_w_cstr(&b, "temp_dc");
  crdt_w_uint(&b, (uint64_t)temp);
  crdt_w_cstr(&b, "visitor");
  crdt_w_bool(&b, visitor);
  w_put(who, "gate_check", "WS-C01-gate", hlc, CRDT_APPEND, &b);
}

static void w_dist(const struct crdt_identity *who, const char *coll, const char *date,
                   const char *kind, uint64_t hlc)
{
  uint8_t body[128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 3);
  crdt_w_cstr(&b, "date");
  crdt_w_cstr(&b, date);
  crdt_w_cstr(&b, "items");
  crdt_w_cstr(&b, "蔬菜包");
  crdt_w_cstr(&b, "kind");
  crdt_w_cstr(&b, kind);
  w_put(who, coll, "WS-C01-1", hlc, CRDT_APPEND, &b);
}

static void w_set(const struct crdt_identity *who, const char *coll, const char *key,
                  const char *field, const char *value, uint64_t hlc)
{
  uint8_t body[128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, field);
  crdt_w_cstr(&b, value);
  w_put(who, coll, key, hlc, CRDT_SET, &b);
}

static int count_live(void *arg, const struct record *r)
{
  *(int *)arg += !r->deleted;
  return 0;
}

struct live_counts {
  int households, residents;
};

static int count_both(void *arg, const struct crdt_view *v)
{
  struct live_counts *c = arg;
  int rc = record_each(v, "ws", "household", NULL, count_live, &c->households);
  return rc ? rc : record_each(v, "ws", "resident", NULL, count_live, &c->residents);
}

static void test_window(void)
{
  struct crdt_identity who;
  t_identity(&who, 0x57);
  const char *reg = "2020-03-01";
  uint8_t body[128];
  struct crdt_buf b;

  /* Registers: one compound with its six measures, three households (one
   * deleted), four residents (one deleted, one deleted and then written
   * again: live), a stock of 100 kg of rice. */
  w_set(&who, "compound", "WS-C01", "name", "西村", w_hlc(reg, 8, 0, 0));
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 6);
  for (int i = 0; i < 6; i++) {
    static const char *const m[6] = {"closed", "disinfection", "mobilisation", "publicity",
                                      "screening", "supply"};
    crdt_w_cstr(&b, m[i]);
    crdt_w_bool(&b, 1);
  }
  w_put(&who, "measures", "WS-C01", w_hlc(reg, 8, 0, 1), CRDT_SET, &b);
  w_set(&who, "household", "WS-C01-1", "compound", "WS-C01", w_hlc(reg, 8, 1, 0));
  w_set(&who, "household", "WS-C01-2", "compound", "WS-C01", w_hlc(reg, 8, 1, 1));
  w_set(&who, "household", "WS-C01-3", "compound", "WS-C01", w_hlc(reg, 8, 1, 2));
  w_set(&who, "resident", "r-1", "household", "WS-C01-1", w_hlc(reg, 8, 2, 0));
  w_set(&who, "resident", "r-2", "household", "WS-C01-1", w_hlc(reg, 8, 2, 1));
  w_set(&who, "resident", "r-3", "household", "WS-C01-2", w_hlc(reg, 8, 2, 2));
  w_set(&who, "resident", "r-4", "household", "WS-C01-3", w_hlc(reg, 8, 2, 3));
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 0);
  w_put(&who, "household", "WS-C01-3", w_hlc(reg, 9, 0, 0), CRDT_TOMBSTONE, &b);
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 0);
  w_put(&who, "resident", "r-4", w_hlc(reg, 9, 0, 1), CRDT_TOMBSTONE, &b);
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 0);
  w_put(&who, "resident", "r-3", w_hlc(reg, 9, 0, 2), CRDT_TOMBSTONE, &b);
  w_set(&who, "resident", "r-3", "household", "WS-C01-1", w_hlc(reg, 9, 1, 0));
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "rice_kg");
  crdt_w_int(&b, 100);
  w_put(&who, "supply_stock", "WS-stock", w_hlc(reg, 10, 0, 0), CRDT_COUNTER, &b);

  /* Health checks. In the window: */
  w_health(&who, "2020-03-17", 365, 1, w_hlc("2020-03-17", 9, 0, 0));  /* cough */
  w_health(&who, "2020-03-20", 373, 0, w_hlc("2020-03-20", 9, 0, 0));  /* fever: 37.3 counts */
  w_health(&who, "2020-03-23", 372, -1, w_hlc("2020-03-23", 9, 0, 0)); /* 37.2: no fever */
  w_health(&who, "2020-03-18", 390, 0, w_hlc("2020-03-25", 9, 0, 0));  /* typed in late: fever */
  w_health(&who, NULL, 360, 0, w_hlc("2020-03-17", 0, 30, 0));         /* no date: 03-17 local */
  /* and out of it: */
  w_health(&who, "2020-03-16", 380, 1, w_hlc("2020-03-16", 10, 0, 0)); /* the day before */
  w_health(&who, "2020-03-24", 380, 1, w_hlc("2020-03-24", 10, 0, 0)); /* the day after */
  w_health(&who, NULL, 380, 1, w_hlc("2020-03-16", 23, 30, 0));        /* no date: 03-16 local */
  /* Gate checks: two in the window, one of them a visitor with a fever; one before it. */
  w_gate(&who, "2020-03-19", 375, 1, w_hlc("2020-03-19", 7, 0, 0));
  w_gate(&who, "2020-03-22", 361, 0, w_hlc("2020-03-22", 7, 0, 0));
  w_gate(&who, "2020-03-10", 380, 1, w_hlc("2020-03-10", 7, 0, 0));
  /* Distributions: relief twice, group and proxy once in the window; a
   * proxy before it; a kind the report does not know; a disinfection
   * round (another log) and a stock movement on a window day. */
  w_dist(&who, "distribution", "2020-03-17", "relief", w_hlc("2020-03-17", 15, 0, 0));
  w_dist(&who, "distribution", "2020-03-23", "relief", w_hlc("2020-03-23", 15, 0, 0));
  w_dist(&who, "distribution", "2020-03-21", "group", w_hlc("2020-03-21", 15, 0, 0));
  w_dist(&who, "distribution", "2020-03-19", "proxy", w_hlc("2020-03-19", 15, 0, 0));
  w_dist(&who, "distribution", "2020-03-12", "proxy", w_hlc("2020-03-12", 15, 0, 0));
  w_dist(&who, "distribution", "2020-03-20", "barter", w_hlc("2020-03-20", 15, 0, 0));
  w_dist(&who, "disinfection", "2020-03-20", "relief", w_hlc("2020-03-20", 16, 0, 0));
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "rice_kg");
  crdt_w_int(&b, -30);
  w_put(&who, "supply_stock", "WS-stock", w_hlc("2020-03-21", 16, 0, 0), CRDT_COUNTER, &b);
  /* Ops at or after 2020-03-17 00:00 local, which the window reads: 5 +
   * 1 (03-24) of the health checks, 2 gate checks, 4 + 1 + 1 of the
   * distribution and disinfection events, 1 stock movement. */
  const uint64_t window_ops = 15;

  char dir[64];
  t_tmpdir(dir, sizeof dir, "dom-win");
  struct store_config sc = {dir, 0, 0, 1, 0};
  struct store *s;
  REQUIRE(store_open(&s, &sc) == 0);
  static struct crdt_op dec[W_OPS];
  for (int i = 0; i < w_n; i++)
    dec[i] = w_ops[i].op;
  CHECK_EQ(store_apply(s, dec, (size_t)w_n, NULL), w_n);

  struct report_window w;
  REQUIRE(report_window(s, "ws", "2020-03-23", 7, 8 * 3600, &w) == 0);
  CHECK(!strcmp(w.from, "2020-03-17") && !strcmp(w.to, "2020-03-23"));
  CHECK_EQ(w.health_checks, 5);
  CHECK_EQ(w.fevers, 2);
  CHECK_EQ(w.coughs, 1);
  CHECK_EQ(w.gate_checks, 2);
  CHECK_EQ(w.gate_fevers, 1);
  CHECK_EQ(w.visitors, 1);
  CHECK_EQ(w.relief, 2);
  CHECK_EQ(w.group, 1);
  CHECK_EQ(w.proxy, 1);
  CHECK_EQ(w.ops_read, window_ops);

  /* One day: 2020-03-23 only. */
  REQUIRE(report_window(s, "ws", "2020-03-23", 1, 8 * 3600, &w) == 0);
  CHECK_EQ(w.health_checks, 1);
  CHECK_EQ(w.fevers, 0);
  CHECK_EQ(w.relief, 1);
  CHECK_EQ(w.group + w.proxy + w.gate_checks, 0);
  /* In UTC the no-date check of 03-16 23:30 local falls on 03-16 still, and
   * the one of 03-17 00:30 local on 03-16: one health check fewer. */
  REQUIRE(report_window(s, "ws", "2020-03-23", 7, 0, &w) == 0);
  CHECK_EQ(w.health_checks, 4);
  /* A community that holds nothing, and bad arguments. */
  REQUIRE(report_window(s, "elsewhere", "2020-03-23", 7, 8 * 3600, &w) == 0);
  CHECK_EQ(w.health_checks + w.gate_checks + w.relief + w.ops_read, 0);
  CHECK_EQ(report_window(s, "ws", "2020-03-23", 0, 8 * 3600, &w), LINLI_EINVAL);
  CHECK_EQ(report_window(s, "ws", "2020-3-23", 7, 8 * 3600, &w), LINLI_EINVAL);

  /* The district report: the records' figures and the window's. */
  const char *scopes[] = {"ws", "elsewhere"};
  struct report_row rows[2], all[2];
  struct report_window wins[2], wtot;
  struct report_totals tot, tot_all;
  REQUIRE(report_district(s, scopes, 2, "2020-03-23", 7, 8 * 3600, rows, wins, &tot, &wtot) == 0);
  CHECK_EQ(rows[0].households, 2); /* WS-C01-3 deleted */
  CHECK_EQ(rows[0].residents, 3);  /* r-4 deleted; r-3 deleted and written again */
  CHECK_EQ(rows[0].compounds, 1);
  CHECK_EQ(rows[0].eligible, 1);
  CHECK_EQ(rows[0].rice_kg, 70);
  CHECK_EQ(rows[0].ops, (uint64_t)w_n);
  CHECK_EQ(rows[0].newest_ms, CRDT_HLC_MS(w_hlc("2020-03-25", 9, 0, 0)));
  CHECK_EQ(rows[0].relief + rows[0].group + rows[0].proxy, 0); /* all-time: not in this report */
  CHECK_EQ(wins[0].health_checks, 5);
  CHECK_EQ(wins[0].proxy, 1);
  CHECK_EQ(rows[1].ops, 0);
  CHECK_EQ(tot.communities, 2);
  CHECK_EQ(tot.heard, 1);
  CHECK_EQ(tot.communities_free, 1);
  CHECK_EQ(tot.households, 2);
  CHECK_EQ(wtot.health_checks, 5);
  CHECK_EQ(wtot.fevers, 2);
  CHECK_EQ(wtot.gate_checks, 2);
  CHECK_EQ(wtot.relief, 2);
  CHECK_EQ(wtot.ops_read, window_ops);
  CHECK(!strcmp(wtot.from, "2020-03-17") && !strcmp(wtot.to, "2020-03-23"));
  /* report_scopes counts every distribution of the log, and the records as
   * record_each shows them. */
  REQUIRE(report_scopes(s, scopes, 2, "2020-03-23", all, &tot_all) == 0);
  CHECK_EQ(all[0].relief, 2);
  CHECK_EQ(all[0].group, 1);
  CHECK_EQ(all[0].proxy, 2);
  CHECK_EQ(all[0].households, rows[0].households);
  CHECK_EQ(all[0].residents, rows[0].residents);
  struct live_counts lc = {0, 0};
  REQUIRE(store_read_rows(s, count_both, &lc) == 0);
  CHECK_EQ(lc.households, 2);
  CHECK_EQ(lc.residents, 3);
  store_close(s);
  t_rmdir(dir);
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  test_window();
  /* ISO 7064 MOD 11-2, on the textbook example and a computed one. */
  CHECK_EQ(dom_id_check("11010519491231002"), 'X');
  CHECK_EQ(dom_id_check("44052418800101001"), '4');
  CHECK_EQ(dom_id_check("4405241880010100a"), 0);

  struct crdt_identity who;
  t_identity(&who, 0x51);
  char dir1[64], dir2[64], path[128];
  t_tmpdir(dir1, sizeof dir1, "dom1");
  t_tmpdir(dir2, sizeof dir2, "dom2");
  snprintf(path, sizeof path, "%s/shihua.bundle", dir1);

  /* Generate into a bundle file. */
  struct sample_opts o = {now_ms, 45, 8 * 3600, 1, 2, 0, NULL, 0, NULL, NULL};
  struct bundle_writer w;
  REQUIRE(bundle_open(&w, path) == 0);
  int made = sample_generate(&who, &sample_shihua, &o, to_bundle, &w);
  REQUIRE(made > 0);
  REQUIRE(bundle_close(&w) == 0);
  printf("sample: %d ops for %s\n", made, sample_shihua.name);

  struct node *a = open_node(dir1, &who);
  CHECK_EQ(import_file(a, path), made);
  CHECK_EQ(import_file(a, path), 0); /* twice changes nothing */

  /* Hand count: 1,677 households and 3,680 residents as in the report; of
   * 8 compounds, C02 has a confirmed case released 10 days ago, C03 an
   * open fever case, C08 lacks the supply measure; the other 5 are free. */
  char date[11];
  rules_ms_date(now_ms, 8 * 3600, date);
  const char *scopes[] = {"shihua"};
  struct report_row row;
  struct report_totals tot;
  REQUIRE(report_scopes(node_store(a), scopes, 1, date, &row, &tot) == 0);
  printf("report %s: compounds %d, free %d, households %d, residents %d, fever %d, relief %llu\n",
         date, row.compounds, row.eligible, row.households, row.residents, row.open_fever,
         (unsigned long long)row.relief);
  CHECK_EQ(row.households, 1677);
  CHECK_EQ(row.residents, 3680);
  CHECK_EQ(row.compounds, 8);
  CHECK_EQ(row.eligible, 5);
  CHECK_EQ(row.open_fever, 1);
  CHECK_EQ(row.open_confirmed, 0);
  CHECK_EQ(row.open_contact, 0);
  CHECK_EQ(row.ops, (uint64_t)made);
  CHECK(row.relief > 0 && row.group > 0 && row.proxy > 0);
  CHECK_EQ(tot.heard, 1);
  CHECK_EQ(tot.communities_free, 0);

  /* Export, import into another node: the same state. */
  char out[128];
  snprintf(out, sizeof out, "%s/export.bundle", dir2);
  CHECK_EQ(bundle_export(node_store(a), scopes, 1, 0, out), made);
  struct node *b = open_node(dir2, &who);
  CHECK_EQ(import_file(b, out), made);
  uint8_t da[32], db[32];
  node_digest(a, NULL, da);
  node_digest(b, NULL, db);
  CHECK_MEM(da, db, 32);
  /* A copy cut short on the stick: refused whole. */
  struct stat st;
  REQUIRE(stat(out, &st) == 0);
  REQUIRE(truncate(out, st.st_size - 100) == 0);
  struct node_status s1, s2;
  node_status(b, &s1);
  CHECK_EQ(import_file(b, out), LINLI_ETRUNC);
  node_status(b, &s2);
  CHECK_EQ(s1.ops, s2.ops);
  node_close(a);
  node_close(b);
  t_rmdir(dir1);
  t_rmdir(dir2);
  return test_done("test_domain");
}
