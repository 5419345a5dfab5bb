/* events: what needs a person, noticed by linlid (docs/operator.md
 * "Events").
 *
 * A thread of linlid looks every `event_check_s` seconds (default 60) at the
 * states of the compounds of the communities the node holds on today (the
 * district's zone; dom_compound_states, the states every report prints) and
 * at when each community was last heard from, and raises an event for:
 *   withdrawal   a compound's state became withdrawn (a certified compound
 *                whose rule no longer holds: a late case, a measure undone)
 *   rejection    a declaration was rejected by the hub
 *   declaration  a declaration is waiting for the hub's decision (pending)
 *   silent       a community's newest op is older than `event_silent_s`
 *                (configured; off without it), once until it is heard again
 * Each event is a line "event KIND community=C [compound=K]" in linlid's
 * log, a JSON line appended to DATA/events.log (what `linli events` reads),
 * and, with `on_event /path/to/program` in linlid.conf, one run of that
 * program per event with the event's JSON on its standard input and KIND as
 * its argument (not waited for; a failure is logged). An event names
 * codes, compound names, states, dates and the rule's or the hub's reason:
 * no personal data. The states last seen are kept in DATA/events.state, so
 * a restart raises only what changed meanwhile; the first run records the
 * compounds' states without raising anything (a community already silent
 * is raised). */
#ifndef LINLI_EVENTS_H
#define LINLI_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define EVENTS_LINE_MAX 1600 /* bytes of one JSON line of events.log */

struct events;

/* Starts the thread over store s (the node's, read through its own read
 * transactions) with c's scopes, district, zone, data directory and event
 * keys; log(arg, line) writes a log line (from that thread). 0, or an
 * error with err set. */
int events_start(struct events **out, const struct config *c, struct store *s,
                 void (*log)(void *arg, const char *line), void *arg, char *err, size_t errcap);
/* Stops the thread (a scan under way finishes first) and frees e (NULL: nothing). */
void events_stop(struct events *e);

/* One scan now, as the thread does every event_check_s, at wall time now_ms:
 * the number of events raised, or an error. For tests and the thread. */
int events_scan(struct events *e, uint64_t now_ms);

/* The value of string field key of one events.log line, unescaped into out
 * (cap bytes): 0, or -1 if the line has no such field. */
int events_field(const char *line, const char *key, char *out, size_t cap);

#endif
