/* The daemon's configuration file. Contract: config.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bundle.h"
#include "config.h"
#include "domain.h"
#include "web_users.h"

#define CONFIG_FIELDS_MAX 5

struct config__line {
  int no;
  char *f[CONFIG_FIELDS_MAX + 1];
  int n;
  char *err;
  size_t errcap;
};

static int config__fail(struct config__line *l, const char *fmt, ...)
{
  if (l->err && l->errcap) {
    int k = snprintf(l->err, l->errcap, "line %d: ", l->no);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < l->errcap)
      vsnprintf(l->err + k, l->errcap - (size_t)k, fmt, ap);
    va_end(ap);
  }
  return LINLI_EINVAL;
}

static int config__want(struct config__line *l, int n)
{
  if (l->n != n + 1)
    return config__fail(l, "'%s' takes %d value%s, found %d", l->f[0], n, n == 1 ? "" : "s",
                        l->n - 1);
  return 0;
}

int config_check_name(const char *s, size_t len)
{
  if (len == 0 || len > CONFIG_NAME_MAX)
    return LINLI_ENAME;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '_' || ch == '.' || ch == '-';
    if (!ok)
      return LINLI_ENAME;
  }
  return 0;
}

static int config__hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

static int config__key(struct config__line *l, const char *hex, uint8_t pk[CRDT_PK_BYTES])
{
  if (strlen(hex) != 2 * CRDT_PK_BYTES)
    return config__fail(l, "a public key is %d hex digits, found %zu", 2 * CRDT_PK_BYTES,
                        strlen(hex));
  for (int i = 0; i < CRDT_PK_BYTES; i++) {
    int hi = config__hexval(hex[2 * i]), lo = config__hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return config__fail(l, "public key has a character that is not a hex digit");
    pk[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static int config__copy(struct config__line *l, char *dst, size_t cap, const char *src)
{
  size_t n = strlen(src);
  if (n >= cap)
    return config__fail(l, "'%s' value is longer than %zu bytes", l->f[0], cap - 1);
  memcpy(dst, src, n + 1);
  return 0;
}

static int config__uint(struct config__line *l, const char *s, uint64_t lo, uint64_t hi,
                        uint64_t *out)
{
  char *end = NULL;
  if (*s < '0' || *s > '9')
    return config__fail(l, "'%s' needs a whole number", l->f[0]);
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v < lo || v > hi)
    return config__fail(l, "'%s' must be a whole number from %llu to %llu", l->f[0],
                        (unsigned long long)lo, (unsigned long long)hi);
  *out = v;
  return 0;
}

static int config__endpoint(struct config__line *l, const char *s, const char *scheme)
{
  size_t k = strlen(scheme);
  if (strncmp(s, scheme, k) != 0 || !s[k])
    return config__fail(l, "'%s' needs an endpoint like %s...", l->f[0], scheme);
  return 0;
}

static int config__roster_add(struct config *c, struct config__line *l, const char *name,
                              const char *endpoint, const char *hex)
{
  struct config_peer p;
  int rc;
  memset(&p, 0, sizeof p);
  if (c->n_roster == CONFIG_ROSTER_MAX)
    return config__fail(l, "more than %d peer and allow lines", CONFIG_ROSTER_MAX);
  if (config_check_name(name, strlen(name)))
    return config__fail(l, "a peer name is 1 to %d characters of A-Z a-z 0-9 _ . -",
                        CONFIG_NAME_MAX);
  memcpy(p.name, name, strlen(name) + 1);
  if ((rc = config__key(l, hex, p.pk)))
    return rc;
  if (endpoint) {
    if ((rc = config__endpoint(l, endpoint, "tcp://")) ||
        (rc = config__copy(l, p.endpoint, sizeof p.endpoint, endpoint)))
      return rc;
    p.dial = 1;
  }
  for (int i = 0; i < c->n_roster; i++) {
    if (strcmp(c->roster[i].name, p.name) == 0)
      return config__fail(l, "the name '%s' is used twice", p.name);
    if (memcmp(c->roster[i].pk, p.pk, CRDT_PK_BYTES) == 0)
      return config__fail(l, "this key is already listed as '%s'", c->roster[i].name);
  }
  c->roster[c->n_roster++] = p;
  return 0;
}

static int config__scope(struct config *c, struct config__line *l, const char *s)
{
  if (c->n_scopes == CONFIG_SCOPES_MAX)
    return config__fail(l, "more than %d scope lines", CONFIG_SCOPES_MAX);
  if (crdt_check_scope(s, strlen(s)))
    return config__fail(l, "a scope is 1 to %d characters of A-Z a-z 0-9 _ . -", CRDT_SCOPE_MAX);
  for (int i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], s) == 0)
      return config__fail(l, "scope '%s' is listed twice", s);
  memcpy(c->scopes[c->n_scopes++], s, strlen(s) + 1);
  return 0;
}

/* ---- the web console's keys (config.h "The web console") ---- */

int config_http_addr(const char *s, struct sockaddr_storage *addr, unsigned *len, int *loopback)
{
  char host[64];
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s || !colon[1] || (size_t)(colon - s) >= sizeof host)
    return LINLI_EINVAL;
  char *end = NULL;
  errno = 0;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (errno || *end || port > 65535 || colon[1] < '0' || colon[1] > '9')
    return LINLI_EINVAL;
  size_t hl = (size_t)(colon - s);
  memset(addr, 0, sizeof *addr);
  if (s[0] == '[') {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    if (hl < 3 || s[hl - 1] != ']')
      return LINLI_EINVAL;
    memcpy(host, s + 1, hl - 2);
    host[hl - 2] = 0;
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
      return LINLI_EINVAL;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
    *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
    return 0;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  memcpy(host, s, hl);
  host[hl] = 0;
  if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
    return LINLI_EINVAL;
  a4->sin_family = AF_INET;
  a4->sin_port = htons((uint16_t)port);
  *len = sizeof *a4;
  *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
  return 0;
}

static int config__token(struct config__line *l, const char *s, char *out)
{
  size_t n = strlen(s);
  if (n < 16 || n > CONFIG_TOKEN_MAX || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                  "0123456789-._~+/=") != n)
    return config__fail(l, "'%s' takes 16 to %d characters of A-Z a-z 0-9 - . _ ~ + / =",
                        l->f[0], CONFIG_TOKEN_MAX);
  memcpy(out, s, n + 1);
  return 0;
}

/* One http* line: 1 if k is not such a key. */
static int config__http(struct config *c, struct config__line *l, const char *k)
{
  struct config_http *h = &c->http;
  struct sockaddr_storage ss;
  unsigned len;
  int rc, lo;
  if (strcmp(k, "http") == 0) {
    if ((rc = config__want(l, 1)))
      return rc;
    if (config_http_addr(l->f[1], &ss, &len, &lo))
      return config__fail(l, "'http' takes HOST:PORT with an IP address, e.g. 127.0.0.1:8080 or "
                             "[::1]:8080");
    return config__copy(l, h->addr, sizeof h->addr, l->f[1]);
  }
  if (strcmp(k, "http_cert") == 0)
    return (rc = config__want(l, 1)) ? rc : config__copy(l, h->cert, sizeof h->cert, l->f[1]);
  if (strcmp(k, "http_key") == 0)
    return (rc = config__want(l, 1)) ? rc : config__copy(l, h->key, sizeof h->key, l->f[1]);
  if (strcmp(k, "http_plain_lan") == 0) {
    if ((rc = config__want(l, 1)))
      return rc;
    if (strcmp(l->f[1], "yes") && strcmp(l->f[1], "no"))
      return config__fail(l, "'http_plain_lan' takes yes or no");
    h->plain_lan = l->f[1][0] == 'y';
    return 0;
  }
  if (strcmp(k, "http_metrics_token") == 0)
    return (rc = config__want(l, 1)) ? rc : config__token(l, l->f[1], h->metrics_token);
  if (strcmp(k, "http_threads") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 64, &h->threads);
  if (strcmp(k, "http_idle_s") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 10, 86400, &h->idle_s);
  return 1;
}

static int config__http_finish(struct config *c, struct config__line *l)
{
  struct config_http *h = &c->http;
  struct sockaddr_storage ss;
  unsigned len;
  int lo = 1;
  if (!h->threads)
    h->threads = 4;
  if (!h->idle_s)
    h->idle_s = 1800;
  if (!h->cert[0] != !h->key[0])
    return config__fail(l, "'http_cert' and 'http_key' come together (TLS needs both)");
  if (h->addr[0] && config_http_addr(h->addr, &ss, &len, &lo) == 0 && !lo && !h->cert[0] &&
      !h->plain_lan)
    return config__fail(l, "'http %s' is not a loopback address: give http_cert and http_key "
                           "(TLS), or 'http_plain_lan yes' to serve plain HTTP there", h->addr);
  return 0;
}

/* staff USER NAME ROLE [pii] */
static int config__staff(struct config *c, struct config__line *l)
{
  if (l->n != 4 && l->n != 5)
    return config__fail(l, "'staff' takes USER NAME ROLE and optionally pii, found %d values",
                        l->n - 1);
  if (c->n_staff == CONFIG_STAFF_MAX)
    return config__fail(l, "more than %d staff lines", CONFIG_STAFF_MAX);
  struct config_staff *st = &c->staff[c->n_staff];
  if (config_check_name(l->f[1], strlen(l->f[1])))
    return config__fail(l, "a Unix user is 1 to %d characters of A-Z a-z 0-9 _ . -",
                        CONFIG_NAME_MAX);
  if (dom_by_check(l->f[2]))
    return config__fail(l, "a staff name is 1 to %d bytes of UTF-8 text without spaces, '#' or "
                           "control characters", DOM_BY_MAX);
  if ((st->role = web_role_parse(l->f[3])) < 0)
    return config__fail(l, "a staff role is viewer, clerk, approver or admin");
  if (l->n == 5 && strcmp(l->f[4], "pii"))
    return config__fail(l, "the last value of 'staff' may only be pii");
  st->pii = l->n == 5;
  for (int i = 0; i < c->n_staff; i++)
    if (!strcmp(c->staff[i].user, l->f[1]))
      return config__fail(l, "Unix user '%s' has a staff line already", l->f[1]);
  snprintf(st->user, sizeof st->user, "%s", l->f[1]);
  snprintf(st->name, sizeof st->name, "%s", l->f[2]);
  c->n_staff++;
  return 0;
}

/* One non-empty line, split into fields. */
static int config__apply(struct config *c, struct config__line *l)
{
  const char *k = l->f[0];
  int rc;
  if (strcmp(k, "data") == 0)
    return (rc = config__want(l, 1)) ? rc : config__copy(l, c->data, sizeof c->data, l->f[1]);
  if (strcmp(k, "listen") == 0) {
    if ((rc = config__want(l, 1)) || (rc = config__endpoint(l, l->f[1], "tcp://")))
      return rc;
    return config__copy(l, c->listen, sizeof c->listen, l->f[1]);
  }
  if (strcmp(k, "control") == 0) {
    if ((rc = config__want(l, 1)) || (rc = config__endpoint(l, l->f[1], "ipc://")))
      return rc;
    return config__copy(l, c->control, sizeof c->control, l->f[1]);
  }
  if (strcmp(k, "scope") == 0)
    return (rc = config__want(l, 1)) ? rc : config__scope(c, l, l->f[1]);
  if (strcmp(k, "peer") == 0)
    return (rc = config__want(l, 3)) ? rc : config__roster_add(c, l, l->f[1], l->f[2], l->f[3]);
  if (strcmp(k, "allow") == 0)
    return (rc = config__want(l, 2)) ? rc : config__roster_add(c, l, l->f[1], NULL, l->f[2]);
  if (strcmp(k, "sync_interval_ms") == 0)
    return (rc = config__want(l, 1)) ? rc
                                     : config__uint(l, l->f[1], 100, 86400000, &c->sync_interval_ms);
  if (strcmp(k, "hub") == 0) {
    if ((rc = config__want(l, 1)) || (rc = config__key(l, l->f[1], c->hub_pk)))
      return rc;
    if (c->trust & 1)
      return config__fail(l, "'hub' is given twice");
    c->trust |= 1;
    return 0;
  }
  if (strcmp(k, "district") == 0) {
    if ((rc = config__want(l, 1)))
      return rc;
    if (crdt_check_scope(l->f[1], strlen(l->f[1])))
      return config__fail(l, "a district is 1 to %d characters of A-Z a-z 0-9 _ . -",
                          CRDT_SCOPE_MAX);
    if (c->trust & 2)
      return config__fail(l, "'district' is given twice");
    c->trust |= 2;
    return config__copy(l, c->district, sizeof c->district, l->f[1]);
  }
  if (strcmp(k, "city") == 0) {
    if ((rc = config__want(l, 2)))
      return rc;
    if (crdt_check_scope(l->f[1], strlen(l->f[1])))
      return config__fail(l, "a city is 1 to %d characters of A-Z a-z 0-9 _ . -", CRDT_SCOPE_MAX);
    if (c->has_city)
      return config__fail(l, "'city' is given twice");
    if ((rc = config__key(l, l->f[2], c->city_pk)))
      return rc;
    c->has_city = 1;
    return config__copy(l, c->city, sizeof c->city, l->f[1]);
  }
  if (strcmp(k, "on_event") == 0) {
    if ((rc = config__want(l, 1)))
      return rc;
    if (l->f[1][0] != '/')
      return config__fail(l, "on_event takes the absolute path of a program");
    return config__copy(l, c->on_event, sizeof c->on_event, l->f[1]);
  }
  if (strcmp(k, "event_silent_s") == 0)
    return (rc = config__want(l, 1)) ? rc
                                     : config__uint(l, l->f[1], 1, 31536000, &c->event_silent_s);
  if (strcmp(k, "summary_s") == 0) {
    c->summary_given = 1;
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 0, 86400, &c->summary_s);
  }
  if (strcmp(k, "event_check_s") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 86400, &c->event_check_s);
  if (strcmp(k, "hold_ms") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 100, 86400000, &c->hold_ms);
  if (strcmp(k, "peer_ops_per_s") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 1000000, &c->peer_ops_per_s);
  if (strcmp(k, "peer_msgs_per_s") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 1000000, &c->peer_msgs_per_s);
  if (strcmp(k, "frame_bytes") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 16384, 1048576, &c->frame_bytes);
  if (strcmp(k, "max_inbound") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 65536, &c->max_inbound);
  if (strcmp(k, "max_map_mb") == 0)
    return (rc = config__want(l, 1)) ? rc : config__uint(l, l->f[1], 1, 1 << 20, &c->max_map_mb);
  if (strcmp(k, "timezone") == 0) {
    struct dom_tz fixed;
    if ((rc = config__want(l, 1)))
      return rc;
    if (dom_tz_fixed(&fixed, l->f[1]) && config_check_zone(l->f[1]))
      return config__fail(l, "a time zone is an IANA name such as Asia/Shanghai, or an offset "
                             "such as +08:00");
    return config__copy(l, c->timezone, sizeof c->timezone, l->f[1]);
  }
  if (strcmp(k, "lang") == 0) {
    if ((rc = config__want(l, 1)))
      return rc;
    if (strcmp(l->f[1], "zh-CN") && strcmp(l->f[1], "zh") && strcmp(l->f[1], "en"))
      return config__fail(l, "lang is zh-CN (Simplified Chinese) or en");
    return config__copy(l, c->lang, sizeof c->lang, l->f[1]);
  }
  if (strcmp(k, "staff") == 0)
    return config__staff(c, l);
  if ((rc = config__http(c, l, k)) <= 0)
    return rc;
  return config__fail(l, "unknown key '%.40s'", k);
}

static int config__split(struct config__line *l, char *s)
{
  char *hash = strchr(s, '#');
  if (hash)
    *hash = 0;
  char *save = NULL;
  l->n = 0;
  for (char *tok = strtok_r(s, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
    if (l->n == CONFIG_FIELDS_MAX)
      return config__fail(l, "too many values for '%s'", l->f[0]);
    l->f[l->n++] = tok;
  }
  return 0;
}

static int config__finish(struct config *c, struct config__line *l)
{
  if (!c->data[0])
    return config__fail(l, "no 'data' line: the data directory is required");
  if (!c->n_scopes)
    return config__fail(l, "no 'scope' line: the node's community is required");
  if (!c->control[0]) {
    int k = snprintf(c->control, sizeof c->control, "ipc://%s/control.sock", c->data);
    if (k < 0 || (size_t)k >= sizeof c->control)
      return config__fail(l, "the data path is too long for a control socket path");
  }
  if (c->trust == 1 || c->trust == 2)
    return config__fail(l, "'%s' needs a '%s' line too: together they turn trust on",
                        c->trust == 1 ? "hub" : "district", c->trust == 1 ? "district" : "hub");
  if (c->trust) {
    int held = 0;
    c->trust = 1;
    for (int i = 0; i < c->n_scopes; i++)
      held |= strcmp(c->scopes[i], c->district) == 0;
    if (!held) {
      if (c->n_scopes == CONFIG_SCOPES_MAX)
        return config__fail(l, "no room to add the district scope: more than %d scopes",
                            CONFIG_SCOPES_MAX - 1);
      memcpy(c->scopes[c->n_scopes++], c->district, strlen(c->district) + 1);
    }
  }
  if (c->has_city && !c->trust)
    return config__fail(l, "'city' needs trust on: the 'hub' and 'district' lines");
  if (c->has_city) {
    int self = memcmp(c->city_pk, c->hub_pk, CRDT_PK_BYTES) == 0;
    if (self != (strcmp(c->city, c->district) == 0))
      return config__fail(l, "on the city node 'city' names its own district and hub key; elsewhere "
                             "another code and key");
    int held = 0;
    for (int i = 0; i < c->n_scopes; i++)
      held |= strcmp(c->scopes[i], c->city) == 0;
    if (!held) {
      if (c->n_scopes == CONFIG_SCOPES_MAX)
        return config__fail(l, "no room to add the city scope: more than %d scopes",
                            CONFIG_SCOPES_MAX - 1);
      memcpy(c->scopes[c->n_scopes++], c->city, strlen(c->city) + 1);
    }
  }
  if (!c->sync_interval_ms)
    c->sync_interval_ms = 30000;
  if (!c->event_check_s)
    c->event_check_s = 60;
  if (!c->summary_given)
    c->summary_s = 30;
  if (!c->max_map_mb)
    c->max_map_mb = 65536;
  if (!c->peer_ops_per_s)
    c->peer_ops_per_s = 20000; /* about what two cores verify: bulk sync runs at full speed */
  if (!c->peer_msgs_per_s)
    c->peer_msgs_per_s = 2000;
  if (!c->max_inbound)
    c->max_inbound = 64;
  if (!c->timezone[0])
    memcpy(c->timezone, CONFIG_TIMEZONE_DEFAULT, sizeof CONFIG_TIMEZONE_DEFAULT);
  return config__http_finish(c, l);
}

int config_check_zone(const char *name)
{
  size_t n = strlen(name);
  if (!n || n >= DOM_TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
    return LINLI_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') ||
          (name[i] >= '0' && name[i] <= '9') || strchr("/_+-", name[i])))
      return LINLI_EINVAL;
  return 0;
}

/* Zones without summer time that a district may name when the machine has
 * no zoneinfo files (Debian's tzdata not installed). */
static const struct {
  const char *name, *offset;
} config__known[] = {{"Asia/Shanghai", "+08:00"}, {"Asia/Chongqing", "+08:00"},
                     {"Asia/Harbin", "+08:00"},   {"Asia/Urumqi", "+06:00"},
                     {"Asia/Hong_Kong", "+08:00"}, {"Asia/Taipei", "+08:00"},
                     {"Etc/UTC", "UTC"},          {"UTC", "UTC"}};

int config_zone_load(const char *name, struct dom_tz *tz, char *err, size_t errcap)
{
  char path[CONFIG_PATH_MAX + DOM_TZ_NAME_MAX + 2];
  static const size_t max = 1 << 20;
  if (dom_tz_fixed(tz, name) == 0)
    return 0;
  if (config_check_zone(name))
    return snprintf(err, errcap, "'%s' is not a time zone name", name), LINLI_EINVAL;
  const char *dir = getenv("TZDIR");
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC), rc = LINLI_EINVAL;
  if (fd < 0) {
    for (size_t i = 0; i < sizeof config__known / sizeof config__known[0]; i++)
      if (!strcmp(config__known[i].name, name)) {
        dom_tz_fixed(tz, config__known[i].offset);
        snprintf(tz->name, sizeof tz->name, "%s", name);
        return 0;
      }
    snprintf(err, errcap, "time zone %s: no %s (install Debian's tzdata, or give an offset such "
             "as +08:00)", name, path);
    return -errno;
  }
  uint8_t *buf = malloc(max);
  ssize_t got = buf ? read(fd, buf, max) : -1;
  close(fd);
  if (got > 0 && (size_t)got < max)
    rc = dom_tz_parse(tz, name, buf, (size_t)got);
  free(buf);
  if (rc)
    snprintf(err, errcap, "time zone %s: %s is not a zoneinfo file", name, path);
  return rc;
}

int config_parse(struct config *c, const char *text, size_t len, char *err, size_t errcap)
{
  struct config__line l = {0, {NULL}, 0, err, errcap};
  char buf[CONFIG_LINE_MAX + 1];
  int rc = 0;
  memset(c, 0, sizeof *c);
  if (err && errcap)
    err[0] = 0;
  if (len > CONFIG_FILE_MAX) {
    if (err && errcap)
      snprintf(err, errcap, "the file is larger than %d bytes", CONFIG_FILE_MAX);
    return LINLI_ETOOBIG;
  }
  size_t pos = 0;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
    l.no++;
    if (n > CONFIG_LINE_MAX)
      return config__fail(&l, "line is longer than %d bytes", CONFIG_LINE_MAX);
    memcpy(buf, text + pos, n);
    buf[n] = 0;
    pos += n + 1;
    if (memchr(buf, 0, n))
      return config__fail(&l, "line contains a NUL byte");
    if ((rc = config__split(&l, buf)))
      return rc;
    if (l.n && (rc = config__apply(c, &l)))
      return rc;
  }
  l.no++;
  return config__finish(c, &l);
}

int config_load(struct config *c, const char *path, char *err, size_t errcap)
{
  char *text = NULL;
  int rc = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    rc = -errno;
    goto out;
  }
  text = malloc(CONFIG_FILE_MAX + 1);
  if (!text) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = -errno;
      goto out;
    }
    if (r == 0 || (len += (size_t)r) > CONFIG_FILE_MAX)
      break;
  }
  rc = config_parse(c, text, len, err, errcap);
  if (rc && err && errcap) {
    char tmp[CONFIG_ERR_MAX];
    snprintf(tmp, sizeof tmp, "%s", err);
    snprintf(err, errcap, "%s: %s", path, tmp);
  }
out:
  if (rc < 0 && rc != LINLI_EINVAL && rc != LINLI_ETOOBIG && err && errcap)
    snprintf(err, errcap, "%s: %s", path, linli_strerror(rc));
  if (fd >= 0)
    close(fd);
  free(text);
  return rc;
}

int config_template(char *out, size_t cap, const char *data, const char *listen,
                    const char *scope, const char *district, const char *hub_hex,
                    const char *hub_addr)
{
  char trust[CONFIG_ENDPOINT_MAX + CRDT_SCOPE_MAX + 4 * CRDT_PK_BYTES + 64] = "";
  if (district && hub_hex)
    snprintf(trust, sizeof trust, "hub %s\ndistrict %s\n%s%s%s%s%s", hub_hex, district,
             hub_addr ? "peer hub " : "", hub_addr ? hub_addr : "", hub_addr ? " " : "",
             hub_addr ? hub_hex : "", hub_addr ? "\n" : "");
  int k = snprintf(out, cap,
                   "# linlid configuration: one 'key value' per line (docs/operator.md)\n"
                   "data %s\n"
                   "%s%s\n"
                   "scope %s\n"
                   "%s"
                   "# scope NEIGHBOUR              hold a neighbour's records as a backup\n"
                   "# peer hub tcp://10.0.0.1:7001 <64 hex digits>   dial this node\n"
                   "# allow grid3 <64 hex digits>                     let this node connect in\n"
                   "# control ipc://%s/control.sock\n"
                   "# sync_interval_ms 30000\n"
                   "# timezone Asia/Shanghai        the district's zone, the same on every node\n"
                   "# lang zh-CN                    linli's messages in Chinese (or en)\n"
                   "# max_map_mb 65536\n"
                   "%s",
                   data, listen ? "listen " : "# listen tcp://127.0.0.1:7001", listen ? listen : "",
                   scope, trust, data,
                   trust[0] ? "# hold_ms 600000\n"
                            : "# hub <64 hex digits>            the district hub's key (with district)\n"
                              "# district CODE                  turns trust on (docs/operator.md)\n");
  if (k < 0 || (size_t)k >= cap)
    return LINLI_ETOOBIG;
  return k;
}

int config_is_trust_scope(const struct config *c, const char *scope)
{
  if (!c->trust)
    return 0;
  if (!strcmp(scope, c->district))
    return 1;
  return c->has_city && (!strcmp(scope, c->city) || !strcmp(c->city, c->district));
}

int config_community_scopes(const struct config *c, const char **out)
{
  int n = 0;
  for (int i = 0; i < c->n_scopes; i++)
    if (!config_is_trust_scope(c, c->scopes[i]))
      out[n++] = c->scopes[i];
  return n;
}

int config_find_key(const struct config *c, const uint8_t pk[CRDT_PK_BYTES])
{
  for (int i = 0; i < c->n_roster; i++)
    if (memcmp(c->roster[i].pk, pk, CRDT_PK_BYTES) == 0)
      return i;
  return -1;
}

void config_node(const struct config *c, const struct crdt_identity *id, struct node_config *nc)
{
  memset(nc, 0, sizeof *nc);
  nc->dir = c->data;
  nc->identity = id;
  for (int i = 0; i < c->n_scopes; i++)
    nc->scopes[i] = c->scopes[i];
  nc->n_scopes = c->n_scopes;
  nc->map_size_max = (size_t)c->max_map_mb << 20;
  /* The web console reads the store in its own threads, and LMDB may not
   * grow the map while a read transaction of the process is open: with the
   * console on, the map has its full size from the start (address space
   * only; the file grows as it is written). */
  if (c->http.addr[0])
    nc->map_size = nc->map_size_max;
  nc->sync_interval_ms = c->sync_interval_ms;
  nc->peer_ops_per_s = (uint32_t)c->peer_ops_per_s;
  nc->peer_msgs_per_s = (uint32_t)c->peer_msgs_per_s;
  nc->frame_max = (size_t)c->frame_bytes;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  nc->verify_threads = cores > 1 ? (uint32_t)(cores - 1) : 0;
  nc->accept = domain_accept; /* the domain's write check, on every op */
  nc->check_batch = dom_check_batch; /* a stock never overdrawn by this node's own writes */
  nc->seal = domain_seal;     /* personal fields sealed when this node holds the key */
  nc->hub_collections = domain_hub_collections();
  if (c->trust) {
    nc->hub_pk = c->hub_pk;
    nc->district = c->district;
    nc->hold_ms = c->hold_ms;
    if (c->has_city)
      nc->city_pk = c->city_pk, nc->city = c->city;
  }
}

int config_add_scope(const char *path, const char *scope, char *err, size_t errcap)
{
  struct config *c = malloc(sizeof *c);
  char *text = malloc(CONFIG_FILE_MAX + CRDT_SCOPE_MAX + 16);
  struct stat st;
  int rc = 0, fd = -1;
  size_t len = 0;
  if (err && errcap)
    err[0] = 0;
  if (!c || !text) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  if ((rc = config_load(c, path, err, errcap)))
    goto out;
  for (int i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], scope) == 0)
      goto out; /* held already: 0 */
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
    rc = -errno;
    goto out;
  }
  for (;;) {
    ssize_t r = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = -errno;
      goto out;
    }
    if (r == 0 || (len += (size_t)r) > CONFIG_FILE_MAX)
      break;
  }
  close(fd);
  fd = -1;
  if (len && text[len - 1] != '\n')
    text[len++] = '\n';
  len += (size_t)snprintf(text + len, CRDT_SCOPE_MAX + 16, "scope %s\n", scope);
  /* the new text must load (a bad scope, the scope limit, the file limit) */
  if ((rc = config_parse(c, text, len, err, errcap)))
    goto out;
  if (!(rc = crdt_file_replace(path, text, len, st.st_mode & 0777)))
    rc = 1;
out:
  if (rc < 0 && err && errcap && !err[0])
    snprintf(err, errcap, "%s: %s", path, linli_strerror(rc));
  if (fd >= 0)
    close(fd);
  free(text);
  free(c);
  return rc;
}
