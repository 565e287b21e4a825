/* SPDX-License-Identifier: EUPL-1.2 */
/* csv.c - see csv.h. */
#include "config/csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/readfile.h"

int csv_read_file(const char *path, size_t max_bytes, char **out, size_t *len,
		  char *err, size_t errsz)
{
	return readfile_all(path, max_bytes, NULL, false, out, len, err, errsz);
}

static void csv_init(struct csv *c, char *buf, size_t len, size_t max_field)
{
	memset(c, 0, sizeof *c);
	c->buf = buf;
	c->len = len;
	c->line = 1;
	c->max_field = max_field;
	c->sep = ',';
	/* A UTF-8 byte order mark is not part of the first field. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		c->pos = 3;
		c->line_start = 3;
	}
}

int csv_open(struct csv *c, const char *path, size_t max_bytes, size_t max_field)
{
	char *buf;
	size_t len;

	memset(c, 0, sizeof *c);
	if (csv_read_file(path, max_bytes, &buf, &len, c->err, sizeof c->err) != 0)
		return -1;
	csv_init(c, buf, len, max_field);
	return 0;
}

int csv_open_mem(struct csv *c, const char *data, size_t len, size_t max_field)
{
	char *buf;

	memset(c, 0, sizeof *c);
	buf = malloc(len + 1);
	if (!buf) {
		snprintf(c->err, sizeof c->err, "out of memory");
		return -1;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	csv_init(c, buf, len, max_field);
	return 0;
}

void csv_close(struct csv *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c->f);
	memset(c, 0, sizeof *c);
}

void csv_detect_sep(struct csv *c)
{
	size_t commas = 0, semis = 0;
	bool quoted = false;

	for (size_t i = c->pos; i < c->len; i++) {
		char ch = c->buf[i];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && ch == '\n')
			break;
		else if (!quoted && ch == ',')
			commas++;
		else if (!quoted && ch == ';')
			semis++;
	}
	c->sep = semis > commas ? ';' : ',';
}

int csv_find(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->nf; i++)
		if (strcmp(c->f[i].s, name) == 0)
			return (int)i;
	return -1;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t need;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		cp = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		cp = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

/* Offset of the first invalid UTF-8 byte in s[0..n), or n when all is valid. */
static size_t utf8_check(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seq(u + i, n - i);
		if (k == 0)
			return i;
		i += k;
	}
	return n;
}

__attribute__((format(printf, 4, 5)))
static int csv_fail(struct csv *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	c->err_line = line;
	c->err_col = col;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Moves past the end of the current line (or to the end of the input). */
static void csv_skip_line(struct csv *c)
{
	const char *nl = c->pos < c->len ? memchr(c->buf + c->pos, '\n', c->len - c->pos) : NULL;

	if (!nl) {
		c->pos = c->len;
		return;
	}
	c->pos = (size_t)(nl - c->buf) + 1;
	c->line++;
	c->line_start = c->pos;
}

static unsigned csv_col(const struct csv *c, size_t off)
{
	return (unsigned)(off - c->line_start + 1);
}

static int csv_push(struct csv *c, char *s, size_t len, unsigned line, unsigned col)
{
	if (c->nf == c->capf) {
		size_t cap = c->capf ? c->capf * 2 : 16;
		struct csv_field *f = realloc(c->f, cap * sizeof *f);
		if (!f)
			return -1;
		c->f = f;
		c->capf = cap;
	}
	c->f[c->nf].s = s;
	c->f[c->nf].len = len;
	c->f[c->nf].line = line;
	c->f[c->nf].col = col;
	c->nf++;
	return 0;
}

/*
 * Reads one field starting at c->pos.  On success stores it, leaves c->pos on
 * the byte after the field (separator, line end or end of input) and returns
 * that byte in *delim (0 at the end of the input; '\n' for CRLF too).
 */
static int csv_field(struct csv *c, int *delim)
{
	size_t start = c->pos, w;
	unsigned fline = c->line, fcol = csv_col(c, start);
	char d;

	if (c->pos < c->len && c->buf[c->pos] == '"') {
		w = start;
		c->pos++;
		for (;;) {
			char ch;
			if (c->pos >= c->len) {
				c->pos = c->len;
				return csv_fail(c, fline, fcol, "unterminated quoted field");
			}
			ch = c->buf[c->pos];
			if (ch == '"') {
				if (c->pos + 1 < c->len && c->buf[c->pos + 1] == '"') {
					c->buf[w++] = '"';
					c->pos += 2;
					continue;
				}
				c->pos++;
				break;
			}
			if (ch == '\0')
				return csv_fail(c, c->line, csv_col(c, c->pos), "NUL byte in field");
			if (ch == '\n') {
				c->line++;
				c->line_start = c->pos + 1;
			}
			c->buf[w++] = ch;
			c->pos++;
			if (w - start > c->max_field)
				return csv_fail(c, fline, fcol, "field longer than %zu bytes", c->max_field);
		}
		d = c->pos < c->len ? c->buf[c->pos] : '\0';
		if (d == '\r' && c->pos + 1 < c->len && c->buf[c->pos + 1] == '\n')
			d = '\n';
		else if (d != c->sep && d != '\n' && c->pos < c->len)
			return csv_fail(c, c->line, csv_col(c, c->pos),
					"unexpected character after closing quote");
	} else {
		for (;;) {
			char ch = c->pos < c->len ? c->buf[c->pos] : '\0';
			if (c->pos >= c->len || ch == c->sep || ch == '\n')
				break;
			if (ch == '\r') {
				if (c->pos + 1 < c->len && c->buf[c->pos + 1] == '\n')
					break;
				return csv_fail(c, c->line, csv_col(c, c->pos),
						"carriage return without line feed");
			}
			if (ch == '"')
				return csv_fail(c, c->line, csv_col(c, c->pos),
						"quote inside an unquoted field");
			if (ch == '\0')
				return csv_fail(c, c->line, csv_col(c, c->pos), "NUL byte in field");
			c->pos++;
			if (c->pos - start > c->max_field)
				return csv_fail(c, fline, fcol, "field longer than %zu bytes", c->max_field);
		}
		w = c->pos;
		d = c->pos < c->len ? c->buf[c->pos] : '\0';
		if (d == '\r')
			d = '\n';
	}
	/* Every check comes before the terminator may be overwritten, so that
	 * after an error csv_skip_line() still finds this line's end. */
	{
		size_t bad = utf8_check(c->buf + start, w - start);
		if (bad < w - start)
			return csv_fail(c, fline, fcol, "invalid UTF-8 in field (byte %zu)", bad + 1);
	}
	if (c->nf >= CSV_MAX_FIELDS)
		return csv_fail(c, fline, fcol, "more than %d fields", CSV_MAX_FIELDS);
	if (csv_push(c, c->buf + start, w - start, fline, fcol) != 0)
		return csv_fail(c, fline, fcol, "out of memory");
	/* Consume the terminator, then end the field text (w <= its offset). */
	if (d == c->sep) {
		c->pos++;
	} else if (d == '\n') {
		c->pos += c->buf[c->pos] == '\r' ? 2 : 1;
		c->line++;
		c->line_start = c->pos;
	}
	c->buf[w] = '\0';
	*delim = d;
	return 0;
}

int csv_next(struct csv *c)
{
	c->nf = 0;
	/* Skip blank lines; each pass consumes one line. */
	for (;;) {
		if (c->pos >= c->len)
			return 0;
		if (c->buf[c->pos] == '\n' ||
		    (c->buf[c->pos] == '\r' && c->pos + 1 < c->len && c->buf[c->pos + 1] == '\n')) {
			csv_skip_line(c);
			continue;
		}
		break;
	}
	c->rec_line = c->line;
	/* Each pass consumes one field and its terminator. */
	for (;;) {
		int d = 0;
		if (csv_field(c, &d) != 0) {
			c->nf = 0;
			csv_skip_line(c);
			return -1;
		}
		if (d != c->sep)
			return 1;
	}
}
