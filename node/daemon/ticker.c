/* The daemon's tick schedule. Contract: ticker.h. */
#include <assert.h>

#include "ticker.h"

void ticker_init(struct ticker *t, uint64_t period_ms)
{
  assert(period_ms > 0 && period_ms < INT32_MAX);
  t->period_ms = period_ms;
  t->last = 0;
  t->wake = 0;
  t->ticked = 0;
}

void ticker_request(struct ticker *t, uint64_t at_wall, uint64_t wall_now, uint64_t mono_now)
{
  uint64_t at = mono_now + (at_wall > wall_now ? at_wall - wall_now : 0);
  if (!t->wake || at < t->wake)
    t->wake = at;
}

/* The monotonic time of the next tick. */
static uint64_t ticker__next(const struct ticker *t)
{
  if (!t->ticked)
    return 0;
  uint64_t due = t->last + t->period_ms;
  return t->wake && t->wake < due ? t->wake : due;
}

int ticker_timeout(const struct ticker *t, uint64_t mono_now)
{
  uint64_t due = ticker__next(t);
  int ms = due <= mono_now ? 0 : (int)(due - mono_now);
  assert(ms >= 0 && (uint64_t)ms <= t->period_ms);
  return ms;
}

int ticker_due(struct ticker *t, uint64_t mono_now)
{
  if (mono_now < ticker__next(t))
    return 0;
  t->last = mono_now;
  t->wake = 0;
  t->ticked = 1;
  return 1;
}
