/* SPDX-License-Identifier: EUPL-1.2 */
/* test_store_rrdcached.c - the store writing through a real rrdcached (started by the test). */
#include <check.h>
#include <limits.h>
#include <rrd.h>
#include <rrd_client.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/history.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

static char dir[64], sock[128], addr[160];
static struct cfg_dienst dienste[1];
static struct cfg cfg;
static pid_t daemons[2];	/* the rrdcached processes of the test: teardown stops them */
static size_t n_daemons;
static const int64_t T0 = 1790000000;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Starts rrdcached in the foreground listening on `listen`, its files below
 * DIR/rrd, its journal in DIR and its pid in DIR/<pidname>; teardown stops
 * it, also when the test fails half way.
 */
static void spawn_rrdcached(const char *listen, const char *pidname)
{
	char rrd[128], pidf[128];
	pid_t pid;

	ck_assert_uint_lt(n_daemons, sizeof daemons / sizeof daemons[0]);
	snprintf(rrd, sizeof rrd, "%s/rrd", dir);
	snprintf(pidf, sizeof pidf, "%s/%s", dir, pidname);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);	/* the parent's check then reports rrdcached missing */
		execlp("rrdcached", "rrdcached", "-g", "-l", listen, "-p", pidf, "-b", rrd, "-B", "-j",
		       dir, "-F", (char *)NULL);
		_exit(127);
	}
	daemons[n_daemons++] = pid;
}

/* Waits (bounded, 4 s) until the store has written n samples; its figures in *s. */
static void wait_updates(struct store *st, uint64_t n, struct store_stats *s)
{
	for (int i = 0; i < 200; i++) {
		store_get_stats(st, s);
		if (s->updates == n)
			return;
		nap_ms(20);
	}
}

static void setup(void)
{
	char rrd[128];
	struct stat sb;

	tu_tmpdir(dir, sizeof dir, "rrdc");
	snprintf(rrd, sizeof rrd, "%s/rrd", dir);
	ck_assert_int_eq(mkdir(rrd, 0755), 0);
	snprintf(sock, sizeof sock, "%s/s", dir);
	snprintf(addr, sizeof addr, "unix:%s", sock);
	spawn_rrdcached(addr, "pid");
	for (int i = 0; i < 100 && stat(sock, &sb) != 0; i++)
		nap_ms(50);
	ck_assert_msg(stat(sock, &sb) == 0, "rrdcached did not start (is it installed?)");
	tu_cfg_dienste(&cfg, dienste, 1, 60000);
}

static void teardown(void)
{
	for (size_t i = 0; i < n_daemons; i++) {
		kill(daemons[i], SIGTERM);
		waitpid(daemons[i], NULL, 0);
	}
	n_daemons = 0;
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

static struct store_sample at(int minute)
{
	struct store_sample s = { .target = 0, .ts_ms = (T0 + 60 * minute) * 1000, .up = true,
				  .answered = true, .duration_s = 0.2, .http_status = 200 };
	return s;
}

/* Updates go through rrdcached; a stop flushes them; a read flushes first. */
START_TEST(updates_through_rrdcached_and_flush)
{
	char err[256];
	struct store *st = store_new2(&cfg, dir, 64, 64, addr, err, sizeof err);
	struct store_stats s;
	double ratio = 0;
	char path[128];

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (int m = 0; m < 30; m++) {
		struct store_sample x = at(m);
		ck_assert_int_eq(store_submit(st, &x), 0);
	}
	wait_updates(st, 30, &s);
	ck_assert_uint_eq(s.updates, 30);
	ck_assert(s.rrdcached && s.rrdcached_up);
	ck_assert_uint_eq(s.reconnects, 1);
	/* rrdcached holds the rows (it writes after 5 min): a read must flush first. */
	snprintf(path, sizeof path, "%s/rrd/a.rrd", dir);
	ck_assert_int_eq(history_set_rrdcached(addr, NULL), 0);
	ck_assert_int_eq(history_uptime(path, T0 + 60, T0 + 60 * 28, &ratio, NULL, err, sizeof err),
			 0);
	ck_assert_msg(ratio == 1.0, "uptime %f", ratio);
	history_set_rrdcached(NULL, NULL);
	store_stop(st);
	store_get_stats(st, &s);
	ck_assert_uint_eq(s.errors, 0);
	ck_assert_uint_eq(s.dropped, 0);
	store_free(st);
}
END_TEST

/*
 * rrdcached refuses an update (it holds a newer one): counted as an error,
 * not taken for a lost connection (no reconnect, no endless retry).
 */
START_TEST(refusal_is_a_file_error)
{
	char err[256], path[PATH_MAX], v[64];	/* realpath writes up to PATH_MAX */
	const char *argv[1] = { v };
	struct store *st = store_new2(&cfg, dir, 64, 64, addr, err, sizeof err);
	struct store_stats s;
	struct store_sample x = at(0);

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	ck_assert_int_eq(store_submit(st, &x), 0);
	wait_updates(st, 1, &s);
	ck_assert_uint_eq(s.updates, 1);
	/* Someone else writes minute 10 to the same file through the daemon. */
	ck_assert_ptr_nonnull(realpath(dir, path));
	strcat(path, "/rrd/a.rrd");
	snprintf(v, sizeof v, "%lld:1:0", (long long)(T0 + 600));
	ck_assert_int_eq(rrdc_connect(addr), 0);
	ck_assert_int_eq(rrdc_update(path, 1, argv), 0);
	x = at(5);	/* refused by rrdcached */
	ck_assert_int_eq(store_submit(st, &x), 0);
	x = at(7);	/* the file is read again: stale by our own check */
	ck_assert_int_eq(store_submit(st, &x), 0);
	x = at(11);	/* written */
	ck_assert_int_eq(store_submit(st, &x), 0);
	store_stop(st);
	store_get_stats(st, &s);
	ck_assert_uint_eq(s.errors, 1);
	ck_assert_uint_eq(s.stale, 1);
	ck_assert_uint_eq(s.updates, 2);
	ck_assert_uint_eq(s.reconnects, 1);
	store_free(st);
}
END_TEST

/* With no rrdcached to reach, a stop gives up after its bound and counts the samples. */
START_TEST(unreachable_daemon_bounded_stop)
{
	char err[256], bad[160];
	struct store *st;
	struct store_stats s;
	struct store_sample x = at(0);

	snprintf(bad, sizeof bad, "unix:%s/nothing-here", dir);
	st = store_new2(&cfg, dir, 64, 64, bad, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	ck_assert_int_eq(store_submit(st, &x), 0);
	x = at(1);
	ck_assert_int_eq(store_submit(st, &x), 0);
	nap_ms(300);
	store_get_stats(st, &s);
	ck_assert(!s.rrdcached_up);
	ck_assert_uint_eq(s.updates, 0);
	store_stop(st);		/* waits at most its bound (10 s) */
	store_get_stats(st, &s);
	ck_assert_uint_eq(s.updates, 0);
	ck_assert_uint_eq(s.dropped, 2);
	store_free(st);
}
END_TEST

/* A loopback TCP port that was free a moment ago (the kernel's choice). */
static int free_tcp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/*
 * Over TCP the daemon creates the files (paths relative to its -b folder) and
 * ozgmond never touches them; reads flush through the same address.
 */
START_TEST(tcp_daemon_creates_and_writes)
{
	char err[256], tcp[64], rrd[128], path[160];
	struct store *st;
	struct store_stats s;
	struct stat sb;
	double ratio = -1;
	int up = 0;

	snprintf(tcp, sizeof tcp, "127.0.0.1:%d", free_tcp_port());
	snprintf(rrd, sizeof rrd, "%s/rrd", dir);
	spawn_rrdcached(tcp, "pid-tcp");
	for (int i = 0; i < 100 && !up; i++) {
		up = rrdc_connect(tcp) == 0 && rrdc_is_connected(tcp);
		if (!up)
			nap_ms(50);
	}
	rrdc_disconnect();
	ck_assert_msg(up, "rrdcached on %s did not start", tcp);

	st = store_new2(&cfg, dir, 64, 64, tcp, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (int m = 0; m < 20; m++) {
		struct store_sample x = at(m);
		x.up = m % 2;
		ck_assert_int_eq(store_submit(st, &x), 0);
	}
	store_stop(st);
	store_get_stats(st, &s);
	ck_assert_uint_eq(s.updates, 20);
	ck_assert_uint_eq(s.created, 2);
	ck_assert_uint_eq(s.errors, 0);
	snprintf(path, sizeof path, "%s/a.perf.rrd", rrd);
	ck_assert_int_eq(stat(path, &sb), 0);
	snprintf(path, sizeof path, "%s/a.rrd", rrd);
	ck_assert_int_eq(history_set_rrdcached(tcp, rrd), 0);
	ck_assert_int_eq(history_uptime(path, T0 + 60, T0 + 60 * 18, &ratio, NULL, err, sizeof err),
			 0);
	ck_assert_msg(ratio > 0.4 && ratio < 0.6, "uptime %f", ratio);
	history_set_rrdcached(NULL, NULL);
	store_free(st);
	rrdc_disconnect();
}
END_TEST

static Suite *rrdc_suite(void)
{
	Suite *s = suite_create("store_rrdcached");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, updates_through_rrdcached_and_flush);
	tcase_add_test(tc, refusal_is_a_file_error);
	tcase_add_test(tc, unreachable_daemon_bounded_stop);
	tcase_add_test(tc, tcp_daemon_creates_and_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(rrdc_suite());
}
