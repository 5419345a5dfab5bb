/* Held ops: the "held" sub-database (keyspace in store.h).
 *
 *   'q' seq(8)             why(1) due_ms(8) id(32) author(32) op bytes
 *   'i' id(32)             seq(8)
 *   'a' author(32) seq(8)  empty
 *   'd' due_ms(8) seq(8)   empty
 *   'c'                    count(8) bytes(8) next_seq(8)
 *
 * Every held op has its four keys, written and deleted together inside the
 * caller's write transaction; 'c' counts them (bytes: of the ops alone).
 * seq grows with each hold, so the first 'q' key is the oldest op and is
 * the first dropped when a hold needs room. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define HELD_HEAD (1 + 8 + CRDT_ID_BYTES + CRDT_PK_BYTES) /* value before the op */
#define HELD_KEY_MAX (1 + CRDT_PK_BYTES + 8)

struct held_count {
  uint64_t n, bytes, next_seq;
};

static int count_get(struct store *s, MDB_txn *txn, struct held_count *c)
{
  MDB_val key = {1, "c"}, val;
  int rc = mdb_get(txn, s->held, &key, &val);
  memset(c, 0, sizeof *c);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return store__err(rc);
  if (val.mv_size != 24)
    return LINLI_ECORRUPT;
  const uint8_t *p = val.mv_data;
  c->n = store__get_be64(p);
  c->bytes = store__get_be64(p + 8);
  c->next_seq = store__get_be64(p + 16);
  return 0;
}

static int count_put(struct store *s, MDB_txn *txn, const struct held_count *c)
{
  uint8_t b[24];
  store__be64(b, c->n);
  store__be64(b + 8, c->bytes);
  store__be64(b + 16, c->next_seq);
  MDB_val key = {1, "c"}, val = {sizeof b, b};
  return store__err(mdb_put(txn, s->held, &key, &val, 0));
}

static size_t key_q(uint8_t *k, uint64_t seq)
{
  k[0] = 'q';
  store__be64(k + 1, seq);
  return 9;
}

static size_t key_i(uint8_t *k, const uint8_t *id)
{
  k[0] = 'i';
  memcpy(k + 1, id, CRDT_ID_BYTES);
  return 1 + CRDT_ID_BYTES;
}

static size_t key_a(uint8_t *k, const uint8_t *author, uint64_t seq)
{
  k[0] = 'a';
  memcpy(k + 1, author, CRDT_PK_BYTES);
  store__be64(k + 1 + CRDT_PK_BYTES, seq);
  return 1 + CRDT_PK_BYTES + 8;
}

static size_t key_d(uint8_t *k, uint64_t due, uint64_t seq)
{
  k[0] = 'd';
  store__be64(k + 1, due);
  store__be64(k + 9, seq);
  return 17;
}

static int del_key(struct store *s, MDB_txn *txn, const uint8_t *k, size_t kl)
{
  MDB_val key = {kl, (void *)k};
  int rc = mdb_del(txn, s->held, &key, NULL);
  return rc == MDB_NOTFOUND ? LINLI_ECORRUPT : store__err(rc); /* an index without its op */
}

/* Deletes the op held as seq (its 'q' value in q, which the delete ends). */
static int del_seq(struct store *s, MDB_txn *txn, uint64_t seq, const MDB_val *q,
                   struct held_count *c)
{
  uint8_t k[HELD_KEY_MAX], id[CRDT_ID_BYTES], author[CRDT_PK_BYTES];
  if (q->mv_size < HELD_HEAD)
    return LINLI_ECORRUPT;
  const uint8_t *v = q->mv_data;
  uint64_t due = store__get_be64(v + 1), len = q->mv_size - HELD_HEAD;
  memcpy(id, v + 9, CRDT_ID_BYTES);
  memcpy(author, v + 9 + CRDT_ID_BYTES, CRDT_PK_BYTES);
  int rc;
  if ((rc = del_key(s, txn, k, key_q(k, seq))) || (rc = del_key(s, txn, k, key_i(k, id))) ||
      (rc = del_key(s, txn, k, key_a(k, author, seq))) ||
      (rc = del_key(s, txn, k, key_d(k, due, seq))))
    return rc;
  if (c->n == 0 || c->bytes < len)
    return LINLI_ECORRUPT;
  c->n--;
  c->bytes -= len;
  return 0;
}

/* Drops the oldest held op. */
static int drop_oldest(struct store *s, MDB_txn *txn, struct held_count *c)
{
  MDB_cursor *cur;
  uint8_t k[9] = {'q'};
  MDB_val key = {1, k}, val;
  int rc = mdb_cursor_open(txn, s->held, &cur);
  if (rc)
    return store__err(rc);
  rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
  if (rc == 0 && (key.mv_size != 9 || ((uint8_t *)key.mv_data)[0] != 'q'))
    rc = MDB_NOTFOUND;
  uint64_t seq = rc == 0 ? store__get_be64((uint8_t *)key.mv_data + 1) : 0;
  MDB_val q = val;
  mdb_cursor_close(cur);
  if (rc)
    return rc == MDB_NOTFOUND ? LINLI_ECORRUPT : store__err(rc); /* counted, not there */
  return del_seq(s, txn, seq, &q, c);
}

int store__held_add(struct store *s, MDB_txn *txn, const struct store_hold *h, uint32_t max,
                    uint64_t bytes_max, size_t *evicted)
{
  const struct crdt_op *op = h->op;
  uint8_t k[HELD_KEY_MAX], sb[8];
  MDB_val key = {key_i(k, op->id), k}, val;
  int rc = mdb_get(txn, s->held, &key, &val);
  if (rc == 0)
    return 0; /* held already: it keeps its place and due time */
  if (rc != MDB_NOTFOUND)
    return store__err(rc);
  if (op->raw_len > bytes_max || max == 0)
    return 0; /* it could never fit: refused, as if dropped at once */
  struct held_count c;
  if ((rc = count_get(s, txn, &c)))
    return rc;
  while (c.n && (c.n + 1 > max || c.bytes + op->raw_len > bytes_max)) {
    if ((rc = drop_oldest(s, txn, &c)))
      return rc;
    (*evicted)++;
  }
  uint64_t seq = c.next_seq++;
  store__be64(sb, seq);
  val = (MDB_val){8, sb};
  if ((rc = mdb_put(txn, s->held, &key, &val, 0)))
    return store__err(rc);
  MDB_val empty = {0, NULL};
  key = (MDB_val){key_a(k, op->author, seq), k};
  if ((rc = mdb_put(txn, s->held, &key, &empty, 0)))
    return store__err(rc);
  key = (MDB_val){key_d(k, h->due_ms, seq), k};
  if ((rc = mdb_put(txn, s->held, &key, &empty, 0)))
    return store__err(rc);
  /* The op's value: reserved, then filled (no copy through a buffer). */
  key = (MDB_val){key_q(k, seq), k};
  val = (MDB_val){HELD_HEAD + op->raw_len, NULL};
  if ((rc = mdb_put(txn, s->held, &key, &val, MDB_RESERVE)))
    return store__err(rc);
  uint8_t *v = val.mv_data;
  v[0] = (uint8_t)h->why;
  store__be64(v + 1, h->due_ms);
  memcpy(v + 9, op->id, CRDT_ID_BYTES);
  memcpy(v + 9 + CRDT_ID_BYTES, op->author, CRDT_PK_BYTES);
  memcpy(v + HELD_HEAD, op->raw, op->raw_len);
  c.n++;
  c.bytes += op->raw_len;
  return count_put(s, txn, &c);
}

int store__held_del(struct store *s, MDB_txn *txn, const uint8_t id[CRDT_ID_BYTES])
{
  uint8_t k[HELD_KEY_MAX];
  MDB_val key = {key_i(k, id), k}, val;
  int rc = mdb_get(txn, s->held, &key, &val);
  if (rc == MDB_NOTFOUND)
    return 0; /* not held (any more) */
  if (rc)
    return store__err(rc);
  if (val.mv_size != 8)
    return LINLI_ECORRUPT;
  uint64_t seq = store__get_be64(val.mv_data);
  MDB_val qk = {key_q(k, seq), k}, q;
  if ((rc = mdb_get(txn, s->held, &qk, &q)))
    return rc == MDB_NOTFOUND ? LINLI_ECORRUPT : store__err(rc);
  struct held_count c;
  if ((rc = count_get(s, txn, &c)) || (rc = del_seq(s, txn, seq, &q, &c)))
    return rc;
  return count_put(s, txn, &c);
}

/* ---- reads ---- */

struct each_arg {
  const uint8_t *author;
  uint64_t due_max;
  int (*fn)(void *, const struct store_held *);
  void *arg;
};

/* Hands the op held as seq (its 'q' value in val) to the caller's fn. */
static int show(struct each_arg *a, uint64_t seq, const MDB_val *val)
{
  if (val->mv_size < HELD_HEAD)
    return LINLI_ECORRUPT;
  const uint8_t *v = val->mv_data;
  struct store_held h = {seq,           v[0],       store__get_be64(v + 1), v + 9,
                         v + 9 + CRDT_ID_BYTES, v + HELD_HEAD, val->mv_size - HELD_HEAD};
  return a->fn(a->arg, &h);
}

/* Walks the keys with prefix pre (pl bytes) in order; each key's last 8
 * bytes are a seq. With due: only while the key's due (bytes 1..8) <= max.
 * The 'q' keys hold the op; the others lead to it. */
static int walk(struct store *s, MDB_txn *txn, const uint8_t *pre, size_t pl, int due,
                struct each_arg *a)
{
  MDB_cursor *cur;
  MDB_val key = {pl, (void *)pre}, val;
  int rc = mdb_cursor_open(txn, s->held, &cur), stop = 0;
  if (rc)
    return store__err(rc);
  for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0 && !stop;
       rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
    const uint8_t *kp = key.mv_data;
    if (key.mv_size < pl + 8 || memcmp(kp, pre, pl) != 0)
      break;
    if (due && store__get_be64(kp + 1) > a->due_max)
      break;
    uint64_t seq = store__get_be64(kp + key.mv_size - 8);
    if (pre[0] != 'q') {
      uint8_t k[9];
      MDB_val qk = {key_q(k, seq), k};
      int grc = mdb_get(txn, s->held, &qk, &val);
      if (grc) {
        stop = grc == MDB_NOTFOUND ? LINLI_ECORRUPT : store__err(grc);
        break;
      }
    }
    stop = show(a, seq, &val);
  }
  mdb_cursor_close(cur);
  if (stop)
    return stop < 0 ? stop : 0;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

static int each_txn(struct store *s, MDB_txn *txn, void *arg)
{
  struct each_arg *a = arg;
  uint8_t pre[1 + CRDT_PK_BYTES];
  if (!s->has_held)
    return 0;
  if (a->author) {
    pre[0] = 'a';
    memcpy(pre + 1, a->author, CRDT_PK_BYTES);
    return walk(s, txn, pre, sizeof pre, 0, a);
  }
  pre[0] = a->due_max == UINT64_MAX ? 'q' : 'd';
  return walk(s, txn, pre, 1, pre[0] == 'd', a);
}

int store_held_each(struct store *s, const uint8_t *author, uint64_t due_ms_max,
                    int (*fn)(void *arg, const struct store_held *h), void *arg)
{
  struct each_arg a = {author, due_ms_max, fn, arg};
  return store__read(s, each_txn, &a);
}

static int stats_txn(struct store *s, MDB_txn *txn, void *arg)
{
  uint64_t *out = arg;
  struct held_count c = {0, 0, 0};
  out[2] = UINT64_MAX;
  if (!s->has_held)
    return 0;
  int rc = count_get(s, txn, &c);
  if (rc)
    return rc;
  out[0] = c.n;
  out[1] = c.bytes;
  MDB_cursor *cur;
  MDB_val key = {1, "d"}, val;
  if ((rc = mdb_cursor_open(txn, s->held, &cur)))
    return store__err(rc);
  rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
  if (rc == 0 && key.mv_size == 17 && ((uint8_t *)key.mv_data)[0] == 'd')
    out[2] = store__get_be64((uint8_t *)key.mv_data + 1);
  mdb_cursor_close(cur);
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int store_held_stats(struct store *s, uint64_t *count, uint64_t *bytes, uint64_t *next_due_ms)
{
  uint64_t v[3] = {0, 0, UINT64_MAX};
  int rc = store__read(s, stats_txn, v);
  if (count)
    *count = v[0];
  if (bytes)
    *bytes = v[1];
  if (next_due_ms)
    *next_due_ms = v[2];
  return rc;
}

static int has_txn(struct store *s, MDB_txn *txn, void *arg)
{
  uint8_t k[1 + CRDT_ID_BYTES];
  if (!s->has_held)
    return 0;
  MDB_val key = {key_i(k, arg), k}, val;
  int rc = mdb_get(txn, s->held, &key, &val);
  return rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : store__err(rc);
}

int store_held_has(struct store *s, const uint8_t id[CRDT_ID_BYTES])
{
  return store__read(s, has_txn, (void *)id);
}
