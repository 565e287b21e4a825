/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * sources.c - where Onlinedienste and Angebote come from besides the main
 * file: include: of further YAML files (paths and globs, relative to the
 * including file) and CSV files (onlinedienste_csv:, angebote_csv:).
 *
 * Every entry, whatever its source, becomes a node of the same YAML tree
 * shape, with the file, line and column it was read from, so one schema
 * (dienst.c, config.c) checks them all and every error names its own place.
 * A CSV field becomes a scalar at the field's line:column.
 *
 * Bounds: every file at most global.config_max_size bytes, include: at most
 * CFG_MAX_INCLUDE_DEPTH levels deep, CFG_MAX_INCLUDE_FILES files in all; a
 * file read twice is an error (a cycle when it is still being read).
 */
#include "config/csv.h"
#include "config/load.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grows *arr (elements of size sz) so that one more fits; false when out of memory. */
static bool grow(void *arrp, size_t n, size_t *cap, size_t sz)
{
	void **arr = arrp;
	void *p;
	size_t nc;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 64;
	p = realloc(*arr, nc * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = nc;
	return true;
}

static void push_node(struct ld *L, const struct ynode ***arr, size_t *n, size_t *cap,
		      const struct ynode *y)
{
	if (!grow(arr, *n, cap, sizeof **arr)) {
		L->oom = true;
		return;
	}
	(*arr)[(*n)++] = y;
}

static void keep_root(struct ld *L, struct ynode *root)
{
	struct ld_src *S = L->src;

	if (!grow(&S->roots, S->n_roots, &S->cap_roots, sizeof *S->roots)) {
		ynode_free(root);
		L->oom = true;
		return;
	}
	S->roots[S->n_roots++] = root;
}

/* Keeps a copy of path in the cfg (marks and nodes point to it); NULL when out of memory. */
static const char *keep_path(struct ld *L, const char *path)
{
	struct cfg *c = L->c;
	char **v = realloc(c->files, (c->n_files + 1) * sizeof *v);

	if (!v) {
		L->oom = true;
		return NULL;
	}
	c->files = v;
	if (!(v[c->n_files] = cfg_strdup(path))) {
		L->oom = true;
		return NULL;
	}
	return v[c->n_files++];
}

/* Adds the entries of one file's onlinedienste: or angebote: value. */
static void add_list(struct ld *L, const struct ynode *lst, const char *key, bool dienste)
{
	struct ld_src *S = L->src;
	bool empty;

	if (!lst || !want_seq(L, lst, key, &empty) || empty)
		return;
	for (size_t i = 0; i < lst->n && !L->oom; i++) {
		if (dienste)
			push_node(L, &S->dienste, &S->n_dienste, &S->cap_dienste, lst->kid[i]);
		else
			push_node(L, &S->angebote, &S->n_angebote, &S->cap_angebote, lst->kid[i]);
	}
}

/*
 * Registers a file about to be read: bounds, cycles, files read twice.
 * Returns the index of its realpath in S->real, or -1 after an error.
 */
static long enter_file(struct ld *L, const struct ynode *at, const char *key, const char *path,
		       const char *shown)
{
	struct ld_src *S = L->src;
	char real[PATH_MAX], q[64];

	if (S->files >= CFG_MAX_INCLUDE_FILES) {
		err_at(L, at, "%s: more than %u files in all", key, CFG_MAX_INCLUDE_FILES);
		return -1;
	}
	if (!realpath(path, real)) {
		err_at(L, at, "%s: cannot read '%s': %s", key, cfg_quote(shown, q, sizeof q),
		       strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < S->n_real; i++) {
		if (strcmp(S->real[i], real) != 0)
			continue;
		if (S->open[i])
			err_at(L, at, "%s: include cycle: '%s' is already being read", key,
			       cfg_quote(shown, q, sizeof q));
		else
			err_at(L, at, "%s: '%s' is read a second time", key,
			       cfg_quote(shown, q, sizeof q));
		return -1;
	}
	if (!grow(&S->real, S->n_real, &S->cap_real, sizeof *S->real) ||
	    !grow(&S->open, S->n_real, &S->cap_open, sizeof *S->open) ||
	    !(S->real[S->n_real] = cfg_strdup(real))) {
		L->oom = true;
		return -1;
	}
	S->open[S->n_real] = false;
	S->files++;
	return (long)S->n_real++;
}

void src_begin(struct ld *L, struct ld_src *S, const struct ynode *profiles)
{
	char real[PATH_MAX];

	memset(S, 0, sizeof *S);
	L->src = S;
	S->profiles = profiles;
	if (realpath(L->file, real) &&
	    grow(&S->real, 0, &S->cap_real, sizeof *S->real) &&
	    grow(&S->open, 0, &S->cap_open, sizeof *S->open) &&
	    (S->real[0] = cfg_strdup(real))) {
		S->open[0] = true;
		S->n_real = 1;
	}
}

/* ---- include: ---------------------------------------------------------------- */

/* path: the file to read; shown: as the including file names it. */
static void include_file(struct ld *L, const struct ynode *at, const char *path,
			 const char *shown)
{
	enum { K_GLOBAL, K_REGISTERS, K_PROFILES, K_DIENSTE, K_ANGEBOTE, K_INCLUDE, K_DCSV,
	       K_ACSV, K_N };
	static const struct keydef kd[K_N] = {
		{ "global", false }, { "registers", false }, { "probe_profiles", false },
		{ "onlinedienste", false }, { "angebote", false }, { "include", false },
		{ "onlinedienste_csv", false }, { "angebote_csv", false },
	};
	struct ld_src *S = L->src;
	const struct ynode *v[K_N];
	struct ynode *root;
	const char *fpath, *saved;
	char *buf, why[128], q[64], d[96];
	size_t len, skip = 0;
	long idx;
	bool bad = false;

	if (S->depth >= CFG_MAX_INCLUDE_DEPTH) {
		err_at(L, at, "include: '%s' is nested deeper than %d levels",
		       cfg_quote(shown, q, sizeof q), CFG_MAX_INCLUDE_DEPTH);
		return;
	}
	if ((idx = enter_file(L, at, "include", path, shown)) < 0)
		return;
	if (csv_read_file(path, L->c->global.config_max_size, &buf, &len, why, sizeof why) != 0) {
		err_at(L, at, "include: cannot read '%s': %s%s", cfg_quote(shown, q, sizeof q), why,
		       strncmp(why, "larger", 6) == 0 ? " (global.config_max_size)" : "");
		return;
	}
	if (!(fpath = keep_path(L, path))) {
		free(buf);
		return;
	}
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	saved = L->file;
	L->file = fpath;
	root = yaml_tree(L, buf + skip, len - skip, &bad);
	L->file = saved;
	free(buf);
	if (!root)
		return;		/* an empty file adds nothing; errors are reported */
	keep_root(L, root);
	if (L->oom)
		return;
	if (root->kind != Y_MAP) {
		err_at(L, root, "expected a mapping at the top level, found %s",
		       describe(root, d, sizeof d));
		return;
	}
	map_fields(L, root, "an included file", kd, K_N, v);
	for (int k = K_GLOBAL; k <= K_PROFILES; k++)
		if (v[k])
			err_at(L, v[k], "%s: only allowed in the main configuration, not in an "
			       "included file", kd[k].name);
	S->open[idx] = true;
	S->depth++;
	src_collect(L, v[K_DIENSTE], v[K_ANGEBOTE], v[K_INCLUDE], v[K_DCSV], v[K_ACSV]);
	S->depth--;
	S->open[idx] = false;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void include_item(struct ld *L, const struct ynode *it)
{
	const char *s = want_text(L, it, "include");
	char *path, q[64];
	glob_t g;
	int rc;

	if (!s)
		return;
	if (!(path = resolve_path(it->file, s))) {
		L->oom = true;
		return;
	}
	if (!strpbrk(s, "*?[")) {
		include_file(L, it, path, s);
		free(path);
		return;
	}
	memset(&g, 0, sizeof g);
	rc = glob(path, GLOB_NOSORT, NULL, &g);
	if (rc == 0) {
		if (g.gl_pathc > CFG_MAX_INCLUDE_FILES) {
			err_at(L, it, "include: '%s' matches more than %u files",
			       cfg_quote(s, q, sizeof q), CFG_MAX_INCLUDE_FILES);
		} else {
			/* Sorted bytewise, whatever the locale, so the order is reproducible. */
			qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, str_cmp);
			/* Shown relative to the including file's folder, as written. */
			size_t dl = strlen(path) - strlen(s);
			for (size_t i = 0; i < g.gl_pathc && !L->oom; i++)
				include_file(L, it, g.gl_pathv[i],
					     strncmp(g.gl_pathv[i], path, dl) == 0
						     ? g.gl_pathv[i] + dl : g.gl_pathv[i]);
		}
	} else if (rc == GLOB_NOSPACE) {
		L->oom = true;
	} else if (rc != GLOB_NOMATCH) {
		err_at(L, it, "include: cannot read the folder of '%s'", cfg_quote(s, q, sizeof q));
	}
	/* No match is not an error: a conf.d/ folder may be empty. */
	globfree(&g);
	free(path);
}

/* ---- CSV ----------------------------------------------------------------------- */

struct col {
	const char *name;
	bool required;
	bool plain;	/* may read as a number, boolean or duration, like a plain YAML scalar */
};

static const struct col dienst_cols[] = {
	{ "id", true, false }, { "url", true, false }, { "name", false, false },
	{ "provider", false, false }, { "efa", false, true }, { "interval", false, true },
	{ "timeout", false, true }, { "retries", false, true }, { "probe", false, false },
};
#define DIENST_PROBE_COL 8
static const struct col angebot_cols[] = {
	{ "area", true, false }, { "ozg_id", true, false }, { "dienst", true, false },
	{ "reifegrad", true, true },
};

static struct ynode *mk_node(struct ld *L, enum ykind kind, const char *file, unsigned line,
			     unsigned col)
{
	struct ynode *y = calloc(1, sizeof *y);

	if (!y) {
		L->oom = true;
		return NULL;
	}
	y->kind = kind;
	y->file = file;
	y->line = line;
	y->col = col;
	return y;
}

static struct ynode *mk_scalar(struct ld *L, const char *file, unsigned line, unsigned col,
			       const char *s, size_t len, bool plain)
{
	struct ynode *y = mk_node(L, Y_SCALAR, file, line, col);

	if (!y)
		return NULL;
	y->plain = plain;
	y->len = len;
	if (!(y->s = malloc(len + 1))) {
		free(y);
		L->oom = true;
		return NULL;
	}
	memcpy(y->s, s, len);
	y->s[len] = '\0';
	return y;
}

/* Appends kid to parent (which owns it from then on, or frees it on failure). */
static bool add_kid(struct ld *L, struct ynode *parent, struct ynode *kid)
{
	if (!kid)
		return false;
	if (!grow(&parent->kid, parent->n, &parent->cap, sizeof *parent->kid)) {
		ynode_free(kid);
		L->oom = true;
		return false;
	}
	parent->kid[parent->n++] = kid;
	return true;
}

/* A deep copy of y keeping its places. */
static struct ynode *copy_tree(struct ld *L, const struct ynode *y)
{
	struct ynode *c = y->kind == Y_SCALAR
		? mk_scalar(L, y->file, y->line, y->col, y->s, y->len, y->plain)
		: mk_node(L, y->kind, y->file, y->line, y->col);

	if (!c)
		return NULL;
	for (size_t i = 0; i < y->n; i++) {
		if (!add_kid(L, c, copy_tree(L, y->kid[i]))) {
			ynode_free(c);
			return NULL;
		}
	}
	return c;
}

/*
 * The profile p as a row's value: a mapping borrowing p's entries (the main
 * file's tree outlives every row), so 100,000 rows do not copy it 100,000 times.
 */
static struct ynode *share_tree(struct ld *L, const struct ynode *p)
{
	struct ynode *c;

	if (p->kind == Y_SCALAR || p->n == 0)
		return copy_tree(L, p);
	if (!(c = mk_node(L, p->kind, p->file, p->line, p->col)))
		return NULL;
	if (!(c->kid = malloc(p->n * sizeof *c->kid))) {
		free(c);
		L->oom = true;
		return NULL;
	}
	memcpy(c->kid, p->kid, p->n * sizeof *c->kid);
	c->n = c->cap = p->n;
	c->borrowed = true;
	return c;
}

static const struct ynode *find_profile(const struct ynode *profiles, const char *name)
{
	if (!profiles || profiles->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < profiles->n; i += 2)
		if (profiles->kid[i]->kind == Y_SCALAR && strcmp(profiles->kid[i]->s, name) == 0)
			return profiles->kid[i + 1];
	return NULL;
}

/*
 * One CSV row into a mapping of the same shape as a YAML entry; NULL after an
 * error.  The mapping owns only its kid array: its keys are the file's column
 * nodes and its values go to vals, which owns them (half the nodes of a copy).
 */
static struct ynode *csv_row(struct ld *L, const struct csv *c, const char *fpath,
			     const struct col *cols, const int *colof, size_t ncol, bool dienste,
			     struct ynode *const *keys, struct ynode *vals)
{
	struct ynode *m;
	size_t used = 0;
	char q[64];

	for (size_t i = 0; i < ncol; i++)
		used += c->f[i].len > 0;
	if (!(m = mk_node(L, Y_MAP, fpath, c->rec_line, 1)))
		return NULL;
	m->borrowed = true;
	if (used && !(m->kid = malloc(2 * used * sizeof *m->kid))) {
		free(m);
		L->oom = true;
		return NULL;
	}
	m->cap = 2 * used;
	for (size_t i = 0; i < ncol && !L->oom; i++) {
		const struct csv_field *f = &c->f[i];
		struct ynode *val;

		if (f->len == 0)
			continue;	/* an empty field is an absent key: its default */
		if (dienste && colof[i] == DIENST_PROBE_COL) {
			const struct ynode *p = find_profile(L->src->profiles, f->s);
			if (!p) {
				err_file(L, fpath, f->line, f->col, "probe: '%s' is not a profile "
					 "in probe_profiles of the main configuration",
					 cfg_quote(f->s, q, sizeof q));
				ynode_free(m);
				return NULL;
			}
			val = share_tree(L, p);
		} else {
			val = mk_scalar(L, fpath, f->line, f->col, f->s, f->len, cols[colof[i]].plain);
		}
		if (!add_kid(L, vals, val))
			break;
		m->kid[m->n++] = keys[colof[i]];
		m->kid[m->n++] = val;
	}
	if (L->oom) {
		ynode_free(m);
		return NULL;
	}
	return m;
}

static void csv_file(struct ld *L, const struct ynode *at, const char *path, const char *shown,
		     bool dienste)
{
	const char *key = dienste ? "onlinedienste_csv" : "angebote_csv";
	const struct col *cols = dienste ? dienst_cols : angebot_cols;
	size_t ncols = dienste ? sizeof dienst_cols / sizeof *dienst_cols
			       : sizeof angebot_cols / sizeof *angebot_cols;
	struct ld_src *S = L->src;
	struct csv c;
	struct ynode *holder, *vals, *keys[16];
	const char *fpath;
	int colof[CSV_MAX_FIELDS], seen[16];
	size_t ncol;
	char q[64];
	int rc;
	bool ok = true;

	if (enter_file(L, at, key, path, shown) < 0)
		return;
	if (csv_open(&c, path, L->c->global.config_max_size, CFG_MAX_STRING) != 0) {
		err_at(L, at, "%s: cannot read '%s': %s%s", key, cfg_quote(shown, q, sizeof q), c.err,
		       strncmp(c.err, "larger", 6) == 0 ? " (global.config_max_size)" : "");
		return;
	}
	if (!(fpath = keep_path(L, path)) || !(holder = mk_node(L, Y_SEQ, fpath, 1, 1))) {
		csv_close(&c);
		return;
	}
	keep_root(L, holder);
	if (L->oom || !(vals = mk_node(L, Y_SEQ, fpath, 1, 1))) {
		csv_close(&c);
		return;
	}
	keep_root(L, vals);	/* after holder, so freed after the rows that borrow from it */
	csv_detect_sep(&c);
	rc = csv_next(&c);
	if (rc <= 0) {
		if (rc == 0)
			err_file(L, fpath, 0, 0, "empty, expected a header line (%s)",
				 dienste ? "id;url;name;provider;..." : "area;ozg_id;dienst;reifegrad");
		else
			err_file(L, fpath, c.err_line, c.err_col, "%s", c.err);
		csv_close(&c);
		return;
	}
	ncol = c.nf;
	for (size_t k = 0; k < ncols; k++)
		seen[k] = -1;
	for (size_t i = 0; i < ncol; i++) {
		const struct csv_field *f = &c.f[i];
		size_t k;
		for (k = 0; k < ncols && strcmp(cols[k].name, f->s) != 0; k++)
			;
		if (k == ncols) {
			err_file(L, fpath, f->line, f->col, "unknown column '%s' (expected %s)",
				 cfg_quote(f->s, q, sizeof q),
				 dienste ? "id, url, name, provider, efa, interval, timeout, "
					   "retries, probe" : "area, ozg_id, dienst, reifegrad");
			ok = false;
		} else if (seen[k] >= 0) {
			err_file(L, fpath, f->line, f->col, "column '%s' appears twice", cols[k].name);
			ok = false;
		} else {
			seen[k] = (int)i;
			colof[i] = (int)k;
		}
	}
	/* One key node per column, at the header's place, shared by every row. */
	for (size_t k = 0; k < ncols && ok; k++) {
		keys[k] = NULL;
		if (seen[k] < 0)
			continue;
		keys[k] = mk_scalar(L, fpath, c.f[seen[k]].line, c.f[seen[k]].col, cols[k].name,
				    strlen(cols[k].name), false);
		if (!add_kid(L, vals, keys[k]))
			ok = false;
	}
	for (size_t k = 0; k < ncols; k++)
		if (cols[k].required && seen[k] < 0) {
			err_file(L, fpath, c.rec_line, 1, "the header has no column '%s'",
				 cols[k].name);
			ok = false;
		}
	while (ok && !L->oom && (rc = csv_next(&c)) != 0) {
		struct ynode *m;
		if (rc < 0) {
			err_file(L, fpath, c.err_line, c.err_col, "%s", c.err);
			continue;
		}
		if (c.nf != ncol) {
			const struct csv_field *f = &c.f[c.nf > ncol ? ncol : c.nf - 1];
			err_file(L, fpath, f->line, f->col, "%zu fields, the header has %zu",
				 c.nf, ncol);
			continue;
		}
		if (!(m = csv_row(L, &c, fpath, cols, colof, ncol, dienste, keys, vals)))
			continue;
		if (!add_kid(L, holder, m))
			break;
		if (dienste)
			push_node(L, &S->dienste, &S->n_dienste, &S->cap_dienste, m);
		else
			push_node(L, &S->angebote, &S->n_angebote, &S->cap_angebote, m);
	}
	csv_close(&c);
}

static void csv_list(struct ld *L, const struct ynode *lst, bool dienste)
{
	const char *key = dienste ? "onlinedienste_csv" : "angebote_csv";
	bool empty;

	if (!lst || !want_seq(L, lst, key, &empty) || empty)
		return;
	for (size_t i = 0; i < lst->n && !L->oom; i++) {
		const struct ynode *it = lst->kid[i];
		const char *s = want_text(L, it, key);
		char *path;
		if (!s)
			continue;
		if (!(path = resolve_path(it->file, s))) {
			L->oom = true;
			return;
		}
		csv_file(L, it, path, s, dienste);
		free(path);
	}
}

void src_collect(struct ld *L, const struct ynode *dienste, const struct ynode *angebote,
		 const struct ynode *include, const struct ynode *dcsv, const struct ynode *acsv)
{
	bool empty;

	add_list(L, dienste, "onlinedienste", true);
	add_list(L, angebote, "angebote", false);
	csv_list(L, dcsv, true);
	csv_list(L, acsv, false);
	if (!include || !want_seq(L, include, "include", &empty) || empty)
		return;
	for (size_t i = 0; i < include->n && !L->oom; i++)
		include_item(L, include->kid[i]);
}

/* ---- ids across files ---------------------------------------------------------- */

static const struct ynode *entry_id(const struct ynode *m)
{
	if (m->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < m->n; i += 2)
		if (m->kid[i]->kind == Y_SCALAR && strcmp(m->kid[i]->s, "id") == 0)
			return m->kid[i + 1]->kind == Y_SCALAR ? m->kid[i + 1] : NULL;
	return NULL;
}

static int idref_cmp(const void *a, const void *b)
{
	const struct src_idref *x = a, *y = b;
	int r = strcmp(x->id->s, y->id->s);

	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

void src_dedupe_dienste(struct ld *L)
{
	struct ld_src *S = L->src;
	bool *drop;
	size_t n = 0, w = 0;
	char q[64];

	if (S->n_dienste == 0)
		return;
	S->ids = calloc(S->n_dienste, sizeof *S->ids);
	drop = calloc(S->n_dienste, sizeof *drop);
	if (!S->ids || !drop) {
		free(drop);
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < S->n_dienste; i++) {
		const struct ynode *id = entry_id(S->dienste[i]);
		if (id)
			S->ids[n++] = (struct src_idref){ id, i };
	}
	qsort(S->ids, n, sizeof *S->ids, idref_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct src_idref *x = &S->ids[i], *f = &S->ids[first];
		if (strcmp(x->id->s, f->id->s) != 0) {
			first = i;
			continue;
		}
		/* Within one file the Onlinedienst schema reports it. */
		if (x->id->file == f->id->file)
			continue;
		err_at(L, x->id, "duplicate onlinedienst id '%s' (first at %s:%u:%u)",
		       cfg_quote(x->id->s, q, sizeof q), f->id->file, f->id->line, f->id->col);
		drop[x->idx] = true;
	}
	S->n_ids = n;
	for (size_t i = 0; i < S->n_dienste; i++)
		if (!drop[i])
			S->dienste[w++] = S->dienste[i];
	S->n_dienste = w;
	free(drop);
}

static int key_vs_idref(const void *key, const void *el)
{
	return strcmp(key, ((const struct src_idref *)el)->id->s);
}

void src_fix_marks(struct ld *L)
{
	struct ld_src *S = L->src;
	struct cfg *c = L->c;

	for (size_t i = 0; i < c->n_dienste; i++) {
		const struct src_idref *r;
		if (!c->dienste[i].id)
			continue;
		r = bsearch(c->dienste[i].id, S->ids, S->n_ids, sizeof *S->ids, key_vs_idref);
		if (!r)
			continue;
		while (r > S->ids && strcmp(r[-1].id->s, r->id->s) == 0)
			r--;
		c->dienste[i].mark.file = r->id->file;
	}
}

void src_free(struct ld_src *S)
{
	for (size_t i = 0; i < S->n_roots; i++)
		ynode_free(S->roots[i]);
	free(S->roots);
	free(S->dienste);
	free(S->angebote);
	for (size_t i = 0; i < S->n_real; i++)
		free(S->real[i]);
	free(S->real);
	free(S->open);
	free(S->ids);
	memset(S, 0, sizeof *S);
}
