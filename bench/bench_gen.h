#ifndef LINLI_BENCH_GEN_H
#define LINLI_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crdt.h"

struct bench_gen {
  struct crdt_identity who;
  const char *scope;
  uint64_t seed;
  uint64_t base_ms, span_ms; /* ops spread over [base, base + span) */
  uint64_t n;                /* the size of the whole set the times spread over */
  uint64_t first;            /* index of the first op to make (ops differ by index) */
  int scatter;               /* 1: times uniform over the span, not ascending */
  int chains;                /* 1: each resident edit names the previous edit of that
                                resident as its parent, as `linli set` does (ops made in
                                one call); 0: edits are concurrent and pile up as conflicts */
};

/* count signed ops, each in a slot of CRDT_OP_MAX_BYTES/16 (512) bytes. */
struct bench_ops {
  uint8_t *arena;
  uint8_t **ops;
  size_t *lens;
  size_t n;
};

int bench_gen_ops(const struct bench_gen *g, size_t count, struct bench_ops *o);
void bench_ops_free(struct bench_ops *o);
double bench_ops_mean_bytes(const struct bench_ops *o);

#endif
