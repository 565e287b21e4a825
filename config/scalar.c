/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * scalar.c - the scalar types of the configuration: null, bool, integers,
 * strings, durations, one of a table of words.
 */
#include "config/load.h"

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

/* ---- durations ----------------------------------------------------------- */

int cfg_parse_duration(const char *s, unsigned *ms)
{
	unsigned long long v = 0, mult;
	size_t i = 0;

	if (!s || !ms || s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned long long)(s[i] - '0');
		if (v > UINT_MAX)
			return -1;
	}
	if (strcmp(s + i, "ms") == 0)
		mult = 1;
	else if (strcmp(s + i, "s") == 0)
		mult = 1000;
	else if (strcmp(s + i, "m") == 0)
		mult = 60000;
	else if (strcmp(s + i, "h") == 0)
		mult = 3600000;
	else
		return -1;
	if (v > UINT_MAX / mult)
		return -1;
	*ms = (unsigned)(v * mult);
	return 0;
}

/* Writes ms in the largest unit that divides it ("24h", "1500ms"). */
const char *fmt_dur(unsigned ms, char *out, size_t outsz)
{
	if (ms != 0 && ms % 3600000u == 0)
		snprintf(out, outsz, "%uh", ms / 3600000u);
	else if (ms != 0 && ms % 60000u == 0)
		snprintf(out, outsz, "%um", ms / 60000u);
	else if (ms != 0 && ms % 1000u == 0)
		snprintf(out, outsz, "%us", ms / 1000u);
	else
		snprintf(out, outsz, "%ums", ms);
	return out;
}

/* ---- scalar types ---------------------------------------------------------- */

bool is_null(const struct ynode *y)
{
	return y->kind == Y_SCALAR && y->plain &&
	       (y->len == 0 || strcmp(y->s, "~") == 0 || strcmp(y->s, "null") == 0 ||
		strcmp(y->s, "Null") == 0 || strcmp(y->s, "NULL") == 0);
}

static int as_bool(const struct ynode *y)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };

	if (y->kind != Y_SCALAR || !y->plain)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(y->s, t[i]) == 0)
			return 1;
		if (strcmp(y->s, f[i]) == 0)
			return 0;
	}
	return -1;
}

bool is_int(const struct ynode *y)
{
	const char *s = y->s;

	if (y->kind != Y_SCALAR || !y->plain)
		return false;
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "a mapping", "a list", "null", "a boolean", "an integer", "a string 'x'". */
const char *describe(const struct ynode *y, char *out, size_t outsz)
{
	char q[64];

	if (y->kind == Y_MAP)
		snprintf(out, outsz, "a mapping");
	else if (y->kind == Y_SEQ)
		snprintf(out, outsz, "a list");
	else if (is_null(y))
		snprintf(out, outsz, "null");
	else if (as_bool(y) >= 0)
		snprintf(out, outsz, "a boolean");
	else if (is_int(y))
		snprintf(out, outsz, "an integer");
	else
		snprintf(out, outsz, "a string '%s'", cfg_quote(y->s, q, sizeof q));
	return out;
}

bool want_map(struct ld *L, const struct ynode *y, const char *key)
{
	char d[96];

	if (y->kind == Y_MAP)
		return true;
	err_at(L, y, "%s: expected a mapping, found %s", key, describe(y, d, sizeof d));
	return false;
}

/* A list, or null (then *empty is set): true.  Anything else is reported. */
bool want_seq(struct ld *L, const struct ynode *y, const char *key, bool *empty)
{
	char d[96];

	*empty = false;
	if (y->kind == Y_SEQ)
		return true;
	if (is_null(y)) {
		*empty = true;
		return true;
	}
	err_at(L, y, "%s: expected a list, found %s", key, describe(y, d, sizeof d));
	return false;
}

/* Any scalar but null (numbers and booleans are taken as their text). */
const char *want_str(struct ld *L, const struct ynode *y, const char *key)
{
	char d[96];

	if (y->kind == Y_SCALAR && !is_null(y)) {
		if (y->len > CFG_MAX_STRING) {
			err_at(L, y, "%s: longer than %u bytes", key, CFG_MAX_STRING);
			return NULL;
		}
		return y->s;
	}
	err_at(L, y, "%s: expected a string, found %s", key, describe(y, d, sizeof d));
	return NULL;
}

/* A non-empty string without control characters. */
const char *want_text(struct ld *L, const struct ynode *y, const char *key)
{
	const char *s = want_str(L, y, key);

	if (!s)
		return NULL;
	if (*s == '\0') {
		err_at(L, y, "%s: must not be empty", key);
		return NULL;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			err_at(L, y, "%s: contains control characters", key);
			return NULL;
		}
	}
	return s;
}

/* want_text for a name: at most CFG_MAX_NAME bytes. */
const char *want_name(struct ld *L, const struct ynode *y, const char *key)
{
	if (y->kind == Y_SCALAR && !is_null(y) && y->len > CFG_MAX_NAME) {
		err_at(L, y, "%s: longer than %u bytes", key, CFG_MAX_NAME);
		return NULL;
	}
	return want_text(L, y, key);
}

/* Replaces *dst with a copy of s. */
void set_str(struct ld *L, char **dst, const char *s)
{
	char *d = cfg_strdup(s);

	if (!d) {
		L->oom = true;
		return;
	}
	free(*dst);
	*dst = d;
}

bool want_int(struct ld *L, const struct ynode *y, const char *key, long lo, long hi,
		     long *out)
{
	const char *s = y->s;
	bool neg = false;
	long v = 0;
	char d[96];

	if (!is_int(y)) {
		err_at(L, y, "%s: expected an integer, found %s", key, describe(y, d, sizeof d));
		return false;
	}
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (v > (LONG_MAX - (*s - '0')) / 10) {
			err_at(L, y, "%s: %s is out of range %ld..%ld", key, y->s, lo, hi);
			return false;
		}
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < lo || v > hi) {
		err_at(L, y, "%s: %ld is out of range %ld..%ld", key, v, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

bool want_bool(struct ld *L, const struct ynode *y, const char *key, bool *out)
{
	int v = as_bool(y);
	char d[96];

	if (v < 0) {
		err_at(L, y, "%s: expected a boolean (true or false), found %s", key,
		       describe(y, d, sizeof d));
		return false;
	}
	*out = v == 1;
	return true;
}

bool want_word(struct ld *L, const struct ynode *y, const char *key, const struct word *w,
	       int *out)
{
	const char *s = want_text(L, y, key);
	char q[64], list[256];
	size_t len = 0;

	if (!s)
		return false;
	for (size_t i = 0; w[i].word; i++)
		if (strcmp(s, w[i].word) == 0) {
			*out = w[i].value;
			return true;
		}
	list[0] = '\0';
	for (size_t i = 0; w[i].word && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
					i == 0 ? "" : w[i + 1].word ? ", " : " or ", w[i].word);
	err_at(L, y, "%s: '%s' is not %s", key, cfg_quote(s, q, sizeof q), list);
	return false;
}

bool want_dur(struct ld *L, const struct ynode *y, const char *key, unsigned lo,
		     unsigned hi, unsigned *out)
{
	char q[64], a[32], b[32], c[32];
	const char *s;
	unsigned ms;

	if (y->kind != Y_SCALAR || is_null(y)) {
		char d[96];
		err_at(L, y, "%s: expected a duration such as 10s, found %s", key,
		       describe(y, d, sizeof d));
		return false;
	}
	s = y->s;
	if (cfg_parse_duration(s, &ms) != 0) {
		err_at(L, y, "%s: bad duration '%s' (expected an integer with a unit ms, s, m or h, "
		       "e.g. 10s)", key, cfg_quote(s, q, sizeof q));
		return false;
	}
	if (ms < lo || ms > hi) {
		err_at(L, y, "%s: %s is out of range %s..%s", key, fmt_dur(ms, a, sizeof a),
		       fmt_dur(lo, b, sizeof b), fmt_dur(hi, c, sizeof c));
		return false;
	}
	*out = ms;
	return true;
}

