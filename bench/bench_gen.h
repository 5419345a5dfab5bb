#ifndef LINLI_BENCH_GEN_H
#define LINLI_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crdt.h"
#include "domain.h"

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
  int sealed; /* 1: resident edits seal their name and phone with a community key
                 (domain_seal), as a node holding it writes them */
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

/* ---- a district, for linli-bench report ----
 *
 * `scopes` communities "d00", "d01", ... (prefix "D00" ...), sized as
 * sample_synthetic sizes them (4-8 compounds, 600-1,303 households,
 * 1,400-2,977 residents), each signed by its own key. Ops 0 .. reg_total-1
 * are the registers, community by community: compounds, their six-measures
 * checklists (even communities lack `supply` in their last compound),
 * households and their members (an add), residents, a stock record, and,
 * in three communities of four, five cases opened and released on days
 * before the last (as sample.c plans them). The other ops are events over
 * `days` days ending on day number end_day (local, utc_offset_s east of
 * UTC), in time order, round robin over the communities: 60 % health
 * checks (1 % fevers of 37.3 °C and up), 33 % gate checks, 5 %
 * distributions (relief, group, proxy in turn by draw), 2 % stock
 * movements. Op i is a function of (seed, i): any chunk can be made alone. */
#define BENCH_DISTRICT_MAX 64
#define BENCH_DISTRICT_DAYS_MAX 400

struct bench_district {
  int scopes;
  uint64_t n;          /* ops in all, registers included */
  int days;
  int64_t end_day;     /* days since 1970-01-01 of the last day */
  int32_t utc_offset_s;
  uint64_t seed;
  /* set by bench_district_init */
  struct crdt_identity who[BENCH_DISTRICT_MAX];
  uint64_t reg[BENCH_DISTRICT_MAX + 1]; /* first register op of each community; reg[scopes]: all */
  char dates[BENCH_DISTRICT_DAYS_MAX][11];
};

struct bench_district_sizes {
  int compounds, households, residents;
};

/* Checks the parameters, makes the keys and lays out the registers;
 * LINLI_EINVAL if n leaves fewer events than registers. */
int bench_district_init(struct bench_district *d);
void bench_district_scope(int i, char out[8]);
void bench_district_sizes(int i, struct bench_district_sizes *out);
/* Ops first .. first + count - 1, signed, on two threads. */
int bench_district_ops(const struct bench_district *d, uint64_t first, size_t count,
                       struct bench_ops *o);

/* What the events of one community are, per day, counted from the draws
 * alone (nothing signed): the figures a window report must find. */
struct bench_district_day {
  uint64_t health, fevers, coughs, gate, gate_fevers, visitors, relief, group, proxy, stock;
};
/* out[scope * days + day index] (day index 0 = end_day - days + 1). */
int bench_district_count(const struct bench_district *d, struct bench_district_day *out);

/* ---- a city, for linli-bench report ----
 *
 * `districts` districts "q00", "q01", ... of `communities` communities each
 * ("q00c000" ...), as a city node holds them: in each district scope, the
 * district hub's certificate of each community (role "community") and one
 * daily summary per community per day for `days` days ending on end_day
 * (the figures a function of district, community and day), every op signed
 * by the district's hub key; one community in 27 has no summary for the
 * last day. bench_city_build stores them (store_apply, unverified) and
 * fills dates, ops and want (the city-wide sums the report must find). */
#define BENCH_CITY_DISTRICTS_MAX 64
#define BENCH_CITY_COMMUNITIES_MAX 4096

struct bench_city {
  int districts, communities, days;
  int64_t end_day;
  int32_t utc_offset_s;
  /* set by bench_city_build */
  char dates[BENCH_DISTRICT_DAYS_MAX][11];
  uint64_t ops;
  struct dom_city_sum want;
};

void bench_city_scope(int district, int community, char out[16]); /* community -1: the district */
int bench_city_build(struct store *s, struct bench_city *c);
/* The city report on the last day: one read snapshot, dom_city_read of
 * every district (dom_city_free t after a 0 return). */
int bench_city_report(struct store *s, const struct bench_city *c, struct dom_city *t);
/* 0 if t's city-wide figures are c->want; else says what differs, 1. */
int bench_city_check(const struct bench_city *c, const struct dom_city *t);

#endif
