/* Parallel verify, in-order commit. See ingest.h.
 *
 * The verify pool (vpool.h) decodes and verifies batches queued in a ring
 * of slots; the calling thread only commits, each batch in order, and
 * queues the batch that reuses the slot. That keeps as many CPU-bound
 * threads as cores: when the committer blocks in fsync the verifiers have
 * both cores, and when it runs it takes a few milliseconds per batch. The
 * ring bounds memory and reuses the same pages, so a long ingest does not
 * fault in a decoded copy of every op. */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "vpool.h"

struct slot {
  struct crdt_op *dec; /* batch decoded ops */
  int *verdict;        /* batch results: 0 ok or an error */
  struct vjob job;
};

struct ingest_job {
  const uint8_t *const *ops;
  const size_t *lens;
  size_t n, batch, nbatches;
  struct slot *slots;
  size_t nslots;
  struct vpool *pool; /* NULL: verify on the calling thread */
};

static size_t batch_end(const struct ingest_job *j, size_t b)
{
  return (b + 1) * j->batch < j->n ? (b + 1) * j->batch : j->n;
}

/* Queues batch b in its slot (or verifies it here, without a pool). */
static void queue_batch(struct ingest_job *j, size_t b)
{
  struct slot *sl = &j->slots[b % j->nslots];
  size_t first = b * j->batch;
  sl->job = (struct vjob){j->ops + first, j->lens + first, sl->dec, sl->verdict,
                          (uint32_t)(batch_end(j, b) - first), 0, 0, NULL};
  if (j->pool) {
    vpool_submit(j->pool, &sl->job);
    return;
  }
  for (uint32_t i = 0; i < sl->job.n; i++)
    sl->verdict[i] = crdt_op_open(&sl->dec[i], sl->job.raw[i], sl->job.lens[i]);
}

static void count_reject(struct ingest_stats *st, int err)
{
  st->rejected++;
  st->by_reason[linli_err_index(err)]++;
}

/* Commits a verified batch from its slot: the accepted ops of it, in one
 * transaction. */
static int commit_batch(struct store *s, const struct slot *sl, struct crdt_op *keep,
                        int *status, ingest_filter_fn filter, void *farg, struct ingest_stats *st)
{
  size_t k = 0;
  for (size_t i = 0; i < sl->job.n; i++) {
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
  int rc = 0;

  memset(stats, 0, sizeof *stats);
  if (n == 0)
    return 0;
  if (threads < 0)
    threads = 0;
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
  int ok = j.slots && keep && status && (threads == 0 || vpool_new(&j.pool, threads) == 0);
  for (size_t i = 0; ok && i < j.nslots; i++) {
    j.slots[i].dec = malloc(j.batch * sizeof *j.slots[i].dec);
    j.slots[i].verdict = malloc(j.batch * sizeof *j.slots[i].verdict);
    ok = j.slots[i].dec && j.slots[i].verdict;
  }
  if (!ok) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  for (size_t b = 0; b < j.nslots; b++)
    queue_batch(&j, b);
  for (size_t b = 0; b < j.nbatches && !rc; b++) {
    struct slot *sl = &j.slots[b % j.nslots];
    if (j.pool)
      vpool_wait(j.pool, &sl->job);
    rc = commit_batch(s, sl, keep, status, filter, filter_arg, stats);
    if (!rc && b + j.nslots < j.nbatches)
      queue_batch(&j, b + j.nslots);
  }
out:
  vpool_free(j.pool); /* after an error: finishes what is queued, at most the ring */
  free_slots(j.slots, j.nslots);
  free(keep);
  free(status);
  return rc;
}
