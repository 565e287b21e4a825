#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_exporter.sh - the HTTP surface of ozgmond, end to end, on loopback.
#
# 1. The full demo (every target of config/demo.yml against ozgmon-sim): /-/ready turns from 503
#    to 200, `promtool check metrics` finds nothing, 404/405/HEAD, gzip,
#    OpenMetrics negotiation, path canonicalisation, security headers, the
#    JSON/CSV API (area populations, pages and filters, a burst of history
#    requests), conditional requests (ETag, Last-Modified, 304) on the API and
#    the generated files, reload (POST /-/reload and SIGHUP) with a broken
#    file and with a changed one.
# 2. TLS and basic auth (--web-config): 401 with WWW-Authenticate, success,
#    open health endpoints, and a real Prometheus server scraping ozgmond
#    over TLS with basic auth; asserted through Prometheus' HTTP API.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-exp

# A free port can be taken by another process before we bind it (the machine is
# shared): each start below retries with a fresh port when the bind fails.
TRIES=4
header() { # header NAME curl-args...: the value of response header NAME
	local n=$1; shift
	curl -s -D - -o /dev/null --max-time $((10 * SLOW)) "$@" | tr -d '\r' |
		awk -v n="$n" 'BEGIN { IGNORECASE = 1 } index(tolower($0), tolower(n) ":") == 1 { sub(/^[^:]*: */, ""); print; exit }'
}

echo "== the full demo"
start_sim --profile config/demo-sim.profile
check "simulator answers" sim_answers
for _ in $(seq 1 $TRIES); do
	daemon_port
	demo_config "$WORK/demo.yml" -e "s#^  listen: .*#  listen: \"127.0.0.1:$D_PORT\"#" \
		-e "s#^  data_dir: .*#  data_dir: $WORK/data#" -e "s#^  interval: .*#  interval: 10s#" -e "s#^  timeout: .*#  timeout: 3s#"
	N=$(grep -c '^  - id:' "$WORK/demo.yml")
	start_daemon 15 "$WORK/d.log" --config "$WORK/demo.yml" && break
	kill "$D_PID" 2>/dev/null; wait "$D_PID" 2>/dev/null; D_PID=""
done
check "daemon healthy" [ -n "$D_PID" ]
ready_code=$(code "$D/-/ready")
check "/-/ready is 503 before the first round ($ready_code)" [ "$ready_code" = 503 ]
check "/-/ready turns 200 after the first round" wait_for 60 http_get -f -o /dev/null "$D/-/ready"

echo "== /metrics"
http_get "$D/metrics" > "$WORK/metrics.txt"
lint=$(promtool check metrics < "$WORK/metrics.txt" 2>&1); rc=$?
check "promtool check metrics: no findings (rc=$rc: $lint)" [ "$rc" = 0 -a -z "$lint" ]
check "$N targets" grep -q "^ozgmon_targets $N\$" "$WORK/metrics.txt"
for m in ozgmon_build_info ozgmon_config_last_reload_successful \
	ozgmon_config_last_reload_success_timestamp_seconds process_cpu_seconds_total \
	process_resident_memory_bytes process_virtual_memory_bytes process_open_fds \
	process_max_fds process_start_time_seconds; do
	check "has $m" grep -q "^$m[{ ]" "$WORK/metrics.txt"
done
check "text content type" [ "$(header content-type "$D/metrics")" = "text/plain; version=0.0.4; charset=utf-8" ]
om_ct=$(header content-type -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' "$D/metrics")
check "OpenMetrics negotiated ($om_ct)" [ "$om_ct" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ]
http_get -H 'Accept: application/openmetrics-text; version=1.0.0' "$D/metrics" > "$WORK/om.txt"
check "OpenMetrics ends with # EOF" [ "$(tail -n 1 "$WORK/om.txt")" = "# EOF" ]
check "OpenMetrics counter family without _total" grep -q '^# TYPE ozg_probes counter$' "$WORK/om.txt"
check "OpenMetrics unit metadata" grep -q '^# UNIT ozg_probe_duration_seconds seconds$' "$WORK/om.txt"
check "text preferred by q-value" [ "$(header content-type -H 'Accept: text/plain;q=0.9,application/openmetrics-text;q=0.1' "$D/metrics")" = "text/plain; version=0.0.4; charset=utf-8" ]
check "gzip: Content-Encoding" [ "$(header content-encoding -H 'Accept-Encoding: gzip' "$D/metrics")" = gzip ]
curl -s --max-time 10 -H 'Accept-Encoding: gzip' "$D/metrics" -o "$WORK/metrics.gz"
check "gzip body decompresses to the exposition" sh -c "gzip -dc '$WORK/metrics.gz' | grep -q '^ozgmon_targets $N\$'"
gz=$(stat -c %s "$WORK/metrics.gz"); plain=$(stat -c %s "$WORK/metrics.txt")
check "gzip is smaller ($gz < $plain / 4)" [ "$gz" -lt $((plain / 4)) ]
check "no gzip when q=0" [ -z "$(header content-encoding -H 'Accept-Encoding: gzip;q=0, identity' "$D/metrics")" ]
check "Vary names Accept and Accept-Encoding" [ "$(header vary "$D/metrics")" = "Accept, Accept-Encoding" ]

echo "== HTTP hygiene"
check "HEAD /metrics is 200" [ "$(code -I "$D/metrics")" = 200 ]
check "HEAD has no body" [ -z "$(curl -s --max-time 5 -I "$D/metrics" | tr -d '\r' | sed '1,/^$/d')" ]
check "unknown path is 404" [ "$(code "$D/nope")" = 404 ]
check "POST /metrics is 405" [ "$(code -X POST "$D/metrics")" = 405 ]
check "405 names Allow: GET, HEAD" [ "$(header allow -X DELETE "$D/")" = "GET, HEAD" ]
check "GET /-/reload is 405 with Allow: POST" [ "$(header allow "$D/-/reload")" = POST ]
for p in '/a/../metrics' '/a/%2e%2e/metrics' '/a/%2E%2e/metrics' '/api%2fv1/targets' '/metrics%00' \
	'/%zz' '/a%5c..%5cmetrics'; do
	check "path $p is 400" [ "$(code --path-as-is "$D$p")" = 400 ]
done
check "path //metrics is 404" [ "$(code --path-as-is "$D//metrics")" = 404 ]
check "percent-encoded letters are decoded (/%6detrics)" [ "$(code --path-as-is "$D/%6detrics")" = 200 ]
long=$(printf '/%03000d' 0)
check "over-long URI is refused (414 or 431)" grep -qE '^(414|431)$' <<<"$(code "$D$long")"
head -c 200000 /dev/zero > "$WORK/body.bin"
check "a large request body is refused (413)" [ "$(code -X POST --data-binary @"$WORK/body.bin" "$D/-/reload")" = 413 ]
head -c 3000000 /dev/zero > "$WORK/body.bin"
# curl reports the last status seen: 100 (Continue) or none when the connection is closed.
check "an endless request body is cut off" grep -qE '^(000|100)$' <<<"$(code -X POST --data-binary @"$WORK/body.bin" "$D/-/reload")"
check "huge header is refused (431)" [ "$(code -H "X-Big: $(printf '%040000d' 0)" "$D/metrics")" = 431 ]
check "HTML has a Content-Security-Policy" grep -q "default-src 'none'" <<<"$(header content-security-policy "$D/")"
check "HTML: X-Frame-Options DENY" [ "$(header x-frame-options "$D/")" = DENY ]
check "HTML: Referrer-Policy" [ "$(header referrer-policy "$D/")" = no-referrer ]
check "nosniff everywhere" [ "$(header x-content-type-options "$D/metrics")" = nosniff ]
check "Cache-Control no-store" [ "$(header cache-control "$D/api/v1/targets")" = no-store ]
# A client that stops sending mid-request is dropped by the header deadline (3 s) or the idle timeout (10 s).
exec 5<>"/dev/tcp/127.0.0.1/$D_PORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&5
t0=$SECONDS
timeout 30 cat <&5 >/dev/null
t=$((SECONDS - t0))
exec 5<&- 5>&-
check "a stalled client is dropped within the timeout ($t s)" [ "$t" -ge 2 -a "$t" -le 25 ]

echo "== API"
api=$(http_get "$D/api/v1/targets")
check "targets: JSON with ids" grep -q '"id": "k16051-kfz"' <<<"$api"
check "targets: ISO 8601 UTC times" grep -qE '"last_probe_at": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' <<<"$api"
check "one target" grep -q '"state": "' <<<"$(http_get "$D/api/v1/targets/k16051-kfz")"
check "unknown target: 404 JSON" [ "$(code "$D/api/v1/targets/nope")" = 404 ]
check "error body is JSON" grep -q '"status": 404' <<<"$(http_get "$D/api/v1/targets/nope")"
# A name that is not UTF-8 is echoed safely: still a 404 with a JSON body, not a 500.
check "target %FF: 404" [ "$(code "$D/api/v1/targets/%FF")" = 404 ]
check "target %FF: the error is valid JSON naming it with ?" \
	bash -c 'python3 -c "import json,sys; m=json.load(sys.stdin)[\"error\"][\"message\"]; sys.exit(0 if \"?\" in m else 1)" <<<"$1"' _ "$(http_get "$D/api/v1/targets/%FF")"
check "bad parameter: 400" [ "$(code "$D/api/v1/targets/k16051-kfz/history?from=gestern")" = 400 ]
check "history: rows from RRD" wait_for 20 sh -c "curl -s '$D/api/v1/targets/k16051-kfz/history?from=$(( $(date +%s) - 600 ))&resolution=10' | grep -q '\"up\": 1'"
check "history CSV" grep -q '^time,up,' <<<"$(http_get "$D/api/v1/targets/k16051-kfz/history.csv")"
# The performance file's finest archive has 5-minute rows: early on they are null.
perf=$(http_get "$D/api/v1/targets/k16051-kfz/history?series=performance&from=$(( $(date +%s) - 600 ))")
perf_ok() { grep -q '"series": "performance"' <<<"$perf" && grep -q '"duration": ' <<<"$perf"; }
check "performance history reads the .perf.rrd file" perf_ok
check "unknown series: 400" [ "$(code "$D/api/v1/targets/k16051-kfz/history?series=usage")" = 400 ]
# History requests run on the history worker (2 threads, 16 waiting): a burst of 40 at once
# is answered 200 with rows or refused with 503 and Retry-After, and every refusal is counted.
busy_before=$(metric 'ozgmon_http_refused_total{reason="history_busy"}' "$D")
check "history_busy refusals are counted ($busy_before)" [ -n "$busy_before" ]
from=$(( $(date +%s) - 600 ))
burst=()
for i in $(seq 1 40); do
	curl -s -D "$WORK/burst.$i.h" -o "$WORK/burst.$i.json" --max-time $((20 * SLOW)) \
		"$D/api/v1/targets/k16051-kfz/history?from=$from&resolution=10&n=$i" &
	burst+=($!)
done
metrics_during=$(code "$D/metrics")
wait "${burst[@]}"
ok200=0 busy=0 other=0
for i in $(seq 1 40); do
	st=$(sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$WORK/burst.$i.h")
	if [ "$st" = 200 ] && grep -q '"up": ' "$WORK/burst.$i.json"; then
		ok200=$((ok200 + 1))
	elif [ "$st" = 503 ] && grep -qi '^retry-after: 1' "$WORK/burst.$i.h" &&
		grep -q '"status": 503' "$WORK/burst.$i.json"; then
		busy=$((busy + 1))
	else
		other=$((other + 1))
	fi
done
busy_after=$(metric 'ozgmon_http_refused_total{reason="history_busy"}' "$D")
check "burst of 40 history requests: $ok200 with rows, $busy refused with Retry-After, $other else" \
	[ "$other" = 0 -a "$ok200" -ge 18 -a $((ok200 + busy)) = 40 ]
check "every refusal counted (${busy_before%.*} + $busy = ${busy_after%.*})" [ "$((${busy_before%.*} + busy))" = "${busy_after%.*}" ]
check "/metrics answered during the burst ($metrics_during)" [ "$metrics_during" = 200 ]
check "targets CSV is text/csv" [ "$(header content-type "$D/api/v1/targets.csv")" = "text/csv; charset=utf-8; header=present" ]
check "areas: the Land" grep -q '"name": "Thüringen"' <<<"$(http_get "$D/api/v1/areas?level=land")"
check "areas: a Gemeinde by ARS" grep -q '"level": "gemeinde"' <<<"$(http_get "$D/api/v1/areas/160510000000")"
# Every area has a population; the Land's and each Verband's are the sums over their Gemeinden.
populations() {
	http_get "$D/api/v1/areas" | python3 -c '
import json, sys
areas = json.load(sys.stdin)["areas"]
bad = [a["key"] for a in areas if type(a["population"]) is not int]
land = [a["population"] for a in areas if a["level"] == "land"]
gemeinden = sum(a["population"] for a in areas if a["level"] == "gemeinde")
under = {}
for a in areas:
	if a["level"] == "gemeinde":
		under[a["parent"]] = under.get(a["parent"], 0) + a["population"]
verbaende = [a for a in areas if a["level"] == "verband"]
off = [a["key"] for a in verbaende if a["population"] != under.get(a["key"])]
print(len(areas), len(bad), land, gemeinden, len(verbaende), len(off))'
}
pops=$(populations)
check "areas: every population an integer, the Land the sum of its Gemeinden, every Verband of its own ($pops)" \
	[ "$pops" = "846 0 [2120237] 2120237 192 0" ]
check "areas: availability measured" grep -qE '"1d": (1|0\.[0-9]+)' <<<"$(http_get "$D/api/v1/areas/16051")"
check "services with Angebote" grep -q '"dienst": "th-elterngeld"' <<<"$(http_get "$D/api/v1/services/10000")"
check "unknown service: 404" [ "$(code "$D/api/v1/services/99999")" = 404 ]

echo "== API pages and filters"
# Follows the Link header from $1 page by page; prints the ids of every page, then "pages N".
walk_pages() {
	local url=$1 n=0 link
	while [ -n "$url" ] && [ "$n" -lt 20 ]; do
		curl -s -D "$WORK/page.h" --max-time 10 "$url" -o "$WORK/page.json"
		python3 -c 'import json; print("\n".join(t["id"] for t in json.load(open("'"$WORK/page.json"'"))["targets"]))'
		n=$((n + 1))
		link=$(tr -d '\r' < "$WORK/page.h" | sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next"$/\1/p')
		url=${link:+$D/api/v1/$link}
	done
	echo "pages $n"
}
walk_pages "$D/api/v1/targets?limit=250" > "$WORK/walk.txt"
http_get "$D/api/v1/targets" | python3 -c 'import json, sys; print("\n".join(t["id"] for t in json.load(sys.stdin)["targets"]))' > "$WORK/all.txt"
walked() {
	[ "$(tail -n 1 "$WORK/walk.txt")" = "pages 3" ] && [ "$(wc -l < "$WORK/all.txt")" = "$N" ] &&
		cmp -s <(sed '$d' "$WORK/walk.txt") "$WORK/all.txt"
}
check "limit=250: $N targets in 3 pages, each once, in the order of the whole list" walked
first=$(sed -n 2p "$WORK/all.txt")
check "limit=2: X-Next-Cursor is the last id of the page ($first)" [ "$(header x-next-cursor "$D/api/v1/targets?limit=2")" = "$first" ]
check "the Link of the next page keeps the other arguments" \
	[ "$(header link "$D/api/v1/targets.csv?state=up&limit=2")" = "<targets.csv?state=up&limit=2&cursor=$(header x-next-cursor "$D/api/v1/targets.csv?state=up&limit=2")>; rel=\"next\"" ]
check "the last page has no Link" [ -z "$(header link "$D/api/v1/targets?limit=1&cursor=$(tail -n 1 "$WORK/all.txt")")" ]
check "no limit: no Link" [ -z "$(header link "$D/api/v1/targets")" ]
check "targets.csv?limit=5: the header and 5 rows" [ "$(http_get "$D/api/v1/targets.csv?limit=5" | wc -l)" = 6 ]
# The Angebote of config/demo.yml decide which targets a Kreis or a Leistung has.
demo_ids() { # demo_ids AREA-PREFIX|"" OZG-ID|"": the dienste with such an Angebot, sorted
	python3 - "$1" "$2" "$WORK/demo.yml" <<'PY'
import re, sys
pre, ozg, path = sys.argv[1:4]
text = open(path).read()
text = text[text.index("\nangebote:"):]
ids = {d for a, o, d in re.findall(r'area: "(\d+)", ozg_id: "(\d+)", dienst: ([\w-]+)', text)
       if a.startswith(pre) and (not ozg or o == ozg)}
print("\n".join(sorted(ids)))
PY
}
api_ids() { http_get "$D/api/v1/targets?$1" | python3 -c 'import json, sys; print("\n".join(t["id"] for t in json.load(sys.stdin)["targets"]))'; }
check "kreis=16051: the 7 targets with an Angebot in Erfurt" \
	[ "$(api_ids kreis=16051)" = "$(demo_ids 16051 '')" -a "$(api_ids kreis=16051 | wc -l)" = 7 ]
check "leistung=10436: the 22 Kfz-Zulassungen" \
	[ "$(api_ids leistung=10436)" = "$(demo_ids '' 10436)" -a "$(api_ids leistung=10436 | wc -l)" = 22 ]
check "kreis=16051&leistung=10436: one" [ "$(api_ids 'kreis=16051&leistung=10436')" = k16051-kfz ]
check "area=160510000 (a Verband): its 3 targets" \
	[ "$(api_ids area=160510000)" = "$(printf 'v160510000-%s\n' gewerbe hund wohnsitz)" ]
# The demo's Angebote are for the Land, Kreise and Verbände: a Gemeinde has none of its own.
check "gemeinde=160510000000 (by ARS): 200, no target" [ "$(code "$D/api/v1/targets?gemeinde=160510000000")" = 200 -a -z "$(api_ids gemeinde=160510000000)" ]
states() { http_get "$D/api/v1/targets?$1" | python3 -c 'import json, sys; t = json.load(sys.stdin)["targets"]; print(len(t), sorted({x["state"] for x in t}))'; }
down=$(states state=down)
check "state=down: only down targets ($down)" grep -qE "^[1-9][0-9]* \['down'\]$" <<<"$down"
check "state=down&result=connect: only connect failures" \
	[ "$(http_get "$D/api/v1/targets?state=down&result=connect" | python3 -c 'import json, sys; print(sorted({x["result"] for x in json.load(sys.stdin)["targets"]}))')" = "['connect']" ]
check "unknown state: 400 naming it" grep -q "state: unknown value 'kaputt'" <<<"$(http_get "$D/api/v1/targets?state=kaputt")"
check "unknown Kreis: 400" [ "$(code "$D/api/v1/targets?kreis=16999")" = 400 ]
check "limit over the maximum: 400 naming limit" grep -q '"message": "limit: ' <<<"$(http_get "$D/api/v1/targets?limit=1001")"
check "a foreign cursor: 400" [ "$(code "$D/api/v1/areas?cursor=k16051-kfz")" = 400 ]
check "areas?level=kreis&limit=20: 20, then the 2 others" \
	[ "$(http_get "$D/api/v1/areas?level=kreis&limit=20" | grep -c '"level": "kreis"')" = 20 -a \
	  "$(http_get "$D/api/v1/areas?level=kreis&limit=20&cursor=$(header x-next-cursor "$D/api/v1/areas?level=kreis&limit=20")" | grep -c '"level": "kreis"')" = 2 ]
check "services.csv?limit=3: 3 rows and a cursor" \
	[ "$(http_get "$D/api/v1/services.csv?limit=3" | wc -l)" = 4 -a -n "$(header x-next-cursor "$D/api/v1/services.csv?limit=3")" ]

echo "== conditional requests (ETag, Last-Modified, 304)"
# /api/v1/sd depends on the configuration only: its body stays until the reload below.
sd_etag=$(header etag "$D/api/v1/sd")
check "API answers carry a strong ETag ($sd_etag)" grep -qE '^"[0-9a-f]{16}"$' <<<"$sd_etag"
check "the same ETag again while nothing changed" [ "$(header etag "$D/api/v1/sd")" = "$sd_etag" ]
curl -s -D "$WORK/304.h" -o "$WORK/304.body" --max-time 10 -H "If-None-Match: $sd_etag" "$D/api/v1/sd"
check "If-None-Match with it: 304" grep -q '^HTTP/1.1 304' "$WORK/304.h"
check "304: no body" [ ! -s "$WORK/304.body" ]
check "304: the ETag again" grep -qi "^etag: $sd_etag" "$WORK/304.h"
check "304: Content-Length is the 200's" [ "$(tr -d '\r' < "$WORK/304.h" | sed -n 's/^[Cc]ontent-[Ll]ength: //p')" = "$(http_get "$D/api/v1/sd" | wc -c)" ]
check "weak comparison: W/ matches too (304)" [ "$(code -H "If-None-Match: W/$sd_etag" "$D/api/v1/sd")" = 304 ]
check "a list with it: 304" [ "$(code -H "If-None-Match: \"0000\", $sd_etag" "$D/api/v1/sd")" = 304 ]
check "If-None-Match: * : 304" [ "$(code -H 'If-None-Match: *' "$D/api/v1/sd")" = 304 ]
check "another ETag: 200 with the body" [ "$(code -H 'If-None-Match: "0000"' "$D/api/v1/sd")" = 200 ]
check "HEAD with it: 304" [ "$(code -I -H "If-None-Match: $sd_etag" "$D/api/v1/sd")" = 304 ]
check "errors carry no ETag" [ -z "$(header etag "$D/api/v1/targets/nope")" ]
# Last-Modified: the first second this body was given, once that second is over.
sleep 1.1
sd_lm=$(header last-modified "$D/api/v1/sd")
check "Last-Modified ($sd_lm)" grep -qE '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' <<<"$sd_lm"
check "If-Modified-Since it: 304" [ "$(code -H "If-Modified-Since: $sd_lm" "$D/api/v1/sd")" = 304 ]
check "If-Modified-Since an older date: 200" [ "$(code -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT' "$D/api/v1/sd")" = 200 ]
check "If-None-Match decides over If-Modified-Since: 200" \
	[ "$(code -H 'If-None-Match: "0000"' -H "If-Modified-Since: $sd_lm" "$D/api/v1/sd")" = 200 ]
# A target's answer changes with its next probe (every 10 s): then the old ETag gets 200.
kfz_etag=$(header etag "$D/api/v1/targets/k16051-kfz")
kfz_probes=$(http_get "$D/api/v1/targets/k16051-kfz" | sed -n 's/.*"probes": \([0-9]*\).*/\1/p')
kfz_changed() {
	[ "$(code -H "If-None-Match: $kfz_etag" "$D/api/v1/targets/k16051-kfz")" = 200 ] &&
		[ "$(http_get "$D/api/v1/targets/k16051-kfz" | sed -n 's/.*"probes": \([0-9]*\).*/\1/p')" -gt "$kfz_probes" ]
}
check "a changed target: its old ETag gets 200, with more probes" wait_for 30 kfz_changed
# The generated pages: validators from the file; a page rewritten gets 200.
check "the dashboards wrote index.html" wait_for 90 test -f "$WORK/data/www/index.html"
page_304() { # a page generation may replace the file between the two requests: then again
	local e
	e=$(header etag "$D/favicon.svg")
	[ -n "$e" ] && [ "$(code -H "If-None-Match: $e" "$D/favicon.svg")" = 304 ]
}
check "a generated file: If-None-Match with its ETag gets 304" wait_for 5 page_304
page_ims_304() { # no Last-Modified while the file's second is not over
	local lm
	lm=$(header last-modified "$D/favicon.svg")
	[ -n "$lm" ] && [ "$(code -H "If-Modified-Since: $lm" "$D/favicon.svg")" = 304 ]
}
check "a generated file: If-Modified-Since its Last-Modified gets 304" wait_for 5 page_ims_304
file_etag=$(header etag "$D/favicon.svg")
cp "$WORK/data/www/favicon.svg" "$WORK/favicon.new" && mv "$WORK/favicon.new" "$WORK/data/www/favicon.svg"
check "a replaced file: its old ETag gets 200" [ "$(code -H "If-None-Match: $file_etag" "$D/favicon.svg")" = 200 ]

echo "== reload"
probes_before=$(metric 'ozg_probes_total{result="success"}' "$D")
tprobes() { http_get "$D/api/v1/targets/k16051-kfz" | sed -n 's/.*"probes": \([0-9]*\).*/\1/p'; }
kfz_before=$(tprobes)
cp "$WORK/demo.yml" "$WORK/demo.good"
printf 'global:\n  intervall: 5s\n' >> "$WORK/demo.yml"
check "POST /-/reload with a broken file: 500" [ "$(code -X POST "$D/-/reload")" = 500 ]
check "reload status 0" metric_is ozgmon_config_last_reload_successful "$D" 0
check "the error is logged with its place" grep -q "reload: $WORK/demo.yml:[0-9]*:[0-9]*: " "$WORK/d.log"
check "still serving $N targets" metric_is ozgmon_targets "$D" "$N"
kill -HUP "$D_PID"
check "SIGHUP with a broken file: logged" wait_for 10 sh -c "[ \$(grep -c 'the running configuration stays' '$WORK/d.log') -ge 2 ]"
check "reload status still 0" metric_is ozgmon_config_last_reload_successful "$D" 0
# A changed file: one more target.
cp "$WORK/demo.good" "$WORK/demo.yml"
sed -i "s#^onlinedienste:#onlinedienste:\n  - { id: neu-dienst, url: \"http://service.erfurt.de/neu\" }#" "$WORK/demo.yml"
kill -HUP "$D_PID"
check "SIGHUP with a good file: status 1" wait_for 10 metric_is ozgmon_config_last_reload_successful "$D" 1
check "$((N + 1)) targets after reload" metric_is ozgmon_targets "$D" "$((N + 1))"
probes_after=$(metric 'ozg_probes_total{result="success"}' "$D")
check "counters continue over the reload ($probes_before <= $probes_after)" [ "${probes_after%.*}" -ge "${probes_before%.*}" ]
kfz_after=$(tprobes)
check "an unchanged target keeps its state (probes $kfz_before -> $kfz_after)" \
	[ "$kfz_before" -ge 2 -a "$kfz_after" -ge "$kfz_before" ]
check "the configuration changed: /api/v1/sd's old ETag gets 200" [ "$(code -H "If-None-Match: $sd_etag" "$D/api/v1/sd")" = 200 ]
check "and its old Last-Modified too" [ "$(code -H "If-Modified-Since: $sd_lm" "$D/api/v1/sd")" = 200 ]
check "the new target gets probed" wait_for 30 sh -c "curl -s '$D/metrics' | grep -q '^ozg_probe_success{dienst=\"neu-dienst\"}'"
check "POST /-/reload with a good file: 200" [ "$(code -X POST "$D/-/reload")" = 200 ]
check "still ready" [ "$(code "$D/-/ready")" = 200 ]
stop_daemon TERM
check "SIGTERM after reloads: exit 0" [ "$RC" = 0 ]

echo "== TLS and basic auth"
if ! command -v openssl >/dev/null; then
	bad "openssl is needed for the TLS test certificates"
else
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" \
		>/dev/null 2>&1
	hash=$(echo 'scrape-secret' | "$BIN_DIR/ozgmond" --hash-password)
	cat > "$WORK/web.yml" <<YAML
tls_server_config:
  cert_file: tls.crt
  key_file: tls.key
  min_version: TLS12
basic_auth_users:
  prometheus: '$hash'
YAML
	for _ in $(seq 1 $TRIES); do
		T_PORT=$(free_port) || { echo "no free port"; exit 1; }
		T="https://127.0.0.1:$T_PORT"
		sed -e "s#^  listen: .*#  listen: \"127.0.0.1:$T_PORT\"#" -e "s#^  data_dir: .*#  data_dir: $WORK/data2#" \
			"$WORK/demo.good" > "$WORK/tls.yml"
		"$BIN_DIR/ozgmond" --config "$WORK/tls.yml" --web-config "$WORK/web.yml" >"$WORK/t.log" 2>&1 &
		T_PID=$!
		answers_while_up 15 "$T_PID" "$T/-/healthy" --cacert "$WORK/tls.crt" && break
		kill "$T_PID" 2>/dev/null; wait "$T_PID" 2>/dev/null; T_PID=""
	done
	[ -n "$T_PID" ] && PIDS+=($T_PID)
	tcode() { code --cacert "$WORK/tls.crt" "$@"; }
	check "TLS: healthy without credentials (health stays open)" wait_for 10 \
		curl -sf -o /dev/null --max-time 5 --cacert "$WORK/tls.crt" "$T/-/healthy"
	check "no credentials: 401" [ "$(tcode "$T/metrics")" = 401 ]
	check "401 names WWW-Authenticate Basic" grep -q '^Basic realm="ozgmon"' <<<"$(header www-authenticate --cacert "$WORK/tls.crt" "$T/metrics")"
	check "wrong password: 401" [ "$(tcode -u prometheus:wrong "$T/metrics")" = 401 ]
	check "unknown user: 401" [ "$(tcode -u grafana:scrape-secret "$T/metrics")" = 401 ]
	check "right password: 200" [ "$(tcode -u prometheus:scrape-secret "$T/metrics")" = 200 ]
	check "API needs auth too" [ "$(tcode "$T/api/v1/targets")" = 401 ]
	check "reload needs auth" [ "$(tcode -X POST "$T/-/reload")" = 401 ]
	check "reload with auth: 200" [ "$(tcode -X POST -u prometheus:scrape-secret "$T/-/reload")" = 200 ]
	check "plain HTTP on the TLS port fails" [ "$(code "http://127.0.0.1:$T_PORT/-/healthy")" != 200 ]
	check "TLS 1.1 is refused" [ "$(tcode --tls-max 1.1 -u prometheus:scrape-secret "$T/metrics")" = 000 ]

	echo "== a real Prometheus scrapes ozgmond (TLS + basic auth)"
	if ! command -v prometheus >/dev/null; then
		bad "prometheus (Debian package) is needed"
	else
		cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: ozgmon
    scheme: https
    tls_config: { ca_file: $WORK/tls.crt }
    basic_auth: { username: prometheus, password: scrape-secret }
    static_configs: [ { targets: [ "127.0.0.1:$T_PORT" ] } ]
YAML
		start_prometheus "$WORK/prometheus.yml"
		q() { curl -s --max-time 5 --data-urlencode "query=$1" "$P/api/v1/query"; }
		qv() { q "$1" | sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'; }
		check "Prometheus ready" wait_for 30 curl -sf -o /dev/null "$P/-/ready"
		check "up{job=ozgmon} is 1" wait_for 60 sh -c "[ \"\$(curl -s --data-urlencode 'query=up{job=\"ozgmon\"}' '$P/api/v1/query' | sed -n 's/.*\"value\":\[[0-9.]*,\"\([^\"]*\)\"\].*/\1/p')\" = 1 ]"
		check "a probe value arrived (th-elterngeld success = 1)" wait_for 60 sh -c \
			"curl -s --data-urlencode 'query=ozg_probe_success{dienst=\"th-elterngeld\"}' '$P/api/v1/query' | grep -q '\"1\"\]'"
		check "the build info arrived" [ -n "$(qv 'ozgmon_build_info')" ]
		check "Prometheus stored the scraped samples" [ "$(qv 'scrape_samples_post_metric_relabeling{job="ozgmon"} > 0')" != "" ]
	fi
fi

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 30 lines)"; tail -30 "$WORK/d.log"
	[ -f "$WORK/t.log" ] && { echo "--- TLS daemon log"; tail -15 "$WORK/t.log"; }
	[ -f "$WORK/prom.log" ] && { echo "--- prometheus log"; tail -15 "$WORK/prom.log"; }
fi
echo "exporter: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
