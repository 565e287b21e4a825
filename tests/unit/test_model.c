/* SPDX-License-Identifier: EUPL-1.2 */
/* test_model.c - the availability model: weighting, windows, rollover, seeding, readers. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/avail.h"
#include "tests/unit/testutil.h"

#define DAY 86400
#define HOUR 3600
/* 10:00 UTC of a day: far from the day's edges. */
#define T0 ((int64_t)20000 * DAY + 10 * HOUR)

static struct cfg cfg;
static struct cfg_dienst dn[3];

static struct model *fresh(unsigned interval_ms)
{
	struct model *m;

	tu_cfg_dienste(&cfg, dn, 3, interval_ms);
	m = model_new(&cfg);
	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < 3; i++)
		model_seed(m, i, NULL, 0);	/* no file: seeded with nothing */
	return m;
}

static void feed(struct model *m, size_t i, int64_t from, int64_t to, int64_t every, bool up,
		 bool maint)
{
	for (int64_t t = from; t <= to; t += every)
		model_sample(m, i, t * 1000 + 250, up, maint);
}

START_TEST(unseeded_is_not_measured)
{
	struct model *m;
	double u[MODEL_WINDOWS];

	tu_cfg_dienste(&cfg, dn, 3, 10000);
	m = model_new(&cfg);
	feed(m, 0, T0, T0 + 600, 10, true, false);
	ck_assert(!model_seeded(m, 0));
	model_uptimes(m, 0, T0 + 600, u, NULL);
	for (int w = 0; w < MODEL_WINDOWS; w++)
		ck_assert(isnan(u[w]));
	model_seed(m, 0, NULL, 0);
	ck_assert(model_seeded(m, 0));
	model_uptimes(m, 0, T0 + 600, u, NULL);
	ck_assert_double_eq(u[0], 1.0);
	/* Another target stays unmeasured; one out of range too. */
	model_uptimes(m, 1, T0 + 600, u, NULL);
	ck_assert(isnan(u[0]));
	model_uptimes(m, 7, T0 + 600, u, NULL);
	ck_assert(isnan(u[3]));
	model_free(m);
}
END_TEST

/* Each sample covers the span since the previous one; the first starts the clock. */
START_TEST(spans_weight_samples)
{
	struct model *m = fresh(10000);
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS];

	feed(m, 0, T0, T0 + 1800, 10, true, false);		/* 180 up spans: 1800 s */
	feed(m, 0, T0 + 1810, T0 + 3590, 10, false, false);	/* 179 down spans: 1790 s */
	model_uptimes(m, 0, T0 + 3595, u, k);
	for (int w = 0; w < MODEL_WINDOWS; w++) {
		ck_assert_double_eq(k[w], 3590.0);
		ck_assert_double_eq_tol(u[w], 1800.0 / 3590.0, 1e-12);
	}
	/* Same second again: refused, as the RRD refuses it. */
	model_sample(m, 0, (T0 + 3590) * 1000 + 900, true, false);
	model_uptimes(m, 0, T0 + 3595, u, k);
	ck_assert_double_eq(k[0], 3590.0);
	ck_assert_uint_le(model_target_bytes(), 1536);
	model_free(m);
}
END_TEST

/* A span longer than the heartbeat (2 x interval) is unknown, as in the RRD. */
START_TEST(heartbeat_caps_spans)
{
	struct model *m = fresh(10000);
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS];

	model_sample(m, 0, T0 * 1000, true, false);
	model_sample(m, 0, (T0 + 20) * 1000, true, false);	/* = heartbeat: counts */
	model_sample(m, 0, (T0 + 41) * 1000, false, false);	/* 21 s > 20 s: unknown */
	model_sample(m, 0, (T0 + 51) * 1000, false, false);	/* counts, down */
	model_uptimes(m, 0, T0 + 60, u, k);
	ck_assert_double_eq(k[0], 30.0);
	ck_assert_double_eq_tol(u[0], 20.0 / 30.0, 1e-12);
	model_free(m);
}
END_TEST

/* Maintenance is known time outside the uptime: up / (known - maintenance). */
START_TEST(maintenance_is_excluded)
{
	struct model *m = fresh(10000);
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS], days[2];

	feed(m, 0, T0, T0 + 600, 10, true, false);		/* 600 s up */
	feed(m, 0, T0 + 610, T0 + 1200, 10, false, true);	/* 600 s down in maintenance */
	feed(m, 0, T0 + 1210, T0 + 1500, 10, false, false);	/* 300 s down */
	model_uptimes(m, 0, T0 + 1500, u, k);
	ck_assert_double_eq(k[0], 900.0);
	ck_assert_double_eq_tol(u[0], 600.0 / 900.0, 1e-12);
	ck_assert_double_eq_tol(u[1], 600.0 / 900.0, 1e-12);
	/* Only maintenance: known, but no uptime. */
	feed(m, 1, T0, T0 + 600, 10, false, true);
	model_uptimes(m, 1, T0 + 600, u, k);
	ck_assert(isnan(u[0]));
	ck_assert_double_eq(k[0], 0.0);
	model_days(m, 0, T0 + 1500, 2, days);
	ck_assert(isnan(days[0]));
	ck_assert_double_eq_tol(days[1], 600.0 / 900.0, 1e-12);
	model_free(m);
}
END_TEST

/* Spans split at hour and day edges; old buckets leave the windows, and the rings roll over. */
START_TEST(buckets_roll_over)
{
	struct model *m = fresh(60000);
	int64_t day0 = (T0 / DAY) * DAY;
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS], days[7];

	/* Day 0, 23:00 ... day 1, 01:00: up, one sample a minute. */
	feed(m, 0, day0 + 23 * HOUR, day0 + DAY + HOUR, 60, true, false);
	/* A span across midnight: 30 s in each day, down. */
	model_sample(m, 0, (day0 + DAY + HOUR + 60) * 1000, false, false);
	model_uptimes(m, 0, day0 + DAY + HOUR + 60, u, k);
	ck_assert_double_eq(k[0], 2 * HOUR + 60.0);
	ck_assert_double_eq_tol(u[0], 2.0 * HOUR / (2 * HOUR + 60), 1e-12);
	model_days(m, 0, day0 + DAY + HOUR + 60, 2, days);
	ck_assert_double_eq(days[0], 1.0);
	ck_assert_double_eq_tol(days[1], 1.0 * HOUR / (HOUR + 60), 1e-12);

	/* 24 hours later (no samples): the 1d window is empty, the 7d one is not. */
	model_uptimes(m, 0, day0 + 2 * DAY + 2 * HOUR, u, k);
	ck_assert(isnan(u[0]));
	ck_assert_double_eq(k[1], 2 * HOUR + 60.0);
	/* After a week, day 0 is out of the 7d window but still in the 30d one. */
	model_uptimes(m, 0, day0 + 7 * DAY, u, k);
	ck_assert_double_eq(k[1], HOUR + 60.0);
	ck_assert_double_eq(k[2], 2 * HOUR + 60.0);
	/* A sample 100 days on: the day ring rolled over, only the new span counts. */
	model_sample(m, 0, (day0 + 100 * DAY) * 1000, true, false);
	model_sample(m, 0, (day0 + 100 * DAY + 60) * 1000, true, false);
	model_uptimes(m, 0, day0 + 100 * DAY + 60, u, k);
	ck_assert_double_eq(k[3], 60.0);
	ck_assert_double_eq(u[3], 1.0);
	model_days(m, 0, day0 + 100 * DAY + 60, 7, days);
	for (int i = 0; i < 6; i++)
		ck_assert(isnan(days[i]));
	ck_assert_double_eq(days[6], 1.0);
	model_free(m);
}
END_TEST

/* Seeding merges the RRD rows the live samples do not cover yet, once. */
START_TEST(seeding_merges_without_double_counting)
{
	struct model *m;
	struct model_row rows[3] = {
		{ .end = (time_t)(T0 - 2 * HOUR), .step = HOUR, .up = 0.5, .maint = 0 },
		{ .end = (time_t)(T0 - HOUR), .step = HOUR, .up = NAN, .maint = NAN },
		{ .end = (time_t)(T0 + 100), .step = HOUR + 100, .up = 1.0, .maint = 0 },
	};
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS];

	tu_cfg_dienste(&cfg, dn, 3, 10000);
	m = model_new(&cfg);
	/* Live samples from T0 on (the first only starts the clock). */
	feed(m, 0, T0, T0 + 100, 10, false, false);
	model_seed(m, 0, rows, 3);
	model_uptimes(m, 0, T0 + 100, u, k);
	/* Seeded: 1800 of 3600 s up, then the 3600 s before T0 up (its last 100 s are live). */
	ck_assert_double_eq(k[0], 3600 + 3600 + 100.0);
	ck_assert_double_eq_tol(u[0], (1800.0 + 3600.0) / 7300.0, 1e-12);
	/* A second seeding changes nothing. */
	model_seed(m, 0, rows, 3);
	model_uptimes(m, 0, T0 + 100, u, k);
	ck_assert_double_eq(k[0], 7300.0);

	/* Seeded before any live sample: the first live one continues from the last row. */
	model_seed(m, 1, rows, 2);
	/* 15 s after the last known row: within the heartbeat */
	model_sample(m, 1, (T0 - 2 * HOUR + 15) * 1000, false, false);
	model_uptimes(m, 1, T0, u, k);
	ck_assert_double_eq(k[0], 3600.0 + 15.0);
	ck_assert_double_eq_tol(u[0], 1800.0 / 3615.0, 1e-12);
	ck_assert_int_eq(model_first_success(m, 1), T0 - 3 * HOUR);
	model_free(m);
}
END_TEST

/* A reload carries the windows of targets that stay (by id) into the new model. */
START_TEST(adopt_carries_by_id)
{
	struct cfg c2;
	struct cfg_dienst d2[2];
	struct model *old = fresh(10000), *m;
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS];

	feed(old, 1, T0, T0 + 100, 10, true, false);	/* "b" */
	tu_cfg_dienste(&c2, d2, 2, 10000);
	d2[0].id = S("b");
	d2[1].id = S("z");
	m = model_new(&c2);
	model_adopt(m, old);
	model_free(old);
	ck_assert(model_seeded(m, 0));
	ck_assert(!model_seeded(m, 1));
	model_sample(m, 0, (T0 + 110) * 1000, true, false);	/* continues the old clock */
	model_uptimes(m, 0, T0 + 110, u, k);
	ck_assert_double_eq(k[0], 110.0);
	ck_assert_double_eq(u[0], 1.0);
	model_free(m);
}
END_TEST

struct race {
	struct model *m;
	atomic_bool done;
	unsigned bad;
};

static void *reader(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->done)) {
		for (size_t i = 0; i < 3; i++) {
			double u[MODEL_WINDOWS], k[MODEL_WINDOWS], d[7];
			model_uptimes(r->m, i, (time_t)(T0 + 2 * DAY), u, k);
			model_days(r->m, i, (time_t)(T0 + 2 * DAY), 7, d);
			for (int w = 0; w < MODEL_WINDOWS; w++)
				if (!isnan(u[w]) && (u[w] < 0 || u[w] > 1 || k[w] <= 0))
					r->bad++;
		}
	}
	return NULL;
}

/* One writer, readers at the same time (run under TSan: make TSAN=1). */
START_TEST(concurrent_readers)
{
	struct race r = { .m = fresh(10000) };
	pthread_t th[2];
	double u[MODEL_WINDOWS], k[MODEL_WINDOWS];

	atomic_init(&r.done, false);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, &r), 0);
	for (int64_t t = T0; t < T0 + 2 * DAY; t += 10)
		for (size_t i = 0; i < 3; i++)
			model_sample(r.m, i, t * 1000, (t / 10) % 4 != 0, false);
	atomic_store(&r.done, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(r.bad, 0);
	model_uptimes(r.m, 0, (time_t)(T0 + 2 * DAY), u, k);
	ck_assert_double_eq_tol(u[0], 0.75, 0.001);
	model_free(r.m);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, unseeded_is_not_measured);
	tcase_add_test(tc, spans_weight_samples);
	tcase_add_test(tc, heartbeat_caps_spans);
	tcase_add_test(tc, maintenance_is_excluded);
	tcase_add_test(tc, buckets_roll_over);
	tcase_add_test(tc, seeding_merges_without_double_counting);
	tcase_add_test(tc, adopt_carries_by_id);
	tcase_add_test(tc, concurrent_readers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(model_suite());
}
