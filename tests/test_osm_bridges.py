"""Footbridges and underpasses from OpenStreetMap, and roads nobody crosses at grade.

Small OSM files written into ``tmp_path`` test each rule exactly: a footway on a
bridge (in a tunnel) that passes over (under) a road becomes a footbridge
(underpass) crossing of that road, with its ``access`` read from the ways that
lead onto it; motorways, fenced trunk roads and prohibitions get no inferred
at-grade crossing. The shared Shenzhen and Beijing extracts (ODbL, read in
place from ``../shared/data/osm``, never copied into the repository) map
footway bridges, steps and pedestrian tunnels near their schools: each is
checked against the XML read independently here.
"""

from __future__ import annotations

import bz2
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from osm_kit import X0, Y0, write_osm
from pyproj import Transformer
from shapely import LineString, Point

from simulator.access import forced_at_grade
from simulator.crossing import GRADE_SEPARATED, Crossing
from simulator.experiment import settings_from_scenarios
from simulator.network.osm import street_graph_from_file
from simulator.network.osmtags import structure_access
from simulator.network.schools import site_from_file
from simulator.network.walk import WalkNetwork, build_walk_graph, path_crossings, walk_network_from_site
from simulator.params import default_parameters
from simulator.routing import route_choices
from simulator.scenario import scenario_from_mapping

P = default_parameters()
LANE = P["traffic.lane_width"]
CLIMB = P["grade.footbridge_climb"]
RUN = P["grade.stair_horizontal_per_m"]
PER_LANE = P["traffic.peak_volume_per_lane"]
OSM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"
BEIJING = OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2"
SHENZHEN = OSM_DIR / "shenzhen_longgang_universiade.osm.bz2"
needs_extracts = pytest.mark.skipif(not OSM_DIR.is_dir(), reason=f"OSM extracts not found in {OSM_DIR}")
MOTORWAYS = {"motorway", "motorway_link"}



STEPS = {"highway": "steps"}
FOOTWAY = {"highway": "footway"}
DECK = {"highway": "footway", "bridge": "yes", "layer": "1"}


def dual_carriageway(tmp_path: Path, *, deck: dict | None = None, south: dict | None = None,
                     north: dict | None = None, landing: dict | None = None,
                     road: dict | None = None) -> Path:
    """Da Lu, a dual carriageway (eastbound at y = 0, westbound at y = 30, 3 lanes each).

    A deck (node 31 at y = -20 to node 32 at y = 50) passes over both; its
    approaches ``south`` (Nan Lu, y = -40, to 31) and ``north`` (32 to Bei Lu, y = 70)
    are steps unless told. ``landing``: tags of node 31.
    """
    da_lu = {"highway": "primary", "oneway": "yes", "lanes": "3", "name": "Da Lu"} | (road or {})
    nodes = {1: (-200, 0), 2: (200, 0), 3: (-200, 30), 4: (200, 30),
             21: (-200, -40), 12: (0, -40), 22: (200, -40), 23: (-200, 70), 13: (0, 70), 24: (200, 70),
             31: (0, -20, landing or {}), 32: (0, 50)}
    ways = {1: ([1, 2], da_lu), 2: ([4, 3], da_lu),
            5: ([21, 12, 22], {"highway": "residential", "name": "Nan Lu"}),
            6: ([23, 13, 24], {"highway": "residential", "name": "Bei Lu"}),
            7: ([31, 32], deck or DECK), 8: ([12, 31], south or STEPS), 9: ([32, 13], north or STEPS)}
    return write_osm(tmp_path, nodes, ways)


def grade_nodes(g: nx.MultiDiGraph) -> dict[Any, dict[str, Any]]:
    """Street nodes with a footbridge or underpass, with their attributes."""
    return {n: d for n, d in g.nodes(data=True) if d.get("crossing") in GRADE_SEPARATED}


def corner(graph: nx.Graph, street_node: int, *, north: bool) -> Any:
    """The northernmost (else southernmost) walk node of a street node."""
    found = [n for n, d in graph.nodes(data=True) if d["street_node"] == street_node]
    return max(found, key=lambda n: graph.nodes[n]["y"] * (1 if north else -1))


# --- a footbridge over a dual carriageway ----------------------------------------------------


def test_a_footbridge_over_a_dual_carriageway_is_one_crossing_of_that_road(tmp_path: Path) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path))
    [(node, attrs)] = grade_nodes(g).items()
    assert (attrs["crossing"], attrs["access"], attrs["access_defaulted"]) == ("footbridge", "stairs", False)
    assert (attrs["x"] - X0, attrs["y"] - Y0) == (pytest.approx(0, abs=0.01), pytest.approx(0, abs=0.01))
    # the eastbound carriageway is crossed where the deck passes; the westbound one is under it too
    assert attrs["span"] == "primary:0:3" and attrs["span_width"] == pytest.approx(3 * LANE)
    assert not attrs["no_at_grade"]
    assert {(d["name"], d["carriageway"]) for _, _, d in g.edges(node, data=True)} == {("Da Lu", True)}
    assert not any(d["bridge"] for _, _, d in g.edges(node, data=True))  # the deck stays apart
    assert g.graph["mapped_facilities"] == {"footbridge": 1}
    assert g.graph["access_defaulted"] == 0

    graph, crossings = build_walk_graph(g)
    bridge = next(c for c in crossings.values() if c.grade_separated)
    below = crossings[f"{bridge.id}~grade"]
    assert (bridge.facility, bridge.name, bridge.highway, bridge.access) == ("footbridge", "Da Lu", "primary",
                                                                          "stairs")
    assert (bridge.climb, bridge.inferred, bridge.lanes) == (CLIMB, False, (3, 3))
    assert bridge.length == pytest.approx(6 * LANE + 2 * CLIMB * RUN)
    assert bridge.volume == pytest.approx((3 * PER_LANE["primary"], 3 * PER_LANE["primary"]))
    assert (below.informal, below.inferred, below.lanes, below.length) == (True, True, (3, 3),
                                                                           pytest.approx(6 * LANE))
    # from Nan Lu to Bei Lu: beneath the bridge when allowed, else over it, and no other way
    a, b = corner(graph, 12, north=True), corner(graph, 13, north=False)
    assert path_crossings(graph, nx.shortest_path(graph, a, b, weight="length")) == [below.id]
    graph.remove_edges_from([(u, v) for u, v, c in graph.edges(data="crossing") if c == below.id])
    path = nx.shortest_path(graph, a, b, weight="length")
    assert path_crossings(graph, path) == [bridge.id]
    walked = sum(graph.edges[u, v]["length"] for u, v in pairwise(path))
    assert walked == pytest.approx(20 + 70 + 20 + 2 * CLIMB * RUN, abs=0.5)  # steps, deck, steps, stairs' run
    graph.remove_edges_from([(u, v) for u, v, c in graph.edges(data="crossing") if c == bridge.id])
    assert not nx.has_path(graph, a, b)  # the deck is no way over the westbound carriageway


def test_the_deck_half_over_the_other_carriageway_is_not_reached_from_the_median(tmp_path: Path) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path))
    graph, _ = build_walk_graph(g)
    [node] = grade_nodes(g)
    deck_end = ("d", node, 1)
    assert graph.nodes[deck_end]["kind"] == "deck"
    kinds = sorted(d["kind"] for _, _, d in graph.edges(deck_end, data=True))
    assert kinds in (["crossing", "footway", "link"], ["crossing", "crossing", "footway"])
    # the Nan Lu side lands on Da Lu's outer sidewalk: the bridge starts at its corner
    south = next(n for n in graph.nodes if n[:2] == ("c", node) and graph.nodes[n]["y"] < Y0)
    assert {d["kind"] for _, _, d in graph.edges(south, data=True)} >= {"sidewalk", "footway", "crossing"}


@pytest.mark.parametrize(("south", "north", "landing", "access", "defaulted"), [
    (STEPS, STEPS, {}, "stairs", False),
    (FOOTWAY, FOOTWAY, {}, "stairs", True),  # nothing said: stairs, counted as a default
    (FOOTWAY | {"incline": "up"}, STEPS, {}, "ramp", False),
    (FOOTWAY | {"incline": "8%"}, FOOTWAY, {}, "ramp", False),
    (FOOTWAY | {"ramp": "yes"}, STEPS, {}, "ramp", False),
    (STEPS | {"ramp:wheelchair": "yes"}, STEPS, {}, "ramp", False),
    (STEPS | {"incline": "up"}, STEPS, {}, "stairs", False),  # steps going up are no ramp
    (FOOTWAY | {"incline": "0%"}, FOOTWAY, {}, "stairs", True),
    (STEPS, STEPS, {"highway": "elevator"}, "lift", False),
    (STEPS, STEPS, {"elevator": "yes"}, "lift", False),
    (FOOTWAY | {"ramp": "yes"}, STEPS, {"highway": "elevator"}, "lift", False),
])
def test_access_is_read_from_the_approaches(tmp_path: Path, south: dict, north: dict, landing: dict,
                                            access: str, defaulted: bool) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path, south=south, north=north, landing=landing))
    [attrs] = grade_nodes(g).values()
    assert (attrs["access"], attrs["access_defaulted"]) == (access, defaulted)
    assert g.graph["access_defaulted"] == int(defaulted)
    _, crossings = build_walk_graph(g)
    assert {c.access for c in crossings.values() if c.grade_separated} == {access}


def test_an_elevator_way_and_a_lift_node_on_an_approach_mean_a_lift() -> None:
    ways = {1: ((1, 2), DECK), 2: ((2, 3), FOOTWAY), 3: ((2, 4), {"highway": "elevator"}),
            4: ((9, 1), STEPS), 5: ((3, 5), {"highway": "elevator"}),  # one way further: not read
            10: ((11, 12), DECK), 11: ((12, 13), STEPS), 12: ((13, 14), FOOTWAY | {"ramp": "yes"}),
            20: ((21, 22), {"highway": "footway", "tunnel": "yes"}), 21: ((22, 23), FOOTWAY),
            30: ((31, 32), {"highway": "path", "layer": "-1"}), 31: ((32, 33), FOOTWAY)}
    lifts = {33: {"lift": "yes"}}
    found = structure_access(ways, lambda n: lifts.get(n, {}))
    assert found == {1: ("footbridge", "lift", False), 10: ("footbridge", "stairs", False),
                     20: ("underpass", "stairs", True), 30: ("underpass", "lift", False)}


@pytest.mark.parametrize(("deck", "facility"), [
    ({"highway": "footway", "tunnel": "yes", "layer": "-1"}, "underpass"),
    ({"highway": "footway", "layer": "-1"}, "underpass"),
    ({"highway": "steps", "tunnel": "yes"}, "underpass"),
    ({"highway": "pedestrian", "bridge": "viaduct"}, "footbridge"),
    ({"highway": "path", "layer": "1"}, "footbridge"),
    ({"highway": "footway", "tunnel": "building_passage"}, None),
    ({"highway": "footway", "tunnel": "covered"}, None),
    ({"highway": "footway", "layer": "-1", "covered": "yes"}, None),
    ({"highway": "footway", "layer": "-1", "cutting": "yes"}, None),
    ({"highway": "footway", "layer": "-1", "indoor": "yes"}, None),
    ({"highway": "footway", "bridge": "no"}, None),
])
def test_which_paths_pass_over_or_under(tmp_path: Path, deck: dict, facility: str | None) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path, deck=deck))
    assert [d["crossing"] for d in grade_nodes(g).values()] == ([facility] if facility else [])
    _, crossings = build_walk_graph(g)
    grade = [c for c in crossings.values() if c.grade_separated]
    assert [c.facility for c in grade] == ([facility] if facility else [])
    if facility == "underpass":
        assert grade[0].climb == P["grade.underpass_climb"]


def test_a_deck_over_a_road_tunnel_or_touching_the_road_crosses_nothing(tmp_path: Path) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path, road={"tunnel": "yes", "layer": "-1"}))
    assert not grade_nodes(g)
    nodes = {1: (-100, 0), 2: (0, 0), 3: (100, 0), 11: (0, -30), 12: (0, 30)}
    ways = {1: ([1, 2, 3], {"highway": "primary"}), 2: ([11, 2, 12], DECK)}  # shares node 2
    assert not grade_nodes(street_graph_from_file(write_osm(tmp_path, nodes, ways, name="touch.osm")))


# --- roads nobody crosses at grade -----------------------------------------------------------


def tee(tmp_path: Path, leg: dict, *, centre: dict | None = None, name: str = "tee.osm") -> nx.MultiDiGraph:
    """Dong Lu (residential) through node 2 at (0, 0); ``leg`` leaves it southwards to node 5."""
    nodes = {1: (-200, 0), 2: (0, 0, centre or {}), 3: (200, 0), 5: (0, -300)}
    ways = {1: ([1, 2, 3], {"highway": "residential", "name": "Dong Lu"}), 2: ([2, 5], leg)}
    return street_graph_from_file(write_osm(tmp_path, nodes, ways, name=name))


def crossed(crossings: dict[str, Crossing], name: str) -> set[str]:
    """Ids of the crossings across the road named ``name``."""
    return {cid for cid, c in crossings.items() if c.name == name}


@pytest.mark.parametrize(("leg", "blocked"), [
    ({"highway": "motorway_link", "oneway": "yes", "name": "Ramp"}, True),
    ({"highway": "motorway", "name": "Ramp"}, True),
    ({"highway": "primary", "motorroad": "yes", "name": "Ramp"}, True),
    ({"highway": "primary", "crossing": "no", "name": "Ramp"}, True),
    ({"highway": "primary", "foot": "no", "name": "Ramp"}, True),
    ({"highway": "trunk", "barrier": "guard_rail", "name": "Ramp"}, True),
    ({"highway": "trunk", "name": "Ramp"}, False),
    ({"highway": "primary", "name": "Ramp"}, False),
])
def test_no_crossing_is_inferred_across_a_road_walkers_may_not_cross(tmp_path: Path, leg: dict,
                                                                      blocked: bool) -> None:
    g = tee(tmp_path, leg)
    assert {d["no_at_grade"] for _, _, d in g.edges(data=True) if d["name"] == "Ramp"} == {blocked}
    assert g.graph["no_at_grade"] == int(blocked)
    _, crossings = build_walk_graph(g)
    # at the junction and at the far dead end
    assert len(crossed(crossings, "Ramp")) == (0 if blocked else 2)
    assert len(crossed(crossings, "Dong Lu")) == 4  # two at the junction, one at each end


def test_a_signal_or_a_mapped_crossing_still_crosses_a_motorway_leg(tmp_path: Path) -> None:
    leg = {"highway": "motorway_link", "oneway": "yes", "name": "Ramp"}
    _, signalled = build_walk_graph(tee(tmp_path, leg, centre={"highway": "traffic_signals"}))
    assert [signalled[c].facility for c in crossed(signalled, "Ramp")] == ["signal"]
    zebra = {"highway": "crossing", "crossing": "marked"}
    _, marked = build_walk_graph(tee(tmp_path, leg, centre=zebra, name="zebra.osm"))
    assert [marked[c].facility for c in crossed(marked, "Ramp")] == ["zebra"]


def test_a_crossing_no_node_gets_no_crossing(tmp_path: Path) -> None:
    g = tee(tmp_path, {"highway": "residential", "name": "Nan Lu"},
            centre={"highway": "crossing", "crossing": "no"})
    assert g.nodes[2]["no_crossing"] is True
    _, crossings = build_walk_graph(g)
    assert not [c for c in crossings.values() if c.node == 2]


def test_a_footbridge_over_a_motorway_has_no_way_across_beneath_it(tmp_path: Path) -> None:
    g = street_graph_from_file(dual_carriageway(tmp_path, road={"highway": "motorway", "name": "G4"}))
    [attrs] = grade_nodes(g).values()
    assert attrs["no_at_grade"]
    _, crossings = build_walk_graph(g)
    assert [c.facility for c in crossings.values() if c.name == "G4"] == ["footbridge"]
    assert not any(c.informal for c in crossings.values())


def fenced_trunk(tmp_path: Path, offset: float, share: float) -> nx.MultiDiGraph:
    """A 4-lane trunk road (14 m wide) along y = 0 and a fence ``offset`` m north along ``share`` of it."""
    nodes = {1: (-200, 0), 2: (0, 0), 3: (200, 0), 5: (0, -300), 40: (-200, offset),
             41: (-200 + 400 * share, offset)}
    ways = {1: ([1, 2, 3], {"highway": "trunk", "lanes": "4", "name": "Huan Lu"}),
            2: ([2, 5], {"highway": "residential", "name": "Nan Lu"}), 4: ([40, 41], {"barrier": "fence"})}
    return street_graph_from_file(write_osm(tmp_path, nodes, ways, name=f"fence-{offset}-{share}.osm"))


@pytest.mark.parametrize(("offset", "share", "fenced"), [
    (8.0, 1.0, True),  # at the kerb: 7 m half width + 3 m margin reach 10 m
    (8.0, 0.6, True),
    (8.0, 0.3, False),  # a short fence leaves most of the road open
    (25.0, 1.0, False),  # a compound's fence behind the sidewalk does not line the road
])
def test_a_trunk_road_lined_by_a_fence_is_crossed_only_where_mapped(tmp_path: Path, offset: float,
                                                                     share: float, fenced: bool) -> None:
    g = fenced_trunk(tmp_path, offset, share)
    assert {d["no_at_grade"] for _, _, d in g.edges(data=True) if d["name"] == "Huan Lu"} == {fenced}
    _, crossings = build_walk_graph(g)
    assert len(crossed(crossings, "Huan Lu")) == (0 if fenced else 4)


def test_fence_parameters_are_read(tmp_path: Path) -> None:
    from simulator.network.osm import graph_from_osm
    from simulator.network.osmdata import read_osm

    fenced_trunk(tmp_path, 8.0, 1.0)
    data = read_osm(tmp_path / "fence-8.0-1.0.osm")
    near = graph_from_osm(data, params=P.with_overrides({"osm.fence_margin": 0.0}))
    assert not any(d["no_at_grade"] for _, _, d in near.edges(data=True))  # 8 m > 7 m half width
    most = graph_from_osm(data, params=P.with_overrides({"osm.fence_share": 1.0}))
    assert all(d["no_at_grade"] for _, _, d in most.edges(data=True) if d["name"] == "Huan Lu")


# --- the real extracts -----------------------------------------------------------------------


@cache
def xml_lines(path: Path) -> tuple[dict[int, tuple[dict[str, str], LineString]], Transformer]:
    """Every way with two nodes or more as a projected line, read independently of the loader."""
    with bz2.open(path) as f:
        root = ET.parse(f).getroot()
    coords = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    lat = sum(c[1] for c in coords.values()) / len(coords)
    lon = sum(c[0] for c in coords.values()) / len(coords)
    zone = int((lon + 180) // 6) + 1
    to_m = Transformer.from_crs("EPSG:4326", f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}",
                                always_xy=True)
    out = {}
    for w in root.iter("way"):
        refs = [int(r.get("ref")) for r in w.iter("nd")]
        pts = [to_m.transform(*coords[r]) for r in refs if r in coords]
        if len(pts) >= 2:
            out[int(w.get("id"))] = ({t.get("k"): t.get("v") for t in w.iter("tag")}, LineString(pts))
    return out, to_m


@cache
def network(path: Path, school: str, catchment_m: float = 1000.0) -> WalkNetwork:
    return walk_network_from_site(site_from_file(path, school=school, catchment_m=catchment_m))


def grade_crossings(net: WalkNetwork) -> list[Crossing]:
    return sorted((c for c in net.crossings.values() if c.grade_separated), key=lambda c: c.id)


def check_against_the_xml(path: Path, crossings: list[Crossing]) -> None:
    """Each grade-separated crossing lies where a mapped deck crosses a road of its name, in plan."""
    ways, _ = xml_lines(path)
    decks = {"footbridge": [], "underpass": []}
    for tags, line in ways.values():
        if tags.get("highway") in {"footway", "path", "steps", "pedestrian", "cycleway"}:
            layer = int(tags.get("layer", "0"))
            if tags.get("bridge", "no") != "no" or layer > 0:
                decks["footbridge"].append(line)
            elif tags.get("tunnel", "no") not in ("no", "building_passage") or layer < 0:
                decks["underpass"].append(line)
    for c in crossings:
        p = Point(c.x, c.y)
        named = (c.name, c.highway)
        roads = [line for tags, line in ways.values()
                 if (tags.get("name:zh") or tags.get("name", ""), tags.get("highway")) == named]
        assert any(line.distance(p) < 1.0 for line in decks[c.facility]), c.id
        assert any(line.distance(p) < 1.0 for line in roads), c.id


@needs_extracts
def test_shenzhen_footbridges_and_underpasses_are_crossings_of_the_roads_below() -> None:
    net = network(SHENZHEN, "华南师范大学附属龙岗大运学校")
    grade = grade_crossings(net)
    check_against_the_xml(SHENZHEN, grade)
    roads = {(c.facility, c.name or c.highway) for c in grade}
    assert {("footbridge", "龙岗大道"), ("footbridge", "龙翔大道"), ("footbridge", "惠盐高速"),
            ("underpass", "龙飞大道"), ("underpass", "龙翔大道"), ("underpass", "爱南路")} <= roads
    # the steps of the 龙飞大道 tunnels are mapped; the 龙翔大道 bridge has a sloping footway up
    assert {c.access for c in grade if c.name == "龙飞大道"} == {"stairs"}
    assert {c.access for c in grade if c.name == "龙翔大道" and c.facility == "footbridge"} == {"ramp"}
    street = net.street
    assert not any(street.nodes[c.node]["access_defaulted"] for c in grade if c.name == "龙飞大道")
    assert street.graph["access_defaulted"] == sum(
        bool(d.get("access_defaulted")) for _, d in street.nodes(data=True))
    # a bridge over both carriageways of 龙岗大道: the way across beneath it crosses six lanes
    assert any(c.name == "龙岗大道" and c.lanes == (3, 3) for c in grade)
    for c in grade:
        below = net.crossings.get(f"{c.id}~grade")
        assert (below is None) == (c.highway in MOTORWAYS), c.id
        if below is not None:
            assert (below.lanes, below.volume, below.name) == (c.lanes, c.volume, c.name)


@needs_extracts
def test_shenzhen_motorways_get_no_inferred_crossing() -> None:
    net = network(SHENZHEN, "华南师范大学附属龙岗大运学校")
    assert "x-10-268640759" not in net.crossings  # across 沈海高速 at the extract's edge
    at_grade = [c for c in net.crossings.values() if c.highway in MOTORWAYS and not c.grade_separated]
    assert all(not c.inferred for c in at_grade)
    assert net.street.graph["no_at_grade"] > 50
    assert len(net.home_nodes) > 5  # the school is still reached


@needs_extracts
def test_beijing_footbridges_are_crossings_of_the_roads_below() -> None:
    net = network(BEIJING, "中国农业大学附属实验小学")
    grade = grade_crossings(net)
    check_against_the_xml(BEIJING, grade)
    by_road = {c.name: c for c in grade}
    assert set(by_road) == {"学清路", "清华东路", "石板房南路", "京藏高速"}
    assert {c.facility for c in grade} == {"footbridge"}
    # 裕京大厦天桥 over 学清路 has mapped steps; the others say nothing: stairs by default
    assert by_road["学清路"].access == "stairs"
    assert [c.name for c in grade if net.street.nodes[c.node]["access_defaulted"]] == [
        c.name for c in grade if c.name != "学清路"]
    # the bridge over 京藏高速 spans the motorway, its ramp and the G6 side road: no way beneath
    assert by_road["京藏高速"].lanes[0] + by_road["京藏高速"].lanes[1] >= 9
    assert f"{by_road['京藏高速'].id}~grade" not in net.crossings
    assert f"{by_road['石板房南路'].id}~grade" in net.crossings


def lift_on(net: WalkNetwork, cid: str) -> WalkNetwork:
    return replace(net, crossings={**net.crossings, cid: replace(net.crossings[cid], access="lift")})


@needs_extracts
@pytest.mark.parametrize(("path", "school", "catchment", "road"), [
    (BEIJING, "中国农业大学附属实验小学", 1000.0, "石板房南路"),
    (SHENZHEN, "龙岗外国语学校", 3000.0, "龙岗大道"),
])
def test_a_lift_on_a_real_footbridge_takes_step_free_children_over_it(
        path: Path, school: str, catchment: float, road: str) -> None:
    """Homes whose walk goes over the bridge: without a lift their step-free route crosses beneath it."""
    net = network(path, school, catchment)
    stairs = route_choices(net, params=P)
    over = {home: c for home, c in stairs.items() for cid in c.compliant.crossings
            if net.crossings[cid].grade_separated and net.crossings[cid].name == road}
    assert over
    cid = next(x for c in over.values() for x in c.compliant.crossings if net.crossings[x].name == road
               and net.crossings[x].grade_separated)
    lifted = lift_on(net, cid)
    with_lift = route_choices(lifted, params=P)
    for home, choice in over.items():
        free, beneath = choice.step_free_routes()
        assert free is None or cid not in free.crossings
        assert forced_at_grade(beneath.crossings, net.crossings) >= 1
        free, _ = with_lift[home].step_free_routes()
        assert free is not None and cid in free.crossings
        assert forced_at_grade(free.crossings, lifted.crossings) == 0


@needs_extracts
def test_the_access_intervention_names_a_real_footbridge(tmp_path: Path) -> None:
    net = network(BEIJING, "中国农业大学附属实验小学")
    cid = next(c.id for c in grade_crossings(net) if c.name == "石板房南路")
    site = {"map": str(BEIJING), "school": "中国农业大学附属实验小学"}
    scenarios = [scenario_from_mapping({"name": "stairs", "site": site, "children": 50}, origin="a"),
                 scenario_from_mapping({"name": "lift", "site": site, "children": 50,
                                        "interventions": [{"type": "access", "crossings": [cid],
                                                           "access": "lift"}]}, origin="b")]
    settings, _ = settings_from_scenarios([("a", scenarios[0]), ("b", scenarios[1])])
    assert [s.network.crossings[cid].access for s in settings] == ["stairs", "lift"]
    assert math.isclose(settings[1].network.crossings[cid].climb, CLIMB)
