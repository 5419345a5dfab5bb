/* The city report's store for linli-bench report (bench_gen.h "a city"):
 * the district hubs' certificates and daily summaries, signed, in a city
 * node's store, and the city report over them (domain.h dom_city_read). */
#include <stdlib.h>
#include <string.h>

#include "bench_gen.h"
#include "domain.h"
#include "store.h"
#include "trust.h"

#define CITY_BATCH 1000

struct cb {
  struct store *s;
  struct crdt_clock clock;
  uint8_t *arena; /* CITY_BATCH ops */
  struct crdt_op ops[CITY_BATCH];
  size_t n;
  uint64_t stored;
};

static int cb_flush(struct cb *b)
{
  if (!b->n)
    return 0;
  int got = store_apply(b->s, b->ops, b->n, NULL);
  int rc = got < 0 ? got : (size_t)got == b->n ? 0 : LINLI_EINVAL;
  b->stored += b->n;
  b->n = 0;
  return rc;
}

static int cb_emit(struct cb *b, const struct crdt_identity *who, const char *scope,
                   const char *coll, const char *key, uint64_t ms, const struct crdt_buf *body)
{
  int rc = crdt_buf_err(body);
  if (rc)
    return rc;
  uint8_t *out = b->arena + b->n * CRDT_OP_MAX_BYTES;
  size_t len;
  struct crdt_draft d = {scope, coll, key, crdt_hlc_now(&b->clock, ms), CRDT_SET, body->p,
                         body->len, NULL, 0};
  if ((rc = crdt_op_sign(&d, who, out, CRDT_OP_MAX_BYTES, &len, &b->ops[b->n])))
    return rc;
  return ++b->n == CITY_BATCH ? cb_flush(b) : 0;
}

void bench_city_scope(int district, int community, char out[16])
{
  if (community < 0)
    snprintf(out, 16, "q%02d", district % 100);
  else
    snprintf(out, 16, "q%02dc%03d", district % 100, community % 1000);
}

/* The figures of community c of district d on day k: a function of the
 * three. The compounds become epidemic-free as the days go by. */
static void city_figures(const struct bench_city *c, int d, int m, int k, struct dom_summary *f)
{
  uint64_t h = (uint64_t)(d * 1000 + m) * UINT64_C(0x9e3779b97f4a7c15);
  int compounds = 4 + (int)(h >> 60) % 5;
  int certified = compounds * k / (c->days > 1 ? c->days - 1 : 1);
  int village = m % 9 == 8;
  int64_t v[DOM_SUMMARY_N] = {
      [DOM_SU_COMPOUNDS] = compounds,
      [DOM_SU_CERTIFIED] = certified,
      [DOM_SU_WITHDRAWN] = (k + m) % 17 == 0,
      [DOM_SU_PENDING] = certified < compounds,
      [DOM_SU_REJECTED] = 0,
      [DOM_SU_ELIGIBLE] = (compounds - certified) / 2,
      [DOM_SU_NOT_ELIGIBLE] = compounds - certified - (compounds - certified) / 2,
      [DOM_SU_VILLAGE] = village,
      [DOM_SU_FREE] = certified == compounds,
      [DOM_SU_HOUSEHOLDS] = 600 + (int64_t)(h >> 40) % 700,
      [DOM_SU_RESIDENTS] = 1400 + (int64_t)(h >> 30) % 1600,
      [DOM_SU_OPEN_THREE] = certified == compounds ? 0 : (int64_t)((h + (uint64_t)k) % 4),
      [DOM_SU_FEVERS_1] = (int64_t)(h >> 20 ^ (uint64_t)k) % 9,
      [DOM_SU_HANDOUTS_1] = (int64_t)(h >> 10 ^ (uint64_t)k) % 300,
      [DOM_SU_FEVERS_7] = (int64_t)(h >> 20 ^ (uint64_t)k) % 50,
      [DOM_SU_HANDOUTS_7] = (int64_t)(h >> 10 ^ (uint64_t)k) % 2000,
      [DOM_SU_OPS] = 10000 + (int64_t)k * 900,
      [DOM_SU_OPEN_CONFIRMED] = certified == compounds ? 0 : (int64_t)(h >> 5) % 2,
  };
  memcpy(f->v, v, sizeof v);
}

/* Community m of a district is silent on the last day (its hub has not
 * written that summary yet) one time in 27. */
static int city_silent(int d, int m)
{
  return (d * 7 + m) % 27 == 26;
}

int bench_city_build(struct store *s, struct bench_city *c)
{
  if (c->districts < 1 || c->districts > BENCH_CITY_DISTRICTS_MAX || c->communities < 1 ||
      c->communities > 999 || c->days < 1 || c->days > BENCH_DISTRICT_DAYS_MAX ||
      c->districts * c->communities > BENCH_CITY_COMMUNITIES_MAX)
    return LINLI_EINVAL;
  struct cb *b = calloc(1, sizeof *b);
  if (!b || !(b->arena = malloc((size_t)CITY_BATCH * CRDT_OP_MAX_BYTES))) {
    free(b);
    return LINLI_ENOMEM;
  }
  b->s = s;
  for (int k = 0; k < c->days; k++)
    rules_days_date(c->end_day - c->days + 1 + k, c->dates[k]);
  memset(&c->want, 0, sizeof c->want);
  uint8_t body_[1024];
  struct crdt_buf bb;
  int rc = 0;
  uint64_t day0_ms = (uint64_t)(c->end_day - c->days + 1) * 86400000u - (uint64_t)c->utc_offset_s * 1000u;
  for (int d = 0; d < c->districts && !rc; d++) {
    uint8_t seed[CRDT_SEED_BYTES];
    struct crdt_identity hub, comm;
    char dist[16], code[16], keyhex[TRUST_KEYHEX_BYTES + 1], key[64], fig[DOM_SUMMARY_FIGURES_MAX + 1],
        asof[40], name[32];
    memset(seed, 0xa0 + d, sizeof seed);
    crdt_identity_from_seed(&hub, seed);
    bench_city_scope(d, -1, dist);
    for (int m = 0; m < c->communities && !rc; m++) {
      bench_city_scope(d, m, code);
      memset(seed, 0x11, sizeof seed);
      seed[0] = (uint8_t)(0xc0 + d), seed[1] = (uint8_t)m, seed[2] = (uint8_t)(m >> 8);
      crdt_identity_from_seed(&comm, seed);
      for (int i = 0; i < CRDT_PK_BYTES; i++)
        snprintf(keyhex + 2 * i, 3, "%02x", comm.pk[i]);
      crdt_buf_init(&bb, body_, sizeof body_);
      crdt_w_map(&bb, 4);
      crdt_w_cstr(&bb, "community"), crdt_w_cstr(&bb, code);
      crdt_w_cstr(&bb, "not_after"), crdt_w_uint(&bb, day0_ms + (uint64_t)(c->days + 365) * 86400000u);
      crdt_w_cstr(&bb, "not_before"), crdt_w_uint(&bb, day0_ms - 86400000u);
      crdt_w_cstr(&bb, "role"), crdt_w_cstr(&bb, "community");
      rc = cb_emit(b, &hub, dist, TRUST_CERT, keyhex, day0_ms - 3600000u, &bb);
      snprintf(name, sizeof name, "社区%s", code);
      int last = city_silent(d, m) ? c->days - 2 : c->days - 1;
      for (int k = 0; k <= last && !rc; k++) {
        struct dom_summary f;
        city_figures(c, d, m, k, &f);
        if ((rc = dom_summary_format(&f, fig, sizeof fig)) < 0)
          break;
        rc = 0;
        snprintf(key, sizeof key, "%s/%s", code, c->dates[k]);
        snprintf(asof, sizeof asof, "%s 23:%02d:00", c->dates[k], m % 60);
        crdt_buf_init(&bb, body_, sizeof body_);
        crdt_w_map(&bb, 5);
        crdt_w_cstr(&bb, "as_of"), crdt_w_cstr(&bb, asof); /* keys in canonical order */
        crdt_w_cstr(&bb, "community"), crdt_w_cstr(&bb, code);
        crdt_w_cstr(&bb, "date"), crdt_w_cstr(&bb, c->dates[k]);
        crdt_w_cstr(&bb, "figures"), crdt_w_cstr(&bb, fig);
        crdt_w_cstr(&bb, "name"), crdt_w_cstr(&bb, name);
        rc = cb_emit(b, &hub, dist, domain_name(DOM_SUMMARY), key,
                     day0_ms + (uint64_t)k * 86400000u + 82800000u + (uint64_t)m * 1000u, &bb);
        if (k == last && last >= 0) { /* what the city report must find */
          c->want.communities++, c->want.reporting++;
          c->want.fresh += k == c->days - 1;
          c->want.compounds += (int)f.v[DOM_SU_COMPOUNDS];
          c->want.certified += (int)f.v[DOM_SU_CERTIFIED];
          c->want.households += f.v[DOM_SU_HOUSEHOLDS];
          c->want.residents += f.v[DOM_SU_RESIDENTS];
          c->want.open_three += f.v[DOM_SU_OPEN_THREE];
        }
      }
      if (last < 0)
        c->want.communities++; /* certified, never summarised */
    }
    crdt_identity_wipe(&hub);
  }
  if (!rc)
    rc = cb_flush(b);
  c->ops = b->stored;
  free(b->arena);
  free(b);
  return rc;
}

struct city_run {
  const struct bench_city *c;
  const char *dn[BENCH_CITY_DISTRICTS_MAX];
  struct dom_city *t;
};

static int city_read(void *arg, const struct crdt_view *v)
{
  struct city_run *r = arg;
  return dom_city_read(v, r->dn, r->c->districts, TRUST_CERT, r->c->dates[r->c->days - 1],
                       BENCH_CITY_COMMUNITIES_MAX, r->t);
}

int bench_city_report(struct store *s, const struct bench_city *c, struct dom_city *t)
{
  char names[BENCH_CITY_DISTRICTS_MAX][16];
  struct city_run r = {c, {0}, t};
  for (int d = 0; d < c->districts; d++) {
    bench_city_scope(d, -1, names[d]);
    r.dn[d] = names[d];
  }
  return store_read_rows(s, city_read, &r);
}

int bench_city_check(const struct bench_city *c, const struct dom_city *t)
{
  const struct dom_city_sum *g = &t->city, *w = &c->want;
  int ok = t->n == c->districts * c->communities && !t->cut && !t->bad &&
           g->communities == w->communities && g->reporting == w->reporting &&
           g->fresh == w->fresh && g->compounds == w->compounds && g->certified == w->certified &&
           g->households == w->households && g->residents == w->residents &&
           g->open_three == w->open_three;
  if (!ok)
    fprintf(stderr,
            "report: city figures differ from the generated: communities %d/%d, reporting %d/%d, "
            "on the date %d/%d, compounds %d/%d, certified %d/%d, households %lld/%lld, "
            "residents %lld/%lld\n",
            g->communities, w->communities, g->reporting, w->reporting, g->fresh, w->fresh,
            g->compounds, w->compounds, g->certified, w->certified, (long long)g->households,
            (long long)w->households, (long long)g->residents, (long long)w->residents);
  return !ok;
}
