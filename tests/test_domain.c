/* The domain end to end without sockets: the sample community of the
 * report (石化社区) generated, imported and reported; the report's figures
 * against a hand count of what the generator was told to make; bundles out
 * and in (twice changes nothing, a truncated copy imports nothing). */
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "node.h"
#include "report.h"
#include "rules.h"
#include "sample.h"
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

int main(void)
{
  REQUIRE(crdt_init() == 0);
  /* ISO 7064 MOD 11-2, on the textbook example and a computed one. */
  CHECK_EQ(sample_id_check("11010519491231002"), 'X');
  CHECK_EQ(sample_id_check("44052418800101001"), '4');
  CHECK_EQ(sample_id_check("4405241880010100a"), 0);

  struct crdt_identity who;
  t_identity(&who, 0x51);
  char dir1[64], dir2[64], path[128];
  t_tmpdir(dir1, sizeof dir1, "dom1");
  t_tmpdir(dir2, sizeof dir2, "dom2");
  snprintf(path, sizeof path, "%s/shihua.bundle", dir1);

  /* Generate into a bundle file. */
  struct sample_opts o = {now_ms, 45, 8 * 3600, 1, 2, 0};
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
