/* fuzz_items: the item:quantity lines staff type (node/domain/supply.c,
 * dom_items_parse: a hand-out's or an order's `items`) on any bytes.
 * Checked: a refusal says why and leaves no line; what parses is 1 to
 * DOM_ITEMS_MAX lines, each a distinct item key of a-z 0-9 _ (as a stock
 * counter needs) with a quantity from 1 to DOM_QTY_MAX; formatted and parsed
 * again, the sorted lines come back the same; the counter body encodes. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct dom_items it, again;
  struct dom_err e;
  char text[DOM_TEXT_MAX + 1], out[2 * DOM_TEXT_MAX + 64];
  uint8_t body[CRDT_BODY_MAX_BYTES];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1, len;
  memcpy(text, data, n);
  text[n] = 0; /* what staff type is NUL-terminated text */
  memset(&e, 0, sizeof e);
  int rc = dom_items_parse(text, strlen(text), &it, &e);
  if (rc) {
    FUZZ_ASSERT(rc == DOM_MALFORMED && e.msg[0] && it.n == 0);
    return 0;
  }
  FUZZ_ASSERT(it.n >= 1 && it.n <= DOM_ITEMS_MAX);
  for (int i = 0; i < it.n; i++) {
    FUZZ_ASSERT(crdt_check_ident(it.l[i].item, strlen(it.l[i].item), CRDT_FIELD_MAX) == 0);
    FUZZ_ASSERT(it.l[i].qty >= 1 && it.l[i].qty <= DOM_QTY_MAX);
    for (int k = 0; k < i; k++)
      FUZZ_ASSERT(strcmp(it.l[i].item, it.l[k].item) != 0);
  }
  dom_items_sort(&it);
  dom_items_format(&it, out, sizeof out);
  if (strlen(out) <= DOM_TEXT_MAX) {
    FUZZ_ASSERT(dom_items_parse(out, strlen(out), &again, &e) == 0);
    FUZZ_ASSERT(again.n == it.n);
    for (int i = 0; i < it.n; i++)
      FUZZ_ASSERT(!strcmp(again.l[i].item, it.l[i].item) && again.l[i].qty == it.l[i].qty);
  }
  FUZZ_ASSERT(dom_items_body(&it, -1, body, sizeof body, &len) == 0 && len > 0);
  return 0;
}
