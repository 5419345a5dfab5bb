/* fuzz_control: the control protocol's codec (node/daemon/control.h) on any
 * bytes. Input: one byte that picks the side (even: a request, as linlid
 * decodes it; odd: a reply, as linli decodes it, the byte's upper bits
 * picking which reply and how many entries it should hold), then the
 * message. The message is an exact-size copy, so a read past it is caught.
 *
 * Checked, for a request:
 * - a refusal leaves a non-empty reason and no entries (nothing to apply);
 * - an accepted request holds only what the protocol allows (entries within
 *   CONTROL_BATCH_MAX, names that are NUL-free strings, kinds in range,
 *   parents a whole number of ids, ops of 1 to CRDT_OP_MAX_BYTES pointing
 *   inside the message);
 * - written back with the client's encoders it decodes to the same request,
 *   and, since the reader takes canonical msgpack only, every form the
 *   client writes (all but the single "write" and "import") comes back
 *   byte for byte.
 * For a reply: the head and each body decoder either refuse (LINLI_EPROTO)
 * or give values in their stated ranges. */
#include <string.h>

#include "control.h"
#include "fuzz.h"

#define FC_MAX_ENTRIES 4096 /* replies: the n a caller expects, at most */

static uint8_t out_[(1u << 20) + 4096]; /* the replay reads at most 1 MiB */

static void fc_valid(const struct control_req *q, const uint8_t *msg, size_t len)
{
  FUZZ_ASSERT(q->n <= CONTROL_BATCH_MAX);
  if (q->single)
    FUZZ_ASSERT(q->n == 1 && !q->has_request);
  if (q->verb == CONTROL_REQUEST)
    FUZZ_ASSERT(q->has_request);
  if (q->verb == CONTROL_DIGEST && q->scope)
    FUZZ_ASSERT(q->scope == q->scope_buf && crdt_check_scope(q->scope, strlen(q->scope)) == 0);
  for (size_t i = 0; i < q->n; i++) {
    if (q->verb == CONTROL_IMPORT) {
      FUZZ_ASSERT(q->lens[i] >= 1 && q->lens[i] <= CRDT_OP_MAX_BYTES);
      FUZZ_ASSERT(q->ops[i] >= msg && q->ops[i] + q->lens[i] <= msg + len);
      continue;
    }
    const struct node_change *c = &q->changes[i];
    FUZZ_ASSERT(q->verb == CONTROL_WRITE);
    FUZZ_ASSERT(c->collection == q->names[i].coll && c->key == q->names[i].key);
    FUZZ_ASSERT(!c->scope || (c->scope == q->names[i].scope &&
                              crdt_check_scope(c->scope, strlen(c->scope)) == 0));
    FUZZ_ASSERT((unsigned)c->kind < CRDT_KIND_COUNT && c->body_len <= CRDT_BODY_MAX_BYTES);
    FUZZ_ASSERT(c->n_parents <= CRDT_PARENTS_MAX && (c->n_parents == 0) == (c->parents == NULL));
    FUZZ_ASSERT(c->body >= msg && c->body + c->body_len <= msg + len);
  }
}

/* The request written back as the client writes it; its length. */
static size_t fc_render(const struct control_req *q)
{
  static const char *const bare[] = {"status", "limits", "stop"};
  struct crdt_buf b;
  crdt_buf_init(&b, out_, sizeof out_);
  const uint8_t *request = q->has_request ? q->request : NULL;
  switch (q->verb) {
  case CONTROL_STATUS:
  case CONTROL_LIMITS:
  case CONTROL_STOP:
    control_enc_verb(&b, bare[q->verb - CONTROL_STATUS]);
    break;
  case CONTROL_DIGEST:
    control_enc_digest(&b, q->scope);
    break;
  case CONTROL_WRITE:
    control_enc_writes(&b, request, q->changes, q->n);
    break;
  case CONTROL_IMPORT:
    control_enc_imports(&b, request, (const uint8_t *const *)q->ops, q->lens, q->n);
    break;
  case CONTROL_REQUEST:
    control_enc_request(&b, q->request);
    break;
  case CONTROL_RELOAD:
    control_enc_verb(&b, "reload");
    break;
  case CONTROL_COMPARE:
    control_enc_verb(&b, "compare");
    break;
  case CONTROL_SYNC:
    control_enc_verb(&b, "sync");
    break;
  }
  FUZZ_ASSERT(crdt_buf_err(&b) == 0);
  return b.len;
}

static void fc_same(const struct control_req *a, const struct control_req *b)
{
  FUZZ_ASSERT(a->verb == b->verb && a->n == b->n && a->has_request == b->has_request);
  if (a->has_request)
    FUZZ_ASSERT(!memcmp(a->request, b->request, NODE_REQUEST_BYTES));
  FUZZ_ASSERT(!a->scope == !b->scope && (!a->scope || !strcmp(a->scope, b->scope)));
  for (size_t i = 0; i < a->n; i++) {
    if (a->verb == CONTROL_IMPORT) {
      FUZZ_ASSERT(a->lens[i] == b->lens[i] && !memcmp(a->ops[i], b->ops[i], a->lens[i]));
      continue;
    }
    const struct node_change *x = &a->changes[i], *y = &b->changes[i];
    FUZZ_ASSERT(!x->scope == !y->scope && (!x->scope || !strcmp(x->scope, y->scope)));
    FUZZ_ASSERT(!strcmp(x->collection, y->collection) && !strcmp(x->key, y->key));
    FUZZ_ASSERT(x->kind == y->kind && x->body_len == y->body_len &&
                !memcmp(x->body, y->body, x->body_len) && x->n_parents == y->n_parents);
    if (x->n_parents)
      FUZZ_ASSERT(!memcmp(x->parents, y->parents, (size_t)x->n_parents * CRDT_ID_BYTES));
  }
}

static void fc_request(const uint8_t *msg, size_t len)
{
  static struct control_req q, again;
  char why[256], why2[256];
  int rc = control_req_decode(&q, msg, len, why, sizeof why);
  if (rc) {
    FUZZ_ASSERT(rc < 0 && why[0] && q.n == 0 && !q.names && !q.changes && !q.ops);
    return;
  }
  FUZZ_ASSERT(why[0] == 0);
  fc_valid(&q, msg, len);
  size_t n = fc_render(&q);
  rc = control_req_decode(&again, out_, n, why2, sizeof why2);
  if (rc)
    fprintf(stderr, "re-decode: %s\n", why2);
  FUZZ_ASSERT(rc == 0);
  fc_same(&q, &again);
  if (!q.single)
    FUZZ_ASSERT(n == len && !memcmp(out_, msg, len));
  control_req_free(&again);
  control_req_free(&q);
}

static void fc_reply(uint8_t pick, const uint8_t *msg, size_t len)
{
  static int what[FC_MAX_ENTRIES];
  static uint8_t ids[FC_MAX_ENTRIES][CRDT_ID_BYTES];
  struct crdt_mp r;
  uint32_t count;
  int code;
  size_t index;
  char m[128];
  size_t want = (size_t)(pick >> 3) * 17 % FC_MAX_ENTRIES;
  int rc = control_reply_open(&r, msg, len, &count, &code, m, (pick & 4) ? sizeof m : 0, &index);
  if (rc) {
    FUZZ_ASSERT(rc == LINLI_EPROTO);
    return;
  }
  FUZZ_ASSERT(code <= 0 && count >= 1);
  if (code) {
    FUZZ_ASSERT(count == 2 || count == 3);
    FUZZ_ASSERT(index == SIZE_MAX || (count == 3 && index <= CONTROL_BATCH_MAX));
    if (pick & 4)
      FUZZ_ASSERT(memchr(m, 0, sizeof m) != NULL);
    return;
  }
  switch ((pick >> 1) & 1 ? 2 : (pick >> 6) & 1) {
  case 0:
    rc = control_reply_writes(&r, count, want, (pick & 32) ? ids : NULL);
    FUZZ_ASSERT(rc == 0 || rc == LINLI_EPROTO);
    break;
  case 1: {
    int stored = -1;
    rc = control_reply_imports(&r, count, want, what, &stored);
    FUZZ_ASSERT(rc == LINLI_EPROTO || (stored >= 0 && (size_t)stored <= want));
    for (size_t i = 0; rc == 0 && i < want; i++)
      FUZZ_ASSERT(what[i] <= 1 && what[i] >= -100000);
    break;
  }
  default: {
    int committed = -1;
    uint64_t ops, added;
    uint8_t first[CRDT_ID_BYTES];
    rc = control_reply_request(&r, count, &committed, &ops, &added, first);
    FUZZ_ASSERT(rc == LINLI_EPROTO || committed == 0 || committed == 1);
    break;
  }
  }
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct fuzz_in in = {data, size};
  uint8_t pick = fuzz_u8(&in);
  uint8_t *msg = malloc(in.n ? in.n : 1);
  FUZZ_ASSERT(msg);
  if (in.n)
    memcpy(msg, in.p, in.n);
  if (pick & 1)
    fc_reply(pick, msg, in.n);
  else
    fc_request(msg, in.n);
  free(msg);
  return 0;
}
