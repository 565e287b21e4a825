/* SPDX-License-Identifier: EUPL-1.2 */
/* trend.c - see trend.h. */
#include "rollout/trend.h"

#include <errno.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "store/store.h"

static const char *const field_names[TREND_NFIELDS] = {
	"online", "flaechendeckend", "fulfilled", "fulfilled_fd", "reliable",
	"coverage", "coverage_rel", "offered", "relevant",
};

const char *trend_field_name(enum trend_field f)
{
	return (unsigned)f < TREND_NFIELDS ? field_names[f] : "";
}

int trend_path(const char *data_dir, const char *area_key, char *out, size_t outsz)
{
	return store_file_path(data_dir, area_key, STORE_TREND, out, outsz) > 0 ? 0 : -1;
}

static const char *layout[] = {
	"DS:online:GAUGE:7200:0:U",
	"DS:flaechendeckend:GAUGE:7200:0:U",
	"DS:fulfilled:GAUGE:7200:0:U",
	"DS:fulfilled_fd:GAUGE:7200:0:U",
	"DS:reliable:GAUGE:7200:0:U",
	"DS:coverage:GAUGE:7200:0:1",
	"DS:coverage_rel:GAUGE:7200:0:1",
	"DS:offered:GAUGE:7200:0:U",
	"DS:relevant:GAUGE:7200:0:U",
	"RRA:AVERAGE:0.5:1:2232",	/* hourly, 93 days: TREND_HOURLY_ROWS */
	"RRA:AVERAGE:0.5:24:3660",	/* daily, 10 years: TREND_DAILY_ROWS */
};

/*
 * Creates path with its last update at last_up, from scratch or (source !=
 * NULL) filled from the file source.
 */
static int create_at(const char *path, time_t last_up, const char *source)
{
	const char *sources[2] = { source, NULL };
	char tmp[4096];
	int rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	rrd_clear_error();
	rc = rrd_create_r2(tmp, TREND_STEP, last_up, 0, source ? sources : NULL, NULL,
			   (int)(sizeof layout / sizeof layout[0]), layout);
	if (rc != 0) {
		log_error("rollout: cannot create %s: %s", path, rrd_get_error());
		rrd_clear_error();
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		log_error("rollout: cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int trend_create_file(const char *path, time_t start)
{
	/* a step before: the first update at `start` fills a whole row */
	return create_at(path, start - TREND_STEP, NULL);
}

/* Whether the file has the data source `offered` (the current layout); -1 unreadable. */
static int has_current_layout(const char *path)
{
	rrd_info_t *info, *i;
	int found = 0;

	rrd_clear_error();
	info = rrd_info_r(path);
	if (!info) {
		rrd_clear_error();
		return -1;
	}
	for (i = info; i; i = i->next)
		if (strcmp(i->key, "ds[relevant].index") == 0)
			found = 1;
	rrd_info_free(info);
	return found;
}

/* Replaces a file of the earlier layout by one of the current layout with its rows. */
static int convert(const char *path, time_t last)
{
	if (create_at(path, last, path) != 0)
		return -1;
	log_info("rollout: %s converted to the trend layout with offered and relevant", path);
	return 0;
}

static void num(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "U");
	else
		snprintf(out, n, "%.6f", v);
}

unsigned trend_write(const char *data_dir, const struct rollout *r, time_t now)
{
	char dir[4096];
	unsigned failed = 0;

	if (snprintf(dir, sizeof dir, "%s/rollout", data_dir) >= (int)sizeof dir)
		return 1;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("rollout: cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		char path[4096], val[320], c1[32], c2[32];
		const char *argv[1] = { val };
		struct stat sb;

		if (ar->level != AREA_LAND && ar->level != AREA_KREIS)
			continue;
		if (trend_path(data_dir, ar->key, path, sizeof path) != 0) {
			failed++;
			continue;
		}
		if (stat(path, &sb) != 0) {
			if (trend_create_file(path, now) != 0) {
				failed++;
				continue;
			}
		} else {
			time_t last;
			rrd_clear_error();
			last = rrd_last_r(path);
			if (last == (time_t)-1 || now <= last) {
				rrd_clear_error();
				continue;	/* unreadable (logged on update) or not newer */
			}
			if (has_current_layout(path) == 0 && convert(path, last) != 0) {
				failed++;
				continue;
			}
		}
		num(c1, sizeof c1, ar->population_coverage);
		num(c2, sizeof c2, ar->population_coverage_reliable);
		snprintf(val, sizeof val, "%lld:%u:%u:%u:%u:%u:%s:%s:%u:%u", (long long)now, ar->online,
			 ar->online_all, ar->fulfilled, ar->fulfilled_all, ar->reliable, c1, c2,
			 r->offered, r->relevant);
		rrd_clear_error();
		if (rrd_update_r(path, NULL, 1, argv) != 0) {
			log_error("rollout: update of %s failed: %s", path, rrd_get_error());
			rrd_clear_error();
			failed++;
		}
	}
	return failed;
}

void trend_view_span(enum trend_view v, long *span_s, long *resolution_s)
{
	switch (v) {
	case TREND_VIEW_90D:
		*span_s = 90L * 86400;
		*resolution_s = TREND_STEP;
		break;
	case TREND_VIEW_1Y:
		*span_s = 365L * 86400;
		*resolution_s = 86400;
		break;
	default:
		*span_s = 5L * 365 * 86400 + 86400;
		*resolution_s = 86400;
		break;
	}
}

void trend_series_free(struct trend_series *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Fetches [start, end] at resolution res into out, fields by name. */
static int fetch(const char *path, time_t start, time_t end, long res, struct trend_series *out,
		 char *err, size_t errsz)
{
	unsigned long step = (unsigned long)res, ds_cnt = 0;
	char **names = NULL;
	rrd_value_t *data = NULL;
	int map[TREND_NFIELDS];
	size_t rows;

	memset(out, 0, sizeof *out);
	rrd_clear_error();
	if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &ds_cnt, &names, &data) != 0) {
		snprintf(err, errsz, "%s: %s", path, rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	for (int f = 0; f < TREND_NFIELDS; f++) {
		map[f] = -1;
		for (unsigned long d = 0; d < ds_cnt; d++)
			if (strcmp(names[d], field_names[f]) == 0)
				map[f] = (int)d;
	}
	rows = step ? (size_t)((end - start) / (time_t)step) : 0;
	out->v = malloc((rows ? rows : 1) * TREND_NFIELDS * sizeof *out->v);
	if (!out->v) {
		snprintf(err, errsz, "out of memory");
		rows = 0;
	} else {
		for (size_t i = 0; i < rows; i++)
			for (int f = 0; f < TREND_NFIELDS; f++)
				out->v[i * TREND_NFIELDS + f] =
					map[f] < 0 ? NAN : data[i * ds_cnt + (size_t)map[f]];
	}
	out->n = rows;
	out->step = (long)step;
	out->start = start + (time_t)step;
	for (unsigned long d = 0; d < ds_cnt; d++)
		free(names[d]);
	free(names);
	free(data);
	return out->v ? 0 : -1;
}

int trend_fetch(const char *data_dir, const char *area_key, enum trend_view v, time_t now,
		struct trend_series *out, char *err, size_t errsz)
{
	char path[4096];
	long span, res;

	memset(out, 0, sizeof *out);
	if (trend_path(data_dir, area_key, path, sizeof path) != 0) {
		snprintf(err, errsz, "path too long");
		return -1;
	}
	trend_view_span(v, &span, &res);
	return fetch(path, now - span, now, res, out, err, errsz);
}

int trend_change(const char *data_dir, const char *area_key, time_t now,
		 struct trend_change *out, char *err, size_t errsz)
{
	struct trend_series s;
	char path[4096];
	time_t last;
	long at = -1;

	memset(out, 0, sizeof *out);
	if (trend_path(data_dir, area_key, path, sizeof path) != 0) {
		snprintf(err, errsz, "path too long");
		return -1;
	}
	rrd_clear_error();
	last = rrd_last_r(path);
	if (last == (time_t)-1) {
		snprintf(err, errsz, "%s: %s", path, rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	if (last > now)
		last = now;
	if (fetch(path, last - 31L * 86400, last, TREND_STEP, &s, err, errsz) != 0)
		return -1;
	/* the latest row with a known online count */
	for (size_t i = s.n; i-- > 0;)
		if (!isnan(s.v[i * TREND_NFIELDS + TREND_ONLINE])) {
			at = (long)i;
			break;
		}
	if (at < 0 || s.step != TREND_STEP) {
		snprintf(err, errsz, "%s: no figures yet", path);
		trend_series_free(&s);
		return -1;
	}
	out->at = s.start + (time_t)at * s.step;
	for (int f = 0; f < TREND_NFIELDS; f++) {
		out->now_v[f] = s.v[(size_t)at * TREND_NFIELDS + f];
		out->then_v[f] = out->delta[f] = NAN;
	}
	/* 30 days (720 rows) before, or the nearest known row up to a day earlier */
	for (long back = 0; back <= 24; back++) {
		long i = at - 720 - back;
		if (i < 0)
			break;
		if (isnan(s.v[(size_t)i * TREND_NFIELDS + TREND_ONLINE]))
			continue;
		out->has_then = true;
		out->then_at = s.start + (time_t)i * s.step;
		for (int f = 0; f < TREND_NFIELDS; f++) {
			out->then_v[f] = s.v[(size_t)i * TREND_NFIELDS + f];
			out->delta[f] = out->now_v[f] - out->then_v[f];
		}
		break;
	}
	trend_series_free(&s);
	return 0;
}
