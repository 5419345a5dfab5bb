/* Synthetic community data. Contract: sample.h. Bodies are written with
 * their keys in byte order, as the canonical encoding requires. */
#include <stdio.h>
#include <string.h>

#include "domain.h"

static const char *const sh_names[] = {"石化小区", "石化东村", "石化西村", "临江苑", "青宜居", "化工宿舍", "锦绣园", "建设新村"};
static const char *const cc_names[] = {"船厂小区", "船厂一村", "船厂二村", "江岸苑", "造船宿舍", "和平里"};
static const char *const ch_names[] = {"恒大御园小区", "常宏里一区", "常宏里二区", "新荣苑", "园林路宿舍"};

/* 石化社区: figures from the report. */
const struct sample_community sample_shihua = {"shihua", "石化社区", "SH", 8, 1677, 3680, 9, 13, 16, sh_names};
/* 船厂社区 and 常宏里社区: the report gives no counts; these are made up. */
const struct sample_community sample_chuanchang = {"chuanchang", "船厂社区", "CC", 6, 1240, 2710, 7, 10, 12, cc_names};
const struct sample_community sample_changhongli = {"changhongli", "常宏里社区", "CH", 5, 1510, 3320, 8, 11, 14, ch_names};

void sample_synthetic(struct sample_community *c, int i, char *buf)
{
  snprintf(buf, 64, "c%04d", i);
  *c = (struct sample_community){buf, buf, buf, 4 + i % 5, 600 + 37 * (i % 20), 1400 + 83 * (i % 20),
                                 4 + i % 4, 8, 10, NULL};
}

struct gen {
  const struct crdt_identity *who;
  const struct sample_community *c;
  const struct sample_opts *o;
  struct crdt_clock clock;
  uint64_t rng;
  int (*fn)(void *, const uint8_t *, size_t);
  void *arg;
  int count, err;
};

static uint64_t rnd(struct gen *g)
{
  uint64_t z = (g->rng += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static int below(struct gen *g, int n)
{
  return n > 0 ? (int)(rnd(g) % (uint64_t)n) : 0;
}

/* Signs one op at time ms and hands it on. */
static void emit(struct gen *g, uint64_t ms, const char *coll, const char *key, enum crdt_kind kind,
                 struct crdt_buf *b)
{
  uint8_t out[CRDT_OP_MAX_BYTES];
  size_t len;
  if (g->err)
    return;
  if ((g->err = crdt_buf_err(b)))
    return;
  uint64_t stamp = g->o->stamp_ms ? g->o->stamp_ms : ms;
  struct crdt_draft d = {g->c->scope, coll, key, crdt_hlc_now(&g->clock, stamp), kind, b->p, b->len,
                         NULL, 0};
  uint8_t sealed[CRDT_BODY_MAX_BYTES];
  size_t sl = 0;
  if (g->o->keys && (kind == CRDT_SET || kind == CRDT_APPEND)) {
    int rc = domain_seal(NULL, g->o->keys, g->o->keys_len, g->c->scope, coll, key, b->p, b->len,
                         g->o->random, g->o->random_ctx, sealed, sizeof sealed, &sl);
    if (rc < 0) {
      g->err = rc;
      return;
    }
    if (rc == 1)
      d.body = sealed, d.body_len = sl;
  }
  if ((g->err = crdt_op_sign(&d, g->who, out, sizeof out, &len, NULL)))
    return;
  int rc = g->fn(g->arg, out, len);
  if (rc < 0)
    g->err = rc;
  else
    g->count++;
}

#define BODY_DECL     \
  uint8_t body_[1024]; \
  struct crdt_buf b_
#define BODY(n) (crdt_buf_init(&b_, body_, sizeof body_), crdt_w_map(&b_, n))
#define KS(k, v) (crdt_w_cstr(&b_, k), crdt_w_cstr(&b_, v))
#define KU(k, v) (crdt_w_cstr(&b_, k), crdt_w_uint(&b_, v))
#define KB(k, v) (crdt_w_cstr(&b_, k), crdt_w_bool(&b_, v))

static const char *const family[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "胡", "朱", "高", "林"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国"};

static void compound_code(const struct gen *g, int i, char *out, size_t cap)
{
  snprintf(out, cap, "%s-C%02d", g->c->prefix, i + 1);
}

/* Household h's code: its compound's code, '-' and building-unit-room. */
static void household_key(const struct gen *g, int h, char *out, size_t cap)
{
  char code[32], unit[32];
  compound_code(g, h % g->c->compounds, code, sizeof code);
  snprintf(unit, sizeof unit, "%d-%d-%d%02d", 1 + h / 120 % 20, 1 + h / 40 % 3, 1 + h / 4 % 10,
           1 + h % 4);
  snprintf(out, cap, "%s-%s", code, unit);
}

/* The items of the sample's supply list, and what one delivery (every third
 * day) brings of each. */
struct sample_item {
  const char *key, *name, *unit;
  int price, delivery;
};
static const struct sample_item sample_items[] = {
    {"fish", "免费爱心鱼", "条", 0, 60},          {"pork", "储备肉", "斤", 1500, 200},
    {"rice_kg", "大米", "kg", 0, 500},             {"veg_pack", "十元爱心菜", "份", 1000, 60},
    {"vegetables_kg", "免费爱心菜", "kg", 0, 800},
};

/* One household in 20 of each compound is a hardship household (困难户):
 * household h is in compound h % compounds, the (h / compounds)-th there. */
static int sample_hardship(const struct gen *g, int h)
{
  return h / g->c->compounds % 20 == 3;
}

/* The first resident of household h: the residents are spread as registry()
 * spreads them. */
static int sample_head(const struct gen *g, int h)
{
  int avg = g->c->residents / g->c->households, rem = g->c->residents % g->c->households;
  return h * avg + (h < rem ? h : rem);
}

/* The evidence of the six measures (evidence.c) in the last EVIDENCE_DAYS
 * days: each household's head checked and each hardship household given
 * relief once in six days, and (every day of the sample, and this morning)
 * every compound disinfected and every gate's log written, so a compound
 * marked in place is backed by its records on any date staff declare it. */
#define EVIDENCE_DAYS 14

static void registry(struct gen *g, uint64_t t0)
{
  BODY_DECL;
  char key[96], code[32], name[64], unit[32], head[32], idn[19], grid[32], phone[16];
  BODY(2); /* the community itself: its name and kind */
  KS("kind", "community");
  KS("name", g->c->name);
  emit(g, t0, domain_name(DOM_COMMUNITY), g->c->scope, CRDT_SET, &b_);
  for (int i = 0; i < g->c->compounds; i++) {
    compound_code(g, i, code, sizeof code);
    if (g->c->compound_names)
      snprintf(name, sizeof name, "%s", g->c->compound_names[i]);
    else
      snprintf(name, sizeof name, "%s小区%d", g->c->name, i + 1);
    BODY(2);
    KS("community", g->c->scope);
    KS("name", name);
    emit(g, t0, domain_name(DOM_COMPOUND), code, CRDT_SET, &b_);
    char gate[48]; /* its gate, where the gate checks are logged */
    snprintf(gate, sizeof gate, "%s-gate", code);
    BODY(1);
    crdt_w_cstr(&b_, "gates");
    crdt_w_array(&b_, 1);
    crdt_w_cstr(&b_, gate);
    emit(g, t0, domain_name(DOM_COMPOUND), code, CRDT_ADD, &b_);
    /* Most compounds have all six measures; the last lacks supply. */
    BODY(6);
    KB("closed", 1);
    KB("disinfection", 1);
    KB("mobilisation", 1);
    KB("publicity", 1);
    KB("screening", 1);
    KB("supply", i != g->c->compounds - 1);
    emit(g, t0, domain_name(DOM_MEASURES), code, CRDT_SET, &b_);
  }
  for (int i = 0; i < g->c->grids; i++) {
    snprintf(grid, sizeof grid, "%s-G%d", g->c->prefix, i + 1);
    compound_code(g, i % g->c->compounds, code, sizeof code);
    snprintf(name, sizeof name, "第%d网格", i + 1);
    BODY(2);
    KS("compound", code);
    KS("name", name);
    emit(g, t0, domain_name(DOM_GRID), grid, CRDT_SET, &b_);
  }
  for (int i = 0; i < g->c->volunteers; i++) {
    snprintf(key, sizeof key, "%s-V%02d", g->c->prefix, i + 1);
    snprintf(grid, sizeof grid, "%s-G%d", g->c->prefix, i % g->c->grids + 1);
    snprintf(name, sizeof name, "%s%s", family[below(g, 16)], given[below(g, 20)]);
    BODY(3);
    KS("grid", grid);
    KS("name", name);
    snprintf(phone, sizeof phone, "139%08d", below(g, 99999999));
    KS("phone", phone);
    emit(g, t0, domain_name(DOM_VOLUNTEER), key, CRDT_SET, &b_);
  }
  int r = 0;
  for (int h = 0; h < g->c->households; h++) {
    compound_code(g, h % g->c->compounds, code, sizeof code);
    household_key(g, h, key, sizeof key);
    snprintf(unit, sizeof unit, "%s", key + strlen(code) + 1);
    snprintf(grid, sizeof grid, "%s-G%d", g->c->prefix, h % g->c->grids + 1);
    /* Spread the residents evenly: every household gets the average, the
     * first ones one more, so the totals are exact. */
    int size = g->c->residents / g->c->households + (h < g->c->residents % g->c->households);
    snprintf(head, sizeof head, "r-%s-%05d", g->c->prefix, r + 1);
    BODY(5);
    KS("compound", code);
    KS("grid", grid);
    KB("hardship", sample_hardship(g, h));
    KS("head", head);
    KS("unit", unit);
    emit(g, t0, domain_name(DOM_HOUSEHOLD), key, CRDT_SET, &b_);
    BODY(1);
    crdt_w_cstr(&b_, "members");
    crdt_w_array(&b_, (uint32_t)size);
    for (int m = 0; m < size; m++) {
      char rk[32];
      snprintf(rk, sizeof rk, "r-%s-%05d", g->c->prefix, r + m + 1);
      crdt_w_cstr(&b_, rk);
    }
    emit(g, t0, domain_name(DOM_HOUSEHOLD), key, CRDT_ADD, &b_);
    for (int m = 0; m < size; m++, r++) {
      char rk[32];
      int year = 1935 + below(g, 80);
      snprintf(rk, sizeof rk, "r-%s-%05d", g->c->prefix, r + 1);
      /* unique: the day and the sequence number come from the resident's
       * index (a community of up to 28,000 residents) */
      snprintf(idn, sizeof idn, "420107%04u%02u%02u%03u", (unsigned)year % 10000u,
               1u + (unsigned)below(g, 12) % 12u, 1u + (unsigned)r / 1000u % 28u, (unsigned)r % 1000u);
      idn[17] = dom_id_check(idn);
      idn[18] = 0;
      snprintf(name, sizeof name, "%s%s", family[below(g, 16)], given[below(g, 20)]);
      BODY(5);
      KU("birth_year", (uint64_t)year);
      KS("household", key);
      KS("id_number", idn);
      KS("name", name);
      snprintf(phone, sizeof phone, "13%09d", below(g, 999999999));
      KS("phone", phone);
      emit(g, t0, domain_name(DOM_RESIDENT), rk, CRDT_SET, &b_);
    }
  }
  /* The supply list: the seed's items (free fish and vegetables, ten-yuan
   * vegetable packs, reserve pork) and the staples. */
  for (size_t i = 0; i < sizeof sample_items / sizeof sample_items[0]; i++) {
    const struct sample_item *it = &sample_items[i];
    BODY(it->price ? 4 : 3);
    KB("free", it->price == 0);
    KS("name", it->name);
    if (it->price)
      KU("price_fen", (uint64_t)it->price);
    KS("unit", it->unit);
    emit(g, t0, domain_name(DOM_ITEM), it->key, CRDT_SET, &b_);
  }
}

/* Cases: per compound a few, placed so the figures are interesting: the
 * first compound had a confirmed case released 20 days before the end (it
 * is epidemic-free), the second one released 10 days before (not yet),
 * the third has an open fever case. */
static void cases(struct gen *g, int day, uint64_t t)
{
  BODY_DECL;
  int days = g->o->days;
  char code[32], key[48], start[11], rel[11];
  int64_t end_day = (int64_t)((g->o->end_ms / 1000 + (uint64_t)g->o->utc_offset_s) / 86400);
  struct {
    int compound, start_ago, release_ago;
    const char *cat;
  } plan[] = {{0, 35, 20, "confirmed"}, {1, 30, 10, "confirmed"}, {2, 3, -1, "fever"},
              {1, 25, 12, "close_contact"}, {0, 40, 26, "suspected"}};
  for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
    if (plan[i].compound >= g->c->compounds)
      continue;
    int opens = day == days - plan[i].start_ago;
    int closes = plan[i].release_ago >= 0 && day == days - plan[i].release_ago;
    if (!opens && !closes)
      continue;
    compound_code(g, plan[i].compound, code, sizeof code);
    snprintf(key, sizeof key, "case-%s-%02zu", g->c->prefix, i + 1);
    if (opens) {
      char resident[32];
      rules_days_date(end_day - plan[i].start_ago, start);
      snprintf(resident, sizeof resident, "r-%s-%05d", g->c->prefix,
               1 + (int)(i * 977) % g->c->residents);
      BODY(4);
      KS("category", plan[i].cat);
      KS("compound", code);
      KS("resident", resident);
      KS("start_date", start);
      emit(g, t, domain_name(DOM_CASE), key, CRDT_SET, &b_);
    } else {
      rules_days_date(end_day - plan[i].release_ago, rel);
      BODY(1);
      KS("release_date", rel);
      emit(g, t, domain_name(DOM_CASE), key, CRDT_SET, &b_);
    }
  }
}

static void daily(struct gen *g, int day, uint64_t t)
{
  BODY_DECL;
  char date[11], key[48], person[32];
  rules_ms_date(t, g->o->utc_offset_s, date);
  int watched = g->c->residents * g->o->watch_pct / 100;
  for (int i = 0; i < watched; i++) {
    snprintf(key, sizeof key, "r-%s-%05d", g->c->prefix, 1 + (i * 7 + day) % g->c->residents);
    BODY(3);
    KB("cough", below(g, 200) == 0);
    KS("date", date);
    KU("temp_dc", 360 + (uint64_t)below(g, 12));
    emit(g, t + (uint64_t)i * 1000, domain_name(DOM_HEALTH_CHECK), key, CRDT_APPEND, &b_);
  }
  int gates = 60 + below(g, 60);
  for (int i = 0; i < gates; i++) {
    snprintf(key, sizeof key, "%s-C%02d-gate", g->c->prefix, 1 + below(g, g->c->compounds));
    uint64_t at = t + 3600000u + (uint64_t)i * 20000;
    int visitor = below(g, 30) == 0;
    char when[9], who[64];
    dom_ms_time(at, g->o->utc_offset_s, when);
    snprintf(person, sizeof person, "r-%s-%05d", g->c->prefix, 1 + below(g, g->c->residents));
    snprintf(who, sizeof who, "%s%s", family[below(g, 16)], given[below(g, 20)]);
    const char *purpose = visitor ? "探亲" : below(g, 3) ? "买菜" : "就医";
    uint64_t temp = 360 + (uint64_t)below(g, 10);
    BODY(6); /* keys in byte order: a resident by key, a visitor by name */
    KS("date", date);
    KS("direction", below(g, 2) ? "in" : "out");
    if (!visitor)
      KS("person", person);
    KS("purpose", purpose);
    KU("temp_dc", temp);
    KS("time", when);
    if (visitor)
      KS("visitor", who);
    emit(g, at, domain_name(DOM_GATE_CHECK), key, CRDT_APPEND, &b_);
  }
  /* Screening, the last two weeks: every household's head once in six days
   * (so the seven days to today hold each, today's checks not yet done). */
  for (int h = day % 6; day >= g->o->days - EVIDENCE_DAYS && h < g->c->households; h += 6) {
    snprintf(key, sizeof key, "r-%s-%05d", g->c->prefix, sample_head(g, h) + 1);
    BODY(3);
    KB("cough", 0);
    KS("date", date);
    KU("temp_dc", 362 + (uint64_t)below(g, 8));
    emit(g, t + 600000u + (uint64_t)h * 100, domain_name(DOM_HEALTH_CHECK), key, CRDT_APPEND, &b_);
  }
  /* Each compound's gate logged every day (and more at random below). */
  for (int i = 0; i < g->c->compounds; i++) {
    BODY(6);
    KS("date", date);
    KS("direction", "out");
    snprintf(person, sizeof person, "r-%s-%05d", g->c->prefix, 1 + below(g, g->c->residents));
    KS("person", person);
    KS("purpose", "买菜");
    KU("temp_dc", 363);
    char when[9];
    dom_ms_time(t + 3000000u + (uint64_t)i * 1000, g->o->utc_offset_s, when);
    KS("time", when);
    snprintf(key, sizeof key, "%s-C%02d-gate", g->c->prefix, i + 1);
    emit(g, t + 3000000u + (uint64_t)i * 1000, domain_name(DOM_GATE_CHECK), key, CRDT_APPEND, &b_);
  }
  /* Disinfection: every compound every day, of gates and stairwells (a
   * day missed now and then, before the last two weeks). */
  for (int i = 0; i < g->c->compounds; i++) {
    char code[32];
    if (below(g, 10) == 0 && day < g->o->days - EVIDENCE_DAYS)
      continue;
    compound_code(g, i, code, sizeof code);
    BODY(3);
    KS("area", below(g, 2) ? "卡口、楼道" : "楼道、电梯");
    KS("date", date);
    KS("team", "消杀队");
    emit(g, t + 1800000u + (uint64_t)i * 1000, domain_name(DOM_DISINFECTION), code, CRDT_APPEND,
         &b_);
  }
  /* Supplies: a delivery every third day, hand-outs every day. */
  char stock[32];
  snprintf(stock, sizeof stock, "%s-stock", g->c->prefix);
  if (day % 3 == 0) { /* a delivery: the counters and the receipt */
    char items[160];
    size_t at = 0;
    size_t n = sizeof sample_items / sizeof sample_items[0];
    BODY((uint32_t)n);
    for (size_t i = 0; i < n; i++) {
      crdt_w_cstr(&b_, sample_items[i].key);
      crdt_w_int(&b_, sample_items[i].delivery);
      at += (size_t)snprintf(items + at, sizeof items - at, "%s%s:%d", i ? "," : "",
                             sample_items[i].key, sample_items[i].delivery);
    }
    emit(g, t + 7200000u, domain_name(DOM_STOCK), stock, CRDT_COUNTER, &b_);
    BODY(3);
    KS("date", date);
    KS("items", items);
    KS("source", day % 2 ? "爱心企业捐赠" : "区物资站调拨");
    emit(g, t + 7200000u + 1, domain_name(DOM_RECEIPT), stock, CRDT_APPEND, &b_);
  }
  /* Relief to each hardship household once in six days, the last two weeks. */
  for (int h = 0; day >= g->o->days - EVIDENCE_DAYS && h < g->c->households; h++) {
    if (!sample_hardship(g, h) || h / g->c->compounds / 20 % 6 != day % 6)
      continue;
    household_key(g, h, key, sizeof key);
    BODY(4);
    KS("date", date);
    KS("items", "fish:1,vegetables_kg:5");
    KS("kind", "relief");
    KS("stock", stock);
    emit(g, t + 8000000u + (uint64_t)h * 100, domain_name(DOM_DISTRIBUTION), key, CRDT_APPEND, &b_);
    BODY(2);
    crdt_w_cstr(&b_, "fish"), crdt_w_int(&b_, -1);
    crdt_w_cstr(&b_, "vegetables_kg"), crdt_w_int(&b_, -5);
    emit(g, t + 8000000u + (uint64_t)h * 100 + 1, domain_name(DOM_STOCK), stock, CRDT_COUNTER, &b_);
  }
  /* Hand-outs, each drawn from the stock: relief (free fish and
   * vegetables), delivered group orders (vegetable packs, pork), proxy
   * purchases (medicine, bought outside the stock). */
  int handouts = 5 + below(g, 10);
  for (int i = 0; i < handouts; i++) {
    household_key(g, below(g, g->c->households), key, sizeof key);
    int kind = i % 3;
    BODY(kind == 2 ? 3 : 4);
    KS("date", date);
    KS("items", kind == 0 ? "fish:1,vegetables_kg:5" : kind == 1 ? "pork:3,veg_pack:1" : "药品");
    KS("kind", kind == 0 ? "relief" : kind == 1 ? "group" : "proxy");
    if (kind != 2)
      KS("stock", stock);
    emit(g, t + 9000000u + (uint64_t)i * 60000, domain_name(DOM_DISTRIBUTION), key, CRDT_APPEND, &b_);
    if (kind == 2)
      continue;
    BODY(2); /* keys in byte order */
    if (kind == 0) {
      crdt_w_cstr(&b_, "fish"), crdt_w_int(&b_, -1);
      crdt_w_cstr(&b_, "vegetables_kg"), crdt_w_int(&b_, -5);
    } else {
      crdt_w_cstr(&b_, "pork"), crdt_w_int(&b_, -3);
      crdt_w_cstr(&b_, "veg_pack"), crdt_w_int(&b_, -1);
    }
    emit(g, t + 9000000u + (uint64_t)i * 60000 + 1, domain_name(DOM_STOCK), stock, CRDT_COUNTER, &b_);
  }
}

/* Today's work so far: each compound disinfected and its gate logged, an
 * hour ago (or just after midnight, in the district's zone). */
static void this_morning(struct gen *g)
{
  BODY_DECL;
  char date[11], key[48], code[32], when[9], person[32];
  uint64_t off = (uint64_t)g->o->utc_offset_s * 1000u;
  uint64_t midnight = (g->o->end_ms + off) / 86400000u * 86400000u - off;
  uint64_t at = g->o->end_ms - 3600000u > midnight + 60000u ? g->o->end_ms - 3600000u : midnight + 60000u;
  rules_ms_date(at, g->o->utc_offset_s, date);
  dom_ms_time(at, g->o->utc_offset_s, when);
  for (int i = 0; i < g->c->compounds; i++) {
    compound_code(g, i, code, sizeof code);
    BODY(3);
    KS("area", "卡口、楼道");
    KS("date", date);
    KS("team", "消杀队");
    emit(g, at + (uint64_t)i, domain_name(DOM_DISINFECTION), code, CRDT_APPEND, &b_);
    BODY(6);
    KS("date", date);
    KS("direction", "in");
    snprintf(person, sizeof person, "r-%s-%05d", g->c->prefix, 1 + below(g, g->c->residents));
    KS("person", person);
    KS("purpose", "买菜");
    KU("temp_dc", 364);
    KS("time", when);
    snprintf(key, sizeof key, "%s-gate", code);
    emit(g, at + 1000u + (uint64_t)i, domain_name(DOM_GATE_CHECK), key, CRDT_APPEND, &b_);
  }
}

int sample_generate(const struct crdt_identity *who, const struct sample_community *c,
                    const struct sample_opts *o, int (*fn)(void *, const uint8_t *, size_t),
                    void *arg)
{
  struct gen g = {who, c, o, {0, 0}, o->seed ^ 0x5eed, fn, arg, 0, 0};
  if (o->days < 1 || c->compounds < 1 || c->households < 1 || c->residents < c->households ||
      c->grids < 1 || o->end_ms < (uint64_t)o->days * 86400000u)
    return LINLI_EINVAL;
  uint64_t t0 = o->end_ms - (uint64_t)o->days * 86400000u;
  registry(&g, t0);
  for (int day = 0; day < o->days && !g.err; day++) {
    uint64_t t = t0 + (uint64_t)day * 86400000u + 3600000u;
    cases(&g, day, t);
    daily(&g, day, t);
  }
  if (!g.err)
    this_morning(&g);
  return g.err ? g.err : g.count;
}
