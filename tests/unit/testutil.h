/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * testutil.h - what the unit tests (Check suites) share: a scratch directory
 * per test, its removal, a small configuration of named Onlinedienste, a
 * configuration tree with register fixtures for the loader's tests, and the
 * main that runs a suite.  Built into every tests/unit/test_*.c binary.
 */
#ifndef OZGMON_TESTUTIL_H
#define OZGMON_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

/* A string literal as the non-const char * of the configuration structs (never freed). */
#define S(x) ((char *)(uintptr_t)(x))

/*
 * Makes a fresh directory $TMPDIR/ozgmon-<name>.XXXXXX (/tmp when TMPDIR is
 * unset or empty) and writes its path to dir[size]; fails the test when the
 * path does not fit or mkdtemp fails.
 */
void tu_tmpdir(char *dir, size_t size, const char *name);

/*
 * Removes path and everything below it, without following symbolic links.
 * Returns 0, or -1 with errno set when something could not be removed or
 * path does not exist.
 */
int tu_rm_rf(const char *path);

/*
 * Fills *cfg (zeroed first) with the n dienste d[0..n), zeroed too, whose ids
 * are "a", "b", ... (n <= 26) and whose interval is interval_ms.  cfg points
 * at d: both must outlive its use.
 */
void tu_cfg_dienste(struct cfg *cfg, struct cfg_dienst *d, size_t n, unsigned interval_ms);

/*
 * The loader's tests work in DIR/conf/ozgmon.yaml with small register
 * fixtures in DIR/reg/ (named by tu_regs_yaml, relative to conf/).
 */
extern const char tu_regs_yaml[];

/* out = dir/rel; fails the test when the path does not fit. */
void tu_path(const char *dir, char *out, size_t outsz, const char *rel);
/* Writes len bytes of data to dir/rel (mode as the umask leaves it). */
void tu_put(const char *dir, const char *rel, const void *data, size_t len);
/* The whole file dir/rel, NUL-terminated (caller frees); NULL when it cannot be read. */
char *tu_slurp(const char *dir, const char *rel);
/* tu_put, then the file's mode set to mode (0600 for a secret, 0644 for one others may read). */
void tu_put_mode(const char *dir, const char *rel, const void *data, size_t len, mode_t mode);
/* Makes dir/conf and dir/reg (with the four register fixtures). */
void tu_cfg_tree(const char *dir);
/*
 * The start of a loader's test (its fixture's setup): a fresh directory
 * dir[dirsz] named after name (tu_tmpdir) holding tu_cfg_tree, and
 * path[pathsz] = DIR/conf/ozgmon.yaml, the main file tu_cfg_load writes.
 */
void tu_cfg_start(char *dir, size_t dirsz, const char *name, char *path, size_t pathsz);
/* Its end (teardown): frees *cfg (then NULL) and *errs (then empty), and removes dir. */
void tu_cfg_end(const char *dir, struct cfg **cfg, struct cfg_errors *errs);
/*
 * Writes yaml (followed by tu_regs_yaml when with_regs) to path, frees what
 * *cfg and *errs held, and loads path into them; returns *cfg.
 */
struct cfg *tu_cfg_load(const char *path, const char *yaml, bool with_regs, struct cfg **cfg,
			struct cfg_errors *errs);
/* Every error of e, one "\n  FILE:LINE:COL: MSG" each, into out. */
void tu_cfg_errors_dump(const struct cfg_errors *e, char *out, size_t outsz);
/*
 * Asserts that e holds an error of a file ending in suffix at line:col whose
 * message contains msg, and that it formats as "FILE:LINE:COL: MSG".
 */
void tu_cfg_expect_error(const struct cfg_errors *e, const char *suffix, unsigned line,
			 unsigned col, const char *msg);

/* Runs every test of s (then frees it): the process's exit status, EXIT_SUCCESS when none failed. */
int tu_run_suite(Suite *s);

#endif
