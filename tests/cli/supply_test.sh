#!/usr/bin/env bash
# Supplies as a ledger on real linli/linlid processes: two nodes a and b of
# community shihua that sync over ZeroMQ on 127.0.0.1, with a partition in
# between (both daemons stopped, each node written on its own).
#
#   supply_test.sh LINLI LINLID
#
# Checks: the seed's quantities (2,063 free fish, 1,680 free vegetable
# portions, 1,415 ten-yuan vegetable packs sold, 3,674 jin of reserve pork
# sold) go in through receipts, relief hand-outs and building group orders
# on two nodes and come out of `linli report community --supply` exactly, on
# both nodes; the stock is never below zero on one node (refused, saying what
# is left); hand-outs written on a and b during the partition that together
# overdraw are both kept, the ledger shows the overdraft on both nodes, and a
# covering receipt resolves it; a building order makes one order per
# household in one batch and `supply order totals` matches them. Every
# process started here is killed on exit.
set -euo pipefail

LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-supply-XXXXXX)
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

open_port() {
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
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $* exited $?: $(cat "$T/err")"; }
refuse() { # refuse CODE TEXT ARGS...
  local code=$1 text=$2 rc=0
  shift 2
  "$LINLI" "$@" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -eq $code ]] || die "linli $*: exit $rc, not $code ($(cat "$T/err"))"
  grep -qF -- "$text" "$T/err" || die "linli $*: '$text' not in: $(cat "$T/err")"
}
sync_ab() {
  up a
  up b
  same() { [[ $("$LINLI" digest --data "$T/b" --scope shihua 2>/dev/null) == $("$LINLI" digest --data "$T/a" --scope shihua) ]]; }
  for _ in $(seq 150); do same && break || sleep 0.2; done
  same || die "b did not converge with a"
  down a
  down b
}
TODAY=$(TZ=Asia/Shanghai date +%F)

PA=$(open_port)
PB=$(open_port)
while [[ $PB == "$PA" ]]; do PB=$(open_port); done
KA=$("$LINLI" init --data "$T/a" --community shihua --listen "tcp://127.0.0.1:$PA" 2>/dev/null)
KB=$("$LINLI" init --data "$T/b" --community shihua --listen "tcp://127.0.0.1:$PB" 2>/dev/null)
printf 'peer a tcp://127.0.0.1:%s %s\nsync_interval_ms 300\n' "$PA" "$KA" >>"$T/b/linlid.conf"
printf 'allow b %s\n' "$KB" >>"$T/a/linlid.conf"
A=(--data "$T/a")
B=(--data "$T/b")

# ---- the community, its item list and its stock, on a ----
v compound add "${A[@]}" SH-C01 name=石化一村
for h in 3-1-101 3-1-102 3-2-201 4-1-101 4-1-102; do
  v household add "${A[@]}" "SH-C01-$h" compound=SH-C01
done
v household set "${A[@]}" SH-C01-3-1-101 hardship=yes
v household set "${A[@]}" SH-C01-4-1-101 hardship=yes
v supply item add "${A[@]}" fish name=免费爱心鱼 unit=条 free=yes
v supply item add "${A[@]}" veg name=免费爱心菜 unit=份 free=yes
v supply item add "${A[@]}" veg_pack name=十元爱心菜 unit=份 price_fen=1000
v supply item add "${A[@]}" pork name=储备肉 unit=斤 price_fen=1500
v supply stock in "${A[@]}" SH-stock fish=2063 veg=1600 source=爱心企业 date="$TODAY"
v supply stock in "${A[@]}" SH-stock veg_pack=1415 pork=3674 source=区商务局
refuse 1 "stock SH-stock holds 2063 of fish, not 2064" supply relief add "${A[@]}" SH-C01-3-1-101 items=fish:2064
refuse 1 "vegetable is not an item of community shihua's supply list" supply relief add "${A[@]}" SH-C01-3-1-101 items=vegetable:1
refuse 1 "stock SH-stock2 holds nothing in community shihua: receive into it first" supply relief add "${A[@]}" SH-C01-3-1-101 items=fish:1 stock=SH-stock2
pass "item list, receipts; a hand-out over the stock, from an empty stock, or of an unlisted item is refused"

# ---- group orders per building, one batch each ----
v supply order add "${A[@]}" SH-go-1203 --building SH-C01-3 items=veg_pack:283
grep -q '3 group orders SH-go-1203-001..SH-go-1203-003 registered for the households of building SH-C01-3: 3 ops stored' "$T/err" ||
  die "building order: $(cat "$T/err")"
v supply order add "${A[@]}" SH-go-1204 --building SH-C01-4 items=veg_pack:283,pork:1837
refuse 1 "no registered household in building SH-C01-9" supply order add "${A[@]}" SH-go-1299 --building SH-C01-9 items=pork:1
v supply order list "${A[@]}" --json
json 'o={r["key"]:r["fields"] for r in d}; assert sorted(o)==["SH-go-1203-001","SH-go-1203-002","SH-go-1203-003","SH-go-1204-001","SH-go-1204-002"], o
assert sorted(f["household"]["value"] for f in o.values())==["SH-C01-3-1-101","SH-C01-3-1-102","SH-C01-3-2-201","SH-C01-4-1-101","SH-C01-4-1-102"]
assert all(f["status"]["value"]=="ordered" for f in o.values())' <"$T/out" || die "orders: $(cat "$T/out")"
v supply order totals "${A[@]}" --date "$TODAY"
tr -d '\r' <"$T/out" >"$T/totals.csv"
cat >"$T/want.csv" <<EOF
date,building,item,unit,quantity,orders,price_fen,amount_fen
$TODAY,SH-C01-3,veg_pack,份,849,3,1000,849000
$TODAY,SH-C01-4,pork,斤,3674,2,1500,5511000
$TODAY,SH-C01-4,veg_pack,份,566,2,1000,566000
EOF
diff "$T/want.csv" "$T/totals.csv" || die "order totals"
SUM="5 group order(s) of $TODAY in community shihua, 3 building/item line(s), 69260.00 yuan at the items' prices"
grep -qF "$SUM" "$T/err" || die "order totals sum: $(cat "$T/err")"
v supply order totals "${A[@]}" --date "$TODAY" "$T/totals2.csv"
tr -d '\r' <"$T/totals2.csv" | diff "$T/want.csv" - || die "order totals to a CSV file"
v supply order totals "${A[@]}" --date "$TODAY" "$T/totals.xlsx"
grep -qF "$SUM" "$T/err" || die "order totals sum (.xlsx): $(cat "$T/err")"
# the same lines in the workbook: Chinese headers, building text, numbers numbers
/usr/bin/python3 - "$T/totals.xlsx" "$T/want.csv" <<'PY' || die "order totals as .xlsx"
import csv, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
rows = list(ws.iter_rows(values_only=True))
assert rows[0] == ("日期", "楼栋", "物资", "单位", "数量", "订单数", "单价（分）", "金额（分）"), rows[0]
want = list(csv.reader(open(sys.argv[2], encoding="utf-8")))[1:]
got = [[str(v) if isinstance(v, str) else str(int(v)) for v in r] for r in rows[1:]]
assert got == want, (got, want)
assert all(isinstance(r[4], (int, float)) and isinstance(r[1], str) for r in rows[1:]), rows
PY
refuse 2 "at most one FILE" supply order totals "${A[@]}" --date "$TODAY" a.csv b.csv
pass "a building order makes one order per household in one batch; totals per building match them, on stdout, in a CSV file and in an .xlsx sheet, with the sum at the items' prices"

sync_ab

# ---- the partition: a and b write on their own ----
v supply relief add "${A[@]}" SH-C01-3-1-101 items=fish:1000,veg:900
v supply relief add "${B[@]}" SH-C01-4-1-101 items=fish:1063,veg:780
refuse 1 "stock SH-stock holds 700 of veg, not 701" supply relief add "${A[@]}" SH-C01-3-1-102 items=veg:701
for o in SH-go-1203-001 SH-go-1203-002 SH-go-1203-003; do v supply order set "${A[@]}" "$o" status=delivered; done
v supply order set "${B[@]}" --building SH-C01-4 status=delivered
grep -q '2 group orders of building SH-C01-4 changed at once, their hand-outs logged and drawn from the stock: 6 ops stored' "$T/err" ||
  die "building delivery: $(cat "$T/err")"
v supply stock "${A[@]}" --json
json 'l={r["item"]:r for r in d}; assert min(r["on_hand"] for r in d)>=0 and l["veg"]["on_hand"]==700, d' <"$T/out" ||
  die "a went below zero on its own: $(cat "$T/out")"
pass "during the partition each node hands out only what its stock holds"

sync_ab
for n in a b; do
  v supply stock --data "$T/$n" --json
  json 'l={r["item"]:r for r in d}
assert (l["fish"]["received"],l["fish"]["handed_out_free"],l["fish"]["on_hand"],l["fish"]["overdraft"])==(2063,2063,0,0), l["fish"]
assert (l["veg"]["received"],l["veg"]["handed_out_free"],l["veg"]["on_hand"],l["veg"]["overdraft"])==(1600,1680,-80,80), l["veg"]
assert (l["veg_pack"]["handed_out_paid"],l["veg_pack"]["on_hand"])==(1415,0), l["veg_pack"]
assert (l["pork"]["handed_out_paid"],l["pork"]["on_hand"])==(3674,0), l["pork"]' <"$T/out" ||
    die "ledger on $n after the merge: $(cat "$T/out")"
  v supply stock --data "$T/$n"
  grep -Eq '^SH-stock +veg +份 +1600 +1680 +0 +0 +-80  OVERDRAWN$' "$T/out" && grep -q '1 OVERDRAWN' "$T/out" &&
    grep -q 'linli supply stock in --data DIR SH-stock veg=80 source=' "$T/out" || die "overdraft on $n: $(cat "$T/out")"
done
v conflicts list "${B[@]}"
grep -q '^overdraft: shihua stock SH-stock veg is -80 (hand-outs on two nodes at once); resolve with the receipt that covered it: linli supply stock in --data DIR SH-stock veg=80 source=' "$T/out" ||
  die "conflicts list does not show the overdraft: $(cat "$T/out")"
v supply list "${A[@]}" --kind relief --json
json 'assert sorted(e["event"]["items"] for e in d)==["fish:1000,veg:900","fish:1063,veg:780"], d' <"$T/out" ||
  die "a hand-out was lost: $(cat "$T/out")"
pass "after the merge both hand-outs are kept and both nodes show the same overdraft of veg"

v report community "${A[@]}" --supply --days 5 --json
cp "$T/out" "$T/report.a"
json 'r={i["item"]:i for i in d["communities"][0]["items"]}
assert (r["fish"]["free"],r["fish"]["sold"],r["fish"]["households"],r["fish"]["hardship_households"])==(2063,0,2,2), r["fish"]
assert (r["veg"]["free"],r["veg"]["households"],r["veg"]["on_hand"])==(1680,2,-80), r["veg"]
assert (r["veg_pack"]["free"],r["veg_pack"]["sold"],r["veg_pack"]["households"],r["veg_pack"]["hardship_households"])==(0,1415,5,2), r["veg_pack"]
assert (r["pork"]["sold"],r["pork"]["households"],r["pork"]["unit"],r["pork"]["name"])==(3674,2,"斤","储备肉"), r["pork"]' <"$T/out" ||
  die "report --supply: $(cat "$T/out")"
v report community "${B[@]}" --supply --days 5 --json
cmp -s "$T/out" "$T/report.a" || die "the report differs between a and b"
v report community "${A[@]}" --supply --days 5
grep -Eq '^shihua +fish +免费爱心鱼 +条 +2063 +0 +2 +2 +0$' "$T/out" || die "report --supply text: $(cat "$T/out")"
v report district "${A[@]}" --supply --days 5 --json
json 'r={i["item"]:i for i in d["district"]}; assert (r["fish"]["free"],r["pork"]["sold"],r["veg_pack"]["sold"],r["veg"]["free"])==(2063,3674,1415,1680), d' <"$T/out" ||
  die "report district --supply: $(cat "$T/out")"
pass "report community|district --supply give the seed's figures exactly, the same on both nodes"

v supply stock in "${B[@]}" SH-stock veg=80 source=补记：分拣时多出
sync_ab
v supply stock "${A[@]}" --json
json 'l={r["item"]:r for r in d}; assert (l["veg"]["received"],l["veg"]["on_hand"],l["veg"]["overdraft"])==(1680,0,0), l["veg"]' <"$T/out" ||
  die "overdraft not resolved: $(cat "$T/out")"
v supply stock "${A[@]}"
! grep -q OVERDRAWN "$T/out" || die "still overdrawn: $(cat "$T/out")"
v conflicts list "${A[@]}"
! grep -q overdraft "$T/out" || die "conflicts list: still an overdraft: $(cat "$T/out")"
pass "a covering receipt on b resolves the overdraft on both nodes"

v supply stock in "${A[@]}" SH-stock veg_pack=2 source=区商务局
v supply order add "${A[@]}" SH-go-1205 --building SH-C01-3 items=veg_pack:1
v supply order set "${A[@]}" SH-go-1205-001 status=delivered # one alone fits
refuse 1 'the 2 orders of the building take 2 of veg_pack; stock SH-stock holds 1' supply order set "${A[@]}" --building SH-C01-3 status=delivered
refuse 1 'no group order of building SH-C01-4 to change in community shihua (2 there already)' supply order set "${A[@]}" --building SH-C01-4 status=delivered
pass "a building's orders delivered at once may not take together more than the stock holds"

# ---- the six measures, backed by the records ----
v measures set "${A[@]}" SH-C01 publicity=yes closed=yes screening=yes disinfection=yes supply=yes mobilisation=yes
v measures show "${A[@]}" SH-C01
grep -Eq '^supply +yes +backed +2 of 2 hardship households \(100 %\) got a hand-out in the 7 days' "$T/out" &&
  grep -Eq '^disinfection +yes +NO EVIDENCE +no round ever logged for the compound' "$T/out" &&
  grep -Eq "^publicity +yes +word +staff's word, set on $TODAY" "$T/out" &&
  grep -Eq '^closed +yes +NO EVIDENCE +the compound has no registered gate' "$T/out" ||
  die "measures show: $(cat "$T/out")"
refuse 1 'disinfection: marked in place, but no round ever logged for the compound' declare "${A[@]}" SH-C01
v today "${A[@]}"
grep -Eq '^   SH-C01 .* epidemic-free +compound SH-C01 is epidemic-free on [0-9-]+; closed: marked in place, but the compound has no registered gate' "$T/out" &&
  grep -q 'screening: marked in place, but 0 of 5 households' "$T/out" || die "today's verdict: $(cat "$T/out")"
for d in 2 1 0; do
  v disinfect add "${A[@]}" SH-C01 area=楼道 date="$(TZ=Asia/Shanghai date -d "-$d day" +%F)"
done
v measures show "${A[@]}" SH-C01
grep -Eq '^disinfection +yes +backed +a round logged on each of the 3 days' "$T/out" || die "measures show: $(cat "$T/out")"
pass "measures show puts the records' evidence next to each yes; declare names a measure without it"

# ---- the sample data is a consistent ledger ----
"$LINLI" init --data "$T/s" --community shihua >/dev/null 2>&1 || die "init s"
v sample --data "$T/s" "$T/s.bundle" --days 10
v import --data "$T/s" "$T/s.bundle"
v supply stock --data "$T/s" --json
json 'assert len(d)==5 and all(r["other_out"]==0 and r["on_hand"]>=0 and r["received"]==r["handed_out_free"]+r["handed_out_paid"]+r["on_hand"] for r in d), d' <"$T/out" ||
  die "sample ledger: $(cat "$T/out")"
v report community --data "$T/s" --supply --days 10 --json
json 'r={i["item"]:i for i in d["communities"][0]["items"]}
assert r["fish"]["free"]>0 and r["veg_pack"]["sold"]>0 and r["pork"]["sold"]==3*r["veg_pack"]["sold"], r
assert r["vegetables_kg"]["free"]==5*r["fish"]["free"] and r["pork"]["unit"]=="斤", r' <"$T/out" || die "sample report --supply: $(cat "$T/out")"
pass "the sample data's receipts and hand-outs add up item by item, and report --supply counts them"

# ---- two clerks at once: hand-outs checked at the same time never overdraw ----
# Eight hand-outs of 1 mask each, started together through the running
# daemon, against a stock of 5: each is checked on its own snapshot, so
# without the check at commit they would all pass; exactly 5 may.
v supply item add "${A[@]}" mask name=口罩 unit=个 free=yes
v supply stock in "${A[@]}" SH-stock3 mask=5 source=红十字会
up a
pids=()
for k in 1 2 3 4 5 6 7 8; do
  "$LINLI" supply relief add "${A[@]}" SH-C01-3-1-101 items=mask:1 stock=SH-stock3 \
    >"$T/race.$k.out" 2>"$T/race.$k.err" &
  pids+=($!)
done
ok_n=0
for k in 1 2 3 4 5 6 7 8; do
  rc=0
  wait "${pids[$((k - 1))]}" || rc=$?
  if [[ $rc -eq 0 ]]; then
    ok_n=$((ok_n + 1))
  else
    [[ $rc -eq 1 ]] && grep -q "stock SH-stock3 holds" "$T/race.$k.err" ||
      die "hand-out $k: exit $rc: $(cat "$T/race.$k.err")"
  fi
done
[[ $ok_n -eq 5 ]] || die "$ok_n of 8 concurrent hand-outs of a stock of 5 were stored"
v supply stock "${A[@]}" --json
json 'l=[r for r in d if r["item"]=="mask"]; assert len(l)==1 and l[0]["on_hand"]==0 and l[0]["overdraft"]==0, l' <"$T/out" ||
  die "the mask stock after the race: $(cat "$T/out")"
"$LINLI" status "${A[@]}" >/dev/null 2>&1 || die "linlid a is not running after the refusals"
down a
pass "8 hand-outs of a stock of 5 started at once: 5 stored, 3 refused with what is left, on hand 0, linlid runs on"
