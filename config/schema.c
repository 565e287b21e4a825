/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * schema.c - mappings checked against key tables (unknown keys with a
 * suggestion, duplicates, required keys) and the value checks shared by the
 * sections: ids, host:port, URLs.
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

/* ---- mappings against a key table ------------------------------------------ */

/* Optimal string alignment distance of a and b (both cut at 64 bytes). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 64), lb = strnlen(b, 64);
	size_t rows[3][65];
	size_t *pp = rows[0], *p = rows[1], *c = rows[2];

	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		size_t *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

/* The known key closest to s, when it is close enough to be a likely typo. */
static const char *suggest(const char *s, const struct keydef *kd, size_t nkd)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;

	if (strlen(s) > 64)
		return NULL;
	for (size_t i = 0; i < nkd; i++) {
		size_t d = edit_distance(s, kd[i].name);
		size_t lim = strlen(kd[i].name) <= 4 ? 1 : 2;
		if (d <= lim && d < bestd) {
			best = kd[i].name;
			bestd = d;
		}
	}
	return best;
}

/*
 * Matches the keys of mapping m against kd: val[i] is the value of key
 * kd[i].name (NULL when absent).  Reports non-string keys, unknown keys (with
 * a suggestion), duplicate keys, and missing required keys (at m; `what`
 * names the mapping in that message).
 */
void map_fields(struct ld *L, const struct ynode *m, const char *what,
		       const struct keydef *kd, size_t nkd, const struct ynode **val)
{
	const struct ynode *keynode[KEYS_MAX];
	char q[64], d[96];

	for (size_t i = 0; i < nkd; i++) {
		val[i] = NULL;
		keynode[i] = NULL;
	}
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kid[i];
		size_t j;
		if (k->kind != Y_SCALAR) {
			err_at(L, k, "a key must be a string, found %s", describe(k, d, sizeof d));
			continue;
		}
		for (j = 0; j < nkd; j++)
			if (strcmp(k->s, kd[j].name) == 0)
				break;
		if (j == nkd) {
			const char *sug = suggest(k->s, kd, nkd);
			if (sug)
				err_at(L, k, "unknown key '%s' (did you mean '%s'?)",
				       cfg_quote(k->s, q, sizeof q), sug);
			else
				err_at(L, k, "unknown key '%s'", cfg_quote(k->s, q, sizeof q));
			continue;
		}
		if (keynode[j]) {
			err_at(L, k, "duplicate key '%s' (first at line %u)", kd[j].name,
			       keynode[j]->line);
			continue;
		}
		keynode[j] = k;
		val[j] = m->kid[i + 1];
	}
	for (size_t i = 0; i < nkd; i++)
		if (kd[i].required && !val[i])
			err_at(L, m, "missing required key '%s' in %s", kd[i].name, what);
}

/* ---- value checks ---------------------------------------------------------- */

bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_MAX_ID)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static bool host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_';
}

/* Port: 1..65535, digits only, s[0..n). */
static bool valid_port(const char *s, size_t n)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/*
 * Checks host[:port] in s[0..n): a name or IPv4 address, or an IPv6 address
 * in brackets.  Returns NULL or the reason.
 */
const char *check_hostport(const char *s, size_t n, bool need_port)
{
	size_t hostend;

	if (n == 0)
		return "has no host";
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb || rb == s + 1)
			return "has a bad IPv6 address";
		for (const char *p = s + 1; p < rb; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return "has a bad IPv6 address";
		hostend = (size_t)(rb - s) + 1;
	} else {
		for (hostend = 0; hostend < n && s[hostend] != ':'; hostend++)
			if (!host_char(s[hostend]))
				return "has a bad character in the host name";
		if (hostend == 0)
			return "has no host";
	}
	if (hostend == n)
		return need_port ? "has no port" : NULL;
	if (s[hostend] != ':' || !valid_port(s + hostend + 1, n - hostend - 1))
		return "has a bad port (expected 1..65535)";
	return NULL;
}

/* Returns NULL when url is acceptable, else the reason. */
const char *check_url(const char *url)
{
	size_t n = strlen(url), skip, alen;
	const char *auth;

	if (n > CFG_MAX_URL)
		return "is longer than 2048 bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return "contains whitespace or control characters";
	/* The scheme as documented, in lower case: "HTTP://" is refused. */
	if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return "must start with http:// or https:// (lower case)";
	auth = url + skip;
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen))
		return "must not contain credentials (user:password@)";
	return check_hostport(auth, alen, false);
}

