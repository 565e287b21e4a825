/* SPDX-License-Identifier: EUPL-1.2 */
/* maint.c - see maint.h. */
#include "collector/maint.h"

#include <time.h>

#include "common/clock.h"

bool maint_active(const struct cfg_maint *w, size_t n, int64_t utc_s)
{
	int64_t local;
	time_t lt;
	struct tm tm;
	unsigned day, prev, min;

	if (n == 0)
		return false;
	local = utc_s + clock_utc_offset_s(utc_s);
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
