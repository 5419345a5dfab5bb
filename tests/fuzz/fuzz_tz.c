/* fuzz_tz: the time zone decoder (node/domain/tz.c, dom_tz_parse on what a
 * zoneinfo file holds, dom_tz_fixed on a configured offset) on any bytes.
 * Checked: a zone that parses has at most DOM_TZ_MAX transitions in strictly
 * ascending order with offsets within a day, and every offset it answers is
 * one of its own; a refused input leaves nothing half-filled that is used. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct dom_tz tz;
  if (dom_tz_parse(&tz, "Fuzz/Zone", data, size) == 0) {
    FUZZ_ASSERT(tz.n >= 0 && tz.n <= DOM_TZ_MAX);
    for (int i = 0; i < tz.n; i++) {
      FUZZ_ASSERT(tz.off[i] >= -86400 && tz.off[i] <= 86400);
      FUZZ_ASSERT(i == 0 || tz.at[i] > tz.at[i - 1]);
    }
    static const uint64_t ms[] = {0, UINT64_C(1583020800000), UINT64_C(4102444800000),
                                  UINT64_MAX / 2};
    for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++) {
      int32_t off = dom_tz_offset(&tz, ms[k]);
      int known = off == tz.first;
      for (int i = 0; i < tz.n && !known; i++)
        known = off == tz.off[i];
      FUZZ_ASSERT(known);
    }
  }
  char spec[DOM_TZ_NAME_MAX + 8];
  size_t n = size < sizeof spec - 1 ? size : sizeof spec - 1;
  memcpy(spec, data, n);
  spec[n] = 0;
  if (dom_tz_fixed(&tz, spec) == 0)
    FUZZ_ASSERT(tz.n == 0 && tz.first >= -14 * 3600 && tz.first <= 14 * 3600);
  return 0;
}
