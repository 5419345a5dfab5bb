#!/usr/bin/env bash
# Builds the .deb and checks it; scripts/test.sh runs it (docs/operator.md
# "Install" is what it checks).
#
#   bash dist/check-deb.sh [BUILD_DIR]      (default build-deb)
#
# 1. A package build: Release, -Werror, prefix /usr, tests and bench off;
#    `cpack -G DEB`.
# 2. The package: dpkg-deb -I (name, version, dependencies, maintainer
#    scripts) and -c (the programs, the man pages, the unit, the sysusers and
#    tmpfiles lines, the example config, and nothing from the tests); each man
#    page renders without a warning.
# 3. As root: the package installed for real in a throwaway copy of this
#    system (an overlay on / in a private mount namespace; nothing is left
#    behind): dpkg -i runs the maintainer scripts (the user linli,
#    /var/lib/linli); `systemd-analyze verify` accepts the installed unit with
#    no warning; its sandbox scores as it should (`systemd-analyze security`);
#    the installed linli, linlid and linli-sim answer --help; linli init makes
#    a data directory as linli.
# 4. As root, with systemd-nspawn: systemd boots in that copy, and
#    `systemctl start linlid@ci` runs the node under the unit's sandbox: the
#    CLI talks to it, it writes its data directory and nothing else, kill -9
#    restarts it, an upgrade restarts it, dpkg -r stops it, a purge keeps the
#    records.
# In CI (CI=true) every part must run; elsewhere 3 and 4 need root and say
# so when they cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD=${1:-build-deb}
SECURITY_MAX=2.0 # systemd-analyze security's exposure score (0 best, 10 worst)
PORT=7999

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "check-deb: ok   $*"; }
bad() { failed=$((failed + 1)); echo "check-deb: FAIL $*" >&2; }
quiet() { "$@" >/dev/null 2>&1; }
check() { # check "what" command...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
need_or_skip() { # need_or_skip REASON: fail in CI, else say why it is skipped
  if [ "${CI:-}" = true ]; then
    bad "$1"
  else
    echo "check-deb: not checked here: $1" >&2
  fi
}
finish() {
  if [ -n "${COUNTS:-}" ]; then # the copy's part: counted by the caller
    echo "$passed $failed" >"$COUNTS"
  else
    echo "check-deb: $passed checks passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
}

# ---- the part that runs in the throwaway copy (re-invoked by part 3) ----
if [ "${1:-}" = --inside ]; then
  DEB=$2 OVL=$3 COUNTS=$4
  root=$OVL/root
  mount -t tmpfs linli-check "$OVL"
  mkdir -p "$OVL/up" "$OVL/work" "$root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$OVL/up,workdir=$OVL/work" "$root"
  # for chroot; systemd-nspawn mounts its own (part 4)
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  cp "$DEB" "$root/root/linli.deb"
  in_root() { chroot "$root" "$@"; }
  set +e # from here on the checks count the failures; the counts file says
  # "0 1" (set by the caller) if this part ends before finish

  check "dpkg -i installs it (maintainer scripts included)" \
    quiet in_root dpkg -i /root/linli.deb
  pw=$(in_root getent passwd linli || true)
  uid=$(echo "$pw" | cut -d: -f3)
  check "postinst made the system user linli ($pw)" \
    test -n "$uid" -a "${uid:-9999}" -lt 1000 -a "$(echo "$pw" | cut -d: -f7)" = /usr/sbin/nologin
  check "postinst made /var/lib/linli 0750 linli:linli" \
    test "$(in_root stat -c '%a %U %G' /var/lib/linli)" = "750 linli linli"
  out=$(cd "$root/tmp" && in_root sh -c 'cd /tmp && systemd-analyze verify linlid@ci.service' 2>&1) \
    && rc=0 || rc=$?
  check "systemd-analyze verify accepts linlid@ci.service with no warning (rc $rc)" \
    test "$rc" -eq 0 -a -z "$out"
  [ -z "$out" ] || echo "$out" >&2
  score=$(in_root systemd-analyze security --offline=true linlid@ci.service 2>/dev/null \
            | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  check "systemd-analyze security: exposure ${score:-?} <= $SECURITY_MAX" \
    awk -v s="${score:-99}" -v m="$SECURITY_MAX" 'BEGIN { exit !(s <= m) }'
  check "installed linli --help" sh -c "chroot '$root' /usr/bin/linli --help | grep -q 'usage: linli'"
  check "installed linlid --help" sh -c "chroot '$root' /usr/sbin/linlid --help | grep -q 'usage: linlid'"
  check "installed linli-sim --help" sh -c "chroot '$root' /usr/bin/linli-sim --help | grep -q 'usage: linli-sim'"
  check "man finds linli(1), linlid(8), linlid.conf(5)" \
    quiet in_root man -w linli.1 linlid.8 linlid.conf.5
  check "runuser -u linli -- linli init --data /var/lib/linli/ci" \
    quiet in_root runuser -u linli -- linli init --data /var/lib/linli/ci --community ci \
            --listen tcp://127.0.0.1:$PORT
  check "the data directory is 0700 linli:linli" \
    test "$(in_root stat -c '%a %U' /var/lib/linli/ci)" = "700 linli"

  # ---- 4: systemd itself, booted in the copy ----
  umount -R "$root/dev" "$root/proc"
  if ! command -v systemd-nspawn >/dev/null; then
    need_or_skip "systemd-nspawn is missing (Debian package systemd-container): the unit was not run"
    finish
    exit
  fi
  systemd-nspawn --register=no --keep-unit --private-network -q -D "$root" -b \
    --console=pipe </dev/null >"$OVL/nspawn.log" 2>&1 &
  nspawn=$!
  # however this part ends, the container goes with it
  trap 'kill "$nspawn" 2>/dev/null; wait "$nspawn" 2>/dev/null' EXIT
  pid1=
  for _ in $(seq 600); do
    pid1=$(ps -o pid= --ppid "$nspawn" 2>/dev/null | tr -d ' ' | head -1 || true)
    if [ -n "$pid1" ]; then
      state=$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null || true)
      case $state in running | degraded) break ;; esac
    fi
    sleep 0.1
  done
  if [ -z "$pid1" ] || [ "${state:-}" != running ] && [ "${state:-}" != degraded ]; then
    need_or_skip "systemd did not boot in the copy (state '${state:-none}'); the unit was not run"
    tail -20 "$OVL/nspawn.log" >&2 || true
    kill "$nspawn" 2>/dev/null || true
    wait "$nspawn" 2>/dev/null || true
    finish
    exit
  fi
  ok "systemd boots in the copy (state $state)"
  sys() { nsenter -t "$pid1" -a "$@"; }
  prop() { sys systemctl show -p "$2" --value "$1"; }
  as_linli() { sys runuser -u linli -- "$@"; }
  wait_active() { # wait_active UNIT [NOT_PID]: active, with a MainPID other than NOT_PID
    for _ in $(seq 200); do
      if [ "$(prop "$1" ActiveState)" = active ] && [ "$(prop "$1" MainPID)" != 0 ] &&
        [ "$(prop "$1" MainPID)" != "${2:-}" ] &&
        as_linli linli status --data /var/lib/linli/ci >/dev/null 2>&1; then
        return 0
      fi
      sleep 0.1
    done
    return 1
  }
  unit=linlid@ci.service

  check "systemctl start linlid@ci" sys systemctl start "$unit"
  check "linlid@ci is active and answers linli status" wait_active "$unit"
  main=$(prop "$unit" MainPID)
  st=$(sys cat "/proc/$main/status")
  field() { echo "$st" | awk -v k="$1:" '$1 == k { print $2 }'; }
  check "it runs as linli (uid $(field Uid))" test "$(field Uid)" = "$uid"
  check "with no capabilities, no new privileges and a seccomp filter" \
    test "$(field CapEff)" = 0000000000000000 -a "$(field NoNewPrivs)" = 1 -a "$(field Seccomp)" = 2
  check "a write through the daemon (linli compound add)" \
    quiet as_linli linli compound add --data /var/lib/linli/ci CI-C01 name=ci
  check "reads it back (linli compound show)" \
    sh -c "nsenter -t $pid1 -a runuser -u linli -- linli compound show --data /var/lib/linli/ci CI-C01 | grep -q CI-C01"
  # what the daemon's mount namespace lets be written
  writable() { sys nsenter -t "$main" -m sh -c "touch '$1/.linli-w' && rm -f '$1/.linli-w'" 2>/dev/null; }
  not_writable() { ! writable "$1"; }
  check "its data directory is writable to it" writable /var/lib/linli/ci
  for p in /usr /etc /var/lib /var/lib/linli /root /home; do
    check "$p is not writable to it" not_writable "$p"
  done

  sys kill -9 "$main"
  check "kill -9: Restart=on-failure starts it again" wait_active "$unit" "$main"
  check "NRestarts is 1" test "$(prop "$unit" NRestarts)" = 1
  main=$(prop "$unit" MainPID)
  check "the record survived the kill" \
    sh -c "nsenter -t $pid1 -a runuser -u linli -- linli compound show --data /var/lib/linli/ci CI-C01 | grep -q CI-C01"
  check "dpkg -i of the same package again (an upgrade)" quiet sys dpkg -i /root/linli.deb
  check "an upgrade (dpkg -i again) restarts the node on the new files" wait_active "$unit" "$main"
  fails() { ! "$@"; }
  check "a unit without a data directory fails at once, not in a restart loop" \
    fails sys systemctl start linlid@nothere.service 2>/dev/null
  check "... on its assertion, before any daemon ran (nothing to restart)" \
    test "$(prop linlid@nothere.service AssertResult)" = no -a "$(prop linlid@nothere.service ExecMainPID)" = 0
  check "... and leaves no directory behind" test ! -e "$root/var/lib/linli/nothere"
  main=$(prop "$unit" MainPID)
  check "dpkg -r stops the node" sh -c "nsenter -t $pid1 -a dpkg -r linli >/dev/null 2>&1"
  check "... which exited cleanly (status $(prop "$unit" ExecMainStatus), $(prop "$unit" ActiveState))" \
    test "$(prop "$unit" ActiveState)" != active -a "$(prop "$unit" ExecMainStatus)" = 0
  check "dpkg --purge keeps the records and the user" \
    sh -c "nsenter -t $pid1 -a dpkg --purge linli >/dev/null 2>&1 && test -s '$root/var/lib/linli/ci/data.mdb' && chroot '$root' getent passwd linli >/dev/null"
  sys systemctl poweroff >/dev/null 2>&1 || true
  for _ in $(seq 300); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
  kill "$nspawn" 2>/dev/null || true
  wait "$nspawn" 2>/dev/null || true
  finish
  exit
fi

# ---- 1: the package build ----
version=$(sed -n 's/^project(linli VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DLINLI_BUILD_TESTS=OFF -DLINLI_BUILD_BENCH=OFF -DLINLI_WERROR=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
rm -f "$BUILD"/linli_*.deb
(cd "$BUILD" && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD"/linli_"$version"_*.deb)
ok "cpack made $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# ---- 2: what is in it ----
info=$(dpkg-deb -I "$deb")
field() { dpkg-deb -f "$deb" "$1"; }
check "Package: linli, Version: $version" test "$(field Package)" = linli -a "$(field Version)" = "$version"
for lib in libzmq5 liblmdb0 libsodium23 libc6 passwd; do
  check "Depends names $lib" sh -c "dpkg-deb -f '$deb' Depends | tr ',' '\n' | grep -q '^ *$lib\\b'"
done
has_script() { grep -Eq "\\* +$1 +#!/bin/sh" <<<"$info"; }
for s in postinst prerm postrm; do
  check "maintainer script $s is there, executable" has_script "$s"
done
contents=$(dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }')
want=(
  "-rwxr-xr-x root/root ./usr/bin/linli"
  "-rwxr-xr-x root/root ./usr/bin/linli-sim"
  "-rwxr-xr-x root/root ./usr/sbin/linlid"
  "-rw-r--r-- root/root ./usr/share/man/man1/linli.1.gz"
  "-rw-r--r-- root/root ./usr/share/man/man5/linlid.conf.5.gz"
  "-rw-r--r-- root/root ./usr/share/man/man8/linlid.8.gz"
  "-rw-r--r-- root/root ./usr/lib/systemd/system/linlid@.service"
  "-rw-r--r-- root/root ./usr/lib/sysusers.d/linli.conf"
  "-rw-r--r-- root/root ./usr/lib/tmpfiles.d/linli.conf"
  "-rw-r--r-- root/root ./usr/share/doc/linli/examples/linlid.conf"
  "-rw-r--r-- root/root ./usr/share/doc/linli/operator.md"
  "-rw-r--r-- root/root ./usr/share/locale/zh_CN/LC_MESSAGES/linli.mo"
)
for w in "${want[@]}"; do
  check "holds ${w##* } (${w%% *})" grep -qxF -- "$w" <<<"$contents"
done
files=$(awk '$1 !~ /^d/ { print $3 }' <<<"$contents" | sort)
check "holds nothing else (no test or bench programs)" \
  test "$(printf '%s\n' "${want[@]}" | awk '{ print $3 }' | sort)" = "$files"
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x"
check "the unit's ExecStart is the packaged linlid" \
  grep -qx 'ExecStart=/usr/sbin/linlid --data %S/linli/%i' "$x/usr/lib/systemd/system/linlid@.service"
for page in man1/linli.1 man5/linlid.conf.5 man8/linlid.8; do
  warn=$(zcat "$x/usr/share/man/$page.gz" | LC_ALL=C.UTF-8 groff -k -man -Tutf8 -ww -z 2>&1)
  check "$page renders without a warning" test -z "$warn"
  [ -z "$warn" ] || echo "$warn" >&2
done

# ---- 3 and 4: installed, in a throwaway copy of this system ----
if [ "$(id -u)" -ne 0 ]; then
  need_or_skip "not root: the package was not installed (dpkg -i, systemd-analyze verify, systemctl)"
elif ! grep -qw overlay /proc/filesystems; then
  need_or_skip "no overlay file system: the package was not installed"
else
  ovl=$(mktemp -d)
  echo "0 1" >"$x/counts"
  unshare -m --propagation private bash "$SRC/dist/check-deb.sh" --inside "$deb" "$ovl" "$x/counts" || true
  rmdir "$ovl" 2>/dev/null || true
  read -r p f <"$x/counts"
  passed=$((passed + p)) failed=$((failed + f))
fi
finish
