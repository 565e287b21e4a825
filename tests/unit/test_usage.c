/* SPDX-License-Identifier: EUPL-1.2 */
/* test_usage.c - JSON Pointer mapping of usage statistics, table-driven on JSON fixtures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/usage.h"
#include "tests/unit/testutil.h"

/* A metric from "name type pointer [label]"; the pointer is split as RFC 6901 says. */
static struct cfg_usage_metric mk(const char *name, enum cfg_usage_type type, const char *ptr,
				  const char *label)
{
	struct cfg_usage_metric m;
	const char *p = ptr;

	memset(&m, 0, sizeof m);
	m.name = strdup(name);
	m.pointer = strdup(ptr);
	m.type = type;
	m.label = label ? strdup(label) : NULL;
	m.wildcard = CFG_USAGE_NO_WILDCARD;
	m.seg = calloc(32, sizeof *m.seg);
	while (*p == '/') {
		size_t len = strcspn(p + 1, "/"), k = 0;
		char *seg = malloc(len + 1);
		for (size_t i = 0; i < len; i++) {
			char ch = p[1 + i];
			if (ch == '~') {
				ch = p[2 + i] == '0' ? '~' : '/';
				i++;
			}
			seg[k++] = ch;
		}
		seg[k] = '\0';
		if (strcmp(seg, "*") == 0)
			m.wildcard = m.n_seg;
		m.seg[m.n_seg++] = seg;
		p += 1 + len;
	}
	return m;
}

static void free_metric(struct cfg_usage_metric *m)
{
	for (size_t i = 0; i < m->n_seg; i++)
		free(m->seg[i]);
	free(m->seg);
	free(m->name);
	free(m->pointer);
	free(m->label);
}

static struct cfg_usage_map status_map[] = {
	{ S("ok"), 1 }, { S("degraded"), 0.5 },
	{ S("down"), 0 },
};

static const char SIM_DOC[] =
	"{\"applications_started\":25172,\"applications_submitted\":19821,"
	"\"by_service\":{\"hund\":3304,\"kfz\":6607,\"wohnsitz\":9910},"
	"\"host\":\"service.gotha.de\",\"status\":\"degraded\",\"updated\":\"2026-11-27T09:38:47Z\","
	"\"services\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":2.5}],"
	"\"a/b\":7,\"m~n\":8,\"\":9,\"flags\":{\"open\":true,\"closed\":false},\"nothing\":null}";

static const char GARBAGE[] = "\x00\xff<html>";	/* starts with a NUL: length by sizeof */

/*
 * Each case: one metric over a document; the expected values as "label=value"
 * pairs joined by spaces (label empty without wildcard), or an error substring.
 */
static const struct {
	const char *doc;
	const char *name;
	enum cfg_usage_type type;
	const char *pointer;
	const char *label;
	bool map;
	const char *want;	/* "=19821" or "hund=3304 kfz=6607" */
	const char *err;	/* NULL when values are expected */
} cases[] = {
	/* plain members, integer and real */
	{ SIM_DOC, "submitted_total", CFG_USAGE_COUNTER, "/applications_submitted", NULL, false, "=19821", NULL },
	{ SIM_DOC, "n", CFG_USAGE_GAUGE, "/services/1/n", NULL, false, "=2.5", NULL },
	/* wildcard over an object: member names become labels, in document order */
	{ SIM_DOC, "by_service_total", CFG_USAGE_COUNTER, "/by_service/*", "service", false,
	  "hund=3304 kfz=6607 wohnsitz=9910", NULL },
	/* wildcard over an array: the index becomes the label */
	{ SIM_DOC, "svc_n", CFG_USAGE_GAUGE, "/services/*/n", "idx", false, "0=1 1=2.5", NULL },
	/* string map */
	{ SIM_DOC, "status", CFG_USAGE_GAUGE, "/status", NULL, true, "=0.5", NULL },
	/* booleans are 1 and 0 */
	{ SIM_DOC, "flag", CFG_USAGE_GAUGE, "/flags/*", "flag", false, "open=1 closed=0", NULL },
	/* RFC 6901 escapes and the empty key */
	{ SIM_DOC, "slash", CFG_USAGE_GAUGE, "/a~1b", NULL, false, "=7", NULL },
	{ SIM_DOC, "tilde", CFG_USAGE_GAUGE, "/m~0n", NULL, false, "=8", NULL },
	{ SIM_DOC, "empty_key", CFG_USAGE_GAUGE, "/", NULL, false, "=9", NULL },
	/* the whole document */
	{ "42", "whole", CFG_USAGE_GAUGE, "", NULL, false, "=42", NULL },
	/* errors */
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/missing", NULL, false, NULL, "x: /missing: no member \"missing\"" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/services/2/n", NULL, false, NULL, "no member \"2\"" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/services/01/n", NULL, false, NULL, "no member \"01\"" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/host", NULL, true, NULL, "string \"service.gotha.de\" is not in its map" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/status", NULL, false, NULL, "expected a number, found a string" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/nothing", NULL, false, NULL, "expected a number, found null" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/by_service", NULL, false, NULL, "expected a number, found an object" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/host/*", "k", false, NULL, "'*' meets a string" },
	{ SIM_DOC, "x", CFG_USAGE_GAUGE, "/services/*/id", "i", true, NULL, "/services/*/id at 0: string \"a\" is not in its map" },
	{ GARBAGE, "x", CFG_USAGE_GAUGE, "/a", NULL, false, NULL, "not JSON" },
	{ "{\"a\": 1, \"b\": ", "x", CFG_USAGE_GAUGE, "/a", NULL, false, NULL, "not JSON" },
	{ "{\"a\": 1, \"a\": 2}", "x", CFG_USAGE_GAUGE, "/a", NULL, false, NULL, "duplicate" },
	{ "", "x", CFG_USAGE_GAUGE, "/a", NULL, false, NULL, "empty document" },
	/* counters are non-negative: a negative one fails the document, naming the place */
	{ "{\"c\": -5}", "c_total", CFG_USAGE_COUNTER, "/c", NULL, false, NULL,
	  "c_total: /c: counter value -5 is negative" },
	{ "{\"by\": {\"a\": 1, \"b\": -0.5}}", "by_total", CFG_USAGE_COUNTER, "/by/*", "k", false, NULL,
	  "by_total: /by/* at b: counter value -0.5 is negative" },
	/* a gauge may be negative; a counter may be 0 */
	{ "{\"c\": -5}", "g", CFG_USAGE_GAUGE, "/c", NULL, false, "=-5", NULL },
	{ "{\"c\": 0}", "c_total", CFG_USAGE_COUNTER, "/c", NULL, false, "=0", NULL },
	{ "{\"k\":{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}}", "x",
	  CFG_USAGE_GAUGE, "/k/*", "k", false, NULL, "is longer than 63 bytes" },
};

/* Renders r's values as "label=value ...". */
static void render(const struct usage_result *r, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < r->n && used < outsz; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%s=%g", i ? " " : "",
					 r->v[i].label, r->v[i].v);
}

START_TEST(test_mapping)
{
	struct cfg_usage_metric m = mk(cases[_i].name, cases[_i].type, cases[_i].pointer, cases[_i].label);
	struct cfg_usage u = { .url = NULL, .metrics = &m, .n_metrics = 1 };
	struct usage_result *r;
	char err[TARGET_REASON_MAX] = "", got[512];
	size_t len = strlen(cases[_i].doc);

	if (cases[_i].doc == GARBAGE)
		len = sizeof GARBAGE - 1;
	if (cases[_i].map) {
		m.map = status_map;
		m.n_map = 3;
	}
	r = usage_extract(&u, cases[_i].doc, len, 1000, err, sizeof err);
	if (cases[_i].err) {
		ck_assert_msg(r == NULL, "case %d: expected an error", _i);
		ck_assert_msg(strstr(err, cases[_i].err) != NULL, "case %d: error '%s' lacks '%s'", _i, err,
			      cases[_i].err);
	} else {
		ck_assert_msg(r != NULL, "case %d: %s", _i, err);
		ck_assert(r->ok);
		ck_assert_int_eq(r->fetched_ms, 1000);
		ck_assert_int_eq(r->last_ok_ms, 1000);
		render(r, got, sizeof got);
		ck_assert_str_eq(got, cases[_i].want);
		usage_result_release(r);
	}
	m.map = NULL;
	free_metric(&m);
}
END_TEST

/* Nesting is bounded before jansson builds anything. */
START_TEST(test_depth_bound)
{
	struct cfg_usage_metric m = mk("x", CFG_USAGE_GAUGE, "", NULL);
	struct cfg_usage u = { .metrics = &m, .n_metrics = 1 };
	char doc[2 * (USAGE_MAX_DEPTH + 1) + 8], err[TARGET_REASON_MAX];
	size_t k = 0;
	struct usage_result *r;

	for (int i = 0; i < USAGE_MAX_DEPTH + 1; i++)
		doc[k++] = '[';
	for (int i = 0; i < USAGE_MAX_DEPTH + 1; i++)
		doc[k++] = ']';
	ck_assert_ptr_null(usage_extract(&u, doc, k, 1, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "nested deeper than 64 levels"));
	/* Brackets inside strings do not count. */
	k = 0;
	doc[k++] = '"';
	for (int i = 0; i < USAGE_MAX_DEPTH + 1; i++)
		doc[k++] = '[';
	doc[k++] = '"';
	r = usage_extract(&u, doc, k, 1, err, sizeof err);
	ck_assert_ptr_null(r);	/* a string is not a number: but not a depth error */
	ck_assert_msg(strstr(err, "expected a number, found a string") != NULL, "%s", err);
	free_metric(&m);
}
END_TEST

/* A wildcard over a large array stops at USAGE_MAX_VALUES. */
START_TEST(test_value_bound)
{
	struct cfg_usage_metric m = mk("x", CFG_USAGE_GAUGE, "/*", "i");
	struct cfg_usage u = { .metrics = &m, .n_metrics = 1 };
	size_t cap = 3 * (USAGE_MAX_VALUES + 1) + 4, k = 0;
	char *doc = malloc(cap), err[TARGET_REASON_MAX];

	doc[k++] = '[';
	for (int i = 0; i <= USAGE_MAX_VALUES; i++) {
		doc[k++] = '1';
		doc[k++] = i < USAGE_MAX_VALUES ? ',' : ']';
	}
	ck_assert_ptr_null(usage_extract(&u, doc, k, 1, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "more than 1000 values"));
	free(doc);
	free_metric(&m);
}
END_TEST

/* Two metrics in one document; a failed fetch carries no values but the last success time. */
START_TEST(test_two_metrics_and_failure)
{
	struct cfg_usage_metric ms[2] = {
		mk("submitted_total", CFG_USAGE_COUNTER, "/applications_submitted", NULL),
		mk("started_total", CFG_USAGE_COUNTER, "/applications_started", NULL),
	};
	struct cfg_usage u = { .metrics = ms, .n_metrics = 2 };
	char err[TARGET_REASON_MAX];
	struct usage_result *r = usage_extract(&u, SIM_DOC, strlen(SIM_DOC), 5, err, sizeof err), *f;

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n, 2);
	ck_assert_uint_eq(r->v[0].metric, 0);
	ck_assert(r->v[0].v == 19821);
	ck_assert_uint_eq(r->v[1].metric, 1);
	ck_assert(r->v[1].v == 25172);
	f = usage_failed("not JSON", 9, r->last_ok_ms);
	ck_assert(!f->ok);
	ck_assert_uint_eq(f->n, 0);
	ck_assert_int_eq(f->last_ok_ms, 5);
	ck_assert_str_eq(f->error, "not JSON");
	usage_result_ref(r);
	usage_result_release(r);
	usage_result_release(r);
	usage_result_release(f);
	free_metric(&ms[0]);
	free_metric(&ms[1]);
}
END_TEST

/* A counter lower than in the document before is a reset; gauges and new members are not. */
START_TEST(test_resets)
{
	struct cfg_usage_metric ms[2] = {
		mk("by_total", CFG_USAGE_COUNTER, "/by/*", "k"),
		mk("g", CFG_USAGE_GAUGE, "/g", NULL),
	};
	struct cfg_usage u = { .metrics = ms, .n_metrics = 2 };
	static const char d1[] = "{\"by\": {\"a\": 10, \"b\": 20}, \"g\": 5}";
	/* b went down, a went up, c is new, the gauge went down; members in another order */
	static const char d2[] = "{\"by\": {\"c\": 1, \"b\": 3, \"a\": 11}, \"g\": 1}";
	/* both went down */
	static const char d3[] = "{\"by\": {\"a\": 0, \"b\": 0, \"c\": 1}, \"g\": 1}";
	char err[TARGET_REASON_MAX], first[TARGET_REASON_MAX];
	struct usage_result *r1, *r2, *r3, *f;

	r1 = usage_extract(&u, d1, strlen(d1), 1, err, sizeof err);
	r2 = usage_extract(&u, d2, strlen(d2), 2, err, sizeof err);
	r3 = usage_extract(&u, d3, strlen(d3), 3, err, sizeof err);
	ck_assert_ptr_nonnull(r1);
	ck_assert_ptr_nonnull(r2);
	ck_assert_ptr_nonnull(r3);
	ck_assert_uint_eq(usage_resets(&u, r1, r1, first, sizeof first), 0);
	ck_assert_str_eq(first, "");
	ck_assert_uint_eq(usage_resets(&u, r1, r2, first, sizeof first), 1);
	ck_assert_str_eq(first, "by_total at b: /by/*: 20 -> 3");
	ck_assert_uint_eq(usage_resets(&u, r2, r3, first, sizeof first), 2);
	ck_assert_str_eq(first, "by_total at a: /by/*: 11 -> 0");
	ck_assert_uint_eq(usage_resets(&u, r3, r2, NULL, 0), 0);
	/* nothing to compare with: no previous fetch, or a failed one */
	f = usage_failed("status 500", 4, 3);
	ck_assert_uint_eq(usage_resets(&u, NULL, r2, first, sizeof first), 0);
	ck_assert_uint_eq(usage_resets(&u, f, r2, first, sizeof first), 0);
	usage_result_release(f);
	usage_result_release(r1);
	usage_result_release(r2);
	usage_result_release(r3);
	free_metric(&ms[0]);
	free_metric(&ms[1]);
}
END_TEST

/*
 * One portal-wide document named by two Dienste of the portal (a, b), another
 * portal's (c), a Dienst without usage (d): a sum counts each document once.
 */
START_TEST(test_sum_counts_each_document_once)
{
	struct cfg_usage_metric ms[2] = {
		mk("submitted_total", CFG_USAGE_COUNTER, "/applications_submitted", NULL),
		mk("by_total", CFG_USAGE_COUNTER, "/by_service/*", "service"),
	};
	struct cfg_usage portal = { .url = S("http://service.gera.de/api/stats.json"), .metrics = ms,
				    .n_metrics = 2 };
	struct cfg_usage portal_too = portal;	/* the second Dienst's own entry, same address */
	struct cfg_usage other = { .url = S("http://service.jena.de/api/stats.json"), .metrics = ms,
				   .n_metrics = 1 };
	static const char gera[] = "{\"applications_submitted\": 19821, \"by_service\": {\"hund\": 3304, \"kfz\": 6607}}";
	static const char jena[] = "{\"applications_submitted\": 500}";
	struct cfg_dienst dd[4];
	struct cfg cfg;
	struct snapshot *s;
	char err[TARGET_REASON_MAX];
	unsigned char sel[4] = { 0, 1, 1, 1 };
	size_t docs = 99;

	tu_cfg_dienste(&cfg, dd, 4, 60000);
	dd[0].usage = &portal;
	dd[1].usage = &portal_too;
	dd[2].usage = &other;
	ck_assert(usage_same_document(&portal, &portal_too));	/* b's document is a's */
	ck_assert(!usage_same_document(&portal, &other));
	ck_assert(!usage_same_document(&portal, NULL));
	s = snapshot_new(&cfg);
	ck_assert_ptr_nonnull(s);
	/* Both Dienste of the portal fetched the same document. */
	s->t[0].usage = usage_extract(&portal, gera, strlen(gera), 1, err, sizeof err);
	s->t[1].usage = usage_extract(&portal_too, gera, strlen(gera), 1, err, sizeof err);
	s->t[2].usage = usage_extract(&other, jena, strlen(jena), 1, err, sizeof err);
	ck_assert_ptr_nonnull(s->t[0].usage);
	ck_assert_ptr_nonnull(s->t[1].usage);
	ck_assert_ptr_nonnull(s->t[2].usage);
	/* 19821 once, not twice, and Jena's 500 */
	ck_assert(usage_sum(s, NULL, "submitted_total", &docs) == 20321);
	ck_assert_uint_eq(docs, 2);
	/* a wildcard metric: its members added up, the portal's document once */
	ck_assert(usage_sum(s, NULL, "by_total", &docs) == 3304 + 6607);
	ck_assert_uint_eq(docs, 1);
	/* only b and c selected: the portal's document through b */
	ck_assert(usage_sum(s, sel, "submitted_total", &docs) == 20321);
	ck_assert_uint_eq(docs, 2);
	/* a's fetch failed: b's fetch of the same document stands for it */
	usage_result_release(s->t[0].usage);
	s->t[0].usage = usage_failed("status 503", 2, 1);
	ck_assert(usage_sum(s, NULL, "submitted_total", &docs) == 20321);
	ck_assert_uint_eq(docs, 2);
	/* no value anywhere: NaN, no document */
	ck_assert(isnan(usage_sum(s, NULL, "nothing_total", &docs)));
	ck_assert_uint_eq(docs, 0);
	snapshot_release(s);
	free_metric(&ms[0]);
	free_metric(&ms[1]);
}
END_TEST

static Suite *usage_suite(void)
{
	Suite *s = suite_create("usage");
	TCase *tc = tcase_create("mapping");

	tcase_add_loop_test(tc, test_mapping, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_depth_bound);
	tcase_add_test(tc, test_value_bound);
	tcase_add_test(tc, test_two_metrics_and_failure);
	tcase_add_test(tc, test_resets);
	tcase_add_test(tc, test_sum_counts_each_document_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(usage_suite());
}
