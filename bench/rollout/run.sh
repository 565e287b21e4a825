#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# bench/rollout/run.sh - time a full rollout recomputation on the demo.
# Usage: bench/rollout/run.sh [CONFIG] [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
make -s build/libozgmon.a
cc -std=c11 -O2 -D_GNU_SOURCE -I. bench/rollout/bench_rollout.c build/libozgmon.a \
	$(pkg-config --cflags --libs libcurl librrd libmicrohttpd jansson yaml-0.1 zlib) -lm -pthread \
	-o build/bench_rollout
build/bench_rollout "${1:-config/demo.yml}" "${2:-50}"
