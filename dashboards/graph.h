/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * graph.h - SVG graphs drawn by librrd (rrd_graph_v) from RRD files.
 *
 * librrd has no reentrant graph function (rrdthreads(1): only the *_r
 * functions are thread-safe), so every call here takes one process-wide
 * mutex, uses numeric times only (no at-style parsing), and is made only from
 * the dashboards generator thread.  The files are written under a temporary
 * name in the target's folder and renamed, so a reader never sees half a
 * graph.  Lines differ by width and dash pattern, not only by colour, so the
 * graphs read in grayscale.
 */
#ifndef OZG_DASH_GRAPH_H
#define OZG_DASH_GRAPH_H

#include <stddef.h>
#include <time.h>

#include "dashboards/i18n.h"

/*
 * Writes len bytes of data to path through path + ".tmp" and a rename, so a
 * reader sees the old file or the new one, never half of one (the one way
 * the dashboards write a file).  0, or -1 with the file and the reason in err
 * (the temporary file removed).
 */
int dash_write_file(const char *path, const char *data, size_t len, char *err, size_t errsz);

/* Which consolidations the latency graph found in the series' layout. */
enum dash_band { DASH_BAND_UNKNOWN = 0, DASH_BAND_MINMAX, DASH_BAND_MAX, DASH_BAND_NONE };

/*
 * Latency over the 24 hours before `end`, in milliseconds: the mean of each
 * phase (resolve, connect, tls, processing, transfer) as stacked gray areas,
 * the mean of `duration` as a solid black line, and its MAX (and MIN) as
 * dashed lines when the file has those archives (read with rrd_info_r when
 * *band is DASH_BAND_UNKNOWN, then kept in *band for the next files of the
 * same layout).  0 or -1 with err.
 */
int dash_graph_latency(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		       enum dash_band *band, char *err, size_t errsz);
/* Availability (data source `up`, in percent) over the 7 days before `end`. */
int dash_graph_avail(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     char *err, size_t errsz);
/*
 * A usage file (<id>.usage.rrd): each of its n (<= 8) counters, named by
 * their data source names in ds[], per hour over the 7 days before `end`,
 * with the counter names in legend[] as the legend.
 */
int dash_graph_usage(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     const char *const *ds, const char *const *legend, size_t n, char *err,
		     size_t errsz);
/* A rollout trend file (trend.h): online, flächendeckend, fulfilled over 30 days. */
int dash_graph_trend(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     char *err, size_t errsz);

#endif
