/* Certificates, revocations and the acceptance rule. Contract: trust.h. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"

#define REQ_MAGIC "linli-enroll-v1"

struct entry {
  uint8_t pk[CRDT_PK_BYTES];
  int certified;
  uint64_t cert_hlc; /* the newest certificate wins */
  char community[CRDT_SCOPE_MAX + 1];
  int hub_role;
  int district_role; /* on the city node: a district hub, for district `community` */
  uint64_t not_before, not_after;
  uint64_t revoked_at; /* UINT64_MAX: not revoked */
};

struct trust {
  uint8_t hub[CRDT_PK_BYTES];
  char district[CRDT_SCOPE_MAX + 1];
  size_t district_len;
  struct entry *e; /* sorted by pk */
  const char *const *hub_colls; /* the caller's, NULL-terminated (or NULL) */
  size_t n, cap;
  int has_city, is_city; /* trust_set_city(); is_city: this is the city node */
  uint8_t city_pk[CRDT_PK_BYTES];
  char city[CRDT_SCOPE_MAX + 1];
  size_t city_len;
};

static int trust__name_is(const char *name, const char *c, size_t len)
{
  return strlen(name) == len && memcmp(name, c, len) == 0;
}

int trust_is_hub_collection(const struct trust *t, const char *c, size_t len)
{
  if (trust__name_is(TRUST_CERT, c, len) || trust__name_is(TRUST_REVOCATION, c, len))
    return 1;
  for (int i = 0; t->hub_colls && t->hub_colls[i]; i++)
    if (trust__name_is(t->hub_colls[i], c, len))
      return 1;
  return 0;
}

int trust_new(struct trust **out, const uint8_t hub_pk[CRDT_PK_BYTES], const char *district,
              const char *const *hub_collections)
{
  size_t dl = strlen(district);
  int rc = crdt_check_scope(district, dl);
  *out = NULL;
  if (rc)
    return rc;
  struct trust *t = calloc(1, sizeof *t);
  if (!t)
    return LINLI_ENOMEM;
  memcpy(t->hub, hub_pk, CRDT_PK_BYTES);
  memcpy(t->district, district, dl + 1);
  t->district_len = dl;
  t->hub_colls = hub_collections;
  *out = t;
  return 0;
}

int trust_set_city(struct trust *t, const uint8_t city_pk[CRDT_PK_BYTES], const char *city)
{
  size_t cl = strlen(city);
  int rc = crdt_check_scope(city, cl);
  if (rc)
    return rc;
  int self = memcmp(city_pk, t->hub, CRDT_PK_BYTES) == 0;
  if (self != (cl == t->district_len && memcmp(city, t->district, cl) == 0))
    return LINLI_EINVAL; /* the city node is the hub of the city scope, and only it */
  memcpy(t->city_pk, city_pk, CRDT_PK_BYTES);
  memcpy(t->city, city, cl + 1);
  t->city_len = cl;
  t->has_city = 1;
  t->is_city = self;
  return 0;
}

void trust_free(struct trust *t)
{
  if (t)
    free(t->e);
  free(t);
}

static size_t lower(const struct trust *t, const uint8_t *pk)
{
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(t->e[mid].pk, pk, CRDT_PK_BYTES) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static const struct entry *find(const struct trust *t, const uint8_t *pk)
{
  size_t i = lower(t, pk);
  return i < t->n && memcmp(t->e[i].pk, pk, CRDT_PK_BYTES) == 0 ? &t->e[i] : NULL;
}

static struct entry *find_or_add(struct trust *t, const uint8_t *pk)
{
  size_t i = lower(t, pk);
  if (i < t->n && memcmp(t->e[i].pk, pk, CRDT_PK_BYTES) == 0)
    return &t->e[i];
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct entry *e = realloc(t->e, cap * sizeof *e);
    if (!e)
      return NULL;
    t->e = e;
    t->cap = cap;
  }
  memmove(t->e + i + 1, t->e + i, (t->n - i) * sizeof *t->e);
  memset(&t->e[i], 0, sizeof t->e[i]);
  memcpy(t->e[i].pk, pk, CRDT_PK_BYTES);
  t->e[i].revoked_at = UINT64_MAX;
  t->n++;
  return &t->e[i];
}

static int coll_is(const struct crdt_op *op, const char *name)
{
  return op->collection.len == strlen(name) && memcmp(op->collection.p, name, op->collection.len) == 0;
}

static int is_district(const struct trust *t, const struct crdt_str *s)
{
  return s->len == t->district_len && memcmp(s->p, t->district, s->len) == 0;
}

/* The subject key of a cert or revocation op: its record key, 64 hex. */
int trust_subject(const struct crdt_op *op, uint8_t pk[CRDT_PK_BYTES])
{
  size_t bin_len = 0;
  if (op->key.len != TRUST_KEYHEX_BYTES)
    return LINLI_ESCHEMA;
  if (sodium_hex2bin(pk, CRDT_PK_BYTES, op->key.p, op->key.len, NULL, &bin_len, NULL) != 0 ||
      bin_len != CRDT_PK_BYTES)
    return LINLI_ESCHEMA;
  return 0;
}

struct cert_fields {
  const char *community, *role, *reason;
  uint32_t community_len, role_len, reason_len;
  uint64_t not_before, not_after, at;
  int has_nb, has_na, has_at;
};

static int parse_body(const struct crdt_op *op, struct cert_fields *f)
{
  struct crdt_mp r;
  uint32_t n;
  memset(f, 0, sizeof *f);
  crdt_mp_init(&r, op->body, op->body_len);
  if (crdt_mp_map(&r, &n))
    return LINLI_ESCHEMA;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    int rc = crdt_mp_str(&r, &k, &kl);
    if (rc)
      return LINLI_ESCHEMA;
#define KEY(s) (kl == sizeof(s) - 1 && memcmp(k, s, kl) == 0)
    if (KEY("community"))
      rc = crdt_mp_str(&r, &f->community, &f->community_len);
    else if (KEY("role"))
      rc = crdt_mp_str(&r, &f->role, &f->role_len);
    else if (KEY("reason"))
      rc = crdt_mp_str(&r, &f->reason, &f->reason_len);
    else if (KEY("not_before"))
      rc = crdt_mp_uint(&r, &f->not_before), f->has_nb = 1;
    else if (KEY("not_after"))
      rc = crdt_mp_uint(&r, &f->not_after), f->has_na = 1;
    else if (KEY("at"))
      rc = crdt_mp_uint(&r, &f->at), f->has_at = 1;
    else
      rc = crdt_mp_value(&r, CRDT_DEPTH_MAX);
#undef KEY
    if (rc)
      return LINLI_ESCHEMA;
  }
  return 0;
}

/* A hub op in a trust collection must be well-formed to be stored. */
static int check_hub_op(const struct crdt_op *op)
{
  uint8_t pk[CRDT_PK_BYTES];
  struct cert_fields f;
  int is_cert = coll_is(op, TRUST_CERT), is_rev = coll_is(op, TRUST_REVOCATION);
  if (!is_cert && !is_rev)
    return 0;
  if (op->kind != CRDT_SET || trust_subject(op, pk) || parse_body(op, &f))
    return LINLI_ESCHEMA;
  if (is_cert && (!f.community || crdt_check_scope(f.community, f.community_len) || !f.role ||
                  !f.has_nb || !f.has_na || f.not_after <= f.not_before))
    return LINLI_ESCHEMA;
  if (is_rev && !f.has_at)
    return LINLI_ESCHEMA;
  return 0;
}

/* On the city node: 1 if scope is a district the city certified a hub for. */
static int is_certified_district(const struct trust *t, const struct crdt_str *scope)
{
  for (size_t i = 0; i < t->n; i++)
    if (t->e[i].district_role && scope->len == strlen(t->e[i].community) &&
        memcmp(scope->p, t->e[i].community, scope->len) == 0)
      return 1;
  return 0;
}

/* A certified author's validity at the op's time: 0 or the reason. */
static int entry_valid(const struct entry *e, uint64_t ms)
{
  if (e->revoked_at <= ms)
    return LINLI_EREVOKED;
  if (ms < e->not_before || ms >= e->not_after)
    return LINLI_ECERT;
  return 0;
}

/* Below the city: the time the city revoked this district's hub, or
 * UINT64_MAX. */
static uint64_t hub_revoked_at(const struct trust *t)
{
  const struct entry *e = t->has_city && !t->is_city ? find(t, t->hub) : NULL;
  return e ? e->revoked_at : UINT64_MAX;
}

static int in_city_scope(const struct trust *t, const struct crdt_str *s)
{
  return t->has_city && s->len == t->city_len && memcmp(s->p, t->city, t->city_len) == 0;
}

int trust_check(const struct trust *t, const struct crdt_op *op)
{
  int hub_coll = trust_is_hub_collection(t, op->collection.p, op->collection.len);
  uint64_t ms = CRDT_HLC_MS(op->hlc);
  if (t->has_city && !t->is_city) { /* the city scope: the city's alone */
    int in_city = op->scope.len == t->city_len && memcmp(op->scope.p, t->city, t->city_len) == 0;
    if (memcmp(op->author, t->city_pk, CRDT_PK_BYTES) == 0)
      return hub_coll && in_city ? check_hub_op(op) : LINLI_EHUBSCOPE;
    if (in_city)
      return LINLI_EUNAUTH;
  }
  if (memcmp(op->author, t->hub, CRDT_PK_BYTES) == 0) {
    if (!hub_coll || !is_district(t, &op->scope))
      return LINLI_EHUBSCOPE;
    if (hub_revoked_at(t) <= ms) /* the city revoked this district's hub */
      return LINLI_EREVOKED;
    return check_hub_op(op);
  }
  const struct entry *e = find(t, op->author);
  if (t->is_city && e && e->district_role && e->certified) { /* a district hub */
    int rc = entry_valid(e, ms);
    if (rc)
      return rc;
    if (op->scope.len != strlen(e->community) || memcmp(op->scope.p, e->community, op->scope.len))
      return LINLI_EUNAUTH;
    return hub_coll ? check_hub_op(op) : LINLI_EHUBSCOPE;
  }
  if (hub_coll || is_district(t, &op->scope))
    return LINLI_EUNAUTH;
  if (t->is_city && is_certified_district(t, &op->scope))
    return LINLI_EUNAUTH; /* only the district's hub writes there */
  if (e && e->revoked_at <= ms)
    return LINLI_EREVOKED;
  if (!e || !e->certified)
    return LINLI_EPENDING;
  if (op->scope.len != strlen(e->community) || memcmp(op->scope.p, e->community, op->scope.len))
    return LINLI_EUNAUTH;
  return entry_valid(e, ms);
}

/* Below the city: a revocation of this district's hub by the city, in the
 * city scope (trust.h); pk gets the hub key. */
static int city_revokes_hub(const struct trust *t, const struct crdt_op *op,
                            uint8_t pk[CRDT_PK_BYTES], struct cert_fields *f)
{
  return t->has_city && !t->is_city && coll_is(op, TRUST_REVOCATION) &&
         !memcmp(op->author, t->city_pk, CRDT_PK_BYTES) && in_city_scope(t, &op->scope) &&
         !check_hub_op(op) && !trust_subject(op, pk) && !memcmp(pk, t->hub, CRDT_PK_BYTES) &&
         !parse_body(op, f);
}

int trust_city_certifies_hub(const struct trust *t, const struct crdt_op *op, uint64_t now_ms)
{
  uint8_t pk[CRDT_PK_BYTES];
  struct cert_fields f;
  return t->has_city && !t->is_city && coll_is(op, TRUST_CERT) &&
         !memcmp(op->author, t->city_pk, CRDT_PK_BYTES) && in_city_scope(t, &op->scope) &&
         !check_hub_op(op) && !trust_subject(op, pk) && !memcmp(pk, t->hub, CRDT_PK_BYTES) &&
         !parse_body(op, &f) && f.role_len == 8 && !memcmp(f.role, "district", 8) &&
         f.community_len == t->district_len && !memcmp(f.community, t->district, t->district_len) &&
         f.not_before <= now_ms && now_ms < f.not_after && hub_revoked_at(t) > now_ms;
}

int trust_learn(struct trust *t, const struct crdt_op *op)
{
  uint8_t pk[CRDT_PK_BYTES];
  struct cert_fields f;
  if (city_revokes_hub(t, op, pk, &f)) {
    struct entry *h = find_or_add(t, pk);
    if (!h)
      return LINLI_ENOMEM;
    if (f.at >= h->revoked_at) /* the earliest revocation wins */
      return 0;
    h->revoked_at = f.at;
    return TRUST_LEARNED_REVOCATION;
  }
  if (memcmp(op->author, t->hub, CRDT_PK_BYTES) || !is_district(t, &op->scope) ||
      check_hub_op(op) || trust_subject(op, pk) || parse_body(op, &f) ||
      hub_revoked_at(t) <= CRDT_HLC_MS(op->hlc))
    return 0;
  if (!memcmp(pk, t->hub, CRDT_PK_BYTES) && t->has_city && !t->is_city)
    return 0; /* the hub's standing is the city's to say */
  struct entry *e = find_or_add(t, pk);
  if (!e)
    return LINLI_ENOMEM;
  if (coll_is(op, TRUST_REVOCATION)) { /* the earliest revocation wins */
    if (f.at >= e->revoked_at)
      return 0;
    e->revoked_at = f.at;
    return TRUST_LEARNED_REVOCATION;
  }
  if (e->certified && e->cert_hlc >= op->hlc)
    return 0;
  int fresh = e->certified ? 0 : TRUST_LEARNED_CERT;
  e->certified = 1;
  e->cert_hlc = op->hlc;
  memcpy(e->community, f.community, f.community_len);
  e->community[f.community_len] = 0;
  e->hub_role = f.role_len == 3 && memcmp(f.role, "hub", 3) == 0;
  e->district_role = t->is_city && f.role_len == 8 && memcmp(f.role, "district", 8) == 0;
  e->not_before = f.not_before;
  e->not_after = f.not_after;
  return fresh;
}

int trust_revokes(const struct trust *t, const struct crdt_op *op, uint8_t pk[CRDT_PK_BYTES],
                  uint64_t *at_ms)
{
  struct cert_fields f;
  if (!city_revokes_hub(t, op, pk, &f) &&
      (!coll_is(op, TRUST_REVOCATION) || memcmp(op->author, t->hub, CRDT_PK_BYTES) ||
       !is_district(t, &op->scope) || check_hub_op(op) || trust_subject(op, pk) ||
       parse_body(op, &f)))
    return 0;
  const struct entry *e = find(t, pk);
  if (e && f.at >= e->revoked_at)
    return 0;
  *at_ms = f.at;
  return 1;
}

static int load_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct crdt_op op;
  (void)hlc, (void)id;
  if (crdt_op_decode(&op, raw, len) == 0)
    trust_learn(arg, &op);
  return 0;
}

int trust_load(struct trust *t, struct store *s)
{
  struct store_bound hi = store_bound_max();
  int rc = store_range_each(s, t->district, &STORE_BOUND_MIN, &hi, 0, load_op, t);
  if (rc >= 0 && t->has_city && !t->is_city) /* a revocation of the hub by the city */
    rc = store_range_each(s, t->city, &STORE_BOUND_MIN, &hi, 0, load_op, t);
  return rc;
}

uint64_t trust_revoked_at(const struct trust *t, const uint8_t pk[CRDT_PK_BYTES])
{
  const struct entry *e = find(t, pk);
  return e ? e->revoked_at : UINT64_MAX;
}

int trust_admits(const struct trust *t, const uint8_t pk[CRDT_PK_BYTES], uint64_t now_ms)
{
  if (memcmp(pk, t->hub, CRDT_PK_BYTES) == 0)
    return hub_revoked_at(t) > now_ms;
  if (t->has_city && memcmp(pk, t->city_pk, CRDT_PK_BYTES) == 0)
    return 1;
  const struct entry *e = find(t, pk);
  return e && e->certified && e->revoked_at > now_ms && now_ms >= e->not_before &&
         now_ms < e->not_after;
}

int trust_roster(const struct trust *t, uint64_t now_ms, uint8_t (*out)[CRDT_PK_BYTES], int max)
{
  int k = 0;
  if (k < max && trust_admits(t, t->hub, now_ms))
    memcpy(out[k++], t->hub, CRDT_PK_BYTES);
  if (t->has_city && !t->is_city && k < max)
    memcpy(out[k++], t->city_pk, CRDT_PK_BYTES);
  for (size_t i = 0; i < t->n && k < max; i++)
    if (trust_admits(t, t->e[i].pk, now_ms) && memcmp(t->e[i].pk, t->hub, CRDT_PK_BYTES) &&
        (!t->has_city || memcmp(t->e[i].pk, t->city_pk, CRDT_PK_BYTES)))
      memcpy(out[k++], t->e[i].pk, CRDT_PK_BYTES);
  return k;
}

size_t trust_count(const struct trust *t)
{
  return t->n;
}

int trust_get(const struct trust *t, size_t i, struct trust_info *out)
{
  if (i >= t->n)
    return LINLI_ENOTFOUND;
  const struct entry *e = &t->e[i];
  memset(out, 0, sizeof *out);
  memcpy(out->pk, e->pk, CRDT_PK_BYTES);
  out->certified = e->certified;
  memcpy(out->community, e->community, sizeof out->community);
  out->hub_role = e->hub_role;
  out->district_role = e->district_role;
  out->not_before_ms = e->not_before;
  out->not_after_ms = e->not_after;
  out->revoked_at_ms = e->revoked_at;
  return 0;
}

/* ---- files and signing ---- */

static int req_text(char *out, size_t cap, const char *community, const uint8_t *pk)
{
  char hex[TRUST_KEYHEX_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, pk, CRDT_PK_BYTES);
  int n = snprintf(out, cap, "%s %s %s", REQ_MAGIC, community, hex);
  return n < 0 || (size_t)n >= cap ? LINLI_ETOOBIG : n;
}

int trust_request_write(const char *path, const struct crdt_identity *node, const char *community)
{
  char text[256], line[512], sighex[2 * CRDT_SIG_BYTES + 1];
  uint8_t sig[CRDT_SIG_BYTES];
  int rc = crdt_check_scope(community, strlen(community));
  if (rc)
    return rc;
  int n = req_text(text, sizeof text, community, node->pk);
  if (n < 0)
    return n;
  crypto_sign_detached(sig, NULL, (const uint8_t *)text, (size_t)n, node->sk);
  sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
  int len = snprintf(line, sizeof line, "%s %s\n", text, sighex);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  rc = write(fd, line, (size_t)len) == len ? 0 : LINLI_EIO;
  if (close(fd) < 0 && !rc)
    rc = -errno;
  return rc;
}

int trust_request_read(const char *path, uint8_t pk[CRDT_PK_BYTES], char *community)
{
  char buf[512], magic[32], comm[CRDT_SCOPE_MAX + 2], pkhex[TRUST_KEYHEX_BYTES + 2],
      sighex[2 * CRDT_SIG_BYTES + 2], text[256];
  uint8_t sig[CRDT_SIG_BYTES];
  size_t bl = 0;
  FILE *f = fopen(path, "re");
  if (!f)
    return -errno;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  if (sscanf(buf, "%31s %65s %65s %129s", magic, comm, pkhex, sighex) != 4 ||
      strcmp(magic, REQ_MAGIC) || crdt_check_scope(comm, strlen(comm)) ||
      strlen(pkhex) != TRUST_KEYHEX_BYTES || strlen(sighex) != 2 * CRDT_SIG_BYTES)
    return LINLI_EKEYFILE;
  if (sodium_hex2bin(pk, CRDT_PK_BYTES, pkhex, TRUST_KEYHEX_BYTES, NULL, &bl, NULL) || bl != CRDT_PK_BYTES ||
      sodium_hex2bin(sig, sizeof sig, sighex, 2 * CRDT_SIG_BYTES, NULL, &bl, NULL) || bl != sizeof sig)
    return LINLI_EKEYFILE;
  int tl = req_text(text, sizeof text, comm, pk);
  if (tl < 0)
    return tl;
  if (crdt_sig_verify(sig, (const uint8_t *)text, (size_t)tl, pk) != 0) /* the op rule, 3.6 */
    return LINLI_EBADSIG;
  strcpy(community, comm);
  return 0;
}

static int sign_trust_op(const struct crdt_identity *hub, const char *district, uint64_t hlc,
                         const char *coll, const uint8_t *pk, const uint8_t *body, size_t bl,
                         uint8_t *out, size_t cap)
{
  char key[TRUST_KEYHEX_BYTES + 1];
  size_t len;
  sodium_bin2hex(key, sizeof key, pk, CRDT_PK_BYTES);
  struct crdt_draft d = {district, coll, key, hlc, CRDT_SET, body, bl, NULL, 0};
  int rc = crdt_op_sign(&d, hub, out, cap, &len, NULL);
  return rc ? rc : (int)len;
}

int trust_cert_sign(const struct crdt_identity *hub, const char *district, uint64_t hlc,
                    const uint8_t pk[CRDT_PK_BYTES], const char *community, const char *role,
                    uint64_t not_before_ms, uint64_t not_after_ms, uint8_t *out, size_t cap)
{
  uint8_t body[256];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 4);
  crdt_w_cstr(&b, "community");
  crdt_w_cstr(&b, community);
  crdt_w_cstr(&b, "not_after");
  crdt_w_uint(&b, not_after_ms);
  crdt_w_cstr(&b, "not_before");
  crdt_w_uint(&b, not_before_ms);
  crdt_w_cstr(&b, "role");
  crdt_w_cstr(&b, role);
  if (crdt_buf_err(&b))
    return LINLI_ETOOBIG;
  return sign_trust_op(hub, district, hlc, TRUST_CERT, pk, body, b.len, out, cap);
}

int trust_revoke_sign(const struct crdt_identity *hub, const char *district, uint64_t hlc,
                      const uint8_t pk[CRDT_PK_BYTES], uint64_t at_ms, const char *reason,
                      uint8_t *out, size_t cap)
{
  uint8_t body[1024];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 2);
  crdt_w_cstr(&b, "at");
  crdt_w_uint(&b, at_ms);
  crdt_w_cstr(&b, "reason");
  crdt_w_cstr(&b, reason);
  if (crdt_buf_err(&b))
    return LINLI_ETOOBIG;
  return sign_trust_op(hub, district, hlc, TRUST_REVOCATION, pk, body, b.len, out, cap);
}
