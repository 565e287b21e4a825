#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# demo-past.sh BIN_DIR CONFIG DATA_DIR - give the demo a simulated past.
#
# Writes 90 days of probe history for every Onlinedienst of CONFIG and a year
# of rollout steps into DATA_DIR, before the daemon starts, so that graphs and
# trends are full from the first page view (`ozgmond demo-past`,
# docs/rollout.md, "The demo's simulated past").  DATA_DIR/SIMULATED marks it.
#
# Only for the demo: ozgmond refuses a configuration that does not route every
# portal to a local simulator, and a data directory that holds measurements.
# A data directory that already has a simulated past is left as it is; remove
# it (rm -r DATA_DIR) for a fresh one.  Never exits non-zero for a refusal:
# the demo then starts without a past.
set -u
BIN_DIR=${1:?BIN_DIR}
CONFIG=${2:?CONFIG}
DATA_DIR=${3:?DATA_DIR}

t0=$(date +%s.%N)
if out=$("$BIN_DIR/ozgmond" demo-past --config "$CONFIG" --data-dir "$DATA_DIR" 2>&1); then
	if [ -n "$out" ]; then
		echo "ozgmon demo: ${out#ozgmond demo-past: }"
	else
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" -v d="$DATA_DIR" 'BEGIN {
			printf "ozgmon demo: simulated past written in %.1f s (%s/SIMULATED)\n", b - a, d }'
	fi
else
	echo "ozgmon demo: no simulated past: ${out#ozgmond demo-past: }" >&2
fi
exit 0
