#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_store.sh - the RRD store of the real ozgmond against the real ozgmon-sim.
#
# Asserts: after SIGTERM, the probes the collector completed equal the RRD
# updates written (a slow probe in flight at the signal is waited for), and
# the files hold that many rows; after kill -9 and a restart the same files
# continue, none is corrupt, and the gap is no longer than the downtime;
# with rrdcached stopped (SIGTERM) and crashed (SIGKILL) and restarted during
# a run, ozgmond stays up, buffers, reconnects and catches up, and the test
# counts how many samples reached the files.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-store-it

TARGETS="fast slow down"
NT=3
STEP=2

daemon_port

cat > "$WORK/sim.profile" <<PROF
slow.portal.test slow 1200
down.portal.test down
PROF
start_sim --profile "$WORK/sim.profile"
check "simulator answers" sim_answers

# write_config DATA_DIR [RRDCACHED]
write_config() {
	cat > "$WORK/it.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $1
  interval: ${STEP}s
  timeout: 2s
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
${2:+  rrdcached: $2}
$(registers_yaml)
onlinedienste:
  - { id: fast, url: "http://fast.portal.test/wohnsitz" }
  - { id: slow, url: "http://slow.portal.test/kfz" }
  - { id: down, url: "http://down.portal.test/hund" }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: fast, reifegrad: 3 }
YAML
}

run_daemon() { start_daemon 10 "$1" --config "$WORK/it.yml"; } # LOG
probes_done() { http_get "$D/metrics" | awk '/^ozg_probes_total\{/ { s += $2 } END { print s + 0 }'; }
probes_at_least() { [ "$(probes_done)" -ge "$1" ]; }
# Known rows of `up` at the probe interval in DATA_DIR, over all targets.
rows() {
	local t n=0 k
	for t in $TARGETS; do
		k=$(rrdtool fetch "$1/rrd/$t.rrd" AVERAGE -r $STEP -s end-1h -e now 2>/dev/null |
			awk 'NF == 3 && $2 !~ /nan/' | wc -l)
		n=$((n + k))
	done
	echo "$n"
}

echo "== SIGTERM: every completed probe is written"
DA=$WORK/a
write_config "$DA"
check "daemon starts" run_daemon "$WORK/a1.log"
check "5 rounds written" wait_for 30 at_least ozgmon_rrd_updates_total $((5 * NT))
# Stop while the slow portal's probe is running: it must finish and be written.
wait_for 10 at_least ozgmon_probes_in_flight 1
stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]
shutdown_counts "$WORK/a1.log"; w=$ACC_W
check "completed probes ($ACC_C) = RRD updates written ($w)" eval '[ -n "$ACC_C" ] && [ "$ACC_C" = "$w" ]'
check "none aborted at the stop" grep -Eq "probes completed, 0 aborted \(0 at the stop\)" "$WORK/a1.log"
check "none dropped, stale or failed" grep -q "updates written, 0 dropped, 0 stale, 0 errors" "$WORK/a1.log"
r=$(rows "$DA")
# Rows are step intervals: a target's first sample closes a row only when it
# lands right after a step boundary, every later sample closes exactly one.
check "rows in the files ($r) = updates ($w), less at most one per target" \
	eval '[ "$r" -le "$w" ] && [ "$r" -ge $((w - NT)) ]'
for t in $TARGETS; do
	check "$t: main and perf files exist" bash -c '[ -f "$1.rrd" ] && [ -f "$1.perf.rrd" ]' _ "$DA/rrd/$t"
done
check "perf file: fast portal has a duration" \
	bash -c "rrdtool lastupdate '$DA/rrd/fast.perf.rrd' | awk 'NF > 8 { d = \$2 } END { exit !(d > 0 && d < 2) }'"

echo "== kill -9 and restart: the same files continue"
check "daemon restarts on the files" run_daemon "$WORK/a2.log"
u0=$(num ozgmon_rrd_updates_total)
check "2 rounds written" wait_for 20 at_least ozgmon_rrd_updates_total $((u0 + 2 * NT))
check "no file created on restart" [ "$(num ozgmon_rrd_files_created_total)" = 0 ]
inode_before=$(stat -c %i "$DA/rrd/fast.rrd")
kill -9 "$D_PID"; wait "$D_PID" 2>/dev/null; D_PID=""
t_kill=$(date +%s)
sleep 5	# the downtime
t_back=$(date +%s)
check "daemon starts after kill -9" run_daemon "$WORK/a3.log"
check "3 rounds written after the restart" wait_for 20 at_least ozgmon_rrd_updates_total $((3 * NT))
check "no file created after kill -9" [ "$(num ozgmon_rrd_files_created_total)" = 0 ]
stop_daemon TERM
check "SIGTERM after restart: exit 0" [ "$RC" = 0 ]
check "same file (inode) continued" [ "$(stat -c %i "$DA/rrd/fast.rrd")" = "$inode_before" ]
check "no temporary files left" [ -z "$(ls "$DA/rrd" | grep '\.tmp\.')" ]
for t in $TARGETS; do
	for f in "$t.rrd" "$t.perf.rrd"; do
		check "$f: rrdtool info and fetch succeed" \
			bash -c "rrdtool info '$DA/rrd/$f' >/dev/null && rrdtool fetch '$DA/rrd/$f' AVERAGE -s end-10min -e now >/dev/null"
	done
done
# The gap: unknown rows of `fast` between the first and last known row around the kill.
gap=$(rrdtool fetch "$DA/rrd/fast.rrd" AVERAGE -r $STEP -s $((t_kill - 30)) -e $((t_back + 30)) |
	awk -v k="$t_kill" 'NF == 3 { t = $1 + 0; if ($2 ~ /nan/) { if (seen) run++ } else { if (seen && run > max) max = run; seen = 1; run = 0 } }
		END { print max * 2 }')
down=$((t_back - t_kill))
check "gap ${gap}s is no longer than the downtime ${down}s plus one interval and the restart" \
	[ "$gap" -le $((down + 2 * STEP + 2)) ]
check "a gap exists (${gap}s): the downtime is visible" [ "$gap" -ge 2 ]

echo "== rrdcached stopped, crashed and restarted during a run"
DC=$WORK/c
SOCK=$WORK/rrdc.sock
mkdir -p "$DC/rrd"
stop_rrdcached() { kill -"$1" "$RC_PID"; wait "$RC_PID" 2>/dev/null; RC_PID=""; }
write_config "$DC" "unix:$SOCK"
check "rrdcached starts" start_rrdcached "$SOCK" "$DC/rrd"
check "daemon starts with rrdcached" run_daemon "$WORK/c1.log"
check "3 rounds written through rrdcached" wait_for 20 at_least ozgmon_rrd_updates_total $((3 * NT))
check "rrdcached up" metric_is ozgmon_rrdcached_up "$D" 1

stop_rrdcached TERM
p0=$(probes_done)
check "rrdcached gone: ozgmon_rrdcached_up 0" wait_for 10 metric_is ozgmon_rrdcached_up "$D" 0
check "probing goes on without rrdcached" wait_for 15 probes_at_least $((p0 + 3 * NT))
check "samples wait in the queue" at_least ozgmon_store_queue_length 1
check "daemon healthy" http_get -o /dev/null "$D/-/healthy"
check "rrdcached restarts" start_rrdcached "$SOCK" "$DC/rrd"
check "reconnected: ozgmon_rrdcached_up 1" wait_for 15 metric_is ozgmon_rrdcached_up "$D" 1
check "caught up: queue empty" wait_for 15 metric_is ozgmon_store_queue_length "$D" 0
check "two connections counted" at_least ozgmon_rrdcached_connects_total 2

u_kill=$(num ozgmon_rrd_updates_total)
stop_rrdcached KILL
p0=$(probes_done)
check "rrdcached crashed: ozgmon_rrdcached_up 0" wait_for 10 metric_is ozgmon_rrdcached_up "$D" 0
check "probing goes on after the crash" wait_for 15 probes_at_least $((p0 + 2 * NT))
check "rrdcached restarts after the crash" start_rrdcached "$SOCK" "$DC/rrd"
check "reconnected after the crash" wait_for 15 metric_is ozgmon_rrdcached_up "$D" 1
check "caught up after the crash" wait_for 15 metric_is ozgmon_store_queue_length "$D" 0
u_back=$(num ozgmon_rrd_updates_total)
check "2 more rounds written" wait_for 20 at_least ozgmon_rrd_updates_total $((u_back + 2 * NT))
stop_daemon TERM
check "SIGTERM with rrdcached: exit 0" [ "$RC" = 0 ]
shutdown_counts "$WORK/c1.log"; w=$ACC_W
check "rrdcached run: completed ($ACC_C) = updates acknowledged by rrdcached ($w)" eval '[ -n "$ACC_C" ] && [ "$ACC_C" = "$w" ]'
check "rrdcached run: none dropped" grep -q "updates written, 0 dropped, 0 stale, 0 errors" "$WORK/c1.log"
check "log names the loss of rrdcached and the reconnect" \
	bash -c "grep -q 'lost rrdcached' '$WORK/c1.log' && grep -q 'reconnected to rrdcached' '$WORK/c1.log'"
stop_rrdcached TERM
r=$(rows "$DC")
lost=$((w - NT - r)); [ "$lost" -lt 0 ] && lost=0
echo "  rrdcached run: $w samples acknowledged, $r rows in the files (+ up to $NT opening samples);" \
	"$lost lost inside rrdcached when it was killed -9 (its journal buffer); $((w - u_kill)) sent after the crash"
# Everything ozgmond sent after the crash is on disk; what rrdcached lost is bounded
# by what it had acknowledged before the crash.
check "rows ($r) >= samples sent after the crash ($((w - u_kill)))" [ "$r" -ge $((w - u_kill)) ]
check "loss ($lost) within what rrdcached held before the crash ($u_kill)" \
	eval '[ "$lost" -ge 0 ] && [ "$lost" -le "$u_kill" ]'

if [ "$FAIL" -ne 0 ]; then
	for l in a1 a3 c1; do
		echo "--- daemon log $l (last 15 lines)"; tail -15 "$WORK/$l.log" 2>/dev/null
	done
	echo "--- rrdcached log"; tail -10 "$WORK/rrdc.log"
fi
echo "store: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
