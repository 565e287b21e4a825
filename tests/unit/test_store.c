/* test_store.c - the RRD writer and history reads, on files in a temp folder. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/history.h"
#include "store/store.h"

static char dir[64];
static struct cfg_dienst dienste[2];
static struct cfg cfg;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/ozgmon-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(dienste, 0, sizeof dienste);
	memset(&cfg, 0, sizeof cfg);
	dienste[0].id = (char *)(uintptr_t)"a";
	dienste[0].interval_ms = 60000;
	dienste[1].id = (char *)(uintptr_t)"b";
	dienste[1].interval_ms = 60000;
	cfg.dienste = dienste;
	cfg.n_dienste = 2;
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* 60 samples, one a minute, a down every 4th: the uptime over the hour is 0.75. */
START_TEST(writes_every_sample_and_reads_back)
{
	char err[256];
	struct store *st = store_new(&cfg, dir, 1024, err, sizeof err);
	struct store_stats stats;
	struct history h;
	double ratio = 0, known = 0;
	const int64_t t0 = 1790000000;	/* a multiple of 60 minus 20 s */

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (int i = 0; i < 60; i++) {
		struct store_sample s = { .target = 0, .ts_ms = (t0 + 60 * i) * 1000, .up = i % 4 != 3,
					  .answered = true, .duration_s = 0.1 * (i % 5),
					  .http_status = i % 4 != 3 ? 200 : 503 };
		ck_assert_int_eq(store_submit(st, &s), 0);
	}
	/* The same second again, and one from the past: counted as stale, not written. */
	{
		struct store_sample s = { .target = 0, .ts_ms = (t0 + 60 * 59) * 1000, .up = true };
		ck_assert_int_eq(store_submit(st, &s), 0);
		s.ts_ms = t0 * 1000;
		ck_assert_int_eq(store_submit(st, &s), 0);
	}
	store_stop(st);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.updates, 60);
	ck_assert_uint_eq(stats.stale, 2);
	ck_assert_uint_eq(stats.dropped, 0);
	ck_assert_uint_eq(stats.errors, 0);
	ck_assert_uint_eq(stats.created, 2);	/* a.rrd and a.perf.rrd */
	ck_assert_str_eq(store_path(st, 0) + strlen(dir), "/rrd/a.rrd");
	ck_assert_str_eq(store_perf_path(st, 0) + strlen(dir), "/rrd/a.perf.rrd");

	ck_assert_int_eq(history_fetch(store_path(st, 0), "AVERAGE", t0, t0 + 3600, 60, &h, err,
				       sizeof err), 0);
	ck_assert_uint_eq(h.step, 60);
	ck_assert_int_ge(history_ds(&h, "up"), 0);
	ck_assert_int_ge(history_ds(&h, "maint"), 0);
	ck_assert_int_eq(history_ds(&h, "nope"), -1);
	ck_assert_uint_ge(h.rows, 59);
	history_free(&h);
	/* Performance at 5 minutes: duration and status. */
	ck_assert_int_eq(history_fetch(store_perf_path(st, 0), "AVERAGE", t0, t0 + 3600, 300, &h,
				       err, sizeof err), 0);
	ck_assert_uint_eq(h.step, 300);
	ck_assert_int_ge(history_ds(&h, "http_code"), 0);
	ck_assert_int_ge(history_ds(&h, "duration"), 0);
	history_free(&h);

	ck_assert_int_eq(history_uptime(store_path(st, 0), t0 + 60, t0 + 60 * 59, &ratio, &known,
					err, sizeof err), 0);
	ck_assert_msg(fabs(ratio - 0.75) < 0.03, "uptime %f", ratio);
	ck_assert_msg(known >= 50 * 60, "known %f s", known);

	/* Target b never got a sample: no file, and reads say why. */
	ck_assert_int_eq(history_uptime(store_path(st, 1), t0, t0 + 600, &ratio, NULL, err,
					sizeof err), -1);
	ck_assert(strlen(err) > 0);
	store_free(st);
}
END_TEST

/* A restart continues the file: samples before the last update are stale, later ones land. */
START_TEST(restart_continues_file)
{
	char err[256];
	struct store_stats stats;
	const int64_t t0 = 1790000000;
	struct store *st = store_new(&cfg, dir, 16, err, sizeof err);
	struct store_sample s = { .target = 1, .ts_ms = t0 * 1000, .up = true };

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	store_submit(st, &s);
	store_free(st);

	st = store_new(&cfg, dir, 16, err, sizeof err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	store_submit(st, &s);			/* same time: stale */
	s.ts_ms += 60000;
	store_submit(st, &s);			/* next minute: written */
	store_stop(st);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.updates, 1);
	ck_assert_uint_eq(stats.stale, 1);
	ck_assert_uint_eq(stats.created, 0);
	store_free(st);
}
END_TEST

/* A full queue drops and counts instead of blocking. */
START_TEST(full_queue_drops)
{
	char err[256];
	struct store *st = store_new(&cfg, dir, 4, err, sizeof err);
	struct store_stats stats;
	int refused = 0;

	ck_assert_ptr_nonnull(st);
	/* Not started: nothing drains the queue. */
	for (int i = 0; i < 10; i++) {
		struct store_sample s = { .target = 0, .ts_ms = (1790000000 + i) * 1000LL };
		refused += store_submit(st, &s) != 0;
	}
	ck_assert_int_eq(refused, 6);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.dropped, 6);
	ck_assert_uint_eq(stats.queue_len, 4);
	store_free(st);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, writes_every_sample_and_reads_back);
	tcase_add_test(tc, restart_continues_file);
	tcase_add_test(tc, full_queue_drops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
