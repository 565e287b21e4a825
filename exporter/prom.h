/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom.h - the /metrics exposition: text format 0.0.4 and OpenMetrics 1.0.0.
 *
 * prom_render() writes every metric family from one immutable snapshot plus
 * the self-metrics passed in, with HELP and TYPE lines (and UNIT lines and a
 * final "# EOF" in OpenMetrics).  The format is chosen per call
 * (prom_self.openmetrics) and travels to every family renderer in a
 * struct prom_out (prom_format.h).
 *
 * Layout of exporter/prom*: prom_format.[ch] is the format core;
 * prom_cache.[ch] keeps the configuration's families rendered; the metric
 * families are prom_self (ozgmond itself), prom_probe (the targets),
 * prom_rollout, prom_shard and prom_dashboards, each including the core
 * and none including this file; prom.c puts them together.
 */
#ifndef OZG_PROM_H
#define OZG_PROM_H

#include <stdbool.h>

#include "common/buf.h"
#include "exporter/prom_cache.h"
#include "exporter/prom_format.h"
#include "exporter/prom_self.h"
#include "model/state.h"
#include "model/dash_stats.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

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

/* Renders the whole exposition into b (appends); s may be NULL (no targets yet). */
void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self);
/*
 * Picks the format from an Accept header (NULL: none): true for OpenMetrics
 * 1.0.0 when the client ranks it above the text format by q-value.
 */
bool prom_accept_openmetrics(const char *accept);

#endif
