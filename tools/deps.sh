#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# deps.sh - install what ozgmon needs to build, test and run on Debian 12.
#
# Idempotent and quick when everything is present (one dpkg-query call).
# Usage: tools/deps.sh [build|test|all|package]   (default: all)
set -eu

BUILD_PKGS="gcc make pkg-config libcurl4-openssl-dev librrd-dev libmicrohttpd-dev libgnutls28-dev libjansson-dev libyaml-dev zlib1g-dev libcrypt-dev libpcre2-dev"
RUN_PKGS="rrdtool curl openssl tzdata"	# openssl: the demo's HTTPS certificates (tools/demo-certs.sh)
# chromium: the dashboards' browser test (tests/e2e/run.sh), which also needs node and npm
# (installed below when no node is on the machine); no browser is ever downloaded.
TEST_PKGS="check procps valgrind rrdcached prometheus openssl chromium chromium-driver"
# the fault tests: a fake loopback resolver (python3), clock steps (faketime), unshare (util-linux)
TEST_PKGS="$TEST_PKGS python3 faketime util-linux"
# the Prometheus rules test renders its expected alerts with PyYAML
TEST_PKGS="$TEST_PKGS python3-yaml"
# the exposition test parses /metrics with the Python client's strict OpenMetrics parser
TEST_PKGS="$TEST_PKGS python3-prometheus-client"
# tidy: the HTML monthly report is validated with tidy -e (tests/integration/test_rollout.sh)
TEST_PKGS="$TEST_PKGS tidy"
# xmllint: the dashboards' Atom feeds are checked for well-formedness (test_feed.c, test_dashboards.sh)
TEST_PKGS="$TEST_PKGS libxml2-utils"

# The man page test (tests/integration/test_man.sh): groff and man.
TEST_PKGS="$TEST_PKGS groff-base man-db"
# The Debian package test (make package-test, tests/package/test_deb.sh):
# building (with its unit tests: check, rrdcached above), checking,
# installing and tracing the package. make deb installs these too.
PKG_PKGS="debhelper dpkg-dev fakeroot lintian adduser systemd strace util-linux groff-base man-db"
# make fuzz (libFuzzer, clang's runtime); the hostile-client test's tool runs on python3 (above)
TEST_PKGS="$TEST_PKGS clang libclang-rt-14-dev"

# The benchmarks (bench/collector, bench/daemon): a loopback nginx, blackbox_exporter beside ozgmond, wrk
TEST_PKGS="$TEST_PKGS nginx prometheus-blackbox-exporter wrk"

# The browser test runs on node: Debian's when the machine has none of its own.
command -v node >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS nodejs npm"

case "${1:-all}" in
	build) want="$BUILD_PKGS $RUN_PKGS" ;;
	test|all) want="$BUILD_PKGS $RUN_PKGS $TEST_PKGS" ;;
	package) want="$BUILD_PKGS $RUN_PKGS check rrdcached $PKG_PKGS" ;;
	*) echo "usage: $0 [build|test|all|package]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "ozgmon: installing missing packages:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ozgmon: apt-get not found: this is not a Debian-like system." >&2
	echo "ozgmon: install these packages (or their equivalents) by hand:$missing" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "ozgmon: not root and no password-less sudo; as root, run:" >&2
		echo "    apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first: on a machine whose lists
# are current this avoids the network entirely.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	$SUDO apt-get update -q >/dev/null
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
echo "ozgmon: packages installed." >&2
