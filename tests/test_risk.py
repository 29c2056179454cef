"""Injury curves, the braking grid, the sampled surrogates of an encounter and how encounters combine.

The expected injuries (impact physics) are tested in tests/test_harm.py.
"""

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
    QUANTILES,
    Encounter,
    blend,
    braking_nodes,
    encounter,
    injury_model,
    with_harm,
    worst,
)

PARAMS = default_parameters()
INJURY = injury_model(PARAMS)
BRAKING = braking_nodes(PARAMS)
LIMITS = {"ttc_limit": PARAMS["conflict.ttc"], "pet_limit": PARAMS["conflict.pet"],
          "drac_limit": PARAMS["conflict.drac"]}
TEFFT = {"severe": [17.1, 24.9, 33.0, 40.8, 48.1], "death": [24.1, 32.5, 40.6, 48.0, 54.6]}


def one(t_seen: float, t_in: float, t_out: float, t_vehicle: float, v: float) -> Encounter:
    """The encounter of a walker in one lane with one vehicle."""
    return encounter(t_seen=t_seen, t_in=np.array([t_in]), t_out=np.array([t_out]),
                     t_vehicle=np.array([t_vehicle]), v=np.array([v]), braking=BRAKING, **LIMITS)


def no_expected_injury(e: Encounter) -> bool:
    """``encounter`` leaves the expected injuries to simulator.harm."""
    return e.p_impact == 0.0 and e.p_death == 0.0 and e.p_severe == 0.0


def speed_at(curve: str, p: float, injury=INJURY) -> float:
    """Impact speed (mph) at which the fitted ``curve`` reaches probability ``p``."""
    b0, b1 = getattr(injury, f"{curve}_b0"), getattr(injury, f"{curve}_b1")
    return (b0 + math.log(p / (1 - p))) / b1 / MPH


# --- injury curves -------------------------------------------------------------------------------


@pytest.mark.parametrize("curve", ["severe", "death"])
def test_curves_pass_near_tefft_quantiles(curve):
    """Each logistic passes within 1 mph of Tefft's (2013) speeds at 10/25/50/75/90% risk."""
    assert PARAMS[f"injury.{curve}_quantiles_mph"] == TEFFT[curve]
    for p, mph in zip(QUANTILES, TEFFT[curve], strict=True):
        assert speed_at(curve, p) == pytest.approx(mph, abs=1.0), p
    fn = getattr(INJURY, curve)
    assert float(fn(np.array(TEFFT[curve][2] * MPH))) == pytest.approx(0.5, abs=0.03)


def test_median_speeds():
    """50% severe near 33.0 mph (fit within 0.5 mph), 50% death near 40.6 mph (within 1 mph)."""
    assert speed_at("severe", 0.5) == pytest.approx(33.0, abs=0.5)
    assert speed_at("death", 0.5) == pytest.approx(40.6, abs=1.0)


def test_curves_follow_the_parameters():
    """Shifting Tefft's speeds by 10 mph shifts the fitted curve by 10 mph."""
    shifted = PARAMS.with_overrides({"injury.death_quantiles_mph": [x + 10 for x in TEFFT["death"]]})
    moved = injury_model(shifted)
    assert speed_at("death", 0.5, moved) == pytest.approx(speed_at("death", 0.5) + 10, abs=1e-9)
    assert moved.severe_b0 == INJURY.severe_b0 and moved.severe_b1 == INJURY.severe_b1


def test_injury_curves_increase_with_speed_and_severe_exceeds_death():
    v = np.linspace(0, 150, 301)
    for curve in (INJURY.death, INJURY.severe):
        p = curve(v)
        assert np.all(np.diff(p) > 0)
        assert p[0] < 0.02 and p[-1] > 0.99
    assert np.all(INJURY.severe(v) > INJURY.death(v))


# --- braking grid --------------------------------------------------------------------------------


def test_braking_nodes_are_an_equal_weight_grid():
    """3 reaction times x 3 decelerations, every pair once: 9 equal-weight nodes with the parameter means."""
    assert BRAKING.reaction.shape == BRAKING.decel.shape == (9,)
    assert len(set(BRAKING.reaction.round(9))) == 3 and len(set(BRAKING.decel.round(9))) == 3
    assert len(set(zip(BRAKING.reaction.round(9), BRAKING.decel.round(9), strict=True))) == 9
    assert BRAKING.reaction.mean() == pytest.approx(PARAMS["driver.reaction_mean"], abs=1e-9)
    assert BRAKING.decel.mean() == pytest.approx(PARAMS["driver.decel_mean"], abs=1e-9)
    # the outer nodes sit at the 1/6 and 5/6 quantiles of the normals
    z = 0.967421566101701
    assert BRAKING.reaction.max() == pytest.approx(
        PARAMS["driver.reaction_mean"] + z * PARAMS["driver.reaction_sd"])
    assert BRAKING.decel.min() == pytest.approx(PARAMS["driver.decel_mean"] - z * PARAMS["driver.decel_sd"])
    assert braking_nodes(PARAMS, n=5).reaction.shape == (25,)


def test_braking_floors_are_respected():
    """With wide spreads the low nodes are cut at the floors (and the means rise above the parameters)."""
    wide = PARAMS.with_overrides({"driver.reaction_sd": 2.0, "driver.decel_sd": 5.0})
    b = braking_nodes(wide)
    assert b.reaction.min() == PARAMS["driver.reaction_min"]
    assert b.decel.min() == PARAMS["driver.decel_min"]
    assert b.reaction.mean() > PARAMS["driver.reaction_mean"]
    assert b.decel.mean() > PARAMS["driver.decel_mean"]


# --- surrogates of one encounter -----------------------------------------------------------------


def test_far_vehicle_is_an_encounter_but_no_conflict():
    """A vehicle arriving while the walker is in its lane has a TTC and a DRAC of v² / 2(d - v t_r)."""
    v = 50 / 3.6
    e = one(t_seen=0.0, t_in=1.0, t_out=30.0, t_vehicle=20.0, v=v)
    assert e.min_ttc == pytest.approx(19.0)
    d = v * 20.0
    assert e.max_drac == pytest.approx(v**2 / (2 * (d - v * BRAKING.reaction.mean())))
    assert e.min_pet == math.inf  # the only vehicle arrives while the walker is in the lane
    assert e.conflicts == 0 and no_expected_injury(e)


def test_vehicle_too_close_to_react_is_a_conflict_with_infinite_drac():
    v = 50 / 3.6
    e = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=0.2, v=v)
    assert e.conflicts == 1 and e.min_ttc == pytest.approx(0.2)
    assert e.max_drac == math.inf and no_expected_injury(e)


def test_drac_alone_makes_a_conflict():
    """TTC 2.8 s is above the TTC limit, but stopping needs more than the DRAC limit."""
    v, tv = 50 / 3.6, 2.8
    e = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=tv, v=v)
    assert e.min_ttc == pytest.approx(tv) and tv > LIMITS["ttc_limit"]
    assert e.max_drac == pytest.approx(v**2 / (2 * (v * tv - v * BRAKING.reaction.mean())))
    assert e.max_drac > LIMITS["drac_limit"]
    assert e.conflicts == 1 and no_expected_injury(e)
    assert one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=tv, v=25 / 3.6).conflicts == 0


def test_vehicle_outside_the_walkers_time_in_lane_is_a_pet_event_only():
    v = 40 / 3.6
    late = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=3.6, v=v)
    assert late.min_ttc == math.inf and late.max_drac == 0.0
    assert late.min_pet == pytest.approx(0.6) and late.conflicts == 1
    later = one(t_seen=0.0, t_in=0.0, t_out=3.0, t_vehicle=4.5, v=v)
    assert later.min_pet == pytest.approx(1.5) and later.conflicts == 0
    # a vehicle that passed before the walker stepped in
    early = one(t_seen=0.0, t_in=1.0, t_out=4.0, t_vehicle=0.5, v=v)
    assert early.min_pet == pytest.approx(0.5) and early.conflicts == 1
    assert all(no_expected_injury(e) for e in (late, later, early))


def test_later_sight_raises_drac():
    """Where parked cars hide the walker, the driver sees it later: a higher DRAC, never a lower one."""
    v = 40 / 3.6
    kw = {"t_in": np.array([0.0, 0.0]), "t_out": np.array([6.0, 6.0]), "t_vehicle": np.array([4.0, 4.0]),
          "v": np.array([v, v]), "braking": BRAKING, **LIMITS}
    open_ = encounter(t_seen=0.0, **kw)
    hidden = encounter(t_seen=np.array([0.0, 1.5]), **kw)
    assert hidden.max_drac > open_.max_drac
    assert hidden.max_drac == pytest.approx(v**2 / (2 * (v * 2.5 - v * BRAKING.reaction.mean())))
    assert hidden.min_ttc == open_.min_ttc == pytest.approx(4.0)


def test_empty_encounter():
    e = encounter(t_seen=0.0, t_in=np.empty(0), t_out=np.empty(0), t_vehicle=np.empty(0),
                  v=np.empty(0), braking=BRAKING, **LIMITS)
    assert e == NO_ENCOUNTER


def test_two_vehicles_count_twice():
    v = 50 / 3.6
    a = one(0.0, 0.0, 4.0, 1.0, v)
    both = encounter(t_seen=0.0, t_in=np.array([0.0, 0.0]), t_out=np.array([4.0, 4.0]),
                     t_vehicle=np.array([1.0, 3.0]), v=np.array([v, v]), braking=BRAKING, **LIMITS)
    assert a.conflicts == 1 and both.conflicts == 2
    assert both.min_ttc == pytest.approx(1.0) and no_expected_injury(both)


def test_max_drac_is_the_worst_vehicles():
    """A vehicle that cannot stop (DRAC inf) stays the worst when a second, stoppable one is added."""
    v = 50 / 3.6
    close = one(0.0, 0.0, 4.0, 1.0, v)
    assert close.max_drac == math.inf
    both = encounter(t_seen=0.0, t_in=np.array([0.0, 0.0]), t_out=np.array([4.0, 4.0]),
                     t_vehicle=np.array([1.0, 3.0]), v=np.array([v, v]), braking=BRAKING, **LIMITS)
    assert both.max_drac == worst(close, one(0.0, 0.0, 4.0, 3.0, v)).max_drac == math.inf


@given(
    t_in=st.floats(0.0, 3.0),
    dwell=st.floats(0.5, 6.0),
    arrive=st.floats(0.0, 1.0),
    kmh=st.floats(10.0, 90.0),
    faster=st.floats(0.0, 40.0),
)
def test_faster_vehicle_never_lowers_drac(t_in, dwell, arrive, kmh, faster):
    """Same arrival time at the conflict point, higher speed: TTC unchanged, DRAC and conflicts not less."""
    t_out = t_in + dwell
    t_vehicle = t_in + arrive * dwell
    slow = one(0.0, t_in, t_out, t_vehicle, kmh / 3.6)
    fast = one(0.0, t_in, t_out, t_vehicle, (kmh + faster) / 3.6)
    assert fast.min_ttc == slow.min_ttc
    assert fast.max_drac >= slow.max_drac - 1e-9
    assert fast.conflicts >= slow.conflicts
    assert no_expected_injury(fast) and no_expected_injury(slow)


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


def test_blend_keeps_the_walked_branch_and_averages_probabilities():
    """Conflicts and surrogate extremes are those of ``a`` (walked); only the probabilities are averaged."""
    a = Encounter(1, 3.0, 2.0, 1.0, 0.0, 0.0, 0.0)
    b = Encounter(4, 0.5, 0.2, 9.0, 0.5, 0.05, 0.2)
    m = blend(a, b, 0.1)
    assert (m.conflicts, m.min_ttc, m.min_pet, m.max_drac) == (1, 3.0, 2.0, 1.0)
    assert (m.p_impact, m.p_death, m.p_severe) == pytest.approx((0.05, 0.005, 0.02))
    whole = blend(a, b, 1.0)
    assert (whole.conflicts, whole.min_ttc) == (1, 3.0)
    assert (whole.p_impact, whole.p_death, whole.p_severe) == pytest.approx((0.5, 0.05, 0.2))
    assert blend(a, b, 0.0) is a


def test_with_harm_fills_in_the_expected_injuries():
    """Arguments in the order impact, severe, death (as Harm.probabilities); the surrogates kept."""
    a = Encounter(2, 1.0, 0.7, 5.0, 0.0, 0.0, 0.0)
    e = with_harm(a, 0.3, 0.1, 0.02)
    assert (e.conflicts, e.min_ttc, e.min_pet, e.max_drac) == (2, 1.0, 0.7, 5.0)
    assert (e.p_impact, e.p_severe, e.p_death) == (0.3, 0.1, 0.02)
    assert a.p_impact == 0.0  # a new encounter, the old one unchanged
