#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_man.sh - the man pages are well-formed and complete, so they cannot
# drift from the code.
#
# Asserts: groff and man(1) report no warning for any page; every key the
# configuration parser accepts (the key tables in config/config.c) is a
# described entry (a .TP tag) of ozgmon.yml(5), every key of the web
# configuration (exporter/webcfg.c) one of ozgmond(8); every option printed by
# `ozgmond --help` (daemon and report command) is in ozgmond(8), every option
# of `ozgmon-sim --help` in ozgmon-sim(1); every page names the version.
set -u
cd "$(dirname "$0")/../.."
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

PAGES="docs/man/ozgmond.8 docs/man/ozgmon.yml.5 docs/man/ozgmon-sim.1"
VERSION=$(cat VERSION)

echo "== well-formed"
for p in $PAGES; do
	out=$(groff -man -ww -z "$p" 2>&1)
	check "groff -ww: $p (${out:-no warning})" [ -z "$out" ]
	if command -v man >/dev/null 2>&1; then
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		check "man --warnings: $p (${out:-no warning})" [ -z "$out" ]
	fi
	check "$p names ozgmon $VERSION" grep -q "^\.TH .*\"ozgmon $VERSION\"" "$p"
done

# tags PAGE: the words of every .TP tag line, one a line, roff escapes removed.
tags() {
	awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$1" |
		sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' | tr -c 'a-z0-9_-' '\n' | grep -v '^$' | sort -u
}

echo "== every configuration key in ozgmon.yml(5)"
# Every key table of the parser: { "name", true|false } entries.
keys=$(grep -ho '{ "[a-z_][a-z0-9_]*", \(true\|false\) }' config/*.c | cut -d'"' -f2 | sort -u)
check "the parser's key tables were found ($(wc -w <<<"$keys") keys)" [ "$(wc -w <<<"$keys")" -ge 60 ]
have=$(tags docs/man/ozgmon.yml.5)
missing=""
for k in $keys; do
	grep -qx -- "$k" <<<"$have" || missing="$missing $k"
done
check "every key described in ozgmon.yml(5) (missing:${missing:- none})" [ -z "$missing" ]

# The web configuration (exporter/webcfg.c compares each key it knows).
keys=$(grep -o 'strcmp(key, "[a-z_]*") == 0' exporter/webcfg.c | cut -d'"' -f2 | sort -u)
check "the web configuration's keys were found ($(wc -w <<<"$keys"))" [ "$(wc -w <<<"$keys")" -ge 5 ]
have=$(tags docs/man/ozgmond.8)
missing=""
for k in $keys; do
	grep -qx -- "$k" <<<"$have" || missing="$missing $k"
done
check "every web configuration key described in ozgmond(8) (missing:${missing:- none})" [ -z "$missing" ]

echo "== every option in the pages"
# opts TEXT: every -x and --long-option in TEXT.
opts() { grep -oE '(^|[ [(,|])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[] [(,|]*//' | sort -u; }
page_has() { # page_has PAGE OPTION: the option, written with \- escapes
	local esc=${2//-/\\-}
	grep -qF -- "$esc" "$1"
}
help=$("$BIN_DIR/ozgmond" --help)
missing=""
n=0
for o in $(opts <<<"$help"); do
	n=$((n + 1))
	page_has docs/man/ozgmond.8 "$o" || missing="$missing $o"
done
check "ozgmond --help has options ($n)" [ "$n" -ge 15 ]
check "every ozgmond option in ozgmond(8) (missing:${missing:- none})" [ -z "$missing" ]
check "the report command in ozgmond(8)" grep -q '^\.B report$' docs/man/ozgmond.8
for s in SIGHUP SIGTERM SIGINT; do
	check "ozgmond(8) describes $s" grep -q "^\.B.* $s\b\|^\.B $s$" docs/man/ozgmond.8
done
for sec in FILES ENVIRONMENT "EXIT STATUS" EXAMPLES; do
	check "ozgmond(8) has $sec" grep -q "^\.SH $sec$" docs/man/ozgmond.8
done
help=$("$BIN_DIR/ozgmon-sim" --help)
missing=""
n=0
for o in $(sed -n '1,/^$/p; /^  --/p' <<<"$help" | opts); do
	n=$((n + 1))
	page_has docs/man/ozgmon-sim.1 "$o" || missing="$missing $o"
done
check "ozgmon-sim --help has options ($n)" [ "$n" -ge 6 ]
check "every ozgmon-sim option in ozgmon-sim(1) (missing:${missing:- none})" [ -z "$missing" ]

echo "man: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
