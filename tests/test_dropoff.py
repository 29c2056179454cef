"""Parents' drop-off cars: routed from each home to the gate, counted only where they pass."""

from __future__ import annotations

import math

import pytest
from conftest import scenario_path

from simulator.experiment import settings_from_files
from simulator.setting import dropoff_cars


@pytest.fixture(scope="module")
def baseline():
    (setting,), _ = settings_from_files([scenario_path("baseline")])
    return setting


def test_every_driven_child_arrives_at_the_gate(baseline) -> None:
    """The streets that end at the gate's street node carry the cars of every home not at that node."""
    s = baseline
    cars = dropoff_cars(s.network, s.n_children, s.home_weights, params=s.params)
    street, school = s.network.street, s.network.graph.nodes[s.network.school_node]
    gate = min(street.nodes, key=lambda n: math.hypot(street.nodes[n]["x"] - school["x"],
                                                      street.nodes[n]["y"] - school["y"]))
    arriving = sum(n for (u, v), n in cars.items() if gate in (u, v))
    driven = s.params["dropoff.car_share"] * s.n_children
    assert 0.8 * driven <= arriving <= driven * (1 + 1e-9)
    assert max(cars.values()) <= driven * (1 + 1e-9)  # no street carries a car twice


def test_a_crossing_sees_the_cars_that_pass_it_not_all_of_them(baseline) -> None:
    s = baseline
    school = s.network.graph.nodes[s.network.school_node]
    radius = s.params["dropoff.radius"]
    near = {cid: tr.rate[0].dropoff for cid, tr in s.traffic.items()
            if math.hypot(tr.crossing.x - school["x"], tr.crossing.y - school["y"]) <= radius}
    counts = sorted(d.cars for d in near.values() if d is not None)
    driven = s.params["dropoff.car_share"] * s.n_children
    assert counts and max(counts) <= driven
    assert min(counts) < driven / 4  # a side street sees a few
    assert any(d is None for d in near.values())  # a street no car takes sees none
