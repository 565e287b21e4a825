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
