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

/* The same bundle into memory (*buf, *len bytes, malloc'd; the caller
 * wipes and frees it), for sealing: the plain bytes never touch the disk.
 * On an error *buf is NULL. */
int bundle_export_mem(struct store *s, const char *const *scopes, int n_scopes,
                      uint64_t since_hlc, uint8_t **buf, size_t *len);

/* A bundle being written op by op (for generators). */
struct bundle_writer {
  FILE *f;
  char tmp[4096], path[4096];
  uint64_t ops;
  int err;
};
int bundle_open(struct bundle_writer *w, const char *path);
/* Into memory: bundle_close() leaves the bytes in *buf (*len), malloc'd. */
int bundle_open_mem(struct bundle_writer *w, char **buf, size_t *len);
int bundle_add(struct bundle_writer *w, const uint8_t *op, size_t len);
/* Finishes the file; 0 or the first error (then nothing is left at path). */
int bundle_close(struct bundle_writer *w);

/* Parses a whole bundle held in memory (size bytes at buf): (*ops)[i],
 * (*lens)[i] for i < *n point into buf, which must outlive them. Only the
 * framing is checked, not the ops (import verifies each one), and every
 * declared length against the bytes that remain before anything is
 * allocated. There is one encoding of a list of ops: a bundle that parses
 * is exactly BUNDLE_MAGIC, each length and op, BUNDLE_END.
 * Errors: LINLI_EKEYFILE the bytes do not start with BUNDLE_MAGIC (not a
 * bundle); LINLI_ETRUNC the bundle ends before its end marker (a truncated
 * copy); LINLI_ETOOBIG an op length of 0 or over CRDT_OP_MAX_BYTES;
 * LINLI_ETRAIL bytes after the end marker; LINLI_ENOMEM. On an error *ops
 * and *lens are NULL and *n is 0; else the caller frees *ops and *lens. */
int bundle_parse(const uint8_t *buf, size_t size, const uint8_t ***ops, size_t **lens, size_t *n);

/* Reads a whole bundle file into memory and parses it with bundle_parse():
 * *ops[i] (lens[i]) point into *buf. The errors of bundle_parse(), -errno
 * if the file cannot be read, LINLI_ETOOBIG for a file over 4 GiB. The
 * caller frees *buf and *ops and *lens. */
int bundle_read(const char *path, uint8_t **buf, const uint8_t ***ops, size_t **lens, size_t *n);

/* The whole file into a new buffer (*buf, *size bytes), unparsed: -errno,
 * LINLI_ETOOBIG over 4 GiB, LINLI_ENOMEM, LINLI_EIO. */
int bundle_read_raw(const char *path, uint8_t **buf, size_t *size);

#endif
