#!/usr/bin/env bash
# The community key (issue 20 item 2), with linli alone (ops carried by
# bundles): the office node a makes the key; laptops b and c join and take
# it by linli key grant; a value a writes reads on both. After c is revoked,
# a rotates to epoch 2 granted to b only: b reads what a writes next, c shows
# (sealed) there and still reads what it held. A recovery code (linli key
# backup) restores both epochs on a new node d with the right passphrase
# only; a damaged code and a bad NODEKEY are refused and change nothing.
#
#   key_test.sh LINLI
set -euo pipefail

LINLI=$(realpath "$1")
T=$(mktemp -d /tmp/linli-key-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" </dev/null || die "linli $* exited $?: $(cat "$T/err")"; }
refused() { # refused TEXT ARGS...: exit 1, TEXT on stderr
  local want=$1
  shift
  if "$LINLI" "$@" >"$T/out" 2>"$T/err"; then die "linli $* succeeded"; fi
  grep -qF -- "$want" "$T/err" || die "linli $*: wanted '$want', got: $(cat "$T/err")"
}
name_of() { # name_of NODE RESIDENT: what the node shows as the name
  "$LINLI" get --data "$T/$1" resident "$2" 2>/dev/null | awk '$2 == "name" {print $3}'
}
carry() { # carry FROM TO: every op of FROM into TO, by a bundle to TO's key
  v export --data "$T/$1" --to "$(cat "$T/$2.pk")" "$T/x.bundle"
  v import --data "$T/$2" "$T/x.bundle"
}

v init --data "$T/a" --community shihua
[[ $(stat -c %a "$T/a/community.key") == 600 ]] || die "community.key is not mode 600"
for n in b c d; do v init --data "$T/$n" --community shihua --join; done
[[ $(stat -c %a "$T/b/community.key") == 600 && $(wc -l <"$T/b/community.key") == 1 ]] ||
  die "a joined node's key file is not an empty one of mode 600"
for n in a b c d; do "$LINLI" pubkey --data "$T/$n" >"$T/$n.pk"; done
v key status --data "$T/b" --json
grep -q '"sealing_epoch":0,"epochs":\[\]' "$T/out" || die "b holds a key before any grant: $(cat "$T/out")"
# before its grant, b writes what holds no personal field, and refuses a
# personal value rather than write it in clear
v compound add --data "$T/b" SH-C09 name=九村
v household add --data "$T/b" SH-C09-1-1-101 compound=SH-C09
refused "holds no community key" resident add --data "$T/b" r-9 name=赵六 household=SH-C09-1-1-101
"$LINLI" list --data "$T/b" resident >"$T/out" 2>&1 || true
! grep -q "r-9" "$T/out" || die "b stored the refused resident: $(cat "$T/out")"
ok "a joined node has an empty key file: it writes no personal value until it holds the key"

v compound add --data "$T/a" SH-C01 name=一村
v household add --data "$T/a" SH-C01-1-1-101 compound=SH-C01
v resident add --data "$T/a" r-1 name=林敏 household=SH-C01-1-1-101
v key grant --data "$T/a" "$(cat "$T/b.pk")"
v key grant --data "$T/a" "$(cat "$T/c.pk")"
for n in b c; do
  carry a "$n"
  [[ $(name_of "$n" r-1) == '(sealed)' ]] || die "$n reads r-1 before it took the key"
  v key status --data "$T/$n"
  grep -q "took 1 key epoch" "$T/err" || die "$n did not take its grant: $(cat "$T/err")"
  [[ $(name_of "$n" r-1) == 林敏 ]] || die "$n does not read r-1 with the key: $(name_of "$n" r-1)"
done
v resident add --data "$T/b" r-9 name=赵六 household=SH-C01-1-1-101
[[ $(name_of b r-9) == 赵六 ]] || die "b, holding the key now, reads its own r-9 as $(name_of b r-9)"
[[ $(name_of d r-1) == "" ]] || die "d holds r-1 before any bundle"
carry a d
[[ $(name_of d r-1) == '(sealed)' ]] || die "d (no grant) shows r-1 as $(name_of d r-1)"
# an export on d leaves what it cannot read empty, and says so
v export-csv --data "$T/d" resident "$T/d.csv"
grep -q "sealed value.* left empty" "$T/err" || die "d's export-csv did not say what it left out: $(cat "$T/err")"
! grep -q "sealed)" "$T/d.csv" || die "d's CSV holds the word (sealed): $(cat "$T/d.csv")"
/usr/bin/python3 -c 'import csv,sys; r={x["key"]:x for x in csv.DictReader(open(sys.argv[1],encoding="utf-8-sig"))}; assert r["r-1"]["name"]=="" and r["r-1"]["household"]=="SH-C01-1-1-101", r["r-1"]' "$T/d.csv" ||
  die "d's CSV row of r-1: $(cat "$T/d.csv")"
v key status --data "$T/d" # the grants to b and c are not for d
! grep -q "took" "$T/err" || die "d took a key granted to others"
ok "a joined node takes the key granted to it and reads; a node without a grant shows (sealed)"

# c is revoked: a rotates, granting epoch 2 to b only
v key rotate --data "$T/a" --to "$(cat "$T/b.pk")"
grep -q "epoch 2" "$T/err" || die "rotate said: $(cat "$T/err")"
v resident add --data "$T/a" r-2 name=王芳 household=SH-C01-1-1-101
[[ $(name_of a r-2) == 王芳 ]] || die "a does not read its own epoch-2 value"
for n in b c; do carry a "$n"; v key status --data "$T/$n"; done
[[ $(name_of b r-2) == 王芳 ]] || die "b (granted epoch 2) reads r-2 as $(name_of b r-2)"
[[ $(name_of c r-2) == '(sealed)' ]] || die "the revoked c reads r-2 as $(name_of c r-2)"
[[ $(name_of c r-1) == 林敏 ]] || die "c lost the value of epoch 1"
v key status --data "$T/b" --json
grep -q '"sealing_epoch":2,"epochs":\[1,2\]' "$T/out" || die "b's epochs: $(cat "$T/out")"
ok "rotate: the new epoch seals; the node granted it reads, the revoked one shows (sealed)"

# the recovery code
echo 'a long passphrase for the key' >"$T/pass"
"$LINLI" key backup --data "$T/a" <"$T/pass" >"$T/code" 2>"$T/err" || die "backup: $(cat "$T/err")"
CODE=$(cat "$T/code")
[[ $CODE == linli-key1:* ]] || die "the code is: $CODE"
! grep -q "$(awk 'NR==2 {print $3}' "$T/a/community.key")" "$T/code" || die "the code holds the key in clear"
echo 'not the passphrase at all' | refused "nothing changed" key restore --data "$T/d" "$CODE"
refused "damaged or incomplete" key restore --data "$T/d" "${CODE:0:40}"
refused "starts with linli-key1:" key restore --data "$T/d" "x${CODE}"
[[ $(wc -l <"$T/d/community.key") == 1 ]] || die "a refused restore wrote a key into d's key file"
"$LINLI" key restore --data "$T/d" "$CODE" <"$T/pass" >"$T/out" 2>"$T/err" || die "restore: $(cat "$T/err")"
grep -q "2 key epoch(s) restored" "$T/err" || die "restore said: $(cat "$T/err")"
carry a d
[[ $(name_of d r-1) == 林敏 && $(name_of d r-2) == 王芳 ]] || die "d after restore: $(name_of d r-1) $(name_of d r-2)"
ok "backup prints a code without the key in clear; restore needs the passphrase, refuses a cut code"

refused "64 hex digits" key grant --data "$T/a" 1234
refused "not a valid node key" key grant --data "$T/a" "$(printf 'ff%.0s' $(seq 32))"
v init --data "$T/hub" --community qiaokou --district qiaokou --hub self
[[ ! -e $T/hub/community.key ]] || die "a hub made a community key"
refused "holds no key of community" key grant --data "$T/hub" "$(cat "$T/d.pk")"
ok "a bad NODEKEY is refused; a hub has no key and cannot grant one"
echo "1..$N"
