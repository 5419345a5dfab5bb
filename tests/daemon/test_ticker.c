/* ticker.h: the daemon's ticks run on the monotonic clock, and a step of the
 * wall clock (the node's clock) neither stalls nor bunches them. Both clocks
 * are injected: a simulated loop waits exactly as long as the ticker says,
 * the node asks for wake-ups on its wall clock, and the wall clock jumps by
 * hours, forward and back, at seeded moments. */
#include "test.h"
#include "ticker.h"

#define PERIOD 1000u
#define HOUR 3600000u

static void test_basics(void)
{
  struct ticker t;
  ticker_init(&t, PERIOD);
  /* the first tick is due at once, whatever the clocks read */
  CHECK_EQ(ticker_timeout(&t, 5), 0);
  CHECK_EQ(ticker_due(&t, 5), 1);
  CHECK_EQ(ticker_due(&t, 5), 0);
  CHECK_EQ(ticker_timeout(&t, 5), PERIOD);
  CHECK_EQ(ticker_timeout(&t, 505), PERIOD - 500);
  CHECK_EQ(ticker_due(&t, 1004), 0);
  CHECK_EQ(ticker_due(&t, 1005), 1);

  /* a request converts to monotonic time when it is made */
  uint64_t wall = UINT64_C(1764633600000), mono = 1005;
  ticker_request(&t, wall + 300, wall, mono);
  CHECK_EQ(ticker_timeout(&t, mono), 300);
  wall -= HOUR; /* the wall clock goes back an hour: the wake-up stays put */
  CHECK_EQ(ticker_timeout(&t, mono + 100), 200);
  CHECK_EQ(ticker_due(&t, mono + 299), 0);
  CHECK_EQ(ticker_due(&t, mono + 300), 1);
  mono += 300;

  /* of two requests the earlier counts, in either order */
  ticker_request(&t, wall + 700, wall, mono);
  ticker_request(&t, wall + 200, wall, mono);
  ticker_request(&t, wall + 900, wall, mono);
  CHECK_EQ(ticker_timeout(&t, mono), 200);
  /* a request for a time already past is due at once */
  ticker_request(&t, wall - 5000, wall, mono);
  CHECK_EQ(ticker_timeout(&t, mono), 0);
  CHECK_EQ(ticker_due(&t, mono), 1);
  /* the tick cleared the requests: the period rules again */
  CHECK_EQ(ticker_timeout(&t, mono), PERIOD);
  /* a request far beyond the period does not stretch the wait */
  ticker_request(&t, wall + 10 * HOUR, wall, mono);
  CHECK_EQ(ticker_timeout(&t, mono), PERIOD);
}

/* A loop like transport_run(): it waits ticker_timeout() ms or until an
 * event comes; after each tick the node asks for a wake-up delay ms ahead
 * on its wall clock, which steps by hours now and then. */
static void test_loop(uint64_t seed)
{
  struct test_rng rng = {seed};
  struct ticker t;
  uint64_t mono = 1 + test_below(&rng, 100000);
  int64_t offset = INT64_C(1764633600000); /* wall = mono + offset */
  uint64_t next_event = mono + test_below(&rng, 200);
  uint64_t last_tick = 0, want = 0; /* mono time of the last tick; of the node's wake-up */
  long ticks = 0, steps = 0, stalls = 0, early = 0, late = 0;
  ticker_init(&t, PERIOD);
  for (int turn = 0; turn < 200000; turn++) {
    int wait = ticker_timeout(&t, mono);
    CHECK(wait >= 0 && wait <= (int)PERIOD);
    /* poll: returns at the timeout or at the next event, whichever is first */
    uint64_t until = mono + (uint64_t)wait;
    if (next_event < until) {
      mono = next_event;
      next_event = mono + test_below(&rng, 200);
    } else {
      mono = until;
    }
    if (test_below(&rng, 500) == 0) { /* the wall clock steps */
      int64_t step = (int64_t)(1 + test_below(&rng, 24)) * HOUR;
      offset += test_below(&rng, 2) ? step : -step;
      steps++;
    }
    if (!ticker_due(&t, mono))
      continue;
    if (ticks) {
      uint64_t gap = mono - last_tick, bound = want && want < last_tick + PERIOD ? want : last_tick + PERIOD;
      stalls += gap > PERIOD;
      early += mono < bound; /* bunched: before both the period and the wake-up */
      late += mono > bound;  /* stalled: after either */
    }
    ticks++;
    last_tick = mono;
    uint64_t wall = mono + (uint64_t)offset, delay = test_below(&rng, 2) ? 50 + test_below(&rng, 900)
                                                                         : 2000 + test_below(&rng, 30000);
    ticker_request(&t, wall + delay, wall, mono);
    want = mono + delay;
  }
  printf("loop: %ld ticks, %ld wall-clock steps\n", ticks, steps);
  CHECK(steps > 100);
  CHECK(ticks > 1000);
  CHECK_EQ(stalls, 0);
  CHECK_EQ(early, 0);
  CHECK_EQ(late, 0);
}

int main(void)
{
  uint64_t seed = test_seed(UINT64_C(0x71c4e7));
  test_basics();
  test_loop(seed);
  return test_done("test_ticker");
}
