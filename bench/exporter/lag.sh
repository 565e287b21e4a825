#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# lag.sh - does scraping delay the real collector?  Runs ozgmon-sim and
# ozgmond on the demo (647 targets, every 5 s), samples the daemon's
# ozgmon_schedule_lag_seconds (how late the latest probe started) ten times a
# second for 20 s with nobody scraping, then 20 s while a loop scrapes
# /metrics back to back and another asks /api/v1/areas; prints p50/p99/max
# of each phase.  Bounded in time; every process is stopped at the end.
#
#   bench/exporter/lag.sh      (after make)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh
SECS=${SECS:-20}
make_work ozgmon-lag
W=$WORK

start_sim --profile config/demo-sim.profile && sim_answers || { echo "simulator did not start"; exit 1; }
daemon_port
demo_config "$W/demo.yml" -e "s#^  listen: .*#  listen: \"127.0.0.1:$D_PORT\"#" -e "s#^  data_dir: .*#  data_dir: $W/data#" \
	-e "s#^  interval: .*#  interval: 5s#" -e "s#^  timeout: .*#  timeout: 2s#"
start_daemon 30 "$W/d.log" --config "$W/demo.yml" && wait_for 30 curl -sf -o /dev/null "$D/-/ready" ||
	{ echo "ozgmond not ready"; tail "$W/d.log"; exit 1; }
sleep 5	# a settled schedule

# sample FILE: SECS s of lag samples, 10 per second (each read is one small scrape).
sample() {
	local end=$((SECONDS + SECS))
	while [ "$SECONDS" -lt "$end" ]; do
		curl -s --max-time 2 "$D/metrics" | awk '$1 == "ozgmon_schedule_lag_seconds" { print $2 * 1000 }' >> "$1"
		sleep 0.1
	done
}
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "n=%d p50=%.2f p99=%.2f max=%.2f ms", NR, v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'; }

sample "$W/idle"
(
	end=$((SECONDS + SECS + 2))
	while [ "$SECONDS" -lt "$end" ]; do curl -s -o /dev/null --max-time 5 "$D/metrics"; echo >> "$W/n_metrics"; done
) &
L1=$!
(
	end=$((SECONDS + SECS + 2))
	while [ "$SECONDS" -lt "$end" ]; do curl -s -o /dev/null --max-time 5 "$D/api/v1/areas"; echo >> "$W/n_areas"; done
) &
L2=$!
sample "$W/busy"
wait "$L1" "$L2"
echo "ozgmon_schedule_lag_seconds, 647 targets every 5 s, $(nproc) shared cores:"
echo "  idle:                               $(stats "$W/idle")"
echo "  /metrics and /api/v1/areas looping: $(stats "$W/busy")"
echo "  requests in the busy phase: $(wc -l < "$W/n_metrics") of /metrics, $(wc -l < "$W/n_areas") of /api/v1/areas"
