/* history.c - see history.h. */
#include "store/history.h"

#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void history_free(struct history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_ds && h->ds_names; i++)
		free(h->ds_names[i]);
	free(h->ds_names);
	free(h->v);
	memset(h, 0, sizeof *h);
}

int history_ds(const struct history *h, const char *name)
{
	for (size_t i = 0; i < h->n_ds; i++)
		if (strcmp(h->ds_names[i], name) == 0)
			return (int)i;
	return -1;
}

int history_fetch(const char *path, const char *cf, time_t start, time_t end,
		  unsigned long resolution, struct history *out, char *err, size_t errsz)
{
	time_t s = start, e = end;
	unsigned long step = resolution ? resolution : 1, n_ds = 0;
	char **names = NULL;
	rrd_value_t *data = NULL;
	size_t rows;

	memset(out, 0, sizeof *out);
	if (end <= start) {
		snprintf(err, errsz, "empty time range");
		return -1;
	}
	rrd_clear_error();
	if (rrd_fetch_r(path, cf, &s, &e, &step, &n_ds, &names, &data) != 0) {
		snprintf(err, errsz, "%s", rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	rows = step ? (size_t)((e - s) / (time_t)step) : 0;
	out->start = s;
	out->end = e;
	out->step = step;
	out->n_ds = n_ds;
	out->ds_names = calloc(n_ds ? n_ds : 1, sizeof *out->ds_names);
	if (rows > HISTORY_MAX_ROWS) {
		snprintf(err, errsz, "range too long: %zu rows (at most %u)", rows, HISTORY_MAX_ROWS);
		goto fail;
	}
	out->v = malloc((rows ? rows : 1) * (n_ds ? n_ds : 1) * sizeof *out->v);
	if (!out->ds_names || !out->v) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (unsigned long i = 0; i < n_ds; i++) {
		out->ds_names[i] = strdup(names[i]);
		if (!out->ds_names[i]) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
	}
	memcpy(out->v, data, rows * n_ds * sizeof *out->v);
	out->rows = rows;
	for (unsigned long i = 0; i < n_ds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	return 0;
fail:
	for (unsigned long i = 0; i < n_ds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	history_free(out);
	return -1;
}

/* Adds the known `up` rows of [start, end] (maint rows left out) to *sum and *known_s. */
static int uptime_part(const char *path, time_t start, time_t end, double *sum, double *known_s,
		       char *err, size_t errsz)
{
	struct history h;
	int up, maint;

	if (history_fetch(path, "AVERAGE", start, end, 0, &h, err, errsz) != 0)
		return -1;
	up = history_ds(&h, "up");
	maint = history_ds(&h, "maint");
	if (up < 0) {
		snprintf(err, errsz, "%s has no 'up' data source", path);
		history_free(&h);
		return -1;
	}
	for (size_t r = 0; r < h.rows; r++) {
		double u = h.v[r * h.n_ds + (size_t)up];
		time_t row_end = h.start + (time_t)((r + 1) * h.step);
		if (isnan(u) || row_end <= start || row_end > end)
			continue;
		if (maint >= 0) {
			double m = h.v[r * h.n_ds + (size_t)maint];
			if (!isnan(m) && m >= 0.5)
				continue;
		}
		*sum += u * (double)h.step;
		*known_s += (double)h.step;
	}
	history_free(&h);
	return 0;
}

int history_uptime(const char *path, time_t start, time_t end, double *ratio, double *known_s,
		   char *err, size_t errsz)
{
	double sum = 0, known = 0;
	time_t fine_from;

	/*
	 * RRD answers a long range from a coarse archive only, whose rows exist
	 * once enough primary points were consolidated.  So the part of the
	 * window that the finest archive still holds is read from it, and only
	 * the older rest from the coarse archive that rrd_fetch picks.
	 */
	rrd_clear_error();
	fine_from = rrd_first_r(path, 0);
	if (fine_from == (time_t)-1) {
		snprintf(err, errsz, "%s", rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	if (fine_from < start)
		fine_from = start;
	if (uptime_part(path, fine_from, end, &sum, &known, err, errsz) != 0)
		return -1;
	if (start < fine_from && uptime_part(path, start, fine_from, &sum, &known, err, errsz) != 0)
		return -1;
	*ratio = known > 0 ? sum / known : NAN;
	if (known_s)
		*known_s = known;
	return 0;
}
