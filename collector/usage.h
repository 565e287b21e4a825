/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * usage.h - reading usage figures out of a portal's JSON statistics.
 *
 * A document is parsed with jansson after a pre-scan that bounds its nesting
 * depth (USAGE_MAX_DEPTH) before any tree is built; its size is bounded by
 * the transfer (the probe's body limit).  Each configured metric names a
 * JSON Pointer (RFC 6901) whose value must be a number, a boolean (1/0) or a
 * string of the metric's map.  A "*" segment expands over every member of an
 * object or element of an array; the member name (or the index) becomes the
 * label value.  Anything else (not JSON, a missing member, a value of
 * another kind, too many values) fails the whole document with one message
 * naming the pointer: no partial result is ever presented.  A counter's
 * value must not be negative (the document fails); a counter that is lower
 * than in the previous document was reset (usage_resets).
 */
#ifndef OZG_USAGE_H
#define OZG_USAGE_H

#include <stddef.h>

#include "model/state.h"
#include "config/config.h"

#define USAGE_MAX_DEPTH 64	/* nested arrays/objects in a document */
#define USAGE_MAX_VALUES 1000	/* values of one document, over all metrics */

/*
 * The values of u's metrics in body[0..len): a new result (one reference,
 * ok true) stamped with now_ms, or NULL with the reason in err (also NULL
 * when out of memory, err says so).
 */
struct usage_result *usage_extract(const struct cfg_usage *u, const char *body, size_t len,
				   int64_t now_ms, char *err, size_t errsz);

/* A failed fetch: no values, the reason, and the time of the last success. */
struct usage_result *usage_failed(const char *why, int64_t now_ms, int64_t last_ok_ms);

/*
 * The counter values of cur that are lower than the same metric and label in
 * prev (both successful fetches of u): each is a reset of that counter (the
 * portal restarted or its statistics were cleared).  Values only one of the
 * two has are not compared.  Writes "metric[ at label]: pointer: old -> new"
 * of the first reset to first (when not NULL).  Returns the number of resets.
 */
size_t usage_resets(const struct cfg_usage *u, const struct usage_result *prev,
		    const struct usage_result *cur, char *first, size_t firstsz);

/*
 * The Onlinedienste of one portal often name one statistics document (the
 * same usage URL): its figures are the portal's, and every one of those
 * Dienste holds them.  Whether a and b (either may be NULL) name one document.
 */
bool usage_same_document(const struct cfg_usage *a, const struct cfg_usage *b);

/*
 * Metric `name` summed over the statistics documents of the Dienste marked
 * in sel (NULL: every Dienst), each document counted once however many
 * Dienste name it: per document the value in the latest successful fetch
 * of the first of its Dienste that has one (a wildcard metric's members
 * added up).  *docs (may be NULL) gets the number of documents counted.
 * NaN when none gave a value.  Quadratic in the Dienste that read usage
 * (a few hundred): for a page generation, not for the probe loop.
 */
double usage_sum(const struct snapshot *s, const unsigned char *sel, const char *name, size_t *docs);

#endif
