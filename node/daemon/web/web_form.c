/* Forms, and the Accept-Language header: the decoders of what browsers
 * send. Pure functions, fuzzed (tests/fuzz/fuzz_web.c). Contract:
 * web_int.h. */
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

static int web__hex(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes s[0..n) into out (n + 1 bytes at least); its length, or -1. */
static long web__decode(const char *s, size_t n, char *out)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '+') {
      out[o++] = ' ';
    } else if (c == '%') {
      int hi, lo;
      if (i + 2 >= n || (hi = web__hex(s[i + 1])) < 0 || (lo = web__hex(s[i + 2])) < 0)
        return -1;
      char d = (char)(hi << 4 | lo);
      if (!d)
        return -1;
      out[o++] = d;
      i += 2;
    } else if (!c) {
      return -1;
    } else {
      out[o++] = c;
    }
  }
  out[o] = 0;
  return (long)o;
}

static int web__key_ok(const char *k, size_t n)
{
  if (n == 0 || n > 64)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
          (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '.' || k[i] == '-'))
      return 0;
  return 1;
}

int web_form_parse(struct web_form *f, const char *body, size_t len)
{
  memset(f, 0, sizeof *f);
  if (len > WEB_BODY_MAX)
    return LINLI_ETOOBIG;
  size_t fields = len ? 1 : 0;
  for (size_t i = 0; i < len; i++)
    fields += body[i] == '&';
  if (fields > WEB_FORM_MAX)
    return LINLI_ETOOBIG;
  f->buf = malloc(len + fields + 1);
  f->kv = calloc(fields ? fields : 1, sizeof *f->kv);
  if (!f->buf || !f->kv) {
    web_form_release(f);
    return LINLI_ENOMEM;
  }
  size_t at = 0, pos = 0;
  while (pos < len) {
    const char *amp = memchr(body + pos, '&', len - pos);
    size_t n = amp ? (size_t)(amp - (body + pos)) : len - pos;
    const char *part = body + pos, *eq = memchr(part, '=', n);
    pos += n + 1;
    if (n == 0)
      continue;
    size_t kl = eq ? (size_t)(eq - part) : n;
    char *k = f->buf + at;
    long got = web__decode(part, kl, k);
    if (got < 0 || !web__key_ok(k, (size_t)got))
      goto bad;
    at += (size_t)got + 1;
    char *v = f->buf + at;
    got = eq ? web__decode(eq + 1, n - kl - 1, v) : (v[0] = 0, 0);
    if (got < 0 || !web_utf8_ok(v, (size_t)got)) {
      /* text areas send line breaks: keep them as spaces */
      if (got >= 0) {
        for (long i = 0; i < got; i++)
          if (v[i] == '\r' || v[i] == '\n')
            v[i] = ' ';
        if (web_utf8_ok(v, (size_t)got))
          goto ok;
      }
      goto bad;
    }
  ok:
    at += (size_t)got + 1;
    f->kv[f->n].k = k;
    f->kv[f->n].v = v;
    f->n++;
  }
  return 0;
bad:
  web_form_release(f);
  return LINLI_EINVAL;
}

void web_form_release(struct web_form *f)
{
  free(f->buf);
  free(f->kv);
  memset(f, 0, sizeof *f);
}

const char *web_form_get(const struct web_form *f, const char *k)
{
  for (int i = 0; i < f->n; i++)
    if (!strcmp(f->kv[i].k, k))
      return f->kv[i].v;
  return NULL;
}

/* The q of a language range's parameters ("q=0.8"), in thousandths. */
static int web__q(const char *p, size_t n)
{
  int q = 1000;
  for (size_t i = 0; i + 1 < n; i++) {
    if ((p[i] != 'q' && p[i] != 'Q') || p[i + 1] != '=')
      continue;
    size_t j = i + 2;
    if (j < n && p[j] == '0') {
      q = 0;
      j++;
      if (j < n && p[j] == '.')
        for (int scale = 100, k = 0; ++j < n && k < 3 && p[j] >= '0' && p[j] <= '9'; k++)
          q += (p[j] - '0') * scale, scale /= 10;
    } else if (j < n && p[j] == '1') {
      q = 1000;
    }
    break;
  }
  return q;
}

int web_lang_en(const char *h)
{
  int best_en = -1, best_zh = -1, order = 0, en_order = 1 << 30, zh_order = 1 << 30;
  if (!h)
    return 0;
  size_t len = strnlen(h, 4096);
  for (size_t pos = 0; pos < len; order++) {
    const char *comma = memchr(h + pos, ',', len - pos);
    size_t n = comma ? (size_t)(comma - (h + pos)) : len - pos;
    const char *part = h + pos;
    pos += n + 1;
    while (n && (*part == ' ' || *part == '\t'))
      part++, n--;
    const char *semi = memchr(part, ';', n);
    size_t tl = semi ? (size_t)(semi - part) : n;
    int q = semi ? web__q(semi, n - tl) : 1000;
    int en = tl >= 2 && (part[0] | 32) == 'e' && (part[1] | 32) == 'n' && (tl == 2 || part[2] == '-');
    int zh = tl >= 2 && (part[0] | 32) == 'z' && (part[1] | 32) == 'h' && (tl == 2 || part[2] == '-');
    if (en && (q > best_en || (q == best_en && order < en_order)))
      best_en = q, en_order = order;
    if (zh && (q > best_zh || (q == best_zh && order < zh_order)))
      best_zh = q, zh_order = order;
  }
  if (best_en <= 0)
    return 0;
  return best_en > best_zh || (best_en == best_zh && en_order < zh_order);
}
