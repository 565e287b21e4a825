/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * leistung.h - the views per OZG-Leistung: a page per Leistung offered
 * anywhere, the catalogue of all Leistungen with its filter pages, the
 * Leistungen of a Kreis or Gemeinde, and the choropleth maps (map.h).
 *
 * Files (next to site.h's):
 *   leistung/<ozg_id>.html        a Leistung offered anywhere in the Land
 *   leistungen.html               the catalogue, all Leistungen
 *   katalog/themenfeld-<id>.html, katalog/lebenslage-<n>.html,
 *   katalog/reifegrad-<n>.html, katalog/reifegrad-keiner.html   its filters
 *   gemeinden.html                every Gemeinde's coverage: the Land map's table
 *   map/land.svg, map/kreis-<key>.svg, map/leistung-<ozg_id>.svg
 *   katalog.js                    optional search in the catalogue
 *
 * views_build() is the data step (what is offered where, from the cfg's
 * Angebote); the *_body functions render a page's content into a buffer,
 * site.c wraps it in the common frame.  A map file is rewritten only when
 * what it shows changed: its first line carries a hash of its content.
 */
#ifndef OZG_DASH_LEISTUNG_H
#define OZG_DASH_LEISTUNG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "config/config.h"
#include "dashboards/i18n.h"
#include "dashboards/map.h"
#include "rollout/rollout.h"

struct views_in {
	const struct cfg *cfg;
	const struct dash_lang *L;
	const struct rollout *r;	/* coverage per area; may be NULL */
	const struct geo *geo;		/* may be NULL: no maps */
	const unsigned char *dstate;	/* per Dienst: 0 not probed yet, 1 up, 2 down; may be NULL */
	const double *up7;		/* per Dienst: availability over 7 days, NaN unknown; may be NULL */
};

struct views;

/* The data step; the inputs are borrowed and must outlive the result.  NULL: out of memory. */
struct views *views_build(const struct views_in *in);
void views_free(struct views *v);	/* NULL-safe */

/* The Leistungen offered anywhere (an Angebot at any Reifegrad), in catalogue order. */
size_t views_n_offered(const struct views *v);
const struct reg_leistung *views_offered(const struct views *v, size_t i);
/* The page of offered Leistung i: title and content (links relative to leistung/). */
void views_leistung_title(const struct views *v, size_t i, char *out, size_t outsz);
void views_leistung_body(struct buf *b, const struct views *v, size_t i);

/* The catalogue's pages: 0 is leistungen.html, the rest its filter pages under katalog/. */
size_t views_n_catalogue(const struct views *v);
/* File name, title and root ("" or "../") of catalogue page k. */
void views_catalogue_page(const struct views *v, size_t k, char *rel, size_t relsz, char *title,
			  size_t titlesz, const char **root);
void views_catalogue_body(struct buf *b, const struct views *v, size_t k);

/* The table alternative of the Land map: every Gemeinde's coverage (gemeinden.html, root ""). */
void views_gemeinden_body(struct buf *b, const struct views *v);

/*
 * The Leistungen of a Kreis (5 digits) or Gemeinde (8-digit AGS): each with
 * its highest Reifegrad and the levels offering it, linked to its page.
 */
void views_area_leistungen(struct buf *b, const struct views *v, enum area_level level,
			   const char *key, const char *root);

/*
 * A map section for the page: the <object> of map file `map_rel` (relative to
 * the site's root), its text fallback, the link to its table and the BKG
 * attribution.  Nothing without geometry.
 */
void views_map_embed(struct buf *b, const struct views *v, const char *root, const char *map_rel,
		     const char *title, const char *table_href);

/*
 * Writes map/land.svg, map/kreis-<key>.svg and map/leistung-<id>.svg into dir
 * where their content changed.  Counts written and unchanged files; returns
 * the number of failures, the first reason in err.
 */
unsigned views_write_maps(const struct views *v, const char *dir, unsigned *written,
			  unsigned *kept, char *err, size_t errsz);

/* The optional search script of the catalogue (katalog.js). */
extern const char views_catalogue_js[];

#endif
