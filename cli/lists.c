/* Lists: every `linli COMMAND list` (and show of a log, check list, case
 * list, supply list, linli list of a log), read through dom_query
 * (node/domain/domain.h "queries") in one snapshot, with the filters every
 * list takes: --where FIELD=VALUE (repeatable; also >=, <=, >, <, ~),
 * --since/--until (on the collection's date), --compound, --grid, --sort
 * FIELD [--desc], --limit N, --voided; printed as a table whose long values
 * are cut with "…" so the columns stay aligned (--wide prints them whole),
 * or with --json one object per record or event. Works with linlid stopped. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

#define CELL_MAX 24 /* display columns of a cell unless --wide */

struct printer {
  const struct cli_list *l;
  const struct dom_collection *c;
  int shown[DOM_FIELDS_MAX], width[DOM_FIELDS_MAX];
  int n, conflicts, json;
  char text[DOM_NOTE_MAX + 64];
};

/* Is field i a column? Not the kind a log command fixes (relief). */
static int is_shown(const struct cli_list *l, const struct dom_field *f)
{
  return !(l->fixed_kind && !strcmp(f->name, "kind"));
}

static int width_of(const struct dom_field *f)
{
  int w = f->kind == DOM_SET  ? 4
          : f->type == DOM_T_IDNO ? 18
          : f->type == DOM_T_TEXT ? CELL_MAX
          : f->type == DOM_T_KEY  ? 16
          : f->type == DOM_T_PHONE                        ? 14
          : f->type == DOM_T_TIME                         ? 8
          : f->type == DOM_T_DATE || f->type == DOM_T_ENUM ? 10
                                                          : 5;
  for (int i = 0; f->type == DOM_T_ENUM && f->kind != DOM_SET && f->values[i]; i++) {
    const char *v = dom_shown(f, f->values[i]); /* the longest value, whole */
    int vw = cli_dwidth(v, strlen(v));
    w = vw > w ? vw : w;
  }
  const char *head = cli_zh() ? cli_tx(f->label) : f->name;
  int nl = cli_dwidth(head, strlen(head));
  return nl > w ? nl : w;
}

/* The byte after the UTF-8 character at s[i]. */
static size_t utf8_next(const char *s, size_t i)
{
  i++;
  while (((unsigned char)s[i] & 0xc0) == 0x80)
    i++;
  return i;
}

/* Prints s in a cell of width columns: padded, or cut with "…" (unless wide). */
static void cell(const char *s, int width, int wide)
{
  int w = cli_dwidth(s, strlen(s));
  if (w > width && !wide && width >= 2) {
    size_t cut = 0;
    while (s[cut] && cli_dwidth(s, utf8_next(s, cut)) <= width - 1)
      cut = utf8_next(s, cut);
    fwrite(s, 1, cut, stdout);
    fputs("…", stdout);
    w = cli_dwidth(s, cut) + 1;
  } else {
    fputs(s, stdout);
  }
  for (; w < width; w++)
    fputc(' ', stdout);
  fputc(' ', stdout);
}

static void header(struct printer *p)
{
  /* the key column: the record the key names (a hand-out's household), else the collection's */
  const struct dom_collection *kc = p->c->key_ref >= 0 ? &domain_collections[p->c->key_ref] : p->c;
  cell(cli_zh() ? cli_tx(kc->noun) : p->l->key_name, CELL_MAX - 6, 1);
  for (int i = 0; p->c->fields[i].name; i++) {
    char up[CRDT_FIELD_MAX + 1];
    size_t k = 0;
    if (!p->shown[i])
      continue;
    for (; p->c->fields[i].name[k]; k++)
      up[k] = (char)(p->c->fields[i].name[k] - 32 * (p->c->fields[i].name[k] >= 'a'));
    up[k] = 0;
    cell(cli_zh() ? cli_tx(p->c->fields[i].label) : up, p->width[i], 1);
  }
  fputc('\n', stdout);
}

static void json_where(const struct dom_row *r)
{
  printf(",\"compound\":");
  cli_json_str(stdout, r->compound, strlen(r->compound));
  printf(",\"grid\":");
  cli_json_str(stdout, r->grid, strlen(r->grid));
  printf(",\"household\":");
  cli_json_str(stdout, r->household, strlen(r->household));
}

/* An event's body as an object: a sealed field as the query opened it
 * (r->raw), or its word ("(sealed)", "(damaged)") when it did not open;
 * every other field as stored. */
static void json_event(const struct dom_collection *c, const struct dom_row *r)
{
  struct crdt_mp m;
  uint32_t n;
  crdt_mp_init(&m, r->body, r->body_len);
  if (crdt_mp_map(&m, &n)) {
    fputs("null", stdout);
    return;
  }
  fputc('{', stdout);
  for (uint32_t k = 0; k < n; k++) {
    const char *name;
    uint32_t nl;
    const uint8_t *val;
    if (crdt_mp_str(&m, &name, &nl) || (val = m.p, crdt_mp_value(&m, CRDT_DEPTH_MAX)))
      break;
    int i = 0;
    while (c->fields[i].name && (strlen(c->fields[i].name) != nl || memcmp(c->fields[i].name, name, nl)))
      i++;
    printf("%s", k ? "," : "");
    cli_json_str(stdout, name, nl);
    fputc(':', stdout);
    struct crdt_mp v;
    if (c->fields[i].name && (c->fields[i].flags & DOM_F_SEALED) && !crdt_mp_peek_nil(&(struct crdt_mp){val, m.p})) {
      if (!r->raw[i]) {
        cli_json_str(stdout, r->val[i], strlen(r->val[i]));
        continue;
      }
      crdt_mp_init(&v, r->raw[i], r->raw_len[i]);
    } else {
      crdt_mp_init(&v, val, (size_t)(m.p - val));
    }
    if (cli_value(stdout, &v, 0))
      fputs("null", stdout);
  }
  fputc('}', stdout);
}

static void json_row(struct printer *p, const struct dom_row *r)
{
  const struct dom_collection *c = p->c;
  struct crdt_mp m;
  printf("%s{\"key\":", p->n ? ",\n" : "");
  cli_json_str(stdout, r->key, strlen(r->key));
  if (c->shape == DOM_LOG) {
    char id[2 * CRDT_ID_BYTES + 1], when[32];
    cli_hex(id, r->id, CRDT_ID_BYTES);
    cli_time(when, sizeof when, CRDT_HLC_MS(r->hlc));
    printf(",\"id\":\"%s\",\"time\":\"%s\"", id, when);
    json_where(r);
    printf(",\"event\":");
    json_event(c, r);
    fputc('}', stdout);
    return;
  }
  printf(",\"deleted\":%s", r->voided ? "true" : "false");
  json_where(r);
  for (int pass = 0; pass < 2; pass++) { /* lww fields, then sets */
    int first = 1;
    printf(",\"%s\":{", pass ? "sets" : "fields");
    for (int i = 0; c->fields[i].name; i++) {
      const struct dom_field *f = &c->fields[i];
      if ((f->kind == DOM_SET) != pass || !r->raw[i])
        continue;
      printf("%s", first ? "" : ",");
      first = 0;
      cli_json_str(stdout, f->name, strlen(f->name));
      fputc(':', stdout);
      crdt_mp_init(&m, r->raw[i], r->raw_len[i]);
      if (pass) {
        if (cli_value(stdout, &m, 0))
          fputs("[]", stdout);
        continue;
      }
      printf("{\"value\":");
      if (cli_value(stdout, &m, 0))
        fputs("null", stdout);
      printf(",\"text\":");
      cli_json_str(stdout, r->val[i], strlen(r->val[i]));
      printf("%s}", r->conflict[i] ? ",\"conflict\":true" : "");
    }
    fputc('}', stdout);
  }
  fputc('}', stdout);
}

static int on_row(void *arg, const struct dom_row *r)
{
  struct printer *p = arg;
  const struct dom_collection *c = p->c;
  if (p->json) {
    json_row(p, r);
    p->n++;
    return 0;
  }
  if (!p->n++)
    header(p);
  cell(r->key, CELL_MAX - 6, p->l->a->wide);
  for (int i = 0; c->fields[i].name; i++) {
    if (!p->shown[i])
      continue;
    const char *v = r->val[i];
    if (c->fields[i].kind == DOM_SET && !p->l->a->wide && !p->l->sets_whole) { /* the count */
      int n = *v ? 1 : 0;
      for (const char *q = v; (q = strstr(q, "; ")); q += 2)
        n++;
      snprintf(p->text, sizeof p->text, "%d", n);
      v = p->text;
    } else if (r->conflict[i]) {
      snprintf(p->text, sizeof p->text, "%s*", v);
      v = p->text;
      p->conflicts++;
    }
    cell(*v ? dom_shown(&c->fields[i], v) : "-", p->width[i], p->l->a->wide);
  }
  fputc('\n', stdout);
  return 0;
}

/* The filters of the list options into q. CLI_OK, or CLI_USAGE after a
 * sentence. */
static int build(const struct cli_list *l, const char *scope, struct dom_query *q,
                 struct dom_where *extra, int n_extra)
{
  const struct cli_args *a = l->a;
  const struct dom_collection *c = &domain_collections[l->coll];
  struct dom_err e;
  int64_t d;
  memset(q, 0, sizeof *q);
  q->coll = l->coll;
  q->scope = scope;
  q->key = l->key;
  for (int i = 0; i < a->n_where + n_extra; i++) {
    if (q->n_where == DOM_WHERE_MAX)
      return cli_fail("at most %d filters", DOM_WHERE_MAX), CLI_USAGE;
    if (i >= a->n_where) {
      q->where[q->n_where++] = extra[i - a->n_where];
      continue;
    }
    if (dom_where_parse(l->coll, a->where[i], &q->where[q->n_where++], &e))
      return cli_fail("--where %s: %s", a->where[i], e.msg), CLI_USAGE;
  }
  const char *dates[] = {a->since, a->until, a->date, a->due_by};
  for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
    if (dates[i] && dom_date_days(dates[i], strlen(dates[i]), &d))
      return cli_fail("'%s' is not a date: write it as YYYY-MM-DD", dates[i]), CLI_USAGE;
  if ((a->since || a->until || a->date) && !dom_date_field(c))
    return cli_fail("a %s has no date to filter by", cli_tx(c->noun)), CLI_USAGE;
  q->since = a->date && !l->date_is_open ? a->date : a->since;
  q->until = a->date && !l->date_is_open ? a->date : a->until;
  q->compound = a->compound;
  q->grid = a->grid;
  q->household = a->household;
  q->voided = a->voided;
  q->desc = a->desc;
  char near[80];
  if (a->sort && !(q->sort = domain_field(c, a->sort, strlen(a->sort))))
    return cli_fail("--sort: a %s has no field %s%s", cli_tx(c->noun), a->sort,
                    dom_near_field(c, a->sort, near, sizeof near)),
           CLI_USAGE;
  if (a->limit) {
    char *end;
    long n = strtol(a->limit, &end, 10);
    if (*end || n < 1 || n > 1000000)
      return cli_fail("--limit takes a whole number from 1 to 1000000"), CLI_USAGE;
    q->limit = (size_t)n;
  }
  return CLI_OK;
}

int cli_list(const struct cli_list *l, const struct dom_where *extra, int n_extra,
             struct dom_query *qq)
{
  struct config *c = malloc(sizeof *c);
  struct store_config sc = {l->a->data, 0, 0, 0, 1};
  struct printer *p = calloc(1, sizeof *p);
  struct store *s = NULL;
  struct store_read *rd = NULL;
  struct dom_query q;
  struct dom_where ex[DOM_WHERE_MAX];
  int rc = CLI_FAIL, e;
  if (!c || !p) {
    free(c), free(p);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  if (cli_load_config(l->a->data, c))
    goto out;
  const struct dom_collection *dc = &domain_collections[l->coll];
  const char *scope = l->a->scope                                          ? l->a->scope
                      : dc->scope == DOM_SCOPE_DISTRICT && c->trust ? c->district
                                                                              : c->scopes[0];
  if (n_extra)
    memcpy(ex, extra, (size_t)n_extra * sizeof *ex);
  if ((rc = build(l, scope, &q, ex, n_extra)))
    goto out;
  if (qq) /* the caller's own conditions on top (case list --open ...) */
    q.open_on = qq->open_on, q.closed_on = qq->closed_on, q.due_by = qq->due_by;
  p->l = l;
  p->c = dc;
  p->json = l->a->json;
  for (int i = 0; dc->fields[i].name; i++) {
    p->shown[i] = is_shown(l, &dc->fields[i]);
    p->width[i] = width_of(&dc->fields[i]);
  }
  if ((e = store_open(&s, &sc)) || (e = store_read_begin(s, &rd))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", l->a->data,
                  cli_err(e));
    goto out;
  }
  if (p->json)
    fputs("[", stdout);
  e = dom_query(&q, rd, on_row, p);
  if (p->json)
    fputs("]\n", stdout);
  if (e < 0) {
    rc = cli_fail("cannot read the database: %s", cli_err(e));
    goto out;
  }
  if (!p->json && p->conflicts)
    printf(_("* %d field(s) with concurrent values: see linli conflicts list\n"), p->conflicts);
  char of[CRDT_KEY_MAX + 48] = "";
  const struct dom_collection *ref = dc->key_ref >= 0 ? &domain_collections[dc->key_ref] : NULL;
  if (l->key && ref && ref->key_private)
    snprintf(of, sizeof of, _(" of that %s"), cli_tx(ref->noun));
  else if (l->key && ref)
    snprintf(of, sizeof of, _(" of %s %s"), cli_tx(ref->noun), l->key);
  if (!p->json)
    printf(_("%d %s%s%s%s in community %s\n"), p->n, l->noun ? l->noun : cli_tx(dc->noun),
           p->n == 1 || cli_zh() ? "" : "s", l->a->voided ? _(" voided") : "", of, scope);
  rc = CLI_OK;
out:
  store_read_end(rd);
  store_close(s);
  free(c);
  free(p);
  return rc;
}
