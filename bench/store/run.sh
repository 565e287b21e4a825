#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench/store/run.sh - RRD update throughput for 10,000 and 100,000 targets:
# librrd direct, through rrdcached, ozgmon's store (both ways) at a paced
# load, and `rrdtool update` from a shell loop as the baseline; plus the
# bytes per target of the default layout.  See bench/store/README.md.
#
#   bench/store/run.sh                      # both sizes, 10 s per measurement
#   SIZES=10000 SECS=5 bench/store/run.sh   # quicker
#   BENCH_DIR=/var/tmp bench/store/run.sh   # where the files go (default /tmp)
#
# Every load is bounded in time (SECS) or count (BASE_MAX); the files are
# removed at the end, also on Ctrl-C.
set -eu
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"10000 100000"}
SECS=${SECS:-10}
BASE_MAX=${BASE_MAX:-2000}	# baseline: at most this many `rrdtool update` processes
RATE=${RATE:-5000}		# store load: samples/s, each 2 file updates (main + perf)
BENCH_DIR=${BENCH_DIR:-/tmp}
PER_TARGET=241664		# du of <id>.rrd + <id>.perf.rrd at 60 s (docs/storage.md)

make --no-print-directory build/libozgmon.a >/dev/null
W=$(mktemp -d "$BENCH_DIR/ozgmon-bench-store.XXXXXX")
RC_PID=""
cleanup() {
	[ -n "$RC_PID" ] && kill "$RC_PID" 2>/dev/null && wait "$RC_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I. bench/store/rrdbench.c build/libozgmon.a \
	$(pkg-config --libs librrd libcurl libmicrohttpd jansson yaml-0.1 zlib) -lm -pthread \
	-o "$W/rrdbench"
B=$W/rrdbench

echo "# machine: $(nproc) cores, $(free -g | awk '/^Mem/ { print $2 }') GiB RAM, shared with other builds and tests"
echo "# rrdtool $(rrdtool --version | head -1 | awk '{ print $2 }'), SECS=$SECS RATE=$RATE samples/s"
for N in $SIZES; do
	need=$((N * PER_TARGET * 11 / 10))
	avail=$(df -B1 --output=avail "$W" | tail -1)
	if [ "$avail" -lt "$need" ]; then
		echo "## $N targets: skipped, needs $need bytes in $BENCH_DIR, $avail free"
		continue
	fi
	D=$W/n$N/rrd
	mkdir -p "$D"
	echo "## $N targets"
	t0=$(date +%s.%N)
	"$B" create "$D" "$N"
	t1=$(date +%s.%N)
	bytes=$(du -sB1 "$D" | awk '{ print $1 }')
	echo "create: $((2 * N)) files in $(echo "$t1 - $t0" | bc) s; du $bytes bytes = $((bytes / N)) bytes per target"
	echo "- librrd rrd_update_r, one process:"
	"$B" direct "$D" "$N" "$SECS"

	echo "- baseline, rrdtool update from a shell loop (at most $BASE_MAX):"
	last=$(rrdtool last "$D/t000000.rrd")
	n=0; ts=$((last + 60)); s0=$(date +%s.%N)
	while [ "$n" -lt "$BASE_MAX" ]; do
		for i in $(seq 0 $((N - 1))); do
			rrdtool update "$(printf '%s/t%06d.rrd' "$D" "$i")" "$ts:1:0"
			n=$((n + 1))
			[ "$n" -ge "$BASE_MAX" ] && break
		done
		ts=$((ts + 60))
		awk -v a="$s0" -v b="$(date +%s.%N)" -v m="$SECS" 'BEGIN { exit !(b - a > m) }' && break
	done
	s1=$(date +%s.%N)
	echo "updates=$n seconds=$(echo "$s1 - $s0" | bc) rate=$(echo "$n / ($s1 - $s0)" | bc)"

	rm -f "$W/s" "$W/rc.pid"
	rrdcached -g -l "unix:$W/s" -p "$W/rc.pid" -b "$D" -B -j "$W" -F >/dev/null 2>&1 &
	RC_PID=$!
	for _ in $(seq 1 50); do [ -S "$W/s" ] && break; sleep 0.1; done
	echo "- rrdcached, rrdc_update from one client:"
	"$B" cached "unix:$W/s" "$D" "$N" "$SECS"
	echo "- ozgmon store through rrdcached, paced at $RATE samples/s:"
	"$B" store "unix:$W/s" "$D" "$N" "$RATE" "$SECS" 2>/dev/null
	kill "$RC_PID"; wait "$RC_PID" 2>/dev/null || true; RC_PID=""
	echo "- ozgmon store direct, paced at $RATE samples/s:"
	"$B" store - "$D" "$N" "$RATE" "$SECS" 2>/dev/null
	rm -rf "$W/n$N"
done
