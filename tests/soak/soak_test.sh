#!/usr/bin/env bash
# scripts/soak.sh on this build's linli-sim: 2 clean seeds of the star pass
# with the closing line, and a deliberately broken invariant (--bug wipe)
# fails with each seed's replay line and exit status 1.
set -euo pipefail
SIM=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
out=$(LINLI_SIM=$SIM SOAK_ONLY='^star$' bash "$ROOT/scripts/soak.sh" 2 2>/dev/null)
echo "$out"
grep -qx '2 passed, 0 failed' <<<"$out" || { echo "FAIL: clean run did not pass 2 seeds"; exit 1; }
rc=0
out=$(LINLI_SIM=$SIM SOAK_ONLY='^star$' bash "$ROOT/scripts/soak.sh" 2 --bug wipe 2>/dev/null) || rc=$?
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: a broken invariant exited $rc, not 1"; exit 1; }
grep -qx '0 passed, 2 failed' <<<"$out" || { echo "FAIL: the failures were not counted"; exit 1; }
[ "$(grep -c '^  replay: linli-sim run star --seed [12] --bug wipe' <<<"$out")" -eq 2 ] ||
  { echo "FAIL: a replay line is missing"; exit 1; }
# The scenario list comes from linli-sim itself.
n=$("$SIM" list | awk 'NF' | wc -l)
out=$(LINLI_SIM=$SIM SOAK_ONLY='^(star|flaky-links)$' bash "$ROOT/scripts/soak.sh" 1 2>&1 >/dev/null || true)
grep -q '2 scenarios (star flaky-links)' <<<"$out" || { echo "FAIL: scenarios not from linli-sim list: $out"; exit 1; }
echo "soak script: ok ($n scenarios listed by linli-sim)"
