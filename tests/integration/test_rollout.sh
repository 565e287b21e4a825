#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_rollout.sh - rollout figures of the full demo, from the running daemon.
#
# Gives the demo its simulated past first (refused for a configuration
# without a local simulator and for measured data) and serves the two HTTPS
# portals with their certificates (one expiring, one expired).
#
# Asserts the invariants that must hold whatever the demo declares: the
# Land's population is the sum over its Kreise, no coverage exceeds 1, the
# Land counts at least what any Kreis counts, flächendeckend never exceeds
# online, and the exposition passes promtool's lint.
set -u
cd "$(dirname "$0")/../.."
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-rollout
daemon_port
check "demo certificates are made" tools/demo-certs.sh "$WORK/certs"
start_sim --profile config/demo-sim.profile \
	--tls "127.0.0.1:0,$WORK/certs/soon.pem,$WORK/certs/soon.key" \
	--tls "127.0.0.1:0,$WORK/certs/expired.pem,$WORK/certs/expired.key"
SOON_PORT=$(sim_tls_port soon)
EXPIRED_PORT=$(sim_tls_port expired)
check "the simulator serves both HTTPS listeners ($SOON_PORT, $EXPIRED_PORT)" [ -n "$SOON_PORT" -a -n "$EXPIRED_PORT" ]
demo_config "$WORK/demo.yml" -e "s/:443:127\.0\.0\.1:18443/:443:127.0.0.1:$SOON_PORT/" \
	-e "s/:443:127\.0\.0\.1:18444/:443:127.0.0.1:$EXPIRED_PORT/"

echo "== simulated past"
# Refused for a configuration that probes real portals and for a data
# directory with measurements; written once into an empty one.
sed 's/"::127\.0\.0\.1:[0-9]*"/"::192.0.2.1:80"/' "$WORK/demo.yml" > "$WORK/real.yml"
"$BIN_DIR/ozgmond" demo-past --config "$WORK/real.yml" --data-dir "$WORK/real" 2>"$WORK/real.err"
rc=$?
check "refused for a configuration without a local simulator (exit $rc)" [ "$rc" = 1 ]
check "... saying why" grep -q "not a demo configuration" "$WORK/real.err"
check "... and writing nothing" [ ! -e "$WORK/real/SIMULATED" -a ! -e "$WORK/real/rrd" ]
mkdir -p "$WORK/measured/rrd" && : > "$WORK/measured/rrd/k16051-kfz.rrd"
"$BIN_DIR/ozgmond" demo-past --config "$WORK/demo.yml" --data-dir "$WORK/measured" 2>"$WORK/measured.err"
rc=$?
check "refused for a data directory with measurements (exit $rc)" [ "$rc" = 1 ]
check "... which keeps its files as they were" [ ! -s "$WORK/measured/rrd/k16051-kfz.rrd" -a ! -e "$WORK/measured/SIMULATED" ]
t0=$(date +%s.%N)
check "written into an empty data directory" "$BIN_DIR/ozgmond" demo-past --config "$WORK/demo.yml" --data-dir "$WORK/data"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  (the simulated past for 670 Dienste took %.1f s)\n", b - a }'
check "labelled: SIMULATED says so" python3 -c "import json,sys; d=json.load(open('$WORK/data/SIMULATED')); sys.exit(0 if d['simulated'] is True and d['probe_history_days'] == 90 and d['trend_days'] == 365 else 1)"
check "a probe history per Dienst: 670 availability files" [ "$(ls "$WORK/data/rrd/" | grep -c '^[a-z0-9_-]*\.rrd$')" = 670 ]
check "and 670 response-time files" [ "$(ls "$WORK/data/rrd/" | grep -c '\.perf\.rrd$')" = 670 ]
check "no temporary file left" [ -z "$(ls -A "$WORK/data/rrd/" | grep '\.tmp$')" ]
check "a trend file for the Land and each Kreis" [ "$(ls "$WORK/data/rollout/" | grep -c '^16[0-9]*\.rrd$')" = 23 ]
# 90 days back, the history of a Dienst is known (not "unknown" rows)
known_days=$(rrdtool fetch "$WORK/data/rrd/k16051-kfz.rrd" AVERAGE -s end-89d -e now -r 86400 | awk 'NF == 3 && $2 != "-nan" && $2 != "nan" { n++ } END { print n + 0 }')
check "a Dienst's file holds 89 known days ($known_days)" [ "$known_days" -ge 88 ]
first_online=$(rrdtool fetch "$WORK/data/rollout/16.rrd" AVERAGE -s now-360d -e now-350d -r 86400 | awk '$1 ~ /:$/ && $2 !~ /nan/ { print $2 + 0; exit }')
"$BIN_DIR/ozgmond" demo-past --config "$WORK/demo.yml" --data-dir "$WORK/data" 2>"$WORK/again.err"
rc=$?
check "a second run leaves it as it is (exit $rc)" [ "$rc" = 0 ]
check "... saying so" grep -q "already has a simulated past" "$WORK/again.err"

start_daemon 20 "$WORK/d.log" --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data"
check "the daemon takes the files as they are (no conversion)" sh -c "! grep -q 'layout' '$WORK/d.log'"
has_rollout() { http_get "$D/metrics" | grep -q '^ozg_rollout_services_online{area="16",level="land"}'; }
check "rollout figures are published" wait_for 20 has_rollout
http_get "$D/metrics" > "$WORK/m.prom"

sum_level() { # sum_level METRIC LEVEL
	awk -v m="$1" -v l="level=\"$2\"" 'index($1, m "{") == 1 && index($1, l) { s += $2 } END { printf "%.0f", s }' "$WORK/m.prom"
}
land() { awk -v k="$1{area=\"16\",level=\"land\"}" '$1 == k { print $2 }' "$WORK/m.prom"; }

check "Land population = sum over Kreise ($(land ozg_area_population))" \
	[ "$(land ozg_area_population)" = "$(sum_level ozg_area_population kreis)" ]
check "Land population = sum over Gemeinden" \
	[ "$(land ozg_area_population)" = "$(sum_level ozg_area_population gemeinde)" ]
check "Land population is the register's 2120237" [ "$(land ozg_area_population)" = 2120237 ]
check "areas: 1 Land, 22 Kreise, 192 Verbände, 631 Gemeinden" \
	[ "$(grep -c '^ozg_area_info{' "$WORK/m.prom")" = $((1 + 22 + 192 + 631)) ]
check "every coverage ratio within [0, 1]" awk '
	$1 ~ /^ozg_rollout_.*_ratio\{/ { n++; if ($2 < 0 || $2 > 1) bad++ }
	END { exit !(n > 0 && bad == 0) }' "$WORK/m.prom"
check "no Kreis counts more online Leistungen than the Land" awk -v L="$(land ozg_rollout_services_online)" '
	$1 ~ /^ozg_rollout_services_online\{.*level="kreis"/ { if ($2 > L) bad++ } END { exit bad > 0 }' "$WORK/m.prom"
check "flächendeckend never exceeds online" awk '
	$1 ~ /^ozg_rollout_services_online\{/ { split($1, k, "{"); on[k[2]] = $2 }
	$1 ~ /^ozg_rollout_services_flaechendeckend\{/ { split($1, k, "{"); fd[k[2]] = $2 }
	END { for (a in fd) if (fd[a] > on[a]) bad++; exit bad > 0 }' "$WORK/m.prom"
check "Land-wide EfA services reach every Gemeinde" \
	grep -q '^ozg_efa_adopters{dienst="th-elterngeld"} 631$' "$WORK/m.prom"
check "the Land's Reifegrad histogram counts at least its online Leistungen" \
	awk -v on="$(land ozg_rollout_services_online)" '
	$1 ~ /^ozg_rollout_services\{area="16",/ { s += $2 } END { exit !(on > 0 && s >= on) }' "$WORK/m.prom"
if command -v promtool >/dev/null 2>&1; then
	lint=$(promtool check metrics < "$WORK/m.prom" 2>&1)
	check "promtool check metrics: no findings ($lint)" [ -z "$lint" ]
fi

echo "== API"
http_get "$D/api/v1/rollout" > "$WORK/rollout.json"
json_check() { python3 -c "import json,sys; d=json.load(open('$WORK/rollout.json')); sys.exit(0 if ($1) else 1)"; }
if command -v python3 >/dev/null 2>&1; then
	check "API: Land population = sum over its Kreise" json_check "d['land']['population'] == sum(k['population'] for k in d['kreise'])"
	check "API: Land Gemeinden = sum over its Kreise" json_check "d['land']['gemeinden'] == sum(k['gemeinden'] for k in d['kreise']) == 631"
	check "API: Land coverage = population-weighted sum over its Kreise" \
		json_check "abs(d['land']['population_coverage'] * d['land']['population'] - sum(k['population_coverage'] * k['population'] for k in d['kreise'])) < 1e-3"
	check "API: no coverage exceeds the register's population" \
		json_check "all(0 <= a['population_coverage'] <= 1 for a in d['kreise'] + [d['land']])"
	check "API: relevant and offered as the metrics count them" \
		json_check "d['relevant'] == 479 and d['offered'] == $(land ozg_rollout_services_online) and abs(d['land']['catalog_ratio'] - d['land']['online'] / 479) < 1e-9"
	check "API: the Land counts what the metrics count" \
		json_check "d['land']['online'] == $(land ozg_rollout_services_online)"
fi
http_get "$D/api/v1/rollout/leistungen.csv" > "$WORK/leistungen.csv"
if command -v python3 >/dev/null 2>&1; then
	# Relevance recomputed from the catalogue here, independently of the C
	# code: a Leistung all of whose LeiKa entries are Typ 1 does not count.
	cat > "$WORK/federal.py" <<'PY'
import csv, re, sys
typ = {}
for r in csv.DictReader(open('data/registers/ozg_leika_zuordnung.csv', encoding='utf-8')):
    if not r['ozg_id']:
        continue
    b = typ.setdefault(r['ozg_id'], set())
    for t in re.split(r'[, ;]+', r['leika_typ']):
        if t in ('1', '2', '3', '4', '5', '6'):
            b.add(t)
        elif t == '2/3':
            b |= {'2', '3'}
federal = {i for i, b in typ.items() if b == {'1'}}
ids = [r['ozg_id'] for r in csv.DictReader(open('data/registers/ozg_leistungen.csv', encoding='utf-8'))]
if sys.argv[1] == 'relevant':
    print(sum(1 for i in ids if i not in federal))
else:
    print(sum(1 for r in csv.DictReader(open(sys.argv[2])) if int(r['gemeinden_online']) > 0 and r['ozg_id'] not in federal))
PY
	relevant=$(python3 "$WORK/federal.py" relevant)
	check "relevant Leistungen: the catalogue less those of Typ 1 only ($relevant)" \
		metric_is ozg_rollout_leistungen_relevant "$D" "$relevant"
	check "the demo's relevant count is 557 - 78" [ "$relevant" = 479 ]
	lrows=$(python3 "$WORK/federal.py" online "$WORK/leistungen.csv")
	check "API: the CSV's online relevant Leistungen match the Land's count ($lrows)" \
		[ "$lrows" = "$(land ozg_rollout_services_online)" ]
	check "offered = the Land's online count" \
		metric_is ozg_rollout_leistungen_offered "$D" "$(land ozg_rollout_services_online)"
	check "catalogue ratio = online / relevant" awk -v on="$(land ozg_rollout_services_online)" \
		-v rel="$relevant" -v r="$(land ozg_rollout_catalog_ratio)" 'BEGIN { d = on / rel - r; exit !(d < 1e-6 && d > -1e-6) }'
fi
check "API: the CSV has one row per Leistung with an Angebot" \
	[ "$(tail -n +2 "$WORK/leistungen.csv" | wc -l)" -ge "$(land ozg_rollout_services_online)" ]
check "API: an unknown area is 404" [ "$(code "$D/api/v1/rollout/areas/16999")" = 404 ]
check "API: a Gemeinde by its ARS" grep -q '"name": "Weimar, Stadt"' <<<"$(http_get "$D/api/v1/rollout/areas/160550000000")"
kyff_open() { http_get "$D/api/v1/rollout/areas/16065" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['incidents']['open'] >= 4 else 1)"; }
if command -v python3 >/dev/null 2>&1; then
	check "API: the Kyffhäuserkreis counts its down portal's incidents" wait_for 40 kyff_open
fi
check "API: incidents as CSV" grep -q '^dienst,open,open_since' <<<"$(http_get "$D/api/v1/incidents.csv")"

echo "== trend files"
check "the Land's trend file exists" [ -f "$WORK/data/rollout/16.rrd" ]
check "a trend file per Kreis" [ "$(ls "$WORK/data/rollout/" | grep -c '^16[0-9][0-9][0-9]\.rrd$')" = 22 ]
trend_online=$(rrdtool lastupdate "$WORK/data/rollout/16.rrd" | awk 'NF > 2 { v = $2 } END { print v }')
check "it holds the Land's online count ($trend_online)" [ "$trend_online" = "$(land ozg_rollout_services_online)" ]

last_online=$(rrdtool lastupdate "$WORK/data/rollout/16.rrd" | awk 'NF > 2 { v = $2 } END { print v }')
check "a year ago the Land had fewer Leistungen online ($first_online < $last_online)" \
	awk -v a="$first_online" -v b="$last_online" 'BEGIN { exit !(a > 0 && a < b) }'
uptime90=$(metric 'ozg_uptime_ratio{dienst="k16051-kfz",window="90d"}' "$D")
check "the 90-day availability is read from the simulated past ($uptime90)" awk -v u="$uptime90" 'BEGIN { exit !(u != "" && u > 0.9 && u <= 1) }'
below=$(http_get "$D/metrics" | awk '$1 ~ /^ozg_uptime_ratio\{.*window="90d"/ && $2 < 1 { n++ } END { print n + 0 }')
check "the simulated outages show in the 90-day figures ($below Dienste below 100 %)" [ "$below" -ge 100 ]

echo "== HTTPS portals and certificate expiry"
now=$(date +%s)
expiry() { metric "ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds{dienst=\"$1\"}" "$D"; }
has_expiry() { [ -n "$(expiry k16061-fischerei)" ] && [ -n "$(expiry k16062-fischerei)" ]; }
check "both HTTPS portals report their certificate's expiry" wait_for 40 has_expiry
soon=$(expiry k16061-fischerei)
gone=$(expiry k16062-fischerei)
check "Eichsfeld's certificate expires in less than 14 days ($soon)" awk -v e="$soon" -v n="$now" 'BEGIN { d = e - n; exit !(d > 0 && d < 14 * 86400) }'
check "Nordhausen's has expired ($gone)" awk -v e="$gone" -v n="$now" 'BEGIN { exit !(e - n < 0) }'
check "the soon-expiring portal still answers" wait_for 40 metric_is 'ozg_probe_success{dienst="k16061-fischerei"}' "$D" 1
check "the expired one fails" wait_for 40 metric_is 'ozg_probe_success{dienst="k16062-fischerei"}' "$D" 0
check "and opens an incident for the certificate" wait_for 40 grep -q '"event":"open".*"dienst":"k16062-fischerei".*"reason":"cert_expired"' "$WORK/data/incidents.jsonl"

page_says() { [ -f "$WORK/data/www/dienst/$1.html" ] && grep -q "$2" "$WORK/data/www/dienst/$1.html"; }
check "the expired certificate shows on its Dienst page" wait_for 90 page_says k16062-fischerei '✗ abgelaufen'
check "the expiring one shows as expiring soon" wait_for 90 page_says k16061-fischerei 'läuft bald ab'

echo "== incidents"
incidents_open() { awk -v n="$1" '$1 == "ozg_incidents_open" { exit !($2 >= n) } END { if (NR == 0) exit 1 }' <(http_get "$D/metrics"); }
check "the demo's failing portals open incidents" wait_for 40 incidents_open 10
check "each is journaled with its reason" wait_for 40 grep -q '"event":"open".*"dienst":"k16065-kfz".*"reason":"connect"' "$WORK/data/incidents.jsonl"
# A healthy portal goes down and comes back: one incident, opened and closed.
host=service.erfurt.de
dienst=k16051-kfz
check "simulator takes $host down" http_get -o /dev/null -f -X PUT "http://127.0.0.1:$SIM_PORT/_sim/hosts/$host?mode=down"
opened() { grep -q "\"event\":\"open\".*\"dienst\":\"$dienst\"" "$WORK/data/incidents.jsonl"; }
check "an incident opens for $dienst" wait_for 45 opened
check "the simulator brings it back" http_get -o /dev/null -f -X DELETE "http://127.0.0.1:$SIM_PORT/_sim/hosts/$host"
closed() { grep -q "\"event\":\"close\".*\"dienst\":\"$dienst\"" "$WORK/data/incidents.jsonl"; }
check "and closes when it answers again" wait_for 45 closed
down_s=$(metric "ozg_downtime_seconds_total{dienst=\"$dienst\"}" "$D")
check "its downtime is counted ($down_s s)" awk -v d="$down_s" 'BEGIN { exit !(d > 0 && d < 120) }'
check "ozg_incidents_total counts it" metric_is "ozg_incidents_total{dienst=\"$dienst\"}" "$D" 1

echo "== monthly report"
R=("$BIN_DIR/ozgmond" report --config "$WORK/demo.yml" --data-dir "$WORK/data")
"${R[@]}" --help > "$WORK/report-help.txt"
rc=$?
check "report --help exits 0 ($rc)" [ "$rc" = 0 ]
check "... with its usage" grep -q '^usage: ozgmond report --month YYYY-MM' "$WORK/report-help.txt"
month=$(TZ=Europe/Berlin date +%Y-%m)
future=$(TZ=Europe/Berlin date -d "$(TZ=Europe/Berlin date +%Y-%m-15) +1 month" +%Y-%m)
prev=$(TZ=Europe/Berlin date -d "$(TZ=Europe/Berlin date +%Y-%m-15) -1 month" +%Y-%m)
"${R[@]}" --month "$future" --gemeinde 16055000 > /dev/null 2> "$WORK/future.err"
rc=$?
check "a future month ($future) is an error (exit $rc)" [ "$rc" = 1 ]
check "... saying so" grep -q "has not begun" "$WORK/future.err"
"${R[@]}" --month "$month" --gemeinde 16055000 --format html > "$WORK/weimar.html"
check "HTML report for Weimar is written" [ -s "$WORK/weimar.html" ]
check "it is German" grep -q '<html lang="de">' "$WORK/weimar.html"
check "it prints on A4" grep -q '@page{size:A4' "$WORK/weimar.html"
check "it names the Leistungen (Wohnsitzmeldungen, Kraftfahrzeugkennzeichen)" \
	sh -c "grep -q 'Wohnsitzmeldungen' '$WORK/weimar.html' && grep -q 'Kraftfahrzeugkennzeichen' '$WORK/weimar.html'"
check "no OZG-ID:Reifegrad cells" sh -c "! grep -Eq '[0-9]{5}:[0-9]' '$WORK/weimar.html'"
if command -v tidy >/dev/null 2>&1; then
	tidy -e -q "$WORK/weimar.html" > "$WORK/tidy.txt" 2>&1
	rc=$?
	check "tidy finds neither errors nor warnings (exit $rc: $(head -c 300 "$WORK/tidy.txt"))" [ "$rc" = 0 ]
fi
cat > "$WORK/strict.py" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {'meta', 'br', 'img', 'input', 'link', 'hr', 'col', 'wbr', 'area', 'base', 'source'}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.bad = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.bad.append('</%s> at %s, open: %s' % (tag, self.getpos(), self.stack[-3:]))
        else:
            self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding='utf-8').read())
p.close()
if p.bad or p.stack:
    print(p.bad[:3], p.stack)
    sys.exit(1)
PY
check "every element is closed in order (python html.parser)" python3 "$WORK/strict.py" "$WORK/weimar.html"
"${R[@]}" --month "$month" --kreis 16062 --format html > "$WORK/nordhausen.html"
check "Kreis report names the expired certificate as a cause" grep -q 'TLS-Zertifikat abgelaufen' "$WORK/nordhausen.html"
"${R[@]}" --month "$prev" --gemeinde 16055000 --format json > "$WORK/prev.json"
check "last month's report has the simulated availability" python3 -c "
import json, sys
d = json.load(open('$WORK/prev.json'))
r = [x for x in d['dienste'] if x['availability'] is not None and x['measured_seconds'] > 20 * 86400]
sys.exit(0 if len(r) == len(d['dienste']) and d['dienste'] else 1)"

echo "rollout: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
