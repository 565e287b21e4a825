/* SPDX-License-Identifier: EUPL-1.2 */
/* test_log.c - log lines for a terminal and for the systemd journal (common/log.h). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "tests/unit/testutil.h"

/* 2023-11-14T22:13:20.123Z */
static const struct timespec TS = { 1700000000, 123456789 };

__attribute__((format(printf, 5, 6)))
static size_t fmt(char *line, size_t size, enum log_level lvl, bool journal, const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = log_format(line, size, lvl, journal, &TS, f, ap);
	va_end(ap);
	return n;
}

START_TEST(journal_priorities)
{
	static const struct {
		enum log_level lvl;
		const char *want;
	} c[] = {
		{ LOG_LVL_ERROR, "<3>error: store: disk full\n" },
		{ LOG_LVL_WARN, "<4>warn: store: disk full\n" },
		{ LOG_LVL_INFO, "<6>info: store: disk full\n" },
		{ LOG_LVL_DEBUG, "<7>debug: store: disk full\n" },
	};
	char line[256];

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		size_t n = fmt(line, sizeof line, c[i].lvl, true, "store: %s", "disk full");
		ck_assert_str_eq(line, c[i].want);
		ck_assert_uint_eq(n, strlen(c[i].want));
	}
}
END_TEST

START_TEST(terminal_has_timestamp_and_pid)
{
	char line[256], want[256];
	size_t n;

	log_init("ozgtest", LOG_LVL_INFO);
	n = fmt(line, sizeof line, LOG_LVL_WARN, false, "reload: %d errors", 3);
	snprintf(want, sizeof want, "2023-11-14T22:13:20.123Z ozgtest[%d] warn: reload: 3 errors\n",
		 (int)getpid());
	ck_assert_str_eq(line, want);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_ptr_null(strchr(line, '<'));
}
END_TEST

START_TEST(control_characters_replaced)
{
	char line[256];

	fmt(line, sizeof line, LOG_LVL_ERROR, true, "%s", "a\nb\rc\x1b[31md\te");
	ck_assert_str_eq(line, "<3>error: a?b?c?[31md\te\n");
	fmt(line, sizeof line, LOG_LVL_INFO, false, "%s", "x\ny");
	ck_assert_ptr_nonnull(strstr(line, "info: x?y\n"));
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);	/* one line */
}
END_TEST

START_TEST(long_line_cut_with_newline)
{
	char line[64], big[500];
	size_t n;

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n = fmt(line, sizeof line, LOG_LVL_WARN, true, "%s", big);
	ck_assert_uint_eq(n, sizeof line - 1);
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert_int_eq(line[n], '\0');
	ck_assert_int_eq(strncmp(line, "<4>warn: aaa", 12), 0);
	n = fmt(line, sizeof line, LOG_LVL_WARN, false, "%s", big);
	ck_assert_uint_eq(n, sizeof line - 1);
	ck_assert_int_eq(line[n - 1], '\n');
}
END_TEST

START_TEST(journal_stream_values)
{
	ck_assert(log_journal_stream_matches("12:34", 12, 34));
	ck_assert(log_journal_stream_matches("64769:1234567", 64769, 1234567));
	ck_assert(!log_journal_stream_matches("12:35", 12, 34));
	ck_assert(!log_journal_stream_matches("13:34", 12, 34));
	ck_assert(!log_journal_stream_matches("12:", 12, 34));
	ck_assert(!log_journal_stream_matches(":34", 12, 34));
	ck_assert(!log_journal_stream_matches("12:34x", 12, 34));
	ck_assert(!log_journal_stream_matches("12-34", 12, 34));
	ck_assert(!log_journal_stream_matches("-12:34", 12, 34));
	ck_assert(!log_journal_stream_matches("", 12, 34));
	ck_assert(!log_journal_stream_matches(NULL, 12, 34));
	ck_assert(!log_journal_stream_matches("99999999999999999999999:34", 12, 34));
}
END_TEST

/* log_init compares JOURNAL_STREAM with what stderr really is. */
START_TEST(init_detects_journal)
{
	struct stat sb;
	char v[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &sb), 0);
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	log_init("ozgtest", LOG_LVL_INFO);
	ck_assert(log_to_journal());
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	log_init("ozgtest", LOG_LVL_INFO);
	ck_assert(!log_to_journal());
	unsetenv("JOURNAL_STREAM");
	log_init("ozgtest", LOG_LVL_INFO);
	ck_assert(!log_to_journal());
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, journal_priorities);
	tcase_add_test(tc, terminal_has_timestamp_and_pid);
	tcase_add_test(tc, control_characters_replaced);
	tcase_add_test(tc, long_line_cut_with_newline);
	tcase_add_test(tc, journal_stream_values);
	tcase_add_test(tc, init_detects_journal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(log_suite());
}
