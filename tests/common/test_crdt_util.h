/* Helpers for tests that build signed ops. */
#ifndef LINLI_TEST_CRDT_UTIL_H
#define LINLI_TEST_CRDT_UTIL_H

#include "crdt.h"
#include "test.h"

/* A signed op kept with its bytes. */
struct t_op {
  uint8_t bytes[CRDT_OP_MAX_BYTES];
  size_t len;
  struct crdt_op op; /* points into bytes */
};

static inline void t_identity(struct crdt_identity *id, uint8_t fill)
{
  uint8_t seed[CRDT_SEED_BYTES];
  memset(seed, fill, sizeof seed);
  REQUIRE(crdt_identity_from_seed(id, seed) == 0);
}

/* Signs a draft into o; REQUIREs success. */
static inline void t_sign(struct t_op *o, const struct crdt_identity *who, const char *scope,
                          const char *coll, const char *key, uint64_t hlc, enum crdt_kind kind,
                          const uint8_t *body, size_t body_len, const uint8_t *parents,
                          uint32_t n_parents)
{
  struct crdt_draft d = {scope, coll, key, hlc, kind, body, body_len, parents, n_parents};
  int rc = crdt_op_sign(&d, who, o->bytes, sizeof o->bytes, &o->len, &o->op);
  if (rc) {
    fprintf(stderr, "t_sign: %s\n", linli_strerror(rc));
    exit(1);
  }
}

/* Re-points o->op into o->bytes (after copying a t_op by value). */
static inline void t_reopen(struct t_op *o)
{
  REQUIRE(crdt_op_decode(&o->op, o->bytes, o->len) == 0);
}

static inline void t_digest(struct crdt_memview *m, uint8_t out[CRDT_DIGEST_BYTES])
{
  struct crdt_view v = crdt_memview_view(m);
  REQUIRE(crdt_view_digest(&v, NULL, 0, out) == 0);
}

#endif
