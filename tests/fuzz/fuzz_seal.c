/* fuzz_seal: an encrypted bundle (`linli import` of a file from `linli
 * export`) opened from bytes. Input: the file's bytes.
 *
 * The opener is fuzz_identity(0) for files sealed to node keys, and the
 * passphrase FUZZ_SEAL_PASS for passphrase files (only when the file asks
 * for opslimit 1 and at most FUZZ_SEAL_MEM_KIB of memory, so that one
 * input costs microseconds; any other limits are parsed and bounded only).
 * Checked:
 * - seal_parse() fails with one of its documented errors, or its envelope
 *   lies inside the input and matches the mode's layout byte for byte;
 * - the key step fails only as documented (not a recipient, a box that
 *   does not open);
 * - seal_open() fails only with its documented errors and returns nothing
 *   then, or returns plain bytes shorter than the input, and opening the
 *   same input again returns the same bytes;
 * - what it returns is then parsed as a bundle, with bundle_parse()'s
 *   documented errors only. */
#include <string.h>

#include "bundle.h"
#include "fuzz.h"
#include "seal.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  struct seal_header h;
  uint8_t key[32];
  fuzz_init();
  int rc = seal_parse(data, size, &h);
  if (rc) {
    FUZZ_ASSERT(rc == LINLI_EKEYFILE || rc == LINLI_ETRUNC || rc == LINLI_ETOOBIG ||
                rc == LINLI_EVERSION);
    FUZZ_ASSERT(!seal_is_sealed(data, size) || rc != LINLI_EKEYFILE);
    return 0;
  }
  FUZZ_ASSERT(seal_is_sealed(data, size) && h.len <= size && h.stream + 24 == data + h.len);
  if (h.mode == SEAL_PASSPHRASE) {
    FUZZ_ASSERT(h.len == 9 + SEAL_SALT + 8 + 24 && h.salt == data + 9);
    FUZZ_ASSERT(h.opslimit >= 1 && h.opslimit <= SEAL_OPS_MAX && h.mem_kib >= SEAL_MEM_KIB_MIN &&
                h.mem_kib <= SEAL_MEM_KIB_MAX);
    if (h.opslimit != 1 || h.mem_kib > FUZZ_SEAL_MEM_KIB)
      return 0;
    FUZZ_ASSERT(seal_key_passphrase(&h, FUZZ_SEAL_PASS, strlen(FUZZ_SEAL_PASS), key) == 0);
  } else {
    FUZZ_ASSERT(h.mode == SEAL_KEYS && h.n_recipients >= 1 &&
                h.n_recipients <= SEAL_RECIPIENTS_MAX && h.recipients == data + 11 &&
                h.len == 11 + h.n_recipients * SEAL_RECIPIENT + 24);
    rc = seal_key_node(&h, fuzz_identity(0), key);
    if (rc) {
      FUZZ_ASSERT(rc == LINLI_ENOTFOR || rc == LINLI_EDAMAGED);
      return 0;
    }
  }
  uint8_t *plain = NULL, *again = NULL;
  size_t n = 0, n2 = 0;
  rc = seal_open(data, size, &h, key, &plain, &n);
  if (rc) {
    FUZZ_ASSERT(!plain && n == 0);
    FUZZ_ASSERT(rc == LINLI_EDAMAGED || rc == LINLI_EPASS || rc == LINLI_ETRUNC ||
                rc == LINLI_ETRAIL || rc == LINLI_ETOOBIG);
    FUZZ_ASSERT(rc != LINLI_EPASS || h.mode == SEAL_PASSPHRASE);
    return 0;
  }
  FUZZ_ASSERT(n < size - h.len);
  FUZZ_ASSERT(seal_open(data, size, &h, key, &again, &n2) == 0);
  FUZZ_ASSERT(n2 == n && memcmp(plain, again, n) == 0);
  free(again);
  const uint8_t **ops;
  size_t *lens, count;
  rc = bundle_parse(plain, n, &ops, &lens, &count);
  FUZZ_ASSERT(rc == 0 || rc == LINLI_EKEYFILE || rc == LINLI_ETRUNC || rc == LINLI_ETOOBIG ||
              rc == LINLI_ETRAIL);
  if (!rc)
    free(ops), free(lens);
  free(plain);
  return 0;
}
