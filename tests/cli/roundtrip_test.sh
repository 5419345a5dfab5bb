#!/usr/bin/env bash
# Every collection of the domain table through CSV and back (issue 15):
# node a gets records of every collection, written by their staff verbs with
# values at every type's limits (the longest Chinese text, every enum value
# typed in Chinese, an ID number with X, the largest quantity); export-csv
# writes each collection, import-csv loads the files into a fresh node b,
# and every record, set element, counter and event comes back field for
# field. The hub-only collection (approval) goes the same way between two
# hubs. The same again through export-xlsx, read back by openpyxl. (A wrong value type refused by every path: tests/domain/test_check.c.)
#
#   roundtrip_test.sh LINLI
set -euo pipefail

LINLI=$1
T=$(mktemp -d /tmp/linli-roundtrip-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $* exited $?: $(cat "$T/err")"; }

rep() { python3 -c "import sys; print(sys.argv[1] * int(sys.argv[2]) + sys.argv[3], end='')" "$@"; }
idnum() { # 17 digits -> the ID number with its check character
  local s=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) sum=0 i c=10X98765432
  for ((i = 0; i < 17; i++)); do sum=$((sum + ${s:i:1} * ${w[i]})); done
  echo "$s${c:$((sum % 11)):1}"
}
IDX=
for n in $(seq 100 400); do
  IDX=$(idnum "42010719800101$n")
  [[ ${IDX:17:1} == X ]] && break
done
[[ ${IDX:17:1} == X ]] || die "no ID number with X found"
TEXT200=$(rep 石 66 ab)   # 200 bytes: the text limit
NOTE500=$(rep 注 166 ab)  # 500 bytes: the note limit
ELEM120=$(rep 标 40 '')   # 120 bytes: a text set element
KEY126=$(rep g 126 '')    # 126 bytes: the key limit
VIS100=$(rep 访 33 a)     # 100 bytes: a visitor's name
PHONE24="+86 139 0000 0000 000000" # 24 bytes
[[ ${#IDX} -eq 18 && $(printf %s "$TEXT200" | wc -c) -eq 200 && $(printf %s "$NOTE500" | wc -c) -eq 500 &&
  $(printf %s "$ELEM120" | wc -c) -eq 120 && ${#PHONE24} -eq 24 && $(printf %s "$VIS100" | wc -c) -eq 100 ]] ||
  die "the limit values are not at their limits"
TODAY=$(TZ=Asia/Shanghai date +%F)

for n in a b; do "$LINLI" init --data "$T/$n" --community shihua >/dev/null 2>&1; done
A=(--data "$T/a")

# ---- every collection, at its limits, on a (linlid stopped) ----
v compound add "${A[@]}" SH-C01 name="$TEXT200" address="$TEXT200" gates+="$KEY126" gates+=SH-C01-gate
v compound add "${A[@]}" SH-C02 name=二村
v grid add "${A[@]}" SH-G1 name=一网格 compound=SH-C01 workers+=SH-V01
v household add "${A[@]}" SH-C01-3-2-501 compound=SH-C01 unit="$TEXT200" head=r-SH-00001 \
  phone="$PHONE24" hardship=是 grid=SH-G1
v household add "${A[@]}" SH-C02-1-1-101 compound=SH-C02 hardship=否
v resident add "${A[@]}" r-SH-00001 name="$TEXT200" household=SH-C01-3-2-501 id_number="$IDX" \
  birth_year=1880 phone=13800001111 special_needs="$NOTE500" tags+="$ELEM120" tags+=elderly
v resident add "${A[@]}" r-SH-00002 name="Li, \"Si\"" household=SH-C02-1-1-101 birth_year=2100
v resident set "${A[@]}" r-SH-00002 tags+=x # re-adding the same element: once in every view
v resident set "${A[@]}" r-SH-00002 tags+=x
v volunteer add "${A[@]}" SH-V01 name=张三 phone=139 grid=SH-G1 skills+=driver skills+=medic
v measures set "${A[@]}" SH-C02 publicity=yes closed=yes screening=yes disinfection=yes supply=yes \
  mobilisation=yes
v measures set "${A[@]}" SH-C01 publicity=no
v case open "${A[@]}" case-1 --resident r-SH-00001 --compound SH-C01 --category 密接 --start "$TODAY"
v case release "${A[@]}" case-1 --date "$TODAY"
v case open "${A[@]}" case-2 --resident r-SH-00001 --compound SH-C01 --category 确诊 --start "$TODAY"
for c in suspected fever; do
  v case open "${A[@]}" "case-$c" --resident r-SH-00002 --compound SH-C02 --category "$c" --start 2020-01-01
  v case release "${A[@]}" "case-$c" --date 2020-01-31
done
# item keys at their limit (64 bytes), order items at theirs (200 bytes)
IK1=$(printf 'a%.0s' {1..64}) IK2=$(printf 'b%.0s' {1..64}) IK3=$(printf 'c%.0s' {1..48})
ITEMS200="$IK1:999999999,$IK2:999999999,$IK3:1"
[[ ${#ITEMS200} -eq 200 ]] || die "ITEMS200 is ${#ITEMS200} bytes"
for k in "$IK1" "$IK2" "$IK3" rice_kg fish; do
  v supply item add "${A[@]}" "$k" name="$TEXT200" unit=斤斤斤斤斤 price_fen=1000000000 free=no
done
v supply stock in "${A[@]}" SH-stock "$IK1=1000000000" "$IK2=1000000000" "$IK3=2" source="$TEXT200" date=2020-01-01
v supply order add "${A[@]}" SH-go-1 household=SH-C01-3-2-501 items="$ITEMS200"
v supply order set "${A[@]}" SH-go-1 status=已送达
v supply proxy add "${A[@]}" SH-px-1 household=SH-C02-1-1-101 resident=r-SH-00002 items=降压药
v supply proxy set "${A[@]}" SH-px-1 status=bought
v declare "${A[@]}" SH-C02 --force --reason "$(printf 'r%.0s' {1..240})"
v supply stock in "${A[@]}" SH-stock rice_kg=1000000000 fish=2063 source=区物资站
v supply stock out "${A[@]}" SH-stock fish=1
v check health "${A[@]}" r-SH-00001 --temp 34.0 --cough
v check health "${A[@]}" r-SH-00002 --temp 43
v check gate "${A[@]}" SH-C01-gate --visitor "$VIS100" --direction 出 --temp 43.0 --purpose "$TEXT200"
v check gate "${A[@]}" "$KEY126" --person r-SH-00001 --direction in --temp 36.6 --purpose 买菜
v disinfect add "${A[@]}" SH-C01 area=楼道 team=老王 note="$NOTE500"
v supply relief add "${A[@]}" SH-C01-3-2-501 items=fish:1
v compound add "${A[@]}" SH-C09 name=错误
v compound void "${A[@]}" SH-C09 --reason "$TEXT200"
ok "records of every collection written at their limits"

# ---- export every collection, import them into b ----
ORDER=(compound grid household resident volunteer supply_item measures case_status group_order
  proxy_request declaration supply_stock stock_receipt gate_check health_check disinfection distribution voided)
mkdir "$T/csv"
for c in "${ORDER[@]}"; do
  v export-csv "${A[@]}" "$c" "$T/csv/$c.csv"
  [[ $(stat -c %a "$T/csv/$c.csv") == 600 ]] || die "export-csv $c: not mode 600"
  [[ $(wc -l <"$T/csv/$c.csv") -ge 2 ]] || die "export-csv $c wrote no row"
done
for c in "${ORDER[@]}"; do
  v import-csv --data "$T/b" "$c" "$T/csv/$c.csv"
done
ok "export-csv of every collection, import-csv of each into a fresh node"

# ---- b holds the same records, field for field ----
same() { # same COLLECTION [--scope S] for nodes $1 $2
  local x=$1 y=$2 c=$3
  shift 3
  "$LINLI" list --data "$T/$x" "$@" "$c" --json >"$T/l.$x" || die "list $c on $x"
  "$LINLI" list --data "$T/$y" "$@" "$c" --json >"$T/l.$y" || die "list $c on $y"
  python3 - "$T/l.$x" "$T/l.$y" "$c" <<'PY' || die "$c differs between $x and $y"
import json, sys
def norm(path):
    d = json.load(open(path))
    out = []
    for r in d:
        if "event" in r:  # a log: the key and the event, in time order
            out.append((r["key"], r["event"]))
        elif r["deleted"]:  # voided: not exported; its reason is in the voided log
            continue
        else:
            f = {k: v["value"] for k, v in r["fields"].items()}
            s = {k: sorted(v) for k, v in r["sets"].items()}
            assert all(len(v) == len(set(json.dumps(e) for e in v)) for v in r["sets"].values()), \
                "a set element listed twice: %r" % r["sets"]
            out.append((r["key"], r["deleted"], f, s, r["counters"]))
    return out
a, b, c = norm(sys.argv[1]), norm(sys.argv[2]), sys.argv[3]
if not a:
    sys.exit("no %s records at all" % c)
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print("a:", x, "\nb:", y, file=sys.stderr)
            break
    sys.exit("%s: %d vs %d" % (c, len(a), len(b)))
PY
}
for c in "${ORDER[@]}"; do same a b "$c"; done
same a b distribution
python3 - "$T/l.a" <<'PY' || die "the events of the hand-out log do not hold their values"
import json, sys
ev = json.load(open(sys.argv[1]))
assert [e["event"]["kind"] for e in ev] == ["group", "relief"], ev
PY
"$LINLI" list "${A[@]}" gate_check --json | grep -q '"direction":"out"' || die "出 was not stored as out"
"$LINLI" resident show --data "$T/b" r-SH-00001 --json | grep -q "\"id_number\":{\"value\":\"$IDX\"" ||
  die "the ID number with X did not come back"
ok "every record, set, counter and event of every collection comes back field for field"

# ---- the same through one .xlsx workbook (export-xlsx, read by openpyxl) ----
v export-xlsx "${A[@]}" "$T/all.xlsx" "${ORDER[@]}"
[[ $(stat -c %a "$T/all.xlsx") == 600 ]] || die "export-xlsx: not mode 600"
mkdir "$T/x"
# Each sheet back to CSV as a clerk's spreadsheet would save it: the Chinese
# header as it is, numbers as they read; the ID numbers must be text cells.
/usr/bin/python3 - "$T/all.xlsx" "$T/x" "$IDX" <<'PY' || die "the workbook is not what export-xlsx should write"
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
seen_id = False
for ws in wb.worksheets:
    coll = ws.title.split(" ")[-1]
    rows = list(ws.iter_rows(values_only=True))
    assert rows and all(isinstance(h, str) for h in rows[0]), (coll, rows[:1])
    for r in rows[1:]:
        for h, v in zip(rows[0], r):
            if h == "身份证号" and v is not None:
                assert isinstance(v, str), ("an ID number is not text", coll)
                seen_id |= v == sys.argv[3]
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    with open("%s/%s.csv" % (sys.argv[2], coll), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for r in rows:
            w.writerow([cell(v) for v in r])
assert seen_id, "the ID number with X is not in the resident sheet"
PY
"$LINLI" init --data "$T/c" --community shihua >/dev/null 2>&1
for c in "${ORDER[@]}"; do
  v import-csv --data "$T/c" "$c" "$T/x/$c.csv"
done
for c in "${ORDER[@]}"; do same a c "$c"; done
ok "export-xlsx of every collection (Chinese headers, ID numbers as text) re-imports field for field"

# ---- the hub-only collection between two hubs ----
for h in hub1 hub2; do
  "$LINLI" init --data "$T/$h" --community qiaokou --district qiaokou --hub self >/dev/null 2>&1
done
printf 'key,community,compound,declaration,date,status,reason\nshihua/SH-C02,shihua,SH-C02,%s,%s,已批准,"%s"\n' \
  "$TODAY" "$TODAY" "$(rep 理 106 ab)" >"$T/approval.csv"
v import-csv --data "$T/hub1" approval "$T/approval.csv"
v export-csv --data "$T/hub1" approval "$T/approval.out"
v import-csv --data "$T/hub2" approvals "$T/approval.out"
same hub1 hub2 approval --scope qiaokou
rc=0
"$LINLI" import-csv --data "$T/a" approval "$T/approval.csv" 2>"$T/err" >/dev/null || rc=$?
[[ $rc -eq 1 ]] && grep -q 'district scope' "$T/err" || die "a community node imported approvals: $rc $(cat "$T/err")"
ok "approvals round-trip between two hubs; a node without a district refuses them"

echo "roundtrip_test: $N passed, 0 failed"
