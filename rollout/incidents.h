/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * incidents.h - outages of Onlinedienste, kept in an append-only journal.
 *
 * An incident opens when a target turns down (target_state.down: as many
 * probes in a row failed as its `retries` allow) and closes when a probe
 * succeeds again; it is dated from the first failure of that streak.  Every
 * open and close is appended to <data_dir>/incidents.jsonl as one JSON object
 * per line and fsynced before it counts, so the history survives crashes and
 * restarts.  On start the journal is read back: totals are rebuilt, and an
 * incident that was open when the daemon stopped stays open until the target's
 * first probe after the restart decides it (closed then, marked
 * "reconciled", or kept open).
 *
 * The first correct answer of every Onlinedienst is journaled once too
 * ("first_success"): when a declared service actually went online.
 *
 * A thread of its own watches the collector's snapshots once a second; the
 * probe loop never waits for the journal's disk writes.
 */
#ifndef OZG_INCIDENTS_H
#define OZG_INCIDENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/state.h"
#include "config/config.h"

/* Totals of one Onlinedienst over the whole journal. */
struct incident_stats {
	uint64_t opened;		/* incidents opened */
	uint64_t closed;		/* of which closed */
	double downtime_s;		/* summed length of the closed ones */
	bool open;			/* one is open now */
	int64_t open_since_ms;		/* its start (wall clock), when open */
	enum probe_result open_reason;	/* result of the probe that opened it */
	int64_t first_success_ms;	/* first correct answer ever seen (journaled); 0 never */
};

/* A copy of the current figures, for readers. */
struct incidents_view {
	const struct cfg *cfg;		/* the configuration d is indexed by */
	struct state_cfg *cfgref;	/* owned reference keeping cfg alive */
	size_t n;			/* == cfg->n_dienste */
	struct incident_stats *d;	/* owned by the view */
	uint64_t journal_errors;	/* lines skipped or writes failed */
};

struct incidents;

/*
 * Reads <data_dir>/incidents.jsonl (if any) for the targets of cref's cfg (a
 * reference is taken) and starts the watcher on pub (borrowed), which looks
 * only at snapshots of that cfg.  NULL with a reason in err.
 */
struct incidents *incidents_start(struct state_cfg *cref, struct state_pub *pub,
				  const char *data_dir, char *err, size_t errsz);
/* Fills *v with a copy (free with incidents_view_free); -1 when out of memory. */
int incidents_view(struct incidents *in, struct incidents_view *v);
void incidents_view_free(struct incidents_view *v);
/* Looks at the current snapshot once, now (the watcher does this every second). */
void incidents_poll(struct incidents *in);
void incidents_stop(struct incidents *in);	/* NULL-safe; joins, closes the journal, frees */

/* ---- the journal's recent incidents (for the dashboards' history) ---- */

#define INCIDENTS_RECENT_BYTES (512u * 1024u)	/* tail of the journal read at most */

/* One incident as the journal tells it. */
struct incident_event {
	size_t dienst;			/* index into the cfg's dienste */
	uint64_t id;			/* the journal's incident id */
	int64_t start_ms;		/* first failure of the streak (wall clock) */
	int64_t end_ms;			/* when it closed; 0 while open */
	enum probe_result reason;	/* of the probe that opened it; PROBE_RESULT_COUNT when
					   the opening line lies before the part read */
	bool reconciled;		/* closed by the first probe after a restart */
};

/*
 * The latest incidents of the journal, newest start first, at most max into
 * out.  Reads only the last INCIDENTS_RECENT_BYTES of the file (a close whose
 * opening lies before that is dated from its duration), takes none of the
 * watcher's locks, and skips lines it cannot read (a line being appended, a
 * target no longer configured).  For the dashboards' thread, never for the
 * probe loop.  Returns the number of incidents (0 without a journal), or -1
 * with a reason in err.
 */
int incidents_recent(struct incidents *in, struct incident_event *out, size_t max, char *err,
		     size_t errsz);

#endif
