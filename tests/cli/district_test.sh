#!/usr/bin/env bash
# The district as its staff read it (issue 18), on the sample district with
# trust on, moved by files (no daemons): a hub and the nodes of shihua and
# chuanchang, enrolled by certificate files, with 60 days of sample records.
# Checked against hand counts of the sample (node/domain/sample.c: compound
# 1 of each community released 20 days ago, compound 2 released 10 days ago,
# compound 3 with a fever case open since 3 days ago, the last one missing
# its supply measure) for today and a past date, and the window figures
# against independent counts by linli check list; the states through
# declare -> approve -> late case -> withdrawn -> re-declared -> approved on
# the hub and on the community node; approvals --pending; report compound;
# the community rule (every compound certified, none of the three
# categories open) and villages.
set -u
LINLI=$1
T=$(mktemp -d /tmp/linli-district-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# the district's staff read Chinese: every report below is checked as they read it
export LINLI_LANG=zh-CN
PASS=0
trap 'rm -rf "$T"' EXIT
die() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() {
  PASS=$((PASS + 1))
  echo "ok $PASS - $*"
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $*: $(cat "$T/err")"; }
TODAY=$(TZ=Asia/Shanghai date +%F)
day() { TZ=Asia/Shanghai date -d "$TODAY $1 days" +%F; }

# ---- the hub and two communities, enrolled by files ----
"$LINLI" init --data "$T/hub" --community qiaokou --district qiaokou --hub self >"$T/hubkey" 2>/dev/null
HUB=$(cat "$T/hubkey")
printf 'scope shihua\nscope chuanchang\n' >>"$T/hub/linlid.conf"
for c in shihua chuanchang; do
  "$LINLI" init --data "$T/$c" --community "$c" --district qiaokou --hub "$HUB" >/dev/null 2>&1
  v enroll --data "$T/hub" "$T/$c/enroll-request.txt" --out "$T"
  v import-cert --data "$T/$c" "$T"/cert-$c-"$("$LINLI" pubkey --data "$T/$c" | cut -c1-8)".op
  v sample --data "$T/$c" "$T/$c.sample"
  v import --data "$T/$c" "$T/$c.sample"
done
# up: a community's ops to the hub; down: the district scope to a community
up() { v export --data "$T/$1" --scope "$1" "$T/up.b" && v import --data "$T/hub" "$T/up.b"; }
down() { v export --data "$T/hub" --scope qiaokou --to "$("$LINLI" pubkey --data "$T/$1")" "$T/down.b" && v import --data "$T/$1" "$T/down.b"; }
up shihua
up chuanchang
ok "hub, shihua and chuanchang enrolled by files; 60 days of sample records at the hub"

# ---- on the hub, a record's community is found from its key (no --scope) ----
v compound show SH-C01 --data "$T/hub"
grep -Eq '^SH-C01 +社区 community +shihua$' "$T/out" || die "hub: compound show without --scope: $(cat "$T/out")"
v get compound CC-C01 --data "$T/hub"
grep -Eq '^CC-C01 +社区 community +chuanchang$' "$T/out" || die "hub: get without --scope: $(cat "$T/out")"
v compound history CC-C01 --data "$T/hub"
grep -q 'chuanchang' "$T/out" || die "hub: history without --scope: $(cat "$T/out")"
v grid add ZZ-G1 compound=SH-C01 name=甲 --data "$T/shihua"
v grid add ZZ-G1 compound=CC-C01 name=乙 --data "$T/chuanchang"
up shihua
up chuanchang
if "$LINLI" grid show ZZ-G1 --data "$T/hub" >"$T/out" 2>"$T/err"; then die "a key two communities hold was shown"; fi
grep -q '2 个社区都有此键的 grid' "$T/err" || die "ambiguous key: $(cat "$T/err")"
v grid show ZZ-G1 --data "$T/hub" --scope chuanchang
grep -Eq '^ZZ-G1 +名称 name +乙$' "$T/out" || die "--scope still picks: $(cat "$T/out")"
ok "hub: show, get and history find the community from the key; a key two communities hold asks for --scope"

# ---- today: hand counts ----
v report --data "$T/hub" district --json
cp "$T/out" "$T/today.json"
json '
assert d["date"]=="'"$TODAY"'" and d["days"]==7, d["date"]
assert d["compounds"]==14, d["compounds"]                 # 8 + 6
assert d["compounds_meeting_rule"]==8, d["compounds_meeting_rule"]   # 5 + 3
assert d["compounds_certified"]==0 and d["states"]=={"certified":0,"withdrawn":0,"pending":0,"rejected":0,"eligible":8,"not_eligible":6}, d["states"]
assert d["communities"]==2 and d["communities_epidemic_free"]==0
assert d["households"]==1677+1240 and d["residents"]==3680+2710, (d["households"], d["residents"])
assert d["open_confirmed"]==0 and d["open_three"]==2, d["open_three"]     # a fever case each
assert d["heard_from"]=={"1":2,"7":2}, d["heard_from"]
r={x["community"]:x for x in d["rows"]}
assert r["shihua"]["name"]=="石化社区" and r["chuanchang"]["name"]=="船厂社区"
assert r["shihua"]["open"]=={"confirmed":0,"suspected":0,"fever":1,"close_contact":0}
s={(c["community"],c["compound"]):c for c in d["compound_states"]}
assert s[("shihua","SH-C01")]["state"]=="eligible" and s[("shihua","SH-C01")]["name"]=="石化小区"
assert s[("shihua","SH-C02")]["state"]=="not_eligible" and "距今 10 天（需满 14 天）" in s[("shihua","SH-C02")]["reason"]
assert s[("shihua","SH-C03")]["state"]=="not_eligible" and "发热 1 例" in s[("shihua","SH-C03")]["reason"]
assert s[("shihua","SH-C08")]["state"]=="not_eligible" and "缺少措施： 保障到位" in s[("shihua","SH-C08")]["reason"]
' <"$T/out" || die "today's district report: $(head -c 600 "$T/out")"
ok "today: 14 compounds, 8 meeting the rule, none certified, households and residents, open cases"

# the windows, against counts by another path (linli check list reads the logs by date)
W7=$(day -6)
for c in shihua chuanchang; do
  "$LINLI" check list health --data "$T/$c" --since "$W7" --until "$TODAY" --json >"$T/h7" || die "check list"
  "$LINLI" check list health --data "$T/$c" --since "$W7" --until "$TODAY" --fever --json >"$T/f7" || die "check list --fever"
  "$LINLI" check list gate --data "$T/$c" --since "$W7" --until "$TODAY" --json >"$T/g7" || die "check list gate"
  "$LINLI" check list health --data "$T/$c" --date "$(day -1)" --json >"$T/h1" || die "check list --date"
  H7=$(json 'print(len(d))' <"$T/h7") F7=$(json 'print(len(d))' <"$T/f7") G7=$(json 'print(len(d))' <"$T/g7")
  H1=$(json 'print(len(d))' <"$T/h1")
  [[ $H7 -gt 0 && $G7 -gt 0 && $H1 -gt 0 ]] || die "no checks in the sample's last 7 days"
  json 'r=[x for x in d["rows"] if x["community"]=="'$c'"][0]; w=r["windows"]
assert w[0]["days"]==1 and w[1]["days"]==7 and w[1]["from"]=="'"$W7"'" and w[1]["to"]=="'"$TODAY"'"
assert w[1]["health_checks"]=='"$H7"' and w[1]["fevers"]=='"$F7"' and w[1]["gate_checks"]=='"$G7"', w' <"$T/today.json" ||
    die "7-day window of $c: $H7 checks, $F7 fevers, $G7 gate checks by check list; report: $(cat "$T/today.json" | head -c 300)"
  # yesterday's one-day window is the sample's last day
  v report --data "$T/hub" community "$(day -1)" --scope "$c" --days 1 --json
  json 'w=d["rows"][0]["windows"]; assert w[0]["health_checks"]=='"$H1"' and w[1]["days"]==1, w' <"$T/out" ||
    die "1-day window of $c on $(day -1)"
done
ok "1- and 7-day windows of checks, fevers and gate checks = linli check list's counts"

# ---- a past date: 3 days ago ----
# the fever cases opened 3 days ago; compound 2's confirmed case was released
# 10 days ago (7 before that date); every record was typed in today (the
# sample's ops are stamped now), so none was registered by the end of it
v report --data "$T/hub" district "$(day -3)" --json
json '
assert d["date"]=="'"$(day -3)"'"
assert d["compounds_meeting_rule"]==8 and d["open_three"]==2, (d["compounds_meeting_rule"], d["open_three"])
assert d["households"]==0 and d["residents"]==0, (d["households"], d["residents"])
assert d["heard_from"]=={"1":0,"7":0}, d["heard_from"]
' <"$T/out" || die "report for 3 days ago: $(head -c 400 "$T/out")"
v report --data "$T/hub" district "$(day -4)" --json
json 'assert d["compounds_meeting_rule"]==10 and d["open_three"]==0, d["compounds_meeting_rule"]' <"$T/out" ||
  die "report for 4 days ago: compound 3 had no fever case yet"
v report --data "$T/hub" district "$(day -3)"
grep -q '完整性：近 1 日有数据的社区 0 / 2；近 7 日 0 / 2；无新数据：shihua 从未收到，chuanchang 从未收到' "$T/out" ||
  die "silent communities on a past date: $(grep 完整性 "$T/out")"
ok "a past date: the rule on that date, nothing registered or heard by its end (ops stamped today)"

# ---- declare -> approve -> late case -> withdrawn -> re-declared -> approved ----
v declare --data "$T/shihua" SH-C01
up shihua
v approvals --data "$T/hub" --pending
grep -Eq '^shihua +SH-C01 +石化小区 +'"$TODAY"' +— +待审批 ' "$T/out" || die "approvals --pending: $(cat "$T/out")"
v approve --data "$T/hub" shihua SH-C01
v approvals --data "$T/hub" --pending
grep -q '没有待审批的申报' "$T/out" || die "still pending after approval"
down shihua
for n in hub shihua; do
  v certifications --data "$T/$n" --json
  json 'assert [(c["compound"],c["state"]) for c in d["compounds"]]==[("SH-C01","certified")], d' <"$T/out" ||
    die "not certified on $n: $(cat "$T/out")"
done
v report --data "$T/hub" district
grep -q '无疫情小区（已认定）：1 / 14（7.1 %）；已撤销 0 · 待审批 0 · 已驳回 0 · 符合条件 7 · 不符合条件 6' "$T/out" ||
  die "headline after the approval: $(sed -n 2p "$T/out")"
# the approval is not known the day before it
v report --data "$T/hub" district "$(day -1)" --json
json 'assert d["compounds_certified"]==0, d["states"]' <"$T/out" || die "an approval of today counted yesterday"
ok "declared on shihua, pending at the hub, approved, certified on both nodes (not the day before)"

# a confirmed case on shihua in SH-C01, known to the hub only by file
v case --data "$T/shihua" open case-late --resident r-SH-00001 --compound SH-C01 --category confirmed --start "$TODAY"
v certifications --data "$T/hub"
grep -Eq '^shihua +SH-C01 .* 已认定' "$T/out" || die "the hub withdrew before the case arrived"
up shihua
for n in hub shihua; do
  v certifications --data "$T/$n"
  grep -Eq '^shihua +SH-C01 +石化小区 +'"$TODAY"' +'"$TODAY"' +已撤销 +小区 SH-C01 于 '"$TODAY"' 不符合无疫情条件：尚有 1 例确诊未解除' "$T/out" ||
    die "not withdrawn on $n: $(cat "$T/out")"
done
v report --data "$T/hub" district --json
json 'assert d["states"]["withdrawn"]==1 and d["compounds_certified"]==0' <"$T/out" || die "report: withdrawn"
ok "a late confirmed case withdraws SH-C01 on the hub and on shihua, with the reason"

# released; re-declared 14 days on is a past date no node may write, so the
# re-declaration is checked on a compound whose rule holds: SH-C04
v declare --data "$T/shihua" SH-C04
up shihua
v reject --data "$T/hub" shihua SH-C04 --reason "卡口值守不到位"
down shihua
v approvals --data "$T/shihua"
grep -Eq '^shihua +SH-C04 .* 已驳回 +卡口值守不到位$' "$T/out" || die "rejected with the hub's reason: $(cat "$T/out")"
v declare --data "$T/shihua" SH-C04 # again: pending, until decided again
up shihua
v approvals --data "$T/hub" --pending --json
json 'assert [(c["compound"],c["state"]) for c in d["compounds"]]==[("SH-C04","pending")], d' <"$T/out" ||
  die "re-declared after a rejection is not pending: $(cat "$T/out")"
v approve --data "$T/hub" shihua SH-C04
v approvals --data "$T/hub" --json
json 's={c["compound"]:c["state"] for c in d["compounds"]}; assert s=={"SH-C01":"withdrawn","SH-C04":"certified"}, s' <"$T/out" ||
  die "after the second decision: $(cat "$T/out")"
ok "rejected with the hub's reason, re-declared (pending), approved (certified)"

v report --data "$T/hub" compound SH-C01
grep -q '^小区 SH-C01 石化小区（社区 shihua）· '"$TODAY"'：已撤销 — 小区 SH-C01 于 '"$TODAY"' 不符合无疫情条件' "$T/out" || die "report compound: $(cat "$T/out")"
grep -Eq ' 申报 +'"$TODAY"' ' "$T/out" && grep -Eq ' 批准 +'"$TODAY"' ' "$T/out" &&
  grep -Eq '^（按规则） +撤销 +'"$TODAY"' 小区 SH-C01 于 '"$TODAY"' 不符合无疫情条件：尚有 1 例确诊' "$T/out" ||
  die "report compound history: $(cat "$T/out")"
v report --data "$T/hub" compound SH-C04 --json
json 'e=[h["event"] for h in d["history"]]; assert e==["declared","rejected","declared","approved"], e' <"$T/out" ||
  die "SH-C04's history: $(cat "$T/out")"
ok "report compound: the state and the history of declarations and decisions"

# ---- the community rule; villages ----
# chuanchang has compounds that are not certified: not epidemic-free; with
# those voided and the rest certified, only its open fever case keeps it
# from being one; released, it is (and, of kind village, a village too)
v report --data "$T/hub" district --json
json 'r=[x for x in d["rows"] if x["community"]=="chuanchang"][0]; assert r["compounds"]==6 and not r["epidemic_free"]' <"$T/out" ||
  die "chuanchang free with compounds not certified"
v community set --data "$T/chuanchang" chuanchang kind=village
for cc in CC-C02 CC-C03 CC-C06; do v compound void --data "$T/chuanchang" $cc --reason "test"; done
for cc in CC-C01 CC-C04 CC-C05; do v declare --data "$T/chuanchang" $cc; done
up chuanchang
for cc in CC-C01 CC-C04 CC-C05; do v approve --data "$T/hub" chuanchang $cc; done
v report --data "$T/hub" district --json
json 'r=[x for x in d["rows"] if x["community"]=="chuanchang"][0]
assert r["kind"]=="village" and r["compounds"]==3 and r["certified"]==3, r
assert r["epidemic_free"] is False and r["open"]["fever"]==1, r   # the fever case of CC-C03 is still open
assert d["villages"]==1 and d["villages_epidemic_free"]==0' <"$T/out" || die "a fever case open in the village: $(head -c 500 "$T/out")"
v case --data "$T/chuanchang" release case-CC-03 --date "$TODAY"
up chuanchang
v report --data "$T/hub" district --json
json 'assert d["communities_epidemic_free"]==1 and d["villages_epidemic_free"]==1 and d["communities"]==2, d' <"$T/out" ||
  die "every compound certified, no case open: not epidemic-free: $(head -c 500 "$T/out")"
v report --data "$T/hub" district
grep -q '^无疫情社区：1 / 2（50.0 %）；其中村：1 / 1$' "$T/out" || die "community headline: $(cat "$T/out" | head -5)"
ok "a community (here a village) is epidemic-free only when every compound is certified and no case of the three categories is open"

# ---- published rounds ----
rc=0
"$LINLI" publish --data "$T/shihua" >/dev/null 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q '不是枢纽节点' "$T/err" || die "a community node published a round: $(cat "$T/err")"
v rounds --data "$T/hub"
grep -q '尚未公示' "$T/out" || die "rounds before any: $(cat "$T/out")"
# certified now: SH-C04, CC-C01, CC-C04, CC-C05 (SH-C01 withdrawn); chuanchang (a village) is free
v publish --data "$T/hub"
grep -q '^第 1 轮无疫情名单（截至 '"$TODAY"'）：无疫情小区 4 / 11（36.4 %），无疫情社区 1 / 2，其中村 1 / 1；撤销 0$' "$T/out" ||
  die "round 1: $(cat "$T/out")"
v rounds show 1 --data "$T/hub" --json
json 'e={(x["kind"],x["community"],x["compound"]):x for x in d["entries"]}
assert set(e)=={("compound","shihua","SH-C04"),("compound","chuanchang","CC-C01"),("compound","chuanchang","CC-C04"),("compound","chuanchang","CC-C05"),("village","chuanchang","")}, set(e)
assert e[("compound","shihua","SH-C04")]["name"]=="临江苑" and e[("compound","shihua","SH-C04")]["since"]=="'"$TODAY"'"
assert all(x["status"]=="listed" for x in d["entries"])
assert d["round"]["compounds"]=="4/11" and d["round"]["communities"]=="1/2" and d["round"]["villages"]=="1/1"' <"$T/out" ||
  die "round 1 entries: $(cat "$T/out")"
ok "publish writes round 1 on the hub only: certified compounds and the village, with names and counts"

# a late fever case in SH-C04: round 1 shows it withdrawn since; round 2 lists it withdrawn
v case --data "$T/shihua" open case-late2 --resident r-SH-00002 --compound SH-C04 --category fever --start "$TODAY" --force
up shihua
v rounds show 1 --data "$T/hub"
grep -Eq '^shihua +SH-C04 +临江苑 +'"$TODAY"' +'"$TODAY"' 起已撤销：小区 SH-C04 于 [0-9-]+ 不符合无疫情条件' "$T/out" ||
  die "round 1 does not mark SH-C04 withdrawn since: $(cat "$T/out")"
v publish --data "$T/hub"
grep -q '^第 2 轮无疫情名单.*无疫情小区 3 / 11（27.3 %）.*撤销 1$' "$T/out" || die "round 2: $(cat "$T/out")"
v rounds show 2 --data "$T/hub" --json
json 'e={x["compound"]:x for x in d["entries"] if x["kind"]=="compound"}
assert e["SH-C04"]["status"]=="withdrawn" and "发热 1 例" in e["SH-C04"]["reason"], e["SH-C04"]
assert e["CC-C01"]["status"]=="listed" and e["CC-C01"]["since"]=="'"$TODAY"'"' <"$T/out" || die "round 2 entries: $(cat "$T/out")"
v rounds show 2 --data "$T/hub" --html "$T/round2.html"
grep -q '<h1>qiaokou 第2轮无疫情小区、社区、村名单</h1>' "$T/round2.html" && grep -q '本轮撤销：小区 SH-C04' "$T/round2.html" &&
  ! grep -q 'r-SH-' "$T/round2.html" || die "round 2 as HTML"
ok "a compound withdrawn after round 1 is marked in round 1's list and withdrawn in round 2, with the reason"

# the rounds reach the community nodes with the district scope; a community cannot forge one
down shihua
v rounds --data "$T/shihua" --json
json 'assert [r["round"] for r in d]==[1,2] and d[1]["withdrawn"]==1, d' <"$T/out" || die "rounds on shihua: $(cat "$T/out")"
rc=0
"$LINLI" put --data "$T/shihua" --scope qiaokou round 0003 number=3 date="$TODAY" compounds=11/11 \
  communities=2/2 villages=1/1 >/dev/null 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] && grep -q '作者无权写入该范围' "$T/err" || die "a community node wrote a round: $(cat "$T/err")"
v rounds --data "$T/shihua" --json
json 'assert len(d)==2' <"$T/out" || die "a forged round is listed"
ok "every node lists the hub's rounds; a community node cannot write one"

# ---- a past date behind a newer decision ----
# SH-C05 declared and approved 5 days ago, declared and approved again today:
# the registers keep today's writes, and the report for 2 days ago finds the
# decision that stood then among the records' ops
D5=$(day -5)
v declare --data "$T/shihua" SH-C05 --date "$D5"
up shihua
v approve --data "$T/hub" shihua SH-C05 --date "$D5"
v declare --data "$T/shihua" SH-C05
up shihua
v approvals --data "$T/hub" --pending --json
json 'assert [c["compound"] for c in d["compounds"]]==["SH-C05"], d' <"$T/out" || die "SH-C05 re-declared is not pending"
v approve --data "$T/hub" shihua SH-C05
for dd in "$(day -6)=eligible" "$D5=certified" "$(day -2)=certified" "$TODAY=certified"; do
  v report --data "$T/hub" community "${dd%=*}" --scope shihua --json
  json 's={c["compound"]:c for c in d["compound_states"]}["SH-C05"]; assert s["state"]=="'"${dd#*=}"'", (s, "'"$dd"'")' <"$T/out" ||
    die "SH-C05 on ${dd%=*}: $(cat "$T/out" | head -c 300)"
done
v report --data "$T/hub" compound SH-C05 "$(day -2)" --json
json 'assert d["state"]["state"]=="certified" and d["state"]["decided"]=="'"$D5"'", d["state"]' <"$T/out" ||
  die "report compound SH-C05 two days ago: $(cat "$T/out")"
# approvals and the published list on a past date read the records as they stood then
v approvals --data "$T/hub" --date "$(day -2)" --json
json 's={c["compound"]:c for c in d["compounds"]}["SH-C05"]; assert s["state"]=="certified" and s["decided"]=="'"$D5"'", s' <"$T/out" ||
  die "approvals two days ago: $(head -c 600 "$T/out")"
v approvals --data "$T/hub" --date "$(day -6)" --json
json 'assert "SH-C05" not in [c["compound"] for c in d["compounds"]], d' <"$T/out" ||
  die "approvals six days ago list SH-C05: $(head -c 600 "$T/out")"
v publish --data "$T/hub" --date "$(day -2)"
v rounds show 3 --data "$T/hub" --json
json 'assert d["round"]["date"]=="'"$(day -2)"'" and "SH-C05" in [x["compound"] for x in d["entries"] if x["status"]=="listed"], d' <"$T/out" ||
  die "round 3 for two days ago: $(python3 -c "import json,sys; d=json.load(sys.stdin); print([(x.get(\"status\"),x.get(\"compound\")) for x in d[\"entries\"]])" <"$T/out")"
ok "a past date: the decision that stood then, though the register now holds a newer one"

echo "district_test: $PASS passed, 0 failed"
