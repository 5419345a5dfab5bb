/* The key grants: a community key sealed to one node's key, in a key op of
 * the community's scope (docs/protocol.md 12.6). Contract: sealed.h. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

_Static_assert(DOM_GRANT_BOX == DOM_SEAL_KEY + crypto_box_SEALBYTES, "a sealed box of a key");

struct take {
  const struct crdt_identity *id;
  char hex[2 * CRDT_PK_BYTES + 1];
  const char *scope;
  struct dom_keys *ks;
  uint32_t retired; /* epochs up to this one are retired: not taken */
  int added, damaged;
};

static int take__one(void *arg, const struct record *r)
{
  struct take *t = arg;
  char to[2 * CRDT_PK_BYTES + 1];
  int64_t epoch = 0;
  const struct record_field *box = record_field(r, "box");
  const uint8_t *b;
  uint32_t bl;
  struct crdt_mp m;
  if (r->deleted || record_str(r, "to", to, sizeof to) || strcmp(to, t->hex) ||
      record_int(r, "epoch", &epoch) || epoch < 1 || epoch > UINT32_MAX || !box || !box->value)
    return 0;
  if ((uint32_t)epoch <= t->retired || dom_keys_find(t->ks, t->scope, strlen(t->scope), (uint32_t)epoch))
    return 0;
  crdt_mp_init(&m, box->value, box->value_len);
  uint8_t key[DOM_SEAL_KEY];
  if (crdt_mp_bin(&m, &b, &bl) || bl != DOM_GRANT_BOX || crdt_box_open(t->id, b, bl, key)) {
    t->damaged++;
    return 0;
  }
  if (dom_keys_add(t->ks, t->scope, (uint32_t)epoch, key) == 0)
    t->added++;
  sodium_memzero(key, sizeof key);
  return 0;
}

int dom_keys_take(const struct crdt_view *v, const char *scope, const struct crdt_identity *id,
                  struct dom_keys *ks, int *damaged)
{
  struct take t = {id, {0}, scope, ks, 0, 0, 0};
  sodium_bin2hex(t.hex, sizeof t.hex, id->pk, CRDT_PK_BYTES);
  int rc = dom_keys_retired(v, scope, &t.retired);
  if (!rc)
    rc = record_each(v, scope, DOM_GRANTS, NULL, take__one, &t);
  if (damaged)
    *damaged = t.damaged;
  return rc < 0 ? rc : t.added;
}

int dom_grant_body(const uint8_t pk[CRDT_PK_BYTES], const struct dom_key *k, struct crdt_buf *b,
                   char *rkey, size_t rkey_cap)
{
  uint8_t box[DOM_GRANT_BOX];
  char hex[2 * CRDT_PK_BYTES + 1];
  if (crdt_box_seal(pk, k->key, DOM_SEAL_KEY, box))
    return LINLI_EINVAL;
  sodium_bin2hex(hex, sizeof hex, pk, CRDT_PK_BYTES);
  if (rkey_cap < sizeof hex + 11)
    return LINLI_ETOOBIG;
  snprintf(rkey, rkey_cap, "%s-%u", hex, (unsigned)k->epoch);
  crdt_w_map(b, 3);
  crdt_w_cstr(b, "box"), crdt_w_bin(b, box, sizeof box);
  crdt_w_cstr(b, "epoch"), crdt_w_uint(b, k->epoch);
  crdt_w_cstr(b, "to"), crdt_w_cstr(b, hex);
  return crdt_buf_err(b) ? LINLI_ETOOBIG : 0;
}

/* ---- retirement ---- */

static int retired__one(void *arg, const struct record *r)
{
  uint32_t *through = arg;
  int64_t e = 0;
  if (!r->deleted && record_int(r, "through", &e) == 0 && e >= 1 && e <= UINT32_MAX &&
      (uint32_t)e > *through)
    *through = (uint32_t)e;
  return 0;
}

int dom_keys_retired(const struct crdt_view *v, const char *scope, uint32_t *through)
{
  *through = 0;
  int rc = record_each(v, scope, DOM_RETIRED, NULL, retired__one, through);
  return rc < 0 && rc != LINLI_ENOTFOUND ? rc : 0;
}

int dom_keys_drop(struct dom_keys *ks, const char *scope, uint32_t through)
{
  int n = 0, j = 0;
  for (int i = 0; i < ks->n; i++) {
    if (!strcmp(ks->k[i].scope, scope) && ks->k[i].epoch <= through) {
      n++;
      continue;
    }
    if (j != i)
      ks->k[j] = ks->k[i];
    j++;
  }
  if (j < ks->n)
    sodium_memzero(&ks->k[j], (size_t)(ks->n - j) * sizeof ks->k[0]);
  ks->n = j;
  return n;
}

int dom_retire_body(uint32_t through, const char *reason, struct crdt_buf *b, char *rkey,
                    size_t rkey_cap)
{
  if (rkey_cap < 20)
    return LINLI_ETOOBIG;
  snprintf(rkey, rkey_cap, "through-%u", (unsigned)through);
  crdt_w_map(b, 2);
  crdt_w_cstr(b, "reason"), crdt_w_cstr(b, reason);
  crdt_w_cstr(b, "through"), crdt_w_uint(b, through);
  return crdt_buf_err(b) ? LINLI_ETOOBIG : 0;
}
