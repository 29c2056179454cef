"""OpenStreetMap maps: street graphs, crossings, signals, schools and homes.

Small hand-written OSM XML maps test each rule exactly; the three real extracts
in ``../shared/data/osm`` (ODbL, read in place, never copied into the
repository) test that real data loads, meets the street-graph contract and
that the crossings found match counts taken straight from the XML here.
"""

from __future__ import annotations

import bz2
import math
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
import pytest
from osm_kit import TO_LONLAT, UTM50, X0, Y0, write_osm
from pyproj import Transformer

from simulator.crossing import FACILITIES
from simulator.errors import NetworkError
from simulator.network.osm import street_graph_from_file
from simulator.network.osmtags import crossing_facility
from simulator.network.schools import schools_from_file, site_from_file
from simulator.network.walk import build_walk_graph, walk_network_from_site
from simulator.params import default_parameters
from simulator.runs import run_once
from simulator.setting import prepare_setting

PARAMS = default_parameters()
LANE = PARAMS["traffic.lane_width"]
OSM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"
BEIJING = OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2"
SHENZHEN = OSM_DIR / "shenzhen_longgang_universiade.osm.bz2"
GUIXI = OSM_DIR / "jiangxi_guixi_city.osm.bz2"
EXTRACTS = [BEIJING, SHENZHEN, GUIXI]
needs_extracts = pytest.mark.skipif(not OSM_DIR.is_dir(),
                                    reason=f"OSM extracts not found in {OSM_DIR}")
EDGE_TYPES = {"length": float, "highway": str, "lanes": int, "width": float, "maxspeed": float,
              "oneway": bool, "name": str, "walk": bool, "carriageway": bool,
              "median_fence": bool}

# --- hand-written maps ---------------------------------------------------------------------



def edges_of_way(g: nx.MultiDiGraph, way: int) -> list[dict[str, Any]]:
    """Edge data of the edges that come from one OSM way."""
    return [d for _, _, d in g.edges(data=True)
            if d["osmid"] == way or (isinstance(d["osmid"], list) and way in d["osmid"])]


def lengths(g: nx.MultiDiGraph, way: int) -> float:
    """Length of a way in the graph (one direction), m."""
    seen, total = set(), 0.0
    for u, v, k, d in g.edges(keys=True, data=True):
        if d["osmid"] == way and (v, u, k) not in seen:
            seen.add((u, v, k))
            total += d["length"]
    return total


def test_way_classes_become_walk_and_carriageway_flags(tmp_path: Path) -> None:
    classes = {
        1: ({"highway": "primary"}, True, True),
        2: ({"highway": "motorway", "oneway": "yes"}, False, True),
        3: ({"highway": "trunk"}, False, True),
        4: ({"highway": "trunk", "sidewalk": "both"}, True, True),
        5: ({"highway": "footway"}, True, False),
        6: ({"highway": "steps"}, True, False),
        7: ({"highway": "living_street"}, True, True),
        8: ({"highway": "service", "service": "parking_aisle"}, True, True),
        9: ({"highway": "cycleway"}, True, False),
        10: ({"highway": "residential", "access": "private"}, None, None),
        11: ({"highway": "residential", "access": "private", "foot": "yes"}, True, True),
        12: ({"highway": "pedestrian", "area": "yes"}, None, None),
        13: ({"highway": "construction"}, None, None),
        14: ({"highway": "bus_stop"}, None, None),
        15: ({"highway": "footway", "foot": "no"}, None, None),
        16: ({"highway": "service", "motor_vehicle": "no", "foot": "yes"}, True, False),
    }
    nodes = {100 * w + i: (100.0 * i, 30.0 * w) for w in classes for i in (0, 1)}
    ways = {w: ([100 * w, 100 * w + 1], t) for w, (t, _, _) in classes.items()}
    g = street_graph_from_file(write_osm(tmp_path, nodes, ways))
    for w, (tags, walk, carriageway) in classes.items():
        found = edges_of_way(g, w)
        if walk is None:
            assert not found, tags
            continue
        assert {(d["walk"], d["carriageway"]) for d in found} == {(walk, carriageway)}, tags
        assert {d["highway"] for d in found} == {tags["highway"]}
        assert len(found) == (1 if tags.get("oneway") == "yes" else 2), tags
        if not carriageway:
            assert {(d["lanes"], d["width"], d["maxspeed"]) for d in found} == {(0, 0.0, 0.0)}


def test_lanes_width_and_speed_from_tags_else_defaults_counted(tmp_path: Path) -> None:
    ways = {
        1: {"highway": "primary", "lanes": "2;3", "width": "12 m", "maxspeed": "30 mph"},
        2: {"highway": "secondary", "lanes:forward": "2", "lanes:backward": "1",
            "maxspeed": "CN:urban"},
        3: {"highway": "tertiary", "width": "33'", "maxspeed": "none"},
        4: {"highway": "residential", "oneway": "yes"},
        5: {"highway": "motorway", "oneway": "yes", "name": "G6", "name:zh": "京藏高速"},
        6: {"highway": "footway"},
    }
    nodes = {100 * w + i: (100.0 * i, 30.0 * w) for w in ways for i in (0, 1)}
    g = street_graph_from_file(write_osm(tmp_path, nodes,
                                         {w: ([100 * w, 100 * w + 1], t) for w, t in ways.items()}))
    lanes = PARAMS["traffic.default_lanes"] | PARAMS["osm.default_lanes"]
    limits = PARAMS["traffic.default_limit"] | PARAMS["osm.default_limit"]
    values = {w: edges_of_way(g, w)[0] for w in ways}
    assert (values[1]["lanes"], values[1]["width"]) == (3, 12.0)
    assert values[1]["maxspeed"] == pytest.approx(30 * 1.609344)
    assert (values[2]["lanes"], values[2]["width"], values[2]["maxspeed"]) == (3, 3 * LANE, 50.0)
    assert values[3]["lanes"] == lanes["tertiary"]
    assert values[3]["width"] == pytest.approx(33 * 0.3048)
    assert values[3]["maxspeed"] == limits["tertiary"]
    assert values[4]["lanes"] == math.ceil(lanes["residential"] / 2)  # one-way: half the road
    assert values[4]["oneway"] is True
    assert values[5]["lanes"] == math.ceil(lanes["motorway"] / 2)
    assert values[5]["maxspeed"] == limits["motorway"]
    assert values[5]["name"] == "京藏高速"
    # street edges, each two-way pair once, whose value came from the table
    assert g.graph["defaulted"] == {"lanes": 3, "width": 3, "maxspeed": 3}
    assert g.graph["crs"] == UTM50
    assert lengths(g, 1) == pytest.approx(100.0, rel=1e-4)


@pytest.mark.parametrize(("tags", "facility"), [
    ({"highway": "crossing", "crossing": "traffic_signals"}, "signal"),
    ({"highway": "traffic_signals", "crossing": "traffic_signals"}, "signal"),
    ({"highway": "crossing", "crossing": "marked", "crossing:signals": "yes"}, "signal"),
    ({"highway": "crossing", "crossing_ref": "pelican"}, "signal"),
    ({"highway": "crossing", "crossing": "marked"}, "zebra"),
    ({"highway": "crossing", "crossing": "zebra"}, "zebra"),
    ({"highway": "crossing", "crossing": "uncontrolled"}, "zebra"),
    ({"highway": "crossing", "crossing_ref": "zebra"}, "zebra"),
    ({"highway": "crossing"}, "zebra"),
    ({"highway": "crossing", "crossing": "unmarked"}, "unmarked"),
    ({"highway": "crossing", "crossing": "uncontrolled", "crossing:markings": "no"}, "unmarked"),
    ({"highway": "crossing", "crossing": "marked", "crossing:island": "yes"}, "refuge"),
    ({"highway": "crossing", "crossing": "traffic_signals", "crossing:island": "yes"}, "signal"),
    ({"highway": "crossing", "crossing": "marked", "traffic_calming": "table"}, "raised"),
    ({"highway": "crossing", "crossing": "no"}, None),
    ({"highway": "traffic_signals"}, "signal"),  # no junction in reach: a midblock signal
    ({"highway": "street_lamp"}, None),
])
def test_crossing_tags_become_a_midblock_crossing(tmp_path: Path, tags: dict, facility: str | None
                                                  ) -> None:
    nodes = {1: (-100, 0), 2: (-50, 0), 3: (0, 0, tags), 4: (50, 0), 5: (100, 0)}
    g = street_graph_from_file(write_osm(tmp_path, nodes, {10: ([1, 2, 3, 4, 5],
                                                                {"highway": "tertiary"})}))
    kept = facility is not None or tags.get("crossing") == "no"
    assert set(g.nodes) == ({1, 3, 5} if kept else {1, 5})  # untagged nodes simplified away
    assert all(isinstance(d["signal"], bool) for _, d in g.nodes(data=True))
    if facility is not None:
        assert g.nodes[3]["crossing"] == facility
        assert g.graph["mapped_crossings"] == 1
        assert g.graph["mapped_facilities"] == {facility: 1}
        _, crossings = build_walk_graph(g)
        assert [c.facility for c in crossings.values() if c.node == 3] == [facility]
    elif kept:
        assert g.nodes[3] == {"x": g.nodes[3]["x"], "y": g.nodes[3]["y"], "signal": False,
                              "osmid": 3, "no_crossing": True}
        assert g.graph["mapped_crossings"] == 0


def test_crossing_facility_without_crossing_tags_is_none() -> None:
    assert crossing_facility({"highway": "footway"}) is None
    assert crossing_facility({"crossing": "no"}) == "no"


def test_footway_crossing_ways_mark_the_road_node_they_cross(tmp_path: Path) -> None:
    """A road node shared with a footway=crossing way takes the way's crossing type."""
    nodes = {1: (-200, 0), 2: (-100, 0), 3: (0, 0), 4: (100, 0, {"highway": "crossing",
                                                                  "crossing": "unmarked"}),
             5: (200, 0),
             21: (-100, -10), 22: (-100, 10), 31: (0, -10), 32: (0, 10), 41: (100, -10),
             42: (100, 10)}
    crossing = {"highway": "footway", "footway": "crossing"}
    ways = {1: ([1, 2, 3, 4, 5], {"highway": "secondary"}),
            2: ([21, 2, 22], crossing | {"crossing": "traffic_signals"}),
            3: ([31, 3, 32], crossing),
            4: ([41, 4, 42], crossing | {"crossing": "marked"})}
    g = street_graph_from_file(write_osm(tmp_path, nodes, ways))
    assert g.nodes[2]["crossing"] == "signal"
    assert g.nodes[3]["crossing"] == "zebra"  # footway=crossing with no crossing tag
    assert g.nodes[4]["crossing"] == "unmarked"  # the node's own tag wins
    assert "crossing" not in g.nodes[21]  # the footway's end is not on a road
    assert g.graph["crossings_from_ways"] == 2
    assert g.graph["mapped_facilities"] == {"signal": 1, "unmarked": 1, "zebra": 1}


def test_signals_mark_junctions_within_reach_and_midblock_signals(tmp_path: Path) -> None:
    """A signal 20 m from a junction signalises it; one 80 m away is a midblock crossing."""
    main = {"highway": "primary", "name": "Dong Lu"}
    nodes = {1: (-300, 0), 2: (0, 0), 3: (20, 0, {"highway": "traffic_signals"}),
             4: (100, 0), 5: (180, 0, {"highway": "traffic_signals"}), 6: (260, 0),
             7: (400, 0), 8: (-150, 0, {"highway": "traffic_signals"}), 9: (-140, 0),
             20: (0, 100), 40: (100, -100), 60: (260, 100), 90: (-140, 60)}
    ways = {1: ([1, 8, 9, 2, 3, 4, 5, 6, 7], main),
            2: ([2, 20], {"highway": "residential", "name": "Bei Lu"}),
            4: ([4, 40], {"highway": "residential", "name": "Nan Lu"}),
            6: ([6, 60], {"highway": "tertiary", "name": "Xi Lu"}),
            9: ([9, 90], {"highway": "service"})}
    g = street_graph_from_file(write_osm(tmp_path, nodes, ways))
    signal = {n for n, s in g.nodes(data="signal") if s}
    assert signal == {2}
    assert g.nodes[5]["crossing"] == "signal"  # 80 m from both junctions: midblock
    assert g.nodes[8]["crossing"] == "signal"  # a driveway 10 m away is not a junction
    assert "crossing" not in g.nodes[2]
    assert 3 not in g  # the approach signal node is simplified away


def test_roads_are_clipped_to_the_bounds(tmp_path: Path) -> None:
    nodes = {1: (-300, 0), 2: (300, 0), 3: (0, -40), 4: (0, 200), 5: (-500, 100), 6: (-400, 100)}
    ways = {1: ([1, 2], {"highway": "primary"}), 2: ([3, 4], {"highway": "residential"}),
            3: ([5, 6], {"highway": "residential"})}
    g = street_graph_from_file(write_osm(tmp_path, nodes, ways, bounds=(-100, -50, 100, 50)))
    assert lengths(g, 1) == pytest.approx(200.0, rel=1e-4)  # both ends outside: cut twice
    assert lengths(g, 2) == pytest.approx(90.0, rel=1e-4)
    assert not edges_of_way(g, 3)
    assert sorted(n for n in g if n < 0) == [-3, -2, -1]
    assert {n for n in g if n > 0} == {3}
    assert all("osmid" not in g.nodes[n] for n in g if n < 0)


def test_footbridges_stay_car_free_and_apart_from_the_road(tmp_path: Path) -> None:
    nodes = {1: (-100, 0), 2: (0, 0), 3: (100, 0), 11: (0, -40), 12: (0, -15), 13: (0, 15),
             14: (0, 40), 21: (50, -40), 22: (50, 40)}
    ways = {1: ([1, 2, 3], {"highway": "primary", "divider": "barrier"}),
            2: ([11, 12], {"highway": "steps", "bridge": "yes", "layer": "1"}),
            3: ([12, 13], {"highway": "footway", "bridge": "yes", "layer": "1"}),
            4: ([13, 14], {"highway": "steps", "layer": "1"}),
            5: ([21, 22], {"highway": "footway", "tunnel": "yes", "layer": "-1"})}
    g = street_graph_from_file(write_osm(tmp_path, nodes, ways))
    road = edges_of_way(g, 1)
    assert {d["median_fence"] for d in road} == {True}
    assert {d["bridge"] for d in road} == {False}
    for way in (2, 3, 4):
        assert {(d["walk"], d["carriageway"], d["bridge"]) for d in edges_of_way(g, way)} == {
            (True, False, True)}
    assert {d["tunnel"] for d in edges_of_way(g, 5)} == {True}
    road_nodes = {n for u, v, d in g.edges(data=True) if d["carriageway"] for n in (u, v)}
    path_nodes = {n for u, v, d in g.edges(data=True) if not d["carriageway"] for n in (u, v)}
    assert not road_nodes & path_nodes


# --- schools and homes on a hand-written map -------------------------------------------


def square(first: int, x0: float, y0: float, x1: float, y1: float) -> dict[int, tuple]:
    return {first: (x0, y0), first + 1: (x1, y0), first + 2: (x1, y1), first + 3: (x0, y1)}


def ring(first: int) -> list[int]:
    return [first, first + 1, first + 2, first + 3, first]


def town(tmp_path: Path, *, with_homes: bool = True) -> Path:
    """A primary road (y = 0) with residential streets; a school area north of it."""
    nodes: dict[int, tuple] = {1: (-600, 0), 2: (0, 0), 3: (600, 0), 4: (0, 300),
                               5: (-300, 0), 6: (-300, -300), 7: (1400, 0), 8: (70, 0),
                               9: (70, 20)}
    ways: dict[int, tuple] = {1: ([1, 5, 2, 8, 3, 7], {"highway": "primary", "name": "Da Lu"}),
                              4: ([8, 9], {"highway": "footway"})}
    if with_homes:
        ways |= {2: ([2, 4], {"highway": "residential"}), 3: ([5, 6], {"highway": "residential"})}
    nodes |= square(100, 20, 30, 120, 130)  # school: the footway ends 10 m from its fence
    ways[100] = (ring(100), {"amenity": "school", "name": "Shiyan Xiaoxue",
                             "name:zh": "实验小学"})
    nodes |= square(110, 200, 50, 300, 60) | {120: (-200, 10, {"amenity": "kindergarten",
                                                               "name": "Youeryuan"})}
    ways[110] = (ring(110), {"amenity": "school", "name": "Zhongxue"})
    if with_homes:
        nodes |= square(200, -50, 100, -30, 120)  # 400 m2, 10 storeys: 40 households
        ways[200] = (ring(200), {"building": "residential", "building:levels": "10"})
        nodes |= square(210, 30, -60, 60, -40)  # 600 m2, default 6 storeys: 36 households
        ways[210] = (ring(210), {"building": "apartments"})
        nodes |= square(220, -600, -400, -400, -200)  # residential area around building 230
        ways[220] = (ring(220), {"landuse": "residential"})
        nodes |= square(230, -500, -300, -490, -290)  # building=yes inside it: a home
        ways[230] = (ring(230), {"building": "yes"})
        nodes |= square(240, 100, -300, 110, -290)  # building=yes outside: not a home
        ways[240] = (ring(240), {"building": "yes"})
        nodes |= square(250, 100, -100, 120, -80)
        ways[250] = (ring(250), {"building": "dormitory"})
        nodes |= square(260, 1300, 10, 1320, 30)  # beyond the catchment
        ways[260] = (ring(260), {"building": "residential"})
        nodes |= square(270, -290, -250, 50, -150)  # area without buildings: street homes
        ways[270] = (ring(270), {"landuse": "residential"})
        nodes |= square(280, 300, -250, 400, -150)  # ... and without streets: one home
        ways[280] = (ring(280), {"landuse": "residential"})
    return write_osm(tmp_path, nodes, ways)


def test_schools_are_listed_with_names_ids_and_positions(tmp_path: Path) -> None:
    schools = schools_from_file(town(tmp_path))
    assert [(s.name, s.id, s.kind) for s in schools] == [
        ("Youeryuan", "n120", "kindergarten"), ("Zhongxue", "w110", "school"),
        ("实验小学", "w100", "school")]
    school = schools[2]
    assert school.names == ("实验小学", "Shiyan Xiaoxue")
    assert (school.x - X0, school.y - Y0) == (pytest.approx(70), pytest.approx(80))
    assert (school.lon, school.lat) == pytest.approx(TO_LONLAT.transform(X0 + 70, Y0 + 80))
    assert schools[0].shape is None and schools[2].shape.area == pytest.approx(100 * 100)


def test_site_gate_and_homes(tmp_path: Path) -> None:
    site = site_from_file(town(tmp_path), school="实验小学")
    # the gate is the point of the school fence nearest a walkable street: the footway's end
    assert (site.school.x - X0, site.school.y - Y0) == (pytest.approx(70), pytest.approx(30))
    assert site.school.id == "w100"
    homes = {h.id: h for h in site.homes}
    assert homes["b200"].weight == pytest.approx(40.0, rel=0.01)
    assert homes["b210"].weight == pytest.approx(36.0, rel=0.01)
    assert "b230" in homes  # building=yes inside landuse=residential
    assert not {"b240", "b250", "b260"} & set(homes)
    per_m2 = PARAMS["homes.residential_far"] / PARAMS["homes.floor_area_per_household"]
    # area 270 has no buildings: its households go to the street beside it, every 50 m
    street = {i: h for i, h in homes.items() if i.startswith("s")}
    assert sorted(street) == ["s5-6-3", "s5-6-4"]
    assert [h.y - Y0 for h in street.values()] == pytest.approx([-175, -225])
    assert sum(h.weight for h in street.values()) == pytest.approx(340 * 100 * per_m2, rel=1e-3)
    assert homes["l280"].weight == pytest.approx(100 * 100 * per_m2, rel=1e-3)
    assert set(homes) == {"b200", "b210", "b230", "l280", *street}
    assert any("mapped crossings: 0" in n for n in site.notes)
    network = walk_network_from_site(site)
    assert network.snaps["w100"] == pytest.approx(10.0)
    assert set(network.home_nodes) == set(homes)


def test_catchment_limits_the_homes(tmp_path: Path) -> None:
    site = site_from_file(town(tmp_path), school="w100", catchment_m=150)
    assert [h.id for h in site.homes] == ["b200", "b210"]


def test_street_homes_when_the_map_has_no_buildings_or_areas(tmp_path: Path) -> None:
    path = town(tmp_path, with_homes=False)
    with pytest.raises(NetworkError, match=r"^no homes within 1000 m of 实验小学: the map has no "
                                           r"residential buildings, areas or streets there$"):
        site_from_file(path, school="实验小学")
    nodes = {1: (0, 0), 2: (0, -400)} | square(100, 20, 30, 120, 130)
    ways = {1: ([1, 2], {"highway": "residential"}),
            100: (ring(100), {"amenity": "school", "name": "X"})}
    site = site_from_file(write_osm(tmp_path, nodes, ways, name="b.osm"))
    assert [(h.id, round(h.weight)) for h in site.homes] == [
        (f"s1-2-{i}", 50) for i in range(8)]
    assert "no residential buildings or areas" in site.notes[2]


@pytest.mark.parametrize(("query", "found", "message"), [
    ("实验小学", "w100", None),
    ("实验", "w100", None),
    ("Shiyan Xiaoxue", "w100", None),
    ("shiyan", "w100", None),
    ("w110", "w110", None),
    ("110", "w110", None),
    ("实验中学", None, r"^no school '实验中学' in .*map\.osm; did you mean 实验小学\?$"),
    ("xue", None, r"^school 'xue' matches 2 schools in .*: Zhongxue \(w110\); 实验小学 \(w100\); "
                 r"give the id$"),
    (None, None, r"has 3 schools; name one: Youeryuan \(n120\); Zhongxue \(w110\); 实验小学"),
])
def test_school_is_found_by_name_part_or_id(tmp_path: Path, query: str | None, found: str | None,
                                            message: str | None) -> None:
    path = town(tmp_path)
    if message is None:
        assert site_from_file(path, school=query).school.id == found
        return
    with pytest.raises(NetworkError, match=message) as err:
        site_from_file(path, school=query)
    assert "\n" not in str(err.value)


# --- bad files -----------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"^map file .*nowhere\.osm not found$"):
        street_graph_from_file(tmp_path / "nowhere.osm")


@pytest.mark.parametrize(("text", "message"), [
    ("this is not a map\n", r"is not OSM XML \(line 1: syntax error\)$"),
    ("<html><body>404</body></html>", r"is not OSM XML \(line 1: root element is <html>"),
    ("", r"is not OSM XML \(line 1: no element found\)$"),
])
def test_non_xml_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.osm"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NetworkError, match=message):
        street_graph_from_file(path)
    with pytest.raises(NetworkError, match=message):
        schools_from_file(path)


def test_a_bz2_file_that_is_not_bzip2(tmp_path: Path) -> None:
    path = tmp_path / "bad.osm.bz2"
    path.write_bytes(b"<osm></osm>")
    with pytest.raises(NetworkError, match=r"bad\.osm\.bz2 is not OSM XML \(cannot decompress"):
        street_graph_from_file(path)


def test_a_file_without_highways(tmp_path: Path) -> None:
    path = write_osm(tmp_path, square(1, 0, 0, 10, 10),
                     {1: (ring(1), {"building": "yes"}),
                      2: ([1, 2], {"highway": "construction"})})
    with pytest.raises(NetworkError,
                       match=r"map\.osm has no streets \(no usable highway=\* ways\)$"):
        street_graph_from_file(path)


def test_highways_outside_the_bounds(tmp_path: Path) -> None:
    path = write_osm(tmp_path, {1: (500, 500), 2: (600, 500)},
                     {1: ([1, 2], {"highway": "primary"})}, bounds=(0, 0, 100, 100))
    with pytest.raises(NetworkError, match=r"has no streets inside its bounds$"):
        street_graph_from_file(path)


def test_bad_graphml(tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_text("<graphml><broken", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"g\.graphml is not GraphML \("):
        street_graph_from_file(path)


# --- the real extracts ---------------------------------------------------------------------


@cache
def graph(path: Path) -> nx.MultiDiGraph:
    return street_graph_from_file(path)


@cache
def xml(path: Path) -> dict[str, Any]:
    """The extract read independently of the loader: bounds, nodes, ways, road nodes."""
    with bz2.open(path) as f:
        root = ET.parse(f).getroot()
    b = root.find("bounds")
    assert b is not None
    box = tuple(float(b.get(k)) for k in ("minlat", "minlon", "maxlat", "maxlon"))
    nodes = {int(n.get("id")): (float(n.get("lat")), float(n.get("lon")),
                                {t.get("k"): t.get("v") for t in n.iter("tag")})
             for n in root.iter("node")}
    ways = [(int(w.get("id")), [int(r.get("ref")) for r in w.iter("nd")],
             {t.get("k"): t.get("v") for t in w.iter("tag")}) for w in root.iter("way")]
    roads = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
             "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
             "residential", "living_street", "service", "road", "track", "busway"}
    road_ways = [(w, refs, t) for w, refs, t in ways if t.get("highway") in roads
                 and t.get("area") != "yes" and t.get("access") not in ("no", "private")
                 and t.get("motor_vehicle") != "no"]
    inside = {n for n, (lat, lon, _) in nodes.items()
              if box[0] <= lat <= box[2] and box[1] <= lon <= box[3]}
    return {"nodes": nodes, "ways": ways, "road_ways": road_ways, "inside": inside,
            "road_nodes": {r for _, refs, _ in road_ways for r in refs}}


def projected(g: nx.MultiDiGraph, lat: float, lon: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", g.graph["crs"], always_xy=True).transform(lon, lat)


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_extract_meets_the_street_graph_contract(path: Path) -> None:
    g = graph(path)
    assert g.graph["crs"] == "EPSG:32650"
    assert g.graph["name"] == path.name
    assert g.graph["source"] == str(path)
    assert "OpenStreetMap contributors" in g.graph["attribution"]
    assert set(g.graph["defaulted"]) == {"lanes", "width", "maxspeed"}
    assert all(isinstance(v, int) and v > 0 for v in g.graph["defaulted"].values())
    for n, d in g.nodes(data=True):
        assert isinstance(d["x"], float) and isinstance(d["y"], float)
        assert isinstance(d["signal"], bool)
        assert d.get("crossing", "zebra") in FACILITIES, n
    for u, v, k, d in g.edges(keys=True, data=True):
        for attr, kind in EDGE_TYPES.items():
            assert type(d[attr]) is kind, (u, v, k, attr, d[attr])
        assert d["length"] > 0
        assert d["walk"] or d["carriageway"]
        if d["carriageway"]:
            assert d["lanes"] >= 1 and d["width"] >= 2 and d["maxspeed"] > 0
        else:
            assert (d["lanes"], d["width"], d["maxspeed"], d["oneway"]) == (0, 0.0, 0.0, False)
        if not d["oneway"]:
            back = g.get_edge_data(v, u, k)
            assert back is not None and back["length"] == pytest.approx(d["length"]), (u, v, k)
    # every node lies inside the export's box
    with bz2.open(path) as f:
        b = next(e for _, e in ET.iterparse(f) if e.tag == "bounds")
    corners = [projected(g, float(b.get(a)), float(b.get(o)))
               for a in ("minlat", "maxlat") for o in ("minlon", "maxlon")]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    assert all(min(xs) - 50 <= d["x"] <= max(xs) + 50 and min(ys) - 50 <= d["y"] <= max(ys) + 50
               for _, d in g.nodes(data=True))


SCHOOLS = {
    BEIJING: ({"school": 3, "kindergarten": 2},
              {"中国农业大学附属实验小学", "北京石油学院附属小学(月华分校)",
               "北京石油学院附属中学"}),
    SHENZHEN: ({"school": 4, "kindergarten": 1},
               {"龙岗外国语学校", "华南师范大学附属龙岗大运学校"}),
    GUIXI: ({"school": 4}, {"贵溪五中", "贵溪市实验中学", "贵溪市第四中学", "贵溪市第九中学"}),
}


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_extract_schools_are_listed(path: Path) -> None:
    kinds, names = SCHOOLS[path]
    schools = schools_from_file(path)
    assert {k: sum(s.kind == k for s in schools) for k in kinds} == kinds
    assert names <= {s.name for s in schools}
    tagged = [(w, t) for w, _, t in xml(path)["ways"] if t.get("amenity") in kinds]
    tagged += [(n, t) for n, (_, _, t) in xml(path)["nodes"].items() if t.get("amenity") in kinds]
    assert len(schools) == len(tagged)
    g = graph(path)
    xs = [x for _, x in g.nodes(data="x")]
    ys = [y for _, y in g.nodes(data="y")]
    for s in schools:
        assert min(xs) - 500 < s.x < max(xs) + 500 and min(ys) - 500 < s.y < max(ys) + 500
    if path == GUIXI:
        assert sorted(s.shape is None for s in schools) == [False, True, True, True]


#: crossing nodes on roads inside each export's box, counted by hand from the XML
HAND_COUNTS = {BEIJING: {"traffic_signals": 21, "marked": 1, None: 5},
               SHENZHEN: {"marked": 1, None: 18},
               GUIXI: {"marked": 2}}


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_extract_crossing_nodes_match_the_xml(path: Path) -> None:
    x, g = xml(path), graph(path)
    tagged = {n: t for n, (_, _, t) in x["nodes"].items()
              if t.get("highway") == "crossing" and n in x["inside"] and n in x["road_nodes"]}
    counts: dict[str | None, int] = {}
    for t in tagged.values():
        counts[t.get("crossing")] = counts.get(t.get("crossing"), 0) + 1
    assert counts == HAND_COUNTS[path]
    expected = {"traffic_signals": "signal", "marked": "zebra", "zebra": "zebra",
                "uncontrolled": "zebra", None: "zebra"}
    assert {n: g.nodes[n].get("crossing") for n in tagged} == {
        n: expected[t.get("crossing")] for n, t in tagged.items()}
    signals = sum(g.nodes[n].get("crossing") == "signal" for n in tagged)
    assert signals == HAND_COUNTS[path].get("traffic_signals", 0)
    # the others come from footway=crossing ways and midblock signals, all on roads
    others = [n for n, d in g.nodes(data=True) if "crossing" in d and n not in tagged]
    assert len(others) == g.graph["mapped_crossings"] - len(tagged)
    assert len(others) == g.graph["crossings_from_ways"] + sum(
        x["nodes"].get(n, (0, 0, {}))[2].get("highway") == "traffic_signals" for n in others) + sum(
        g.nodes[n]["crossing"] in ("footbridge", "underpass") for n in others)
    assert sum(g.graph["mapped_facilities"].values()) == g.graph["mapped_crossings"]


@needs_extracts
@pytest.mark.parametrize("path", [BEIJING, SHENZHEN], ids=["beijing", "shenzhen"])
def test_extract_footway_crossings_mark_road_nodes(path: Path) -> None:
    x, g = xml(path), graph(path)
    expected = {}
    for _, refs, t in x["ways"]:
        if t.get("footway") != "crossing":
            continue
        kind = {"traffic_signals": "signal", "marked": "zebra", None: "zebra"}[t.get("crossing")]
        for n in refs:
            own = x["nodes"][n][2]
            if n in x["road_nodes"] and n in x["inside"] and "crossing" not in own \
                    and own.get("highway") != "crossing":
                expected[n] = kind
    assert expected
    assert {n: g.nodes[n].get("crossing") for n in expected} == expected
    assert g.graph["crossings_from_ways"] == len(expected)


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_extract_signals_sit_near_signal_tags(path: Path) -> None:
    x, g = xml(path), graph(path)
    reach = PARAMS["osm.signal_reach"]
    sources = [n for n, (_, _, t) in x["nodes"].items()
               if t.get("highway") == "traffic_signals" or t.get("crossing") == "traffic_signals"]
    sources += [n for _, refs, t in x["ways"] if t.get("footway") == "crossing"
                and t.get("crossing") == "traffic_signals" for n in refs]
    points = [projected(g, *x["nodes"][n][:2]) for n in sources]
    signals = [n for n, s in g.nodes(data="signal") if s]
    xy = {n: (g.nodes[n]["x"], g.nodes[n]["y"]) for n in g}
    for n in signals:  # a signalised junction is within reach (straight line) of a signal tag
        assert min(math.dist(xy[n], p) for p in points) <= reach + 1e-6, n
    for n in sources:  # a signal on a road marks a junction in reach or is a crossing itself
        if x["nodes"][n][2].get("highway") != "traffic_signals" or n not in x["inside"] \
                or n not in x["road_nodes"]:
            continue
        p = projected(g, *x["nodes"][n][:2])
        near = any(math.dist(xy[m], p) <= reach for m in signals)
        assert near or g.nodes[n].get("crossing") == "signal", n
    assert bool(signals) == (path != GUIXI)


@needs_extracts
@pytest.mark.parametrize("path", EXTRACTS, ids=lambda p: p.name.split("_")[0])
def test_extract_defaulted_values_are_the_untagged_ones(path: Path) -> None:
    x, g = xml(path), graph(path)
    tags = {w: t for w, _, t in x["ways"]}
    lanes = PARAMS["traffic.default_lanes"] | PARAMS["osm.default_lanes"]
    counted = {"lanes": 0, "width": 0, "maxspeed": 0}
    seen = set()
    for u, v, k, d in g.edges(keys=True, data=True):
        if not d["carriageway"] or (v, u, k) in seen:
            continue
        seen.add((u, v, k))
        ways = d["osmid"] if isinstance(d["osmid"], list) else [d["osmid"]]
        has = {key: any(key in tags[w] for w in ways) for key in ("lanes", "width", "maxspeed")}
        for key in counted:
            counted[key] += not has[key]
        if not has["lanes"]:
            table = lanes[d["highway"]]
            assert d["lanes"] == (math.ceil(table / 2) if d["oneway"] else table)
            if not has["width"]:
                assert d["width"] == pytest.approx(d["lanes"] * LANE)
    assert g.graph["defaulted"] == counted
    assert g.graph["street_edges"] == len(seen)


@needs_extracts
def test_guixi_walk_network_infers_almost_every_crossing() -> None:
    site = site_from_file(GUIXI, school="贵溪市第九中学")
    assert site.graph.graph["mapped_crossings"] == 2
    assert any(n.startswith("mapped crossings: 2 (zebra 2)") for n in site.notes)
    assert "no residential buildings or areas" in site.notes[2]
    network = walk_network_from_site(site)
    crossings = list(network.crossings.values())
    mapped = [c for c in crossings if not c.inferred]
    assert len(crossings) > 500
    assert 1 <= len(mapped) <= 8 and {c.facility for c in mapped} == {"zebra"}
    assert {c.node for c in mapped} <= {n for n, d in site.graph.nodes(data=True)
                                        if "crossing" in d}
    assert len(mapped) / len(crossings) < 0.01
    assert network.snaps["w1256740917"] < 50
    assert len(network.home_nodes) == len(site.homes)


@needs_extracts
def test_truncated_extract_is_not_osm_xml(tmp_path: Path) -> None:
    with bz2.open(BEIJING) as f:
        head = f.read(3000)
    path = tmp_path / "cut.osm"
    path.write_bytes(head)
    with pytest.raises(NetworkError, match=r"^.*cut\.osm is not OSM XML \(line \d+: "
                                           r"(no element found|unclosed token)\)$"):
        street_graph_from_file(path)


@needs_extracts
def test_unknown_school_lists_close_matches() -> None:
    with pytest.raises(NetworkError, match=r"^no school '中国农业大学附属小学' in .*beijing.*; "
                                           r"did you mean 中国农业大学附属实验小学") as err:
        site_from_file(BEIJING, school="中国农业大学附属小学")
    assert "\n" not in str(err.value)


@needs_extracts
def test_graphml_round_trip(tmp_path: Path) -> None:
    g = graph(BEIJING)
    ox.save_graphml(g, tmp_path / "beijing.graphml")
    back = street_graph_from_file(tmp_path / "beijing.graphml")
    assert back.graph["defaulted"] == g.graph["defaulted"]
    assert back.graph["mapped_facilities"] == g.graph["mapped_facilities"]
    assert dict(back.nodes(data=True)) == dict(g.nodes(data=True))
    for u, v, k, d in g.edges(keys=True, data=True):
        e = back.edges[u, v, k]
        assert {a: e[a] for a in EDGE_TYPES if a != "length"} == {
            a: d[a] for a in EDGE_TYPES if a != "length"}
        assert e["length"] == pytest.approx(d["length"])


@needs_extracts
def test_raw_osmnx_graphml_is_normalised(tmp_path: Path) -> None:
    raw = ox.graph_from_xml(GUIXI, simplify=False, retain_all=True)
    ox.save_graphml(raw, tmp_path / "raw.graphml")
    g = street_graph_from_file(tmp_path / "raw.graphml")
    assert all(type(d[a]) is t for _, _, d in g.edges(data=True) for a, t in EDGE_TYPES.items())
    assert {h for _, _, h in g.edges(data="highway")} <= {h for _, _, h in graph(GUIXI).edges(
        data="highway")}
    assert g.graph["mapped_crossings"] == 2


@needs_extracts
def test_beijing_school_runs_end_to_end() -> None:
    site = site_from_file(BEIJING, school="中国农业大学附属实验小学")
    assert site.school.id == "w167304641"
    assert len(site.homes) > 50
    network = walk_network_from_site(site)
    assert network.snaps["w167304641"] < 20
    setting = prepare_setting(network, params=PARAMS, n_children=300,
                              home_weights={h.id: h.weight for h in site.homes})
    result = run_once(setting, 1)
    assert result.summary["children"] == 300
    assert len(result.trips) == 300
    assert result.crossings["crossing"].isin(list(network.crossings)).all()
