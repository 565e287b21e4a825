/* SPDX-License-Identifier: EUPL-1.2 */
/* test_store_layout.c - RRD layout, its size, conversion of old files, spill and usage. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/history.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

static char dir[64];
static struct cfg_dienst dienste[2];
static struct cfg cfg;
static const int64_t T0 = 1790000000;

static void setup(void)
{
	tu_tmpdir(dir, sizeof dir, "layout");
	tu_cfg_dienste(&cfg, dienste, 2, 60000);
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

static off_t file_bytes(const char *path)
{
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

/* Writes n samples of target 0 a minute apart from `from`, through a fresh store. */
static struct store_stats write_samples(int64_t from, int n, double duration)
{
	char err[256];
	struct store_stats stats;
	struct store *st = store_new(&cfg, dir, 4096, err, sizeof err);

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (int i = 0; i < n; i++) {
		struct store_sample s = { .target = 0, .ts_ms = (from + 60 * i) * 1000, .up = i % 2,
					  .answered = true, .duration_s = duration,
					  .http_status = 200, .has_phases = true, .resolve_s = 0.001,
					  .connect_s = 0.002, .tls_s = 0.003, .processing_s = 0.004,
					  .transfer_s = 0.005, .cert_expiry_s = 1800000000.0 };
		ck_assert_int_eq(store_submit(st, &s), 0);
	}
	store_stop(st);
	store_get_stats(st, &stats);
	store_free(st);
	return stats;
}

/* The default layout at the default 60 s interval: under 256 KiB per target, both files. */
START_TEST(default_layout_under_256k)
{
	char path[128];
	off_t main_b, perf_b;
	char args[16][STORE_ARG_LEN];

	ck_assert_int_eq(store_layout(STORE_MAIN, 60, NULL, 0, args, 16), 6);
	ck_assert_str_eq(args[0], "DS:up:GAUGE:120:0:1");
	ck_assert_str_eq(args[1], "DS:maint:GAUGE:120:0:1");
	ck_assert_str_eq(args[2], "RRA:AVERAGE:0.5:1:2880");	/* 2 days at 1 min */
	ck_assert_str_eq(args[3], "RRA:AVERAGE:0.5:5:4032");	/* 14 days at 5 min */
	ck_assert_str_eq(args[4], "RRA:AVERAGE:0.5:60:2232");	/* 93 days hourly */
	ck_assert_str_eq(args[5], "RRA:AVERAGE:0.5:1440:730");	/* 2 years daily */
	ck_assert_int_eq(store_layout(STORE_PERF, 60, NULL, 0, args, 16), 11);
	ck_assert_str_eq(args[8], "RRA:AVERAGE:0.5:5:576");
	ck_assert_str_eq(args[9], "RRA:MAX:0.5:5:288");
	ck_assert_str_eq(args[10], "RRA:AVERAGE:0.5:60:336");
	ck_assert_int_eq(store_layout(STORE_PERF, 60, NULL, 0, args, 4), -1);	/* too small */

	write_samples(T0, 3, 0.25);
	snprintf(path, sizeof path, "%s/rrd/a.rrd", dir);
	main_b = file_bytes(path);
	snprintf(path, sizeof path, "%s/rrd/a.perf.rrd", dir);
	perf_b = file_bytes(path);
	ck_assert_msg(main_b + perf_b < 256 * 1024, "%lld + %lld bytes", (long long)main_b,
		      (long long)perf_b);
	/* Each file is its data rows plus a small header. */
	ck_assert_int_ge(main_b, (2880 + 4032 + 2232 + 730) * 2 * 8);
	ck_assert_int_ge(perf_b, (576 + 288 + 336) * 8 * 8);
}
END_TEST

/* Every configured source arrives in its file. */
START_TEST(perf_file_holds_phases)
{
	char err[256];
	struct history h;
	char path[128];
	int d, tls, cert;

	write_samples(T0, 30, 0.25);
	snprintf(path, sizeof path, "%s/rrd/a.perf.rrd", dir);
	ck_assert_int_eq(history_fetch(path, "AVERAGE", T0 + 300, T0 + 1500, 300, &h, err,
				       sizeof err), 0);
	d = history_ds(&h, "duration");
	tls = history_ds(&h, "tls");
	cert = history_ds(&h, "cert_expiry");
	ck_assert_int_ge(d, 0);
	ck_assert_int_ge(tls, 0);
	ck_assert_int_ge(cert, 0);
	ck_assert_uint_ge(h.rows, 3);
	ck_assert_msg(fabs(h.v[1 * h.n_ds + (size_t)d] - 0.25) < 1e-6, "duration %f",
		      h.v[1 * h.n_ds + (size_t)d]);
	ck_assert_msg(fabs(h.v[1 * h.n_ds + (size_t)tls] - 0.003) < 1e-6, "tls");
	ck_assert_msg(fabs(h.v[1 * h.n_ds + (size_t)cert] - 1.8e9) < 1, "cert");
	history_free(&h);
}
END_TEST

/* Counts files in <dir>/rrd whose name starts with prefix. */
static int count_files(const char *prefix)
{
	char p[128];
	DIR *dp;
	struct dirent *e;
	int n = 0;

	snprintf(p, sizeof p, "%s/rrd", dir);
	dp = opendir(p);
	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)))
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(dp);
	return n;
}

/* An old file (up, duration, http_code in one file) is converted and keeps its history. */
START_TEST(old_layout_converted_with_history)
{
	char path[128], err[256];
	const char *cargv[] = { "DS:up:GAUGE:120:0:1", "DS:duration:GAUGE:120:0:U",
				"DS:http_code:GAUGE:120:0:999", "RRA:AVERAGE:0.5:1:2880",
				"RRA:AVERAGE:0.5:5:4032", "RRA:MAX:0.5:5:4032" };
	struct store_stats stats;
	struct history h;
	double ratio = 0;
	int d;

	snprintf(path, sizeof path, "%s/rrd", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/rrd/a.rrd", dir);
	ck_assert_int_eq(rrd_create_r(path, 60, T0 - 1, 6, cargv), 0);
	for (int i = 0; i < 120; i++) {
		char v[64];
		const char *uargv[1] = { v };
		snprintf(v, sizeof v, "%lld:1:0.5:200", (long long)(T0 + 60 * i));
		ck_assert_int_eq(rrd_update_r(path, NULL, 1, uargv), 0);
	}

	stats = write_samples(T0 + 60 * 120, 5, 0.25);
	ck_assert_uint_eq(stats.migrated, 1);
	ck_assert_uint_eq(stats.updates, 5);
	ck_assert_uint_eq(stats.stale, 0);
	ck_assert_int_eq(count_files("a.rrd.bak-"), 1);
	/* The new main file knows the old hour of `up` = 1. */
	ck_assert_int_eq(history_uptime(path, T0 + 600, T0 + 60 * 110, &ratio, NULL, err,
					sizeof err), 0);
	ck_assert_msg(fabs(ratio - 1.0) < 1e-9, "uptime %f", ratio);
	/* The new perf file took duration from the backup. */
	snprintf(path, sizeof path, "%s/rrd/a.perf.rrd", dir);
	ck_assert_int_eq(history_fetch(path, "AVERAGE", T0 + 600, T0 + 3600, 300, &h, err,
				       sizeof err), 0);
	d = history_ds(&h, "duration");
	ck_assert_int_ge(d, 0);
	ck_assert_msg(fabs(h.v[2 * h.n_ds + (size_t)d] - 0.5) < 1e-6, "old duration %f",
		      h.v[2 * h.n_ds + (size_t)d]);
	history_free(&h);

	/* A second start finds the layout right: no further conversion. */
	stats = write_samples(T0 + 60 * 130, 2, 0.25);
	ck_assert_uint_eq(stats.migrated, 0);
	ck_assert_uint_eq(stats.created, 0);
	ck_assert_int_eq(count_files("a.rrd.bak-"), 1);
}
END_TEST

/* A changed interval changes the step: the file is rebuilt from the old one. */
START_TEST(interval_change_converts)
{
	char path[128], err[256];
	struct store_stats stats;
	double ratio = 0;

	stats = write_samples(T0, 60, 0.1);
	ck_assert_uint_eq(stats.migrated, 0);
	dienste[0].interval_ms = 30000;
	stats = write_samples(T0 + 3600, 2, 0.1);
	ck_assert_uint_eq(stats.migrated, 2);	/* main and perf */
	ck_assert_uint_eq(stats.stale, 0);
	ck_assert_int_eq(count_files("a.rrd.bak-"), 1);
	ck_assert_int_eq(count_files("a.perf.rrd.bak-"), 1);
	snprintf(path, sizeof path, "%s/rrd/a.rrd", dir);
	/* Half the old samples were up: the converted history says so. */
	ck_assert_int_eq(history_uptime(path, T0 + 300, T0 + 3300, &ratio, NULL, err, sizeof err),
			 0);
	ck_assert_msg(fabs(ratio - 0.5) < 0.05, "uptime %f", ratio);
}
END_TEST

/* A full ring overflows into the spill in order; both full: dropped and counted. */
START_TEST(spill_keeps_order_and_bound)
{
	char err[256];
	struct store *st = store_new2(&cfg, dir, 4, 4, NULL, err, sizeof err);
	struct store_stats stats;
	int refused = 0;

	ck_assert_ptr_nonnull(st);
	for (int i = 0; i < 10; i++) {
		struct store_sample s = { .target = 0, .ts_ms = (T0 + 60 * i) * 1000, .up = true };
		refused += store_submit(st, &s) != 0;
	}
	ck_assert_int_eq(refused, 2);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.queue_len, 4);
	ck_assert_uint_eq(stats.spill_len, 4);
	ck_assert_uint_eq(stats.spill_cap, 4);
	ck_assert_uint_eq(stats.dropped, 2);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	store_stop(st);
	store_get_stats(st, &stats);
	/* All 8 kept samples written: any reordering would have made some stale. */
	ck_assert_uint_eq(stats.updates, 8);
	ck_assert_uint_eq(stats.stale, 0);
	ck_assert_uint_eq(stats.queue_len, 0);
	ck_assert_uint_eq(stats.spill_len, 0);
	store_free(st);
}
END_TEST

/* Usage counters go to <id>.usage.rrd as DERIVE: the stored value is a rate. */
START_TEST(usage_counters_derive)
{
	static const char *const names[] = { "applications submitted total", "logins" };
	char err[256], path[128];
	struct store *st = store_new(&cfg, dir, 512, err, sizeof err);
	struct store_stats stats;
	struct history h;
	int a;

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	ck_assert_int_eq(store_submit_usage(st, 1, T0 * 1000, 9, names, NULL), -1);
	for (int i = 0; i <= 180; i++) {
		double v[2] = { 36.0 * i, NAN };	/* 36 per minute = 0.6/s */
		ck_assert_int_eq(store_submit_usage(st, 1, (T0 + 60 * i) * 1000, 2, names, v), 0);
	}
	store_stop(st);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.usage_updates, 181);
	ck_assert_uint_eq(stats.dropped, 1);
	store_free(st);

	snprintf(path, sizeof path, "%s/rrd/b.usage.rrd", dir);
	ck_assert_int_eq(history_fetch(path, "AVERAGE", T0 + 3600, T0 + 3 * 3600 - 1, 3600, &h, err,
				       sizeof err), 0);
	a = history_ds(&h, "applications_submit");
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(history_ds(&h, "logins"), 1);
	ck_assert_uint_ge(h.rows, 1);
	ck_assert_msg(fabs(h.v[0] - 0.6) < 1e-6, "rate %f", h.v[0]);
	ck_assert(isnan(h.v[1]));
	history_free(&h);
}
END_TEST

static Suite *layout_suite(void)
{
	Suite *s = suite_create("store_layout");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, default_layout_under_256k);
	tcase_add_test(tc, perf_file_holds_phases);
	tcase_add_test(tc, old_layout_converted_with_history);
	tcase_add_test(tc, interval_change_converts);
	tcase_add_test(tc, spill_keeps_order_and_bound);
	tcase_add_test(tc, usage_counters_derive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(layout_suite());
}
