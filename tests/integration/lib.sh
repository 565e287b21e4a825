# lib.sh - helpers for ozgmon's integration tests (sourced by bash scripts).
# Traffic goes to 127.0.0.1 only.  Every wait is bounded.

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); printf '  ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf '  FAIL %s\n' "$*"; }
check() { # check "description" command...
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 12000))	# below the ephemeral range (32768+)
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS command...: retries every 0.2 s until the command succeeds.
wait_for() {
	local secs=$1 i; shift
	for i in $(seq 1 $((secs * 5))); do
		"$@" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

http_get() { curl -sS --max-time 5 "$@"; }

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
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
