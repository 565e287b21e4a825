#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench/store/daemon.sh - the real ozgmond probing N simulated portals every
# INTERVAL, writing directly or through rrdcached: samples and RRD file
# updates per second in steady state, the probe loop's schedule lag and the
# store queue, sampled every second.  See bench/store/README.md.
#
#   bench/store/daemon.sh cached            # 5,000 targets at 1 s through rrdcached
#   bench/store/daemon.sh direct            # the same, librrd in ozgmond's store thread
#   N=2500 SECS=15 WARM=25 bench/store/daemon.sh cached
#
# WARM seconds pass before measuring (the first round creates 2 files per
# target); the measurement lasts SECS seconds; everything started is stopped
# and the files are removed at the end.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
MODE=${1:-cached}
N=${N:-5000}; IV=${IV:-1s}; SECS=${SECS:-15}; WARM=${WARM:-45}
BIN_DIR=${BIN_DIR:-bin}
make --no-print-directory all >/dev/null
make_work ozgmon-bench-daemon
W=$WORK
mkdir -p "$W/data/rrd"
# The daemon's port below the ephemeral range (daemon_port): thousands of probes a
# second leave many outgoing connections in TIME_WAIT on ephemeral ports.
daemon_port
start_sim
RC=""
if [ "$MODE" = cached ]; then
	RC="  rrdcached: unix:$W/s"
	start_rrdcached "$W/s" "$W/data/rrd"
fi
{
	cat <<Y
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $W/data
  interval: $IV
  timeout: 1s
  max_concurrency: 512
$RC
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
Y
	for i in $(seq 1 "$N"); do echo "  - { id: t$i, url: \"http://h$i.portal.test/x\" }"; done
	echo "angebote:"
	echo "  - { area: \"16051000\", ozg_id: \"10124\", dienst: t1, reifegrad: 3 }"
} >"$W/c.yml"
sim_answers
start_daemon 10 "$W/d.log" --config "$W/c.yml" || { echo "ozgmond did not start"; tail "$W/d.log"; exit 1; }
sleep "$WARM"
u0=$(metric ozgmon_rrd_updates_total "$D"); maxlag=0; maxq=0
for _ in $(seq 1 "$SECS"); do
	sleep 1
	l=$(metric ozgmon_schedule_lag_seconds "$D"); q=$(metric ozgmon_store_queue_length "$D")
	maxlag=$(awk -v a="$maxlag" -v b="${l:-0}" 'BEGIN { print (b > a) ? b : a }')
	maxq=$(awk -v a="$maxq" -v b="${q:-0}" 'BEGIN { print (b > a) ? b : a }')
done
u1=$(metric ozgmon_rrd_updates_total "$D")
echo "mode=$MODE targets=$N interval=$IV: samples/s=$(( (u1 - u0) / SECS )) file updates/s=$(( 2 * (u1 - u0) / SECS ))" \
	"max schedule lag=${maxlag}s max store queue=$maxq skipped=$(metric ozgmon_probes_skipped_total "$D")" \
	"dropped=$(metric ozgmon_store_dropped_samples_total "$D")"
kill -TERM "$D_PID"; wait "$D_PID"; echo "ozgmond exit=$?"; D_PID=""
grep -E "collector: [0-9]|store: [0-9]" "$W/d.log" | sed 's/.*info: //'
