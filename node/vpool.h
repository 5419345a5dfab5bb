/* vpool: threads that decode and verify received ops in the background.
 *
 * linlid hands each batch of received ops to the pool and goes back to its
 * sockets; it commits the batch when the pool is done with it, while the
 * pool verifies the next one. Work is claimed in small chunks, so a thread
 * that the scheduler holds back (ZeroMQ's I/O threads, a committing thread)
 * never leaves the others waiting for its half of a batch. Each verdict is
 * crdt_op_open's, a pure function of the op's bytes: results do not depend
 * on which thread computed them or when. */
#ifndef LINLI_VPOOL_H
#define LINLI_VPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

struct vpool;

/* One batch: ops raw[i] (lens[i] bytes), i < n, opened into dec[i] with
 * verdict[i] (0 or crdt_op_open's error). The caller owns every array and
 * keeps them until vpool_wait() returned or vpool_done() said 1. */
struct vjob {
  const uint8_t *const *raw;
  const size_t *lens;
  struct crdt_op *dec;
  int *verdict;
  uint32_t n;
  /* the pool's */
  uint32_t next, done;
  struct vjob *queue_next;
};

/* A pool of `threads` threads (0 .. 16). A pool of 0 threads verifies only
 * when asked: in vpool_wait, vpool_step and vpool_free, on the calling
 * thread (the simulator's, so that a seeded run decides when each batch is
 * done). */
int vpool_new(struct vpool **out, int threads);
/* Waits for the jobs submitted, then stops the threads. NULL is fine. */
void vpool_free(struct vpool *p);
/* Queues a job (after the jobs already queued). */
void vpool_submit(struct vpool *p, struct vjob *j);
/* 1 when every op of j has its verdict, without waiting. */
int vpool_done(struct vpool *p, struct vjob *j);
/* Waits until every op of j has its verdict (verifying on the calling
 * thread only if the pool has no thread). */
void vpool_wait(struct vpool *p, struct vjob *j);
/* Verifies on the calling thread, chunk by chunk, until max_ops ops are done
 * or nothing is left; each chunk comes from the queued job pick(arg, n)
 * chooses among the n that have ops left (0 .. n-1; pick NULL: the oldest).
 * Returns the number of ops verified. For a pool of 0 threads: a seeded
 * pick and max_ops make the completion order of the jobs the seed's. */
uint32_t vpool_step(struct vpool *p, uint32_t max_ops, uint64_t (*pick)(void *arg, uint64_t n),
                    void *arg);

#endif
