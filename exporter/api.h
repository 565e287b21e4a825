/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * api.h - the JSON and CSV API under /api/v1/ (see docs/api.md).
 *
 * Answers from one snapshot (targets, areas, services) and the availability
 * model it names (model/avail.h: uptimes, in memory); only the history of a
 * target reads its RRD file (store/history.h).  Never called from the probe
 * loop.  Errors are JSON objects {"error": {"status": N, "message": ...}}.
 */
#ifndef OZG_API_H
#define OZG_API_H

#include <time.h>

#include "model/state.h"
#include "common/buf.h"
#include "rollout/incidents.h"
#include "rollout/task.h"

struct api_req {
	const char *path;		/* canonical path after "/api/v1/" */
	/* Query argument `name`, or NULL when absent. */
	const char *(*arg)(void *actx, const char *name);
	void *actx;
	const struct snapshot *s;	/* may be NULL before the first publication */
	const char *data_dir;		/* RRD files under data_dir/rrd/<id>.rrd */
	time_t now;
	const struct rollout_ref *rollout;	/* may be NULL (not computed yet) */
	const struct incidents_view *incidents;	/* may be NULL */
};

/*
 * Renders the answer into out and returns its HTTP status; *ctype gets the
 * Content-Type (a static string).
 */
unsigned api_handle(const struct api_req *rq, struct buf *out, const char **ctype);

#endif
