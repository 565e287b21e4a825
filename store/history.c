/* SPDX-License-Identifier: EUPL-1.2 */
/* history.c - see history.h. */
#include "store/history.h"

#include <math.h>
#include <stdbool.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* Set once at startup (history_set_rrdcached), read-only afterwards. */
static char *daemon_addr;
static char *daemon_base;
static bool daemon_tcp;

int history_set_rrdcached(const char *addr, const char *base_dir)
{
	free(daemon_addr);
	free(daemon_base);
	daemon_addr = daemon_base = NULL;
	if (!addr || !*addr)
		return 0;
	daemon_addr = strdup(addr);
	daemon_base = strdup(base_dir ? base_dir : "");
	daemon_tcp = !store_rrdcached_is_unix(addr);
	return daemon_addr && daemon_base ? 0 : -1;
}

/*
 * Asks rrdcached to write path.  When the daemon is unreachable the file is
 * read as it is (without what the daemon still holds); only a refusal by a
 * reachable daemon is an error: 0 or -1 with a reason in err.
 */
static int flush_first(const char *path, char *err, size_t errsz)
{
	const char *p = path;
	size_t bl;

	if (!daemon_addr)
		return 0;
	bl = strlen(daemon_base);
	if (daemon_tcp && bl && strncmp(path, daemon_base, bl) == 0 && path[bl] == '/')
		p = path + bl + 1;
	rrd_clear_error();
	if (rrdc_flush_if_daemon(daemon_addr, p) != 0) {
		const char *e = rrd_get_error();
		/* A file rrdcached never saw has nothing to flush: read it as it is. */
		if (store_rrdcached_refused(e) && !strstr(e, "No such file")) {
			snprintf(err, errsz, "rrdcached flush of %s: %s", path, e);
			rrd_clear_error();
			return -1;
		}
	}
	rrd_clear_error();
	return 0;
}

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
	if (flush_first(path, err, errsz) != 0)
		return -1;
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

/* Calls fn for every row of [start, end] that one fetch (one archive) returns. */
static int rows_part(const char *path, time_t start, time_t end, unsigned long res,
		     history_row_fn fn, void *ctx, char *err, size_t errsz)
{
	struct history h;

	if (history_fetch(path, "AVERAGE", start, end, res, &h, err, errsz) != 0)
		return -1;
	for (size_t r = 0; r < h.rows; r++) {
		time_t row_end = h.start + (time_t)((r + 1) * h.step);
		if (row_end <= start || row_end > end)
			continue;
		fn(&h, r, ctx);
	}
	history_free(&h);
	return 0;
}

int history_rows_split(const char *path, time_t start, time_t fine_start, time_t end,
		       unsigned long coarse_res, history_row_fn fn, void *ctx, char *err,
		       size_t errsz)
{
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
	if (fine_from < fine_start)
		fine_from = fine_start;
	if (fine_from < start)
		fine_from = start;
	if (start < fine_from &&
	    rows_part(path, start, fine_from, coarse_res, fn, ctx, err, errsz) != 0)
		return -1;
	return fine_from < end ? rows_part(path, fine_from, end, 0, fn, ctx, err, errsz) : 0;
}

int history_rows(const char *path, time_t start, time_t end, history_row_fn fn, void *ctx,
		 char *err, size_t errsz)
{
	return history_rows_split(path, start, start, end, 0, fn, ctx, err, errsz);
}

struct uptime_acc {
	double sum, known;
	int checked;	/* data sources looked up: 0 not yet, 1 yes, -1 no 'up' */
	int up, maint;
};

static void uptime_row(const struct history *h, size_t r, void *ctx)
{
	struct uptime_acc *a = ctx;
	double u;

	/* Both archives come from one file: the sources are the same in each. */
	if (a->checked == 0) {
		a->up = history_ds(h, "up");
		a->maint = history_ds(h, "maint");
		a->checked = a->up < 0 ? -1 : 1;
	}
	if (a->checked < 0)
		return;
	u = h->v[r * h->n_ds + (size_t)a->up];
	if (isnan(u))
		return;
	if (a->maint >= 0) {
		double m = h->v[r * h->n_ds + (size_t)a->maint];
		if (!isnan(m) && m >= 0.5)
			return;
	}
	a->sum += u * (double)h->step;
	a->known += (double)h->step;
}

int history_uptime(const char *path, time_t start, time_t end, double *ratio, double *known_s,
		   char *err, size_t errsz)
{
	struct uptime_acc a = { 0 };

	if (history_rows(path, start, end, uptime_row, &a, err, errsz) != 0)
		return -1;
	if (a.checked < 0) {
		snprintf(err, errsz, "%s has no 'up' data source", path);
		return -1;
	}
	*ratio = a.known > 0 ? a.sum / a.known : NAN;
	if (known_s)
		*known_s = a.known;
	return 0;
}
