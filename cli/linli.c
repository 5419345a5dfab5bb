/* linli: main, the helpers every command shares, and the commands that
 * write (init, put) or name things (pubkey). The command table and argument
 * parsing are in commands.c, reads in show.c, status in status.c, digest in
 * digest.c. Operator guide: docs/operator.md. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "staff.h"
#include "domain.h"
#include "verbs.h"
#include "store.h"
#include "transport.h"
#include "trust.h"

/* ---- shared helpers ---- */

int cli_fail(const char *fmt, ...)
{
  va_list ap;
  fputs(_("linli: "), stderr);
  va_start(ap, fmt);
  vfprintf(stderr, _(fmt), ap);
  va_end(ap);
  fputc('\n', stderr);
  return CLI_FAIL;
}

int cli_usage(const struct cli_cmd *cmd, int code)
{
  FILE *f = code ? stderr : stdout;
  fprintf(f, _("usage: linli %s %s\n"), cmd->name, cmd->usage);
  if (code == 0)
    fprintf(f, "%s\n", _(cmd->help));
  if (code == 0 && (cmd->run == cli_cmd_import_csv || cmd->run == cli_cmd_export_csv)) {
    fputs(_("  Collections:"), f); /* from the domain table */
    for (int i = 0, col = 15; i < DOM_N_COLLECTIONS; i++) {
      const char *n = domain_collections[i].name;
      if (col + (int)strlen(n) + 1 > 79)
        fputs("\n ", f), col = 1;
      fprintf(f, " %s", n);
      col += (int)strlen(n) + 1;
    }
    fputc('\n', f);
  }
  return code;
}

void cli_hex(char *out, const uint8_t *b, size_t n)
{
  sodium_bin2hex(out, 2 * n + 1, b, n);
}

int cli_load_config(const char *data, struct config *c)
{
  char path[PATH_MAX], err[CONFIG_ERR_MAX + PATH_MAX];
  snprintf(path, sizeof path, "%s/linlid.conf", data);
  if (access(path, R_OK) != 0 && (errno == EACCES || errno == EPERM)) {
    struct stat st;
    struct passwd *pw = stat(data, &st) == 0 ? getpwuid(st.st_uid) : NULL;
    char owner[64];
    if (pw)
      snprintf(owner, sizeof owner, "%s", pw->pw_name);
    else
      snprintf(owner, sizeof owner, "uid %u", (unsigned)st.st_uid);
    return cli_fail("permission denied: %s belongs to %s (a node's directory is theirs alone, mode "
                    "700); run linli as that user, e.g. runuser -u %s -- linli ...",
                    data, owner, pw ? pw->pw_name : "USER");
  }
  if (access(path, F_OK) != 0)
    return cli_fail("%s has no linlid.conf; is it a node directory? (create one with linli init)",
                    data);
  if (config_load(c, path, err, sizeof err))
    return cli_fail("config %s", err);
  /* As linlid checks at start: a copied node directory whose data line
   * still names the original would otherwise read and write the original. */
  char here[PATH_MAX], there[PATH_MAX];
  if (realpath(data, here) && realpath(c->data, there) && strcmp(here, there) != 0)
    return cli_fail("%s: its data line names %s, another directory (a copied node directory? "
                    "set its data line to %s)",
                    path, c->data, here);
  struct dom_tz tz;
  if (config_zone_load(c->timezone, &tz, err, sizeof err))
    return cli_fail("config %s: %s", path, err);
  cli_i18n_config(c);
  /* a role without pii reads ID numbers and phones masked (staff.h) */
  struct staff_who who;
  staff_resolve(c, (long)getuid(), staff_owner(data), &who);
  dom_mask_pii = !who.pii;
  return CLI_OK;
}

int cli_daemon_running(const char *data)
{
  return cli_daemon_pid(data) != 0;
}

int cli_call(const struct cli_args *a, const uint8_t *req, size_t len, uint8_t *reply,
             size_t cap, struct crdt_mp *r, uint32_t *n)
{
  struct config *c = malloc(sizeof *c);
  struct cli_outcome o;
  const uint8_t *got_reply;
  char msg[512];
  int code, rc = CLI_FAIL;
  size_t at;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if (cli_load_config(a->data, c))
    goto out;
  if (!cli_daemon_running(a->data)) {
    rc = cli_fail("linlid is not running on %s; start it with: linlid --data %s", a->data, a->data);
    goto out;
  }
  int got = cli_ctl(c, req, len, NULL, &got_reply, &o);
  if (got < 0) {
    rc = cli_fail("linlid did not answer on %s: %s", c->control, cli_err(got));
    goto out;
  }
  if ((size_t)got > cap) {
    rc = cli_fail("linlid's reply is larger than %zu bytes", cap);
    goto out;
  }
  memcpy(reply, got_reply, (size_t)got);
  if (control_reply_open(r, reply, (size_t)got, n, &code, msg, sizeof msg, &at)) {
    rc = cli_fail("linlid sent a malformed reply");
    goto out;
  }
  if (code != 0) {
    rc = cli_fail("linlid refused the request: %s", msg);
    goto out;
  }
  rc = CLI_OK;
out:
  free(c);
  return rc;
}

uint64_t cli_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- init, pubkey ---- */

static int cli_write_new(const char *path, const char *text, size_t len)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  ssize_t w = write(fd, text, len);
  int rc = 0;
  if (w < 0 || fsync(fd) < 0)
    rc = -errno;
  else if ((size_t)w != len)
    rc = LINLI_EIO;
  if (close(fd) < 0 && !rc)
    rc = -errno;
  return rc;
}

static int cli_make_dir(const char *dir, char *abs, size_t cap)
{
  char path[PATH_MAX];
  struct stat st;
  /* missing parents first (mode 700 too: they lead to a node's data) */
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return cli_fail("cannot create %s: %s", path, strerror(errno));
      *p = '/';
    }
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return cli_fail("cannot create %s: %s", dir, strerror(errno));
  if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
    return cli_fail("%s is not a directory", dir);
  if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
    return cli_fail("cannot chmod 700 %s: %s", dir, strerror(errno));
  snprintf(path, sizeof path, "%s/node.key", dir);
  if (access(path, F_OK) == 0)
    return cli_fail("%s already holds a node key; pick an empty directory", dir);
  if (!realpath(dir, abs) || strlen(abs) >= cap)
    return cli_fail("cannot resolve %s: %s", dir, strerror(errno));
  return CLI_OK;
}

int cli_cmd_init(const struct cli_cmd *cmd, struct cli_args *a)
{
  char abs[PATH_MAX], path[PATH_MAX + 16], text[4096], hex[2 * CRDT_PK_BYTES + 1];
  struct config check;
  uint8_t seed[CRDT_SEED_BYTES];
  struct crdt_identity id;
  int rc;
  uint8_t hub_pk[CRDT_PK_BYTES];
  size_t bl = 0;
  int self = a->hub && strcmp(a->hub, "self") == 0;
  uint8_t city_pk[CRDT_PK_BYTES];
  int city_node = a->city && !a->city_key; /* the city itself: --city CODE --hub self */
  if (city_node && (!self || (a->community && strcmp(a->community, a->city)) ||
                    (a->district && strcmp(a->district, a->city))))
    return cli_fail("the city node is made with --city CODE --hub self (its scope and district are "
                    "CODE); a district or community node of the city adds --city-key KEY");
  if (city_node)
    a->community = a->district = a->city;
  if (!a->community || !a->district != !a->hub || (a->city_key && !a->city) ||
      (a->city && !a->hub))
    return cli_usage(cmd, CLI_USAGE);
  if (a->city && crdt_check_scope(a->city, strlen(a->city)))
    return cli_fail("city code '%s' must be 1 to %d characters of A-Z a-z 0-9 _ . -", a->city,
                    CRDT_SCOPE_MAX);
  if (a->city_key && (strlen(a->city_key) != 2 * CRDT_PK_BYTES ||
                      sodium_hex2bin(city_pk, sizeof city_pk, a->city_key, strlen(a->city_key),
                                     NULL, &bl, NULL) ||
                      bl != CRDT_PK_BYTES || !strcmp(a->city, a->district)))
    return cli_fail("--city-key takes the city node's public key (64 hex digits, from linli pubkey "
                    "on the city), and the city's code differs from the district's");
  if (a->hub_addr && (!a->hub || self))
    return cli_fail("--hub-addr is the hub's address for a community node: give it with --hub KEY");
  if (a->hub_addr && (strncmp(a->hub_addr, "tcp://", 6) != 0 || strchr(a->hub_addr, ' ')))
    return cli_fail("--hub-addr takes the hub's listen address, tcp://HOST:PORT (its linlid.conf "
                    "listen line)");
  if (crdt_check_scope(a->community, strlen(a->community)))
    return cli_fail("community code '%s' must be 1 to %d characters of A-Z a-z 0-9 _ . -",
                    a->community, CRDT_SCOPE_MAX);
  if (a->district && crdt_check_scope(a->district, strlen(a->district)))
    return cli_fail("district code '%s' must be 1 to %d characters of A-Z a-z 0-9 _ . -",
                    a->district, CRDT_SCOPE_MAX);
  if (a->hub && !self &&
      (strlen(a->hub) != 2 * CRDT_PK_BYTES ||
       sodium_hex2bin(hub_pk, sizeof hub_pk, a->hub, strlen(a->hub), NULL, &bl, NULL) ||
       bl != CRDT_PK_BYTES))
    return cli_fail("--hub takes the hub's public key (64 hex digits, from linli pubkey on the "
                    "hub) or 'self' on the hub itself");
  if (cli_make_dir(a->data, abs, CONFIG_PATH_MAX))
    return CLI_FAIL;
  randombytes_buf(seed, sizeof seed);
  rc = crdt_identity_from_seed(&id, seed);
  sodium_memzero(seed, sizeof seed);
  if (rc)
    return cli_fail("cannot make a key: %s", cli_err(rc));
  cli_hex(hex, id.pk, sizeof id.pk);
  rc = config_template(text, sizeof text, abs, a->listen, a->community, a->district,
                       self ? hex : a->hub, a->hub_addr);
  if (rc >= 0 && a->city) { /* the city above the district (config.h) */
    int k = snprintf(text + rc, sizeof text - (size_t)rc, "city %s %s\n", a->city,
                     city_node ? hex : a->city_key);
    rc = k < 0 || (size_t)k >= sizeof text - (size_t)rc ? LINLI_ETOOBIG : rc + k;
  }
  if (rc < 0 || config_parse(&check, text, (size_t)rc, path, sizeof path)) {
    crdt_identity_wipe(&id);
    return cli_fail("the config would be invalid: %s", rc < 0 ? cli_err(rc) : path);
  }
  snprintf(path, sizeof path, "%s/node.key", abs);
  if ((rc = crdt_identity_save(&id, path))) {
    crdt_identity_wipe(&id);
    return cli_fail("cannot write %s: %s", path, cli_err(rc));
  }
  if ((a->hub && !self) || (self && a->city_key)) { /* a district hub asks the city */
    snprintf(path, sizeof path, "%s/enroll-request.txt", abs);
    rc = trust_request_write(path, &id, self ? a->district : a->community);
  }
  crdt_identity_wipe(&id);
  if (rc)
    return cli_fail("cannot write %s: %s", path, cli_err(rc));
  if (!self && (rc = cli_key_create(abs, a->community, !a->join)))
    return cli_fail("cannot write %s/%s: %s", abs, STORE_KEYS_FILE, cli_err(rc));
  snprintf(path, sizeof path, "%s/linlid.conf", abs);
  if ((rc = cli_write_new(path, text, strlen(text))))
    return cli_fail("cannot write %s: %s", path, cli_err(rc));
  printf("%s\n", hex);
  if (city_node)
    fprintf(stderr, _("linli: city node %s created in %s; give the key above to every district hub "
                    "(linli init --city %s --city-key KEY) and certify each hub with linli enroll "
                    "of its enroll-request.txt\n"), a->city, abs, a->city);
  else if (self && a->city_key)
    fprintf(stderr, _("linli: hub of district %s in city %s created in %s; carry %s/enroll-request.txt "
                    "to the city node (linli enroll there) and enrol this district's nodes with "
                    "linli enroll here\n"), a->district, a->city, abs, abs);
  else if (self)
    fprintf(stderr, _("linli: hub of district %s created in %s; give the key above to every node "
                    "(linli init --hub KEY) and enrol them with linli enroll\n"), a->district, abs);
  else if (a->hub)
    fprintf(stderr, _("linli: node created in %s for community %s. Carry %s/enroll-request.txt to the "
                    "hub (USB stick or mail) and run there: linli enroll --data HUBDIR "
                    "enroll-request.txt; bring back the cert-%s-%.8s.op it writes and run: linli "
                    "import-cert --data %s FILE%s\n"),
            abs, a->community, abs, a->community, hex, abs,
            a->hub_addr ? " (or let the node fetch it when it syncs with the hub)"
                        : ". This node has no peer: it syncs with nobody until its linlid.conf has a "
                          "line 'peer hub tcp://HOST:PORT HUBKEY' (or run linli init with --hub-addr)");
  else
    fprintf(stderr, _("linli: node created in %s for community %s; give the key above to its peers\n"),
            abs, a->community);
  return CLI_OK;
}

int cli_cmd_pubkey(const struct cli_cmd *cmd, struct cli_args *a)
{
  char path[PATH_MAX], hex[2 * CRDT_PK_BYTES + 1];
  struct crdt_identity id;
  (void)cmd;
  snprintf(path, sizeof path, "%s/node.key", a->data);
  int rc = crdt_identity_load(&id, path);
  if (rc)
    return cli_fail("cannot read %s: %s", path, cli_err(rc));
  cli_hex(hex, id.pk, sizeof id.pk);
  crdt_identity_wipe(&id);
  printf("%s\n", hex);
  return CLI_OK;
}

/* ---- put ---- */

struct cli_field {
  const char *name;
  size_t name_len;
  const char *value;
};

static int cli_field_cmp(const void *x, const void *y)
{
  const struct cli_field *a = x, *b = y;
  size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
  int c = memcmp(a->name, b->name, n);
  return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static void cli_put_value(struct crdt_buf *b, const char *v)
{
  char *end = NULL;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  int plain = *v && (v[0] == '-' ? v[1] >= '1' && v[1] <= '9' : v[0] >= '0' && v[0] <= '9') &&
              !(v[0] == '0' && v[1]);
  if (plain && !errno && end && !*end)
    crdt_w_int(b, x);
  else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
    crdt_w_bool(b, v[0] == 't');
  else
    crdt_w_cstr(b, v);
}

/* The canonical body map: fields sorted by name bytes. */
static int cli_put_body(struct cli_args *a, struct crdt_buf *b)
{
  struct cli_field f[CLI_POS_MAX];
  int n = a->n_pos - 2;
  for (int i = 0; i < n; i++) {
    const char *arg = a->pos[i + 2], *eq = strchr(arg, '=');
    if (!eq || eq == arg)
      return cli_fail("'%s' is not field=value", arg);
    f[i] = (struct cli_field){arg, (size_t)(eq - arg), eq + 1};
    if (crdt_check_ident(arg, f[i].name_len, CRDT_FIELD_MAX))
      return cli_fail("field name '%.*s' must be 1 to %d characters of a-z 0-9 _",
                      (int)f[i].name_len, arg, CRDT_FIELD_MAX);
  }
  qsort(f, (size_t)n, sizeof f[0], cli_field_cmp);
  crdt_w_map(b, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    if (i && cli_field_cmp(&f[i - 1], &f[i]) == 0)
      return cli_fail("field '%.*s' is given twice", (int)f[i].name_len, f[i].name);
    crdt_w_str(b, f[i].name, f[i].name_len);
    cli_put_value(b, f[i].value);
  }
  if (crdt_buf_err(b) || b->len > CRDT_BODY_MAX_BYTES)
    return cli_fail("the record is larger than %d bytes", CRDT_BODY_MAX_BYTES);
  return CLI_OK;
}

/* put of a collection the table knows: its set verb, every value encoded
 * by its field's type and checked as the verb checks it (dom_plan). */
static int cli_put_typed(struct cli_args *a, int coll)
{
  struct cli_writer *w = NULL;
  struct dom_plan *p = NULL;
  int rc, stored;
  if ((rc = cli_writer_open(&w, a->data)))
    return rc;
  if (!(p = malloc(sizeof *p))) {
    cli_writer_close(w);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  struct dom_req r = {.coll = coll, .verb = DOM_V_SET, .key = a->pos[1], .args = a->pos + 2,
                      .n_args = a->n_pos - 2, .scope = a->scope};
  rc = cli_plan_write(w, &r, "linli put", p, &stored);
  free(p);
  cli_writer_close(w);
  return rc;
}

int cli_cmd_put(const struct cli_cmd *cmd, struct cli_args *a)
{
  uint8_t body[CRDT_BODY_MAX_BYTES + 1024], req[CRDT_BODY_MAX_BYTES + 2048], reply[256];
  struct crdt_buf bb, rb;
  struct crdt_mp r;
  uint32_t n, len;
  const uint8_t *id;
  char hex[2 * CRDT_ID_BYTES + 1];
  (void)cmd;
  const char *coll = a->pos[0], *key = a->pos[1];
  if (crdt_check_ident(coll, strlen(coll), CRDT_COLLECTION_MAX))
    return cli_fail("collection '%s' must be 1 to %d characters of a-z 0-9 _", coll,
                    CRDT_COLLECTION_MAX);
  const char *why = crdt_key_problem(key, strlen(key));
  if (why)
    return cli_fail("the record key %s (docs/protocol.md 3.3: 1 to %d bytes of text, NFC, no "
                    "control or invisible characters)", why, CRDT_KEY_MAX);
  const struct dom_collection *dc = domain_find(coll, strlen(coll));
  if (dc && !a->raw)
    return cli_put_typed(a, domain_coll_id(dc));
  if (!dc && !a->raw) {
    char names[512];
    size_t at = 0;
    for (int i = 0; i < DOM_N_COLLECTIONS && at < sizeof names; i++)
      at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "",
                             domain_collections[i].name);
    fprintf(stderr, _("linli put: no collection %s; the collections are %s (--raw writes it all the "
                    "same, for a newer schema)\n"), coll, names);
    return CLI_USAGE;
  }
  crdt_buf_init(&bb, body, sizeof body);
  if (cli_put_body(a, &bb))
    return CLI_FAIL;
  /* Parents: the values this write replaces (those the node holds now), so
   * an overwrite is not shown as a conflict; only writes that did not see
   * each other are. */
  uint8_t parents[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t np = 0;
  if (cli_frontier_of(a->data, a->scope, coll, key, bb.p, bb.len, parents, &np))
    np = 0; /* no database yet: nothing to replace */
  crdt_buf_init(&rb, req, sizeof req);
  crdt_w_array(&rb, 7);
  crdt_w_cstr(&rb, "write");
  if (a->scope)
    crdt_w_cstr(&rb, a->scope);
  else
    crdt_w_nil(&rb);
  crdt_w_cstr(&rb, coll);
  crdt_w_cstr(&rb, key);
  crdt_w_uint(&rb, CRDT_SET);
  crdt_w_bin(&rb, bb.p, bb.len);
  crdt_w_bin(&rb, parents, (size_t)np * CRDT_ID_BYTES);
  if (crdt_buf_err(&rb))
    return cli_fail("%s", cli_err(LINLI_ETOOBIG));
  if (cli_call(a, rb.p, rb.len, reply, sizeof reply, &r, &n))
    return CLI_FAIL;
  if (n != 2 || crdt_mp_bin(&r, &id, &len) || len != CRDT_ID_BYTES)
    return cli_fail("linlid sent a malformed reply");
  cli_hex(hex, id, CRDT_ID_BYTES);
  printf("%s\n", hex);
  return CLI_OK;
}

int main(int argc, char **argv)
{
  struct cli_args a;
  memset(&a, 0, sizeof a);
  cli_i18n_init(&argc, argv);
  if (argc < 2)
    return cli_main_usage(stderr, CLI_USAGE);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
    return cli_main_usage(stdout, CLI_OK);
  struct cli_found found;
  const struct cli_cmd *cmd = cli_find(argv[1], &found);
  if (!cmd) {
    return cli_no_command(argv[1]);
  }
  int rc = cli_parse(cmd, argc - 2, argv + 2, &a);
  if (rc < 0 && (cmd->opts & CLI_O_VERBS)) {
    a.help = 1;
    return cmd->run(cmd, &a);
  }
  if (rc)
    return cli_usage(cmd, rc < 0 ? CLI_OK : CLI_USAGE);
  if (crdt_init())
    return cli_fail("%s", cli_err(LINLI_ECRYPTO));
  return cmd->run(cmd, &a);
}
