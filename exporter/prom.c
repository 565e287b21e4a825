/* prom.c - see prom.h. */
#include "exporter/prom.h"
#include "exporter/prom_rollout.h"
#include "exporter/prom_dashboards.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void prom_escape_label(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '"')
			esc = "\\\"";
		else if (*s == '\n')
			esc = "\\n";
		if (!esc)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, esc);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

void prom_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		buf_printf(b, "%.0f", v);
	else
		buf_printf(b, "%.17g", v);
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} v  (label may be NULL for no labels). */
static void sample1(struct buf *b, const char *name, const char *label, const char *value, double v)
{
	buf_puts(b, name);
	if (label) {
		buf_printf(b, "{%s=\"", label);
		prom_escape_label(b, value);
		buf_puts(b, "\"}");
	}
	buf_puts(b, " ");
	prom_value(b, v);
	buf_puts(b, "\n");
}

/* One gauge per probed target, picked by `field`. */
enum tfield { TF_SUCCESS, TF_DURATION, TF_STATUS, TF_LAST };

static void per_target(struct buf *b, const struct snapshot *s, const char *name,
		       const char *help, enum tfield f)
{
	family(b, name, "gauge", help);
	for (size_t i = 0; i < s->n; i++) {
		const struct target_state *t = &s->t[i];
		double v = 0;

		if (!t->probed)
			continue;
		switch (f) {
		case TF_SUCCESS: v = t->success ? 1 : 0; break;
		case TF_DURATION: v = t->duration_s; break;
		case TF_STATUS: v = t->http_status; break;
		case TF_LAST: v = (double)t->last_ms / 1000.0; break;
		}
		sample1(b, name, "dienst", s->cfg->dienste[i].id, v);
	}
}

static void dienst_info(struct buf *b, const struct snapshot *s)
{
	family(b, "ozg_dienst_info", "gauge",
	       "Names of an Onlinedienst (probe target); always 1.");
	for (size_t i = 0; i < s->n; i++) {
		const struct cfg_dienst *d = &s->cfg->dienste[i];
		buf_puts(b, "ozg_dienst_info{dienst=\"");
		prom_escape_label(b, d->id);
		buf_puts(b, "\",name=\"");
		prom_escape_label(b, d->name ? d->name : "");
		buf_puts(b, "\",provider=\"");
		prom_escape_label(b, d->provider ? d->provider : "");
		buf_printf(b, "\",efa=\"%s\"} 1\n", d->efa ? "true" : "false");
	}
}

void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self)
{
	family(b, "ozgmon_build_info", "gauge", "Version of ozgmond; always 1.");
	sample1(b, "ozgmon_build_info", "version", OZGMON_VERSION, 1);
	family(b, "ozgmon_ready", "gauge",
	       "1 when the configuration is loaded and every target has been probed once.");
	sample1(b, "ozgmon_ready", NULL, NULL, self->ready ? 1 : 0);
	family(b, "process_start_time_seconds", "gauge",
	       "Start time of the process since unix epoch in seconds.");
	sample1(b, "process_start_time_seconds", NULL, NULL, self->start_time_s);
	prom_render_dashboards(b, self->dashboards);

	if (self->store) {
		const struct store_stats *st = self->store;
		family(b, "ozgmon_store_queue_length", "gauge", "Samples waiting for the RRD writer.");
		sample1(b, "ozgmon_store_queue_length", NULL, NULL, (double)st->queue_len);
		family(b, "ozgmon_store_queue_capacity", "gauge", "Bound of the RRD writer's queue.");
		sample1(b, "ozgmon_store_queue_capacity", NULL, NULL, (double)st->queue_cap);
		family(b, "ozgmon_store_dropped_samples_total", "counter",
		       "Samples that could not be stored (queue full or file unusable).");
		sample1(b, "ozgmon_store_dropped_samples_total", NULL, NULL, (double)st->dropped);
		family(b, "ozgmon_store_stale_samples_total", "counter",
		       "Samples not newer than their file's last update (clock stepped back).");
		sample1(b, "ozgmon_store_stale_samples_total", NULL, NULL, (double)st->stale);
		family(b, "ozgmon_rrd_updates_total", "counter", "RRD updates written.");
		sample1(b, "ozgmon_rrd_updates_total", NULL, NULL, (double)st->updates);
		family(b, "ozgmon_rrd_errors_total", "counter", "RRD updates that failed.");
		sample1(b, "ozgmon_rrd_errors_total", NULL, NULL, (double)st->errors);
		family(b, "ozgmon_rrd_files_created_total", "counter", "RRD files created.");
		sample1(b, "ozgmon_rrd_files_created_total", NULL, NULL, (double)st->created);
	}
	if (!s)
		return;

	family(b, "ozgmon_targets", "gauge", "Probe targets configured.");
	sample1(b, "ozgmon_targets", NULL, NULL, (double)s->n);
	family(b, "ozgmon_probes_in_flight", "gauge", "Probes running now.");
	sample1(b, "ozgmon_probes_in_flight", NULL, NULL, s->stats.in_flight);
	family(b, "ozgmon_probes_waiting", "gauge", "Due probes waiting for a free transfer slot.");
	sample1(b, "ozgmon_probes_waiting", NULL, NULL, s->stats.waiting);
	family(b, "ozgmon_probes_skipped_total", "counter",
	       "Due probes skipped because the target's previous probe was still running.");
	sample1(b, "ozgmon_probes_skipped_total", NULL, NULL, (double)s->stats.skipped);
	family(b, "ozgmon_schedule_lag_seconds", "gauge",
	       "How late the most recent probe started behind its due time.");
	sample1(b, "ozgmon_schedule_lag_seconds", NULL, NULL, s->stats.lag_last_s);
	family(b, "ozg_probes_total", "counter", "Finished probes by result.");
	for (int r = 0; r < PROBE_RESULT_COUNT; r++)
		sample1(b, "ozg_probes_total", "result", probe_result_name((enum probe_result)r),
			(double)s->stats.results[r]);

	dienst_info(b, s);
	per_target(b, s, "ozg_probe_success",
		   "Whether the last probe of the Onlinedienst succeeded (1) or not (0).", TF_SUCCESS);
	per_target(b, s, "ozg_probe_duration_seconds",
		   "Total duration of the last probe in seconds.", TF_DURATION);
	per_target(b, s, "ozg_probe_http_status_code",
		   "HTTP status of the last probe's final response; 0 when none was read.", TF_STATUS);
	per_target(b, s, "ozg_probe_last_timestamp_seconds",
		   "When the last probe finished, seconds since the epoch.", TF_LAST);
	prom_render_rollout(b, s->cfg, self->rollout);
	prom_render_incidents(b, s->cfg, self->incidents);
}
