/* The district hub's daily summaries for the city, written by linlid
 * itself (docs/operator.md "The city"): every `summary_s` seconds (config,
 * default 30, the default sync interval), the hub looks at each community
 * scope's count and id-sum of ops (store_range_fp: no op is read) and
 * writes the summaries for today of the communities whose ops changed
 * since the last pass, or of all when the district scope changed (an
 * approval) or at the first pass (dom_summaries; a summary whose figures
 * did not change is not written again). At the first pass of a new day it
 * writes the previous day's once more, so that day's last ops count. The
 * pass runs on linlid's main thread (a tick of the transport); its cost is
 * that of the district report over the changed communities, logged. */
#ifndef LINLI_SUMMARIES_H
#define LINLI_SUMMARIES_H

#include <stdint.h>

#include "config.h"
#include "node.h"

struct summaries;
/* *out NULL (and 0) when this node writes none: not the hub of a district
 * in a city (trust off, no `city` line, another node's hub key, the city
 * node itself) or summary_s 0. Else 0, or
 * an error with err saying why (the time zone does not load). */
int summaries_new(struct summaries **out, const struct config *c, const uint8_t self_pk[CRDT_PK_BYTES],
                  char *err, size_t errcap);
void summaries_free(struct summaries *s);
/* One tick at mono_ms (CLOCK_MONOTONIC) and wall_ms (CLOCK_REALTIME):
 * a pass when one is due. Lines for the log go to log (no personal data:
 * counts, dates, reasons). */
void summaries_tick(struct summaries *s, struct node *n, uint64_t mono_ms, uint64_t wall_ms,
                    void (*log)(void *arg, const char *line), void *arg);

#endif
