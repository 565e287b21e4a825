#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run.sh - the whole daemon under a Land's load, blackbox_exporter beside it in the same run.
#
#   bench/daemon/run.sh            30,000 Onlinedienste at 30 s (1,000 probes/s)
#   BIG=1 bench/daemon/run.sh      100,000 at 60 s (1,667 probes/s)
#   N=2000 WARM=20 DUR=60 bench/daemon/run.sh    a quick check that everything works
#
# Environment: N targets (30000; BIG=1: 100000), INTERVAL (30s; BIG=1: 60s), STORE
# ("direct rrdcached": one round each), WARM (60) seconds before measuring, DUR (180)
# seconds measured, SCRAPE_EVERY (15) seconds between /metrics scrapes, CLIENTS (8) API
# clients, API_DUR (30) seconds of the API phase, BB_CONN (64) connections driving
# blackbox_exporter, CONC (512) max_concurrency.
#
# Each round: a full-form configuration (bench/daemon/gen-config.py: half in included
# YAML files, half in CSV files, names, providers, probe checks, one Angebot per
# Onlinedienst) with every portal host name routed by connect_to to one loopback nginx;
# ozgmond with store (direct librrd, or through rrdcached), rollout and dashboards on;
# /metrics scraped every SCRAPE_EVERY s by a loop; blackbox_exporter probing N distinct
# targets on the same nginx at the same probe rate (N / INTERVAL), driven by wrk.  Figures
# over the DUR window: probes/s, ozgmond CPU per probe in total and per thread (by the
# thread names in /proc/PID/task/*/comm), schedule lag p99, RSS, dropped samples; then
# /metrics and /api/v1/* latency idle and while CLIENTS clients hit the API, reload time,
# SIGTERM to exit with completed = written, and on a second start the reload time.  Last: the ratio of ozgmond's CPU per probe to
# blackbox_exporter's.  Everything listens on 127.0.0.1; every process started here is
# stopped when it ends, and every wait is bounded.  Take figures on an idle machine only.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
if [ -n "${BIG:-}" ]; then N=${N:-100000}; INTERVAL=${INTERVAL:-60s}; fi
N=${N:-30000}
INTERVAL=${INTERVAL:-30s}
STORE=${STORE:-direct rrdcached}
WARM=${WARM:-60}
DUR=${DUR:-180}
SCRAPE_EVERY=${SCRAPE_EVERY:-15}
CLIENTS=${CLIENTS:-8}
API_DUR=${API_DUR:-30}
BB_CONN=${BB_CONN:-64}
CONC=${CONC:-512}
. tests/integration/lib.sh
. bench/lib.sh

need_tools nginx prometheus-blackbox-exporter wrk rrdcached python3
ISECS=${INTERVAL%s}
case $ISECS in *[!0-9]*|"") echo "run.sh: INTERVAL must be seconds, e.g. 30s"; exit 2 ;; esac

make_work ozgmon-bench-daemon
make -s bin/ozgmond >/dev/null || exit 1

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# threads PID: "name seconds" per thread name (threads of one name summed).
threads() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(tr ' ' _ < "$t/comm" 2>/dev/null)" "$(cpu_s "$1/task/${t##*/}")"
	done | awk '$1 != "" { s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}
# scrape: /metrics into M (a generous time limit: tens of MB at scale).
scrape() { M=$(curl -s --max-time 60 "$D/metrics"); }
# lag_hist: "le cumulative" lines of ozgmon_schedule_lag_seconds from M, and the count.
lag_hist() { awk -F'[{}" ]+' '/^ozgmon_schedule_lag_seconds_bucket/ { for (i = 1; i < NF; i++) if ($i == "le=") print $(i + 1), $NF }' <<<"$M"; }
# p99 OLD NEW: the upper bound of the bucket holding the 99th percentile of the samples
# that arrived between two lag_hist readings.
p99() {
	join <(sort "$1") <(sort "$2") | awk '{ le = $1 == "+Inf" ? 1e99 : $1; print le, $3 - $2 }' |
		sort -g | awk '{ le[NR] = $1; c[NR] = $2 } END { tot = c[NR];
			if (tot <= 0) { print "n/a"; exit }
			for (i = 1; i <= NR; i++) if (c[i] >= 0.99 * tot) { print (le[i] >= 1e99 ? "+Inf" : le[i]); exit } }'
}
# lat_stats FILE: "p50 p99 max" in ms of the seconds listed in FILE.
lat_stats() {
	sort -g "$1" | awk '{ v[NR] = $1 * 1000 } END { if (NR == 0) { print "n/a"; exit }
		i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1;
		printf "p50=%.1fms p99=%.1fms max=%.1fms n=%d", v[i50], v[i99], v[NR], NR }'
}
timed_get() { curl -s -o /dev/null -w '%{time_total}\n' --max-time 60 "$@"; }
# ---- nginx on a free port, the one target host of both probers ---------------------
start_nginx 16384

# ---- blackbox_exporter: N distinct targets on the same nginx, at N / INTERVAL probes/s --
start_blackbox "http%3A%2F%2F127.0.0.1%3A$NGX%2Fp0" "valid_status_codes: [200]" 'fail_if_body_not_matches_regexp: [ "Antrag" ]'
# wrk's delay() paces each connection: BB_CONN connections * 1000 / rate ms apart.
cat > "$WORK/bb.lua" <<LUA
local n, i = $N, 0
local gap = $BB_CONN * 1000 * $ISECS / $N
function request()
	i = (i + 1) % n
	return wrk.format("GET", "/probe?module=http_2xx&target=http%3A%2F%2F127.0.0.1%3A$NGX%2Fp" .. i)
end
function delay() return gap end
LUA

echo "# machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "# N=$N interval=$INTERVAL due=$(awk -v n="$N" -v s="$ISECS" 'BEGIN { printf "%.1f", n / s }') probes/s, warm ${WARM}s, measured ${DUR}s, /metrics every ${SCRAPE_EVERY}s, $CLIENTS API clients"

round() {
	local store=$1 dir="$WORK/$1" sock="" t0 c0 c1 p0 p1 d0 d1 th0 th1 bbc0 bbc1 bbout bbreq rc0 rc1
	mkdir -p "$dir/data/rrd"
	daemon_port
	if [ "$store" = rrdcached ]; then
		sock="$WORK/rrdcached.sock"
		start_rrdcached "$sock" "$dir/data/rrd" || { echo "rrdcached did not start"; return 1; }
	fi
	python3 bench/daemon/gen-config.py "$N" "$dir/conf" --interval "$INTERVAL" --timeout 5s \
		--connect-port "$NGX" --listen "127.0.0.1:$D_PORT" --data-dir "$dir/data" \
		--max-concurrency "$CONC" ${sock:+--rrdcached "$sock"} || return 1
	t0=$(now)
	"$BIN_DIR/ozgmond" --check-config "$dir/conf/ozgmon.yml" >/dev/null 2>&1 || { echo "configuration refused"; return 1; }
	echo "$store config_check_s=$(elapsed "$t0") files=$(du -sh "$dir/conf" | cut -f1)"
	t0=$(now)
	start_daemon 300 "$dir/d.log" --config "$dir/conf/ozgmon.yml" || { echo "ozgmond did not start"; tail -5 "$dir/d.log"; return 1; }
	echo "$store start_to_healthy_s=$(elapsed "$t0")"
	sleep "$WARM"

	# ---- the measured window: scrapes every SCRAPE_EVERY s, blackbox at the same rate ----
	scrape; lag_hist > "$dir/lag0"
	p0=$(v ozgmon_probes_finished_total); d0=$(v ozgmon_store_dropped_samples_total)
	c0=$(cpu_s "$D_PID"); threads "$D_PID" > "$dir/th0"; bbc0=$(cpu_s "$BB_PID")
	rc0=0; [ -n "${RC_PID:-}" ] && rc0=$(cpu_s "$RC_PID")
	t0=$(now)
	wrk -t1 -c"$BB_CONN" -d"${DUR}s" -s "$WORK/bb.lua" "http://127.0.0.1:$BB/" > "$dir/wrk.out" 2>&1 &
	local wrk_pid=$! i
	PIDS+=($wrk_pid)
	: > "$dir/scrape_idle"
	for i in $(seq 1 $((DUR / SCRAPE_EVERY))); do
		timed_get "$D/metrics" >> "$dir/scrape_idle"
		sleep "$SCRAPE_EVERY"
	done
	wait "$wrk_pid"
	scrape; lag_hist > "$dir/lag1"
	c1=$(cpu_s "$D_PID"); threads "$D_PID" > "$dir/th1"; bbc1=$(cpu_s "$BB_PID")
	rc1=0; [ -n "${RC_PID:-}" ] && rc1=$(cpu_s "$RC_PID")
	local secs; secs=$(elapsed "$t0")
	p1=$(v ozgmon_probes_finished_total); d1=$(v ozgmon_store_dropped_samples_total)
	local probes=$(awk -v a="$p0" -v b="$p1" 'BEGIN { print b - a }')
	[ "$probes" -gt 0 ] 2>/dev/null || { echo "$store: no probes finished in the window"; return 1; }
	local ozms=$(awk -v a="$c0" -v b="$c1" -v n="$probes" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }')
	echo "$store ozgmond probes_per_s=$(awk -v n="$probes" -v s="$secs" 'BEGIN { printf "%.1f", n / s }') cpu_ms_per_probe=$ozms cores=$(awk -v a="$c0" -v b="$c1" -v s="$secs" 'BEGIN { printf "%.2f", (b - a) / s }') lag_p99_s=$(p99 "$dir/lag0" "$dir/lag1") rss_mb=$(rss_mb "$D_PID") dropped=$(awk -v a="${d0:-0}" -v b="${d1:-0}" 'BEGIN { print b - a }')"
	join -a2 -e0 -o 0,1.2,2.2 "$dir/th0" "$dir/th1" | awk -v n="$probes" -v s="$secs" -v st="$store" \
		'{ printf "%s thread %-16s cpu_ms_per_probe=%.4f cores=%.3f\n", st, $1, ($3 - $2) * 1000 / n, ($3 - $2) / s }'
	[ "$store" = rrdcached ] && echo "$store rrdcached cpu_ms_per_probe=$(awk -v a="$rc0" -v b="$rc1" -v n="$probes" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }')"
	bbreq=$(awk '/requests in/ { print $1 }' "$dir/wrk.out")
	local bbms=$(awk -v a="$bbc0" -v b="$bbc1" -v n="${bbreq:-0}" 'BEGIN { if (n > 0) printf "%.4f", (b - a) * 1000 / n; else print "n/a" }')
	echo "$store blackbox_exporter probes_per_s=$(awk '/Requests\/sec/ { print $2 }' "$dir/wrk.out") cpu_ms_per_probe=$bbms rss_mb=$(rss_mb "$BB_PID")"
	echo "$store ratio ozgmond/blackbox cpu_per_probe=$(awk -v a="$ozms" -v b="$bbms" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')"
	echo "$store metrics_scrape $(lat_stats "$dir/scrape_idle") bytes=${#M}"

	# ---- API latency: idle, then while CLIENTS clients hit /api/v1/* ------------------
	local paths=(/api/v1/targets /api/v1/areas /api/v1/services /api/v1/targets.csv)
	: > "$dir/api_idle"; : > "$dir/metrics_idle"
	for i in 1 2 3 4 5; do
		for pth in "${paths[@]}"; do timed_get "$D$pth" >> "$dir/api_idle"; done
		timed_get "$D/metrics" >> "$dir/metrics_idle"
	done
	echo "$store api_idle $(lat_stats "$dir/api_idle")"
	echo "$store metrics_idle $(lat_stats "$dir/metrics_idle")"
	local cl=() end
	end=$(( $(date +%s) + API_DUR ))
	for i in $(seq 1 "$CLIENTS"); do
		( j=$i; while [ "$(date +%s)" -lt "$end" ]; do
			timed_get "$D${paths[$((j % ${#paths[@]}))]}" >> "$dir/api_busy.$i"; j=$((j + 1)); done ) &
		cl+=($!)
	done
	PIDS+=("${cl[@]}")
	: > "$dir/metrics_busy"
	while [ "$(date +%s)" -lt "$end" ]; do timed_get "$D/metrics" >> "$dir/metrics_busy"; sleep 1; done
	wait "${cl[@]}"
	cat "$dir"/api_busy.* > "$dir/api_busy"
	echo "$store api_busy $(lat_stats "$dir/api_busy")"
	echo "$store metrics_busy $(lat_stats "$dir/metrics_busy") p99_vs_idle=$(awk -v a="$(lat_stats "$dir/metrics_busy" | sed 's/.*p99=\([0-9.]*\).*/\1/')" -v b="$(lat_stats "$dir/metrics_idle" | sed 's/.*p99=\([0-9.]*\).*/\1/')" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"

	# ---- stop, then reload on a second start -----------------------------------------
	# Stop first: after a reload the collector's count is carried over while the store's
	# account is the new pipeline's alone, so completed = written holds only without one.
	t0=$(now)
	stop_daemon TERM
	local exit_s; exit_s=$(elapsed "$t0")
	if shutdown_counts "$dir/d.log"; then
		echo "$store sigterm_exit_s=$exit_s rc=$RC completed=$ACC_C written=$ACC_W dropped=$ACC_D stale=$ACC_S completed_eq_written=$([ "$ACC_C" = "$ACC_W" ] && echo yes || echo no)"
	else
		echo "$store sigterm_exit_s=$exit_s rc=$RC (no shutdown account in the log)"
	fi
	start_daemon 300 "$dir/d2.log" --config "$dir/conf/ozgmon.yml" || { echo "ozgmond did not start again"; return 1; }
	sleep 10
	t0=$(now)
	local rcode; rcode=$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 -X POST "$D/-/reload")
	echo "$store reload_s=$(elapsed "$t0") status=$rcode"
	stop_daemon TERM
	if [ -n "${RC_PID:-}" ]; then kill "$RC_PID"; wait "$RC_PID" 2>/dev/null; RC_PID=""; fi
	rm -rf "$dir/data"
}

for s in $STORE; do
	case $s in direct|rrdcached) round "$s" || echo "$s: round failed" ;;
	*) echo "run.sh: STORE entries are direct or rrdcached"; exit 2 ;;
	esac
done
