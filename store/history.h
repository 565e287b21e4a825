/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * history.h - reading time series back from RRD files.
 *
 * For the exporter's API and the dashboards.  Thread-safe (rrd_fetch_r);
 * callable from any thread, and never from the probe loop.  Reads are
 * bounded: at most HISTORY_MAX_ROWS rows per fetch.
 */
#ifndef OZG_HISTORY_H
#define OZG_HISTORY_H

#include <stddef.h>
#include <time.h>

#define HISTORY_MAX_ROWS 100000u

/* A fetched series: rows x n_ds values, row i at start + (i + 1) * step. */
struct history {
	time_t start, end;	/* as RRD aligned them */
	unsigned long step;	/* seconds per row */
	size_t n_ds;
	char **ds_names;	/* n_ds names; owned */
	size_t rows;
	double *v;		/* rows * n_ds values, NaN where unknown; owned */
};

/*
 * Fetches `cf` ("AVERAGE", "MIN", "MAX") of the file at `path` between start
 * and end at the coarsest archive whose step is <= resolution (0: finest).
 * Returns 0 and fills *out (free with history_free), or -1 with a reason in
 * err (the file is missing, unreadable, or the range asks for too many rows).
 */
int history_fetch(const char *path, const char *cf, time_t start, time_t end,
		  unsigned long resolution, struct history *out, char *err, size_t errsz);
void history_free(struct history *h);	/* NULL-safe; leaves h empty */
/* Index of data source `name`, or -1. */
int history_ds(const struct history *h, const char *name);

/* Called for row `row` of a fetched series. */
typedef void (*history_row_fn)(const struct history *h, size_t row, void *ctx);

/*
 * Calls fn for every AVERAGE row in [start, end], oldest first: the part the
 * finest archive still holds comes from it, the older rest from the coarse
 * archive that covers it, so a long window over a young file still sees
 * every row there is.  Rows may come at two resolutions (h->step tells).
 * 0, or -1 with a reason in err (missing or unreadable file).
 */
int history_rows(const char *path, time_t start, time_t end, history_row_fn fn, void *ctx,
		 char *err, size_t errsz);

/*
 * history_rows with the finest archive read only from fine_start on (at the
 * earliest where it begins) and the older part at resolution coarse_res
 * (0: the finest archive that covers it).
 */
int history_rows_split(const char *path, time_t start, time_t fine_start, time_t end,
		       unsigned long coarse_res, history_row_fn fn, void *ctx, char *err,
		       size_t errsz);

/*
 * Uptime over [start, end]: the mean of `up`, weighted by row length, over the
 * rows (history_rows) where it is known and, when the file has a `maint`
 * source, where maint is not 1.
 * *ratio gets the uptime (NaN when no row counts); *known_s (may be NULL) the
 * seconds the mean is over.  0 or -1 with a reason in err.
 */
int history_uptime(const char *path, time_t start, time_t end, double *ratio, double *known_s,
		   char *err, size_t errsz);

/*
 * With rrdcached: every read first asks the daemon at `addr` to write what
 * it holds of the file (rrdc_flush), so reads see the latest sample.  For a
 * TCP address, paths under base_dir are sent relative to it (the daemon's
 * -b folder).  Both are copied.  Call once at startup, before any reader
 * thread runs; NULL addr turns it off.  0, or -1 when out of memory.
 */
int history_set_rrdcached(const char *addr, const char *base_dir);

#endif
