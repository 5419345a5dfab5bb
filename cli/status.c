/* linli status: the running daemon's state, through the control socket
 * (reply layout: docs/operator.md "Control protocol"). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "control.h"
#include "transport.h"

void cli_time(char *out, size_t cap, uint64_t ms)
{
  time_t s = (time_t)(ms / 1000u);
  struct tm tm;
  if (!ms || !gmtime_r(&s, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(out, cap, "never");
}

static void cli_status_json(const struct control_node_st *st, const struct control_peer_st *p, int np,
                            const struct control_peer_st *tot)
{
  printf("{\"running\":true,\"scope\":");
  cli_json_str(stdout, st->scope, strlen(st->scope));
  printf(",\"key\":\"%s\",\"ops\":%llu,\"hlc\":%llu,\"rejected\":%llu,\"malformed_msgs\":%llu,"
         "\"uptime_s\":%llu,\"held\":%llu,\"purged\":%llu,\"rejected_by\":{",
         st->key, (unsigned long long)st->ops, (unsigned long long)st->hlc,
         (unsigned long long)st->rejected, (unsigned long long)st->malformed,
         (unsigned long long)st->uptime_s, (unsigned long long)st->held,
         (unsigned long long)st->purged);
  for (int i = 0; i < st->n_why; i++)
    printf("%s\"%s\":%llu", i ? "," : "", linli_errname(st->why[i]),
           (unsigned long long)st->why_n[i]);
  printf("},\"peers\":[");
  for (int i = 0; i <= np; i++) {
    const struct control_peer_st *q = i < np ? &p[i] : tot;
    if (i == np)
      printf("],\"totals\":{");
    else
      printf("%s{\"name\":\"%s\",\"key\":\"%s\",\"dial\":%s,\"connected\":%s,\"refused\":%s,",
             i ? "," : "", q->name, q->key, q->dial ? "true" : "false",
             q->connected ? "true" : "false", q->refused ? "true" : "false");
    printf("\"last_sync_ms\":%llu,\"behind\":%llu,\"ops_in\":%llu,\"ops_out\":%llu,"
           "\"bytes_in\":%llu,\"bytes_out\":%llu,\"rejected\":%llu,\"bad_msgs\":%llu,"
           "\"dropped\":%llu}",
           (unsigned long long)q->last_sync_ms, (unsigned long long)q->behind,
           (unsigned long long)q->ops_in, (unsigned long long)q->ops_out,
           (unsigned long long)q->bytes_in, (unsigned long long)q->bytes_out,
           (unsigned long long)q->rejected, (unsigned long long)q->bad_msgs,
           (unsigned long long)q->dropped);
  }
  printf("}\n");
}

static void cli_status_row(const char *name, const char *link, const char *conn,
                           const struct control_peer_st *q)
{
  char when[32];
  cli_time(when, sizeof when, q->last_sync_ms);
  printf("%-16s %-4s %-9s %-20s %8llu %9llu %9llu %11llu %11llu %8llu %8llu\n", name, link, conn,
         when, (unsigned long long)q->behind, (unsigned long long)q->ops_in,
         (unsigned long long)q->ops_out, (unsigned long long)q->bytes_in,
         (unsigned long long)q->bytes_out, (unsigned long long)q->rejected,
         (unsigned long long)q->bad_msgs);
}

static void cli_status_table(const struct control_node_st *st, const struct control_peer_st *p, int np,
                             const struct control_peer_st *tot)
{
  char clock[32];
  cli_time(clock, sizeof clock, CRDT_HLC_MS(st->hlc));
  printf(_("node %s  key %.16s...  running %llus\n"), st->scope, st->key,
         (unsigned long long)st->uptime_s);
  printf(_("ops stored %llu  clock %s  rejected ops %llu  malformed messages %llu\n"),
         (unsigned long long)st->ops, clock, (unsigned long long)st->rejected,
         (unsigned long long)st->malformed);
  printf(_("held ops %llu (waiting for their author's certificate)  purged ops %llu (by revocations)\n"),
         (unsigned long long)st->held, (unsigned long long)st->purged);
  if (st->n_why)
    printf(_("rejected ops by reason:\n"));
  for (int i = 0; i < st->n_why; i++)
    printf("  %-18s %8llu  %s\n", linli_errname(st->why[i]), (unsigned long long)st->why_n[i],
           cli_err(st->why[i]));
  printf("\n");
  if (!np) {
    printf(_("no peers configured (add peer or allow lines to linlid.conf)\n"));
    return;
  }
  static const int w[] = {-16, -4, -9, -20, 8, 9, 9, 11, 11, 8, 8};
  static const char *const h[] = {N_("PEER"),     N_("LINK"),     N_("CONNECTED"), N_("LAST SYNC"),
                                  N_("BEHIND"),   N_("OPS IN"),   N_("OPS OUT"),   N_("BYTES IN"),
                                  N_("BYTES OUT"), N_("REJECTED"), N_("BAD MSGS")};
  cli_head(11, w, h);
  for (int i = 0; i < np; i++)
    cli_status_row(p[i].name, p[i].dial ? "dial" : "in",
                   p[i].refused ? "refused" : p[i].connected ? "yes" : "no", &p[i]);
  char conn[16];
  snprintf(conn, sizeof conn, "%d/%d", (int)tot->connected, np);
  cli_status_row("total", "", conn, tot);
}

static void cli_status_add(struct control_peer_st *tot, const struct control_peer_st *q)
{
  tot->connected += q->connected;
  if (q->last_sync_ms > tot->last_sync_ms)
    tot->last_sync_ms = q->last_sync_ms;
  tot->behind += q->behind;
  tot->ops_in += q->ops_in;
  tot->ops_out += q->ops_out;
  tot->bytes_in += q->bytes_in;
  tot->bytes_out += q->bytes_out;
  tot->rejected += q->rejected;
  tot->bad_msgs += q->bad_msgs;
  tot->dropped += q->dropped;
}

int cli_cmd_status(const struct cli_cmd *cmd, struct cli_args *a)
{
  uint8_t req[16], *reply = malloc(TRANSPORT_REPLY_MAX);
  struct control_peer_st *p = calloc(TRANSPORT_LINKS_MAX, sizeof *p), tot;
  struct control_node_st st;
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n, np = 0;
  int rc = CLI_FAIL;
  (void)cmd;
  memset(&tot, 0, sizeof tot);
  if (!reply || !p) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  crdt_buf_init(&b, req, sizeof req);
  crdt_w_array(&b, 1);
  crdt_w_cstr(&b, "status");
  if (cli_call(a, b.p, b.len, reply, TRANSPORT_REPLY_MAX, &r, &n)) {
    if (a->json && !cli_daemon_running(a->data))
      printf("{\"running\":false}\n");
    goto out;
  }
  if (n != 3 || control_reply_node(&r, &st) || crdt_mp_array(&r, &np) || np > TRANSPORT_LINKS_MAX) {
    rc = cli_fail("linlid sent a malformed status reply");
    goto out;
  }
  for (uint32_t i = 0; i < np; i++) {
    if (control_reply_peer(&r, &p[i])) {
      rc = cli_fail("linlid sent a malformed status reply");
      goto out;
    }
    cli_status_add(&tot, &p[i]);
  }
  if (a->json)
    cli_status_json(&st, p, (int)np, &tot);
  else
    cli_status_table(&st, p, (int)np, &tot);
  rc = CLI_OK;
out:
  free(reply);
  free(p);
  return rc;
}
