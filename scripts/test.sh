#!/usr/bin/env bash
# The test command: installs what it needs, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer (-Wall -Wextra -Werror), runs every test with ctest.
# Then the same tests on a Release build, the .deb (dist/check-deb.sh), and in
# CI 60 s of fuzzing per decoder.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
BUILD=${LINLI_BUILD:-build-test}
cmake -S . -B "$BUILD" -DLINLI_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
# The optimised build (what the demo and benchmarks use) must build clean too:
# -O3 finds uninitialised paths that -O2 does not.
cmake -S . -B "$BUILD-release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD-release" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)" "$@")
# And once more without sanitizers: optimisation exposes bugs (strict
# aliasing, uninitialised reads) that the sanitizer build hides. The long
# system runs (load, flood, network namespaces, the demo, 200 sim seeds)
# ran above already; here they would only double CI time.
(cd "$BUILD-release" && ctest --output-on-failure -j"$(nproc)" \
  -E 'daemon_(load|flood)|netns_partition|^demo$|sim_star_' "$@")
# The .deb: a package build (tests and bench off), its contents, and as root
# an install in a throwaway copy of this machine where systemd runs the unit
# (dist/check-deb.sh; docs/operator.md "Install").
bash dist/check-deb.sh "$BUILD-deb"
# Fuzzing: every libFuzzer target for LINLI_FUZZ_SECONDS each (30 in CI;
# 0, the default elsewhere, skips it). See docs/fuzzing.md.
FUZZ_SECONDS=${LINLI_FUZZ_SECONDS:-$([ "${CI:-}" = true ] && echo 30 || echo 0)}
if [ "$FUZZ_SECONDS" -gt 0 ]; then
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
fi
