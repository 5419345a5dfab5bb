/* linli enroll / import-cert / revoke / roster: the trust of a district
 * (node/trust.h) from the command line. Certificates and revocations are
 * ordinary signed ops in the district scope; their files hold the op bytes.
 * An op is stored through the running linlid ("import" control request) or,
 * with the daemon stopped, by opening the node here under the daemon's lock.
 * Operator guide: docs/operator.md "Enrolment and revocation". */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "control.h"
#include "node.h"
#include "store.h"
#include "transport.h"
#include "trust.h"
#include "domain.h"

#define CLI_DAY_MS 86400000ull
#define CLI_DAYS_MAX 3650
#define CLI_SKEW_MS CLI_DAY_MS /* a certificate starts a day early: clocks differ */

/* ---- storing one op in a node ---- */

static uint64_t cli_env_now(void *ctx)
{
  (void)ctx;
  return cli_now_ms();
}

static void cli_env_random(void *ctx, void *buf, size_t len)
{
  (void)ctx;
  randombytes_buf(buf, len);
}

static int cli_env_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  (void)ctx, (void)peer, (void)msg, (void)len;
  return LINLI_EIO; /* no peers: the node is opened only to store */
}

int cli_node_open(const struct config *c, struct node **n, int *lockfd)
{
  char path[PATH_MAX];
  struct crdt_identity id;
  struct node_env env = {NULL, cli_env_now, cli_env_random, cli_env_send, NULL, NULL};
  struct node_config nc;
  int rc;
  *n = NULL;
  snprintf(path, sizeof path, "%s/linlid.lock", c->data);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_SETLK, &fl) < 0) {
    close(fd);
    return LINLI_EEXIST;
  }
  snprintf(path, sizeof path, "%s/node.key", c->data);
  if ((rc = crdt_identity_load(&id, path))) {
    close(fd);
    return rc;
  }
  config_node(c, &id, &nc);
  rc = node_open(n, &env, &nc);
  crdt_identity_wipe(&id);
  if (rc) {
    close(fd);
    return rc;
  }
  *lockfd = fd;
  return 0;
}

void cli_node_close(struct node *n, int lockfd)
{
  node_close(n);
  close(lockfd);
}

/* With the daemon stopped: the node opened here, under linlid.lock so that
 * no daemon starts meanwhile. Returns what node_import_one() returns, or
 * LINLI_EEXIST if a daemon holds the lock. */
static int cli_import_direct(const struct config *c, const uint8_t *op, size_t len)
{
  struct node *n;
  int fd, rc = cli_node_open(c, &n, &fd);
  if (rc)
    return rc;
  rc = node_import_one(n, op, len);
  cli_node_close(n, fd);
  return rc;
}

/* Through the running daemon: ["import", op]. */
int cli_import_daemon(const struct config *c, const uint8_t *op, size_t len)
{
  uint8_t req[CRDT_OP_MAX_BYTES + 64];
  const uint8_t *reply;
  struct cli_outcome o;
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n;
  int code;
  size_t at;
  uint64_t what;
  crdt_buf_init(&b, req, sizeof req);
  crdt_w_array(&b, 2);
  crdt_w_cstr(&b, "import");
  crdt_w_bin(&b, op, len);
  if (crdt_buf_err(&b))
    return LINLI_ETOOBIG;
  int got = cli_ctl(c, b.p, b.len, NULL, &reply, &o);
  if (got < 0)
    return got;
  if (control_reply_open(&r, reply, (size_t)got, &n, &code, NULL, 0, &at))
    return LINLI_EPROTO;
  if (code)
    return code;
  if (n != 2 || crdt_mp_uint(&r, &what) || what > 2 || crdt_mp_left(&r))
    return LINLI_EPROTO;
  return what == 2 ? LINLI_EPENDING : (int)what;
}

/* The hub holds every enrolled community's scope: adds it to the hub's
 * linlid.conf and tells a running linlid to reload. */
static int cli_hub_add_scope(const struct cli_args *a, const struct config *c, const char *community)
{
  char path[PATH_MAX], err[CONFIG_ERR_MAX + CONFIG_PATH_MAX];
  uint8_t req[16];
  const uint8_t *reply;
  struct cli_outcome o;
  struct crdt_buf b;
  snprintf(path, sizeof path, "%s/linlid.conf", a->data);
  int rc = config_add_scope(path, community, err, sizeof err);
  if (rc < 0)
    return cli_fail("the certificate is written, but the hub's config could not take the scope "
                    "%s: %s; add the line 'scope %s' to %s by hand", community, err, community, path);
  if (rc == 0)
    return CLI_OK;
  if (!cli_daemon_running(a->data)) {
    fprintf(stderr, _("linli: added 'scope %s' to %s; linlid takes it when it starts\n"), community, path);
    return CLI_OK;
  }
  crdt_buf_init(&b, req, sizeof req);
  control_enc_verb(&b, "reload");
  int got = cli_ctl(c, b.p, b.len, NULL, &reply, &o);
  /* wait until the reopened node answers, so that what the caller does
   * next finds the scope added */
  if (got >= 0)
    got = cli_ctl_settle(c, 15000);
  if (got < 0)
    fprintf(stderr, _("linli: added 'scope %s' to %s, but linlid did not answer the reload (%s); "
                    "it takes the scope at its next start (or: kill -HUP its pid)\n"),
            community, path, cli_err(got));
  else
    fprintf(stderr, _("linli: added 'scope %s' to %s; linlid reloaded it\n"), community, path);
  return CLI_OK;
}

/* Stores op in the node of data directory c->data and says what became of
 * it: CLI_OK if it is stored (now or before) or held by a running daemon. */
static int cli_store_op(const struct config *c, const char *what, const uint8_t *op, size_t len)
{
  int daemon = cli_daemon_running(c->data);
  int rc = daemon ? cli_import_daemon(c, op, len) : cli_import_direct(c, op, len);
  if (rc == LINLI_EEXIST && !daemon) { /* a daemon started meanwhile */
    daemon = 1;
    rc = cli_import_daemon(c, op, len);
  }
  const char *where = daemon ? _("through linlid") : _("into the database (linlid is stopped)");
  if (rc == 1) {
    fprintf(stderr, _("linli: %s stored %s\n"), what, where);
    return CLI_OK;
  }
  if (rc == 0) {
    fprintf(stderr, _("linli: %s was stored already\n"), what);
    return CLI_OK;
  }
  if (rc == LINLI_EPENDING) { /* kept in the database, with or without linlid */
    fprintf(stderr, _("linli: %s is held: its author's certificate has not arrived; it is stored "
                    "when the certificate comes, or rejected after hold_ms\n"), what);
    return CLI_OK;
  }
  if (rc == -ETIMEDOUT || rc == -ECONNREFUSED)
    return cli_fail("linlid did not answer on %s: %s", c->control, cli_err(rc));
  if (rc == LINLI_EUNAUTH)
    return cli_fail("%s rejected: %s (%s; does this node hold its scope?)", what,
                    linli_errname(rc), cli_err(rc));
  return cli_fail("%s rejected: %s (%s)", what, linli_errname(rc), cli_err(rc));
}

/* ---- files ---- */

static int cli_read_op(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return -errno;
  size_t n = fread(buf, 1, cap, f);
  int big = n == cap && fgetc(f) != EOF;
  fclose(f);
  if (big)
    return LINLI_ETOOBIG;
  *len = n;
  return 0;
}

/* Writes the op to DIR/NAME (DIR: --out or the current directory). */
static int cli_write_op(const struct cli_args *a, const char *name, const uint8_t *op, size_t len,
                        char *path, size_t cap)
{
  snprintf(path, cap, "%s/%s", a->out ? a->out : ".", name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return cli_fail("cannot write %s: %s", path, strerror(errno));
  int rc = 0;
  if (write(fd, op, len) != (ssize_t)len || fsync(fd) != 0)
    rc = errno ? -errno : LINLI_EIO;
  if (close(fd) < 0 && !rc)
    rc = -errno;
  if (rc)
    return cli_fail("cannot write %s: %s", path, cli_err(rc));
  return CLI_OK;
}

/* ---- the hub ---- */

/* Loads the config of a.data, which must be the hub's, and its key. */
static int cli_load_hub(const struct cli_args *a, struct config *c, struct crdt_identity *id)
{
  char path[PATH_MAX], hex[2 * CRDT_PK_BYTES + 1];
  if (cli_load_config(a->data, c))
    return CLI_FAIL;
  if (!c->trust)
    return cli_fail("%s has no hub and district lines in linlid.conf: trust is off there", a->data);
  snprintf(path, sizeof path, "%s/node.key", a->data);
  int rc = crdt_identity_load(id, path);
  if (rc)
    return cli_fail("cannot read %s: %s", path, cli_err(rc));
  if (sodium_memcmp(id->pk, c->hub_pk, CRDT_PK_BYTES) != 0) {
    crdt_identity_wipe(id);
    cli_hex(hex, c->hub_pk, CRDT_PK_BYTES);
    return cli_fail("%s is not the hub of district %s: only the hub (key %.16s...) can do this",
                    a->data, c->district, hex);
  }
  return CLI_OK;
}

/* Runs fn with the hub's config and key (a->data must be the hub's
 * directory); the key is wiped after. */
static int cli_as_hub(const struct cli_args *a,
                      int (*fn)(const struct cli_args *a, const struct config *c,
                                const struct crdt_identity *hub, void *arg),
                      void *arg)
{
  struct config *c = malloc(sizeof *c);
  struct crdt_identity hub;
  int rc;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  rc = cli_load_hub(a, c, &hub);
  if (rc == CLI_OK) {
    rc = fn(a, c, &hub, arg);
    crdt_identity_wipe(&hub);
  }
  free(c);
  return rc;
}

/* An op the hub signed (len bytes, or the signing error): written to
 * DIR/name for nodes reached by hand, stored in the hub's node (through
 * linlid if it runs), its path printed on stdout. */
static int cli_hub_publish(const struct cli_args *a, const struct config *c, const char *what,
                           const char *name, const uint8_t *op, int len, char *path, size_t cap)
{
  if (len < 0)
    return cli_fail("cannot sign %s: %s", what, cli_err(len));
  if (cli_write_op(a, name, op, (size_t)len, path, cap) || cli_store_op(c, what, op, (size_t)len))
    return CLI_FAIL;
  printf("%s\n", path);
  return CLI_OK;
}

static int cli_enroll_signed(const struct cli_args *a, const struct config *c,
                             const struct crdt_identity *hub, void *arg)
{
  uint8_t pk[CRDT_PK_BYTES], op[CRDT_OP_MAX_BYTES];
  char community[CRDT_SCOPE_MAX + 1], hex[2 * CRDT_PK_BYTES + 1], name[CRDT_SCOPE_MAX + 32],
      path[PATH_MAX + CRDT_SCOPE_MAX + 32], until[32], what[160];
  unsigned long days = *(const unsigned long *)arg;
  int e = trust_request_read(a->pos[0], pk, community);
  if (e)
    return cli_fail("%s is not a valid enrolment request: %s", a->pos[0],
                    e == LINLI_EBADSIG ? "its signature does not verify (altered or truncated?)"
                    : e == LINLI_EKEYFILE ? "it is not of the form linli init writes"
                                          : cli_err(e));
  if (strcmp(community, c->district) == 0)
    return cli_fail("the request is for the district scope %s itself; a node's community must be "
                    "another code", community);
  uint64_t now = cli_now_ms();
  uint64_t until_ms = now + (uint64_t)days * CLI_DAY_MS;
  /* on the city node the request is a district hub's: its code is the district */
  int city = c->has_city && sodium_memcmp(c->city_pk, hub->pk, CRDT_PK_BYTES) == 0;
  int len = trust_cert_sign(hub, c->district, CRDT_HLC_MAKE(now, 0), pk, community,
                            city ? "district" : "community", now - CLI_SKEW_MS, until_ms, op,
                            sizeof op);
  cli_hex(hex, pk, sizeof pk);
  snprintf(name, sizeof name, "cert-%s-%.8s.op", community, hex);
  snprintf(what, sizeof what, "the certificate of %.16s... (%s)", hex, community);
  if (cli_hub_publish(a, c, what, name, op, len, path, sizeof path) ||
      cli_hub_add_scope(a, c, community))
    return CLI_FAIL;
  cli_time(until, sizeof until, until_ms);
  if (city)
    fprintf(stderr, _("linli: certified %.16s... as the hub of district %s until %s. Carry %s to the "
                    "hub and run there: linli import-cert --data HUBDIR %s (or let it sync with the "
                    "city)\n"), hex, community, until, path, name);
  else
    fprintf(stderr, _("linli: certified %.16s... for community %s until %s. Carry %s to the node and "
                    "run there: linli import-cert --data DIR %s (or let it sync with the hub)\n"),
            hex, community, until, path, name);
  return CLI_OK;
}

int cli_cmd_enroll(const struct cli_cmd *cmd, struct cli_args *a)
{
  unsigned long days = 365;
  (void)cmd;
  if (a->days) {
    char *end = NULL;
    errno = 0;
    days = strtoul(a->days, &end, 10);
    if (errno || !end || *end || a->days[0] < '1' || a->days[0] > '9' || days > CLI_DAYS_MAX) {
      fprintf(stderr, _("linli enroll: --days takes a whole number from 1 to %d\n"), CLI_DAYS_MAX);
      return CLI_USAGE;
    }
  }
  return cli_as_hub(a, cli_enroll_signed, &days);
}

static int cli_revoke_signed(const struct cli_args *a, const struct config *c,
                             const struct crdt_identity *hub, void *arg)
{
  const uint8_t *pk = arg;
  uint8_t op[CRDT_OP_MAX_BYTES];
  char name[64], path[PATH_MAX + 64], when[32], what[96];
  const char *hex = a->pos[0];
  if (sodium_memcmp(pk, hub->pk, CRDT_PK_BYTES) == 0)
    return cli_fail("the hub cannot revoke its own key");
  uint64_t now = cli_now_ms();
  int len = trust_revoke_sign(hub, c->district, CRDT_HLC_MAKE(now, 0), pk, now, a->reason, op,
                              sizeof op);
  snprintf(name, sizeof name, "revoke-%.8s.op", hex);
  snprintf(what, sizeof what, "the revocation of %.16s...", hex);
  if (cli_hub_publish(a, c, what, name, op, len, path, sizeof path))
    return CLI_FAIL;
  cli_time(when, sizeof when, now);
  fprintf(stderr, _("linli: revoked %.16s... from %s; its ops stamped since are rejected everywhere "
                  "and its connections closed as the revocation spreads. %s carries it by hand.\n"),
          hex, when, path);
  return CLI_OK;
}

int cli_cmd_revoke(const struct cli_cmd *cmd, struct cli_args *a)
{
  uint8_t pk[CRDT_PK_BYTES];
  size_t bl = 0;
  const char *hex = a->pos[0];
  if (!a->reason || !a->reason[0] || strlen(a->reason) > 512) {
    fprintf(stderr, _("linli revoke: --reason TEXT is required (1 to 512 bytes; no personal data)\n"));
    return cli_usage(cmd, CLI_USAGE);
  }
  if (strlen(hex) != 2 * CRDT_PK_BYTES ||
      sodium_hex2bin(pk, sizeof pk, hex, strlen(hex), NULL, &bl, NULL) || bl != CRDT_PK_BYTES) {
    fprintf(stderr, _("linli revoke: KEYHEX is the node's public key, 64 hex digits (linli roster)\n"));
    return CLI_USAGE;
  }
  return cli_as_hub(a, cli_revoke_signed, pk);
}

/* ---- any node ---- */

int cli_cmd_import_cert(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  uint8_t op[CRDT_OP_MAX_BYTES], pk[CRDT_PK_BYTES];
  char what[160], hex[2 * CRDT_PK_BYTES + 1];
  struct crdt_op o;
  size_t len = 0;
  int rc = CLI_FAIL;
  (void)cmd;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (cli_load_config(a->data, c))
    goto out;
  int e = cli_read_op(a->pos[0], op, sizeof op, &len);
  if (!e)
    e = crdt_op_decode(&o, op, len);
  if (e) {
    rc = cli_fail("%s is not a signed op file: %s", a->pos[0], cli_err(e));
    goto out;
  }
  int is_cert = o.collection.len == strlen(TRUST_CERT) &&
                memcmp(o.collection.p, TRUST_CERT, o.collection.len) == 0;
  int is_rev = o.collection.len == strlen(TRUST_REVOCATION) &&
               memcmp(o.collection.p, TRUST_REVOCATION, o.collection.len) == 0;
  if ((is_cert || is_rev) && trust_subject(&o, pk) == 0) {
    cli_hex(hex, pk, sizeof pk);
    snprintf(what, sizeof what, "the %s of %.16s...", is_cert ? "certificate" : "revocation", hex);
  } else {
    snprintf(what, sizeof what, "the op");
  }
  if (!c->trust && (is_cert || is_rev))
    fprintf(stderr, _("linli: warning: trust is off in %s/linlid.conf (no hub and district lines)\n"),
            a->data);
  rc = cli_store_op(c, what, op, len);
out:
  free(c);
  return rc;
}

static void cli_roster_json(const struct trust_info *ti, uint64_t now, int first)
{
  char hex[2 * CRDT_PK_BYTES + 1];
  cli_hex(hex, ti->pk, CRDT_PK_BYTES);
  printf("%s{\"key\":\"%s\",\"certified\":%s,\"community\":", first ? "" : ",", hex,
         ti->certified ? "true" : "false");
  cli_json_str(stdout, ti->community, strlen(ti->community));
  printf(",\"role\":\"%s\",\"not_before_ms\":%llu,\"not_after_ms\":%llu,\"revoked_at_ms\":",
         ti->district_role ? "district" : ti->hub_role ? "hub" : "community",
         (unsigned long long)ti->not_before_ms,
         (unsigned long long)ti->not_after_ms);
  if (ti->revoked_at_ms == UINT64_MAX)
    printf("null");
  else
    printf("%llu", (unsigned long long)ti->revoked_at_ms);
  printf(",\"admitted\":%s}", ti->certified && ti->revoked_at_ms > now &&
                                      now >= ti->not_before_ms && now < ti->not_after_ms
                                  ? "true"
                                  : "false");
}

static const char *cli_roster_state(const struct trust_info *ti, uint64_t now)
{
  if (ti->revoked_at_ms <= now)
    return "revoked";
  if (!ti->certified)
    return "no-certificate";
  if (now < ti->not_before_ms)
    return "not-yet-valid";
  if (now >= ti->not_after_ms)
    return "expired";
  return "valid";
}

static void cli_roster_row(const struct trust_info *ti, uint64_t now)
{
  char hex[2 * CRDT_PK_BYTES + 1], from[32], until[32], rev[32] = "-";
  cli_hex(hex, ti->pk, CRDT_PK_BYTES);
  cli_time(from, sizeof from, ti->not_before_ms);
  cli_time(until, sizeof until, ti->not_after_ms);
  if (!ti->certified)
    snprintf(from, sizeof from, "-"), snprintf(until, sizeof until, "-");
  if (ti->revoked_at_ms != UINT64_MAX)
    cli_time(rev, sizeof rev, ti->revoked_at_ms);
  printf("%-64s %-16s %-9s %-20s %-20s %-20s %s\n", hex, ti->certified ? ti->community : "-",
         ti->certified ? (ti->district_role ? "district" : ti->hub_role ? "hub" : "community") : "-",
         from, until, rev,
         cli_roster_state(ti, now));
}

int cli_cmd_roster(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct store *s = NULL;
  struct trust *t = NULL;
  struct store_config sc = {a->data, 0, 0, 0, 1};
  char hub[2 * CRDT_PK_BYTES + 1];
  int rc = CLI_FAIL, e;
  (void)cmd;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (cli_load_config(a->data, c))
    goto out;
  if (!c->trust) {
    rc = cli_fail("trust is off in %s/linlid.conf (no hub and district lines): the roster is its "
                  "peer and allow lines", a->data);
    goto out;
  }
  if ((e = store_open(&s, &sc))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", a->data,
                  cli_err(e));
    goto out;
  }
  if ((e = trust_new(&t, c->hub_pk, c->district, domain_hub_collections())) ||
      (c->has_city && (e = trust_set_city(t, c->city_pk, c->city))) || (e = trust_load(t, s))) {
    rc = cli_fail("cannot read the certificates: %s", cli_err(e));
    goto out;
  }
  uint64_t now = cli_now_ms();
  size_t n = trust_count(t);
  struct trust_info ti;
  cli_hex(hub, c->hub_pk, CRDT_PK_BYTES);
  if (a->json) {
    printf("{\"district\":");
    cli_json_str(stdout, c->district, strlen(c->district));
    printf(",\"hub\":\"%s\",\"keys\":[", hub);
    for (size_t i = 0; i < n; i++)
      if (trust_get(t, i, &ti) == 0)
        cli_roster_json(&ti, now, i == 0);
    printf("]}\n");
  } else {
    printf(_("district %s  hub %s\n\n"), c->district, hub);
    static const int w[] = {-64, -16, -9, -20, -20, -20, 0};
    static const char *const h[] = {N_("KEY"),         N_("COMMUNITY"),  N_("ROLE"), N_("VALID FROM"),
                                    N_("VALID UNTIL"), N_("REVOKED AT"), N_("STATE")};
    cli_head(7, w, h);
    for (size_t i = 0; i < n; i++)
      if (trust_get(t, i, &ti) == 0)
        cli_roster_row(&ti, now);
    if (!n)
      printf(_("(no certificates yet: enrol nodes with linli enroll on the hub)\n"));
  }
  rc = CLI_OK;
out:
  trust_free(t);
  store_close(s);
  free(c);
  return rc;
}
