/* fuzz_msg: net_msg_decode and the net_msg_next_* iterators on arbitrary
 * bytes. A message the decoder accepts iterates without error, and written
 * again with the net_*_write functions gives back the exact input. */
#include <string.h>

#include "fuzz.h"

/* Walks the list part; returns the re-encoded length in out. */
static size_t msg_rewrite(struct net_msg *m, uint8_t *out, size_t cap)
{
  struct crdt_buf b;
  uint32_t n = m->n;
  int rc = 0;
  crdt_buf_init(&b, out, cap);
  switch (m->type) {
  case NET_HELLO: {
    struct crdt_str *s = calloc(n ? n : 1, sizeof *s);
    FUZZ_ASSERT(s);
    for (uint32_t i = 0; i < n; i++)
      FUZZ_ASSERT(net_msg_next_scope(m, &s[i]) == 0);
    FUZZ_ASSERT(net_msg_next_scope(m, &s[0]) == LINLI_ENOTFOUND);
    rc = net_hello_write(&b, m->version, m->nonce, s, n);
    free(s);
    break;
  }
  case NET_RECON: {
    struct net_range *rg = calloc(n ? n : 1, sizeof *rg);
    FUZZ_ASSERT(rg);
    for (uint32_t i = 0; i < n; i++) {
      FUZZ_ASSERT(net_msg_next_range(m, &rg[i]) == 0);
      FUZZ_ASSERT(rg[i].upper.len <= NET_ID_BYTES);
      FUZZ_ASSERT(rg[i].upper.len == 0 || rg[i].upper.id[rg[i].upper.len - 1] != 0);
      if (i > 0)
        FUZZ_ASSERT(net_bound_cmp(&rg[i - 1].upper, &rg[i].upper) < 0);
    }
    FUZZ_ASSERT(net_msg_next_range(m, &rg[0]) == LINLI_ENOTFOUND);
    rc = net_recon_write_more(&b, m->scope.p, m->scope.len, rg, n, m->more);
    free(rg);
    break;
  }
  case NET_WANT:
    FUZZ_ASSERT(n > 0 && n <= NET_IDS_MAX);
    rc = net_want_write(&b, m->scope.p, m->scope.len, m->ids, n);
    break;
  case NET_OPS:
  case NET_PUSH: {
    const uint8_t **ops = calloc(n ? n : 1, sizeof *ops);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    FUZZ_ASSERT(ops && lens);
    for (uint32_t i = 0; i < n; i++) {
      FUZZ_ASSERT(net_msg_next_op(m, &ops[i], &lens[i]) == 0);
      FUZZ_ASSERT(lens[i] >= 1 && lens[i] <= CRDT_OP_MAX_BYTES);
    }
    FUZZ_ASSERT(net_msg_next_op(m, &ops[0], &lens[0]) == LINLI_ENOTFOUND);
    rc = net_ops_write(&b, m->type, m->scope.p, m->scope.len, ops, lens, n);
    free(ops);
    free(lens);
    break;
  }
  case NET_ERROR: {
    /* The writer takes a C string: text with a NUL cannot be written again. */
    if (memchr(m->text.p, 0, m->text.len))
      return 0;
    char text[NET_ERROR_TEXT_MAX + 1];
    memcpy(text, m->text.p, m->text.len);
    text[m->text.len] = 0;
    FUZZ_ASSERT(m->err < 0);
    rc = net_error_write(&b, m->err, text);
    break;
  }
  }
  FUZZ_ASSERT(rc == 0);
  return b.len;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct net_msg m;
  enum net_msg_type type;
  fuzz_init();
  int trc = net_msg_type(data, size, &type);
  int rc = net_msg_decode(&m, data, size);
  if (rc) {
    static const struct net_msg zero;
    FUZZ_ASSERT(rc < 0 && memcmp(&m, &zero, sizeof m) == 0);
    return 0;
  }
  FUZZ_ASSERT(trc == 0 && type == m.type);
  if (m.type != NET_HELLO && m.type != NET_ERROR)
    FUZZ_ASSERT(crdt_check_scope(m.scope.p, m.scope.len) == 0);
  /* Iterators of another type find nothing. */
  struct net_msg other = m;
  struct crdt_str s;
  struct net_range rg;
  const uint8_t *op;
  size_t ol;
  if (m.type != NET_HELLO)
    FUZZ_ASSERT(net_msg_next_scope(&other, &s) == LINLI_ENOTFOUND);
  if (m.type != NET_RECON)
    FUZZ_ASSERT(net_msg_next_range(&other, &rg) == LINLI_ENOTFOUND);
  if (m.type != NET_OPS && m.type != NET_PUSH)
    FUZZ_ASSERT(net_msg_next_op(&other, &op, &ol) == LINLI_ENOTFOUND);

  size_t cap = size + 64;
  uint8_t *out = malloc(cap);
  FUZZ_ASSERT(out);
  size_t len = msg_rewrite(&m, out, cap);
  if (len)
    FUZZ_ASSERT(len == size && memcmp(out, data, size) == 0);
  free(out);
  return 0;
}
