#!/usr/bin/env bash
# The community key on real daemons with trust on (issue 20): a hub, the
# office node a and two laptops b and c that joined. a grants the key to b
# and c; their running linlid take the grants as they sync, with no linli
# key call, and read what a wrote. Before its grant a laptop refuses a
# personal value. c is revoked on the hub and a rotates to b only: b reads
# what a writes next, c cannot. The hub, which holds every op,
# never holds a resident's name in its LMDB files. Then a retires the
# community's keys (linli retire): a and b delete them, nothing personal
# reads any more, the counts stay; a new epoch starts the next data.
#
#   key_daemon_test.sh LINLI LINLID
set -euo pipefail
LINLI=$(realpath "$1")
LINLID=$(realpath "$2")
T=$(mktemp -d /tmp/linli-keyd-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" </dev/null || die "linli $* exited $?: $(cat "$T/err")"; }
name_of() { "$LINLI" get --data "$T/$1" resident "$2" 2>/dev/null | awk '$2 == "name" {print $3}'; }

PORT[hub]=$(free_port)
HUB=$("$LINLI" init --data "$T/hub" --community qiaokou --district qiaokou --hub self \
  --listen "tcp://127.0.0.1:${PORT[hub]}" 2>/dev/null)
printf 'scope shihua\nsync_interval_ms 300\n' >>"$T/hub/linlid.conf"
for n in a b c; do
  PORT[$n]=$(free_port)
  "$LINLI" init --data "$T/$n" --community shihua --district qiaokou --hub "$HUB" \
    --hub-addr "tcp://127.0.0.1:${PORT[hub]}" --listen "tcp://127.0.0.1:${PORT[$n]}" \
    $([[ $n == a ]] || echo --join) >/dev/null 2>&1 || die "init $n"
  echo "sync_interval_ms 300" >>"$T/$n/linlid.conf"
  cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/$n/enroll-request.txt" 2>/dev/null) || die "enroll $n"
  v import-cert --data "$T/$n" "$T/$cert"
done
B=$("$LINLI" pubkey --data "$T/b")
C=$("$LINLI" pubkey --data "$T/c")
for n in hub a b c; do start "$n"; done

v compound add --data "$T/a" SH-C01 name=一村
v household add --data "$T/a" SH-C01-1-1-101 compound=SH-C01
v resident add --data "$T/a" r-1 name=林敏 household=SH-C01-1-1-101
has_r1() { [[ -n $(name_of "$1" r-1) ]]; }
wait_for 30 "r-1 to reach b" has_r1 b
[[ $(name_of b r-1) == '(sealed)' ]] || die "b reads r-1 before any grant: $(name_of b r-1)"
out=$("$LINLI" resident add --data "$T/b" r-9 name=赵六 household=SH-C01-1-1-101 2>&1) && die "b wrote a personal value without the key"
grep -q "holds no community key" <<<"$out" || die "b's refusal: $out"
ok "before its grant a joined laptop shows (sealed) and refuses a personal value"

v key grant --data "$T/a" "$B"
v key grant --data "$T/a" "$C"
took() { grep -q "key taken epochs=1" "$T/$1.log"; }
wait_for 30 "b's linlid to take its grant" took b
wait_for 30 "c's linlid to take its grant" took c
[[ $(name_of b r-1) == 林敏 && $(name_of c r-1) == 林敏 ]] || die "with the key: b $(name_of b r-1), c $(name_of c r-1)"
v resident add --data "$T/b" r-9 name=赵六 household=SH-C01-1-1-101
has_r9() { [[ $(name_of a r-9) == 赵六 ]]; }
wait_for 30 "a to read b's r-9" has_r9
ok "the laptops' linlid take their grants as they sync, read a's values, and b's sealed write reads on a"

# c is revoked (a stolen laptop): a rotates to epoch 2, granted to b only
v revoke --data "$T/hub" "$C" --reason "laptop stolen" --out "$T"
v key rotate --data "$T/a" --to "$B"
took2() { (( $(grep -c "key taken" "$T/b.log") >= 2 )); }
wait_for 30 "b's linlid to take epoch 2" took2
v resident add --data "$T/a" r-2 name=王芳 household=SH-C01-1-1-101
has_r2() { [[ $(name_of b r-2) == 王芳 ]]; }
wait_for 30 "b to read r-2" has_r2
[[ $(name_of c r-2) != 王芳 ]] || die "the revoked c reads r-2"
ok "after c's revocation and a rotation, b reads what a writes next and c does not"

[[ -s $T/hub/data.mdb ]] || die "no LMDB file found in the hub's directory"
grep -aqF "SH-C01-1-1-101" "$T/hub/data.mdb" || die "the hub's data.mdb does not hold a's records (the scan would prove nothing)"
! grep -aqF -e 林敏 -e 王芳 -e 赵六 "$T/hub/data.mdb" || die "the hub's data.mdb holds a resident's name"
ok "the hub's LMDB files hold none of the residents' names"
# ---- retire: the end of the epidemic's personal data (issue 20 item 5) ----
printf 'a long recovery passphrase\n' | "$LINLI" key backup --data "$T/a" >"$T/code" 2>"$T/err" ||
  die "key backup: $(cat "$T/err")"
residents() { "$LINLI" list --data "$T/$1" resident --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
v report --data "$T/a" community --json
python3 -c 'import json,sys; d=json.load(sys.stdin); [r.pop(k, None) for r in d["rows"] for k in ("ops", "newest_ms")]; d.pop("ops", None); print(json.dumps(d, sort_keys=True))' <"$T/out" >"$T/before" ||
  die "report: $(cat "$T/out")"
n_before=$(residents a)
rc=0
"$LINLI" retire --data "$T/a" --community shihua >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || die "retire without --reason exited $rc"
rc=0
"$LINLI" retire --data "$T/a" --community chuanchang --reason "over" >/dev/null 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q "not chuanchang" "$T/err" || die "retire of another community: $rc $(cat "$T/err")"
v key status --data "$T/a" --json
grep -q '"epochs":\[1,2\]' "$T/out" || die "a before retire: $(cat "$T/out")"
v retire --data "$T/a" --community shihua --reason "疫情结束，街道决定"
grep -q "up to 2 retired (2 deleted here)" "$T/out" || die "retire on a: $(cat "$T/out")"
retired_b() { grep -q "key retired epochs=2 through=2" "$T/b.log"; }
wait_for 30 "b's linlid to delete its copy" retired_b
for n in a b; do
  v key status --data "$T/$n" --json
  grep -q '"epochs":\[\]' "$T/out" || die "$n after retire: $(cat "$T/out")"
  [[ $(name_of "$n" r-1) == '(sealed)' && $(name_of "$n" r-2) == '(sealed)' ]] ||
    die "$n reads after retire: $(name_of "$n" r-1) $(name_of "$n" r-2)"
done
v report --data "$T/a" community --json
python3 -c 'import json,sys; d=json.load(sys.stdin); [r.pop(k, None) for r in d["rows"] for k in ("ops", "newest_ms")]; d.pop("ops", None); print(json.dumps(d, sort_keys=True))' <"$T/out" >"$T/after"
cmp -s "$T/before" "$T/after" || die "the report changed with the retirement: $(cat "$T/before" "$T/after")"
[[ $(residents a) -eq $n_before ]] || die "residents after retire: $(residents a), before $n_before"
out=$("$LINLI" resident add --data "$T/a" r-10 name=钱七 household=SH-C01-1-1-101 2>&1) && die "a wrote a personal value after retire"
grep -q "holds no community key" <<<"$out" || die "a's refusal after retire: $out"
printf 'a long recovery passphrase\n' | "$LINLI" key restore --data "$T/a" "$(cat "$T/code")" >/dev/null 2>"$T/err" ||
  die "key restore after retire: $(cat "$T/err")"
grep -q "2 key epoch(s) in the code were retired" "$T/err" || die "restore brought a retired key back: $(cat "$T/err")"
[[ $(name_of a r-1) == '(sealed)' ]] || die "a reads r-1 after restoring a retired key"
ok "retire: a and b delete their keys, personal fields show (sealed), counts stay, no personal write, a backup does not bring them back"

# a new epoch after the retirement: a writes again, b (no grant) cannot read it
v key rotate --data "$T/a"
grep -q "epoch 3" "$T/err" || die "rotate after retire: $(cat "$T/err")"
v resident add --data "$T/a" r-11 name=孙八 household=SH-C01-1-1-101
[[ $(name_of a r-11) == 孙八 && $(name_of a r-1) == '(sealed)' ]] || die "a after the new epoch: $(name_of a r-11) $(name_of a r-1)"
has_r11() { [[ -n $(name_of b r-11) ]]; }
wait_for 30 "r-11 to reach b" has_r11
[[ $(name_of b r-11) == '(sealed)' ]] || die "b reads r-11 without a grant of epoch 3"
ok "after a retirement, key rotate starts epoch 3: new values seal again, the retired ones stay unreadable"
daemon_passed
echo "1..$N"
