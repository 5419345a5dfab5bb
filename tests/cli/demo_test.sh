#!/usr/bin/env bash
# Runs the README's main job (scripts/demo.sh) on the binaries of this build
# and checks its final district report: all three communities heard from,
# the offline case arrived at the hub after the heal, and the published
# share is the hand-counted one (sample data: 5/8, 3/6, 2/5 compounds free;
# +1 when SH-C08 gets its supply measure, -1 when CH-C01's case arrives).
set -u
BIN=$1
out=$(LINLI_BIN=$BIN LINLI_DEMO_DAYS=${LINLI_DEMO_DAYS:-45} bash "$(dirname "$0")/../../scripts/demo.sh" 2>&1)
rc=$?
fail() {
  printf '%s\n' "$out" | tail -40
  echo "demo_test: $1" >&2
  exit 1
}
[ $rc -eq 0 ] || fail "demo.sh exited $rc"
final=$(printf '%s\n' "$out" | sed -n '/== the link heals/,$p')
printf '%s\n' "$final" | grep -q '3 of 3 communities heard from' || fail "not every community heard from"
printf '%s\n' "$final" | grep -q '10 of 19 compounds epidemic-free (52.6 %)' || fail "wrong district share"
printf '%s\n' "$final" | grep -Eq '^changhongli +1510 +1/5 +3320 +[0-9]+ +1 ' || fail "offline case missing at the hub"
printf '%s\n' "$out" | grep -q '11 of 19 compounds epidemic-free (57.9 %)' || fail "partition view wrong"
printf '%s\n' "$out" | grep -q 'GET /login: HTTP 200, 登录 · linli' || fail "the hub's web console did not answer"
printf '%s\n' "$out" | grep -Eq 'log in as: district / [A-Za-z0-9]{8,} ' || fail "no login printed"
printf '%s\n' "$final" | tail -12
echo "demo_test: 6 passed, 0 failed"
