/* SPDX-License-Identifier: EUPL-1.2 */
/* seed.c - see seed.h. */
#include "model/seed.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "store/history.h"
#include "store/store.h"

struct model_seeder {
	struct model *m;
	char *data_dir;
	pthread_t thread;
	atomic_bool stop, done;
};

struct rows {
	struct model_row *v;
	size_t n, cap;
	int up, maint;		/* data source indices; -2 not looked up */
	bool oom;
};

static void row_cb(const struct history *h, size_t r, void *ctx)
{
	struct rows *x = ctx;
	struct model_row *row;

	if (x->up == -2) {
		x->up = history_ds(h, "up");
		x->maint = history_ds(h, "maint");
	}
	if (x->up < 0 || x->oom)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		struct model_row *v = realloc(x->v, cap * sizeof *v);
		if (!v) {
			x->oom = true;
			return;
		}
		x->v = v;
		x->cap = cap;
	}
	row = &x->v[x->n++];
	row->end = h->start + (time_t)((r + 1) * h->step);
	row->step = h->step;
	row->up = h->v[r * h->n_ds + (size_t)x->up];
	row->maint = x->maint >= 0 ? h->v[r * h->n_ds + (size_t)x->maint] : NAN;
}

int model_seed_one(struct model *m, size_t i, const char *data_dir, const char *id, time_t now,
		   char *err, size_t errsz)
{
	char path[4096];
	struct rows x = { .up = -2, .maint = -2 };
	struct stat sb;
	time_t hour = now - now % 3600, day = now - now % 86400;
	int rc = 0;

	if (store_file_path(data_dir, id, STORE_MAIN, path, sizeof path) < 0) {
		snprintf(err, errsz, "%s: path too long", id);
		return -1;
	}
	if (stat(path, &sb) != 0 && errno == ENOENT) {
		model_seed(m, i, NULL, 0);	/* no history yet */
		return 0;
	}
	rc = 1;
	/* Hourly rows for the daily buckets, the finest rows for the hourly ones. */
	if (history_rows_split(path, day - (time_t)(MODEL_DAYS - 1) * 86400,
			       hour - (time_t)(MODEL_HOURS - 1) * 3600, now + 1, 3600, row_cb, &x,
			       err, errsz) != 0)
		rc = -1;
	else if (x.oom) {
		snprintf(err, errsz, "%s: out of memory", path);
		rc = -1;
	} else if (x.up < 0 && x.up != -2) {
		snprintf(err, errsz, "%s has no 'up' data source", path);
		rc = -1;
	}
	/* Unreadable: seeded with nothing, the windows hold the live samples only. */
	model_seed(m, i, rc > 0 ? x.v : NULL, rc > 0 ? x.n : 0);
	free(x.v);
	return rc;
}

static void *seed_thread(void *arg)
{
	struct model_seeder *s = arg;
	const struct cfg *cfg = model_cfg(s->m);
	size_t n = model_size(s->m), done = 0, failed = 0, files = 0;
	struct timespec t0, t1;

	pthread_setname_np(pthread_self(), "seed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < n && !atomic_load(&s->stop); i++) {
		char err[512];
		int rc;

		if (model_seeded(s->m, i))
			continue;
		rc = model_seed_one(s->m, i, s->data_dir, cfg->dienste[i].id, time(NULL), err,
				    sizeof err);
		if (rc < 0) {
			failed++;
			log_warn("model: cannot read the history of %s: %s", cfg->dienste[i].id, err);
		}
		done++;
		files += rc > 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (done)
		log_info("model: availability of %zu targets seeded in %.3f s: %zu from their RRD "
			 "files, %zu without one yet, %zu unreadable", done,
			 (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, files,
			 done - files - failed, failed);
	atomic_store(&s->done, true);
	return NULL;
}

struct model_seeder *model_seed_start(struct model *m, const char *data_dir, char *err,
				      size_t errsz)
{
	struct model_seeder *s = calloc(1, sizeof *s);
	int rc;

	if (!s || !(s->data_dir = strdup(data_dir))) {
		free(s);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->m = m;
	atomic_init(&s->stop, false);
	atomic_init(&s->done, false);
	rc = pthread_create(&s->thread, NULL, seed_thread, s);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start the seeding thread: %s", strerror(rc));
		free(s->data_dir);
		free(s);
		return NULL;
	}
	return s;
}

bool model_seed_done(struct model_seeder *s)
{
	return !s || atomic_load(&s->done);
}

void model_seed_stop(struct model_seeder *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	free(s->data_dir);
	free(s);
}
