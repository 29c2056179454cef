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
  ``tunnel`` other than ``no``/``building_passage``, or a path with ``layer < 0``.
- **Crossings**: :func:`crossing_facility`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

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


def edge_values(tags: Mapping[str, Any], oneway: bool, tables: dict[str, Any]
                 ) -> dict[str, Any] | None:
    """Contract attributes of an edge from its way's tags; None if the way is dropped."""
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
    layer = _number(first(tags.get("layer")), r"-?\d+") or 0.0
    path = highway in PATHS
    bridge = (first(tags.get("bridge")) or NO) != NO or (path and layer > 0)
    tunnel = (first(tags.get("tunnel")) or NO) not in {NO, "building_passage"} or (
        path and layer < 0)
    facility = None
    if any(first(tags.get(k)) == "crossing" for k in ("footway", "cycleway", "path")):
        facility = crossing_facility({**tags, "highway": "crossing"})
    return {
        "highway": highway, "lanes": int(lanes), "width": float(width), "maxspeed": float(speed),
        "oneway": bool(oneway and carriageway),
        "name": first(tags.get("name:zh")) or first(tags.get("name")) or "",
        "walk": walk, "carriageway": carriageway,
        "median_fence": carriageway and first(tags.get("divider")) in DIVIDERS,
        "bridge": bridge, "tunnel": tunnel, "defaulted": ",".join(defaulted),
        "_crossing_way": facility,
    }
