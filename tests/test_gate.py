"""The school gate: which side parents stop on, the kerb queue spilling into the lane, and the levers."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import scenario_path

from simulator.experiment import settings_from_files
from simulator.gate import GateRules, drops, route_from
from simulator.network.gatestreet import GATE, GATE_LANE
from simulator.params import default_parameters
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


@pytest.fixture(scope="module")
def baseline():
    (setting,), _ = settings_from_files([scenario_path("baseline")])
    return setting


def test_where_the_child_is_let_out_decides_what_it_crosses(baseline) -> None:
    from simulator.gate import Drop

    site = baseline.gate
    assert route_from(Drop(0, False, 10.0), site).crossings == ()
    assert route_from(Drop(0, True, 45.0), site).crossings == (GATE_LANE,)
    far = route_from(Drop(1, False, 10.0), site)
    assert far.crossings == (site.crossing.id,) and far.legs[0].near == site.street.far_kerb
    assert far.length == pytest.approx(10.0 + 2 * site.street.detour)
    assert route_from(Drop(0, False, 30.0, parked=True), site).crossings == ()


def test_children_let_out_opposite_cross_at_the_zebra_by_the_gate_not_beside_it(baseline) -> None:
    site = baseline.gate
    assert site is not None and GATE_LANE in baseline.traffic
    # the district's gate is on 学府路 right by the zebra x116-24: that is where they cross
    assert site.crossing.id == "x116-24" and site.crossing.facility == "zebra"
    assert GATE not in baseline.traffic
    school = baseline.network.graph.nodes[baseline.network.school_node]
    assert math.hypot(site.crossing.x - school["x"], site.crossing.y - school["y"]) <= P["gate.kerb_length"]
    assert site.lane.lanes == (1, 0) and site.lane.length == pytest.approx(
        site.crossing.length / sum(site.crossing.lanes))


def test_without_a_crossing_by_the_gate_one_is_added_there(baseline) -> None:
    from simulator.network.gatestreet import gate_street

    street = gate_street(baseline.network.street, (site_point := (baseline.gate.crossing.x,
                                                                  baseline.gate.crossing.y)),
                         params=P, crossings={})
    assert street is not None and street.crossing.id == GATE and street.crossing.inferred
    assert street.crossing.facility == "unmarked" and street.detour == 0.0
    assert math.hypot(street.crossing.x - site_point[0], street.crossing.y - site_point[1]) < 10.0


def test_every_parent_vehicle_passes_the_gate_once_in_the_direction_it_arrives(baseline) -> None:
    site = baseline.gate
    weights = baseline.home_weights
    total = sum(weights.get(h, 1.0) for h in baseline.mode_p)
    cars = {h: baseline.n_children * weights.get(h, 1.0) / total * p["car"]
            for h, p in baseline.mode_p.items()}
    rates = baseline.traffic[site.crossing.id].rate
    both = [rates[d].dropoff.cars if rates[d].dropoff is not None else 0.0 for d in (0, 1)]
    assert sum(both) == pytest.approx(sum(cars.values()))
    assert both == pytest.approx(list(site.vehicles(cars)))
    kerb_lane = baseline.traffic[GATE_LANE].rate[0].dropoff
    assert kerb_lane.cars == pytest.approx(both[site.street.school_side])


def test_a_one_way_gate_street_lets_parents_stop_at_their_right_hand_kerb(baseline) -> None:
    for school_side, crossed in ((0, False), (1, True)):
        street = replace(baseline.gate.street, one_way=True, school_side=school_side)
        result = run_once(replace(baseline, gate=replace(baseline.gate, street=street)), 1)
        driven = result.trips.loc[result.trips["arrival_mode"].isin(["car", "ebike"]), "party"]
        gate = result.events[result.events["party"].isin(driven)
                             & (result.events["crossing"] == baseline.gate.crossing.id)]
        assert (len(gate) > 0) == crossed


def test_the_trip_table_says_where_each_parent_stopped_and_how_many_double_parked(baseline) -> None:
    result = run_once(baseline, 3)
    trips = result.trips
    driven = trips["arrival_mode"].isin(["car", "ebike"])
    assert set(trips.loc[driven, "let_out"]) <= {"kerb", "lane", "far_kerb", "far_lane"}
    assert (trips.loc[~driven, "let_out"] == "").all()
    lane = trips["let_out"].isin(["lane", "far_lane"])
    assert result.summary["double_parked_pct"] == pytest.approx(100 * lane.sum() / driven.sum())
    # a child let out in the lane on the school's side crosses the kerb lane, on the far side the street
    parties = trips[driven][["party", "let_out"]].drop_duplicates()
    events = result.events.merge(parties, on="party")
    assert set(events.loc[events["crossing"] == GATE_LANE, "let_out"]) <= {"lane"}
    assert set(events["let_out"]) - {"kerb"} and "kerb" not in set(events["let_out"])


def test_under_a_drop_off_ban_children_walk_the_end_of_their_route_from_the_ban_edge() -> None:
    (banned,), _ = settings_from_files([scenario_path("no-dropoff")])
    result = run_once(banned, 1)
    trips = result.trips[result.trips["arrival_mode"].isin(["car", "ebike"])]
    assert (trips["start"] == "ban_edge").all() and (trips["route"] == "ban_edge").all()
    radius = 150.0  # no-dropoff.yaml
    full = trips["home"].map(lambda h: banned.routes[h].compliant.length)
    assert (trips["route_m"] >= np.minimum(radius, full) - 1e-6).all()  # cut at a node beyond the edge
    assert (trips["route_m"] <= full + 1e-6).all()
    assert trips["route_m"].median() < 2 * radius


def test_a_staggered_start_leaves_fewer_parents_double_parked(baseline) -> None:
    from simulator.experiment import settings_from_scenarios
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_path("staggered-start"))
    (staggered,), _ = settings_from_scenarios([("staggered.yaml", scenario)])
    seeds = (1, 2, 3)
    before = np.mean([run_once(baseline, s).summary["double_parked_pct"] for s in seeds])
    after = np.mean([run_once(staggered, s).summary["double_parked_pct"] for s in seeds])
    assert after < before
