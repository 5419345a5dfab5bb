/* fuzz_events: the reader of DATA/events.log (node/daemon/events.c,
 * events_field, what `linli events` runs on each line) on any bytes as a
 * line. Checked: for every field it is asked for and every output size from
 * 0 to 40 bytes, it either says the line has no such field or writes a
 * NUL-terminated value that fits, never more bytes than the line holds; the
 * value with the biggest buffer begins with the value with a smaller one
 * (a cut value is a prefix, never something else). */
#include <string.h>

#include "events.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  static const char *const keys[] = {"time", "local", "date", "kind", "community",
                                     "compound", "name", "state", "since", "reason"};
  char line[EVENTS_LINE_MAX + 1], big[EVENTS_LINE_MAX + 1], small[41];
  size_t n = size < EVENTS_LINE_MAX ? size : EVENTS_LINE_MAX;
  memcpy(line, data, n);
  line[n] = 0;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    int has = events_field(line, keys[k], big, sizeof big) == 0;
    if (has)
      FUZZ_ASSERT(strlen(big) <= strlen(line));
    for (size_t cap = 0; cap <= 40; cap++) {
      memset(small, 'x', sizeof small);
      int got = events_field(line, keys[k], small, cap) == 0;
      FUZZ_ASSERT(cap == 0 ? !got : got == has);
      if (!got)
        continue;
      size_t l = strnlen(small, cap);
      FUZZ_ASSERT(l < cap);
      FUZZ_ASSERT(strncmp(small, big, l) == 0);
    }
  }
  return 0;
}
