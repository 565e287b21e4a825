/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_config_scale.c - unit tests of the configuration at scale: include: of
 * further YAML files (globs, cycles, depth, duplicate ids across files),
 * Onlinedienste and Angebote from CSV files (good and bad rows with their
 * line:column), and the size bound.
 *
 * Every test works in its own directory: DIR/conf/ozgmon.yaml is the main
 * file, DIR/reg/ the register fixtures, DIR/conf/... the included files.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/unit/testutil.h"

/* ---- fixture ---------------------------------------------------------------- */

static char tdir[1024];		/* the test's directory */
static char cfgpath[PATH_MAX];		/* DIR/conf/ozgmon.yaml */
static struct cfg_errors errs;
static struct cfg *cfg;

/* out = DIR/rel; the test fails if the path does not fit. */
static void tpath(char *out, size_t outsz, const char *rel)
{
	tu_path(tdir, out, outsz, rel);
}

static void put_file(const char *rel, const char *data, size_t len)
{
	tu_put(tdir, rel, data, len);
}

static void put_text(const char *rel, const char *text)
{
	tu_put(tdir, rel, text, strlen(text));
}

static void setup(void)
{
	char sub[PATH_MAX];

	tu_cfg_start(tdir, sizeof tdir, "test-config-scale", cfgpath, sizeof cfgpath);
	tpath(sub, sizeof sub, "conf/conf.d");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
}

static void teardown(void)
{
	cfg_set_limits(0, 0);
	tu_cfg_end(tdir, &cfg, &errs);
}

/* Writes the main file (the YAML plus the registers' block) and loads it. */
static struct cfg *load_main(const char *yaml)
{
	return tu_cfg_load(cfgpath, yaml, true, &cfg, &errs);
}

static void dump_errors(char *out, size_t outsz)
{
	tu_cfg_errors_dump(&errs, out, outsz);
}

/* An error of a file ending in suffix at line:col whose message contains msg. */
static void expect_error(const char *suffix, unsigned line, unsigned col, const char *msg)
{
	tu_cfg_expect_error(&errs, suffix, line, col, msg);
}

static void expect_ok(void)
{
	char all[8192];

	dump_errors(all, sizeof all);
	ck_assert_msg(cfg != NULL, "load failed:%s", all);
}

static const struct cfg_dienst *dienst(const char *id)
{
	const struct cfg_dienst *d = cfg_find_dienst(cfg, id);
	ck_assert_msg(d != NULL, "no dienst %s", id);
	return d;
}

/* ---- include: --------------------------------------------------------------------- */

START_TEST(test_include_glob_sorted)
{
	put_text("conf/conf.d/b.yml",
		 "onlinedienste:\n"
		 "  - { id: b1, url: \"https://b.example/\", name: B eins }\n"
		 "angebote:\n"
		 "  - { area: \"16051\", ozg_id: \"10000\", dienst: a1, reifegrad: 3 }\n");
	put_text("conf/conf.d/a.yml",
		 "onlinedienste:\n"
		 "  - { id: a1, url: \"https://a.example/\", provider: Land }\n"
		 "include: [ ../more/c.yml ]\n");
	put_text("conf/conf.d/skip.txt", "not: yaml: at all: [\n");
	{
		char sub[PATH_MAX];
		tpath(sub, sizeof sub, "conf/more");
		ck_assert_int_eq(mkdir(sub, 0700), 0);
	}
	put_text("conf/more/c.yml",
		 "onlinedienste:\n"
		 "  - { id: c1, url: \"https://c.example/\" }\n");
	load_main("onlinedienste:\n"
		  "  - { id: m1, url: \"https://m.example/\" }\n"
		  "include:\n"
		  "  - conf.d/*.yml\n");
	expect_ok();
	ck_assert_uint_eq(cfg->n_dienste, 4);
	ck_assert_str_eq(dienst("b1")->name, "B eins");
	ck_assert_str_eq(dienst("a1")->provider, "Land");
	ck_assert_uint_eq(cfg->n_angebote, 1);
	ck_assert_str_eq(cfg->dienste[cfg->angebote[0].dienst].id, "a1");
	/* each entry keeps the file it came from */
	ck_assert_ptr_nonnull(strstr(dienst("c1")->mark.file, "more/c.yml"));
	ck_assert_ptr_nonnull(strstr(dienst("b1")->mark.file, "conf/conf.d/b.yml"));
	ck_assert_ptr_nonnull(strstr(dienst("m1")->mark.file, "conf/ozgmon.yaml"));
	ck_assert_ptr_nonnull(strstr(cfg->angebote[0].mark.file, "conf/conf.d/b.yml"));
	ck_assert_uint_eq(cfg->angebote[0].mark.line, 4);
}
END_TEST

START_TEST(test_include_glob_order_errors)
{
	/* the errors come sorted by file in the order read: a.yml before b.yml */
	put_text("conf/conf.d/b.yml", "onlinedienste:\n  - { id: b1, url: \"ftp://b/\" }\n");
	put_text("conf/conf.d/a.yml", "onlinedienste:\n  - { id: a1, url: \"ftp://a/\" }\n");
	ck_assert_ptr_null(load_main("include: [ \"conf.d/*.yml\" ]\n"));
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_ptr_nonnull(strstr(errs.v[0].file, "conf.d/a.yml"));
	ck_assert_ptr_nonnull(strstr(errs.v[1].file, "conf.d/b.yml"));
	expect_error("conf/conf.d/a.yml", 2, 20, "url");
	expect_error("conf/conf.d/b.yml", 2, 20, "url");
}
END_TEST

START_TEST(test_include_empty_glob_and_missing_file)
{
	load_main("include: [ \"conf.d/*.yml\" ]\n");
	expect_ok();
	ck_assert_uint_eq(cfg->n_dienste, 0);
	ck_assert_ptr_null(load_main("onlinedienste: []\n"
				     "include:\n"
				     "  - nothere.yml\n"));
	expect_error("conf/ozgmon.yaml", 3, 5, "include: cannot read 'nothere.yml'");
}
END_TEST

START_TEST(test_include_cycle)
{
	put_text("conf/conf.d/a.yml", "include: [ b.yml ]\n");
	put_text("conf/conf.d/b.yml", "onlinedienste: []\ninclude: [ a.yml ]\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/a.yml ]\n"));
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/conf.d/b.yml", 2, 12, "include cycle: 'a.yml' is already being read");
	/* the main file itself */
	put_text("conf/conf.d/a.yml", "include: [ ../ozgmon.yaml ]\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/a.yml ]\n"));
	expect_error("conf/conf.d/a.yml", 1, 12, "include cycle");
	/* twice, but no cycle */
	put_text("conf/conf.d/a.yml", "onlinedienste: []\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/a.yml, conf.d/../conf.d/a.yml ]\n"));
	expect_error("conf/ozgmon.yaml", 1, 26, "is read a second time");
}
END_TEST

START_TEST(test_include_depth)
{
	char name[64], text[128];

	/* d1 includes d2 ... d9: the 9th level is refused */
	for (int i = 1; i <= 9; i++) {
		snprintf(name, sizeof name, "conf/conf.d/d%d.yml", i);
		snprintf(text, sizeof text, "include: [ d%d.yml ]\n", i + 1);
		put_text(name, text);
	}
	put_text("conf/conf.d/d10.yml", "onlinedienste: []\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/d1.yml ]\n"));
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/conf.d/d8.yml", 1, 12, "'d9.yml' is nested deeper than 8 levels");
	/* 8 levels are fine */
	put_text("conf/conf.d/d8.yml", "onlinedienste: [ { id: deep, url: \"https://d/\" } ]\n");
	load_main("include: [ conf.d/d1.yml ]\n");
	expect_ok();
	ck_assert_ptr_nonnull(strstr(dienst("deep")->mark.file, "d8.yml"));
}
END_TEST

START_TEST(test_include_main_only_keys)
{
	put_text("conf/conf.d/a.yml",
		 "global: { interval: 30s }\n"
		 "onlinedienste: []\n"
		 "probe_profiles: {}\n"
		 "bogus: 1\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/a.yml ]\n"));
	expect_error("conf/conf.d/a.yml", 1, 9, "global: only allowed in the main configuration");
	expect_error("conf/conf.d/a.yml", 3, 17, "probe_profiles: only allowed in the main");
	expect_error("conf/conf.d/a.yml", 4, 1, "bogus");
}
END_TEST

START_TEST(test_include_syntax_error_place)
{
	put_text("conf/conf.d/a.yml", "onlinedienste:\n  - { id: x, url: \"https://x/\"\n");
	ck_assert_ptr_null(load_main("include: [ conf.d/a.yml ]\n"));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_ptr_nonnull(strstr(errs.v[0].file, "conf/conf.d/a.yml"));
	ck_assert_ptr_nonnull(strstr(errs.v[0].msg, "YAML syntax error"));
	ck_assert_uint_ge(errs.v[0].line, 2);
}
END_TEST

START_TEST(test_duplicate_ids_across_files)
{
	put_text("conf/conf.d/a.yml",
		 "onlinedienste:\n"
		 "  - { id: one, url: \"https://a/\" }\n");
	put_text("conf/more.csv",
		 "id;url\n"
		 "two;https://b/\n"
		 "one;https://c/\n");
	ck_assert_ptr_null(load_main("onlinedienste:\n"
				     "  - id: one\n"
				     "    url: \"https://m/\"\n"
				     "include: [ conf.d/a.yml ]\n"
				     "onlinedienste_csv: [ more.csv ]\n"));
	ck_assert_uint_eq(errs.n, 2);
	{
		char want[PATH_MAX + 64];
		snprintf(want, sizeof want, "duplicate onlinedienst id 'one' (first at %s:2:9)",
			 cfgpath);
		expect_error("conf/conf.d/a.yml", 2, 11, want);
		expect_error("conf/more.csv", 3, 1, want);
	}
}
END_TEST

START_TEST(test_duplicate_angebot_across_files)
{
	put_text("conf/conf.d/a.yml",
		 "angebote:\n"
		 "  - { area: \"16051\", ozg_id: \"10000\", dienst: one, reifegrad: 1 }\n");
	ck_assert_ptr_null(load_main("onlinedienste: [ { id: one, url: \"https://a/\" } ]\n"
				     "angebote:\n"
				     "  - { area: \"16051\", ozg_id: \"10000\", dienst: one, reifegrad: 2 }\n"
				     "include: [ conf.d/a.yml ]\n"));
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/conf.d/a.yml", 2, 5, "duplicate angebot: area 16051, ozg_id 10000");
	expect_error("conf/conf.d/a.yml", 2, 5, "conf/ozgmon.yaml:3:5)");
}
END_TEST

/* ---- CSV --------------------------------------------------------------------------- */

START_TEST(test_csv_good)
{
	put_text("conf/dienste.csv",
		 "\xEF\xBB\xBFid;url;name;provider;efa;interval;timeout;retries;probe\r\n"
		 "bauantrag;https://bau.example/antrag;\"Bauantrag; digital\";Land;true;30s;5s;2;portal\r\n"
		 "\r\n"
		 "melde;https://melde.example/;;;;;;;\r\n"
		 "third;https://third.example/;;;;;;;portal\r\n");
	put_text("conf/angebote.csv",
		 "area,ozg_id,dienst,reifegrad\n"
		 "16051,10000,bauantrag,3\n"
		 "16064046,10124,melde,2\n");
	load_main("global: { interval: 60s, timeout: 10s }\n"
		  "probe_profiles:\n"
		  "  portal:\n"
		  "    expect_status: [200, \"300-399\"]\n"
		  "    body_contains: Antrag\n"
		  "onlinedienste_csv: [ dienste.csv ]\n"
		  "angebote_csv: [ angebote.csv ]\n");
	expect_ok();
	ck_assert_uint_eq(cfg->n_dienste, 3);
	/* two rows share one profile */
	ck_assert_str_eq(dienst("third")->probe.body_contains, "Antrag");
	ck_assert_uint_eq(dienst("third")->probe.n_expect_status, 2);
	{
		const struct cfg_dienst *d = dienst("bauantrag");
		ck_assert_str_eq(d->name, "Bauantrag; digital");
		ck_assert_str_eq(d->provider, "Land");
		ck_assert_str_eq(d->url, "https://bau.example/antrag");
		ck_assert(d->efa);
		ck_assert_uint_eq(d->interval_ms, 30000);
		ck_assert_uint_eq(d->timeout_ms, 5000);
		ck_assert_str_eq(d->probe.body_contains, "Antrag");
		ck_assert_uint_eq(d->mark.line, 2);
		ck_assert_ptr_nonnull(strstr(d->mark.file, "conf/dienste.csv"));
	}
	{
		const struct cfg_dienst *d = dienst("melde");
		ck_assert_str_eq(d->name, "melde");
		ck_assert(!d->efa);
		ck_assert_uint_eq(d->interval_ms, 60000);
		ck_assert_ptr_null(d->probe.body_contains);
	}
	ck_assert_uint_eq(cfg->n_angebote, 2);
	ck_assert_str_eq(cfg->angebote[1].area, "16064046");
	ck_assert_str_eq(cfg->angebote[1].ozg_id, "10124");
	ck_assert_int_eq(cfg->angebote[1].reifegrad, 2);
	ck_assert_str_eq(cfg->dienste[cfg->angebote[1].dienst].id, "melde");
}
END_TEST

START_TEST(test_csv_bad_rows)
{
	put_text("conf/dienste.csv",
		 "id,url,name,interval\n"
		 "ok1,https://a/,A,30s\n"
		 "Bad Id,https://b/,B,30s\n"
		 "ok2,ftp://c/,C,30s\n"
		 "ok3,https://d/,D,30x\n"
		 "ok4,https://e/,E\n"
		 "ok5,https://f/,\"F\"x,30s\n"
		 "ok6,https://g/,G,30s,extra\n");
	put_text("conf/angebote.csv",
		 "area;ozg_id;dienst;reifegrad\n"
		 "16051;10000;ok1;3\n"
		 "16999;10000;ok1;3\n"
		 "16051;1000;ok1;3\n"
		 "16051;10124;nope;3\n"
		 "16051;10130;ok1;9\n");
	ck_assert_ptr_null(load_main("onlinedienste_csv: [ dienste.csv ]\n"
				     "angebote_csv: [ angebote.csv ]\n"));
	expect_error("conf/dienste.csv", 3, 1, "id");
	expect_error("conf/dienste.csv", 4, 5, "url");
	expect_error("conf/dienste.csv", 5, 18, "interval: bad duration '30x'");
	expect_error("conf/dienste.csv", 6, 16, "3 fields, the header has 4");
	expect_error("conf/dienste.csv", 7, 19, "unexpected character after closing quote");
	expect_error("conf/dienste.csv", 8, 22, "5 fields, the header has 4");
	expect_error("conf/angebote.csv", 3, 1, "area: '16999' is not a Kreis");
	expect_error("conf/angebote.csv", 4, 7, "ozg_id: '1000' must be 5 digits");
	expect_error("conf/angebote.csv", 5, 13, "dienst: 'nope' is not defined");
	expect_error("conf/angebote.csv", 6, 17, "reifegrad");
	ck_assert_uint_eq(errs.n, 10);
}
END_TEST

START_TEST(test_csv_header_errors)
{
	put_text("conf/dienste.csv", "id,name,colour,name\nx,X,red,Y\n");
	put_text("conf/empty.csv", "");
	put_text("conf/profile.csv", "id,url,probe\nx1,https://x/,nosuch\n");
	ck_assert_ptr_null(load_main("onlinedienste_csv: [ dienste.csv, empty.csv, profile.csv ]\n"));
	expect_error("conf/dienste.csv", 1, 9, "unknown column 'colour'");
	expect_error("conf/dienste.csv", 1, 16, "column 'name' appears twice");
	expect_error("conf/dienste.csv", 1, 1, "the header has no column 'url'");
	expect_error("conf/empty.csv", 0, 0, "empty, expected a header line");
	expect_error("conf/profile.csv", 2, 15, "probe: 'nosuch' is not a profile");
	ck_assert_ptr_null(load_main("onlinedienste_csv: [ missing.csv ]\n"));
	expect_error("conf/ozgmon.yaml", 1, 22, "onlinedienste_csv: cannot read 'missing.csv'");
}
END_TEST

START_TEST(test_csv_profile_error_place)
{
	/* an error inside a profile is reported at the profile's place */
	put_text("conf/dienste.csv", "id,url,probe\nx1,https://x/,p\n");
	ck_assert_ptr_null(load_main("probe_profiles:\n"
				     "  p: { max_redirects: 99 }\n"
				     "onlinedienste_csv: [ dienste.csv ]\n"));
	expect_error("conf/ozgmon.yaml", 2, 23, "max_redirects");
}
END_TEST

/* ---- size bound -------------------------------------------------------------------- */

START_TEST(test_size_bound)
{
	size_t n = (1u << 20) + 1;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, '#', n);
	big[n - 1] = '\n';
	put_file("conf/big.yml", big, n);
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(big + i, "x\n", 2);
	put_file("conf/big.csv", big, n);
	free(big);
	/* the default (256 MiB) reads them: comments, and a header "x" */
	ck_assert_ptr_null(load_main("include: [ big.yml ]\nonlinedienste_csv: [ big.csv ]\n"));
	ck_assert_uint_eq(errs.n, 3);
	expect_error("conf/big.csv", 1, 1, "unknown column 'x'");
	expect_error("conf/big.csv", 1, 1, "the header has no column 'id'");
	/* global.config_max_size bounds each included and CSV file */
	ck_assert_ptr_null(load_main("global: { config_max_size: 1MiB }\n"
				     "include: [ big.yml ]\nonlinedienste_csv: [ big.csv ]\n"));
	ck_assert_uint_eq(errs.n, 2);
	expect_error("conf/ozgmon.yaml", 2, 12, "include: cannot read 'big.yml': larger than "
		     "1048576 bytes (global.config_max_size)");
	expect_error("conf/ozgmon.yaml", 3, 22, "onlinedienste_csv: cannot read 'big.csv': larger "
		     "than 1048576 bytes (global.config_max_size)");
	/* the main file's bound (cfg_set_limits), named with the file */
	cfg_set_limits(64, 0);
	ck_assert_ptr_null(load_main("onlinedienste: []\n"));
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/ozgmon.yaml", 0, 0, "larger than 64 bytes");
	cfg_set_limits(0, 0);
	/* the key's range */
	ck_assert_ptr_null(load_main("global: { config_max_size: 512KiB }\n"));
	expect_error("conf/ozgmon.yaml", 1, 28, "out of range 1MiB..4GiB");
	load_main("global: { config_max_size: 2GiB }\n");
	expect_ok();
	ck_assert_uint_eq(cfg->global.config_max_size, (size_t)2 << 30);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_scale");
	TCase *tc = tcase_create("scale");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_include_glob_sorted);
	tcase_add_test(tc, test_include_glob_order_errors);
	tcase_add_test(tc, test_include_empty_glob_and_missing_file);
	tcase_add_test(tc, test_include_cycle);
	tcase_add_test(tc, test_include_depth);
	tcase_add_test(tc, test_include_main_only_keys);
	tcase_add_test(tc, test_include_syntax_error_place);
	tcase_add_test(tc, test_duplicate_ids_across_files);
	tcase_add_test(tc, test_duplicate_angebot_across_files);
	tcase_add_test(tc, test_csv_good);
	tcase_add_test(tc, test_csv_bad_rows);
	tcase_add_test(tc, test_csv_header_errors);
	tcase_add_test(tc, test_csv_profile_error_place);
	tcase_add_test(tc, test_size_bound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
