#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_reload.sh - many reloads of the demo configuration under probing load.
#
# Asserts: 50 reloads in a row each succeed and keep the daemon answering;
# the resident set grows by at most 256 kB a reload from the first to the
# 50th (a reload returns what the old pipeline held: docs/reliability.md); the
# targets and the reload status stay right.  Under a sanitizer the allocator
# is the sanitizer's own (with a quarantine), so the RSS bound is checked in
# the plain build only.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

# 50 in the plain build; under a sanitizer (slower, no RSS bound) 10 show the same.
RELOADS=50
[ "$SANITIZER" = none ] || RELOADS=10
make_work ozgmon-reload
daemon_port
start_sim --profile config/demo-sim.profile
check "simulator answers" sim_answers
demo_config "$WORK/demo.yml"
check "daemon healthy" start_daemon 20 "$WORK/d.log" --config "$WORK/demo.yml" \
	--listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data"

# rss_kb: the daemon's resident set now.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$D_PID/status"; }
# reload: one POST /-/reload; it answers once the new pipeline runs (after the
# old one has let its running probes finish and its analytics stop).
reload() {
	[ "$(curl -s -o /dev/null -w "%{http_code}" --max-time $((60 * SLOW)) -X POST "$D/-/reload")" = 200 ]
}
# settled_rss: the smallest of five readings 0.2 s apart (a scrape or a page
# being written in that moment is not what a reload keeps).
settled_rss() {
	local i r min=""
	for i in 1 2 3 4 5; do
		r=$(rss_kb)
		{ [ -z "$min" ] || [ "$r" -lt "$min" ]; } && min=$r
		sleep 0.2
	done
	echo "$min"
}

# generated_since T: the dashboards were written completely after T (epoch s):
# the analytics of the new pipeline have run once, as they do in steady state.
generated_since() {
	awk -v g="$(num ozgmon_dashboards_last_generated_timestamp_seconds)" -v t="$1" \
		'BEGIN { exit !(g > t) }'
}

echo "== $RELOADS reloads"
check "first round done" wait_for 60 metric_is ozgmon_ready "$D" 1
# One portal answers after 4 s (its timeout is 5 s): a reload, which lets
# running probes finish for 2 s, finds its probe running and aborts it.
check "a portal made slower than the reload's drain" \
	http_get -o /dev/null -f -X PUT "$SIM/_sim/hosts/bafoeg.efa.thueringen.de?mode=slow&arg=4000"
t=$(date +%s)
check "first reload succeeds" reload
check "dashboards written after the first reload" wait_for 60 generated_since "$t"
rss1=$(settled_rss)
failed=0
for i in $(seq 2 "$RELOADS"); do
	reload || failed=$((failed + 1))
done
t=$(date +%s)
check "dashboards written after the last reload" wait_for 60 generated_since "$t"
rssn=$(settled_rss)
check "every reload answered 200 ($failed of $((RELOADS - 1)) did not)" [ "$failed" = 0 ]
check "daemon still healthy" [ "$(code "$D/-/healthy")" = 200 ]
check "last reload successful" metric_is ozgmon_config_last_reload_successful "$D" 1
check "all 670 targets configured" metric_is ozgmon_targets "$D" 670
# nice_of NAME: the nice value of the daemon's thread NAME (its task stat's 19th field).
nice_of() {
	local f
	for f in /proc/"$D_PID"/task/*; do
		[ "$(cat "$f/comm" 2>/dev/null)" = "$1" ] && { awk '{ sub(/.*\) /, ""); print $17 }' "$f/stat"; return; }
	done
}
# The HTTP threads run niced; the reloads asked over HTTP ran on the main thread.
for th in collector store; do
	check "after POST /-/reload the $th thread runs at the daemon's priority (nice $(nice_of $th))" \
		[ "$(nice_of $th)" = 0 ]
done
if [ "$SANITIZER" = none ]; then
	# The heap fragmentation this guards against grew RSS by megabytes per
	# reload; what remains is librrd's rrd_graph_v leaking about 34 bytes a
	# graph, about 90 kB a reload on the demo as every graph is drawn again
	# (docs/reliability.md, "Memory across reloads"), bounded here at 256 kB.
	check "RSS after $RELOADS reloads ($rssn kB) at most 256 kB a reload above after the first ($rss1 kB)" \
		awk -v a="$rss1" -v b="$rssn" -v n="$RELOADS" 'BEGIN { exit !(b <= a + (n - 1) * 256) }'
else
	echo "  (RSS bound not checked under $SANITIZER: the sanitizer's allocator keeps a quarantine)"
fi

# Every abort at a reload is logged with its count and counted in /metrics.
logged_aborts=$(sed -n 's/.*reload: \([0-9]*\) probes or usage fetches still running after .*/\1/p' "$WORK/d.log" |
	awk '{ s += $1 } END { print s + 0 }')
metric_aborts=$(( $(num ozgmon_probes_aborted_total) + $(num ozgmon_usage_fetches_aborted_total) ))
check "probes still running at reloads were aborted and logged ($logged_aborts)" [ "$logged_aborts" -gt 0 ]
check "the aborts logged ($logged_aborts) are the aborts in /metrics ($metric_aborts)" \
	[ "$logged_aborts" = "$metric_aborts" ]
probe_aborts=$(num ozgmon_probes_aborted_total)

echo "== stop"
stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]
shutdown_counts "$WORK/d.log"
check "every probe started completed or was aborted, every completed one written: $ACC_P started = $ACC_C completed + $ACC_A aborted, $ACC_C = $ACC_W written + $ACC_D dropped + $ACC_S stale" \
	accounted "$WORK/d.log"
check "the shutdown's aborted ($ACC_A) include those of the reloads ($probe_aborts)" \
	[ "${ACC_A:-0}" -ge "$probe_aborts" ]

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 30 lines)"; tail -30 "$WORK/d.log"
fi
echo "reload: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
