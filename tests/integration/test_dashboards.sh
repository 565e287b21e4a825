#!/usr/bin/env bash
# test_dashboards.sh - the generated dashboards of the full demo, on disk and served.
#
# Runs the simulator and ozgmond on free ports with dashboards_every: 5s,
# waits for a generation that has figures and graphs, then checks that every
# page type exists, pages stay under 200 KB, nothing names another host, no
# temporary file is left, the server's path checks hold, and finally runs the
# browser test (tests/e2e/run.sh) against the running daemon.
set -u
cd "$(dirname "$0")/../.."
BIN_DIR=${BIN_DIR:-bin}
. tests/integration/lib.sh

WORK=$(mktemp -d /tmp/ozgmon-dash.XXXXXX)
SIM_PID=""
D_PID=""
cleanup() {
	[ -n "$D_PID" ] && kill "$D_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
SIM_PORT=$(free_port); D_PORT=$(free_port)
while [ "$D_PORT" = "$SIM_PORT" ]; do D_PORT=$(free_port); done
D="http://127.0.0.1:$D_PORT"
WWW="$WORK/data/www"

sed "s/::127\.0\.0\.1:18080/::127.0.0.1:$SIM_PORT/; s#\.\./data/registers/#$PWD/data/registers/#;
     s#^  language: de#  language: de\n  dashboards_every: 5s#" config/demo.yml > "$WORK/demo.yml"
"$BIN_DIR/ozgmon-sim" --listen "127.0.0.1:$SIM_PORT" --profile config/demo-sim.profile \
	>"$WORK/sim.log" 2>&1 &
SIM_PID=$!
"$BIN_DIR/ozgmond" --config "$WORK/demo.yml" --listen "127.0.0.1:$D_PORT" --data-dir "$WORK/data" \
	>"$WORK/d.log" 2>&1 &
D_PID=$!

echo "== generation"
generations_at_least() { awk -v n="$1" '$1 == "ozgmon_dashboards_generations_total" { exit !($2 >= n) } END { if (NR == 0) exit 1 }' <(http_get "$D/metrics"); }
check "the generator runs twice" wait_for 90 generations_at_least 2
has_graphs() { [ -f "$WWW/graph/k16051-kfz-latency.svg" ] && [ -f "$WWW/graph/16-avail.svg" -o -f "$WWW/graph/trend-16.svg" ]; }
check "graphs are drawn" wait_for 60 has_graphs
measured() { grep -Eq '>[0-9]{1,3},[0-9]{2} %</td>' "$WWW/gemeinde/16051000.html"; }
check "a Gemeinde page shows an uptime figure the German way" wait_for 90 measured
check "the generation is timed" awk -v s="$(metric ozgmon_dashboards_generate_seconds "$D")" 'BEGIN { exit !(s > 0 && s < 60) }'
check "no generation failed" metric_is ozgmon_dashboards_failed_generations_total "$D" 0

echo "== page types"
for f in index.html status.html dienste.html style.css sort.js favicon.svg kreis/16051.html kreis/16066.html \
	gemeinde/16051000.html gemeinde/16066017.html dienst/k16051-kfz.html dienst/th-elterngeld.html \
	badge/k16051-kfz-status.svg badge/k16051-kfz-uptime.svg graph/k16051-kfz-latency.svg \
	graph/k16051-kfz-avail.svg graph/trend-16.svg; do
	check "$f exists" [ -s "$WWW/$f" ]
done
check "a page per Kreis (22)" [ "$(ls "$WWW/kreis" | grep -c '\.html$')" = 22 ]
check "a page per Gemeinde (631)" [ "$(ls "$WWW/gemeinde" | grep -c '\.html$')" = 631 ]
check "a page per Onlinedienst (670)" [ "$(ls "$WWW/dienst" | grep -c '\.html$')" = 670 ]
check "two badges per Onlinedienst" [ "$(ls "$WWW/badge" | grep -c '\.svg$')" = 1340 ]
big=$(find "$WWW" -name '*.html' -size +200k | head -3)
check "every page under 200 KB (${big:-none larger})" [ -z "$big" ]
largest=$(find "$WWW" -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
echo "  largest page: $largest bytes"
check "the Land page names Erfurt's Kreis" grep -q '>Erfurt, Stadt</a>' "$WWW/index.html"
check "German lang attribute" grep -q '<html lang="de">' "$WWW/kreis/16051.html"
check "Gemeinde page lists a Land-wide EfA service" grep -q 'dienst/th-elterngeld.html' "$WWW/gemeinde/16066017.html"
check "a badge has an accessible title" grep -q '<title id="t">' "$WWW/badge/k16051-kfz-status.svg"
check "status page says which services are disrupted" grep -q 'Dienste gestört' "$WWW/status.html"

echo "== self-contained"
foreign=$(grep -rEl '(src|href)="(https?:)?//' "$WWW" | head -3)
check "no src/href to another host (${foreign:-none})" [ -z "$foreign" ]
check "no http(s) reference in CSS or JS" bash -c "! grep -Eq 'https?:|//[a-z]|url\\(|@import' '$WWW/style.css' '$WWW/sort.js'"
svgrefs=$(grep -rhoE '(xlink:)?href="[^"#][^"]*"' "$WWW/graph" "$WWW/badge" | head -3)
check "no links in graphs or badges (${svgrefs:-none})" [ -z "$svgrefs" ]

echo "== served"
code() { curl -s -o /dev/null --path-as-is --max-time 5 -w '%{http_code}' "$D$1"; }
check "/index.html serves the Land overview" bash -c "curl -s --max-time 5 '$D/index.html' | grep -q 'Umsetzungsstand und Verfügbarkeit'"
check "/ stays the live status page, linking the overview" bash -c "curl -s --max-time 5 '$D/' | grep -q 'href=\"/index.html\"'"
check "a Kreis page: 200" [ "$(code /kreis/16051.html)" = 200 ]
ctype=$(curl -s -o /dev/null --max-time 5 -w '%{content_type}' "$D/badge/k16051-kfz-status.svg")
check "a badge is image/svg+xml ($ctype)" [ "$ctype" = "image/svg+xml" ]
check "pages carry Cache-Control" bash -c "curl -sI --max-time 5 '$D/status.html' | grep -qi '^cache-control: public, max-age='"
ln -s /etc/passwd "$WWW/evil.html"
mkdir -p "$WWW/.hidden" && echo x > "$WWW/.hidden/x.html"
echo secret > "$WORK/data/secret.html"
for p in /../secret.html /%2e%2e/secret.html /kreis/..%2f..%2fsecret.html '/kreis\16051.html' \
	/evil.html /.hidden/x.html /kreis/ //index.html /index.html.tmp '/kreis/16051.html%20' /favicon.ico \
	/demo.yml /nope.html; do
	c=$(code "$p")
	# 400: refused by the request-path check; 404: nothing served there.
	check "refused or unknown: $p -> $c" [ "$c" = 404 -o "$c" = 400 ]
done
check "/metrics still served" [ "$(code /metrics)" = 200 ]

echo "== browser"
if [ "${OZGMON_SKIP_E2E:-}" = 1 ]; then
	echo "  skipped: OZGMON_SKIP_E2E=1"
else
	if tests/e2e/run.sh "$D"; then ok "browser test (tests/e2e)"; else bad "browser test (tests/e2e)"; fi
fi

echo "== stop"
# While it runs, a generation may be writing a temporary file; once stopped, none may remain.
kill -TERM "$D_PID"
wait "$D_PID"; rc=$?
D_PID=""
check "the daemon stops cleanly (exit $rc)" [ "$rc" = 0 ]
tmp=$(find "$WWW" -name '*.tmp*' | head -3)
check "no temporary files left (${tmp:-none})" [ -z "$tmp" ]

echo "dashboards: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
