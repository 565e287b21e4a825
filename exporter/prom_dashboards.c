/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_dashboards.c - see prom_dashboards.h. */
#include "exporter/prom_dashboards.h"

#include "exporter/prom_format.h"

void prom_render_dashboards(const struct prom_out *o, const struct dash_stats *st)
{
	if (!st)
		return;
	prom_scalar(o, "ozgmon_dashboards_last_generated_timestamp_seconds", "gauge",
		    "When the dashboards were last written completely or partly (0: not yet).", st->last_s);
	prom_scalar(o, "ozgmon_dashboards_generate_seconds", "gauge",
		    "How long the last generation of the dashboards took.", st->took_s);
	prom_scalar(o, "ozgmon_dashboards_generations_total", "counter",
		    "Generations of the dashboards finished.", (double)st->runs);
	prom_scalar(o, "ozgmon_dashboards_failed_generations_total", "counter",
		    "Generations in which at least one file could not be written.", (double)st->failed_runs);
	prom_scalar(o, "ozgmon_dashboards_errors_total", "counter",
		    "Dashboard files and graphs that could not be written.", (double)st->file_errors);
	prom_scalar(o, "ozgmon_dashboards_pages", "gauge",
		    "HTML pages written by the last generation.", (double)st->pages);
	prom_scalar(o, "ozgmon_dashboards_graphs", "gauge",
		    "Graphs drawn by the last generation (0 when it reused the previous ones).",
		    (double)st->graphs);
	prom_scalar(o, "ozgmon_dashboards_largest_page_bytes", "gauge",
		    "Size of the largest page of the last generation.", (double)st->largest);
}
