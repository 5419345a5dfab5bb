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
} verb_names[] = {{"add", DOM_V_ADD}, {"set", DOM_V_SET}, {"in", DOM_V_IN},
                  {"out", DOM_V_OUT}, {"show", DOM_V_SHOW}, {"list", DOM_V_LIST}};
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
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

/* ---- writing ---- */

static const char *done_word(const struct job *j)
{
  switch (j->vbit) {
  case DOM_V_ADD:
    return j->c->shape == DOM_LOG ? "logged" : "registered";
  case DOM_V_IN:
    return "received";
  case DOM_V_OUT:
    return "handed out";
  default:
    return "changed";
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
    return cli_fail("%s", linli_strerror(LINLI_ENOMEM));
  }
  struct dom_req r = {domain_coll_id(j->c), j->cmd, j->vbit, j->key, j->a->pos + at,
                      j->a->n_pos - at, NULL, NULL, NULL, NULL, NULL, 0};
  if ((rc = cli_plan_write(w, &r, j->who, p, &stored)))
    goto out;
  if (j->c->key_private)
    snprintf(name, sizeof name, "%s", j->c->noun.en);
  else if (j->c->key_ref >= 0)
    snprintf(name, sizeof name, "%s of %s %s", j->c->noun.en,
             domain_collections[j->c->key_ref].noun.en, j->key);
  else
    snprintf(name, sizeof name, "%s %s", j->c->noun.en, j->key);
  fprintf(stderr, "linli: %s %s%s: %d op%s stored %s\n", name, done_word(j),
          p->delivered ? ", and its hand-out logged as a distribution" : "", stored,
          stored == 1 ? "" : "s", cli_writer_where(w));
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

static void cell(const char *s, int width)
{
  int w = cli_dwidth(s, strlen(s));
  fputs(s, stdout);
  for (; w < width; w++)
    fputc(' ', stdout);
  fputc(' ', stdout);
}

static int col_width(const struct dom_field *f)
{
  int w = f->kind == DOM_SET                              ? 4
          : f->type == DOM_T_IDNO                         ? 18
          : f->type == DOM_T_KEY || f->type == DOM_T_TEXT ? 16
          : f->type == DOM_T_PHONE                        ? 14
          : f->type == DOM_T_DATE || f->type == DOM_T_ENUM ? 10
                                                          : 5;
  int nl = (int)strlen(f->name);
  return nl > w ? nl : w;
}

/* Is field f a column of this command's tables? Not the kind a log
 * command fixes (every relief hand-out is of kind relief). */
static int shown(const struct job *j, const struct dom_field *f)
{
  return !(j->cmd && j->cmd->kind && j->c->shape == DOM_LOG && !strcmp(f->name, "kind"));
}

static void header(const struct job *j)
{
  char key[32];
  snprintf(key, sizeof key, "%s", j->cmd ? j->cmd->key_name : "KEY");
  cell(key, 18);
  for (int i = 0; j->c->fields[i].name; i++) {
    char up[CRDT_FIELD_MAX + 1];
    if (!shown(j, &j->c->fields[i]))
      continue;
    size_t k = 0;
    for (; j->c->fields[i].name[k]; k++)
      up[k] = (char)(j->c->fields[i].name[k] - 32 * (j->c->fields[i].name[k] >= 'a'));
    up[k] = 0;
    cell(up, col_width(&j->c->fields[i]));
  }
  fputc('\n', stdout);
}

struct lister {
  const struct job *j;
  const char *scope, *key; /* key: one record or one key's events */
  struct store_read *rd;
  int json, count, conflicts;
  uint8_t op[CRDT_OP_MAX_BYTES];
};

static int on_row(void *arg, const struct record *r)
{
  struct lister *l = arg;
  const struct dom_collection *c = l->j->c;
  char key[CRDT_KEY_MAX + 1], text[CUR_MAX];
  if (r->deleted)
    return 0;
  if (!l->count++)
    header(l->j);
  snprintf(key, sizeof key, "%.*s", (int)r->key.len, r->key.p);
  cell(key, 18);
  for (int i = 0; c->fields[i].name; i++) {
    const struct dom_field *f = &c->fields[i];
    const struct record_field *rf = record_field(r, f->name);
    text[0] = 0;
    if (rf && rf->tag == CRDT_ROW_ELEM)
      snprintf(text, sizeof text, "%u", rf->elems);
    else if (rf && rf->tag == CRDT_ROW_LWW && rf->value)
      dom_render(f, rf->value, rf->value_len, text, sizeof text - 1);
    if (rf && rf->losers) {
      strcat(text, "*");
      l->conflicts++;
    }
    cell(text[0] ? text : "-", col_width(f));
  }
  fputc('\n', stdout);
  return 0;
}


/* A log row: scope 00 collection 00 01 hlc8 id; the event is in its op. */
static int on_event(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct lister *l = arg;
  const struct dom_collection *c = l->j->c;
  struct crdt_op o;
  char text[CUR_MAX], key[CRDT_KEY_MAX + 1], id[2 * CRDT_ID_BYTES + 1], when[32];
  size_t fl;
  const uint8_t *f;
  (void)v, (void)vl;
  uint64_t hlc;
  const uint8_t *id8;
  if (record_log_op(k, kl, &hlc, &id8))
    return LINLI_ECORRUPT;
  int len = store_read_op(l->rd, l->scope, hlc, id8, l->op, sizeof l->op);
  if (len < 0 || crdt_op_decode(&o, l->op, (size_t)len))
    return 0; /* an op that cannot be read shows as nothing, as in the report */
  if (l->key && (o.key.len != strlen(l->key) || memcmp(o.key.p, l->key, o.key.len)))
    return 0;
  if (l->j->cmd && l->j->cmd->kind) { /* relief: the distributions of that kind */
    if (!(f = dom_body_get(o.body, o.body_len, "kind", &fl)))
      return 0;
    dom_render(NULL, f, fl, text, sizeof text);
    if (strcmp(text, l->j->cmd->kind))
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
      header(l->j);
    cell(key, 18);
    for (int i = 0; c->fields[i].name; i++) {
      if (!shown(l->j, &c->fields[i]))
        continue;
      f = dom_body_get(o.body, o.body_len, c->fields[i].name, &fl);
      text[0] = 0;
      if (f)
        dom_render(&c->fields[i], f, fl, text, sizeof text);
      cell(text[0] ? text : "-", col_width(&c->fields[i]));
    }
    fputc('\n', stdout);
  }
  l->count++;
  return 0;
}

static int read_list(struct lister *l)
{
  const struct dom_collection *c = l->j->c;
  uint8_t q[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + 3];
  struct crdt_view v = store_read_view(l->rd);
  if (c->shape == DOM_REGISTER)
    return record_each(&v, l->scope, c->name, l->key, on_row, l);
  int ql = crdt_row_prefix(q, sizeof q - 1, l->scope, strlen(l->scope), c->name, strlen(c->name),
                           NULL, 0);
  if (ql < 0)
    return ql;
  q[ql++] = CRDT_ROW_LOG;
  int rc = v.scan(v.ctx, q, (size_t)ql, on_event, l);
  return rc < 0 ? rc : 0;
}

/* list (and show of a log): a table of records or events, or JSON. */
static int list(struct job *j, const char *key)
{
  struct config *c = malloc(sizeof *c);
  struct store_config sc = {j->a->data, 0, 0, 0, 1};
  struct lister *l = calloc(1, sizeof *l);
  struct store *s = NULL;
  int rc = CLI_FAIL, e;
  if (!c || !l) {
    free(c), free(l);
    return cli_fail("%s", linli_strerror(LINLI_ENOMEM));
  }
  if (cli_load_config(j->a->data, c))
    goto out;
  l->j = j;
  l->scope = j->a->scope ? j->a->scope : c->scopes[0];
  l->key = key;
  l->json = j->a->json;
  if ((e = store_open(&s, &sc)) || (e = store_read_begin(s, &l->rd))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", j->a->data,
                  linli_strerror(e));
    goto out;
  }
  if (l->json)
    fputs("[", stdout);
  e = read_list(l);
  if (l->json)
    fputs("]\n", stdout);
  if (e < 0 && e != LINLI_ENOTFOUND) {
    rc = cli_fail("cannot read the database: %s", linli_strerror(e));
    goto out;
  }
  if (!l->json && l->conflicts)
    printf("* %d field(s) with concurrent values: see linli conflicts list\n", l->conflicts);
  char of[CRDT_KEY_MAX + 48] = "";
  const struct dom_collection *ref = j->c->key_ref >= 0 ? &domain_collections[j->c->key_ref] : NULL;
  if (key && ref && ref->key_private)
    snprintf(of, sizeof of, " of that %s", ref->noun.en);
  else if (key && ref)
    snprintf(of, sizeof of, " of %s %s", ref->noun.en, key);
  const char *noun = j->cmd && j->cmd->kind && j->c->shape == DOM_LOG ? "relief hand-out"
                                                                      : j->c->noun.en;
  if (!l->json)
    printf("%d %s%s%s in community %s\n", l->count, noun, l->count == 1 ? "" : "s", of, l->scope);
  rc = CLI_OK;
out:
  store_read_end(l->rd);
  store_close(s);
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
  if (j->c->shape == DOM_LOG)
    return list(j, j->key);
  if (cli_load_config(j->a->data, &c))
    return CLI_FAIL;
  struct probe p = {j->a->scope ? j->a->scope : c.scopes[0], j->c->name, j->key, 0};
  int rc = cli_read_rows(j->a->data, read_probe, &p);
  if (rc == CLI_FAIL)
    return CLI_FAIL;
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    return cli_fail("cannot read the database: %s", linli_strerror(rc));
  if (!p.found) {
    if (j->c->key_private)
      return say(j, CLI_FAIL, "that %s is not in community %s", j->c->noun.en, p.scope);
    return say(j, CLI_FAIL, "%s %s is not in community %s", j->c->noun.en, j->key, p.scope);
  }
  return cli_show_records(j->a, j->c->name, j->key);
}

int cli_list_events(struct cli_args *a, int coll, const char *key)
{
  struct job j = {NULL, &domain_collections[coll], a, "list", key, DOM_V_LIST, "linli list"};
  return list(&j, key);
}

/* ---- help, from the table ---- */

static void verb_usage(FILE *f, const struct dom_command *cmd, unsigned bit, const char *verb)
{
  char name[32];
  const struct dom_collection *c = &domain_collections[cmd->coll];
  cmd_name(cmd, name, sizeof name);
  if (bit & (DOM_V_ADD | DOM_V_SET))
    fprintf(f, "linli %s %s --data DIR %s field=value...\n", name, verb, cmd->key_name);
  else if (bit & (DOM_V_IN | DOM_V_OUT))
    fprintf(f, "linli %s %s --data DIR %s item=N...\n", name, verb, cmd->key_name);
  else if (bit == DOM_V_SHOW)
    fprintf(f, "linli %s show --data DIR %s [--scope S] [--json]\n", name, cmd->key_name);
  else
    fprintf(f, "linli %s list --data DIR%s%s%s [--scope S] [--json]\n", name,
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
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  const char *p = text;
  int lead = cli_dwidth(first, strlen(first));
  fputs(first, f);
  while (*p) {
    size_t n = strlen(p), cut = n;
    if (lead + cli_dwidth(p, n) > 79) {
      for (cut = 0; p[cut] && lead + cli_dwidth(p, cut + 1) <= 79; cut++)
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

static void verb_about(FILE *f, const struct dom_command *cmd, unsigned bit)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  const struct dom_collection *r = c->key_ref >= 0 ? &domain_collections[c->key_ref] : NULL;
  const char *noun = cmd->kind && c->shape == DOM_LOG ? "relief hand-out" : c->noun.en;
  char name[32];
  cmd_name(cmd, name, sizeof name);
  if (bit == DOM_V_ADD && c->shape == DOM_LOG)
    para(f, 2, "Logs one %s for a registered %s. Exit 1, nothing written, if %s is not "
               "registered in this node's community.", noun, r ? r->noun.en : "record", cmd->key_name);
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
               "nothing written, if the %s is not registered.", noun, r ? r->noun.en : "record",
         r ? r->noun.en : "record");
  else if (bit == DOM_V_IN)
    para(f, 2, "Adds N to each item of the stock (a delivery received). Items are names of a-z "
               "0-9 _ with the unit in them (rice_kg, masks); N is a whole number from 1 to %d.",
         DOM_QTY_MAX);
  else if (bit == DOM_V_OUT)
    para(f, 2, "Takes N from each item of the stock (handed out). Exit 1, nothing written, if "
               "the stock holds less than N of an item.");
  else if (bit == DOM_V_SHOW && c->shape == DOM_LOG)
    para(f, 2, "Shows the %ss of one %s in time order (works with linlid stopped); --json: one "
               "object per event.", noun, r ? r->noun.en : "record");
  else if (bit == DOM_V_SHOW)
    para(f, 2, "Shows one %s: every field, set element and conflict, as linli get does (works "
               "with linlid stopped). Exit 1 if it is not there.", noun);
  else if (c->shape == DOM_LOG)
    para(f, 2, "Lists the %ss of the community (or of one %s) in time order, a line each (works "
               "with linlid stopped); --json: one object per event.", noun,
         r ? r->noun.en : "record");
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
      snprintf(buf, cap, "the key of a registered %s", domain_collections[f->ref].noun.en);
    else
      snprintf(buf, cap, "a key");
    return buf;
  case DOM_T_PHONE:
    return "digits, a leading +, '-' and spaces";
  case DOM_T_BOOL:
    return "yes or no (true/false, 1/0, 是/否)";
  case DOM_T_YEAR:
    return "a year from 1880 to 2100";
  case DOM_T_IDNO:
    return "18 characters, the last the ISO 7064 MOD 11-2 check character";
  case DOM_T_DATE:
    return f->flags & DOM_F_FUTURE ? "YYYY-MM-DD in the district's time zone"
                                   : "YYYY-MM-DD in the district's time zone, not in the future";
  case DOM_T_TIME:
    return "HH:MM or HH:MM:SS in the district's time zone";
  case DOM_T_TEMP:
    return "degrees Celsius with one decimal, 34.0 to 43.0";
  case DOM_T_QTY:
    snprintf(buf, cap, "a whole number from 1 to %d", f->max ? f->max : DOM_QTY_MAX);
    return buf;
  case DOM_T_ENUM: {
    int state = (f->flags & DOM_F_STATE) != 0;
    size_t at = (size_t)snprintf(buf, cap, "%s", state ? "" : "one of ");
    for (int i = 0; f->values[i] && at < cap; i++)
      at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? (state ? " -> " : ", ") : "",
                             f->values[i]);
    if (state && at < cap)
      at += (size_t)snprintf(buf + at, cap - at, ", forward only; add starts at %s", f->values[0]);
    for (int i = 0; f->values_zh && f->values_zh[i] && at < cap; i++)
      at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? "/" : " (or ", f->values_zh[i]);
    if (f->values_zh && at < cap)
      snprintf(buf + at, cap - at, ")");
    return buf;
  }
  default:
    snprintf(buf, cap, "text, up to %zu bytes", dom_text_max(f));
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
  fprintf(f, "  fields%s:\n", bit == DOM_V_ADD ? " (* required)" : "");
  for (int i = 0; c->fields[i].name; i++) {
    const struct dom_field *x = &c->fields[i];
    if (!field_written(cmd, x, bit) && !(x->flags & DOM_F_DERIVED))
      continue;
    snprintf(name, sizeof name, "%s%s%s", x->name, x->kind == DOM_SET ? "+=" : "=",
             bit == DOM_V_ADD && (x->flags & DOM_F_REQ) ? " *" : "");
    char first[CRDT_FIELD_MAX + 32], set[3 * CRDT_FIELD_MAX + 48] = "";
    snprintf(first, sizeof first, "    %-17s ", name);
    if (x->kind == DOM_SET && !(x->flags & DOM_F_DERIVED))
      snprintf(set, sizeof set, "; a set: %s+=VALUE adds, %s-=VALUE removes", x->name, x->name);
    wrap(f, first, 22, "%s; %s%s%s%s%s%s", x->help.en, type_phrase(x, buf, sizeof buf),
         bit == DOM_V_ADD && (x->flags & DOM_F_TODAY) ? "; default today" : "",
         bit == DOM_V_ADD && (x->flags & DOM_F_NOW) ? "; default now" : "",
         bit == DOM_V_ADD && (x->flags & DOM_F_HOME) ? "; default this node's community" : "",
         x->flags & DOM_F_DERIVED ? "; read-only here" : "", set);
  }
}

static void verb_help(FILE *f, const struct dom_command *cmd, unsigned bit, const char *verb)
{
  const struct dom_collection *c = &domain_collections[cmd->coll];
  fputs("usage: ", f);
  verb_usage(f, cmd, bit, verb);
  verb_about(f, cmd, bit);
  if (bit & (DOM_V_ADD | DOM_V_SET))
    fields_help(f, cmd, bit);
  para(f, 2, "%s", cmd->kind && c->shape == DOM_LOG ? cmd->about.en : c->about.en);
  if (bit & (DOM_V_ADD | DOM_V_SET | DOM_V_IN | DOM_V_OUT))
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
    para(f, 0, "%s", d->kind && c->shape == DOM_LOG ? d->about.en : c->about.en);
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
  fprintf(f, "linli %s%s%s VERB --help shows a verb's fields and rules.\n", cmd,
          part && part->sub ? " " : subs, part && part->sub ? part->sub : "");
}

/* ---- the command ---- */

static int run(struct job *j)
{
  struct cli_args *a = j->a;
  int at = j->cmd->sub ? 2 : 1, writes = j->vbit & (DOM_V_ADD | DOM_V_SET | DOM_V_IN | DOM_V_OUT);
  int keyed = writes || j->vbit == DOM_V_SHOW || (j->c->shape == DOM_LOG && a->n_pos > at);
  if (keyed && a->n_pos <= at)
    return say(j, CLI_USAGE, "give the %s, e.g. %s", j->cmd->key_name, j->c->key_eg);
  j->key = keyed ? a->pos[at++] : NULL;
  if (j->key && (strlen(j->key) > DOM_KEY_MAX || crdt_check_key(j->key, strlen(j->key))))
    return say(j, CLI_USAGE, "%s is a key like %s: 1 to %d bytes of text without control "
                             "characters", j->cmd->key_name, j->c->key_eg, DOM_KEY_MAX);
  if (!writes && a->n_pos > at)
    return say(j, CLI_USAGE, "%s takes no field=value; see linli %s %s --help", j->verb,
               j->cmd->cmd, j->verb);
  if (j->vbit == DOM_V_SHOW)
    return show(j);
  if (j->vbit == DOM_V_LIST && j->c->shape == DOM_LOG)
    return list(j, j->key);
  if (j->vbit == DOM_V_LIST && j->c->shape == DOM_REGISTER && !a->json)
    return list(j, NULL);
  if (j->vbit == DOM_V_LIST) /* counters, and JSON: as linli list --json */
    return cli_show_records(a, j->c->name, NULL);
  if (a->json || a->scope)
    return say(j, CLI_USAGE, "%s writes in this node's community and prints op ids: --json and "
                             "--scope are for show and list", j->verb);
  return write_job(j, at);
}

int cli_cmd_records(const struct cli_cmd *cc, struct cli_args *a)
{
  const char *sub = NULL;
  int at = 0, grouped = domain_command_grouped(cc->name);
  if (grouped && at < a->n_pos)
    sub = a->pos[at++];
  const char *verb = at < a->n_pos ? a->pos[at] : NULL;
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
      fprintf(stderr, "linli %s: %s; see linli %s --help\n", cc->name,
              sub ? "no such part of supply" : "say which part of supply", cc->name);
    else
      fprintf(stderr, "linli %s: %s; see linli %s --help\n", cc->name,
              verb ? "no such verb" : "say what to do (a verb)", cc->name);
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
    snprintf(help, cap - half, "  %s of the community (linli %s VERB --help).", d->about.en, name);
  }
  *out = (struct cli_cmd){d->cmd, cli_cmd_records, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON | CLI_O_VERBS,
                          1, -1, usage, help};
  return 0;
}
