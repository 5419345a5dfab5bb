/* web_users: the staff accounts of a node's web console.
 *
 * The accounts live in DATA/web-users, a text file of mode 0600 beside the
 * node's key, one account a line:
 *
 *     NAME ROLE HASH [pii]
 *
 * NAME is 1 to WEB_NAME_MAX characters of A-Z a-z 0-9 _ . - (the name every
 * op written from a page carries in its `by` field); ROLE is viewer, clerk,
 * approver or admin; HASH is libsodium's crypto_pwhash_str() of the
 * password (Argon2id, "$argon2id$v=19$m=...": salt and parameters inside);
 * `pii`: the account reads ID numbers and phones whole, where without it
 * they are masked (4201**********7457, 138****1111) on every page.
 * Lines starting with '#' are comments. Why a file and not the LMDB store:
 * the store holds the replicated ops of a district, and accounts belong to
 * one node and must never travel to a peer; a file is also what an
 * operator can back up, inspect and restore on its own.
 *
 * Writers (linli user, cli/user.c) take DATA/web-users.lock (flock), write
 * DATA/web-users.tmp (0600), fsync and rename it over the old file, so a
 * reader (linlid) sees the old table or the new one, never half of one;
 * linlid reloads the file when its inode, size or mtime change.
 *
 * Roles, from least to most: a viewer reads; a clerk also writes the
 * community's daily records; an approver also approves and rejects on a
 * hub; an admin also sees the accounts. Each role holds every right of the
 * roles before it.
 *
 * Passwords: WEB_PW_MIN to WEB_PW_MAX bytes; hashing costs
 * crypto_pwhash_OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE (64 MiB).
 * No global state; every function is safe in any thread. */
#ifndef LINLI_WEB_USERS_H
#define LINLI_WEB_USERS_H

#include <stddef.h>
#include <stdint.h>

#define WEB_NAME_MAX 32
#define WEB_USERS_MAX 256
#define WEB_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define WEB_PW_MIN 8
#define WEB_PW_MAX 256
#define WEB_USERS_FILE "web-users"
#define WEB_USERS_FILE_MAX (64 * 1024)

enum web_role { WEB_VIEWER = 0, WEB_CLERK = 1, WEB_APPROVER = 2, WEB_ADMIN = 3 };

struct web_user {
  char name[WEB_NAME_MAX + 1];
  int role; /* enum web_role */
  int pii;  /* 1: reads ID numbers and phones whole (else masked, domain.h) */
  char hash[WEB_HASH_MAX];
};

struct web_users {
  struct web_user u[WEB_USERS_MAX];
  int n;
};

/* 0 if s is a valid account name, LINLI_ENAME otherwise. */
int web_name_check(const char *s);
/* The role named s (viewer, clerk, approver, admin), or -1. */
int web_role_parse(const char *s);
const char *web_role_name(int role);

/* Parses the text of a users file (len bytes). 0, or LINLI_EINVAL with
 * *line the first bad line (a bad name, role or hash, a name twice, more
 * than WEB_USERS_MAX accounts), or LINLI_ETOOBIG. */
int web_users_parse(struct web_users *t, const char *text, size_t len, int *line);
/* Reads DIR/web-users: 0 (a missing file is an empty table), or an error
 * (LINLI_EINVAL: see web_users_parse; LINLI_EKEYPERM: the file is open to
 * other users). */
int web_users_load(struct web_users *t, const char *dir);
/* Writes t as DIR/web-users (mode 0600), atomically. Call with the lock held. */
int web_users_save(const struct web_users *t, const char *dir);
/* Takes DIR/web-users.lock (waits for another writer): the fd, to close
 * when done, or -errno. */
int web_users_lock(const char *dir);

/* The index of account name in t, or -1. */
int web_users_find(const struct web_users *t, const char *name);

/* Hashes a password (pw, len bytes) into out: 0, LINLI_EINVAL (too short,
 * too long, a NUL or control character) or LINLI_ENOMEM. */
int web_password_hash(char out[WEB_HASH_MAX], const char *pw, size_t len);
/* 0 if pw matches hash, -1 if not. */
int web_password_verify(const char *hash, const char *pw, size_t len);

#endif
