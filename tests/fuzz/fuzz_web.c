/* fuzz_web: the decoders of what a browser sends the web console
 * (node/daemon/web/web_form.c: forms, Accept-Language), the accounts file
 * parser (web_users.c) and HTML escaping (web_html.c), on any bytes.
 * Checked: a form that parses has at most WEB_FORM_MAX fields, each key of
 * [A-Za-z0-9_.-]{1,64} and each value UTF-8 without control characters;
 * escaped text holds no '<', '>', '"' or '\'' and is UTF-8; an accounts
 * table that parses has valid names and roles, each name once. */
#include <string.h>

#include "fuzz.h"
#include "web_int.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct web_form f;
  if (web_form_parse(&f, (const char *)data, size) == 0) {
    FUZZ_ASSERT(f.n <= WEB_FORM_MAX);
    for (int i = 0; i < f.n; i++) {
      size_t kl = strlen(f.kv[i].k);
      FUZZ_ASSERT(kl >= 1 && kl <= 64);
      FUZZ_ASSERT(strspn(f.kv[i].k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == kl);
      FUZZ_ASSERT(web_utf8_ok(f.kv[i].v, strlen(f.kv[i].v)));
    }
    web_form_release(&f);
  } else {
    FUZZ_ASSERT(f.buf == NULL && f.kv == NULL && f.n == 0);
  }
  char text[4097];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  memcpy(text, data, n);
  text[n] = 0;
  int en = web_lang_en(text);
  FUZZ_ASSERT(en == 0 || en == 1);
  struct wb b;
  wb_init(&b);
  wb_esc(&b, (const char *)data, size);
  FUZZ_ASSERT(b.err || !b.p || (!memchr(b.p, '<', b.len) && !memchr(b.p, '>', b.len) &&
                                !memchr(b.p, '"', b.len) && !memchr(b.p, '\'', b.len) &&
                                web_utf8_ok(b.p, b.len)));
  wb_release(&b);
  static struct web_users t;
  int line;
  if (web_users_parse(&t, (const char *)data, size, &line) == 0) {
    FUZZ_ASSERT(t.n >= 0 && t.n <= WEB_USERS_MAX);
    for (int i = 0; i < t.n; i++) {
      FUZZ_ASSERT(web_name_check(t.u[i].name) == 0);
      FUZZ_ASSERT(t.u[i].role >= WEB_VIEWER && t.u[i].role <= WEB_ADMIN);
      FUZZ_ASSERT(web_users_find(&t, t.u[i].name) == i);
    }
  }
  return 0;
}
