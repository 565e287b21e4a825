#!/usr/bin/env bash
# bench/dashboards/run.sh - time generating every dashboards page of the full demo.
# Usage: bench/dashboards/run.sh [SECONDS_OF_DATA] [ROUNDS]
#
# Runs the simulator and ozgmond on the demo (free ports, a temporary data
# directory) for SECONDS_OF_DATA (default 90) so that every Onlinedienst has
# series, stops them, then times bench_dashboards on that data.
set -eu
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SECS=${1:-90}
ROUNDS=${2:-5}
make -s all
cc -std=c11 -O2 -D_GNU_SOURCE -I. bench/dashboards/bench_dashboards.c build/libozgmon.a \
	$(pkg-config --cflags --libs libcurl librrd libmicrohttpd jansson yaml-0.1 zlib) -lm -pthread \
	-o build/bench_dashboards
WORK=$(mktemp -d /tmp/ozgmon-bench-dash.XXXXXX)
SIM_PID=""; D_PID=""
cleanup() {
	[ -n "$D_PID" ] && kill "$D_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
SIM_PORT=$(free_port); D_PORT=$(free_port)
while [ "$D_PORT" = "$SIM_PORT" ]; do D_PORT=$(free_port); done
sed "s/::127\.0\.0\.1:18080/::127.0.0.1:$SIM_PORT/; s#\.\./data/registers/#$PWD/data/registers/#;
     s#^  language: de#  language: de\n  dashboards_every: 24h\n  dashboards_dir: $WORK/live-www#" \
	config/demo.yml > "$WORK/demo.yml"
bin/ozgmon-sim --listen "127.0.0.1:$SIM_PORT" --profile config/demo-sim.profile >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
bin/ozgmond --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data" >"$WORK/d.log" 2>&1 &
D_PID=$!
echo "collecting $SECS s of data from the demo ..."
sleep "$SECS"
kill "$D_PID"; wait "$D_PID" 2>/dev/null || true; D_PID=""
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=""
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
build/bench_dashboards "$WORK/demo.yml" "$WORK/data" "$WORK/www" "$ROUNDS"
echo "html: $(find "$WORK/www" -name '*.html' | wc -l) pages, $(du -sk --apparent-size "$WORK/www" | cut -f1) KiB in all;" \
	"pages over 200 KB: $(find "$WORK/www" -name '*.html' -size +200k | wc -l)"
