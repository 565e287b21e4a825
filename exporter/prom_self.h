/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_self.h - ozgmond's own metric families: build, configuration and
 * readiness, the standard process_* families, the RRD store and the HTTP
 * server's connections (docs/metrics.md).
 */
#ifndef OZG_PROM_SELF_H
#define OZG_PROM_SELF_H

#include <stdbool.h>

#include "exporter/prom_format.h"
#include "store/store.h"

/* Standard process metrics, read from /proc (prom_process_read). */
struct prom_process {
	bool valid;			/* false: the process_* families are left out */
	double cpu_seconds;		/* user + system */
	double resident_bytes;
	double virtual_bytes;
	double open_fds;
	double max_fds;			/* soft RLIMIT_NOFILE */
};

/* The HTTP server's connection figures (exporter/http.c, docs/security.md). */
struct prom_http {
	double open;			/* connections open now */
	double limit;			/* connections in total at most */
	double per_ip_limit;		/* connections per client address at most */
	double total;			/* connections accepted since start */
	double slow_cut;		/* cut because their headers missed the deadline */
	double refused[8];		/* refused connections and requests by reason */
	const char *const *refused_names;	/* n_refused names for refused[] */
	size_t n_refused;
};

/* ozgmon_build_info, ozgmon_config_last_reload_*, ozgmon_ready. */
void prom_render_daemon(const struct prom_out *o, bool reload_ok, double reload_success_s, bool ready);
/* process_* (those from /proc only when p->valid) and process_start_time_seconds. */
void prom_render_process(const struct prom_out *o, const struct prom_process *p, double start_time_s);
/* ozgmon_store_*, ozgmon_rrd_*, ozgmon_rrdcached_* (the latter with rrdcached only). */
void prom_render_store(const struct prom_out *o, const struct store_stats *st);
/* ozgmon_http_connections_* and ozgmon_http_slow_clients_dropped_total; nothing when h is NULL. */
void prom_render_http(const struct prom_out *o, const struct prom_http *h);

/* Reads this process's figures from /proc/self; out->valid says whether it could. */
void prom_process_read(struct prom_process *out);

#endif
