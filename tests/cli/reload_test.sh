#!/usr/bin/env bash
# A reload loses no request (issue 16): staff write through linlid while it
# is reloaded (SIGHUP) again and again; the requests queued on the control
# socket when it closes are answered first, so every write exits 0, within
# seconds, and every record is stored once.
#
#   reload_test.sh LINLI LINLID
set -euo pipefail
LINLI=$(realpath "$1")
LINLID=$(realpath "$2")
T=$(mktemp -d /tmp/linli-reload-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"

PORT[a]=$(free_port)
"$LINLI" init --data "$T/a" --community shihua --listen "tcp://127.0.0.1:${PORT[a]}" >/dev/null 2>&1 || die "init"
start a
W=${RELOAD_WRITES:-80}
writer() { # writer FROM TO: one write per compound, each within 20 s
  local i
  for i in $(seq "$1" "$2"); do
    timeout 20 "$LINLI" compound add --data "$T/a" "$(printf 'SH-C%03d' "$i")" name=村 >/dev/null 2>>"$T/w.err" ||
      echo "write $i exit $?" >>"$T/w.fail"
  done
}
writer 1 $((W / 2)) &
w1=$!
writer $((W / 2 + 1)) "$W" &
w2=$!
# a reload, then the next once it is done, while the writers write (and at
# least 5, however fast an optimised build writes)
hups=0
while kill -0 "$w1" 2>/dev/null || kill -0 "$w2" 2>/dev/null || ((hups < 5)); do
  kill -HUP "${PID[a]}"
  hups=$((hups + 1))
  for _ in $(seq 100); do
    (( $(grep -c "reloaded scopes=" "$T/a.log" || true) >= hups )) && break
    sleep 0.05
  done
  sleep 0.1
done
wait "$w1" "$w2" || true
[[ ! -s $T/w.fail ]] || die "writes failed during reloads: $(head -5 "$T/w.fail"; head -5 "$T/w.err")"
reloads=$(grep -c "reloaded scopes=" "$T/a.log" || true)
(( reloads >= 5 )) || die "only $reloads reloads happened ($hups SIGHUPs)"
n=$("$LINLI" list --data "$T/a" compound 2>/dev/null | awk '$2 == "name"' | grep -c '^SH-C' || true)
[[ $n -eq $W ]] || die "$n of $W compounds stored"
kill -0 "${PID[a]}" || die "linlid died"
ok "$W writes during $reloads reloads: each answered (exit 0), each stored once"
daemon_passed
echo "1..$N"
