/* domain: the epidemic-control domain of linli, as one table and the rules.
 *
 * This header is the module's documentation. It covers:
 *   - the table (table.c): every collection, its key rule and scope, and each
 *     field with its CRDT kind, value type and limit, whether it is required,
 *     personal, written by other verbs; its CSV columns and its labels and
 *     help in English and Chinese; and the staff commands that expose the
 *     collections. The CLI's verbs, every --help, CSV import and export, the
 *     node's write check and the collections table of docs/domain.md come
 *     from it (tests/domain/test_domain_doc.c checks the document);
 *   - values (value.c): one parser and one renderer per value type, the only
 *     copy of each check (phone, date, year, ID number, temperature, ...);
 *   - the write check (check.c): domain_accept(), what every node runs on
 *     every op (node_config.accept), from any author and by any path;
 *   - plans (plan.c): a staff action (a verb of a collection with
 *     field=value arguments) checked against a read snapshot and turned into
 *     the batch of changes that carries it out, so that the CLI, CSV import
 *     and the web console check exactly the same things;
 *   - records (record.c), the epidemic-free rules (rules.c), the
 *     certification flow (flow.c), reports (report.c), CSV (csv.c) and
 *     sample data (sample.c).
 *
 * The domain reads crdt and the store and knows nothing of the node core:
 * the daemon, the CLI and the simulator hand domain_accept() to the node as
 * node_config.accept and domain_hub_collections() as
 * node_config.hub_collections. No function here reads the clock: dates and
 * times come in as arguments. No global mutable state.
 *
 * Errors: functions return 0 (or a count) or a negative LINLI_E* code. The
 * functions that judge staff input fill a struct dom_err with one sentence
 * and its class (DOM_REFUSED or DOM_MALFORMED, the CLI's exit codes 1 and 2);
 * a sentence never repeats a value that may be personal data.
 */
#ifndef LINLI_DOMAIN_H
#define LINLI_DOMAIN_H

#include <libintl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crdt.h"
#include "store.h"
#include "sealed.h"

/* ---- limits ---- */

#define DOM_TEXT_MAX 200  /* bytes of a text field unless the table says otherwise */
#define DOM_NOTE_MAX 500  /* bytes of a free-text note */
#define DOM_KEY_MAX 126   /* bytes of a key staff type: it must fit a set element */
/* NULL if s is a key staff may type (DOM_KEY_MAX bytes, the rule of
 * crdt_check_key), else why not, a phrase to follow "the key" (never the
 * key itself). */
const char *dom_key_problem(const char *s, size_t len);

struct dom_collection;
/* Did-you-mean: the candidate nearest to s by edits (insert, delete,
 * replace, swap two neighbours; ASCII case, '-' and '_' ignored), if it is
 * close enough to be what was meant: 1 edit for a word of up to 4 bytes, 2
 * up to 8, 3 beyond. Feed the candidates with dom_near_try. */
struct dom_near {
  const char *s;
  const char *best;
  int dist;
};
void dom_near_init(struct dom_near *n, const char *s);
void dom_near_try(struct dom_near *n, const char *candidate);
const char *dom_near_best(const struct dom_near *n); /* NULL: nothing close */
/* " (did you mean NAME?)" or "", for appending to a message. */
const char *dom_near_say(const struct dom_near *n, char *buf, size_t cap);
/* " (did you mean FIELD?)" for a field name c does not have, or "". */
const char *dom_near_field(const struct dom_collection *c, const char *name, char *buf, size_t cap);
#define DOM_ELEM_TEXT_MAX 120 /* bytes of a text set element */
#define DOM_QTY_MAX 1000000000
#define DOM_DATE_LEN 10   /* YYYY-MM-DD */
#define DOM_FIELDS_MAX 24 /* fields of one collection */
#define DOM_MSG_MAX 320   /* bytes of a sentence */
_Static_assert(2 + DOM_KEY_MAX <= CRDT_ELEM_MAX, "a key must fit a set element");
_Static_assert(DOM_KEY_MAX <= CRDT_KEY_MAX, "a staff key is a record key");
_Static_assert(DOM_FIELDS_MAX <= 64, "a field mask is 64 bits");

/* ---- the collections ----
 * Each collection's C name and its name on the wire, in one place. Code
 * outside node/domain/ names a collection by its DOM_* id, never by a
 * string. */
/* ---- the collections ----
 * Each collection's C name, its name on the wire and the scope it lives in
 * (COMMUNITY: the community's own; DISTRICT: the district scope, where only
 * the hub writes), in one place. Code outside node/domain/ names a
 * collection by its DOM_* id, never by a string. */
#define DOMAIN_COLLECTIONS(X)                                                                    \
  X(COMPOUND, "compound", COMMUNITY)                                                            \
  X(HOUSEHOLD, "household", COMMUNITY)                                                          \
  X(RESIDENT, "resident", COMMUNITY)                                                            \
  X(GRID, "grid", COMMUNITY)                                                                    \
  X(VOLUNTEER, "volunteer", COMMUNITY)                                                          \
  X(ITEM, "supply_item", COMMUNITY)                                                             \
  X(GATE_CHECK, "gate_check", COMMUNITY)                                                        \
  X(HEALTH_CHECK, "health_check", COMMUNITY)                                                    \
  X(CASE, "case_status", COMMUNITY)                                                             \
  X(DISINFECTION, "disinfection", COMMUNITY)                                                    \
  X(STOCK, "supply_stock", COMMUNITY)                                                           \
  X(RECEIPT, "stock_receipt", COMMUNITY)                                                        \
  X(DISTRIBUTION, "distribution", COMMUNITY)                                                    \
  X(ORDER, "group_order", COMMUNITY)                                                            \
  X(PROXY, "proxy_request", COMMUNITY)                                                          \
  X(MEASURES, "measures", COMMUNITY)                                                            \
  X(DECLARATION, "declaration", COMMUNITY)                                                      \
  X(APPROVAL, "approval", DISTRICT)                                                             \
  X(VOIDED, "voided", COMMUNITY)                                                                \
  X(COMMUNITY, "community", COMMUNITY)                                                          \
  X(ROUND, "round", DISTRICT)                                                                   \
  X(ROUND_ITEM, "round_item", DISTRICT)                                                         \
  X(SUMMARY, "summary", DISTRICT)                                                               \
  X(SUMMARY_COMPOUND, "summary_compound", DISTRICT)

enum dom_coll {
#define DOM__ENUM(id, name, scope) DOM_##id,
  DOMAIN_COLLECTIONS(DOM__ENUM)
#undef DOM__ENUM
  DOM_N_COLLECTIONS
};

enum dom_shape {
  DOM_REGISTER = 'r', /* records with lww fields and sets */
  DOM_COUNTERS = 'c', /* records whose fields are counters (stock) */
  DOM_LOG = 'l',      /* append-only events */
};

enum dom_scope {
  DOM_SCOPE_COMMUNITY = 'c', /* the community's own scope */
  DOM_SCOPE_DISTRICT = 'd',  /* the district scope: only the hub writes */
};

/* The CRDT kind of a field. */
enum dom_kind {
  DOM_LWW = 'l',     /* set ops: last writer wins, concurrent values kept */
  DOM_SET = 's',     /* add/remove ops: observed-remove set */
  DOM_COUNTER = 'c', /* counter ops: PN counter */
  DOM_EVENT = 'e',   /* a field of a log's events (append ops) */
};

/* Value types. The stored form: text for TEXT KEY PHONE DATE TIME ENUM
 * IDNO, an integer for YEAR TEMP QTY, a boolean for BOOL. */
enum dom_type {
  DOM_T_TEXT = 's',  /* UTF-8, no control characters, 1 to max bytes */
  DOM_T_KEY = 'k',   /* a record key, 1 to DOM_KEY_MAX bytes; ref names its collection */
  DOM_T_PHONE = 'p', /* digits, a leading +, '-' and spaces; 3 digits or more, <= 24 bytes */
  DOM_T_DATE = 't',  /* YYYY-MM-DD in the district's time zone */
  DOM_T_TIME = 'h',  /* HH:MM:SS in the district's time zone */
  DOM_T_YEAR = 'y',  /* 1880 to 2100 */
  DOM_T_BOOL = 'b',  /* yes/no (true/false, 1/0, 是/否) */
  DOM_T_ENUM = 'e',  /* one of the field's values (or their Chinese words) */
  DOM_T_IDNO = 'd',  /* 18 characters, the last the ISO 7064 MOD 11-2 check character */
  DOM_T_TEMP = 'c',  /* degrees Celsius with one decimal, stored in tenths, 34.0 to 43.0 */
  DOM_T_QTY = 'q',   /* a whole number from 1 to max (DOM_QTY_MAX if 0) */
};

/* Field flags. */
enum {
  DOM_F_REQ = 1 << 0,      /* add needs it */
  DOM_F_PERSONAL = 1 << 1, /* personal data: never in a sentence, a log or a report */
  DOM_F_DERIVED = 1 << 2,  /* written by linli itself (other verbs), not by staff */
  DOM_F_TODAY = 1 << 3,    /* add: today when not given */
  DOM_F_HOME = 1 << 4,     /* add: this node's community when not given */
  DOM_F_STATE = 1 << 5,    /* the status: its values in their only order, forward only */
  DOM_F_FUTURE = 1 << 6,   /* a date that may be in the future */
  DOM_F_NOW = 1 << 7,      /* add: the time now when not given */
  DOM_F_ADD = 1 << 8,      /* written by add only (set refuses it) */
  DOM_F_SETONLY = 1 << 9,  /* written by set only (add refuses it) */
  DOM_F_SEALED = 1 << 10,  /* personal data sealed with the community key (sealed.h):
                              no rule, report or summary reads it */
};

/* Verbs of a command (bits). */
enum {
  DOM_V_ADD = 1 << 0,
  DOM_V_SET = 1 << 1,
  DOM_V_SHOW = 1 << 2,
  DOM_V_LIST = 1 << 3,
  DOM_V_IN = 1 << 4,  /* counters: add to the stock */
  DOM_V_OUT = 1 << 5, /* counters: take from the stock */
  DOM_V_VOID = 1 << 6,    /* a tombstone, with its reason in the voided log */
  DOM_V_HISTORY = 1 << 7, /* every op of a record */
  DOM_V_MOVE = 1 << 8,    /* a resident to another household */
};
#define DOM_V_REGISTER                                                                             \
  (DOM_V_ADD | DOM_V_SET | DOM_V_SHOW | DOM_V_LIST | DOM_V_VOID | DOM_V_HISTORY)

/* A text in English and in Simplified Chinese. */
struct dom_text {
  const char *en, *zh;
};

struct dom_field {
  const char *name;   /* the body key on the wire; also its English CSV column */
  char kind;          /* enum dom_kind */
  char type;          /* enum dom_type */
  uint16_t max;       /* TEXT: bytes (0: DOM_TEXT_MAX); QTY: the largest value (0: DOM_QTY_MAX) */
  uint16_t flags;     /* DOM_F_* */
  int8_t ref;         /* KEY: the collection (enum dom_coll) its value names, -1: any key */
  const char *const *values;    /* ENUM: NULL-terminated; with DOM_F_STATE in their order */
  const char *const *values_zh; /* ENUM: the same values in Chinese, same order, or NULL */
  const char *opt;    /* the CLI option that gives it on verbs with options (e.g. "--temp") */
  const char *csv_zh; /* its CSV column in Chinese */
  struct dom_text label; /* a short column label */
  struct dom_text help;  /* one line: what it is */
};

struct dom_collection {
  const char *name;     /* on the wire */
  char shape;           /* enum dom_shape */
  char scope;           /* enum dom_scope */
  struct dom_text noun; /* in sentences: "resident" */
  const char *key_col, *key_col_zh; /* the CSV column of the key */
  struct dom_text key_rule;         /* what staff type as the key */
  const char *key_eg;               /* an example key */
  int8_t key_ref;       /* the key names a registered record of this collection, or -1 */
  uint8_t key_private;  /* the key is an address: sentences say "that household" */
  const struct dom_field *fields; /* NULL-terminated; NULL for counters (any item name) */
  struct dom_text about;
  /* Where a record lives: the field (NULL: the key) that names a record of
   * collection lives_in (a compound, household, resident or grid), or -1. */
  int8_t lives_in;
  const char *lives_field;
};

/* A staff command: linli CMD [SUB] VERB over one collection. */
struct dom_command {
  const char *cmd, *sub;
  int8_t coll;          /* enum dom_coll */
  uint16_t verbs;       /* DOM_V_* */
  const char *key_name; /* the KEY in usage lines, e.g. "RESIDENT" */
  const char *kind;     /* log: the `kind` every event of this command has;
                           register: the distribution kind logged when the
                           status reaches its last state; NULL: none */
  struct dom_text about;
};

extern const struct dom_collection domain_collections[DOM_N_COLLECTIONS];
extern const struct dom_command domain_commands[];
extern const size_t domain_n_commands;

/* The wire name of a collection; the collection by wire name (NULL if this
 * node does not know it); a field by name (NULL if not declared). */
const char *domain_name(enum dom_coll c);
const struct dom_collection *domain_find(const char *name, size_t len);
int domain_coll_id(const struct dom_collection *c);
const struct dom_field *domain_field(const struct dom_collection *c, const char *name, size_t len);
/* The field's index in c->fields, or -1. */
int domain_field_index(const struct dom_collection *c, const char *name, size_t len);
/* The field with DOM_F_STATE, or NULL. */
const struct dom_field *domain_state_field(const struct dom_collection *c);
/* The command `linli cmd [sub]` (sub NULL or ignored when cmd has none), or NULL. */
const struct dom_command *domain_command(const char *cmd, const char *sub);
/* 1 if cmd has sub-commands (supply stock|relief|...). */
int domain_command_grouped(const char *cmd);
/* The collections only the hub writes, in the district scope
 * (NULL-terminated, static): node_config.hub_collections. */
const char *const *domain_hub_collections(void);

/* ---- staff input: errors ---- */

enum { DOM_OK = 0, DOM_REFUSED = 1, DOM_MALFORMED = 2 }; /* the CLI's exit codes */

/* What kind of problem, for callers that say it their own way (CSV). */
enum { DOM_WHY_OTHER = 0, DOM_WHY_TYPE, DOM_WHY_REQUIRED, DOM_WHY_FIELD };

struct dom_err {
  int code;                /* DOM_REFUSED or DOM_MALFORMED */
  int why;                 /* DOM_WHY_*: a value of the wrong type, a required field
                              missing, an unknown or misused field, or other */
  char field[CRDT_FIELD_MAX + 1]; /* the field at fault, "" if none */
  char msg[DOM_MSG_MAX];   /* one sentence saying what to fix, no personal data */
};
/* Sets e and returns code. */
/* Messages for staff: English text, translated by the program's catalogue
 * (gettext domain "linli") when the program chose another language (the
 * CLI's --lang; cli/i18n.c); dom_tx picks the table's text the same way. */
#define D_(s) dgettext("linli", s)
extern int dom_lang_zh;
const char *dom_tx(struct dom_text t);
int dom_fail(struct dom_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- staff (by.c) ----
 * Every set and append op that staff write on a collection of the table
 * (not counters) carries, in its body, the field `by`: the staff name of
 * whoever wrote it (docs/domain.md "Who wrote it"). It is no field of the
 * table: replicas store it like any field they do not know, `history`
 * shows it, and conflicts ignore its concurrent values. linlid stamps it
 * from the caller's Unix user (staff lines of linlid.conf); the web
 * console from its account; the CLI with linlid stopped as NAME@offline. */
#define DOM_BY "by"
#define DOM_BY_MAX 64 /* bytes of a staff name */
/* 1 if an op of kind on collection coll (len bytes) carries `by`. */
int dom_by_carried(const char *coll, size_t len, int kind);
/* 1 if field name (len bytes) is DOM_BY. */
int dom_is_by(const void *name, size_t len);
/* 0 if name is a staff name: 1 to DOM_BY_MAX bytes of a valid key
 * (crdt_check_key) without a space or '#'; else LINLI_ENAME. */
int dom_by_check(const char *name);
/* The canonical map body (len bytes) with `by` set to name, into out: a
 * `by` it has is replaced, or, with keep, left as it is. 0, LINLI_EINVAL
 * (not a map) or LINLI_ETOOBIG (over CRDT_BODY_MAX_BYTES). */
int dom_body_by(const uint8_t *body, size_t len, const char *name, int keep, struct crdt_buf *out);
/* A role without `pii` (linlid.conf staff lines, the web console's
 * accounts) reads ID numbers and phones masked: with dom_mask_pii set
 * (per thread), dom_render masks every value of those types. */
extern _Thread_local int dom_mask_pii;
/* s, a rendered value of f, masked in place if f is an ID number
 * (4201**********7457) or a phone (138****1111); else unchanged. */
void dom_mask(const struct dom_field *f, char *s);

/* ---- values (value.c) ---- */

struct dom_value {
  char t;          /* 's' text, 'i' integer, 'b' boolean, 'n' nil (a cleared field) */
  const char *s;   /* 's': the text (the input, or buf) */
  size_t len;
  int64_t i;       /* 'i', 'b' */
  char buf[24];    /* a normalised text: a date, a time, an ID number, an enum value */
};

/* Parses staff text as a value of f (for a set field: one element). today is
 * YYYY-MM-DD in the district's zone (dates after it are refused unless the
 * field has DOM_F_FUTURE). 0, or DOM_MALFORMED / DOM_REFUSED with e set. The
 * value may point into text and into *out. */
int dom_parse(const struct dom_field *f, const char *text, const char *today, struct dom_value *out,
              struct dom_err *e);
/* Writes v in its canonical msgpack form. */
void dom_value_write(struct crdt_buf *b, const struct dom_value *v);
/* The value of a stored msgpack value (mp, len bytes), as staff read and
 * type it ("36.8" for a temperature, "yes" for a boolean), NUL-terminated
 * into out (truncated to cap - 1 bytes). 0, or LINLI_ETYPE if the stored
 * value is not of f's type (it is then rendered as its raw JSON-ish text). */
int dom_render(const struct dom_field *f, const uint8_t *mp, size_t len, char *out, size_t cap);
/* A rendered value as staff read it in their language: with dom_lang_zh
 * an enum value's Chinese word and 是/否 for yes/no, else text itself
 * (JSON and CSV keep the canonical text). */
const char *dom_shown(const struct dom_field *f, const char *text);
/* The stored msgpack class f takes: 's', 'i' or 'b'. */
char dom_stored_class(const struct dom_field *f);
/* The largest number of bytes a text value of f may have. */
size_t dom_text_max(const struct dom_field *f);
/* The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID
 * number ('0'-'9' or 'X'); 0 if they are not 17 digits. */
char dom_id_check(const char *first17);
/* Days since 1970-01-01 of a YYYY-MM-DD date (len bytes), or LINLI_EINVAL. */
int dom_date_days(const char *date, size_t len, int64_t *days);
/* The YYYY-MM-DD of a day number. */
void dom_days_date(int64_t days, char out[DOM_DATE_LEN + 1]);
/* The local date and time of ms since the epoch at utc_offset_s east of UTC. */
void dom_ms_date(uint64_t ms, int32_t utc_offset_s, char out[DOM_DATE_LEN + 1]);
void dom_ms_time(uint64_t ms, int32_t utc_offset_s, char out[9]);

/* ---- the district's time zone (tz.c) ----
 * Every date staff type or read ("today", "14 days", a report's day) is in
 * the district's zone, configured on every node of a district (linlid.conf
 * `timezone`). A zone is a fixed offset or the transitions of a TZif file
 * (RFC 8536, what /usr/share/zoneinfo holds). Pure: the caller reads the
 * file; nothing here reads the clock. */
#define DOM_TZ_NAME_MAX 64
#define DOM_TZ_MAX 512 /* transitions kept: the newest ones */

struct dom_tz {
  char name[DOM_TZ_NAME_MAX];
  int n;                    /* transitions, ascending; 0: a fixed offset */
  int64_t at[DOM_TZ_MAX];   /* UTC seconds of each transition */
  int32_t off[DOM_TZ_MAX];  /* seconds east of UTC from it on */
  int32_t first;            /* the offset before the first transition (or the fixed one) */
};

/* A fixed offset: "UTC", "+08:00", "-0530", "UTC+8", "UTC-05:30" (at most
 * 14 hours). 0, or LINLI_EINVAL if spec is not one. */
int dom_tz_fixed(struct dom_tz *tz, const char *spec);
/* The zone whose TZif bytes are tzif[0..len): 0, or LINLI_EINVAL if they
 * are not a TZif file (every count checked against the bytes left). Times
 * after the last transition keep its offset. */
int dom_tz_parse(struct dom_tz *tz, const char *name, const uint8_t *tzif, size_t len);
/* Seconds east of UTC at time ms (since the epoch). */
int32_t dom_tz_offset(const struct dom_tz *tz, uint64_t ms);
/* Today (YYYY-MM-DD) and the time (HH:MM:SS, or NULL) at ms in the zone. */
void dom_tz_now(const struct dom_tz *tz, uint64_t ms, char today[DOM_DATE_LEN + 1], char *now9);
/* The offset that holds through most of the local day date (at its noon). */
int32_t dom_tz_day_offset(const struct dom_tz *tz, const char *date);

/* ---- the write check (check.c) ---- */

/* The check every node runs on every op, as a node_config.accept hook (arg
 * unused): 0, or LINLI_ESCHEMA for an op that writes a known field with
 * the wrong CRDT kind or a value of the wrong stored type or over its limit
 * (a map where a name belongs, an integer for a phone). Unknown collections
 * and fields pass unchanged (a newer node's data survives an older one);
 * nil clears an lww field; tombstones pass. */
int domain_accept(void *arg, const struct crdt_op *op);

/* ---- records (record.c) ----
 * A record is every row under its prefix scope 0 collection 0 key 0
 * (crdt.h). record_each() walks a collection (or one record) in key order
 * and hands each record to a callback: its lww fields with the winning value
 * and how many concurrent values lost (a conflict when > 0), its counters,
 * the live elements of its sets (each distinct element once), and whether a
 * tombstone hides it. Pointers are valid during the callback only (they
 * point into the view's snapshot). */

#define RECORD_FIELDS_MAX 64
#define RECORD_ELEMS_MAX 256 /* distinct elements of one set a record view lists */

struct record_field {
  struct crdt_str name;
  char tag;                /* CRDT_ROW_LWW, CRDT_ROW_COUNTER or CRDT_ROW_ELEM */
  /* lww: the winner; counter: 8-byte big-endian sum; set: unused */
  const uint8_t *value;
  uint32_t value_len;
  uint64_t hlc;            /* lww: the winner's stamp */
  uint32_t losers;         /* lww: concurrent values kept as a conflict */
  uint32_t elems;          /* set: live elements, each distinct element once */
  int64_t sum;             /* counter */
};

struct record {
  struct crdt_str scope, collection, key;
  int deleted;             /* a tombstone and nothing written after it */
  uint32_t n_fields;
  struct record_field f[RECORD_FIELDS_MAX];
  const uint8_t *lww_rows[RECORD_FIELDS_MAX]; /* raw frontier rows, for conflicts */
  size_t lww_lens[RECORD_FIELDS_MAX];
};

/* Calls fn for each record of scope/collection (key NULL: all records, in
 * key order; else just that one). fn returns non-zero to stop. Returns 0,
 * the stop value, or an error. */
int record_each(const struct crdt_view *v, const char *scope, const char *collection,
                const char *key, int (*fn)(void *arg, const struct record *r), void *arg);
/* The field named name, or NULL. */
const struct record_field *record_field(const struct record *r, const char *name);
/* The winner of an lww field as a string (copied, NUL-terminated, truncated
 * to cap - 1); 0, or LINLI_ENOTFOUND / LINLI_ETYPE. */
int record_str(const struct record *r, const char *name, char *out, size_t cap);
/* The winner of an lww field as an integer, or as a bool (0/1). */
int record_int(const struct record *r, const char *name, int64_t *out);
/* Calls fn for each distinct live element of set field `field` of record
 * scope/coll/key (encoded msgpack, in row order), once per element however
 * many adds keep it. fn returns non-zero to stop. 0 or an error. */
int record_elems(const struct crdt_view *v, const char *scope, const char *coll, const char *key,
                 const char *field, int (*fn)(void *arg, const uint8_t *e, size_t el), void *arg);
/* The op a log row names: its key ends in (hlc, id). 0, or LINLI_ECORRUPT
 * for a key too short to be one; *id points into k. */
int record_log_op(const uint8_t *k, size_t kl, uint64_t *hlc, const uint8_t **id);
/* The value of field name in a canonical body map (len bytes), or NULL;
 * *vl gets its length. */
const uint8_t *dom_body_get(const uint8_t *body, size_t len, const char *name, size_t *vl);
/* The ids of the adds that keep element e (msgpack) in the set: the parents
 * a remove names. Up to max ids into ids (CRDT_ID_BYTES each); the count. */
int record_elem_adds(const struct crdt_view *v, const char *scope, const char *coll,
                     const char *key, const char *field, const uint8_t *e, size_t el,
                     uint8_t *ids, uint32_t max);

/* ---- the epidemic-free rule (rules.c) ----
 * A compound is epidemic-free (无疫情小区) on a date D when
 *   1. no confirmed case is open on D, and the last confirmed case was
 *      released at least RULES_QUIET_DAYS (14) days before D;
 *   2. no suspected, fever or close-contact person is open on D (the
 *      "three categories");
 *   3. all six measures are in place (六个到位).
 * A case is a case_status record; it counts from its start date and is open
 * until its release date. Rules read the materialised rows only, so every
 * node with the same ops gives the same verdict, and a case that arrives
 * late changes the verdict the next time it is computed. */
#define RULES_QUIET_DAYS 14
#define RULES_MEASURES 6
#define RULES_DATE_LEN DOM_DATE_LEN

/* The six measures, as fields of the measures collection. */
extern const char *const rules_measures[RULES_MEASURES];
/* rules_measures[i] as staff read it: its field name, or with dom_lang_zh
 * its Chinese label (宣传到位). */
const char *rules_measure_name(int i);

struct rules_verdict {
  int eligible;
  int open_confirmed, open_suspected, open_fever, open_contact;
  char last_release[RULES_DATE_LEN + 1]; /* latest release of a confirmed case, "" if none */
  int quiet_days;                        /* D - last_release, -1 if none */
  int missing[RULES_MEASURES];           /* 1: measure i not in place */
  int n_missing;
  char reason[320];                      /* one sentence, no personal data */
};

/* Aliases of the date helpers above, for the rules' readers. */
#define rules_date_days dom_date_days
#define rules_days_date dom_days_date
#define rules_ms_date dom_ms_date

/* The verdict for compound (its code) of scope on date. */
int rules_compound(const struct crdt_view *v, const char *scope, const char *compound,
                   const char *date, struct rules_verdict *out);

/* ---- the six measures' evidence (evidence.c) ----
 * A measure staff mark in place is held against the records (thresholds:
 * dom_measure_rules in table.c, and docs/domain.md):
 *   disinfection  a round logged for the compound on each of the last N days;
 *   screening     at least P % of its households with a health check (of any
 *                 member) in the N days to D;
 *   supply        at least P % of its hardship households with a hand-out in
 *                 the N days to D (none marked hardship: backed);
 *   closed        every registered gate of the compound with a gate check on
 *                 the N day(s) to D (no gate registered: not backed);
 *   publicity, mobilisation: the staff's word, shown with the day it was set.
 * The verdict of rules_compound does not change; a declaration is refused
 * while a measure marked in place has no evidence, unless forced with a
 * reason (linli declare --force --reason), which the hub sees. */
enum { RULES_EV_WORD = 0, RULES_EV_BACKED = 1, RULES_EV_UNBACKED = 2 };
enum { RULES_EV_DISINFECTION = 1, RULES_EV_SCREENING, RULES_EV_SUPPLY, RULES_EV_GATES };

struct dom_measure_rule {
  const char *measure; /* a field of measures */
  int kind;            /* RULES_EV_DISINFECTION.., or RULES_EV_WORD */
  int days;            /* N: the window, ending on the date */
  int pct;             /* P: the share of households needed */
  struct dom_text rule; /* the rule in one line */
};
extern const struct dom_measure_rule dom_measure_rules[RULES_MEASURES];
const struct dom_measure_rule *dom_measure_rule(const char *measure);

struct rules_measure {
  int marked;                      /* staff set it to yes */
  int state;                       /* RULES_EV_BACKED, _UNBACKED, or _WORD */
  char set_on[DOM_DATE_LEN + 1];   /* the day staff last set it, "" never */
  char evidence[200];              /* what the records show; no personal data */
};
struct rules_evidence {
  struct rules_measure m[RULES_MEASURES]; /* in rules_measures order */
  int n_unbacked;                  /* marked in place, and the records do not show it */
};
/* The evidence of compound of scope on date (utc_offset_s: the district's,
 * for the day a measure was set). 0 or an error. */
int rules_evidence(struct store_read *rd, const char *scope, const char *compound, const char *date,
                   int32_t utc_offset_s, struct rules_evidence *out);
/* "disinfection: marked in place, but no round logged on ...; screening: ..."
 * for each measure marked in place without evidence ("" if none). */
void rules_evidence_say(const struct rules_evidence *ev, char *out, size_t cap);

/* ---- certification (flow.c) ----
 *   1. the community declares: a `declaration` record in its own scope,
 *      key = compound code, {compound, date, status "declared", reason},
 *      written only when rules_compound() says the compound is eligible;
 *   2. the hub approves (or rejects): an `approval` record in the district
 *      scope (a hub collection), key = "COMMUNITY/COMPOUND", {community,
 *      compound, declaration (the declared date), date, status
 *      "approved"|"rejected", reason}, an approval only when the hub's own
 *      view says eligible;
 *   3. every reader re-evaluates: an approved compound whose rule no longer
 *      holds on the date asked is WITHDRAWN, with the rule's reason. Nothing
 *      is written for a withdrawal: it is derived from the merged records. */

enum flow_state {
  FLOW_CERTIFIED = 1,  /* approved, and the rule still holds */
  FLOW_WITHDRAWN = 2,  /* approved, but the rule no longer holds */
  FLOW_UNKNOWN = 3,    /* approved, but this node does not hold the community */
  FLOW_REJECTED = 4,   /* the hub rejected the declaration */
};

struct flow_cert {
  char community[CRDT_SCOPE_MAX + 1];
  char compound[CRDT_KEY_MAX + 1];
  char approved[RULES_DATE_LEN + 1];   /* the approval's date */
  char declared[RULES_DATE_LEN + 1];   /* the declaration's date, "" if not given */
  char reason[320];                    /* the hub's reason (rejected) */
  enum flow_state state;
  struct rules_verdict verdict;        /* on the date asked (certified/withdrawn) */
};

/* The approval key "COMMUNITY/COMPOUND" into out (cap bytes); its length or
 * LINLI_ETOOBIG / LINLI_ENAME. */
int flow_approval_key(char *out, size_t cap, const char *community, const char *compound);

/* Calls fn for each approval record of the district scope, re-evaluated on
 * date; held(arg, community) says whether this node holds that community's
 * scope. fn returns non-zero to stop. */
int flow_certifications(const struct crdt_view *v, const char *district, const char *date,
                        int (*held)(void *arg, const char *community),
                        int (*fn)(void *arg, const struct flow_cert *c), void *arg);

/* What a declaration needs to know: whether the compound is declared (and
 * on which date) and its verdict on date, in scope. */
struct flow_look {
  int declared;
  char declared_on[RULES_DATE_LEN + 1];
  struct rules_verdict verdict;
};
int flow_look(const struct crdt_view *v, const char *scope, const char *compound,
              const char *date, struct flow_look *out);

/* ---- compound states on a date (states.c) ----
 * One vocabulary, the same in the CLI, --json, the web console and the
 * docs (docs/domain.md "States"). A compound's state on D, from the records
 * as this node holds them:
 *   certified     the hub approved it (decided on or before D) and the rule
 *                 holds on D
 *   withdrawn     approved, but the rule no longer holds on D (the reason)
 *   pending       declared (on or before D) and not decided since
 *   rejected      the hub rejected the declaration (the hub's reason)
 *   eligible      the rule holds on D, and it is not declared
 *   not eligible  the rule does not hold on D (the reasons)
 * A decision dated after D is not known on D; a declaration written after
 * the decision (a later op stamp: its node had seen the decision) makes the
 * compound pending again (re-declared after a withdrawal or a rejection,
 * even on the same day). With no
 * district (trust off) there are no decisions: a declared compound stays
 * pending, the others are eligible or not eligible.
 *
 * A community (社区; a village, 村, is a community of kind village) is
 * epidemic-free (无疫情社区) on D when it has at least one compound, every
 * compound is certified on D, and no case of the three categories
 * (suspected, fever, close contact) is open on D anywhere in it. */
enum dom_state {
  DOM_ST_CERTIFIED,
  DOM_ST_WITHDRAWN,
  DOM_ST_PENDING,
  DOM_ST_REJECTED,
  DOM_ST_ELIGIBLE,
  DOM_ST_NOT_ELIGIBLE,
  DOM_ST_N
};
/* "certified" ... "not_eligible" (--json, web ids), and the words staff
 * read: "certified"/"已认定", ... "not eligible"/"不符合条件". */
const char *dom_state_key(int s);
extern const struct dom_text dom_state_words[DOM_ST_N];

struct dom_cstate {
  char community[CRDT_SCOPE_MAX + 1];
  char compound[CRDT_KEY_MAX + 1];
  char name[DOM_TEXT_MAX + 1];      /* the compound's name, "" if none */
  int state;                        /* enum dom_state */
  char declared[DOM_DATE_LEN + 1];  /* the declaration's date, "" none (on or before D) */
  int decision;                     /* 0 none, 1 approved, 2 rejected (on or before D) */
  char decided[DOM_DATE_LEN + 1];   /* the decision's date */
  char decided_on[DOM_DATE_LEN + 1]; /* the declaration's date it decided, "" if not said */
  char hub_reason[320];             /* the decision's reason */
  char forced[320];                 /* declared with --force over measures without evidence: why */
  struct rules_verdict verdict;     /* the rule on D */
};
/* The reason that goes with the state: the rule's sentence (withdrawn, not
 * eligible, pending), the hub's (rejected), "" (certified, eligible). */
const char *dom_cstate_why(const struct dom_cstate *c);

struct dom_community_state {
  char community[CRDT_SCOPE_MAX + 1];
  char name[DOM_TEXT_MAX + 1]; /* its community record's name, "" if none */
  int village;                 /* kind village (村) */
  int compounds;
  int counts[DOM_ST_N];
  int open_three;              /* suspected, fever, close contact open on D */
  int epidemic_free;
};

/* The state of every live compound of community scope on date (district:
 * the district scope holding the approvals, NULL with trust off): fn (if
 * not NULL) for each, in key order (fn returns non-zero to stop), and the
 * community's figures into out. 0, fn's value, or an error.
 * rd: the read transaction v is a view of, or NULL. A declaration or an
 * approval register keeps its newest write; when that is dated after D,
 * with rd the write that stood on D is found among the record's ops
 * (dom_history: a pass over the scope's ops, for those compounds only);
 * without rd such a compound shows as undeclared or undecided on D. */
int dom_compound_states(const struct crdt_view *v, struct store_read *rd, const char *district,
                        const char *scope, const char *date, struct dom_community_state *out,
                        int (*fn)(void *arg, const struct dom_cstate *c), void *arg);
/* The state of one compound (ENOTFOUND if not registered). */
int dom_compound_state(const struct crdt_view *v, struct store_read *rd, const char *district,
                       const char *scope, const char *compound, const char *date,
                       struct dom_cstate *out);
/* dom_compound_states for each scope, in one read snapshot of s. */
int dom_district_states(struct store *s, const char *district, const char *const *scopes, int n,
                        const char *date, struct dom_community_state *out);

/* ---- queries (query.c): line lists with filters ----
 * What `linli COMMAND list`, `linli find`, `linli today` and the web console's
 * lists read: the records (or events) of one collection in one snapshot,
 * each as a row of rendered values with where it lives (its compound, grid
 * and household, found through the table's lives_in), filtered, sorted and
 * cut to a limit. */
#define DOM_WHERE_MAX 8

struct dom_where {
  const struct dom_field *f;
  char op;                    /* '=' '!' (!=) '<' '>' 'l' (<=) 'g' (>=) '~' (contains) */
  char value[DOM_TEXT_MAX + 1];
};

struct dom_query {
  int coll;
  const char *scope;
  const char *key;            /* one record, or one key's events; NULL: all */
  struct dom_where where[DOM_WHERE_MAX];
  int n_where;
  const char *since, *until;  /* YYYY-MM-DD, inclusive, on the collection's first date field */
  const char *compound, *grid, *household; /* where the record lives */
  const char *open_on;        /* cases open on this date (started, not released) */
  const char *closed_on;      /* cases released on or before this date */
  const char *due_by;         /* open cases whose 14 days end on or before this date */
  int voided;                 /* 1: only voided records; 0: only live ones */
  const struct dom_field *sort;
  int desc;
  size_t limit;               /* rows at most, after sorting; 0: all */
};

struct dom_row {
  const char *key;
  int voided;
  const char *val[DOM_FIELDS_MAX];     /* by field index: as staff read it, "" unset; a
                                          set's elements joined with "; " */
  const uint8_t *raw[DOM_FIELDS_MAX];  /* the stored msgpack value (a set: an array of
                                          its elements), NULL when unset */
  uint32_t raw_len[DOM_FIELDS_MAX];
  uint8_t conflict[DOM_FIELDS_MAX];    /* concurrent values kept */
  const char *compound, *grid, *household; /* where it lives, "" unknown */
  uint64_t hlc;                        /* logs: the event's stamp */
  const uint8_t *id;                   /* logs: the event's op id; registers NULL */
  const uint8_t *body;                 /* logs: the event's body (msgpack map) */
  size_t body_len;
};

/* Parses a filter FIELD=VALUE (also !=, >=, <=, >, <, ~ for "contains") of
 * collection coll: the field must be the collection's and the value parse
 * as its type (a temperature "37.3", a date, an enum in English or
 * Chinese). DOM_OK, or DOM_MALFORMED with e set. */
int dom_where_parse(int coll, const char *arg, struct dom_where *w, struct dom_err *e);
/* Runs q over the snapshot rd: fn(arg, row) for each matching row, in key
 * order (registers) or time order (logs), or by q->sort; fn returns
 * non-zero to stop. Row pointers are valid during fn only. Returns the
 * number of rows handed to fn, or an error. */
int dom_query(const struct dom_query *q, struct store_read *rd,
              int (*fn)(void *arg, const struct dom_row *r), void *arg);
/* The field a query's since/until reads: the collection's first date field. */
const struct dom_field *dom_date_field(const struct dom_collection *c);

/* ---- the morning sheet (today.c) ----
 * What a grid worker takes out in the morning, for a date (today) and a grid
 * (or the whole community): each item of each section in turn. Sections:
 * fevers recorded on the date; residents with no health check on the date;
 * open cases; cases whose 14 days end by the date (due for release); open
 * proxy requests; group orders not delivered; hardship households with no
 * relief in the 7 days ending on the date; compounds with no disinfection
 * round on the date; every compound's epidemic-free verdict. */
enum dom_today_section {
  DOM_TODAY_FEVERS,
  DOM_TODAY_UNCHECKED,
  DOM_TODAY_OPEN_CASES,
  DOM_TODAY_DUE,
  DOM_TODAY_PROXY,
  DOM_TODAY_ORDERS,
  DOM_TODAY_HARDSHIP,
  DOM_TODAY_UNDISINFECTED,
  DOM_TODAY_VERDICTS,
  DOM_TODAY_N
};
/* Each section's title, in English and Chinese, and the collection of its rows. */
extern const struct dom_text dom_today_titles[DOM_TODAY_N];
extern const int dom_today_colls[DOM_TODAY_N];

struct dom_today_item {
  int section;                        /* enum dom_today_section */
  const struct dom_row *row;          /* the record or event (a compound for verdicts) */
  const struct rules_verdict *verdict; /* DOM_TODAY_VERDICTS only */
};

/* Calls fn for each item, section by section (a section with no item
 * calls fn once with row NULL, so that it can say "none"). 0 or an error. */
int dom_today(struct store_read *rd, const char *scope, const char *date, const char *grid,
              int (*fn)(void *arg, const struct dom_today_item *it), void *arg);

/* ---- plans (plan.c, plan_rules.c, plan_build.c) ---- */

#define DOM_PLAN_MAX 16 /* changes one staff action makes */

/* One change: what node_write takes (scope, collection, key, kind, body,
 * parents), with its own storage. */
struct dom_change {
  char scope[CRDT_SCOPE_MAX + 1];
  char coll[CRDT_COLLECTION_MAX + 1];
  char key[CRDT_KEY_MAX + 1];
  enum crdt_kind kind;
  uint8_t body[CRDT_BODY_MAX_BYTES];
  size_t body_len;
  uint8_t parents[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t n_parents;
};

struct dom_plan {
  struct dom_change ch[DOM_PLAN_MAX];
  int n;
  int delivered;          /* the status reached its last state: a hand-out is logged */
  char note[DOM_MSG_MAX]; /* a remark that is not a refusal, or "" */
};

/* The plan's index (index.c): residents by ID number and by name and phone,
 * each resident's household, each household's compound, the registered
 * gates, for the checks that stop duplicates and mismatches. A caller that
 * plans many rows (CSV) keeps one and notes each accepted plan into it, so
 * the rows are checked against each other too; NULL makes dom_plan build
 * one for the one action when a check needs it. */
struct dom_index;
int dom_index_new(struct dom_index **out);
void dom_index_free(struct dom_index *ix);
/* Fills the index from the snapshot v (once; later calls do nothing). */
int dom_index_build(struct dom_index *ix, const struct crdt_view *v, const char *scope);
/* Adds what the plan's changes register (residents, households). */
int dom_index_note(struct dom_index *ix, const struct dom_plan *p);
const char *dom_index_resident_by_id(const struct dom_index *ix, const char *id);
const char *dom_index_resident_by_person(const struct dom_index *ix, const char *name,
                                         const char *phone);
const char *dom_index_household_of(const struct dom_index *ix, const char *resident);
const char *dom_index_compound_of(const struct dom_index *ix, const char *household);
/* The household whose members hold resident, or NULL. */
const char *dom_index_member_of(const struct dom_index *ix, const char *resident);
/* The compound whose gates hold gate, or NULL. */
const char *dom_index_gate(const struct dom_index *ix, const char *gate);
/* "name|phone digits": how a person is known. */
void dom_person_key(const char *name, const char *phone, char *out, size_t cap);

/* A staff action. */
struct dom_req {
  int coll;                    /* enum dom_coll */
  const struct dom_command *cmd; /* the command used, or NULL (linli put, CSV, resolve) */
  unsigned verb;               /* DOM_V_ADD, SET, IN or OUT */
  const char *key;
  const char *const *args;     /* field=value, field+=value (sets), field-=value */
  int n_args;
  const char *home;            /* the node's community: where community records go */
  const char *district;        /* the district scope (hub collections), or NULL */
  const char *scope;           /* where to write, NULL: by the collection's scope */
  const char *today;           /* YYYY-MM-DD in the district's zone */
  const char *now;             /* HH:MM:SS in the district's zone */
  int upsert;                  /* CSV import and conflicts resolve: add if new, set if
                                  registered, any field staff write, any state, no hand-out */
  const char *const *clear;    /* set: fields to clear (their value becomes nil) */
  int n_clear;
  const char *reason;          /* void: why (required) */
  const char *to;              /* move: the household a resident moves to */
  int force;                   /* let through what a check would stop but a clerk may
                                  know better (a second resident with one ID number...) */
  struct dom_index *index;     /* NULL: built for this action when needed */
};

/* Checks r against the records of v (one read snapshot) and fills p with the
 * changes that carry it out; set ops name the values they replace as their
 * parents. 0, DOM_MALFORMED or DOM_REFUSED with e set, or a negative error
 * reading v. Nothing is written here: the caller writes p's changes, in
 * order, as one batch. */
int dom_plan(const struct dom_req *r, const struct crdt_view *v, struct dom_plan *p,
             struct dom_err *e);

/* ---- history (history.c) ----
 * Every op of one record (or of one key's events), oldest first: when
 * (the op's stamp), who (the author's key), what: each field set with its
 * old and new value, each element added or removed, a void with its reason
 * (from the voided log). Old values are those of the ops before it in
 * stamp order; concurrent writes show as such (both keep their old). */
enum { DOM_H_SET, DOM_H_ADD, DOM_H_REMOVE, DOM_H_COUNTER, DOM_H_EVENT, DOM_H_VOID };

struct dom_change_line {
  int what;                 /* DOM_H_* */
  uint64_t hlc;
  const uint8_t *author;    /* CRDT_PK_BYTES */
  const uint8_t *id;        /* the op */
  const char *field;        /* "" for a void or an event */
  const char *old_value, *new_value; /* rendered; "" none */
  const char *by;           /* the op's staff name (DOM_BY), "" none */
};

/* Calls fn for each change line of record coll/key in scope. 0 or error. */
int dom_history(struct store_read *rd, const char *scope, int coll, const char *key,
                int (*fn)(void *arg, const struct dom_change_line *l), void *arg);

/* ---- CSV (csv.c) ----
 * Any collection as CSV: UTF-8 text (an optional byte order mark), a header
 * row naming columns in English or Chinese in any order, RFC 4180 quoting,
 * LF or CRLF. The columns: the key (dom_collection.key_col), then every
 * field staff write (not DOM_F_DERIVED); a set's elements are joined with
 * ';'; for counters the columns are key, item, quantity. An import checks
 * every row as dom_plan does for an `add` (or a `set` of a registered
 * record) before anything is written: all rows or none. A problem names the
 * line and the column, never the content of a cell. */

#define CSV_COLS_MAX (DOM_FIELDS_MAX + 2)
#define CSV_PROBLEMS_MAX 200
#define CSV_WHY_MAX 160

struct csv_problem {
  int line;
  const char *col;         /* a column name, or NULL: the whole line */
  char why[CSV_WHY_MAX];
};

struct csv_row {
  int line;
  char *f[CSV_COLS_MAX];   /* by column (csv_columns order); NULL when the file has none */
};

struct csv_file {
  int coll;
  const char *cols[CSV_COLS_MAX]; /* English column names: key, fields... (csv_columns) */
  const struct dom_field *field[CSV_COLS_MAX]; /* NULL for the key (and counter item/qty) */
  int n_cols;
  int ncols_file, map[CSV_COLS_MAX]; /* header column i -> column */
  struct csv_row *rows;
  size_t n_rows, cap_rows;
  struct csv_problem *problem; /* the first min(problems, CSV_PROBLEMS_MAX) */
  int problems;
};

/* The columns of collection coll (English names, the key first) into cols;
 * their count. For a log the columns are the key and the event fields. */
int csv_columns(int coll, const char **cols, const struct dom_field **fields, int max);
int csv_init(struct csv_file *c, int coll);
void csv_release(struct csv_file *c);
/* Parses buf[0..len) in place (buf must have room for one more byte).
 * 0 (then look at problems) or LINLI_ENOMEM. */
int csv_parse(struct csv_file *c, char *buf, size_t len);
/* Records a problem (line, column or NULL, reason). */
void csv_bad(struct csv_file *c, int line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes s as one CSV field (quoted when it must be). */
void csv_field(FILE *f, const char *s, size_t n);
/* Row i of c as the staff action it is (an add, or a set of a registered
 * record: base->upsert), checked by dom_plan against v like any other:
 * base gives home, district, today and now. 0, DOM_* with e set, or an
 * error. */
int csv_plan(struct csv_file *c, size_t i, const struct dom_req *base, const struct crdt_view *v,
             struct dom_plan *p, struct dom_err *e);
/* Calls fn with the header (fields NULL), then with each live record, event
 * or stock item of coll in scope (read through rd) as cells in the columns'
 * order; fields[k] is column k's field (NULL for the key and for a stock's
 * columns). *n gets the rows. A sealed value this node cannot open (no key,
 * or damaged) is an empty cell, never the word a reader shows, so that the
 * file read back cannot store "(sealed)" as a value; *unread (NULL: not
 * wanted) counts them. 0, fn's non-zero, or an error. */
int csv_rows(struct store_read *rd, int coll, const char *scope,
             int (*fn)(void *arg, const char *const *cells, int n,
                       const struct dom_field *const *fields),
             void *arg, size_t *n, size_t *unread);
/* 1 for fields a spreadsheet would read as numbers though they are text
 * (ID and phone numbers). */
int csv_is_text_number(const struct dom_field *f);
#define CSV_BOM 1        /* start with a UTF-8 byte order mark (a Chinese Excel then reads UTF-8) */
#define CSV_TEXT_GUARD 2 /* write ID and phone numbers as ="..." (text to a spreadsheet); import
                            reads ="..." back as the text inside */
/* Writes the rows of csv_rows to f as CSV (English header); *n the rows,
 * *unread as csv_rows. */
int csv_export(struct store_read *rd, int coll, const char *scope, FILE *f, unsigned flags,
               size_t *n, size_t *unread);

/* ---- supplies (supply.c) ----
 * The community's item list (supply_item, key: an item key of a-z 0-9 _)
 * names the only items stock, hand-outs and group orders hold. A hand-out's
 * (and an order's) `items` are item:quantity lines, "fish:2,veg_pack:1"
 * (',' ';' '，' '、' or spaces between lines, ':' or '：' before the
 * quantity). A relief hand-out, and a group order when it is delivered,
 * draws its quantities from a stock (its `stock`, else the community's only
 * stock) in the same batch: a counter op of minus each quantity. The node
 * that writes refuses to draw more than the stock holds; hand-outs written
 * on two nodes during a partition add up when they merge, and a stock below
 * zero is an overdraft to resolve (a receipt that covers it). `supply stock
 * in` also logs a stock_receipt event (items, source, date). */
#define DOM_ITEMS_MAX 16 /* lines of one hand-out or order */

struct dom_item_line {
  char item[CRDT_FIELD_MAX + 1];
  int64_t qty;
};
struct dom_items {
  struct dom_item_line l[DOM_ITEMS_MAX];
  int n;
};
/* Parses item lines (len bytes of s). DOM_OK, or DOM_MALFORMED with e set. */
int dom_items_parse(const char *s, size_t len, struct dom_items *out, struct dom_err *e);
/* Sorts the lines by item; formats them as "a:1,b:2" (cap bytes). */
void dom_items_sort(struct dom_items *it);
void dom_items_format(const struct dom_items *it, char *out, size_t cap);
/* The counter body {item: sign * qty, ...} (keys in byte order); 0 or LINLI_ETOOBIG. */
int dom_items_body(const struct dom_items *it, int sign, uint8_t *body, size_t cap, size_t *len);
/* Every name (n of them) is a live item of scope's list: DOM_OK, or
 * DOM_REFUSED with a did-you-mean, or a negative read error. */
int dom_items_listed(const struct crdt_view *v, const char *scope, const char *const *names, int n,
                     struct dom_err *e);
int dom_items_check(const struct crdt_view *v, const char *scope, const struct dom_items *it,
                    struct dom_err *e);
/* How many of the lines name an item listed free=yes (the first into first). */
int dom_items_free(const struct crdt_view *v, const char *scope, const struct dom_items *it,
                   char *first, size_t cap);
/* The stock a hand-out draws from (given, or the only stock of scope) into
 * stock, if it holds every quantity of it: DOM_OK, DOM_REFUSED saying what
 * is left, or a negative read error. */
/* The node's check of a batch of its own writes right before they commit
 * (node_config.check_batch; arg unused): every stock the batch draws from
 * (counter ops of collection stock with a negative total per item) must
 * still hold that much in the store s, so two hand-outs checked at the same
 * time cannot together overdraw. 0, or LINLI_EOVERDRAW with *bad the first
 * op drawing it and a sentence in why (stock and item names, no personal
 * data), or a read error. */
int dom_check_batch(void *arg, struct store *s, const struct crdt_op *ops, size_t n, size_t *bad,
                    char *why, size_t cap);
int dom_stock_draw(const struct crdt_view *v, const char *scope, const char *given,
                   const struct dom_items *it, char *stock, size_t cap, struct dom_err *e);

/* One item of one stock: received (receipts), handed out free (relief) and
 * paid (group orders, proxy), other (taken out otherwise: supply stock out,
 * or imported), on hand (the counter; below zero: an overdraft). */
struct dom_stock_line {
  char stock[CRDT_KEY_MAX + 1];
  char item[CRDT_FIELD_MAX + 1];
  int64_t received, out_free, out_paid, other_out, on_hand;
};
/* Calls fn for each (stock, item) of scope, in that order. 0 or an error. */
int dom_stock_ledger(struct store_read *rd, const char *scope,
                     int (*fn)(void *arg, const struct dom_stock_line *l), void *arg);

/* The supply report of one community for the days from..to (inclusive,
 * either NULL: open): per item, quantities handed out free and sold,
 * households and hardship households reached, and the stock on hand now. */
struct dom_supply_row {
  char item[CRDT_FIELD_MAX + 1];
  char name[DOM_TEXT_MAX + 1], unit[32];
  int64_t price_fen;
  int64_t free_qty, sold_qty, on_hand;
  int households, hardship;
};
/* *rows (malloc'd, the caller frees) sorted by item, *n of them. */
int dom_supply_report(struct store_read *rd, const char *scope, const char *from, const char *to,
                      struct dom_supply_row **rows, size_t *n);

/* ---- reports (report.c) ---- */

struct report_row {
  char scope[CRDT_SCOPE_MAX + 1];
  uint64_t ops, newest_ms;   /* completeness and freshness of this row */
  int compounds, eligible;
  int households, residents;
  int open_confirmed, open_suspected, open_fever, open_contact;
  int64_t rice_kg, vegetables_kg;
  uint64_t relief, group, proxy;
};

struct report_totals {
  int communities, heard, communities_free;
  int compounds, eligible;
  int households, residents;
  int open_confirmed, open_three;
  uint64_t oldest_newest_ms; /* the stalest community's newest op; 0 if none */
};

/* Fills rows[i] for scopes[i] on date (YYYY-MM-DD) and the totals.
 * relief, group and proxy count every distribution the log holds. */
int report_scopes(struct store *s, const char *const *scopes, int n, const char *date,
                  struct report_row *rows, struct report_totals *tot);

/* The window figures of the `days` days ending on D (D - days + 1 .. D):
 * health_check events and fevers (temp_dc >= REPORT_FEVER_DC) and coughs,
 * gate_check events, gate fevers and visitors, distributions by kind. An
 * event is dated by its body's `date`, or, without a valid one, by the
 * local date of its op's time. The pass reads the ops of each community from
 * the window's first local midnight on, in one pass over the (scope, hlc)
 * index: exact because an event cannot be signed before its date. */
#define REPORT_FEVER_DC 373 /* tenths of a degree: 37.3 °C */
#define REPORT_WINDOW_DAYS 7

struct report_window {
  char from[11], to[11]; /* first and last day of the window, YYYY-MM-DD */
  uint64_t health_checks, fevers, coughs;
  uint64_t gate_checks, gate_fevers, visitors;
  uint64_t relief, group, proxy;
  uint64_t ops_read; /* ops the pass read (every collection), for the record */
};

int report_window(struct store *s, const char *scope, const char *date, int days,
                  int32_t utc_offset_s, struct report_window *w);

/* The district report: rows[i] as report_scopes fills it, except relief,
 * group and proxy, which stay 0 (wins[i] has the window's), and wins[i] for
 * scopes[i]; tot as report_scopes, and wtot (if not NULL) the window sums. */
int report_district(struct store *s, const char *const *scopes, int n, const char *date, int days,
                    int32_t utc_offset_s, struct report_row *rows, struct report_window *wins,
                    struct report_totals *tot, struct report_window *wtot);

/* ---- the district's daily summaries for the city (summary.c) ----
 * A hub record `summary` COMMUNITY/DATE in the district scope (linli
 * summarize): one community's figures on DATE, no personal data. Its
 * `figures` field is "key=value" pairs, space-separated, each value a whole
 * number from 0 to DOM_QTY_MAX, in any order; keys this node does not know
 * are skipped (a newer hub may add some). */
#define DOM_SUMMARY_FIGURES_MAX 480
#define DOM_SUMMARY_N 18
struct dom_summary {
  int64_t v[DOM_SUMMARY_N]; /* -1: not given */
};
/* The keys, in the order of v[]. */
enum {
  DOM_SU_COMPOUNDS, DOM_SU_CERTIFIED, DOM_SU_WITHDRAWN, DOM_SU_PENDING, DOM_SU_REJECTED,
  DOM_SU_ELIGIBLE, DOM_SU_NOT_ELIGIBLE, DOM_SU_VILLAGE, DOM_SU_FREE, DOM_SU_HOUSEHOLDS,
  DOM_SU_RESIDENTS, DOM_SU_OPEN_THREE, DOM_SU_FEVERS_1, DOM_SU_HANDOUTS_1, DOM_SU_FEVERS_7,
  DOM_SU_HANDOUTS_7, DOM_SU_OPS, DOM_SU_OPEN_CONFIRMED,
};
extern const char *const dom_summary_keys[DOM_SUMMARY_N];
/* Reads figures (len bytes, any bytes) into out: 0, or DOM_MALFORMED for a
 * pair that is not key=number, a number out of range or a key given twice.
 * Every key dom_summary_keys names must be there (else DOM_MALFORMED). */
int dom_summary_parse(const char *figures, size_t len, struct dom_summary *out);
/* Writes s (every value >= 0) as figures text into out (cap bytes): the
 * length, or LINLI_ETOOBIG. */
int dom_summary_format(const struct dom_summary *s, char *out, size_t cap);

/* Plans the district hub's summaries (linli summarize, and a hub's linlid
 * every `summary_s`): for each of q's community scopes, its figures on
 * q->date, read from st in one pass; a summary whose stored figures are the
 * same is skipped (o->same). When q->date is q->today, also each
 * compound's summary_compound record (state, name, reason) that changed,
 * for the city's rounds. fn gets each plan (one summary) while the read
 * is open and copies what it keeps; its non-zero stops the pass. 0, fn's
 * non-zero, DOM_MALFORMED/DOM_REFUSED with o->e set, or an error reading
 * st. Nothing is written here. */
struct dom_su_req {
  const char *district;        /* the district scope, where summaries go */
  const char *home;            /* the node's first scope (dom_req.home) */
  const char *const *scopes;   /* the community scopes */
  int n;
  const char *date;            /* YYYY-MM-DD: the day summarized */
  const char *today, *now;     /* the district's date and time, for as_of */
  int32_t utc_offset_s;        /* of date's day (dom_tz_day_offset) */
};
struct dom_su_out {
  int written, same;
  int compounds; /* summary_compound records written (q->date today only) */
  struct dom_err e;
};
int dom_summaries(struct store *st, const struct dom_su_req *q,
                  int (*fn)(void *arg, const struct dom_plan *p), void *arg, struct dom_su_out *o);

/* ---- the city's figures (city.c) ----
 * On the city node (docs/operator.md "The city"): for each community of
 * each district, the latest summary dated on or before a date, and their
 * sums per district and for the city. A community of district D is one
 * D's hub certified (a `cert_coll` record in D with role "community") or
 * one it wrote a summary for; communities are kept in the order they are
 * first met (district by district, certificates first). */
struct dom_city_comm {
  int district; /* index into the districts given */
  char district_code[CRDT_SCOPE_MAX + 1], community[CRDT_SCOPE_MAX + 1], name[DOM_TEXT_MAX + 1];
  char as_of[40];             /* of its latest summary on or before the date */
  char last[DOM_DATE_LEN + 1]; /* that summary's date; "" none */
  struct dom_summary f;
};
/* Sums of the communities' latest summaries; fevers_1 and handouts_1 count
 * only the summaries of the date itself. */
struct dom_city_sum {
  int communities, reporting, fresh; /* known, with a summary, with one for the date */
  int compounds, certified, free_, villages, vfree;
  int64_t households, residents, open_confirmed, open_three, fevers_1, handouts_1;
  char as_of[40]; /* the newest as_of */
};
struct dom_city {
  char date[DOM_DATE_LEN + 1];
  struct dom_city_comm *cm; /* n of cap */
  int n, cap;
  int cut; /* more than cap communities: the rest are left out */
  int bad; /* summaries whose figures do not parse (skipped) */
  int nd;
  struct dom_city_sum *ds; /* ds[i] for districts[i] */
  struct dom_city_sum city;
};
/* Reads the summaries of the nd districts in v as of date (YYYY-MM-DD),
 * keeping at most cap communities, into t (dom_city_free it after a 0
 * return; on an error nothing is left to free). cert_coll: the trust
 * layer's certificate collection (TRUST_CERT). */
int dom_city_read(const struct crdt_view *v, const char *const *districts, int nd,
                  const char *cert_coll, const char *date, int cap, struct dom_city *t);
void dom_city_free(struct dom_city *t);

/* ---- sample data (sample.c) ----
 * A synthetic community as signed ops, for demos, tests and benchmarks.
 * Sizes of the three named communities follow the report in shared/seed
 * (石化社区: 1,677 households, 3,680 residents, 9 grids, 13 staff, 16
 * volunteers); where the report gives no figure the numbers are made up.
 * Names, phone and ID numbers are invented (ID numbers carry a valid check
 * character). Deterministic: the same seed and end time give the same ops,
 * and every op passes domain_accept(). */

struct sample_community {
  const char *scope;  /* e.g. "shihua" */
  const char *name;   /* e.g. "石化社区" */
  const char *prefix; /* code prefix, e.g. "SH" */
  int compounds, households, residents, grids, staff, volunteers;
  const char *const *compound_names; /* compounds entries or NULL */
};

extern const struct sample_community sample_shihua, sample_chuanchang, sample_changhongli;
/* Fills c for synthetic community number i ("c0007"); name/prefix point
 * into buf (64 bytes). */
void sample_synthetic(struct sample_community *c, int i, char *buf);

struct sample_opts {
  uint64_t end_ms;   /* the last moment of the data (now, for a demo) */
  int days;          /* days of daily records before end_ms (60) */
  int32_t utc_offset_s; /* the district's zone: 28,800 for Asia/Shanghai */
  uint64_t seed;
  int watch_pct;     /* % of residents with a daily health check (5) */
  uint64_t stamp_ms; /* 0: stamp each op at its event time; else stamp every op
                        from this time on (records typed in today about the past) */
  /* The key file's bytes (sealed.h): personal fields are sealed as a node
   * holding them seals them (domain_seal); NULL: written in clear. */
  const uint8_t *keys;
  size_t keys_len;
  void (*random)(void *ctx, void *buf, size_t len); /* nonces, with keys */
  void *random_ctx;
};

/* Emits every op of the community, signed by who, to fn (which returns <0
 * to stop). Returns the number of ops, or an error. */
int sample_generate(const struct crdt_identity *who, const struct sample_community *c,
                    const struct sample_opts *o,
                    int (*fn)(void *arg, const uint8_t *op, size_t len), void *arg);

#endif
