"""Attaching points (the school gate, homes) to the nearest sidewalk or footway.

A point is projected onto the nearest ``sidewalk`` or ``footway`` edge of a
walk graph (never a crossing), the edge is split at the projection and the
point joins the split node by an ``access`` edge as long as the snap distance.
The search is one vectorised query of a shapely STRtree, so thousands of
points attach in milliseconds.

Bus stops join without splitting (:func:`join_points`): an ``access`` edge
from the stop to each end of the edge it meets, as long as the snap distance
plus the walk along the edge to that end. Every path between other nodes is
then exactly what it was (a detour through a stop is never shorter), so the
homes' routes do not change when stops are added.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely import LineString
from shapely.ops import substring

SNAP_KINDS = frozenset({"sidewalk", "footway"})
MIN_JOIN = 0.01  # m: least snap distance of a joined point (rounding never makes its detour shorter)


@dataclass(frozen=True)
class PointSnap:
    """Where a point meets the walk graph.

    Attributes
    ----------
    a, b
        Ends of the walk edge it meets; ``along`` is measured from ``a``.
    along
        Fraction (0-1) of the edge's shape from ``a`` to the projection.
    distance
        Straight-line distance from the point to the projection, m.
    x, y
        The projection.
    """

    a: Hashable
    b: Hashable
    along: float
    distance: float
    x: float
    y: float


def edge_shape(graph: nx.Graph, a: Hashable, b: Hashable) -> LineString:
    """Shape of a walk edge oriented from ``a`` to ``b`` (straight if it has no geometry)."""
    pa = (graph.nodes[a]["x"], graph.nodes[a]["y"])
    geometry = graph.edges[a, b].get("geometry")
    if geometry is None:
        return LineString([pa, (graph.nodes[b]["x"], graph.nodes[b]["y"])])
    coords = list(geometry.coords)
    if math.dist(coords[0], pa) > math.dist(coords[-1], pa):
        return LineString(coords[::-1])
    return geometry


def locate_points(graph: nx.Graph, xy: np.ndarray) -> list[PointSnap]:
    """Nearest sidewalk or footway position of each point.

    Parameters
    ----------
    graph
        Walk graph with at least one sidewalk or footway edge.
    xy
        Array of shape (n, 2), projected metres.

    Returns
    -------
    list of PointSnap
        One per point, in order; ties go to the edge met first in the graph.
    """
    edges = [(a, b) for a, b, kind in graph.edges(data="kind") if kind in SNAP_KINDS]
    lines = np.array([edge_shape(graph, a, b) for a, b in edges], dtype=object)
    points = shapely.points(xy)
    tree = shapely.STRtree(lines)
    (source, target), _ = tree.query_nearest(points, all_matches=True, return_distance=True)
    order = np.lexsort((target, source))
    _, first = np.unique(source[order], return_index=True)
    best = target[order][first]
    nearest = lines[best]
    along = shapely.line_locate_point(nearest, points, normalized=True)
    on_line = shapely.line_interpolate_point(nearest, along, normalized=True)
    distance = shapely.distance(points, on_line)
    px, py = shapely.get_x(on_line), shapely.get_y(on_line)
    return [PointSnap(edges[e][0], edges[e][1], float(f), float(d), float(x), float(y))
            for e, f, d, x, y in zip(best, along, distance, px, py, strict=True)]


def attach_points(
    graph: nx.Graph, points: Sequence[tuple[Hashable, str, float, float, PointSnap]]
) -> None:
    """Split edges at the snaps and join each point to its split node.

    Parameters
    ----------
    graph
        Walk graph, changed in place.
    points
        ``(node id, kind, x, y, snap)`` per point; ``kind`` is ``school`` or
        ``home``. The split node of point ``("home", "h1")`` is
        ``("snap", "home", "h1")``.
    """
    by_edge: dict[tuple[Hashable, Hashable], list[tuple[float, Hashable]]] = {}
    for node, kind, x, y, snap in points:
        split = ("snap", *node) if isinstance(node, tuple) else ("snap", node)
        graph.add_node(split, x=snap.x, y=snap.y, kind="split", street_node=None)
        graph.add_node(node, x=float(x), y=float(y), kind=kind, street_node=None)
        graph.add_edge(node, split, length=snap.distance, kind="access", crossing=None,
                       street=None)
        by_edge.setdefault((snap.a, snap.b), []).append((snap.along, split))
    for (a, b), splits in by_edge.items():
        _split_edge(graph, a, b, sorted(splits, key=lambda s: s[0]))


def _split_edge(graph: nx.Graph, a: Hashable, b: Hashable,
                splits: list[tuple[float, Hashable]]) -> None:
    """Replace edge a-b by a chain through the split nodes at fractions ``along``."""
    data: dict[str, Any] = dict(graph.edges[a, b])
    shape = edge_shape(graph, a, b) if "geometry" in data else None
    length = float(data["length"])
    graph.remove_edge(a, b)
    stops = [(0.0, a), *splits, (1.0, b)]
    for (f0, n0), (f1, n1) in pairwise(stops):
        attrs = data | {"length": length * (f1 - f0)}
        attrs.pop("geometry", None)
        if shape is not None and f1 > f0:
            attrs["geometry"] = substring(shape, f0, f1, normalized=True)
        graph.add_edge(n0, n1, **attrs)


def join_points(graph: nx.Graph,
                points: Sequence[tuple[Hashable, str, float, float, PointSnap]]) -> None:
    """Join each point to both ends of the edge it meets, leaving that edge whole.

    Parameters
    ----------
    graph
        Walk graph, changed in place.
    points
        ``(node id, kind, x, y, snap)`` per point (``kind`` is ``stop``). The
        ``access`` edges to ``snap.a`` and ``snap.b`` are ``snap.distance`` plus
        the edge's length to that end long, shaped along the edge.
    """
    for node, kind, x, y, snap in points:
        data = graph.edges[snap.a, snap.b]
        shape = edge_shape(graph, snap.a, snap.b)
        length = float(data["length"])
        graph.add_node(node, x=float(x), y=float(y), kind=kind, street_node=None)
        for end, f0, f1, share in ((snap.a, 0.0, snap.along, snap.along),
                                   (snap.b, snap.along, 1.0, 1.0 - snap.along)):
            piece = substring(shape, f0, f1, normalized=True)
            coords = list(piece.coords) if piece.geom_type == "LineString" else []
            if end == snap.a:
                coords = coords[::-1]
            line = LineString([(float(x), float(y)), (snap.x, snap.y), *coords[1:]]) \
                if coords else None
            reach = max(snap.distance, MIN_JOIN)  # a detour through the stop is never a shortcut
            graph.add_edge(node, end, length=reach + length * share, kind="access",
                           crossing=None, street=None, **({"geometry": line} if line else {}))
