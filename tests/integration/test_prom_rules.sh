#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_prom_rules.sh - the shipped Prometheus rules and configurations.
#
# Asserts: promtool accepts the alerting and recording rules and every example
# configuration; `promtool test rules` passes the unit tests of every alert
# (firing and not firing) and of the recording rules; the test file is the one
# tools/gen-prom-tests.py writes; every alert has a summary in German and
# English and a runbook section in docs/alerts.md; blackbox_exporter accepts
# the module file.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

P=config/prometheus
command -v promtool >/dev/null || { echo "promtool missing (tools/deps.sh installs prometheus)"; exit 1; }

echo "== promtool check rules / config"
for f in "$P/ozgmon-alerts.yml" "$P/ozgmon-recording.yml"; do
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
	check "$a: runbook_url points to docs/alerts.md#$anchor" \
		grep -q "runbook_url: \"docs/alerts.md#$anchor\"" "$P/ozgmon-alerts.yml"
	check "$a: runbook section in docs/alerts.md" grep -q "^## $a\$" docs/alerts.md
done
de=$(grep -c "summary_de:" "$P/ozgmon-alerts.yml"); en=$(grep -c "summary_en:" "$P/ozgmon-alerts.yml")
na=$(wc -w <<<"$alerts")
check "every alert has summary_de and summary_en ($de, $en of $na)" bash -c '[ "$1" = "$3" ] && [ "$2" = "$3" ]' _ "$de" "$en" "$na"
check "no runbook URL names a host" sh -c "! grep -E 'runbook_url: \"https?://' $P/ozgmon-alerts.yml"

echo "prom_rules: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
