#!/usr/bin/env bash
# Staff on the CLI (issue 20 item 4), on a real linlid and real Unix users:
#   - the node's directory and control socket are shared with the group
#     linli (0750 / 0660); staff lines map Unix users to staff names and roles;
#   - two Unix users write through the same linlid and `history` names each
#     (BY column, --json "by"); the owner's writes carry its own name;
#   - a viewer's write and an unlisted user's write are refused with a clear
#     error, nothing is stored, linlid keeps running, and its log names the
#     uid and role only (no staff or resident name, no phone);
#   - a role without pii reads ID numbers and phones masked in show, list,
#     --json and CSV exports; a role with pii and the owner read them whole;
#   - with linlid stopped a clerk may not write; the owner may, and the op
#     says so (by OWNER@offline).
# Needs root (it adds the group and users, as CI may: it runs as root).
#
#   users_test.sh LINLI LINLID
set -euo pipefail
LINLI=$(realpath "$1")
LINLID=$(realpath "$2")
T=$(mktemp -d /tmp/linli-users-XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
source "$(dirname "$0")/../common/tap.sh"
source "$(dirname "$0")/../common/daemon.sh"

[[ $(id -u) -eq 0 ]] || die "users_test must run as root to add Unix users (CI does); not skipping"
getent group linli >/dev/null || groupadd --system linli
for u in linli-t-wang linli-t-zhang linli-t-li linli-t-nobody; do
  id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --gid linli --shell /usr/sbin/nologin "$u"
done
as() { # as USER ARGS...: linli as that Unix user; output in $T/out, $T/err
  local u=$1
  shift
  runuser -u "$u" -- "$LINLI" "$@" >"$T/out" 2>"$T/err"
}
chmod 755 "$T"

"$LINLI" init --data "$T/a" --community shihua >/dev/null 2>&1 || die "init"
chgrp linli "$T/a"
chmod 2750 "$T/a"
cat >>"$T/a/linlid.conf" <<'EOF'
staff linli-t-wang 王芳 clerk
staff linli-t-zhang 张伟 clerk pii
staff linli-t-li 李明 viewer
EOF
start a
[[ $(stat -c '%a %G' "$T/a/control.sock") == "660 linli" ]] ||
  die "control socket: $(stat -c '%a %G' "$T/a/control.sock")"
[[ $(stat -c '%G' "$T/a/data.mdb") == linli && $(stat -c '%a' "$T/a/lock.mdb") == 660 ]] ||
  die "store files: $(stat -c '%n %a %G' "$T/a"/*.mdb)"
ok "the node's directory, store and control socket are shared with the group linli"

# ---- two Unix users write through the same linlid ----
as linli-t-wang volunteer add --data "$T/a" V-1 name=赵六 phone=13800001111 ||
  die "wang's write: $(cat "$T/err")"
as linli-t-zhang volunteer add --data "$T/a" V-2 name=钱七 phone=13900002222 ||
  die "zhang's write: $(cat "$T/err")"
as linli-t-zhang volunteer set --data "$T/a" V-1 phone=13700003333 || die "zhang's set: $(cat "$T/err")"
"$LINLI" volunteer add --data "$T/a" V-3 name=孙八 >/dev/null 2>&1 || die "the owner's write"
"$LINLI" volunteer history --data "$T/a" V-1 >"$T/h1" || die "history V-1"
grep -q '王芳.*name' "$T/h1" && grep -q '张伟.*phone' "$T/h1" || die "history V-1: $(cat "$T/h1")"
"$LINLI" volunteer history --data "$T/a" V-2 --json >"$T/h2"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h and all(l["by"] == "张伟" for l in h), h' "$T/h2" || die "history V-2: $(cat "$T/h2")"
"$LINLI" volunteer history --data "$T/a" V-3 --json >"$T/h3"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h and all(l["by"] == "root" for l in h), h' "$T/h3" || die "history V-3: $(cat "$T/h3")"
! grep -q "by=\|\"by\"" <("$LINLI" conflicts list --data "$T/a") || die "a by shows as a conflict"
ok "two Unix users write through one linlid; history names each (王芳, 张伟) and the owner (root)"

# ---- refused: a viewer, an unlisted user; nothing stored, linlid runs on ----
before=$("$LINLI" list --data "$T/a" volunteer --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
if as linli-t-li volunteer add --data "$T/a" V-4 name=周九; then die "a viewer wrote"; fi
grep -q "李明 is a viewer: writing its records needs the role clerk" "$T/err" || die "viewer: $(cat "$T/err")"
if as linli-t-nobody volunteer add --data "$T/a" V-5 name=吴十; then die "an unlisted user wrote"; fi
grep -q "Unix user linli-t-nobody is not staff of this node" "$T/err" || die "unlisted: $(cat "$T/err")"
"$LINLI" export --data "$T/a" --plain "$T/a.bundle" >/dev/null 2>&1 || die "export"
chmod 644 "$T/a.bundle"
if as linli-t-li import --data "$T/a" "$T/a.bundle"; then die "a viewer imported"; fi
grep -q "importing needs the role clerk" "$T/err" || die "viewer import: $(cat "$T/err")"
if as linli-t-wang volunteer add --data "$T/a" V-6 name=郑一 by=someone; then die "a forged by"; fi
after=$("$LINLI" list --data "$T/a" volunteer --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ $before == "$after" ]] || die "refused writes stored something: $before then $after volunteers"
"$LINLI" status --data "$T/a" >/dev/null || die "linlid died"
grep -q "control refused uid=$(id -u linli-t-li) role=viewer" "$T/a.log" || die "no refusal logged"
! grep -qE "李明|王芳|张伟|周九|吴十|1380000|1390000" "$T/a.log" || die "the log names a person: $(grep -E '李明|王芳|张伟|周九|吴十|1380000' "$T/a.log")"
ok "a viewer's write and import and an unlisted user's write are refused, a by= refused; nothing stored; the log has uid and role only"

# ---- masked without pii ----
as linli-t-wang volunteer show --data "$T/a" V-2 || die "wang show: $(cat "$T/err")"
grep -q '139\*\*\*\*2222' "$T/out" && ! grep -q 13900002222 "$T/out" || die "wang sees: $(cat "$T/out")"
as linli-t-wang list --data "$T/a" volunteer --json || die "wang list"
grep -q '139\*\*\*\*2222' "$T/out" && ! grep -q 13900002222 "$T/out" || die "wang's --json: $(cat "$T/out")"
as linli-t-wang export-csv --data "$T/a" volunteer - || die "wang csv: $(cat "$T/err")"
grep -q '139\*\*\*\*2222' "$T/out" && ! grep -q 13900002222 "$T/out" || die "wang's CSV: $(cat "$T/out")"
as linli-t-zhang volunteer show --data "$T/a" V-2 || die "zhang show"
grep -q 13900002222 "$T/out" || die "zhang (pii) sees: $(cat "$T/out")"
"$LINLI" volunteer show --data "$T/a" V-2 | grep -q 13900002222 || die "the owner does not see the phone"
ok "without pii phones are masked (139****2222) in show, --json and CSV; with pii and for the owner they are whole"

# ---- linlid stopped: the owner only, and marked ----
stop a
if as linli-t-wang volunteer add --data "$T/a" V-7 name=王二; then die "a clerk wrote with linlid stopped"; fi
grep -q "only the node's owner may write" "$T/err" || die "clerk offline: $(cat "$T/err")"
"$LINLI" volunteer add --data "$T/a" V-8 name=冯三 >/dev/null 2>&1 || die "the owner's offline write"
"$LINLI" volunteer history --data "$T/a" V-8 --json >"$T/h8"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h and all(l["by"] == "root@offline" for l in h), h' "$T/h8" || die "offline history: $(cat "$T/h8")"
ok "with linlid stopped a clerk is refused; the owner writes, marked root@offline"

echo "1..$N"
daemon_passed
