/* Realistic signed ops for benchmarks: a community's daily records. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bench_gen.h"
#include "domain.h"

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

/* A community key file for sealed mixes, and nonces drawn from the op's
 * index, so that the same index makes the same op. */
static const uint8_t gen_keys[] =
    "linli-community-keys-v1\n"
    "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n";

static void gen_nonces(void *ctx, void *buf, size_t len)
{
  uint8_t seed[randombytes_SEEDBYTES] = {0x5e};
  memcpy(seed + 1, ctx, sizeof(uint64_t));
  randombytes_buf_deterministic(buf, len, seed);
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
    crdt_w_map(&b, 5);
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
  } else if (r < 95) {
    kind = CRDT_SET, coll = "resident";
    crdt_w_map(&b, 3);
    crdt_w_cstr(&b, "household");
    crdt_w_cstr(&b, "3-2-501");
    crdt_w_cstr(&b, "name");
    crdt_w_cstr(&b, "王建国");
    crdt_w_cstr(&b, "phone"); /* as the table types it: text of digits */
    char phone[16];
    snprintf(phone, sizeof phone, "1%010llu", (unsigned long long)(3800000000u + mix(&s) % 100000000));
    crdt_w_cstr(&b, phone);
  } else {
    kind = CRDT_COUNTER, coll = "supply_stock";
    snprintf(key, sizeof key, "stock-%u", (unsigned)(mix(&s) % 4));
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, mix(&s) % 2 ? "rice_kg" : "vegetables_kg");
    crdt_w_int(&b, (int64_t)(mix(&s) % 200) - 100);
  }
  struct crdt_draft d = {g->scope, coll, key, CRDT_HLC_MAKE(ms, i & 0xff), kind, body, b.len, NULL, 0};
  uint8_t sealed[CRDT_BODY_MAX_BYTES];
  size_t sl = 0;
  if (g->sealed && kind == CRDT_SET && !crdt_buf_err(&b)) {
    if (domain_seal(NULL, gen_keys, sizeof gen_keys - 1, g->scope, coll, key, body, b.len,
                    gen_nonces, &i, sealed, sizeof sealed, &sl) != 1)
      abort();
    d.body = sealed, d.body_len = sl;
  }
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

/* ---- the district (bench_gen.h) ---- */

void bench_district_scope(int i, char out[8])
{
  snprintf(out, 8, "d%02d", i % 100);
}

static void district_prefix(int i, char out[8])
{
  snprintf(out, 8, "D%02d", i % 100);
}

void bench_district_sizes(int i, struct bench_district_sizes *out)
{
  out->compounds = 4 + i % 5;
  out->households = 600 + 37 * (i % 20);
  out->residents = 1400 + 83 * (i % 20);
}

/* Cases as sample.c plans them: compound, days before the last day it
 * opens and is released (-1: still open), category. */
static const struct {
  int compound, start_ago, release_ago;
  const char *cat;
} dplan[5] = {{0, 35, 20, "confirmed"}, {1, 30, 10, "confirmed"}, {2, 3, -1, "fever"},
              {1, 25, 12, "close_contact"}, {0, 40, 26, "suspected"}};
#define DCASE_OPS 9 /* five opened, four released */

static int district_has_cases(int i)
{
  return i % 4 != 3;
}

int bench_district_init(struct bench_district *d)
{
  if (d->scopes < 1 || d->scopes > BENCH_DISTRICT_MAX || d->days < 1 ||
      d->days > BENCH_DISTRICT_DAYS_MAX || d->end_day < d->days + 41)
    return LINLI_EINVAL;
  d->reg[0] = 0;
  for (int i = 0; i < d->scopes; i++) {
    struct bench_district_sizes z;
    uint8_t seed[CRDT_SEED_BYTES];
    bench_district_sizes(i, &z);
    d->reg[i + 1] = d->reg[i] + 2u * (unsigned)z.compounds + 2u * (unsigned)z.households +
                    (unsigned)z.residents + 1 + (district_has_cases(i) ? DCASE_OPS : 0);
    memset(seed, 0x60 + i, sizeof seed);
    crdt_identity_from_seed(&d->who[i], seed);
  }
  if (d->n < 2 * d->reg[d->scopes])
    return LINLI_EINVAL;
  for (int k = 0; k < d->days; k++)
    rules_days_date(d->end_day - d->days + 1 + k, d->dates[k]);
  return 0;
}

static uint64_t day_ms(const struct bench_district *d, int64_t day)
{
  return (uint64_t)((day * 86400 - d->utc_offset_s) * 1000);
}

enum { DEV_HEALTH, DEV_GATE, DEV_DIST, DEV_STOCK };

struct dev {
  int scope, type, day; /* day: index from the first day */
  uint64_t ms;
  uint64_t a, b;        /* health: resident; gate: gate, person; dist: household; stock: delta */
  unsigned temp, flag;  /* flag: cough, visitor; dist: kind 0 relief 1 group 2 proxy */
  unsigned c;           /* gate: direction + 2 purpose; stock: field */
};

static void draw_event(const struct bench_district *d, uint64_t i, struct dev *e)
{
  uint64_t reg = d->reg[d->scopes], j = i - reg, events = d->n - reg;
  uint64_t s = d->seed ^ (i * UINT64_C(0x2545F4914F6CDD1D));
  uint64_t span = (uint64_t)d->days * 86400000u - 1000;
  struct bench_district_sizes z;
  e->scope = (int)(j % (uint64_t)d->scopes);
  bench_district_sizes(e->scope, &z);
  uint64_t t0 = day_ms(d, d->end_day - d->days + 1);
  e->ms = t0 + j * span / events + mix(&s) % 1000;
  e->day = (int)((e->ms - t0) / 86400000u);
  uint64_t r = mix(&s) % 100;
  e->type = r < 60 ? DEV_HEALTH : r < 93 ? DEV_GATE : r < 98 ? DEV_DIST : DEV_STOCK;
  e->flag = e->c = e->temp = 0;
  switch (e->type) {
  case DEV_HEALTH:
    e->a = mix(&s) % (uint64_t)z.residents;
    e->temp = mix(&s) % 100 == 0 ? 373 + (unsigned)(mix(&s) % 15) : 360 + (unsigned)(mix(&s) % 12);
    e->flag = mix(&s) % 200 == 0;
    break;
  case DEV_GATE:
    e->a = mix(&s) % (uint64_t)z.compounds;
    e->b = mix(&s) % (uint64_t)z.residents;
    e->temp = mix(&s) % 500 == 0 ? 375 + (unsigned)(mix(&s) % 10) : 360 + (unsigned)(mix(&s) % 10);
    e->flag = mix(&s) % 30 == 0;
    e->c = (unsigned)(mix(&s) % 6);
    break;
  case DEV_DIST:
    e->a = mix(&s) % (uint64_t)z.households;
    e->flag = (unsigned)(mix(&s) % 3);
    break;
  default:
    e->c = (unsigned)(mix(&s) % 2);
    e->b = 1 + mix(&s) % 20;
  }
}

int bench_district_count(const struct bench_district *d, struct bench_district_day *out)
{
  memset(out, 0, (size_t)d->scopes * (size_t)d->days * sizeof *out);
  for (uint64_t i = d->reg[d->scopes]; i < d->n; i++) {
    struct dev e;
    draw_event(d, i, &e);
    if (e.day < 0 || e.day >= d->days)
      return LINLI_EINVAL;
    struct bench_district_day *o = &out[(size_t)e.scope * (size_t)d->days + (size_t)e.day];
    switch (e.type) {
    case DEV_HEALTH:
      o->health++, o->fevers += e.temp >= 373, o->coughs += e.flag;
      break;
    case DEV_GATE:
      o->gate++, o->gate_fevers += e.temp >= 373, o->visitors += e.flag;
      break;
    case DEV_DIST:
      o->relief += e.flag == 0, o->group += e.flag == 1, o->proxy += e.flag == 2;
      break;
    default:
      o->stock++;
    }
  }
  return 0;
}

static void household_key(const char *pre, int k, int compounds, char *out, size_t cap)
{
  snprintf(out, cap, "%s-C%02d-%04d", pre, k % compounds + 1, k);
}

static const char *const dnames[] = {"王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "黄勇", "赵丽"};

/* Register op k of community sc. */
static size_t district_reg(const struct bench_district *d, int sc, uint64_t k, uint8_t *out,
                           size_t cap)
{
  struct bench_district_sizes z;
  bench_district_sizes(sc, &z);
  char scope[8], pre[8], key[64], code[32], rk[32];
  bench_district_scope(sc, scope);
  district_prefix(sc, pre);
  uint8_t body[400];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  uint64_t c = (uint64_t)z.compounds, h = (uint64_t)z.households, r = (uint64_t)z.residents;
  uint64_t ms = day_ms(d, d->end_day - d->days + 1) - 3600000u + k;
  const char *coll;
  enum crdt_kind kind = CRDT_SET;
  if (k < c) {
    coll = "compound";
    snprintf(key, sizeof key, "%s-C%02u", pre, (unsigned)k + 1);
    snprintf(code, sizeof code, "%s小区%u", pre, (unsigned)k + 1);
    crdt_w_map(&b, 2);
    crdt_w_cstr(&b, "community");
    crdt_w_cstr(&b, scope);
    crdt_w_cstr(&b, "name");
    crdt_w_cstr(&b, code);
  } else if (k < 2 * c) {
    coll = "measures";
    snprintf(key, sizeof key, "%s-C%02u", pre, (unsigned)(k - c) + 1);
    static const char *const m[6] = {"closed", "disinfection", "mobilisation", "publicity",
                                      "screening", "supply"};
    crdt_w_map(&b, 6);
    for (int i = 0; i < 6; i++) {
      crdt_w_cstr(&b, m[i]);
      crdt_w_bool(&b, i < 5 || k - c != c - 1 || sc % 2);
    }
  } else if (k < 2 * c + h) {
    int hk = (int)(k - 2 * c);
    coll = "household";
    household_key(pre, hk, z.compounds, key, sizeof key);
    snprintf(code, sizeof code, "%s-C%02d", pre, hk % z.compounds + 1);
    crdt_w_map(&b, 5);
    crdt_w_cstr(&b, "compound");
    crdt_w_cstr(&b, code);
    crdt_w_cstr(&b, "grid");
    snprintf(code, sizeof code, "%s-G%d", pre, hk % 6 + 1);
    crdt_w_cstr(&b, code);
    crdt_w_cstr(&b, "hardship");
    crdt_w_bool(&b, hk % 20 == 0);
    crdt_w_cstr(&b, "head");
    snprintf(rk, sizeof rk, "r-%s-%05d", pre, (int)(((uint64_t)hk * r + h - 1) / h) + 1);
    crdt_w_cstr(&b, rk);
    crdt_w_cstr(&b, "unit");
    snprintf(code, sizeof code, "%d-%d-%d%02d", 1 + hk / 120 % 20, 1 + hk / 40 % 3,
             1 + hk / 4 % 10, 1 + hk % 4);
    crdt_w_cstr(&b, code);
  } else if (k < 2 * c + 2 * h) {
    uint64_t hk = k - 2 * c - h, lo = (hk * r + h - 1) / h, hi = ((hk + 1) * r + h - 1) / h;
    coll = "household";
    kind = CRDT_ADD;
    household_key(pre, (int)hk, z.compounds, key, sizeof key);
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, "members");
    crdt_w_array(&b, (uint32_t)(hi - lo));
    for (uint64_t j = lo; j < hi; j++) {
      snprintf(rk, sizeof rk, "r-%s-%05u", pre, (unsigned)j + 1);
      crdt_w_cstr(&b, rk);
    }
  } else if (k < 2 * c + 2 * h + r) {
    uint64_t j = k - 2 * c - 2 * h;
    coll = "resident";
    snprintf(key, sizeof key, "r-%s-%05u", pre, (unsigned)j + 1);
    crdt_w_map(&b, 4);
    crdt_w_cstr(&b, "birth_year");
    crdt_w_uint(&b, 1935 + j * 7 % 80);
    crdt_w_cstr(&b, "household");
    household_key(pre, (int)(j * h / r), z.compounds, code, sizeof code);
    crdt_w_cstr(&b, code);
    crdt_w_cstr(&b, "name");
    crdt_w_cstr(&b, dnames[j % 8]);
    crdt_w_cstr(&b, "phone");
    crdt_w_uint(&b, 13000000000u + j * 7919 % 999999999);
  } else if (k == 2 * c + 2 * h + r) {
    coll = "supply_stock";
    kind = CRDT_COUNTER;
    snprintf(key, sizeof key, "%s-stock", pre);
    crdt_w_map(&b, 2);
    crdt_w_cstr(&b, "rice_kg");
    crdt_w_int(&b, 5000);
    crdt_w_cstr(&b, "vegetables_kg");
    crdt_w_int(&b, 8000);
  } else {
    /* cases: five opened, then the four released */
    int q = (int)(k - (2 * c + 2 * h + r + 1)), opening = q < 5, p = q;
    if (!opening)
      for (p = 0, q -= 5; p < 5; p++)
        if (dplan[p].release_ago >= 0 && q-- == 0)
          break;
    int ago = opening ? dplan[p].start_ago : dplan[p].release_ago;
    char date[11];
    rules_days_date(d->end_day - ago, date);
    ms = day_ms(d, d->end_day - ago) + 9 * 3600000u + k;
    coll = "case_status";
    snprintf(key, sizeof key, "case-%s-%02d", pre, p + 1);
    if (opening) {
      snprintf(code, sizeof code, "%s-C%02d", pre, dplan[p].compound + 1);
      snprintf(rk, sizeof rk, "r-%s-%05d", pre, 1 + p * 977 % z.residents);
      crdt_w_map(&b, 4);
      crdt_w_cstr(&b, "category");
      crdt_w_cstr(&b, dplan[p].cat);
      crdt_w_cstr(&b, "compound");
      crdt_w_cstr(&b, code);
      crdt_w_cstr(&b, "resident");
      crdt_w_cstr(&b, rk);
      crdt_w_cstr(&b, "start_date");
      crdt_w_cstr(&b, date);
    } else {
      crdt_w_map(&b, 1);
      crdt_w_cstr(&b, "release_date");
      crdt_w_cstr(&b, date);
    }
  }
  struct crdt_draft dr = {scope, coll, key, CRDT_HLC_MAKE(ms, k & 0xffff), kind, body, b.len, NULL, 0};
  size_t len = 0;
  if (crdt_buf_err(&b) || crdt_op_sign(&dr, &d->who[sc], out, cap, &len, NULL) != 0)
    abort();
  return len;
}

static size_t district_event(const struct bench_district *d, uint64_t i, uint8_t *out, size_t cap)
{
  struct dev e;
  draw_event(d, i, &e);
  struct bench_district_sizes z;
  bench_district_sizes(e.scope, &z);
  char scope[8], pre[8], key[64], v[32];
  bench_district_scope(e.scope, scope);
  district_prefix(e.scope, pre);
  uint8_t body[400];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  const char *coll, *date = d->dates[e.day];
  enum crdt_kind kind = CRDT_APPEND;
  switch (e.type) {
  case DEV_HEALTH:
    coll = "health_check";
    snprintf(key, sizeof key, "r-%s-%05u", pre, (unsigned)e.a + 1);
    snprintf(v, sizeof v, "%s-V%02u", pre, (unsigned)(e.a % 12) + 1);
    crdt_w_map(&b, 4);
    crdt_w_cstr(&b, "checked_by");
    crdt_w_cstr(&b, v);
    crdt_w_cstr(&b, "cough");
    crdt_w_bool(&b, (int)e.flag);
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, date);
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, e.temp);
    break;
  case DEV_GATE:
    coll = "gate_check";
    snprintf(key, sizeof key, "%s-C%02u-gate", pre, (unsigned)e.a + 1);
    snprintf(v, sizeof v, "r-%s-%05u", pre, (unsigned)e.b + 1);
    crdt_w_map(&b, 6);
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, date);
    crdt_w_cstr(&b, "direction");
    crdt_w_cstr(&b, e.c % 2 ? "in" : "out");
    crdt_w_cstr(&b, "person");
    crdt_w_cstr(&b, v);
    crdt_w_cstr(&b, "purpose");
    crdt_w_cstr(&b, e.c / 2 ? "买菜" : "就医");
    crdt_w_cstr(&b, "temp_dc");
    crdt_w_uint(&b, e.temp);
    crdt_w_cstr(&b, "visitor");
    crdt_w_bool(&b, (int)e.flag);
    break;
  case DEV_DIST:
    coll = "distribution";
    household_key(pre, (int)e.a, z.compounds, key, sizeof key);
    crdt_w_map(&b, 3);
    crdt_w_cstr(&b, "date");
    crdt_w_cstr(&b, date);
    crdt_w_cstr(&b, "items");
    crdt_w_cstr(&b, e.flag == 2 ? "药品" : "蔬菜包");
    crdt_w_cstr(&b, "kind");
    crdt_w_cstr(&b, e.flag == 0 ? "relief" : e.flag == 1 ? "group" : "proxy");
    break;
  default:
    coll = "supply_stock";
    kind = CRDT_COUNTER;
    snprintf(key, sizeof key, "%s-stock", pre);
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, e.c ? "rice_kg" : "vegetables_kg");
    crdt_w_int(&b, -(int64_t)e.b);
  }
  struct crdt_draft dr = {scope, coll, key, CRDT_HLC_MAKE(e.ms, i & 0xffff), kind, body, b.len, NULL, 0};
  size_t len = 0;
  if (crdt_buf_err(&b) || crdt_op_sign(&dr, &d->who[e.scope], out, cap, &len, NULL) != 0)
    abort();
  return len;
}

struct district_part {
  const struct bench_district *d;
  struct bench_ops *o;
  uint64_t first;
  size_t from, to;
};

static void *district_part(void *arg)
{
  struct district_part *p = arg;
  const struct bench_district *d = p->d;
  for (size_t x = p->from; x < p->to; x++) {
    uint64_t i = p->first + x;
    uint8_t *out = p->o->arena + x * (CRDT_OP_MAX_BYTES / 16);
    p->o->ops[x] = out;
    if (i < d->reg[d->scopes]) {
      int sc = 0;
      while (i >= d->reg[sc + 1])
        sc++;
      p->o->lens[x] = district_reg(d, sc, i - d->reg[sc], out, CRDT_OP_MAX_BYTES / 16);
    } else {
      p->o->lens[x] = district_event(d, i, out, CRDT_OP_MAX_BYTES / 16);
    }
  }
  return NULL;
}

int bench_district_ops(const struct bench_district *d, uint64_t first, size_t count,
                       struct bench_ops *o)
{
  if (first + count > d->n)
    return LINLI_EINVAL;
  o->n = count;
  o->arena = malloc(count * (CRDT_OP_MAX_BYTES / 16));
  o->ops = malloc(count * sizeof *o->ops);
  o->lens = malloc(count * sizeof *o->lens);
  if (!o->arena || !o->ops || !o->lens) {
    bench_ops_free(o);
    return LINLI_ENOMEM;
  }
  struct district_part parts[2] = {{d, o, first, 0, count / 2}, {d, o, first, count / 2, count}};
  pthread_t t;
  int threaded = pthread_create(&t, NULL, district_part, &parts[1]) == 0;
  district_part(&parts[0]);
  if (threaded)
    pthread_join(t, NULL);
  else
    district_part(&parts[1]);
  return 0;
}
