#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run.sh - probe throughput of ozgmond's collector against prometheus-blackbox-exporter,
# side by side in one run, against one loopback nginx; then the 100,000-target sustained run.
#
#   bench/collector/run.sh [all|throughput|sustained]
#
# Environment: CONC (32) concurrency of both probers, DUR (10) seconds per throughput
# measurement, TARGETS (40000) targets of the throughput run (interval 1 s: more demand
# than any prober meets), BIG (100000) targets of the sustained run at a 60 s interval,
# WARM_BIG (30) and MEASURE_BIG (120) seconds of that run, CONC_BIG (512) its max_concurrency,
# PERF_OUT (unset) a file for `perf record -g` of ozgmond's throughput run.
#
# Everything listens on 127.0.0.1 on ports the kernel reports free; every process this
# script starts is stopped when it ends.  Fresh connection per probe for both probers:
# blackbox_exporter opens a new client per probe, ozgmond sets CURLOPT_FRESH_CONNECT.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
WHAT=${1:-all}
CONC=${CONC:-32}
DUR=${DUR:-10}
TARGETS=${TARGETS:-40000}
BIG=${BIG:-100000}
WARM_BIG=${WARM_BIG:-30}
MEASURE_BIG=${MEASURE_BIG:-120}
. tests/integration/lib.sh
. bench/lib.sh

need_tools nginx prometheus-blackbox-exporter wrk

make_work ozgmon-bench

make -s all >/dev/null || exit 1
cc -D_GNU_SOURCE -I. -std=c11 -O2 -g -pthread -o "$WORK/collbench" bench/collector/collbench.c \
	build/libozgmon.a $(pkg-config --libs libcurl librrd libmicrohttpd jansson yaml-0.1 zlib) -lm || exit 1

# ---- nginx on a free port, the one target host of both probers ---------------------
start_nginx 8192

regs() { registers_yaml; echo "angebote: []"; }

echo "# machine: $(nproc) cores, $(uname -r); shared with other work while measured"
echo "# nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), $(prometheus-blackbox-exporter --version 2>&1 | head -1 | awk '{print $1, $3}'), concurrency $CONC, $DUR s each"

throughput() {
	# ---- wrk, Connection: close: the loopback limit -------------------------------
	w=$(wrk -t1 -c"$CONC" -d"${DUR}s" -H "Connection: close" "http://127.0.0.1:$NGX/" 2>&1 |
		awk '/Requests\/sec/ { print $2 }')
	echo "wrk_close requests_per_s=$w"

	# ---- blackbox_exporter, /probe driven by wrk at the same concurrency -----------
	start_blackbox "http%3A%2F%2F127.0.0.1%3A$NGX%2F"
	wrk -t1 -c"$CONC" -d2s "$BB_PROBE" >/dev/null 2>&1	# warm-up
	c0=$(cpu_s "$BB_PID")
	out=$(wrk -t1 -c"$CONC" -d"${DUR}s" "$BB_PROBE" 2>&1)
	c1=$(cpu_s "$BB_PID")
	bbrate=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
	bbreqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	bbcpu=$(awk -v a="$c0" -v b="$c1" -v n="$bbreqs" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }')
	echo "blackbox_exporter probes_per_s=$bbrate cpu_ms_per_probe=$bbcpu rss_mb=$(rss_mb "$BB_PID" 1)"
	kill "$BB_PID"; wait "$BB_PID" 2>/dev/null

	# ---- ozgmond's collector ------------------------------------------------------
	{
		cat <<YAML
global:
  interval: 1s
  timeout: 1s
  max_concurrency: $CONC
  max_per_host: 1024
onlinedienste:
YAML
		awk -v n="$TARGETS" -v p="$NGX" 'BEGIN { for (i = 0; i < n; i++)
			printf "  - { id: t%06d, url: \"http://127.0.0.1:%s/p%d\" }\n", i, p, i }'
		regs
	} > "$WORK/tp.yml"
	if [ -n "${PERF_OUT:-}" ]; then
		oz=$(perf record -q -F 499 -g -o "$PERF_OUT" -- "$WORK/collbench" "$WORK/tp.yml" 3 "$DUR") || exit 1
	else
		oz=$("$WORK/collbench" "$WORK/tp.yml" 3 "$DUR") || exit 1
	fi
	echo "ozgmond $oz"
	rate=$(sed -n 's/.*probes_per_s=\([0-9.]*\).*/\1/p' <<<"$oz")
	echo "ratio ozgmond/blackbox probes_per_s=$(awk -v a="$rate" -v b="$bbrate" 'BEGIN { printf "%.2f", a / b }')"
}

sustained() {
	{
		cat <<YAML
global:
  interval: 60s
  timeout: 10s
  max_concurrency: ${CONC_BIG:-512}
  max_per_host: 4
  connect_to: [ "::127.0.0.1:$NGX" ]
onlinedienste:
YAML
		# Short lines: the configuration file may be at most 4 MiB.
		awk -v n="$BIG" 'BEGIN { for (i = 0; i < n; i++)
			printf "- {id: t%d, url: http://t%d.bt/}\n", i, i }'
		regs
	} > "$WORK/big.yml"
	oz=$("$WORK/collbench" "$WORK/big.yml" "$WARM_BIG" "$MEASURE_BIG") || exit 1
	echo "ozgmond_sustained $oz"
}

case $WHAT in
all) throughput; sustained ;;
throughput) throughput ;;
sustained) sustained ;;
*) echo "usage: run.sh [all|throughput|sustained]"; exit 2 ;;
esac
