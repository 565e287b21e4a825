#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_probes.sh - the probe options blackbox_exporter and Gatus users expect,
# against the simulator: PCRE2 regular expressions (\d, (?i), a body that
# would backtrack for ever), each asserted by its result class and reason.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-probes
daemon_port

check "simulator started" start_sim
check "simulator answers on $SIM_PORT" sim_answers

{
	cat <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 2s
  timeout: 1500ms
  connect_to: [ "portal.test:80:127.0.0.1:$SIM_PORT" ]
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
YAML
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
RES
check "backtracking body: reason names the match limit" \
	grep -q "probe re-backtrack: content: body: /^(a+)+\$/ undecided within the match limit" "$WORK/d.log"
check "case: reason names the pattern" grep -q "probe re-case: content: body does not match /status: eingegangen/" "$WORK/d.log"

stop_daemon TERM
check "SIGTERM: exit 0" [ "$RC" = 0 ]

if [ "$FAIL" -ne 0 ]; then
	echo "--- daemon log (last 40 lines)"; tail -40 "$WORK/d.log"
	echo "--- simulator log (last 20 lines)"; tail -20 "$WORK/sim.log"
fi
echo "probes: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
