"""A school and its streets: the street graph contract every source must meet.

Street graph (``networkx.MultiDiGraph`` in OSMnx's conventions, projected to
metres). Every source (synthetic district, OSM file) normalises to these
attributes so that the walk-graph builder needs no source-specific code.

Graph attributes
    ``crs`` (str), ``name`` (str), ``source`` (str), ``defaulted``
    (dict: attribute -> number of edges whose value came from the default table).
Node attributes
    ``x``, ``y`` (m); ``signal`` (bool, junction is signalised);
    ``crossing`` (optional, one of :data:`simulator.crossing.FACILITIES`: a
    crossing facility mapped at this node; at a junction it applies to every
    leg, at a node inside a road it is a midblock crossing); for a
    ``footbridge`` or ``underpass`` node also ``access`` (stairs, ramp, lift),
    ``access_defaulted`` (bool: nothing on the map said, stairs assumed),
    ``span``/``span_width`` (other carriageways the same deck passes over) and
    ``no_at_grade`` (no informal way across beneath it);
    ``osmid`` (optional).
Edge attributes (both directions present for two-way roads, as OSMnx does)
    ``length`` (m), ``highway`` (str), ``lanes`` (int, both directions),
    ``width`` (m, carriageway), ``maxspeed`` (km/h), ``oneway`` (bool),
    ``name`` (str), ``walk`` (bool: pedestrians may walk along it, on
    sidewalks or as a footway), ``carriageway`` (bool: vehicles drive on it,
    so walkers must cross it at a crossing), ``median_fence`` (bool: a
    central fence stops crossing except at mapped crossings and signals),
    ``no_at_grade`` (optional bool: a motorway, fenced or no-crossing road that
    gets no inferred at-grade crossing), ``geometry`` (optional shapely LineString).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx


@dataclass(frozen=True)
class School:
    """The school gate children walk to."""

    name: str
    x: float
    y: float
    id: str = "school"


@dataclass(frozen=True)
class Home:
    """A place children start from (a compound gate, a building, a street stretch)."""

    id: str
    x: float
    y: float
    weight: float = 1.0


@dataclass(frozen=True)
class Stop:
    """A public-transport stop (where passengers wait beside the carriageway).

    ``id`` is stable and readable (``bus<osmid>`` on a map); ``name`` is the
    stop's name on the map (often Chinese), empty if it has none.
    """

    id: str
    x: float
    y: float
    name: str = ""
    kind: str = "bus"


@dataclass(frozen=True)
class Site:
    """A street graph with one school, the homes of its pupils and the bus stops near its gate."""

    graph: nx.MultiDiGraph
    school: School
    homes: tuple[Home, ...]
    notes: tuple[str, ...] = field(default=())
    stops: tuple[Stop, ...] = field(default=())


def street_edge_id(u: int, v: int, key: int = 0) -> str:
    """Stable, direction-free id of a street edge: ``e{min}-{max}`` (``k{key}`` if parallel)."""
    a, b = (u, v) if u <= v else (v, u)
    return f"e{a}-{b}" + (f"k{key}" if key else "")
