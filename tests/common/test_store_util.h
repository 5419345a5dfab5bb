/* Random signed ops for store and node tests. */
#ifndef LINLI_TEST_STORE_UTIL_H
#define LINLI_TEST_STORE_UTIL_H

#include "test_crdt_util.h"

/* A random op of scope `scope`, time around base_ms + [0, spread_ms). */
static inline void t_random_op(struct t_op *o, struct test_rng *r, const struct crdt_identity *who,
                               const char *scope, uint64_t base_ms, uint64_t spread_ms)
{
  uint8_t body[256];
  struct crdt_buf b;
  char key[32];
  crdt_buf_init(&b, body, sizeof body);
  snprintf(key, sizeof key, "r-%06u", (unsigned)test_below(r, 50));
  uint64_t hlc = CRDT_HLC_MAKE(base_ms + test_below(r, spread_ms), test_below(r, 4));
  enum crdt_kind kind;
  switch (test_below(r, 4)) {
  case 0:
    kind = CRDT_SET;
    crdt_w_map(&b, 2);
    crdt_w_cstr(&b, "name");
    crdt_w_cstr(&b, test_below(r, 2) ? "王芳" : "刘伟");
    crdt_w_cstr(&b, "phone");
    crdt_w_uint(&b, 13800000000 + test_below(r, 1000000));
    break;
  case 1:
    kind = CRDT_COUNTER;
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, "rice_kg");
    crdt_w_int(&b, (int64_t)test_below(r, 40) - 20);
    break;
  default:
    kind = CRDT_APPEND;
    crdt_w_map(&b, 3);
    crdt_w_cstr(&b, "cough");
    crdt_w_bool(&b, (int)test_below(r, 2));
    crdt_w_cstr(&b, "n");
    crdt_w_uint(&b, test_rand(r)); /* unique bodies: distinct ops */
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, 360 + test_below(r, 30));
    break;
  }
  REQUIRE(crdt_buf_err(&b) == 0);
  t_sign(o, who, scope, kind == CRDT_APPEND ? "health_check" : "resident", key, hlc, kind, body,
         b.len, NULL, 0);
}

/* A fresh directory under /tmp; removed by t_rmdir. */
static inline void t_tmpdir(char *out, size_t cap, const char *tag)
{
  snprintf(out, cap, "/tmp/linli-%s-XXXXXX", tag);
  REQUIRE(mkdtemp(out) != NULL);
}

static inline void t_rmdir(const char *dir)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "warning: could not remove %s\n", dir);
}

#endif
