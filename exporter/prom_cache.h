/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_cache.h - families that depend on the configuration alone.
 *
 * ozg_dienst_info, ozg_dienst_host_info and ozg_dienst_area_info are kept
 * rendered per format for the configuration of the latest scraped snapshot
 * and copied into each scrape instead of being formatted again.  The cache
 * holds a reference to that configuration (struct state_cfg) until a
 * snapshot of another one is rendered or the cache is freed; snapshots
 * without a reference are rendered anew every time.  Thread-safe: scrapes
 * share one cache.
 */
#ifndef OZG_PROM_CACHE_H
#define OZG_PROM_CACHE_H

#include "config/config.h"
#include "exporter/prom_format.h"
#include "model/state.h"

struct prom_cache;
struct prom_cache *prom_cache_new(void);	/* NULL when out of memory */
void prom_cache_free(struct prom_cache *c);	/* NULL-safe */

/* The blocks of the cache. */
enum prom_cached { PROM_CACHED_DIENST_INFO, PROM_CACHED_DIENST_HOST, PROM_CACHED_DIENST_AREA,
		   PROM_CACHED_COUNT };

/*
 * Appends block `which` of cfg (the configuration of snapshot s) to o: the
 * cached bytes of o's format when c holds them for s's configuration, else
 * render() into the cache first.  Without c or a reference in s, renders
 * into o.
 */
void prom_cached(const struct prom_out *o, struct prom_cache *c, const struct snapshot *s,
		 enum prom_cached which, void (*render)(const struct prom_out *, const struct cfg *));

#endif
