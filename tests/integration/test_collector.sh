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
bighdr.portal.test huge_header 1024
filered.portal.test redirect_file
neg.portal.test stats_negative
rst.portal.test stats_reset
slowc.portal.test slow 300
PROF
check "simulator started" start_sim --profile "$WORK/sim.profile" "${SIM_TLS[@]}"
VALID_PORT=$(sim_tls_port valid) SELF_PORT=$(sim_tls_port self) EXP_PORT=$(sim_tls_port expired)
check "simulator answers on $SIM_PORT" sim_answers

printf 'probe:geheim\n' > "$WORK/basic.txt"
printf 'eyJ0b2tlbiI6ImdlaGVpbSJ9\n' > "$WORK/token.txt"
chmod 600 "$WORK/basic.txt" "$WORK/token.txt"	# secrets are refused when others may read them
http_hosts="ok error hang reset cut loop hops huge bomb slow garbage truncated nested auth bighdr filered neg rst slowc"
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
    timeout: 2s     # as the slow targets': a request given up on would count at the simulator
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
  - { id: usage-negative, url: "http://ok.portal.test/n", usage: { url: "http://neg.portal.test/api/stats.json", interval: 1s, metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] } }
  - { id: usage-reset, url: "http://ok.portal.test/r", usage: { url: "http://rst.portal.test/api/stats.json", interval: 1s, metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] } }
  - { id: header-huge, url: "http://bighdr.portal.test/" }
  - { id: post-echo, url: "http://ok.portal.test/echo", probe: { method: POST, body: "antrag=1&art=kfz", body_contains: "Methode: POST, Body: antrag=1&art=kfz" } }
  - { id: put-echo, url: "http://ok.portal.test/echo", probe: { method: PUT, body: "x", body_contains: "Methode: PUT, Body: x" } }
  - { id: get-echo, url: "http://ok.portal.test/echo", probe: { body_contains: "Methode: GET, Body: " } }
  - { id: head-huge, url: "http://huge.portal.test/", probe: { method: HEAD } }
  - { id: post-refused, url: "http://ok.portal.test/wohnsitz", probe: { method: POST } }
  - { id: slow-cond, url: "http://slowc.portal.test/", probe: { fail_if_slower_than: 100ms } }
  - { id: fast-cond, url: "http://ok.portal.test/f", probe: { fail_if_slower_than: 1400ms } }
  - { id: redirect-file, url: "http://filered.portal.test/start" }
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
header-huge header_too_large
redirect-file redirect_refused
post-echo success
put-echo success
get-echo success
head-huge success
post-refused http_status
slow-cond too_slow
fast-cond success
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
check "redirect-file: the refused redirect is not counted" [ "$(v 'ozg_probe_redirects{dienst="redirect-file"}')" = 0 ]
check "redirect-file: reason names the target" grep -q 'debug: probe redirect-file: redirect_refused (redirect to file:///etc/passwd refused: only http and https are followed)' "$WORK/d.log"
check "slow-cond: reason gives the time" grep -Eq 'debug: probe slow-cond: too_slow \(answered in 0\.[0-9]{3} s, slower than 0\.100 s\)' "$WORK/d.log"
check "post-refused: the simulator's 405" [ "$(v 'ozg_probe_http_status_code{dienst="post-refused"}')" = 405 ]
check "header-huge: reason says what happened" grep -q 'debug: probe header-huge: header_too_large (response header larger than libcurl accepts' "$WORK/d.log"
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
	awk -v w="$w" -v k="$k" -v h="$hd" -v g="$got" 'BEGIN { exit !(w > 0 && k > 0 && h > 0 && w + k + h == g && w == g - int(g / 2) && h == int(int(g / 2) / 3)) }'
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
check "usage-negative: usage down" wait_for 10 metric_is 'ozg_usage_up{dienst="usage-negative"}' "$D" 0
check "negative counter refused, named in the log" grep -q 'usage usage-negative: http://neg.portal.test/api/stats.json: applications_submitted_total: /applications_submitted: counter value -5 is negative' "$WORK/d.log"
M=$(http_get "$D/metrics")
check "usage-negative: no series" no_series usage-negative
check "usage-negative: the same reason not repeated at info" [ "$(grep -c 'info: usage usage-negative:' "$WORK/d.log")" -le 1 ]
check "usage-negative: every refused fetch at debug" [ "$(grep -c 'debug: usage usage-negative:.*is negative' "$WORK/d.log")" -ge 1 ]
# The simulator's counters go 100, 200, 300, 100, ...: each fall is a reset.
check "usage-reset: reset counted" wait_for 15 at_least 'ozg_usage_resets_total{dienst="usage-reset"}' 1
check "usage-reset: reset logged with values" grep -q 'usage usage-reset: 1 counter went down, counted as reset (applications_submitted_total: /applications_submitted: 300 -> 100)' "$WORK/d.log"
M=$(http_get "$D/metrics")
check "ok: no reset ($(v 'ozg_usage_resets_total{dienst="ok"}'))" [ "$(v 'ozg_usage_resets_total{dienst="ok"}')" = 0 ]
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
check "lag histogram count = probes + usage fetches started" \
	[ "$(v ozgmon_schedule_lag_seconds_count)" = "$(( $(v ozgmon_probes_started_total) + $(v ozgmon_usage_fetches_started_total) ))" ]
check "finished <= started" awk -v f="$(v ozgmon_probes_finished_total)" -v s="$(v ozgmon_probes_started_total)" 'BEGIN { exit !(f > 0 && f <= s) }'
check "usage fetches finished <= started" awk -v f="$(v ozgmon_usage_fetches_finished_total)" -v s="$(v ozgmon_usage_fetches_started_total)" 'BEGIN { exit !(f > 0 && f <= s) }'
sum_results=$(awk '/^ozg_probes_total\{result=/ { s += $2 } END { print s }' <<<"$M")
check "probes finished ($(v ozgmon_probes_finished_total)) = sum of results ($sum_results): usage fetches apart" \
	[ "$(v ozgmon_probes_finished_total)" = "$sum_results" ]
if command -v promtool >/dev/null; then
	check "promtool accepts /metrics" sh -c "curl -s '$D/metrics' | promtool check metrics >/dev/null 2>&1 || curl -s '$D/metrics' | promtool check metrics 2>&1 | grep -qv error"
fi

check "usage counters written to RRD" awk -v n="$(v ozgmon_rrd_usage_updates_total)" 'BEGIN { exit !(n >= 1) }'

echo "== counters carried over a reload"
M=$(http_get "$D/metrics")
s0=$(v ozgmon_probes_started_total) u0=$(v ozgmon_usage_fetches_started_total)
f0=$(v ozgmon_probes_finished_total) r0=$(v 'ozg_usage_resets_total{dienst="usage-reset"}')
kill -HUP "$D_PID"
check "reloaded" wait_for 10 grep -q 'reloaded .*c.yml' "$WORK/d.log"
# A round of probes on the new collector: counting on from where the old one stopped.
check "probing goes on after the reload" wait_for 10 at_least ozgmon_probes_started_total $((s0 + 40))
M=$(http_get "$D/metrics")
check "probes started kept ($s0 -> $(v ozgmon_probes_started_total))" [ "$(v ozgmon_probes_started_total)" -ge "$s0" ]
check "probes finished kept ($f0 -> $(v ozgmon_probes_finished_total))" [ "$(v ozgmon_probes_finished_total)" -ge "$f0" ]
check "usage fetches started kept ($u0 -> $(v ozgmon_usage_fetches_started_total))" [ "$(v ozgmon_usage_fetches_started_total)" -ge "$u0" ]
check "lag histogram count = probes + usage fetches started, after the reload too" \
	[ "$(v ozgmon_schedule_lag_seconds_count)" = "$(( $(v ozgmon_probes_started_total) + $(v ozgmon_usage_fetches_started_total) ))" ]
check "usage resets kept ($r0 -> $(v 'ozg_usage_resets_total{dienst="usage-reset"}'))" \
	[ "$(v 'ozg_usage_resets_total{dienst="usage-reset"}')" -ge "$r0" ]

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
