/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * collbench.c - ozgmond's collector, measured from inside its own process.
 *
 *   collbench CONFIG WARMUP_S MEASURE_S
 *
 * Loads CONFIG exactly as ozgmond does and runs the real collector (the
 * same thread, curl multi loop, schedule, classification and snapshot
 * publication) with a store that is never started: samples are handed over
 * with store_submit() as in the daemon and then dropped, so no RRD file is
 * written (a 1 s step RRD is 4 MB; 100,000 of them would not fit the disk).
 * After WARMUP_S seconds it measures for MEASURE_S seconds and prints one
 * line of key=value pairs: probes finished per second, CPU milliseconds per
 * probe (utime+stime of this process, all threads), RSS, the schedule-lag
 * p99 upper bound from the histogram's buckets and the results seen.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "common/log.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of this process in seconds (/proc/self/stat fields 14, 15). */
static double cpu_s(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[4096], *p;
	unsigned long ut = 0, st = 0;
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	struct cfg_errors errs = { 0 };
	struct cfg *cfg;
	struct store *st;
	struct state_pub pub;
	struct collector *c;
	struct snapshot *a, *b;
	char err[256], dir[] = "/tmp/collbench.XXXXXX";
	double t0, t1, c0, c1, warm, meas;
	uint64_t fin, cum = 0, lag_total = 0, lag_d[STATE_LAG_BUCKETS + 1];
	double p99 = -1;
	long rss_max = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: collbench CONFIG WARMUP_S MEASURE_S\n");
		return 2;
	}
	warm = atof(argv[2]);
	meas = atof(argv[3]);
	log_init("collbench", LOG_LVL_ERROR);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	cfg = cfg_load(argv[1], &errs);
	if (!cfg) {
		char line[1024];
		for (size_t i = 0; i < errs.n && i < 5; i++) {
			cfg_error_format(&errs.v[i], line, sizeof line);
			fprintf(stderr, "%s\n", line);
		}
		cfg_errors_free(&errs);
		return 1;
	}
	if (!mkdtemp(dir) || !(st = store_new(cfg, dir, 1, err, sizeof err))) {
		fprintf(stderr, "store: %s\n", err);
		return 1;
	}
	state_pub_init(&pub);
	c = collector_new(cfg, st, &pub, err, sizeof err);
	if (!c || collector_start(c, err, sizeof err) != 0) {
		fprintf(stderr, "collector: %s\n", err);
		return 1;
	}
	sleep_s(warm);
	a = state_acquire(&pub);
	t0 = now_s();
	c0 = cpu_s();
	for (double left = meas; left > 0; left -= 1) {
		long r;
		sleep_s(left < 1 ? left : 1);
		if ((r = rss_kb()) > rss_max)
			rss_max = r;
	}
	b = state_acquire(&pub);
	t1 = now_s();
	c1 = cpu_s();
	if (!a || !b) {
		fprintf(stderr, "no snapshot published\n");
		return 1;
	}
	fin = b->stats.finished - a->stats.finished;
	for (int i = 0; i <= STATE_LAG_BUCKETS; i++) {
		lag_d[i] = b->stats.lag_bucket[i] - a->stats.lag_bucket[i];
		lag_total += lag_d[i];
	}
	for (int i = 0; i <= STATE_LAG_BUCKETS && lag_total; i++) {
		cum += lag_d[i];
		if (cum * 100 >= lag_total * 99) {
			p99 = i < STATE_LAG_BUCKETS ? state_lag_bounds[i] : 1e9;
			break;
		}
	}
	printf("targets=%zu probes_per_s=%.0f cpu_ms_per_probe=%.4f cpu_util=%.2f rss_mb=%.1f "
	       "lag_p99_le_s=%g skipped=%llu",
	       cfg->n_dienste, (double)fin / (t1 - t0), fin ? (c1 - c0) * 1000.0 / (double)fin : 0,
	       (c1 - c0) / (t1 - t0), (double)rss_max / 1024.0, p99,
	       (unsigned long long)(b->stats.skipped - a->stats.skipped));
	for (int r = 0; r < PROBE_RESULT_COUNT; r++) {
		uint64_t d = b->stats.results[r] - a->stats.results[r];
		if (d)
			printf(" %s=%llu", probe_result_name((enum probe_result)r), (unsigned long long)d);
	}
	printf("\n");
	snapshot_release(a);
	snapshot_release(b);
	collector_free(c);
	store_free(st);
	state_pub_destroy(&pub);
	cfg_free(cfg);
	rmdir(dir);	/* store_new made DIR/rrd: */
	{
		char sub[64];
		snprintf(sub, sizeof sub, "%s/rrd", dir);
		rmdir(sub);
		rmdir(dir);
	}
	return 0;
}
