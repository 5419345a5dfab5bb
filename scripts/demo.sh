#!/usr/bin/env bash
# The main job: a district on this machine. Builds linli, starts a hub and
# three community daemons on 127.0.0.1 with 60 days of sample records, shows
# them syncing, cuts one community off, writes on both sides, heals, and
# prints the district report from the hub. The hub serves its web console on
# 127.0.0.1 (the URL and a login are printed). Stops every daemon when done
# (from a terminal, after Enter, so the console can be looked at first).
#
#   bash scripts/demo.sh            # LINLI_DEMO_DIR=DIR keeps the nodes there
#   LINLI_DEMO_KEEP=1 bash scripts/demo.sh   # leave the daemons running
#   LINLI_DEMO_DAYS=N                # days of sample records (default 60)
#   LINLI_BIN=BUILDDIR               # use binaries already built there (tests)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${LINLI_BIN:-}" ]; then
  BUILD=$LINLI_BIN
else
  bash scripts/deps.sh
  BUILD=$PWD/${LINLI_BUILD:-build-release}
  echo "== building ($BUILD)"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target linli linlid >/dev/null
fi
LINLI=$BUILD/cli/linli
LINLID=$BUILD/node/daemon/linlid
DAYS=${LINLI_DEMO_DAYS:-60}

D=${LINLI_DEMO_DIR:-$(mktemp -d /tmp/linli-demo-XXXXXX)}
mkdir -p "$D"
COMMUNITIES=(shihua chuanchang changhongli)
BASE=$((20000 + RANDOM % 12000)) # below the ephemeral port range
declare -A PID PORT

stop_all() {
  [ "${LINLI_DEMO_KEEP:-}" = 1 ] && { echo "daemons left running; stop them with: pkill -f 'linlid --data $D'"; return; }
  for n in "${!PID[@]}"; do kill "${PID[$n]}" 2>/dev/null || true; done
  for n in "${!PID[@]}"; do wait "${PID[$n]}" 2>/dev/null || true; done
}
trap stop_all EXIT

until_ok() { # DEADLINE STEP MESSAGE COMMAND...: runs COMMAND every STEP seconds
  # until it succeeds; stops the demo with MESSAGE once $SECONDS reaches DEADLINE.
  local deadline=$1 step=$2 msg=$3
  shift 3
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "demo: $msg" >&2
      exit 1
    fi
    sleep "$step"
  done
}

answers() { # NAME: the daemon answers on its control socket (stops the demo if it exited)
  kill -0 "${PID[$1]}" 2>/dev/null || { echo "demo: linlid $1 exited; see $D/$1.log" >&2; exit 1; }
  "$LINLI" status --data "$D/$1" >/dev/null 2>&1
}

start() { # NAME [CONFIG]: returns once the daemon answers on its control socket
  local cfg=${2:-$D/$1/linlid.conf}
  "$LINLID" --data "$D/$1" --config "$cfg" 2>>"$D/$1.log" &
  PID[$1]=$!
  # The CLI writes through a running daemon; one still starting (a slow or
  # busy machine) would read as not running.
  until_ok $((SECONDS + 30)) 0.2 "linlid $1 did not answer in 30 s; see $D/$1.log" answers "$1"
}

stop() {
  kill "${PID[$1]}" && wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}

in_sync() { # SCOPE: the hub and the community hold the same state of SCOPE
  [ "$("$LINLI" digest --data "$D/hub" --scope "$1")" = "$("$LINLI" digest --data "$D/$1" --scope "$1")" ]
}

wait_sync() { # SCOPE...: all within 180 s
  local t0=$SECONDS
  for c in "$@"; do
    until_ok $((t0 + 180)) 1 "$c did not sync in 180 s; logs in $D" in_sync "$c"
  done
  echo "   in sync after ~$((SECONDS - t0))s: $*"
}

echo "== a district hub and three communities in $D"
PORT[hub]=$BASE
"$LINLI" init --data "$D/hub" --community qiaokou --listen "tcp://127.0.0.1:${PORT[hub]}" \
  --district qiaokou --hub self >/dev/null
HUB=$("$LINLI" pubkey --data "$D/hub")
PORT[web]=$((BASE + 50))
echo "http 127.0.0.1:${PORT[web]}" >>"$D/hub/linlid.conf"
WEBPW=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 12)
echo "$WEBPW" | "$LINLI" user add --data "$D/hub" district --role approver >/dev/null
i=1
for c in "${COMMUNITIES[@]}"; do
  PORT[$c]=$((BASE + i))
  i=$((i + 1))
  "$LINLI" init --data "$D/$c" --community "$c" --listen "tcp://127.0.0.1:${PORT[$c]}" \
    --district qiaokou --hub "$HUB" --hub-addr "tcp://127.0.0.1:${PORT[hub]}" >/dev/null
  # Enrolment by file, as an office with no link would do it (linli enroll
  # adds the community's scope to the hub's config).
  "$LINLI" enroll --data "$D/hub" "$D/$c/enroll-request.txt" --out "$D" 2>/dev/null
  "$LINLI" import-cert --data "$D/$c" "$D"/cert-"$c"-*.op 2>/dev/null
  echo "-- $c: enrolled; generating $DAYS days of sample records"
  "$LINLI" sample --data "$D/$c" --days "$DAYS" "$D/$c.bundle"
  "$LINLI" import --data "$D/$c" "$D/$c.bundle"
done

echo "== starting the daemons"
start hub
for c in "${COMMUNITIES[@]}"; do start "$c"; done
wait_sync "${COMMUNITIES[@]}"
"$LINLI" status --data "$D/hub" | head -12

echo
echo "== district report from the hub"
"$LINLI" report --data "$D/hub" district

echo
echo "== SH-C01 and CH-C01 declared epidemic-free by their communities, approved by the hub"
"$LINLI" declare --data "$D/shihua" SH-C01 2>&1
"$LINLI" declare --data "$D/changhongli" CH-C01 2>&1
wait_sync shihua changhongli
"$LINLI" approve --data "$D/hub" shihua SH-C01 2>&1
"$LINLI" approve --data "$D/hub" changhongli CH-C01 2>&1
"$LINLI" approvals --data "$D/hub"

echo
echo "== changhongli is cut off (its link to the hub is down)"
stop changhongli
grep -v '^peer ' "$D/changhongli/linlid.conf" >"$D/changhongli/alone.conf"
start changhongli "$D/changhongli/alone.conf"
TODAY=$(TZ=Asia/Shanghai date +%F)
echo "-- on changhongli, offline: a confirmed case in compound CH-C01"
"$LINLI" case open --data "$D/changhongli" case-CH-99 --resident r-CH-00001 --compound CH-C01 \
  --category confirmed --start "$TODAY"
echo "-- on shihua, online: compound SH-C08 now has its supply measure in place"
"$LINLI" measures set --data "$D/shihua" SH-C08 supply=yes
wait_sync shihua
echo "-- the hub's view while changhongli is away:"
"$LINLI" report --data "$D/hub" district | sed -n 2,3p

echo
echo "== the link heals"
stop changhongli
start changhongli
wait_sync changhongli
"$LINLI" report --data "$D/hub" district
echo
echo "CH-C01 lost its epidemic-free status when the case recorded offline arrived: its"
echo "certification is withdrawn (已撤销), with the rule's reason, on every node."
echo "Nodes, logs and bundles: $D"
echo
echo "== the hub's web console"
python3 - "http://127.0.0.1:${PORT[web]}/login" <<'PY'
import re, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    t = re.search(r"<title>(.*?)</title>", r.read().decode("utf-8"), re.S)
    print("   GET /login: HTTP %d, %s" % (r.status, t.group(1).strip() if t else "no title"))
PY
echo "   open http://127.0.0.1:${PORT[web]}/ and log in as: district / $WEBPW (role approver)"
if [ -t 0 ] && [ "${LINLI_DEMO_KEEP:-}" != 1 ]; then
  read -r -p "   press Enter to stop the daemons " _ || true
fi
