/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * svgslim.h - makes librrd's SVG output lean.
 *
 * librrd draws through cairo, whose SVG writer emits every glyph as an
 * outline (<symbol> with a <path>), places each character with a <use>,
 * writes coordinates with six decimals and repeats every style default.  A
 * graph of 560 x 140 pixels comes out at 55-70 KB, and librrd 1.7.2 draws
 * its vertical "RRDTOOL / TOBI OETIKER" tag at the right edge whatever the
 * options say.  dash_svg_slim rewrites that output, element by element:
 *
 *   - the vertical text at the right edge (a run of glyphs that all sit at
 *     one x within 20 units of the right border) is removed;
 *   - glyph outlines no longer used by anything are removed;
 *   - numbers in path data are rounded to two decimals (a hundredth of a
 *     pixel), trailing zeros dropped;
 *   - style declarations that repeat SVG's defaults are dropped and
 *     rgb(..%) colours become #rrggbb;
 *   - indentation is removed.
 *
 * It understands only cairo's regular output (one element per line); input
 * of any other shape is refused, never guessed at.
 */
#ifndef OZG_DASH_SVGSLIM_H
#define OZG_DASH_SVGSLIM_H

#include <stddef.h>

#include "common/buf.h"

/*
 * Appends the slimmed form of the SVG document in[0..len) to out.  Returns
 * 0, or -1 with a reason in err when the input is not an SVG document of the
 * expected shape (no viewBox, no closing tag) or out overflowed; out may
 * then hold a part, which the caller discards.
 */
int dash_svg_slim(const char *in, size_t len, struct buf *out, char *err, size_t errsz);

#endif
