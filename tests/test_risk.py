"""Conflicts and expected injury: injury curves, braking, and the encounter of one vehicle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.params import default_parameters
from simulator.risk import (
    MPH,
    NO_ENCOUNTER,
    Encounter,
    blend,
    braking_nodes,
    encounter,
    injury_model,
    worst,
)

PARAMS = default_parameters()
INJURY = injury_model(PARAMS)
BRAKING = braking_nodes(PARAMS)
LIMITS = {"ttc_limit": PARAMS["conflict.ttc"], "pet_limit": PARAMS["conflict.pet"],
          "drac_limit": PARAMS["conflict.drac"]}


def one(t_seen: float, t_in: float, t_out: float, t_vehicle: float, v: float) -> Encounter:
    """The encounter of a walker in one lane with one vehicle."""
    return encounter(t_seen=t_seen, t_in=np.array([t_in]), t_out=np.array([t_out]),
                     t_vehicle=np.array([t_vehicle]), v=np.array([v]), braking=BRAKING,
                     injury=INJURY, **LIMITS)


# --- injury curves -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kmh", "percent"),
                         [(20, 0.6), (30, 1.5), (40, 3.6), (50, 8.3), (60, 18.2)])
def test_death_curve_matches_rosen_sander_anchors(kmh, percent):
    """PARAMETERS.md: 0.6% @20, 1.5% @30, 3.6% @40, 8.3% @50, 18.2% @60 km/h."""
    assert round(100 * float(INJURY.death(np.array(kmh, float))), 1) == percent


def test_severe_curve_fits_tefft_quantiles():
    """The logistic fitted to Tefft 2013 passes near each quantile (50% near 33.0 mph)."""
    quantiles_mph = {0.10: 17.1, 0.25: 24.9, 0.50: 33.0, 0.75: 40.8, 0.90: 48.1}
    for p, mph in quantiles_mph.items():
        # speed at which the fitted curve reaches p
        kmh = (INJURY.severe_b0 + math.log(p / (1 - p))) / INJURY.severe_b1
        assert kmh / MPH == pytest.approx(mph, abs=0.5), p
    assert float(INJURY.severe(np.array(33.0 * MPH))) == pytest.approx(0.5, abs=0.01)


def test_injury_curves_increase_with_speed():
    v = np.linspace(0, 120, 241)
    for curve in (INJURY.death, INJURY.severe):
        p = curve(v)
        assert np.all(np.diff(p) > 0)
        assert p[0] < 0.02 and p[-1] > 0.95
    # severe injury is more likely than death at every speed
    assert np.all(INJURY.severe(v) > INJURY.death(v))


def test_braking_nodes_are_an_equal_weight_grid():
    assert BRAKING.reaction.shape == BRAKING.decel.shape == (49,)
    assert BRAKING.reaction.mean() == pytest.approx(PARAMS["driver.reaction_mean"], abs=1e-9)
    assert BRAKING.decel.mean() == pytest.approx(PARAMS["driver.decel_mean"], abs=1e-9)
    assert BRAKING.reaction.min() >= 0.3 and BRAKING.decel.min() >= 2.0
    assert len(set(BRAKING.reaction.round(9))) == 7 and len(set(BRAKING.decel.round(9))) == 7


# --- one vehicle ---------------------------------------------------------------------------------


def test_far_vehicle_can_always_stop():
    """A vehicle far beyond every driver's stopping distance never reaches the walker."""
    v = 50 / 3.6
    longest_stop = v * BRAKING.reaction.max() + v**2 / (2 * BRAKING.decel.min())
    # a slow, long crossing: the vehicle arrives (at constant speed) while the walker is in its lane
    e = one(t_seen=0.0, t_in=1.0, t_out=30.0, t_vehicle=20.0, v=v)
    assert v * 20.0 > 5 * longest_stop
    assert e.p_impact == 0.0 and e.p_death == 0.0 and e.p_severe == 0.0
    # still counted as an encounter in the lane: finite TTC and DRAC, and DRAC is v^2 / 2(d - v t_r)
    assert e.min_ttc == pytest.approx(19.0)
    d = v * 20.0
    assert e.max_drac == pytest.approx(v**2 / (2 * (d - v * BRAKING.reaction.mean())))
    assert e.conflicts == 0


def test_vehicle_too_close_to_react_hits_at_full_speed():
    """d < v t_r for every driver: impact is certain, at the approach speed."""
    v = 50 / 3.6
    e = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=0.2, v=v)
    assert e.p_impact == 1.0
    assert e.p_death == pytest.approx(float(INJURY.death(np.array(50.0))), rel=1e-12)
    assert e.p_severe == pytest.approx(float(INJURY.severe(np.array(50.0))), rel=1e-12)
    assert e.conflicts == 1 and e.min_ttc == pytest.approx(0.2)


def test_braking_vehicle_that_arrives_after_the_walker_left_does_not_hit():
    """Some drivers cannot stop before the conflict point, but braking delays them past t_out."""
    v, tv = 50 / 3.6, 2.8
    d_brake = v * tv - v * BRAKING.reaction
    reaches = v**2 > 2 * BRAKING.decel * np.maximum(d_brake, 0.0)
    assert reaches.any()  # without the walker leaving first, these would be impacts
    e = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=tv, v=v)
    assert e.p_impact == 0.0 and e.p_death == 0.0
    assert e.min_ttc == pytest.approx(2.8)
    # the same vehicle against a walker who stays in the lane longer does hit
    assert one(t_seen=0.0, t_in=0.0, t_out=6.0, t_vehicle=tv, v=v).p_impact > 0


def test_vehicle_after_the_walker_left_is_a_pet_event_only():
    v = 40 / 3.6
    late = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=3.6, v=v)
    assert late.p_impact == 0.0 and late.min_ttc == math.inf
    assert late.min_pet == pytest.approx(0.6) and late.conflicts == 1
    later = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=4.5, v=v)
    assert later.min_pet == pytest.approx(1.5) and later.conflicts == 0
    # a vehicle that passed before the walker stepped in
    early = one(t_seen=0.0, t_in=1.0, t_out=4.0, t_vehicle=0.5, v=v)
    assert early.min_pet == pytest.approx(0.5) and early.conflicts == 1 and early.p_impact == 0.0


def test_empty_encounter():
    e = encounter(t_seen=0.0, t_in=np.empty(0), t_out=np.empty(0), t_vehicle=np.empty(0),
                  v=np.empty(0), braking=BRAKING, injury=INJURY, **LIMITS)
    assert e == NO_ENCOUNTER


def test_two_vehicles_are_independent_chances():
    v = 50 / 3.6
    a = one(0.0, 0.0, 4.0, 2.2, v)
    assert 0 < a.p_impact < 1
    both = encounter(t_seen=0.0, t_in=np.array([0.0, 0.0]), t_out=np.array([4.0, 4.0]),
                     t_vehicle=np.array([2.2, 2.2]), v=np.array([v, v]), braking=BRAKING,
                     injury=INJURY, **LIMITS)
    assert both.p_impact == pytest.approx(1 - (1 - a.p_impact) ** 2)
    assert both.conflicts == 2 * a.conflicts


# --- a faster vehicle is never safer -------------------------------------------------------------


@given(
    t_in=st.floats(0.0, 3.0),
    dwell=st.floats(0.5, 6.0),
    arrive=st.floats(0.0, 1.0),
    kmh=st.floats(10.0, 90.0),
    faster=st.floats(0.0, 40.0),
)
def test_faster_vehicle_never_lowers_risk(t_in, dwell, arrive, kmh, faster):
    """Same arrival time at the conflict point, higher speed: impact and injury not less likely."""
    t_out = t_in + dwell
    t_vehicle = t_in + arrive * dwell
    slow = one(0.0, t_in, t_out, t_vehicle, kmh / 3.6)
    fast = one(0.0, t_in, t_out, t_vehicle, (kmh + faster) / 3.6)
    eps = 1e-12
    assert fast.p_impact >= slow.p_impact - eps
    assert fast.p_severe >= slow.p_severe - eps
    assert fast.p_death >= slow.p_death - eps
    assert fast.max_drac >= slow.max_drac - 1e-9


@given(
    times=st.lists(st.tuples(st.floats(0.0, 8.0), st.floats(15.0, 70.0)), min_size=1, max_size=6),
    scale=st.floats(1.0, 1.6),
)
def test_faster_traffic_never_lowers_risk(times, scale):
    """Several vehicles in the walker's lanes: scaling every speed up never lowers the risk."""
    t_vehicle = np.array([t for t, _ in times])
    v = np.array([k / 3.6 for _, k in times])
    t_in = np.linspace(1.0, 4.0, t_vehicle.size)
    t_out = t_in + 2.5
    kw = {"t_seen": 1.0, "t_in": t_in, "t_out": t_out, "t_vehicle": t_vehicle, "braking": BRAKING,
          "injury": INJURY, **LIMITS}
    slow, fast = encounter(v=v, **kw), encounter(v=v * scale, **kw)
    assert fast.p_impact >= slow.p_impact - 1e-12
    assert fast.p_severe >= slow.p_severe - 1e-12
    assert fast.p_death >= slow.p_death - 1e-12


def test_risk_rises_strictly_somewhere():
    """The monotonicity above is not vacuous: at a middle distance speed matters."""
    slow = one(0.0, 0.0, 4.0, 2.5, 30 / 3.6)
    fast = one(0.0, 0.0, 4.0, 2.5, 60 / 3.6)
    assert slow.p_impact < fast.p_impact
    assert slow.p_death < fast.p_death and slow.p_severe < fast.p_severe


# --- combining stages and branches ---------------------------------------------------------------


def test_worst_combines_stages():
    a = Encounter(1, 2.0, 0.5, 4.0, 0.1, 0.01, 0.05)
    b = Encounter(2, 1.0, 0.8, 2.0, 0.2, 0.02, 0.10)
    w = worst(a, b)
    assert w.conflicts == 3 and w.min_ttc == 1.0 and w.min_pet == 0.5 and w.max_drac == 4.0
    assert w.p_impact == pytest.approx(1 - 0.9 * 0.8)
    assert w.p_death == pytest.approx(1 - 0.99 * 0.98)
    assert w.p_severe == pytest.approx(1 - 0.95 * 0.90)
    same = worst(a, NO_ENCOUNTER)
    assert (same.conflicts, same.min_ttc, same.min_pet, same.max_drac) == (1, 2.0, 0.5, 4.0)
    assert (same.p_impact, same.p_death, same.p_severe) == pytest.approx((0.1, 0.01, 0.05))


def test_blend_is_an_expected_value():
    a = Encounter(0, math.inf, math.inf, 0.0, 0.0, 0.0, 0.0)
    b = Encounter(4, 0.5, 0.2, 9.0, 0.5, 0.05, 0.2)
    m = blend(a, b, 0.1)
    assert m.conflicts == pytest.approx(0.4)
    assert (m.p_impact, m.p_death, m.p_severe) == pytest.approx((0.05, 0.005, 0.02))
    # the surrogate extremes are those of the walked branch
    assert (m.min_ttc, m.min_pet, m.max_drac) == (math.inf, math.inf, 0.0)
    assert blend(a, b, 0.0) is a
