#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run.sh - runs every tests/integration/test_*.sh; fails when one fails.
# Each script prints its own "NAME: N passed, M failed" line.
#
# Most scripts spend their time waiting for probe rounds, so up to JOBS of
# them (default: 2, or 1 on a single core) run side by side: every script
# takes its own ports (free_port), work directory (make_work) and simulator,
# and nothing they share is written.  The scripts that load the machine on
# purpose or measure latency (floods, 200-target rounds, Chromium, a 30,000
# target configuration) run afterwards, one at a time, alone.  Each
# script's output is printed whole when it ends, with its wall time.
# TESTS="test_a test_b" runs just those.
set -u
cd "$(dirname "$0")"
ALONE=" test_scrape_guard test_hostile_http test_faults test_process_faults test_dashboards test_config_scale "
cores=$(nproc 2>/dev/null || echo 1)
JOBS=${JOBS:-$((cores >= 2 ? 2 : 1))}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

names=()
for t in ${TESTS:-test_*.sh}; do names+=("${t%.sh}"); done
pooled=() alone=()
for n in "${names[@]}"; do
	case "$ALONE" in *" $n "*) alone+=("$n") ;; *) pooled+=("$n") ;; esac
done

status=0
total_pass=0
total_fail=0

# one NAME: runs the script into $OUT/NAME.out, its exit code into NAME.rc.
one() {
	local t0=$(date +%s) rc
	bash "$1.sh" >"$OUT/$1.out" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - t0))" >"$OUT/$1.rc"
}

# report NAME: prints the script's output and adds up its counts.
report() {
	local n=$1 rc secs p f
	read -r rc secs <"$OUT/$n.rc"
	echo "=== $n (${secs} s)"
	cat "$OUT/$n.out"
	p=$(awk '/ passed, [0-9]+ failed$/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) p = $i } END { print p + 0 }' "$OUT/$n.out")
	f=$(awk '/ passed, [0-9]+ failed$/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) f = $i } END { print f + 0 }' "$OUT/$n.out")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$rc" -eq 0 ] || { status=1; [ "$f" -gt 0 ] || total_fail=$((total_fail + 1)); }
}

declare -A pid_of=()
running=0
for n in "${pooled[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n -p done_pid
		report "${pid_of[$done_pid]}"
		unset "pid_of[$done_pid]"
		running=$((running - 1))
	fi
	one "$n" &
	pid_of[$!]=$n
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n -p done_pid
	report "${pid_of[$done_pid]}"
	unset "pid_of[$done_pid]"
	running=$((running - 1))
done
for n in "${alone[@]}"; do
	one "$n"
	report "$n"
done
echo "integration: $total_pass passed, $total_fail failed"
exit $status
