/* The staff verbs of cli/: writing records (write.c), CSV (csv.c),
 * conflicts (conflicts.c), checks and cases (verbs.c), the certification
 * flow (flow.c), the verbs of each collection (records.c). */
#ifndef LINLI_CLI_VERBS_H
#define LINLI_CLI_VERBS_H

#include "cli.h"
#include "node.h"
#include "store.h"

struct dom_plan;

/* One field of a body: t 's' text, 'i' integer, 'b' bool (i), 'a' a set
 * element (an array of the one text s). */
struct cli_kv {
  const char *k;
  char t;
  const char *s;
  int64_t i;
};
/* Sorts kv by name and writes the canonical map; 0 or LINLI_ETOOBIG. */
int cli_body(struct crdt_buf *b, struct cli_kv *kv, int n);

struct cli_writer {
  struct config c;
  int daemon;     /* 1: through linlid's control socket */
  struct node *n; /* else the node opened here under linlid.lock */
  int fd;
  char msg[256];  /* the daemon's reason for the last refusal */
  int lost;       /* the last write's reply was lost: its outcome was read back */
  struct store *ro; /* read-only, beside the daemon */
  char by[DOM_BY_MAX + 1]; /* with linlid stopped: NAME@offline, the `by` of each op */
};
/* A set op with no parents gets the current frontier of the fields it
 * writes as parents (it replaces what this node has seen; only writes
 * that did not see each other stand as a conflict). */
/* Opens the way to write to the node of data; prints why not. */
int cli_writer_open(struct cli_writer **w, const char *data);
/* One op; 0 (id set if non-NULL) or a LINLI_E* / -errno code. */
int cli_writer_put(struct cli_writer *w, const struct node_change *ch, uint8_t id[CRDT_ID_BYTES]);
const char *cli_writer_why(const struct cli_writer *w, int rc);
/* One op of ch's scope (NULL: the node's community), collection, key,
 * kind and parents, its body the map of kv (ch's body is ignored); prints
 * the op id on stdout. CLI_OK, or CLI_FAIL after saying why. */
int cli_write_kv(struct cli_writer *w, const struct node_change *ch, struct cli_kv *kv, int n);
struct record;
/* Looks up the live record coll/key of scope (NULL: the node's community)
 * as w reads the store, and calls fn (if not NULL) on it: 1 found, 0 not
 * there (or deleted), or a LINLI_E* error. */
int cli_writer_lookup(struct cli_writer *w, const char *scope, const char *coll, const char *key,
                      int (*fn)(void *arg, const struct record *r), void *arg);
const char *cli_writer_where(const struct cli_writer *w);
/* Adds id to the parents[*n] of an op unless it is there: 0, or 1 if
 * CRDT_PARENTS_MAX are there already (id left out). */
int cli_parent_add(uint8_t *parents, uint32_t *n, const uint8_t id[CRDT_ID_BYTES]);
/* Reads the node's rows in one snapshot (the local node's or read-only). */
int cli_writer_read(struct cli_writer *w, int (*fn)(void *arg, const struct crdt_view *v), void *arg);
/* The same with the snapshot's read handle too (for dom_compound_states,
 * which reads a record's ops to find it as it stood on a past date). */
typedef int (*cli_rd_fn)(void *arg, struct store_read *rd, const struct crdt_view *v);
int cli_writer_read_rd(struct cli_writer *w, cli_rd_fn fn, void *arg);
void cli_writer_close(struct cli_writer *w);
/* The same parents for a set op sent some other way (linli put): the
 * frontier ids of the fields body sets, read from data's database. */
int cli_frontier_of(const char *data, const char *scope, const char *coll, const char *key,
                    const uint8_t *body, size_t blen, uint8_t *parents, uint32_t *n);
/* Writes the changes of a plan (node/domain/domain.h) in one transaction,
 * printing each op id on stdout; *stored gets how many were stored. CLI_OK,
 * or CLI_FAIL after saying why (nothing was stored). */
int cli_write_plan(struct cli_writer *w, const struct dom_plan *p, int *stored);
struct dom_req;
/* Plans r against the node's records (r's home, district, today and now are
 * filled in from w's node) and writes the plan into p. CLI_OK with *stored
 * ops stored, or CLI_FAIL / CLI_USAGE after one sentence prefixed by who
 * ("linli resident add"). */
int cli_plan_write(struct cli_writer *w, struct dom_req *r, const char *who, struct dom_plan *p,
                   int *stored);
/* A batch of changes (the plans of every row of a file), kept compactly. */
struct cli_batch;
struct cli_batch *cli_batch_new(void);
void cli_batch_free(struct cli_batch *b);
/* Appends every change of p; 0 or LINLI_ENOMEM. */
int cli_batch_add_plan(struct cli_batch *b, const struct dom_plan *p);
/* Writes the batch in one transaction (one request to linlid): all of it
 * or, after saying why, none; *stored gets how many ops were stored. */
int cli_write_batch(struct cli_writer *w, const struct cli_batch *b, int *stored);
/* A list (lists.c): collection coll, of one key (or all), with the list
 * options of a; key_name heads the key column; noun names the rows in the
 * closing line (NULL: the collection's); fixed_kind: the command fixes the
 * kind (relief), which is then no column; date_is_open: --date is the day a
 * case is open on, not a filter of the date field. */
struct cli_list {
  struct cli_args *a;
  int coll;
  const char *key, *key_name, *noun;
  int fixed_kind, date_is_open, sets_whole;
};
struct dom_where;
struct dom_query;
/* Prints the list; extra filters on top of --where; q (or NULL) gives
 * open_on / closed_on / due_by. CLI_OK, CLI_FAIL or CLI_USAGE. */
int cli_list(const struct cli_list *l, const struct dom_where *extra, int n_extra,
             struct dom_query *q);
/* The events of log collection coll (of one key, or all), as cli_list. */
int cli_list_events(struct cli_args *a, int coll, const char *key);
/* The collection a command-line name means (its wire name, or that name
 * and an 's': "households"), or -1. */
int cli_collection_arg(const char *name);

/* Today (YYYY-MM-DD) and the time now (HH:MM:SS; now may be NULL) in the
 * district's zone (c->timezone). */
void cli_today(const struct config *c, char today[11], char now[9]);
/* The display width of UTF-8 text in a terminal (CJK characters count 2). */
int cli_dwidth(const char *s, size_t n);

/* Reads the rows of data's database read-only; prints why not (CLI_FAIL). */
int cli_read_rows(const char *data, int (*fn)(void *arg, const struct crdt_view *v), void *arg);
/* The same with the snapshot's read handle (cli_writer_read_rd). */
int cli_read_rows_rd(const char *data, cli_rd_fn fn, void *arg);

/* Today in the district's zone (c->timezone), or date checked (YYYY-MM-DD,
 * not in the future): CLI_OK, else prints why and returns CLI_USAGE. */
int cli_date(const struct config *c, const char *given, char out[11], int allow_future);
/* The district's zone of c: CLI_OK, or CLI_FAIL after saying why. */
int cli_zone(const struct config *c, struct dom_tz *tz);

int cli_cmd_import_csv(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_export_csv(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_conflicts(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_check(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_case(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_declare(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_approve(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_certifications(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_approvals(const struct cli_cmd *cmd, struct cli_args *a);
/* rounds.c: linli publish, linli rounds [show N]. */
int cli_cmd_publish(const struct cli_cmd *cmd, struct cli_args *a);
/* summary.c: linli summarize (the hub's daily summaries for the city). */
int cli_cmd_summarize(const struct cli_cmd *cmd, struct cli_args *a);
/* city.c: linli report city (on the city node, from the summaries). */
int cli_report_city(struct cli_args *a, const struct config *c);
/* 1 if c is the city node's config (its city is its district). */
int cli_is_city(const struct config *c);
struct dom_community_state;
/* On the city node: each community of its districts that has a summary on or
 * before date, as its latest summary says (compounds, the certified count,
 * village, epidemic-free, open cases, name), into *out (malloc'd, the
 * caller frees; *n of them, in district then community order). 0 or an
 * error. */
int cli_city_states(const struct crdt_view *v, const struct config *c, const char *date,
                    struct dom_community_state **out, int *n);
int cli_cmd_rounds(const struct cli_cmd *cmd, struct cli_args *a);
/* events.c: linli events. */
int cli_cmd_events(const struct cli_cmd *cmd, struct cli_args *a);
/* CLI_OK if w's node is its district's hub, else CLI_FAIL after saying why. */
int cli_is_hub(struct cli_writer *w);
/* records.c: compound, household, resident, grid, volunteer, supply,
 * disinfect, measures (add / set / show / list and the like). */
int cli_cmd_records(const struct cli_cmd *cmd, struct cli_args *a);
/* supply.c: linli supply stock (the ledger), supply order add --building|--grid,
 * supply order totals; -1 when the command is none of these. */
int cli_supply(const struct cli_cmd *cmd, struct cli_args *a);
/* linli report community|district --supply [--days N]. */
int cli_supply_report(struct cli_args *a);
/* supply_totals.c: linli supply order totals --date D [--building B] [FILE]. */
int cli_supply_totals(struct cli_args *a);
/* A read-only snapshot of the node's store in data (supply.c): v valid
 * until cli_snap_close. CLI_OK, or CLI_FAIL (said why). */
struct cli_snap {
  struct store *s;
  struct store_read *rd;
  struct crdt_view v;
};
int cli_snap_open(struct cli_snap *x, const char *data);
void cli_snap_close(struct cli_snap *x);
/* The unit and price (fen) of an item of the list in scope ("" and 0 if
 * the item is not listed). */
struct cli_unit {
  char unit[32];
  int64_t price;
};
struct cli_unit cli_item_unit(const struct crdt_view *v, const char *scope, const char *item);
/* evidence.c: linli measures show COMPOUND with the evidence of each
 * measure; -1 when it is not that command. */
int cli_measures(const struct cli_cmd *cmd, struct cli_args *a);
struct rules_evidence;
/* The evidence of compound on date, read from data's database read-only:
 * CLI_OK, or CLI_FAIL after saying why. */
int cli_evidence_of(const char *data, const struct config *c, const char *scope,
                    const char *compound, const char *date, struct rules_evidence *ev);
int cli_cmd_today(const struct cli_cmd *cmd, struct cli_args *a);
int cli_cmd_find(const struct cli_cmd *cmd, struct cli_args *a);
/* The command `name` of the domain table as a linli command (its usage and
 * help text written into buf): 0, or -1 if the table has none. */
int cli_records_cmd(const char *name, struct cli_cmd *out, char *buf, size_t cap);
/* The i-th command name of the domain table (each once), NULL past the last. */
const char *cli_records_name(size_t i);

#endif
