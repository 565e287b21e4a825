/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * history_worker.h - a few threads of their own, behind a short queue, for
 * the API requests that read RRD files (/api/v1/targets/{id}/history).
 *
 * Such a read can take long (a cold page cache, a busy disk, rrdcached
 * flushing first); on a server thread it would hold up every request behind
 * it, /metrics included.  The server suspends the request's connection,
 * hands the read to the worker, and a request beyond the queue is refused
 * at once (503).  The worker knows nothing of HTTP: a job is two callbacks.
 */
#ifndef OZG_HISTORY_WORKER_H
#define OZG_HISTORY_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#define HISTORY_WORKER_THREADS 2u
#define HISTORY_WORKER_QUEUE 16u	/* jobs waiting for a thread; more: refused */

/*
 * One job.  Exactly one of run (on a worker thread) and cancel (on the
 * thread that stops the worker, for a job still queued then) is called,
 * once; the worker does not touch the job after either returns, so they
 * may hand it back to its owner (the HTTP server resumes the connection).
 */
struct history_job {
	void (*run)(struct history_job *j);
	void (*cancel)(struct history_job *j);
	struct history_job *next;	/* the worker's */
};

struct history_worker;

/* Starts threads threads behind a queue of queue jobs; NULL with a reason in err. */
struct history_worker *history_worker_start(unsigned threads, unsigned queue, char *err,
					    size_t errsz);
/*
 * Queues j.  held(arg), when given, is called while the worker's lock is
 * held, after j is queued but before any thread can take it: where the
 * caller suspends the connection that run will resume.  False (j untouched,
 * held not called) when the queue is full or the worker stops.
 */
bool history_worker_submit(struct history_worker *w, struct history_job *j,
			   void (*held)(void *arg), void *arg);
/* Jobs waiting in the queue, and (running) being run now. */
size_t history_worker_queued(struct history_worker *w, size_t *running);
/*
 * Refuses new jobs from now on, cancels the queued ones and waits for the
 * running ones.  NULL-safe.  history_worker_submit stays callable (and
 * refuses) until history_worker_free.
 */
void history_worker_stop(struct history_worker *w);
void history_worker_free(struct history_worker *w);	/* stops it first; NULL-safe */

#endif
