/* SPDX-License-Identifier: EUPL-1.2 */
/* test_clock.c - the one zone of the daemon: names, offsets, labels, local instants. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "tests/unit/testutil.h"

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	return timegm(&tm);
}

static const struct {
	const char *name;
	bool valid;
} names[] = {
	{ "Europe/Berlin", true },
	{ "UTC", true },
	{ "Etc/UTC", true },
	{ "America/New_York", true },
	{ "Europe/Nowhere", false },
	{ "", false },
	{ "/etc/localtime", false },
	{ "../../etc/passwd", false },
	{ "Europe/../../../etc/passwd", false },	/* '.' is not a zone name character */
	{ "Europe//Berlin", false },
	{ "Europe/Berlin ", false },
	{ "zone.tab", false },
	{ "Europe", false },				/* a directory, not a zone file */
};

START_TEST(zone_names)
{
	char err[256] = "";
	bool ok = clock_zone_valid(names[_i].name, err, sizeof err);

	ck_assert_msg(ok == names[_i].valid, "'%s': %s", names[_i].name, err);
	if (!ok)
		ck_assert_msg(err[0] != '\0', "'%s' refused without a reason", names[_i].name);
}
END_TEST

/* On a host in UTC the daemon's zone still rules: offsets, labels, wall clock. */
START_TEST(berlin_on_a_utc_host)
{
	char err[256];
	struct tm tm;
	time_t winter = utc(2026, 12, 4, 23, 21), summer = utc(2026, 7, 1, 12, 0);

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(clock_use_zone("Europe/Berlin", err, sizeof err), 0);
	ck_assert_str_eq(clock_zone(), "Europe/Berlin");
	ck_assert_int_eq(clock_utc_offset_s(winter), 3600);
	ck_assert_int_eq(clock_utc_offset_s(summer), 7200);
	ck_assert(clock_local(winter, &tm));
	/* 23:21 UTC on 4 December is 00:21 on 5 December in Germany. */
	ck_assert_int_eq(tm.tm_mday, 5);
	ck_assert_int_eq(tm.tm_hour, 0);
	ck_assert_int_eq(tm.tm_min, 21);
	ck_assert_str_eq(clock_abbrev(&tm, true), "MEZ");
	ck_assert_str_eq(clock_abbrev(&tm, false), "CET");
	ck_assert(clock_local(summer, &tm));
	ck_assert_int_eq(tm.tm_hour, 14);
	ck_assert_str_eq(clock_abbrev(&tm, true), "MESZ");
	ck_assert_str_eq(clock_abbrev(&tm, false), "CEST");
}
END_TEST

START_TEST(local_instants)
{
	char err[256];
	struct tm a = { .tm_year = 2026 - 1900, .tm_mon = 2, .tm_mday = 1, .tm_isdst = -1 };
	struct tm b = { .tm_year = 2026 - 1900, .tm_mon = 3, .tm_mday = 1, .tm_isdst = -1 };

	ck_assert_int_eq(clock_use_zone("Europe/Berlin", err, sizeof err), 0);
	/* 1 March 00:00 CET and 1 April 00:00 CEST: one hour less than 31 days apart. */
	ck_assert_int_eq((long)clock_mktime(&a), (long)utc(2026, 2, 28, 23, 0));
	ck_assert_int_eq((long)clock_mktime(&b), (long)utc(2026, 3, 31, 22, 0));
	ck_assert_int_eq(clock_use_zone("UTC", err, sizeof err), 0);
	ck_assert(clock_local(utc(2026, 12, 4, 23, 21), &a));
	ck_assert_int_eq(a.tm_hour, 23);
	ck_assert_str_eq(clock_abbrev(&a, true), "UTC");
	/* A refused zone leaves the one in use. */
	ck_assert_int_eq(clock_use_zone("Mars/Olympus", err, sizeof err), -1);
	ck_assert_str_eq(clock_zone(), "UTC");
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("zone");

	tcase_add_loop_test(tc, zone_names, 0, (int)(sizeof names / sizeof names[0]));
	tcase_add_test(tc, berlin_on_a_utc_host);
	tcase_add_test(tc, local_instants);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(clock_suite());
}
