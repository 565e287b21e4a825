#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run-demo.sh BIN_DIR - start the portal simulator and ozgmond on the demo.
#
# Environment: LISTEN (default 127.0.0.1:9717), DATA_DIR (default run/data),
# SIM_LISTEN (default 127.0.0.1:18080; config/demo.yml routes every portal
# host name there), TLS_SOON and TLS_EXPIRED (default 127.0.0.1:18443 and
# :18444: the simulator's HTTPS listeners for the two HTTPS portals).
# Ctrl-C, or SIGTERM to make or to this script, stops both cleanly.
#
# Before the daemon starts: certificates for the HTTPS portals are made
# (tools/demo-certs.sh into run/demo-certs/: one expires in 10 days, one
# expired 3 days ago), and an
# empty DATA_DIR gets a simulated past (tools/demo-past.sh; marked by
# DATA_DIR/SIMULATED).
set -u
cd "$(dirname "$0")/.."
BIN_DIR=${1:-bin}
LISTEN=${LISTEN:-127.0.0.1:9717}
DATA_DIR=${DATA_DIR:-run/data}
SIM_LISTEN=${SIM_LISTEN:-127.0.0.1:18080}
TLS_SOON=${TLS_SOON:-127.0.0.1:18443}
TLS_EXPIRED=${TLS_EXPIRED:-127.0.0.1:18444}
CERT_DIR=run/demo-certs
CONFIG=config/demo.yml

mkdir -p "$DATA_DIR" run
SIM_PID=""
D_PID=""
stop() {
	trap - INT TERM
	echo
	echo "ozgmon demo: stopping"
	[ -n "$D_PID" ] && kill -TERM "$D_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null
	wait
	exit 0
}
trap stop INT TERM

"$BIN_DIR/ozgmond" --check-config "$CONFIG" || exit 1

if [ "$SIM_LISTEN" != "127.0.0.1:18080" ] || [ "$TLS_SOON" != "127.0.0.1:18443" ] ||
   [ "$TLS_EXPIRED" != "127.0.0.1:18444" ]; then
	# The demo config routes portals to 127.0.0.1:18080 (18443, 18444 for
	# HTTPS); follow an override.
	sed -e "s/::127\.0\.0\.1:18080/::$SIM_LISTEN/" -e "s/:443:127\.0\.0\.1:18443/:443:$TLS_SOON/" \
		-e "s/:443:127\.0\.0\.1:18444/:443:$TLS_EXPIRED/" \
		-e "s#\.\./data/registers/#$PWD/data/registers/#" "$CONFIG" > run/demo.yml
	CONFIG=run/demo.yml
fi

SIM_TLS=()
if tools/demo-certs.sh "$CERT_DIR"; then
	SIM_TLS=(--tls "$TLS_SOON,$CERT_DIR/soon.pem,$CERT_DIR/soon.key"
		 --tls "$TLS_EXPIRED,$CERT_DIR/expired.pem,$CERT_DIR/expired.key")
else
	echo "ozgmon demo: no certificates (openssl missing or failing): the two HTTPS portals stay down" >&2
fi

# A simulated past for an empty data directory (never for measured data).
tools/demo-past.sh "$BIN_DIR" "$CONFIG" "$DATA_DIR"

"$BIN_DIR/ozgmon-sim" --listen "$SIM_LISTEN" --profile config/demo-sim.profile "${SIM_TLS[@]}" &
SIM_PID=$!
for _ in $(seq 1 50); do
	curl -sf -o /dev/null --max-time 1 "http://$SIM_LISTEN/_sim/health" && break
	kill -0 "$SIM_PID" 2>/dev/null || { echo "ozgmon demo: the simulator did not start" >&2; exit 1; }
	sleep 0.1
done

"$BIN_DIR/ozgmond" --config "$CONFIG" --listen "$LISTEN" --data-dir "$DATA_DIR" &
D_PID=$!
for _ in $(seq 1 50); do
	curl -sf -o /dev/null --max-time 1 "http://$LISTEN/-/healthy" && break
	kill -0 "$D_PID" 2>/dev/null || { echo "ozgmon demo: ozgmond did not start" >&2; kill "$SIM_PID"; exit 1; }
	sleep 0.1
done

cat <<MSG

  ozgmon demo is running (simulated Thüringen portals on $SIM_LISTEN)
    Dashboard:  http://$LISTEN/
    Metrics:    http://$LISTEN/metrics
    Simulator:  http://$SIM_LISTEN/_sim/hosts   (switch a portal: see docs/simulator.md)
    RRD files:  $DATA_DIR/rrd/
    HTTPS:      two portals on $TLS_SOON (certificate expires in 10 days)
                and $TLS_EXPIRED (certificate expired)
  The history before the start is simulated ($DATA_DIR/SIMULATED says so).
  Every target is probed within its first interval (30 s). Ctrl-C stops both.

MSG
# Stop when the daemon ends, or when make (our parent) is gone: a SIGTERM
# to make alone would otherwise leave both servers running.
PARENT=$PPID
while kill -0 "$D_PID" 2>/dev/null && kill -0 "$PARENT" 2>/dev/null; do
	sleep 1
done
stop
