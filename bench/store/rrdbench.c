/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * rrdbench - RRD update throughput for bench/store/run.sh.
 *
 *   rrdbench create DIR N               N targets of the default layout (60 s), <i>.rrd + <i>.perf.rrd
 *   rrdbench direct DIR N SECONDS       rrd_update_r round-robin over the N main files
 *   rrdbench cached ADDR DIR N SECONDS  the same through rrdcached (rrdc_update)
 *   rrdbench store ADDR DIR N RATE SECONDS
 *                                       ozgmon's store (writer thread, queue, spill) fed with RATE
 *                                       samples/s over N targets, through rrdcached at ADDR ("-":
 *                                       direct); reports the submit cost seen by the probe loop
 *
 * Timestamps advance one step (60 s) per round over all files, starting after
 * the last update of the first file, so every update is valid and runs can
 * follow each other on the same files.  Each mode stops after SECONDS.
 */
#include <math.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define T0 1790000000L
#define STEP 60

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void path_of(char *out, size_t outsz, const char *dir, long i, const char *suffix)
{
	snprintf(out, outsz, "%s/t%06ld%s", dir, i, suffix);
}

/* The first round after what the files hold (read from the first main file). */
static long first_round(const char *addr, const char *dir)
{
	char p[4096];
	time_t last;

	path_of(p, sizeof p, dir, 0, ".rrd");
	if (addr && strcmp(addr, "-") != 0)
		rrdc_flush_if_daemon(addr, p);
	last = rrd_last_r(p);
	rrd_clear_error();
	return last > T0 ? (long)((last - T0) / STEP) + 1 : 1;
}

static int create(const char *dir, long n)
{
	static const enum store_file_kind kinds[2] = { STORE_MAIN, STORE_PERF };
	static const char *const sfx[2] = { ".rrd", ".perf.rrd" };
	char args[16][STORE_ARG_LEN];
	const char *argv[16];
	char p[4096];

	for (int k = 0; k < 2; k++) {
		int argc = store_layout(kinds[k], STEP, NULL, 0, args, 16);
		for (int a = 0; a < argc; a++)
			argv[a] = args[a];
		for (long i = 0; i < n; i++) {
			path_of(p, sizeof p, dir, i, sfx[k]);
			rrd_clear_error();
			if (rrd_create_r2(p, STEP, T0 - 1, 0, NULL, NULL, argc, argv) != 0) {
				fprintf(stderr, "create %s: %s\n", p, rrd_get_error());
				return 1;
			}
		}
	}
	return 0;
}

/* Round-robin updates of the main files; direct or through rrdcached. */
static int updates(const char *addr, const char *dir, long n, double secs)
{
	char p[4096], v[64];
	const char *argv[1] = { v };
	long done = 0, errors = 0;
	double t0 = now_s(), el;

	if (addr && rrdc_connect(addr) != 0) {
		fprintf(stderr, "connect %s: %s\n", addr, rrd_get_error());
		return 1;
	}
	for (long r = first_round(addr, dir);; r++) {
		for (long i = 0; i < n; i++) {
			path_of(p, sizeof p, dir, i, ".rrd");
			snprintf(v, sizeof v, "%ld:%d:0", T0 + r * STEP, (int)((i + r) % 7 != 0));
			rrd_clear_error();
			if ((addr ? rrdc_update(p, 1, argv) : rrd_update_r(p, NULL, 1, argv)) != 0) {
				if (errors++ < 3)
					fprintf(stderr, "update %s: %s\n", p, rrd_get_error());
			}
			done++;
			if ((done & 255) == 0 && now_s() - t0 > secs)
				goto out;
		}
	}
out:
	el = now_s() - t0;
	printf("updates=%ld seconds=%.2f rate=%.0f errors=%ld\n", done, el, (double)done / el,
	       errors);
	if (addr) {
		/* End to end: until rrdcached has written every file (FLUSH waits for it). */
		double f0 = now_s(), fl;
		long files = done < n ? done : n;
		for (long i = 0; i < files; i++) {
			path_of(p, sizeof p, dir, i, ".rrd");
			if (rrdc_flush(p) != 0)
				errors++;
		}
		fl = now_s() - f0;
		printf("flush of %ld files=%.2f s; end to end rate=%.0f updates/s\n", files, fl,
		       (double)done / (el + fl));
		rrdc_disconnect();
	}
	return errors ? 1 : 0;
}

/*
 * The store under a paced load: RATE samples/s (two file updates each) over
 * n targets for secs seconds, then a stop that writes everything.
 */
static int store_load(const char *addr, const char *dir, long n, double rate, double secs)
{
	struct cfg cfg;
	struct cfg_dienst *d = calloc((size_t)n, sizeof *d);
	char (*ids)[24] = calloc((size_t)n, sizeof *ids);
	char err[256];
	struct store *st;
	struct store_stats s;
	double t0, max_submit = 0, sum_submit = 0, el_submit, el_total;
	size_t max_q = 0;
	long sent = 0, refused = 0, r0;

	if (!d || !ids)
		return 1;
	memset(&cfg, 0, sizeof cfg);
	for (long i = 0; i < n; i++) {
		snprintf(ids[i], sizeof ids[i], "t%06ld", i);
		d[i].id = ids[i];
		d[i].interval_ms = STEP * 1000;
	}
	cfg.dienste = d;
	cfg.n_dienste = (size_t)n;
	/* The store puts files under <data_dir>/rrd: DIR is expected to end in /rrd. */
	{
		char base[4096];
		size_t l = strlen(dir);
		if (l < 4 || strcmp(dir + l - 4, "/rrd") != 0) {
			fprintf(stderr, "store mode: DIR must end in /rrd\n");
			return 1;
		}
		memcpy(base, dir, l - 4);
		base[l - 4] = '\0';
		st = store_new2(&cfg, base, 65536, 262144, strcmp(addr, "-") ? addr : NULL, err,
				sizeof err);
	}
	if (!st || store_start(st, err, sizeof err) != 0) {
		fprintf(stderr, "store: %s\n", err);
		return 1;
	}
	r0 = first_round(addr, dir);
	t0 = now_s();
	for (long k = 0;; k++) {
		/* Sample k is due at t0 + k / rate: as a paced probe loop would hand them over. */
		double due = t0 + (double)k / rate, a, b;
		long r = r0 + k / n, i = k % n;
		struct store_sample smp = { .target = (uint32_t)i, .ts_ms = (T0 + r * STEP) * 1000,
					    .up = (i + r) % 7 != 0, .answered = true,
					    .duration_s = 0.1, .http_status = 200 };
		if (due - t0 > secs)
			break;
		while ((a = now_s()) < due) {
			struct timespec ns = { 0, 100000 };
			nanosleep(&ns, NULL);
		}
		refused += store_submit(st, &smp) != 0;
		b = now_s();
		sum_submit += b - a;
		if (b - a > max_submit)
			max_submit = b - a;
		sent++;
		if ((k & 1023) == 0) {
			store_get_stats(st, &s);
			if (s.queue_len + s.spill_len > max_q)
				max_q = s.queue_len + s.spill_len;
		}
	}
	el_submit = now_s() - t0;
	store_get_stats(st, &s);
	printf("store: submitted=%ld in %.2f s (%.0f/s); backlog at end of load=%zu, max=%zu; "
	       "submit mean=%.1f us max=%.1f us; refused=%ld\n",
	       sent, el_submit, (double)sent / el_submit, s.queue_len + s.spill_len, max_q,
	       sum_submit / (double)sent * 1e6, max_submit * 1e6, refused);
	/* Until the writer has handed everything over (bounded: 10 minutes). */
	for (;;) {
		struct timespec ns = { 0, 1000000 };
		store_get_stats(st, &s);
		if ((s.queue_len == 0 && s.spill_len == 0) || now_s() - t0 > secs + 600)
			break;
		nanosleep(&ns, NULL);
	}
	el_total = now_s() - t0;
	printf("store: %llu samples (%llu file updates) written in %.2f s after the load "
	       "began: %.0f file updates/s\n",
	       (unsigned long long)s.updates, (unsigned long long)(2 * s.updates), el_total,
	       2.0 * (double)s.updates / el_total);
	store_stop(st);
	store_get_stats(st, &s);
	printf("store: stop (incl. rrdcached flush of every file) took %.2f s; written=%llu "
	       "dropped=%llu errors=%llu\n",
	       now_s() - t0 - el_total, (unsigned long long)s.updates,
	       (unsigned long long)s.dropped, (unsigned long long)s.errors);
	store_free(st);
	free(d);
	free(ids);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "create") == 0)
		return create(argv[2], atol(argv[3]));
	if (argc == 5 && strcmp(argv[1], "direct") == 0)
		return updates(NULL, argv[2], atol(argv[3]), atof(argv[4]));
	if (argc == 6 && strcmp(argv[1], "cached") == 0)
		return updates(argv[2], argv[3], atol(argv[4]), atof(argv[5]));
	if (argc == 7 && strcmp(argv[1], "store") == 0)
		return store_load(argv[2], argv[3], atol(argv[4]), atof(argv[5]), atof(argv[6]));
	fprintf(stderr, "usage: see the comment at the top of bench/store/rrdbench.c\n");
	return 2;
}
