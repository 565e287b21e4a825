/* SPDX-License-Identifier: EUPL-1.2 */
/* test_notify.c - systemd's notification protocol without libsystemd (common/notify.h). */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/notify.h"
#include "tests/unit/testutil.h"

START_TEST(address_path)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	char err[256];

	ck_assert_int_eq(notify_parse_address("/run/systemd/notify", &sa, &len, err, sizeof err), 0);
	ck_assert_int_eq(sa.sun_family, AF_UNIX);
	ck_assert_str_eq(sa.sun_path, "/run/systemd/notify");
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + strlen("/run/systemd/notify") + 1);
}
END_TEST

START_TEST(address_abstract)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	char err[256];

	ck_assert_int_eq(notify_parse_address("@sd-notify/1", &sa, &len, err, sizeof err), 0);
	ck_assert_int_eq(sa.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(sa.sun_path + 1, "sd-notify/1", 11), 0);
	/* exactly the name's bytes, the leading NUL included, no terminator */
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 12);
}
END_TEST

START_TEST(address_refused)
{
	static const char *const bad[] = { "", "@", "/", "relative/sock", "x" };
	struct sockaddr_un sa;
	socklen_t len;
	char err[256], longp[200];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_int_eq(notify_parse_address(bad[i], &sa, &len, err, sizeof err), -1);
		ck_assert_ptr_nonnull(strstr(err, "NOTIFY_SOCKET"));
	}
	ck_assert_int_eq(notify_parse_address(NULL, &sa, &len, err, sizeof err), -1);
	longp[0] = '/';
	memset(longp + 1, 'a', sizeof longp - 2);
	longp[sizeof longp - 1] = '\0';
	ck_assert_int_eq(notify_parse_address(longp, &sa, &len, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than a socket address"));
	/* the longest that fits: 107 bytes of path and its terminator */
	longp[107] = '\0';
	ck_assert_int_eq(notify_parse_address(longp, &sa, &len, err, sizeof err), 0);
	longp[107] = 'a';
	longp[108] = 'a';
	longp[109] = '\0';
	longp[0] = '@';	/* abstract: 109 bytes do not fit, 108 do */
	ck_assert_int_eq(notify_parse_address(longp, &sa, &len, err, sizeof err), -1);
	longp[108] = '\0';
	ck_assert_int_eq(notify_parse_address(longp, &sa, &len, err, sizeof err), 0);
}
END_TEST

START_TEST(watchdog_values)
{
	ck_assert_uint_eq(notify_watchdog_usec_parse("2000000", NULL, 42), 2000000);
	ck_assert_uint_eq(notify_watchdog_usec_parse("2000000", "42", 42), 2000000);
	ck_assert_uint_eq(notify_watchdog_usec_parse("2000000", "43", 42), 0);	/* someone else's */
	ck_assert_uint_eq(notify_watchdog_usec_parse("2000000", "42x", 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse(NULL, "42", 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse("", NULL, 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse("0", NULL, 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse("-5", NULL, 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse("12s", NULL, 42), 0);
	ck_assert_uint_eq(notify_watchdog_usec_parse("99999999999999999999999", NULL, 42), 0);
}
END_TEST

/* Datagrams reach a socket bound where NOTIFY_SOCKET says, one per message. */
START_TEST(send_to_socket)
{
	char dir[256], path[300], buf[256], err[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	tu_tmpdir(dir, sizeof dir, "notify");
	snprintf(path, sizeof path, "%s/n.sock", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(path), sizeof sa.sun_path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);

	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_init(err, sizeof err), 0);
	ck_assert(!notify_enabled());
	ck_assert_int_eq(notify_send("READY=1"), 0);	/* a no-op outside systemd */

	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_init(err, sizeof err), 0);
	ck_assert(notify_enabled());
	ck_assert_int_eq(notify_send("READY=1\nSTATUS=probing"), 0);
	ck_assert_int_eq(notify_sendf("STATUS=%d targets", 7), 0);
	n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_eq(n, 22);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1\nSTATUS=probing");
	n = recv(fd, buf, sizeof buf - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "STATUS=7 targets");
	notify_close();
	ck_assert(!notify_enabled());
	close(fd);
	unlink(path);

	/* Nobody listening: an error, never a crash or a signal. */
	ck_assert_int_eq(notify_init(err, sizeof err), 0);
	errno = 0;
	ck_assert_int_eq(notify_send("WATCHDOG=1"), -1);
	ck_assert_int_ne(errno, 0);
	notify_close();
	unsetenv("NOTIFY_SOCKET");

	setenv("NOTIFY_SOCKET", "relative", 1);
	ck_assert_int_eq(notify_init(err, sizeof err), -1);
	ck_assert(!notify_enabled());
	unsetenv("NOTIFY_SOCKET");
	tu_rm_rf(dir);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, address_path);
	tcase_add_test(tc, address_abstract);
	tcase_add_test(tc, address_refused);
	tcase_add_test(tc, watchdog_values);
	tcase_add_test(tc, send_to_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(notify_suite());
}
