/* linli compound | household | resident | grid | volunteer | supply |
 * disinfect | measures: the staff verbs of each collection, from the domain
 * table (node/domain/domain.h: domain_commands and domain_collections).
 *
 * A write is a plan: dom_plan() checks the arguments and the records the
 * node holds (read-only, in one snapshot) and makes the changes, which are
 * then written through linlid if it runs, else into the node opened here
 * under its lock (write.c). show and list read the store read-only, so they
 * work with linlid stopped. --help is generated from the same table, so it
 * says what the checks do.
 *
 * Exit codes: 0 done; 1 refused, nothing written; 2 the command line is
 * wrong. Sentences never repeat a value that may be personal data. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

static const struct {
  const char *name;
  unsigned bit;
} verb_names[] = {{"add", DOM_V_ADD},   {"set", DOM_V_SET},   {"in", DOM_V_IN},
                  {"out", DOM_V_OUT},   {"show", DOM_V_SHOW}, {"list", DOM_V_LIST},
                  {"void", DOM_V_VOID}, {"move", DOM_V_MOVE}, {"history", DOM_V_HISTORY}};
#define N_VERBS (sizeof verb_names / sizeof verb_names[0])

#define CUR_MAX 256

struct job {
  const struct dom_command *cmd;
  const struct dom_collection *c;
  struct cli_args *a;
  const char *verb, *key;
  unsigned vbit;
  char who[48]; /* "linli resident add" */
};

static const char *cmd_name(const struct dom_command *cmd, char *out, size_t cap)
{
  snprintf(out, cap, "%s%s%s", cmd->cmd, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
  return out;
}

/* "linli resident add: <sentence>" on stderr; returns code. */
static int say(const struct job *j, int code, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", j->who);
  va_start(ap, fmt);
  vfprintf(stderr, _(fmt), ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

/* ---- writing ---- */

static const char *done_word(const struct job *j)
{
  switch (j->vbit) {
  case DOM_V_ADD:
    return j->c->shape == DOM_LOG ? _("logged") : _("registered");
  case DOM_V_IN:
    return _("received");
  case DOM_V_OUT:
    return _("handed out");
  case DOM_V_VOID:
    return _("voided");
  case DOM_V_MOVE:
    return _("moved");
  default:
    return _("changed");
  }
}

static int write_job(struct job *j, int at)
{
  struct cli_writer *w = NULL;
  struct dom_plan *p = NULL;
  char name[CRDT_KEY_MAX + 64];
  int rc, stored = 0;
  if ((rc = cli_writer_open(&w, j->a->data)))
    return rc;
  if (!(p = malloc(sizeof *p))) {
    cli_writer_close(w);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  struct dom_req r = {.coll = domain_coll_id(j->c), .cmd = j->cmd, .verb = j->vbit, .key = j->key,
                      .args = j->a->pos + at, .n_args = j->a->n_pos - at, .clear = j->a->clear,
                      .n_clear = j->a->n_clear, .reason = j->a->reason, .to = j->a->household,
                      .force = j->a->force};
  if ((rc = cli_plan_write(w, &r, j->who, p, &stored)))
    goto out;
  if (j->c->key_private)
    snprintf(name, sizeof name, "%s", cli_tx(j->c->noun));
  else if (j->c->key_ref >= 0)
    snprintf(name, sizeof name, "%s of %s %s", cli_tx(j->c->noun),
             cli_tx(domain_collections[j->c->key_ref].noun), j->key);
  else
    snprintf(name, sizeof name, "%s %s", cli_tx(j->c->noun), j->key);
  fprintf(stderr, _("linli: %s %s%s: %d op%s stored %s\n"), name, done_word(j),
          p->delivered ? ", and its hand-out logged as a distribution" : "", stored,
          stored == 1 || cli_zh() ? "" : "s", cli_writer_where(w));
out:
  free(p);
  cli_writer_close(w);
  return rc;
}

/* ---- reading ---- */

/* Columns of the human tables: display width, CJK characters count two. */
int cli_dwidth(const char *s, size_t n)
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

/* list (and show of a log): through the lists of lists.c. */
static int list(struct job *j, const char *key)
{
  int fixed = j->cmd && j->cmd->kind && j->c->shape == DOM_LOG;
  struct cli_list l = {j->a, domain_coll_id(j->c), key, j->cmd ? j->cmd->key_name : "KEY",
                       fixed ? "relief hand-out" : NULL, fixed, 0, 0};
  struct dom_where kind;
  struct dom_err e;
  char arg[64];
  if (fixed) { /* relief: the distributions of that kind */
    snprintf(arg, sizeof arg, "kind=%s", j->cmd->kind);
    if (dom_where_parse(l.coll, arg, &kind, &e))
      return cli_fail("%s", e.msg);
  }
  return cli_list(&l, &kind, fixed, NULL);
}

/* supply list: every hand-out of every kind (relief, group, proxy), of a
 * household (--household), of a kind (--kind), since a day. */
static int supply_list(struct cli_args *a)
{
  struct cli_list l = {a, DOM_DISTRIBUTION, NULL, "HOUSEHOLD", NULL, 0, 0, 0};
  struct dom_where kind;
  struct dom_err e;
  char arg[96];
  if (a->n_pos > 1) {
    fprintf(stderr, _("linli supply list: takes no KEY; --household H lists one household's\n"));
    return CLI_USAGE;
  }
  snprintf(arg, sizeof arg, "kind=%.80s", a->kind ? a->kind : "");
  if (a->kind && dom_where_parse(l.coll, arg, &kind, &e))
    return cli_fail("--kind: %s", e.msg), CLI_USAGE;
  return cli_list(&l, &kind, a->kind != NULL, NULL);
}

int cli_list_events(struct cli_args *a, int coll, const char *key)
{
  struct cli_list l = {a, coll, key, "KEY", NULL, 0, 0, 0};
  return cli_list(&l, NULL, 0, NULL);
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

struct where {
  const struct config *c;
  const char *coll, *key;
  int n, first; /* scopes holding it; the index of the first */
};

static int read_where(void *arg, const struct crdt_view *v)
{
  struct where *w = arg;
  for (int i = 0; i < w->c->n_scopes; i++) {
    struct probe p = {w->c->scopes[i], w->coll, w->key, 0};
    int rc = read_probe(&p, v);
    if (rc && rc != LINLI_ENOTFOUND)
      return rc;
    if (p.found && !w->n++)
      w->first = i;
  }
  return 0;
}

int cli_record_scope_found(struct cli_args *a, const struct config *c, const char *coll,
                           const char *key, int *found)
{
  static char scope[CRDT_SCOPE_MAX + 1];
  struct where w = {c, coll, key, 0, 0};
  int rc;
  *found = 0;
  if (a->scope || c->n_scopes < 2 || !key)
    return 0;
  rc = cli_read_rows(a->data, read_where, &w);
  if (rc == CLI_FAIL)
    return CLI_FAIL;
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return cli_fail("cannot read the database: %s", cli_err(rc));
  if (w.n > 1)
    return cli_fail("%d communities hold a %s with that key; say which with --scope", w.n, coll);
  if (w.n == 1) {
    snprintf(scope, sizeof scope, "%s", c->scopes[w.first]);
    a->scope = scope;
    *found = 1;
  }
  return 0;
}

int cli_record_scope(struct cli_args *a, const struct config *c, const char *coll, const char *key)
{
  int found;
  return cli_record_scope_found(a, c, coll, key, &found);
}

/* show: one record (as linli get shows it), or one key's events. */
static int show(struct job *j)
{
  struct config c;
  if (j->c->shape == DOM_LOG)
    return list(j, j->key);
  int found = 0;
  if (cli_load_config(j->a->data, &c) || cli_record_scope_found(j->a, &c, j->c->name, j->key, &found))
    return CLI_FAIL;
  struct probe p = {j->a->scope ? j->a->scope : c.scopes[0], j->c->name, j->key, found};
  int rc = found ? 0 : cli_read_rows(j->a->data, read_probe, &p); /* a hub's walk found it */
  if (rc == CLI_FAIL)
    return CLI_FAIL;
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return cli_fail("cannot read the database: %s", cli_err(rc));
  if (!p.found) {
    if (j->c->key_private)
      return say(j, CLI_FAIL, "that %s is not in community %s", cli_tx(j->c->noun), p.scope);
    return say(j, CLI_FAIL, "%s %s is not in community %s", cli_tx(j->c->noun), j->key, p.scope);
  }
  return cli_show_records(j->a, j->c->name, j->key);
}


/* history KEY: every op of the record, oldest first, in the district's time. */
struct hist_print {
  struct dom_tz tz;
  int n, json;
};

static int on_line(void *arg, const struct dom_change_line *l)
{
  struct hist_print *h = arg;
  char when[32], date[DOM_DATE_LEN + 1], tm[9], author[2 * CRDT_PK_BYTES + 1], id[17];
  static const char *const what[] = {"set", "add", "remove", "counter", "event", "void"};
  uint64_t ms = CRDT_HLC_MS(l->hlc);
  dom_tz_now(&h->tz, ms, date, tm);
  snprintf(when, sizeof when, "%s %s", date, tm);
  cli_hex(author, l->author, CRDT_PK_BYTES);
  cli_hex(id, l->id, 8);
  if (h->json) {
    printf("%s{\"time\":\"%s\",\"what\":\"%s\",\"field\":", h->n ? ",\n" : "", when, what[l->what]);
    cli_json_str(stdout, l->field, strlen(l->field));
    printf(",\"old\":");
    cli_json_str(stdout, l->old_value, strlen(l->old_value));
    printf(",\"new\":");
    cli_json_str(stdout, l->new_value, strlen(l->new_value));
    printf(",\"node\":\"%.8s\",\"by\":", author);
    cli_json_str(stdout, l->by, strlen(l->by));
    printf(",\"op\":\"%s\"}", id);
  } else {
    static const int hw[] = {-19, -8, -14, -16, 0};
    if (!h->n) {
      static const char *const hn[] = {N_("TIME (district)"), N_("NODE"), N_("BY"), N_("FIELD"),
                                       N_("CHANGE")};
      cli_head(5, hw, hn);
    }
    char node[9], change[2 * (DOM_NOTE_MAX + 64) + 16];
    snprintf(node, sizeof node, "%.8s", author);
    switch (l->what) {
    case DOM_H_SET:
      snprintf(change, sizeof change, "%s -> %s", l->old_value[0] ? l->old_value : "(none)",
               l->new_value[0] ? l->new_value : "(cleared)");
      break;
    case DOM_H_ADD:
      snprintf(change, sizeof change, "+ %s", l->new_value);
      break;
    case DOM_H_REMOVE:
      snprintf(change, sizeof change, "- %s", l->new_value);
      break;
    case DOM_H_VOID:
      snprintf(change, sizeof change, _("voided: %s"), l->new_value);
      break;
    default:
      snprintf(change, sizeof change, "%s", l->new_value);
    }
    const char *cells[] = {when, node, l->by[0] ? l->by : "-", l->field[0] ? l->field : "-", change};
    cli_cells(5, hw, cells);
  }
  h->n++;
  return 0;
}

static int history(struct job *j)
{
  struct config c;
  struct store_config sc = {j->a->data, 0, 0, 0, 1};
  struct store *s = NULL;
  struct store_read *rd = NULL;
  struct hist_print h;
  int rc = CLI_FAIL, e;
  memset(&h, 0, sizeof h);
  h.json = j->a->json;
  if (cli_load_config(j->a->data, &c) || cli_zone(&c, &h.tz) ||
      cli_record_scope(j->a, &c, j->c->name, j->key))
    return CLI_FAIL;
  if ((e = store_open(&s, &sc)) || (e = store_read_begin(s, &rd))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", j->a->data,
                  cli_err(e));
    goto out;
  }
  if (h.json)
    printf("[");
  e = dom_history(rd, j->a->scope ? j->a->scope : c.scopes[0], domain_coll_id(j->c), j->key,
                  on_line, &h);
  if (h.json)
    printf("]\n");
  if (e)
    rc = cli_fail("cannot read the records: %s", cli_err(e));
  else if (!h.json && !h.n)
    rc = say(j, CLI_FAIL, "no op names %s %s in community %s", cli_tx(j->c->noun),
             j->c->key_private ? "(that key)" : j->key, j->a->scope ? j->a->scope : c.scopes[0]);
  else
    rc = CLI_OK;
out:
  store_read_end(rd);
  store_close(s);
  return rc;
}

/* ---- help, from the table ---- */

static void verb_usage(FILE *f, const struct dom_command *cmd, unsigned bit, const char *verb)
{
  char name[32];
  const struct dom_collection *c = &domain_collections[cmd->coll];
  cmd_name(cmd, name, sizeof name);
  if (bit == DOM_V_SET)
    fprintf(f, _("linli %s set --data DIR %s field=value... [--clear FIELD]...\n"), name,
            cmd->key_name);
  else if (bit == DOM_V_ADD)
    fprintf(f, _("linli %s %s --data DIR %s field=value...\n"), name, verb, cmd->key_name);
  else if (bit & (DOM_V_IN | DOM_V_OUT))
    fprintf(f, _("linli %s %s --data DIR %s item=N...\n"), name, verb, cmd->key_name);
  else if (bit == DOM_V_SHOW || bit == DOM_V_HISTORY)
    fprintf(f, _("linli %s %s --data DIR %s [--scope S] [--json]\n"), name, verb, cmd->key_name);
  else if (bit == DOM_V_VOID)
    fprintf(f, _("linli %s void --data DIR %s --reason TEXT\n"), name, cmd->key_name);
  else if (bit == DOM_V_MOVE)
    fprintf(f, _("linli %s move --data DIR %s --household HOUSEHOLD\n"), name, cmd->key_name);
  else
    fprintf(f, _("linli %s list --data DIR%s%s%s [--scope S] [--json]\n"), name,
            c->shape == DOM_LOG ? " [" : "", c->shape == DOM_LOG ? cmd->key_name : "",
            c->shape == DOM_LOG ? "]" : "");
}

/* A paragraph of help wrapped at 79 columns: first before its first line,
 * indent spaces before the others. */
static void wrap(FILE *f, const char *first, int indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void wrap(FILE *f, const char *first, int indent, const char *fmt, ...)
{
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, _(fmt), ap);
  va_end(ap);
  const char *p = text;
  int lead = cli_dwidth(first, strlen(first));
  fputs(first, f);
  while (*p) {
    size_t n = strlen(p), cut = n;
    if (lead + cli_dwidth(p, n) > 79) {
      size_t fit;
      for (fit = 0; p[fit] && lead + cli_dwidth(p, fit + 1) <= 79; fit++)
        ;
      for (cut = fit; cut && p[cut] != ' ';)
        cut--;
      /* Chinese has no spaces: a line may end after any character; a
       * space-less run breaks at the last whole character that fits */
      for (size_t k = fit; k > 0 && cut < fit / 2; k--)
        if ((unsigned char)p[k] >= 0xe0 || ((unsigned char)p[k - 1] >= 0x80 && (p[k] & 0xc0) != 0x80)) {
          cut = k;
          break;
        }
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

static void verb_about(FILE *f, const struct dom_command *cmd, unsigned bit)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  const struct dom_collection *r = c->key_ref >= 0 ? &domain_collections[c->key_ref] : NULL;
  const char *noun = cmd->kind && c->shape == DOM_LOG ? "relief hand-out" : cli_tx(c->noun);
  char name[32];
  cmd_name(cmd, name, sizeof name);
  if (bit == DOM_V_ADD && c->shape == DOM_LOG)
    para(f, 2, "Logs one %s for a registered %s. Exit 1, nothing written, if %s is not "
               "registered in this node's community.", noun, r ? cli_tx(r->noun) : "record", cmd->key_name);
  else if (bit == DOM_V_ADD)
    para(f, 2, "Registers a new %s, e.g. %s. Exit 1, nothing written, if %s is registered "
               "already (change it with linli %s set).", noun, c->key_eg, cmd->key_name, name);
  else if (bit == DOM_V_SET && (cmd->verbs & DOM_V_ADD))
    para(f, 2, "Changes fields of a registered %s; the values it replaces are named as its "
               "parents, so only writes that did not see each other conflict. Exit 1, nothing "
               "written, if %s is not registered (register it with linli %s add).",
         noun, cmd->key_name, name);
  else if (bit == DOM_V_SET)
    para(f, 2, "Sets fields of the %s of a registered %s (the first set creates it). Exit 1, "
               "nothing written, if the %s is not registered.", noun, r ? cli_tx(r->noun) : "record",
         r ? cli_tx(r->noun) : "record");
  else if (bit == DOM_V_IN)
    para(f, 2, "Adds N to each item of the stock (a delivery received) and logs the receipt "
               "(stock_receipt): source=TEXT, where it came from (required), date=YYYY-MM-DD "
               "(default today). Items are keys of the community's supply list (linli supply item "
               "add); N is a whole number from 1 to %d. linli supply stock (no verb) shows the "
               "ledger: received, handed out free and paid, on hand, overdrafts.", DOM_QTY_MAX);
  else if (bit == DOM_V_OUT)
    para(f, 2, "Takes N from each item of the stock (handed out). Exit 1, nothing written, if "
               "the stock holds less than N of an item.");
  else if (bit == DOM_V_VOID)
    para(f, 2, "Voids a %s registered by mistake: a tombstone of the record (it leaves every list "
               "and report; list --voided shows it) and the reason in the voided log, which "
               "history shows.%s Exit 1, nothing written, if it is not registered.", noun,
         cmd->coll == DOM_RESIDENT ? " The resident also leaves its household's members." : "");
  else if (bit == DOM_V_MOVE)
    para(f, 2, "Moves a resident registered in the wrong household: its household field and the "
               "members of both households change in one batch. Exit 1, nothing written, if the "
               "resident or the household is not registered, or it lives there already.");
  else if (bit == DOM_V_HISTORY)
    para(f, 2, "Lists every op on the %s, oldest first: the time (district time), the node that "
               "wrote it, the field and its old and new value, each element added or removed, a "
               "void and its reason (works with linlid stopped).", noun);
  else if (bit == DOM_V_SHOW && c->shape == DOM_LOG)
    para(f, 2, "Shows the %ss of one %s in time order (works with linlid stopped); --json: one "
               "object per event.", noun, r ? cli_tx(r->noun) : "record");
  else if (bit == DOM_V_SHOW)
    para(f, 2, "Shows one %s: every field, set element and conflict, as linli get does (works "
               "with linlid stopped). Exit 1 if it is not there.", noun);
  else if (c->shape == DOM_LOG)
    para(f, 2, "Lists the %ss of the community (or of one %s) in time order, a line each (works "
               "with linlid stopped); --json: one object per event.", noun,
         r ? cli_tx(r->noun) : "record");
  else if (c->shape == DOM_COUNTERS)
    para(f, 2, "Lists every stock and item with its quantity (works with linlid stopped); "
               "--json: as linli list --json.");
  else
    para(f, 2, "Lists every %s of the community, a line each; * marks a field with concurrent "
               "values (works with linlid stopped); --json: as linli list --json.", noun);
}

static const char *type_phrase(const struct dom_field *f, char *buf, size_t cap)
{
  switch (f->type) {
  case DOM_T_KEY:
    if (f->ref >= 0)
      snprintf(buf, cap, _("the key of a registered %s"), cli_tx(domain_collections[f->ref].noun));
    else
      snprintf(buf, cap, _("a key"));
    return buf;
  case DOM_T_PHONE:
    return _("digits, a leading +, '-' and spaces");
  case DOM_T_BOOL:
    return _("yes or no (true/false, 1/0, 是/否)");
  case DOM_T_YEAR:
    return _("a year from 1880 to 2100");
  case DOM_T_IDNO:
    return _("18 characters, the last the ISO 7064 MOD 11-2 check character");
  case DOM_T_DATE:
    return f->flags & DOM_F_FUTURE ? _("YYYY-MM-DD in the district's time zone")
                                   : _("YYYY-MM-DD in the district's time zone, not in the future");
  case DOM_T_TIME:
    return _("HH:MM or HH:MM:SS in the district's time zone");
  case DOM_T_TEMP:
    return _("degrees Celsius with one decimal, 34.0 to 43.0");
  case DOM_T_QTY:
    snprintf(buf, cap, _("a whole number from 1 to %d"), f->max ? f->max : DOM_QTY_MAX);
    return buf;
  case DOM_T_ENUM: {
    int state = (f->flags & DOM_F_STATE) != 0;
    size_t at = (size_t)snprintf(buf, cap, "%s", state ? "" : _("one of "));
    for (int i = 0; f->values[i] && at < cap; i++)
      at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? (state ? " -> " : ", ") : "",
                             f->values[i]);
    if (state && at < cap)
      at += (size_t)snprintf(buf + at, cap - at, _(", forward only; add starts at %s"), f->values[0]);
    for (int i = 0; f->values_zh && f->values_zh[i] && at < cap; i++)
      at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? "/" : _(" (or "), f->values_zh[i]);
    if (f->values_zh && at < cap)
      snprintf(buf + at, cap - at, ")");
    return buf;
  }
  default:
    snprintf(buf, cap, _("text, up to %zu bytes"), dom_text_max(f));
    return buf;
  }
}

static int field_written(const struct dom_command *cmd, const struct dom_field *f, unsigned bit)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  if ((f->flags & DOM_F_DERIVED) || (cmd->kind && c->shape == DOM_LOG && !strcmp(f->name, "kind")))
    return 0;
  return !((bit == DOM_V_ADD && (f->flags & DOM_F_SETONLY)) ||
           (bit == DOM_V_SET && (f->flags & DOM_F_ADD)));
}

static void fields_help(FILE *f, const struct dom_command *cmd, unsigned bit)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  char buf[200], name[CRDT_FIELD_MAX + 8];
  if (!c->fields)
    return;
  fprintf(f, _("  fields%s:\n"), bit == DOM_V_ADD ? _(" (* required)") : "");
  for (int i = 0; c->fields[i].name; i++) {
    const struct dom_field *x = &c->fields[i];
    if (!field_written(cmd, x, bit) && !(x->flags & DOM_F_DERIVED))
      continue;
    snprintf(name, sizeof name, "%s%s%s", x->name, x->kind == DOM_SET ? "+=" : "=",
             bit == DOM_V_ADD && (x->flags & DOM_F_REQ) ? " *" : "");
    char first[CRDT_FIELD_MAX + 32], set[3 * CRDT_FIELD_MAX + 48] = "";
    snprintf(first, sizeof first, "    %-17s ", name);
    if (x->kind == DOM_SET && !(x->flags & DOM_F_DERIVED))
      snprintf(set, sizeof set, _("; a set: %s+=VALUE adds, %s-=VALUE removes"), x->name, x->name);
    wrap(f, first, 22, "%s; %s%s%s%s%s%s", cli_tx(x->help), type_phrase(x, buf, sizeof buf),
         bit == DOM_V_ADD && (x->flags & DOM_F_TODAY) ? _("; default today") : "",
         bit == DOM_V_ADD && (x->flags & DOM_F_NOW) ? _("; default now") : "",
         bit == DOM_V_ADD && (x->flags & DOM_F_HOME) ? _("; default this node's community") : "",
         x->flags & DOM_F_DERIVED ? _("; read-only here") : "", set);
  }
}

static void verb_help(FILE *f, const struct dom_command *cmd, unsigned bit, const char *verb)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  fputs(_("usage: "), f);
  verb_usage(f, cmd, bit, verb);
  verb_about(f, cmd, bit);
  if (bit & (DOM_V_ADD | DOM_V_SET))
    fields_help(f, cmd, bit);
  para(f, 2, "%s", cmd->kind && c->shape == DOM_LOG ? cli_tx(cmd->about) : cli_tx(c->about));
  if (bit == DOM_V_SET)
    para(f, 2, "--clear FIELD (repeatable) clears a field that is not required.");
  if (cmd->coll == DOM_ORDER && bit == DOM_V_ADD)
    para(f, 2, "With --building B (or --grid G) instead of household=: one order per household of "
               "the building (ORDER-001, ORDER-002...), in one batch. linli supply order totals "
               "--date D [--building B] [FILE] prints the totals per building and item as CSV, or "
               "writes them to FILE (a FILE ending in .xlsx: one sheet with Chinese headers).");
  if (cmd->coll == DOM_ORDER && bit == DOM_V_SET)
    para(f, 2, "With --building B [--date D] instead of ORDER: every order of the building at "
               "once, in one batch (status=delivered: refused if together they take more than "
               "the stock holds).");
  if (cmd->coll == DOM_STOCK && bit == DOM_V_LIST)
    para(f, 2, "linli supply stock (no verb) shows the ledger of every stock and item: received, "
               "handed out free and paid, other, on hand, and overdrafts.");
  if (bit & (DOM_V_ADD | DOM_V_SET | DOM_V_IN | DOM_V_OUT | DOM_V_VOID | DOM_V_MOVE))
    para(f, 2, "Writes through linlid if it runs, else into the database, and prints each op "
               "id. Exit 0 written; 1 refused, nothing written (the sentence says what to fix); 2 "
               "usage (unknown verb or field, malformed value, required field missing).");
  else
    para(f, 2, "Exit 0 shown, 1 not found or unreadable, 2 usage.");
}

/* The verbs of cmd (only those of one part, when one is given). */
static void overview(FILE *f, const char *cmd, const struct dom_command *part)
{
  for (size_t i = 0; i < domain_n_commands; i++) {
    const struct dom_command *d = &domain_commands[i];
    const struct dom_collection *c = &domain_collections[d->coll];
    if (strcmp(d->cmd, cmd) || (part && part != d))
      continue;
    para(f, 0, "%s", d->kind && c->shape == DOM_LOG ? cli_tx(d->about) : cli_tx(c->about));
    for (size_t k = 0; k < N_VERBS; k++)
      if (d->verbs & verb_names[k].bit) {
        fputs("  ", f);
        verb_usage(f, d, verb_names[k].bit, verb_names[k].name);
      }
    fputc('\n', f);
  }
  char subs[128] = "";
  for (size_t i = 0, at = 0; !part && i < domain_n_commands && at < sizeof subs; i++)
    if (!strcmp(domain_commands[i].cmd, cmd) && domain_commands[i].sub)
      at += (size_t)snprintf(subs + at, sizeof subs - at, "%s%s", at ? "|" : " ",
                             domain_commands[i].sub);
  fprintf(f, _("linli %s%s%s VERB --help shows a verb's fields and rules.\n"), cmd,
          part && part->sub ? " " : subs, part && part->sub ? part->sub : "");
}

/* ---- the command ---- */

static int run(struct job *j)
{
  struct cli_args *a = j->a;
  int at = j->cmd->sub ? 2 : 1,
      writes = j->vbit & (DOM_V_ADD | DOM_V_SET | DOM_V_IN | DOM_V_OUT | DOM_V_VOID | DOM_V_MOVE);
  int keyed = writes || j->vbit == DOM_V_SHOW || j->vbit == DOM_V_HISTORY ||
              (j->c->shape == DOM_LOG && a->n_pos > at);
  if (keyed && a->n_pos <= at)
    return say(j, CLI_USAGE, "give the %s, e.g. %s", j->cmd->key_name, j->c->key_eg);
  j->key = keyed ? a->pos[at++] : NULL;
  const char *why = j->key ? dom_key_problem(j->key, strlen(j->key)) : NULL;
  if (why)
    return say(j, CLI_USAGE, "%s is a key like %s (1 to %d bytes of text, NFC, no control or "
                             "invisible characters); this one %s", j->cmd->key_name, j->c->key_eg,
               DOM_KEY_MAX, why);
  if (!writes && a->n_pos > at && j->vbit != DOM_V_HISTORY)
    return say(j, CLI_USAGE, "%s takes no field=value; see linli %s %s --help", j->verb,
               j->cmd->cmd, j->verb);
  if (j->vbit == DOM_V_SHOW)
    return show(j);
  if (j->vbit == DOM_V_HISTORY)
    return history(j);
  if ((j->vbit & (DOM_V_VOID | DOM_V_MOVE)) && a->n_pos > at)
    return say(j, CLI_USAGE, "%s takes no field=value", j->verb);
  if (j->vbit == DOM_V_LIST && j->c->shape != DOM_COUNTERS)
    return list(j, j->key);
  if (j->vbit == DOM_V_LIST) /* counters: as linli list */
    return cli_show_records(a, j->c->name, NULL);
  if (a->json || a->scope)
    return say(j, CLI_USAGE, "%s writes in this node's community and prints op ids: --json and "
                             "--scope are for show and list", j->verb);
  if ((a->n_clear && j->vbit != DOM_V_SET) || (a->reason && j->vbit != DOM_V_VOID) ||
      (a->household && j->vbit != DOM_V_MOVE))
    return say(j, CLI_USAGE, "--clear goes with set, --reason with void, --household with move");
  return write_job(j, at);
}

int cli_cmd_records(const struct cli_cmd *cc, struct cli_args *a)
{
  const char *sub = NULL;
  int at = 0, grouped = domain_command_grouped(cc->name), special = cli_supply(cc, a);
  if (special < 0)
    special = cli_measures(cc, a);
  if (special >= 0)
    return special;
  if (grouped && at < a->n_pos)
    sub = a->pos[at++];
  const char *verb = at < a->n_pos ? a->pos[at] : NULL;
  if (grouped && sub && !strcmp(sub, "list") && !a->help && !domain_command(cc->name, sub))
    return supply_list(a);
  const struct dom_command *cmd = grouped && !sub ? NULL : domain_command(cc->name, sub);
  unsigned bit = 0;
  for (size_t k = 0; verb && cmd && k < N_VERBS; k++)
    if (!strcmp(verb_names[k].name, verb) && (cmd->verbs & verb_names[k].bit))
      bit = verb_names[k].bit;
  if (!bit) {
    if (a->help && !verb) {
      overview(stdout, cc->name, cmd);
      return CLI_OK;
    }
    if (grouped && !cmd)
      fprintf(stderr, _("linli %s: %s; see linli %s --help\n"), cc->name,
              sub ? _("no such part of supply") : _("say which part of supply"), cc->name);
    else if (verb) {
      struct dom_near near;
      char say[80];
      dom_near_init(&near, verb);
      for (size_t k = 0; cmd && k < N_VERBS; k++)
        if (cmd->verbs & verb_names[k].bit)
          dom_near_try(&near, verb_names[k].name);
      fprintf(stderr, _("linli %s: no verb %s%s; see linli %s --help\n"), cc->name, verb,
              dom_near_say(&near, say, sizeof say), cc->name);
    } else
      fprintf(stderr, _("linli %s: say what to do (a verb); see linli %s --help\n"), cc->name,
              cc->name);
    return cli_usage(cc, CLI_USAGE);
  }
  if (a->help) {
    verb_help(stdout, cmd, bit, verb);
    return CLI_OK;
  }
  struct job j = {cmd, &domain_collections[cmd->coll], a, verb, NULL, bit, ""};
  char name[32];
  snprintf(j.who, sizeof j.who, "linli %s %s", cmd_name(cmd, name, sizeof name), verb);
  return run(&j);
}

/* ---- the commands, for linli's command table ---- */

const char *cli_records_name(size_t i)
{
  for (size_t k = 0, n = 0; k < domain_n_commands; k++) {
    int first = 1;
    for (size_t m = 0; m < k; m++)
      first &= strcmp(domain_commands[m].cmd, domain_commands[k].cmd) != 0;
    if (first && n++ == i)
      return domain_commands[k].cmd;
  }
  return NULL;
}

static int grouped_name(const char *name)
{
  return !strcmp(name, "supply");
}

int cli_records_cmd(const char *name, struct cli_cmd *out, char *buf, size_t cap)
{
  const struct dom_command *d = domain_command(name, NULL);
  if (!d && domain_command_grouped(name))
    for (size_t k = 0; k < domain_n_commands && !d; k++)
      d = !strcmp(domain_commands[k].cmd, name) ? &domain_commands[k] : NULL;
  if (!d)
    return -1;
  size_t at = 0, half = cap / 2;
  char *usage = buf, *help = buf + half;
  usage[0] = 0;
  if (domain_command_grouped(name)) {
    for (size_t k = 0; k < domain_n_commands && at < half; k++)
      if (!strcmp(domain_commands[k].cmd, name))
        at += (size_t)snprintf(usage + at, half - at, "%s%s", at ? "|" : "", domain_commands[k].sub);
    snprintf(usage + at, half - at, " VERB --data DIR [KEY] [field=value...] [--json]");
    snprintf(help, cap - half, "  The %s parts of the community (linli %s PART --help).", name, name);
  } else {
    for (size_t k = 0; k < N_VERBS && at < half; k++)
      if (d->verbs & verb_names[k].bit)
        at += (size_t)snprintf(usage + at, half - at, "%s%s", at ? "|" : "", verb_names[k].name);
    snprintf(usage + at, half - at, " --data DIR [%s] [field=value...] [--json]", d->key_name);
    snprintf(help, cap - half, "  %s of the community (linli %s VERB --help).", cli_tx(d->about), name);
  }
  *out = (struct cli_cmd){d->cmd, cli_cmd_records,
                          CLI_O_DATA | CLI_O_VERBS | CLI_O_LIST | CLI_O_DATE | CLI_O_HOUSEHOLD |
                              CLI_O_KIND | CLI_O_CLEAR | CLI_O_REASON | CLI_O_FORCE |
                              (grouped_name(name) ? CLI_O_BUILDING : 0),
                          1, -1, usage, help};
  return 0;
}
