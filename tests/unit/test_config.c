/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_config.c - unit tests of config/ (YAML loader, CSV reader, registers).
 *
 * Every test works in its own directory made with mkdtemp():
 *   DIR/conf/ozgmon.yaml   the configuration under test
 *   DIR/reg/NAME.csv       small register fixtures (written by the fixture)
 * so the YAML names the registers relative to its own folder (../reg/...).
 *
 * The real registers are looked up in $OZG_DATA_DIR (default "data/registers",
 * relative to the directory the tests run in).
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
#include "config/csv.h"
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

/* Writes a secret file: mode 0600, as common/secfile.h requires. */
static void put_secret(const char *rel, const char *text)
{
	tu_put_mode(tdir, rel, text, strlen(text), 0600);
}

static void setup(void)
{
	tu_cfg_start(tdir, sizeof tdir, "test-config", cfgpath, sizeof cfgpath);
}

static void teardown(void)
{
	tu_cfg_end(tdir, &cfg, &errs);
}

/* Writes the YAML (plus the registers' block unless raw) and loads it. */
static struct cfg *load_yaml(const char *yaml, bool raw)
{
	return tu_cfg_load(cfgpath, yaml, !raw, &cfg, &errs);
}

static void dump_errors(char *out, size_t outsz)
{
	tu_cfg_errors_dump(&errs, out, outsz);
}

/* An error of a file ending in `suffix` at line:col containing `msg`, formatted "FILE:LINE:COL: MSG". */
static void expect_error(const char *suffix, unsigned line, unsigned col, const char *msg)
{
	tu_cfg_expect_error(&errs, suffix, line, col, msg);
}

/* ---- cfg_parse_duration ---------------------------------------------------- */

static const struct {
	const char *in;
	int rc;
	unsigned ms;
} dur_cases[] = {
	{ "1500ms", 0, 1500 },
	{ "10s", 0, 10000 },
	{ "5m", 0, 300000 },
	{ "1h", 0, 3600000 },
	{ "0s", 0, 0 },
	{ "007s", 0, 7000 },
	{ "24h", 0, 86400000 },
	{ "4294967295ms", 0, 4294967295u },
	{ "1193h", 0, 4294800000u },
	{ "1194h", -1, 0 },		/* overflow after the unit */
	{ "4294967296ms", -1, 0 },	/* overflow of the number */
	{ "99999999999999999999999s", -1, 0 },
	{ "", -1, 0 },
	{ "10", -1, 0 },		/* no unit */
	{ "s", -1, 0 },
	{ "-5s", -1, 0 },
	{ "+5s", -1, 0 },
	{ " 5s", -1, 0 },
	{ "5 s", -1, 0 },
	{ "5s ", -1, 0 },
	{ "5S", -1, 0 },
	{ "5sec", -1, 0 },
	{ "1.5s", -1, 0 },
	{ "0x10s", -1, 0 },
	{ "5d", -1, 0 },
	{ "5mss", -1, 0 },
};

START_TEST(test_duration)
{
	unsigned ms = 12345;
	int rc = cfg_parse_duration(dur_cases[_i].in, &ms);

	ck_assert_msg(rc == dur_cases[_i].rc, "'%s': rc %d, want %d", dur_cases[_i].in, rc,
		      dur_cases[_i].rc);
	if (rc == 0)
		ck_assert_uint_eq(ms, dur_cases[_i].ms);
	else
		ck_assert_uint_eq(ms, 12345);	/* untouched on error */
}
END_TEST

START_TEST(test_duration_null)
{
	unsigned ms;
	ck_assert_int_eq(cfg_parse_duration(NULL, &ms), -1);
}
END_TEST

/* ---- CSV reader ------------------------------------------------------------- */

START_TEST(test_csv_quoting)
{
	static const char in[] = "a,\"b,c\",\"d\"\"e\"\r\n"
				 "\"x\ny\",,\"\"\r\n"
				 "07545,Mühlhausen/Thüringen,z";
	struct csv c;

	ck_assert_int_eq(csv_open_mem(&c, in, sizeof in - 1, 100), 0);
	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_uint_eq(c.nf, 3);
	ck_assert_str_eq(c.f[0].s, "a");
	ck_assert_str_eq(c.f[1].s, "b,c");
	ck_assert_str_eq(c.f[2].s, "d\"e");
	ck_assert_uint_eq(c.f[2].len, 3);
	ck_assert_uint_eq(c.f[1].col, 3);
	ck_assert_uint_eq(c.f[2].col, 9);
	ck_assert_uint_eq(c.rec_line, 1);

	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_uint_eq(c.rec_line, 2);
	ck_assert_uint_eq(c.nf, 3);
	ck_assert_str_eq(c.f[0].s, "x\ny");	/* a line break inside quotes */
	ck_assert_str_eq(c.f[1].s, "");
	ck_assert_str_eq(c.f[2].s, "");
	ck_assert_uint_eq(c.f[1].line, 3);	/* the field after it is on line 3 */
	ck_assert_uint_eq(c.f[1].col, 4);

	ck_assert_int_eq(csv_next(&c), 1);	/* last line without a line end */
	ck_assert_uint_eq(c.rec_line, 4);
	ck_assert_str_eq(c.f[0].s, "07545");	/* leading zero kept */
	ck_assert_str_eq(c.f[1].s, "Mühlhausen/Thüringen");
	ck_assert_uint_eq(c.f[2].col, 30);	/* byte column: ü is two bytes */
	ck_assert_int_eq(csv_find(&c, "z"), 2);
	ck_assert_int_eq(csv_find(&c, "nope"), -1);
	ck_assert_int_eq(csv_next(&c), 0);
	ck_assert_int_eq(csv_next(&c), 0);
	csv_close(&c);
	csv_close(&c);		/* twice is harmless */
	csv_close(NULL);
}
END_TEST

START_TEST(test_csv_bom_blank_lines)
{
	static const char in[] = "\xEF\xBB\xBF" "h1,h2\n\n\r\nv1,v2\n\n";
	struct csv c;

	ck_assert_int_eq(csv_open_mem(&c, in, sizeof in - 1, 100), 0);
	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_str_eq(c.f[0].s, "h1");
	ck_assert_uint_eq(c.f[0].col, 1);
	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_uint_eq(c.rec_line, 4);
	ck_assert_str_eq(c.f[1].s, "v2");
	ck_assert_int_eq(csv_next(&c), 0);
	csv_close(&c);
}
END_TEST

/* Inputs whose first record is bad; the second record ("ok") must still be read. */
static const struct {
	const char *in;
	size_t len;	/* 0: strlen */
	unsigned line, col;
	const char *msg;
} csv_bad[] = {
	{ "a,\"b\"x,c\nok\n", 0, 1, 6, "unexpected character after closing quote" },
	{ "a,b\"c\nok\n", 0, 1, 4, "quote inside an unquoted field" },
	{ "a,b\rc\nok\n", 0, 1, 4, "carriage return without line feed" },
	{ "a,\xff\nok\n", 0, 1, 3, "invalid UTF-8" },
	{ "a,\xC3\x28\nok\n", 0, 1, 3, "invalid UTF-8" },
	{ "a,\xED\xA0\x80\nok\n", 0, 1, 3, "invalid UTF-8" },	/* a surrogate */
	{ "a,b\0c\nok\n", 9, 1, 4, "NUL byte" },
	{ "a,0123456789X\nok\n", 0, 1, 3, "field longer than 10 bytes" },
	{ "a,\"0123456789X\"\nok\n", 0, 1, 3, "field longer than 10 bytes" },
};

START_TEST(test_csv_errors)
{
	size_t len = csv_bad[_i].len ? csv_bad[_i].len : strlen(csv_bad[_i].in);
	struct csv c;

	ck_assert_int_eq(csv_open_mem(&c, csv_bad[_i].in, len, 10), 0);
	ck_assert_int_eq(csv_next(&c), -1);
	ck_assert_uint_eq(c.err_line, csv_bad[_i].line);
	ck_assert_uint_eq(c.err_col, csv_bad[_i].col);
	ck_assert_msg(strstr(c.err, csv_bad[_i].msg), "'%s' lacks '%s'", c.err, csv_bad[_i].msg);
	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_uint_eq(c.rec_line, 2);
	ck_assert_str_eq(c.f[0].s, "ok");
	ck_assert_int_eq(csv_next(&c), 0);
	csv_close(&c);
}
END_TEST

START_TEST(test_csv_unterminated)
{
	static const char in[] = "a,b\nc,\"open\nmore\n";
	struct csv c;

	ck_assert_int_eq(csv_open_mem(&c, in, sizeof in - 1, 100), 0);
	ck_assert_int_eq(csv_next(&c), 1);
	ck_assert_int_eq(csv_next(&c), -1);
	ck_assert_uint_eq(c.err_line, 2);
	ck_assert_uint_eq(c.err_col, 3);
	ck_assert_str_eq(c.err, "unterminated quoted field");
	ck_assert_int_eq(csv_next(&c), 0);
	csv_close(&c);
}
END_TEST

START_TEST(test_csv_read_file_limits)
{
	char path[PATH_MAX], why[128], *buf = NULL;
	size_t len = 0;

	put_text("reg/small.csv", "0123456789");
	tpath(path, sizeof path, "reg/small.csv");
	ck_assert_int_eq(csv_read_file(path, 10, &buf, &len, why, sizeof why), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(buf, "0123456789");
	free(buf);
	ck_assert_int_eq(csv_read_file(path, 9, &buf, &len, why, sizeof why), -1);
	ck_assert_str_eq(why, "larger than 9 bytes");
	ck_assert_ptr_null(buf);
	tpath(path, sizeof path, "reg");
	ck_assert_int_eq(csv_read_file(path, 9, &buf, &len, why, sizeof why), -1);
	ck_assert_str_eq(why, "not a regular file");
	tpath(path, sizeof path, "reg/none.csv");
	ck_assert_int_eq(csv_read_file(path, 9, &buf, &len, why, sizeof why), -1);
	ck_assert_str_eq(why, "No such file or directory");
}
END_TEST

/* ---- a valid configuration ---------------------------------------------------- */

static const char VALID_YAML[] =
	"global:\n"
	"  interval: 30s\n"
	"  max_per_host: 2\n"
	"  connect_to: [ \"::127.0.0.1:18080\" ]\n"
	"  resolve:\n"
	"    - portal.example.de:443:127.0.0.1\n"
	"onlinedienste:\n"
	"  - id: erfurt-wohnsitz\n"
	"    name: \"Wohnsitz anmelden\"\n"
	"    url: https://service.erfurt.de/wohnsitz\n"
	"    provider: \"Stadt Erfurt\"\n"
	"    efa: false\n"
	"    probe: { expect_status: [200, \"300-399\", \"404\"], body_contains: \"Antrag\" }\n"
	"  - id: th-elterngeld\n"
	"    url: http://[::1]:8080/elterngeld?x=1\n"
	"    efa: true\n"
	"    interval: 5s\n"
	"angebote:\n"
	"  - { area: \"16051000\", ozg_id: \"10124\", dienst: erfurt-wohnsitz, reifegrad: 3 }\n"
	"  - { area: \"16\", ozg_id: \"10000\", dienst: th-elterngeld, reifegrad: 4 }\n"
	"  - area: 160645001\n"
	"    ozg_id: 10130\n"
	"    dienst: erfurt-wohnsitz\n"
	"    reifegrad: 0\n";

START_TEST(test_valid)
{
	const struct cfg_dienst *d;
	const struct cfg_global *g;
	char dump[8192];

	load_yaml(VALID_YAML, false);
	dump_errors(dump, sizeof dump);
	ck_assert_msg(cfg != NULL, "errors:%s", dump);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(cfg->path, cfgpath);

	g = &cfg->global;
	ck_assert_str_eq(g->listen, "127.0.0.1:9717");	/* defaults */
	ck_assert_str_eq(g->data_dir, "/var/lib/ozgmon");
	ck_assert_str_eq(g->language, "de");
	ck_assert_str_eq(g->log_level, "info");
	ck_assert_uint_eq(g->timeout_ms, 10000);
	ck_assert_uint_eq(g->max_concurrency, 512);
	ck_assert_int_eq(g->reifegrad_max, 4);
	ck_assert_uint_eq(g->interval_ms, 30000);	/* set */
	ck_assert_uint_eq(g->max_per_host, 2);
	ck_assert_uint_eq(g->n_connect_to, 1);
	ck_assert_str_eq(g->connect_to[0], "::127.0.0.1:18080");
	ck_assert_uint_eq(g->n_resolve, 1);
	ck_assert_str_eq(g->resolve[0], "portal.example.de:443:127.0.0.1");

	ck_assert_uint_eq(cfg->n_dienste, 2);
	d = cfg_find_dienst(cfg, "erfurt-wohnsitz");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "Wohnsitz anmelden");
	ck_assert_str_eq(d->url, "https://service.erfurt.de/wohnsitz");
	ck_assert_str_eq(d->provider, "Stadt Erfurt");
	ck_assert(!d->efa);
	ck_assert_uint_eq(d->interval_ms, 30000);
	ck_assert_uint_eq(d->timeout_ms, 10000);
	ck_assert_uint_eq(d->probe.n_expect_status, 3);
	ck_assert_uint_eq(d->probe.expect_status[0].lo, 200);
	ck_assert_uint_eq(d->probe.expect_status[0].hi, 200);
	ck_assert_uint_eq(d->probe.expect_status[1].lo, 300);
	ck_assert_uint_eq(d->probe.expect_status[1].hi, 399);
	ck_assert_uint_eq(d->probe.expect_status[2].lo, 404);
	ck_assert_uint_eq(d->probe.expect_status[2].hi, 404);
	ck_assert_str_eq(d->probe.body_contains, "Antrag");
	ck_assert_ptr_eq(d->mark.file, cfg->path);
	ck_assert_uint_eq(d->mark.line, 8);
	ck_assert_uint_eq(d->mark.col, 5);

	d = cfg_find_dienst(cfg, "th-elterngeld");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->name, "th-elterngeld");	/* defaults to the id */
	ck_assert_str_eq(d->provider, "");
	ck_assert(d->efa);
	ck_assert_uint_eq(d->interval_ms, 5000);
	ck_assert_uint_eq(d->timeout_ms, 5000);		/* inherited 10s, cut to the interval */
	ck_assert_uint_eq(d->probe.n_expect_status, 0);
	ck_assert_ptr_null(d->probe.body_contains);
	ck_assert_ptr_null(cfg_find_dienst(cfg, "nope"));
	ck_assert_ptr_null(cfg_find_dienst(NULL, "nope"));

	ck_assert_uint_eq(cfg->n_angebote, 3);
	ck_assert_str_eq(cfg->angebote[0].area, "16051000");
	ck_assert_int_eq(cfg->angebote[0].level, AREA_GEMEINDE);
	ck_assert_str_eq(cfg->angebote[0].ozg_id, "10124");
	ck_assert_str_eq(cfg->dienste[cfg->angebote[0].dienst].id, "erfurt-wohnsitz");
	ck_assert_int_eq(cfg->angebote[0].reifegrad, 3);
	ck_assert_uint_eq(cfg->angebote[0].mark.line, 19);
	ck_assert_uint_eq(cfg->angebote[0].mark.col, 5);
	ck_assert_int_eq(cfg->angebote[1].level, AREA_LAND);
	ck_assert_str_eq(cfg->dienste[cfg->angebote[1].dienst].id, "th-elterngeld");
	ck_assert_int_eq(cfg->angebote[1].reifegrad, 4);
	ck_assert_int_eq(cfg->angebote[2].level, AREA_VERBAND);
	ck_assert_str_eq(cfg->angebote[2].area, "160645001");
	ck_assert_str_eq(cfg->angebote[2].ozg_id, "10130");
	ck_assert_int_eq(cfg->angebote[2].reifegrad, 0);
}
END_TEST

START_TEST(test_valid_registers)
{
	const struct registers *r;
	const struct reg_gemeinde *g;
	const struct reg_leistung *l;
	char sum[512];

	ck_assert_ptr_nonnull(load_yaml(VALID_YAML, false));
	r = &cfg->reg;
	ck_assert_str_eq(r->land_key, "16");
	ck_assert_str_eq(r->land_name, "Thüringen");
	ck_assert_uint_eq(r->n_kreise, 2);
	ck_assert_uint_eq(r->n_verbaende, 3);
	ck_assert_uint_eq(r->n_gemeinden, 4);
	ck_assert_uint_eq(r->n_leistungen, 3);
	/* columns found by name although reordered, extra columns ignored */
	ck_assert_str_eq(reg_find_kreis(r, "16051")->name, "Erfurt, Stadt");
	ck_assert_int_eq(reg_find_kreis(r, "16064")->population, 101698);
	ck_assert_ptr_null(reg_find_kreis(r, "16099"));
	ck_assert_str_eq(reg_find_verband(r, "160645001")->name, "VG \"Bad Tennstedt\"");
	ck_assert_str_eq(reg_find_verband(r, "160645001")->kreis, "16064");
	g = reg_find_gemeinde(r, "16064046");
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->name, "Mühlhausen/Thüringen, Stadt");
	ck_assert_str_eq(g->ars, "160640046046");
	ck_assert_str_eq(g->kreis, "16064");
	ck_assert_str_eq(g->verband, "160640046");
	ck_assert_int_eq(g->population, 35913);
	ck_assert_ptr_eq(reg_find_gemeinde(r, "160640046046"), g);	/* by ARS */
	ck_assert_ptr_null(reg_find_gemeinde(r, "160645001046"));	/* ARS of no Gemeinde */
	ck_assert_ptr_null(reg_find_gemeinde(r, "1606404"));
	ck_assert_ptr_null(reg_find_gemeinde(NULL, "16064046"));
	/* arrays are sorted by key */
	ck_assert_str_eq(r->gemeinden[0].ags, "16051000");
	ck_assert_str_eq(r->gemeinden[1].ags, "16064004");
	ck_assert_str_eq(r->gemeinden[3].ags, "16064046");
	l = reg_find_leistung(r, "10124");
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(l->name, "Meldewesen, An- und Abmeldung");
	ck_assert_int_eq(l->themenfeld_id, 2);
	ck_assert_str_eq(l->themenfeld, "Bauen & Wohnen");
	ck_assert_ptr_null(reg_find_leistung(r, "10125"));

	cfg_summary(cfg, sum, sizeof sum);
	ck_assert_str_eq(sum, "1 Land, 2 Kreise, 3 Gemeindeverbände, 4 Gemeinden "
			      "(252892 inhabitants); 3 OZG-Leistungen; 2 Onlinedienste "
			      "(probe targets); 3 Angebote");
	cfg_summary(NULL, sum, sizeof sum);
	ck_assert_str_eq(sum, "no configuration");
}
END_TEST

START_TEST(test_global_values)
{
	static const char yaml[] =
		"global:\n"
		"  listen: \"[::1]:9000\"\n"
		"  data_dir: /srv/ozgmon\n"
		"  interval: 1h\n"
		"  timeout: 1500ms\n"
		"  max_concurrency: 65536\n"
		"  max_per_host: 1024\n"
		"  language: en\n"
		"  log_level: debug\n"
		"  reifegrad_max: 7\n"
		"onlinedienste:\n"
		"  - { id: a, url: \"https://a.example\", timeout: 2s }\n"
		"angebote:\n"
		"  - { area: \"16064\", ozg_id: \"10000\", dienst: a, reifegrad: 7 }\n";

	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert_str_eq(cfg->global.listen, "[::1]:9000");
	ck_assert_str_eq(cfg->global.data_dir, "/srv/ozgmon");
	ck_assert_uint_eq(cfg->global.interval_ms, 3600000);
	ck_assert_uint_eq(cfg->global.timeout_ms, 1500);
	ck_assert_uint_eq(cfg->global.max_concurrency, 65536);
	ck_assert_uint_eq(cfg->global.max_per_host, 1024);
	ck_assert_str_eq(cfg->global.language, "en");
	ck_assert_str_eq(cfg->global.log_level, "debug");
	ck_assert_int_eq(cfg->global.reifegrad_max, 7);
	ck_assert_uint_eq(cfg->dienste[0].interval_ms, 3600000);
	ck_assert_uint_eq(cfg->dienste[0].timeout_ms, 2000);
	ck_assert_int_eq(cfg->angebote[0].reifegrad, 7);
	ck_assert_int_eq(cfg->angebote[0].level, AREA_KREIS);
	ck_assert_uint_eq(cfg->global.n_connect_to, 0);
	ck_assert_ptr_null(cfg->global.connect_to);
}
END_TEST

START_TEST(test_short_interval_cuts_default_timeout)
{
	ck_assert_ptr_nonnull(load_yaml("global:\n  interval: 2s\n", false));
	ck_assert_uint_eq(cfg->global.interval_ms, 2000);
	ck_assert_uint_eq(cfg->global.timeout_ms, 2000);
}
END_TEST

START_TEST(test_empty_sections)
{
	/* null sections and lists are empty; onlinedienste and angebote are optional */
	ck_assert_ptr_nonnull(load_yaml("global:\nonlinedienste:\nangebote: []\n", false));
	ck_assert_uint_eq(cfg->n_dienste, 0);
	ck_assert_uint_eq(cfg->n_angebote, 0);
	ck_assert_ptr_null(cfg_find_dienst(cfg, "a"));
}
END_TEST

START_TEST(test_bom_tolerated)
{
	ck_assert_ptr_nonnull(load_yaml("\xEF\xBB\xBFglobal:\n  interval: 20s\n", false));
	ck_assert_uint_eq(cfg->global.interval_ms, 20000);
	/* positions count from after the mark */
	ck_assert_ptr_null(load_yaml("\xEF\xBB\xBFglobal:\n  intervall: 20s\n", false));
	expect_error("conf/ozgmon.yaml", 2, 3, "unknown key 'intervall'");
}
END_TEST

START_TEST(test_absolute_register_path)
{
	char yaml[4 * PATH_MAX];

	snprintf(yaml, sizeof yaml,
		 "registers:\n"
		 "  land: { key: \"16\", name: \"Thüringen\" }\n"
		 "  kreise: %s/reg/kreise.csv\n"
		 "  verbaende: ../reg/verbaende.csv\n"
		 "  gemeinden: ../reg/gemeinden.csv\n"
		 "  leistungen: ../reg/leistungen.csv\n", tdir);
	ck_assert_ptr_nonnull(load_yaml(yaml, true));
	ck_assert_uint_eq(cfg->reg.n_kreise, 2);
}
END_TEST

/* ---- YAML errors, one table row per error class ------------------------------ */

#define DIENST "onlinedienste:\n  - id: erfurt-wohnsitz\n    url: https://service.erfurt.de/wohnsitz\n"
#define ANGEBOT(area, ozg, dienst, rg) \
	"  - { area: \"" area "\", ozg_id: \"" ozg "\", dienst: " dienst ", reifegrad: " rg " }\n"

static const struct err_case {
	const char *yaml;
	bool raw;		/* true: no registers block appended */
	unsigned line, col;
	const char *msg;	/* expected substring */
	size_t n;		/* expected number of errors */
} err_cases[] = {
	/* unknown keys, with and without a suggestion */
	{ "global:\n  intervall: 30s\n", false, 2, 3,
	  "unknown key 'intervall' (did you mean 'interval'?)", 1 },
	{ "global:\n  max_conncurency: 3\n", false, 2, 3,
	  "unknown key 'max_conncurency' (did you mean 'max_concurrency'?)", 1 },
	{ "globl:\n  interval: 30s\n", false, 1, 1, "unknown key 'globl' (did you mean 'global'?)", 1 },
	{ "global:\n  colour: red\n", false, 2, 3, "unknown key 'colour'", 1 },
	{ DIENST "    timout: 5s\n", false, 4, 5, "unknown key 'timout' (did you mean 'timeout'?)", 1 },
	{ DIENST "    probe: { expect_code: [200] }\n", false, 4, 14, "unknown key 'expect_code'", 1 },
	/* duplicate keys */
	{ "global:\n  interval: 30s\n  interval: 40s\n", false, 3, 3,
	  "duplicate key 'interval' (first at line 2)", 1 },
	{ DIENST "    id: other\n", false, 4, 5, "duplicate key 'id' (first at line 2)", 1 },
	/* wrong types */
	{ "global: [1]\n", false, 1, 9, "global: expected a mapping, found a list", 1 },
	{ "global:\n  connect_to: \"::1:80\"\n", false, 2, 15,
	  "connect_to: expected a list, found a string '::1:80'", 1 },
	{ "global:\n  data_dir: [a]\n", false, 2, 13, "data_dir: expected a string, found a list", 1 },
	{ "global:\n  data_dir: {}\n", false, 2, 13, "data_dir: expected a string, found a mapping", 1 },
	{ "global:\n  listen: ~\n", false, 2, 11, "listen: expected a string, found null", 1 },
	{ "global:\n  max_concurrency: \"512\"\n", false, 2, 20,
	  "max_concurrency: expected an integer, found a string '512'", 1 },
	{ "global:\n  max_per_host: true\n", false, 2, 17,
	  "max_per_host: expected an integer, found a boolean", 1 },
	{ DIENST "    efa: yes\n", false, 4, 10,
	  "efa: expected a boolean (true or false), found a string 'yes'", 1 },
	{ DIENST "    efa: 1\n", false, 4, 10,
	  "efa: expected a boolean (true or false), found an integer", 1 },
	{ "onlinedienste: { id: a }\n", false, 1, 16,
	  "onlinedienste: expected a list, found a mapping", 1 },
	{ "onlinedienste:\n  - just-a-string\n", false, 2, 5,
	  "onlinedienste entry: expected a mapping, found a string 'just-a-string'", 1 },
	{ "angebote: 5\n", false, 1, 11, "angebote: expected a list, found an integer", 1 },
	{ "global:\n  [a]: 1\n", false, 2, 3, "a key must be a string, found a list", 1 },
	{ "global:\n  interval: [1s]\n", false, 2, 13,
	  "interval: expected a duration such as 10s, found a list", 1 },
	/* ranges */
	{ "global:\n  max_concurrency: 0\n", false, 2, 20,
	  "max_concurrency: 0 is out of range 1..65536", 1 },
	{ "global:\n  max_concurrency: 65537\n", false, 2, 20,
	  "max_concurrency: 65537 is out of range 1..65536", 1 },
	{ "global:\n  max_concurrency: 99999999999999999999999\n", false, 2, 20,
	  "max_concurrency: 99999999999999999999999 is out of range 1..65536", 1 },
	{ "global:\n  max_per_host: 1025\n", false, 2, 17,
	  "max_per_host: 1025 is out of range 1..1024", 1 },
	{ "global:\n  max_per_host: -1\n", false, 2, 17,
	  "max_per_host: -1 is out of range 1..1024", 1 },
	{ "global:\n  interval: 25h\n", false, 2, 13, "interval: 25h is out of range 1s..24h", 1 },
	{ "global:\n  interval: 999ms\n", false, 2, 13,
	  "interval: 999ms is out of range 1s..24h", 1 },
	{ "global:\n  timeout: 99ms\n", false, 2, 12, "timeout: 99ms is out of range 100ms..24h", 1 },
	{ "global:\n  interval: 10s\n  timeout: 11s\n", false, 3, 12,
	  "timeout: 11s is longer than the interval 10s", 1 },
	{ "global:\n  language: fr\n", false, 2, 13,
	  "language: 'fr' is not supported (expected de or en)", 1 },
	{ "global:\n  log_level: verbose\n", false, 2, 14,
	  "log_level: 'verbose' is not one of debug, info, warn, error", 1 },
	{ "global:\n  reifegrad_max: 5\n", false, 2, 18,
	  "reifegrad_max: 5 must be 4 (maturity model 1.1) or 7 (model 2.0)", 1 },
	{ "global:\n  listen: localhost\n", false, 2, 11, "listen: 'localhost' has no port", 1 },
	{ "global:\n  listen: \"127.0.0.1:99999\"\n", false, 2, 11,
	  "listen: '127.0.0.1:99999' has a bad port", 1 },
	{ "global:\n  resolve: [ \"portal.example.de\" ]\n", false, 2, 14,
	  "resolve: 'portal.example.de' is not a curl RESOLVE entry", 1 },
	{ "global:\n  data_dir: \"\"\n", false, 2, 13, "data_dir: must not be empty", 1 },
	/* durations */
	{ "global:\n  interval: 60\n", false, 2, 13,
	  "interval: bad duration '60' (expected an integer with a unit ms, s, m or h", 1 },
	{ "global:\n  timeout: -5s\n", false, 2, 12, "timeout: bad duration '-5s'", 1 },
	{ "global:\n  interval: 99999999999h\n", false, 2, 13,
	  "interval: bad duration '99999999999h'", 1 },
	{ DIENST "    interval: 5s\n    timeout: 6s\n", false, 5, 14,
	  "timeout: 6s is longer than the interval 5s", 1 },
	{ DIENST "    interval: 10 s\n", false, 4, 15, "interval: bad duration '10 s'", 1 },
	/* onlinedienste */
	{ "onlinedienste:\n  - url: https://a.example/\n", false, 2, 5,
	  "missing required key 'id' in onlinedienst", 1 },
	{ "onlinedienste:\n  - id: a\n", false, 2, 5, "missing required key 'url' in onlinedienst", 1 },
	{ "onlinedienste:\n  - { id: a, url: \"https://a.example\" }\n  - name: x\n"
	  "    id: a\n    url: https://b.example/\n", false, 4, 9,
	  "duplicate onlinedienst id 'a' (first at line 2)", 1 },
	{ "onlinedienste:\n  - id: Erfurt\n    url: https://a.example/\n", false, 2, 9,
	  "id: 'Erfurt' is not a valid id", 1 },
	{ "onlinedienste:\n  - id: -x\n    url: https://a.example/\n", false, 2, 9,
	  "id: '-x' is not a valid id", 1 },
	{ "onlinedienste:\n  - id: a.b\n    url: https://a.example/\n", false, 2, 9,
	  "id: 'a.b' is not a valid id", 1 },
	{ "onlinedienste:\n  - id: "
	  "a1234567890123456789012345678901234567890123456789012345678901234\n"
	  "    url: https://a.example/\n", false, 2, 9, "is not a valid id", 1 },
	{ "onlinedienste:\n  - id: a\n    url: ftp://a.example/\n", false, 3, 10,
	  "url: 'ftp://a.example/' must start with http:// or https://", 1 },
	{ "onlinedienste:\n  - id: a\n    url: a.example/x\n", false, 3, 10,
	  "must start with http:// or https://", 1 },
	/* The scheme as documented, in lower case. */
	{ "onlinedienste:\n  - id: a\n    url: HTTP://a.example/\n", false, 3, 10,
	  "url: 'HTTP://a.example/' must start with http:// or https:// (lower case)", 1 },
	{ "onlinedienste:\n  - id: a\n    url: Https://a.example/\n", false, 3, 10,
	  "must start with http:// or https:// (lower case)", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https:///x\n", false, 3, 10,
	  "url: 'https:///x' has no host", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https://\n", false, 3, 10, "has no host", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https://user:secret@a.example/\n", false, 3, 10,
	  "must not contain credentials (user:password@)", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https://token@a.example/\n", false, 3, 10,
	  "must not contain credentials", 1 },
	{ "onlinedienste:\n  - id: a\n    url: \"https://a.example/a b\"\n", false, 3, 10,
	  "contains whitespace or control characters", 1 },
	{ "onlinedienste:\n  - id: a\n    url: \"https://a.example/\\x01\"\n", false, 3, 10,
	  "url: 'https://a.example/?' contains whitespace or control characters", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https://a.example:0/\n", false, 3, 10,
	  "has a bad port", 1 },
	{ "onlinedienste:\n  - id: a\n    url: https://[zz]/\n", false, 3, 10,
	  "has a bad IPv6 address", 1 },
	{ DIENST "    probe: { expect_status: [600] }\n", false, 4, 30,
	  "expect_status: 600 is out of range 100..599", 1 },
	{ DIENST "    probe: { expect_status: [99] }\n", false, 4, 30,
	  "expect_status: 99 is out of range 100..599", 1 },
	{ DIENST "    probe: { expect_status: [\"300-200\"] }\n", false, 4, 30,
	  "expect_status: '300-200' is not a status code or a range lo-hi within 100..599", 1 },
	{ DIENST "    probe: { expect_status: [\"200-600\"] }\n", false, 4, 30,
	  "expect_status: '200-600' is not a status code", 1 },
	{ DIENST "    probe: { expect_status: [\"2xx\"] }\n", false, 4, 30,
	  "expect_status: '2xx' is not a status code", 1 },
	{ DIENST "    probe: { expect_status: [[200]] }\n", false, 4, 30,
	  "expect_status: expected a status code or a range lo-hi, found a list", 1 },
	{ DIENST "    probe: { expect_status: 200 }\n", false, 4, 29,
	  "expect_status: expected a list, found an integer", 1 },
	{ DIENST "    probe: { body_contains: \"\" }\n", false, 4, 29, "body_contains: must not be empty", 1 },
	{ DIENST "    probe: [1]\n", false, 4, 12, "probe: expected a mapping, found a list", 1 },
	/* angebote */
	{ DIENST "angebote:\n  - { area: \"16051000\" }\n", false, 5, 5,
	  "missing required key 'ozg_id' in angebot", 3 },
	{ DIENST "angebote:\n  - area: \"16051000\"\n    ozg_id: \"10124\"\n    dienst: erfurt-wohnsitz\n",
	  false, 5, 5, "missing required key 'reifegrad' in angebot", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16099", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '16099' is not a Kreis in the registers", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051999", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '16051999' is not a Gemeinde (AGS) in the registers", 1 },
	{ DIENST "angebote:\n" ANGEBOT("160510000999", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '160510000999' is not a Gemeinde (ARS) in the registers", 1 },
	{ DIENST "angebote:\n" ANGEBOT("160519999", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '160519999' is not a Gemeindeverband in the registers", 1 },
	{ DIENST "angebote:\n" ANGEBOT("15", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '15' is not the Land of registers.land ('16')", 1 },
	{ DIENST "angebote:\n" ANGEBOT("1605", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '1605' must be an area key of 2 (Land), 5 (Kreis), 9 (Gemeindeverband), "
	  "8 (Gemeinde AGS) or 12 (Gemeinde ARS) digits", 1 },
	{ DIENST "angebote:\n" ANGEBOT("1605a", "10124", "erfurt-wohnsitz", "3"), false, 5, 13,
	  "area: '1605a' must be an area key", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "99999", "erfurt-wohnsitz", "3"), false, 5, 33,
	  "ozg_id: '99999' is not in the OZG-Leistungen catalog", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "1012", "erfurt-wohnsitz", "3"), false, 5, 33,
	  "ozg_id: '1012' must be 5 digits", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "10124", "nix", "3"), false, 5, 50,
	  "dienst: 'nix' is not defined in onlinedienste", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "10124", "erfurt-wohnsitz", "5"), false, 5, 78,
	  "reifegrad: 5 is out of range 0..4", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "10124", "erfurt-wohnsitz", "-1"), false, 5, 78,
	  "reifegrad: -1 is out of range 0..4", 1 },
	{ "global: { reifegrad_max: 7 }\n" DIENST "angebote:\n"
	  ANGEBOT("16051000", "10124", "erfurt-wohnsitz", "8"), false, 6, 78,
	  "reifegrad: 8 is out of range 0..7", 1 },
	{ DIENST "angebote:\n" ANGEBOT("16051000", "10124", "erfurt-wohnsitz", "3")
	  ANGEBOT("16", "10124", "erfurt-wohnsitz", "3")
	  ANGEBOT("16051000", "10124", "erfurt-wohnsitz", "2"), false, 7, 5,
	  "duplicate angebot: area 16051000, ozg_id 10124, dienst 'erfurt-wohnsitz' "
	  "(first at line 5)", 1 },
	/* the document and the registers section */
	{ "- a\n- b\n", true, 1, 1, "expected a mapping at the top level, found a list", 1 },
	{ "global: {}\n", true, 1, 1, "missing required key 'registers' in the configuration", 1 },
	{ "global: {}\nregisters:\n  land: { key: \"16\", name: T }\n  kreise: ../reg/kreise.csv\n"
	  "  verbaende: ../reg/verbaende.csv\n  leistungen: ../reg/leistungen.csv\n", true, 3, 3,
	  "missing required key 'gemeinden' in registers", 1 },
	{ "registers:\n  land: { key: \"160\", name: T }\n  kreise: ../reg/kreise.csv\n"
	  "  verbaende: ../reg/verbaende.csv\n  gemeinden: ../reg/gemeinden.csv\n"
	  "  leistungen: ../reg/leistungen.csv\n", true, 2, 16,
	  "key: '160' must be a 2-digit Land key", 1 },
	{ "registers:\n  land: { key: \"16\" }\n  kreise: ../reg/kreise.csv\n"
	  "  verbaende: ../reg/verbaende.csv\n  gemeinden: ../reg/gemeinden.csv\n"
	  "  leistungen: ../reg/leistungen.csv\n", true, 2, 9,
	  "missing required key 'name' in registers.land", 1 },
	{ "registers:\n  land: { key: \"16\", name: T }\n  kreise: ../reg/nope.csv\n"
	  "  verbaende: ../reg/verbaende.csv\n  gemeinden: ../reg/gemeinden.csv\n"
	  "  leistungen: ../reg/leistungen.csv\n", true, 3, 11,
	  "/conf/../reg/nope.csv': No such file or directory", 1 },
	{ "registers:\n  land: { key: \"16\", name: T }\n  kreise: ../reg\n"
	  "  verbaende: ../reg/verbaende.csv\n  gemeinden: ../reg/gemeinden.csv\n"
	  "  leistungen: ../reg/leistungen.csv\n", true, 3, 11,
	  "cannot open Kreise register", 1 },
	/* hostile YAML */
	{ "global:\n  interval: 5s\n   timeout: 1s\n", true, 3, 11,
	  "YAML syntax error: mapping values are not allowed in this context", 1 },
	{ "global: { interval: 5s\n", true, 2, 1,
	  "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping "
	  "at line 1, column 9)", 1 },
	{ "global:\n  data_dir: \"\xff\"\n", true, 2, 14, "YAML syntax error: invalid leading UTF-8 octet", 1 },
	{ "global: &g { interval: 5s }\nx: *g\n", true, 1, 9,
	  "YAML anchors and aliases are not supported (anchor '&g')", 2 },
	{ "global: {}\nx: *g\n", true, 2, 4,	/* an alias is refused before it is resolved */
	  "YAML anchors and aliases are not supported (alias '*g')", 1 },
	{ "global: !!map { interval: 5s }\n", true, 1, 9,
	  "YAML tags are not supported (tag '!!map')", 1 },
	{ "global: {}\n---\nglobal: {}\n", true, 2, 1, "only one YAML document is allowed per file", 1 },
	{ "global:\n  data_dir: \"a\\0b\"\n", true, 2, 13, "NUL character in a string", 1 },
	{ "", true, 0, 0, "the configuration is empty", 1 },
	{ "# only a comment\n", true, 0, 0, "the configuration is empty", 1 },
};

START_TEST(test_yaml_errors)
{
	const struct err_case *tc = &err_cases[_i];
	char all[8192];

	ck_assert_ptr_null(load_yaml(tc->yaml, tc->raw));
	expect_error("conf/ozgmon.yaml", tc->line, tc->col, tc->msg);
	dump_errors(all, sizeof all);
	ck_assert_msg(errs.n == tc->n, "want %zu errors, got %zu:%s", tc->n, errs.n, all);
}
END_TEST

START_TEST(test_alias_second_error)
{
	/* every refused anchor and alias is reported, none expanded */
	ck_assert_ptr_null(load_yaml("global: &g { interval: 5s }\nx: *g\n", true));
	expect_error("conf/ozgmon.yaml", 2, 4, "YAML anchors and aliases are not supported (alias '*g')");
}
END_TEST

START_TEST(test_many_errors)
{
	static const char yaml[] =
		"global:\n"
		"  intervall: 30s\n"			/* 2:3 */
		"  max_per_host: 0\n"			/* 3:17 */
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: ftp://a.example/\n"		/* 6:10 */
		"  - id: a\n"				/* 7:9 */
		"    url: https://a.example/\n"
		"angebote:\n"
		ANGEBOT("16051000", "99999", "a", "9");	/* 10:33, 10:64 */
	static const unsigned want[][2] = { { 2, 3 }, { 3, 17 }, { 6, 10 }, { 7, 9 },
					    { 10, 33 }, { 10, 64 } };
	char all[8192];

	ck_assert_ptr_null(load_yaml(yaml, false));
	dump_errors(all, sizeof all);
	ck_assert_msg(errs.n == 6, "got %zu:%s", errs.n, all);
	for (size_t i = 0; i < 6; i++) {	/* all reported, in file order */
		ck_assert_uint_eq(errs.v[i].line, want[i][0]);
		ck_assert_uint_eq(errs.v[i].col, want[i][1]);
	}
	expect_error("conf/ozgmon.yaml", 7, 9, "duplicate onlinedienst id 'a' (first at line 5)");
	expect_error("conf/ozgmon.yaml", 10, 64, "reifegrad: 9 is out of range 0..4");
}
END_TEST

START_TEST(test_missing_file)
{
	char path[PATH_MAX];

	tpath(path, sizeof path, "conf/none.yaml");
	cfg = cfg_load(path, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/none.yaml", 0, 0,
		     "cannot read the configuration: No such file or directory");
}
END_TEST

START_TEST(test_size_cap)
{
	size_t n = (4u << 20) + 1;
	char *big = malloc(n);

	cfg_set_limits(4u << 20, 0);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', n);
	put_file("conf/ozgmon.yaml", big, n);
	free(big);
	cfg = cfg_load(cfgpath, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	expect_error("conf/ozgmon.yaml", 0, 0, "larger than 4194304 bytes");
	cfg_set_limits(0, 0);
}
END_TEST

START_TEST(test_depth_cap)
{
	char yaml[512];
	size_t n = 0;

	n += (size_t)snprintf(yaml + n, sizeof yaml - n, "global: ");
	for (int i = 0; i < 100; i++)
		yaml[n++] = '[';
	for (int i = 0; i < 100; i++)
		yaml[n++] = ']';
	yaml[n++] = '\n';
	yaml[n] = '\0';
	ck_assert_ptr_null(load_yaml(yaml, true));
	ck_assert_uint_eq(errs.n, 1);
	/* the root mapping plus 63 lists are accepted; the 64th list is refused */
	expect_error("conf/ozgmon.yaml", 1, 9 + 63, "nesting deeper than 64 levels");
}
END_TEST

START_TEST(test_node_cap)
{
	size_t items = 1100000, n = 0;
	char *yaml = malloc(items * 2 + 32);

	cfg_set_limits(0, 1000000u);
	ck_assert_ptr_nonnull(yaml);
	n += (size_t)snprintf(yaml, 32, "x: [");
	for (size_t i = 0; i < items; i++) {
		yaml[n++] = '1';
		yaml[n++] = ',';
	}
	yaml[n++] = ']';
	yaml[n] = '\0';
	ck_assert_ptr_null(load_yaml(yaml, true));
	free(yaml);
	ck_assert_uint_eq(errs.n, 1);
	/* nodes: the mapping, "x", the list, then items from column 5 on, two bytes each */
	expect_error("conf/ozgmon.yaml", 1, 5 + 2 * (1000000 - 3), "more than 1000000 YAML nodes");
	cfg_set_limits(0, 0);
}
END_TEST

START_TEST(test_error_cap)
{
	size_t n = 0, cap = 64 + 2000 * 12;
	char *yaml = malloc(cap);

	ck_assert_ptr_nonnull(yaml);
	n += (size_t)snprintf(yaml, cap, "global:\n");
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(yaml + n, cap - n, "  k%05d: 1\n", i);
	ck_assert_ptr_null(load_yaml(yaml, false));
	free(yaml);
	ck_assert_uint_eq(errs.n, 1000);
	ck_assert_str_eq(errs.v[999].msg, "too many errors; only the first 999 are shown");
	ck_assert_uint_eq(errs.v[998].line, 1000);
}
END_TEST

/* ---- CSV register errors ------------------------------------------------------ */

static const struct csv_case {
	const char *file;	/* fixture file replaced, under reg/ */
	const char *csv;
	unsigned line, col;
	const char *msg;
	size_t n;		/* expected number of errors */
} csv_cases[] = {
	{ "kreise.csv", "kreis_ags,name\n16051,Erfurt\n", 1, 1,
	  "missing required column 'population'", 1 },
	{ "kreise.csv", "kreis_ags,name,population,name\n16051,E,1,F\n16064,U,2,G\n", 1, 27,
	  "duplicate column 'name'", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Erfurt\n16064,U,1\n", 2, 1,
	  "record has 2 fields, the header has 3", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Erfurt,1\n16064,U,1,extra\n", 3, 11,
	  "record has 4 fields, the header has 3", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,\"Erfurt,1\n16064,U,1\n", 2, 7,
	  "unterminated quoted field", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n1605,Erfurt,1\n16064,U,1\n", 2, 1,
	  "kreis_ags '1605' must be 5 digits", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Erfurt,1\n1606x,U,1\n", 3, 1,
	  "kreis_ags '1606x' must be 5 digits", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Erfurt,1\n16064,U,1\n16051,E2,1\n", 4, 1,
	  "duplicate kreis_ags '16051' (first at line 2)", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Erfurt,many\n16064,U,1\n", 2, 14,
	  "population 'many' is not a number", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,,1\n16064,U,1\n", 2, 7, "name is empty", 1 },
	{ "kreise.csv", "kreis_ags,name,population\n16051,Er\"furt,1\n16064,U,1\n", 2, 9,
	  "quote inside an unquoted field", 1 },
	{ "kreise.csv", "", 0, 0, "empty file", 1 },
	{ "verbaende.csv", "verband_ars,kreis_ags,name\n160510000,16051,E\n160640046,16064,M\n"
	  "160645001,16064,B\n160990001,16099,X\n", 5, 11,
	  "kreis_ags '16099' of Gemeindeverband '160990001' is not in the Kreise register", 1 },
	{ "verbaende.csv", "verband_ars,kreis_ags,name\n160510000,16051,E\n160640046,16064,M\n"
	  "160645001,16051,B\n", 4, 1,
	  "verband_ars '160645001' does not start with its kreis_ags '16051'", 1 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16051000,160510000000,E,16051,160510000,1\n"
	  "16064046,160640046046,M,16064,160640046,1\n"
	  "16064005,160645001005,B,16064,160645001,1\n"
	  "16064004,160645001004,T,16064,160645001,1\n"
	  "16099000,160990000000,X,16099,160990000,1\n", 6, 25,
	  "kreis_ags '16099' of Gemeinde '16099000' is not in the Kreise register", 2 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16051000,160510000000,E,16051,160510000,1\n"
	  "16064046,160640046046,M,16064,160640046,1\n"
	  "16064005,160645001005,B,16064,160645001,1\n"
	  "16064004,160645001004,T,16064,160645001,1\n"
	  "16064999,160649999999,X,16064,160649999,1\n", 6, 31,
	  "verband_ars '160649999' of Gemeinde '16064999' is not in the Gemeindeverbände register", 1 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16052000,160510000000,E,16051,160510000,1\n", 2, 1,
	  "ags '16052000' does not start with its kreis_ags '16051'", 2 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16051000,160510000001,E,16051,160510000,1\n", 2, 10,
	  "ars '160510000001' does not match ags '16051000'", 1 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16051000,16051000000,E,16051,160510000,1\n", 2, 10,
	  "ars '16051000000' must be 12 digits", 1 },
	{ "gemeinden.csv", "ags,ars,name,kreis_ags,verband_ars,population\n"
	  "16051000,160510000000,E,16051,160510000,1\r\n"
	  "16051000,160510000000,E,16051,160510000,1\r\n", 3, 1,
	  "duplicate ags '16051000' (first at line 2)", 1 },
	{ "leistungen.csv", "ozg_id,ozg_leistung,themenfeld_id\n10000,Elterngeld,6\n", 1, 1,
	  "missing required column 'themenfeld'", 1 },
	{ "leistungen.csv", "ozg_id,ozg_leistung,themenfeld_id,themenfeld\n"
	  "10000,\"Eltern\"geld,6,F\n10124,M,2,B\n", 2, 15,
	  "unexpected character after closing quote", 1 },
	{ "leistungen.csv", "ozg_id,ozg_leistung,themenfeld_id,themenfeld\n"
	  "10000,Elterngeld,x6,F\n10124,M,2,B\n", 2, 18,
	  "themenfeld_id 'x6' is not a number", 1 },
	{ "leistungen.csv", "ozg_id,ozg_leistung,themenfeld_id,themenfeld\n"
	  "010000,Elterngeld,6,F\n10124,M,2,B\n", 2, 1,
	  "ozg_id '010000' must be 5 digits", 1 },
};

START_TEST(test_csv_register_errors)
{
	const struct csv_case *tc = &csv_cases[_i];
	char rel[64], suffix[64], all[8192];

	snprintf(rel, sizeof rel, "reg/%s", tc->file);
	snprintf(suffix, sizeof suffix, "/conf/../reg/%s", tc->file);
	put_text(rel, tc->csv);
	ck_assert_ptr_null(load_yaml("", false));
	expect_error(suffix, tc->line, tc->col, tc->msg);
	dump_errors(all, sizeof all);
	ck_assert_msg(errs.n == tc->n, "want %zu errors, got %zu:%s", tc->n, errs.n, all);
}
END_TEST

START_TEST(test_csv_error_skips_angebot_checks)
{
	/* a broken Kreise register must not make every Kreis Angebot an error too */
	put_text("reg/kreise.csv", "kreis_ags,name\n16051,Erfurt\n");
	ck_assert_ptr_null(load_yaml(DIENST "angebote:\n" ANGEBOT("16064", "10124",
					"erfurt-wohnsitz", "3"), false));
	ck_assert_uint_eq(errs.n, 1);
	expect_error("reg/kreise.csv", 1, 1, "missing required column 'population'");
}
END_TEST

/* ---- error API ---------------------------------------------------------------- */

START_TEST(test_error_format)
{
	struct cfg_error a = { S("x.yaml"), 3, 7, S("bad") };
	struct cfg_error b = { S("x.csv"), 0, 0, S("empty") };
	char out[64], tiny[8];

	cfg_error_format(&a, out, sizeof out);
	ck_assert_str_eq(out, "x.yaml:3:7: bad");
	cfg_error_format(&b, out, sizeof out);
	ck_assert_str_eq(out, "x.csv: empty");
	cfg_error_format(&a, tiny, sizeof tiny);
	ck_assert_str_eq(tiny, "x.yaml:");	/* cut, still terminated */
	cfg_error_format(&a, out, 0);		/* nothing written, no crash */
	cfg_errors_free(NULL);
	cfg_free(NULL);
}
END_TEST

START_TEST(test_errors_appended)
{
	/* a second load appends to the same list */
	ck_assert_ptr_null(load_yaml("global:\n  intervall: 30s\n", false));
	ck_assert_uint_eq(errs.n, 1);
	put_text("conf/ozgmon.yaml", "global: {}\n");
	ck_assert_ptr_null(cfg_load(cfgpath, &errs));
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_str_eq(errs.v[0].msg, "unknown key 'intervall' (did you mean 'interval'?)");
	ck_assert_str_eq(errs.v[1].msg, "missing required key 'registers' in the configuration");
	cfg_errors_free(&errs);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(errs.v);
}
END_TEST

/* ---- real registers and scale ------------------------------------------------- */

/* Writes a config naming the real registers in $OZG_DATA_DIR, plus `extra`. */
static void load_real(const char *extra)
{
	const char *dd = getenv("OZG_DATA_DIR");
	char abs[PATH_MAX], *yaml, all[8192];
	size_t cap = 8 * PATH_MAX + strlen(extra);

	if (!dd || !*dd)
		dd = "data/registers";
	ck_assert_msg(realpath(dd, abs) != NULL,
		      "register folder '%s' not found (set OZG_DATA_DIR)", dd);
	yaml = malloc(cap);
	ck_assert_ptr_nonnull(yaml);
	snprintf(yaml, cap,
		 "%s"
		 "registers:\n"
		 "  land: { key: \"16\", name: \"Thüringen\" }\n"
		 "  kreise: %s/thueringen_kreise_2021-11-30.csv\n"
		 "  verbaende: %s/thueringen_gemeindeverbaende_2021-11-30.csv\n"
		 "  gemeinden: %s/thueringen_gemeinden_2021-11-30.csv\n"
		 "  leistungen: %s/ozg_leistungen.csv\n", extra, abs, abs, abs, abs);
	put_text("conf/ozgmon.yaml", yaml);
	free(yaml);
	cfg = cfg_load(cfgpath, &errs);
	dump_errors(all, sizeof all);
	ck_assert_msg(cfg != NULL, "real registers in %s did not load:%s", abs, all);
}

START_TEST(test_real_registers)
{
	const struct registers *r;
	const struct reg_gemeinde *g;
	long long pop = 0;
	char sum[512];

	load_real(DIENST "angebote:\n"
		  ANGEBOT("16064046", "10124", "erfurt-wohnsitz", "3")
		  ANGEBOT("160645001004", "10124", "erfurt-wohnsitz", "3")
		  ANGEBOT("160645001", "10000", "erfurt-wohnsitz", "2"));
	r = &cfg->reg;
	ck_assert_uint_eq(r->n_gemeinden, 631);
	ck_assert_uint_eq(r->n_kreise, 22);
	ck_assert_uint_eq(r->n_verbaende, 192);
	ck_assert_uint_eq(r->n_leistungen, 557);
	for (size_t i = 0; i < r->n_gemeinden; i++)
		pop += r->gemeinden[i].population;
	ck_assert_int_eq(pop, 2120237);
	g = reg_find_gemeinde(r, "16051000");
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->name, "Erfurt, Stadt");
	ck_assert_int_eq(g->population, 213692);
	g = reg_find_gemeinde(r, "160640046046");
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->name, "Mühlhausen/Thüringen, Stadt");
	ck_assert_str_eq(reg_find_kreis(r, "16064")->name, "Unstrut-Hainich-Kreis");
	ck_assert_str_eq(reg_find_verband(r, "160645001")->name, "Bad Tennstedt");
	ck_assert_str_eq(reg_find_leistung(r, "10000")->name, "Elterngeld");
	ck_assert_str_eq(reg_find_leistung(r, "10000")->themenfeld, "Familie & Kind");
	ck_assert_int_eq(reg_find_leistung(r, "10000")->themenfeld_id, 6);
	for (size_t i = 1; i < r->n_gemeinden; i++)
		ck_assert_int_lt(strcmp(r->gemeinden[i - 1].ags, r->gemeinden[i].ags), 0);
	for (size_t i = 0; i < r->n_gemeinden; i++)
		ck_assert_ptr_eq(reg_find_gemeinde(r, r->gemeinden[i].ars), &r->gemeinden[i]);
	cfg_summary(cfg, sum, sizeof sum);
	ck_assert_str_eq(sum, "1 Land, 22 Kreise, 192 Gemeindeverbände, 631 Gemeinden "
			      "(2120237 inhabitants); 557 OZG-Leistungen; 1 Onlinedienst "
			      "(probe targets); 3 Angebote");
}
END_TEST

START_TEST(test_scale)
{
	/* 2,000 Onlinedienste and 20,000 Angebote over every Gemeinde: must stay fast */
	size_t cap = 2000 * 80 + 20000 * 120 + 64, n = 0;
	char *yaml = malloc(cap);
	const struct registers *r;

	ck_assert_ptr_nonnull(yaml);
	load_real("");		/* to learn the Gemeinden */
	r = &cfg->reg;
	n += (size_t)snprintf(yaml + n, cap - n, "onlinedienste:\n");
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "  - { id: d%04d, url: \"https://p%d.example/x\" }\n", i, i);
	n += (size_t)snprintf(yaml + n, cap - n, "angebote:\n");
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "  - { area: \"%s\", ozg_id: \"%s\", dienst: d%04d, reifegrad: %d }\n",
				      r->gemeinden[(size_t)i % r->n_gemeinden].ags,
				      r->leistungen[(size_t)i % r->n_leistungen].ozg_id, i % 2000, i % 5);
	cfg_free(cfg);
	cfg = NULL;
	load_real(yaml);
	free(yaml);
	ck_assert_uint_eq(cfg->n_dienste, 2000);
	ck_assert_uint_eq(cfg->n_angebote, 20000);
	ck_assert_str_eq(cfg->dienste[cfg->angebote[19999].dienst].id, "d1999");
}
END_TEST

/* ---- dashboards keys ---------------------------------------------------------- */

START_TEST(test_dashboards_keys)
{
	ck_assert_ptr_nonnull(load_yaml("global:\n  data_dir: /srv/o\n", false));
	ck_assert_ptr_null(cfg->global.dashboards_dir);	/* the daemon uses <data_dir>/www */
	ck_assert_uint_eq(cfg->global.dashboards_every_ms, 60000);
	ck_assert_ptr_nonnull(load_yaml("global:\n  dashboards_dir: /srv/www/ozg\n"
					"  dashboards_every: 5m\n", false));
	ck_assert_str_eq(cfg->global.dashboards_dir, "/srv/www/ozg");
	ck_assert_uint_eq(cfg->global.dashboards_every_ms, 300000);
}
END_TEST

START_TEST(test_dashboards_key_errors)
{
	ck_assert_ptr_null(load_yaml("global:\n  dashboards_every: 500ms\n", false));
	expect_error("ozgmon.yaml", 2, 21, "dashboards_every: 500ms is out of range 1s..24h");
	ck_assert_ptr_null(load_yaml("global:\n  dashboards_every: 25h\n  dashboards_dir: [a]\n", false));
	expect_error("ozgmon.yaml", 2, 21, "dashboards_every: 25h is out of range 1s..24h");
	expect_error("ozgmon.yaml", 3, 19, "dashboards_dir");
	ck_assert_ptr_null(load_yaml("global:\n  dashboard_dir: /x\n", false));
	expect_error("ozgmon.yaml", 2, 3, "unknown key 'dashboard_dir' (did you mean 'dashboards_dir'?)");
}
END_TEST

/* ---- suite --------------------------------------------------------------------- */

/* ---- global.rrdcached --------------------------------------------------------- */

static const char rrdc_tail[] =
	"onlinedienste:\n"
	"  - { id: a, url: \"https://a.example\" }\n"
	"angebote:\n"
	"  - { area: \"16064\", ozg_id: \"10000\", dienst: a, reifegrad: 3 }\n";

/* Loads "global:\n  rrdcached: <value>\n" + the tail; returns the cfg or NULL. */
static struct cfg *load_rrdcached(const char *value)
{
	char yaml[512];
	snprintf(yaml, sizeof yaml, "global:\n  rrdcached: %s\n%s", value, rrdc_tail);
	return load_yaml(yaml, false);
}

START_TEST(test_rrdcached_values)
{
	static const struct {
		const char *in, *want;
	} ok[] = {
		{ "unix:/run/rrdcached.sock", "unix:/run/rrdcached.sock" },
		{ "/run/rrdcached.sock", "/run/rrdcached.sock" },
		{ "\"rrd.example.de:42217\"", "rrd.example.de:42217" },
		{ "\"[::1]:42217\"", "[::1]:42217" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_msg(load_rrdcached(ok[i].in) != NULL, "%s", ok[i].in);
		ck_assert_str_eq(cfg->global.rrdcached, ok[i].want);
	}
	/* Not set: direct writes. */
	ck_assert_ptr_nonnull(load_yaml(rrdc_tail, false));
	ck_assert_ptr_null(cfg->global.rrdcached);
}
END_TEST

START_TEST(test_rrdcached_errors)
{
	ck_assert_ptr_null(load_rrdcached("unix:run/sock"));
	expect_error("conf/ozgmon.yaml", 2, 14, "rrdcached: 'unix:run/sock' needs an absolute");
	ck_assert_ptr_null(load_rrdcached("rrd.example.de"));
	expect_error("conf/ozgmon.yaml", 2, 14, "rrdcached: 'rrd.example.de'");
	ck_assert_ptr_null(load_rrdcached("[a, b]"));
	expect_error("conf/ozgmon.yaml", 2, 14, "rrdcached");
	ck_assert_ptr_null(load_yaml("global:\n  rrdcache: /x\n", false));
	expect_error("conf/ozgmon.yaml", 2, 3, "did you mean 'rrdcached'");
}
END_TEST

static void add_rrdcached_tests(Suite *s)
{
	TCase *tc = tcase_create("rrdcached");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rrdcached_values);
	tcase_add_test(tc, test_rrdcached_errors);
	suite_add_tcase(s, tc);
}

/* ---- probe depth ------------------------------------------------------------ */

START_TEST(test_probe_depth_values)
{
	static const char yaml[] =
		"global:\n"
		"  body_limit: 2MiB\n"
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"https://a.example/\"\n"
		"    retries: 3\n"
		"    probe:\n"
		"      body_not_contains: Wartung\n"
		"      body_matches: [ \"Antrag (stellen|starten)\", \"^<!DOCTYPE\" ]\n"
		"      body_not_matches: \"[Ff]ehler [0-9]+\"\n"
		"      header_matches: [ { header: Content-Type, regexp: \"^text/html\" } ]\n"
		"      header_not_matches:\n"
		"        - { header: Server, regexp: \"Apache/1\", allow_missing: true }\n"
		"      follow_redirects: false\n"
		"      max_redirects: 3\n"
		"      ip_protocol: ipv6\n"
		"      ip_fallback: false\n"
		"      headers: { Accept-Language: de, X-Probe: \"ozgmon probe\" }\n"
		"      proxy: \"http://proxy.example:3128\"\n"
		"      auth: { type: basic, file: secret.txt }\n"
		"      body_limit: 64KiB\n"
		"      insecure_skip_verify: true\n"
		"  - { id: b, url: \"http://b.example/\", probe: { auth: { type: bearer, file: token } } }\n"
		"  - { id: c, url: \"http://c.example/\" }\n";
	const struct cfg_probe *p;

	put_secret("conf/secret.txt", "probe:s3cr:et\n");
	put_secret("conf/token", "abc.def\r\n");
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert_uint_eq(cfg->global.body_limit, 2u << 20);
	p = &cfg->dienste[0].probe;
	ck_assert_uint_eq(cfg->dienste[0].retries, 3);
	ck_assert_str_eq(p->body_not_contains, "Wartung");
	ck_assert_uint_eq(p->n_body_matches, 2);
	ck_assert_str_eq(p->body_matches[0].src, "Antrag (stellen|starten)");
	ck_assert_int_eq(cfg_regex_match(&p->body_matches[0], "Antrag starten", 14), 1);
	ck_assert_int_eq(cfg_regex_match(&p->body_matches[0], "Antrag abgelehnt", 16), 0);
	ck_assert_uint_eq(p->n_body_not_matches, 1);
	ck_assert_uint_eq(p->n_header_checks, 2);
	ck_assert_str_eq(p->header_checks[0].name, "Content-Type");
	ck_assert(!p->header_checks[0].negate);
	ck_assert(!p->header_checks[0].allow_missing);
	ck_assert(p->header_checks[1].negate);
	ck_assert(p->header_checks[1].allow_missing);
	ck_assert(!p->follow_redirects);
	ck_assert_uint_eq(p->max_redirects, 3);
	ck_assert_int_eq(p->ip_protocol, CFG_IP_V6);
	ck_assert(!p->ip_fallback);
	ck_assert_uint_eq(p->n_headers, 2);
	ck_assert_str_eq(p->headers[0], "Accept-Language: de");
	ck_assert_str_eq(p->headers[1], "X-Probe: ozgmon probe");
	ck_assert_str_eq(p->proxy, "http://proxy.example:3128");
	ck_assert_int_eq(p->auth, CFG_AUTH_BASIC);
	ck_assert_str_eq(p->auth_user, "probe");
	ck_assert_str_eq(p->auth_secret, "s3cr:et");
	ck_assert_uint_eq(p->body_limit, 64u * 1024u);
	ck_assert(p->insecure_skip_verify);
	p = &cfg->dienste[1].probe;
	ck_assert_int_eq(p->auth, CFG_AUTH_BEARER);
	ck_assert_str_eq(p->auth_secret, "abc.def");
	ck_assert_ptr_null(p->auth_user);
	/* Defaults: a dienst without probe keys. */
	p = &cfg->dienste[2].probe;
	ck_assert(p->follow_redirects);
	ck_assert_uint_eq(p->max_redirects, 10);
	ck_assert_int_eq(p->ip_protocol, CFG_IP_ANY);
	ck_assert(p->ip_fallback);
	ck_assert(!p->insecure_skip_verify);
	ck_assert_uint_eq(p->body_limit, 2u << 20);	/* global.body_limit */
	ck_assert_int_eq(p->auth, CFG_AUTH_NONE);
	ck_assert_uint_eq(cfg->dienste[2].retries, 0);
}
END_TEST

/* A rule broken by one entry of the YAML: the entry, where the error sits in it, the message. */
struct entry_err {
	const char *entry;	/* the text put into the YAML */
	const char *at;		/* the error's column is where this text starts in entry */
	const char *msg;
};

/*
 * Loads head + e->entry + tail, in which the entry starts at line:col, and
 * asserts that the load fails with e->msg at the column where e->at starts.
 */
static void expect_entry_error(const char *head, const struct entry_err *e, const char *tail,
			       unsigned line, unsigned col)
{
	char yaml[1024];
	const char *at = strstr(e->entry, e->at);

	ck_assert_ptr_nonnull(at);
	snprintf(yaml, sizeof yaml, "%s%s%s", head, e->entry, tail);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", line, col + (unsigned)(at - e->entry), e->msg);
}

/* Every probe-depth rule: the probe: mapping, on line 4 from column 12. */
static const struct entry_err probe_err_cases[] = {
	{ "{ body_matches: \"(unclosed\" }", "\"(", "body_matches: bad regular expression '(unclosed'" },
	{ "{ body_not_matches: [ ok, \"a{2,1}\" ] }", "\"a", "body_not_matches: bad regular expression" },
	{ "{ body_matches: \"\" }", "\"\"", "body_matches: must not be empty" },
	{ "{ body_matches: { a: b } }", "{ a", "body_matches: expected a list" },
	{ "{ body_not_contains: \"\" }", "\"\"", "body_not_contains: must not be empty" },
	{ "{ header_matches: [ { header: \"Bad Name\", regexp: x } ] }", "\"Bad",
	  "header: 'Bad Name' is not an HTTP header name" },
	{ "{ header_matches: [ { header: X, regexp: \"[\" } ] }", "\"[", "regexp: bad regular expression" },
	{ "{ header_matches: [ { header: X } ] }", "{ header: X", "missing required key 'regexp'" },
	{ "{ header_not_matches: [ { header: X, regexp: y, allow_missing: 3 } ] }", "3 }",
	  "allow_missing: expected a boolean" },
	{ "{ follow_redirects: maybe }", "maybe", "follow_redirects: expected a boolean" },
	{ "{ max_redirects: 51 }", "51", "max_redirects: 51 is out of range 0..50" },
	{ "{ ip_protocol: ipv5 }", "ipv5", "ip_protocol: 'ipv5' is not any, ipv4 or ipv6" },
	{ "{ headers: { \"Bad:Name\": x } }", "\"Bad", "headers: 'Bad:Name' is not an HTTP header name" },
	{ "{ headers: [ a ] }", "[ a", "headers: expected a mapping" },
	{ "{ proxy: \"ftp://p.example\" }", "\"ftp", "proxy: 'ftp://p.example' must start with http://" },
	{ "{ proxy: \"HTTP://p.example\" }", "\"HTTP", "proxy: 'HTTP://p.example' must start with http://" },
	{ "{ proxy: \"http://\" }", "\"http", "proxy: 'http://' has no host" },
	{ "{ auth: { type: digest, file: x } }", "digest", "type: 'digest' is not basic or bearer" },
	{ "{ auth: { type: basic, file: missing.txt } }", "missing", "refusing credentials from" },
	{ "{ auth: { type: basic, file: nocolon.txt } }", "nocolon", "must hold user:password" },
	{ "{ auth: { type: bearer, file: empty.txt } }", "empty", "is empty" },
	{ "{ auth: { type: bearer, file: twolines.txt } }", "twolines", "one line without control" },
	{ "{ auth: { type: basic } }", "{ type", "missing required key 'file' in auth" },
	{ "{ body_limit: 10 }", "10", "body_limit: 10 is out of range 1KiB..64MiB" },
	{ "{ body_limit: 65MiB }", "65", "body_limit: 65MiB is out of range" },
	{ "{ body_limit: 5GB }", "5GB", "body_limit: '5GB' has an unknown unit" },
	{ "{ body_limit: lots }", "lots", "body_limit: 'lots' is not a size" },
	{ "{ insecure_skip_verify: 1 }", "1 }", "insecure_skip_verify: expected a boolean" },
	{ "{ max_redirect: 3 }", "max_", "unknown key 'max_redirect' (did you mean 'max_redirects'?)" },
	{ "{ method: get }", "get", "method: 'get' is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" },
	{ "{ method: TRACE }", "TRACE", "method: 'TRACE' is not one of" },
	{ "{ body: payload }", "payload", "body: a GET request has no body" },
	{ "{ method: HEAD, body: payload }", "payload", "body: a HEAD request has no body" },
	{ "{ method: HEAD, body_contains: Antrag }", "HEAD", "method: a HEAD answer has no body, so the probe's body checks could never pass" },
	{ "{ body_matches: x, method: HEAD }", "HEAD", "method: a HEAD answer has no body" },
	{ "{ fail_if_slower_than: 10s }", "10s", "fail_if_slower_than: 10s is not shorter than the timeout 10s" },
	{ "{ fail_if_slower_than: 0ms }", "0ms", "fail_if_slower_than: 0ms is out of range 1ms..24h" },
	{ "{ fail_if_slower_than: fast }", "fast", "fail_if_slower_than: bad duration 'fast'" },
};

START_TEST(test_request_values)
{
	static const char yaml[] =
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"https://a.example/\"\n"
		"    timeout: 5s\n"
		"    probe: { method: POST, body: \"antrag=1&x=2\", fail_if_slower_than: 1500ms }\n"
		"  - { id: b, url: \"https://b.example/\", probe: { method: HEAD } }\n"
		"  - { id: c, url: \"https://c.example/\", probe: { method: DELETE } }\n"
		"  - { id: d, url: \"https://d.example/\" }\n";
	const struct cfg_dienst *d;

	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	d = cfg_find_dienst(cfg, "a");
	ck_assert_int_eq(d->probe.method, CFG_POST);
	ck_assert_str_eq(d->probe.body, "antrag=1&x=2");
	ck_assert_uint_eq(d->probe.body_len, 12);
	ck_assert_uint_eq(d->probe.slower_than_ms, 1500);
	ck_assert_str_eq(cfg_method_name(cfg_find_dienst(cfg, "b")->probe.method), "HEAD");
	ck_assert_str_eq(cfg_method_name(cfg_find_dienst(cfg, "c")->probe.method), "DELETE");
	d = cfg_find_dienst(cfg, "d");
	ck_assert_int_eq(d->probe.method, CFG_GET);
	ck_assert_ptr_null(d->probe.body);
	ck_assert_uint_eq(d->probe.slower_than_ms, 0);
}
END_TEST

START_TEST(test_probe_depth_errors)
{
	put_secret("conf/nocolon.txt", "justatoken\n");
	put_secret("conf/empty.txt", "\n");
	put_secret("conf/twolines.txt", "a\nb\n");
	expect_entry_error("onlinedienste:\n"
			   "  - id: a\n"
			   "    url: \"http://a.example/\"\n"
			   "    probe: ", &probe_err_cases[_i], "\n", 4, 12);
}
END_TEST

START_TEST(test_retries_and_global_limit_errors)
{
	static const char yaml[] =
		"global:\n"
		"  body_limit: 100\n"
		"onlinedienste:\n"
		"  - { id: a, url: \"http://a.example/\", retries: 101 }\n"
		"  - { id: b, url: \"http://b.example/\", retries: -1 }\n";

	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 15, "body_limit: 100 is out of range");
	expect_error("conf/ozgmon.yaml", 4, 49, "retries: 101 is out of range 0..100");
	expect_error("conf/ozgmon.yaml", 5, 49, "retries: -1 is out of range 0..100");
}
END_TEST

/* ---- usage statistics --------------------------------------------------------- */

START_TEST(test_usage_values)
{
	static const char yaml[] =
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"https://a.example/\"\n"
		"    interval: 2m\n"
		"    usage:\n"
		"      url: \"https://a.example/api/stats.json\"\n"
		"      interval: 5m\n"
		"      metrics:\n"
		"        - { name: applications_submitted_total, pointer: /applications_submitted, type: counter,\n"
		"            title: \"Eingereichte Anträge\" }\n"
		"        - { name: by_service_total, pointer: \"/by_service/*\", type: counter, label: service }\n"
		"        - { name: status, pointer: \"/a~1b/m~0n\", type: gauge, map: { ok: 1, degraded: 0.5, down: 0 } }\n"
		"        - { name: whole, pointer: \"\", type: gauge }\n"
		"  - id: b\n"
		"    url: \"https://b.example/\"\n"
		"    usage: { url: \"http://b.example/s\", metrics: [ { name: status, pointer: /s, type: gauge } ] }\n";
	const struct cfg_usage *u;

	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	u = cfg->dienste[0].usage;
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->url, "https://a.example/api/stats.json");
	ck_assert_uint_eq(u->interval_ms, 300000);
	ck_assert_uint_eq(u->timeout_ms, 10000);
	ck_assert_uint_eq(u->n_metrics, 4);
	ck_assert_int_eq(u->metrics[0].type, CFG_USAGE_COUNTER);
	ck_assert_uint_eq(u->metrics[0].n_seg, 1);
	ck_assert_str_eq(u->metrics[0].seg[0], "applications_submitted");
	ck_assert_uint_eq(u->metrics[0].wildcard, CFG_USAGE_NO_WILDCARD);
	ck_assert_uint_eq(u->metrics[1].wildcard, 1);
	ck_assert_str_eq(u->metrics[1].label, "service");
	/* The name on the pages; none given: NULL (the dashboards name it). */
	ck_assert_str_eq(u->metrics[0].title, "Eingereichte Anträge");
	ck_assert_ptr_null(u->metrics[1].title);
	ck_assert_str_eq(u->metrics[2].seg[0], "a/b");
	ck_assert_str_eq(u->metrics[2].seg[1], "m~n");
	ck_assert_uint_eq(u->metrics[2].n_map, 3);
	ck_assert_str_eq(u->metrics[2].map[1].key, "degraded");
	ck_assert(u->metrics[2].map[1].value == 0.5);
	ck_assert_uint_eq(u->metrics[3].n_seg, 0);
	/* Defaults come from the dienst. */
	ck_assert_uint_eq(cfg->dienste[1].usage->interval_ms, 60000);
	ck_assert_ptr_null(cfg->dienste[1].usage->metrics[0].label);
	/* The counters, not the gauges, are kept over time, in metric order. */
	ck_assert_uint_eq(u->n_stored, 2);
	ck_assert_str_eq(u->stored_names[0], "applications_submitted_total");
	ck_assert_uint_eq(u->stored_metric[0], 0);
	ck_assert_str_eq(u->stored_names[1], "by_service_total");
	ck_assert_uint_eq(u->stored_metric[1], 1);
	ck_assert_uint_eq(cfg->dienste[1].usage->n_stored, 0);
}
END_TEST

/* Two counters the RRD file would keep under one data source name. */
START_TEST(test_usage_stored_names_clash)
{
	static const char yaml[] =
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"http://a.example/\"\n"
		"    usage: { url: \"http://a.example/s\", metrics: [\n"
		"      { name: applications_submitted_total, pointer: /a, type: counter },\n"
		"      { name: applications_submitter_total, pointer: /b, type: counter } ] }\n";

	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 6, 15,
		     "usage counter 'applications_submitter_total' is kept in the RRD file as "
		     "'applications_submit', like 'applications_submitted_total'");
}
END_TEST

/* Usage rules: the metrics entry, on line 5 from column 9. */
static const struct entry_err usage_err_cases[] = {
	{ "{ name: Bad-Name, pointer: /a, type: gauge }", "Bad", "name: 'Bad-Name' is not a metric name" },
	{ "{ name: submitted, pointer: /a, type: counter }", "submitted", "counter 'submitted' must end in _total" },
	{ "{ name: x, pointer: a/b, type: gauge }", "a/b", "pointer: 'a/b' must be empty or start with '/'" },
	{ "{ name: x, pointer: /a~2, type: gauge }", "/a~2", "has '~' not followed by 0 or 1" },
	{ "{ name: x, pointer: \"/*/*\", type: gauge, label: l }", "\"/*", "more than one '*' segment" },
	{ "{ name: x, pointer: \"/*\", type: gauge }", "{ name", "name its label with label:" },
	{ "{ name: x, pointer: /a, type: gauge, label: l }", "l }", "only a pointer with a '*' segment" },
	{ "{ name: x, pointer: \"/*\", type: gauge, label: dienst }", "dienst", "other than dienst" },
	{ "{ name: x, pointer: /a, type: summary }", "summary", "type: 'summary' is not counter or gauge" },
	{ "{ name: x, pointer: /a, type: gauge, map: { ok: high } }", "high", "the value of 'ok' is not a number" },
	{ "{ name: x, pointer: /a, type: gauge, map: [ ok ] }", "[ ok", "map: expected a mapping" },
	{ "{ name: x, pointer: /a }", "{ name", "missing required key 'type'" },
	{ "{ name: x, pointer: /a, type: gauge, lable: l }", "lable", "did you mean 'label'" },
	{ "{ name: x, pointer: /a, type: gauge, title: \"\" }", "\"\"", "title: must not be empty" },
	{ "{ name: x, pointer: /a, type: gauge, title: \"a\\tb\" }", "\"a", "title: contains control characters" },
	{ "{ name: x, pointer: /a, type: gauge, title: \"Anträge, die in diesem Monat über das Portal "
	  "der Stadt eingereicht wurden, alle Leistungen\" }", "\"Antr", "title: longer than 80 bytes" },
	{ "{ name: x, pointer: /a, type: gauge, title: [ a ] }", "[ a", "title: expected a string" },
};

START_TEST(test_usage_errors)
{
	expect_entry_error("onlinedienste:\n"
			   "  - id: a\n"
			   "    url: \"http://a.example/\"\n"
			   "    usage: { url: \"http://a.example/s\", metrics: [\n"
			   "        ", &usage_err_cases[_i], " ] }\n", 5, 9);
}
END_TEST

START_TEST(test_usage_section_errors)
{
	static const char yaml[] =
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"http://a.example/\"\n"
		"    usage: { url: \"ftp://a.example/s\", timeout: 2m, metrics: [] }\n"
		"  - id: b\n"
		"    url: \"http://b.example/\"\n"
		"    usage: { url: \"http://b.example/s\", metrics: [ { name: x, pointer: /a, type: gauge },\n"
		"                                                 { name: x, pointer: /b, type: gauge } ] }\n"
		"  - id: c\n"
		"    url: \"http://c.example/\"\n"
		"    usage: { url: \"http://c.example/s\", metrics: [ { name: x_total, pointer: /a, type: counter },\n"
		"                                                 { name: y, pointer: /b, type: gauge } ] }\n"
		"  - id: d\n"
		"    url: \"http://d.example/\"\n"
		"    usage: { url: \"http://d.example/s\", metrics: [ { name: x, pointer: \"/*\", type: gauge, label: k } ] }\n";

	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 4, 19, "url: 'ftp://a.example/s' must start with http://");
	expect_error("conf/ozgmon.yaml", 4, 49, "timeout: 2m is longer than the usage interval 1m");
	expect_error("conf/ozgmon.yaml", 4, 62, "metrics: name at least one metric");
	expect_error("conf/ozgmon.yaml", 8, 58, "duplicate usage metric 'x' (first at line 7)");
	/* d's x has a label, b's x has none: one name, one family. */
	expect_error("conf/ozgmon.yaml", 15, 60,
		     "usage metric 'x' is the family of 'x' at line 7 with another name, type or label");
	/* c's counter x_total is family ozg_usage_x in OpenMetrics, like b's gauge x. */
	expect_error("conf/ozgmon.yaml", 11, 60,
		     "usage metric 'x_total' is the family of 'x' at line 7 with another name, type or label");
}
END_TEST

/* ---- bounds on strings ------------------------------------------------------------ */

/* A YAML with one Onlinedienst whose `key` holds n bytes of 'x' (double-quoted). */
static char *long_value_yaml(const char *key, size_t n)
{
	static const char head[] = "onlinedienste:\n  - id: a\n    url: https://a.example/\n    ";
	size_t hl = strlen(head), kl = strlen(key);
	char *y = malloc(hl + kl + n + 8);

	ck_assert_ptr_nonnull(y);
	memcpy(y, head, hl);
	memcpy(y + hl, key, kl);
	memcpy(y + hl + kl, ": \"", 3);
	memset(y + hl + kl + 3, 'x', n);
	memcpy(y + hl + kl + 3 + n, "\"\n", 3);
	return y;
}

START_TEST(test_name_bounds)
{
	char *y;

	/* A 1 MiB name is refused at its place. */
	y = long_value_yaml("name", 1u << 20);
	ck_assert_ptr_null(load_yaml(y, false));
	expect_error("conf/ozgmon.yaml", 4, 11, "name: longer than 256 bytes");
	free(y);
	/* 256 bytes are a name; 257 are not; the same for the provider. */
	y = long_value_yaml("name", 256);
	ck_assert_ptr_nonnull(load_yaml(y, false));
	ck_assert_uint_eq(strlen(cfg->dienste[0].name), 256);
	free(y);
	y = long_value_yaml("provider", 257);
	ck_assert_ptr_null(load_yaml(y, false));
	expect_error("conf/ozgmon.yaml", 4, 15, "provider: longer than 256 bytes");
	ck_assert_uint_eq(errs.n, 1);
	free(y);
	/* Any other string: at most 8192 bytes. */
	y = long_value_yaml("probe:\n      body_not_contains", 8193);
	ck_assert_ptr_null(load_yaml(y, false));
	expect_error("conf/ozgmon.yaml", 5, 26, "body_not_contains: longer than 8192 bytes");
	free(y);
}
END_TEST

START_TEST(test_usage_map_key_bound)
{
	char yaml[2048], key[300];

	memset(key, 'k', 257);
	key[257] = '\0';
	snprintf(yaml, sizeof yaml,
		 "onlinedienste:\n  - id: a\n    url: https://a.example/\n"
		 "    usage: { url: \"http://a.example/s\", metrics: [ { name: s, pointer: /s, "
		 "type: gauge,\n        map: { %s: 1, ok: 2 } } ] }\n", key);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 5, 16, "map: a key is longer than 256 bytes");
	ck_assert_uint_eq(errs.n, 1);
}
END_TEST

START_TEST(test_usage_reserved_names)
{
	static const char yaml[] =
		"onlinedienste:\n  - id: a\n    url: https://a.example/\n"
		"    usage: { url: \"http://a.example/s\", metrics: [\n"
		"        { name: up, pointer: /a, type: gauge },\n"
		"        { name: resets_total, pointer: /b, type: counter },\n"
		"        { name: up_total, pointer: /c, type: counter },\n"
		"        { name: resets, pointer: /d, type: gauge },\n"
		"        { name: up_time, pointer: /e, type: gauge } ] }\n";

	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 5, 17, "name: 'up' is reserved");
	expect_error("conf/ozgmon.yaml", 6, 17, "name: 'resets_total' is reserved");
	/* The OpenMetrics families ozg_usage_up and ozg_usage_resets, whatever the spelling. */
	expect_error("conf/ozgmon.yaml", 7, 17, "name: 'up_total' is reserved");
	expect_error("conf/ozgmon.yaml", 8, 17, "name: 'resets' is reserved");
	ck_assert_uint_eq(errs.n, 4);	/* up_time is a family of its own */
}
END_TEST

START_TEST(test_register_name_bound)
{
	char csv[1024], name[300];

	memset(name, 'n', 257);
	name[257] = '\0';
	snprintf(csv, sizeof csv, "kreis_ags,name,population\n16051,%s,1\n16064,Kurz,2\n", name);
	put_text("reg/kreise.csv", csv);
	ck_assert_ptr_null(load_yaml("", false));
	expect_error("reg/kreise.csv", 2, 7, "name is longer than 256 bytes");
}
END_TEST

/* ---- maintenance windows --------------------------------------------------------- */

START_TEST(test_maint_values)
{
	static const char yaml[] =
		"global:\n"
		"  maintenance:\n"
		"    - { hosts: [ Service.Erfurt.de ], days: [ sun ], from: \"06:00\", to: \"08:00\" }\n"
		"onlinedienste:\n"
		"  - id: a\n"
		"    url: \"https://service.erfurt.de/wohnsitz\"\n"
		"    maintenance:\n"
		"      - { days: [ mon, fri ], from: \"22:00\", to: \"02:00\" }\n"
		"      - { from: \"2026-12-24 08:00\", to: \"2026-12-26T19:00\" }\n"
		"  - { id: b, url: \"https://service.erfurt.de:8443/kfz\" }\n"
		"  - { id: c, url: \"https://service.jena.de/kfz\" }\n";

	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert_uint_eq(cfg->dienste[0].n_maint, 3);
	ck_assert_int_eq(cfg->dienste[0].maint[0].kind, CFG_MAINT_WEEKLY);
	ck_assert_uint_eq(cfg->dienste[0].maint[0].days, 1u << 0 | 1u << 4);
	ck_assert_uint_eq(cfg->dienste[0].maint[0].from_min, 22 * 60);
	ck_assert_uint_eq(cfg->dienste[0].maint[0].to_min, 2 * 60);
	ck_assert_int_eq(cfg->dienste[0].maint[1].kind, CFG_MAINT_ONCE);
	ck_assert_int_eq(cfg->dienste[0].maint[1].from_local, 1798099200);
	ck_assert_int_eq(cfg->dienste[0].maint[1].to_local, 1798311600);
	/* the host window, appended to both dienste on that host (any port) */
	ck_assert_uint_eq(cfg->dienste[0].maint[2].days, 1u << 6);
	ck_assert_uint_eq(cfg->dienste[1].n_maint, 1);
	ck_assert_uint_eq(cfg->dienste[1].maint[0].from_min, 6 * 60);
	ck_assert_uint_eq(cfg->dienste[2].n_maint, 0);
}
END_TEST

/* Maintenance window rules: the window, on line 5 from column 9. */
static const struct entry_err maint_err_cases[] = {
	{ "{ days: [ mon ], from: \"25:00\", to: \"02:00\" }", "\"25", "from: '25:00' is not a time HH:MM" },
	{ "{ days: [ mon ], from: \"22:00\", to: \"2:00\" }", "\"2:", "to: '2:00' is not a time HH:MM" },
	{ "{ days: [ monday ], from: \"22:00\", to: \"23:00\" }", "monday", "days: 'monday' is not one of mon" },
	{ "{ days: [], from: \"22:00\", to: \"23:00\" }", "[]", "days: name at least one day" },
	{ "{ from: \"2026-02-30 08:00\", to: \"2026-03-01 08:00\" }", "\"2026-02", "from: '2026-02-30 08:00' is not a date" },
	{ "{ from: \"22:00\", to: \"23:00\" }", "\"22", "(or a weekly window: add days:)" },
	{ "{ from: \"2026-03-01 08:00\", to: \"2026-03-01 08:00\" }", "{ from", "the window ends before it starts" },
	{ "{ days: [ mon ], from: \"22:00\" }", "{ days", "missing required key 'to'" },
	{ "{ hosts: [ a ], from: \"2026-03-01 08:00\", to: \"2026-03-02 08:00\" }", "hosts", "unknown key 'hosts'" },
};

START_TEST(test_maint_errors)
{
	expect_entry_error("onlinedienste:\n"
			   "  - id: a\n"
			   "    url: \"http://a.example/\"\n"
			   "    maintenance: [\n"
			   "        ", &maint_err_cases[_i], " ]\n", 5, 9);
}
END_TEST

START_TEST(test_maint_host_errors)
{
	static const char yaml[] =
		"global:\n"
		"  maintenance:\n"
		"    - { hosts: [ nowhere.example ], days: [ sun ], from: \"06:00\", to: \"08:00\" }\n"
		"    - { days: [ sun ], from: \"06:00\", to: \"08:00\" }\n"
		"onlinedienste:\n"
		"  - { id: a, url: \"https://a.example/\" }\n";

	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 3, 18, "hosts: no onlinedienst has a URL on host 'nowhere.example'");
	expect_error("conf/ozgmon.yaml", 4, 7, "missing required key 'hosts'");
}
END_TEST

/* ---- global.rollout ----------------------------------------------------------- */

START_TEST(test_rollout_rules)
{
	char yaml[1024];

	ck_assert_ptr_nonnull(load_yaml(rrdc_tail, false));
	ck_assert_int_eq(cfg->global.rollout.online_min, 2);
	ck_assert_int_eq(cfg->global.rollout.fulfilled_min, 3);
	ck_assert_uint_eq(cfg->global.rollout.reliable_pct, 95);
	ck_assert(!cfg->global.rollout.unknown_is_reliable);
	ck_assert(!cfg->global.rollout.weight_availability);
	snprintf(yaml, sizeof yaml, "global:\n  rollout: { online_min: 3, fulfilled_min: 4, "
		 "reliable_availability: \"99%%\", unmeasured: reliable, weighting: availability }\n%s",
		 rrdc_tail);
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert_int_eq(cfg->global.rollout.online_min, 3);
	ck_assert_int_eq(cfg->global.rollout.fulfilled_min, 4);
	ck_assert_uint_eq(cfg->global.rollout.reliable_pct, 99);
	ck_assert(cfg->global.rollout.unknown_is_reliable);
	ck_assert(cfg->global.rollout.weight_availability);
	ck_assert(!cfg->global.rollout.count_federal);
	snprintf(yaml, sizeof yaml, "global:\n  rollout: { unmeasured: unreliable, "
		 "weighting: threshold, federal_leistungen: count }\n%s", rrdc_tail);
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert(!cfg->global.rollout.unknown_is_reliable);
	ck_assert(!cfg->global.rollout.weight_availability);
	ck_assert(cfg->global.rollout.count_federal);
	snprintf(yaml, sizeof yaml, "global:\n  rollout: { federal_leistungen: exclude }\n%s",
		 rrdc_tail);
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert(!cfg->global.rollout.count_federal);

	snprintf(yaml, sizeof yaml, "global:\n  rollout:\n    reliable_availability: 95\n"
		 "    weighting: linear\n    unmeasured: Reliable\n    federal_leistungen: all\n"
		 "    online_minimum: 2\n%s", rrdc_tail);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 3, 28, "reliable_availability: '95' is not a percentage");
	expect_error("conf/ozgmon.yaml", 4, 16, "weighting: 'linear' is not threshold or availability");
	expect_error("conf/ozgmon.yaml", 5, 17, "unmeasured: 'Reliable' is not reliable or unreliable");
	expect_error("conf/ozgmon.yaml", 6, 25, "federal_leistungen: 'all' is not count or exclude");
	expect_error("conf/ozgmon.yaml", 7, 5, "unknown key 'online_minimum'");
	snprintf(yaml, sizeof yaml, "global:\n  rollout: { online_min: 4, fulfilled_min: 3 }\n%s",
		 rrdc_tail);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 44, "fulfilled_min: 3 is below online_min 4");
}
END_TEST

/* ---- global.shard -------------------------------------------------------------- */

START_TEST(test_shard_hash)
{
	/* FNV-1a 64 test vectors (Fowler, Noll, Vo). */
	ck_assert_uint_eq(cfg_shard_hash(""), 0xcbf29ce484222325ull);
	ck_assert_uint_eq(cfg_shard_hash("a"), 0xaf63dc4c8601ec8cull);
	ck_assert_uint_eq(cfg_shard_hash("foobar"), 0x85944171f73967e8ull);
	ck_assert_uint_eq(cfg_shard_of("a", 1), 1);
	ck_assert_uint_eq(cfg_shard_of("a", 2), (unsigned)(0xaf63dc4c8601ec8cull % 2) + 1);
	ck_assert_uint_eq(cfg_shard_of("foobar", 7), (unsigned)(0x85944171f73967e8ull % 7) + 1);
}
END_TEST

static const char shard_body[] =
	"onlinedienste:\n"
	"  - { id: a, url: \"http://a.example.de/\" }\n"
	"  - { id: b, url: \"http://b.example.de/\" }\n"
	"  - { id: c, url: \"http://c.example.de/\" }\n"
	"  - { id: d, url: \"http://d.example.de/\" }\n"
	"  - { id: e, url: \"http://e.example.de/\" }\n"
	"  - { id: f, url: \"http://f.example.de/\" }\n"
	"angebote:\n"
	"  - { area: \"16\", ozg_id: \"10000\", dienst: a, reifegrad: 3 }\n"
	"  - { area: \"16051\", ozg_id: \"10124\", dienst: b, reifegrad: 2 }\n"
	"  - { area: \"16064\", ozg_id: \"10124\", dienst: c, reifegrad: 2 }\n"
	"  - { area: \"16064\", ozg_id: \"10130\", dienst: d, reifegrad: 4 }\n"
	"  - { area: \"16051000\", ozg_id: \"10130\", dienst: e, reifegrad: 1 }\n"
	"  - { area: \"16\", ozg_id: \"10130\", dienst: f, reifegrad: 3 }\n"
	"  - { area: \"16064\", ozg_id: \"10000\", dienst: f, reifegrad: 2 }\n";

/* Every shard keeps exactly its own Onlinedienste, and their Angebote point at them. */
START_TEST(test_shard_filter)
{
	static const char *const ids[] = { "a", "b", "c", "d", "e", "f" };
	unsigned seen[6] = { 0 };
	size_t angebote = 0;
	char yaml[4096];

	ck_assert_ptr_nonnull(load_yaml(shard_body, false));
	ck_assert_uint_eq(cfg->n_dienste, 6);
	ck_assert_uint_eq(cfg->n_dienste_file, 6);
	ck_assert_uint_eq(cfg->global.shard_count, 0);
	for (unsigned n = 1; n <= 3; n++) {
		memset(seen, 0, sizeof seen);
		angebote = 0;
		for (unsigned i = 1; i <= n; i++) {
			snprintf(yaml, sizeof yaml, "global:\n  shard: %u/%u\n%s", i, n, shard_body);
			ck_assert_ptr_nonnull(load_yaml(yaml, false));
			ck_assert_uint_eq(cfg->global.shard_index, i);
			ck_assert_uint_eq(cfg->global.shard_count, n);
			ck_assert_uint_eq(cfg->n_dienste_file, 6);
			ck_assert_uint_eq(cfg->n_angebote_file, 7);
			for (size_t d = 0; d < cfg->n_dienste; d++) {
				ck_assert_uint_eq(cfg_shard_of(cfg->dienste[d].id, n), i);
				ck_assert_ptr_eq(cfg_find_dienst(cfg, cfg->dienste[d].id), &cfg->dienste[d]);
				for (size_t k = 0; k < 6; k++)
					if (strcmp(cfg->dienste[d].id, ids[k]) == 0)
						seen[k]++;
			}
			for (size_t a = 0; a < cfg->n_angebote; a++) {
				const struct cfg_angebot *an = &cfg->angebote[a];
				ck_assert_uint_lt(an->dienst, cfg->n_dienste);
				/* f's two Angebote keep their own areas */
				if (strcmp(cfg->dienste[an->dienst].id, "f") == 0)
					ck_assert(strcmp(an->area, "16") == 0 || strcmp(an->area, "16064") == 0);
				if (strcmp(cfg->dienste[an->dienst].id, "e") == 0)
					ck_assert_str_eq(an->area, "16051000");
			}
			angebote += cfg->n_angebote;
		}
		for (size_t k = 0; k < 6; k++)
			ck_assert_msg(seen[k] == 1, "dienst %s on %u shards of %u", ids[k], seen[k], n);
		ck_assert_uint_eq(angebote, 7);
	}
}
END_TEST

START_TEST(test_shard_errors)
{
	static const struct {
		const char *v;
		unsigned col;
		const char *msg;
	} cases[] = {
		{ "0/2", 10, "shard: '0/2' is not i/n with 1 <= i <= n <= 1024" },
		{ "3/2", 10, "shard: 3/2 names a shard beyond the 2 shards" },
		{ "1/1025", 10, "shard: '1/1025' is not i/n" },
		{ "\"1/\"", 10, "shard: '1/' is not i/n" },
		{ "two", 10, "shard: 'two' is not i/n" },
		{ "\"1 /2\"", 10, "is not i/n" },
		{ "[1, 2]", 10, "shard: expected" },
	};
	char yaml[4096];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(yaml, sizeof yaml, "global:\n  shard: %s\n%s", cases[i].v, shard_body);
		ck_assert_ptr_null(load_yaml(yaml, false));
		expect_error("conf/ozgmon.yaml", 2, cases[i].col, cases[i].msg);
	}
	snprintf(yaml, sizeof yaml, "global:\n  shard: 1024/1024\n%s", shard_body);
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
}
END_TEST

/* ---- least privilege: global.user, global.group, secret file modes ---------- */

START_TEST(test_privilege_keys)
{
	ck_assert_ptr_nonnull(load_yaml("global:\n  user: ozgmon\n  group: ssl-cert\n", false));
	ck_assert_str_eq(cfg->global.user, "ozgmon");
	ck_assert_str_eq(cfg->global.group, "ssl-cert");
	ck_assert_ptr_nonnull(load_yaml("global:\n  user: \"65534\"\n", false));
	ck_assert_str_eq(cfg->global.user, "65534");
	ck_assert_ptr_null(cfg->global.group);
	ck_assert_ptr_nonnull(load_yaml("global:\n  user: svc$\n", false));
	ck_assert_ptr_nonnull(load_yaml("global: {}\n", false));
	ck_assert_ptr_null(cfg->global.user);
	ck_assert_ptr_null(cfg->global.group);

	ck_assert_ptr_null(load_yaml("global:\n  user: \"root; rm\"\n", false));
	expect_error("conf/ozgmon.yaml", 2, 9, "user: 'root; rm' is not an account name or a numeric id");
	ck_assert_ptr_null(load_yaml("global:\n  user: 1nobody\n", false));
	expect_error("conf/ozgmon.yaml", 2, 9, "user: '1nobody' is not an account name");
	ck_assert_ptr_null(load_yaml("global:\n  user: [ a ]\n", false));
	expect_error("conf/ozgmon.yaml", 2, 9, "user");
	ck_assert_ptr_null(load_yaml("global:\n  group: nogroup\n", false));
	expect_error("conf/ozgmon.yaml", 2, 10, "group: needs global.user as well");
	ck_assert_ptr_null(load_yaml("global:\n  user: abcdefghijklmnopqrstuvwxyz0123456\n", false));
	expect_error("conf/ozgmon.yaml", 2, 9, "is not an account name");
}
END_TEST

START_TEST(test_secret_modes)
{
	static const char yaml[] =
		"onlinedienste:\n"
		"  - { id: a, url: \"http://a.example/\", probe: { auth: { type: bearer, file: tok } } }\n";
	char path[PATH_MAX];

	put_text("conf/tok", "abc\n");
	tpath(path, sizeof path, "conf/tok");
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 77, "is accessible by other users (mode 0644)");
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 77, "is accessible by other users (mode 0604)");
	ck_assert_int_eq(chmod(path, 0620), 0);
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 77, "is writable by its group (mode 0620)");
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_ptr_nonnull(load_yaml(yaml, false));
	ck_assert_str_eq(cfg->dienste[0].probe.auth_secret, "abc");
	ck_assert_int_eq(chmod(path, 0640), 0);
	if (geteuid() == 0) {
		/* root:<group> 0640 is how a package hands its user a secret. */
		ck_assert_ptr_nonnull(load_yaml(yaml, false));
		ck_assert_int_eq(chown(path, 65534, (gid_t)-1), 0);
	}
	/* Owned by anyone but root (the test's user, or nobody after chown): 0600 at most. */
	ck_assert_ptr_null(load_yaml(yaml, false));
	expect_error("conf/ozgmon.yaml", 2, 77, "is readable by its group but not owned by root");
}
END_TEST

static void add_privilege_tests(Suite *s)
{
	TCase *tc = tcase_create("least privilege");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_privilege_keys);
	tcase_add_test(tc, test_secret_modes);
	suite_add_tcase(s, tc);
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("duration");
	tcase_add_loop_test(tc, test_duration, 0, (int)(sizeof dur_cases / sizeof dur_cases[0]));
	tcase_add_test(tc, test_duration_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_csv_quoting);
	tcase_add_test(tc, test_csv_bom_blank_lines);
	tcase_add_loop_test(tc, test_csv_errors, 0, (int)(sizeof csv_bad / sizeof csv_bad[0]));
	tcase_add_test(tc, test_csv_unterminated);
	tcase_add_test(tc, test_csv_read_file_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_valid_registers);
	tcase_add_test(tc, test_global_values);
	tcase_add_test(tc, test_short_interval_cuts_default_timeout);
	tcase_add_test(tc, test_empty_sections);
	tcase_add_test(tc, test_bom_tolerated);
	tcase_add_test(tc, test_absolute_register_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_yaml_errors, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
	tcase_add_test(tc, test_alias_second_error);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_size_cap);
	tcase_add_test(tc, test_depth_cap);
	tcase_add_test(tc, test_node_cap);
	tcase_add_test(tc, test_error_cap);
	tcase_add_loop_test(tc, test_csv_register_errors, 0,
			    (int)(sizeof csv_cases / sizeof csv_cases[0]));
	tcase_add_test(tc, test_csv_error_skips_angebot_checks);
	tcase_add_test(tc, test_error_format);
	tcase_add_test(tc, test_errors_appended);
	tcase_add_test(tc, test_dashboards_keys);
	tcase_add_test(tc, test_dashboards_key_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("probe depth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_probe_depth_values);
	tcase_add_loop_test(tc, test_probe_depth_errors, 0,
			    (int)(sizeof probe_err_cases / sizeof probe_err_cases[0]));
	tcase_add_test(tc, test_request_values);
	tcase_add_test(tc, test_retries_and_global_limit_errors);
	tcase_add_test(tc, test_usage_values);
	tcase_add_loop_test(tc, test_usage_errors, 0,
			    (int)(sizeof usage_err_cases / sizeof usage_err_cases[0]));
	tcase_add_test(tc, test_usage_section_errors);
	tcase_add_test(tc, test_name_bounds);
	tcase_add_test(tc, test_usage_map_key_bound);
	tcase_add_test(tc, test_usage_reserved_names);
	tcase_add_test(tc, test_register_name_bound);
	tcase_add_test(tc, test_usage_stored_names_clash);
	tcase_add_test(tc, test_maint_values);
	tcase_add_loop_test(tc, test_maint_errors, 0,
			    (int)(sizeof maint_err_cases / sizeof maint_err_cases[0]));
	tcase_add_test(tc, test_maint_host_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("real");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_real_registers);
	tcase_add_test(tc, test_scale);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	add_rrdcached_tests(s);
	tc = tcase_create("rollout rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rollout_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("shard");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shard_hash);
	tcase_add_test(tc, test_shard_filter);
	tcase_add_test(tc, test_shard_errors);
	suite_add_tcase(s, tc);
	add_privilege_tests(s);
	return s;
}

int main(void)
{
	return tu_run_suite(config_suite());
}
