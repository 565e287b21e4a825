#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_pipeline.sh - the real ozgmond against the real ozgmon-sim, on loopback.
#
# Asserts: --check-config names file:line:column; a healthy portal reads
# ozg_probe_success 1, a down one 0, an erroring one 0 with its status; a
# portal switched down at run time goes to 0 and back to 1; the RRD files
# hold those samples; the HTTP surface answers 404/405/HEAD as documented;
# SIGTERM stops the daemon cleanly with every sample written.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-it
daemon_port

echo "== config validation"
cat > "$WORK/bad.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  intervall: 2s
$(registers_yaml)
onlinedienste:
  - { id: a, url: "http://a.example.de/" }
angebote:
  - { area: "16999", ozg_id: "10124", dienst: a, reifegrad: 3 }
YAML
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/bad.yml" 2>&1); rc=$?
check "misspelt key: exit 1" [ "$rc" = 1 ]
check "misspelt key named with file:line:column ($out)" \
	grep -q "^$WORK/bad.yml:3:3: .*intervall" <<<"$out"
check "unknown area key named with its place" grep -q "^$WORK/bad.yml:13:.*16999" <<<"$out"
out=$("$BIN_DIR/ozgmond" --check-config config/demo.yml 2>&1); rc=$?
check "demo config is valid ($out)" [ "$rc" = 0 ]
check "summary counts the registers" grep -q "631 Gemeinden" <<<"$out"
# A map geometry that lacks a Kreis of the registers: refused by --check-config
# (as the dashboards would refuse it at their start), naming the file and the Kreis.
grep -v '^K 16052 ' data/geo/thueringen.geo > "$WORK/nokreis.geo"
SIM_PORT=18080 demo_config "$WORK/geo.yml" -e "s#geo: .*#geo: $WORK/nokreis.geo#"
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/geo.yml" 2>&1); rc=$?
check "geometry without a Kreis of the registers: exit 1" [ "$rc" = 1 ]
check "geometry error names the file and the Kreis ($out)" \
	grep -q "registers.geo: $WORK/nokreis.geo: Kreis 16052 has no feature" <<<"$out"

echo "== simulator and daemon"
cat > "$WORK/sim.profile" <<PROF
# the portals this test needs in a known state
down.portal.test down
error.portal.test error 503
PROF
start_sim --profile "$WORK/sim.profile"
check "simulator answers" sim_answers

cat > "$WORK/it.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 2s
  timeout: 1s
  max_concurrency: 16
  max_per_host: 2
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
  - { id: healthy, name: "Wohnsitz", url: "http://healthy.portal.test/wohnsitz",
      provider: "Stadt Erfurt", probe: { body_contains: "Antrag" } }
  - { id: down, url: "http://down.portal.test/wohnsitz" }
  - { id: error, url: "http://error.portal.test/kfz" }
  - { id: flip, url: "http://flip.portal.test/hund" }
  - { id: content, url: "http://healthy.portal.test/x", probe: { body_contains: "Nicht vorhanden" } }
  - { id: expect503, url: "http://error.portal.test/y", probe: { expect_status: [503] } }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: healthy, reifegrad: 3 }
  - { area: "16", ozg_id: "10000", dienst: flip, reifegrad: 2 }
YAML
check "daemon healthy" start_daemon 10 "$WORK/d.log" --config "$WORK/it.yml" --log-level debug
check "first round done (ozgmon_ready 1)" wait_for 15 metric_is ozgmon_ready "$D" 1

healthy_t0=$(metric 'ozg_probe_last_timestamp_seconds{dienst="healthy"}' "$D")
echo "== probe results"
check "healthy portal: success 1" metric_is 'ozg_probe_success{dienst="healthy"}' "$D" 1
check "healthy portal: status 200" metric_is 'ozg_probe_http_status_code{dienst="healthy"}' "$D" 200
check "down portal: success 0" metric_is 'ozg_probe_success{dienst="down"}' "$D" 0
check "down portal: no HTTP status" metric_is 'ozg_probe_http_status_code{dienst="down"}' "$D" 0
check "error portal: success 0" metric_is 'ozg_probe_success{dienst="error"}' "$D" 0
check "error portal: status 503" metric_is 'ozg_probe_http_status_code{dienst="error"}' "$D" 503
check "missing body text: success 0" metric_is 'ozg_probe_success{dienst="content"}' "$D" 0
check "expected 503: success 1" metric_is 'ozg_probe_success{dienst="expect503"}' "$D" 1
dur=$(metric 'ozg_probe_duration_seconds{dienst="healthy"}' "$D")
check "duration is a positive number below the timeout ($dur)" \
	awk -v d="$dur" 'BEGIN { exit !(d > 0 && d < 1) }'
check "result counters: http_status counted" \
	awk -v v="$(metric 'ozg_probes_total{result="http_status"}' "$D")" 'BEGIN { exit !(v >= 1) }'
check "result counters: content counted" \
	awk -v v="$(metric 'ozg_probes_total{result="content"}' "$D")" 'BEGIN { exit !(v >= 1) }'
check "info metric carries the names" \
	grep -q '^ozg_dienst_info{dienst="healthy",name="Wohnsitz",provider="Stadt Erfurt",efa="false"} 1$' \
	<<<"$(http_get "$D/metrics")"

echo "== a portal goes down and comes back"
check "flip starts up" metric_is 'ozg_probe_success{dienst="flip"}' "$D" 1
check "simulator takes flip down" http_get -o /dev/null -f -X PUT "$SIM/_sim/hosts/flip.portal.test?mode=down"
check "flip reads 0" wait_for 8 metric_is 'ozg_probe_success{dienst="flip"}' "$D" 0
# A second down probe before it comes back: the RRD history then holds a
# down span of two probe intervals, whatever their phase to the 2 s step.
flip_t0=$(metric 'ozg_probe_last_timestamp_seconds{dienst="flip"}' "$D")
flip_later_down() {
	[ "$(metric 'ozg_probe_success{dienst="flip"}' "$D")" = 0 ] &&
		awk -v a="$(metric 'ozg_probe_last_timestamp_seconds{dienst="flip"}' "$D")" -v b="$flip_t0" \
			'BEGIN { exit !(a > b) }'
}
check "flip probed down a second time" wait_for 8 flip_later_down
check "simulator brings flip back" http_get -o /dev/null -f -X DELETE "$SIM/_sim/hosts/flip.portal.test"
check "flip reads 1 again" wait_for 8 metric_is 'ozg_probe_success{dienst="flip"}' "$D" 1

echo "== HTTP surface"
check "GET / is 200" [ "$(code "$D/")" = 200 ]
check "page lists the target" grep -q 'id="d-healthy"' <<<"$(http_get "$D/")"
check "HEAD /metrics is 200" [ "$(code -I "$D/metrics")" = 200 ]
check "unknown path is 404" [ "$(code "$D/nope")" = 404 ]
check "POST is 405" [ "$(code -X POST "$D/metrics")" = 405 ]
check "405 names Allow" grep -qi '^allow: GET, HEAD' <<<"$(curl -s -D - -o /dev/null -X DELETE "$D/")"

echo "== stop and RRD files"
updates_at_least() { awk -v v="$(metric ozgmon_rrd_updates_total "$D")" -v n="$1" 'BEGIN { exit !(v >= n) }'; }
check "store keeps up: 4 rounds of 6 targets written" wait_for 15 updates_at_least 24
# Four probe intervals of healthy history: at least three whole 2 s rows
# lie between its first and its last sample, whatever their phase.
healthy_span() {
	awk -v a="$(metric 'ozg_probe_last_timestamp_seconds{dienst="healthy"}' "$D")" -v b="$healthy_t0" \
		'BEGIN { exit !(a - b >= 8) }'
}
check "healthy probed over four intervals" wait_for 20 healthy_span
stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]
check "store reported no drops" grep -q "dropped, 0 stale, 0 errors\|0 dropped" "$WORK/d.log"
for t in healthy down error flip content expect503; do
	check "rrd file for $t exists" [ -f "$WORK/data/rrd/$t.rrd" ]
done
last() { rrdtool lastupdate "$WORK/data/rrd/$1.rrd" | awk 'NF > 1 { v = $2 } END { print v }'; }
check "healthy rrd: last up = 1 ($(last healthy))" [ "$(last healthy)" = 1 ]
check "down rrd: last up = 0 ($(last down))" [ "$(last down)" = 0 ]
check "error rrd: last up = 0" [ "$(last error)" = 0 ]
# fetch: the flip portal's history holds both states. A sample rarely sits
# on a step boundary, so a down probe shows as rows below 1 (a fraction where
# its span straddles two rows), not necessarily as an exact 0: compare numbers.
hist=$(rrdtool fetch "$WORK/data/rrd/flip.rrd" AVERAGE -s end-10min -e now 2>/dev/null |
	awk 'NF == 3 && $2 !~ /nan/ { printf "%.6f\n", $2 }')
check "flip rrd history has up samples" awk '$1 == 1 { f = 1 } END { exit !f }' <<<"$hist"
check "flip rrd history has down samples" awk '$1 < 1 { f = 1 } END { exit !f }' <<<"$hist"
n_up=$(rrdtool fetch "$WORK/data/rrd/healthy.rrd" AVERAGE -s end-10min -e now | awk 'NF == 3 && $2 !~ /nan/ && $2 + 0 == 1' | wc -l)
check "healthy rrd holds several samples ($n_up)" [ "$n_up" -ge 3 ]

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 40 lines)"; tail -40 "$WORK/d.log"
	echo "--- simulator log (last 20 lines)"; tail -20 "$WORK/sim.log"
fi
echo "pipeline: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
