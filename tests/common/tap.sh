# Shared by the shell tests of tests/cli: TAP-style lines and a fatal check.
#   source "$(dirname "$0")/../common/tap.sh"
# ok TEXT prints "ok N - TEXT"; die TEXT prints "FAIL: TEXT" on stderr and
# exits 1; at the end a test prints "1..$N".
N=0
die() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
ok() {
  N=$((N + 1))
  echo "ok $N - $*"
}
