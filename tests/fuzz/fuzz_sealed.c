/* fuzz_sealed: the sealed-value decoder of personal fields
 * (node/domain/sealed.h, docs/protocol.md 12.5). Input: a byte, then bytes.
 *
 * Byte 0 bit 7 set: the rest is a community key file (12.6), parsed by
 * dom_keys_parse: LINLI_EKEYFILE and nothing kept, or 1 to DOM_KEYS_MAX keys
 * of distinct (scope, epoch), epochs not 0, each found by dom_keys_find.
 *
 * Else bits 0-1 pick the place (scope, collection, key, field) among four
 * sealed fields of the golden vectors' record, bits 2-3 the reader's keys
 * (those of the vectors, epochs 1 and 7; none; one other key of epoch 1;
 * the vectors' keys under another scope), and the rest is one stored value:
 * - dom_sealed_parse returns 0 (not a bin: a plain value), 1, or
 *   LINLI_EDAMAGED; when 1, head, nonce and ciphertext lie inside the input
 *   in their order, the epoch is not 0 and the ciphertext holds at least a
 *   tag and one byte;
 * - dom_open_value fails only with LINLI_EINVAL (not sealed), LINLI_ENOKEY
 *   or LINLI_EDAMAGED, or gives one canonical msgpack value that is not a
 *   bin, 16 bytes shorter than the ciphertext; sealed again with the same
 *   key, nonce and place it gives back the input byte for byte;
 * - dom_render never returns text of a sealed value: a bin is "(sealed)" or
 *   "(damaged)";
 * - a one-field body holding the value (when it is one msgpack value) is
 *   sealed by domain_seal as the node seals a write: a sealed value, any
 *   other bin, nil and a value nested deeper than one level are left as
 *   they are; any other value is sealed and opens back to its bytes. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

static const struct {
  const char *coll, *key, *field;
} places[4] = {{"resident", "r-SH-00001", "name"},
               {"resident", "r-SH-00001", "special_needs"},
               {"household", "SH-C01-1-1-101", "phone"},
               {"gate_check", "SH-C01-gate", "visitor"}};

static void counter_random(void *ctx, void *buf, size_t len)
{
  uint8_t *c = ctx, *b = buf;
  for (size_t i = 0; i < len; i++)
    b[i] = (uint8_t)(*c + i);
  (*c)++;
}

static void keys_pick(int pick, struct dom_keys *ks, const char **scope)
{
  uint8_t k1[32], k7[32], other[32];
  for (int i = 0; i < 32; i++)
    k1[i] = (uint8_t)(0x40 + i), k7[i] = 0x11, other[i] = 0x22;
  memset(ks, 0, sizeof *ks);
  *scope = "shihua";
  switch (pick) {
  case 0:
    FUZZ_ASSERT(dom_keys_add(ks, "shihua", 1, k1) == 0 && dom_keys_add(ks, "shihua", 7, k7) == 0);
    break;
  case 1:
    break;
  case 2:
    FUZZ_ASSERT(dom_keys_add(ks, "shihua", 1, other) == 0);
    break;
  default:
    FUZZ_ASSERT(dom_keys_add(ks, "dongfang", 1, k1) == 0 && dom_keys_add(ks, "dongfang", 7, k7) == 0);
    *scope = "dongfang";
  }
}

static void keyfile(const uint8_t *data, size_t size)
{
  static struct dom_keys ks;
  int rc = dom_keys_parse(data, size, &ks);
  if (rc) {
    FUZZ_ASSERT(rc == LINLI_EKEYFILE && ks.n == 0);
    return;
  }
  FUZZ_ASSERT(ks.n >= 0 && ks.n <= DOM_KEYS_MAX);
  for (int i = 0; i < ks.n; i++) {
    FUZZ_ASSERT(ks.k[i].epoch != 0 && ks.k[i].scope[0]);
    FUZZ_ASSERT(dom_keys_find(&ks, ks.k[i].scope, strlen(ks.k[i].scope), ks.k[i].epoch) == &ks.k[i]);
    const struct dom_key *n = dom_keys_newest(&ks, ks.k[i].scope);
    FUZZ_ASSERT(n && n->epoch >= ks.k[i].epoch);
  }
  dom_keys_wipe(&ks);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
  fuzz_init();
  if (size < 1)
    return 0;
  if (data[0] & 0x80) {
    keyfile(data + 1, size - 1);
    return 0;
  }
  const uint8_t *v = data + 1;
  size_t vl = size - 1;
  int where = data[0] & 3;
  const char *coll = places[where].coll, *key = places[where].key, *field = places[where].field,
             *scope;
  static struct dom_keys ks;
  keys_pick(data[0] >> 2 & 3, &ks, &scope);
  const struct dom_field *f = domain_field(domain_find(coll, strlen(coll)), field, strlen(field));
  FUZZ_ASSERT(f && (f->flags & DOM_F_SEALED));

  /* the envelope */
  struct dom_sealed s;
  int sealed = dom_sealed_parse(v, vl, &s);
  FUZZ_ASSERT(sealed == 0 || sealed == 1 || sealed == LINLI_EDAMAGED);
  if (sealed == 0)
    FUZZ_ASSERT(vl == 0 || (v[0] != 0xc4 && v[0] != 0xc5 && v[0] != 0xc6));
  if (sealed == 1) {
    FUZZ_ASSERT(s.epoch != 0 && s.head > v && s.nonce == s.head + DOM_SEAL_HEAD &&
                s.ct == s.nonce + DOM_SEAL_NONCE && s.ct + s.ct_len == v + vl &&
                s.ct_len >= DOM_SEAL_MAC + 1 && s.ct_len <= DOM_SEAL_MAC + DOM_SEAL_PLAIN_MAX);
  }

  /* opening it */
  static uint8_t plain[DOM_SEAL_PLAIN_MAX], again[DOM_SEAL_PLAIN_MAX + DOM_SEAL_OVERHEAD];
  size_t pl = 0, al = 0;
  int rc = dom_open_value(&ks, scope, strlen(scope), coll, strlen(coll), key, strlen(key), field,
                          strlen(field), v, vl, plain, sizeof plain, &pl);
  FUZZ_ASSERT(rc == 0 || rc == LINLI_EINVAL || rc == LINLI_ENOKEY || rc == LINLI_EDAMAGED);
  FUZZ_ASSERT((rc == LINLI_EINVAL) == (sealed == 0));
  FUZZ_ASSERT(sealed != LINLI_EDAMAGED || rc == LINLI_EDAMAGED);
  if (rc == 0) {
    struct crdt_mp r;
    crdt_mp_init(&r, plain, pl);
    FUZZ_ASSERT(sealed == 1 && pl + DOM_SEAL_MAC == s.ct_len);
    FUZZ_ASSERT(crdt_mp_value(&r, CRDT_DEPTH_MAX) == 0 && crdt_mp_left(&r) == 0);
    FUZZ_ASSERT(plain[0] != 0xc4 && plain[0] != 0xc5 && plain[0] != 0xc6);
    const struct dom_key *k = dom_keys_find(&ks, scope, strlen(scope), s.epoch);
    FUZZ_ASSERT(k);
    FUZZ_ASSERT(dom_seal_value(k, s.nonce, scope, coll, key, strlen(key), field, plain, pl, again,
                               sizeof again, &al) == 0);
    FUZZ_ASSERT(al == vl && memcmp(again, v, vl) == 0);
  }

  /* what a reader shows */
  char text[DOM_NOTE_MAX + 64];
  if (vl > 0 && (v[0] == 0xc4 || v[0] == 0xc5 || v[0] == 0xc6)) {
    rc = dom_render(f, v, vl, text, sizeof text);
    FUZZ_ASSERT(rc == LINLI_ENOKEY || rc == LINLI_EDAMAGED);
    FUZZ_ASSERT(!strcmp(text, rc == LINLI_ENOKEY ? "(sealed)" : "(damaged)"));
  }

  /* sealing a write that holds it */
  struct crdt_mp r;
  crdt_mp_init(&r, v, vl);
  if (vl == 0 || crdt_mp_value(&r, CRDT_DEPTH_MAX) || crdt_mp_left(&r))
    return 0;
  static uint8_t body[DOM_SEAL_PLAIN_MAX * 2 + 64], out[DOM_SEAL_PLAIN_MAX * 2 + 128];
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, field);
  if (crdt_buf_err(&b) || b.len + vl > sizeof body)
    return 0;
  memcpy(body + b.len, v, vl);
  size_t bl = b.len + vl, ol = 0;
  uint8_t ctr = 0;
  static const uint8_t keyfile_v[] =
      "linli-community-keys-v1\n"
      "shihua 1 404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n";
  rc = domain_seal(NULL, keyfile_v, sizeof keyfile_v - 1, "shihua", coll, key, body, bl,
                   counter_random, &ctr, out, sizeof out, &ol);
  /* a sealed value (even one that does not open), a bin that is no sealed
   * value, nil, or what a reader could not open again: signed as given */
  struct crdt_mp one;
  crdt_mp_init(&one, v, vl);
  int as_given = sealed != 0 || v[0] == 0xc0 || crdt_mp_value(&one, 1) || vl > DOM_SEAL_PLAIN_MAX;
  FUZZ_ASSERT(rc == (as_given ? 0 : 1));
  if (rc == 1) {
    size_t fl;
    const uint8_t *got = dom_body_get(out, ol, field, &fl);
    FUZZ_ASSERT(got && got + fl == out + ol && dom_sealed_parse(got, fl, &s) == 1 && s.epoch == 1);
    static struct dom_keys mine;
    FUZZ_ASSERT(dom_keys_parse(keyfile_v, sizeof keyfile_v - 1, &mine) == 0);
    FUZZ_ASSERT(dom_open_value(&mine, "shihua", 6, coll, strlen(coll), key, strlen(key), field,
                               strlen(field), got, fl, plain, sizeof plain, &pl) == 0);
    FUZZ_ASSERT(pl == vl && memcmp(plain, v, vl) == 0);
    dom_keys_wipe(&mine);
  }
  dom_keys_wipe(&ks);
  return 0;
}
