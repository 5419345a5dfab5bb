/* web: the node's web console and /metrics, served by linlid.
 *
 * linlid starts it when its config has `http HOST:PORT` (config.h, "The web
 * console"); docs/operator.md "The web console" is the operator's guide.
 * Pages are server-rendered HTML in Simplified Chinese (English when the
 * browser asks for it first, or ?lang=en), with no script, no resource from
 * outside the node and no build step; every page reads the domain table
 * (node/domain/domain.h) and the same report, rule and plan code as the CLI.
 *
 * Threads, and why a page never blocks the node. The server runs in
 * libmicrohttpd's own threads: one listening thread and a pool of
 * config http_threads workers. A page handler never touches struct node,
 * which is single-threaded and belongs to the daemon's loop (transport.c):
 *   - it reads through its own LMDB read transaction (store_read_begin on
 *     the node's store, or the report functions' own): MVCC, so it never
 *     blocks the writer and the writer never blocks it;
 *   - it writes exactly as the CLI does: each change of a plan (dom_plan,
 *     checked against the page's read snapshot) is one ["write", ...]
 *     request on the daemon's control socket (docs/operator.md "Control
 *     protocol"). The loop serves that socket between its other work, one
 *     request at a time, and answers after the commit; so the writes of
 *     pages, of the CLI and of sync are serialised by the one loop, and a
 *     form is acknowledged only after its ops are durable;
 *   - status and /metrics read the control socket's "status" and "limits"
 *     replies: the node's counters, copied by the loop.
 * The web's own state (sessions, login counters, the account table, the
 * request counters, a cache of the headline figures) is shared by the pool
 * threads under one mutex, held only to look a table up: never across a
 * store read, a password hash or a control request.
 *
 * The map: LMDB may not grow its map while another thread of the process
 * holds a read transaction, so with the console on linlid opens the store
 * at its full size (config_node: map_size = max_map_mb), and it never
 * grows while a page reads.
 *
 * Security: loopback by default; a non-loopback address needs TLS (http_cert,
 * http_key; GnuTLS inside libmicrohttpd) unless http_plain_lan is given, and
 * the log says which. Sessions are random 256-bit tokens in an HttpOnly,
 * SameSite=Strict cookie (Secure under TLS), kept as their BLAKE2b hash,
 * ending after http_idle_s unused or WEB_SESSION_MAX_S in all, and when the
 * account's role or password changes or it is removed. Every form carries a
 * CSRF token (the session's; the login form a cookie's own); a POST without
 * it, or from another origin, is refused. Logins are limited per address
 * (WEB_FAILS_ADDR) and per account (WEB_FAILS_ACCOUNT) failures in
 * WEB_FAILS_WINDOW_S; past them the next attempt is refused unchecked.
 * Every response carries a strict Content-Security-Policy (no script, no
 * inline style, nothing from elsewhere), and every value from the records
 * is HTML-escaped. Logs name accounts and addresses, never record contents.
 */
#ifndef LINLI_WEB_H
#define LINLI_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define WEB_SESSIONS_MAX 512
#define WEB_SESSION_MAX_S (12 * 3600)
#define WEB_FAILS_ACCOUNT 10
#define WEB_FAILS_ADDR 30
#define WEB_FAILS_WINDOW_S (15 * 60)
#define WEB_BODY_MAX (512 * 1024) /* bytes of a POST body */
#define WEB_PAGE_MAX (16u << 20)  /* bytes of a page */

struct web;

struct web_opts {
  const struct config *cfg;   /* must outlive the server */
  const uint8_t *node_pk;     /* the node's Ed25519 key (CRDT_PK_BYTES): is it the hub? */
  struct store *store;        /* the node's store, read from the pool threads */
  /* One event, no newline, no personal data; called from any thread. */
  void (*log)(void *arg, const char *line);
  void *log_arg;
  /* Clocks, for tests; NULL: CLOCK_REALTIME and CLOCK_MONOTONIC in ms. */
  uint64_t (*wall_ms)(void *arg);
  uint64_t (*mono_ms)(void *arg);
  void *clock_arg;
};

/* Starts the server on cfg->http.addr (TLS with http_cert/http_key).
 * 0, or an error with a sentence in err; *out NULL then. Logs "http
 * listening on ADDR:PORT (https|plain http ...)". */
int web_start(struct web **out, const struct web_opts *o, char *err, size_t errcap);
/* The TCP port it listens on (useful with port 0). */
int web_port(const struct web *w);
/* Stops accepting, waits for the requests in flight, frees everything. */
void web_stop(struct web *w);

#endif
