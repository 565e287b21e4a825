#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_scrape_guard.sh - a scraper nobody on its own address can crowd out,
# and password checks that cannot starve scrapes (docs/security.md).
#
# ozgmond runs with basic auth and ozgmon.scrape_listen (a listener of its
# own for /metrics, /-/healthy and /-/ready).  Asserts:
# - the scrape listener serves those three paths only and asks for auth too;
# - 100 wrong-password requests in parallel (bcrypt runs on a thread of its
#   own behind a short queue; the rest get 429) leave every correct scrape,
#   on either listener, under 100 ms, and let no wrong password in;
# - with 1,000 slowloris sockets from 127.0.0.1 that reconnect when cut and a
#   burst of 20,000 short connections at parallelism 200 from 127.0.0.1, both
#   against the main listener, a scrape of /metrics from 127.0.0.1 every
#   0.5 s on the scrape listener (100 scrapes) fails 0 times and its p99
#   stays under 100 ms; the refused and cut connections are counted in the
#   self-metrics.
# On a machine so busy that the p99 of 40 scrapes without any attack,
# measured first, is over 50 ms, both latency bounds become that p99 plus
# 100 ms, as test_hostile_http.sh does; the figures are printed.
# Bounds on the daemon's latency scale with lib.sh's SLOW under TSan.  Every
# load loop is bounded in count and time; traffic stays on loopback.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh
. tests/integration/lib_web.sh

make_work ozgmon-scrape-guard
command -v python3 >/dev/null 2>&1 || { bad "python3 is needed"; echo "scrape_guard: $PASS passed, $FAIL failed"; exit 1; }
LIMIT_MS=$((100 * SLOW))
TOOL=tests/tools/hostile_http.py

hash=$(echo 'scrape-secret' | "$BIN_DIR/ozgmond" --hash-password)
mkdir -p "$WORK/data"
for _ in 1 2 3; do
	daemon_port
	S_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
	[ "$S_PORT" != "$D_PORT" ] || continue
	S="http://127.0.0.1:$S_PORT"
	cat > "$WORK/web.yml" <<YAML
basic_auth_users:
  prometheus: '$hash'
ozgmon:
  scrape_listen: 127.0.0.1:$S_PORT
YAML
	refused_config > "$WORK/d.yml"
	start_daemon 20 "$WORK/d.log" --config "$WORK/d.yml" --web-config "$WORK/web.yml" && break
	kill "$D_PID" 2>/dev/null; wait "$D_PID" 2>/dev/null; D_PID=""
done
check "daemon answers on both listeners" answers_while_up 10 "${D_PID:-0}" "$S/-/healthy"
AUTH=(-u prometheus:scrape-secret)

echo "== the scrape listener"
check "scrape listener: /metrics without auth: 401" [ "$(code "$S/metrics")" = 401 ]
check "scrape listener: /metrics with auth: 200" [ "$(code "${AUTH[@]}" "$S/metrics")" = 200 ]
check "scrape listener: /-/ready answers" [ "$(code "$S/-/ready")" != 000 ]
check "scrape listener: the API is not served (404)" [ "$(code "${AUTH[@]}" "$S/api/v1/targets")" = 404 ]
check "scrape listener: reload is not served (404)" [ "$(code -X POST "${AUTH[@]}" "$S/-/reload")" = 404 ]
api_ok() { [ "$(code "${AUTH[@]}" "$D/api/v1/targets")" = 200 ]; }
check "main listener: the API with auth: 200" wait_for 10 api_ok
check "main listener: /metrics with auth: 200" [ "$(code "${AUTH[@]}" "$D/metrics")" = 200 ]

echo "== scrapes without an attack, for the machine's own latency"
run_tool 150 scrapes --port "$S_PORT" --user prometheus --password scrape-secret --scrapes 40 \
	--gap 0.1 --seconds 20 --p99-ms 0
base_p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$FIGURES")

echo "== 100 wrong passwords in parallel, right-password scrapes timed meanwhile"
run_tool 150 wrongpw --port "$D_PORT" --user prometheus --password scrape-secret --wrong 100 \
	--scrapes 10 --gap 0.02 --p99-ms "$LIMIT_MS" --baseline-p99-ms "${base_p99:-0}"
run_tool 150 wrongpw --port "$D_PORT" --scrape-port "$S_PORT" --user prometheus \
	--password scrape-secret --wrong 100 --scrapes 10 --gap 0.02 --p99-ms "$LIMIT_MS" \
	--baseline-p99-ms "${base_p99:-0}"
M=$(curl -s --max-time $((10 * SLOW)) "${AUTH[@]}" "$S/metrics")
busy=$(v 'ozgmon_http_refused_total{reason="auth_busy"}')
check "password checks over the queue answered 429 and counted ($busy > 0)" [ "${busy:-0}" -gt 0 ]

echo "== 1,000 reconnecting slowloris sockets and a 20,000-connection burst from 127.0.0.1"
timeout 120 python3 "$TOOL" attack --port "$D_PORT" --src 127.0.0.1 --idle 0 --slow 1000 \
	--reconnect --per-ip 0 --settle 2 --seconds 56 --expect-dropped >"$WORK/attack.out" 2>&1 &
ATTACK=$!
PIDS+=("$ATTACK")
sleep 2
timeout 120 python3 "$TOOL" burst --port "$D_PORT" --burst 20000 --parallel 200 --seconds 60 \
	>"$WORK/burst.out" 2>&1 &
BURST=$!
PIDS+=("$BURST")
run_tool 150 scrapes --port "$S_PORT" --user prometheus --password scrape-secret --scrapes 100 \
	--gap 0.5 --seconds 60 --p99-ms "$LIMIT_MS" --baseline-p99-ms "${base_p99:-0}"
wait "$BURST"; brc=$?
wait "$ATTACK"
grep -v '^FIGURES' "$WORK/attack.out" "$WORK/burst.out" | sed 's/^[^:]*://'
check "the burst ran its 20,000 connections (exit $brc)" [ "$brc" = 0 ]
PASS=$((PASS + $(grep -c '^  ok ' "$WORK/attack.out")))
FAIL=$((FAIL + $(grep -c '^  FAIL ' "$WORK/attack.out")))
M=$(curl -s --max-time $((10 * SLOW)) "${AUTH[@]}" "$S/metrics")
per=$(v 'ozgmon_http_refused_total{reason="per_address"}')
cut=$(v ozgmon_http_slow_clients_dropped_total)
echo "  refused over the per-address limit: $per; cut by the header deadline: $cut"
check "connections over the per-address limit refused and counted ($per > 0)" [ "${per:-0}" -gt 0 ]
check "slowloris sockets cut by the header deadline and counted ($cut > 0)" [ "${cut:-0}" -gt 0 ]
check "daemon still up" kill -0 "$D_PID"
check "main listener answers again after the attack" [ "$(code "${AUTH[@]}" "$D/metrics")" = 200 ]

stop_daemon TERM
check "clean stop (exit $RC)" [ "$RC" = 0 ]

echo "== the scrape listener on a unix socket"
printf 'basic_auth_users:\n  prometheus: %s\nozgmon:\n  scrape_listen: unix:%s\n' \
	"'$hash'" "$WORK/scrape.sock" > "$WORK/web_unix.yml"
: > "$WORK/scrape.sock.not"	# a regular file in the way is refused, not replaced
printf 'ozgmon:\n  scrape_listen: unix:%s\n' "$WORK/scrape.sock.not" > "$WORK/web_bad.yml"
"$BIN_DIR/ozgmond" --config "$WORK/d.yml" --web-config "$WORK/web_bad.yml" >"$WORK/bad.log" 2>&1
check "a regular file at the socket path stops the start" grep -q "exists and is not a socket" "$WORK/bad.log"
check "daemon answers" start_daemon 20 "$WORK/d2.log" --config "$WORK/d.yml" --web-config "$WORK/web_unix.yml"
ucode() { code --unix-socket "$WORK/scrape.sock" "$@"; }
check "the socket is mode 0660" [ "$(stat -c %a "$WORK/scrape.sock")" = 660 ]
check "unix socket: /metrics with auth: 200" [ "$(ucode "${AUTH[@]}" http://ozgmon/metrics)" = 200 ]
check "unix socket: /metrics without auth: 401" [ "$(ucode http://ozgmon/metrics)" = 401 ]
check "unix socket: the API is not served (404)" [ "$(ucode "${AUTH[@]}" http://ozgmon/api/v1/targets)" = 404 ]
stop_daemon TERM
check "clean stop (exit $RC)" [ "$RC" = 0 ]
[ "$FAIL" -ne 0 ] && { echo "--- daemon log (last 20 lines)"; tail -20 "$WORK/d.log"; }
echo "scrape_guard: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
