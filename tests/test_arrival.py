"""Arrival modes: who walks, who is driven, carried on an e-bike or takes a bus, and what each walks."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import scenario_path

from simulator.arrival import DRIVEN, Buses, ModeChoice
from simulator.experiment import settings_from_files
from simulator.model import SchoolRouteModel
from simulator.params import default_parameters
from simulator.runs import run_once
from simulator.setting import Dropoff, _pulse

P = default_parameters()
CHOICE = ModeChoice.from_params(P)


def test_half_walk_at_the_d50_and_fewer_farther_away() -> None:
    at_d50 = CHOICE.probabilities(CHOICE.walk_d50, bus=True)
    assert at_d50["walk"] == pytest.approx(0.5)
    walks = [CHOICE.probabilities(d, bus=True)["walk"] for d in (200, 800, 1500, 3000)]
    assert walks == sorted(walks, reverse=True) and walks[0] > 0.8 and walks[-1] < 0.1


def test_the_pupils_who_do_not_walk_split_by_the_survey_weights() -> None:
    p = CHOICE.probabilities(2500.0, bus=True)
    assert sum(p.values()) == pytest.approx(1.0)
    w = P["mode.motorised_weights"]
    assert p["ebike"] / p["car"] == pytest.approx(w["ebike"] / w["car"])
    assert p["bus"] / p["car"] == pytest.approx(w["bus"] / w["car"])
    assert p["school_bus"] == 0.0


def test_no_bus_below_its_distance_or_without_a_stop() -> None:
    assert CHOICE.probabilities(1000.0 * P["mode.bus_min_distance"] - 1, bus=True)["bus"] == 0.0
    assert CHOICE.probabilities(5000.0, bus=False)["bus"] == 0.0
    assert CHOICE.probabilities(5000.0, bus=True)["bus"] > 0.0


def test_a_school_bus_takes_only_driven_pupils_and_keeps_every_other_childs_mode() -> None:
    rng = np.random.default_rng(5)
    with_bus = replace(CHOICE, school_bus_share=0.4)
    moved = 0
    for d in (600.0, 1800.0, 3000.0):
        before, after = CHOICE.probabilities(d, bus=True), with_bus.probabilities(d, bus=True)
        assert after["school_bus"] == pytest.approx(0.4 * (before["ebike"] + before["car"]))
        for u, *race, v in rng.uniform(size=(2000, 5)):
            old, new = CHOICE.draw(before, u, race, v), with_bus.draw(after, u, race, v)
            assert new == old or (old in DRIVEN and new == "school_bus")
            moved += new != old
    assert moved > 0


def test_a_lever_moves_only_the_children_it_concerns() -> None:
    rng = np.random.default_rng(11)
    draws = rng.uniform(size=(20000, 5))
    p = CHOICE.probabilities(2000.0, bus=True)
    base = [CHOICE.draw(p, u, race, v) for u, *race, v in draws]
    fewer_cars = replace(CHOICE, weights={**CHOICE.weights, "car": 0.1})
    q = fewer_cars.probabilities(2000.0, bus=True)
    changed = [(a, fewer_cars.draw(q, u, race, v)) for a, (u, *race, v) in zip(base, draws, strict=True)]
    assert all(a == b or a == "car" for a, b in changed)  # only car pupils move, to their next mode
    assert any(a != b for a, b in changed)
    farther = replace(CHOICE, walk_d50=1.5 * CHOICE.walk_d50)
    r = farther.probabilities(2000.0, bus=True)
    walked = [(a, farther.draw(r, u, race, v)) for a, (u, *race, v) in zip(base, draws, strict=True)]
    assert all(a == b or b == "walk" for a, b in walked)  # more walk; no one else changes mode
    assert any(a != b for a, b in walked)


def test_drawn_modes_follow_the_probabilities() -> None:
    rng = np.random.default_rng(7)
    p = CHOICE.probabilities(1500.0, bus=True)
    draws = [CHOICE.draw(p, u, race, v) for u, *race, v in rng.uniform(size=(20000, 5))]
    for mode, share in p.items():
        k = sum(d == mode for d in draws)
        assert abs(k - 20000 * share) <= 4 * math.sqrt(20000 * share * (1 - share)) + 1


def test_buses_set_pupils_down_on_the_timetable_before_they_want_to_leave() -> None:
    buses = Buses.for_stops(["s1", "s2"], params=P)
    for latest in (0.0, 333.3, 1799.0, 4000.0):
        t = buses.alight("s1", latest)
        assert latest - buses.headway < t <= latest
        assert (t - buses.offsets["s1"]) % buses.headway == pytest.approx(0.0, abs=1e-9)


def test_the_drop_off_pulse_holds_every_vehicle_and_a_staggered_start_spreads_it() -> None:
    one = Dropoff(100.0, *_pulse([4000.0], params=P))
    two = Dropoff(100.0, *_pulse([3400.0, 4000.0], params=P))
    t = np.linspace(-5000, 12000, 20001)
    for pulse in (one, two):
        assert np.trapezoid(pulse(t), t) == pytest.approx(100.0, rel=1e-3)
        assert pulse.at(3700.0) == pytest.approx(float(pulse(np.array([3700.0]))[0]))
    assert two(t).max() < one(t).max()


@pytest.fixture(scope="module")
def baseline():
    (setting,), _ = settings_from_files([scenario_path("baseline")])
    return setting


@pytest.fixture(scope="module")
def morning(baseline):
    model = SchoolRouteModel(baseline, rng=3)
    model.run()
    return model


def test_each_party_arrives_in_its_leads_mode_as_often_as_its_homes_shares_say(baseline, morning) -> None:
    expected: dict[str, float] = {}
    counts: dict[str, int] = {}
    for party in morning.parties:
        home = max(party.members, key=lambda c: (c.age, -c.index)).home
        for mode, p in baseline.mode_p[home].items():
            expected[mode] = expected.get(mode, 0.0) + p
        counts[party.arrival_mode] = counts.get(party.arrival_mode, 0) + 1
    n = len(morning.parties)
    for mode, e in expected.items():
        sd = math.sqrt(e * (1 - e / n))
        assert abs(counts.get(mode, 0) - e) <= 4 * sd + 1, (mode, counts, expected)


def test_walkers_start_at_home_bus_pupils_at_a_stop_and_driven_pupils_at_the_gate(baseline, morning) -> None:
    for party in morning.parties:
        home = party.members[0].home
        if party.arrival_mode == "walk":
            assert party.origin == home
        elif party.arrival_mode == "bus":
            assert party.origin == baseline.home_stop[home]
            assert party.choice is baseline.stop_routes[party.origin]
        else:
            assert party.origin == "gate" and party.choice is None
            assert party.route.length <= 2 * P["gate.kerb_length"] + 50 * P["gate.kerb_length_per_car"]


def test_driven_children_walk_alone_and_only_they_cross_the_kerb_lane(morning) -> None:
    at_gate = {morning.setting.gate.crossing.id, "gate-lane"}
    for party in morning.parties:
        crossed = {cid for cid, _, _ in party.outcomes}
        if party.arrival_mode not in DRIVEN:
            assert "gate-lane" not in crossed
        else:
            assert not any(c.escorted for c in party.members)
            assert crossed <= at_gate


def test_the_trip_table_names_every_mode_and_the_risk_shares_add_up(baseline) -> None:
    result = run_once(baseline, 2)
    modes = set(result.trips["arrival_mode"])
    assert {"walk_alone", "walk_escorted", "ebike", "car"} <= modes
    shares = [result.summary[f"severe_share_{m}_pct"] for m in
              ("walk_alone", "walk_escorted", "ebike", "car", "bus", "school_bus")]
    assert sum(shares) == pytest.approx(100.0)
    walking = result.trips["arrival_mode"].isin(["walk_alone", "walk_escorted"])
    assert result.summary["walking_trips_pct"] == pytest.approx(100 * walking.mean())
    assert result.summary["severe_per_100k_walking_trips"] == pytest.approx(
        1e5 * result.trips.loc[walking, "p_severe"].sum() / walking.sum())


def test_bus_pupils_alight_on_the_timetable_and_walk_from_their_stop() -> None:
    from simulator.experiment import settings_from_scenarios
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path("baseline"))
    scenario = scenario.model_copy(update={"children": 400, "parameters": {"mode.bus_min_distance": 0.0}})
    (setting,), _ = settings_from_scenarios([("bus.yaml", scenario)])
    assert setting.stop_routes, "the default district has bus stops on its arterials"
    model = SchoolRouteModel(setting, rng=4)
    model.run()
    riders = [p for p in model.parties if p.arrival_mode == "bus"]
    assert len(riders) > 5
    buses = setting.buses
    assert buses is not None
    for party in riders:
        assert party.origin in setting.stop_routes
        on_time = (party.depart - buses.offsets[party.origin]) % buses.headway
        assert on_time == pytest.approx(0.0, abs=1e-6) or party.depart == 0.0
        assert party.arrived is not None


def test_a_bus_sets_its_pupils_down_on_its_right_hand_side() -> None:
    from simulator.arrival import alighting_stop

    # an east-west road; stop N on its north kerb, S on its south kerb, 20 m apart
    stops = {"N": (0.0, 10.0), "S": (0.0, -10.0)}
    sides = {"N": ((1.0, 0.0), -1), "S": ((1.0, 0.0), 1)}  # heading east: south is on the right
    # a home to the west: the bus comes eastwards and stops on the south kerb, whichever is nearer
    assert alighting_stop((-900.0, 300.0), stops, sides, pair=80.0) == "S"
    assert alighting_stop((900.0, -300.0), stops, sides, pair=80.0) == "N"  # from the east: westwards
    assert alighting_stop((-900.0, 300.0), stops, {}, pair=80.0) == "N"  # no headings: the nearest
    assert alighting_stop((-900.0, 300.0), {"N": (0.0, 10.0), "far": (0.0, -500.0)},
                          {"far": ((1.0, 0.0), 1)}, pair=80.0) == "N"  # the other side is too far
