/* linli key: the community's data key (node/domain/sealed.h), handed to
 * the community's other nodes sealed to each node's key (docs/protocol.md
 * 12.6), rotated when a node is revoked, kept as a printed recovery code. */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "node.h"
#include "seal.h"
#include "store.h"

#define CODE_PREFIX "linli-key1:"

static int load_id(const char *data, struct crdt_identity *id)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/node.key", data);
  int rc = crdt_identity_load(id, path);
  if (rc)
    return cli_fail("cannot read %s: %s", path, cli_err(rc));
  return CLI_OK;
}

int cli_key_create(const char *dir, const char *community, int first)
{
  struct dom_keys *ks = calloc(1, sizeof *ks);
  uint8_t key[DOM_SEAL_KEY];
  int rc = LINLI_ENOMEM;
  if (ks) {
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    rc = first ? dom_keys_add(ks, community, 1, key) : 0;
    sodium_memzero(key, sizeof key);
    if (!rc)
      rc = dom_keys_save(dir, ks);
    dom_keys_wipe(ks);
  }
  free(ks);
  return rc;
}

/* ---- grants: the key ops ---- */

/* Takes the keys granted to this node that it does not hold yet into its
 * key file, and drops the epochs the community retired (*through, the
 * highest; *dropped, how many this file held): the number taken, or an
 * error. */
static int pickup(const struct config *c, const struct crdt_identity *id, struct dom_keys *ks,
                  int *damaged, uint32_t *through, int *dropped)
{
  struct store_config sc = {c->data, 0, 0, 0, 1};
  struct store *s = NULL;
  struct store_read *rd = NULL;
  *through = 0, *dropped = 0;
  int rc = store_open(&s, &sc);
  if (rc) /* no database yet: nothing granted */
    return 0;
  if (!(rc = store_read_begin(s, &rd))) {
    struct crdt_view v = store_read_view(rd);
    rc = dom_keys_take(&v, c->scopes[0], id, ks, damaged);
    if (rc >= 0 && dom_keys_retired(&v, c->scopes[0], through) == 0 && *through)
      *dropped = dom_keys_drop(ks, c->scopes[0], *through);
    store_read_end(rd);
  }
  store_close(s);
  if (rc > 0 || (rc >= 0 && *dropped)) {
    int e = dom_keys_save(c->data, ks);
    if (e)
      return e;
  }
  return rc;
}

/* Writes one key op (a grant, a retirement) in the community's scope:
 * through linlid if it runs, else into the node opened here. */
static int write_key_op(const struct cli_args *a, const struct config *c, const char *coll,
                        const char *rkey, const struct crdt_buf *b)
{
  uint8_t req[1024], reply[512];
  struct crdt_buf rb;
  int rc;
  if (cli_daemon_running(c->data)) {
    struct crdt_mp r;
    uint32_t n;
    crdt_buf_init(&rb, req, sizeof req);
    crdt_w_array(&rb, 7);
    crdt_w_cstr(&rb, "write");
    crdt_w_cstr(&rb, c->scopes[0]);
    crdt_w_cstr(&rb, coll);
    crdt_w_cstr(&rb, rkey);
    crdt_w_uint(&rb, CRDT_SET);
    crdt_w_bin(&rb, b->p, b->len);
    crdt_w_bin(&rb, NULL, 0);
    if (crdt_buf_err(&rb))
      return cli_fail("%s", cli_err(LINLI_ETOOBIG));
    return cli_call(a, rb.p, rb.len, reply, sizeof reply, &r, &n);
  }
  struct node *nd;
  int fd;
  if ((rc = cli_node_open(c, &nd, &fd)))
    return cli_fail("cannot open the node in %s: %s", c->data, cli_err(rc));
  struct node_change ch = {c->scopes[0], coll, rkey, CRDT_SET, b->p, b->len, NULL, 0};
  rc = node_write(nd, &ch, NULL);
  cli_node_close(nd, fd);
  if (rc)
    return cli_fail("cannot write the key op: %s", cli_err(rc));
  return CLI_OK;
}

/* Writes one grant: key k sealed to pk. */
static int write_grant(const struct cli_args *a, const struct config *c, const uint8_t *pk,
                       const struct dom_key *k)
{
  uint8_t body[256];
  char rkey[2 * CRDT_PK_BYTES + 16];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  int rc = dom_grant_body(pk, k, &b, rkey, sizeof rkey);
  if (rc == LINLI_EINVAL)
    return cli_fail("NODEKEY is not a valid node key (linli pubkey on that node prints it)");
  if (rc)
    return cli_fail("%s", cli_err(rc));
  return write_key_op(a, c, DOM_GRANTS, rkey, &b);
}

static int parse_nodekey(const char *s, uint8_t pk[CRDT_PK_BYTES])
{
  size_t bl = 0;
  if (strlen(s) != 2 * CRDT_PK_BYTES ||
      sodium_hex2bin(pk, CRDT_PK_BYTES, s, strlen(s), NULL, &bl, NULL) || bl != CRDT_PK_BYTES)
    return cli_fail("NODEKEY is 64 hex digits: what linli pubkey prints on that node");
  return CLI_OK;
}

/* ---- the verbs ---- */

static int key_status(const struct cli_args *a, const struct config *c, struct dom_keys *ks)
{
  const struct dom_key *newest = dom_keys_newest(ks, c->scopes[0]);
  if (a->json) {
    printf("{\"community\":");
    cli_json_str(stdout, c->scopes[0], strlen(c->scopes[0]));
    printf(",\"sealing_epoch\":%u,\"epochs\":[", newest ? (unsigned)newest->epoch : 0u);
    for (int i = 0, first = 1; i < ks->n; i++)
      if (!strcmp(ks->k[i].scope, c->scopes[0]))
        printf("%s%u", first ? "" : ",", (unsigned)ks->k[i].epoch), first = 0;
    printf("]}\n");
    return CLI_OK;
  }
  if (!newest) {
    printf(_("no community key: personal fields of %s show as (sealed) here, and this node "
             "writes them in clear. A node of the community that holds the key gives it with: "
             "linli key grant --data DIR %s\n"),
           c->scopes[0], "NODEKEY");
    return CLI_OK;
  }
  printf(_("community %s: key epochs"), c->scopes[0]);
  for (int i = 0; i < ks->n; i++)
    if (!strcmp(ks->k[i].scope, c->scopes[0]))
      printf(" %u", (unsigned)ks->k[i].epoch);
  printf(_("; new values are sealed with epoch %u\n"), (unsigned)newest->epoch);
  return CLI_OK;
}

static int key_grant(const struct cli_args *a, const struct config *c, struct dom_keys *ks,
                     const char *nodekey)
{
  uint8_t pk[CRDT_PK_BYTES];
  if (parse_nodekey(nodekey, pk))
    return CLI_FAIL;
  int n = 0;
  for (int i = 0; i < ks->n; i++)
    if (!strcmp(ks->k[i].scope, c->scopes[0])) {
      if (write_grant(a, c, pk, &ks->k[i]))
        return CLI_FAIL;
      n++;
    }
  if (!n)
    return cli_fail("this node holds no key of community %s, so it cannot give one", c->scopes[0]);
  fprintf(stderr, _("linli: %d key epoch(s) of %s sealed to %.8s...; that node takes them when "
                    "the ops reach it (linli key status there)\n"),
          n, c->scopes[0], nodekey);
  return CLI_OK;
}

static int key_rotate(const struct cli_args *a, const struct config *c, struct dom_keys *ks,
                      uint32_t retired)
{
  const struct dom_key *newest = dom_keys_newest(ks, c->scopes[0]);
  uint8_t pk[CRDT_PK_BYTES], key[DOM_SEAL_KEY];
  /* after a retirement, a node without a key may start the next epoch */
  if (!newest && !retired)
    return cli_fail("this node holds no key of community %s to rotate", c->scopes[0]);
  uint32_t last = newest && newest->epoch > retired ? newest->epoch : retired;
  if (last == UINT32_MAX)
    return cli_fail("%s", cli_err(LINLI_ETOOBIG));
  for (int i = 0; i < a->n_to; i++)
    if (parse_nodekey(a->to[i], pk))
      return CLI_FAIL;
  uint32_t epoch = last + 1;
  crypto_aead_xchacha20poly1305_ietf_keygen(key);
  int rc = dom_keys_add(ks, c->scopes[0], epoch, key);
  sodium_memzero(key, sizeof key);
  if (rc || (rc = dom_keys_save(c->data, ks)))
    return cli_fail("cannot write the new key: %s; nothing changed", cli_err(rc));
  fprintf(stderr, _("linli: community %s now seals new values with key epoch %u\n"), c->scopes[0],
          (unsigned)epoch);
  newest = dom_keys_newest(ks, c->scopes[0]);
  for (int i = 0; i < a->n_to; i++) {
    if (parse_nodekey(a->to[i], pk) || write_grant(a, c, pk, newest))
      return CLI_FAIL;
  }
  return CLI_OK;
}

static int key_retire(const struct cli_args *a, const struct config *c, struct dom_keys *ks)
{
  const struct dom_key *newest = dom_keys_newest(ks, c->scopes[0]);
  uint8_t body[DOM_TEXT_MAX + 64];
  char rkey[24];
  struct crdt_buf b;
  if (a->community && strcmp(a->community, c->scopes[0]))
    return cli_fail("this node is community %s's, not %s's: retire on a node of %s", c->scopes[0],
                    a->community, a->community);
  if (!a->reason || !a->reason[0] || strlen(a->reason) > DOM_TEXT_MAX)
    return cli_fail("--reason takes why the personal data ends (1 to %d bytes), e.g. the "
                    "epidemic's end and who decided it",
                    DOM_TEXT_MAX);
  if (!newest)
    return cli_fail("this node holds no key of community %s: there is nothing to retire here "
                    "(a retired key, or a node that has not been given one)",
                    c->scopes[0]);
  uint32_t through = newest->epoch;
  crdt_buf_init(&b, body, sizeof body);
  int rc = dom_retire_body(through, a->reason, &b, rkey, sizeof rkey);
  if (rc)
    return cli_fail("%s", cli_err(rc));
  if (write_key_op(a, c, DOM_RETIRED, rkey, &b))
    return CLI_FAIL;
  int dropped = dom_keys_drop(ks, c->scopes[0], through);
  if ((rc = dom_keys_save(c->data, ks)))
    return cli_fail("the retirement is recorded, but this node's key file could not be rewritten: "
                    "%s; run linli key status to drop it",
                    cli_err(rc));
  printf(_("community %s: key epochs up to %u retired (%d deleted here). Every node holding them "
           "deletes its copy when the retirement reaches it; personal fields then show as "
           "(sealed) everywhere, and counts, states, certifications and rounds stay.\n"),
         c->scopes[0], (unsigned)through, dropped);
  return CLI_OK;
}

static int read_keyfile(const char *data, uint8_t **out, size_t *len)
{
  struct dom_keys *ks = calloc(1, sizeof *ks);
  char path[PATH_MAX];
  FILE *f;
  *out = NULL;
  if (!ks)
    return LINLI_ENOMEM;
  int rc = dom_keys_load(data, ks);
  int n = ks->n;
  dom_keys_wipe(ks);
  free(ks);
  if (rc)
    return rc;
  if (!n)
    return LINLI_ENOKEY;
  snprintf(path, sizeof path, "%s/%s", data, STORE_KEYS_FILE);
  if (!(f = fopen(path, "rb")))
    return -errno;
  uint8_t *b = malloc(STORE_KEYS_MAX);
  size_t got = b ? fread(b, 1, STORE_KEYS_MAX, f) : 0;
  fclose(f);
  if (!b)
    return LINLI_ENOMEM;
  *out = b, *len = got;
  return 0;
}

static int key_backup(const struct config *c)
{
  char pass[CLI_PASS_MAX];
  size_t pl = 0, fl = 0, sl = 0;
  uint8_t *file = NULL, *sealed = NULL;
  int rc = read_keyfile(c->data, &file, &fl);
  if (rc)
    return cli_fail("cannot read the community key: %s", cli_err(rc));
  if (cli_passphrase(1, pass, &pl) != CLI_OK) {
    sodium_memzero(file, fl);
    free(file);
    return CLI_FAIL;
  }
  rc = seal_passphrase(file, fl, pass, pl, crypto_pwhash_OPSLIMIT_MODERATE,
                       crypto_pwhash_MEMLIMIT_MODERATE, &sealed, &sl);
  sodium_memzero(pass, sizeof pass);
  sodium_memzero(file, fl);
  free(file);
  if (rc)
    return cli_fail("cannot seal the key: %s", cli_err(rc));
  size_t cap = sodium_base64_ENCODED_LEN(sl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *code = malloc(cap);
  if (code) {
    sodium_bin2base64(code, cap, sealed, sl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    printf("%s%s\n", CODE_PREFIX, code);
    free(code);
  }
  free(sealed);
  fprintf(stderr, _("linli: print the line above and keep it with the passphrase, apart; with "
                    "both, linli key restore puts the community key back on a new node\n"));
  return code ? CLI_OK : cli_fail("%s", cli_err(LINLI_ENOMEM));
}

static int key_restore(const struct config *c, struct dom_keys *ks, const char *code,
                       uint32_t retired)
{
  char pass[CLI_PASS_MAX];
  size_t pl = 0, bl = 0, fl = 0;
  const size_t px = sizeof CODE_PREFIX - 1;
  struct seal_header h;
  uint8_t key[32], *file = NULL;
  if (strncmp(code, CODE_PREFIX, px) != 0)
    return cli_fail("a recovery code starts with %s (what linli key backup printed)", CODE_PREFIX);
  size_t cl = strlen(code + px);
  uint8_t *bin = malloc(cl + 1);
  if (!bin)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  int rc = sodium_base642bin(bin, cl + 1, code + px, cl, " \n", &bl, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING)
               ? LINLI_EKEYFILE
               : seal_parse(bin, bl, &h);
  if (!rc && h.mode != SEAL_PASSPHRASE)
    rc = LINLI_EKEYFILE;
  if (rc) {
    free(bin);
    return cli_fail("the recovery code is damaged or incomplete: %s", cli_err(rc));
  }
  if (cli_passphrase(0, pass, &pl) != CLI_OK) {
    free(bin);
    return CLI_FAIL;
  }
  rc = seal_key_passphrase(&h, pass, pl, key);
  sodium_memzero(pass, sizeof pass);
  if (!rc)
    rc = seal_open(bin, bl, &h, key, &file, &fl);
  sodium_memzero(key, sizeof key);
  free(bin);
  struct dom_keys *got = calloc(1, sizeof *got);
  if (!rc && !got)
    rc = LINLI_ENOMEM;
  if (!rc)
    rc = dom_keys_parse(file, fl, got);
  if (file)
    sodium_memzero(file, fl), free(file);
  int added = 0, skipped = 0;
  for (int i = 0; !rc && got && i < got->n; i++) {
    if (!strcmp(got->k[i].scope, c->scopes[0]) && got->k[i].epoch <= retired) {
      skipped++; /* the community retired it: a backup does not bring it back */
      continue;
    }
    int r = dom_keys_add(ks, got->k[i].scope, got->k[i].epoch, got->k[i].key);
    if (r && r != LINLI_EEXIST)
      rc = r;
    added += r == 0;
  }
  if (got)
    dom_keys_wipe(got), free(got);
  if (!rc && added)
    rc = dom_keys_save(c->data, ks);
  if (rc)
    return cli_fail("cannot restore the key: %s; nothing changed", cli_err(rc));
  fprintf(stderr, _("linli: %d key epoch(s) restored\n"), added);
  if (skipped)
    fprintf(stderr, _("linli: %d key epoch(s) in the code were retired by the community and are "
                      "not restored\n"),
            skipped);
  return CLI_OK;
}

static int key_run(struct cli_args *a, const char *verb)
{
  struct config *c = malloc(sizeof *c);
  struct dom_keys *ks = calloc(1, sizeof *ks);
  struct crdt_identity id;
  int rc = CLI_FAIL, e, damaged = 0, dropped = 0;
  uint32_t retired = 0;
  if (!c || !ks) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  if (cli_load_config(a->data, c))
    goto out;
  if ((e = dom_keys_load(a->data, ks))) {
    rc = cli_fail("cannot read %s/%s: %s", a->data, STORE_KEYS_FILE, cli_err(e));
    goto out;
  }
  if (load_id(a->data, &id))
    goto out;
  e = pickup(c, &id, ks, &damaged, &retired, &dropped);
  crdt_identity_wipe(&id);
  if (e < 0) {
    rc = cli_fail("cannot take the keys granted to this node: %s", cli_err(e));
    goto out;
  }
  if (e > 0)
    fprintf(stderr, _("linli: took %d key epoch(s) granted to this node\n"), e);
  if (dropped)
    fprintf(stderr, _("linli: deleted %d key epoch(s) the community retired (up to %u)\n"), dropped,
            (unsigned)retired);
  if (damaged)
    fprintf(stderr, _("linli: %d key op(s) for this node do not open (damaged): ask for the key "
                      "again\n"), damaged);
  if (!strcmp(verb, "status"))
    rc = key_status(a, c, ks);
  else if (!strcmp(verb, "grant"))
    rc = key_grant(a, c, ks, a->pos[1]);
  else if (!strcmp(verb, "rotate"))
    rc = key_rotate(a, c, ks, retired);
  else if (!strcmp(verb, "retire"))
    rc = key_retire(a, c, ks);
  else if (!strcmp(verb, "backup"))
    rc = key_backup(c);
  else
    rc = key_restore(c, ks, a->pos[1], retired);
out:
  if (ks)
    dom_keys_wipe(ks);
  free(ks);
  free(c);
  return rc;
}

int cli_cmd_key(const struct cli_cmd *cmd, struct cli_args *a)
{
  const char *verb = a->pos[0];
  int want = !strcmp(verb, "grant") || !strcmp(verb, "restore") ? 2 : 1;
  if (a->n_pos != want || (a->n_to && strcmp(verb, "rotate")) ||
      (a->json && strcmp(verb, "status")) ||
      (strcmp(verb, "status") && strcmp(verb, "grant") && strcmp(verb, "rotate") &&
       strcmp(verb, "backup") && strcmp(verb, "restore")))
    return cli_usage(cmd, CLI_USAGE);
  return key_run(a, verb);
}

int cli_cmd_retire(const struct cli_cmd *cmd, struct cli_args *a)
{
  if (a->n_pos || !a->community || !a->reason)
    return cli_usage(cmd, CLI_USAGE);
  return key_run(a, "retire");
}
