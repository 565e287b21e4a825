/* SPDX-License-Identifier: EUPL-1.2 */
/* testutil.c - helpers shared by the unit tests (testutil.h). */
#include "tests/unit/testutil.h"

#include <ftw.h>
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

int tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
