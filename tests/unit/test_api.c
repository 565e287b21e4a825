/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_api.c - the JSON and CSV API (exporter/api.h) over a configuration
 * loaded from YAML with the small register fixtures of testutil.h: area
 * populations, pages (?limit=, ?cursor=) and the filters of /targets; the
 * validators of the HTTP server (ETag, If-None-Match, HTTP-dates); the
 * history worker, alone and behind a running server.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exporter/api.h"
#include "exporter/history_worker.h"
#include "exporter/http_internal.h"
#include "rollout/incidents.h"
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
static struct api_answer ans;	/* of the last get() */
static struct incidents_view iv;

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
	/* By id: erfurt-kfz up, erfurt-wohnsitz and muehlhausen-wohnsitz down,
	   tennstedt-aufsicht not probed yet, th-elterngeld up. */
	ck_assert_str_eq(cfg->dienste[0].id, "erfurt-kfz");
	ck_assert_str_eq(cfg->dienste[4].id, "th-elterngeld");
	snap->t[0] = (struct target_state){ .probed = true, .success = true, .probes = 1 };
	snap->t[1] = (struct target_state){ .probed = true, .result = PROBE_TIMEOUT, .probes = 1 };
	snap->t[2] = (struct target_state){ .probed = true, .result = PROBE_HTTP_STATUS, .probes = 1 };
	snap->t[4] = (struct target_state){ .probed = true, .success = true, .probes = 1 };
	iv = (struct incidents_view){ .cfg = cfg, .n = cfg->n_dienste,
				      .d = calloc(cfg->n_dienste, sizeof *iv.d) };
	ck_assert_ptr_nonnull(iv.d);
	iv.d[1].open = true;
	iv.d[1].opened = 3;
}

static void teardown(void)
{
	free(iv.d);
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
			      .data_dir = "/nonexistent-ozgmon", .now = 1795000000,
			      .incidents = &iv };
	buf_init(b, 1 << 20);
	return api_handle(&rq, b, &ans);
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

/* The values of field in the objects of list, comma-separated. */
static const char *fields(json_t *list, const char *field)
{
	static char out[1024];
	size_t i, n = 0;
	json_t *o;

	out[0] = '\0';
	json_array_foreach(list, i, o)
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "",
				      json_string_value(json_object_get(o, field)));
	return out;
}

/* GET the list at path with the arguments k=v...: its keys, comma-separated (JSON). */
static const char *keys(const char *path, const char *list, const char *field, struct args *a)
{
	static char out[1024];
	json_t *j = get_json(path, a);

	snprintf(out, sizeof out, "%s", fields(list ? json_object_get(j, list) : j, field));
	json_decref(j);
	return out;
}

static struct args *arg1(const char *k, const char *v)
{
	static struct args a;
	a = (struct args){ { k }, { v } };
	return &a;
}

static struct args *arg2(const char *k1, const char *v1, const char *k2, const char *v2)
{
	static struct args a;
	a = (struct args){ { k1, k2 }, { v1, v2 } };
	return &a;
}

/* A 400 whose message begins with want. */
static void bad(const char *path, struct args *a, const char *want)
{
	struct buf b;
	char expect[256];

	ck_assert_uint_eq(get(path, a, &b), 400);
	snprintf(expect, sizeof expect, "\"message\": \"%s", want);
	ck_assert_msg(strstr(b.data, expect), "%s: want a message starting \"%s\", got %s", path,
		      want, b.data);
	ck_assert_str_eq(ans.next, "");
	buf_free(&b);
}

START_TEST(targets_pages)
{
	static const char all[] =
		"erfurt-kfz,erfurt-wohnsitz,muehlhausen-wohnsitz,tennstedt-aufsicht,th-elterngeld";
	char seen[1024] = "", cursor[API_CURSOR_MAX + 1] = "";
	int pages = 0;

	ck_assert_str_eq(keys("targets", "targets", "id", NULL), all);
	ck_assert_str_eq(ans.next, "");
	/* Page by page, two at a time: every target once, in order. */
	do {
		struct args *a = cursor[0] ? arg2("limit", "2", "cursor", cursor) : arg1("limit", "2");
		const char *page = keys("targets", "targets", "id", a);
		snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s%s", seen[0] ? "," : "",
			 page);
		snprintf(cursor, sizeof cursor, "%s", ans.next);
		pages++;
	} while (cursor[0] && pages < 10);
	ck_assert_str_eq(seen, all);
	ck_assert_int_eq(pages, 3);
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("limit", "2")),
			 "erfurt-kfz,erfurt-wohnsitz");
	ck_assert_str_eq(ans.next, "erfurt-wohnsitz");
	/* A page that holds the rest exactly has no next. */
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("limit", "5")), all);
	ck_assert_str_eq(ans.next, "");
	/* A cursor whose target is gone (a reload): the targets after where it was. */
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("cursor", "erfurt-x")),
			 "muehlhausen-wohnsitz,tennstedt-aufsicht,th-elterngeld");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("cursor", "th-elterngeld")), "");

	bad("targets", arg1("limit", "0"), "limit: expected a whole number from 1 to 1000");
	bad("targets", arg1("limit", "1001"), "limit: expected a whole number from 1 to 1000");
	bad("targets", arg1("limit", "ten"), "limit: ");
	bad("targets", arg1("limit", ""), "limit: ");
	bad("targets", arg1("limit", "-1"), "limit: ");
	bad("targets", arg1("limit", "2x"), "limit: ");
	bad("targets", arg1("cursor", "Erfurt"), "cursor: not a cursor of this list");
	bad("targets", arg1("cursor", ""), "cursor: ");
	bad("targets.csv", arg1("limit", "99999"), "limit: ");
}
END_TEST

START_TEST(targets_filters)
{
	struct buf b;

	ck_assert_str_eq(keys("targets", "targets", "id", arg1("state", "down")),
			 "erfurt-wohnsitz,muehlhausen-wohnsitz");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("state", "up,pending")),
			 "erfurt-kfz,tennstedt-aufsicht,th-elterngeld");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("result", "timeout")),
			 "erfurt-wohnsitz");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("result", "success,http_status")),
			 "erfurt-kfz,muehlhausen-wohnsitz,th-elterngeld");
	/* Areas: the Angebote made for the area or one inside it. */
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("area", "16")),
			 "erfurt-kfz,erfurt-wohnsitz,muehlhausen-wohnsitz,tennstedt-aufsicht,"
			 "th-elterngeld");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("kreis", "16051")),
			 "erfurt-kfz,erfurt-wohnsitz");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("area", "16064")),
			 "muehlhausen-wohnsitz,tennstedt-aufsicht");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("area", "160645001")),
			 "tennstedt-aufsicht");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("gemeinde", "16064004")),
			 "tennstedt-aufsicht");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("gemeinde", "160640046046")),
			 "muehlhausen-wohnsitz");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("gemeinde", "16064005")), "");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("leistung", "10124")),
			 "erfurt-kfz,erfurt-wohnsitz,muehlhausen-wohnsitz,tennstedt-aufsicht");
	ck_assert_str_eq(keys("targets", "targets", "id", arg1("leistung", "10000")),
			 "th-elterngeld");
	/* Filters together: every one holds. */
	ck_assert_str_eq(keys("targets", "targets", "id",
			      arg2("leistung", "10124", "state", "down,pending")),
			 "erfurt-wohnsitz,muehlhausen-wohnsitz,tennstedt-aufsicht");
	ck_assert_str_eq(keys("targets", "targets", "id", arg2("kreis", "16064", "state", "down")),
			 "muehlhausen-wohnsitz");
	/* Filters and pages. */
	ck_assert_str_eq(keys("targets", "targets", "id", arg2("state", "down", "limit", "1")),
			 "erfurt-wohnsitz");
	ck_assert_str_eq(ans.next, "erfurt-wohnsitz");
	ck_assert_str_eq(keys("targets", "targets", "id",
			      &(struct args){ { "state", "limit", "cursor" },
					      { "down", "1", "erfurt-wohnsitz" } }),
			 "muehlhausen-wohnsitz");
	ck_assert_str_eq(ans.next, "");
	ck_assert_uint_eq(get("targets.csv", arg2("state", "down", "limit", "1"), &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nerfurt-wohnsitz,"));
	ck_assert_ptr_null(strstr(b.data, "muehlhausen"));
	ck_assert_str_eq(ans.next, "erfurt-wohnsitz");
	buf_free(&b);

	bad("targets", arg1("state", "maintenance"), "state: unknown value 'maintenance'");
	bad("targets", arg1("state", "up,"), "state: unknown value ''");
	bad("targets", arg1("state", "UP"), "state: unknown value 'UP'");
	bad("targets", arg1("result", "slow"), "result: unknown value 'slow'");
	bad("targets", arg1("area", "99"), "area: unknown area '99'");
	bad("targets", arg1("area", "16999"), "area: unknown area '16999'");
	bad("targets", arg1("kreis", "16051000"), "kreis: unknown Kreis '16051000'");
	bad("targets", arg1("gemeinde", "16064"), "gemeinde: unknown Gemeinde '16064'");
	bad("targets", arg1("leistung", "99999"), "leistung: unknown OZG-Leistung '99999'");
	bad("targets.csv", arg1("leistung", "x\x01\xff"), "leistung: unknown OZG-Leistung 'x?" "?'");
}
END_TEST

START_TEST(other_lists_pages)
{
	struct buf b;

	/* Areas: Land, Kreise, Verbände, Gemeinden, each by key. */
	ck_assert_str_eq(keys("areas", "areas", "key", arg1("limit", "3")), "16,16051,16064");
	ck_assert_str_eq(ans.next, "16064");
	ck_assert_str_eq(keys("areas", "areas", "key", arg2("limit", "3", "cursor", "16064")),
			 "160510000,160640046,160645001");
	ck_assert_str_eq(ans.next, "160645001");
	ck_assert_str_eq(keys("areas", "areas", "key", arg2("limit", "4", "cursor", "160645001")),
			 "16051000,16064004,16064005,16064046");
	ck_assert_str_eq(ans.next, "");
	ck_assert_str_eq(keys("areas", "areas", "key", arg2("level", "gemeinde", "limit", "2")),
			 "16051000,16064004");
	ck_assert_str_eq(ans.next, "16064004");
	ck_assert_uint_eq(get("areas.csv", arg2("limit", "1", "cursor", "16051"), &b), 200);
	ck_assert_str_eq(b.data, "key,level,name,parent,population,angebote,availability_1d,"
				 "availability_7d\r\n16064,kreis,Unstrut-Hainich-Kreis,16,101698,0,,\r\n");
	ck_assert_str_eq(ans.next, "16064");
	buf_free(&b);
	bad("areas", arg1("cursor", "1605"), "cursor: ");
	bad("areas", arg1("cursor", "erfurt-kfz"), "cursor: ");

	/* Services: by OZG-ID; the CSV a row per Angebot, by OZG-ID, area, dienst. */
	ck_assert_str_eq(keys("services", "services", "ozg_id", arg1("limit", "1")), "10000");
	ck_assert_str_eq(ans.next, "10000");
	ck_assert_str_eq(keys("services", "services", "ozg_id", arg1("cursor", "10000")),
			 "10124,10130");
	ck_assert_str_eq(ans.next, "");
	ck_assert_uint_eq(get("services.csv", arg1("limit", "2"), &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n10000,Elterngeld,16,land,th-elterngeld,4,up,,\r\n"
					     "10124,\"Meldewesen, An- und Abmeldung\",16051,kreis,"
					     "erfurt-kfz,2,up,,\r\n"));
	ck_assert_str_eq(ans.next, "10124.16051.erfurt-kfz");
	buf_free(&b);
	ck_assert_uint_eq(get("services.csv", arg2("limit", "3", "cursor", "10124.16051.erfurt-kfz"),
			      &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n10124,\"Meldewesen, An- und Abmeldung\",16051000,"
					     "gemeinde,erfurt-wohnsitz,3,down,,\r\n10124,\"Meldewesen, "
					     "An- und Abmeldung\",16064004,gemeinde,tennstedt-aufsicht,"
					     "2,pending,,\r\n10124,\"Meldewesen, An- und Abmeldung\","
					     "16064046,gemeinde,muehlhausen-wohnsitz,3,down,,\r\n"));
	ck_assert_str_eq(ans.next, "10124.16064046.muehlhausen-wohnsitz");
	buf_free(&b);
	ck_assert_uint_eq(get("services.csv", arg1("cursor", "10124.16064046.muehlhausen-wohnsitz"),
			      &b), 200);
	ck_assert_str_eq(b.data, "ozg_id,name,area,level,dienst,reifegrad,state,availability_1d,"
				 "availability_7d\r\n10130,Dienst- und Fachaufsichtsbeschwerde,"
				 "160645001,verband,tennstedt-aufsicht,2,pending,,\r\n");
	ck_assert_str_eq(ans.next, "");
	buf_free(&b);
	bad("services", arg1("cursor", "10124.16051.erfurt-kfz"), "cursor: ");
	bad("services.csv", arg1("cursor", "10124"), "cursor: ");
	bad("services.csv", arg1("cursor", "10124.16051."), "cursor: ");

	/* Incidents: by dienst id. */
	ck_assert_str_eq(keys("incidents", NULL, "dienst", arg1("limit", "2")),
			 "erfurt-kfz,erfurt-wohnsitz");
	ck_assert_str_eq(ans.next, "erfurt-wohnsitz");
	ck_assert_str_eq(keys("incidents", NULL, "dienst", arg2("limit", "2", "cursor",
								"erfurt-wohnsitz")),
			 "muehlhausen-wohnsitz,tennstedt-aufsicht");
	ck_assert_str_eq(ans.next, "tennstedt-aufsicht");
	ck_assert_uint_eq(get("incidents.csv", arg2("limit", "1", "cursor", "erfurt-kfz"), &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nerfurt-wohnsitz,1,"));
	ck_assert_ptr_null(strstr(b.data, "\r\nmuehlhausen"));
	ck_assert_str_eq(ans.next, "erfurt-wohnsitz");
	buf_free(&b);
	bad("incidents", arg1("limit", "1000000"), "limit: ");
}
END_TEST

START_TEST(validators)
{
	char d[32];

	/* If-None-Match: lists, weak comparison, "*", and malformed values. */
	ck_assert(http_etag_matches("\"abc\"", "\"abc\""));
	ck_assert(!http_etag_matches("\"abd\"", "\"abc\""));
	ck_assert(!http_etag_matches("\"abc", "\"abc\""));
	ck_assert(!http_etag_matches("abc", "\"abc\""));
	ck_assert(http_etag_matches("W/\"abc\"", "\"abc\""));
	ck_assert(http_etag_matches("\"abc\"", "W/\"abc\""));
	ck_assert(http_etag_matches("\"x\", W/\"y\" ,\"abc\"", "\"abc\""));
	ck_assert(http_etag_matches("\"x\",,\t\"abc\"", "\"abc\""));
	ck_assert(!http_etag_matches("\"x\", \"y\"", "\"abc\""));
	ck_assert(!http_etag_matches("\"x\" junk, \"abc\"", "\"abc\""));
	ck_assert(!http_etag_matches("w/\"abc\"", "\"abc\""));	/* W/ is case-sensitive */
	ck_assert(!http_etag_matches("\"ab c\"", "\"ab c\""));	/* not an etagc */
	ck_assert(!http_etag_matches("", "\"abc\""));
	ck_assert(http_etag_matches("*", "\"abc\""));
	ck_assert(http_etag_matches(" * ", "\"abc\""));
	ck_assert(!http_etag_matches("*x", "\"abc\""));
	ck_assert(!http_etag_matches("\"*\"", "\"abc\""));

	/* HTTP-dates: the three forms RFC 9110 5.6.7 makes a recipient accept, nothing else. */
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	ck_assert_int_eq(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
	ck_assert_int_eq(http_date_parse("Sun Nov  6 08:49:37 1994"), 784111777);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT+1"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37"), -1);
	ck_assert_int_eq(http_date_parse("1994-11-06T08:49:37Z"), -1);
	ck_assert_int_eq(http_date_parse(""), -1);
	http_date(784111777, d);
	ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_int_eq(http_date_parse(d), 784111777);

	/* The body hash of the ETags: FNV-1a 64 (its published test values). */
	ck_assert_uint_eq(http_fnv1a("", 0), 0xcbf29ce484222325ull);
	ck_assert_uint_eq(http_fnv1a("a", 1), 0xaf63dc4c8601ec8cull);
	ck_assert_uint_eq(http_fnv1a("foobar", 6), 0x85944171f73967e8ull);
}
END_TEST

/* ---- the history worker ---------------------------------------------------- */

/* Jobs that wait for a gate, and what happened to them. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int ran, cancelled, held_calls;

struct gjob {
	struct history_job job;
	bool held;		/* held() was called for it */
	bool bad;		/* run or cancel came before held, or twice */
	int done;		/* 1 ran, 2 cancelled */
};

static void gjob_run(struct history_job *j)
{
	struct gjob *g = (struct gjob *)(void *)j;

	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	g->bad |= !g->held || g->done;
	g->done = 1;
	ran++;
	pthread_mutex_unlock(&gate_lock);
}

static void gjob_cancel(struct history_job *j)
{
	struct gjob *g = (struct gjob *)(void *)j;

	pthread_mutex_lock(&gate_lock);
	g->bad |= !g->held || g->done;
	g->done = 2;
	cancelled++;
	pthread_mutex_unlock(&gate_lock);
}

static void gjob_held(void *arg)
{
	struct gjob *g = arg;

	g->held = true;		/* under the worker's lock: no thread has it yet */
	held_calls++;
}

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static int counted(int *n)
{
	int v;

	pthread_mutex_lock(&gate_lock);
	v = *n;
	pthread_mutex_unlock(&gate_lock);
	return v;
}

/* Waits up to 5 s until w has queued jobs waiting and running ones running. */
static bool worker_at(struct history_worker *w, size_t queued, size_t running)
{
	for (int i = 0; i < 500; i++) {
		size_t r, q = history_worker_queued(w, &r);
		if (q == queued && r == running)
			return true;
		usleep(10000);
	}
	return false;
}

static bool submit(struct history_worker *w, struct gjob *g)
{
	*g = (struct gjob){ .job = { .run = gjob_run, .cancel = gjob_cancel } };
	return history_worker_submit(w, &g->job, gjob_held, g);
}

static void *stop_main(void *w)
{
	history_worker_stop(w);
	return NULL;
}

START_TEST(history_worker_bounds)
{
	struct gjob g[8];
	struct history_worker *w;
	pthread_t stopper;
	char err[128];

	ran = cancelled = held_calls = 0;
	gate_set(false);
	w = history_worker_start(2, 3, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	/* Two run (and wait at the gate), three wait in the queue, the sixth is refused. */
	ck_assert(submit(w, &g[0]));
	ck_assert(submit(w, &g[1]));
	ck_assert(worker_at(w, 0, 2));
	for (int i = 2; i < 5; i++)
		ck_assert(submit(w, &g[i]));
	ck_assert(worker_at(w, 3, 2));
	ck_assert(!submit(w, &g[5]));
	ck_assert(!g[5].held);
	ck_assert_int_eq(held_calls, 5);
	gate_set(true);
	ck_assert(worker_at(w, 0, 0));
	ck_assert_int_eq(counted(&ran), 5);
	for (int i = 0; i < 5; i++)
		ck_assert(g[i].done == 1 && !g[i].bad);
	ck_assert_int_eq(g[5].done, 0);

	/* The stop: what waits is cancelled at once, what runs is waited for. */
	gate_set(false);
	ck_assert(submit(w, &g[0]));
	ck_assert(submit(w, &g[1]));
	ck_assert(worker_at(w, 0, 2));
	ck_assert(submit(w, &g[2]));
	ck_assert(submit(w, &g[3]));
	ck_assert_int_eq(pthread_create(&stopper, NULL, stop_main, w), 0);
	for (int i = 0; i < 500 && counted(&cancelled) < 2; i++)
		usleep(10000);
	ck_assert_int_eq(counted(&cancelled), 2);
	ck_assert_int_eq(counted(&ran), 5);	/* the two running ones still wait */
	ck_assert(!submit(w, &g[4]));		/* stopping: refused */
	gate_set(true);
	ck_assert_int_eq(pthread_join(stopper, NULL), 0);
	ck_assert_int_eq(counted(&ran), 7);
	ck_assert(g[0].done == 1 && g[1].done == 1 && g[2].done == 2 && g[3].done == 2);
	for (int i = 0; i < 4; i++)
		ck_assert(!g[i].bad);
	ck_assert(!submit(w, &g[4]));
	history_worker_free(w);
}
END_TEST

/* ---- history requests behind a running server -------------------------------- */

/* A client connection to 127.0.0.1:port that sent GET target; -1 on failure. */
static int request(unsigned port, const char *target)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 10, 0 };
	char req[512];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
			 target);

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads fd's whole response into out (closing fd); its status, 0 when none came. */
static int response(int fd, char *out, size_t outsz)
{
	size_t n = 0;
	ssize_t k;
	int status = 0;

	while (n + 1 < outsz && (k = read(fd, out + n, outsz - n - 1)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd);
	if (sscanf(out, "HTTP/1.1 %d ", &status) != 1)
		status = 0;
	return status;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The RRD file of erfurt-kfz is a FIFO: reading it blocks in open() until
 * a writer comes, as a read from a stalled disk would.  The releaser opens
 * and closes the writing end again and again (each time the blocked readers
 * go on and read an empty file: no history, 404) until told to stop.
 */
static char fifo[PATH_MAX];
static atomic_bool releasing;

static void *releaser(void *arg)
{
	(void)arg;
	while (atomic_load(&releasing)) {
		int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		usleep(2000);
	}
	return NULL;
}

struct served {
	struct state_pub pub;
	struct http_server *h;
	unsigned port;
};

static void serve(struct served *sv)
{
	struct http_deps deps = { 0 };
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char err[256], dir[PATH_MAX];

	tu_path(tdir, dir, sizeof dir, "rrd");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	tu_path(tdir, fifo, sizeof fifo, "rrd/erfurt-kfz.rrd");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	state_pub_init(&sv->pub);
	state_publish(&sv->pub, snapshot_new(cfg));
	deps.pub = &sv->pub;
	deps.data_dir = tdir;
	deps.listen_fd = http_listen("127.0.0.1:0", err, sizeof err);
	ck_assert_msg(deps.listen_fd >= 0, "%s", err);
	deps.listen_fd_set = true;
	ck_assert_int_eq(getsockname(deps.listen_fd, (struct sockaddr *)&sa, &sl), 0);
	sv->port = ntohs(sa.sin_port);
	sv->h = http_start("127.0.0.1:0", &deps, err, sizeof err);
	ck_assert_msg(sv->h != NULL, "%s", err);
}

/* Sends HISTORY_WORKER_THREADS + HISTORY_WORKER_QUEUE history requests that wait. */
static void saturate(struct served *sv, int *fds)
{
	for (unsigned i = 0; i < HISTORY_WORKER_THREADS + HISTORY_WORKER_QUEUE; i++) {
		fds[i] = request(sv->port, "/api/v1/targets/erfurt-kfz/history?from=0&to=3600");
		ck_assert_int_ge(fds[i], 0);
		if (i + 1 == HISTORY_WORKER_THREADS)
			ck_assert(worker_at(sv->h->hist, 0, HISTORY_WORKER_THREADS));
	}
	ck_assert(worker_at(sv->h->hist, HISTORY_WORKER_QUEUE, HISTORY_WORKER_THREADS));
}

START_TEST(history_server_busy)
{
	enum { N = HISTORY_WORKER_THREADS + HISTORY_WORKER_QUEUE };
	static char resp[1 << 20];
	struct served sv;
	pthread_t rel;
	int fds[N], fd;
	double t0;

	serve(&sv);
	saturate(&sv, fds);
	/* One more: refused at once, 503 with Retry-After and a JSON error. */
	fd = request(sv.port, "/api/v1/targets/erfurt-kfz/history");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 503);
	ck_assert_ptr_nonnull(strstr(resp, "\r\nRetry-After: 1\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "\"message\": \"too many history requests at once"));
	/* Every server thread is free: /metrics and the rest of the API answer at once. */
	t0 = mono_s();
	fd = request(sv.port, "/metrics");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 200);
	ck_assert_ptr_nonnull(strstr(resp, "\nozgmon_http_refused_total{reason=\"history_busy\"} 1\n"));
	fd = request(sv.port, "/api/v1/targets?limit=1");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 200);
	ck_assert_double_lt(mono_s() - t0, 2.0);
	ck_assert_uint_eq(history_worker_queued(sv.h->hist, NULL), HISTORY_WORKER_QUEUE);
	/* The reads go on: every waiting request gets its answer (no file: 404). */
	atomic_store(&releasing, true);
	ck_assert_int_eq(pthread_create(&rel, NULL, releaser, NULL), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(response(fds[i], resp, sizeof resp), 404);
		ck_assert_ptr_nonnull(strstr(resp, "no history for 'erfurt-kfz' yet"));
	}
	atomic_store(&releasing, false);
	pthread_join(rel, NULL);
	/* Queue free again: a history request is taken (and answered, the FIFO gone: 404). */
	ck_assert_int_eq(unlink(fifo), 0);
	fd = request(sv.port, "/api/v1/targets/erfurt-kfz/history.csv");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 404);
	fd = request(sv.port, "/api/v1/targets/erfurt-kfz/history?cf=LAST");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 400);
	ck_assert_ptr_nonnull(strstr(resp, "cf: expected AVERAGE, MIN or MAX"));
	fd = request(sv.port, "/metrics");
	ck_assert_int_eq(response(fd, resp, sizeof resp), 200);
	ck_assert_ptr_nonnull(strstr(resp, "\nozgmon_http_refused_total{reason=\"history_busy\"} 1\n"));
	http_stop(sv.h);
	state_pub_destroy(&sv.pub);
}
END_TEST

static void *http_stop_main(void *h)
{
	http_stop(h);
	return NULL;
}

START_TEST(history_server_stop)
{
	enum { N = HISTORY_WORKER_THREADS + HISTORY_WORKER_QUEUE };
	static char resp[1 << 16];
	struct served sv;
	pthread_t stopper, rel;
	int fds[N];

	serve(&sv);
	saturate(&sv, fds);
	/* Stopping: the queued requests are answered 503 while the running reads still wait. */
	ck_assert_int_eq(pthread_create(&stopper, NULL, http_stop_main, sv.h), 0);
	for (int i = HISTORY_WORKER_THREADS; i < N; i++) {
		ck_assert_int_eq(response(fds[i], resp, sizeof resp), 503);
		ck_assert_ptr_nonnull(strstr(resp, "the server is shutting down"));
		ck_assert_ptr_nonnull(strstr(resp, "\r\nRetry-After: 1\r\n"));
	}
	/* Once the reads end, the server stops, no connection left suspended. */
	atomic_store(&releasing, true);
	ck_assert_int_eq(pthread_create(&rel, NULL, releaser, NULL), 0);
	ck_assert_int_eq(pthread_join(stopper, NULL), 0);
	atomic_store(&releasing, false);
	pthread_join(rel, NULL);
	for (int i = 0; i < (int)HISTORY_WORKER_THREADS; i++) {
		int st = response(fds[i], resp, sizeof resp);
		ck_assert_msg(st == 404 || st == 0, "a read running at the stop: %d", st);
	}
	state_pub_destroy(&sv.pub);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, areas_population);
	tcase_add_test(tc, targets_pages);
	tcase_add_test(tc, targets_filters);
	tcase_add_test(tc, other_lists_pages);
	tcase_add_test(tc, validators);
	tcase_add_test(tc, history_worker_bounds);
	tcase_add_test(tc, history_server_busy);
	tcase_add_test(tc, history_server_stop);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(api_suite());
}
