"""OSM tags to street-graph values: which ways are kept, lanes, width, speed, crossings.

The rules (see also :mod:`simulator.network.osm`):

- **Ways kept.** ``highway=*`` of the road classes in :data:`ROADS` and the path
  classes in :data:`PATHS`; dropped: ``area=yes``, ``access=no|private`` (unless
  ``foot=yes|designated|permissive|official``) and every other class
  (construction, proposed, platform, corridor, bus_stop...). Roads are
  carriageways. Motorways, trunk roads, their links and busways are not
  walkable (``walk=False``) unless tagged ``foot=yes`` or
  ``sidewalk=both|left|right|yes``; other roads are (sidewalks on both sides).
  Paths (footway, path, pedestrian, steps, cycleway, bridleway) are walkable
  and car-free. ``foot=no`` makes a way unwalkable; a road tagged
  ``motor_vehicle|vehicle|access=no`` with ``foot=yes`` is car-free.
- **Values.** ``lanes`` (both directions): the ``lanes`` tag (largest of
  ``2;3``), else ``lanes:forward`` + ``lanes:backward`` + ``lanes:both_ways``,
  else the class default (half of it, rounded up, on a one-way carriageway).
  ``width``: the ``width`` tag (m; ft with ``'`` or ``ft``; 2-80 m), else lanes ×
  ``traffic.lane_width``. ``maxspeed`` (km/h): ``maxspeed`` (or the larger of
  ``maxspeed:forward/backward``), ``mph`` converted, zone values such as
  ``CN:urban`` 50, ``:rural`` 70, ``:motorway`` 120, ``:living_street`` 20; else
  the class default. Each value taken from a default is named in the edge's
  ``defaulted`` string. Car-free edges have lanes 0, width 0, maxspeed 0.
  ``name``: ``name:zh``, else ``name``. ``median_fence`` from
  ``divider=barrier|fence|guard_rail|jersey_barrier|wall``. ``bridge``:
  ``bridge`` other than ``no``, or a path with ``layer > 0``; ``tunnel``:
  ``tunnel`` other than ``no``, ``building_passage``, ``covered`` (covered
  passages) or ``culvert``, or a path with ``layer < 0`` that is not in a
  ``cutting`` and not ``covered=yes``; ``indoor=yes`` ways are neither.
- **No crossing at grade** (``no_at_grade``, carriageways only; the walk
  builder infers no at-grade crossing across them): motorways and their links,
  ``motorroad=yes`` (motor vehicles only), the prohibitions ``crossing=no``,
  ``foot=no`` and ``footway=no`` on the road itself, and trunk roads (and
  links) that are fenced: ``barrier=fence|guard_rail|wall|jersey_barrier`` on
  the way, or lined by such barrier ways (the loader decides that from the
  map's geometry, :func:`no_at_grade`).
- **Crossings**: :func:`crossing_facility`.
- **Grade separation**: :func:`grade_separation` (which path ways are
  footbridges and underpasses) and :func:`structure_access` (their stairs,
  ramps and lifts, read from the structure and the ways that lead onto it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx

ROADS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
    "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
    "living_street", "service", "road", "track", "busway"})
NO_WALK_ROADS = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "busway"})
PATHS = frozenset({"footway", "path", "pedestrian", "steps", "cycleway", "bridleway"})
FOOT_YES = frozenset({"yes", "designated", "permissive", "official"})
DIVIDERS = frozenset({"barrier", "fence", "guard_rail", "jersey_barrier", "wall"})
SIGNAL_REFS = frozenset({"pelican", "toucan", "puffin", "pegasus"})
ZONE_SPEEDS = {"urban": 50.0, "rural": 70.0, "motorway": 120.0, "living_street": 20.0,
               "walk": 10.0}
NO = "no"  # crossing_facility result for crossing=no
MOTORWAYS = frozenset({"motorway", "motorway_link"})
FENCED_CLASSES = frozenset({"trunk", "trunk_link"})
"""Road classes that are crossed at grade only where no fence lines them."""
BARRIERS = frozenset({"fence", "guard_rail", "wall", "jersey_barrier"})
"""``barrier=*`` values that stop walkers (a hedge or a kerb does not)."""
NOT_UNDERPASS = frozenset({NO, "building_passage", "covered", "culvert"})
PROHIBITIONS = ("crossing", "foot", "footway")
"""Road tags whose value ``no`` forbids walkers on (and so across) the carriageway."""
LIFT_NODE_TAGS = (("highway", "elevator"), ("elevator", "yes"), ("lift", "yes"))
FLAT = frozenset({NO, "0", "0%", "0°", "flat"})
"""``incline`` values that are not a slope."""


def crossing_facility(tags: Mapping[str, Any]) -> str | None:
    """Facility of a crossing node (or ``footway=crossing`` way), ``"no"``, or None.

    The tags describe a crossing when ``highway=crossing`` or one of ``crossing``,
    ``crossing_ref``, ``crossing:markings`` is present; then, first match wins:

    - ``crossing=no`` → ``"no"`` (the caller marks ``no_crossing=True``);
    - ``crossing=traffic_signals``, ``crossing:signals=yes`` or
      ``crossing_ref=pelican|toucan|puffin|pegasus`` → ``signal``;
    - ``crossing:island=yes`` or ``crossing=island`` → ``refuge``;
    - ``traffic_calming=table|hump`` → ``raised``;
    - ``crossing=unmarked|informal`` or ``crossing:markings=no`` → ``unmarked``;
    - anything else → ``zebra``: ``marked``, ``zebra``, ``uncontrolled``,
      ``crossing_ref=zebra``, and a crossing with no detail at all (mappers
      draw crossings they see on imagery, so an undescribed one is usually marked).

    None when the tags describe no crossing.
    """
    c, ref = first(tags.get("crossing")), first(tags.get("crossing_ref"))
    markings = first(tags.get("crossing:markings"))
    if not (first(tags.get("highway")) == "crossing" or c or ref or markings):
        return None
    if c == NO:
        return NO
    if c == "traffic_signals" or first(tags.get("crossing:signals")) == "yes" \
            or ref in SIGNAL_REFS:
        return "signal"
    if first(tags.get("crossing:island")) == "yes" or c == "island":
        return "refuge"
    if first(tags.get("traffic_calming")) in {"table", "hump"}:
        return "raised"
    if c in {"unmarked", "informal"} or markings == "no":
        return "unmarked"
    return "zebra"


def first(value: Any) -> str | None:
    """A tag value as one string (the first of a list, as simplified OSMnx edges hold)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def classify(tags: Mapping[str, Any]) -> tuple[str, bool, bool] | None:
    """``(highway, walk, carriageway)`` of a way, or None if the way is dropped."""
    highway = first(tags.get("highway"))
    if highway not in ROADS and highway not in PATHS:
        return None
    foot = first(tags.get("foot"))
    if first(tags.get("area")) == "yes" or (
            first(tags.get("access")) in {"no", "private"} and foot not in FOOT_YES):
        return None
    closed = any(first(tags.get(k)) == "no" for k in ("motor_vehicle", "vehicle", "access"))
    carriageway = highway in ROADS and not (closed and foot in FOOT_YES)
    sidewalk = first(tags.get("sidewalk")) in {"both", "left", "right", "yes"}
    walk = foot != "no" and (highway not in NO_WALK_ROADS or foot in FOOT_YES or sidewalk)
    return (highway, walk, carriageway) if walk or carriageway else None


def _number(text: str | None, pattern: str = r"\d+(?:\.\d+)?") -> float | None:
    """Largest number in a ``;``-separated tag value, or None."""
    found = [float(m) for part in (text or "").split(";")
             for m in re.findall(rf"^\s*({pattern})", part)]
    return max(found) if found else None


def _lanes(tags: Mapping[str, Any], highway: str, oneway: bool,
           table: Mapping[str, float]) -> tuple[int, bool]:
    n = _number(first(tags.get("lanes")))
    if n is None:
        parts = [_number(first(tags.get(f"lanes:{d}"))) for d in ("forward", "backward",
                                                                     "both_ways")]
        n = sum(p for p in parts if p is not None) if any(parts) else None
    if n is not None and n >= 1:
        return round(n), False
    default = float(table.get(highway, 2))
    return max(1, math.ceil(default / 2) if oneway else round(default)), True


def _width(tags: Mapping[str, Any], lanes: int, lane_width: float) -> tuple[float, bool]:
    text = first(tags.get("width")) or first(tags.get("est_width")) or ""
    w = _number(text)
    if w is not None and ("'" in text or "ft" in text):
        w *= 0.3048
    if w is not None and 2.0 <= w <= 80.0:
        return w, False
    return lanes * lane_width, True


def _maxspeed(tags: Mapping[str, Any], highway: str, table: Mapping[str, float]
              ) -> tuple[float, bool]:
    values = [first(tags.get(k)) for k in ("maxspeed", "maxspeed:forward", "maxspeed:backward")]
    speeds: list[float] = []
    for text in filter(None, values):
        for part in text.lower().split(";"):
            zone = part.strip().split(":")[-1]
            v = ZONE_SPEEDS.get(zone) if ":" in part else _number(part)
            if v is not None and "mph" in part:
                v *= 1.609344
            if v is not None and 5.0 <= v <= 150.0:
                speeds.append(v)
    if speeds:
        return max(speeds), False
    return float(table.get(highway, min(table.values()))), True


def edge_values(tags: Mapping[str, Any], oneway: bool, tables: dict[str, Any], *,
                lined: bool = False) -> dict[str, Any] | None:
    """Contract attributes of an edge from its way's tags; None if the way is dropped.

    ``lined``: the way is a trunk road lined by fences (see :func:`no_at_grade`).
    """
    kind = classify(tags)
    if kind is None:
        return None
    highway, walk, carriageway = kind
    defaulted = []
    lanes, width, speed = 0, 0.0, 0.0
    if carriageway:
        lanes, d1 = _lanes(tags, highway, oneway, tables["lanes"])
        width, d2 = _width(tags, lanes, tables["lane_width"])
        speed, d3 = _maxspeed(tags, highway, tables["limits"])
        defaulted = [k for k, d in (("lanes", d1), ("width", d2), ("maxspeed", d3)) if d]
    bridge, tunnel = levels(tags)
    facility = None
    if any(first(tags.get(k)) == "crossing" for k in ("footway", "cycleway", "path")):
        facility = crossing_facility({**tags, "highway": "crossing"})
    return {
        "highway": highway, "lanes": int(lanes), "width": float(width), "maxspeed": float(speed),
        "oneway": bool(oneway and carriageway),
        "name": first(tags.get("name:zh")) or first(tags.get("name")) or "",
        "walk": walk, "carriageway": carriageway,
        "median_fence": carriageway and first(tags.get("divider")) in DIVIDERS,
        "no_at_grade": carriageway and no_at_grade(tags, lined=lined),
        "bridge": bridge, "tunnel": tunnel, "defaulted": ",".join(defaulted),
        "_crossing_way": facility,
    }


# --- crossing at grade, and grade separation -------------------------------------------------


def levels(tags: Mapping[str, Any]) -> tuple[bool, bool]:
    """``(bridge, tunnel)`` of a way (see the module docstring for the rule)."""
    if first(tags.get("indoor")) == "yes":
        return False, False
    layer = _number(first(tags.get("layer")), r"-?\d+") or 0.0
    path = first(tags.get("highway")) in PATHS
    bridge = (first(tags.get("bridge")) or NO) != NO or (path and layer > 0)
    tunnel_tag = first(tags.get("tunnel"))
    if tunnel_tag is not None and tunnel_tag != NO:
        tunnel = tunnel_tag not in NOT_UNDERPASS
    else:
        open_cut = (first(tags.get("cutting")) or NO) != NO or first(tags.get("covered")) == "yes"
        tunnel = path and layer < 0 and not open_cut
    return bridge, tunnel


def no_at_grade(tags: Mapping[str, Any], *, lined: bool = False) -> bool:
    """Whether walkers may not cross a carriageway at grade (no crossing is inferred across it).

    True for motorways and their links, ``motorroad=yes``, a road tagged
    ``crossing=no``, ``foot=no`` or ``footway=no``, and a trunk road or link
    tagged ``barrier=fence|guard_rail|wall|jersey_barrier`` or ``lined`` by
    such barriers (the caller measures that on the map).
    """
    highway = first(tags.get("highway"))
    if highway in MOTORWAYS or first(tags.get("motorroad")) == "yes":
        return True
    if any(first(tags.get(k)) == NO for k in PROHIBITIONS):
        return True
    return highway in FENCED_CLASSES and (lined or first(tags.get("barrier")) in BARRIERS)


def grade_separation(tags: Mapping[str, Any]) -> str | None:
    """``footbridge`` or ``underpass`` for a walkable car-free way on a bridge or in a tunnel.

    Whether it passes over or under a road is for the loader to find (in plan,
    from the geometry); None for every other way.
    """
    kind = classify(tags)
    if kind is None or kind[2] or not kind[1]:
        return None
    bridge, tunnel = levels(tags)
    return "footbridge" if bridge else "underpass" if tunnel else None


def is_barrier(tags: Mapping[str, Any]) -> bool:
    """Whether a way is a fence, guard rail, wall or jersey barrier (not a road)."""
    return first(tags.get("barrier")) in BARRIERS and first(tags.get("highway")) is None


def _way_means(tags: Mapping[str, Any]) -> set[str]:
    """The ways up or down a way's tags show: ``stairs``, ``ramp``, ``lift``."""
    highway = first(tags.get("highway"))
    found = set()
    if highway == "elevator":
        found.add("lift")
    if highway == "steps":
        found.add("stairs")
    if first(tags.get("ramp")) == "yes" or first(tags.get("ramp:wheelchair")) == "yes":
        found.add("ramp")
    incline = (first(tags.get("incline")) or NO).strip().lower()
    if highway not in {"steps", "elevator"} and incline not in FLAT:
        found.add("ramp")
    return found


def _node_lift(tags: Mapping[str, Any]) -> bool:
    return any(first(tags.get(k)) == v for k, v in LIFT_NODE_TAGS)


def structure_access(ways: Mapping[int, tuple[Sequence[int], Mapping[str, Any]]],
                     node_tags: Callable[[int], Mapping[str, Any]]
                     ) -> dict[int, tuple[str, str, bool]]:
    """Facility and step-free access of every footbridge and underpass way.

    Ways of one kind (:func:`grade_separation`) that share nodes form one
    structure; its *approaches* are the other paths (and ``highway=elevator``
    ways) that share a node with it. Over the structure and its approaches,
    first match wins:

    - a ``highway=elevator`` way, or a node tagged ``highway=elevator``,
      ``elevator=yes`` or ``lift=yes`` → ``lift``;
    - ``ramp=yes`` or ``ramp:wheelchair=yes``, or an ``incline`` on a way that
      is not steps → ``ramp``;
    - ``highway=steps`` → ``stairs``;
    - nothing of these → ``stairs``, *defaulted*.

    Parameters
    ----------
    ways
        Way id -> ``(node ids, tags)``; other ways are ignored.
    node_tags
        Tags of a node (empty for an untagged one).

    Returns
    -------
    dict
        Way id -> ``(facility, access, defaulted)`` for every footbridge and underpass way.
    """
    kinds = {w: k for w, (_, tags) in ways.items() if (k := grade_separation(tags)) is not None}
    near: dict[int, set[int]] = {}
    for w, (refs, tags) in ways.items():
        if w in kinds or first(tags.get("highway")) in PATHS | {"elevator"}:
            for r in refs:
                near.setdefault(r, set()).add(w)
    # ways of one kind that share a node are one structure
    link = nx.Graph()
    link.add_nodes_from(kinds)
    for ids in near.values():
        for kind in ("footbridge", "underpass"):
            nx.add_path(link, sorted(w for w in ids if kinds.get(w) == kind))
    groups = {min(c): sorted(c) for c in nx.connected_components(link)}
    out: dict[int, tuple[str, str, bool]] = {}
    for members in groups.values():
        nodes = {r for w in members for r in ways[w][0]}
        reached = set(members) | {w for r in nodes for w in near.get(r, ())
                                  if kinds.get(w) in (None, kinds[members[0]])}
        found: set[str] = set()
        for w in reached:
            found |= _way_means(ways[w][1])
        if any(_node_lift(node_tags(r)) for r in {r for w in reached for r in ways[w][0]}):
            found.add("lift")
        access = next((a for a in ("lift", "ramp") if a in found), "stairs")
        for w in members:
            out[w] = (kinds[w], access, not found)
    return out


ROAD_ORDER = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
              "living_street", "pedestrian", "service", "busway", "road", "track")
"""Road classes from the most to the least important (for map labels and sorting crossings)."""


def rank_road(highway: str) -> int:
    """Position of a road class in :data:`ROAD_ORDER` (links with their road; unknown classes last)."""
    base = highway.removesuffix("_link")
    return ROAD_ORDER.index(base) if base in ROAD_ORDER else len(ROAD_ORDER)
