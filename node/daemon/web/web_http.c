/* The HTTP server: libmicrohttpd in its own threads, routing, sessions and
 * CSRF on every request, the headers every response carries. Contract:
 * web.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "web_int.h"

#define WEB_CSP                                                                                    \
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "                    \
  "frame-ancestors 'none'; base-uri 'none'"
#define WEB_SESSION_COOKIE "linli_s"
#define WEB_LOGIN_COOKIE "linli_l"
#define WEB_LANG_COOKIE "linli_lang"

/* ---- clocks and the log ---- */

static uint64_t web__clock(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t web_wall(const struct web *w)
{
  return w->o.wall_ms ? w->o.wall_ms(w->o.clock_arg) : web__clock(CLOCK_REALTIME);
}

uint64_t web_mono(const struct web *w)
{
  return w->o.mono_ms ? w->o.mono_ms(w->o.clock_arg) : web__clock(CLOCK_MONOTONIC);
}

void web_log(struct web *w, const char *fmt, ...)
{
  char line[512];
  va_list ap;
  if (!w->o.log)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  w->o.log(w->o.log_arg, line);
}

static void web__mhd_log(void *cls, const char *fmt, va_list ap)
{
  struct web *w = cls;
  char line[400];
  vsnprintf(line, sizeof line, fmt, ap);
  line[strcspn(line, "\r\n")] = 0;
  web_log(w, "http server: %s", line);
}

/* ---- request helpers ---- */

const char *web_arg(struct web_req *r, const char *k)
{
  return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, k);
}

const char *web_param(struct web_req *r, const char *k, size_t max)
{
  const char *v = r->post ? web_form_get(&r->form, k) : NULL;
  if (!v)
    v = web_arg(r, k);
  if (!v || strlen(v) > max || !web_utf8_ok(v, strlen(v)))
    return NULL;
  return v;
}

static void web__cookie(struct web_req *r, const char *name, const char *value, int max_age)
{
  char age[32] = "";
  if (r->n_cookies == 4)
    return;
  if (max_age >= 0)
    snprintf(age, sizeof age, "; Max-Age=%d", max_age);
  snprintf(r->cookies[r->n_cookies++], sizeof r->cookies[0], "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
           name, value, r->w->tls ? "; Secure" : "", age);
}

void web_redirect(struct web_req *r, const char *url)
{
  r->status = 303;
  snprintf(r->location, sizeof r->location, "%s", url);
  r->out.len = 0;
}

int web_fail_page(struct web_req *r, int status, const char *en, const char *zh)
{
  r->status = status;
  r->out.len = 0;
  r->out.err = 0;
  web_head(r, T(r, "Not possible", "无法完成"));
  wb_put(&r->out, "<p class=\"err\" id=\"error\">");
  wb_escs(&r->out, T(r, en, zh));
  wb_put(&r->out, "</p>");
  web_foot(r);
  return status;
}

int web_communities(const struct web *w, const char **out, int max)
{
  int n = 0;
  for (int i = 0; i < w->cfg->n_scopes && n < max; i++)
    if (!config_is_trust_scope(w->cfg, w->cfg->scopes[i]))
      out[n++] = w->cfg->scopes[i];
  return n;
}

int web_holds(const struct web *w, const char *s)
{
  const char *c[CONFIG_SCOPES_MAX];
  int n = web_communities(w, c, CONFIG_SCOPES_MAX);
  for (int i = 0; i < n; i++)
    if (!strcmp(c[i], s))
      return 1;
  return 0;
}

int web_read_begin(struct web *w, struct web_read *rd)
{
  int rc = store_read_begin(w->o.store, &rd->rd);
  if (rc)
    return rc;
  rd->v = store_read_view(rd->rd);
  return 0;
}

void web_read_end(struct web_read *rd)
{
  store_read_end(rd->rd);
  rd->rd = NULL;
}

/* ---- routes ---- */

enum { WEB_OPEN = -1 }; /* no login needed */

static const struct web_route {
  const char *method, *path;
  int prefix;   /* path is a prefix (the rest names a collection) */
  int role_min; /* WEB_OPEN, or enum web_role */
  int (*fn)(struct web_req *r);
} web_routes[] = {
    {"GET", "/login", 0, WEB_OPEN, web_page_login},
    {"POST", "/login", 0, WEB_OPEN, web_page_login},
    {"POST", "/logout", 0, WEB_VIEWER, web_page_logout},
    {"GET", "/static/app.css", 0, WEB_OPEN, web_page_css},
    {"GET", "/metrics", 0, WEB_OPEN, web_page_metrics},
    {"GET", "/", 0, WEB_VIEWER, web_page_home},
    {"GET", "/district", 0, WEB_VIEWER, web_page_district},
    {"POST", "/district/decide", 0, WEB_APPROVER, web_page_decide},
    {"GET", "/rounds", 0, WEB_VIEWER, web_page_rounds},
    {"GET", "/community", 0, WEB_VIEWER, web_page_community},
    {"GET", "/list/", 1, WEB_VIEWER, web_page_list},
    {"GET", "/record/", 1, WEB_VIEWER, web_page_record},
    {"GET", "/form/", 1, WEB_VIEWER, web_page_form},
    {"POST", "/form/", 1, WEB_CLERK, web_page_form},
    {"GET", "/round", 0, WEB_VIEWER, web_page_round},
    {"POST", "/round", 0, WEB_CLERK, web_page_round},
    {"GET", "/declare", 0, WEB_VIEWER, web_page_declare},
    {"POST", "/declare", 0, WEB_CLERK, web_page_declare},
    {"GET", "/status", 0, WEB_VIEWER, web_page_status},
    {"GET", "/users", 0, WEB_ADMIN, web_page_users},
};

static const struct web_route *web__route(const char *method, const char *url, int *method_ok)
{
  *method_ok = 0;
  for (size_t i = 0; i < sizeof web_routes / sizeof web_routes[0]; i++) {
    const struct web_route *rt = &web_routes[i];
    size_t pl = strlen(rt->path);
    int match = rt->prefix ? strncmp(url, rt->path, pl) == 0 && url[pl] : strcmp(url, rt->path) == 0;
    if (!match)
      continue;
    *method_ok = 1;
    if (!strcmp(method, rt->method))
      return rt;
  }
  return NULL;
}

/* The POST came from one of our pages: no cross-site fetch, an Origin (if
 * any) naming this host. */
static int web__same_origin(struct web_req *r)
{
  const char *site = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Sec-Fetch-Site");
  if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
    return 0;
  const char *origin = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Origin");
  const char *host = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Host");
  if (!origin || !strcmp(origin, "null")) /* null: a browser that hid it; the fetch site said */
    return origin == NULL || (site && !strcmp(site, "same-origin"));
  const char *sep = strstr(origin, "://");
  return sep && host && !strcmp(sep + 3, host);
}

static int web__csrf_ok(struct web_req *r)
{
  const char *got = web_form_get(&r->form, "csrf");
  const char *want = r->who.in ? r->who.csrf
                               : MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, WEB_LOGIN_COOKIE);
  return got && want && strlen(got) == WEB_TOKEN_HEX && strlen(want) == WEB_TOKEN_HEX &&
         sodium_memcmp(got, want, WEB_TOKEN_HEX) == 0;
}

static void web__client(struct web_req *r)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  snprintf(r->ip, sizeof r->ip, "?");
  if (sa && sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &a->sin_addr, r->ip, sizeof r->ip);
    r->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  } else if (sa && sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &a->sin6_addr, r->ip, sizeof r->ip);
    r->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) ||
                  (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127);
  }
}

static void web__lang(struct web_req *r)
{
  const char *q = web_arg(r, "lang");
  if (q && (!strcmp(q, "en") || !strcmp(q, "zh"))) {
    r->en = q[0] == 'e';
    web__cookie(r, WEB_LANG_COOKIE, q, 365 * 86400);
    return;
  }
  const char *c = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, WEB_LANG_COOKIE);
  if (c && (!strcmp(c, "en") || !strcmp(c, "zh"))) {
    r->en = c[0] == 'e';
    return;
  }
  r->en = web_lang_en(MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Accept-Language"));
}

/* Runs the request's route: the status. */
static int web__serve(struct web_req *r)
{
  struct web *w = r->w;
  int method_ok;
  const struct web_route *rt = web__route(r->method, r->url, &method_ok);
  dom_tz_now(&w->tz, web_wall(w), r->today, r->now);
  if (!rt)
    return method_ok ? web_fail_page(r, 405, "This address does not take that method.",
                                     "此地址不支持该请求方法。")
                     : web_fail_page(r, 404, "No such page.", "没有这个页面。");
  web_sess_lookup(w, MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, WEB_SESSION_COOKIE), &r->who);
  if (r->post) {
    if (r->body_over)
      return web_fail_page(r, 413, "The form is too large.", "表单过大。");
    const char *ct = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) ||
        web_form_parse(&r->form, r->body ? r->body : "", r->body_len))
      return web_fail_page(r, 400, "The form could not be read.", "无法读取表单。");
    if (!web__same_origin(r) || !web__csrf_ok(r)) {
      web_log(w, "http refused a POST to %s from %s: no valid CSRF token or another origin", r->url,
              r->ip);
      return web_fail_page(r, 403,
                           "This form is out of date or did not come from this console: "
                           "open the page again and resend it.",
                           "表单已过期或不是来自本系统：请重新打开页面再提交。");
    }
  }
  if (rt->role_min != WEB_OPEN && !r->who.in) {
    if (r->post)
      return web_fail_page(r, 403, "Your session has ended: log in again.", "会话已结束，请重新登录。");
    wb_init(&r->out);
    web_redirect(r, "/login");
    return 303;
  }
  if (rt->role_min != WEB_OPEN && r->who.role < rt->role_min) {
    web_log(w, "http refused %s %s to account %s (role %s)", r->method, r->url, r->who.user,
            web_role_name(r->who.role));
    return web_fail_page(r, 403, "Your role does not allow this.", "您的角色无权进行此操作。");
  }
  dom_mask_pii = !r->who.pii; /* this thread renders for this account (web_users.h) */
  int st = rt->fn(r);
  dom_mask_pii = 0;
  return st;
}

static int web__st_slot(int status)
{
  switch (status) {
  case 400: return WEB_ST_400;
  case 403: return WEB_ST_403;
  case 404: return WEB_ST_404;
  case 405: return WEB_ST_405;
  case 413: return WEB_ST_413;
  case 429: return WEB_ST_429;
  default:
    return status < 300 ? WEB_ST_2XX : status < 400 ? WEB_ST_3XX : status < 500 ? WEB_ST_4XX : WEB_ST_5XX;
  }
}

static enum MHD_Result web__respond(struct web_req *r)
{
  struct web *w = r->w;
  int status = web__serve(r);
  if (r->out.err) {
    wb_release(&r->out);
    status = web_fail_page(r, 500, "The page could not be made.", "无法生成页面。");
  }
  r->status = status;
  atomic_fetch_add(&w->http_by[web__st_slot(status)], 1);
  size_t len = r->out.len;
  char *body = r->out.p ? r->out.p : strdup("");
  r->out.p = NULL;
  r->out.len = r->out.cap = 0;
  struct MHD_Response *resp =
      body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE) : NULL;
  if (!resp) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/html; charset=utf-8");
  MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "Content-Language", r->en ? "en" : "zh-CN");
  if (r->location[0])
    MHD_add_response_header(resp, "Location", r->location);
  for (int i = 0; i < r->n_cookies; i++)
    MHD_add_response_header(resp, "Set-Cookie", r->cookies[i]);
  enum MHD_Result ok = MHD_queue_response(r->c, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static enum MHD_Result web__access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **con_cls)
{
  struct web *w = cls;
  struct web_req *r = *con_cls;
  (void)version;
  if (!r) {
    if (!(r = calloc(1, sizeof *r)))
      return MHD_NO;
    r->w = w;
    r->c = c;
    r->method = method;
    r->url = url;
    r->post = !strcmp(method, "POST");
    r->status = 200;
    wb_init(&r->out);
    web__client(r);
    web__lang(r);
    *con_cls = r;
    if (r->post)
      return MHD_YES; /* the body comes in the next calls */
  }
  if (r->post && *upload_size) {
    if (r->body_len + *upload_size > WEB_BODY_MAX) {
      r->body_over = 1;
    } else {
      char *nb = realloc(r->body, r->body_len + *upload_size + 1);
      if (!nb)
        return MHD_NO;
      r->body = nb;
      memcpy(r->body + r->body_len, upload, *upload_size);
      r->body_len += *upload_size;
      r->body[r->body_len] = 0;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  return web__respond(r);
}

static void web__done(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
  struct web_req *r = *con_cls;
  (void)cls, (void)c, (void)why;
  if (!r)
    return;
  if (r->body) {
    sodium_memzero(r->body, r->body_len);
    free(r->body);
  }
  if (r->form.buf)
    sodium_memzero(r->form.buf, strlen(r->form.buf));
  web_form_release(&r->form);
  wb_release(&r->out);
  free(r);
  *con_cls = NULL;
}

/* ---- login and logout (the only pages outside a session) ---- */

static void web__login_form(struct web_req *r, const char *user, const char *why_en, const char *why_zh)
{
  char token[WEB_TOKEN_HEX + 1];
  const char *have = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, WEB_LOGIN_COOKIE);
  if (have && strlen(have) == WEB_TOKEN_HEX && web_utf8_ok(have, WEB_TOKEN_HEX)) {
    memcpy(token, have, sizeof token);
  } else {
    web_random_hex(token);
    web__cookie(r, WEB_LOGIN_COOKIE, token, 3600);
  }
  web_head(r, T(r, "Log in", "登录"));
  wb_put(&r->out, "<form method=\"post\" action=\"/login\" class=\"card narrow\" id=\"login\">");
  wb_printf(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", token);
  if (why_en) {
    wb_put(&r->out, "<p class=\"err\" id=\"login-error\">");
    wb_escs(&r->out, T(r, why_en, why_zh));
    wb_put(&r->out, "</p>");
  }
  wb_printf(&r->out, "<label>%s<input name=\"user\" id=\"user\" autocomplete=\"username\" "
                     "maxlength=\"%d\" value=\"",
            T(r, "Account", "账号"), WEB_NAME_MAX);
  if (user)
    wb_escs(&r->out, user);
  wb_printf(&r->out, "\" required></label><label>%s<input type=\"password\" name=\"password\" "
                     "id=\"password\" autocomplete=\"current-password\" maxlength=\"%d\" required>"
                     "</label><button type=\"submit\" id=\"login-submit\">%s</button></form>",
            T(r, "Password", "密码"), WEB_PW_MAX, T(r, "Log in", "登录"));
  web_foot(r);
}

int web_page_login(struct web_req *r)
{
  struct web *w = r->w;
  if (!r->post) {
    if (r->who.in) {
      web_redirect(r, "/");
      return 303;
    }
    web__login_form(r, NULL, NULL, NULL);
    return 200;
  }
  const char *user = web_form_get(&r->form, "user"), *pw = web_form_get(&r->form, "password");
  char token[WEB_TOKEN_HEX + 1];
  if (!user || !pw || web_name_check(user) || strlen(pw) > WEB_PW_MAX) {
    web__login_form(r, NULL, "Wrong account or password.", "账号或密码错误。");
    return 401;
  }
  int rc = web_login(w, r->ip, user, pw, &r->who, token);
  if (rc == 2) {
    web_log(w, "http login refused for account %s from %s: too many failures, wait %d min",
            user, r->ip, WEB_FAILS_WINDOW_S / 60);
    web__login_form(r, user, "Too many failed logins: wait 15 minutes and try again.",
                    "登录失败次数过多：请等待 15 分钟后再试。");
    return 429;
  }
  if (rc) {
    web_log(w, "http login failed for account %s from %s", user, r->ip);
    web__login_form(r, user, "Wrong account or password.", "账号或密码错误。");
    return 401;
  }
  web_log(w, "http login account=%s role=%s from %s", r->who.user, web_role_name(r->who.role), r->ip);
  web__cookie(r, WEB_SESSION_COOKIE, token, -1);
  web__cookie(r, WEB_LOGIN_COOKIE, "", 0);
  sodium_memzero(token, sizeof token);
  web_redirect(r, "/");
  return 303;
}

int web_page_logout(struct web_req *r)
{
  web_sess_end(r->w, MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, WEB_SESSION_COOKIE));
  web__cookie(r, WEB_SESSION_COOKIE, "", 0);
  web_log(r->w, "http logout account=%s", r->who.user);
  web_redirect(r, "/login");
  return 303;
}

/* ---- start and stop ---- */

static int web__slurp(const char *path, char **out, char *err, size_t errcap)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
    return -errno;
  }
  char *buf = malloc(1 << 20);
  ssize_t got = buf ? read(fd, buf, (1 << 20) - 1) : -1;
  close(fd);
  if (got <= 0 || got >= (1 << 20) - 1) {
    free(buf);
    snprintf(err, errcap, "%s is empty, unreadable or over 1 MiB", path);
    return LINLI_EINVAL;
  }
  buf[got] = 0;
  *out = buf;
  return 0;
}

int web_start(struct web **out, const struct web_opts *o, char *err, size_t errcap)
{
  const struct config_http *h = &o->cfg->http;
  struct sockaddr_storage ss;
  unsigned sl;
  int loopback, rc;
  *out = NULL;
  struct web *w = calloc(1, sizeof *w);
  if (!w)
    return snprintf(err, errcap, "out of memory"), LINLI_ENOMEM;
  w->o = *o;
  w->cfg = o->cfg;
  pthread_mutex_init(&w->mu, NULL);
  w->fails = calloc(WEB_FAIL_SLOTS, sizeof *w->fails);
  w->users = calloc(1, sizeof *w->users);
  rc = !w->fails || !w->users ? LINLI_ENOMEM : 0;
  if (rc) {
    snprintf(err, errcap, "out of memory");
    goto fail;
  }
  if ((rc = config_zone_load(w->cfg->timezone, &w->tz, err, errcap)))
    goto fail;
  if ((rc = config_http_addr(h->addr, &ss, &sl, &loopback))) {
    snprintf(err, errcap, "http %s is not HOST:PORT", h->addr);
    goto fail;
  }
  w->hub = w->cfg->trust && o->node_pk && sodium_memcmp(o->node_pk, w->cfg->hub_pk, CRDT_PK_BYTES) == 0;
  w->tls = h->cert[0] != 0;
  if (w->tls && ((rc = web__slurp(h->cert, &w->cert_pem, err, errcap)) ||
                 (rc = web__slurp(h->key, &w->key_pem, err, errcap))))
    goto fail;
  /* an unknown account costs one hash check too: a fixed dummy hash */
  char seed[WEB_TOKEN_HEX + 1];
  web_random_hex(seed);
  if ((rc = web_password_hash(w->dummy_hash, seed, 24))) {
    snprintf(err, errcap, "cannot hash a password: %s", linli_strerror(rc));
    goto fail;
  }
  pthread_mutex_lock(&w->mu);
  web_users_refresh(w);
  pthread_mutex_unlock(&w->mu);
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
                   (w->tls ? MHD_USE_TLS : 0);
  struct MHD_OptionItem tls_opts[] = {
      {w->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, w->key_pem},
      {MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert_pem},
      {MHD_OPTION_END, 0, NULL}};
  w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, web__access, w,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)h->threads,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_NOTIFY_COMPLETED, web__done, w,
                            MHD_OPTION_EXTERNAL_LOGGER, web__mhd_log, w,
                            MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
  if (!w->mhd) {
    snprintf(err, errcap, "cannot serve http on %s (address in use, or a bad certificate or key)",
             h->addr);
    rc = LINLI_EIO;
    goto fail;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
  w->port = di ? di->port : 0;
  char host[64];
  snprintf(host, sizeof host, "%.*s", (int)(strrchr(h->addr, ':') - h->addr), h->addr);
  web_log(w, "http listening on %s:%d (%s), %d threads, %d accounts", host, w->port,
          w->tls ? "https: TLS" : loopback ? "plain http on loopback"
                                           : "plain http off loopback: http_plain_lan yes, no TLS",
          (int)h->threads, w->users->n);
  *out = w;
  return 0;
fail:
  web_stop(w);
  return rc;
}

int web_port(const struct web *w)
{
  return w->port;
}

void web_stop(struct web *w)
{
  if (!w)
    return;
  if (w->mhd)
    MHD_stop_daemon(w->mhd);
  if (w->key_pem) {
    sodium_memzero(w->key_pem, strlen(w->key_pem));
    free(w->key_pem);
  }
  free(w->cert_pem);
  free(w->fails);
  if (w->users) {
    sodium_memzero(w->users, sizeof *w->users);
    free(w->users);
  }
  pthread_mutex_destroy(&w->mu);
  sodium_memzero(w->sess, sizeof w->sess);
  free(w);
}
