/* linli, the staff command line: declarations shared by the files of cli/.
 *
 * Exit codes: CLI_OK 0, CLI_FAIL 1 (the command ran and failed: a sentence
 * on stderr says why), CLI_USAGE 2 (the command line is wrong). */
#ifndef LINLI_CLI_H
#define LINLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "crdt.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

#define CLI_POS_MAX 300
#define CLI_CONTROL_TIMEOUT_MS 5000

/* Options a command accepts (bits of cli_cmd.opts). */
enum {
  CLI_O_DATA = 1 << 0,
  CLI_O_JSON = 1 << 1,
  CLI_O_SCOPE = 1 << 2,
  CLI_O_COMMUNITY = 1 << 3,
  CLI_O_LISTEN = 1 << 4,
  CLI_O_DISTRICT = 1 << 5,
  CLI_O_HUB = 1 << 6,
  CLI_O_DAYS = 1 << 7,
  CLI_O_REASON = 1 << 8,
  CLI_O_OUT = 1 << 9,
  /* the staff verbs (verbs.h) */
  CLI_O_TEMP = 1 << 10,
  CLI_O_DATE = 1 << 11,
  CLI_O_PERSON = 1 << 12,
  CLI_O_VISITOR = 1 << 13,
  CLI_O_DIRECTION = 1 << 14,
  CLI_O_PURPOSE = 1 << 15,
  CLI_O_RESIDENT = 1 << 16,
  CLI_O_COMPOUND = 1 << 17,
  CLI_O_CATEGORY = 1 << 18,
  CLI_O_START = 1 << 19,
  CLI_O_COUGH = 1 << 20, /* a flag */
  CLI_O_VERBS = 1 << 21, /* the command has verbs, each with its own --help (records.c) */
  CLI_O_RAW = 1 << 22,   /* a flag: linli put of a collection or field the table does not know */
  CLI_O_ROLE = 1 << 23,  /* linli user add: --role */
};

#define CLI_ARG_MAX 640 /* bytes of one field=value built from an option */

struct cli_args {
  const char *data, *scope, *community, *listen, *district, *hub, *days, *reason, *out;
  const char *temp, *date, *person, *visitor, *direction, *purpose, *resident, *compound,
      *category, *start;
  const char *role; /* linli user add --role */
  int json, cough, raw;
  int help; /* --help was given: run() prints the help of its verb (CLI_O_VERBS) */
  const char *pos[CLI_POS_MAX];
  int n_pos;
};

struct cli_cmd {
  const char *name;
  int (*run)(const struct cli_cmd *cmd, struct cli_args *a);
  unsigned opts;
  int pos_min, pos_max; /* positional arguments; pos_max -1: no limit */
  const char *usage;
  const char *help;
};

/* The value given for option opt ("--temp"), "yes" for a flag that was
 * given (--cough), or NULL. */
const char *cli_opt_get(const struct cli_args *a, const char *opt);

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
/* Sends a request to the daemon's control socket; on success *r is at the
 * reply's element after the status 0, and *n is the reply's array count.
 * Prints why not (daemon down, refused request) and returns CLI_FAIL. */
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
/* Shows one record (key) or every record of coll in a->scope (NULL: the
 * node's community) as linli get / list do, table or JSON (a->json). */
int cli_show_records(struct cli_args *a, const char *coll, const char *key);

#endif
