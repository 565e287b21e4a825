/* history.c - see history.h. */
#include "store/history.h"

#include <math.h>
#include <stdbool.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	daemon_tcp = strncmp(addr, "unix:", 5) != 0 && addr[0] != '/';
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
		if (e && strncmp(e, "rrdcached", 9) == 0 && (e[9] == ':' || e[9] == '@') &&
		    !strstr(e, "No such file")) {
			snprintf(err, errsz, "rrdcached flush of %s: %s", path, e && *e ? e : "failed");
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

int history_uptime(const char *path, time_t start, time_t end, double *ratio, double *known_s,
		   char *err, size_t errsz)
{
	struct history h;
	double sum = 0, n = 0;
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
		if (isnan(u))
			continue;
		if (maint >= 0) {
			double m = h.v[r * h.n_ds + (size_t)maint];
			if (!isnan(m) && m >= 0.5)
				continue;
		}
		sum += u;
		n++;
	}
	*ratio = n > 0 ? sum / n : NAN;
	if (known_s)
		*known_s = n * (double)h.step;
	history_free(&h);
	return 0;
}
