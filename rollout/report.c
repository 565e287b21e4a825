/* SPDX-License-Identifier: EUPL-1.2 */
/* report.c - see report.h. */
#include "rollout/report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "rollout/rollout.h"
#include "store/history.h"
#include "store/store.h"

int report_month_range(const char *month, time_t *start, time_t *end)
{
	struct tm a = { 0 }, b = { 0 };
	int y, m;
	char tail;

	if (sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || strlen(month) != 7 || y < 1970 ||
	    y > 9999 || m < 1 || m > 12)
		return -1;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	a.tm_year = y - 1900;
	a.tm_mon = m - 1;
	a.tm_mday = 1;
	a.tm_isdst = -1;
	b = a;
	b.tm_mon += 1;	/* mktime normalises December + 1 */
	*start = mktime(&a);
	*end = mktime(&b);
	return *start == (time_t)-1 || *end == (time_t)-1 ? -1 : 0;
}

/* One Onlinedienst's row. */
struct row {
	const struct cfg_dienst *d;
	struct buf offers;	/* "10124:3 10160:2" (OZG-ID:Reifegrad) */
	double uptime, known_s;
	double mean_s, p95_s, latency_s;	/* response times, and the time they cover */
};

struct lat_sample {
	double v, w;	/* row average and row length (s) */
};

struct lat_acc {
	struct lat_sample *s;
	size_t n, cap;
	double sum, weight;
	int ds;		/* -2: not looked up yet */
};

static int cmp_lat(const void *a, const void *b)
{
	double x = ((const struct lat_sample *)a)->v, y = ((const struct lat_sample *)b)->v;
	return (x > y) - (x < y);
}

static void lat_row(const struct history *h, size_t r, void *ctx)
{
	struct lat_acc *a = ctx;
	double x;

	if (a->ds == -2)
		a->ds = history_ds(h, "duration");
	if (a->ds < 0 || a->n == a->cap)
		return;
	x = h->v[r * h->n_ds + (size_t)a->ds];
	if (isnan(x))
		return;
	a->s[a->n].v = x;
	a->s[a->n++].w = (double)h->step;
	a->sum += x * (double)h->step;
	a->weight += (double)h->step;
}

/*
 * Mean and 95th percentile of the month's response times, over the known
 * `duration` rows weighted by their length (rows of a minute and of an hour
 * mix where the fine archive ends).  A row holds an average, so spikes
 * shorter than a row are smoothed.
 */
static void latency(const char *path, time_t start, time_t end, double *mean, double *p95,
		    double *covered_s)
{
	struct lat_acc a = { .cap = 2 * HISTORY_MAX_ROWS, .ds = -2 };
	char err[256];

	*mean = *p95 = NAN;
	*covered_s = 0;
	a.s = malloc(a.cap * sizeof *a.s);
	if (!a.s)
		return;
	if (history_rows(path, start, end, lat_row, &a, err, sizeof err) == 0 && a.n > 0) {
		double cum = 0;
		qsort(a.s, a.n, sizeof *a.s, cmp_lat);
		*mean = a.sum / a.weight;
		*covered_s = a.weight;
		for (size_t i = 0; i < a.n; i++) {
			cum += a.s[i].w;
			if (cum >= 0.95 * a.weight - 1e-9) {
				*p95 = a.s[i].v;
				break;
			}
		}
	}
	free(a.s);
}

/* v with `prec` decimals, or empty when unknown. */
static void fmt_num(char *out, size_t n, double v, int prec)
{
	if (isnan(v))
		out[0] = '\0';
	else
		snprintf(out, n, "%.*f", prec, v);
}

/* A CSV field: quoted, quotes doubled, and a leading =+-@ defused for spreadsheets. */
static void csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int write_csv(FILE *out, const char *month, const char *subject, struct row *rows, size_t n)
{
	fputs("month,subject,dienst,name,provider,leistungen,availability,measured_hours,"
	      "downtime_minutes,latency_mean_seconds,latency_p95_seconds,latency_measured_hours\n", out);
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		char av[32], hrs[32], down[32], mean[32], p95[32], lhrs[32];

		fmt_num(av, sizeof av, r->uptime, 5);
		fmt_num(hrs, sizeof hrs, r->known_s / 3600.0, 2);
		fmt_num(down, sizeof down, isnan(r->uptime) ? NAN : (1 - r->uptime) * r->known_s / 60.0, 1);
		fmt_num(mean, sizeof mean, r->mean_s, 4);
		fmt_num(p95, sizeof p95, r->p95_s, 4);
		fmt_num(lhrs, sizeof lhrs, r->latency_s / 3600.0, 2);
		fprintf(out, "%s,%s,", month, subject);
		csv_field(out, r->d->id);
		fputc(',', out);
		csv_field(out, r->d->name);
		fputc(',', out);
		csv_field(out, r->d->provider);
		fputc(',', out);
		csv_field(out, r->offers.data ? r->offers.data : "");
		fprintf(out, ",%s,%s,%s,%s,%s,%s\n", av, hrs, down, mean, p95, lhrs);
	}
	return ferror(out) ? -1 : 0;
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static int write_json(FILE *out, const char *month, const char *subject_kind, const char *subject,
		      const char *subject_name, struct row *rows, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	int rc;

	json_object_set_new(root, "month", json_string(month));
	json_object_set_new(root, "timezone", json_string("Europe/Berlin"));
	json_object_set_new(root, subject_kind, json_string(subject));
	if (subject_name)
		json_object_set_new(root, "name", json_string(subject_name));
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "dienst", json_string(r->d->id));
		json_object_set_new(o, "name", json_string(r->d->name));
		json_object_set_new(o, "provider", json_string(r->d->provider));
		json_object_set_new(o, "leistungen", json_string(r->offers.data ? r->offers.data : ""));
		json_object_set_new(o, "availability", jnum(r->uptime));
		json_object_set_new(o, "measured_seconds", json_real(r->known_s));
		json_object_set_new(o, "downtime_seconds",
				    jnum(isnan(r->uptime) ? NAN : (1 - r->uptime) * r->known_s));
		json_object_set_new(o, "latency_mean_seconds", jnum(r->mean_s));
		json_object_set_new(o, "latency_p95_seconds", jnum(r->p95_s));
		json_object_set_new(o, "latency_measured_seconds", json_real(r->latency_s));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "dienste", arr);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
	fputc('\n', out);
	json_decref(root);
	return rc != 0 || ferror(out) ? -1 : 0;
}

int report_write(const struct cfg *cfg, const struct report_request *rq, FILE *out, char *err,
		 size_t errsz)
{
	const struct reg_gemeinde *g = NULL;
	const struct cfg_dienst *only = NULL;
	struct row *rows;
	size_t n = 0;
	time_t start, end, now = time(NULL);
	int rc;

	if (report_month_range(rq->month, &start, &end) != 0) {
		snprintf(err, errsz, "month '%s': expected YYYY-MM", rq->month);
		return -1;
	}
	if (end > now)
		end = now;	/* the running month: up to now */
	if (rq->gemeinde && !(g = reg_find_gemeinde(&cfg->reg, rq->gemeinde))) {
		snprintf(err, errsz, "no Gemeinde '%s' in the registers", rq->gemeinde);
		return -1;
	}
	if (rq->dienst && !(only = cfg_find_dienst(cfg, rq->dienst))) {
		snprintf(err, errsz, "no Onlinedienst '%s' in the configuration", rq->dienst);
		return -1;
	}
	if (!g == !only) {
		snprintf(err, errsz, "name exactly one of --gemeinde and --dienst");
		return -1;
	}
	rows = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *rows);
	if (!rows) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t d = 0; d < cfg->n_dienste; d++) {
		const struct cfg_dienst *dn = &cfg->dienste[d];
		struct row *r = &rows[n];
		char path[4096];
		char e2[256];

		if (only && dn != only)
			continue;
		buf_init(&r->offers, 64 * 1024);
		for (size_t i = 0; i < cfg->n_angebote; i++) {
			const struct cfg_angebot *a = &cfg->angebote[i];
			if (a->dienst != d ||
			    (g && !rollout_area_contains(&cfg->reg, a->level, a->area, AREA_GEMEINDE,
							 g->ags)))
				continue;
			buf_printf(&r->offers, "%s%s:%d", r->offers.len ? " " : "", a->ozg_id, a->reifegrad);
		}
		if (g && r->offers.len == 0) {
			buf_free(&r->offers);
			continue;	/* does not serve this Gemeinde */
		}
		r->d = dn;
		store_file_path(rq->data_dir, dn->id, STORE_MAIN, path, sizeof path);
		if (history_uptime(path, start, end, &r->uptime, &r->known_s, e2, sizeof e2) != 0) {
			r->uptime = NAN;
			r->known_s = 0;
		}
		store_file_path(rq->data_dir, dn->id, STORE_PERF, path, sizeof path);
		latency(path, start, end, &r->mean_s, &r->p95_s, &r->latency_s);
		n++;
	}
	if (rq->format == REPORT_JSON)
		rc = write_json(out, rq->month, g ? "gemeinde" : "dienst", g ? g->ags : only->id,
				g ? g->name : only->name, rows, n);
	else
		rc = write_csv(out, rq->month, g ? g->ags : only->id, rows, n);
	for (size_t i = 0; i < n; i++)
		buf_free(&rows[i].offers);
	free(rows);
	if (rc != 0)
		snprintf(err, errsz, "cannot write the report");
	return rc;
}
