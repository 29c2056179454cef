"""The school gate: which side parents stop on, the kerb queue spilling into the lane, and the levers."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import scenario_path

from simulator.experiment import settings_from_files
from simulator.gate import GATE, GATE_LANE, GateRules, drops, route_from, route_tail
from simulator.params import default_parameters
from simulator.routing import Leg, Route
from simulator.runs import run_once

P = default_parameters()
CAR = P["gate.kerb_length_per_car"]


def _drops(arrive, kind, far=None, *, rules=None, z=None, u=None, params=P):
    n = len(arrive)
    rules = rules or GateRules()
    far = np.zeros(n, bool) if far is None else np.asarray(far)
    z = np.zeros(n) if z is None else np.asarray(z)
    u = np.ones(n) if u is None else np.asarray(u)
    return drops(np.asarray(arrive, float), np.asarray(kind), far, z, u, rules=rules, params=params)


def test_a_full_kerb_puts_the_next_cars_in_the_lane_until_a_space_frees() -> None:
    room = int(P["gate.kerb_length"] // CAR)
    dwell = P["gate.car_dwell_free"] * math.exp(-0.5 * P["gate.dwell_sigma"] ** 2)  # z = 0
    arrive = [0.0] * (room + 2) + [dwell + 1.0]
    placed = _drops(arrive, ["car"] * len(arrive))
    assert [d.in_lane for d in placed] == [False] * room + [True, True, False]
    assert all(d.side == 0 for d in placed)


def test_e_bikes_take_less_kerb_than_cars() -> None:
    n = int(P["gate.kerb_length"] // P["gate.kerb_length_per_ebike"])
    placed = _drops([0.0] * n, ["ebike"] * n)
    assert not any(d.in_lane for d in placed)


def test_a_kiss_and_ride_zone_turns_complying_far_side_parents_round_and_shortens_stops() -> None:
    zone = GateRules(zone_m=60.0)
    u = [0.1, 0.99]  # the first complies (below gate.far_side_compliance), the second does not
    placed = _drops([0.0, 0.0], ["car", "car"], far=[True, True], rules=zone, u=u)
    assert [d.side for d in placed] == [0, 1]
    # in the zone a car stands the kiss-and-ride time: the next car at that moment finds its space free
    short = P["gate.car_dwell_kiss_ride"] * math.exp(-0.5 * P["gate.dwell_sigma"] ** 2)
    room = int(60.0 // CAR)
    arrive = [0.0] * room + [short + 0.5]
    placed = _drops(arrive, ["car"] * len(arrive), rules=zone)
    assert not any(d.in_lane for d in placed)
    free = _drops(arrive, ["car"] * len(arrive), params=P.with_overrides({"gate.kerb_length": 60.0}))
    assert free[-1].in_lane  # the unguided stop is longer: the same car waits in the lane


def test_e_bike_parking_takes_the_e_bikes_of_its_users_off_the_kerb() -> None:
    rules = GateRules(ebike_parking_m=30.0)
    placed = _drops([0.0, 0.0], ["ebike", "ebike"], far=[True, True], rules=rules, u=[0.1, 0.99])
    assert placed[0].parked and placed[0].side == 0 and placed[0].position == 30.0
    assert not placed[1].parked and placed[1].side == 1


def test_guided_stops_are_shorter_while_staff_are_at_the_gate() -> None:
    rules = GateRules(guided=((0.0, 100.0),))
    room = int(P["gate.kerb_length"] // CAR)
    guided = P["gate.car_dwell_guided"] * math.exp(-0.5 * P["gate.dwell_sigma"] ** 2)
    arrive = [0.0] * room + [guided + 0.5]
    assert not _drops(arrive, ["car"] * len(arrive), rules=rules)[-1].in_lane
    assert _drops(arrive, ["car"] * len(arrive))[-1].in_lane


def test_where_the_child_is_let_out_decides_what_it_crosses() -> None:
    class Site:
        school_side = 1

    from simulator.gate import Drop

    assert route_from(Drop(0, False, 10.0), Site()).crossings == ()
    assert route_from(Drop(0, True, 45.0), Site()).crossings == (GATE_LANE,)
    far = route_from(Drop(1, False, 10.0), Site())
    assert far.crossings == (GATE,) and far.legs[0].near == 0  # from the kerb beside direction 0
    assert route_from(Drop(0, False, 30.0, parked=True), Site()).crossings == ()


def test_the_tail_of_a_route_is_its_last_metres_with_their_crossings() -> None:
    route = Route((Leg(300.0, "a", 0), Leg(100.0, "b", 1), Leg(50.0, None, 0)), 450.0, (), 450.0)
    tail = route_tail(route, 120.0)
    assert tail.crossings == ("b",) and tail.length == pytest.approx(120.0)
    assert route_tail(route, 1000.0).crossings == ("a", "b")


@pytest.fixture(scope="module")
def baseline():
    (setting,), _ = settings_from_files([scenario_path("baseline")])
    return setting


def test_the_gate_street_is_the_carriageway_beside_the_gate_and_parents_come_from_both_ends(baseline) -> None:
    site = baseline.gate
    assert site is not None and GATE in baseline.traffic and GATE_LANE in baseline.traffic
    school = baseline.network.graph.nodes[baseline.network.school_node]
    assert math.hypot(site.crossing.x - school["x"], site.crossing.y - school["y"]) < 30.0
    assert set(site.approach.values()) == {0, 1}
    assert site.lane.lanes == (1, 0) and site.lane.length == pytest.approx(
        site.crossing.length / sum(site.crossing.lanes))


def test_every_parent_vehicle_passes_the_gate_in_and_out(baseline) -> None:
    rate = baseline.traffic[GATE].rate[0]
    assert rate.dropoff is not None
    weights = baseline.home_weights
    total = sum(weights.get(h, 1.0) for h in baseline.mode_p)
    expected = sum(baseline.n_children * weights.get(h, 1.0) / total * p["car"]
                   for h, p in baseline.mode_p.items())
    assert rate.dropoff.cars == pytest.approx(expected)


def test_a_one_way_gate_street_lets_every_parent_stop_on_the_schools_side(baseline) -> None:
    one_way = replace(baseline, gate=replace(baseline.gate, one_way=True))
    result = run_once(one_way, 1)
    assert not (result.events["crossing"] == GATE).any()
    both = run_once(baseline, 1)
    assert (both.events["crossing"] == GATE).any()


def test_the_trip_table_says_where_each_parent_stopped_and_how_many_double_parked(baseline) -> None:
    result = run_once(baseline, 3)
    trips = result.trips
    driven = trips["arrival_mode"].isin(["car", "ebike"])
    assert set(trips.loc[driven, "let_out"]) <= {"kerb", "lane", "far_kerb", "far_lane"}
    assert (trips.loc[~driven, "let_out"] == "").all()
    lane = trips["let_out"].isin(["lane", "far_lane"])
    assert result.summary["double_parked_pct"] == pytest.approx(100 * lane.sum() / driven.sum())
    # a child let out in the lane on the school's side crosses the kerb lane, on the far side the street
    events = result.events.merge(trips[["party", "let_out"]].drop_duplicates(), on="party")
    assert set(events.loc[events["crossing"] == GATE_LANE, "let_out"]) <= {"lane"}
    assert set(events.loc[events["crossing"] == GATE, "let_out"]) <= {"far_kerb", "far_lane"}


def test_a_staggered_start_leaves_fewer_parents_double_parked(baseline) -> None:
    from simulator.experiment import settings_from_scenarios
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path("staggered-start"))
    (staggered,), _ = settings_from_scenarios([("staggered.yaml", scenario)])
    seeds = (1, 2, 3)
    before = np.mean([run_once(baseline, s).summary["double_parked_pct"] for s in seeds])
    after = np.mean([run_once(staggered, s).summary["double_parked_pct"] for s in seeds])
    assert after < before
