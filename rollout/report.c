/* SPDX-License-Identifier: EUPL-1.2 */
/* report.c - see report.h. */
#include "rollout/report.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/clock.h"
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

/* One Leistung an Onlinedienst offers to the subject, at its highest Reifegrad there. */
struct offer {
	const struct reg_leistung *l;	/* NULL when the catalogue lacks the OZG-ID */
	char ozg_id[6];
	int reifegrad;
};

/* One Onlinedienst's row. */
struct row {
	const struct cfg_dienst *d;
	size_t index;		/* in cfg->dienste */
	struct offer *offers;
	size_t n_offers;
	double uptime, known_s;
	double mean_s, p95_s, latency_s;	/* response times, and the time they cover */
};

/* One incident of the month, from the journal. */
struct incident {
	size_t row;
	int64_t start_ms, end_ms;	/* end 0: still open */
	char reason[32];
	int http_status;
	uint64_t id;
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

/*
 * The Leistungen of a row as text: "Wohnsitzmeldungen (10124, Reifegrad 3);
 * ..." (a CSV field, quoted and defused, unless raw).
 */
static void offers_text(FILE *out, const struct row *r, bool raw)
{
	struct buf b;

	buf_init(&b, 256 * 1024);
	for (size_t i = 0; i < r->n_offers; i++) {
		const struct offer *o = &r->offers[i];
		buf_printf(&b, "%s%s (%s, Reifegrad %d)", i ? "; " : "", o->l ? o->l->name : o->ozg_id,
			   o->ozg_id, o->reifegrad);
	}
	if (raw)
		fputs(b.data ? b.data : "", out);
	else
		csv_field(out, b.data ? b.data : "");
	buf_free(&b);
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
		offers_text(out, r, false);
		fprintf(out, ",%s,%s,%s,%s,%s,%s\n", av, hrs, down, mean, p95, lhrs);
	}
	return ferror(out) ? -1 : 0;
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static void iso_ms(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_json(FILE *out, const struct report_request *rq, const char *subject_kind,
		      const char *subject, const char *subject_name, struct row *rows, size_t n,
		      const struct incident *inc, size_t n_inc, double sla)
{
	json_t *root = json_object(), *arr = json_array(), *ia = json_array();
	int rc;

	json_object_set_new(root, "month", json_string(rq->month));
	json_object_set_new(root, "timezone", json_string("Europe/Berlin"));
	json_object_set_new(root, subject_kind, json_string(subject));
	if (subject_name)
		json_object_set_new(root, "name", json_string(subject_name));
	json_object_set_new(root, "sla_target", json_real(sla));
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		json_t *o = json_object(), *la = json_array();
		for (size_t k = 0; k < r->n_offers; k++) {
			const struct offer *of = &r->offers[k];
			json_array_append_new(la, json_pack("{s:s, s:s, s:i}", "ozg_id", of->ozg_id,
							     "name", of->l ? of->l->name : "",
							     "reifegrad", of->reifegrad));
		}
		json_object_set_new(o, "dienst", json_string(r->d->id));
		json_object_set_new(o, "name", json_string(r->d->name));
		json_object_set_new(o, "provider", json_string(r->d->provider));
		json_object_set_new(o, "leistungen", la);
		json_object_set_new(o, "availability", jnum(r->uptime));
		json_object_set_new(o, "sla_met", isnan(r->uptime) ? json_null()
								  : json_boolean(r->uptime >= sla));
		json_object_set_new(o, "measured_seconds", json_real(r->known_s));
		json_object_set_new(o, "downtime_seconds",
				    jnum(isnan(r->uptime) ? NAN : (1 - r->uptime) * r->known_s));
		json_object_set_new(o, "latency_mean_seconds", jnum(r->mean_s));
		json_object_set_new(o, "latency_p95_seconds", jnum(r->p95_s));
		json_object_set_new(o, "latency_measured_seconds", json_real(r->latency_s));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "dienste", arr);
	for (size_t i = 0; i < n_inc; i++) {
		const struct incident *x = &inc[i];
		char a[32], b[32];
		json_t *o;

		iso_ms(x->start_ms, a, sizeof a);
		iso_ms(x->end_ms, b, sizeof b);
		o = json_pack("{s:s, s:I, s:s, s:s, s:i}", "dienst", rows[x->row].d->id,
			      "id", (json_int_t)x->id, "start", a, "reason", x->reason,
			      "http_status", x->http_status);
		json_object_set_new(o, "end", x->end_ms ? json_string(b) : json_null());
		json_array_append_new(ia, o);
	}
	json_object_set_new(root, "incidents", ia);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
	fputc('\n', out);
	json_decref(root);
	return rc != 0 || ferror(out) ? -1 : 0;
}

/* ---- the incident journal ------------------------------------------------- */

#define REPORT_MAX_INCIDENTS 10000u
#define REPORT_JOURNAL_LINE 65536u

static int cmp_incident(const void *a, const void *b)
{
	const struct incident *x = a, *y = b;
	return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

/* The row of Dienst `id`, or -1. */
static long row_of(const struct row *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].d->id, id) == 0)
			return (long)i;
	return -1;
}

/*
 * The incidents of the rows' Dienste that overlap [from_ms, to_ms), from the
 * journal (missing: none).  Lines that are not journal entries are skipped,
 * as the daemon skips them.  Returns the number found (at most
 * REPORT_MAX_INCIDENTS, sorted by start) into *out (owned), or -1.
 */
static long read_incidents(const char *data_dir, const struct row *rows, size_t n, int64_t from_ms,
			   int64_t to_ms, struct incident **out)
{
	char path[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, count = 0, kept = 0;
	ssize_t len;
	struct incident *v = calloc(REPORT_MAX_INCIDENTS, sizeof *v);

	*out = v;
	if (!v)
		return -1;
	if (snprintf(path, sizeof path, "%s/incidents.jsonl", data_dir) >= (int)sizeof path)
		return -1;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_t *o;
		const char *ev = NULL, *dienst = NULL, *reason = NULL;
		json_int_t id = 0, at = 0, status = 0;
		long r;

		if ((size_t)len > REPORT_JOURNAL_LINE)
			continue;
		o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		if (json_unpack(o, "{s:s, s:I, s:s, s:I, s?:s, s?:I}", "event", &ev, "id", &id, "dienst",
				&dienst, "at_ms", &at, "reason", &reason, "http_status", &status) == 0 &&
		    (r = row_of(rows, n, dienst)) >= 0) {
			if (strcmp(ev, "open") == 0 && count < REPORT_MAX_INCIDENTS) {
				struct incident *x = &v[count++];
				x->row = (size_t)r;
				x->id = (uint64_t)id;
				x->start_ms = at;
				x->http_status = (int)status;
				snprintf(x->reason, sizeof x->reason, "%s", reason ? reason : "");
			} else if (strcmp(ev, "close") == 0) {
				for (size_t i = count; i-- > 0;)
					if (v[i].id == (uint64_t)id && v[i].row == (size_t)r && !v[i].end_ms) {
						v[i].end_ms = at > v[i].start_ms ? at : v[i].start_ms + 1;
						break;
					}
			}
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < count; i++)
		if (v[i].start_ms < to_ms && (v[i].end_ms == 0 || v[i].end_ms > from_ms))
			v[kept++] = v[i];
	qsort(v, kept, sizeof *v, cmp_incident);
	return (long)kept;
}

/* ---- HTML ------------------------------------------------------------------ */

static void html_esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A number with a decimal comma: "99,60". */
static void de_num(FILE *out, double v, int prec)
{
	char b[64];

	snprintf(b, sizeof b, "%.*f", prec, v);
	for (char *p = b; *p; p++)
		if (*p == '.')
			*p = ',';
	fputs(b, out);
}

/* A duration in German: "3 h 05 min", "12 min", "45 s". */
static void de_duration(FILE *out, double s)
{
	long sec = lround(s);

	if (sec < 60)
		fprintf(out, "%ld s", sec);
	else if (sec < 3600)
		fprintf(out, "%ld min", sec / 60);
	else if (sec < 86400)
		fprintf(out, "%ld h %02ld min", sec / 3600, sec % 3600 / 60);
	else
		fprintf(out, "%ld d %ld h", sec / 86400, sec % 86400 / 3600);
}

/* Date and time in the configured zone, labelled: "10.10.2026, 10:00 Uhr MESZ". */
static void de_stamp(char *b, size_t n, time_t t)
{
	struct tm tm;
	size_t k;

	if (!clock_local(t, &tm)) {
		snprintf(b, n, "–");
		return;
	}
	k = strftime(b, n, "%d.%m.%Y, %H:%M Uhr ", &tm);
	snprintf(b + k, n - k, "%s", clock_abbrev(&tm, true));
}

static void de_time(FILE *out, int64_t ms)
{
	char b[64];

	de_stamp(b, sizeof b, (time_t)(ms / 1000));
	fputs(b, out);
}

static const char *cause_de(const char *reason)
{
	static const char *const map[][2] = {
		{ "timeout", "Zeitüberschreitung: keine Antwort in der gesetzten Zeit" },
		{ "dns", "Name nicht auflösbar (DNS)" },
		{ "connect", "keine Verbindung zum Server" },
		{ "tls", "TLS-Verbindung gescheitert" },
		{ "cert_expired", "TLS-Zertifikat abgelaufen" },
		{ "http_status", "unerwarteter HTTP-Status" },
		{ "content", "erwarteter Inhalt fehlt" },
		{ "body_too_large", "Antwort zu groß" },
		{ "redirect_limit", "zu viele Weiterleitungen" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(reason, map[i][0]) == 0)
			return map[i][1];
	return "unbekannt";
}

static const char *const month_de[12] = {
	"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
	"Oktober", "November", "Dezember",
};

static int write_html(FILE *out, const struct report_request *rq, const char *kind_de,
		      const char *subject, const char *subject_name, struct row *rows, size_t n,
		      const struct incident *inc, size_t n_inc, double sla, time_t start, time_t end,
		      bool running)
{
	int y = 0, m = 1;
	unsigned met = 0, measured = 0;
	char made[64];
	time_t now = rq->now ? rq->now : time(NULL);

	sscanf(rq->month, "%4d-%2d", &y, &m);
	de_stamp(made, sizeof made, now);
	for (size_t i = 0; i < n; i++)
		if (!isnan(rows[i].uptime)) {
			measured++;
			met += rows[i].uptime >= sla;
		}
	fputs("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
	fprintf(out, "Monatsbericht %s %d: ", month_de[m - 1], y);
	html_esc(out, subject_name);
	fputs("</title>\n<style>\n"
	      "body{font-family:\"DejaVu Sans\",Arial,sans-serif;font-size:10.5pt;color:#111;margin:2em;}\n"
	      "h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12.5pt;margin:1.4em 0 .4em}\n"
	      "p.meta{color:#444;margin:.2em 0}\n"
	      "table{border-collapse:collapse;width:100%;margin:.4em 0}\n"
	      "th,td{border:1px solid #999;padding:3px 5px;text-align:left;vertical-align:top}\n"
	      "th{background:#e8e8e8}td.num{text-align:right;white-space:nowrap}\n"
	      ".miss{font-weight:bold;color:#8b0000}.ok{color:#1a5e20}\n"
	      "ul.leist{margin:0;padding-left:1.1em}\n"
	      "footer{margin-top:2em;font-size:9pt;color:#444}\n"
	      "@page{size:A4;margin:15mm 12mm 18mm 12mm}\n"
	      "@media print{body{margin:0;font-size:9.5pt}h2{break-after:avoid}"
	      "tr,li{break-inside:avoid}thead{display:table-header-group}a{color:inherit;"
	      "text-decoration:none}}\n"
	      "</style>\n</head>\n<body>\n<header>\n<h1>", out);
	fprintf(out, "Monatsbericht Onlinedienste – %s %d</h1>\n<p class=\"meta\">%s ", month_de[m - 1],
		y, kind_de);
	html_esc(out, subject_name);
	fputs(" (", out);
	html_esc(out, subject);
	fputs(")</p>\n<p class=\"meta\">Zeitraum: ", out);
	de_time(out, (int64_t)start * 1000);
	fputs(" bis ", out);
	de_time(out, (int64_t)end * 1000);
	fprintf(out, "%s (Zeitzone Europe/Berlin). Erstellt am %s.</p>\n</header>\n<main>\n",
		running ? " (laufender Monat)" : "", made);

	fputs("<h2>Zusammenfassung</h2>\n<p>", out);
	fprintf(out, "%zu Onlinedienst%s; Verfügbarkeitsziel (SLA) ", n, n == 1 ? "" : "e");
	de_num(out, sla * 100, 2);
	fprintf(out, " %%. Mit Messwerten: %u; davon erreichen das Ziel %u, verfehlen es %u. "
		"Störungen im Zeitraum: %zu.</p>\n", measured, met, measured - met, n_inc);

	fputs("<h2>Verfügbarkeit je Onlinedienst</h2>\n<table>\n<thead><tr><th scope=\"col\">Onlinedienst"
	      "</th><th scope=\"col\">Anbieter</th><th scope=\"col\">OZG-Leistungen (Reifegrad)</th>"
	      "<th scope=\"col\">Verfügbarkeit</th><th scope=\"col\">Ziel erreicht</th>"
	      "<th scope=\"col\">gemessen</th><th scope=\"col\">Ausfallzeit</th>"
	      "<th scope=\"col\">Antwortzeit Mittel / 95 %</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];

		fputs("<tr><td>", out);
		html_esc(out, r->d->name);
		fputs("<br><small>", out);
		html_esc(out, r->d->id);
		fputs("</small></td><td>", out);
		html_esc(out, r->d->provider);
		fputs("</td><td><ul class=\"leist\">", out);
		for (size_t k = 0; k < r->n_offers; k++) {
			fputs("<li>", out);
			html_esc(out, r->offers[k].l ? r->offers[k].l->name : r->offers[k].ozg_id);
			fprintf(out, " <small>(%s, Reifegrad %d)</small></li>", r->offers[k].ozg_id,
				r->offers[k].reifegrad);
		}
		fputs("</ul></td>", out);
		if (isnan(r->uptime)) {
			fputs("<td class=\"num\">keine Messwerte</td><td>–</td><td class=\"num\">0 h</td>"
			      "<td class=\"num\">–</td>", out);
		} else {
			fputs("<td class=\"num\">", out);
			de_num(out, r->uptime * 100, 3);
			fprintf(out, " %%</td><td class=\"%s\">%s</td><td class=\"num\">",
				r->uptime >= sla ? "ok" : "miss", r->uptime >= sla ? "ja" : "nein");
			de_num(out, r->known_s / 3600, 1);
			fputs(" h</td><td class=\"num\">", out);
			de_duration(out, (1 - r->uptime) * r->known_s);
			fputs("</td>", out);
		}
		fputs("<td class=\"num\">", out);
		if (isnan(r->mean_s)) {
			fputs("–", out);
		} else {
			de_num(out, r->mean_s * 1000, 0);
			fputs(" ms / ", out);
			de_num(out, r->p95_s * 1000, 0);
			fputs(" ms", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);

	fputs("<h2>Störungen und Ursachen</h2>\n", out);
	if (n_inc == 0) {
		fputs("<p>Keine Störungen im Zeitraum.</p>\n", out);
	} else {
		fputs("<table>\n<thead><tr><th scope=\"col\">Onlinedienst</th><th scope=\"col\">Beginn</th>"
		      "<th scope=\"col\">Ende</th><th scope=\"col\">Dauer</th><th scope=\"col\">Ursache"
		      "</th></tr></thead>\n<tbody>\n", out);
		for (size_t i = 0; i < n_inc; i++) {
			const struct incident *x = &inc[i];
			int64_t to = x->end_ms ? x->end_ms : (int64_t)now * 1000;

			fputs("<tr><td>", out);
			html_esc(out, rows[x->row].d->name);
			fputs(" <small>(", out);
			html_esc(out, rows[x->row].d->id);
			fputs(")</small></td><td>", out);
			de_time(out, x->start_ms);
			fputs("</td><td>", out);
			if (x->end_ms)
				de_time(out, x->end_ms);
			else
				fputs("andauernd", out);
			fputs("</td><td class=\"num\">", out);
			de_duration(out, (double)(to - x->start_ms) / 1000.0);
			fputs(x->end_ms ? "" : " bisher", out);
			fputs("</td><td>", out);
			html_esc(out, cause_de(x->reason));
			if (strcmp(x->reason, "http_status") == 0 && x->http_status > 0)
				fprintf(out, " (%d)", x->http_status);
			fputs("</td></tr>\n", out);
		}
		fputs("</tbody>\n</table>\n", out);
	}
	fputs("</main>\n<footer>\n<p>Verfügbarkeit: Anteil der erfolgreichen Prüfungen an der gemessenen "
	      "Zeit, angekündigte Wartungsfenster ausgenommen; Ausfallzeit = (1 − Verfügbarkeit) × "
	      "gemessene Zeit. Antwortzeiten aus den letzten 14 Tagen, soweit sie in den Monat fallen. "
	      "Ein Onlinedienst erreicht das Ziel, wenn seine Verfügbarkeit mindestens dem "
	      "Verfügbarkeitsziel entspricht.</p>\n<p>Erstellt von ozgmon (ozgmond report). Gebiete: "
	      "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis; OZG-Leistungen: "
	      "OZG-Umsetzungskatalog (BMI).</p>\n</footer>\n</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

/* Adds Leistung ozg_id at Reifegrad rg to r (the highest Reifegrad per Leistung). */
static int add_offer(const struct cfg *cfg, struct row *r, const char *ozg_id, int rg)
{
	struct offer *o;

	for (size_t i = 0; i < r->n_offers; i++)
		if (strcmp(r->offers[i].ozg_id, ozg_id) == 0) {
			if (rg > r->offers[i].reifegrad)
				r->offers[i].reifegrad = rg;
			return 0;
		}
	o = realloc(r->offers, (r->n_offers + 1) * sizeof *o);
	if (!o)
		return -1;
	r->offers = o;
	o = &r->offers[r->n_offers++];
	memset(o, 0, sizeof *o);
	snprintf(o->ozg_id, sizeof o->ozg_id, "%s", ozg_id);
	o->l = reg_find_leistung(&cfg->reg, ozg_id);
	o->reifegrad = rg;
	return 0;
}

/* Whether Angebot a reaches the report's subject (a Gemeinde or a Kreis). */
static bool serves(const struct cfg *cfg, const struct cfg_angebot *a, const struct reg_gemeinde *g,
		   const struct reg_kreis *k)
{
	if (g)
		return rollout_area_contains(&cfg->reg, a->level, a->area, AREA_GEMEINDE, g->ags);
	return rollout_area_contains(&cfg->reg, a->level, a->area, AREA_KREIS, k->key) ||
	       rollout_area_contains(&cfg->reg, AREA_KREIS, k->key, a->level, a->area);
}

int report_write(const struct cfg *cfg, const struct report_request *rq, FILE *out, char *err,
		 size_t errsz)
{
	const struct reg_gemeinde *g = NULL;
	const struct reg_kreis *k = NULL;
	const struct cfg_dienst *only = NULL;
	struct row *rows;
	struct incident *inc = NULL;
	long n_inc = 0;
	size_t n = 0;
	time_t start, end, now = rq->now ? rq->now : time(NULL);
	double sla = rq->sla > 0 ? rq->sla : REPORT_SLA_DEFAULT;
	bool running = false;
	int rc = 0;

	if (errsz)
		err[0] = '\0';
	if (report_month_range(rq->month, &start, &end) != 0) {
		snprintf(err, errsz, "month '%s': expected YYYY-MM", rq->month);
		return -1;
	}
	if (start > now) {
		snprintf(err, errsz, "month '%s' has not begun yet", rq->month);
		return -1;
	}
	if (end > now) {
		end = now;	/* the running month: up to now */
		running = true;
	}
	if (!(sla > 0 && sla <= 1)) {
		snprintf(err, errsz, "SLA target %g is not a share in (0, 1]", sla);
		return -1;
	}
	if (rq->gemeinde && !(g = reg_find_gemeinde(&cfg->reg, rq->gemeinde))) {
		snprintf(err, errsz, "no Gemeinde '%s' in the registers", rq->gemeinde);
		return -1;
	}
	if (rq->kreis && !(k = reg_find_kreis(&cfg->reg, rq->kreis))) {
		snprintf(err, errsz, "no Kreis '%s' in the registers", rq->kreis);
		return -1;
	}
	if (rq->dienst && !(only = cfg_find_dienst(cfg, rq->dienst))) {
		snprintf(err, errsz, "no Onlinedienst '%s' in the configuration", rq->dienst);
		return -1;
	}
	if ((g != NULL) + (k != NULL) + (only != NULL) != 1) {
		snprintf(err, errsz, "name exactly one of --gemeinde, --kreis and --dienst");
		return -1;
	}
	rows = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *rows);
	if (!rows) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t d = 0; d < cfg->n_dienste && rc == 0; d++) {
		const struct cfg_dienst *dn = &cfg->dienste[d];
		struct row *r = &rows[n];
		char path[4096];
		char e2[256];

		if (only && dn != only)
			continue;
		for (size_t i = 0; i < cfg->n_angebote && rc == 0; i++) {
			const struct cfg_angebot *a = &cfg->angebote[i];
			if (a->dienst == d && (only || serves(cfg, a, g, k)))
				rc = add_offer(cfg, r, a->ozg_id, a->reifegrad);
		}
		if (!only && r->n_offers == 0)
			continue;	/* does not serve this Gemeinde or Kreis */
		r->d = dn;
		r->index = d;
		store_file_path(rq->data_dir, dn->id, STORE_MAIN, path, sizeof path);
		if (history_uptime(path, start, end, &r->uptime, &r->known_s, e2, sizeof e2) != 0) {
			r->uptime = NAN;
			r->known_s = 0;
		}
		store_file_path(rq->data_dir, dn->id, STORE_PERF, path, sizeof path);
		latency(path, start, end, &r->mean_s, &r->p95_s, &r->latency_s);
		n++;
	}
	if (rc == 0 && rq->format != REPORT_CSV)
		n_inc = read_incidents(rq->data_dir, rows, n, (int64_t)start * 1000, (int64_t)end * 1000,
				       &inc);
	if (rc != 0 || n_inc < 0) {
		snprintf(err, errsz, "out of memory");
		rc = -1;
	} else if (rq->format == REPORT_JSON) {
		rc = write_json(out, rq, g ? "gemeinde" : k ? "kreis" : "dienst",
				g ? g->ags : k ? k->key : only->id,
				g ? g->name : k ? k->name : only->name, rows, n, inc, (size_t)n_inc, sla);
	} else if (rq->format == REPORT_HTML) {
		rc = write_html(out, rq, g ? "Gemeinde" : k ? "Kreis" : "Onlinedienst",
				g ? g->ags : k ? k->key : only->id,
				g ? g->name : k ? k->name : only->name, rows, n, inc, (size_t)n_inc, sla,
				start, end, running);
	} else {
		rc = write_csv(out, rq->month, g ? g->ags : k ? k->key : only->id, rows, n);
	}
	if (rc != 0 && !err[0])
		snprintf(err, errsz, "cannot write the report");
	for (size_t i = 0; i < cfg->n_dienste; i++)
		free(rows[i].offers);
	free(rows);
	free(inc);
	return rc;
}
