/* ingest: verify ops in parallel with storing them.
 *
 * Ed25519 verification is the ceiling of ingest, so bulk paths (a bundle
 * import, a first sync) decode and verify each op exactly once on worker
 * threads while the calling thread commits verified batches in order.
 * Results do not depend on thread timing: each op's verdict is a pure
 * function of its bytes, and batches commit in input order. With threads
 * = 0 everything runs on the calling thread (the simulator does this). */
#ifndef LINLI_INGEST_H
#define LINLI_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct ingest_stats {
  uint64_t stored;    /* new ops committed */
  uint64_t duplicate; /* already there */
  uint64_t rejected;  /* failed decode or verify; counted per reason below */
  uint64_t by_reason[LINLI_ERR_SLOTS]; /* by linli_err_index() */
};

/* An optional filter run on each decoded, verified op before it is stored
 * (authorisation, schema): 0 keeps it, an error rejects it with that reason.
 * It runs on the committing thread, in input order. */
typedef int (*ingest_filter_fn)(void *arg, const struct crdt_op *op);

/* Verifies and stores ops[i] (raw signed op bytes, lens[i]) for i < n, in
 * committed batches of `batch` ops (0: 1,000). Returns 0 or an error from
 * the store (bad ops are counted, not errors); everything committed before
 * an error stays committed. */
int ingest_run(struct store *s, const uint8_t *const *ops, const size_t *lens, size_t n,
               size_t batch, int threads, ingest_filter_fn filter, void *filter_arg,
               struct ingest_stats *stats);

#endif
