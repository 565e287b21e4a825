#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_install.sh - `make install` and `make uninstall`, as a packager and an
# operator use them.
#
# Asserts: with DESTDIR and PREFIX=/usr every file lands where
# docs/deployment.md says, with its mode, and the shipped files name the
# installed paths; the systemd unit verifies (systemd-analyze) and its
# sysusers.d entry makes the user (systemd-sysusers --root); an install
# under a real PREFIX runs: --version, --help, and --check-config of the
# installed example configuration with the installed registers; a changed
# configuration survives a second install and an uninstall, which removes
# everything else.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-inst
# The binaries under test: the sanitizer build when the suite runs with SAN=1.
SANVAR=""
[ "$BIN_DIR" = build-san/bin ] && SANVAR="SAN=1"
mk() { make -s --no-print-directory -C "$ROOT" $SANVAR "$@"; }
VERSION=$(cat VERSION)

echo "== make install DESTDIR=... PREFIX=/usr"
D=$WORK/destdir
mk install DESTDIR="$D" PREFIX=/usr >"$WORK/install.log" 2>&1
check "make install exits 0 ($(tail -1 "$WORK/install.log"))" [ $? = 0 ]
for f in usr/sbin/ozgmond usr/bin/ozgmon-sim; do
	check "$f is installed, mode 755" [ "$(stat -c %a "$D/$f" 2>/dev/null)" = 755 ]
done
for f in usr/share/man/man8/ozgmond.8 usr/share/man/man5/ozgmon.yml.5 \
	usr/share/man/man1/ozgmon-sim.1 etc/ozgmon/ozgmon.yml \
	usr/share/doc/ozgmon/examples/ozgmon.yml usr/share/doc/ozgmon/README.md \
	usr/share/doc/ozgmon/configuration.md usr/lib/systemd/system/ozgmond.service \
	usr/lib/sysusers.d/ozgmon.conf usr/share/ozgmon/registers/SOURCES.md \
	usr/share/ozgmon/prometheus/ozgmon-alerts.yml usr/share/ozgmon/prometheus/ozgmon-recording.yml \
	usr/share/ozgmon/prometheus/prometheus-shards.yml; do
	check "$f is installed, mode 644" [ "$(stat -c %a "$D/$f" 2>/dev/null)" = 644 ]
done
n=0
for f in data/registers/*.csv; do
	cmp -s "$f" "$D/usr/share/ozgmon/registers/${f##*/}" && n=$((n + 1))
done
check "all $(ls data/registers/*.csv | wc -l) registers installed unchanged ($n)" \
	[ "$n" = "$(ls data/registers/*.csv | wc -l)" ]
check "no file outside etc/ and usr/" \
	[ -z "$(cd "$D" && find . -mindepth 1 -maxdepth 1 ! -name etc ! -name usr)" ]

U=$D/usr/lib/systemd/system/ozgmond.service
check "unit: ExecStart names the installed binary and config" \
	grep -qx 'ExecStart=/usr/sbin/ozgmond --config /etc/ozgmon/ozgmon.yml' "$U"
check "unit: no placeholder left" bash -c "! grep -Eq '@[A-Z]+@' '$U'"
check "unit: runs as user ozgmon" grep -qx 'User=ozgmon' "$U"
check "sysusers.d: the same user, home in the state directory" \
	grep -q '^u ozgmon - .* /var/lib/ozgmon ' "$D/usr/lib/sysusers.d/ozgmon.conf"
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$WORK/sysroot/etc"
	systemd-sysusers --root="$WORK/sysroot" "$D/usr/lib/sysusers.d/ozgmon.conf" >/dev/null 2>&1
	check "systemd-sysusers makes the user from it" \
		grep -q '^ozgmon:x:[0-9]*:[0-9]*:.*:/var/lib/ozgmon:/usr/sbin/nologin$' "$WORK/sysroot/etc/passwd"
fi
check "config: registers named under /usr/share/ozgmon/registers" \
	grep -q '^  gemeinden: /usr/share/ozgmon/registers/thueringen_gemeinden' "$D/etc/ozgmon/ozgmon.yml"
check "config in /etc is the example" \
	cmp -s "$D/etc/ozgmon/ozgmon.yml" "$D/usr/share/doc/ozgmon/examples/ozgmon.yml"
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit as installed, its binary path pointed into DESTDIR (verify
	# checks that ExecStart is executable).
	mkdir -p "$WORK/unit"
	sed "s#/usr/sbin/ozgmond#$D/usr/sbin/ozgmond#g" "$U" >"$WORK/unit/ozgmond.service"
	out=$(cd "$WORK/unit" && systemd-analyze verify --man=no ./ozgmond.service 2>&1); rc=$?
	check "systemd-analyze verify: clean ($out)" bash -c '[ "$1" = 0 ] && [ -z "$2" ]' _ "$rc" "$out"
	score=$(cd "$WORK/unit" && systemd-analyze security --offline=true ./ozgmond.service 2>/dev/null |
		sed -n 's/.*Overall exposure level for ozgmond.service: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure ${score:-?} at most 2.0" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
else
	echo "  (systemd-analyze not installed: unit not verified)"
fi

echo "== make install PREFIX=... (the installed programs run)"
P=$WORK/prefix
mk install PREFIX="$P" SYSCONFDIR="$P/etc" >"$WORK/install2.log" 2>&1
check "make install with PREFIX exits 0" [ $? = 0 ]
out=$("$P/sbin/ozgmond" --version 2>&1)
check "ozgmond --version: $out" [ "$out" = "ozgmond $VERSION" ]
check "ozgmond --help names --check-config" grep -q -- '--check-config' <<<"$("$P/sbin/ozgmond" --help)"
check "ozgmon-sim --help" "$P/bin/ozgmon-sim" --help >/dev/null
out=$("$P/sbin/ozgmond" --check-config "$P/etc/ozgmon/ozgmon.yml" 2>&1); rc=$?
check "installed config loads with the installed registers ($out)" \
	bash -c '[ "$1" = 0 ] && grep -q "631 Gemeinden.*557 OZG-Leistungen" <<<"$2"' _ "$rc" "$out"
check "the config names the registers under the PREFIX" \
	grep -q "$P/share/ozgmon/registers/ozg_leistungen.csv" "$P/etc/ozgmon/ozgmon.yml"

echo "== an operator's configuration survives"
echo "# changed by the operator" >>"$P/etc/ozgmon/ozgmon.yml"
mk install PREFIX="$P" SYSCONFDIR="$P/etc" >"$WORK/install3.log" 2>&1
check "second install keeps the changed config" grep -q 'changed by the operator' "$P/etc/ozgmon/ozgmon.yml"
check "and says so" grep -q "keeping $P/etc/ozgmon/ozgmon.yml" "$WORK/install3.log"
mk uninstall PREFIX="$P" SYSCONFDIR="$P/etc" >"$WORK/uninstall.log" 2>&1
check "make uninstall exits 0" [ $? = 0 ]
check "uninstall keeps the changed config" [ -f "$P/etc/ozgmon/ozgmon.yml" ]
left=$(cd "$P" && find . -type f | grep -v '^./etc/ozgmon/ozgmon.yml$')
check "uninstall removes every other file (${left:-none left})" [ -z "$left" ]
mk uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
left=$(cd "$D" && find . -type f)
check "uninstall of the unchanged DESTDIR install leaves no file (${left:-none left})" [ -z "$left" ]

echo "install: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
