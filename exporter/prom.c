/* SPDX-License-Identifier: EUPL-1.2 */
/* prom.c - see prom.h. */
#include "exporter/prom.h"
#include "exporter/prom_rollout.h"
#include "exporter/prom_dashboards.h"
#include "exporter/prom_shard.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * The format of the exposition being rendered by this thread.  Kept here so
 * that every family()/sample1() call follows it without a parameter;
 * prom_render() sets it on entry.
 */
static _Thread_local bool om;

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

/* Writes the decimal digits of u backwards ending at end; returns the first. */
static char *utoa_back(char *end, unsigned long long u)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return end;
}

/*
 * Appends v when it is an exact decimal with at most 9 fraction digits that
 * reads back as the same double: r / 10^k is correctly rounded, as is
 * strtod() of the digits printed, so both name the same double.  Covers
 * integers, millisecond timestamps and microsecond durations without the
 * cost of printf and a strtod round trip.  Returns false otherwise.
 */
static bool value_fast(struct buf *b, double v)
{
	static const double scale[] = { 1, 1e3, 1e6, 1e9 };
	static const int digits[] = { 0, 3, 6, 9 };
	char tmp[48], *end = tmp + sizeof tmp, *p;
	bool neg = v < 0;
	double a = neg ? -v : v;

	for (int k = 0; k < 4; k++) {
		double x = a * scale[k];
		unsigned long long r, ip, fp;
		int nd = digits[k];

		if (!(x < 9e15))
			return false;
		r = (unsigned long long)llround(x);
		if ((double)r / scale[k] != a)
			continue;
		ip = r / (unsigned long long)scale[k];
		fp = r % (unsigned long long)scale[k];
		p = end;
		if (fp) {
			while (fp % 10 == 0) {	/* drop trailing zeros */
				fp /= 10;
				nd--;
			}
			for (int i = 0; i < nd; i++) {
				*--p = (char)('0' + fp % 10);
				fp /= 10;
			}
			*--p = '.';
		}
		p = utoa_back(p, ip);
		if (neg && r)
			*--p = '-';
		buf_append(b, p, (size_t)(end - p));
		return true;
	}
	return false;
}

void prom_value(struct buf *b, double v)
{
	char tmp[40];
	int n;

	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (value_fast(b, v))
		return;
	/* The shortest of %.15g..%.17g that reads back as the same double. */
	n = snprintf(tmp, sizeof tmp, "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof tmp, "%.16g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof tmp, "%.17g", v);
	if (n > 0)
		buf_append(b, tmp, (size_t)n);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/*
 * HELP and TYPE of one family.  `name` is the text-format name; `type` is
 * "counter" (name ends in _total), "gauge" or "info" (name ends in _info;
 * a gauge of value 1 in text 0.0.4).  In OpenMetrics the family name drops
 * _total/_info and a UNIT line follows for names ending in _seconds/_bytes.
 */
static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	size_t len = strlen(name);

	if (!om) {
		if (strcmp(type, "info") == 0)
			type = "gauge";
		buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
		return;
	}
	if (strcmp(type, "counter") == 0 && ends_with(name, len, "_total"))
		len -= 6;
	else if (strcmp(type, "info") == 0 && ends_with(name, len, "_info"))
		len -= 5;
	buf_printf(b, "# TYPE %.*s %s\n", (int)len, name, type);
	if (ends_with(name, len, "_seconds"))
		buf_printf(b, "# UNIT %.*s seconds\n", (int)len, name);
	else if (ends_with(name, len, "_bytes"))
		buf_printf(b, "# UNIT %.*s bytes\n", (int)len, name);
	buf_printf(b, "# HELP %.*s %s\n", (int)len, name, help);
}

void prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
	family(b, name, type, help);
}

/* name{label="value"} v  (label may be NULL for no labels). */
static void sample1(struct buf *b, const char *name, const char *label, const char *value, double v)
{
	buf_puts(b, name);
	if (label) {
		buf_puts(b, "{");
		buf_puts(b, label);
		buf_puts(b, "=\"");
		prom_escape_label(b, value);
		buf_puts(b, "\"}");
	}
	buf_puts(b, " ");
	prom_value(b, v);
	buf_puts(b, "\n");
}

void prom_scalar(struct buf *b, const char *name, const char *type, const char *help, double v)
{
	family(b, name, type, help);
	sample1(b, name, NULL, NULL, v);
}

/*
 * One gauge per probed target, picked by `field`; the certificate's expiry
 * only where one was seen, the maintenance flag only for targets with
 * maintenance windows.
 */
enum tfield { TF_SUCCESS, TF_DURATION, TF_STATUS, TF_LAST, TF_CERT_EXPIRY, TF_REDIRECTS,
	      TF_HTTP_VERSION, TF_DOWN, TF_MAINT };

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
		sample1(b, name, "dienst", s->cfg->dienste[i].id, v);
	}
}

static void dienst_info(struct buf *b, const struct cfg *cfg)
{
	family(b, "ozg_dienst_info", "info", "Names of an Onlinedienst (probe target); always 1.");
	for (size_t i = 0; i < cfg->n_dienste; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		buf_puts(b, "ozg_dienst_info{dienst=\"");
		prom_escape_label(b, d->id);
		buf_puts(b, "\",name=\"");
		prom_escape_label(b, d->name ? d->name : "");
		buf_puts(b, "\",provider=\"");
		prom_escape_label(b, d->provider ? d->provider : "");
		buf_puts(b, d->efa ? "\",efa=\"true\"} 1\n" : "\",efa=\"false\"} 1\n");
	}
}

/* The store's spill, conversions, usage writes and rrdcached connection. */
static void store_detail(struct buf *b, const struct store_stats *st)
{
	prom_scalar(b, "ozgmon_store_spill_length", "gauge",
		    "Samples waiting in the spill behind the full RRD writer queue.",
		    (double)st->spill_len);
	prom_scalar(b, "ozgmon_store_spill_capacity", "gauge",
		    "Bound of the spill.", (double)st->spill_cap);
	prom_scalar(b, "ozgmon_rrd_usage_updates_total", "counter",
		    "Usage counter samples written.", (double)st->usage_updates);
	prom_scalar(b, "ozgmon_rrd_files_converted_total", "counter",
		    "RRD files rebuilt in the configured layout (the old file kept as a backup).",
		    (double)st->migrated);
	if (!st->rrdcached)
		return;
	prom_scalar(b, "ozgmon_rrdcached_up", "gauge",
		    "1 when the last request of the RRD writer to rrdcached succeeded.",
		    st->rrdcached_up ? 1 : 0);
	prom_scalar(b, "ozgmon_rrdcached_connects_total", "counter",
		    "Connections the RRD writer made to rrdcached (more than 1: reconnects).",
		    (double)st->reconnects);
}

/* One per-target line: name{dienst="id"<extra>} v. */
static void dienst_sample(struct buf *b, const char *name, const char *id, const char *extra_label,
			  const char *extra_value, double v)
{
	buf_printf(b, "%s{dienst=\"", name);
	prom_escape_label(b, id);
	if (extra_label) {
		buf_printf(b, "\",%s=\"", extra_label);
		prom_escape_label(b, extra_value);
	}
	buf_puts(b, "\"} ");
	prom_value(b, v);
	buf_puts(b, "\n");
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

/* ozg_usage_<name>{dienst[,label]}: the values of the latest fetch that succeeded. */
static void usage_metrics(struct buf *b, const struct snapshot *s)
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
			char fam[96];
			if (!usage_first(cfg, i, k))
				continue;
			snprintf(fam, sizeof fam, "ozg_usage_%s", m->name);
			family(b, fam, m->type == CFG_USAGE_COUNTER ? "counter" : "gauge",
			       "Usage figure read from the Onlinedienst's statistics document.");
			for (size_t j = i; j < s->n; j++) {
				const struct cfg_usage *w = cfg->dienste[j].usage;
				const struct usage_result *r = s->t[j].usage;
				if (!w || !r || !r->ok)
					continue;
				for (size_t x = 0; x < r->n; x++) {
					const struct cfg_usage_metric *wm = &w->metrics[r->v[x].metric];
					if (strcmp(wm->name, m->name) != 0)
						continue;
					dienst_sample(b, fam, cfg->dienste[j].id, wm->label, r->v[x].label,
						      r->v[x].v);
				}
			}
		}
	}
	if (!any)
		return;
	family(b, "ozg_usage_up", "gauge",
	       "1 when the latest fetch of the statistics document yielded every value, else 0.");
	for (size_t i = 0; i < s->n; i++)
		if (cfg->dienste[i].usage && s->t[i].usage)
			dienst_sample(b, "ozg_usage_up", cfg->dienste[i].id, NULL, NULL,
				      s->t[i].usage->ok ? 1 : 0);
	family(b, "ozg_usage_last_success_timestamp_seconds", "gauge",
	       "When the statistics document was last read successfully.");
	for (size_t i = 0; i < s->n; i++)
		if (cfg->dienste[i].usage && s->t[i].usage && s->t[i].usage->last_ok_ms > 0)
			dienst_sample(b, "ozg_usage_last_success_timestamp_seconds", cfg->dienste[i].id,
				      NULL, NULL, (double)s->t[i].usage->last_ok_ms / 1000.0);
	prom_scalar(b, "ozgmon_usage_errors_total", "counter",
		    "Fetches of statistics documents that yielded no values.",
		    (double)s->stats.usage_errors);
}

/* The collector's probe-depth families and self-metrics (see docs/metrics.md). */
static void probe_depth_metrics(struct buf *b, const struct snapshot *s)
{
	const struct collector_stats *st = &s->stats;
	uint64_t cum = 0;

	family(b, "ozgmon_schedule_lag_seconds", "histogram",
	       "How late probes started behind their due time.");
	for (int i = 0; i <= STATE_LAG_BUCKETS; i++) {
		char le[32];
		cum += st->lag_bucket[i];
		if (i < STATE_LAG_BUCKETS)
			snprintf(le, sizeof le, "%g", state_lag_bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		sample1(b, "ozgmon_schedule_lag_seconds_bucket", "le", le, (double)cum);
	}
	sample1(b, "ozgmon_schedule_lag_seconds_sum", NULL, NULL, st->lag_sum_s);
	sample1(b, "ozgmon_schedule_lag_seconds_count", NULL, NULL, (double)cum);
	prom_scalar(b, "ozgmon_probes_started_total", "counter", "Probes started.", (double)st->started);
	prom_scalar(b, "ozgmon_probes_finished_total", "counter",
		    "Probes finished, whatever their result.", (double)st->finished);

	family(b, "ozg_probe_http_duration_seconds", "gauge",
	       "Duration of the last probe by phase (summed over redirects).");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i].probed)
			continue;
		for (int ph = 0; ph < PROBE_PHASE_COUNT; ph++)
			dienst_sample(b, "ozg_probe_http_duration_seconds", s->cfg->dienste[i].id, "phase",
				      probe_phase_name((enum probe_phase)ph), s->t[i].phase_s[ph]);
	}
	per_target(b, s, "ozg_probe_ssl_earliest_cert_expiry_timestamp_seconds",
		   "Earliest notAfter of the certificates of the last probe's peer.", TF_CERT_EXPIRY);
	family(b, "ozg_probe_tls_version_info", "info", "TLS version of the last probe; always 1.");
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].probed && s->t[i].tls_version[0])
			dienst_sample(b, "ozg_probe_tls_version_info", s->cfg->dienste[i].id, "version",
				      s->t[i].tls_version, 1);
	per_target(b, s, "ozg_probe_redirects", "Redirects the last probe followed.", TF_REDIRECTS);
	per_target(b, s, "ozg_probe_http_version",
		   "HTTP version of the last probe's final response; 0 when none was read.",
		   TF_HTTP_VERSION);
	family(b, "ozg_probe_result_info", "info",
	       "Result of the last probe (one of the ozg_probes_total results); always 1.");
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].probed)
			dienst_sample(b, "ozg_probe_result_info", s->cfg->dienste[i].id, "result",
				      probe_result_name(s->t[i].result), 1);
	per_target(b, s, "ozg_probe_down",
		   "1 when the target failed as many probes in a row as its retries allow.", TF_DOWN);
	per_target(b, s, "ozg_probe_maintenance",
		   "1 when the last probe fell in a maintenance window of the target.", TF_MAINT);
	usage_metrics(b, s);
}

/* Build, configuration and readiness of ozgmond itself. */
static void self_metrics(struct buf *b, const struct prom_self *self)
{
	family(b, "ozgmon_build_info", "info", "Version of ozgmond; always 1.");
	sample1(b, "ozgmon_build_info", "version", OZGMON_VERSION, 1);
	prom_scalar(b, "ozgmon_config_last_reload_successful", "gauge",
		    "Whether the last configuration (re)load succeeded (1) or was refused (0).",
		    self->reload_ok ? 1 : 0);
	prom_scalar(b, "ozgmon_config_last_reload_success_timestamp_seconds", "gauge",
		    "When a configuration last loaded successfully, seconds since the epoch.",
		    self->reload_success_s);
	prom_scalar(b, "ozgmon_ready", "gauge",
		    "1 when the configuration is loaded and every target has been probed once.",
		    self->ready ? 1 : 0);
}

/* The standard process_* families of the Prometheus client libraries. */
static void process_metrics(struct buf *b, const struct prom_self *self)
{
	const struct prom_process *p = &self->proc;

	if (p->valid) {
		prom_scalar(b, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.", p->cpu_seconds);
		prom_scalar(b, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.", p->resident_bytes);
		prom_scalar(b, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory size in bytes.", p->virtual_bytes);
		prom_scalar(b, "process_open_fds", "gauge",
		       "Number of open file descriptors.", p->open_fds);
		prom_scalar(b, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.", p->max_fds);
	}
	prom_scalar(b, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.", self->start_time_s);
	prom_render_dashboards(b, self->dashboards);
}

static void store_metrics(struct buf *b, const struct store_stats *st)
{
	prom_scalar(b, "ozgmon_store_queue_length", "gauge",
		    "Samples waiting for the RRD writer.", (double)st->queue_len);
	prom_scalar(b, "ozgmon_store_queue_capacity", "gauge",
		    "Bound of the RRD writer's queue.", (double)st->queue_cap);
	prom_scalar(b, "ozgmon_store_dropped_samples_total", "counter",
		    "Samples that could not be stored (queue full or file unusable).",
		    (double)st->dropped);
	prom_scalar(b, "ozgmon_store_stale_samples_total", "counter",
		    "Samples not newer than their file's last update (clock stepped back).",
		    (double)st->stale);
	prom_scalar(b, "ozgmon_rrd_updates_total", "counter",
		    "RRD updates written.", (double)st->updates);
	prom_scalar(b, "ozgmon_rrd_errors_total", "counter",
		    "RRD updates that failed.", (double)st->errors);
	prom_scalar(b, "ozgmon_rrd_files_created_total", "counter",
		    "RRD files created.", (double)st->created);
	store_detail(b, st);
}

static void collector_metrics(struct buf *b, const struct snapshot *s)
{
	prom_scalar(b, "ozgmon_targets", "gauge", "Probe targets configured.", (double)s->n);
	prom_scalar(b, "ozgmon_probes_in_flight", "gauge", "Probes running now.", s->stats.in_flight);
	prom_scalar(b, "ozgmon_probes_waiting", "gauge",
		    "Due probes waiting for a free transfer slot.", s->stats.waiting);
	prom_scalar(b, "ozgmon_probes_skipped_total", "counter",
		    "Due probes skipped because the target's previous probe was still running.",
		    (double)s->stats.skipped);
	family(b, "ozg_probes_total", "counter", "Finished probes by result.");
	for (int r = 0; r < PROBE_RESULT_COUNT; r++)
		sample1(b, "ozg_probes_total", "result", probe_result_name((enum probe_result)r),
			(double)s->stats.results[r]);
}

/* Files the RRD writer could not read or create, tried again with a backoff. */
static void store_file_metrics(struct buf *b, const struct store_stats *st)
{
	prom_scalar(b, "ozgmon_store_files_unusable", "gauge",
		    "RRD files that could not be read or created and wait for their next retry.",
		    (double)st->files_unusable);
	prom_scalar(b, "ozgmon_store_file_retries_total", "counter",
		    "Retries of RRD files that could not be read or created.", (double)st->file_retries);
}

/* The exporter's own connection figures (docs/metrics.md). */
static void http_metrics(struct buf *b, const struct prom_http *h)
{
	if (!h)
		return;
	prom_scalar(b, "ozgmon_http_connections", "gauge", "HTTP connections open now.", h->open);
	family(b, "ozgmon_http_connections_limit", "gauge",
	       "HTTP connections open at most, in total and per client address.");
	sample1(b, "ozgmon_http_connections_limit", "scope", "total", h->limit);
	sample1(b, "ozgmon_http_connections_limit", "scope", "per_address", h->per_ip_limit);
	prom_scalar(b, "ozgmon_http_connections_total", "counter",
		    "HTTP connections accepted (those over a limit are refused before this count).",
		    h->total);
	prom_scalar(b, "ozgmon_http_slow_clients_dropped_total", "counter",
		    "HTTP connections cut because their request headers did not arrive in time.",
		    h->slow_cut);
	family(b, "ozgmon_http_refused_total", "counter",
	       "HTTP connections or requests refused, by reason (docs/security.md).");
	for (size_t i = 0; i < h->n_refused && i < 8; i++)
		sample1(b, "ozgmon_http_refused_total", "reason", h->refused_names[i], h->refused[i]);
}

void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self)
{
	om = self->openmetrics;
	self_metrics(b, self);
	process_metrics(b, self);
	if (self->store)
		store_metrics(b, self->store);
	if (self->store)
		store_file_metrics(b, self->store);
	if (s) {
		collector_metrics(b, s);
		prom_cached(b, self->cache, s, PROM_CACHED_DIENST_INFO, dienst_info);
		per_target(b, s, "ozg_probe_success",
			   "Whether the last probe of the Onlinedienst succeeded (1) or not (0).",
			   TF_SUCCESS);
		per_target(b, s, "ozg_probe_duration_seconds",
			   "Total duration of the last probe in seconds.", TF_DURATION);
		per_target(b, s, "ozg_probe_http_status_code",
			   "HTTP status of the last probe's final response; 0 when none was read.",
			   TF_STATUS);
		per_target(b, s, "ozg_probe_last_timestamp_seconds",
			   "When the last probe finished, seconds since the epoch.", TF_LAST);
		probe_depth_metrics(b, s);
	}
	http_metrics(b, self->http);
	prom_render_rollout(b, self->rollout);
	prom_render_incidents(b, self->incidents);
	prom_render_shard(b, s, self->rollout, self->cache);
	if (om)
		buf_puts(b, "# EOF\n");
	om = false;
}

/* ---- the per-configuration cache ----------------------------------------- */

struct prom_cache {
	pthread_mutex_t lock;		/* guards everything below */
	struct state_cfg *cfgref;	/* the configuration of the blocks; a reference */
	struct buf block[2][PROM_CACHED_COUNT];	/* [openmetrics][which] */
	bool have[2][PROM_CACHED_COUNT];
};

struct prom_cache *prom_cache_new(void)
{
	struct prom_cache *c = calloc(1, sizeof *c);

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void cache_clear(struct prom_cache *c)
{
	for (int f = 0; f < 2; f++)
		for (int k = 0; k < PROM_CACHED_COUNT; k++) {
			if (c->have[f][k])
				buf_free(&c->block[f][k]);
			c->have[f][k] = false;
		}
	state_cfg_release(c->cfgref);
	c->cfgref = NULL;
}

void prom_cache_free(struct prom_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void prom_cached(struct buf *b, struct prom_cache *c, const struct snapshot *s,
		 enum prom_cached which, void (*render)(struct buf *, const struct cfg *))
{
	struct buf *blk;

	if (!c || !s->cfgref) {
		render(b, s->cfg);
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->cfgref != s->cfgref) {
		cache_clear(c);
		c->cfgref = state_cfg_ref(s->cfgref);
	}
	blk = &c->block[om][which];
	if (!c->have[om][which]) {
		buf_init(blk, b->limit);
		render(blk, s->cfg);
		c->have[om][which] = true;
	}
	if (blk->overflow)
		b->overflow = true;	/* as rendering into b would have ended */
	else
		buf_append(b, blk->data ? blk->data : "", blk->len);
	pthread_mutex_unlock(&c->lock);
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

/* ---- content negotiation ------------------------------------------------ */

/* Copies the next ';'- or ','-free token of s (trimmed) into out; returns the stop. */
static const char *token(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s && *s != ';' && *s != ',') {
		if (n + 1 < outsz)
			out[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return s;
}

bool prom_accept_openmetrics(const char *accept)
{
	double q_om = -1, q_text = -1;
	const char *s = accept;

	if (!s)
		return false;
	while (*s) {
		char type[96], param[96];
		const char *version = NULL;
		char vbuf[96] = "";
		double q = 1;

		s = token(s, type, sizeof type);
		while (*s == ';') {
			s = token(s + 1, param, sizeof param);
			if (strncmp(param, "q=", 2) == 0) {
				q = strtod(param + 2, NULL);
			} else if (strncmp(param, "version=", 8) == 0) {
				snprintf(vbuf, sizeof vbuf, "%s", param + 8);
				version = vbuf;
			}
		}
		if (*s == ',')
			s++;
		if (!(q > 0))
			continue;
		if (strcmp(type, "application/openmetrics-text") == 0) {
			if ((!version || strcmp(version, "1.0.0") == 0) && q > q_om)
				q_om = q;
		} else if (strcmp(type, "text/plain") == 0) {
			if ((!version || strcmp(version, "0.0.4") == 0) && q > q_text)
				q_text = q;
		} else if (strcmp(type, "*/*") == 0 || strcmp(type, "text/*") == 0) {
			if (q > q_text)
				q_text = q;
		}
	}
	return q_om > 0 && q_om > q_text;
}
