/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * registers.h - internal interface of the config module: loading of the CSV
 * registers (errors are collected through errors.h).  Only the config module
 * includes it.
 */
#ifndef OZG_CONFIG_REGISTERS_H
#define OZG_CONFIG_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/errors.h"

#define REG_MAX_FILE (64u << 20)	/* bytes per register file */
#define REG_MAX_FIELD 4096u		/* bytes per CSV field */
#define REG_MAX_NAME CFG_MAX_NAME	/* bytes of a name (Gemeinde, Kreis, Leistung, Themenfeld) */

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
