#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run.sh - runs every tests/integration/test_*.sh; fails when one fails.
# Each script prints its own "NAME: N passed, M failed" line.
set -u
cd "$(dirname "$0")"
status=0
total_pass=0
total_fail=0
for t in test_*.sh; do
	echo "=== ${t%.sh}"
	out=$(mktemp)
	bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(awk '/ passed, [0-9]+ failed$/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) p = $i } END { print p + 0 }' "$out")
	f=$(awk '/ passed, [0-9]+ failed$/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) f = $i } END { print f + 0 }' "$out")
	rm -f "$out"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$rc" -eq 0 ] || { status=1; [ "$f" -gt 0 ] || total_fail=$((total_fail + 1)); }
done
echo "integration: $total_pass passed, $total_fail failed"
exit $status
