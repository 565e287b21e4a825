/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * status_page.h - the landing page: every Onlinedienst with its state.
 *
 * Rendered from one snapshot into self-contained HTML (inline CSS, no
 * scripts, no external resources), German or English.  State is shown by
 * text and symbol, never by colour alone.
 */
#ifndef OZG_STATUS_PAGE_H
#define OZG_STATUS_PAGE_H

#include "model/state.h"
#include "common/buf.h"

/* Appends s to b with &, <, >, " and ' escaped. */
void html_escape(struct buf *b, const char *s);
/* Renders the page; s may be NULL (nothing probed yet). lang: "de" or "en". */
void status_page_render(struct buf *b, const struct snapshot *s, const char *lang);

#endif
