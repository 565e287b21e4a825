#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench.sh - scrape time and bytes of ozgmond's /metrics at 10,000, 100,000 and
# 1,000,000 series, with and without gzip, while a probe-loop stand-in
# publishes snapshots; compared with nginx-light serving the same bytes as a
# plain file, measured in the same run.  See README.md.
#
#   bench/exporter/bench.sh [TARGETS...]    (default: 2000 20000 200000 = 5 series each)
#
# Needs: cc, the library (make), wrk, nginx (nginx-light), curl.
# Every process started here is stopped at the end; ports are free loopback ports.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(2000 20000 200000)
DUR=${DUR:-5}		# seconds of wrk per measurement

make_work ozgmon-bench
W=$WORK
chmod 755 "$W"

make -s build/libozgmon.a >/dev/null || exit 1
cc -std=c11 -O2 -D_GNU_SOURCE -DOZGMON_VERSION="\"$(cat VERSION)\"" -I. -Wall -Wextra -Werror -pthread \
	bench/exporter/scrape_bench.c build/libozgmon.a \
	$(pkg-config --libs libcurl librrd libmicrohttpd jansson yaml-0.1 zlib libcrypt gnutls) -lm \
	-o "$W/scrape_bench" || exit 1

# nginx-light serving $W/www as plain files (a few ports are tried: others share the machine).
mkdir -p "$W/www" "$W/nginx/logs"
chmod 755 "$W/www"
start_nginx() {
	cat > "$W/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	server {
		listen 127.0.0.1:$NP;
		root $W/www;
		location / { default_type text/plain; }
	}
}
CONF
	nginx -p "$W/nginx/" -c "$W/nginx/nginx.conf" -g 'daemon off;' 2>"$W/nginx/stderr" &
	NGINX_PID=$!
	wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$NP/" && return 0
	kill "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	return 1
}
started=""
for _ in 1 2 3 4 5; do
	NP=$(free_port)
	if start_nginx; then started=1; PIDS+=("$NGINX_PID"); break; fi
done
[ -n "$started" ] || { echo "nginx did not start"; cat "$W/nginx/stderr"; exit 1; }

# med_ms K URL [curl args]: median wall time in ms of K sequential scrapes (curl, body discarded).
med_ms() {
	local k=$1 url=$2 i; shift 2
	for i in $(seq 1 "$k"); do
		curl -s -o /dev/null --max-time 30 -w '%{time_total}\n' "$@" "$url"
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] * 1000 }'
}
# rps URL [wrk args]: requests per second of wrk, 1 thread, 2 connections, DUR s.
rps() {
	local url=$1; shift
	wrk -t1 -c2 -d"${DUR}s" --timeout 30s "$@" "$url" 2>/dev/null | awk '/^Requests\/sec/ { printf "%.0f", $2 }'
}
get() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

printf '%-8s %-9s %-8s %-7s %-8s %-7s %-6s %-7s %-7s %-6s %-11s %-12s %-12s %s\n' series bytes gz_bytes \
	render scrape nginx ratio gz gz_ngx ratio "rps ozg/ngx" "lag idle" "lag scraped" "publish max (ms)"
for n in "${SIZES[@]}"; do
	k=21
	[ "$n" -ge 100000 ] && k=7
	# Idle: the probe-loop stand-in alone, as long as the scraped run below.
	idle=""
	for _ in 1 2 3; do
		[ -n "$idle" ] && break
		P=$(free_port)
		idle=$("$W/scrape_bench" "127.0.0.1:$P" "$n" 12 2>/dev/null)
	done
	for _ in 1 2 3; do
		P=$(free_port)
		"$W/scrape_bench" "127.0.0.1:$P" "$n" 12 > "$W/run.out" 2>"$W/run.err" &
		BP=$!
		wait_for 30 curl -s -o /dev/null "http://127.0.0.1:$P/-/healthy" && break
		kill "$BP" 2>/dev/null
		wait "$BP" 2>/dev/null
		BP=""
	done
	[ -n "$BP" ] || { echo "scrape_bench did not start"; cat "$W/run.err"; exit 1; }
	PIDS+=($BP)
	curl -s "http://127.0.0.1:$P/metrics" -o "$W/www/metrics.txt"
	curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$P/metrics" -o "$W/www/metrics.txt.gz"
	chmod 644 "$W/www/"*
	t0=$SECONDS
	s_ms=$(med_ms "$k" "http://127.0.0.1:$P/metrics")
	g_ms=$(med_ms "$k" "http://127.0.0.1:$P/metrics" -H 'Accept-Encoding: gzip')
	o_rps="-"
	[ "$n" -lt 100000 ] && o_rps=$(DUR=3 rps "http://127.0.0.1:$P/metrics")
	# Keep scraping until the stand-in's run ends, so its whole run is under load.
	while kill -0 "$BP" 2>/dev/null && [ $((SECONDS - t0)) -lt 30 ]; do
		curl -s -o /dev/null --max-time 30 "http://127.0.0.1:$P/metrics" || break
	done
	wait "$BP"
	run=$(cat "$W/run.out")
	n_ms=$(med_ms "$k" "http://127.0.0.1:$NP/metrics.txt")
	ng_ms=$(med_ms "$k" "http://127.0.0.1:$NP/metrics.txt.gz")
	n_rps="-"
	[ "$n" -lt 100000 ] && n_rps=$(DUR=3 rps "http://127.0.0.1:$NP/metrics.txt")
	printf '%-8s %-9s %-8s %-7s %-8s %-7s %-6s %-7s %-7s %-6s %-11s %-12s %-12s %s\n' \
		"$(get series "$run")" "$(stat -c %s "$W/www/metrics.txt")" "$(stat -c %s "$W/www/metrics.txt.gz")" \
		"$(get render_ms "$idle")" "$s_ms" "$n_ms" "$(awk -v a="$s_ms" -v b="$n_ms" 'BEGIN { printf "%.1f", a / b }')" \
		"$g_ms" "$ng_ms" "$(awk -v a="$g_ms" -v b="$ng_ms" 'BEGIN { printf "%.1f", a / b }')" \
		"$o_rps/$n_rps" "$(get lag_p99_ms "$idle")/$(get lag_max_ms "$idle")" \
		"$(get lag_p99_ms "$run")/$(get lag_max_ms "$run")" \
		"$(get publish_max_ms "$idle")/$(get publish_max_ms "$run")"
done
echo "(lag: p99/max of the probe-loop stand-in's wake-ups; publish max: idle/scraped)"
echo "(times: median of 7 or 21 sequential curl scrapes, ms; machine: $(nproc) cores, shared with other builds and tests)"
