/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_report.c - a month's report against a month of samples written through
 * the store: October 2026 in Europe/Berlin (745 hours: summer time ends on
 * the 25th), one probe a minute.  Down from 10:00 to 13:00 on the 10th;
 * response time 0.5 s from 12:00 to 14:00 on days 18 to 31, else 0.2 s.  The
 * performance file keeps 14 days (336 hours), of which 28 hours are at 0.5 s.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "rollout/report.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

static char dir[64];
static struct reg_kreis kreis;
static struct reg_verband verband;
static struct reg_gemeinde gemeinde;
static struct reg_leistung leistung;
static struct cfg_dienst dienste[2];
static struct cfg_angebot angebote[2];
static struct cfg cfg;

static time_t local(int mon, int day, int hour, int min)
{
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = mon - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = min, .tm_isdst = -1 };
	return mktime(&tm);
}

static void setup(void)
{
	tu_tmpdir(dir, sizeof dir, "report");
	char err[256];

	/* A host in UTC: the report speaks the configured zone (global.timezone). */
	setenv("TZ", "UTC", 1);
	tzset();
	if (clock_use_zone("Europe/Berlin", err, sizeof err) != 0)
		ck_abort_msg("%s", err);
	memset(&cfg, 0, sizeof cfg);
	strcpy(kreis.key, "16055");
	kreis.name = S("Weimar, Stadt");
	strcpy(verband.key, "160550000");
	strcpy(verband.kreis, "16055");
	verband.name = S("Weimar, Stadt");
	strcpy(gemeinde.ags, "16055000");
	strcpy(gemeinde.ars, "160550000000");
	strcpy(gemeinde.kreis, "16055");
	strcpy(gemeinde.verband, "160550000");
	gemeinde.name = S("Weimar, Stadt");
	gemeinde.population = 65098;
	strcpy(leistung.ozg_id, "10124");
	leistung.name = S("Wohnsitzmeldungen");
	memset(dienste, 0, sizeof dienste);
	dienste[0] = (struct cfg_dienst){ .id = S("weimar-wohnsitz"), .name = S("Wohnsitz"),
					  .provider = S("Stadt Weimar"), .interval_ms = 60000 };
	dienste[1] = (struct cfg_dienst){ .id = S("x-other"), .name = S("Anderswo"),
					  .provider = S("=HYPERLINK(\"x\")"), .interval_ms = 60000 };
	memset(angebote, 0, sizeof angebote);
	strcpy(angebote[0].area, "16055");
	angebote[0].level = AREA_KREIS;
	strcpy(angebote[0].ozg_id, "10124");
	angebote[0].dienst = 0;
	angebote[0].reifegrad = 3;
	strcpy(angebote[1].area, "16");
	angebote[1].level = AREA_LAND;
	strcpy(angebote[1].ozg_id, "10124");
	angebote[1].dienst = 1;
	angebote[1].reifegrad = 2;
	strcpy(cfg.reg.land_key, "16");
	cfg.reg.land_name = S("Thüringen");
	cfg.reg.kreise = &kreis;
	cfg.reg.n_kreise = 1;
	cfg.reg.verbaende = &verband;
	cfg.reg.n_verbaende = 1;
	cfg.reg.gemeinden = &gemeinde;
	cfg.reg.n_gemeinden = 1;
	cfg.reg.leistungen = &leistung;
	cfg.reg.n_leistungen = 1;
	cfg.dienste = dienste;
	cfg.n_dienste = 2;
	cfg.angebote = angebote;
	cfg.n_angebote = 2;
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

static void write_october(void)
{
	char err[256];
	struct store *st = store_new(&cfg, dir, 65536, err, sizeof err);
	struct store_stats stats;
	time_t t0 = local(10, 1, 0, 0), t1 = local(11, 1, 0, 0);
	time_t down_from = local(10, 10, 10, 0), down_to = local(10, 10, 13, 0);
	size_t n = 0;

	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq((int)(t1 - t0), 745 * 3600);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (time_t t = t0 + 60; t <= t1; t += 60) {
		struct tm tm;
		struct store_sample s = { .target = 0, .ts_ms = (int64_t)t * 1000, .answered = true,
					  .duration_s = 0.2 };
		localtime_r(&t, &tm);
		/* A sample at t describes the minute that ends at t. */
		s.up = !(t > down_from && t <= down_to);
		s.http_status = s.up ? 200 : 503;
		{
			time_t m = t - 60;
			struct tm tb;
			localtime_r(&m, &tb);
			if (tb.tm_mday >= 18 && tb.tm_mon == 9 && (tb.tm_hour == 12 || tb.tm_hour == 13))
				s.duration_s = 0.5;
		}
		while (store_submit(st, &s) != 0)
			usleep(1000);	/* the queue is full: let the writer catch up */
		n++;
	}
	store_stop(st);
	store_get_stats(st, &stats);
	ck_assert_uint_eq(stats.updates, n);
	ck_assert_uint_eq(n, 745 * 60);
	store_free(st);
}

/* Reads the report of rq into a string; err gets the reason of a failure. */
static char *report_rq(const struct report_request *rq, int *rc, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	*rc = report_write(&cfg, rq, out, err, errsz);
	fclose(out);
	return text;
}

/* Reads the report into a string. */
static char *report(const char *gemeinde_key, const char *dienst, enum report_format f, int *rc)
{
	struct report_request rq = { .month = "2026-10", .gemeinde = gemeinde_key, .dienst = dienst,
				     .data_dir = dir, .format = f };
	char *text = NULL, err[256] = "";
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	*rc = report_write(&cfg, &rq, out, err, sizeof err);
	fclose(out);
	return text;
}

/* The journal of the outage on 10 October, 10:00 to 13:00, with lines around it that do not count. */
static void write_journal(void)
{
	char path[128];
	FILE *f;
	long long a = (long long)local(10, 10, 10, 0) * 1000, b = (long long)local(10, 10, 13, 0) * 1000;
	long long s0 = (long long)local(9, 3, 8, 0) * 1000;

	snprintf(path, sizeof path, "%s/incidents.jsonl", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"event\":\"open\",\"id\":1,\"dienst\":\"weimar-wohnsitz\",\"at_ms\":%lld,\"reason\":\"timeout\",\"http_status\":0}\n", s0);
	fprintf(f, "{\"event\":\"close\",\"id\":1,\"dienst\":\"weimar-wohnsitz\",\"at_ms\":%lld,\"duration_s\":600}\n", s0 + 600000);
	fputs("{\"event\":\"open\",\"id\":2,\"dienst\n", f);	/* cut by a crash */
	fprintf(f, "{\"event\":\"open\",\"id\":3,\"dienst\":\"weimar-wohnsitz\",\"at_ms\":%lld,\"reason\":\"http_status\",\"http_status\":503}\n", a);
	fprintf(f, "{\"event\":\"open\",\"id\":4,\"dienst\":\"not-configured\",\"at_ms\":%lld,\"reason\":\"dns\",\"http_status\":0}\n", a);
	fprintf(f, "{\"event\":\"close\",\"id\":3,\"dienst\":\"weimar-wohnsitz\",\"at_ms\":%lld,\"duration_s\":10800}\n", b);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * The HTML form: German, for A4, names the Leistung, says whether the target
 * is met, lists the month's incident with its cause and escapes what the
 * configuration says.
 */
static void html_report(void)
{
	struct report_request rq = { .month = "2026-10", .gemeinde = "16055000", .data_dir = dir,
				     .format = REPORT_HTML };
	char err[256];
	char *h;
	int rc;

	write_journal();
	h = report_rq(&rq, &rc, err, sizeof err);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(h, "<html lang=\"de\">"));
	ck_assert_ptr_nonnull(strstr(h, "@page{size:A4"));
	ck_assert_ptr_nonnull(strstr(h, "Monatsbericht Onlinedienste – Oktober 2026</h1>"));
	ck_assert_ptr_nonnull(strstr(h, "Gemeinde Weimar, Stadt (16055000)"));
	ck_assert_ptr_nonnull(strstr(h, "<li>Wohnsitzmeldungen <small>(10124, Reifegrad 3)</small></li>"));
	ck_assert_ptr_null(strstr(h, "10124:3"));
	/* 1 - 3/745 = 99.597 %, against the default target of 99 % */
	ck_assert_ptr_nonnull(strstr(h, "<td class=\"num\">99,597 %</td><td class=\"ok\">ja</td>"));
	ck_assert_ptr_nonnull(strstr(h, "3 h 00 min"));
	ck_assert_ptr_nonnull(strstr(h, "Verfügbarkeitsziel (SLA) 99,00 %"));
	ck_assert_ptr_nonnull(strstr(h, "=HYPERLINK(&quot;x&quot;)"));
	ck_assert_ptr_nonnull(strstr(h, "keine Messwerte"));	/* x-other has no file */
	/* the incident of 10 October and its cause; the one of September is not this month's */
	ck_assert_ptr_nonnull(strstr(h, "<td>10.10.2026, 10:00 Uhr MESZ</td><td>10.10.2026, 13:00 Uhr MESZ</td>"));
	ck_assert_ptr_nonnull(strstr(h, "unerwarteter HTTP-Status (503)"));
	ck_assert_ptr_null(strstr(h, "03.09.2026"));
	ck_assert_ptr_null(strstr(h, "not-configured"));
	ck_assert_ptr_nonnull(strstr(h, "Störungen im Zeitraum: 1."));
	free(h);

	/* a stricter target is missed */
	rq.sla = 0.999;
	h = report_rq(&rq, &rc, err, sizeof err);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(h, "<td class=\"num\">99,597 %</td><td class=\"miss\">nein</td>"));
	ck_assert_ptr_nonnull(strstr(h, "Verfügbarkeitsziel (SLA) 99,90 %"));
	free(h);

	/* the Kreis: both Dienste serve it; the JSON lists the incident */
	rq.gemeinde = NULL;
	rq.kreis = "16055";
	rq.format = REPORT_JSON;
	rq.sla = 0;
	h = report_rq(&rq, &rc, err, sizeof err);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(h, "\"kreis\": \"16055\""));
	ck_assert_ptr_nonnull(strstr(h, "\"dienst\": \"x-other\""));
	ck_assert_ptr_nonnull(strstr(h, "\"reason\": \"http_status\""));
	ck_assert_ptr_nonnull(strstr(h, "\"http_status\": 503"));
	ck_assert_ptr_null(strstr(h, "\"reason\": \"timeout\""));
	free(h);
}

START_TEST(month_matches_samples)
{
	int rc;
	char *csv, *line;
	char id[64], subject[32], av[32], hours[32], down[32], mean[32], p95[32], lhours[32];

	write_october();
	csv = report("16055000", NULL, REPORT_CSV, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(csv, "month,subject,dienst,name,provider,leistungen,availability"));
	line = strstr(csv, "\n2026-10,16055000,\"weimar-wohnsitz\"");
	ck_assert_msg(line != NULL, "%s", csv);
	ck_assert_int_eq(sscanf(line + 1, "2026-10,%31[^,],\"%63[^\"]\",\"Wohnsitz\",\"Stadt Weimar\",\"Wohnsitzmeldungen (10124, Reifegrad 3)\",%31[^,],%31[^,],%31[^,],%31[^,],%31[^,],%31[^\n]",
				subject, id, av, hours, down, mean, p95, lhours), 8);
	/* 3 of 745 hours down; all 745 hours measured; 180 minutes of downtime. */
	ck_assert_msg(fabs(atof(av) - (1 - 3.0 / 745)) < 2e-5, "availability %s", av);
	ck_assert_msg(fabs(atof(hours) - 745) < 0.02, "hours %s", hours);
	ck_assert_msg(fabs(atof(down) - 180) < 0.2, "downtime %s", down);
	/* 28 of the 336 hours kept at 0.5 s, the rest at 0.2 s: mean 0.225, p95 0.5. */
	ck_assert_msg(fabs(atof(lhours) - 336) < 0.6, "latency hours %s", lhours);
	ck_assert_msg(fabs(atof(mean) - (308 * 0.2 + 28 * 0.5) / 336) < 1e-3, "mean %s", mean);
	ck_assert_msg(fabs(atof(p95) - 0.5) < 1e-6, "p95 %s", p95);
	/* The Land-wide Dienst serves Weimar too, has no data, and its provider is defused. */
	ck_assert_ptr_nonnull(strstr(csv, "\"x-other\",\"Anderswo\",\"'=HYPERLINK(\"\"x\"\")\",\"Wohnsitzmeldungen (10124, Reifegrad 2)\",,0.00,,,,0.00\n"));
	free(csv);

	csv = report(NULL, "weimar-wohnsitz", REPORT_JSON, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(csv, "\"timezone\": \"Europe/Berlin\""));
	ck_assert_ptr_nonnull(strstr(csv, "\"dienst\": \"weimar-wohnsitz\""));
	ck_assert_ptr_null(strstr(csv, "x-other"));
	ck_assert_ptr_nonnull(strstr(csv, "\"name\": \"Wohnsitzmeldungen\""));
	ck_assert_ptr_nonnull(strstr(csv, "\"sla_met\": true"));
	ck_assert_ptr_nonnull(strstr(csv, "\"incidents\": []"));
	free(csv);

	html_report();
}
END_TEST

START_TEST(bad_requests)
{
	int rc;
	struct report_request rq = { .month = "2026-13", .gemeinde = "16055000", .data_dir = dir };
	char err[256];
	time_t a, b;

	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "YYYY-MM"));
	rq.month = "2026-10";
	rq.gemeinde = "16099999";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "16099999"));
	rq.gemeinde = NULL;
	rq.dienst = "nope";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	rq.dienst = NULL;
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "exactly one"));
	rq.kreis = "16099";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no Kreis '16099'"));
	rq.kreis = "16055";
	rq.gemeinde = "16055000";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "exactly one"));
	rq.gemeinde = NULL;
	/* a month that has not begun is an error; the running one counts up to now */
	rq.now = local(10, 15, 12, 0);
	rq.month = "2026-11";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "has not begun"));
	rq.month = "2027-01";
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	rq.month = "2026-10";
	rq.format = REPORT_HTML;
	{
		char *h = report_rq(&rq, &rc, err, sizeof err);
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_nonnull(strstr(h, "(laufender Monat)"));
		ck_assert_ptr_nonnull(strstr(h, "15.10.2026, 12:00 Uhr MESZ"));
		free(h);
	}
	rq.sla = 1.5;
	ck_assert_int_eq(report_write(&cfg, &rq, stdout, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "SLA"));
	ck_assert_int_eq(report_month_range("2026-1", &a, &b), -1);
	ck_assert_int_eq(report_month_range("2026-12x", &a, &b), -1);
	ck_assert_int_eq(report_month_range("2026-12", &a, &b), 0);
	ck_assert_int_eq((int)(b - a), 31 * 86400);
	ck_assert_int_eq(report_month_range("2026-03", &a, &b), 0);
	ck_assert_int_eq((int)(b - a), 31 * 86400 - 3600);	/* summer time begins */
	(void)rc;
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300);	/* a month of samples through the store: slow on a busy machine */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, month_matches_samples);
	tcase_add_test(tc, bad_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_suite());
}
