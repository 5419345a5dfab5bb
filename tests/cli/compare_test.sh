#!/usr/bin/env bash
# linli digest --compare checks a round of its own (issue 16 item 7): on a
# node whose rounds are 10 minutes apart, --compare starts one with every
# peer it dials and reports it, not the round of minutes before; on the
# listening side (the peer starts the rounds) it reports the last round and
# says so.
#
#   compare_test.sh LINLI LINLID
set -euo pipefail
LINLI=$(realpath "$1")
LINLID=$(realpath "$2")
T=$(mktemp -d /tmp/linli-compare-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
now_ms() { date +%s%3N; }

PORT[hub]=$(free_port)
HUB=$("$LINLI" init --data "$T/hub" --community shihua --listen "tcp://127.0.0.1:${PORT[hub]}" 2>/dev/null)
PORT[a]=$(free_port)
A=$("$LINLI" init --data "$T/a" --community shihua --listen "tcp://127.0.0.1:${PORT[a]}" 2>/dev/null)
printf 'peer hub tcp://127.0.0.1:%s %s\nsync_interval_ms 600000\n' "${PORT[hub]}" "$HUB" >>"$T/a/linlid.conf"
printf 'allow a %s\nsync_interval_ms 600000\n' "$A" >>"$T/hub/linlid.conf"
# frame_bytes: a value out of range is refused at start, naming the line
echo "frame_bytes 1000" >>"$T/a/linlid.conf"
rc=0
"$LINLID" --data "$T/a" 2>"$T/bad.err" || rc=$?
[[ $rc -ne 0 ]] && grep -q "frame_bytes" "$T/bad.err" || die "frame_bytes 1000 was not refused: $(cat "$T/bad.err")"
sed -i 's/^frame_bytes 1000$/frame_bytes 16384/' "$T/a/linlid.conf"
echo "frame_bytes 16384" >>"$T/hub/linlid.conf"
ok "frame_bytes out of range is refused at start"
# 600 records, more than one 16 KiB message holds, for the first round to bring
{ echo "code,name"; for i in $(seq 1 600); do printf 'SH-C%04d,第%d小区\n' "$i" "$i"; done; } >"$T/c.csv"
"$LINLI" import-csv --data "$T/a" compound "$T/c.csv" >/dev/null 2>"$T/err" || die "import-csv: $(cat "$T/err")"
"$LINLI" compound add --data "$T/a" SH-C01 name=一村 >/dev/null 2>&1 || die "compound add"
start hub
start a
# the first round runs when the link comes up; then none for 10 minutes
first_round() { "$LINLI" digest --data "$T/a" --compare --json | json 'assert d and d[0]["same"]'; }
wait_for 30 "the first round between a and the hub" first_round
sleep 2
t0=$(now_ms)
out=$("$LINLI" digest --data "$T/a" --compare --json) || die "a's --compare: $out"
t1=$(now_ms)
json 'x=d[0]; assert x["peer"]=="hub" and x["scope"]=="shihua" and x["dial"] and x["fresh"] and x["same"], x
assert '"$t0"' <= x["last_round_ms"] <= '"$t1"', (x["last_round_ms"], '"$t0"', '"$t1"')' <<<"$out" ||
  die "a's --compare does not report a round of its own: $out (t0 $t0, t1 $t1)"
(( t1 - t0 < 10000 )) || die "--compare took $((t1 - t0)) ms"
out=$("$LINLI" digest --data "$T/a" --compare) || die "a's --compare: $out"
grep -Eq '^hub +shihua +the same ops at ' <<<"$out" && grep -q '^1 of 1 scope-peer pair found the same ops' <<<"$out" ||
  die "a's --compare (text): $out"
[[ $("$LINLI" digest --data "$T/hub" --scope shihua) == $("$LINLI" digest --data "$T/a" --scope shihua) ]] ||
  die "the hub and a differ after the first round with 16 KiB frames"
ok "--compare on the dialing node starts a round and reports it (rounds otherwise 10 minutes apart; 16 KiB frames)"

out=$("$LINLI" digest --data "$T/hub" --compare --json) || die "the hub's --compare: $out"
json 'x=d[0]; assert not x["dial"] and not x["fresh"] and x["same"] and x["last_round_ms"]>0, x' <<<"$out" ||
  die "the hub's --compare --json: $out"
out=$("$LINLI" digest --data "$T/hub" --compare) || die "the hub's --compare: $out"
grep -q 'that node starts the rounds on this link' <<<"$out" || die "the hub's --compare (text): $out"
ok "on the listening side --compare reports the last round and says the peer starts them"

# after a partition: a stopped while the hub took a record; back, the
# round of the link coming up brings it, and --compare's own round agrees
stop a
"$LINLI" compound add --data "$T/hub" SH-C02 name=二村 >/dev/null 2>&1 || die "compound add on the hub"
start a
has_c02() { "$LINLI" get --data "$T/a" compound SH-C02 2>/dev/null | grep -q 二村; }
wait_for 30 "a to have SH-C02" has_c02
out=$("$LINLI" digest --data "$T/a" --compare --json) || die "a's --compare after the heal: $out"
json 'x=d[0]; assert x["fresh"] and x["same"], x' <<<"$out" || die "after the heal: $out"
ok "after a partition, the round --compare starts finds the same ops"
daemon_passed
echo "1..$N"
