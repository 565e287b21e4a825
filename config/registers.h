/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * registers.h - internal interface of the config module: error collection
 * and loading of the CSV registers.  Only the config module includes it.
 */
#ifndef OZG_CONFIG_REGISTERS_H
#define OZG_CONFIG_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

#define CFG_MAX_ERRORS 1000		/* errors kept per load; the last one says so */
#define REG_MAX_FILE (64u << 20)	/* bytes per register file */
#define REG_MAX_FIELD 4096u		/* bytes per CSV field */

/*
 * Appends "file:line:col: message" to e (line 0: the whole file).  Copies file
 * and the formatted message.  Keeps at most CFG_MAX_ERRORS entries, the last
 * of them saying that more were dropped.  Returns -1 only when memory ran out
 * (the error is then lost), else 0.
 */
int cfg_errf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Copies at most 48 bytes of s into out (outsz >= 64) for use inside an error
 * message: control characters become '?', a cut never splits a UTF-8
 * sequence, and "..." marks a cut.  Returns out.
 */
const char *cfg_quote(const char *s, char *out, size_t outsz);

/* True when s is exactly n ASCII digits. */
bool reg_is_digits(const char *s, size_t n);

enum reg_file { REG_KREISE = 0, REG_VERBAENDE, REG_GEMEINDEN, REG_LEISTUNGEN, REG_LEIKA, REG_NFILES };

/* One register file to load: the resolved path and the YAML value naming it. */
struct reg_source {
	const char *path;	/* borrowed; NULL when the key was missing or bad */
	unsigned line, col;	/* of the YAML value, for "cannot open" errors */
	const char *cfg_file;	/* the YAML file, borrowed */
};

/*
 * Loads the four CSV registers into r (whose land fields are not touched) and
 * checks them against each other (a Gemeinde's Kreis and Verband, a Verband's
 * Kreis, key prefixes).  Every problem is appended to e.  The arrays are sorted
 * by key afterwards (gemeinden by AGS); rows with errors are left out.
 * Sets ok[i] when register i loaded without any error.  Returns -1 when memory
 * ran out, else 0.  r owns what was loaded even on error; free with reg_free().
 */
int reg_load(struct registers *r, const struct reg_source src[REG_NFILES],
	     bool ok[REG_NFILES], struct cfg_errors *e);

/* Frees everything r owns (NULL-safe); leaves r zeroed. */
void reg_free(struct registers *r);

#endif
