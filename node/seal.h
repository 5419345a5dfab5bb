/* seal: an encrypted bundle, for USB sticks that may be lost.
 *
 * A sealed file wraps the bytes of a plain bundle (bundle.h). Format
 * (docs/protocol.md 12.4):
 *
 *   "LINLIE1\n" mode
 *   mode 1 (passphrase): salt[16] u32be(opslimit) u32be(memlimit in KiB)
 *     the file key is Argon2id13(passphrase, salt, opslimit, memlimit)
 *   mode 2 (node keys): u16be(n) 1..64, then n times:
 *     ed25519 public key[32] || crypto_box_seal(file key, its X25519 key)[80]
 *   then the crypto_secretstream_xchacha20poly1305 header[24]
 *   then chunks: u32be(len) || ciphertext of len bytes, each the encryption
 *     of up to 65 536 plain bytes with every byte before the first chunk
 *     (the envelope) as associated data; the last chunk carries the FINAL
 *     tag and nothing follows it.
 *
 * The plain bytes are never written to disk by the writer; the reader
 * returns them in memory only. */
#ifndef LINLI_SEAL_H
#define LINLI_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"

#define SEAL_MAGIC "LINLIE1\n"
#define SEAL_PASSPHRASE 1
#define SEAL_KEYS 2
#define SEAL_RECIPIENTS_MAX 64
#define SEAL_CHUNK 65536
#define SEAL_SALT 16
#define SEAL_BOX 80       /* crypto_box_SEALBYTES + 32 */
#define SEAL_RECIPIENT 112 /* public key + box */
/* Bounds a reader accepts for mode 1 (so a hostile file cannot ask for
 * hours of work or gigabytes of memory): */
#define SEAL_OPS_MAX 10
#define SEAL_MEM_KIB_MIN 8
#define SEAL_MEM_KIB_MAX (1024 * 1024)

/* Nonzero if buf starts with SEAL_MAGIC (a sealed file, not a plain one). */
int seal_is_sealed(const uint8_t *buf, size_t size);

struct seal_header {
  int mode;
  size_t len; /* bytes of the envelope, up to and including the stream header */
  const uint8_t *salt;
  uint32_t opslimit, mem_kib;
  unsigned n_recipients;
  const uint8_t *recipients; /* n_recipients * SEAL_RECIPIENT bytes */
  const uint8_t *stream;     /* the 24-byte secretstream header */
};

/* Parses the envelope. Errors: LINLI_EKEYFILE not a sealed file;
 * LINLI_EVERSION an unknown mode; LINLI_ETRUNC it ends inside the envelope;
 * LINLI_ETOOBIG a recipient count of 0 or over 64, or mode-1 limits outside
 * the bounds above. Pointers in h point into buf. */
int seal_parse(const uint8_t *buf, size_t size, struct seal_header *h);

/* The file key of a mode-1 file from a passphrase (slow on purpose). */
int seal_key_passphrase(const struct seal_header *h, const char *pass, size_t pass_len,
                        uint8_t key[32]);
/* The file key of a mode-2 file for the node id. LINLI_ENOTFOR if id is
 * not a recipient, LINLI_EDAMAGED if its box does not open. */
int seal_key_node(const struct seal_header *h, const struct crdt_identity *id, uint8_t key[32]);

/* Decrypts the chunks after the envelope: *plain (malloc'd, *plain_len
 * bytes; the caller wipes and frees it). Errors: LINLI_EDAMAGED a chunk
 * does not authenticate (LINLI_EPASS when it is the first chunk of a
 * mode-1 file: the usual cause is a wrong passphrase), LINLI_ETRUNC the
 * file ends before the FINAL chunk, LINLI_ETRAIL bytes after it,
 * LINLI_ETOOBIG a chunk length of 0 or over SEAL_CHUNK + 17, LINLI_ENOMEM. */
int seal_open(const uint8_t *buf, size_t size, const struct seal_header *h, const uint8_t key[32],
              uint8_t **plain, size_t *plain_len);

/* Seals plain (n bytes) into a new buffer *out (*out_len bytes; the caller
 * frees it). With a passphrase: opslimit and memlimit (bytes) are libsodium's
 * (crypto_pwhash_OPSLIMIT_MODERATE ...). To keys: n_keys Ed25519 public keys,
 * 1..64. */
int seal_passphrase(const uint8_t *plain, size_t n, const char *pass, size_t pass_len,
                    unsigned long long opslimit, size_t memlimit, uint8_t **out, size_t *out_len);
int seal_to_keys(const uint8_t *plain, size_t n, const uint8_t (*keys)[CRDT_PK_BYTES], int n_keys,
                 uint8_t **out, size_t *out_len);

#endif
