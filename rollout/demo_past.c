/* SPDX-License-Identifier: EUPL-1.2 */
/* demo_past.c - see demo_past.h. */
#include "rollout/demo_past.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <rrd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollout/rollout.h"
#include "rollout/trend.h"
#include "store/store.h"

#define HOUR 3600
#define PERF_DAYS 14u
#define MAX_LAYOUT 32

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return mix(h);
}

/* A number in [0, 1) from (id hash, k). */
static double unit(uint64_t h, uint64_t k)
{
	return (double)(mix(h ^ mix(k)) >> 11) / 9007199254740992.0;
}

double demo_past_up(const char *id, unsigned hour, unsigned hours)
{
	uint64_t h = hash_str(id);
	unsigned outages = (unsigned)(h % 5);	/* 0 to 4 in the period */
	double up = 1.0;

	for (unsigned k = 0; k < outages; k++) {
		unsigned at = (unsigned)(unit(h, 100 + k) * hours);
		unsigned len = 1 + (unsigned)(unit(h, 200 + k) * 5);	/* 1 to 5 hours */
		if (hour == at || hour == at + len)
			up = fmin(up, 0.5);	/* partial hours at both ends */
		else if (hour > at && hour < at + len)
			up = 0.0;
	}
	/* about one Dienst in seven is flaky: an hour in ten loses a few probes */
	if (h % 7 == 3 && unit(h, 1000 + hour) < 0.1)
		up = fmin(up, 1.0 - 0.02 * (1 + (int)(unit(h, 5000 + hour) * 5)));
	return up;
}

/* Response time in seconds: a base per Dienst, busier in office hours, some noise. */
static double latency(uint64_t h, time_t t)
{
	struct tm tm;
	double base = 0.08 + 0.4 * unit(h, 7);
	int hour;

	gmtime_r(&t, &tm);
	hour = (tm.tm_hour + 1) % 24;	/* about German time */
	if (tm.tm_wday >= 1 && tm.tm_wday <= 5 && hour >= 8 && hour < 17)
		base *= 1.6;
	return base * (0.85 + 0.3 * unit(h, (uint64_t)t));
}

static bool is_demo_config(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->global.n_connect_to; i++) {
		const char *c = cfg->global.connect_to[i];
		if (strncmp(c, "::127.0.0.1:", 12) == 0 || strncmp(c, "::[::1]:", 8) == 0 ||
		    strncmp(c, "::localhost:", 12) == 0)
			return true;
	}
	return false;
}

/* Whether dir holds a file ending in suffix (a missing dir holds none). */
static bool has_file(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = strlen(suffix);
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		found = n > sl && strcmp(e->d_name + n - sl, suffix) == 0;
	}
	closedir(d);
	return found;
}

static int mkdir_p1(const char *path)
{
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* rrd_update_r with argc values, in chunks (librrd takes any number, but bounded is kinder). */
static int update_many(const char *path, char **vals, size_t n, char *err, size_t errsz)
{
	for (size_t i = 0; i < n; i += 1024) {
		int c = (int)(n - i < 1024 ? n - i : 1024);
		rrd_clear_error();
		if (rrd_update_r(path, NULL, c, (const char **)(void *)(vals + i)) != 0) {
			snprintf(err, errsz, "%s: %s", path, rrd_get_error());
			rrd_clear_error();
			return -1;
		}
	}
	return 0;
}

/*
 * Creates `path` in the store's layout for kind/step, its last update at
 * `last`, filled from the hourly source file `src`.
 */
static int create_from(const char *path, enum store_file_kind kind, unsigned long step, time_t last,
		       const char *src, char *err, size_t errsz)
{
	char args[MAX_LAYOUT][STORE_ARG_LEN];
	const char *argv[MAX_LAYOUT];
	const char *sources[2] = { src, NULL };
	int n = store_layout(kind, step, NULL, 0, args, MAX_LAYOUT);

	if (n < 0) {
		snprintf(err, errsz, "%s: no layout", path);
		return -1;
	}
	for (int i = 0; i < n; i++)
		argv[i] = args[i];
	rrd_clear_error();
	if (rrd_create_r2(path, step, last, 0, sources, NULL, n, argv) != 0) {
		snprintf(err, errsz, "%s: %s", path, rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	return 0;
}

/* An hourly source file with the given data sources, from `first - 1 h`. */
static int create_hourly(const char *path, const char *const *ds, int n_ds, unsigned rows,
			 time_t first, char *err, size_t errsz)
{
	char args[12][STORE_ARG_LEN];
	const char *argv[12];
	int n = 0;

	for (int i = 0; i < n_ds && n < 10; i++, n++) {
		snprintf(args[n], STORE_ARG_LEN, "DS:%s:GAUGE:%d:0:U", ds[i], 2 * HOUR);
		argv[n] = args[n];
	}
	snprintf(args[n], STORE_ARG_LEN, "RRA:AVERAGE:0.5:1:%u", rows);
	argv[n] = args[n];
	n++;
	unlink(path);
	rrd_clear_error();
	if (rrd_create_r(path, HOUR, first - HOUR, n, argv) != 0) {
		snprintf(err, errsz, "%s: %s", path, rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	return 0;
}

static void free_vals(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **alloc_vals(size_t n, size_t len)
{
	char **v = calloc(n ? n : 1, sizeof *v);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = malloc(len))) {
			free_vals(v, i);
			return NULL;
		}
	return v;
}

/* dir + sep + id + suffix into out; -1 when it does not fit. */
__attribute__((noinline)) static int join(char *out, size_t n, const char *dir, const char *sep, const char *id,
		const char *suffix)
{
	int len = snprintf(out, n, "%s%s%s%s", dir, sep, id, suffix);
	return len >= 0 && (size_t)len < n ? 0 : -1;
}

/* One Onlinedienst: availability (probe_days) and response times (14 days). */
static int dienst_past(const struct cfg_dienst *d, const char *rrd_dir, time_t end, unsigned hours,
		       double *avail7, char *err, size_t errsz)
{
	static const char *const main_ds[] = { "up", "maint" };
	static const char *const perf_ds[] = { "duration", "http_code" };
	unsigned long step = d->interval_ms >= 1000 ? d->interval_ms / 1000 : 1;
	unsigned perf_hours = hours < PERF_DAYS * 24 ? hours : PERF_DAYS * 24;
	time_t first = end - (time_t)(hours - 1) * HOUR;
	uint64_t h = hash_str(d->id);
	char src[4096], path[4096];
	char **vals = alloc_vals(hours, 64);
	double sum7 = 0;
	unsigned n7 = 0;
	int rc = -1;

	if (!vals) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (join(src, sizeof src, rrd_dir, "/.past-", d->id, ".tmp") != 0 ||
	    join(path, sizeof path, rrd_dir, "/", d->id, ".perf.rrd") != 0) {
		snprintf(err, errsz, "%s: path too long", d->id);
		goto out;
	}
	if (create_hourly(src, main_ds, 2, hours + 2, first, err, errsz) != 0)
		goto out;
	for (unsigned i = 0; i < hours; i++) {
		double up = demo_past_up(d->id, i, hours);
		snprintf(vals[i], 64, "%lld:%.4f:0", (long long)(first + (time_t)i * HOUR), up);
		if (i + 7 * 24 >= hours) {
			sum7 += up;
			n7++;
		}
	}
	*avail7 = n7 ? sum7 / n7 : NAN;
	if (update_many(src, vals, hours, err, errsz) != 0)
		goto out;
	(void)join(path, sizeof path, rrd_dir, "/", d->id, ".rrd");	/* shorter than checked */
	if (create_from(path, STORE_MAIN, step, end, src, err, errsz) != 0)
		goto out;

	first = end - (time_t)(perf_hours - 1) * HOUR;
	if (create_hourly(src, perf_ds, 2, perf_hours + 2, first, err, errsz) != 0)
		goto out;
	for (unsigned i = 0; i < perf_hours; i++) {
		time_t t = first + (time_t)i * HOUR;
		double up = demo_past_up(d->id, hours - perf_hours + i, hours);
		if (up <= 0)
			snprintf(vals[i], 64, "%lld:U:U", (long long)t);
		else
			snprintf(vals[i], 64, "%lld:%.4f:200", (long long)t, latency(h, t));
	}
	if (update_many(src, vals, perf_hours, err, errsz) != 0)
		goto out;
	(void)join(path, sizeof path, rrd_dir, "/", d->id, ".perf.rrd");
	if (create_from(path, STORE_PERF, step, end, src, err, errsz) != 0)
		goto out;
	rc = 0;
out:
	unlink(src);
	free_vals(vals, hours);
	return rc;
}

/*
 * The share of today's figures reached on day `day` of `days`: the rollout
 * grows in steps (a batch of Leistungen every two weeks) from 55 % a year
 * ago to 100 % today.
 */
static double progress(unsigned day, unsigned days)
{
	unsigned steps = (days + 13) / 14, s = day / 14 + 1;

	if (s > steps)
		s = steps;
	return 0.55 + 0.45 * (double)s / (double)steps;
}

static unsigned scaled(unsigned v, double g)
{
	return (unsigned)floor((double)v * g + 1e-9);
}

/* A year of rollout steps for the Land and each Kreis, ending at r's figures. */
static int trend_past(const struct rollout *r, const char *data_dir, time_t end, unsigned days,
		      char *err, size_t errsz)
{
	size_t hours = (size_t)days * 24;
	time_t first = end - (time_t)(hours - 1) * HOUR;
	char dir[4096];
	char **vals = alloc_vals(hours, 160);
	int rc = 0;

	if (!vals) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/rollout", data_dir);
	if (mkdir_p1(dir) != 0) {
		snprintf(err, errsz, "cannot create %s: %s", dir, strerror(errno));
		free_vals(vals, hours);
		return -1;
	}
	for (size_t a = 0; a < r->n_areas && rc == 0; a++) {
		const struct rollout_area *ar = &r->areas[a];
		char path[4096];

		if (ar->level != AREA_LAND && ar->level != AREA_KREIS)
			continue;
		for (size_t i = 0; i < hours; i++) {
			double g = progress((unsigned)(i / 24), days);
			double c = isnan(ar->population_coverage) ? 0 : ar->population_coverage * g;
			double cr = isnan(ar->population_coverage_reliable)
				? 0 : ar->population_coverage_reliable * g;
			snprintf(vals[i], 160, "%lld:%u:%u:%u:%u:%u:%.6f:%.6f:%u:%u",
				 (long long)(first + (time_t)i * HOUR), scaled(ar->online, g),
				 scaled(ar->online_all, g), scaled(ar->fulfilled, g),
				 scaled(ar->fulfilled_all, g), scaled(ar->reliable, g), c, cr,
				 scaled(r->offered, g), r->relevant);
		}
		if (trend_path(data_dir, ar->key, path, sizeof path) != 0 ||
		    trend_create_file(path, first) != 0) {
			snprintf(err, errsz, "cannot create the trend file of %s", ar->key);
			rc = -1;
			break;
		}
		rc = update_many(path, vals, hours, err, errsz);
	}
	free_vals(vals, hours);
	return rc;
}

time_t demo_past_until(const char *data_dir)
{
	char path[4096], text[4096];
	const char *p;
	struct tm tm = { 0 };
	size_t n;
	FILE *f;

	if (!data_dir || snprintf(path, sizeof path, "%s/%s", data_dir, DEMO_PAST_MARKER) >=
	    (int)sizeof path || !(f = fopen(path, "r")))
		return 0;
	n = fread(text, 1, sizeof text - 1, f);	/* the marker is a few hundred bytes */
	fclose(f);
	text[n] = '\0';
	p = strstr(text, "\"generated_at\": \"");
	if (!p)
		return 0;
	p += strlen("\"generated_at\": \"");
	if (!(p = strptime(p, "%Y-%m-%dT%H:%M:%SZ", &tm)) || *p != '"')
		return 0;
	return timegm(&tm);
}

static void iso(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int demo_past_write(const struct cfg *cfg, const struct demo_past_opts *o, char *err,
		    size_t errsz)
{
	unsigned probe_days = o->probe_days ? o->probe_days : 90;
	unsigned trend_days = o->trend_days ? o->trend_days : 365;
	time_t end = (o->now / HOUR) * HOUR;	/* the last simulated hour ends here */
	char path[4096], rrd_dir[4096], tdir[4096], t0[32], t1[32], t2[32];
	struct rollout_params p;
	struct rollout *r;
	double *avail;
	FILE *f;
	struct stat sb;

	if (probe_days > 93)
		probe_days = 93;
	snprintf(path, sizeof path, "%s/%s", o->data_dir, DEMO_PAST_MARKER);
	if (stat(path, &sb) == 0) {
		snprintf(err, errsz, "%s exists: the data directory already has a simulated past", path);
		return 1;
	}
	if (!is_demo_config(cfg)) {
		snprintf(err, errsz, "%s is not a demo configuration (no global.connect_to entry "
			 "\"::127.0.0.1:PORT\" routing every portal to a local simulator); a simulated "
			 "past is written only for the demo", cfg->path ? cfg->path : "the configuration");
		return -1;
	}
	snprintf(rrd_dir, sizeof rrd_dir, "%s/rrd", o->data_dir);
	snprintf(tdir, sizeof tdir, "%s/rollout", o->data_dir);
	snprintf(path, sizeof path, "%s/incidents.jsonl", o->data_dir);
	if (has_file(rrd_dir, ".rrd") || has_file(tdir, ".rrd") || stat(path, &sb) == 0) {
		snprintf(err, errsz, "%s holds measurements (RRD files or an incident journal); a "
			 "simulated past is written only into an empty data directory", o->data_dir);
		return -1;
	}
	if (mkdir_p1(o->data_dir) != 0 || mkdir_p1(rrd_dir) != 0) {
		snprintf(err, errsz, "cannot create %s: %s", rrd_dir, strerror(errno));
		return -1;
	}

	/* The label first: whatever is written after it is marked as simulated. */
	iso(o->now, t0, sizeof t0);
	iso(end - (time_t)probe_days * 86400, t1, sizeof t1);
	iso(end - (time_t)trend_days * 86400, t2, sizeof t2);
	snprintf(path, sizeof path, "%s/%s", o->data_dir, DEMO_PAST_MARKER);
	f = fopen(path, "w");
	if (!f) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"simulated\": true, \"generated_at\": \"%s\", \"until\": \"%s\",\n"
		" \"probe_history_days\": %u, \"probe_history_from\": \"%s\",\n"
		" \"trend_days\": %u, \"trend_from\": \"%s\",\n"
		" \"note\": \"Demo: the history before generated_at is simulated, not measured.\",\n"
		" \"note_de\": \"Demo: der Verlauf vor generated_at ist simuliert, nicht gemessen.\"}\n",
		t0, t0, probe_days, t1, trend_days, t2);
	if (fclose(f) != 0) {
		snprintf(err, errsz, "cannot write %s", path);
		return -1;
	}

	avail = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *avail);
	if (!avail) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t d = 0; d < cfg->n_dienste; d++)
		if (dienst_past(&cfg->dienste[d], rrd_dir, end, probe_days * 24, &avail[d], err,
				errsz) != 0) {
			free(avail);
			return -1;
		}

	rollout_params_default(&p);
	p.online_min = cfg->global.rollout.online_min;
	p.fulfilled_min = cfg->global.rollout.fulfilled_min;
	p.reliable_min = cfg->global.rollout.reliable_pct / 100.0;
	p.unknown_is_reliable = cfg->global.rollout.unknown_is_reliable;
	p.weighting = cfg->global.rollout.weight_availability ? ROLLOUT_WEIGHT_AVAILABILITY
							      : ROLLOUT_WEIGHT_THRESHOLD;
	r = rollout_compute(cfg, avail, &p);
	free(avail);
	if (!r) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (trend_past(r, o->data_dir, end, trend_days, err, errsz) != 0) {
		rollout_free(r);
		return -1;
	}
	rollout_free(r);
	return 0;
}
