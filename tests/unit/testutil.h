/*
 * testutil.h - what the unit tests (Check suites) share: a scratch directory
 * per test, its removal, and the main that runs a suite.  Built into every
 * tests/unit/test_*.c binary.
 */
#ifndef OZGMON_TESTUTIL_H
#define OZGMON_TESTUTIL_H

#include <check.h>
#include <stddef.h>

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

/* Runs every test of s (then frees it): the process's exit status, EXIT_SUCCESS when none failed. */
int tu_run_suite(Suite *s);

#endif
