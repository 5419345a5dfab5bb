/* linli find TEXT: residents and households by name (any part of it),
 * phone number (its digits alone: "138 0000 1111" finds 13800001111), ID
 * number, household code or record key; each match with where it lives
 * (compound, household, grid) and what matched. One snapshot, read-only:
 * works with linlid stopped. The matches are printed (they are what staff
 * asked for); nothing is logged. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "store.h"
#include "verbs.h"

struct finder {
  const char *text;
  char digits[64];  /* the text's digits, when it is a number */
  int coll, n, json;
};

/* The digits of s, into out (cap bytes). */
static void digits_of(const char *s, char *out, size_t cap)
{
  size_t n = 0;
  for (; *s && n + 1 < cap; s++)
    if (*s >= '0' && *s <= '9')
      out[n++] = *s;
  out[n] = 0;
}

/* Contains, ignoring the case of ASCII letters. */
static int contains(const char *hay, const char *needle)
{
  size_t nl = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < nl && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == nl)
      return 1;
  }
  return !nl;
}

static const char *field(const struct dom_row *r, int coll, const char *name)
{
  const struct dom_collection *c = &domain_collections[coll];
  int i = domain_field_index(c, name, strlen(name));
  return i >= 0 ? r->val[i] : "";
}

static int on_row(void *arg, const struct dom_row *r)
{
  struct finder *f = arg;
  char d[64];
  const char *why = NULL;
  const char *name = f->coll == DOM_RESIDENT ? field(r, f->coll, "name") : "";
  digits_of(field(r, f->coll, "phone"), d, sizeof d);
  if (f->digits[0] && strlen(f->digits) >= 3 && strstr(d, f->digits))
    why = "phone";
  else if (f->coll == DOM_RESIDENT && !strcasecmp(field(r, f->coll, "id_number"), f->text))
    why = "ID number";
  else if (f->coll == DOM_RESIDENT && *name && contains(name, f->text))
    why = "name";
  else if (contains(r->key, f->text))
    why = f->coll == DOM_HOUSEHOLD ? "household code" : "key";
  if (!why)
    return 0;
  if (f->json) {
    printf("%s{\"collection\":\"%s\",\"key\":", f->n ? ",\n" : "", domain_name((enum dom_coll)f->coll));
    cli_json_str(stdout, r->key, strlen(r->key));
    printf(",\"name\":");
    cli_json_str(stdout, name, strlen(name));
    printf(",\"matched\":\"%s\",\"compound\":", why);
    cli_json_str(stdout, r->compound, strlen(r->compound));
    printf(",\"household\":");
    cli_json_str(stdout, r->household, strlen(r->household));
    printf(",\"grid\":");
    cli_json_str(stdout, r->grid, strlen(r->grid));
    printf("}");
  } else {
    printf(_("%-9s %-16s %-12s compound %-8s household %-18s grid %-6s (%s)\n"),
           cli_tx(domain_collections[f->coll].noun), r->key, *name ? name : "-",
           *r->compound ? r->compound : "-", *r->household ? r->household : "-",
           *r->grid ? r->grid : "-", why);
  }
  f->n++;
  return 0;
}

int cli_cmd_find(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct store_config sc = {a->data, 0, 0, 0, 1};
  struct store *st = NULL;
  struct store_read *rd = NULL;
  struct finder f;
  int rc = CLI_FAIL, e = 0;
  (void)cmd;
  memset(&f, 0, sizeof f);
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  f.text = a->pos[0];
  f.json = a->json;
  if (!*f.text || strlen(f.text) > DOM_TEXT_MAX) {
    free(c);
    fprintf(stderr, _("linli find: give 1 to %d bytes of text to look for\n"), DOM_TEXT_MAX);
    return CLI_USAGE;
  }
  if (strspn(f.text, "0123456789 +-") == strlen(f.text))
    digits_of(f.text, f.digits, sizeof f.digits);
  if (cli_load_config(a->data, c))
    goto out;
  if ((e = store_open(&st, &sc)) || (e = store_read_begin(st, &rd))) {
    rc = cli_fail("cannot open the database in %s: %s (has linlid run there yet?)", a->data,
                  cli_err(e));
    goto out;
  }
  if (f.json)
    printf("[");
  static const int colls[] = {DOM_RESIDENT, DOM_HOUSEHOLD};
  for (size_t i = 0; i < 2 && e >= 0; i++) {
    struct dom_query q;
    memset(&q, 0, sizeof q);
    q.coll = f.coll = colls[i];
    q.scope = a->scope ? a->scope : c->scopes[0];
    e = dom_query(&q, rd, on_row, &f);
  }
  if (f.json)
    printf("]\n");
  if (e < 0) {
    rc = cli_fail("cannot read the records: %s", cli_err(e));
    goto out;
  }
  if (!f.json)
    printf(ngettext("%d match\n", "%d matches\n", (unsigned long)f.n), f.n);
  rc = f.n ? CLI_OK : CLI_FAIL;
out:
  store_read_end(rd);
  store_close(st);
  free(c);
  return rc;
}
