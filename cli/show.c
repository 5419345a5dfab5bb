/* linli get / list: records read straight from LMDB (a read-only reader,
 * so they work with the daemon stopped or running). The rows are those of
 * docs/protocol.md section 6; lww values with more than one frontier entry
 * are shown as conflicts. */
#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "store.h"
#include "verbs.h"

#define CLI_REC_FIELDS_MAX 2048
#define CLI_VALUE_DEPTH 10

/* ---- rendering msgpack as JSON ---- */

void cli_json_str(FILE *f, const char *s, size_t len)
{
  fputc('"', f);
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static int cli_value_at(FILE *f, struct crdt_mp *r, int bare, int depth);

static int cli_value_list(FILE *f, struct crdt_mp *r, int map, int depth)
{
  uint32_t n;
  int rc = map ? crdt_mp_map(r, &n) : crdt_mp_array(r, &n);
  fputc(map ? '{' : '[', f);
  for (uint32_t i = 0; i < n && !rc; i++) {
    if (i)
      fputc(',', f);
    if (map) {
      const char *k;
      uint32_t kl;
      if ((rc = crdt_mp_str(r, &k, &kl)))
        break;
      cli_json_str(f, k, kl);
      fputc(':', f);
    }
    rc = cli_value_at(f, r, 0, depth - 1);
  }
  fputc(map ? '}' : ']', f);
  return rc;
}

static int cli_value_at(FILE *f, struct crdt_mp *r, int bare, int depth)
{
  if (!crdt_mp_left(r) || depth <= 0)
    return LINLI_ETRUNC;
  uint8_t t = *r->p;
  int rc, bv;
  if (t <= 0x7f || (t >= 0xcc && t <= 0xcf)) {
    uint64_t u;
    if (!(rc = crdt_mp_uint(r, &u)))
      fprintf(f, "%llu", (unsigned long long)u);
  } else if (t >= 0xe0 || (t >= 0xd0 && t <= 0xd3)) {
    int64_t v;
    if (!(rc = crdt_mp_int(r, &v)))
      fprintf(f, "%lld", (long long)v);
  } else if (t == 0xc0) {
    if (!(rc = crdt_mp_nil(r)))
      fputs("null", f);
  } else if (t == 0xc2 || t == 0xc3) {
    if (!(rc = crdt_mp_bool(r, &bv)))
      fputs(bv ? "true" : "false", f);
  } else if ((t >= 0xa0 && t <= 0xbf) || (t >= 0xd9 && t <= 0xdb)) {
    const char *s;
    uint32_t n;
    if (!(rc = crdt_mp_str(r, &s, &n))) {
      if (bare)
        fprintf(f, "%.*s", (int)n, s);
      else
        cli_json_str(f, s, n);
    }
  } else if (t >= 0xc4 && t <= 0xc6) {
    const uint8_t *b;
    uint32_t n;
    if (!(rc = crdt_mp_bin(r, &b, &n))) {
      fputs("\"0x", f);
      for (uint32_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
      fputc('"', f);
    }
  } else if ((t >= 0x90 && t <= 0x9f) || t == 0xdc || t == 0xdd) {
    rc = cli_value_list(f, r, 0, depth);
  } else if ((t >= 0x80 && t <= 0x8f) || t == 0xde || t == 0xdf) {
    rc = cli_value_list(f, r, 1, depth);
  } else {
    rc = LINLI_ETYPE;
  }
  return rc;
}

int cli_value(FILE *f, struct crdt_mp *r, int bare)
{
  return cli_value_at(f, r, bare, CLI_VALUE_DEPTH);
}

static void cli_value_bytes(FILE *f, const uint8_t *v, size_t vl, int bare)
{
  struct crdt_mp r;
  crdt_mp_init(&r, v, vl);
  if (cli_value(f, &r, bare))
    fputs(bare ? "?" : "null", f);
}

/* ---- one record, gathered from its rows ---- */

struct cli_row {
  uint8_t tag;
  const uint8_t *name; /* field name; not NUL-terminated */
  size_t nl;
  const uint8_t *v;    /* L: frontier; C: u64be; E: the element's encoding */
  size_t vl;
};

struct cli_rec {
  const uint8_t *key;
  size_t kl;
  int tomb, live, truncated;
  uint64_t events;
  int n;
  struct cli_row rows[CLI_REC_FIELDS_MAX];
};

struct cli_show {
  struct cli_args *a;
  const char *coll;
  const struct crdt_view *v; /* during the scan: its keys open sealed values */
  size_t pl;       /* collection prefix length */
  int count;       /* records printed */
  struct cli_rec rec;
};

struct cli_lww_ctx {
  FILE *f;
  int json, i;
  const struct cli_show *s;
  const struct cli_row *w;
};

/* A value as cli_value_bytes prints it, opened first when it is a sealed
 * personal field this node holds the key of (else "(sealed)"/"(damaged)"). */
static void cli_lww_value(const struct cli_lww_ctx *c, const uint8_t *v, size_t vl, int text)
{
  const struct dom_collection *dc = c->s ? domain_find(c->s->coll, strlen(c->s->coll)) : NULL;
  const struct dom_field *f = dc && c->w ? domain_field(dc, (const char *)c->w->name, c->w->nl) : NULL;
  uint8_t plain[DOM_SEAL_PLAIN_MAX];
  size_t pl = 0;
  int rc = f ? dom_open_at(c->s->v, c->s->a->scope, strlen(c->s->a->scope), c->s->coll,
                           (const char *)c->s->rec.key, c->s->rec.kl, f, v, vl, plain,
                           sizeof plain, &pl)
             : 1;
  if (rc == 0 || rc == 1) {
    const uint8_t *p = rc ? v : plain;
    size_t n = rc ? vl : pl;
    char shown[DOM_SEAL_PLAIN_MAX + 1];
    if (dom_mask_pii && f && (f->type == DOM_T_IDNO || f->type == DOM_T_PHONE)) {
      dom_render(f, p, n, shown, sizeof shown); /* masked: a role without pii (staff.h) */
      if (text)
        fputs(shown, c->f);
      else
        cli_json_str(c->f, shown, strlen(shown));
      sodium_memzero(shown, sizeof shown);
    } else {
      cli_value_bytes(c->f, p, n, text);
    }
    if (rc == 0)
      sodium_memzero(plain, pl);
  } else if (text) {
    fputs(dom_sealed_word(rc), c->f);
  } else {
    cli_json_str(c->f, dom_sealed_word(rc), strlen(dom_sealed_word(rc)));
  }
}

static int cli_lww_conflict(void *arg, const struct crdt_lww_entry *e)
{
  struct cli_lww_ctx *c = arg;
  char id[2 * CRDT_ID_BYTES + 1];
  if (c->i++ == 0)
    return 0;
  cli_hex(id, e->id, CRDT_ID_BYTES);
  if (c->json) {
    fprintf(c->f, "%s{\"value\":", c->i > 2 ? "," : "");
    cli_lww_value(c, e->value, e->value_len, 0);
    fprintf(c->f, ",\"id\":\"%s\",\"hlc\":%llu}", id, (unsigned long long)e->hlc);
  } else {
    fputs(" | ", c->f);
    cli_lww_value(c, e->value, e->value_len, 1);
  }
  return 0;
}

static int cli_lww_first(void *arg, const struct crdt_lww_entry *e)
{
  struct cli_lww_ctx *c = arg;
  char id[2 * CRDT_ID_BYTES + 1];
  cli_hex(id, e->id, CRDT_ID_BYTES);
  if (c->json) {
    fputs("{\"value\":", c->f);
    cli_lww_value(c, e->value, e->value_len, 0);
    fprintf(c->f, ",\"id\":\"%s\",\"hlc\":%llu", id, (unsigned long long)e->hlc);
  } else {
    cli_lww_value(c, e->value, e->value_len, 1);
  }
  return 1;
}

static int cli_lww_count(void *arg, const struct crdt_lww_entry *e)
{
  (void)e;
  (*(int *)arg)++;
  return 0;
}

static void cli_print_lww(const struct cli_show *s, const struct cli_row *w, int json)
{
  struct cli_lww_ctx c = {stdout, json, 0, s, w};
  int n = 0;
  crdt_lww_each(w->v, w->vl, cli_lww_count, &n);
  crdt_lww_each(w->v, w->vl, cli_lww_first, &c);
  if (dom_is_by(w->name, w->nl))
    n = 1; /* who wrote last: concurrent writers are no conflict (domain.h "staff") */
  if (json) {
    if (n > 1) {
      fputs(",\"conflict\":[", stdout);
      crdt_lww_each(w->v, w->vl, cli_lww_conflict, &c);
      fputs("]", stdout);
    }
    fputs("}", stdout);
  } else if (n > 1) {
    printf(_("   [conflict, %d values: "), n);
    c.i = 0;
    crdt_lww_each(w->v, w->vl, cli_lww_first, &c);
    crdt_lww_each(w->v, w->vl, cli_lww_conflict, &c);
    printf("]");
  }
}

static int64_t cli_counter(const struct cli_row *w)
{
  uint64_t u = 0;
  for (size_t i = 0; i < 8 && i < w->vl; i++)
    u = u << 8 | w->v[i];
  return (int64_t)u;
}

static void cli_rec_json_part(const struct cli_show *s, uint8_t tag, const char *label)
{
  const struct cli_rec *rec = &s->rec;
  int first = 1;
  printf(",\"%s\":{", label);
  for (int i = 0; i < rec->n; i++) {
    const struct cli_row *w = &rec->rows[i];
    if (w->tag != tag)
      continue;
    int same = i && rec->rows[i - 1].tag == tag && rec->rows[i - 1].nl == w->nl &&
               memcmp(rec->rows[i - 1].name, w->name, w->nl) == 0;
    if (tag == CRDT_ROW_ELEM && same) {
      fputc(',', stdout);
    } else {
      if (tag == CRDT_ROW_ELEM && !first)
        fputc(']', stdout);
      printf("%s", first ? "" : ",");
      cli_json_str(stdout, (const char *)w->name, w->nl);
      fputs(tag == CRDT_ROW_ELEM ? ":[" : ":", stdout);
      first = 0;
    }
    if (tag == CRDT_ROW_LWW)
      cli_print_lww(s, w, 1);
    else if (tag == CRDT_ROW_COUNTER)
      printf("%lld", (long long)cli_counter(w));
    else
      cli_value_bytes(stdout, w->v, w->vl, 0);
  }
  printf("%s}", tag == CRDT_ROW_ELEM && !first ? "]" : "");
}

static void cli_rec_json(struct cli_show *s)
{
  const struct cli_rec *rec = &s->rec;
  printf("%s{\"key\":", s->count ? ",\n" : "");
  cli_json_str(stdout, (const char *)rec->key, rec->kl);
  printf(",\"deleted\":%s", rec->tomb && !rec->live ? "true" : "false");
  cli_rec_json_part(s, CRDT_ROW_LWW, "fields");
  cli_rec_json_part(s, CRDT_ROW_COUNTER, "counters");
  cli_rec_json_part(s, CRDT_ROW_ELEM, "sets");
  printf(",\"events\":%llu%s}", (unsigned long long)rec->events,
         rec->truncated ? ",\"truncated\":true" : "");
}

static void cli_rec_table(struct cli_show *s)
{
  const struct cli_rec *rec = &s->rec;
  const struct dom_collection *dc = domain_find(s->coll, strlen(s->coll));
  if (s->count == 0) {
    static const int w[] = {-24, -24, 0};
    static const char *const h[] = {N_("KEY"), N_("FIELD"), N_("VALUE")};
    cli_head(3, w, h);
  }
  if (rec->tomb && !rec->live)
    printf("%-24.*s %-24s %s\n", (int)rec->kl, (const char *)rec->key, "-", _("(deleted)"));
  for (int i = 0; i < rec->n; i++) {
    const struct cli_row *w = &rec->rows[i];
    char name[CRDT_FIELD_MAX + 32];
    if (w->tag == CRDT_ROW_LWW && dom_is_by(w->name, w->nl))
      continue; /* who wrote it last: in --json and in history */
    const char *kind = w->tag == CRDT_ROW_COUNTER ? _(" (counter)")
                       : w->tag == CRDT_ROW_ELEM  ? _(" (set)")
                                                  : "";
    /* in Chinese the field's label first, then the name put and set take */
    const struct dom_field *f = dc ? domain_field(dc, (const char *)w->name, w->nl) : NULL;
    if (f && cli_zh() && f->label.zh)
      snprintf(name, sizeof name, "%s %.*s%s", f->label.zh, (int)w->nl, (const char *)w->name, kind);
    else
      snprintf(name, sizeof name, "%.*s%s", (int)w->nl, (const char *)w->name, kind);
    char keycol[CRDT_KEY_MAX + 1];
    snprintf(keycol, sizeof keycol, "%.*s", (int)rec->kl, (const char *)rec->key);
    const char *cells[] = {keycol, name};
    for (int k = 0; k < 2; k++) { /* 24 display columns each, as the header's */
      fputs(cells[k], stdout);
      for (int d = cli_dwidth(cells[k], strlen(cells[k])); d < 24; d++)
        fputc(' ', stdout);
      fputc(' ', stdout);
    }
    if (w->tag == CRDT_ROW_LWW)
      cli_print_lww(s, w, 0);
    else if (w->tag == CRDT_ROW_COUNTER)
      printf("%lld", (long long)cli_counter(w));
    else
      cli_value_bytes(stdout, w->v, w->vl, 1);
    fputc('\n', stdout);
  }
  if (rec->events)
    printf("%-24.*s %-24s %llu\n", (int)rec->kl, (const char *)rec->key, _("(log events)"),
           (unsigned long long)rec->events);
  if (rec->truncated)
    printf(_("%-24.*s (more rows not shown)\n"), (int)rec->kl, (const char *)rec->key);
}

static void cli_rec_flush(struct cli_show *s)
{
  if (!s->rec.key)
    return;
  if (s->a->json)
    cli_rec_json(s);
  else
    cli_rec_table(s);
  s->count++;
  memset(&s->rec, 0, offsetof(struct cli_rec, rows));
}

/* Splits a field suffix "f 00 ..." into the field name; returns the bytes
 * after the 00, or NULL. */
static const uint8_t *cli_field(const uint8_t *p, const uint8_t *end, struct cli_row *w)
{
  const uint8_t *z = memchr(p, 0, (size_t)(end - p));
  if (!z)
    return NULL;
  w->name = p;
  w->nl = (size_t)(z - p);
  return z + 1;
}

static void cli_rec_row(struct cli_rec *rec, uint8_t tag, const uint8_t *p, const uint8_t *end,
                        const uint8_t *v, size_t vl)
{
  struct cli_row w = {tag, NULL, 0, v, vl};
  if (tag == CRDT_ROW_TOMB) {
    rec->tomb = 1;
    return;
  }
  if (tag == CRDT_ROW_LOG) {
    rec->events++;
    return;
  }
  if (tag != CRDT_ROW_LWW && tag != CRDT_ROW_COUNTER && tag != CRDT_ROW_ELEM)
    return;
  const uint8_t *q = cli_field(p, end, &w);
  if (!q)
    return;
  if (tag == CRDT_ROW_ELEM) {
    if (end - q < 2 + CRDT_ID_BYTES)
      return;
    size_t el = (size_t)q[0] << 8 | q[1];
    if ((size_t)(end - q) != 2 + el + CRDT_ID_BYTES)
      return;
    w.v = q + 2;
    w.vl = el;
  }
  if (tag != CRDT_ROW_COUNTER)
    rec->live = 1;
  /* A set shows each element once, however many adds keep it (the rows
   * of one element are adjacent: field, element, then the add's id). */
  const struct cli_row *last = rec->n ? &rec->rows[rec->n - 1] : NULL;
  if (tag == CRDT_ROW_ELEM && last && last->tag == tag && last->nl == w.nl &&
      !memcmp(last->name, w.name, w.nl) && last->vl == w.vl && !memcmp(last->v, w.v, w.vl))
    return;
  if (rec->n == CLI_REC_FIELDS_MAX) {
    rec->truncated = 1;
    return;
  }
  rec->rows[rec->n++] = w;
}

static int cli_show_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct cli_show *s = arg;
  const uint8_t *p = k + s->pl, *end = k + kl;
  if (p < end && *p == CRDT_ROW_LOG)
    return 0; /* the collection's event log, not a record */
  const uint8_t *z = memchr(p, 0, (size_t)(end - p));
  if (!z || z + 1 >= end)
    return 0;
  size_t keylen = (size_t)(z - p);
  if (!s->rec.key || s->rec.kl != keylen || memcmp(s->rec.key, p, keylen) != 0) {
    cli_rec_flush(s);
    s->rec.key = p;
    s->rec.kl = keylen;
  }
  cli_rec_row(&s->rec, z[1], z + 2, end, v, vl);
  return 0;
}

struct cli_scan {
  struct cli_show *s;
  uint8_t prefix[CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + 8];
  int pl;
  int one; /* get: one record, no surrounding array */
};

static int cli_show_txn(void *arg, const struct crdt_view *v)
{
  struct cli_scan *sc = arg;
  int list = sc->s->a->json && !sc->one;
  if (list)
    fputs("[", stdout);
  sc->s->v = v;
  int rc = v->scan(v->ctx, sc->prefix, (size_t)sc->pl, cli_show_row, sc->s);
  cli_rec_flush(sc->s);
  sc->s->v = NULL;
  if (list || (sc->s->a->json && sc->s->count))
    fputs(list ? "]\n" : "\n", stdout);
  return rc < 0 ? rc : 0;
}

int cli_show_records(struct cli_args *a, const char *coll, const char *key)
{
  struct config c;
  struct store *st = NULL;
  struct store_config scfg = {a->data, 0, 0, 0, 1};
  struct cli_scan sc;
  int rc, code = CLI_FAIL;
  if (crdt_check_ident(coll, strlen(coll), CRDT_COLLECTION_MAX))
    return cli_fail("collection '%s' must be 1 to %d characters of a-z 0-9 _", coll,
                    CRDT_COLLECTION_MAX);
  if (!a->scope) {
    if (cli_load_config(a->data, &c) || cli_record_scope(a, &c, coll, key))
      return CLI_FAIL;
    if (!a->scope)
      a->scope = c.scopes[0];
  }
  sc.s = calloc(1, sizeof *sc.s);
  if (!sc.s)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  sc.s->a = a;
  sc.s->coll = coll;
  sc.one = key != NULL;
  sc.pl = crdt_row_prefix(sc.prefix, sizeof sc.prefix, a->scope, strlen(a->scope), coll,
                          strlen(coll), NULL, 0);
  sc.s->pl = (size_t)sc.pl;
  if (sc.pl > 0 && key) {
    sc.pl = crdt_row_prefix(sc.prefix, sizeof sc.prefix, a->scope, strlen(a->scope), coll,
                            strlen(coll), key, strlen(key));
  }
  if (sc.pl < 0) {
    code = cli_fail("the scope, collection or key is too long");
    goto out;
  }
  if ((rc = store_open(&st, &scfg))) {
    code = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", a->data,
                    cli_err(rc));
    goto out;
  }
  if ((rc = store_read_rows(st, cli_show_txn, &sc))) {
    code = cli_fail("cannot read the database: %s", cli_err(rc));
    goto out;
  }
  if (key && !sc.s->count)
    code = cli_fail("no record '%s' in %s (scope %s)", key, coll, a->scope);
  else
    code = CLI_OK;
out:
  store_close(st);
  free(sc.s);
  return code;
}

int cli_cmd_get(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  const char *why = crdt_key_problem(a->pos[1], strlen(a->pos[1]));
  if (why)
    return cli_fail("the record key %s (docs/protocol.md 3.3: 1 to %d bytes of text, NFC, no "
                    "control or invisible characters)", why, CRDT_KEY_MAX);
  return cli_show_records(a, a->pos[0], a->pos[1]);
}

int cli_cmd_list(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  const struct dom_collection *c = domain_find(a->pos[0], strlen(a->pos[0]));
  if (c && c->shape == DOM_LOG) /* a log's events, each with its fields */
    return cli_list_events(a, domain_coll_id(c), NULL);
  return cli_show_records(a, a->pos[0], NULL);
}
