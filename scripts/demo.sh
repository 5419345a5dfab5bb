#!/usr/bin/env bash
# The main job. Until the daemon lands (issue "sync") this builds an
# optimised linli and runs what exists: the op benchmark, which signs and
# verifies real ops and prints their cost against raw Ed25519.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
BUILD=${LINLI_BUILD:-build-release}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
"$BUILD/bench/linli-bench" op
