/* config: the daemon's plain-text configuration file.
 *
 * One `key value...` per line; `#` starts a comment (to the end of the line);
 * blank lines are ignored; fields are separated by spaces or tabs. Keys:
 *
 *   data DIR                      the data directory (required)
 *   listen ENDPOINT               tcp://HOST:PORT to bind the ROUTER on (optional:
 *                                 without it the node only dials out)
 *   scope CODE                    repeatable; the first is the node's own
 *   peer NAME ENDPOINT PUBKEY     repeatable; a node to dial (tcp://HOST:PORT)
 *                                 and its Ed25519 public key (64 hex digits);
 *                                 a peer may also connect in
 *   allow NAME PUBKEY             repeatable; a node that may connect in
 *   control ENDPOINT              ipc:///path of the control socket
 *                                 (default ipc://DATA/control.sock)
 *   sync_interval_ms N            reconciliation period (default 30000)
 *   max_map_mb N                  the LMDB map may grow up to N MiB (default 65536)
 *   hub PUBKEY                    the district hub's Ed25519 key (64 hex digits)
 *   district CODE                 the district scope, where certificates travel
 *   hold_ms N                     how long ops of an author without a certificate
 *                                 are held before they are rejected (default 600000)
 *   peer_ops_per_s N              ops each peer may send per second, burst 2N
 *                                 (default 20000); the rest are dropped and counted
 *   peer_msgs_per_s N             messages each peer may send per second, burst 2N
 *                                 (default 2000)
 *   frame_bytes N                 the largest message this node sends (16384 ...
 *                                 1048576, default 1048576); 65536 for a slow link
 *   max_inbound N                 inbound TCP connections not yet identified as a
 *                                 roster or certified peer (default 64); past it the
 *                                 oldest is closed
 *   timezone NAME                 the district's time zone, for every date staff type
 *                                 or read: an IANA name (Asia/Shanghai, the default)
 *                                 read from /usr/share/zoneinfo (or $TZDIR), or a
 *                                 fixed offset (+08:00, UTC-5); the same on every
 *                                 node of a district
 *   on_event PROGRAM              run PROGRAM (an absolute path) for each event that
 *                                 needs a person (events.h), the event's JSON on
 *                                 its standard input
 *   event_silent_s N              a community silent for more than N s is an
 *                                 event (1 to 31536000; off without it)
 *   event_check_s N               how often the events are looked for (default
 *                                 60, 1 to 86400)
 *   summary_s N                   on the hub of a district in a city: write the daily summaries for the
 *                                 city of the communities whose ops changed, every N s
 *                                 (default 30, 1 to 86400; 0: only linli summarize)
 *
 *   staff USER NAME ROLE [pii]    repeatable; the Unix user USER (1 to 32 of A-Z a-z
 *                                 0-9 _ . -) calling the control socket is staff NAME
 *                                 (1 to 64 bytes, no space or '#': the `by` of every op
 *                                 written for them) with ROLE viewer, clerk, approver
 *                                 or admin; `pii`: they read ID numbers and phones
 *                                 unmasked (staff.h)
 *
 * The web console and /metrics (node/daemon/web/web.h, docs/operator.md
 * "The web console"), all optional:
 *   http HOST:PORT                serve the console there (an IPv4 address or
 *                                 [IPv6]; port 0: any free port, logged);
 *                                 off without it
 *   http_cert FILE, http_key FILE PEM certificate chain and key: TLS (HTTPS)
 *   http_plain_lan yes            allow plain HTTP on a non-loopback address
 *   http_metrics_token TOKEN      the bearer token /metrics asks of clients
 *                                 that are not on loopback (16 to 128 of
 *                                 A-Z a-z 0-9 - . _ ~ + / =)
 *   http_threads N                the server's thread pool (default 4, 1 to 64)
 *   http_idle_s N                 a session ends after N s unused (default
 *                                 1800, 10 to 86400)
 * A non-loopback `http` address needs http_cert and http_key unless
 * http_plain_lan is given; the two files come together.
 *
 * `hub` and `district` come together and turn trust on (trust.h): every op
 * must then pass trust_check, the node holds the district scope (added to the
 * scopes after the listed ones if no `scope` line names it), and a key may
 * connect in if it is on the `peer`/`allow` lines or holds a valid hub
 * certificate; a revoked key is refused whatever the lines say. A node whose
 * own key is the hub key is the hub.
 *
 *   city CODE PUBKEY              the city above the district (needs trust):
 *                                 its code and key. The node holds the city
 *                                 scope (added like the district scope) and
 *                                 takes the city's certificates and rounds
 *                                 there. On the city node itself CODE is its
 *                                 district and PUBKEY its hub key (linli init
 *                                 --city CODE --hub self writes them).
 *
 * Parsing is strict: an unknown key, a missing or extra field, bad hex, a bad
 * name, a duplicate name or key, a value out of range or a missing `data` or
 * `scope` is an error naming the line. No global state; the parsed config is
 * a plain struct the caller owns.
 */
#ifndef LINLI_CONFIG_H
#define LINLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"
#include "domain.h"
#include "node.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_ENDPOINT_MAX 256
#define CONFIG_NAME_MAX 32     /* peer names: [A-Za-z0-9_.-]+ */
#define CONFIG_ROSTER_MAX 64   /* peers + allowed nodes */
#define CONFIG_SCOPES_MAX NODE_SCOPES_MAX
#define CONFIG_LINE_MAX 1024
#define CONFIG_FILE_MAX (256 * 1024)
#define CONFIG_ERR_MAX 256
#define CONFIG_TIMEZONE_DEFAULT "Asia/Shanghai"
#define CONFIG_TOKEN_MAX 128
#define CONFIG_STAFF_MAX 64

/* A `staff` line. */
struct config_staff {
  char user[CONFIG_NAME_MAX + 1]; /* the Unix user */
  char name[DOM_BY_MAX + 1];      /* the staff name ops carry */
  int role;                       /* enum web_role: the console's roles */
  int pii;                        /* 1: unmasked ID numbers and phones */
};

/* The web console's keys (all empty or 0 when `http` is not given). */
struct config_http {
  char addr[CONFIG_ENDPOINT_MAX];     /* HOST:PORT as written; empty: no console */
  char cert[CONFIG_PATH_MAX], key[CONFIG_PATH_MAX]; /* both or neither: TLS */
  int plain_lan;                      /* 1: plain HTTP allowed off loopback */
  char metrics_token[CONFIG_TOKEN_MAX + 1]; /* empty: /metrics on loopback only */
  uint64_t threads, idle_s;           /* defaults 4 and 1800 */
};

struct config_peer {
  char name[CONFIG_NAME_MAX + 1];
  char endpoint[CONFIG_ENDPOINT_MAX]; /* empty for `allow` entries */
  uint8_t pk[CRDT_PK_BYTES];          /* Ed25519 public key */
  int dial;                           /* 1 for `peer`, 0 for `allow` */
};

struct config {
  char data[CONFIG_PATH_MAX];
  char listen[CONFIG_ENDPOINT_MAX]; /* empty: do not listen */
  char control[CONFIG_ENDPOINT_MAX];
  char scopes[CONFIG_SCOPES_MAX][CRDT_SCOPE_MAX + 1];
  int n_scopes;
  struct config_peer roster[CONFIG_ROSTER_MAX];
  int n_roster;
  uint64_t sync_interval_ms;
  uint64_t max_map_mb;
  int trust;                          /* 1: hub and district are set */
  uint8_t hub_pk[CRDT_PK_BYTES];
  char district[CRDT_SCOPE_MAX + 1];
  int has_city;                       /* a `city CODE PUBKEY` line (needs trust) */
  char city[CRDT_SCOPE_MAX + 1];
  uint8_t city_pk[CRDT_PK_BYTES];     /* on the city node: its own key = hub_pk */
  uint64_t hold_ms;                   /* 0: the node's default */
  uint64_t peer_ops_per_s, peer_msgs_per_s, max_inbound;
  uint64_t frame_bytes;               /* 0: NET_MSG_MAX */
  char timezone[DOM_TZ_NAME_MAX];     /* its name (config_zone_load reads it) */
  char lang[8];                       /* the CLI's language: "zh-CN", "zh", "en" or "" */
  struct config_http http;            /* the web console (http* keys) */
  char on_event[CONFIG_PATH_MAX];     /* the event hook, "" none */
  uint64_t event_silent_s;            /* 0: silence is no event */
  uint64_t event_check_s;             /* default 60 */
  uint64_t summary_s;                 /* a hub's summaries pass (default 30; 0: none) */
  int summary_given;
  struct config_staff staff[CONFIG_STAFF_MAX];
  int n_staff;
};

/* 1 if scope is no community's: the district scope, the city scope, or on
 * the city node any of its scopes (the city's and its districts'); else 0. */
int config_is_trust_scope(const struct config *c, const char *scope);
/* The community scopes of c (every scope but the trust scopes), in their
 * order, into out (CONFIG_SCOPES_MAX): how many. */
int config_community_scopes(const struct config *c, const char **out);

/* Parses text[0..len) (any bytes; it need not end in a NUL). On failure
 * returns LINLI_EINVAL and writes "line N: what is wrong" into err, or
 * LINLI_ETOOBIG for a text over CONFIG_FILE_MAX bytes, saying so; *c is
 * then unspecified. err (errcap bytes, may be NULL) always ends up a
 * NUL-terminated string: empty on success, else the reason truncated to fit. */
int config_parse(struct config *c, const char *text, size_t len, char *err, size_t errcap);

/* Reads and parses the file at path. -errno if unreadable (err says which
 * file). */
int config_load(struct config *c, const char *path, char *err, size_t errcap);
/* Adds the line "scope SCOPE" to the config file at path unless it holds
 * the scope already (as linli enroll does on the hub for a new community):
 * the new text must load; it replaces the file atomically (PATH.tmp, fsync,
 * rename, the same mode). 1 added, 0 there already, or an error (err says
 * why). */
int config_add_scope(const char *path, const char *scope, char *err, size_t errcap);

/* Writes the text of a fresh config for a new node into out (cap bytes):
 * data, listen (may be NULL), scope, hub and district (both NULL: no
 * trust; hub_hex is 64 hex digits), hub_addr (may be NULL: with it, a
 * "peer hub" line that dials the hub) and a commented example of each other
 * key. Returns the length, or LINLI_ETOOBIG. */
int config_template(char *out, size_t cap, const char *data, const char *listen,
                    const char *scope, const char *district, const char *hub_hex,
                    const char *hub_addr);

/* 0 if name could be a zoneinfo name (A-Z a-z 0-9 / _ + -, no "..", not
 * absolute), LINLI_EINVAL otherwise. */
int config_check_zone(const char *name);
/* The zone `name` (c->timezone): a fixed offset, or the zoneinfo file
 * $TZDIR/name (default /usr/share/zoneinfo); without the file, the zones of
 * China (no summer time) and UTC are known by offset. 0, or an error with a
 * sentence in err. */
int config_zone_load(const char *name, struct dom_tz *tz, char *err, size_t errcap);

/* Fills nc for node_open() from c and the node's identity: nc points into c
 * and id, which must outlive the node's opening. */
void config_node(const struct config *c, const struct crdt_identity *id, struct node_config *nc);

/* The address of an `http` value: HOST:PORT with HOST an IPv4 address or
 * [IPv6]. 0 with *addr filled (len in *len) and *loopback 1 for 127.0.0.0/8
 * and ::1, or LINLI_EINVAL. */
struct sockaddr_storage;
int config_http_addr(const char *s, struct sockaddr_storage *addr, unsigned *len, int *loopback);

/* The roster entry whose key is pk, or -1. */
int config_find_key(const struct config *c, const uint8_t pk[CRDT_PK_BYTES]);

/* 0 if s (len bytes) is a valid peer name, LINLI_ENAME otherwise. */
int config_check_name(const char *s, size_t len);

#endif
