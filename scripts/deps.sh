#!/usr/bin/env bash
# Installs the Debian packages linli needs to build, test and run.
# Safe to run again: with everything present (and not in CI) it does nothing.
set -euo pipefail

PKGS=(gcc make cmake pkg-config libzmq3-dev liblmdb-dev lmdb-utils libsodium-dev libmsgpack-dev)
# The web console (node/daemon/web/): libmicrohttpd, built with GnuTLS.
PKGS+=(libmicrohttpd-dev)
# Its tests (tests/web/): a real browser driven by Selenium, the CJK fonts
# the pages name, the Prometheus text parser, a certificate for TLS, and
# ip for the network namespace that puts a client off loopback.
PKGS+=(chromium chromium-driver python3-selenium fonts-noto-cjk python3-prometheus-client openssl
  iproute2)
# The district's time zone (linlid.conf `timezone`) is read from zoneinfo.
PKGS+=(tzdata)
# Tests in a real browser (the printable sheets, the web console): Debian's
# Chromium and its driver, Selenium for Debian's python3, CJK fonts; and the
# test scripts' JSON reading.
PKGS+=(chromium chromium-driver python3-selenium fonts-noto-cjk python3)
# The man pages' checks (groff) and the .deb's (dist/check-deb.sh): CPack's
# dependency list (dpkg-shlibdeps), systemd-analyze, and systemd-nspawn to
# boot systemd in a throwaway copy of the machine and run the unit there.
PKGS+=(groff-base man-db dpkg-dev procps systemd systemd-container)
# The key rule's test (tests/crdt/test_names) reads the Unicode Character
# Database as Debian ships it, NormalizationTest.txt compressed.
PKGS+=(unicode-data bzip2)
# linli export-xlsx writes workbooks with libxlsxwriter; the round-trip test
# reads them back with openpyxl.
PKGS+=(libxlsxwriter-dev python3-openpyxl)
# linli in Chinese: msgfmt builds the catalogue, xgettext and msgmerge check
# that every marked message has its translation (tests/cli/i18n_test.sh).
PKGS+=(gettext)
[ "${LINLI_FUZZ:-}" = 1 ] && PKGS+=(clang libclang-rt-dev)

missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "${CI:-}" != true ]; then
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "deps: installing ${PKGS[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PKGS[@]}" >/dev/null
