/* linli sample | import | export | report: the district's data in and out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "node.h"
#include "domain.h"
#include "verbs.h"


static uint64_t wall_ms(void *ctx)
{
  (void)ctx;
  return cli_now_ms();
}

/* Imports every op, through the daemon if it runs, else into the store
 * opened here; counts each op once, in its final state: an op held early in
 * the file (its author's certificate comes later in it) is counted as new
 * if the certificate released it. A progress line on big files. */
struct tally {
  size_t stored, already, held, rejected;
  int last_reason;
};

/* The final state of the ops held when they were imported: asked of the
 * node, or of the daemon by importing them again (a held op stays as it is). */
static void recount_held(const struct config *c, struct node *n, const uint8_t *const *ops,
                         const size_t *lens, const size_t *pending, size_t n_pending,
                         struct tally *t)
{
  for (size_t k = 0; k < n_pending; k++) {
    size_t i = pending[k];
    int what = n ? node_op_state(n, ops[i], lens[i]) : cli_import_daemon(c, ops[i], lens[i]);
    if (what == 0 || what == 1) {
      t->held--;
      t->stored++;
    } else if (what == LINLI_ENOTFOUND) {
      t->held--; /* dropped from a full hold */
      t->rejected++;
      t->last_reason = LINLI_EUNKNOWN;
    }
  }
}

static int import_all(const struct config *c, const uint8_t *const *ops, const size_t *lens,
                      size_t count, struct tally *t)
{
  struct node *n = NULL;
  int fd = -1, daemon = cli_daemon_running(c->data), rc = 0;
  if (!daemon && (rc = cli_node_open(c, &n, &fd)) == LINLI_EEXIST)
    daemon = 1; /* it started meanwhile */
  else if (rc)
    return rc;
  /* Without the daemon, a chunk at a time: verified on every core and
   * stored in one transaction per scope. Through the daemon, op by op. */
  enum { CHUNK = 5000 };
  int *fate = daemon ? NULL : malloc(CHUNK * sizeof *fate);
  size_t *pending = malloc((count ? count : 1) * sizeof *pending), n_pending = 0;
  if ((!daemon && !fate) || !pending)
    rc = LINLI_ENOMEM;
  for (size_t i = 0; i < count && !rc; i++) {
    if (fate && i % CHUNK == 0) {
      size_t m = count - i < CHUNK ? count - i : CHUNK;
      node_import_each(n, ops + i, lens + i, m, fate); /* a store error shows in fate[] */
    }
    int what = daemon ? cli_import_daemon(c, ops[i], lens[i]) : fate[i % CHUNK];
    if (what == 1)
      t->stored++;
    else if (what == 0)
      t->already++;
    else if (what == LINLI_EPENDING) {
      t->held++;
      pending[n_pending++] = i;
    } else if (what == LINLI_ESTORE || what == LINLI_EMAPFULL || what == LINLI_ENOMEM ||
             what == -ETIMEDOUT || what == -ECONNREFUSED || (what < 0 && what > -1000)) {
      rc = what; /* the store or the daemon failed: stop, keep what is in */
      break;
    } else {
      t->rejected++;
      t->last_reason = what;
    }
    if (count > 5000 && (i + 1) % 5000 == 0)
      fprintf(stderr, "\rimport: %zu/%zu ops", i + 1, count);
  }
  if (count > 5000)
    fprintf(stderr, "\n");
  if (!rc)
    recount_held(c, n, ops, lens, pending, n_pending, t);
  free(fate);
  free(pending);
  if (n)
    cli_node_close(n, fd);
  return rc;
}

int cli_cmd_import(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  uint8_t *buf;
  const uint8_t **ops;
  size_t *lens, count;
  struct config c;
  struct tally t = {0, 0, 0, 0, 0};
  if (cli_load_config(a->data, &c) != CLI_OK)
    return CLI_FAIL;
  int rc = bundle_read(a->pos[0], &buf, &ops, &lens, &count);
  if (rc)
    return cli_fail("%s is not a complete bundle: %s; nothing was imported", a->pos[0],
                    linli_strerror(rc));
  rc = import_all(&c, ops, lens, count, &t);
  free(buf), free(ops), free(lens);
  printf("%zu ops read: %zu new, %zu already here, %zu rejected, %zu waiting%s\n", count,
         t.stored, t.already, t.rejected, t.held,
         t.held ? " (kept in the database, and stored when their author's certificate arrives "
                  "or this node's clock reaches their time; rejected if no certificate comes "
                  "within hold_ms)"
                : "");
  if (rc)
    return cli_fail("import stopped: %s; what was stored before stays", linli_strerror(rc));
  if (t.rejected)
    return cli_fail("%zu ops rejected, the last for %s (%s)", t.rejected,
                    linli_errname(t.last_reason), linli_strerror(t.last_reason));
  return CLI_OK;
}

int cli_cmd_export(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct config c;
  struct store *s;
  if (cli_load_config(a->data, &c) != CLI_OK)
    return CLI_FAIL;
  struct store_config sc = {a->data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return cli_fail("cannot read the store in %s: %s", a->data, linli_strerror(rc));
  const char *scopes[CONFIG_SCOPES_MAX];
  int n = 0;
  if (a->scope)
    scopes[n++] = a->scope;
  else
    for (int i = 0; i < c.n_scopes; i++)
      scopes[n++] = c.scopes[i];
  rc = bundle_export(s, scopes, n, 0, a->pos[0]);
  store_close(s);
  if (rc < 0)
    return cli_fail("cannot write %s: %s", a->pos[0], linli_strerror(rc));
  printf("%d ops written to %s\n", rc, a->pos[0]);
  return CLI_OK;
}

static int to_bundle(void *arg, const uint8_t *op, size_t len)
{
  return bundle_add(arg, op, len);
}

int cli_cmd_sample(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct config c;
  struct crdt_identity id;
  char key[CONFIG_PATH_MAX + 16], buf[64];
  if (cli_load_config(a->data, &c) != CLI_OK)
    return CLI_FAIL;
  snprintf(key, sizeof key, "%s/node.key", a->data);
  int rc = crdt_identity_load(&id, key);
  if (rc)
    return cli_fail("cannot load %s: %s", key, linli_strerror(rc));
  const char *scope = a->scope ? a->scope : c.scopes[0];
  struct sample_community sc;
  if (!strcmp(scope, "shihua"))
    sc = sample_shihua;
  else if (!strcmp(scope, "chuanchang"))
    sc = sample_chuanchang;
  else if (!strcmp(scope, "changhongli"))
    sc = sample_changhongli;
  else {
    sample_synthetic(&sc, (int)(strlen(scope) * 131 + (unsigned char)scope[0]) % 997, buf);
    sc.scope = scope;
  }
  uint64_t now = wall_ms(NULL);
  int days = 60;
  if (a->days) {
    char *end;
    long v = strtol(a->days, &end, 10);
    if (*end || v < 1 || v > 3650) {
      crdt_identity_wipe(&id);
      return cli_fail("--days takes a whole number of days from 1 to 3650, not '%s'", a->days);
    }
    days = (int)v;
  }
  /* Typed in now, about the past days: stamped now, dated in the past. */
  struct dom_tz tz;
  if (cli_zone(&c, &tz))
    return crdt_identity_wipe(&id), CLI_FAIL;
  struct sample_opts o = {now, days, dom_tz_offset(&tz, now), 1, 5, now - 60000};
  struct bundle_writer w;
  if ((rc = bundle_open(&w, a->pos[0])))
    return crdt_identity_wipe(&id), cli_fail("cannot write %s: %s", a->pos[0], linli_strerror(rc));
  int made = sample_generate(&id, &sc, &o, to_bundle, &w);
  crdt_identity_wipe(&id);
  if (made < 0 && !w.err)
    w.err = made;
  if ((rc = bundle_close(&w)))
    return cli_fail("cannot write the sample: %s", linli_strerror(rc));
  printf("%d ops of sample data for %s (%s): %d households, %d residents, %d days -> %s\n", made,
         sc.name, scope, sc.households, sc.residents, days, a->pos[0]);
  return CLI_OK;
}

static void print_row(const struct report_row *r)
{
  char fresh[32];
  cli_time(fresh, sizeof fresh, r->newest_ms);
  printf("%-12s %9d %5d/%-5d %10d %9d %5d %5d %5d %5d %8lld %7llu  %s\n", r->scope, r->households,
         r->eligible, r->compounds, r->residents, (int)r->ops, r->open_confirmed, r->open_suspected,
         r->open_fever, r->open_contact, (long long)r->vegetables_kg,
         (unsigned long long)(r->relief + r->group + r->proxy), fresh);
}

static void json_row(const struct report_row *r, int last)
{
  printf("    {\"community\": \"%s\", \"ops\": %llu, \"newest_ms\": %llu, \"compounds\": %d, "
         "\"epidemic_free\": %d, \"households\": %d, \"residents\": %d, \"open\": {\"confirmed\": %d, "
         "\"suspected\": %d, \"fever\": %d, \"close_contact\": %d}, \"stock\": {\"rice_kg\": %lld, "
         "\"vegetables_kg\": %lld}, \"distributions\": {\"relief\": %llu, \"group\": %llu, "
         "\"proxy\": %llu}}%s\n",
         r->scope, (unsigned long long)r->ops, (unsigned long long)r->newest_ms, r->compounds,
         r->eligible, r->households, r->residents, r->open_confirmed, r->open_suspected,
         r->open_fever, r->open_contact, (long long)r->rice_kg, (long long)r->vegetables_kg,
         (unsigned long long)r->relief, (unsigned long long)r->group, (unsigned long long)r->proxy,
         last ? "" : ",");
}

int cli_cmd_report(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct config c;
  struct store *s;
  char date[RULES_DATE_LEN + 1];
  int64_t day;
  if (cli_load_config(a->data, &c) != CLI_OK)
    return CLI_FAIL;
  if (a->n_pos > 1 && rules_date_days(a->pos[1], strlen(a->pos[1]), &day) == 0)
    memcpy(date, a->pos[1], sizeof date);
  else if (a->n_pos > 1)
    return cli_fail("'%s' is not a date: write it as YYYY-MM-DD", a->pos[1]);
  else
    cli_today(&c, date, NULL);
  const char *scopes[CONFIG_SCOPES_MAX];
  int n = 0;
  int district = !strcmp(a->pos[0], "district");
  if (!district && strcmp(a->pos[0], "community"))
    return cli_fail("report what? 'district' (every community this node holds) or 'community'");
  for (int i = 0; i < c.n_scopes; i++) {
    if (c.trust && !strcmp(c.scopes[i], c.district))
      continue; /* the district scope holds certificates, not records */
    if (district || (a->scope ? !strcmp(a->scope, c.scopes[i]) : i == 0))
      scopes[n++] = c.scopes[i];
  }
  struct store_config sc = {a->data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return cli_fail("cannot read the store in %s: %s", a->data, linli_strerror(rc));
  struct report_row rows[CONFIG_SCOPES_MAX];
  struct report_totals t;
  rc = report_scopes(s, scopes, n, date, rows, &t);
  store_close(s);
  if (rc)
    return cli_fail("cannot compute the report: %s", linli_strerror(rc));
  char stale[32];
  cli_time(stale, sizeof stale, t.oldest_newest_ms);
  double share = t.compounds ? 100.0 * t.eligible / t.compounds : 0;
  double cshare = t.heard ? 100.0 * t.communities_free / t.heard : 0;
  if (a->json) {
    printf("{\n  \"date\": \"%s\",\n  \"communities\": %d,\n  \"heard_from\": %d,\n"
           "  \"oldest_newest_ms\": %llu,\n  \"compounds\": %d,\n  \"compounds_epidemic_free\": %d,\n"
           "  \"communities_epidemic_free\": %d,\n  \"residents\": %d,\n  \"rows\": [\n",
           date, t.communities, t.heard, (unsigned long long)t.oldest_newest_ms, t.compounds,
           t.eligible, t.communities_free, t.residents);
    for (int i = 0; i < n; i++)
      json_row(&rows[i], i == n - 1);
    printf("  ]\n}\n");
    return CLI_OK;
  }
  printf("report for %s (%s), figures as this node holds them\n\n", date,
         district ? "district" : "community");
  printf("%-12s %9s %11s %10s %9s %5s %5s %5s %5s %8s %7s  %s\n", "community", "househlds",
         "free/compds", "residents", "ops", "conf", "susp", "fever", "contc", "veg_kg", "handout",
         "newest op");
  for (int i = 0; i < n; i++)
    print_row(&rows[i]);
  printf("\n%d of %d compounds epidemic-free (%.1f %%); %d of %d communities (%.1f %%)\n", t.eligible,
         t.compounds, share, t.communities_free, t.heard, cshare);
  printf("completeness: %d of %d communities heard from; freshness: the stalest community's "
         "newest op is from %s\n",
         t.heard, t.communities, stale);
  return CLI_OK;
}
