/* The web console's pure parts, without a server or a browser: the form
 * and Accept-Language decoders, HTML and URL escaping, the accounts file,
 * the http* config keys, and sessions and login limits on an injected
 * clock (expiry, the 11th wrong password, an account removed or its
 * password changed). The browser tests (browser_test.py) drive the rest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "test.h"
#include "web_int.h"

static void test_form(void)
{
  struct web_form f;
  const char body[] = "a=1&b=x+y&c=%E4%B8%AD%E6%96%87&empty=&flag&a=2";
  CHECK_EQ(web_form_parse(&f, body, strlen(body)), 0);
  CHECK_EQ(f.n, 6);
  CHECK(!strcmp(web_form_get(&f, "a"), "1")); /* the first of two */
  CHECK(!strcmp(web_form_get(&f, "b"), "x y"));
  CHECK(!strcmp(web_form_get(&f, "c"), "中文"));
  CHECK(!strcmp(web_form_get(&f, "empty"), ""));
  CHECK(!strcmp(web_form_get(&f, "flag"), ""));
  CHECK(web_form_get(&f, "missing") == NULL);
  web_form_release(&f);
  /* text areas: line breaks become spaces */
  CHECK_EQ(web_form_parse(&f, "n=a%0D%0Ab", 10), 0);
  CHECK(f.n == 1 && !strcmp(web_form_get(&f, "n"), "a  b"));
  web_form_release(&f);
  static const char *const bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "=1", "a%20b=1", "k=%ff",
                                    "k=%C0%80", "k=%01", "k=%ED%A0%80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = web_form_parse(&f, bad[i], strlen(bad[i]));
    if (rc != LINLI_EINVAL)
      fprintf(stderr, "form '%s' parsed: %d\n", bad[i], rc);
    CHECK_EQ(rc, LINLI_EINVAL);
    CHECK(f.buf == NULL && f.n == 0);
  }
  CHECK_EQ(web_form_parse(&f, "", 0), 0);
  CHECK_EQ(f.n, 0);
  web_form_release(&f);
  /* more fields than WEB_FORM_MAX */
  size_t n = 2 * (WEB_FORM_MAX + 1);
  char *many = malloc(n + 1);
  REQUIRE(many);
  for (size_t i = 0; i < n; i += 2)
    many[i] = 'a', many[i + 1] = '&';
  many[n] = 0;
  CHECK_EQ(web_form_parse(&f, many, n), LINLI_ETOOBIG);
  CHECK_EQ(web_form_parse(&f, many, WEB_BODY_MAX + 1), LINLI_ETOOBIG);
  free(many);
}

/* Random values, URL-encoded by wb_url, parse back as they were. */
static void test_form_roundtrip(void)
{
  struct test_rng rng = {test_seed(20261203)};
  static const char *const pieces[] = {"a", "Z", "0", " ", "&", "=", "+", "%", "中", "文", "é",
                                       "<", ">", "\"", "'", "~", "-", ".", "_", "/", "?", "#"};
  for (int round = 0; round < 500; round++) {
    char v[256] = "";
    int len = (int)test_below(&rng, 20);
    for (int i = 0; i < len; i++)
      strcat(v, pieces[test_below(&rng, sizeof pieces / sizeof pieces[0])]);
    struct wb b;
    wb_init(&b);
    wb_put(&b, "k0=");
    wb_url(&b, v);
    wb_put(&b, "&k1=x");
    struct web_form f;
    CHECK_EQ(web_form_parse(&f, b.p, b.len), 0);
    const char *got = web_form_get(&f, "k0");
    CHECK(got && !strcmp(got, v));
    if (!got || strcmp(got, v))
      fprintf(stderr, "round %d: '%s' came back as '%s'\n", round, v, got ? got : "(none)");
    CHECK(web_form_get(&f, "k1") && !strcmp(web_form_get(&f, "k1"), "x"));
    web_form_release(&f);
    wb_release(&b);
  }
}

static void test_lang(void)
{
  CHECK_EQ(web_lang_en(NULL), 0);
  CHECK_EQ(web_lang_en(""), 0);
  CHECK_EQ(web_lang_en("zh-CN,zh;q=0.9,en;q=0.8"), 0);
  CHECK_EQ(web_lang_en("en-US,en;q=0.9"), 1);
  CHECK_EQ(web_lang_en("en-US,en;q=0.9,zh-CN;q=0.8"), 1);
  CHECK_EQ(web_lang_en("fr-FR,en;q=0.5,zh;q=0.7"), 0);
  CHECK_EQ(web_lang_en("en;q=0.7, zh;q=0.7"), 1); /* a tie: the first said */
  CHECK_EQ(web_lang_en("zh;q=0.7, en;q=0.7"), 0);
  CHECK_EQ(web_lang_en("en;q=0"), 0);
  CHECK_EQ(web_lang_en("de"), 0);
  CHECK_EQ(web_lang_en("english"), 0);
  CHECK_EQ(web_lang_en(";;,,;q=,en;q=1.0"), 1);
}

static void test_escape(void)
{
  struct wb b;
  wb_init(&b);
  wb_escs(&b, "<script>alert(1)</script>");
  CHECK(!strcmp(b.p, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  b.len = 0;
  wb_escs(&b, "a\"b'c&d");
  CHECK(!strcmp(b.p, "a&quot;b&#39;c&amp;d"));
  b.len = 0;
  wb_esc(&b, "x\xff\xc0\x80y\x01z\nw", 9);
  CHECK(!strcmp(b.p, "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdyz w"));
  b.len = 0;
  wb_escs(&b, "石化社区");
  CHECK(!strcmp(b.p, "石化社区"));
  b.len = 0;
  wb_url(&b, "a b/中&");
  CHECK(!strcmp(b.p, "a%20b%2F%E4%B8%AD%26"));
  wb_release(&b);
  CHECK(web_utf8_ok("中文\tok", strlen("中文\tok")));
  CHECK(!web_utf8_ok("a\nb", 3));
  CHECK(!web_utf8_ok("\xe4\xb8", 2));
}

static char tmpdir[256];

static void test_users(void)
{
  struct web_users *t = calloc(1, sizeof *t), *u = calloc(1, sizeof *u);
  char hash[WEB_HASH_MAX], path[512];
  int line;
  REQUIRE(t && u);
  CHECK_EQ(web_password_hash(hash, "short", 5), LINLI_EINVAL);
  CHECK_EQ(web_password_hash(hash, "with\ttab!", 9), LINLI_EINVAL);
  CHECK_EQ(web_password_hash(hash, "long enough", 11), 0);
  CHECK_EQ(web_password_verify(hash, "long enough", 11), 0);
  CHECK_EQ(web_password_verify(hash, "long enougH", 11), -1);
  char text[1024];
  snprintf(text, sizeof text, "# comment\nana clerk %s\n\nbo.li admin %s\n", hash, hash);
  CHECK_EQ(web_users_parse(t, text, strlen(text), &line), 0);
  CHECK_EQ(t->n, 2);
  CHECK_EQ(web_users_find(t, "bo.li"), 1);
  CHECK_EQ(t->u[1].role, WEB_ADMIN);
  static const char *const bad[] = {"ana clerk\n", "ana boss $argon2id$v=19$m=65536,t=2,p=1$x$y\n",
                                    "a/b clerk $argon2id$v=19$m=65536,t=2,p=1$x$y\n",
                                    "ana clerk $2y$10$abcdefghijklmnop\n",
                                    "ana clerk $argon2id$v=19$m=65536,t=2,p=1$x$y extra\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_EQ(web_users_parse(u, bad[i], strlen(bad[i]), &line), LINLI_EINVAL);
    CHECK_EQ(line, 1);
  }
  snprintf(text, sizeof text, "ana clerk %s\nana viewer %s\n", hash, hash);
  CHECK_EQ(web_users_parse(u, text, strlen(text), &line), LINLI_EINVAL);
  CHECK_EQ(line, 2);
  /* save and load: mode 0600, the same table */
  CHECK_EQ(web_users_save(t, tmpdir), 0);
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", tmpdir, WEB_USERS_FILE);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK_EQ(web_users_load(u, tmpdir), 0);
  CHECK_EQ(u->n, 2);
  CHECK(!strcmp(u->u[0].name, "ana") && u->u[0].role == WEB_CLERK && !strcmp(u->u[0].hash, hash));
  chmod(path, 0644);
  CHECK_EQ(web_users_load(u, tmpdir), LINLI_EKEYPERM);
  chmod(path, 0600);
  CHECK(web_role_parse("approver") == WEB_APPROVER && web_role_parse("root") == -1);
  CHECK(web_name_check("zhang.wei-2") == 0 && web_name_check("") != 0 && web_name_check("张伟") != 0);
  free(t);
  free(u);
}

static int config_err(const char *extra, char *err)
{
  char text[1024];
  struct config c;
  snprintf(text, sizeof text, "data /tmp/x\nscope s\n%s", extra);
  return config_parse(&c, text, strlen(text), err, CONFIG_ERR_MAX);
}

static void test_config(void)
{
  char err[CONFIG_ERR_MAX], text[512];
  struct config c;
  snprintf(text, sizeof text, "data /tmp/x\nscope s\nhttp 127.0.0.1:0\n");
  CHECK_EQ(config_parse(&c, text, strlen(text), err, sizeof err), 0);
  CHECK(!strcmp(c.http.addr, "127.0.0.1:0") && c.http.threads == 4 && c.http.idle_s == 1800);
  CHECK_EQ(config_err("http [::1]:8080\nhttp_threads 8\nhttp_idle_s 60\n", err), 0);
  CHECK_EQ(config_err("http 0.0.0.0:8080\n", err), LINLI_EINVAL);
  CHECK(strstr(err, "not a loopback address") != NULL);
  CHECK_EQ(config_err("http 0.0.0.0:8080\nhttp_plain_lan yes\n", err), 0);
  CHECK_EQ(config_err("http 10.0.0.5:443\nhttp_cert /c.pem\nhttp_key /k.pem\n", err), 0);
  CHECK_EQ(config_err("http 127.0.0.1:8080\nhttp_cert /c.pem\n", err), LINLI_EINVAL);
  CHECK(strstr(err, "come together") != NULL);
  static const char *const bad[] = {"http localhost:80\n", "http 127.0.0.1\n", "http 127.0.0.1:99999\n",
                                    "http [::1:80\n", "http_threads 0\n", "http_idle_s 5\n",
                                    "http_plain_lan maybe\n", "http_metrics_token short\n",
                                    "http_metrics_token abcdefghijklmnop<\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_EQ(config_err(bad[i], err), LINLI_EINVAL);
  CHECK_EQ(config_err("http_metrics_token abcdefghijklmnop.1234\n", err), 0);
  struct sockaddr_storage ss;
  unsigned len;
  int lo;
  CHECK(config_http_addr("127.5.0.1:80", &ss, &len, &lo) == 0 && lo == 1);
  CHECK(config_http_addr("[::1]:80", &ss, &len, &lo) == 0 && lo == 1);
  CHECK(config_http_addr("192.168.1.20:8080", &ss, &len, &lo) == 0 && lo == 0);
}

/* ---- sessions and login limits, on a clock the test moves ---- */

static uint64_t fake_ms = 1000000;
static uint64_t fake_clock(void *arg)
{
  (void)arg;
  return fake_ms;
}

static void test_sessions(void)
{
  struct config *cfg = calloc(1, sizeof *cfg);
  struct web *w = calloc(1, sizeof *w);
  struct web_users *t = calloc(1, sizeof *t);
  REQUIRE(cfg && w && t);
  snprintf(cfg->data, sizeof cfg->data, "%s", tmpdir);
  cfg->http.idle_s = 60;
  w->cfg = cfg;
  w->o.cfg = cfg;
  w->o.wall_ms = w->o.mono_ms = fake_clock;
  pthread_mutex_init(&w->mu, NULL);
  w->fails = calloc(WEB_FAIL_SLOTS, sizeof *w->fails);
  w->users = calloc(1, sizeof *w->users);
  REQUIRE(w->fails && w->users);
  CHECK_EQ(web_password_hash(w->dummy_hash, "dummy password", 14), 0);
  t->n = 2;
  snprintf(t->u[0].name, sizeof t->u[0].name, "clerk1");
  t->u[0].role = WEB_CLERK;
  CHECK_EQ(web_password_hash(t->u[0].hash, "right password", 14), 0);
  snprintf(t->u[1].name, sizeof t->u[1].name, "viewer1");
  t->u[1].role = WEB_VIEWER;
  CHECK_EQ(web_password_hash(t->u[1].hash, "viewer password", 15), 0);
  CHECK_EQ(web_users_save(t, tmpdir), 0);

  struct web_who who, seen;
  char token[WEB_TOKEN_HEX + 1], token2[WEB_TOKEN_HEX + 1];
  CHECK_EQ(web_login(w, "10.0.0.1", "clerk1", "right password", &who, token), 0);
  CHECK(who.in && who.role == WEB_CLERK && strlen(who.csrf) == WEB_TOKEN_HEX);
  web_sess_lookup(w, token, &seen);
  CHECK(seen.in && !strcmp(seen.user, "clerk1") && !strcmp(seen.csrf, who.csrf));
  web_sess_lookup(w, "00", &seen);
  CHECK(!seen.in);
  token2[0] = 0;
  CHECK_EQ(web_login(w, "10.0.0.1", "nobody", "right password", &who, token2), 1);
  /* idle: used at 59 s it lives on; 61 s after its last use it is gone */
  fake_ms += 59000;
  web_sess_lookup(w, token, &seen);
  CHECK(seen.in);
  fake_ms += 61000;
  web_sess_lookup(w, token, &seen);
  CHECK(!seen.in);
  /* ten wrong passwords, then even the right one is refused unchecked */
  for (int i = 0; i < WEB_FAILS_ACCOUNT; i++)
    CHECK_EQ(web_login(w, "10.0.0.2", "clerk1", "wrong password", &who, token), 1);
  CHECK_EQ(web_login(w, "10.0.0.3", "clerk1", "right password", &who, token), 2);
  CHECK(!who.in);
  /* other accounts from other addresses are not held up by it */
  CHECK_EQ(web_login(w, "10.0.0.3", "viewer1", "viewer password", &who, token), 0);
  /* the window passes */
  fake_ms += (uint64_t)WEB_FAILS_WINDOW_S * 1000 + 1;
  CHECK_EQ(web_login(w, "10.0.0.3", "clerk1", "right password", &who, token), 0);
  /* per address: WEB_FAILS_ADDR failures over any accounts */
  for (int i = 0; i < WEB_FAILS_ADDR; i++) {
    char name[16];
    snprintf(name, sizeof name, "u%d", i);
    CHECK_EQ(web_login(w, "10.0.0.9", name, "bad guess!!", &who, token2), 1);
  }
  CHECK_EQ(web_login(w, "10.0.0.9", "clerk1", "right password", &who, token2), 2);
  /* a password change ends the account's sessions; so does removal */
  web_sess_lookup(w, token, &seen);
  CHECK(seen.in);
  CHECK_EQ(web_password_hash(t->u[0].hash, "new password", 12), 0);
  CHECK_EQ(web_users_save(t, tmpdir), 0);
  /* the file's mtime may not move within its clock's grain: make it */
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, WEB_USERS_FILE);
  struct timespec ts[2] = {{0, UTIME_NOW}, {12345, 0}};
  utimensat(AT_FDCWD, path, ts, 0);
  web_sess_lookup(w, token, &seen);
  CHECK(!seen.in);
  CHECK_EQ(web_login(w, "10.0.0.4", "viewer1", "viewer password", &who, token), 0);
  t->n = 1;
  CHECK_EQ(web_users_save(t, tmpdir), 0);
  ts[1].tv_sec = 23456;
  utimensat(AT_FDCWD, path, ts, 0);
  web_sess_lookup(w, token, &seen);
  CHECK(!seen.in);
  pthread_mutex_destroy(&w->mu);
  free(w->fails);
  free(w->users);
  free(w);
  free(t);
  free(cfg);
}

int main(void)
{
  REQUIRE(sodium_init() >= 0);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/linli-test-web-XXXXXX");
  REQUIRE(mkdtemp(tmpdir));
  test_form();
  test_form_roundtrip();
  test_lang();
  test_escape();
  test_users();
  test_config();
  test_sessions();
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
  return test_done("test_web");
}
