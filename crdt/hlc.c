/* Hybrid logical clock (Kulkarni et al.): 48-bit ms, 16-bit counter. */
#include "crdt.h"

/* The next stamp after `t`: bump the counter, carrying into the ms. The
 * clock saturates at the largest stamp rather than wrap to zero (reachable
 * only through a remote stamp with no drift bound). */
static uint64_t hlc__succ(uint64_t t)
{
  return t == UINT64_MAX ? t : t + 1;
}

uint64_t crdt_hlc_now(struct crdt_clock *c, uint64_t wall_ms)
{
  if (wall_ms > CRDT_HLC_MAX_MS)
    wall_ms = CRDT_HLC_MAX_MS;
  uint64_t phys = CRDT_HLC_MAKE(wall_ms, 0);
  c->last = phys > c->last ? phys : hlc__succ(c->last);
  return c->last;
}

int crdt_hlc_recv(struct crdt_clock *c, uint64_t wall_ms, uint64_t remote)
{
  if (c->max_drift_ms && CRDT_HLC_MS(remote) > wall_ms + c->max_drift_ms)
    return LINLI_ECLOCK;
  if (remote > c->last)
    c->last = remote;
  /* Like a local event, so the next stamp we issue orders after remote. */
  uint64_t phys = CRDT_HLC_MAKE(wall_ms > CRDT_HLC_MAX_MS ? CRDT_HLC_MAX_MS : wall_ms, 0);
  if (phys > c->last)
    c->last = phys;
  return 0;
}
