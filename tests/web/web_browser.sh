#!/usr/bin/env bash
# The browser tests (browser_test.py): installs what they need through
# scripts/deps.sh (Chromium, its driver, Selenium, the CJK fonts and the
# Prometheus parser are in its list), then runs them with Debian's python3.
#   web_browser.sh LINLI LINLID OUTDIR   (screenshots: OUTDIR/shots/*.png)
set -euo pipefail
cd "$(dirname "$0")/../.."
CI= bash scripts/deps.sh # installs only what is missing, even in CI
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
exec /usr/bin/python3 tests/web/browser_test.py --linli "$1" --linlid "$2" --out "$3"
