/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * errors.c - collecting configuration errors with their place; see errors.h.
 */
#include "config/errors.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SORT_FILES 6	/* the YAML file, the four registers and one more */

/* ---- errors ---------------------------------------------------------------- */

char *cfg_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

__attribute__((format(printf, 5, 0)))
int cfg_verrf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
		     const char *fmt, va_list ap)
{
	struct cfg_error *err;
	char msg[512];

	if (e->n >= CFG_MAX_ERRORS)
		return 0;
	if (e->n == CFG_MAX_ERRORS - 1) {
		snprintf(msg, sizeof msg, "too many errors; only the first %d are shown",
			 CFG_MAX_ERRORS - 1);
		line = col = 0;
	} else {
		vsnprintf(msg, sizeof msg, fmt, ap);
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct cfg_error *v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	err = &e->v[e->n];
	err->file = cfg_strdup(file ? file : "");
	err->msg = cfg_strdup(msg);
	if (!err->file || !err->msg) {
		free(err->file);
		free(err->msg);
		return -1;
	}
	err->line = line;
	err->col = line ? col : 0;
	e->n++;
	return 0;
}

int cfg_errf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
	     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cfg_verrf(e, file, line, col, fmt, ap);
	va_end(ap);
	return r;
}

void cfg_errors_free(struct cfg_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].msg);
	}
	free(e->v);
	memset(e, 0, sizeof *e);
}

void cfg_error_format(const struct cfg_error *err, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return;
	if (!err) {
		out[0] = '\0';
		return;
	}
	if (err->line == 0)
		snprintf(out, outsz, "%s: %s", err->file, err->msg);
	else if (err->col == 0)
		snprintf(out, outsz, "%s:%u: %s", err->file, err->line, err->msg);
	else
		snprintf(out, outsz, "%s:%u:%u: %s", err->file, err->line, err->col, err->msg);
}

const char *cfg_quote(const char *s, char *out, size_t outsz)
{
	size_t n = strlen(s), lim = 48, i;

	if (outsz < 64) {
		if (outsz)
			out[0] = '\0';
		return out;
	}
	if (n > lim) {
		/* Do not cut inside a UTF-8 sequence: back off to a lead byte. */
		while (lim > 0 && ((unsigned char)s[lim] & 0xC0u) == 0x80u)
			lim--;
	} else {
		lim = n;
	}
	for (i = 0; i < lim; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (lim < n) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/*
 * Sorts errors [from, n) by file (the config file first, then the others in
 * order of first appearance), line, column; stable.
 */
void cfg_sort_errors(struct cfg_errors *e, size_t from, const char *cfgfile)
{
	const char *files[SORT_FILES];
	size_t nfiles = 1, end = e->n;

	files[0] = cfgfile;
	if (end == CFG_MAX_ERRORS)
		end--;	/* the "too many errors" entry stays last */
	/* Insertion sort: at most CFG_MAX_ERRORS entries. */
	for (size_t i = from + 1; i < end; i++) {
		struct cfg_error x = e->v[i];
		size_t j = i;
		for (;;) {
			const struct cfg_error *p;
			size_t rx = SIZE_MAX, rp = SIZE_MAX;
			if (j == from)
				break;
			p = &e->v[j - 1];
			for (size_t k = 0; k < nfiles; k++) {
				if (rx == SIZE_MAX && strcmp(files[k], x.file) == 0)
					rx = k;
				if (rp == SIZE_MAX && strcmp(files[k], p->file) == 0)
					rp = k;
			}
			if (rp == SIZE_MAX && nfiles < sizeof files / sizeof files[0]) {
				files[nfiles] = p->file;
				rp = nfiles++;
			}
			if (rx == SIZE_MAX && nfiles < sizeof files / sizeof files[0]) {
				files[nfiles] = x.file;
				rx = nfiles++;
			}
			if (rp < rx || (rp == rx && (p->line < x.line ||
						     (p->line == x.line && p->col <= x.col))))
				break;
			e->v[j] = *p;
			j--;
		}
		e->v[j] = x;
	}
}

