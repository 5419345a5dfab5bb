/* linli sample | import | export | report: the district's data in and out. */
#include <errno.h>
#include <sodium.h>
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
  char why[256]; /* linlid's reason for refusing a part, "" none */
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
  if (control_reply_open(&r, reply, (size_t)got, &n, &code, t->why, sizeof t->why, &at))
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
    return cli_fail("import stopped: %s; %s", t.why[0] ? t.why : cli_err(rc),
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

static void sample_random(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  randombytes_buf(buf, len);
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
  struct sample_opts o = {now, days, dom_tz_offset(&tz, now), 1, 5, now - 60000, NULL, 0, NULL, NULL};
  uint8_t *keys = NULL;
  size_t keys_len = 0;
  if ((rc = dom_keys_file(a->data, &keys, &keys_len)))
    return crdt_identity_wipe(&id), cli_fail("cannot read %s/%s: %s", a->data, STORE_KEYS_FILE,
                                             cli_err(rc));
  o.keys = keys, o.keys_len = keys_len, o.random = sample_random; /* sealed as this node writes */
  struct bundle_writer w;
  if ((rc = bundle_open(&w, a->pos[0]))) {
    if (keys)
      sodium_memzero(keys, keys_len), free(keys);
    return crdt_identity_wipe(&id), cli_fail("cannot write %s: %s", a->pos[0], cli_err(rc));
  }
  int made = sample_generate(&id, &sc, &o, to_bundle, &w);
  crdt_identity_wipe(&id);
  if (keys)
    sodium_memzero(keys, keys_len), free(keys);
  if (made < 0 && !w.err)
    w.err = made;
  if ((rc = bundle_close(&w)))
    return cli_fail("cannot write the sample: %s", cli_err(rc));
  printf(_("%d ops of sample data for %s (%s): %d households, %d residents, %d days -> %s\n"), made,
         sc.name, scope, sc.households, sc.residents, days, a->pos[0]);
  return CLI_OK;
}
