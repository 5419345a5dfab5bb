/* The event queue: a binary min-heap ordered by (time, sequence number).
 * The sequence number is assigned at push, so events due at the same
 * virtual time run in the order they were scheduled. */
#include <stdlib.h>

#include "sim_int.h"

static int ev_less(const struct sim_ev *a, const struct sim_ev *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

int sim__push(struct sim *s, const struct sim_ev *e)
{
  if (s->n_heap == s->cap_heap) {
    size_t cap = s->cap_heap ? s->cap_heap * 2 : 1024;
    struct sim_ev *h = realloc(s->heap, cap * sizeof *h);
    if (!h)
      return LINLI_ENOMEM;
    s->heap = h;
    s->cap_heap = cap;
  }
  struct sim_ev x = *e;
  x.seq = s->seq++;
  if (x.at < s->now)
    x.at = s->now;
  size_t i = s->n_heap++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!ev_less(&x, &s->heap[p]))
      break;
    s->heap[i] = s->heap[p];
    i = p;
  }
  s->heap[i] = x;
  return 0;
}

int sim__pop(struct sim *s, struct sim_ev *e)
{
  if (!s->n_heap)
    return 0;
  *e = s->heap[0];
  struct sim_ev last = s->heap[--s->n_heap];
  size_t i = 0, n = s->n_heap;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && ev_less(&s->heap[c + 1], &s->heap[c]))
      c++;
    if (!ev_less(&s->heap[c], &last))
      break;
    s->heap[i] = s->heap[c];
    i = c;
  }
  if (n)
    s->heap[i] = last;
  return 1;
}

void sim__queue_release(struct sim *s)
{
  for (size_t i = 0; i < s->n_heap; i++)
    free(s->heap[i].buf);
  free(s->heap);
  s->heap = NULL;
  s->n_heap = s->cap_heap = 0;
}
