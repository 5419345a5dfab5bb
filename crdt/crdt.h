/* crdt: the pure data model of linli.
 *
 * This header is the module's documentation. It covers:
 *   - the strict msgpack reader and the canonical writer (crdt_mp_*, crdt_buf)
 *   - the hybrid logical clock (crdt_hlc_*)
 *   - node identity: Ed25519 keys, key files (crdt_identity_*)
 *   - the signed op: encode + sign, decode + verify (crdt_op_*)
 *   - the merge: how an op updates the materialised view (crdt_apply), the
 *     view interface any storage implements (struct crdt_view), an in-memory
 *     view (crdt_memview_*), and the state digest (crdt_view_digest).
 *
 * Nothing here reads the clock, a random source, a socket or a database: the
 * wall clock comes in as an argument, key seeds come from the caller, and the
 * view is an interface. The only file I/O is crdt_identity_save/load and
 * crdt_file_replace.
 *
 * The byte formats (op encoding, view rows, digest) are specified in
 * docs/protocol.md; the golden vectors there are checked by tests/test_golden.c.
 *
 * Errors: functions return 0 (or a count) on success, a negative LINLI_E* or
 * -errno on failure (see err.h). On failure, outputs are left zeroed or
 * untouched as stated per function.
 */
#ifndef LINLI_CRDT_H
#define LINLI_CRDT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#if defined(__GNUC__)
#define CRDT_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define CRDT_WARN_UNUSED
#endif

/* ---- sizes and limits (each is part of the protocol, docs/protocol.md) ---- */

#define CRDT_ID_BYTES 32      /* BLAKE2b-256 of the encoded op */
#define CRDT_PK_BYTES 32      /* Ed25519 public key */
#define CRDT_SK_BYTES 64      /* Ed25519 secret key (seed || pk) */
#define CRDT_SEED_BYTES 32    /* Ed25519 seed, what a key file stores */
#define CRDT_SIG_BYTES 64     /* Ed25519 signature */
#define CRDT_ORDER_BYTES 72   /* hlc (8, big-endian) || author (32) || id (32) */
#define CRDT_DIGEST_BYTES 32  /* BLAKE2b-256 state digest */

#define CRDT_OP_VERSION 1
#define CRDT_OP_MAX_BYTES 8192   /* a whole signed op */
#define CRDT_BODY_MAX_BYTES 6144 /* the body map */
#define CRDT_SCOPE_MAX 64        /* bytes; [A-Za-z0-9_.-]+ */
#define CRDT_COLLECTION_MAX 32   /* bytes; [a-z0-9_]+ */
#define CRDT_KEY_MAX 128         /* bytes; UTF-8, no control characters */
#define CRDT_FIELD_MAX 64        /* bytes; [a-z0-9_]+ (top-level body keys) */
#define CRDT_PARENTS_MAX 16
#define CRDT_DEPTH_MAX 8      /* nesting of arrays/maps inside the body */
#define CRDT_COUNT_MAX 256    /* entries of any map or array inside the body */
#define CRDT_STR_MAX 2048     /* bytes of any str or bin inside the body */
#define CRDT_ELEM_MAX 128     /* bytes of one encoded set element (row keys must fit LMDB's 511) */

/* ---- strict msgpack reader ----
 *
 * Reads canonical msgpack only: the shortest form of every integer and every
 * length prefix, no floats, no ext types, map keys that are strings sorted by
 * bytes (memcmp, shorter first) with no duplicates, valid UTF-8 in strings.
 * Every declared length or count is checked against the bytes that remain
 * before anything is read (a count needs at least one byte per element).
 * The reader allocates nothing; returned pointers point into the input.
 * On error the cursor position is unspecified; stop using it. */
struct crdt_mp {
  const uint8_t *p;
  const uint8_t *end;
};

static inline void crdt_mp_init(struct crdt_mp *r, const void *buf, size_t len)
{
  r->p = (const uint8_t *)buf;
  r->end = r->p + len;
}
static inline size_t crdt_mp_left(const struct crdt_mp *r) { return (size_t)(r->end - r->p); }

int crdt_mp_array(struct crdt_mp *r, uint32_t *count);
int crdt_mp_map(struct crdt_mp *r, uint32_t *count);
int crdt_mp_uint(struct crdt_mp *r, uint64_t *v);
int crdt_mp_int(struct crdt_mp *r, int64_t *v);
int crdt_mp_bool(struct crdt_mp *r, int *v);
int crdt_mp_nil(struct crdt_mp *r);
/* Validates UTF-8. *s is not NUL-terminated. */
int crdt_mp_str(struct crdt_mp *r, const char **s, uint32_t *len);
int crdt_mp_bin(struct crdt_mp *r, const uint8_t **b, uint32_t *len);
/* Reads and validates one value of any allowed type, nested at most `depth`
 * levels, with the body limits above (CRDT_COUNT_MAX, CRDT_STR_MAX). */
int crdt_mp_value(struct crdt_mp *r, int depth);
/* 1 if the next value is nil (and consumes nothing), 0 otherwise. */
int crdt_mp_peek_nil(const struct crdt_mp *r);

/* ---- canonical writer ----
 * A fixed-capacity output buffer fed by msgpack-c's packer, which always picks
 * the shortest form. Writing past `cap` sets `overflow` and drops the bytes;
 * check crdt_buf_err() once at the end. */
struct crdt_buf {
  uint8_t *p;
  size_t cap;
  size_t len;
  int overflow;
};
void crdt_buf_init(struct crdt_buf *b, void *mem, size_t cap);
int crdt_buf_err(const struct crdt_buf *b); /* 0 or LINLI_ETOOBIG */
void crdt_w_array(struct crdt_buf *b, uint32_t n);
void crdt_w_map(struct crdt_buf *b, uint32_t n);
void crdt_w_uint(struct crdt_buf *b, uint64_t v);
void crdt_w_int(struct crdt_buf *b, int64_t v);
void crdt_w_bool(struct crdt_buf *b, int v);
void crdt_w_nil(struct crdt_buf *b);
void crdt_w_str(struct crdt_buf *b, const char *s, size_t len);
void crdt_w_cstr(struct crdt_buf *b, const char *s);
void crdt_w_bin(struct crdt_buf *b, const void *p, size_t len);
void crdt_w_raw(struct crdt_buf *b, const void *p, size_t len); /* pre-encoded bytes */

/* ---- hybrid logical clock ----
 * A timestamp is (ms << 16) | counter: 48 bits of milliseconds since the Unix
 * epoch and a 16-bit counter. Timestamps a node hands out strictly increase,
 * also when the wall clock steps back. */
#define CRDT_HLC_MS(t) ((t) >> 16)
#define CRDT_HLC_CTR(t) ((t)&0xffffu)
#define CRDT_HLC_MAKE(ms, ctr) (((uint64_t)(ms) << 16) | (uint64_t)(ctr))
#define CRDT_HLC_MAX_MS ((UINT64_C(1) << 48) - 1)

struct crdt_clock {
  uint64_t last;         /* the largest timestamp seen or issued */
  uint64_t max_drift_ms; /* receive() refuses stamps further ahead; 0 = no bound */
};

/* The timestamp for a local event or a send, given the wall clock. Always
 * greater than every timestamp previously issued or received. */
uint64_t crdt_hlc_now(struct crdt_clock *c, uint64_t wall_ms);
/* Merge a remote timestamp. LINLI_ECLOCK (clock unchanged) if the remote's
 * milliseconds are more than max_drift_ms ahead of wall_ms. */
int crdt_hlc_recv(struct crdt_clock *c, uint64_t wall_ms, uint64_t remote);

/* ---- identity ---- */
struct crdt_identity {
  uint8_t pk[CRDT_PK_BYTES];
  uint8_t sk[CRDT_SK_BYTES];
};

/* Must be called once before any function below (calls sodium_init()). */
int crdt_init(void);
/* Derive the key pair from a 32-byte seed the caller got from its random
 * source. The caller wipes its seed. */
int crdt_identity_from_seed(struct crdt_identity *id, const uint8_t seed[CRDT_SEED_BYTES]);
void crdt_identity_wipe(struct crdt_identity *id);
/* Writes the seed to `path` atomically (crdt_file_replace), mode 0600.
 * The file is text: "linli-ed25519-seed-v1 <64 hex>\n". */
int crdt_identity_save(const struct crdt_identity *id, const char *path);
/* Replaces the file at path with n bytes, atomically: PATH.tmp (an old one,
 * or a link planted there, removed first and never written through) with
 * the given mode, fsync, rename, fsync of the directory (a reader sees the
 * old file or the new one). 0 or -errno, LINLI_ETOOBIG for a path too
 * long; nothing is left at PATH.tmp on an error. */
int crdt_file_replace(const char *path, const void *data, size_t n, unsigned mode);
/* crypto_box_seal of m (n bytes) to the X25519 key derived from the
 * Ed25519 public key pk (as for CURVE): n + 48 bytes into out. LINLI_EINVAL
 * if pk is not a valid key. (Bundles to nodes, community key grants.) */
int crdt_box_seal(const uint8_t pk[CRDT_PK_BYTES], const uint8_t *m, size_t n, uint8_t *out);
/* Opens a box sealed to id: len - 48 bytes into out; LINLI_EDAMAGED if it
 * does not open. */
int crdt_box_open(const struct crdt_identity *id, const uint8_t *box, size_t len, uint8_t *out);
/* Loads a key file. LINLI_EKEYPERM if group or others may read it,
 * LINLI_EKEYFILE if malformed, -errno if unreadable. On failure *id is zeroed. */
int crdt_identity_load(struct crdt_identity *id, const char *path);

/* ---- the op ---- */
enum crdt_kind {
  CRDT_SET = 0,       /* body: {field: value}; lww per field */
  CRDT_ADD = 1,       /* body: {field: [elem, ...]}; observed-remove set add */
  CRDT_REMOVE = 2,    /* body: {field: [elem, ...]}; removes the adds named in parents */
  CRDT_COUNTER = 3,   /* body: {field: int delta}; PN counter */
  CRDT_APPEND = 4,    /* body: the event map; append-only log */
  CRDT_TOMBSTONE = 5, /* body: {}; deletes the record */
};
#define CRDT_KIND_COUNT 6
const char *crdt_kind_name(enum crdt_kind k);

/* A string view; not NUL-terminated. */
struct crdt_str {
  const char *p;
  uint32_t len;
};

/* A decoded signed op. All pointers point into the buffer that was decoded
 * and are valid while it is. */
struct crdt_op {
  const uint8_t *raw; /* the whole signed op as received */
  size_t raw_len;
  const uint8_t *unsigned_bytes; /* the op proper: what `id` hashes */
  size_t unsigned_len;
  uint8_t id[CRDT_ID_BYTES];
  uint32_t version;
  const uint8_t *author; /* CRDT_PK_BYTES */
  struct crdt_str scope;
  uint64_t hlc;
  struct crdt_str collection;
  struct crdt_str key;
  enum crdt_kind kind;
  const uint8_t *body; /* canonical msgpack map */
  size_t body_len;
  const uint8_t *parents; /* first parent id; use crdt_op_parent() */
  uint32_t n_parents;     /* parents are strictly ascending */
  const uint8_t *sig; /* CRDT_SIG_BYTES */
};

/* Parent i of a decoded op (each is encoded as bin8: 2 header bytes + 32). */
#define CRDT_PARENT_STRIDE (2 + CRDT_ID_BYTES)
static inline const uint8_t *crdt_op_parent(const struct crdt_op *op, uint32_t i)
{
  return op->parents + (size_t)i * CRDT_PARENT_STRIDE;
}

/* Decode a signed op strictly and compute its id from the exact bytes
 * received. Does not check the signature. Rejects every encoding but the one
 * canonical one. On failure *op is zeroed. */
int crdt_op_decode(struct crdt_op *op, const uint8_t *buf, size_t len);
/* 0 if the signature is the author's over the id, LINLI_EBADSIG otherwise:
 * crdt_sig_verify(op->sig, op->id, 32, op->author). */
int crdt_op_verify(const struct crdt_op *op) CRDT_WARN_UNUSED;
/* The Ed25519 acceptance rule of docs/protocol.md 3.6, for any message:
 * S < L; A and R canonical (y < p) and not of small order; A on the curve;
 * R byte-equal to the encoding of [S]B - [h]A (cofactorless). 0 or
 * LINLI_EBADSIG. */
int crdt_sig_verify(const uint8_t sig[CRDT_SIG_BYTES], const uint8_t *msg, size_t len,
                    const uint8_t pk[CRDT_PK_BYTES]) CRDT_WARN_UNUSED;
/* decode + verify. */
int crdt_op_open(struct crdt_op *op, const uint8_t *buf, size_t len) CRDT_WARN_UNUSED;

/* What a writer supplies; the author is the signing identity. Strings are
 * NUL-terminated. `body` must already be a canonical msgpack map (it is
 * validated); parents may come in any order, duplicates are dropped. */
struct crdt_draft {
  const char *scope;
  const char *collection;
  const char *key;
  uint64_t hlc;
  enum crdt_kind kind;
  const uint8_t *body;
  size_t body_len;
  const uint8_t *parents; /* n_parents ids, contiguous, 32 bytes each */
  uint32_t n_parents;
};

/* Encode and sign. Writes the signed op into out[0..cap) and sets *out_len;
 * if `op` is non-NULL, decodes the result into it (pointing into `out`).
 * On failure nothing useful is in `out` and *out_len is 0. */
int crdt_op_sign(const struct crdt_draft *d, const struct crdt_identity *who,
                 uint8_t *out, size_t cap, size_t *out_len, struct crdt_op *op);

/* (hlc, author, id) as 72 bytes whose memcmp order is the op's total order. */
void crdt_op_order(const struct crdt_op *op, uint8_t out[CRDT_ORDER_BYTES]);

/* Validate names: 0 or LINLI_ENAME / LINLI_ETOOBIG. */
int crdt_check_scope(const char *s, size_t len);
int crdt_check_ident(const char *s, size_t len, size_t max); /* [a-z0-9_]+ */
/* A record key (docs/protocol.md 3.3): 1..128 bytes of UTF-8 (LINLI_EUTF8),
 * in Unicode NFC and free of every code point of general category Cc, Cf,
 * Cs, Cn, Zl or Zp and every Default_Ignorable_Code_Point (LINLI_ENAME), by
 * the tables of Unicode crdt_unicode_version() (crdt/unicode_gen.py). */
int crdt_check_key(const char *s, size_t len);
/* NULL if s is a valid key, else why not, as a phrase to follow "the key "
 * (static text; never holds the key itself). */
const char *crdt_key_problem(const char *s, size_t len);
const char *crdt_unicode_version(void); /* "15.0.0" */
int crdt_utf8_valid(const uint8_t *s, size_t len);

/* ---- the view: where merge results live ----
 *
 * The materialised state is a sorted key-value map of rows (byte strings,
 * ordered by memcmp with the shorter key first on a common prefix, which is
 * LMDB's default order). crdt_apply() turns one op into row updates, and the
 * updates of different ops commute: any two views that received the same
 * set of ops, each op once, in any order, hold the same rows.
 *
 * Row keys start with the record prefix  scope 0x00 collection 0x00 key 0x00
 * followed by a tag byte; the layout of each row is in docs/protocol.md
 * ("Materialised rows"). A storage engine implements the four callbacks. */
struct crdt_view {
  void *ctx;
  /* 0 and *v, *vl set if found, LINLI_ENOTFOUND if not, other <0 on error.
   * *v is valid until the next put or del. */
  int (*get)(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl);
  int (*put)(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
  /* 0 whether or not the row existed. */
  int (*del)(void *ctx, const uint8_t *k, size_t kl);
  /* Calls fn for each row whose key starts with prefix, in key order, until
   * fn returns non-zero (a positive value stops the scan and is returned, a
   * negative is an error and is returned). fn must not modify the view. */
  int (*scan)(void *ctx, const uint8_t *prefix, size_t pl,
              int (*fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl),
              void *arg);
  /* Opaque to crdt: the bytes of the reader's community key file (a store
   * view carries it, store_keys; node/domain/sealed.h reads it), or NULL:
   * this reader opens no sealed value. */
  const uint8_t *keys;
  size_t keys_len;
};

/* Tags of row kinds (the byte after the record prefix; for the log, the
 * byte after the collection prefix, which no record key can start with). */
#define CRDT_ROW_COUNTER 'C'
#define CRDT_ROW_ELEM 'E'
#define CRDT_ROW_LOG 0x01 /* after the collection prefix: scope 0 coll 0 0x01 hlc id */
#define CRDT_ROW_LWW 'L'
#define CRDT_ROW_REMOVED 'R'
#define CRDT_ROW_SUPERSEDED 'S'
#define CRDT_ROW_TOMB 'T'

/* Apply one decoded, verified op to the view. The caller guarantees each op
 * (by id) is applied at most once per view: counters are not idempotent. */
int crdt_apply(const struct crdt_view *v, const struct crdt_op *op);

/* Build the record prefix (scope 0 collection 0 key 0) into out; returns
 * its length or LINLI_ETOOBIG if cap is too small. key may be NULL to get
 * the prefix of a whole collection (scope 0 collection 0), and collection
 * NULL for the prefix of a scope (scope 0). */
int crdt_row_prefix(uint8_t *out, size_t cap, const char *scope, size_t sl,
                    const char *collection, size_t cl, const char *key, size_t kl);

/* The state digest: BLAKE2b-256 over every row whose key starts with
 * `prefix` (pl may be 0 for all), in key order, each row as
 * u32be(klen) key u32be(vlen) value. */
int crdt_view_digest(const struct crdt_view *v, const uint8_t *prefix, size_t pl,
                     uint8_t out[CRDT_DIGEST_BYTES]);

/* One entry of an lww frontier row: the op that wrote the value. More than
 * one entry in a row means concurrent writes: a conflict. Entries are stored
 * winner first (descending order). */
struct crdt_lww_entry {
  uint64_t hlc;
  const uint8_t *author;
  const uint8_t *id;
  const uint8_t *value; /* canonical msgpack */
  uint32_t value_len;
};
/* Iterate the entries of an lww row value; fn returns non-zero to stop. */
int crdt_lww_each(const uint8_t *v, size_t vl,
                  int (*fn)(void *arg, const struct crdt_lww_entry *e), void *arg);

/* ---- in-memory view ----
 * A sorted array of rows plus the set of op ids already applied, so
 * crdt_memview_apply() is idempotent. For tests, tools and benchmarks; the
 * node's durable view is the LMDB store in node/. */
struct crdt_memview;
struct crdt_memview *crdt_memview_new(void);
void crdt_memview_destroy(struct crdt_memview *m);
/* The view interface over m (valid while m is). */
struct crdt_view crdt_memview_view(struct crdt_memview *m);
/* 1 if applied, 0 if the op id was already there, <0 on error. */
int crdt_memview_apply(struct crdt_memview *m, const struct crdt_op *op);
size_t crdt_memview_rows(const struct crdt_memview *m);

#endif
