"""Legs, corners and crossings at street nodes: the geometry under the walk graph.

A leg is one end of an undirected street edge at a street node. Legs are
sorted anticlockwise by their outward bearing; corner ``i`` lies between leg
``i`` and leg ``i + 1``, where the sidewalk lines of the two legs meet. Legs
without a carriageway (footways) do not separate the corners beside them, so
those corners are merged into one walk node. Which legs of a node get a
crossing depends on the node's role (junction, a node inside a road, a dead
end) and on its ``signal`` and ``crossing`` attributes.

Where walkers may not cross at grade, no crossing is inferred: a node with
``no_crossing`` gets no crossing, and a leg whose edge has ``no_at_grade``
(motorways, fenced roads: see :mod:`.osmtags`) is crossed only at a mapped
crossing or a signal, as a leg with a ``median_fence`` is at a junction.

A footbridge or underpass node may carry ``access`` (``stairs``, ``ramp``,
``lift``; the crossing's, default ``stairs``), ``span`` and ``span_width``
(other carriageways under the same deck: the crossing's lanes, volume and
length include them) and ``no_at_grade`` (no informal way across beneath it);
a footbridge (tunnel) footway passing over (under) it is cut there and the
crossing joins its two halves (:func:`deck_splits`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import shapely
from shapely import LineString, Point

from simulator.crossing import ACCESS, GRADE_SEPARATED, Crossing, Signal, crossing_id, informal_id
from simulator.params import Parameters

Node = Any
XY = tuple[float, float]
DECK_REACH = 0.5
"""A footbridge (tunnel) footway within this distance (m) of a footbridge (underpass) node passes over it."""


@dataclass(frozen=True)
class Settings:
    """The parameters the builder reads, looked up once."""

    corner_offset: float
    lane_width: float
    volume_per_lane: Mapping[str, float]
    default_limit: Mapping[str, float]
    cycle: float
    walk: float
    climb: Mapping[str, float]
    stair_horizontal: float

    @classmethod
    def of(cls, params: Parameters) -> Settings:
        """Read the builder's parameters from ``params``."""
        return cls(
            corner_offset=float(params["walk.corner_offset"]),
            lane_width=float(params["traffic.lane_width"]),
            volume_per_lane=dict(params["traffic.peak_volume_per_lane"]),
            default_limit=dict(params["traffic.default_limit"]),
            cycle=float(params["signal.cycle"]),
            walk=float(params["signal.walk"]),
            climb={"footbridge": float(params["grade.footbridge_climb"]),
                   "underpass": float(params["grade.underpass_climb"])},
            stair_horizontal=float(params["grade.stair_horizontal_per_m"]),
        )


@dataclass(frozen=True)
class Road:
    """One undirected street edge ``(u, v, key)`` with its polyline from u to v."""

    u: Node
    v: Node
    key: int
    data: Mapping[str, Any]
    coords: list[XY]
    carriageway: bool
    walk: bool
    width: float

    def other(self, end: int) -> Node:
        """The node at the far end from leg end ``end`` (0: u, 1: v)."""
        return self.v if end == 0 else self.u


@dataclass(frozen=True)
class Leg:
    """One end of a road at a street node, with its outward bearing (radians)."""

    road: int
    end: int
    angle: float


# --- street edges and legs -------------------------------------------------------------


def street_roads(street: nx.MultiDiGraph, settings: Settings) -> list[Road]:
    """Undirected street edges, each once (the first direction met), with polylines."""
    roads: list[Road] = []
    seen: set[tuple[Node, Node, int]] = set()
    for u, v, key, data in street.edges(keys=True, data=True):
        if (v, u, key) in seen:
            continue
        seen.add((u, v, key))
        coords = _polyline(street, u, v, data)
        if u == v and len(coords) < 3:
            continue  # a self-loop with no shape has no bearing
        carriageway = bool(data.get("carriageway", True))
        width = float(data.get("width") or 0.0)
        if carriageway and width <= 0:
            width = lane_count(data) * settings.lane_width
        roads.append(Road(u, v, int(key), data, coords, carriageway,
                           bool(data.get("walk", True)), width if carriageway else 0.0))
    return roads


def _polyline(street: nx.MultiDiGraph, u: Node, v: Node, data: Mapping[str, Any]) -> list[XY]:
    """Edge shape from u to v: its geometry, oriented and with exact end points."""
    pu = (float(street.nodes[u]["x"]), float(street.nodes[u]["y"]))
    pv = (float(street.nodes[v]["x"]), float(street.nodes[v]["y"]))
    geometry = data.get("geometry")
    if geometry is None:
        return [pu, pv]
    coords = [(float(x), float(y)) for x, y, *_ in geometry.coords]
    if math.dist(coords[0], pu) > math.dist(coords[-1], pu):
        coords.reverse()
    return [pu, *coords[1:-1], pv]


def lane_count(data: Mapping[str, Any]) -> int:
    """Total lanes of an edge (at least 1)."""
    try:
        return max(1, round(float(data.get("lanes") or 1)))
    except (TypeError, ValueError):
        return 1


def node_order(node: Node) -> tuple[int, Any]:
    """Sort key for node ids of mixed types (numbers first)."""
    return (0, node) if isinstance(node, int | float) else (1, str(node))


def _bearing(coords: list[XY], end: int) -> float:
    """Outward bearing (radians, anticlockwise from east) of a polyline at one end."""
    seq = coords if end == 0 else coords[::-1]
    x0, y0 = seq[0]
    for x, y in seq[1:]:
        if (x, y) != (x0, y0):
            return math.atan2(y - y0, x - x0)
    return 0.0


def legs_by_node(street: nx.MultiDiGraph, roads: list[Road]) -> dict[Node, list[Leg]]:
    """Legs at every street node, sorted anticlockwise (ties by neighbour id and key)."""
    legs: dict[Node, list[Leg]] = {n: [] for n in street.nodes}
    for index, road in enumerate(roads):
        legs[road.u].append(Leg(index, 0, _bearing(road.coords, 0)))
        legs[road.v].append(Leg(index, 1, _bearing(road.coords, 1)))
    for node_legs in legs.values():
        node_legs.sort(key=lambda leg: (leg.angle, node_order(roads[leg.road].other(leg.end)),
                                        roads[leg.road].key, leg.end))
    return legs


def _same_road(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True if two edges are the same road: same name, or both unnamed and same class."""
    name_a, name_b = str(a.get("name") or ""), str(b.get("name") or "")
    if name_a and name_b:
        return name_a == name_b
    return name_a == name_b and a.get("highway") == b.get("highway")


def node_role(legs: list[Leg], roads: list[Road]) -> str:
    """``junction``, ``inside`` (a node inside one road), ``dead_end`` or ``paths``."""
    carriage = [roads[leg.road] for leg in legs if roads[leg.road].carriageway]
    if len(carriage) >= 3:
        return "junction"
    if len(carriage) == 2:
        same = _same_road(carriage[0].data, carriage[1].data)
        return "inside" if same else "junction"
    return "dead_end" if carriage else "paths"


# --- corners ---------------------------------------------------------------------------


def add_corners(
    graph: nx.Graph, street: nx.MultiDiGraph, node: Node, legs: list[Leg],
    roads: list[Road], role: str, settings: Settings,
) -> dict[tuple[int, int], tuple[Node, Node]]:
    """Add the corner nodes of one street node; return each leg's (ccw, cw) flank corners."""
    if not legs:
        return {}
    x0, y0 = float(street.nodes[node]["x"]), float(street.nodes[node]["y"])
    kind = "corner" if role in ("junction", "paths") else "side"
    if len(legs) == 1 and roads[legs[0].road].carriageway:
        return _add_dead_end_sides(graph, node, legs[0], roads, (x0, y0), settings)
    m = len(legs)
    parent = list(range(m))
    for i, leg in enumerate(legs):
        if not roads[leg.road].carriageway:
            _union(parent, (i - 1) % m, i)
    groups: dict[int, list[XY]] = {}
    for i in range(m):
        groups.setdefault(_find(parent, i), []).append(
            _corner_point(legs[i], legs[(i + 1) % m], roads, (x0, y0), settings))
    for root, points in groups.items():
        x, y = (x0, y0) if role == "paths" else _mean(points)
        graph.add_node(("c", node, root), x=x, y=y, kind=kind, street_node=node)
    return {(leg.road, leg.end): (("c", node, _find(parent, i)),
                                  ("c", node, _find(parent, (i - 1) % m)))
            for i, leg in enumerate(legs)}


def _add_dead_end_sides(
    graph: nx.Graph, node: Node, leg: Leg, roads: list[Road], origin: XY, settings: Settings,
) -> dict[tuple[int, int], tuple[Node, Node]]:
    """Two side nodes left and right of the only leg at a dead end."""
    r = reach(roads[leg.road], settings)
    ids = (("c", node, 0), ("c", node, 1))
    for node_id, turn in zip(ids, (math.pi / 2, -math.pi / 2), strict=True):
        graph.add_node(node_id, x=origin[0] + r * math.cos(leg.angle + turn),
                       y=origin[1] + r * math.sin(leg.angle + turn), kind="side",
                       street_node=node)
    return {(leg.road, leg.end): ids}


def _corner_point(leg: Leg, after: Leg, roads: list[Road], origin: XY,
                  settings: Settings) -> XY:
    """Corner between a leg and the next leg anticlockwise: where their sidewalk lines meet.

    Each leg's sidewalk line runs ``reach`` = half its carriageway width + the
    sidewalk offset from its centreline. Where the two lines are near parallel
    or meet more than twice the larger reach from the junction, the corner is
    put on the bisector at ``reach / sin(gap / 2)`` (``reach`` of the wider
    leg), capped at twice that reach.
    """
    r1, r2 = reach(roads[leg.road], settings), reach(roads[after.road], settings)
    a, b = leg.angle, after.angle
    det = math.sin(a - b)
    cap = 2 * max(r1, r2)
    if abs(det) > 1e-6:
        # left of ``leg``: p . (-sin a, cos a) = r1; right of ``after``: p . (sin b, -cos b) = r2
        px = (-r1 * math.cos(b) - r2 * math.cos(a)) / det
        py = (-r1 * math.sin(b) - r2 * math.sin(a)) / det
        if math.hypot(px, py) <= cap:
            return (origin[0] + px, origin[1] + py)
    gap = (b - a) % (2 * math.pi) or 2 * math.pi
    half_sine = math.sin(gap / 2)
    distance = min(max(r1, r2) / half_sine, cap) if half_sine > 1e-9 else cap
    bisector = a + gap / 2
    return (origin[0] + distance * math.cos(bisector), origin[1] + distance * math.sin(bisector))


def reach(road: Road, settings: Settings) -> float:
    """Distance from a road's centreline to the line walkers follow beside it, m."""
    return road.width / 2 + settings.corner_offset


def _mean(points: list[XY]) -> XY:
    """Centroid of some points."""
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _find(parent: list[int], i: int) -> int:
    """Union-find root of ``i`` (the smallest index of its group)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], i: int, j: int) -> None:
    """Merge the groups of ``i`` and ``j``, keeping the smaller root."""
    a, b = _find(parent, i), _find(parent, j)
    parent[max(a, b)] = min(a, b)


# --- crossings -------------------------------------------------------------------------


def _crossed_legs(street: nx.MultiDiGraph, node: Node, legs: list[Leg], roads: list[Road],
                  role: str) -> list[Leg]:
    """The legs of a street node that get a crossing, by the node's role.

    None at a ``no_crossing`` node. Without a mapped crossing or a signal at
    the node, a junction's legs with a median fence and the legs of a
    junction or dead end that may not be crossed at grade (``no_at_grade``)
    get none.
    """
    attrs = street.nodes[node]
    if attrs.get("no_crossing"):
        return []
    mapped = bool(attrs.get("crossing"))
    open_all = mapped or bool(attrs.get("signal"))
    carriage = [leg for leg in legs if roads[leg.road].carriageway
                and (open_all or not roads[leg.road].data.get("no_at_grade"))]
    if role == "junction":
        return [leg for leg in carriage
                if open_all or not roads[leg.road].data.get("median_fence")]
    if role == "inside" and mapped:
        return [min(carriage, key=lambda leg: (node_order(roads[leg.road].other(leg.end)),
                                               roads[leg.road].key, leg.end))]
    return carriage if role == "dead_end" else []


def node_crossings(
    street: nx.MultiDiGraph, node: Node, legs: list[Leg], roads: list[Road], role: str,
    flanks: Mapping[tuple[int, int], tuple[Node, Node]], graph: nx.Graph, settings: Settings,
    deck: Deck | None = None,
) -> list[tuple[Crossing, Node, Node]]:
    """Crossings at one street node, each with the two walk nodes it joins.

    A crossing under a ``deck`` joins the deck's two ends instead of the corners.
    """
    attrs = street.nodes[node]
    facility = attrs.get("crossing") or ("signal" if attrs.get("signal") else "unmarked")
    inferred = not attrs.get("crossing") and not attrs.get("signal")
    out: list[tuple[Crossing, Node, Node]] = []
    for leg in _crossed_legs(street, node, legs, roads, role):
        road = roads[leg.road]
        ccw, cw = flanks[(leg.road, leg.end)]
        if ccw == cw:
            continue
        mid = ((graph.nodes[cw]["x"] + graph.nodes[ccw]["x"]) / 2,
               (graph.nodes[cw]["y"] + graph.nodes[ccw]["y"]) / 2)
        crossing = _crossing(node, leg, road, facility, inferred, mid, settings, attrs)
        if deck is not None and crossing.grade_separated:
            cw, ccw = deck.ends
        out.append((crossing, cw, ccw))
        if crossing.grade_separated and not (road.data.get("no_at_grade")
                                             or attrs.get("no_at_grade")):
            informal = _crossing(node, leg, road, "unmarked", True, mid, settings, attrs)
            informal = replace(informal, id=informal_id(crossing.id), informal=True)
            out.append((informal, cw, ccw))
    return out


def leg_crossing(node: Node, leg: Leg, road: Road, facility: str, mid: XY, settings: Settings) -> Crossing:
    """The Crossing of one road at one of its ends, as mapped (no deck above): e.g. the gate street."""
    return _crossing(node, leg, road, facility, False, mid, settings, {})


def _crossing(node: Node, leg: Leg, road: Road, facility: str, inferred: bool, mid: XY,
              settings: Settings, attrs: Mapping[str, Any]) -> Crossing:
    """The Crossing object of one leg at one node (``attrs``: the node's attributes)."""
    other = road.other(leg.end)
    lanes = lane_count(road.data)
    per_dir = (lanes, 0) if road.data.get("oneway") else (math.ceil(lanes / 2), lanes // 2)
    highway = str(road.data.get("highway") or "")
    per_lane = settings.volume_per_lane.get(highway, min(settings.volume_per_lane.values()))
    volume = (float(per_lane * per_dir[0]), float(per_lane * per_dir[1]))
    width = road.width
    if attrs.get("crossing") in GRADE_SEPARATED:  # other carriageways under the same deck
        for kind, ahead, back in decode_span(attrs.get("span")):
            rate = settings.volume_per_lane.get(kind, min(settings.volume_per_lane.values()))
            per_dir = (per_dir[0] + ahead, per_dir[1] + back)
            volume = (volume[0] + rate * ahead, volume[1] + rate * back)
        width += float(attrs.get("span_width") or 0.0)
    access = str(attrs.get("access") or "stairs")
    climb = settings.climb.get(facility, 0.0)
    signal = None
    if facility == "signal":
        offset = float(zlib.crc32(str(node).encode()) % max(1, round(settings.cycle)))
        signal = Signal(cycle=settings.cycle, green=settings.walk, offset=offset)
    return Crossing(
        id=crossing_id(node, other, key=road.key, loop_end=bool(road.u == road.v and leg.end)),
        node=node,
        edge=(node, other, road.key),
        x=mid[0],
        y=mid[1],
        facility=facility,
        highway=highway,
        name=str(road.data.get("name") or ""),
        length=width + 2 * climb * settings.stair_horizontal,
        lanes=per_dir,
        speed_limit=_speed_limit(road.data, highway, settings),
        volume=volume,
        signal=signal,
        climb=climb,
        inferred=inferred,
        access=access if facility in GRADE_SEPARATED and access in ACCESS else "stairs",
    )


def _speed_limit(data: Mapping[str, Any], highway: str, settings: Settings) -> float:
    """Posted limit of an edge (km/h); the class default if the edge has none."""
    try:
        return float(data["maxspeed"])
    except (KeyError, TypeError, ValueError):
        limits = settings.default_limit
        return float(limits.get(highway, min(limits.values())))


# --- other carriageways under a deck ---------------------------------------------------


def encode_span(parts: Iterable[tuple[str, int, int]]) -> str:
    """``highway:ahead:back;...``: carriageways under a deck besides the crossed road.

    ``ahead``/``back`` are their lanes in the crossing's first and second
    direction (see :attr:`simulator.crossing.Crossing.lanes`).
    """
    return ";".join(f"{kind}:{int(ahead)}:{int(back)}" for kind, ahead, back in parts)


def decode_span(text: object) -> list[tuple[str, int, int]]:
    """The parts of a ``span`` attribute (empty for None or ``""``; bad parts are skipped)."""
    out = []
    for part in str(text or "").split(";"):
        kind, _, rest = part.partition(":")
        ahead, _, back = rest.partition(":")
        if kind and ahead.isdigit() and back.isdigit():
            out.append((kind, int(ahead), int(back)))
    return out


# --- decks over (under) a crossing -----------------------------------------------------


@dataclass(frozen=True)
class Deck:
    """A footbridge (tunnel) footway cut where it passes over (under) its crossing node.

    Attributes
    ----------
    node
        The ``footbridge`` (``underpass``) street node.
    road
        Index of the footway (its :class:`Road`) in the builder's list.
    at
        Fraction of the footway's length from its ``u`` end to the node.
    ends
        Walk nodes where the footway's ``u`` half and ``v`` half end; the
        crossing (and the informal way beneath it) joins them.
    width
        Carriageway width under the deck (the crossed road's and ``span_width``), m.
    """

    node: Node
    road: int
    at: float
    ends: tuple[Node, Node]
    width: float


def deck_splits(graph: nx.Graph, street: nx.MultiDiGraph, roads: list[Road],
                legs: Mapping[Node, list[Leg]],
                flanks: Mapping[tuple[int, int], tuple[Node, Node]]) -> dict[Node, Deck]:
    """Where footbridge and underpass footways pass over (under) their crossing nodes.

    A footway with ``bridge`` (``tunnel``) that passes within
    :data:`DECK_REACH` of a ``footbridge`` (``underpass``) node it does not
    touch is cut there. Each half ends at the crossing's side it lies on (the
    corner beside the crossed road), unless it passes over other carriageways
    on its way (a dual carriageway's other half, a slip road: the node's
    ``span``): then it ends at a walk node of its own, ``("d", node, 0)`` for
    the ``u`` half and ``("d", node, 1)`` for the ``v`` half, at that corner's
    place, so that nobody reaches the deck from the sidewalks between the
    carriageways. Private nodes are added to ``graph``.

    Returns
    -------
    dict
        Street node -> :class:`Deck`, for every crossing node a deck passes.
    """
    levels = {"footbridge": "bridge", "underpass": "tunnel"}
    nodes = sorted((n for n, f in street.nodes(data="crossing") if f in levels), key=node_order)
    decks = {kind: [i for i, r in enumerate(roads) if not r.carriageway and r.walk
                    and r.data.get(level)] for kind, level in levels.items()}
    if not nodes or not any(decks.values()):
        return {}
    lines = {i: LineString(roads[i].coords) for found in decks.values() for i in found}
    carriage = [r for r, road in enumerate(roads) if road.carriageway]
    tree = shapely.STRtree([LineString(roads[r].coords) for r in carriage])
    out: dict[Node, Deck] = {}
    for node in nodes:
        kind = street.nodes[node]["crossing"]
        crossed = [leg for leg in legs[node] if roads[leg.road].carriageway]
        p = Point(street.nodes[node]["x"], street.nodes[node]["y"])
        near = [(float(shapely.distance(lines[i], p)), i) for i in decks[kind]
                if node not in (roads[i].u, roads[i].v)]
        near = [(d, i) for d, i in near if d <= DECK_REACH]
        if not crossed or not near:
            continue
        _, i = min(near)
        line = lines[i]
        at = line.project(p)
        if not 0 < at < line.length:
            continue
        leg = crossed[0]
        ccw, cw = flanks[(leg.road, leg.end)]
        before = line.interpolate(max(at - min(1.0, at / 2), 0.0))
        left = (math.cos(leg.angle) * (before.y - p.y) - math.sin(leg.angle) * (before.x - p.x)) > 0
        sides = (ccw, cw) if left else (cw, ccw)
        own = {r for r in range(len(roads)) if node in (roads[r].u, roads[r].v)}
        hits = [carriage[int(j)] for j in tree.query(line, predicate="intersects")]
        spans = _spans(roads, line, i, [r for r in hits if r not in own], kind)
        ends = []
        for side, (corner, beyond) in enumerate(zip(sides, (any(f < at for f in spans),
                                                             any(f > at for f in spans)),
                                                     strict=True)):
            if beyond:
                deck_end = ("d", node, side)
                graph.add_node(deck_end, x=graph.nodes[corner]["x"], y=graph.nodes[corner]["y"],
                               kind="deck", street_node=node)
                corner = deck_end
            ends.append(corner)
        width = roads[leg.road].width + float(street.nodes[node].get("span_width") or 0.0)
        out[node] = Deck(node, i, at / line.length, (ends[0], ends[1]), width)
    return out


def _spans(roads: list[Road], line: LineString, deck: int, crossed: list[int], kind: str
           ) -> list[float]:
    """Distances along a deck where it passes over (under) the carriageways ``crossed``.

    Carriageways that touch the deck, roads in tunnels and, under an
    underpass, road bridges are not passed.
    """
    ends = {roads[deck].u, roads[deck].v}
    found = []
    for r in crossed:
        road = roads[r]
        if ends & {road.u, road.v} or road.data.get("tunnel") or (
                kind == "underpass" and road.data.get("bridge")):
            continue
        hit = line.intersection(LineString(road.coords))
        points = [hit] if isinstance(hit, Point) else [g for g in getattr(hit, "geoms", ())
                                                        if isinstance(g, Point)]
        found += [line.project(q) for q in points]
    return found
