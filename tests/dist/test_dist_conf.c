/* linlid.conf(5) and the example config against the parser itself.
 *
 *   test_dist_conf CONFIG_C MAN_PAGE EXAMPLE
 *
 * The keys the parser accepts are found by asking it: every string literal
 * of node/daemon/config.c that could be a key is offered to config_parse()
 * as a line of its own, and a key is one it does not call unknown. Then:
 * each such key has an entry under KEYS in the man page (".TP" then ".B key"
 * or ".BI key ..."), each entry there is such a key, and the example config
 * parses, as it is and with every "# key value" line uncommented. A key added
 * to the parser and not to the page fails here, naming it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define KEYS_MAX 256
#define KEY_LEN 40
#define TEXT_MAX (1024 * 1024)

struct keys {
  char k[KEYS_MAX][KEY_LEN + 1];
  int n;
};

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = malloc(TEXT_MAX + 1);
  REQUIRE(f && buf);
  *len = fread(buf, 1, TEXT_MAX, f);
  REQUIRE(!ferror(f) && *len < TEXT_MAX);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static int keys_has(const struct keys *s, const char *k)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->k[i], k) == 0)
      return 1;
  return 0;
}

static void keys_add(struct keys *s, const char *k, size_t n)
{
  char tmp[KEY_LEN + 1];
  if (n == 0 || n > KEY_LEN)
    return;
  memcpy(tmp, k, n);
  tmp[n] = 0;
  if (keys_has(s, tmp))
    return;
  REQUIRE(s->n < KEYS_MAX);
  memcpy(s->k[s->n++], tmp, n + 1);
}

/* 1 if the parser takes `word` as a key: a line holding it alone is an
 * error (it needs values), but not "unknown key". */
static int parser_knows(const char *word)
{
  char text[256], err[CONFIG_ERR_MAX];
  struct config c;
  snprintf(text, sizeof text, "data /var/lib/linli/t\nscope t\n%s\n", word);
  int rc = config_parse(&c, text, strlen(text), err, sizeof err);
  return rc == 0 || strstr(err, "unknown key") == NULL;
}

/* Every "..." literal of the source made only of a-z and _. */
static void source_candidates(const char *src, struct keys *out)
{
  for (const char *p = src; (p = strchr(p, '"')); ) {
    const char *q = p + 1;
    while ((*q >= 'a' && *q <= 'z') || *q == '_')
      q++;
    if (*q == '"') {
      keys_add(out, p + 1, (size_t)(q - p - 1));
      p = q + 1;
    } else {
      p = q; /* not a key-like literal; go on from where it stopped */
      if (*p == '\\' && p[1])
        p += 2;
    }
  }
}

/* The keys of the man page's KEYS section: after each ".TP", a ".B key" or
 * ".BI key ..." line (an argument may be quoted). */
static void man_keys(char *man, struct keys *out)
{
  int in_keys = 0, after_tp = 0;
  for (char *line = strtok(man, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, ".SH", 3) == 0) {
      in_keys = strstr(line, "KEYS") != NULL;
      after_tp = 0;
      continue;
    }
    if (!in_keys)
      continue;
    if (strcmp(line, ".TP") == 0) {
      after_tp = 1;
      continue;
    }
    if (after_tp && (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".BI ", 4) == 0)) {
      char *w = line + (line[2] == ' ' ? 3 : 4);
      w += *w == '"';
      size_t n = strcspn(w, " \"");
      keys_add(out, w, n);
    }
    after_tp = 0;
  }
}

/* The example with each "# KEY ..." line whose KEY the parser knows made a
 * plain line. */
static size_t uncomment(const char *in, char *out, const struct keys *known, int *n_lines)
{
  size_t o = 0;
  *n_lines = 0;
  for (const char *p = in; *p;) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    const char *body = p;
    if (n > 2 && p[0] == '#' && p[1] == ' ') {
      size_t w = strcspn(p + 2, " \n");
      char word[KEY_LEN + 1];
      if (w <= KEY_LEN) {
        memcpy(word, p + 2, w);
        word[w] = 0;
        if (keys_has(known, word)) {
          body = p + 2;
          (*n_lines)++;
        }
      }
    }
    size_t k = n - (size_t)(body - p);
    memcpy(out + o, body, k);
    o += k;
    out[o++] = '\n';
    p += n + (e ? 1 : 0);
  }
  out[o] = 0;
  return o;
}

int main(int argc, char **argv)
{
  REQUIRE(argc == 4);
  size_t src_len, man_len, ex_len;
  char *src = slurp(argv[1], &src_len), *man = slurp(argv[2], &man_len),
       *ex = slurp(argv[3], &ex_len);
  static struct keys cand, parser, page;
  char err[CONFIG_ERR_MAX];
  struct config c;

  source_candidates(src, &cand);
  for (int i = 0; i < cand.n; i++)
    if (parser_knows(cand.k[i]))
      keys_add(&parser, cand.k[i], strlen(cand.k[i]));
  printf("parser keys (%d):", parser.n);
  for (int i = 0; i < parser.n; i++)
    printf(" %s", parser.k[i]);
  printf("\n");
  /* the finder works: it finds the two keys config.h says are required, and
   * the parser calls a made-up word unknown */
  CHECK(keys_has(&parser, "data") && keys_has(&parser, "scope"));
  CHECK(!parser_knows("no_such_key"));

  man_keys(man, &page);
  printf("linlid.conf(5) keys (%d)\n", page.n);
  for (int i = 0; i < parser.n; i++)
    if (!keys_has(&page, parser.k[i])) {
      fprintf(stderr, "config key '%s' is accepted by %s but has no entry under KEYS in %s\n",
              parser.k[i], argv[1], argv[2]);
      CHECK(keys_has(&page, parser.k[i]));
    }
  for (int i = 0; i < page.n; i++)
    if (!parser_knows(page.k[i])) {
      fprintf(stderr, "%s documents '%s', which the parser does not accept\n", argv[2], page.k[i]);
      CHECK(parser_knows(page.k[i]));
    }

  int rc = config_parse(&c, ex, ex_len, err, sizeof err);
  if (rc)
    fprintf(stderr, "%s: %s\n", argv[3], err);
  CHECK_EQ(rc, 0);
  char *all = malloc(2 * ex_len + 2);
  int n_lines = 0;
  REQUIRE(all);
  size_t all_len = uncomment(ex, all, &parser, &n_lines);
  printf("example: %d commented key lines\n", n_lines);
  CHECK(n_lines > 0);
  rc = config_parse(&c, all, all_len, err, sizeof err);
  if (rc)
    fprintf(stderr, "%s, its '# key' lines uncommented: %s\n", argv[3], err);
  CHECK_EQ(rc, 0);

  free(all);
  free(src);
  free(man);
  free(ex);
  return test_done("test_dist_conf");
}
