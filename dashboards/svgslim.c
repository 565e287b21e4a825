/* SPDX-License-Identifier: EUPL-1.2 */
/* svgslim.c - see svgslim.h. */
#include "dashboards/svgslim.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_MARGIN 20.0		/* units from the right border that count as "the edge" */
#define MAX_IDS 1024		/* distinct glyph references kept track of */
#define ID_LEN 32

/* One line of the input: [p, p + n). */
struct line {
	const char *p;
	size_t n;
};

struct ids {
	size_t n;
	char v[MAX_IDS][ID_LEN];
	bool overflow;		/* too many: keep every symbol */
};

static bool starts(const struct line *l, const char *s)
{
	size_t k = strlen(s);
	return l->n >= k && memcmp(l->p, s, k) == 0;
}

/* The value of attribute `name` (e.g. "x=\"") in the line, copied into out; false when absent. */
static bool attr(const struct line *l, const char *name, char *out, size_t outsz)
{
	size_t k = strlen(name);

	for (size_t i = 0; i + k <= l->n; i++) {
		if (memcmp(l->p + i, name, k) != 0 || (i > 0 && l->p[i - 1] != ' '))
			continue;
		size_t j = i + k, o = 0;
		while (j < l->n && l->p[j] != '"' && o + 1 < outsz)
			out[o++] = l->p[j++];
		out[o] = '\0';
		return j < l->n && l->p[j] == '"';
	}
	return false;
}

static void ids_add(struct ids *ids, const char *id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			return;
	if (ids->n >= MAX_IDS || strlen(id) >= ID_LEN) {
		ids->overflow = true;
		return;
	}
	snprintf(ids->v[ids->n++], ID_LEN, "%s", id);
}

static bool ids_has(const struct ids *ids, const char *id)
{
	if (ids->overflow)
		return true;
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			return true;
	return false;
}

/* Appends a number rounded to `dec` decimals (1 or 2), without trailing zeros. */
static void put_num(struct buf *out, double v, int dec)
{
	char t[40], *e = t + sizeof t, *o = e;
	long long f = dec == 1 ? 10 : 100, q;
	bool neg;

	if (!isfinite(v) || fabs(v) > 1e15) {
		buf_puts(out, "0");
		return;
	}
	q = llround(v * (double)f);
	neg = q < 0;
	if (neg)
		q = -q;
	/* the decimals, without trailing zeros */
	{
		long long fr = q % f, ip = q / f;
		int nd = dec;
		while (nd > 0 && fr % 10 == 0) {
			fr /= 10;
			nd--;
		}
		for (int i = 0; i < nd; i++) {
			*--o = (char)('0' + fr % 10);
			fr /= 10;
		}
		if (nd > 0)
			*--o = '.';
		do {
			*--o = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip > 0);
	}
	if (neg && q != 0)
		*--o = '-';
	buf_append(out, o, (size_t)(e - o));
}

/*
 * Path data with its numbers rounded to `dec` decimals.  A closing
 * "Z M x y" at the very end (a move that draws nothing) is dropped.
 */
static void put_path_data(struct buf *out, const char *p, size_t n, int dec)
{
	size_t i = 0;

	while (n > 0 && p[n - 1] == ' ')
		n--;
	for (size_t k = n; k-- > 0;) {
		if (p[k] == 'M') {
			size_t z = k;
			while (z > 0 && p[z - 1] == ' ')
				z--;
			bool coords = true;
			for (size_t j = k + 1; j < n; j++)
				coords = coords && strchr(" 0123456789.-", p[j]) != NULL;
			if (z > 0 && p[z - 1] == 'Z' && coords)
				n = z;
			break;
		}
		if (strchr("LCZQAHVST", p[k]))
			break;
	}

	while (i < n) {
		if (isdigit((unsigned char)p[i]) || ((p[i] == '-' || p[i] == '.') && i + 1 < n &&
						     (isdigit((unsigned char)p[i + 1]) || p[i + 1] == '.'))) {
			char t[64];
			size_t k = 0;
			while (i < n && k + 1 < sizeof t &&
			       (isdigit((unsigned char)p[i]) || p[i] == '.' || (k == 0 && p[i] == '-')))
				t[k++] = p[i++];
			t[k] = '\0';
			put_num(out, strtod(t, NULL), dec);
		} else {
			size_t j = i + 1;
			while (j < n && !isdigit((unsigned char)p[j]) && p[j] != '-' && p[j] != '.')
				j++;
			buf_append(out, p + i, j - i);
			i = j;
		}
	}
}

/* One style declaration without the defaults; rgb(r%,g%,b%) as #rrggbb. */
static void put_decl(struct buf *out, const char *d, size_t n, bool *first)
{
	static const char *const defaults[] = {
		"stroke-linecap:butt", "stroke-linejoin:miter", "stroke-opacity:1", "fill-opacity:1",
		"fill-rule:nonzero", "stroke-miterlimit:10",
	};
	char t[160];
	double r, g, b;
	const char *colon;

	while (n > 0 && d[0] == ' ')
		d++, n--;
	while (n > 0 && d[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof t)
		goto verbatim;
	memcpy(t, d, n);
	t[n] = '\0';
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcmp(t, defaults[i]) == 0)
			return;
	colon = strchr(t, ':');
	if (colon && sscanf(colon + 1, "rgb(%lf%%,%lf%%,%lf%%)", &r, &g, &b) == 3 &&
	    r >= 0 && r <= 100 && g >= 0 && g <= 100 && b >= 0 && b <= 100) {
		if (!*first)
			buf_puts(out, ";");
		*first = false;
		buf_printf(out, "%.*s#%02x%02x%02x", (int)(colon + 1 - t),
			   t, (unsigned)lround(r * 2.55), (unsigned)lround(g * 2.55),
			   (unsigned)lround(b * 2.55));
		return;
	}
verbatim:
	if (n == 0)
		return;
	if (!*first)
		buf_puts(out, ";");
	*first = false;
	buf_append(out, d, n);
}

/* One line: indentation dropped, path data rounded to `dec` decimals, styles trimmed. */
static void put_line(struct buf *out, const struct line *l, int dec)
{
	const char *p = l->p, *end = l->p + l->n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end) {
		const char *q;
		if ((size_t)(end - p) > 4 && memcmp(p, " d=\"", 4) == 0 &&
		    (q = memchr(p + 4, '"', (size_t)(end - p - 4)))) {
			buf_puts(out, " d=\"");
			put_path_data(out, p + 4, (size_t)(q - p - 4), dec);
			buf_puts(out, "\"");
			p = q + 1;
		} else if ((size_t)(end - p) > 8 && memcmp(p, " style=\"", 8) == 0 &&
			   (q = memchr(p + 8, '"', (size_t)(end - p - 8)))) {
			const char *s = p + 8;
			bool first = true;
			size_t at = out->len;
			buf_puts(out, " style=\"");
			while (s < q) {
				const char *semi = memchr(s, ';', (size_t)(q - s));
				const char *e = semi ? semi : q;
				put_decl(out, s, (size_t)(e - s), &first);
				s = e + (semi ? 1 : 0);
			}
			if (first)
				out->len = at;	/* nothing left: no attribute */
			else
				buf_puts(out, "\"");
			p = q + 1;
		} else {
			/* up to the next attribute that may need rewriting */
			const char *r = p + 1;
			while (r < end && *r != ' ')
				r++;
			buf_append(out, p, (size_t)(r - p));
			p = r;
		}
	}
	buf_puts(out, "\n");
}


/* A stroke-only path waiting for more of the same style (merged into one element). */
struct pending {
	struct buf style, d;
	bool on;
};

static void flush_pending(struct buf *out, struct pending *pd)
{
	if (!pd->on)
		return;
	buf_puts(out, "<path style=\"");
	buf_append(out, pd->style.data, pd->style.len);
	buf_puts(out, "\" d=\"");
	buf_append(out, pd->d.data, pd->d.len);
	buf_puts(out, "\"/>\n");
	buf_reset(&pd->style);
	buf_reset(&pd->d);
	pd->on = false;
}

/*
 * Emits a rendered body line (in r), merging consecutive `<path style=S
 * d=D/>` elements that only stroke (fill:none) and share S into one path:
 * each keeps its own subpaths (and its dash pattern, which restarts per
 * subpath), so the picture does not change.
 */
static void emit_body(struct buf *out, struct pending *pd, const char *r, size_t n)
{
	static const char ps[] = "<path style=\"", mid[] = "\" d=\"", tail[] = "\"/>\n";
	const char *st, *se, *ds, *de;

	if (n > sizeof ps + sizeof mid + sizeof tail && memcmp(r, ps, sizeof ps - 1) == 0 &&
	    memcmp(r + n - (sizeof tail - 1), tail, sizeof tail - 1) == 0) {
		st = r + sizeof ps - 1;
		se = memchr(st, '"', n - (size_t)(st - r));
		if (se && (size_t)(r + n - se) > sizeof mid && memcmp(se, mid, sizeof mid - 1) == 0) {
			ds = se + sizeof mid - 1;
			de = r + n - (sizeof tail - 1);
			if (!memchr(ds, '"', (size_t)(de - ds)) && memmem(st, (size_t)(se - st), "fill:none", 9)) {
				if (pd->on && pd->style.len == (size_t)(se - st) &&
				    memcmp(pd->style.data, st, pd->style.len) == 0) {
					buf_puts(&pd->d, " ");
					buf_append(&pd->d, ds, (size_t)(de - ds));
					return;
				}
				flush_pending(out, pd);
				buf_append(&pd->style, st, (size_t)(se - st));
				buf_append(&pd->d, ds, (size_t)(de - ds));
				pd->on = true;
				return;
			}
		}
	}
	flush_pending(out, pd);
	buf_append(out, r, n);
}

/* Records the glyph a <use> line names. */
static void note_use(struct ids *ids, const struct line *l)
{
	char ref[64];
	if (attr(l, "xlink:href=\"#", ref, sizeof ref))
		ids_add(ids, ref);
}

int dash_svg_slim(const char *in, size_t len, struct buf *out, char *err, size_t errsz)
{
	struct line *lines = NULL;
	size_t n = 0, cap = 0, defs_from = 0, defs_to = 0;
	struct ids *ids = NULL, *empty = NULL;
	struct buf body, one;
	struct pending pd = { .on = false };
	double width = 0;
	int rc = -1;

	buf_init(&body, out->limit);
	buf_init(&one, out->limit);
	buf_init(&pd.style, 4096);
	buf_init(&pd.d, out->limit);
	/* Split into lines. */
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - in) : len;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct line *nl2 = realloc(lines, nc * sizeof *lines);
			if (!nl2) {
				snprintf(err, errsz, "out of memory");
				goto out;
			}
			lines = nl2;
			cap = nc;
		}
		lines[n].p = in + i;
		lines[n].n = e - i;
		n++;
		i = e + 1;
	}
	ids = calloc(1, sizeof *ids);
	empty = calloc(1, sizeof *empty);
	if (!ids || !empty) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char vb[128];
		double x0, y0, h;
		struct line t = lines[i];
		while (t.n && (*t.p == ' ' || *t.p == '\t'))
			t.p++, t.n--;
		if (width == 0 && starts(&t, "<svg ") && attr(&t, "viewBox=\"", vb, sizeof vb) &&
		    sscanf(vb, "%lf %lf %lf %lf", &x0, &y0, &width, &h) != 4)
			width = 0;
		if (starts(&t, "<defs>") && !defs_from)
			defs_from = i + 1;
		if (starts(&t, "</defs>") && defs_from && !defs_to)
			defs_to = i;
	}
	if (width <= 0 || n < 2 || !memmem(in, len, "</svg>", 6)) {
		snprintf(err, errsz, "not an SVG document from librrd (no viewBox or no </svg>)");
		goto out;
	}
	/* Glyphs without an outline (spaces): their <use> elements draw nothing. */
	for (size_t i = defs_from; defs_to && i + 1 < defs_to; i++) {
		struct line t = lines[i], u = lines[i + 1];
		char id[64];
		while (t.n && (*t.p == ' ' || *t.p == '\t'))
			t.p++, t.n--;
		if (starts(&t, "<symbol ") && attr(&t, "id=\"", id, sizeof id) &&
		    memmem(u.p, u.n, " d=\"\"", 5))
			ids_add(empty, id);
	}
	/* The drawing after the definitions: drop the edge text, note which glyphs stay in use. */
	for (size_t i = defs_to ? defs_to + 1 : 0; i < n; i++) {
		struct line t = lines[i];
		while (t.n && (*t.p == ' ' || *t.p == '\t'))
			t.p++, t.n--;
		if (starts(&t, "<g style=")) {
			size_t j = i + 1, uses = 0;
			double x_same = NAN;
			bool same = true;
			for (; j < n; j++) {
				struct line u = lines[j];
				char xs[32];
				while (u.n && (*u.p == ' ' || *u.p == '\t'))
					u.p++, u.n--;
				if (starts(&u, "</g>"))
					break;
				if (!starts(&u, "<use ") || !attr(&u, "x=\"", xs, sizeof xs)) {
					same = false;
					break;
				}
				uses++;
				if (isnan(x_same))
					x_same = strtod(xs, NULL);
				else if (strtod(xs, NULL) != x_same)
					same = false;
			}
			if (j < n && same && uses >= 2 && x_same >= width - TAG_MARGIN) {
				i = j;	/* vertical text at the right edge: librrd's tag */
				continue;
			}
		}
		if (starts(&t, "<use ")) {
			char ref[64];
			if (!empty->overflow && attr(&t, "xlink:href=\"#", ref, sizeof ref) &&
			    ids_has(empty, ref))
				continue;
			note_use(ids, &t);
		}
		buf_reset(&one);
		put_line(&one, &lines[i], 1);
		emit_body(&body, &pd, one.data ? one.data : "", one.len);
	}
	flush_pending(&body, &pd);
	/* The head and the definitions, without glyphs nobody uses. */
	for (size_t i = 0; i < (defs_to ? defs_to + 1 : 0); i++) {
		struct line t = lines[i];
		char id[64];
		while (t.n && (*t.p == ' ' || *t.p == '\t'))
			t.p++, t.n--;
		if (i >= defs_from && starts(&t, "<symbol ") && attr(&t, "id=\"", id, sizeof id) &&
		    !ids_has(ids, id)) {
			while (i < defs_to && !(lines[i].n >= 9 && memmem(lines[i].p, lines[i].n, "</symbol>", 9)))
				i++;
			continue;
		}
		put_line(out, &lines[i], 2);
	}
	buf_append(out, body.data ? body.data : "", body.len);
	if (out->overflow || body.overflow || one.overflow || pd.style.overflow || pd.d.overflow) {
		snprintf(err, errsz, "slimmed SVG larger than %zu bytes", out->limit);
		goto out;
	}
	rc = 0;
out:
	buf_free(&body);
	buf_free(&one);
	buf_free(&pd.style);
	buf_free(&pd.d);
	free(ids);
	free(empty);
	free(lines);
	return rc;
}
