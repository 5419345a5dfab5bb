/* trust: who may write what.
 *
 * The district hub's Ed25519 key is the root of trust of a district. The hub
 * certifies each node with an op in the district scope:
 *
 *   scope = district, collection "cert", key = hex(node public key), kind set,
 *   body {community: CODE, not_after: ms, not_before: ms, role: "community"|"hub"}
 *
 * and revokes one with
 *
 *   scope = district, collection "revocation", key = hex(node public key),
 *   kind set, body {at: ms, reason: TEXT}
 *
 * Both are ordinary signed ops: they replicate like any other, and the same
 * bytes are the certificate file carried on a USB stick (trust_cert_*).
 *
 * An op is accepted by every replica only if:
 *   - its author is the hub, it is in the district scope and in a hub
 *     collection (cert, revocation, approval, published); or
 *   - its author holds a hub certificate whose community equals the op's
 *     scope and whose validity covers the op's time, the author was not
 *     revoked at or before that time, and the op is not in the district
 *     scope or a hub collection.
 * An op whose author has no certificate yet is LINLI_EPENDING: the node holds
 * it until the certificate arrives or a bound passes (then LINLI_EUNKNOWN).
 * The hub relays community ops but cannot forge them: it has no community key.
 *
 * The city (trust_set_city): a city node's key is the root above the district
 * hubs. The city node is the "hub" of the city scope (hub key = city key,
 * district = the city code) and certifies each district hub there with
 *
 *   scope = city, collection "cert", key = hex(hub key), kind set,
 *   body {community: DISTRICT, not_after, not_before, role: "district"}
 *
 * On the city node an op in a district scope D is accepted only if its
 * author holds a valid, unrevoked "district" certificate for D and it is in
 * a hub collection (the district's certificates, approvals, rounds and
 * summaries); anyone else writing in D is LINLI_EUNAUTH, a certified hub
 * writing for another district LINLI_EUNAUTH, outside a hub collection
 * LINLI_EHUBSCOPE. On a hub or community node that knows the city (its
 * `city` line), the city key may write hub collections in the city scope
 * only (else LINLI_EHUBSCOPE) and nobody else writes there (LINLI_EUNAUTH).
 * There the city may also revoke the district's hub (a revocation in the
 * city scope naming the hub key): from its time on, ops of the hub are
 * LINLI_EREVOKED (its approvals, rounds and the certificates it signs
 * after that time), the hub is no longer admitted as a peer, and trust_learn
 * takes nothing more from it; what it signed before stays valid.
 */
#ifndef LINLI_TRUST_H
#define LINLI_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "crdt.h"
#include "store.h"

#define TRUST_CERT "cert"
#define TRUST_REVOCATION "revocation"
#define TRUST_KEYHEX_BYTES (2 * CRDT_PK_BYTES)

struct trust;

/* Creates an empty trust state for the district whose hub key is hub_pk.
 * hub_collections (NULL-terminated, or NULL) names the collections only the
 * hub writes besides TRUST_CERT and TRUST_REVOCATION; the array is the
 * caller's and must outlive the trust state. */
int trust_new(struct trust **out, const uint8_t hub_pk[CRDT_PK_BYTES], const char *district,
              const char *const *hub_collections);
void trust_free(struct trust *t);

/* Below the city: 1 if op is the city's certificate of this district's hub
 * as the hub of this district (role "district"), valid at now_ms and the hub
 * not revoked; else 0. A hub without one has its summaries refused by the
 * city (linlid warns at start). */
int trust_city_certifies_hub(const struct trust *t, const struct crdt_op *op, uint64_t now_ms);
/* Names the city above the district (before trust_load): its key and code.
 * If city_pk is the hub key given to trust_new, this is the city node and
 * its "district" must be the city code: it learns "district" certificates.
 * Else the city key may write hub collections in the city scope. */
int trust_set_city(struct trust *t, const uint8_t city_pk[CRDT_PK_BYTES], const char *city);

/* Learns the certificates and revocations already in the store. */
int trust_load(struct trust *t, struct store *s);

/* 0 to accept, LINLI_EPENDING to hold, or the reason to reject. */
int trust_check(const struct trust *t, const struct crdt_op *op);

/* Takes note of an accepted op: a hub certificate or revocation changes
 * what trust_check answers. Returns TRUST_LEARNED_CERT if the op certified
 * a new author (its held ops may now pass), TRUST_LEARNED_REVOCATION if it
 * revoked a key from an earlier time than known (ops of that author stamped
 * since must be purged: replicas that stored them before the revocation
 * arrived drop them, so all replicas end with the same set), else 0. */
#define TRUST_LEARNED_CERT 1
#define TRUST_LEARNED_REVOCATION 2
int trust_learn(struct trust *t, const struct crdt_op *op);

/* Before op is stored: 1 if it is a hub revocation that trust_learn()
 * would take as TRUST_LEARNED_REVOCATION (pk revoked from *at_ms, earlier
 * than known), so that the purge of pk's later ops can be written in the
 * same transaction as the revocation; else 0. Changes nothing. */
int trust_revokes(const struct trust *t, const struct crdt_op *op, uint8_t pk[CRDT_PK_BYTES],
                  uint64_t *at_ms);

/* The subject of a cert or revocation op (its key, as hex): 0 or an error. */
int trust_subject(const struct crdt_op *op, uint8_t pk[CRDT_PK_BYTES]);
/* When pk was revoked (ms), or UINT64_MAX. */
uint64_t trust_revoked_at(const struct trust *t, const uint8_t pk[CRDT_PK_BYTES]);

/* 1 if pk holds a certificate valid at now_ms and is not revoked by then
 * (the hub itself: always). For the transport's allow-list. */
int trust_admits(const struct trust *t, const uint8_t pk[CRDT_PK_BYTES], uint64_t now_ms);

/* Fills out with every admitted key (up to max); returns the count. */
int trust_roster(const struct trust *t, uint64_t now_ms, uint8_t (*out)[CRDT_PK_BYTES], int max);

/* What is known of one key, for `linli roster` and the transport. */
struct trust_info {
  uint8_t pk[CRDT_PK_BYTES];
  int certified;                       /* 0: only a revocation is known */
  char community[CRDT_SCOPE_MAX + 1];  /* "" when not certified */
  int hub_role;
  int district_role;                   /* a district hub the city certified */
  uint64_t not_before_ms, not_after_ms;
  uint64_t revoked_at_ms;              /* UINT64_MAX: not revoked */
};
/* The number of keys with a certificate or a revocation. */
size_t trust_count(const struct trust *t);
/* The i-th of them (0 <= i < trust_count(), in key order): 0, or
 * LINLI_ENOTFOUND past the end. Indexes shift when trust_learn() adds a key. */
int trust_get(const struct trust *t, size_t i, struct trust_info *out);

/* 1 if the collection is one only the hub writes. */
int trust_is_hub_collection(const struct trust *t, const char *c, size_t len);

/* ---- enrolment, offline: files ----
 * A request is a small text file a node writes at `linli init` and carries
 * to the hub: "linli-enroll-v1 <community> <pubkey hex> <signature hex>\n",
 * the signature by the node's key over "linli-enroll-v1 <community> <pubkey hex>"
 * (proof it holds the key). */
int trust_request_write(const char *path, const struct crdt_identity *node, const char *community);
/* Reads and checks a request; community must hold CRDT_SCOPE_MAX + 1 bytes. */
int trust_request_read(const char *path, uint8_t pk[CRDT_PK_BYTES], char *community);

/* The hub signs a certificate op into out (CRDT_OP_MAX_BYTES); returns its
 * length. role is "community" or "hub" ("district" when the city signs, with
 * the city code as district and the district code as community). */
int trust_cert_sign(const struct crdt_identity *hub, const char *district, uint64_t hlc,
                    const uint8_t pk[CRDT_PK_BYTES], const char *community, const char *role,
                    uint64_t not_before_ms, uint64_t not_after_ms, uint8_t *out, size_t cap);
/* The hub signs a revocation op; returns its length. */
int trust_revoke_sign(const struct crdt_identity *hub, const char *district, uint64_t hlc,
                      const uint8_t pk[CRDT_PK_BYTES], uint64_t at_ms, const char *reason,
                      uint8_t *out, size_t cap);

#endif
