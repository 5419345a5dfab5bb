#!/usr/bin/env bash
# linli in Chinese (issue 17 item 7): the catalogue po/zh_CN.po holds a
# translation of every message marked in the sources (xgettext walks them;
# none untranslated, none fuzzy, formats checked by msgfmt); with a zh
# locale (LANG or LC_ALL zh_CN.UTF-8, which this machine need not have
# generated), --lang zh, LINLI_LANG or the config's lang line, every
# command's --help and each class of error are Chinese; with LANG=C or
# --lang en, English.
#
#   i18n_test.sh LINLI SOURCE_DIR
set -euo pipefail

LINLI=$(realpath "$1")
SRC=$2
T=$(mktemp -d /tmp/linli-i18n-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
unset LANGUAGE LC_ALL LC_MESSAGES LINLI_LANG
export LANG=C
source "$(dirname "$0")/../common/tap.sh"
han() { LC_ALL=C.UTF-8 grep -qP '[\x{4e00}-\x{9fff}]' "$1"; }

# ---- the catalogue: every marked message translated ----
bash "$SRC/scripts/po.sh" --check >"$T/po" 2>&1 || die "the catalogue is incomplete: $(cat "$T/po")"
ok "$(grep '^po:' "$T/po")"

# ---- every command's --help ----
"$LINLI" --help >"$T/cmds"
n=0
while read -r cmd _; do
  [[ -n $cmd ]] || continue
  LANG=zh_CN.UTF-8 "$LINLI" "$cmd" --help >"$T/zh" 2>&1 || true
  LANG=C "$LINLI" "$cmd" --help >"$T/en" 2>&1 || true
  han "$T/zh" || die "linli $cmd --help has no Chinese with LANG=zh_CN.UTF-8: $(head -3 "$T/zh")"
  # the English description's first sentence (not a usage line) is gone
  first=$(grep -v -e 'linli ' -e '--' -e 'usage' "$T/en" | grep -E '[a-z]{3,} [a-z]{3,} [a-z]{3,}' | head -1 || true)
  if [[ -n $first ]] && grep -qF -- "$first" "$T/zh"; then
    die "linli $cmd --help keeps an English line in Chinese: $first"
  fi
  n=$((n + 1))
done < <(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$T/cmds")
[[ $n -ge 30 ]] || die "only $n commands found in linli --help"
ok "all $n commands' --help in Chinese with LANG=zh_CN.UTF-8, English with LANG=C"

# ---- errors, by every way of choosing the language ----
"$LINLI" init --data "$T/a" --community shihua >/dev/null 2>&1
zh_err() { # CMD...: must fail with a Chinese sentence
  if "$@" >"$T/out" 2>"$T/err"; then die "$* succeeded"; fi
  han "$T/err" || die "$* said, not in Chinese: $(cat "$T/err")"
}
en_err() {
  if "$@" >"$T/out" 2>"$T/err"; then die "$* succeeded"; fi
  if han "$T/err"; then die "$* said, not in English: $(cat "$T/err")"; fi
}
LANG=zh_CN.UTF-8 zh_err "$LINLI" list --data "$T/none" household
zh_err env LC_ALL=zh_CN.UTF-8 "$LINLI" get --data "$T/a" household nosuch
LINLI_LANG=zh zh_err "$LINLI" export --data "$T/a" --plain --to self "$T/x.bundle"
zh_err "$LINLI" --lang zh resident add r-1 --data "$T/a" name=x
zh_err "$LINLI" resident show --lang=zh --data "$T/a" r-nosuch
en_err "$LINLI" list --data "$T/none" household
en_err "$LINLI" --lang en list --data "$T/none" household
LANG=en_US.UTF-8 en_err "$LINLI" get --data "$T/a" household nosuch
ok "errors in Chinese by LANG, LC_ALL, LINLI_LANG, --lang zh and --lang=zh; English by LANG=C and --lang en"

echo "lang zh-CN" >>"$T/a/linlid.conf"
zh_err "$LINLI" get --data "$T/a" household nosuch
LANG=en_US.UTF-8 en_err "$LINLI" get --data "$T/a" household nosuch
echo "lang klingon" >>"$T/a/linlid.conf"
en_err "$LINLI" get --data "$T/a" household nosuch
grep -q "lang is zh-CN" "$T/err" || die "a bad lang line: $(cat "$T/err")"
ok "config lang zh-CN makes it Chinese unless the locale says otherwise; a bad lang line is refused"

# ---- a refusal of the domain, and the verbs' own help ----
sed -i '/^lang /d' "$T/a/linlid.conf"
LANG=zh_CN.UTF-8 zh_err "$LINLI" household add SH-C01-1-1-101 --data "$T/a" nosuchfield=1
LANG=zh_CN.UTF-8 "$LINLI" resident add --help >"$T/zh" 2>&1 || true
han "$T/zh" || die "resident add --help is not Chinese"
grep -q "household" "$T/zh" || die "resident add --help lost its field names"
ok "the domain's refusals and each verb's help in Chinese, field names kept"

# ---- lists as staff read them: enum values and yes/no in Chinese, JSON canonical ----
"$LINLI" compound add SH-C01 --data "$T/a" name=石化小区 >/dev/null 2>&1
"$LINLI" household add SH-C01-1-1-101 --data "$T/a" compound=SH-C01 unit=1-1-101 hardship=yes >/dev/null 2>&1
"$LINLI" resident add r-1 --data "$T/a" name=周秀英 household=SH-C01-1-1-101 >/dev/null 2>&1
"$LINLI" case open case-1 --data "$T/a" --resident r-1 --compound SH-C01 --category close_contact \
  --start 2026-11-20 >/dev/null 2>&1
LANG=zh_CN.UTF-8 "$LINLI" case list --data "$T/a" >"$T/zh"
grep -q "密接" "$T/zh" || die "case list in Chinese lacks 密接: $(cat "$T/zh")"
if grep -q "close_contact" "$T/zh"; then die "case list in Chinese keeps close_contact: $(cat "$T/zh")"; fi
head -1 "$T/zh" | grep -q "^病例 " || die "case list's key column is not 病例: $(head -1 "$T/zh")"
LANG=zh_CN.UTF-8 "$LINLI" household list --data "$T/a" >"$T/zh"
grep -q "SH-C01-1-1-101 .* 是 " "$T/zh" || die "household list in Chinese lacks 是: $(cat "$T/zh")"
head -1 "$T/zh" | grep -q "^住户 " || die "household list's key column is not 住户: $(head -1 "$T/zh")"
LANG=zh_CN.UTF-8 "$LINLI" case list --data "$T/a" --json >"$T/zh"
grep -q '"close_contact"' "$T/zh" || die "case list --json in Chinese lost the canonical value: $(cat "$T/zh")"
LANG=C "$LINLI" case list --data "$T/a" >"$T/en"
grep -q "close_contact" "$T/en" || die "case list in English lacks close_contact: $(cat "$T/en")"
LANG=zh_CN.UTF-8 "$LINLI" find --data "$T/a" 周秀 >"$T/zh"
grep -q "（姓名）" "$T/zh" || die "find in Chinese does not say 姓名: $(cat "$T/zh")"
ok "lists in Chinese show 密接 and 是 and 病例/住户 columns; --json and English keep close_contact; find says 姓名"
echo "1..$N"
