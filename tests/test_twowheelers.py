"""Two-wheelers (e-bikes and bicycles) at crossings: streams, yielding, injury, harm, tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from kerb_kit import hand_road, hand_walker

from simulator.crossing import Crossing
from simulator.harm import Judgement
from simulator.kerbdata import Flow, Risk, speed_change_ratio
from simulator.kerbharm import on_green, rolling_harm, stage_harm
from simulator.metrics import Event, run_summary
from simulator.params import default_parameters
from simulator.risk import Encounter, blend, injury_model, with_harm, worst
from simulator.setting import Calming, _crossing_traffic
from simulator.traffic import BICYCLE, EBIKE, KMH, TwoWheelerFlow, constant, make_stream, piecewise_linear

P = default_parameters()
MAX_RATE = 1800 / 3600.0
FLAT = piecewise_linear([0.0, 3600.0], [1.0, 1.0])


def riders(ebike_vph: float, bicycle_vph: float, *, ratio: float = 0.5) -> TwoWheelerFlow:
    """Two-wheelers per direction at constant rates, 17.1 and 13.5 km/h."""
    e, b = constant(ebike_vph / 3600.0), constant(bicycle_vph / 3600.0)
    return TwoWheelerFlow(rate=((e, e), (b, b)), mean_speed=(17.1 * KMH, 13.5 * KMH), speed_cv=0.26,
                          yield_ratio=ratio)


def stream(twowheelers: TwoWheelerFlow | None, *, lanes=(2, 2), end: float = 3600.0, seed: int = 1):
    rate = constant(500 / 3600.0)
    return make_stream(seed=seed, crossing_id="x1-2", lanes=lanes, rate=(rate, rate),
                       mean_speed=(constant(40 * KMH),) * 2, speed_cv=0.25, max_rate=MAX_RATE, start=0.0,
                       end=end, twowheelers=twowheelers)


COLUMNS = ("t", "speed", "direction", "lane", "u_yield", "kind")


# --- streams: common random numbers -------------------------------------------------------------


def test_no_two_wheeler_flow_is_the_cars_stream_value_for_value():
    cars = stream(None)
    for flow in (riders(0.0, 0.0), riders(0.0, 0.0, ratio=0.0)):
        none = stream(flow)
        for name in COLUMNS:
            np.testing.assert_array_equal(getattr(cars, name), getattr(none, name))
        for d in (0, 1):
            for k in (0, 1):
                np.testing.assert_array_equal(cars.of_lane(d, k).t, none.of_lane(d, k).t)
    assert not cars.kind.any() and cars.kind.dtype == np.int8


def test_two_wheelers_leave_every_car_where_it_was():
    cars, both = stream(None), stream(riders(400.0, 100.0))
    motor = both.kind == 0
    for name in ("t", "speed", "direction", "lane", "u_yield"):
        np.testing.assert_array_equal(getattr(cars, name), getattr(both, name)[motor])
    assert np.all(np.diff(both.t) >= 0)
    ride = ~motor
    assert set(np.unique(both.kind[ride])) == {EBIKE, BICYCLE}
    assert np.all(both.lane[ride] == 0) and set(np.unique(both.direction[ride])) == {0, 1}
    # the kerb lane's own stream holds its riders, in time order; lane 1 has none
    kerb = both.of_lane(0, 0)
    assert np.all(np.diff(kerb.t) >= 0) and (kerb.kind != 0).sum() == ((both.direction == 0) & ride).sum()
    np.testing.assert_array_equal(both.of_lane(0, 1).t, cars.of_lane(0, 1).t)
    # about the rates asked for, per direction, over an hour (Poisson: 4 sd)
    for kind, vph in ((EBIKE, 400.0), (BICYCLE, 100.0)):
        n = int(((both.kind == kind) & (both.direction == 0)).sum())
        assert abs(n - vph) < 4 * math.sqrt(vph)
    # more e-bikes keep the first ones: thinning by the same numbers
    more = stream(riders(800.0, 100.0))
    assert set(both.t[both.kind == EBIKE]) <= set(more.t[more.kind != 0])


def test_a_one_way_road_has_two_wheelers_in_its_one_direction_only():
    s = stream(riders(400.0, 100.0), lanes=(2, 0))
    assert (s.kind != 0).any() and np.all(s.direction == 0)


def test_rider_speeds_are_their_own_and_cut_like_the_cars():
    s = stream(riders(600.0, 600.0), end=7200.0)
    for kind, kmh in ((EBIKE, 17.1), (BICYCLE, 13.5)):
        v = s.speed[s.kind == kind] / KMH
        assert abs(v.mean() - kmh) < 0.5
        assert v.max() <= kmh * (1 + 0.26 * 2.5) + 1e-9 and v.min() >= kmh * (1 - 0.26 * 2.5) - 1e-9


@pytest.mark.parametrize(("ratio", "m_y"), [(0.5, 0.2), (0.5, 0.9), (2.0, 0.3), (3.0, 0.5), (0.0, 0.9)])
def test_a_rider_yields_with_ratio_times_the_drivers_rate(ratio: float, m_y: float):
    """The kerb's test u_yield < M_y holds for a share min(1, ratio x M_y) of riders (binomial, 4 sd)."""
    s = stream(riders(900.0, 900.0, ratio=ratio), end=3 * 3600.0)
    u = s.u_yield[s.kind != 0]
    n, p = u.size, min(1.0, ratio * m_y)
    share = float((u < m_y).mean())
    assert n > 5000
    assert abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-12
    cars = s.u_yield[s.kind == 0]
    assert abs(float((cars < m_y).mean()) - m_y) <= 4 * math.sqrt(m_y * (1 - m_y) / cars.size)


# --- injury: the car curve at the child's change of speed -------------------------------------


def test_the_speed_change_ratio_is_momentum():
    r = speed_change_ratio(120.0, 25.0, 1400.0)
    assert r == pytest.approx((120 / 145) / (1400 / 1425))
    assert r == pytest.approx(0.8423, abs=1e-4)
    assert speed_change_ratio(1400.0, 25.0, 1400.0) == 1.0
    assert speed_change_ratio(85.0, 25.0, 1400.0) < r < 1.0


def test_a_two_wheeler_strike_is_the_car_curve_at_the_lower_speed():
    risk = Risk.from_params(P)
    assert risk.riders is not None
    car = injury_model(P)
    v = np.array([10.0, 20.0, 30.0, 50.0])
    for exposure, kind in zip(risk.riders, ("ebike", "bicycle"), strict=True):
        r = speed_change_ratio(P["twowheeler.mass"][kind], P["harm.child_mass"], P["harm.car_mass"])
        np.testing.assert_allclose(exposure.injury.severe(v), car.severe(v * r), rtol=1e-12)
        np.testing.assert_allclose(exposure.injury.death(v), car.death(v * r), rtol=1e-12)
        assert np.all(exposure.injury.severe(v) < car.severe(v))
        assert exposure.vehicle_width == P["twowheeler.width"][kind]
        assert exposure.braking.decel.mean() == pytest.approx(P["twowheeler.decel_mean"])


# --- expected harm: independent classes add ---------------------------------------------------


def harm_road(car_vph: float, flow: TwoWheelerFlow | None):
    rate = constant(car_vph / 3600.0)
    car_flow = Flow(rate=(rate, rate), mean_speed=(constant(40 * KMH),) * 2, twowheelers=flow)
    return hand_road(length=14.0, lanes=(2, 2), near=0, stream=stream(None), yield_rate=0.0, flow=car_flow,
                     rider_stop_decel=1.75)


CHILD = hand_walker(speed=1.2, startup=3.5, time_weight=0.0, ref_speed=40 * KMH, min_lag=2.0)


def three(harm_of):
    """Harm with cars and two-wheelers, cars only, two-wheelers only (fresh tables each)."""
    return (harm_of(harm_road(600.0, riders(400.0, 100.0))), harm_of(harm_road(600.0, None)),
            harm_of(harm_road(0.0, riders(400.0, 100.0))))


@pytest.mark.parametrize("how", ["stage", "careless-stage", "rolling", "guard", "green"])
def test_harm_is_cars_plus_two_wheelers(how: str):
    judgement = CHILD.judgement(8.0)
    blind = Judgement(need=2.0, sigma=0.0, min_lag=2.0)

    def harm_of(road):
        risk = Risk.from_params(P)
        lanes = road.lane_order()
        if how == "stage":
            return stage_harm(road, lanes, 100.0, CHILD, judgement, risk, from_kerb=True)
        if how == "careless-stage":
            return stage_harm(road, lanes, 100.0, CHILD.careless, blind, risk, from_kerb=True)
        if how in ("rolling", "guard"):
            share = 1.0 if how == "rolling" else 1.0 - 0.9
            return rolling_harm(road, lanes, 100.0, np.array([5.0, 5.0, 5.0]), CHILD.lane_by_lane, risk,
                                share=share)
        enc = on_green(road, CHILD, 100.0, 110.0, risk, blind=False)
        return enc

    both, cars, tw = three(harm_of)
    if how == "green":  # encounters: compare the probabilities' counts
        def count(p: float) -> float:
            return -math.log1p(-p)
        assert count(both.p_severe) == pytest.approx(count(cars.p_severe) + count(tw.p_severe), rel=1e-9)
        assert both.p_severe_tw == pytest.approx(
            both.p_severe * count(tw.p_severe) / count(both.p_severe), rel=1e-9)
        assert cars.p_severe_tw == 0.0 and tw.p_severe_tw == pytest.approx(tw.p_severe, rel=1e-9)
        assert tw.p_severe > 0
        return
    for name in ("impact", "severe", "death"):
        assert getattr(both, name) == pytest.approx(getattr(cars, name) + getattr(tw, name), rel=1e-9)
    assert tw.impact > 0 and tw.severe > 0
    assert both.severe_tw == pytest.approx(tw.severe, rel=1e-9) and cars.severe_tw == 0.0
    assert tw.severe_tw == pytest.approx(tw.severe, rel=1e-9)


def test_riders_ignore_a_guard_more_often_than_drivers():
    """Under a guard obeyed by 90% of drivers, min(1, 0.5 x 0.9) = 45% of riders stop: 55% stay a hazard."""
    walker = CHILD.lane_by_lane

    def tw_only(share: float):
        road = harm_road(0.0, riders(400.0, 100.0))
        return rolling_harm(road, road.lane_order(), 100.0, np.zeros(3), walker, Risk.from_params(P),
                            share=share)

    free, guarded = tw_only(1.0), tw_only(0.1)
    assert guarded.impact == pytest.approx(free.impact * 0.55, rel=1e-9)


# --- encounters: the two-wheelers' part -------------------------------------------------------


def test_the_two_wheelers_part_combines_across_stages_and_branches():
    a = with_harm(Encounter(1, 2.0, 0.5, 4.0, 0.0, 0.0, 0.0, 1), 0.1, 0.05, 0.01, 0.02)
    b = with_harm(Encounter(2, 1.0, 0.8, 2.0, 0.0, 0.0, 0.0, 0), 0.2, 0.10, 0.02, 0.0)
    both = worst(a, b)
    la, lb = -math.log(1 - 0.05), -math.log(1 - 0.10)
    assert both.conflicts_tw == 1 and both.conflicts == 3
    assert both.p_severe == pytest.approx(1 - 0.95 * 0.90)
    assert both.p_severe_tw == pytest.approx(both.p_severe * (la * 0.02 / 0.05) / (la + lb))
    mixed = blend(a, b, 0.25)
    assert mixed.p_severe_tw == pytest.approx(0.75 * 0.02) and mixed.conflicts_tw == 1
    assert worst(b, b).p_severe_tw == 0.0


# --- setting: speeds, volumes ------------------------------------------------------------------


def crossing(**kw) -> Crossing:
    base = {"id": "x1-2", "node": 1, "edge": (1, 2, 0), "x": 0.0, "y": 0.0, "facility": "zebra",
            "highway": "tertiary", "name": "", "length": 14.0, "lanes": (2, 2), "speed_limit": 40.0,
            "volume": (700.0, 700.0)}
    return Crossing(**(base | kw))


def traffic(c: Crossing, calming: Calming, params=P, **kw):
    return _crossing_traffic(c, params=params, profile=FLAT, enforcement="normal", calming=calming,
                             volume=None, **kw)


def test_a_30_kmh_limit_slows_the_cars_but_not_the_two_wheelers():
    plain, calmed = traffic(crossing(), Calming()), traffic(crossing(), Calming(limit=30.0))
    assert calmed.mean_speed[0].at(0.0) < plain.mean_speed[0].at(0.0)
    assert plain.twowheelers is not None and calmed.twowheelers is not None
    assert calmed.twowheelers.mean_speed == plain.twowheelers.mean_speed == (17.1 * KMH, 13.5 * KMH)
    slow_humps = P.with_overrides({"traffic.hump_p85": 15.0})
    humped = traffic(crossing(), Calming(humps=True), params=slow_humps)
    assert humped.twowheelers is not None
    cap = 15.0 / (1 + 1.036 * P["twowheeler.speed_cv"]) * KMH
    assert humped.twowheelers.mean_speed == (pytest.approx(cap), pytest.approx(cap))


def test_two_wheeler_volumes_by_class_and_the_parents_e_bikes():
    t = traffic(crossing(), Calming())
    assert t.twowheelers_peak_vph == 2 * P["twowheeler.peak_volume"]["tertiary"]
    assert t.twowheelers is not None
    e, b = t.twowheelers.rate
    share = P["twowheeler.ebike_share"]
    assert e[0].at(0.0) == pytest.approx(250 * share / 3600)
    assert b[1].at(0.0) == pytest.approx(250 * (1 - share) / 3600)
    pulse = constant(90 / 3600.0)  # any pulse of the parents' e-bikes (a Dropoff in the model)
    with_parents = traffic(crossing(), Calming(), ebike_dropoff=(pulse, pulse))  # each direction
    assert with_parents.twowheelers is not None
    extra = with_parents.twowheelers.rate[0][1].at(600.0) - e[1].at(600.0)
    assert extra == pytest.approx(pulse.at(600.0)) and extra > 0
    assert with_parents.twowheelers.rate[1][0].at(600.0) == b[0].at(600.0)  # bicycles: no parents
    assert traffic(crossing(facility="footbridge"), Calming()).twowheelers is None
    none = P.with_overrides({"twowheeler.peak_volume": dict.fromkeys(P["twowheeler.peak_volume"], 0)})
    assert traffic(crossing(), Calming(), params=none).twowheelers is None


# --- tables ------------------------------------------------------------------------------------


def test_event_columns_and_run_figures():
    assert {"conflicts_twowheeler", "p_severe_twowheeler"} <= set(Event._fields)
    trips = pd.DataFrame({
        "p_severe": [0.0015, 0.0005], "p_death": [0.0, 0.0], "conflicts": [1.0, 0.0],
        "unassisted_arterial": [0, 0], "in_road_s": [8.0, 4.0], "wait_s": [20.0, 0.0],
        "trip_s": [600.0, 500.0], "detour_m": [0.0, 0.0], "late": [False, False], "step_free": [False, False],
        "step_free_extra_m": [0.0, 0.0], "forced_at_grade": [0, 0]})
    events = pd.DataFrame({"wait_s": [20.0, 0.0], "children": [2, 1], "mode": ["gap", "green"],
                           "short_sight": [False, False], "p_severe": [0.0015, 0.0005],
                           "p_severe_twowheeler": [0.0005, 0.0]})
    s = run_summary(trips, events, params=P)
    assert s["severe_twowheeler_per_100k_trips"] == pytest.approx(1e5 * 0.0005 / 2)
    assert s["twowheeler_severe_share_pct"] == pytest.approx(25.0)
    quiet = run_summary(trips.assign(p_severe=0.0), events.assign(p_severe=0.0, p_severe_twowheeler=0.0),
                        params=P)
    assert quiet["twowheeler_severe_share_pct"] == 0.0 and quiet["severe_twowheeler_per_100k_trips"] == 0.0


def test_a_run_reports_two_wheelers(small_setting, run_cached):
    result = run_cached(small_setting("baseline"), 1)
    events, crossings = result.events, result.crossings
    assert (events["p_severe_twowheeler"] <= events["p_severe"] + 1e-15).all()
    assert events["p_severe_twowheeler"].sum() > 0
    assert (events["conflicts_twowheeler"] <= events["conflicts"]).all()
    assert (crossings["twowheelers_peak_vph"] > 0).any()
    assert 0.0 < result.summary["twowheeler_severe_share_pct"] < 100.0
