/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * demo_past.h - a simulated past for the demo, so that a new user sees full
 * graphs and trends at once (`ozgmond demo-past`, run by tools/demo-past.sh
 * from tools/run-demo.sh before the daemon starts).
 *
 * Writes, for every Onlinedienst, `probe_days` of availability into
 * <data_dir>/rrd/<id>.rrd and up to 14 days of response times into
 * <id>.perf.rrd, in the layout the store uses (store_layout), filled through
 * librrd from an hourly series (rrd_create_r2 with a source file); and a
 * year (`trend_days`) of rollout steps into the trend files
 * <data_dir>/rollout/<area>.rrd, ending at the figures the configuration
 * gives today.  Everything is pseudo-random from the Dienst ids: the same
 * configuration gives the same past.
 *
 * It is labelled: <data_dir>/SIMULATED (JSON) is written first, and says
 * what was simulated and when; pages and people can tell the past is not
 * measured.
 *
 * It refuses (-1) unless the configuration routes every portal to a local
 * simulator (a global.connect_to entry "::127.0.0.1:PORT" or "::[::1]:PORT",
 * as the demo's does) and the data directory holds no measurements (no RRD
 * or trend file, no incident journal).  A data directory that already has
 * the marker is left as it is (returns 1).
 */
#ifndef OZG_DEMO_PAST_H
#define OZG_DEMO_PAST_H

#include <stddef.h>
#include <time.h>

#include "config/config.h"

#define DEMO_PAST_MARKER "SIMULATED"

struct demo_past_opts {
	const char *data_dir;
	unsigned probe_days;	/* default 90; at most 93 (the hourly archive) */
	unsigned trend_days;	/* default 365 */
	time_t now;
};

/*
 * Writes the simulated past.  0 written, 1 already there (marker present),
 * -1 refused or failed, with the reason in err.
 */
int demo_past_write(const struct cfg *cfg, const struct demo_past_opts *o, char *err,
		    size_t errsz);

/*
 * When the simulated past in data_dir ends (the marker's generated_at, UTC):
 * everything before it is simulated.  0 when the directory has no marker or
 * the marker cannot be read (then nothing is labelled simulated).
 */
time_t demo_past_until(const char *data_dir);

/* The simulated availability of Dienst `id` in hour `h` after the start (0..1). */
double demo_past_up(const char *id, unsigned h, unsigned hours);

#endif
