#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_prom_rules.sh - the shipped Prometheus rules and configurations.
#
# Asserts: promtool accepts the alerting rules, the recording rules, the
# blackbox-compatible recording rules and every example configuration;
# `promtool test rules` passes the unit tests of every alert (firing and not
# firing), of the recording rules and of the blackbox names; the test file is the one
# tools/gen-prom-tests.py writes; every alert has a summary in German and
# English, an absolute runbook_url and a runbook section in docs/alerts.md;
# tools/gen-prom-rules.py writes the shipped file by default and, with another
# runbook base and job name, rules that promtool accepts and whose
# regenerated tests pass; blackbox_exporter accepts the module file.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

P=config/prometheus
command -v promtool >/dev/null || { echo "promtool missing (tools/deps.sh installs prometheus)"; exit 1; }

echo "== promtool check rules / config"
for f in "$P/ozgmon-alerts.yml" "$P/ozgmon-recording.yml" "$P/ozgmon-blackbox.yml"; do
	out=$(promtool check rules "$f" 2>&1)
	check "check rules $f ($out)" grep -q SUCCESS <<<"$out"
done
for f in "$P"/prometheus-*.yml; do
	out=$(promtool check config "$f" 2>&1)
	check "check config $f" [ $? = 0 ]
	grep -q FAILED <<<"$out" && bad "check config $f: $out"
done
if command -v prometheus-blackbox-exporter >/dev/null; then
	out=$(prometheus-blackbox-exporter --config.check --config.file="$P/blackbox.yml" 2>&1)
	check "blackbox_exporter accepts blackbox.yml ($out)" grep -qi "config file is ok\|Config file is ok" <<<"$out"
fi

echo "== promtool test rules"
for f in "$P"/tests/*.test.yml; do
	out=$(promtool test rules "$f" 2>&1)
	check "test rules $f" grep -q SUCCESS <<<"$out"
	grep -q SUCCESS <<<"$out" || echo "$out" | head -40
done
if python3 -c 'import yaml' 2>/dev/null; then
	tmp=$(mktemp -d /tmp/ozgmon-rules.XXXXXX)
	cp "$P/tests/ozgmon-alerts.test.yml" "$tmp/kept.yml"
	python3 tools/gen-prom-tests.py
	check "alert tests are what tools/gen-prom-tests.py writes" \
		cmp -s "$tmp/kept.yml" "$P/tests/ozgmon-alerts.test.yml"
	cp "$tmp/kept.yml" "$P/tests/ozgmon-alerts.test.yml"
	rm -rf "$tmp"
fi

echo "== every alert is tested, translated and has a runbook"
alerts=$(awk '$1 == "-" && $2 == "alert:" { print $3 }' "$P/ozgmon-alerts.yml")
check "alerts found" [ -n "$alerts" ]
for a in $alerts; do
	n=$(grep -c "alertname: $a\$" "$P/tests/ozgmon-alerts.test.yml")
	check "$a: tested firing and not firing ($n evaluations)" [ "$n" -ge 2 ]
	check "$a: fires in a test" grep -q "alertname: $a\$" <(awk '/alertname:/ { a = $0 } /exp_alerts: \[\]/ { a = "" } /exp_labels:/ && a { print a }' "$P/tests/ozgmon-alerts.test.yml" | sed 's/^ *- *//; s/^ *//')
	anchor=$(tr 'A-Z' 'a-z' <<<"$a")
	check "$a: runbook_url is the installed docs/alerts.md#$anchor" \
		grep -q "runbook_url: \"file:///usr/share/doc/ozgmon/alerts.md#$anchor\"" "$P/ozgmon-alerts.yml"
	check "$a: runbook section in docs/alerts.md" grep -q "^## $a\$" docs/alerts.md
done
de=$(grep -c "summary_de:" "$P/ozgmon-alerts.yml"); en=$(grep -c "summary_en:" "$P/ozgmon-alerts.yml")
na=$(wc -w <<<"$alerts")
check "every alert has summary_de and summary_en ($de, $en of $na)" bash -c '[ "$1" = "$3" ] && [ "$2" = "$3" ]' _ "$de" "$en" "$na"
nr=$(grep -c 'runbook_url: "' "$P/ozgmon-alerts.yml")
na_abs=$(grep -cE 'runbook_url: "[a-z]+://[^"]*#[a-z0-9]+"' "$P/ozgmon-alerts.yml")
check "every runbook_url is absolute ($na_abs of $nr)" [ "$nr" = "$na_abs" -a "$nr" = "$na" ]

echo "== tools/gen-prom-rules.py: runbook base and job name"
tmp=$(mktemp -d /tmp/ozgmon-rules.XXXXXX)
check "without options it writes the shipped rules" \
	sh -c "python3 tools/gen-prom-rules.py | cmp -s - $P/ozgmon-alerts.yml"
check "a relative base is refused" sh -c "! python3 tools/gen-prom-rules.py --runbook-base docs/alerts.md >/dev/null 2>&1"
check "a base with a quote is refused" \
	sh -c "! python3 tools/gen-prom-rules.py --runbook-base 'https://x/\"a' >/dev/null 2>&1"
mkdir -p "$tmp/tests"
python3 tools/gen-prom-rules.py --runbook-base https://wiki.example.de/ozgmon/alerts/ --job ozgmon-th \
	-o "$tmp/ozgmon-alerts.yml"
out=$(promtool check rules "$tmp/ozgmon-alerts.yml" 2>&1)
check "promtool accepts the rules with another base and job" grep -q SUCCESS <<<"$out"
n=$(grep -c 'runbook_url: "https://wiki.example.de/ozgmon/alerts#[a-z]*"' "$tmp/ozgmon-alerts.yml")
check "every runbook_url starts with the base ($n of $na)" [ "$n" = "$na" ]
check "the self-monitoring alerts select the job" \
	sh -c "grep -q 'up{job=\"ozgmon-th\"}' $tmp/ozgmon-alerts.yml && ! grep -v '^ *#' $tmp/ozgmon-alerts.yml | grep -q 'job=\"ozgmon\"'"
if python3 -c 'import yaml' 2>/dev/null; then
	python3 tools/gen-prom-tests.py "$tmp/ozgmon-alerts.yml" "$tmp/tests/alerts.test.yml"
	out=$(promtool test rules "$tmp/tests/alerts.test.yml" 2>&1)
	check "the alert tests pass for those rules" grep -q SUCCESS <<<"$out"
	grep -q SUCCESS <<<"$out" || echo "$out" | head -30
fi
rm -rf "$tmp"

echo "prom_rules: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
