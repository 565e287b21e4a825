/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * testutil.h - what the unit tests (Check suites) share: a scratch directory
 * per test, its removal, a small configuration of named Onlinedienste, and
 * the main that runs a suite.  Built into every tests/unit/test_*.c binary.
 */
#ifndef OZGMON_TESTUTIL_H
#define OZGMON_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

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

/* Runs every test of s (then frees it): the process's exit status, EXIT_SUCCESS when none failed. */
int tu_run_suite(Suite *s);

#endif
