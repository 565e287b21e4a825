#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_privileges.sh - least privilege: secrets only from safe files, and the
# switch to global.user once the listener is open (docs/security.md).
#
# Asserts: global.user/group syntax errors carry file:line:column; a
# credentials file (probe auth) or TLS key readable by others is refused with
# an error naming the file, a 0600 one is taken; as root: a 0640 secret owned
# by root is taken and one owned by another user is refused; ozgmond started
# as root with `user: nobody` listens on a port below 1024, then runs with
# every uid and gid of nobody (/proc/PID/status), cannot regain root, writes
# its RRD files as nobody, reloads on SIGHUP and stops cleanly; started as
# root without global.user it warns.  The root-only parts are skipped (and
# say so) when the test does not run as root.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-priv
# Everything the daemon reads after the switch (a reload) must be readable by
# nobody, wherever the repository lives (CI clones under /root, mode 0700).
chmod 755 "$WORK"
mkdir -p "$WORK/reg"
cp "$ROOT"/data/registers/thueringen_*_2021-11-30.csv "$ROOT"/data/registers/ozg_leistungen.csv "$WORK/reg/"
chmod 644 "$WORK"/reg/*.csv

# A config for this test: registers from the repository, one target that
# refuses (port 1 on loopback), and extra global lines from $1, extra probe
# keys from $2.
write_cfg() {
	cat > "$3" <<YAML
global:
  listen: "127.0.0.1:${PORT:-1}"
  data_dir: $WORK/data
  interval: 2s
  timeout: 1s
$1
$(registers_yaml "$WORK/reg")
onlinedienste:
  - { id: refused, url: "http://127.0.0.1:1/", probe: { expect_status: [200] $2 } }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: refused, reifegrad: 3 }
YAML
}

echo "== global.user and global.group"
write_cfg "  user: \"no body\"
  group: \"\"" "" "$WORK/bad.yml"
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/bad.yml" 2>&1); rc=$?
check "bad user name: exit 1" [ "$rc" = 1 ]
check "bad user name named with file:line:column" \
	grep -q "^$WORK/bad.yml:6:9: user: 'no body' is not an account name" <<<"$out"
check "empty group named with file:line:column" \
	grep -q "^$WORK/bad.yml:7:10: group: must not be empty" <<<"$out"
write_cfg "  user: nobody
  group: \"65534\"" "" "$WORK/good.yml"
check "user nobody, numeric group: valid" "$BIN_DIR/ozgmond" --check-config "$WORK/good.yml"

echo "== secrets only from safe files"
printf 'probe:geheim\n' > "$WORK/basic.txt"
write_cfg "" ", auth: { type: basic, file: $WORK/basic.txt }" "$WORK/auth.yml"
chmod 644 "$WORK/basic.txt"
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/auth.yml" 2>&1); rc=$?
check "world-readable credentials refused (exit $rc)" [ "$rc" = 1 ]
check "the error names the file and the mode ($out)" \
	grep -q "refusing credentials from $WORK/basic.txt: is accessible by other users (mode 0644)" <<<"$out"
chmod 660 "$WORK/basic.txt"
out=$("$BIN_DIR/ozgmond" --check-config "$WORK/auth.yml" 2>&1)
check "group-writable credentials refused" grep -q "is writable by its group (mode 0660)" <<<"$out"
chmod 600 "$WORK/basic.txt"
check "0600 credentials taken" "$BIN_DIR/ozgmond" --check-config "$WORK/auth.yml"
if [ "$(id -u)" = 0 ]; then
	chmod 640 "$WORK/basic.txt"
	check "0640 credentials owned by root taken" "$BIN_DIR/ozgmond" --check-config "$WORK/auth.yml"
	chown nobody "$WORK/basic.txt"
	out=$("$BIN_DIR/ozgmond" --check-config "$WORK/auth.yml" 2>&1)
	check "0640 credentials owned by another user refused" \
		grep -q "readable by its group but not owned by root" <<<"$out"
	chown root "$WORK/basic.txt"
	chmod 600 "$WORK/basic.txt"
else
	echo "  skip 0640 ownership cases: not root"
fi

if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
	printf 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n' > "$WORK/web.yml"
	chmod 644 "$WORK/tls.key"
	PORT=$(free_port) write_cfg "" "" "$WORK/tls.yml"
	out=$(timeout 20 "$BIN_DIR/ozgmond" --config "$WORK/tls.yml" --web-config "$WORK/web.yml" 2>&1)
	rc=$?
	check "world-readable TLS key: the daemon does not start (exit $rc)" [ "$rc" = 1 ]
	check "the error names the key file ($out)" \
		grep -q "web.yml:3:.*refusing the key file $WORK/tls.key: is accessible by other users" <<<"$out"
else
	bad "openssl is needed for the TLS key test"
fi

echo "== dropping privileges"
if [ "$(id -u)" != 0 ]; then
	echo "  skip: not root (the switch to global.user needs root)"
else
	# A free port below 1024: only root may bind it, so serving on it shows
	# that the listener was opened before the switch.
	LOW=""
	for _ in $(seq 1 50); do
		p=$((600 + RANDOM % 400))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then LOW=$p; break; fi
	done
	mkdir -p "$WORK/data"
	chown nobody:nogroup "$WORK/data"
	PORT=$LOW write_cfg "  user: nobody" "" "$WORK/priv.yml"
	D="http://127.0.0.1:$LOW"
	check "serves on privileged port $LOW" start_daemon 20 "$WORK/d.log" --config "$WORK/priv.yml"
	st=$(cat "/proc/$D_PID/status" 2>/dev/null)
	uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$st")
	gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' <<<"$st")
	groups=$(awk '/^Groups:/ { $1 = ""; print }' <<<"$st" | xargs)
	check "real, effective, saved and fs uid are nobody ($uids)" [ "$uids" = "65534 65534 65534 65534" ]
	check "real, effective, saved and fs gid are nogroup ($gids)" [ "$gids" = "65534 65534 65534 65534" ]
	check "no supplementary group but nobody's own ($groups)" \
		[ -z "$groups" -o "$groups" = "65534" ]
	check "no capability left" grep -q "^CapEff:[[:space:]]*0000000000000000$" <<<"$st"
	check "the switch is logged" grep -q "running as user nobody (uid 65534, gid 65534)" "$WORK/d.log"
	check "probes run and are stored as nobody" \
		wait_for 20 sh -c "find '$WORK/data' -name '*.rrd' -user nobody | grep -q ."
	check "no file in data_dir belongs to root" \
		sh -c "[ -z \"\$(find '$WORK/data' -user root)\" ]"
	kill -HUP "$D_PID"
	check "SIGHUP reload as nobody succeeds" \
		wait_for 20 grep -q "reloaded $WORK/priv.yml: 1 targets" "$WORK/d.log"
	check "still nobody after the reload" \
		grep -q "^Uid:[[:space:]]*65534[[:space:]]65534" "/proc/$D_PID/status"
	stop_daemon TERM
	check "clean stop (exit $RC)" [ "$RC" = 0 ]

	echo "== root without global.user"
	PORT=$(free_port) write_cfg "" "" "$WORK/root.yml"
	rm -rf "$WORK/data"
	"$BIN_DIR/ozgmond" --config "$WORK/root.yml" >"$WORK/r.log" 2>&1 &
	D_PID=$!
	check "warns that it runs as root" wait_for 20 grep -q "running as root: set global.user" "$WORK/r.log"
	stop_daemon TERM

	echo "== an account that does not exist"
	PORT=$(free_port) write_cfg "  user: ozgmon-no-such-user" "" "$WORK/nouser.yml"
	out=$(timeout 20 "$BIN_DIR/ozgmond" --config "$WORK/nouser.yml" 2>&1); rc=$?
	check "unknown user: does not start (exit $rc)" [ "$rc" = 1 ]
	check "unknown user named ($out)" grep -q "global.user: no such user 'ozgmon-no-such-user'" <<<"$out"
fi

echo "privileges: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
