#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_faults.sh - the fault matrix: one ozgmond against one ozgmon-sim with every
# portal fault at once, beside 10,000 targets of which a third fail.
#
# Asserts, per target, the result class of the last probe (ozg_probe_result):
# slow, hanging, refusing and resetting portals; a 5xx storm (and its end); a
# redirect loop; names that cannot resolve; expired, self-signed and wrong-host
# certificates; huge, gzip-bomb, truncated, garbage and deeply nested bodies
# (also as usage statistics); a portal that drips one byte a second.  The 10,000
# bulk targets must split exactly into their classes; the daemon stays up, the
# schedule lag stays bounded, and on SIGTERM every completed probe is written.
#
# DNS: the daemon runs in its own mount namespace (unshare -m, root only) with
# /etc/resolv.conf pointing at a fake resolver on a loopback address that answers
# NXDOMAIN and logs the queries: nothing is sent off the machine.  Without root
# the DNS cases are skipped (said so).  Every other name is pinned to 127.0.0.1
# by connect_to/resolve and never looked up.
#
# BULK (10000) and BULK_INTERVAL (30s) size the bulk part.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
BULK=${BULK:-10000}
BULK_INTERVAL=${BULK_INTERVAL:-30}
. tests/integration/lib.sh

WORK=$(mktemp -d /tmp/ozgmon-faults.XXXXXX)
SIM_PID=""
D_PID=""
DNS_PID=""
cleanup() {
	[ -n "$D_PID" ] && kill "$D_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
T_START=$(date +%s)

D_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
REFUSED_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
while [ "$REFUSED_PORT" = "$D_PORT" ]; do REFUSED_PORT=$(free_port_low); done
D="http://127.0.0.1:$D_PORT"

have_tls=1
if ! command -v openssl >/dev/null || ! make_test_certs "$WORK/certs"; then
	echo "  (openssl missing or failed: certificate cases skipped)"
	have_tls=0
fi

# ---- the fake resolver (root: a private mount namespace for the daemon) ------
have_dns=0
DNS_ADDR="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v python3 >/dev/null; then
	python3 tests/integration/fakedns.py "$DNS_ADDR" "$WORK/dns.log" 2>"$WORK/dns.err" &
	DNS_PID=$!
	if wait_for 10 grep -q ready "$WORK/dns.log" &&
		printf 'nameserver %s\noptions attempts:1 timeout:1\n' "$DNS_ADDR" > "$WORK/resolv.conf" &&
		unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf' sh "$WORK/resolv.conf" 2>/dev/null; then
		have_dns=1
	else
		echo "  (fake resolver or mount namespace unavailable: DNS cases skipped)"
	fi
else
	echo "  (not root, or unshare/python3 missing: DNS cases skipped, no name is looked up)"
fi

# ---- simulator -----------------------------------------------------------------
{
	cat <<PROF
error.portal.test error 503
hang.portal.test hang 30000
slow.portal.test slow 300
slower.portal.test slow 5000
reset.portal.test reset
cut.portal.test reset_body 2000
loop.portal.test redirect_loop
huge.portal.test huge 4
bomb.portal.test gzip_bomb 64
garbage.portal.test stats_garbage
truncated.portal.test stats_truncated
nested.portal.test stats_nested 100000
deep.portal.test stats_nested 1000000
drip.portal.test drip 60
PROF
	for i in $(seq 1 10); do echo "storm$i.portal.test error $((500 + i % 5))"; done
	# Bulk: a third fails, in three equal classes by host.
	awk -v n="$BULK" 'BEGIN { for (i = 1; i <= n; i++) {
		if (i % 9 == 0) printf "b%d.bulk.test error 503\n", i
		else if (i % 9 == 3) printf "b%d.bulk.test down\n", i
		else if (i % 9 == 6) printf "b%d.bulk.test hang 30000\n", i } }'
} > "$WORK/sim.profile"
tls_args=()
if [ $have_tls = 1 ]; then
	C=$WORK/certs
	tls_args=(--tls "127.0.0.1:0,$C/valid.pem,$C/valid.key"
		--tls "127.0.0.1:0,$C/self.pem,$C/self.key"
		--tls "127.0.0.1:0,$C/expired.pem,$C/expired.key")
fi
"$BIN_DIR/ozgmon-sim" --listen "127.0.0.1:0" --profile "$WORK/sim.profile" \
	"${tls_args[@]}" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
check "simulator started" wait_for 10 grep -q "listening on" "$WORK/sim.log"
SIM_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/sim.log")
tls_port() { sed -n "s|.*HTTPS on 127\.0\.0\.1:0 port \([0-9]*\) with .*/$1\.pem\$|\1|p" "$WORK/sim.log"; }
VALID_PORT=$(tls_port valid) SELF_PORT=$(tls_port self) EXP_PORT=$(tls_port expired)
SIM="http://127.0.0.1:$SIM_PORT"
check "simulator answers on $SIM_PORT" wait_for 10 http_get -o /dev/null "$SIM/_sim/health"

# ---- configuration ---------------------------------------------------------------
usage() { # URL: a usage block reading one counter
	echo "{ url: \"$1\", metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ] }"
}
{
	cat <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 5s
  timeout: 1500ms
  max_concurrency: 512
  max_per_host: 4
  dashboards_every: 1h
  connect_to:
    - ":80:127.0.0.1:$SIM_PORT"
    - "valid.portal.test:443:127.0.0.1:$VALID_PORT"
    - "wrong.portal.test:443:127.0.0.1:$VALID_PORT"
    - "self.portal.test:443:127.0.0.1:$SELF_PORT"
    - "expired.portal.test:443:127.0.0.1:$EXP_PORT"
  resolve:
    - "refused.portal.test:$REFUSED_PORT:127.0.0.1"
    - "v4only.portal.test:$SIM_PORT:127.0.0.1"
registers:
  land: { key: "16", name: "Thüringen" }
  kreise: $ROOT/data/registers/thueringen_kreise_2021-11-30.csv
  verbaende: $ROOT/data/registers/thueringen_gemeindeverbaende_2021-11-30.csv
  gemeinden: $ROOT/data/registers/thueringen_gemeinden_2021-11-30.csv
  leistungen: $ROOT/data/registers/ozg_leistungen.csv
onlinedienste:
  - { id: f-ok, url: "http://ok.portal.test/", probe: { body_contains: Antrag }, usage: $(usage http://ok.portal.test/api/stats.json) }
  - { id: f-slow, url: "http://slow.portal.test/" }
  - { id: f-slower, url: "http://slower.portal.test/" }
  - { id: f-hang, url: "http://hang.portal.test/" }
  - { id: f-refused, url: "http://refused.portal.test:$REFUSED_PORT/" }
  - { id: f-reset, url: "http://reset.portal.test/" }
  - { id: f-truncated, url: "http://cut.portal.test/" }
  - { id: f-error, url: "http://error.portal.test/" }
  - { id: f-loop, url: "http://loop.portal.test/" }
  - { id: f-huge, url: "http://huge.portal.test/" }
  - { id: f-bomb, url: "http://bomb.portal.test/" }
  - { id: f-garbage, url: "http://garbage.portal.test/api/stats.json", probe: { body_contains: Antrag }, usage: $(usage http://garbage.portal.test/api/stats.json) }
  - { id: f-truncjson, url: "http://truncated.portal.test/", usage: $(usage http://truncated.portal.test/api/stats.json) }
  - { id: f-nested, url: "http://nested.portal.test/api/stats.json", probe: { body_contains: Antrag }, usage: $(usage http://nested.portal.test/api/stats.json) }
  - { id: f-deep, url: "http://deep.portal.test/api/stats.json" }
  - { id: f-drip, url: "http://drip.portal.test/" }
YAML
	for i in $(seq 1 100); do
		echo "  - { id: storm$i, url: \"http://storm$(( (i - 1) % 10 + 1 )).portal.test/s$i\" }"
	done
	if [ $have_dns = 1 ]; then
		for i in 1 2 3; do echo "  - { id: f-dns$i, url: \"http://nx$i.invalid:81/\" }"; done
		# IPv6 asked of a name pinned to IPv4 only: the AAAA lookup goes to the fake resolver.
		echo "  - { id: f-v6-nofallback, url: \"http://v4only.portal.test:$SIM_PORT/\", probe: { ip_protocol: ipv6, ip_fallback: false } }"
		echo "  - { id: f-v6-fallback, url: \"http://v4only.portal.test:$SIM_PORT/\", probe: { ip_protocol: ipv6 } }"
	fi
	if [ $have_tls = 1 ]; then
		cat <<YAML
  - { id: f-tls-valid, url: "https://valid.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: f-tls-wronghost, url: "https://wrong.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: f-tls-selfsigned, url: "https://self.portal.test/", probe: { ca_file: $C/ca.pem } }
  - { id: f-tls-expired, url: "https://expired.portal.test/", probe: { ca_file: $C/ca.pem } }
YAML
	fi
	awk -v n="$BULK" -v iv="$BULK_INTERVAL" 'BEGIN { for (i = 1; i <= n; i++)
		printf "  - {id: b%d, url: \"http://b%d.bulk.test/\", interval: %ds, timeout: 2s}\n", i, i, iv }'
	echo "angebote: []"
} > "$WORK/f.yml"
NT=$(grep -c '^  - {' "$WORK/f.yml")

out=$("$BIN_DIR/ozgmond" --check-config "$WORK/f.yml" 2>&1); rc=$?
check "config is valid ($NT targets)" [ "$rc" = 0 ]
if [ $have_dns = 1 ]; then
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$WORK/resolv.conf" \
		"$BIN_DIR/ozgmond" --config "$WORK/f.yml" >"$WORK/d.log" 2>&1 &
else
	"$BIN_DIR/ozgmond" --config "$WORK/f.yml" >"$WORK/d.log" 2>&1 &
fi
D_PID=$!
check "daemon healthy" wait_for 30 http_get -o /dev/null "$D/-/healthy"
# Every target probed once: the bulk's first round spreads over its interval.
check "every one of $NT targets probed once" wait_for $((BULK_INTERVAL + 60)) metric_is ozgmon_ready "$D" 1

M=$(http_get "$D/metrics")
v() { awk -v k="$1" '$1 == k { print $2; exit }' <<<"$M"; }
result_is() { metric_is "ozg_probe_result{dienst=\"$1\",result=\"$2\"}" "$D" 1; }

echo "== portal faults: result class per target"
expect="f-ok success
f-slow success
f-slower timeout
f-hang timeout
f-refused connect
f-reset connect
f-truncated connect
f-error http_status
f-loop redirect_limit
f-huge body_too_large
f-bomb body_too_large
f-garbage content
f-truncjson success
f-nested content
f-deep body_too_large
f-drip timeout"
[ $have_tls = 1 ] && expect="$expect
f-tls-valid success
f-tls-wronghost tls
f-tls-selfsigned tls
f-tls-expired cert_expired"
[ $have_dns = 1 ] && expect="$expect
f-dns1 dns
f-dns2 dns
f-dns3 dns
f-v6-nofallback dns
f-v6-fallback success"
while read -r id want; do
	check "$id: $want" wait_for 15 result_is "$id" "$want"
done <<<"$expect"
check "f-error: status 503 recorded" metric_is 'ozg_probe_http_status_code{dienst="f-error"}' "$D" 503
check "f-refused: no status (0)" metric_is 'ozg_probe_http_status_code{dienst="f-refused"}' "$D" 0
dripped() { awk -v x="$(metric 'ozg_probe_duration_seconds{dienst="f-drip"}' "$D")" 'BEGIN { exit !(x >= 1.4 && x < 3) }'; }
check "f-drip: cut at its timeout (1.5 s), not after 60 s" dripped
if [ $have_dns = 1 ]; then
	check "DNS: the queries reached the loopback resolver" grep -q '^query nx1\.invalid' "$WORK/dns.log"
	only_ours() { ! grep '^query ' "$WORK/dns.log" | grep -v '\.invalid$' | grep -qv '^query v4only\.portal\.test$'; }
	check "DNS: only the .invalid names and v4only's IPv6 were looked up (everything else pinned)" only_ours
fi

echo "== usage statistics: garbage, truncated and deeply nested JSON"
for id in f-garbage f-truncjson f-nested; do
	check "$id: usage down" wait_for 20 metric_is "ozg_usage_up{dienst=\"$id\"}" "$D" 0
done
check "f-ok: usage up" wait_for 20 metric_is 'ozg_usage_up{dienst="f-ok"}' "$D" 1
check "usage errors counted (>= 3)" awk -v e="$(metric ozgmon_usage_errors_total "$D")" 'BEGIN { exit !(e >= 3) }'
check "f-nested: no usage series" bash -c "! curl -s '$D/metrics' | grep -q '^ozg_usage_applications_submitted_total{dienst=\"f-nested\"}'"

echo "== 5xx storm: 100 targets on 10 portals, then 5 portals recover"
storm_count() { # RESULT: storm targets whose last probe had it
	http_get "$D/metrics" | grep -c "^ozg_probe_result{dienst=\"storm[0-9]*\",result=\"$1\"} 1"
}
storm_is() { [ "$(storm_count "$1")" = "$2" ]; }
check "storm: 100 of 100 http_status" wait_for 15 storm_is http_status 100
for i in 1 2 3 4 5; do http_get -o /dev/null -X DELETE "$SIM/_sim/hosts/storm$i.portal.test"; done
check "storm over on 5 portals: 50 success within two intervals" wait_for 20 storm_is success 50
check "storm: the other 50 still http_status" storm_is http_status 50

echo "== $BULK bulk targets, a third failing"
M=$(http_get "$D/metrics")
bulk() { grep -c "^ozg_probe_result{dienst=\"b[0-9]*\",result=\"$1\"} 1" <<<"$M"; }
third=$((BULK / 9))
check "bulk: $((BULK - 3 * third)) success ($(bulk success))" [ "$(bulk success)" = $((BULK - 3 * third)) ]
check "bulk: $third http_status ($(bulk http_status))" [ "$(bulk http_status)" = "$third" ]
check "bulk: $third connect ($(bulk connect))" [ "$(bulk connect)" = "$third" ]
check "bulk: $third timeout ($(bulk timeout))" [ "$(bulk timeout)" = "$third" ]
check "bulk: no other class" [ $(( $(bulk success) + $(bulk http_status) + $(bulk connect) + $(bulk timeout) )) = "$BULK" ]

echo "== the daemon under all of it"
M=$(http_get "$D/metrics")
check "daemon still healthy" http_get -o /dev/null "$D/-/healthy"
check "no probe skipped (previous still running)" [ "$(v ozgmon_probes_skipped_total)" = 0 ]
sum_results=$(awk '/^ozg_probes_total\{/ { s += $2 } END { print s + 0 }' <<<"$M")
# finished counts usage fetches too
check "ozg_probes_total ($sum_results) within finished ($(v ozgmon_probes_finished_total))" \
	eval '[ "$sum_results" -gt "$BULK" ] && [ "$sum_results" -le "$(v ozgmon_probes_finished_total)" ]'
# Lag: share of probes that started within LAG_S, and the p99 bucket bound.
# ThreadSanitizer slows every probe start; its runs are held to the p99 bound.
LAG_S=1
[ "$SANITIZER" = tsan ] && LAG_S=2.5
lag=$(awk -v lim="$LAG_S" '/^ozgmon_schedule_lag_seconds_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); b[++n] = le; c[n] = $2 }
	$1 == "ozgmon_schedule_lag_seconds_count" { tot = $2 }
	END { for (i = 1; i <= n; i++) { if (le1 == "" && b[i] != "+Inf" && b[i] + 0 >= lim) le1 = c[i]; if (p99 == "" && c[i] >= 0.99 * tot) p99 = b[i] }
		printf "%s %s %.4f", tot, p99, (tot > 0 ? le1 / tot : 0) }' <<<"$M")
read -r lag_n lag_p99 lag_1s <<<"$lag"
echo "  schedule lag: $lag_n probes, p99 <= ${lag_p99}s, share within $LAG_S s: $lag_1s"
check "schedule lag p99 <= 2.5 s (bucket bound $lag_p99)" awk -v p="$lag_p99" 'BEGIN { exit !(p != "+Inf" && p + 0 <= 2.5) }'
check "99 % of probes started within $LAG_S s of due ($lag_1s)" awk -v s="$lag_1s" 'BEGIN { exit !(s >= 0.99) }'
# The sanitizers' shadow memory (and ASan's quarantine) multiply the figure.
rss_max=400
[ "$SANITIZER" != none ] && rss_max=2000
check "RSS below $rss_max MB ($(v process_resident_memory_bytes))" \
	awk -v r="$(v process_resident_memory_bytes)" -v m="$rss_max" 'BEGIN { exit !(r > 0 && r < m * 1e6) }'

kill -TERM "$D_PID"; wait "$D_PID"; rc=$?; D_PID=""
check "SIGTERM: exit 0" [ "$rc" = 0 ]
c=$(sed -n 's/.*collector: \([0-9]*\) probes completed.*/\1/p' "$WORK/d.log" | tail -1)
w=$(sed -n 's/.*store: \([0-9]*\) updates written, \([0-9]*\) dropped, \([0-9]*\) stale.*/\1 \2 \3/p' "$WORK/d.log" | tail -1)
read -r wr dr st <<<"$w"
check "every completed probe ($c) written ($wr) or stale ($st), none dropped ($dr)" \
	eval '[ -n "$c" ] && [ "$c" = $((wr + st)) ] && [ "$dr" = 0 ]'
echo "  runtime: $(( $(date +%s) - T_START )) s"

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 30 lines)"; tail -30 "$WORK/d.log"
	echo "--- simulator log (last 10 lines)"; tail -10 "$WORK/sim.log"
fi
echo "faults: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
