#!/usr/bin/env bash
# Soak: N simulator seeds of every built-in scenario, on every core.
#
#   scripts/soak.sh N [linli-sim options...]
#
# The scenarios are the ones `linli-sim list` prints (so a scenario added to
# the simulator is soaked without editing this script), each run for seeds
# FIRST..FIRST+N-1, split into chunks that run in parallel, one per core.
# Prints each failed seed's line and the command that replays it, then
# `N passed, N failed` (seeds x scenarios). Exit status 1 if any seed failed
# (or a run died), 0 otherwise.
#
# Environment:
#   LINLI_SIM       the linli-sim binary (default: build-release/, then build/)
#   SOAK_FIRST      the first seed (default 1), to soak another range
#   SOAK_JOBS       parallel runs (default: nproc)
#   SOAK_ONLY       an extended regex: soak only the scenarios it matches
#   SOAK_SKIP       an extended regex: skip the scenarios it matches (e.g. city)
# Extra arguments go to every `linli-sim run` (e.g. --check-determinism).
# docs/sim.md lists the scenarios and what one seed of each costs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/soak.sh N [linli-sim run options...]   (N seeds of every scenario)" >&2
  exit 2
fi
N=$1
shift
FIRST=${SOAK_FIRST:-1}
JOBS=${SOAK_JOBS:-$(nproc)}
SIM=${LINLI_SIM:-}
if [ -z "$SIM" ]; then
  for b in build-release/sim/linli-sim build/sim/linli-sim; do
    [ -x "$b" ] && SIM=$b && break
  done
fi
[ -n "$SIM" ] && [ -x "$SIM" ] || { echo "soak: no linli-sim (build it, or set LINLI_SIM)" >&2; exit 2; }

mapfile -t SCENARIOS < <("$SIM" list | awk 'NF { print $1 }')
[ "${#SCENARIOS[@]}" -gt 0 ] || { echo "soak: '$SIM list' printed no scenario" >&2; exit 2; }
picked=()
for s in "${SCENARIOS[@]}"; do
  [ -n "${SOAK_ONLY:-}" ] && ! [[ $s =~ $SOAK_ONLY ]] && continue
  [ -n "${SOAK_SKIP:-}" ] && [[ $s =~ $SOAK_SKIP ]] && continue
  picked+=("$s")
done
[ "${#picked[@]}" -gt 0 ] || { echo "soak: SOAK_ONLY/SOAK_SKIP left no scenario" >&2; exit 2; }

OUT=$(mktemp -d "${TMPDIR:-/tmp}/linli-soak.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# Chunks: about 4 per job per scenario, so one slow seed does not idle the rest.
chunk=$(( (N + JOBS * 4 - 1) / (JOBS * 4) ))
jobs_file="$OUT/jobs"
: >"$jobs_file"
k=0
for s in "${picked[@]}"; do
  for ((a = FIRST; a < FIRST + N; a += chunk)); do
    b=$((a + chunk - 1))
    [ "$b" -ge $((FIRST + N)) ] && b=$((FIRST + N - 1))
    printf '%s %d %d %d\n' "$s" "$a" "$b" "$k" >>"$jobs_file"
    k=$((k + 1))
  done
done

echo "soak: ${#picked[@]} scenarios (${picked[*]}), seeds $FIRST..$((FIRST + N - 1)), $JOBS jobs, $SIM" >&2
start=$(date +%s)
export SIM OUT SOAK_EXTRA="$*"
# Each chunk: its own temporary directory, its output in OUT/K.out, its
# exit status in OUT/K.rc (linli-sim exits 1 when a seed failed).
# shellcheck disable=SC2016,SC2086
xargs -P "$JOBS" -L 1 bash -c '
  d=$(mktemp -d "$OUT/tmp.XXXXXX")
  rc=0
  nice -n 10 "$SIM" run "$1" --seeds "$2..$3" --quiet --tmp "$d" $SOAK_EXTRA >"$OUT/$4.out" 2>&1 || rc=$?
  echo "$rc" >"$OUT/$4.rc"
  rm -rf "$d"
' _ <"$jobs_file" || true

passed=0 failed=0 died=0
while read -r s a b k; do
  f="$OUT/$k.out"
  sum=$(grep -E '^summary ' "$f" | tail -n 1 || true)
  if [ -z "$sum" ]; then
    # No summary: the run itself died; count every seed of the chunk failed.
    died=$((died + 1))
    failed=$((failed + b - a + 1))
    echo "FAIL $s seeds $a..$b: linli-sim died (status $(cat "$OUT/$k.rc" 2>/dev/null || echo ?)); last lines:"
    { tail -n 5 "$f" 2>/dev/null || true; } | sed 's/^/  /'
    echo "  replay: $SIM run $s --seeds $a..$b ${SOAK_EXTRA}"
    continue
  fi
  ok=$(sed -E 's/.* ok=([0-9]+).*/\1/' <<<"$sum")
  bad=$(sed -E 's/.* failed=([0-9]+).*/\1/' <<<"$sum")
  passed=$((passed + ok))
  failed=$((failed + bad))
  if [ "$bad" -gt 0 ]; then
    grep -E '^SEED=[0-9]+ FAIL|^  replay:' "$f" | sed "s/^SEED=/$s SEED=/"
  fi
done <"$jobs_file"

echo "soak: $(( $(date +%s) - start )) s; $died runs died" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
