/* The domain table against what is said about it.
 *
 *   test_domain_doc DOMAIN_MD LINLI          check
 *   test_domain_doc DOMAIN_MD LINLI --write  regenerate the tables in DOMAIN_MD
 *
 * Checks: docs/domain.md holds, between its two markers, exactly the tables
 * rendered here from the domain table (so the document cannot drift from
 * the code: a change of the table fails this test until `--write` is run and
 * the result committed); every field a verb writes is named in that verb's
 * --help (`linli CMD [SUB] VERB --help`, run here); and the table is sound:
 * no CSV key column is also a field, enum values have their Chinese words,
 * every field has both labels and both helps, the hub collections are the
 * district-scope ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "test.h"

#define BEGIN "<!-- domain table: generated from node/domain/table.c by test_domain_doc --write -->\n"
#define END "<!-- end of the domain table -->\n"

static const char *kind_name(char k)
{
  return k == DOM_LWW ? "lww" : k == DOM_SET ? "set" : k == DOM_COUNTER ? "counter" : "event";
}

static void type_name(const struct dom_field *f, char *out, size_t cap)
{
  switch (f->type) {
  case DOM_T_TEXT:
    snprintf(out, cap, "text ≤ %zu B", dom_text_max(f));
    break;
  case DOM_T_KEY:
    if (f->ref >= 0)
      snprintf(out, cap, "key → `%s`", domain_collections[f->ref].name);
    else
      snprintf(out, cap, "key");
    break;
  case DOM_T_PHONE:
    snprintf(out, cap, "phone");
    break;
  case DOM_T_DATE:
    snprintf(out, cap, "date");
    break;
  case DOM_T_TIME:
    snprintf(out, cap, "time");
    break;
  case DOM_T_YEAR:
    snprintf(out, cap, "year 1880–2100");
    break;
  case DOM_T_BOOL:
    snprintf(out, cap, "yes/no");
    break;
  case DOM_T_IDNO:
    snprintf(out, cap, "ID number");
    break;
  case DOM_T_TEMP:
    snprintf(out, cap, "temperature (tenths)");
    break;
  case DOM_T_QTY:
    snprintf(out, cap, "quantity");
    break;
  case DOM_T_ENUM: {
    size_t at = (size_t)snprintf(out, cap, "%s", f->flags & DOM_F_STATE ? "state " : "");
    for (int i = 0; f->values[i] && at < cap; i++)
      at += (size_t)snprintf(out + at, cap - at, "%s`%s`", i ? (f->flags & DOM_F_STATE ? " → " : " ") : "",
                             f->values[i]);
    break;
  }
  }
}

static void command_of(int coll, char *out, size_t cap)
{
  out[0] = 0;
  for (size_t i = 0; i < domain_n_commands; i++)
    if (domain_commands[i].coll == coll)
      snprintf(out, cap, "`linli %s%s%s`", domain_commands[i].cmd, domain_commands[i].sub ? " " : "",
               domain_commands[i].sub ? domain_commands[i].sub : "");
}

/* The tables, as markdown, into a malloc'd string. */
static char *render(void)
{
  char *buf;
  size_t len;
  FILE *f = open_memstream(&buf, &len);
  REQUIRE(f);
  fputs(BEGIN, f);
  fputs("\n| collection | scope | shape | key (what staff type) | CSV key column | command |\n", f);
  fputs("| --- | --- | --- | --- | --- | --- |\n", f);
  for (int i = 0; i < DOM_N_COLLECTIONS; i++) {
    const struct dom_collection *c = &domain_collections[i];
    char cmd[64];
    command_of(i, cmd, sizeof cmd);
    fprintf(f, "| `%s` %s | %s | %s | %s | `%s` / %s | %s |\n", c->name, c->noun.zh,
            c->scope == DOM_SCOPE_DISTRICT ? "district (hub only)" : "community",
            c->shape == DOM_LOG ? "log" : c->shape == DOM_COUNTERS ? "counters (any item)" : "register",
            c->key_rule.en, c->key_col, c->key_col_zh, cmd[0] ? cmd : "—");
  }
  fputs("\n| collection | field | kind | type | flags | CSV column (zh) | label | help |\n", f);
  fputs("| --- | --- | --- | --- | --- | --- | --- | --- |\n", f);
  for (int i = 0; i < DOM_N_COLLECTIONS; i++) {
    const struct dom_collection *c = &domain_collections[i];
    for (int k = 0; c->fields && c->fields[k].name; k++) {
      const struct dom_field *x = &c->fields[k];
      char type[160], flags[96];
      type_name(x, type, sizeof type);
      snprintf(flags, sizeof flags, "%s%s%s%s%s%s%s%s", x->flags & DOM_F_REQ ? "required " : "",
               x->flags & DOM_F_PERSONAL ? "personal " : "", x->flags & DOM_F_SEALED ? "sealed " : "", x->flags & DOM_F_DERIVED ? "derived " : "",
               x->flags & DOM_F_ADD ? "add-only " : "", x->flags & DOM_F_SETONLY ? "set-only " : "",
               x->flags & (DOM_F_TODAY | DOM_F_NOW) ? "default-now " : "",
               x->flags & DOM_F_HOME ? "default-community " : "");
      size_t fl = strlen(flags);
      if (fl)
        flags[fl - 1] = 0;
      fprintf(f, "| `%s` | `%s` | %s | %s | %s | %s | %s / %s | %s |\n", c->name, x->name,
              kind_name(x->kind), type, flags[0] ? flags : "—", x->csv_zh, x->label.en,
              x->label.zh, x->help.en);
    }
  }
  fputs("\n" END, f);
  fclose(f);
  return buf;
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  REQUIRE(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  REQUIRE(s && fread(s, 1, (size_t)n, f) == (size_t)n);
  s[n] = 0;
  fclose(f);
  return s;
}

static void sound(void)
{
  const char *const *hub = domain_hub_collections();
  int n_hub = 0;
  for (int i = 0; i < DOM_N_COLLECTIONS; i++) {
    const struct dom_collection *c = &domain_collections[i];
    int nf = 0;
    CHECK(c->noun.en && c->noun.zh && c->about.en && c->about.zh && c->key_rule.zh && c->key_eg);
    CHECK(strlen(c->key_eg) <= DOM_KEY_MAX && crdt_check_key(c->key_eg, strlen(c->key_eg)) == 0);
    CHECK(crdt_check_ident(c->name, strlen(c->name), CRDT_COLLECTION_MAX) == 0);
    if (c->scope == DOM_SCOPE_DISTRICT) {
      CHECK(hub[n_hub] && !strcmp(hub[n_hub], c->name));
      n_hub++;
    }
    for (int k = 0; c->fields && c->fields[k].name; k++, nf++) {
      const struct dom_field *f = &c->fields[k];
      CHECK(strcmp(f->name, c->key_col) != 0); /* the CSV key column is no field's name */
      CHECK(f->label.en && f->label.zh && f->help.en && f->help.zh && f->csv_zh);
      CHECK(crdt_check_ident(f->name, strlen(f->name), CRDT_FIELD_MAX) == 0);
      CHECK(f->kind == (c->shape == DOM_LOG ? DOM_EVENT : f->kind) &&
            (c->shape == DOM_LOG || f->kind != DOM_EVENT));
      if (f->type == DOM_T_ENUM) {
        int a = 0, b = 0;
        while (f->values[a])
          a++;
        while (f->values_zh && f->values_zh[b])
          b++;
        CHECK(a > 0 && b == a);
      }
      CHECK(f->type != DOM_T_KEY || f->ref < DOM_N_COLLECTIONS);
      for (int j = 0; j < k; j++)
        CHECK(strcmp(c->fields[j].name, f->name) != 0);
    }
    CHECK(nf <= DOM_FIELDS_MAX);
    CHECK((c->fields == NULL) == (c->shape == DOM_COUNTERS));
  }
  CHECK(hub[n_hub] == NULL);
}

/* Every field a verb writes is named in its --help. */
static void helps(const char *linli)
{
  static const struct {
    unsigned bit;
    const char *name;
  } verbs[] = {{DOM_V_ADD, "add"}, {DOM_V_SET, "set"}};
  int checked = 0;
  for (size_t i = 0; i < domain_n_commands; i++) {
    const struct dom_command *cmd = &domain_commands[i];
    const struct dom_collection *c = &domain_collections[cmd->coll];
    for (size_t v = 0; v < 2 && c->fields; v++) {
      if (!(cmd->verbs & verbs[v].bit))
        continue;
      char line[512], help[16384];
      size_t hl = 0;
      snprintf(line, sizeof line, "%s %s %s %s --help", linli, cmd->cmd, cmd->sub ? cmd->sub : "",
               verbs[v].name);
      FILE *p = popen(line, "r");
      REQUIRE(p);
      hl = fread(help, 1, sizeof help - 1, p);
      help[hl] = 0;
      CHECK(pclose(p) == 0);
      /* as one line with single spaces: the help wraps at 79 columns */
      size_t w = 0;
      for (size_t r = 0; r < hl; r++)
        if (!((help[r] == ' ' || help[r] == '\n') && w && help[w - 1] == ' '))
          help[w++] = help[r] == '\n' ? ' ' : help[r];
      help[w] = 0;
      for (int k = 0; c->fields[k].name; k++) {
        const struct dom_field *f = &c->fields[k];
        if ((cmd->kind && c->shape == DOM_LOG && !strcmp(f->name, "kind")) ||
            (verbs[v].bit == DOM_V_ADD && (f->flags & DOM_F_SETONLY)) ||
            (verbs[v].bit == DOM_V_SET && (f->flags & DOM_F_ADD)))
          continue;
        char want[CRDT_FIELD_MAX + 8];
        snprintf(want, sizeof want, " %s%s", f->name, f->kind == DOM_SET ? "+=" : "=");
        if (!strstr(help, want))
          fprintf(stderr, "%s: %s not in its help\n", line, f->name);
        CHECK(strstr(help, want) != NULL);
        CHECK(strstr(help, f->help.en) != NULL);
        checked++;
      }
    }
  }
  CHECK(checked > 40);
  printf("helps: %d fields found in their verbs' --help\n", checked);
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: test_domain_doc DOMAIN_MD LINLI [--write]\n");
    return 2;
  }
  char *want = render(), *doc = slurp(argv[1]);
  char *b = strstr(doc, BEGIN), *e = b ? strstr(b, END) : NULL;
  if (argc > 3 && !strcmp(argv[3], "--write")) {
    REQUIRE(b && e);
    FILE *f = fopen(argv[1], "wb");
    REQUIRE(f);
    fwrite(doc, 1, (size_t)(b - doc), f);
    fputs(want, f);
    fputs(e + strlen(END), f);
    REQUIRE(fclose(f) == 0);
    printf("wrote the domain table into %s\n", argv[1]);
    free(want);
    free(doc);
    return 0;
  }
  CHECK(b && e);
  if (b && e) {
    size_t have = (size_t)(e + strlen(END) - b);
    int same = have == strlen(want) && !memcmp(b, want, have);
    if (!same)
      fprintf(stderr, "%s: the domain table differs from node/domain/table.c; run: "
                      "build/tests/test_domain_doc docs/domain.md build/cli/linli --write\n",
              argv[1]);
    CHECK(same);
  }
  sound();
  helps(argv[2]);
  free(want);
  free(doc);
  return test_done("test_domain_doc");
}
