/* ticker: when the daemon's loop calls node_tick(), on the monotonic clock.
 *
 * The loop waits on CLOCK_MONOTONIC. The node core asks to be woken at a
 * time of its own clock (node_env.now_ms: the wall clock, which feeds the
 * HLC). A ticker turns one into the other at the moment of the request: the
 * wake-up is (at_wall - wall_now) ms after mono_now, so a later step of the
 * wall clock, forward or back, neither brings a tick forward nor holds it
 * back. Besides, the loop ticks at least every period_ms of monotonic time.
 *
 * Pure arithmetic: a ticker reads no clock, the caller passes both clocks
 * in (the transport its real ones, tests their own). All times are ms.
 */
#ifndef LINLI_TICKER_H
#define LINLI_TICKER_H

#include <stdint.h>

struct ticker {
  uint64_t period_ms; /* tick at least this often */
  uint64_t last;      /* monotonic time of the last tick */
  uint64_t wake;      /* monotonic time the node asked to be ticked by; 0: none */
  int ticked;         /* 0 until the first tick, which is due at once */
};

/* A ticker whose first tick is due at once. period_ms > 0. */
void ticker_init(struct ticker *t, uint64_t period_ms);

/* The node asks to be ticked no later than at_wall (its clock) while that
 * clock reads wall_now and the monotonic clock mono_now. A time already
 * past is due at once. Of several requests before a tick, the earliest
 * counts. */
void ticker_request(struct ticker *t, uint64_t at_wall, uint64_t wall_now, uint64_t mono_now);

/* How long the loop may wait at mono_now before the next tick: 0 if one is
 * due, else at most period_ms. */
int ticker_timeout(const struct ticker *t, uint64_t mono_now);

/* 1 if a tick is due at mono_now: it is then counted as done (the next one
 * is due period_ms later, and the pending request is cleared, so the tick
 * may make a new one). Else 0. */
int ticker_due(struct ticker *t, uint64_t mono_now);

#endif
