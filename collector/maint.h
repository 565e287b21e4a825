/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * maint.h - maintenance windows in Europe/Berlin time.
 *
 * The offset of Berlin's civil time is computed here rather than with the
 * TZ database and localtime_r(): the daemon must not change its process-wide
 * TZ (other threads format times), and the rule has been fixed since 1996:
 * CET (UTC+1), and CEST (UTC+2) from the last Sunday of March 01:00 UTC to
 * the last Sunday of October 01:00 UTC.  Should the EU abolish the change of
 * time, maint_berlin_offset_s() is the one place to adapt.
 */
#ifndef OZG_MAINT_H
#define OZG_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Seconds to add to UTC for Berlin's civil time at utc_s: 3600 or 7200. */
int maint_berlin_offset_s(int64_t utc_s);

/* Whether any of the n windows covers the instant utc_s (seconds since the epoch). */
bool maint_active(const struct cfg_maint *w, size_t n, int64_t utc_s);

#endif
