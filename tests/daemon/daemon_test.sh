#!/usr/bin/env bash
# Daemon tests: real linlid processes on 127.0.0.1 (random free ports), CURVE
# on, LMDB in a mktemp directory, driven through the linli CLI.
#
#   daemon_test.sh SCENARIO LINLI LINLID HELPER
#
# Scenarios: two (two nodes converge), star (hub + four communities, one
# direct link), crash (kill -9 during a sync, restart, nothing acknowledged
# lost), hostile (intruder key refused, raw garbage dropped, an allowed peer's
# bad messages rejected and counted while honest nodes keep syncing).
# Every process started here is killed on exit, whatever happens.
set -euo pipefail

SCENARIO=$1
LINLI=$2
LINLID=$3
HELPER=$4
T=$(mktemp -d /tmp/linli-daemon-XXXXXX)
declare -A PID PORT KEY
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
FAILED=1

log() { echo "[$(date +%H:%M:%S)] $*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  for n in "${!PID[@]}"; do
    kill -9 "${PID[$n]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ $FAILED -ne 0 ]]; then
    for f in "$T"/*.log; do
      [[ -f $f ]] || continue
      echo "---- $(basename "$f") (last 40 lines)"
      tail -n 40 "$f"
    done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      if ! grep -qw "$p" <<<"${PORT[*]:-}"; then
        echo "$p"
        return
      fi
    fi
  done
}

# node NAME SCOPE [MORE_SCOPES...]: creates the node directory and key.
node() {
  local name=$1 scope=$2
  shift 2
  PORT[$name]=$(free_port)
  KEY[$name]=$("$LINLI" init --data "$T/$name" --community "$scope" \
    --listen "tcp://127.0.0.1:${PORT[$name]}" 2>/dev/null)
  [[ ${#KEY[$name]} -eq 64 ]] || die "init $name"
  echo "sync_interval_ms 1000" >>"$T/$name/linlid.conf"
  for s in "$@"; do echo "scope $s" >>"$T/$name/linlid.conf"; done
}

# link A B: A dials B; B allows A.
link() {
  echo "peer $2 tcp://127.0.0.1:${PORT[$2]} ${KEY[$2]}" >>"$T/$1/linlid.conf"
  echo "allow $1 ${KEY[$1]}" >>"$T/$2/linlid.conf"
}

start() {
  local name=$1
  "$LINLID" --data "$T/$name" 2>>"$T/$name.log" &
  PID[$name]=$!
  for _ in $(seq 1 100); do
    if "$LINLI" status --data "$T/$name" >/dev/null 2>&1; then return 0; fi
    kill -0 "${PID[$name]}" 2>/dev/null || die "linlid $name exited at start"
    sleep 0.1
  done
  die "linlid $name did not come up"
}

# stop NAME: SIGTERM, and the daemon must exit 0.
stop() {
  local name=$1 rc=0
  kill -TERM "${PID[$name]}"
  wait "${PID[$name]}" || rc=$?
  unset "PID[$name]"
  [[ $rc -eq 0 ]] || die "linlid $name exited $rc on SIGTERM"
}

crash() {
  kill -9 "${PID[$1]}"
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}

put() { "$LINLI" put --data "$T/$1" "${@:2}"; }
digest() { "$LINLI" digest --data "$T/$1" --scope "$2"; }
ops() { "$LINLI" status --data "$T/$1" --json | grep -o '"ops":[0-9]*' | head -1 | cut -d: -f2; }

# converge SCOPE NODE...: waits up to 60 s for identical digests of SCOPE.
converge() {
  local scope=$1 first d ok
  shift
  for _ in $(seq 1 300); do
    ok=1
    first=$(digest "$1" "$scope")
    for n in "${@:2}"; do
      d=$(digest "$n" "$scope")
      [[ $d == "$first" ]] || ok=0
    done
    if [[ $ok -eq 1 ]]; then
      log "scope $scope converged on $* ($first)"
      return 0
    fi
    sleep 0.2
  done
  for n in "$@"; do echo "$n: $(digest "$n" "$scope")"; done
  die "scope $scope did not converge on $*"
}

# every_id_present NODE IDFILE COLLECTION
every_id_present() {
  local want have
  want=$(sort -u "$2" | wc -l)
  have=$("$LINLI" list --data "$T/$1" "$3" --json | grep -oF -f "$2" | sort -u | wc -l)
  [[ $want -eq $have ]] || die "$1 holds $have of $want acknowledged ids"
  log "$1 holds all $want acknowledged ids of $3"
}

writes() { # writes NODE COUNT TAG [put options]
  for i in $(seq 1 "$2"); do
    put "$1" "${@:4}" household "$3-$i" name="$3 $i" size="$i" >>"$T/ids" || die "put on $1"
  done
}

scenario_two() {
  node a shihua
  node b shihua
  link a b
  start a
  start b
  writes a 20 a
  writes b 20 b
  converge shihua a b
  every_id_present a "$T/ids" household
  every_id_present b "$T/ids" household
  stop a
  stop b
  # reads work with the daemon down
  local out
  out=$("$LINLI" get --data "$T/b" household a-3) || die "get with the daemon down"
  grep -q "a 3" <<<"$out" || die "get shows: $out"
  out=$("$LINLI" status --data "$T/b" 2>&1) && die "status succeeded with the daemon down"
  grep -q "not running" <<<"$out" || die "status with the daemon down says: $out"
}

scenario_star() {
  node hub district c1 c2 c3 c4
  node c1 c1
  node c2 c2
  node c3 c3 c4
  node c4 c4 c3
  for c in c1 c2 c3 c4; do link $c hub; done
  link c3 c4
  for n in hub c1 c2 c3 c4; do start $n; done
  for c in c1 c2 c3 c4; do writes $c 10 $c; done
  for c in c1 c2 c3 c4; do writes hub 3 "hub-$c" --scope $c; done
  writes c3 5 c3-for-c4 --scope c4
  converge c1 hub c1
  converge c2 hub c2
  converge c3 hub c3 c4
  converge c4 hub c3 c4
  # the direct link survives the hub going away
  stop hub
  writes c4 5 c4-late
  converge c4 c3 c4
  for n in c1 c2 c3 c4; do stop $n; done
}

scenario_crash() {
  node a shihua
  node b shihua
  link b a
  start a
  # ~2 KB ops: the first sync takes about ten 1 MiB messages
  "$HELPER" bulk "ipc://$T/a/control.sock" 4000 household bulk 2000 >>"$T/ids" || die "bulk writes"
  log "wrote $(wc -l <"$T/ids") ops on a"
  "$LINLID" --data "$T/b" 2>>"$T/b.log" &
  PID[b]=$!
  touch "$T/ids-b"
  (for i in $(seq 1 300); do
    put b household "b-$i" size="$i" >>"$T/ids-b" 2>/dev/null || sleep 0.05
  done) &
  local writer=$!
  # kill b once the first batch of the sync is committed, before the last
  local n=0
  for _ in $(seq 1 1000); do
    n=$(ops b 2>/dev/null || echo 0)
    [[ ${n:-0} -gt 300 ]] && break
    sleep 0.01
  done
  crash b
  kill $writer 2>/dev/null || true
  wait $writer 2>/dev/null || true
  log "killed b with $n ops stored ($([[ ${n:-0} -lt 4000 ]] && echo mid-sync || echo after the sync)), $(wc -l <"$T/ids-b") puts acknowledged on b"
  cat "$T/ids-b" >>"$T/ids"
  start b
  converge shihua a b
  every_id_present a "$T/ids" household
  every_id_present b "$T/ids" household
  stop a
  stop b
}

scenario_hostile() {
  node a shihua
  node b shihua
  node evil shihua
  link b a
  echo "allow evil ${KEY[evil]}" >>"$T/a/linlid.conf"
  start a
  start b
  writes b 5 b
  converge shihua a b
  local before
  before=$(ops a)

  local out
  out=$("$HELPER" intruder "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" shihua) || true
  [[ $out == refused ]] || die "a key off the roster was answered"
  grep -q "refused connection .*reason=not-on-roster" "$T/a.log" || die "no refusal logged"
  out=$("$HELPER" garbage 127.0.0.1 "${PORT[a]}") || true
  [[ $out == dropped ]] || die "garbage not dropped: $out"
  out=$("$HELPER" evil "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" "$T/evil/node.key" shihua) || true
  [[ $out == sent ]] || die "the allowed peer got no HELLO: $out"
  sleep 0.5
  kill -0 "${PID[a]}" || die "linlid a died"
  [[ $(ops a) -eq $before ]] || die "hostile input changed the op count"
  grep -q "reason=LINLI_EBADSIG" "$T/a.log" || die "bad signature not logged"
  grep -q "bad message" "$T/a.log" || die "malformed message not logged"
  local st
  st=$("$LINLI" status --data "$T/a" --json)
  grep -qE '"name":"evil"[^}]*"rejected":[1-9]' <<<"$st" || die "rejected op not counted: $st"
  grep -qE '"name":"evil"[^}]*"bad_msgs":[3-9]' <<<"$st" || die "bad messages not counted: $st"
  "$LINLI" status --data "$T/a" >"$T/status.txt"
  grep -E "^evil " "$T/status.txt" || true
  writes b 5 b2
  writes a 5 a2
  converge shihua a b
  every_id_present a "$T/ids" household
  stop a
  stop b
}

case $SCENARIO in
two | star | crash | hostile) "scenario_$SCENARIO" ;;
*) die "unknown scenario $SCENARIO" ;;
esac
FAILED=0
[[ -n ${LINLI_TEST_KEEP_LOGS:-} ]] && cat "$T"/*.log
log "daemon_$SCENARIO passed"
