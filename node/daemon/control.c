/* The control protocol's codec: control.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "control.h"

static const char *const verbs[] = {"status", "limits", "stop",    "digest", "write",
                                    "writes", "import", "imports", "request"};

/* A str of at most cap - 1 bytes, no NUL, copied and terminated. */
static int dec_str(struct crdt_mp *r, char *buf, size_t cap)
{
  const char *s;
  uint32_t len;
  int rc = crdt_mp_str(r, &s, &len);
  if (rc)
    return rc;
  if (len >= cap || memchr(s, 0, len))
    return LINLI_ETOOBIG;
  memcpy(buf, s, len);
  buf[len] = 0;
  return 0;
}

/* nil, or a scope. */
static int dec_scope(struct crdt_mp *r, char *buf, const char **scope)
{
  if (crdt_mp_peek_nil(r)) {
    *scope = NULL;
    return crdt_mp_nil(r);
  }
  *scope = buf;
  int rc = dec_str(r, buf, CRDT_SCOPE_MAX + 1);
  if (!rc && crdt_check_scope(buf, strlen(buf)))
    rc = LINLI_ENAME;
  return rc;
}

/* nil, or NODE_REQUEST_BYTES. */
static int dec_request(struct crdt_mp *r, struct control_req *q)
{
  const uint8_t *p;
  uint32_t len;
  if (crdt_mp_peek_nil(r)) {
    q->has_request = 0;
    return crdt_mp_nil(r);
  }
  int rc = crdt_mp_bin(r, &p, &len);
  if (rc)
    return rc;
  if (len != NODE_REQUEST_BYTES)
    return LINLI_EINVAL;
  memcpy(q->request, p, len);
  q->has_request = 1;
  return 0;
}

/* scope|nil, coll, key, kind, body, parents: six values. */
static int dec_change(struct crdt_mp *r, struct control_change *nm, struct node_change *c)
{
  const uint8_t *parents;
  uint32_t plen, blen;
  uint64_t kind;
  int rc;
  memset(c, 0, sizeof *c);
  if ((rc = dec_scope(r, nm->scope, &c->scope)) || (rc = dec_str(r, nm->coll, sizeof nm->coll)) ||
      (rc = dec_str(r, nm->key, sizeof nm->key)) || (rc = crdt_mp_uint(r, &kind)) ||
      (rc = crdt_mp_bin(r, &c->body, &blen)) || (rc = crdt_mp_bin(r, &parents, &plen)))
    return rc;
  if (kind >= CRDT_KIND_COUNT)
    return LINLI_EKIND;
  if (blen > CRDT_BODY_MAX_BYTES)
    return LINLI_ETOOBIG;
  if (plen % CRDT_ID_BYTES || plen / CRDT_ID_BYTES > CRDT_PARENTS_MAX)
    return LINLI_EINVAL;
  c->collection = nm->coll;
  c->key = nm->key;
  c->kind = (enum crdt_kind)kind;
  c->body_len = blen;
  c->parents = plen ? parents : NULL;
  c->n_parents = plen / CRDT_ID_BYTES;
  return 0;
}

static int alloc_entries(struct control_req *q, size_t n)
{
  q->n = n;
  if (q->verb == CONTROL_WRITE) {
    q->names = malloc((n ? n : 1) * sizeof *q->names);
    q->changes = malloc((n ? n : 1) * sizeof *q->changes);
    return q->names && q->changes ? 0 : LINLI_ENOMEM;
  }
  q->ops = malloc((n ? n : 1) * sizeof *q->ops);
  q->lens = malloc((n ? n : 1) * sizeof *q->lens);
  return q->ops && q->lens ? 0 : LINLI_ENOMEM;
}

static int dec_op(struct crdt_mp *r, struct control_req *q, size_t i)
{
  uint32_t len;
  int rc = crdt_mp_bin(r, &q->ops[i], &len);
  if (!rc && (len == 0 || len > CRDT_OP_MAX_BYTES))
    rc = LINLI_ETOOBIG;
  q->lens[i] = len;
  return rc;
}

/* The entries of a batch: [entry, ...]. */
static int dec_batch(struct crdt_mp *r, struct control_req *q, char *why, size_t cap)
{
  uint32_t n;
  int rc = crdt_mp_array(r, &n);
  if (rc)
    return rc;
  if (n > CONTROL_BATCH_MAX) {
    snprintf(why, cap, "a batch of %u entries: at most %u go in one request", n,
             CONTROL_BATCH_MAX);
    return LINLI_ETOOBIG;
  }
  /* Each entry takes at least 2 bytes (an op) or 7 (a change): a count the
   * bytes left cannot hold is refused before anything is allocated. */
  if ((uint64_t)n * (q->verb == CONTROL_IMPORT ? 2 : 7) > crdt_mp_left(r)) {
    snprintf(why, cap, "a batch of %u entries in %zu bytes: truncated", n, crdt_mp_left(r));
    return LINLI_ETRUNC;
  }
  if ((rc = alloc_entries(q, n)))
    return rc;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t k;
    if (q->verb == CONTROL_IMPORT)
      rc = dec_op(r, q, i);
    else if (!(rc = crdt_mp_array(r, &k)))
      rc = k == 6 ? dec_change(r, &q->names[i], &q->changes[i]) : LINLI_ETYPE;
    if (rc) {
      snprintf(why, cap, "entry %u of the batch is malformed: %s", i, linli_strerror(rc));
      return rc;
    }
  }
  return 0;
}

static int dec_body(struct crdt_mp *r, struct control_req *q, const char *verb, uint32_t n,
                    char *why, size_t cap)
{
  static const struct {
    const char *name;
    enum control_verb verb;
  } bare[] = {{"status", CONTROL_STATUS}, {"limits", CONTROL_LIMITS}, {"stop", CONTROL_STOP},
              {"reload", CONTROL_RELOAD}, {"compare", CONTROL_COMPARE},
              {"sync", CONTROL_SYNC}};
  for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
    if (!strcmp(verb, bare[i].name)) {
      q->verb = bare[i].verb;
      return n == 1 ? 0 : LINLI_ETYPE;
    }
  if (!strcmp(verb, "digest")) {
    q->verb = CONTROL_DIGEST;
    return n == 2 ? dec_scope(r, q->scope_buf, &q->scope) : LINLI_ETYPE;
  }
  if (!strcmp(verb, "request")) {
    q->verb = CONTROL_REQUEST;
    int rc = n == 2 ? dec_request(r, q) : LINLI_ETYPE;
    return rc ? rc : q->has_request ? 0 : LINLI_EINVAL;
  }
  if (!strcmp(verb, "write")) {
    q->verb = CONTROL_WRITE;
    q->single = 1;
    int rc = n == 7 ? alloc_entries(q, 1) : LINLI_ETYPE;
    return rc ? rc : dec_change(r, &q->names[0], &q->changes[0]);
  }
  if (!strcmp(verb, "import")) {
    q->verb = CONTROL_IMPORT;
    q->single = 1;
    int rc = n == 2 ? alloc_entries(q, 1) : LINLI_ETYPE;
    return rc ? rc : dec_op(r, q, 0);
  }
  if (!strcmp(verb, "writes") || !strcmp(verb, "imports")) {
    q->verb = verb[0] == 'w' ? CONTROL_WRITE : CONTROL_IMPORT;
    int rc = n == 3 ? dec_request(r, q) : LINLI_ETYPE;
    return rc ? rc : dec_batch(r, q, why, cap);
  }
  snprintf(why, cap, "unknown control request");
  return LINLI_EPROTO;
}

int control_req_decode(struct control_req *q, const uint8_t *req, size_t len, char *why,
                       size_t cap)
{
  struct crdt_mp r;
  uint32_t n = 0;
  char verb[CONTROL_VERB_MAX + 1];
  memset(q, 0, sizeof *q);
  why[0] = 0;
  crdt_mp_init(&r, req, len);
  if (len > CONTROL_REQ_MAX || crdt_mp_array(&r, &n) || n < 1 || n > 7 ||
      dec_str(&r, verb, sizeof verb)) {
    snprintf(why, cap, "malformed control request: expected [verb, ...]");
    return LINLI_EPROTO;
  }
  int rc = dec_body(&r, q, verb, n, why, cap);
  if (!rc && crdt_mp_left(&r))
    rc = LINLI_ETRAIL;
  if (rc) {
    if (!why[0])
      snprintf(why, cap, "malformed %s request: %s", verb, linli_strerror(rc));
    control_req_free(q);
  }
  return rc;
}

void control_req_free(struct control_req *q)
{
  free(q->names);
  free(q->changes);
  free(q->ops);
  free(q->lens);
  q->names = NULL;
  q->changes = NULL;
  q->ops = NULL;
  q->lens = NULL;
  q->n = 0;
}

/* ---- requests ---- */

size_t control_writes_size(const struct node_change *c, size_t n)
{
  size_t s = 64;
  for (size_t i = 0; i < n; i++)
    s += 32 + (c[i].scope ? strlen(c[i].scope) : 0) + strlen(c[i].collection) +
         strlen(c[i].key) + c[i].body_len + (size_t)c[i].n_parents * CRDT_ID_BYTES;
  return s;
}

void control_enc_verb(struct crdt_buf *b, const char *verb)
{
  crdt_w_array(b, 1);
  crdt_w_cstr(b, verb);
}

void control_enc_digest(struct crdt_buf *b, const char *scope)
{
  crdt_w_array(b, 2);
  crdt_w_cstr(b, "digest");
  if (scope)
    crdt_w_cstr(b, scope);
  else
    crdt_w_nil(b);
}

static void enc_request(struct crdt_buf *b, const uint8_t *request)
{
  if (request)
    crdt_w_bin(b, request, NODE_REQUEST_BYTES);
  else
    crdt_w_nil(b);
}

void control_enc_writes(struct crdt_buf *b, const uint8_t *request, const struct node_change *c,
                        size_t n)
{
  crdt_w_array(b, 3);
  crdt_w_cstr(b, verbs[5]);
  enc_request(b, request);
  crdt_w_array(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    crdt_w_array(b, 6);
    if (c[i].scope)
      crdt_w_cstr(b, c[i].scope);
    else
      crdt_w_nil(b);
    crdt_w_cstr(b, c[i].collection);
    crdt_w_cstr(b, c[i].key);
    crdt_w_uint(b, (uint64_t)c[i].kind);
    crdt_w_bin(b, c[i].body, c[i].body_len);
    crdt_w_bin(b, c[i].n_parents ? c[i].parents : (const uint8_t *)"",
               (size_t)c[i].n_parents * CRDT_ID_BYTES);
  }
}

void control_enc_imports(struct crdt_buf *b, const uint8_t *request, const uint8_t *const *ops,
                         const size_t *lens, size_t n)
{
  crdt_w_array(b, 3);
  crdt_w_cstr(b, verbs[7]);
  enc_request(b, request);
  crdt_w_array(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    crdt_w_bin(b, ops[i], lens[i]);
}

void control_enc_request(struct crdt_buf *b, const uint8_t request[NODE_REQUEST_BYTES])
{
  crdt_w_array(b, 2);
  crdt_w_cstr(b, verbs[8]);
  crdt_w_bin(b, request, NODE_REQUEST_BYTES);
}

/* ---- replies ---- */

void control_enc_err(struct crdt_buf *b, int code, const char *msg)
{
  crdt_w_array(b, 2);
  crdt_w_int(b, code);
  crdt_w_cstr(b, msg ? msg : linli_strerror(code));
}

void control_enc_err_at(struct crdt_buf *b, int code, const char *msg, size_t index)
{
  crdt_w_array(b, 3);
  crdt_w_int(b, code);
  crdt_w_cstr(b, msg ? msg : linli_strerror(code));
  crdt_w_uint(b, index);
}

int control_reply_open(struct crdt_mp *r, const uint8_t *reply, size_t len, uint32_t *n,
                       int *code, char *msg, size_t cap, size_t *index)
{
  int64_t c;
  *code = 0;
  *index = SIZE_MAX;
  if (cap)
    msg[0] = 0;
  crdt_mp_init(r, reply, len);
  if (crdt_mp_array(r, n) || *n < 1 || crdt_mp_int(r, &c) || c > 0 || c < -100000)
    return LINLI_EPROTO;
  if (c == 0)
    return 0;
  *code = (int)c;
  const char *m;
  uint32_t ml;
  uint64_t at;
  if (*n < 2 || *n > 3 || crdt_mp_str(r, &m, &ml))
    return LINLI_EPROTO;
  if (*n == 3 && (crdt_mp_uint(r, &at) || at > CONTROL_BATCH_MAX))
    return LINLI_EPROTO;
  if (crdt_mp_left(r))
    return LINLI_EPROTO;
  if (*n == 3)
    *index = (size_t)at;
  if (cap)
    snprintf(msg, cap, "%.*s", (int)ml, ml ? m : linli_strerror(*code));
  return 0;
}

int control_reply_writes(struct crdt_mp *r, uint32_t count, size_t n, uint8_t (*ids)[CRDT_ID_BYTES])
{
  const uint8_t *p;
  uint32_t len;
  if (count != 2 || crdt_mp_bin(r, &p, &len) || len != n * CRDT_ID_BYTES || crdt_mp_left(r))
    return LINLI_EPROTO;
  if (ids)
    memcpy(ids, p, len);
  return 0;
}

int control_reply_imports(struct crdt_mp *r, uint32_t count, size_t n, int *what, int *stored)
{
  uint64_t st;
  uint32_t k;
  if (count != 3 || crdt_mp_uint(r, &st) || st > n || crdt_mp_array(r, &k) || k != n)
    return LINLI_EPROTO;
  for (size_t i = 0; i < n; i++) {
    int64_t w;
    if (crdt_mp_int(r, &w) || w > 1 || w < -100000)
      return LINLI_EPROTO;
    what[i] = (int)w;
  }
  *stored = (int)st;
  return crdt_mp_left(r) ? LINLI_EPROTO : 0;
}

int control_reply_request(struct crdt_mp *r, uint32_t count, int *committed, uint64_t *ops,
                          uint64_t *added, uint8_t first[CRDT_ID_BYTES])
{
  int c;
  const uint8_t *id;
  uint32_t len;
  if (count != 5 || crdt_mp_bool(r, &c) || crdt_mp_uint(r, ops) || crdt_mp_uint(r, added) ||
      crdt_mp_bin(r, &id, &len) || len != (c ? CRDT_ID_BYTES : 0) || crdt_mp_left(r))
    return LINLI_EPROTO;
  *committed = c;
  if (c)
    memcpy(first, id, CRDT_ID_BYTES);
  return 0;
}

/* ---- the status reply ---- */

int control_reply_str(struct crdt_mp *r, char *out, size_t cap)
{
  const char *s;
  uint32_t n;
  int rc = crdt_mp_str(r, &s, &n);
  if (!rc && n >= cap)
    rc = LINLI_ETOOBIG;
  if (!rc) {
    memcpy(out, s, n);
    out[n] = 0;
  }
  return rc;
}

static int ctl__key(struct crdt_mp *r, char *out)
{
  const uint8_t *b;
  uint32_t n;
  int rc = crdt_mp_bin(r, &b, &n);
  if (!rc && n != CRDT_PK_BYTES)
    rc = LINLI_ETYPE;
  if (!rc)
    sodium_bin2hex(out, 2 * CRDT_PK_BYTES + 1, b, n);
  return rc;
}

int control_reply_uints(struct crdt_mp *r, uint64_t **v, int n)
{
  int rc = 0;
  for (int i = 0; i < n && !rc; i++)
    rc = crdt_mp_uint(r, v[i]);
  return rc;
}

int control_reply_node(struct crdt_mp *r, struct control_node_st *st)
{
  uint32_t n, k;
  uint64_t *v[] = {&st->ops,      &st->hlc,    &st->rejected, &st->malformed,
                   &st->uptime_s, &st->now_ms, &st->held,     &st->purged};
  int rc = crdt_mp_array(r, &n);
  if (!rc && n != 11)
    rc = LINLI_ETYPE;
  if (!rc)
    rc = control_reply_str(r, st->scope, sizeof st->scope);
  if (!rc)
    rc = ctl__key(r, st->key);
  if (!rc)
    rc = control_reply_uints(r, v, 8);
  /* [[code, count], ...]: rejections by reason */
  if (!rc)
    rc = crdt_mp_array(r, &n);
  if (!rc && n >= LINLI_ERR_SLOTS)
    rc = LINLI_ETOOBIG;
  for (uint32_t i = 0; i < n && !rc; i++) {
    int64_t code = 0;
    rc = crdt_mp_array(r, &k);
    if (!rc && k != 2)
      rc = LINLI_ETYPE;
    if (!rc)
      rc = crdt_mp_int(r, &code);
    if (!rc && (code >= 0 || code < INT32_MIN))
      rc = LINLI_ETYPE;
    if (!rc)
      rc = crdt_mp_uint(r, &st->why_n[i]);
    st->why[i] = (int)code;
  }
  st->n_why = rc ? 0 : (int)n;
  return rc;
}

int control_reply_peer(struct crdt_mp *r, struct control_peer_st *p)
{
  uint32_t n;
  uint64_t *v[] = {&p->last_sync_ms, &p->ops_in,    &p->ops_out,  &p->behind, &p->bytes_in,
                   &p->bytes_out,    &p->rejected, &p->bad_msgs, &p->dropped};
  int rc = crdt_mp_array(r, &n);
  if (!rc && n != 14)
    rc = LINLI_ETYPE;
  if (!rc)
    rc = control_reply_str(r, p->name, sizeof p->name);
  if (!rc)
    rc = crdt_mp_bool(r, &p->dial);
  if (!rc)
    rc = crdt_mp_bool(r, &p->connected);
  if (!rc)
    rc = control_reply_uints(r, v, 9);
  if (!rc)
    rc = ctl__key(r, p->key);
  return rc ? rc : crdt_mp_bool(r, &p->refused);
}
