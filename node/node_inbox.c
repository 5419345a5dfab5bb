/* The inbox: received OPS and PUSH batched for the verify pool. */
#include <stdlib.h>
#include <string.h>

#include "node_int.h"

static int inbox_launch(struct node *n);

/* Keeps the first ok ops of msg for node_pump. */
int node__inbox_add(struct node *n, struct peer *p, int si, const uint8_t *msg, size_t len,
                    uint32_t ok)
{
  uint8_t *copy = malloc(len);
  if (!copy)
    return LINLI_ENOMEM;
  memcpy(copy, msg, len);
  n->inbox[n->n_inbox++] = (struct inbox_msg){p->id, si, ok, copy, len};
  n->inbox_ops += ok;
  if (n->inbox_ops >= INBOX_OPS || n->n_inbox == INBOX_MSGS)
    node_pump(n);
  return 0;
}

void node__flight_free(struct flight *f)
{
  for (int i = 0; i < f->n_msgs; i++)
    free(f->msgs[i].bytes);
  free(f->raw);
  free(f->lens);
  free(f->dec);
  free(f->verdict);
  free(f);
}

/* Stores a verified batch, one run of (peer, scope) messages at a time.
 * Returns 0 or the last error, which was logged. */
static int flight_commit(struct node *n, struct flight *f)
{
  int err = 0;
  for (int i = 0, j; i < f->n_msgs; i = j) {
    for (j = i + 1; j < f->n_msgs && f->msgs[j].peer == f->msgs[i].peer &&
                    f->msgs[j].si == f->msgs[i].si;
         j++)
      ;
    uint32_t a = f->first[i], b = f->first[j];
    struct peer *p = node__peer_get(n, f->msgs[i].peer, 0);
    int rc = p && b > a ? node__take_opened(n, p, f->msgs[i].si, f->dec + a, f->verdict + a,
                                            b - a, NULL, NULL, NULL)
                        : 0;
    if (rc < 0) {
      /* The peer still has them: the next reconciliation brings them again. */
      node__log(n, LOG_STORE, "ops not stored peer=%u reason=%s", f->msgs[i].peer,
                linli_errname(rc));
      err = rc;
    }
  }
  node__flight_free(f);
  return err;
}

/* Stores the oldest batch in flight, waiting for the pool if need be. */
static int flight_land(struct node *n, int wait)
{
  struct flight *f = n->flights[0];
  if (wait)
    vpool_wait(n->pool, &f->job);
  else if (!vpool_done(n->pool, &f->job))
    return 1;
  n->n_flights--;
  memmove(n->flights, n->flights + 1, (size_t)n->n_flights * sizeof *n->flights);
  return flight_commit(n, f);
}

/* The inbox's messages become a batch for the pool; the inbox is empty
 * after, whatever happens. */
static int inbox_launch(struct node *n)
{
  int err = 0;
  if (n->n_flights == FLIGHTS_MAX)
    err = flight_land(n, 1);
  struct flight *f = calloc(1, sizeof *f);
  uint32_t total = n->inbox_ops, k = 0;
  int rc = f && node__pool(n) ? 0 : LINLI_ENOMEM;
  if (!rc) {
    f->raw = malloc(total * sizeof *f->raw);
    f->lens = malloc(total * sizeof *f->lens);
    f->dec = malloc(total * sizeof *f->dec);
    f->verdict = malloc(total * sizeof *f->verdict);
    if (!f->raw || !f->lens || !f->dec || !f->verdict)
      rc = LINLI_ENOMEM;
  }
  for (int x = 0; x < n->n_inbox; x++) {
    struct net_msg m;
    if (!rc && (rc = net_msg_decode(&m, n->inbox[x].bytes, n->inbox[x].len)) == 0) {
      f->first[x] = k;
      for (uint32_t y = 0; y < n->inbox[x].ok && k < total &&
                           net_msg_next_op(&m, &f->raw[k], &f->lens[k]) == 0;
           y++)
        k++;
    }
    if (f && !rc)
      f->msgs[f->n_msgs++] = n->inbox[x]; /* the flight owns the bytes now */
    else
      free(n->inbox[x].bytes);
  }
  n->n_inbox = 0;
  n->inbox_ops = 0;
  if (rc) {
    node__log(n, LOG_STORE, "ops not stored reason=%s", linli_errname(rc));
    if (f)
      node__flight_free(f);
    return rc;
  }
  f->first[f->n_msgs] = k;
  f->job = (struct vjob){(const uint8_t *const *)f->raw, f->lens, f->dec, f->verdict, k, 0, 0, NULL};
  vpool_submit(n->pool, &f->job);
  n->flights[n->n_flights++] = f;
  return err;
}

/* verify_seeded: a draw from the environment's random source. */
static uint64_t draw(void *arg, uint64_t n)
{
  struct node *nd = arg;
  uint64_t r = 0;
  nd->env.random(nd->env.ctx, &r, sizeof r);
  return n ? r % n : r;
}

int node_pump(struct node *n)
{
  if (n->flushing)
    return n->n_flights;
  n->flushing = 1;
  int err = 0, rc;
  /* A pool without threads gets on with its work now, as much of it as
   * the seed says (a quarter of the time none: the threads were busy). */
  if (n->cfg.verify_seeded && n->n_flights) {
    uint64_t budget = draw(n, 0);
    vpool_step(n->pool, budget % 4 ? (uint32_t)(budget >> 8) % 257 : 0, draw, n);
  }
  while (n->n_flights && (rc = flight_land(n, 0)) != 1)
    err = rc ? rc : err;
  if (n->n_inbox && (rc = inbox_launch(n)))
    err = rc;
  n->flushing = 0;
  return err ? err : n->n_flights;
}

int node_flush(struct node *n)
{
  if (n->flushing || (n->n_inbox == 0 && n->n_flights == 0))
    return 0;
  n->flushing = 1;
  int err = 0, rc;
  if (n->n_inbox && (rc = inbox_launch(n)))
    err = rc;
  while (n->n_flights)
    if ((rc = flight_land(n, 1)))
      err = rc;
  n->flushing = 0;
  return err;
}
