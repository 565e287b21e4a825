#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_notify.sh - ozgmond under systemd's eyes, without systemd: a receiver
# on a NOTIFY_SOCKET datagram socket (python3, stdlib) stands in for it.
#
# Asserts: READY=1 once the daemon listens and probes; WATCHDOG=1 pings at
# half of WATCHDOG_USEC, repeated; a SIGHUP with a good file gives
# RELOADING=1 (with MONOTONIC_USEC=) then READY=1 and a STATUS= saying it
# reloaded; the unit's own ExecReload= lines exit non-zero for a broken
# file and send nothing, and a SIGHUP with it gives READY=1 with a STATUS=
# saying the reload failed; SIGTERM gives STOPPING=1; with JOURNAL_STREAM
# naming the daemon's stderr its lines carry syslog priorities ("<4>" for a
# warning) and no timestamp; the shutdown account after a reload counts the
# whole run (completed = written + dropped + stale, and written at least
# ozgmon_rrd_updates_total); an abstract socket ("@name") works, and a
# WATCHDOG_PID of another process means no pings.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-notify-it
command -v python3 >/dev/null || { echo "python3 missing"; exit 1; }

cat >"$WORK/recv.py" <<'PY'
# SPDX-License-Identifier: EUPL-1.2
# recv.py ADDRESS LOG: what systemd's notify socket would receive, one
# datagram a line (newlines inside shown as '|'), after a line "BOUND".
import socket, sys, time
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(out, "a", buffering=1) as f:
    f.write("BOUND\n")
    while True:
        d = s.recv(65536)
        f.write("%.3f %s\n" % (time.monotonic(), d.decode("utf-8", "replace").replace("\n", "|")))
PY

# start_recv ADDRESS LOG: the receiver in the background (PIDS), bound (bounded wait).
start_recv() {
	python3 "$WORK/recv.py" "$1" "$2" 2>>"$WORK/recv.err" &
	PIDS+=($!)
	wait_for 10 grep -qx BOUND "$2"
}
# count LOG REGEX: datagrams in LOG matching REGEX.
count() { grep -cE "$2" "$1" || true; }
# after LOG FIRST SECOND: a datagram matching SECOND follows the last one matching FIRST.
after() {
	awk -v a="$2" -v b="$3" '$0 ~ a { seen = NR; ok = 0 } seen && NR > seen && $0 ~ b { ok = 1 } END { exit !ok }' "$1"
}

daemon_port
cat >"$WORK/sim.profile" <<PROF
down.portal.test down
PROF
start_sim --profile "$WORK/sim.profile"
check "simulator answers" sim_answers

# write_config FILE DATA_DIR
write_config() {
	cat >"$1" <<YAML
global:
  listen: "127.0.0.1:$D_PORT"
  data_dir: $2
  interval: 1s
  timeout: 1s
  connect_to: [ "::127.0.0.1:$SIM_PORT" ]
$(registers_yaml)
onlinedienste:
  - { id: ok, url: "http://ok.portal.test/antrag" }
  - { id: down, url: "http://down.portal.test/antrag" }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: ok, reifegrad: 3 }
YAML
}
CFG=$WORK/ozgmon.yml
write_config "$CFG" "$WORK/data"
check "config is valid" "$BIN_DIR/ozgmond" --check-config "$CFG"

# exec_reload PID: the unit's ExecReload= lines, run as systemd runs them
# (in order, the first failure fails the reload), on this tree's paths.
exec_reload() {
	local line
	while IFS= read -r line; do
		line=${line#ExecReload=}
		line=${line//@SBINDIR@\/ozgmond/$BIN_DIR/ozgmond}
		line=${line//@SYSCONFDIR@\/ozgmon\/ozgmon.yml/$CFG}
		line=${line//\$MAINPID/$1}
		line=${line//\/bin\/kill/kill}
		eval "$line" >>"$WORK/reload.out" 2>&1 || return 1
	done < <(grep '^ExecReload=' dist/ozgmond.service.in)
}

echo "== notifications and the watchdog (socket in the work directory)"
N=$WORK/notify.log
check "receiver bound to $WORK/notify.sock" start_recv "$WORK/notify.sock" "$N"
LOG=$WORK/d.log
: >"$LOG"
# The daemon's stderr is $LOG: JOURNAL_STREAM names it, as systemd names the journal's stream.
JS=$(stat -c '%d:%i' "$LOG")
D_WRAP=(env NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=2000000 JOURNAL_STREAM="$JS"
	bash -c 'export WATCHDOG_PID=$$; exec "$@"' _)
check "ozgmond starts" start_daemon 10 "$LOG" --config "$CFG"
D_WRAP=()
check "READY=1 arrives, with a STATUS=" wait_for 10 grep -qE ' READY=1[|]STATUS=probing 2 targets' "$N"
check "/-/healthy answers once READY=1 was sent" [ "$(code "$D/-/healthy")" = 200 ]
check "the watchdog is announced at half the period (1000 ms)" \
	wait_for 5 grep -q 'watchdog: pinging systemd every 1000 ms' "$LOG"
check "WATCHDOG=1 pings repeat (3 or more)" wait_for 15 bash -c "[ \$(grep -c ' WATCHDOG=1\$' '$N') -ge 3 ]"
check "no ping before READY=1" awk '/ READY=1/ { exit 0 } / WATCHDOG=1/ { exit 1 }' "$N"
check "probes are written" wait_for 15 at_least ozgmon_rrd_updates_total 4

echo "== reload with a good file"
# A good file that moves global.data_dir: taken at the next start only, with a warning.
write_config "$CFG" "$WORK/data2"
kill -HUP "$D_PID"
check "RELOADING=1 with MONOTONIC_USEC=" \
	wait_for 10 grep -qE ' RELOADING=1[|]MONOTONIC_USEC=[0-9]+[|]STATUS=reloading ' "$N"
check "then READY=1, STATUS= says reloaded" \
	wait_for 10 after "$N" 'RELOADING=1' "READY=1[|]STATUS=reloaded $CFG: 2 targets"
check "the log says reloaded" wait_for 10 grep -q "reloaded $CFG" "$LOG"
check "pings go on after the reload" \
	wait_for 10 after "$N" 'STATUS=reloaded' 'WATCHDOG=1'
check "journal format: the warning line starts with <4>" \
	wait_for 5 grep -q '^<4>warn: reload: global.listen, global.data_dir' "$LOG"
check "journal format: info lines start with <6>" grep -q '^<6>info: reloaded ' "$LOG"
check "journal format: every line has a priority and no timestamp" \
	bash -c "! grep -vE '^<[3467]>(debug|info|warn|error): ' '$LOG'"
write_config "$CFG" "$WORK/data"
check "back to the first data_dir (ExecReload= of the unit)" exec_reload "$D_PID"
check "  ... reloaded again" wait_for 10 bash -c "[ \$(grep -c 'STATUS=reloaded' '$N') -ge 2 ]"

echo "== reload with a broken file"
printf 'global:\n  interval: [\n' >"$CFG"
before=$(count "$N" 'RELOADING=1')
exec_reload "$D_PID"
rc=$?
check "the unit's ExecReload= exits non-zero ($rc)" [ "$rc" != 0 ]
check "  ... and names the place in the file" grep -q "$CFG:[0-9]*:[0-9]*" "$WORK/reload.out"
sleep 1
check "  ... and sends the daemon nothing (no RELOADING=1)" [ "$(count "$N" 'RELOADING=1')" = "$before" ]
kill -HUP "$D_PID"	# past the check: the daemon itself refuses it
check "SIGHUP with it: RELOADING=1, then READY=1 with STATUS= saying it failed" \
	wait_for 10 after "$N" 'RELOADING=1' 'READY=1[|]STATUS=reload failed: .*: 1 error; the running configuration stays'
check "the failure is logged with priority <3>" grep -q '^<3>error: reload: ' "$LOG"
check "ozgmon_config_last_reload_successful 0" metric_is ozgmon_config_last_reload_successful "$D" 0
check "still probing after it" wait_for 10 metric_is 'ozg_probe_success{dienst="ok"}' "$D" 1

echo "== stop"
write_config "$CFG" "$WORK/data"
written_before=$(num ozgmon_rrd_updates_total)
stop_daemon TERM
check "SIGTERM: clean exit ($RC)" [ "$RC" = 0 ]
check "STOPPING=1 arrives" wait_for 5 grep -qE ' STOPPING=1([|]|$)' "$N"
check "no datagram after STOPPING=1 (no ping from a stopping daemon)" \
	bash -c "! awk '/ STOPPING=1/ { s = 1; next } s' '$N' | grep -q ."
shutdown_counts "$LOG"
check "the shutdown account covers the whole run: $ACC_C completed = $ACC_W written + $ACC_D dropped + $ACC_S stale" \
	accounted "$LOG"
check "written ($ACC_W) counts the stores before the reloads too (metric before the stop: $written_before)" \
	[ "${ACC_W:-0}" -ge "$written_before" ]

echo "== abstract socket; a WATCHDOG_PID of another process"
NA=$WORK/notify-abstract.log
ABS="@ozgmon-notify-test-$$"
check "receiver bound to $ABS" start_recv "$ABS" "$NA"
D_WRAP=(env NOTIFY_SOCKET="$ABS" WATCHDOG_USEC=1000000 WATCHDOG_PID=1)
check "ozgmond starts" start_daemon 10 "$WORK/d2.log" --config "$CFG"
D_WRAP=()
check "READY=1 arrives on the abstract socket" wait_for 10 grep -q ' READY=1' "$NA"
sleep 2
check "no WATCHDOG=1: the watchdog is for process 1" [ "$(count "$NA" 'WATCHDOG=1')" = 0 ]
check "terminal format without JOURNAL_STREAM (timestamp first)" \
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ozgmond\[[0-9]+\] info: ' "$WORK/d2.log"
stop_daemon TERM
check "STOPPING=1 there too" wait_for 5 grep -q ' STOPPING=1' "$NA"

echo "notify: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
