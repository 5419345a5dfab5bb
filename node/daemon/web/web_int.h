/* web internals, shared by the files of node/daemon/web/. Contract: web.h. */
#ifndef LINLI_WEB_INT_H
#define LINLI_WEB_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "control.h"
#include "domain.h"
#include "web.h"
#include "web_users.h"

/* ---- output: a growing buffer, HTML-escaped where values go in (web_html.c) ---- */

struct wb {
  char *p;
  size_t len, cap;
  int err; /* LINLI_ENOMEM or LINLI_ETOOBIG once it failed: later writes do nothing */
};
void wb_init(struct wb *b);
void wb_release(struct wb *b);
/* Trusted text: literals and numbers the code made, never a record's value. */
void wb_put(struct wb *b, const char *s);
void wb_putn(struct wb *b, const char *s, size_t n);
void wb_printf(struct wb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A value: escaped for HTML text and attribute values (& < > " '), control
 * characters dropped, invalid UTF-8 shown as U+FFFD. */
void wb_esc(struct wb *b, const char *s, size_t n);
void wb_escs(struct wb *b, const char *s);
/* A value for a URL query: percent-encoded (then safe in an attribute). */
void wb_url(struct wb *b, const char *s);

/* ---- input: forms, cookies, languages (web_form.c; pure, fuzzed) ---- */

#define WEB_FORM_MAX 8192 /* fields of one form */

struct web_kv {
  const char *k, *v; /* NUL-terminated, decoded, inside the form's own copy */
};
struct web_form {
  char *buf; /* the decoded copy */
  struct web_kv *kv;
  int n;
};
/* Parses an application/x-www-form-urlencoded body (len bytes). 0, or
 * LINLI_EINVAL (bad %-escape, a NUL, a key that is not [A-Za-z0-9_.-]{1,64},
 * a value that is not UTF-8), LINLI_ETOOBIG (more than WEB_FORM_MAX fields),
 * LINLI_ENOMEM. */
int web_form_parse(struct web_form *f, const char *body, size_t len);
void web_form_release(struct web_form *f);
/* The value of field k, or NULL; the i-th field named k. */
const char *web_form_get(const struct web_form *f, const char *k);
/* 1 if the languages of an Accept-Language header ask for English before
 * Chinese, else 0 (Chinese is the default). */
int web_lang_en(const char *accept_language);
/* 1 if s is valid UTF-8 without control characters (tab allowed). */
int web_utf8_ok(const char *s, size_t n);

/* ---- sessions and login limits (web_session.c) ---- */

#define WEB_TOKEN_HEX 64 /* 32 random bytes */

struct web_sess {
  uint8_t id_hash[32]; /* BLAKE2b of the token; all zero: free */
  char user[WEB_NAME_MAX + 1];
  int role, pii;
  uint8_t stamp[16];   /* BLAKE2b of the account's role and hash when it logged in */
  char csrf[WEB_TOKEN_HEX + 1];
  uint64_t born_ms, used_ms; /* monotonic */
};

struct web_fail {
  uint8_t key[16]; /* BLAKE2b of "a" + address or "u" + account; zero: free */
  uint32_t n;
  uint64_t since_ms;
};
#define WEB_FAIL_SLOTS 4096

/* What a request knows of its session (a copy, valid without the lock). */
struct web_who {
  int in;
  char user[WEB_NAME_MAX + 1];
  int role, pii; /* pii: ID numbers and phones whole (else masked) */
  char csrf[WEB_TOKEN_HEX + 1];
};

/* ---- the server ---- */

enum { WEB_ST_2XX, WEB_ST_3XX, WEB_ST_400, WEB_ST_403, WEB_ST_404, WEB_ST_405, WEB_ST_413,
       WEB_ST_429, WEB_ST_4XX, WEB_ST_5XX, WEB_ST_N };

struct web_headline { /* cached district figures for /metrics */
  uint64_t at_ms;
  int ok;
  struct report_totals t;
  struct report_window win;
};

struct web {
  struct web_opts o;
  const struct config *cfg;
  struct MHD_Daemon *mhd;
  struct dom_tz tz;
  int tls, hub, port;
  char *cert_pem, *key_pem;
  pthread_mutex_t mu; /* everything below */
  struct web_sess sess[WEB_SESSIONS_MAX];
  struct web_fail *fails;
  struct web_users *users;
  struct stat users_st;
  int users_have;
  struct web_headline head;
  uint64_t dummy_hash_ready;
  char dummy_hash[WEB_HASH_MAX]; /* verified for unknown accounts: the same cost */
  _Atomic uint64_t http_by[WEB_ST_N];
  _Atomic uint64_t logins_ok, logins_failed, logins_limited, writes_ok, writes_refused;
};

uint64_t web_wall(const struct web *w);
uint64_t web_mono(const struct web *w);
void web_log(struct web *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One request. */
struct web_req {
  struct web *w;
  struct MHD_Connection *c;
  const char *method, *url; /* url: the path, without the query */
  int post;
  char *body;
  size_t body_len;
  int body_over; /* the body was larger than WEB_BODY_MAX */
  struct web_form form; /* POST fields */
  int en;               /* English page */
  int loopback;         /* the client is on loopback */
  char ip[64];
  struct web_who who;
  char today[DOM_DATE_LEN + 1], now[9];
  /* the response */
  struct wb out;
  int status;
  const char *ctype;
  char location[1024];
  char cookies[4][256];
  int n_cookies;
  const char *flash; /* a line shown at the top of the next page, or NULL */
};

/* "English" or "中文", by r->en. */
#define T(r, e_, z_) ((r)->en ? (e_) : (z_))
/* A dom_text by language. */
#define TX(r, t) ((r)->en || !(t).zh ? (t).en : (t).zh)

/* The value of query parameter k, or NULL (decoded by libmicrohttpd). */
const char *web_arg(struct web_req *r, const char *k);
/* A query parameter or form field, checked: NULL unless UTF-8 text
 * without control characters of at most max bytes. */
const char *web_param(struct web_req *r, const char *k, size_t max);

/* Sessions (web_session.c). Each takes the lock itself. */
void web_sess_lookup(struct web *w, const char *token, struct web_who *who);
int web_sess_new(struct web *w, const struct web_user *u, char token[WEB_TOKEN_HEX + 1],
                 char csrf[WEB_TOKEN_HEX + 1]);
void web_sess_end(struct web *w, const char *token);
/* Reloads the account table if its file changed (call with the lock). */
void web_users_refresh(struct web *w);
/* Login: 0 in (who filled), 1 wrong name or password, 2 limited (refused
 * unchecked), or an error. */
int web_login(struct web *w, const char *ip, const char *user, const char *pw, struct web_who *who,
              char token[WEB_TOKEN_HEX + 1]);
void web_random_hex(char out[WEB_TOKEN_HEX + 1]);

/* Pages (web_page.c: the frame; the others: one area each). */
void web_head(struct web_req *r, const char *title);
void web_foot(struct web_req *r);
/* A hidden CSRF field. */
void web_csrf_field(struct web_req *r);
/* Redirect (303) to url after a POST; flash shown there. */
void web_redirect(struct web_req *r, const char *url);
/* An error page with one sentence. */
int web_fail_page(struct web_req *r, int status, const char *en, const char *zh);
/* Local date and time of ms in the district's zone, "YYYY-MM-DD HH:MM". */
void web_local_time(struct web_req *r, uint64_t ms, char out[20]);
/* The scopes holding communities' records (not the district scope). */
int web_communities(const struct web *w, const char **out, int max);
/* 1 if this node holds scope s (a community). */
int web_holds(const struct web *w, const char *s);

int web_page_login(struct web_req *r);
int web_page_logout(struct web_req *r);
int web_page_css(struct web_req *r);
int web_page_home(struct web_req *r);
int web_page_district(struct web_req *r);
/* web_city.c: 1 on a city node (trust, `city CODE KEY` with CODE its
 * district); there /district is the city page, per district, for date. */
int web_is_city(const struct web *w);
int web_page_city(struct web_req *r, const char *date);
int web_page_decide(struct web_req *r);
int web_page_rounds(struct web_req *r);
int web_page_community(struct web_req *r);
int web_page_list(struct web_req *r);
int web_page_record(struct web_req *r);
int web_page_form(struct web_req *r);
int web_page_round(struct web_req *r);
int web_page_declare(struct web_req *r);
int web_page_status(struct web_req *r);
int web_page_metrics(struct web_req *r);
int web_page_users(struct web_req *r);

/* The largest value a page renders (bytes); one field=value of a write. */
#define WEB_VALUE_MAX 640
#define WEB_ARG_MAX 700

/* web_community.c: the community a page is about (?c=, or this node's
 * own); 1 if pages may write there (this node's community, not a hub);
 * the collection a path names; a record's field as staff read it. */
const char *web_scope(struct web_req *r);
int web_writable(struct web_req *r, const char *scope);
int web_coll_of(const char *url, const char *prefix);
/* Links to the health round of every grid of scope. */
void web_grid_links(struct web_req *r, const struct crdt_view *v, const char *scope);
void web_record_value(const struct crdt_view *v, const struct record *rec, const struct dom_field *f,
                      char *out, size_t cap, int *conflict);
/* web_forms.c: the 403 page of a write this node may not make. */

int web_not_here(struct web_req *r);
/* <a href="PATH?c=SCOPE&k=KEY">TEXT</a>, escaped (key NULL: no k=). */
void web_link(struct wb *b, const char *path, const char *scope, const char *key, const char *text);

/* ---- the control socket (web_ctl.c) ---- */

/* One change through the daemon's control socket, as the CLI writes it:
 * 0 (id set), or an error with a sentence in msg. */
int web_ctl_write(struct web *w, const struct dom_change *ch, const char *by,
                  uint8_t id[CRDT_ID_BYTES], char *msg, size_t cap);
/* The changes of p, in order: how many were stored in *stored. by: the
 * account, carried as the `by` of each op (domain.h "staff"). */
int web_ctl_write_plan(struct web *w, const struct dom_plan *p, const char *by, int *stored,
                       char *msg, size_t cap);

#define WEB_PEERS_MAX 384
struct web_peer {
  struct control_peer_st s; /* as linli status reads it (control.h) */
  uint64_t limited_ops, limited_msgs;
};
struct web_status {
  struct control_node_st node; /* as linli status reads it (control.h) */
  uint64_t inbound, inbound_max, accepted, evicted;
  int n_peers;
  struct web_peer peer[WEB_PEERS_MAX];
};
/* linlid's "status" and "limits" replies: 0, or an error (msg says). */
int web_ctl_status(struct web *w, struct web_status *st, char *msg, size_t cap);

/* ---- reading the store ---- */

/* One read snapshot for a page: begin, read through view, end. */
struct web_read {
  struct store_read *rd;
  struct crdt_view v;
};
int web_read_begin(struct web *w, struct web_read *rd);
void web_read_end(struct web_read *rd);

/* The district's states of one compound on a date (web_district.c). */
enum web_state { WS_CERTIFIED, WS_WITHDRAWN, WS_PENDING, WS_REJECTED, WS_ELIGIBLE, WS_NOT_ELIGIBLE,
                 WS_N };
const char *web_state_name(struct web_req *r, int s);
const char *web_state_key(int s); /* "certified", ... "not_eligible" */

#endif
