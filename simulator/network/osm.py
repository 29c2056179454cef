"""Street graphs from OpenStreetMap: OSM XML files, GraphML files and online OSMnx queries.

Every loader returns a graph that meets the contract of :mod:`simulator.network.site`;
which ways are kept and how tags become edge values and crossings is in
:mod:`simulator.network.osmtags`. The steps:

1. **Ways.** Only kept ``highway=*`` ways (and their nodes) are written to a
   temporary OSM XML file that :func:`osmnx.graph_from_xml` reads unsimplified
   (one-way streets in one direction; paths both ways); every edge then gets
   the contract values of its way.
2. **Crossings** (node attribute ``crossing``; kept only on nodes of
   carriageways): from the node's own tags (:func:`~.osmtags.crossing_facility`);
   an untagged road node shared with a ``footway=crossing`` way (or
   ``cycleway``/``path=crossing``) takes the way's facility by the same rule
   (graph attribute ``crossings_from_ways`` counts them). ``crossing=no`` gives
   no crossing and ``no_crossing=True``. Graph attributes ``mapped_crossings`` and
   ``mapped_facilities`` count the mapped ones; the walk builder infers the rest.
3. **Signals.** A junction (3+ carriageway neighbours, or two different roads,
   service roads and tracks not counted) is signalised (``signal=True``) when a
   ``highway=traffic_signals`` node or a signalised crossing lies within
   ``osm.signal_reach`` m of it along the carriageways: OSM often puts the
   signal on each approach's stop line. A ``highway=traffic_signals`` node
   with no junction in reach is a midblock pedestrian signal
   (``crossing="signal"``). Every node has ``signal``.
4. **Clip** to the file's ``<bounds>``: roads leaving the box end at a new node on
   its edge (negative id).
5. **Footbridges and underpasses.** A *deck* is a run of footbridge (or
   underpass) path edges (:func:`~.osmtags.grade_separation`) between nodes
   where other ways join it or it branches. Where a deck crosses carriageways
   in plan (layers ignored; roads in tunnels, and road bridges for an
   underpass, are not crossed), the carriageway crossed first among the
   fastest (then widest) is the deck's *road*: a new node (negative id) is put
   on it where the deck passes, with ``crossing`` ``footbridge`` or
   ``underpass``, ``access`` and ``access_defaulted`` from the structure's
   approaches (:func:`~.osmtags.structure_access`), and the other carriageways
   under the same deck in ``span`` (``highway:lanes with:lanes against;...``,
   directions relative to the road's) and ``span_width`` (m): the informal way
   across beneath the deck crosses them all. ``no_at_grade=True`` on the node
   when one of them may not be crossed at grade. The deck keeps its own edges,
   apart from the road; the walk builder joins it to the crossing.
6. **Simplify** with OSMnx, keeping crossing and signal nodes and every node
   where an edge value changes (so footbridges never merge with roads: they
   share no node with the roads below them), and **project** to the UTM
   zone of the extract; lengths are recomputed in metres.

Carriageways get ``no_at_grade`` (:func:`~.osmtags.no_at_grade`); a trunk
road is *lined* by fences when at least ``osm.fence_share`` of its length
lies within half its width plus ``osm.fence_margin`` of
``barrier=fence|guard_rail|wall|jersey_barrier`` ways (OSM files only: the
online loaders get no barriers).

Graph attributes: ``crs``, ``name`` (file name), ``source`` (path), ``defaulted``
(street edges, each two-way pair once, whose lanes/width/maxspeed came from the
default table) out of ``street_edges`` (carriageway edges counted the same way),
``mapped_crossings``, ``mapped_facilities``,
``crossings_from_ways``, ``access_defaulted`` (footbridges and underpasses whose
``access`` is the default ``stairs``: nothing on the map said), ``no_at_grade``
(street edges, counted as ``street_edges``, that get no inferred at-grade
crossing), ``attribution``. Map data © OpenStreetMap contributors,
ODbL 1.0: a graph derived from it stays under that licence.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx
import shapely
from shapely import LineString, Point
from shapely.ops import substring

from simulator.crossing import FACILITIES, GRADE_SEPARATED
from simulator.errors import NetworkError
from simulator.network.junctions import encode_span, node_order
from simulator.network.osmdata import (
    ATTRIBUTION,
    OsmData,
    Tags,
    check_file,
    project,
    projector,
    read_osm,
    utm_crs,
    utm_crs_at,
)
from simulator.network.osmtags import (
    FENCED_CLASSES,
    NO,
    classify,
    crossing_facility,
    edge_values,
    first,
    is_barrier,
    structure_access,
)
from simulator.params import Parameters, default_parameters

CONTRACT_EDGE = ("highway", "lanes", "width", "maxspeed", "oneway", "name", "walk",
                 "carriageway", "median_fence", "no_at_grade")
KEEP_NODES = ("crossing", "no_crossing", "signal")
DIFFER = (*CONTRACT_EDGE, "bridge", "tunnel", "defaulted")
LATLON = "epsg:4326"
OSMNX_KEYS = frozenset({"osmid", "oneway", "reversed", "length", "geometry"})
MINOR = frozenset({"service", "track"})  # not junction roads for signal reach
Grade = Mapping[int, tuple[str, str, bool]]
"""Way id -> (facility, access, access defaulted) of footbridge and underpass ways."""
END_GAP = 0.01
"""A deck crossing a road within this fraction of a road edge's end crosses it just inside."""


# --- public API ------------------------------------------------------------------------------


def street_graph_from_file(path: str | Path, *, params: Parameters | None = None
                           ) -> nx.MultiDiGraph:
    """Street graph of an OSM extract (``.osm``, ``.osm.bz2``, ``.osm.gz``) or a GraphML file.

    Parameters
    ----------
    path
        OSM XML export, or GraphML saved by OSMnx (raw OSMnx graphs are
        normalised; graphs saved from this function are read back as they are).
    params
        Parameter table (default lanes, limits, lane width, signal reach).

    Returns
    -------
    nx.MultiDiGraph
        The street graph, projected to metres (see the module docstring).

    Raises
    ------
    NetworkError
        If the file is missing, is not OSM XML or GraphML, or has no streets.
    """
    params = params or default_parameters()
    path = check_file(path)
    if path.suffix.lower() == ".graphml":
        return _graph_from_graphml(path, params)
    return graph_from_osm(read_osm(path), params=params)


def graph_from_osm(data: OsmData, *, params: Parameters | None = None) -> nx.MultiDiGraph:
    """Street graph of OSM data already read (see :func:`street_graph_from_file`)."""
    params = params or default_parameters()
    kept = {w: tags for w, (_, tags) in data.ways.items() if classify(tags) is not None}
    if not kept:
        msg = f"{data.path} has no streets (no usable highway=* ways)"
        raise NetworkError(msg)
    ways: list[int] = []
    with tempfile.TemporaryDirectory(prefix="saferoute-osm-") as folder:
        tmp = Path(folder) / "highways.osm"
        _write_highways(data, kept, tmp, ways)
        raw = _ox().graph_from_xml(tmp, bidirectional=False, simplify=False, retain_all=True)
    for _, _, d in raw.edges(data=True):
        way = ways[d["osmid"]]
        d.update({k: v for k, v in kept[way].items() if k not in OSMNX_KEYS}, osmid=way)
    node_tags = lambda n: data.node_tags.get(n, {})  # noqa: E731
    # one-way as OSMnx read it (roundabouts, reverse ways), as the edges will carry it
    oneway = {d["osmid"]: _boolish(d.get("oneway", False)) for _, _, d in raw.edges(data=True)}
    return _contract(raw, params, name=data.path.name, source=str(data.path),
                     node_tags=node_tags, bounds=data.bounds, crs=utm_crs(data).to_string(),
                     fenced=_fenced_trunks(data, kept, params, oneway=oneway),
                     grade=structure_access(data.ways, node_tags))


def _fenced_trunks(data: OsmData, kept: Mapping[int, Tags], params: Parameters, *,
                   oneway: Mapping[int, bool]) -> frozenset[int]:
    """Trunk roads (and links) lined by fences, walls, guard rails or jersey barriers.

    A way is lined when at least ``osm.fence_share`` of its length lies within
    its half width (as its edges will have it, with OSMnx's ``oneway``) plus
    ``osm.fence_margin`` of such barrier ways.
    """
    margin, share = float(params["osm.fence_margin"]), float(params["osm.fence_share"])
    trunks = sorted(w for w, tags in kept.items() if first(tags.get("highway")) in FENCED_CLASSES)
    if not trunks:
        return frozenset()
    transformer = projector(utm_crs(data))

    def line(way: int) -> LineString | None:
        pts = [data.coords[r] for r in data.ways[way][0] if r in data.coords]
        return project(LineString(pts), transformer) if len(pts) >= 2 else None

    barriers = [b for w, (_, tags) in sorted(data.ways.items())
                if is_barrier(tags) and (b := line(w)) is not None]
    if not barriers:
        return frozenset()
    tree = shapely.STRtree(barriers)
    tables = _tables(params)
    fenced = set()
    for w in trunks:
        road = line(w)
        values = edge_values(kept[w], oneway.get(w, False), tables)
        if road is None or values is None or road.length <= 0:
            continue
        reach = values["width"] / 2 + margin
        near = [barriers[i] for i in tree.query(road, predicate="dwithin", distance=reach)]
        if not near:
            continue
        covered = road.intersection(shapely.union_all([b.buffer(reach) for b in near])).length
        if covered >= share * road.length:
            fenced.add(w)
    return frozenset(fenced)


def graph_from_place(query: str | dict[str, str], *, params: Parameters | None = None,
                     **kwargs: Any) -> nx.MultiDiGraph:
    """Street graph of a place from the OSM servers (needs internet; untested offline).

    ``kwargs`` go to :func:`osmnx.graph_from_place`.
    """
    with _osmnx_tags():
        raw = _ox().graph_from_place(query, network_type="all", simplify=False, retain_all=True,
                                  **kwargs)
    return _contract(raw, params or default_parameters(), name=str(query),
                     source=f"OpenStreetMap: {query}", node_tags=lambda n: raw.nodes[n])


def graph_from_point(center: tuple[float, float], dist: float, *,
                     params: Parameters | None = None, **kwargs: Any) -> nx.MultiDiGraph:
    """Street graph within ``dist`` m of ``(lat, lon)`` from the OSM servers (needs internet).

    ``kwargs`` go to :func:`osmnx.graph_from_point`.
    """
    with _osmnx_tags():
        raw = _ox().graph_from_point(center, dist, network_type="all", simplify=False,
                                  retain_all=True, **kwargs)
    name = f"{center[0]:.5f},{center[1]:.5f} ±{dist:.0f} m"
    return _contract(raw, params or default_parameters(), name=name,
                     source=f"OpenStreetMap: {name}", node_tags=lambda n: raw.nodes[n])


# --- ways ------------------------------------------------------------------------------------


def _write_highways(data: OsmData, kept: Mapping[int, Tags], path: Path, ways: list[int]) -> None:
    """Write the kept highway ways and their nodes as OSM XML for OSMnx.

    Ways are split where a node is missing from the file; way ``i`` of the
    written file is OSM way ``ways[i]``. Only ``oneway`` and ``junction`` tags are
    written (OSMnx reads direction from them); paths are written two-way.
    """
    lines, used = [], set()
    for way in sorted(kept):
        refs, tags = data.ways[way]
        runs: list[list[int]] = [[]]
        for r in refs:
            if r in data.coords:
                runs[-1].append(r)
            elif runs[-1]:
                runs.append([])
        kind = classify(tags)
        oneway = first(tags.get("oneway"))
        if kind is not None and kind[0] in {"motorway", "motorway_link"} and oneway is None:
            oneway = "yes"  # implied by the class
        keep = {"oneway": oneway, "junction": first(tags.get("junction"))} \
            if kind is not None and kind[2] else {}
        tag_xml = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>"
                          for k, v in keep.items() if v)
        for run in runs:
            if len(run) >= 2:
                used.update(run)
                nds = "".join(f'<nd ref="{r}"/>' for r in run)
                lines.append(f'<way id="{len(ways)}">{nds}{tag_xml}</way>')
                ways.append(way)
    nodes = [f'<node id="{r}" lat="{data.coords[r][1]!r}" lon="{data.coords[r][0]!r}"/>'
             for r in sorted(used)]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" '
                    'generator="saferoute">\n' + "\n".join(nodes + lines) + "\n</osm>\n",
                    encoding="utf-8")


# --- from a raw OSMnx graph to the contract ------------------------------------------------


def _tables(params: Parameters) -> dict[str, Any]:
    return {"lanes": {**params["osm.default_lanes"], **params["traffic.default_lanes"]},
            "limits": {**params["osm.default_limit"], **params["traffic.default_limit"]},
            "lane_width": float(params["traffic.lane_width"])}


def _contract(raw: nx.MultiDiGraph, params: Parameters, *, name: str, source: str,
              node_tags: Callable[[Any], Mapping[str, Any]],
              bounds: tuple[float, float, float, float] | None = None,
              crs: str | None = None, fenced: frozenset[int] = frozenset(),
              grade: Grade | None = None) -> nx.MultiDiGraph:
    """Normalise a raw OSMnx graph (lon/lat, edges carrying their way's tags).

    ``fenced``: trunk ways lined by fences; ``grade``: footbridge and underpass
    ways with their access (read from the raw graph's edges if None).
    """
    if grade is None:
        grade = structure_access(_raw_ways(raw), node_tags)
    g = _normalise_edges(raw, _tables(params), fenced)
    facilities, crossing_ways = _mapped_crossings(g, node_tags)
    for n, f in facilities.items():
        g.nodes[n]["no_crossing" if f == NO else "crossing"] = True if f == NO else f
    _mark_signals(g, node_tags, float(params["osm.signal_reach"]))
    if bounds is not None:
        _clip(g, bounds)
    _grade_separated(g, grade)
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    if g.number_of_edges() == 0:
        msg = f"{source} has no streets inside its bounds"
        raise NetworkError(msg)
    if not g.graph.get("simplified"):
        g = _ox().simplify_graph(g, node_attrs_include=KEEP_NODES, edge_attrs_differ=DIFFER)
    g.graph["crs"] = LATLON
    if crs is None:
        xs, ys = [x for _, x in g.nodes(data="x")], [y for _, y in g.nodes(data="y")]
        crs = utm_crs_at((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2).to_string()
    projected = _ox().project_graph(g, to_crs=crs)
    out = _finish(projected, crs=crs, name=name, source=source)
    out.graph["crossings_from_ways"] = sum("crossing" in out.nodes[n]
                                           for n in crossing_ways if n in out)
    return out


def _raw_ways(raw: nx.MultiDiGraph) -> dict[int, tuple[list[Any], dict[str, Any]]]:
    """Way id -> (nodes, tags) as far as a raw OSMnx graph's edges hold them."""
    ways: dict[int, tuple[list[Any], dict[str, Any]]] = {}
    for u, v, d in raw.edges(data=True):
        for way in d.get("osmid") if isinstance(d.get("osmid"), list) else [d.get("osmid")]:
            if isinstance(way, int):
                ways.setdefault(way, ([], dict(d)))[0].extend((u, v))
    return ways


def _normalise_edges(raw: nx.MultiDiGraph, tables: dict[str, Any],
                     fenced: frozenset[int] = frozenset()) -> nx.MultiDiGraph:
    """Copy of ``raw`` with contract values on kept edges; paths in both directions."""
    g = nx.MultiDiGraph(crs=raw.graph.get("crs", LATLON),
                        simplified=bool(raw.graph.get("simplified")))
    g.add_nodes_from((n, {"x": float(d["x"]), "y": float(d["y"])}) for n, d in raw.nodes(data=True))
    cache: dict[tuple[int, bool], dict[str, Any] | None] = {}
    for u, v, k, d in raw.edges(keys=True, data=True):
        way = d.get("osmid")
        oneway = _boolish(d.get("oneway", False))
        key = (way if isinstance(way, int) else id(d), oneway)
        if key not in cache:
            cache[key] = edge_values(d, oneway, tables,
                                     lined=isinstance(way, int) and way in fenced)
        values = cache[key]
        if values is None:
            continue
        attrs = {"osmid": way, "length": float(d["length"]), **values}
        if "geometry" in d:
            attrs["geometry"] = d["geometry"]
        g.add_edge(u, v, key=k, **attrs)
        if not values["carriageway"] and not raw.has_edge(v, u):
            back = dict(attrs)
            if "geometry" in d:
                back["geometry"] = LineString(list(d["geometry"].coords)[::-1])
            g.add_edge(v, u, **back)
    return g


def _boolish(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_boolish(v) for v in value)
    return value is True or str(value).strip().lower() in {"true", "yes", "1"}


def _carriage_nodes(g: nx.MultiDiGraph, *, skip: frozenset[str] = frozenset()
                    ) -> dict[Any, dict[Any, Mapping[str, Any]]]:
    """Node -> carriageway neighbour -> one edge's data, ignoring direction."""
    out: dict[Any, dict[Any, Mapping[str, Any]]] = {}
    for u, v, d in g.edges(data=True):
        if d["carriageway"] and u != v and d["highway"] not in skip:
            out.setdefault(u, {}).setdefault(v, d)
            out.setdefault(v, {}).setdefault(u, d)
    return out


def _mapped_crossings(g: nx.MultiDiGraph, node_tags: Callable[[Any], Mapping[str, Any]]
                      ) -> tuple[dict[Any, str], set[Any]]:
    """Facility (or ``"no"``) of every carriageway node with a mapped crossing.

    Also returns the road nodes that took their facility from a
    ``footway=crossing`` way.
    """
    carriage = _carriage_nodes(g)
    facilities: dict[Any, str] = {}
    for n in carriage:
        f = crossing_facility(node_tags(n))
        if f is not None:
            facilities[n] = f
    from_ways = set()
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        f = d.get("_crossing_way")
        for n in (u, v):
            if f is not None and n in carriage and n not in facilities:
                facilities[n] = f
                from_ways.add(n)
    for _, _, d in g.edges(data=True):
        d.pop("_crossing_way", None)
    return facilities, from_ways


def _same_road(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same rule as the walk builder: same name, or both unnamed and the same class."""
    if a["name"] and b["name"]:
        return a["name"] == b["name"]
    return a["name"] == b["name"] and a["highway"] == b["highway"]


def _mark_signals(g: nx.MultiDiGraph, node_tags: Callable[[Any], Mapping[str, Any]],
                  reach: float) -> None:
    """``signal=True`` at junctions near signals; midblock signals become crossings."""
    carriage = _carriage_nodes(g)
    major = _carriage_nodes(g, skip=MINOR)
    junctions = {n for n, nbrs in major.items()
                 if len(nbrs) >= 3 or (len(nbrs) == 2 and not _same_road(*nbrs.values()))}
    roads = nx.Graph()
    for u, v, d in g.edges(data=True):
        if d["carriageway"] and u != v:
            old = roads.get_edge_data(u, v, {}).get("length", math.inf)
            roads.add_edge(u, v, length=min(old, float(d["length"])))
    for n in sorted(carriage):
        tags = node_tags(n)
        lights = first(tags.get("highway")) == "traffic_signals"
        if not (lights or g.nodes[n].get("crossing") == "signal"):
            continue
        near = nx.single_source_dijkstra_path_length(roads, n, cutoff=reach, weight="length")
        hits = [m for m in near if m in junctions]
        for m in hits:
            g.nodes[m]["signal"] = True
        if lights and not hits and "crossing" not in g.nodes[n] and "no_crossing" not in g.nodes[n]:
            g.nodes[n]["crossing"] = "signal"


# --- footbridges and underpasses ---------------------------------------------------------


def _grade_separated(g: nx.MultiDiGraph, grade: Grade) -> None:
    """Put a footbridge or underpass crossing node on the road below (above) each deck.

    See step 5 of the module docstring. The graph is in lon/lat; new nodes get
    negative ids below every id in the graph.
    """
    decks = _decks(g, grade)
    if not decks:
        return
    roads: list[tuple[Any, Any, int, dict[str, Any]]] = []
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: e[:3]):
        if d["carriageway"] and u != v and not d.get("tunnel") and not (
                g.has_edge(v, u, k) and (node_order(v), node_order(u)) < (node_order(u), node_order(v))):
            roads.append((u, v, k, d))
    lines = [_edge_line(g, u, v, d) for u, v, _, d in roads]
    tree = shapely.STRtree(lines)
    cuts: dict[int, list[tuple[float, dict[str, Any]]]] = {}
    for facility, access, defaulted, path in decks:
        crossed: dict[Any, tuple[float, int, Point]] = {}
        for i, (a, b) in enumerate(itertools.pairwise(path)):
            deck = _edge_line(g, a, b, g.get_edge_data(a, b)[min(g.get_edge_data(a, b))])
            for r in sorted(int(j) for j in tree.query(deck, predicate="intersects")):
                u, v, _, d = roads[r]
                if {u, v} & {a, b} or (facility == "underpass" and d.get("bridge")):
                    continue
                point = deck.intersection(lines[r])
                if not isinstance(point, Point):
                    point = next((p for p in getattr(point, "geoms", ()) if isinstance(p, Point)),
                                 None)
                if point is None:
                    continue
                way = str(d.get("osmid"))
                at = i + deck.project(point, normalized=True)
                if way not in crossed or at < crossed[way][0]:
                    crossed[way] = (at, r, point)
        if not crossed:
            continue
        hits = sorted(crossed.values(), key=lambda h: h[0])
        main = max(hits, key=lambda h: (roads[h[1]][3]["maxspeed"], roads[h[1]][3]["width"],
                                        -h[0]))
        _, r, point = main
        attrs = _span(g, roads, main, [h for h in hits if h is not main])
        attrs |= {"x": point.x, "y": point.y, "crossing": facility, "access": access,
                  "access_defaulted": defaulted, "signal": False}
        fraction = lines[r].project(point, normalized=True)
        cuts.setdefault(r, []).append((min(max(fraction, END_GAP), 1 - END_GAP), attrs))
    next_id = min(0, *(n for n in g.nodes if isinstance(n, int))) - 1
    for r in sorted(cuts):
        placed = []
        for fraction, attrs in sorted(cuts[r], key=lambda c: c[0]):
            point = lines[r].interpolate(fraction, normalized=True)
            g.add_node(next_id, **(attrs | {"x": float(point.x), "y": float(point.y)}))
            placed.append((fraction, next_id))
            next_id -= 1
        _split_road(g, roads[r], placed)


def _edge_line(g: nx.MultiDiGraph, u: Any, v: Any, d: Mapping[str, Any]) -> LineString:
    """Shape of an edge from u to v (lon/lat)."""
    geometry = d.get("geometry")
    if isinstance(geometry, LineString):
        coords = list(geometry.coords)
        if math.dist(coords[0], (g.nodes[u]["x"], g.nodes[u]["y"])) > math.dist(
                coords[-1], (g.nodes[u]["x"], g.nodes[u]["y"])):
            coords.reverse()
        return LineString(coords)
    return LineString([(g.nodes[n]["x"], g.nodes[n]["y"]) for n in (u, v)])


def _decks(g: nx.MultiDiGraph, grade: Grade) -> list[tuple[str, str, bool, list[Any]]]:
    """Runs of footbridge (underpass) edges between the nodes where other ways join or they branch.

    Each is ``(facility, access, access defaulted, node path)``.
    """
    out = []
    for facility in ("footbridge", "underpass"):
        deck = nx.Graph()
        for u, v, d in g.edges(data=True):
            way = d.get("osmid")
            info = grade.get(way) if isinstance(way, int) else None
            if info is not None and info[0] == facility and not d["carriageway"] and u != v:
                deck.add_edge(u, v, info=info)
        ends = {n for n in deck if deck.degree(n) != 2
                or (set(g.successors(n)) | set(g.predecessors(n))) - set(deck[n])}
        seen: set[frozenset[Any]] = set()
        for a, b in sorted(deck.edges(), key=lambda e: tuple(sorted(map(node_order, e)))):
            if frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            path = [a, b]
            for forward in (True, False):
                while True:
                    end, before = (path[-1], path[-2]) if forward else (path[0], path[1])
                    if end in ends:
                        break
                    step = next((n for n in deck[end] if n != before), None)
                    if step is None or frozenset((end, step)) in seen:
                        break
                    seen.add(frozenset((end, step)))
                    if forward:
                        path.append(step)
                    else:
                        path.insert(0, step)
            _, access, defaulted = deck.edges[a, b]["info"]
            out.append((facility, access, defaulted, path))
    return out


def _span(g: nx.MultiDiGraph, roads: list[tuple[Any, Any, int, dict[str, Any]]],
          main: tuple[float, int, Point], others: list[tuple[float, int, Point]]
          ) -> dict[str, Any]:
    """Node attributes for the other carriageways under a deck: ``span``, ``span_width``."""
    def direction(r: int) -> tuple[float, float]:
        u, v = roads[r][0], roads[r][1]
        return (g.nodes[v]["x"] - g.nodes[u]["x"], g.nodes[v]["y"] - g.nodes[u]["y"])

    ahead = direction(main[1])
    parts, width = [], 0.0
    for _, r, _ in others:
        d = roads[r][3]
        lanes = int(d["lanes"])
        if d["oneway"]:
            e = direction(r)
            same = ahead[0] * e[0] + ahead[1] * e[1] >= 0
            parts.append((d["highway"], lanes if same else 0, 0 if same else lanes))
        else:
            parts.append((d["highway"], math.ceil(lanes / 2), lanes // 2))
        width += float(d["width"])
    blocked = any(roads[r][3].get("no_at_grade") for _, r, _ in [main, *others])
    return {"span": encode_span(parts), "span_width": width, "no_at_grade": bool(blocked)}


def _split_road(g: nx.MultiDiGraph, road: tuple[Any, Any, int, dict[str, Any]],
                placed: list[tuple[float, Any]]) -> None:
    """Split a road edge (and its reverse) at new nodes at fractions of its length from u."""
    u, v, k, _ = road
    for a, b, stops in ((u, v, placed), (v, u, [(1 - f, n) for f, n in reversed(placed)])):
        if not g.has_edge(a, b, k) or g.edges[a, b, k].get("osmid") != road[3].get("osmid"):
            continue
        d = g.edges[a, b, k]
        line = _edge_line(g, a, b, d) if "geometry" in d else None
        g.remove_edge(a, b, k)
        chain = [(0.0, a), *stops, (1.0, b)]
        for (f0, n0), (f1, n1) in itertools.pairwise(chain):
            attrs = {key: val for key, val in d.items() if key != "geometry"}
            attrs["length"] = float(d["length"]) * (f1 - f0)
            if line is not None:
                attrs["geometry"] = substring(line, f0, f1, normalized=True)
            g.add_edge(n0, n1, **attrs)


def _clip(g: nx.MultiDiGraph, bounds: tuple[float, float, float, float]) -> None:
    """Cut the graph to a lon/lat box; edges leaving it end at new nodes on its edge."""
    x0, y0, x1, y1 = bounds

    def inside(n: Any) -> bool:
        return x0 <= g.nodes[n]["x"] <= x1 and y0 <= g.nodes[n]["y"] <= y1

    cut: list[tuple[Any, Any, dict[str, Any], tuple[float, float] | None,
                    tuple[float, float] | None, float]] = []
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        if inside(u) and inside(v):
            continue
        pu, pv = (g.nodes[u]["x"], g.nodes[u]["y"]), (g.nodes[v]["x"], g.nodes[v]["y"])
        span = _liang_barsky(pu, pv, bounds)
        if span is None:
            continue
        t0, t1 = span
        at = [None if t == end else (pu[0] + t * (pv[0] - pu[0]), pu[1] + t * (pv[1] - pu[1]))
              for t, end in ((t0, 0.0), (t1, 1.0))]
        cut.append((u, v, d, at[0], at[1], t1 - t0))
    points = sorted({(round(p[0], 9), round(p[1], 9)) for c in cut for p in c[3:5] if p})
    ids = {p: -(i + 1) for i, p in enumerate(points)}
    g.remove_nodes_from([n for n in list(g.nodes) if not inside(n)])
    for u, v, d, a, b, share in cut:
        ends = []
        for node, p in ((u, a), (v, b)):
            if p is None:
                ends.append(node)
                continue
            q = (round(p[0], 9), round(p[1], 9))
            g.add_node(ids[q], x=q[0], y=q[1])
            ends.append(ids[q])
        attrs = {k: val for k, val in d.items() if k != "geometry"}
        g.add_edge(ends[0], ends[1], **(attrs | {"length": float(d["length"]) * share}))


def _liang_barsky(p: tuple[float, float], q: tuple[float, float],
                  box: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """Parameter span ``(t0, t1)`` of segment p-q inside the box, or None."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for step, gap in ((-dx, p[0] - box[0]), (dx, box[2] - p[0]),
                      (-dy, p[1] - box[1]), (dy, box[3] - p[1])):
        if step == 0:
            if gap < 0:
                return None
            continue
        t = gap / step
        if step < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return (t0, t1) if t0 < t1 else None


def _finish(g: nx.MultiDiGraph, *, crs: str, name: str, source: str) -> nx.MultiDiGraph:
    """The contract graph: typed attributes, sorted nodes, consistent keys, counts."""
    out = nx.MultiDiGraph(crs=crs, name=name, source=source, attribution=ATTRIBUTION)
    facilities: Counter[str] = Counter()
    for n in sorted(g.nodes):
        d = g.nodes[n]
        attrs: dict[str, Any] = {"x": float(d["x"]), "y": float(d["y"]),
                                 "signal": _boolish(d.get("signal", False))}
        if isinstance(n, int) and n > 0:
            attrs["osmid"] = n
        crossing = first(d.get("crossing"))
        if crossing in FACILITIES:
            attrs["crossing"] = crossing
            facilities[crossing] += 1
        if _boolish(d.get("no_crossing", False)):
            attrs["no_crossing"] = True
        if crossing in GRADE_SEPARATED and d.get("access") is not None:
            attrs |= {"access": str(first(d["access"])),
                      "access_defaulted": _boolish(d.get("access_defaulted", False)),
                      "span": str(first(d.get("span")) or ""),
                      "span_width": float(str(first(d.get("span_width")) or 0.0)),
                      "no_at_grade": _boolish(d.get("no_at_grade", False))}
        out.add_node(n, **attrs)
    out.add_edges_from(_roads(out, g))
    defaulted: Counter[str] = Counter()
    streets = blocked = 0
    for u, v, key, d in out.edges(keys=True, data=True):
        if d["carriageway"] and (u <= v or not out.has_edge(v, u, key)):
            streets += 1
            blocked += d["no_at_grade"]
            defaulted.update(filter(None, d["defaulted"].split(",")))
    out.graph["street_edges"] = streets
    out.graph["no_at_grade"] = blocked
    out.graph["access_defaulted"] = sum(bool(d.get("access_defaulted"))
                                        for _, d in out.nodes(data=True))
    out.graph["defaulted"] = {k: defaulted[k] for k in ("lanes", "width", "maxspeed")}
    out.graph["mapped_crossings"] = sum(facilities.values())
    out.graph["mapped_facilities"] = dict(sorted(facilities.items()))
    return out


def _roads(out: nx.MultiDiGraph, g: nx.MultiDiGraph
           ) -> list[tuple[Any, Any, int, dict[str, Any]]]:
    """Typed edges with keys numbered per node pair, a two-way road's two edges sharing one.

    The walk builder takes ``(u, v, k)`` and ``(v, u, k)`` for the two directions of
    one road, so a one-way road and a two-way path between the same nodes need
    different keys in both directions.
    """
    pairs: dict[tuple[Any, Any], list[tuple[Any, Any, dict[str, Any]]]] = {}
    for u, v, d in g.edges(data=True):
        pairs.setdefault((min(u, v), max(u, v)), []).append((u, v, _typed_edge(out, u, v, d)))
    def sig(e: dict[str, Any]) -> tuple[str, str, float]:
        return str(e["osmid"]), e["highway"], round(e["length"], 1)

    out_edges = []
    for (a, b), edges in sorted(pairs.items()):
        roads: list[list[tuple[Any, Any, dict[str, Any]]]] = []
        backs = [e for e in edges if (e[0], e[1]) == (b, a)] if a != b else []
        for e in edges:
            if a != b and (e[0], e[1]) == (b, a):
                continue
            twin = next((r for r in backs if not e[2]["oneway"] and sig(r[2]) == sig(e[2])), None)
            if twin is not None:
                backs.remove(twin)
            roads.append([e] if twin is None else [e, twin])
        roads += [[r] for r in backs]
        roads.sort(key=lambda r: (sig(r[0][2]), r[0][0] != a))
        out_edges += [(u, v, key, attrs) for key, road in enumerate(roads) for u, v, attrs in road]
    return out_edges


def _typed_edge(out: nx.MultiDiGraph, u: Any, v: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    osmid = d.get("osmid")
    if isinstance(osmid, list | tuple):
        osmid = sorted({int(x) for x in osmid})
        osmid = osmid[0] if len(osmid) == 1 else osmid
    elif osmid is not None:
        osmid = int(osmid)
    attrs: dict[str, Any] = {
        "highway": str(first(d["highway"])), "lanes": int(float(str(first(d["lanes"])))),
        "width": float(str(first(d["width"]))), "maxspeed": float(str(first(d["maxspeed"]))),
        "oneway": _boolish(d["oneway"]), "name": str(first(d.get("name")) or ""),
        "walk": _boolish(d["walk"]), "carriageway": _boolish(d["carriageway"]),
        "median_fence": _boolish(d["median_fence"]),
        "no_at_grade": _boolish(d.get("no_at_grade", False)),
        "bridge": _boolish(d.get("bridge", False)),
        "tunnel": _boolish(d.get("tunnel", False)),
        "defaulted": str(first(d.get("defaulted")) or ""), "osmid": osmid,
    }
    geometry = d.get("geometry")
    pu = (out.nodes[u]["x"], out.nodes[u]["y"])
    pv = (out.nodes[v]["x"], out.nodes[v]["y"])
    if isinstance(geometry, LineString) and len(geometry.coords) > 2:
        attrs["geometry"] = geometry
        attrs["length"] = float(geometry.length)
    else:
        attrs["length"] = math.dist(pu, pv)
    return attrs


# --- GraphML and online graphs ---------------------------------------------------------------


def _graph_from_graphml(path: Path, params: Parameters) -> nx.MultiDiGraph:
    """A GraphML street graph: ours read back as is, or a raw OSMnx graph normalised."""
    try:
        raw = _ox().load_graphml(path)
    except Exception as exc:
        msg = f"{path} is not GraphML ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        raise NetworkError(msg) from None
    if raw.number_of_edges() and all("carriageway" in d for _, _, d in raw.edges(data=True)):
        out = _finish(raw, crs=str(raw.graph.get("crs")),
                      name=str(raw.graph.get("name", path.name)),
                      source=str(raw.graph.get("source", path)))
        saved = raw.graph.get("crossings_from_ways")
        if isinstance(saved, str) and saved.isdigit():
            out.graph["crossings_from_ways"] = int(saved)
        return out
    crs = str(raw.graph.get("crs", LATLON))
    if not _ox().projection.is_projected(crs):
        return _contract(raw, params, name=path.name, source=str(path),
                         node_tags=lambda n: raw.nodes[n])
    msg = f"{path}: a raw OSMnx GraphML graph must be unprojected (lon/lat), got {crs}"
    raise NetworkError(msg)


_EXTRA_NODE_TAGS = ("crossing", "crossing_ref", "crossing:island", "crossing:markings",
                    "crossing:signals", "traffic_calming", "elevator", "lift")
_EXTRA_WAY_TAGS = ("footway", "cycleway", "path", "crossing", "crossing_ref", "crossing:markings",
                   "foot", "motor_vehicle", "vehicle", "layer", "divider", "name:zh", "sidewalk",
                   "lanes:forward", "lanes:backward", "lanes:both_ways", "maxspeed:forward",
                   "maxspeed:backward", "ramp", "ramp:wheelchair", "incline", "motorroad",
                   "barrier", "indoor", "cutting", "covered")


def _ox() -> Any:
    """OSMnx, imported on first use: a run on the synthetic district never needs it (about 0.5 s)."""
    import osmnx

    return osmnx


class _osmnx_tags:  # noqa: N801 - used as a context manager
    """Temporarily make OSMnx keep the node and way tags the loader reads."""

    def __enter__(self) -> None:
        settings = _ox().settings
        self.saved = (list(settings.useful_tags_node), list(settings.useful_tags_way))
        settings.useful_tags_node = _union(self.saved[0], _EXTRA_NODE_TAGS)
        settings.useful_tags_way = _union(self.saved[1], _EXTRA_WAY_TAGS)

    def __exit__(self, *exc: object) -> None:
        settings = _ox().settings
        settings.useful_tags_node, settings.useful_tags_way = self.saved


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*a, *b]))
