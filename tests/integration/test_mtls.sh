#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_mtls.sh - client certificates on ozgmond's HTTP surface (web config in
# exporter-toolkit format, docs/api.md "Web configuration").
#
# Asserts: a web config written for node_exporter with client_auth_type
# RequireAndVerifyClientCert works unchanged: without a client certificate,
# or with one the client CA did not sign, the connection is refused (and
# counted in ozgmon_http_refused_total{reason="client_cert"}); with one it
# signed, /metrics answers 200; http_server_config headers are on every
# response; http2 is logged as ignored; a real Prometheus scraping with
# tls_config cert_file/key_file has the target up, one without a client
# certificate has it down.  Then RequireAnyClientCert, VerifyClientCertIfGiven
# and RequestClientCert each with the three clients, the scrape listener
# (ozgmon.scrape_listen) under RequireAndVerifyClientCert, and cipher_suites
# with max_version TLS12 against a client offering another suite.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh
. tests/integration/lib_web.sh

make_work ozgmon-mtls
command -v openssl >/dev/null || { bad "openssl is needed"; echo "mtls: $PASS passed, $FAIL failed"; exit 1; }
C=$WORK/certs
make_test_certs "$C" || { bad "test certificates"; echo "mtls: $PASS passed, $FAIL failed"; exit 1; }
chmod 600 "$C"/*.key
HOST=valid.portal.test

# start_tls WEBCFG: ozgmond with the web config on a free port; U its URL.
start_tls() {
	local i
	for i in 1 2 3; do
		daemon_port
		U="https://$HOST:$D_PORT"
		refused_config > "$WORK/d.yml"
		"$BIN_DIR/ozgmond" --config "$WORK/d.yml" --web-config "$1" >"$WORK/d.log" 2>&1 &
		D_PID=$!
		answers_while_up 20 "$D_PID" "$U/-/healthy" --cacert "$C/ca.pem" \
			--resolve "$HOST:$D_PORT:127.0.0.1" "${VALID[@]}" && return 0
		kill "$D_PID" 2>/dev/null; wait "$D_PID" 2>/dev/null; D_PID=""
	done
	return 1
}
# c CLIENT-OPTIONS... URL: the HTTP status over TLS (000: refused).
c() { code --cacert "$C/ca.pem" --resolve "$HOST:$D_PORT:127.0.0.1" "$@"; }
SELF=(--cert "$C/self.pem" --key "$C/self.key")
VALID=(--cert "$C/valid.pem" --key "$C/valid.key")

echo "== a node_exporter web config with RequireAndVerifyClientCert, unchanged"
cat > "$WORK/web.yml" <<YAML
tls_server_config:
  cert_file: $C/valid.pem
  key_file: $C/valid.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $C/ca.pem
  min_version: TLS12
http_server_config:
  http2: true
  headers:
    Strict-Transport-Security: max-age=31536000; includeSubDomains
YAML
start_tls "$WORK/web.yml"
GOOD=(--cacert "$C/ca.pem" --resolve "$HOST:$D_PORT:127.0.0.1" "${VALID[@]}")
check "daemon up with the client-certificate web config" kill -0 "${D_PID:-0}"
check "no client certificate: refused" [ "$(c "$U/metrics")" = 000 ]
check "no client certificate: /-/healthy refused too" [ "$(c "$U/-/healthy")" = 000 ]
check "a certificate the client CA did not sign: refused" [ "$(c "${SELF[@]}" "$U/metrics")" = 000 ]
check "a certificate the client CA signed: 200" [ "$(c "${VALID[@]}" "$U/metrics")" = 200 ]
hdrs=$(curl -s -D - -o /dev/null --max-time $((10 * SLOW)) "${GOOD[@]}" "$U/metrics")
check "http_server_config header on /metrics" grep -qi '^strict-transport-security: max-age=31536000; includeSubDomains' <<<"$hdrs"
hdrs=$(curl -s -D - -o /dev/null --max-time $((10 * SLOW)) "${GOOD[@]}" "$U/nothing-here")
check "http_server_config header on a 404 too" grep -qi '^strict-transport-security:' <<<"$hdrs"
check "http2 logged as ignored" grep -q 'http2 is set, but ozgmond serves HTTP/1.1 only' "$WORK/d.log"
M=$(curl -s --max-time $((10 * SLOW)) "${GOOD[@]}" "$U/metrics")
refused=$(v 'ozgmon_http_refused_total{reason="client_cert"}')
check "refused connections counted (client_cert $refused >= 3)" [ "${refused:-0}" -ge 3 ]

echo "== a real Prometheus scrapes through mTLS"
if ! command -v prometheus >/dev/null; then
	bad "prometheus (Debian package) is needed"
else
	cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mtls
    scheme: https
    tls_config:
      ca_file: $C/ca.pem
      cert_file: $C/valid.pem
      key_file: $C/valid.key
      server_name: $HOST
    static_configs: [ { targets: [ "127.0.0.1:$D_PORT" ] } ]
  - job_name: nocert
    scheme: https
    tls_config: { ca_file: $C/ca.pem, server_name: $HOST }
    static_configs: [ { targets: [ "127.0.0.1:$D_PORT" ] } ]
YAML
	if start_prometheus "$WORK/prometheus.yml"; then
		qv() { curl -s --max-time 5 --data-urlencode "query=$1" "$P/api/v1/query" |
			sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'; }
		up_is() { [ "$(qv "up{job=\"$1\"}")" = "$2" ]; }
		check "Prometheus with a client certificate: up{job=mtls} = 1" wait_for 30 up_is mtls 1
		check "Prometheus without one: up{job=nocert} = 0" wait_for 30 up_is nocert 0
		check "scraped samples stored (ozgmon_build_info)" wait_for 10 \
			sh -c "curl -s --data-urlencode 'query=ozgmon_build_info{job=\"mtls\"}' '$P/api/v1/query' | grep -q '\"1\"\]'"
		kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null
	else
		bad "Prometheus started"; tail -5 "$WORK/prom.log"
	fi
fi
stop_daemon TERM
check "clean stop (exit $RC)" [ "$RC" = 0 ]

# mode TYPE WITH_CA EXPECT_NONE EXPECT_SELF EXPECT_VALID: one client_auth_type.
mode() {
	{
		echo "tls_server_config:"
		echo "  cert_file: $C/valid.pem"
		echo "  key_file: $C/valid.key"
		echo "  client_auth_type: $1"
		[ "$2" = ca ] && echo "  client_ca_file: $C/ca.pem"
	} > "$WORK/web_$1.yml"
	echo "== client_auth_type $1"
	if ! start_tls "$WORK/web_$1.yml"; then
		bad "$1: daemon started"; tail -5 "$WORK/d.log"; return
	fi
	check "$1: no certificate: $3" [ "$(c "$U/metrics")" = "$3" ]
	check "$1: self-signed certificate: $4" [ "$(c "${SELF[@]}" "$U/metrics")" = "$4" ]
	check "$1: CA-signed certificate: $5" [ "$(c "${VALID[@]}" "$U/metrics")" = "$5" ]
	stop_daemon TERM
}
mode RequireAnyClientCert noca 000 200 200
mode VerifyClientCertIfGiven ca 200 000 200
mode RequestClientCert noca 200 200 200

echo "== the scrape listener under the same client certificate policy"
S_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
cat > "$WORK/web_scrape.yml" <<YAML
tls_server_config:
  cert_file: $C/valid.pem
  key_file: $C/valid.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $C/ca.pem
ozgmon:
  scrape_listen: 127.0.0.1:$S_PORT
YAML
if start_tls "$WORK/web_scrape.yml"; then
	sc() { code --cacert "$C/ca.pem" --resolve "$HOST:$S_PORT:127.0.0.1" "$@"; }
	check "scrape listener: no client certificate: refused" [ "$(sc "https://$HOST:$S_PORT/metrics")" = 000 ]
	check "scrape listener: a foreign certificate: refused" [ "$(sc "${SELF[@]}" "https://$HOST:$S_PORT/metrics")" = 000 ]
	check "scrape listener: a CA-signed certificate: 200" [ "$(sc "${VALID[@]}" "https://$HOST:$S_PORT/metrics")" = 200 ]
	stop_daemon TERM
else
	bad "scrape listener: daemon started"; tail -5 "$WORK/d.log"
fi

echo "== cipher_suites and max_version (Go names, GnuTLS priorities)"
cat > "$WORK/web_ciphers.yml" <<YAML
tls_server_config:
  cert_file: $C/valid.pem
  key_file: $C/valid.key
  max_version: TLS12
  cipher_suites: [ TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ]
  curve_preferences: [ CurveP256 ]
YAML
if start_tls "$WORK/web_ciphers.yml"; then
	check "the listed suite is taken" [ "$(c --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 "$U/metrics")" = 200 ]
	check "another suite is refused" [ "$(c --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 "$U/metrics")" = 000 ]
	check "TLS 1.3 is refused under max_version TLS12" [ "$(c --tlsv1.3 "$U/metrics")" = 000 ]
	stop_daemon TERM
else
	bad "cipher_suites: daemon started"; tail -5 "$WORK/d.log"
fi

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 20 lines)"; tail -20 "$WORK/d.log"
	[ -f "$WORK/prom.log" ] && { echo "--- prometheus log"; tail -10 "$WORK/prom.log"; }
fi
echo "mtls: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
