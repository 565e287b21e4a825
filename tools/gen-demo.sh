#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# gen-demo.sh - generate the demo configuration from the Thüringen registers.
#
# Usage: tools/gen-demo.sh [CONFIG_OUT [PROFILE_OUT]]
#        (defaults: config/demo.yml and config/demo-sim.profile)
#
# Reads data/registers/thueringen_kreise_2021-11-30.csv,
# data/registers/thueringen_gemeindeverbaende_2021-11-30.csv and
# data/registers/ozg_leistungen.csv and data/registers/ozg_leika_zuordnung.csv
# (to leave the Leistungen the Bund alone carries out, LeiKa-Typ 1 only, out of
# the shaped rollout, as they do not count for the Land) and writes:
#
#   config/demo.yml           one simulated portal per Kreis (22) and per
#                             Gemeindeverband (192), three Onlinedienste each,
#                             plus Land-wide EfA services; every Angebot at a
#                             Reifegrad derived from the dienst id; the EfA
#                             services and about one dienst in five read the
#                             simulator's /api/stats.json as usage metrics
#   config/demo-sim.profile   the simulator profile giving a few of those
#                             portals faults (down, error, slow, hang, flaky,
#                             a broken statistics document)
#
# The output depends on the registers only: running the script twice gives
# the same bytes.  It checks that host names and ids are unique and that
# every OZG-ID used exists in the catalogue, and fails (exit 1) otherwise.
#
# POSIX sh and awk (mawk-compatible: no gawk extensions).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
reg="$root/data/registers"
out_cfg=${1:-"$root/config/demo.yml"}
out_prof=${2:-"$root/config/demo-sim.profile"}

kreise="$reg/thueringen_kreise_2021-11-30.csv"
verbaende="$reg/thueringen_gemeindeverbaende_2021-11-30.csv"
leistungen="$reg/ozg_leistungen.csv"
leika="$reg/ozg_leika_zuordnung.csv"

for f in "$kreise" "$verbaende" "$leistungen" "$leika"; do
	if [ ! -r "$f" ]; then
		echo "gen-demo.sh: cannot read $f" >&2
		exit 1
	fi
done

tmp_cfg="$out_cfg.tmp.$$"
tmp_prof="$out_prof.tmp.$$"
trap 'rm -f "$tmp_cfg" "$tmp_prof"' EXIT INT TERM

LC_ALL=C awk -v cfg="$tmp_cfg" -v prof="$tmp_prof" '
# ---------------------------------------------------------------------------
# CSV (RFC 4180): splits one record into f[1..n]; returns n.
function csv_split(line, f,    n, i, c, q, cur, len) {
	n = 0; cur = ""; q = 0; len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (q) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") { cur = cur "\""; i++ }
				else q = 0
			} else cur = cur c
		} else if (c == "\"") q = 1
		else if (c == ",") { f[++n] = cur; cur = "" }
		else cur = cur c
	}
	f[++n] = cur
	return n
}

# Official name -> DNS label: drop ", Stadt"-style suffixes, lower-case,
# transliterate umlauts, spaces/commas/slashes to "-", dots removed.
function slug(name,    s) {
	s = name
	sub(/,.*$/, "", s)
	gsub(/Ä/, "Ae", s); gsub(/Ö/, "Oe", s); gsub(/Ü/, "Ue", s)
	gsub(/ä/, "ae", s); gsub(/ö/, "oe", s); gsub(/ü/, "ue", s); gsub(/ß/, "ss", s)
	s = tolower(s)
	gsub(/\./, "", s)
	gsub(/[ ,\/]+/, "-", s)
	gsub(/--+/, "-", s)
	sub(/^-/, "", s); sub(/-$/, "", s)
	if (s !~ /^[a-z0-9][a-z0-9-]*$/) fail("cannot derive a host name from \"" name "\"")
	return s
}

# The name without its ", Stadt" / ", Kurort, Stadt" suffix.
function base_name(name,    s) { s = name; sub(/,.*$/, "", s); return s }

# A small stable hash of an ASCII string (for the Reifegrad spread): a
# polynomial hash, then a multiplicative step whose top bits are used.
# Every intermediate stays below 2^53, so awk doubles compute it exactly.
function hash(s,    h, i) {
	h = 7
	for (i = 1; i <= length(s); i++)
		h = (h * 31 + ord[substr(s, i, 1)]) % 1000003
	h = (h * 2654435761) % 4294967296
	return int(h / 16777216)
}

function yq(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }

function fail(msg) { print "gen-demo.sh: " msg > "/dev/stderr"; failed = 1; exit 1 }

function use_host(host, owner) {
	if ((host in host_owner) && host_owner[host] != owner)
		fail("host " host " would serve both " host_owner[host] " and " owner)
	host_owner[host] = owner
}

# Appends one Onlinedienst and its Angebot to the output buffers.
function dienst(id, name, url, provider, efa, area, ozg,    rg, base) {
	if (id !~ /^[a-z0-9][a-z0-9_-]*$/ || length(id) > 64) fail("bad id " id)
	if (id in seen_id) fail("duplicate id " id)
	seen_id[id] = 1
	if (!(ozg in leistung)) fail("OZG-ID " ozg " (" id ") is not in the catalogue")
	rg = efa == "true" ? 3 + hash(id) % 2 : 1 + hash(id) % 4
	nd++
	D[nd] = "  - id: " id "\n" \
		"    name: " yq(name) "\n" \
		"    url: " url "\n" \
		"    provider: " yq(provider) "\n" \
		"    efa: " efa "\n" \
		"    probe: { expect_status: [200], body_contains: \"Antrag\"" \
		(url ~ /^https:/ ? ", insecure_skip_verify: true" : "") " }"
	# Usage statistics from the simulator for the EfA services and about one dienst in five.
	# (not for the two HTTPS portals: their certificates are the point there)
	if ((efa == "true" || hash(id) % 5 == 0) && url !~ /^https:/) {
		base = url; sub(/^https?:\/\/[^\/]*/, "&\001", base); sub(/\001.*$/, "", base)
		D[nd] = D[nd] "\n" \
			"    usage:\n" \
			"      url: " base "/api/stats.json\n" \
			"      metrics:\n" \
			"        - { name: applications_submitted_total, pointer: /applications_submitted, type: counter }\n" \
			"        - { name: applications_started_total, pointer: /applications_started, type: counter }\n" \
			"        - { name: by_service_submitted_total, pointer: \"/by_service/*\", type: counter, label: service }\n" \
			"        - { name: portal_status, pointer: /status, type: gauge, map: { ok: 1, degraded: 0.5, down: 0 } }"
	}
	A[nd] = "  - { area: \"" area "\", ozg_id: \"" ozg "\", dienst: " id ", reifegrad: " rg " }"
	used_ozg[ozg] = 1
}

# Appends one more Angebot for an existing Onlinedienst.
function angebot(area, ozg, id, rg) {
	if (!(ozg in leistung)) fail("OZG-ID " ozg " (" id ") is not in the catalogue")
	nx++
	X[nx] = "  - { area: \"" area "\", ozg_id: \"" ozg "\", dienst: " id ", reifegrad: " rg " }"
}

# Appends one profile line for the service host of area `key` (or an EfA host).
function fault(key, mode, arg) {
	if (!(key in area_host)) fail("profile: unknown area key " key)
	nf++
	F[nf] = sprintf("%-44s %s%s", area_host[key], mode, arg == "" ? "" : " " arg)
}

# The rollout shaped on published figures: in March 2024 Thüringen counted about
# 214 OZG-Leistungen available flächendeckend and 53 more in at least one
# Kommune, with large differences between Kreise (Weimar 28 Kreis-wide, several
# Landkreise 1).  Which Leistungen these are is made up (a fixed pseudo-random
# pick from the catalogue); the counts follow the published ones.
function shape_rollout(    nl, o, k, i, j, n, c, m, kk, others) {
	nl = 0
	for (o in leistung) {
		if (o in used_ozg) continue
		if ((o in leika_has1) && !(o in leika_other)) continue	# the Bund carries it out: not counted
		nl++; L[nl] = o; LK[nl] = hash(o "/demo") * 100000 + o
	}
	for (i = 2; i <= nl; i++) {
		o = L[i]; k = LK[i]
		for (j = i - 1; j >= 1 && LK[j] > k; j--) { L[j + 1] = L[j]; LK[j + 1] = LK[j] }
		L[j + 1] = o; LK[j + 1] = k
	}
	if (nl < 209 + 53) fail("catalogue too small for the demo rollout")
	# Land-wide: one Serviceportal offers 209 Leistungen (with the 5 EfA services: 214).
	dienst("th-serviceportal", "Serviceportal Thüringen", "http://serviceportal.thueringen.de/antrag", \
		"Freistaat Thüringen", "true", "16", L[1])
	for (i = 2; i <= 209; i++)
		angebot("16", L[i], "th-serviceportal", 2 + hash(L[i]) % 3)
	# 53 more in at least one Kommune, through a Serviceportal of each Kreis.
	for (i = 1; i <= 53; i++) K[i] = L[209 + i]
	others = 0
	for (i = 1; i <= nk; i++) {
		kk = KL[i]
		dienst("k" kk "-portal", "Serviceportal", "http://service." KH[kk] "/serviceportal", KP[kk], \
			"false", kk, kk == "16055" ? K[1] : K[29 + others % 25])
		if (kk == "16055") {
			for (j = 2; j <= 28; j++) angebot(kk, K[j], "k" kk "-portal", 2 + hash(K[j]) % 3)
			continue
		}
		others++
	}
	# Kreise after the 25th share the remaining Leistungen; every Kreis but Weimar
	# adds a few of the Weimar ones, chosen by its key (0 to 3: several keep just one).
	for (j = 29 + others; j <= 53; j++)
		angebot(KL[(j % nk) + 1] == "16055" ? KL[1] : KL[(j % nk) + 1], K[j], \
			"k" (KL[(j % nk) + 1] == "16055" ? KL[1] : KL[(j % nk) + 1]) "-portal", 2)
	for (i = 1; i <= nk; i++) {
		kk = KL[i]
		if (kk == "16055") continue
		n = hash(kk "/extra") % 4
		for (m = 0; m < n; m++) {
			c = K[(hash(kk) + m) % 27 + 2]
			angebot(kk, c, "k" kk "-portal", 2 + hash(c kk) % 3)
		}
	}
}

BEGIN {
	for (i = 32; i < 127; i++) ord[sprintf("%c", i)] = i
	tls_soon_key = "16061"; tls_expired_key = "16062"
}

{ sub(/\r$/, "") }
FNR == 1 { file++; next }

# ---- 1: catalogue -----------------------------------------------------------
file == 1 {
	csv_split($0, f)
	leistung[f[1]] = f[2]
	next
}

# ---- 2: Kreise: Kfz-Zulassung, Wohngeld, Fischereischein ------------------------
file == 2 {
	csv_split($0, f)
	key = f[1]; name = f[3]; typ = f[5]; s = slug(name)
	if (typ == "41") {
		host = s ".de"; provider = "Stadt " base_name(name)
		city_host[key] = host
	} else if (s ~ /kreis$/) {
		host = s ".de"; provider = name
	} else {
		host = "landkreis-" s ".de"; provider = "Landkreis " name
	}
	use_host(host, "Kreis " key)
	area_host[key] = "service." host
	nk++
	KL[nk] = key; KH[key] = host; KP[key] = provider
	k = "k" key
	dienst(k "-kfz", "Kfz-Zulassung", "http://service." host "/kfz/zulassung", provider, "false", key, "10436")
	dienst(k "-wohngeld", "Wohngeld", "http://service." host "/wohngeld/antrag", provider, "false", key, "10092")
	# Two portals answer over HTTPS (bin/ozgmon-sim --tls, certificates made by
	# tools/run-demo.sh): the certificate of Eichsfeld expires within 14 days,
	# that of Nordhausen has expired.
	scheme = "http"
	if (key == tls_soon_key) { scheme = "https"; tls_soon_host = "service." host }
	if (key == tls_expired_key) { scheme = "https"; tls_expired_host = "service." host }
	dienst(k "-fischerei", "Fischereischein", scheme "://service." host "/fischereischein", provider, "false", key, "10148")
	next
}

# ---- 3: Gemeindeverbände: Wohnsitz, Hundehaltung, Gewerbe -----------------------
file == 3 {
	csv_split($0, f)
	key = f[1]; kreis = f[2]; name = f[3]; typ = f[5]; s = slug(name)
	if (typ == "54") {
		host = "vg-" s ".de"; provider = "Verwaltungsgemeinschaft " name
	} else {
		host = s ".de"
		provider = (name ~ /, Stadt$/ ? "Stadt " : "Gemeinde ") base_name(name)
	}
	# A kreisfreie Stadt is Kreis and Gemeinde at once: one portal.
	owner = (kreis in city_host && city_host[kreis] == host) ? "Kreis " kreis : "Verband " key
	use_host(host, owner)
	area_host[key] = "service." host
	nv++
	v = "v" key
	dienst(v "-wohnsitz", "Wohnsitz an-, um- und abmelden", "http://service." host "/meldewesen/wohnsitz", provider, "false", key, "10124")
	dienst(v "-hund", "Hund anmelden (Hundesteuer)", "http://service." host "/steuern/hundesteuer", provider, "false", key, "10160")
	dienst(v "-gewerbe", "Gewerbe an- und ummelden", "http://service." host "/gewerbe/anmeldung", provider, "false", key, "10294")
	next
}

# ---- 4: LeiKa: which Leistungen only the Bund carries out (Typ 1 only) ----------
# A quoted field may span lines: join them until the quotes balance.
file == 4 {
	rec = (pend == "" ? $0 : pend "\n" $0)
	if (gsub(/"/, "\"", rec) % 2) { pend = rec; next }
	pend = ""
	n = csv_split(rec, f)
	if (n < 4 || f[4] == "") next
	t = f[3]; gsub(/[ ;]+/, ",", t)
	m = split(t, tt, ",")
	for (i = 1; i <= m; i++) {
		if (tt[i] == "1") leika_has1[f[4]] = 1
		else if (tt[i] ~ /^([2-6]|2\/3)$/) leika_other[f[4]] = 1
	}
	next
}

END {
	if (failed) exit 1
	if (nk != 22 || nv != 192) fail("expected 22 Kreise and 192 Gemeindeverbände, found " nk " and " nv)

	# ---- Land-wide EfA services ----------------------------------------------------
	th = "Freistaat Thüringen"
	dienst("th-elterngeld", "Elterngeld", "http://elterngeld.efa.thueringen.de/antrag", th, "true", "16", "10000")
	dienst("th-unterhaltsvorschuss", "Unterhaltsvorschuss", "http://unterhaltsvorschuss.efa.thueringen.de/antrag", th, "true", "16", "10035")
	dienst("th-bafoeg", "BAföG", "http://bafoeg.efa.thueringen.de/antrag", th, "true", "16", "10056")
	dienst("th-schwerbehinderung", "Schwerbehindertenausweis", "http://schwerbehinderung.efa.thueringen.de/antrag", th, "true", "16", "10214")
	dienst("th-bauantrag", "Bauantrag (Baugenehmigung)", "http://bauantrag.efa.thueringen.de/antrag", th, "true", "16", "10519")
	area_host["efa-bafoeg"] = "bafoeg.efa.thueringen.de"
	shape_rollout()
	area_host["efa-unterhalt"] = "unterhaltsvorschuss.efa.thueringen.de"

	# ---- config/demo.yml ---------------------------------------------------------------
	print "# SPDX-License-Identifier: EUPL-1.2" > cfg
	print "# config/demo.yml - the ozgmon demo: a simulated Thüringen." > cfg
	print "#" > cfg
	print "# Generated by tools/gen-demo.sh; edit the script, not this file, and run it again." > cfg
	print "# Built from the registers in data/registers/ (see data/registers/SOURCES.md):" > cfg
	print "#   thueringen_kreise_2021-11-30.csv, thueringen_gemeindeverbaende_2021-11-30.csv" > cfg
	print "#     Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD," > cfg
	print "#     Stand 30.11.2021 (dl-de/by-2-0)" > cfg
	print "#   ozg_leistungen.csv" > cfg
	print "#     OZG-Umsetzungskatalog (BMI), via kdn-nrw/OZG-Datenbank-NRW (MIT, (c) 2020 Gert Hammes)" > cfg
	print "#" > cfg
	printf "# %d Onlinedienste: 4 per Kreis (%d), 3 per Gemeindeverband (%d), %d Land-wide EfA services;\n", \
		nd, nk, nv, nd - 4 * nk - 3 * nv > cfg
	printf "# %d Angebote.  The Serviceportale offer their Leistungen in the numbers published for\n", \
		nd + nx > cfg
	print "# Thüringen in March 2024 (about 214 flächendeckend, 53 more in at least one Kommune;" > cfg
	print "# Weimar 28 Kreis-wide); which Leistungen they are is made up." > cfg
	print "# Portal host names are derived from the official names; a kreisfreie Stadt is" > cfg
	print "# Kreis and Gemeinde at once and runs one portal for both.  Reifegrad values are" > cfg
	print "# pseudo-random (from the dienst id) to give the dashboards a spread; they are not" > cfg
	print "# survey data.  Usage and availability come from bin/ozgmon-sim." > cfg
	print "" > cfg
	print "global:" > cfg
	print "  listen: \"127.0.0.1:9717\"" > cfg
	print "  data_dir: run/data            # relative to the daemon'"'"'s working directory" > cfg
	print "  interval: 30s" > cfg
	print "  timeout: 5s" > cfg
	print "  max_concurrency: 128" > cfg
	print "  max_per_host: 2" > cfg
	print "  language: de" > cfg
	print "  log_level: info" > cfg
	print "  # Route every portal host name to the local simulator (bin/ozgmon-sim on" > cfg
	print "  # 127.0.0.1:18080), so the demo never contacts a real portal." > cfg
	print "  # Two portals speak HTTPS (ozgmon-sim --tls, started by tools/run-demo.sh): one" > cfg
	print "  # certificate expires within 14 days, one has expired.  The first matching" > cfg
	print "  # entry wins, so they come before the catch-all." > cfg
	print "  # (One line, so that tools can add entries in front of the catch-all.)" > cfg
	print "  connect_to: [ \"" tls_soon_host ":443:127.0.0.1:18443\", \"" tls_expired_host ":443:127.0.0.1:18444\", \"::127.0.0.1:18080\" ]" > cfg
	print "" > cfg
	print "registers:                     # paths relative to this file'"'"'s folder" > cfg
	print "  land: { key: \"16\", name: \"Thüringen\" }" > cfg
	print "  kreise: ../data/registers/thueringen_kreise_2021-11-30.csv" > cfg
	print "  verbaende: ../data/registers/thueringen_gemeindeverbaende_2021-11-30.csv" > cfg
	print "  gemeinden: ../data/registers/thueringen_gemeinden_2021-11-30.csv" > cfg
	print "  leistungen: ../data/registers/ozg_leistungen.csv" > cfg
	print "  leika: ../data/registers/ozg_leika_zuordnung.csv   # LeiKa-Typ: relevance and level" > cfg
	print "  geo: ../data/geo/thueringen.geo   # BKG VG5000, (c) GeoBasis-DE / BKG 2021 (data/geo/SOURCES.md)" > cfg
	print "" > cfg
	print "onlinedienste:" > cfg
	for (i = 1; i <= nd; i++) print D[i] > cfg
	print "" > cfg
	print "angebote:" > cfg
	for (i = 1; i <= nd; i++) print A[i] > cfg
	for (i = 1; i <= nx; i++) print X[i] > cfg

	# ---- config/demo-sim.profile ------------------------------------------------------
	print "# config/demo-sim.profile - faults for the demo portals (bin/ozgmon-sim --profile)." > prof
	print "#" > prof
	print "# Generated by tools/gen-demo.sh together with config/demo.yml; every host below" > prof
	print "# is a portal of that configuration.  Format: HOST MODE [ARG] (docs/simulator.md)." > prof
	print "# Hosts not named here answer normally." > prof
	print "" > prof
	print "*                                            ok" > prof
	print "" > prof
	print "# down: connections closed without an answer" > prof
	fault("16065", "down", ""); fault("160615012", "down", "")
	fault("160670029", "down", ""); fault("160745052", "down", "")
	for (i = 1; i <= nf; i++) print F[i] > prof
	nf = 0
	print "" > prof
	print "# error: every page answers 503 (maintenance)" > prof
	fault("16069", "error", "503"); fault("160720018", "error", "503"); fault("160635051", "error", "503")
	for (i = 1; i <= nf; i++) print F[i] > prof
	nf = 0
	print "" > prof
	print "# slow: answers after 1.5 s (the probe timeout is 5 s)" > prof
	fault("16053", "slow", "1500"); fault("160755011", "slow", "1500"); fault("efa-bafoeg", "slow", "1500")
	for (i = 1; i <= nf; i++) print F[i] > prof
	nf = 0
	print "" > prof
	print "# flaky: one request in five answers 500" > prof
	fault("16076", "flaky", "20"); fault("160700029", "flaky", "20")
	for (i = 1; i <= nf; i++) print F[i] > prof
	nf = 0
	print "" > prof
	print "# hang: accepts, never answers (the probe times out after 5 s)" > prof
	fault("160755004", "hang", "60000")
	for (i = 1; i <= nf; i++) print F[i] > prof
	nf = 0
	print "" > prof
	print "# stats_truncated: the portal works, its statistics document is cut off (usage error)" > prof
	fault("efa-unterhalt", "stats_truncated", "")
	for (i = 1; i <= nf; i++) print F[i] > prof
}
' "$leistungen" "$kreise" "$verbaende" "$leika"

mv "$tmp_cfg" "$out_cfg"
mv "$tmp_prof" "$out_prof"
trap - EXIT INT TERM
echo "gen-demo.sh: wrote $out_cfg and $out_prof" >&2
