/* linli conflicts list | show | resolve: lww fields written concurrently
 * (by writes that did not see each other, e.g. on two nodes during a
 * partition) keep every concurrent value; the record shows the winner and
 * the losers stay visible until staff write the field again with all of
 * them as parents (resolve), which replaces them on every node. */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "verbs.h"

struct walk {
  const struct cli_args *a;
  const struct config *cfg;
  const char *scope;
  int count, json;
  /* show / resolve */
  int fields_shown;
  uint8_t parents[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t n_parents;
  int found, over;
  const char *const *want; /* resolve: the field names given */
  int n_want;
};

static int count_entry(void *arg, const struct crdt_lww_entry *e)
{
  (void)e;
  (*(uint32_t *)arg)++;
  return 0;
}

/* Every lww row of the scope with more than one value: every collection,
 * those this node's table does not know included. A row key is
 * scope 0 collection 0 key 0 'L' field 0. */
static int list_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
  struct walk *w = arg;
  size_t sl = strlen(w->scope) + 1;
  const uint8_t *coll = k + sl, *end = k + kl, *z1, *z2, *z3;
  if (kl <= sl || !(z1 = memchr(coll, 0, (size_t)(end - coll))) || z1 + 1 >= end ||
      z1[1] == CRDT_ROW_LOG || !(z2 = memchr(z1 + 1, 0, (size_t)(end - z1 - 1))) ||
      z2 + 2 >= end || z2[1] != CRDT_ROW_LWW || !(z3 = memchr(z2 + 2, 0, (size_t)(end - z2 - 2))))
    return 0;
  uint32_t n = 0;
  crdt_lww_each(v, vl, count_entry, &n);
  const char *key = (const char *)z1 + 1, *field = (const char *)z2 + 2;
  int cl = (int)(z1 - coll), kyl = (int)(z2 - (const uint8_t *)key),
      fl = (int)(z3 - (const uint8_t *)field);
  if (n < 2 || dom_is_by(field, (size_t)fl)) /* who wrote last is no conflict */
    return 0;
  if (w->json) {
    printf("%s{\"scope\":", w->count ? "," : "");
    cli_json_str(stdout, w->scope, strlen(w->scope));
    printf(",\"collection\":");
    cli_json_str(stdout, (const char *)coll, (size_t)cl);
    printf(",\"key\":");
    cli_json_str(stdout, key, (size_t)kyl);
    printf(",\"field\":");
    cli_json_str(stdout, field, (size_t)fl);
    printf(",\"values\":%u}", n);
  } else {
    printf("%-12s %-14.*s %-28.*s %-16.*s %u\n", w->scope, cl, (const char *)coll, kyl, key, fl,
           field, n);
  }
  w->count++;
  return 0;
}

static int list_rows(void *arg, const struct crdt_view *v)
{
  struct walk *w = arg;
  const struct config *c = w->cfg;
  uint8_t prefix[CRDT_SCOPE_MAX + 1];
  for (int s = 0; s < c->n_scopes; s++) {
    if (w->a->scope && strcmp(w->a->scope, c->scopes[s]))
      continue;
    w->scope = c->scopes[s];
    int pl = crdt_row_prefix(prefix, sizeof prefix, w->scope, strlen(w->scope), NULL, 0, NULL, 0);
    if (pl < 0)
      return pl;
    int rc = v->scan(v->ctx, prefix, (size_t)pl, list_row, w);
    if (rc < 0 && rc != LINLI_ENOTFOUND)
      return rc;
  }
  return 0;
}

/* Overdrafts: stock counters below zero after hand-outs on two nodes at
 * once (a partition); shown with the conflicts, resolved by a receipt. */
struct over_walk {
  const char *scope;
  int n;
};

static int on_over(void *arg, const struct record *r)
{
  struct over_walk *o = arg;
  for (uint32_t i = 0; !r->deleted && i < r->n_fields; i++)
    if (r->f[i].tag == CRDT_ROW_COUNTER && r->f[i].sum < 0) {
      printf(_("overdraft: %s stock %.*s %.*s is %lld (hand-outs on two nodes at once); resolve with "
             "the receipt that covered it: linli supply stock in --data DIR %.*s %.*s=%lld "
             "source=...\n"), o->scope, (int)r->key.len, r->key.p, (int)r->f[i].name.len,
             r->f[i].name.p, (long long)r->f[i].sum, (int)r->key.len, r->key.p,
             (int)r->f[i].name.len, r->f[i].name.p, (long long)-r->f[i].sum);
      o->n++;
    }
  return 0;
}

static int list_overdrafts(void *arg, const struct crdt_view *v)
{
  struct walk *w = arg;
  for (int s = 0; s < w->cfg->n_scopes; s++) {
    struct over_walk o = {w->cfg->scopes[s], 0};
    if (w->a->scope && strcmp(w->a->scope, o.scope))
      continue;
    int rc = record_each(v, o.scope, domain_name(DOM_STOCK), NULL, on_over, &o);
    if (rc < 0 && rc != LINLI_ENOTFOUND)
      return rc;
  }
  return 0;
}

struct entry_ctx {
  struct walk *w;
  int i;
};

static int show_entry(void *arg, const struct crdt_lww_entry *e)
{
  struct entry_ctx *x = arg;
  char id[2 * CRDT_ID_BYTES + 1], author[2 * CRDT_PK_BYTES + 1], when[32];
  struct crdt_mp m;
  cli_hex(id, e->id, CRDT_ID_BYTES);
  cli_hex(author, e->author, CRDT_PK_BYTES);
  cli_time(when, sizeof when, CRDT_HLC_MS(e->hlc));
  crdt_mp_init(&m, e->value, e->value_len);
  if (x->w->json) {
    printf("%s{\"value\":", x->i ? "," : "");
    if (cli_value(stdout, &m, 0))
      printf("null");
    printf(",\"author\":\"%.8s\",\"time\":\"%s\",\"hlc\":%llu,\"id\":\"%s\",\"winner\":%s}", author,
           when, (unsigned long long)e->hlc, id, x->i ? "false" : "true");
  } else {
    printf("  %s ", x->i ? "      " : "winner");
    if (cli_value(stdout, &m, 1))
      printf("?");
    printf(_("   author %.8s  time %s  op %s\n"), author, when, id);
  }
  x->i++;
  return 0;
}

static int show_record(void *arg, const struct record *r)
{
  struct walk *w = arg;
  w->found = 1;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    const struct record_field *f = &r->f[i];
    if (f->tag != CRDT_ROW_LWW || !f->losers || !r->lww_rows[i] || dom_is_by(f->name.p, f->name.len))
      continue;
    struct entry_ctx x = {w, 0};
    if (w->json) {
      printf("%s{\"field\":", w->fields_shown ? "," : "");
      cli_json_str(stdout, f->name.p, f->name.len);
      printf(",\"values\":[");
    } else {
      printf(_("%.*s: %u values\n"), (int)f->name.len, f->name.p, f->losers + 1);
    }
    crdt_lww_each(r->lww_rows[i], r->lww_lens[i], show_entry, &x);
    if (w->json)
      printf("]}");
    w->fields_shown++;
  }
  return 0;
}

static int parent_entry(void *arg, const struct crdt_lww_entry *e)
{
  struct walk *w = arg;
  return w->over |= cli_parent_add(w->parents, &w->n_parents, e->id);
}

static int resolve_record(void *arg, const struct record *r)
{
  struct walk *w = arg;
  w->found = 1;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    const struct record_field *f = &r->f[i];
    if (f->tag != CRDT_ROW_LWW || !r->lww_rows[i])
      continue;
    for (int k = 0; k < w->n_want; k++)
      if (strlen(w->want[k]) == f->name.len && !memcmp(w->want[k], f->name.p, f->name.len)) {
        w->fields_shown += f->losers > 0;
        crdt_lww_each(r->lww_rows[i], r->lww_lens[i], parent_entry, w);
      }
  }
  return 0;
}

static int one_rows(void *arg, const struct crdt_view *v)
{
  struct walk *w = arg;
  const struct config *c = w->cfg;
  int resolve = w->want != NULL;
  for (int s = 0; s < c->n_scopes && !w->found; s++) {
    if (w->a->scope && strcmp(w->a->scope, c->scopes[s]))
      continue;
    w->scope = c->scopes[s];
    int rc = record_each(v, w->scope, w->a->pos[1], w->a->pos[2],
                         resolve ? resolve_record : show_record, w);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* field=value: whole numbers are integers, true/false booleans, else text
 * (as linli put). */
static void put_value(struct cli_kv *kv, const char *v)
{
  char *end = NULL;
  long long x = strtoll(v, &end, 10);
  int plain = *v && (v[0] == '-' ? v[1] >= '1' && v[1] <= '9' : v[0] >= '0' && v[0] <= '9') &&
              !(v[0] == '0' && v[1]) && strlen(v) < 19;
  if (plain && end && !*end)
    kv->t = 'i', kv->i = x;
  else if (!strcmp(v, "true") || !strcmp(v, "false"))
    kv->t = 'b', kv->i = v[0] == 't';
  else
    kv->t = 's', kv->s = v;
}

/* resolve of a collection the table knows: a set of the chosen values, each
 * encoded by its type and checked as the set verb checks it, its parents
 * every concurrent value (dom_plan names the whole frontier). */
static int resolve_typed(struct cli_args *a, int coll, const char *scope)
{
  struct cli_writer *wr = NULL;
  struct dom_plan *p = malloc(sizeof *p);
  int rc, stored;
  if (!p)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if ((rc = cli_writer_open(&wr, a->data))) {
    free(p);
    return rc;
  }
  struct dom_req r = {.coll = coll, .verb = DOM_V_SET, .key = a->pos[2], .args = a->pos + 3,
                      .n_args = a->n_pos - 3, .scope = scope, .upsert = 1};
  if ((rc = cli_plan_write(wr, &r, "linli conflicts resolve", p, &stored)) == CLI_OK)
    fprintf(stderr, _("linli: %d field(s) set, replacing %u value(s); stored %s\n"), a->n_pos - 3,
            stored ? p->ch[0].n_parents : 0, cli_writer_where(wr));
  free(p);
  cli_writer_close(wr);
  return rc;
}

static int resolve(const struct cli_cmd *cmd, struct cli_args *a, struct config *c)
{
  struct walk w;
  struct cli_kv kv[CLI_POS_MAX];
  const char *names[CLI_POS_MAX];
  char namebuf[CLI_POS_MAX][CRDT_FIELD_MAX + 1];
  uint8_t body[CRDT_BODY_MAX_BYTES + 256], id[CRDT_ID_BYTES];
  char hex[2 * CRDT_ID_BYTES + 1];
  struct crdt_buf b;
  struct cli_writer *wr = NULL;
  int n = a->n_pos - 3, rc;
  if (n < 1)
    return cli_usage(cmd, CLI_USAGE);
  for (int i = 0; i < n; i++) {
    const char *arg = a->pos[3 + i], *eq = strchr(arg, '=');
    size_t nl = eq ? (size_t)(eq - arg) : 0;
    if (!eq || crdt_check_ident(arg, nl, CRDT_FIELD_MAX)) {
      fprintf(stderr, _("linli conflicts resolve: '%s' is not field=value\n"), arg);
      return CLI_USAGE;
    }
    memcpy(namebuf[i], arg, nl);
    namebuf[i][nl] = 0;
    names[i] = namebuf[i];
    kv[i].k = namebuf[i];
    put_value(&kv[i], eq + 1);
    for (int j = 0; j < i; j++)
      if (!strcmp(names[j], names[i]))
        return cli_fail("field '%s' is given twice", names[i]);
  }
  memset(&w, 0, sizeof w);
  w.a = a;
  w.want = names;
  w.n_want = n;
  if (cli_writer_open(&wr, a->data))
    return CLI_FAIL;
  w.cfg = c;
  if ((rc = cli_writer_read(wr, one_rows, &w))) {
    cli_writer_close(wr);
    return cli_fail("cannot read the record: %s", cli_err(rc));
  }
  if (!w.found) {
    cli_writer_close(wr);
    return cli_fail("no %s record with that key on this node", a->pos[1]);
  }
  const struct dom_collection *dc = domain_find(a->pos[1], strlen(a->pos[1]));
  if (dc) {
    char scope[CRDT_SCOPE_MAX + 1];
    snprintf(scope, sizeof scope, "%s", w.scope);
    cli_writer_close(wr);
    return resolve_typed(a, domain_coll_id(dc), scope);
  }
  crdt_buf_init(&b, body, sizeof body);
  if (cli_body(&b, kv, n)) {
    cli_writer_close(wr);
    return cli_fail("the values are larger than %d bytes", CRDT_BODY_MAX_BYTES);
  }
  struct node_change ch = {w.scope, a->pos[1], a->pos[2], CRDT_SET, b.p, b.len,
                           w.n_parents ? w.parents : NULL, w.n_parents};
  /* no parents: nothing was written there yet; a set with parents {} is fine */
  rc = cli_writer_put(wr, &ch, id);
  if (rc) {
    int r = cli_fail("not resolved: %s", cli_writer_why(wr, rc));
    cli_writer_close(wr);
    return r;
  }
  cli_hex(hex, id, sizeof id);
  printf("%s\n", hex);
  fprintf(stderr, _("linli: %d field(s) set, replacing %u concurrent value(s)%s; stored %s\n"), n,
          w.n_parents, w.over ? " (more than 16: run resolve again)" : "", cli_writer_where(wr));
  cli_writer_close(wr);
  return CLI_OK;
}

int cli_cmd_conflicts(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct walk w;
  int rc, ret = CLI_FAIL;
  const char *verb = a->pos[0];
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  memset(&w, 0, sizeof w);
  w.a = a;
  w.cfg = c;
  w.json = a->json;
  int list = !strcmp(verb, "list"), show = !strcmp(verb, "show"), res = !strcmp(verb, "resolve");
  if ((list && a->n_pos != 1) || (show && a->n_pos != 3) || (res && a->n_pos < 4) ||
      !(list || show || res)) {
    free(c);
    return cli_usage(cmd, CLI_USAGE);
  }
  if (cli_load_config(a->data, c))
    goto out;
  if (crdt_check_ident(a->n_pos > 1 ? a->pos[1] : "x", strlen(a->n_pos > 1 ? a->pos[1] : "x"),
                       CRDT_COLLECTION_MAX)) {
    fprintf(stderr, _("linli conflicts: '%s' is not a collection name\n"), a->pos[1]);
    ret = CLI_USAGE;
    goto out;
  }
  if (res) {
    ret = resolve(cmd, a, c);
    goto out;
  }
  if (list) {
    if (w.json)
      printf("[");
    else {
      static const int hw[] = {-12, -14, -28, -16, 0};
      static const char *const hn[] = {N_("SCOPE"), N_("COLLECTION"), N_("KEY"), N_("FIELD"),
                                       N_("VALUES")};
      cli_head(5, hw, hn);
    }
    if ((rc = cli_read_rows(a->data, list_rows, &w)))
      goto read_fail;
    if (w.json)
      printf("]\n");
    else
      printf(_("%d field(s) with concurrent values%s\n"), w.count,
             w.count ? "; see one with: linli conflicts show COLLECTION KEY" : "");
    if (!w.json && (rc = cli_read_rows(a->data, list_overdrafts, &w)))
      goto read_fail;
    ret = CLI_OK;
    goto out;
  }
  if (w.json)
    printf("{\"fields\":[");
  if ((rc = cli_read_rows(a->data, one_rows, &w)))
    goto read_fail;
  if (w.json)
    printf("],\"found\":%s}\n", w.found ? "true" : "false");
  else if (!w.found)
    printf(_("no %s record with that key on this node\n"), a->pos[1]);
  else if (!w.fields_shown)
    printf(_("no conflicts in %s %s (scope %s)\n"), a->pos[1], a->pos[2], w.scope);
  else
    printf(_("resolve with: linli conflicts resolve --data DIR %s KEY field=value...\n"), a->pos[1]);
  ret = w.found ? CLI_OK : CLI_FAIL;
  goto out;
read_fail:
  if (rc != CLI_FAIL)
    cli_fail("cannot read the records: %s", cli_err(rc));
out:
  free(c);
  return ret;
}
