/* linli digest: the state digest of a node, per scope it holds, and with
 * --compare the last reconciliation of each scope with each peer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"
#include "transport.h"

static int digest_one(struct store *s, const char *scope, char hex[2 * CRDT_DIGEST_BYTES + 1])
{
  uint8_t prefix[CRDT_SCOPE_MAX + 1], d[CRDT_DIGEST_BYTES];
  int pl = 0, rc;
  if (scope) {
    pl = crdt_row_prefix(prefix, sizeof prefix, scope, strlen(scope), NULL, 0, NULL, 0);
    if (pl < 0)
      return pl;
  }
  if ((rc = store_digest(s, scope ? prefix : NULL, (size_t)pl, d)))
    return rc;
  cli_hex(hex, d, sizeof d);
  return 0;
}

/* One scope's line of --compare: 1 when the round found the same ops. */
static int compare_line(const struct cli_args *a, int first, const char *peer, const char *scope,
                        uint64_t at, uint64_t sent, uint64_t need)
{
  char when[40];
  int same = at && !sent && !need;
  cli_time(when, sizeof when, at);
  if (a->json) {
    printf("%s{\"peer\":", first ? "" : ",");
    cli_json_str(stdout, peer, strlen(peer));
    printf(",\"scope\":");
    cli_json_str(stdout, scope, strlen(scope));
    printf(",\"last_round_ms\":%llu,\"it_lacked\":%llu,\"we_lacked\":%llu,\"same\":%s}",
           (unsigned long long)at, (unsigned long long)sent, (unsigned long long)need,
           same ? "true" : "false");
  } else if (!at) {
    printf(_("%-24s %-16s no round completed here yet (linlid on one side starts each round)\n"),
           peer, scope);
  } else if (same) {
    printf(_("%-24s %-16s the same ops at %s\n"), peer, scope, when);
  } else {
    printf(_("%-24s %-16s differed at %s: it lacked %llu op(s), this node %llu; they were sent "
             "in that round\n"),
           peer, scope, when, (unsigned long long)sent, (unsigned long long)need);
  }
  return same;
}

/* --compare: ["compare"] to linlid. Exit 0 only when the last round of every
 * common scope with every peer found the same ops. */
static int digest_compare(struct cli_args *a)
{
  uint8_t req[16], *reply = malloc(TRANSPORT_REPLY_MAX);
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n, nl;
  int rc = CLI_FAIL, scopes = 0, same = 0;
  if (!reply)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  crdt_buf_init(&b, req, sizeof req);
  control_enc_verb(&b, "compare");
  if (cli_call(a, b.p, b.len, reply, TRANSPORT_REPLY_MAX, &r, &n))
    goto out;
  if (n != 2 || crdt_mp_array(&r, &nl))
    goto bad;
  if (a->json)
    printf("[");
  for (uint32_t i = 0; i < nl; i++) {
    char peer[CONFIG_NAME_MAX + 1];
    const char *s;
    uint32_t len, m, ns;
    if (crdt_mp_array(&r, &m) || m != 2 || crdt_mp_str(&r, &s, &len) || len >= sizeof peer ||
        crdt_mp_array(&r, &ns))
      goto bad;
    memcpy(peer, s, len);
    peer[len] = 0;
    for (uint32_t k = 0; k < ns; k++) {
      char scope[CRDT_SCOPE_MAX + 1];
      uint64_t at, sent, need;
      if (crdt_mp_array(&r, &m) || m != 4 || crdt_mp_str(&r, &s, &len) || len >= sizeof scope ||
          crdt_mp_uint(&r, &at) || crdt_mp_uint(&r, &sent) || crdt_mp_uint(&r, &need))
        goto bad;
      memcpy(scope, s, len);
      scope[len] = 0;
      same += compare_line(a, !scopes, peer, scope, at, sent, need);
      scopes++;
    }
  }
  if (a->json) {
    printf("]\n");
  } else if (!scopes) {
    printf(_("no peer holds a scope with this node now (is a peer connected? see linli status)\n"));
  } else {
    printf(ngettext("%d of %d scope-peer pair found the same ops in its last round\n",
                    "%d of %d scope-peer pairs found the same ops in their last round\n", scopes),
           same, scopes);
  }
  rc = scopes && same == scopes ? CLI_OK : CLI_FAIL;
  goto out;
bad:
  rc = cli_fail("linlid sent a malformed compare reply");
out:
  free(reply);
  return rc;
}

int cli_cmd_digest(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct store *s = NULL;
  struct store_config sc = {a->data, 0, 0, 0, 1};
  struct config c;
  char hex[2 * CRDT_DIGEST_BYTES + 1];
  int rc;
  (void)cmd;
  if (a->compare)
    return digest_compare(a);
  if (a->scope && crdt_check_scope(a->scope, strlen(a->scope)))
    return cli_fail("'%s' is not a scope code", a->scope);
  if (!a->scope && cli_load_config(a->data, &c))
    return CLI_FAIL;
  if ((rc = store_open(&s, &sc)))
    return cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", a->data,
                    cli_err(rc));
  rc = digest_one(s, a->scope, hex);
  if (!rc)
    printf("%s\n", hex);
  /* Without --scope: the scopes the node holds, each with its own digest,
   * to compare with a peer's digest --scope S. */
  for (int i = 0; !rc && !a->scope && i < c.n_scopes; i++)
    if (!(rc = digest_one(s, c.scopes[i], hex)))
      printf(_("  scope %-16s %s\n"), c.scopes[i], hex);
  store_close(s);
  if (rc)
    return cli_fail("cannot compute the digest: %s", cli_err(rc));
  return CLI_OK;
}
