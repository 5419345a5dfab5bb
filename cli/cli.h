/* linli, the staff command line: declarations shared by the files of cli/.
 *
 * Exit codes: CLI_OK 0, CLI_FAIL 1 (the command ran and failed: a sentence
 * on stderr says why), CLI_USAGE 2 (the command line is wrong). */
#ifndef LINLI_CLI_H
#define LINLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <libintl.h>

#include "config.h"
#include "crdt.h"

/* Messages staff read are marked _() (or N_() where the text is a
 * constant translated later): cli/i18n.c, po/zh_CN.po. cli_fail's format
 * is translated by cli_fail itself. */
#define _(s) gettext(s)
#define N_(s) (s)
void cli_i18n_init(int *argc, char **argv);
void cli_i18n_config(const struct config *c);
/* linli_strerror(err), translated. */
const char *cli_err(int err);
/* A table's header: n names (marked N_, printed translated), each padded
 * to w[i] display columns (negative: left-aligned, as %-8s; the last is not
 * padded), then a newline. */
void cli_head(int n, const int *w, const char *const *h);
/* One row of n cells as cli_head lays them out (w: -N left, N right
 * aligned, in display columns), the text as given. */
void cli_cells(int n, const int *w, const char *const *v);
/* 1 when linli speaks Chinese; the table's text in that language. */
int cli_zh(void);
struct dom_text;
const char *cli_tx(struct dom_text t);

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

#define CLI_POS_MAX 300
#define CLI_CONTROL_TIMEOUT_MS 5000

/* Options a command accepts (bits of cli_cmd.opts). */
#define CLI_O(n) ((uint64_t)1 << (n))
enum {
  CLI_O_DATA_N, CLI_O_JSON_N, CLI_O_SCOPE_N, CLI_O_COMMUNITY_N, CLI_O_LISTEN_N, CLI_O_DISTRICT_N,
  CLI_O_HUB_N, CLI_O_DAYS_N, CLI_O_REASON_N, CLI_O_OUT_N, CLI_O_TEMP_N, CLI_O_DATE_N,
  CLI_O_PERSON_N, CLI_O_VISITOR_N, CLI_O_DIRECTION_N, CLI_O_PURPOSE_N, CLI_O_RESIDENT_N,
  CLI_O_COMPOUND_N, CLI_O_CATEGORY_N, CLI_O_START_N, CLI_O_COUGH_N, CLI_O_VERBS_N, CLI_O_RAW_N,
  CLI_O_WHERE_N, CLI_O_SINCE_N, CLI_O_UNTIL_N, CLI_O_GRID_N, CLI_O_SORT_N, CLI_O_LIMIT_N,
  CLI_O_WIDE_N, CLI_O_VOIDED_N, CLI_O_HOUSEHOLD_N, CLI_O_KIND_N, CLI_O_FEVER_N, CLI_O_OPEN_N,
  CLI_O_CLOSED_N, CLI_O_DUEBY_N, CLI_O_DESC_N, CLI_O_HTML_N, CLI_O_CLEAR_N, CLI_O_FORCE_N, CLI_O_ENCODING_N, CLI_O_PLAIN_N, CLI_O_ROLE_N,
  CLI_O_TO_N, CLI_O_PASSPHRASE_N, CLI_O_HUBADDR_N,
  CLI_O_PENDING_N, CLI_O_BUILDING_N, CLI_O_SUPPLY_N, CLI_O_COMPARE_N, CLI_O_CITY_N,
  CLI_O_CITYKEY_N, CLI_O_JOIN_N, CLI_O_PII_N,
};
#define CLI_O_DATA CLI_O(CLI_O_DATA_N)
#define CLI_O_JSON CLI_O(CLI_O_JSON_N)
#define CLI_O_SCOPE CLI_O(CLI_O_SCOPE_N)
#define CLI_O_COMMUNITY CLI_O(CLI_O_COMMUNITY_N)
#define CLI_O_LISTEN CLI_O(CLI_O_LISTEN_N)
#define CLI_O_DISTRICT CLI_O(CLI_O_DISTRICT_N)
#define CLI_O_HUB CLI_O(CLI_O_HUB_N)
#define CLI_O_DAYS CLI_O(CLI_O_DAYS_N)
#define CLI_O_REASON CLI_O(CLI_O_REASON_N)
#define CLI_O_OUT CLI_O(CLI_O_OUT_N)
/* the staff verbs (verbs.h) */
#define CLI_O_TEMP CLI_O(CLI_O_TEMP_N)
#define CLI_O_DATE CLI_O(CLI_O_DATE_N)
#define CLI_O_PERSON CLI_O(CLI_O_PERSON_N)
#define CLI_O_VISITOR CLI_O(CLI_O_VISITOR_N)
#define CLI_O_DIRECTION CLI_O(CLI_O_DIRECTION_N)
#define CLI_O_PURPOSE CLI_O(CLI_O_PURPOSE_N)
#define CLI_O_RESIDENT CLI_O(CLI_O_RESIDENT_N)
#define CLI_O_COMPOUND CLI_O(CLI_O_COMPOUND_N)
#define CLI_O_CATEGORY CLI_O(CLI_O_CATEGORY_N)
#define CLI_O_START CLI_O(CLI_O_START_N)
#define CLI_O_COUGH CLI_O(CLI_O_COUGH_N) /* a flag */
#define CLI_O_VERBS CLI_O(CLI_O_VERBS_N) /* the command has verbs, each with its own --help */
#define CLI_O_RAW CLI_O(CLI_O_RAW_N)     /* a flag: linli put of what the table does not know */
/* lists (records.c, verbs.c): filters, order, width */
#define CLI_O_WHERE CLI_O(CLI_O_WHERE_N) /* repeatable */
#define CLI_O_SINCE CLI_O(CLI_O_SINCE_N)
#define CLI_O_UNTIL CLI_O(CLI_O_UNTIL_N)
#define CLI_O_GRID CLI_O(CLI_O_GRID_N)
#define CLI_O_SORT CLI_O(CLI_O_SORT_N)
#define CLI_O_LIMIT CLI_O(CLI_O_LIMIT_N)
#define CLI_O_WIDE CLI_O(CLI_O_WIDE_N)     /* a flag */
#define CLI_O_VOIDED CLI_O(CLI_O_VOIDED_N) /* a flag */
#define CLI_O_HOUSEHOLD CLI_O(CLI_O_HOUSEHOLD_N)
#define CLI_O_KIND CLI_O(CLI_O_KIND_N)
#define CLI_O_FEVER CLI_O(CLI_O_FEVER_N)   /* a flag */
#define CLI_O_OPEN CLI_O(CLI_O_OPEN_N)     /* a flag */
#define CLI_O_CLOSED CLI_O(CLI_O_CLOSED_N) /* a flag */
#define CLI_O_DUEBY CLI_O(CLI_O_DUEBY_N)
#define CLI_O_DESC CLI_O(CLI_O_DESC_N)     /* a flag */
#define CLI_O_HTML CLI_O(CLI_O_HTML_N)
#define CLI_O_CLEAR CLI_O(CLI_O_CLEAR_N) /* repeatable */
#define CLI_O_FORCE CLI_O(CLI_O_FORCE_N) /* a flag: past a check a clerk may override */
#define CLI_O_ENCODING CLI_O(CLI_O_ENCODING_N)
#define CLI_O_PLAIN CLI_O(CLI_O_PLAIN_N) /* a flag */
#define CLI_O_JOIN CLI_O(CLI_O_JOIN_N)   /* a flag: init of a community's second node */
#define CLI_O_PII CLI_O(CLI_O_PII_N)     /* a flag: user add: ID numbers and phones whole */
#define CLI_O_ROLE CLI_O(CLI_O_ROLE_N)   /* linli user add: --role */
#define CLI_O_TO CLI_O(CLI_O_TO_N)       /* linli export --to KEY, repeatable */
#define CLI_O_PASSPHRASE CLI_O(CLI_O_PASSPHRASE_N) /* a flag: read a passphrase */
#define CLI_O_HUBADDR CLI_O(CLI_O_HUBADDR_N)       /* linli init --hub-addr */
#define CLI_O_PENDING CLI_O(CLI_O_PENDING_N) /* a flag: linli approvals --pending */
#define CLI_O_BUILDING CLI_O(CLI_O_BUILDING_N) /* supply order add|totals: --building */
#define CLI_O_SUPPLY CLI_O(CLI_O_SUPPLY_N)     /* a flag: linli report --supply */
#define CLI_O_COMPARE CLI_O(CLI_O_COMPARE_N)   /* a flag: linli digest --compare */
#define CLI_O_CITY CLI_O(CLI_O_CITY_N)         /* linli init --city CODE */
#define CLI_O_CITYKEY CLI_O(CLI_O_CITYKEY_N)   /* linli init --city-key HEX */
/* What every list takes. */
#define CLI_O_LIST                                                                                 \
  (CLI_O_WHERE | CLI_O_SINCE | CLI_O_UNTIL | CLI_O_COMPOUND | CLI_O_GRID | CLI_O_SORT |            \
   CLI_O_LIMIT | CLI_O_WIDE | CLI_O_VOIDED | CLI_O_DESC | CLI_O_JSON | CLI_O_SCOPE)

#define CLI_WHERE_MAX 8
#define CLI_ARG_MAX 640 /* bytes of one field=value built from an option */

struct cli_args {
  const char *data, *scope, *community, *listen, *district, *hub, *days, *reason, *out;
  const char *temp, *date, *person, *visitor, *direction, *purpose, *resident, *compound,
      *category, *start;
  const char *since, *until, *grid, *sort, *limit, *household, *kind, *due_by, *html, *encoding;
  const char *role;     /* linli user add --role */
  const char *hub_addr; /* linli init --hub-addr */
  const char *city, *city_key; /* linli init --city CODE [--city-key HEX] */
  const char *building; /* supply order add|totals --building */
  int supply;           /* linli report --supply */
  int compare;          /* linli digest --compare */
  const char *where[CLI_WHERE_MAX];
  int n_where;
  const char *clear[CLI_WHERE_MAX];
  int n_clear;
  const char *to[CLI_WHERE_MAX]; /* linli export --to */
  int n_to;
  int json, cough, raw, wide, voided, fever, open, closed, desc, force, plain, passphrase, pending,
      pii;
  int join;
  int help; /* --help was given: run() prints the help of its verb (CLI_O_VERBS) */
  const char *pos[CLI_POS_MAX];
  int n_pos;
};

struct cli_cmd {
  const char *name;
  int (*run)(const struct cli_cmd *cmd, struct cli_args *a);
  uint64_t opts;
  int pos_min, pos_max; /* positional arguments; pos_max -1: no limit */
  const char *usage;
  const char *help;
};

/* The value given for option opt ("--temp"), "yes" for a flag that was
 * given (--cough), or NULL. */
const char *cli_opt_get(const struct cli_args *a, const char *opt);

/* commands.c: the command table and the command line. */
/* A command of the table, or one of the domain table's (records.c fills
 * tmp and its text in buf). */
struct cli_found {
  struct cli_cmd tmp;
  char buf[512];
};
/* The command called name (in the table, or f->tmp), or NULL. */
const struct cli_cmd *cli_find(const char *name, struct cli_found *f);
/* "linli: no command 'stauts'; did you mean 'status'?" and that command's
 * usage line on stderr; returns CLI_USAGE. */
int cli_no_command(const char *name);
/* Every command's usage line on f; returns code. */
int cli_main_usage(FILE *f, int code);
/* Parses argc/argv (after the command's name) into *a for cmd: 0,
 * CLI_USAGE (said why, or too few/many arguments), or -1 for --help. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a);
/* linli.c: the commands that write (init, put) or name things (pubkey). */
int cli_cmd_init(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_pubkey(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_put(const struct cli_cmd *cmd, struct cli_args *a);

/* Prints "linli: <message>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *fmt, ...);
/* Prints the command's usage line and returns code (stdout for 0). */
int cli_usage(const struct cli_cmd *cmd, int code);

/* Loads DIR/linlid.conf into c; prints why not and returns CLI_FAIL. */
int cli_load_config(const char *data, struct config *c);
struct node;
/* Opens the node of c->data in this process under linlid.lock, for work
 * with the daemon stopped: LINLI_EEXIST if a daemon holds the lock. */
int cli_node_open(const struct config *c, struct node **n, int *lockfd);
void cli_node_close(struct node *n, int lockfd);
/* One op through the running daemon's control socket: what node_import_one
 * answers there (1 new, 0 already there, LINLI_EPENDING held, a reason). */
int cli_import_daemon(const struct config *c, const uint8_t *op, size_t len);

/* 1 if a linlid holds the lock of the data directory, 0 if not. */
int cli_daemon_running(const char *data);
/* The pid of the linlid holding the lock, or 0. */
#include <sys/types.h>
pid_t cli_daemon_pid(const char *data);

/* control.c: one request to the running linlid over the run's one link.
 * Returns the reply's length (*reply valid until the next call), or an
 * error (-ECONNREFUSED: no linlid; -ETIMEDOUT: it did not answer within
 * CLI_CONTROL_TIMEOUT_MS). A batch (request: its NODE_REQUEST_BYTES id)
 * waits as long as the same linlid runs; if it stops or restarts first,
 * 0 is returned with o->lost set and o->committed saying whether the
 * batch committed (o->ops, o->added, o->first as node_request_state). */
struct cli_outcome {
  int lost, committed;
  uint64_t ops, added;
  uint8_t first[CRDT_ID_BYTES];
};
int cli_ctl(const struct config *c, const uint8_t *req, size_t len, const uint8_t *request,
            const uint8_t **reply, struct cli_outcome *o);
void cli_request_id(uint8_t id[16]);
/* After a request that makes linlid reopen its node (reload): waits until
 * a fresh connection answers status, up to timeout_ms (the control socket
 * stays open through a reload; requests wait in it). 0, -ETIMEDOUT, or
 * -ECONNREFUSED (linlid stopped). */
int cli_ctl_settle(const struct config *c, int timeout_ms);
/* Sends a request to the daemon's control socket; on success *r is at the
 * reply's element after the status 0, and *n is the reply's array count.
 * Prints why not (daemon down, refused request) and returns CLI_FAIL. */
/* A passphrase (cli/sealed.c): from the terminal without echo (twice when
 * is_new), or the first line of stdin; pass holds CLI_PASS_MAX bytes. */
#define CLI_PASS_MAX 1024
int cli_passphrase(int is_new, char *pass, size_t *len);
int cli_cmd_key(const struct cli_cmd *cmd, struct cli_args *a);
/* linli retire: key_retire of key.c (issue 20 item 5). */
int cli_cmd_retire(const struct cli_cmd *cmd, struct cli_args *a);
/* After an export: says on stderr how many sealed values were left empty
 * because this node cannot read them (csv_rows' unread), if any. */
void cli_unread_note(size_t unread);
/* Creates the key file of a community node (linli init): with the
 * community's first key if first, else empty (a node that joined: it
 * writes no personal field until a grant of the key reaches it). */
int cli_key_create(const char *dir, const char *community, int first);
int cli_call(const struct cli_args *a, const uint8_t *req, size_t len, uint8_t *reply,
             size_t cap, struct crdt_mp *r, uint32_t *n);

void cli_hex(char *out, const uint8_t *b, size_t n); /* out: 2n+1 bytes */
/* "2026-11-28T23:59:01Z" for ms since the epoch, or "never" for 0. */
void cli_time(char *out, size_t cap, uint64_t ms);
/* Writes s as a JSON string (quotes and escapes). */
void cli_json_str(FILE *f, const char *s, size_t len);
/* Writes one canonical msgpack value as JSON; strings unquoted at the top
 * when bare is set (human tables). Returns 0 or a reader error. */
int cli_value(FILE *f, struct crdt_mp *r, int bare);

/* Milliseconds since the epoch (the CLI's wall clock). */
uint64_t cli_now_ms(void);

int cli_cmd_status(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_import(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_export(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_export_xlsx(const struct cli_cmd *cmd, struct cli_args *a);
/* One sheet of n_cols columns: a bold header, then n_rows rows of cells
 * (row-major); columns whose bit is set in numeric are numbers, the others
 * text cells. CLI_OK, or CLI_FAIL (said; no file left behind). */
int cli_xlsx_table(const char *path, const char *sheet, int n_cols, const char *const *head,
                   const char *const *cells, size_t n_rows, unsigned numeric);
int cli_cmd_sample(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_report(const struct cli_cmd *cmd, struct cli_args *a);
/* enroll.c: certificates and revocations. */
int cli_cmd_enroll(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_import_cert(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_revoke(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_roster(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_get(const struct cli_cmd *cmd, struct cli_args *a);
/* user.c: the web console's staff accounts. */
int cli_cmd_user(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_list(const struct cli_cmd *cmd, struct cli_args *a);
/* digest.c */
int cli_cmd_digest(const struct cli_cmd *cmd, struct cli_args *a);
/* On a node holding several scopes (a hub) and no --scope given: sets
 * a->scope to the one scope holding a live record coll/key, so staff need not
 * name the community. 0 (a->scope unchanged when none holds it), or CLI_FAIL
 * (said) when several do or the store cannot be read. */
int cli_record_scope(struct cli_args *a, const struct config *c, const char *coll, const char *key);
/* The same, and *found 1 when the walk found the record (so the caller need
 * not look again), 0 when it did not walk or found nothing. */
int cli_record_scope_found(struct cli_args *a, const struct config *c, const char *coll,
                           const char *key, int *found);
/* Shows one record (key) or every record of coll in a->scope (NULL: the
 * node's community) as linli get / list do, table or JSON (a->json). */
int cli_show_records(struct cli_args *a, const char *coll, const char *key);

/* linli export's file (cli/sealed.c): encrypted as a->to, a->passphrase
 * or a->plain say, every op of the scopes, to a->pos[0]. */
struct store;
int cli_bundle_write(const struct cli_args *a, const struct config *c, struct store *s,
                     const char *const *scopes, int n_scopes);
/* linli import's file: a plain bundle, or an encrypted one opened with the
 * node's key or a passphrase; parsed as bundle_parse() does, *buf to free.
 * Prints why not and returns CLI_FAIL. */
int cli_bundle_read(const struct cli_args *a, const char *path, uint8_t **buf, const uint8_t ***ops,
                    size_t **lens, size_t *n);

#endif
