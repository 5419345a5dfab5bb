#!/usr/bin/env bash
# Installs the Debian packages linli needs to build, test and run.
# Safe to run again: with everything present (and not in CI) it does nothing.
set -euo pipefail

PKGS=(gcc make cmake pkg-config libzmq3-dev liblmdb-dev lmdb-utils libsodium-dev libmsgpack-dev)
# The key rule's test (tests/crdt/test_names) reads the Unicode Character
# Database as Debian ships it, NormalizationTest.txt compressed.
PKGS+=(unicode-data bzip2)
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
