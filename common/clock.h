/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * clock.h - one notion of civil time for the whole daemon.
 *
 * Maintenance windows, monthly reports and every time shown on a page are
 * in one zone: global.timezone (default Europe/Berlin), read from the
 * system's tz database (Debian's tzdata).  The zone is set once, process
 * wide, before any thread starts (clock_use_zone); from then on everything
 * converts with localtime_r/mktime, which read that setting without
 * changing it, so no thread ever sees another zone.  A reload cannot change
 * the zone: like global.listen it takes effect at the next start.
 */
#ifndef OZG_CLOCK_H
#define OZG_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CLOCK_ZONE_DEFAULT "Europe/Berlin"
#define CLOCK_ZONE_MAX 64		/* bytes of a zone name, with the NUL */

/*
 * Whether name is a zone of the tz database ("Europe/Berlin", "UTC"): a
 * relative path of letters, digits, '_', '-', '+' and '/' naming a TZif
 * file under the database's directory.  false with the reason in err.
 */
bool clock_zone_valid(const char *name, char *err, size_t errsz);

/* Makes name the process' zone (TZ and tzset).  Before any thread starts.  0, or -1 with err. */
int clock_use_zone(const char *name, char *err, size_t errsz);

/* The zone set by clock_use_zone; "localtime" (the host's) before. */
const char *clock_zone(void);

/* Civil time of t in the zone; false when t cannot be converted. */
bool clock_local(time_t t, struct tm *out);

/* Seconds to add to UTC for the zone's civil time at utc_s (3600 or 7200 in Berlin). */
int64_t clock_utc_offset_s(int64_t utc_s);

/*
 * The abbreviation of the zone at tm (from clock_local), for a label next
 * to a time: in German pages Central European time reads MEZ/MESZ (what
 * German readers know), otherwise the tz database's ("CET", "CEST", "UTC").
 */
const char *clock_abbrev(const struct tm *tm, bool german);

/* The instant of the civil time tm in the zone (tm_isdst -1: let the zone decide); -1 when none. */
time_t clock_mktime(struct tm *tm);

#endif
