#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# test_dashboards.sh - the generated dashboards of the full demo, on disk and served.
#
# Runs the simulator and ozgmond on free ports with dashboards_every: 5s,
# waits for a generation that has figures and graphs, then checks that every
# page type exists with its content, every generated file stays under 200 KB,
# nothing names another host, no temporary file is left, the server's path
# checks hold, and finally runs the browser test (tests/e2e/run.sh) against
# the running daemon.  One extra Onlinedienst for Einhausen (16066017) is
# probed over HTTPS (a test CA's certificate, 30 days) so the pages show a
# certificate's end.
set -u
cd "$(dirname "$0")/../.."
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

make_work ozgmon-dash
daemon_port
WWW="$WORK/data/www"

make_test_certs "$WORK/certs" >/dev/null 2>&1 || echo "  (openssl failed: no HTTPS Dienst)"
start_sim --profile config/demo-sim.profile --tls "127.0.0.1:0,$WORK/certs/valid.pem,$WORK/certs/valid.key"
TLS_PORT=$(sim_tls_port valid)
demo_config "$WORK/demo.yml" -e "s#\"::127\.0\.0\.1:$SIM_PORT\"#\"valid.portal.test:443:127.0.0.1:$TLS_PORT\", &#;
     s#^  language: de#  language: de\n  dashboards_every: 5s#;
     s#^onlinedienste:#onlinedienste:\n  - id: einhausen-tls\n    name: \"Einhausen sicher\"\n    url: https://valid.portal.test/antrag\n    provider: \"Gemeinde Einhausen\"\n    probe: { expect_status: [200], body_contains: \"Antrag\", ca_file: $WORK/certs/ca.pem }#;
     s#^angebote:#angebote:\n  - { area: \"16066017\", ozg_id: \"10124\", dienst: einhausen-tls, reifegrad: 3 }#"
# A host in UTC: pages still speak global.timezone (Europe/Berlin by default), labelled.
D_WRAP=(env TZ=UTC)
start_daemon 20 "$WORK/d.log" --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data"
D_WRAP=()

echo "== generation"
generations_at_least() { awk -v n="$1" '$1 == "ozgmon_dashboards_generations_total" { exit !($2 >= n) } END { if (NR == 0) exit 1 }' <(http_get "$D/metrics"); }
check "the generator runs twice" wait_for 90 generations_at_least 2
has_graphs() { [ -f "$WWW/graph/k16051-kfz-latency.svg" ] && [ -f "$WWW/graph/16-avail.svg" -o -f "$WWW/graph/trend-16.svg" ]; }
check "graphs are drawn" wait_for 240 has_graphs
measured() { grep -Eq '>[0-9]{1,3},[0-9]{2} %</td>' "$WWW/gemeinde/16051000.html"; }
check "a Gemeinde page shows an uptime figure the German way" wait_for 90 measured
check "the generation is timed" awk -v s="$(metric ozgmon_dashboards_generate_seconds "$D")" 'BEGIN { exit !(s > 0 && s < 60) }'
check "no generation failed" metric_is ozgmon_dashboards_failed_generations_total "$D" 0
# The page's stamp is the German wall clock, labelled MEZ or MESZ, on a UTC host.
berlin_now=$(TZ=Europe/Berlin date +%d.%m.%Y)
check "pages stamp times in Europe/Berlin, labelled ($berlin_now)" \
	grep -Eq "$berlin_now, [0-9]{2}:[0-9]{2} Uhr MES?Z" "$WWW/index.html"

echo "== page types"
for f in index.html status.html dienste.html dienste-2.html dienste-5.html style.css sort.js favicon.svg kreis/16051.html kreis/16066.html \
	gemeinde/16051000.html gemeinde/16066017.html dienst/k16051-kfz.html dienst/th-elterngeld.html \
	badge/k16051-kfz-status.svg badge/k16051-kfz-uptime.svg graph/k16051-kfz-latency.svg \
	graph/k16051-kfz-avail.svg graph/trend-16.svg; do
	check "$f exists" [ -s "$WWW/$f" ]
done
check "a page per Kreis (22)" [ "$(ls "$WWW/kreis" | grep -c '\.html$')" = 22 ]
check "a page per Gemeinde (631)" [ "$(ls "$WWW/gemeinde" | grep -c '\.html$')" = 631 ]
check "a page per Onlinedienst (671)" [ "$(ls "$WWW/dienst" | grep -c '\.html$')" = 671 ]
check "two badges per Onlinedienst" [ "$(ls "$WWW/badge" | grep -c '\.svg$')" = 1342 ]
check "the list of all Onlinedienste in 5 pages of at most 150" [ ! -e "$WWW/dienste-6.html" ]
# Every generated file, not only the pages: graphs, badges, assets.
nfiles=$(find "$WWW" -type f ! -name '*.tmp' | wc -l)
big=$(find "$WWW" -type f -size +200k -printf '%P ' | head -c 300)
check "every one of $nfiles files under 200 KB (${big:-none larger})" [ -z "$big" ]
# 200 KB as 200,000 bytes, the stricter reading.
big=$(find "$WWW" -type f -size +199999c -printf '%P ' | head -c 300)
check "every file under 200,000 bytes (${big:-none larger})" [ -z "$big" ]
for kind in html svg; do
	echo "  largest .$kind: $(find "$WWW" -name "*.$kind" -printf '%s %P\n' | sort -n | tail -1)"
done
echo "  graphs: $(find "$WWW/graph" -name '*.svg' | wc -l) files, $(du -sk --apparent-size "$WWW/graph" | cut -f1) KiB"
check "the Land page names Erfurt's Kreis" grep -q '>Erfurt, Stadt</a>' "$WWW/index.html"
check "German lang attribute" grep -q '<html lang="de">' "$WWW/kreis/16051.html"
check "Gemeinde page lists a Land-wide EfA service" grep -q 'dienst/th-elterngeld.html' "$WWW/gemeinde/16066017.html"
destatis='<p class="attribution">Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Stand 30.11.2021 (Datenlizenz Deutschland – Namensnennung – Version 2.0). Auszug Thüringen, in CSV umgewandelt.</p>'
for f in index.html kreis/16051.html gemeinde/16066017.html gemeinden.html leistung/10124.html dienst/th-elterngeld.html; do
	check "$f shows inhabitants and carries the Destatis attribution" \
		bash -c "grep -q 'Einwohner' '$WWW/$f' && grep -qF '$destatis' '$WWW/$f'"
done
check "a badge has an accessible title" grep -q '<title id="t">' "$WWW/badge/k16051-kfz-status.svg"
check "status page says how many of how many services are disrupted, in German" \
	grep -Eq '</span> [0-9.]+ von ([2-9]|[0-9.]{2,}) Diensten gestört</p>' "$WWW/status.html"
has_history() { grep -q '<th scope="col">Beginn</th><th scope="col">Ende</th>' "$WWW/status.html"; }
check "status page shows the incident history from the journal" wait_for 90 has_history
check "the history names the reason of an incident" \
	grep -Eq '</td><td>(Zeitüberschreitung|keine Verbindung|unerwarteter HTTP-Status( [0-9]{3})?|erwarteter Inhalt fehlt|Namensauflösung fehlgeschlagen|unbekannt)</td></tr>' "$WWW/status.html"
# The simulator answers 503 for service.landkreis-hildburghausen.de and others (demo-sim.profile).
check "an unexpected HTTP status is named with its code" grep -q '<td>unerwarteter HTTP-Status 503</td>' "$WWW/status.html"
check "the Kreis page of a portal answering 503 names the code, never the bare reason" \
	bash -c "grep -q '</span></td><td>unerwarteter HTTP-Status 503</td>' '$WWW/kreis/16069.html' &&
		! grep -q '</span></td><td>unerwarteter HTTP-Status</td>' '$WWW/kreis/16069.html'"
has_cert() { grep -Eq '>[0-9]{2}\.[0-9]{2}\.[0-9]{4} \((29|30) Tage\)</td>' "$WWW/gemeinde/16066017.html"; }
check "Einhausen's page shows the HTTPS Dienst's certificate end" wait_for 60 has_cert
check "a Kreis page has the latest incidents and the downtime column" \
	bash -c "grep -q 'id=\"stoerungsverlauf\"' '$WWW/kreis/16066.html' && grep -q '>Störungen (Ausfallzeit)</th>' '$WWW/kreis/16066.html'"
check "a Dienst page shows latency by phase" \
	bash -c "grep -q 'Antwortzeit nach Phasen' '$WWW/dienst/k16051-kfz.html' && grep -q 'Namensauflösung (DNS)</th>' '$WWW/dienst/k16051-kfz.html'"
# The last row of the daily table is today: a measured figure from the series file, not "–".
has_daily() {
	[ -s "$WWW/dienst/k16051-kfz.html" ] && perl -0777 -ne 'exit !(/Verfügbarkeit je Tag<\/figcaption>(?:(?!<\/tbody>).)*?<td class="num" data-v="(?!-1")[\d.e+-]+">[^<]*<\/td><\/tr>\n<\/tbody>/s)' \
		"$WWW/dienst/k16051-kfz.html"
}
check "a Dienst page shows today's availability in its daily table" wait_for 60 has_daily
has_usage() { grep -q '<th scope="row">Eingereichte Anträge</th>' "$WWW/dienst/th-elterngeld.html"; }
check "an EfA Dienst page shows its usage figures, named in German" wait_for 60 has_usage
check "no raw usage key on the German page" \
	bash -c "[ -s '$WWW/dienst/th-elterngeld.html' ] && ! grep -Eq 'applications_submitted_total|applications_started_total|by_service_submitted_total|portal_status' '$WWW/dienst/th-elterngeld.html'"
# Gera's statistics document is named by five of its Dienste: the portal's, counted once.
check "a Dienst page names the Dienste that share its portal's statistics" \
	bash -c "grep -q '<p class=\"shared\">Diese Statistik gilt für das ganze Portal' '$WWW/dienst/k16052-wohngeld.html' &&
		grep -q 'href=\"../dienst/k16052-fischerei.html\"' '$WWW/dienst/k16052-wohngeld.html'"
docs=$(perl -ne 'print $1 if m#<tr><th scope="row">Eingereichte Anträge</th><td class="num" data-v="[^"]*">[^<]*</td><td class="num" data-v="(\d+)"#' "$WWW/index.html")
distinct=$(grep -o 'url: http[^ ]*/api/stats.json' "$WORK/demo.yml" | sort -u | wc -l)
named=$(grep -c 'url: http[^ ]*/api/stats.json' "$WORK/demo.yml")
check "the Land page sums the submitted applications over ${docs:-no} documents, at most the $distinct distinct ones of $named Dienste" \
	bash -c '[ -n "$1" ] && [ "$1" -ge 1 ] && [ "$1" -le "$2" ]' _ "$docs" "$distinct"
has_usage_trend() { [ -s "$WWW/graph/th-elterngeld-usage.svg" ] && grep -q 'Nutzung im Verlauf' "$WWW/dienst/th-elterngeld.html"; }
check "the usage counters over time: graph and totals" wait_for 60 has_usage_trend
check "the usage totals name each stored counter" \
	bash -c "grep -A12 'Nutzung im Verlauf' '$WWW/dienst/th-elterngeld.html' | grep -q '<th scope=\"row\">Eingereichte Anträge je Leistung</th>'"
# librrd's vertical tag is glyph outlines, not text: a run of glyphs that all
# stand at one x within 20 units of the right border.
tagged() {
	perl -0777 -ne '($w) = /viewBox="0 0 ([\d.]+)/;
		while (/<g [^>]*>\s*((?:<use [^>]*\/>\s*)+)<\/g>/g) {
			my @x = $1 =~ / x="([\d.]+)"/g; my %u = map { $_ => 1 } @x;
			if (@x >= 2 && keys(%u) == 1 && $x[0] >= $w - 20) { print "$ARGV\n"; last } }' "$@"
}
printf '<svg viewBox="0 0 663 208">\n<g style="fill:#000">\n<use xlink:href="#g2-1" x="648" y="5"/>\n<use xlink:href="#g2-2" x="648" y="13"/>\n</g>\n</svg>\n' > "$WORK/tagged.svg"
check "the tag check finds a planted tag" [ "$(tagged "$WORK/tagged.svg")" = "$WORK/tagged.svg" ]
tags=$(find "$WWW/graph" -name '*.svg' -print0 | xargs -0 bash -c "$(declare -f tagged); tagged \"\$@\"" _ | head -3)
check "graphs carry no RRDtool tag (${tags:-none})" [ -z "$tags" ]

echo "== maps and Leistungen"
check "the Land page embeds the Land map" grep -q '<object type="image/svg+xml" data="map/land.svg"' "$WWW/index.html"
check "the Land page carries the BKG attribution, linked" grep -q '<a href="https://www.bkg.bund.de">© GeoBasis-DE / BKG 2021 (Daten verändert)</a>' "$WWW/index.html"
nlinks=$(grep -oE '<a href="\.\./gemeinde/[0-9]{8}\.html" target="_top"><title>[^<]+</title><path ' "$WWW/map/land.svg" | sort -u | wc -l)
check "the Land map links each of the 631 Gemeinden with a title ($nlinks)" [ "$nlinks" = 631 ]
check "the Land map has its legend and the attribution" \
	bash -c "grep -q '>90 % – 100 %</text>' '$WWW/map/land.svg' && grep -q '>© GeoBasis-DE / BKG 2021 (Daten verändert)</text>' '$WWW/map/land.svg'"
check "the Land map names Erfurt with its coverage" grep -Eq '<title>Erfurt, Stadt: [0-9]{1,3},[0-9] %</title>' "$WWW/map/land.svg"
check "the Land map's table: gemeinden.html with 631 rows" \
	[ "$(grep -c '<tr><th scope="row"><a href="gemeinde/' "$WWW/gemeinden.html")" = 631 ]
check "a Kreis page embeds its map" grep -q 'data="../map/kreis-16066.svg"' "$WWW/kreis/16066.html"
nk=$(grep -c 'href="../gemeinde/16066' "$WWW/map/kreis-16066.svg")
check "the Kreis map links its own Gemeinden only ($nk of $(grep -c '^16066' <(cut -d, -f1 data/registers/thueringen_gemeinden_2021-11-30.csv)))" \
	bash -c "[ $nk = \$(cut -d, -f1 data/registers/thueringen_gemeinden_2021-11-30.csv | grep -c '^16066') ] && ! grep -q 'href=\"../gemeinde/1605' '$WWW/map/kreis-16066.svg'"
offered=$(grep -oE 'ozg_id: "[0-9]{5}"' "$WORK/demo.yml" | sort -u | wc -l)
check "a page per Leistung offered ($offered)" [ "$(ls "$WWW/leistung" | grep -c '\.html$')" = "$offered" ]
check "a map per Leistung offered" [ "$(ls "$WWW/map" | grep -c '^leistung-.*\.svg$')" = "$offered" ]
check "a Leistung page names its Angebote, Reifegrad and Dienste" \
	bash -c "grep -q 'id=\"angebote\"' '$WWW/leistung/10124.html' && grep -q 'href=\"../dienst/einhausen-tls.html\"' '$WWW/leistung/10124.html' && grep -q 'data=\"../map/leistung-10124.svg\"' '$WWW/leistung/10124.html'"
check "the catalogue lists all 557 Leistungen" [ "$(grep -c '^<tr><td class="num">[0-9]\{5\}</td>' "$WWW/leistungen.html")" = 557 ]
tf1=$(grep -c '^<tr><td class="num">' "$WWW/katalog/themenfeld-1.html")
check "a Themenfeld filter page lists fewer ($tf1)" [ "$tf1" -gt 0 -a "$tf1" -lt 557 ]
rg4=$(grep -c '^<tr><td class="num">' "$WWW/katalog/reifegrad-4.html")
check "the Reifegrad 4 filter lists only Reifegrad 4 ($rg4)" \
	bash -c "[ $rg4 -gt 0 ] && [ \$(grep '^<tr><td class=\"num\">' '$WWW/katalog/reifegrad-4.html' | grep -vc 'data-v=\"4\">4</td>') = 0 ]"
check "a Gemeinde page links its Leistungen" grep -q 'href="../leistung/10124.html"' "$WWW/gemeinde/16066017.html"
check "a Kreis page links its Leistungen" grep -q 'id="leistungen"' "$WWW/kreis/16051.html"
m1=$(stat -c %Y.%s "$WWW/map/leistung-10124.svg")
gen_now=$(metric ozgmon_dashboards_generations_total "$D")
check "another generation runs" wait_for 60 generations_at_least $((${gen_now%.*} + 2))
check "an unchanged Leistung map is not rewritten" [ "$(stat -c %Y.%s "$WWW/map/leistung-10124.svg")" = "$m1" ]
echo "  generation took $(metric ozgmon_dashboards_generate_seconds "$D") s; map/land.svg $(stat -c %s "$WWW/map/land.svg") bytes"
csp=$(curl -sI --max-time 5 "$D/map/land.svg" | grep -i '^content-security-policy')
check "an embedded map may be framed by the site's pages" bash -c "grep -q \"object-src 'self'; frame-src 'self'; frame-ancestors 'self'\" <<<\"$csp\""

echo "== self-contained"
# Every generated file (HTML, SVG, CSS, JS) is scanned for a reference to
# another host: absolute or protocol-relative URLs anywhere, CSS url() and
# @import.  Allowed: the SVG namespace names (identifiers, never loaded) and a
# portal's address shown as text in <code> on its Dienst page, and the link of
# the BKG attribution next to every map (a link, never loaded).
scan_refs() {
	perl -ne 's#<code>[^<]*</code>##g; s#<a href="https://www\.bkg\.bund\.de">##g; s#xmlns(?::\w+)?="http://www\.w3\.org/[0-9]+/[a-z]+"##g;
		print "$ARGV: $1\n" while m#((?:[a-z][a-z0-9+.-]*:)?//[^\s"<>)]*|url\(|\@import)#gi' "$@"
}
foreign=$(find "$WWW" -type f \( -name '*.html' -o -name '*.svg' -o -name '*.css' -o -name '*.js' \) -print0 |
	xargs -0 bash -c "$(declare -f scan_refs); scan_refs \"\$@\"" _ | head -3)
check "no file references another host (${foreign:-none})" [ -z "$foreign" ]
printf '<p><code>https://portal.example/</code></p>\n<img src="//cdn.example/x.png">\n' > "$WORK/planted.html"
planted=$(scan_refs "$WORK/planted.html")
check "the scan finds a planted reference and spares <code> text ($planted)" [ "$planted" = "$WORK/planted.html: //cdn.example/x.png" ]
svgrefs=$(grep -rhoE '(xlink:)?href="[^"#][^"]*"' "$WWW/graph" "$WWW/badge" | head -3)
check "no links in graphs or badges (${svgrefs:-none})" [ -z "$svgrefs" ]

echo "== served"
page_code() { code --path-as-is "$D$1"; }
check "/index.html serves the Land overview" bash -c "curl -s --max-time 5 '$D/index.html' | grep -q 'Umsetzungsstand und Verfügbarkeit'"
check "/ stays the live status page, linking the overview" bash -c "curl -s --max-time 5 '$D/' | grep -q 'href=\"/index.html\"'"
check "a Kreis page: 200" [ "$(page_code /kreis/16051.html)" = 200 ]
ctype=$(curl -s -o /dev/null --max-time 5 -w '%{content_type}' "$D/badge/k16051-kfz-status.svg")
check "a badge is image/svg+xml ($ctype)" [ "$ctype" = "image/svg+xml" ]
check "pages carry Cache-Control" bash -c "curl -sI --max-time 5 '$D/status.html' | grep -qi '^cache-control: public, max-age='"
ln -s /etc/passwd "$WWW/evil.html"
mkdir -p "$WWW/.hidden" && echo x > "$WWW/.hidden/x.html"
echo secret > "$WORK/data/secret.html"
for p in /../secret.html /%2e%2e/secret.html /kreis/..%2f..%2fsecret.html '/kreis\16051.html' \
	/evil.html /.hidden/x.html /kreis/ //index.html /index.html.tmp '/kreis/16051.html%20' /favicon.ico \
	/demo.yml /nope.html; do
	c=$(page_code "$p")
	# 400: refused by the request-path check; 404: nothing served there.
	check "refused or unknown: $p -> $c" [ "$c" = 404 -o "$c" = 400 ]
done
check "/metrics still served" [ "$(page_code /metrics)" = 200 ]

echo "== browser"
if [ "${OZGMON_SKIP_E2E:-}" = 1 ]; then
	echo "  skipped: OZGMON_SKIP_E2E=1"
else
	if tests/e2e/run.sh "$D"; then ok "browser test (tests/e2e)"; else bad "browser test (tests/e2e)"; fi
fi

echo "== stop"
# While it runs, a generation may be writing a temporary file; once stopped, none may remain.
stop_daemon TERM
check "the daemon stops cleanly (exit $RC)" [ "$RC" = 0 ]
tmp=$(find "$WWW" -name '*.tmp*' | head -3)
check "no temporary files left (${tmp:-none})" [ -z "$tmp" ]

echo "== feeds"
# The Land's Atom feed and Erfurt's, as the generator left them; xmllint: libxml2-utils.
check "feed.atom is an Atom feed" grep -q '<feed xmlns="http://www.w3.org/2005/Atom"' "$WWW/feed.atom"
# (tools/deps.sh test installs it: a missing xmllint fails here, it does not skip)
check "xmllint accepts the Land's and Erfurt's feeds" xmllint --noout "$WWW/feed.atom" "$WWW/gemeinde/16051000.atom"
check "status.html links the Land's feed" grep -q 'type="application/atom+xml" title="[^"]*" href="feed.atom"' "$WWW/status.html"

echo "dashboards: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
