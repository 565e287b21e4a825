# SPDX-License-Identifier: EUPL-1.2
# lib.sh - helpers for ozgmon's integration tests (sourced by bash scripts).
# Traffic goes to 127.0.0.1 only.  Every wait is bounded.

PASS=0
FAIL=0

# The sanitizer ozgmond was built with: asan, tsan or none.  ThreadSanitizer
# runs the programs 5-15 times slower, so waits and request time limits
# stretch by SLOW; limits that measure performance say for themselves what
# they expect under a sanitizer.
SANITIZER=none
case $(ldd "${BIN_DIR:-bin}/ozgmond" 2>/dev/null) in
*libtsan*) SANITIZER=tsan ;;
*libasan*) SANITIZER=asan ;;
esac
SLOW=1
[ "$SANITIZER" = tsan ] && SLOW=6

ok() { PASS=$((PASS + 1)); printf '  ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf '  FAIL %s\n' "$*"; }
check() { # check "description" command...
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
# Scripts that run side by side (run.sh: PORT_SLOT of PORT_SLOTS) take ports
# from disjoint sets, so one cannot take a port the other found free a moment
# before, or one it keeps closed on purpose.
port_in_slot() { echo $(($1 - $1 % ${PORT_SLOTS:-1} + ${PORT_SLOT:-0})); }
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(port_in_slot $((20000 + RANDOM % 12000)))	# below the ephemeral range (32768+)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS command...: retries every 0.2 s until the command succeeds
# (SECONDS times SLOW).
wait_for() {
	local secs=$1 i; shift
	for i in $(seq 1 $((secs * 5 * SLOW))); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

http_get() { curl -sS --max-time $((5 * SLOW)) "$@"; }
# code CURL-ARGS...: the HTTP status of one request (000: none came).
code() { curl -s -o /dev/null -w '%{http_code}' --max-time $((10 * SLOW)) "$@"; }

# metric NAME_WITH_LABELS URL: prints the sample value, or nothing.
metric() {
	http_get "$2/metrics" 2>/dev/null | awk -v k="$1" '$1 == k { print $2; exit }'
}

metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }

# make_test_certs DIR: a test CA and leaf certificates in DIR (openssl CLI):
#   ca.pem/ca.key            the CA (valid 1 year)
#   valid.pem/valid.key      valid.portal.test, signed by the CA, valid 30 days
#   self.pem/self.key        self.portal.test, self-signed
#   expired.pem/expired.key  expired.portal.test, signed by the CA, 2020-01-01 .. 2021-01-01
make_test_certs() {
	local d=$1 ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	mkdir -p "$d/db" || return 1
	(
		cd "$d" || exit 1
		openssl req -x509 $ec -keyout ca.key -out ca.pem -days 365 -subj "/CN=ozgmon test CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign" &&
		openssl req $ec -keyout valid.key -out valid.csr -subj "/CN=valid.portal.test" \
			-addext "subjectAltName=DNS:valid.portal.test" &&
		openssl req $ec -keyout expired.key -out expired.csr -subj "/CN=expired.portal.test" \
			-addext "subjectAltName=DNS:expired.portal.test" &&
		openssl req -x509 $ec -keyout self.key -out self.pem -days 30 -subj "/CN=self.portal.test" \
			-addext "subjectAltName=DNS:self.portal.test" &&
		: > db/index.txt && echo 01 > db/serial &&
		cat > ca.cnf <<'CNF' &&
[ ca ]
default_ca = tca
[ tca ]
database = db/index.txt
serial = db/serial
new_certs_dir = db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = pol
copy_extensions = copy
unique_subject = no
[ pol ]
commonName = supplied
CNF
		openssl ca -batch -notext -config ca.cnf -in valid.csr -out valid.pem -days 30 &&
		openssl ca -batch -notext -config ca.cnf -in expired.csr -out expired.pem \
			-startdate 20200101000000Z -enddate 20210101000000Z
	) >/dev/null 2>&1
}

# cert_end_epoch PEM: the certificate's notAfter in seconds since the epoch.
cert_end_epoch() {
	date -u -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%s
}

# free_port_low: like free_port, but below the kernel's ephemeral range
# (/proc/sys/net/ipv4/ip_local_port_range, 32768 by default), where busy
# machines keep thousands of outgoing connections: a port found free there
# can be taken by one of them before the daemon binds it.
free_port_low() {
	local lo p i
	lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$lo" ] && [ "$lo" -gt 12000 ] || lo=32768
	for i in $(seq 1 200); do
		p=$(port_in_slot $((10000 + RANDOM % (lo - 10000 - ${PORT_SLOTS:-1}))))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---- the frame of a script that runs ozgmond, ozgmon-sim and rrdcached ----------
# ROOT (default: the current directory, the checkout) and BIN_DIR (default bin)
# say what runs.  make_work makes the scratch directory WORK and sets cleanup as
# the exit trap: it kills what the script started (SIM_PID, D_PID, RC_PID and the
# array PIDS), runs what at_exit registered, and removes WORK (kept, and named,
# when KEEP_WORK is set).  A script that stops a process itself empties its
# variable.
SIM_PID=""
D_PID=""
RC_PID=""
PIDS=()
D_WRAP=()
AT_EXIT=()

# make_work NAME: WORK=/tmp/NAME.XXXXXX; an interrupt or SIGTERM leaves through
# cleanup too.
make_work() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# at_exit COMMAND: evaluated by cleanup once the processes are gone, before WORK
# is removed.
at_exit() { AT_EXIT+=("$1"); }

cleanup() {
	local p c
	for p in ${D_PID:-} ${RC_PID:-} ${SIM_PID:-} "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null
	for c in "${AT_EXIT[@]}"; do eval "$c" || true; done
	if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}

# start_sim [ozgmon-sim options...]: the simulator on 127.0.0.1 at a port the
# kernel picks (no other process can take it between choice and bind), logging
# to $WORK/sim.log; sets SIM_PID, SIM_PORT and SIM (its URL).  True once the log
# names the port (bounded wait).  Its HTTP API: sim_answers.
start_sim() {
	SIM_PORT="" SIM=""
	"${BIN_DIR:-bin}/ozgmon-sim" --listen "127.0.0.1:0" "$@" >"$WORK/sim.log" 2>&1 &
	SIM_PID=$!
	wait_for 10 grep -q "listening on" "$WORK/sim.log" || return 1
	SIM_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/sim.log")
	SIM="http://127.0.0.1:$SIM_PORT"
}

# sim_answers: waits (bounded) until the simulator's own health URL answers.
sim_answers() { wait_for 10 http_get -o /dev/null "$SIM/_sim/health"; }

# sim_tls_port NAME: the port the simulator took for `--tls 127.0.0.1:0,.../NAME.pem,...`.
sim_tls_port() { sed -n "s|.*HTTPS on 127\.0\.0\.1:0 port \([0-9]*\) with .*/$1\.pem\$|\1|p" "$WORK/sim.log"; }

# daemon_port: D_PORT, a free port for ozgmond below the ephemeral range, and D, its URL.
daemon_port() {
	D_PORT=$(free_port_low) || { echo "no free port"; exit 1; }
	D="http://127.0.0.1:$D_PORT"
}

# start_daemon SECS LOG [ozgmond options...]: starts $BIN_DIR/ozgmond with the
# options (behind the command in the array D_WRAP, such as env or unshare, when
# set), its output in LOG; sets D_PID.  True once $D/-/healthy answers within
# SECS seconds; false as soon as the daemon has exited.
start_daemon() {
	local secs=$1 log=$2
	shift 2
	"${D_WRAP[@]}" "${BIN_DIR:-bin}/ozgmond" "$@" >"$log" 2>&1 &
	D_PID=$!
	answers_while_up "$secs" "$D_PID" "$D/-/healthy"
}

# answers_while_up SECS PID URL [curl options...]: waits up to SECS seconds until
# URL answers; false as soon as PID has exited.
answers_while_up() {
	local secs=$1 pid=$2 url=$3 i
	shift 3
	for i in $(seq 1 $((secs * 5 * SLOW))); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 2 "$@" "$url" && return 0
		sleep 0.2
	done
	return 1
}

# stop_daemon SIGNAL: signals ozgmond and waits for it; its exit status in RC.
stop_daemon() { kill -"$1" "$D_PID"; wait "$D_PID"; RC=$?; D_PID=""; }

# registers_yaml [DIR]: the configuration's registers block, Thüringen's
# registers of 2021-11-30 from DIR (default: the checkout's data/registers).
registers_yaml() {
	local r=${1:-${ROOT:-$PWD}/data/registers}
	cat <<YAML
registers:
  land: { key: "16", name: "Thüringen" }
  kreise: $r/thueringen_kreise_2021-11-30.csv
  verbaende: $r/thueringen_gemeindeverbaende_2021-11-30.csv
  gemeinden: $r/thueringen_gemeinden_2021-11-30.csv
  leistungen: $r/ozg_leistungen.csv
YAML
}

# demo_config OUT [sed options...]: config/demo.yml for this run into OUT: the
# simulator at SIM_PORT, the registers of the checkout, then the caller's edits.
demo_config() {
	local out=$1
	shift
	sed -e "s/::127\.0\.0\.1:18080/::127.0.0.1:$SIM_PORT/" \
		-e "s#\.\./data/registers/#${ROOT:-$PWD}/data/registers/#" \
		-e "s#\.\./data/geo/#${ROOT:-$PWD}/data/geo/#" "$@" config/demo.yml > "$out"
}

# start_rrdcached SOCKET BASE_DIR: rrdcached on the unix SOCKET, writing under
# BASE_DIR, its journal in $WORK/journal and its log appended to $WORK/rrdc.log;
# sets RC_PID.  True once the socket exists (bounded wait).
start_rrdcached() {
	rm -f "$1" "$WORK/rrdc.pid"
	mkdir -p "$WORK/journal"
	rrdcached -g -l "unix:$1" -p "$WORK/rrdc.pid" -b "$2" -B -j "$WORK/journal" -F \
		>>"$WORK/rrdc.log" 2>&1 &
	RC_PID=$!
	wait_for 10 test -S "$1"
}

# num NAME: the value of the sample NAME at $D, 0 when absent.
num() { local v; v=$(metric "$1" "$D"); echo "${v:-0}"; }
at_least() { awk -v v="$(num "$1")" -v n="$2" 'BEGIN { exit !(v >= n) }'; }
above() { awk -v v="$(num "$1")" -v n="$2" 'BEGIN { exit !(v > n) }'; }

# shutdown_counts LOG: the daemon's last shutdown account in LOG, "collector: C
# probes completed, A aborted (N at the stop), P started" and "store: W updates
# written, D dropped, S stale, ...", into ACC_C, ACC_A, ACC_P, ACC_W, ACC_D and
# ACC_S; false when either line is missing.
# accounted LOG: besides, every probe started completed or was aborted, and
# every completed probe is written, dropped or stale.
shutdown_counts() {
	local c w
	c=$(sed -n 's/.*collector: \([0-9]*\) probes completed, \([0-9]*\) aborted .*, \([0-9]*\) started$/\1 \2 \3/p' "$1" | tail -1)
	read -r ACC_C ACC_A ACC_P <<<"$c"
	w=$(sed -n 's/.*store: \([0-9]*\) updates written, \([0-9]*\) dropped, \([0-9]*\) stale.*/\1 \2 \3/p' "$1" | tail -1)
	read -r ACC_W ACC_D ACC_S <<<"$w"
	[ -n "$c" ] && [ -n "$w" ]
}
accounted() {
	shutdown_counts "$1" && [ "$ACC_P" = $((ACC_C + ACC_A)) ] &&
		[ "$ACC_C" = $((ACC_W + ACC_D + ACC_S)) ]
}

# result_is ID RESULT: the target's last probe had that result class.
result_is() { metric_is "ozg_probe_result{dienst=\"$1\",result=\"$2\"}" "$D" 1; }

# v NAME: the value of the sample NAME in the scrape the script holds in M.
v() { awk -v k="$1" '$1 == k { print $2; exit }' <<<"$M"; }

# sim_certs WHAT: the test certificates (make_test_certs) in C=$WORK/certs and,
# in the array SIM_TLS, the simulator's --tls options serving valid, self and
# expired on kernel-chosen ports (sim_tls_port); have_tls=1.  Without openssl:
# have_tls=0, SIM_TLS empty, and it says the WHAT cases are skipped.
sim_certs() {
	C=$WORK/certs
	SIM_TLS=()
	have_tls=1
	if ! command -v openssl >/dev/null || ! make_test_certs "$C"; then
		echo "  (openssl missing or failed: $1 cases skipped)"
		have_tls=0
		return 0
	fi
	SIM_TLS=(--tls "127.0.0.1:0,$C/valid.pem,$C/valid.key"
		--tls "127.0.0.1:0,$C/self.pem,$C/self.key"
		--tls "127.0.0.1:0,$C/expired.pem,$C/expired.key")
}

# start_prometheus CONFIG: a Prometheus server with CONFIG, its data in
# $WORK/prom and its log in $WORK/prom.log, on a free port (up to four are
# tried: another process may take one first); sets PROM_PID (added to PIDS;
# empty when it did not start), P_PORT and P, its URL.  True once it is healthy.
start_prometheus() {
	local i
	PROM_PID=""
	for i in 1 2 3 4; do
		P_PORT=$(free_port) || return 1
		P="http://127.0.0.1:$P_PORT"
		rm -rf "$WORK/prom"
		prometheus --config.file="$1" --storage.tsdb.path="$WORK/prom" \
			--web.listen-address="127.0.0.1:$P_PORT" --log.level=warn >"$WORK/prom.log" 2>&1 &
		PROM_PID=$!
		if answers_while_up 20 "$PROM_PID" "$P/-/healthy"; then
			PIDS+=("$PROM_PID")
			return 0
		fi
		kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; PROM_PID=""
	done
	return 1
}
