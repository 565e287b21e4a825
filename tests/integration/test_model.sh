#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_model.sh - the availability model in memory equals what the RRD files say.
#
# The real ozgmond against the real ozgmon-sim, 1 s interval: one portal up,
# one down, one flipped down and up a few times.  Asserts that the API's 1d
# uptimes (from memory) equal the uptime computed with `rrdtool fetch` over
# the same hour-aligned window, to the window's resolution at this run's
# length (3 RRD steps of the known time: the first sample starts the clock,
# the newest is not yet a complete RRD row); that areas and services show
# the same figures; and that after a restart
# the uptimes are known at once, seeded from the RRD files.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

command -v rrdtool >/dev/null 2>&1 || { echo "rrdtool missing: skipped"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 0; }

make_work ozgmon-model
daemon_port
cat > "$WORK/sim.profile" <<PROF
down.portal.test down
PROF
start_sim --profile "$WORK/sim.profile"
check "simulator answers" sim_answers
cat > "$WORK/m.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 1s
  timeout: 1s
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
  - { id: up, url: "http://up.portal.test/wohnsitz" }
  - { id: down, url: "http://down.portal.test/wohnsitz" }
  - { id: flip, url: "http://flip.portal.test/hund" }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: flip, reifegrad: 3 }
YAML
t_start=$(date +%s)
check "daemon healthy" start_daemon 10 "$WORK/d.log" --config "$WORK/m.yml"

# api_up ID [WINDOW]: the API's uptime of target ID ("null" when not measured).
api_up() {
	http_get "$D/api/v1/targets/$1" |
		python3 -c "import json,sys; v=json.load(sys.stdin)['uptime']['${2:-1d}']; print('null' if v is None else repr(v))"
}
# rrd_up ID [END]: "uptime known_seconds step" from the RRD file over the model's 1d
# window as of END (default now: its UTC hour and the 23 before it), weighted as
# history.c does.
rrd_up() {
	local now start
	now=${2:-$(date +%s)}
	start=$(( now - now % 3600 - 23 * 3600 ))
	rrdtool fetch "$WORK/data/rrd/$1.rrd" AVERAGE -r 1 -s "$start" -e "$now" 2>/dev/null |
		awk 'NR > 2 && NF == 3 { t = $1 + 0; if (p) step = t - p; p = t
			if (tolower($2) !~ /nan/ && !(tolower($3) !~ /nan/ && $3 + 0 >= 0.5)) { s += $2; n++ } }
			END { if (n) printf "%.10f %d %d\n", s / n, n * step, step; else print "nan 0 0" }'
}
# same ID: the API's and the RRD's 1d uptime agree within 3 RRD steps of the known time.
same() {
	local a r
	a=$(api_up "$1")
	r=$(rrd_up "$1")
	echo "    $1: model $a, rrd $r" >> "$WORK/same.log"
	is_num "$a" && awk -v a="$a" -v r="$r" 'BEGIN { split(r, x, " ");
		exit !(x[2] > 0 && (a - x[1] < 0 ? x[1] - a : a - x[1]) <= 3 * x[3] / x[2] + 1e-9) }'
}

# is_num S: S is a number (an API error or null is not).
is_num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$ ]]; }
up_known() { [ "$(api_up up)" = 1.0 ]; }
check "uptime known once the first samples are in" wait_for 10 up_known
# Flip: down 5 s, up 5 s, down 5 s, up again; at least two probes each time.
for mode in down up down up; do
	if [ "$mode" = down ]; then
		http_get -o /dev/null -f -X PUT "$SIM/_sim/hosts/flip.portal.test?mode=down"
	else
		http_get -o /dev/null -f -X DELETE "$SIM/_sim/hosts/flip.portal.test"
	fi
	sleep 5
done
sleep 3
flip=$(api_up flip)
check "flip's uptime lies strictly between 0 and 1 ($flip)" awk -v v="$flip" 'BEGIN { exit !(v > 0.2 && v < 0.9) }'
check "up's uptime is 1" [ "$(api_up up)" = 1.0 ]
check "down's uptime is 0" [ "$(api_up down)" = 0.0 ]
for t in up down flip; do
	check "$t: model and RRD agree over the 1d window" wait_for 5 same "$t"
done
windows_equal() {
	http_get "$D/api/v1/targets/flip" | python3 -c "
import json,sys
u=json.load(sys.stdin)['uptime']; sys.exit(0 if u['1d'] == u['7d'] == u['30d'] == u['90d'] else 1)"
}
check "every window holds the whole run: 1d = 7d = 30d = 90d for flip" windows_equal
svc() {
	http_get "$D/api/v1/services/10124" | python3 -c "
import json,sys
d=json.load(sys.stdin); a=[x for x in d['angebote'] if x['dienst']=='flip'][0]
t=json.load(open('$WORK/flip.json'))['uptime']
sys.exit(0 if a['availability']['1d'] is not None and abs(a['availability']['1d'] - t['1d']) < 0.02 else 1)"
}
http_get "$D/api/v1/targets/flip" > "$WORK/flip.json"
check "services: the Angebot's 1d availability is the target's" svc
area() {
	http_get "$D/api/v1/areas/16051000" | python3 -c "
import json,sys
d=json.load(sys.stdin); t=json.load(open('$WORK/flip.json'))['uptime']
sys.exit(0 if d['availability']['1d'] is not None and abs(d['availability']['1d'] - t['1d']) < 0.02 else 1)"
}
check "areas: the Gemeinde's 1d availability is its one Angebot's" area
# ro_same: the rollout's ozg_uptime_ratio of flip equals the RRD's uptime as of
# the rollout's last computation (ozgmon_rollout_last_compute_timestamp_seconds).
ro_same() {
	local m ts r
	m=$(metric 'ozg_uptime_ratio{dienst="flip",window="1d"}' "$D")
	ts=$(metric ozgmon_rollout_last_compute_timestamp_seconds "$D")
	[ -n "$m" ] && [ -n "$ts" ] || return 1
	r=$(rrd_up flip "${ts%.*}")
	echo "    rollout flip: $m, rrd $r" >> "$WORK/same.log"
	awk -v a="$m" -v r="$r" 'BEGIN { split(r, x, " "); exit !(x[2] > 0 && (a - x[1] < 0 ? x[1] - a : a - x[1]) <= 3 * x[3] / x[2] + 1e-9) }'
}

echo "== restart: seeded from the RRD files"
stop_daemon TERM
check "clean stop" [ "$RC" = 0 ]
rrd_before=$(rrd_up flip)
t_restart=$(date +%s)
check "daemon healthy again" start_daemon 10 "$WORK/d2.log" --config "$WORK/m.yml"
known() { is_num "$(api_up flip)"; }
check "flip's uptime is known right after the restart" wait_for 3 known
check "the log tells the seeding from 3 files" wait_for 5 grep -q "availability of 3 targets seeded in .* 3 from their RRD files" "$WORK/d2.log"
after=$(api_up flip)
check "the seeded uptime equals the RRD's before the restart ($after vs $rrd_before)" \
	awk -v a="$after" -v r="$rrd_before" 'BEGIN { split(r, x, " "); exit !(x[2] > 0 && (a - x[1] < 0 ? x[1] - a : a - x[1]) <= 3 * x[3] / x[2] + 1e-9) }'
first_ok() {
	http_get "$D/api/v1/targets/up" | python3 -c "
import json,sys,calendar,time
v=json.load(sys.stdin)['first_success_at']
t=calendar.timegm(time.strptime(v, '%Y-%m-%dT%H:%M:%SZ')) if v else 0
sys.exit(0 if $t_start - 5 <= t < $t_restart else 1)"
}
check "up's first success is the one before the restart (from its file)" first_ok
check "flip: model and RRD still agree" wait_for 5 same flip
check "up: model and RRD still agree" wait_for 5 same up
check "rollout: within seconds after the restart, flip's ozg_uptime_ratio is the RRD's" wait_for 10 ro_same
stop_daemon TERM
check "clean stop after the restart" [ "$RC" = 0 ]
cat "$WORK/same.log"
echo "test_model: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
