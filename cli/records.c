/* linli compound | household | resident | grid | volunteer | supply |
 * disinfect | measures: the staff verbs of each collection, from one table.
 *
 * A row of the table (struct rspec) names a collection, its shape (a
 * register of records, a stock of counters, or a log of events), the verbs
 * it has, and its fields with their types and rules (struct rfield). One
 * engine parses `field=value` arguments against the row, checks them
 * against the records the node holds, writes through write.c (linlid if it
 * runs, else the node opened here under its lock) and reads with the store
 * opened read-only, so show and list work with linlid stopped. --help is
 * generated from the same row, so it says what the checks do.
 *
 * Exit codes: 0 done; 1 refused, nothing written (a value out of range, a
 * date in the future, an unknown household, compound or grid, a resident
 * already in another household, `add` of a key that exists, `set` of one
 * that does not, a state moving backwards, a stock too small); 2 the command
 * line is wrong (unknown verb or field, a malformed value, a required field
 * missing). Sentences never repeat a value that may be personal data (names,
 * phone and ID numbers, household codes, which are addresses). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "rules.h"
#include "sample.h"
#include "store.h"
#include "verbs.h"

/* ---- the table ---- */

enum {
  T_TEXT = 's',  /* 1 to 200 bytes of text */
  T_KEY = 'k',   /* a record key */
  T_PHONE = 'p', /* digits, a leading +, - and spaces */
  T_BOOL = 'b',  /* yes/no */
  T_YEAR = 'y',  /* 1880 to 2100 */
  T_IDNO = 'd',  /* 18 characters, ISO 7064 MOD 11-2 check character */
  T_DATE = 't',  /* YYYY-MM-DD, not in the future */
  T_QTY = 'q',   /* a whole number from 1 */
  T_STATE = 'e', /* one of the row's states, forward only */
};

enum {
  R_REQ = 1,     /* add needs it */
  R_SET = 2,     /* a set: field+=VALUE, field-=VALUE */
  R_DERIVED = 4, /* written by the verbs of another collection */
  R_TODAY = 8,   /* add: today when not given */
  R_HOME = 16,   /* add: this node's community when not given */
  R_OPEN = 32,   /* not personal data: sentences may repeat the value */
};

struct rfield {
  const char *name;
  char type;
  unsigned char flags;
  const char *ref; /* a key of a registered record of this collection */
  const char *about;
};

enum { V_ADD = 1, V_SET = 2, V_SHOW = 4, V_LIST = 8, V_IN = 16, V_OUT = 32 };
static const struct {
  const char *name;
  unsigned bit;
} verb_names[] = {{"add", V_ADD}, {"set", V_SET}, {"in", V_IN},
                  {"out", V_OUT}, {"show", V_SHOW}, {"list", V_LIST}};
#define N_VERBS (sizeof verb_names / sizeof verb_names[0])

struct job;

struct rspec {
  const char *cmd, *sub; /* linli CMD [SUB] VERB */
  const char *coll;
  char shape;            /* 'r' register, 'c' counters, 'l' log */
  unsigned verbs;
  const char *noun;      /* in sentences */
  const char *key, *eg;  /* the KEY in usage lines, and an example */
  const char *key_ref;   /* the key names a registered record of this collection */
  int key_private;       /* the key is an address: sentences say "that household" */
  const struct rfield *fields; /* NULL-terminated; NULL: counters, any item */
  const char *const *states;   /* the status field's values, in their only order */
  const char *kind;      /* log: every event's kind; register: the hand-out
                            logged when status reaches its last state */
  int (*rule)(struct job *j); /* checks beyond the table, before anything is written */
  const char *about;
};

#define END {NULL, 0, 0, NULL, NULL}
static const struct rfield compound_f[] = {
    {"name", T_TEXT, R_REQ | R_OPEN, NULL, "the compound's name"},
    {"community", T_KEY, R_HOME | R_OPEN, NULL, "community code"},
    {"grid", T_KEY, R_OPEN, "grid", "the grid it belongs to"},
    {"address", T_TEXT, 0, NULL, "street address"},
    {"households", T_KEY, R_SET, "household", "its households"},
    {"gates", T_KEY, R_SET | R_OPEN, NULL, "its gates, e.g. SH-C01-gate"},
    END};
static const struct rfield household_f[] = {
    {"compound", T_KEY, R_REQ | R_OPEN, "compound",
     "the compound; the household code must start with it and '-'"},
    {"unit", T_TEXT, 0, NULL, "building-unit-room, e.g. 3-2-501"},
    {"head", T_KEY, 0, NULL, "the resident key of the head of household"},
    {"phone", T_PHONE, 0, NULL, "contact number"},
    {"hardship", T_BOOL, R_OPEN, NULL, "a hardship household (gets free relief)"},
    {"grid", T_KEY, R_OPEN, "grid", "the grid that serves it"},
    {"members", T_KEY, R_SET | R_DERIVED, NULL,
     "its residents; kept by linli resident add (read-only here)"},
    END};
static const struct rfield resident_f[] = {
    {"household", T_KEY, R_REQ, "household",
     "the household; the resident joins its members (one household per resident)"},
    {"name", T_TEXT, R_REQ, NULL, "full name"},
    {"id_number", T_IDNO, 0, NULL, "resident ID number"},
    {"phone", T_PHONE, 0, NULL, "contact number"},
    {"birth_year", T_YEAR, 0, NULL, "year of birth"},
    {"special_needs", T_TEXT, 0, NULL, "care the resident needs"},
    {"tags", T_TEXT, R_SET, NULL, "labels, e.g. elderly"},
    END};
static const struct rfield grid_f[] = {
    {"name", T_TEXT, R_REQ | R_OPEN, NULL, "the grid's name"},
    {"compound", T_KEY, R_OPEN, "compound", "the compound it covers"},
    {"households", T_KEY, R_SET, "household", "the households it serves"},
    {"workers", T_KEY, R_SET | R_OPEN, NULL, "keys of its grid workers and volunteers"},
    END};
static const struct rfield volunteer_f[] = {
    {"name", T_TEXT, R_REQ, NULL, "full name"},
    {"phone", T_PHONE, 0, NULL, "contact number"},
    {"grid", T_KEY, R_OPEN, "grid", "the grid the volunteer works in"},
    {"skills", T_TEXT, R_SET | R_OPEN, NULL, "e.g. driver, medic"},
    END};
static const struct rfield relief_f[] = {
    {"date", T_DATE, R_TODAY | R_OPEN, NULL, "the day it was handed out"},
    {"items", T_TEXT, R_REQ, NULL, "what was handed out, e.g. vegetable pack"},
    END};
static const struct rfield order_f[] = {
    {"household", T_KEY, R_REQ, "household", "the household that orders"},
    {"items", T_TEXT, R_REQ, NULL, "what it ordered"},
    {"status", T_STATE, R_OPEN, NULL, NULL},
    {"date", T_DATE, R_TODAY | R_OPEN, NULL, "the day of the order"},
    END};
static const struct rfield proxy_f[] = {
    {"household", T_KEY, R_REQ, "household", "the household it is for"},
    {"resident", T_KEY, R_OPEN, "resident", "the resident it is for"},
    {"items", T_TEXT, R_REQ, NULL, "what to buy, e.g. the medicine"},
    {"status", T_STATE, R_OPEN, NULL, NULL},
    {"requested", T_DATE, R_TODAY | R_OPEN, NULL, "the day it was asked for"},
    {"bought", T_DATE, R_OPEN, NULL,
     "the day it was bought (default: the day status=bought is set)"},
    {"delivered", T_DATE, R_OPEN, NULL,
     "the day it was delivered (default: the day status=delivered is set)"},
    END};
static const struct rfield disinfect_f[] = {
    {"date", T_DATE, R_TODAY | R_OPEN, NULL, "the day of the round"},
    {"area", T_TEXT, R_REQ | R_OPEN, NULL, "what was disinfected, e.g. gates, stairwells, lifts"},
    {"by", T_TEXT, 0, NULL, "who did it"},
    {"note", T_TEXT, R_OPEN, NULL, "anything else"},
    END};
static const struct rfield measures_f[] = {
    {"publicity", T_BOOL, R_OPEN, NULL, "publicity in place"},
    {"closed", T_BOOL, R_OPEN, NULL, "closed management in place"},
    {"screening", T_BOOL, R_OPEN, NULL, "screening in place"},
    {"disinfection", T_BOOL, R_OPEN, NULL, "disinfection in place"},
    {"supply", T_BOOL, R_OPEN, NULL, "supply in place"},
    {"mobilisation", T_BOOL, R_OPEN, NULL, "mobilisation in place"},
    END};
static const char *const order_states[] = {"ordered", "delivered", NULL};
static const char *const proxy_states[] = {"requested", "bought", "delivered", NULL};

static int household_rule(struct job *j);
static int resident_rule(struct job *j);
static int relief_rule(struct job *j);

#define REGISTER (V_ADD | V_SET | V_SHOW | V_LIST)
static const struct rspec specs[] = {
    {"compound", NULL, "compound", 'r', REGISTER, "compound", "COMPOUND", "SH-C01", NULL, 0,
     compound_f, NULL, NULL, NULL, "A residential compound (xiaoqu) of the community."},
    {"household", NULL, "household", 'r', REGISTER, "household", "HOUSEHOLD", "SH-C01-3-2-501",
     NULL, 1, household_f, NULL, NULL, household_rule,
     "A household; its code is the compound code, '-' and building-unit-room."},
    {"resident", NULL, "resident", 'r', REGISTER, "resident", "RESIDENT", "r-SH-00123", NULL, 0,
     resident_f, NULL, NULL, resident_rule,
     "A resident, member of exactly one registered household."},
    {"grid", NULL, "grid", 'r', REGISTER, "grid", "GRID", "SH-G1", NULL, 0, grid_f, NULL, NULL,
     NULL, "A grid of the community and the households its workers serve."},
    {"volunteer", NULL, "volunteer", 'r', REGISTER, "volunteer", "VOLUNTEER", "SH-V01", NULL, 0,
     volunteer_f, NULL, NULL, NULL, "A volunteer of the community."},
    {"supply", "stock", "supply_stock", 'c', V_IN | V_OUT | V_SHOW | V_LIST, "stock", "STOCK",
     "SH-stock", NULL, 0, NULL, NULL, NULL, NULL,
     "Supply stock counters (rice_kg, vegetables_kg, meat_kg...), whole numbers; concurrent "
     "deliveries and hand-outs on several nodes add up."},
    {"supply", "relief", "distribution", 'l', V_ADD | V_SHOW | V_LIST, "relief hand-out",
     "HOUSEHOLD", "SH-C01-3-2-501", "household", 1, relief_f, NULL, "relief", relief_rule,
     "Free relief handed to a household (hardship households first). Logged as a distribution of "
     "kind relief; linli report counts them."},
    {"supply", "order", "group_order", 'r', REGISTER, "group order", "ORDER", "SH-go-0001", NULL,
     0, order_f, order_states, "group", NULL,
     "A household's group-purchase order. When it reaches delivered, a distribution of kind "
     "group is logged for the household."},
    {"supply", "proxy", "proxy_request", 'r', REGISTER, "proxy request", "REQUEST", "SH-px-0001",
     NULL, 0, proxy_f, proxy_states, "proxy", NULL,
     "A proxy purchase (medicine for special cases). When it reaches delivered, a distribution "
     "of kind proxy is logged for the household."},
    {"disinfect", NULL, "disinfection", 'l', V_ADD | V_SHOW | V_LIST, "disinfection round",
     "COMPOUND", "SH-C01", "compound", 0, disinfect_f, NULL, NULL, NULL,
     "A disinfection round in a registered compound."},
    {"measures", NULL, "measures", 'r', V_SET | V_SHOW | V_LIST, "six-measures checklist",
     "COMPOUND", "SH-C01", "compound", 0, measures_f, NULL, NULL, NULL,
     "The six measures of a registered compound (publicity, closed management, screening, "
     "disinfection, supply, mobilisation); all six in place is one condition of epidemic-free."},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

/* ---- a command being run ---- */

#define VALS_MAX 64
#define TEXT_MAX 200
#define ELEM_TEXT_MAX 120 /* a set element's encoding must fit CRDT_ELEM_MAX */
#define QTY_MAX 1000000000
#define CUR_MAX 256
#define FIELDS_MAX 8

struct val {
  const struct rfield *f; /* NULL: a counter item */
  char op;                /* '=' set, '+' add to a set, '-' remove from a set */
  struct cli_kv kv;       /* kv.k is the field name */
  char buf[CRDT_FIELD_MAX + 1]; /* the field name as typed (a counter item's name) */
  char vbuf[24];                /* a date, an ID number in its stored form */
};

struct job {
  const struct rspec *sp;
  struct cli_args *a;
  const char *verb, *key;
  unsigned vbit;
  char who[48]; /* "linli resident add" */
  struct val v[VALS_MAX];
  int n;
  char today[RULES_DATE_LEN + 1];
  struct cli_writer *w;
  /* the record before the write */
  int found;
  char cur[FIELDS_MAX][CUR_MAX]; /* lww values of the row's fields, as text */
  int64_t sum[VALS_MAX];         /* counters: each item's stock */
  int delivered;                 /* status reaches its last state now */
};

/* "linli resident add: <sentence>" on stderr; returns code. */
static int say(const struct job *j, int code, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", j->who);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

static const struct rspec *spec_of_coll(const char *coll)
{
  for (size_t i = 0; i < N_SPECS; i++)
    if (!strcmp(specs[i].coll, coll))
      return &specs[i];
  return NULL;
}

static int field_index(const struct rspec *sp, const char *name, size_t len)
{
  for (int i = 0; sp->fields && sp->fields[i].name; i++)
    if (strlen(sp->fields[i].name) == len && !memcmp(sp->fields[i].name, name, len))
      return i;
  return -1;
}

static struct val *given(struct job *j, const char *name)
{
  for (int i = 0; i < j->n; i++)
    if (j->v[i].op == '=' && !strcmp(j->v[i].kv.k, name))
      return &j->v[i];
  return NULL;
}

/* The key as a sentence names it: "resident r-SH-00001", "that household". */
static const char *named(const struct job *j, char *out, size_t cap)
{
  if (j->sp->key_private)
    snprintf(out, cap, "that %s", j->sp->noun);
  else
    snprintf(out, cap, "%s %s", j->sp->noun, j->key);
  return out;
}

/* ---- values ---- */

static const struct {
  const char *word;
  int v;
} bool_words[] = {{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0},
                  {"1", 1},   {"0", 0},  {"是", 1},   {"否", 0}};

static int plain_text(const char *s, size_t n, size_t max)
{
  if (!n || n > max || !crdt_utf8_valid((const uint8_t *)s, n))
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return 0;
  return 1;
}

/* Whole number of at most digits digits, no sign or leading zero. */
static int whole(const char *s, int digits, int64_t *out)
{
  size_t n = strlen(s);
  if (!n || n > (size_t)digits || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
    return 0;
  *out = strtoll(s, NULL, 10);
  return 1;
}

static int state_index(const char *const *states, const char *s)
{
  for (int i = 0; states && states[i]; i++)
    if (!strcmp(states[i], s))
      return i;
  return -1;
}

static void state_chain(const char *const *states, const char *sep, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; states && states[i] && at < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? sep : "", states[i]);
}

/* Checks s as a value of field f (NULL: a counter item) and sets v->kv:
 * CLI_OK, CLI_USAGE (malformed) or CLI_FAIL (well-formed, not acceptable),
 * after one sentence. */
static int check_value(struct job *j, const struct rfield *f, const char *name, const char *s,
                       struct val *v)
{
  size_t n = strlen(s);
  int64_t x;
  char type = f ? f->type : T_QTY;
  v->kv = (struct cli_kv){name, 's', s, 0};
  if (!n)
    return say(j, CLI_USAGE, "%s= needs a value after the '='", name);
  if (f && (f->flags & R_SET) && n > ELEM_TEXT_MAX)
    return say(j, CLI_USAGE, "an element of %s is at most %d bytes", name, ELEM_TEXT_MAX);
  switch (type) {
  case T_TEXT:
    if (!plain_text(s, n, TEXT_MAX))
      return say(j, CLI_USAGE, "%s takes 1 to %d bytes of text without control characters", name,
                 TEXT_MAX);
    return CLI_OK;
  case T_KEY:
    if (crdt_check_key(s, n))
      return say(j, CLI_USAGE, "%s takes a key: 1 to %d bytes of text without control characters",
                 name, CRDT_KEY_MAX);
    return CLI_OK;
  case T_PHONE: {
    size_t digits = 0;
    for (size_t i = 0; i < n; i++)
      digits += s[i] >= '0' && s[i] <= '9';
    if (n > 24 || digits < 3 || strspn(s + (s[0] == '+'), "0123456789- ") != n - (s[0] == '+'))
      return say(j, CLI_USAGE, "%s takes a phone number: digits, a leading +, '-' and spaces",
                 name);
    return CLI_OK;
  }
  case T_BOOL:
    for (size_t i = 0; i < sizeof bool_words / sizeof bool_words[0]; i++)
      if (!strcmp(s, bool_words[i].word)) {
        v->kv.t = 'b';
        v->kv.i = bool_words[i].v;
        return CLI_OK;
      }
    return say(j, CLI_USAGE, "%s takes yes or no (or true/false, 1/0, 是/否)", name);
  case T_YEAR:
    if (!whole(s, 4, &x) || n != 4)
      return say(j, CLI_USAGE, "%s takes a year of four digits, e.g. 1980", name);
    if (x < 1880 || x > 2100)
      return say(j, CLI_FAIL, "%s must be a year from 1880 to 2100", name);
    v->kv.t = 'i';
    v->kv.i = x;
    return CLI_OK;
  case T_IDNO: {
    char first[18];
    if (n != 18 || strspn(s, "0123456789") < 17)
      return say(j, CLI_USAGE, "%s takes the 18-character ID number: 17 digits and a check "
                               "character (0-9 or X)", name);
    memcpy(first, s, 17);
    first[17] = 0;
    char last = s[17] == 'x' ? 'X' : s[17];
    if (sample_id_check(first) != last)
      return say(j, CLI_FAIL, "the check character of %s does not match its first 17 digits (ISO "
                              "7064 MOD 11-2): check the number", name);
    snprintf(v->vbuf, sizeof v->vbuf, "%.17s%c", s, last);
    v->kv.s = v->vbuf;
    return CLI_OK;
  }
  case T_DATE: {
    int rc = cli_date(s, v->vbuf, 0);
    v->kv.s = v->vbuf;
    return rc;
  }
  case T_QTY:
    if (!whole(s, 10, &x) || x < 1 || x > QTY_MAX)
      return say(j, CLI_USAGE, "%s takes a whole number from 1 to %d", name, QTY_MAX);
    v->kv.t = 'i';
    v->kv.i = x;
    return CLI_OK;
  case T_STATE: {
    char chain[96];
    if (state_index(j->sp->states, s) >= 0)
      return CLI_OK;
    state_chain(j->sp->states, ", ", chain, sizeof chain);
    return say(j, CLI_USAGE, "%s takes one of %s", name, chain);
  }
  }
  return say(j, CLI_USAGE, "%s has a type this linli does not know", name);
}

static void list_fields(const struct rspec *sp, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; sp->fields[i].name && at < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? ", " : "", sp->fields[i].name);
}

/* field=value, field+=value, field-=value; name and operator checked
 * against the row, the value against its type. */
static int parse_arg(struct job *j, const char *arg)
{
  const char *eq = strchr(arg, '=');
  struct val *v = &j->v[j->n];
  char names[256];
  if (!eq || eq == arg)
    return say(j, CLI_USAGE, "every argument after the %s is field=value (e.g. %s=...)",
               j->sp->key, j->sp->fields ? j->sp->fields[0].name : "rice_kg");
  size_t nl = (size_t)(eq - arg);
  char op = '=';
  if (nl > 1 && (arg[nl - 1] == '+' || arg[nl - 1] == '-'))
    op = arg[--nl];
  if (crdt_check_ident(arg, nl, CRDT_FIELD_MAX))
    return say(j, CLI_USAGE, "a field name is 1 to %d characters of a-z 0-9 _", CRDT_FIELD_MAX);
  memcpy(v->buf, arg, nl);
  v->buf[nl] = 0;
  if (!j->sp->fields) { /* counters: any item */
    if (op != '=')
      return say(j, CLI_USAGE, "write each item as item=N (e.g. rice_kg=50)");
    if (given(j, v->buf))
      return say(j, CLI_USAGE, "%s is given twice", v->buf);
    v->f = NULL;
    v->op = op;
    return check_value(j, NULL, v->buf, eq + 1, v);
  }
  int fi = field_index(j->sp, arg, nl);
  if (fi < 0) {
    list_fields(j->sp, names, sizeof names);
    return say(j, CLI_USAGE, "a %s has no field %s; its fields are %s", j->sp->noun, v->buf, names);
  }
  const struct rfield *f = &j->sp->fields[fi];
  if (f->flags & R_DERIVED)
    return say(j, CLI_USAGE, "%s is not written here: %s", f->name, f->about);
  if ((f->flags & R_SET) && op == '=')
    return say(j, CLI_USAGE, "%s is a set: add with %s+=VALUE, remove with %s-=VALUE", f->name,
               f->name, f->name);
  if (!(f->flags & R_SET) && op != '=')
    return say(j, CLI_USAGE, "%s holds one value: write %s=VALUE", f->name, f->name);
  if (op == '=' && given(j, f->name))
    return say(j, CLI_USAGE, "%s is given twice", f->name);
  if (op == '-' && j->vbit == V_ADD)
    return say(j, CLI_USAGE, "a new %s has nothing to remove from %s", j->sp->noun, f->name);
  v->f = f;
  v->op = op;
  return check_value(j, f, f->name, eq + 1, v);
}

/* add: the required fields are there, and a status is the first state. */
static int required(struct job *j)
{
  const struct rspec *sp = j->sp;
  char need[256];
  size_t at = 0;
  int missing = -1;
  for (int i = 0; sp->fields && sp->fields[i].name; i++) {
    const struct rfield *f = &sp->fields[i];
    struct val *v = given(j, f->name);
    if (f->type == T_STATE && v && strcmp(v->kv.s, sp->states[0]))
      return say(j, CLI_USAGE, "a new %s starts as %s; move it on with: linli %s %s set %s "
                               "status=%s", sp->noun, sp->states[0], sp->cmd, sp->sub, sp->key,
                 v->kv.s);
    if (!(f->flags & R_REQ))
      continue;
    if (!v && missing < 0)
      missing = i;
    at += (size_t)snprintf(need + at, sizeof need - at, " %s=...", f->name);
    if (at >= sizeof need)
      at = sizeof need - 1;
  }
  if (missing >= 0)
    return say(j, CLI_USAGE, "%s is required: add needs%s", sp->fields[missing].name, need);
  return CLI_OK;
}

/* add: what is written without being told (today's dates, this
 * community, the first state). */
static void defaults(struct job *j)
{
  const struct rspec *sp = j->sp;
  for (int i = 0; sp->fields && sp->fields[i].name && j->n < VALS_MAX; i++) {
    const struct rfield *f = &sp->fields[i];
    const char *dflt = f->type == T_STATE      ? sp->states[0]
                       : (f->flags & R_TODAY) ? j->today
                       : (f->flags & R_HOME)  ? j->w->c.scopes[0]
                                              : NULL;
    if (dflt && !given(j, f->name))
      j->v[j->n++] = (struct val){f, '=', {f->name, 's', dflt, 0}, {0}, {0}};
  }
}

/* ---- the store, before the write ---- */

static int on_cur(void *arg, const struct record *r)
{
  struct job *j = arg;
  for (int i = 0; j->sp->fields && j->sp->fields[i].name && i < FIELDS_MAX; i++) {
    int64_t x;
    if (record_str(r, j->sp->fields[i].name, j->cur[i], CUR_MAX) == 0)
      continue;
    if (record_int(r, j->sp->fields[i].name, &x) == 0)
      snprintf(j->cur[i], CUR_MAX, "%lld", (long long)x);
  }
  for (int i = 0; !j->sp->fields && i < j->n; i++) {
    const struct record_field *f = record_field(r, j->v[i].kv.k);
    j->sum[i] = f && f->tag == CRDT_ROW_COUNTER ? f->sum : 0;
  }
  return 0;
}

static const char *cur_of(const struct job *j, const char *name)
{
  int i = field_index(j->sp, name, strlen(name));
  return i >= 0 && i < FIELDS_MAX ? j->cur[i] : "";
}

/* The value a field will have after the write: given now, else held. */
static const char *after_of(struct job *j, const char *name)
{
  struct val *v = given(j, name);
  return v ? v->kv.s : cur_of(j, name);
}

static int read_failed(const struct job *j, int rc)
{
  return say(j, CLI_FAIL, "cannot read the records: %s", linli_strerror(rc));
}

/* Every key a value names must be registered in this community. */
static int check_refs(struct job *j)
{
  for (int i = 0; i < j->n; i++) {
    const struct rfield *f = j->v[i].f;
    if (!f || !f->ref || j->v[i].op == '-')
      continue;
    int rc = cli_writer_lookup(j->w, NULL, f->ref, j->v[i].kv.s, NULL, NULL);
    if (rc < 0)
      return read_failed(j, rc);
    if (rc)
      continue;
    const struct rspec *r = spec_of_coll(f->ref);
    if (r->key_private)
      return say(j, CLI_FAIL, "%s names no registered %s of community %s: check it, or register "
                              "it first with linli %s add", f->name, r->noun, j->w->c.scopes[0],
                 r->cmd);
    return say(j, CLI_FAIL, "%s %s is not registered in community %s: register it first with "
                            "linli %s add", r->noun, j->v[i].kv.s, j->w->c.scopes[0], r->cmd);
  }
  return CLI_OK;
}

/* The ids of the add ops that put elem into field of the record: the
 * parents of a remove. */
struct elems {
  uint8_t ids[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t n;
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + CRDT_FIELD_MAX + 140];
  int pl;
};

static int on_elem(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct elems *e = arg;
  (void)v, (void)vl;
  if (kl != (size_t)e->pl + CRDT_ID_BYTES || e->n == CRDT_PARENTS_MAX)
    return 0;
  memcpy(e->ids + e->n++ * CRDT_ID_BYTES, k + e->pl, CRDT_ID_BYTES);
  return 0;
}

static int read_elems(void *arg, const struct crdt_view *v)
{
  struct elems *e = arg;
  int rc = v->scan(v->ctx, e->prefix, (size_t)e->pl, on_elem, e);
  return rc < 0 ? rc : 0;
}

static int find_elems(struct job *j, const struct val *v, struct elems *e)
{
  uint8_t enc[CRDT_ELEM_MAX + 8];
  struct crdt_buf b;
  const char *field = v->kv.k;
  size_t fl = strlen(field);
  memset(e, 0, sizeof *e);
  crdt_buf_init(&b, enc, sizeof enc);
  crdt_w_cstr(&b, v->kv.s);
  int pl = crdt_row_prefix(e->prefix, sizeof e->prefix, j->w->c.scopes[0],
                           strlen(j->w->c.scopes[0]), j->sp->coll, strlen(j->sp->coll), j->key,
                           strlen(j->key));
  if (pl < 0 || crdt_buf_err(&b) || (size_t)pl + 4 + fl + b.len > sizeof e->prefix)
    return LINLI_ETOOBIG;
  e->prefix[pl++] = CRDT_ROW_ELEM;
  memcpy(e->prefix + pl, field, fl + 1); /* the name and its 00 */
  pl += (int)fl + 1;
  e->prefix[pl++] = (uint8_t)(b.len >> 8);
  e->prefix[pl++] = (uint8_t)b.len;
  memcpy(e->prefix + pl, b.p, b.len);
  e->pl = pl + (int)b.len;
  int rc = cli_writer_read(j->w, read_elems, e);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

/* Checks before anything is written: the record exists (set, out) or not
 * (add), the keys it names are registered, the elements it removes are
 * there, its status moves forward, the stock suffices. */
static int check_store(struct job *j)
{
  const struct rspec *sp = j->sp;
  char name[CRDT_KEY_MAX + 48];
  int rc;
  if (sp->key_ref) {
    const struct rspec *r = spec_of_coll(sp->key_ref);
    if ((rc = cli_writer_lookup(j->w, NULL, sp->key_ref, j->key, NULL, NULL)) < 0)
      return read_failed(j, rc);
    if (!rc && r->key_private)
      return say(j, CLI_FAIL, "no such %s in community %s: check the code, or register it first "
                              "with linli %s add", r->noun, j->w->c.scopes[0], r->cmd);
    if (!rc)
      return say(j, CLI_FAIL, "%s %s is not registered in community %s: register it first with "
                              "linli %s add", r->noun, j->key, j->w->c.scopes[0], r->cmd);
  }
  if (sp->shape != 'l') {
    if ((rc = cli_writer_lookup(j->w, NULL, sp->coll, j->key, on_cur, j)) < 0)
      return read_failed(j, rc);
    j->found = rc;
  }
  named(j, name, sizeof name);
  if (sp->shape == 'r' && j->vbit == V_ADD && j->found)
    return say(j, CLI_FAIL, "%s is registered already: change it with linli %s%s%s set", name,
               sp->cmd, sp->sub ? " " : "", sp->sub ? sp->sub : "");
  if (sp->shape == 'r' && j->vbit == V_SET && !j->found && (sp->verbs & V_ADD))
    return say(j, CLI_FAIL, "%s is not registered in community %s: register it with linli %s%s%s "
                            "add", name, j->w->c.scopes[0], sp->cmd, sp->sub ? " " : "",
               sp->sub ? sp->sub : "");
  if ((rc = check_refs(j)))
    return rc;
  for (int i = 0; i < j->n; i++) {
    struct val *v = &j->v[i];
    struct elems e;
    if (v->op == '-') {
      if ((rc = find_elems(j, v, &e)) < 0)
        return read_failed(j, rc);
      if (!e.n)
        return say(j, CLI_FAIL, "%s does not hold that value in %s: nothing to remove", name,
                   v->kv.k);
    }
    if (j->vbit == V_OUT && j->sum[i] < v->kv.i)
      return say(j, CLI_FAIL, "stock %s holds %lld of %s: take at most that much", j->key,
                 (long long)j->sum[i], v->kv.k);
  }
  struct val *st = sp->states ? given(j, "status") : NULL;
  if (st && j->vbit == V_SET) {
    int from = state_index(sp->states, cur_of(j, "status")), to = state_index(sp->states, st->kv.s);
    char chain[96];
    state_chain(sp->states, " -> ", chain, sizeof chain);
    if (to <= from)
      return say(j, CLI_FAIL, "%s is %s already; a %s only moves forward: %s", name,
                 sp->states[from], sp->noun, chain);
    j->delivered = !sp->states[to + 1];
    int di = field_index(sp, sp->states[to], strlen(sp->states[to]));
    if (di >= 0 && !given(j, sp->states[to]) && j->n < VALS_MAX) /* the day it got there */
      j->v[j->n++] = (struct val){&sp->fields[di], '=', {sp->fields[di].name, 's', j->today, 0},
                                  {0}, {0}};
  }
  return sp->rule ? sp->rule(j) : CLI_OK;
}

/* ---- rules beyond the table ---- */

static int household_rule(struct job *j)
{
  if (!given(j, "compound"))
    return CLI_OK;
  const char *c = after_of(j, "compound");
  size_t cl = strlen(c);
  if (strncmp(j->key, c, cl) || j->key[cl] != '-' || !j->key[cl + 1])
    return say(j, CLI_FAIL, "a household code is its compound's code, '-' and building-unit-room "
                            "(e.g. %s-3-2-501): the code and compound=%s do not fit", c, c);
  return CLI_OK;
}

/* Is the resident a member of a household other than home? */
struct member {
  const char *scope, *key, *home;
  size_t ql; /* scope 00 household 00 */
  int elsewhere;
};

static int on_member(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  static const char field[] = "members"; /* with its 00 */
  struct member *m = arg;
  const uint8_t *hh = k + m->ql, *end = k + kl;
  (void)v, (void)vl;
  if (hh >= end || hh[0] == CRDT_ROW_LOG)
    return 0;
  const uint8_t *z = memchr(hh, 0, (size_t)(end - hh));
  /* hh 00 'E' members 00 u16be(len) element id */
  if (!z || (size_t)(end - z) < 2 + sizeof field + 2 + CRDT_ID_BYTES || z[1] != CRDT_ROW_ELEM ||
      memcmp(z + 2, field, sizeof field))
    return 0;
  const uint8_t *e = z + 2 + sizeof field;
  size_t el = (size_t)e[0] << 8 | e[1];
  struct crdt_mp r;
  const char *s;
  uint32_t sl;
  if ((size_t)(end - e) != 2 + el + CRDT_ID_BYTES)
    return 0;
  crdt_mp_init(&r, e + 2, el);
  if (crdt_mp_str(&r, &s, &sl) || sl != strlen(m->key) || memcmp(s, m->key, sl))
    return 0;
  if ((size_t)(z - hh) != strlen(m->home) || memcmp(hh, m->home, (size_t)(z - hh)))
    m->elsewhere = 1;
  return 0;
}

static int read_members(void *arg, const struct crdt_view *v)
{
  struct member *m = arg;
  uint8_t q[CRDT_SCOPE_MAX + 16];
  int ql = crdt_row_prefix(q, sizeof q, m->scope, strlen(m->scope), "household", 9, NULL, 0);
  if (ql < 0)
    return ql;
  m->ql = (size_t)ql;
  int rc = v->scan(v->ctx, q, (size_t)ql, on_member, m);
  return rc < 0 ? rc : 0;
}

/* A resident belongs to one household: its household field, and the
 * members set of that household (written with it). */
static int resident_rule(struct job *j)
{
  struct val *v = given(j, "household");
  const char *was = cur_of(j, "household");
  char name[CRDT_KEY_MAX + 48];
  if (!v || !strcmp(was, v->kv.s))
    return CLI_OK;
  named(j, name, sizeof name);
  if (was[0])
    return say(j, CLI_FAIL, "%s is already in another household; a resident belongs to one "
                            "household (register the move as a new resident key)", name);
  struct member m = {j->w->c.scopes[0], j->key, v->kv.s, 0, 0};
  int rc = cli_writer_read(j->w, read_members, &m);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return read_failed(j, rc);
  if (m.elsewhere)
    return say(j, CLI_FAIL, "%s is already a member of another household; a resident belongs to "
                            "one household", name);
  return CLI_OK;
}

static int on_hardship(void *arg, const struct record *r)
{
  int64_t x;
  *(int *)arg = record_int(r, "hardship", &x) == 0 && x;
  return 0;
}

static int relief_rule(struct job *j)
{
  int hardship = 0;
  if (cli_writer_lookup(j->w, NULL, "household", j->key, on_hardship, &hardship) == 1 && !hardship)
    fprintf(stderr, "%s: note: that household is not marked hardship (linli household set ... "
                    "hardship=yes); relief is recorded all the same\n", j->who);
  return CLI_OK;
}

/* ---- writing ---- */

static const char *done_word(const struct job *j)
{
  switch (j->vbit) {
  case V_ADD:
    return j->sp->shape == 'l' ? "logged" : "registered";
  case V_IN:
    return "received";
  case V_OUT:
    return "handed out";
  default:
    return "changed";
  }
}

/* The hand-out a group order or a proxy purchase makes when it is
 * delivered: a distribution event of the household, as relief is. */
static int write_handout(struct job *j)
{
  const struct rspec *sp = j->sp;
  const char *last = sp->states[0];
  for (int i = 0; sp->states[i]; i++)
    last = sp->states[i];
  const char *date = field_index(sp, last, strlen(last)) >= 0 ? after_of(j, last) : j->today;
  struct cli_kv kv[] = {{"date", 's', date[0] ? date : j->today, 0},
                        {"items", 's', after_of(j, "items"), 0},
                        {"kind", 's', sp->kind, 0},
                        {"source", 's', j->key, 0}};
  const char *hh = after_of(j, "household");
  if (!hh[0] || !kv[1].s[0]) {
    fprintf(stderr, "%s: note: no household or items on record, so no distribution was logged\n",
            j->who);
    return CLI_OK;
  }
  struct node_change ch = {NULL, "distribution", hh, CRDT_APPEND, NULL, 0, NULL, 0};
  return cli_write_kv(j->w, &ch, kv, 4);
}

static int write_job(struct job *j)
{
  const struct rspec *sp = j->sp;
  struct cli_kv kv[VALS_MAX + 1];
  struct elems el;
  char name[CRDT_KEY_MAX + 48];
  int n = 0, ops = 0, rc = CLI_OK;
  struct node_change ch = {NULL, sp->coll, j->key, CRDT_SET, NULL, 0, NULL, 0};
  for (int i = 0; i < j->n; i++)
    if (j->v[i].op == '=') {
      kv[n] = j->v[i].kv;
      if (j->vbit == V_OUT)
        kv[n].i = -kv[n].i;
      n++;
    }
  if (sp->shape == 'l' && sp->kind)
    kv[n++] = (struct cli_kv){"kind", 's', sp->kind, 0};
  ch.kind = sp->shape == 'l' ? CRDT_APPEND : sp->shape == 'c' ? CRDT_COUNTER : CRDT_SET;
  if (n && (rc = cli_write_kv(j->w, &ch, kv, n)) == CLI_OK)
    ops++;
  for (int i = 0; i < j->n && rc == CLI_OK; i++) {
    const struct val *v = &j->v[i];
    struct cli_kv e = {v->kv.k, 'a', v->kv.s, 0};
    struct node_change c = {NULL, sp->coll, j->key, CRDT_ADD, NULL, 0, NULL, 0};
    if (v->op == '=')
      continue;
    if (v->op == '-') {
      if ((rc = find_elems(j, v, &el)) < 0) {
        rc = read_failed(j, rc);
        break;
      }
      c.kind = CRDT_REMOVE;
      c.parents = el.ids;
      c.n_parents = el.n;
    }
    if ((rc = cli_write_kv(j->w, &c, &e, 1)) == CLI_OK)
      ops++;
  }
  const struct val *hh = sp->rule == resident_rule ? given(j, "household") : NULL;
  if (rc == CLI_OK && hh && strcmp(cur_of(j, "household"), hh->kv.s)) {
    struct cli_kv m = {"members", 'a', j->key, 0};
    struct node_change c = {NULL, "household", hh->kv.s, CRDT_ADD, NULL, 0, NULL, 0};
    if ((rc = cli_write_kv(j->w, &c, &m, 1)) == CLI_OK)
      ops++;
  }
  if (rc == CLI_OK && j->delivered && sp->kind && (rc = write_handout(j)) == CLI_OK)
    ops++;
  if (rc)
    return ops ? say(j, CLI_FAIL, "stopped after %d op(s) were stored; run it again once the "
                                  "cause is fixed", ops)
               : CLI_FAIL;
  if (sp->key_private)
    snprintf(name, sizeof name, "%s", sp->noun);
  else if (sp->key_ref)
    snprintf(name, sizeof name, "%s of %s %s", sp->noun, spec_of_coll(sp->key_ref)->noun, j->key);
  else
    named(j, name, sizeof name);
  fprintf(stderr, "linli: %s %s%s: %d op%s stored %s\n", name, done_word(j),
          j->delivered ? ", and its hand-out logged as a distribution" : "", ops,
          ops == 1 ? "" : "s", cli_writer_where(j->w));
  return CLI_OK;
}

/* ---- reading ---- */

/* Columns of the human tables: display width, CJK characters count two. */
static int dwidth(const char *s, size_t n)
{
  int w = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    uint32_t cp = c;
    size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (len > 1 && i + len <= n) {
      cp = c & (0x3f >> (len - 1));
      for (size_t k = 1; k < len; k++)
        cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
    }
    w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                 (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                 (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                 (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000
             ? 2
             : 1;
    i += len;
  }
  return w;
}

static void cell(const char *s, int width)
{
  int w = dwidth(s, strlen(s));
  fputs(s, stdout);
  for (; w < width; w++)
    fputc(' ', stdout);
  fputc(' ', stdout);
}

static int col_width(const struct rfield *f)
{
  int w = (f->flags & R_SET) ? 4
          : f->type == T_IDNO ? 18
          : f->type == T_KEY || f->type == T_TEXT ? 16
          : f->type == T_PHONE ? 14
          : f->type == T_DATE || f->type == T_STATE ? 10
                                                    : 5;
  int nl = (int)strlen(f->name);
  return nl > w ? nl : w;
}

/* One msgpack value as table text: a string, a number, yes/no. */
static void render(const uint8_t *p, size_t len, char *out, size_t cap)
{
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  int64_t x;
  int b;
  crdt_mp_init(&m, p, len);
  if (crdt_mp_str(&m, &s, &sl) == 0) {
    snprintf(out, cap, "%.*s", (int)sl, s);
    return;
  }
  crdt_mp_init(&m, p, len);
  if (crdt_mp_int(&m, &x) == 0) {
    snprintf(out, cap, "%lld", (long long)x);
    return;
  }
  crdt_mp_init(&m, p, len);
  snprintf(out, cap, "%s", crdt_mp_bool(&m, &b) ? "?" : b ? "yes" : "no");
}

static void header(const struct rspec *sp)
{
  cell(sp->key, 18);
  for (int i = 0; sp->fields[i].name; i++) {
    char up[CRDT_FIELD_MAX + 1];
    size_t k = 0;
    for (; sp->fields[i].name[k]; k++)
      up[k] = (char)(sp->fields[i].name[k] - 32 * (sp->fields[i].name[k] >= 'a'));
    up[k] = 0;
    cell(up, col_width(&sp->fields[i]));
  }
  fputc('\n', stdout);
}

struct lister {
  const struct rspec *sp;
  const char *scope, *key; /* key: one record or one key's events */
  struct store *s;
  int json, count, conflicts;
  uint8_t op[CRDT_OP_MAX_BYTES];
};

static int on_row(void *arg, const struct record *r)
{
  struct lister *l = arg;
  char key[CRDT_KEY_MAX + 1], text[CUR_MAX];
  if (r->deleted)
    return 0;
  if (!l->count++)
    header(l->sp);
  snprintf(key, sizeof key, "%.*s", (int)r->key.len, r->key.p);
  cell(key, 18);
  for (int i = 0; l->sp->fields[i].name; i++) {
    const struct rfield *f = &l->sp->fields[i];
    const struct record_field *rf = record_field(r, f->name);
    text[0] = 0;
    if (rf && rf->tag == CRDT_ROW_ELEM)
      snprintf(text, sizeof text, "%u", rf->elems);
    else if (rf && rf->tag == CRDT_ROW_LWW && rf->value)
      render(rf->value, rf->value_len, text, sizeof text - 1);
    if (rf && rf->losers) {
      strcat(text, "*");
      l->conflicts++;
    }
    cell(text[0] ? text : "-", col_width(f));
  }
  fputc('\n', stdout);
  return 0;
}

/* The value of field name in an op's body map, or NULL. */
static const uint8_t *body_get(const uint8_t *body, size_t len, const char *name, size_t *vl)
{
  struct crdt_mp m;
  uint32_t n;
  crdt_mp_init(&m, body, len);
  if (crdt_mp_map(&m, &n))
    return NULL;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if (crdt_mp_str(&m, &k, &kl))
      return NULL;
    const uint8_t *at = m.p;
    if (crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return NULL;
    if (kl == strlen(name) && !memcmp(k, name, kl)) {
      *vl = (size_t)(m.p - at);
      return at;
    }
  }
  return NULL;
}

/* A log row: scope 00 collection 00 01 hlc8 id; the event is in its op. */
static int on_event(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct lister *l = arg;
  struct crdt_op o;
  char text[CUR_MAX], key[CRDT_KEY_MAX + 1], id[2 * CRDT_ID_BYTES + 1], when[32];
  size_t fl;
  (void)v, (void)vl;
  if (kl < 8 + CRDT_ID_BYTES)
    return LINLI_ECORRUPT;
  const uint8_t *h = k + kl - 8 - CRDT_ID_BYTES, *f;
  uint64_t hlc = 0;
  for (int i = 0; i < 8; i++)
    hlc = hlc << 8 | h[i];
  int len = store_get_op_at(l->s, l->scope, hlc, h + 8, l->op, sizeof l->op);
  if (len < 0 || crdt_op_decode(&o, l->op, (size_t)len))
    return 0; /* an op that cannot be read shows as nothing, as in the report */
  if (l->key && (o.key.len != strlen(l->key) || memcmp(o.key.p, l->key, o.key.len)))
    return 0;
  if (l->sp->kind) { /* relief: the distributions of that kind */
    if (!(f = body_get(o.body, o.body_len, "kind", &fl)))
      return 0;
    render(f, fl, text, sizeof text);
    if (strcmp(text, l->sp->kind))
      return 0;
  }
  snprintf(key, sizeof key, "%.*s", (int)o.key.len, o.key.p);
  if (l->json) {
    struct crdt_mp m;
    cli_hex(id, o.id, CRDT_ID_BYTES);
    cli_time(when, sizeof when, CRDT_HLC_MS(o.hlc));
    printf("%s{\"key\":", l->count ? ",\n" : "");
    cli_json_str(stdout, key, strlen(key));
    printf(",\"id\":\"%s\",\"time\":\"%s\",\"event\":", id, when);
    crdt_mp_init(&m, o.body, o.body_len);
    if (cli_value(stdout, &m, 0))
      fputs("null", stdout);
    fputc('}', stdout);
  } else {
    if (!l->count)
      header(l->sp);
    cell(key, 18);
    for (int i = 0; l->sp->fields[i].name; i++) {
      f = body_get(o.body, o.body_len, l->sp->fields[i].name, &fl);
      text[0] = 0;
      if (f)
        render(f, fl, text, sizeof text);
      cell(text[0] ? text : "-", col_width(&l->sp->fields[i]));
    }
    fputc('\n', stdout);
  }
  l->count++;
  return 0;
}

static int read_list(void *arg, const struct crdt_view *v)
{
  struct lister *l = arg;
  uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
  if (l->sp->shape == 'r')
    return record_each(v, l->scope, l->sp->coll, l->key, on_row, l);
  int ql = crdt_row_prefix(q, sizeof q - 1, l->scope, strlen(l->scope), l->sp->coll,
                           strlen(l->sp->coll), NULL, 0);
  if (ql < 0)
    return ql;
  q[ql++] = CRDT_ROW_LOG;
  int rc = v->scan(v->ctx, q, (size_t)ql, on_event, l);
  return rc < 0 ? rc : 0;
}

/* list (and show of a log): a table of records or events, or JSON. */
static int list(struct job *j, const char *key)
{
  struct config *c = malloc(sizeof *c);
  struct store_config sc = {j->a->data, 0, 0, 0, 1};
  struct lister *l = calloc(1, sizeof *l);
  int rc = CLI_FAIL, e;
  if (!c || !l) {
    free(c), free(l);
    return cli_fail("%s", linli_strerror(LINLI_ENOMEM));
  }
  if (cli_load_config(j->a->data, c))
    goto out;
  l->sp = j->sp;
  l->scope = j->a->scope ? j->a->scope : c->scopes[0];
  l->key = key;
  l->json = j->a->json;
  if ((e = store_open(&l->s, &sc))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", j->a->data,
                  linli_strerror(e));
    goto out;
  }
  if (l->json)
    fputs("[", stdout);
  e = store_read_rows(l->s, read_list, l);
  store_close(l->s);
  if (l->json)
    fputs("]\n", stdout);
  if (e < 0 && e != LINLI_ENOTFOUND) {
    rc = cli_fail("cannot read the database: %s", linli_strerror(e));
    goto out;
  }
  if (!l->json && l->conflicts)
    printf("* %d field(s) with concurrent values: see linli conflicts list\n", l->conflicts);
  char of[CRDT_KEY_MAX + 48] = "";
  if (key && j->sp->key_ref && spec_of_coll(j->sp->key_ref)->key_private)
    snprintf(of, sizeof of, " of that %s", spec_of_coll(j->sp->key_ref)->noun);
  else if (key && j->sp->key_ref)
    snprintf(of, sizeof of, " of %s %s", spec_of_coll(j->sp->key_ref)->noun, key);
  if (!l->json)
    printf("%d %s%s%s in community %s\n", l->count, j->sp->noun, l->count == 1 ? "" : "s", of,
           l->scope);
  rc = CLI_OK;
out:
  free(c);
  free(l);
  return rc;
}

static int on_any(void *arg, const struct record *r)
{
  *(int *)arg |= !r->deleted;
  return 0;
}

struct probe {
  const char *scope, *coll, *key;
  int found;
};

static int read_probe(void *arg, const struct crdt_view *v)
{
  struct probe *p = arg;
  int rc = record_each(v, p->scope, p->coll, p->key, on_any, &p->found);
  return rc < 0 ? rc : 0;
}

/* show: one record (as linli get shows it), or one key's events. */
static int show(struct job *j)
{
  struct config c;
  char name[CRDT_KEY_MAX + 48];
  if (j->sp->shape == 'l')
    return list(j, j->key);
  if (cli_load_config(j->a->data, &c))
    return CLI_FAIL;
  struct probe p = {j->a->scope ? j->a->scope : c.scopes[0], j->sp->coll, j->key, 0};
  int rc = cli_read_rows(j->a->data, read_probe, &p);
  if (rc == CLI_FAIL)
    return CLI_FAIL;
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return cli_fail("cannot read the database: %s", linli_strerror(rc));
  if (!p.found)
    return say(j, CLI_FAIL, "%s is not in community %s", named(j, name, sizeof name), p.scope);
  return cli_show_records(j->a, j->sp->coll, j->key);
}

/* ---- help, from the table ---- */

static void cmd_name(const struct rspec *sp, char *out, size_t cap)
{
  snprintf(out, cap, "%s%s%s", sp->cmd, sp->sub ? " " : "", sp->sub ? sp->sub : "");
}

static void verb_usage(FILE *f, const struct rspec *sp, unsigned bit, const char *verb)
{
  char cmd[32];
  cmd_name(sp, cmd, sizeof cmd);
  if (bit & (V_ADD | V_SET))
    fprintf(f, "linli %s %s --data DIR %s field=value...\n", cmd, verb, sp->key);
  else if (bit & (V_IN | V_OUT))
    fprintf(f, "linli %s %s --data DIR %s item=N...\n", cmd, verb, sp->key);
  else if (bit == V_SHOW)
    fprintf(f, "linli %s show --data DIR %s [--scope S] [--json]\n", cmd, sp->key);
  else
    fprintf(f, "linli %s list --data DIR%s%s%s [--scope S] [--json]\n", cmd,
            sp->shape == 'l' ? " [" : "", sp->shape == 'l' ? sp->key : "",
            sp->shape == 'l' ? "]" : "");
}

/* A paragraph of help wrapped at 79 columns: first before its first line,
 * indent spaces before the others. */
static void wrap(FILE *f, const char *first, int indent, const char *fmt, ...)
{
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  const char *p = text;
  int lead = dwidth(first, strlen(first));
  fputs(first, f);
  while (*p) {
    size_t n = strlen(p), cut = n;
    if (lead + dwidth(p, n) > 79) {
      for (cut = 0; p[cut] && lead + dwidth(p, cut + 1) <= 79; cut++)
        ;
      while (cut && p[cut] != ' ')
        cut--;
      if (!cut)
        cut = strcspn(p, " ");
    }
    fprintf(f, "%.*s\n", (int)cut, p);
    p += cut;
    p += strspn(p, " ");
    if (*p)
      fprintf(f, "%*s", indent, "");
    lead = indent;
  }
}
#define para(f, indent, ...) wrap(f, indent ? "  " : "", indent, __VA_ARGS__)

static void verb_about(FILE *f, const struct rspec *sp, unsigned bit)
{
  const struct rspec *r = sp->key_ref ? spec_of_coll(sp->key_ref) : NULL;
  char cmd[32];
  cmd_name(sp, cmd, sizeof cmd);
  if (bit == V_ADD && sp->shape == 'l')
    para(f, 2, "Logs one %s for a registered %s. Exit 1, nothing written, if %s is not "
               "registered in this node's community.", sp->noun, r->noun, sp->key);
  else if (bit == V_ADD)
    para(f, 2, "Registers a new %s, e.g. %s. Exit 1, nothing written, if %s is registered "
               "already (change it with linli %s set).", sp->noun, sp->eg, sp->key, cmd);
  else if (bit == V_SET && (sp->verbs & V_ADD))
    para(f, 2, "Changes fields of a registered %s; the values it replaces are named as its "
               "parents, so only writes that did not see each other conflict. Exit 1, nothing "
               "written, if %s is not registered (register it with linli %s add).",
         sp->noun, sp->key, cmd);
  else if (bit == V_SET)
    para(f, 2, "Sets fields of the %s of a registered %s (the first set creates it). Exit 1, "
               "nothing written, if the %s is not registered.", sp->noun, r->noun, r->noun);
  else if (bit == V_IN)
    para(f, 2, "Adds N to each item of the stock (a delivery received). Items are names of a-z "
               "0-9 _ with the unit in them (rice_kg, masks); N is a whole number from 1 to %d.",
         QTY_MAX);
  else if (bit == V_OUT)
    para(f, 2, "Takes N from each item of the stock (handed out). Exit 1, nothing written, if "
               "the stock holds less than N of an item.");
  else if (bit == V_SHOW && sp->shape == 'l')
    para(f, 2, "Shows the %ss of one %s in time order (works with linlid stopped); --json: one "
               "object per event.", sp->noun, r->noun);
  else if (bit == V_SHOW)
    para(f, 2, "Shows one %s: every field, set element and conflict, as linli get does (works "
               "with linlid stopped). Exit 1 if it is not there.", sp->noun);
  else if (sp->shape == 'l')
    para(f, 2, "Lists the %ss of the community (or of one %s) in time order, a line each (works "
               "with linlid stopped); --json: one object per event.", sp->noun, r->noun);
  else if (sp->shape == 'c')
    para(f, 2, "Lists every stock and item with its quantity (works with linlid stopped); "
               "--json: as linli list --json.");
  else
    para(f, 2, "Lists every %s of the community, a line each; * marks a field with concurrent "
               "values (works with linlid stopped); --json: as linli list --json.", sp->noun);
}

static const char *type_phrase(const struct rfield *f, char *buf, size_t cap,
                               const struct rspec *sp)
{
  switch (f->type) {
  case T_KEY:
    if (f->ref)
      snprintf(buf, cap, "the key of a registered %s", spec_of_coll(f->ref)->noun);
    else
      snprintf(buf, cap, "a key");
    return buf;
  case T_PHONE:
    return "digits, a leading +, '-' and spaces";
  case T_BOOL:
    return "yes or no (true/false, 1/0, 是/否)";
  case T_YEAR:
    return "a year from 1880 to 2100";
  case T_IDNO:
    return "18 characters, the last the ISO 7064 MOD 11-2 check character";
  case T_DATE:
    return "YYYY-MM-DD in the district's time zone, not in the future";
  case T_STATE:
    state_chain(sp->states, " -> ", buf, cap);
    snprintf(buf + strlen(buf), cap - strlen(buf), ", forward only; add starts at %s",
             sp->states[0]);
    return buf;
  default:
    return "text, up to 200 bytes";
  }
}

static void fields_help(FILE *f, const struct rspec *sp, unsigned bit)
{
  char buf[160], name[CRDT_FIELD_MAX + 8];
  if (!sp->fields)
    return;
  fprintf(f, "  fields%s:\n", bit == V_ADD ? " (* required)" : "");
  for (int i = 0; sp->fields[i].name; i++) {
    const struct rfield *x = &sp->fields[i];
    snprintf(name, sizeof name, "%s%s%s", x->name, x->flags & R_SET ? "+=" : "=",
             bit == V_ADD && (x->flags & R_REQ) ? " *" : "");
    char first[CRDT_FIELD_MAX + 32], set[3 * CRDT_FIELD_MAX + 48] = "";
    snprintf(first, sizeof first, "    %-17s ", name);
    if (x->flags & R_SET)
      snprintf(set, sizeof set, "; a set: %s+=VALUE adds, %s-=VALUE removes", x->name, x->name);
    wrap(f, first, 22, "%s; %s%s%s%s", x->about ? x->about : "the status",
         type_phrase(x, buf, sizeof buf, sp),
         bit == V_ADD && (x->flags & R_TODAY) ? "; default today" : "",
         bit == V_ADD && (x->flags & R_HOME) ? "; default this node's community" : "", set);
  }
}

static void verb_help(FILE *f, const struct rspec *sp, unsigned bit, const char *verb)
{
  fputs("usage: ", f);
  verb_usage(f, sp, bit, verb);
  verb_about(f, sp, bit);
  if (bit & (V_ADD | V_SET))
    fields_help(f, sp, bit);
  para(f, 2, "%s", sp->about);
  if (bit & (V_ADD | V_SET | V_IN | V_OUT))
    para(f, 2, "Writes through linlid if it runs, else into the database, and prints each op "
               "id. Exit 0 written; 1 refused, nothing written (the sentence says what to fix); 2 "
               "usage (unknown verb or field, malformed value, required field missing).");
  else
    para(f, 2, "Exit 0 shown, 1 not found or unreadable, 2 usage.");
}

/* The verbs of cmd (only those of one part, when one is given). */
static void overview(FILE *f, const char *cmd, const struct rspec *part)
{
  for (size_t i = 0; i < N_SPECS; i++) {
    const struct rspec *sp = &specs[i];
    if (strcmp(sp->cmd, cmd) || (part && part != sp))
      continue;
    para(f, 0, "%s", sp->about);
    for (size_t k = 0; k < N_VERBS; k++)
      if (sp->verbs & verb_names[k].bit) {
        fputs("  ", f);
        verb_usage(f, sp, verb_names[k].bit, verb_names[k].name);
      }
    fputc('\n', f);
  }
  fprintf(f, "linli %s%s%s VERB --help shows a verb's fields and rules.\n", cmd,
          part && part->sub ? " " : strcmp(cmd, "supply") ? "" : " stock|relief|order|proxy",
          part && part->sub ? part->sub : "");
}

/* ---- the command ---- */

static int run(struct job *j)
{
  struct cli_args *a = j->a;
  const struct rspec *sp = j->sp;
  int at = sp->sub ? 2 : 1, writes = j->vbit & (V_ADD | V_SET | V_IN | V_OUT), rc;
  int keyed = writes || j->vbit == V_SHOW || (sp->shape == 'l' && a->n_pos > at);
  if (keyed && a->n_pos <= at)
    return say(j, CLI_USAGE, "give the %s, e.g. %s", sp->key, sp->eg);
  j->key = keyed ? a->pos[at++] : NULL;
  if (j->key && crdt_check_key(j->key, strlen(j->key)))
    return say(j, CLI_USAGE, "%s is a key like %s: 1 to %d bytes of text without control "
                             "characters", sp->key, sp->eg, CRDT_KEY_MAX);
  if (!writes && a->n_pos > at)
    return say(j, CLI_USAGE, "%s takes no field=value; see linli %s%s%s %s --help", j->verb,
               sp->cmd, sp->sub ? " " : "", sp->sub ? sp->sub : "", j->verb);
  if (j->vbit == V_SHOW)
    return show(j);
  if (j->vbit == V_LIST && sp->shape == 'l')
    return list(j, j->key);
  if (j->vbit == V_LIST && sp->shape == 'r' && !a->json)
    return list(j, NULL);
  if (j->vbit == V_LIST) /* counters, and JSON: as linli list --json */
    return cli_show_records(a, sp->coll, NULL);
  if (a->json || a->scope)
    return say(j, CLI_USAGE, "%s writes in this node's community and prints op ids: --json and "
                             "--scope are for show and list", j->verb);
  if (a->n_pos == at && j->vbit != V_ADD)
    return say(j, CLI_USAGE, "%s needs at least one %s", j->verb,
               sp->fields ? "field=value" : "item=N");
  for (; at < a->n_pos; at++, j->n++)
    if (j->n == VALS_MAX || (rc = parse_arg(j, a->pos[at])))
      return j->n == VALS_MAX ? say(j, CLI_USAGE, "at most %d fields at once", VALS_MAX) : rc;
  if ((j->vbit == V_ADD && (rc = required(j))) || (rc = cli_date(NULL, j->today, 0)) ||
      (rc = cli_writer_open(&j->w, a->data)))
    return rc;
  if (j->vbit == V_ADD)
    defaults(j);
  if ((rc = check_store(j)))
    return rc;
  return write_job(j);
}

int cli_cmd_records(const struct cli_cmd *cmd, struct cli_args *a)
{
  const char *sub = NULL;
  int at = 0, grouped = 0, rc;
  for (size_t i = 0; i < N_SPECS; i++)
    grouped |= !strcmp(specs[i].cmd, cmd->name) && specs[i].sub;
  if (grouped && at < a->n_pos)
    sub = a->pos[at++];
  const char *verb = at < a->n_pos ? a->pos[at] : NULL;
  const struct rspec *sp = NULL;
  for (size_t i = 0; i < N_SPECS; i++)
    if (!strcmp(specs[i].cmd, cmd->name) && (!grouped || (sub && !strcmp(specs[i].sub, sub))))
      sp = &specs[i];
  unsigned bit = 0;
  for (size_t k = 0; verb && sp && k < N_VERBS; k++)
    if (!strcmp(verb_names[k].name, verb) && (sp->verbs & verb_names[k].bit))
      bit = verb_names[k].bit;
  if (!bit) {
    if (a->help && !verb) {
      overview(stdout, cmd->name, sp);
      return CLI_OK;
    }
    if (grouped && !sp)
      fprintf(stderr, "linli %s: %s; it is one of stock, relief, order, proxy\n", cmd->name,
              sub ? "no such part of supply" : "say which part of supply");
    else
      fprintf(stderr, "linli %s: %s; see linli %s --help\n", cmd->name,
              verb ? "no such verb" : "say what to do (a verb)", cmd->name);
    return cli_usage(cmd, CLI_USAGE);
  }
  if (a->help) {
    verb_help(stdout, sp, bit, verb);
    return CLI_OK;
  }
  struct job *j = calloc(1, sizeof *j);
  if (!j)
    return cli_fail("%s", linli_strerror(LINLI_ENOMEM));
  j->sp = sp;
  j->a = a;
  j->verb = verb;
  j->vbit = bit;
  snprintf(j->who, sizeof j->who, "linli %s%s%s %s", sp->cmd, sp->sub ? " " : "",
           sp->sub ? sp->sub : "", verb);
  rc = run(j);
  cli_writer_close(j->w);
  free(j);
  return rc;
}
