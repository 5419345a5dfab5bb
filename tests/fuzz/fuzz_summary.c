/* fuzz_summary: the figures of a daily summary (node/domain/summary.c,
 * dom_summary_parse), as the city reads them from a hub's record, on any
 * bytes. Checked: figures that parse have every key, each value from 0 to
 * DOM_QTY_MAX; formatted again and parsed, they give the same values; a
 * refused input says so and nothing reads its values. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct dom_summary s, t;
  char text[DOM_SUMMARY_FIGURES_MAX + 1];
  int rc = dom_summary_parse((const char *)data, size, &s);
  FUZZ_ASSERT(rc == 0 || rc == DOM_MALFORMED);
  if (rc)
    return 0;
  for (int k = 0; k < DOM_SUMMARY_N; k++)
    FUZZ_ASSERT(s.v[k] >= 0 && s.v[k] <= DOM_QTY_MAX);
  int n = dom_summary_format(&s, text, sizeof text);
  /* every key at its largest is 372 bytes: formatting always fits */
  FUZZ_ASSERT(n > 0 && (size_t)n < sizeof text);
  FUZZ_ASSERT(dom_summary_parse(text, (size_t)n, &t) == 0);
  FUZZ_ASSERT(memcmp(s.v, t.v, sizeof s.v) == 0);
  return 0;
}
