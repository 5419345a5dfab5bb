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
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $*: $(cat "$T/err")"; }
# same SCOPE A B...: every node's digest of SCOPE is A's, within 60 s
same() {
  local s=$1 a=$2 i n want got
  shift 2
  for i in $(seq 1 300); do
    want=$("$LINLI" digest --data "$T/$a" --scope "$s" 2>/dev/null) || want=x
    got=1
    for n in "$@"; do
      [[ $("$LINLI" digest --data "$T/$n" --scope "$s" 2>/dev/null) == "$want" ]] || got=0
    done
    [[ $got -eq 1 && $want != x ]] && return
    sleep 0.2
  done
  die "scope $s: $a and $* did not converge"
}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
(cd "$SRC" && CI= bash scripts/deps.sh >"$T/deps.log" 2>&1) || die "scripts/deps.sh: $(tail -5 "$T/deps.log")"
T0=$SECONDS
TODAY=$(TZ=Asia/Shanghai date +%F)
YESTERDAY=$(TZ=Asia/Shanghai date -d "$TODAY -1 day" +%F)
QK="shihua chuanchang"
JH="changhongli tangjia"
declare -A DIST=([shihua]=qiaokou [chuanchang]=qiaokou [changhongli]=jianghan [tangjia]=jianghan)
for n in city qiaokou jianghan $QK $JH; do PORT[$n]=$(free_port); done
HTTP=$(free_port)

v init --data "$T/city" --city wuhan --hub self --listen "tcp://127.0.0.1:${PORT[city]}"
CITY=$(cat "$T/out")
printf 'sync_interval_ms 500\nhttp 127.0.0.1:%s\n' "$HTTP" >>"$T/city/linlid.conf"
for d in qiaokou jianghan; do
  v init --data "$T/$d" --community "$d" --district "$d" --hub self --city wuhan --city-key "$CITY" \
    --listen "tcp://127.0.0.1:${PORT[$d]}"
  KEY[$d]=$(cat "$T/out")
  printf 'peer city tcp://127.0.0.1:%s %s\nsync_interval_ms 500\n' "${PORT[city]}" "$CITY" >>"$T/$d/linlid.conf"
  v enroll --data "$T/city" "$T/$d/enroll-request.txt" --out "$T"
  v import-cert --data "$T/$d" "$T/cert-$d-${KEY[$d]:0:8}.op"
done
for c in $QK $JH; do
  d=${DIST[$c]}
  v init --data "$T/$c" --community "$c" --district "$d" --hub "${KEY[$d]}" --city wuhan \
    --city-key "$CITY" --hub-addr "tcp://127.0.0.1:${PORT[$d]}" --listen "tcp://127.0.0.1:${PORT[$c]}"
  KEY[$c]=$(cat "$T/out")
  echo 'sync_interval_ms 500' >>"$T/$c/linlid.conf"
  v enroll --data "$T/$d" "$T/$c/enroll-request.txt" --out "$T"
  v import-cert --data "$T/$c" "$T/cert-$c-${KEY[$c]:0:8}.op"
  v sample --data "$T/$c" --days 10 "$T/$c.sample"
  v import --data "$T/$c" "$T/$c.sample"
done
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
