#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench/soak/run.sh - a bounded soak: the real ozgmond against the real simulator
# at the collector benchmark's sustained rate, for DURATION seconds, sampling its
# resident memory, open file descriptors, schedule lag and store queue every
# EVERY seconds into a CSV, then a summary that says whether they stayed flat.
#
#   bench/soak/run.sh                      # 10 minutes, 10,000 targets every 6 s
#   DURATION=120 bench/soak/run.sh         # a short one
#   TARGETS=2000 INTERVAL=2s OUT=/tmp/soak.csv bench/soak/run.sh
#
# Environment: DURATION (600) seconds of sampling after WARM (60) seconds of
# warm-up (the first round creates two RRD files per target), EVERY (5) seconds
# between samples, TARGETS (10000) and INTERVAL (6s): 1,667 probes/s, the rate
# of bench/collector's sustained run; FAIL_EVERY (10): every FAIL_EVERY-th
# target's portal answers 503; RRDCACHED (unset): 1 writes through rrdcached;
# OUT (unset): keep the CSV there; SUMMARY_ONLY=FILE summarises an earlier CSV.  Everything listens on 127.0.0.1; every
# process started is stopped and the data directory removed at the end.
#
# Flatness: for each figure, the mean of the last quarter of the samples
# against the mean of the first quarter, and the least-squares slope per
# minute over all samples.  A figure counts as flat when the last quarter is
# within 10 % (or 2 units, for small counts) of the first.  Exit status 0 when
# all of RSS, fds and lag are flat, 1 otherwise.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh
DURATION=${DURATION:-600}
WARM=${WARM:-60}
EVERY=${EVERY:-5}
TARGETS=${TARGETS:-10000}
INTERVAL=${INTERVAL:-6s}
FAIL_EVERY=${FAIL_EVERY:-10}
RRDCACHED=${RRDCACHED:-}

# Summary: the median of the first and of the last quarter of the samples (medians,
# so that a few seconds of contention on a shared machine do not decide), the
# maximum, and the least-squares slope per minute over all samples.
summary() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
	function median(col, from, to,    k, j, t, a, m) {
		m = 0
		for (k = from; k <= to; k++) a[++m] = v[k, col]
		for (k = 2; k <= m; k++) { t = a[k]; for (j = k - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	{ n++; for (i = 1; i <= NF; i++) v[n, i] = $i + 0 }
	END {
		if (n < 4) { print "too few samples"; exit 1 }
		q = int(n / 4); flat_all = 1
		printf "%-16s %12s %12s %12s %14s %s\n", "figure", "median_q1", "median_q4", "max", "slope_per_min", "flat"
		split("2 3 6 7 8 5", cols, " ")
		for (c = 1; c <= 6; c++) {
			i = cols[c]; mx = 0; sx = sy = sxx = sxy = 0
			for (r = 1; r <= n; r++) {
				x = v[r, 1] / 60; y = v[r, i]; if (y > mx) mx = y
				sx += x; sy += y; sxx += x * x; sxy += x * y
			}
			f = median(i, 1, q); l = median(i, n - q + 1, n)
			den = n * sxx - sx * sx; slope = den != 0 ? (n * sxy - sx * sy) / den : 0
			tol = f * 0.10; if (tol < 2 && (i == 2 || i == 3 || i == 8)) tol = 2
			if (i == 6 || i == 7) tol = (f * 0.5 > 0.05) ? f * 0.5 : 0.05	# lag: within 50 ms or half
			flat = (l - f <= tol) ? "yes" : "NO"
			if (i == 5) flat = "-"
			else if ((i == 2 || i == 3 || i == 6 || i == 7) && flat == "NO") flat_all = 0
			printf "%-16s %12.3f %12.3f %12.3f %14.4f %s\n", h[i], f, l, mx, slope, flat
		}
		printf "dropped=%d skipped=%d (at the end)\n", v[n, 9], v[n, 10]
		print (flat_all ? "RESULT flat" : "RESULT NOT flat")
		exit !flat_all
	}' "$1"
}
# SUMMARY_ONLY=FILE: only summarise a CSV of an earlier run.
if [ -n "${SUMMARY_ONLY:-}" ]; then summary "$SUMMARY_ONLY"; exit; fi

make --no-print-directory all >/dev/null || exit 1
make_work ozgmon-soak
W=$WORK
# Copies, so a rebuild during the soak does not swap the binaries under it.
cp bin/ozgmond bin/ozgmon-sim "$W/" || exit 1
BIN_DIR=$W
mkdir -p "$W/data/rrd"
daemon_port
: > "$W/sim.profile"
awk -v n="$TARGETS" -v k="$FAIL_EVERY" 'BEGIN { if (k > 0) for (i = k; i <= n; i += k)
	printf "h%d.portal.test error 503\n", i }' > "$W/sim.profile"
start_sim --profile "$W/sim.profile" && sim_answers || { echo "simulator did not start"; exit 1; }
RC=""
if [ -n "$RRDCACHED" ]; then
	RC="  rrdcached: unix:$W/rrdc.sock"
	start_rrdcached "$W/rrdc.sock" "$W/data/rrd" || { echo "rrdcached did not start"; exit 1; }
fi
{
	cat <<Y
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $W/data
  interval: $INTERVAL
  timeout: 2s
  max_concurrency: 512
  max_per_host: 4
  dashboards_every: 60s
$RC
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
Y
	awk -v n="$TARGETS" 'BEGIN { for (i = 1; i <= n; i++) printf "- {id: t%d, url: http://h%d.portal.test/x}\n", i, i }'
	echo "angebote:"
	echo "  - { area: \"16051000\", ozg_id: \"10124\", dienst: t1, reifegrad: 3 }"
} >"$W/c.yml"
start_daemon 20 "$W/d.log" --config "$W/c.yml" || { echo "ozgmond did not start"; tail "$W/d.log"; exit 1; }

echo "# soak: $TARGETS targets every $INTERVAL (1 in $FAIL_EVERY answers 503), ${RRDCACHED:+rrdcached, }warm-up ${WARM}s, ${DURATION}s sampled every ${EVERY}s"
echo "# machine: $(nproc) cores, $(uname -r); shared with other work while measured"
sleep "$WARM"

# One sample: from /proc (RSS, fds) and /metrics (counters, the lag histogram).
# Lag per window: mean (sum/count deltas) and the bound of the bucket holding the
# window's 99th percentile.
CSV=$W/soak.csv
echo "t_s,rss_kb,open_fds,probes_finished,probes_per_s,lag_mean_s,lag_p99_le_s,store_queue,dropped,skipped" > "$CSV"
prev=""
t0=$(date +%s)
end=$((t0 + DURATION))
while [ "$(date +%s)" -lt "$end" ]; do
	kill -0 "$D_PID" 2>/dev/null || { echo "ozgmond died"; tail -20 "$W/d.log"; exit 1; }
	now=$(date +%s)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$D_PID/status")
	fds=$(ls "/proc/$D_PID/fd" | wc -l)
	m=$(http_get "$D/metrics") || m=""
	cur=$(awk -v t="$now" '
		/^ozgmon_schedule_lag_seconds_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); b = b sprintf("%s=%s;", le, $2) }
		$1 == "ozgmon_schedule_lag_seconds_sum" { s = $2 }
		$1 == "ozgmon_schedule_lag_seconds_count" { c = $2 }
		$1 == "ozgmon_probes_finished_total" { f = $2 }
		$1 == "ozgmon_store_queue_length" { q = $2 }
		$1 == "ozgmon_store_dropped_samples_total" { d = $2 }
		$1 == "ozgmon_probes_skipped_total" { k = $2 }
		END { printf "%s %s %s %s %s %s %s %s", t, s, c, f, q, d, k, b }' <<<"$m")
	if [ -n "$prev" ]; then
		awk -v p="$prev" -v c="$cur" -v rss="$rss" -v fds="$fds" -v t0="$t0" 'BEGIN {
			split(p, a, " "); split(c, b, " ")
			dt = b[1] - a[1]; if (dt <= 0) dt = 1
			dc = b[3] - a[3]; mean = dc > 0 ? (b[2] - a[2]) / dc : 0
			# buckets "le=count;" of both samples
			nb = split(b[8], cb, ";"); split(a[8], pb, ";")
			p99 = 0
			for (i = 1; i <= nb; i++) {
				if (cb[i] == "") continue
				split(cb[i], x, "="); split(pb[i], y, "=")
				if (dc > 0 && (x[2] - y[2]) >= 0.99 * dc) { p99 = x[1]; break }
			}
			printf "%d,%d,%d,%d,%.1f,%.6f,%s,%d,%d,%d\n", b[1] - t0, rss, fds, b[4],
				(b[4] - a[4]) / dt, mean, p99, b[5], b[6], b[7]
		}' >> "$CSV"
	fi
	prev=$cur
	sleep "$EVERY"
done

[ -n "${OUT:-}" ] && cp "$CSV" "$OUT"
echo "# samples: $(($(wc -l < "$CSV") - 1)) rows (CSV${OUT:+ kept in $OUT})"
summary "$CSV"
rc=$?
kill -TERM "$D_PID"; wait "$D_PID"; echo "# ozgmond exit=$?"; D_PID=""
grep -E "collector: [0-9]|store: [0-9]" "$W/d.log" | sed 's/.*info: /# /'
exit $rc
