#!/usr/bin/env bash
# Staff find, read, correct and remove what they recorded (issue 17), on
# real linli/linlid processes with the sample community 石化社区:
#   - every list and filter against a count made here from the raw records
#     (linli list COLLECTION --json, read by python): check list by date,
#     --fever, --compound, --grid; case list --open/--closed/--category/
#     --due-by; supply list --household/--kind/--since; disinfect list --date;
#     --where, --sort, --limit;
#   - find by name, by phone digits typed with spaces, by ID number, by
#     household code, each saying where the match lives;
#   - today on a grid against the records, and today --html rendered in
#     headless Chromium to a PNG whose text (read back from the DOM) holds
#     the same figures;
#   - void, move, clear and history on node a while node b is cut off and
#     writes too; after the heal both nodes hold the same records;
#   - every check that stops wrong data refused, then let through with
#     --force where a clerk may override it; set elements listed once.
#
#   staff_test.sh LINLI LINLID
set -euo pipefail

LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-staff-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
declare -A DAEMON
N=0
die() {
  printf 'FAIL: %s\n' "$*" >&2
  for f in "$T"/*.log; do [[ -f $f ]] && { echo "-- $f"; tail -n 20 "$f"; }; done
  exit 1
}
ok() {
  N=$((N + 1))
  echo "ok $N - $*"
}
finish() {
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
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $* exited $?: $(cat "$T/err")"; }
refuse() { # refuse CODE TEXT ARGS...
  local code=$1 text=$2 rc=0
  shift 2
  "$LINLI" "$@" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -eq $code ]] || die "linli $*: exit $rc, not $code ($(cat "$T/err"))"
  grep -qF -- "$text" "$T/err" || die "linli $*: '$text' not in: $(cat "$T/err")"
}
count() { tail -1 "$T/out" | awk '{print $1}'; } # "N things in community X"
py() { python3 -c "$1" "${@:2}"; }

TODAY=$(TZ=Asia/Shanghai date +%F)
PA=$(open_port)
PB=$(open_port)
while [[ $PB == "$PA" ]]; do PB=$(open_port); done
KA=$("$LINLI" init --data "$T/a" --community shihua --listen "tcp://127.0.0.1:$PA" 2>/dev/null)
KB=$("$LINLI" init --data "$T/b" --community shihua --listen "tcp://127.0.0.1:$PB" --join 2>/dev/null)
printf 'peer a tcp://127.0.0.1:%s %s\nsync_interval_ms 300\n' "$PA" "$KA" >>"$T/b/linlid.conf"
printf 'allow b %s\nsync_interval_ms 300\n' "$KB" >>"$T/a/linlid.conf"
A=(--data "$T/a")
v sample "${A[@]}" --days 20 "$T/sh.bundle"
v import "${A[@]}" "$T/sh.bundle"
v key grant "${A[@]}" "$KB" # b is the office's second node: it reads what a seals

# ---- the raw records, for the counts made here ----
for c in resident household compound case_status; do "$LINLI" list "${A[@]}" "$c" --json >"$T/$c.json"; done
for c in health_check distribution disinfection gate_check; do
  "$LINLI" list "${A[@]}" "$c" --json >"$T/$c.json"
done
DAY=$(py 'import json,sys; ev=json.load(open(sys.argv[1])); print(sorted({e["event"]["date"] for e in ev})[-2])' "$T/health_check.json")
cat >"$T/count.py" <<'PY'
import json, sys
T, what = sys.argv[1], sys.argv[2]
def load(c): return json.load(open("%s/%s.json" % (T, c)))
def val(r, f):
    v = r["fields"].get(f)
    return v["value"] if v else None
res = {r["key"]: r for r in load("resident") if not r["deleted"]}
hh = {r["key"]: r for r in load("household") if not r["deleted"]}
def place(resident):
    h = hh.get(val(res[resident], "household")) if resident in res else None
    return (val(h, "compound"), val(h, "grid")) if h else (None, None)
args = sys.argv[3:]
if what == "checks":        # DAY [fever] [compound C] [grid G]
    day, rest = args[0], args[1:]
    n = 0
    for e in load("health_check"):
        ev = e["event"]
        if ev.get("date") != day: continue
        if "fever" in rest and ev.get("temp_dc", 0) < 373: continue
        c, g = place(e["key"])
        if "compound" in rest and c != rest[rest.index("compound") + 1]: continue
        if "grid" in rest and g != rest[rest.index("grid") + 1]: continue
        n += 1
    print(n)
elif what == "cases":       # DAY open|closed [category C]
    day, state, rest = args[0], args[1], args[2:]
    n = 0
    for r in load("case_status"):
        if r["deleted"]: continue
        s, rel, cat = val(r, "start_date"), val(r, "release_date"), val(r, "category")
        if "category" in rest and cat != rest[1]: continue
        if state == "open" and s and s <= day and (not rel or rel > day): n += 1
        if state == "closed" and rel and rel <= day: n += 1
    print(n)
elif what == "handouts":    # HOUSEHOLD|- KIND|- SINCE|-
    h, k, since = args
    print(sum(1 for e in load("distribution")
              if (h == "-" or e["key"] == h) and (k == "-" or e["event"]["kind"] == k)
              and (since == "-" or e["event"]["date"] >= since)))
elif what == "disinfected": # DAY
    print(sum(1 for e in load("disinfection") if e["event"]["date"] == args[0]))
elif what == "grid-residents": # GRID
    print(sum(1 for k in res if place(k)[1] == args[0]))
elif what == "grid-checked":   # GRID DAY: residents of the grid checked that day
    print(len({e["key"] for e in load("health_check") if e["event"].get("date") == args[1]
               and e["key"] in res and place(e["key"])[1] == args[0]}))
elif what == "born-since":     # YEAR
    print(sum(1 for r in res.values() if (val(r, "birth_year") or 0) >= int(args[0])))
PY
cnt() { python3 "$T/count.py" "$T" "$@"; }

# ---- lists and filters against the counts ----
v check list "${A[@]}" health --date "$DAY"
[[ $(count) -eq $(cnt checks "$DAY") && $(count) -gt 0 ]] || die "check list --date: $(count) vs $(cnt checks "$DAY")"
v check list "${A[@]}" --date "$DAY" --fever --json
[[ $(py 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/out") -eq $(cnt checks "$DAY" fever) ]] ||
  die "check list --fever"
py 'import json,sys; d=json.load(open(sys.argv[1])); assert all(e["event"]["temp_dc"]>=373 for e in d)' "$T/out" ||
  die "a check under 37.3 listed as a fever"
v check list "${A[@]}" --date "$DAY" --compound SH-C02
[[ $(count) -eq $(cnt checks "$DAY" compound SH-C02) ]] || die "check list --compound"
v check list "${A[@]}" --date "$DAY" --grid SH-G3
[[ $(count) -eq $(cnt checks "$DAY" grid SH-G3) ]] || die "check list --grid"
v case list "${A[@]}" --open
[[ $(count) -eq $(cnt cases "$TODAY" open) ]] || die "case list --open: $(count)"
v case list "${A[@]}" --closed
[[ $(count) -eq $(cnt cases "$TODAY" closed) && $(count) -gt 0 ]] || die "case list --closed"
v case list "${A[@]}" --open --category 发热
[[ $(count) -eq $(cnt cases "$TODAY" open category fever) ]] || die "case list --category 发热"
SOMEHH=$(py 'import json,sys; print(json.load(open(sys.argv[1]))[0]["key"])' "$T/distribution.json")
v supply list "${A[@]}" --household "$SOMEHH"
[[ $(count) -eq $(cnt handouts "$SOMEHH" - -) ]] || die "supply list --household"
v supply list "${A[@]}" --kind relief --since "$DAY"
[[ $(count) -eq $(cnt handouts - relief "$DAY") ]] || die "supply list --kind --since"
v disinfect list "${A[@]}" --date "$DAY"
[[ $(count) -eq $(cnt disinfected "$DAY") && $(count) -gt 0 ]] || die "disinfect list --date"
v resident list "${A[@]}" --where birth_year\>=2000 --sort birth_year --desc --limit 5 --json
py 'import json,sys; d=json.load(open(sys.argv[1])); y=[r["fields"]["birth_year"]["value"] for r in d]
assert len(d)==min(5,int(sys.argv[2])) and y==sorted(y,reverse=True) and all(x>=2000 for x in y), y' \
  "$T/out" "$(cnt born-since 2000)" || die "--where --sort --desc --limit"
v resident list "${A[@]}" --where name~王 --limit 3
[[ $(count) -le 3 && $(grep -c 王 "$T/out") -ge 1 ]] || die "--where name~"
refuse 2 'a resident has no field nmae' resident list "${A[@]}" --where nmae=x
refuse 2 'takes a year' resident list "${A[@]}" --where birth_year=old
ok "every list and filter matches the count made from the raw records"

# ---- find ----
read -r RK RNAME RPHONE RID RHH <<<"$(py 'import json,sys
for r in json.load(open(sys.argv[1])):
    f=r["fields"]
    if "phone" in f and "id_number" in f:
        print(r["key"], f["name"]["value"], f["phone"]["value"], f["id_number"]["value"], f["household"]["value"]); break' "$T/resident.json")"
SPACED="${RPHONE:0:3} ${RPHONE:3:4} ${RPHONE:7}"
for q in "$RNAME" "$SPACED" "$RID"; do
  v find "${A[@]}" "$q"
  grep -q "^resident  $RK .*household $RHH" "$T/out" || die "find '$q' does not find $RK in $RHH: $(head -3 "$T/out")"
done
grep -q '(ID number)' "$T/out" || die "find does not say what matched"
v find "${A[@]}" "$RHH" --json
py 'import json,sys; d=json.load(open(sys.argv[1])); assert any(m["collection"]=="household" and m["key"]==sys.argv[2] and m["compound"]==sys.argv[2][:6] for m in d), d' "$T/out" "$RHH" ||
  die "find by household code"
rc=0
"$LINLI" find "${A[@]}" 没有这个人 >"$T/out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] && grep -q '^0 matches$' "$T/out" || die "find of nobody: exit $rc"
ok "find by name, phone digits typed with spaces, ID number and household code, with where each lives"

# ---- today ----
v today "${A[@]}" --grid SH-G3 --date "$DAY"
UNCHECKED=$(awk '/^== Residents not checked/{f=1;next} /^==/{f=0} f && /^   r-/{n++} END{print n+0}' "$T/out")
[[ $UNCHECKED -eq $(($(cnt grid-residents SH-G3) - $(cnt grid-checked SH-G3 "$DAY"))) ]] ||
  die "today: $UNCHECKED not checked, want $(($(cnt grid-residents SH-G3) - $(cnt grid-checked SH-G3 "$DAY")))"
grep -q '^== Epidemic-free verdict per compound' "$T/out" && grep -q 'SH-C08 .*measures missing: supply' "$T/out" ||
  die "today: the verdicts"
LINLI_LANG=zh-CN v today "${A[@]}" --grid SH-G3 --date "$DAY"
grep -qx '== 今日未测体温的居民' "$T/out" && ! grep -q '^== Residents' "$T/out" ||
  die "today in Chinese: each section's title once, in Chinese: $(grep '^==' "$T/out")"
v today "${A[@]}" --grid SH-G3 --date "$DAY" --html "$T/sheet.html"
[[ $(stat -c %a "$T/sheet.html") == 600 ]] || die "the sheet is not mode 600"
! grep -Eq 'src=|href=|@import|url\(' "$T/sheet.html" || die "the sheet fetches a resource"
/usr/bin/python3 - "$T/sheet.html" "$T/sheet.png" "$UNCHECKED" <<'PY' || die "the sheet in Chromium" # Debian's python3-selenium
import sys
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
o = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=794,1123",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--no-first-run", "--disable-quic"):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.get("file://" + sys.argv[1])
    rows = d.find_elements(By.CSS_SELECTOR, 'table[data-section="1"] tr')
    assert len(rows) == int(sys.argv[3]), (len(rows), sys.argv[3])
    text = d.find_element(By.TAG_NAME, "body").text
    assert "今日未测体温的居民" in text and "measures missing: supply" in text
    d.save_screenshot(sys.argv[2])
finally:
    d.quit()
PY
[[ -s $T/sheet.png ]] || die "no screenshot"
mkdir -p "${LINLI_TEST_OUT:-/tmp}" && cp "$T/sheet.png" "${LINLI_TEST_OUT:-/tmp}/today-sheet.png"
ok "today on a grid matches the records; its printable page renders in Chromium with the same figures"

# ---- corrections during a partition, then the heal ----
up a
up b
same() { [[ $("$LINLI" digest --data "$T/b" --scope shihua) == $("$LINLI" digest --data "$T/a" --scope shihua) ]]; }
for _ in $(seq 300); do same && break || sleep 0.2; done
same || die "b did not sync the sample from a"
# b's linlid takes the grant that reached it, without a linli key call
for _ in $(seq 50); do grep -q "key taken epochs=1" "$T/b.log" && break || sleep 0.1; done
grep -q "key taken epochs=1" "$T/b.log" || die "b's linlid did not take the key a granted: $(tail -5 "$T/b.log")"
v key status --data "$T/b" --json
grep -q '"sealing_epoch":1' "$T/out" || die "b's key file after linlid took the grant: $(cat "$T/out")"
down b
MOVER=$(py 'import json,sys; print([r["key"] for r in json.load(open(sys.argv[1])) if not r["deleted"]][10])' "$T/resident.json")
OTHERHH=SH-C08-1-1-204
v resident move "${A[@]}" "$MOVER" --household "$OTHERHH"
v resident set "${A[@]}" "$MOVER" --clear phone
v resident void "${A[@]}" "$RK" --reason "registered twice"
"$LINLI" resident show --data "$T/b" "$RK" >/dev/null 2>&1 || die "b lost the resident before the heal"
v resident set --data "$T/b" "$MOVER" special_needs=轮椅 # b writes too, while cut off
up b
for _ in $(seq 300); do same && break || sleep 0.2; done
same || die "a and b differ after the heal"
for n in a b; do
  v resident show --data "$T/$n" "$MOVER" --json
  py 'import json,sys; d=json.load(open(sys.argv[1])); f=d["fields"]
assert f["household"]["value"]==sys.argv[2] and f["phone"]["value"] is None and f["special_needs"]["value"]=="轮椅", f' "$T/out" "$OTHERHH" ||
    die "the move, the clear or b's write is not on $n"
  v household show --data "$T/$n" "$OTHERHH" --json
  grep -q "\"$MOVER\"" "$T/out" || die "$MOVER is not a member of $OTHERHH on $n"
  refuse 1 'is not in community' resident show --data "$T/$n" "$RK"
  v resident list --data "$T/$n" --voided
  grep -q "^$RK " "$T/out" || die "the voided resident is not listed with --voided on $n"
  v resident history --data "$T/$n" "$MOVER"
  grep -q "household .* -> $OTHERHH" "$T/out" && grep -q 'phone .* -> (cleared)' "$T/out" ||
    die "history on $n: $(cat "$T/out")"
  v resident history --data "$T/$n" "$RK"
  grep -q 'voided: registered twice' "$T/out" || die "the void's reason is not in the history on $n"
done
ok "void, move, clear and history during a partition; both nodes converge on the corrections"

# ---- checks that stop wrong data, and --force ----
OTHER=$(py 'import json,sys; print([r["key"] for r in json.load(open(sys.argv[1])) if not r["deleted"] and r["key"]!=sys.argv[2]][20])' "$T/resident.json" "$RK")
OTHERID=$(py 'import json,sys; print([r for r in json.load(open(sys.argv[1])) if r["key"]==sys.argv[2]][0]["fields"]["id_number"]["value"])' "$T/resident.json" "$OTHER")
refuse 1 "that ID number is registered already, to resident $OTHER" \
  resident add "${A[@]}" r-new-1 name=新人 household="$OTHERHH" id_number="$OTHERID"
v resident add "${A[@]}" r-new-1 name=新人 household="$OTHERHH" id_number="$OTHERID" --force
v resident add "${A[@]}" r-new-2 name=同名 phone="139 1111 2222" household="$OTHERHH"
refuse 1 'a resident of the same name and phone is registered already: resident r-new-2' \
  resident add "${A[@]}" r-new-3 name=同名 phone=13911112222 household="$OTHERHH"
refuse 1 'has no building-unit-room' household add "${A[@]}" SH-C01-501 compound=SH-C01
v household add "${A[@]}" SH-C01-501 compound=SH-C01 --force
refuse 1 'is not a registered gate' check gate "${A[@]}" SH-C01-back --person "$OTHER" --direction in --temp 36.5 --purpose x
RCOMP=$(py 'import json,sys; h={r["key"]:r for r in json.load(open(sys.argv[1]))}; print(h[sys.argv[2]]["fields"]["compound"]["value"])' "$T/household.json" "$OTHERHH")
WRONG=SH-C01
[[ $RCOMP == SH-C01 ]] && WRONG=SH-C02
refuse 1 "resident r-new-2 lives in compound $RCOMP, not in $WRONG" \
  case open "${A[@]}" case-x --resident r-new-2 --compound "$WRONG" --category fever --start "$TODAY"
v case open "${A[@]}" case-x --resident r-new-2 --compound "$RCOMP" --category fever --start "$TODAY"
refuse 1 'is not a member of that household' supply proxy add "${A[@]}" SH-px-9 household=SH-C01-1-1-101 resident=r-new-2 items=药
refuse 1 'it cannot be released before' case release "${A[@]}" case-x --date 2020-01-01
v case release "${A[@]}" case-x --date "$TODAY"
refuse 1 'was released on' case release "${A[@]}" case-x --date "$TODAY"
for i in 1 2; do v resident set "${A[@]}" r-new-2 tags+=同 tags+=同; done
v resident show "${A[@]}" r-new-2 --json
py 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sets"]["tags"]==["同"], d["sets"]' "$T/out" ||
  die "a set element is listed more than once"
ok "duplicate ID and person, a household without its room, an unknown gate, a case in another compound, a proxy for another household, bad releases: refused, and --force where a clerk may"

down a
down b
echo "staff_test: $N passed, 0 failed"
