#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_shards.sh - two ozgmond shards (1/2, 2/2) and one unsharded ozgmond over
# the demo and the simulator, one real Prometheus scraping the two shards with
# the shipped recording rules and discovering their targets over http_sd.
#
# Asserts, through Prometheus' HTTP API: the shards' target sets are disjoint
# and together equal the unsharded instance's; each shard's set is what the
# FNV-1a hash of the id gives (computed here independently); the recorded
# Land-wide rollout figures (online, fulfilled, flächendeckend, by Reifegrad)
# and every Kreis' online count equal the unsharded instance's own figures;
# http_sd hands Prometheus every Onlinedienst once with its labels; the pages
# of a shard name it, those of the unsharded instance do not.  Waits are
# bounded; everything started here is killed at the end.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-shards

command -v prometheus >/dev/null || { echo "prometheus (Debian package) is needed"; echo "shards: 0 passed, 1 failed"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed"; echo "shards: 0 passed, 1 failed"; exit 1; }

echo "== simulator"
start_sim --profile config/demo-sim.profile
check "simulator answers" sim_answers

# daemon NAME SHARD [RRDCACHED]: the demo configuration with its own port, data_dir
# and shard ("" for none), optionally writing through rrdcached at host:port;
# starts ozgmond and sets ${NAME}_URL and ${NAME}_PORT.
daemon() {
	local name=$1 shard=$2 rrdc=${3:-} port pid
	for _ in 1 2 3 4; do
		port=$(free_port) || return 1
		demo_config "$WORK/$name.yml" -e "s#^  listen: .*#  listen: \"127.0.0.1:$port\"#" \
		    -e "s#^  data_dir: .*#  data_dir: $WORK/$name#" \
		    -e "s#^  log_level: .*#  log_level: warn\n  dashboards_every: 1h#"
		[ -n "$shard" ] && sed -i "s#^global:#global:\n  shard: $shard#" "$WORK/$name.yml"
		[ -n "$rrdc" ] && sed -i "s#^global:#global:\n  rrdcached: \"$rrdc\"#" "$WORK/$name.yml"
		"$BIN_DIR/ozgmond" --config "$WORK/$name.yml" >"$WORK/$name.log" 2>&1 &
		pid=$!
		if answers_while_up 20 "$pid" "http://127.0.0.1:$port/-/healthy"; then
			PIDS+=("$pid")
			printf -v "${name}_URL" '%s' "http://127.0.0.1:$port"
			printf -v "${name}_PORT" '%s' "$port"
			return 0
		fi
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	return 1
}

echo "== one rrdcached on TCP shared by both shards"
# Over TCP ozgmond sends paths relative to rrdcached's base directory, which must
# be <data_dir>/rrd on the daemon's side too (for reads): both shards' data_dirs
# link rrd/ to the one shared directory.
mkdir -p "$WORK/shared-rrd" "$WORK/s1" "$WORK/s2"
ln -s "$WORK/shared-rrd" "$WORK/s1/rrd"
ln -s "$WORK/shared-rrd" "$WORK/s2/rrd"
RRDC_PID=""
for _ in 1 2 3 4; do
	RRDC_PORT=$(free_port) || { echo "no free port"; exit 1; }
	mkdir -p "$WORK/journal"
	rrdcached -g -l "127.0.0.1:$RRDC_PORT" -p "$WORK/rrdc.pid" -b "$WORK/shared-rrd" -B \
		-j "$WORK/journal" -F >"$WORK/rrdc.log" 2>&1 &
	RRDC_PID=$!
	wait_for 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$RRDC_PORT) 2>/dev/null" && kill -0 "$RRDC_PID" 2>/dev/null && break
	kill "$RRDC_PID" 2>/dev/null; wait "$RRDC_PID" 2>/dev/null; RRDC_PID=""
done
check "rrdcached listens on 127.0.0.1:${RRDC_PORT}" [ -n "$RRDC_PID" ]
[ -n "$RRDC_PID" ] && PIDS+=("$RRDC_PID")

echo "== three ozgmond: shard 1/2, shard 2/2, unsharded"
check "shard 1/2 starts" daemon s1 1/2 "127.0.0.1:$RRDC_PORT"
check "shard 2/2 starts" daemon s2 2/2 "127.0.0.1:$RRDC_PORT"
check "unsharded instance starts" daemon one ""
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/s1.yml" 2>&1)
check "--check-config names the shard ($out)" grep -q "shard 1/2 (of 670 Onlinedienste" <<<"$out"

# rollout figures are computed at start; wait until each instance exports them
for n in s1 s2 one; do
	u=${n}_URL
	check "$n exports the rollout facts" wait_for 60 sh -c \
		"curl -s --max-time 5 '${!u}/metrics' | grep -q '^ozg_rollout_threshold_reifegrad'"
done
curl -s --max-time 10 "$one_URL/metrics" > "$WORK/one.metrics"
check "unsharded instance is shard 1 of 1" grep -q '^ozgmon_shard_info{shard="1",shards="1"} 1' "$WORK/one.metrics"

echo "== Prometheus"
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: [ "$ROOT/config/prometheus/ozgmon-recording.yml", "$ROOT/config/prometheus/ozgmon-alerts.yml" ]
scrape_configs:
  - job_name: ozgmon
    static_configs: [ { targets: [ "127.0.0.1:$s1_PORT", "127.0.0.1:$s2_PORT" ] } ]
  # What a blackbox_exporter job would discover; scraped only once an hour, at a
  # closed loopback port, so nothing leaves the machine.
  - job_name: ozgmon-sd
    scrape_interval: 1h
    scrape_timeout: 1s
    http_sd_configs:
      - { url: "$s1_URL/api/v1/sd", refresh_interval: 5s }
      - { url: "$s2_URL/api/v1/sd", refresh_interval: 5s }
    relabel_configs:
      - { source_labels: [ __address__ ], target_label: __param_target }
      - { source_labels: [ __meta_ozgmon_shard ], target_label: ozgmon_shard }
      - { source_labels: [ __meta_ozgmon_module ], target_label: __param_module }
      - { target_label: __address__, replacement: "127.0.0.1:1" }
YAML
out=$(promtool check config "$WORK/prometheus.yml" 2>&1)
check "promtool accepts the test configuration" [ $? = 0 ]
check "Prometheus starts" start_prometheus "$WORK/prometheus.yml"

# pq QUERY: the instant vector as lines "label=value ... value" (labels sorted).
pq() {
	curl -s --max-time 10 --data-urlencode "query=$1" "$P/api/v1/query" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
if d.get("status") != "success":
    sys.exit(1)
for r in d["data"]["result"]:
    m = r["metric"]
    print(" ".join("%s=%s" % (k, m[k]) for k in sorted(m) if k != "__name__"), r["value"][1])
'
}
# pv QUERY: the value of a one-element result, or nothing.
pv() { pq "$1" | awk 'NR == 1 { print $NF }'; }

check "Prometheus ready" wait_for 30 curl -sf -o /dev/null "$P/-/ready"
check "both shards scraped (up == 1)" wait_for 60 sh -c "[ \"\$(curl -s --data-urlencode 'query=count(up{job=\"ozgmon\"} == 1)' '$P/api/v1/query' | grep -o '\"2\"\]')\" = '\"2\"]' ]"
check "the recording rules ran" wait_for 60 sh -c "curl -s --data-urlencode 'query=area:ozg_rollout_services_online:count_distinct{area=\"16\"}' '$P/api/v1/query' | grep -q '\"value\"'"
check "shard info of both shards" [ "$(pv 'count(ozgmon_shard_info{shards="2"})')" = 2 ]

echo "== target sets"
# the unsharded instance's set, from its own API
curl -s --max-time 10 "$one_URL/api/v1/targets" | python3 -c '
import json, sys
d = json.load(sys.stdin)
items = d["targets"] if isinstance(d, dict) else d
print("\n".join(sorted(t["id"] for t in items)))' > "$WORK/one.ids"
check "unsharded instance lists 670 targets" [ "$(wc -l < "$WORK/one.ids")" = 670 ]
# each shard's set, through Prometheus
for i in 1 2; do
	port_var=s${i}_PORT
	pq "ozg_dienst_host_info{instance=\"127.0.0.1:${!port_var}\"}" |
		sed -n 's/.*dienst=\([^ ]*\).*/\1/p' | sort > "$WORK/s$i.ids"
done
n1=$(wc -l < "$WORK/s1.ids"); n2=$(wc -l < "$WORK/s2.ids")
check "shard 1 has targets ($n1)" [ "$n1" -gt 0 ]
check "shard 2 has targets ($n2)" [ "$n2" -gt 0 ]
check "the shards' sets are disjoint" [ -z "$(comm -12 "$WORK/s1.ids" "$WORK/s2.ids")" ]
sort -m "$WORK/s1.ids" "$WORK/s2.ids" > "$WORK/union.ids"
check "together they are the unsharded set" cmp -s "$WORK/union.ids" "$WORK/one.ids"
# A rule evaluated before both shards' first scrape records a partial sum: the next one is whole.
shard_sum_whole() { [ "$(pv 'ozgmon:shard_targets:sum')" = 670 ]; }
check "ozgmon_shard_targets sums to 670" wait_for 60 shard_sum_whole
# An evaluation before both shards' first scrapes leaves the alert pending until the next one.
no_incomplete() { [ -z "$(pv 'ALERTS{alertname="OzgmonShardsIncomplete"}')" ]; }
check "no OzgmonShardsIncomplete" wait_for 30 no_incomplete
# the hash, computed independently of ozgmond (docs/configuration.md)
python3 - "$WORK/one.ids" 2 > "$WORK/py.shards" <<'PY'
import sys
n = int(sys.argv[2])
for line in open(sys.argv[1]):
    i = line.strip()
    h = 0xcbf29ce484222325
    for b in i.encode():
        h = ((h ^ b) * 0x100000001b3) % 2**64
    print(h % n + 1, i)
PY
check "shard 1 holds the ids FNV-1a puts there" cmp -s <(awk '$1 == 1 { print $2 }' "$WORK/py.shards") "$WORK/s1.ids"
check "shard 2 holds the ids FNV-1a puts there" cmp -s <(awk '$1 == 2 { print $2 }' "$WORK/py.shards") "$WORK/s2.ids"

echo "== Land-wide rollout figures: recorded across shards = unsharded"
single() { awk -v k="$1" '$1 == k { print $2; exit }' "$WORK/one.metrics"; }
# Each rule group records what it saw at its evaluation: wait (bounded) for one
# after both shards' first scrapes, then the figures must be equal.
land_is() { [ -n "$2" ] && [ "$(pv "area:ozg_rollout_services_$1:count_distinct{area=\"16\"}")" = "$2" ]; }
for f in online fulfilled flaechendeckend fulfilled_flaechendeckend; do
	want=$(single "ozg_rollout_services_${f}{area=\"16\",level=\"land\"}")
	check "Land $f: recorded = unsharded ${want:-(none)}" wait_for 30 land_is "$f" "$want"
done
naive=$(pv 'sum(ozg_rollout_services_online{area="16"})')
echo "  (summing the shards' own ozg_rollout_services_online would give $naive)"
check "catalogue ratio: recorded = unsharded" python3 -c "import sys; sys.exit(abs(float('$(pv 'area:ozg_rollout_catalog_ratio:count_distinct{area="16"}')') - float('$(single 'ozg_rollout_catalog_ratio{area="16",level="land"}')')) > 1e-9)"
want=$(grep '^ozg_rollout_services{area="16",level="land"' "$WORK/one.metrics" | awk '$2 != 0' |
	sed 's/.*reifegrad="\([0-9]*\)"} \(.*\)/\1 \2/' | sort)
got=$(pq 'area_reifegrad:ozg_rollout_services:count_distinct{area="16"}' |
	sed 's/.*reifegrad=\([0-9]*\) \(.*\)/\1 \2/' | sort)
check "Land by Reifegrad: recorded = unsharded ($(tr '\n' ' ' <<<"$got"))" test -n "$want" -a "$got" = "$want"
want=$(grep '^ozg_rollout_services_online{area="16[0-9][0-9][0-9]",level="kreis"}' "$WORK/one.metrics" |
	sed 's/.*area="\([0-9]*\)".*} \(.*\)/\1 \2/' | sort)
got=$(pq 'area:ozg_rollout_services_online:count_distinct{level="kreis"}' |
	sed 's/area=\([0-9]*\) level=kreis \(.*\)/\1 \2/' | sort)
check "every Kreis' online count: recorded = unsharded ($(wc -l <<<"$got") Kreise)" \
	test "$(wc -l <<<"$want")" = 22 -a "$got" = "$want"
want=$(grep '^ozg_rollout_services_flaechendeckend{area="16[0-9][0-9][0-9]",level="kreis"}' "$WORK/one.metrics" |
	sed 's/.*area="\([0-9]*\)".*} \(.*\)/\1 \2/' | sort)
got=$(pq 'area:ozg_rollout_services_flaechendeckend:count_distinct{level="kreis"}' |
	sed 's/area=\([0-9]*\) level=kreis \(.*\)/\1 \2/' | sort)
echo "$want" > "$WORK/fd.want"; echo "$got" > "$WORK/fd.got"
echo "  (Kreise whose recorded flächendeckend count equals the unsharded one:" \
	"$(comm -12 "$WORK/fd.want" "$WORK/fd.got" | wc -l) of 22; the rule gives a lower bound)"
check "Kreis flächendeckend: recorded never above unsharded" python3 - "$WORK/fd.want" "$WORK/fd.got" <<'PY'
import sys
w = dict(l.split() for l in open(sys.argv[1]) if l.strip())
g = dict(l.split() for l in open(sys.argv[2]) if l.strip())
sys.exit(len(w) != 22 or any(float(g.get(k, 0)) > float(v) for k, v in w.items()))
PY
check "availability per Land recorded" [ -n "$(pv 'area:ozg_probe_success:avg{area="16"}')" ]

echo "== http_sd"
check "Prometheus discovered 670 targets over http_sd" wait_for 30 sh -c \
	"[ \"\$(curl -s '$P/api/v1/targets?state=active' | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)[\"data\"][\"activeTargets\"] if t[\"labels\"][\"job\"] == \"ozgmon-sd\"))')\" = 670 ]"
curl -s "$P/api/v1/targets?state=active" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    if t["labels"]["job"] == "ozgmon-sd":
        print(t["labels"]["dienst"], t["labels"]["ozgmon_shard"], t["discoveredLabels"]["__address__"],
              t["discoveredLabels"].get("__meta_ozgmon_land", ""))' | sort > "$WORK/sd.txt"
check "http_sd: every Onlinedienst once" cmp -s <(cut -d' ' -f1 "$WORK/sd.txt") "$WORK/one.ids"
check "http_sd: shard labels match the shards" cmp -s <(awk '$2 == "1/2" { print $1 }' "$WORK/sd.txt") "$WORK/s1.ids"
check "http_sd: targets are the Onlinedienste' URLs" \
	[ "$(grep -c ' https\?://[^ ]* 16$' "$WORK/sd.txt")" = 670 ]

echo "== both shards write into the one rrdcached without colliding"
# shard_files I: ids of shard I that have a main RRD file in the shared directory
shard_files() { comm -12 "$WORK/s$1.ids" <(ls "$WORK/shared-rrd" | sed -n 's/\.rrd$//p' | grep -v '\.' | sort); }
check "shard 1's files arrive through rrdcached" wait_for 60 sh -c "cd '$WORK/shared-rrd' && for i in \$(cat '$WORK/s1.ids'); do [ -e \$i.rrd ] && exit 0; done; exit 1"
check "shard 2's files arrive through rrdcached" wait_for 60 sh -c "cd '$WORK/shared-rrd' && for i in \$(cat '$WORK/s2.ids'); do [ -e \$i.rrd ] && exit 0; done; exit 1"
n_f1=$(shard_files 1 | wc -l); n_f2=$(shard_files 2 | wc -l)
stray=$(ls "$WORK/shared-rrd" | sed -n 's/\.rrd$//p' | sed 's/\.\(perf\|usage\)$//' | sort -u | comm -23 - "$WORK/one.ids")
check "every file belongs to a configured Onlinedienst ($n_f1 + $n_f2 main files)" [ -z "$stray" ]
# librrd creates a file under a temporary name and renames it: one may be on its way.
check "no temporary or backup files left" wait_for 30 sh -c "! ls '$WORK/shared-rrd' | grep -v '\.rrd$'"
for i in 1 2; do
	u=s${i}_URL
	check "shard $i: rrdcached up" metric_is ozgmon_rrdcached_up "${!u}" 1
	check "shard $i: no RRD errors" metric_is ozgmon_rrd_errors_total "${!u}" 0
	check "shard $i: nothing dropped" metric_is ozgmon_store_dropped_samples_total "${!u}" 0
done

echo "== pages name their shard"
check "shard 1 status page says so" sh -c "curl -s '$s1_URL/' | grep -q 'Shard 1 von 2: $n1 von 670'"
check "shard 2 status page says so" sh -c "curl -s '$s2_URL/' | grep -q 'Shard 2 von 2: $n2 von 670'"
check "unsharded status page names no shard" sh -c "! curl -s '$one_URL/' | grep -q 'Shard'"
check "shard 2 dashboards name the shard" wait_for 60 sh -c \
	"grep -q 'Shard 2 von 2' '$WORK/s2/www/index.html' 2>/dev/null"

if [ "$FAIL" -ne 0 ]; then
	for n in s1 s2 one; do echo "--- $n log"; tail -10 "$WORK/$n.log"; done
	echo "--- prometheus log"; tail -15 "$WORK/prom.log"
	echo "--- rrdcached log"; tail -10 "$WORK/rrdc.log"
fi
echo "shards: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
