/* Parallel verify, in-order commit. See ingest.h.
 *
 * `threads` verifier threads claim batches in order and decode and verify
 * them into a ring of slots; the calling thread only commits, waiting on a
 * condition variable rather than verifying itself. That keeps as many
 * CPU-bound threads as cores: when the committer blocks in fsync the
 * verifiers have both cores, and when it runs it takes a few milliseconds
 * per batch. The ring bounds memory and reuses the same pages, so a long
 * ingest does not fault in a decoded copy of every op. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

#define INGEST_THREADS_MAX 16

struct slot {
  struct crdt_op *dec; /* batch decoded ops */
  int *verdict;        /* batch results: 0 ok or an error */
  size_t ready;        /* 1 + the batch number verified into it, or 0 */
};

struct ingest_job {
  const uint8_t *const *ops;
  const size_t *lens;
  size_t n, batch, nbatches;
  struct slot *slots;
  size_t nslots;
  pthread_mutex_t mu;
  pthread_cond_t verified; /* a slot became ready */
  pthread_cond_t freed;    /* the committer released a slot, or stop */
  size_t next;             /* next batch to claim */
  size_t committed;        /* batches committed so far */
  int stop;
};

static size_t batch_end(const struct ingest_job *j, size_t b)
{
  return (b + 1) * j->batch < j->n ? (b + 1) * j->batch : j->n;
}

static void verify_batch(struct ingest_job *j, size_t b, struct slot *sl)
{
  size_t first = b * j->batch, end = batch_end(j, b);
  for (size_t i = first; i < end; i++)
    sl->verdict[i - first] = crdt_op_open(&sl->dec[i - first], j->ops[i], j->lens[i]);
}

static void *worker(void *arg)
{
  struct ingest_job *j = arg;
  pthread_mutex_lock(&j->mu);
  for (;;) {
    /* A batch may be claimed once the committer has freed its slot. */
    while (!j->stop && j->next < j->nbatches && j->next >= j->committed + j->nslots)
      pthread_cond_wait(&j->freed, &j->mu);
    if (j->stop || j->next >= j->nbatches)
      break;
    size_t b = j->next++;
    struct slot *sl = &j->slots[b % j->nslots];
    pthread_mutex_unlock(&j->mu);
    verify_batch(j, b, sl);
    pthread_mutex_lock(&j->mu);
    sl->ready = b + 1;
    pthread_cond_broadcast(&j->verified);
  }
  pthread_mutex_unlock(&j->mu);
  return NULL;
}

static void count_reject(struct ingest_stats *st, int err)
{
  st->rejected++;
  st->by_reason[linli_err_index(err)]++;
}

/* Commits batch b from its slot: the accepted ops of it, in one transaction. */
static int commit_batch(struct store *s, struct ingest_job *j, size_t b, const struct slot *sl,
                        struct crdt_op *keep, int *status, ingest_filter_fn filter, void *farg,
                        struct ingest_stats *st)
{
  size_t count = batch_end(j, b) - b * j->batch, k = 0;
  for (size_t i = 0; i < count; i++) {
    int v = sl->verdict[i];
    if (!v && filter)
      v = filter(farg, &sl->dec[i]);
    if (v)
      count_reject(st, v);
    else
      keep[k++] = sl->dec[i];
  }
  int rc = store_apply(s, keep, k, status);
  if (rc < 0)
    return rc;
  st->stored += (uint64_t)rc;
  st->duplicate += k - (uint64_t)rc;
  return 0;
}

static void free_slots(struct slot *slots, size_t n)
{
  for (size_t i = 0; slots && i < n; i++) {
    free(slots[i].dec);
    free(slots[i].verdict);
  }
  free(slots);
}

int ingest_run(struct store *s, const uint8_t *const *ops, const size_t *lens, size_t n,
               size_t batch, int threads, ingest_filter_fn filter, void *filter_arg,
               struct ingest_stats *stats)
{
  struct ingest_job j;
  pthread_t tids[INGEST_THREADS_MAX];
  int started = 0, rc = 0;

  memset(stats, 0, sizeof *stats);
  if (n == 0)
    return 0;
  if (threads < 0)
    threads = 0;
  if (threads > INGEST_THREADS_MAX)
    threads = INGEST_THREADS_MAX;
  memset(&j, 0, sizeof j);
  j.ops = ops;
  j.lens = lens;
  j.n = n;
  j.batch = batch ? batch : 1000;
  j.nbatches = (n + j.batch - 1) / j.batch;
  /* Each verifier working on one batch, as many verified and waiting, and
   * the one being committed. */
  j.nslots = 2 * (size_t)threads + 1;
  if (j.nslots > j.nbatches)
    j.nslots = j.nbatches;
  j.slots = calloc(j.nslots, sizeof *j.slots);
  struct crdt_op *keep = malloc(j.batch * sizeof *keep);
  int *status = malloc(j.batch * sizeof *status);
  int ok = j.slots && keep && status;
  for (size_t i = 0; ok && i < j.nslots; i++) {
    j.slots[i].dec = malloc(j.batch * sizeof *j.slots[i].dec);
    j.slots[i].verdict = malloc(j.batch * sizeof *j.slots[i].verdict);
    ok = j.slots[i].dec && j.slots[i].verdict;
  }
  if (!ok) {
    free_slots(j.slots, j.nslots);
    free(keep);
    free(status);
    return LINLI_ENOMEM;
  }
  pthread_mutex_init(&j.mu, NULL);
  pthread_cond_init(&j.verified, NULL);
  pthread_cond_init(&j.freed, NULL);
  for (; started < threads; started++)
    if (pthread_create(&tids[started], NULL, worker, &j) != 0)
      break;

  for (size_t b = 0; b < j.nbatches && !rc; b++) {
    struct slot *sl = &j.slots[b % j.nslots];
    if (started == 0) {
      verify_batch(&j, b, sl); /* no verifier threads: everything here */
    } else {
      pthread_mutex_lock(&j.mu);
      while (sl->ready != b + 1)
        pthread_cond_wait(&j.verified, &j.mu);
      pthread_mutex_unlock(&j.mu);
    }
    rc = commit_batch(s, &j, b, sl, keep, status, filter, filter_arg, stats);
    pthread_mutex_lock(&j.mu);
    sl->ready = 0;
    j.committed = b + 1;
    pthread_cond_broadcast(&j.freed);
    pthread_mutex_unlock(&j.mu);
  }

  pthread_mutex_lock(&j.mu);
  j.stop = 1;
  pthread_cond_broadcast(&j.freed);
  pthread_mutex_unlock(&j.mu);
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  pthread_cond_destroy(&j.freed);
  pthread_cond_destroy(&j.verified);
  pthread_mutex_destroy(&j.mu);
  free_slots(j.slots, j.nslots);
  free(keep);
  free(status);
  return rc;
}
