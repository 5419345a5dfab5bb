#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 60) on a copy of the
# committed seed corpus: bash scripts/fuzz.sh [SECONDS] [TARGET...]
# Installs clang and libFuzzer if missing, builds build-fuzz (LINLI_FUZZ=ON),
# prints one line per target (executions, executions per second, crash or
# not) and exits non-zero if any target crashed, leaked, timed out or ran
# out of memory. Eight targets: 60 s each takes about 9 minutes. Crash inputs
# are kept under $BUILD/fuzz-run/<target>/artifacts/; docs/fuzzing.md says
# how to turn one into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-60}
passed=0
shift || true
TARGETS=("$@")
# Every target of tests/fuzz/targets.cmake unless some are named.
[ ${#TARGETS[@]} -eq 0 ] &&
  read -r -a TARGETS <<<"$(sed -n 's/^set(FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/targets.cmake)"
BUILD=${LINLI_FUZZ_BUILD:-build-fuzz}

fuzzer_links() {
  local d
  d=$(mktemp -d)
  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$d/t.c"
  clang -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1
  local rc=$?
  rm -rf "$d"
  return $rc
}

if ! command -v clang >/dev/null || ! fuzzer_links; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  fuzzer_links || { echo "fuzz.sh: clang cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi
bash scripts/deps.sh

cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DLINLI_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}" >/dev/null

RUN="$BUILD/fuzz-run"
# Targets run side by side, LINLI_FUZZ_JOBS at a time (default: one per
# core); each still gets SECONDS of its own.
JOBS=${LINLI_FUZZ_JOBS:-$(nproc)}
run_target() {
  local t=$1 dir="$RUN/$1" rc=0
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -malloc_limit_mb=64 -max_len=8192 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
    >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}
running=0
for t in "${TARGETS[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait
    running=0
  fi
done
wait

failed=0
for t in "${TARGETS[@]}"; do
  dir="$RUN/$t"
  rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  artifacts=$(ls "$dir/artifacts")
  if [ "$rc" -ne 0 ] || [ -n "$artifacts" ]; then
    failed=1
    printf '%-11s execs=%-10s CRASH (exit %s): %s\n' "$t" "${execs:-?}" "$rc" \
      "$(echo "$artifacts" | sed "s|^|$dir/artifacts/|" | tr '\n' ' ')"
    grep -m3 -E 'ERROR:|fuzz invariant failed|runtime error' "$dir/log" | sed 's/^/    /' || true
  else
    printf '%-11s execs=%-10s %7s/s  ok (corpus %s files)\n' "$t" "${execs:-?}" "${rate:-?}" \
      "$(ls "$dir/corpus" | wc -l)"
    passed=$((passed + 1))
  fi
done
echo "fuzz: $passed passed, $((${#TARGETS[@]} - passed)) failed"
exit $failed
