# SPDX-License-Identifier: EUPL-1.2
# lib_web.sh - what the tests of ozgmond's HTTP surface share (sourced after
# lib.sh by test_mtls.sh, test_scrape_guard.sh and test_hostile_http.sh).

# refused_config [GLOBAL_LINE...]: a configuration for ozgmond listening on
# 127.0.0.1:$D_PORT with its data in $WORK/data, each GLOBAL_LINE (such as
# "dashboards_every: 24h") one more line of global:, and one Onlinedienst,
# refused, at a port nothing listens on, with one Angebot: the daemon serves
# every part of its HTTP surface while its probes fail at once.
refused_config() {
	echo "global:"
	echo "  listen: \"127.0.0.1:$D_PORT\""
	echo "  data_dir: $WORK/data"
	[ $# -eq 0 ] || printf '  %s\n' "$@"
	cat <<YAML
  interval: 5s
  timeout: 1s
$(registers_yaml)
onlinedienste:
  - { id: refused, url: "http://127.0.0.1:1/" }
angebote:
  - { area: "16051000", ozg_id: "10124", dienst: refused, reifegrad: 3 }
YAML
}

# run_tool SECONDS PART ARGS...: tests/tools/hostile_http.py PART ARGS..., ended
# after SECONDS; prints its output but the FIGURES line, which goes into FIGURES,
# and counts its ok and FAIL lines into PASS and FAIL here.  A tool that fails
# (a crash, killed by the timeout) or judges nothing is one failure more.
run_tool() {
	local secs=$1 out line rc judged=0
	shift
	out=$(timeout "$secs" python3 tests/tools/hostile_http.py "$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^FIGURES'
	FIGURES=$(grep '^FIGURES' <<<"$out")
	while IFS= read -r line; do
		case "$line" in
		"  ok   "*) PASS=$((PASS + 1)); judged=1 ;;
		"  FAIL "*) FAIL=$((FAIL + 1)); judged=1 ;;
		esac
	done <<<"$out"
	if [ "$judged" = 0 ] || { [ "$rc" != 0 ] && [ "$rc" != 1 ]; }; then
		echo "  FAIL hostile_http.py $1 ended with status $rc after judging $judged checks"
		FAIL=$((FAIL + 1))
	fi
}
