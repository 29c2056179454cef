"""Street names along the main roads of a map: one label per named road, on its longest stretch.

The names come from the street graph's edge ``name`` (``name:zh`` before
``name`` on OSM maps, the synthetic district's Chinese names). A road is
labelled when its class is at least :data:`MAIN_CLASSES`, or a minor class in
:data:`MINOR_CLASSES` with a stretch of :data:`MINOR_MIN_M` in view; the
label sits at the middle of the longest stretch inside the view, turned along
it (away from crossing markers where it can), and only where the name fits.
Each label carries other spots along its road: the caller
(:func:`simulator.figures.labels.place_texts`) moves a label that would
cover another one there, or drops it, main roads first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from shapely import LineString, MultiLineString
from shapely.ops import linemerge, substring

from simulator.network.osmtags import ROAD_ORDER, rank_road

MAIN_CLASSES = frozenset(ROAD_ORDER[:5])  # motorway to tertiary: always named where the name fits
MINOR_CLASSES = frozenset({"unclassified", "residential", "living_street", "pedestrian"})
MINOR_MIN_M = 180.0  # a minor road is named only with a stretch this long in view
NAME_FONT = 7.5
NAME_COLOUR = "#3a3a3a"
INSET = 0.04  # labels keep this share of the view away from its edges
FIT = 1.15  # the stretch must be this many times the label's length
STREET_GID = "street-name"
SPOTS = 9  # candidate places along a stretch
PIECES = 2  # stretches of one road tried
CLEAR_PT = 7.0  # a name keeps this far (points) from the markers it should not cover
Spot = tuple[float, float, float]  # x, y (m), angle (degrees)


@dataclass
class StreetLabel:
    """A street name on the map and the spots it may move to, best first."""

    text: Text
    spots: list[Spot]


def collect_named_roads(street: nx.MultiDiGraph) -> dict[str, tuple[int, list[LineString]]]:
    """Road name -> (best class rank, its edges as lines), each two-way edge once."""
    roads: dict[str, tuple[int, list[LineString]]] = {}
    seen: set[tuple] = set()
    for u, v, k, d in street.edges(keys=True, data=True):
        name, highway = d.get("name") or "", str(d.get("highway") or "")
        if not name or not d.get("carriageway", True) or (v, u, k) in seen or u == v:
            continue
        if highway.endswith("_link") or (highway not in MAIN_CLASSES and highway not in MINOR_CLASSES):
            continue
        seen.add((u, v, k))
        line = d.get("geometry") or LineString([(street.nodes[n]["x"], street.nodes[n]["y"]) for n in (u, v)])
        rank, lines = roads.get(name, (len(ROAD_ORDER), []))
        roads[name] = (min(rank, rank_road(highway)), [*lines, line])
    return roads


def measure_label(name: str, metres_per_point: float) -> float:
    """Length on the map (m) of a label: full-width characters one em, others about 0.6 em."""
    ems = sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in name)
    return ems * NAME_FONT * metres_per_point


def find_stretches(lines: list[LineString], view: shapely.Polygon) -> list[LineString]:
    """The :data:`PIECES` longest merged pieces of a road's lines inside ``view``, longest first."""
    merged = linemerge(MultiLineString(lines)) if len(lines) > 1 else lines[0]
    inside = merged.intersection(view)
    pieces = [g for g in getattr(inside, "geoms", [inside]) if isinstance(g, LineString) and not g.is_empty]
    if not pieces:
        return []
    joined = linemerge(MultiLineString(pieces)) if len(pieces) > 1 else pieces[0]
    parts = [g for g in getattr(joined, "geoms", [joined]) if isinstance(g, LineString)]
    return sorted(parts, key=lambda g: -g.length)[:PIECES]


def draw_street_names(ax: Axes, street: nx.MultiDiGraph, box, *, metres_per_point: float,
                      avoid: np.ndarray | None = None) -> list[StreetLabel]:
    """Write the names of the main roads along them, most important first.

    Parameters
    ----------
    ax
        The map's axes (equal aspect, metres).
    street
        The street graph (edge ``name``, ``highway``, ``carriageway``, ``geometry``).
    box
        ``((x0, y0), (x1, y1))`` of the view, m.
    metres_per_point
        Map metres per typographic point at the figure's size (to fit the labels).
    avoid
        ``(n, 2)`` points the names should not cover (crossing markers, the school).

    Returns
    -------
    list of StreetLabel
        The labels (gid :data:`STREET_GID`, each at its best spot) with their
        other spots, in priority order: main classes first, then the longer stretch.
    """
    (x0, y0), (x1, y1) = box
    pad = INSET * max(x1 - x0, y1 - y0)
    view = shapely.box(x0 + pad, y0 + pad, x1 - pad, y1 - pad)
    points = shapely.points(avoid) if avoid is not None and len(avoid) else None
    clear = CLEAR_PT * metres_per_point
    placed: list[tuple[tuple[int, float], str, list[Spot]]] = []
    for name, (rank, lines) in collect_named_roads(street).items():
        pieces = find_stretches(lines, view)
        length = measure_label(name, metres_per_point)
        fits = [p for p in pieces if p.length >= length * FIT
                and (rank < len(MAIN_CLASSES) or p.length >= MINOR_MIN_M)]
        if fits:
            keyed = [((clash, i, score), spot) for i, p in enumerate(fits)
                     for spot, (clash, score) in find_label_spots(p, length, points, clear)]
            placed.append(((rank, -fits[0].length), name, [spot for _, spot in sorted(keyed)]))
    placed.sort(key=lambda p: p[0])
    return [StreetLabel(_add_label(ax, name, spots[0]), spots) for _, name, spots in placed]


def find_label_spots(piece: LineString, length: float, avoid, clear: float
                     ) -> list[tuple[Spot, tuple[int, float]]]:
    """Spots ``(x, y, angle)`` for a label of ``length`` m along ``piece``, each with an order key.

    The key puts spots clear of every ``avoid`` point by ``clear`` m first,
    nearest the middle first; then the others, the clearest first.
    """
    middle = piece.length / 2
    centres = np.linspace(length / 2, piece.length - length / 2, SPOTS) if piece.length > length else [middle]
    out = []
    for c in centres:
        under = substring(piece, max(c - length / 2, 0.0), min(c + length / 2, piece.length))
        gap = float(shapely.distance(avoid, under).min()) if avoid is not None else math.inf
        a, b = under.coords[0], under.coords[-1]
        angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
        angle = angle - 180 if angle > 90 else (angle + 180 if angle <= -90 else angle)
        at = piece.interpolate(c)
        key = (0, abs(c - middle) / piece.length) if gap >= clear else (1, -gap)
        out.append(((at.x, at.y, angle), key))
    return out


def _add_label(ax: Axes, name: str, spot: Spot) -> Text:
    """A name at ``spot`` (x, y, angle): centred, turned along the road, with a white halo."""
    x, y, angle = spot
    return ax.text(x, y, name, rotation=angle, rotation_mode="anchor", ha="center", va="center",
                   fontsize=NAME_FONT, color=NAME_COLOUR, zorder=3.5, clip_on=True, gid=STREET_GID,
                   path_effects=[withStroke(linewidth=2.6, foreground="white")])
