#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_deb.sh - the Debian package, from build to purge (make package-test).
#
# Always: the packages build from a clean copy of the tree as `make deb`
# builds them (unit tests on), lintian reports no tag that is not overridden
# with a reason, ozgmon holds the files docs/deployment.md lists (the
# simulator is in ozgmon-sim alone) and marks the configuration as a conffile.
# As root, when ozgmon is not installed already: dpkg -i creates the system
# user and the state directory; the unit verifies with the installed files;
# ozgmond starts as the unit starts it (systemctl when systemd runs, else as
# user ozgmon with no privileges) against the simulator on loopback and
# serves /metrics with the probe results; SIGHUP (ExecReload) reloads; the
# system calls, socket families and memory mappings it uses are all allowed
# by the unit's SystemCallFilter, RestrictAddressFamilies and
# MemoryDenyWriteExecute (strace); dpkg -r keeps configuration, data and
# user, dpkg --purge removes configuration and data and keeps the user.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh

VERSION=$(cat VERSION)
WORK=$(mktemp -d /tmp/ozgmon-pkg.XXXXXX)
RUNDIR=""	# config of the installed daemon: outside /tmp (PrivateTmp=)
SIM_PID=""
D_PID=""
INSTALLED=""
DROPIN=/run/systemd/system/ozgmond.service.d
cleanup() {
	[ -n "$D_PID" ] && kill "$D_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	wait 2>/dev/null
	if [ -n "$INSTALLED" ]; then
		[ -d /run/systemd/system ] && systemctl stop ozgmond 2>/dev/null
		rm -rf "$DROPIN"
		dpkg --purge ozgmon ozgmon-sim >/dev/null 2>&1
	fi
	[ -n "$RUNDIR" ] && rm -rf "$RUNDIR"
	rm -rf "$WORK"
}
trap cleanup EXIT

# dpkg_do ARGS...: dpkg, retried while another dpkg holds the lock (bounded).
dpkg_do() {
	local i out
	for i in $(seq 1 30); do
		out=$(dpkg "$@" 2>&1) && { printf '%s\n' "$out" >>"$WORK/dpkg.log"; return 0; }
		printf '%s\n' "$out" >>"$WORK/dpkg.log"
		grep -qi 'lock' <<<"$out" || return 1
		sleep 2
	done
	return 1
}

T0=$SECONDS
echo "== build (dpkg-buildpackage -us -uc -b, clean copy)"
# As `make deb` builds it: the unit tests run in the build (DEB_BUILD_OPTIONS passes through).
opts=${DEB_BUILD_OPTIONS:-}
if [ -n "${OZGMON_DEB_DIR:-}" ]; then
	# A package built before (tools/build-deb.sh DIR): the later stages only.
	mkdir -p "$WORK/out" && cp "$OZGMON_DEB_DIR"/*.deb "$OZGMON_DEB_DIR"/*.changes \
		"$OZGMON_DEB_DIR"/*.buildinfo "$WORK/out/" && echo "build-deb: taken from $OZGMON_DEB_DIR" >"$WORK/build.out"
else
	DEB_BUILD_OPTIONS=$opts tools/build-deb.sh "$WORK/out" >"$WORK/build.out" 2>&1
fi
check "package builds in $((SECONDS - T0)) s ($(tail -1 "$WORK/build.out"))" [ $? = 0 ]
DEB=$WORK/out/ozgmon_${VERSION}_$(dpkg --print-architecture).deb
SIMDEB=$WORK/out/ozgmon-sim_${VERSION}_$(dpkg --print-architecture).deb
check "ozgmon_${VERSION} .deb exists" [ -f "$DEB" ]
check "ozgmon-sim_${VERSION} .deb exists" [ -f "$SIMDEB" ]
if [ -z "${OZGMON_DEB_DIR:-}" ]; then
	check "the unit tests ran in the build" grep -q 'Checks: [1-9][0-9]*, Failures: 0, Errors: 0' "$WORK/out/build.log"
fi
[ -f "$DEB" ] || { echo "package: $PASS passed, $FAIL failed"; exit 1; }
check "the worktree got no build output" bash -c "[ ! -e debian/ozgmon ] && [ ! -e debian/files ]"

echo "== contents"
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
UNITDIR=${UNITDIR:-/lib/systemd/system}
dpkg-deb -c "$DEB" | awk '{ print $6 }' >"$WORK/contents"
for f in ./usr/sbin/ozgmond .$UNITDIR/ozgmond.service \
	./etc/ozgmon/ozgmon.yml ./usr/share/man/man8/ozgmond.8.gz ./usr/share/man/man5/ozgmon.yml.5.gz \
	./usr/share/doc/ozgmon/licensing.md ./usr/share/ozgmon/registers/SOURCES.md \
	./usr/share/ozgmon/registers/thueringen_gemeinden_2021-11-30.csv \
	./usr/share/doc/ozgmon/copyright ./usr/share/doc/ozgmon/examples/ozgmon.yml \
	./usr/lib/sysusers.d/ozgmon.conf ./usr/share/ozgmon/prometheus/ozgmon-alerts.yml \
	./usr/share/ozgmon/prometheus/ozgmon-recording.yml; do
	check "contains $f" grep -qxF "$f" "$WORK/contents"
done
check "ozgmon holds no simulator" bash -c "! grep -q 'ozgmon-sim' '$WORK/contents'"
dpkg-deb -c "$SIMDEB" 2>/dev/null | awk '{ print $6 }' >"$WORK/sim-contents"
for f in ./usr/bin/ozgmon-sim ./usr/share/man/man1/ozgmon-sim.1.gz ./usr/share/doc/ozgmon-sim/copyright; do
	check "ozgmon-sim contains $f" grep -qxF "$f" "$WORK/sim-contents"
done
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ".$UNITDIR/ozgmond.service" >"$WORK/unit" 2>/dev/null
check "the unit is Type=notify with a watchdog" bash -c "grep -qx 'Type=notify' '$WORK/unit' && grep -q '^WatchdogSec=' '$WORK/unit'"
check "ships nothing in /var (the state directory is made at install)" \
	bash -c "! grep -q '^\./var' '$WORK/contents'"
dpkg-deb -e "$DEB" "$WORK/control"
check "conffile /etc/ozgmon/ozgmon.yml" grep -qx /etc/ozgmon/ozgmon.yml "$WORK/control/conffiles"
dep=$(dpkg-deb -f "$DEB" Depends)
check "Depends: adduser and the shared libraries ($dep)" \
	bash -c "grep -q adduser <<<'$dep' && grep -q libcurl4 <<<'$dep' && grep -q librrd <<<'$dep'"
check "copyright: the code under EUPL-1.2, with the licence text" \
	bash -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xOf - ./usr/share/doc/ozgmon/copyright |
		grep -A3 -x 'License: EUPL-1.2' | grep -q 'EUROPEAN UNION PUBLIC LICENCE v. 1.2'"
check "copyright names both data licences" \
	bash -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xOf - ./usr/share/doc/ozgmon/copyright |
		grep -q 'License: dl-de-by-2.0' && dpkg-deb --fsys-tarfile '$DEB' |
		tar -xOf - ./usr/share/doc/ozgmon/copyright | grep -q 'License: Expat'"

echo "== lintian"
if command -v lintian >/dev/null 2>&1; then
	lintian --pedantic --display-info "$WORK"/out/*.changes 2>&1 |
		grep -v 'running with root privileges' >"$WORK/lintian.out"
	check "lintian: no tag left that is not overridden ($(tr '\n' ';' <"$WORK/lintian.out"))" \
		[ ! -s "$WORK/lintian.out" ]
else
	echo "  (lintian not installed: skipped)"
fi

if [ "$(id -u)" != 0 ]; then
	echo "  (not root: install, run and purge skipped)"
	echo "package: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit
fi
if [ "$(dpkg-query -W -f='${db:Status-Status}' ozgmon 2>/dev/null)" = installed ]; then
	echo "  (ozgmon is installed on this machine: install, run and purge skipped, it stays)"
	echo "package: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit
fi

echo "== dpkg -i"
INSTALLED=1
check "dpkg -i (ozgmon, ozgmon-sim)" dpkg_do -i "$DEB" "$SIMDEB"
check "dpkg -i again (same version: postinst runs twice)" dpkg_do -i "$DEB"
pw=$(getent passwd ozgmon)
check "system user ozgmon ($pw)" bash -c "[ -n '$pw' ] && [ \$(cut -d: -f3 <<<'$pw') -lt 1000 ]"
check "its home is the state directory, no login" \
	bash -c "[ \"\$(cut -d: -f6,7 <<<'$pw')\" = /var/lib/ozgmon:/usr/sbin/nologin ]"
check "group ozgmon" getent group ozgmon
check "/var/lib/ozgmon owned by ozgmon, mode 750" \
	[ "$(stat -c '%U:%G %a' /var/lib/ozgmon 2>/dev/null)" = "ozgmon:ozgmon 750" ]
check "installed config is valid (as ozgmon)" \
	setpriv --reuid=ozgmon --regid=ozgmon --init-groups /usr/sbin/ozgmond --check-config /etc/ozgmon/ozgmon.yml
check "man finds ozgmond(8) and ozgmon.yml(5)" bash -c 'man -w 8 ozgmond && man -w 5 ozgmon.yml' >/dev/null
out=$(systemd-analyze verify "$UNITDIR/ozgmond.service" 2>&1); rc=$?
check "systemd-analyze verify of the installed unit, man pages included (${out:-clean})" \
	eval '[ "$rc" = 0 ] && [ -z "$out" ]'

echo "== ozgmond as the unit runs it"
SIM_PORT=$(free_port) || exit 1
D_PORT=$(free_port) || exit 1
while [ "$D_PORT" = "$SIM_PORT" ]; do D_PORT=$(free_port); done
D="http://127.0.0.1:$D_PORT"
TLS_PORT=$(free_port) || exit 1
while [ "$TLS_PORT" = "$SIM_PORT" ] || [ "$TLS_PORT" = "$D_PORT" ]; do TLS_PORT=$(free_port); done
# Config, CA and certificates where user ozgmon (and the unit's private /tmp) can read them.
RUNDIR=$(mktemp -d /run/ozgmon-pkgtest.XXXXXX)
chmod 755 "$RUNDIR"
make_test_certs "$RUNDIR/certs"
chmod -R a+rX "$RUNDIR/certs"
printf 'down.portal.test down\n' >"$WORK/sim.profile"
/usr/bin/ozgmon-sim --listen "127.0.0.1:$SIM_PORT" --profile "$WORK/sim.profile" \
	--tls "127.0.0.1:$TLS_PORT,$RUNDIR/certs/valid.pem,$RUNDIR/certs/valid.key" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
check "installed simulator answers" wait_for 10 http_get -o /dev/null "http://127.0.0.1:$SIM_PORT/_sim/health"
# The shipped configuration, with: a test port, short intervals, and targets
# that exercise what the unit must allow: plain HTTP, HTTPS (TLS library),
# usage statistics (JSON), a name resolved by the system resolver
# (localhost, /etc/hosts), RRD graphs (the dashboards).
CFG=$RUNDIR/ozgmon.yml
sed -e "s|^  listen: .*|  listen: \"127.0.0.1:$D_PORT\"|" -e 's|^  interval: 60s|  interval: 2s|' \
	-e 's|^  timeout: 10s|  timeout: 1s|' -e 's|^  dashboards_every: 60s|  dashboards_every: 2s|' \
	-e '/^onlinedienste: \[\]/,$d' /etc/ozgmon/ozgmon.yml >"$CFG"
sed -i "s|^global:|global:\n  connect_to: [ \"ok.portal.test::127.0.0.1:$SIM_PORT\", \"down.portal.test::127.0.0.1:$SIM_PORT\", \"valid.portal.test::127.0.0.1:$TLS_PORT\" ]|" "$CFG"
cat >>"$CFG" <<YAML
onlinedienste:
  - id: pkg-ok
    url: "http://ok.portal.test/"
    probe: { expect_status: [200], body_contains: Antrag }
    usage:
      url: "http://ok.portal.test/api/stats.json"
      metrics: [ { name: applications_submitted_total, pointer: /applications_submitted, type: counter } ]
  - { id: pkg-down, url: "http://down.portal.test/" }
  - { id: pkg-tls, url: "https://valid.portal.test/", probe: { ca_file: $RUNDIR/certs/ca.pem } }
  - { id: pkg-local, url: "http://localhost:$SIM_PORT/" }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: pkg-ok, reifegrad: 3 }
YAML
chmod 644 "$CFG"
check "test config (the shipped one, with four targets) is valid" /usr/sbin/ozgmond --check-config "$CFG"

# What the running daemon must show, however it was started.
running_checks() {
	check "/metrics answers" wait_for 30 http_get -o /dev/null "$D/metrics"
	check "ozg_probe_success{dienst=\"pkg-ok\"} 1" wait_for 30 metric_is 'ozg_probe_success{dienst="pkg-ok"}' "$D" 1
	check "ozg_probe_success{dienst=\"pkg-down\"} 0" wait_for 30 metric_is 'ozg_probe_success{dienst="pkg-down"}' "$D" 0
	check "ozg_probe_success{dienst=\"pkg-tls\"} 1 (HTTPS)" wait_for 30 metric_is 'ozg_probe_success{dienst="pkg-tls"}' "$D" 1
	check "ozg_probe_success{dienst=\"pkg-local\"} 1 (resolved localhost)" wait_for 30 metric_is 'ozg_probe_success{dienst="pkg-local"}' "$D" 1
	check "ozg_usage_up{dienst=\"pkg-ok\"} 1 (JSON statistics)" wait_for 30 metric_is 'ozg_usage_up{dienst="pkg-ok"}' "$D" 1
	check "dashboards drew RRD graphs" wait_for 90 bash -c "v=\$(curl -s --max-time 5 '$D/metrics' | awk '\$1 == \"ozgmon_dashboards_graphs\" { print \$2 }'); [ -n \"\$v\" ] && [ \"\$v\" != 0 ]"
	check "ozgmon_build_info names $VERSION" \
		bash -c "curl -s --max-time 5 '$D/metrics' 2>/dev/null | grep -q 'ozgmon_build_info{version=\"$VERSION\"} 1'"
	check "RRD file written, owned by ozgmon" \
		wait_for 20 bash -c "[ \"\$(stat -c %U /var/lib/ozgmon/rrd/pkg-ok.rrd)\" = ozgmon ]"
}

if [ -d /run/systemd/system ]; then
	echo "  (systemd is running: systemctl)"
	mkdir -p "$DROPIN"
	cat >"$DROPIN/test.conf" <<UNIT
[Service]
ExecStartPre=
ExecStartPre=/usr/sbin/ozgmond --check-config $CFG
ExecStart=
ExecStart=/usr/sbin/ozgmond --config $CFG
ExecReload=
ExecReload=/usr/sbin/ozgmond --check-config $CFG
ExecReload=/bin/kill -HUP \$MAINPID
UNIT
	systemctl daemon-reload
	check "systemctl restart ozgmond" systemctl restart ozgmond
	running_checks
	check "runs as ozgmon" [ "$(ps -o user= -p "$(systemctl show -P MainPID ozgmond)")" = ozgmon ]
	check "systemctl reload ozgmond" systemctl reload ozgmond
	check "reload logged" wait_for 20 bash -c "journalctl -u ozgmond --no-pager | grep -q 'reloaded $CFG'"
	check "systemctl stop ozgmond" systemctl stop ozgmond
	rm -rf "$DROPIN"
	systemctl daemon-reload
else
	echo "  (systemd is not PID 1: as user ozgmon, no capabilities, no new privileges)"
	trace=()
	if command -v strace >/dev/null 2>&1; then
		# strace runs as ozgmon too: its output goes where ozgmon may write.
		chmod 711 "$WORK"
		mkdir "$WORK/strace" && chown ozgmon "$WORK/strace"
		trace=(strace -f -qq -o "$WORK/strace/trace")
	fi
	(cd / && exec setpriv --reuid=ozgmon --regid=ozgmon --init-groups --no-new-privs \
		--inh-caps=-all --bounding-set=-all -- "${trace[@]}" \
		/usr/sbin/ozgmond --config "$CFG") >"$WORK/daemon.log" 2>&1 &
	D_PID=$!
	running_checks
	pid=$(pgrep -u ozgmon -x ozgmond | head -1)
	check "runs as ozgmon" [ -n "$pid" ]
	check "with no capabilities" bash -c "grep -q '^CapEff:[[:space:]]*0*$' /proc/$pid/status"
	[ -n "$pid" ] && kill -HUP "$pid"	# what ExecReload sends
	check "SIGHUP reloads" wait_for 20 grep -q "reloaded $CFG" "$WORK/daemon.log"
	check "still probing after the reload" wait_for 30 metric_is 'ozg_probe_success{dienst="pkg-ok"}' "$D" 1
	[ -n "$pid" ] && kill -TERM "$pid"
	wait "$D_PID"
	rc=$?
	D_PID=""
	check "SIGTERM: clean exit (rc $rc)" [ "$rc" = 0 ]
	if [ -s "$WORK/strace/trace" ]; then
		# The unit's filters, checked against what the daemon really did.
		expand() { # expand @group: its system calls, nested groups expanded
			systemd-analyze syscall-filter "$1" | sed -n '2,$p' | sed 's/^ *//' | grep -v '^#' |
				while read -r s; do
					[ -z "$s" ] && continue
					case $s in @*) expand "$s" ;; *) echo "$s" ;; esac
				done
		}
		expand @system-service | sort -u >"$WORK/allowed"
		expand @privileged | sort -u >"$WORK/denied"
		sed -n 's/^[0-9][0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$WORK/strace/trace" | sort -u >"$WORK/used"
		[ -n "${OZGMON_KEEP_TRACE:-}" ] && cp "$WORK/strace/trace" "$OZGMON_KEEP_TRACE"
		outside=$(comm -23 "$WORK/used" "$WORK/allowed" | tr '\n' ' ')
		check "system calls used ($(wc -l <"$WORK/used")) are all in @system-service (outside: ${outside:-none})" \
			[ -z "$outside" ]
		hit=$(comm -12 "$WORK/used" "$WORK/denied" | tr '\n' ' ')
		check "none is in @privileged (${hit:-none})" [ -z "$hit" ]
		fams=$(grep -o 'socket(AF_[A-Z0-9]*' "$WORK/strace/trace" | sort -u | sed 's/socket(//' | tr '\n' ' ')
		check "socket families used ($fams) within AF_INET AF_INET6 AF_UNIX" \
			bash -c "! grep -o 'socket(AF_[A-Z0-9]*' '$WORK/strace/trace' | grep -qv 'AF_INET\$\|AF_INET6\$\|AF_UNIX\$'"
		check "no writable and executable mapping, no mprotect to executable (MemoryDenyWriteExecute)" \
			bash -c "! grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_(WRITE\|PROT_EXEC|EXEC\|PROT_WRITE)|mprotect\(.*PROT_EXEC' '$WORK/strace/trace'"
	fi
fi
kill "$SIM_PID" 2>/dev/null
wait "$SIM_PID" 2>/dev/null
SIM_PID=""

echo "== dpkg -r, then dpkg --purge"
check "dpkg -r" dpkg_do -r ozgmon ozgmon-sim
check "remove: binary gone" [ ! -e /usr/sbin/ozgmond ]
check "remove: configuration, data and user stay" \
	bash -c '[ -f /etc/ozgmon/ozgmon.yml ] && [ -d /var/lib/ozgmon/rrd ] && getent passwd ozgmon >/dev/null'
rm -rf "$RUNDIR"
RUNDIR=""
check "dpkg --purge" dpkg_do --purge ozgmon ozgmon-sim
INSTALLED=""
check "purge: package unknown to dpkg" bash -c '! dpkg-query -W -f="\${db:Status-Status}" ozgmon 2>/dev/null | grep -q .'
check "purge: /etc/ozgmon gone" [ ! -e /etc/ozgmon ]
check "purge: /var/lib/ozgmon gone" [ ! -e /var/lib/ozgmon ]
check "purge: user and group ozgmon stay (Debian practice)" bash -c 'getent passwd ozgmon >/dev/null && getent group ozgmon >/dev/null'
check "purge: no unit symlink left" bash -c '! find /etc/systemd/system -name ozgmond.service | grep -q .'

echo "package: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
