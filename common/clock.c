/* SPDX-License-Identifier: EUPL-1.2 */
/* clock.c - see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo"

static char zone[CLOCK_ZONE_MAX];	/* "" until clock_use_zone */

bool clock_zone_valid(const char *name, char *err, size_t errsz)
{
	char path[sizeof ZONEINFO + CLOCK_ZONE_MAX + 1], magic[4];
	size_t n = strlen(name);
	int fd;
	ssize_t got;

	if (n == 0 || n >= CLOCK_ZONE_MAX) {
		snprintf(err, errsz, "a zone name has 1 to %d characters", CLOCK_ZONE_MAX - 1);
		return false;
	}
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '+' || *p == '/')) {
			snprintf(err, errsz, "not a zone name of the tz database (e.g. Europe/Berlin)");
			return false;
		}
	}
	if (name[0] == '/' || strstr(name, "//") || strncmp(name, "../", 3) == 0) {
		snprintf(err, errsz, "not a zone name of the tz database (e.g. Europe/Berlin)");
		return false;
	}
	snprintf(path, sizeof path, "%s/%s", ZONEINFO, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)	/* a link in the database ("UTC" -> "Etc/UTC") */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errsz, "no zone of that name in %s (%s; Debian's tzdata has them)",
			 ZONEINFO, strerror(errno));
		return false;
	}
	got = read(fd, magic, sizeof magic);
	close(fd);
	if (got != (ssize_t)sizeof magic || memcmp(magic, "TZif", 4) != 0) {
		snprintf(err, errsz, "%s is not a zone file of the tz database", path);
		return false;
	}
	return true;
}

int clock_use_zone(const char *name, char *err, size_t errsz)
{
	char tz[CLOCK_ZONE_MAX + 1];

	if (!clock_zone_valid(name, err, errsz))
		return -1;
	snprintf(tz, sizeof tz, ":%s", name);
	if (setenv("TZ", tz, 1) != 0) {
		snprintf(err, errsz, "cannot set TZ: %s", strerror(errno));
		return -1;
	}
	tzset();
	snprintf(zone, sizeof zone, "%s", name);
	return 0;
}

const char *clock_zone(void)
{
	return zone[0] ? zone : "localtime";
}

bool clock_local(time_t t, struct tm *out)
{
	return localtime_r(&t, out) != NULL;
}

int64_t clock_utc_offset_s(int64_t utc_s)
{
	struct tm tm;

	if (!clock_local((time_t)utc_s, &tm))
		return 0;
	return (int64_t)tm.tm_gmtoff;
}

const char *clock_abbrev(const struct tm *tm, bool german)
{
	const char *z = tm->tm_zone ? tm->tm_zone : "";

	if (german && strcmp(z, "CET") == 0)
		return "MEZ";
	if (german && strcmp(z, "CEST") == 0)
		return "MESZ";
	return z;
}

time_t clock_mktime(struct tm *tm)
{
	return mktime(tm);
}
