#!/usr/bin/env bash
# The staff verbs on real linli/linlid processes (127.0.0.1, CURVE, trust on,
# LMDB in a mktemp directory): a hub and two nodes of one community (the
# office PC "a" and a grid laptop "b"), both dialing the hub.
#
#   domain_cli_test.sh LINLI LINLID
#
# Checks: a CSV with two bad rows imports nothing and names both lines (and
# no personal data); good CSVs import (into the stopped node, then through
# linlid) and export-csv gives them back byte for byte; check verbs refuse
# 45 °C, an unknown resident, a future date; a field written on a and b
# while the hub is down shows in `conflicts list` on both after the sync
# and is gone everywhere after `conflicts resolve`; declare refuses a
# compound whose rule fails and declares one that holds (its compound and six
# measures written with linli compound add / measures set), the hub approves
# it, and a confirmed case written offline on b withdraws it once it
# arrives (certifications and report say WITHDRAWN with the reason).
# Every process started here is killed on exit, whatever happens.
set -euo pipefail

LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-domain-XXXXXX)
declare -A PID PORT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
FAILED=1
PASS=0
START=$(date +%s)

log() { echo "[$(($(date +%s) - START))s] $*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() {
  PASS=$((PASS + 1))
  log "ok $PASS - $*"
}

cleanup() {
  for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $FAILED -ne 0 ]]; then
    for f in "$T"/*.log; do
      [[ -f $f ]] || continue
      echo "---- $(basename "$f") (last 30 lines)"
      tail -n 30 "$f"
    done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999): no clash with client ports
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! grep -qw "$p" <<<"${PORT[*]:-}"; then
      echo "$p"
      return
    fi
  done
}

start() {
  "$LINLID" --data "$T/$1" 2>>"$T/$1.log" &
  PID[$1]=$!
  local i
  for i in $(seq 1 100); do
    [[ -S $T/$1/control.sock ]] && "$LINLI" status --data "$T/$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "linlid $1 did not start"
}

stop() {
  kill "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}

# in_sync SCOPE NODE...: every node holds the same state of SCOPE.
in_sync() {
  local scope=$1 first="" d n
  shift
  for n in "$@"; do
    d=$("$LINLI" digest --data "$T/$n" --scope "$scope" 2>/dev/null) || return 1
    [[ -z $first ]] && first=$d
    [[ $d == "$first" ]] || return 1
  done
}
wait_sync() {
  local i
  for i in $(seq 1 300); do
    in_sync "$@" && return
    sleep 0.2
  done
  die "scope $1 did not converge on ${*:2}"
}

# An ID number with a valid ISO 7064 MOD 11-2 check character.
idnum() {
  local s=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) sum=0 i c="10X98765432"
  for i in $(seq 0 16); do sum=$((sum + ${s:i:1} * ${w[i]})); done
  echo "$s${c:$((sum % 11)):1}"
}

# ---- a hub and two nodes of community shihua ----
for n in hub a b; do PORT[$n]=$(free_port); done
"$LINLI" init --data "$T/hub" --community qiaokou --district qiaokou --hub self \
  --listen "tcp://127.0.0.1:${PORT[hub]}" >"$T/hubkey" 2>/dev/null
HUB=$(cat "$T/hubkey")
printf 'scope shihua\nsync_interval_ms 500\n' >>"$T/hub/linlid.conf"
for n in a b; do # b joins a's community: it gets a's data key by linli key grant
  "$LINLI" init --data "$T/$n" --community shihua --district qiaokou --hub "$HUB" \
    --listen "tcp://127.0.0.1:${PORT[$n]}" $([[ $n == b ]] && echo --join) >/dev/null 2>&1
  printf 'peer hub tcp://127.0.0.1:%s %s\nsync_interval_ms 500\n' "${PORT[hub]}" "$HUB" >>"$T/$n/linlid.conf"
  "$LINLI" enroll --data "$T/hub" "$T/$n/enroll-request.txt" --out "$T" >/dev/null 2>&1
  "$LINLI" import-cert --data "$T/$n" "$T"/cert-shihua-"$("$LINLI" pubkey --data "$T/$n" | cut -c1-8)".op \
    2>/dev/null || die "import-cert $n"
done
"$LINLI" key grant --data "$T/a" "$("$LINLI" pubkey --data "$T/b")" >"$T/kg" 2>&1 || die "key grant to b: $(cat "$T/kg")"
log "hub and two shihua nodes enrolled"

# The compounds the households belong to: a household's compound must be
# registered (CSV rows are checked as linli household add checks them).
"$LINLI" compound add --data "$T/a" SH-C01 name=Compound1 >/dev/null 2>&1 || die "compound add SH-C01"
"$LINLI" compound add --data "$T/a" SH-C02 name=Compound2 >/dev/null 2>&1 || die "compound add SH-C02"

# ---- CSV: two bad rows import nothing ----
cat >"$T/bad.csv" <<'EOF'
code,compound,unit,head,phone,hardship
SH-C01-1-1-101,SH-C01,1-1-101,r-1,13900000001,true
SH-C01-1-1-102,SH-C01,1-1-102,r-3,13812345678,maybe
SH-C01-1-1-103,SH-C01,1-1-103,r-4,,false
SH-C01-1-1-104,,1-1-104,r-5,,false
EOF
rc=0
"$LINLI" import-csv --data "$T/a" households "$T/bad.csv" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] || die "a CSV with bad rows: exit $rc, not 1"
grep -q '^line 3, column hardship: wrong type' "$T/err" || die "line 3 not named: $(cat "$T/err")"
grep -q '^line 5, column compound: missing required field' "$T/err" || die "line 5 not named"
grep -q 'nothing was imported' "$T/err" || die "no 'nothing was imported'"
! grep -q '13812345678' "$T/err" || die "personal data in an error message"
[[ $("$LINLI" export-csv --data "$T/a" households - 2>/dev/null | wc -l) -eq 1 ]] ||
  die "rows of a bad CSV were imported"
ok "a CSV with two bad rows imports nothing and names lines 3 and 5"

# ---- CSV: good files import and round-trip ----
# Written in the columns and forms export-csv --plain writes (every column
# the table has, yes/no, no BOM, ID numbers bare), so the export must give
# each file back byte for byte.
cat >"$T/hh.csv" <<'EOF'
code,compound,unit,head,phone,hardship,grid
SH-C01-1-1-101,SH-C01,1-1-101,r-1,13900000001,yes,
SH-C01-1-1-102,SH-C01,1-1-102,r-3,,no,
SH-C02-2-1-201,SH-C02,2-1-201,r-4,+86 139 0000 0004,no,
EOF
{
  echo "key,household,name,id_number,phone,birth_year,special_needs,tags"
  echo "r-1,SH-C01-1-1-101,\"Wang, Li\",$(idnum 42010719800101001),13900000001,1980,,elderly;diabetic"
  echo "r-2,SH-C01-1-1-101,张三,,,1990,,"
  echo "r-3,SH-C01-1-1-102,Li Si,$(idnum 42010719900202002),,,轮椅,"
  echo "r-4,SH-C02-2-1-201,\"Zhao \"\"Xiao\"\" Wu\",$(idnum 42010720010303003),,2001,,"
} >"$T/res.csv"
"$LINLI" import-csv --data "$T/a" households "$T/hh.csv" | grep -q '3 household records imported into the database' ||
  die "households import (daemon stopped)"
start a
"$LINLI" import-csv --data "$T/a" residents "$T/res.csv" | grep -q '4 resident records imported through linlid' ||
  die "residents import through linlid"
"$LINLI" export-csv --data "$T/a" --plain residents "$T/res.out" 2>/dev/null
"$LINLI" export-csv --data "$T/a" --plain households "$T/hh.out" 2>/dev/null
cmp -s "$T/res.csv" "$T/res.out" || die "residents do not round-trip: $(diff "$T/res.csv" "$T/res.out")"
cmp -s "$T/hh.csv" "$T/hh.out" || die "households do not round-trip"
[[ $(stat -c %a "$T/res.out") == 600 ]] || die "export-csv file is not mode 600"
"$LINLI" get --data "$T/a" household SH-C01-1-1-101 | grep -q 'members (set) *r-2' || die "member not added"
# a resident moved to another household in the file: refused
printf 'key,household,name\nr-2,SH-C01-1-1-102,X\n' >"$T/move.csv"
! "$LINLI" import-csv --data "$T/a" residents "$T/move.csv" 2>"$T/err" || die "resident in two households"
grep -q 'line 2, column household: resident r-2 is already in another household' "$T/err" ||
  die "two households not said: $(cat "$T/err")"
ok "good CSVs import (stopped node, then linlid) and export-csv round-trips them"

# ---- staff verbs ----
rc=0
"$LINLI" check --data "$T/a" health r-1 --temp 45 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q 'outside 34.0 to 43.0' "$T/err" || die "45 °C not refused (exit $rc)"
rc=0
"$LINLI" check --data "$T/a" health r-99 --temp 36.8 2>/dev/null || rc=$?
[[ $rc -eq 1 ]] || die "unknown resident not refused"
rc=0
"$LINLI" check --data "$T/a" health r-1 --temp 36.8 --date 2999-01-01 2>/dev/null || rc=$?
[[ $rc -eq 1 ]] || die "a future date not refused"
rc=0
"$LINLI" check --data "$T/a" health r-1 --temp warm 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || die "--temp warm is not a usage error"
"$LINLI" check --data "$T/a" health r-1 --temp 36.8 --cough >/dev/null 2>&1 || die "health check"
rc=0
"$LINLI" check --data "$T/a" gate SH-C01-gate --visitor 'Courier' --direction in --temp 36.5 \
  --purpose delivery >/dev/null 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q 'not a registered gate.*--force' "$T/err" || die "an unregistered gate: $rc $(cat "$T/err")"
"$LINLI" compound set --data "$T/a" SH-C01 gates+=SH-C01-gate >/dev/null 2>&1 || die "register the gate"
"$LINLI" check --data "$T/a" gate SH-C01-gate --visitor 'Courier' --direction in --temp 36.5 \
  --purpose delivery >/dev/null 2>&1 || die "gate check"
"$LINLI" check --data "$T/a" gate SH-C01-side --visitor 'Courier' --direction out --temp 36.5 \
  --purpose delivery --force >/dev/null 2>&1 || die "gate check --force"
"$LINLI" check --help | grep -q 'usage: linli check' || die "check --help"
ok "check refuses 45 °C, unknown residents, future dates; records good checks"

# ---- conflicts: the same field on a and b while the hub is down ----
start hub
start b
wait_sync shihua hub a b
log "hub, a and b in sync"
"$LINLI" key status --data "$T/b" >"$T/ks" 2>&1; grep -q "took 1 key epoch" "$T/ks" || die "b did not take the key a granted: $(cat "$T/ks")"
stop hub
"$LINLI" put --data "$T/a" household SH-C01-1-1-102 phone=111 >/dev/null
"$LINLI" put --data "$T/b" household SH-C01-1-1-102 phone=222 >/dev/null
"$LINLI" put --data "$T/a" household SH-C01-1-1-102 hardship=true >/dev/null # an overwrite: no conflict
start hub
wait_sync shihua hub a b
for n in a b; do
  "$LINLI" conflicts --data "$T/$n" list >"$T/list.$n"
  grep -Eq '^shihua +household +SH-C01-1-1-102 +phone +2$' "$T/list.$n" || die "conflict not listed on $n: $(cat "$T/list.$n")"
  grep -q '^1 field(s) with concurrent values' "$T/list.$n" || die "more than the one conflict on $n"
done
"$LINLI" conflicts --data "$T/b" show household SH-C01-1-1-102 | grep -c 'author' | grep -q '^2$' ||
  die "conflicts show does not give both values"
"$LINLI" conflicts --data "$T/b" list --json | grep -q '"field":"phone","values":2' || die "json list"
"$LINLI" conflicts --data "$T/a" resolve household SH-C01-1-1-102 phone=333 >/dev/null 2>&1 || die "resolve"
wait_sync shihua hub a b
for n in a b hub; do
  "$LINLI" conflicts --data "$T/$n" list | grep -q '^0 field(s)' || die "conflict still listed on $n"
done
"$LINLI" get --data "$T/b" household SH-C01-1-1-102 | grep -Eq 'phone +333$' || die "resolved value not on b"
"$LINLI" get --data "$T/hub" household SH-C01-1-1-102 --scope shihua >"$T/hubget" 2>&1 || die "get on the hub: $(cat "$T/hubget")"
grep -Eq 'phone +\(sealed\)$' "$T/hubget" && ! grep -q 333 "$T/hubget" || die "the hub reads the phone: $(cat "$T/hubget")"
ok "a partition conflict shows on both nodes after the sync and is gone everywhere after resolve"

# ---- the certification flow ----
TODAY=$(TZ=Asia/Shanghai date +%F)
# the verbs of cli/records.c, trust on, through linlid
"$LINLI" measures set --data "$T/a" SH-C02 publicity=yes closed=yes screening=yes \
  disinfection=yes supply=yes mobilisation=yes >/dev/null 2>&1 || die "measures set SH-C02"
"$LINLI" measures set --data "$T/a" SH-C01 publicity=yes >/dev/null 2>&1 || die "measures set SH-C01"
rc=0
"$LINLI" declare --data "$T/a" SH-C01 2>"$T/err" >/dev/null || rc=$?
[[ $rc -eq 1 ]] && grep -q 'measures missing: closed screening' "$T/err" || die "SH-C01 declared without its measures"
# SH-C02's measures are marked in place, but no record shows them
rc=0
"$LINLI" declare --data "$T/a" SH-C02 2>"$T/err" >/dev/null || rc=$?
[[ $rc -eq 1 ]] && grep -q 'disinfection: marked in place, but no round ever logged for the compound' "$T/err" &&
  grep -q 'declare with --force --reason TEXT' "$T/err" || die "SH-C02 declared on measures without evidence: $rc $(cat "$T/err")"
rc=0
"$LINLI" declare --data "$T/a" SH-C02 --force 2>"$T/err" >/dev/null || rc=$?
[[ $rc -eq 2 ]] || die "--force without --reason: exit $rc"
"$LINLI" declare --data "$T/a" SH-C02 --force --reason "消杀记录在纸质台账上，明日补录" >/dev/null 2>"$T/err" ||
  die "declare SH-C02 --force: $(cat "$T/err")"
grep -q 'declared with --force' "$T/err" || die "declare --force: $(cat "$T/err")"
wait_sync shihua hub a b
rc=0
"$LINLI" approve --data "$T/a" shihua SH-C02 2>/dev/null >/dev/null || rc=$?
[[ $rc -eq 1 ]] || die "a community node approved"
rc=0
"$LINLI" approve --data "$T/hub" shihua SH-C01 2>/dev/null >/dev/null || rc=$?
[[ $rc -eq 1 ]] || die "the hub approved an undeclared compound"
"$LINLI" approve --data "$T/hub" shihua SH-C02 >/dev/null 2>"$T/err" || die "approve SH-C02"
grep -q 'declared compound SH-C02 with --force, its records not showing every measure; its reason: 消杀记录在纸质台账上，明日补录 (measures without evidence: closed screening disinfection)' "$T/err" ||
  die "the hub does not see the reason of the forced declaration: $(cat "$T/err")"
wait_sync qiaokou hub a b
for n in hub a; do
  LINLI_LANG=zh-CN "$LINLI" certifications --data "$T/$n" | grep -Eq '^shihua +SH-C02 .* 已认定' || die "not certified on $n"
done
log "SH-C02 declared, approved, certified"
stop hub # b goes offline; a case is recorded there
"$LINLI" case --data "$T/b" open case-late --resident r-4 --compound SH-C02 --category confirmed \
  --start "$TODAY" >/dev/null 2>&1 || die "case open on b"
LINLI_LANG=zh-CN "$LINLI" certifications --data "$T/a" | grep -q '已认定' || die "a withdrew before the case arrived"
start hub
wait_sync shihua hub a b
for n in hub a b; do
  LINLI_LANG=zh-CN "$LINLI" certifications --data "$T/$n" >"$T/cert.$n"
  grep -Eq '^shihua +SH-C02 .* 已撤销 +小区 SH-C02 于 .* 不符合无疫情条件：尚有 1 例确诊' "$T/cert.$n" ||
    die "not withdrawn on $n: $(cat "$T/cert.$n")"
done
LINLI_LANG=zh-CN "$LINLI" report --data "$T/hub" district | grep -Eq '^shihua +SH-C02 .* 已撤销 ' || die "report does not show the withdrawal"
"$LINLI" certifications --data "$T/hub" --json | grep -q '"state":"withdrawn"' || die "json withdrawal"
rc=0
"$LINLI" case --data "$T/a" release case-late --date 2000-01-01 2>/dev/null >/dev/null || rc=$?
[[ $rc -eq 1 ]] || die "a release before the start was not refused"
"$LINLI" case --data "$T/a" release case-late --date "$TODAY" >/dev/null 2>&1 || die "case release"
"$LINLI" certifications --data "$T/a" | grep -q "released $TODAY, 0 day(s) before (needs 14)" ||
  die "a release today does not keep the withdrawal"
ok "declare/approve certifies SH-C02; a late confirmed case withdraws it on every node"

# ---- the hub certifies without reading: no personal value in any of its files ----
# (issue 20: names, ID numbers, phones and notes are sealed by a, so
# the hub's LMDB file, its log and its events hold none of them in clear)
{
  printf '%s\n' 'Wang, Li' 张三 'Li Si' 'Zhao "Xiao" Wu' 13900000001 '+86 139 0000 0004' 轮椅
  idnum 42010719800101001
  idnum 42010719900202002
  idnum 42010720010303003
} >"$T/needles"
"$LINLI" get --data "$T/b" resident r-4 >"$T/b.r4" 2>&1 && grep -qF 'Zhao "Xiao" Wu' "$T/b.r4" ||
  die "b (holding the key) does not read r-4: $(cat "$T/b.r4")"
"$LINLI" get --data "$T/hub" --scope shihua resident r-4 >"$T/hub.r4" 2>&1 &&
  grep -Eq 'name +\(sealed\)$' "$T/hub.r4" && grep -Eq 'id_number +\(sealed\)$' "$T/hub.r4" ||
  die "the hub does not show r-4 sealed: $(cat "$T/hub.r4")"
[[ $(find "$T/hub" -type f | wc -l) -ge 3 && -s $T/hub/data.mdb ]] || die "the hub's files are not there"
if grep -raFl -f "$T/needles" "$T/hub" "$T/hub.log" >"$T/found"; then
  die "personal values in clear on the hub: $(cat "$T/found"): $(grep -raFoh -f "$T/needles" "$T/hub" "$T/hub.log" | sort -u | head -5)"
fi
grep -qaF 'Wang, Li' "$T/res.csv" || die "the search would not find the values" # the search works
ok "the hub certifies and shows (sealed); its LMDB file, log and events hold no name, ID number, phone or note"

stop a
stop b
stop hub
FAILED=0
log "domain_cli_test: $PASS passed, 0 failed"
