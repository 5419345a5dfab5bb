/* linli error table: one list generates the enum, linli_strerror() and
 * linli_errname().
 *
 * Every function that can fail returns 0 (or a non-negative count) on
 * success and a negative LINLI_E* code on failure. OS errors pass through as
 * -errno (linli_strerror() then answers with strerror()). Each message says
 * what went wrong and, where the user can act, what to do. No message ever
 * includes personal data: callers name records by internal id.
 */
#ifndef LINLI_ERR_H
#define LINLI_ERR_H

/* X(NAME, code, message). Codes are stable: they appear in logs and in the
 * exit-status documentation; add new ones at the end. */
#define LINLI_ERRNO_MAP(X)                                                          \
  X(EINVAL, 1000, "invalid argument")                                              \
  X(ENOMEM, 1001, "out of memory")                                                 \
  X(ETRUNC, 1002, "message is truncated: a length or count runs past the end")     \
  X(ETRAIL, 1003, "trailing bytes after the end of the message")                   \
  X(ENONCANON, 1004, "non-canonical encoding: the same value has a shorter form")  \
  X(ETYPE, 1005, "wrong type for a field of the message")                          \
  X(ETOOBIG, 1006, "value exceeds a documented limit (size, count or length)")     \
  X(EDEPTH, 1007, "nesting is deeper than the documented limit")                   \
  X(EUTF8, 1008, "text field is not valid UTF-8")                                  \
  X(EKEYORDER, 1009, "map keys are not sorted or are duplicated")                  \
  X(EVERSION, 1010, "unsupported format version")                                  \
  X(EBADSIG, 1011, "signature does not verify")                                    \
  X(EKIND, 1012, "unknown op kind or body does not fit the kind")                  \
  X(ENAME, 1013, "name contains characters outside the allowed set")               \
  X(ECLOCK, 1014, "timestamp is too far ahead of this node's clock")               \
  X(EKEYFILE, 1015, "key file is malformed")                                       \
  X(EKEYPERM, 1016, "key file is readable by other users; chmod 600 it")           \
  X(ENOTFOUND, 1017, "not found")                                                  \
  X(EEXIST, 1018, "already exists")                                                \
  X(ESTORE, 1019, "storage error")                                                 \
  X(EMAPFULL, 1020, "database is full: raise max_map_mb in the config or free disk space")     \
  X(ECORRUPT, 1021, "stored data is corrupt")                                      \
  X(ESCHEMA, 1022, "op does not match the schema of its collection")              \
  X(EUNAUTH, 1023, "author is not allowed to write this scope")                    \
  X(EPROTO, 1024, "protocol violation by peer")                                    \
  X(ELIMIT, 1025, "rate or quota limit reached; try again later")                  \
  X(ECRYPTO, 1026, "cryptographic library failed to initialise")                   \
  X(EIO, 1027, "input/output error")                                               \
  X(EFULL, 1028, "a fixed-size buffer or table is full")                          \
  X(EPENDING, 1029, "author's certificate has not arrived yet; the op is held")     \
  X(EREVOKED, 1030, "author's key was revoked before this op was stamped")         \
  X(ECERT, 1031, "author has no valid certificate for this time")                  \
  X(EHUBSCOPE, 1032, "the hub may write only hub collections in the district scope") \
  X(EUNKNOWN, 1033, "author unknown: no certificate arrived in time")              \
  X(ENOTFOR, 1034, "the file is encrypted to other nodes: this node's key is not among its recipients") \
  X(EPASS, 1035, "wrong passphrase, or the file was altered")                      \
  X(EDAMAGED, 1036, "encrypted data was altered or damaged: it does not authenticate") \
  X(ENOKEY, 1037, "this node holds no community key for it: ask a node of the community for one (linli key grant)") \
  X(EOVERDRAW, 1038, "a hand-out would draw a stock below zero")                 \
  X(EROLE, 1039, "not allowed to this Unix user: see the staff lines of linlid.conf")

enum linli_err {
  LINLI_OK = 0,
#define LINLI__ERR_ENUM(name, code, msg) LINLI_##name = -(code),
  LINLI_ERRNO_MAP(LINLI__ERR_ENUM)
#undef LINLI__ERR_ENUM
};

/* Counters by reason: linli_err_index() maps a LINLI_E* code to 1..63 and
 * anything else (0, -errno) to 0, for arrays of LINLI_ERR_SLOTS counters. */
#define LINLI_ERR_SLOTS 64
int linli_err_index(int err);
/* The inverse, for printing: the code of slot i (0 for slot 0). */
int linli_err_of_index(int i);

/* A sentence for any return code: a LINLI_E* code, a -errno, or 0. The
 * returned string is static. */
const char *linli_strerror(int err);

/* The symbolic name, "LINLI_ETRUNC", "ENOENT" (as "errno 2" when unknown),
 * or "OK". The returned string is static. */
const char *linli_errname(int err);

#endif
