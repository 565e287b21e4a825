/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * errors.h - internal interface of the config module: collecting errors with
 * their place (file:line:column) and quoting hostile text for messages.  The
 * YAML loader and the register loader both report through it.
 */
#ifndef OZG_CONFIG_ERRORS_H
#define OZG_CONFIG_ERRORS_H

#include <stdarg.h>
#include <stddef.h>

#include "config/config.h"

#define CFG_MAX_ERRORS 1000		/* errors kept per load; the last one says so */

/*
 * Appends "file:line:col: message" to e (line 0: the whole file).  Copies file
 * and the formatted message.  Keeps at most CFG_MAX_ERRORS entries, the last
 * of them saying that more were dropped.  Returns -1 only when memory ran out
 * (the error is then lost), else 0.
 */
int cfg_errf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* cfg_errf with a va_list. */
__attribute__((format(printf, 5, 0)))
int cfg_verrf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
		     const char *fmt, va_list ap);

/*
 * Copies at most 48 bytes of s into out (outsz >= 64) for use inside an error
 * message: control characters become '?', a cut never splits a UTF-8
 * sequence, and "..." marks a cut.  Returns out.
 */
const char *cfg_quote(const char *s, char *out, size_t outsz);

/*
 * Sorts errors [from, n) by file (cfgfile first, then the others in order of
 * first appearance), line, column; stable.
 */
void cfg_sort_errors(struct cfg_errors *e, size_t from, const char *cfgfile);

/* strdup that returns NULL when memory runs out. */
char *cfg_strdup(const char *s);

#endif
