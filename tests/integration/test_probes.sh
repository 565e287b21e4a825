#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_probes.sh - the probe options blackbox_exporter and Gatus users expect,
# against the simulator: PCRE2 regular expressions (\d, (?i), a body that
# would backtrack for ever), client certificates, min_tls_version,
# server_name, body_file; each asserted by its result class and reason.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-probes
daemon_port
REFUSED_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
while [ "$REFUSED_PORT" = "$D_PORT" ]; do REFUSED_PORT=$(free_port_low); done

sim_certs "TLS option"
if [ $have_tls = 1 ]; then
	# A client certificate of the test CA, and one the simulator's client CA did not sign.
	(
		cd "$C" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key \
			-out client.csr -subj "/CN=ozgmon probe" &&
		openssl ca -batch -notext -config ca.cnf -in client.csr -out client.pem -days 30
	) >/dev/null 2>&1 || { echo "cannot make a client certificate"; exit 1; }
	chmod 600 "$C/client.key" "$C/self.key"
	cp "$C/valid.pem" "$C/mtls.pem" && cp "$C/valid.pem" "$C/tls12.pem"
	SIM_TLS+=(--tls "127.0.0.1:0,$C/mtls.pem,$C/valid.key,client_ca=$C/ca.pem"
		--tls "127.0.0.1:0,$C/tls12.pem,$C/valid.key,max=1.2")
fi
printf 'vorgang=4711&art=kfz' > "$WORK/body.txt"
check "simulator started" start_sim --tcp 127.0.0.1:0 "${SIM_TLS[@]}"
TCP_PORT=$(sed -n 's/.*TCP line service on .* port \([0-9]*\)$/\1/p' "$WORK/sim.log")
check "simulator's tcp service on ${TCP_PORT:-?}" [ -n "$TCP_PORT" ]
check "simulator answers on $SIM_PORT" sim_answers

{
	cat <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 2s
  timeout: 1500ms
YAML
	echo "  connect_to: [ \"portal.test:80:127.0.0.1:$SIM_PORT\""
	if [ $have_tls = 1 ]; then
		VALID_PORT=$(sim_tls_port valid) MTLS_PORT=$(sim_tls_port mtls) T12_PORT=$(sim_tls_port tls12)
		EXP_PORT=$(sim_tls_port expired) SELF_PORT=$(sim_tls_port self)
		echo "    , \"expired.portal.test:443:127.0.0.1:$EXP_PORT\""
		echo "    , \"self.portal.test:443:127.0.0.1:$SELF_PORT\""
		echo "    , \"other.portal.test:443:127.0.0.1:$VALID_PORT\""
		echo "    , \"valid.portal.test:443:127.0.0.1:$VALID_PORT\""
		echo "    , \"mtls.portal.test:443:127.0.0.1:$MTLS_PORT\""
		echo "    , \"tls12.portal.test:443:127.0.0.1:$T12_PORT\" ]"
	else
		echo "    ]"
	fi
	cat <<YAML
$(registers_yaml)
onlinedienste:
  - { id: re-digit, url: "http://portal.test/vorgang", probe: { body_matches: 'AZ \d{4}/\d{5}\n' } }
  - { id: re-digit-ere, url: "http://portal.test/vorgang", probe: { body_matches: 'AZ d{4}' } }
  - { id: re-icase, url: "http://portal.test/vorgang", probe: { body_matches: '(?i)status: eingegangen' } }
  - { id: re-case, url: "http://portal.test/vorgang", probe: { body_matches: 'status: eingegangen' } }
  - { id: re-not, url: "http://portal.test/vorgang", probe: { body_not_matches: '(?i)abgelehnt|fehler \d+' } }
  - { id: re-header, url: "http://portal.test/vorgang", probe: { header_matches: [ { header: Content-Type, regexp: '(?i)^TEXT/PLAIN;\s*charset=utf-8$' } ] } }
  - { id: re-backtrack, url: "http://portal.test/backtrack", probe: { body_not_matches: '^(a+)+$' } }
  - { id: re-plain, url: "http://portal.test/backtrack", probe: { body_matches: '^a{4096}!$' } }
  - { id: tcp-open, url: "tcp://127.0.0.1:$SIM_PORT" }
  - { id: tcp-refused, url: "tcp://127.0.0.1:$REFUSED_PORT" }
  - { id: tcp-banner, url: "tcp://127.0.0.1:$TCP_PORT", probe: { expect: '^220 \S+ ESMTP' } }
  - { id: tcp-echo, url: "tcp://127.0.0.1:$TCP_PORT", probe: { send: "EHLO ozgmon\r\nQUIT\r\n", expect: '(?i)250 ehlo ozgmon\r\n221 ' } }
  - { id: tcp-send-only, url: "tcp://127.0.0.1:$TCP_PORT", probe: { send: "QUIT\r\n" } }
  - { id: tcp-closed, url: "tcp://127.0.0.1:$TCP_PORT", probe: { send: "QUIT\r\n", expect: '^554' } }
  - { id: tcp-silent, url: "tcp://127.0.0.1:$SIM_PORT", timeout: 1s, probe: { expect: 'HTTP' } }
  - { id: tcp-http, url: "tcp://127.0.0.1:$SIM_PORT", probe: { send: "GET /vorgang HTTP/1.0\r\nHost: portal.test\r\n\r\n", expect: 'AZ \d{4}/\d{5}' } }
  - { id: body-file, url: "http://portal.test/echo", probe: { method: POST, body_file: $WORK/body.txt, body_contains: "Methode: POST, Body: vorgang=4711&art=kfz" } }
YAML
	if [ $have_tls = 1 ]; then
		# The mTLS and TLS 1.2 listeners present valid.portal.test's certificate.
		cat <<YAML
  - { id: mtls-cert, url: "https://mtls.portal.test/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test, cert_file: $C/client.pem, key_file: $C/client.key } }
  - { id: mtls-none, url: "https://mtls.portal.test/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test } }
  - { id: mtls-foreign, url: "https://mtls.portal.test/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test, cert_file: $C/self.pem, key_file: $C/self.key } }
  - { id: min13-on-12, url: "https://tls12.portal.test/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test, min_tls_version: TLS1.3 } }
  - { id: min12-on-12, url: "https://tls12.portal.test/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test, min_tls_version: TLS12 } }
  - { id: min13, url: "https://valid.portal.test/", probe: { ca_file: $C/ca.pem, min_tls_version: TLS1.3 } }
  - { id: sni, url: "https://other.portal.test/antrag", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test, body_contains: "other.portal.test" } }
  - { id: sni-none, url: "https://other.portal.test/antrag", probe: { ca_file: $C/ca.pem } }
  - { id: tcp-tls, url: "tcp://valid.portal.test:443", probe: { tls: true, ca_file: $C/ca.pem } }
  - { id: tcp-tls-expired, url: "tcp://expired.portal.test:443", probe: { tls: true, ca_file: $C/ca.pem } }
  - { id: tcp-tls-self, url: "tcp://self.portal.test:443", probe: { tls: true, ca_file: $C/ca.pem } }
  - { id: tcp-tls-plain, url: "tcp://127.0.0.1:$SIM_PORT", probe: { tls: true, ca_file: $C/ca.pem } }
  - { id: tcp-tls-sni, url: "tcp://127.0.0.1:$VALID_PORT", probe: { tls: true, ca_file: $C/ca.pem, server_name: valid.portal.test, min_tls_version: TLS1.3 } }
  - { id: tcp-mtls, url: "tcp://mtls.portal.test:443", probe: { tls: true, ca_file: $C/ca.pem, server_name: valid.portal.test, cert_file: $C/client.pem, key_file: $C/client.key } }
  - { id: tcp-tls-http, url: "tcp://valid.portal.test:443", probe: { tls: true, ca_file: $C/ca.pem, send: "GET /vorgang HTTP/1.0\r\nHost: valid.portal.test\r\n\r\n", expect: '(?i)status: eingegangen' } }
  - { id: sni-ip, url: "https://127.0.0.1:$VALID_PORT/", probe: { ca_file: $C/ca.pem, server_name: valid.portal.test } }
YAML
	fi
	echo "angebote: []"
} > "$WORK/c.yml"

out=$("$BIN_DIR/ozgmond" --check-config "$WORK/c.yml" 2>&1); rc=$?
check "config is valid ($out)" [ "$rc" = 0 ]

# A bad pattern stops the start, placed and with PCRE2's offset.
sed 's/AZ d{4}/AZ (\\d{4}/' "$WORK/c.yml" > "$WORK/bad.yml"
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/bad.yml" 2>&1); rc=$?
check "bad pattern refused (rc $rc)" [ "$rc" != 0 ]
check "bad pattern placed with offset ($out)" \
	grep -q "bad.yml:[0-9]*:[0-9]*: .*body_matches: bad regular expression 'AZ (\\\\d{4}': missing closing parenthesis at offset 9" <<<"$out"

check "daemon healthy" start_daemon 20 "$WORK/d.log" --config "$WORK/c.yml" --log-level debug
check "first round done" wait_for 40 metric_is ozgmon_ready "$D" 1

echo "== regular expressions"
while read -r id want; do
	check "$id: result $want" wait_for 10 result_is "$id" "$want"
done <<RES
re-digit success
re-digit-ere content
re-icase success
re-case content
re-not success
re-header success
re-backtrack content
re-plain success
body-file success
tcp-open success
tcp-refused connect
tcp-banner success
tcp-echo success
tcp-send-only success
tcp-closed content
tcp-silent timeout
tcp-http success
RES
check "tcp-closed: reason says the peer closed" grep -q "probe tcp-closed: content: connection closed before /^554/ matched (.* bytes read)" "$WORK/d.log"
check "tcp-silent: reason names the pattern" grep -q "probe tcp-silent: timeout: no match for /HTTP/ within the timeout (0 bytes read)" "$WORK/d.log"
# perf_first ID: the duration (first value) of ID's last perf file update ("U": none).
perf_first() { rrdtool lastupdate "$WORK/data/rrd/$1.perf.rrd" 2>/dev/null | awk 'NF > 8 { v = $2 } END { print v }'; }
perf_number() { local v; v=$(perf_first "$1"); [ -n "$v" ] && [ "$v" != U ]; }
check "tcp-open: its duration is in the perf file" wait_for 10 perf_number tcp-open
check "tcp-silent: an exchange that timed out stores no duration ($(perf_first tcp-silent))" \
	wait_for 10 eval '[ "$(perf_first tcp-silent)" = U ]'
M=$(http_get "$D/metrics")
check "tcp-open: connect phase measured" grep -Eq '^ozg_probe_http_duration_seconds\{dienst="tcp-open",phase="connect"\} [0-9.e-]+$' <<<"$M"
check "tcp-open: no status" grep -q '^ozg_probe_http_status_code{dienst="tcp-open"} 0$' <<<"$M"
if [ $have_tls = 1 ]; then
	echo "== TLS options"
	while read -r id want; do
		check "$id: result $want" wait_for 10 result_is "$id" "$want"
	done <<RES
mtls-cert success
mtls-none http_status
mtls-foreign http_status
min13-on-12 tls
min12-on-12 success
min13 success
sni success
sni-none tls
sni-ip success
tcp-tls success
tcp-tls-expired cert_expired
tcp-tls-self tls
tcp-tls-plain tls
tcp-tls-sni success
tcp-mtls success
tcp-tls-http success
RES
	M=$(http_get "$D/metrics")
	check "min12-on-12: TLS 1.2 spoken" grep -q 'ozg_probe_tls_version_info{dienst="min12-on-12",version="TLSv1.2"} 1' <<<"$M"
	check "min13: TLS 1.3 spoken" grep -q 'ozg_probe_tls_version_info{dienst="min13",version="TLSv1.3"} 1' <<<"$M"
	check "mtls-none: status 403" grep -q 'ozg_probe_http_status_code{dienst="mtls-none"} 403' <<<"$M"
	check "tcp-tls: certificate expiry read" grep -Eq 'ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds\{dienst="tcp-tls"\} [1-9]' <<<"$M"
	check "tcp-tls-sni: TLS 1.3 spoken" grep -q 'ozg_probe_tls_version_info{dienst="tcp-tls-sni",version="TLSv1.3"} 1' <<<"$M"
	check "sni: certificate expiry read" grep -Eq 'ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds\{dienst="sni"\} [1-9]' <<<"$M"
fi
check "backtracking body: reason names the match limit" \
	grep -q "probe re-backtrack: content: body: /^(a+)+\$/ undecided within the match limit" "$WORK/d.log"
check "case: reason names the pattern" grep -q "probe re-case: content: body does not match /status: eingegangen/" "$WORK/d.log"

# CONNECT_ONLY connections are closed with their probe: the descriptors stay put over rounds.
fd0=$(ls /proc/$D_PID/fd | wc -l)
s0=$(num ozgmon_probes_finished_total)
check "more rounds of probes" wait_for 20 at_least ozgmon_probes_finished_total $((s0 + 60))
fd1=$(ls /proc/$D_PID/fd | wc -l)
check "no descriptor leak ($fd0 -> $fd1)" [ "$fd1" -le $((fd0 + 8)) ]

stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 40 lines)"; tail -40 "$WORK/d.log"
	echo "--- simulator log (last 20 lines)"; tail -20 "$WORK/sim.log"
fi
echo "probes: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
