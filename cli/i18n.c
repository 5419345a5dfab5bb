/* linli's language: gettext (glibc's libintl) with the catalogue built from
 * po/zh_CN.po at build time. Chinese is chosen by --lang zh, by LINLI_LANG,
 * by the locale (LC_ALL, LC_MESSAGES or LANG naming zh...), or by the
 * config's lang line when none of those decided. It does not need the
 * zh_CN locale to be generated: the messages locale is C.UTF-8 and the
 * catalogue is picked by LANGUAGE. */
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

static int decided; /* 1: by the command line, the environment or the locale */
static int chinese;

static void use_chinese(void)
{
  char dir[PATH_MAX + 32], exe[PATH_MAX];
  struct stat st;
  const char *env = getenv("LINLI_LOCALEDIR");
  dir[0] = 0;
  if (env && *env) {
    snprintf(dir, sizeof dir, "%s", env);
  } else {
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      exe[n] = 0;
      char *slash = strrchr(exe, '/');
      if (slash) {
        *slash = 0; /* the build tree: build/cli/linli -> build/locale */
        snprintf(dir, sizeof dir, "%s/../locale", exe);
        if (stat(dir, &st) != 0) /* installed: /usr/bin/linli -> /usr/share/locale */
          snprintf(dir, sizeof dir, "%s/../share/locale", exe);
      }
    }
  }
  if (!dir[0] || stat(dir, &st) != 0)
    snprintf(dir, sizeof dir, "%s", LINLI_LOCALEDIR);
  chinese = 1;
  dom_lang_zh = 1;
  setenv("LANGUAGE", "zh_CN", 1);
  setlocale(LC_ALL, "C.UTF-8");
  bindtextdomain("linli", dir);
  bind_textdomain_codeset("linli", "UTF-8");
  textdomain("linli");
}

static int says_chinese(const char *v)
{
  return v && (!strncmp(v, "zh", 2));
}

void cli_i18n_init(int *argc, char **argv)
{
  const char *want = NULL;
  for (int i = 1; i < *argc; i++) { /* --lang X anywhere, taken out */
    int take = 0;
    if (!strcmp(argv[i], "--lang") && i + 1 < *argc)
      want = argv[i + 1], take = 2;
    else if (!strncmp(argv[i], "--lang=", 7))
      want = argv[i] + 7, take = 1;
    if (take) {
      memmove(argv + i, argv + i + take, (size_t)(*argc - i - take + 1) * sizeof *argv);
      *argc -= take;
      i--;
    }
  }
  if (!want)
    want = getenv("LINLI_LANG");
  if (!want) { /* the locale, as setlocale would read it */
    const char *v = getenv("LC_ALL");
    if (!v || !*v)
      v = getenv("LC_MESSAGES");
    if (!v || !*v)
      v = getenv("LANG");
    if (v && *v && strcmp(v, "C") && strcmp(v, "POSIX") && strncmp(v, "C.", 2))
      want = v;
  }
  if (!want)
    return;
  decided = 1;
  if (says_chinese(want))
    use_chinese();
}

void cli_i18n_config(const struct config *c)
{
  if (!decided && says_chinese(c->lang)) {
    decided = 1;
    use_chinese();
  }
}

void cli_cells(int n, const int *w, const char *const *v)
{
  for (int i = 0; i < n; i++) {
    const char *s = v[i];
    int width = cli_dwidth(s, strlen(s)), want = w[i] < 0 ? -w[i] : w[i];
    if (i == n - 1) {
      fputs(s, stdout);
      break;
    }
    if (w[i] > 0) /* right-aligned, as %8s */
      for (int k = width; k < want; k++)
        fputc(' ', stdout);
    fputs(s, stdout);
    if (w[i] < 0)
      for (int k = width; k < want; k++)
        fputc(' ', stdout);
    fputc(' ', stdout);
  }
  fputc('\n', stdout);
}

void cli_head(int n, const int *w, const char *const *h)
{
  const char *t[16];
  for (int i = 0; i < n && i < 16; i++)
    t[i] = _(h[i]);
  cli_cells(n < 16 ? n : 16, w, t);
}

int cli_zh(void)
{
  return chinese;
}

const char *cli_tx(struct dom_text t)
{
  return chinese && t.zh ? t.zh : t.en;
}

const char *cli_err(int err)
{
  return _(linli_strerror(err));
}
