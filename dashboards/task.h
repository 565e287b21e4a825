/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * task.h - regenerates the dashboards (site.h) on a timer, on a thread of its own.
 *
 * Every `every_s` seconds the thread takes references to the current
 * collector snapshot and rollout result and a copy of the incident totals,
 * and writes the site into `dir`.  It never holds a lock another thread waits
 * for while it renders, and the probe loop is not involved at all.  librrd's
 * graph calls are made only from this thread (graph.h).  The pages are
 * written every run.  Graphs cover hours and days and cost about 20 ms each,
 * so a round over all of them starts at most every `graph_every_s` seconds and
 * is drawn in slices of a few seconds per run (site.h, graph_budget_s).
 */
#ifndef OZG_DASH_TASK_H
#define OZG_DASH_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "model/dash_stats.h"
#include "model/state.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

struct dash_task;

/*
 * Starts the generator.  cfg, store, pub, rollout and incidents are borrowed
 * and must outlive the task (rollout and incidents may be NULL); data_dir and
 * dir are copied.  The first generation starts at once.  NULL with a reason
 * in err.
 */
struct dash_task *dash_task_start(const struct cfg *cfg, const struct store *store,
				  struct state_pub *pub, struct rollout_task *rollout,
				  struct incidents *incidents, const char *data_dir, const char *dir,
				  unsigned every_s, unsigned graph_every_s, char *err, size_t errsz);
void dash_task_stats(struct dash_task *t, struct dash_stats *out);
/* NULL-safe; a running generation stops after the file it is writing; joins, frees. */
void dash_task_stop(struct dash_task *t);

#endif
