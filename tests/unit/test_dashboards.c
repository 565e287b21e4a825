/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_dashboards.c - number and date formats, escaping, and the generated
 * site on a small fixture.
 *
 * Fixture: Land 16 "Testland"; Kreis 16001 "K1" (G1 16001001 "Gemeinde Eins",
 * G2 16001002); Kreis 16002 "K2" (G3 16002001).  Dienste: d0 Land-wide (EfA),
 * d1 for Kreis 16001, d2 for Gemeinde 16002001.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rrd.h>

#include "common/clock.h"
#include "dashboards/graph.h"
#include "dashboards/i18n.h"
#include "dashboards/leistung.h"
#include "dashboards/map.h"
#include "dashboards/site.h"
#include "dashboards/status_page.h"
#include "dashboards/svgslim.h"
#include "rollout/demo_past.h"
#include "rollout/rollout.h"
#include "store/store.h"
#include "tests/unit/testutil.h"

#define HAS(s, what) ck_assert_msg(strstr((s), (what)) != NULL, "missing: %s", (what))
#define HASNT(s, what) ck_assert_msg(strstr((s), (what)) == NULL, "unexpected: %s", (what))

static struct reg_kreis kreise[2];
static struct reg_verband verbaende[2];
static struct reg_gemeinde gemeinden[3];
static struct reg_leistung leistungen[2];
static struct cfg_dienst dienste[3];
static struct cfg_angebot angebote[3];
static struct cfg cfg;
static char dir[64];
static struct cfg_usage_metric usage_metrics[4];
static struct cfg_usage_map status_map[3] = { { S("ok"), 1 }, { S("degraded"), 0.5 }, { S("down"), 0 } };
static struct cfg_usage usage_cfg;
static const struct geo *fixture_geo;	/* the maps' geometry for generate(); NULL: none */
static struct incident_stats inc_fixture[3];	/* the incident totals generate() shows */
static const struct store *fixture_store;	/* the series generate() reads; NULL: none */
/* How d1 fails when generate() has it down (and its journal's open incident), with its HTTP status. */
static enum probe_result d1_result;
static int d1_http;
/* Usage fetches of d1 and d2 that generate() hands to the snapshot (a reference each); NULL: none. */
static struct usage_result *fixture_usage[3];
/* The latest failures seen (dash_input.last_fail, last_fail_http); NULL: none. */
static const enum probe_result *fixture_last_fail;
static const int *fixture_last_fail_http;

/* ---- formats ---------------------------------------------------------------- */

START_TEST(german_numbers)
{
	const struct dash_lang *de = dash_lang_get("de");
	char o[64];

	ck_assert_str_eq(dash_fmt_pct(o, sizeof o, 0.995, 1, de), "99,5 %");
	ck_assert_str_eq(dash_fmt_pct(o, sizeof o, 1.0, 2, de), "100,00 %");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, 1234567.5, 2, de), "1.234.567,50");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, 2120237, 0, de), "2.120.237");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, 999, 0, de), "999");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, -1234, 0, de), "-1.234");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, -0.0001, 1, de), "0,0");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, NAN, 1, de), "–");
	ck_assert_str_eq(dash_fmt_pct(o, sizeof o, NAN, 1, de), "–");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, 0.1234, 3, de), "0,123");
	/* Truncation keeps a terminated string. */
	ck_assert_str_eq(dash_fmt_num(o, 4, 1234567, 0, de), "1.2");
}
END_TEST

START_TEST(english_numbers)
{
	const struct dash_lang *en = dash_lang_get("en");
	char o[64];

	ck_assert_str_eq(dash_fmt_pct(o, sizeof o, 0.995, 1, en), "99.5%");
	ck_assert_str_eq(dash_fmt_num(o, sizeof o, 1234567.5, 2, en), "1,234,567.50");
	ck_assert_ptr_eq(dash_lang_get("xx"), dash_lang_get("de"));
	ck_assert_ptr_eq(dash_lang_get(NULL), dash_lang_get("de"));
}
END_TEST

START_TEST(dates)
{
	char o[64];

	char err[256];

	/* A host in UTC; the pages speak the configured zone, labelled. */
	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(clock_use_zone("Europe/Berlin", err, sizeof err), 0);
	ck_assert_str_eq(dash_fmt_date(o, sizeof o, 1795770300, dash_lang_get("de")), "27.11.2026");
	ck_assert_str_eq(dash_fmt_date(o, sizeof o, 1795770300, dash_lang_get("en")), "2026-11-27");
	ck_assert_str_eq(dash_fmt_datetime(o, sizeof o, 1795770300, dash_lang_get("de")),
			 "27.11.2026, 10:05 Uhr MEZ");
	ck_assert_str_eq(dash_fmt_datetime(o, sizeof o, 1795770300, dash_lang_get("en")),
			 "2026-11-27 10:05 CET");
	/* 23:21 UTC is already the next day in Germany. */
	ck_assert_str_eq(dash_fmt_datetime(o, sizeof o, 1795821660, dash_lang_get("de")),
			 "28.11.2026, 00:21 Uhr MEZ");
	ck_assert_str_eq(dash_fmt_datetime(o, sizeof o, 1782904800, dash_lang_get("de")),
			 "01.07.2026, 13:20 Uhr MESZ");
	ck_assert_int_eq(clock_use_zone("UTC", err, sizeof err), 0);
	ck_assert_str_eq(dash_fmt_span(o, sizeof o, 42, dash_lang_get("de")), "42 s");
	ck_assert_str_eq(dash_fmt_span(o, sizeof o, 3 * 3600 + 5 * 60, dash_lang_get("de")), "3 h 05 min");
	ck_assert_str_eq(dash_fmt_span(o, sizeof o, NAN, dash_lang_get("de")), "–");
}
END_TEST

/* Durations round to the unit they show, and a value that rounds to a whole larger unit is written in it. */
START_TEST(span_rounds_at_unit_boundaries)
{
	static const struct { double s; const char *want; } c[] = {
		{ 0.4, "0 s" }, { 59.4, "59 s" }, { 59.5, "1 min" }, { 59.999, "1 min" },
		{ 60, "1 min" }, { 89.4, "1 min" }, { 90, "2 min" }, { 3569.9, "59 min" },
		{ 3570, "1 h 00 min" }, { 3599.9, "1 h 00 min" }, { 3 * 3600 + 5 * 60 + 29, "3 h 05 min" },
		{ 3 * 3600 + 5 * 60 + 30, "3 h 06 min" }, { 7199.9, "2 h 00 min" },
		{ 86369.9, "23 h 59 min" }, { 86370, "1 d 0 h" }, { 86399.9, "1 d 0 h" },
		{ 86400 + 5399, "1 d 1 h" }, { 2 * 86400 - 1, "2 d 0 h" }, { 10 * 86400 + 7200, "10 d 2 h" },
	};
	char o[64];

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		ck_assert_msg(strcmp(dash_fmt_span(o, sizeof o, c[i].s, dash_lang_get("de")), c[i].want) == 0,
			      "%.3f s: got \"%s\", want \"%s\"", c[i].s, o, c[i].want);
	ck_assert_str_eq(dash_fmt_span(o, sizeof o, -1, dash_lang_get("de")), "–");
}
END_TEST

START_TEST(escaping)
{
	struct buf b;

	buf_init(&b, 1024);
	html_escape(&b, "<a href='x'>&\"ü</a>");
	ck_assert_str_eq(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;ü&lt;/a&gt;");
	buf_free(&b);
}
END_TEST


/* ---- SVG slimming ------------------------------------------------------------ */

/* The shape of cairo's SVG as librrd writes it: glyphs, a tag at the right edge, grid lines. */
static const char cairo_svg[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
	"width=\"663pt\" height=\"208pt\" viewBox=\"0 0 663 208\" version=\"1.1\">\n"
	"<defs>\n<g>\n"
	"<symbol overflow=\"visible\" id=\"glyph0-0\">\n"
	"<path style=\"stroke:none;\" d=\"M 0.546875 2 L 0.546875 -8 Z M 0.546875 2 \"/>\n"
	"</symbol>\n"
	"<symbol overflow=\"visible\" id=\"glyph0-1\">\n<path style=\"stroke:none;\" d=\"\"/>\n</symbol>\n"
	"<symbol overflow=\"visible\" id=\"glyph2-0\">\n"
	"<path style=\"stroke:none;\" d=\"M -1.5 0 L -6.25 0 Z\"/>\n</symbol>\n"
	"</g>\n</defs>\n"
	"<g id=\"surface1\">\n"
	"<path style=\"fill:none;stroke-width:0.4;stroke-linecap:butt;stroke-linejoin:miter;"
	"stroke:rgb(73.333333%,73.333333%,73.333333%);stroke-opacity:1;stroke-dasharray:1,1;"
	"stroke-miterlimit:10;\" d=\"M 571 166 L 571 24.000001 \"/>\n"
	"<path style=\"fill:none;stroke-width:0.4;stroke-linecap:butt;stroke-linejoin:miter;"
	"stroke:rgb(73.333333%,73.333333%,73.333333%);stroke-opacity:1;stroke-dasharray:1,1;"
	"stroke-miterlimit:10;\" d=\"M 500 166 L 500 24 \"/>\n"
	"<path style=\" stroke:none;fill-rule:nonzero;fill:rgb(100%,100%,100%);fill-opacity:1;\" "
	"d=\"M 73 165 L 633 165 L 633 25 Z M 73 165 \"/>\n"
	"<g style=\"fill:rgb(0%,0%,0%);fill-opacity:1;\">\n"
	"  <use xlink:href=\"#glyph0-0\" x=\"16\" y=\"198\"/>\n"
	"  <use xlink:href=\"#glyph0-1\" x=\"20\" y=\"198\"/>\n"
	"</g>\n"
	"<g style=\"fill:rgb(0%,0%,0%);fill-opacity:0.3;\">\n"
	"  <use xlink:href=\"#glyph2-0\" x=\"648\" y=\"127\"/>\n"
	"  <use xlink:href=\"#glyph2-0\" x=\"648\" y=\"130\"/>\n"
	"</g>\n"
	"</g>\n</svg>\n";

START_TEST(svg_slim)
{
	struct buf b;
	char err[256];

	buf_init(&b, 1 << 20);
	ck_assert_int_eq(dash_svg_slim(cairo_svg, sizeof cairo_svg - 1, &b, err, sizeof err), 0);
	/* The vertical text at the right edge (librrd's tag) and its glyph are gone. */
	HASNT(b.data, "x=\"648\"");
	HASNT(b.data, "glyph2-0");
	/* The empty glyph and its use are gone; the drawn one stays. */
	HASNT(b.data, "glyph0-1");
	HAS(b.data, "<use xlink:href=\"#glyph0-0\" x=\"16\" y=\"198\"/>\n");
	HAS(b.data, "<symbol overflow=\"visible\" id=\"glyph0-0\">");
	/* Glyphs: two decimals, no closing move; drawing: one decimal, defaults dropped, hex colours. */
	HAS(b.data, "d=\"M 0.55 2 L 0.55 -8 Z\"");
	HAS(b.data, "<path style=\"stroke:none;fill:#ffffff\" d=\"M 73 165 L 633 165 L 633 25 Z\"/>");
	/* Two grid lines of one style become one path with two subpaths. */
	HAS(b.data, "<path style=\"fill:none;stroke-width:0.4;stroke:#bbbbbb;stroke-dasharray:1,1\" "
		    "d=\"M 571 166 L 571 24 M 500 166 L 500 24\"/>");
	HAS(b.data, "</svg>");
	ck_assert_uint_lt(b.len, sizeof cairo_svg - 1);
	buf_reset(&b);
	/* Anything else is refused, not guessed at. */
	ck_assert_int_eq(dash_svg_slim("<html></html>", 13, &b, err, sizeof err), -1);
	ck_assert(strstr(err, "not an SVG") != NULL);
	buf_free(&b);
}
END_TEST

/* ---- the site ---------------------------------------------------------------- */

static void setup(void)
{
	setenv("TZ", "UTC", 1);	/* the dates asserted below */
	tzset();
	memset(&cfg, 0, sizeof cfg);
	memset(dienste, 0, sizeof dienste);
	strcpy(kreise[0].key, "16001");
	kreise[0].name = S("K1");
	kreise[0].population = 3000;
	strcpy(kreise[1].key, "16002");
	kreise[1].name = S("K2 <&>");
	kreise[1].population = 4000;
	strcpy(verbaende[0].key, "160010001");
	strcpy(verbaende[0].kreis, "16001");
	verbaende[0].name = S("V1");
	strcpy(verbaende[1].key, "160020001");
	strcpy(verbaende[1].kreis, "16002");
	verbaende[1].name = S("V2");
	for (int i = 0; i < 3; i++) {
		const char *ags = i == 0 ? "16001001" : i == 1 ? "16001002" : "16002001";
		strcpy(gemeinden[i].ags, ags);
		snprintf(gemeinden[i].ars, sizeof gemeinden[i].ars, "%.5s0001%s", ags, ags + 5);
		memcpy(gemeinden[i].kreis, ags, 5);
		gemeinden[i].kreis[5] = '\0';
		snprintf(gemeinden[i].verband, sizeof gemeinden[i].verband, "%.5s0001", ags);
		gemeinden[i].name = S(i == 0 ? "Gemeinde Eins" : i == 1 ? "Gemeinde Zwei" : "Gemeinde Drei");
		gemeinden[i].population = i == 0 ? 1000 : i == 1 ? 2000 : 4000;
	}
	for (int i = 0; i < 2; i++) {
		strcpy(leistungen[i].ozg_id, i == 0 ? "10000" : "10001");
		leistungen[i].name = S(i == 0 ? "Elterngeld" : "Kfz-Zulassung");
		leistungen[i].themenfeld_id = 1;
		leistungen[i].themenfeld = S("Familie & Kind");
		leistungen[i].lebenslage = i == 0 ? S("Geburt") : NULL;
	}
	for (int i = 0; i < 3; i++) {
		dienste[i].id = S(i == 0 ? "d0" : i == 1 ? "d1" : "d2");
		dienste[i].name = S(i == 0 ? "Elterngeld digital" : i == 1 ? "Kfz online" : "Hund <b>");
		dienste[i].provider = S("Anbieter");
		dienste[i].url = S("https://portal.example/x");
	}
	dienste[0].efa = true;
	memset(usage_metrics, 0, sizeof usage_metrics);
	usage_metrics[0].name = S("applications_submitted_total");
	usage_metrics[0].type = CFG_USAGE_COUNTER;
	usage_metrics[1].name = S("by_service_submitted_total");
	usage_metrics[1].type = CFG_USAGE_COUNTER;
	usage_metrics[1].label = S("service");
	usage_metrics[2].name = S("portal_status");
	usage_metrics[2].type = CFG_USAGE_GAUGE;
	usage_metrics[2].map = status_map;
	usage_metrics[2].n_map = 3;
	usage_metrics[3].name = S("queue_length");
	usage_metrics[3].type = CFG_USAGE_GAUGE;
	usage_cfg = (struct cfg_usage){ .url = S("https://portal.example/stats.json"),
					.metrics = usage_metrics, .n_metrics = 4 };
	dienste[0].usage = &usage_cfg;
	strcpy(angebote[0].area, "16");
	angebote[0].level = AREA_LAND;
	strcpy(angebote[0].ozg_id, "10000");
	angebote[0].dienst = 0;
	angebote[0].reifegrad = 3;
	strcpy(angebote[1].area, "16001");
	angebote[1].level = AREA_KREIS;
	strcpy(angebote[1].ozg_id, "10001");
	angebote[1].dienst = 1;
	angebote[1].reifegrad = 2;
	strcpy(angebote[2].area, "16002001");
	angebote[2].level = AREA_GEMEINDE;
	strcpy(angebote[2].ozg_id, "10001");
	angebote[2].dienst = 2;
	angebote[2].reifegrad = 4;
	strcpy(cfg.reg.land_key, "16");
	cfg.reg.land_name = S("Testland");
	cfg.reg.kreise = kreise;
	cfg.reg.n_kreise = 2;
	cfg.reg.verbaende = verbaende;
	cfg.reg.n_verbaende = 2;
	cfg.reg.gemeinden = gemeinden;
	cfg.reg.n_gemeinden = 3;
	cfg.reg.leistungen = leistungen;
	cfg.reg.n_leistungen = 2;
	cfg.dienste = dienste;
	cfg.n_dienste = 3;
	cfg.angebote = angebote;
	cfg.n_angebote = 3;
	cfg.global.reifegrad_max = 4;
	fixture_geo = NULL;
	fixture_store = NULL;
	d1_result = PROBE_TIMEOUT;
	d1_http = 0;
	fixture_last_fail = NULL;
	fixture_last_fail_http = NULL;
	memset(fixture_usage, 0, sizeof fixture_usage);
	/* d0: one incident, closed after an hour; d1 none (the tests open one). */
	memset(inc_fixture, 0, sizeof inc_fixture);
	inc_fixture[0] = (struct incident_stats){ .opened = 1, .closed = 1, .downtime_s = 3600 };
	tu_tmpdir(dir, sizeof dir, "dash-test");
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

/* The whole file rel of the generated site (caller frees); fails the test when missing. */
static char *slurp(const char *rel)
{
	char *s = tu_slurp(dir, rel);

	ck_assert_msg(s != NULL, "%s is missing", rel);
	return s;
}


/* ---- graphs -------------------------------------------------------------------- */

/* Creates dir/name of the store's layout `kind` (a minute's step), empty. */
static void make_rrd(const char *name, enum store_file_kind kind, const char *const *usage, size_t n,
		     char *path, size_t pathsz)
{
	char args[64][STORE_ARG_LEN];
	const char *argv[64];
	int argc = kind == STORE_TREND ? 0 : store_layout(kind, 60, usage, n, args, 64);

	if (kind == STORE_TREND) {	/* the rollout's trend file: its three sources */
		snprintf(args[argc++], STORE_ARG_LEN, "DS:online:GAUGE:172800:0:U");
		snprintf(args[argc++], STORE_ARG_LEN, "DS:flaechendeckend:GAUGE:172800:0:U");
		snprintf(args[argc++], STORE_ARG_LEN, "DS:fulfilled:GAUGE:172800:0:U");
		snprintf(args[argc++], STORE_ARG_LEN, "RRA:AVERAGE:0.5:60:800");
	}
	ck_assert_int_gt(argc, 0);
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];
	snprintf(path, pathsz, "%s/%s", dir, name);
	rrd_clear_error();
	ck_assert_msg(rrd_create_r(path, 60, 1795770300 - 7 * 86400, argc, argv) == 0, "%s", rrd_get_error());
}

/*
 * The legend of a graph as drawn: each swatch (a small filled square) and
 * the x of the first glyph of its row to the right of it.  Asserts that
 * there are `want` swatches and that every label starts at least 2 px
 * right of its swatch (whose 1 px frame reaches 0.5 px beyond it).
 */
static void legend_clear(const char *rel, size_t want)
{
	char *svg = slurp(rel), *p;
	double sw[16][4];
	size_t n = 0;

	for (p = svg; (p = strstr(p, "<path style=\"stroke:none;fill:#")); p++) {
		double x0, y0, x1, y1, a, b, c, d;
		char *dq = strstr(p, "\" d=\"");
		if (!dq || sscanf(dq, "\" d=\"M %lf %lf L %lf %lf L %lf %lf L %lf %lf Z\"", &x0, &y0, &a, &y1,
				  &x1, &b, &c, &d) != 8)
			continue;
		/* a square of a few pixels: the swatch */
		if (a != x0 || b != y1 || c != x1 || d != y0 || x1 - x0 < 4 || x1 - x0 > 20 ||
		    fabs((y1 - y0) - (x1 - x0)) > 1)
			continue;
		/* drawn twice, on the background's fill and in its own: one swatch */
		if (n > 0 && sw[n - 1][0] == x0 && sw[n - 1][1] == y0 && sw[n - 1][2] == x1 && sw[n - 1][3] == y1)
			continue;
		ck_assert_uint_lt(n, 16);
		sw[n][0] = x0;
		sw[n][1] = y0;
		sw[n][2] = x1;
		sw[n][3] = y1;
		n++;
	}
	ck_assert_msg(n == want, "%s: %zu legend swatches, want %zu", rel, n, want);
	for (size_t i = 0; i < n; i++) {
		double first = 1e9;
		for (p = svg; (p = strstr(p, "<use xlink:href=\"#")); p++) {
			double x, y;
			char *xa = strstr(p, " x=\"");
			if (!xa || sscanf(xa, " x=\"%lf\" y=\"%lf\"", &x, &y) != 2)
				continue;
			if (fabs(y - sw[i][3]) < 3 && x > sw[i][0] - 0.5 && x < first)
				first = x;
		}
		ck_assert_msg(first < 1e9, "%s: no label beside the swatch at x %.1f", rel, sw[i][0]);
		ck_assert_msg(first >= sw[i][2] + 2, "%s: the label at x %.1f runs into the swatch %.1f..%.1f",
			      rel, first, sw[i][0], sw[i][2]);
	}
	free(svg);
}

/* In every graph the legend's swatch and its label stand apart. */
START_TEST(graph_legend_clear_of_swatch)
{
	static const char *const usage[2] = { "applications_submitted_total", "by_service_submitted_total" };
	const struct dash_lang *de = dash_lang_get("de");
	const time_t now = 1795770300;
	enum dash_band band = DASH_BAND_UNKNOWN;
	char rrd[512], out[512], err[512], ds[2][STORE_DS_NAME_SIZE];
	const char *dsp[2] = { ds[0], ds[1] };

	make_rrd("a.rrd", STORE_MAIN, NULL, 0, rrd, sizeof rrd);
	snprintf(out, sizeof out, "%s/avail.svg", dir);
	ck_assert_msg(dash_graph_avail(rrd, out, now, de, err, sizeof err) == 0, "%s", err);
	legend_clear("avail.svg", 1);

	make_rrd("a.perf.rrd", STORE_PERF, NULL, 0, rrd, sizeof rrd);
	snprintf(out, sizeof out, "%s/latency.svg", dir);
	ck_assert_msg(dash_graph_latency(rrd, out, now, de, &band, err, sizeof err) == 0, "%s", err);
	/* five phases, the mean; the maximum and minimum when the layout keeps them */
	legend_clear("latency.svg", band == DASH_BAND_MINMAX ? 8 : band == DASH_BAND_MAX ? 7 : 6);

	make_rrd("trend.rrd", STORE_TREND, NULL, 0, rrd, sizeof rrd);
	snprintf(out, sizeof out, "%s/trend.svg", dir);
	ck_assert_msg(dash_graph_trend(rrd, out, now, de, err, sizeof err) == 0, "%s", err);
	legend_clear("trend.svg", 3);

	make_rrd("a.usage.rrd", STORE_USAGE, usage, 2, rrd, sizeof rrd);
	store_usage_ds_name(usage[0], ds[0]);
	store_usage_ds_name(usage[1], ds[1]);
	snprintf(out, sizeof out, "%s/usage.svg", dir);
	ck_assert_msg(dash_graph_usage(rrd, out, now, de, dsp, usage, 2, err, sizeof err) == 0, "%s", err);
	legend_clear("usage.svg", 2);
}
END_TEST

/*
 * Renders the fixture: d1 down (timeout), d0 up, d2 up; uptimes 99.5 % etc.
 * Certificates: d0 ends in 365 days, d1 in 5, d2 ended 2 days ago.  d0
 * read its usage statistics (3 values).  The journal: d1 down since an hour
 * (open), d0 down for an hour a day earlier (closed).
 */
/* The end of the demo's simulated past that generate() gives the pages; 0: none. */
static time_t gen_simulated_until;

static void generate(const char *lang, bool d1_down, struct dash_result *res)
{
	const time_t now = 1795770300;
	struct incident_event recent[2] = {
		{ .dienst = 1, .id = 7, .start_ms = (int64_t)(now - 3600) * 1000, .end_ms = 0,
		  .reason = d1_result },
		{ .dienst = 0, .id = 6, .start_ms = (int64_t)(now - 90000) * 1000,
		  .end_ms = (int64_t)(now - 86400) * 1000, .reason = PROBE_RESULT_COUNT },
	};
	struct usage_result *u = calloc(1, sizeof *u + 5 * sizeof u->v[0]);
	struct rollout_params p;
	struct rollout_ref ref = { 0 };
	struct snapshot *s = snapshot_new(&cfg);
	double up[ROLLOUT_WINDOWS][3];
	struct dash_input in = { 0 };
	struct incidents_view iv = { .cfg = &cfg, .n = 3, .d = inc_fixture };

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(u);
	atomic_init(&u->refs, 1);
	u->ok = true;
	u->fetched_ms = (int64_t)(now - 120) * 1000;
	u->n = 5;
	u->v[0] = (struct usage_value){ .metric = 0, .v = 1234 };
	u->v[1] = (struct usage_value){ .metric = 1, .label = "wohngeld", .v = 40 };
	u->v[2] = (struct usage_value){ .metric = 1, .label = "<kfz>", .v = 80 };
	u->v[3] = (struct usage_value){ .metric = 2, .v = 0.5 };	/* "degraded" */
	u->v[4] = (struct usage_value){ .metric = 3, .v = 7 };
	s->t[0].usage = u;	/* the snapshot's reference */
	for (size_t d = 1; d < 3; d++) {
		usage_result_ref(fixture_usage[d]);
		s->t[d].usage = fixture_usage[d];
	}
	s->t[0].cert_expiry_s = (int64_t)now + 365 * 86400 + 600;
	s->t[1].cert_expiry_s = (int64_t)now + 5 * 86400 + 600;
	s->t[2].cert_expiry_s = (int64_t)now - 2 * 86400;
	s->t[1].phase_s[PHASE_RESOLVE] = 0.0123;
	s->t[1].phase_s[PHASE_PROCESSING] = 0.25;
	s->t[1].duration_s = 0.3;
	for (size_t d = 0; d < 3; d++) {
		s->t[d].probed = true;
		s->t[d].success = !(d == 1 && d1_down);
		s->t[d].result = s->t[d].success ? PROBE_SUCCESS : d1_result;
		s->t[d].http_status = s->t[d].success ? 200 : d1_http;
		for (unsigned w = 0; w < ROLLOUT_WINDOWS; w++)
			up[w][d] = d == 0 ? 0.995 : d == 1 ? 0.9 : NAN;
	}
	rollout_params_default(&p);
	for (unsigned w = 0; w < ROLLOUT_WINDOWS; w++)
		ref.uptime[w] = up[w];
	ref.availability = up[ROLLOUT_AVAILABILITY_WINDOW];
	ref.r = rollout_compute(&cfg, ref.availability, &p);
	ck_assert_ptr_nonnull(ref.r);
	in.cfg = &cfg;
	in.snap = s;
	in.ro = &ref;
	in.L = dash_lang_get(lang);
	in.geo = fixture_geo;
	in.store = fixture_store;
	in.last_fail = fixture_last_fail;
	in.last_fail_http = fixture_last_fail_http;
	in.now = now;
	in.simulated_until = gen_simulated_until;
	in.recent = recent;
	in.n_recent = 2;
	in.inc = &iv;
	ck_assert_int_eq(dash_generate(&in, dir, res), 0);
	rollout_free(ref.r);
	snapshot_release(s);
}

/* No file of the site names another host or is left half-written. */
static void no_foreign_refs_no_tmp(const char *sub)
{
	char p[512];
	DIR *d;
	struct dirent *e;

	snprintf(p, sizeof p, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	d = opendir(p);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char rel[300], *s;
		if (e->d_name[0] == '.')
			continue;
		ck_assert_msg(strstr(e->d_name, ".tmp") == NULL, "temporary file left: %s", e->d_name);
		snprintf(rel, sizeof rel, "%s%s%s", sub ? sub : "", sub ? "/" : "", e->d_name);
		if (!strchr(e->d_name, '.'))
			continue;	/* a folder */
		s = slurp(rel);
		/* A portal's address may be shown as text, never linked or loaded. */
		HASNT(s, "src=\"http");
		HASNT(s, "href=\"http");
		HASNT(s, "src=\"//");
		HASNT(s, "href=\"//");
		HASNT(s, "url(");
		HASNT(s, "@import");
		free(s);
	}
	closedir(d);
}

START_TEST(site_german)
{
	struct dash_result res;
	char *s;

	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	/*
	 * index, status, dienste, 2 Kreise, 3 Gemeinden, 3 Dienste; 2 Leistungen,
	 * the catalogue and its filters (1 Themenfeld, 1 Lebenslage, Reifegrad
	 * 0-4 and none), gemeinden.html
	 */
	ck_assert_uint_eq(res.pages, 11 + 2 + 1 + 1 + 1 + 6 + 1);

	s = slurp("index.html");
	HAS(s, "<html lang=\"de\">");
	HAS(s, "<a class=\"skip\" href=\"#main\">Zum Inhalt springen</a>");
	HAS(s, "<main id=\"main\">");
	HAS(s, "<h1>Testland: Umsetzungsstand und Verfügbarkeit</h1>");
	HAS(s, "href=\"kreis/16001.html\">K1</a>");
	HAS(s, "K2 &lt;&amp;&gt;");		/* names are escaped */
	HAS(s, "<th scope=\"col\"");
	HAS(s, "27.11.2026, 09:05 Uhr");
	HAS(s, "Familie &amp; Kind");
	HAS(s, "<script src=\"sort.js\" defer></script>");
	free(s);

	s = slurp("gemeinde/16001001.html");
	HAS(s, "Gemeinde: Gemeinde Eins");
	HAS(s, "href=\"../dienst/d0.html\">Elterngeld digital</a>");
	HAS(s, "href=\"../dienst/d1.html\">Kfz online</a>");
	HASNT(s, "dienst/d2.html");		/* d2 serves another Gemeinde */
	HAS(s, ">99,50 %</td>");
	HAS(s, ">90,00 %</td>");
	HAS(s, "Zeitüberschreitung");
	HAS(s, "✗</span> gestört");
	HAS(s, "href=\"../style.css\"");
	free(s);

	s = slurp("gemeinde/16002001.html");
	HAS(s, "Hund &lt;b&gt;");
	HASNT(s, "dienst/d1.html");
	/* Certificates, never by colour alone: a symbol and words. */
	HAS(s, "✗ abgelaufen (25.11.2026)</td>");
	HAS(s, ">27.11.2027 (365 Tage)</td>");
	/* The latest incidents of the Dienste covering it: d0's, not d1's. */
	HAS(s, "<h2 id=\"stoerungsverlauf\">Letzte Störungen</h2>");
	HAS(s, "26.11.2026, 08:05 Uhr UTC</td><td>26.11.2026, 09:05 Uhr UTC</td>");
	HAS(s, ">1 h 00 min</td><td>unbekannt</td>");
	HASNT(s, "andauernd");
	free(s);

	s = slurp("gemeinde/16001001.html");
	HAS(s, "⚠ 02.12.2026 (5 Tage, läuft bald ab)</td>");
	HAS(s, "<strong>andauernd</strong>");
	HAS(s, "<th scope=\"col\" class=\"num\">Zertifikat</th>");
	free(s);

	s = slurp("dienst/d1.html");
	/* Latency by phase: mean over 24 h (no series here) and the latest probe, in ms. */
	HAS(s, "<h2 id=\"antwortzeit\">Antwortzeit nach Phasen</h2>");
	HAS(s, "<th scope=\"row\">Namensauflösung (DNS)</th><td class=\"num\" data-v=\"-1\">–</td>"
	       "<td class=\"num\" data-v=\"12.3\">12,3</td>");
	HAS(s, "<th scope=\"row\">bis zum ersten Byte</th>");
	HAS(s, "<tr class=\"total\"><th scope=\"row\">gesamt</th>");
	HAS(s, ">300,0</td>");
	HAS(s, "Für diesen Dienst ist keine Nutzungsstatistik eingerichtet.");
	HAS(s, "Zertifikat gültig bis</dt><dd>⚠ 02.12.2026 (5 Tage, läuft bald ab)</dd>");
	HAS(s, "<strong>andauernd</strong>");
	HAS(s, ">Zeitüberschreitung</td>");
	free(s);

	s = slurp("dienst/d0.html");
	/* Usage: every value, labels escaped, a bar per value of a labelled metric. */
	HAS(s, "<h2 id=\"nutzung\">Nutzung</h2>");
	HAS(s, "abgerufen 27.11.2026, 09:03 Uhr UTC.");
	HAS(s, "<th scope=\"row\">Eingereichte Anträge</th><td>–</td><td class=\"num\" data-v=\"1234\">1.234");
	HAS(s, "<td>&lt;kfz&gt;</td><td class=\"num\" data-v=\"80\">80 <svg class=\"bar\" aria-hidden=\"true\"");
	HAS(s, "<rect width=\"60\" height=\"10\"");	/* 40 of 80 */
	free(s);

	s = slurp("status.html");
	HAS(s, "✗</span> 1 von 3 Diensten gestört</p>");
	HASNT(s, "Alle Dienste verfügbar");
	/* The incident history from the journal: start, end, duration, reason, newest first. */
	HAS(s, "<h2 id=\"verlauf\">Störungsverlauf</h2>");
	HAS(s, "<th scope=\"col\">Beginn</th><th scope=\"col\">Ende</th>");
	ck_assert_ptr_nonnull(strstr(s, "dienst/d1.html"));
	ck_assert(strstr(strstr(s, "Beginn"), "dienst/d1.html") < strstr(strstr(s, "Beginn"), "dienst/d0.html"));
	HAS(s, "27.11.2026, 08:05 Uhr UTC</td><td><strong>andauernd</strong></td>");
	free(s);

	s = slurp("dienst/d0.html");
	HAS(s, "Onlinedienst: Elterngeld digital");
	HAS(s, "<code>");
	free(s);

	s = slurp("badge/d1-status.svg");
	HAS(s, "role=\"img\"");
	HAS(s, "<title id=\"t\">Kfz online – Status: gestört</title>");
	free(s);
	s = slurp("badge/d0-uptime.svg");
	HAS(s, ">99,50 %</text>");
	free(s);

	s = slurp("kreis/16001.html");
	HAS(s, "href=\"../gemeinde/16001002.html\">Gemeinde Zwei</a>");
	free(s);
}
END_TEST

START_TEST(site_english_all_up)
{
	struct dash_result res;
	char *s;

	generate("en", false, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("status.html");
	HAS(s, "<html lang=\"en\">");
	HAS(s, "All services available");
	free(s);
	s = slurp("gemeinde/16001001.html");
	HAS(s, ">99.50%</td>");
	free(s);
}
END_TEST

/*
 * An open incident's downtime is its duration so far (now - start), marked
 * as ongoing, never "0 s": on the status page, the Dienst page and the
 * Dienste table of an area.
 */
START_TEST(open_incident_downtime)
{
	const time_t now = 1795770300;
	struct dash_result res;
	char *s;

	/* d1: one incident, open for an hour, nothing closed before. */
	inc_fixture[1] = (struct incident_stats){ .opened = 1, .open = true,
						  .open_since_ms = (int64_t)(now - 3600) * 1000,
						  .open_reason = PROBE_TIMEOUT };
	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("status.html");
	HAS(s, "dienst/d1.html\">Kfz online</a></th><td class=\"num\" data-v=\"1\">1</td>"
	       "<td class=\"num\" data-v=\"3600\">1 h 00 min (andauernd)</td>");
	HAS(s, "dienst/d0.html\">Elterngeld digital</a></th><td class=\"num\" data-v=\"1\">1</td>"
	       "<td class=\"num\" data-v=\"3600\">1 h 00 min</td>");
	/* The history's open row: its duration so far, "andauernd" as its end. */
	HAS(s, "<td>27.11.2026, 08:05 Uhr UTC</td><td><strong>andauernd</strong></td>"
	       "<td class=\"num\" data-v=\"3600\">1 h 00 min</td>");
	HASNT(s, ">0 s<");
	free(s);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Ausfallzeit</dt><dd>1 h 00 min (andauernd)</dd>");
	free(s);
	s = slurp("gemeinde/16001001.html");
	HAS(s, "<td class=\"num\" data-v=\"1\">1<br><span class=\"sub\">1 h 00 min (andauernd)</span></td>");
	HASNT(s, ">0 s<");
	free(s);

	/* Half an hour closed before, and the open hour: the sum, the open part named. */
	inc_fixture[1].opened = 2;
	inc_fixture[1].closed = 1;
	inc_fixture[1].downtime_s = 1800;
	generate("de", true, &res);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Ausfallzeit</dt><dd>1 h 30 min (davon 1 h 00 min andauernd)</dd>");
	free(s);
	s = slurp("status.html");
	HAS(s, "<td class=\"num\" data-v=\"5400\">1 h 30 min (davon 1 h 00 min andauernd)</td>");
	free(s);
	generate("en", true, &res);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Downtime</dt><dd>1 h 30 min (of which 1 h 00 min ongoing)</dd>");
	free(s);
}
END_TEST

/*
 * A count's noun agrees with the number it follows, in the case "von" asks
 * for: "27 von 670 Diensten", "1 von 1 Dienst"; likewise "1 Tag", "1
 * weiterer Wert".
 */
START_TEST(counts_agree_with_their_noun)
{
	const struct dash_lang *de = dash_lang_get("de"), *en = dash_lang_get("en");
	const time_t now = 1795770300;
	struct dash_input in = { .cfg = &cfg, .L = de, .now = now };
	struct usage_result *u = calloc(1, sizeof *u + 41 * sizeof u->v[0]);
	struct dash_result res;
	struct snapshot *sn;
	struct buf b;
	struct cfg c;
	char o[320], *s;

	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 27, 670, de->svc_one, de->svc_many, de), "27 von 670 Diensten");
	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 1, 1, de->svc_one, de->svc_many, de), "1 von 1 Dienst");
	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 0, 1, de->svc_one, de->svc_many, de), "0 von 1 Dienst");
	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 1234, 2000, de->svc_one, de->svc_many, de),
			 "1.234 von 2.000 Diensten");
	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 1, 1, en->svc_one, en->svc_many, en), "1 of 1 service");
	ck_assert_str_eq(dash_fmt_of(o, sizeof o, 27, 670, en->svc_one, en->svc_many, en), "27 of 670 services");
	memset(&c, 0, sizeof c);
	c.n_dienste = c.n_dienste_file = 1;
	c.global.shard_index = 1;
	c.global.shard_count = 2;
	dash_fmt_shard(o, sizeof o, &c, de);
	ck_assert_msg(strncmp(o, "Shard 1 von 2: 1 von 1 Onlinedienst. Diese Seiten", 49) == 0, "%s", o);
	dash_fmt_shard(o, sizeof o, &c, en);
	ck_assert_msg(strncmp(o, "Shard 1 of 2: 1 of 1 online service. These pages", 48) == 0, "%s", o);

	/* One Dienst, probed and down: the banner, the live page, a day of certificate left, 41 values. */
	cfg.n_dienste = 1;
	cfg.n_angebote = 1;
	sn = snapshot_new(&cfg);
	ck_assert_ptr_nonnull(sn);
	ck_assert_ptr_nonnull(u);
	atomic_init(&u->refs, 1);
	u->ok = true;
	u->fetched_ms = (int64_t)now * 1000;
	u->n = 41;
	for (size_t i = 0; i < u->n; i++)
		u->v[i] = (struct usage_value){ .metric = 1, .v = (double)i };
	for (size_t i = 0; i < u->n; i++)
		snprintf(u->v[i].label, sizeof u->v[i].label, "k%zu", i);
	sn->t[0].usage = u;
	sn->t[0].probed = true;
	sn->t[0].success = false;
	sn->t[0].result = PROBE_TIMEOUT;
	sn->t[0].cert_expiry_s = (int64_t)now + 86400 + 600;
	in.snap = sn;
	ck_assert_int_eq(dash_generate(&in, dir, &res), 0);
	s = slurp("status.html");
	HAS(s, "✗</span> 1 von 1 Dienst gestört</p>");
	free(s);
	s = slurp("dienst/d0.html");
	HAS(s, "(1 Tag, läuft bald ab)");
	HAS(s, "<p>1 weiterer Wert nicht angezeigt.</p>");
	free(s);
	in.L = en;
	ck_assert_int_eq(dash_generate(&in, dir, &res), 0);
	s = slurp("status.html");
	HAS(s, "✗</span> 1 of 1 service disrupted</p>");
	free(s);
	s = slurp("dienst/d0.html");
	HAS(s, "(1 day, expires soon)");
	HAS(s, "<p>1 more value not shown.</p>");
	free(s);
	buf_init(&b, 1 << 20);
	status_page_render(&b, sn, "de");
	HAS(b.data, "0 von 1 geprüften Dienst verfügbar, 1 gestört, 0 noch nicht geprüft.");
	buf_reset(&b);
	status_page_render(&b, sn, "en");
	HAS(b.data, "0 of 1 probed service up, 1 down, 0 not yet probed.");
	buf_free(&b);
	snapshot_release(sn);
}
END_TEST

/*
 * A sub-millisecond mean is shown with the one decimal of the latency table,
 * "0,3 ms", never "0 ms" beside a table that says 0,3.
 */
START_TEST(latency_sub_millisecond)
{
	const time_t now = 1795770300;
	struct dash_result res;
	struct store *st;
	char err[256], *s;

	for (int i = 0; i < 3; i++)
		dienste[i].interval_ms = 60000;
	st = store_new(&cfg, dir, 1024, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	/* d1 answered in 0.3 ms every minute of the hour before now (0.1 ms to the first byte). */
	for (int i = 60; i > 0; i--) {
		struct store_sample smp = { .target = 1, .ts_ms = (int64_t)(now - 60 * i) * 1000, .up = true,
					    .answered = true, .duration_s = 0.0003, .http_status = 200,
					    .has_phases = true, .resolve_s = 0.00005, .connect_s = 0.00005,
					    .tls_s = 0, .processing_s = 0.0001, .transfer_s = 0.0001 };
		ck_assert_int_eq(store_submit(st, &smp), 0);
	}
	store_stop(st);
	fixture_store = st;
	generate("de", false, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("dienst/d1.html");
	HAS(s, "Antwortzeit der letzten 24 Stunden: Mittel 0,3 ms, Höchstwert 0,3 ms, Zuletzt 0,3 ms.</figcaption>");
	HAS(s, "<tr class=\"total\"><th scope=\"row\">gesamt</th><td class=\"num\" data-v=\"0.3\">0,3</td>");
	HAS(s, "<th scope=\"row\">bis zum ersten Byte</th><td class=\"num\" data-v=\"0.1\">0,1</td>");
	HASNT(s, "Mittel 0 ms");
	free(s);
	s = slurp("kreis/16001.html");
	HAS(s, "Kfz online. Antwortzeit der letzten 24 Stunden: Mittel 0,3 ms, Höchstwert 0,3 ms, Zuletzt 0,3 ms.");
	/* A Dienst without a series: "–", no unit after it. */
	HAS(s, "Elterngeld digital. Antwortzeit der letzten 24 Stunden: Mittel –, Höchstwert –, Zuletzt –.");
	free(s);
	generate("en", false, &res);
	s = slurp("dienst/d1.html");
	HAS(s, "Response time over the last 24 hours: Mean 0.3 ms, Maximum 0.3 ms, Latest 0.3 ms.");
	free(s);
	fixture_store = NULL;
	store_free(st);
}
END_TEST

/* An unexpected HTTP status names its code wherever the reason is shown. */
START_TEST(http_status_reason_names_the_code)
{
	static const enum probe_result last_fail[3] = { PROBE_HTTP_STATUS, PROBE_SUCCESS, PROBE_SUCCESS };
	static const int last_http[3] = { 502, 0, 0 };
	const time_t now = 1795770300;
	struct dash_result res;
	char *s;

	d1_result = PROBE_HTTP_STATUS;
	d1_http = 503;
	inc_fixture[1] = (struct incident_stats){ .opened = 1, .open = true,
						  .open_since_ms = (int64_t)(now - 3600) * 1000,
						  .open_reason = PROBE_HTTP_STATUS };
	/* d0 answers now; its latest failure seen was a 502. */
	fixture_last_fail = last_fail;
	fixture_last_fail_http = last_http;
	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Letzte Fehlerursache</dt><dd>unerwarteter HTTP-Status 503</dd>");
	/* its open incident in the history */
	HAS(s, "<td class=\"num\" data-v=\"3600\">1 h 00 min</td><td>unerwarteter HTTP-Status 503</td></tr>");
	free(s);
	s = slurp("dienst/d0.html");
	HAS(s, "<dt>Letzte Fehlerursache</dt><dd>unerwarteter HTTP-Status 502</dd>");
	free(s);
	s = slurp("gemeinde/16001001.html");
	HAS(s, "</span></td><td>unerwarteter HTTP-Status 503</td>");
	HAS(s, "</span></td><td>unerwarteter HTTP-Status 502</td>");
	free(s);
	s = slurp("status.html");
	HAS(s, "<td>Anbieter</td><td>unerwarteter HTTP-Status 503</td>");	/* the disrupted table */
	HAS(s, "<td>unerwarteter HTTP-Status 503</td></tr>");
	HASNT(s, "unerwarteter HTTP-Status<");
	free(s);
	s = slurp("index.html");
	HAS(s, "<td>27.11.2026, 08:05 Uhr UTC</td><td>unerwarteter HTTP-Status 503</td></tr>");
	free(s);
	generate("en", true, &res);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Last failure reason</dt><dd>unexpected HTTP status 503</dd>");
	free(s);
	/* No status read (0): the reason alone. */
	d1_http = 0;
	generate("de", true, &res);
	s = slurp("dienst/d1.html");
	HAS(s, "<dt>Letzte Fehlerursache</dt><dd>unerwarteter HTTP-Status</dd>");
	free(s);
}
END_TEST

/*
 * Every page with inhabitants' figures (from Destatis' Gemeindeverzeichnis)
 * carries the attribution data/registers/SOURCES.md requires, word for word;
 * pages without such figures do not.
 */
START_TEST(population_pages_carry_destatis_attribution)
{
	static const char attribution[] =
		"<footer><p class=\"attribution\">Quelle: Statistisches Bundesamt (Destatis), "
		"Gemeindeverzeichnis GV100AD, Stand 30.11.2021 (Datenlizenz Deutschland – Namensnennung – "
		"Version 2.0). Auszug Thüringen, in CSV umgewandelt.</p>";
	static const char *const with[] = { "index.html", "kreis/16001.html", "gemeinde/16001001.html",
					     "dienst/d0.html", "leistung/10000.html", "gemeinden.html" };
	static const char *const without[] = { "status.html", "dienste.html", "leistungen.html" };
	struct dash_result res;
	char *s;

	for (int lang = 0; lang < 2; lang++) {
		generate(lang ? "en" : "de", true, &res);
		ck_assert_uint_eq(res.errors, 0);
		for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
			s = slurp(with[i]);
			ck_assert_msg(strstr(s, attribution) != NULL, "%s: no Destatis attribution", with[i]);
			/* the figures it covers are on the page */
			ck_assert_msg(strstr(s, "Einwohner") || strstr(s, "Inhabitants"), "%s: no inhabitants", with[i]);
			free(s);
		}
		for (size_t i = 0; i < sizeof without / sizeof without[0]; i++) {
			s = slurp(without[i]);
			HASNT(s, "Destatis");
			free(s);
		}
	}
}
END_TEST

/*
 * A demo with a simulated past says so at the top of every page, with the
 * time it ends in the configured zone; a measured history has no banner.
 * demo_past_until reads the time from the marker demo_past_write writes.
 */
START_TEST(simulated_past_is_labelled)
{
	static const char *const pages[] = { "index.html", "status.html", "kreis/16001.html",
					     "gemeinde/16001001.html", "dienst/d0.html",
					     "leistung/10000.html", "dienste.html", "leistungen.html" };
	char tmpl[] = "/tmp/ozgmon-sim.XXXXXX", path[300];
	struct dash_result res;
	FILE *f;
	char *s;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_eq(demo_past_until(tmpl), 0);		/* no marker */
	snprintf(path, sizeof path, "%s/%s", tmpl, DEMO_PAST_MARKER);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"simulated\": true, \"generated_at\": \"2026-11-27T07:30:00Z\", \"until\": \"x\"}\n", f);
	fclose(f);
	gen_simulated_until = demo_past_until(tmpl);
	ck_assert_int_eq(gen_simulated_until, 1795764600);	/* 2026-11-27 07:30:00 UTC */
	unlink(path);
	rmdir(tmpl);

	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		s = slurp(pages[i]);
		/* in the zone the test runs in (clock.c; UTC here) */
		const char *m = strstr(s, "<main id=\"main\">");
		ck_assert_msg(m && strstr(s, "<main id=\"main\">\n<p class=\"simulated\" role=\"note\">Demo: "
				     "Verlauf und Trends vor 27.11.2026, 07:30 Uhr UTC sind simuliert, "
				     "nicht gemessen.</p>\n<h1>") != NULL, "%s: no banner: %.300s", pages[i], m ? m : s);
		free(s);
	}
	gen_simulated_until = 0;
	generate("de", true, &res);
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		s = slurp(pages[i]);
		HASNT(s, "simuliert");
		free(s);
	}
}
END_TEST

/* The table row whose header is `name` on page s, from the header on (caller frees). */
static char *usage_row(const char *s, const char *name)
{
	char want[128];
	const char *a, *e;

	snprintf(want, sizeof want, "<th scope=\"row\">%s</th>", name);
	a = strstr(s, want);
	ck_assert_msg(a != NULL, "no usage row %s", name);
	e = strstr(a, "</tr>");
	ck_assert_ptr_nonnull(e);
	return strndup(a, (size_t)(e - a));
}

/*
 * A counter's value is an amount: a bar from zero.  A gauge's value is a
 * level: a mark on its scale (its map's range, or its members' largest
 * value), never a filled bar; without a scale, the value alone.
 */
START_TEST(usage_gauge_is_a_level)
{
	struct dash_result res;
	char *s, *row;

	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("dienst/d0.html");
	row = usage_row(s, "Eingereichte Anträge");
	HAS(row, "<svg class=\"bar\" aria-hidden=\"true\" width=\"120\" height=\"10\"><rect width=\"120\" height=\"10\" fill=\"#1b1b1b\"/>");
	free(row);
	/* 0.5 ("degraded") on the map's scale 0 .. 1: a mark in the middle, nothing filled */
	row = usage_row(s, "Zustand des Portals");
	HAS(row, "data-v=\"0.5\">0,50 <svg class=\"level\" aria-hidden=\"true\" width=\"120\" height=\"10\">"
		 "<rect width=\"120\" height=\"10\" fill=\"none\" stroke=\"#1b1b1b\"/>"
		 "<rect x=\"58.5\" width=\"3\" height=\"10\" fill=\"#1b1b1b\"/></svg>");
	HASNT(row, "class=\"bar\"");
	free(row);
	/* a lone gauge without a map has no scale: its value only */
	row = usage_row(s, "<code>queue_length</code>");
	HAS(row, "data-v=\"7\">7</td>");
	HASNT(row, "<svg");
	free(row);
	free(s);
}
END_TEST

/*
 * Usage metrics are named in the page's language: a configured title: first,
 * else the pages' own name for the demo portals' metrics, else the raw name
 * as code; in the table of values and in the totals over time.
 */
START_TEST(usage_titles_in_the_pages_language)
{
	static const char *const stored[2] = { "applications_submitted_total", "by_service_submitted_total" };
	const time_t now = 1795770300;
	struct dash_result res;
	struct store *st;
	char err[256], *s;

	ck_assert_ptr_null(dash_usage_title(&usage_metrics[3], dash_lang_get("de")));
	ck_assert_str_eq(dash_usage_title(&usage_metrics[0], dash_lang_get("de")), "Eingereichte Anträge");
	ck_assert_str_eq(dash_usage_title(&usage_metrics[0], dash_lang_get("en")), "Applications submitted");
	/* The configured title wins, in any language. */
	usage_metrics[1].title = S("Anträge nach Leistung <neu>");
	usage_metrics[3].title = S("Warteschlange");
	usage_cfg.stored_names[0] = stored[0];
	usage_cfg.stored_names[1] = stored[1];
	usage_cfg.stored_metric[0] = 0;
	usage_cfg.stored_metric[1] = 1;
	usage_cfg.n_stored = 2;
	for (int i = 0; i < 3; i++)
		dienste[i].interval_ms = 60000;
	st = store_new(&cfg, dir, 1024, err, sizeof err);
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_start(st, err, sizeof err), 0);
	for (int i = 180; i > 0; i--) {
		const double v[2] = { 1000.0 + 3 * (180 - i), 500.0 + (180 - i) };
		ck_assert_int_eq(store_submit_usage(st, 0, (int64_t)(now - 60 * i) * 1000, 2, stored, v), 0);
	}
	store_stop(st);
	fixture_store = st;
	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("dienst/d0.html");
	HAS(s, "<th scope=\"row\">Eingereichte Anträge</th><td>–</td>");
	HAS(s, "<th scope=\"row\">Anträge nach Leistung &lt;neu&gt;</th><td>wohngeld</td>");
	HAS(s, "<th scope=\"row\">Zustand des Portals</th><td>–</td>");
	HAS(s, "<th scope=\"row\">Warteschlange</th><td>–</td>");
	/* the totals over time name the stored counters the same way */
	HAS(s, "<h3>Nutzung im Verlauf</h3>");
	HAS(s, "<tr><th scope=\"row\">Eingereichte Anträge</th><td class=\"num\">");
	HAS(s, "<tr><th scope=\"row\">Anträge nach Leistung &lt;neu&gt;</th><td class=\"num\">");
	HASNT(s, "applications_submitted_total");
	HASNT(s, "by_service_submitted_total");
	HASNT(s, "portal_status");
	free(s);
	generate("en", true, &res);
	s = slurp("dienst/d0.html");
	HAS(s, "<th scope=\"row\">Applications submitted</th><td>–</td>");
	HAS(s, "<th scope=\"row\">Portal status</th><td>–</td>");
	free(s);
	fixture_store = NULL;
	store_free(st);
}
END_TEST

/* A usage result of n values (metric, value) fetched at `at`. */
static struct usage_result *usage_of(time_t at, size_t n, const struct usage_value *v)
{
	struct usage_result *u = calloc(1, sizeof *u + n * sizeof u->v[0]);

	ck_assert_ptr_nonnull(u);
	atomic_init(&u->refs, 1);
	u->ok = true;
	u->fetched_ms = u->last_ok_ms = (int64_t)at * 1000;
	u->n = n;
	memcpy(u->v, v, n * sizeof *v);
	return u;
}

/*
 * d0 and d1 are two Dienste of one portal that name its one statistics
 * document; d2 reads another portal's.  The Land page's sums count the
 * shared document once, and each Dienst page says its figures are the
 * portal's, naming the other Dienst.
 */
START_TEST(shared_usage_document_counts_once)
{
	static struct cfg_usage_metric other_metrics[1];
	static struct cfg_usage other;
	/* d1 fetched the same document as d0 (generate(): 1234, 40 + 80, ...) */
	static const struct usage_value same[5] = {
		{ .metric = 0, .v = 1234 }, { .metric = 1, .label = "wohngeld", .v = 40 },
		{ .metric = 1, .label = "<kfz>", .v = 80 }, { .metric = 2, .v = 0.5 }, { .metric = 3, .v = 7 },
	};
	static const struct usage_value theirs[1] = { { .metric = 0, .v = 100 } };
	const time_t now = 1795770300;
	struct dash_result res;
	char *s;

	other_metrics[0] = usage_metrics[0];
	other = (struct cfg_usage){ .url = S("https://other.example/stats.json"), .metrics = other_metrics,
				    .n_metrics = 1 };
	dienste[1].usage = &usage_cfg;	/* the same address as d0's */
	dienste[2].usage = &other;
	fixture_usage[1] = usage_of(now - 60, 5, same);
	fixture_usage[2] = usage_of(now - 60, 1, theirs);
	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);
	s = slurp("index.html");
	HAS(s, "<h2 id=\"nutzung\">Nutzung</h2>");
	/* 1234 once (d0 and d1 share it) and d2's 100: 1.334 from 2 documents, not 2.568 from 3 */
	HAS(s, "<tr><th scope=\"row\">Eingereichte Anträge</th><td class=\"num\" data-v=\"1334\">1.334</td>"
	       "<td class=\"num\" data-v=\"2\">2</td></tr>");
	HAS(s, "<tr><th scope=\"row\">Eingereichte Anträge je Leistung</th><td class=\"num\" data-v=\"120\">120</td>"
	       "<td class=\"num\" data-v=\"1\">1</td></tr>");
	HASNT(s, "Zustand des Portals");	/* gauges are not summed */
	free(s);
	s = slurp("dienst/d1.html");
	HAS(s, "<p class=\"shared\">Diese Statistik gilt für das ganze Portal, nicht für diesen Dienst allein; "
	       "dieselbe Statistik haben auch: <a href=\"../dienst/d0.html\">Elterngeld digital</a>.</p>");
	free(s);
	s = slurp("dienst/d0.html");
	HAS(s, "dieselbe Statistik haben auch: <a href=\"../dienst/d1.html\">Kfz online</a>.</p>");
	free(s);
	s = slurp("dienst/d2.html");
	HASNT(s, "class=\"shared\"");
	free(s);
	usage_result_release(fixture_usage[1]);
	usage_result_release(fixture_usage[2]);
}
END_TEST

START_TEST(site_self_contained)
{
	struct dash_result res;
	static const char *const subs[] = { NULL, "kreis", "gemeinde", "dienst", "badge" };

	generate("de", true, &res);
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		no_foreign_refs_no_tmp(subs[i]);
	ck_assert_uint_lt(res.largest, 200 * 1024);
	/* A second run replaces every file in place. */
	generate("de", false, &res);
	ck_assert_uint_eq(res.errors, 0);
	no_foreign_refs_no_tmp(NULL);
}
END_TEST


/* The list of all Onlinedienste is split into pages of DASH_LIST_PAGE rows. */
START_TEST(dienste_pages)
{
	enum { N = 2 * DASH_LIST_PAGE + 20 };
	struct cfg_dienst *many = calloc(N, sizeof *many);
	char (*ids)[16] = calloc(N, sizeof *ids);
	struct dash_input in = { .cfg = &cfg, .L = dash_lang_get("de"), .now = 1795770300 };
	struct dash_result res;
	char *s, *p;
	size_t rows = 0;

	ck_assert_ptr_nonnull(many);
	ck_assert_ptr_nonnull(ids);
	for (size_t i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "x%zu", i);
		many[i].id = ids[i];
		many[i].name = ids[i];
		many[i].provider = S("P");
		many[i].url = S("https://p.example/");
	}
	cfg.dienste = many;
	cfg.n_dienste = N;
	cfg.n_angebote = 0;
	ck_assert_int_eq(dash_generate(&in, dir, &res), 0);
	s = slurp("dienste.html");
	HAS(s, "<strong aria-current=\"page\">Seite 1 (1–150)</strong>");
	HAS(s, "<a href=\"dienste-2.html\">Seite 2 (151–300)</a>");
	HAS(s, "<a href=\"dienste-3.html\">Seite 3 (301–320)</a>");
	for (p = s; (p = strstr(p, "<tr><th scope=\"row\">")); p++)
		rows++;
	ck_assert_uint_eq(rows, DASH_LIST_PAGE);
	free(s);
	s = slurp("dienste-3.html");
	HAS(s, "<strong aria-current=\"page\">Seite 3 (301–320)</strong>");
	HAS(s, "dienst/x319.html");
	HASNT(s, "dienst/x299.html\"");
	free(s);
	cfg.dienste = dienste;
	cfg.n_dienste = 3;
	free(many);
	free(ids);
}
END_TEST

START_TEST(site_unwritable_dir)
{
	struct dash_result res;
	struct dash_input in = { .cfg = &cfg, .L = dash_lang_get("de"), .now = 1 };

	ck_assert_int_eq(dash_generate(&in, "/proc/ozgmon-no-such/www", &res), -1);
	ck_assert_uint_ge(res.errors, 1);
	ck_assert(strstr(res.first_error, "/proc/ozgmon-no-such/www") != NULL);
}
END_TEST

/* The line a sharded instance's pages carry, in both languages; none when not sharded. */
START_TEST(shard_line)
{
	struct cfg c;
	char out[320];

	memset(&c, 0, sizeof c);
	c.n_dienste = 5;
	c.n_dienste_file = 9;
	ck_assert_str_eq(dash_fmt_shard(out, sizeof out, &c, dash_lang_get("de")), "");
	c.global.shard_index = 2;
	c.global.shard_count = 3;
	dash_fmt_shard(out, sizeof out, &c, dash_lang_get("de"));
	ck_assert_msg(strncmp(out, "Shard 2 von 3: 5 von 9 Onlinediensten.", 38) == 0, "%s", out);
	dash_fmt_shard(out, sizeof out, &c, dash_lang_get("en"));
	ck_assert_msg(strncmp(out, "Shard 2 of 3: 5 of 9 online services.", 37) == 0, "%s", out);
	ck_assert_str_eq(dash_fmt_shard(out, 8, &c, dash_lang_get("en")), "Shard 2");
}
END_TEST


/* ---- geometry and maps --------------------------------------------------------- */

/* Writes text to dir/name and returns its path in a static buffer. */
static const char *geo_file(const char *name, const char *text)
{
	static char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* The fixture's areas: K1 left, K2 right; G1 top left, G2 bottom left, G3 = K2. */
static const char fixture_geo_text[] =
	"ozgmon-geo 1\nunit 100\norigin 3500000 5700000\nsize 100 100\n"
	"L 16 0,0 100,0 100,100 0,100\n"
	"K 16001 0,0 50,0 50,100 0,100\n"
	"K 16002 50,0 100,0 100,100 50,100\n"
	"V 160010001 0,0 50,0 50,100 0,100\n"
	"G 16001001 0,0 50,0 50,50 0,50\n"
	"G 16001002 0,50 50,50 50,100 0,100 ; 10,60 20,60 20,70\n"
	"G 16002001 50,0 100,0 100,100 50,100\n";

START_TEST(geo_loads)
{
	struct geo g;
	char err[512];
	const struct geo_area *a;

	ck_assert_int_eq(geo_load(&g, geo_file("t.geo", fixture_geo_text), err, sizeof err), 0);
	ck_assert_uint_eq(g.unit, 100);
	ck_assert_int_eq(g.origin_x, 3500000);
	ck_assert_int_eq(g.w, 100);
	ck_assert_uint_eq(g.n, 7);
	a = geo_find(&g, AREA_GEMEINDE, "16001002");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->n_rings, 2);	/* with its hole */
	ck_assert_int_eq(a->miny, 50);
	ck_assert_int_eq(a->maxx, 50);
	ck_assert_ptr_null(geo_find(&g, AREA_KREIS, "16001001"));
	ck_assert_int_eq(geo_check(&g, &cfg.reg, "t.geo", err, sizeof err), 0);
	geo_free(&g);
	ck_assert_uint_eq(g.n, 0);
}
END_TEST

/* Each bad input is refused with its place: file:line:column or the key. */
START_TEST(geo_refuses_bad_input)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "ozgmon-geo 2\n", ":1:1: expected 'ozgmon-geo 1'" },
		{ "ozgmon-geo 1\nunit 0\n", ":2:7: unit must be at least 1" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\n", ":4:1: the header ends early" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nG 16001001 1,1 2,2\n",
		  ":5:19: a ring needs at least 3 points, found 2" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nG 16001001 1,1 20,2 3,3\n",
		  ":5:16: number larger than 10" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nK 1600 1,1 2,2 3,3\n",
		  ":5:3: key must be 5 digits for level K" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nX 16 1,1 2,2 3,3\n",
		  ":5:1: expected a level L, K, V or G" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nL 16 1,1 2,2 3,3\nL 16 1,1 2,2 3,3\n",
		  ":6:3: duplicate feature L 16" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\nL 16 1,1 2;2 3,3\n", ":5:11: expected ','" },
		{ "ozgmon-geo 1\nunit 100\norigin 1 2\nsize 10 10\n", ": no features" },
	};
	char err[512], want[600];
	struct geo g;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *p = geo_file("bad.geo", bad[i].text);
		ck_assert_int_eq(geo_load(&g, p, err, sizeof err), -1);
		snprintf(want, sizeof want, "%s%s", p, bad[i].want);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "case %zu: got '%s', want '%s'", i, err,
			      want);
		ck_assert_ptr_null(g.a);
	}
	ck_assert_int_eq(geo_load(&g, "/nonexistent/x.geo", err, sizeof err), -1);
	HAS(err, "/nonexistent/x.geo: No such file");
}
END_TEST

/* A Gemeinde without a feature, or a feature without a register row, names the key. */
START_TEST(geo_check_names_the_key)
{
	struct geo g;
	char err[512];
	char *text = strdup(fixture_geo_text), *p;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, "G 16002001");
	memcpy(p, "G 16002009", 10);
	ck_assert_int_eq(geo_load(&g, geo_file("t.geo", text), err, sizeof err), 0);
	ck_assert_int_eq(geo_check(&g, &cfg.reg, "t.geo", err, sizeof err), -1);
	ck_assert_str_eq(err, "t.geo: Gemeinde 16002001 has no feature");
	geo_free(&g);
	cfg.reg.n_gemeinden = 2;	/* 16002001 leaves the registers, its feature stays */
	ck_assert_int_eq(geo_load(&g, geo_file("t.geo", fixture_geo_text), err, sizeof err), 0);
	ck_assert_int_eq(geo_check(&g, &cfg.reg, "t.geo", err, sizeof err), -1);
	ck_assert_str_eq(err, "t.geo: feature 16002001 is not in the registers");
	geo_free(&g);
	free(text);
}
END_TEST

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The Land's 631 Gemeinden from the shipped geometry: links, titles, legend, attribution, size. */
START_TEST(map_svg_land)
{
	static const char *const legend[3] = { "wenig", "mittel", "viel" };
	struct geo g;
	struct buf b;
	struct map_item *items;
	char err[512], (*href)[40];
	size_t n = 0;
	const struct geo_area *land;

	ck_assert_msg(geo_load(&g, "data/geo/thueringen.geo", err, sizeof err) == 0, "%s", err);
	items = calloc(g.n, sizeof *items);
	href = calloc(g.n, sizeof *href);
	ck_assert_ptr_nonnull(items);
	ck_assert_ptr_nonnull(href);
	for (size_t i = 0; i < g.n; i++) {
		if (g.a[i].level != AREA_GEMEINDE)
			continue;
		snprintf(href[n], sizeof href[n], "../gemeinde/%s.html", g.a[i].key);
		items[n] = (struct map_item){ .area = &g.a[i], .cls = (int)(n % 4) - 1, .href = href[n],
					      .title = n == 0 ? "Erste <&> Gemeinde" : g.a[i].key };
		n++;
	}
	ck_assert_uint_eq(n, 631);
	land = geo_find(&g, AREA_LAND, "16");
	ck_assert_ptr_nonnull(land);
	{
		const struct geo_area *frames[1] = { land };
		struct map_spec s = { .title = "Karte", .desc = "Beschreibung", .legend_title = "Anteil",
				      .legend = legend, .n_classes = 3, .nodata = "keine Daten",
				      .attribution = "© GeoBasis-DE / BKG 2021 (Daten verändert)",
				      .frames = frames, .n_frames = 1, .width_px = 640 };
		int w, h;
		char want[64];

		buf_init(&b, 8u << 20);
		map_svg(&b, &g, &s, items, n);
		ck_assert(!b.overflow);
		buf_puts(&b, "");
		ck_assert_uint_eq(count(b.data, "<a href=\"../gemeinde/"), 631);
		ck_assert_uint_eq(count(b.data, "\" target=\"_top\"><title>"), 631);
		ck_assert_uint_eq(count(b.data, "<title>"), 631);	/* the map's own has an id */
		HAS(b.data, "<a href=\"../gemeinde/16052000.html\" target=\"_top\"><title>16052000</title>"
			    "<path fill=\"");
		HAS(b.data, "<a href=\"../gemeinde/16051000.html\" target=\"_top\"><title>Erste &lt;&amp;&gt; Gemeinde</title>");
		/* legend: three classes of viridis and the no-data swatch, each with its label */
		HAS(b.data, "fill=\"#440154\" stroke=\"#1b1b1b\"/><text x=\"32\" y=\"35\">wenig</text>");
		HAS(b.data, "fill=\"#21918c\" stroke=\"#1b1b1b\"/><text x=\"32\" y=\"57\">mittel</text>");
		HAS(b.data, "fill=\"#fde725\" stroke=\"#1b1b1b\"/><text x=\"32\" y=\"79\">viel</text>");
		HAS(b.data, "fill=\"#d9d9d9\" stroke=\"#1b1b1b\"/><text x=\"32\" y=\"101\">keine Daten</text>");
		ck_assert_uint_eq(count(b.data, "<path fill=\"#d9d9d9\""), 158);	/* cls -1: every 4th */
		HAS(b.data, ">© GeoBasis-DE / BKG 2021 (Daten verändert)</text>");
		HAS(b.data, "<title id=\"map-t\">Karte</title>");
		map_dims(land, 3, 640, &w, &h, NULL);
		snprintf(want, sizeof want, "width=\"%d\" height=\"%d\"", w, h);
		HAS(b.data, want);
		ck_assert_uint_lt(b.len, 200000);
		buf_free(&b);
	}
	free(items);
	free(href);
	geo_free(&g);
}
END_TEST

/* The fixture's site with its geometry: maps, Leistung pages, the catalogue and its filters. */
START_TEST(site_maps_and_leistungen)
{
	struct dash_result res;
	struct geo g;
	char err[512], *s;
	struct stat st1, st2;

	ck_assert_int_eq(geo_load(&g, geo_file("t.geo", fixture_geo_text), err, sizeof err), 0);
	fixture_geo = &g;
	generate("de", true, &res);
	ck_assert_uint_eq(res.errors, 0);

	s = slurp("index.html");
	HAS(s, "<object type=\"image/svg+xml\" data=\"map/land.svg\"");
	HAS(s, "<a href=\"https://www.bkg.bund.de\">© GeoBasis-DE / BKG 2021 (Daten verändert)</a>");
	HAS(s, "<a href=\"gemeinden.html\">Werte der Karte als Tabelle</a>");
	HAS(s, "<a href=\"leistungen.html\">Leistungen</a>");
	free(s);
	s = slurp("map/land.svg");
	ck_assert_uint_eq(count(s, "target=\"_top\"><title>"), 3);
	HAS(s, "<a href=\"../gemeinde/16001001.html\" target=\"_top\"><title>Gemeinde Eins: ");
	free(s);
	s = slurp("map/kreis-16001.svg");
	ck_assert_uint_eq(count(s, "target=\"_top\"><title>"), 2);
	HASNT(s, "16002001");
	free(s);
	/* 10001: Kreis 16001 at Reifegrad 2, Gemeinde 16002001 at 4 */
	s = slurp("map/leistung-10001.svg");
	HAS(s, "<title>Gemeinde Eins: Reifegrad 2</title>");
	HAS(s, "<title>Gemeinde Zwei: Reifegrad 2</title>");
	HAS(s, "<title>Gemeinde Drei: Reifegrad 4</title>");
	free(s);
	s = slurp("leistung/10001.html");
	HAS(s, "<h1>Leistung: Kfz-Zulassung</h1>");
	HAS(s, "data=\"../map/leistung-10001.svg\"");
	HAS(s, "<a href=\"../kreis/16001.html\">K1</a></th><td>Kreis</td><td class=\"num\" data-v=\"2\">2</td>"
	       "<td><a href=\"../dienst/d1.html\">Kfz online</a>");
	HAS(s, "<a href=\"../gemeinde/16002001.html\">Gemeinde Drei</a></th><td>Gemeinde</td>"
	       "<td class=\"num\" data-v=\"4\">4</td>");
	HAS(s, "Kein EfA-Onlinedienst für diese Leistung.");
	HAS(s, "<dd>3 <span class=\"sub\">von 3</span></dd>");	/* Gemeinden with an offer */
	HAS(s, "<dd>7.000</dd>");				/* their inhabitants */
	free(s);
	s = slurp("leistung/10000.html");
	HAS(s, "<li><a href=\"../dienst/d0.html\">Elterngeld digital</a> (Anbieter): "
	       "<a href=\"../index.html\">Testland</a></li>");
	HAS(s, "href=\"../katalog/lebenslage-1.html\">Geburt</a>");
	free(s);
	s = slurp("leistungen.html");
	ck_assert_uint_eq(count(s, "<tr><td class=\"num\">100"), 2);
	HAS(s, "<script src=\"katalog.js\" defer></script>");
	HAS(s, "<a href=\"katalog/reifegrad-4.html\">Reifegrad 4</a>");
	free(s);
	s = slurp("katalog/reifegrad-4.html");
	ck_assert_uint_eq(count(s, "<tr><td class=\"num\">100"), 1);
	HAS(s, "<a href=\"../leistung/10001.html\">Kfz-Zulassung</a>");
	HAS(s, "<strong aria-current=\"page\">Reifegrad 4</strong>");
	free(s);
	s = slurp("katalog/lebenslage-1.html");
	ck_assert_uint_eq(count(s, "<tr><td class=\"num\">100"), 1);
	HAS(s, "Elterngeld</a>");
	free(s);
	s = slurp("katalog/reifegrad-keiner.html");
	ck_assert_uint_eq(count(s, "<tr><td class=\"num\">100"), 0);
	free(s);
	s = slurp("gemeinde/16002001.html");
	HAS(s, "<a href=\"../leistung/10001.html\">Kfz-Zulassung</a></th><td class=\"num\" data-v=\"4\">4</td>"
	       "<td>Gemeinde</td>");
	HAS(s, "<a href=\"../leistung/10000.html\">Elterngeld</a></th><td class=\"num\" data-v=\"3\">3</td>"
	       "<td>Land</td>");
	free(s);
	s = slurp("kreis/16001.html");
	HAS(s, "data=\"../map/kreis-16001.svg\"");
	HAS(s, "<a href=\"../leistung/10001.html\">Kfz-Zulassung</a></th><td class=\"num\" data-v=\"2\">2</td>"
	       "<td>Kreis</td>");
	free(s);
	s = slurp("gemeinden.html");
	ck_assert_uint_eq(count(s, "<tr><th scope=\"row\"><a href=\"gemeinde/"), 3);
	free(s);

	/* A second run with the same figures keeps the map files as they are. */
	{
		char p[512];
		snprintf(p, sizeof p, "%s/map/leistung-10001.svg", dir);
		ck_assert_int_eq(stat(p, &st1), 0);
		sleep(1);	/* a rewrite would show in st_mtime */
		generate("de", true, &res);
		ck_assert_int_eq(stat(p, &st2), 0);
		ck_assert_int_eq(st1.st_mtime, st2.st_mtime);
		/* Another language changes every title: rewritten. */
		generate("en", true, &res);
		ck_assert_int_eq(stat(p, &st2), 0);
		ck_assert_int_ne(st1.st_mtime, st2.st_mtime);
	}
	s = slurp("map/leistung-10001.svg");
	HAS(s, "<title>Gemeinde Drei: Maturity 4</title>");
	free(s);
	geo_free(&g);
}
END_TEST

static Suite *dashboards_suite(void)
{
	Suite *s = suite_create("dashboards");
	TCase *tf = tcase_create("formats");
	TCase *ts = tcase_create("site");

	tcase_add_test(tf, german_numbers);
	tcase_add_test(tf, english_numbers);
	tcase_add_test(tf, dates);
	tcase_add_test(tf, span_rounds_at_unit_boundaries);
	tcase_add_test(tf, escaping);
	tcase_add_test(tf, svg_slim);
	tcase_add_test(tf, shard_line);
	suite_add_tcase(s, tf);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, site_german);
	tcase_add_test(ts, site_english_all_up);
	tcase_add_test(ts, open_incident_downtime);
	tcase_add_test(ts, counts_agree_with_their_noun);
	tcase_add_test(ts, latency_sub_millisecond);
	tcase_add_test(ts, http_status_reason_names_the_code);
	tcase_add_test(ts, graph_legend_clear_of_swatch);
	tcase_add_test(ts, population_pages_carry_destatis_attribution);
	tcase_add_test(ts, simulated_past_is_labelled);
	tcase_add_test(ts, usage_gauge_is_a_level);
	tcase_add_test(ts, usage_titles_in_the_pages_language);
	tcase_add_test(ts, shared_usage_document_counts_once);
	tcase_add_test(ts, site_self_contained);
	tcase_add_test(ts, site_unwritable_dir);
	tcase_add_test(ts, dienste_pages);
	tcase_add_test(ts, geo_loads);
	tcase_add_test(ts, geo_refuses_bad_input);
	tcase_add_test(ts, geo_check_names_the_key);
	tcase_add_test(ts, map_svg_land);
	tcase_add_test(ts, site_maps_and_leistungen);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	return tu_run_suite(dashboards_suite());
}
