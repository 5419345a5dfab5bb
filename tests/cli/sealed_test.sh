#!/usr/bin/env bash
# Encrypted bundles (issue 20 item 3): linli export encrypts by default, to
# this node and its hub, to --to keys, or with a passphrase; the file holds
# none of the sample's names, ID numbers or phones (the --plain file of ops
# written in clear does: the search would find them; a value sealed with
# the community key is in neither); it imports with the right key or passphrase
# only; a wrong key, a wrong passphrase, a flipped byte anywhere, a cut or
# a lengthened file are each refused with their own message and store
# nothing.
#
#   sealed_test.sh LINLI
set -euo pipefail

LINLI=$(realpath "$1")
T=$(mktemp -d /tmp/linli-sealed-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" </dev/null || die "linli $* exited $?: $(cat "$T/err")"; }
# refused: exit 1, the message on stderr contains $1
refused() {
  local want=$1
  shift
  if "$LINLI" "$@" >"$T/out" 2>"$T/err"; then die "linli $* succeeded"; fi
  grep -qF -- "$want" "$T/err" || die "linli $*: wanted '$want', got: $(cat "$T/err")"
}
residents() { "$LINLI" list --data "$T/$1" resident 2>/dev/null | grep -c '^r-' || true; }

# a hub, a community office (a), its second node (b), a neighbour (c), a node for damaged files (d)
v init --data "$T/hub" --community qiaokou --district qiaokou --hub self
HUB=$("$LINLI" pubkey --data "$T/hub")
# (b, c, d and e join: they hold no community key, so personal fields that a
# seals show as (sealed) there)
for n in a b c d e; do
  v init --data "$T/$n" --community shihua --district qiaokou --hub "$HUB" $([[ $n == a ]] || echo --join)
done
B=$("$LINLI" pubkey --data "$T/b")
# a's records, and the certificates so that b can store them
for n in a b c d e; do
  cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/$n/enroll-request.txt" 2>/dev/null)
  for m in a b c d e; do v import-cert --data "$T/$m" "$T/$cert"; done
done
# The sample as a node without sealing wrote it (an older linli): its values
# are in clear in the ops, so the bundle's own encryption is what hides them.
mv "$T/a/community.key" "$T/a/community.key.aside"
v sample --data "$T/a" --days 2 "$T/sample.bundle"
mv "$T/a/community.key.aside" "$T/a/community.key"
v import --data "$T/a" "$T/sample.bundle"
TOTAL=$(residents a)
[[ $TOTAL -gt 1000 ]] || die "a has $TOTAL residents after the sample"
# the personal values to look for: 200 residents' name, ID number and phone
v export-csv --data "$T/a" resident "$T/res.csv"
/usr/bin/python3 - "$T/res.csv" "$T/needles" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for r in rows[:200]:
        for f in ("name", "id_number", "phone"):
            v = r[f].strip('="')
            if len(v.encode()) >= 6:
                print(v, file=out)
EOF
[[ $(wc -l <"$T/needles") -ge 500 ]] || die "too few personal values to search for"
found() { grep -aFc -f "$T/needles" "$1" || true; }

# ---- the default: to this node and its hub, mode 600, nothing in clear ----
v export --data "$T/a" "$T/usb.bundle"
grep -q "encrypted to this node and its hub (mode 600)" "$T/out" || die "export said: $(cat "$T/out")"
[[ $(stat -c %a "$T/usb.bundle") == 600 ]] || die "the bundle is mode $(stat -c %a "$T/usb.bundle")"
[[ $(found "$T/usb.bundle") -eq 0 ]] || die "the encrypted bundle holds personal values in clear"
ok "export encrypts by default, mode 600, none of 500+ personal values readable"
v export --data "$T/a" --plain "$T/plain.bundle"
grep -q "in clear" "$T/err" || die "--plain gave no warning: $(cat "$T/err")"
[[ $(found "$T/plain.bundle") -gt 100 ]] || die "the search does not find the values in the plain file"
[[ $(stat -c %a "$T/plain.bundle") == 600 ]] || die "the plain bundle is mode $(stat -c %a "$T/plain.bundle")"
ok "--plain writes the values in clear (the search finds them), warns, mode 600"

# A value a writes now is sealed in its op: not even a --plain file holds it,
# and a node without the key (e) shows (sealed) where a shows the value.
v list --data "$T/a" resident
RK=$(grep -m1 -o '^r-[^ ]*' "$T/out")
v resident set --data "$T/a" "$RK" phone=13987654321
v resident show --data "$T/a" "$RK"
grep -q 13987654321 "$T/out" || die "a does not show the phone it wrote: $(cat "$T/out")"
v export --data "$T/a" --plain "$T/plain2.bundle"
! grep -aq 13987654321 "$T/plain2.bundle" || die "the plain bundle holds a sealed phone in clear"
v import --data "$T/e" "$T/plain2.bundle"
v resident show --data "$T/e" "$RK"
grep -q '(sealed)' "$T/out" && ! grep -q 13987654321 "$T/out" || die "e shows: $(cat "$T/out")"
ok "a value written with the community key is sealed: not in a --plain file, (sealed) on a node without the key"

refused "not among its recipients" import --data "$T/b" "$T/usb.bundle"
[[ $(residents b) -eq 0 ]] || die "b stored residents from a bundle it cannot open"
v import --data "$T/hub" "$T/usb.bundle"
grep -q "ops read" "$T/out" || die "the hub could not open a's default bundle"
ok "the default bundle opens on the hub, not on another node"

# ---- to b's key ----
v export --data "$T/a" --to "$B" "$T/to-b.bundle"
refused "not among its recipients" import --data "$T/c" "$T/to-b.bundle"
refused "not among its recipients" import --data "$T/a" "$T/to-b.bundle"
v import --data "$T/b" "$T/to-b.bundle"
[[ $(residents b) -eq "$TOTAL" ]] || die "b has $(residents b) residents, not $TOTAL"
v export --data "$T/a" --to "$B" --to self --to hub "$T/three.bundle"
grep -q "encrypted to 3 node keys" "$T/out" || die "export said: $(cat "$T/out")"
v import --data "$T/a" "$T/three.bundle"
ok "--to KEY: opens on that node only; --to self --to hub adds them"

# ---- bad options ----
refused "one of --to, --passphrase and --plain" export --data "$T/a" --plain --to "$B" "$T/x.bundle"
refused "64 hex digits" export --data "$T/a" --to 1234 "$T/x.bundle"
refused "not a valid node key" export --data "$T/a" --to "$(printf 'ff%.0s' $(seq 32))" "$T/x.bundle"
[[ ! -e $T/x.bundle && ! -e $T/x.bundle.tmp ]] || die "a refused export left a file"
ok "conflicting modes, a malformed key and an invalid key are refused, no file left"

# ---- passphrase ----
echo 'short' | refused "at least 8" export --data "$T/a" --passphrase "$T/p.bundle"
refused "no passphrase" export --data "$T/a" --passphrase "$T/p.bundle" </dev/null
echo '正确的马 battery staple' >"$T/pass"
"$LINLI" export --data "$T/a" --passphrase "$T/p.bundle" <"$T/pass" >"$T/out" 2>"$T/err" || die "passphrase export: $(cat "$T/err")"
[[ $(found "$T/p.bundle") -eq 0 ]] || die "the passphrase bundle holds personal values in clear"
[[ $(stat -c %a "$T/p.bundle") == 600 ]] || die "the passphrase bundle is mode $(stat -c %a "$T/p.bundle")"
echo 'wrong horse battery' | refused "wrong passphrase" import --data "$T/c" "$T/p.bundle"
[[ $(residents c) -eq 0 ]] || die "c stored residents with a wrong passphrase"
"$LINLI" import --data "$T/c" "$T/p.bundle" <"$T/pass" >"$T/out" 2>"$T/err" || die "passphrase import: $(cat "$T/err")"
[[ $(residents c) -eq "$TOTAL" ]] || die "c has $(residents c) residents, not $TOTAL"
ok "passphrase: too short refused, wrong one refused, right one opens on any node"

# ---- damage: every kind refused, nothing stored ----
D=$("$LINLI" pubkey --data "$T/d")
v export --data "$T/a" --to "$D" "$T/to-d.bundle"
SIZE=$(stat -c %s "$T/to-d.bundle")
flip() { # copy of to-d.bundle with the byte at $1 changed
  cp "$T/to-d.bundle" "$T/bad.bundle"
  printf "$(printf '\\%03o' $((($(od -An -tu1 -j "$1" -N1 "$T/to-d.bundle") + 1) % 256)))" |
    dd of="$T/bad.bundle" bs=1 seek="$1" conv=notrunc status=none
}
for at in 8 10 20 $((11 + 32 + 5)) $((11 + 112 + 3)) $((11 + 112 + 24 + 1)) $((11 + 112 + 24 + 30)) $((SIZE / 2)) $((SIZE - 1)); do
  flip "$at"
  if "$LINLI" import --data "$T/d" "$T/bad.bundle" >"$T/out" 2>"$T/err"; then die "a byte changed at $at imported"; fi
  grep -qE "altered or damaged|unsupported format|not among|exceeds|truncated|wrong passphrase" "$T/err" ||
    die "byte $at: $(cat "$T/err")"
  [[ -z ${SEALED_VERBOSE:-} ]] || echo "byte $at: $(cat "$T/err")"
done
head -c $((SIZE - 100)) "$T/to-d.bundle" >"$T/bad.bundle"
refused "truncated" import --data "$T/d" "$T/bad.bundle"
{ cat "$T/to-d.bundle"; printf x; } >"$T/bad.bundle"
refused "trailing bytes" import --data "$T/d" "$T/bad.bundle"
head -c 40 "$T/to-d.bundle" >"$T/bad.bundle"
refused "truncated" import --data "$T/d" "$T/bad.bundle"
[[ $(residents d) -eq 0 ]] || die "d stored residents from a damaged file"
v import --data "$T/d" "$T/to-d.bundle"
[[ $(residents d) -eq "$TOTAL" ]] || die "d has $(residents d) residents, not $TOTAL"
ok "a changed byte in the envelope, a key, the stream header or any chunk, a cut or a longer file: refused, nothing stored; the intact file imports"
echo "1..$N"
