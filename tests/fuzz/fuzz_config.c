/* fuzz_config: config_parse() (node/daemon/config.h) on any text. Input: a byte
 * that sizes the error buffer (FUZZ_CONFIG_ERR_FULL: below it, 0 = none and
 * 1..63 that many bytes; else CONFIG_ERR_MAX), then the text.
 *
 * The text and the error buffer are exact-size allocations, so a read past
 * the text or a write past the buffer is caught. Checked:
 * - a rejection returns LINLI_EINVAL (LINLI_ETOOBIG over CONFIG_FILE_MAX
 *   bytes) and leaves a NUL-terminated reason,
 *   non-empty when the buffer has room for a character, that starts
 *   "line N: " with N from 1 to the number of lines + 1;
 * - an acceptance leaves an empty error string and a config that holds
 *   only what the grammar allows (names, scopes, endpoints, numbers in
 *   range, the district among the scopes, defaults filled in);
 * - an accepted config written back out as text (one line per key) parses
 *   again to the same config, field by field. */
#include <string.h>

#include "config.h"
#include "fuzz.h"

static char text2_[64 * 1024];

/* Every field is one token of the grammar. */
static int fg_token(const char *s)
{
  return *s && !strpbrk(s, " \t\r\n#");
}

static void fg_valid(const struct config *c)
{
  FUZZ_ASSERT(fg_token(c->data));
  FUZZ_ASSERT(!c->listen[0] || (!strncmp(c->listen, "tcp://", 6) && c->listen[6]));
  FUZZ_ASSERT(!strncmp(c->control, "ipc://", 6) && c->control[6]);
  FUZZ_ASSERT(c->n_scopes >= 1 && c->n_scopes <= CONFIG_SCOPES_MAX);
  int held = 0, city_held = 0;
  for (int i = 0; i < c->n_scopes; i++) {
    city_held |= c->has_city && !strcmp(c->scopes[i], c->city);
    FUZZ_ASSERT(crdt_check_scope(c->scopes[i], strlen(c->scopes[i])) == 0);
    for (int j = 0; j < i; j++)
      FUZZ_ASSERT(strcmp(c->scopes[i], c->scopes[j]) != 0);
    held |= c->trust && !strcmp(c->scopes[i], c->district);
  }
  FUZZ_ASSERT(c->n_roster >= 0 && c->n_roster <= CONFIG_ROSTER_MAX);
  for (int i = 0; i < c->n_roster; i++) {
    const struct config_peer *p = &c->roster[i];
    FUZZ_ASSERT(config_check_name(p->name, strlen(p->name)) == 0);
    FUZZ_ASSERT(p->dial ? !strncmp(p->endpoint, "tcp://", 6) && p->endpoint[6] && fg_token(p->endpoint)
                        : !p->endpoint[0]);
    FUZZ_ASSERT(config_find_key(c, p->pk) == i);
    for (int j = 0; j < i; j++)
      FUZZ_ASSERT(strcmp(p->name, c->roster[j].name) != 0);
  }
  FUZZ_ASSERT(c->trust == 0 || c->trust == 1);
  FUZZ_ASSERT(c->trust ? held : !c->district[0]);
  FUZZ_ASSERT(c->has_city ? c->trust && city_held : !c->city[0]);
  FUZZ_ASSERT(c->sync_interval_ms >= 100 && c->sync_interval_ms <= 86400000);
  FUZZ_ASSERT(c->hold_ms == 0 || (c->hold_ms >= 100 && c->hold_ms <= 86400000));
  FUZZ_ASSERT(c->max_map_mb >= 1 && c->max_map_mb <= 1u << 20);
  FUZZ_ASSERT(c->peer_ops_per_s >= 1 && c->peer_ops_per_s <= 1000000);
  FUZZ_ASSERT(c->peer_msgs_per_s >= 1 && c->peer_msgs_per_s <= 1000000);
  FUZZ_ASSERT(c->max_inbound >= 1 && c->max_inbound <= 65536);
}

static void fg_hex(char *out, const uint8_t *p)
{
  for (int i = 0; i < CRDT_PK_BYTES; i++)
    snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The config as text, one line per key; its length. */
static size_t fg_render(const struct config *c)
{
  char hex[2 * CRDT_PK_BYTES + 1];
  size_t n = 0, cap = sizeof text2_;
#define PUT(...) (n += (size_t)snprintf(text2_ + n, cap - n, __VA_ARGS__), FUZZ_ASSERT(n < cap))
  PUT("data %s\ncontrol %s\n", c->data, c->control);
  if (c->listen[0])
    PUT("listen %s\n", c->listen);
  for (int i = 0; i < c->n_scopes; i++)
    PUT("scope %s\n", c->scopes[i]);
  for (int i = 0; i < c->n_roster; i++) {
    fg_hex(hex, c->roster[i].pk);
    if (c->roster[i].dial)
      PUT("peer %s %s %s\n", c->roster[i].name, c->roster[i].endpoint, hex);
    else
      PUT("allow %s %s\n", c->roster[i].name, hex);
  }
  if (c->trust) {
    fg_hex(hex, c->hub_pk);
    PUT("hub %s\ndistrict %s\n", hex, c->district);
  }
  if (c->has_city) {
    fg_hex(hex, c->city_pk);
    PUT("city %s %s\n", c->city, hex);
  }
  if (c->hold_ms)
    PUT("hold_ms %llu\n", (unsigned long long)c->hold_ms);
  PUT("sync_interval_ms %llu\nmax_map_mb %llu\npeer_ops_per_s %llu\npeer_msgs_per_s %llu\n"
      "max_inbound %llu\n",
      (unsigned long long)c->sync_interval_ms, (unsigned long long)c->max_map_mb,
      (unsigned long long)c->peer_ops_per_s, (unsigned long long)c->peer_msgs_per_s,
      (unsigned long long)c->max_inbound);
#undef PUT
  return n;
}

static void fg_same(const struct config *a, const struct config *b)
{
  FUZZ_ASSERT(!strcmp(a->data, b->data) && !strcmp(a->listen, b->listen) &&
              !strcmp(a->control, b->control));
  FUZZ_ASSERT(a->n_scopes == b->n_scopes);
  for (int i = 0; i < a->n_scopes; i++)
    FUZZ_ASSERT(!strcmp(a->scopes[i], b->scopes[i]));
  FUZZ_ASSERT(a->n_roster == b->n_roster);
  for (int i = 0; i < a->n_roster; i++) {
    const struct config_peer *p = &a->roster[i], *q = &b->roster[i];
    FUZZ_ASSERT(!strcmp(p->name, q->name) && !strcmp(p->endpoint, q->endpoint) &&
                !memcmp(p->pk, q->pk, CRDT_PK_BYTES) && p->dial == q->dial);
  }
  FUZZ_ASSERT(a->trust == b->trust && !strcmp(a->district, b->district) &&
              !memcmp(a->hub_pk, b->hub_pk, CRDT_PK_BYTES));
  FUZZ_ASSERT(a->has_city == b->has_city && !strcmp(a->city, b->city) &&
              !memcmp(a->city_pk, b->city_pk, CRDT_PK_BYTES));
  FUZZ_ASSERT(a->sync_interval_ms == b->sync_interval_ms && a->max_map_mb == b->max_map_mb &&
              a->hold_ms == b->hold_ms && a->peer_ops_per_s == b->peer_ops_per_s &&
              a->peer_msgs_per_s == b->peer_msgs_per_s && a->max_inbound == b->max_inbound);
}

/* "line N: ..." with N a line of the text or the one after it. */
static void fg_reason(const char *err, const char *text, size_t len)
{
  size_t lines = 1;
  for (size_t i = 0; i < len; i++)
    lines += text[i] == '\n';
  FUZZ_ASSERT(!strncmp(err, "line ", 5));
  char *end;
  unsigned long no = strtoul(err + 5, &end, 10);
  FUZZ_ASSERT(no >= 1 && no <= lines + 1 && !strncmp(end, ": ", 2) && end[2]);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct fuzz_in in = {data, size};
  static struct config c, again;
  uint8_t pick = fuzz_u8(&in);
  size_t errcap = pick < FUZZ_CONFIG_ERR_FULL ? pick : CONFIG_ERR_MAX;
  char *err = errcap ? malloc(errcap) : NULL, *text = malloc(in.n ? in.n : 1);
  char err2[CONFIG_ERR_MAX];
  FUZZ_ASSERT(text && (err || !errcap));
  if (err)
    memset(err, 0x55, errcap);
  if (in.n)
    memcpy(text, in.p, in.n);
  int rc = config_parse(&c, text, in.n, err, errcap);
  if (err)
    FUZZ_ASSERT(memchr(err, 0, errcap) != NULL);
  if (rc) {
    FUZZ_ASSERT(rc == (in.n > CONFIG_FILE_MAX ? LINLI_ETOOBIG : LINLI_EINVAL));
    if (errcap > 1)
      FUZZ_ASSERT(err[0] != 0);
    if (errcap == CONFIG_ERR_MAX && rc == LINLI_EINVAL)
      fg_reason(err, text, in.n);
  } else {
    FUZZ_ASSERT(!err || err[0] == 0);
    fg_valid(&c);
    size_t n = fg_render(&c);
    rc = config_parse(&again, text2_, n, err2, sizeof err2);
    if (rc)
      fprintf(stderr, "re-parse: %s\n", err2);
    FUZZ_ASSERT(rc == 0);
    fg_same(&c, &again);
  }
  free(err);
  free(text);
  return 0;
}
