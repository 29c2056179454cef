"""Sight distance at the kerb: parked cars hide children from drivers and drivers from children.

Shortening sight never lowers expected risk: in the braking sketch (a later
moment the driver sees the walker), at the kerb over many arrivals on common
vehicle streams, and in the scenarios (parking at the gate, no parking within
20 m, guards who clear the kerbs).
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kerb_kit import hand_road, hand_walker

from simulator.crossing import Crossing
from simulator.kerb import cross
from simulator.network.gatestreet import GATE_IDS as GATE_STREET
from simulator.params import default_parameters
from simulator.risk import braking_nodes, encounter, injury_model
from simulator.sight import design_sight, kerb_sight, lane_sight
from simulator.traffic import constant, make_stream

P = default_parameters()
BRAKING, INJURY = braking_nodes(P), injury_model(P)
LIMITS = {"ttc_limit": P["conflict.ttc"], "pet_limit": P["conflict.pet"], "drac_limit": P["conflict.drac"]}
KMH = 1 / 3.6
GATE = ("x116-24", "x83-51", "x83-82")  # the crossings parking-baseline.yaml parks at
SEEDS = (1, 2)


def crossing(**kw) -> Crossing:
    base = {"id": "x1-2", "node": 1, "edge": (1, 2, 0), "x": 0.0, "y": 0.0, "facility": "zebra",
            "highway": "tertiary", "name": "", "length": 14.0, "lanes": (2, 2), "speed_limit": 40.0,
            "volume": (700.0, 700.0)}
    return Crossing(**(base | kw))


# --- the geometry -----------------------------------------------------------------------------------


def test_nothing_parked_means_nothing_limited():
    assert lane_sight(crossing(), 0, P) is None
    assert lane_sight(crossing(parking_m=2.0), 0, P) is None  # shorter than the setback: no car fits
    assert lane_sight(crossing(parking_m=40.0, no_parking_m=40.0), 0, P) is None  # all cleared
    assert kerb_sight(crossing(), P) == design_sight(crossing(), P) == 40.0


def test_parked_row_geometry():
    c = crossing(parking_m=40.0)
    near, far = lane_sight(c, 0, P)
    depth, setback = P["sight.parked_depth"], P["sight.parking_setback"]
    eye = depth - P["sight.eye_inset"]
    y0 = depth + 0.5 * 3.5  # the near lane's centre
    assert near[0] == pytest.approx((y0 - eye) * setback / (depth - eye))
    # lanes further out are seen from further; the far direction's kerb lane is the furthest
    assert near[0] < near[1] < far[1] < far[0]
    careless = lane_sight(c, 0, P, careless=True)
    assert all(a < b for a, b in zip(careless[0] + careless[1], near + far, strict=True))
    # a no-parking zone pushes the first car out: sight grows in proportion
    zoned = lane_sight(replace(c, no_parking_m=20.0), 0, P)
    assert zoned[0][0] == pytest.approx(near[0] * 20.0 / setback)
    # the other kerb sees the mirror image; a guard clearing the kerbs restores everything
    assert lane_sight(c, 1, P) == (far, near)
    assert lane_sight(c, 0, P, parked=False) is None
    assert kerb_sight(c, P) < design_sight(c, P) == kerb_sight(c, P, cleared=True)


# --- the braking sketch: a later t_seen never lowers the conflicts ---------------------------------

vehicle = st.tuples(st.floats(0.5, 12.0), st.floats(0.0, 6.0), st.floats(3.0, 25.0))


@given(st.lists(vehicle, min_size=1, max_size=6), st.floats(0.0, 2.0),
       st.lists(st.floats(0.0, 8.0), min_size=6, max_size=6))
def test_later_sighting_never_lowers_conflicts(vehicles, step_in, delays):
    t_in = np.array([step_in + lane for _, lane, _ in vehicles])
    t_out = t_in + 3.0
    t_vehicle = np.array([step_in + t for t, _, _ in vehicles])
    v = np.array([speed for _, _, speed in vehicles])
    kw = {"t_in": t_in, "t_out": t_out, "t_vehicle": t_vehicle, "v": v, "braking": BRAKING, **LIMITS}
    early = encounter(t_seen=step_in, **kw)
    # an array of one time equals the scalar
    same = encounter(t_seen=np.full(len(vehicles), step_in), **kw)
    assert same == early
    late = encounter(t_seen=step_in + np.array(delays[: len(vehicles)]), **kw)
    for name in ("conflicts",):
        assert getattr(late, name) >= getattr(early, name) - 1e-12, name


def test_kerb_risk_rises_as_sight_shortens(risk):
    """Common streams, the same arrivals: the mean expected risk never falls as parking crowds in."""
    child = hand_walker(speed=1.1, startup=3.5, time_weight=0.3, ref_speed=40 * KMH, patience=45.0,
                   impatient_factor=0.75, min_lag=2.0)
    for lanes, kmh in (((1, 1), 35.0), ((2, 2), 50.0)):
        rate = constant(500 / 3600)
        stream = make_stream(seed=4, crossing_id="x-sight", lanes=lanes, rate=(rate, rate),
                             mean_speed=(constant(kmh * KMH),) * 2, speed_cv=0.12,
                             max_rate=500 / 3600, start=-600.0, end=8000.0)
        means = []
        for sight in (math.inf, 60.0, 30.0, 15.0):
            table = None if math.isinf(sight) else ((sight,) * lanes[0], (sight,) * lanes[1])
            road = hand_road(length=3.5 * sum(lanes), lanes=lanes, near=0, stream=stream, yield_rate=0.2,
                        sight=table, careless_sight=table)
            total = 0.0
            for t in np.linspace(0.0, 7000.0, 150):
                for walker in (child, replace(child, inattentive=True)):
                    total += cross(road, walker, float(t), risk).encounter.p_severe
            means.append(total)
        assert all(b >= a for a, b in pairwise(means)), (lanes, means)
        assert means[-1] > means[0]


# --- scenarios: parking at the gate, no parking within 20 m, guards who clear the kerbs -------------


@pytest.fixture(scope="module")
def runs(small_setting, run_cached):
    names = ("baseline", "parking-baseline", "no-parking")
    return {name: [run_cached(small_setting(name, children=500), k) for k in SEEDS] for name in names}


def gate_risk(result) -> float:
    c = result.crossings.set_index("crossing")
    return float(c.loc[list(GATE), "p_severe_sum"].sum())


def test_parking_at_the_gate_raises_risk_and_no_parking_lowers_it(runs):
    for base, parked, cleared in zip(runs["baseline"], runs["parking-baseline"], runs["no-parking"],
                                     strict=True):
        assert gate_risk(parked) > gate_risk(base)
        assert gate_risk(cleared) < gate_risk(parked)
        assert parked.summary["severe_per_100k_trips"] > base.summary["severe_per_100k_trips"]
        # children who cannot see far wait less for the cars they cannot see
        assert parked.summary["wait_per_trip_s"] < cleared.summary["wait_per_trip_s"]


def test_sight_hot_spots_are_reported(runs):
    for base, parked, cleared in zip(runs["baseline"], runs["parking-baseline"], runs["no-parking"],
                                     strict=True):
        c = parked.crossings.set_index("crossing")
        assert c.loc[list(GATE), "short_sight"].all()
        assert (c.loc[list(GATE), "sight_m"] < c.loc[list(GATE), "design_sight_m"]).all()
        assert (c.loc[list(GATE), "parking_m"] == 40).all()
        # the gate street's crossings are lined by parents' stopped vehicles (simulator.gate): always short
        assert not c.drop(index=[*GATE, *GATE_STREET], errors="ignore")["short_sight"].any()
        for other in (base, cleared):  # unparked; and 20 m clear gives the 40 m design sight here
            assert not other.crossings.set_index("crossing").drop(index=list(GATE_STREET),
                                                                  errors="ignore")["short_sight"].any()
        ev = parked.events
        share = 100 * (ev["children"] * ev["short_sight"]).sum() / ev["children"].sum()
        assert parked.summary["short_sight_crossings_pct"] == pytest.approx(share) and share > 0
        assert (ev.loc[ev["crossing"].isin(GATE), "sight_m"] < 40).all()


def test_a_guard_who_clears_the_parking_restores_sight(small_setting, run_cached):
    guard = {"type": "guard", "crossings": ["x116-24"], "hours": "07:10-08:30", "staff": "teacher"}
    parked = {"type": "parking", "zone": {"radius_m": 120}, "length_m": 40}
    plain = small_setting("baseline", children=500, interventions=[parked, guard])
    clearing = small_setting("baseline", children=500,
                             interventions=[parked, guard | {"clear_parking": True}])
    for seed in SEEDS:
        a, b = run_cached(plain, seed).events, run_cached(clearing, seed).events
        ga, gb = a[a["mode"] == "guard"], b[b["mode"] == "guard"]
        assert len(ga) > 10 and len(gb) == len(ga)
        assert ga["short_sight"].all() and not gb["short_sight"].any()
        assert (gb["sight_m"] == 40).all()
        # the guard now sees the riders the parked cars hid and waits for them, so its groups cross a
        # little later into a rising flow: the sum may grow by a fraction of a percent, not more
        assert gb["p_severe"].sum() <= 1.01 * ga["p_severe"].sum() + 1e-15
        # off duty the cars are back
        off = b[(b["crossing"] == "x116-24") & (b["mode"] != "guard")]
        assert off["short_sight"].all()
