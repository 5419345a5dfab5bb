#!/usr/bin/env python3
"""protocol.md 12.5's sealed-value vectors, made again from the text alone.

An implementation of 12.5 that shares no code with linli (the framing and
associated data here, XChaCha20-Poly1305-IETF from libsodium through
ctypes) seals the two vectors' inputs and compares with the hex printed in
docs/protocol.md, byte for byte; it also checks that moving the value to
another field makes it fail to open. tests/domain/test_sealed.c checks the
same hex against the C code.

    sealed_vectors.py docs/protocol.md
"""
import ctypes
import ctypes.util
import re
import struct
import sys

na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0


def aead_encrypt(m, ad, npub, k):
    c = ctypes.create_string_buffer(len(m) + 16)
    cl = ctypes.c_ulonglong()
    na.crypto_aead_xchacha20poly1305_ietf_encrypt(
        c, ctypes.byref(cl), m, ctypes.c_ulonglong(len(m)), ad, ctypes.c_ulonglong(len(ad)),
        None, npub, k)
    return c.raw[:cl.value]


def aead_decrypt(c, ad, npub, k):
    m = ctypes.create_string_buffer(max(len(c) - 16, 1))
    ml = ctypes.c_ulonglong()
    rc = na.crypto_aead_xchacha20poly1305_ietf_decrypt(
        m, ctypes.byref(ml), None, c, ctypes.c_ulonglong(len(c)), ad, ctypes.c_ulonglong(len(ad)),
        npub, k)
    return None if rc else m.raw[:ml.value]


def mp_str(s):
    b = s.encode()
    if len(b) < 32:
        return bytes([0xA0 | len(b)]) + b
    if len(b) < 256:
        return bytes([0xD9, len(b)]) + b
    return b"\xda" + struct.pack(">H", len(b)) + b


def ad_of(scope, coll, key, field, head):
    return b"".join(x.encode() + b"\0" for x in (scope, coll, key, field)) + head


def seal(key, epoch, nonce, scope, coll, rkey, field, plain):
    head = b"S\x01" + struct.pack(">I", epoch)
    payload = head + nonce + aead_encrypt(plain, ad_of(scope, coll, rkey, field, head), nonce, key)
    if len(payload) < 256:
        return bytes([0xC4, len(payload)]) + payload
    return b"\xc5" + struct.pack(">H", len(payload)) + payload


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    sec = text[text.index("### 12.5 Sealed values"):text.index("### 12.6 The community key")]
    blocks = [bytes.fromhex("".join(b.split())) for b in re.findall(r"```\n([0-9a-f\n]+)```", sec)]
    assert len(blocks) == 2, "12.5 should print two vectors, found %d" % len(blocks)
    nonce = bytes(range(0xA0, 0xB8))
    cases = [
        (bytes(range(0x40, 0x60)), 1, "name", mp_str("林敏"), 55),
        (bytes([0x11] * 32), 7, "special_needs", mp_str("轮椅" * 36 + "x"), 268),
    ]
    bad = 0
    for i, (key, epoch, field, plain, size) in enumerate(cases):
        got = seal(key, epoch, nonce, "shihua", "resident", "r-SH-00001", field, plain)
        if got != blocks[i] or len(got) != size:
            print("vector %d differs:\n  doc  %s\n  made %s" % (i + 1, blocks[i].hex(), got.hex()))
            bad += 1
            continue
        hl = 2 if got[0] == 0xC4 else 3
        head, ct = got[hl:hl + 6], got[hl + 30:]
        if aead_decrypt(ct, ad_of("shihua", "resident", "r-SH-00001", field, head), nonce, key) != plain:
            print("vector %d does not open in its place" % (i + 1))
            bad += 1
        if aead_decrypt(ct, ad_of("shihua", "resident", "r-SH-00001", "phone", head), nonce, key):
            print("vector %d opens as another field" % (i + 1))
            bad += 1
    print("sealed_vectors: %d vectors, %d failed" % (len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
