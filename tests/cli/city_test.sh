#!/usr/bin/env bash
# The city above the districts (issue 18 item 5), on real daemons with trust
# on: a city node (wuhan), two district hubs (qiaokou, jianghan) certified by
# the city from their request files, two communities each certified by their
# hub from theirs, a few days of sample records in each community. Checked:
# the certificates and the district scopes reach the city, the city's
# certificates reach every community through the hubs, the city's store
# holds the city and district scopes only (no community record), and forged
# ops are refused on every node: a hub's key writing for another district, a
# community's key writing a hub record in its district scope, a hub's key
# writing in the city scope.
set -u
LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-city-XXXXXX)
declare -A KEY
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"
source "$(dirname "$0")/../common/city.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $*: $(cat "$T/err")"; }
TODAY=$(TZ=Asia/Shanghai date +%F)
# ---- the city, its hubs, their communities; enrolled by files ----
city_init "sync_interval_ms 500"
grep -q "^city wuhan $CITY$" "$T/city/linlid.conf" && grep -q "^district wuhan$" "$T/city/linlid.conf" ||
  die "the city's config: $(cat "$T/city/linlid.conf")"
# bad input: a city without --hub self, a hub's city key that is not a key
rc=0
"$LINLI" init --data "$T/bad1" --city wuhan --hub "$CITY" >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 && ! -e $T/bad1/linlid.conf ]] || die "a city node without --hub self"
rc=0
"$LINLI" init --data "$T/bad2" --community qiaokou --district qiaokou --hub self --city wuhan \
  --city-key 1234 >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q 'city-key takes' "$T/err" || die "a bad --city-key: $(cat "$T/err")"
# summary_s 0: the hubs write their summaries only when told (linli
# summarize), until the late case below, where qiaokou's linlid does
city_hubs $'sync_interval_ms 500\nsummary_s 0'
grep -q '^scope qiaokou$' "$T/city/linlid.conf" && grep -q '^scope jianghan$' "$T/city/linlid.conf" ||
  die "the city does not hold the district scopes: $(cat "$T/city/linlid.conf")"
city_communities
v roster --data "$T/city" --json
json 'k={x["community"]:x for x in d["keys"]}
assert d["district"]=="wuhan" and set(k)=={"qiaokou","jianghan"}, d
assert all(x["role"]=="district" and x["admitted"] for x in k.values()), d
assert k["qiaokou"]["key"]=="'"${KEY[qiaokou]}"'"' <"$T/out" || die "the city's roster: $(cat "$T/out")"
# a community's request taken at the city is no district: it stays out of the city's scopes
ok "city, 2 district hubs certified by the city, 4 communities certified by their hubs, all by files"

for n in city qiaokou jianghan $QK $JH; do start "$n"; done
# a hub the city certified says nothing of it at start
for d in qiaokou jianghan; do
  ! grep -q "holds no valid certificate of this hub" "$T/$d.log" || die "certified hub $d warns: $(grep certificate "$T/$d.log")"
done
for c in $QK $JH; do same "$c" "$c" "${DIST[$c]}"; done
same qiaokou qiaokou city shihua chuanchang
same jianghan jianghan city changhongli tangjia
same wuhan city qiaokou jianghan $QK $JH
ok "the communities' records reach their hubs, the district scopes the city, the city scope every node"

# ---- the city's store: the city and district scopes, no community record ----
v digest --data "$T/city"
got=$(awk '$1=="scope"{print $2}' "$T/out" | sort | tr '\n' ' ')
[[ $got == "jianghan qiaokou wuhan " ]] || die "the city holds scopes: $got ($(cat "$T/out"))"
for c in $QK $JH; do
  rc=0
  "$LINLI" list --data "$T/city" --scope "$c" compound >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -ne 0 || ! -s $T/out ]] || die "the city lists $c's compounds: $(cat "$T/out")"
  v list --data "$T/${DIST[$c]}" --scope "$c" compound
  [[ -s $T/out ]] || die "the hub of $c has no compound of it"
done
# the district scopes carry the hubs' certificates of their communities (keys, no record)
for d in qiaokou jianghan; do
  v list --data "$T/city" --scope "$d" cert --json
  json 'assert len(d)==2, d' <"$T/out" || die "the city has not the 2 certificates of $d's communities: $(cat "$T/out")"
done
ok "the city's store holds the scopes wuhan, qiaokou and jianghan only: no community record"

# ---- forged ops, refused on every node ----
# forge KEYOF SCOPE OUT [COLLECTION KEY FIELD=VALUE...]: a scratch node with
# KEYOF's key that believes it is the hub of SCOPE writes a hub record there
# (a round by default); its bundle, plain, is OUT
forge() {
  local who=$1 scope=$2 out=$3 f=$T/forge-$1-$2-$3
  shift 3
  mkdir -p "$f" && chmod 700 "$f"
  cp "$T/$who/node.key" "$f/node.key"
  printf 'data %s\nscope %s\nhub %s\ndistrict %s\n' "$f" "$scope" "${KEY[$who]}" "$scope" >"$f/linlid.conf"
  if [[ $# -eq 0 ]]; then
    set -- round 0009 number=9 date="$TODAY" compounds=1/1 communities=1/1 villages=0/0
  fi
  v put --data "$f" --scope "$scope" "$@"
  v export --data "$f" --scope "$scope" --plain "$T/$out"
}
forge jianghan qiaokou hub-for-other.b   # a hub writing for another district
forge shihua qiaokou community-hub.b     # a community writing a hub record
forge qiaokou wuhan hub-in-city.b        # a hub writing the city's round
# refused NODE BUNDLE: linli import at NODE stores none of it, saying why
refused() {
  local rc=0
  "$LINLI" import --data "$T/$1" "$T/$2" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -ne 0 ]] && grep -q ' 0 new, 0 already here, 1 rejected' "$T/out" &&
    grep -q 'not allowed to write this scope' "$T/err" || die "$1 took $2: $(cat "$T/out" "$T/err")"
}
for n in city qiaokou shihua; do
  for b in hub-for-other.b community-hub.b hub-in-city.b; do refused "$n" "$b"; done
done
refused jianghan hub-in-city.b
refused changhongli hub-in-city.b
for n in city qiaokou jianghan $QK $JH; do
  kill -0 "${PID[$n]}" 2>/dev/null || die "linlid $n died"
done
same qiaokou qiaokou city shihua chuanchang
same wuhan city qiaokou jianghan $QK $JH
v rounds --data "$T/city" --json
json 'assert d==[], d' <"$T/out" || die "a forged round is listed on the city: $(cat "$T/out")"
ok "forged rounds (a hub for another district, a community, a hub in the city scope) refused on the city, a hub and a community"

# ---- the hubs' daily summaries, in their district scopes, at the city ----
# one compound certified (shihua SH-C01, approved by qiaokou), one village (changhongli)
v declare --data "$T/shihua" SH-C01
same shihua shihua qiaokou
v approve --data "$T/qiaokou" shihua SH-C01
v community set --data "$T/changhongli" changhongli kind=village
same changhongli changhongli jianghan
for d in qiaokou jianghan; do
  v summarize --data "$T/$d"
  grep -q ': 2 communities on '"$TODAY"': 2 summaries written' "$T/err" || die "summarize $d: $(cat "$T/err")"
  v summarize --data "$T/$d"
  grep -q '0 summaries written .* 2 unchanged' "$T/err" || die "summarize $d again: $(cat "$T/err")"
done
rc=0
"$LINLI" summarize --data "$T/shihua" >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q 'only the hub' "$T/err" || die "a community summarized: $(cat "$T/err")"
rc=0
"$LINLI" summarize --data "$T/city" >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q 'city node' "$T/err" || die "the city summarized: $(cat "$T/err")"
same qiaokou qiaokou city
same jianghan jianghan city
for d in qiaokou jianghan; do
  v report --data "$T/$d" district --days 7 --json
  cp "$T/out" "$T/report-$d.json"
  v list --data "$T/city" --scope "$d" summary --json
  python3 - "$T/report-$d.json" "$T/out" "$TODAY" <<'PY' || die "the city's summaries of $d differ from its hub's report: $(cat "$T/out")"
import json, sys
rep = json.load(open(sys.argv[1]))
su = json.load(open(sys.argv[2]))
today = sys.argv[3]
assert len(su) == 2, su
rows = {r["community"]: r for r in rep["rows"]}
for s in su:
    f = {k: x["value"] for k, x in s["fields"].items()}
    fig = dict(kv.split("=") for kv in f["figures"].split())
    fig = {k: int(v) for k, v in fig.items()}
    c = f["community"]
    assert f["date"] == today and s["key"] == c + "/" + today and not s["deleted"], s
    r = rows[c]
    assert fig["compounds"] == r["compounds"] and fig["households"] == r["households"], (fig, r)
    assert fig["residents"] == r["residents"], (fig, r)
    st = [x for x in rep["compound_states"] if x["community"] == c]
    assert fig["compounds"] == len(st) > 0, (fig, len(st))
    for k in ["certified", "withdrawn", "pending", "rejected", "eligible"]:
        assert fig[k] == sum(1 for x in st if x["state"] == k), (k, fig)
    assert fig["not_eligible"] == sum(1 for x in st if x["state"] == "not_eligible")
    assert fig["ops"] > 0 and fig["free"] == (1 if r["epidemic_free"] else 0)
    for p in ["r-", "name="]:
        assert p not in f["figures"]
PY
done
ok "each hub's summaries reach the city: one per community, the figures of the hub's own report, no personal data"

# forged summaries: a community's key, and a hub's key for another district
forge shihua qiaokou community-summary.b summary "shihua/$TODAY" community=shihua date="$TODAY" \
  as_of="$TODAY 00:00:00" figures=compounds=99
forge jianghan qiaokou other-summary.b summary "shihua/$TODAY" community=shihua date="$TODAY" \
  as_of="$TODAY 00:00:00" figures=compounds=99
forge shihua qiaokou community-compound.b summary_compound shihua/SH-C09 community=shihua \
  compound=SH-C09 state=certified date="$TODAY" name=假小区
for n in city qiaokou chuanchang; do
  refused "$n" community-summary.b
  refused "$n" other-summary.b
  refused "$n" community-compound.b
done
same qiaokou qiaokou city shihua chuanchang
v list --data "$T/city" --scope qiaokou summary --json
grep -q 'compounds=99' "$T/out" && die "a forged summary at the city"
ok "forged summaries and compound summaries (a community's key, another district's hub) refused on the city, the hub and a community"

# ---- linli report city: the sum of the districts' reports, and a hand count ----
# bad input: a summary whose figures do not read (a hub's own, of yesterday) is skipped and counted
YESTERDAY=$(TZ=Asia/Shanghai date -d "$TODAY -1 day" +%F)
v put --data "$T/qiaokou" --scope qiaokou summary "shihua/$YESTERDAY" community=shihua date="$YESTERDAY" \
  as_of="$YESTERDAY 23:00:00" figures="compounds=many"
same qiaokou qiaokou city
v report --data "$T/city" city --json
cp "$T/out" "$T/city.json"
python3 - "$T/city.json" "$T/report-qiaokou.json" "$T/report-jianghan.json" "$TODAY" <<'PY' || die "the city's report: $(cat "$T/city.json")"
import json, sys
city = json.load(open(sys.argv[1]))
reps = {r: json.load(open(p)) for r, p in zip(["qiaokou", "jianghan"], sys.argv[2:4])}
assert city["city"] == "wuhan" and city["date"] == sys.argv[4], city
assert city["districts"] == 2 and city["districts_reporting"] == 2 and city["unreadable_summaries"] == 1
rows = {r["district"]: r for r in city["rows"]}
for d, rep in reps.items():
    r = rows[d]
    assert r["communities"] == rep["communities"] == 2 and r["reporting_on_date"] == 2, (d, r)
    assert r["compounds"] == rep["compounds"], (d, r["compounds"], rep["compounds"])
    assert r["compounds_certified"] == rep["compounds_certified"], d
    assert r["communities_epidemic_free"] == rep["communities_epidemic_free"], d
    assert r["villages"] == rep["villages"] and r["villages_epidemic_free"] == rep["villages_epidemic_free"], d
    assert r["households"] == rep["households"] and r["residents"] == rep["residents"], d
    assert r["open_confirmed"] == rep["open_confirmed"] and r["open_three"] == rep["open_three"], d
    assert r["silent"] == [], r
for k in ["communities", "compounds", "compounds_certified", "communities_epidemic_free", "villages",
          "households", "residents", "open_three"]:
    assert city[k] == sum(rows[d][k] for d in rows), k
# by hand: the sample's shihua, chuanchang and changhongli (node/domain/sample.c), tangjia synthetic
tj = [x for x in reps["jianghan"]["rows"] if x["community"] == "tangjia"][0]
assert city["compounds"] == 8 + 6 + 5 + tj["compounds"], city["compounds"]
assert city["households"] == 1677 + 1240 + 1510 + tj["households"], city["households"]
assert city["residents"] == 3680 + 2710 + 3320 + tj["residents"], city["residents"]
assert city["communities"] == 4 and city["compounds_certified"] == 1 and city["villages"] == 1
assert abs(city["compounds_share"] - round(100.0 / city["compounds"], 1)) < 0.051, city["compounds_share"]
PY
LINLI_LANG=zh-CN v report --data "$T/city" city
grep -q '^市 wuhan · '"$TODAY"'' "$T/out" && grep -q '^无疫情小区（已认定）：1 / ' "$T/out" &&
  grep -q '完整性：有汇总的区 2 / 2；当日有汇总的社区 4 / 4；1 条汇总无法读取（已跳过）$' "$T/out" && grep -Eq '^qiaokou +2/2 ' "$T/out" ||
  die "the city's report as staff read it: $(cat "$T/out")"
rc=0
"$LINLI" report --data "$T/qiaokou" city >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 ]] && grep -q 'not a city node' "$T/err" || die "report city on a hub: $(cat "$T/err")"
ok "linli report city: per district the hub's own figures, the city the sum of the districts and the hand count; an unreadable summary skipped and counted"

# ---- the city's numbered round, down to every community ----
v rounds --data "$T/shihua" --json
json 'assert d==[], d' <"$T/out" || die "rounds before any: $(cat "$T/out")"
v publish --data "$T/city"
grep -q '^第 1 轮无疫情名单（截至 '"$TODAY"'）：无疫情小区 1 / 24（4.2 %），无疫情社区 0 / 4，其中村 0 / 1；撤销 0$' "$T/out" ||
  die "the city's round 1: $(cat "$T/out")"
same wuhan city qiaokou jianghan $QK $JH
for n in qiaokou jianghan $QK $JH; do
  v rounds --data "$T/$n" --json
  json 'assert [(r["scope"],r["round"],r["compounds"],r["communities"],r["villages"]) for r in d]==[("wuhan",1,"1/24","0/4","0/1")], d' <"$T/out" ||
    die "the city's round on $n: $(cat "$T/out")"
done
v rounds show 1 --scope wuhan --data "$T/tangjia" --json
json 'assert d["round"]["scope"]=="wuhan" and d["round"]["date"]=="'"$TODAY"'", d
assert [(e["kind"],e["status"],e["community"],e["compound"],e["name"]) for e in d["entries"]]==[("compound","listed","shihua","SH-C01","石化小区")], d' <"$T/out" ||
  die "rounds show 1 --scope wuhan on tangjia: $(cat "$T/out")"
LINLI_LANG=zh-CN v rounds --data "$T/chuanchang"
grep -q '^市 wuhan：$' "$T/out" && grep -Eq '^第1轮 +'"$TODAY"' +1/24 \(4.2%\)' "$T/out" || die "rounds on chuanchang: $(cat "$T/out")"
rc=0
"$LINLI" rounds --data "$T/shihua" --scope chuanchang >/dev/null 2>"$T/err" || rc=$?
[[ $rc -ne 0 ]] || die "rounds of a community scope"
ok "the city publishes round 1 in the city scope, naming its certified compound; every hub and community lists it"

# ---- a late case withdraws SH-C01: the city's figures change within one sync of the hub ----
# qiaokou's linlid now writes the summaries itself, every second when ops
# came in (summary_s 1, taken on a reload); nobody runs linli summarize
grep -q 'summaries' "$T/qiaokou.log" "$T/jianghan.log" && die "a hub with summary_s 0 wrote summaries"
echo 'summary_s 1' >>"$T/qiaokou/linlid.conf"
kill -HUP "${PID[qiaokou]}"
wait_for 20 "qiaokou reloaded with summaries" grep -q 'summaries every=1s' "$T/qiaokou.log"
same qiaokou qiaokou city
t0=$(date +%s%N)
v case --data "$T/shihua" open case-late --resident r-SH-00001 --compound SH-C01 --category confirmed --start "$TODAY"
city_withdrawn() {
  "$LINLI" report --data "$T/city" city --json >"$T/out" 2>/dev/null &&
    json 'r={x["district"]:x for x in d["rows"]}["qiaokou"]
assert d["compounds_certified"]==0 and d["open_confirmed"]==1 and r["open_confirmed"]==1, d' <"$T/out"
}
wait_for 30 "the city's figures after the late case" city_withdrawn
lag_ms=$((($(date +%s%N) - t0) / 1000000))
[[ $(grep -c "summaries written date=$TODAY n=1 " "$T/qiaokou.log") -ge 1 ]] ||
  die "qiaokou's log after the late case: $(grep summaries "$T/qiaokou.log")"
echo "# the late case reached the city's figures in $lag_ms ms (sync_interval_ms 500 on each of 2 links, summary_s 1)"
# a past date: the day before, nothing was summarized yet: every community silent
v report --data "$T/city" city "$YESTERDAY" --json
json 'assert d["unreadable_summaries"]==1 and d["reporting"]==0 and d["compounds"]==0 and len(d["rows"][0]["silent"])==2 and d["rows"][0]["silent"][0]["last"] is None, d' <"$T/out" ||
  die "the city the day before: $(cat "$T/out")"
v publish --data "$T/city"
grep -q '^第 2 轮无疫情名单.*无疫情小区 0 / 24（0.0 %）.*撤销 1$' "$T/out" || die "the city's round 2: $(cat "$T/out")"
v rounds show 2 --scope wuhan --data "$T/city" --json
json 'e=d["entries"]
assert [(x["status"],x["compound"],x["name"]) for x in e]==[("withdrawn","SH-C01","石化小区")] and "confirmed" in e[0]["reason"], d' <"$T/out" ||
  die "the city's round 2 does not mark SH-C01 withdrawn with the hub's reason: $(cat "$T/out")"
ok "a late confirmed case: the hub's linlid writes the next summary on its own and SH-C01 is withdrawn at the city within one sync; the day before, all silent"

# ---- the city revokes jianghan's hub: its district refuses what it signs after ----
v revoke --data "$T/city" "${KEY[jianghan]}" --reason "hub key stolen" --out "$T"
hub_revoked() { # NODE: the node's roster has jianghan's hub revoked
  "$LINLI" roster --data "$T/$1" --json 2>/dev/null | python3 -c '
import json, sys
r = {e["key"]: e for e in json.load(sys.stdin)["keys"]}
e = r.get(sys.argv[1])
assert e and e["revoked_at_ms"] is not None and not e["admitted"], e' "${KEY[jianghan]}"
}
# the city closes the hub's links at once: the revocation reaches the
# district by its file, imported at the hub, and spreads from there
wait_for 30 "the city closing jianghan's link" grep -q 'link down peer=jianghan-.* reason=revoked' "$T/city.log"
v import-cert --data "$T/jianghan" "$T/revoke-${KEY[jianghan]:0:8}.op"
wait_for 30 "the city's revocation of jianghan at jianghan" hub_revoked jianghan
# the revoked hub, reloaded, warns that the city no longer certifies it
kill -HUP "${PID[jianghan]}"
wait_for 20 "jianghan's warning" grep -q "warning: the city wuhan holds no valid certificate of this hub for district jianghan" "$T/jianghan.log"
for c in $JH; do wait_for 30 "the city's revocation of jianghan at $c" hub_revoked "$c"; done
# the revoked hub's own linlid refuses its new round
if "$LINLI" publish --data "$T/jianghan" >"$T/out" 2>"$T/err"; then die "the revoked hub published"; fi
grep -q "revoked" "$T/err" || die "the revoked hub's publish said: $(cat "$T/err")"
# a copy of its key elsewhere (a stolen key) signs a round: its communities refuse it
forge jianghan jianghan revoked-hub.b
for c in $JH; do
  rc=0
  "$LINLI" import --data "$T/$c" "$T/revoked-hub.b" >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc -ne 0 ]] && grep -q ' 0 new, 0 already here, 1 rejected' "$T/out" && grep -q 'EREVOKED' "$T/err" ||
    die "$c took the revoked hub's round: $(cat "$T/out" "$T/err")"
done
# what it signed before stands: its communities' certificates and their records
for c in $JH; do
  "$LINLI" roster --data "$T/$c" --json | python3 -c '
import json, sys
r = {e["key"]: e for e in json.load(sys.stdin)["keys"]}
assert r[sys.argv[1]]["admitted"], r[sys.argv[1]]' "${KEY[$c]}" || die "$c lost its certificate"
  kill -0 "${PID[$c]}" 2>/dev/null || die "linlid $c died"
done
v case --data "$T/changhongli" open case-after --resident r-CH-00001 --compound CH-C01 --category fever --start "$TODAY" ||
  die "changhongli cannot write after its hub's revocation"
ok "the city revokes jianghan's hub: the hub and its communities learn it, the hub's new round is refused there and on the hub, its earlier certificates stand"

daemon_passed
echo "city_test: $N passed, 0 failed"
