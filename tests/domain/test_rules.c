/* Epidemic-free rules on a small fixed data set: the 14-day boundary, open
 * three-category persons, a missing measure, cases of other compounds or
 * from the future, and a late case after a partition heals. */
#include "domain.h"
#include "test_crdt_util.h"

static struct crdt_identity who;
static uint64_t clock_ms = 1585000000000;

static void put(struct crdt_memview *m, const char *coll, const char *key, struct crdt_buf *b)
{
  struct t_op o;
  REQUIRE(crdt_buf_err(b) == 0);
  t_sign(&o, &who, "shihua", coll, key, CRDT_HLC_MAKE(clock_ms++, 0), CRDT_SET, b->p, b->len, NULL, 0);
  REQUIRE(crdt_memview_apply(m, &o.op) == 1);
}

static void a_case(struct crdt_memview *m, const char *key, const char *compound, const char *cat,
                   const char *start, const char *release)
{
  uint8_t buf[256];
  struct crdt_buf b;
  crdt_buf_init(&b, buf, sizeof buf);
  crdt_w_map(&b, release ? 4 : 3);
  crdt_w_cstr(&b, "category");
  crdt_w_cstr(&b, cat);
  crdt_w_cstr(&b, "compound");
  crdt_w_cstr(&b, compound);
  if (release) {
    crdt_w_cstr(&b, "release_date");
    crdt_w_cstr(&b, release);
  }
  crdt_w_cstr(&b, "start_date");
  crdt_w_cstr(&b, start);
  put(m, "case_status", key, &b);
}

static void measures(struct crdt_memview *m, const char *compound, int supply)
{
  uint8_t buf[256];
  struct crdt_buf b;
  crdt_buf_init(&b, buf, sizeof buf);
  crdt_w_map(&b, 6); /* keys in byte order */
  const char *order[] = {"closed", "disinfection", "mobilisation", "publicity", "screening", "supply"};
  for (int i = 0; i < 6; i++) {
    crdt_w_cstr(&b, order[i]);
    crdt_w_bool(&b, strcmp(order[i], "supply") ? 1 : supply);
  }
  put(m, "measures", compound, &b);
}

static struct rules_verdict verdict(struct crdt_memview *m, const char *compound, const char *date)
{
  struct rules_verdict v;
  struct crdt_view view = crdt_memview_view(m);
  REQUIRE(rules_compound(&view, "shihua", compound, date, &v) == 0);
  printf("  %s\n", v.reason);
  return v;
}

int main(void)
{
  REQUIRE(crdt_init() == 0);
  t_identity(&who, 0x5e);
  int64_t d;
  CHECK_EQ(rules_date_days("1970-01-01", 10, &d), 0);
  CHECK_EQ(d, 0);
  CHECK_EQ(rules_date_days("2020-03-01", 10, &d), 0);
  CHECK_EQ(d, 18322);
  CHECK_EQ(rules_date_days("2020-02-29", 10, &d), 0);
  CHECK_EQ(rules_date_days("2021-02-29", 10, &d), LINLI_EINVAL);
  CHECK_EQ(rules_date_days("2020-13-01", 10, &d), LINLI_EINVAL);
  CHECK_EQ(rules_date_days("2020-3-1", 8, &d), LINLI_EINVAL);
  /* The inverse, over four centuries of days, and local dates. */
  for (int64_t day = -1000; day < 150000; day += 7) {
    char out[RULES_DATE_LEN + 1];
    int64_t back;
    rules_days_date(day, out);
    if (rules_date_days(out, strlen(out), &back) != 0 || back != day) {
      CHECK_EQ(back, day);
      break;
    }
  }
  char local[RULES_DATE_LEN + 1];
  rules_ms_date(1582992000000, 8 * 3600, local); /* 2020-02-29T16:00Z = 03-01 00:00 in Wuhan */
  CHECK(strcmp(local, "2020-03-01") == 0);
  rules_ms_date(1582991999000, 8 * 3600, local);
  CHECK(strcmp(local, "2020-02-29") == 0);

  struct crdt_memview *m = crdt_memview_new();
  /* No measures recorded: all six missing. */
  struct rules_verdict v = verdict(m, "C1", "2020-03-30");
  CHECK(!v.eligible);
  CHECK_EQ(v.n_missing, 6);
  measures(m, "C1", 1);
  v = verdict(m, "C1", "2020-03-30");
  CHECK(v.eligible);

  /* The 14-day boundary: released 14 days before passes, 13 does not. */
  a_case(m, "case-1", "C1", "confirmed", "2020-03-01", "2020-03-16");
  v = verdict(m, "C1", "2020-03-30");
  CHECK(v.eligible);
  CHECK_EQ(v.quiet_days, 14);
  v = verdict(m, "C1", "2020-03-29");
  CHECK(!v.eligible);
  CHECK_EQ(v.quiet_days, 13);
  CHECK(strstr(v.reason, "2020-03-16") != NULL);
  /* Before its release the case is open. */
  v = verdict(m, "C1", "2020-03-10");
  CHECK_EQ(v.open_confirmed, 1);
  /* Before its start it does not count. */
  v = verdict(m, "C1", "2020-02-20");
  CHECK(v.eligible);

  /* A fever case in another compound changes nothing for C1. */
  a_case(m, "case-2", "C2", "fever", "2020-03-20", NULL);
  CHECK(verdict(m, "C1", "2020-03-30").eligible);
  /* An open close contact in C1 does. */
  a_case(m, "case-3", "C1", "close_contact", "2020-03-25", NULL);
  v = verdict(m, "C1", "2020-03-30");
  CHECK(!v.eligible);
  CHECK_EQ(v.open_contact, 1);
  /* Released: eligible again. */
  a_case(m, "case-3", "C1", "close_contact", "2020-03-25", "2020-03-28");
  CHECK(verdict(m, "C1", "2020-03-30").eligible);

  /* One measure missing. */
  measures(m, "C1", 0);
  v = verdict(m, "C1", "2020-03-30");
  CHECK(!v.eligible);
  CHECK_EQ(v.n_missing, 1);
  CHECK(strstr(v.reason, "supply") != NULL);
  measures(m, "C1", 1);

  /* A late case: a confirmed case recorded on the other side of a
   * partition surfaces when the ops merge, and withdraws eligibility. */
  struct crdt_memview *other = crdt_memview_new();
  struct t_op late;
  uint8_t buf[256];
  struct crdt_buf b;
  crdt_buf_init(&b, buf, sizeof buf);
  crdt_w_map(&b, 3);
  crdt_w_cstr(&b, "category");
  crdt_w_cstr(&b, "confirmed");
  crdt_w_cstr(&b, "compound");
  crdt_w_cstr(&b, "C1");
  crdt_w_cstr(&b, "start_date");
  crdt_w_cstr(&b, "2020-03-27");
  t_sign(&late, &who, "shihua", "case_status", "case-9", CRDT_HLC_MAKE(clock_ms++, 0), CRDT_SET,
         b.p, b.len, NULL, 0);
  REQUIRE(crdt_memview_apply(other, &late.op) == 1);
  CHECK(verdict(m, "C1", "2020-03-30").eligible);
  REQUIRE(crdt_memview_apply(m, &late.op) == 1);
  v = verdict(m, "C1", "2020-03-30");
  CHECK(!v.eligible);
  CHECK_EQ(v.open_confirmed, 1);
  crdt_memview_destroy(other);
  crdt_memview_destroy(m);
  return test_done("test_rules");
}
