/* Sealed personal fields and the community key file. Contract: sealed.h;
 * the encoding: docs/protocol.md 12.5. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"

#define AEAD_NPUB crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AEAD_ABYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
_Static_assert(AEAD_NPUB == DOM_SEAL_NONCE && AEAD_ABYTES == DOM_SEAL_MAC, "XChaCha20-Poly1305");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == DOM_SEAL_KEY, "a data key");
_Static_assert(DOM_SEAL_PLAIN_MAX + DOM_SEAL_OVERHEAD <= 65535, "a sealed value fits a bin16");

/* ---- the key file ---- */

static int hexval(int c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dom_keys_parse(const uint8_t *b, size_t len, struct dom_keys *out)
{
  const size_t ml = sizeof DOM_KEYS_MAGIC - 1;
  out->n = 0; /* entries are written as they are added (and wiped up to n) */
  if (len < ml || memcmp(b, DOM_KEYS_MAGIC, ml) != 0)
    return LINLI_EKEYFILE;
  size_t i = ml;
  while (i < len) {
    const uint8_t *nl = memchr(b + i, '\n', len - i), *sp;
    if (!nl || !(sp = memchr(b + i, ' ', (size_t)(nl - b) - i)))
      goto bad;
    size_t sl = (size_t)(sp - b) - i;
    if (sl == 0 || sl > CRDT_SCOPE_MAX || crdt_check_scope((const char *)b + i, sl))
      goto bad;
    char scope[CRDT_SCOPE_MAX + 1];
    memcpy(scope, b + i, sl);
    scope[sl] = 0;
    uint64_t epoch = 0;
    const uint8_t *p = sp + 1;
    if (p >= nl || *p < '1' || *p > '9')
      goto bad;
    while (p < nl && *p >= '0' && *p <= '9' && epoch <= UINT32_MAX)
      epoch = epoch * 10 + (uint64_t)(*p++ - '0');
    if (epoch > UINT32_MAX || p >= nl || *p++ != ' ' || nl - p != 2 * DOM_SEAL_KEY)
      goto bad;
    uint8_t key[DOM_SEAL_KEY];
    for (int j = 0; j < DOM_SEAL_KEY; j++) {
      int hi = hexval(p[2 * j]), lo = hexval(p[2 * j + 1]);
      if (hi < 0 || lo < 0)
        goto bad;
      key[j] = (uint8_t)(hi << 4 | lo);
    }
    int rc = dom_keys_add(out, scope, (uint32_t)epoch, key);
    sodium_memzero(key, sizeof key);
    if (rc)
      goto bad;
    i = (size_t)(nl - b) + 1;
  }
  return 0;
bad:
  dom_keys_wipe(out);
  return LINLI_EKEYFILE;
}

int dom_keys_file(const char *dir, uint8_t **out, size_t *len)
{
  char path[4096];
  uint8_t *buf = NULL;
  int rc = 0;
  *out = NULL, *len = 0;
  if (snprintf(path, sizeof path, "%s/%s", dir, STORE_KEYS_FILE) >= (int)sizeof path)
    return LINLI_ETOOBIG;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  if (!(buf = malloc(STORE_KEYS_MAX + 1))) {
    close(fd);
    return LINLI_ENOMEM;
  }
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd, buf + got, STORE_KEYS_MAX + 1 - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      rc = -errno;
    if (r <= 0 || (got += (size_t)r) > STORE_KEYS_MAX)
      break;
  }
  close(fd);
  if (!rc && got > STORE_KEYS_MAX)
    rc = LINLI_EKEYFILE;
  if (rc) {
    sodium_memzero(buf, STORE_KEYS_MAX + 1);
    free(buf);
    return rc;
  }
  *out = buf, *len = got;
  return 0;
}

int dom_keys_load(const char *dir, struct dom_keys *out)
{
  uint8_t *buf;
  size_t len;
  memset(out, 0, sizeof *out);
  int rc = dom_keys_file(dir, &buf, &len);
  if (rc || !buf)
    return rc;
  rc = dom_keys_parse(buf, len, out);
  sodium_memzero(buf, len);
  free(buf);
  return rc;
}

int dom_keys_save(const char *dir, const struct dom_keys *k)
{
  char path[4096];
  size_t cap = sizeof DOM_KEYS_MAGIC + (size_t)k->n * (CRDT_SCOPE_MAX + 16 + 2 * DOM_SEAL_KEY);
  char *text = malloc(cap);
  int rc = 0;
  if (!text)
    return LINLI_ENOMEM;
  size_t n = (size_t)snprintf(text, cap, "%s", DOM_KEYS_MAGIC);
  for (int i = 0; i < k->n; i++) {
    n += (size_t)snprintf(text + n, cap - n, "%s %u ", k->k[i].scope, (unsigned)k->k[i].epoch);
    sodium_bin2hex(text + n, cap - n, k->k[i].key, DOM_SEAL_KEY);
    n += 2 * DOM_SEAL_KEY;
    text[n++] = '\n';
  }
  if (snprintf(path, sizeof path, "%s/%s", dir, STORE_KEYS_FILE) >= (int)sizeof path) {
    rc = LINLI_ETOOBIG;
    goto out;
  }
  rc = crdt_file_replace(path, text, n, 0600);
  /* a directory shared with the staff group (store.h): its staff open
   * sealed values with their own linli, as the node's owner does */
  if (!rc && store_dir_shared(dir))
    (void)store_share_file(dir, path, 0640); /* else the owner's alone, as before */
out:
  sodium_memzero(text, cap);
  free(text);
  return rc;
}

int dom_keys_add(struct dom_keys *k, const char *scope, uint32_t epoch, const uint8_t key[32])
{
  size_t sl = strlen(scope);
  if (epoch == 0 || sl == 0 || sl > CRDT_SCOPE_MAX || crdt_check_scope(scope, sl))
    return LINLI_ENAME;
  if (dom_keys_find(k, scope, sl, epoch))
    return LINLI_EEXIST;
  if (k->n == DOM_KEYS_MAX)
    return LINLI_ETOOBIG;
  struct dom_key *d = &k->k[k->n++];
  memcpy(d->scope, scope, sl + 1);
  d->epoch = epoch;
  memcpy(d->key, key, DOM_SEAL_KEY);
  return 0;
}

const struct dom_key *dom_keys_find(const struct dom_keys *k, const char *scope, size_t scope_len,
                                    uint32_t epoch)
{
  for (int i = 0; i < k->n; i++)
    if (k->k[i].epoch == epoch && strlen(k->k[i].scope) == scope_len &&
        memcmp(k->k[i].scope, scope, scope_len) == 0)
      return &k->k[i];
  return NULL;
}

const struct dom_key *dom_keys_newest(const struct dom_keys *k, const char *scope)
{
  const struct dom_key *best = NULL;
  for (int i = 0; i < k->n; i++)
    if (!strcmp(k->k[i].scope, scope) && (!best || k->k[i].epoch > best->epoch))
      best = &k->k[i];
  return best;
}

void dom_keys_wipe(struct dom_keys *k)
{
  if (k->n > 0 && k->n <= DOM_KEYS_MAX)
    sodium_memzero(k->k, (size_t)k->n * sizeof k->k[0]);
  k->n = 0;
}

/* ---- the sealed value ---- */

int dom_sealed_parse(const uint8_t *mp, size_t len, struct dom_sealed *out)
{
  memset(out, 0, sizeof *out);
  if (len < 1 || (mp[0] != 0xc4 && mp[0] != 0xc5 && mp[0] != 0xc6))
    return 0;
  size_t hl = mp[0] == 0xc4 ? 2 : 3, pl;
  if (mp[0] == 0xc6 || len < hl)
    return LINLI_EDAMAGED;
  pl = hl == 2 ? mp[1] : (size_t)mp[1] << 8 | mp[2];
  if (pl != len - hl || (hl == 3 && pl <= 0xff))
    return LINLI_EDAMAGED; /* bytes after it, or a bin16 that a bin8 holds */
  const uint8_t *p = mp + hl;
  if (pl < DOM_SEAL_HEAD + DOM_SEAL_NONCE + DOM_SEAL_MAC + 1 || p[0] != DOM_SEAL_TAG ||
      p[1] != DOM_SEAL_VERSION || pl > DOM_SEAL_HEAD + DOM_SEAL_NONCE + DOM_SEAL_MAC + DOM_SEAL_PLAIN_MAX)
    return LINLI_EDAMAGED;
  out->epoch = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
  if (out->epoch == 0)
    return LINLI_EDAMAGED;
  out->head = p;
  out->nonce = p + DOM_SEAL_HEAD;
  out->ct = p + DOM_SEAL_HEAD + DOM_SEAL_NONCE;
  out->ct_len = pl - DOM_SEAL_HEAD - DOM_SEAL_NONCE;
  return 1;
}

/* scope 0 collection 0 key 0 field 0 head[6] into ad (cap bytes). */
static size_t seal__ad(uint8_t *ad, size_t cap, const char *scope, size_t sl, const char *coll,
                       size_t cl, const char *key, size_t kl, const char *field, size_t fl,
                       const uint8_t *head)
{
  size_t n = sl + cl + kl + fl + 4 + DOM_SEAL_HEAD;
  if (n > cap)
    return 0;
  uint8_t *p = ad;
  memcpy(p, scope, sl), p += sl, *p++ = 0;
  memcpy(p, coll, cl), p += cl, *p++ = 0;
  memcpy(p, key, kl), p += kl, *p++ = 0;
  memcpy(p, field, fl), p += fl, *p++ = 0;
  memcpy(p, head, DOM_SEAL_HEAD);
  return n;
}

#define AD_MAX (CRDT_SCOPE_MAX + CRDT_COLLECTION_MAX + CRDT_KEY_MAX + CRDT_FIELD_MAX + 4 + DOM_SEAL_HEAD)

int dom_seal_value(const struct dom_key *k, const uint8_t nonce[DOM_SEAL_NONCE], const char *scope,
                   const char *collection, const char *key, size_t key_len, const char *field,
                   const uint8_t *plain, size_t plen, uint8_t *out, size_t cap, size_t *out_len)
{
  uint8_t ad[AD_MAX];
  size_t pl = DOM_SEAL_HEAD + DOM_SEAL_NONCE + plen + DOM_SEAL_MAC, hl = pl <= 0xff ? 2 : 3;
  if (plen == 0 || plen > DOM_SEAL_PLAIN_MAX || hl + pl > cap)
    return LINLI_ETOOBIG;
  uint8_t *p = out + hl;
  if (hl == 2)
    out[0] = 0xc4, out[1] = (uint8_t)pl;
  else
    out[0] = 0xc5, out[1] = (uint8_t)(pl >> 8), out[2] = (uint8_t)pl;
  p[0] = DOM_SEAL_TAG, p[1] = DOM_SEAL_VERSION;
  p[2] = (uint8_t)(k->epoch >> 24), p[3] = (uint8_t)(k->epoch >> 16);
  p[4] = (uint8_t)(k->epoch >> 8), p[5] = (uint8_t)k->epoch;
  memcpy(p + DOM_SEAL_HEAD, nonce, DOM_SEAL_NONCE);
  size_t adl = seal__ad(ad, sizeof ad, scope, strlen(scope), collection, strlen(collection), key,
                        key_len, field, strlen(field), p);
  if (!adl)
    return LINLI_ETOOBIG;
  unsigned long long cl = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + DOM_SEAL_HEAD + DOM_SEAL_NONCE, &cl, plain, plen,
                                             ad, adl, NULL, nonce, k->key);
  *out_len = hl + pl;
  return 0;
}

int dom_open_value(const struct dom_keys *ks, const char *scope, size_t scope_len,
                   const char *collection, size_t coll_len, const char *key, size_t key_len,
                   const char *field, size_t field_len, const uint8_t *mp, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len)
{
  struct dom_sealed s;
  uint8_t ad[AD_MAX];
  int rc = dom_sealed_parse(mp, len, &s);
  if (rc <= 0)
    return rc < 0 ? rc : LINLI_EINVAL;
  const struct dom_key *k = ks ? dom_keys_find(ks, scope, scope_len, s.epoch) : NULL;
  if (!k)
    return LINLI_ENOKEY;
  size_t adl = seal__ad(ad, sizeof ad, scope, scope_len, collection, coll_len, key, key_len, field,
                        field_len, s.head);
  unsigned long long pl = 0;
  if (!adl || s.ct_len - DOM_SEAL_MAC > cap ||
      crypto_aead_xchacha20poly1305_ietf_decrypt(out, &pl, NULL, s.ct, s.ct_len, ad, adl, s.nonce,
                                                 k->key) != 0)
    return LINLI_EDAMAGED;
  /* the plain bytes must be one canonical value, or they are not a value */
  struct crdt_mp r;
  crdt_mp_init(&r, out, (size_t)pl);
  if (crdt_mp_value(&r, 1) || crdt_mp_left(&r) || out[0] == 0xc4 || out[0] == 0xc5 || out[0] == 0xc6) {
    sodium_memzero(out, (size_t)pl);
    return LINLI_EDAMAGED;
  }
  *out_len = (size_t)pl;
  return 0;
}

/* ---- sealing an op body ---- */

int domain_seal(void *arg, const uint8_t *keys, size_t keys_len, const char *scope,
                     const char *collection, const char *key, const uint8_t *body, size_t len,
                     void (*random)(void *ctx, void *buf, size_t len), void *rctx, uint8_t *out,
                     size_t cap, size_t *out_len)
{
  (void)arg;
  const struct dom_collection *c = domain_find(collection, strlen(collection));
  if (!keys || !c || !c->fields)
    return 0;
  int sealed_field = 0;
  for (const struct dom_field *f = c->fields; f->name; f++)
    sealed_field |= (f->flags & DOM_F_SEALED) != 0;
  if (!sealed_field)
    return 0;
  struct dom_keys *ks = malloc(sizeof *ks);
  if (!ks)
    return LINLI_ENOMEM;
  int rc = dom_keys_parse(keys, keys_len, ks), did = 0;
  const struct dom_key *k = rc ? NULL : dom_keys_newest(ks, scope);
  struct crdt_mp r;
  uint32_t n;
  size_t o = 0;
  /* nonces drawn for up to NONCE_BATCH fields at once: one call of the
   * node's random source per op, not one per value */
  enum { NONCE_BATCH = 8 };
  uint8_t nonces[NONCE_BATCH][DOM_SEAL_NONCE];
  uint32_t nonces_got = 0, nonces_used = 0;
  crdt_mp_init(&r, body, len);
  if (rc || crdt_mp_map(&r, &n))
    goto out; /* a bad key file (refused), or not a map: signed as given */
  if ((size_t)(r.p - body) > cap) {
    rc = LINLI_ETOOBIG;
    goto out;
  }
  memcpy(out, body, (size_t)(r.p - body));
  o = (size_t)(r.p - body);
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *at = r.p, *val;
    const char *name;
    uint32_t nl;
    if ((rc = crdt_mp_str(&r, &name, &nl)))
      goto out;
    val = r.p;
    if ((rc = crdt_mp_value(&r, CRDT_DEPTH_MAX)))
      goto out;
    size_t vl = (size_t)(r.p - val), kl = (size_t)(val - at);
    const struct dom_field *f = domain_field(c, name, nl);
    struct dom_sealed s;
    /* only what a reader can open again (one value nested at most one
     * level, not over DOM_SEAL_PLAIN_MAX): anything else stays as given,
     * and the write check refuses it as the wrong type */
    struct crdt_mp one;
    crdt_mp_init(&one, val, vl);
    int seal = f && (f->flags & DOM_F_SEALED) && *val != 0xc0 && dom_sealed_parse(val, vl, &s) == 0 &&
               crdt_mp_value(&one, 1) == 0 && vl <= DOM_SEAL_PLAIN_MAX;
    if (cap - o < kl + vl + (seal ? DOM_SEAL_OVERHEAD : 0)) {
      rc = LINLI_ETOOBIG;
      goto out;
    }
    memcpy(out + o, at, kl);
    o += kl;
    if (seal && !k) {
      /* a key file without this scope's key (a node that joined the
       * community and has no grant yet): refused, never written in clear */
      rc = LINLI_ENOKEY;
      goto out;
    }
    if (seal) {
      size_t sl;
      if (nonces_used == nonces_got) { /* at most the fields left in the body */
        nonces_got = n - i < NONCE_BATCH ? n - i : NONCE_BATCH;
        nonces_used = 0;
        random(rctx, nonces, nonces_got * sizeof nonces[0]);
      }
      const uint8_t *nonce = nonces[nonces_used++];
      if ((rc = dom_seal_value(k, nonce, scope, collection, key, strlen(key), f->name, val, vl, out + o,
                               cap - o, &sl)))
        goto out;
      o += sl, did = 1;
    } else {
      memcpy(out + o, val, vl);
      o += vl;
    }
  }
  rc = did;
  if (did)
    *out_len = o;
out:
  sodium_memzero(nonces, sizeof nonces);
  dom_keys_wipe(ks);
  free(ks);
  return rc;
}

/* ---- reading ---- */

const char *dom_sealed_word(int err)
{
  return err == LINLI_ENOKEY ? D_("(sealed)") : D_("(damaged)");
}

int dom_open_at(const struct crdt_view *v, const char *scope, size_t scope_len,
                const char *collection, const char *key, size_t key_len, const struct dom_field *f,
                const uint8_t *mp, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
  struct dom_sealed s;
  int rc = (f && (f->flags & DOM_F_SEALED)) ? dom_sealed_parse(mp, len, &s) : 0;
  if (rc <= 0)
    return rc < 0 ? rc : 1;
  struct dom_keys *ks = NULL;
  if (v && v->keys && (ks = malloc(sizeof *ks)) && dom_keys_parse(v->keys, v->keys_len, ks)) {
    free(ks);
    ks = NULL;
  }
  rc = dom_open_value(ks, scope, scope_len, collection, strlen(collection), key, key_len, f->name,
                      strlen(f->name), mp, len, out, cap, out_len);
  if (ks) {
    dom_keys_wipe(ks);
    free(ks);
  }
  return rc;
}

int dom_render_at(const struct crdt_view *v, const char *scope, size_t scope_len,
                  const char *collection, const char *key, size_t key_len,
                  const struct dom_field *f, const uint8_t *mp, size_t len, char *out, size_t cap)
{
  uint8_t plain[DOM_SEAL_PLAIN_MAX];
  size_t pl = 0;
  int rc = dom_open_at(v, scope, scope_len, collection, key, key_len, f, mp, len, plain,
                       sizeof plain, &pl);
  if (rc == 1)
    return dom_render(f, mp, len, out, cap);
  if (rc == 0) {
    rc = dom_render(f, plain, pl, out, cap);
    sodium_memzero(plain, pl);
    return rc;
  }
  snprintf(out, cap, "%s", dom_sealed_word(rc));
  return rc;
}
