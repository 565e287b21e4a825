/* store.c - see store.h. */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <rrd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

#define STORE_BATCH 256		/* samples taken out of the ring per lock */

struct store_target {
	char *path;		/* <data_dir>/rrd/<id>.rrd */
	unsigned step_s;
	int64_t last_s;		/* last update written (s), -1 unknown */
	bool ready;		/* file exists with our layout */
	bool broken;		/* creation failed: drop its samples (counted) */
};

struct store {
	const struct cfg *cfg;
	char *dir;		/* <data_dir>/rrd */
	struct store_target *t;
	size_t n;

	pthread_mutex_t lock;	/* guards ring, head, len, stop */
	pthread_cond_t cond;
	struct store_sample *ring;
	size_t cap, head, len;
	bool stop;
	bool running;
	pthread_t thread;

	atomic_uint_fast64_t updates, errors, dropped, stale, created;
	atomic_size_t queue_len;
};

static int mkdir_p(const char *path, char *err, size_t errsz)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof tmp) {
		snprintf(err, errsz, "data directory path is empty or too long");
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errsz, "cannot create %s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

struct store *store_new(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			char *err, size_t errsz)
{
	struct store *st = calloc(1, sizeof *st);
	size_t dl;

	if (!st) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	st->cfg = cfg;
	st->n = cfg->n_dienste;
	st->cap = queue_cap ? queue_cap : 1;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	dl = strlen(data_dir) + sizeof "/rrd";
	st->dir = malloc(dl);
	st->ring = calloc(st->cap, sizeof *st->ring);
	st->t = calloc(st->n ? st->n : 1, sizeof *st->t);
	if (!st->dir || !st->ring || !st->t) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	snprintf(st->dir, dl, "%s/rrd", data_dir);
	if (mkdir_p(st->dir, err, errsz) != 0)
		goto fail;
	for (size_t i = 0; i < st->n; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		size_t pl = strlen(st->dir) + strlen(d->id) + sizeof "/.rrd";
		st->t[i].path = malloc(pl);
		if (!st->t[i].path) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		snprintf(st->t[i].path, pl, "%s/%s.rrd", st->dir, d->id);
		st->t[i].step_s = d->interval_ms >= 1000 ? d->interval_ms / 1000 : 1;
		st->t[i].last_s = -1;
	}
	return st;
fail:
	store_free(st);
	return NULL;
}

const char *store_path(const struct store *st, size_t target)
{
	return target < st->n ? st->t[target].path : NULL;
}

/* Rows for `secs` of history at `pdp` primary points per row. */
static unsigned long rra_rows(unsigned long secs, unsigned long step, unsigned long pdp)
{
	unsigned long rows = secs / (step * pdp);
	return rows ? rows : 1;
}

/* Creates t->path (atomically: temporary name, then rename).  0 or -1. */
static int store_create(struct store *st, struct store_target *t, time_t first_ts)
{
	enum { NARGS = 8 };
	char args[NARGS][64];
	const char *argv[NARGS];
	char tmp[PATH_MAX];
	unsigned long step = t->step_s, hb = 2 * step;
	unsigned long pdp5m = step >= 300 ? 1 : 300 / step;
	unsigned long pdp1h = step >= 3600 ? 1 : 3600 / step;
	unsigned long pdp1d = 86400 / step ? 86400 / step : 1;
	int argc = 0, rc;

	snprintf(args[argc++], 64, "DS:up:GAUGE:%lu:0:1", hb);
	snprintf(args[argc++], 64, "DS:duration:GAUGE:%lu:0:U", hb);
	snprintf(args[argc++], 64, "DS:http_code:GAUGE:%lu:0:999", hb);
	/* 2 days at the probe interval, 14 days at 5 min, 93 days hourly, 2 years daily. */
	snprintf(args[argc++], 64, "RRA:AVERAGE:0.5:1:%lu", rra_rows(2 * 86400, step, 1));
	snprintf(args[argc++], 64, "RRA:AVERAGE:0.5:%lu:%lu", pdp5m, rra_rows(14 * 86400, step, pdp5m));
	snprintf(args[argc++], 64, "RRA:AVERAGE:0.5:%lu:%lu", pdp1h, rra_rows(93 * 86400, step, pdp1h));
	snprintf(args[argc++], 64, "RRA:AVERAGE:0.5:%lu:%lu", pdp1d, rra_rows(730 * 86400, step, pdp1d));
	snprintf(args[argc++], 64, "RRA:MAX:0.5:%lu:%lu", pdp5m, rra_rows(14 * 86400, step, pdp5m));
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", t->path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	rrd_clear_error();
	rc = rrd_create_r(tmp, step, first_ts - 1, argc, argv);
	if (rc != 0) {
		log_error("store: cannot create %s: %s", t->path, rrd_get_error());
		rrd_clear_error();
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, t->path) != 0) {
		log_error("store: cannot rename %s to %s: %s", tmp, t->path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	atomic_fetch_add(&st->created, 1);
	log_debug("store: created %s", t->path);
	return 0;
}

/* Makes sure the target's file exists; learns its last update. */
static int store_prepare(struct store *st, struct store_target *t, time_t ts)
{
	struct stat sb;

	if (t->ready)
		return 0;
	if (t->broken)
		return -1;
	if (stat(t->path, &sb) == 0) {
		time_t last;
		rrd_clear_error();
		last = rrd_last_r(t->path);
		if (last == (time_t)-1) {
			log_error("store: %s exists but is not readable as RRD: %s", t->path,
				  rrd_get_error());
			rrd_clear_error();
			t->broken = true;
			return -1;
		}
		t->last_s = last;
	} else if (store_create(st, t, ts) != 0) {
		t->broken = true;
		return -1;
	} else {
		t->last_s = ts - 1;
	}
	t->ready = true;
	return 0;
}

static void store_write(struct store *st, const struct store_sample *s)
{
	struct store_target *t;
	char val[128];
	const char *argv[1] = { val };
	time_t ts = (time_t)(s->ts_ms / 1000);

	if (s->target >= st->n) {
		atomic_fetch_add(&st->dropped, 1);
		return;
	}
	t = &st->t[s->target];
	if (store_prepare(st, t, ts) != 0) {
		atomic_fetch_add(&st->dropped, 1);
		return;
	}
	if (ts <= t->last_s) {
		/* Clock stepped back, or two samples within one second: RRD refuses them. */
		if (atomic_fetch_add(&st->stale, 1) % 1000 == 0)
			log_warn("store: %s: sample at %lld not after last update %lld (skipped)",
				 t->path, (long long)ts, (long long)t->last_s);
		return;
	}
	if (s->answered && isfinite(s->duration_s))
		snprintf(val, sizeof val, "%lld:%d:%.6f:%d", (long long)ts, s->up ? 1 : 0,
			 s->duration_s, s->http_status);
	else
		snprintf(val, sizeof val, "%lld:%d:U:U", (long long)ts, s->up ? 1 : 0);
	rrd_clear_error();
	if (rrd_update_r(t->path, "up:duration:http_code", 1, argv) != 0) {
		if (atomic_fetch_add(&st->errors, 1) % 100 == 0)
			log_error("store: update of %s failed: %s", t->path, rrd_get_error());
		rrd_clear_error();
		/* Learn the file's real state again before the next sample. */
		t->ready = false;
		return;
	}
	t->last_s = ts;
	atomic_fetch_add(&st->updates, 1);
}

static void *store_thread(void *arg)
{
	struct store *st = arg;
	struct store_sample batch[STORE_BATCH];

	for (;;) {
		size_t n = 0;
		bool stop;

		pthread_mutex_lock(&st->lock);
		while (st->len == 0 && !st->stop)
			pthread_cond_wait(&st->cond, &st->lock);
		while (n < STORE_BATCH && st->len > 0) {
			batch[n++] = st->ring[st->head];
			st->head = (st->head + 1) % st->cap;
			st->len--;
		}
		atomic_store(&st->queue_len, st->len);
		stop = st->stop && st->len == 0 && n == 0;
		pthread_mutex_unlock(&st->lock);
		if (stop)
			break;
		for (size_t i = 0; i < n; i++)
			store_write(st, &batch[i]);
	}
	return NULL;
}

int store_start(struct store *st, char *err, size_t errsz)
{
	int rc = pthread_create(&st->thread, NULL, store_thread, st);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start store thread: %s", strerror(rc));
		return -1;
	}
	st->running = true;
	return 0;
}

int store_submit(struct store *st, const struct store_sample *s)
{
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (st->len == st->cap || st->stop) {
		rc = -1;
	} else {
		st->ring[(st->head + st->len) % st->cap] = *s;
		st->len++;
		atomic_store(&st->queue_len, st->len);
		pthread_cond_signal(&st->cond);
	}
	pthread_mutex_unlock(&st->lock);
	if (rc != 0 && atomic_fetch_add(&st->dropped, 1) % 1000 == 0)
		log_warn("store: queue full (%zu samples): sample dropped", st->cap);
	return rc;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
	out->updates = atomic_load(&st->updates);
	out->errors = atomic_load(&st->errors);
	out->dropped = atomic_load(&st->dropped);
	out->stale = atomic_load(&st->stale);
	out->created = atomic_load(&st->created);
	out->queue_len = atomic_load(&st->queue_len);
	out->queue_cap = st->cap;
}

void store_stop(struct store *st)
{
	if (!st || !st->running)
		return;
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
	st->running = false;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	store_stop(st);
	if (st->t)
		for (size_t i = 0; i < st->n; i++)
			free(st->t[i].path);
	free(st->t);
	free(st->ring);
	free(st->dir);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	free(st);
}
