/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * task.h - keeps the rollout model current in the running daemon.
 *
 * A thread recomputes the model every `every_s` seconds: it takes each
 * Onlinedienst's uptime over 1, 7, 30 and 90 days from the availability
 * model in memory (model/avail.h: windows aligned to hours and UTC days;
 * maintenance excluded; no RRD file is read; every 5 s while the model is
 * still being seeded), runs rollout_compute() with the
 * 7-day figure as availability, writes the Land's and Kreise's figures to
 * their trend files (trend.h), and
 * publishes the result as a reference-counted, immutable value.  Readers
 * (the exporter) take a reference with rollout_task_acquire() and drop it
 * with rollout_ref_release(); they never wait for a computation.  The probe
 * loop is not involved at all.
 */
#ifndef OZG_ROLLOUT_TASK_H
#define OZG_ROLLOUT_TASK_H

#include <stdatomic.h>

#include "model/state.h"
#include "rollout/rollout.h"

/* Windows of the uptime figures, in seconds and as label values. */
#define ROLLOUT_WINDOWS 4
extern const unsigned rollout_window_s[ROLLOUT_WINDOWS];	/* 1 d, 7 d, 30 d, 90 d */
extern const char *const rollout_window_name[ROLLOUT_WINDOWS];	/* "1d", "7d", "30d", "90d" */
#define ROLLOUT_AVAILABILITY_WINDOW 1	/* index of the window that decides "reliable" */

/* A published result: the model plus when and how it was made. */
struct rollout_ref {
	atomic_uint refs;
	const struct cfg *cfg;		/* the configuration r describes */
	struct state_cfg *cfgref;	/* owned reference keeping cfg alive */
	struct rollout *r;		/* owned */
	/* Per window, per Dienst: uptime with maintenance excluded, NaN when not measured. */
	double *uptime[ROLLOUT_WINDOWS];	/* owned */
	double *availability;		/* == uptime[ROLLOUT_AVAILABILITY_WINDOW] */
	double made_s;			/* wall clock, seconds since the epoch */
	double took_s;			/* time the computation took (reads included) */
};

void rollout_ref_release(struct rollout_ref *ref);	/* NULL-safe */

struct rollout_task;

/*
 * Takes a reference to cref (released at stop; every published result holds
 * one more, so a reader's result outlives a configuration reload); the
 * uptimes come from cref->model.  The first result is computed at once.
 * NULL with a reason in err on failure.
 */
struct rollout_task *rollout_task_start(struct state_cfg *cref, const char *data_dir,
					unsigned every_s, char *err, size_t errsz);
/* The latest result with a new reference, or NULL before the first. */
struct rollout_ref *rollout_task_acquire(struct rollout_task *t);
void rollout_task_stop(struct rollout_task *t);	/* NULL-safe; joins and frees */

#endif
