/* Shared helpers of the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines FUZZ_ENTRY, which is LLVMFuzzerTestOneInput in the
 * libFuzzer build and fuzz_<target>_entry in the replay program
 * (tests/fuzz/replay), so the same function runs under libFuzzer and, on
 * every ctest run, over the committed corpus. A target returns 0 for any
 * input; a broken invariant calls FUZZ_ASSERT, which prints and aborts. */
#ifndef LINLI_FUZZ_H
#define LINLI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crdt.h"
#include "net.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
int FUZZ_ENTRY(const uint8_t *data, size_t size);

/* An expression, usable inside others. */
#define FUZZ_ASSERT(c) ((c) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #c))
_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* The first byte of a fuzz_apply input, mod 3: chunks of signed ops that
 * must verify; recipes of ops the target signs itself; chunks of ops that
 * are applied once decoded, unverified (to reach the merge with any body). */
#define FUZZ_APPLY_RAW 0
#define FUZZ_APPLY_DRAFT 1
#define FUZZ_APPLY_UNVERIFIED 2
#define FUZZ_APPLY_OPS_MAX 64
/* The first byte of a fuzz_recon input: bit 0 = structured messages (else
 * raw bytes), bit 1 = call net_recon_start first, bits 2-3 = cfg choice;
 * bit 4 = pair mode (two engines reconcile; bits 5-6 the peer's cfg). */
#define FUZZ_RECON_STRUCT 1
#define FUZZ_RECON_START 2
#define FUZZ_RECON_PAIR 16
#define FUZZ_RECON_SENDS 128 /* the target (pair: side A; bit 0 for side B) answers with SENDS */

/* fuzz_bundle: every input starts from a store holding these ops, signed
 * by a fourth key (seed: 32 bytes 0x04) and stamped before FUZZ_BASE_MS,
 * on the records the golden ops write. */
#define FUZZ_BUNDLE_BASE_OPS 4
/* The fixed clock of the fuzz_bundle node: one day after FUZZ_BASE_MS. */
#define FUZZ_BUNDLE_NOW_MS (FUZZ_BASE_MS + 86400000)
/* fuzz_seal: the passphrase its passphrase files are opened with, and the
 * most memory (KiB) it lets such a file ask Argon2id for. */
#define FUZZ_SEAL_PASS "fuzz-passphrase"
#define FUZZ_SEAL_MEM_KIB 64
/* fuzz_csv: the first byte, mod the number of collections, picks the
 * collection (enum dom_coll: 1 household, 2 resident, ...). */
/* fuzz_config: the first byte sizes the error buffer: 0 none, 1..63 that
 * many bytes, else CONFIG_ERR_MAX. */
#define FUZZ_CONFIG_ERR_FULL 64

/* The items of the fixed reconciliation store. */
#define FUZZ_STORE_ITEMS 300
#define FUZZ_BASE_MS UINT64_C(1583020800000) /* 2020-03-01T00:00:00Z */
#define FUZZ_SCOPE "shihua"

/* A cursor over the fuzz input; reads past the end yield zeros. */
struct fuzz_in {
  const uint8_t *p;
  size_t n;
};
uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
/* The next chunk: a big-endian u16 length, then that many bytes (clipped
 * to what is left). 0 when the input is used up, 1 otherwise. */
int fuzz_chunk(struct fuzz_in *in, const uint8_t **p, size_t *len);
/* Appends a chunk in the fuzz_chunk format to f (for the corpus generator). */
void fuzz_put_chunk(FILE *f, const uint8_t *p, size_t len);

/* crdt_init() once per process. */
void fuzz_init(void);
/* The fixed test identities 0..2 (seeds of 32 bytes 0x01, 0x02, 0x03). */
const struct crdt_identity *fuzz_identity(unsigned i);

/* Signs the i-th base op of fuzz_bundle (i < FUZZ_BUNDLE_BASE_OPS) into
 * out; returns its length. */
size_t fuzz_bundle_base_op(unsigned i, uint8_t out[CRDT_OP_MAX_BYTES]);

/* The i-th item of the fixed store (i < FUZZ_STORE_ITEMS); items with equal
 * milliseconds and equal hlc occur, to exercise id-prefix bounds. */
void fuzz_store_item(uint32_t i, struct net_item *x);
/* A store with the items i of the fixed set for which keep(i, arg) is
 * non-zero (keep NULL: all), plus `extra` items only it has. */
struct net_memstore *fuzz_store_new(int (*keep)(uint32_t i, void *arg), void *arg,
                                    uint32_t extra);

#endif
