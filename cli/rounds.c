/* linli publish, linli rounds [show N]: the published list of
 * epidemic-free compounds, communities and villages in numbered rounds, as
 * a city's headquarters publishes its Nth list (docs/domain.md "Published
 * rounds"). A round is hub records in the district scope: `round` KEY (the
 * number, four digits) with its date and counts, and a `round_item` per
 * compound, community or village listed, and per one listed in the round
 * before and no longer (withdrawn, with the rule's reason): never silently
 * dropped. Every node gets the rounds with the district scope. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

#define RD_ITEMS_MAX 8192
#define RD_ROUNDS_MAX 9999

struct item {
  char key[CRDT_KEY_MAX + 1];
  char kind[12], status[12];
  char community[CRDT_SCOPE_MAX + 1], compound[CRDT_KEY_MAX + 1];
  char name[DOM_TEXT_MAX + 1], since[DOM_DATE_LEN + 1], reason[340];
  int seen; /* publish: listed again in the new round */
};

struct round {
  char scope[CRDT_SCOPE_MAX + 1]; /* the district's, or the city's */
  int number;
  char date[DOM_DATE_LEN + 1];
  char compounds[48], communities[48], villages[48], withdrawn[48];
};

struct rd {
  const struct config *c;
  const char *scope; /* where the rounds are: the district scope, or the city scope */
  const char *date; /* publish: the round's date; show: the date the marks are for */
  int want;         /* show N / the round before in publish */
  struct round *rounds;
  int n_rounds, last;
  struct item *items; /* of round `want` */
  int n_items, cut;
};

static void rkey(char *out, size_t cap, int n)
{
  snprintf(out, cap, "%04d", n);
}

static void str_field(const struct record *r, const char *f, char *out, size_t cap)
{
  if (record_str(r, f, out, cap))
    out[0] = 0;
}

static int on_round(void *arg, const struct record *r)
{
  struct rd *d = arg;
  int64_t n;
  if (r->deleted || record_int(r, "number", &n) || n < 1 || n > RD_ROUNDS_MAX)
    return 0;
  if (d->last < n)
    d->last = (int)n;
  if (!d->rounds || d->n_rounds == RD_ROUNDS_MAX)
    return 0;
  struct round *x = &d->rounds[d->n_rounds++];
  memset(x, 0, sizeof *x);
  snprintf(x->scope, sizeof x->scope, "%s", d->scope);
  x->number = (int)n;
  str_field(r, "date", x->date, sizeof x->date);
  str_field(r, "compounds", x->compounds, sizeof x->compounds);
  str_field(r, "communities", x->communities, sizeof x->communities);
  str_field(r, "villages", x->villages, sizeof x->villages);
  str_field(r, "withdrawn", x->withdrawn, sizeof x->withdrawn);
  return 0;
}

static int on_item(void *arg, const struct record *r)
{
  struct rd *d = arg;
  char round[16], want[16];
  rkey(want, sizeof want, d->want);
  if (r->deleted || r->key.len > CRDT_KEY_MAX || record_str(r, "round", round, sizeof round) ||
      strcmp(round, want))
    return 0;
  if (d->n_items == RD_ITEMS_MAX) {
    d->cut = 1;
    return 0;
  }
  struct item *it = &d->items[d->n_items++];
  memset(it, 0, sizeof *it);
  memcpy(it->key, r->key.p, r->key.len);
  str_field(r, "kind", it->kind, sizeof it->kind);
  str_field(r, "status", it->status, sizeof it->status);
  str_field(r, "community", it->community, sizeof it->community);
  str_field(r, "compound", it->compound, sizeof it->compound);
  str_field(r, "name", it->name, sizeof it->name);
  str_field(r, "since", it->since, sizeof it->since);
  str_field(r, "reason", it->reason, sizeof it->reason);
  return 0;
}

/* The rounds (d->rounds if not NULL), the last number, and the items of round d->want. */
static int read_rounds(const struct crdt_view *v, struct rd *d)
{
  const char *sc = d->scope ? d->scope : d->c->district;
  int rc = record_each(v, sc, domain_name(DOM_ROUND), NULL, on_round, d);
  if (rc >= 0 && d->want > 0)
    rc = record_each(v, sc, domain_name(DOM_ROUND_ITEM), NULL, on_item, d);
  return rc < 0 ? rc : 0;
}

/* ---- linli publish ---- */

struct pub {
  struct rd d;
  struct cli_writer *w;
  const char *today, *now;
  int number;
  struct cli_batch *b;
  struct dom_plan *p;
  struct dom_err e;
  int err; /* a plan failed: e says why */
  int compounds, cert, communities, free_, villages, vfree, withdrawn, listed;
  const char *cur; /* the community whose compounds are walked */
  const struct crdt_view *v;
};

static struct item *prev(struct pub *p, const char *community, const char *compound)
{
  for (int i = 0; i < p->d.n_items; i++) {
    struct item *it = &p->d.items[i];
    if (!strcmp(it->status, "listed") && !strcmp(it->community, community) &&
        !strcmp(it->compound, compound ? compound : ""))
      return it;
  }
  return NULL;
}

/* One record of the round: key and field=value pairs (NULL values left out). */
static int add(struct pub *p, int coll, const char *key, const char *const *kv, int n)
{
  char args[10][400];
  const char *ap[10];
  int k = 0;
  for (int i = 0; i < n && k < 10; i++)
    if (kv[2 * i + 1] && kv[2 * i + 1][0]) {
      snprintf(args[k], sizeof args[k], "%s=%s", kv[2 * i], kv[2 * i + 1]);
      ap[k] = args[k];
      k++;
    }
  struct dom_req r = {.coll = coll, .verb = DOM_V_ADD, .key = key, .args = ap, .n_args = k,
                      .home = p->w->c.scopes[0], .district = p->w->c.district, .today = p->today,
                      .now = p->now};
  int rc = dom_plan(&r, p->v, p->p, &p->e);
  if (rc) {
    p->err = 1;
    return rc;
  }
  return cli_batch_add_plan(p->b, p->p);
}

/* One compound's entry of the new round: listed when certified, withdrawn
 * (with why) when the round before listed it and it no longer is. */
static int compound_item(struct pub *p, const char *community, const char *compound,
                         const char *name, int certified, const char *why)
{
  char key[2 * CRDT_KEY_MAX + 64], round[16];
  struct item *was = prev(p, community, compound);
  if (was)
    was->seen = 1;
  rkey(round, sizeof round, p->number);
  snprintf(key, sizeof key, "%s/%s/%s", round, community, compound);
  if (certified) {
    p->listed++;
    const char *kv[] = {"round", round, "kind", "compound", "community", community,
                        "compound", compound, "name", name, "status", "listed",
                        "since", was && was->since[0] ? was->since : p->d.date};
    return add(p, DOM_ROUND_ITEM, key, kv, 7);
  }
  if (!was)
    return 0;
  p->withdrawn++;
  const char *kv[] = {"round", round, "kind", "compound", "community", community, "compound",
                      compound, "name", name, "status", "withdrawn", "reason", why};
  return add(p, DOM_ROUND_ITEM, key, kv, 7);
}

static int on_compound(void *arg, const struct dom_cstate *c)
{
  struct pub *p = arg;
  p->compounds++;
  p->cert += c->state == DOM_ST_CERTIFIED;
  const char *why = dom_cstate_why(c);
  return compound_item(p, c->community, c->compound, c->name, c->state == DOM_ST_CERTIFIED,
                       why[0] ? why : dom_state_words[c->state].en);
}

/* On the city: the compounds of the communities that report, from their
 * hubs' summary_compound records (the city holds no compound record). */
struct city_cx {
  struct pub *p;
  const struct dom_community_state *cs;
  int n;
};

static int on_city_compound(void *arg, const struct record *r)
{
  struct city_cx *x = arg;
  char comm[CRDT_SCOPE_MAX + 1], cmp[CRDT_KEY_MAX + 1], name[DOM_TEXT_MAX + 1], st[24], why[321];
  if (r->deleted || record_str(r, "community", comm, sizeof comm) ||
      record_str(r, "compound", cmp, sizeof cmp) || record_str(r, "state", st, sizeof st))
    return 0;
  int known = 0;
  for (int i = 0; i < x->n && !known; i++)
    known = !strcmp(x->cs[i].community, comm);
  if (!known) /* no summary of its community: the round does not count it either */
    return 0;
  if (record_str(r, "name", name, sizeof name))
    name[0] = 0;
  if (record_str(r, "reason", why, sizeof why) || !why[0])
    snprintf(why, sizeof why, "%s", st);
  return compound_item(x->p, comm, cmp, name, !strcmp(st, "certified"), why);
}

static int pub_read(void *arg, struct store_read *rd, const struct crdt_view *v)
{
  struct pub *p = arg;
  const char *scopes[CONFIG_SCOPES_MAX];
  char round[16], key[2 * CRDT_KEY_MAX + 64];
  p->v = v;
  int rc = read_rounds(v, &p->d); /* finds the last round */
  if (rc)
    return rc;
  p->number = p->d.last + 1;
  if (p->number > RD_ROUNDS_MAX)
    return LINLI_ETOOBIG;
  p->d.want = p->d.last; /* the round before: its items */
  if (p->d.want > 0 && (rc = read_rounds(v, &p->d)))
    return rc;
  p->d.last = p->number - 1;
  rkey(round, sizeof round, p->number);
  /* on the city: its districts' communities, as their latest summaries say */
  struct dom_community_state *city = NULL;
  int n, is_city = cli_is_city(&p->w->c);
  if (is_city) {
    if ((rc = cli_city_states(v, &p->w->c, p->d.date, &city, &n)))
      return rc;
    for (int i = 0; i < n; i++)
      scopes[i] = city[i].community;
  } else {
    n = config_community_scopes(&p->w->c, scopes);
  }
  for (int i = 0; i < n && !rc; i++) {
    struct dom_community_state cs;
    if (is_city) {
      cs = city[i];
      p->compounds += cs.compounds, p->cert += cs.counts[DOM_ST_CERTIFIED];
    } else if ((rc = dom_compound_states(v, rd, p->w->c.district, scopes[i], p->d.date, &cs,
                                         on_compound, p))) {
      break;
    }
    p->communities++;
    p->villages += cs.village;
    const char *kind = cs.village ? "village" : "community";
    struct item *was = prev(p, scopes[i], NULL);
    if (was)
      was->seen = 1;
    snprintf(key, sizeof key, "%s/%s", round, scopes[i]);
    if (cs.epidemic_free) {
      p->free_++, p->vfree += cs.village, p->listed++;
      const char *kv[] = {"round", round, "kind", kind, "community", scopes[i], "name", cs.name,
                          "status", "listed", "since", was && was->since[0] ? was->since : p->d.date};
      rc = add(p, DOM_ROUND_ITEM, key, kv, 6);
    } else if (was) {
      char why[160];
      if (cs.open_three)
        snprintf(why, sizeof why, "%d case(s) of suspected, fever or close contact open", cs.open_three);
      else
        snprintf(why, sizeof why, "%d of %d compounds certified", cs.counts[DOM_ST_CERTIFIED],
                 cs.compounds);
      p->withdrawn++;
      const char *kv[] = {"round", round, "kind", kind, "community", scopes[i], "name", cs.name,
                          "status", "withdrawn", "reason", why};
      rc = add(p, DOM_ROUND_ITEM, key, kv, 6);
    }
  }
  for (int i = 0; is_city && !rc && i < p->w->c.n_scopes; i++) {
    struct city_cx x = {p, city, n};
    if (strcmp(p->w->c.scopes[i], p->w->c.city))
      rc = record_each(v, p->w->c.scopes[i], domain_name(DOM_SUMMARY_COMPOUND), NULL,
                       on_city_compound, &x);
    if (rc == LINLI_ENOTFOUND)
      rc = 0;
  }
  free(city);
  if (rc)
    return rc;
  /* listed before in a community or compound this node no longer holds or has */
  for (int i = 0; i < p->d.n_items; i++) {
    struct item *it = &p->d.items[i];
    if (it->seen || strcmp(it->status, "listed"))
      continue;
    p->withdrawn++;
    if (it->compound[0])
      snprintf(key, sizeof key, "%s/%s/%s", round, it->community, it->compound);
    else
      snprintf(key, sizeof key, "%s/%s", round, it->community);
    const char *kv[] = {"round", round, "kind", it->kind, "community", it->community,
                        "compound", it->compound, "name", it->name, "status", "withdrawn",
                        "reason", "no longer registered, or its community no longer held by the hub"};
    if ((rc = add(p, DOM_ROUND_ITEM, key, kv, 7)))
      return rc;
  }
  char nb[16], cmp[48], com[48], vil[48], wd[48];
  snprintf(nb, sizeof nb, "%d", p->number);
  snprintf(cmp, sizeof cmp, "%d/%d", p->cert, p->compounds);
  snprintf(com, sizeof com, "%d/%d", p->free_, p->communities);
  snprintf(vil, sizeof vil, "%d/%d", p->vfree, p->villages);
  snprintf(wd, sizeof wd, "%d", p->withdrawn);
  const char *kv[] = {"number", nb, "date", p->d.date, "compounds", cmp, "communities", com,
                      "villages", vil, "withdrawn", wd};
  return add(p, DOM_ROUND, round, kv, 6);
}

int cli_cmd_publish(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct cli_writer *w = NULL;
  char date[DOM_DATE_LEN + 1], today[DOM_DATE_LEN + 1], now[9];
  struct pub *p = calloc(1, sizeof *p);
  int rc = CLI_FAIL, stored = 0;
  if (!p)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  p->d.items = calloc(RD_ITEMS_MAX, sizeof *p->d.items);
  p->p = malloc(sizeof *p->p);
  p->b = cli_batch_new();
  if (!p->d.items || !p->p || !p->b) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  if ((rc = cli_writer_open(&w, a->data)))
    goto out;
  if ((rc = cli_date(&w->c, a->date, date, 0)) || (rc = cli_is_hub(w)))
    goto out;
  cli_today(&w->c, today, now);
  p->w = w;
  p->d.c = &w->c;
  p->d.date = date;
  p->today = today;
  p->now = now;
  int e = cli_writer_read_rd(w, pub_read, p);
  if (p->err) {
    rc = cli_fail("round not published: %s", p->e.msg);
    goto out;
  }
  if (e < 0 && e != LINLI_ENOTFOUND) {
    rc = cli_fail("round not published: cannot read the records: %s", cli_err(e));
    goto out;
  }
  if (p->d.cut) {
    rc = cli_fail("round not published: the round before has more than %d entries", RD_ITEMS_MAX);
    goto out;
  }
  if ((rc = cli_write_batch(w, p->b, &stored)))
    goto out;
  printf("第 %d 轮无疫情名单（截至 %s）：无疫情小区 %d / %d（%.1f %%），无疫情社区 %d / %d，"
         "其中村 %d / %d；撤销 %d\n",
         p->number, date, p->cert, p->compounds, p->compounds ? 100.0 * p->cert / p->compounds : 0.0,
         p->free_, p->communities, p->vfree, p->villages, p->withdrawn);
  fprintf(stderr, _("linli publish: round %d stored %s (%d ops); every node lists it with: linli "
                  "rounds show %d\n"), p->number, cli_writer_where(w), stored, p->number);
  rc = CLI_OK;
out:
  if (w)
    cli_writer_close(w);
  cli_batch_free(p->b);
  free(p->p);
  free(p->d.items);
  free(p);
  return rc;
}

/* ---- linli rounds, linli rounds show N ---- */

struct show {
  struct rd d;
  int with_city; /* the list: the city's rounds after the district's */
  int n_district; /* the rounds before the city's */
  const char *district;
  int *now_state; /* per item: the compound's state on d.date, -1 unknown */
  char (*now_why)[340];
};

static int holds(const struct config *c, const char *scope)
{
  const char *s[CONFIG_SCOPES_MAX];
  int n = config_community_scopes(c, s);
  for (int i = 0; i < n; i++)
    if (!strcmp(s[i], scope))
      return 1;
  return 0;
}

static int show_read(void *arg, const struct crdt_view *v)
{
  struct show *s = arg;
  int rc = read_rounds(v, &s->d);
  s->n_district = s->d.n_rounds;
  if (!rc && s->with_city) {
    s->d.scope = s->d.c->city;
    rc = read_rounds(v, &s->d);
  }
  if (rc)
    return rc;
  for (int i = 0; i < s->d.n_items; i++) {
    struct item *it = &s->d.items[i];
    struct dom_cstate c;
    s->now_state[i] = -1;
    if (!it->compound[0] || strcmp(it->status, "listed") || !holds(s->d.c, it->community))
      continue;
    rc = dom_compound_state(v, NULL, s->district, it->community, it->compound, s->d.date, &c);
    if (rc == LINLI_ENOTFOUND)
      continue;
    if (rc)
      return rc;
    s->now_state[i] = c.state;
    snprintf(s->now_why[i], sizeof s->now_why[i], "%s", dom_cstate_why(&c));
  }
  return 0;
}

static int by_number(const void *a, const void *b)
{
  return ((const struct round *)a)->number - ((const struct round *)b)->number;
}

static double share(const char *frac)
{
  int a = 0, b = 0;
  return sscanf(frac, "%d/%d", &a, &b) == 2 && b > 0 ? 100.0 * a / b : 0.0;
}

static void html_esc(FILE *f, const char *s)
{
  for (; *s; s++)
    switch (*s) {
    case '<': fputs(_("&lt;"), f); break;
    case '>': fputs(_("&gt;"), f); break;
    case '&': fputs(_("&amp;"), f); break;
    case '"': fputs(_("&quot;"), f); break;
    default: fputc(*s, f);
    }
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
    "'unsafe-inline'\">\n<title>无疫情名单</title>\n<style>\n"
    "@page { size: A4; margin: 15mm; }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\", "
    "\"Microsoft YaHei\", sans-serif; font-size: 11pt; margin: 0 auto; max-width: 180mm; }\n"
    "h1 { font-size: 16pt; text-align: center; margin: 0 0 6pt; } h2 { font-size: 12pt; margin: 12pt 0 4pt; }\n"
    "p.sum { text-align: center; } table { border-collapse: collapse; width: 100%; }\n"
    "td, th { border: 1px solid #888; padding: 2pt 5pt; text-align: left; } tr { break-inside: avoid; }\n"
    ".w { color: #a3221b; }\n</style>\n</head>\n<body>\n";

/* s padded to w terminal columns, then a space. */
static void pad(FILE *f, const char *s, int w)
{
  fputs(s, f);
  for (int k = cli_dwidth(s, strlen(s)); k < w; k++)
    fputc(' ', f);
  fputc(' ', f);
}

/* One line of the list (text or an HTML row). */
static void show_item(FILE *f, int html, int i, const struct item *it, const struct show *s)
{
  int withdrawn = !strcmp(it->status, "withdrawn");
  int now = s->now_state[i];
  char mark[400] = "";
  if (withdrawn)
    snprintf(mark, sizeof mark, "本轮撤销：%s", it->reason);
  else if (now >= 0 && now != DOM_ST_CERTIFIED)
    snprintf(mark, sizeof mark, "%s 起%s：%s", s->d.date, dom_state_words[now].zh, s->now_why[i]);
  const char *code = it->compound[0] ? it->compound : it->community;
  if (html) {
    fprintf(f, "<tr%s><td>", withdrawn || mark[0] ? " class=\"w\"" : "");
    html_esc(f, it->community);
    fputs("</td><td>", f);
    html_esc(f, code);
    fputs("</td><td>", f);
    html_esc(f, it->name);
    fputs("</td><td>", f);
    html_esc(f, it->since);
    fputs("</td><td>", f);
    html_esc(f, mark);
    fputs("</td></tr>\n", f);
    return;
  }
  pad(f, it->community, 12), pad(f, code, 14), pad(f, it->name[0] ? it->name : "—", 16);
  pad(f, it->since[0] ? it->since : "—", 10);
  fprintf(f, "%s\n", mark);
}

static void show_section(FILE *f, int html, const struct show *s, const char *title,
                         const char *kind)
{
  int n = 0, w = 0;
  char head[160];
  for (int i = 0; i < s->d.n_items; i++)
    if (!strcmp(s->d.items[i].kind, kind))
      (!strcmp(s->d.items[i].status, "withdrawn") ? w++ : n++);
  if (w)
    snprintf(head, sizeof head, "%s（%d；另本轮撤销 %d）", title, n, w);
  else
    snprintf(head, sizeof head, "%s（%d）", title, n);
  if (html) {
    fprintf(f, "<h2>%s</h2>\n<table><tr><th>社区</th><th>编号</th><th>名称</th>"
               "<th>首次列入</th><th>备注</th></tr>\n", head);
  } else {
    fprintf(f, "\n%s\n", head);
    pad(f, "社区", 12), pad(f, "编号", 14), pad(f, "名称", 16), pad(f, "首次列入", 10);
    fprintf(f, "备注\n");
  }
  for (int pass = 0; pass < 2; pass++) /* the listed ones, then the withdrawn */
    for (int i = 0; i < s->d.n_items; i++)
      if (!strcmp(s->d.items[i].kind, kind) && (strcmp(s->d.items[i].status, "withdrawn") == 0) == pass)
        show_item(f, html, i, &s->d.items[i], s);
  if (html)
    fputs("</table>\n", f);
}

static int round_json(const struct round *r, int comma)
{
  printf("%s{\"scope\":\"%s\",\"round\":%d,\"date\":\"%s\",\"compounds\":\"%s\",\"share_compounds\":%.1f,"
         "\"communities\":\"%s\",\"share_communities\":%.1f,\"villages\":\"%s\","
         "\"withdrawn\":%d}",
         comma ? "," : "", r->scope, r->number, r->date, r->compounds, share(r->compounds), r->communities,
         share(r->communities), r->villages, atoi(r->withdrawn));
  return 0;
}

int cli_cmd_rounds(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct config *c = malloc(sizeof *c);
  struct show *s = calloc(1, sizeof *s);
  char date[DOM_DATE_LEN + 1];
  int rc = CLI_FAIL, show = a->n_pos > 0;
  if (!c || !s) {
    free(c), free(s);
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  }
  if (show && (strcmp(a->pos[0], "show") || a->n_pos != 2)) {
    fprintf(stderr, _("linli rounds: list them with linli rounds --data DIR, show one with linli "
                    "rounds show N --data DIR [--html FILE]\n"));
    rc = CLI_USAGE;
    goto out;
  }
  if (show) {
    char *end;
    long n = strtol(a->pos[1], &end, 10);
    if (*end || n < 1 || n > RD_ROUNDS_MAX) {
      fprintf(stderr, _("linli rounds show: N is a round's number, 1 to %d, not '%s'\n"),
              RD_ROUNDS_MAX, a->pos[1]);
      rc = CLI_USAGE;
      goto out;
    }
    s->d.want = (int)n;
  }
  if ((rc = cli_load_config(a->data, c)) || (rc = cli_date(c, a->date, date, 0)))
    goto out;
  if (!c->trust) {
    rc = cli_fail("trust is off in %s/linlid.conf (no hub and district lines): there are no "
                  "published rounds", a->data);
    goto out;
  }
  if (a->scope && strcmp(a->scope, c->district) && !(c->has_city && !strcmp(a->scope, c->city))) {
    rc = c->has_city ? cli_fail("rounds are published in the district scope %s or the city scope "
                                "%s; --scope names one of them", c->district, c->city)
                     : cli_fail("rounds are published in the district scope %s; --scope names it",
                                c->district);
    goto out;
  }
  s->d.c = c;
  s->d.date = date;
  s->d.scope = a->scope ? a->scope : c->district;
  s->with_city = !show && !a->scope && c->has_city && strcmp(c->city, c->district);
  s->district = c->district;
  s->d.rounds = calloc(RD_ROUNDS_MAX, sizeof *s->d.rounds);
  s->d.items = calloc(RD_ITEMS_MAX, sizeof *s->d.items);
  s->now_state = calloc(RD_ITEMS_MAX, sizeof *s->now_state);
  s->now_why = calloc(RD_ITEMS_MAX, sizeof *s->now_why);
  if (!s->d.rounds || !s->d.items || !s->now_state || !s->now_why) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  rc = cli_read_rows(a->data, show_read, s);
  if (rc == CLI_FAIL)
    goto out;
  if (rc < 0) {
    rc = cli_fail("cannot read the rounds: %s", cli_err(rc));
    goto out;
  }
  qsort(s->d.rounds, (size_t)s->n_district, sizeof *s->d.rounds, by_number);
  qsort(s->d.rounds + s->n_district, (size_t)(s->d.n_rounds - s->n_district), sizeof *s->d.rounds,
        by_number);
  if (!show) {
    if (a->json) {
      printf("[");
      for (int i = 0; i < s->d.n_rounds; i++)
        round_json(&s->d.rounds[i], i);
      printf("]\n");
    } else if (!s->d.n_rounds) {
      printf(_("尚未公示（在区枢纽节点上：linli publish --data HUBDIR）\n"));
    } else {
      pad(stdout, "轮次", 6), pad(stdout, "截至", 10), pad(stdout, "无疫情小区", 16);
      pad(stdout, "无疫情社区", 14), pad(stdout, "其中村", 8);
      printf("撤销\n");
      for (int i = 0; i < s->d.n_rounds; i++) {
        const struct round *r = &s->d.rounds[i];
        char cmp[64], com[64];
        if (i == s->n_district)
          printf(_("the city %s:\n"), r->scope);
        snprintf(cmp, sizeof cmp, "%s (%.1f%%)", r->compounds, share(r->compounds));
        snprintf(com, sizeof com, "%s (%.1f%%)", r->communities, share(r->communities));
        char num[16];
        snprintf(num, sizeof num, "第%d轮", r->number);
        pad(stdout, num, 6), pad(stdout, r->date, 10), pad(stdout, cmp, 16), pad(stdout, com, 14);
        pad(stdout, r->villages, 8);
        printf("%s\n", r->withdrawn[0] ? r->withdrawn : "0");
      }
    }
    rc = CLI_OK;
    goto out;
  }
  const struct round *r = NULL;
  for (int i = 0; i < s->d.n_rounds; i++)
    if (s->d.rounds[i].number == s->d.want)
      r = &s->d.rounds[i];
  if (!r) {
    rc = cli_fail("there is no round %d on this node (linli rounds lists them)", s->d.want);
    goto out;
  }
  if (a->json) {
    printf("{\"round\":");
    round_json(r, 0);
    printf(",\"entries\":[");
    for (int i = 0; i < s->d.n_items; i++) {
      const struct item *it = &s->d.items[i];
      int now = s->now_state[i];
      printf("%s\n{\"kind\":\"%s\",\"status\":\"%s\",\"community\":", i ? "," : "", it->kind,
             it->status);
      cli_json_str(stdout, it->community, strlen(it->community));
      printf(",\"compound\":");
      cli_json_str(stdout, it->compound, strlen(it->compound));
      printf(",\"name\":");
      cli_json_str(stdout, it->name, strlen(it->name));
      printf(",\"since\":\"%s\",\"reason\":", it->since);
      cli_json_str(stdout, it->reason, strlen(it->reason));
      printf(",\"state_now\":\"%s\"}", now < 0 ? "" : dom_state_key(now));
    }
    printf("],\"as_of\":\"%s\"}\n", date);
    rc = CLI_OK;
    goto out;
  }
  FILE *f = stdout;
  int html = a->html != NULL;
  if (html && !(f = fopen(a->html, "w"))) {
    rc = cli_fail("cannot write %s", a->html);
    goto out;
  }
  const char *dist = s->d.scope;
  if (html) {
    fputs(html_head, f);
    fprintf(f, "<h1>");
    html_esc(f, dist);
    fprintf(f, " 第%d轮无疫情小区、社区、村名单</h1>\n<p class=\"sum\">截至 %s：无疫情小区 %s（%.1f%%），"
               "无疫情社区 %s（%.1f%%），其中村 %s</p>\n",
            r->number, r->date, r->compounds, share(r->compounds), r->communities,
            share(r->communities), r->villages);
  } else {
    fprintf(f, "%s 第%d轮无疫情小区、社区、村名单（截至 %s）\n无疫情小区 %s（%.1f%%）；无疫情社区 %s（%.1f%%）；"
               "其中村 %s；撤销 %s\n",
            dist, r->number, r->date, r->compounds, share(r->compounds), r->communities,
            share(r->communities), r->villages, r->withdrawn[0] ? r->withdrawn : "0");
  }
  show_section(f, html, s, "无疫情小区", "compound");
  show_section(f, html, s, "无疫情社区", "community");
  show_section(f, html, s, "无疫情村", "village");
  if (html) {
    fprintf(f, "<p><small>备注：“本轮撤销”为上一轮列入、本轮不再列入；“起已撤销”为本轮公示后至 %s "
               "规则不再满足。</small></p>\n</body>\n</html>\n", date);
    if (fclose(f)) {
      rc = cli_fail("cannot write %s", a->html);
      goto out;
    }
    fprintf(stderr, _("linli rounds show: round %d written to %s (A4, printable)\n"), r->number, a->html);
  } else if (s->d.cut) {
    printf("（仅列出前 %d 条）\n", RD_ITEMS_MAX);
  }
  rc = CLI_OK;
out:
  free(s->d.rounds);
  free(s->d.items);
  free(s->now_state);
  free(s->now_why);
  free(s);
  free(c);
  return rc;
}
