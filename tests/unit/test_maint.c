/* SPDX-License-Identifier: EUPL-1.2 */
/* test_maint.c - maintenance windows in the configured zone (here Europe/Berlin), table-driven. */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "collector/maint.h"
#include "common/clock.h"
#include "tests/unit/testutil.h"

/* UTC seconds of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
	return (int64_t)timegm(&tm);
}

static const struct {
	int y, mo, d, h, mi;	/* UTC */
	int offset;
} offsets[] = {
	{ 2026, 1, 15, 12, 0, 3600 },
	{ 2026, 3, 29, 0, 59, 3600 },	/* 01:59 CET, the last minute before the change */
	{ 2026, 3, 29, 1, 0, 7200 },	/* 03:00 CEST */
	{ 2026, 7, 1, 0, 0, 7200 },
	{ 2026, 10, 25, 0, 59, 7200 },	/* 02:59 CEST */
	{ 2026, 10, 25, 1, 0, 3600 },	/* 02:00 CET again */
	{ 2027, 3, 28, 1, 0, 7200 },	/* 2027: last Sunday of March is the 28th */
	{ 2027, 3, 27, 12, 0, 3600 },
	{ 2024, 10, 27, 1, 0, 3600 },
	{ 2024, 10, 27, 0, 0, 7200 },
};

START_TEST(test_offset)
{
	int64_t t = utc(offsets[_i].y, offsets[_i].mo, offsets[_i].d, offsets[_i].h, offsets[_i].mi);
	ck_assert_int_eq(clock_utc_offset_s(t), offsets[_i].offset);
}
END_TEST

/* Windows: Monday and Friday 22:00-02:00 (past midnight); Sunday 06:00-08:00; one-off 24-26 Dec 2026. */
static const struct cfg_maint W[] = {
	{ .kind = CFG_MAINT_WEEKLY, .days = 1u << 0 | 1u << 4, .from_min = 22 * 60, .to_min = 2 * 60 },
	{ .kind = CFG_MAINT_WEEKLY, .days = 1u << 6, .from_min = 6 * 60, .to_min = 8 * 60 },
	{ .kind = CFG_MAINT_ONCE, .from_local = 1798099200 /* 2026-12-24 08:00 local */,
	  .to_local = 1798311600 /* 2026-12-26 19:00 local */ },
};

static const struct {
	int y, mo, d, h, mi;	/* UTC */
	bool want;
	const char *why;
} cases[] = {
	/* 2026-11-30 is a Monday; CET: local = UTC + 1 */
	{ 2026, 11, 30, 20, 59, false, "Monday 21:59 local" },
	{ 2026, 11, 30, 21, 0, true, "Monday 22:00 local" },
	{ 2026, 11, 30, 23, 30, true, "Tuesday 00:30 local, after Monday's start" },
	{ 2026, 12, 1, 0, 59, true, "Tuesday 01:59 local" },
	{ 2026, 12, 1, 1, 0, false, "Tuesday 02:00 local: the end is exclusive" },
	{ 2026, 12, 1, 21, 0, false, "Tuesday 22:00 local: not a listed day" },
	{ 2026, 12, 1, 23, 30, false, "Wednesday 00:30 local: Tuesday is not listed" },
	{ 2026, 12, 6, 5, 0, true, "Sunday 06:00 local" },
	{ 2026, 12, 6, 6, 59, true, "Sunday 07:59 local" },
	{ 2026, 12, 6, 7, 0, false, "Sunday 08:00 local" },
	/* Summer: local = UTC + 2; 2026-07-05 is a Sunday */
	{ 2026, 7, 5, 4, 0, true, "Sunday 06:00 CEST" },
	{ 2026, 7, 5, 3, 59, false, "Sunday 05:59 CEST" },
	/* 2026-12-04 is a Friday: 22:00 local onward, into Saturday 02:00 */
	{ 2026, 12, 5, 0, 30, true, "Saturday 01:30 local, after Friday" },
	/* one-off */
	{ 2026, 12, 24, 6, 59, false, "24 Dec 07:59 local" },
	{ 2026, 12, 24, 7, 0, true, "24 Dec 08:00 local" },
	{ 2026, 12, 26, 17, 59, true, "26 Dec 18:59 local" },
	{ 2026, 12, 26, 18, 0, false, "26 Dec 19:00 local" },
};

START_TEST(test_windows)
{
	int64_t t = utc(cases[_i].y, cases[_i].mo, cases[_i].d, cases[_i].h, cases[_i].mi);
	ck_assert_msg(maint_active(W, 3, t) == cases[_i].want, "%s", cases[_i].why);
}
END_TEST

START_TEST(test_whole_day_and_none)
{
	/* from == to: the whole day, every day listed. */
	struct cfg_maint all = { .kind = CFG_MAINT_WEEKLY, .days = 0x7f, .from_min = 0, .to_min = 0 };
	for (int h = 0; h < 24; h++)
		ck_assert(maint_active(&all, 1, utc(2026, 6, 10, h, 17)));
	ck_assert(!maint_active(NULL, 0, utc(2026, 6, 10, 12, 0)));
}
END_TEST

/* The same Monday 22:00 window read in another zone moves with that zone's clock. */
START_TEST(test_other_zone)
{
	struct cfg_maint mon = { .kind = CFG_MAINT_WEEKLY, .days = 1u << 0, .from_min = 22 * 60,
				 .to_min = 23 * 60 };
	char err[256];

	ck_assert_int_eq(clock_use_zone("UTC", err, sizeof err), 0);
	ck_assert(maint_active(&mon, 1, utc(2026, 11, 30, 22, 30)));	/* 22:30 UTC */
	ck_assert(!maint_active(&mon, 1, utc(2026, 11, 30, 21, 30)));	/* 22:30 in Berlin */
	ck_assert_int_eq(clock_use_zone("Europe/Berlin", err, sizeof err), 0);
	ck_assert(maint_active(&mon, 1, utc(2026, 11, 30, 21, 30)));
}
END_TEST

/* Every test runs in Europe/Berlin, whatever the host's zone is. */
static void berlin(void)
{
	char err[256];

	if (clock_use_zone("Europe/Berlin", err, sizeof err) != 0)
		ck_abort_msg("%s", err);
}

static Suite *maint_suite(void)
{
	Suite *s = suite_create("maint");
	TCase *tc = tcase_create("berlin");

	tcase_add_checked_fixture(tc, berlin, NULL);
	tcase_add_test(tc, test_other_zone);

	tcase_add_loop_test(tc, test_offset, 0, (int)(sizeof offsets / sizeof offsets[0]));
	tcase_add_loop_test(tc, test_windows, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_whole_day_and_none);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(maint_suite());
}
