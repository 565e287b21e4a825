/*
 * testutil.h - what the unit tests (Check suites) share.  Built into every
 * tests/unit/test_*.c binary.
 */
#ifndef OZGMON_TESTUTIL_H
#define OZGMON_TESTUTIL_H

#include <check.h>

/* Runs every test of s (then frees it): the process's exit status, EXIT_SUCCESS when none failed. */
int tu_run_suite(Suite *s);

#endif
