"""Expected injury over each lane's Poisson traffic (simulator/harm.py): judgement, would-be impacts, harm."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.harm import (
    NO_HARM,
    S_NODES,
    SPEED_NODES,
    Exposure,
    Harm,
    HitTable,
    Judgement,
    hit_table,
    line_harm,
)
from simulator.kerbdata import Risk
from simulator.params import default_parameters
from simulator.risk import Braking

PARAMS = default_parameters()
EX = Risk.from_params(PARAMS).exposure
(WALK, _, _), (RUN, RUN_FACTOR, _), (BACK, _, BACK_TIME) = EX.responses
WALK_ON = replace(EX, responses=((1.0, 1.0, math.inf),))
BLIND = Judgement(need=0.0, sigma=0.0, min_lag=0.0)
CHILD = Judgement(need=5.0, sigma=0.3, time_weight=0.0)
ADULT = Judgement(need=4.0, sigma=0.3)

lanes = st.fixed_dictionaries({"entry": st.floats(0.0, 3.0), "width": st.floats(2.5, 4.5),
                               "speed": st.floats(0.8, 1.8), "kmh": st.floats(15.0, 70.0)})
judgements = st.builds(Judgement, need=st.floats(1.0, 10.0), sigma=st.floats(0.05, 0.8),
                       time_weight=st.sampled_from([0.0, 0.5, 1.0]))


def table(entry=0.5, width=3.5, speed=1.2, kmh=40.0, exposure=EX, **kw) -> HitTable | None:
    """The would-be impacts of one lane entered ``entry`` s after the decision."""
    return hit_table(entry=np.array([entry]), width=width, walker_speed=speed,
                     mean_speed=np.array([kmh / 3.6]), exposure=exposure, **kw)


def harm(t: HitTable | None, judgement: Judgement = BLIND, rate: float = 1.0, link: float = 1.0,
         **kw) -> np.ndarray:
    """Impacts, severe injuries and deaths (link 1, one vehicle a second unless told)."""
    h = NO_HARM if t is None else t.harm(np.full(t.s.shape[0], rate), judgement, link, **kw)
    return np.array([h.impact, h.severe, h.death])


def with_path(width: float) -> Exposure:
    """The default physics with a vehicle path this wide (m): the vehicle narrower or wider."""
    return replace(EX, vehicle_width=width - EX.body_width)


def no_more(a: np.ndarray, b: np.ndarray) -> bool:
    """``a`` is at most ``b`` in every component (to rounding)."""
    return bool(np.all(a <= b * (1 + 1e-12) + 1e-15))


# --- the walker's judgement ----------------------------------------------------------------------


def test_walker_who_does_not_judge_steps_out_at_any_lag_from_min_lag():
    j = Judgement(need=9.0, sigma=0.3, min_lag=1.0)
    s = np.array([0.5, 0.999, 1.0, 5.0])
    assert j.accept(s, np.full(4, 10.0)).tolist() == [0.0, 0.0, 1.0, 1.0]


def test_time_judgement_is_lognormal_around_need():
    """Accepts half the vehicles arriving at ``need``, Phi(±1) one sigma either side, whatever the speed."""
    s = 4.0 * np.exp(np.array([-0.3, 0.0, 0.3]))
    for v in (5.0, 20.0):
        assert ADULT.accept(s, np.full(3, v)) == pytest.approx([0.1587, 0.5, 0.8413], abs=1e-3)


def test_distance_rule_scales_need_by_speed_within_limits():
    """A child judging by distance needs need x ref/v s: less for fast vehicles, clipped at 0.25 and 3."""
    half = [(CHILD.ref_speed, 5.0), (2 * CHILD.ref_speed, 2.5), (100.0, 5.0 * 0.25), (1.0, 5.0 * 3.0)]
    for v, need in half:
        assert float(CHILD.accept(np.array(need), np.array(v))) == pytest.approx(0.5, abs=1e-3), v


def test_no_need_accepts_every_vehicle_and_infinite_need_none():
    s, v = np.array([0.5, 3.0, 30.0]), np.full(3, 10.0)
    for tw in (0.0, 1.0):
        assert Judgement(0.0, 0.3, time_weight=tw).accept(s, v) == pytest.approx(1.0)
        assert Judgement(math.inf, 0.3, time_weight=tw).accept(s, v) == pytest.approx(0.0, abs=1e-12)


@given(need=st.floats(0.5, 10.0), more=st.floats(0.0, 5.0), sigma=st.floats(0.05, 1.0),
       v=st.floats(1.0, 25.0), tw=st.sampled_from([0.0, 0.5, 1.0]))
def test_acceptance_rises_with_the_gap_and_falls_with_need(need, more, sigma, v, tw):
    s = np.linspace(0.1, 20.0, 50)
    p = Judgement(need, sigma, time_weight=tw).accept(s, np.full(50, v))
    assert np.all(np.diff(p) >= 0) and p.min() >= 0.0 and p.max() <= 1.0
    assert np.all(Judgement(need + more, sigma, time_weight=tw).accept(s, np.full(50, v)) <= p + 1e-12)


# --- the table of would-be impacts ---------------------------------------------------------------


def test_table_nodes_cover_the_vehicles_path_and_speeds():
    """Arrival nodes are the midpoints of the time in the middle 2.2 m of a 3.5 m lane; speeds the deciles."""
    t = table(entry=0.5, width=3.5, speed=1.25, kmh=36.0)
    a = 0.5 + 0.5 * (3.5 - EX.path_width) / 1.25
    span = EX.path_width / 1.25
    assert t.s[0, :, 0] == pytest.approx(a + span * (np.arange(S_NODES) + 0.5) / S_NODES)  # walking on
    assert t.v[0, 0] == pytest.approx(10.0 * (1 + EX.speed_cv * SPEED_NODES))
    # one row per response, each over its own time in the path: walking on, running, stepping back
    assert t.lane_of.tolist() == [0, 0, 0]
    windows = [span, span / RUN_FACTOR, min(span, BACK_TIME)]
    assert t.weight * S_NODES * SPEED_NODES.size == pytest.approx(windows)
    assert t.s[2, -1, 0] < a + BACK_TIME < t.s[0, -1, 0]
    assert table(kmh=3.0).v.min() == 1.0  # speeds floored at 1 m/s
    assert t.outcomes.shape == (3, 3, S_NODES, SPEED_NODES.size) and not t.hidden.any()
    impact, severe, death = t.outcomes
    assert np.all((death >= 0) & (death <= severe) & (severe <= impact) & (impact <= 1))


def test_far_arrivals_never_hit():
    """A slow walker on a wide lane: every driver, seeing it step in, stops before it reaches the path."""
    t = table(entry=0.5, width=10.0, speed=1.0, kmh=50.0)
    stop = EX.braking.reaction.max() + t.v.max() / (2 * EX.braking.decel.min())
    assert t.s.min() - 0.5 > stop
    assert not t.outcomes.any() and not harm(t).any()


def test_slow_vehicles_released_late_never_hit():
    """Vehicles at 10 km/h arriving from ``t_from`` on have time to stop; earlier ones do hit."""
    assert harm(table(kmh=10.0))[0] > 0
    t = table(kmh=10.0, t_from=2.4)
    assert t.s[t.weight > 0].min() >= 2.4 and not t.outcomes.any()


def test_vehicle_too_close_to_react_hits_at_full_speed():
    """Path as wide as the lane, a fast walker: every vehicle arrives before any driver reacts.

    Walking on and stepping back (out after 0.5 s > 0.44 s in the path) are hit over the whole
    0.44 s, running (twice as fast) over the first half of it: each response's row is its share.
    """
    t = table(entry=0.5, width=EX.path_width, speed=5.0, kmh=40.0)
    assert t.s.max() - 0.5 < EX.braking.reaction.min() and EX.path_width / 5.0 < BACK_TIME
    assert RUN_FACTOR == 2.0
    for row, share in enumerate((WALK, RUN, BACK)):
        impact, severe, death = t.outcomes[:, row]
        assert impact == pytest.approx(np.full(impact.shape, share))
        assert severe == pytest.approx(impact * EX.injury.severe(t.v[row] * 3.6))
        assert death == pytest.approx(impact * EX.injury.death(t.v[row] * 3.6))
    # expected impacts: vehicles in the 0.44 s in the path, x the share still there
    span = EX.path_width / 5.0
    h = harm(t, rate=0.2, link=0.5)
    assert h[0] == pytest.approx(0.2 * 0.5 * span * (WALK + BACK + RUN / 2))
    assert h[1] == pytest.approx(h[0] * EX.injury.severe(t.v[0, 0] * 3.6).mean())
    # everyone walking on: exactly the vehicles arriving while the walker is in the path
    assert harm(table(entry=0.5, width=EX.path_width, speed=5.0, exposure=WALK_ON))[0] == pytest.approx(span)


def test_braking_vehicle_hits_slower_or_too_late():
    """One driver (t_r 1 s, 5 m/s²), all at 15 m/s, lane = path, walker at 1 m/s: v_hit by hand.

    Arriving at s = 1.65 s (unbraked), it brakes over 15 x 0.65 m and hits at sqrt(15² - 2 x 5 x 9.75)
    by t = 1 + (15 - v_hit) / 5 < 2.2 s; arriving at s = 2.017 s it is slowed past the walker's leaving.
    """
    one = replace(WALK_ON, braking=Braking(np.array([1.0]), np.array([5.0])), speed_cv=0.0)
    t = table(entry=0.0, width=EX.path_width, speed=1.0, kmh=54.0, exposure=one)
    assert t.s[0, :, 0] == pytest.approx(2.2 * (np.arange(6) + 0.5) / 6)
    v_hit = math.sqrt(15.0**2 - 2 * 5.0 * 15.0 * (1.65 - 1.0))
    assert 1.0 + (15.0 - v_hit) / 5.0 < 2.2
    impact, severe, _ = t.outcomes[:, 0, :, 0]
    assert impact.tolist() == [1, 1, 1, 1, 1, 0]
    assert severe[4] == pytest.approx(float(EX.injury.severe(np.array(v_hit * 3.6))))
    assert severe[:2] == pytest.approx(float(EX.injury.severe(np.array(54.0))))  # before reacting


# --- harm: arithmetic ----------------------------------------------------------------------------


def test_harm_is_linear_in_rate_and_link_and_adds_over_lanes():
    t = table()
    base = harm(t, ADULT)
    assert base[0] > 0
    assert harm(t, ADULT, rate=3.0) == pytest.approx(3 * base)
    assert harm(t, ADULT, link=0.25) == pytest.approx(0.25 * base)
    two = hit_table(entry=np.array([0.5, 3.4]), width=3.5, walker_speed=1.2,
                    mean_speed=np.array([40.0, 55.0]) / 3.6, exposure=EX)
    both = two.harm(np.array([0.1, 0.3]), ADULT, 1.0)
    apart = harm(table(0.5, kmh=40.0), ADULT, 0.1) + harm(table(3.4, kmh=55.0), ADULT, 0.3)
    assert [both.impact, both.severe, both.death] == pytest.approx(apart)


def test_harm_adds_and_turns_into_probabilities():
    h = Harm(0.1, 0.02, 0.005) + Harm(0.2, 0.0, 0.001)
    assert (h.impact, h.severe, h.death) == pytest.approx((0.3, 0.02, 0.006))
    assert h.probabilities() == pytest.approx((1 - math.exp(-0.3), 1 - math.exp(-0.02), 1 - math.exp(-0.006)))
    assert NO_HARM.probabilities() == (0.0, 0.0, 0.0)


# --- harm: properties ----------------------------------------------------------------------------


@given(lane=lanes, judgement=judgements, scale=st.floats(1.0, 2.0))
def test_faster_traffic_never_lowers_harm(lane, judgement, scale):
    """Same arrivals, every speed scaled up: for the same walker and for one who does not look."""
    slow, fast = table(**lane), table(**{**lane, "kmh": lane["kmh"] * scale})
    for j in (judgement, BLIND):
        assert no_more(harm(slow, j), harm(fast, j))


def test_faster_traffic_raises_harm():
    for j in (BLIND, ADULT, CHILD):
        assert np.all(harm(table(kmh=30.0), j) < harm(table(kmh=50.0), j))


@given(lane=lanes, judgement=judgements, more=st.floats(0.0, 5.0))
def test_looking_and_needing_more_never_raise_harm(lane, judgement, more):
    """A judged walker meets no more than one who does not look; a longer need never adds harm."""
    t = table(**lane)
    judged = harm(t, judgement)
    assert no_more(judged, harm(t, BLIND))
    assert no_more(harm(t, replace(judgement, need=judgement.need + more)), judged)


def test_judgement_error_matters_in_the_right_direction():
    """Vehicles all closer than ``need``: a wider error accepts more of them; all farther: fewer."""
    t = table()
    near, far = Judgement(need=3 * t.s.max(), sigma=0.2), Judgement(need=t.s.min() / 3, sigma=0.2)
    assert np.all(harm(t, near) < harm(t, replace(near, sigma=0.6)))
    assert np.all(harm(t, far) > harm(t, replace(far, sigma=0.6)))


def test_vehicles_released_after_the_walker_left_meet_no_one():
    t = table(entry=0.5)
    assert table(entry=0.5, t_from=t.s.max() + 1.0) is None
    # one release time per lane: the lane released too late adds nothing
    two = hit_table(entry=np.array([0.5, 0.5]), width=3.5, walker_speed=1.2, mean_speed=np.full(2, 40 / 3.6),
                    exposure=EX, t_from=np.array([-math.inf, 10.0]))
    assert two.weight[1] == 0.0
    assert harm(two) == pytest.approx(harm(t))
    assert no_more(harm(table(entry=0.5, t_from=t.s.mean())), harm(t))


@given(lane=lanes, judgement=judgements, sight=st.floats(0.0, 120.0), nearer=st.floats(0.0, 1.0))
def test_hidden_vehicles_are_stepped_out_in_front_of(lane, judgement, sight, nearer):
    """Vehicles beyond the sight distance are always accepted: shorter sight never lowers harm."""
    clear = harm(table(**lane), judgement)
    seen = harm(table(**lane, sight=np.array([sight])), judgement)
    assert no_more(clear, seen)
    assert no_more(seen, harm(table(**lane, sight=np.array([sight * nearer])), judgement))


def test_sight_extremes():
    """Nothing visible: as the walker who does not look; unlimited sight: as no sight limit."""
    t = table()
    assert harm(table(sight=np.array([0.0])), ADULT) == pytest.approx(harm(t, BLIND))
    assert harm(table(sight=np.array([math.inf])), ADULT) == pytest.approx(harm(t, ADULT))
    assert harm(t, ADULT)[0] < harm(table(sight=np.array([30.0])), ADULT)[0]


@given(lane=lanes, path=st.floats(1.0, 2.2), narrower=st.floats(0.3, 0.9))
def test_narrower_vehicle_path_never_raises_harm(lane, path, narrower):
    """For a walker who does not look. (Narrowing by a few % can: the 6 arrival nodes move; see report.)"""
    wide = harm(table(**lane, exposure=with_path(path)))
    assert no_more(harm(table(**lane, exposure=with_path(path * narrower))), wide)


@pytest.mark.parametrize("judgement", [ADULT, CHILD])
@pytest.mark.parametrize("kmh", [30.0, 50.0])
def test_narrower_vehicle_path_lowers_harm_of_judged_walkers(judgement, kmh):
    """A motorcycle-wide path (1.2 m) instead of a car's (2.2 m)."""
    car, moto = (harm(table(kmh=kmh, exposure=with_path(w)), judgement) for w in (2.2, 1.2))
    assert np.all(moto < car)


NO_BRAKING = replace(EX, braking=Braking(np.full_like(EX.braking.reaction, 1e6), EX.braking.decel))
"""The default physics with drivers who never react in time: harm is then the walker's exposure alone."""


@given(lane=lanes, factor=st.floats(1.0, 4.0), faster=st.floats(0.0, 2.0))
def test_where_no_driver_can_stop_running_never_raises_harm(lane, factor, faster):
    """A walker who runs faster leaves the vehicle's path sooner; walking on is then the worst response.

    Only where drivers cannot stop: otherwise running also leaves a driver less time between seeing
    the walker step into the lane and the walker reaching the vehicle's path (the next test).
    Measured over the strategies' grid: at most 0.976 of the slower walker's harm.
    """
    def runs(f: float) -> np.ndarray:
        return harm(table(**lane, exposure=replace(NO_BRAKING, responses=((1.0, f, math.inf),))))

    assert no_more(runs(factor + faster), runs(factor))
    assert no_more(harm(table(**lane, exposure=NO_BRAKING)), harm(table(**lane, exposure=replace(
        NO_BRAKING, responses=((1.0, 1.0, math.inf),)))))


def test_darting_out_in_front_of_slow_traffic_can_raise_harm():
    """Dart-out: running halves the time a 20 km/h driver has to stop once the child steps into a wide
    lane, more than it shortens the time in the vehicle's path (the commonest child pedestrian crash type,
    Snyder & Knoblauch 1971). Measured: +18% at 0.8 m/s, 4.5 m lane; in fast traffic running helps."""
    def runs(f: float, kmh: float) -> np.ndarray:
        return harm(table(entry=0.0, width=4.5, speed=0.8, kmh=kmh,
                          exposure=replace(EX, responses=((1.0, f, math.inf),))))

    assert np.all(runs(2.0, 20.0) > 1.1 * runs(1.0, 20.0))
    assert np.all(runs(2.0, 60.0) < runs(1.0, 60.0))


def test_running_lowers_harm():
    assert np.all(harm(table(exposure=replace(EX, responses=((1.0, 2.0, math.inf),))), ADULT)
                  < harm(table(exposure=WALK_ON), ADULT))


def test_judging_a_lane_later_never_raises_harm():
    """Judged on reaching the lane (green man): its vehicles are nearer, fewer are accepted."""
    t = table(entry=2.0)
    assert harm(t, ADULT, judged_from=np.zeros(1)) == pytest.approx(harm(t, ADULT))
    assert np.all(harm(t, ADULT, judged_from=np.array([1.5])) < harm(t, ADULT))
    # one who does not look does not step in front of vehicles already past when it looks
    assert not harm(t, BLIND, judged_from=np.array([t.s.max() + 0.1])).any()


# --- walkers on a lane line ----------------------------------------------------------------------


def line(width: float = 3.5, kmh=(30.0, 50.0), **exposure) -> np.ndarray:
    return line_harm(mean_speed=np.array(kmh) / 3.6, width=width, exposure=replace(EX, **exposure))


def test_line_harm_by_hand():
    """Clearance 0 (lane = vehicle + body): half the vehicles stray over; injuries by the speed deciles."""
    h = line(width=EX.vehicle_width + EX.body_width, link=1.0)
    assert h[0] == pytest.approx([0.5, 0.5])
    v = np.array([30.0, 50.0])[:, None] / 3.6 * (1 + EX.speed_cv * SPEED_NODES)
    assert h[1] == pytest.approx(0.5 * EX.injury.severe(v * 3.6).mean(axis=1))
    assert h[2] == pytest.approx(0.5 * EX.injury.death(v * 3.6).mean(axis=1))
    assert h[1, 1] > h[1, 0]
    assert line(width=20.0).max() < 1e-30


def test_line_harm_scales_with_link_and_grows_with_lateral_spread():
    assert line(link=2e-4) == pytest.approx(2 * line(link=1e-4))
    sds = [0.1, 0.2, 0.3, 0.5, 1.0]
    strike = [line(lateral_sd=sd, link=1.0)[0, 0] for sd in sds]
    assert np.all(np.diff(strike) > 0) and strike[0] > 0


def test_step_back_harm_is_continuous_in_walker_speed():
    back = replace(EX, responses=((1.0, 1.0, BACK_TIME),))
    slow, fast = (harm(table(speed=u, kmh=30.0, exposure=back))[0] for u in (1.09, 1.10))
    assert fast == pytest.approx(slow, rel=0.1)  # actual: 0.038 vs 0.063 (fine quadrature: 0.057 both)
