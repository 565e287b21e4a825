/* prom_dashboards.c - see prom_dashboards.h. */
#include "exporter/prom_dashboards.h"

#include "exporter/prom.h"

static void one(struct buf *b, const char *name, const char *type, const char *help, double v)
{
	prom_family(b, name, type, help);
	buf_puts(b, name);
	buf_puts(b, " ");
	prom_value(b, v);
	buf_puts(b, "\n");
}

void prom_render_dashboards(struct buf *b, const struct dash_stats *st)
{
	if (!st)
		return;
	one(b, "ozgmon_dashboards_last_generated_timestamp_seconds", "gauge",
	    "When the dashboards were last written completely or partly (0: not yet).", st->last_s);
	one(b, "ozgmon_dashboards_generate_seconds", "gauge",
	    "How long the last generation of the dashboards took.", st->took_s);
	one(b, "ozgmon_dashboards_generations_total", "counter",
	    "Generations of the dashboards finished.", (double)st->runs);
	one(b, "ozgmon_dashboards_failed_generations_total", "counter",
	    "Generations in which at least one file could not be written.", (double)st->failed_runs);
	one(b, "ozgmon_dashboards_errors_total", "counter",
	    "Dashboard files and graphs that could not be written.", (double)st->file_errors);
	one(b, "ozgmon_dashboards_pages", "gauge",
	    "HTML pages written by the last generation.", (double)st->pages);
	one(b, "ozgmon_dashboards_graphs", "gauge",
	    "Graphs drawn by the last generation (0 when it reused the previous ones).", (double)st->graphs);
	one(b, "ozgmon_dashboards_largest_page_bytes", "gauge",
	    "Size of the largest page of the last generation.", (double)st->largest);
}
