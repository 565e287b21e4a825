/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * yaml.c - reading the YAML file into a tree of our own.
 *
 * The file is hostile input.  It is read whole with a size cap, parsed with
 * libyaml's event API into a small tree (so that every node keeps its
 * position, anchors/aliases/tags are refused before anything could be
 * expanded, and nesting depth and node count are bounded).
 */
#include "config/load.h"
#include <yaml.h>

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

/* ---- YAML tree --------------------------------------------------------------- */

void ynode_free(struct ynode *y)
{
	if (!y)
		return;
	/* Recursion depth is bounded by CFG_MAX_DEPTH. */
	for (size_t i = 0; i < y->n && !y->borrowed; i++)
		ynode_free(y->kid[i]);
	free(y->kid);
	free(y->s);
	free(y);
}

__attribute__((format(printf, 5, 6)))
void err_file(struct ld *L, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (cfg_verrf(L->e, file ? file : L->file, line, col, fmt, ap) != 0)
		L->oom = true;
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
void err_pos(struct ld *L, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (cfg_verrf(L->e, L->file, line, col, fmt, ap) != 0)
		L->oom = true;
	va_end(ap);
}

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

	if (++b->nodes > cfg_max_nodes) {
		err_pos(b->L, (unsigned)m->line + 1, (unsigned)m->column + 1,
			"more than %u YAML nodes", cfg_max_nodes);
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
	y->file = b->L->file;
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
struct ynode *yaml_tree(struct ld *L, const char *buf, size_t len, bool *bad)
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

