/* Message codecs: HELLO, RECON, WANT, OPS, PUSH, ERROR. The byte-exact format
 * is docs/protocol.md §10; the summary is in net.h. */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

/* ---- small encoders ---- */

size_t net__array_head(uint8_t out[5], uint32_t n)
{
  if (n <= 15) {
    out[0] = (uint8_t)(0x90 | n);
    return 1;
  }
  if (n <= 0xffff) {
    out[0] = 0xdc;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
  }
  out[0] = 0xdd;
  for (int i = 0; i < 4; i++)
    out[1 + i] = (uint8_t)(n >> (24 - 8 * i));
  return 5;
}

size_t net__bin_head(uint8_t out[5], uint32_t n)
{
  if (n <= 0xff) {
    out[0] = 0xc4;
    out[1] = (uint8_t)n;
    return 2;
  }
  if (n <= 0xffff) {
    out[0] = 0xc5;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
  }
  out[0] = 0xc6;
  for (int i = 0; i < 4; i++)
    out[1 + i] = (uint8_t)(n >> (24 - 8 * i));
  return 5;
}

void net__fix_head(struct crdt_buf *b, size_t at, const uint8_t *h, size_t h_len)
{
  if (b->overflow)
    return;
  memmove(b->p + at + h_len, b->p + at + 5, b->len - at - 5);
  memcpy(b->p + at, h, h_len);
  b->len -= 5 - h_len;
}

int net__ids_check(const uint8_t *ids, uint32_t n)
{
  for (uint32_t i = 1; i < n; i++)
    if (memcmp(ids + (size_t)(i - 1) * NET_ID_BYTES, ids + (size_t)i * NET_ID_BYTES,
               NET_ID_BYTES) >= 0)
      return LINLI_EPROTO;
  return 0;
}

static int net__idcmp(const void *a, const void *b)
{
  return memcmp(a, b, NET_ID_BYTES);
}

uint32_t net_ids_sort(uint8_t *ids, uint32_t n)
{
  if (n == 0)
    return 0;
  qsort(ids, n, NET_ID_BYTES, net__idcmp);
  uint32_t w = 1;
  for (uint32_t i = 1; i < n; i++) {
    uint8_t *cur = ids + (size_t)i * NET_ID_BYTES;
    uint8_t *last = ids + (size_t)(w - 1) * NET_ID_BYTES;
    if (memcmp(cur, last, NET_ID_BYTES) != 0)
      memmove(ids + (size_t)w++ * NET_ID_BYTES, cur, NET_ID_BYTES);
  }
  return w;
}

/* ---- ranges ---- */

static const uint32_t net__mode_fields[5] = {3, 4, 4, 5, 5};

/* A bound on the wire: dms (0 = infinity, else ms - previous ms + 1) and key,
 * the 34 bytes counter (u16 BE) || id prefix zero-padded, with trailing zero
 * bytes removed. */
static size_t net__bound_key(const struct net_bound *b, uint8_t key[2 + NET_ID_BYTES])
{
  size_t n = 2 + (size_t)b->len;
  key[0] = (uint8_t)(CRDT_HLC_CTR(b->hlc) >> 8);
  key[1] = (uint8_t)CRDT_HLC_CTR(b->hlc);
  memcpy(key + 2, b->id, b->len);
  while (n > 0 && key[n - 1] == 0)
    n--;
  return n;
}

void net__range_head(struct crdt_buf *b, uint64_t *prev_hlc, const struct net_bound *upper,
                     enum net_mode mode)
{
  uint8_t key[2 + NET_ID_BYTES];
  crdt_w_array(b, net__mode_fields[mode]);
  if (net_bound_is_inf(upper)) {
    crdt_w_uint(b, 0);
    crdt_w_bin(b, key, 0);
  } else {
    crdt_w_uint(b, CRDT_HLC_MS(upper->hlc) - CRDT_HLC_MS(*prev_hlc) + 1);
    crdt_w_bin(b, key, net__bound_key(upper, key));
    *prev_hlc = upper->hlc;
  }
  crdt_w_uint(b, (uint64_t)mode);
}

void net__range_write(struct crdt_buf *b, uint64_t *prev_hlc, const struct net_range *r)
{
  net__range_head(b, prev_hlc, &r->upper, r->mode);
  switch (r->mode) {
  case NET_SKIP:
    break;
  case NET_FPRINT:
    crdt_w_bin(b, r->fp, NET_FP_BYTES);
    break;
  case NET_IDLIST:
    crdt_w_bin(b, r->ids, (size_t)r->n_ids * NET_ID_BYTES);
    break;
  case NET_DIFF:
    crdt_w_bin(b, r->ids, (size_t)r->n_ids * NET_ID_BYTES);
    crdt_w_bin(b, r->need, (size_t)r->n_need * NET_ID_BYTES);
    break;
  case NET_SENDS:
    crdt_w_uint(b, r->count);
    crdt_w_bin(b, r->need, (size_t)r->n_need * NET_ID_BYTES);
    break;
  }
}

static int net__bound_read(struct crdt_mp *r, uint64_t *prev_hlc, struct net_bound *b)
{
  uint64_t dms, ms;
  const uint8_t *key;
  uint32_t len;
  int rc;
  if ((rc = crdt_mp_uint(r, &dms)) || (rc = crdt_mp_bin(r, &key, &len)))
    return rc;
  if (len > 2 + NET_ID_BYTES)
    return LINLI_ETOOBIG;
  if (len > 0 && key[len - 1] == 0)
    return LINLI_ENONCANON; /* trailing zero bytes name the same point */
  memset(b, 0, sizeof *b);
  if (dms == 0) {
    b->hlc = NET_HLC_INF;
    return len ? LINLI_ENONCANON : 0;
  }
  ms = CRDT_HLC_MS(*prev_hlc);
  if (dms - 1 > CRDT_HLC_MAX_MS - ms)
    return LINLI_ETOOBIG;
  ms += dms - 1;
  b->hlc = CRDT_HLC_MAKE(ms, (len > 0 ? (uint32_t)key[0] << 8 : 0) | (len > 1 ? key[1] : 0));
  if (b->hlc == NET_HLC_INF)
    return LINLI_ETOOBIG; /* finite bounds stay below NET_HLC_INF */
  b->len = (uint8_t)(len > 2 ? len - 2 : 0);
  memcpy(b->id, key + 2, b->len);
  *prev_hlc = b->hlc;
  return 0;
}

static int net__idlist_read(struct crdt_mp *r, const uint8_t **ids, uint32_t *n)
{
  uint32_t len;
  int rc = crdt_mp_bin(r, ids, &len);
  if (rc)
    return rc;
  if (len % NET_ID_BYTES)
    return LINLI_EPROTO;
  *n = len / NET_ID_BYTES;
  if (*n > NET_IDS_MAX)
    return LINLI_ETOOBIG;
  return net__ids_check(*ids, *n);
}

static int net__payload_read(struct crdt_mp *r, struct net_range *out)
{
  const uint8_t *fp;
  uint32_t len;
  int rc = 0;
  switch (out->mode) {
  case NET_SKIP:
    break;
  case NET_FPRINT:
    if ((rc = crdt_mp_bin(r, &fp, &len)))
      return rc;
    if (len != NET_FP_BYTES)
      return LINLI_EPROTO;
    memcpy(out->fp, fp, NET_FP_BYTES);
    break;
  case NET_IDLIST:
    rc = net__idlist_read(r, &out->ids, &out->n_ids);
    break;
  case NET_DIFF:
    if ((rc = net__idlist_read(r, &out->ids, &out->n_ids)))
      return rc;
    rc = net__idlist_read(r, &out->need, &out->n_need);
    break;
  case NET_SENDS:
    if ((rc = crdt_mp_uint(r, &out->count)))
      return rc;
    if (out->count == 0)
      return LINLI_EPROTO; /* nothing to send is a DIFF */
    rc = net__idlist_read(r, &out->need, &out->n_need);
    break;
  }
  return rc;
}

int net__range_read(struct crdt_mp *r, uint64_t *prev_hlc, struct net_range *out)
{
  uint32_t n;
  uint64_t mode;
  int rc;
  memset(out, 0, sizeof *out);
  if ((rc = crdt_mp_array(r, &n)))
    return rc;
  if (n < 3 || n > 5)
    return LINLI_EPROTO;
  if ((rc = net__bound_read(r, prev_hlc, &out->upper)) || (rc = crdt_mp_uint(r, &mode)))
    return rc;
  if (mode > NET_SENDS || net__mode_fields[mode] != n)
    return LINLI_EPROTO;
  out->mode = (enum net_mode)mode;
  return net__payload_read(r, out);
}

/* ---- decoding ---- */

static int net__scope_read(struct crdt_mp *r, struct crdt_str *s)
{
  int rc = crdt_mp_str(r, &s->p, &s->len);
  return rc ? rc : crdt_check_scope(s->p, s->len);
}

static int net__str_cmp(const struct crdt_str *a, const struct crdt_str *b)
{
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->p, b->p, n) : 0;
  return c ? c : (a->len < b->len ? -1 : a->len > b->len);
}

static int net__hello_read(struct net_msg *m, struct crdt_mp *r)
{
  struct crdt_str prev = {0}, s;
  uint32_t nl;
  int rc;
  if ((rc = crdt_mp_uint(r, &m->version)) || (rc = crdt_mp_bin(r, &m->nonce, &nl)))
    return rc;
  if (nl != NET_NONCE_BYTES)
    return LINLI_EPROTO;
  if ((rc = crdt_mp_array(r, &m->n)))
    return rc;
  if (m->n > NET_SCOPES_MAX)
    return LINLI_ETOOBIG;
  m->it = *r;
  for (uint32_t i = 0; i < m->n; i++) {
    if ((rc = net__scope_read(r, &s)))
      return rc;
    if (i > 0 && net__str_cmp(&prev, &s) >= 0)
      return LINLI_EPROTO;
    prev = s;
  }
  return 0;
}

static int net__recon_read(struct net_msg *m, struct crdt_mp *r)
{
  struct net_range rg;
  struct net_bound prev;
  uint64_t prev_hlc = 0, ids = 0;
  int rc;
  if ((rc = crdt_mp_array(r, &m->n)))
    return rc;
  if (m->n > NET_RANGES_MAX)
    return LINLI_ETOOBIG;
  m->it = *r;
  net_bound_min(&prev);
  for (uint32_t i = 0; i < m->n; i++) {
    if ((rc = net__range_read(r, &prev_hlc, &rg)))
      return rc;
    if (net_bound_cmp(&rg.upper, &prev) <= 0 || net_bound_is_inf(&prev))
      return LINLI_EPROTO; /* bounds must strictly ascend; infinity is last */
    prev = rg.upper;
    ids += (uint64_t)rg.n_ids + rg.n_need;
    if (ids > NET_IDS_MAX)
      return LINLI_ETOOBIG;
  }
  return 0;
}

static int net__want_read(struct net_msg *m, struct crdt_mp *r)
{
  int rc = net__idlist_read(r, &m->ids, &m->n);
  if (rc == 0 && m->n == 0)
    rc = LINLI_EPROTO;
  return rc;
}

static int net__ops_read(struct net_msg *m, struct crdt_mp *r)
{
  const uint8_t *op;
  uint32_t len;
  int rc;
  if ((rc = crdt_mp_array(r, &m->n)))
    return rc;
  if (m->n > NET_OPS_MAX)
    return LINLI_ETOOBIG;
  m->it = *r;
  for (uint32_t i = 0; i < m->n; i++) {
    if ((rc = crdt_mp_bin(r, &op, &len)))
      return rc;
    if (len == 0)
      return LINLI_EPROTO;
    if (len > CRDT_OP_MAX_BYTES)
      return LINLI_ETOOBIG;
  }
  return 0;
}

static int net__error_read(struct net_msg *m, struct crdt_mp *r)
{
  uint64_t code;
  int rc;
  if ((rc = crdt_mp_uint(r, &code)) || (rc = crdt_mp_str(r, &m->text.p, &m->text.len)))
    return rc;
  if (code == 0 || code > 0xffff)
    return LINLI_EPROTO;
  if (m->text.len > NET_ERROR_TEXT_MAX)
    return LINLI_ETOOBIG;
  m->err = -(int)code;
  return 0;
}

static int net__body_read(struct net_msg *m, struct crdt_mp *r)
{
  int rc;
  if (m->type == NET_HELLO)
    return net__hello_read(m, r);
  if (m->type == NET_ERROR)
    return net__error_read(m, r);
  if ((rc = net__scope_read(r, &m->scope)))
    return rc;
  switch (m->type) {
  case NET_RECON:
    return net__recon_read(m, r);
  case NET_WANT:
    return net__want_read(m, r);
  default:
    return net__ops_read(m, r);
  }
}

int net_msg_type(const uint8_t *buf, size_t len, enum net_msg_type *type)
{
  struct crdt_mp r;
  uint32_t n;
  uint64_t t;
  int rc;
  if (len > NET_MSG_MAX)
    return LINLI_ETOOBIG;
  crdt_mp_init(&r, buf, len);
  if ((rc = crdt_mp_array(&r, &n)) || (rc = crdt_mp_uint(&r, &t)))
    return rc;
  if (t < NET_HELLO || t > NET_ERROR ||
      (n != (t == NET_HELLO ? 4u : 3u) && !(t == NET_RECON && n == 4)))
    return LINLI_EPROTO; /* a RECON has a 4th element when more of its answer follows */
  *type = (enum net_msg_type)t;
  return 0;
}

int net_msg_decode(struct net_msg *m, const uint8_t *buf, size_t len)
{
  struct crdt_mp r;
  uint32_t n;
  uint64_t t;
  int rc;
  memset(m, 0, sizeof *m);
  if ((rc = net_msg_type(buf, len, &m->type)))
    goto fail;
  crdt_mp_init(&r, buf, len);
  if ((rc = crdt_mp_array(&r, &n)) || (rc = crdt_mp_uint(&r, &t)))
    goto fail;
  if ((rc = net__body_read(m, &r)))
    goto fail;
  if (m->type == NET_RECON && n == 4) {
    uint64_t more;
    if ((rc = crdt_mp_uint(&r, &more)))
      goto fail;
    if (more != 1) {
      rc = LINLI_EPROTO; /* absent is 0; present is 1 */
      goto fail;
    }
    m->more = 1;
  }
  if (crdt_mp_left(&r)) {
    rc = LINLI_ETRAIL;
    goto fail;
  }
  m->left = m->n;
  return 0;
fail:
  memset(m, 0, sizeof *m);
  return rc;
}

int net_msg_next_scope(struct net_msg *m, struct crdt_str *scope)
{
  if (m->type != NET_HELLO || m->left == 0)
    return LINLI_ENOTFOUND;
  m->left--;
  return crdt_mp_str(&m->it, &scope->p, &scope->len);
}

int net_msg_next_range(struct net_msg *m, struct net_range *rg)
{
  if (m->type != NET_RECON || m->left == 0)
    return LINLI_ENOTFOUND;
  m->left--;
  return net__range_read(&m->it, &m->prev_hlc, rg);
}

int net_msg_next_op(struct net_msg *m, const uint8_t **op, size_t *len)
{
  uint32_t l;
  if ((m->type != NET_OPS && m->type != NET_PUSH) || m->left == 0)
    return LINLI_ENOTFOUND;
  m->left--;
  int rc = crdt_mp_bin(&m->it, op, &l);
  *len = l;
  return rc;
}

/* ---- writers: write, then check the result with the decoder ---- */

static int net__finish(struct crdt_buf *b, size_t start, enum net_msg_type type)
{
  struct net_msg m;
  int rc = crdt_buf_err(b);
  if (rc == 0 && b->len - start > NET_MSG_MAX)
    rc = LINLI_ETOOBIG;
  if (rc == 0 && (rc = net_msg_decode(&m, b->p + start, b->len - start)) == 0 && m.type != type)
    rc = LINLI_EINVAL;
  if (rc) {
    b->len = start;
    b->overflow = 0;
  }
  return rc;
}

static void net__head(struct crdt_buf *b, enum net_msg_type type, const char *scope, size_t sl)
{
  crdt_w_array(b, type == NET_HELLO ? 4 : 3);
  crdt_w_uint(b, (uint64_t)type);
  if (scope)
    crdt_w_str(b, scope, sl);
}

int net_hello_write(struct crdt_buf *b, uint64_t version, const uint8_t nonce[NET_NONCE_BYTES],
                    const struct crdt_str *scopes, uint32_t n)
{
  size_t start = b->len;
  if (n > NET_SCOPES_MAX)
    return LINLI_ETOOBIG;
  net__head(b, NET_HELLO, NULL, 0);
  crdt_w_uint(b, version);
  crdt_w_bin(b, nonce, NET_NONCE_BYTES);
  crdt_w_array(b, n);
  for (uint32_t i = 0; i < n; i++)
    crdt_w_str(b, scopes[i].p, scopes[i].len);
  return net__finish(b, start, NET_HELLO);
}

int net_recon_write(struct crdt_buf *b, const char *scope, size_t scope_len,
                    const struct net_range *ranges, uint32_t n)
{
  return net_recon_write_more(b, scope, scope_len, ranges, n, 0);
}

int net_recon_write_more(struct crdt_buf *b, const char *scope, size_t scope_len,
                         const struct net_range *ranges, uint32_t n, int more)
{
  size_t start = b->len;
  uint64_t prev_hlc = 0;
  if (n > NET_RANGES_MAX)
    return LINLI_ETOOBIG;
  /* Bounds are delta-coded: a descending pair can encode as another valid
   * message (dms 0 reads as infinity), which the final decode cannot see. */
  for (uint32_t i = 0; i < n; i++)
    if (ranges[i].mode > NET_SENDS || (ranges[i].mode == NET_SENDS && ranges[i].count == 0) ||
        (i > 0 && net_bound_cmp(&ranges[i - 1].upper, &ranges[i].upper) >= 0))
      return LINLI_EINVAL;
  crdt_w_array(b, more ? 4 : 3);
  crdt_w_uint(b, NET_RECON);
  crdt_w_str(b, scope, scope_len);
  crdt_w_array(b, n);
  for (uint32_t i = 0; i < n; i++)
    net__range_write(b, &prev_hlc, &ranges[i]);
  if (more)
    crdt_w_uint(b, 1);
  return net__finish(b, start, NET_RECON);
}

int net_want_write(struct crdt_buf *b, const char *scope, size_t scope_len,
                   const uint8_t *ids, uint32_t n)
{
  size_t start = b->len;
  if (n > NET_IDS_MAX)
    return LINLI_ETOOBIG;
  net__head(b, NET_WANT, scope, scope_len);
  crdt_w_bin(b, ids, (size_t)n * NET_ID_BYTES);
  return net__finish(b, start, NET_WANT);
}

int net_ops_write(struct crdt_buf *b, enum net_msg_type type, const char *scope,
                  size_t scope_len, const uint8_t *const *ops, const size_t *lens, uint32_t n)
{
  size_t start = b->len;
  if (type != NET_OPS && type != NET_PUSH)
    return LINLI_EINVAL;
  if (n > NET_OPS_MAX)
    return LINLI_ETOOBIG;
  for (uint32_t i = 0; i < n; i++)
    if (lens[i] > CRDT_OP_MAX_BYTES)
      return LINLI_ETOOBIG;
  net__head(b, type, scope, scope_len);
  crdt_w_array(b, n);
  for (uint32_t i = 0; i < n; i++)
    crdt_w_bin(b, ops[i], lens[i]);
  return net__finish(b, start, type);
}

int net_error_write(struct crdt_buf *b, int err, const char *text)
{
  size_t start = b->len;
  size_t tl = text ? strlen(text) : 0;
  if (err >= 0 || err < -0xffff)
    return LINLI_EINVAL;
  if (tl > NET_ERROR_TEXT_MAX)
    return LINLI_ETOOBIG;
  net__head(b, NET_ERROR, NULL, 0);
  crdt_w_uint(b, (uint64_t)-err);
  crdt_w_str(b, text ? text : "", tl);
  return net__finish(b, start, NET_ERROR);
}
