/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * avail.h - availability windows in memory, kept from the sample stream.
 *
 * Per target the model keeps, per bucket, the seconds that were up, known
 * and in maintenance: hourly buckets for the last MODEL_HOURS hours and
 * daily buckets (UTC days) for the last MODEL_DAYS days, under 1 KiB per
 * target.  From them it answers the 1, 7, 30 and 90 day uptimes and the
 * daily availability that rollout, exporter and dashboards show, without
 * reading any RRD file.
 *
 * A sample is weighted as the RRD weights it (store.h: step = interval,
 * heartbeat = 2 x interval): its value covers the span since the target's
 * previous sample, split at hour and day boundaries; a span longer than the
 * heartbeat is unknown, as is the span before a target's first sample.
 * Samples not newer (in whole seconds) than the previous one are ignored,
 * as the RRD refuses them.  uptime = up / (known - maintenance).
 *
 * Windows, aligned to the buckets:
 *   1d   the current UTC hour and the 23 before it
 *   7d, 30d, 90d   the current UTC day and the 6, 29, 89 before it
 *
 * Threads: one writer feeds samples (the collector thread, model_sample);
 * the seeding pass (model_seed.h) merges a target's history from its RRD
 * file once; any number of readers run at the same time.  Every access
 * holds the mutex of the target's shard for a copy of the target's words
 * (about 1 KiB), never longer; the probe loop does no I/O here.
 *
 * A target reads as not measured (NaN) until it was seeded: at start and
 * for targets new after a reload, the seeding pass fills it from its RRD
 * file (or marks it seeded when there is none).
 */
#ifndef OZG_MODEL_AVAIL_H
#define OZG_MODEL_AVAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"

#define MODEL_HOURS 26		/* hourly buckets kept (the 1d window uses 24) */
#define MODEL_DAYS 92		/* daily buckets kept (the 90d window uses 90) */
#define MODEL_WINDOWS 4
extern const unsigned model_window_s[MODEL_WINDOWS];		/* 1 d, 7 d, 30 d, 90 d */
extern const char *const model_window_name[MODEL_WINDOWS];	/* "1d", "7d", "30d", "90d" */

struct model;

/* A model for cfg's targets (borrowed: must outlive it), nothing seeded; NULL when out of memory. */
struct model *model_new(const struct cfg *cfg);
void model_free(struct model *m);	/* NULL-safe */
size_t model_size(const struct model *m);	/* number of targets */
const struct cfg *model_cfg(const struct model *m);
/* Bytes the model keeps per target. */
size_t model_target_bytes(void);

/*
 * Carries the data of every target of `old` whose id is also in m over to
 * m (the RRD files are per id: the data continue as the files do), seeded
 * state included.  Call before m is shared; old must have no writer now.
 */
void model_adopt(struct model *m, const struct model *old);

/* One finished probe of target i (the writer thread): ts_ms wall clock of its end. */
void model_sample(struct model *m, size_t i, int64_t ts_ms, bool up, bool maint);

/* One row of a target's history: (end - step, end], NaN up when unknown. */
struct model_row {
	time_t end;
	unsigned long step;
	double up;	/* mean of `up`, 0 ... 1, NaN unknown */
	double maint;	/* mean of `maint`, NaN unknown; >= 0.5: the row is maintenance */
};

/*
 * Merges target i's history from its RRD file (rows oldest first, at any
 * resolution) and marks it seeded.  Rows (and parts of rows) the live
 * samples already cover are skipped, so nothing is counted twice.  With
 * n == 0 (no file yet) the target is only marked seeded.  Seeding an
 * already seeded target does nothing.
 */
void model_seed(struct model *m, size_t i, const struct model_row *rows, size_t n);
bool model_seeded(const struct model *m, size_t i);

/*
 * The uptimes of target i over the windows (model_window_s) as of now: NaN
 * when not seeded yet or no second of the window is known outside
 * maintenance.  known_s (may be NULL) gets each window's known seconds
 * outside maintenance.
 */
void model_uptimes(const struct model *m, size_t i, time_t now, double out[MODEL_WINDOWS],
		   double *known_s);
/*
 * Uptime of target i per UTC day for the n (<= MODEL_DAYS) days up to and
 * including today, oldest first; NaN where unknown.
 */
void model_days(const struct model *m, size_t i, time_t now, size_t n, double *out);
/* Wall clock (s since the epoch) of target i's first success known to the model; 0 none. */
int64_t model_first_success(const struct model *m, size_t i);

#endif
