"""Bus stops on the walk network, routes from them, and a school gate and stops a scenario moves."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from osm_kit import OSM_DIR
from pyproj import Transformer

from simulator import cache as site_cache
from simulator.errors import NetworkError, ScenarioError
from simulator.experiment import built_site
from simulator.figures import draw_site_map
from simulator.network.gatestreet import GATE_IDS
from simulator.network.schools import site_from_file
from simulator.network.site import Site, Stop
from simulator.network.stops import PlaceError, is_bus_platform, merge_stops
from simulator.network.synthetic import DistrictSpec, district_site
from simulator.network.walk import WalkNetwork, walk_network_from_site
from simulator.params import default_parameters
from simulator.routing import route_choices
from simulator.scenario import scenario_from_mapping
from simulator.ui.mapdata import Frame, base_map

BEIJING = OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2"
SCHOOL = "中国农业大学附属实验小学"
needs_beijing = pytest.mark.skipif(not BEIJING.is_file(), reason=f"{BEIJING} not found")
PARAMS = default_parameters()
# the synthetic district's streets, homes, school and crossings before bus stops were added
# (sha256 of district_fingerprint, computed on the commit before them)
DISTRICT_BEFORE = {
    (3, 3, 1): "048efedbcc100af6b90c5e288762a937c88669e9ec8af3c5091cce3e3b8e170c",
    (2, 2, 5): "dc6a89e4ff596649055e5f4a6e0626e788aa5b51c19ea964b805ec977b34fa9c",
}


@cache
def beijing() -> tuple[Site, WalkNetwork]:
    site = site_from_file(BEIJING, school=SCHOOL)
    return site, walk_network_from_site(site)


@cache
def district() -> tuple[Site, WalkNetwork]:
    site = district_site()
    return site, walk_network_from_site(site)


def away(stop: Stop, site: Site) -> float:
    return math.dist((stop.x, stop.y), (site.school.x, site.school.y))


def joint(network: WalkNetwork) -> tuple[float, float]:
    """Where the school gate meets the sidewalk."""
    (split,) = network.graph[network.school_node]
    return network.graph.nodes[split]["x"], network.graph.nodes[split]["y"]


def build(site: dict, **fields) -> tuple[Site, WalkNetwork]:
    return built_site(scenario_from_mapping({"name": "t", "site": site, **fields}, origin="t.yaml"),
                      origin="t.yaml")


# --- stops from OpenStreetMap ---------------------------------------------------------------


@needs_beijing
def test_beijing_school_gets_its_named_bus_stops_within_500_m() -> None:
    site, network = beijing()
    names = {s.name for s in site.stops}
    assert {"静淑苑", "六道口", "石板房", "林大北路东口", "中国农业大学东校区"} <= names
    assert all(away(s, site) <= PARAMS["transit.max_stop_walk"] for s in site.stops)
    assert "石板房" in {s.name for s in site.stops if away(s, site) < 350}  # not only the far one
    assert set(network.stop_nodes) == {s.id for s in site.stops} and not network.dropped_stops
    assert network.stop_names["bus1790499040"] == "六道口"
    assert all(s.id.startswith("bus") and s.kind == "bus" for s in site.stops)


@needs_beijing
def test_beijing_stops_mapped_twice_are_merged_and_the_far_one_is_left_out() -> None:
    site, _ = beijing()
    # 静淑苑: four bus_stop/platform nodes, two per side of 学清路, each pair < 30 m apart
    assert len([s for s in site.stops if s.name == "静淑苑"]) == 2
    assert len([s for s in site.stops if s.name == "林大北路东口"]) == 1  # two nodes 25 m apart
    ids = {s.id for s in site.stops}
    assert "bus11799850918" not in ids and "bus10702250170" not in ids  # merged into lower ids
    assert "bus1787297283" not in ids  # 石板房 on the other side, 506 m from the gate
    assert len(site.stops) == 7


@needs_beijing
def test_beijing_stop_ids_are_stable_across_builds() -> None:
    again = site_from_file(BEIJING, school=SCHOOL)
    assert again.stops == beijing()[0].stops


def test_merging_joins_points_closer_than_the_radius_only() -> None:
    points = [("bus1", "", 0.0, 0.0), ("bus2", "甲站", 20.0, 0.0), ("bus3", "乙站", 75.0, 0.0),
              ("busw4", "乙站", 100.0, 0.0)]
    merged = merge_stops(points, radius=30.0)
    assert [(s.id, s.name, s.x) for s in merged] == [("bus1", "甲站", 10.0), ("bus3", "乙站", 87.5)]


def test_subway_platforms_are_not_bus_stops() -> None:
    assert not is_bus_platform({"public_transport": "platform", "railway": "platform", "subway": "yes"})
    assert not is_bus_platform({"public_transport": "stop_position", "bus": "yes"})
    assert is_bus_platform({"public_transport": "platform"})
    assert is_bus_platform({"highway": "bus_stop", "public_transport": "platform"})


# --- stops in the synthetic district --------------------------------------------------------


def district_fingerprint(spec: DistrictSpec) -> str:
    s = district_site(spec)
    g = s.graph
    data = {"nodes": sorted((n, round(d["x"], 3), round(d["y"], 3), d.get("crossing") or "",
                             bool(d.get("signal"))) for n, d in g.nodes(data=True)),
            "edges": sorted((u, v, k, d["highway"], d["name"])
                            for u, v, k, d in g.edges(keys=True, data=True)),
            "homes": [(h.id, round(h.x, 3), round(h.y, 3), h.weight) for h in s.homes],
            "school": (round(s.school.x, 3), round(s.school.y, 3)),
            # the gate street's two crossings (simulator.network.gatestreet) came later, with the gate
            "crossings": sorted(set(walk_network_from_site(s).crossings) - set(GATE_IDS))}
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize(("cols", "rows", "seed"), list(DISTRICT_BEFORE))
def test_district_streets_homes_and_crossings_are_unchanged_by_the_stops(cols: int, rows: int,
                                                                         seed: int) -> None:
    spec = DistrictSpec(superblocks=(cols, rows), seed=seed)
    assert district_fingerprint(spec) == DISTRICT_BEFORE[(cols, rows, seed)]
    assert district_site(spec).stops


def test_district_stops_stand_in_pairs_beside_the_arterials() -> None:
    site, network = district()
    g = site.graph
    arterials = [((g.nodes[u]["x"], g.nodes[u]["y"]), (g.nodes[v]["x"], g.nodes[v]["y"]))
                 for u, v, h in g.edges(data="highway") if h == "primary"]
    half = PARAMS["traffic.default_lanes"]["primary"] * PARAMS["traffic.lane_width"] / 2

    def to_segment(p, a, b) -> float:
        (ax, ay), (bx, by) = a, b
        t = max(0.0, min(1.0, ((p[0] - ax) * (bx - ax) + (p[1] - ay) * (by - ay))
                         / ((bx - ax) ** 2 + (by - ay) ** 2)))
        return math.dist(p, (ax + t * (bx - ax), ay + t * (by - ay)))

    assert len(site.stops) >= 8
    for s in site.stops:
        nearest = min(to_segment((s.x, s.y), a, b) for a, b in arterials)
        assert half < nearest < half + 2.0, s
        assert away(s, site) <= PARAMS["transit.max_stop_walk"]
        assert s.name
    sides = {s.id[:-1] for s in site.stops}
    assert all(sum(s.id[:-1] == k for s in site.stops) == 2 for k in sides)  # both sides
    assert set(network.stop_nodes) == {s.id for s in site.stops}
    assert district_site().stops == site.stops  # deterministic


# --- routes from the stops ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["district", pytest.param("beijing", marks=needs_beijing)])
def test_routes_from_stops_end_at_the_school_and_home_routes_stay(which: str) -> None:
    site, network = district() if which == "district" else beijing()
    from_stops = route_choices(network, params=PARAMS, origins=network.stop_nodes)
    assert set(from_stops) == set(network.stop_nodes)
    for sid, choice in from_stops.items():
        assert choice.compliant.nodes[0] == network.stop_nodes[sid]
        assert choice.compliant.nodes[-1] == network.school_node
        assert choice.compliant.length >= away(next(s for s in site.stops if s.id == sid), site) - 1.0
    homes = route_choices(network, params=PARAMS)
    assert set(homes) == set(network.home_nodes)
    without = walk_network_from_site(replace(site, stops=()))
    assert not without.stop_nodes
    assert homes == route_choices(without, params=PARAMS)


# --- the gate and stops a scenario moves ----------------------------------------------------


def test_a_moved_synthetic_gate_moves_the_school_and_keeps_the_homes() -> None:
    site, network = district()
    x, y = site.school.x + 150.0, site.school.y + 60.0
    moved, moved_net = build({"synthetic": None, "gate": {"x": x, "y": y}})
    assert (moved.school.x, moved.school.y) == (x, y)
    node = moved_net.graph.nodes[moved_net.school_node]
    assert (node["x"], node["y"]) == (x, y)
    assert math.dist(joint(moved_net), joint(network)) > 100.0
    assert moved.homes == site.homes
    assert moved_net.snaps["school"] != network.snaps["school"]


@needs_beijing
def test_a_moved_map_gate_is_read_as_lon_lat() -> None:
    site, network = beijing()
    to_lonlat = Transformer.from_crs(site.graph.graph["crs"], "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(site.school.x + 120.0, site.school.y - 80.0)
    moved, moved_net = build({"map": str(BEIJING), "school": SCHOOL, "gate": {"lon": lon, "lat": lat}})
    assert math.dist((moved.school.x, moved.school.y), (site.school.x + 120.0, site.school.y - 80.0)) < 0.01
    assert moved.homes == site.homes
    assert math.dist(joint(moved_net), joint(network)) > 50.0
    assert all(away(s, moved) <= PARAMS["transit.max_stop_walk"] for s in moved.stops)


def test_a_gate_5_km_away_is_refused_in_one_line_naming_site_gate() -> None:
    site, _ = district()
    with pytest.raises(NetworkError) as bad:
        build({"synthetic": None, "gate": {"x": site.school.x + 5000.0, "y": site.school.y}})
    text = str(bad.value)
    assert "\n" not in text
    assert text.startswith("t.yaml: site.gate: {x: ")
    assert f"{site.school.x + 5000.0:.0f}"[:4] in text and "inside the map" in text


@needs_beijing
def test_a_map_gate_5_km_away_is_refused_in_one_line_naming_site_gate() -> None:
    with pytest.raises(NetworkError) as bad:
        build({"map": str(BEIJING), "school": SCHOOL, "gate": {"lon": 116.41, "lat": 40.003}})
    text = str(bad.value)
    assert "\n" not in text and "site.gate: {lon: 116.41, lat: 40.003} is not allowed" in text


def test_a_gate_off_the_streets_names_the_tolerance_and_every_bad_point() -> None:
    site, _ = district()
    tight = PARAMS.with_overrides({"walk.snap_tolerance": 5.0})
    block = (site.school.x + 60.0, site.school.y + 60.0)  # inside the school's quarter
    with pytest.raises(PlaceError) as bad:
        district_site(params=tight, gate=block, stops={"far": (site.school.x - 9000.0, site.school.y)})
    text = str(bad.value)
    assert text.startswith("site.gate: {x: ") and "walk.snap_tolerance, 5 m" in text
    assert "site.stops.far: " in text and "inside the map" in text


def test_scenario_stops_move_an_existing_stop_and_add_a_new_one() -> None:
    site, _ = district()
    first = site.stops[0]
    here = (first.x, first.y + 30.0)
    new = (site.school.x + 40.0, site.school.y - 8.0)
    moved, network = build({"synthetic": None, "stops": {first.id: {"x": here[0], "y": here[1]},
                                                         "gate_bay": {"x": new[0], "y": new[1]}}})
    by_id = {s.id: s for s in moved.stops}
    assert (by_id[first.id].x, by_id[first.id].y) == here and by_id[first.id].name == first.name
    assert (by_id["gate_bay"].x, by_id["gate_bay"].y) == new
    assert {first.id, "gate_bay"} <= set(network.stop_nodes)
    assert len(moved.stops) == len(site.stops) + 1


def test_lon_lat_on_the_synthetic_district_is_refused_at_the_field() -> None:
    with pytest.raises(ScenarioError) as bad:
        scenario_from_mapping({"name": "t", "site": {"synthetic": None, "stops": {"s1": {"lon": 116.3,
                                                                                        "lat": 40.0}}}},
                              origin="t.yaml")
    assert "site.stops.s1: {lon, lat} given (allowed: {x, y} on the synthetic district)" in str(bad.value)


def test_the_cache_keys_on_the_gate_and_holds_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEROUTE_CACHE", str(tmp_path / "cache"))
    assert site_cache.FORMAT >= 2
    site, _ = district()
    plain, _ = build({"synthetic": None})
    moved, _ = build({"synthetic": None, "gate": {"x": site.school.x + 150.0, "y": site.school.y + 60.0}})
    again, _ = build({"synthetic": None})  # from the cache
    assert again.stops == plain.stops == site.stops
    assert (moved.school.x, moved.school.y) != (plain.school.x, plain.school.y)
    assert len(list((tmp_path / "cache" / "sites").glob("*.pickle"))) == 2


# --- showing the stops ----------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "label"), [("zh", "公交站"), ("en", "bus stop")])
def test_site_map_and_web_map_show_the_stops(lang: str, label: str) -> None:
    _, network = district()
    fig = draw_site_map(network, lang=lang)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"{label} ({len(network.stop_nodes)})" in legend
    drawn = base_map(network, school_name="实验小学", frame=Frame.of(network))
    assert {s["id"] for s in drawn["stops"]} == set(network.stop_nodes)
    assert all(s["name"] for s in drawn["stops"])


def test_a_stop_may_not_be_called_gate() -> None:
    """"gate" is the school-bus bay at the gate (simulator.arrival.GATE_STOP), not a bus stop id."""
    with pytest.raises(ScenarioError, match=r"site\.stops\.gate.*'gate' is not allowed"):
        site = {"synthetic": {"seed": 1}, "stops": {"gate": {"x": 1, "y": 2}}}
        scenario_from_mapping({"name": "x", "site": site}, origin="t.yaml")
