/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * site.h - the static dashboards: every page, badge and graph, written into
 * a directory any web server can serve.
 *
 * Layout of the directory (all links are relative, no page or asset names
 * another host):
 *   index.html              the Land: rollout, trend, Reifegrade, Themenfelder,
 *                           availability over 7 days, open incidents, Kreise
 *   status.html             public status: all up, or what is disrupted; incident history
 *   dienste.html, dienste-<n>.html   every Onlinedienst, DASH_LIST_PAGE per page
 *   kreis/<key>.html        a Kreis (5 digits) and its Gemeinden and Dienste
 *   gemeinde/<ags>.html     each of the Land's Gemeinden (8 digits)
 *   dienst/<id>.html        an Onlinedienst: connected areas, availability, latency
 *   badge/<id>-status.svg, badge/<id>-uptime.svg   embeddable badges
 *   graph/<id>-latency.svg, graph/<id>-avail.svg, graph/trend-<key>.svg
 *   style.css, sort.js
 *
 * Every file is written under a temporary name in its own folder and renamed,
 * so a reader sees the old or the new file, never a part.  The pages need no
 * JavaScript; sort.js only adds sorting to tables marked "sortable".
 */
#ifndef OZG_DASH_SITE_H
#define OZG_DASH_SITE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/state.h"
#include "config/config.h"
#include "dashboards/i18n.h"
#include "dashboards/map.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

/* Rows per page of the list of all Onlinedienste (dienste.html, dienste-2.html, ...). */
#define DASH_LIST_PAGE 150

/* Everything a generation reads; all borrowed, and any pointer may be NULL except cfg and L. */
struct dash_input {
	const struct cfg *cfg;
	const struct store *store;		/* series (store_path); NULL: no series, no graphs */
	const char *data_dir;			/* for the rollout trend files; NULL: none */
	const struct snapshot *snap;		/* current states */
	const struct rollout_ref *ro;		/* rollout figures and uptimes */
	const struct incidents_view *inc;	/* incident totals */
	const enum probe_result *last_fail;	/* per Dienst: latest failure seen, PROBE_SUCCESS if none */
	const int *last_fail_http;		/* per Dienst: that failure's HTTP status, 0 none; may be NULL */
	const struct dash_lang *L;
	const struct geo *geo;			/* boundaries for the maps (map.h); NULL: no maps */
	time_t now;
	time_t simulated_until;			/* the demo's history before it is simulated
						   (demo_past_until); 0: all measured */
	bool graphs;				/* draw the SVG graphs this time */
	/*
	 * Graph drawing is spread over runs: the Dienste's graphs are drawn from
	 * *graph_cursor on (wrapping) until graph_budget_s seconds have passed
	 * (<= 0: no limit), and *graph_cursor is left where it stopped.  The
	 * trend graphs are drawn first, every time.  graph_cursor may be NULL
	 * (start at 0).
	 */
	size_t *graph_cursor;
	double graph_budget_s;
	/* When not NULL and set, the generation stops early (between files); may be NULL. */
	const atomic_bool *cancel;
	/* The journal's latest incidents, newest first (incidents_recent); may be NULL. */
	const struct incident_event *recent;
	size_t n_recent;
	/*
	 * Per Dienst, owned by the caller, may be NULL: set when a round found no
	 * series file for it yet (not probed), cleared when its graphs are drawn.
	 * Runs without a round (graphs false) draw these as soon as their file
	 * exists, so a Dienst probed just after a round need not wait for the next.
	 */
	unsigned char *graph_late;
};

/* What a generation did. */
struct dash_result {
	unsigned pages;			/* HTML pages written */
	unsigned files;			/* all files written (pages, badges, assets) */
	unsigned graphs;		/* graphs drawn */
	unsigned errors;		/* files or graphs that failed */
	size_t largest;			/* bytes of the largest page */
	char largest_name[96];
	char first_error[256];		/* the first failure, "" when none */
};

/*
 * Writes the whole site into dir (created if missing, with its sub-folders).
 * Returns 0 when every file was written, -1 when any failed (counted in
 * res->errors, the first reason in res->first_error).
 */
int dash_generate(const struct dash_input *in, const char *dir, struct dash_result *res);

#endif
