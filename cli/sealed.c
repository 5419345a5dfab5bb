/* Bundles on a USB stick: encrypted by linli export, opened by linli import
 * (node/seal.h has the format). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "seal.h"

#define PASS_MAX 1024
#define PASS_MIN 8

/* One line without its newline into buf: from the terminal without echo
 * when stdin is one, else the first line of stdin. */
static int read_line(const char *prompt, char *buf, size_t cap)
{
  struct termios old, quiet;
  int tty = isatty(STDIN_FILENO);
  if (tty) {
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    } else {
      tty = 0;
    }
  }
  char *got = fgets(buf, (int)cap, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
  }
  if (!got)
    return -1;
  size_t n = strlen(buf);
  if (n && buf[n - 1] == '\n')
    buf[--n] = 0;
  else if (n == cap - 1)
    return -2; /* longer than the buffer */
  if (n && buf[n - 1] == '\r')
    buf[--n] = 0;
  return (int)n;
}

/* The passphrase into pass (PASS_MAX); twice on a terminal when new. */
int cli_passphrase(int is_new, char *pass, size_t *len)
{
  char again[PASS_MAX];
  int n = read_line(is_new ? "新口令 passphrase: " : "口令 passphrase: ", pass, PASS_MAX);
  if (n == -2)
    return cli_fail("the passphrase is longer than %d bytes", PASS_MAX - 2);
  if (n < 0)
    return cli_fail("no passphrase given (type it on the terminal, or give it as the first "
                    "line of standard input)");
  if (is_new && n < PASS_MIN)
    return cli_fail("a passphrase of at least %d characters is needed", PASS_MIN);
  if (is_new && isatty(STDIN_FILENO)) {
    int m = read_line("再输一次 again: ", again, sizeof again);
    int same = m == n && sodium_memcmp(again, pass, (size_t)n) == 0;
    sodium_memzero(again, sizeof again);
    if (!same)
      return cli_fail("the two passphrases differ; nothing was written");
  }
  *len = (size_t)n;
  return CLI_OK;
}

/* --to VALUE: 64 hex digits, "self" or "hub". */
static int parse_key(const struct config *c, const struct crdt_identity *self, const char *v,
                     uint8_t pk[CRDT_PK_BYTES])
{
  size_t bl = 0;
  if (!strcmp(v, "self")) {
    memcpy(pk, self->pk, CRDT_PK_BYTES);
    return CLI_OK;
  }
  if (!strcmp(v, "hub")) {
    if (!c->trust)
      return cli_fail("--to hub: this node has no hub in its configuration");
    memcpy(pk, c->hub_pk, CRDT_PK_BYTES);
    return CLI_OK;
  }
  if (strlen(v) != 2 * CRDT_PK_BYTES ||
      sodium_hex2bin(pk, CRDT_PK_BYTES, v, strlen(v), NULL, &bl, NULL) != 0 || bl != CRDT_PK_BYTES)
    return cli_fail("--to takes a node's public key (64 hex digits, from linli pubkey on that "
                    "node), 'self' or 'hub'");
  return CLI_OK;
}

static int load_key(const char *data, struct crdt_identity *id)
{
  char key[CONFIG_PATH_MAX + 16];
  snprintf(key, sizeof key, "%s/node.key", data);
  int rc = crdt_identity_load(id, key);
  if (rc)
    return cli_fail("cannot load %s: %s", key, cli_err(rc));
  return CLI_OK;
}

int cli_bundle_write(const struct cli_args *a, const struct config *c, struct store *s,
                     const char *const *scopes, int n_scopes)
{
  const char *path = a->pos[0];
  int modes = (a->n_to > 0) + a->passphrase + a->plain;
  if (modes > 1)
    return cli_fail("give one of --to, --passphrase and --plain");
  if (a->plain) {
    int rc = bundle_export(s, scopes, n_scopes, 0, path);
    if (rc < 0)
      return cli_fail("cannot write %s: %s", path, cli_err(rc));
    printf(_("%d ops written to %s, NOT encrypted\n"), rc, path);
    fprintf(stderr, _("linli: warning: %s holds names, ID numbers and phone numbers in clear; "
                    "anyone who finds the stick can read them\n"), path);
    return CLI_OK;
  }
  uint8_t keys[SEAL_RECIPIENTS_MAX][CRDT_PK_BYTES];
  int n_keys = 0, ret = CLI_FAIL;
  char pass[PASS_MAX], who[160] = "";
  size_t pass_len = 0;
  struct crdt_identity self;
  if (a->passphrase) {
    if (cli_passphrase(1, pass, &pass_len) != CLI_OK)
      goto wipe;
    snprintf(who, sizeof who, _("with the passphrase"));
  } else {
    if (load_key(a->data, &self) != CLI_OK)
      return CLI_FAIL;
    if (a->n_to == 0) {
      memcpy(keys[n_keys++], self.pk, CRDT_PK_BYTES);
      if (c->trust && sodium_memcmp(c->hub_pk, self.pk, CRDT_PK_BYTES) != 0)
        memcpy(keys[n_keys++], c->hub_pk, CRDT_PK_BYTES);
      snprintf(who, sizeof who, "%s", n_keys > 1 ? _("to this node and its hub") : _("to this node"));
    }
    for (int i = 0; i < a->n_to; i++) {
      if (parse_key(c, &self, a->to[i], keys[n_keys]) != CLI_OK) {
        crdt_identity_wipe(&self);
        return CLI_FAIL;
      }
      int dup = 0;
      for (int j = 0; j < n_keys; j++)
        dup |= !memcmp(keys[j], keys[n_keys], CRDT_PK_BYTES);
      n_keys += !dup;
    }
    crdt_identity_wipe(&self);
    if (a->n_to)
      snprintf(who, sizeof who, ngettext("to %d node key", "to %d node keys", (unsigned long)n_keys),
               n_keys);
  }
  uint8_t *plain = NULL, *sealed = NULL;
  size_t plain_len = 0, sealed_len = 0;
  int ops = bundle_export_mem(s, scopes, n_scopes, 0, &plain, &plain_len);
  if (ops < 0) {
    cli_fail("cannot read the ops to write: %s", cli_err(ops));
    goto wipe;
  }
  int rc = a->passphrase ? seal_passphrase(plain, plain_len, pass, pass_len,
                                           crypto_pwhash_OPSLIMIT_MODERATE,
                                           crypto_pwhash_MEMLIMIT_MODERATE, &sealed, &sealed_len)
                         : seal_to_keys(plain, plain_len, (const uint8_t(*)[CRDT_PK_BYTES])keys,
                                        n_keys, &sealed, &sealed_len);
  sodium_memzero(plain, plain_len);
  free(plain);
  if (rc == LINLI_EINVAL && !a->passphrase)
    cli_fail("a --to key is not a valid node key; nothing was written");
  else if (rc)
    cli_fail("cannot encrypt the bundle: %s; nothing was written", cli_err(rc));
  else if ((rc = crdt_file_replace(path, sealed, sealed_len, 0600)))
    cli_fail("cannot write %s: %s", path, cli_err(rc));
  else {
    printf(_("%d ops written to %s, encrypted %s (mode 600)\n"), ops, path, who);
    ret = CLI_OK;
  }
  free(sealed);
wipe:
  sodium_memzero(pass, sizeof pass);
  return ret;
}

int cli_bundle_read(const struct cli_args *a, const char *path, uint8_t **buf, const uint8_t ***ops,
                    size_t **lens, size_t *n)
{
  uint8_t *file = NULL, *plain = NULL, key[32];
  size_t size = 0, plain_len = 0;
  struct seal_header h;
  *buf = NULL, *ops = NULL, *lens = NULL, *n = 0;
  int rc = bundle_read_raw(path, &file, &size);
  if (rc)
    return cli_fail("cannot read %s: %s; nothing was imported", path, cli_err(rc));
  if (!seal_is_sealed(file, size)) {
    if ((rc = bundle_parse(file, size, ops, lens, n))) {
      free(file);
      return cli_fail("%s is not a complete bundle: %s; nothing was imported", path,
                      cli_err(rc));
    }
    *buf = file;
    return CLI_OK;
  }
  if ((rc = seal_parse(file, size, &h))) {
    free(file);
    return cli_fail("%s is not a complete encrypted bundle: %s; nothing was imported", path,
                    cli_err(rc));
  }
  if (h.mode == SEAL_PASSPHRASE) {
    char pass[PASS_MAX];
    size_t pass_len = 0;
    if (cli_passphrase(0, pass, &pass_len) != CLI_OK) {
      free(file);
      return CLI_FAIL;
    }
    rc = seal_key_passphrase(&h, pass, pass_len, key);
    sodium_memzero(pass, sizeof pass);
  } else {
    struct crdt_identity id;
    if (load_key(a->data, &id) != CLI_OK) {
      free(file);
      return CLI_FAIL;
    }
    rc = seal_key_node(&h, &id, key);
    crdt_identity_wipe(&id);
  }
  if (!rc)
    rc = seal_open(file, size, &h, key, &plain, &plain_len);
  sodium_memzero(key, sizeof key);
  free(file);
  if (rc)
    return cli_fail("cannot open %s: %s; nothing was imported", path, cli_err(rc));
  if ((rc = bundle_parse(plain, plain_len, ops, lens, n))) {
    sodium_memzero(plain, plain_len);
    free(plain);
    return cli_fail("%s opened, but what it holds is not a complete bundle: %s; nothing was "
                    "imported", path, cli_err(rc));
  }
  *buf = plain;
  return CLI_OK;
}
