/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_probe.c - see prom_probe.h. */
#include "exporter/prom_probe.h"

#include <stdio.h>
#include <string.h>

/*
 * One gauge per probed target, picked by `field`; the certificate's expiry
 * only where one was seen, the maintenance flag only for targets with
 * maintenance windows.
 */
enum tfield { TF_SUCCESS, TF_DURATION, TF_STATUS, TF_LAST, TF_CERT_EXPIRY, TF_REDIRECTS,
	      TF_HTTP_VERSION, TF_DOWN, TF_MAINT };

static void per_target(const struct prom_out *o, const struct snapshot *s, const char *name,
		       const char *help, enum tfield f)
{
	prom_family(o, name, "gauge", help);
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
		case TF_CERT_EXPIRY:
			if (t->cert_expiry_s <= 0)
				continue;
			v = (double)t->cert_expiry_s;
			break;
		case TF_REDIRECTS: v = t->redirects; break;
		case TF_HTTP_VERSION: v = t->http_version; break;
		case TF_DOWN: v = t->down ? 1 : 0; break;
		case TF_MAINT:
			if (!s->cfg->dienste[i].n_maint)
				continue;
			v = t->maint ? 1 : 0;
			break;
		}
		prom_sample(o, name, "dienst", s->cfg->dienste[i].id, v);
	}
}

static void dienst_info(const struct prom_out *o, const struct cfg *cfg)
{
	prom_family(o, "ozg_dienst_info", "info", "Names of an Onlinedienst (probe target); always 1.");
	for (size_t i = 0; i < cfg->n_dienste; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		buf_puts(o->b, "ozg_dienst_info{dienst=\"");
		prom_escape_label(o->b, d->id);
		buf_puts(o->b, "\",name=\"");
		prom_escape_label(o->b, d->name ? d->name : "");
		buf_puts(o->b, "\",provider=\"");
		prom_escape_label(o->b, d->provider ? d->provider : "");
		buf_puts(o->b, d->efa ? "\",efa=\"true\"} 1\n" : "\",efa=\"false\"} 1\n");
	}
}

/* Whether metric k of dienst i is the first of its name (its family is written there). */
static bool usage_first(const struct cfg *cfg, size_t i, size_t k)
{
	const char *name = cfg->dienste[i].usage->metrics[k].name;

	for (size_t j = 0; j <= i; j++) {
		const struct cfg_usage *u = cfg->dienste[j].usage;
		for (size_t l = 0; u && l < u->n_metrics && (j < i || l < k); l++)
			if (strcmp(u->metrics[l].name, name) == 0)
				return false;
	}
	return true;
}

/*
 * The HELP text of usage metric m, first defined by dienst i: the
 * configuration gives each metric a name and a JSON pointer, no
 * description, so the text names both; when other Onlinedienste read the
 * same metric name through other pointers, it says so.
 */
static void usage_help(char *out, size_t outsz, const struct cfg *cfg, size_t i,
		       const struct cfg_usage_metric *m)
{
	bool same = true;

	for (size_t j = i; j < cfg->n_dienste && same; j++) {
		const struct cfg_usage *u = cfg->dienste[j].usage;
		for (size_t l = 0; u && l < u->n_metrics; l++)
			if (strcmp(u->metrics[l].name, m->name) == 0 &&
			    strcmp(u->metrics[l].pointer ? u->metrics[l].pointer : "",
				   m->pointer ? m->pointer : "") != 0)
				same = false;
	}
	if (same)
		snprintf(out, outsz, "Usage figure %s, read from the Onlinedienst's statistics document "
			 "at JSON pointer %s.", m->name, m->pointer ? m->pointer : "");
	else
		snprintf(out, outsz, "Usage figure %s, read from the Onlinedienst's statistics document "
			 "at JSON pointer %s (%s; other Onlinedienste read it at other pointers).",
			 m->name, m->pointer ? m->pointer : "", cfg->dienste[i].id);
}

/* ozg_usage_<name>{dienst[,label]}: the values of the latest fetch that succeeded. */
static void usage_metrics(const struct prom_out *o, const struct snapshot *s)
{
	const struct cfg *cfg = s->cfg;
	bool any = false;

	for (size_t i = 0; i < s->n; i++) {
		const struct cfg_usage *u = cfg->dienste[i].usage;
		if (!u)
			continue;
		any = true;
		for (size_t k = 0; k < u->n_metrics; k++) {
			const struct cfg_usage_metric *m = &u->metrics[k];
			char fam[96], help[1024];	/* prom_family_help() cuts it at PROM_HELP_MAX */
			if (!usage_first(cfg, i, k))
				continue;
			snprintf(fam, sizeof fam, "ozg_usage_%s", m->name);
			usage_help(help, sizeof help, cfg, i, m);
			prom_family_help(o, fam, m->type == CFG_USAGE_COUNTER ? "counter" : "gauge", help);
			for (size_t j = i; j < s->n; j++) {
				const struct cfg_usage *w = cfg->dienste[j].usage;
				const struct usage_result *r = s->t[j].usage;
				if (!w || !r || !r->ok)
					continue;
				for (size_t x = 0; x < r->n; x++) {
					const struct cfg_usage_metric *wm = &w->metrics[r->v[x].metric];
					if (strcmp(wm->name, m->name) != 0)
						continue;
					prom_dienst_sample(o, fam, cfg->dienste[j].id, wm->label, r->v[x].label,
						      r->v[x].v);
				}
			}
		}
	}
	if (!any)
		return;
	prom_family(o, "ozg_usage_up", "gauge",
	       "1 when the latest fetch of the statistics document yielded every value, else 0.");
	for (size_t i = 0; i < s->n; i++)
		if (cfg->dienste[i].usage && s->t[i].usage)
			prom_dienst_sample(o, "ozg_usage_up", cfg->dienste[i].id, NULL, NULL,
				      s->t[i].usage->ok ? 1 : 0);
	prom_family(o, "ozg_usage_last_success_timestamp_seconds", "gauge",
	       "When the statistics document was last read successfully.");
	for (size_t i = 0; i < s->n; i++)
		if (cfg->dienste[i].usage && s->t[i].usage && s->t[i].usage->last_ok_ms > 0)
			prom_dienst_sample(o, "ozg_usage_last_success_timestamp_seconds", cfg->dienste[i].id,
				      NULL, NULL, (double)s->t[i].usage->last_ok_ms / 1000.0);
	prom_family(o, "ozg_usage_resets_total", "counter",
		    "Usage counter values lower than in the fetch before: resets of the portal's counters.");
	for (size_t i = 0; i < s->n; i++)
		if (cfg->dienste[i].usage)
			prom_dienst_sample(o, "ozg_usage_resets_total", cfg->dienste[i].id, NULL,
					   NULL, (double)s->t[i].usage_resets);
	prom_scalar(o, "ozgmon_usage_errors_total", "counter",
		    "Fetches of statistics documents that yielded no values.",
		    (double)s->stats.usage_errors);
	prom_scalar(o, "ozgmon_usage_fetches_started_total", "counter",
		    "Fetches of statistics documents started.", (double)s->stats.usage_started);
	prom_scalar(o, "ozgmon_usage_fetches_finished_total", "counter",
		    "Fetches of statistics documents finished, with values or not.",
		    (double)s->stats.usage_finished);
}

/* The collector's probe-depth families and self-metrics (see docs/metrics.md). */
static void probe_depth_metrics(const struct prom_out *o, const struct snapshot *s)
{
	const struct collector_stats *st = &s->stats;
	uint64_t cum = 0;

	prom_family(o, "ozgmon_schedule_lag_seconds", "histogram",
	       "How late probes started behind their due time.");
	for (int i = 0; i <= STATE_LAG_BUCKETS; i++) {
		char le[32];
		cum += st->lag_bucket[i];
		if (i < STATE_LAG_BUCKETS)
			snprintf(le, sizeof le, "%g", state_lag_bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		prom_sample(o, "ozgmon_schedule_lag_seconds_bucket", "le", le, (double)cum);
	}
	prom_sample(o, "ozgmon_schedule_lag_seconds_sum", NULL, NULL, st->lag_sum_s);
	prom_sample(o, "ozgmon_schedule_lag_seconds_count", NULL, NULL, (double)cum);
	prom_scalar(o, "ozgmon_probes_started_total", "counter", "Probes started.", (double)st->started);
	prom_scalar(o, "ozgmon_probes_finished_total", "counter",
		    "Probes finished, whatever their result.", (double)st->finished);
	prom_scalar(o, "ozgmon_probes_aborted_total", "counter",
		    "Probes still running when a reload or the stop ended their collector "
		    "(after its drain time): counted, no sample written.", (double)st->aborted);
	prom_scalar(o, "ozgmon_usage_fetches_aborted_total", "counter",
		    "Usage fetches still running when a reload or the stop ended their collector.",
		    (double)st->usage_aborted);

	prom_family(o, "ozg_probe_http_duration_seconds", "gauge",
	       "Duration of the last probe by phase (summed over redirects).");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i].probed)
			continue;
		for (int ph = 0; ph < PROBE_PHASE_COUNT; ph++)
			prom_dienst_sample(o, "ozg_probe_http_duration_seconds", s->cfg->dienste[i].id, "phase",
				      probe_phase_name((enum probe_phase)ph), s->t[i].phase_s[ph]);
	}
	per_target(o, s, "ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds",
		   "Earliest notAfter of the certificates of the last probe's peer.", TF_CERT_EXPIRY);
	prom_family(o, "ozg_probe_tls_version_info", "info", "TLS version of the last probe; always 1.");
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].probed && s->t[i].tls_version[0])
			prom_dienst_sample(o, "ozg_probe_tls_version_info", s->cfg->dienste[i].id, "version",
				      s->t[i].tls_version, 1);
	per_target(o, s, "ozg_probe_redirects", "Redirects the last probe followed.", TF_REDIRECTS);
	per_target(o, s, "ozg_probe_http_version",
		   "HTTP version of the last probe's final response; 0 when none was read.",
		   TF_HTTP_VERSION);
	/*
	 * A state set: one series per result class, 1 for the last probe's, so
	 * that a change of result changes values, not series (bounded by the
	 * classes).
	 */
	prom_family(o, "ozg_probe_result", "gauge",
		    "1 for the result class of the last probe (one of the ozg_probes_total results), "
		    "0 for the others.");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i].probed)
			continue;
		for (int r = 0; r < PROBE_RESULT_COUNT; r++)
			prom_dienst_sample(o, "ozg_probe_result", s->cfg->dienste[i].id, "result",
					   probe_result_name((enum probe_result)r),
					   s->t[i].result == (enum probe_result)r ? 1 : 0);
	}
	per_target(o, s, "ozg_probe_down",
		   "1 when the target failed as many probes in a row as its retries allow.", TF_DOWN);
	per_target(o, s, "ozg_probe_maintenance",
		   "1 when the last probe fell in a maintenance window of the target.", TF_MAINT);
	usage_metrics(o, s);
}

static void collector_metrics(const struct prom_out *o, const struct snapshot *s)
{
	prom_scalar(o, "ozgmon_targets", "gauge", "Probe targets configured.", (double)s->n);
	prom_scalar(o, "ozgmon_probes_in_flight", "gauge", "Probes running now.", s->stats.in_flight);
	prom_scalar(o, "ozgmon_probes_waiting", "gauge",
		    "Due probes waiting for a free transfer slot.", s->stats.waiting);
	prom_scalar(o, "ozgmon_probes_skipped_total", "counter",
		    "Due probes skipped because the target's previous probe was still running.",
		    (double)s->stats.skipped);
	prom_family(o, "ozg_probes_total", "counter", "Finished probes by result.");
	for (int r = 0; r < PROBE_RESULT_COUNT; r++)
		prom_sample(o, "ozg_probes_total", "result", probe_result_name((enum probe_result)r),
			(double)s->stats.results[r]);
}


void prom_render_probes(const struct prom_out *o, const struct snapshot *s, struct prom_cache *cache)
{
	collector_metrics(o, s);
	prom_cached(o, cache, s, PROM_CACHED_DIENST_INFO, dienst_info);
	per_target(o, s, "ozg_probe_success",
		   "Whether the last probe of the Onlinedienst succeeded (1) or not (0).", TF_SUCCESS);
	per_target(o, s, "ozg_probe_duration_seconds",
		   "Total duration of the last probe in seconds.", TF_DURATION);
	per_target(o, s, "ozg_probe_http_status_code",
		   "HTTP status of the last probe's final response; 0 when none was read.", TF_STATUS);
	per_target(o, s, "ozg_probe_last_timestamp_seconds",
		   "When the last probe finished, seconds since the epoch.", TF_LAST);
	probe_depth_metrics(o, s);
}
