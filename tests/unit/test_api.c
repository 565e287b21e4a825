/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_api.c - the JSON and CSV API (exporter/api.h) over a configuration
 * loaded from YAML with the small register fixtures of testutil.h: area
 * populations.
 */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/api.h"
#include "tests/unit/testutil.h"

/*
 * The fixtures' registers: Land 16; Kreise 16051 (Erfurt, 213692) and 16064
 * (101698); Verbände 160510000 (Erfurt), 160640046 (Mühlhausen) and
 * 160645001 (VG Bad Tennstedt: Ballhausen 813 and Bad Tennstedt 2474);
 * Gemeinden 16051000 (213692), 16064046 (35913), 16064005, 16064004.
 */
static const char yaml[] =
	"onlinedienste:\n"
	"  - { id: erfurt-kfz, url: \"http://erfurt.example/kfz\" }\n"
	"  - { id: erfurt-wohnsitz, url: \"http://erfurt.example/wohnsitz\" }\n"
	"  - { id: muehlhausen-wohnsitz, url: \"http://mhl.example/wohnsitz\" }\n"
	"  - { id: tennstedt-aufsicht, url: \"http://vg.example/aufsicht\" }\n"
	"  - { id: th-elterngeld, url: \"http://th.example/elterngeld\", efa: true }\n"
	"angebote:\n"
	"  - { area: \"16051\", ozg_id: \"10124\", dienst: erfurt-kfz, reifegrad: 2 }\n"
	"  - { area: \"16051000\", ozg_id: \"10124\", dienst: erfurt-wohnsitz, reifegrad: 3 }\n"
	"  - { area: \"16064046\", ozg_id: \"10124\", dienst: muehlhausen-wohnsitz, reifegrad: 3 }\n"
	"  - { area: \"160645001\", ozg_id: \"10130\", dienst: tennstedt-aufsicht, reifegrad: 2 }\n"
	"  - { area: \"160645001004\", ozg_id: \"10124\", dienst: tennstedt-aufsicht, reifegrad: 2 }\n"
	"  - { area: \"16\", ozg_id: \"10000\", dienst: th-elterngeld, reifegrad: 4 }\n";

static char tdir[PATH_MAX];
static struct cfg *cfg;
static struct cfg_errors errs;
static struct snapshot *snap;

static void setup(void)
{
	char path[PATH_MAX];
	char all[4096];

	tu_tmpdir(tdir, sizeof tdir, "api");
	tu_cfg_tree(tdir);
	tu_path(tdir, path, sizeof path, "conf/ozgmon.yaml");
	cfg = NULL;
	memset(&errs, 0, sizeof errs);
	tu_cfg_load(path, yaml, true, &cfg, &errs);
	tu_cfg_errors_dump(&errs, all, sizeof all);
	ck_assert_msg(cfg != NULL, "configuration refused:%s", all);
	snap = snapshot_new(cfg);
	ck_assert_ptr_nonnull(snap);
	snap->made_ms = 1795000001000;
}

static void teardown(void)
{
	snapshot_release(snap);
	cfg_free(cfg);
	cfg_errors_free(&errs);
	tu_rm_rf(tdir);
}

struct args { const char *k[8], *v[8]; };

static const char *get_arg(void *actx, const char *name)
{
	struct args *a = actx;

	for (int i = 0; i < 8 && a->k[i]; i++)
		if (strcmp(a->k[i], name) == 0)
			return a->v[i];
	return NULL;
}

/* GET /api/v1/<path> with the arguments a (NULL: none) into b; the status. */
static unsigned get(const char *path, struct args *a, struct buf *b)
{
	static struct args none;
	struct api_req rq = { .path = path, .arg = get_arg, .actx = a ? a : &none, .s = snap,
			      .data_dir = "/nonexistent-ozgmon", .now = 1795000000 };
	const char *ctype;

	buf_init(b, 1 << 20);
	return api_handle(&rq, b, &ctype);
}

/* GET path as JSON (status 200 asserted); the parsed body (json_decref it). */
static json_t *get_json(const char *path, struct args *a)
{
	struct buf b;
	json_error_t e;
	json_t *j;

	ck_assert_uint_eq(get(path, a, &b), 200);
	j = json_loads(b.data, 0, &e);
	ck_assert_msg(j != NULL, "%s: not JSON (%s): %s", path, e.text, b.data);
	buf_free(&b);
	return j;
}

static json_int_t area_population(json_t *areas, const char *key)
{
	size_t i;
	json_t *a;

	json_array_foreach(areas, i, a)
		if (strcmp(json_string_value(json_object_get(a, "key")), key) == 0) {
			json_t *p = json_object_get(a, "population");
			ck_assert_msg(json_is_integer(p), "area %s: population is not an integer", key);
			return json_integer_value(p);
		}
	ck_abort_msg("no area %s", key);
	return -1;
}

START_TEST(areas_population)
{
	json_t *j = get_json("areas", NULL), *areas = json_object_get(j, "areas"), *a;
	json_int_t gemeinden = 0;
	size_t i;
	struct buf b;

	ck_assert_uint_eq(json_array_size(areas), 1 + 2 + 3 + 4);
	json_array_foreach(areas, i, a) {
		json_t *p = json_object_get(a, "population");
		ck_assert_msg(json_is_integer(p) && json_integer_value(p) > 0,
			      "area %s: population %s", json_string_value(json_object_get(a, "key")),
			      json_is_null(p) ? "null" : "not a positive integer");
		if (strcmp(json_string_value(json_object_get(a, "level")), "gemeinde") == 0)
			gemeinden += json_integer_value(p);
	}
	ck_assert_int_eq(gemeinden, 213692 + 35913 + 813 + 2474);
	ck_assert_int_eq(area_population(areas, "16"), gemeinden);
	ck_assert_int_eq(area_population(areas, "160645001"), 813 + 2474);
	ck_assert_int_eq(area_population(areas, "160640046"), 35913);
	ck_assert_int_eq(area_population(areas, "160510000"), 213692);
	ck_assert_int_eq(area_population(areas, "16064"), 101698);	/* the register's */
	json_decref(j);

	/* One area, and the CSV, say the same. */
	j = get_json("areas/16", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "population")), gemeinden);
	json_decref(j);
	j = get_json("areas/160645001", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "population")), 3287);
	json_decref(j);
	ck_assert_uint_eq(get("areas.csv", NULL, &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n16,land,Thüringen,,252892,1,,\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n160645001,verband,\"VG \"\"Bad Tennstedt\"\"\","
					     "16064,3287,1,,\r\n"));
	buf_free(&b);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, areas_population);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(api_suite());
}
