/* sample: a synthetic community, as signed ops, for demos, tests and
 * benchmarks. Sizes of the three named communities follow the report in
 * shared/seed (石化社区: 1,677 households, 3,680 residents, 9 grids, 13 staff,
 * 16 volunteers); where the report gives no figure the numbers are made up
 * and said to be. Names, phone and ID numbers are invented (ID numbers carry
 * a valid ISO 7064 MOD 11-2 check character). Deterministic: the same seed
 * and end time give the same ops. */
#ifndef LINLI_SAMPLE_H
#define LINLI_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

struct sample_community {
  const char *scope;  /* e.g. "shihua" */
  const char *name;   /* e.g. "石化社区" */
  const char *prefix; /* code prefix, e.g. "SH" */
  int compounds, households, residents, grids, staff, volunteers;
  const char *const *compound_names; /* compounds entries or NULL */
};

/* The named communities of the report, and a synthetic one. */
extern const struct sample_community sample_shihua, sample_chuanchang, sample_changhongli;
/* Fills c for synthetic community number i ("c0007"); name/prefix point
 * into buf (64 bytes). */
void sample_synthetic(struct sample_community *c, int i, char *buf);

struct sample_opts {
  uint64_t end_ms;   /* the last moment of the data (now, for a demo) */
  int days;          /* days of daily records before end_ms (60) */
  int32_t utc_offset_s; /* the district's zone: 28,800 for Asia/Shanghai */
  uint64_t seed;
  int watch_pct;     /* % of residents with a daily health check (5) */
  uint64_t stamp_ms; /* 0: stamp each op at its event time; else stamp every op
                        from this time on, as records typed in today about the
                        past (a node certified today cannot sign the past) */
};

/* Emits every op of the community, signed by who, to fn (which returns <0
 * to stop). Returns the number of ops, or an error. */
int sample_generate(const struct crdt_identity *who, const struct sample_community *c,
                    const struct sample_opts *o,
                    int (*fn)(void *arg, const uint8_t *op, size_t len), void *arg);

/* The ISO 7064 MOD 11-2 check character of the first 17 digits of a
 * resident ID number ('0'-'9' or 'X'); 0 if the input is not 17 digits. */
char sample_id_check(const char *first17);

#endif
