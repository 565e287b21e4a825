#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_prom_exposition.sh - a real ozgmond's /metrics in both formats.
#
# The full demo (every target of config/demo.yml against ozgmon-sim, with
# usage statistics, rollout figures and the HTTP server's figures) is scraped
# in text 0.0.4 and in OpenMetrics 1.0.0.  Asserts: `promtool check metrics`
# finds nothing in the text; the Python client's strict OpenMetrics parser
# (Debian's python3-prometheus-client) reads the whole OpenMetrics scrape;
# in both formats every family name occurs once (so no gauge shares its name
# with a counter's family); the OpenMetrics families are the text families
# with _total/_info dropped; the result of the last probe is a state set
# (one 1 per target, ten series); every usage family has a HELP text of its
# own; the renamed families are there and the old names are gone.  Then a
# real Prometheus scrapes it with the shipped rules loaded and records
# blackbox_exporter's names (config/prometheus/ozgmon-blackbox.yml): one
# probe_success per target, with the origin as instance.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

command -v promtool >/dev/null || { echo "promtool missing (tools/deps.sh installs prometheus)"; exit 1; }
# The parser of Debian's package, even when another python3 comes first in PATH.
PY=python3
python3 -c 'import prometheus_client' 2>/dev/null || PY=/usr/bin/python3
$PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
	{ echo "python3-prometheus-client missing (tools/deps.sh test installs it)"; exit 1; }

make_work ozgmon-expo

start_sim --profile config/demo-sim.profile
check "simulator answers" sim_answers
for _ in 1 2 3 4; do
	daemon_port
	demo_config "$WORK/demo.yml" -e "s#^  listen: .*#  listen: \"127.0.0.1:$D_PORT\"#" \
		-e "s#^  data_dir: .*#  data_dir: $WORK/data#" -e "s#^  interval: .*#  interval: 10s#" -e "s#^  timeout: .*#  timeout: 3s#"
	start_daemon 15 "$WORK/d.log" --config "$WORK/demo.yml" && break
	kill "$D_PID" 2>/dev/null; wait "$D_PID" 2>/dev/null; D_PID=""
done
check "daemon healthy" [ -n "$D_PID" ]
check "/-/ready turns 200 after the first round" wait_for 60 http_get -f -o /dev/null "$D/-/ready"
# The usage statistics and rollout figures come in their own rounds.
check "usage figures read" wait_for 60 sh -c "curl -s '$D/metrics' | grep -q '^ozg_usage_up{.*} 1\$'"
check "rollout computed" wait_for 60 sh -c "curl -s '$D/metrics' | grep -q '^ozg_dienst_area_info{'"

http_get "$D/metrics" > "$WORK/text.txt"
http_get -H 'Accept: application/openmetrics-text; version=1.0.0' "$D/metrics" > "$WORK/om.txt"
check "OpenMetrics scrape ends in # EOF" [ "$(tail -n 1 "$WORK/om.txt")" = "# EOF" ]

echo "== text 0.0.4"
lint=$(promtool check metrics < "$WORK/text.txt" 2>&1); rc=$?
check "promtool check metrics: no findings (rc=$rc: $lint)" [ "$rc" = 0 -a -z "$lint" ]
dup=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$WORK/text.txt" | sort | uniq -d)
check "text: every family name once ($dup)" [ -z "$dup" ]

echo "== OpenMetrics 1.0.0, strict parser"
# Parses the whole scrape (the parser raises on the first error and on a
# family name seen twice), then prints name and type of every family.
$PY - "$WORK/om.txt" > "$WORK/om-families.txt" 2> "$WORK/om-parse.err" <<'PYEOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding='utf-8').read()
seen = set()
for fam in text_string_to_metric_families(text):
    if fam.name in seen:
        raise SystemExit('family %s twice' % fam.name)
    seen.add(fam.name)
    print(fam.name, fam.type, len(fam.samples), fam.documentation)
PYEOF
rc=$?
check "strict parser reads the scrape (rc=$rc: $(tail -n 1 "$WORK/om-parse.err"))" [ "$rc" = 0 ]
nfam=$(wc -l < "$WORK/om-families.txt")
check "strict parser saw every family ($nfam)" [ "$nfam" -ge 60 ]
dup=$(awk '{ print $1 }' "$WORK/om-families.txt" | sort | uniq -d)
check "OpenMetrics: every family name once ($dup)" [ -z "$dup" ]
# The OpenMetrics families are the text ones with _total (counters) and _info dropped.
awk '$1 == "#" && $2 == "TYPE" { n = $3; if ($4 == "counter") sub(/_total$/, "", n); else if (n ~ /_info$/) sub(/_info$/, "", n); print n }' \
	"$WORK/text.txt" | sort > "$WORK/text-names.txt"
awk '{ print $1 }' "$WORK/om-families.txt" | sort > "$WORK/om-names.txt"
check "the same families in both formats" cmp -s "$WORK/text-names.txt" "$WORK/om-names.txt"

echo "== renamed and new families"
check "ozgmon_http_connections_open gauge" grep -qx "ozgmon_http_connections_open gauge 1 .*" "$WORK/om-families.txt"
check "ozgmon_http_connections counter (of ozgmon_http_connections_total)" \
	grep -qx "ozgmon_http_connections counter 1 .*" "$WORK/om-families.txt"
check "no sample named ozgmon_http_connections" sh -c "! grep -q '^ozgmon_http_connections ' '$WORK/text.txt'"
check "ozg_dienst_area_info is an info family" grep -qx "ozg_dienst_area info [1-9][0-9]* .*" "$WORK/om-families.txt"
check "no ozg_dienst_area samples" sh -c "! grep -q '^ozg_dienst_area{' '$WORK/text.txt'"
check "no ozg_probe_result_info" sh -c "! grep -q 'ozg_probe_result_info' '$WORK/text.txt' '$WORK/om.txt'"
ntg=$(grep -c '^ozg_probe_success{' "$WORK/text.txt")
nres=$(grep -c '^ozg_probe_result{' "$WORK/text.txt")
nclass=$(grep -c '^ozg_probes_total{' "$WORK/text.txt")
ones=$(grep -c '^ozg_probe_result{.*} 1$' "$WORK/text.txt")
check "ozg_probe_result: one series per target and class ($nres = $ntg x $nclass)" [ "$nres" = $((ntg * nclass)) ]
check "ozg_probe_result: one current class per probed target ($ones of $ntg)" [ "$ones" = "$ntg" ] 
succ=$(grep -c '^ozg_probe_success{.*} 1$' "$WORK/text.txt")
rsucc=$(grep -c '^ozg_probe_result{.*result="success"} 1$' "$WORK/text.txt")
check "ozg_probe_result success agrees with ozg_probe_success ($rsucc, $succ)" [ "$rsucc" = "$succ" ]

echo "== HELP per usage metric"
uh=$(grep '^# HELP ozg_usage_[a-z_]* ' "$WORK/text.txt" | grep -v '^# HELP ozg_usage_\(up\|last_success_timestamp_seconds\) ')
nu=$(grep -c . <<<"$uh")
check "usage families found ($nu)" [ "$nu" -ge 4 ]
check "each usage HELP text differs" [ "$(cut -d' ' -f4- <<<"$uh" | sort -u | wc -l)" = "$nu" ]
check "usage HELP names the JSON pointer" grep -q '^# HELP ozg_usage_applications_submitted_total .*JSON pointer /applications_submitted[ .]' <<<"$uh"

echo "== a real Prometheus with the shipped rules: blackbox names"
check "ozg_dienst_host_info carries the scheme" \
	grep -q '^ozg_dienst_host_info{dienst="k16051-kfz",host="service.erfurt.de",scheme="http"} 1$' "$WORK/text.txt"
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files:
  - "$ROOT/config/prometheus/ozgmon-recording.yml"
  - "$ROOT/config/prometheus/ozgmon-alerts.yml"
  - "$ROOT/config/prometheus/ozgmon-blackbox.yml"
scrape_configs:
  - job_name: ozgmon
    static_configs: [ { targets: [ "127.0.0.1:$D_PORT" ] } ]
YAML
check "Prometheus starts" start_prometheus "$WORK/prometheus.yml"
# pv QUERY: the value of a one-element instant vector, or nothing.
pv() {
	curl -s --max-time 10 --data-urlencode "query=$1" "$P/api/v1/query" |
		$PY -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}
# The rules of a group are written one after the other: a query may fall
# between two of them, so each count is waited for (bounded).
is() { [ "$(pv "$1")" = "$2" ]; }
check "probe_success recorded for every probed target ($ntg)" wait_for 60 is 'count(probe_success)' "$ntg"
check "probe_duration_seconds recorded for every probed target" wait_for 30 is 'count(probe_duration_seconds)' "$ntg"
check "instance is the origin, ozgmon_instance the daemon" \
	[ "$(pv "probe_success{dienst=\"k16051-kfz\",instance=\"http://service.erfurt.de\",ozgmon_instance=\"127.0.0.1:$D_PORT\",job=\"ozgmon\"}")" = 1 ]
# The rules ran on an earlier scrape than the query sees: each recorded value
# lies within what the source series held over the last minute.
outside() { echo "count(($1 > on(dienst) max_over_time($2[1m])) or ($1 < on(dienst) min_over_time($2[1m]))) or vector(0)"; }
check "probe_success follows ozg_probe_success" [ "$(pv "$(outside probe_success ozg_probe_success)")" = 0 ]
check "probe_duration_seconds follows ozg_probe_duration_seconds" \
	[ "$(pv "$(outside probe_duration_seconds ozg_probe_duration_seconds)")" = 0 ]
check "probe_http_duration_seconds per phase ($((ntg * 5)))" wait_for 30 is 'count(probe_http_duration_seconds)' $((ntg * 5))
# The demo has https portals too: count the plain-http targets of the scrape.
nhttp=$(grep -c '^ozg_dienst_host_info{.*scheme="http"}' "$WORK/text.txt")
check "probe_http_ssl is 0 for http targets ($nhttp)" wait_for 30 is 'count(probe_http_ssl{instance=~"http://.*"} == 0)' "$nhttp"
check "probe_dns_lookup_time_seconds for every target" wait_for 30 is 'count(probe_dns_lookup_time_seconds)' "$ntg"
# Every shipped rule evaluates without error on a real scrape (no many-to-many joins).
bad_rules=$(curl -s --max-time 10 "$P/api/v1/rules" | $PY -c '
import json, sys
d = json.load(sys.stdin)
n = 0
for g in d["data"]["groups"]:
    for r in g["rules"]:
        n += 1
        if r.get("health") != "ok":
            print("%s: %s %s" % (r["name"], r.get("health"), r.get("lastError", "")))
print("rules", n)')
check "every shipped rule evaluates without error ($(tr '\n' ' ' <<<"$bad_rules"))" \
	[ "$(grep -c . <<<"$bad_rules")" = 1 -a "$(awk '/^rules / { print $2 }' <<<"$bad_rules")" -ge 40 ]
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null

stop_daemon TERM
check "daemon exits cleanly ($RC)" [ "$RC" = 0 ]
echo "prom_exposition: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
