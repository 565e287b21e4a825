/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * registers.c - the CSV registers (Kreise, Gemeindeverbände, Gemeinden,
 * OZG-Leistungen): loading, validation, lookups.  See registers.h and
 * config.h.
 *
 * Columns are found by their header name, so files with more or reordered
 * columns load.  Rows are first collected with their CSV positions, sorted by
 * key (duplicates reported at the later row), checked against the other
 * registers, then moved into the plain arrays of struct registers.
 */
#include "config/registers.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/csv.h"

#define REG_MAX_POPULATION 100000000L	/* sanity bound for one area */
#define REG_MAX_THEMENFELD 9999L

/* ---- helpers -------------------------------------------------------------- */

bool reg_is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[n] == '\0';
}

/* Parses a non-negative decimal of at most max; -1 on anything else. */
static int parse_count(const char *s, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Makes room for one more element of size elsz; -1 when memory runs out. */
static int grow(void **v, size_t *cap, size_t n, size_t elsz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / elsz)
		return -1;
	p = realloc(*v, ncap * elsz);
	if (!p)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- row types ------------------------------------------------------------ */

struct kreis_row {
	struct reg_kreis v;
	unsigned line, col_key;
};

struct verband_row {
	struct reg_verband v;
	unsigned line, col_key, col_kreis;
};

struct gemeinde_row {
	struct reg_gemeinde v;
	unsigned line, col_key, col_kreis, col_verband;
};

struct leistung_row {
	struct reg_leistung v;
	unsigned line, col_key;
};

/* Everything collected while loading; owned until moved into struct registers. */
struct reg_load_state {
	struct cfg_errors *e;
	bool oom;
	struct kreis_row *k;	size_t nk, capk;
	struct verband_row *vb;	size_t nvb, capvb;
	struct gemeinde_row *g;	size_t ng, capg;
	struct leistung_row *l;	size_t nl, capl;
};

/* ---- reading one file ----------------------------------------------------- */

/* Columns a register needs, located in the header. */
struct reg_cols {
	const char *const *names;
	size_t n;
	int idx[8];
};

/* One register being read: the reader, its path and error state. */
struct reg_file_reader {
	struct csv c;
	const char *path;
	size_t header_nf;
	bool ok;
};

__attribute__((format(printf, 5, 6)))
static void row_err(struct reg_load_state *st, struct reg_file_reader *fr,
		    unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fr->ok = false;
	if (cfg_errf(st->e, fr->path, line, col, "%s", msg) != 0)
		st->oom = true;
}

/*
 * Opens src and reads the header; finds every column of cols.  Returns 0 when
 * rows can be read, -1 otherwise (errors reported, reader closed).
 */
static int reg_open(struct reg_load_state *st, const struct reg_source *src, const char *what,
		    struct reg_file_reader *fr, struct reg_cols *cols)
{
	int r;

	memset(fr, 0, sizeof *fr);
	fr->path = src->path;
	fr->ok = true;
	if (csv_open(&fr->c, src->path, REG_MAX_FILE, REG_MAX_FIELD) != 0) {
		if (cfg_errf(st->e, src->cfg_file, src->line, src->col,
			     "cannot open %s register '%s': %s", what, src->path, fr->c.err) != 0)
			st->oom = true;
		fr->ok = false;
		return -1;
	}
	r = csv_next(&fr->c);
	if (r == 0) {
		row_err(st, fr, 0, 0, "empty file: expected a header line with the columns");
		csv_close(&fr->c);
		return -1;
	}
	if (r < 0) {
		row_err(st, fr, fr->c.err_line, fr->c.err_col, "%s", fr->c.err);
		csv_close(&fr->c);
		return -1;
	}
	fr->header_nf = fr->c.nf;
	for (size_t i = 0; i < cols->n; i++) {
		cols->idx[i] = csv_find(&fr->c, cols->names[i]);
		if (cols->idx[i] < 0) {
			row_err(st, fr, fr->c.rec_line, 1, "missing required column '%s'",
				cols->names[i]);
			continue;
		}
		for (size_t j = (size_t)cols->idx[i] + 1; j < fr->c.nf; j++)
			if (strcmp(fr->c.f[j].s, cols->names[i]) == 0)
				row_err(st, fr, fr->c.f[j].line, fr->c.f[j].col,
					"duplicate column '%s'", cols->names[i]);
	}
	if (!fr->ok) {
		csv_close(&fr->c);
		return -1;
	}
	return 0;
}

/*
 * Reads the next data row.  Returns 1 with a row of the header's width, 0 at
 * the end of the file.  Malformed rows are reported and skipped.
 */
static int reg_row(struct reg_load_state *st, struct reg_file_reader *fr)
{
	/* Bounded: every csv_next() consumes input or reports the end. */
	for (;;) {
		int r = csv_next(&fr->c);
		if (r == 0)
			return 0;
		if (r < 0) {
			row_err(st, fr, fr->c.err_line, fr->c.err_col, "%s", fr->c.err);
			continue;
		}
		if (fr->c.nf != fr->header_nf) {
			unsigned col = fr->c.nf > fr->header_nf ? fr->c.f[fr->header_nf].col : 1;
			unsigned line = fr->c.nf > fr->header_nf ? fr->c.f[fr->header_nf].line
								  : fr->c.rec_line;
			row_err(st, fr, line, col, "record has %zu fields, the header has %zu",
				fr->c.nf, fr->header_nf);
			continue;
		}
		return 1;
	}
}

static const struct csv_field *col_field(const struct reg_file_reader *fr,
					 const struct reg_cols *cols, size_t i)
{
	return &fr->c.f[cols->idx[i]];
}

/* Checks that field f is exactly n digits; reports otherwise. */
static bool want_key(struct reg_load_state *st, struct reg_file_reader *fr,
		     const struct csv_field *f, const char *colname, size_t n)
{
	char q[64];

	if (reg_is_digits(f->s, n))
		return true;
	row_err(st, fr, f->line, f->col, "%s '%s' must be %zu digits", colname,
		cfg_quote(f->s, q, sizeof q), n);
	return false;
}

static bool want_name(struct reg_load_state *st, struct reg_file_reader *fr,
		      const struct csv_field *f, const char *colname)
{
	if (f->len > REG_MAX_NAME) {
		row_err(st, fr, f->line, f->col, "%s is longer than %u bytes", colname,
			REG_MAX_NAME);
		return false;
	}
	if (f->len > 0)
		return true;
	row_err(st, fr, f->line, f->col, "%s is empty", colname);
	return false;
}

static bool want_count(struct reg_load_state *st, struct reg_file_reader *fr,
		       const struct csv_field *f, const char *colname, long max, long *out)
{
	char q[64];

	if (parse_count(f->s, max, out) == 0)
		return true;
	row_err(st, fr, f->line, f->col, "%s '%s' is not a number in 0..%ld", colname,
		cfg_quote(f->s, q, sizeof q), max);
	return false;
}

/* ---- the four registers --------------------------------------------------- */

static void load_kreise(struct reg_load_state *st, const struct reg_source *src, bool *ok)
{
	static const char *const names[] = { "kreis_ags", "name", "population" };
	struct reg_cols cols = { names, 3, { 0 } };
	struct reg_file_reader fr;

	if (reg_open(st, src, "Kreise", &fr, &cols) != 0)
		return;
	while (!st->oom && reg_row(st, &fr) == 1) {
		const struct csv_field *key = col_field(&fr, &cols, 0);
		const struct csv_field *name = col_field(&fr, &cols, 1);
		struct kreis_row row;
		bool good;

		memset(&row, 0, sizeof row);
		good = want_key(st, &fr, key, "kreis_ags", 5);
		good &= want_name(st, &fr, name, "name");
		good &= want_count(st, &fr, col_field(&fr, &cols, 2), "population",
				   REG_MAX_POPULATION, &row.v.population);
		if (!good)
			continue;
		memcpy(row.v.key, key->s, 6);
		row.line = key->line;
		row.col_key = key->col;
		if (grow((void **)&st->k, &st->capk, st->nk, sizeof *st->k) != 0 ||
		    !(row.v.name = xstrdup(name->s))) {
			st->oom = true;
			break;
		}
		st->k[st->nk++] = row;
	}
	*ok = fr.ok;
	csv_close(&fr.c);
}

static void load_verbaende(struct reg_load_state *st, const struct reg_source *src, bool *ok)
{
	static const char *const names[] = { "verband_ars", "kreis_ags", "name" };
	struct reg_cols cols = { names, 3, { 0 } };
	struct reg_file_reader fr;
	char q1[64], q2[64];

	if (reg_open(st, src, "Gemeindeverbände", &fr, &cols) != 0)
		return;
	while (!st->oom && reg_row(st, &fr) == 1) {
		const struct csv_field *key = col_field(&fr, &cols, 0);
		const struct csv_field *kreis = col_field(&fr, &cols, 1);
		const struct csv_field *name = col_field(&fr, &cols, 2);
		struct verband_row row;
		bool good, kk;

		memset(&row, 0, sizeof row);
		good = want_key(st, &fr, key, "verband_ars", 9);
		kk = want_key(st, &fr, kreis, "kreis_ags", 5);
		good &= kk;
		good &= want_name(st, &fr, name, "name");
		if (good && memcmp(key->s, kreis->s, 5) != 0) {
			row_err(st, &fr, key->line, key->col,
				"verband_ars '%s' does not start with its kreis_ags '%s'",
				cfg_quote(key->s, q1, sizeof q1), cfg_quote(kreis->s, q2, sizeof q2));
			good = false;
		}
		if (!good)
			continue;
		memcpy(row.v.key, key->s, 10);
		memcpy(row.v.kreis, kreis->s, 6);
		row.line = key->line;
		row.col_key = key->col;
		row.col_kreis = kreis->col;
		if (grow((void **)&st->vb, &st->capvb, st->nvb, sizeof *st->vb) != 0 ||
		    !(row.v.name = xstrdup(name->s))) {
			st->oom = true;
			break;
		}
		st->vb[st->nvb++] = row;
	}
	*ok = fr.ok;
	csv_close(&fr.c);
}

static void load_gemeinden(struct reg_load_state *st, const struct reg_source *src, bool *ok)
{
	static const char *const names[] = { "ags", "ars", "name", "kreis_ags", "verband_ars",
					     "population" };
	struct reg_cols cols = { names, 6, { 0 } };
	struct reg_file_reader fr;
	char q1[64], q2[64];

	if (reg_open(st, src, "Gemeinden", &fr, &cols) != 0)
		return;
	while (!st->oom && reg_row(st, &fr) == 1) {
		const struct csv_field *ags = col_field(&fr, &cols, 0);
		const struct csv_field *ars = col_field(&fr, &cols, 1);
		const struct csv_field *name = col_field(&fr, &cols, 2);
		const struct csv_field *kreis = col_field(&fr, &cols, 3);
		const struct csv_field *verband = col_field(&fr, &cols, 4);
		struct gemeinde_row row;
		bool good_ags, good_ars, good_k, good_v, good;

		memset(&row, 0, sizeof row);
		good_ags = want_key(st, &fr, ags, "ags", 8);
		good_ars = want_key(st, &fr, ars, "ars", 12);
		good_k = want_key(st, &fr, kreis, "kreis_ags", 5);
		good_v = want_key(st, &fr, verband, "verband_ars", 9);
		good = good_ags && good_ars && good_k && good_v;
		good &= want_name(st, &fr, name, "name");
		good &= want_count(st, &fr, col_field(&fr, &cols, 5), "population",
				   REG_MAX_POPULATION, &row.v.population);
		/* AGS = Kreis(5) + Gemeinde(3); ARS = Verband(9) + Gemeinde(3). */
		if (good_ags && good_k && memcmp(ags->s, kreis->s, 5) != 0) {
			row_err(st, &fr, ags->line, ags->col,
				"ags '%s' does not start with its kreis_ags '%s'",
				cfg_quote(ags->s, q1, sizeof q1), cfg_quote(kreis->s, q2, sizeof q2));
			good = false;
		}
		if (good_ars && good_v && memcmp(ars->s, verband->s, 9) != 0) {
			row_err(st, &fr, ars->line, ars->col,
				"ars '%s' does not start with its verband_ars '%s'",
				cfg_quote(ars->s, q1, sizeof q1), cfg_quote(verband->s, q2, sizeof q2));
			good = false;
		}
		if (good_ags && good_ars &&
		    (memcmp(ars->s, ags->s, 5) != 0 || memcmp(ars->s + 9, ags->s + 5, 3) != 0)) {
			row_err(st, &fr, ars->line, ars->col,
				"ars '%s' does not match ags '%s' (Kreis and Gemeinde digits differ)",
				cfg_quote(ars->s, q1, sizeof q1), cfg_quote(ags->s, q2, sizeof q2));
			good = false;
		}
		if (!good)
			continue;
		memcpy(row.v.ags, ags->s, 9);
		memcpy(row.v.ars, ars->s, 13);
		memcpy(row.v.kreis, kreis->s, 6);
		memcpy(row.v.verband, verband->s, 10);
		row.line = ags->line;
		row.col_key = ags->col;
		row.col_kreis = kreis->col;
		row.col_verband = verband->col;
		if (grow((void **)&st->g, &st->capg, st->ng, sizeof *st->g) != 0 ||
		    !(row.v.name = xstrdup(name->s))) {
			st->oom = true;
			break;
		}
		st->g[st->ng++] = row;
	}
	*ok = fr.ok;
	csv_close(&fr.c);
}

static void load_leistungen(struct reg_load_state *st, const struct reg_source *src, bool *ok)
{
	static const char *const names[] = { "ozg_id", "ozg_leistung", "themenfeld_id",
					     "themenfeld" };
	struct reg_cols cols = { names, 4, { 0 } };
	struct reg_file_reader fr;
	int ll;

	if (reg_open(st, src, "OZG-Leistungen", &fr, &cols) != 0)
		return;
	ll = csv_find(&fr.c, "lebenslage");	/* optional: the catalogue's filters */
	while (!st->oom && reg_row(st, &fr) == 1) {
		const struct csv_field *key = col_field(&fr, &cols, 0);
		const struct csv_field *name = col_field(&fr, &cols, 1);
		const struct csv_field *tf = col_field(&fr, &cols, 3);
		struct leistung_row row;
		long tf_id = 0;
		bool good;

		memset(&row, 0, sizeof row);
		good = want_key(st, &fr, key, "ozg_id", 5);
		good &= want_name(st, &fr, name, "ozg_leistung");
		good &= want_count(st, &fr, col_field(&fr, &cols, 2), "themenfeld_id",
				   REG_MAX_THEMENFELD, &tf_id);
		good &= want_name(st, &fr, tf, "themenfeld");
		if (!good)
			continue;
		memcpy(row.v.ozg_id, key->s, 6);
		row.v.themenfeld_id = (int)tf_id;
		row.line = key->line;
		row.col_key = key->col;
		if (grow((void **)&st->l, &st->capl, st->nl, sizeof *st->l) != 0) {
			st->oom = true;
			break;
		}
		row.v.name = xstrdup(name->s);
		row.v.themenfeld = xstrdup(tf->s);
		row.v.lebenslage = ll >= 0 && fr.c.f[ll].s[0] ? xstrdup(fr.c.f[ll].s) : NULL;
		if (!row.v.name || !row.v.themenfeld || (ll >= 0 && fr.c.f[ll].s[0] && !row.v.lebenslage)) {
			free(row.v.name);
			free(row.v.themenfeld);
			free(row.v.lebenslage);
			st->oom = true;
			break;
		}
		st->l[st->nl++] = row;
	}
	*ok = fr.ok;
	csv_close(&fr.c);
}

/* ---- sorting and duplicates ---------------------------------------------- */

#define ROW_CMP(fn, type, keyfield)                                         \
	static int fn(const void *a, const void *b)                         \
	{                                                                   \
		const type *x = a, *y = b;                                  \
		int r = strcmp(x->v.keyfield, y->v.keyfield);               \
		if (r != 0)                                                 \
			return r;                                           \
		return (x->line > y->line) - (x->line < y->line);           \
	}
ROW_CMP(kreis_row_cmp, struct kreis_row, key)
ROW_CMP(verband_row_cmp, struct verband_row, key)
ROW_CMP(gemeinde_row_cmp, struct gemeinde_row, ags)
ROW_CMP(leistung_row_cmp, struct leistung_row, ozg_id)

/*
 * Sorts rows (n of elsz bytes, key string at keyoff, positions from pos())
 * and drops every row whose key equals its predecessor's, reporting it.
 * free_row releases a dropped row's strings.
 */
static size_t sort_dedup(struct reg_load_state *st, void *rows, size_t n, size_t elsz,
			 int (*cmp)(const void *, const void *), size_t keyoff,
			 void (*pos)(const void *, unsigned *, unsigned *),
			 void (*free_row)(void *), const char *path, const char *colname)
{
	char *base = rows;
	size_t w = 0;
	char q[64];

	if (n == 0)
		return 0;
	qsort(rows, n, elsz, cmp);
	for (size_t i = 1; i < n; i++) {
		char *prev = base + w * elsz, *cur = base + i * elsz;
		if (strcmp(prev + keyoff, cur + keyoff) == 0) {
			unsigned pl, pc, cl, cc;
			pos(prev, &pl, &pc);
			pos(cur, &cl, &cc);
			if (cfg_errf(st->e, path, cl, cc, "duplicate %s '%s' (first at line %u)",
				     colname, cfg_quote(cur + keyoff, q, sizeof q), pl) != 0)
				st->oom = true;
			free_row(cur);
			continue;
		}
		w++;
		if (w != i)
			memcpy(base + w * elsz, cur, elsz);
	}
	return w + 1;
}

#define ROW_POS(fn, type)                                                   \
	static void fn(const void *p, unsigned *line, unsigned *col)        \
	{                                                                   \
		const type *r = p;                                          \
		*line = r->line;                                            \
		*col = r->col_key;                                          \
	}
ROW_POS(kreis_row_pos, struct kreis_row)
ROW_POS(verband_row_pos, struct verband_row)
ROW_POS(gemeinde_row_pos, struct gemeinde_row)
ROW_POS(leistung_row_pos, struct leistung_row)

static void kreis_row_free(void *p)
{
	free(((struct kreis_row *)p)->v.name);
}

static void verband_row_free(void *p)
{
	free(((struct verband_row *)p)->v.name);
}

static void gemeinde_row_free(void *p)
{
	free(((struct gemeinde_row *)p)->v.name);
}

static void leistung_row_free(void *p)
{
	struct leistung_row *r = p;
	free(r->v.name);
	free(r->v.themenfeld);
	free(r->v.lebenslage);
}

static int key_vs_kreis_row(const void *key, const void *el)
{
	return strcmp(key, ((const struct kreis_row *)el)->v.key);
}

static int key_vs_verband_row(const void *key, const void *el)
{
	return strcmp(key, ((const struct verband_row *)el)->v.key);
}

/* ---- cross-checks and result ---------------------------------------------- */

/* bsearch() over n rows; an empty register (base NULL) finds nothing. */
static const void *find_row(const char *key, const void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

static void cross_check(struct reg_load_state *st, const struct reg_source src[REG_NFILES],
			bool ok[REG_NFILES])
{
	bool kreise_ok = ok[REG_KREISE], verbaende_ok = ok[REG_VERBAENDE];

	if (kreise_ok && verbaende_ok) {
		for (size_t i = 0; i < st->nvb; i++) {
			const struct verband_row *v = &st->vb[i];
			if (find_row(v->v.kreis, st->k, st->nk, sizeof *st->k, key_vs_kreis_row))
				continue;
			if (cfg_errf(st->e, src[REG_VERBAENDE].path, v->line, v->col_kreis,
				     "kreis_ags '%s' of Gemeindeverband '%s' is not in the Kreise register",
				     v->v.kreis, v->v.key) != 0)
				st->oom = true;
			ok[REG_VERBAENDE] = false;
		}
	}
	if (!ok[REG_GEMEINDEN])
		return;
	for (size_t i = 0; i < st->ng; i++) {
		const struct gemeinde_row *g = &st->g[i];
		if (kreise_ok &&
		    !find_row(g->v.kreis, st->k, st->nk, sizeof *st->k, key_vs_kreis_row)) {
			if (cfg_errf(st->e, src[REG_GEMEINDEN].path, g->line, g->col_kreis,
				     "kreis_ags '%s' of Gemeinde '%s' is not in the Kreise register",
				     g->v.kreis, g->v.ags) != 0)
				st->oom = true;
			ok[REG_GEMEINDEN] = false;
		}
		if (verbaende_ok &&
		    !find_row(g->v.verband, st->vb, st->nvb, sizeof *st->vb, key_vs_verband_row)) {
			if (cfg_errf(st->e, src[REG_GEMEINDEN].path, g->line, g->col_verband,
				     "verband_ars '%s' of Gemeinde '%s' is not in the Gemeindeverbände register",
				     g->v.verband, g->v.ags) != 0)
				st->oom = true;
			ok[REG_GEMEINDEN] = false;
		}
	}
}

/* ---- LeiKa types (optional) ------------------------------------------------- */

static int key_vs_leistung_row(const void *k, const void *row)
{
	return strcmp(k, ((const struct leistung_row *)row)->v.ozg_id);
}

/*
 * The LeiKa-Typ column as the catalogue writes it: "1", "2/3", "4", "5",
 * also "2", "6" and lists such as "1, 2/3".  Returns the REG_LEIKA_* bits of
 * the tokens it knows; other tokens add nothing.
 */
static unsigned leika_bits(const char *s)
{
	unsigned bits = 0;

	while (*s) {
		size_t n = strcspn(s, ", ;");
		if (n == 1 && *s >= '1' && *s <= '6')
			bits |= 1u << (*s - '1');
		else if (n == 3 && strncmp(s, "2/3", 3) == 0)
			bits |= REG_LEIKA_T2 | REG_LEIKA_T3;
		s += n;
		s += strspn(s, ", ;");
	}
	return bits;
}

/*
 * Reads ozg_leika_zuordnung.csv (leika_typ, ozg_id) into the loaded, sorted
 * Leistungen' leika_typ.  A row without an OZG-ID (the catalogue leaves some
 * unassigned) or with one the catalogue does not have is skipped: the file
 * describes the catalogue, not the configuration.
 */
static void load_leika(struct reg_load_state *st, const struct reg_source *src, bool *ok)
{
	static const char *const names[] = { "leika_typ", "ozg_id" };
	struct reg_cols cols = { names, 2, { 0 } };
	struct reg_file_reader fr;

	if (reg_open(st, src, "LeiKa", &fr, &cols) != 0)
		return;
	while (!st->oom && reg_row(st, &fr) == 1) {
		const struct csv_field *typ = col_field(&fr, &cols, 0);
		const struct csv_field *key = col_field(&fr, &cols, 1);
		struct leistung_row *l;

		if (key->len == 0)
			continue;
		if (!want_key(st, &fr, key, "ozg_id", 5))
			continue;
		l = st->nl ? bsearch(key->s, st->l, st->nl, sizeof *st->l, key_vs_leistung_row) : NULL;
		if (l)
			l->v.leika_typ |= leika_bits(typ->s);
	}
	*ok = fr.ok;
	csv_close(&fr.c);
}

/* Moves the rows into r (an empty register stays NULL); -1 when memory runs out. */
static int move_out(struct reg_load_state *st, struct registers *r)
{
	if (st->nk) {
		r->kreise = calloc(st->nk, sizeof *r->kreise);
		if (!r->kreise)
			return -1;
		for (size_t i = 0; i < st->nk; i++) {
			r->kreise[i] = st->k[i].v;
			st->k[i].v.name = NULL;
		}
		r->n_kreise = st->nk;
	}
	if (st->nvb) {
		r->verbaende = calloc(st->nvb, sizeof *r->verbaende);
		if (!r->verbaende)
			return -1;
		for (size_t i = 0; i < st->nvb; i++) {
			r->verbaende[i] = st->vb[i].v;
			st->vb[i].v.name = NULL;
		}
		r->n_verbaende = st->nvb;
	}
	if (st->ng) {
		r->gemeinden = calloc(st->ng, sizeof *r->gemeinden);
		if (!r->gemeinden)
			return -1;
		for (size_t i = 0; i < st->ng; i++) {
			r->gemeinden[i] = st->g[i].v;
			st->g[i].v.name = NULL;
		}
		r->n_gemeinden = st->ng;
	}
	if (st->nl) {
		r->leistungen = calloc(st->nl, sizeof *r->leistungen);
		if (!r->leistungen)
			return -1;
		for (size_t i = 0; i < st->nl; i++) {
			r->leistungen[i] = st->l[i].v;
			st->l[i].v.name = NULL;
			st->l[i].v.themenfeld = NULL;
			st->l[i].v.lebenslage = NULL;
		}
		r->n_leistungen = st->nl;
	}
	return 0;
}

static void state_free(struct reg_load_state *st)
{
	for (size_t i = 0; i < st->nk; i++)
		kreis_row_free(&st->k[i]);
	for (size_t i = 0; i < st->nvb; i++)
		verband_row_free(&st->vb[i]);
	for (size_t i = 0; i < st->ng; i++)
		gemeinde_row_free(&st->g[i]);
	for (size_t i = 0; i < st->nl; i++)
		leistung_row_free(&st->l[i]);
	free(st->k);
	free(st->vb);
	free(st->g);
	free(st->l);
}

int reg_load(struct registers *r, const struct reg_source src[REG_NFILES],
	     bool ok[REG_NFILES], struct cfg_errors *e)
{
	struct reg_load_state st;
	int rc = 0;

	memset(&st, 0, sizeof st);
	st.e = e;
	for (int i = 0; i < REG_NFILES; i++)
		ok[i] = false;
	if (src[REG_KREISE].path)
		load_kreise(&st, &src[REG_KREISE], &ok[REG_KREISE]);
	if (!st.oom && src[REG_VERBAENDE].path)
		load_verbaende(&st, &src[REG_VERBAENDE], &ok[REG_VERBAENDE]);
	if (!st.oom && src[REG_GEMEINDEN].path)
		load_gemeinden(&st, &src[REG_GEMEINDEN], &ok[REG_GEMEINDEN]);
	if (!st.oom && src[REG_LEISTUNGEN].path)
		load_leistungen(&st, &src[REG_LEISTUNGEN], &ok[REG_LEISTUNGEN]);
	if (!st.oom) {
		size_t n;
		n = sort_dedup(&st, st.k, st.nk, sizeof *st.k, kreis_row_cmp,
			       offsetof(struct kreis_row, v.key), kreis_row_pos, kreis_row_free,
			       src[REG_KREISE].path, "kreis_ags");
		ok[REG_KREISE] &= n == st.nk;
		st.nk = n;
		n = sort_dedup(&st, st.vb, st.nvb, sizeof *st.vb, verband_row_cmp,
			       offsetof(struct verband_row, v.key), verband_row_pos,
			       verband_row_free, src[REG_VERBAENDE].path, "verband_ars");
		ok[REG_VERBAENDE] &= n == st.nvb;
		st.nvb = n;
		n = sort_dedup(&st, st.g, st.ng, sizeof *st.g, gemeinde_row_cmp,
			       offsetof(struct gemeinde_row, v.ags), gemeinde_row_pos,
			       gemeinde_row_free, src[REG_GEMEINDEN].path, "ags");
		ok[REG_GEMEINDEN] &= n == st.ng;
		st.ng = n;
		n = sort_dedup(&st, st.l, st.nl, sizeof *st.l, leistung_row_cmp,
			       offsetof(struct leistung_row, v.ozg_id), leistung_row_pos,
			       leistung_row_free, src[REG_LEISTUNGEN].path, "ozg_id");
		ok[REG_LEISTUNGEN] &= n == st.nl;
		st.nl = n;
		cross_check(&st, src, ok);
		if (!st.oom && src[REG_LEIKA].path)
			load_leika(&st, &src[REG_LEIKA], &ok[REG_LEIKA]);
	}
	if (st.oom || move_out(&st, r) != 0)
		rc = -1;
	state_free(&st);
	return rc;
}

void reg_free(struct registers *r)
{
	if (!r)
		return;
	free(r->land_name);
	for (size_t i = 0; i < r->n_kreise; i++)
		free(r->kreise[i].name);
	for (size_t i = 0; i < r->n_verbaende; i++)
		free(r->verbaende[i].name);
	for (size_t i = 0; i < r->n_gemeinden; i++)
		free(r->gemeinden[i].name);
	for (size_t i = 0; i < r->n_leistungen; i++) {
		free(r->leistungen[i].name);
		free(r->leistungen[i].themenfeld);
		free(r->leistungen[i].lebenslage);
	}
	free(r->geo);
	free(r->kreise);
	free(r->verbaende);
	free(r->gemeinden);
	free(r->leistungen);
	memset(r, 0, sizeof *r);
}

/* ---- lookups --------------------------------------------------------------- */

static int key_vs_kreis(const void *key, const void *el)
{
	return strcmp(key, ((const struct reg_kreis *)el)->key);
}

static int key_vs_verband(const void *key, const void *el)
{
	return strcmp(key, ((const struct reg_verband *)el)->key);
}

static int key_vs_gemeinde(const void *key, const void *el)
{
	return strcmp(key, ((const struct reg_gemeinde *)el)->ags);
}

static int key_vs_leistung(const void *key, const void *el)
{
	return strcmp(key, ((const struct reg_leistung *)el)->ozg_id);
}

const struct reg_kreis *reg_find_kreis(const struct registers *r, const char *key)
{
	if (!r || !key || !r->n_kreise)
		return NULL;
	return bsearch(key, r->kreise, r->n_kreise, sizeof *r->kreise, key_vs_kreis);
}

const struct reg_verband *reg_find_verband(const struct registers *r, const char *key)
{
	if (!r || !key || !r->n_verbaende)
		return NULL;
	return bsearch(key, r->verbaende, r->n_verbaende, sizeof *r->verbaende, key_vs_verband);
}

const struct reg_gemeinde *reg_find_gemeinde(const struct registers *r, const char *key)
{
	const struct reg_gemeinde *g;
	char ags[9];

	if (!r || !key || !r->n_gemeinden)
		return NULL;
	if (reg_is_digits(key, 8))
		return bsearch(key, r->gemeinden, r->n_gemeinden, sizeof *r->gemeinden,
			       key_vs_gemeinde);
	if (!reg_is_digits(key, 12))
		return NULL;
	/* An ARS carries the AGS digits: Kreis(5) + Verband(4) + Gemeinde(3). */
	memcpy(ags, key, 5);
	memcpy(ags + 5, key + 9, 3);
	ags[8] = '\0';
	g = bsearch(ags, r->gemeinden, r->n_gemeinden, sizeof *r->gemeinden, key_vs_gemeinde);
	return g && strcmp(g->ars, key) == 0 ? g : NULL;
}

const struct reg_leistung *reg_find_leistung(const struct registers *r, const char *ozg_id)
{
	if (!r || !ozg_id || !r->n_leistungen)
		return NULL;
	return bsearch(ozg_id, r->leistungen, r->n_leistungen, sizeof *r->leistungen,
		       key_vs_leistung);
}
