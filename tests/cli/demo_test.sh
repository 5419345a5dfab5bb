#!/usr/bin/env bash
# Runs the README's main job (scripts/demo.sh) on the binaries of this build
# and checks its final district report: all three communities heard from,
# the offline case arrived at the hub after the heal, and the published
# share is the hand-counted one (sample data: 5/8, 3/6, 2/5 compounds meet the
# rule; +1 when SH-C08 gets its supply measure, -1 when CH-C01's case
# arrives); SH-C01 and CH-C01 are certified, and CH-C01 withdrawn at the end.
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
printf '%s\n' "$final" | grep -q 'Completeness: communities heard from in 1 day 3 / 3' || fail "not every community heard from"
printf '%s\n' "$final" | grep -q 'Compounds meeting the epidemic-free rule (whatever their state): 10 / 19' || fail "wrong district share"
printf '%s\n' "$final" | grep -q 'Epidemic-free compounds (certified): 1 / 19 (5.3 %); withdrawn 1 · ' || fail "wrong certified headline"
printf '%s\n' "$final" | grep -Eq '^changhongli +常宏里社区 +1510 +3320 +5 +0 +1 +1 ' || fail "offline case missing at the hub"
printf '%s\n' "$final" | grep -Eq '^changhongli +CH-C01 .* withdrawn .*1 confirmed case' || fail "CH-C01 not withdrawn"
printf '%s\n' "$out" | grep -q 'Compounds meeting the epidemic-free rule (whatever their state): 11 / 19' || fail "partition view wrong"
printf '%s\n' "$out" | grep -q 'Epidemic-free compounds (certified): 2 / 19 (10.5 %)' || fail "partition view: not 2 certified"
printf '%s\n' "$out" | grep -q 'GET /login: HTTP 200, 登录 · linli' || fail "the hub's web console did not answer"
printf '%s\n' "$out" | grep -Eq 'log in as: district / [A-Za-z0-9]{8,} ' || fail "no login printed"
printf '%s\n' "$final" | tail -12
echo "demo_test: 9 passed, 0 failed"
