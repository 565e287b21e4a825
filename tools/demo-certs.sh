#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# demo-certs.sh DIR - certificates for the demo's two HTTPS portals.
#
# Writes into DIR (emptied first) a CA (ca.pem) and two leaf certificates
# signed by it, dated from now so that their expiry shows on the pages, in
# /metrics and in the alerts:
#   soon.pem/soon.key        service.landkreis-eichsfeld.de, expires in 10 days
#   expired.pem/expired.key  service.landkreis-nordhausen.de, expired 3 days ago
# Needs the openssl command; exit 1 when it fails.
set -u
d=${1:?DIR}
day=86400
now=$(date -u +%s)
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
stamp() { date -u -d "@$1" +%Y%m%d%H%M%SZ; }

command -v openssl >/dev/null 2>&1 || { echo "demo-certs.sh: openssl not found" >&2; exit 1; }
rm -rf "$d" && mkdir -p "$d/db" || exit 1
(
	cd "$d" || exit 1
	openssl req -x509 $ec -keyout ca.key -out ca.pem -days 365 -subj "/CN=ozgmon demo CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign" &&
	: > db/index.txt && echo 01 > db/serial &&
	printf '%s\n' '[ ca ]' 'default_ca = dca' '[ dca ]' 'database = db/index.txt' \
		'serial = db/serial' 'new_certs_dir = db' 'certificate = ca.pem' \
		'private_key = ca.key' 'default_md = sha256' 'policy = pol' \
		'copy_extensions = copy' 'unique_subject = no' '[ pol ]' \
		'commonName = supplied' > ca.cnf || exit 1
	for c in "soon:service.landkreis-eichsfeld.de:$((now - 80 * day)):$((now + 10 * day))" \
		 "expired:service.landkreis-nordhausen.de:$((now - 100 * day)):$((now - 3 * day))"; do
		IFS=: read -r name host from to <<<"$c"
		openssl req $ec -keyout "$name.key" -out "$name.csr" -subj "/CN=$host" \
			-addext "subjectAltName=DNS:$host" &&
		openssl ca -batch -notext -config ca.cnf -in "$name.csr" -out "$name.pem" \
			-startdate "$(stamp "$from")" -enddate "$(stamp "$to")" || exit 1
	done
) >/dev/null 2>&1 || { echo "demo-certs.sh: openssl failed" >&2; exit 1; }
