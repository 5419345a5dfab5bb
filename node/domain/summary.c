/* The figures of a daily summary (domain.h "the district's daily
 * summaries"): parsed strictly, since they come from another node. */
#include <stdio.h>
#include <string.h>

#include "domain.h"

const char *const dom_summary_keys[DOM_SUMMARY_N] = {
    "compounds",   "certified", "withdrawn",  "pending",    "rejected",  "eligible",
    "not_eligible", "village",  "free",       "households", "residents", "open_three",
    "fevers_1",    "handouts_1", "fevers_7",  "handouts_7", "ops",       "open_confirmed",
};

static int su_key(const char *k, size_t len)
{
  for (int i = 0; i < DOM_SUMMARY_N; i++)
    if (strlen(dom_summary_keys[i]) == len && memcmp(dom_summary_keys[i], k, len) == 0)
      return i;
  return -1;
}

int dom_summary_parse(const char *s, size_t len, struct dom_summary *out)
{
  size_t i = 0;
  for (int k = 0; k < DOM_SUMMARY_N; k++)
    out->v[k] = -1;
  if (len > DOM_SUMMARY_FIGURES_MAX)
    return DOM_MALFORMED;
  while (i < len) {
    if (s[i] == ' ') {
      i++;
      continue;
    }
    size_t k0 = i;
    while (i < len && s[i] != '=' && s[i] != ' ')
      i++;
    if (i == len || s[i] != '=' || i == k0)
      return DOM_MALFORMED;
    size_t kl = i - k0;
    i++; /* '=' */
    int64_t n = 0;
    size_t d0 = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > DOM_QTY_MAX || i - d0 > 9)
        return DOM_MALFORMED;
      i++;
    }
    if (i == d0 || (i < len && s[i] != ' ') || (i - d0 > 1 && s[d0] == '0'))
      return DOM_MALFORMED;
    int k = su_key(s + k0, kl);
    if (k < 0)
      continue; /* a key a newer hub writes */
    if (out->v[k] >= 0)
      return DOM_MALFORMED;
    out->v[k] = n;
  }
  for (int k = 0; k < DOM_SUMMARY_N; k++)
    if (out->v[k] < 0)
      return DOM_MALFORMED;
  return 0;
}

int dom_summary_format(const struct dom_summary *s, char *out, size_t cap)
{
  size_t at = 0;
  for (int k = 0; k < DOM_SUMMARY_N; k++) {
    if (s->v[k] < 0 || s->v[k] > DOM_QTY_MAX)
      return LINLI_EINVAL;
    int n = snprintf(out + at, cap - at, "%s%s=%lld", k ? " " : "", dom_summary_keys[k],
                     (long long)s->v[k]);
    if (n < 0 || (size_t)n >= cap - at)
      return LINLI_ETOOBIG;
    at += (size_t)n;
  }
  return at > DOM_SUMMARY_FIGURES_MAX ? LINLI_ETOOBIG : (int)at;
}
