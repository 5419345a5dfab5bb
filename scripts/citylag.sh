#!/usr/bin/env bash
# ratio city_figures_lag_vs_sync (issue 18's benchmark), on real daemons on
# 127.0.0.1 with trust on: a city node, one district hub certified by it,
# two communities certified by the hub, enrolled by files as in
# docs/operator.md "The city". Each community and the hub sync every S ms
# (sync_interval_ms); the hub's linlid writes its summaries itself
# (summary_s 1). K times, a confirmed case is opened in a community; the lag
# is the time from that write until `linli report city` on the city counts
# it. The ratio is the median lag over the sum of the two sync intervals on
# the way (community to hub, hub to city): 1.0 would be one interval each.
#   scripts/citylag.sh [BUILD_DIR] [S_MS] [K]     (defaults: build-release 2000 7)
set -euo pipefail
B=${1:-build-release}
S=${2:-2000}
K=${3:-7}
LINLI=$B/cli/linli
LINLID=$B/node/daemon/linlid
[[ -x $LINLI && -x $LINLID ]] || { echo "citylag: no $LINLI or $LINLID (build first)" >&2; exit 2; }
T=$(mktemp -d /tmp/linli-citylag-XXXXXX)
declare -A PID KEY
cleanup() {
  for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
port() { echo $((20000 + RANDOM % 12000)); }
q() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || { echo "citylag: linli $*: $(cat "$T/err")" >&2; exit 1; }; }
start() {
  "$LINLID" --data "$T/$1" 2>>"$T/$1.log" &
  PID[$1]=$!
  for _ in $(seq 1 100); do
    "$LINLI" status --data "$T/$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "citylag: linlid $1 did not start" >&2
  exit 1
}
PC=$(port) PH=$(port) P1=$(port) P2=$(port)
q init --data "$T/city" --city wuhan --hub self --listen "tcp://127.0.0.1:$PC"
CITY=$(cat "$T/out")
echo "sync_interval_ms $S" >>"$T/city/linlid.conf"
q init --data "$T/hub" --community qiaokou --district qiaokou --hub self --city wuhan \
  --city-key "$CITY" --listen "tcp://127.0.0.1:$PH"
KEY[hub]=$(cat "$T/out")
printf 'peer city tcp://127.0.0.1:%s %s\nsync_interval_ms %s\nsummary_s 1\n' "$PC" "$CITY" "$S" >>"$T/hub/linlid.conf"
q enroll --data "$T/city" "$T/hub/enroll-request.txt" --out "$T"
q import-cert --data "$T/hub" "$T/cert-qiaokou-${KEY[hub]:0:8}.op"
n=0
for c in shihua chuanchang; do
  n=$((n + 1))
  p=P$n
  q init --data "$T/$c" --community "$c" --district qiaokou --hub "${KEY[hub]}" --city wuhan \
    --city-key "$CITY" --hub-addr "tcp://127.0.0.1:$PH" --listen "tcp://127.0.0.1:${!p}"
  KEY[$c]=$(cat "$T/out")
  echo "sync_interval_ms $S" >>"$T/$c/linlid.conf"
  q enroll --data "$T/hub" "$T/$c/enroll-request.txt" --out "$T"
  q import-cert --data "$T/$c" "$T/cert-$c-${KEY[$c]:0:8}.op"
  q sample --data "$T/$c" --days 10 "$T/$c.sample"
  q import --data "$T/$c" "$T/$c.sample"
done
for nd in city hub shihua chuanchang; do start "$nd"; done
city_open() { # the city's count of open confirmed cases, or -1
  "$LINLI" report --data "$T/city" city --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["open_confirmed"])' 2>/dev/null || echo -1
}
# until the first summaries are at the city
for _ in $(seq 1 600); do
  [[ $(city_open) -ge 0 ]] && "$LINLI" report --data "$T/city" city --json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["reporting"]==2 else 1)' && break
  sleep 0.2
done
base=$(city_open)
[[ $base -ge 0 ]] || { echo "citylag: the city never heard from the hub" >&2; exit 1; }
# residents of shihua with no open case, for the K cases
q list --data "$T/shihua" resident --json
mapfile -t RES < <(python3 -c 'import json,sys; print("\n".join(r["key"] for r in json.load(sys.stdin)[:200]))' <"$T/out")
q list --data "$T/shihua" compound --json
COMP=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["key"])' <"$T/out")
lags=()
i=0
for r in "${RES[@]}"; do
  [[ ${#lags[@]} -ge $K ]] && break
  i=$((i + 1))
  "$LINLI" case --data "$T/shihua" open "lag-$i" --resident "$r" --compound "$COMP" --category confirmed \
    --start "$(TZ=Asia/Shanghai date +%F)" >/dev/null 2>&1 || continue
  t0=$(date +%s%N)
  want=$((base + 1))
  until [[ $(city_open) -ge $want ]]; do
    (( ($(date +%s%N) - t0) / 1000000 < 60000 + 10 * S )) || { echo "citylag: case $i never reached the city" >&2; exit 1; }
    sleep 0.05
  done
  ms=$((($(date +%s%N) - t0) / 1000000))
  base=$(city_open)
  lags+=("$ms")
  echo "metric city_lag_$i $ms ms"
  sleep "0.$((RANDOM % 10))" # not in step with the sync timers
done
med=$(printf '%s\n' "${lags[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "metric city_lag_median $med ms"
echo "metric sync_intervals_sum $((2 * S)) ms"
awk -v m="$med" -v s="$S" 'BEGIN { printf "ratio city_figures_lag_vs_sync %.3f\n", m / (2 * s) }'
