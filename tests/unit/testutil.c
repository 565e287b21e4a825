/* SPDX-License-Identifier: EUPL-1.2 */
/* testutil.c - helpers shared by the unit tests (testutil.h). */
#include "tests/unit/testutil.h"

#include "common/readfile.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tu_tmpdir(char *dir, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/ozgmon-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	ck_assert_msg(n > 0 && (size_t)n < size, "temporary directory path too long (TMPDIR?)");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int tu_rm_rf(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

void tu_cfg_dienste(struct cfg *cfg, struct cfg_dienst *d, size_t n, unsigned interval_ms)
{
	static const char ids[] = "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p\0q\0r\0s\0t\0u\0v\0w\0x\0y\0z";

	ck_assert_uint_le(n, 26);
	memset(cfg, 0, sizeof *cfg);
	memset(d, 0, n * sizeof *d);
	for (size_t i = 0; i < n; i++) {
		d[i].id = S(ids + 2 * i);
		d[i].interval_ms = interval_ms;
	}
	cfg->dienste = d;
	cfg->n_dienste = n;
}

/* ---- the loader's configuration tree -------------------------------------- */

static const char kreise_csv[] =	/* reordered and extra columns, CRLF */
	"name,population,extra,kreis_ags\r\n"
	"\"Erfurt, Stadt\",213692,x,16051\r\n"
	"Unstrut-Hainich-Kreis,101698,,16064\r\n";

static const char verbaende_csv[] =
	"verband_ars,kreis_ags,name,verwaltungssitz\n"
	"160510000,16051,\"Erfurt, Stadt\",\n"
	"160640046,16064,\"Mühlhausen/Thüringen, Stadt\",\n"
	"160645001,16064,\"VG \"\"Bad Tennstedt\"\"\",Bad Tennstedt\n";

static const char gemeinden_csv[] =
	"ags,ars,name,gemeinde_typ,kreis_ags,verband_ars,population\n"
	"16051000,160510000000,\"Erfurt, Stadt\",Kreisfreie Stadt,16051,160510000,213692\n"
	"16064046,160640046046,\"Mühlhausen/Thüringen, Stadt\",Stadt,16064,160640046,35913\n"
	"16064005,160645001005,Ballhausen,Gemeinde,16064,160645001,813\n"
	"16064004,160645001004,\"Bad Tennstedt, Stadt\",Stadt,16064,160645001,2474\n";

static const char leistungen_csv[] =
	"ozg_id,ozg_leistung,lebenslage_id,lebenslage,themenfeld_id,themenfeld\n"
	"10000,Elterngeld,26,Geburt,6,Familie & Kind\n"
	"10124,\"Meldewesen, An- und Abmeldung\",9,Umzug,2,Bauen & Wohnen\n"
	"10130,Dienst- und Fachaufsichtsbeschwerde,20,Engagement & Beteiligung,5,Engagement & Hobby\n";

const char tu_regs_yaml[] =
	"registers:\n"
	"  land: { key: \"16\", name: \"Thüringen\" }\n"
	"  kreise: ../reg/kreise.csv\n"
	"  verbaende: ../reg/verbaende.csv\n"
	"  gemeinden: ../reg/gemeinden.csv\n"
	"  leistungen: ../reg/leistungen.csv\n";

void tu_path(const char *dir, char *out, size_t outsz, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", dir, rel);
	ck_assert_msg(n > 0 && (size_t)n < outsz, "path too long: %s/%s", dir, rel);
}

void tu_put(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	tu_path(dir, path, sizeof path, rel);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void tu_put_mode(const char *dir, const char *rel, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];

	tu_put(dir, rel, data, len);
	tu_path(dir, path, sizeof path, rel);
	ck_assert_msg(chmod(path, mode) == 0, "cannot chmod %s", path);
}

void tu_cfg_tree(const char *dir)
{
	static const char *const files[][2] = {
		{ "reg/kreise.csv", kreise_csv }, { "reg/verbaende.csv", verbaende_csv },
		{ "reg/gemeinden.csv", gemeinden_csv }, { "reg/leistungen.csv", leistungen_csv },
	};
	char sub[PATH_MAX];

	tu_path(dir, sub, sizeof sub, "conf");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	tu_path(dir, sub, sizeof sub, "reg");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		tu_put(dir, files[i][0], files[i][1], strlen(files[i][1]));
}

void tu_cfg_start(char *dir, size_t dirsz, const char *name, char *path, size_t pathsz)
{
	tu_tmpdir(dir, dirsz, name);
	tu_cfg_tree(dir);
	tu_path(dir, path, pathsz, "conf/ozgmon.yaml");
}

void tu_cfg_end(const char *dir, struct cfg **cfg, struct cfg_errors *errs)
{
	cfg_free(*cfg);
	*cfg = NULL;
	cfg_errors_free(errs);
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

struct cfg *tu_cfg_load(const char *path, const char *yaml, bool with_regs, struct cfg **cfg,
			struct cfg_errors *errs)
{
	size_t n = strlen(yaml);
	char *text = malloc(n + sizeof tu_regs_yaml);
	FILE *f;

	ck_assert_ptr_nonnull(text);
	memcpy(text, yaml, n);
	memcpy(text + n, tu_regs_yaml, sizeof tu_regs_yaml);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(with_regs ? text : yaml, f);
	ck_assert_int_eq(fclose(f), 0);
	free(text);
	cfg_free(*cfg);
	cfg_errors_free(errs);
	*cfg = cfg_load(path, errs);
	return *cfg;
}

void tu_cfg_errors_dump(const struct cfg_errors *e, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < e->n && used + 1 < outsz; i++) {
		char line[1024];
		cfg_error_format(&e->v[i], line, sizeof line);
		used += (size_t)snprintf(out + used, outsz - used, "\n  %s", line);
	}
}

void tu_cfg_expect_error(const struct cfg_errors *errs, const char *suffix, unsigned line,
			 unsigned col, const char *msg)
{
	char all[8192];

	for (size_t i = 0; i < errs->n; i++) {
		const struct cfg_error *e = &errs->v[i];
		size_t fl = strlen(e->file), sl = strlen(suffix);
		char want[2048], got[2048];
		if (fl < sl || strcmp(e->file + fl - sl, suffix) != 0 || e->line != line ||
		    e->col != col || !strstr(e->msg, msg))
			continue;
		if (line)
			snprintf(want, sizeof want, "%s:%u:%u: %s", e->file, line, col, e->msg);
		else
			snprintf(want, sizeof want, "%s: %s", e->file, e->msg);
		cfg_error_format(e, got, sizeof got);
		ck_assert_str_eq(got, want);
		return;
	}
	tu_cfg_errors_dump(errs, all, sizeof all);
	ck_abort_msg("no error %s:%u:%u containing \"%s\"; got %zu:%s", suffix, line, col, msg,
		     errs->n, all);
}


int tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *tu_slurp(const char *dir, const char *rel)
{
	char p[4096], err[256], *s;
	size_t len;

	tu_path(dir, p, sizeof p, rel);
	return readfile_all(p, 64u << 20, NULL, false, &s, &len, err, sizeof err) == 0 ? s : NULL;
}
