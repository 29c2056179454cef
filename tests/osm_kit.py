"""Hand-written OpenStreetMap files for the map tests: nodes placed in metres, written as OSM XML.

The maps are written by the tests into their own temporary folders (nothing
under tests/ is map data); the real extracts are read from ``OSM_DIR``.
"""

from __future__ import annotations

from pathlib import Path

from pyproj import Transformer

UTM50 = "EPSG:32650"
TO_LONLAT = Transformer.from_crs(UTM50, "EPSG:4326", always_xy=True)
X0, Y0 = 500_000.0, 3_320_000.0  # on the zone's central meridian (117 E), about 30 N
OSM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"
"""The shared real extracts (ODbL): read in place, never copied."""

Members = list[tuple[str, int, str]]


def write_osm(folder: Path, nodes: dict[int, tuple], ways: dict[int, tuple], *,
              relations: dict[int, tuple[Members, dict[str, str]]] | None = None,
              bounds: tuple[float, float, float, float] | None = None,
              name: str = "map.osm") -> Path:
    """An OSM XML file; nodes ``id -> (x, y[, tags])`` in metres east/north of (X0, Y0).

    Ways are ``id -> (node ids, tags)`` and may name nodes the file does not
    hold (as an export cut at its box does); relations are ``id -> (members as
    (type, ref, role), tags)``; ``bounds`` is ``(x0, y0, x1, y1)`` in metres.
    """
    def ll(x: float, y: float) -> tuple[float, float]:
        lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
        return lat, lon

    def tags(t: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in t.items())

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    if bounds:
        (a, b), (c, d) = ll(*bounds[:2]), ll(*bounds[2:])
        lines.append(f'<bounds minlat="{a!r}" minlon="{b!r}" maxlat="{c!r}" maxlon="{d!r}"/>')
    for n, (x, y, *rest) in nodes.items():
        lat, lon = ll(x, y)
        lines.append(f'<node id="{n}" lat="{lat!r}" lon="{lon!r}">{tags(rest[0] if rest else {})}</node>')
    for w, (refs, t) in ways.items():
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        lines.append(f'<way id="{w}">{nds}{tags(t)}</way>')
    for r, (members, t) in (relations or {}).items():
        mem = "".join(f'<member type="{k}" ref="{ref}" role="{role}"/>' for k, ref, role in members)
        lines.append(f'<relation id="{r}">{mem}{tags(t)}</relation>')
    lines.append("</osm>")
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
