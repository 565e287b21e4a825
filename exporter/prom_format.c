/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_format.c - see prom_format.h. */
#include "exporter/prom_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_escape_label(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '"')
			esc = "\\\"";
		else if (*s == '\n')
			esc = "\\n";
		if (!esc)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, esc);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

/* Writes the decimal digits of u backwards ending at end; returns the first. */
static char *utoa_back(char *end, unsigned long long u)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return end;
}

/*
 * Appends v when it is an exact decimal with at most 9 fraction digits that
 * reads back as the same double: r / 10^k is correctly rounded, as is
 * strtod() of the digits printed, so both name the same double.  Covers
 * integers, millisecond timestamps and microsecond durations without the
 * cost of printf and a strtod round trip.  Returns false otherwise.
 */
static bool value_fast(struct buf *b, double v)
{
	static const double scale[] = { 1, 1e3, 1e6, 1e9 };
	static const int digits[] = { 0, 3, 6, 9 };
	char tmp[48], *end = tmp + sizeof tmp, *p;
	bool neg = v < 0;
	double a = neg ? -v : v;

	for (int k = 0; k < 4; k++) {
		double x = a * scale[k];
		unsigned long long r, ip, fp;
		int nd = digits[k];

		if (!(x < 9e15))
			return false;
		r = (unsigned long long)llround(x);
		if ((double)r / scale[k] != a)
			continue;
		ip = r / (unsigned long long)scale[k];
		fp = r % (unsigned long long)scale[k];
		p = end;
		if (fp) {
			while (fp % 10 == 0) {	/* drop trailing zeros */
				fp /= 10;
				nd--;
			}
			for (int i = 0; i < nd; i++) {
				*--p = (char)('0' + fp % 10);
				fp /= 10;
			}
			*--p = '.';
		}
		p = utoa_back(p, ip);
		if (neg && r)
			*--p = '-';
		buf_append(b, p, (size_t)(end - p));
		return true;
	}
	return false;
}

void prom_value(struct buf *b, double v)
{
	char tmp[40];
	int n;

	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (value_fast(b, v))
		return;
	/* The shortest of %.15g..%.17g that reads back as the same double. */
	n = snprintf(tmp, sizeof tmp, "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof tmp, "%.16g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof tmp, "%.17g", v);
	if (n > 0)
		buf_append(b, tmp, (size_t)n);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Appends help escaped for a HELP line of the format, cut at PROM_HELP_MAX bytes. */
static void help_escaped(struct buf *b, const char *help, bool om)
{
	const char *s = help;
	size_t n = 0;

	/* Past the bound, only the rest of a UTF-8 sequence begun before it. */
	for (; *s && (n < PROM_HELP_MAX || ((unsigned char)*s & 0xC0) == 0x80); s++, n++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if (*s == '"' && om)
			buf_puts(b, "\\\"");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_puts(b, " ");
		else
			buf_append(b, s, 1);
	}
}

/*
 * HELP and TYPE of one family.  In OpenMetrics the family name drops
 * _total/_info and a UNIT line follows for names ending in _seconds/_bytes.
 * escape: help comes from outside and is escaped.
 */
static void family(const struct prom_out *o, const char *name, const char *type, const char *help,
		   bool escape)
{
	struct buf *b = o->b;
	size_t len = strlen(name);

	if (!o->om) {
		if (strcmp(type, "info") == 0)
			type = "gauge";
		buf_printf(b, "# HELP %s ", name);
		if (escape)
			help_escaped(b, help, false);
		else
			buf_puts(b, help);
		buf_printf(b, "\n# TYPE %s %s\n", name, type);
		return;
	}
	if (strcmp(type, "counter") == 0 && ends_with(name, len, "_total"))
		len -= 6;
	else if (strcmp(type, "info") == 0 && ends_with(name, len, "_info"))
		len -= 5;
	buf_printf(b, "# TYPE %.*s %s\n", (int)len, name, type);
	if (ends_with(name, len, "_seconds"))
		buf_printf(b, "# UNIT %.*s seconds\n", (int)len, name);
	else if (ends_with(name, len, "_bytes"))
		buf_printf(b, "# UNIT %.*s bytes\n", (int)len, name);
	buf_printf(b, "# HELP %.*s ", (int)len, name);
	if (escape)
		help_escaped(b, help, true);
	else
		buf_puts(b, help);
	buf_puts(b, "\n");
}

void prom_family(const struct prom_out *o, const char *name, const char *type, const char *help)
{
	family(o, name, type, help, false);
}

void prom_family_help(const struct prom_out *o, const char *name, const char *type, const char *help)
{
	family(o, name, type, help, true);
}

void prom_sample(const struct prom_out *o, const char *name, const char *label, const char *value,
		 double v)
{
	struct buf *b = o->b;

	buf_puts(b, name);
	if (label) {
		buf_puts(b, "{");
		buf_puts(b, label);
		buf_puts(b, "=\"");
		prom_escape_label(b, value);
		buf_puts(b, "\"}");
	}
	buf_puts(b, " ");
	prom_value(b, v);
	buf_puts(b, "\n");
}

void prom_scalar(const struct prom_out *o, const char *name, const char *type, const char *help,
		 double v)
{
	prom_family(o, name, type, help);
	prom_sample(o, name, NULL, NULL, v);
}

void prom_dienst_sample(const struct prom_out *o, const char *name, const char *id,
			const char *extra_label, const char *extra_value, double v)
{
	struct buf *b = o->b;

	buf_printf(b, "%s{dienst=\"", name);
	prom_escape_label(b, id);
	if (extra_label) {
		buf_printf(b, "\",%s=\"", extra_label);
		prom_escape_label(b, extra_value);
	}
	buf_puts(b, "\"} ");
	prom_value(b, v);
	buf_puts(b, "\n");
}

void prom_end(const struct prom_out *o)
{
	if (o->om)
		buf_puts(o->b, "# EOF\n");
}
