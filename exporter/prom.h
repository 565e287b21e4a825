/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom.h - Prometheus exposition: text format 0.0.4 and OpenMetrics 1.0.0.
 *
 * prom_render() writes every metric family from one immutable snapshot plus
 * the self-metrics passed in, with HELP and TYPE lines (and UNIT lines and a
 * final "# EOF" in OpenMetrics).  Hot series carry only short keys as labels
 * (dienst="<id>"); names live in ozg_dienst_info.  Label values are escaped
 * as both formats require (\\, \", \n), and numbers are written so that
 * Prometheus parses them back exactly.
 *
 * Families are declared with their text-format name: a counter ends in
 * _total and an info metric in _info; in OpenMetrics the family name drops
 * that suffix, as the specification requires, while samples keep it.
 */
#ifndef OZG_PROM_H
#define OZG_PROM_H

#include <stdbool.h>

#include "model/state.h"
#include "common/buf.h"
#include "model/dash_stats.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
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
};

/* Self-metrics that do not live in the snapshot. */
struct prom_self {
	const struct store_stats *store;	/* may be NULL */
	double start_time_s;			/* process start, seconds since the epoch */
	bool ready;
	bool openmetrics;			/* OpenMetrics 1.0.0 instead of text 0.0.4 */
	bool reload_ok;				/* the last configuration (re)load succeeded */
	double reload_success_s;		/* when a configuration last loaded, epoch s */
	struct prom_process proc;
	const struct rollout_ref *rollout;	/* may be NULL */
	const struct incidents_view *incidents;	/* may be NULL */
	const struct dash_stats *dashboards;	/* may be NULL */
	const struct prom_http *http;		/* the HTTP server's figures; may be NULL */
	struct prom_cache *cache;		/* borrowed; NULL: everything rendered anew */
};

/*
 * The families that depend on the configuration alone (ozg_dienst_info,
 * ozg_dienst_host_info, ozg_dienst_area), kept rendered per format for the
 * configuration of the latest scraped snapshot and copied into each scrape
 * instead of being formatted again.  It holds a reference to that
 * configuration (struct state_cfg) until a snapshot of another one is
 * rendered or the cache is freed; snapshots without a reference are
 * rendered anew every time.  Thread-safe: scrapes share one cache.
 */
struct prom_cache;
struct prom_cache *prom_cache_new(void);	/* NULL when out of memory */
void prom_cache_free(struct prom_cache *c);	/* NULL-safe */
/* The blocks of the cache; for renderers called from prom_render(). */
enum prom_cached { PROM_CACHED_DIENST_INFO, PROM_CACHED_DIENST_HOST, PROM_CACHED_DIENST_AREA,
		   PROM_CACHED_COUNT };
/*
 * Appends block `which` of cfg (the configuration of snapshot s) to b: the
 * cached bytes when c holds them for s's configuration, else render(b', cfg)
 * into the cache first.  Without c or a reference in s, renders into b.
 */
void prom_cached(struct buf *b, struct prom_cache *c, const struct snapshot *s,
		 enum prom_cached which, void (*render)(struct buf *, const struct cfg *));

#define PROM_CTYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define PROM_CTYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * HELP, TYPE (and in OpenMetrics UNIT) lines of a family, in the format being
 * rendered; for renderers called from prom_render().  type: "counter"
 * (name ends in _total), "gauge" or "info" (name ends in _info).
 */
void prom_family(struct buf *b, const char *name, const char *type, const char *help);
/* A family of one unlabelled sample: prom_family() and the sample line. */
void prom_scalar(struct buf *b, const char *name, const char *type, const char *help, double v);

/* Appends `s` to b with \\, \" and newline escaped (for a label value). */
void prom_escape_label(struct buf *b, const char *s);
/* Appends a sample value: integers exactly, NaN/Inf as the format spells them. */
void prom_value(struct buf *b, double v);
/* Renders the whole exposition into b (appends). */
void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self);
/* Reads this process's figures from /proc/self; out->valid says whether it could. */
void prom_process_read(struct prom_process *out);
/*
 * Picks the format from an Accept header (NULL: none): true for OpenMetrics
 * 1.0.0 when the client ranks it above the text format by q-value.
 */
bool prom_accept_openmetrics(const char *accept);

#endif
