/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_self.c - see prom_self.h. */
#include "exporter/prom_self.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The store's spill, conversions, usage writes and rrdcached connection. */
static void store_detail(const struct prom_out *o, const struct store_stats *st)
{
	prom_scalar(o, "ozgmon_store_spill_length", "gauge",
		    "Samples waiting in the spill behind the full RRD writer queue.",
		    (double)st->spill_len);
	prom_scalar(o, "ozgmon_store_spill_capacity", "gauge",
		    "Bound of the spill.", (double)st->spill_cap);
	prom_scalar(o, "ozgmon_rrd_usage_updates_total", "counter",
		    "Usage counter samples written.", (double)st->usage_updates);
	prom_scalar(o, "ozgmon_rrd_files_converted_total", "counter",
		    "RRD files rebuilt in the configured layout (the old file kept as a backup).",
		    (double)st->migrated);
	if (!st->rrdcached)
		return;
	prom_scalar(o, "ozgmon_rrdcached_up", "gauge",
		    "1 when the last request of the RRD writer to rrdcached succeeded.",
		    st->rrdcached_up ? 1 : 0);
	prom_scalar(o, "ozgmon_rrdcached_connects_total", "counter",
		    "Connections the RRD writer made to rrdcached (more than 1: reconnects).",
		    (double)st->reconnects);
}

/* Build, configuration and readiness of ozgmond itself. */
void prom_render_daemon(const struct prom_out *o, bool reload_ok, double reload_success_s, bool ready)
{
	prom_family(o, "ozgmon_build_info", "info", "Version of ozgmond; always 1.");
	prom_sample(o, "ozgmon_build_info", "version", OZGMON_VERSION, 1);
	prom_scalar(o, "ozgmon_config_last_reload_successful", "gauge",
		    "Whether the last configuration (re)load succeeded (1) or was refused (0).",
		    reload_ok ? 1 : 0);
	prom_scalar(o, "ozgmon_config_last_reload_success_timestamp_seconds", "gauge",
		    "When a configuration last loaded successfully, seconds since the epoch.",
		    reload_success_s);
	prom_scalar(o, "ozgmon_ready", "gauge",
		    "1 when the configuration is loaded and every target has been probed once.",
		    ready ? 1 : 0);
}

/* The standard process_* families of the Prometheus client libraries. */
void prom_render_process(const struct prom_out *o, const struct prom_process *p, double start_time_s)
{
	if (p->valid) {
		prom_scalar(o, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.", p->cpu_seconds);
		prom_scalar(o, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.", p->resident_bytes);
		prom_scalar(o, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory size in bytes.", p->virtual_bytes);
		prom_scalar(o, "process_open_fds", "gauge",
		       "Number of open file descriptors.", p->open_fds);
		prom_scalar(o, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.", p->max_fds);
	}
	prom_scalar(o, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.", start_time_s);
}

/* Files the RRD writer could not read or create, tried again with a backoff. */
static void store_file_metrics(const struct prom_out *o, const struct store_stats *st)
{
	prom_scalar(o, "ozgmon_store_files_unusable", "gauge",
		    "RRD files that could not be read or created and wait for their next retry.",
		    (double)st->files_unusable);
	prom_scalar(o, "ozgmon_store_file_retries_total", "counter",
		    "Retries of RRD files that could not be read or created.", (double)st->file_retries);
}

void prom_render_store(const struct prom_out *o, const struct store_stats *st)
{
	prom_scalar(o, "ozgmon_store_queue_length", "gauge",
		    "Samples waiting for the RRD writer.", (double)st->queue_len);
	prom_scalar(o, "ozgmon_store_queue_capacity", "gauge",
		    "Bound of the RRD writer's queue.", (double)st->queue_cap);
	prom_scalar(o, "ozgmon_store_dropped_samples_total", "counter",
		    "Samples that could not be stored (queue full or file unusable).",
		    (double)st->dropped);
	prom_scalar(o, "ozgmon_store_stale_samples_total", "counter",
		    "Samples not newer than their file's last update (clock stepped back).",
		    (double)st->stale);
	prom_scalar(o, "ozgmon_rrd_updates_total", "counter",
		    "RRD updates written.", (double)st->updates);
	prom_scalar(o, "ozgmon_rrd_errors_total", "counter",
		    "RRD updates that failed.", (double)st->errors);
	prom_scalar(o, "ozgmon_rrd_files_created_total", "counter",
		    "RRD files created.", (double)st->created);
	store_detail(o, st);
	store_file_metrics(o, st);
}

/* The exporter's own connection figures (docs/metrics.md). */
void prom_render_http(const struct prom_out *o, const struct prom_http *h)
{
	if (!h)
		return;
	prom_scalar(o, "ozgmon_http_connections_open", "gauge", "HTTP connections open now.", h->open);
	prom_family(o, "ozgmon_http_connections_limit", "gauge",
	       "HTTP connections open at most, in total and per client address.");
	prom_sample(o, "ozgmon_http_connections_limit", "scope", "total", h->limit);
	prom_sample(o, "ozgmon_http_connections_limit", "scope", "per_address", h->per_ip_limit);
	prom_scalar(o, "ozgmon_http_connections_total", "counter",
		    "HTTP connections accepted (those over a limit are refused before this count).",
		    h->total);
	prom_scalar(o, "ozgmon_http_slow_clients_dropped_total", "counter",
		    "HTTP connections cut because their request headers did not arrive in time.",
		    h->slow_cut);
	prom_family(o, "ozgmon_http_refused_total", "counter",
		    "HTTP connections or requests refused, by reason (docs/security.md).");
	for (size_t i = 0; i < h->n_refused && i < 8; i++)
		prom_sample(o, "ozgmon_http_refused_total", "reason", h->refused_names[i], h->refused[i]);
}

/* ---- process figures ---------------------------------------------------- */

void prom_process_read(struct prom_process *out)
{
	char line[1024], *p;
	unsigned long utime = 0, stime = 0, vsize = 0;
	long rss = 0, tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	DIR *d;
	FILE *f;
	size_t n;

	memset(out, 0, sizeof *out);
	f = fopen("/proc/self/stat", "re");
	if (!f)
		return;
	n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(line, ')');
	if (!p || tck <= 0 || page <= 0 ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
			  "%*d %*d %*u %lu %ld", &utime, &stime, &vsize, &rss) != 4)
		return;
	out->cpu_seconds = (double)(utime + stime) / (double)tck;
	out->virtual_bytes = (double)vsize;
	out->resident_bytes = (double)rss * (double)page;
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		double fds = 0;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		out->open_fds = fds - 1;	/* the directory stream's own descriptor */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		out->max_fds = rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur;
	out->valid = true;
}

