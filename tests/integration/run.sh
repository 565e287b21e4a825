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
ALONE=" test_scrape_guard test_hostile_http test_faults test_process_faults test_dashboards test_config_scale test_install "
cores=$(nproc 2>/dev/null || echo 1)
JOBS=${JOBS:-$((cores >= 2 ? 2 : 1))}
OUT=$(mktemp -d)
# Each script runs in its own session (setsid): a stop of this runner (Ctrl-C,
# SIGTERM) stops every script still running, with its daemons and simulators.
declare -A pid_of=()
stop_all() {
	local f
	for f in "$OUT"/*.pgid; do
		[ -f "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$OUT"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

names=()
for t in ${TESTS:-test_*.sh}; do names+=("${t%.sh}"); done
pooled=() alone=()
for n in "${names[@]}"; do
	case "$ALONE" in *" $n "*) alone+=("$n") ;; *) pooled+=("$n") ;; esac
done

status=0
total_pass=0
total_fail=0

# one NAME [SLOT]: runs the script into $OUT/NAME.out, its exit code into
# NAME.rc.  Pooled scripts take their ports from the set of their SLOT (lib.sh).
one() {
	local t0=$(date +%s) rc pid
	if [ -n "${2:-}" ]; then
		PORT_SLOT=$2 PORT_SLOTS=$JOBS setsid bash "$1.sh" >"$OUT/$1.out" 2>&1 &
	else
		setsid bash "$1.sh" >"$OUT/$1.out" 2>&1 &
	fi
	pid=$!
	echo "$pid" >"$OUT/$1.pgid"	# setsid made it the leader of its own group
	wait "$pid"
	rc=$?
	rm -f "$OUT/$1.pgid"
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

# The pool: up to JOBS scripts, each in a port slot of its own.
declare -A slot_of=()
free_slots=()
for ((i = 0; i < JOBS; i++)); do free_slots+=("$i"); done
reap() {
	local done_pid
	wait -n -p done_pid
	report "${pid_of[$done_pid]}"
	free_slots+=("${slot_of[$done_pid]}")
	unset "pid_of[$done_pid]" "slot_of[$done_pid]"
}
for n in "${pooled[@]}"; do
	[ "${#pid_of[@]}" -lt "$JOBS" ] || reap
	slot=${free_slots[0]}
	free_slots=("${free_slots[@]:1}")
	one "$n" "$slot" &
	pid_of[$!]=$n
	slot_of[$!]=$slot
done
while [ "${#pid_of[@]}" -gt 0 ]; do reap; done
for n in "${alone[@]}"; do
	one "$n"
	report "$n"
done
echo "integration: $total_pass passed, $total_fail failed"
exit $status
