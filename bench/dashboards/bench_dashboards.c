/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * bench_dashboards.c - times generating every dashboards page of a configuration
 * from an existing data directory.
 *
 * Usage: bench_dashboards CONFIG DATA_DIR OUT_DIR ROUNDS
 * Per round: the whole site with every graph (no time budget), then the pages
 * alone; the configuration load is timed in the same run as the reference.
 * Prints medians and maxima, the page count, the largest page and the total
 * size of the HTML.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config/config.h"
#include "dashboards/map.h"
#include "dashboards/site.h"
#include "rollout/task.h"
#include "store/store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of the process so far: the generator's share of a shared machine. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double maxof(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

int main(int argc, char **argv)
{
	struct cfg_errors errs = { 0 };
	struct cfg *cfg;
	struct store *store;
	struct rollout_task *rt;
	struct rollout_ref *ro = NULL;
	struct state_cfg *cref = NULL;
	struct state_pub pub;
	struct incidents *inc = NULL;
	struct geo geo = { 0 };
	struct incident_event *recent = calloc(200, sizeof *recent);
	struct incidents_view iv = { 0 };
	int n_recent = 0;
	struct dash_result res;
	char err[512];
	int rounds;
	double *full, *pages, *load, *full_cpu, t0, c0;

	if (argc != 5 || (rounds = atoi(argv[4])) < 1 || rounds > 1000) {
		fprintf(stderr, "usage: bench_dashboards CONFIG DATA_DIR OUT_DIR ROUNDS\n");
		return 2;
	}
	full = calloc((size_t)rounds, sizeof *full);
	pages = calloc((size_t)rounds, sizeof *pages);
	load = calloc((size_t)rounds, sizeof *load);
	full_cpu = calloc((size_t)rounds, sizeof *full_cpu);
	if (!full || !pages || !load || !full_cpu)
		return 1;
	for (int i = 0; i < rounds; i++) {
		t0 = now_s();
		cfg = cfg_load(argv[1], &errs);
		load[i] = now_s() - t0;
		if (!cfg) {
			fprintf(stderr, "%s: %zu errors\n", argv[1], errs.n);
			return 1;
		}
		cfg_free(cfg);
	}
	cfg = cfg_load(argv[1], &errs);
	store = cfg ? store_new(cfg, argv[2], 16, err, sizeof err) : NULL;
	cref = store ? state_cfg_new(cfg) : NULL;	/* owns cfg from here on */
	rt = cref ? rollout_task_start(cref, store, argv[2], 3600, err, sizeof err) : NULL;
	if (!rt) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	/* The incident journal the daemon wrote: totals and the latest incidents, as the daemon reads them. */
	state_pub_init(&pub);
	inc = incidents_start(cref, &pub, argv[2], err, sizeof err);
	if (!inc || !recent || incidents_view(inc, &iv) != 0) {
		fprintf(stderr, "incidents: %s\n", err);
		return 1;
	}
	/* The map geometry as the daemon loads it (registers.geo). */
	if (cfg->reg.geo && geo_load(&geo, cfg->reg.geo, err, sizeof err) != 0) {
		fprintf(stderr, "geo: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 600 && !(ro = rollout_task_acquire(rt)); i++) {
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < rounds; i++) {
		struct dash_input in = { .cfg = cfg, .store = store, .data_dir = argv[2], .ro = ro,
					 .L = dash_lang_get(cfg->global.language), .now = time(NULL),
					 .geo = geo.n ? &geo : NULL,
					 .graphs = true, .graph_budget_s = 0, .inc = &iv };
		t0 = now_s();
		c0 = cpu_s();
		n_recent = incidents_recent(inc, recent, 200, err, sizeof err);
		in.recent = recent;
		in.n_recent = n_recent > 0 ? (size_t)n_recent : 0;
		if (dash_generate(&in, argv[3], &res) != 0)
			fprintf(stderr, "round %d: %u errors, first: %s\n", i, res.errors, res.first_error);
		full[i] = now_s() - t0;
		full_cpu[i] = cpu_s() - c0;
		if (i == 0)
			printf("site: %u pages, %u graphs, %u files; largest page %zu bytes (%s); %d incidents shown\n",
			       res.pages, res.graphs, res.files, res.largest, res.largest_name, n_recent);
		in.graphs = false;
		t0 = now_s();
		dash_generate(&in, argv[3], &res);
		pages[i] = now_s() - t0;
	}
	printf("cfg_load (reference): median %.3f s, max %.3f s\n", median(load, rounds), maxof(load, rounds));
	printf("pages and graphs:     median %.3f s, max %.3f s, ratio to cfg_load %.1f\n",
	       median(full, rounds), maxof(full, rounds), median(full, rounds) / median(load, rounds));
	printf("pages and graphs, CPU time (user + system): median %.3f s, max %.3f s\n",
	       median(full_cpu, rounds), maxof(full_cpu, rounds));
	printf("pages alone:          median %.3f s, max %.3f s, ratio to cfg_load %.1f\n",
	       median(pages, rounds), maxof(pages, rounds), median(pages, rounds) / median(load, rounds));
	geo_free(&geo);
	rollout_ref_release(ro);
	rollout_task_stop(rt);
	incidents_view_free(&iv);
	incidents_stop(inc);
	state_pub_destroy(&pub);
	free(recent);
	store_free(store);
	state_cfg_release(cref);
	cfg_errors_free(&errs);
	free(full);
	free(full_cpu);
	free(pages);
	free(load);
	return 0;
}
