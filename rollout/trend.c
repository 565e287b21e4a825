/* SPDX-License-Identifier: EUPL-1.2 */
/* trend.c - see trend.h. */
#include "rollout/trend.h"

#include <errno.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "store/store.h"

#define TREND_STEP 3600

int trend_path(const char *data_dir, const char *area_key, char *out, size_t outsz)
{
	return store_file_path(data_dir, area_key, STORE_TREND, out, outsz) > 0 ? 0 : -1;
}

static int trend_create(const char *path, time_t start)
{
	static const char *argv[] = {
		"DS:online:GAUGE:7200:0:U",
		"DS:flaechendeckend:GAUGE:7200:0:U",
		"DS:fulfilled:GAUGE:7200:0:U",
		"DS:fulfilled_fd:GAUGE:7200:0:U",
		"DS:reliable:GAUGE:7200:0:U",
		"DS:coverage:GAUGE:7200:0:1",
		"DS:coverage_rel:GAUGE:7200:0:1",
		"RRA:AVERAGE:0.5:1:2232",	/* hourly, 93 days */
		"RRA:AVERAGE:0.5:24:3660",	/* daily, 10 years */
	};
	char tmp[4096];

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	rrd_clear_error();
	if (rrd_create_r(tmp, TREND_STEP, start - 1, (int)(sizeof argv / sizeof argv[0]), argv) != 0) {
		log_error("rollout: cannot create %s: %s", path, rrd_get_error());
		rrd_clear_error();
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		log_error("rollout: cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void num(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "U");
	else
		snprintf(out, n, "%.6f", v);
}

unsigned trend_write(const char *data_dir, const struct rollout *r, time_t now)
{
	char dir[4096];
	unsigned failed = 0;

	if (snprintf(dir, sizeof dir, "%s/rollout", data_dir) >= (int)sizeof dir)
		return 1;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("rollout: cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		char path[4096], val[256], c1[32], c2[32];
		const char *argv[1] = { val };
		struct stat sb;

		if (ar->level != AREA_LAND && ar->level != AREA_KREIS)
			continue;
		if (trend_path(data_dir, ar->key, path, sizeof path) != 0) {
			failed++;
			continue;
		}
		if (stat(path, &sb) != 0) {
			if (trend_create(path, now) != 0) {
				failed++;
				continue;
			}
		} else {
			time_t last;
			rrd_clear_error();
			last = rrd_last_r(path);
			if (last == (time_t)-1 || now <= last) {
				rrd_clear_error();
				continue;	/* unreadable (logged on update) or not newer */
			}
		}
		num(c1, sizeof c1, ar->population_coverage);
		num(c2, sizeof c2, ar->population_coverage_reliable);
		snprintf(val, sizeof val, "%lld:%u:%u:%u:%u:%u:%s:%s", (long long)now, ar->online,
			 ar->online_all, ar->fulfilled, ar->fulfilled_all, ar->reliable, c1, c2);
		rrd_clear_error();
		if (rrd_update_r(path, NULL, 1, argv) != 0) {
			log_error("rollout: update of %s failed: %s", path, rrd_get_error());
			rrd_clear_error();
			failed++;
		}
	}
	return failed;
}
