/* SPDX-License-Identifier: EUPL-1.2 */
/* map.c - see map.h. */
#include "dashboards/map.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboards/status_page.h"

/* ---- loading --------------------------------------------------------------- */

struct rd {
	const char *path;
	const char *s, *end;	/* the current line, without its newline */
	const char *p;
	unsigned line;
	char *err;
	size_t errsz;
};

static int rd_fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_fail(struct rd *r, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errsz, "%s:%u:%u: %s", r->path, r->line, (unsigned)(r->p - r->s) + 1, why);
	return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t el)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * el);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* A non-negative decimal at r->p of at most `max`; advances. */
static int rd_num(struct rd *r, long max, long *out)
{
	long v = 0;
	const char *q = r->p;

	if (q >= r->end || *q < '0' || *q > '9')
		return rd_fail(r, "expected a number");
	while (q < r->end && *q >= '0' && *q <= '9') {
		v = v * 10 + (*q - '0');
		if (v > max)
			return rd_fail(r, "number larger than %ld", max);
		q++;
	}
	r->p = q;
	*out = v;
	return 0;
}

static int rd_word(struct rd *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return rd_fail(r, "expected '%s'", w);
	r->p += n;
	return 0;
}

static int rd_end(struct rd *r)
{
	return r->p == r->end ? 0 : rd_fail(r, "unexpected text at the end of the line");
}

/* Reads the header line `line_no` (1..4) at r. */
static int rd_header(struct rd *r, struct geo *g, unsigned line_no)
{
	long a = 0, b = 0;

	switch (line_no) {
	case 1:
		return rd_word(r, "ozgmon-geo 1") || rd_end(r) ? -1 : 0;
	case 2:
		if (rd_word(r, "unit ") || rd_num(r, 100000, &a) || rd_end(r))
			return -1;
		if (a == 0)
			return rd_fail(r, "unit must be at least 1");
		g->unit = (unsigned)a;
		return 0;
	case 3:
		if (rd_word(r, "origin ") || rd_num(r, 100000000, &a) || rd_word(r, " ") ||
		    rd_num(r, 100000000, &b) || rd_end(r))
			return -1;
		g->origin_x = a;
		g->origin_y = b;
		return 0;
	default:
		if (rd_word(r, "size ") || rd_num(r, GEO_MAX_COORD, &a) || rd_word(r, " ") ||
		    rd_num(r, GEO_MAX_COORD, &b) || rd_end(r))
			return -1;
		if (a == 0 || b == 0)
			return rd_fail(r, "size must be at least 1 by 1");
		g->w = (int)a;
		g->h = (int)b;
		return 0;
	}
}

struct caps { size_t a, rings, rings2, pts; };

/* Closes the ring that started at point `from`: it needs three points. */
static int ring_close(struct rd *r, struct geo *g, struct caps *cp, size_t from)
{
	size_t n = g->n_pts - from;

	if (n < 3)
		return rd_fail(r, "a ring needs at least 3 points, found %zu", n);
	if (grow((void **)&g->ring_start, &cp->rings, g->n_rings + 1, sizeof *g->ring_start) ||
	    grow((void **)&g->ring_len, &cp->rings2, g->n_rings + 1, sizeof *g->ring_len)) {
		return rd_fail(r, "out of memory");
	}
	g->ring_start[g->n_rings] = from;
	g->ring_len[g->n_rings] = n;
	g->n_rings++;
	return 0;
}

static int rd_feature(struct rd *r, struct geo *g, struct caps *cp)
{
	static const char lv[] = "LKVG";
	static const size_t keylen[] = { 2, 5, 9, 8 };
	struct geo_area a;
	const char *k, *c = r->p < r->end ? strchr(lv, *r->p) : NULL;
	size_t from;

	memset(&a, 0, sizeof a);
	if (!c || !*c)
		return rd_fail(r, "expected a level L, K, V or G");
	a.level = (enum area_level)(c - lv);
	r->p++;
	if (rd_word(r, " "))
		return -1;
	k = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	if ((size_t)(r->p - k) != keylen[a.level]) {
		r->p = k;
		return rd_fail(r, "key must be %zu digits for level %c", keylen[a.level], *c);
	}
	memcpy(a.key, k, keylen[a.level]);
	if (geo_find(g, a.level, a.key)) {
		r->p = k;
		return rd_fail(r, "duplicate feature %c %s", *c, a.key);
	}
	if (g->n >= GEO_MAX_FEATURES)
		return rd_fail(r, "more than %u features", GEO_MAX_FEATURES);
	a.ring0 = g->n_rings;
	a.minx = a.miny = GEO_MAX_COORD;
	a.maxx = a.maxy = -1;
	from = g->n_pts;
	for (;;) {
		long x, y;

		if (rd_word(r, " "))
			return rd_fail(r, "expected a point x,y");
		if (r->p < r->end && *r->p == ';') {
			r->p++;
			if (ring_close(r, g, cp, from))
				return -1;
			from = g->n_pts;
			continue;
		}
		if (rd_num(r, g->w, &x) || rd_word(r, ",") || rd_num(r, g->h, &y))
			return -1;
		if (g->n_pts >= GEO_MAX_POINTS)
			return rd_fail(r, "more than %u points", GEO_MAX_POINTS);
		if (grow((void **)&g->xy, &cp->pts, 2 * (g->n_pts + 1), sizeof *g->xy))
			return rd_fail(r, "out of memory");
		g->xy[2 * g->n_pts] = (int32_t)x;
		g->xy[2 * g->n_pts + 1] = (int32_t)y;
		g->n_pts++;
		a.minx = x < a.minx ? (int)x : a.minx;
		a.maxx = x > a.maxx ? (int)x : a.maxx;
		a.miny = y < a.miny ? (int)y : a.miny;
		a.maxy = y > a.maxy ? (int)y : a.maxy;
		if (r->p == r->end)
			break;
	}
	if (ring_close(r, g, cp, from))
		return -1;
	a.n_rings = g->n_rings - a.ring0;
	if (grow((void **)&g->a, &cp->a, g->n + 1, sizeof *g->a))
		return rd_fail(r, "out of memory");
	g->a[g->n++] = a;
	return 0;
}

int geo_load(struct geo *g, const char *path, char *err, size_t errsz)
{
	struct rd r = { .path = path, .err = err, .errsz = errsz };
	struct caps cp = { 0 };
	FILE *f;
	char *data;
	size_t len;
	int rc = 0;

	memset(g, 0, sizeof *g);
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	data = malloc(GEO_MAX_FILE + 1);
	if (!data) {
		fclose(f);
		snprintf(err, errsz, "%s: out of memory", path);
		return -1;
	}
	len = fread(data, 1, GEO_MAX_FILE + 1, f);
	if (ferror(f) || len > GEO_MAX_FILE) {
		snprintf(err, errsz, "%s: %s", path, ferror(f) ? "read error" : "file larger than 16 MiB");
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	for (const char *p = data, *end = data + len; p < end && rc == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		r.s = r.p = p;
		r.end = nl ? nl : end;
		r.line++;
		if ((size_t)(r.end - r.s) > GEO_MAX_LINE)
			rc = rd_fail(&r, "line longer than %u bytes", GEO_MAX_LINE);
		else if (memchr(r.s, '\0', (size_t)(r.end - r.s)) || memchr(r.s, '\r', (size_t)(r.end - r.s)))
			rc = rd_fail(&r, "NUL or carriage return in the line");
		else if (r.line <= 4)
			rc = rd_header(&r, g, r.line);
		else if (r.s != r.end)
			rc = rd_feature(&r, g, &cp);
		p = nl ? nl + 1 : end;
	}
	if (rc == 0 && r.line < 4) {
		r.line++;
		r.s = r.p = r.end = data + len;
		rc = rd_fail(&r, "the header ends early (ozgmon-geo 1, unit, origin, size)");
	}
	if (rc == 0 && g->n == 0) {
		snprintf(err, errsz, "%s: no features", path);
		rc = -1;
	}
	free(data);
	if (rc)
		geo_free(g);
	return rc;
}

void geo_free(struct geo *g)
{
	if (!g)
		return;
	free(g->a);
	free(g->ring_start);
	free(g->ring_len);
	free(g->xy);
	memset(g, 0, sizeof *g);
}

const struct geo_area *geo_find(const struct geo *g, enum area_level level, const char *key)
{
	/* Linear: features are found once per generation and map, a few thousand compares. */
	for (size_t i = 0; g && i < g->n; i++)
		if (g->a[i].level == level && strcmp(g->a[i].key, key) == 0)
			return &g->a[i];
	return NULL;
}

int geo_check(const struct geo *g, const struct registers *r, const char *path, char *err,
	      size_t errsz)
{
	for (size_t i = 0; i < r->n_kreise; i++)
		if (!geo_find(g, AREA_KREIS, r->kreise[i].key)) {
			snprintf(err, errsz, "%s: Kreis %s has no feature", path, r->kreise[i].key);
			return -1;
		}
	for (size_t i = 0; i < r->n_gemeinden; i++)
		if (!geo_find(g, AREA_GEMEINDE, r->gemeinden[i].ags)) {
			snprintf(err, errsz, "%s: Gemeinde %s has no feature", path, r->gemeinden[i].ags);
			return -1;
		}
	for (size_t i = 0; i < g->n; i++) {
		const struct geo_area *a = &g->a[i];
		if ((a->level == AREA_KREIS && !reg_find_kreis(r, a->key)) ||
		    (a->level == AREA_GEMEINDE && !reg_find_gemeinde(r, a->key))) {
			snprintf(err, errsz, "%s: feature %s is not in the registers", path, a->key);
			return -1;
		}
	}
	return 0;
}

/* ---- drawing --------------------------------------------------------------- */

/* viridis at 0, 1/8, ..., 1 */
static const char *const viridis[9] = {
	"#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
	"#fde725",
};

#define NODATA_FILL "#d9d9d9"

const char *map_colour(int i, int n)
{
	if (n <= 1)
		return viridis[4];
	if (i < 0)
		return NODATA_FILL;
	if (i >= n)
		i = n - 1;
	return viridis[(i * 8 + (n - 1) / 2) / (n - 1)];
}

void map_path_d(struct buf *b, const struct geo *g, const struct geo_area *a)
{
	for (size_t k = a->ring0; k < a->ring0 + a->n_rings; k++) {
		const int32_t *p = &g->xy[2 * g->ring_start[k]];
		size_t n = g->ring_len[k];

		buf_printf(b, "M%d %dl", p[0], p[1]);
		for (size_t i = 1; i < n; i++) {
			int dx = p[2 * i] - p[2 * i - 2], dy = p[2 * i + 1] - p[2 * i - 1];
			buf_printf(b, i > 1 && dx >= 0 ? " %d" : "%d", dx);
			buf_printf(b, dy >= 0 ? " %d" : "%d", dy);
		}
		buf_puts(b, "z");
	}
}

#define LEGEND_ROW 22

/* The box the map shows: the first frame's, else the items'; unpadded. */
static struct geo_area view_box(const struct geo *g, const struct map_spec *s,
				const struct map_item *items, size_t n)
{
	struct geo_area bx = { .minx = GEO_MAX_COORD, .miny = GEO_MAX_COORD, .maxx = -1, .maxy = -1 };
	bool framed = s->n_frames && s->frames[0];

	for (size_t i = framed ? n : 0; i < (framed ? n + 1 : n); i++) {
		const struct geo_area *a = i < n ? items[i].area : s->frames[0];
		if (!a)
			continue;
		bx.minx = a->minx < bx.minx ? a->minx : bx.minx;
		bx.miny = a->miny < bx.miny ? a->miny : bx.miny;
		bx.maxx = a->maxx > bx.maxx ? a->maxx : bx.maxx;
		bx.maxy = a->maxy > bx.maxy ? a->maxy : bx.maxy;
	}
	if (bx.maxx < bx.minx) {
		bx.minx = bx.miny = 0;
		bx.maxx = g->w;
		bx.maxy = g->h;
	}
	return bx;
}

/* The padded view box: x, y, width, height in grid steps. */
static void padded(const struct geo_area *bx, int v[4])
{
	int pad = (bx->maxx - bx->minx + bx->maxy - bx->miny) / 100 + 2;

	v[0] = bx->minx - pad;
	v[1] = bx->miny - pad;
	v[2] = bx->maxx - bx->minx + 2 * pad;
	v[3] = bx->maxy - bx->miny + 2 * pad;
}

void map_dims(const struct geo_area *box, int n_classes, int width_px, int *w, int *h, int *map_h)
{
	int v[4], W = width_px > 0 ? width_px : 640, H;
	int ncls = n_classes < 1 ? 1 : n_classes > MAP_MAX_CLASSES ? MAP_MAX_CLASSES : n_classes;

	padded(box, v);
	H = (int)((double)W * v[3] / (v[2] > 0 ? v[2] : 1) + 0.5);
	if (H > W * 5 / 4)	/* tall areas: keep the height, the map narrows inside */
		H = W * 5 / 4;
	*w = W;
	*h = H + 12 + (ncls + 2) * LEGEND_ROW + 26;
	if (map_h)
		*map_h = H;
}

void map_svg(struct buf *b, const struct geo *g, const struct map_spec *s,
	     const struct map_item *items, size_t n)
{
	int ncls = s->n_classes < 1 ? 1 : s->n_classes > MAP_MAX_CLASSES ? MAP_MAX_CLASSES : s->n_classes;
	struct geo_area bx = view_box(g, s, items, n);
	int v[4], W, Ht, H, minx, miny, bw, bh;
	double sw;

	padded(&bx, v);
	minx = v[0];
	miny = v[1];
	bw = v[2];
	bh = v[3];
	map_dims(&bx, ncls, s->width_px, &W, &Ht, &H);
	sw = 0.7 * fmax((double)bw / W, (double)bh / H);	/* about 0.7 px in view units */
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" aria-labelledby=\"map-t map-d\" "
		   "font-family=\"sans-serif\" font-size=\"14\">\n<title id=\"map-t\">", W, Ht, W, Ht);
	html_escape(b, s->title);
	buf_puts(b, "</title>\n<desc id=\"map-d\">");
	html_escape(b, s->desc ? s->desc : "");
	buf_printf(b, "</desc>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
		   "<svg width=\"%d\" height=\"%d\" viewBox=\"%d %d %d %d\">\n"
		   "<g stroke=\"#ffffff\" stroke-width=\"%.2f\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">\n",
		   W, Ht, W, H, minx, miny, bw, bh, sw);
	for (size_t i = 0; i < n; i++) {
		const struct map_item *it = &items[i];
		if (!it->area)
			continue;
		if (it->href) {
			buf_puts(b, "<a href=\"");
			html_escape(b, it->href);
			buf_puts(b, "\" target=\"_top\">");
		} else {
			buf_puts(b, "<g>");
		}
		buf_puts(b, "<title>");
		html_escape(b, it->title ? it->title : it->area->key);
		buf_printf(b, "</title><path fill=\"%s\" d=\"", it->cls < 0 ? NODATA_FILL : map_colour(it->cls, ncls));
		if (it->d)
			buf_puts(b, it->d);
		else
			map_path_d(b, g, it->area);
		buf_puts(b, it->href ? "\"/></a>\n" : "\"/></g>\n");
	}
	buf_puts(b, "</g>\n");
	for (size_t i = s->n_frames; i-- > 0;) {
		if (!s->frames[i])
			continue;
		buf_printf(b, "<path fill=\"none\" stroke=\"#1b1b1b\" stroke-width=\"%.2f\" "
			   "stroke-linejoin=\"round\" d=\"", (i == 0 ? 2.2 : 1.2) * sw);
		map_path_d(b, g, s->frames[i]);
		buf_puts(b, "\"/>\n");
	}
	buf_printf(b, "</svg>\n<g transform=\"translate(0 %d)\">\n<text x=\"0\" y=\"16\" "
		   "font-weight=\"bold\">", H + 12);
	html_escape(b, s->legend_title ? s->legend_title : "");
	buf_puts(b, "</text>\n");
	for (int i = 0; i <= ncls; i++) {
		int y = (i + 1) * LEGEND_ROW;
		const char *label = i < ncls ? (s->legend ? s->legend[i] : "") : s->nodata;
		buf_printf(b, "<rect x=\"0.5\" y=\"%d.5\" width=\"24\" height=\"15\" fill=\"%s\" "
			   "stroke=\"#1b1b1b\"/><text x=\"32\" y=\"%d\">", y, i < ncls ? map_colour(i, ncls)
			   : NODATA_FILL, y + 13);
		html_escape(b, label ? label : "");
		buf_puts(b, "</text>\n");
	}
	buf_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"12\">", (ncls + 2) * LEGEND_ROW + 14);
	html_escape(b, s->attribution ? s->attribution : "");
	buf_puts(b, "</text>\n</g>\n</svg>\n");
}
