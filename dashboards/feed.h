/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * feed.h - Atom feeds (RFC 4287) of the incidents, and how many inhabitants
 * an incident reaches.
 *
 * Next to the pages (site.h) the generator writes
 *   feed.atom               the Land: the latest incidents of every Onlinedienst
 *   gemeinde/<ags>.atom     a Gemeinde that has Onlinedienste (an Angebot of the
 *                           Land, its Kreis, its Verband or its own covers it):
 *                           the latest incidents of those Dienste, the ones its
 *                           page lists
 *
 * One entry per incident of the journal (dash_input.recent), at most
 * DASH_FEED_ENTRIES, the latest change first: "Störung: <Dienst> (<area>)"
 * while it is open, "Behoben: ..." once closed, with start, end, duration,
 * cause and reach in the summary, and a link to the Dienst's page.  An
 * entry's id is a name-based UUID (version 5) of the Dienst's id and the
 * incident's start, so it stays the same when the incident closes, on every
 * generation and after a restart.  The configuration has no public address
 * of the site, so every link is relative to the feed's own address (the
 * base an Atom reader resolves against when there is no xml:base).  The
 * feeds are German, whatever global.language says.
 *
 * Every file is written under a temporary name and renamed (dash_write_file).
 */
#ifndef OZG_DASH_FEED_H
#define OZG_DASH_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "config/config.h"
#include "dashboards/site.h"

#define DASH_FEED_ENTRIES 50		/* entries of one feed at most */
#define DASH_FEED_LAND "feed.atom"	/* the Land's feed, at the site's root */

/*
 * The inhabitants an outage of Onlinedienst d reaches: the population of
 * every Gemeinde covered by an Angebot naming d (a Kreis', Verband's or the
 * Land's Angebot covers all their Gemeinden), each Gemeinde counted once,
 * from the registers.  -1 when out of memory.
 */
long dash_reach(const struct cfg *c, size_t d);

/* Whether Gemeinde gm has Onlinedienste, so gemeinde/<ags>.atom is written for it. */
bool dash_feed_gemeinde(const struct cfg *c, const struct reg_gemeinde *gm);

/*
 * The <link rel="alternate" type="application/atom+xml"> of a page's head
 * naming the feed at href (relative to the page) of the area `name`.
 */
void dash_feed_link(struct buf *b, const char *href, const char *name);

/*
 * Writes the Land's feed and one per Gemeinde with Onlinedienste into dir
 * (gemeinde/ created if missing), counted in res->files; a file that fails
 * counts in res->errors (the first reason in res->first_error).  Stops
 * early when in->cancel is set.  0, or -1 when any file failed.
 */
int dash_feeds_write(const struct dash_input *in, const char *dir, struct dash_result *res);

#endif
