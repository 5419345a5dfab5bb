#!/usr/bin/env bash
# The city page of the web console (issue 19), on real daemons with trust on:
# a city node (wuhan), two district hubs (qiaokou, jianghan) certified by the
# city from their request files, two communities each certified by their hub,
# a few days of sample records in each, `linli summarize` on each hub, and the
# city's web console (`http 127.0.0.1:PORT`, an account). Then headless
# Chromium (city_browser.py) logs in and checks that /district on the city is
# the city page, per district, with the figures of `linli report --data CITY
# city --json` (today and the day before, when nothing was summarized yet),
# the communities' names, one of them `<script>…` shown as text, and the
# English page. Setup as tests/cli/city_test.sh.
#   city_web_test.sh LINLI LINLID OUTDIR   (screenshots: OUTDIR/shots/city-*.png)
set -u
LINLI=$1
LINLID=$2
OUT=$3
T=$(mktemp -d /tmp/linli-cityweb-XXXXXX)
declare -A KEY
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"
source "$(dirname "$0")/../common/city.sh"
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $*: $(cat "$T/err")"; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
(cd "$SRC" && CI= bash scripts/deps.sh >"$T/deps.log" 2>&1) || die "scripts/deps.sh: $(tail -5 "$T/deps.log")"
T0=$SECONDS
TODAY=$(TZ=Asia/Shanghai date +%F)
YESTERDAY=$(TZ=Asia/Shanghai date -d "$TODAY -1 day" +%F)
HTTP=$(free_port)

city_init "$(printf 'sync_interval_ms 500\nhttp 127.0.0.1:%s' "$HTTP")"
# summary_s 0: the summaries below are linli summarize's, not the daemons'
city_hubs $'sync_interval_ms 500\nsummary_s 0'
city_communities
# a community whose name is markup: the page must show it as text
v community set --data "$T/tangjia" tangjia 'name=<script>alert(1)</script>唐家墩'
# one certified compound (SH-C01, approved by qiaokou) so a share is not 0
v declare --data "$T/shihua" SH-C01
printf 'city-pass-1\n' | "$LINLI" user add --data "$T/city" staff1 --role viewer >"$T/out" 2>"$T/err" ||
  die "linli user add: $(cat "$T/err")"
ok "city, 2 district hubs, 4 communities enrolled by files; an account on the city's console"

for n in city qiaokou jianghan $QK $JH; do start "$n"; done
for c in $QK $JH; do same "$c" "$c" "${DIST[$c]}"; done
v approve --data "$T/qiaokou" shihua SH-C01
for d in qiaokou jianghan; do
  v summarize --data "$T/$d"
  grep -q ': 2 communities on '"$TODAY"': 2 summaries written' "$T/err" || die "summarize $d: $(cat "$T/err")"
done
same qiaokou qiaokou city
same jianghan jianghan city
wait_for 30 "the city's web console" bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTP"
v report --data "$T/city" city --json
cp "$T/out" "$T/city.json"
v report --data "$T/city" city "$YESTERDAY" --json
cp "$T/out" "$T/city-yesterday.json"
grep -q '"compounds_certified":1' "$T/city.json" || die "the city's report: $(cat "$T/city.json")"
ok "summaries of both hubs at the city, linli report city as the reference ($((SECONDS - T0)) s)"

mkdir -p "$OUT/shots"
/usr/bin/python3 "$(dirname "$0")/city_browser.py" --base "http://127.0.0.1:$HTTP" --user staff1 \
  --password city-pass-1 --today "$T/city.json" --yesterday "$T/city-yesterday.json" \
  --shots "$OUT/shots" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
[[ $rc -eq 0 ]] || die "the city page in the browser (above)"
ok "the city page in headless Chromium: the report's figures per district, names, escaping, English ($((SECONDS - T0)) s)"

for n in city qiaokou jianghan $QK $JH; do
  kill -0 "${PID[$n]}" 2>/dev/null || die "linlid $n died"
done
daemon_passed
echo "city_web_test: $N passed, 0 failed"
