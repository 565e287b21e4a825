/* SPDX-License-Identifier: EUPL-1.2 */
/* usage.c - see usage.h. */
#include "collector/usage.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest nesting of arrays and objects in a JSON text (strings skipped). */
static size_t json_depth(const char *s, size_t len, size_t stop_at)
{
	size_t depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max && (max = depth) > stop_at)
				return max;
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

struct walk {
	const struct cfg_usage *u;
	uint32_t metric;
	struct usage_result *r;	/* values appended here; room for USAGE_MAX_VALUES */
	char *err;
	size_t errsz;
};

static const char *kind_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* The number v stands for under metric m; -1 with a message when none. */
static int to_number(struct walk *w, const json_t *v, const char *label, double *out)
{
	const struct cfg_usage_metric *m = &w->u->metrics[w->metric];
	const char *at = label && *label ? " at " : "";

	if (json_is_number(v)) {
		*out = json_number_value(v);
		/* OpenMetrics counters are non-negative: a portal's bug, not a value. */
		if (m->type == CFG_USAGE_COUNTER && *out < 0) {
			snprintf(w->err, w->errsz, "%s: %s%s%s: counter value %.17g is negative",
				 m->name, m->pointer, at, label ? label : "", *out);
			return -1;
		}
		return 0;
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v) ? 1 : 0;
		return 0;
	}
	if (json_is_string(v) && m->n_map > 0) {
		const char *s = json_string_value(v);
		for (size_t i = 0; i < m->n_map; i++)
			if (strcmp(m->map[i].key, s) == 0) {
				*out = m->map[i].value;
				return 0;
			}
		snprintf(w->err, w->errsz, "%s: %s%s%s: string \"%.40s\" is not in its map", m->name,
			 m->pointer, at, label ? label : "", s);
		return -1;
	}
	snprintf(w->err, w->errsz, "%s: %s%s%s: expected a number, found %s", m->name, m->pointer,
		 at, label ? label : "", kind_name(v));
	return -1;
}

static int add_value(struct walk *w, const json_t *v, const char *label)
{
	struct usage_value *uv;

	if (w->r->n == USAGE_MAX_VALUES) {
		snprintf(w->err, w->errsz, "more than %d values in the document", USAGE_MAX_VALUES);
		return -1;
	}
	uv = &w->r->v[w->r->n];
	uv->metric = w->metric;
	snprintf(uv->label, sizeof uv->label, "%s", label ? label : "");
	if (to_number(w, v, label, &uv->v) != 0)
		return -1;
	w->r->n++;
	return 0;
}

/* RFC 6901 array index: "0" or digits without a leading zero, in range. */
static bool array_index(const char *seg, size_t size, size_t *out)
{
	size_t v = 0;

	if (!*seg || (seg[0] == '0' && seg[1]))
		return false;
	for (const char *p = seg; *p; p++) {
		if (*p < '0' || *p > '9' || v > size)
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (v >= size)
		return false;
	*out = v;
	return true;
}

/* Resolves segments [k, n_seg) of the metric's pointer below node. */
static int walk(struct walk *w, const json_t *node, size_t k, const char *label)
{
	const struct cfg_usage_metric *m = &w->u->metrics[w->metric];

	for (; k < m->n_seg; k++) {
		const char *seg = m->seg[k];
		const json_t *member;
		size_t idx;

		if (k == m->wildcard) {
			char key[USAGE_LABEL_MAX];
			if (json_is_object(node)) {
				const char *name;
				json_t *child;
				json_object_foreach((json_t *)(uintptr_t)node, name, child) {
					if (strlen(name) >= sizeof key) {
						snprintf(w->err, w->errsz, "%s: %s: key \"%.20s...\" is longer "
							 "than %d bytes", m->name, m->pointer, name,
							 USAGE_LABEL_MAX - 1);
						return -1;
					}
					if (walk(w, child, k + 1, name) != 0)
						return -1;
				}
				return 0;
			}
			if (json_is_array(node)) {
				for (size_t i = 0; i < json_array_size(node); i++) {
					snprintf(key, sizeof key, "%zu", i);
					if (walk(w, json_array_get(node, i), k + 1, key) != 0)
						return -1;
				}
				return 0;
			}
			snprintf(w->err, w->errsz, "%s: %s: '*' meets %s, not an object or array", m->name,
				 m->pointer, kind_name(node));
			return -1;
		}
		if ((member = json_object_get(node, seg))) {	/* NULL unless an object with it */
			node = member;
		} else if (json_is_array(node) && array_index(seg, json_array_size(node), &idx)) {
			node = json_array_get(node, idx);
		} else {
			snprintf(w->err, w->errsz, "%s: %s%s%s: no member \"%.40s\" (found %s)", m->name,
				 m->pointer, label ? " at " : "", label ? label : "", seg, kind_name(node));
			return -1;
		}
	}
	return add_value(w, node, label);
}

struct usage_result *usage_extract(const struct cfg_usage *u, const char *body, size_t len,
				   int64_t now_ms, char *err, size_t errsz)
{
	struct usage_result *r;
	json_t *doc;
	json_error_t je;
	struct walk w;

	if (!body || len == 0) {
		snprintf(err, errsz, "empty document");
		return NULL;
	}
	if (json_depth(body, len, USAGE_MAX_DEPTH) > USAGE_MAX_DEPTH) {
		snprintf(err, errsz, "nested deeper than %d levels", USAGE_MAX_DEPTH);
		return NULL;
	}
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!doc) {
		snprintf(err, errsz, "not JSON: %s at line %d, column %d", je.text, je.line, je.column);
		return NULL;
	}
	r = calloc(1, sizeof *r + USAGE_MAX_VALUES * sizeof r->v[0]);
	if (!r) {
		json_decref(doc);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	atomic_init(&r->refs, 1);
	w.u = u;
	w.r = r;
	w.err = err;
	w.errsz = errsz;
	for (size_t i = 0; i < u->n_metrics; i++) {
		w.metric = (uint32_t)i;
		if (walk(&w, doc, 0, NULL) != 0) {
			json_decref(doc);
			free(r);
			return NULL;
		}
	}
	json_decref(doc);
	{
		/* Give back the room not used. */
		struct usage_result *small = realloc(r, sizeof *r + r->n * sizeof r->v[0]);
		if (small)
			r = small;
	}
	r->ok = true;
	r->fetched_ms = now_ms;
	r->last_ok_ms = now_ms;
	return r;
}

struct usage_result *usage_failed(const char *why, int64_t now_ms, int64_t last_ok_ms)
{
	struct usage_result *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	r->fetched_ms = now_ms;
	r->last_ok_ms = last_ok_ms;
	snprintf(r->error, sizeof r->error, "%s", why);
	return r;
}

/* The value of metric/label in r, trying index hint first; NULL when absent. */
static const struct usage_value *find_value(const struct usage_result *r, size_t hint,
					    uint32_t metric, const char *label)
{
	if (hint < r->n && r->v[hint].metric == metric && strcmp(r->v[hint].label, label) == 0)
		return &r->v[hint];
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].metric == metric && strcmp(r->v[i].label, label) == 0)
			return &r->v[i];
	return NULL;
}

size_t usage_resets(const struct cfg_usage *u, const struct usage_result *prev,
		    const struct usage_result *cur, char *first, size_t firstsz)
{
	size_t n = 0;

	if (first && firstsz)
		first[0] = '\0';
	if (!u || !prev || !cur || !prev->ok || !cur->ok)
		return 0;
	for (size_t i = 0; i < cur->n; i++) {
		const struct usage_value *cv = &cur->v[i], *pv;
		const struct cfg_usage_metric *m;

		if (cv->metric >= u->n_metrics)
			continue;
		m = &u->metrics[cv->metric];
		if (m->type != CFG_USAGE_COUNTER)
			continue;
		pv = find_value(prev, i, cv->metric, cv->label);
		if (!pv || !(cv->v < pv->v))
			continue;
		if (n == 0 && first && firstsz)
			snprintf(first, firstsz, "%s%s%s: %s: %.17g -> %.17g", m->name,
				 cv->label[0] ? " at " : "", cv->label, m->pointer, pv->v, cv->v);
		n++;
	}
	return n;
}

bool usage_same_document(const struct cfg_usage *a, const struct cfg_usage *b)
{
	return a && b && a->url && b->url && strcmp(a->url, b->url) == 0;
}

/*
 * The values of metric `name` in Dienst d's latest fetch, added up; false
 * when d's fetch failed or it has no such metric or value.
 */
static bool fetched_value(const struct snapshot *s, size_t d, const char *name, double *out)
{
	const struct cfg_usage *u = s->cfg->dienste[d].usage;
	const struct usage_result *r = s->t[d].usage;
	bool any = false;
	size_t k;

	if (!u || !r || !r->ok)
		return false;
	for (k = 0; k < u->n_metrics; k++)
		if (u->metrics[k].name && strcmp(u->metrics[k].name, name) == 0)
			break;
	if (k == u->n_metrics)
		return false;
	*out = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].metric == k && isfinite(r->v[i].v)) {
			*out += r->v[i].v;
			any = true;
		}
	return any;
}

double usage_sum(const struct snapshot *s, const unsigned char *sel, const char *name, size_t *docs)
{
	double sum = 0, v;
	size_t n = 0;

	for (size_t d = 0; s && name && d < s->n; d++) {
		bool counted = false;

		if ((sel && !sel[d]) || !fetched_value(s, d, name, &v))
			continue;
		/* A Dienst before it with a value from the same document counted it already. */
		for (size_t j = 0; j < d && !counted; j++) {
			double x;
			counted = (!sel || sel[j]) &&
				  usage_same_document(s->cfg->dienste[j].usage, s->cfg->dienste[d].usage) &&
				  fetched_value(s, j, name, &x);
		}
		if (counted)
			continue;
		sum += v;
		n++;
	}
	if (docs)
		*docs = n;
	return n ? sum : NAN;
}
