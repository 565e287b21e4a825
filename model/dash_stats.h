/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * dash_stats.h - the self-metrics the dashboards generator publishes.
 *
 * Here rather than in dashboards/ so that the exporter, which renders them
 * (exporter/prom_dashboards.c), and the generator, which fills them
 * (dashboards/task.c), stand side by side on the model; the daemon wires the
 * two together (http_deps.dash_stats).
 */
#ifndef OZG_MODEL_DASH_STATS_H
#define OZG_MODEL_DASH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Self-metrics of the generator, read at any time from any thread. */
struct dash_stats {
	uint64_t runs;			/* generations finished */
	uint64_t failed_runs;		/* of which had at least one error */
	uint64_t file_errors;		/* files or graphs that failed, summed over runs */
	double last_s;			/* wall clock of the last finished generation; 0 before */
	double took_s;			/* how long it took */
	unsigned pages;			/* pages it wrote */
	unsigned graphs;		/* graphs it drew */
	size_t largest;			/* bytes of its largest page */
};

#endif
