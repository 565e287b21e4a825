/* SPDX-License-Identifier: EUPL-1.2 */
/* task.c - see task.h. */
#include "dashboards/task.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "dashboards/map.h"
#include "dashboards/site.h"
#include "rollout/demo_past.h"

/* Seconds of graph drawing per run; the rest waits for the next run. */
#define DASH_GRAPH_BUDGET_S 4.0
#define DASH_NICE 10			/* nice value of the generator thread */
#define DASH_RECENT 200			/* incidents of the journal read per generation */

struct dash_task {
	const struct cfg *cfg;
	const struct store *store;
	struct state_pub *pub;
	struct rollout_task *rollout;
	struct incidents *incidents;
	char *data_dir, *dir;
	unsigned every_s, graph_every_s;
	enum probe_result *last_fail;	/* per Dienst; owned by the thread */
	int *last_fail_http;		/* per Dienst: that failure's HTTP status, 0 none */
	size_t graph_cursor;		/* next Dienst whose graphs are due; the thread's */
	unsigned char *graph_late;	/* per Dienst: no series at its round (site.h); the thread's */
	pthread_t thread;
	pthread_mutex_t lock;		/* guards stop and stats */
	pthread_cond_t wake;
	bool stop;
	atomic_bool cancel;		/* set with stop: a running generation ends early */
	struct dash_stats stats;
	struct geo geo;			/* registers.geo, loaded at start; empty without it */
	time_t simulated_until;		/* demo_past_until(data_dir), read at start */
};

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One generation; returns the number of graphs drawn. */
static unsigned generate(struct dash_task *t, bool graphs)
{
	struct snapshot *s = state_acquire(t->pub);
	struct rollout_ref *ro = t->rollout ? rollout_task_acquire(t->rollout) : NULL;

	/* Around a reload the snapshot may still be of the previous configuration. */
	if (s && s->cfg != t->cfg) {
		snapshot_release(s);
		s = NULL;
	}
	struct incidents_view iv = { 0 };
	bool have_iv = t->incidents && incidents_view(t->incidents, &iv) == 0;
	struct dash_input in = {
		.cfg = t->cfg, .store = t->store, .data_dir = t->data_dir, .snap = s, .ro = ro,
		.inc = have_iv ? &iv : NULL, .last_fail = t->last_fail,
		.last_fail_http = t->last_fail_http,
		.L = dash_lang_get(t->cfg->global.language), .geo = t->geo.n ? &t->geo : NULL,
		.now = time(NULL), .graphs = graphs, .simulated_until = t->simulated_until,
		.graph_cursor = &t->graph_cursor, .graph_budget_s = DASH_GRAPH_BUDGET_S,
		.cancel = &t->cancel, .graph_late = t->graph_late,
	};
	struct dash_result res;
	double t0 = mono_s(), took;
	int rc;
	/* The history is indexed by the watcher's configuration: only when it is ours. */
	struct incident_event *recent = have_iv && iv.cfg == t->cfg ? calloc(DASH_RECENT, sizeof *recent)
								    : NULL;
	char rerr[256];
	int n_recent = recent ? incidents_recent(t->incidents, recent, DASH_RECENT, rerr, sizeof rerr) : 0;

	if (n_recent < 0) {
		log_warn("dashboards: incident history: %s", rerr);
		n_recent = 0;
	}
	in.recent = recent;
	in.n_recent = (size_t)n_recent;

	for (size_t d = 0; s && d < s->n; d++)
		if (s->t[d].probed && !s->t[d].success) {
			t->last_fail[d] = s->t[d].result;
			t->last_fail_http[d] = s->t[d].http_status;
		}
	rc = dash_generate(&in, t->dir, &res);
	took = mono_s() - t0;
	incidents_view_free(&iv);
	free(recent);
	rollout_ref_release(ro);
	snapshot_release(s);
	if (rc != 0)
		log_warn("dashboards: %u files failed, first: %s", res.errors, res.first_error);
	else
		log_debug("dashboards: %u pages, %u graphs in %.2f s", res.pages, res.graphs, took);
	pthread_mutex_lock(&t->lock);
	t->stats.runs++;
	t->stats.failed_runs += rc != 0;
	t->stats.file_errors += res.errors;
	t->stats.last_s = wall_s();
	t->stats.took_s = took;
	t->stats.pages = res.pages;
	t->stats.graphs = res.graphs;
	t->stats.largest = res.largest;
	pthread_mutex_unlock(&t->lock);
	return res.graphs;
}

static void *run(void *arg)
{
	struct dash_task *t = arg;
	double last_round = -1e18;	/* when the graph cursor last started a round */
	struct rollout_ref *first = NULL;

	pthread_setname_np(pthread_self(), "dashboards");
	/*
	 * Generating is background work: a lower priority for this thread (Linux
	 * nice values are per thread) keeps it from competing with the probe loop
	 * and the HTTP workers on a busy machine.  Failure is harmless.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), DASH_NICE);

	/*
	 * The first pages wait (a bounded time) for the first rollout figures and
	 * the collector's first round: by then the store has opened every series
	 * file, which librrd's readers would otherwise race with at start.
	 */
	for (unsigned i = 0; i < t->every_s * 10 + 300; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		bool stop;

		if (atomic_load(&t->pub->first_round_done) &&
		    (!t->rollout || (first = rollout_task_acquire(t->rollout)))) {
			rollout_ref_release(first);
			break;
		}
		pthread_mutex_lock(&t->lock);
		stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			return NULL;
		nanosleep(&ts, NULL);
	}
	for (;;) {
		struct timespec until;
		/* Graphs are drawn in slices every run until a round is complete, then rest. */
		bool graphs = t->graph_cursor != 0 || mono_s() - last_round >= (double)t->graph_every_s;
		size_t before = t->graph_cursor;

		if (graphs && before == 0)
			last_round = mono_s();
		/* A round that found no series yet (a fresh start) tries again next time. */
		if (generate(t, graphs) == 0 && before == 0)
			last_round = -1e18;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)t->every_s;
		pthread_mutex_lock(&t->lock);
		while (!t->stop) {
			if (pthread_cond_timedwait(&t->wake, &t->lock, &until) == ETIMEDOUT)
				break;
		}
		if (t->stop) {
			pthread_mutex_unlock(&t->lock);
			return NULL;
		}
		pthread_mutex_unlock(&t->lock);
	}
}

struct dash_task *dash_task_start(const struct cfg *cfg, const struct store *store,
				  struct state_pub *pub, struct rollout_task *rollout,
				  struct incidents *incidents, const char *data_dir, const char *dir,
				  unsigned every_s, unsigned graph_every_s, char *err, size_t errsz)
{
	struct dash_task *t = calloc(1, sizeof *t);

	if (!t) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	atomic_init(&t->cancel, false);
	t->cfg = cfg;
	t->store = store;
	t->pub = pub;
	t->rollout = rollout;
	t->incidents = incidents;
	t->every_s = every_s ? every_s : 60;
	t->graph_every_s = graph_every_s;
	t->data_dir = strdup(data_dir);
	t->dir = strdup(dir);
	t->last_fail = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *t->last_fail);
	t->last_fail_http = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *t->last_fail_http);
	t->graph_late = calloc(cfg->n_dienste ? cfg->n_dienste : 1, 1);
	if (!t->data_dir || !t->dir || !t->last_fail || !t->last_fail_http || !t->graph_late) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	/* The map geometry, checked against the registers before anything starts. */
	if (cfg->reg.geo && (geo_load(&t->geo, cfg->reg.geo, err, errsz) != 0 ||
			     geo_check(&t->geo, &cfg->reg, cfg->reg.geo, err, errsz) != 0))
		goto fail;
	t->simulated_until = demo_past_until(data_dir);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		snprintf(err, errsz, "cannot start the dashboards thread");
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		goto fail;
	}
	return t;
fail:
	geo_free(&t->geo);
	free(t->data_dir);
	free(t->dir);
	free(t->last_fail);
	free(t->last_fail_http);
	free(t->graph_late);
	free(t);
	return NULL;
}

void dash_task_stats(struct dash_task *t, struct dash_stats *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->stats;
	pthread_mutex_unlock(&t->lock);
}

void dash_task_stop(struct dash_task *t)
{
	if (!t)
		return;
	atomic_store(&t->cancel, true);
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t->data_dir);
	free(t->dir);
	free(t->last_fail);
	free(t->last_fail_http);
	free(t->graph_late);
	geo_free(&t->geo);
	free(t);
}
