/* staff.h and domain.h "staff": the caller's uid from libzmq's Peer-Address,
 * staff lines of linlid.conf (good and bad), roles against collections, the
 * `by` every carried op gets (canonical key order, replaced, kept, refused
 * when too big), and the masks of a role without pii. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "domain.h"
#include "staff.h"
#include "test.h"
#include "web_users.h"

static const char *base = "data /tmp/x\nscope shihua\n";

static int parse(struct config *c, const char *extra, char *err, size_t cap)
{
  char text[2048];
  snprintf(text, sizeof text, "%s%s", base, extra);
  return config_parse(c, text, strlen(text), err, cap);
}

static void test_config(void)
{
  static struct config c;
  char err[CONFIG_ERR_MAX];
  CHECK_EQ(parse(&c, "staff wang 王芳 clerk\nstaff zhang 张伟 approver pii\n", err, sizeof err), 0);
  CHECK_EQ(c.n_staff, 2);
  CHECK(!strcmp(c.staff[0].user, "wang") && !strcmp(c.staff[0].name, "王芳"));
  CHECK_EQ(c.staff[0].role, WEB_CLERK);
  CHECK_EQ(c.staff[0].pii, 0);
  CHECK_EQ(c.staff[1].role, WEB_APPROVER);
  CHECK_EQ(c.staff[1].pii, 1);
  static const struct {
    const char *line, *says;
  } bad[] = {
      {"staff wang 王芳\n", "takes USER NAME ROLE"},
      {"staff wang 王芳 boss\n", "viewer, clerk, approver or admin"},
      {"staff wang 王芳 clerk yes\n", "may only be pii"},
      {"staff wa/ng 王芳 clerk\n", "a Unix user is"},
      {"staff wang \xe7\x8e clerk\n", "a staff name is"},           /* broken UTF-8 */
      {"staff wang a\xe2\x80\x8b clerk\n", "a staff name is"},       /* a zero-width space */
      {"staff wang 王芳 clerk\nstaff wang 王二 viewer\n", "has a staff line already"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    CHECK_EQ(parse(&c, bad[i].line, err, sizeof err), LINLI_EINVAL);
    if (!strstr(err, bad[i].says))
      fprintf(stderr, "config %zu said: %s\n", i, err);
    CHECK(strstr(err, bad[i].says) != NULL);
  }
}

static void test_who(void)
{
  static struct config c;
  char err[CONFIG_ERR_MAX], why[256];
  struct staff_who w;
  CHECK_EQ(staff_peer_uid("localhost:1000:1000:4242"), 1000);
  CHECK_EQ(staff_peer_uid(":0:0:1"), 0);
  CHECK_EQ(staff_peer_uid("127.0.0.1"), -1);
  CHECK_EQ(staff_peer_uid("localhost:x:1:2"), -1);
  CHECK_EQ(staff_peer_uid(NULL), -1);
  /* uid 1 is "daemon" on Debian: a clerk by the line; uid 0 the owner */
  CHECK_EQ(parse(&c, "staff daemon 值班员 clerk\n", err, sizeof err), 0);
  staff_resolve(&c, 1, 4000, &w);
  CHECK(!strcmp(w.user, "daemon") && !strcmp(w.name, "值班员"));
  CHECK_EQ(w.role, WEB_CLERK);
  CHECK_EQ(w.owner, 0);
  CHECK_EQ(staff_may_write(&w, "resident", why, sizeof why), 0);
  CHECK_EQ(staff_may_write(&w, "approval", why, sizeof why), LINLI_EROLE);
  CHECK(strstr(why, "值班员 is a clerk: writing its records needs the role approver") != NULL);
  CHECK_EQ(staff_may_write(&w, "community_key", why, sizeof why), LINLI_EROLE);
  CHECK_EQ(staff_may(&w, 0, "importing", why, sizeof why), 0);
  CHECK_EQ(staff_may(&w, 1, "stopping linlid", why, sizeof why), LINLI_EROLE);
  staff_resolve(&c, 0, 4000, &w); /* root: every right, its own name */
  CHECK(w.owner && w.pii && w.role == WEB_ADMIN && !strcmp(w.name, "root"));
  CHECK_EQ(staff_may_write(&w, "community_key", why, sizeof why), 0);
  staff_resolve(&c, 2, 4000, &w); /* "bin": no line */
  CHECK_EQ(w.role, -1);
  CHECK_EQ(staff_may_write(&w, "resident", why, sizeof why), LINLI_EROLE);
  CHECK(strstr(why, "is not staff of this node") != NULL);
  staff_resolve(&c, -1, 4000, &w); /* no credentials: nothing */
  CHECK_EQ(staff_may(&w, 0, "importing", why, sizeof why), LINLI_EROLE);
}

/* 1 if body is a map whose keys ascend as docs/protocol.md orders them. */
static int canonical(const uint8_t *b, size_t len)
{
  struct crdt_mp m;
  uint32_t n;
  const char *prev = NULL;
  uint32_t pl = 0;
  crdt_mp_init(&m, b, len);
  if (crdt_mp_map(&m, &n))
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if (crdt_mp_str(&m, &k, &kl) || crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return 0;
    if (prev) {
      int c = memcmp(prev, k, pl < kl ? pl : kl);
      if (c > 0 || (c == 0 && pl >= kl))
        return 0;
    }
    prev = k, pl = kl;
  }
  return m.p == b + len;
}

static size_t body(uint8_t *out, size_t cap, const char *const *keys, int n)
{
  struct crdt_buf b;
  crdt_buf_init(&b, out, cap);
  crdt_w_map(&b, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    crdt_w_cstr(&b, keys[i]);
    crdt_w_cstr(&b, "v");
  }
  return b.len;
}

static void test_stamp(void)
{
  static uint8_t in[CRDT_BODY_MAX_BYTES], out[CRDT_BODY_MAX_BYTES + 64];
  /* every place `by` can go: first, between, last, replacing one */
  static const char *const a[] = {"b", "bz", "c"}, *const z[] = {"a", "b"}, *const y[] = {"byte"},
                           *const r[] = {"area", "by", "date"};
  const char *const *sets[] = {a, z, y, r};
  int ns[] = {3, 2, 1, 3};
  for (int i = 0; i < 4; i++) {
    struct crdt_buf b;
    size_t len = body(in, sizeof in, sets[i], ns[i]);
    crdt_buf_init(&b, out, sizeof out);
    CHECK_EQ(dom_body_by(in, len, "王芳", 0, &b), 0);
    CHECK(canonical(out, b.len));
    size_t vl;
    const uint8_t *v = dom_body_get(out, b.len, DOM_BY, &vl);
    CHECK(v && vl == 1 + strlen("王芳") && !memcmp(v + 1, "王芳", vl - 1));
  }
  /* keep: a `by` there stays (the web console's own) */
  struct crdt_buf b;
  size_t len = body(in, sizeof in, r, 3);
  crdt_buf_init(&b, out, sizeof out);
  CHECK_EQ(dom_body_by(in, len, "x", 1, &b), 0);
  CHECK(b.len == len && !memcmp(out, in, len));
  /* not a map; too big */
  crdt_buf_init(&b, out, sizeof out);
  CHECK_EQ(dom_body_by((const uint8_t *)"\x91\x01", 2, "x", 0, &b), LINLI_EINVAL);
  struct crdt_buf big;
  crdt_buf_init(&big, in, sizeof in);
  static char text[CRDT_STR_MAX];
  size_t tl = (CRDT_BODY_MAX_BYTES - 4) / 3 - 5; /* three fields fill the body */
  memset(text, 'x', tl);
  crdt_w_map(&big, 3);
  for (int i = 0; i < 3; i++) {
    crdt_w_cstr(&big, (const char *[]){"a", "c", "d"}[i]);
    crdt_w_str(&big, text, tl);
  }
  CHECK(!crdt_buf_err(&big) && big.len <= CRDT_BODY_MAX_BYTES);
  crdt_buf_init(&b, out, sizeof out);
  CHECK_EQ(dom_body_by(in, big.len, "王芳", 0, &b), LINLI_ETOOBIG);

  /* a batch: the record and the event carry it, the counter and the set add not */
  uint8_t rec[64], ctr[64], add[64];
  struct crdt_buf rb, cb, ab;
  crdt_buf_init(&rb, rec, sizeof rec);
  crdt_w_map(&rb, 1), crdt_w_cstr(&rb, "name"), crdt_w_cstr(&rb, "x");
  crdt_buf_init(&cb, ctr, sizeof ctr);
  crdt_w_map(&cb, 1), crdt_w_cstr(&cb, "rice_kg"), crdt_w_int(&cb, -2);
  crdt_buf_init(&ab, add, sizeof add);
  crdt_w_map(&ab, 1), crdt_w_cstr(&ab, "members"), crdt_w_array(&ab, 1), crdt_w_cstr(&ab, "r-1");
  struct node_change ch[] = {
      {"shihua", "volunteer", "V-1", CRDT_SET, rec, rb.len, NULL, 0},
      {"shihua", "supply_stock", "S", CRDT_COUNTER, ctr, cb.len, NULL, 0},
      {"shihua", "household", "H", CRDT_ADD, add, ab.len, NULL, 0},
      {"shihua", "distribution", "H", CRDT_APPEND, rec, rb.len, NULL, 0},
      {"shihua", "community_key", "1", CRDT_SET, rec, rb.len, NULL, 0},
  };
  uint8_t *arena = NULL;
  size_t bad = 99;
  CHECK_EQ(staff_stamp(ch, 5, "王芳", 0, &arena, &bad), 0);
  CHECK(dom_body_get(ch[0].body, ch[0].body_len, DOM_BY, &(size_t){0}) != NULL);
  CHECK(ch[1].body == ctr && ch[2].body == add && ch[4].body == rec);
  CHECK(dom_body_get(ch[3].body, ch[3].body_len, DOM_BY, &(size_t){0}) != NULL);
  free(arena);
}

static void test_mask(void)
{
  const struct dom_collection *c = domain_find("resident", 8);
  REQUIRE(c != NULL);
  char id[] = "420107198307027457", phone[] = "13800001111", spaced[] = "138 0000 1111",
       name[] = "林敏", shortp[] = "110";
  dom_mask(domain_field(c, "id_number", 9), id);
  dom_mask(domain_field(c, "phone", 5), phone);
  dom_mask(domain_field(c, "phone", 5), spaced);
  dom_mask(domain_field(c, "name", 4), name);
  dom_mask(domain_field(c, "phone", 5), shortp);
  CHECK(!strcmp(id, "4201**********7457"));
  CHECK(!strcmp(phone, "138****1111"));
  CHECK(!strcmp(spaced, "138 **** 1111"));
  CHECK(!strcmp(name, "林敏"));
  CHECK(!strcmp(shortp, "***"));
  /* dom_render masks with dom_mask_pii, and only then */
  uint8_t mp[32];
  struct crdt_buf b;
  char out[64];
  crdt_buf_init(&b, mp, sizeof mp);
  crdt_w_cstr(&b, "13800001111");
  const struct dom_field *f = domain_field(c, "phone", 5);
  dom_render(f, mp, b.len, out, sizeof out);
  CHECK(!strcmp(out, "13800001111"));
  dom_mask_pii = 1;
  dom_render(f, mp, b.len, out, sizeof out);
  CHECK(!strcmp(out, "138****1111"));
  dom_mask_pii = 0;
}

int main(void)
{
  test_config();
  test_who();
  test_stamp();
  test_mask();
  return test_done("test_staff");
}
