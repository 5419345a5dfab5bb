#!/usr/bin/env bash
# Real linlid processes in network namespaces: a partition, lossy and slow
# links, a heal, and a convergence check through the CLI.
#
# K nodes (default 4: a district hub and K-1 communities c1..c{K-1}), each a
# real linlid in its own network namespace linli-RUN-I, joined by veth pairs
# to a bridge in one more namespace linli-RUN-br. Addresses (10.231.0.0/24)
# exist only inside those namespaces: nothing is configured in the host's
# namespace, so no packet of the run can leave them. Trust is on (the hub
# certifies every community, as in scripts/demo.sh), links are ZeroMQ with
# CURVE over real TCP.
#
#   1. start; every community imports a bundle of sample records; wait until
#      each community's scope has the same digest on the hub and on the
#      community, and the district scope the same everywhere
#   2. every community link slow and lossy, both ways: tc netem delay, jitter
#      and 5 % loss; where the kernel has no netem, 5 % loss by nftables and
#      a tc tbf rate limit (the verdict says which: impair=netem|nft+tbf)
#   3. partition: c1's veth is set down (ip link set down), c2's link drops
#      every packet (netem loss 100% or nftables drop, both ways); writes on both sides: the
#      cut-off communities write records, the connected ones write too, and
#      the hub enrols a new node (a certificate in the district scope). The
#      partition must be real: the hub must lack c1's and c2's new state.
#   4. heal (link up, loss 100% removed; the delay and loss of step 2 stay)
#      and wait for the digests to match again
#
# One verdict line on stdout: "netns ok ..." or "netns FAIL ... why=...".
# Exit status: 0 converged, 1 failed, 2 cannot run here (not root, no ip/tc,
# no network namespaces, neither netem nor nftables; the reason is printed)
# or usage error.
#
#   sudo sim/netns/partition.sh [--bin BUILDDIR | --linli PATH --linlid PATH]
#        [--nodes K] [--partition-s S] [--days N] [--timeout-s S] [--keep]
#
# BUILDDIR defaults to $LINLI_BIN, else build-release. --partition-s (default
# 35) longer than 30 s lets the heartbeats notice the partition, so the links
# really go down and are redialled at the heal. --keep leaves the data and
# logs (never the namespaces or processes).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

K=4
PART_S=35
DAYS=3
TIMEOUT_S=60
KEEP=0
BUILD=${LINLI_BIN:-$ROOT/build-release}
LINLI=
LINLID=
usage() {
  sed -n '/^#   sudo/,/^#        \[/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --bin) BUILD=$2; shift 2 ;;
  --linli) LINLI=$2; shift 2 ;;
  --linlid) LINLID=$2; shift 2 ;;
  --nodes) K=$2; shift 2 ;;
  --partition-s) PART_S=$2; shift 2 ;;
  --days) DAYS=$2; shift 2 ;;
  --timeout-s) TIMEOUT_S=$2; shift 2 ;;
  --keep) KEEP=1; shift ;;
  -h | --help) usage ;;
  *) echo "partition.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
LINLI=${LINLI:-$BUILD/cli/linli}
LINLID=${LINLID:-$BUILD/node/daemon/linlid}
case $K in '' | *[!0-9]*) usage ;; esac
case $PART_S in '' | *[!0-9]*) usage ;; esac
[ "$K" -ge 3 ] && [ "$K" -le 200 ] || { echo "partition.sh: --nodes must be 3..200" >&2; exit 2; }

log() { echo "partition.sh: [${SECONDS}s] $*" >&2; }
cannot() {
  echo "netns CANNOT-RUN why=$1"
  echo "partition.sh: cannot run: $1" >&2
  exit 2
}

# ---- can this machine run it?
[ "$(id -u)" = 0 ] || cannot "needs root (network namespaces, veth, tc); run it with sudo"
if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
  if command -v apt-get >/dev/null; then
    echo "partition.sh: installing iproute2 (ip, tc)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2 >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2 >&2; }
  fi
  command -v ip >/dev/null && command -v tc >/dev/null ||
    cannot "'ip' and 'tc' (iproute2) are missing and could not be installed"
fi
[ -x "$LINLI" ] && [ -x "$LINLID" ] ||
  cannot "no linli/linlid at $LINLI, $LINLID (build them, or pass --bin BUILDDIR)"

RUN=$$
NS_BR=linli-$RUN-br
ns() { echo "linli-$RUN-$1"; }
declare -a PID
D=$(mktemp -d /tmp/linli-netns-XXXXXX)
CREATED=()

cleanup() {
  for i in "${!PID[@]}"; do kill "${PID[$i]}" 2>/dev/null; done
  for i in "${!PID[@]}"; do wait "${PID[$i]}" 2>/dev/null; done
  for n in "${CREATED[@]}"; do ip netns del "$n" 2>/dev/null; done
  [ -n "${T0:-}" ] && echo "partition.sh: [${SECONDS}s] cleaned up" >&2
  if [ "$KEEP" = 1 ]; then echo "partition.sh: data and logs kept in $D" >&2; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkns() {
  ip netns add "$1" 2>"$D/ns.err" || cannot "ip netns add failed: $(head -1 "$D/ns.err") (no network namespace support?)"
  CREATED+=("$1")
  ip -n "$1" link set lo up
}

# ---- the network: a bridge namespace, one namespace per node
mkns "$NS_BR"
ip -n "$NS_BR" link add br0 type bridge 2>"$D/ns.err" || cannot "cannot create a bridge: $(head -1 "$D/ns.err")"
ip -n "$NS_BR" link set br0 up
addr() { echo "10.231.0.$(($1 + 1))"; }
for ((i = 0; i < K; i++)); do
  mkns "$(ns "$i")"
  # Both ends are created inside the namespaces: the host never sees them.
  ip -n "$NS_BR" link add "v$i" type veth peer name eth0 netns "$(ns "$i")" 2>"$D/ns.err" ||
    cannot "cannot create a veth pair: $(head -1 "$D/ns.err")"
  ip -n "$NS_BR" link set "v$i" master br0 up
  ip -n "$(ns "$i")" addr add "$(addr "$i")/24" dev eth0
  ip -n "$(ns "$i")" link set eth0 up
done
ip -n "$NS_BR" link set br0 type bridge forward_delay 0 2>/dev/null
# ---- impairments: tc netem where the kernel has it (delay, jitter, loss on
# both ends of a link); otherwise loss by nftables (numgen random, in the
# node's namespace, both directions) and a slow link by a tc tbf rate limit
# (serialisation and queueing delay) on both ends.
command -v modprobe >/dev/null && modprobe sch_netem 2>/dev/null
if tc -n "$(ns 1)" qdisc add dev eth0 root netem delay 1ms 2>"$D/ns.err"; then
  tc -n "$(ns 1)" qdisc del dev eth0 root
  IMPAIR=netem
  LOSSY_DESC="netem delay 40ms 15ms loss 5%"
else
  NETEM_ERR=$(head -1 "$D/ns.err")
  if ! command -v nft >/dev/null && command -v apt-get >/dev/null; then
    echo "partition.sh: no tc netem here ($NETEM_ERR); installing nftables for packet loss" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nftables >&2; }
  fi
  command -v nft >/dev/null && ip netns exec "$(ns 1)" nft add table inet linli_probe 2>"$D/ns.err" ||
    cannot "neither tc netem ($NETEM_ERR) nor nftables ($(head -1 "$D/ns.err" 2>/dev/null)) can impair links here"
  ip netns exec "$(ns 1)" nft delete table inet linli_probe
  tc -n "$(ns 1)" qdisc add dev eth0 root tbf rate 8mbit burst 32kb latency 400ms 2>"$D/ns.err" ||
    cannot "neither tc netem ($NETEM_ERR) nor tc tbf ($(head -1 "$D/ns.err")) is available"
  tc -n "$(ns 1)" qdisc del dev eth0 root
  IMPAIR=nft+tbf
  LOSSY_DESC="nft loss 5% + tbf rate 8mbit"
  echo "partition.sh: this kernel has no tc netem ($NETEM_ERR): loss by nftables, slowness by tbf" >&2
fi

# nft_loss I PERCENT: drop PERCENT % of packets in and out of node I
nft_loss() {
  local rule="numgen random mod 100 < $2 drop;"
  [ "$2" = 100 ] && rule="drop;"
  ip netns exec "$(ns "$1")" nft -f - <<EOF
table inet linli
delete table inet linli
table inet linli {
  chain in { type filter hook input priority 0; policy accept; $rule }
  chain out { type filter hook output priority 0; policy accept; $rule }
}
EOF
}
# qdisc I ARGS...: the same root qdisc on both ends of node I's link
qdisc() {
  local i=$1
  shift
  local side n dev
  for side in "$(ns "$i") eth0" "$NS_BR v$i"; do
    n=${side% *} dev=${side#* }
    tc -n "$n" qdisc del dev "$dev" root 2>/dev/null
    tc -n "$n" qdisc add dev "$dev" root "$@" || return 1
  done
}
lossy() { # I: a slow link that loses 5 % of packets
  if [ $IMPAIR = netem ]; then
    qdisc "$1" netem delay 40ms 15ms distribution normal loss 5%
  else
    qdisc "$1" tbf rate 8mbit burst 32kb latency 400ms && nft_loss "$1" 5
  fi
}
cut_off() { # I: every packet of node I's link lost (the link stays up)
  if [ $IMPAIR = netem ]; then qdisc "$1" netem loss 100%; else nft_loss "$1" 100; fi
}

# ---- the nodes
NAME[0]=hub
for ((i = 1; i < K; i++)); do NAME[$i]=c$i; done
"$LINLI" init --data "$D/hub" --community qiaokou --listen "tcp://$(addr 0):7001" \
  --district qiaokou --hub self >/dev/null 2>>"$D/setup.log" || { echo "netns FAIL why=init-hub"; exit 1; }
HUB=$("$LINLI" pubkey --data "$D/hub")
echo "sync_interval_ms 1000" >>"$D/hub/linlid.conf"
for ((i = 1; i < K; i++)); do
  c=${NAME[$i]}
  echo "scope $c" >>"$D/hub/linlid.conf"
  "$LINLI" init --data "$D/$c" --community "$c" --listen "tcp://$(addr "$i"):7001" \
    --district qiaokou --hub "$HUB" >/dev/null 2>>"$D/setup.log" || { echo "netns FAIL why=init-$c"; exit 1; }
  printf 'peer hub tcp://%s:7001 %s\nsync_interval_ms 1000\n' "$(addr 0)" "$HUB" >>"$D/$c/linlid.conf"
  mkdir -p "$D/certs/$c"
  "$LINLI" enroll --data "$D/hub" "$D/$c/enroll-request.txt" --out "$D/certs/$c" >>"$D/setup.log" 2>&1 &&
    "$LINLI" import-cert --data "$D/$c" "$D/certs/$c"/cert-*.op 2>>"$D/setup.log" >/dev/null &&
    "$LINLI" sample --data "$D/$c" --days "$DAYS" "$D/$c.bundle" >>"$D/setup.log" 2>&1 &&
    "$LINLI" import --data "$D/$c" "$D/$c.bundle" >>"$D/setup.log" 2>&1 ||
    { echo "netns FAIL why=setup-$c (see $D/setup.log)"; KEEP=1; exit 1; }
done

start() { # I: linlid of node I inside its namespace (ip netns exec execs it: $! is linlid)
  ip netns exec "$(ns "$1")" "$LINLID" --data "$D/${NAME[$1]}" 2>>"$D/${NAME[$1]}.log" &
  PID[$1]=$!
}
log "network and $K nodes set up"
for ((i = 0; i < K; i++)); do start "$i"; done
T0=$SECONDS

dig() { "$LINLI" digest --data "$D/$1" --scope "$2" 2>/dev/null; }
# Community I's scope equal on the hub and on I, and the district scope
# equal on I and the hub.
in_sync() {
  local c=${NAME[$1]}
  local a b
  a=$(dig hub "$c") && b=$(dig "$c" "$c") && [ -n "$a" ] && [ "$a" = "$b" ] || return 1
  a=$(dig hub qiaokou) && b=$(dig "$c" qiaokou) && [ -n "$a" ] && [ "$a" = "$b" ]
}
all_in_sync() {
  for ((i = 1; i < K; i++)); do in_sync "$i" || return 1; done
}
alive() {
  for i in "${!PID[@]}"; do
    kill -0 "${PID[$i]}" 2>/dev/null || { echo "netns FAIL why=linlid-${NAME[$i]}-exited (log: $D/${NAME[$i]}.log)"; KEEP=1; exit 1; }
  done
}
wait_all() { # WHAT: waits up to TIMEOUT_S; WAITED = the seconds taken
  local t0=$SECONDS
  until all_in_sync; do
    alive
    if [ $((SECONDS - t0)) -ge "$TIMEOUT_S" ]; then
      local lag=
      for ((i = 1; i < K; i++)); do in_sync "$i" || lag="$lag${lag:+,}${NAME[$i]}"; done
      echo "netns FAIL nodes=$K why=$1-not-converged-in-${TIMEOUT_S}s lagging=$lag (logs in $D)"
      KEEP=1
      exit 1
    fi
    sleep 0.5
  done
  WAITED=$((SECONDS - t0))
}

# ---- 1. initial sync
wait_all initial
T_INIT=$WAITED
OPS0=$("$LINLI" status --data "$D/hub" --json 2>/dev/null | grep -o '"ops": *[0-9]*' | head -1 | grep -o '[0-9]*$')
log "initial sync of $K nodes in ${T_INIT}s (hub holds ${OPS0:-?} ops)"

# ---- 2. slow, lossy links
for ((i = 1; i < K; i++)); do lossy "$i" || { echo "netns FAIL why=impair-$IMPAIR"; exit 1; }; done
log "every community link slow and lossy: $LOSSY_DESC"

# ---- 3. partition, writes on both sides
ip -n "$NS_BR" link set v1 down
cut_off 2
log "partition: c1 link down, c2 loses 100 %; writing on both sides for ${PART_S}s"
WRITES=0
put() { # I COLLECTION KEY FIELDS...
  local i=$1
  shift
  "$LINLI" put --raw --data "$D/${NAME[$i]}" "$@" >/dev/null 2>>"$D/put.err" ||
    { echo "netns FAIL why=put-on-${NAME[$i]}-failed: $(tail -1 "$D/put.err")"; KEEP=1; exit 1; }
  WRITES=$((WRITES + 1))
}
"$LINLI" init --data "$D/laptop" --community c1 --district qiaokou --hub "$HUB" >/dev/null 2>>"$D/setup.log" &&
  "$LINLI" enroll --data "$D/hub" "$D/laptop/enroll-request.txt" --out "$D/certs" >>"$D/setup.log" 2>&1 ||
  { echo "netns FAIL why=enroll-during-partition"; KEEP=1; exit 1; }
WRITES=$((WRITES + 1))
TP=$SECONDS
round=0
while [ $((SECONDS - TP)) -lt "$PART_S" ]; do
  round=$((round + 1))
  for ((i = 1; i < K; i++)); do
    put "$i" household "net-${NAME[$i]}-$round" name="Round $round" size=$((round % 6 + 1)) hardship=false
  done
  alive
  sleep 2
done
# The partition was real: the hub has not seen c1's and c2's writes, and they
# have not seen the new certificate.
for i in 1 2; do
  c=${NAME[$i]}
  [ "$(dig hub "$c")" != "$(dig "$c" "$c")" ] && [ "$(dig hub qiaokou)" != "$(dig "$c" qiaokou)" ] ||
    { echo "netns FAIL nodes=$K why=partition-leaked-$c"; KEEP=1; exit 1; }
done
if [ "$K" -gt 3 ]; then
  # The connected communities keep up through the lossy links meanwhile.
  for ((i = 3; i < K; i++)); do
    t=0
    until in_sync "$i"; do
      sleep 0.5
      t=$((t + 1))
      [ $t -lt $((TIMEOUT_S * 2)) ] || { echo "netns FAIL nodes=$K why=connected-${NAME[$i]}-not-in-sync-during-partition"; KEEP=1; exit 1; }
    done
  done
fi
log "partition held ${PART_S}s: $WRITES writes"

# ---- 4. heal
ip -n "$NS_BR" link set v1 up
lossy 2
log "healed (links stay slow and lossy: $LOSSY_DESC)"
wait_all heal
T_HEAL=$WAITED
alive
# A record c1 wrote offline is now on the hub, and the laptop's certificate on c1.
"$LINLI" get --data "$D/hub" --scope c1 household "net-c1-1" >/dev/null 2>&1 ||
  { echo "netns FAIL nodes=$K why=offline-write-missing-on-hub"; KEEP=1; exit 1; }
LAPTOP=$("$LINLI" pubkey --data "$D/laptop")
"$LINLI" roster --data "$D/c1" 2>/dev/null | grep -q "${LAPTOP:0:16}" ||
  { echo "netns FAIL nodes=$K why=certificate-missing-on-c1"; KEEP=1; exit 1; }
DOWNS=$(cat "$D"/*.log 2>/dev/null | grep -c 'link down')
OPS=$("$LINLI" status --data "$D/hub" --json 2>/dev/null | grep -o '"ops": *[0-9]*' | head -1 | grep -o '[0-9]*$')
echo "netns ok nodes=$K ops=${OPS:-?} writes_during_partition=$WRITES partition=${PART_S}s link_down_events=$DOWNS impair=$IMPAIR initial_sync=${T_INIT}s converged_after_heal=${T_HEAL}s total=$((SECONDS - T0))s"
exit 0
