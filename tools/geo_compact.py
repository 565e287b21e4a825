#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""geo_compact.py - converts the BKG VG5000 GeoJSON boundaries (data/geo/SOURCES.md)
once into the compact text file the daemon loads for its maps (dashboards/map.h).

    tools/geo_compact.py OUT.geo LAND.geojson KREIS.geojson VERBAND.geojson GEMEINDE.geojson

Coordinates (Gauss-Krueger, metres) are snapped to a grid of UNIT metres with
y turned downwards (SVG), consecutive repeats and collinear points dropped, and
rings that collapse to fewer than three points left out (a feature keeps at
least its largest ring).  The format, one feature per line:

    ozgmon-geo 1
    unit 100
    origin <x metres of the left edge> <y metres of the top edge>
    size <width> <height>               # in grid units
    <L|K|V|G> <key> <x>,<y> <x>,<y> ... ; <x>,<y> ...   # rings separated by ';'
"""
import json
import sys

UNIT = 100
LEVELS = "LKVG"


def area2(r):
    return abs(sum(r[i][0] * r[i - 1][1] - r[i - 1][0] * r[i][1] for i in range(len(r))))


def snap(ring, x0, y1):
    out = []
    for x, y in ring:
        p = (round((x - x0) / UNIT), round((y1 - y) / UNIT))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    changed = True
    while changed and len(out) > 3:
        changed = False
        keep = []
        n = len(out)
        for i in range(n):
            a, b, c = out[i - 1], out[i], out[(i + 1) % n]
            if (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) == 0:
                changed = True
                out[i] = a  # dropped; the next test uses the previous kept point
                continue
            keep.append(b)
        out = keep
    return out


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    layers = [json.load(open(p, encoding="utf-8")) for p in argv[2:]]
    xs = [x for f in layers[0]["features"] for poly in f["geometry"]["coordinates"]
          for ring in poly for x, _ in ring]
    ys = [y for f in layers[0]["features"] for poly in f["geometry"]["coordinates"]
          for ring in poly for _, y in ring]
    x0 = (min(xs) // UNIT) * UNIT - UNIT
    y1 = -((-max(ys)) // UNIT) * UNIT + UNIT
    w = (max(xs) - x0) // UNIT + 2
    h = (y1 - min(ys)) // UNIT + 2
    lines = ["ozgmon-geo 1", f"unit {UNIT}", f"origin {x0} {y1}", f"size {w} {h}"]
    for level, layer in zip(LEVELS, layers):
        for f in sorted(layer["features"], key=lambda f: f["properties"]["key"]):
            rings = [snap(r, x0, y1) for poly in f["geometry"]["coordinates"] for r in poly]
            good = [r for r in rings if len(r) >= 3 and area2(r) > 0]
            if not good:
                good = [max(rings, key=len)]
            text = " ; ".join(" ".join(f"{x},{y}" for x, y in r) for r in good)
            lines.append(f"{level} {f['properties']['key']} {text}")
    with open(argv[1], "w", encoding="ascii") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv)
