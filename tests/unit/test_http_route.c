/* SPDX-License-Identifier: EUPL-1.2 */
/* test_http_route.c - the exporter's routing and dashboards file names (pure functions). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/http.h"
#include "tests/unit/testutil.h"

static const struct {
	const char *path;
	enum http_route route;
} routes[] = {
	{ "/metrics", HTTP_ROUTE_METRICS },	{ "/-/healthy", HTTP_ROUTE_HEALTHY },
	{ "/-/ready", HTTP_ROUTE_READY },	{ "/-/reload", HTTP_ROUTE_RELOAD },
	{ "/api/v1/targets", HTTP_ROUTE_API },	{ "/api/v1/", HTTP_ROUTE_API },
	{ "/", HTTP_ROUTE_STATUS_PAGE },	{ "/index.html", HTTP_ROUTE_FILE },
	{ "/api/v1", HTTP_ROUTE_FILE },		{ "/metrics/", HTTP_ROUTE_FILE },
	{ "/METRICS", HTTP_ROUTE_FILE },	{ "/-/healthy/x", HTTP_ROUTE_FILE },
};

START_TEST(route_table)
{
	ck_assert_int_eq(http_route(routes[_i].path), routes[_i].route);
}
END_TEST

static const struct {
	const char *url;
	const char *file;	/* NULL: not servable */
	const char *type;
} files[] = {
	{ "/index.html", "/srv/www/index.html", "text/html; charset=utf-8" },
	{ "/kreis/16051.html", "/srv/www/kreis/16051.html", "text/html; charset=utf-8" },
	{ "/style.css", "/srv/www/style.css", "text/css; charset=utf-8" },
	{ "/app.js", "/srv/www/app.js", "text/javascript; charset=utf-8" },
	{ "/graph/a-b_c.svg", "/srv/www/graph/a-b_c.svg", "image/svg+xml" },
	{ "/feed.atom", "/srv/www/feed.atom", "application/atom+xml" },
	{ "/gemeinde/16051000.atom", "/srv/www/gemeinde/16051000.atom", "application/atom+xml" },
	{ "/.atom", NULL, NULL },
	{ "/", NULL, NULL },			{ "/.hidden.html", NULL, NULL },
	{ "/x/../y.html", NULL, NULL },		{ "/x/./y.html", NULL, NULL },
	{ "//etc.html", NULL, NULL },		{ "/x//y.html", NULL, NULL },
	{ "/dir/", NULL, NULL },		{ "/a b.html", NULL, NULL },
	{ "/a%2e.html", NULL, NULL },		{ "/a\\b.html", NULL, NULL },
	{ "/data.json", NULL, NULL },		{ "/.html", NULL, NULL },
	{ "/passwd", NULL, NULL },		{ "/ü.html", NULL, NULL },
};

START_TEST(file_names)
{
	char out[256];
	const char *type = "set";
	bool ok = http_file_path("/srv/www", files[_i].url, out, sizeof out, &type);

	if (files[_i].file) {
		ck_assert_msg(ok, "%s refused", files[_i].url);
		ck_assert_str_eq(out, files[_i].file);
		ck_assert_str_eq(type, files[_i].type);
	} else {
		ck_assert_msg(!ok, "%s served", files[_i].url);
		ck_assert_ptr_null(type);
	}
}
END_TEST

START_TEST(file_limits)
{
	char out[32], url[260];
	const char *type;

	ck_assert(!http_file_path(NULL, "/index.html", out, sizeof out, &type));
	/* A path that does not fit the output is refused, not cut. */
	ck_assert(!http_file_path("/a/very/long/dashboards/dir", "/index.html", out, sizeof out, &type));
	memset(url, 'a', sizeof url);
	url[0] = '/';
	memcpy(url + 201 - 5, ".html", 6);	/* 200 bytes after the '/' */
	ck_assert(http_file_path("/w", url, (char[256]){ 0 }, 256, &type));
	memcpy(url + 202 - 5, ".html", 6);	/* 201 */
	ck_assert(!http_file_path("/w", url, (char[256]){ 0 }, 256, &type));
}
END_TEST

static Suite *http_route_suite(void)
{
	Suite *s = suite_create("http_route");
	TCase *tc = tcase_create("pure");

	tcase_add_loop_test(tc, route_table, 0, (int)(sizeof routes / sizeof routes[0]));
	tcase_add_loop_test(tc, file_names, 0, (int)(sizeof files / sizeof files[0]));
	tcase_add_test(tc, file_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(http_route_suite());
}
