#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# valgrind.sh - every unit test, and ozgmond probing the simulator for a few
# rounds, under valgrind's memcheck: no invalid access, no leak at exit.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
	--suppressions=tests/valgrind.supp)

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	log=$(mktemp)
	if CK_FORK=no "${VG[@]}" "$t" >"$log" 2>&1; then
		ok "valgrind $(basename "$t")"
	else
		bad "valgrind $(basename "$t")"; tail -30 "$log"
	fi
	rm -f "$log"
done

make_work ozgmon-vg
daemon_port
start_sim
sim_answers
curl -s -o /dev/null -X PUT "$SIM/_sim/hosts/down.test?mode=down"
cat > "$WORK/vg.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 1s
  timeout: 900ms
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
  - { id: up, url: "http://up.test/a", probe: { body_contains: "Antrag" } }
  - { id: down, url: "http://down.test/b" }
YAML
D_WRAP=("${VG[@]}")
start_daemon 60 "$WORK/d.log" --config "$WORK/vg.yml"
wait_for 60 metric_is ozgmon_ready "$D" 1
for _ in 1 2 3; do http_get -o /dev/null "$D/metrics"; http_get -o /dev/null "$D/"; sleep 1; done
stop_daemon TERM; rc=$RC
if [ "$rc" = 0 ]; then ok "valgrind ozgmond: probes, scrapes, clean stop"; else bad "valgrind ozgmond (exit $rc)"; tail -40 "$WORK/d.log"; fi
echo "valgrind: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
