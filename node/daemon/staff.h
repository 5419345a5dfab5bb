/* staff: who calls linlid's control socket, what their role lets them do,
 * and the staff name (`by`, domain.h "staff") every op written for them
 * carries.
 *
 * The caller is a Unix user, known by SO_PEERCRED (libzmq gives it as the
 * message's Peer-Address "HOST:UID:GID:PID" on an ipc:// socket). The node's
 * owner (the Unix user linlid runs as, who owns DATA/node.key) and root are
 * admins with every right, named by their Unix name unless a staff line
 * names them; anyone else needs a `staff USER NAME ROLE [pii]` line
 * (config.h). Roles are the web console's (web_users.h): a viewer reads; a
 * clerk also writes the community's records and imports bundles and
 * certificates; an approver also writes the hub's collections (approvals,
 * rounds); an admin also writes every other collection (keys) and may stop
 * or reload linlid. Without `pii` a caller reads ID numbers and phones
 * masked (domain.h dom_mask_pii).
 *
 * No global state. */
#ifndef LINLI_STAFF_H
#define LINLI_STAFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "node.h"

struct staff_who {
  long uid;                       /* -1: unknown (not a Unix socket) */
  char user[CONFIG_NAME_MAX + 1]; /* the Unix name, "" if none */
  char name[DOM_BY_MAX + 1];      /* the staff name, "" if not staff */
  int role;                       /* enum web_role, -1 if not staff */
  int pii;
  int owner;                      /* the node's owner or root */
};

/* The uid in a Peer-Address "HOST:UID:GID:PID", or -1. */
long staff_peer_uid(const char *peer_address);
/* Who uid is on a node whose owner is owner_uid, by c's staff lines. */
void staff_resolve(const struct config *c, long uid, long owner_uid, struct staff_who *w);
/* The owner of the node in data (the owner of DATA/node.key), or -1. */
long staff_owner(const char *data);

/* 0 if w may write collection coll (NUL-terminated), else LINLI_EROLE
 * with why (cap bytes) saying who may. */
int staff_may_write(const struct staff_who *w, const char *coll, char *why, size_t cap);
/* 0 if w may import ops, stop or reload (admin: need_admin), else LINLI_EROLE. */
int staff_may(const struct staff_who *w, int need_admin, const char *what, char *why, size_t cap);

/* Rewrites the body of each change that carries `by` (dom_by_carried) to
 * carry name (keep: a `by` it has stays). The new bodies live in *arena
 * (malloc; free it after the write, NULL if none was needed). 0, or
 * LINLI_ETOOBIG with *bad its index, or LINLI_ENOMEM. */
int staff_stamp(struct node_change *c, size_t n, const char *name, int keep, uint8_t **arena,
                size_t *bad);

#endif
