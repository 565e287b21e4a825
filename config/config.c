/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * config.c - the YAML configuration: reading, schema checks, cross-checks
 * against the registers, the resulting struct cfg.  See config.h.
 *
 * The file is hostile input.  It is read whole with a size cap, parsed with
 * libyaml's event API into a small tree of our own (so that every node keeps
 * its position, anchors/aliases/tags are refused before anything could be
 * expanded, and nesting depth and node count are bounded), then walked once
 * against the schema.  Every problem becomes one entry in struct cfg_errors;
 * the walk goes on after an error, so a single run reports all of them.
 */
#include "config/config.h"
#include "common/secfile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yaml.h>

#include "config/csv.h"
#include "config/registers.h"

#define CFG_MAX_FILE (4u << 20)		/* bytes of YAML */
#define CFG_MAX_DEPTH 64		/* nested lists/mappings */
#define CFG_MAX_NODES 1000000u		/* YAML nodes of one file */
#define CFG_MAX_URL 2048u		/* bytes of one URL */
#define CFG_MAX_BODY_MATCH 4096u	/* bytes of probe.body_contains */
#define CFG_MAX_ID 64u

#define MIN_INTERVAL_MS 1000u
#define MAX_INTERVAL_MS (24u * 3600u * 1000u)
#define MIN_TIMEOUT_MS 100u

/* ---- errors ---------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

__attribute__((format(printf, 5, 0)))
static int cfg_verrf(struct cfg_errors *e, const char *file, unsigned line, unsigned col,
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
	err->file = xstrdup(file ? file : "");
	err->msg = xstrdup(msg);
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
static void sort_errors(struct cfg_errors *e, size_t from, const char *cfgfile)
{
	const char *files[REG_NFILES + 2];
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
static const char *fmt_dur(unsigned ms, char *out, size_t outsz)
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

/* ---- YAML tree --------------------------------------------------------------- */

enum ykind { Y_SCALAR = 0, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	bool plain;		/* scalar written without quotes (may be null/bool/int) */
	unsigned line, col;	/* 1-based start */
	char *s;		/* scalar text, NUL-terminated; owned */
	size_t len;
	struct ynode **kid;	/* Y_SEQ: items; Y_MAP: key, value, key, value, ...; owned */
	size_t n, cap;
};

static void ynode_free(struct ynode *y)
{
	if (!y)
		return;
	/* Recursion depth is bounded by CFG_MAX_DEPTH. */
	for (size_t i = 0; i < y->n; i++)
		ynode_free(y->kid[i]);
	free(y->kid);
	free(y->s);
	free(y);
}

/* The loader's state for one cfg_load(). */
struct ld {
	const char *file;	/* the config path (owned by the cfg) */
	struct cfg_errors *e;
	struct cfg *c;
	bool oom;
	const struct ynode *global_maint;	/* global.maintenance, applied after the dienste */
};

__attribute__((format(printf, 4, 5)))
static void err_pos(struct ld *L, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (cfg_verrf(L->e, L->file, line, col, fmt, ap) != 0)
		L->oom = true;
	va_end(ap);
}

#define err_at(L, node, ...) err_pos((L), (node)->line, (node)->col, __VA_ARGS__)

/* Builds the tree from libyaml events. */
struct ybuild {
	struct ld *L;
	struct ynode *stack[CFG_MAX_DEPTH];
	int depth;
	struct ynode *root;
	size_t nodes;
	bool refused;		/* anchors, aliases, tags or NULs seen: the tree is not walked */
	bool stop;		/* a limit was hit: stop reading events */
};

static int yb_attach(struct ybuild *b, struct ynode *y)
{
	struct ynode *parent;

	if (b->depth == 0) {
		if (b->root) {
			ynode_free(y);
			return 0;
		}
		b->root = y;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ynode **k = realloc(parent->kid, cap * sizeof *k);
		if (!k) {
			ynode_free(y);
			return -1;
		}
		parent->kid = k;
		parent->cap = cap;
	}
	parent->kid[parent->n++] = y;
	return 0;
}

static struct ynode *yb_new(struct ybuild *b, enum ykind kind, const yaml_mark_t *m)
{
	struct ynode *y;

	if (++b->nodes > CFG_MAX_NODES) {
		err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"more than %u YAML nodes", CFG_MAX_NODES);
		b->stop = true;
		return NULL;
	}
	y = calloc(1, sizeof *y);
	if (!y) {
		b->L->oom = true;
		b->stop = true;
		return NULL;
	}
	y->kind = kind;
	y->line = (unsigned)m->line + 1;
	y->col = (unsigned)m->column + 1;
	return y;
}

/* Refuses anchors and explicit tags on a node; true when the node is acceptable. */
static bool yb_plain_node(struct ybuild *b, const yaml_mark_t *m, const yaml_char_t *anchor,
			  const yaml_char_t *tag)
{
	char q[64];

	if (anchor) {
		err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"YAML anchors and aliases are not supported (anchor '&%s')",
			cfg_quote((const char *)anchor, q, sizeof q));
		b->refused = true;
		return false;
	}
	if (tag) {
		static const char std[] = "tag:yaml.org,2002:";
		const char *t = (const char *)tag;
		bool is_std = strncmp(t, std, sizeof std - 1) == 0;
		err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"YAML tags are not supported (tag '%s%s')", is_std ? "!!" : "",
			cfg_quote(is_std ? t + sizeof std - 1 : t, q, sizeof q));
		b->refused = true;
		return false;
	}
	return true;
}

/* Line and column (1-based, in characters) of byte offset off of buf. */
static void offset_pos(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)buf[i] & 0xC0u) != 0x80u) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static void yb_syntax_error(struct ybuild *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		b->L->oom = true;
		err_pos(b->L, 0, 0, "out of memory while parsing");
		return;
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &line, &col);
		err_pos(b->L, line, col, "YAML syntax error: %s",
			p->problem ? p->problem : "unreadable input");
		return;
	default:
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
		if (p->context)
			err_pos(b->L, line, col, "YAML syntax error: %s (%s at line %u, column %u)",
				p->problem ? p->problem : "invalid YAML", p->context,
				(unsigned)p->context_mark.line + 1,
				(unsigned)p->context_mark.column + 1);
		else
			err_pos(b->L, line, col, "YAML syntax error: %s",
				p->problem ? p->problem : "invalid YAML");
		return;
	}
}

/* Handles one event; returns false when reading must stop. */
static bool yb_event(struct ybuild *b, const yaml_event_t *ev, int *docs)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct ynode *y;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
				"only one YAML document is allowed per file");
			b->refused = true;
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT: {
		char q[64];
		err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"YAML anchors and aliases are not supported (alias '*%s')",
			cfg_quote((const char *)ev->data.alias.anchor, q, sizeof q));
		b->refused = true;
		return true;
	}
	case YAML_SCALAR_EVENT:
		if (!yb_plain_node(b, m, ev->data.scalar.anchor, ev->data.scalar.tag))
			return true;
		if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length)) {
			err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
				"NUL character in a string");
			b->refused = true;
			return true;
		}
		y = yb_new(b, Y_SCALAR, m);
		if (!y)
			return false;
		y->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		y->len = ev->data.scalar.length;
		y->s = malloc(y->len + 1);
		if (!y->s) {
			ynode_free(y);
			b->L->oom = true;
			return false;
		}
		memcpy(y->s, ev->data.scalar.value, y->len);
		y->s[y->len] = '\0';
		if (yb_attach(b, y) != 0) {
			b->L->oom = true;
			return false;
		}
		return true;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor
						: ev->data.mapping_start.anchor;
		const yaml_char_t *tag = seq ? ev->data.sequence_start.tag
					     : ev->data.mapping_start.tag;
		if (b->depth >= CFG_MAX_DEPTH) {
			err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
				"nesting deeper than %d levels", CFG_MAX_DEPTH);
			b->refused = true;
			return false;
		}
		/* A refused node is still built, so the structure stays consistent. */
		(void)yb_plain_node(b, m, anchor, tag);
		y = yb_new(b, seq ? Y_SEQ : Y_MAP, m);
		if (!y)
			return false;
		if (yb_attach(b, y) != 0) {
			b->L->oom = true;
			return false;
		}
		b->stack[b->depth++] = y;
		return true;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		return true;
	case YAML_STREAM_END_EVENT:
		return false;
	default:
		return true;
	}
}

/*
 * Parses buf into a tree.  Returns the root (NULL for an empty document or on
 * any error); *bad is set when an error was reported.
 */
static struct ynode *yaml_tree(struct ld *L, const char *buf, size_t len, bool *bad)
{
	yaml_parser_t p;
	struct ybuild b;
	int docs = 0;
	size_t nerr = L->e->n;

	memset(&b, 0, sizeof b);
	b.L = L;
	if (!yaml_parser_initialize(&p)) {
		L->oom = true;
		*bad = true;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	/* Bounded: every event consumes input; nodes are capped in yb_new(). */
	while (!b.stop) {
		yaml_event_t ev;
		bool go;
		if (!yaml_parser_parse(&p, &ev)) {
			yb_syntax_error(&b, &p, buf, len);
			b.refused = true;
			break;
		}
		go = yb_event(&b, &ev, &docs);
		yaml_event_delete(&ev);
		if (!go)
			break;
	}
	yaml_parser_delete(&p);
	if (b.refused || b.stop || L->oom || L->e->n != nerr) {
		ynode_free(b.root);
		*bad = true;
		return NULL;
	}
	return b.root;
}

/* ---- scalar types ---------------------------------------------------------- */

static bool is_null(const struct ynode *y)
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

static bool is_int(const struct ynode *y)
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
static const char *describe(const struct ynode *y, char *out, size_t outsz)
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

static bool want_map(struct ld *L, const struct ynode *y, const char *key)
{
	char d[96];

	if (y->kind == Y_MAP)
		return true;
	err_at(L, y, "%s: expected a mapping, found %s", key, describe(y, d, sizeof d));
	return false;
}

/* A list, or null (then *empty is set): true.  Anything else is reported. */
static bool want_seq(struct ld *L, const struct ynode *y, const char *key, bool *empty)
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
static const char *want_str(struct ld *L, const struct ynode *y, const char *key)
{
	char d[96];

	if (y->kind == Y_SCALAR && !is_null(y))
		return y->s;
	err_at(L, y, "%s: expected a string, found %s", key, describe(y, d, sizeof d));
	return NULL;
}

/* A non-empty string without control characters. */
static const char *want_text(struct ld *L, const struct ynode *y, const char *key)
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

/* Replaces *dst with a copy of s. */
static void set_str(struct ld *L, char **dst, const char *s)
{
	char *d = xstrdup(s);

	if (!d) {
		L->oom = true;
		return;
	}
	free(*dst);
	*dst = d;
}

static bool want_int(struct ld *L, const struct ynode *y, const char *key, long lo, long hi,
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

static bool want_bool(struct ld *L, const struct ynode *y, const char *key, bool *out)
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

static bool want_dur(struct ld *L, const struct ynode *y, const char *key, unsigned lo,
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

/* ---- mappings against a key table ------------------------------------------ */

struct keydef {
	const char *name;
	bool required;
};

#define KEYS_MAX 24

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
static void map_fields(struct ld *L, const struct ynode *m, const char *what,
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

static bool valid_id(const char *s)
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
static const char *check_hostport(const char *s, size_t n, bool need_port)
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
static const char *check_url(const char *url)
{
	size_t n = strlen(url), skip, alen;
	const char *auth;

	if (n > CFG_MAX_URL)
		return "is longer than 2048 bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return "contains whitespace or control characters";
	if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else
		return "must start with http:// or https://";
	auth = url + skip;
	alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen))
		return "must not contain credentials (user:password@)";
	return check_hostport(auth, alen, false);
}

/* ---- sections ---------------------------------------------------------------- */

/*
 * global.rrdcached: "unix:/absolute/path", "/absolute/path" or "host:port".
 * NULL node: not set.
 */
static void load_global_store(struct ld *L, const struct ynode *y)
{
	const char *s, *why = NULL;
	char q[64];

	if (!y || !(s = want_text(L, y, "rrdcached")))
		return;
	if (strncmp(s, "unix:", 5) == 0 || s[0] == '/') {
		const char *p = s[0] == '/' ? s : s + 5;
		if (p[0] != '/')
			why = "needs an absolute socket path after unix:";
		else if (strlen(p) >= 108)
			why = "has a socket path longer than 107 bytes";
		else if (strpbrk(p, " \t\n"))
			why = "contains whitespace";
	} else {
		why = check_hostport(s, strlen(s), true);
	}
	if (why)
		err_at(L, y, "rrdcached: '%s' %s (expected unix:/path/to/socket or host:port)",
		       cfg_quote(s, q, sizeof q), why);
	else
		set_str(L, &L->c->global.rrdcached, s);
}

static void load_global_probe(struct ld *L, const struct ynode *body_limit);

/* global.rollout: { online_min, fulfilled_min, reliable_availability, unmeasured, weighting } */
static void load_global_rollout(struct ld *L, const struct ynode *m)
{
	enum { R_ONLINE, R_FULFILLED, R_RELIABLE, R_UNMEASURED, R_WEIGHTING, R_N };
	static const struct keydef kd[R_N] = {
		{ "online_min", false }, { "fulfilled_min", false },
		{ "reliable_availability", false }, { "unmeasured", false }, { "weighting", false },
	};
	struct cfg_rollout *r = &L->c->global.rollout;
	const struct ynode *v[R_N];
	const char *s;
	char q[64];
	long n;

	if (!m)
		return;
	if (m->kind != Y_MAP) {
		err_at(L, m, "rollout: expected a mapping");
		return;
	}
	map_fields(L, m, "rollout", kd, R_N, v);
	if (v[R_ONLINE] && want_int(L, v[R_ONLINE], "online_min", 1, 7, &n))
		r->online_min = (int)n;
	if (v[R_FULFILLED] && want_int(L, v[R_FULFILLED], "fulfilled_min", 1, 7, &n))
		r->fulfilled_min = (int)n;
	if (r->fulfilled_min < r->online_min)
		err_at(L, v[R_FULFILLED] ? v[R_FULFILLED] : m,
		       "fulfilled_min: %d is below online_min %d", r->fulfilled_min, r->online_min);
	if (v[R_RELIABLE] && (s = want_text(L, v[R_RELIABLE], "reliable_availability"))) {
		char *end;
		long pct = strtol(s, &end, 10);
		if (end == s || strcmp(end, "%") != 0 || pct < 1 || pct > 100)
			err_at(L, v[R_RELIABLE], "reliable_availability: '%s' is not a percentage "
			       "from 1%% to 100%% (e.g. \"95%%\")", cfg_quote(s, q, sizeof q));
		else
			r->reliable_pct = (unsigned)pct;
	}
	if (v[R_UNMEASURED] && (s = want_text(L, v[R_UNMEASURED], "unmeasured"))) {
		if (strcmp(s, "reliable") == 0)
			r->unknown_is_reliable = true;
		else if (strcmp(s, "unreliable") == 0)
			r->unknown_is_reliable = false;
		else
			err_at(L, v[R_UNMEASURED], "unmeasured: '%s' is not reliable or unreliable",
			       cfg_quote(s, q, sizeof q));
	}
	if (v[R_WEIGHTING] && (s = want_text(L, v[R_WEIGHTING], "weighting"))) {
		if (strcmp(s, "availability") == 0)
			r->weight_availability = true;
		else if (strcmp(s, "threshold") == 0)
			r->weight_availability = false;
		else
			err_at(L, v[R_WEIGHTING], "weighting: '%s' is not threshold or availability",
			       cfg_quote(s, q, sizeof q));
	}
}

/* global.dashboards_dir and global.dashboards_every (either may be NULL: absent). */
static void load_global_dashboards(struct ld *L, const struct ynode *dir, const struct ynode *every)
{
	struct cfg_global *g = &L->c->global;
	const char *s;

	if (dir && (s = want_text(L, dir, "dashboards_dir"))) {
		if (!*s)
			err_at(L, dir, "dashboards_dir: must not be empty");
		else
			set_str(L, &g->dashboards_dir, s);
	}
	if (every)
		want_dur(L, every, "dashboards_every", 1000, MAX_INTERVAL_MS, &g->dashboards_every_ms);
}

/* ---- sharding ------------------------------------------------------------- */

uint64_t cfg_shard_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)id; p && *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

unsigned cfg_shard_of(const char *id, unsigned n)
{
	return n ? (unsigned)(cfg_shard_hash(id) % n) + 1 : 1;
}

/* Parses a decimal 1 .. CFG_SHARDS_MAX from s[0..len); 0 when it is not one. */
static unsigned shard_number(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= CFG_SHARDS_MAX ? v : 0;
}

/* global.shard: "i/n" with 1 <= i <= n <= CFG_SHARDS_MAX.  NULL node: not sharded. */
static void load_global_shard(struct ld *L, const struct ynode *y)
{
	const char *s, *slash;
	unsigned i, n;
	char q[64];

	if (!y || !(s = want_text(L, y, "shard")))
		return;
	slash = strchr(s, '/');
	i = slash ? shard_number(s, (size_t)(slash - s)) : 0;
	n = slash ? shard_number(slash + 1, strlen(slash + 1)) : 0;
	if (!i || !n) {
		err_at(L, y, "shard: '%s' is not i/n with 1 <= i <= n <= %u (e.g. \"1/4\")",
		       cfg_quote(s, q, sizeof q), CFG_SHARDS_MAX);
		return;
	}
	if (i > n) {
		err_at(L, y, "shard: %u/%u names a shard beyond the %u shards (shards count from 1)",
		       i, n, n);
		return;
	}
	L->c->global.shard_index = i;
	L->c->global.shard_count = n;
}

/*
 * Keeps only this shard's Onlinedienste and the Angebote naming them, after
 * the whole file validated (so --check-config checks every entry on every
 * shard).  The dropped Onlinedienste are freed through a scratch cfg that
 * holds nothing else.  Order is kept: cfg.dienste stays sorted by id.
 */
static void apply_shard(struct ld *L)
{
	struct cfg *c = L->c, *drop;
	unsigned n = c->global.shard_count, me = c->global.shard_index;
	size_t *map, kept = 0, nd = 0, na = 0;

	c->n_dienste_file = c->n_dienste;
	c->n_angebote_file = c->n_angebote;
	if (n == 0 || c->n_dienste == 0)
		return;
	drop = calloc(1, sizeof *drop);
	map = malloc(c->n_dienste * sizeof *map);
	if (drop)
		drop->dienste = calloc(c->n_dienste, sizeof *drop->dienste);
	if (!drop || !map || !drop->dienste) {
		if (drop)
			free(drop->dienste);
		free(drop);
		free(map);
		L->oom = true;
		return;
	}
	for (size_t d = 0; d < c->n_dienste; d++) {
		if (cfg_shard_of(c->dienste[d].id, n) == me) {
			map[d] = kept;
			c->dienste[kept++] = c->dienste[d];
		} else {
			map[d] = SIZE_MAX;
			drop->dienste[nd++] = c->dienste[d];
		}
	}
	drop->n_dienste = nd;
	c->n_dienste = kept;
	for (size_t a = 0; a < c->n_angebote; a++) {
		if (map[c->angebote[a].dienst] == SIZE_MAX)
			continue;
		c->angebote[na] = c->angebote[a];
		c->angebote[na++].dienst = map[c->angebote[a].dienst];
	}
	c->n_angebote = na;
	free(map);
	cfg_free(drop);
}

/*
 * global.user and global.group (either may be NULL: absent): a POSIX
 * portable account name ([A-Za-z_][A-Za-z0-9._-]*, at most 32 bytes, a
 * trailing '$' allowed) or a numeric id.  Whether it exists is the daemon's
 * question at start, so --check-config works on another machine.
 */
static void load_global_privileges(struct ld *L, const struct ynode *user,
				   const struct ynode *group)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	struct cfg_global *g = &L->c->global;

	for (int k = 0; k < 2; k++) {
		const struct ynode *y = k == 0 ? user : group;
		const char *key = k == 0 ? "user" : "group", *s;
		size_t n, body;
		char q[64];

		if (!y || !(s = want_text(L, y, key)))
			continue;
		n = strlen(s);
		body = strspn(s, "0123456789");
		if (body != n || n == 0 || n > 10) {
			body = strspn(s, first) ? 1 + strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
							   "abcdefghijklmnopqrstuvwxyz0123456789._-") : 0;
			if (n == 0 || n > 32 || (body != n && !(body == n - 1 && s[n - 1] == '$'))) {
				err_at(L, y, "%s: '%s' is not an account name or a numeric id", key,
				       cfg_quote(s, q, sizeof q));
				continue;
			}
		}
		set_str(L, k == 0 ? &g->user : &g->group, s);
	}
	if (group && !user && g->group)
		err_at(L, group, "group: needs global.user as well");
}

static void load_global(struct ld *L, const struct ynode *m)
{
	enum { K_LISTEN, K_DATA_DIR, K_INTERVAL, K_TIMEOUT, K_MAXC, K_MAXH, K_LANG, K_LOG,
	       K_CONNECT_TO, K_RESOLVE, K_REIFEGRAD, K_RRDCACHED, K_BODY_LIMIT, K_MAINT, K_ROLLOUT,
	       K_DASH_DIR, K_DASH_EVERY, K_SHARD, K_USER, K_GROUP, K_N };
	static const struct keydef kd[K_N] = {
		{ "listen", false }, { "data_dir", false }, { "interval", false },
		{ "timeout", false }, { "max_concurrency", false }, { "max_per_host", false },
		{ "language", false }, { "log_level", false }, { "connect_to", false },
		{ "resolve", false }, { "reifegrad_max", false }, { "rrdcached", false },
		{ "body_limit", false }, { "maintenance", false }, { "rollout", false },
		{ "dashboards_dir", false }, { "dashboards_every", false },
		{ "shard", false }, { "user", false }, { "group", false },
	};
	struct cfg_global *g = &L->c->global;
	const struct ynode *v[K_N];
	const char *s;
	long n;
	char a[64], b[64];

	map_fields(L, m, "global", kd, K_N, v);
	load_global_store(L, v[K_RRDCACHED]);
	load_global_probe(L, v[K_BODY_LIMIT]);
	L->global_maint = v[K_MAINT];
	load_global_rollout(L, v[K_ROLLOUT]);
	load_global_dashboards(L, v[K_DASH_DIR], v[K_DASH_EVERY]);
	load_global_shard(L, v[K_SHARD]);
	load_global_privileges(L, v[K_USER], v[K_GROUP]);
	if (v[K_LISTEN] && (s = want_text(L, v[K_LISTEN], "listen"))) {
		const char *why = check_hostport(s, strlen(s), true);
		if (why)
			err_at(L, v[K_LISTEN], "listen: '%s' %s (expected host:port, "
			       "e.g. 127.0.0.1:9717 or [::1]:9717)", cfg_quote(s, a, sizeof a), why);
		else
			set_str(L, &g->listen, s);
	}
	if (v[K_DATA_DIR] && (s = want_text(L, v[K_DATA_DIR], "data_dir")))
		set_str(L, &g->data_dir, s);
	if (v[K_INTERVAL])
		want_dur(L, v[K_INTERVAL], "interval", MIN_INTERVAL_MS, MAX_INTERVAL_MS,
			 &g->interval_ms);
	if (v[K_TIMEOUT]) {
		unsigned t;
		if (want_dur(L, v[K_TIMEOUT], "timeout", MIN_TIMEOUT_MS, MAX_INTERVAL_MS, &t)) {
			if (t > g->interval_ms)
				err_at(L, v[K_TIMEOUT], "timeout: %s is longer than the interval %s",
				       fmt_dur(t, a, sizeof a), fmt_dur(g->interval_ms, b, sizeof b));
			else
				g->timeout_ms = t;
		}
	} else if (g->timeout_ms > g->interval_ms) {
		g->timeout_ms = g->interval_ms;	/* the default never exceeds the interval */
	}
	if (v[K_MAXC] && want_int(L, v[K_MAXC], "max_concurrency", 1, 65536, &n))
		g->max_concurrency = (unsigned)n;
	if (v[K_MAXH] && want_int(L, v[K_MAXH], "max_per_host", 1, 1024, &n))
		g->max_per_host = (unsigned)n;
	if (v[K_LANG] && (s = want_text(L, v[K_LANG], "language"))) {
		if (strcmp(s, "de") != 0 && strcmp(s, "en") != 0)
			err_at(L, v[K_LANG], "language: '%s' is not supported (expected de or en)",
			       cfg_quote(s, a, sizeof a));
		else
			set_str(L, &g->language, s);
	}
	if (v[K_LOG] && (s = want_text(L, v[K_LOG], "log_level"))) {
		if (strcmp(s, "debug") != 0 && strcmp(s, "info") != 0 && strcmp(s, "warn") != 0 &&
		    strcmp(s, "error") != 0)
			err_at(L, v[K_LOG], "log_level: '%s' is not one of debug, info, warn, error",
			       cfg_quote(s, a, sizeof a));
		else
			set_str(L, &g->log_level, s);
	}
	if (v[K_REIFEGRAD] && want_int(L, v[K_REIFEGRAD], "reifegrad_max", 0, 7, &n)) {
		if (n != 4 && n != 7)
			err_at(L, v[K_REIFEGRAD], "reifegrad_max: %ld must be 4 (maturity model 1.1) "
			       "or 7 (model 2.0)", n);
		else
			g->reifegrad_max = (int)n;
	}
	for (int k = 0; k < 2; k++) {
		const struct ynode *lst = v[k == 0 ? K_CONNECT_TO : K_RESOLVE];
		const char *key = k == 0 ? "connect_to" : "resolve";
		size_t min_colons = k == 0 ? 3 : 2;
		char ***dst = k == 0 ? &g->connect_to : &g->resolve;
		size_t *ndst = k == 0 ? &g->n_connect_to : &g->n_resolve;
		bool empty;

		if (!lst || !want_seq(L, lst, key, &empty) || empty || lst->n == 0)
			continue;
		*dst = calloc(lst->n, sizeof **dst);
		if (!*dst) {
			L->oom = true;
			return;
		}
		for (size_t i = 0; i < lst->n; i++) {
			const struct ynode *it = lst->kid[i];
			size_t colons = 0;
			if (!(s = want_text(L, it, key)))
				continue;
			for (const char *p = s; *p; p++)
				colons += *p == ':';
			if (strpbrk(s, " \t") || colons < min_colons) {
				err_at(L, it, "%s: '%s' is not a curl %s entry (%s)", key,
				       cfg_quote(s, a, sizeof a), k == 0 ? "CONNECT_TO" : "RESOLVE",
				       k == 0 ? "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT"
					      : "HOST:PORT:ADDRESS[,ADDRESS]");
				continue;
			}
			(*dst)[*ndst] = xstrdup(s);
			if (!(*dst)[*ndst]) {
				L->oom = true;
				return;
			}
			(*ndst)++;
		}
	}
}

/* Paths of the register files, resolved against the config file's folder. */
struct reg_paths {
	char *path[REG_NFILES];		/* owned; NULL when absent or bad */
	const struct ynode *node[REG_NFILES];
};

static char *resolve_path(const char *cfgpath, const char *p)
{
	const char *slash = strrchr(cfgpath, '/');
	size_t dl, pl;
	char *out;

	if (p[0] == '/' || !slash)
		return xstrdup(p);
	dl = (size_t)(slash - cfgpath) + 1;
	pl = strlen(p);
	out = malloc(dl + pl + 1);
	if (!out)
		return NULL;
	memcpy(out, cfgpath, dl);
	memcpy(out + dl, p, pl + 1);
	return out;
}

static void load_registers(struct ld *L, const struct ynode *m, struct reg_paths *rp)
{
	enum { K_LAND, K_KREISE, K_VERBAENDE, K_GEMEINDEN, K_LEISTUNGEN, K_GEO, K_N };
	static const struct keydef kd[K_N] = {
		{ "land", true }, { "kreise", true }, { "verbaende", true },
		{ "gemeinden", true }, { "leistungen", true }, { "geo", false },
	};
	static const struct keydef land_kd[2] = { { "key", true }, { "name", true } };
	static const int file_of[K_N] = { -1, REG_KREISE, REG_VERBAENDE, REG_GEMEINDEN,
					  REG_LEISTUNGEN, -1 };
	struct registers *r = &L->c->reg;
	const struct ynode *v[K_N], *lv[2];
	const char *s;
	char q[64];

	map_fields(L, m, "registers", kd, K_N, v);
	if (v[K_LAND] && want_map(L, v[K_LAND], "land")) {
		map_fields(L, v[K_LAND], "registers.land", land_kd, 2, lv);
		if (lv[0] && (s = want_str(L, lv[0], "key"))) {
			if (!reg_is_digits(s, 2))
				err_at(L, lv[0], "key: '%s' must be a 2-digit Land key (e.g. \"16\")",
				       cfg_quote(s, q, sizeof q));
			else
				memcpy(r->land_key, s, 3);
		}
		if (lv[1] && (s = want_text(L, lv[1], "name")))
			set_str(L, &r->land_name, s);
	}
	/* The map geometry is read by the dashboards (dashboards/map.h), not here. */
	if (v[K_GEO] && (s = want_text(L, v[K_GEO], "geo")) && !(r->geo = resolve_path(L->file, s)))
		L->oom = true;
	for (int k = K_KREISE; k < K_GEO; k++) {
		int f = file_of[k];
		if (!v[k] || !(s = want_text(L, v[k], kd[k].name)))
			continue;
		rp->node[f] = v[k];
		rp->path[f] = resolve_path(L->file, s);
		if (!rp->path[f])
			L->oom = true;
	}
}

/* Per-entry state of an onlinedienst kept until the end of the load. */
struct dienst_src {
	const struct ynode *id;		/* the id value (NULL when bad) */
	unsigned line;			/* of the id value */
};

/* ---- probe depth: checks, redirects, address family, TLS, credentials ------ */

#define CFG_MAX_AUTH_FILE 4096u		/* bytes of a credentials file */
#define CFG_MAX_CA_FILE (4u << 20)		/* bytes of a CA bundle */
#define CFG_MAX_HEADERS 32u		/* request headers of one probe */
#define CFG_MAX_CHECKS 32u		/* body or header checks of one kind */

/* Compiles s into *rx as an ERE; reports a bad expression at node y. */
static bool compile_regex(struct ld *L, const struct ynode *y, const char *key, const char *s,
			  struct cfg_regex *rx)
{
	char why[256], q[64];
	int rc;

	if (*s == '\0') {
		err_at(L, y, "%s: must not be empty", key);
		return false;
	}
	if (strlen(s) > CFG_MAX_BODY_MATCH) {
		err_at(L, y, "%s: longer than %u bytes", key, CFG_MAX_BODY_MATCH);
		return false;
	}
	rc = regcomp(&rx->re, s, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &rx->re, why, sizeof why);
		err_at(L, y, "%s: bad regular expression '%s': %s", key, cfg_quote(s, q, sizeof q), why);
		return false;
	}
	rx->src = xstrdup(s);
	if (!rx->src) {
		regfree(&rx->re);
		L->oom = true;
		return false;
	}
	return true;
}

static void free_regex(struct cfg_regex *rx)
{
	if (!rx->src)
		return;
	regfree(&rx->re);
	free(rx->src);
	rx->src = NULL;
}

/* A list of regular expressions (a single string counts as a list of one). */
static void load_regex_list(struct ld *L, const struct ynode *y, const char *key,
			    struct cfg_regex **out, size_t *n)
{
	const struct ynode *one[1] = { y };
	const struct ynode *const *items = one;
	size_t count = 1;
	bool empty;
	const char *s;

	if (y->kind == Y_SEQ) {
		items = (const struct ynode *const *)y->kid;
		count = y->n;
	} else if (y->kind != Y_SCALAR) {
		(void)want_seq(L, y, key, &empty);
		return;
	} else if (is_null(y)) {
		return;
	}
	if (count == 0)
		return;
	if (count > CFG_MAX_CHECKS) {
		err_at(L, y, "%s: more than %u expressions", key, CFG_MAX_CHECKS);
		return;
	}
	*out = calloc(count, sizeof **out);
	if (!*out) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < count; i++)
		if ((s = want_str(L, items[i], key)) && compile_regex(L, items[i], key, s, &(*out)[*n]))
			(*n)++;
}

static bool header_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

/* header_matches / header_not_matches: [ { header, regexp, allow_missing } ]. */
static void load_header_checks(struct ld *L, const struct ynode *lst, const char *key, bool negate,
			       struct cfg_probe *p)
{
	enum { K_HEADER, K_REGEXP, K_MISSING, K_N };
	static const struct keydef kd[K_N] = {
		{ "header", true }, { "regexp", true }, { "allow_missing", false },
	};
	struct cfg_header_check *v;
	bool empty;

	if (!want_seq(L, lst, key, &empty) || empty || lst->n == 0)
		return;
	if (lst->n > CFG_MAX_CHECKS) {
		err_at(L, lst, "%s: more than %u checks", key, CFG_MAX_CHECKS);
		return;
	}
	v = realloc(p->header_checks, (p->n_header_checks + lst->n) * sizeof *v);
	if (!v) {
		L->oom = true;
		return;
	}
	p->header_checks = v;
	for (size_t i = 0; i < lst->n; i++) {
		const struct ynode *it = lst->kid[i], *f[K_N];
		struct cfg_header_check *hc = &p->header_checks[p->n_header_checks];
		const char *name, *re;
		char q[64];

		memset(hc, 0, sizeof *hc);
		if (!want_map(L, it, key))
			continue;
		map_fields(L, it, key, kd, K_N, f);
		if (!f[K_HEADER] || !f[K_REGEXP] || !(name = want_str(L, f[K_HEADER], "header")) ||
		    !(re = want_str(L, f[K_REGEXP], "regexp")))
			continue;
		if (!header_name_ok(name)) {
			err_at(L, f[K_HEADER], "header: '%s' is not an HTTP header name",
			       cfg_quote(name, q, sizeof q));
			continue;
		}
		if (f[K_MISSING] && !want_bool(L, f[K_MISSING], "allow_missing", &hc->allow_missing))
			continue;
		if (!compile_regex(L, f[K_REGEXP], "regexp", re, &hc->rx))
			continue;
		hc->name = xstrdup(name);
		if (!hc->name) {
			free_regex(&hc->rx);
			L->oom = true;
			return;
		}
		hc->negate = negate;
		p->n_header_checks++;
	}
}

/* headers: { Name: value, ... } sent with every probe of the target. */
static void load_req_headers(struct ld *L, const struct ynode *m, struct cfg_probe *p)
{
	char q[64];

	if (!want_map(L, m, "headers") || m->n == 0)
		return;
	if (m->n / 2 > CFG_MAX_HEADERS) {
		err_at(L, m, "headers: more than %u headers", CFG_MAX_HEADERS);
		return;
	}
	p->headers = calloc(m->n / 2, sizeof *p->headers);
	if (!p->headers) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kid[i], *val = m->kid[i + 1];
		const char *name = k->kind == Y_SCALAR ? k->s : NULL, *s;
		size_t len;

		if (!name || !header_name_ok(name)) {
			err_at(L, k, "headers: '%s' is not an HTTP header name",
			       cfg_quote(name ? name : "", q, sizeof q));
			continue;
		}
		if (!(s = want_str(L, val, "headers"))) 
			continue;
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				err_at(L, val, "headers: the value of %s contains control characters", name);
				s = NULL;
				break;
			}
		if (!s)
			continue;
		len = strlen(name) + strlen(s) + 3;
		p->headers[p->n_headers] = malloc(len);
		if (!p->headers[p->n_headers]) {
			L->oom = true;
			return;
		}
		snprintf(p->headers[p->n_headers], len, "%s: %s", name, s);
		p->n_headers++;
	}
}

/* auth: { type: basic|bearer, file: PATH }: the secret is read from the file now. */
static void load_auth(struct ld *L, const struct ynode *m, struct cfg_probe *p)
{
	enum { K_TYPE, K_FILE, K_N };
	static const struct keydef kd[K_N] = { { "type", true }, { "file", true } };
	const struct ynode *v[K_N];
	const char *type, *file;
	char *path, *data = NULL, why[160], q[64];
	size_t len;

	if (!want_map(L, m, "auth"))
		return;
	map_fields(L, m, "auth", kd, K_N, v);
	if (!v[K_TYPE] || !v[K_FILE] || !(type = want_text(L, v[K_TYPE], "type")) ||
	    !(file = want_text(L, v[K_FILE], "file")))
		return;
	if (strcmp(type, "basic") != 0 && strcmp(type, "bearer") != 0) {
		err_at(L, v[K_TYPE], "type: '%s' is not basic or bearer", cfg_quote(type, q, sizeof q));
		return;
	}
	path = resolve_path(L->file, file);
	if (!path) {
		L->oom = true;
		return;
	}
	if (secfile_read(path, CFG_MAX_AUTH_FILE, &data, &len, why, sizeof why) != 0) {
		err_at(L, v[K_FILE], "file: refusing credentials from %s: %s", path, why);
		goto out;
	}
	/* One line; a final newline (LF or CRLF) is not part of the secret. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20 || data[i] == 0x7f) {
			err_at(L, v[K_FILE], "file: %s must hold one line without control characters",
			       path);
			goto out;
		}
	if (len == 0) {
		err_at(L, v[K_FILE], "file: %s is empty", path);
		goto out;
	}
	if (strcmp(type, "basic") == 0) {
		char *colon = strchr(data, ':');
		if (!colon || colon == data) {
			err_at(L, v[K_FILE], "file: %s must hold user:password for basic auth", path);
			goto out;
		}
		*colon = '\0';
		p->auth_user = xstrdup(data);
		p->auth_secret = xstrdup(colon + 1);
		p->auth = CFG_AUTH_BASIC;
	} else {
		p->auth_secret = xstrdup(data);
		p->auth = CFG_AUTH_BEARER;
	}
	if (!p->auth_secret || (p->auth == CFG_AUTH_BASIC && !p->auth_user))
		L->oom = true;
out:
	if (data) {
		memset(data, 0, len);
		free(data);
	}
	free(path);
}

/* "1048576", "512KiB", "4MiB" -> bytes in 1 KiB .. CFG_BODY_LIMIT_MAX. */
static bool want_size(struct ld *L, const struct ynode *y, const char *key, size_t *out)
{
	char *end, q[64];
	unsigned long long v;
	const char *s = y->kind == Y_SCALAR ? y->s : "";

	errno = 0;
	v = (*s >= '0' && *s <= '9') ? strtoull(s, &end, 10) : 0;
	if (v == 0 || errno != 0) {
		err_at(L, y, "%s: '%s' is not a size (bytes, or a number with KiB or MiB)", key,
		       cfg_quote(s, q, sizeof q));
		return false;
	}
	if (strcmp(end, "KiB") == 0)
		v = v > CFG_BODY_LIMIT_MAX ? v : v * 1024;
	else if (strcmp(end, "MiB") == 0)
		v = v > CFG_BODY_LIMIT_MAX ? v : v * 1024 * 1024;
	else if (*end != '\0') {
		err_at(L, y, "%s: '%s' has an unknown unit (expected KiB or MiB)", key,
		       cfg_quote(s, q, sizeof q));
		return false;
	}
	if (v < 1024 || v > CFG_BODY_LIMIT_MAX) {
		err_at(L, y, "%s: %s is out of range 1KiB..64MiB", key, cfg_quote(s, q, sizeof q));
		return false;
	}
	*out = (size_t)v;
	return true;
}

/* global.body_limit. */
static void load_global_probe(struct ld *L, const struct ynode *body_limit)
{
	if (body_limit)
		(void)want_size(L, body_limit, "body_limit", &L->c->global.body_limit);
}

/* Defaults of a target's probe, before its `probe:` mapping is read. */
static void probe_defaults(struct ld *L, struct cfg_probe *p)
{
	p->follow_redirects = true;
	p->max_redirects = CFG_MAX_REDIRECTS_DEFAULT;
	p->ip_fallback = true;
	p->body_limit = L->c->global.body_limit;
}

/* Indexes of the probe keys this function reads, in load_probe's key table. */
enum { PD_BODY_NOT, PD_MATCH, PD_NOT_MATCH, PD_HDR, PD_HDR_NOT, PD_FOLLOW, PD_MAXREDIR,
       PD_IPPROTO, PD_IPFALL, PD_HEADERS, PD_PROXY, PD_AUTH, PD_LIMIT, PD_INSECURE, PD_CAFILE,
       PD_N };

static void load_probe_depth(struct ld *L, const struct ynode *const *v, struct cfg_probe *p)
{
	const char *s;
	char q[64];
	long n;

	if (v[PD_BODY_NOT] && (s = want_str(L, v[PD_BODY_NOT], "body_not_contains"))) {
		if (*s == '\0')
			err_at(L, v[PD_BODY_NOT], "body_not_contains: must not be empty");
		else if (strlen(s) > CFG_MAX_BODY_MATCH)
			err_at(L, v[PD_BODY_NOT], "body_not_contains: longer than %u bytes",
			       CFG_MAX_BODY_MATCH);
		else
			set_str(L, &p->body_not_contains, s);
	}
	if (v[PD_MATCH])
		load_regex_list(L, v[PD_MATCH], "body_matches", &p->body_matches, &p->n_body_matches);
	if (v[PD_NOT_MATCH])
		load_regex_list(L, v[PD_NOT_MATCH], "body_not_matches", &p->body_not_matches,
				&p->n_body_not_matches);
	if (v[PD_HDR])
		load_header_checks(L, v[PD_HDR], "header_matches", false, p);
	if (v[PD_HDR_NOT])
		load_header_checks(L, v[PD_HDR_NOT], "header_not_matches", true, p);
	if (v[PD_FOLLOW])
		(void)want_bool(L, v[PD_FOLLOW], "follow_redirects", &p->follow_redirects);
	if (v[PD_MAXREDIR] && want_int(L, v[PD_MAXREDIR], "max_redirects", 0, 50, &n))
		p->max_redirects = (unsigned)n;
	if (v[PD_IPPROTO] && (s = want_text(L, v[PD_IPPROTO], "ip_protocol"))) {
		if (strcmp(s, "any") == 0)
			p->ip_protocol = CFG_IP_ANY;
		else if (strcmp(s, "ipv4") == 0)
			p->ip_protocol = CFG_IP_V4;
		else if (strcmp(s, "ipv6") == 0)
			p->ip_protocol = CFG_IP_V6;
		else
			err_at(L, v[PD_IPPROTO], "ip_protocol: '%s' is not any, ipv4 or ipv6",
			       cfg_quote(s, q, sizeof q));
	}
	if (v[PD_IPFALL])
		(void)want_bool(L, v[PD_IPFALL], "ip_fallback", &p->ip_fallback);
	if (v[PD_HEADERS] && !is_null(v[PD_HEADERS]))
		load_req_headers(L, v[PD_HEADERS], p);
	if (v[PD_PROXY] && (s = want_text(L, v[PD_PROXY], "proxy"))) {
		static const char *const schemes[] = { "http://", "https://", "socks5://", "socks5h://" };
		const char *why = NULL;
		size_t skip = 0;
		for (size_t i = 0; i < 4 && !skip; i++)
			if (strncasecmp(s, schemes[i], strlen(schemes[i])) == 0)
				skip = strlen(schemes[i]);
		if (!skip)
			why = "must start with http://, https://, socks5:// or socks5h://";
		else if (strpbrk(s, " \t"))
			why = "contains whitespace";
		else
			why = check_hostport(s + skip, strcspn(s + skip, "/"), false);
		if (why)
			err_at(L, v[PD_PROXY], "proxy: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &p->proxy, s);
	}
	if (v[PD_AUTH])
		load_auth(L, v[PD_AUTH], p);
	if (v[PD_LIMIT])
		(void)want_size(L, v[PD_LIMIT], "body_limit", &p->body_limit);
	if (v[PD_INSECURE])
		(void)want_bool(L, v[PD_INSECURE], "insecure_skip_verify", &p->insecure_skip_verify);
	if (v[PD_CAFILE] && (s = want_text(L, v[PD_CAFILE], "ca_file"))) {
		char *path = resolve_path(L->file, s), *data = NULL, why[160];
		size_t len;
		if (!path) {
			L->oom = true;
		} else if (csv_read_file(path, CFG_MAX_CA_FILE, &data, &len, why, sizeof why) != 0) {
			err_at(L, v[PD_CAFILE], "ca_file: cannot read %s: %s", path, why);
			free(path);
		} else if (!memmem(data, len, "-----BEGIN CERTIFICATE-----", 27)) {
			err_at(L, v[PD_CAFILE], "ca_file: %s holds no PEM certificate", path);
			free(path);
		} else {
			free(p->ca_file);
			p->ca_file = path;
		}
		free(data);
	}
}

/* retries: N on an onlinedienst. */
static void load_retries(struct ld *L, const struct ynode *y, struct cfg_dienst *d)
{
	long n;

	if (y && want_int(L, y, "retries", 0, 100, &n))
		d->retries = (unsigned)n;
}

/* Frees what load_probe_depth() allocated. */
static void free_probe_depth(struct cfg_probe *p)
{
	free(p->body_not_contains);
	for (size_t i = 0; i < p->n_body_matches; i++)
		free_regex(&p->body_matches[i]);
	free(p->body_matches);
	for (size_t i = 0; i < p->n_body_not_matches; i++)
		free_regex(&p->body_not_matches[i]);
	free(p->body_not_matches);
	for (size_t i = 0; i < p->n_header_checks; i++) {
		free(p->header_checks[i].name);
		free_regex(&p->header_checks[i].rx);
	}
	free(p->header_checks);
	for (size_t i = 0; i < p->n_headers; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p->proxy);
	free(p->ca_file);
	free(p->auth_user);
	if (p->auth_secret) {
		memset(p->auth_secret, 0, strlen(p->auth_secret));
		free(p->auth_secret);
	}
}

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
	enum { K_NAME, K_POINTER, K_TYPE, K_LABEL, K_MAP, K_N };
	static const struct keydef kd[K_N] = {
		{ "name", true }, { "pointer", true }, { "type", true }, { "label", false },
		{ "map", false },
	};
	const struct ynode *v[K_N];
	const char *s, *why;
	char q[64];

	if (!want_map(L, it, "metrics entry"))
		return;
	map_fields(L, it, "usage metric", kd, K_N, v);
	if (v[K_TYPE] && (s = want_text(L, v[K_TYPE], "type"))) {
		if (strcmp(s, "counter") == 0)
			m->type = CFG_USAGE_COUNTER;
		else if (strcmp(s, "gauge") == 0)
			m->type = CFG_USAGE_GAUGE;
		else
			err_at(L, v[K_TYPE], "type: '%s' is not counter or gauge", cfg_quote(s, q, sizeof q));
	}
	if (v[K_NAME] && (s = want_str(L, v[K_NAME], "name"))) {
		size_t n = strlen(s);
		m->mark.file = L->file;
		m->mark.line = v[K_NAME]->line;
		m->mark.col = v[K_NAME]->col;
		if (!metric_name_ok(s))
			err_at(L, v[K_NAME], "name: '%s' is not a metric name ([a-z_][a-z0-9_]*, at most "
			       "64 bytes)", cfg_quote(s, q, sizeof q));
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
			errno = 0;
			d = val->kind == Y_SCALAR && !is_null(val) ? strtod(val->s, &end) : 0;
			if (val->kind != Y_SCALAR || is_null(val) || end == val->s || *end || errno ||
			    d != d) {
				err_at(L, val, "map: the value of '%s' is not a number",
				       cfg_quote(k->s, q, sizeof q));
				continue;
			}
			m->map[m->n_map].key = xstrdup(k->s);
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
static void load_usage(struct ld *L, const struct ynode *m, struct cfg_dienst *d)
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
static void check_usage_names(struct ld *L)
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
					    strcmp(w->metrics[l].name, m->name) == 0)
						first = &w->metrics[l];
				if (first)
					break;
			}
			if (first && (first->type != m->type ||
				      strcmp(first->label ? first->label : "", m->label ? m->label : "") != 0))
				err_pos(L, m->mark.line, m->mark.col,
					"name: usage metric '%s' has another type or label than at line %u "
					"(one name, one family)", m->name, first->mark.line);
		}
	}
}

static void free_usage(struct cfg_usage *u)
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
		for (size_t k = 0; k < m->n_map; k++)
			free(m->map[k].key);
		free(m->map);
	}
	free(u->metrics);
	free(u->url);
	free(u);
}

/* ---- maintenance windows ------------------------------------------------------ */

#define CFG_MAX_MAINT 32u	/* windows of one dienst or one global entry list */

/* "HH:MM" (00:00 .. 23:59) -> minutes of the day; -1 when malformed. */
static int parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* "YYYY-MM-DD HH:MM" (or with 'T') -> local seconds (timegm of the fields); -1 when malformed. */
static int64_t parse_local_datetime(const char *s)
{
	struct tm tm, chk;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	end = strptime(s, s[10] == 'T' ? "%Y-%m-%dT%H:%M" : "%Y-%m-%d %H:%M", &tm);
	if (!end || *end || tm.tm_year < 70 || tm.tm_year > 1100)
		return -1;
	chk = tm;
	t = timegm(&tm);
	/* timegm normalises 31 February: refuse what it had to change. */
	if (tm.tm_mday != chk.tm_mday || tm.tm_mon != chk.tm_mon)
		return -1;
	return (int64_t)t;
}

/* One window: { days: [mon, ...], from: "HH:MM", to: "HH:MM" } or { from: DATETIME, to: DATETIME }. */
static bool load_maint_window(struct ld *L, const struct ynode *m, const struct ynode *const *v,
			      int k_days, int k_from, int k_to, struct cfg_maint *w)
{
	static const char *const dn[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	const char *from, *to;
	char q[64];
	bool empty;

	if (!v[k_from] || !v[k_to] || !(from = want_str(L, v[k_from], "from")) ||
	    !(to = want_str(L, v[k_to], "to")))
		return false;
	if (v[k_days]) {
		int f = parse_hhmm(from), t = parse_hhmm(to);
		w->kind = CFG_MAINT_WEEKLY;
		if (f < 0)
			err_at(L, v[k_from], "from: '%s' is not a time HH:MM", cfg_quote(from, q, sizeof q));
		if (t < 0)
			err_at(L, v[k_to], "to: '%s' is not a time HH:MM", cfg_quote(to, q, sizeof q));
		if (!want_seq(L, v[k_days], "days", &empty))
			return false;
		for (size_t i = 0; !empty && i < v[k_days]->n; i++) {
			const struct ynode *d = v[k_days]->kid[i];
			size_t j = 7;
			if (d->kind == Y_SCALAR)
				for (j = 0; j < 7 && strcmp(d->s, dn[j]) != 0; j++)
					;
			if (j == 7)
				err_at(L, d, "days: '%s' is not one of mon, tue, wed, thu, fri, sat, sun",
				       cfg_quote(d->kind == Y_SCALAR ? d->s : "", q, sizeof q));
			else
				w->days |= 1u << j;
		}
		if (empty || v[k_days]->n == 0) {
			err_at(L, v[k_days], "days: name at least one day");
			return false;
		}
		if (w->days == 0)
			return false;	/* every day was reported */
		if (f < 0 || t < 0)
			return false;
		w->from_min = (unsigned)f;
		w->to_min = (unsigned)t;
		return true;
	}
	w->kind = CFG_MAINT_ONCE;
	w->from_local = parse_local_datetime(from);
	w->to_local = parse_local_datetime(to);
	if (w->from_local < 0)
		err_at(L, v[k_from], "from: '%s' is not a date and time YYYY-MM-DD HH:MM (or a weekly "
		       "window: add days:)", cfg_quote(from, q, sizeof q));
	if (w->to_local < 0)
		err_at(L, v[k_to], "to: '%s' is not a date and time YYYY-MM-DD HH:MM",
		       cfg_quote(to, q, sizeof q));
	if (w->from_local < 0 || w->to_local < 0)
		return false;
	if (w->to_local <= w->from_local) {
		err_at(L, m, "maintenance: the window ends before it starts");
		return false;
	}
	return true;
}

/* maintenance: [ window, ... ] of an onlinedienst. */
static void load_maint(struct ld *L, const struct ynode *lst, struct cfg_dienst *d)
{
	enum { K_DAYS, K_FROM, K_TO, K_N };
	static const struct keydef kd[K_N] = { { "days", false }, { "from", true }, { "to", true } };
	bool empty;

	if (!lst || !want_seq(L, lst, "maintenance", &empty) || empty || lst->n == 0)
		return;
	if (lst->n > CFG_MAX_MAINT) {
		err_at(L, lst, "maintenance: more than %u windows", CFG_MAX_MAINT);
		return;
	}
	d->maint = calloc(lst->n, sizeof *d->maint);
	if (!d->maint) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < lst->n; i++) {
		const struct ynode *v[K_N];
		if (!want_map(L, lst->kid[i], "maintenance entry"))
			continue;
		map_fields(L, lst->kid[i], "maintenance window", kd, K_N, v);
		if (load_maint_window(L, lst->kid[i], v, K_DAYS, K_FROM, K_TO, &d->maint[d->n_maint]))
			d->n_maint++;
	}
}

/* The host of an http(s) URL, lower case, into out (at most outsz-1 bytes). */
static void url_host(const char *url, char *out, size_t outsz)
{
	const char *h = strstr(url, "://"), *e;
	size_t n;

	h = h ? h + 3 : url;
	e = h + strcspn(h, ":/?#");
	n = (size_t)(e - h) < outsz - 1 ? (size_t)(e - h) : outsz - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
	out[n] = '\0';
}

/*
 * global.maintenance: [ { hosts: [HOST, ...], days?, from, to } ]: each
 * window is added to every onlinedienst whose URL names one of the hosts.
 * Runs after the dienste are loaded.
 */
static void load_host_maint(struct ld *L, const struct ynode *lst)
{
	enum { K_DAYS, K_FROM, K_TO, K_HOSTS, K_N };
	static const struct keydef kd[K_N] = { { "days", false }, { "from", true }, { "to", true },
					       { "hosts", true } };
	struct cfg *c = L->c;
	bool empty;

	if (!lst || !want_seq(L, lst, "maintenance", &empty) || empty)
		return;
	if (lst->n > CFG_MAX_MAINT) {
		err_at(L, lst, "maintenance: more than %u windows", CFG_MAX_MAINT);
		return;
	}
	for (size_t i = 0; i < lst->n && !L->oom; i++) {
		const struct ynode *v[K_N];
		struct cfg_maint w;
		bool hempty;

		memset(&w, 0, sizeof w);
		if (!want_map(L, lst->kid[i], "maintenance entry"))
			continue;
		map_fields(L, lst->kid[i], "maintenance window", kd, K_N, v);
		if (!load_maint_window(L, lst->kid[i], v, K_DAYS, K_FROM, K_TO, &w) || !v[K_HOSTS] ||
		    !want_seq(L, v[K_HOSTS], "hosts", &hempty) || hempty)
			continue;
		for (size_t h = 0; h < v[K_HOSTS]->n; h++) {
			const struct ynode *hn = v[K_HOSTS]->kid[h];
			const char *name = want_text(L, hn, "hosts");
			size_t hits = 0;
			char host[256], q[64];
			if (!name)
				continue;
			for (size_t t = 0; t < c->n_dienste; t++) {
				struct cfg_dienst *d = &c->dienste[t];
				struct cfg_maint *nv;
				if (!d->url)
					continue;
				url_host(d->url, host, sizeof host);
				if (strcasecmp(host, name) != 0)
					continue;
				nv = realloc(d->maint, (d->n_maint + 1) * sizeof *nv);
				if (!nv) {
					L->oom = true;
					return;
				}
				d->maint = nv;
				d->maint[d->n_maint++] = w;
				hits++;
			}
			if (hits == 0)
				err_at(L, hn, "hosts: no onlinedienst has a URL on host '%s'",
				       cfg_quote(name, q, sizeof q));
		}
	}
}

static void load_probe(struct ld *L, const struct ynode *m, struct cfg_probe *p)
{
	enum { K_STATUS, K_BODY, K_DEPTH, K_N = K_DEPTH + PD_N };
	static const struct keydef kd[K_N] = { { "expect_status", false },
					       { "body_contains", false },
		/* load_probe_depth(), in the order of its PD_ indexes */
		{ "body_not_contains", false }, { "body_matches", false },
		{ "body_not_matches", false }, { "header_matches", false },
		{ "header_not_matches", false }, { "follow_redirects", false },
		{ "max_redirects", false }, { "ip_protocol", false }, { "ip_fallback", false },
		{ "headers", false }, { "proxy", false }, { "auth", false },
		{ "body_limit", false }, { "insecure_skip_verify", false }, { "ca_file", false } };
	const struct ynode *v[K_N];
	const char *s;
	bool empty;

	if (!want_map(L, m, "probe"))
		return;
	map_fields(L, m, "probe", kd, K_N, v);
	load_probe_depth(L, v + K_DEPTH, p);
	if (v[K_BODY] && (s = want_str(L, v[K_BODY], "body_contains"))) {
		if (*s == '\0')
			err_at(L, v[K_BODY], "body_contains: must not be empty");
		else if (strlen(s) > CFG_MAX_BODY_MATCH)
			err_at(L, v[K_BODY], "body_contains: longer than %u bytes",
			       CFG_MAX_BODY_MATCH);
		else
			set_str(L, &p->body_contains, s);
	}
	if (!v[K_STATUS] || !want_seq(L, v[K_STATUS], "expect_status", &empty) || empty ||
	    v[K_STATUS]->n == 0)
		return;
	p->expect_status = calloc(v[K_STATUS]->n, sizeof *p->expect_status);
	if (!p->expect_status) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < v[K_STATUS]->n; i++) {
		const struct ynode *it = v[K_STATUS]->kid[i];
		unsigned lo = 0, hi = 0;
		char q[64], d[96];

		if (it->kind != Y_SCALAR || is_null(it)) {
			err_at(L, it, "expect_status: expected a status code or a range lo-hi, "
			       "found %s", describe(it, d, sizeof d));
			continue;
		}
		if (is_int(it)) {
			long code;
			if (!want_int(L, it, "expect_status", 100, 599, &code))
				continue;
			lo = hi = (unsigned)code;
		} else {
			const char *t = it->s;
			int nlo = 0, nhi = 0;
			/* "200" or "200-299": three digits each. */
			while (t[nlo] >= '0' && t[nlo] <= '9' && nlo < 4)
				lo = lo * 10 + (unsigned)(t[nlo++] - '0');
			if (t[nlo] == '-') {
				const char *u = t + nlo + 1;
				while (u[nhi] >= '0' && u[nhi] <= '9' && nhi < 4)
					hi = hi * 10 + (unsigned)(u[nhi++] - '0');
				if (u[nhi] != '\0')
					nhi = 0;
			} else if (t[nlo] == '\0') {
				hi = lo;
				nhi = nlo;
			} else {
				nhi = 0;
			}
			if (nlo != 3 || nhi != 3 || lo < 100 || hi > 599 || lo > hi) {
				err_at(L, it, "expect_status: '%s' is not a status code or a range "
				       "lo-hi within 100..599", cfg_quote(t, q, sizeof q));
				continue;
			}
		}
		p->expect_status[p->n_expect_status].lo = (uint16_t)lo;
		p->expect_status[p->n_expect_status].hi = (uint16_t)hi;
		p->n_expect_status++;
	}
}

static void load_dienst(struct ld *L, const struct ynode *m, struct cfg_dienst *d,
			struct dienst_src *src)
{
	enum { K_ID, K_NAME, K_URL, K_PROVIDER, K_EFA, K_INTERVAL, K_TIMEOUT, K_PROBE, K_RETRIES,
	       K_USAGE, K_MAINT, K_N };
	static const struct keydef kd[K_N] = {
		{ "id", true }, { "name", false }, { "url", true }, { "provider", false },
		{ "efa", false }, { "interval", false }, { "timeout", false }, { "probe", false },
		{ "retries", false }, { "usage", false }, { "maintenance", false },
	};
	const struct cfg_global *g = &L->c->global;
	const struct ynode *v[K_N];
	const char *s;
	char q[64], a[64], b[64];

	d->mark.file = L->file;
	d->mark.line = m->line;
	d->mark.col = m->col;
	d->interval_ms = g->interval_ms;
	d->timeout_ms = g->timeout_ms;
	if (!want_map(L, m, "onlinedienste entry"))
		return;
	map_fields(L, m, "onlinedienst", kd, K_N, v);
	if (v[K_ID] && (s = want_str(L, v[K_ID], "id"))) {
		if (!valid_id(s)) {
			err_at(L, v[K_ID], "id: '%s' is not a valid id (1 to 64 of a-z 0-9 _ -, "
			       "starting with a letter or digit)", cfg_quote(s, q, sizeof q));
		} else {
			set_str(L, &d->id, s);
			src->id = v[K_ID];
			src->line = v[K_ID]->line;
		}
	}
	if (v[K_NAME] && (s = want_text(L, v[K_NAME], "name")))
		set_str(L, &d->name, s);
	if (v[K_URL] && (s = want_str(L, v[K_URL], "url"))) {
		const char *why = check_url(s);
		if (why)
			err_at(L, v[K_URL], "url: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &d->url, s);
	}
	if (v[K_PROVIDER] && (s = want_text(L, v[K_PROVIDER], "provider")))
		set_str(L, &d->provider, s);
	if (v[K_EFA])
		want_bool(L, v[K_EFA], "efa", &d->efa);
	if (v[K_INTERVAL])
		want_dur(L, v[K_INTERVAL], "interval", MIN_INTERVAL_MS, MAX_INTERVAL_MS,
			 &d->interval_ms);
	if (v[K_TIMEOUT]) {
		unsigned t;
		if (want_dur(L, v[K_TIMEOUT], "timeout", MIN_TIMEOUT_MS, MAX_INTERVAL_MS, &t)) {
			if (t > d->interval_ms)
				err_at(L, v[K_TIMEOUT], "timeout: %s is longer than the interval %s",
				       fmt_dur(t, a, sizeof a), fmt_dur(d->interval_ms, b, sizeof b));
			else
				d->timeout_ms = t;
		}
	}
	/* An inherited timeout is shortened to a shorter interval of this dienst. */
	if (d->timeout_ms > d->interval_ms)
		d->timeout_ms = d->interval_ms;
	probe_defaults(L, &d->probe);
	if (v[K_PROBE] && !is_null(v[K_PROBE]))
		load_probe(L, v[K_PROBE], &d->probe);
	load_retries(L, v[K_RETRIES], d);
	load_usage(L, v[K_USAGE], d);
	load_maint(L, v[K_MAINT], d);
	/* Defaults that spare every consumer a NULL check. */
	if (!d->name && d->id)
		set_str(L, &d->name, d->id);
	if (!d->provider)
		set_str(L, &d->provider, "");
}

static int dienst_cmp(const void *a, const void *b)
{
	const struct cfg_dienst *x = a, *y = b;
	int r = strcmp(x->id ? x->id : "", y->id ? y->id : "");
	if (r != 0)
		return r;
	return (x->mark.line > y->mark.line) - (x->mark.line < y->mark.line);
}

static int dsrc_cmp(const void *a, const void *b)
{
	const struct dienst_src *x = a, *y = b;
	int r = strcmp(x->id->s, y->id->s);
	if (r != 0)
		return r;
	return (x->line > y->line) - (x->line < y->line);
}

static void load_dienste(struct ld *L, const struct ynode *lst)
{
	struct cfg *c = L->c;
	struct dienst_src *src;
	size_t nsrc = 0;
	bool empty;

	if (!want_seq(L, lst, "onlinedienste", &empty) || empty || lst->n == 0)
		return;
	c->dienste = calloc(lst->n, sizeof *c->dienste);
	src = calloc(lst->n, sizeof *src);
	if (!c->dienste || !src) {
		free(src);
		L->oom = true;
		return;
	}
	c->n_dienste = lst->n;
	for (size_t i = 0; i < lst->n && !L->oom; i++)
		load_dienst(L, lst->kid[i], &c->dienste[i], &src[i]);
	/* Duplicate ids: sort the valid ones by (id, line), report all but the first. */
	for (size_t i = 0; i < lst->n; i++)
		if (src[i].id)
			src[nsrc++] = src[i];
	qsort(src, nsrc, sizeof *src, dsrc_cmp);
	for (size_t i = 1, first = 0; i < nsrc; i++) {
		char q[64];
		if (strcmp(src[i].id->s, src[first].id->s) != 0) {
			first = i;
			continue;
		}
		err_at(L, src[i].id, "duplicate onlinedienst id '%s' (first at line %u)",
		       cfg_quote(src[i].id->s, q, sizeof q), src[first].line);
	}
	free(src);
	qsort(c->dienste, c->n_dienste, sizeof *c->dienste, dienst_cmp);
	check_usage_names(L);
}

/* Per-entry state of an Angebot kept until the cross-checks. */
struct angebot_src {
	const struct ynode *item, *area, *ozg_id, *dienst;	/* NULL when bad */
	size_t idx;
};

static void load_angebot(struct ld *L, const struct ynode *m, struct cfg_angebot *a,
			 struct angebot_src *src)
{
	enum { K_AREA, K_OZG, K_DIENST, K_REIFEGRAD, K_N };
	static const struct keydef kd[K_N] = {
		{ "area", true }, { "ozg_id", true }, { "dienst", true }, { "reifegrad", true },
	};
	const struct ynode *v[K_N];
	const char *s;
	char q[64];
	long n;

	a->mark.file = L->file;
	a->mark.line = m->line;
	a->mark.col = m->col;
	src->item = m;
	if (!want_map(L, m, "angebote entry"))
		return;
	map_fields(L, m, "angebot", kd, K_N, v);
	if (v[K_AREA] && (s = want_str(L, v[K_AREA], "area"))) {
		size_t len = strlen(s);
		bool digits = len <= 12 && reg_is_digits(s, len);
		if (!digits || (len != 2 && len != 5 && len != 8 && len != 9 && len != 12)) {
			err_at(L, v[K_AREA], "area: '%s' must be an area key of 2 (Land), 5 (Kreis), "
			       "9 (Gemeindeverband), 8 (Gemeinde AGS) or 12 (Gemeinde ARS) digits",
			       cfg_quote(s, q, sizeof q));
		} else {
			memcpy(a->area, s, len + 1);
			a->level = len == 2 ? AREA_LAND : len == 5 ? AREA_KREIS
					: len == 9 ? AREA_VERBAND : AREA_GEMEINDE;
			src->area = v[K_AREA];
		}
	}
	if (v[K_OZG] && (s = want_str(L, v[K_OZG], "ozg_id"))) {
		if (!reg_is_digits(s, 5)) {
			err_at(L, v[K_OZG], "ozg_id: '%s' must be 5 digits",
			       cfg_quote(s, q, sizeof q));
		} else {
			memcpy(a->ozg_id, s, 6);
			src->ozg_id = v[K_OZG];
		}
	}
	if (v[K_DIENST] && want_str(L, v[K_DIENST], "dienst"))
		src->dienst = v[K_DIENST];
	if (v[K_REIFEGRAD] &&
	    want_int(L, v[K_REIFEGRAD], "reifegrad", 0, L->c->global.reifegrad_max, &n))
		a->reifegrad = (int)n;
}

static int asrc_cmp(const void *a, const void *b)
{
	const struct angebot_src *x = a, *y = b;
	int r = strcmp(x->area->s, y->area->s);
	if (r == 0)
		r = strcmp(x->ozg_id->s, y->ozg_id->s);
	if (r == 0)
		r = strcmp(x->dienst->s, y->dienst->s);
	if (r == 0)
		r = (x->item->line > y->item->line) - (x->item->line < y->item->line);
	return r;
}

static void check_area(struct ld *L, const struct angebot_src *s, const struct cfg_angebot *a,
		       const bool ok[REG_NFILES])
{
	const struct registers *r = &L->c->reg;
	size_t len = strlen(a->area);

	switch (a->level) {
	case AREA_LAND:
		if (r->land_key[0] && strcmp(a->area, r->land_key) != 0)
			err_at(L, s->area, "area: '%s' is not the Land of registers.land ('%s')",
			       a->area, r->land_key);
		return;
	case AREA_KREIS:
		if (ok[REG_KREISE] && !reg_find_kreis(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Kreis in the registers", a->area);
		return;
	case AREA_VERBAND:
		if (ok[REG_VERBAENDE] && !reg_find_verband(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Gemeindeverband in the registers",
			       a->area);
		return;
	case AREA_GEMEINDE:
		if (ok[REG_GEMEINDEN] && !reg_find_gemeinde(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Gemeinde (%s) in the registers",
			       a->area, len == 8 ? "AGS" : "ARS");
		return;
	}
}

/* Syntax pass over angebote; fills c->angebote and *srcp (owned by the caller). */
static void load_angebote(struct ld *L, const struct ynode *lst, struct angebot_src **srcp)
{
	struct cfg *c = L->c;
	bool empty;

	*srcp = NULL;
	if (!want_seq(L, lst, "angebote", &empty) || empty || lst->n == 0)
		return;
	c->angebote = calloc(lst->n, sizeof *c->angebote);
	*srcp = calloc(lst->n, sizeof **srcp);
	if (!c->angebote || !*srcp) {
		L->oom = true;
		return;
	}
	c->n_angebote = lst->n;
	for (size_t i = 0; i < lst->n && !L->oom; i++) {
		(*srcp)[i].idx = i;
		load_angebot(L, lst->kid[i], &c->angebote[i], &(*srcp)[i]);
	}
}

/* Cross-checks of every Angebot against registers and onlinedienste; duplicates. */
static void check_angebote(struct ld *L, struct angebot_src *src, const bool ok[REG_NFILES])
{
	struct cfg *c = L->c;
	size_t nfull = 0;
	char q[64];

	for (size_t i = 0; i < c->n_angebote; i++) {
		struct angebot_src *s = &src[i];
		struct cfg_angebot *a = &c->angebote[i];
		if (s->area)
			check_area(L, s, a, ok);
		if (s->ozg_id && ok[REG_LEISTUNGEN] && !reg_find_leistung(&c->reg, a->ozg_id))
			err_at(L, s->ozg_id, "ozg_id: '%s' is not in the OZG-Leistungen catalog",
			       a->ozg_id);
		if (s->dienst) {
			const struct cfg_dienst *d = cfg_find_dienst(c, s->dienst->s);
			if (!d)
				err_at(L, s->dienst, "dienst: '%s' is not defined in onlinedienste",
				       cfg_quote(s->dienst->s, q, sizeof q));
			else
				a->dienst = (size_t)(d - c->dienste);
		}
	}
	/* Duplicates among the entries whose three keys are all well-formed. */
	for (size_t i = 0; i < c->n_angebote; i++)
		if (src[i].area && src[i].ozg_id && src[i].dienst)
			src[nfull++] = src[i];
	qsort(src, nfull, sizeof *src, asrc_cmp);
	for (size_t i = 1, first = 0; i < nfull; i++) {
		const struct angebot_src *x = &src[i], *f = &src[first];
		if (strcmp(x->area->s, f->area->s) != 0 || strcmp(x->ozg_id->s, f->ozg_id->s) != 0 ||
		    strcmp(x->dienst->s, f->dienst->s) != 0) {
			first = i;
			continue;
		}
		err_at(L, x->item, "duplicate angebot: area %s, ozg_id %s, dienst '%s' "
		       "(first at line %u)", x->area->s, x->ozg_id->s,
		       cfg_quote(x->dienst->s, q, sizeof q), f->item->line);
	}
}

/* ---- load --------------------------------------------------------------------- */

static struct cfg *cfg_new(const char *path)
{
	struct cfg *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->path = xstrdup(path);
	c->global.listen = xstrdup("127.0.0.1:9717");
	c->global.data_dir = xstrdup("/var/lib/ozgmon");
	c->global.language = xstrdup("de");
	c->global.log_level = xstrdup("info");
	c->global.interval_ms = 60000;
	c->global.timeout_ms = 10000;
	c->global.max_concurrency = 512;
	c->global.max_per_host = 4;
	c->global.reifegrad_max = 4;
	c->global.body_limit = CFG_BODY_LIMIT_DEFAULT;
	c->global.rollout.online_min = 2;
	c->global.rollout.fulfilled_min = 3;
	c->global.rollout.reliable_pct = 95;
	c->global.dashboards_every_ms = 60000;
	if (!c->path || !c->global.listen || !c->global.data_dir || !c->global.language ||
	    !c->global.log_level) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

/* Walks the document; loads the registers it names. */
static void load_document(struct ld *L, const struct ynode *root)
{
	enum { K_GLOBAL, K_REGISTERS, K_DIENSTE, K_ANGEBOTE, K_N };
	static const struct keydef kd[K_N] = {
		{ "global", false }, { "registers", true }, { "onlinedienste", false },
		{ "angebote", false },
	};
	const struct ynode *v[K_N];
	struct reg_paths rp;
	struct reg_source rs[REG_NFILES];
	struct angebot_src *asrc = NULL;
	bool ok[REG_NFILES] = { false, false, false, false };
	char d[96];

	memset(&rp, 0, sizeof rp);
	if (root->kind != Y_MAP) {
		err_at(L, root, "expected a mapping at the top level, found %s",
		       describe(root, d, sizeof d));
		return;
	}
	map_fields(L, root, "the configuration", kd, K_N, v);
	/* Order matters: dienste and angebote use global values. */
	if (v[K_GLOBAL] && !is_null(v[K_GLOBAL]) && want_map(L, v[K_GLOBAL], "global"))
		load_global(L, v[K_GLOBAL]);
	if (v[K_REGISTERS] && want_map(L, v[K_REGISTERS], "registers"))
		load_registers(L, v[K_REGISTERS], &rp);
	if (v[K_DIENSTE] && !L->oom)
		load_dienste(L, v[K_DIENSTE]);
	if (!L->oom)
		load_host_maint(L, L->global_maint);
	if (v[K_ANGEBOTE] && !L->oom)
		load_angebote(L, v[K_ANGEBOTE], &asrc);
	if (!L->oom) {
		for (int i = 0; i < REG_NFILES; i++) {
			rs[i].path = rp.path[i];
			rs[i].line = rp.node[i] ? rp.node[i]->line : 0;
			rs[i].col = rp.node[i] ? rp.node[i]->col : 0;
			rs[i].cfg_file = L->file;
		}
		if (reg_load(&L->c->reg, rs, ok, L->e) != 0)
			L->oom = true;
	}
	if (asrc && !L->oom)
		check_angebote(L, asrc, ok);
	free(asrc);
	for (int i = 0; i < REG_NFILES; i++)
		free(rp.path[i]);
}

struct cfg *cfg_load(const char *path, struct cfg_errors *errs)
{
	struct ld L;
	struct ynode *root;
	size_t n0, len, skip = 0;
	char *buf, why[128];
	bool bad = false;

	if (!errs)
		return NULL;	/* the contract requires a list to report into */
	memset(&L, 0, sizeof L);
	L.e = errs;
	L.file = path;
	n0 = errs->n;
	L.c = cfg_new(path);
	if (!L.c) {
		cfg_errf(errs, path, 0, 0, "out of memory");
		return NULL;
	}
	L.file = L.c->path;
	if (csv_read_file(path, CFG_MAX_FILE, &buf, &len, why, sizeof why) != 0) {
		err_pos(&L, 0, 0, "cannot read the configuration: %s", why);
		cfg_free(L.c);
		return NULL;
	}
	/* A UTF-8 byte order mark is tolerated and not part of the document. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	root = yaml_tree(&L, buf + skip, len - skip, &bad);
	if (!bad && !root)
		err_pos(&L, 0, 0, "the configuration is empty");
	if (root)
		load_document(&L, root);
	ynode_free(root);
	free(buf);
	if (!L.oom && errs->n == n0)
		apply_shard(&L);
	if (L.oom)
		cfg_errf(errs, L.c->path, 0, 0, "out of memory");
	sort_errors(errs, n0, L.c->path);
	if (L.oom || errs->n != n0) {
		cfg_free(L.c);
		return NULL;
	}
	return L.c;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->global.listen);
	free(c->global.data_dir);
	free(c->global.language);
	free(c->global.log_level);
	free(c->global.rrdcached);
	free(c->global.dashboards_dir);
	free(c->global.user);
	free(c->global.group);
	for (size_t i = 0; i < c->global.n_connect_to; i++)
		free(c->global.connect_to[i]);
	free(c->global.connect_to);
	for (size_t i = 0; i < c->global.n_resolve; i++)
		free(c->global.resolve[i]);
	free(c->global.resolve);
	reg_free(&c->reg);
	for (size_t i = 0; i < c->n_dienste; i++) {
		struct cfg_dienst *d = &c->dienste[i];
		free(d->id);
		free(d->name);
		free(d->url);
		free(d->provider);
		free(d->probe.expect_status);
		free(d->probe.body_contains);
		free_probe_depth(&d->probe);
		free_usage(d->usage);
		free(d->maint);
	}
	free(c->dienste);
	free(c->angebote);
	free(c);
}

/* ---- lookups and summary ------------------------------------------------------ */

static int key_vs_dienst(const void *key, const void *el)
{
	const struct cfg_dienst *d = el;
	return strcmp(key, d->id ? d->id : "");
}

const struct cfg_dienst *cfg_find_dienst(const struct cfg *c, const char *id)
{
	if (!c || !id || c->n_dienste == 0)
		return NULL;
	return bsearch(id, c->dienste, c->n_dienste, sizeof *c->dienste, key_vs_dienst);
}

void cfg_summary(const struct cfg *c, char *out, size_t outsz)
{
	long long pop = 0;
	const struct registers *r;
	size_t nl;

	if (!out || outsz == 0)
		return;
	if (!c) {
		snprintf(out, outsz, "no configuration");
		return;
	}
	r = &c->reg;
	nl = r->land_key[0] ? 1 : 0;
	for (size_t i = 0; i < r->n_gemeinden; i++)
		pop += r->gemeinden[i].population;
	snprintf(out, outsz,
		 "%zu %s, %zu %s, %zu %s, %zu %s (%lld inhabitants); %zu %s; "
		 "%zu %s (probe targets); %zu %s",
		 nl, nl == 1 ? "Land" : "Länder",
		 r->n_kreise, r->n_kreise == 1 ? "Kreis" : "Kreise",
		 r->n_verbaende, r->n_verbaende == 1 ? "Gemeindeverband" : "Gemeindeverbände",
		 r->n_gemeinden, r->n_gemeinden == 1 ? "Gemeinde" : "Gemeinden", pop,
		 r->n_leistungen, r->n_leistungen == 1 ? "OZG-Leistung" : "OZG-Leistungen",
		 c->n_dienste, c->n_dienste == 1 ? "Onlinedienst" : "Onlinedienste",
		 c->n_angebote, c->n_angebote == 1 ? "Angebot" : "Angebote");
	if (c->global.shard_count) {
		size_t len = strlen(out);
		snprintf(out + len, outsz - len, "; shard %u/%u (of %zu Onlinedienste, %zu Angebote)",
			 c->global.shard_index, c->global.shard_count, c->n_dienste_file,
			 c->n_angebote_file);
	}
}
