/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * trend.h - the rollout figures of the Land and each Kreis over months and
 * years, in RRD files: <data_dir>/rollout/<area key>.rrd.
 *
 * Data sources (GAUGE): online, flaechendeckend, fulfilled,
 * fulfilled_flaechendeckend, reliable, coverage, coverage_reliable (the
 * fields of struct rollout_area).  Step 1 hour; AVERAGE rows of 1 hour for
 * 93 days and of 1 day for 10 years (about 110 KB a file).  Written by the
 * rollout thread, which owns these files; the probe loop never touches them.
 */
#ifndef OZG_TREND_H
#define OZG_TREND_H

#include <stddef.h>
#include <time.h>

#include "rollout/rollout.h"

/*
 * Writes r's Land and Kreis figures at time `now` (creating files as needed,
 * under a temporary name, then renamed).  A time not after a file's last
 * update is skipped.  Returns the number of files that failed (logged).
 */
unsigned trend_write(const char *data_dir, const struct rollout *r, time_t now);

/* The trend file of an area into out; -1 when it does not fit. */
int trend_path(const char *data_dir, const char *area_key, char *out, size_t outsz);

#endif
