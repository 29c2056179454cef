"""Barrier-free crossings: children who cannot use stairs, ramps and lifts, forced at-grade crossings.

The footbridges of ``scenarios/footbridge.yaml`` (x24-23, x24-25 across the
arterial) are stairs only; ``scenarios/footbridge-lift.yaml`` gives them lifts.
A high share of children who cannot use stairs makes every property bite.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simulator.access import forced_at_grade, means, passable, profiles
from simulator.cli import main
from simulator.crossing import Crossing
from simulator.metrics import SUMMARY_FIELDS
from simulator.params import default_parameters

BRIDGES = ("x24-23", "x24-25")
MANY = {"child.no_stairs_share": 0.4, "child.stroller_share": 0.3}
SEEDS = (1, 2)
P = default_parameters()


def stairs_only(setting) -> set[str]:
    return {cid for cid, c in setting.network.crossings.items() if not c.step_free}


@pytest.fixture(scope="module")
def stairs(small_setting):
    return small_setting("footbridge", children=400, parameters=MANY)


@pytest.fixture(scope="module")
def lift(small_setting):
    return small_setting("footbridge-lift", children=400, parameters=MANY)


# --- the cost of each way across -------------------------------------------------------------------


def bridge(access: str) -> Crossing:
    return Crossing(id="x1-2", node=1, edge=(1, 2, 0), x=0.0, y=0.0, facility="footbridge",
                    highway="primary", name="", length=21.0, lanes=(3, 3), speed_limit=60.0,
                    volume=(2100.0, 2100.0), climb=5.5, access=access)


def test_ways_across_a_footbridge():
    up = means(bridge("stairs"), P, step_free=False)
    assert up is not None and up.kind == "stairs"
    assert up.time(1.0) == pytest.approx(21.0 + 2 * 5.5 / P["grade.stair_vertical_speed"])
    assert means(bridge("stairs"), P, step_free=True) is None  # a wall for a wheelchair
    ramp = means(bridge("ramp"), P, step_free=True)
    assert ramp is not None and ramp.length == pytest.approx(21.0 + 2 * 5.5 * 12.0) and ramp.extra_s == 0
    lift = means(bridge("lift"), P, step_free=True)
    assert lift is not None and lift.length == 21.0
    assert lift.extra_s == pytest.approx(2 * (P["grade.lift_wait"] + 5.5 / P["grade.lift_speed"]))
    # children who can climb take the quicker way: a ramp or lift never slows them down
    for access in ("ramp", "lift"):
        way = means(bridge(access), P, step_free=False)
        assert way is not None and way.cost_m(1.2) <= up.cost_m(1.2)


def test_profiles_follow_the_shares_and_zero_means_nobody():
    rng = np.random.default_rng(5)
    u, v, escorted = rng.uniform(size=20000), rng.uniform(size=20000), rng.uniform(size=20000) < 0.7
    none = P.with_overrides({"child.no_stairs_share": 0.0, "child.stroller_share": 0.0})
    assert set(profiles(u, v, escorted, params=none)) == {"walk"}
    some = P.with_overrides({"child.no_stairs_share": 0.1, "child.stroller_share": 0.2})
    got = profiles(u, v, escorted, params=some)
    assert np.mean(got == "no_stairs") == pytest.approx(0.1, abs=0.01)
    assert np.mean(got[escorted & (u >= 0.1)] == "stroller") == pytest.approx(0.2, abs=0.015)
    assert not np.any((got == "stroller") & ~escorted)


# --- a stairs-only footbridge is never on a no-stairs child's route --------------------------------


def test_step_free_routes_avoid_stairs_only_bridges(stairs):
    walls = stairs_only(stairs)
    assert set(BRIDGES) <= walls
    crossings = stairs.network.crossings
    via_bridge = detours = 0
    for choice in stairs.routes.values():
        compliant, shortcut = choice.step_free_routes()
        for route in (compliant, shortcut):
            if route is not None:
                assert not walls & set(route.crossings)
                assert passable(route.crossings, crossings)
        if walls & set(choice.compliant.crossings):
            via_bridge += 1
            detours += compliant is not None and compliant is not choice.compliant
    assert via_bridge > 3  # the property is not vacuous: walking children's routes use the bridges
    assert detours > 0


def test_simulated_no_stairs_trips_never_climb_stairs(stairs, run_cached):
    walls = stairs_only(stairs)
    crossed_walls = 0
    for seed in SEEDS:
        r = run_cached(stairs, seed)
        free_parties = set(r.trips.loc[r.trips["step_free"], "party"])
        assert len(free_parties) > 50
        ev = r.events
        free_events = ev[ev["party"].isin(free_parties)]
        assert not free_events["crossing"].isin(walls).any()
        assert not ((free_events["facility"] == "footbridge") & free_events["crossing"].isin(walls)).any()
        crossed_walls += int(ev["crossing"].isin(walls).sum())
        # profiles: a child who cannot use stairs, or a stroller, makes the whole party step-free
        t = r.trips
        assert t.loc[t["profile"] != "walk", "step_free"].all()
        assert set(t["profile"]) == {"walk", "no_stairs", "stroller"}
    assert crossed_walls > 0  # other children do climb them


def test_recommended_routes_with_stairs_are_not_followed_by_no_stairs_parties(small_setting, run_cached):
    published = {"type": "recommended_routes", "compliance": 1.0, "max_detour": 0.5}
    s = small_setting("footbridge", children=400, parameters=MANY,
                      interventions=[{"type": "facility", "crossings": list(BRIDGES),
                                      "facility": "footbridge"}, published])
    walls = stairs_only(s)
    with_walls = [c.recommended for c in s.routes.values()
                  if c.recommended is not None and walls & set(c.recommended.crossings)]
    assert with_walls  # some published routes climb a bridge
    r = run_cached(s, 1)
    free_parties = set(r.trips.loc[r.trips["step_free"], "party"])
    ev = r.events
    assert not ev[ev["party"].isin(free_parties)]["crossing"].isin(walls).any()
    assert ev[~ev["party"].isin(free_parties)]["crossing"].isin(walls).any()


def test_forced_at_grade_crossings_are_counted(stairs, run_cached):
    crossings = stairs.network.crossings
    for seed in SEEDS:
        r = run_cached(stairs, seed)
        t, ev = r.trips, r.events
        under = ev["crossing"].map(lambda cid: forced_at_grade([cid], crossings)).astype(bool)
        per_party = ev[under].groupby("party").size()
        expected = t["party"].map(per_party).fillna(0).astype(int).where(t["step_free"], 0)
        np.testing.assert_array_equal(t["forced_at_grade"].to_numpy(), expected.to_numpy())
        assert t["forced_at_grade"].sum() > 0
        assert (t.loc[~t["step_free"], ["forced_at_grade", "step_free_extra_m"]] == 0).all().all()
        free = t[t["step_free"]]
        s = r.summary
        assert s["forced_at_grade_per_no_stairs_trip"] == pytest.approx(free["forced_at_grade"].mean())
        assert s["no_stairs_trips_pct"] == pytest.approx(100 * len(free) / len(t))
        assert s["no_stairs_extra_m"] == pytest.approx(free["step_free_extra_m"].mean())
        assert s["severe_per_100k_no_stairs_trips"] == pytest.approx(1e5 * free["p_severe"].mean())


# --- adding a lift never lengthens anyone's trip ----------------------------------------------------


def test_lift_never_lengthens_a_route(stairs, lift):
    assert not set(BRIDGES) & stairs_only(lift)
    opened = 0
    for home, before in stairs.routes.items():
        after = lift.routes[home]
        # children who climb keep the stairs (quicker for them): same routes
        assert after.compliant.cost <= before.compliant.cost + 1e-9
        assert after.compliant.length <= before.compliant.length + 1e-9
        (c0, s0), (c1, s1) = before.step_free_routes(), after.step_free_routes()
        assert s1.cost <= s0.cost + 1e-9
        if c0 is not None:
            assert c1 is not None and c1.cost <= c0.cost + 1e-9 and c1.length <= c0.length + 1e-9
        opened += c1 is not None and (c0 is None or c1.cost < c0.cost - 1e-9)
    assert opened > 3  # the lift opens shorter step-free routes


def test_lift_never_lengthens_a_trip(stairs, lift, run_cached):
    """Same children (CRN): nobody's free walk time grows, except to ride the lift instead of crossing
    six lanes at grade beneath the bridge, and forced at-grade crossings disappear."""
    switched = 0
    for seed in SEEDS:
        a = run_cached(stairs, seed).trips.set_index("child")
        b = run_cached(lift, seed).trips.set_index("child")
        assert (a.index == b.index).all() and (a["profile"] == b["profile"]).all()
        longer = b["free_walk_s"] > a["free_walk_s"] + 1e-9
        onto_bridge = (a["route"] == "shortcut") & (b["route"] == "compliant") & (a["forced_at_grade"] > 0)
        assert not (longer & ~onto_bridge).any()
        switched += int(onto_bridge.sum())
        assert (b["forced_at_grade"] <= a["forced_at_grade"]).all()
        assert a["forced_at_grade"].sum() > 0 and b["forced_at_grade"].sum() == 0
        assert (b["route_m"] <= a["route_m"] + 1e-9).all()
    assert switched > 0  # some parties that cannot climb now ride the lift


# --- defaults: no profiles, no change ---------------------------------------------------------------


def test_zero_shares_give_plain_floats_and_no_step_free_trips(small_setting, run_cached):
    s = small_setting("footbridge", children=200,
                      parameters={"child.no_stairs_share": 0.0, "child.stroller_share": 0.0})
    r = run_cached(s, 1)
    assert not r.trips["step_free"].any() and (r.trips["profile"] == "walk").all()
    for key in SUMMARY_FIELDS:
        assert isinstance(r.summary[key], float) and math.isfinite(r.summary[key]), key
    for key in ("no_stairs_trips_pct", "no_stairs_extra_m", "forced_at_grade_per_no_stairs_trip",
                "severe_per_100k_no_stairs_trips"):
        assert r.summary[key] == 0.0
    # nothing is parked here; only the parents' vehicles standing at the gate's kerb cut the sight
    short = r.events.loc[r.events["short_sight"], "crossing"]
    assert set(short) <= {"gate", "gate-lane"}
    # the same children take the same routes as with the default shares, if they can climb
    d = run_cached(small_setting("footbridge", children=200), 1).trips.set_index("child")
    t = r.trips.set_index("child")
    walking = ~d["step_free"]
    assert (t.loc[walking, "route_m"] == d.loc[walking, "route_m"]).all()


# --- bad input: one line naming file, field, value and what is allowed; exit 2; nothing written -----

BAD = {
    "access-value": (
        "interventions:\n  - {type: access, crossings: [x25-24], access: escalator}\n",
        "bad.yaml: interventions[0].access: 'escalator' is not allowed (allowed: stairs, ramp, lift)"),
    "facility-access-value": (
        "interventions:\n  - {type: facility, crossings: [x24-23], facility: footbridge, access: elevator}\n",
        "bad.yaml: interventions[0].access: 'elevator' is not allowed (allowed: stairs, ramp, lift)"),
    "access-on-a-zebra": (
        "interventions:\n  - {type: facility, crossings: [x24-23], facility: zebra, access: lift}\n",
        "bad.yaml: interventions[0].access: only allowed with facility: footbridge or underpass "
        "(this one is zebra)"),
    "access-change-on-at-grade": (
        "interventions:\n  - {type: access, crossings: [x25-24, x116-24], access: ramp}\n",
        "bad.yaml: interventions[0].crossings[1]: 'x116-24' is a zebra crossing "
        "(allowed: footbridges and underpasses"),
    "negative-parking": (
        "interventions:\n  - {type: parking, zone: {radius_m: 100}, length_m: -5}\n",
        "bad.yaml: interventions[0].length_m: -5 is not allowed (allowed: 0–500 m from the crossing)"),
    "no-parking-zero": (
        "interventions:\n  - {type: no_parking, crossings: [x116-24], within_m: 0}\n",
        "bad.yaml: interventions[0].within_m: 0 is not allowed (allowed: 1–500 m from the crossing)"),
    "share-above-one": (
        "parameters:\n  child.no_stairs_share: 1.5\n",
        "bad.yaml: parameters.child.no_stairs_share: 1.5 is not allowed (allowed: a share 0–1"),
    "share-below-zero": (
        "parameters:\n  child.stroller_share: -0.2\n",
        "bad.yaml: parameters.child.stroller_share: -0.2 is not allowed (allowed: a share 0–1"),
    "clear-parking-not-a-flag": (
        "interventions:\n  - {type: guard, crossings: [x116-24], hours: '07:10-08:30', staff: teacher,"
        " clear_parking: 1}\n",
        "bad.yaml: interventions[0].clear_parking: 1 is not allowed (allowed: true or false)"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_and_exit_2(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = BAD[name]
    (tmp_path / "bad.yaml").write_text("name: t\nchildren: 50\n" + text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["run", "bad.yaml", "--seeds", "1", "--workers", "1", "--out", "out"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("saferoute: error: " + expected), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]
