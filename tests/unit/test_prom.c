/* SPDX-License-Identifier: EUPL-1.2 */
/* test_prom.c - metric rendering, label escaping, probe classification, status page. */
#include <check.h>
#include <curl/curl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "dashboards/status_page.h"
#include "exporter/prom.h"
#include "tests/unit/testutil.h"

static void esc(const char *in, const char *want)
{
	struct buf b;
	buf_init(&b, 1024);
	prom_escape_label(&b, in);
	ck_assert_str_eq(b.data ? b.data : "", want);
	buf_free(&b);
}

START_TEST(label_escaping)
{
	esc("", "");
	esc("plain", "plain");
	esc("Mühlhausen/Thüringen", "Mühlhausen/Thüringen");
	esc("a\"b", "a\\\"b");
	esc("back\\slash", "back\\\\slash");
	esc("line\nbreak", "line\\nbreak");
	esc("\"\\\n", "\\\"\\\\\\n");
	esc("tab\tstays", "tab\tstays");
}
END_TEST

START_TEST(values)
{
	struct buf b;
	buf_init(&b, 1024);
	prom_value(&b, 1);
	buf_puts(&b, " ");
	prom_value(&b, 0.25);
	buf_puts(&b, " ");
	prom_value(&b, NAN);
	buf_puts(&b, " ");
	prom_value(&b, -INFINITY);
	buf_puts(&b, " ");
	prom_value(&b, 1700000000.5);
	ck_assert_str_eq(b.data, "1 0.25 NaN -Inf 1700000000.5");
	buf_free(&b);
}
END_TEST

/* A two-target config, built by hand. */
static struct cfg_dienst dienste[2];
static struct cfg cfg;

static void setup(void)
{
	memset(dienste, 0, sizeof dienste);
	memset(&cfg, 0, sizeof cfg);
	dienste[0].id = S("k16064-kfz");
	dienste[0].name = S("Kfz-Zulassung");
	dienste[0].provider = S("Unstrut-Hainich-Kreis \"UH\"");
	dienste[0].url = S("http://service.unstrut-hainich-kreis.de/kfz");
	dienste[1].id = S("v160640034-wohnsitz");
	dienste[1].name = S("Wohnsitz <anmelden>");
	dienste[1].provider = S("Mühlhausen/Thüringen");
	dienste[1].url = S("http://muehlhausen.de/wohnsitz?x=1");
	dienste[1].efa = true;
	cfg.dienste = dienste;
	cfg.n_dienste = 2;
}

START_TEST(render_snapshot)
{
	struct snapshot *s = snapshot_new(&cfg);
	struct store_stats st = { .updates = 42, .dropped = 3, .queue_len = 5, .queue_cap = 100 };
	struct prom_self self = { .store = &st, .start_time_s = 1700000000, .ready = true };
	struct buf b;

	ck_assert_ptr_nonnull(s);
	s->t[0] = (struct target_state){ .probed = true, .success = true, .result = PROBE_SUCCESS,
					 .duration_s = 0.125, .http_status = 200,
					 .last_ms = 1700000001500 };
	s->t[1] = (struct target_state){ .probed = true, .success = false,
					 .result = PROBE_HTTP_STATUS, .duration_s = 2,
					 .http_status = 503, .last_ms = 1700000002000 };
	s->stats.results[PROBE_SUCCESS] = 7;
	s->stats.results[PROBE_HTTP_STATUS] = 2;
	buf_init(&b, 1 << 20);
	prom_render(&b, s, &self);
	ck_assert(!b.overflow);
#define HAS(x) ck_assert_msg(strstr(b.data, x) != NULL, "missing: %s", x)
	HAS("# HELP ozg_probe_success ");
	HAS("# TYPE ozg_probe_success gauge\n");
	HAS("\nozg_probe_success{dienst=\"k16064-kfz\"} 1\n");
	HAS("\nozg_probe_success{dienst=\"v160640034-wohnsitz\"} 0\n");
	HAS("\nozg_probe_duration_seconds{dienst=\"k16064-kfz\"} 0.125\n");
	HAS("\nozg_probe_http_status_code{dienst=\"v160640034-wohnsitz\"} 503\n");
	HAS("\nozg_probe_last_timestamp_seconds{dienst=\"k16064-kfz\"} 1700000001.5\n");
	HAS("\nozg_probes_total{result=\"success\"} 7\n");
	HAS("\nozg_probes_total{result=\"http_status\"} 2\n");
	HAS("\nozg_probes_total{result=\"redirect_limit\"} 0\n");
	HAS("# TYPE ozg_probes_total counter\n");
	HAS("ozg_dienst_info{dienst=\"k16064-kfz\",name=\"Kfz-Zulassung\",provider=\"Unstrut-Hainich-Kreis \\\"UH\\\"\",efa=\"false\"} 1\n");
	HAS("provider=\"Mühlhausen/Thüringen\",efa=\"true\"} 1\n");
	HAS("\nozgmon_rrd_updates_total 42\n");
	HAS("\nozgmon_store_dropped_samples_total 3\n");
	HAS("\nozgmon_store_queue_length 5\n");
	HAS("\nozgmon_ready 1\n");
	/* The result of the last probe is a state set: 1 for the current class, 0 for the others. */
	HAS("# TYPE ozg_probe_result gauge\n");
	HAS("\nozg_probe_result{dienst=\"k16064-kfz\",result=\"success\"} 1\n");
	HAS("\nozg_probe_result{dienst=\"k16064-kfz\",result=\"http_status\"} 0\n");
	HAS("\nozg_probe_result{dienst=\"v160640034-wohnsitz\",result=\"http_status\"} 1\n");
	HAS("\nozg_probe_result{dienst=\"v160640034-wohnsitz\",result=\"success\"} 0\n");
	{
		size_t n = 0, ones = 0;
		for (const char *p = b.data; (p = strstr(p, "\nozg_probe_result{")); p++) {
			n++;
			ones += strncmp(strchr(p, '}'), "} 1\n", 4) == 0;
		}
		ck_assert_uint_eq(n, 2 * PROBE_RESULT_COUNT);	/* bounded by the classes */
		ck_assert_uint_eq(ones, 2);			/* one current class per target */
	}
	ck_assert_ptr_null(strstr(b.data, "ozg_probe_result_info"));
	/* Never job/instance labels, never URLs in labels. */
	ck_assert_ptr_null(strstr(b.data, "instance="));
	ck_assert_ptr_null(strstr(b.data, "job="));
	ck_assert_ptr_null(strstr(b.data, "http://"));
	/* Every family has exactly one TYPE line: no name is typed twice. */
	{
		size_t types = 0;
		for (const char *p = b.data; (p = strstr(p, "# TYPE ")); p++) {
			char name[128], again[160];
			ck_assert_int_eq(sscanf(p, "# TYPE %127s", name), 1);
			snprintf(again, sizeof again, "# TYPE %s ", name);
			ck_assert_ptr_null(strstr(p + 1, again));
			types++;
		}
		ck_assert_uint_ge(types, 25);	/* the skeleton's 21, the store's 4, the collector's */
	}
	buf_free(&b);

	/* An unprobed target has no series. */
	s->t[1].probed = false;
	buf_init(&b, 1 << 20);
	prom_render(&b, s, &self);
	ck_assert_ptr_null(strstr(b.data, "ozg_probe_success{dienst=\"v160640034-wohnsitz\"}"));
	ck_assert_ptr_nonnull(strstr(b.data, "ozg_probe_success{dienst=\"k16064-kfz\"} 1"));
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

/* In OpenMetrics every counter family drops _total, the dashboards' among them. */
START_TEST(openmetrics_families)
{
	struct snapshot *s = snapshot_new(&cfg);
	struct store_stats st = { .updates = 42 };
	struct dash_stats ds = { .runs = 3, .failed_runs = 1, .took_s = 0.25 };
	struct prom_self self = { .store = &st, .dashboards = &ds, .openmetrics = true };
	struct buf b;

	ck_assert_ptr_nonnull(s);
	buf_init(&b, 1 << 20);
	prom_render(&b, s, &self);
	ck_assert(!b.overflow);
	HAS("# TYPE ozgmon_dashboards_generations counter\n");
	HAS("\nozgmon_dashboards_generations_total 3\n");
	HAS("# TYPE ozgmon_dashboards_failed_generations counter\n");
	HAS("# UNIT ozgmon_dashboards_generate_seconds seconds\n");
	HAS("\nozgmon_dashboards_generate_seconds 0.25\n");
	for (const char *p = b.data; (p = strstr(p, "# TYPE ")); p++) {
		char name[128], type[32];
		ck_assert_int_eq(sscanf(p, "# TYPE %127s %31s", name, type), 2);
		ck_assert_msg(strcmp(type, "counter") != 0 || strlen(name) < 6 ||
			      strcmp(name + strlen(name) - 6, "_total") != 0,
			      "OpenMetrics counter family named with _total: %s", name);
	}
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

/*
 * The configuration's families come from the cache unchanged, per format, and
 * the cache moves to the configuration of the snapshot it is given.
 */
START_TEST(config_cache)
{
	struct snapshot *s = snapshot_new(&cfg);
	struct state_cfg r1 = { .cfg = &cfg }, r2 = { .cfg = &cfg };	/* never freed here */
	struct prom_cache *c = prom_cache_new();
	struct prom_self self = { .start_time_s = 1700000000, .ready = true };
	struct buf want[2], got;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(c);
	atomic_init(&r1.refs, 1);
	atomic_init(&r2.refs, 1);
	s->t[0] = (struct target_state){ .probed = true, .success = true, .duration_s = 0.5 };
	for (int f = 0; f < 2; f++) {
		self.openmetrics = f;
		buf_init(&want[f], 1 << 20);
		prom_render(&want[f], s, &self);	/* no cache */
	}
	s->cfgref = &r1;
	self.cache = c;
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			s->cfgref = &r2;	/* another configuration: the cache moves */
		for (int f = 0; f < 2; f++) {
			self.openmetrics = f;
			buf_init(&got, 1 << 20);
			prom_render(&got, s, &self);
			ck_assert(!got.overflow);
			ck_assert_uint_eq(got.len, want[f].len);
			ck_assert(memcmp(got.data, want[f].data, got.len) == 0);
			buf_free(&got);
		}
		ck_assert_uint_eq(atomic_load(&r1.refs), round < 2 ? 2 : 1);
		ck_assert_uint_eq(atomic_load(&r2.refs), round < 2 ? 1 : 2);
	}
	prom_cache_free(c);
	ck_assert_uint_eq(atomic_load(&r2.refs), 1);
	s->cfgref = NULL;
	buf_free(&want[0]);
	buf_free(&want[1]);
	snapshot_release(s);
}
END_TEST

START_TEST(classify)
{
	struct cfg_status_range r[] = { { 200, 204 }, { 301, 301 } };
	struct cfg_probe none = { 0 };
	struct cfg_probe p = { .expect_status = r, .n_expect_status = 2,
			       .body_contains = S("Antrag") };
	const char *body = "<p>Online-Antrag stellen</p>";

	ck_assert_int_eq(probe_classify(CURLE_OK, 200, &none, NULL, 0, false), PROBE_SUCCESS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 299, &none, NULL, 0, false), PROBE_SUCCESS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 300, &none, NULL, 0, false), PROBE_HTTP_STATUS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 503, &none, NULL, 0, false), PROBE_HTTP_STATUS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 204, &p, body, strlen(body), false), PROBE_SUCCESS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 301, &p, body, strlen(body), false), PROBE_SUCCESS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 205, &p, body, strlen(body), false), PROBE_HTTP_STATUS);
	ck_assert_int_eq(probe_classify(CURLE_OK, 200, &p, "Wartung", 7, false), PROBE_CONTENT);
	ck_assert_int_eq(probe_classify(CURLE_OK, 200, &p, NULL, 0, false), PROBE_CONTENT);
	ck_assert_int_eq(probe_classify(CURLE_OPERATION_TIMEDOUT, 0, &none, NULL, 0, false), PROBE_TIMEOUT);
	ck_assert_int_eq(probe_classify(CURLE_COULDNT_RESOLVE_HOST, 0, &none, NULL, 0, false), PROBE_DNS);
	ck_assert_int_eq(probe_classify(CURLE_COULDNT_CONNECT, 0, &none, NULL, 0, false), PROBE_CONNECT);
	ck_assert_int_eq(probe_classify(CURLE_GOT_NOTHING, 0, &none, NULL, 0, false), PROBE_CONNECT);
	ck_assert_int_eq(probe_classify(CURLE_PEER_FAILED_VERIFICATION, 0, &none, NULL, 0, false), PROBE_TLS);
	ck_assert_int_eq(probe_classify(CURLE_WRITE_ERROR, 200, &none, NULL, 0, true), PROBE_BODY_TOO_LARGE);
	ck_assert_int_eq(probe_classify(CURLE_TOO_MANY_REDIRECTS, 302, &none, NULL, 0, false), PROBE_REDIRECT_LIMIT);
	for (int i = 0; i < PROBE_RESULT_COUNT; i++)
		ck_assert_str_ne(probe_result_name((enum probe_result)i), "unknown");
}
END_TEST

START_TEST(status_page)
{
	struct snapshot *s = snapshot_new(&cfg);
	struct buf b;

	s->t[0] = (struct target_state){ .probed = true, .success = true, .duration_s = 0.5,
					 .http_status = 200, .last_ms = 1795000000000 };
	s->t[1] = (struct target_state){ .probed = true, .success = false,
					 .result = PROBE_CONNECT, .last_ms = 1795000000000 };
	buf_init(&b, 1 << 20);
	status_page_render(&b, s, "de");
	ck_assert_ptr_nonnull(strstr(b.data, "<html lang=\"de\">"));
	ck_assert_ptr_nonnull(strstr(b.data, "1 von 2 geprüften Diensten verfügbar, 1 gestört, 0 noch nicht geprüft."));
	ck_assert_ptr_nonnull(strstr(b.data, "Wohnsitz &lt;anmelden&gt;"));
	ck_assert_ptr_nonnull(strstr(b.data, "Unstrut-Hainich-Kreis &quot;UH&quot;"));
	ck_assert_ptr_nonnull(strstr(b.data, "0,500 s"));
	ck_assert_ptr_nonnull(strstr(b.data, ">connect<"));
	ck_assert_ptr_null(strstr(b.data, "<anmelden>"));
	/* The disrupted service is listed before the available one. */
	ck_assert(strstr(b.data, "v160640034-wohnsitz") < strstr(b.data, "k16064-kfz"));
	buf_free(&b);
	buf_init(&b, 1 << 20);
	status_page_render(&b, s, "en");
	ck_assert_ptr_nonnull(strstr(b.data, "1 of 2 probed services up, 1 down, 0 not yet probed."));
	ck_assert_ptr_nonnull(strstr(b.data, "0.500 s"));
	buf_free(&b);
	snapshot_release(s);
}
END_TEST

/*
 * In OpenMetrics a family name is the sample name without _total (counter)
 * or _info (info): no two families may end up with the same name, the HTTP
 * server's gauge of open connections and its counter of accepted ones
 * among them.
 */
START_TEST(family_names_unique)
{
	struct snapshot *s = snapshot_new(&cfg);
	struct store_stats st = { .updates = 1 };
	struct prom_http hs = { .open = 3, .limit = 64, .per_ip_limit = 16, .total = 9 };
	struct dash_stats ds = { .runs = 1 };

	ck_assert_ptr_nonnull(s);
	s->t[0] = (struct target_state){ .probed = true, .success = true };
	for (int f = 0; f < 2; f++) {
		struct prom_self self = { .store = &st, .http = &hs, .dashboards = &ds,
					  .openmetrics = f == 1,
					  .proc = { .valid = true, .max_fds = 1024 } };
		struct buf b;
		size_t types = 0;

		buf_init(&b, 1 << 20);
		prom_render(&b, s, &self);
		ck_assert(!b.overflow);
		for (const char *p = b.data; (p = strstr(p, "# TYPE ")); p++) {
			char name[128], again[160];
			ck_assert_int_eq(sscanf(p, "# TYPE %127s", name), 1);
			snprintf(again, sizeof again, "# TYPE %s ", name);
			ck_assert_msg(strstr(p + 1, again) == NULL, "family %s typed twice (format %d)",
				      name, f);
			types++;
		}
		ck_assert_uint_ge(types, 30);
		HAS("\nozgmon_http_connections_open 3\n");
		HAS("\nozgmon_http_connections_total 9\n");
		HAS(f ? "# TYPE ozgmon_http_connections counter\n"
		      : "# TYPE ozgmon_http_connections_total counter\n");
		ck_assert_ptr_null(strstr(b.data, "\nozgmon_http_connections "));
		buf_free(&b);
	}
	snapshot_release(s);
}
END_TEST

/*
 * Each usage metric has a HELP text of its own, naming the metric and its
 * JSON pointer from the configuration, escaped as each format requires and
 * bounded.
 */
START_TEST(usage_help)
{
	struct cfg_usage_metric m0[2] = {
		{ .name = S("antraege_total"), .pointer = S("/stats/antraege"),
		  .type = CFG_USAGE_COUNTER },
		{ .name = S("wartende"), .pointer = S("/q\\ue\"ue\nx"), .type = CFG_USAGE_GAUGE },
	};
	struct cfg_usage_metric m1[1] = {
		{ .name = S("antraege_total"), .pointer = S("/antraege/gesamt"),
		  .type = CFG_USAGE_COUNTER },
	};
	struct cfg_usage u0 = { .metrics = m0, .n_metrics = 2 };
	struct cfg_usage u1 = { .metrics = m1, .n_metrics = 1 };
	struct snapshot *s;
	char *longp = malloc(2000);

	ck_assert_ptr_nonnull(longp);
	longp[0] = '/';
	for (int i = 1; i < 1998; i += 2)
		memcpy(longp + i, "\xc3\xbc", 2);	/* ü: the cut never splits it */
	longp[1999] = '\0';
	dienste[0].usage = &u0;
	dienste[1].usage = &u1;
	s = snapshot_new(&cfg);
	ck_assert_ptr_nonnull(s);
	for (int f = 0; f < 2; f++) {
		struct prom_self self = { .openmetrics = f == 1 };
		struct buf b;

		buf_init(&b, 1 << 20);
		prom_render(&b, s, &self);
		if (f == 0) {
			HAS("# HELP ozg_usage_antraege_total Usage figure antraege_total, read from the "
			    "Onlinedienst's statistics document at JSON pointer /stats/antraege "
			    "(k16064-kfz; other Onlinedienste read it at other pointers).\n");
			HAS("# HELP ozg_usage_wartende Usage figure wartende, read from the Onlinedienst's "
			    "statistics document at JSON pointer /q\\\\ue\"ue\\nx.\n");
		} else {
			HAS("# HELP ozg_usage_antraege Usage figure antraege_total, read from the ");
			HAS("# HELP ozg_usage_wartende Usage figure wartende, read from the Onlinedienst's "
			    "statistics document at JSON pointer /q\\\\ue\\\"ue\\nx.\n");
		}
		buf_free(&b);
	}
	snapshot_release(s);
	/* A pointer of 2,000 bytes: the HELP line is cut, at a character boundary. */
	m0[1].pointer = longp;
	s = snapshot_new(&cfg);
	ck_assert_ptr_nonnull(s);
	{
		struct prom_self self = { 0 };
		struct buf b;
		const char *h, *e;

		buf_init(&b, 1 << 20);
		prom_render(&b, s, &self);
		h = strstr(b.data, "# HELP ozg_usage_wartende ");
		ck_assert_ptr_nonnull(h);
		h += strlen("# HELP ozg_usage_wartende ");
		e = strchr(h, '\n');
		ck_assert_uint_ge((size_t)(e - h), 300);
		ck_assert_uint_le((size_t)(e - h), 301);
		ck_assert_int_eq((unsigned char)e[-1], 0xbc);	/* ends with a whole ü */
		buf_free(&b);
	}
	snapshot_release(s);
	dienste[0].usage = NULL;
	dienste[1].usage = NULL;
	free(longp);
}
END_TEST

static Suite *prom_suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, label_escaping);
	tcase_add_test(tc, values);
	tcase_add_test(tc, render_snapshot);
	tcase_add_test(tc, classify);
	tcase_add_test(tc, status_page);
	tcase_add_test(tc, openmetrics_families);
	tcase_add_test(tc, config_cache);
	tcase_add_test(tc, family_names_unique);
	tcase_add_test(tc, usage_help);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(prom_suite());
}
