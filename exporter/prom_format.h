/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_format.h - the exposition formats: Prometheus text 0.0.4 and
 * OpenMetrics 1.0.0.
 *
 * Every metric family renderer writes through a struct prom_out, which
 * carries the buffer and the format chosen for this scrape; nothing about
 * the format lives outside it, so two scrapes in different formats may be
 * rendered at once on different threads.
 *
 * Families are declared with their text-format name: a counter ends in
 * _total and an info metric in _info; in OpenMetrics the family name drops
 * that suffix, as the specification requires, while samples keep it.
 * Label values are escaped as both formats require (\\, \", \n), and
 * numbers are written so that Prometheus parses them back exactly.
 *
 * This file is the core the family renderers (prom_probe.c, prom_self.c,
 * prom_rollout.c, prom_shard.c, prom_dashboards.c) build on; it includes
 * none of them.
 */
#ifndef OZG_PROM_FORMAT_H
#define OZG_PROM_FORMAT_H

#include <stdbool.h>

#include "common/buf.h"

#define PROM_CTYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define PROM_CTYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Where one exposition goes and in which format. */
struct prom_out {
	struct buf *b;		/* appended to */
	bool om;		/* OpenMetrics 1.0.0 instead of text 0.0.4 */
};

/* Appends `s` to b with \\, \" and newline escaped (for a label value). */
void prom_escape_label(struct buf *b, const char *s);
/* Appends a sample value: integers exactly, NaN/Inf as the format spells them. */
void prom_value(struct buf *b, double v);

/*
 * HELP, TYPE (and in OpenMetrics UNIT) lines of a family.  type: "counter"
 * (name ends in _total), "gauge", "histogram" or "info" (name ends in _info;
 * a gauge of value 1 in text 0.0.4).  help is written as given: a fixed
 * text without backslashes or newlines (prom_family_help() escapes).
 */
void prom_family(const struct prom_out *o, const char *name, const char *type, const char *help);
/*
 * The same for a HELP text from outside (configuration): backslashes and
 * newlines (and in OpenMetrics double quotes) are escaped, and the text is
 * cut at PROM_HELP_MAX bytes.
 */
#define PROM_HELP_MAX 300
void prom_family_help(const struct prom_out *o, const char *name, const char *type, const char *help);
/* A family of one unlabelled sample: prom_family() and the sample line. */
void prom_scalar(const struct prom_out *o, const char *name, const char *type, const char *help,
		 double v);
/* name{label="value"} v  (label NULL: no labels). */
void prom_sample(const struct prom_out *o, const char *name, const char *label, const char *value,
		 double v);
/* name{dienst="id"[,extra_label="extra_value"]} v  (extra_label NULL: none). */
void prom_dienst_sample(const struct prom_out *o, const char *name, const char *id,
			const char *extra_label, const char *extra_value, double v);
/* The closing line of the format ("# EOF" in OpenMetrics, nothing in text). */
void prom_end(const struct prom_out *o);

#endif
