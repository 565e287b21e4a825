/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * maint.h - maintenance windows in the configured zone's civil time
 * (global.timezone, default Europe/Berlin: common/clock.h).  A window's days
 * and times are read as the zone's wall clock, across its changes of time.
 */
#ifndef OZG_MAINT_H
#define OZG_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Whether any of the n windows covers the instant utc_s (seconds since the epoch). */
bool maint_active(const struct cfg_maint *w, size_t n, int64_t utc_s);

#endif
