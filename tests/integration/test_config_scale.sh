#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_config_scale.sh - a Land's configuration: 30,000 Onlinedienste in the full
# documented form (names, providers, probe checks, Angebote in real Gemeinden),
# half of them in 22 included YAML files (conf.d/*.yml), half in CSV files with
# a named probe profile (bench/daemon/gen-config.py).
#
# Asserts: --check-config accepts it within 20 s (a generous bound; the time
# taken is printed) and reports 30000 Onlinedienste and 30000 Angebote; the
# daemon starts on it against the simulator (every portal host routed there by
# connect_to, a 1 h interval so that little probing happens), reports
# ozgmon_targets 30000 and /-/healthy 200, and stops cleanly on SIGTERM.  A
# broken row in the CSV file is reported at its file:line:column.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

N=${N:-30000}
make_work ozgmon-config-scale
daemon_port
start_sim
check "simulator answers" sim_answers
C=$WORK/conf
python3 bench/daemon/gen-config.py "$N" "$C" --interval 1h --timeout 5s \
	--connect-port "$SIM_PORT" --data-dir "$WORK/data" --dashboards-every 24h ||
	{ echo "gen-config.py failed"; exit 1; }
echo "  configuration: $(du -sh "$C" | cut -f1) in $(ls "$C/conf.d" | wc -l) included files and 2 CSV files"

t0=$(date +%s.%N)
out=$("$BIN_DIR/ozgmond" --check-config "$C/ozgmon.yml" 2>&1)
rc=$?
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "  --check-config took $secs s"
check "--check-config accepts $N Onlinedienste" [ "$rc" = 0 ]
check "the summary counts them" grep -q "; $N Onlinedienste (probe targets); $N Angebote" <<<"$out"
check "--check-config within 20 s" awk -v s="$secs" "BEGIN { exit !(s < 20 * $SLOW) }"

check "daemon healthy on it" start_daemon $((120)) "$WORK/d.log" --config "$C/ozgmon.yml" \
	--listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data"
# /metrics of 30,000 targets is tens of MB: a generous time limit of its own.
targets() { curl -s --max-time $((60 * SLOW)) "$D/metrics" | awk '$1 == "ozgmon_targets" { print $2 }'; }
# The first snapshot is published once the collector runs: wait for it (bounded).
targets_is() { [ "$(targets)" = "$1" ]; }
check "ozgmon_targets $N" wait_for 30 targets_is "$N"
[ -n "${D_PID:-}" ] && echo "  daemon RSS: $(awk '/^VmRSS:/ { printf "%d MB", $2 / 1024 }' "/proc/$D_PID/status")"
check "/-/healthy 200" [ "$(code "$D/-/healthy")" = 200 ]
if [ -n "${D_PID:-}" ]; then
	t0=$(date +%s.%N)
	stop_daemon TERM
	t1=$(date +%s.%N)
	echo "  SIGTERM to exit: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	check "stops cleanly on SIGTERM" [ "$RC" = 0 ]
fi

# One bad row: the error names the CSV file, its line and the field's column.
line=$(($(wc -l < "$C/dienste.csv") + 1))
printf 'x-bad;ftp://x.example/;X;Y;false;1;antrag\n' >> "$C/dienste.csv"
out=$("$BIN_DIR/ozgmond" --check-config "$C/ozgmon.yml" 2>&1)
check "a bad CSV row is refused" [ $? = 1 ]
check "at its file:line:column" grep -q "^$C/dienste.csv:$line:7: url: 'ftp://x.example/'" <<<"$out"

echo "test_config_scale: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
