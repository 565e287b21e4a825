/* SPDX-License-Identifier: EUPL-1.2 */
/* history_worker.c - see history_worker.h. */
#include "exporter/history_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct history_worker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct history_job *head, *tail;	/* the queue, oldest first */
	size_t queued, limit;
	size_t running;
	bool stopping;
	size_t n_threads;
	pthread_t threads[];
};

static void *worker_main(void *arg)
{
	struct history_worker *w = arg;

	pthread_setname_np(pthread_self(), "http-history");
	/*
	 * As nice as the bcrypt thread (http_auth.c): under load the CPU goes
	 * to the threads that answer scrapes first.
	 */
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), prio + 10 > 19 ? 19 : prio + 10);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct history_job *j;

		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->head)
			break;	/* stopping, and history_worker_stop took the rest */
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		w->running++;
		pthread_mutex_unlock(&w->lock);
		j->run(j);	/* j is its owner's again */
		pthread_mutex_lock(&w->lock);
		w->running--;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct history_worker *history_worker_start(unsigned threads, unsigned queue, char *err,
					    size_t errsz)
{
	struct history_worker *w = calloc(1, sizeof *w + threads * sizeof w->threads[0]);

	if (!w || threads == 0) {
		free(w);
		snprintf(err, errsz, threads ? "out of memory" : "no history threads");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->limit = queue;
	for (; w->n_threads < threads; w->n_threads++)
		if (pthread_create(&w->threads[w->n_threads], NULL, worker_main, w) != 0) {
			snprintf(err, errsz, "cannot start the history threads");
			history_worker_free(w);
			return NULL;
		}
	return w;
}

bool history_worker_submit(struct history_worker *w, struct history_job *j,
			   void (*held)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= w->limit) {
		pthread_mutex_unlock(&w->lock);
		return false;
	}
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	if (held)
		held(arg);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return true;
}

size_t history_worker_queued(struct history_worker *w, size_t *running)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->queued;
	if (running)
		*running = w->running;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void history_worker_stop(struct history_worker *w)
{
	struct history_job *j;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	j = w->head;
	w->head = w->tail = NULL;
	w->queued = 0;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	while (j) {
		struct history_job *next = j->next;
		j->cancel(j);	/* j is its owner's again */
		j = next;
	}
	for (size_t i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	w->n_threads = 0;
}

void history_worker_free(struct history_worker *w)
{
	if (!w)
		return;
	history_worker_stop(w);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
