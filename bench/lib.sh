# SPDX-License-Identifier: EUPL-1.2
# lib.sh - shell functions the benchmarks that set ozgmond beside prometheus-blackbox-exporter
# against one loopback nginx share (sourced by bench/daemon/run.sh and bench/collector/run.sh,
# from the top of the checkout, after tests/integration/lib.sh: make_work, free_port_low,
# wait_for and the array PIDS of what the exit trap stops come from there).

# need_tools CMD...: exits 1 naming the first CMD found neither on PATH nor in /usr/sbin.
need_tools() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] ||
			{ echo "${0##*/}: $cmd is missing (tools/deps.sh test installs it)"; exit 1; }
	done
}

HZ=$(getconf CLK_TCK)
# cpu_s PID: utime+stime in seconds (0 once the process or thread, PID/task/TID, is gone).
cpu_s() { awk -v hz="$HZ" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# rss_mb PID [DECIMALS]: the resident set now, in MiB with DECIMALS (0) places.
rss_mb() { awk -v f="%.${2:-0}f" '/^VmRSS:/ { printf f, $2 / 1024 }' "/proc/$1/status"; }

# start_nginx WORKER_CONNECTIONS: nginx (NGINX) on a free port NGX of 127.0.0.1, in the
# foreground with its own prefix $WORK/nginx, answering 200 with a page that holds "Antrag"
# to every GET; sets NGX_PID and adds it to PIDS.  Exits 1 when it does not answer in 10 s.
start_nginx() {
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	NGX=$(free_port_low) || exit 1
	mkdir -p "$WORK/nginx/logs"
	cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections $1; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx/cb;
	proxy_temp_path $WORK/nginx/px;
	fastcgi_temp_path $WORK/nginx/fc;
	uwsgi_temp_path $WORK/nginx/uw;
	scgi_temp_path $WORK/nginx/sc;
	server {
		listen 127.0.0.1:$NGX backlog=4096;
		location / { default_type text/html; return 200 "<html><body>Antrag stellen</body></html>\n"; }
	}
}
CONF
	"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
	NGX_PID=$!
	PIDS+=($NGX_PID)
	wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$NGX/" || { echo "nginx did not start"; cat "$WORK/nginx/stderr"; exit 1; }
}

# start_blackbox TARGET [HTTP_OPTION...]: prometheus-blackbox-exporter on a free port BB of
# 127.0.0.1 with the one module http_2xx (IPv4, 5 s; each HTTP_OPTION, such as
# "valid_status_codes: [200]", one more line of its http: block), its config and log in
# $WORK/bb.yml and $WORK/bb.log; sets BB_PID (added to PIDS) and BB_PROBE, the URL of
# one http_2xx probe of TARGET (URL-encoded).  Exits 1 when it does not answer in 10 s or
# that probe does not succeed.
start_blackbox() {
	local target=$1 opt
	shift
	BB=$(free_port_low) || exit 1
	{
		cat <<YAML
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
YAML
		for opt in "$@"; do printf '      %s\n' "$opt"; done
	} > "$WORK/bb.yml"
	prometheus-blackbox-exporter --config.file="$WORK/bb.yml" --web.listen-address="127.0.0.1:$BB" \
		>"$WORK/bb.log" 2>&1 &
	BB_PID=$!
	PIDS+=($BB_PID)
	BB_PROBE="http://127.0.0.1:$BB/probe?module=http_2xx&target=$target"
	wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$BB/metrics" || { echo "blackbox_exporter did not start"; cat "$WORK/bb.log"; exit 1; }
	curl -s "$BB_PROBE" | grep -q '^probe_success 1' || { echo "blackbox probe fails"; exit 1; }
}
