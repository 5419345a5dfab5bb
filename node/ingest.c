/* Parallel verify, in-order commit. See ingest.h. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

#define INGEST_THREADS_MAX 16

struct ingest_job {
  const uint8_t *const *ops;
  const size_t *lens;
  size_t n, batch, nbatches;
  struct crdt_op *dec; /* n decoded ops */
  int *verdict;        /* n results: 0 ok or an error */
  atomic_size_t next;  /* next batch to verify */
  atomic_int *ready;   /* per batch: verified */
  atomic_int stop;
};

static void verify_batch(struct ingest_job *j, size_t b)
{
  size_t end = (b + 1) * j->batch < j->n ? (b + 1) * j->batch : j->n;
  for (size_t i = b * j->batch; i < end; i++)
    j->verdict[i] = crdt_op_open(&j->dec[i], j->ops[i], j->lens[i]);
  atomic_store_explicit(&j->ready[b], 1, memory_order_release);
}

/* Claims and verifies one batch; 0 when none is left. */
static int verify_one(struct ingest_job *j)
{
  if (atomic_load(&j->stop))
    return 0;
  size_t b = atomic_fetch_add(&j->next, 1);
  if (b >= j->nbatches)
    return 0;
  verify_batch(j, b);
  return 1;
}

static void *worker(void *arg)
{
  while (verify_one(arg))
    ;
  return NULL;
}

static void count_reject(struct ingest_stats *st, int err)
{
  st->rejected++;
  st->by_reason[linli_err_index(err)]++;
}

/* Commits batch b: the verified, accepted ops of it, in one transaction. */
static int commit_batch(struct store *s, struct ingest_job *j, size_t b, struct crdt_op *keep,
                        int *status, ingest_filter_fn filter, void *farg, struct ingest_stats *st)
{
  size_t end = (b + 1) * j->batch < j->n ? (b + 1) * j->batch : j->n, k = 0;
  for (size_t i = b * j->batch; i < end; i++) {
    int v = j->verdict[i];
    if (!v && filter)
      v = filter(farg, &j->dec[i]);
    if (v)
      count_reject(st, v);
    else
      keep[k++] = j->dec[i];
  }
  int rc = store_apply(s, keep, k, status);
  if (rc < 0)
    return rc;
  st->stored += (uint64_t)rc;
  st->duplicate += k - (uint64_t)rc;
  return 0;
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
  memset(&j, 0, sizeof j);
  j.ops = ops;
  j.lens = lens;
  j.n = n;
  j.batch = batch ? batch : 1000;
  j.nbatches = (n + j.batch - 1) / j.batch;
  j.dec = malloc(n * sizeof *j.dec);
  j.verdict = malloc(n * sizeof *j.verdict);
  j.ready = calloc(j.nbatches, sizeof *j.ready);
  struct crdt_op *keep = malloc(j.batch * sizeof *keep);
  int *status = malloc(j.batch * sizeof *status);
  if (!j.dec || !j.verdict || !j.ready || !keep || !status) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  atomic_init(&j.next, 0);
  atomic_init(&j.stop, 0);
  if (threads > INGEST_THREADS_MAX)
    threads = INGEST_THREADS_MAX;
  for (; started < threads; started++)
    if (pthread_create(&tids[started], NULL, worker, &j) != 0)
      break;
  for (size_t b = 0; b < j.nbatches && !rc; b++) {
    /* Wait for batch b, verifying others meanwhile rather than idling. */
    while (!atomic_load_explicit(&j.ready[b], memory_order_acquire))
      if (!verify_one(&j))
        sched_yield();
    rc = commit_batch(s, &j, b, keep, status, filter, filter_arg, stats);
  }
out:
  atomic_store(&j.stop, 1);
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  free(j.dec);
  free(j.verdict);
  free(j.ready);
  free(keep);
  free(status);
  return rc;
}
