/* SPDX-License-Identifier: EUPL-1.2 */
/* maint.c - see maint.h. */
#include "collector/maint.h"

#include <time.h>

/* UTC seconds of the last Sunday of `month` (1-12) of `year`, 01:00 UTC. */
static int64_t last_sunday_0100(int year, int month)
{
	struct tm tm = { 0 };
	time_t t;

	/* The first day of the next month, minus one day, back to Sunday. */
	tm.tm_year = (month == 12 ? year + 1 : year) - 1900;
	tm.tm_mon = month == 12 ? 0 : month;
	tm.tm_mday = 1;
	tm.tm_hour = 1;
	t = timegm(&tm) - 86400;
	gmtime_r(&t, &tm);
	return (int64_t)t - (int64_t)tm.tm_wday * 86400;
}

int maint_berlin_offset_s(int64_t utc_s)
{
	time_t t = (time_t)utc_s;
	struct tm tm;
	int y;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	if (utc_s >= last_sunday_0100(y, 3) && utc_s < last_sunday_0100(y, 10))
		return 7200;
	return 3600;
}

bool maint_active(const struct cfg_maint *w, size_t n, int64_t utc_s)
{
	int64_t local;
	time_t lt;
	struct tm tm;
	unsigned day, prev, min;

	if (n == 0)
		return false;
	local = utc_s + maint_berlin_offset_s(utc_s);
	lt = (time_t)local;
	gmtime_r(&lt, &tm);
	day = (unsigned)(tm.tm_wday + 6) % 7;	/* 0 Monday ... 6 Sunday */
	prev = (day + 6) % 7;
	min = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
	for (size_t i = 0; i < n; i++) {
		if (w[i].kind == CFG_MAINT_ONCE) {
			if (local >= w[i].from_local && local < w[i].to_local)
				return true;
		} else if (w[i].from_min < w[i].to_min) {
			if ((w[i].days >> day & 1u) && min >= w[i].from_min && min < w[i].to_min)
				return true;
		} else {
			/* Past midnight: the evening of a listed day, or the morning after it. */
			if (((w[i].days >> day & 1u) && min >= w[i].from_min) ||
			    ((w[i].days >> prev & 1u) && min < w[i].to_min))
				return true;
		}
	}
	return false;
}
