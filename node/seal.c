/* Sealed bundles. Contract: seal.h; the format: docs/protocol.md 12.4. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES

_Static_assert(SEAL_BOX == crypto_box_SEALBYTES + 32, "a sealed file key");
_Static_assert(SEAL_SALT == crypto_pwhash_SALTBYTES, "Argon2id salt");
_Static_assert(SS_HEADER == 24 && SS_ABYTES == 17, "secretstream sizes");

static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

int seal_is_sealed(const uint8_t *buf, size_t size)
{
  return size >= 8 && memcmp(buf, SEAL_MAGIC, 8) == 0;
}

int seal_parse(const uint8_t *buf, size_t size, struct seal_header *h)
{
  memset(h, 0, sizeof *h);
  if (size && memcmp(buf, SEAL_MAGIC, size < 8 ? size : 8) != 0)
    return LINLI_EKEYFILE;
  if (size < 9)
    return LINLI_ETRUNC;
  h->mode = buf[8];
  size_t off = 9;
  if (h->mode == SEAL_PASSPHRASE) {
    if (size - off < SEAL_SALT + 8)
      return LINLI_ETRUNC;
    h->salt = buf + off;
    h->opslimit = be32(buf + off + SEAL_SALT);
    h->mem_kib = be32(buf + off + SEAL_SALT + 4);
    off += SEAL_SALT + 8;
    if (h->opslimit < crypto_pwhash_OPSLIMIT_MIN || h->opslimit > SEAL_OPS_MAX ||
        h->mem_kib < SEAL_MEM_KIB_MIN || h->mem_kib > SEAL_MEM_KIB_MAX)
      return LINLI_ETOOBIG;
  } else if (h->mode == SEAL_KEYS) {
    if (size - off < 2)
      return LINLI_ETRUNC;
    h->n_recipients = (unsigned)buf[off] << 8 | buf[off + 1];
    off += 2;
    if (h->n_recipients == 0 || h->n_recipients > SEAL_RECIPIENTS_MAX)
      return LINLI_ETOOBIG;
    if ((size - off) / SEAL_RECIPIENT < h->n_recipients)
      return LINLI_ETRUNC;
    h->recipients = buf + off;
    off += (size_t)h->n_recipients * SEAL_RECIPIENT;
  } else {
    return LINLI_EVERSION;
  }
  if (size - off < SS_HEADER)
    return LINLI_ETRUNC;
  h->stream = buf + off;
  h->len = off + SS_HEADER;
  return 0;
}

int seal_key_passphrase(const struct seal_header *h, const char *pass, size_t pass_len,
                        uint8_t key[32])
{
  if (h->mode != SEAL_PASSPHRASE)
    return LINLI_EINVAL;
  if (crypto_pwhash(key, 32, pass, pass_len, h->salt, h->opslimit, (size_t)h->mem_kib * 1024,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return LINLI_ENOMEM; /* libsodium's only failure here: it could not get the memory */
  return 0;
}

int seal_key_node(const struct seal_header *h, const struct crdt_identity *id, uint8_t key[32])
{
  if (h->mode != SEAL_KEYS)
    return LINLI_EINVAL;
  for (unsigned i = 0; i < h->n_recipients; i++) {
    const uint8_t *r = h->recipients + (size_t)i * SEAL_RECIPIENT;
    if (sodium_memcmp(r, id->pk, CRDT_PK_BYTES) == 0)
      return crdt_box_open(id, r + CRDT_PK_BYTES, SEAL_BOX, key);
  }
  return LINLI_ENOTFOR;
}

int seal_open(const uint8_t *buf, size_t size, const struct seal_header *h, const uint8_t key[32],
              uint8_t **plain, size_t *plain_len)
{
  crypto_secretstream_xchacha20poly1305_state st;
  size_t off = h->len, n = 0, cap = 0, chunks = 0;
  uint8_t *out = NULL, tag = 0;
  int rc = 0;
  *plain = NULL, *plain_len = 0;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, h->stream, key) != 0)
    return LINLI_EDAMAGED;
  /* The plain bytes are at most the ciphertext's: one allocation, checked
   * against the file's size before any chunk is read. */
  cap = size - off;
  if (!(out = malloc(cap ? cap : 1)))
    return LINLI_ENOMEM;
  while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    if (size - off < 4) {
      rc = LINLI_ETRUNC;
      break;
    }
    size_t len = be32(buf + off);
    if (len <= SS_ABYTES || len > SEAL_CHUNK + SS_ABYTES) {
      rc = LINLI_ETOOBIG;
      break;
    }
    if (size - off - 4 < len) {
      rc = LINLI_ETRUNC;
      break;
    }
    unsigned long long got = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&st, out + n, &got, &tag, buf + off + 4, len,
                                                   buf, h->len) != 0) {
      rc = chunks == 0 && h->mode == SEAL_PASSPHRASE ? LINLI_EPASS : LINLI_EDAMAGED;
      break;
    }
    n += (size_t)got;
    off += 4 + len;
    chunks++;
  }
  if (!rc && off != size)
    rc = LINLI_ETRAIL;
  sodium_memzero(&st, sizeof st);
  if (rc) {
    sodium_memzero(out, cap);
    free(out);
    return rc;
  }
  *plain = out, *plain_len = n;
  return 0;
}

/* The envelope is in out[0..hlen); the stream header is its last 24 bytes
 * and is written by init_push. Then the chunks. */
static int seal__stream(const uint8_t *plain, size_t n, const uint8_t key[32], uint8_t *out,
                        size_t hlen, size_t *out_len)
{
  crypto_secretstream_xchacha20poly1305_state st;
  if (crypto_secretstream_xchacha20poly1305_init_push(&st, out + hlen - SS_HEADER, key) != 0)
    return LINLI_ECRYPTO;
  size_t off = hlen, done = 0;
  do {
    size_t take = n - done < SEAL_CHUNK ? n - done : SEAL_CHUNK;
    uint8_t tag = done + take == n ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&st, out + off + 4, &clen, plain + done, take, out,
                                               hlen, tag);
    put32(out + off, (uint32_t)clen);
    off += 4 + (size_t)clen;
    done += take;
  } while (done < n);
  sodium_memzero(&st, sizeof st);
  *out_len = off;
  return 0;
}

/* Room for the envelope of hlen bytes and the chunks of n plain bytes. */
static uint8_t *seal__alloc(size_t hlen, size_t n)
{
  size_t chunks = n / SEAL_CHUNK + 1;
  if (n > SIZE_MAX / 2)
    return NULL;
  return malloc(hlen + n + chunks * (4 + SS_ABYTES));
}

int seal_passphrase(const uint8_t *plain, size_t n, const char *pass, size_t pass_len,
                    unsigned long long opslimit, size_t memlimit, uint8_t **out, size_t *out_len)
{
  uint8_t key[32];
  size_t hlen = 9 + SEAL_SALT + 8 + SS_HEADER;
  *out = NULL;
  if (opslimit > SEAL_OPS_MAX || memlimit / 1024 > SEAL_MEM_KIB_MAX || memlimit / 1024 < SEAL_MEM_KIB_MIN)
    return LINLI_EINVAL;
  uint8_t *b = seal__alloc(hlen, n);
  if (!b)
    return LINLI_ENOMEM;
  memcpy(b, SEAL_MAGIC, 8);
  b[8] = SEAL_PASSPHRASE;
  randombytes_buf(b + 9, SEAL_SALT);
  put32(b + 9 + SEAL_SALT, (uint32_t)opslimit);
  put32(b + 9 + SEAL_SALT + 4, (uint32_t)(memlimit / 1024));
  struct seal_header h;
  int rc = seal_parse(b, hlen, &h);
  if (!rc)
    rc = seal_key_passphrase(&h, pass, pass_len, key);
  if (!rc)
    rc = seal__stream(plain, n, key, b, hlen, out_len);
  sodium_memzero(key, sizeof key);
  if (rc) {
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}

int seal_to_keys(const uint8_t *plain, size_t n, const uint8_t (*keys)[CRDT_PK_BYTES], int n_keys,
                 uint8_t **out, size_t *out_len)
{
  uint8_t key[32];
  *out = NULL;
  if (n_keys < 1 || n_keys > SEAL_RECIPIENTS_MAX)
    return LINLI_EINVAL;
  size_t hlen = 11 + (size_t)n_keys * SEAL_RECIPIENT + SS_HEADER;
  uint8_t *b = seal__alloc(hlen, n);
  if (!b)
    return LINLI_ENOMEM;
  int rc = 0;
  memcpy(b, SEAL_MAGIC, 8);
  b[8] = SEAL_KEYS;
  b[9] = (uint8_t)(n_keys >> 8), b[10] = (uint8_t)n_keys;
  crypto_secretstream_xchacha20poly1305_keygen(key);
  for (int i = 0; i < n_keys && !rc; i++) {
    uint8_t *r = b + 11 + (size_t)i * SEAL_RECIPIENT;
    memcpy(r, keys[i], CRDT_PK_BYTES);
    rc = crdt_box_seal(keys[i], key, 32, r + CRDT_PK_BYTES);
  }
  if (!rc)
    rc = seal__stream(plain, n, key, b, hlen, out_len);
  sodium_memzero(key, sizeof key);
  if (rc) {
    free(b);
    return rc;
  }
  *out = b;
  return 0;
}
