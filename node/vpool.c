/* Background verification of received ops. See vpool.h. */
#include <pthread.h>
#include <stdlib.h>

#include "vpool.h"

#define VPOOL_THREADS_MAX 16
#define VPOOL_CHUNK 32 /* ops per claim: about 1.5 ms of work */

struct vpool {
  pthread_mutex_t mu;
  pthread_cond_t work; /* a job was queued, or stop */
  pthread_cond_t done; /* a job finished */
  struct vjob *head, *tail; /* jobs with ops left to claim */
  int stop, n_threads;
  pthread_t tid[VPOOL_THREADS_MAX];
};

/* Claims a chunk of the k-th queued job (0: the oldest); mu held. NULL if
 * there is none. */
static struct vjob *claim_at(struct vpool *p, uint64_t k, uint32_t *from, uint32_t *to)
{
  struct vjob *prev = NULL, *j = p->head;
  for (; j && k; k--)
    prev = j, j = j->queue_next;
  if (!j)
    return NULL;
  *from = j->next;
  *to = j->n - j->next < VPOOL_CHUNK ? j->n : j->next + VPOOL_CHUNK;
  j->next = *to;
  if (j->next == j->n) { /* all of it claimed: off the queue */
    if (prev)
      prev->queue_next = j->queue_next;
    else
      p->head = j->queue_next;
    if (p->tail == j)
      p->tail = prev;
  }
  return j;
}

static struct vjob *claim(struct vpool *p, uint32_t *from, uint32_t *to)
{
  return claim_at(p, 0, from, to);
}

/* Verifies [from, to) of j without the lock, then reports it; mu held on
 * entry and on return. */
static void run_chunk(struct vpool *p, struct vjob *j, uint32_t from, uint32_t to)
{
  pthread_mutex_unlock(&p->mu);
  for (uint32_t i = from; i < to; i++)
    j->verdict[i] = crdt_op_open(&j->dec[i], j->raw[i], j->lens[i]);
  pthread_mutex_lock(&p->mu);
  j->done += to - from;
  if (j->done == j->n)
    pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
  struct vpool *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    uint32_t from, to;
    struct vjob *j = claim(p, &from, &to);
    if (j) {
      run_chunk(p, j, from, to);
      continue;
    }
    if (p->stop)
      break;
    pthread_cond_wait(&p->work, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

int vpool_new(struct vpool **out, int threads)
{
  struct vpool *p = calloc(1, sizeof *p);
  *out = NULL;
  if (!p)
    return LINLI_ENOMEM;
  if (threads < 0)
    threads = 0;
  if (threads > VPOOL_THREADS_MAX)
    threads = VPOOL_THREADS_MAX;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work, NULL);
  pthread_cond_init(&p->done, NULL);
  for (; p->n_threads < threads; p->n_threads++)
    if (pthread_create(&p->tid[p->n_threads], NULL, worker, p) != 0)
      break;
  /* No thread at all is still a working pool: vpool_wait verifies. */
  *out = p;
  return 0;
}

void vpool_free(struct vpool *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  uint32_t from, to;
  struct vjob *j;
  while (!p->n_threads && (j = claim(p, &from, &to)))
    run_chunk(p, j, from, to); /* no thread to finish them */
  p->stop = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_threads; i++)
    pthread_join(p->tid[i], NULL);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->work);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

void vpool_submit(struct vpool *p, struct vjob *j)
{
  j->next = j->done = 0;
  j->queue_next = NULL;
  if (j->n == 0)
    return;
  pthread_mutex_lock(&p->mu);
  if (p->tail)
    p->tail->queue_next = j;
  else
    p->head = j;
  p->tail = j;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
}

int vpool_done(struct vpool *p, struct vjob *j)
{
  pthread_mutex_lock(&p->mu);
  int done = j->done == j->n;
  pthread_mutex_unlock(&p->mu);
  return done;
}

void vpool_wait(struct vpool *p, struct vjob *j)
{
  pthread_mutex_lock(&p->mu);
  while (j->done < j->n) {
    uint32_t from, to;
    /* With threads of its own the pool has the cores; verifying here too
     * would only make them take turns. Without, this thread does it all. */
    struct vjob *c = p->n_threads ? NULL : claim(p, &from, &to);
    if (c)
      run_chunk(p, c, from, to);
    else
      pthread_cond_wait(&p->done, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
}

uint32_t vpool_step(struct vpool *p, uint32_t max_ops, uint64_t (*pick)(void *arg, uint64_t n),
                    void *arg)
{
  uint32_t done = 0, from = 0, to = 0;
  pthread_mutex_lock(&p->mu);
  while (done < max_ops && p->head) {
    uint64_t n = 0;
    for (struct vjob *q = p->head; q; q = q->queue_next)
      n++;
    struct vjob *j = claim_at(p, pick ? pick(arg, n) % n : 0, &from, &to);
    if (!j)
      break;
    run_chunk(p, j, from, to);
    done += to - from;
  }
  pthread_mutex_unlock(&p->mu);
  return done;
}
