/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * map.h - boundaries of the Land's areas (registers.geo) and choropleth maps
 * drawn from them as SVG.
 *
 * The geometry file is the compact text made once from BKG's VG5000 GeoJSON
 * by tools/geo_compact.py (data/geo/SOURCES.md):
 *
 *   ozgmon-geo 1
 *   unit 100                         metres per grid step
 *   origin 3562100 5725600           Gauss-Krueger metres of the top left corner
 *   size 1949 1612                   width and height in grid steps
 *   G 16051000 12,34 13,35 ... ; ... one feature a line: level (L, K, V, G),
 *                                    key, rings of x,y (y downwards) split by ';'
 *
 * Hostile input: at most GEO_MAX_FILE bytes, GEO_MAX_LINE per line,
 * GEO_MAX_FEATURES features, GEO_MAX_POINTS points in all; coordinates
 * within 0..size.  An error names file:line:column, or the feature's key
 * when it does not match the registers.
 */
#ifndef OZG_DASH_MAP_H
#define OZG_DASH_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"

#define GEO_MAX_FILE (16u << 20)
#define GEO_MAX_LINE (1u << 20)
#define GEO_MAX_FEATURES 20000u
#define GEO_MAX_POINTS 2000000u
#define GEO_MAX_COORD 100000

struct geo_area {
	enum area_level level;
	char key[13];
	size_t ring0, n_rings;		/* into geo.ring_start / ring_len */
	int minx, miny, maxx, maxy;	/* bounding box in grid steps */
};

struct geo {
	unsigned unit;			/* metres per grid step */
	long origin_x, origin_y;
	int w, h;
	struct geo_area *a;	size_t n;	/* in file order */
	size_t *ring_start, *ring_len;	size_t n_rings;
	int32_t *xy;		size_t n_pts;	/* x, y pairs */
};

/* Loads path into g (zeroed first).  0, or -1 with "file:line:col: why" in err. */
int geo_load(struct geo *g, const char *path, char *err, size_t errsz);
void geo_free(struct geo *g);	/* NULL-safe; leaves g empty */
const struct geo_area *geo_find(const struct geo *g, enum area_level level, const char *key);
/*
 * Every Kreis and Gemeinde of the registers has a feature and every Kreis or
 * Gemeinde feature a register row; 0, or -1 naming the first key that fails.
 */
int geo_check(const struct geo *g, const struct registers *r, const char *path, char *err,
	      size_t errsz);

/* One area of a map: its class (0 .. n_classes-1, -1 no value), link and title. */
struct map_item {
	const struct geo_area *area;
	int cls;
	const char *href;	/* relative to the SVG file; NULL: no link */
	const char *title;	/* the area's name and value */
	const char *d;		/* its path data (map_path_d) when known; NULL: drawn here */
};

struct map_spec {
	const char *title;		/* the map's <title> */
	const char *desc;		/* its <desc>: where the table alternative is */
	const char *legend_title;
	const char *const *legend;	/* n_classes labels, lowest class first */
	int n_classes;			/* 1 .. MAP_MAX_CLASSES */
	const char *nodata;		/* label of the "no value" swatch */
	const char *attribution;	/* drawn under the map */
	/* Outlines drawn over the areas, the first thickest (the Land, then Kreise); may be NULL. */
	const struct geo_area *const *frames;
	size_t n_frames;
	int width_px;			/* width attribute; the height follows */
};

#define MAP_MAX_CLASSES 8

/* The fill of class i of n (a colour-blind-safe sequential scale, viridis), "#rrggbb". */
const char *map_colour(int i, int n);
/*
 * The pixel size of a map showing `box` (a frame's or the items' bounding
 * box) with n_classes legend rows: the whole SVG (w, h) and its map part.
 */
void map_dims(const struct geo_area *box, int n_classes, int width_px, int *w, int *h, int *map_h);
/* Appends the path data of a's rings: an absolute move, then relative steps. */
void map_path_d(struct buf *b, const struct geo *g, const struct geo_area *a);
/*
 * Appends a standalone SVG of the items to b: each area a path in an
 * <a href target="_top"> with a <title>, the frame, the legend and the
 * attribution; the view fits the items (and the frame).
 */
void map_svg(struct buf *b, const struct geo *g, const struct map_spec *s,
	     const struct map_item *items, size_t n);

#endif
