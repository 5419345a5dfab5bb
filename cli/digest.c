/* linli digest: the state digest of a node, per scope it holds, and with
 * --compare a round of each scope with each peer, started for the check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* --compare: how long to wait for the rounds it starts. */
#define COMPARE_WAIT_MS 15000

/* One (peer, scope) pair of a compare reply. */
struct pair {
  char peer[CONFIG_NAME_MAX + 1];
  char scope[CRDT_SCOPE_MAX + 1];
  int dial; /* this node dials the peer, so its rounds start here */
  uint64_t at, sent, need;
};

/* A ["compare"] reply (r at its first value, n the count) into *ps (malloc'd,
 * *np pairs): 0, or -1 when it is malformed. */
static int compare_parse(struct crdt_mp *r, uint32_t n, struct pair **ps, size_t *np)
{
  uint32_t nl, m, ns, len;
  const char *s;
  size_t cap = 0;
  *ps = NULL, *np = 0;
  if (n != 2 || crdt_mp_array(r, &nl))
    return -1;
  for (uint32_t i = 0; i < nl; i++) {
    struct pair l;
    int dial;
    memset(&l, 0, sizeof l);
    if (crdt_mp_array(r, &m) || m != 3 || crdt_mp_str(r, &s, &len) || len >= sizeof l.peer ||
        crdt_mp_bool(r, &dial) || crdt_mp_array(r, &ns))
      return -1;
    memcpy(l.peer, s, len);
    l.dial = dial;
    for (uint32_t k = 0; k < ns; k++) {
      if (crdt_mp_array(r, &m) || m != 4 || crdt_mp_str(r, &s, &len) || len >= sizeof l.scope ||
          crdt_mp_uint(r, &l.at) || crdt_mp_uint(r, &l.sent) || crdt_mp_uint(r, &l.need))
        return -1;
      memcpy(l.scope, s, len);
      l.scope[len] = 0;
      if (*np == cap) {
        cap = cap ? 2 * cap : 16;
        struct pair *g = realloc(*ps, cap * sizeof *g);
        if (!g)
          return -1;
        *ps = g;
      }
      (*ps)[(*np)++] = l;
    }
  }
  return 0;
}

/* One pair's line of --compare: 1 when its round found the same ops (and,
 * on a link this node dials, it is the round started at since). */
static int compare_line(const struct cli_args *a, int first, const struct pair *l, uint64_t since)
{
  char when[40];
  int fresh = !l->dial || l->at >= since;
  int same = l->at && fresh && !l->sent && !l->need;
  cli_time(when, sizeof when, l->at);
  if (a->json) {
    printf("%s{\"peer\":", first ? "" : ",");
    cli_json_str(stdout, l->peer, strlen(l->peer));
    printf(",\"scope\":");
    cli_json_str(stdout, l->scope, strlen(l->scope));
    printf(",\"dial\":%s,\"fresh\":%s,\"last_round_ms\":%llu,\"it_lacked\":%llu,\"we_lacked\":%llu,"
           "\"same\":%s}",
           l->dial ? "true" : "false", l->dial && fresh ? "true" : "false",
           (unsigned long long)l->at, (unsigned long long)l->sent, (unsigned long long)l->need,
           same ? "true" : "false");
  } else if (!l->at) {
    printf(_("%-24s %-16s no round completed here yet (linlid on one side starts each round)\n"),
           l->peer, l->scope);
  } else if (!fresh) {
    printf(_("%-24s %-16s no new round completed within %d s (the last one, at %s, is not "
             "counted)\n"),
           l->peer, l->scope, COMPARE_WAIT_MS / 1000, when);
  } else if (same) {
    printf(l->dial ? _("%-24s %-16s the same ops at %s\n")
                   : _("%-24s %-16s the same ops at %s (that node starts the rounds on this link)\n"),
           l->peer, l->scope, when);
  } else {
    printf(_("%-24s %-16s differed at %s: it lacked %llu op(s), this node %llu; they were sent "
             "in that round\n"),
           l->peer, l->scope, when, (unsigned long long)l->sent, (unsigned long long)l->need);
  }
  return same;
}

/* --compare: ["sync"] to linlid, which starts a round with every peer it
 * dials, then ["compare"] until each of those rounds has completed (at most
 * COMPARE_WAIT_MS); a link the peer dials shows its last round. Exit 0 only
 * when every common scope with every peer was found the same, in a round of
 * this check where this node dials. */
static int digest_compare(struct cli_args *a)
{
  uint8_t req[16], *reply = malloc(TRANSPORT_REPLY_MAX);
  struct crdt_buf b;
  struct crdt_mp r;
  struct pair *ps = NULL;
  size_t np = 0;
  uint32_t n;
  int rc = CLI_FAIL, same = 0;
  if (!reply)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  uint64_t since = cli_now_ms();
  crdt_buf_init(&b, req, sizeof req);
  control_enc_verb(&b, "sync");
  if (cli_call(a, b.p, b.len, reply, TRANSPORT_REPLY_MAX, &r, &n))
    goto out;
  crdt_buf_init(&b, req, sizeof req);
  control_enc_verb(&b, "compare");
  for (;;) {
    free(ps);
    if (cli_call(a, b.p, b.len, reply, TRANSPORT_REPLY_MAX, &r, &n))
      goto out;
    if (compare_parse(&r, n, &ps, &np))
      goto bad;
    size_t waiting = 0;
    for (size_t i = 0; i < np; i++)
      waiting += ps[i].dial && ps[i].at < since;
    if (!waiting || cli_now_ms() - since >= COMPARE_WAIT_MS)
      break;
    struct timespec pause = {0, 100 * 1000000L};
    nanosleep(&pause, NULL);
  }
  if (a->json)
    printf("[");
  for (size_t i = 0; i < np; i++)
    same += compare_line(a, !i, &ps[i], since);
  if (a->json) {
    printf("]\n");
  } else if (!np) {
    printf(_("no peer holds a scope with this node now (is a peer connected? see linli status)\n"));
  } else {
    printf(ngettext("%d of %d scope-peer pair found the same ops in its last round\n",
                    "%d of %d scope-peer pairs found the same ops in their last round\n", (int)np),
           same, (int)np);
  }
  rc = np && (size_t)same == np ? CLI_OK : CLI_FAIL;
  goto out;
bad:
  rc = cli_fail("linlid sent a malformed compare reply");
out:
  free(ps);
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
