/* Time zones (node/domain/tz.c): fixed offsets, a TZif file built here byte
 * by byte (two versions, with transitions), every truncation of it refused,
 * and, when the machine has Debian's tzdata (CI installs it), real zones:
 * Asia/Shanghai (+8, with the summer time of 1986-1991) and Europe/Berlin. */
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "test.h"

static void fixed(void)
{
  static const struct {
    const char *spec;
    int ok;
    int32_t off;
  } cases[] = {{"UTC", 1, 0},          {"+08:00", 1, 28800},  {"+0800", 1, 28800},
               {"UTC+8", 1, 28800},     {"UTC-05:30", 1, -19800}, {"-0530", 1, -19800},
               {"GMT", 1, 0},           {"+14:00", 1, 50400},  {"+14:01", 0, 0},
               {"+8:60", 0, 0},         {"8", 0, 0},           {"", 0, 0},
               {"UTC+", 0, 0},          {"+08:00x", 0, 0},     {"Asia/Shanghai", 0, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct dom_tz tz;
    int rc = dom_tz_fixed(&tz, cases[i].spec);
    CHECK_EQ(rc == 0, cases[i].ok);
    if (!rc) {
      CHECK_EQ(dom_tz_offset(&tz, 0), cases[i].off);
      CHECK_EQ(dom_tz_offset(&tz, UINT64_C(4000000000000)), cases[i].off);
    }
  }
}

static size_t put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
  return 4;
}

/* A TZif file: version v ('\0' or '2'), two types (+1 h standard, +2 h
 * summer), transitions at the given UTC seconds alternating summer and
 * standard. */
static size_t tzif(uint8_t *out, char v, const int64_t *at, int n)
{
  size_t len = 0;
  for (int block = 0; block < (v == '2' ? 2 : 1); block++) {
    int tb = block ? 8 : 4;
    memcpy(out + len, "TZif", 4);
    out[len + 4] = (uint8_t)v;
    memset(out + len + 5, 0, 15);
    len += 20;
    len += put32(out + len, 0), len += put32(out + len, 0), len += put32(out + len, 0);
    len += put32(out + len, (uint32_t)n), len += put32(out + len, 2), len += put32(out + len, 8);
    for (int i = 0; i < n; i++) {
      if (tb == 8)
        len += put32(out + len, (uint32_t)((uint64_t)at[i] >> 32));
      len += put32(out + len, (uint32_t)at[i]);
    }
    for (int i = 0; i < n; i++)
      out[len++] = (uint8_t)(i % 2 == 0 ? 1 : 0);
    len += put32(out + len, 3600), out[len++] = 0, out[len++] = 0; /* type 0: +1 h */
    len += put32(out + len, 7200), out[len++] = 1, out[len++] = 4; /* type 1: +2 h, summer */
    memcpy(out + len, "CET\0CEST", 8);
    len += 8;
  }
  if (v == '2')
    memcpy(out + len, "\n\n", 2), len += 2;
  return len;
}

static void built(void)
{
  static const int64_t at[] = {1585443600, 1603587600, 1616893200}; /* 2020-03-29, 10-25, 2021-03-28 */
  uint8_t file[512];
  for (int v = 0; v < 2; v++) {
    struct dom_tz tz;
    size_t len = tzif(file, v ? '2' : '\0', at, 3);
    CHECK_EQ(dom_tz_parse(&tz, "Test/Zone", file, len), 0);
    CHECK_EQ(tz.n, 3);
    CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1580000000000)), 3600);      /* January 2020 */
    CHECK_EQ(dom_tz_offset(&tz, (uint64_t)at[0] * 1000), 7200);      /* the moment of the change */
    CHECK_EQ(dom_tz_offset(&tz, (uint64_t)at[0] * 1000 - 1000), 3600); /* a second before */
    CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1595000000000)), 7200);      /* July 2020 */
    CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1608000000000)), 3600);      /* December 2020 */
    CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1900000000000)), 7200);      /* after the last: it holds */
    char today[11], now[9];
    dom_tz_now(&tz, (uint64_t)at[0] * 1000, today, now); /* 01:00 UTC = 03:00 summer time */
    CHECK(!strcmp(today, "2020-03-29") && !strcmp(now, "03:00:00"));
    CHECK_EQ(dom_tz_day_offset(&tz, "2020-07-01"), 7200);
    CHECK_EQ(dom_tz_day_offset(&tz, "2020-01-01"), 3600);
    for (size_t cut = 0; cut < len - (v ? 2 : 0); cut++) /* every truncation refused */
      CHECK_EQ(dom_tz_parse(&tz, "Test/Zone", file, cut), LINLI_EINVAL);
    uint8_t bad[512];
    memcpy(bad, file, len);
    bad[0] = 'X';
    CHECK_EQ(dom_tz_parse(&tz, "Test/Zone", bad, len), LINLI_EINVAL);
  }
  /* transitions out of order, and a type index past the types */
  static const int64_t back[] = {1603587600, 1585443600};
  struct dom_tz tz;
  size_t len = tzif(file, '\0', back, 2);
  CHECK_EQ(dom_tz_parse(&tz, "Test/Zone", file, len), LINLI_EINVAL);
  len = tzif(file, '\0', at, 1);
  file[44 + 4] = 7;
  CHECK_EQ(dom_tz_parse(&tz, "Test/Zone", file, len), LINLI_EINVAL);
}

static int load(const char *name, struct dom_tz *tz)
{
  static uint8_t buf[1 << 16];
  char path[128];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return dom_tz_parse(tz, name, buf, n);
}

static void real(void)
{
  struct dom_tz tz;
  if (load("Asia/Shanghai", &tz)) {
    /* tzdata is in scripts/deps.sh: a machine without it is not the CI's */
    fprintf(stderr, "test_tz: no /usr/share/zoneinfo/Asia/Shanghai; the real zones are not checked\n");
    CHECK(getenv("CI") == NULL);
    return;
  }
  CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1583020800000)), 28800); /* 2020-03-01 */
  CHECK_EQ(dom_tz_offset(&tz, UINT64_C(583000000000)), 32400);  /* summer 1988: CDT */
  CHECK_EQ(dom_tz_offset(&tz, UINT64_C(4102444800000)), 28800); /* 2100 */
  char today[11];
  dom_tz_now(&tz, UINT64_C(1582992000000), today, NULL); /* 16:00Z, midnight in Wuhan */
  CHECK(!strcmp(today, "2020-03-01"));
  REQUIRE(load("Europe/Berlin", &tz) == 0);
  CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1580000000000)), 3600);
  CHECK_EQ(dom_tz_offset(&tz, UINT64_C(1595000000000)), 7200);
}

int main(void)
{
  test_seed(1);
  fixed();
  built();
  real();
  return test_done("test_tz");
}
