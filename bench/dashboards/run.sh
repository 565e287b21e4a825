#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench/dashboards/run.sh - time generating every dashboards page of the full demo.
# Usage: bench/dashboards/run.sh [SECONDS_OF_DATA] [ROUNDS]
#
# Runs the simulator and ozgmond on the demo (free ports, a temporary data
# directory) for SECONDS_OF_DATA (default 90) so that every Onlinedienst has
# series, stops them, then times bench_dashboards on that data, and checks
# that every generated file (pages, graphs, badges, assets) is under 200 KB.
set -eu
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SECS=${1:-90}
ROUNDS=${2:-5}
make -s all
cc -std=c11 -O2 -D_GNU_SOURCE -I. bench/dashboards/bench_dashboards.c build/libozgmon.a \
	$(pkg-config --cflags --libs libcurl librrd libmicrohttpd jansson yaml-0.1 zlib) -lm -pthread \
	-o build/bench_dashboards
make_work ozgmon-bench-dash
start_sim --profile config/demo-sim.profile
demo_config "$WORK/demo.yml" -e "s#^  language: de#  language: de\n  dashboards_every: 24h\n  dashboards_dir: $WORK/live-www#"
daemon_port
start_daemon 20 "$WORK/d.log" --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data" ||
	{ echo "ozgmond did not start"; tail "$WORK/d.log"; exit 1; }
echo "collecting $SECS s of data from the demo ..."
sleep "$SECS"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true; D_PID=""
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=""
# The machine may be shared: the load says how much, and the CPU time the
# generator used is reported next to the wall clock.
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
build/bench_dashboards "$WORK/demo.yml" "$WORK/data" "$WORK/www" "$ROUNDS" | tee "$WORK/bench.out"
W="$WORK/www"
echo "html: $(find "$W" -name '*.html' | wc -l) pages, $(du -sk --apparent-size "$W" | cut -f1) KiB in all (graphs included)"
for kind in html svg; do
	echo "largest .$kind: $(find "$W" -name "*.$kind" -printf '%s %P\n' | sort -n | tail -1)"
done
find "$W/graph" -name '*.svg' -printf '%s %f\n' | awk '
	{ n++; sum += $1; k = $2; sub(/^.*-/, "", k); sub(/\.svg$/, "", k); if ($2 ~ /^trend-/) k = "trend";
	  c[k]++; s[k] += $1; if ($1 > m[k]) m[k] = $1 }
	END { printf "graphs: %d files, %.1f KiB mean; ", n, n ? sum / n / 1024 : 0
	      for (k in c) printf "%s: %d, mean %.1f KiB, max %.1f KiB; ", k, c[k], s[k] / c[k] / 1024, m[k] / 1024
	      printf "\n" }'
# The bound holds for every generated file: pages, graphs, badges, assets.
over=$(find "$W" -type f -size +199999c -printf '%s %P\n')
if [ -n "$over" ]; then
	echo "FAIL: files of 200 KB or more:"; echo "$over" | head
	exit 1
fi
echo "every one of $(find "$W" -type f | wc -l) files under 200 KB"
full=$(awk '/^pages and graphs:/ { print $5 }' "$WORK/bench.out")
cpu=$(awk '/^pages and graphs, CPU/ { print $10 }' "$WORK/bench.out")
awk -v t="$full" -v c="$cpu" 'BEGIN {
	printf "full generation: median %s s wall clock (%s the 10 s target), %s s CPU (%s)\n",
		t, t < 10 ? "within" : "NOT within", c, c < 10 ? "within" : "NOT within" }'
