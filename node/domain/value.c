/* Values: the one parser and renderer of each value type. Contract: domain.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define TEMP_MIN_DC 340
#define TEMP_MAX_DC 430
#define PHONE_MAX 24

int dom_lang_zh;

const char *dom_tx(struct dom_text t)
{
  return dom_lang_zh && t.zh ? t.zh : t.en;
}

int dom_fail(struct dom_err *e, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, D_(fmt), ap);
  va_end(ap);
  e->code = code;
  return code;
}

/* ---- dates ---- */

int dom_date_days(const char *d, size_t len, int64_t *days)
{
  int y, m, dd;
  if (len != DOM_DATE_LEN || d[4] != '-' || d[7] != '-')
    return LINLI_EINVAL;
  for (int i = 0; i < DOM_DATE_LEN; i++)
    if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
      return LINLI_EINVAL;
  y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  m = (d[5] - '0') * 10 + (d[6] - '0');
  dd = (d[8] - '0') * 10 + (d[9] - '0');
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1] || (m == 2 && dd == 29 && !leap))
    return LINLI_EINVAL;
  /* days from civil (proleptic Gregorian) */
  int64_t yy = m <= 2 ? y - 1 : y;
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *days = era * 146097 + doe - 719468;
  return 0;
}

void dom_days_date(int64_t z, char out[DOM_DATE_LEN + 1])
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  char tmp[48]; /* room for any int, so the compiler sees no truncation */
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
  memcpy(out, tmp, DOM_DATE_LEN);
  out[DOM_DATE_LEN] = 0;
}

static int64_t dom__local_s(uint64_t ms, int32_t utc_offset_s)
{
  return (int64_t)(ms / 1000) + utc_offset_s;
}

void dom_ms_date(uint64_t ms, int32_t utc_offset_s, char out[DOM_DATE_LEN + 1])
{
  int64_t s = dom__local_s(ms, utc_offset_s);
  dom_days_date(s >= 0 ? s / 86400 : (s - 86399) / 86400, out);
}

void dom_ms_time(uint64_t ms, int32_t utc_offset_s, char out[9])
{
  int64_t s = dom__local_s(ms, utc_offset_s) % 86400;
  if (s < 0)
    s += 86400;
  char tmp[48];
  snprintf(tmp, sizeof tmp, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
  memcpy(out, tmp, 8);
  out[8] = 0;
}

char dom_id_check(const char *s)
{
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char map[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    sum += (s[i] - '0') * w[i];
  }
  return map[sum % 11];
}

/* ---- types ---- */

size_t dom_text_max(const struct dom_field *f)
{
  switch (f->type) {
  case DOM_T_TEXT:
    return f->kind == DOM_SET ? DOM_ELEM_TEXT_MAX : f->max ? f->max : DOM_TEXT_MAX;
  case DOM_T_KEY:
    return DOM_KEY_MAX;
  case DOM_T_PHONE:
    return PHONE_MAX;
  case DOM_T_DATE:
    return DOM_DATE_LEN;
  case DOM_T_TIME:
    return 8;
  case DOM_T_IDNO:
    return 18;
  case DOM_T_ENUM: {
    size_t m = 0;
    for (int i = 0; f->values && f->values[i]; i++)
      if (strlen(f->values[i]) > m)
        m = strlen(f->values[i]);
    return m;
  }
  default:
    return 0;
  }
}

char dom_stored_class(const struct dom_field *f)
{
  switch (f->type) {
  case DOM_T_YEAR:
  case DOM_T_TEMP:
  case DOM_T_QTY:
    return 'i';
  case DOM_T_BOOL:
    return 'b';
  default:
    return 's';
  }
}

/* UTF-8 text of 1 to max bytes without control characters. */
static int plain_text(const char *s, size_t n, size_t max)
{
  if (!n || n > max || !crdt_utf8_valid((const uint8_t *)s, n))
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return 0;
  return 1;
}

/* A whole number of at most `digits` digits, no sign or leading zero. */
static int whole(const char *s, int digits, int64_t *out)
{
  size_t n = strlen(s);
  if (!n || n > (size_t)digits || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
    return 0;
  *out = strtoll(s, NULL, 10);
  return 1;
}

static void list_values(const struct dom_field *f, char *out, size_t cap)
{
  size_t at = 0;
  out[0] = 0;
  for (int i = 0; f->values && f->values[i] && at < cap; i++)
    at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? ", " : "", f->values[i]);
}

static const struct {
  const char *word;
  int v;
} bool_words[] = {{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0},
                  {"1", 1},   {"0", 0},  {"是", 1},   {"否", 0}};

static int parse_temp(const struct dom_field *f, const char *s, struct dom_value *v,
                      struct dom_err *e)
{
  int64_t x = 0;
  int digits = 0, dec = -1;
  for (const char *p = s; *p; p++) {
    if (*p == '.' && dec < 0 && digits) {
      dec = 0;
    } else if (*p >= '0' && *p <= '9' && digits < 4 && dec < 1) {
      x = x * 10 + (*p - '0');
      digits++;
      dec += dec >= 0;
    } else {
      digits = 0;
      break;
    }
  }
  if (!digits || dec == 0)
    return dom_fail(e, DOM_MALFORMED,
                    "%s takes degrees Celsius with at most one decimal, e.g. 36.8", f->name);
  x = dec == 1 ? x : x * 10;
  if (x < TEMP_MIN_DC || x > TEMP_MAX_DC)
    return dom_fail(e, DOM_REFUSED,
                    "a temperature of %s °C is outside %d.0 to %d.0 °C and was refused: measure "
                    "again", s, TEMP_MIN_DC / 10, TEMP_MAX_DC / 10);
  v->t = 'i';
  v->i = x;
  return DOM_OK;
}

static int parse_date(const struct dom_field *f, const char *s, const char *today,
                      struct dom_value *v, struct dom_err *e)
{
  int64_t d, t;
  if (dom_date_days(s, strlen(s), &d))
    return dom_fail(e, DOM_MALFORMED, "%s takes a date: write it as YYYY-MM-DD", f->name);
  if (!(f->flags & DOM_F_FUTURE) && today && dom_date_days(today, strlen(today), &t) == 0 && d > t)
    return dom_fail(e, DOM_REFUSED, "the date %s is in the future (today is %s in the district)",
                    s, today);
  memcpy(v->buf, s, DOM_DATE_LEN + 1);
  v->s = v->buf;
  v->len = DOM_DATE_LEN;
  return DOM_OK;
}

static int parse_time(const struct dom_field *f, const char *s, struct dom_value *v,
                      struct dom_err *e)
{
  size_t n = strlen(s);
  int h, m, sec = 0;
  if ((n != 5 && n != 8) || s[2] != ':' || (n == 8 && s[5] != ':') ||
      strspn(s, "0123456789:") != n)
    return dom_fail(e, DOM_MALFORMED, "%s takes a time, HH:MM or HH:MM:SS", f->name);
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  if (n == 8)
    sec = (s[6] - '0') * 10 + (s[7] - '0');
  if (h > 23 || m > 59 || sec > 59 || s[0] == ':' || s[3] == ':' || (n == 8 && s[6] == ':'))
    return dom_fail(e, DOM_MALFORMED, "%s takes a time, HH:MM or HH:MM:SS", f->name);
  snprintf(v->buf, sizeof v->buf, "%02d:%02d:%02d", h, m, sec);
  v->s = v->buf;
  v->len = 8;
  return DOM_OK;
}

static int parse_idno(const struct dom_field *f, const char *s, struct dom_value *v,
                      struct dom_err *e)
{
  char first[18];
  if (strlen(s) != 18 || strspn(s, "0123456789") < 17 ||
      !(s[17] == 'x' || s[17] == 'X' || (s[17] >= '0' && s[17] <= '9')))
    return dom_fail(e, DOM_MALFORMED,
                    "%s takes the 18-character ID number: 17 digits and a check character (0-9 "
                    "or X)", f->name);
  memcpy(first, s, 17);
  first[17] = 0;
  char last = s[17] == 'x' ? 'X' : s[17];
  if (dom_id_check(first) != last)
    return dom_fail(e, DOM_REFUSED,
                    "the check character of %s does not match its first 17 digits (ISO 7064 MOD "
                    "11-2): check the number", f->name);
  snprintf(v->buf, sizeof v->buf, "%.17s%c", s, last);
  v->s = v->buf;
  v->len = 18;
  return DOM_OK;
}

static int parse_enum(const struct dom_field *f, const char *s, struct dom_value *v,
                      struct dom_err *e)
{
  char list[160];
  for (int i = 0; f->values && f->values[i]; i++)
    if (!strcmp(s, f->values[i]) || (f->values_zh && !strcmp(s, f->values_zh[i]))) {
      v->s = f->values[i];
      v->len = strlen(f->values[i]);
      return DOM_OK;
    }
  struct dom_near near;
  char say[80];
  dom_near_init(&near, s);
  for (int i = 0; f->values && f->values[i]; i++)
    dom_near_try(&near, f->values[i]);
  list_values(f, list, sizeof list);
  return dom_fail(e, DOM_MALFORMED, "%s takes one of %s%s", f->name, list,
                  dom_near_say(&near, say, sizeof say));
}

/* A word folded for comparison: ASCII lower case, '-' and '_' dropped. */
static size_t near_fold(const char *s, char *out, size_t cap)
{
  size_t n = 0;
  for (; *s && n < cap; s++)
    if (*s != '-' && *s != '_')
      out[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
  return *s ? cap + 1 : n; /* too long: no match */
}

#define NEAR_MAX 64
/* Optimal string alignment distance, bounded by limit + 1. */
static int near_dist(const char *a, size_t la, const char *b, size_t lb, int limit)
{
  int d[NEAR_MAX + 1][NEAR_MAX + 1];
  if ((la > lb ? la - lb : lb - la) > (size_t)limit)
    return limit + 1;
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int c = a[i - 1] != b[j - 1];
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v)
        v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + c < v)
        v = d[i - 1][j - 1] + c;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[la][lb];
}

void dom_near_init(struct dom_near *n, const char *s)
{
  n->s = s;
  n->best = NULL;
  n->dist = 0;
}

void dom_near_try(struct dom_near *n, const char *candidate)
{
  char a[NEAR_MAX], b[NEAR_MAX];
  size_t la = near_fold(n->s, a, sizeof a), lb = near_fold(candidate, b, sizeof b);
  if (la > NEAR_MAX || lb > NEAR_MAX || !la || !strcmp(n->s, candidate))
    return;
  int limit = la <= 4 ? 1 : la <= 8 ? 2 : 3;
  int d = near_dist(a, la, b, lb, limit);
  if (d <= limit && (!n->best || d < n->dist)) {
    n->best = candidate;
    n->dist = d;
  }
}

const char *dom_near_best(const struct dom_near *n)
{
  return n->best;
}

const char *dom_near_say(const struct dom_near *n, char *buf, size_t cap)
{
  if (!n->best || !cap)
    return "";
  snprintf(buf, cap, " (did you mean %s?)", n->best);
  return buf;
}

const char *dom_near_field(const struct dom_collection *c, const char *name, char *buf, size_t cap)
{
  struct dom_near n;
  dom_near_init(&n, name);
  for (const struct dom_field *f = c->fields; f && f->name; f++)
    dom_near_try(&n, f->name);
  return dom_near_say(&n, buf, cap);
}

const char *dom_key_problem(const char *s, size_t len)
{
  if (len > DOM_KEY_MAX)
    return "is longer than 126 bytes";
  return crdt_key_problem(s, len);
}

int dom_parse(const struct dom_field *f, const char *s, const char *today, struct dom_value *v,
              struct dom_err *e)
{
  size_t n = strlen(s), max = dom_text_max(f);
  const char *why;
  int64_t x;
  memset(v, 0, sizeof *v);
  v->t = dom_stored_class(f);
  v->s = s;
  v->len = n;
  if (!n)
    return dom_fail(e, DOM_MALFORMED, "%s= needs a value after the '='", f->name);
  if (f->kind == DOM_SET && f->type == DOM_T_TEXT && n > DOM_ELEM_TEXT_MAX)
    return dom_fail(e, DOM_MALFORMED, "an element of %s is at most %d bytes", f->name,
                    DOM_ELEM_TEXT_MAX);
  switch (f->type) {
  case DOM_T_TEXT:
    if (!plain_text(s, n, max))
      return dom_fail(e, DOM_MALFORMED,
                      "%s takes 1 to %zu bytes of text without control characters", f->name, max);
    if (f->kind == DOM_SET && strchr(s, ';'))
      return dom_fail(e, DOM_MALFORMED, "an element of %s cannot hold ';' (CSV joins elements "
                      "with it)", f->name);
    return DOM_OK;
  case DOM_T_KEY:
    if ((why = dom_key_problem(s, n)))
      return dom_fail(e, DOM_MALFORMED, "%s takes a key (1 to %d bytes of text, NFC, no control "
                      "or invisible characters); this one %s", f->name, DOM_KEY_MAX, why);
    if (f->kind == DOM_SET && strchr(s, ';'))
      return dom_fail(e, DOM_MALFORMED, "an element of %s cannot hold ';'", f->name);
    return DOM_OK;
  case DOM_T_PHONE: {
    size_t digits = 0, lead = s[0] == '+';
    for (size_t i = 0; i < n; i++)
      digits += s[i] >= '0' && s[i] <= '9';
    if (n > PHONE_MAX || digits < 3 || strspn(s + lead, "0123456789- ") != n - lead)
      return dom_fail(e, DOM_MALFORMED,
                      "%s takes a phone number: digits, a leading +, '-' and spaces", f->name);
    return DOM_OK;
  }
  case DOM_T_BOOL:
    for (size_t i = 0; i < sizeof bool_words / sizeof bool_words[0]; i++)
      if (!strcmp(s, bool_words[i].word)) {
        v->i = bool_words[i].v;
        return DOM_OK;
      }
    return dom_fail(e, DOM_MALFORMED, "%s takes yes or no (or true/false, 1/0, 是/否)", f->name);
  case DOM_T_YEAR:
    if (!whole(s, 4, &x) || n != 4)
      return dom_fail(e, DOM_MALFORMED, "%s takes a year of four digits, e.g. 1980", f->name);
    if (x < 1880 || x > 2100)
      return dom_fail(e, DOM_REFUSED, "%s must be a year from 1880 to 2100", f->name);
    v->i = x;
    return DOM_OK;
  case DOM_T_IDNO:
    return parse_idno(f, s, v, e);
  case DOM_T_DATE:
    return parse_date(f, s, today, v, e);
  case DOM_T_TIME:
    return parse_time(f, s, v, e);
  case DOM_T_TEMP:
    return parse_temp(f, s, v, e);
  case DOM_T_QTY: {
    int64_t qmax = f->max ? f->max : DOM_QTY_MAX;
    if (!whole(s, 10, &x) || x < 1 || x > qmax)
      return dom_fail(e, DOM_MALFORMED, "%s takes a whole number from 1 to %lld", f->name,
                      (long long)qmax);
    v->i = x;
    return DOM_OK;
  }
  case DOM_T_ENUM:
    return parse_enum(f, s, v, e);
  }
  return dom_fail(e, DOM_MALFORMED, "%s has a type this linli does not know", f->name);
}

void dom_value_write(struct crdt_buf *b, const struct dom_value *v)
{
  if (v->t == 'n')
    crdt_w_nil(b);
  else if (v->t == 'i')
    crdt_w_int(b, v->i);
  else if (v->t == 'b')
    crdt_w_bool(b, v->i != 0);
  else
    crdt_w_str(b, v->s, v->len);
}

/* Any value as one line of text (for a stored value of the wrong type). */
static void render_any(const uint8_t *mp, size_t len, char *out, size_t cap)
{
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  int64_t x;
  int b;
  crdt_mp_init(&m, mp, len);
  if (crdt_mp_str(&m, &s, &sl) == 0) {
    snprintf(out, cap, "%.*s", (int)sl, s);
    return;
  }
  crdt_mp_init(&m, mp, len);
  if (crdt_mp_int(&m, &x) == 0) {
    snprintf(out, cap, "%lld", (long long)x);
    return;
  }
  crdt_mp_init(&m, mp, len);
  if (crdt_mp_bool(&m, &b) == 0) {
    snprintf(out, cap, "%s", b ? "yes" : "no");
    return;
  }
  snprintf(out, cap, "?");
}

int dom_render(const struct dom_field *f, const uint8_t *mp, size_t len, char *out, size_t cap)
{
  struct crdt_mp m;
  const char *s;
  uint32_t sl;
  int64_t x;
  int b;
  if (!cap)
    return LINLI_EINVAL;
  out[0] = 0;
  struct dom_sealed sv;
  int sealed = f && (f->flags & DOM_F_SEALED) ? dom_sealed_parse(mp, len, &sv) : 0;
  if (sealed) { /* not opened here (dom_render_at opens it) */
    sealed = sealed > 0 ? LINLI_ENOKEY : LINLI_EDAMAGED;
    snprintf(out, cap, "%s", dom_sealed_word(sealed));
    return sealed;
  }
  crdt_mp_init(&m, mp, len);
  switch (f ? dom_stored_class(f) : 0) {
  case 's':
    if (crdt_mp_str(&m, &s, &sl) == 0) {
      snprintf(out, cap, "%.*s", (int)sl, s);
      if (dom_mask_pii)
        dom_mask(f, out);
      return 0;
    }
    break;
  case 'i':
    if (crdt_mp_int(&m, &x) == 0) {
      if (f->type == DOM_T_TEMP)
        snprintf(out, cap, "%lld.%lld", (long long)(x / 10), (long long)(x % 10 < 0 ? -x % 10 : x % 10));
      else
        snprintf(out, cap, "%lld", (long long)x);
      return 0;
    }
    break;
  case 'b':
    if (crdt_mp_bool(&m, &b) == 0) {
      snprintf(out, cap, "%s", b ? "yes" : "no");
      return 0;
    }
    break;
  }
  render_any(mp, len, out, cap);
  return f ? LINLI_ETYPE : 0;
}

const char *dom_shown(const struct dom_field *f, const char *text)
{
  if (!dom_lang_zh || !f || !text)
    return text;
  if (f->type == DOM_T_BOOL)
    return !strcmp(text, "yes") ? "是" : !strcmp(text, "no") ? "否" : text;
  for (int i = 0; f->type == DOM_T_ENUM && f->values_zh && f->values[i]; i++)
    if (!strcmp(text, f->values[i]))
      return f->values_zh[i];
  return text;
}
