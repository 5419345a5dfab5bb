/* The output buffer of a page and its escaping. Contract: web_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

void wb_init(struct wb *b)
{
  memset(b, 0, sizeof *b);
}

void wb_release(struct wb *b)
{
  free(b->p);
  memset(b, 0, sizeof *b);
}

static int wb__room(struct wb *b, size_t more)
{
  if (b->err)
    return -1;
  if (b->len + more + 1 <= b->cap)
    return 0;
  if (b->len + more + 1 > WEB_PAGE_MAX) {
    b->err = LINLI_ETOOBIG;
    return -1;
  }
  size_t cap = b->cap ? b->cap : 16384;
  while (cap < b->len + more + 1)
    cap *= 2;
  if (cap > WEB_PAGE_MAX)
    cap = WEB_PAGE_MAX;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->err = LINLI_ENOMEM;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void wb_putn(struct wb *b, const char *s, size_t n)
{
  if (wb__room(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

void wb_put(struct wb *b, const char *s)
{
  wb_putn(b, s, strlen(s));
}

void wb_printf(struct wb *b, const char *fmt, ...)
{
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof tmp) {
    wb_putn(b, tmp, (size_t)n);
    return;
  }
  if (wb__room(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* The length of the UTF-8 sequence at s (n bytes left), or 0 if it is not
 * a valid one (overlong, surrogate, past U+10FFFF, cut short). */
static size_t wb__utf8(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len;
  unsigned min, cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

int web_utf8_ok(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f)
      return 0;
    size_t k = wb__utf8(p + i, n - i);
    if (!k)
      return 0;
    i += k;
  }
  return 1;
}

void wb_esc(struct wb *b, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0; /* bytes copied as they are, in one go */
  while (i < n) {
    const char *rep = NULL;
    size_t k = 1;
    unsigned c = p[i];
    switch (c) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default:
      if (c < 0x20 || c == 0x7f)
        rep = c == '\n' || c == '\t' ? " " : "";
      else if (!(k = wb__utf8(p + i, n - i)))
        rep = "\xef\xbf\xbd", k = 1; /* U+FFFD */
    }
    if (!rep) {
      i += k;
      run += k;
      continue;
    }
    wb_putn(b, s + i - run, run);
    run = 0;
    wb_put(b, rep);
    i += k;
  }
  wb_putn(b, s + i - run, run);
}

void wb_escs(struct wb *b, const char *s)
{
  wb_esc(b, s, strlen(s));
}

void wb_url(struct wb *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '_' || *p == '.' || *p == '~') {
      wb_putn(b, (const char *)p, 1);
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      wb_putn(b, e, 3);
    }
  }
}
