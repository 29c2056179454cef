"""Parents' drop-off vehicles: routed from each home to the gate, counted only where they pass."""

from __future__ import annotations

import math

import pytest
from conftest import scenario_path

from simulator.arrival import expected_share
from simulator.experiment import settings_from_files
from simulator.network.gatestreet import GATE_LANE
from simulator.setting import dropoff_paths, street_flows


@pytest.fixture(scope="module")
def baseline():
    (setting,), _ = settings_from_files([scenario_path("baseline")])
    return setting


def _driven(s, mode: str) -> dict[str, float]:
    return {h: s.n_children * x for h, x in expected_share(s.mode_p, s.home_weights, mode).items()}


def test_every_driven_child_arrives_at_the_gate(baseline) -> None:
    """The streets that end at the gate's street node carry the cars of every home not at that node."""
    s = baseline
    cars = street_flows(dropoff_paths(s.network), _driven(s, "car"))
    street, school = s.network.street, s.network.graph.nodes[s.network.school_node]
    gate = min(street.nodes, key=lambda n: math.hypot(street.nodes[n]["x"] - school["x"],
                                                      street.nodes[n]["y"] - school["y"]))
    arriving = sum(n for (u, v), n in cars.items() if gate in (u, v))
    driven = sum(_driven(s, "car").values())
    assert 0.8 * driven <= arriving <= driven * (1 + 1e-9)
    assert max(cars.values()) <= driven * (1 + 1e-9)  # no street carries a car twice


def test_farther_homes_drive_more_so_the_driven_share_exceeds_the_nearest_homes(baseline) -> None:
    s = baseline
    by_distance = sorted(s.routes, key=lambda h: s.routes[h].shortest_length)
    near, far = by_distance[: len(by_distance) // 4], by_distance[-len(by_distance) // 4:]
    assert max(s.mode_p[h]["car"] for h in near) < min(s.mode_p[h]["car"] for h in far)


def test_a_crossing_sees_the_cars_that_pass_it_not_all_of_them(baseline) -> None:
    s = baseline
    school = s.network.graph.nodes[s.network.school_node]
    radius = s.params["dropoff.radius"]
    at_gate = {s.gate.crossing.id, GATE_LANE}
    near = {cid: tr.rate[0].dropoff for cid, tr in s.traffic.items()
            if math.hypot(tr.crossing.x - school["x"], tr.crossing.y - school["y"]) <= radius
            and cid not in at_gate}
    counts = sorted(d.cars for d in near.values() if d is not None)
    driven = sum(_driven(s, "car").values())
    assert counts and max(counts) <= driven * (1 + 1e-9)
    assert min(counts) < driven / 4  # a side street sees a few
    assert any(d is None for d in near.values())  # a street no car takes sees none
    rates = s.traffic[s.gate.crossing.id].rate  # every car passes the gate, once
    assert sum(r.dropoff.cars for r in rates if r.dropoff is not None) == pytest.approx(driven)
