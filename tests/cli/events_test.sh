#!/usr/bin/env bash
# Events that need a person (issue 18 item 6), on real daemons with trust on:
# a hub with `on_event` (a hook script that keeps what it gets), event_check_s
# 1 and event_silent_s 4, and a shihua node syncing with it. Each kind is
# raised once, in linlid's log, in events.log (linli events) and through the
# hook with its JSON on stdin and no personal data: a silent community, a
# declaration waiting, a withdrawal (a late confirmed case), a rejection. A
# restart raises nothing again.
set -u
LINLI=$1
LINLID=$2
T=$(mktemp -d /tmp/linli-events-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
v() { "$LINLI" "$@" >"$T/out" 2>"$T/err" || die "linli $*: $(cat "$T/err")"; }
# until_event KIND [COMPOUND]: the hub raised it (events.log), within 30 s
until_event() {
  local i
  for i in $(seq 1 150); do
    grep -q "\"kind\":\"$1\"${2:+.*\"compound\":\"$2\"}" "$T/hub/events.log" 2>/dev/null && return
    sleep 0.2
  done
  die "no $1 event${2:+ of $2} at the hub: $(cat "$T/hub/events.log" 2>/dev/null)"
}
TODAY=$(TZ=Asia/Shanghai date +%F)

for n in hub shihua; do PORT[$n]=$(free_port); done
"$LINLI" init --data "$T/hub" --community qiaokou --district qiaokou --hub self \
  --listen "tcp://127.0.0.1:${PORT[hub]}" >"$T/hubkey" 2>/dev/null
HUB=$(cat "$T/hubkey")
mkdir "$T/hooks"
cat >"$T/hook.sh" <<EOF
#!/bin/sh
cat >"$T/hooks/\$1.\$\$.json"
EOF
chmod 755 "$T/hook.sh"
printf 'scope shihua\nsync_interval_ms 500\non_event %s\nevent_check_s 1\nevent_silent_s 4\n' "$T/hook.sh" >>"$T/hub/linlid.conf"
"$LINLI" init --data "$T/shihua" --community shihua --district qiaokou --hub "$HUB" \
  --listen "tcp://127.0.0.1:${PORT[shihua]}" >/dev/null 2>&1
printf 'peer hub tcp://127.0.0.1:%s %s\nsync_interval_ms 500\n' "${PORT[hub]}" "$HUB" >>"$T/shihua/linlid.conf"
v enroll --data "$T/hub" "$T/shihua/enroll-request.txt" --out "$T"
v import-cert --data "$T/shihua" "$T"/cert-shihua-"$("$LINLI" pubkey --data "$T/shihua" | cut -c1-8)".op
v sample --data "$T/shihua" --days 20 "$T/s.b"
v import --data "$T/shihua" "$T/s.b"
v export --data "$T/shihua" --scope shihua "$T/up.b"
v import --data "$T/hub" "$T/up.b"
# the sample's ops are stamped a minute ago: shihua is silent at the hub's start
start hub
until_event silent
grep -q 'event silent community=shihua' "$T/hub.log" || die "no silent line in linlid's log"
ok "a community silent for more than event_silent_s is an event at the hub's start"

start shihua
v declare --data "$T/shihua" SH-C01
until_event declaration SH-C01
v approve --data "$T/hub" shihua SH-C01
v case --data "$T/shihua" open case-late --resident r-SH-00001 --compound SH-C01 --category confirmed --start "$TODAY"
until_event withdrawal SH-C01
grep -q 'event withdrawal community=shihua compound=SH-C01' "$T/hub.log" || die "no withdrawal line in linlid's log"
v declare --data "$T/shihua" SH-C04
until_event declaration SH-C04
v reject --data "$T/hub" shihua SH-C04 --reason "卡口值守不到位"
until_event rejection SH-C04
ok "a declaration waiting, a withdrawal and a rejection are events, in linlid's log and events.log"

# silent again: shihua stops, nothing new for more than 4 s. Counted from
# before the stop: the 4 s run from shihua's newest op, so on a slow machine
# the event can come while linlid is still stopping.
n0=$(grep -c '"kind":"silent"' "$T/hub/events.log")
stop shihua
for i in $(seq 1 100); do
  [[ $(grep -c '"kind":"silent"' "$T/hub/events.log") -gt $n0 ]] && break
  sleep 0.2
done
[[ $(grep -c '"kind":"silent"' "$T/hub/events.log") -eq $((n0 + 1)) ]] || die "shihua silent again is not one event"
ok "heard from again, then silent again: one more silent event"

# linli events: every kind, text and JSON
v events --data "$T/hub" --json
json 'k=sorted(set(e["kind"] for e in d)); assert k==["declaration","rejection","silent","withdrawal"], k
w=[e for e in d if e["kind"]=="withdrawal"][0]
assert w["community"]=="shihua" and w["compound"]=="SH-C01" and w["name"]=="石化小区" and w["state"]=="withdrawn"
assert "1 confirmed case(s) open" in w["reason"], w
r=[e for e in d if e["kind"]=="rejection"][0]; assert r["reason"]=="卡口值守不到位", r
assert all(e["date"]=="'"$TODAY"'" for e in d)' <"$T/out" || die "linli events --json: $(cat "$T/out")"
v events --data "$T/hub" --since "$TODAY"
grep -Eq ' 撤销 +shihua +SH-C01 +石化小区 +compound SH-C01 is not epidemic-free' "$T/out" &&
  grep -Eq ' 无新数据 +shihua +— +— +最新记录 ' "$T/out" || die "linli events: $(cat "$T/out")"
ok "linli events lists them (text and --json)"

# the hook: once per event, the event's JSON on stdin, nothing personal
sleep 0.5
NEV=$(grep -c . "$T/hub/events.log")
[[ $(ls "$T/hooks" | wc -l) -eq $NEV ]] || die "hook runs: $(ls "$T/hooks" | wc -l), events: $NEV"
for k in silent declaration withdrawal rejection; do ls "$T/hooks" | grep -q "^$k\." || die "the hook did not run for $k"; done
cat "$T"/hooks/*.json | /usr/bin/python3 -c '
import json,sys
allowed={"time","local","date","kind","community","compound","name","state","since","reason"}
for line in sys.stdin:
    e=json.loads(line)
    assert set(e)<=allowed, set(e)-allowed
    assert "r-SH-" not in line and "SH-C01-" not in line, line   # no resident key, no household code (an address)
' || die "the hook got something else: $(cat "$T"/hooks/*.json)"
! grep -q 'r-SH-\|SH-C01-' "$T/hub/events.log" || die "personal data in events.log"
ok "the hook ran once per event with its JSON on stdin, no personal data"

# a restart raises nothing already raised
stop hub
start hub
sleep 3
[[ $(grep -c . "$T/hub/events.log") -eq $NEV ]] || die "a restart raised events again: $(tail -3 "$T/hub/events.log")"
ok "a restart raises nothing again (events.state)"

stop hub
daemon_passed
echo "events_test: $N passed, 0 failed"
