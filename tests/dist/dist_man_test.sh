#!/usr/bin/env bash
# The man pages against the programs they describe.
#
#   dist_man_test.sh LINLI LINLID MANDIR
#
# - linli.1, linlid.8 and linlid.conf.5 (as built in MANDIR) render with no
#   groff warning;
# - linli(1) has a section for every command `linli --help` lists, and holds
#   the words of each `linli COMMAND --help`, in order (it is generated from
#   them at build time: this checks the generator drops nothing);
# - linlid(8) documents exactly the options linlid takes: each option of
#   `linlid --help` is under OPTIONS, and each option there is one linlid
#   accepts (it gets no usage error), and a wrong one gets exit status 2.
set -uo pipefail
LINLI=$1 LINLID=$2 MAN=$3
export LC_ALL=C.UTF-8
fails=0 checks=0
check() { # check "what" command...
  local what=$1
  shift
  checks=$((checks + 1))
  if "$@"; then echo "ok   $what"; else echo "FAIL $what" >&2; fails=$((fails + 1)); fi
}
command -v groff >/dev/null || { echo "FAIL groff is missing (Debian groff-base; scripts/deps.sh installs it)" >&2; exit 1; }

render() { groff -k -man -Tutf8 -P-cbou "$1"; }
words() { tr -cs 'A-Za-z0-9' ' ' | sed 's/^ //; s/ $//'; } # the ASCII words, one space apart
help_words() { sed 's/^usage: //' | words; } # a usage line is the page's synopsis, without "usage:"
for page in linli.1 linlid.8 linlid.conf.5; do
  warn=$(render "$MAN/$page" 2>&1 >/dev/null)
  check "$page renders with no warning" test -z "$warn"
  [ -z "$warn" ] || echo "$warn" >&2
done

# linli(1)
page_words=" $(render "$MAN/linli.1" 2>/dev/null | words) "
main_help=$("$LINLI" --help)
commands=$(printf '%s\n' "$main_help" | awk '/^[ \t]+[a-z][a-z0-9-]*([ \t]|$)/ { print $1 }')
n=0
for c in $commands; do
  help=$("$LINLI" "$c" --help 2>/dev/null) || continue
  n=$((n + 1))
  check "linli.1 has a section for $c" grep -qx "\\.SS $c" "$MAN/linli.1"
  w=" $(printf '%s\n' "$help" | help_words) "
  check "linli.1 holds the text of linli $c --help" grep -qF -- "$w" <<<"$page_words"
done
check "linli --help lists commands that answer --help ($n)" test "$n" -gt 10
check "linli.1 holds the text of linli --help" \
  grep -qF -- " $(printf '%s\n' "$main_help" | help_words) " <<<"$page_words"

# linlid(8)
help_opts=$("$LINLID" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
man_opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$MAN/linlid.8" | grep '^\.B' |
           grep -o -- '\\-\\\?-\?[a-z][a-z-]*' | sed 's/\\//g' | sort -u)
for o in $help_opts; do
  check "linlid.8 documents $o (from linlid --help)" grep -qx -- "$o" <<<"$man_opts"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
accepts() { # linlid takes option $1: no usage error (2); it fails later, on the missing directory
  local rc
  case $1 in
    --help | -h) "$LINLID" "$1" >/dev/null 2>&1; rc=$? ; [ "$rc" -eq 0 ] ;;
    --data) "$LINLID" --data "$tmp/none" >/dev/null 2>&1; rc=$? ; [ "$rc" -eq 1 ] ;;
    *) "$LINLID" --data "$tmp/none" "$1" "$tmp/none" >/dev/null 2>&1; rc=$? ; [ "$rc" -eq 1 ] ;;
  esac
}
for o in $man_opts; do
  check "linlid accepts $o, as linlid.8 says" accepts "$o"
done
check "linlid.8 documents some options" test -n "$man_opts"
usage_error() { "$LINLID" --no-such-option >/dev/null 2>&1; [ $? -eq 2 ]; }
check "a wrong command line exits 2, as linlid.8 says" usage_error

echo "dist_man: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
