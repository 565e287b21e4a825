/* SPDX-License-Identifier: EUPL-1.2 */
/* test_store.c - the RRD writer and history reads, on files in a temp folder. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rrd.h>

#include "store/history.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

static char dir[64];
static struct cfg_dienst dienste[2];
static struct cfg cfg;

static void setup(void)
{
	tu_tmpdir(dir, sizeof dir, "store");
	tu_cfg_dienste(&cfg, dienste, 2, 60000);
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rm_rf(dir), 0);
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

	/* A window far longer than the file's life: the finest archive still answers. */
	ck_assert_int_eq(history_uptime(store_path(st, 0), t0 + 3600 - 7 * 86400, t0 + 3600, &ratio,
					&known, err, sizeof err), 0);
	ck_assert_msg(fabs(ratio - 0.75) < 0.03, "7-day uptime %f", ratio);
	ck_assert_msg(known >= 55 * 60 && known <= 61 * 60, "known %f s", known);
	ck_assert_int_eq(history_uptime(store_path(st, 0), t0 + 3600 - 90 * 86400, t0 + 3600, &ratio,
					&known, err, sizeof err), 0);
	ck_assert_msg(fabs(ratio - 0.75) < 0.03, "90-day uptime %f", ratio);

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

/* Rows flagged as maintenance do not count: 10 minutes down in maintenance, 10 up. */
START_TEST(uptime_excludes_maintenance)
{
	char path[128], err[256], val[64];
	const char *create[] = { "DS:up:GAUGE:120:0:1", "DS:maint:GAUGE:120:0:1",
				 "RRA:AVERAGE:0.5:1:1000" };
	const time_t t0 = 1790000000 - 1790000000 % 60;
	double ratio = -1, known = -1;

	snprintf(path, sizeof path, "%s/m.rrd", dir);
	ck_assert_int_eq(rrd_create_r(path, 60, t0, 3, create), 0);
	for (int i = 1; i <= 20; i++) {
		const char *argv[1] = { val };
		snprintf(val, sizeof val, "%lld:%d:%d", (long long)(t0 + 60 * i), i > 10, i <= 10);
		ck_assert_int_eq(rrd_update_r(path, NULL, 1, argv), 0);
	}
	ck_assert_int_eq(history_uptime(path, t0, t0 + 1200, &ratio, &known, err, sizeof err), 0);
	ck_assert_msg(fabs(ratio - 1.0) < 1e-9, "uptime %f", ratio);
	ck_assert_msg(fabs(known - 600) < 61, "known %f", known);
	/* Without the maintenance flag the same rows would give 0.5. */
	for (int i = 21; i <= 40; i++) {
		const char *argv[1] = { val };
		snprintf(val, sizeof val, "%lld:%d:0", (long long)(t0 + 60 * i), i > 30);
		ck_assert_int_eq(rrd_update_r(path, NULL, 1, argv), 0);
	}
	ck_assert_int_eq(history_uptime(path, t0 + 1200, t0 + 2400, &ratio, NULL, err, sizeof err), 0);
	ck_assert_msg(fabs(ratio - 0.5) < 0.06, "uptime %f", ratio);
}
END_TEST

/* Waits (bounded, 10 s) until the writer has taken every queued sample. */
static void drain(struct store *st, struct store_stats *stats)
{
	for (int i = 0; i < 1000; i++) {
		store_get_stats(st, stats);
		if (stats->queue_len == 0 && stats->spill_len == 0)
			return;
		usleep(10000);
	}
	ck_abort_msg("store did not drain");
}

/*
 * A file that cannot be read at first sight (here: not an RRD yet, as while
 * another program holds or replaces it) is not given up for good: its samples
 * are dropped and counted while it is unreadable, and once it is a valid RRD
 * again (after the 1 s backoff) the same file is continued, not recreated.
 */
START_TEST(unreadable_file_is_retried)
{
	char err[256], path[128], rrddir[96];
	struct store_stats stats;
	const int64_t t0 = 1790000000;
	char args[16][STORE_ARG_LEN];
	const char *argv[16];
	int argc;
	FILE *f;
	struct store *st;

	snprintf(rrddir, sizeof rrddir, "%s/rrd", dir);
	ck_assert_int_eq(mkdir(rrddir, 0755), 0);
	snprintf(path, sizeof path, "%s/a.rrd", rrddir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("held by another program\n", f);
	fclose(f);

	st = store_new(&cfg, dir, 64, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	{
		struct store_sample s = { .target = 0, .ts_ms = t0 * 1000, .up = true };
		ck_assert_int_eq(store_submit(st, &s), 0);
	}
	drain(st, &stats);
	ck_assert_uint_eq(stats.updates, 0);
	ck_assert_uint_eq(stats.dropped, 1);
	ck_assert_uint_eq(stats.files_unusable, 1);
	ck_assert_uint_eq(stats.file_retries, 0);

	/* The file becomes a valid RRD of the configured layout (last update t0). */
	argc = store_layout(STORE_MAIN, 60, NULL, 0, args, 16);
	ck_assert_int_gt(argc, 0);
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];
	ck_assert_int_eq(unlink(path), 0);
	rrd_clear_error();
	ck_assert_msg(rrd_create_r2(path, 60, (time_t)t0, 0, NULL, NULL, argc, argv) == 0, "%s",
		      rrd_get_error());

	/*
	 * A sample a minute until one lands: the first retry is due after 1 s.
	 * The queue reads empty while the writer still holds its last batch, so
	 * one more sample may be sent before the first is counted.
	 */
	unsigned submitted = 1;
	for (int i = 1; i <= 40 && stats.updates == 0; i++) {
		struct store_sample s = { .target = 0, .ts_ms = (t0 + 60 * i) * 1000, .up = true };
		ck_assert_int_eq(store_submit(st, &s), 0);
		submitted++;
		drain(st, &stats);
		if (stats.updates == 0)
			usleep(100000);
	}
	store_stop(st);
	store_get_stats(st, &stats);
	ck_assert_uint_ge(stats.updates, 1);
	ck_assert_uint_eq(stats.updates + stats.dropped, submitted);	/* every sample accounted */
	ck_assert_uint_eq(stats.files_unusable, 0);
	ck_assert_uint_ge(stats.file_retries, 1);
	ck_assert_uint_eq(stats.created, 1);	/* the perf file only: a.rrd was continued */
	ck_assert_uint_ge(stats.dropped, 1);
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
	tcase_add_test(tc, uptime_excludes_maintenance);
	tcase_add_test(tc, unreadable_file_is_retried);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(store_suite());
}
