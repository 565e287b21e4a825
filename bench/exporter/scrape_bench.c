/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * scrape_bench.c - serves /metrics for a synthetic snapshot of N targets
 * through the real exporter (exporter/http.c, exporter/prom.c), while a
 * stand-in for the probe loop publishes a fresh snapshot every 200 ms and
 * wakes every 10 ms, recording how late each wake-up and publication was.
 *
 *   scrape_bench LISTEN TARGETS SECONDS
 *
 * Runs for SECONDS (bounded), then prints one line:
 *   series=S bytes=B render_ms=R lag_p50_ms=.. lag_p99_ms=.. lag_max_ms=.. publish_max_ms=..
 * render_ms is one in-process render of the exposition (no HTTP).  The lag
 * figures cover the whole run; bench.sh runs it once idle and once under
 * scrapes to compare them.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter/http.h"
#include "exporter/prom.h"

#define TICK_MS 10
#define PUBLISH_EVERY 20	/* ticks: 200 ms, as the collector */
#define SERIES_PER_TARGET 5	/* info, success, duration, status, last timestamp */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct cfg cfg;
	struct state_pub pub;
	struct state_cfg cref;
	struct http_server *h;
	struct http_deps deps = { 0 };
	struct target_state *cur;
	size_t n, nlag = 0, cap;
	double *lag, pub_max = 0, t0, render_ms;
	struct prom_self self = { .ready = true, .reload_ok = true };
	struct buf b;
	long secs;
	char err[256];

	if (argc != 4) {
		fprintf(stderr, "usage: scrape_bench LISTEN TARGETS SECONDS\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	secs = strtol(argv[3], NULL, 10);
	if (n == 0 || n > 1000000 || secs <= 0 || secs > 600) {
		fprintf(stderr, "scrape_bench: TARGETS 1..1000000, SECONDS 1..600\n");
		return 2;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.dienste = calloc(n, sizeof *cfg.dienste);
	cur = calloc(n, sizeof *cur);
	cap = (size_t)secs * 1000 / TICK_MS + 16;
	lag = calloc(cap, sizeof *lag);
	if (!cfg.dienste || !cur || !lag)
		return 1;
	cfg.n_dienste = n;
	cfg.global.language = (char *)(uintptr_t)"de";
	for (size_t i = 0; i < n; i++) {
		char id[64], name[96];
		/* ids and names shaped like the demo's: a Verband key and a service */
		snprintf(id, sizeof id, "v16%07zu-wohnsitz", i);
		snprintf(name, sizeof name, "Wohnsitz anmelden (Verwaltungsgemeinschaft %zu)", i);
		cfg.dienste[i].id = strdup(id);
		cfg.dienste[i].name = strdup(name);
		cfg.dienste[i].provider = strdup(i % 7 ? "Mühlhausen/Thüringen" : "Landkreis \"Gotha\"");
		cfg.dienste[i].url = strdup("http://portal.example.de/");
		cfg.dienste[i].efa = i % 3 == 0;
		cur[i] = (struct target_state){ .probed = true, .success = i % 13 != 0,
						.duration_s = 0.05 + (double)(i % 1000) / 1000.0,
						.http_status = i % 13 ? 200 : 503,
						.last_ms = 1795000000000 + (int64_t)i, .probes = 10 };
	}
	state_pub_init(&pub);
	/*
	 * Snapshots carry a reference to their configuration as in ozgmond, so
	 * the exporter keeps the configuration's families rendered.  The
	 * bench's own reference is never dropped: cfg is not cfg_load's.
	 */
	atomic_init(&cref.refs, 1);
	cref.cfg = &cfg;
	state_pub_set_cfg(&pub, &cref);
	{
		struct snapshot *s = snapshot_new(&cfg);
		memcpy(s->t, cur, n * sizeof *cur);
		state_publish(&pub, s);
	}
	atomic_store(&pub.first_round_done, true);

	/* One render in-process: size and pure rendering cost. */
	buf_init(&b, 1u << 30);
	{
		struct snapshot *s = state_acquire(&pub);
		t0 = now_ms();
		prom_render(&b, s, &self);
		render_ms = now_ms() - t0;
		snapshot_release(s);
	}

	deps.pub = &pub;
	deps.start_time_s = 1795000000;
	h = http_start(argv[1], &deps, err, sizeof err);
	if (!h) {
		fprintf(stderr, "scrape_bench: %s\n", err);
		return 1;
	}
	fprintf(stderr, "scrape_bench: serving %zu targets on %s for %ld s\n", n, argv[1], secs);

	/* The probe-loop stand-in: absolute 10 ms ticks; a publication every 200 ms. */
	{
		struct timespec next;
		double start = now_ms();
		unsigned tick = 0;

		clock_gettime(CLOCK_MONOTONIC, &next);
		while (now_ms() - start < (double)secs * 1000 && nlag < cap) {
			double due, woke;
			next.tv_nsec += TICK_MS * 1000000L;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			due = (double)next.tv_sec * 1e3 + (double)next.tv_nsec / 1e6;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
			woke = now_ms();
			lag[nlag++] = woke - due;
			if (++tick % PUBLISH_EVERY == 0) {
				struct snapshot *s = snapshot_new(&cfg);
				double p0 = now_ms(), pd;
				if (!s)
					continue;
				cur[tick % n].probes++;
				memcpy(s->t, cur, n * sizeof *cur);
				state_publish(&pub, s);
				pd = now_ms() - p0;
				if (pd > pub_max)
					pub_max = pd;
			}
		}
	}
	http_stop(h);
	qsort(lag, nlag, sizeof *lag, cmp_d);
	printf("series=%zu bytes=%zu render_ms=%.1f lag_p50_ms=%.2f lag_p99_ms=%.2f lag_max_ms=%.2f "
	       "publish_max_ms=%.2f\n", n * SERIES_PER_TARGET, b.len, render_ms, lag[nlag / 2],
	       lag[(nlag * 99) / 100], lag[nlag - 1], pub_max);
	buf_free(&b);
	state_pub_destroy(&pub);
	for (size_t i = 0; i < n; i++) {
		free(cfg.dienste[i].id);
		free(cfg.dienste[i].name);
		free(cfg.dienste[i].provider);
		free(cfg.dienste[i].url);
	}
	free(cfg.dienste);
	free(cur);
	free(lag);
	return 0;
}
