"""Walk graph: sidewalks, corners and explicit crossings built from a street graph.

Children walk on sidewalks and footways and cross carriageways only on
crossing edges, so every road a route crosses is a :class:`Crossing` on it.

At each street node the incident legs (one per undirected street edge end) are
sorted anticlockwise by bearing; corner ``i`` lies between leg ``i`` and leg
``i + 1``. A car-free leg (a footway) does not separate the corners beside it,
so they are merged. Each walkable carriageway gets a sidewalk on each side,
each footway one edge, and each crossed leg a crossing edge between the two
corners that flank it. A footbridge or underpass street node with a footway
passing over (under) it takes that footway into its crossing: the footway is
cut there and the crossing (and the informal way beneath it) joins the two
halves, so nobody walks over the road on the deck without using the crossing.

Walk-graph node ids (all hashable tuples, deterministic for a given street graph)
    ``("c", street_node, i)``
        corner (at a junction) or side (inside a road, at a dead end) of a
        street node; ``i`` is the corner's index in anticlockwise leg order,
        the smallest index of a merged group.
    ``("d", street_node, 0 | 1)``
        the end of a footbridge (underpass) footway's half that passes over
        (under) other carriageways besides the crossed road
        (:func:`~.junctions.deck_splits`): the crossing, not a sidewalk, joins it.
    ``("m", label)``
        a split node that lets a second edge join an already joined node pair
        (``label`` is the crossing id, or the street edge id plus ``L``/``R``).
    ``("snap", "school" | "home", id)``
        where the school gate or a home joins a sidewalk (see :mod:`.attach`).
    ``("school", id)``, ``("home", id)``
        the school gate and the homes.
    ``("stop", id)``
        a bus stop, joined to both ends of the sidewalk it meets (see :mod:`.attach`).

Walk-graph edge attributes
    ``length`` (m), ``kind`` (``sidewalk``, ``footway``, ``crossing``,
    ``link``, ``access``), ``crossing`` (crossing id or None), ``street``
    (street edge id of a sidewalk or footway, else None), ``side``
    (``left``/``right`` of the street edge's ``u -> v`` direction for
    sidewalks), ``geometry`` (optional LineString where the street is curved).
    A ``link`` edge has length 0 and carries nothing: it only exists so that
    two edges can join the same pair of nodes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
from shapely import LineString, Point

from simulator.crossing import FACILITIES, Crossing
from simulator.errors import NetworkError
from simulator.network.attach import attach_points, join_points, locate_points
from simulator.network.gatestreet import GateStreet, gate_street
from simulator.network.junctions import (
    XY,
    Deck,
    Leg,
    Node,
    Road,
    Settings,
    add_corners,
    deck_splits,
    legs_by_node,
    node_crossings,
    node_role,
    reach,
    street_roads,
)
from simulator.network.site import Site, street_edge_id
from simulator.params import Parameters, default_parameters


@dataclass(frozen=True)
class WalkNetwork:
    """The walk graph of a site, with its crossings and the school and homes on it.

    Attributes
    ----------
    graph
        Undirected walk graph (see the module docstring for ids and attributes).
    crossings
        Crossing objects by id; each is on exactly one ``kind="crossing"`` edge.
    school_node
        Walk node of the school gate.
    home_nodes
        ``Home.id`` -> walk node, for homes connected to the school on foot.
    snaps
        School and home id -> distance (m) from the point to the sidewalk it joins.
    dropped_homes
        Ids of homes too far from any walkable street or not connected to the school.
    street
        The street graph the walk graph was built from.
    stop_nodes
        ``Stop.id`` -> walk node, for bus stops connected to the school on foot.
    stop_names
        ``Stop.id`` -> the stop's name (empty if the map gives none), for those stops.
    dropped_stops
        Ids of stops too far from any walkable street or not connected to the school.
    gate_street
        The carriageway beside the gate (:mod:`simulator.network.gatestreet`),
        whose two crossings are among ``crossings``; None without one.
    """

    graph: nx.Graph
    crossings: Mapping[str, Crossing]
    school_node: Hashable
    home_nodes: Mapping[str, Hashable]
    snaps: Mapping[str, float]
    dropped_homes: tuple[str, ...]
    street: nx.MultiDiGraph
    stop_nodes: Mapping[str, Hashable] = field(default_factory=lambda: MappingProxyType({}))
    stop_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    dropped_stops: tuple[str, ...] = ()
    gate_street: GateStreet | None = None


def walk_network_from_site(site: Site, *, params: Parameters | None = None) -> WalkNetwork:
    """Build the walk graph of a site and attach its school, homes and bus stops.

    Parameters
    ----------
    site
        Street graph (see :mod:`simulator.network.site`), school and homes.
    params
        Parameter table; the packaged defaults if None.

    Returns
    -------
    WalkNetwork
        The walk graph with the school and the reachable homes on it.

    Raises
    ------
    NetworkError
        If the map has no walkable streets, the school is farther than
        ``walk.snap_tolerance`` from one, no home can reach the school on foot,
        or two homes (two stops) share an id. A stop that is too far or cut off
        is dropped, like a home.
    """
    params = params or default_parameters()
    graph, crossings = build_walk_graph(site.graph, params=params)
    _check_home_ids(site)
    if not site.homes:
        msg = f"school {site.school.name!r} has no homes to walk from"
        raise NetworkError(msg)
    tolerance = float(params["walk.snap_tolerance"])
    points = [(site.school.x, site.school.y)] + [(h.x, h.y) for h in site.homes]
    located = locate_points(graph, np.asarray(points, dtype=float).reshape(-1, 2))
    school_snap, home_snaps = located[0], located[1:]
    if school_snap.distance > tolerance:
        msg = (f"school {site.school.name!r} is {school_snap.distance:.0f} m from the nearest "
               f"walkable street (tolerance {tolerance:.0f} m)")
        raise NetworkError(msg)
    component = _component_of(graph)
    school_part = component[school_snap.a]
    kept = [(home, snap) for home, snap in zip(site.homes, home_snaps, strict=True)
            if snap.distance <= tolerance and component[snap.a] == school_part]
    if not kept:
        msg = f"school {site.school.name!r} is unreachable on foot from every home"
        raise NetworkError(msg)
    school_node = ("school", site.school.id)
    points_on = [(school_node, "school", site.school.x, site.school.y, school_snap)]
    points_on += [(("home", h.id), "home", h.x, h.y, snap) for h, snap in kept]
    attach_points(graph, points_on)
    kept_ids = {h.id for h, _ in kept}
    snaps = {site.school.id: school_snap.distance} | {h.id: s.distance for h, s in kept}
    stop_nodes = _attach_stops(graph, site, school_node, tolerance)
    gate = gate_street(site.graph, (site.school.x, site.school.y), params=params, crossings=crossings)
    if gate is not None:
        crossings = {**crossings, **gate.crossings()}
    return WalkNetwork(
        graph=graph,
        crossings=crossings,
        gate_street=gate,
        school_node=school_node,
        home_nodes=MappingProxyType({h.id: ("home", h.id) for h, _ in kept}),
        snaps=MappingProxyType(snaps),
        dropped_homes=tuple(h.id for h in site.homes if h.id not in kept_ids),
        street=site.graph,
        stop_nodes=MappingProxyType(stop_nodes),
        stop_names=MappingProxyType({s.id: s.name for s in site.stops if s.id in stop_nodes}),
        dropped_stops=tuple(s.id for s in site.stops if s.id not in stop_nodes),
    )


def _attach_stops(graph: nx.Graph, site: Site, school_node: Hashable, tolerance: float
                  ) -> dict[str, Hashable]:
    """Join the site's stops within ``tolerance`` of a sidewalk on the school's side; id -> node.

    Done after the school and homes are on the graph, without splitting edges
    (:func:`~.attach.join_points`), so their routes stay as they were.
    """
    if not site.stops:
        return {}
    located = locate_points(graph, np.asarray([(s.x, s.y) for s in site.stops], dtype=float))
    part = nx.node_connected_component(graph, school_node)
    kept = [(s, snap) for s, snap in zip(site.stops, located, strict=True)
            if snap.distance <= tolerance and snap.a in part]
    join_points(graph, [(("stop", s.id), "stop", s.x, s.y, snap) for s, snap in kept])
    return {s.id: ("stop", s.id) for s, _ in kept}


MIN_HOME_POINTS = 10
"""Fewer reachable home points than this put a whole school's children on a few doorsteps."""


def coverage_warning(network: WalkNetwork) -> str | None:
    """A one-line warning when few of the site's homes can walk to the school, else None.

    A school on a street cut off from the rest of the map keeps only the homes
    on that street: every child then starts from a handful of points, and the
    results say little about the real catchment.
    """
    kept = len(network.home_nodes)
    total = kept + len(network.dropped_homes)
    if kept == total or (kept >= MIN_HOME_POINTS and kept * 2 >= total):
        return None
    return (f"only {kept} of {total} home points can reach the school on foot "
            f"({len(network.dropped_homes)} are off the map's walk network or cut off from the school): "
            "every child starts from these; check the map around the school (a missing footway or "
            "a street cut by the extract's edge?)")


def build_walk_graph(
    street: nx.MultiDiGraph, *, params: Parameters | None = None
) -> tuple[nx.Graph, dict[str, Crossing]]:
    """Build the sidewalk-level walk graph and its crossings from a street graph.

    Parameters
    ----------
    street
        Street graph meeting the contract of :mod:`simulator.network.site`.
    params
        Parameter table; the packaged defaults if None.

    Returns
    -------
    graph, crossings
        The undirected walk graph and the crossings on it, by id.

    Raises
    ------
    NetworkError
        If the street graph has no walkable edge, or a node's ``crossing``
        attribute is not a known facility.
    """
    settings = Settings.of(params or default_parameters())
    _check_facilities(street)
    roads = street_roads(street, settings)
    if not any(r.walk for r in roads):
        msg = "the street map has no walkable streets"
        raise NetworkError(msg)
    graph = nx.Graph(crs=street.graph.get("crs"), name=street.graph.get("name", ""))
    flanks: dict[tuple[int, int], tuple[Node, Node]] = {}
    pending: list[tuple[Node, list[Leg], str]] = []
    all_legs = legs_by_node(street, roads)
    for node, legs in all_legs.items():
        role = node_role(legs, roads)
        flanks.update(add_corners(graph, street, node, legs, roads, role, settings))
        pending.append((node, legs, role))
    decks = deck_splits(graph, street, roads, all_legs, flanks)
    cuts: dict[int, list[Deck]] = {}
    for deck in decks.values():
        cuts.setdefault(deck.road, []).append(deck)
    for index, road in enumerate(roads):
        _add_street_edges(graph, road, flanks[(index, 0)], flanks[(index, 1)], settings,
                          sorted(cuts.get(index, ()), key=lambda d: d.at))
    crossings: dict[str, Crossing] = {}
    for node, legs, role in pending:
        for crossing, a, b in node_crossings(street, node, legs, roads, role, flanks, graph,
                                             settings, decks.get(node)):
            attrs = {"length": crossing.length, "kind": "crossing", "crossing": crossing.id,
                     "street": None}
            if _add_edge(graph, a, b, crossing.id, attrs):
                crossings[crossing.id] = crossing
    return graph, crossings


def path_crossings(graph: nx.Graph, path: list[Hashable]) -> list[str]:
    """Ids of the crossings used along a walk-graph node path, in order."""
    ids = (graph.edges[a, b]["crossing"] for a, b in pairwise(path))
    return [c for c in ids if c is not None]


def add_informal_crossing(graph: nx.Graph, crossing_id: str, informal_id: str, *,
                          length: float | None = None) -> nx.Graph:
    """Add an informal at-grade crossing beside an existing crossing edge.

    Used when a scenario turns an at-grade crossing into a footbridge or an
    underpass: children who avoid the stairs still cross at grade beside it.

    Parameters
    ----------
    graph
        Walk graph, changed in place (pass a copy to keep the original).
    crossing_id
        Id of the crossing edge to double.
    informal_id
        Crossing id of the new edge (:func:`simulator.crossing.informal_id`).
    length
        Length of the new edge, m; the existing edge's length if None.

    Returns
    -------
    nx.Graph
        ``graph``, for chaining.

    Raises
    ------
    NetworkError
        If no crossing edge carries ``crossing_id``.
    """
    ends = [(a, b, d) for a, b, d in graph.edges(data=True)
            if d.get("crossing") == crossing_id and d.get("kind") == "crossing"]
    if not ends:
        msg = f"no crossing {crossing_id!r} in the walk graph"
        raise NetworkError(msg)
    a, b, data = ends[0]
    attrs = {"length": float(data["length"] if length is None else length), "kind": "crossing",
             "crossing": informal_id, "street": None}
    _add_edge(graph, a, b, informal_id, attrs)
    return graph


def _check_home_ids(site: Site) -> None:
    """Raise NetworkError if two homes (two stops) share an id."""
    for what, ids in (("home", [h.id for h in site.homes]), ("stop", [s.id for s in site.stops])):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dupes:
            msg = f"{what} ids must be unique; repeated: {', '.join(dupes)}"
            raise NetworkError(msg)


def _check_facilities(street: nx.MultiDiGraph) -> None:
    """Raise NetworkError naming every node whose ``crossing`` is not a facility."""
    bad = [f"{n} ({f!r})" for n, f in street.nodes(data="crossing") if f and f not in FACILITIES]
    if bad:
        msg = (f"street node crossing attribute must be one of {', '.join(FACILITIES)}; "
               f"got {'; '.join(bad)}")
        raise NetworkError(msg)


def _component_of(graph: nx.Graph) -> dict[Node, int]:
    """Connected-component number of every walk node."""
    return {n: i for i, part in enumerate(nx.connected_components(graph)) for n in part}


# --- sidewalks and footways ------------------------------------------------------------


def _add_street_edges(graph: nx.Graph, road: Road, at_u: tuple[Node, Node],
                      at_v: tuple[Node, Node], settings: Settings,
                      cuts: Sequence[Deck] = ()) -> None:
    """Add the sidewalks of a walkable carriageway, or the edge of a footway.

    The left sidewalk (seen along ``u -> v``) runs from u's anticlockwise flank
    corner to v's clockwise flank corner; the right one joins the other two.
    A footway with ``cuts`` (a deck over or under crossings, see
    :func:`~.junctions.deck_splits`) is added in pieces that end at the
    crossings' ends; the pieces are shortened by the carriageway width under
    the deck, which the crossings' own lengths walk.
    """
    if not road.walk:
        return
    sid = street_edge_id(road.u, road.v, road.key)
    length = float(road.data.get("length") or _polyline_length(road.coords))
    if not road.carriageway and cuts:
        scale = max(length - sum(d.width for d in cuts), 0.0) / length if length > 0 else 0.0
        starts = [(0.0, at_u[0])] + [(d.at, d.ends[1]) for d in cuts]
        ends = [(d.at, d.ends[0]) for d in cuts] + [(1.0, at_v[0])]
        for i, ((f0, a), (f1, b)) in enumerate(zip(starts, ends, strict=True)):
            attrs = {"length": length * (f1 - f0) * scale, "kind": "footway", "crossing": None,
                     "street": sid}
            _add_edge(graph, a, b, f"{sid}/{i}", attrs, _piece(graph, a, b, road, f0, f1))
        return
    if not road.carriageway:
        attrs = {"length": length, "kind": "footway", "crossing": None, "street": sid}
        _add_edge(graph, at_u[0], at_v[0], sid, attrs, _shape(graph, at_u[0], at_v[0], road, 0.0))
        return
    shift = reach(road, settings)
    sides = (("left", at_u[0], at_v[1], shift), ("right", at_u[1], at_v[0], -shift))
    for side, a, b, offset in sides:
        attrs = {"length": length, "kind": "sidewalk", "crossing": None, "street": sid,
                 "side": side}
        _add_edge(graph, a, b, f"{sid}{side[0].upper()}", attrs,
                  _shape(graph, a, b, road, offset))


def _piece(graph: nx.Graph, a: Node, b: Node, road: Road, f0: float, f1: float
           ) -> LineString | None:
    """Shape of the piece of a footway between fractions f0 and f1, from node a to node b.

    None where the piece has no bend (the edge is the segment between its nodes).
    """
    line = LineString(road.coords)
    inner = [pt for pt, at in ((pt, line.project(Point(pt), normalized=True))
                               for pt in road.coords[1:-1]) if f0 < at < f1]
    if not inner:
        return None
    ends = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (a, b)]
    return LineString([ends[0], *inner, ends[1]])


def _polyline_length(coords: list[XY]) -> float:
    """Length of a polyline, m."""
    return sum(math.dist(p, q) for p, q in pairwise(coords))


def _shape(graph: nx.Graph, a: Node, b: Node, road: Road, shift: float) -> LineString | None:
    """Geometry of a walk edge along a curved road, shifted left by ``shift`` metres.

    None for straight roads (the edge is the segment between its nodes).
    """
    if len(road.coords) < 3:
        return None
    pts = np.asarray(road.coords)
    tangent = pts[2:] - pts[:-2]
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    left = np.column_stack((-tangent[:, 1], tangent[:, 0])) / norm[:, None]
    inner = pts[1:-1] + shift * left
    ends = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (a, b)]
    return LineString([ends[0], *map(tuple, inner), ends[1]])


def _add_edge(graph: nx.Graph, a: Node, b: Node, label: str, attrs: dict[str, Any],
              geometry: LineString | None = None) -> bool:
    """Add a walk edge; split it with a ``link`` if a and b are already joined.

    Returns False (adding nothing) for a loop, whose ends are one node.
    """
    if a == b:
        return False
    if geometry is not None:
        attrs = attrs | {"geometry": geometry}
    if not graph.has_edge(a, b):
        graph.add_edge(a, b, **attrs)
        return True
    mid = ("m", label)
    graph.add_node(mid, x=graph.nodes[b]["x"], y=graph.nodes[b]["y"], kind="split",
                   street_node=None)
    graph.add_edge(a, mid, **attrs)
    graph.add_edge(mid, b, length=0.0, kind="link", crossing=None, street=None)
    return True
