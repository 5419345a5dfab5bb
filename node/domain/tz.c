/* Time zones: fixed offsets and TZif files. Contract: domain.h ("the
 * district's time zone"). The TZif layout (RFC 8536 section 3): a 44-byte
 * header "TZif", version, 15 reserved bytes, six big-endian u32 counts
 * (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt); then timecnt
 * transition times, timecnt type indexes (u8), typecnt local time types of
 * 6 bytes (i32 utoff, u8 isdst, u8 abbreviation index), charcnt bytes of
 * abbreviations, leap second records, isstd and isut indicators. Version 2
 * and later repeat header and data with 64-bit times after the first; that
 * block is the one used when present. */
#include <string.h>

#include "domain.h"

#define TZ_MAX_OFFSET (14 * 3600)

int dom_tz_fixed(struct dom_tz *tz, const char *spec)
{
  const char *p = spec;
  int sign = 1, h = 0, m = 0, digits = 0;
  memset(tz, 0, sizeof *tz);
  if (strlen(spec) >= DOM_TZ_NAME_MAX)
    return LINLI_EINVAL;
  if (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3))
    p += 3;
  if (!*p && p != spec)
    goto done;
  if (*p != '+' && *p != '-')
    return LINLI_EINVAL;
  sign = *p++ == '-' ? -1 : 1;
  for (; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
    h = h * 10 + (*p - '0');
  if (!digits)
    return LINLI_EINVAL;
  if (*p == ':')
    p++;
  if (*p) {
    if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2])
      return LINLI_EINVAL;
    m = (p[0] - '0') * 10 + (p[1] - '0');
  }
  if (h * 3600 + m * 60 > TZ_MAX_OFFSET)
    return LINLI_EINVAL;
done:
  tz->first = sign * (h * 3600 + m * 60);
  memcpy(tz->name, spec, strlen(spec) + 1);
  return 0;
}

static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tz_block {
  uint32_t isut, isstd, leap, time, type, chars;
  size_t size; /* bytes of the data block after the header */
};

/* The header at p (left bytes), for times of tb bytes (4 or 8). */
static int tz_header(const uint8_t *p, size_t left, int tb, struct tz_block *b)
{
  if (left < 44 || memcmp(p, "TZif", 4))
    return LINLI_EINVAL;
  b->isut = be32(p + 20), b->isstd = be32(p + 24), b->leap = be32(p + 28);
  b->time = be32(p + 32), b->type = be32(p + 36), b->chars = be32(p + 40);
  if (b->type < 1 || b->type > 256 || b->time > 1u << 20 || b->leap > 1u << 16 ||
      b->chars > 1u << 16 || (b->isut && b->isut != b->type) || (b->isstd && b->isstd != b->type))
    return LINLI_EINVAL;
  b->size = (size_t)b->time * (size_t)(tb + 1) + (size_t)b->type * 6 + b->chars +
            (size_t)b->leap * (size_t)(tb + 4) + b->isstd + b->isut;
  return left - 44 < b->size ? LINLI_EINVAL : 0;
}

int dom_tz_parse(struct dom_tz *tz, const char *name, const uint8_t *f, size_t len)
{
  struct tz_block b;
  int tb = 4;
  memset(tz, 0, sizeof *tz);
  if (strlen(name) >= DOM_TZ_NAME_MAX || tz_header(f, len, 4, &b))
    return LINLI_EINVAL;
  const uint8_t *d = f + 44;
  if (f[4] >= '2') { /* the 64-bit block follows the 32-bit one */
    size_t at = 44 + b.size;
    if (tz_header(f + at, len - at, 8, &b))
      return LINLI_EINVAL;
    d = f + at + 44;
    tb = 8;
  }
  const uint8_t *times = d, *idx = d + (size_t)b.time * (size_t)tb, *types = idx + b.time;
  for (uint32_t i = 0; i < b.time; i++)
    if (idx[i] >= b.type)
      return LINLI_EINVAL;
  /* Before the first transition: the first standard type (RFC 8536 3.2). */
  int first = 0;
  for (uint32_t t = 0; t < b.type; t++)
    if (!types[6 * t + 4]) {
      first = (int)t;
      break;
    }
  tz->first = (int32_t)be32(types + 6 * first);
  uint32_t skip = b.time > DOM_TZ_MAX ? b.time - DOM_TZ_MAX : 0;
  for (uint32_t i = skip; i < b.time; i++) {
    int64_t t = tb == 8 ? be64(times + 8 * i) : (int64_t)(int32_t)be32(times + 4 * i);
    int32_t off = (int32_t)be32(types + 6 * idx[i]);
    if (off < -TZ_MAX_OFFSET - 3600 || off > TZ_MAX_OFFSET + 3600 ||
        (tz->n && t <= tz->at[tz->n - 1]))
      return LINLI_EINVAL;
    if (i == skip && skip)
      tz->first = (int32_t)be32(types + 6 * idx[i - 1]);
    tz->at[tz->n] = t;
    tz->off[tz->n++] = off;
  }
  memcpy(tz->name, name, strlen(name) + 1);
  return 0;
}

int32_t dom_tz_offset(const struct dom_tz *tz, uint64_t ms)
{
  int64_t s = (int64_t)(ms / 1000);
  int lo = 0, hi = tz->n; /* the last transition at or before s */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (tz->at[mid] <= s)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo ? tz->off[lo - 1] : tz->first;
}

void dom_tz_now(const struct dom_tz *tz, uint64_t ms, char today[DOM_DATE_LEN + 1], char *now9)
{
  int32_t off = dom_tz_offset(tz, ms);
  dom_ms_date(ms, off, today);
  if (now9)
    dom_ms_time(ms, off, now9);
}

int32_t dom_tz_day_offset(const struct dom_tz *tz, const char *date)
{
  int64_t day;
  if (dom_date_days(date, strlen(date), &day))
    return tz->first;
  int64_t noon = day * 86400 + 43200; /* local noon, near enough in UTC to pick the day's offset */
  return dom_tz_offset(tz, noon > 0 ? (uint64_t)noon * 1000 : 0);
}
