"""Walk graph: corners, sidewalks, crossings and attaching the school and homes."""

from __future__ import annotations

import math
import zlib
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pytest
from shapely import LineString

from simulator.crossing import Signal
from simulator.errors import NetworkError
from simulator.network.attach import edge_shape
from simulator.network.site import Home, School, Site
from simulator.network.walk import (
    add_informal_crossing,
    build_walk_graph,
    path_crossings,
    walk_network_from_site,
)
from simulator.params import default_parameters

PARAMS = default_parameters()
LANE = PARAMS["traffic.lane_width"]
PER_LANE = PARAMS["traffic.peak_volume_per_lane"]


# --- street graphs that follow the contract of simulator.network.site ------------------


def road(name: str = "Dong Lu", highway: str = "tertiary", lanes: int = 2, **extra: Any) -> dict:
    """Attributes of a carriageway edge."""
    attrs = {"highway": highway, "lanes": lanes, "width": lanes * LANE, "maxspeed": 40.0,
             "oneway": False, "name": name, "walk": True, "carriageway": True,
             "median_fence": False}
    return attrs | extra


def footway(**extra: Any) -> dict:
    """Attributes of a car-free path."""
    attrs = {"highway": "footway", "lanes": 0, "width": 0.0, "maxspeed": 0.0, "oneway": False,
             "name": "", "walk": True, "carriageway": False, "median_fence": False}
    return attrs | extra


def street(nodes: dict[int, tuple], edges: list[tuple]) -> nx.MultiDiGraph:
    """A street graph: nodes ``id -> (x, y[, attrs])``; edges ``(u, v, attrs[, key])``.

    Two-way edges get both directions, as OSMnx does; ``via`` in attrs bends the edge.
    """
    g = nx.MultiDiGraph(crs="EPSG:32649", name="test", source="test", defaulted={})
    for n, (x, y, *rest) in nodes.items():
        g.add_node(n, x=float(x), y=float(y), **({"signal": False} | (rest[0] if rest else {})))
    for u, v, attrs, *key in edges:
        data = dict(attrs)
        pts = [(g.nodes[u]["x"], g.nodes[u]["y"]), *data.pop("via", []),
               (g.nodes[v]["x"], g.nodes[v]["y"])]
        line = LineString(pts)
        data.setdefault("length", line.length)
        if len(pts) > 2:
            data["geometry"] = line
        k = key[0] if key else 0
        g.add_edge(u, v, key=k, **data)
        if not data["oneway"]:
            back = data | ({"geometry": line.reverse()} if len(pts) > 2 else {})
            g.add_edge(v, u, key=k, **back)
    return g


def cross(centre: dict | None = None, ew: dict | None = None, ns: dict | None = None,
          north: dict | None = None) -> nx.MultiDiGraph:
    """A four-way junction at node 0 with arms 1 (east), 2 (north), 3 (west), 4 (south)."""
    ew = ew or road("Dong Lu")
    ns = ns or road("Bei Lu")
    nodes = {0: (0, 0, centre or {}), 1: (100, 0), 2: (0, 100), 3: (-100, 0), 4: (0, -100)}
    return street(nodes, [(3, 0, ew), (0, 1, ew), (0, 2, north or ns), (4, 0, ns)])


def tee() -> nx.MultiDiGraph:
    """A T-junction: Dong Lu runs east-west through node 0, Nan Lu leaves it southwards."""
    nodes = {0: (0, 0), 1: (100, 0), 3: (-100, 0), 4: (0, -100)}
    return street(nodes, [(3, 0, road("Dong Lu")), (0, 1, road("Dong Lu")),
                          (4, 0, road("Nan Lu"))])


def midblock(attrs: dict, edge: dict | None = None) -> nx.MultiDiGraph:
    """Dong Lu from node 0 (west) through node 1 (0, 0) to node 2 (east)."""
    edge = edge or road()
    return street({0: (-100, 0), 1: (0, 0, attrs), 2: (100, 0)}, [(0, 1, edge), (1, 2, edge)])


def at_node(crossings: dict, node: int) -> dict:
    """The crossings at one street node."""
    return {cid: c for cid, c in crossings.items() if c.node == node}


def corners(graph: nx.Graph, node: int) -> list:
    """Walk nodes of one street node."""
    return [n for n, d in graph.nodes(data=True) if d["street_node"] == node]


def corner_at(graph: nx.Graph, node: int, sx: int, sy: int) -> Any:
    """The corner of a street node in the quadrant of signs (sx, sy)."""
    found = [n for n in corners(graph, node)
             if sx * graph.nodes[n]["x"] > 0 and sy * graph.nodes[n]["y"] > 0]
    assert len(found) == 1
    return found[0]


def shortest(graph: nx.Graph, a: Any, b: Any) -> list:
    """Shortest walk path by length."""
    return nx.shortest_path(graph, a, b, weight="length")


# --- junctions -------------------------------------------------------------------------


def test_four_way_junction_has_four_corners_and_four_crossings() -> None:
    graph, crossings = build_walk_graph(cross())
    assert len(corners(graph, 0)) == 4
    assert all(graph.nodes[n]["kind"] == "corner" for n in corners(graph, 0))
    here = at_node(crossings, 0)
    assert sorted(here) == ["x0-1", "x0-2", "x0-3", "x0-4"]
    for c in here.values():
        assert c.length == pytest.approx(2 * LANE)
        assert c.lanes == (1, 1)
        assert c.volume == (PER_LANE["tertiary"], PER_LANE["tertiary"])
        assert c.edge[0] == 0
    assert here["x0-1"].name == "Dong Lu"
    assert here["x0-2"].name == "Bei Lu"
    assert here["x0-1"].x > 0
    assert here["x0-1"].y == pytest.approx(0)
    edges = {d["crossing"]: (a, b) for a, b, d in graph.edges(data=True) if d["crossing"]}
    assert {graph.nodes[n]["y"] > 0 for n in edges["x0-1"]} == {True, False}


def test_diagonal_corner_needs_exactly_two_crossings() -> None:
    graph, _ = build_walk_graph(cross())
    ne, sw = corner_at(graph, 0, 1, 1), corner_at(graph, 0, -1, -1)
    used = path_crossings(graph, shortest(graph, ne, sw))
    assert len(used) == 2
    assert set(used) in ({"x0-2", "x0-3"}, {"x0-1", "x0-4"})
    nw = corner_at(graph, 0, -1, 1)
    assert path_crossings(graph, shortest(graph, ne, nw)) == ["x0-2"]


def test_without_crossing_edges_the_four_corners_are_cut_apart() -> None:
    graph, _ = build_walk_graph(cross())
    graph.remove_edges_from([(a, b) for a, b, k in graph.edges(data="kind") if k == "crossing"])
    parts = {n: i for i, part in enumerate(nx.connected_components(graph)) for n in part}
    assert len({parts[n] for n in corners(graph, 0)}) == 4


def test_sidewalks_run_beside_their_road_and_never_across_it() -> None:
    g = cross()
    graph, _ = build_walk_graph(g)
    centre = {f"e{min(u, v)}-{max(u, v)}": LineString([(g.nodes[u]["x"], g.nodes[u]["y"]),
                                                      (g.nodes[v]["x"], g.nodes[v]["y"])])
              for u, v in g.edges()}
    sidewalks = [(a, b, d) for a, b, d in graph.edges(data=True) if d["kind"] == "sidewalk"]
    assert len(sidewalks) == 8
    for a, b, d in sidewalks:
        assert not edge_shape(graph, a, b).intersects(centre[d["street"]])
    left = [(a, b) for a, b, d in sidewalks if d["street"] == "e0-1" and d["side"] == "left"]
    assert len(left) == 1
    assert all(graph.nodes[n]["y"] > 0 for n in left[0])  # 0 -> 1 runs east: left is north
    right = [(a, b) for a, b, d in sidewalks if d["street"] == "e0-2" and d["side"] == "right"]
    assert all(graph.nodes[n]["x"] > 0 for n in right[0])  # 0 -> 2 runs north: right is east


def test_sidewalks_of_a_curved_road_follow_it_on_their_own_side() -> None:
    bend = road(via=[(50, 40), (100, 40)])
    g = street({0: (0, 0), 1: (150, 0), 2: (-100, 0), 3: (0, -100)},
               [(0, 1, bend), (2, 0, road()), (3, 0, road("Nan Lu"))])
    graph, _ = build_walk_graph(g)
    centre = g.edges[0, 1, 0]["geometry"]
    shapes = {d["side"]: edge_shape(graph, a, b) for a, b, d in graph.edges(data=True)
              if d["street"] == "e0-1"}
    assert set(shapes) == {"left", "right"}
    for shape in shapes.values():
        assert not shape.intersects(centre)
        assert shape.distance(centre) > 2 * LANE / 2
        assert len(shape.coords) == 4
    assert shapes["left"].centroid.y > centre.centroid.y > shapes["right"].centroid.y
    assert graph.edges[next((a, b) for a, b, d in graph.edges(data=True)
                            if d.get("side") == "left" and d["street"] == "e0-1")][
        "length"] == pytest.approx(centre.length)


def test_corners_sit_where_the_sidewalk_lines_meet() -> None:
    graph, _ = build_walk_graph(cross())
    reach = LANE + PARAMS["walk.corner_offset"]
    ne = corner_at(graph, 0, 1, 1)
    assert (graph.nodes[ne]["x"], graph.nodes[ne]["y"]) == pytest.approx((reach, reach))


def test_corner_between_roads_of_different_widths_keeps_each_sidewalk_straight() -> None:
    graph, _ = build_walk_graph(cross(ew=road("Minzu Dadao", "primary", 6)))
    offset = PARAMS["walk.corner_offset"]
    ne = corner_at(graph, 0, 1, 1)
    assert (graph.nodes[ne]["x"], graph.nodes[ne]["y"]) == pytest.approx(
        (LANE + offset, 3 * LANE + offset))
    east_of_bei_lu = next((a, b) for a, b, d in graph.edges(data=True)
                          if d.get("street") == "e0-2" and d["side"] == "right")
    assert [graph.nodes[n]["x"] for n in east_of_bei_lu] == pytest.approx([LANE + offset] * 2)


def test_t_junction_has_three_corners_and_three_crossings() -> None:
    graph, crossings = build_walk_graph(tee())
    assert len(corners(graph, 0)) == 3
    assert sorted(at_node(crossings, 0)) == ["x0-1", "x0-3", "x0-4"]
    north = next(n for n in corners(graph, 0) if graph.nodes[n]["y"] > 0)
    se, sw = corner_at(graph, 0, 1, -1), corner_at(graph, 0, -1, -1)
    assert path_crossings(graph, shortest(graph, north, se)) == ["x0-1"]
    assert path_crossings(graph, shortest(graph, se, sw)) == ["x0-4"]


def test_bend_between_two_named_roads_is_a_junction() -> None:
    g = street({0: (0, 0), 1: (100, 0), 2: (0, 100)},
               [(0, 1, road("Dong Lu")), (0, 2, road("Bei Lu"))])
    graph, crossings = build_walk_graph(g)
    assert sorted(at_node(crossings, 0)) == ["x0-1", "x0-2"]
    inner, outer = corner_at(graph, 0, 1, 1), corner_at(graph, 0, -1, -1)
    joining = {d["crossing"] for a, b, d in graph.edges(data=True)
               if d["kind"] == "crossing" and {a, b} & {inner, outer}}
    assert joining == {"x0-1", "x0-2"}  # both kept although they join the same corners
    assert sum(1 for *_, k in graph.edges(data="kind") if k == "link") == 1


def test_footway_leg_merges_the_corners_beside_it() -> None:
    graph, crossings = build_walk_graph(cross(north=footway()))
    assert len(corners(graph, 0)) == 3
    assert sorted(at_node(crossings, 0)) == ["x0-1", "x0-3", "x0-4"]
    north = next(n for n in corners(graph, 0) if graph.nodes[n]["y"] > 0)
    assert graph.nodes[north]["x"] == pytest.approx(0)
    paths = [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "footway"]
    assert len(paths) == 1
    assert north in paths[0]
    east_north = next(b for a, b, d in graph.edges(north, data=True) if d.get("street") == "e0-1")
    west_north = next(b for a, b, d in graph.edges(north, data=True) if d.get("street") == "e0-3")
    assert path_crossings(graph, shortest(graph, east_north, west_north)) == []
    assert not at_node(crossings, 2)  # a footway end is not a dead end of a road


def test_footway_on_a_bridge_over_a_road_is_a_plain_footway() -> None:
    g = street({0: (0, 0), 1: (200, 0), 10: (100, -50), 11: (100, 50)},
               [(0, 1, road()), (10, 11, footway(bridge=True))])
    graph, crossings = build_walk_graph(g)
    assert [d["street"] for *_, d in graph.edges(data=True) if d["kind"] == "footway"] == [
        "e10-11"]
    assert not at_node(crossings, 10) and not at_node(crossings, 11)


def test_parallel_edges_keep_all_four_sidewalks() -> None:
    g = street({0: (0, 0), 1: (100, 0)},
               [(0, 1, road()), (0, 1, road(via=[(50, 40)]), 1)])
    graph, _ = build_walk_graph(g)
    sides = sorted((d["street"], d["side"]) for *_, d in graph.edges(data=True)
                   if d["kind"] == "sidewalk")
    assert sides == [("e0-1", "left"), ("e0-1", "right"), ("e0-1k1", "left"),
                     ("e0-1k1", "right")]
    # the two inner sidewalks join the same corners, and so do the two outer ones
    assert sum(1 for *_, k in graph.edges(data="kind") if k == "link") == 2


# --- median fences, midblock crossings, grade separation -------------------------------


def test_median_fence_stops_crossings_of_the_arterial_at_an_unsignalised_junction() -> None:
    arterial = road("Minzu Dadao", "primary", 6, median_fence=True, maxspeed=60.0)
    _, crossings = build_walk_graph(cross(ew=arterial))
    assert sorted(at_node(crossings, 0)) == ["x0-2", "x0-4"]


def test_median_fence_does_not_stop_crossings_at_a_signal() -> None:
    arterial = road("Minzu Dadao", "primary", 6, median_fence=True, maxspeed=60.0)
    _, crossings = build_walk_graph(cross(centre={"signal": True}, ew=arterial))
    here = at_node(crossings, 0)
    assert sorted(here) == ["x0-1", "x0-2", "x0-3", "x0-4"]
    offset = float(zlib.crc32(b"0") % 120)
    for c in here.values():
        assert c.facility == "signal"
        assert not c.inferred
        assert c.signal == Signal(cycle=120.0, green=30.0, offset=offset)
    assert here["x0-1"].speed_limit == 60.0


def test_median_fence_does_not_stop_a_mapped_crossing() -> None:
    arterial = road("Minzu Dadao", "primary", 6, median_fence=True)
    _, crossings = build_walk_graph(cross(centre={"crossing": "zebra"}, ew=arterial))
    here = at_node(crossings, 0)
    assert len(here) == 4
    assert {c.facility for c in here.values()} == {"zebra"}
    assert all(c.signal is None for c in here.values())


def test_midblock_zebra_is_one_crossing_between_the_two_sides() -> None:
    graph, crossings = build_walk_graph(midblock({"crossing": "zebra"}))
    here = at_node(crossings, 1)
    assert list(here) == ["x1-0"]
    zebra = here["x1-0"]
    assert (zebra.facility, zebra.inferred, zebra.edge) == ("zebra", False, (1, 0, 0))
    assert (zebra.x, zebra.y) == pytest.approx((0, 0))
    sides = corners(graph, 1)
    assert len(sides) == 2
    assert {graph.nodes[n]["kind"] for n in sides} == {"side"}
    assert path_crossings(graph, shortest(graph, *sides)) == ["x1-0"]


def test_node_inside_a_road_has_no_crossing_unless_mapped() -> None:
    graph, crossings = build_walk_graph(midblock({}))
    assert not at_node(crossings, 1)
    _, signalled = build_walk_graph(midblock({"signal": True}))
    assert not at_node(signalled, 1)
    north, south = sorted(corners(graph, 1), key=lambda n: graph.nodes[n]["y"])[::-1]
    assert path_crossings(graph, shortest(graph, north, south)) in (["x0-1"], ["x2-1"])


def test_footbridge_is_a_grade_separated_crossing_with_an_informal_one_beside_it() -> None:
    arterial = road("Minzu Dadao", "primary", 6)
    graph, crossings = build_walk_graph(midblock({"crossing": "footbridge"}, arterial))
    bridge, below = crossings["x1-0"], crossings["x1-0~grade"]
    climb, run = PARAMS["grade.footbridge_climb"], PARAMS["grade.stair_horizontal_per_m"]
    assert bridge.facility == "footbridge" and bridge.grade_separated
    assert bridge.climb == climb
    assert bridge.length == pytest.approx(6 * LANE + 2 * climb * run)
    assert not bridge.inferred and not bridge.informal
    assert (below.facility, below.informal, below.inferred, below.climb) == (
        "unmarked", True, True, 0.0)
    assert below.length == pytest.approx(6 * LANE)
    assert at_node(crossings, 1).keys() == {"x1-0", "x1-0~grade"}
    north, south = sorted(corners(graph, 1), key=lambda n: -graph.nodes[n]["y"])
    assert path_crossings(graph, shortest(graph, north, south)) == ["x1-0~grade"]
    path = shortest(graph, north, south)
    crossed = sum(graph.edges[a, b]["length"] for a, b in pairwise(path))
    assert crossed == pytest.approx(6 * LANE)
    graph.remove_edges_from([(a, b) for a, b, c in graph.edges(data="crossing")
                             if c == "x1-0~grade"])
    assert path_crossings(graph, shortest(graph, north, south)) == ["x1-0"]


def test_informal_crossing_added_beside_an_existing_one() -> None:
    graph, _ = build_walk_graph(midblock({"crossing": "zebra"}))
    copy = add_informal_crossing(graph.copy(), "x1-0", "x1-0~grade")
    edges = {d["crossing"]: d["length"] for *_, d in copy.edges(data=True) if d["crossing"]}
    assert edges["x1-0~grade"] == edges["x1-0"] == pytest.approx(2 * LANE)
    assert "x1-0~grade" not in {c for *_, c in graph.edges(data="crossing")}
    north, south = sorted(corners(copy, 1), key=lambda n: -copy.nodes[n]["y"])
    copy.remove_edges_from([(a, b) for a, b, c in copy.edges(data="crossing") if c == "x1-0"])
    assert path_crossings(copy, shortest(copy, north, south)) == ["x1-0~grade"]
    with pytest.raises(NetworkError, match="no crossing 'x9-9'"):
        add_informal_crossing(graph, "x9-9", "x9-9~grade")


def test_underpass_climb_and_informal_crossing_even_over_a_median_fence() -> None:
    # people climb the fence under a bridge: route choice, not the map, decides who does
    arterial = road("Minzu Dadao", "primary", 6, median_fence=True)
    _, crossings = build_walk_graph(midblock({"crossing": "underpass"}, arterial))
    assert at_node(crossings, 1).keys() == {"x1-0", "x1-0~grade"}
    assert crossings["x1-0"].climb == PARAMS["grade.underpass_climb"]
    assert crossings["x1-0~grade"].informal and crossings["x1-0~grade"].climb == 0


# --- crossing attributes ---------------------------------------------------------------


def test_facility_and_inferred_rules() -> None:
    _, plain = build_walk_graph(cross())
    assert {(c.facility, c.inferred) for c in plain.values()} == {("unmarked", True)}
    assert sorted(at_node(plain, 1)) == ["x1-0"]  # the dead end at the east arm
    _, raised = build_walk_graph(cross(centre={"crossing": "raised"}))
    assert {(c.facility, c.inferred) for c in at_node(raised, 0).values()} == {("raised", False)}
    with pytest.raises(NetworkError, match="crossing attribute must be one of"):
        build_walk_graph(cross(centre={"crossing": "pelican"}))


def test_volumes_are_the_per_lane_table_times_lanes_per_direction() -> None:
    g = cross(ew=road("Minzu Dadao", "primary", 6),
              ns=road("Xin Lu", "secondary", 3, oneway=True))
    _, crossings = build_walk_graph(g)
    assert crossings["x0-1"].lanes == (3, 3)
    assert crossings["x0-1"].volume == (3 * PER_LANE["primary"], 3 * PER_LANE["primary"])
    assert crossings["x0-2"].lanes == (3, 0)
    assert crossings["x0-2"].volume == (3 * PER_LANE["secondary"], 0.0)
    _, odd = build_walk_graph(cross(ew=road(lanes=3, highway="unknown_class")))
    assert odd["x0-1"].lanes == (2, 1)
    smallest = min(PER_LANE.values())
    assert odd["x0-1"].volume == (2 * smallest, smallest)


def test_missing_width_comes_from_lanes_times_lane_width() -> None:
    _, crossings = build_walk_graph(cross(ew=road(lanes=4, width=None)))
    assert crossings["x0-1"].length == pytest.approx(4 * LANE)


def test_ids_are_stable() -> None:
    g1, c1 = build_walk_graph(cross(centre={"signal": True}, north=footway()))
    g2, c2 = build_walk_graph(cross(centre={"signal": True}, north=footway()))
    assert list(c1) == list(c2)
    assert c1 == c2
    assert list(g1.nodes) == list(g2.nodes)
    assert list(g1.edges) == list(g2.edges)
    assert all(isinstance(n, tuple) and n[0] == "c" for n in g1.nodes)


# --- attaching the school and homes ----------------------------------------------------


def line_site(school: tuple[float, float], homes: list[tuple[float, float]],
              g: nx.MultiDiGraph | None = None) -> Site:
    """Dong Lu from (0, 0) to (200, 0), declared 220 m long, with a school and homes."""
    g = g if g is not None else street({0: (0, 0), 1: (200, 0)}, [(0, 1, road(length=220.0))])
    return Site(g, School("Test School", *school),
                tuple(Home(f"h{i}", x, y) for i, (x, y) in enumerate(homes)))


def test_points_attach_to_the_sidewalk_on_their_side_of_the_road() -> None:
    net = walk_network_from_site(line_site((100, 20), [(50, -20), (150, 30)]))
    g = net.graph
    reach = LANE + PARAMS["walk.corner_offset"]
    school_split = next(iter(g[net.school_node]))
    assert g.nodes[school_split]["kind"] == "split"
    assert (g.nodes[school_split]["x"], g.nodes[school_split]["y"]) == pytest.approx((100, reach))
    assert g.edges[net.school_node, school_split]["kind"] == "access"
    assert net.snaps == {"school": pytest.approx(20 - reach), "h0": pytest.approx(20 - reach),
                         "h1": pytest.approx(30 - reach)}
    home_split = next(iter(g[net.home_nodes["h0"]]))
    assert g.nodes[home_split]["y"] == pytest.approx(-reach)
    sides = {d["side"] for *_, d in g.edges(home_split, data=True) if d["kind"] == "sidewalk"}
    assert sides == {"right"}  # south of an eastbound edge
    left = sorted(d["length"] for *_, d in g.edges(data=True) if d.get("side") == "left")
    assert left == pytest.approx([55.0, 55.0, 110.0])  # 220 m split at 100 m and 150 m of 200
    assert net.dropped_homes == ()
    path = shortest(g, net.home_nodes["h0"], net.school_node)
    assert len(path_crossings(g, path)) == 1


def test_a_point_on_a_crossing_attaches_to_a_sidewalk_not_the_crossing() -> None:
    site = Site(midblock({"crossing": "zebra"}), School("Test School", 0, 0.5),
                (Home("h0", -50, -20),))
    net = walk_network_from_site(site)
    split = next(iter(net.graph[net.school_node]))
    assert {d["kind"] for *_, d in net.graph.edges(split, data=True)} == {"sidewalk", "access"}
    assert net.snaps["school"] == pytest.approx(LANE + PARAMS["walk.corner_offset"] - 0.5)


def test_homes_beyond_tolerance_or_cut_off_are_dropped() -> None:
    g = street({0: (0, 0), 1: (200, 0), 2: (0, 1000), 3: (200, 1000)},
               [(0, 1, road()), (2, 3, road("Bei Lu"))])
    net = walk_network_from_site(line_site((100, 20), [(50, -20), (100, 990), (100, -500)], g))
    assert net.dropped_homes == ("h1", "h2")
    assert set(net.home_nodes) == {"h0"}
    assert "h1" not in net.snaps and ("home", "h1") not in net.graph


def test_school_too_far_from_any_street() -> None:
    with pytest.raises(NetworkError) as info:
        walk_network_from_site(line_site((100, 400), [(50, -20)]))
    reach = LANE + PARAMS["walk.corner_offset"]
    assert str(info.value) == (
        f"school 'Test School' is {400 - reach:.0f} m from the nearest walkable street "
        "(tolerance 300 m)")


def test_unreachable_school() -> None:
    g = street({0: (0, 0), 1: (200, 0), 2: (0, 250), 3: (200, 250)},
               [(0, 1, road()), (2, 3, road("Bei Lu"))])
    with pytest.raises(NetworkError, match=r"^school 'Test School' is unreachable on foot"):
        walk_network_from_site(line_site((100, 20), [(50, 240), (150, 260)], g))


def test_empty_or_unwalkable_street_map() -> None:
    empty = nx.MultiDiGraph(crs="EPSG:32649")
    with pytest.raises(NetworkError, match=r"^the street map has no walkable streets$"):
        walk_network_from_site(line_site((0, 0), [(1, 1)], empty))
    motorway = street({0: (0, 0), 1: (200, 0)}, [(0, 1, road(highway="motorway", walk=False))])
    with pytest.raises(NetworkError, match="no walkable streets"):
        build_walk_graph(motorway)


def test_motorway_gets_no_sidewalks_but_is_still_crossed() -> None:
    graph, crossings = build_walk_graph(cross(ns=road("G75", "motorway", 4, walk=False)))
    assert {d["street"] for *_, d in graph.edges(data=True) if d["kind"] == "sidewalk"} == {
        "e0-1", "e0-3"}
    assert {"x0-2", "x0-4"} <= set(crossings)


# --- speed -----------------------------------------------------------------------------


def grid(n: int, spacing: float = 100.0) -> nx.MultiDiGraph:
    """An n x n grid of two-lane streets (every fourth an arterial), signals on arterials."""
    nodes = {i * n + j: (j * spacing, i * spacing, {"signal": i % 4 == 0 and j % 4 == 0})
             for i in range(n) for j in range(n)}
    edges = []
    for i in range(n):
        for j in range(n):
            if j + 1 < n:
                edges.append((i * n + j, i * n + j + 1, road(f"Row {i}", "primary" if i % 4 == 0
                                                             else "residential",
                                                             median_fence=i % 4 == 0)))
            if i + 1 < n:
                edges.append((i * n + j, (i + 1) * n + j, road(f"Col {j}")))
    return street(nodes, edges)


def test_two_thousand_edge_grid_builds_and_attaches_every_home() -> None:
    """Scale, not speed: benchmarks/bench_walk.py times this grid (target: built in under 1 s)."""
    g = grid(32)  # 1,984 streets, 3,968 directed edges
    graph, crossings = build_walk_graph(g)
    assert sum(1 for *_, k in graph.edges(data="kind") if k == "sidewalk") == 2 * 1984
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 3100, size=(2000, 2))
    site = Site(g, School("Grid School", 1550, 1530),
                tuple(Home(f"h{i}", x, y) for i, (x, y) in enumerate(xy)))
    net = walk_network_from_site(site)
    assert len(net.home_nodes) == 2000
    assert math.isfinite(nx.shortest_path_length(net.graph, net.home_nodes["h0"],
                                                 net.school_node, weight="length"))
    assert len(crossings) > 0
