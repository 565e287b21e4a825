/* SPDX-License-Identifier: EUPL-1.2 */
/* test_secfile.c - secrets only from files with safe permissions (common/secfile.h). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/secfile.h"
#include "tests/unit/testutil.h"

static const struct {
	unsigned mode;
	unsigned uid;
	const char *why;	/* NULL: accepted */
} mode_cases[] = {
	{ 0600, 1000, NULL },
	{ 0400, 1000, NULL },
	{ 0640, 0, NULL },		/* root:<daemon group> */
	{ 0440, 0, NULL },
	{ 0600, 0, NULL },
	{ 0640, 1000, "is readable by its group but not owned by root (mode 0640, owner uid 1000)" },
	{ 0644, 0, "is accessible by other users (mode 0644)" },
	{ 0604, 1000, "is accessible by other users (mode 0604)" },
	{ 0602, 1000, "is accessible by other users (mode 0602)" },
	{ 0601, 0, "is accessible by other users (mode 0601)" },
	{ 0660, 0, "is writable by its group (mode 0660)" },
	{ 0620, 1000, "is writable by its group (mode 0620)" },
	{ 04600, 1000, NULL },
};

START_TEST(check_modes)
{
	struct stat st;
	char err[256] = "";
	int rc;

	memset(&st, 0, sizeof st);
	st.st_mode = S_IFREG | mode_cases[_i].mode;
	st.st_uid = mode_cases[_i].uid;
	rc = secfile_check(&st, err, sizeof err);
	if (!mode_cases[_i].why) {
		ck_assert_msg(rc == 0, "mode %04o uid %u refused: %s", mode_cases[_i].mode,
			      mode_cases[_i].uid, err);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, mode_cases[_i].why) != NULL, "got '%s'", err);
	}
}
END_TEST

START_TEST(not_regular)
{
	struct stat st;
	char err[256];

	memset(&st, 0, sizeof st);
	st.st_mode = S_IFDIR | 0700;
	ck_assert_int_eq(secfile_check(&st, err, sizeof err), -1);
	ck_assert_str_eq(err, "not a regular file");
	st.st_mode = S_IFIFO | 0600;
	ck_assert_int_eq(secfile_check(&st, err, sizeof err), -1);
}
END_TEST

START_TEST(read_files)
{
	char dir[256], path[PATH_MAX], link[PATH_MAX], err[256];
	char *data = NULL;
	size_t len = 0;
	FILE *f;

	tu_tmpdir(dir, sizeof dir, "secfile");
	snprintf(path, sizeof path, "%s/key", dir);
	snprintf(link, sizeof link, "%s/link", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("s3cret\n", f);
	fclose(f);

	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(secfile_read(path, 1024, &data, &len, err, sizeof err), -1);
	ck_assert_ptr_null(data);
	ck_assert_ptr_nonnull(strstr(err, "mode 0644"));

	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(secfile_read(path, 1024, &data, &len, err, sizeof err), 0);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(data, "s3cret\n");
	free(data);

	/* A link is followed; the file it reaches is what counts. */
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(secfile_read(link, 1024, &data, &len, err, sizeof err), 0);
	free(data);
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_int_eq(secfile_read(link, 1024, &data, &len, err, sizeof err), -1);
	ck_assert_int_eq(chmod(path, 0600), 0);

	ck_assert_int_eq(secfile_read(path, 3, &data, &len, err, sizeof err), -1);
	ck_assert_str_eq(err, "larger than 3 bytes");
	ck_assert_int_eq(secfile_read(dir, 1024, &data, &len, err, sizeof err), -1);
	snprintf(path, sizeof path, "%s/missing", dir);
	ck_assert_int_eq(secfile_read(path, 1024, &data, &len, err, sizeof err), -1);
	ck_assert_str_eq(err, "No such file or directory");

	ck_assert_int_eq(tu_rm_rf(dir), 0);
}
END_TEST

static Suite *secfile_suite(void)
{
	Suite *s = suite_create("secfile");
	TCase *tc = tcase_create("modes");

	tcase_add_loop_test(tc, check_modes, 0, (int)(sizeof mode_cases / sizeof mode_cases[0]));
	tcase_add_test(tc, not_regular);
	tcase_add_test(tc, read_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(secfile_suite());
}
