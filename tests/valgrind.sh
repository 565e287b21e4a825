#!/usr/bin/env bash
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

WORK=$(mktemp -d /tmp/ozgmon-vg.XXXXXX)
SIM_PID=""
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
SIM_PORT=$(free_port); D_PORT=$(free_port)
while [ "$D_PORT" = "$SIM_PORT" ]; do D_PORT=$(free_port); done
"$BIN_DIR/ozgmon-sim" --listen "127.0.0.1:$SIM_PORT" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
wait_for 10 http_get -o /dev/null "http://127.0.0.1:$SIM_PORT/_sim/health"
curl -s -o /dev/null -X PUT "http://127.0.0.1:$SIM_PORT/_sim/hosts/down.test?mode=down"
R=$PWD/data/registers
cat > "$WORK/vg.yml" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $WORK/data
  interval: 1s
  timeout: 900ms
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
registers:
  land: { key: "16", name: "Thüringen" }
  kreise: $R/thueringen_kreise_2021-11-30.csv
  verbaende: $R/thueringen_gemeindeverbaende_2021-11-30.csv
  gemeinden: $R/thueringen_gemeinden_2021-11-30.csv
  leistungen: $R/ozg_leistungen.csv
onlinedienste:
  - { id: up, url: "http://up.test/a", probe: { body_contains: "Antrag" } }
  - { id: down, url: "http://down.test/b" }
YAML
"${VG[@]}" "$BIN_DIR/ozgmond" --config "$WORK/vg.yml" >"$WORK/d.log" 2>&1 &
D_PID=$!
wait_for 60 metric_is ozgmon_ready "http://127.0.0.1:$D_PORT" 1
for _ in 1 2 3; do http_get -o /dev/null "http://127.0.0.1:$D_PORT/metrics"; http_get -o /dev/null "http://127.0.0.1:$D_PORT/"; sleep 1; done
kill -TERM "$D_PID"
wait "$D_PID"; rc=$?
if [ "$rc" = 0 ]; then ok "valgrind ozgmond: probes, scrapes, clean stop"; else bad "valgrind ozgmond (exit $rc)"; tail -40 "$WORK/d.log"; fi
echo "valgrind: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
