#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_collector.sh - the collector against the simulator's fault profiles.
#
# Asserts, per target, the result class of every fault (ozg_probe_result),
# the per-phase timings, TLS facts (certificate expiry, TLS and HTTP version),
# the redirect count, retries and the down flag, and that max_per_host is never
# exceeded (the simulator's per-host peak of concurrent requests).
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-coll
daemon_port
REFUSED_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
while [ "$REFUSED_PORT" = "$D_PORT" ]; do REFUSED_PORT=$(free_port_low); done
sim_certs HTTPS

cat > "$WORK/sim.profile" <<PROF
error.portal.test error 503
hang.portal.test hang 30000
reset.portal.test reset
cut.portal.test reset_body 2000
loop.portal.test redirect_loop
hops.portal.test redirect 3
huge.portal.test huge 4
bomb.portal.test gzip_bomb 64
slow.portal.test slow 400
garbage.portal.test stats_garbage
truncated.portal.test stats_truncated
nested.portal.test stats_nested 5000
auth.portal.test auth
PROF
check "simulator started" start_sim --profile "$WORK/sim.profile" "${SIM_TLS[@]}"
VALID_PORT=$(sim_tls_port valid) SELF_PORT=$(sim_tls_port self) EXP_PORT=$(sim_tls_port expired)
check "simulator answers on $SIM_PORT" sim_answers

printf 'probe:geheim\n' > "$WORK/basic.txt"
printf 'eyJ0b2tlbiI6ImdlaGVpbSJ9\n' > "$WORK/token.txt"
chmod 600 "$WORK/basic.txt" "$WORK/token.txt"	# secrets are refused when others may read them
http_hosts="ok error hang reset cut loop hops huge bomb slow garbage truncated nested auth"
{
	echo "global:"
	echo "  listen: \"127.0.0.1:$D_PORT\""
	echo "  data_dir: $WORK/data"
	echo "  interval: 2s"
	echo "  timeout: 1500ms"
	echo "  max_concurrency: 64"
	echo "  max_per_host: 2"
	echo "  connect_to:"
	for h in $http_hosts; do echo "    - \"$h.portal.test:80:127.0.0.1:$SIM_PORT\""; done
	echo "    - \"valid.portal.test:443:127.0.0.1:$VALID_PORT\""
	echo "    - \"wrong.portal.test:443:127.0.0.1:$VALID_PORT\""
	echo "    - \"self.portal.test:443:127.0.0.1:$SELF_PORT\""
	echo "    - \"expired.portal.test:443:127.0.0.1:$EXP_PORT\""
	echo "  resolve:"
	echo "    - \"v4only.portal.test:$SIM_PORT:127.0.0.1\""
	echo "    - \"refused.portal.test:$REFUSED_PORT:127.0.0.1\""
	cat <<YAML
$(registers_yaml)
onlinedienste:
  - id: ok
    url: "http://ok.portal.test/wohnsitz"
    probe:
      header_matches: [ { header: Content-Type, regexp: "^text/html" } ]
      header_not_matches: [ { header: Server, regexp: "Apache" } ]
      body_matches: [ "Antrag (stellen|starten)" ]
      body_not_contains: "Wartung"
      headers: { Accept-Language: de }
      auth: { type: basic, file: $WORK/basic.txt }
    usage:
      url: "http://ok.portal.test/api/stats.json"
      interval: 1s
      metrics:
        - { name: applications_submitted_total, pointer: /applications_submitted, type: counter }
        - { name: by_service_submitted_total, pointer: "/by_service/*", type: counter, label: service }
        - { name: portal_status, pointer: /status, type: gauge, map: { ok: 1, degraded: 0.5, down: 0 } }
  - id: usage-slow
    url: "http://slow.portal.test/u"
    usage:
      url: "http://slow.portal.test/api/stats.json"
      metrics: [ { name: portal_status, pointer: /status, type: gauge, map: { ok: 1, degraded: 0.5 } } ]
  - id: usage-missing
    url: "http://ok.portal.test/m"
    usage: { url: "http://ok.portal.test/api/stats.json", interval: 1s,
             metrics: [ { name: applications_submitted_total, pointer: /no/such/member, type: counter } ] }
  - { id: usage-garbage, url: "http://garbage.portal.test/", usage: { url: "http://garbage.portal.test/api/stats.json", metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] } }
  - { id: usage-truncated, url: "http://truncated.portal.test/", usage: { url: "http://truncated.portal.test/api/stats.json", metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] } }
  - { id: usage-nested, url: "http://nested.portal.test/", usage: { url: "http://nested.portal.test/api/stats.json", metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] } }
  - id: maint
    url: "http://ok.portal.test/maint"
    maintenance: [ { days: [ mon, tue, wed, thu, fri, sat, sun ], from: "00:00", to: "00:00" } ]
  - id: maint-past
    url: "http://ok.portal.test/past"
    maintenance: [ { from: "2020-01-01 00:00", to: "2020-01-02 00:00" } ]
  - { id: auth-basic, url: "http://auth.portal.test/", probe: { auth: { type: basic, file: $WORK/basic.txt } } }
  - { id: auth-bearer, url: "http://auth.portal.test/b", probe: { auth: { type: bearer, file: $WORK/token.txt } } }
  - { id: auth-none, url: "http://auth.portal.test/n" }
  - { id: content, url: "http://ok.portal.test/a", probe: { body_matches: "Fehler [0-9]+" } }
  - { id: header, url: "http://ok.portal.test/b", probe: { header_matches: [ { header: Content-Type, regexp: json } ] } }
  - { id: http-status, url: "http://error.portal.test/kfz", retries: 2 }
  - { id: timeout, url: "http://hang.portal.test/x", timeout: 1s }
  - { id: refused, url: "http://refused.portal.test:$REFUSED_PORT/" }
  - { id: reset, url: "http://reset.portal.test/" }
  - { id: cut, url: "http://cut.portal.test/" }
  - { id: loop, url: "http://loop.portal.test/", probe: { max_redirects: 5 } }
  - { id: hops, url: "http://hops.portal.test/start" }
  - { id: nofollow, url: "http://hops.portal.test/start", probe: { follow_redirects: false } }
  - { id: huge, url: "http://huge.portal.test/" }
  - { id: huge-allowed, url: "http://huge.portal.test/", probe: { body_limit: 8MiB } }
  - { id: bomb, url: "http://bomb.portal.test/" }
YAML
	for i in 1 2 3 4 5 6; do
		echo "  - { id: slow$i, url: \"http://slow.portal.test/s$i\", interval: 2s, timeout: 2s }"
	done
	if [ $have_tls = 1 ]; then
		cat <<YAML
  - { id: tls-valid, url: "https://valid.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: tls-wronghost, url: "https://wrong.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: tls-selfsigned, url: "https://self.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: tls-expired, url: "https://expired.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: tls-expired-insecure, url: "https://expired.portal.test/", probe: { insecure_skip_verify: true } }
YAML
	fi
	echo "angebote: []"
} > "$WORK/c.yml"

out=$("$BIN_DIR/ozgmond" --check-config "$WORK/c.yml" 2>&1); rc=$?
check "config is valid ($out)" [ "$rc" = 0 ]
check "daemon healthy" start_daemon 20 "$WORK/d.log" --config "$WORK/c.yml" --log-level debug
check "first round done" wait_for 40 metric_is ozgmon_ready "$D" 1

echo "== result classes"
while read -r id want; do
	check "$id: result $want" wait_for 10 result_is "$id" "$want"
done <<EOF
ok success
content content
header content
http-status http_status
timeout timeout
refused connect
reset connect
cut connect
loop redirect_limit
hops success
nofollow http_status
huge body_too_large
huge-allowed success
bomb body_too_large
auth-basic success
auth-bearer success
auth-none http_status
EOF
if [ $have_tls = 1 ]; then
	while read -r id want; do
		check "$id: result $want" wait_for 10 result_is "$id" "$want"
	done <<EOF
tls-valid success
tls-wronghost tls
tls-selfsigned tls
tls-expired cert_expired
tls-expired-insecure cert_expired
EOF
fi

echo "== probe facts"
M=$(http_get "$D/metrics")
for ph in resolve connect tls processing transfer; do
	check "ok: phase $ph present" grep -q "^ozg_probe_http_duration_seconds{dienst=\"ok\",phase=\"$ph\"} " <<<"$M"
done
check "ok: connect phase > 0 ($(v 'ozg_probe_http_duration_seconds{dienst="ok",phase="connect"}'))" \
	awk -v x="$(v 'ozg_probe_http_duration_seconds{dienst="ok",phase="connect"}')" 'BEGIN { exit !(x > 0 && x < 1) }'
check "ok: plain HTTP has tls phase 0" [ "$(v 'ozg_probe_http_duration_seconds{dienst="ok",phase="tls"}')" = 0 ]
check "ok: HTTP version 1.1" awk -v x="$(v 'ozg_probe_http_version{dienst="ok"}')" 'BEGIN { exit !(x == 1.1) }'
check "hops: 3 redirects" [ "$(v 'ozg_probe_redirects{dienst="hops"}')" = 3 ]
check "nofollow: 0 redirects" [ "$(v 'ozg_probe_redirects{dienst="nofollow"}')" = 0 ]
check "nofollow: status 302" [ "$(v 'ozg_probe_http_status_code{dienst="nofollow"}')" = 302 ]
check "huge-allowed: transfer phase > 0" \
	awk -v x="$(v 'ozg_probe_http_duration_seconds{dienst="huge-allowed",phase="transfer"}')" 'BEGIN { exit !(x > 0) }'
check "http-status: down after 2 failures" wait_for 10 metric_is 'ozg_probe_down{dienst="http-status"}' "$D" 1
check "ok: not down" [ "$(v 'ozg_probe_down{dienst="ok"}')" = 0 ]
check "failure reason logged for the content check" grep -q 'probe content: content (body does not match /Fehler \[0-9\]+/)' "$WORK/d.log"
check "first failure logged at info with its reason" grep -q 'info: probe http-status: http_status: status 503 is not expected' "$WORK/d.log"
check "a steady failure is logged once at info" [ "$(grep -c 'info: probe http-status:' "$WORK/d.log")" = 1 ]
no_secrets() { ! grep -q 'geheim\|eyJ0b2tlbi' "$WORK/d.log"; }
check "credentials never logged" no_secrets
if [ $have_tls = 1 ]; then
	want=$(cert_end_epoch "$C/valid.pem")
	check "tls-valid: cert expiry $want" [ "$(v 'ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds{dienst="tls-valid"}')" = "$want" ]
	check "tls-expired-insecure: cert expiry 2021-01-01" \
		[ "$(v 'ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds{dienst="tls-expired-insecure"}')" = 1609459200 ]
	check "tls-valid: TLS version reported" grep -q '^ozg_probe_tls_version_info{dienst="tls-valid",version="TLSv1\.[23]"} 1$' <<<"$M"
	check "tls-valid: tls phase > 0" \
		awk -v x="$(v 'ozg_probe_http_duration_seconds{dienst="tls-valid",phase="tls"}')" 'BEGIN { exit !(x > 0) }'
	no_expiry() { ! grep -q 'expiry_timestamp_seconds{dienst="tls-selfsigned"}' <<<"$M"; }
	check "tls-selfsigned: no expiry (handshake failed)" no_expiry
fi

echo "== maintenance windows"
check "maint: in its window" metric_is 'ozg_probe_maintenance{dienst="maint"}' "$D" 1
check "maint: still probed and up" metric_is 'ozg_probe_success{dienst="maint"}' "$D" 1
check "maint-past: window over" metric_is 'ozg_probe_maintenance{dienst="maint-past"}' "$D" 0
no_maint_series() { ! http_get "$D/metrics" | grep -q '^ozg_probe_maintenance{dienst="ok"}'; }
check "ok: no windows, no series" no_maint_series

echo "== usage statistics"
has_usage() { metric "ozg_usage_applications_submitted_total{dienst=\"$1\"}" "$D" | grep -q .; }
check "ok: usage read" wait_for 10 has_usage ok
sim_sub=$(http_get -H 'Host: ok.portal.test' "$SIM/api/stats.json" | sed -n 's/.*"applications_submitted": *\([0-9]*\).*/\1/p')
M=$(http_get "$D/metrics")
got=$(v 'ozg_usage_applications_submitted_total{dienst="ok"}')
check "ok: submitted $got close below the simulator's $sim_sub" awk -v g="$got" -v s="$sim_sub" 'BEGIN { exit !(g > 0 && g <= s && s - g <= 20) }'
w=$(v 'ozg_usage_by_service_submitted_total{dienst="ok",service="wohnsitz"}')
k=$(v 'ozg_usage_by_service_submitted_total{dienst="ok",service="kfz"}')
hd=$(v 'ozg_usage_by_service_submitted_total{dienst="ok",service="hund"}')
check "ok: wildcard series wohnsitz=$w kfz=$k hund=$hd sum to submitted" \
	awk -v w="$w" -v k="$k" -v h="$hd" -v g="$got" 'BEGIN { exit !(w > 0 && k > 0 && h > 0 && w + k + h == g && w == int(g / 2)) }'
check "ok: status ok maps to 1" [ "$(v 'ozg_usage_portal_status{dienst="ok"}')" = 1 ]
check "usage-slow: status degraded maps to 0.5" wait_for 10 metric_is 'ozg_usage_portal_status{dienst="usage-slow"}' "$D" 0.5
check "ok: usage up" [ "$(v 'ozg_usage_up{dienst="ok"}')" = 1 ]
check "ok: last success timestamp set" awk -v t="$(v 'ozg_usage_last_success_timestamp_seconds{dienst="ok"}')" 'BEGIN { exit !(t > 1700000000) }'
for id in usage-missing usage-garbage usage-truncated usage-nested; do
	check "$id: usage down" wait_for 10 metric_is "ozg_usage_up{dienst=\"$id\"}" "$D" 0
	M=$(http_get "$D/metrics")
	no_series() { ! grep -q "^ozg_usage_applications_submitted_total{dienst=\"$1\"}" <<<"$M"; }
	check "$id: no stale series" no_series "$id"
done
check "missing member named in the log" grep -q 'usage usage-missing: .*/no/such/member: no member "no"' "$WORK/d.log"
check "garbage named in the log" grep -q 'usage usage-garbage: .*not JSON' "$WORK/d.log"
check "nesting bounded" grep -q 'usage usage-nested: .*nested deeper than 64 levels' "$WORK/d.log"
check "usage errors counted" awk -v e="$(metric ozgmon_usage_errors_total "$D")" 'BEGIN { exit !(e >= 4) }'
# A working portal whose statistics break: its values vanish, never shown stale.
check "sim breaks ok's statistics" http_get -o /dev/null -f -X PUT "$SIM/_sim/hosts/ok.portal.test?mode=stats_truncated"
check "ok: usage down after the break" wait_for 10 metric_is 'ozg_usage_up{dienst="ok"}' "$D" 0
M=$(http_get "$D/metrics")
check "ok: no stale usage series" no_series ok
check "ok: last success timestamp kept" grep -q '^ozg_usage_last_success_timestamp_seconds{dienst="ok"} ' <<<"$M"
http_get -o /dev/null -X DELETE "$SIM/_sim/hosts/ok.portal.test"

echo "== politeness and self-metrics"
# The six slow targets share one host: 400 ms answers, each due every 2 s.  Their
# timeout (2 s) is far above the answer time: a request the collector gave up on
# would still count at the simulator until answered.
peak() { http_get "$SIM/_sim/hosts/slow.portal.test" | sed -n 's/.*"peak": *\([0-9]*\).*/\1/p'; }
reqs() { http_get "$SIM/_sim/hosts/slow.portal.test" | sed -n 's/.*"requests": *\([0-9]*\).*/\1/p'; }
many_reqs() { [ "$(reqs)" -ge 20 ]; }
check "slow host saw 20 requests" wait_for 20 many_reqs
check "slow host: peak concurrency $(peak) is 2 (max_per_host)" [ "$(peak)" = 2 ]
M=$(http_get "$D/metrics")
check "lag histogram has buckets" grep -q '^ozgmon_schedule_lag_seconds_bucket{le="+Inf"} [1-9]' <<<"$M"
check "lag histogram count = started" [ "$(v ozgmon_schedule_lag_seconds_count)" = "$(v ozgmon_probes_started_total)" ]
check "finished <= started" awk -v f="$(v ozgmon_probes_finished_total)" -v s="$(v ozgmon_probes_started_total)" 'BEGIN { exit !(f > 0 && f <= s) }'
if command -v promtool >/dev/null; then
	check "promtool accepts /metrics" sh -c "curl -s '$D/metrics' | promtool check metrics >/dev/null 2>&1 || curl -s '$D/metrics' | promtool check metrics 2>&1 | grep -qv error"
fi

check "usage counters written to RRD" awk -v n="$(v ozgmon_rrd_usage_updates_total)" 'BEGIN { exit !(n >= 1) }'

stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]

# The counters (not the gauge) over time: one DERIVE source each, the
# wildcard counter as the sum over its members.
UI=$(rrdtool info "$WORK/data/rrd/ok.usage.rrd" 2>&1)
check "ok.usage.rrd: submitted counter is DERIVE" grep -q '^ds\[applications_submit\].type = "DERIVE"' <<<"$UI"
check "ok.usage.rrd: by-service sum kept" grep -Eq '^ds\[by_service_submitte\].last_ds = "[1-9][0-9]*"' <<<"$UI"
check "ok.usage.rrd: no gauge" bash -c '! grep -q "portal_status" <<<"$1"' _ "$UI"

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 40 lines)"; tail -40 "$WORK/d.log"
	echo "--- simulator log (last 20 lines)"; tail -20 "$WORK/sim.log"
fi
echo "collector: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
