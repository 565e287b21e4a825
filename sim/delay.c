/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * delay.c - parks suspended connections until a deadline.
 *
 * Slow and hanging hosts must not hold a server thread: the handler suspends
 * its connection (MHD_suspend_connection) and registers it here; one timer
 * thread keeps the waits in a binary min-heap ordered by deadline, sleeps on
 * a CLOCK_MONOTONIC condition variable until the earliest one, and resumes
 * the connections that are due.  libmicrohttpd then calls the handler again,
 * which reads the outcome and answers (slow) or closes (hang).
 *
 * Lock order: the queue's mutex, then libmicrohttpd's own (the handler
 * suspends while holding the queue's mutex so the timer cannot resume a
 * connection before it is suspended).  The timer thread resumes without
 * holding the queue's mutex.
 */
#include "sim/sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

struct sim_delay {
	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t cond;		/* signalled on a new earliest wait or on stop */
	struct sim_wait **heap;		/* min-heap by deadline_ns */
	size_t n, cap;
	bool stopping;			/* no new waits; the thread drains and exits */
	bool running;			/* the thread was started and not yet joined */
	pthread_t thread;
};

#define SIM_RESUME_BATCH 64

static uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- heap (caller holds the lock) -------------------------------------- */

static void sim_heap_swap(struct sim_wait **h, size_t a, size_t b)
{
	struct sim_wait *t = h[a];
	h[a] = h[b];
	h[b] = t;
}

static void sim_heap_push(struct sim_delay *d, struct sim_wait *w)
{
	size_t i = d->n++;

	d->heap[i] = w;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (d->heap[parent]->deadline_ns <= d->heap[i]->deadline_ns)
			break;
		sim_heap_swap(d->heap, parent, i);
		i = parent;
	}
}

static struct sim_wait *sim_heap_pop(struct sim_delay *d)
{
	struct sim_wait *top = d->heap[0];
	size_t i = 0;

	d->heap[0] = d->heap[--d->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < d->n && d->heap[l]->deadline_ns < d->heap[m]->deadline_ns)
			m = l;
		if (r < d->n && d->heap[r]->deadline_ns < d->heap[m]->deadline_ns)
			m = r;
		if (m == i)
			break;
		sim_heap_swap(d->heap, i, m);
		i = m;
	}
	return top;
}

/* ---- timer thread -------------------------------------------------------- */

static void *sim_delay_main(void *arg)
{
	struct sim_delay *d = arg;
	struct MHD_Connection *batch[SIM_RESUME_BATCH];
	size_t nb;
	bool last;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		uint64_t now = sim_now_ns();

		nb = 0;
		while (d->n > 0 && nb < SIM_RESUME_BATCH &&
		       (d->stopping || d->heap[0]->deadline_ns <= now)) {
			struct sim_wait *w = sim_heap_pop(d);
			w->wake = d->stopping ? SIM_WAKE_ABORT : SIM_WAKE_DUE;
			batch[nb++] = w->conn;	/* w may be freed once resumed */
		}
		if (nb > 0) {
			last = d->stopping && d->n == 0;
			pthread_mutex_unlock(&d->lock);
			for (size_t i = 0; i < nb; i++)
				MHD_resume_connection(batch[i]);
			if (last)
				return NULL;
			pthread_mutex_lock(&d->lock);
			continue;
		}
		if (d->stopping)
			break;
		if (d->n == 0) {
			pthread_cond_wait(&d->cond, &d->lock);
		} else {
			uint64_t dl = d->heap[0]->deadline_ns;
			struct timespec ts = {
				.tv_sec = (time_t)(dl / 1000000000ULL),
				.tv_nsec = (long)(dl % 1000000000ULL),
			};
			pthread_cond_timedwait(&d->cond, &d->lock, &ts);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* ---- API ------------------------------------------------------------------ */

struct sim_delay *sim_delay_new(char *err, size_t errsz)
{
	struct sim_delay *d = calloc(1, sizeof *d);
	pthread_condattr_t ca;
	int rc;

	if (!d) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	d->cap = 64;
	d->heap = calloc(d->cap, sizeof *d->heap);
	if (!d->heap) {
		free(d);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&d->thread, NULL, sim_delay_main, d);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start the timer thread: %s", strerror(rc));
		pthread_cond_destroy(&d->cond);
		pthread_mutex_destroy(&d->lock);
		free(d->heap);
		free(d);
		return NULL;
	}
	d->running = true;
	return d;
}

int sim_delay_park(struct sim_delay *d, struct MHD_Connection *conn,
		   struct sim_wait *w, unsigned ms)
{
	pthread_mutex_lock(&d->lock);
	if (d->stopping) {
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap * 2;
		struct sim_wait **h = realloc(d->heap, cap * sizeof *h);
		if (!h) {
			pthread_mutex_unlock(&d->lock);
			return -1;
		}
		d->heap = h;
		d->cap = cap;
	}
	w->conn = conn;
	w->deadline_ns = sim_now_ns() + (uint64_t)ms * 1000000ULL;
	w->wake = SIM_WAKE_NONE;
	MHD_suspend_connection(conn);
	sim_heap_push(d, w);
	if (d->heap[0] == w)
		pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

enum sim_wake sim_delay_outcome(struct sim_delay *d, const struct sim_wait *w)
{
	enum sim_wake wake;

	pthread_mutex_lock(&d->lock);
	wake = w->wake;
	pthread_mutex_unlock(&d->lock);
	return wake;
}

void sim_delay_stop(struct sim_delay *d)
{
	if (!d || !d->running)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	d->running = false;
}

void sim_delay_free(struct sim_delay *d)
{
	if (!d)
		return;
	sim_delay_stop(d);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d->heap);
	free(d);
}
