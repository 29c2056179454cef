"""Schools and homes on an OpenStreetMap extract, and the site of one school.

**Schools** are ``amenity=school|kindergarten`` nodes, closed ways and
multipolygon relations (outer rings may be split over several ways) at least
partly inside the extract's bounds (an export holds every way that touches its
box, so an area school may reach past it). Name: ``name:zh``, else ``name``;
id ``n…``/``w…``/``r…``.

*Cut outlines.* A way or relation whose outline is cut by the extract's edge
(node refs or member ways missing from the file), or does not close, is kept:
its outline is drawn through the nodes that are there, closed across the gap
(:func:`simulator.network.osmdata.outlines`; a point at their centroid when
they enclose no area), and the school is marked *outline incomplete*.

*One school, one entry.* A school element lying inside the area of another of
the same kind (a node, or an area's inner point, within it) is part of that
school when either is unnamed or when a name of the inner one equals, or is
part of, a name of the outer one: the school keeps the outer area's id and
shape, takes the inner one's name if it has none, and is also found by the
inner one's id and names. ``building=school`` without ``amenity`` is a
school's building, never a school of its own.

**Gate.** A point school's gate is the point. An area school's gate is the
point of its boundary nearest to a walkable street of the largest walkable
part of the map (streets lying wholly inside the area are ignored); the walk
builder snaps it to the nearest sidewalk and records the distance. A scenario
may move the gate (``site.gate``, lon/lat): the school is then at that point,
the homes stay those around the mapped gate.

**Bus stops** within ``transit.max_stop_walk`` of the gate (and the
catchment), merged and named as :mod:`simulator.network.stops` says; a
scenario may move or add stops (``site.stops``).

**Homes** within ``catchment_m`` (straight line) of the gate, weighted in households:

1. residential buildings (``building=residential|apartments|house|detached|
   semidetached_house|terrace|bungalow|villa``, and ``building=yes`` inside a
   ``landuse=residential`` area): footprint × storeys (``building:levels``, else
   ``homes.default_levels``) / ``homes.floor_area_per_household``; id ``b{way}``
   (``br{relation}``). ``building=dormitory`` is left out: in these maps they
   are student halls (学生公寓, 书院), not family homes.
2. ``landuse=residential`` areas with no such building: area ×
   ``homes.residential_far`` / floor area per household, spread over points every
   ``homes.street_spacing`` m along the walkable residential, living, service,
   unclassified streets and the footways inside or within 20 m of the area
   (id ``s{u}-{v}-{i}``), or put at the area's inner point if it has none
   (id ``l{way}``).
3. Only when the catchment has neither: points every ``homes.street_spacing`` m
   along its residential, living, service and unclassified streets, weighted by
   the length of street each stands for (relative weights; sparse maps such
   as small Chinese cities often map streets but no buildings).

Nothing inside the school's own area is a home.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from shapely import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from simulator.errors import NetworkError
from simulator.network.osm import graph_from_osm
from simulator.network.osmdata import (
    ATTRIBUTION,
    OsmData,
    Outline,
    Tags,
    areas,
    outlines,
    project,
    projector,
    read_osm,
    touches_bounds,
    utm_crs,
)
from simulator.network.site import Home, School, Site
from simulator.network.stops import (
    Placed,
    check_placed,
    map_stop_points,
    merge_stops,
    near_stops,
    shown,
    with_placed_stops,
)
from simulator.params import Parameters, default_parameters

SCHOOL_KINDS = {"school", "kindergarten"}
HOME_BUILDINGS = {"residential", "apartments", "house", "detached", "semidetached_house",
                  "terrace", "bungalow", "villa"}
HOUSE_LIKE = {"house", "detached", "semidetached_house", "terrace", "bungalow", "villa"}
AREA_STREETS = {"residential", "living_street", "service", "unclassified", "footway", "path",
                "pedestrian"}
FALLBACK_STREETS = {"residential", "living_street", "service", "unclassified"}
AREA_REACH = 20.0  # m: streets this close to a residential area serve it
NAME_KEYS = ("name:zh", "name", "name:zh-Hans", "official_name", "name:en", "short_name",
             "alt_name")


@dataclass(frozen=True)
class SchoolInfo:
    """A school on the map.

    Attributes
    ----------
    name
        Display name (``name:zh``, else ``name``).
    id
        ``n{id}``, ``w{id}`` or ``r{id}`` of the OSM element.
    kind
        ``school`` or ``kindergarten``.
    lon, lat
        Position (the point, or the area's centroid), WGS 84.
    x, y
        The same position, projected (the CRS of the map's street graph).
    names
        Every name tag's value, for matching.
    shape
        The area, projected (None for a point).
    gaps
        What the outline lacks, in words; empty when it is complete (see
        :attr:`complete`).
    parts
        Ids of other elements of the same school merged into this one (a
        school building or point inside the school's area).
    """

    name: str
    id: str
    kind: str
    lon: float
    lat: float
    x: float
    y: float
    names: tuple[str, ...] = ()
    shape: BaseGeometry | None = field(default=None, repr=False, compare=False)
    gaps: str = ""
    parts: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether the whole outline is in the file.

        False when it is cut by the extract's edge (nodes or member ways missing
        from the file) or does not close: position and shape come from the nodes
        that are there.
        """
        return not self.gaps

    def remarks(self) -> tuple[str, ...]:
        """Remarks for a listing (English, Chinese glossed): an incomplete outline, merged parts."""
        said = []
        if not self.complete:
            said.append(f"outline incomplete (轮廓不完整): {self.gaps}")
        if self.parts:
            said.append("includes " + ", ".join(self.parts))
        return tuple(said)


def schools_from_file(path: str | Path) -> list[SchoolInfo]:
    """Schools and kindergartens of an OSM XML extract, by name then id."""
    return schools_of(read_osm(path))


def schools_of(data: OsmData, transformer: Transformer | None = None) -> list[SchoolInfo]:
    """Schools of OSM data already read (projected to the extract's UTM zone by default).

    Cut and unclosed outlines are kept and marked incomplete; elements of one
    school (a building or point inside its area) are merged (see the module's notes).
    """
    transformer = transformer or projector(utm_crs(data))
    found = [(ident, tags, outline) for ident, tags, outline in outlines(data, {"amenity": SCHOOL_KINDS})
             if touches_bounds(data, outline.shape)]
    out = []
    for main, parts in _one_entry_per_school(found):
        ident, tags, outline = found[main]
        shape = outline.shape
        names = tuple(dict.fromkeys([*_names(tags), *(n for i in parts for n in _names(found[i][1]))]))
        centre = shape.centroid
        projected = project(shape, transformer)
        x, y = projected.centroid.x, projected.centroid.y
        name = names[0] if names else f"unnamed {tags['amenity']} {ident}"
        out.append(SchoolInfo(name, ident, tags["amenity"], float(centre.x), float(centre.y),
                              float(x), float(y), names,
                              None if shape.geom_type == "Point" else projected,
                              gaps=outline.gaps(),
                              parts=tuple(found[i][0] for i in parts)))
    return sorted(out, key=lambda s: (s.name, s.id))


def _names(tags: Tags) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tags[k] for k in NAME_KEYS if tags.get(k)))


def _same_name(inner: Iterable[str], outer: Iterable[str]) -> bool:
    """Whether a name of the inner element equals or is part of a name of the outer one.

    Names are compared in Unicode NFKC form (full- and half-width brackets
    alike), case-folded and without spaces; no names on either side also matches.
    """
    def plain(names: Iterable[str]) -> set[str]:
        return {"".join(unicodedata.normalize("NFKC", n).casefold().split()) for n in names} - {""}

    a, b = plain(inner), plain(outer)
    return not a or not b or any(x in y for x in a for y in b)


def _one_entry_per_school(found: list[tuple[str, Tags, Outline]]) -> list[tuple[int, list[int]]]:
    """``(main, parts)`` indices: each school element with the elements merged into it.

    An element goes into the smallest area of the same kind that holds its
    point (a node) or inner point (an area), if their names agree
    (:func:`_same_name`, against the names the area has gathered so far).
    Elements are taken from the smallest up, so a building merges into its
    campus before the campus merges into anything; equal areas merge into the
    relation, then the lower id.
    """
    def order(i: int) -> tuple[float, int, int]:
        ident = found[i][0]
        return (-found[i][2].shape.area, "rwn".index(ident[0]), int(ident[1:]))

    ranked = sorted(range(len(found)), key=order)  # largest first
    rank = {i: r for r, i in enumerate(ranked)}
    areas_at = [i for i in ranked if found[i][2].shape.geom_type != "Point"]
    if not areas_at:
        return [(i, []) for i in ranked]
    tree = shapely.STRtree([found[i][2].shape for i in areas_at])
    names = {i: set(_names(found[i][1])) for i in ranked}
    merged: dict[int, list[int]] = {i: [] for i in ranked}
    into: dict[int, int] = {}
    for i in reversed(ranked):  # smallest first
        _, tags, outline = found[i]
        spot = outline.shape if outline.shape.geom_type == "Point" else \
            outline.shape.representative_point()
        holders = [areas_at[j] for j in tree.query(spot, predicate="within")]
        holders = [h for h in holders if rank[h] < rank[i] and found[h][1]["amenity"] == tags["amenity"]]
        if not holders:
            continue
        outer = max(holders, key=lambda h: rank[h])  # the smallest area that holds it
        if not _same_name(names[i], names[outer]):
            continue
        into[i] = outer
        names[outer] |= names[i]
        merged[outer] += [i, *merged.pop(i)]
    return [(i, sorted(merged[i], key=order)) for i in ranked if i not in into]


def site_from_file(path: str | Path, *, school: str | None = None, catchment_m: float = 1000.0,
                   params: Parameters | None = None, gate: tuple[float, float] | None = None,
                   stops: Mapping[str, tuple[float, float]] | None = None) -> Site:
    """The site of one school on an OSM XML extract: street graph, gate, homes and bus stops.

    Parameters
    ----------
    path
        ``.osm``/``.osm.bz2``/``.osm.gz`` export.
    school
        Name (exact, else a unique substring) or id (``w167304641``) of the
        school; may be omitted when the map has only one.
    catchment_m
        Homes within this straight-line distance of the gate, m.
    params
        Parameter table; the packaged defaults if None.
    gate
        ``(lon, lat)`` of the school gate, to move it (a scenario's
        ``site.gate``); the homes stay those around the mapped gate.
    stops
        Stop id -> ``(lon, lat)``: an existing id moves that stop, a new one
        adds a stop (a scenario's ``site.stops``; kept at any distance).

    Raises
    ------
    NetworkError
        If the file cannot be read or has no streets, the school is not found
        (close matches are listed) or there are no homes in the catchment;
        :class:`~simulator.network.stops.PlaceError` if ``gate`` or a stop is
        outside the map or farther than ``walk.snap_tolerance`` from its streets.
    """
    params = params or default_parameters()
    data = read_osm(path)
    transformer = projector(utm_crs(data))  # the CRS graph_from_osm projects to
    info = find_school(schools_of(data, transformer), school, where=data.path)
    graph = graph_from_osm(data, params=params)
    mapped_gate, note = _gate(graph, info)
    homes, home_note, sources = _homes(data, graph, transformer, info, mapped_gate, catchment_m, params)
    at, moved = _placed(data, graph, transformer, mapped_gate, stops or {}, params, moved_gate=gate)
    if gate is not None:
        note += f"; moved by the scenario to lon {gate[0]}, lat {gate[1]}"
    found = merge_stops([p for p in map_stop_points(data, transformer)
                         if math.dist(p[2:], (at.x, at.y)) <= catchment_m],
                        radius=float(params["transit.stop_merge_radius"]))
    within = min(catchment_m, float(params["transit.max_stop_walk"]))
    bus_stops = near_stops(with_placed_stops(found, moved), (at.x, at.y), within=within, keep=moved)
    graph.graph["home_sources"] = sources  # where each home came from, for what-was-guessed
    mapped = graph.graph["mapped_facilities"]
    facilities = ", ".join(f"{k} {v}" for k, v in mapped.items()) or "none"
    defaulted = ", ".join(f"{k} {v}" for k, v in graph.graph["defaulted"].items())
    notes = (
        f"OpenStreetMap file {data.path.name}; {ATTRIBUTION}",
        f"school {info.name} ({info.id}, {info.kind}): "
        + ("" if info.complete else f"outline incomplete ({info.gaps}), position from the nodes "
           "that are there; ") + note,
        home_note,
        f"mapped crossings: {graph.graph['mapped_crossings']} ({facilities}); the walk network "
        "infers the others",
        f"street values from the default table: {defaulted} of "
        f"{graph.graph['street_edges']} street edges",
        f"bus stops within {within:.0f} m of the gate (straight line; pupils are assumed not to "
        f"use farther ones): {len(bus_stops)}"
        + (f", {len(moved)} placed by the scenario" if moved else ""),
    )
    return Site(graph, School(info.name, at.x, at.y, info.id), tuple(homes), notes, stops=bus_stops)


def _placed(data: OsmData, graph: nx.MultiDiGraph, transformer: Transformer, gate: Point,
            stops: Mapping[str, tuple[float, float]], params: Parameters, *,
            moved_gate: tuple[float, float] | None) -> tuple[Point, dict[str, tuple[float, float]]]:
    """The gate (moved if asked) and the placed stops, projected; checked on the map.

    Raises PlaceError naming every point outside the extent or off the streets.
    """
    x0, y0, x1, y1 = data.extent()
    asked = ([("site.gate", *moved_gate)] if moved_gate is not None else []) + [
        (f"site.stops.{ident}", lon, lat) for ident, (lon, lat) in stops.items()]
    placed = []
    for where, lon, lat in asked:
        x, y = transformer.transform(lon, lat)
        placed.append(Placed(where, shown(lon=lon, lat=lat), float(x), float(y),
                             inside=x0 <= lon <= x1 and y0 <= lat <= y1))
    check_placed(graph, placed, params=params,
                 extent=f"lon {x0:.5f}–{x1:.5f}, lat {y0:.5f}–{y1:.5f}")
    if moved_gate is not None:
        gate = Point(placed[0].x, placed[0].y)
    return gate, {p.field.removeprefix("site.stops."): (p.x, p.y) for p in placed
                  if p.field != "site.gate"}


def find_school(schools: list[SchoolInfo], query: str | None, *, where: object = "the map"
                ) -> SchoolInfo:
    """The school a name, a unique part of a name, or an id designates.

    The id of an element merged into a school (its building, say) designates that school too.
    """
    listing = "; ".join(f"{s.name} ({s.id})" for s in schools[:12]) + (
        "; ..." if len(schools) > 12 else "")
    if not schools:
        msg = f"{where} has no schools (amenity=school or kindergarten)"
        raise NetworkError(msg)
    if query is None:
        if len(schools) == 1:
            return schools[0]
        msg = f"{where} has {len(schools)} schools; name one: {listing}"
        raise NetworkError(msg)
    for found in ([s for s in schools if query in s.names],
                  [s for s in schools if any(query.casefold() in n.casefold() for n in s.names)],
                  [s for s in schools if query in (s.id, s.id[1:])],
                  [s for s in schools if any(query in (p, p[1:]) for p in s.parts)]):
        if len(found) == 1:
            return found[0]
        if found:
            many = "; ".join(f"{s.name} ({s.id})" for s in found)
            msg = f"school {query!r} matches {len(found)} schools in {where}: {many}; give the id"
            raise NetworkError(msg)
    names = [n for s in schools for n in s.names] or [s.name for s in schools]
    close = difflib.get_close_matches(query, names, n=3, cutoff=0.3)
    hint = f"did you mean {', '.join(close)}?" if close else f"schools: {listing}"
    msg = f"no school {query!r} in {where}; {hint}"
    raise NetworkError(msg)


# --- the gate ----------------------------------------------------------------------------------


def _walk_lines(graph: nx.MultiDiGraph) -> list[tuple[tuple[int, int, int], dict, LineString]]:
    """Walkable street edges, each once, with their shapes."""
    out, seen = [], set()
    for u, v, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        if not d["walk"] or (v, u, k) in seen or u == v:
            continue
        seen.add((u, v, k))
        line = d.get("geometry") or LineString(
            [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
        out.append(((u, v, k), d, line))
    return out


def _gate(graph: nx.MultiDiGraph, info: SchoolInfo) -> tuple[Point, str]:
    """Gate of a school and a note saying where it is."""
    if info.shape is None:
        return Point(info.x, info.y), "gate at the mapped point"
    lines = _walk_lines(graph)
    walk = nx.Graph([(u, v, {"length": d["length"]}) for (u, v, _), d, _ in lines])
    if walk.number_of_nodes() == 0:
        return Point(info.x, info.y), "gate at the area centroid (no walkable streets)"
    main = max(nx.connected_components(walk),
               key=lambda c: sum(d["length"] for _, _, d in walk.subgraph(c).edges(data=True)))
    candidates = [line for (u, _, _), _, line in lines
                  if u in main and not line.within(info.shape)]
    if not candidates:
        return Point(info.x, info.y), "gate at the area centroid"
    boundary = info.shape.boundary
    best = min(candidates, key=lambda line: boundary.distance(line))
    gate = nearest_points(boundary, best)[0]
    moved = gate.distance(Point(info.x, info.y))
    return gate, (f"gate on the school area's boundary nearest to a walkable street, "
                  f"{moved:.0f} m from the area's centre")


# --- homes -----------------------------------------------------------------------------------


def _street_points(lines: Iterable[tuple[tuple[int, int, int], dict, LineString]],
                   classes: set[str], spacing: float) -> list[tuple[str, Point, float]]:
    """``(id, point, metres of street it stands for)`` every ``spacing`` m along streets."""
    out = []
    for (u, v, k), d, line in lines:
        if d["highway"] not in classes:
            continue
        a, b = (u, v) if u <= v else (v, u)
        n = max(1, round(line.length / spacing))
        for i in range(n):
            p = line.interpolate((i + 0.5) / n, normalized=True)
            out.append((f"s{a}-{b}" + (f"k{k}" if k else "") + f"-{i}", p, line.length / n))
    return out


def _homes(data: OsmData, graph: nx.MultiDiGraph, transformer: Transformer, info: SchoolInfo,
           gate: Point, catchment: float, params: Parameters) -> tuple[list[Home], str, dict[str, str]]:
    """Homes within the catchment, a note saying where they come from, and each home's source.

    Sources: ``buildings`` (residential buildings), ``areas`` (residential
    areas without buildings, spread over their streets), ``streets`` (points
    along residential streets where the map has neither).
    """
    circle = gate.buffer(catchment)
    campus = info.shape
    levels = params["homes.default_levels"]
    per_home = float(params["homes.floor_area_per_household"])
    spacing = float(params["homes.street_spacing"])

    def usable(p: BaseGeometry) -> bool:
        return p.within(circle) and (campus is None or not p.within(campus))

    landuse = [(i, project(s, transformer))
               for i, _, s in areas(data, {"landuse": {"residential"}}) if s.geom_type != "Point"]
    landuse = [(i, s) for i, s in landuse if s.intersects(circle)]
    homes: dict[str, Home] = {}
    housed: set[str] = set()
    for ident, tags, shape in areas(data, {"building": None}):
        if shape.geom_type == "Point":
            continue
        shape = project(shape, transformer)
        spot = shape.representative_point()
        kind = tags["building"]
        within = [i for i, s in landuse if s.contains(spot)]
        if not (kind in HOME_BUILDINGS or (kind == "yes" and within)) or not usable(spot):
            continue
        housed.update(within)
        storeys = _storeys(tags.get("building:levels"))
        storeys = storeys or float(levels["house" if kind in HOUSE_LIKE else "other"])
        hid = "b" + ident[1:] if ident[0] == "w" else "b" + ident
        homes[hid] = Home(hid, spot.x, spot.y, round(shape.area * storeys / per_home, 2))
    lines = _walk_lines(graph)
    spread = [(i, s) for i, s in landuse if i not in housed]
    points = _street_points(lines, AREA_STREETS, spacing) if spread else []
    tree = shapely.STRtree([p for _, p, _ in points]) if points else None
    weights: dict[str, float] = {}
    for ident, shape in spread:
        households = shape.area * float(params["homes.residential_far"]) / per_home
        near = [] if tree is None else [points[j] for j in tree.query(shape.buffer(AREA_REACH))
                                        if points[j][1].distance(shape) <= AREA_REACH]
        if not near:
            spot = shape.representative_point()
            if usable(spot):
                homes[f"l{ident.lstrip('w')}"] = Home(f"l{ident.lstrip('w')}", spot.x, spot.y,
                                                      round(households, 2))
            continue
        total = sum(m for _, _, m in near)
        for pid, p, metres in near:
            if usable(p):
                weights[pid] = weights.get(pid, 0.0) + households * metres / total
    spots = {pid: p for pid, p, _ in points}
    for pid in sorted(weights):
        homes[pid] = Home(pid, spots[pid].x, spots[pid].y, round(weights[pid], 2))
    buildings = sum(h.startswith("b") for h in homes)
    note = (f"homes within {catchment:.0f} m: {buildings} residential buildings, "
            f"{len(homes) - buildings} points for {len(spread)} residential area(s) without "
            "buildings")
    fallback = not homes
    if fallback:
        for pid, p, metres in _street_points(lines, FALLBACK_STREETS, spacing):
            if usable(p):
                homes[pid] = Home(pid, p.x, p.y, round(metres, 2))
        note = (f"homes within {catchment:.0f} m: the map has no residential buildings or areas "
                f"there, so {len(homes)} points along residential streets, weighted by length")
    if not homes:
        msg = (f"no homes within {catchment:.0f} m of {info.name}: the map has no residential "
               "buildings, areas or streets there")
        raise NetworkError(msg)
    sources = {h: "buildings" if h.startswith("b") else "streets" if fallback else "areas" for h in homes}
    return sorted(homes.values(), key=lambda h: h.id), note, sources


def _storeys(text: str | None) -> float | None:
    try:
        value = float(str(text).split(";")[0])
    except ValueError:
        return None
    return value if np.isfinite(value) and 1 <= value <= 150 else None
