/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * api.h - the JSON and CSV API under /api/v1/ (see docs/api.md).
 *
 * Answers from one snapshot (targets, areas, services) and the availability
 * model it names (model/avail.h: uptimes, in memory); only the history of a
 * target reads its RRD file (store/history.h).  Never called from the probe
 * loop.  Errors are JSON objects {"error": {"status": N, "message": ...}}.
 * The lists (targets, areas, services, incidents) take ?limit= and ?cursor=
 * and the targets filters (docs/api.md, "Pages and filters").
 */
#ifndef OZG_API_H
#define OZG_API_H

#include <stdbool.h>
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

#define API_LIMIT_MAX 1000u	/* rows per page at most (?limit=) */
#define API_CURSOR_MAX 127u	/* bytes of a cursor (?cursor=, X-Next-Cursor) */

/* What an answer carries besides its status and body. */
struct api_answer {
	const char *ctype;		/* the Content-Type (a static string) */
	/*
	 * A list answered one page (?limit=) and more rows follow: the cursor
	 * that asks for them (?cursor=).  "" otherwise.
	 */
	char next[API_CURSOR_MAX + 1];
};

/* Renders the answer into out and returns its HTTP status; fills *ans. */
unsigned api_handle(const struct api_req *rq, struct buf *out, struct api_answer *ans);
/*
 * Whether the request at path (as api_req.path) reads an RRD file: the
 * history of a target.  The server runs those apart (exporter/history_worker.h).
 */
bool api_reads_files(const char *path);
/* An error answer (the JSON object above) with status and message into out; returns status. */
unsigned api_error(struct buf *out, struct api_answer *ans, unsigned status, const char *message);

#endif
