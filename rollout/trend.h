/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * trend.h - the rollout figures of the Land and each Kreis over months and
 * years, in RRD files: <data_dir>/rollout/<area key>.rrd.
 *
 * Data sources (GAUGE), in this order: online, flaechendeckend, fulfilled,
 * fulfilled_fd, reliable, coverage, coverage_rel (the fields of struct
 * rollout_area), offered and relevant (struct rollout: the relevant
 * Leistungen offered somewhere in the Land, and the denominator), so that a
 * Leistung added to the catalogue or offered for the first time is told
 * apart from a loss.  Step 1 hour; AVERAGE rows of 1 hour for 93 days and
 * of 1 day for 10 years (about 150 KB a file): the 90-day view reads the
 * hourly rows, the 1- and 5-year views the daily ones.  Written by the
 * rollout thread, which owns these files; the probe loop never touches
 * them.
 *
 * A file of the earlier layout (seven data sources, without offered and
 * relevant) is converted on the first write: a new file of this layout is
 * filled from it (rrd_create_r2 with the old file as source: every row of
 * the seven kept, the two new ones unknown before the conversion) and
 * replaces it.
 */
#ifndef OZG_TREND_H
#define OZG_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rollout/rollout.h"

enum trend_field {
	TREND_ONLINE = 0, TREND_FLAECHENDECKEND, TREND_FULFILLED, TREND_FULFILLED_FD,
	TREND_RELIABLE, TREND_COVERAGE, TREND_COVERAGE_REL, TREND_OFFERED, TREND_RELEVANT,
	TREND_NFIELDS
};

/* The data source name of a field ("online", ..., "relevant"). */
const char *trend_field_name(enum trend_field f);

#define TREND_STEP 3600
#define TREND_HOURLY_ROWS 2232		/* 93 days */
#define TREND_DAILY_ROWS 3660		/* 10 years */

/*
 * Writes r's Land and Kreis figures at time `now` (creating files as needed,
 * under a temporary name, then renamed; converting a file of the earlier
 * layout).  A time not after a file's last update is skipped.  Returns the
 * number of files that failed (logged).
 */
unsigned trend_write(const char *data_dir, const struct rollout *r, time_t now);

/* The trend file of an area into out; -1 when it does not fit. */
int trend_path(const char *data_dir, const char *area_key, char *out, size_t outsz);

/*
 * Creates an empty trend file of the current layout at path whose first
 * update, at `start`, fills a whole row.  The demo's simulated past uses it too.  0 or -1.
 */
int trend_create_file(const char *path, time_t start);

/* The views the pages offer, each read from an archive that holds it. */
enum trend_view { TREND_VIEW_90D = 0, TREND_VIEW_1Y, TREND_VIEW_5Y, TREND_NVIEWS };

/* The view's span and row length in seconds (90 d hourly; 1 y, 5 y daily). */
void trend_view_span(enum trend_view v, long *span_s, long *resolution_s);

/* A series read from a trend file: n rows of TREND_NFIELDS values (NaN: unknown). */
struct trend_series {
	time_t start;		/* end of the first row */
	long step;		/* seconds per row */
	size_t n;
	double *v;		/* n x TREND_NFIELDS, owned; free with trend_series_free */
};

/*
 * Reads view v of an area's trend file, ending at `now`.  Fields the file
 * does not have are NaN.  0, or -1 with a reason in err (no file, unreadable).
 */
int trend_fetch(const char *data_dir, const char *area_key, enum trend_view v, time_t now,
		struct trend_series *out, char *err, size_t errsz);
void trend_series_free(struct trend_series *s);

/*
 * "Change against last month": the latest known value of each field and the
 * value 30 days before it (the hourly row then, or the nearest known one
 * within a day before it).  has_then is false when the file does not reach
 * back that far; delta = now - then.
 */
struct trend_change {
	time_t at, then_at;
	bool has_then;
	double now_v[TREND_NFIELDS], then_v[TREND_NFIELDS], delta[TREND_NFIELDS];
};

int trend_change(const char *data_dir, const char *area_key, time_t now,
		 struct trend_change *out, char *err, size_t errsz);

#endif
