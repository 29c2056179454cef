"""Tests of the synthetic district generator (simulator.network.synthetic)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from simulator.crossing import FACILITIES
from simulator.errors import NetworkError
from simulator.network.site import Site
from simulator.network.synthetic import DistrictSpec, district_site
from simulator.params import default_parameters

EDGE_TYPES = {"length": float, "highway": str, "lanes": int, "width": float, "maxspeed": float,
              "oneway": bool, "name": str, "walk": bool, "carriageway": bool,
              "median_fence": bool}
SPECS = [DistrictSpec(), DistrictSpec(seed=7), DistrictSpec(superblocks=(1, 1), seed=3),
         DistrictSpec(superblocks=(4, 2), block_size=(150.0, 150.0), seed=11),
         DistrictSpec(superblocks=(2, 3), compounds_per_block=1, seed=5),
         DistrictSpec(superblocks=(2, 2), compounds_per_block=11, seed=2)]


@pytest.fixture(scope="module")
def site() -> Site:
    return district_site()


def _xy(g: nx.MultiDiGraph, n: int) -> tuple[float, float]:
    return g.nodes[n]["x"], g.nodes[n]["y"]


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    pa, ba = np.subtract(p, a), np.subtract(b, a)
    t = float(np.clip(pa @ ba / (ba @ ba), 0.0, 1.0))
    return float(np.hypot(*(pa - t * ba)))


def _dist_to(g: nx.MultiDiGraph, p: tuple[float, float], highways: set[str]) -> float:
    return min(_seg_dist(p, _xy(g, u), _xy(g, v))
               for u, v, h in g.edges(data="highway") if h in highways)


def _snapshot(s: Site) -> tuple[object, ...]:
    g = s.graph
    nodes = sorted((n, sorted(d.items())) for n, d in g.nodes(data=True))
    edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True))
    return nodes, edges, s.homes, s.school, sorted(g.graph.items(), key=lambda kv: kv[0])


def _superblocks(g: nx.MultiDiGraph) -> tuple[list[float], list[float]]:
    """Arterial lines: x of vertical and y of horizontal primary edges."""
    xs: set[float] = set()
    ys: set[float] = set()
    for u, v, h in g.edges(data="highway"):
        (x0, y0), (x1, _) = _xy(g, u), _xy(g, v)
        if h == "primary":
            (xs if x0 == x1 else ys).add(x0 if x0 == x1 else y0)
    return sorted(xs), sorted(ys)


def test_same_spec_gives_identical_site() -> None:
    assert _snapshot(district_site()) == _snapshot(district_site(DistrictSpec()))


def test_different_seeds_differ() -> None:
    a, b = district_site(DistrictSpec(seed=1)), district_site(DistrictSpec(seed=2))
    assert _snapshot(a)[:3] != _snapshot(b)[:3]
    assert a.school != b.school


def test_node_ids_are_consecutive_integers_from_one(site: Site) -> None:
    assert sorted(site.graph.nodes) == list(range(1, site.graph.number_of_nodes() + 1))
    assert all(type(n) is int for n in site.graph.nodes)


def test_graph_attributes(site: Site) -> None:
    g = site.graph.graph
    assert g["crs"] == "EPSG:32649"
    assert g["name"] == "Synthetic district (seed 1)"
    assert g["source"] == "synthetic"
    assert g["defaulted"] == {}
    xs = [d["x"] for _, d in site.graph.nodes(data=True)]
    ys = [d["y"] for _, d in site.graph.nodes(data=True)]
    assert abs(np.mean(xs) - 800_000) < 500 and abs(np.mean(ys) - 2_523_000) < 500


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.superblocks}-{s.seed}")
def test_edges_meet_the_contract_in_both_directions(spec: DistrictSpec) -> None:
    g = district_site(spec).graph
    lane_width = default_parameters()["traffic.lane_width"]
    assert g.number_of_edges() > 0
    for u, v, k, d in g.edges(keys=True, data=True):
        for key, kind in EDGE_TYPES.items():
            assert type(d[key]) is kind, (u, v, key, d.get(key))
        assert d["length"] == pytest.approx(math.dist(_xy(g, u), _xy(g, v)))
        assert d["length"] > 5.0
        assert d["width"] == pytest.approx(d["lanes"] * lane_width)
        assert d["walk"] is True
        assert d["carriageway"] is (d["highway"] != "footway")
        assert d["median_fence"] is (d["highway"] == "primary")
        assert d["oneway"] is False
        assert g.has_edge(v, u, k) and g.edges[v, u, k] == d
        if d["carriageway"]:
            assert d["lanes"] >= 1 and d["maxspeed"] > 0 and d["name"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.superblocks}-{s.seed}")
def test_nodes_meet_the_contract_and_graph_is_connected(spec: DistrictSpec) -> None:
    g = district_site(spec).graph
    assert nx.is_weakly_connected(g)
    for n, d in g.nodes(data=True):
        assert type(d["x"]) is float and type(d["y"]) is float
        assert type(d["signal"]) is bool
        assert d.get("crossing", "zebra") in FACILITIES, (n, d)
        assert not (d["signal"] and "crossing" in d), (n, d)


def test_road_classes(site: Site) -> None:
    g = site.graph
    by_class: dict[str, set[tuple[int, float]]] = {}
    for _, _, d in g.edges(data=True):
        by_class.setdefault(d["highway"], set()).add((d["lanes"], d["maxspeed"]))
    assert by_class["primary"] == {(6, 60.0)}
    assert by_class["tertiary"] == {(2, 40.0)}
    assert by_class["residential"] == {(2, 30.0)}
    assert len({d["name"] for _, _, d in g.edges(data=True) if d["highway"] == "tertiary"}) >= 6
    assert "学府路" in {d["name"] for _, _, d in g.edges(data=True)}


def _classes_at(g: nx.MultiDiGraph, n: int) -> list[str]:
    return sorted(g.edges[n, m, k]["highway"] for m in g.successors(n) for k in g[n][m])


def test_signals_at_arterial_crossroads_and_some_collector_junctions(site: Site) -> None:
    g = site.graph
    art = [n for n in g if _classes_at(g, n).count("primary") >= 3]
    assert art and all(g.nodes[n]["signal"] for n in art)
    mixed = [n for n in g if {"primary", "tertiary"} <= set(_classes_at(g, n))]
    signalised = sum(g.nodes[n]["signal"] for n in mixed)
    assert 0.3 * len(mixed) <= signalised <= 0.7 * len(mixed)
    others = [n for n in g if "primary" not in _classes_at(g, n)]
    assert not any(g.nodes[n]["signal"] for n in others)


def test_unsignalised_arterial_zebra_near_school(site: Site) -> None:
    g = site.graph
    zebras = [n for n, c in g.nodes(data="crossing") if c == "zebra"
              and {"primary", "tertiary"} <= set(_classes_at(g, n))]
    assert zebras
    assert min(math.dist(_xy(g, n), (site.school.x, site.school.y)) for n in zebras) < 400


def test_footbridge_inside_an_arterial_next_to_the_school(site: Site) -> None:
    g = site.graph
    bridges = [n for n, c in g.nodes(data="crossing") if c == "footbridge"]
    assert len(bridges) == 1
    (n,) = bridges
    assert _classes_at(g, n) == ["primary", "primary"] and not g.nodes[n]["signal"]
    assert math.dist(_xy(g, n), (site.school.x, site.school.y)) < 400


def test_school_gate_on_a_collector_with_a_zebra(site: Site) -> None:
    g, school = site.graph, site.school
    p = (school.x, school.y)
    assert school.name == "实验小学"
    assert _dist_to(g, p, {"tertiary"}) < 20.0
    assert _dist_to(g, p, {"primary"}) > 50.0
    gate = min(g, key=lambda n: math.dist(_xy(g, n), p))
    assert g.nodes[gate].get("crossing") == "zebra"
    assert _classes_at(g, gate) == ["tertiary", "tertiary"]
    assert math.dist(_xy(g, gate), p) == pytest.approx(8.0)


def test_midblock_zebra_on_a_collector_away_from_the_school(site: Site) -> None:
    g, p = site.graph, (site.school.x, site.school.y)
    mid = [n for n, c in g.nodes(data="crossing")
           if c == "zebra" and _classes_at(g, n) == ["tertiary", "tertiary"]]
    assert any(math.dist(_xy(g, n), p) > 100.0 for n in mid)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.superblocks}-{s.seed}")
def test_homes_in_every_superblock_at_gates(spec: DistrictSpec) -> None:
    s = district_site(spec)
    g = s.graph
    xs, ys = _superblocks(g)
    assert (len(xs) - 1, len(ys) - 1) == spec.superblocks
    for i in range(len(xs) - 1):
        for j in range(len(ys) - 1):
            inside = [h for h in s.homes if xs[i] < h.x < xs[i + 1] and ys[j] < h.y < ys[j + 1]]
            assert inside, (i, j)
    compounds = {h.id.split("-")[0] for h in s.homes}
    assert len(compounds) == spec.compounds_per_block * spec.superblocks[0] * spec.superblocks[1]
    assert len({h.id for h in s.homes}) == len(s.homes)
    for h in s.homes:
        assert h.weight > 0
        assert _dist_to(g, (h.x, h.y), {"tertiary", "residential"}) == pytest.approx(8.0, abs=0.01)


def test_home_weights_follow_compound_size(site: Site) -> None:
    weights = [h.weight for h in site.homes]
    assert max(weights) > 2 * min(weights)
    assert 5_000 < sum(weights) < 100_000  # households in about 1.6 km²


def test_gates_of_a_compound_share_its_households(site: Site) -> None:
    by_compound: dict[str, list[float]] = {}
    for h in site.homes:
        by_compound.setdefault(h.id.split("-")[0], []).append(h.weight)
    assert any(len(w) == 2 for w in by_compound.values())
    assert all(len(w) in (1, 2) and max(w) == min(w) for w in by_compound.values())


def test_parameters_set_lanes_and_limits() -> None:
    params = default_parameters().with_overrides({
        "traffic.default_lanes": {**default_parameters()["traffic.default_lanes"], "primary": 8},
        "traffic.lane_width": 3.0})
    g = district_site(params=params).graph
    arterial = [d for _, _, d in g.edges(data=True) if d["highway"] == "primary"]
    assert all(d["lanes"] == 8 and d["width"] == pytest.approx(24.0) for d in arterial)


@pytest.mark.parametrize(("spec", "field"), [
    (DistrictSpec(superblocks=(0, 3)), "superblocks"),
    (DistrictSpec(superblocks=(3, 0)), "superblocks"),
    (DistrictSpec(block_size=(149.0, 400.0)), "block_size"),
    (DistrictSpec(block_size=(450.0, 100.0)), "block_size"),
    (DistrictSpec(compounds_per_block=0), "compounds_per_block"),
    (DistrictSpec(pupils=0), "pupils"),
])
def test_bad_spec_raises_naming_the_field(spec: DistrictSpec, field: str) -> None:
    with pytest.raises(NetworkError, match=f"DistrictSpec.{field} must be"):
        district_site(spec)
