/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * usage_schema.c - usage: the metrics read from a statistics document.
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

/* ---- usage statistics ------------------------------------------------------ */

#define CFG_USAGE_MAX_METRICS 64u	/* metrics of one statistics document */
#define CFG_USAGE_MAX_MAP 64u		/* entries of one string map */
#define CFG_USAGE_MAX_SEGMENTS 32u	/* segments of one pointer */

/* [a-z_][a-z0-9_]{0,63} */
static bool metric_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/*
 * The bytes of a metric's family stem: OpenMetrics names a counter's family
 * without its _total, so "x_total" (counter) and "x" (gauge) are one family.
 */
static size_t name_stem(const char *s, enum cfg_usage_type type)
{
	size_t n = strlen(s);

	return type == CFG_USAGE_COUNTER && n > 6 && strcmp(s + n - 6, "_total") == 0 ? n - 6 : n;
}

static bool same_stem(const char *a, enum cfg_usage_type ta, const char *b, enum cfg_usage_type tb)
{
	size_t na = name_stem(a, ta);

	return na == name_stem(b, tb) && strncmp(a, b, na) == 0;
}

/* Whether the name's family is one of ozgmon's own ozg_usage_* families. */
static bool reserved_name(const char *s, enum cfg_usage_type type)
{
	static const char *const stems[] = { "up", "last_success_timestamp_seconds", "resets" };

	for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++)
		if (same_stem(s, type, stems[i], CFG_USAGE_GAUGE))
			return true;
	return false;
}

/*
 * Splits an RFC 6901 pointer into unescaped segments (~1 is '/', ~0 is '~').
 * Returns NULL (no error) for a valid pointer, else the reason.
 */
static const char *split_pointer(struct ld *L, const char *ptr, struct cfg_usage_metric *m)
{
	const char *p = ptr;

	m->wildcard = CFG_USAGE_NO_WILDCARD;
	if (*p == '\0')
		return NULL;	/* the whole document */
	if (*p != '/')
		return "must be empty or start with '/'";
	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		char *seg, **v;
		size_t k = 0;

		if (m->n_seg == CFG_USAGE_MAX_SEGMENTS)
			return "has more than 32 segments";
		seg = malloc(len + 1);
		v = realloc(m->seg, (m->n_seg + 1) * sizeof *v);
		if (!seg || !v) {
			free(seg);
			if (v)
				m->seg = v;
			L->oom = true;
			return NULL;
		}
		m->seg = v;
		for (size_t i = 0; i < len; i++) {
			char ch = p[1 + i];
			if (ch == '~') {
				char nx = i + 1 < len ? p[2 + i] : '\0';
				if (nx != '0' && nx != '1') {
					free(seg);
					return "has '~' not followed by 0 or 1";
				}
				ch = nx == '0' ? '~' : '/';
				i++;
			}
			seg[k++] = ch;
		}
		seg[k] = '\0';
		if (len == 1 && p[1] == '*') {
			if (m->wildcard != CFG_USAGE_NO_WILDCARD) {
				free(seg);
				return "has more than one '*' segment";
			}
			m->wildcard = m->n_seg;
		}
		m->seg[m->n_seg++] = seg;
		p += 1 + len;
	}
	return NULL;
}

/* One entry of usage.metrics. */
static void load_usage_metric(struct ld *L, const struct ynode *it, struct cfg_usage_metric *m)
{
	enum { K_NAME, K_POINTER, K_TYPE, K_LABEL, K_TITLE, K_MAP, K_N };
	static const struct keydef kd[K_N] = {
		{ "name", true }, { "pointer", true }, { "type", true }, { "label", false },
		{ "title", false }, { "map", false },
	};
	static const struct word types[] = {
		{ "counter", CFG_USAGE_COUNTER }, { "gauge", CFG_USAGE_GAUGE }, { NULL, 0 },
	};
	const struct ynode *v[K_N];
	const char *s, *why;
	char q[64];
	int word;

	if (!want_map(L, it, "metrics entry"))
		return;
	map_fields(L, it, "usage metric", kd, K_N, v);
	if (v[K_TYPE] && want_word(L, v[K_TYPE], "type", types, &word))
		m->type = (enum cfg_usage_type)word;
	if (v[K_NAME] && (s = want_str(L, v[K_NAME], "name"))) {
		size_t n = strlen(s);
		m->mark.file = L->file;
		m->mark.line = v[K_NAME]->line;
		m->mark.col = v[K_NAME]->col;
		if (!metric_name_ok(s))
			err_at(L, v[K_NAME], "name: '%s' is not a metric name ([a-z_][a-z0-9_]*, at most "
			       "64 bytes)", cfg_quote(s, q, sizeof q));
		else if (reserved_name(s, m->type))
			err_at(L, v[K_NAME], "name: '%s' is reserved (ozg_usage_%s is one of ozgmon's own "
			       "metrics)", s, s);
		else if (m->type == CFG_USAGE_COUNTER && (n < 6 || strcmp(s + n - 6, "_total") != 0))
			err_at(L, v[K_NAME], "name: counter '%s' must end in _total", s);
		else
			set_str(L, &m->name, s);
	}
	if (v[K_POINTER] && (s = want_str(L, v[K_POINTER], "pointer"))) {
		if (strlen(s) > 512)
			err_at(L, v[K_POINTER], "pointer: longer than 512 bytes");
		else if ((why = split_pointer(L, s, m)))
			err_at(L, v[K_POINTER], "pointer: '%s' %s (a JSON Pointer such as "
			       "/counts/submitted, with at most one '*' segment)", cfg_quote(s, q, sizeof q),
			       why);
		else
			set_str(L, &m->pointer, s);
	}
	if (v[K_LABEL] && (s = want_str(L, v[K_LABEL], "label"))) {
		if (!metric_name_ok(s) || strcmp(s, "dienst") == 0)
			err_at(L, v[K_LABEL], "label: '%s' is not a label name other than dienst",
			       cfg_quote(s, q, sizeof q));
		else
			set_str(L, &m->label, s);
	}
	/* The name the pages show, in the site's language ("Eingereichte Anträge"). */
	if (v[K_TITLE] && (s = want_text(L, v[K_TITLE], "title"))) {
		if (strlen(s) > CFG_USAGE_MAX_TITLE)
			err_at(L, v[K_TITLE], "title: longer than %u bytes", CFG_USAGE_MAX_TITLE);
		else
			set_str(L, &m->title, s);
	}
	if (m->pointer && m->wildcard != CFG_USAGE_NO_WILDCARD && !v[K_LABEL])
		err_at(L, it, "usage metric: the pointer has a '*' segment: name its label with label:");
	if (m->pointer && m->wildcard == CFG_USAGE_NO_WILDCARD && v[K_LABEL])
		err_at(L, v[K_LABEL], "label: only a pointer with a '*' segment has a label");
	if (v[K_MAP] && want_map(L, v[K_MAP], "map") && v[K_MAP]->n > 0) {
		const struct ynode *mp = v[K_MAP];
		if (mp->n / 2 > CFG_USAGE_MAX_MAP) {
			err_at(L, mp, "map: more than %u entries", CFG_USAGE_MAX_MAP);
			return;
		}
		m->map = calloc(mp->n / 2, sizeof *m->map);
		if (!m->map) {
			L->oom = true;
			return;
		}
		for (size_t i = 0; i + 1 < mp->n; i += 2) {
			const struct ynode *k = mp->kid[i], *val = mp->kid[i + 1];
			char *end;
			double d;
			if (k->kind != Y_SCALAR) {
				err_at(L, k, "map: a key must be a string");
				continue;
			}
			if (k->len > CFG_MAX_NAME) {
				err_at(L, k, "map: a key is longer than %u bytes", CFG_MAX_NAME);
				continue;
			}
			errno = 0;
			d = val->kind == Y_SCALAR && !is_null(val) ? strtod(val->s, &end) : 0;
			if (val->kind != Y_SCALAR || is_null(val) || end == val->s || *end || errno ||
			    d != d) {
				err_at(L, val, "map: the value of '%s' is not a number",
				       cfg_quote(k->s, q, sizeof q));
				continue;
			}
			m->map[m->n_map].key = cfg_strdup(k->s);
			if (!m->map[m->n_map].key) {
				L->oom = true;
				return;
			}
			m->map[m->n_map++].value = d;
		}
	}
}

/* Two usage names that would be the same RRD data source name. */
static bool same_ds_name(const char *a, const char *b)
{
	for (size_t i = 0; i < CFG_USAGE_DS_CHARS; i++) {
		char x = a[i], y = b[i];

		if (!x || !y)
			return !x && !y;
		x = isalnum((unsigned char)x) ? x : '_';
		y = isalnum((unsigned char)y) ? y : '_';
		if (x != y)
			return false;
	}
	return true;
}

/*
 * The counters of u kept over time (see cfg_usage.stored_names): the first
 * CFG_USAGE_STORED counter metrics; two that the RRD file could not tell
 * apart are an error at the second one's name.
 */
static void pick_stored_counters(struct ld *L, struct cfg_usage *u)
{
	u->n_stored = 0;
	for (size_t i = 0; i < u->n_metrics && u->n_stored < CFG_USAGE_STORED; i++) {
		const struct cfg_usage_metric *m = &u->metrics[i];

		if (m->type != CFG_USAGE_COUNTER || !m->name)
			continue;
		for (size_t k = 0; k < u->n_stored; k++)
			if (same_ds_name(u->stored_names[k], m->name))
				err_pos(L, m->mark.line, m->mark.col,
					"name: usage counter '%s' is kept in the RRD file as '%.*s', like '%s': "
					"make the first %d characters differ",
					m->name, CFG_USAGE_DS_CHARS, m->name, u->stored_names[k],
					CFG_USAGE_DS_CHARS);
		u->stored_metric[u->n_stored] = (uint32_t)i;
		u->stored_names[u->n_stored++] = m->name;
	}
}

/* usage: { url, interval, timeout, metrics: [...] } of an onlinedienst. */
void load_usage(struct ld *L, const struct ynode *m, struct cfg_dienst *d)
{
	enum { K_URL, K_INTERVAL, K_TIMEOUT, K_METRICS, K_N };
	static const struct keydef kd[K_N] = {
		{ "url", true }, { "interval", false }, { "timeout", false }, { "metrics", true },
	};
	const struct ynode *v[K_N];
	struct cfg_usage *u;
	const char *s, *why;
	char q[64], a[32], b[32];
	bool empty;

	if (!m || is_null(m) || !want_map(L, m, "usage"))
		return;
	u = calloc(1, sizeof *u);
	if (!u) {
		L->oom = true;
		return;
	}
	d->usage = u;
	u->interval_ms = d->interval_ms;
	u->timeout_ms = d->timeout_ms;
	map_fields(L, m, "usage", kd, K_N, v);
	if (v[K_URL] && (s = want_str(L, v[K_URL], "url"))) {
		if ((why = check_url(s)))
			err_at(L, v[K_URL], "url: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &u->url, s);
	}
	if (v[K_INTERVAL])
		want_dur(L, v[K_INTERVAL], "interval", MIN_INTERVAL_MS, MAX_INTERVAL_MS, &u->interval_ms);
	if (v[K_TIMEOUT])
		want_dur(L, v[K_TIMEOUT], "timeout", MIN_TIMEOUT_MS, MAX_INTERVAL_MS, &u->timeout_ms);
	if (u->timeout_ms > u->interval_ms) {
		if (v[K_TIMEOUT])
			err_at(L, v[K_TIMEOUT], "timeout: %s is longer than the usage interval %s",
			       fmt_dur(u->timeout_ms, a, sizeof a), fmt_dur(u->interval_ms, b, sizeof b));
		u->timeout_ms = u->interval_ms;
	}
	if (!v[K_METRICS] || !want_seq(L, v[K_METRICS], "metrics", &empty))
		return;
	if (empty || v[K_METRICS]->n == 0) {
		err_at(L, v[K_METRICS], "metrics: name at least one metric");
		return;
	}
	if (v[K_METRICS]->n > CFG_USAGE_MAX_METRICS) {
		err_at(L, v[K_METRICS], "metrics: more than %u metrics", CFG_USAGE_MAX_METRICS);
		return;
	}
	u->metrics = calloc(v[K_METRICS]->n, sizeof *u->metrics);
	if (!u->metrics) {
		L->oom = true;
		return;
	}
	u->n_metrics = v[K_METRICS]->n;
	for (size_t i = 0; i < u->n_metrics && !L->oom; i++) {
		load_usage_metric(L, v[K_METRICS]->kid[i], &u->metrics[i]);
		for (size_t j = 0; j < i && u->metrics[i].name; j++)
			if (u->metrics[j].name && strcmp(u->metrics[i].name, u->metrics[j].name) == 0)
				err_pos(L, u->metrics[i].mark.line, u->metrics[i].mark.col,
					"name: duplicate usage metric '%s' (first at line %u)",
					u->metrics[i].name, u->metrics[j].mark.line);
	}
	pick_stored_counters(L, u);
}

/*
 * One family per name across all dienste: the same name must have the same
 * type and label everywhere.
 */
void check_usage_names(struct ld *L)
{
	const struct cfg *c = L->c;
	const struct cfg_usage_metric *first = NULL;

	for (size_t i = 0; i < c->n_dienste; i++) {
		const struct cfg_usage *u = c->dienste[i].usage;
		for (size_t k = 0; u && k < u->n_metrics; k++) {
			const struct cfg_usage_metric *m = &u->metrics[k];
			if (!m->name)
				continue;
			for (size_t j = 0; j <= i; j++) {
				const struct cfg_usage *w = c->dienste[j].usage;
				first = NULL;
				for (size_t l = 0; w && l < w->n_metrics && !first; l++)
					if ((j < i || l < k) && w->metrics[l].name &&
					    same_stem(w->metrics[l].name, w->metrics[l].type, m->name, m->type))
						first = &w->metrics[l];
				if (first)
					break;
			}
			if (first && (first->type != m->type || strcmp(first->name, m->name) != 0 ||
				      strcmp(first->label ? first->label : "", m->label ? m->label : "") != 0))
				err_pos(L, m->mark.line, m->mark.col,
					"name: usage metric '%s' is the family of '%s' at line %u with another "
					"name, type or label (one family per name; OpenMetrics drops a counter's "
					"_total)", m->name, first->name, first->mark.line);
		}
	}
}

void free_usage(struct cfg_usage *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n_metrics; i++) {
		struct cfg_usage_metric *m = &u->metrics[i];
		free(m->name);
		free(m->pointer);
		for (size_t k = 0; k < m->n_seg; k++)
			free(m->seg[k]);
		free(m->seg);
		free(m->label);
		free(m->title);
		for (size_t k = 0; k < m->n_map; k++)
			free(m->map[k].key);
		free(m->map);
	}
	free(u->metrics);
	free(u->url);
	free(u);
}

