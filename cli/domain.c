/* linli sample | import | export | report: the district's data in and out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "control.h"
#include "node.h"
#include "domain.h"
#include "verbs.h"


static uint64_t wall_ms(void *ctx)
{
  (void)ctx;
  return cli_now_ms();
}

/* Imports every op, through the daemon if it runs, else into the store
 * opened here, in one transaction per part of at most CONTROL_BATCH_MAX ops
 * and CONTROL_REQ_MAX bytes (one part for any bundle up to that size): a
 * part is stored whole or not at all, whatever is killed when. Counts each
 * op once, in its final state: an op held early in the file (its author's
 * certificate comes later in it) is counted as new if the certificate
 * released it. */
struct tally {
  size_t stored, already, held, rejected, parts, lost;
  int last_reason;
};

/* One part through linlid: what[] as node_import_each says. If linlid
 * stopped before answering, the outcome is read back: every op "already
 * there" but the new ones counted (t->lost), or -ECONNRESET. */
static int import_part_daemon(const struct config *c, const uint8_t *const *ops,
                              const size_t *lens, size_t count, int with_id, int *what,
                              struct tally *t)
{
  size_t cap = 64;
  for (size_t i = 0; i < count; i++)
    cap += lens[i] + 5;
  uint8_t *req = malloc(cap), rid[NODE_REQUEST_BYTES];
  const uint8_t *reply;
  struct cli_outcome o;
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n;
  int code, stored;
  size_t at;
  if (!req)
    return LINLI_ENOMEM;
  cli_request_id(rid);
  crdt_buf_init(&b, req, cap);
  control_enc_imports(&b, with_id ? rid : NULL, ops, lens, count);
  int got = crdt_buf_err(&b) ? LINLI_ETOOBIG
                             : cli_ctl(c, b.p, b.len, with_id ? rid : NULL, &reply, &o);
  free(req);
  if (got < 0)
    return got;
  if (got == 0) {
    if (!o.committed)
      return -ECONNRESET;
    for (size_t i = 0; i < count; i++)
      what[i] = 0;
    t->lost += o.added;
    return 0;
  }
  if (control_reply_open(&r, reply, (size_t)got, &n, &code, NULL, 0, &at))
    return LINLI_EPROTO;
  if (code)
    return code;
  return control_reply_imports(&r, n, count, what, &stored);
}

/* The final state of the ops held when they were imported: asked of the
 * node, or of the daemon by importing them again (a held op stays as it is). */
static void recount_held(const struct config *c, struct node *n, const uint8_t *const *ops,
                         const size_t *lens, const size_t *pending, size_t n_pending,
                         struct tally *t)
{
  const uint8_t **pops = malloc((n_pending ? n_pending : 1) * sizeof *pops);
  size_t *plens = malloc((n_pending ? n_pending : 1) * sizeof *plens);
  int *what = malloc((n_pending ? n_pending : 1) * sizeof *what);
  if (!pops || !plens || !what)
    goto out;
  for (size_t k = 0; k < n_pending; k++) {
    pops[k] = ops[pending[k]];
    plens[k] = lens[pending[k]];
    if (n)
      what[k] = node_op_state(n, pops[k], plens[k]);
  }
  if (!n && n_pending && import_part_daemon(c, pops, plens, n_pending, 0, what, t))
    goto out;
  for (size_t k = 0; k < n_pending; k++) {
    if (what[k] == 0 || what[k] == 1) {
      t->held--;
      t->stored++;
    } else if (what[k] == LINLI_ENOTFOUND) {
      t->held--; /* dropped from a full hold */
      t->rejected++;
      t->last_reason = LINLI_EUNKNOWN;
    }
  }
out:
  free(pops);
  free(plens);
  free(what);
}

/* The ops of the next part: at most CONTROL_BATCH_MAX, and bytes that fit
 * one request. */
static size_t part_len(const size_t *lens, size_t count)
{
  size_t k = 0, bytes = 64;
  while (k < count && k < CONTROL_BATCH_MAX && bytes + lens[k] + 5 <= CONTROL_REQ_MAX)
    bytes += lens[k++] + 5;
  return k;
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
  int *what = malloc((count ? count : 1) * sizeof *what);
  size_t *pending = malloc((count ? count : 1) * sizeof *pending), n_pending = 0;
  if (!what || !pending)
    rc = LINLI_ENOMEM;
  size_t parts = 0;
  for (size_t i = 0, k = 0; i < count && !rc; i += k)
    k = part_len(lens + i, count - i), parts++;
  t->parts = parts;
  for (size_t i = 0, k = 0, part = 0; i < count && !rc; i += k) {
    k = part_len(lens + i, count - i);
    if (parts > 1)
      fprintf(stderr, _("import: part %zu of %zu (%zu ops)\n"), ++part, parts, k);
    rc = daemon ? import_part_daemon(c, ops + i, lens + i, k, 1, what + i, t)
                : node_import_batch(n, ops + i, lens + i, k, NULL, what + i);
    if (rc < 0)
      break;
    rc = 0;
    for (size_t j = i; j < i + k; j++) {
      if (what[j] == 1)
        t->stored++;
      else if (what[j] == 0)
        t->already++;
      else if (what[j] == LINLI_EPENDING) {
        t->held++;
        pending[n_pending++] = j;
      } else {
        t->rejected++;
        t->last_reason = what[j];
      }
    }
  }
  if (t->lost) { /* a reply lost: its new ops were counted as there already */
    t->stored += t->lost;
    t->already -= t->lost;
  }
  if (!rc)
    recount_held(c, n, ops, lens, pending, n_pending, t);
  free(what);
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
  struct tally t = {0};
  if (cli_load_config(a->data, &c) != CLI_OK)
    return CLI_FAIL;
  if (cli_bundle_read(a, a->pos[0], &buf, &ops, &lens, &count) != CLI_OK)
    return CLI_FAIL;
  int rc = import_all(&c, ops, lens, count, &t);
  free(buf), free(ops), free(lens);
  printf(_("%zu ops read: %zu new, %zu already here, %zu rejected, %zu waiting%s\n"), count,
         t.stored, t.already, t.rejected, t.held,
         t.held ? " (kept in the database, and stored when their author's certificate arrives "
                  "or this node's clock reaches their time; rejected if no certificate comes "
                  "within hold_ms)"
                : "");
  if (rc == -ECONNRESET)
    return cli_fail("linlid stopped before it stored %s; %s", t.parts > 1 ? _("this part")
                    : _("the bundle"), t.parts > 1 ? _("the parts before it are stored") : _("nothing was stored"));
  if (rc)
    return cli_fail("import stopped: %s; %s", cli_err(rc),
                    t.parts > 1 ? _("the parts before are stored, this one is not")
                                : _("nothing was stored"));
  if (t.rejected)
    return cli_fail("%zu ops rejected, the last for %s (%s)", t.rejected,
                    linli_errname(t.last_reason), cli_err(t.last_reason));
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
    return cli_fail("cannot read the store in %s: %s", a->data, cli_err(rc));
  const char *scopes[CONFIG_SCOPES_MAX];
  int n = 0;
  if (a->scope)
    scopes[n++] = a->scope;
  else
    for (int i = 0; i < c.n_scopes; i++)
      scopes[n++] = c.scopes[i];
  rc = cli_bundle_write(a, &c, s, scopes, n);
  store_close(s);
  return rc;
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
    return cli_fail("cannot load %s: %s", key, cli_err(rc));
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
    return crdt_identity_wipe(&id), cli_fail("cannot write %s: %s", a->pos[0], cli_err(rc));
  int made = sample_generate(&id, &sc, &o, to_bundle, &w);
  crdt_identity_wipe(&id);
  if (made < 0 && !w.err)
    w.err = made;
  if ((rc = bundle_close(&w)))
    return cli_fail("cannot write the sample: %s", cli_err(rc));
  printf(_("%d ops of sample data for %s (%s): %d households, %d residents, %d days -> %s\n"), made,
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
    return cli_fail("cannot read the store in %s: %s", a->data, cli_err(rc));
  struct report_row rows[CONFIG_SCOPES_MAX];
  struct report_totals t;
  rc = report_scopes(s, scopes, n, date, rows, &t);
  store_close(s);
  if (rc)
    return cli_fail("cannot compute the report: %s", cli_err(rc));
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
  printf(_("report for %s (%s), figures as this node holds them\n\n"), date,
         district ? "district" : "community");
  printf("%-12s %9s %11s %10s %9s %5s %5s %5s %5s %8s %7s  %s\n", "community", "househlds",
         "free/compds", "residents", "ops", "conf", "susp", "fever", "contc", "veg_kg", "handout",
         "newest op");
  for (int i = 0; i < n; i++)
    print_row(&rows[i]);
  printf(_("\n%d of %d compounds epidemic-free (%.1f %%); %d of %d communities (%.1f %%)\n"), t.eligible,
         t.compounds, share, t.communities_free, t.heard, cshare);
  printf(_("completeness: %d of %d communities heard from; freshness: the stalest community's "
         "newest op is from %s\n"),
         t.heard, t.communities, stale);
  return CLI_OK;
}
