"""Bus stops near the school gate, and the points (gate, stops) a scenario places on a site.

**Stops on a map.** Nodes, and ways by their centroid, tagged
``highway=bus_stop``, ``highway=platform`` or ``public_transport=platform``
when the platform is a bus's (tagged ``bus=yes``, or carrying no rail, tram or
ferry tag: the subway platforms of Chinese extracts are left out). Stop
positions on the carriageway (``public_transport=stop_position``) are not
stops: the platform beside them is where passengers alight. Points closer
than ``transit.stop_merge_radius`` to each other are one stop (single
linkage: mappers often map a stop twice, as a ``bus_stop`` node and as a
platform) at their mean position, with the id of its first point (nodes
before ways, then by OSM id: ``bus<id>`` for a node, ``busw<id>`` for a way)
and the first name found (``name:zh``, else ``name``). Stops farther than
``transit.max_stop_walk`` (straight line) from the gate are left out: pupils
are assumed not to use them (500 m, the coverage radius of GB 50220-95).

**Placed points.** A scenario may move the school gate and move or add stops
(:func:`with_placed_stops`). Each placed point must lie inside the map's
extent and within ``walk.snap_tolerance`` of a walkable street; every point
that does not is one problem of a :class:`PlaceError`, named by its scenario
field (``site.gate``, ``site.stops.<id>``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import shapely
from shapely import LineString, Point, Polygon

from simulator.errors import NetworkError
from simulator.network.site import Stop
from simulator.params import Parameters

if TYPE_CHECKING:  # the synthetic district needs neither pyproj nor the OSM reader
    from pyproj import Transformer

    from simulator.network.osmdata import OsmData

NOT_BUS = ("railway", "train", "subway", "tram", "light_rail", "monorail", "funicular", "ferry",
           "aerialway")
"""Tags of a platform of another mode (a ``public_transport=platform`` with one is not a bus stop)."""


class PlaceError(NetworkError):
    """A gate or stop placed by a scenario is outside the map or too far from its streets."""


@dataclass(frozen=True)
class Placed:
    """A point a scenario places: its field, the value as written, its projected position.

    Attributes
    ----------
    field
        The scenario field, e.g. ``site.gate`` or ``site.stops.bus12``.
    shown
        The value as the scenario wrote it, e.g. ``{lon: 116.35, lat: 40.0}``.
    x, y
        Projected position, m.
    inside
        Whether the point lies inside the map's extent.
    """

    field: str
    shown: str
    x: float
    y: float
    inside: bool


def is_bus_platform(tags: Mapping[str, str]) -> bool:
    """Whether an element's tags make it a bus stop (see the module's notes)."""
    if tags.get("highway") in ("bus_stop", "platform"):
        return True
    if tags.get("public_transport") != "platform":
        return False
    if tags.get("bus") == "yes" or tags.get("trolleybus") == "yes":
        return True
    return not any(tags.get(k, "no") != "no" for k in NOT_BUS)


def map_stop_points(data: OsmData, transformer: Transformer) -> list[tuple[str, str, float, float]]:
    """``(id, name, x, y)`` of every bus stop element of a map, projected, nodes then ways by id.

    A way is taken at the centroid of its area (closed) or line, from the nodes the file holds.
    """
    out = []
    for ref in sorted(r for r, t in data.node_tags.items() if is_bus_platform(t)):
        x, y = transformer.transform(*data.coords[ref])
        out.append((f"bus{ref}", _name(data.node_tags[ref]), float(x), float(y)))
    for ref in sorted(r for r, (_, t) in data.ways.items() if is_bus_platform(t)):
        refs, tags = data.ways[ref]
        pts = [transformer.transform(*data.coords[r]) for r in refs if r in data.coords]
        if not pts:
            continue
        closed = len(refs) >= 4 and refs[0] == refs[-1] and len(pts) == len(refs)
        shape = Polygon(pts) if closed else LineString(pts) if len(pts) > 1 else Point(pts[0])
        centre = shape.centroid if not shape.is_empty else Point(pts[0])
        out.append((f"busw{ref}", _name(tags), float(centre.x), float(centre.y)))
    return out


def _name(tags: Mapping[str, str]) -> str:
    return tags.get("name:zh") or tags.get("name") or ""


def merge_stops(points: Sequence[tuple[str, str, float, float]], *, radius: float) -> list[Stop]:
    """One stop per group of points closer than ``radius`` to each other (single linkage).

    Parameters
    ----------
    points
        ``(id, name, x, y)`` in priority order: a group keeps its first point's
        id and its first non-empty name.
    radius
        Points closer than this (m) are the same stop.

    Returns
    -------
    list of Stop
        At the mean position of their points, in the order of their first points.
    """
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if math.dist(points[i][2:], points[j][2:]) < radius:
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(points)):
        groups.setdefault(root(i), []).append(i)
    out = []
    for members in groups.values():
        group = [points[m] for m in members]
        name = next((p[1] for p in group if p[1]), "")
        x = sum(p[2] for p in group) / len(group)
        y = sum(p[3] for p in group) / len(group)
        out.append(Stop(group[0][0], x, y, name))
    return out


def near_stops(stops: Iterable[Stop], gate: tuple[float, float], *, within: float,
               keep: Iterable[str] = ()) -> tuple[Stop, ...]:
    """The stops within ``within`` m (straight line) of the gate, and those whose ids are in ``keep``."""
    kept = set(keep)
    return tuple(s for s in stops if s.id in kept or math.dist((s.x, s.y), gate) <= within)


def with_placed_stops(stops: Sequence[Stop], placed: Mapping[str, tuple[float, float]]
                      ) -> list[Stop]:
    """Stops with the placed ones moved (an existing id, keeping its name) or added (a new id).

    New stops come last, in the order given; their name is empty.
    """
    by_id = {s.id: s for s in stops}
    for ident, (x, y) in placed.items():
        old = by_id.get(ident)
        by_id[ident] = Stop(ident, float(x), float(y), old.name if old else "",
                            old.kind if old else "bus")
    return list(by_id.values())


def check_placed(graph: nx.MultiDiGraph, placed: Sequence[Placed], *, params: Parameters,
                 extent: str) -> None:
    """Raise one :class:`PlaceError` naming every placed point off the map or off its streets.

    Parameters
    ----------
    graph
        Street graph (:mod:`simulator.network.site`).
    placed
        The points a scenario places.
    params
        Parameter table (``walk.snap_tolerance``).
    extent
        The map's extent in words, for the message.

    Raises
    ------
    PlaceError
        One line: ``<field>: <value> is not allowed (allowed: ...)`` per bad point, joined by ``;``.
    """
    if not placed:
        return
    tolerance = float(params["walk.snap_tolerance"])
    lines = [d.get("geometry") or LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
             for u, v, d in graph.edges(data=True) if d.get("walk") and u != v]
    tree = shapely.STRtree(lines) if lines else None
    found = []
    for p in placed:
        if not p.inside:
            found.append(f"{p.field}: {p.shown} is not allowed (allowed: a point inside the map, {extent})")
            continue
        point = Point(p.x, p.y)
        far = math.inf if tree is None else float(point.distance(lines[int(tree.nearest(point))]))
        if far > tolerance:
            found.append(f"{p.field}: {p.shown} is not allowed (allowed: within walk.snap_tolerance, "
                         f"{tolerance:.0f} m, of a walkable street; it is {far:.0f} m from one)")
    if found:
        raise PlaceError("; ".join(found))


def shown(**coords: float) -> str:
    """A placed point as a scenario writes it: ``{lon: 116.35, lat: 40.0}``."""
    def text(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else repr(float(v))

    return "{" + ", ".join(f"{k}: {text(v)}" for k, v in coords.items()) + "}"
