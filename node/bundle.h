/* bundle: ops carried in a file, for places with no link at all.
 *
 * Format: the 8 bytes "LINLIB1\n", then for each op a 4-byte big-endian
 * length and the signed op's bytes exactly as stored, then the 8 bytes
 * "LINLIEND" so a truncated copy (a USB stick pulled out early) is told
 * apart from a short bundle. Ops are verified on import like ops from a
 * peer; importing the same bundle twice changes nothing. */
#ifndef LINLI_BUNDLE_H
#define LINLI_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define BUNDLE_MAGIC "LINLIB1\n"
#define BUNDLE_END "LINLIEND"

/* Writes every op of the scopes with hlc >= since_hlc to path (atomically:
 * a temp file renamed into place). Returns the number of ops written. */
int bundle_export(struct store *s, const char *const *scopes, int n_scopes, uint64_t since_hlc,
                  const char *path);

/* A bundle being written op by op (for generators). */
struct bundle_writer {
  FILE *f;
  char tmp[4096], path[4096];
  uint64_t ops;
  int err;
};
int bundle_open(struct bundle_writer *w, const char *path);
int bundle_add(struct bundle_writer *w, const uint8_t *op, size_t len);
/* Finishes the file; 0 or the first error (then nothing is left at path). */
int bundle_close(struct bundle_writer *w);

/* Reads a whole bundle into memory: *ops[i] (lens[i]) point into *buf.
 * LINLI_ETRUNC for a truncated file, LINLI_EKEYFILE for a file that is not
 * a bundle. The caller frees *buf and *ops and *lens. */
int bundle_read(const char *path, uint8_t **buf, const uint8_t ***ops, size_t **lens, size_t *n);

#endif
