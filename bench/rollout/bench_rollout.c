/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * bench_rollout - how long recomputing every rollout aggregate takes.
 *
 * Usage: bench_rollout CONFIG [ROUNDS]
 * Loads CONFIG (registers, Onlinedienste, Angebote), then times ROUNDS
 * (default 50) full computations with a made-up availability per Dienst, and,
 * as the reference measured in the same run, ROUNDS loads of the
 * configuration itself (YAML + CSV registers).  Prints median and maximum of
 * both and their ratio.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/config.h"
#include "rollout/rollout.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct cfg_errors errs = { 0 };
	struct cfg *cfg;
	int rounds = argc > 2 ? atoi(argv[2]) : 50;
	double *t_roll, *t_load, *avail;
	struct rollout_params p;
	unsigned online = 0;

	if (argc < 2 || rounds < 1 || rounds > 10000) {
		fprintf(stderr, "usage: bench_rollout CONFIG [ROUNDS 1..10000]\n");
		return 2;
	}
	cfg = cfg_load(argv[1], &errs);
	cfg_errors_free(&errs);
	if (!cfg) {
		fprintf(stderr, "%s does not load\n", argv[1]);
		return 1;
	}
	t_roll = calloc((size_t)rounds, sizeof *t_roll);
	t_load = calloc((size_t)rounds, sizeof *t_load);
	avail = calloc(cfg->n_dienste + 1, sizeof *avail);
	if (!t_roll || !t_load || !avail)
		return 1;
	for (size_t d = 0; d < cfg->n_dienste; d++)
		avail[d] = d % 10 == 0 ? 0.9 : d % 17 == 0 ? NAN : 0.999;
	rollout_params_default(&p);
	for (int i = 0; i < rounds; i++) {
		double t0 = now_s();
		struct rollout *r = rollout_compute(cfg, avail, &p);
		t_roll[i] = now_s() - t0;
		if (!r)
			return 1;
		online = r->areas[0].online;
		rollout_free(r);
	}
	for (int i = 0; i < rounds; i++) {
		double t0 = now_s();
		struct cfg *c2 = cfg_load(argv[1], &errs);
		t_load[i] = now_s() - t0;
		cfg_errors_free(&errs);
		cfg_free(c2);
	}
	qsort(t_roll, (size_t)rounds, sizeof *t_roll, cmp_d);
	qsort(t_load, (size_t)rounds, sizeof *t_load, cmp_d);
	printf("config: %zu Gemeinden, %zu Leistungen, %zu Onlinedienste, %zu Angebote; Land online: %u\n",
	       cfg->reg.n_gemeinden, cfg->reg.n_leistungen, cfg->n_dienste, cfg->n_angebote, online);
	printf("rollout_compute: median %.3f ms, max %.3f ms over %d rounds\n",
	       t_roll[rounds / 2] * 1e3, t_roll[rounds - 1] * 1e3, rounds);
	printf("cfg_load (reference): median %.3f ms, max %.3f ms\n", t_load[rounds / 2] * 1e3,
	       t_load[rounds - 1] * 1e3);
	printf("ratio compute/load: %.3f\n", t_roll[rounds / 2] / t_load[rounds / 2]);
	free(t_roll);
	free(t_load);
	free(avail);
	cfg_free(cfg);
	return 0;
}
