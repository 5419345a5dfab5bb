#!/usr/bin/env bash
# The verbs per collection (cli/records.c) on real linli/linlid processes:
# node "a" of community shihua, written with its linlid stopped and then
# running, and node "b" of the same community that syncs from it (so every
# op the verbs write is one a peer accepts). Trust is off; the trust-on path
# of the same writer is in domain_cli_test.sh.
#
#   cli_verbs_test.sh LINLI LINLID
#
# Checks: every verb of compound, household, resident, grid, volunteer,
# supply stock|relief|order|proxy, disinfect and measures writes (daemon down
# and up) and reads (daemon up and down); --json output parses and holds what
# was written; each class of bad input exits 1 or 2 with one sentence saying
# what to fix and leaves `linli digest` unchanged; --help of every verb exits
# 0 and names the verb's fields. Every process started here is killed on exit.
set -euo pipefail

LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-verbs-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
declare -A DAEMON
N=0
T0=$SECONDS

say() { printf '[%3ds] %s\n' $((SECONDS - T0)) "$*"; }
die() {
  printf 'FAIL: %s\n' "$*" >&2
  for f in "$T"/*.log; do [[ -f $f ]] && { echo "-- $f"; tail -n 20 "$f"; }; done
  exit 1
}
pass() {
  N=$((N + 1))
  say "ok $N - $*"
}
finish() {
  local n
  for n in "${!DAEMON[@]}"; do kill -9 "${DAEMON[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap finish EXIT

open_port() { # a TCP port below the ephemeral range that nothing listens on
  local p=$((20000 + RANDOM % 12000))
  until ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((20000 + RANDOM % 12000)); done
  echo "$p"
}
up() {
  "$LINLID" --data "$T/$1" 2>>"$T/$1.log" &
  DAEMON[$1]=$!
  for _ in $(seq 100); do
    "$LINLI" status --data "$T/$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "linlid $1 did not come up"
}
down() {
  kill "${DAEMON[$1]}" && wait "${DAEMON[$1]}" 2>/dev/null || true
  unset "DAEMON[$1]"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; } # reads stdin, runs the check

# v ARGS...: linli ARGS must succeed; its stdout is in $T/out, stderr in $T/err.
v() {
  DIGEST= # it may have written
  "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $* exited $?: $(cat "$T/err")"
}
# refuse CODE TEXT ARGS...: linli ARGS exits CODE with one line on stderr that
# contains TEXT, prints nothing on stdout, and the digest of node a is unchanged.
DIGEST=
refuse() {
  local code=$1 text=$2 rc=0 before=${DIGEST:-$("$LINLI" digest --data "$T/a")}
  shift 2
  "$LINLI" "$@" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -eq $code ]] || die "linli $*: exit $rc, not $code ($(cat "$T/err"))"
  grep -qF -- "$text" "$T/err" || die "linli $*: '$text' not in: $(cat "$T/err")"
  [[ $(wc -l <"$T/err") -eq 1 ]] || die "linli $*: more than one sentence: $(cat "$T/err")"
  [[ ! -s $T/out ]] || die "linli $*: printed $(cat "$T/out")"
  DIGEST=$("$LINLI" digest --data "$T/a")
  [[ $DIGEST == "$before" ]] || die "linli $*: the digest changed"
}

# ID number with a valid ISO 7064 MOD 11-2 check character, and one without.
idnum() {
  local s=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) sum=0 i c=10X98765432
  for ((i = 0; i < 17; i++)); do sum=$((sum + ${s:i:1} * ${w[i]})); done
  echo "$s${c:$((sum % 11)):1}"
}
GOOD_ID=$(idnum 42010719800101001)
if [[ ${GOOD_ID:17:1} == X ]]; then BAD_ID=${GOOD_ID:0:17}0; else BAD_ID=${GOOD_ID:0:17}X; fi
TODAY=$(TZ=Asia/Shanghai date +%F)

PA=$(open_port)
PB=$(open_port)
while [[ $PB == "$PA" ]]; do PB=$(open_port); done
KA=$("$LINLI" init --data "$T/a" --community shihua --listen "tcp://127.0.0.1:$PA" 2>/dev/null)
KB=$("$LINLI" init --data "$T/b" --community shihua --listen "tcp://127.0.0.1:$PB" 2>/dev/null)
printf 'peer a tcp://127.0.0.1:%s %s\nsync_interval_ms 300\n' "$PA" "$KA" >>"$T/b/linlid.conf"
printf 'allow b %s\n' "$KB" >>"$T/a/linlid.conf"
A=(--data "$T/a")

# ---- registers, linlid stopped ----
v compound add "${A[@]}" SH-C01 name=石化一村 address="1 Shihua Road" gates+=SH-C01-gate
grep -q 'compound SH-C01 registered: 2 ops stored into the database' "$T/err" || die "compound add: $(cat "$T/err")"
v compound add "${A[@]}" SH-C02 name=Compound2
v grid add "${A[@]}" SH-G1 name=一网格 compound=SH-C01
v household add "${A[@]}" SH-C01-3-2-501 compound=SH-C01 unit=3-2-501 hardship=yes phone=13800001111 grid=SH-G1
v household add "${A[@]}" SH-C01-1-1-101 compound=SH-C01 unit=1-1-101
v resident add "${A[@]}" r-SH-00001 name=王芳 household=SH-C01-3-2-501 id_number="$GOOD_ID" birth_year=1980 tags+=elderly
[[ $(wc -l <"$T/out") -eq 3 ]] || die "resident add: not three op ids (set, tag, membership)"
v resident add "${A[@]}" r-SH-00002 name="Li Si" household=SH-C01-1-1-101
v volunteer add "${A[@]}" SH-V01 name=张三 phone="+86 139-0000-0001" grid=SH-G1 skills+=driver
v grid set "${A[@]}" SH-G1 workers+=SH-V01
v household show "${A[@]}" SH-C01-3-2-501
grep -Eq 'members \(set\) +r-SH-00001$' "$T/out" || die "the resident did not join the household's members"
v resident list "${A[@]}"
grep -Eq '^r-SH-00001 +SH-C01-3-2-501 +王芳 +' "$T/out" && grep -q '^2 residents in community shihua$' "$T/out" ||
  die "resident list: $(cat "$T/out")"
for c in compound household grid volunteer; do
  v "$c" list "${A[@]}"
  grep -q "in community shihua$" "$T/out" || die "$c list"
done
pass "compound, household, resident, grid, volunteer: add, set, show, list with linlid stopped"

# ---- the same through linlid ----
up a
v resident set "${A[@]}" r-SH-00001 phone=13800001111 tags-=elderly tags+=diabetic
grep -q 'stored through linlid' "$T/err" || die "set did not go through linlid: $(cat "$T/err")"
v resident show "${A[@]}" r-SH-00001 --json
json 'assert d["fields"]["phone"]["value"]=="13800001111" and d["sets"]["tags"]==["diabetic"], d
assert d["fields"]["birth_year"]["value"]==1980 and d["fields"]["id_number"]["value"]=="'"$GOOD_ID"'"' <"$T/out" ||
  die "resident show --json"
v volunteer set "${A[@]}" SH-V01 skills+=medic
v household list "${A[@]}" --json
json 'assert sorted(r["key"] for r in d)==["SH-C01-1-1-101","SH-C01-3-2-501"]; assert all(r["fields"]["compound"]["value"]=="SH-C01" for r in d)' <"$T/out" ||
  die "household list --json"
pass "set, show --json and list --json through a running linlid"

# ---- supply ----
v supply item add "${A[@]}" rice_kg name=大米 unit=kg
v supply item add "${A[@]}" vegetables_kg name=爱心菜 unit=kg free=yes
v supply item add "${A[@]}" veg_pack name=十元爱心菜 unit=份 price_fen=1000
v supply item list "${A[@]}"
grep -Eq '^veg_pack +十元爱心菜 +份 +1000' "$T/out" || die "item list: $(cat "$T/out")"
v supply stock in "${A[@]}" SH-stock rice_kg=100 vegetables_kg=50 veg_pack=10 source=区物资站
v supply stock out "${A[@]}" SH-stock rice_kg=30
v supply stock show "${A[@]}" SH-stock --json
json 'assert d["counters"]=={"rice_kg":70,"vegetables_kg":50,"veg_pack":10}, d' <"$T/out" || die "stock: $(cat "$T/out")"
v supply stock list "${A[@]}"
grep -Eq '^SH-stock +rice_kg \(counter\) +70$' "$T/out" || die "stock list: $(cat "$T/out")"
v supply relief add "${A[@]}" SH-C01-3-2-501 items=vegetables_kg:5
v supply relief add "${A[@]}" SH-C01-1-1-101 items=vegetables_kg:5 date="$TODAY"
grep -q 'not marked hardship' "$T/err" || die "relief to a household not marked hardship: no note"
v supply order add "${A[@]}" SH-go-1 household=SH-C01-1-1-101 items=veg_pack:1
v supply order set "${A[@]}" SH-go-1 status=delivered
grep -q 'hand-out logged as a distribution' "$T/err" || die "order delivered: $(cat "$T/err")"
v supply proxy add "${A[@]}" SH-px-1 household=SH-C01-3-2-501 resident=r-SH-00001 items=降压药
v supply proxy set "${A[@]}" SH-px-1 status=bought
v supply proxy set "${A[@]}" SH-px-1 status=delivered
v supply proxy show "${A[@]}" SH-px-1 --json
json 'f=d["fields"]; assert f["status"]["value"]=="delivered" and f["bought"]["value"]==f["delivered"]["value"]=="'"$TODAY"'"' <"$T/out" ||
  die "proxy show --json: $(cat "$T/out")"
v supply order list "${A[@]}"
grep -Eq '^SH-go-1 +SH-C01-1-1-101 +veg_pack:1 +delivered +' "$T/out" || die "order list: $(cat "$T/out")"
v supply proxy list "${A[@]}" --json
json 'assert [r["key"] for r in d]==["SH-px-1"]' <"$T/out" || die "proxy list --json"
v supply relief list "${A[@]}" --json
json 'assert len(d)==2 and all(e["event"]["kind"]=="relief" and e["event"]["items"]=="vegetables_kg:5" and e["event"]["stock"]=="SH-stock" for e in d), d' <"$T/out" ||
  die "relief list --json: $(cat "$T/out")"
v supply relief show "${A[@]}" SH-C01-3-2-501
grep -Eq "^SH-C01-3-2-501 +$TODAY +vegetables_kg:5" "$T/out" && grep -q '^1 relief hand-out of that household in community shihua$' "$T/out" ||
  die "relief show: $(cat "$T/out")"
v report "${A[@]}" community --json
json 'r=d["rows"][0]; assert r["windows"][0]["days"]==1 and r["windows"][0]["distributions"]=={"relief":2,"group":1,"proxy":1} and r["stock"]["rice_kg"]==70, r' <"$T/out" ||
  die "report does not count the hand-outs: $(cat "$T/out")"
v supply stock "${A[@]}" --json
json 'l={r["item"]:r for r in d}; v=l["vegetables_kg"]; p=l["veg_pack"]; r=l["rice_kg"]
assert (v["received"],v["handed_out_free"],v["handed_out_paid"],v["on_hand"])==(50,10,0,40), v
assert (p["received"],p["handed_out_paid"],p["on_hand"],p["unit"])==(10,1,9,"份"), p
assert (r["received"],r["other_out"],r["on_hand"],r["overdraft"])==(100,30,70,0), r' <"$T/out" || die "stock ledger: $(cat "$T/out")"
v supply order add "${A[@]}" SH-go-3 household=SH-C01-1-1-101 items=vegetables_kg:1
grep -q 'note: vegetables_kg is listed as free (free=yes), handed out with linli supply relief' "$T/err" ||
  die "order of a free item: no note: $(cat "$T/err")"
v list "${A[@]}" stock_receipt --json
json 'assert [e["event"] for e in d]==[{"by":"'"$(id -un)"'","date":"'"$TODAY"'","items":"rice_kg:100,veg_pack:10,vegetables_kg:50","source":"区物资站"}], d' <"$T/out" ||
  die "stock receipt: $(cat "$T/out")"
pass "supply item/stock in/out/show/list and the ledger, relief add/show/list (drawn from the stock), order and proxy add/set/show/list; report counts them"

# ---- disinfect, measures ----
v disinfect add "${A[@]}" SH-C01 area="gates, stairwells" team=老王
v disinfect list "${A[@]}"
grep -Eq "^SH-C01 +$TODAY +gates, stairwells +" "$T/out" || die "disinfect list: $(cat "$T/out")"
v disinfect show "${A[@]}" SH-C01 --json
json 'assert len(d)==1 and d[0]["event"]["area"]=="gates, stairwells"' <"$T/out" || die "disinfect show --json"
v measures set "${A[@]}" SH-C02 publicity=yes closed=是 screening=1 disinfection=true supply=yes mobilisation=yes
v measures set "${A[@]}" SH-C01 publicity=yes supply=no
v measures show "${A[@]}" SH-C02 --json
json 'assert all(d["fields"][m]["value"] is True for m in ["publicity","closed","screening","disinfection","supply","mobilisation"])' <"$T/out" ||
  die "measures show --json: $(cat "$T/out")"
v measures list "${A[@]}"
grep -Eq '^SH-C01 +yes +- +- +- +no +- +$' "$T/out" || die "measures list: $(cat "$T/out")"
v report "${A[@]}" community --json
json 'r=d["rows"][0]; assert r["compounds"]==2 and r["meeting_rule"]==1 and r["states"]["eligible"]==1 and r["states"]["not_eligible"]==1, r' <"$T/out" || die "SH-C02 with its six measures is not epidemic-free: $(cat "$T/out")"
pass "disinfect add/show/list, measures set/show/list; the six measures count in the report"

# ---- bad input: one sentence, exit 1 or 2, nothing written (linlid up) ----
refuse 2 'a resident has no field nmae (did you mean name?); its fields are household, name' resident set "${A[@]}" r-SH-00001 nmae=X
refuse 2 'a compound has no field colour' compound add "${A[@]}" SH-C03 name=X colour=red
refuse 2 'birth_year takes a year of four digits' resident set "${A[@]}" r-SH-00001 birth_year=nineteen
refuse 2 'has no field mobilization (did you mean mobilisation?)' measures set "${A[@]}" SH-C01 mobilization=yes
refuse 2 'takes one of confirmed, suspected, fever, close_contact (did you mean close_contact?)' case open "${A[@]}" c-typo --resident r-SH-00001 --compound SH-C01 --category close-contact --start 2026-12-01
refuse 2 'no field brith_year (did you mean birth_year?)' resident list "${A[@]}" --sort brith_year
# A typo'd command or verb: the nearest name and that one usage line, not the list.
for typo in "stauts:status" "rsident:resident"; do
  rc=0
  "$LINLI" "${typo%%:*}" "${A[@]}" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -eq 2 ]] || die "linli ${typo%%:*}: exit $rc"
  grep -qF "did you mean '${typo##*:}'?" "$T/err" || die "linli ${typo%%:*}: $(cat "$T/err")"
  [[ $(wc -l <"$T/err") -eq 2 ]] || die "linli ${typo%%:*}: $(wc -l <"$T/err") lines, not 2"
done
rc=0
"$LINLI" resident lst "${A[@]}" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc -eq 2 ]] && grep -qF "no verb lst (did you mean list?)" "$T/err" || die "resident lst: $rc $(cat "$T/err")"
refuse 2 'this one holds a control, format, invisible' resident add "${A[@]}" "$(printf 'r-SH-\xe2\x81\xa000009')" name=X household=SH-C01-1-1-101
refuse 2 'this one is not in Unicode NFC' compound add "${A[@]}" "$(printf 'SH-Ce\xcc\x81')" name=X
refuse 2 'hardship takes yes or no' household set "${A[@]}" SH-C01-1-1-101 hardship=maybe
refuse 2 'rice_kg takes a whole number from 1' supply stock in "${A[@]}" SH-stock rice_kg=2.5
refuse 2 'phone takes a phone number' volunteer set "${A[@]}" SH-V01 phone=call-me
refuse 1 'birth_year must be a year from 1880 to 2100' resident set "${A[@]}" r-SH-00001 birth_year=1700
refuse 1 'the check character of id_number does not match' resident set "${A[@]}" r-SH-00001 id_number="$BAD_ID"
refuse 1 'outside 34.0 to 43.0' check "${A[@]}" health r-SH-00001 --temp 45
refuse 1 'the date 2999-01-01 is in the future' supply relief add "${A[@]}" SH-C01-3-2-501 items=rice date=2999-01-01
refuse 1 'is in the future' disinfect add "${A[@]}" SH-C01 area=lifts date=2999-12-31
refuse 1 'household names no registered household of community shihua' resident add "${A[@]}" r-SH-00009 name=X household=SH-C01-9-9-909
refuse 1 'r-SH-00001 is already in another household' resident set "${A[@]}" r-SH-00001 household=SH-C01-1-1-101
refuse 1 'resident r-SH-00001 is registered already: change it with linli resident set' resident add "${A[@]}" r-SH-00001 name=X household=SH-C01-3-2-501
refuse 1 'that household is registered already' household add "${A[@]}" SH-C01-1-1-101 compound=SH-C01
refuse 1 'resident r-SH-00404 is not registered in community shihua: register it with linli resident add' resident set "${A[@]}" r-SH-00404 phone=123456
refuse 1 'compound SH-C09 is not registered' household add "${A[@]}" SH-C09-1-1-101 compound=SH-C09
refuse 1 "the code and compound=SH-C02 do not fit" household add "${A[@]}" SH-C01-2-2-202 compound=SH-C02
refuse 1 'compound SH-C09 is not registered' measures set "${A[@]}" SH-C09 publicity=yes
refuse 1 'no such household in community shihua' supply relief add "${A[@]}" SH-C01-7-7-707 items=rice
refuse 1 'proxy request SH-px-1 is delivered already; a proxy request only moves forward' supply proxy set "${A[@]}" SH-px-1 status=bought
refuse 1 'stock SH-stock holds 70 of rice_kg' supply stock out "${A[@]}" SH-stock rice_kg=71
refuse 1 'stock SH-stock holds 40 of vegetables_kg, not 41: hand out at most that much' supply relief add "${A[@]}" SH-C01-3-2-501 items=vegetables_kg:41
refuse 1 "vegetable_kg is not an item of community shihua's supply list (did you mean vegetables_kg?)" supply relief add "${A[@]}" SH-C01-3-2-501 items=vegetable_kg:1
refuse 1 "vegetable_kg is not an item of community shihua's supply list (did you mean vegetables_kg?)" supply stock in "${A[@]}" SH-stock vegetable_kg=1 source=x
refuse 2 'items are item:quantity lines' supply relief add "${A[@]}" SH-C01-3-2-501 items=蔬菜包
refuse 2 'the quantity of veg_pack is a whole number from 1' supply order add "${A[@]}" SH-go-9 household=SH-C01-1-1-101 items=veg_pack:0
refuse 2 'stock in needs source=TEXT' supply stock in "${A[@]}" SH-stock rice_kg=1
refuse 2 'an item key is 1 to 64 characters of a-z 0-9 _' supply item add "${A[@]}" 青菜 name=青菜 unit=斤
refuse 1 'does not hold that value in tags' resident set "${A[@]}" r-SH-00001 tags-=elderly
refuse 2 'name is required: add needs household=... name=...' resident add "${A[@]}" r-SH-00009 household=SH-C01-1-1-101
refuse 2 'tags is a set: add with tags+=VALUE' resident set "${A[@]}" r-SH-00001 tags=x
refuse 2 'members is not written here' household set "${A[@]}" SH-C01-1-1-101 members+=r-SH-00002
refuse 2 'a new group order starts as ordered' supply order add "${A[@]}" SH-go-2 household=SH-C01-1-1-101 items=x status=delivered
refuse 2 'status takes one of requested, bought, delivered' supply proxy set "${A[@]}" SH-px-1 status=lost
refuse 2 'set needs at least one field=value' compound set "${A[@]}" SH-C01
! grep -q '王芳\|13800001111' "$T/err" || die "personal data in a refusal"
pass "every class of bad input: exit 1 or 2, one sentence saying what to fix, the digest unchanged"

# ---- usage of the commands ----
rc=0
"$LINLI" resident frob "${A[@]}" 2>"$T/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'no verb frob; see linli resident --help' "$T/err" || die "an unknown verb: exit $rc"
rc=0
"$LINLI" supply stock add "${A[@]}" SH-stock rice_kg=1 2>"$T/err" || rc=$?
[[ $rc -eq 2 ]] || die "supply stock add (stock has in/out): exit $rc"
rc=0
"$LINLI" resident add "${A[@]}" r-SH-00003 name=X household=SH-C01-1-1-101 --json 2>"$T/err" || rc=$?
[[ $rc -eq 2 ]] || die "--json on a write: exit $rc"
pass "an unknown verb, a verb the collection lacks, --json on a write: exit 2"

# ---- reads with linlid stopped; writes again into the database ----
down a
v resident show "${A[@]}" r-SH-00001
grep -Eq 'tags \(set\) +diabetic$' "$T/out" || die "show with linlid stopped: $(cat "$T/out")"
v supply order list "${A[@]}" --json
json 'assert d[0]["fields"]["status"]["value"]=="delivered"' <"$T/out" || die "order list --json (stopped)"
v disinfect list "${A[@]}" SH-C01
v volunteer show "${A[@]}" SH-V01 --json
json 'assert sorted(d["sets"]["skills"])==["driver","medic"]' <"$T/out" || die "volunteer show --json"
refuse 1 'household names no registered household' resident add "${A[@]}" r-SH-00009 name=X household=SH-C09-1-1-1
v supply order add "${A[@]}" SH-go-2 household=SH-C01-3-2-501 items=veg_pack:2
grep -q 'into the database (linlid is stopped)' "$T/err" || die "write with linlid stopped: $(cat "$T/err")"
refuse 1 'six-measures checklist SH-C03 is not in community shihua' measures show "${A[@]}" SH-C03
pass "show and list with linlid stopped; writes go into the database"

# ---- --help of every verb ----
for cv in "compound add set show list" "household add set show list" "resident add set show list" \
  "grid add set show list" "volunteer add set show list" "supply stock in out show list" \
  "supply item add set show list" "supply relief add show list" "supply order add set show list" "supply proxy add set show list" \
  "disinfect add show list" "measures set show list"; do
  read -r -a w <<<"$cv"
  if [[ ${w[0]} == supply ]]; then
    cmd=(supply "${w[1]}") verbs=("${w[@]:2}")
  else
    cmd=("${w[0]}") verbs=("${w[@]:1}")
  fi
  for verb in "${verbs[@]}"; do
    "$LINLI" "${cmd[@]}" "$verb" --help >"$T/help" || die "${cmd[*]} $verb --help exited $?"
    grep -q "^usage: linli ${cmd[*]} $verb --data DIR" "$T/help" || die "${cmd[*]} $verb --help: $(head -2 "$T/help")"
    [[ $verb != "${verbs[0]}" ]] || "$LINLI" help "${cmd[@]}" "$verb" | cmp -s - "$T/help" ||
      die "linli help ${cmd[*]} $verb differs"
  done
  "$LINLI" "${cmd[@]}" --help | grep -q "linli ${cmd[*]} VERB --help" || die "${cmd[*]} --help"
done
"$LINLI" resident add --help >"$T/help"
for f in 'household= \*' 'name= \*' id_number= phone= birth_year= special_needs= 'tags\+='; do
  grep -Eq "^    $f" "$T/help" || die "resident add --help does not name $f"
done
flat() { "$LINLI" "$@" --help | tr -s ' \n' '  '; } # the help as one line of single spaces
flat resident add | grep -q 'a year from 1880 to 2100' && flat resident add | grep -q 'ISO 7064 MOD 11-2' ||
  die "resident add --help does not say the checks"
flat supply proxy set | grep -q 'requested -> bought -> delivered, forward only' || die "proxy set --help"
flat measures set | grep -q '(the first set creates it)' || die "measures set --help"
flat supply stock out | grep -q 'Exit 1, nothing written, if the stock holds less than N' || die "stock out --help"
pass "--help of every verb (and linli help CMD VERB) says its usage, fields and checks"

# ---- a peer accepts every op the verbs wrote ----
up a
up b
same() { [[ $("$LINLI" digest --data "$T/b" --scope shihua 2>/dev/null) == $("$LINLI" digest --data "$T/a" --scope shihua) ]]; }
for _ in $(seq 150); do same && break || sleep 0.2; done
same || die "b did not converge with a"
v resident show --data "$T/b" r-SH-00001
v supply relief list --data "$T/b"
grep -q '^2 relief hand-outs in community shihua$' "$T/out" || die "relief on b: $(cat "$T/out")"
pass "node b syncs every op from a and shows the same records"
down a
down b

say "cli_verbs_test: $N passed, 0 failed"
