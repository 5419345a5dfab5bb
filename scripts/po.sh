#!/usr/bin/env bash
# The message catalogue: extracts every marked message of cli/ and
# node/domain/ and the error table into po/linli.pot (xgettext), and merges
# it into po/zh_CN.po (msgmerge), so new messages appear there untranslated
# (tests/cli/i18n_test.sh fails until each has its Chinese).
#   bash scripts/po.sh [--check]   --check: write nothing, exit 1 if the
#                                  catalogue lacks or has a stale message
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
xgettext --from-code=UTF-8 --language=C --add-comments=TRANSLATORS: --no-location --sort-output \
  --keyword=_ --keyword=N_ --keyword=ngettext:1,2 --keyword=cli_fail:1 --keyword=say:3 --keyword=dom_fail:3 --keyword=D_ --keyword=para:3 --keyword=wrap:4 --keyword=X:3 --package-name=linli \
  -o "$out/linli.pot" cli/*.c node/domain/*.c crdt/err.h
if [[ ${1:-} == --check ]]; then
  msgmerge --quiet --no-fuzzy-matching -o "$out/merged.po" po/zh_CN.po "$out/linli.pot"
  bad=$(msgattrib --untranslated --no-obsolete "$out/merged.po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$out/merged.po" | grep -c '^msgid ' || true)
  stale=$(msgattrib --only-obsolete "$out/merged.po" | grep -c '^#~ msgid ' || true)
  total=$(grep -c '^msgid ' "$out/linli.pot")
  echo "po: $((total - 1)) messages; untranslated $((bad > 0 ? bad - 1 : 0)), fuzzy $((fuzzy > 0 ? fuzzy - 1 : 0)), obsolete $stale"
  if [[ $bad -gt 1 ]]; then msgattrib --untranslated --no-obsolete "$out/merged.po" | grep '^msgid ' | head -20; fi
  [[ $bad -le 1 && $fuzzy -le 1 ]]
  exit
fi
cp "$out/linli.pot" po/linli.pot
if [[ -f po/zh_CN.po ]]; then
  msgmerge --quiet --no-fuzzy-matching --update --backup=none po/zh_CN.po po/linli.pot
else
  msginit --no-translator --locale=zh_CN.UTF-8 -i po/linli.pot -o po/zh_CN.po
fi
