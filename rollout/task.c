/* SPDX-License-Identifier: EUPL-1.2 */
/* task.c - see task.h. */
#include "rollout/task.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "rollout/trend.h"

#define ROLLOUT_SEEDING_S 5	/* recompute period while targets are not seeded yet */

_Static_assert(ROLLOUT_WINDOWS == MODEL_WINDOWS, "the rollout shows the model's windows");
const unsigned rollout_window_s[ROLLOUT_WINDOWS] = { 86400, 7 * 86400, 30 * 86400, 90 * 86400 };
const char *const rollout_window_name[ROLLOUT_WINDOWS] = { "1d", "7d", "30d", "90d" };

struct rollout_task {
	struct state_cfg *cref;		/* owned reference */
	const struct cfg *cfg;		/* == cref->cfg */
	const struct model *model;	/* == cref->model */
	char *data_dir;		/* for the trend files; owned */
	unsigned every_s;
	pthread_t thread;
	pthread_mutex_t lock;	/* guards cur and stop */
	pthread_cond_t cond;
	struct rollout_ref *cur;
	bool stop;
	size_t unseeded;	/* task thread only: targets whose history was not read yet */
};

void rollout_ref_release(struct rollout_ref *ref)
{
	if (!ref)
		return;
	if (atomic_fetch_sub_explicit(&ref->refs, 1, memory_order_acq_rel) == 1) {
		rollout_free(ref->r);
		for (int w = 0; w < ROLLOUT_WINDOWS; w++)
			free(ref->uptime[w]);
		state_cfg_release(ref->cfgref);
		free(ref);
	}
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct rollout_ref *compute(struct rollout_task *t)
{
	struct rollout_ref *ref = calloc(1, sizeof *ref);
	size_t n = t->cfg->n_dienste;
	struct rollout_params p;
	double t0 = wall_s();
	time_t now = (time_t)t0;
	unsigned missing = 0;

	if (!ref)
		return NULL;
	atomic_init(&ref->refs, 1);
	ref->cfg = t->cfg;
	ref->cfgref = state_cfg_ref(t->cref);
	for (int w = 0; w < ROLLOUT_WINDOWS; w++) {
		ref->uptime[w] = malloc((n ? n : 1) * sizeof *ref->uptime[w]);
		if (!ref->uptime[w]) {
			rollout_ref_release(ref);
			return NULL;
		}
	}
	ref->availability = ref->uptime[ROLLOUT_AVAILABILITY_WINDOW];
	/* From memory (model/avail.h): no file is read here. */
	for (size_t d = 0; d < n; d++) {
		double u[MODEL_WINDOWS];
		model_uptimes(t->model, d, now, u, NULL);
		for (int w = 0; w < ROLLOUT_WINDOWS; w++)
			ref->uptime[w][d] = u[w];
		missing += isnan(u[0]);
		t->unseeded += !model_seeded(t->model, d);
	}
	rollout_params_default(&p);
	p.online_min = t->cfg->global.rollout.online_min;
	p.fulfilled_min = t->cfg->global.rollout.fulfilled_min;
	p.reliable_min = t->cfg->global.rollout.reliable_pct / 100.0;
	p.unknown_is_reliable = t->cfg->global.rollout.unknown_is_reliable;
	p.weighting = t->cfg->global.rollout.weight_availability ? ROLLOUT_WEIGHT_AVAILABILITY
								 : ROLLOUT_WEIGHT_THRESHOLD;
	ref->r = rollout_compute(t->cfg, ref->availability, &p);
	if (!ref->r) {
		rollout_ref_release(ref);
		return NULL;
	}
	ref->made_s = wall_s();
	ref->took_s = ref->made_s - t0;
	log_debug("rollout: recomputed in %.3f s (%u of %zu Dienste not measured yet)", ref->took_s,
		  missing, n);
	return ref;
}

static void publish(struct rollout_task *t, struct rollout_ref *ref)
{
	struct rollout_ref *old;

	pthread_mutex_lock(&t->lock);
	old = t->cur;
	t->cur = ref;
	pthread_mutex_unlock(&t->lock);
	rollout_ref_release(old);
}

static void *task_thread(void *arg)
{
	struct rollout_task *t = arg;

	pthread_setname_np(pthread_self(), "rollout");
	for (;;) {
		struct timespec until;
		bool stop;
		struct rollout_ref *ref;

		t->unseeded = 0;
		ref = compute(t);

		if (ref) {
			/*
			 * Not while the model is still being seeded: an unseeded target
			 * reads as not measured, and a trend row of those figures would
			 * cover the whole gap since the last row (a dip at every start).
			 */
			if (t->unseeded == 0)
				trend_write(t->data_dir, ref->r, (time_t)ref->made_s);
			publish(t, ref);
		}
		else
			log_error("rollout: out of memory; keeping the previous figures");
		clock_gettime(CLOCK_REALTIME, &until);
		/* While the model is still being seeded from the files, look again soon. */
		until.tv_sec += t->unseeded && t->every_s > ROLLOUT_SEEDING_S ? ROLLOUT_SEEDING_S
									 : t->every_s;
		pthread_mutex_lock(&t->lock);
		while (!t->stop) {
			if (pthread_cond_timedwait(&t->cond, &t->lock, &until) == ETIMEDOUT)
				break;
		}
		stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
	}
	return NULL;
}

struct rollout_task *rollout_task_start(struct state_cfg *cref, const char *data_dir,
					unsigned every_s, char *err, size_t errsz)
{
	struct rollout_task *t = calloc(1, sizeof *t);
	int rc;

	if (!t) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	t->cref = state_cfg_ref(cref);
	t->cfg = cref->cfg;
	t->model = cref->model;
	t->data_dir = strdup(data_dir);
	if (!t->data_dir) {
		snprintf(err, errsz, "out of memory");
		state_cfg_release(t->cref);
		free(t);
		return NULL;
	}
	t->every_s = every_s ? every_s : 60;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	rc = pthread_create(&t->thread, NULL, task_thread, t);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start rollout thread: %s", strerror(rc));
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t->data_dir);
		state_cfg_release(t->cref);
		free(t);
		return NULL;
	}
	return t;
}

struct rollout_ref *rollout_task_acquire(struct rollout_task *t)
{
	struct rollout_ref *ref;

	pthread_mutex_lock(&t->lock);
	ref = t->cur;
	if (ref)
		atomic_fetch_add_explicit(&ref->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&t->lock);
	return ref;
}

void rollout_task_stop(struct rollout_task *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	rollout_ref_release(t->cur);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t->data_dir);
	state_cfg_release(t->cref);
	free(t);
}
