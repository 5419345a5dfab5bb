/* Realistic signed ops for benchmarks: a community's daily records. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench_gen.h"

static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Op i of the set: a deterministic function of (seed, i). Mostly health
 * checks and gate checks (log), some resident edits (lww), some stock
 * movements (counter); times spread over span_ms from base_ms, ascending
 * with i plus jitter. */
#define GEN_PEOPLE 3680

/* Which resident op i edits, or -1 when op i is not a resident edit: the
 * same draws gen_one makes, without signing anything. */
static int64_t gen_resident(const struct bench_gen *g, uint64_t i)
{
  uint64_t s = g->seed ^ (i * UINT64_C(0x2545F4914F6CDD1D));
  (void)mix(&s); /* the time */
  uint64_t r = mix(&s) % 100, who = mix(&s) % GEN_PEOPLE;
  return r >= 85 && r < 95 ? (int64_t)who : -1;
}

/* last[who] (32 bytes, or NULL): the id of the previous edit of that
 * resident, which this edit names as its parent, as `linli set` names the
 * value it replaces; the id of this edit is left there for the next. */
static size_t gen_one(const struct bench_gen *g, uint64_t i, uint8_t *out, size_t cap,
                      uint8_t (*last)[CRDT_ID_BYTES + 1])
{
  uint64_t s = g->seed ^ (i * UINT64_C(0x2545F4914F6CDD1D));
  uint8_t body[320];
  char key[24];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  uint64_t ms = g->scatter ? g->base_ms + mix(&s) % (g->span_ms ? g->span_ms : 1)
                           : g->base_ms + (g->n ? (i - g->first) * g->span_ms / g->n : 0) + mix(&s) % 1000;
  enum crdt_kind kind;
  const char *coll;
  uint64_t r = mix(&s) % 100, who = mix(&s) % GEN_PEOPLE;
  snprintf(key, sizeof key, "r-%06u", (unsigned)who);
  if (r < 55) {
    kind = CRDT_APPEND, coll = "health_check";
    crdt_w_map(&b, 5);
    crdt_w_cstr(&b, "checked_by");
    crdt_w_cstr(&b, "vol-0016");
    crdt_w_cstr(&b, "cough");
    crdt_w_bool(&b, mix(&s) % 50 == 0);
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, "2020-03-02");
    crdt_w_cstr(&b, "seq");
    crdt_w_uint(&b, i);
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, 358 + mix(&s) % 30);
  } else if (r < 85) {
    kind = CRDT_APPEND, coll = "gate_check";
    snprintf(key, sizeof key, "gate-%u", (unsigned)(mix(&s) % 6));
    crdt_w_map(&b, 6);
    crdt_w_cstr(&b, "direction");
    crdt_w_cstr(&b, mix(&s) % 2 ? "in" : "out");
    crdt_w_cstr(&b, "person");
    crdt_w_cstr(&b, "r-001234");
    crdt_w_cstr(&b, "purpose");
    crdt_w_cstr(&b, "买菜");
    crdt_w_cstr(&b, "seq");
    crdt_w_uint(&b, i);
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, 358 + mix(&s) % 20);
    crdt_w_cstr(&b, "visitor");
    crdt_w_bool(&b, 0);
  } else if (r < 95) {
    kind = CRDT_SET, coll = "resident";
    crdt_w_map(&b, 3);
    crdt_w_cstr(&b, "household");
    crdt_w_cstr(&b, "3-2-501");
    crdt_w_cstr(&b, "name");
    crdt_w_cstr(&b, "王建国");
    crdt_w_cstr(&b, "phone");
    crdt_w_uint(&b, 13800000000 + mix(&s) % 100000000);
  } else {
    kind = CRDT_COUNTER, coll = "supply_stock";
    snprintf(key, sizeof key, "stock-%u", (unsigned)(mix(&s) % 4));
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, mix(&s) % 2 ? "rice_kg" : "vegetables_kg");
    crdt_w_int(&b, (int64_t)(mix(&s) % 200) - 100);
  }
  struct crdt_draft d = {g->scope, coll, key, CRDT_HLC_MAKE(ms, i & 0xff), kind, body, b.len, NULL, 0};
  uint8_t *prev = kind == CRDT_SET && last ? last[who] : NULL;
  if (prev && prev[CRDT_ID_BYTES])
    d.parents = prev, d.n_parents = 1;
  size_t len = 0;
  struct crdt_op op;
  if (crdt_buf_err(&b) || crdt_op_sign(&d, &g->who, out, cap, &len, &op) != 0)
    abort();
  if (prev) {
    memcpy(prev, op.id, CRDT_ID_BYTES);
    prev[CRDT_ID_BYTES] = 1;
  }
  return len;
}

struct gen_part {
  const struct bench_gen *g;
  struct bench_ops *o;
  size_t from, to;
  int half; /* with chains: 0 or 1, the half of the residents and ops this part makes */
  uint8_t (*last)[CRDT_ID_BYTES + 1];
};

static void *gen_part(void *arg)
{
  struct gen_part *p = arg;
  for (size_t i = p->from; i < p->to; i++) {
    if (p->last) {
      /* Edit chains run in index order: each part walks every index and
       * makes the ops of its residents (and every other op of its parity),
       * so the result does not depend on the threads. */
      int64_t who = gen_resident(p->g, p->g->first + i);
      if ((who >= 0 ? (int)(who & 1) : (int)(i & 1)) != p->half)
        continue;
    }
    p->o->ops[i] = p->o->arena + i * CRDT_OP_MAX_BYTES / 16;
    p->o->lens[i] = gen_one(p->g, p->g->first + i, p->o->ops[i], CRDT_OP_MAX_BYTES / 16, p->last);
  }
  return NULL;
}

int bench_gen_ops(const struct bench_gen *g, size_t count, struct bench_ops *o)
{
  o->n = count;
  o->arena = malloc(count * (CRDT_OP_MAX_BYTES / 16));
  o->ops = malloc(count * sizeof *o->ops);
  o->lens = malloc(count * sizeof *o->lens);
  if (!o->arena || !o->ops || !o->lens)
    return LINLI_ENOMEM;
  struct gen_part parts[2] = {{g, o, 0, count / 2, 0, NULL}, {g, o, count / 2, count, 1, NULL}};
  uint8_t(*last)[CRDT_ID_BYTES + 1] = NULL;
  if (g->chains) {
    if (!(last = calloc(GEN_PEOPLE, sizeof *last)))
      return LINLI_ENOMEM;
    parts[0] = (struct gen_part){g, o, 0, count, 0, last};
    parts[1] = (struct gen_part){g, o, 0, count, 1, last};
  }
  pthread_t t;
  int threaded = pthread_create(&t, NULL, gen_part, &parts[1]) == 0;
  gen_part(&parts[0]);
  if (threaded)
    pthread_join(t, NULL);
  else
    gen_part(&parts[1]);
  free(last);
  return 0;
}

void bench_ops_free(struct bench_ops *o)
{
  free(o->arena);
  free(o->ops);
  free(o->lens);
  memset(o, 0, sizeof *o);
}

double bench_ops_mean_bytes(const struct bench_ops *o)
{
  double t = 0;
  for (size_t i = 0; i < o->n; i++)
    t += (double)o->lens[i];
  return o->n ? t / (double)o->n : 0;
}
