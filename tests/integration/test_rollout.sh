#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_rollout.sh - rollout figures of the full demo, from the running daemon.
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
start_sim --profile config/demo-sim.profile
demo_config "$WORK/demo.yml"
start_daemon 20 "$WORK/d.log" --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data"
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

echo "rollout: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
