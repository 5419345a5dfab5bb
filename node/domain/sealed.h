/* sealed: personal fields sealed with the community's data key
 * (sealed.c; the encoding: docs/protocol.md 12.5). Included by domain.h.
 *
 * A field with DOM_F_SEALED holds, in ops written by a node that holds the
 * community key, a sealed value: a msgpack bin whose payload is
 *
 *   0x53 ('S')  0x01 (version)  epoch u32be  nonce[24]  ciphertext
 *
 * the ciphertext being XChaCha20-Poly1305-IETF (crypto_aead_xchacha20poly1305_ietf)
 * of the plain value's canonical msgpack bytes under the key of that epoch,
 * with associated data scope 0 collection 0 key 0 field 0 and the first 6
 * payload bytes (tag, version, epoch). Ops sign the sealed bytes: every node
 * verifies, merges and relays them; only a key holder reads them. A plain
 * value in a sealed field (an older node's op) stays valid.
 *
 * The key file (STORE_KEYS_FILE in the data directory, mode 0600) is text:
 *   "linli-community-keys-v1\n" then one line per key:
 *   COMMUNITY SP EPOCH(decimal, 1..2^32-1) SP KEY(64 lowercase hex) LF
 * in the order they were added. The newest epoch of a community seals. */
#ifndef LINLI_DOMAIN_SEALED_H
#define LINLI_DOMAIN_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

#define DOM_SEAL_TAG 0x53
#define DOM_SEAL_VERSION 1
#define DOM_SEAL_HEAD 6      /* tag, version, epoch: the payload's fixed start */
#define DOM_SEAL_NONCE 24
#define DOM_SEAL_MAC 16
#define DOM_SEAL_KEY 32
/* The bytes a sealed value adds to its plain value: bin16 framing, head,
 * nonce, tag. */
#define DOM_SEAL_OVERHEAD (3 + DOM_SEAL_HEAD + DOM_SEAL_NONCE + DOM_SEAL_MAC)
#define DOM_SEAL_PLAIN_MAX 4096 /* bytes of a plain value a node seals or opens */
#define DOM_KEYS_MAX 64         /* keys (communities x epochs) in one key file */
#define DOM_KEYS_MAGIC "linli-community-keys-v1\n"

struct dom_key {
  char scope[CRDT_SCOPE_MAX + 1];
  uint32_t epoch;
  uint8_t key[DOM_SEAL_KEY];
};
struct dom_keys {
  int n;
  struct dom_key k[DOM_KEYS_MAX];
};

/* Parses a key file's bytes. 0, or LINLI_EKEYFILE (not one). */
int dom_keys_parse(const uint8_t *b, size_t len, struct dom_keys *out);
/* The key file's bytes of data directory dir: 0 and *out (malloc'd, the
 * caller wipes and frees it; NULL if there is no file), or an error. */
int dom_keys_file(const char *dir, uint8_t **out, size_t *len);
/* The key file of data directory dir: 0 (n 0 when there is none), or an
 * error reading or parsing it. Wipe with dom_keys_wipe. */
int dom_keys_load(const char *dir, struct dom_keys *out);
/* Writes it (a temporary file, fsync, rename: mode 0600, whole or not). */
int dom_keys_save(const char *dir, const struct dom_keys *k);
/* Adds (scope, epoch, key): 0, LINLI_EEXIST (already there: not changed),
 * LINLI_ETOOBIG (full), LINLI_ENAME (a bad scope or epoch 0). */
int dom_keys_add(struct dom_keys *k, const char *scope, uint32_t epoch, const uint8_t key[32]);
const struct dom_key *dom_keys_find(const struct dom_keys *k, const char *scope, size_t scope_len,
                                    uint32_t epoch);
/* The newest epoch of scope, or NULL. */
const struct dom_key *dom_keys_newest(const struct dom_keys *k, const char *scope);
void dom_keys_wipe(struct dom_keys *k);

/* A sealed value, as parsed. Pointers point into the input. */
struct dom_sealed {
  uint32_t epoch;
  const uint8_t *head;  /* DOM_SEAL_HEAD bytes */
  const uint8_t *nonce; /* DOM_SEAL_NONCE bytes */
  const uint8_t *ct;    /* ciphertext and tag */
  size_t ct_len;
};
/* The decoder: mp (len bytes, exactly one msgpack value). 1 and *out for a
 * sealed value; 0 if mp is not a bin (a plain value); LINLI_EDAMAGED for a
 * bin that is not a sealed value of version 1 (a wrong tag or version, a
 * ciphertext shorter than its tag or plain value over DOM_SEAL_PLAIN_MAX,
 * a non-minimal length, bytes after it). */
int dom_sealed_parse(const uint8_t *mp, size_t len, struct dom_sealed *out);
/* Seals the plain value (plen bytes of canonical msgpack) of field of
 * scope/collection/key with k, with the given nonce, into out (cap bytes):
 * 0 and *out_len, or LINLI_ETOOBIG. */
int dom_seal_value(const struct dom_key *k, const uint8_t nonce[DOM_SEAL_NONCE], const char *scope,
                   const char *collection, const char *key, size_t key_len, const char *field,
                   const uint8_t *plain, size_t plen, uint8_t *out, size_t cap, size_t *out_len);
/* Opens a sealed value: 0 and the plain value's msgpack into out (cap
 * bytes, *out_len); LINLI_ENOKEY (no key of its scope and epoch here);
 * LINLI_EDAMAGED (it does not parse or authenticate: never another value). */
int dom_open_value(const struct dom_keys *ks, const char *scope, size_t scope_len,
                   const char *collection, size_t coll_len, const char *key, size_t key_len,
                   const char *field, size_t field_len, const uint8_t *mp, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len);

/* Seals the sealed fields of an op body (a canonical map, len bytes) of
 * scope/collection/key with the newest key of scope in the key file's bytes
 * (keys, keys_len; NULL: none). Nonces come from random(rctx, ...). 1 and
 * the sealed body in out (cap bytes, *out_len); 0 if there is nothing to
 * seal (no key file, no sealed field with a value): out is untouched; or
 * an error: LINLI_EKEYFILE (the key file is malformed) or LINLI_ENOKEY (it
 * holds no key of scope, as on a node that joined and has no grant yet)
 * when the body has a value to seal, so nothing is written in clear. arg
 * is unused: this is node_config.seal (node.h). */
int domain_seal(void *arg, const uint8_t *keys, size_t keys_len, const char *scope,
                     const char *collection, const char *key, const uint8_t *body, size_t len,
                     void (*random)(void *ctx, void *buf, size_t len), void *rctx, uint8_t *out,
                     size_t cap, size_t *out_len);

/* ---- grants (grants.c; docs/protocol.md 12.6) ----
 * A key op: a set of collection DOM_GRANTS in the community's scope, key
 * "PK-EPOCH", body {"box": bin(DOM_GRANT_BOX), "epoch": EPOCH, "to": PK},
 * the box being the epoch's key sealed to the node of PK (seal.h). */
#define DOM_GRANTS "community_key"
#define DOM_GRANT_BOX (DOM_SEAL_KEY + 48) /* + crypto_box_SEALBYTES */
struct crdt_identity;
struct crdt_buf;
/* Takes into ks the grants of scope addressed to id that ks does not hold
 * (an epoch it holds, or one retired, is skipped), in record order: the number added, or an
 * error; *damaged (optional) counts the boxes that do not open. The caller
 * saves ks (dom_keys_save). */
int dom_keys_take(const struct crdt_view *v, const char *scope, const struct crdt_identity *id,
                  struct dom_keys *ks, int *damaged);
/* The body of a grant of k to the node of pk into b, and its record key
 * into rkey (rkey_cap >= 76): 0, LINLI_EINVAL (pk is not a node key) or
 * LINLI_ETOOBIG. */
int dom_grant_body(const uint8_t pk[32], const struct dom_key *k, struct crdt_buf *b, char *rkey,
                   size_t rkey_cap);

/* ---- retirement (grants.c; docs/protocol.md 12.7) ----
 * The end of an epidemic's personal data (linli retire): a key op of
 * collection DOM_RETIRED in the community's scope, key "through-EPOCH",
 * body {"reason": TEXT, "through": EPOCH}: every key epoch of the scope up
 * to EPOCH is retired. A node drops those epochs from its key file as the
 * op reaches it and takes no grant of them again; values sealed with them
 * then read as (sealed) everywhere. A later epoch (linli key rotate on a
 * node with none, after a retirement) starts a new one. */
#define DOM_RETIRED "community_key_retired"
/* The highest epoch of scope retired in v (0: none), or an error. */
int dom_keys_retired(const struct crdt_view *v, const char *scope, uint32_t *through);
/* Drops from ks the keys of scope with an epoch <= through (wiped): the
 * number dropped. */
int dom_keys_drop(struct dom_keys *ks, const char *scope, uint32_t through);
/* The body of a retirement of scope's epochs up to through into b, and its
 * record key into rkey (rkey_cap >= 20): 0 or LINLI_ETOOBIG. */
int dom_retire_body(uint32_t through, const char *reason, struct crdt_buf *b, char *rkey,
                    size_t rkey_cap);

/* The text a reader shows for a field it cannot read: "(sealed)" (no key
 * here) or "(damaged)" (it does not open), translated. */
const char *dom_sealed_word(int err);
struct dom_field;
/* Opens a stored value of field f of scope/collection/key with v's keys:
 * 0 and the plain value into out (cap bytes, *out_len); 1 if it is not
 * sealed (use mp as it is); LINLI_ENOKEY or LINLI_EDAMAGED. */
int dom_open_at(const struct crdt_view *v, const char *scope, size_t scope_len,
                const char *collection, const char *key, size_t key_len, const struct dom_field *f,
                const uint8_t *mp, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/* Renders a stored value of field f of scope/collection/key as dom_render
 * does, opening it first with v's keys when it is sealed; a sealed value
 * this node cannot open renders as dom_sealed_word(). 0, LINLI_ETYPE, or
 * LINLI_ENOKEY / LINLI_EDAMAGED (out holds the word). */
int dom_render_at(const struct crdt_view *v, const char *scope, size_t scope_len,
                  const char *collection, const char *key, size_t key_len,
                  const struct dom_field *f, const uint8_t *mp, size_t len, char *out, size_t cap);

#endif
