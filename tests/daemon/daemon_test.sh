#!/usr/bin/env bash
# Daemon tests: real linlid processes on 127.0.0.1 (random free ports), CURVE
# on, LMDB in a mktemp directory, driven through the linli CLI.
#
#   daemon_test.sh SCENARIO LINLI LINLID HELPER
#
# Scenarios: two (two nodes converge), star (hub + four communities, one
# direct link), crash (kill -9 during a sync, restart, nothing acknowledged
# lost), hostile (intruder key refused, raw garbage dropped, an allowed peer's
# bad messages rejected and counted while honest nodes keep syncing), trust
# (hub certificates: enrolment by file and by sync, forged and cross-scope
# ops rejected everywhere, unknown authors held then rejected, revocation
# closes links and rejects later ops), restore (a node restored from an old
# backup gets its later ops back and its clock moves past them), held
# (ops imported with linlid stopped before their author's certificate are
# kept in the database, survive restarts, and are stored when the
# certificate comes by a bundle, by import-cert or by sync), load
# (hostile connections of every kind while two honest nodes sync; memory
# bounded), flood (an allowed peer at ten times its op rate limit for
# LINLI_FLOOD_SECONDS, default 60, while honest ops keep flowing), disk (a
# full tmpfs and a full LMDB map: clear errors, nothing acknowledged lost,
# writes resume; needs root to mount the tmpfs and fails without it), batch
# (kill -9 of linlid, then of linli, at LINLI_KILLS random moments, default
# 20, of an import-csv of 3,680 residents through linlid: 0 or 3,680 rows
# stored, never in between, and linli's exit status says which), hub150
# (a running hub and LINLI_COMMUNITIES communities, default 150, set up the
# documented way with no hand edit: linli init --hub-addr, linli enroll on
# the running hub adding each scope live, the certificate carried back;
# every community's records reach the hub and the digests agree; the hub's
# status names its peers by community; a node with no peer is warned).
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

BG=()
MOUNTED=
cleanup() {
  for n in "${!PID[@]}"; do
    kill -9 "${PID[$n]}" 2>/dev/null || true
  done
  for p in "${BG[@]}"; do
    kill -9 "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [[ -n $MOUNTED ]] && umount "$MOUNTED" 2>/dev/null || true
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
    p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999): no clash with client ports
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

put() { "$LINLI" put --raw --data "$T/$1" "${@:2}"; } # sync load: fields the table does not know
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

# every_id_present NODE IDFILE COLLECTION [SCOPE]
every_id_present() {
  local want have
  want=$(sort -u "$2" | wc -l)
  have=$("$LINLI" list --data "$T/$1" ${4:+--scope "$4"} "$3" --json | { grep -oF -f "$2" || true; } | sort -u | wc -l)
  [[ $want -eq $have ]] || die "$1 holds $have of $want acknowledged ids"
  log "$1 holds all $want acknowledged ids of $3"
}

writes() { # writes NODE COUNT TAG [put options]
  for i in $(seq 1 "$2"); do
    put "$1" "${@:4}" household "$3-$i" name="$3 $i" size="$i" >>"$T/ids" || die "put on $1"
  done
}

# ---- trust on: a hub and enrolled communities ----

# tnode NAME COMMUNITY [MORE_SCOPES...]: a node of district qiaokou; the
# first tnode must be the hub.
tnode() {
  local name=$1 scope=$2 hub=${KEY[hub]:-self}
  shift 2
  PORT[$name]=$(free_port)
  KEY[$name]=$("$LINLI" init --data "$T/$name" --community "$scope" --district qiaokou \
    --hub "$hub" --listen "tcp://127.0.0.1:${PORT[$name]}" 2>/dev/null)
  [[ ${#KEY[$name]} -eq 64 ]] || die "init $name"
  printf 'sync_interval_ms 1000\nhold_ms 3000\n' >>"$T/$name/linlid.conf"
  for s in "$@"; do echo "scope $s" >>"$T/$name/linlid.conf"; done
}

# dial A B: A dials B (B admits A by its certificate, no allow line).
dial() { echo "peer $2 tcp://127.0.0.1:${PORT[$2]} ${KEY[$2]}" >>"$T/$1/linlid.conf"; }

# json_num NODE FIELD: a number from linli status --json (first match).
json_num() {
  "$LINLI" status --data "$T/$1" --json | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}

# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s.
wait_for() {
  local n=$(($1 * 5)) what=$2
  shift 2
  for _ in $(seq 1 "$n"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out waiting for $what"
}

roster_has() { "$LINLI" roster --data "$T/$1" --json | grep -q "\"key\":\"$2\",\"certified\":true[^}]*\"revoked_at_ms\":$3"; }
rejected_as() { "$LINLI" status --data "$T/$1" --json | grep -qE "\"$2\":[1-9]"; }

# import_rejected NODE FILE REASON: linli import-cert must fail, naming REASON.
import_rejected() {
  local out rc=0
  out=$("$LINLI" import-cert --data "$T/$1" "$2" 2>&1) || rc=$?
  [[ $rc -eq 1 ]] || die "import of $(basename "$2") into $1 exited $rc: $out"
  grep -q "$3" <<<"$out" || die "import into $1 does not name $3: $out"
  log "$1 rejected $(basename "$2"): $out"
}

# digests NODE...: every node's digest of all rows, one line each.
digests() { for n in "$@"; do echo "$n $("$LINLI" digest --data "$T/$n")"; done; }

scenario_trust() {
  tnode hub qiaokou shihua chuanchang
  tnode a shihua
  tnode b chuanchang shihua
  dial a hub
  dial b hub
  local out cert

  # enrolment by files, all offline: request -> hub -> certificate -> node
  cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/a/enroll-request.txt" --days 30 2>"$T/enroll.err") ||
    die "enroll a: $(cat "$T/enroll.err")"
  [[ -f $T/$cert && $(basename "$cert") == cert-shihua-${KEY[a]:0:8}.op ]] || die "cert file: $cert"
  "$LINLI" import-cert --data "$T/a" "$T/$cert" || die "import-cert on a"
  roster_has a "${KEY[a]}" null || die "a's roster lacks its certificate"
  out=$("$LINLI" enroll --data "$T/a" "$T/b/enroll-request.txt" 2>&1) && die "a non-hub enrolled b"
  grep -q "not the hub" <<<"$out" || die "enroll on a says: $out"

  # enrolment by sync: b's certificate only on the (running) hub
  start hub
  out=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/b/enroll-request.txt" 2>&1) || die "enroll b: $out"
  grep -q "through linlid" <<<"$out" || die "enroll b did not go through the daemon: $out"
  start a
  start b
  wait_for 30 "b's certificate to reach b" roster_has b "${KEY[b]}" null
  log "b received its certificate from the hub"
  writes a 5 a
  writes b 5 b
  out=$(put b --scope shihua household b-for-a name=x 2>&1) && die "b wrote into a's community"
  grep -q "not allowed to write this scope" <<<"$out" || die "b's write into shihua says: $out"
  converge shihua hub a b
  converge chuanchang hub b
  converge qiaokou hub a b
  # digest --compare: after the next round, every scope a holds with the hub
  # (shihua and the district's) found the same ops; the hub says so per community
  wait_for 30 "a's digest --compare to find the same ops" "$LINLI" digest --data "$T/a" --compare
  out=$("$LINLI" digest --data "$T/a" --compare) || die "digest --compare on a: $out"
  grep -Eq '^hub +shihua +the same ops at ' <<<"$out" && grep -Eq '^hub +qiaokou +the same ops at ' <<<"$out" &&
    grep -q '^2 of 2 scope-peer pairs found the same ops' <<<"$out" || die "a's digest --compare: $out"
  wait_for 30 "the hub's digest --compare" "$LINLI" digest --data "$T/hub" --compare
  out=$("$LINLI" digest --data "$T/hub" --compare --json)
  /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); p={(x["peer"].split("-")[0],x["scope"]) for x in d if x["same"]}; assert {("shihua","shihua"),("chuanchang","chuanchang"),("shihua","qiaokou")} <= p, d' <<<"$out" ||
    die "the hub's digest --compare --json: $out"
  out=$("$LINLI" digest --data "$T/hub")
  [[ $(sed -n 1p <<<"$out") =~ ^[0-9a-f]{64}$ ]] && grep -Eq "^  scope chuanchang +$(digest b chuanchang)\$" <<<"$out" ||
    die "the hub's digest does not list its scopes: $out"
  grep -q "admitted certified key peer=shihua-${KEY[a]:0:8}" "$T/hub.log" || die "hub did not admit a by certificate"
  local before
  before=$(digests hub a b)

  # the hub's key writing a community record: rejected by every node
  "$HELPER" sign "$T/hub/node.key" shihua household forged-1 "$T/forged.op" || die "sign forged"
  import_rejected hub "$T/forged.op" LINLI_EHUBSCOPE
  import_rejected b "$T/forged.op" LINLI_EHUBSCOPE
  out=$("$HELPER" push "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" "$T/hub/node.key" shihua "$T/forged.op") ||
    die "push forged to a: $out"
  wait_for 10 "a to reject the forged op" rejected_as a LINLI_EHUBSCOPE
  # b's key writing a record of a's community: rejected everywhere
  "$HELPER" sign "$T/b/node.key" shihua household cross-1 "$T/cross.op" || die "sign cross"
  import_rejected hub "$T/cross.op" LINLI_EUNAUTH
  import_rejected b "$T/cross.op" LINLI_EUNAUTH
  out=$("$HELPER" push "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" "$T/b/node.key" shihua "$T/cross.op") ||
    die "push cross to a: $out"
  wait_for 10 "a to reject b's op" rejected_as a LINLI_EUNAUTH
  # an unknown author: held, then rejected after hold_ms
  "$LINLI" init --data "$T/stranger" --community shihua >/dev/null 2>&1 || die "init stranger"
  "$HELPER" sign "$T/stranger/node.key" shihua household stranger-1 "$T/stranger.op" || die "sign stranger"
  out=$("$LINLI" import-cert --data "$T/a" "$T/stranger.op" 2>&1) || die "import stranger: $out"
  grep -q "held" <<<"$out" || die "stranger's op not held: $out"
  [[ $(json_num a held) -eq 1 ]] || die "a holds $(json_num a held) ops, not 1"
  wait_for 15 "the stranger's op to be rejected" rejected_as a LINLI_EUNKNOWN
  [[ $(json_num a held) -eq 0 ]] || die "a still holds ops"
  [[ $(digests hub a b) == "$before" ]] || die "a rejection changed a digest: $(digests hub a b) vs $before"
  log "every rejection left the digests unchanged"

  # revocation of a: its open link closed, later ops rejected, earlier kept
  out=$(cd "$T" && "$LINLI" revoke --data "$T/hub" "${KEY[a]}" --reason "laptop stolen" 2>&1) ||
    die "revoke a: $out"
  [[ -f $T/revoke-${KEY[a]:0:8}.op ]] || die "no revocation file"
  wait_for 10 "the hub to close a's link" grep -q "revoked peer=shihua-${KEY[a]:0:8}" "$T/hub.log"
  wait_for 10 "a to see its connection closed" grep -q "link down peer=hub dir=out" "$T/a.log"
  wait_for 15 "a's reconnection to be refused" grep -q "refused connection peer=shihua-${KEY[a]:0:8} .*reason=revoked" "$T/hub.log"
  "$LINLI" status --data "$T/hub" --json | grep -qE "\"name\":\"shihua-${KEY[a]:0:8}\",[^}]*\"connected\":false,\"refused\":true" ||
    die "hub status does not show a refused: $("$LINLI" status --data "$T/hub" --json)"
  wait_for 15 "b to learn the revocation" roster_has b "${KEY[a]}" "[0-9]"
  "$HELPER" sign "$T/a/node.key" shihua household late-1 "$T/late.op" || die "sign late"
  import_rejected hub "$T/late.op" LINLI_EREVOKED
  import_rejected b "$T/late.op" LINLI_EREVOKED
  out=$("$HELPER" push "tcp://127.0.0.1:${PORT[hub]}" "${KEY[hub]}" "$T/a/node.key" shihua "$T/late.op") || true
  [[ $out == refused ]] || die "the hub answered a revoked key: $out"
  for n in hub b; do
    "$LINLI" get --data "$T/$n" --scope shihua household a-3 >/dev/null || die "a's earlier op lost on $n"
  done
  converge shihua hub b
  "$LINLI" status --data "$T/hub" >"$T/status.txt"
  for why in LINLI_EHUBSCOPE LINLI_EUNAUTH LINLI_EREVOKED; do
    grep -q "^  $why .*[1-9]" "$T/status.txt" || die "hub status lacks $why: $(cat "$T/status.txt")"
  done
  grep -q "$(printf '%s' "author's key was revoked")" "$T/status.txt" || die "no reason sentence in status"
  sed -n '1,12p' "$T/status.txt"
  "$LINLI" roster --data "$T/hub"
  stop a
  stop b
  stop hub
}

# hlcs NODE: every hlc of the household records of shihua on NODE, one a line.
hlcs() { "$LINLI" list --data "$T/$1" --scope shihua household --json | grep -o '"hlc":[0-9]*' | cut -d: -f2; }

scenario_restore() {
  tnode hub qiaokou shihua
  tnode a shihua
  dial a hub
  local cert
  cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/a/enroll-request.txt" 2>/dev/null) || die "enroll a"
  "$LINLI" import-cert --data "$T/a" "$T/$cert" 2>/dev/null || die "import-cert on a"
  start hub
  start a
  writes a 10 early
  converge shihua hub a
  # a backup of the running node: the database with mdb_copy, key and config
  mkdir -m 700 "$T/a-backup"
  cp -p "$T/a/node.key" "$T/a/linlid.conf" "$T/a-backup/"
  mdb_copy "$T/a" "$T/a-backup" || die "mdb_copy"
  writes a 10 late
  converge shihua hub a
  local max_before n_before
  max_before=$(hlcs hub | sort -n | tail -1)
  n_before=$(ops hub)
  stop a
  rm -rf "$T/a"
  mv "$T/a-backup" "$T/a"
  log "a restored from the backup taken before its last 10 writes"
  start a
  converge shihua hub a
  every_id_present a "$T/ids" household
  [[ $(ops a) -eq $n_before && $(ops hub) -eq $n_before ]] || die "ops: a $(ops a), hub $(ops hub), want $n_before"
  local clock
  clock=$(json_num a hlc)
  [[ $clock -ge $max_before ]] || die "a's clock $clock is behind $max_before"
  put a household after-restore name=after >>"$T/ids" || die "put after restore"
  local new
  new=$("$LINLI" get --data "$T/a" household after-restore --json | grep -o '"hlc":[0-9]*' | cut -d: -f2 | sort -n | tail -1)
  [[ $new -gt $max_before ]] || die "the new op's hlc $new is not after $max_before"
  log "a's new op orders after everything before the restore ($new > $max_before)"
  converge shihua hub a
  every_id_present hub "$T/ids" household shihua
  local records
  records=$("$LINLI" list --data "$T/hub" --scope shihua household --json | grep -o '"key":' | wc -l)
  [[ $records -eq 21 ]] || die "hub lists $records records, want 21"
  [[ $(ops a) -eq $((n_before + 1)) ]] || die "a holds $(ops a) ops, want $((n_before + 1))"
  stop a
  stop hub
}

# import_says NODE FILE TEXT: linli import (linlid stopped) succeeds and
# its summary line says TEXT.
import_says() {
  local out
  out=$("$LINLI" import --data "$T/$1" "$2" 2>&1) || die "import of $(basename "$2") into $1: $out"
  grep -qF "$3" <<<"$out" || die "import of $(basename "$2") into $1 says '$out', not '$3'"
  log "$1: $out"
}

has_record() { "$LINLI" get --data "$T/$1" --scope shihua household "$2" >/dev/null 2>&1; }

scenario_held() {
  tnode hub qiaokou shihua
  tnode a shihua
  sed -i 's/^hold_ms 3000$/hold_ms 600000/' "$T/a/linlid.conf"
  dial a hub
  local A_KEY
  A_KEY=$("$LINLI" pubkey --data "$T/a")  # bundles are encrypted to a
  local n cert
  declare -A CERT
  # no links: enrolled by files, records written, bundles carried
  for n in a c d e f; do
    [[ $n == a ]] || tnode "$n" shihua
    cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/$n/enroll-request.txt" 2>/dev/null) || die "enroll $n"
    CERT[$n]=$T/$cert
    "$LINLI" import-cert --data "$T/$n" "${CERT[$n]}" >/dev/null 2>&1 || die "import-cert on $n"
    [[ $n == a ]] && continue
    start "$n"
    for i in 1 2 3; do put "$n" household "$n-$i" name="$n $i" >/dev/null || die "put on $n"; done
    stop "$n"
    "$LINLI" export --data "$T/$n" --scope shihua --to "$A_KEY" "$T/$n.bundle" >/dev/null || die "export $n"
  done
  # one bundle, its ops before their author's certificate (c's whole node)
  "$LINLI" export --data "$T/c" --to "$A_KEY" "$T/c-all.bundle" >/dev/null || die "export c"
  import_says a "$T/c-all.bundle" "4 ops read: 4 new, 0 already here, 0 rejected, 0 waiting"
  has_record a c-2 || die "c's record missing on a after its bundle"
  # ops without their certificate: kept in the database, across restarts
  for n in d e f; do import_says a "$T/$n.bundle" "3 ops read: 0 new, 0 already here, 0 rejected, 3 waiting"; done
  import_says a "$T/d.bundle" "3 ops read: 0 new, 0 already here, 0 rejected, 3 waiting"
  start a
  [[ $(json_num a held) -eq 9 ]] || die "a holds $(json_num a held) ops after a restart, not 9"
  stop a
  # the certificate by import-cert (linlid stopped)
  "$LINLI" import-cert --data "$T/a" "${CERT[d]}" 2>/dev/null || die "import-cert d on a"
  for i in 1 2 3; do has_record a "d-$i" || die "d-$i not stored on a after d's certificate"; done
  # by a bundle: e's certificate, exported from e
  "$LINLI" export --data "$T/e" --scope qiaokou --plain "$T/e-cert.bundle" >/dev/null 2>&1 || die "export e's cert"
  import_says a "$T/e-cert.bundle" "1 ops read: 1 new, 0 already here, 0 rejected, 0 waiting"
  for i in 1 2 3; do has_record a "e-$i" || die "e-$i not stored on a after e's certificate"; done
  # by sync: f's certificate comes from the hub once both run
  start hub
  start a
  wait_for 30 "f's ops to be stored on a after a synced with the hub" has_record a f-3
  [[ $(json_num a held) -eq 0 ]] || die "a still holds $(json_num a held) ops"
  converge shihua hub a
  stop a
  stop hub
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

# ---- load, flood, disk ----

# rss NAME: the daemon's resident set in KiB (VmRSS), anon NAME: its
# anonymous part (RssAnon: heap and stacks, not the LMDB file's pages).
rss() { awk '/^VmRSS:/ {print $2}' "/proc/${PID[$1]}/status"; }
anon() { awk '/^RssAnon:/ {print $2}' "/proc/${PID[$1]}/status"; }
mib() { echo $((($1 + 512) / 1024)); }
limits() { "$HELPER" limits "ipc://$T/$1/control.sock"; }

scenario_load() {
  # the bound: 64 MiB over the baseline; 192 under ASan, whose allocator keeps
  # what is freed and pads every allocation (measured: +17 MiB Release, +141 ASan)
  local bound_mib=${LINLI_LOAD_RSS_MIB:-64} n_ops=2000
  ldd "$LINLID" 2>/dev/null | grep -q libasan && bound_mib=${LINLI_LOAD_RSS_MIB:-192}
  node a shihua
  node b shihua
  # b's 2000 ops are written before b knows a: the sync below is all of them
  start b
  "$HELPER" bulk "ipc://$T/b/control.sock" $n_ops household honest 200 >"$T/ids" || die "bulk on b"
  stop b
  link b a
  start a
  sleep 1
  local base peak=0 r after
  base=$(rss a)
  log "a: baseline VmRSS $(mib "$base") MiB (RssAnon $(mib "$(anon a)") MiB)"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  local secs=${LINLI_LOAD_SECONDS:-20}
  "$HELPER" idle 127.0.0.1 "${PORT[a]}" 500 "$secs" >"$T/idle.out" 2>&1 &
  BG+=($!)
  "$HELPER" junk 127.0.0.1 "${PORT[a]}" "$secs" >"$T/junk.out" 2>&1 &
  BG+=($!)
  "$HELPER" handshakes "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" 1000 "$secs" >"$T/hs.out" 2>&1 &
  local hs=$!
  BG+=($hs)
  for _ in $(seq 1 3); do
    "$HELPER" intruder "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" shihua >>"$T/intruder.out" || true
  done
  sleep 2
  log "under attack: $(limits a | head -1); VmRSS $(mib "$(rss a)") MiB, RssAnon $(mib "$(anon a)") MiB"
  local t0 t1
  t0=$(date +%s.%N)
  start b
  local ok=0
  for _ in $(seq 1 600); do
    r=$(rss a)
    ((r > peak)) && peak=$r
    if [[ $(digest a shihua) == "$(digest b shihua)" ]]; then
      ok=1
      break
    fi
    sleep 0.1
  done
  t1=$(date +%s.%N)
  [[ $ok -eq 1 ]] || die "the honest sync did not finish under load: a $(ops a), b $(ops b)"
  local took
  took=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
  log "honest sync of $n_ops ops done in $took s under load; a: $(limits a | head -1); VmRSS $(mib "$(rss a)") MiB, RssAnon $(mib "$(anon a)") MiB"
  # keep sampling until the attackers are done
  while kill -0 "$hs" 2>/dev/null; do
    r=$(rss a)
    ((r > peak)) && peak=$r
    sleep 0.5
  done
  wait "$hs" || die "an unlisted key was answered: $(cat "$T/hs.out")"
  for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
  BG=()
  cat "$T/idle.out" "$T/junk.out" "$T/hs.out"
  grep -q refused "$T/intruder.out" && ! grep -q answered "$T/intruder.out" || die "an intruder was answered"
  kill -0 "${PID[a]}" || die "linlid a died under load"
  sleep 3
  after=$(rss a)
  local lim
  lim=$(limits a)
  echo "$lim"
  local inbound
  inbound=$(head -1 <<<"$lim" | sed 's/.*inbound=\([0-9]*\).*/\1/')
  [[ $inbound -le 4 ]] || die "a still tracks $inbound unidentified connections after the attack"
  every_id_present a "$T/ids" household
  writes b 3 after
  converge shihua a b
  log "a: VmRSS baseline $(mib "$base") MiB, peak under load $(mib "$peak") MiB, after $(mib "$after") MiB (bound: baseline + $bound_mib MiB)"
  ((peak - base <= bound_mib * 1024)) || die "a's VmRSS grew by $(mib $((peak - base))) MiB, over the bound of $bound_mib MiB"
  echo "load: honest sync $n_ops ops in $took s under 500 idle + 1000 handshakes + junk; RSS $(mib "$base") -> $(mib "$peak") -> $(mib "$after") MiB"
  stop a
  stop b
}

scenario_flood() {
  # bounds: the heap (RssAnon) may grow 32 MiB over its baseline and must be
  # flat (the last sample at most 8 MiB over the first). Under ASan the heap
  # climbs steadily in this test (+133 MiB in 60 s, not explained yet; 1 -> 2
  # MiB in Release): there only a bound of 192 MiB is checked.
  local secs=${LINLI_FLOOD_SECONDS:-60} rate=500 bound_mib=${LINLI_FLOOD_RSS_MIB:-32} flat_mib=8
  if ldd "$LINLID" 2>/dev/null | grep -q libasan; then
    bound_mib=${LINLI_FLOOD_RSS_MIB:-192}
    flat_mib=$bound_mib
  fi
  local first=0 last=0
  node a shihua
  node b shihua
  node evil shihua
  link b a
  echo "allow evil ${KEY[evil]}" >>"$T/a/linlid.conf"
  echo "peer_ops_per_s $rate" >>"$T/a/linlid.conf"
  start a
  start b
  writes b 3 warm
  converge shihua a b
  sleep 1
  local base samples="" r peak=0 anon0 apeak=0
  base=$(rss a)
  anon0=$(anon a)
  "$HELPER" flood "tcp://127.0.0.1:${PORT[a]}" "${KEY[a]}" "$T/evil/node.key" shihua $((10 * rate)) "$secs" 50 \
    >"$T/flood.out" 2>&1 &
  local fl=$!
  BG+=($fl)
  # honest ops keep flowing from b while the flood lasts
  local honest=0 t_end=$((SECONDS + secs))
  while ((SECONDS < t_end)); do
    honest=$((honest + 1))
    put b household "honest-$honest" name="h $honest" >>"$T/ids" 2>/dev/null || die "put on b during the flood"
    if ((honest % 10 == 0)); then
      r=$(rss a)
      ((r > peak)) && peak=$r
      r=$(anon a)
      ((r > apeak)) && apeak=$r
      ((first == 0)) && first=$r
      last=$r
      samples="$samples $(mib "$(rss a)")/$(mib "$r")"
    fi
    sleep 0.1
  done
  wait "$fl" || die "flood helper failed: $(cat "$T/flood.out")"
  BG=()
  cat "$T/flood.out"
  kill -0 "${PID[a]}" || die "linlid a died in the flood"
  local lim
  lim=$(limits a)
  echo "$lim"
  local lops
  lops=$(awk '$1 == "evil" {print $2}' <<<"$lim")
  [[ ${lops:-0} -gt 0 ]] || die "no op of the flood was limited"
  converge shihua a b
  every_id_present a "$T/ids" household
  every_id_present b "$T/ids" household
  local honest_on_a flood_on_a
  honest_on_a=$("$LINLI" list --data "$T/a" household --json | grep -o '"key":"honest-[0-9]*"' | sort -u | wc -l)
  flood_on_a=$("$LINLI" list --data "$T/a" household --json | grep -o '"key":"flood-[0-9]*"' | sort -u | wc -l)
  [[ $honest_on_a -eq $honest ]] || die "a holds $honest_on_a of $honest honest ops"
  log "a: VmRSS/RssAnon $(mib "$base")/$(mib "$anon0") MiB before, samples during the flood:$samples MiB (bound +$bound_mib MiB, flat within $flat_mib MiB)"
  ((apeak - anon0 <= bound_mib * 1024)) || die "a's RssAnon grew by $(mib $((apeak - anon0))) MiB in the flood"
  ((last - first <= flat_mib * 1024)) || die "a's RssAnon kept growing in the flood: $(mib "$first") -> $(mib "$last") MiB"
  echo "flood: $secs s at $((10 * rate)) ops/s against a limit of $rate/s: a stored $flood_on_a flood ops ($((flood_on_a / secs))/s), limited $lops; $honest honest ops from b all arrived and none acknowledged lost; RSS $(mib "$base") -> peak $(mib "$peak") MiB, RssAnon $(mib "$anon0") -> $(mib "$apeak") MiB"
  stop a
  stop b
}

# fill NODE TAG: bulk 2 KB writes until the daemon refuses one.
fill() {
  "$HELPER" bulk "ipc://$T/$1/control.sock" 100000 household "$2" 2000 >>"$T/ids" 2>"$T/fill.err" &&
    die "$1 took 100000 writes without filling up"
  log "$1 refused a write after $(grep -c . "$T/ids") acknowledged ops: $(cat "$T/fill.err")"
}

# full_checks NODE WANT: linli put fails naming WANT; the daemon serves.
full_checks() {
  local out rc=0
  out=$(put "$1" household full-1 pad="$(head -c 2000 /dev/zero | tr '\0' x)" 2>&1) || rc=$?
  [[ $rc -ne 0 ]] || die "put on a full $1 succeeded"
  grep -qi "$2" <<<"$out" || die "put on a full $1 says: $out"
  log "put on a full $1: $out"
  kill -0 "${PID[$1]}" || die "linlid $1 died when full"
  "$LINLI" status --data "$T/$1" >/dev/null || die "status on a full $1"
  local first
  first=$(head -1 "$T/ids")
  out=$("$LINLI" list --data "$T/$1" household --json 2>&1) || die "reads on a full $1: ${out:0:300}"
  grep -q "$first" <<<"$out" || die "$1 does not list $first"
  every_id_present "$1" "$T/ids" household
}

scenario_disk() {
  local mnt=$T/disk
  mkdir -p "$mnt"
  [[ $(id -u) -eq 0 ]] || die "daemon_disk must run as root to mount a tmpfs (CI does); not skipping"
  mount -t tmpfs -o size=16m,mode=0700 tmpfs "$mnt" || die "cannot mount a 16 MiB tmpfs on $mnt"
  MOUNTED=$mnt
  PORT[a]=$(free_port)
  KEY[a]=$("$LINLI" init --data "$mnt/a" --community shihua --listen "tcp://127.0.0.1:${PORT[a]}" 2>/dev/null)
  [[ ${#KEY[a]} -eq 64 ]] || die "init a on the tmpfs"
  echo "sync_interval_ms 1000" >>"$mnt/a/linlid.conf"
  ln -s "$mnt/a" "$T/a"
  node b shihua
  link b a
  start a
  start b
  writes b 5 b
  converge shihua a b
  # leave about 3 MiB free
  local free_kb
  free_kb=$(df -k --output=avail "$mnt" | tail -1)
  dd if=/dev/zero of="$mnt/filler" bs=1k count=$((free_kb - 3072)) status=none 2>/dev/null || true
  log "tmpfs: $(df -h --output=used,avail "$mnt" | tail -1)"
  fill a disk
  full_checks a "no space left on device"
  # b's writes meanwhile are refused by a's store and fetched again later
  writes b 5 b-while-full
  sleep 2
  kill -0 "${PID[a]}" || die "linlid a died receiving ops on a full disk"
  rm -f "$mnt/filler"
  log "space returned: $(df -h --output=used,avail "$mnt" | tail -1)"
  put a household after-disk name=ok >>"$T/ids" || die "put after space returned"
  converge shihua a b
  every_id_present a "$T/ids" household
  every_id_present b "$T/ids" household
  stop a
  stop b

  # the LMDB map: max_map_mb 1, through the daemon
  : >"$T/ids"
  node c shihua
  echo "max_map_mb 1" >>"$T/c/linlid.conf"
  start c
  fill c map
  full_checks c "database is full"
  stop c
  sed -i 's/^max_map_mb 1$/max_map_mb 4/' "$T/c/linlid.conf"
  start c
  put c household after-map name=ok >>"$T/ids" || die "put after max_map_mb was raised"
  every_id_present c "$T/ids" household
  log "c: writes resume after max_map_mb 1 -> 4 and a restart"
  stop c
}

# ---- all or nothing: kill -9 during an import-csv through linlid ----

# residents NODE: how many residents NODE holds (linlid running or not).
residents() { "$LINLI" list --data "$T/$1" resident --json | { grep -o '"key":"r-' || true; } | wc -l; }

# A fresh copy of node base as node k (its data line rewritten).
fresh_k() {
  rm -rf "$T/k"
  cp -a "$T/base" "$T/k"
  sed -i "s|^data .*|data $T/k|" "$T/k/linlid.conf"
  PORT[k]=${PORT[base]}
}

# wait_exit PID SECONDS: the process (a child of this shell) must end
# within SECONDS; its status in EXIT_RC (not by $(...): a subshell cannot
# wait for this shell's children).
wait_exit() {
  local n=$(($2 * 10))
  EXIT_RC=0
  for _ in $(seq 1 "$n"); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && die "process $1 still running after $2 s"
  wait "$1" || EXIT_RC=$?
}

scenario_hub150() {
  local n=${LINLI_COMMUNITIES:-150} wave=10 c cert i
  tnode hub qiaokou
  start hub
  local addr="tcp://127.0.0.1:${PORT[hub]}"
  # a node with no peer and no listen address is told so at start
  "$LINLI" init --data "$T/alone" --community alone --district qiaokou --hub "${KEY[hub]}" \
    >/dev/null 2>"$T/alone.init" || die "init alone"
  grep -q "This node has no peer" "$T/alone.init" || die "init did not say the node has no peer"
  start alone
  stop alone
  grep -q "syncs with nobody" "$T/alone.log" || die "linlid did not warn that alone syncs with nobody"
  log "a node with no peer is warned by linli init and by linlid"
  # set up: init with the hub's address, enrol at the running hub (which
  # takes the scope live), carry the certificate back
  local names=()
  for i in $(seq 1 "$n"); do
    c=$(printf 'c%03d' "$i")
    names+=("$c")
    KEY[$c]=$("$LINLI" init --data "$T/$c" --community "$c" --district qiaokou \
      --hub "${KEY[hub]}" --hub-addr "$addr" 2>/dev/null) || die "init $c"
    echo "sync_interval_ms 1000" >>"$T/$c/linlid.conf"
    cert=$(cd "$T" && "$LINLI" enroll --data "$T/hub" "$T/$c/enroll-request.txt" 2>>"$T/enroll.err") ||
      die "enroll $c: $(tail -1 "$T/enroll.err")"
    "$LINLI" import-cert --data "$T/$c" "$T/$cert" >/dev/null 2>&1 || die "import-cert $c"
  done
  grep -q "added 'scope c001'.*linlid reloaded it" "$T/enroll.err" || die "enroll did not reload the hub: $(head -3 "$T/enroll.err")"
  [[ $(grep -c '^scope c' "$T/hub/linlid.conf") -eq $n ]] || die "the hub's config has $(grep -c '^scope c' "$T/hub/linlid.conf") community scopes, not $n"
  log "$n communities enrolled; the hub's config holds their scopes, added by linli enroll"
  # in waves: start, write two records, sync to the hub, stop
  for ((w = 0; w < n; w += wave)); do
    local batch=("${names[@]:w:wave}")
    for c in "${batch[@]}"; do start "$c"; done
    for c in "${batch[@]}"; do
      for i in 1 2; do
        put "$c" household "$c-$i" name="$c $i" >/dev/null 2>>"$T/put.err" || die "put on $c: $(tail -1 "$T/put.err")"
      done
    done
    if [[ $w -eq 0 ]]; then
      wait_for 30 "the hub to name c001 in its status" \
        bash -c "'$LINLI' status --data '$T/hub' | grep -q '^c001-${KEY[c001]:0:8} '"
    fi
    for c in "${batch[@]}"; do
      wait_for 60 "$c's records on the hub" "$LINLI" get --data "$T/hub" --scope "$c" household "$c-2"
    done
    for c in "${batch[@]}"; do stop "$c"; done
  done
  log "every community's records reached the hub"
  for c in "${names[@]}"; do
    [[ $(digest hub "$c") == "$(digest "$c" "$c")" ]] || die "scope $c differs between the hub and $c"
  done
  log "the hub and each of the $n communities agree on its scope"
  [[ $(json_num hub rejected) -eq 0 ]] || die "the hub rejected $(json_num hub rejected) ops"
  stop hub
}

scenario_batch() {
  local kills=${LINLI_KILLS:-20} want=3680 t0 t1 span mode i delay lp rc got after zero full
  node src shihua
  "$LINLI" sample --data "$T/src" "$T/s.bundle" >/dev/null
  "$LINLI" import --data "$T/src" "$T/s.bundle" >/dev/null
  for c in compound grid household resident; do
    "$LINLI" export-csv --data "$T/src" "$c" "$T/$c.csv" 2>/dev/null
  done
  node base shihua
  for c in compound grid household; do
    "$LINLI" import-csv --data "$T/base" "$c" "$T/$c.csv" >/dev/null
  done
  [[ $(residents base) -eq 0 ]] || die "base holds residents before the import"

  # One import undisturbed: all rows, and how long it takes.
  fresh_k
  start k
  t0=$(date +%s%N)
  "$LINLI" import-csv --data "$T/k" resident "$T/resident.csv" >"$T/imp.out" 2>&1 || die "import-csv through linlid: $(cat "$T/imp.out")"
  t1=$(date +%s%N)
  grep -q "through linlid" "$T/imp.out" || die "import-csv did not go through linlid: $(cat "$T/imp.out")"
  [[ $(residents k) -eq $want ]] || die "undisturbed import stored $(residents k) of $want"
  span=$(((t1 - t0) / 1000000 + 50))
  log "undisturbed: $want residents through linlid in $(((t1 - t0) / 1000000)) ms; kills fall in 0-$((span * 6 / 5)) ms"
  stop k

  for mode in linlid linli; do
    zero=0 full=0
    for i in $(seq 1 "$kills"); do
      fresh_k
      start k
      "$LINLI" import-csv --data "$T/k" resident "$T/resident.csv" >"$T/imp.out" 2>&1 &
      lp=$!
      delay=$((RANDOM % (span * 6 / 5)))
      sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
      if [[ $mode == linlid ]]; then
        crash k
        wait_exit "$lp" 60
        rc=$EXIT_RC
        start k
        got=$(residents k)
        # What linli said is what happened: success means every row is stored.
        if [[ $rc -eq 0 ]]; then
          [[ $got -eq $want ]] || die "kill $i of linlid: linli exited 0 but $got of $want are stored"
        else
          [[ $got -eq 0 ]] || die "kill $i of linlid: linli failed ($(tail -1 "$T/imp.out")) but $got are stored"
        fi
      else
        kill -9 "$lp" 2>/dev/null || true
        wait "$lp" 2>/dev/null || true
        got=$(residents k)
        [[ $got -eq 0 || $got -eq $want ]] || die "kill $i of linli: $got of $want stored"
        stop k
        start k
        after=$(residents k)
        [[ $after -eq 0 || $after -eq $want ]] || die "kill $i of linli: $after of $want stored after a restart"
        [[ $after -ge $got ]] || die "kill $i of linli: $got stored, then $after after a restart"
        got=$after
      fi
      [[ $got -eq 0 ]] && zero=$((zero + 1)) || full=$((full + 1))
      stop k
    done
    log "kill -9 of $mode at $kills moments: $zero left nothing, $full left all $want rows, none in between"
  done
}

case $SCENARIO in
two | star | crash | hostile | trust | restore | held | load | flood | disk | batch | hub150) "scenario_$SCENARIO" ;;
*) die "unknown scenario $SCENARIO" ;;
esac
FAILED=0
[[ -n ${LINLI_TEST_KEEP_LOGS:-} ]] && cat "$T"/*.log
log "daemon_$SCENARIO passed"
