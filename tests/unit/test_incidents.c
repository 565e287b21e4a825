/* SPDX-License-Identifier: EUPL-1.2 */
/* test_incidents.c - opening, closing, the journal and reconciliation after a restart. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rollout/incidents.h"
#include "tests/unit/testutil.h"

static char dir[64];
static struct cfg_dienst dienste[2];
static struct cfg cfg;
static struct state_pub pub;
static struct state_cfg cref;	/* the test keeps its reference: cfg is static */
static unsigned b_fails;	/* target b's failures in a row */

static void setup(void)
{
	tu_tmpdir(dir, sizeof dir, "inc");
	tu_cfg_dienste(&cfg, dienste, 2, 0);
	state_pub_init(&pub);
	cref.cfg = &cfg;
	atomic_init(&cref.refs, 1);
	b_fails = 0;
}

static void teardown(void)
{
	state_pub_destroy(&pub);
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

/*
 * Publishes: target b's probe number `probes` ended at `ms` with `ok`; b
 * counts as down from its second failure in a row (retries: 2); a is fine.
 */
static void publish(uint64_t probes, int64_t ms, bool ok)
{
	b_fails = ok ? 0 : b_fails + 1;
	struct snapshot *s = snapshot_new(&cfg);
	ck_assert_ptr_nonnull(s);
	s->t[0] = (struct target_state){ .probed = true, .success = true, .probes = probes,
					 .last_ms = ms };
	s->t[1] = (struct target_state){ .probed = true, .success = ok, .probes = probes,
					 .last_ms = ms, .result = ok ? PROBE_SUCCESS : PROBE_TIMEOUT,
					 .consecutive_failures = b_fails, .down = b_fails >= 2 };
	state_publish(&pub, s);
}

static struct incident_stats stats_of(struct incidents *in, size_t t, uint64_t *errors)
{
	struct incidents_view v;
	struct incident_stats st;
	ck_assert_int_eq(incidents_view(in, &v), 0);
	st = v.d[t];
	if (errors)
		*errors = v.journal_errors;
	incidents_view_free(&v);
	return st;
}

static int count_lines(const char *needle)
{
	char path[128], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/incidents.jsonl", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

START_TEST(open_close_restart_reconcile)
{
	char err[256], path[128];
	struct incidents *in = incidents_start(&cref, &pub, dir, err, sizeof err);
	struct incident_stats st;
	uint64_t errors = 0;
	const int64_t t0 = 1790000000000;
	FILE *f;

	ck_assert_msg(in != NULL, "%s", err);
	publish(1, t0, false);
	incidents_poll(in);
	ck_assert(!stats_of(in, 1, NULL).open);		/* one failure: not down yet */
	publish(2, t0 + 60000, false);
	incidents_poll(in);
	st = stats_of(in, 1, NULL);
	ck_assert(st.open);
	ck_assert_int_eq(st.open_since_ms, t0);		/* dated from the first failure */
	ck_assert_int_eq(st.open_reason, PROBE_TIMEOUT);
	incidents_poll(in);				/* the same snapshot again: nothing new */
	ck_assert_uint_eq(stats_of(in, 1, NULL).opened, 1);
	publish(3, t0 + 150000, true);
	incidents_poll(in);
	st = stats_of(in, 1, NULL);
	ck_assert(!st.open);
	ck_assert_uint_eq(st.closed, 1);
	ck_assert(fabs(st.downtime_s - 150) < 1e-6);
	ck_assert_uint_eq(stats_of(in, 0, NULL).opened, 0);
	/* Down again, then the daemon stops with the incident open. */
	publish(4, t0 + 200000, false);
	incidents_poll(in);
	publish(5, t0 + 260000, false);
	incidents_poll(in);
	ck_assert(stats_of(in, 1, NULL).open);
	incidents_stop(in);
	ck_assert_int_eq(count_lines("\"event\":\"open\""), 2);
	ck_assert_int_eq(count_lines("\"event\":\"close\""), 1);

	/* A crash cut a line in half. */
	snprintf(path, sizeof path, "%s/incidents.jsonl", dir);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("{\"event\":\"open\",\"id\":9,\"dien\n", f);
	fclose(f);

	/* Restart (a new process has no snapshot yet): the totals come back from the
	 * journal, the open one stays open... */
	state_pub_destroy(&pub);
	state_pub_init(&pub);
	in = incidents_start(&cref, &pub, dir, err, sizeof err);
	ck_assert_msg(in != NULL, "%s", err);
	st = stats_of(in, 1, &errors);
	ck_assert_uint_eq(errors, 1);
	ck_assert_uint_eq(atomic_load(&cref.refs), 2);	/* ours and the watcher's */
	ck_assert_uint_eq(st.opened, 2);
	ck_assert_uint_eq(st.closed, 1);
	ck_assert(st.open);
	ck_assert_int_eq(st.open_since_ms, t0 + 200000);
	ck_assert(fabs(st.downtime_s - 150) < 1e-6);
	ck_assert_int_eq(st.first_success_ms, t0 + 150000);
	ck_assert_int_eq(stats_of(in, 0, NULL).first_success_ms, t0);
	/* ...until the first probe after the restart decides it (counters restart at 1). */
	publish(1, t0 + 900000, true);
	incidents_poll(in);
	st = stats_of(in, 1, NULL);
	ck_assert(!st.open);
	ck_assert_uint_eq(st.closed, 2);
	ck_assert(fabs(st.downtime_s - (150 + 700)) < 1e-6);
	incidents_stop(in);
	ck_assert_int_eq(count_lines("\"reconciled\":true"), 1);
	/* Time to rollout: each target's first correct answer, journaled once, kept over restarts. */
	ck_assert_int_eq(count_lines("\"event\":\"first_success\""), 2);
	ck_assert_int_eq(count_lines("\"event\":\"first_success\",\"id\":1,\"dienst\":\"b\",\"at_ms\":1790000150000"), 1);
	ck_assert_int_eq(count_lines("\"event\":\"close\""), 2);
	/* New ids continue after the highest in the journal. */
	ck_assert_int_eq(count_lines("\"id\":3"), 0);
}
END_TEST

START_TEST(unwritable_data_dir)
{
	char err[256];
	struct incidents *in = incidents_start(&cref, &pub, "/proc/no/such/dir", err, sizeof err);
	ck_assert_ptr_null(in);
	ck_assert_ptr_nonnull(strstr(err, "incidents.jsonl"));
}
END_TEST


/* The recent incidents, newest first, from a journal whose first part is not read. */
START_TEST(recent_from_the_journal)
{
	char err[256], path[128];
	struct incident_event ev[8];
	struct incidents *in;
	FILE *f;
	int n;

	snprintf(path, sizeof path, "%s/incidents.jsonl", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	/* Filler before the tail: the close of id 1 is read without its open. */
	fputs("{\"event\":\"open\",\"id\":1,\"dienst\":\"a\",\"at_ms\":1000000,\"reason\":\"dns\"}\n", f);
	for (size_t k = 0; k < INCIDENTS_RECENT_BYTES / 50; k++)
		fputs("{\"event\":\"first_success\",\"id\":1,\"dienst\":\"zz\",\"at_ms\":1}\n", f);
	fputs("{\"event\":\"close\",\"id\":1,\"dienst\":\"a\",\"at_ms\":1060000,\"duration_s\":60.0,"
	      "\"reconciled\":false}\n", f);
	fputs("{\"event\":\"open\",\"id\":2,\"dienst\":\"b\",\"at_ms\":2000000,\"reason\":\"timeout\"}\n", f);
	fputs("{\"event\":\"close\",\"id\":2,\"dienst\":\"b\",\"at_ms\":2300000,\"duration_s\":300.0,"
	      "\"reconciled\":true}\n", f);
	fputs("{\"event\":\"open\",\"id\":3,\"dienst\":\"gone\",\"at_ms\":2500000,\"reason\":\"dns\"}\n", f);
	fputs("{\"event\":\"open\",\"id\":4,\"dienst\":\"a\",\"at_ms\":3000000,\"reason\":\"http_status\"}\n", f);
	fputs("{\"event\":\"open\",\"id\":5,\"dien", f);	/* a line being written */
	fclose(f);
	in = incidents_start(&cref, &pub, dir, err, sizeof err);
	ck_assert_msg(in != NULL, "%s", err);
	n = incidents_recent(in, ev, 8, err, sizeof err);
	ck_assert_int_eq(n, 3);
	/* Newest start first; the open one has no end. */
	ck_assert_uint_eq(ev[0].id, 4);
	ck_assert_uint_eq(ev[0].dienst, 0);
	ck_assert_int_eq(ev[0].end_ms, 0);
	ck_assert_int_eq(ev[0].reason, PROBE_HTTP_STATUS);
	ck_assert_uint_eq(ev[1].id, 2);
	ck_assert_uint_eq(ev[1].dienst, 1);
	ck_assert_int_eq(ev[1].start_ms, 2000000);
	ck_assert_int_eq(ev[1].end_ms, 2300000);
	ck_assert_int_eq(ev[1].reason, PROBE_TIMEOUT);
	ck_assert(ev[1].reconciled);
	/* Opened before the tail: dated from its duration, reason unknown. */
	ck_assert_uint_eq(ev[2].id, 1);
	ck_assert_int_eq(ev[2].start_ms, 1000000);
	ck_assert_int_eq(ev[2].end_ms, 1060000);
	ck_assert_int_eq(ev[2].reason, PROBE_RESULT_COUNT);
	/* At most max. */
	ck_assert_int_eq(incidents_recent(in, ev, 1, err, sizeof err), 1);
	ck_assert_uint_eq(ev[0].id, 4);
	incidents_stop(in);
}
END_TEST

/* A start dated from its duration is the millisecond the open line had. */
START_TEST(recent_start_from_duration)
{
	char err[256], path[128];
	struct incident_event ev[2];
	struct incidents *in;
	FILE *f;

	snprintf(path, sizeof path, "%s/incidents.jsonl", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"event\":\"open\",\"id\":1,\"dienst\":\"a\",\"at_ms\":1000000,\"reason\":\"dns\"}\n", f);
	for (size_t k = 0; k < INCIDENTS_RECENT_BYTES / 50; k++)
		fputs("{\"event\":\"first_success\",\"id\":1,\"dienst\":\"zz\",\"at_ms\":1}\n", f);
	/* 1001 ms as the journal writes it: 1.001 * 1000.0 is just below 1001. */
	fputs("{\"event\":\"close\",\"id\":1,\"dienst\":\"a\",\"at_ms\":1001001,\"duration_s\":1.001,"
	      "\"reconciled\":false}\n", f);
	fclose(f);
	in = incidents_start(&cref, &pub, dir, err, sizeof err);
	ck_assert_msg(in != NULL, "%s", err);
	ck_assert_int_eq(incidents_recent(in, ev, 2, err, sizeof err), 1);
	ck_assert_int_eq(ev[0].start_ms, 1000000);
	ck_assert_int_eq(ev[0].end_ms, 1001001);
	incidents_stop(in);
}
END_TEST

START_TEST(recent_without_journal)
{
	char err[256];
	struct incident_event ev[2];
	struct incidents *in = incidents_start(&cref, &pub, dir, err, sizeof err);
	ck_assert_msg(in != NULL, "%s", err);
	ck_assert_int_eq(incidents_recent(in, ev, 2, err, sizeof err), 0);
	incidents_stop(in);
}
END_TEST

static Suite *incidents_suite(void)
{
	Suite *s = suite_create("incidents");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_close_restart_reconcile);
	tcase_add_test(tc, unwritable_data_dir);
	tcase_add_test(tc, recent_from_the_journal);
	tcase_add_test(tc, recent_start_from_duration);
	tcase_add_test(tc, recent_without_journal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(incidents_suite());
}
