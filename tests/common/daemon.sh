# Shared by the shell tests that run real daemons: ports, start and stop,
# and the logs shown when a test fails. Source after tap.sh:
#   LINLI=... LINLID=... T=$(mktemp -d ...)
#   source "$(dirname "$0")/../common/tap.sh"
#   source "$(dirname "$0")/../common/daemon.sh"
# Each node NAME lives in $T/NAME and logs to $T/NAME.log. The EXIT trap
# kills every daemon still running, prints the logs' last lines if the test
# did not reach `daemon_passed`, and removes $T.
declare -A PID PORT
DAEMON_PASSED=0
daemon_cleanup() {
  for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $DAEMON_PASSED -eq 0 ]]; then
    for f in "$T"/*.log; do
      [[ -f $f ]] || continue
      echo "---- $(basename "$f") (last 30 lines)"
      tail -n 30 "$f"
    done
  fi
  rm -rf "$T"
}
trap daemon_cleanup EXIT
daemon_passed() { DAEMON_PASSED=1; }
# free_port: a loopback port nothing listens on and not handed out before
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! grep -qw "$p" <<<"${PORT[*]:-}"; then
      echo "$p"
      return
    fi
  done
}
# start NAME: linlid on $T/NAME, back when its control socket answers
start() {
  "$LINLID" --data "$T/$1" 2>>"$T/$1.log" &
  PID[$1]=$!
  local i
  for i in $(seq 1 100); do
    [[ -S $T/$1/control.sock ]] && "$LINLI" status --data "$T/$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "linlid $1 did not start"
}
# stop NAME: SIGTERM, and wait for it
stop() {
  kill "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}
# wait_for SECONDS WHAT CMD...: until CMD succeeds, or die
wait_for() {
  local s=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((s * 10))); do
    "$@" >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "timed out after ${s}s waiting for $what"
}
