"""The Mesa model and runs: determinism, common random numbers, arrivals, guards, footbridges."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from simulator.metrics import SUMMARY_FIELDS
from simulator.model import TRAILING, SchoolRouteModel
from simulator.params import clock_seconds
from simulator.runs import RunResult, paired_differences, run_many, run_once, summary_table

GUARDED = ("x24-23", "x24-25")  # the crossings scenarios/guard-posts.yaml staffs


def assert_same_run(a: RunResult, b: RunResult) -> None:
    assert (a.scenario, a.seed) == (b.scenario, b.seed)
    pd.testing.assert_frame_equal(a.trips, b.trips)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.crossings, b.crossings)
    assert a.summary == b.summary


# --- determinism ---------------------------------------------------------------------------------


def test_same_setting_and_seed_give_identical_results(baseline_setting):
    assert_same_run(run_once(baseline_setting, 7), run_once(baseline_setting, 7))


def test_different_seeds_give_different_results(small_setting, run_cached):
    s = small_setting("baseline")
    a, b = run_cached(s, 1), run_cached(s, 2)
    assert a.summary != b.summary
    assert not np.array_equal(a.trips["depart_s"].to_numpy(), b.trips["depart_s"].to_numpy())
    assert not a.events[["crossing", "wait_s"]].equals(b.events[["crossing", "wait_s"]])


def test_a_morning_run_in_slices_is_the_morning_run_at_once(small_setting):
    """Mesa's clock in slices (as the UI runs it) runs the model's events exactly as one run does."""
    s = small_setting("guard-posts", children=300)
    whole = SchoolRouteModel(s, rng=3)
    whole.run()
    sliced = SchoolRouteModel(s, rng=3)
    horizon = s.period_end + TRAILING
    while sliced.arrivals < len(sliced.children) and sliced.time < horizon:
        sliced.run_until(min(sliced.time + 97.0, horizon))
    assert sliced.arrivals == len(sliced.children)
    assert [(p.arrived, p.waypoints, p.outcomes) for p in whole.parties] == [
        (p.arrived, p.waypoints, p.outcomes) for p in sliced.parties]
    assert sum(g.escorts for g in whole.guards.values()) > 0


def test_mesa_events_still_run_among_the_model_events(small_setting):
    """A notebook's own ``schedule_event`` runs at its time, after the model's events up to then.

    The probe lands on a party's arrival (the model's event runs first) and
    schedules a model action before the next model event, which runs in time.
    """
    setting = small_setting("baseline", children=100)
    plain = SchoolRouteModel(setting, rng=1)
    plain.run()
    arrivals = sorted(p.arrived for p in plain.parties if p.arrived is not None)
    at = arrivals[len(arrivals) // 2]
    soon = (at + min(t for t in arrivals if t > at)) / 2  # before the next arrival
    model = SchoolRouteModel(setting, rng=1)
    seen: list[tuple[str, float, int]] = []

    class Probe:
        def look(self) -> None:
            seen.append(("look", model.time, model.arrivals))
            model.call_at(self.later, soon)

        def later(self) -> None:
            seen.append(("later", model.time, model.arrivals))

    probe = Probe()
    model.schedule_event(probe.look, at=at)
    model.run()
    arrived = sum(p.size for p in model.parties if p.arrived is not None and p.arrived <= at)
    assert seen == [("look", at, arrived), ("later", soon, arrived)]
    assert 0 < arrived < len(model.children)
    assert [p.outcomes for p in model.parties] == [p.outcomes for p in plain.parties]
    with pytest.raises(ValueError, match="already"):
        model.call_at(probe.later, at)
    assert model.steps == 0  # event-driven: Mesa's per-time-unit step is not scheduled


def test_run_many_is_the_same_with_one_or_two_workers(small_setting):
    settings = [small_setting("baseline", children=200),
                small_setting("arterial-signal", children=200)]
    one = run_many(settings, [4, 5], workers=1)
    two = run_many(settings, [4, 5], workers=2)
    assert [(r.scenario, r.seed) for r in one] == [(s.name, k) for s in settings for k in (4, 5)]
    for a, b in zip(one, two, strict=True):
        assert_same_run(a, b)


def test_decisions_kept_between_scenarios_are_the_decisions_made_anew(small_setting, monkeypatch):
    """Scenarios run one after another with one seed share their kerb decisions where nothing differs.

    The first scenario's decisions are kept (SchoolRouteModel.decision); the
    second meets most of them again and adds only its own. Every table is
    the same, to the last bit, as with no decision kept.
    """
    settings = [small_setting("baseline", children=1500), small_setting("guard-posts", children=1500)]
    params = settings[0].params
    assert settings[1].params is params  # one parameter table: the decisions are kept with it
    params.derived.pop("decisions", None)
    kept, made = [], []
    for s in settings:
        kept.append(run_once(s, 21))
        made.append(params.derived["decisions"].size(21))
    assert params.derived["decisions"].seeds() == [21]
    assert made[0] > 0.9 * len(kept[0].events)  # nearly every crossing is a decision (no guard, no bridge)
    assert made[1] - made[0] < 0.1 * len(kept[1].events)  # the guards' crossings and the parties they delay
    monkeypatch.setattr("simulator.model.DECISIONS_LIMIT", 0)
    params.derived.pop("decisions", None)
    for a, s in zip(kept, settings, strict=True):
        b = run_once(s, 21)
        for name in ("trips", "events", "crossings"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
        assert a.summary == b.summary
    assert not params.derived["decisions"].size(21)


# --- common random numbers -----------------------------------------------------------------------


def _models(setting_a, setting_b, seed):
    return SchoolRouteModel(setting_a, rng=seed), SchoolRouteModel(setting_b, rng=seed)


@pytest.mark.parametrize("alternative", ["arterial-signal", "school-zone-30", "guard-posts"])
def test_crn_same_children_homes_and_departures(small_setting, alternative):
    base, alt = _models(small_setting("baseline"), small_setting(alternative), 11)
    for f in dataclasses.fields(base.population):
        np.testing.assert_array_equal(getattr(base.population, f.name),
                                      getattr(alt.population, f.name), err_msg=f.name)
    assert [c.home for c in base.children] == [c.home for c in alt.children]
    assert [p.depart for p in base.parties] == [p.depart for p in alt.parties]
    assert [[c.index for c in p.members] for p in base.parties] == \
        [[c.index for c in p.members] for p in alt.parties]
    # and the population is not constant across seeds
    other = SchoolRouteModel(small_setting("baseline"), rng=12)
    assert not np.array_equal(base.population.home, other.population.home)


def test_crn_same_vehicles_where_the_alternative_changes_nothing(small_setting):
    """School zone 30: untouched crossings keep all vehicles; calmed ones keep times and u_yield."""
    base_s, alt_s = small_setting("baseline"), small_setting("school-zone-30")
    base, alt = _models(base_s, alt_s, 3)
    same = changed = 0
    for cid in base_s.traffic:
        a, b = base.stream(cid), alt.stream(cid)
        np.testing.assert_array_equal(a.t, b.t)
        np.testing.assert_array_equal(a.u_yield, b.u_yield)
        np.testing.assert_array_equal(a.lane, b.lane)
        if base_s.traffic[cid].mean_speed == alt_s.traffic[cid].mean_speed:
            np.testing.assert_array_equal(a.speed, b.speed)
            same += 1
        else:
            assert np.all(b.speed <= a.speed) and np.any(b.speed < a.speed)
            changed += 1
    assert same > 100 and changed >= 3


def test_crn_streams_identical_under_a_signal(small_setting):
    base, alt = _models(small_setting("baseline"), small_setting("arterial-signal"), 3)
    for cid in (*GUARDED, "x116-24", "x83-51"):
        a, b = base.stream(cid), alt.stream(cid)
        for name in ("t", "speed", "direction", "lane", "u_yield"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


# --- comparisons ---------------------------------------------------------------------------------


def test_paired_differences_of_a_scenario_with_itself_are_zero(small_setting, run_cached):
    s = small_setting("baseline")
    twin = dataclasses.replace(s, name="twin")
    results = [run_cached(s, k) for k in (1, 2, 3)] + [run_once(twin, k) for k in (1, 2, 3)]
    diff = paired_differences(results, baseline=s.name)
    assert list(diff["metric"]) == list(SUMMARY_FIELDS)
    assert (diff["scenario"] == "twin").all() and (diff["seeds"] == 3).all()
    assert (diff[["diff", "ci_low", "ci_high"]] == 0).all().all()
    assert not diff["significant"].any()


def _fake(scenario: str, seed: int, value: float) -> RunResult:
    summary = dict.fromkeys(SUMMARY_FIELDS, 1.0) | {"late_pct": value}
    empty = pd.DataFrame()
    return RunResult(scenario, seed, summary, empty, empty, empty)


def test_paired_differences_interval_by_hand():
    base = [_fake("a", k, v) for k, v in ((1, 10.0), (2, 20.0), (3, 30.0))]
    alt = [_fake("b", k, v) for k, v in ((1, 9.0), (2, 18.0), (3, 27.0))]  # diffs -1, -2, -3
    row = paired_differences(base + alt, baseline="a").set_index("metric").loc["late_pct"]
    half = 4.302652729749464 * 1.0 / math.sqrt(3)  # t(0.975, 2) x sd / sqrt(n)
    assert row["diff"] == pytest.approx(-2.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-2.0 - half, -2.0 + half))
    assert row["pct"] == pytest.approx(-10.0) and not row["significant"]
    alt = [_fake("b", k, v) for k, v in ((1, 8.0), (2, 18.1), (3, 27.9))]  # diffs -2, -1.9, -2.1
    row = paired_differences(base + alt, baseline="a").set_index("metric").loc["late_pct"]
    assert row["significant"] and row["ci_high"] < 0
    # a seed missing from the baseline is left out of the pairs
    row = paired_differences(base + alt + [_fake("b", 9, 0.0)], baseline="a").set_index("metric")
    assert row.loc["late_pct", "seeds"] == 3


def test_summary_table_means_over_seeds(small_setting, run_cached):
    s = small_setting("baseline")
    runs = [run_cached(s, k) for k in (1, 2)]
    table = summary_table(runs).set_index("metric")
    for key in SUMMARY_FIELDS:
        mean = (runs[0].summary[key] + runs[1].summary[key]) / 2
        assert table.loc[key, "mean"] == pytest.approx(mean)
        assert table.loc[key, "seeds"] == 2
        assert table.loc[key, "ci_low"] <= table.loc[key, "mean"] <= table.loc[key, "ci_high"]


# --- trips ---------------------------------------------------------------------------------------


def test_every_child_arrives_in_the_baseline(baseline_setting, run_cached):
    r = run_cached(baseline_setting, 1)
    t = r.trips
    assert len(t) == baseline_setting.n_children == 1500
    assert t["arrive_s"].notna().all()
    assert (t["trip_s"] >= t["free_walk_s"] - 1e-6).all()
    assert r.summary["children"] == 1500
    # waits and in-road times add up from the events, child by child (the risk is shared in a party)
    per_party = r.events.groupby("party")[["wait_s", "conflicts"]].sum()
    for col in ("wait_s", "conflicts"):
        np.testing.assert_allclose(t[col], t["party"].map(per_party[col]).fillna(0.0), rtol=1e-12)
    # conflicts are the sampled counts of the crossing walked (branches not walked add expected risk only)
    assert r.events["conflicts"].mod(1).eq(0).all() and r.events["conflicts"].gt(0).any()
    assert r.summary["conflicts_per_100_trips"] == pytest.approx(100 * t["conflicts"].sum() / 1500)
    # an event's injury risk is shared among the children of its party
    share = (r.events["p_severe"] / r.events["children"]).groupby(r.events["party"]).sum()
    np.testing.assert_allclose(t["p_severe"], t["party"].map(share).fillna(0.0), rtol=1e-12)
    expected = 1e5 * r.events["p_severe"].sum() / 1500
    assert r.summary["severe_per_100k_trips"] == pytest.approx(expected)
    assert r.summary["late_pct"] < 5


def test_trip_time_is_walking_plus_crossing(small_setting):
    """A party's arrival = departure + walking legs + time from each kerb to the far kerb."""
    m = SchoolRouteModel(small_setting("guard-posts"), rng=2)
    m.run()
    for party in m.parties:
        walk = sum(leg.distance for leg in party.route.legs) / party.speed
        crossing = sum(o.end - o.arrive for _, o, _ in party.outcomes)
        assert party.arrived == pytest.approx(party.depart + walk + crossing, abs=1e-6)
        assert [cid for cid, _, _ in party.outcomes] == list(party.route.crossings)
        assert all(o.wait >= 0 and o.end >= o.start for _, o, _ in party.outcomes)
        for cid, o, _ in party.outcomes:
            c = m.setting.traffic[cid].crossing
            if c.grade_separated:
                assert o.in_road == 0.0
                continue
            # the far kerb is reached a step-off plus the time in the carriageway after stepping off
            assert o.end == pytest.approx(o.start + party.walker.step_off + o.in_road, abs=1e-9)
            if o.mode in {"lag", "gap", "yield", "green"}:
                assert o.in_road == pytest.approx(c.length / party.speed, rel=1e-12)
            else:  # lane by lane (children, against the red, or a guard's group) takes at least as long
                assert o.in_road >= c.length / max(party.speed, 1.0) - 1e-9


def test_late_arrivals_are_counted_against_the_bell(small_setting, run_cached):
    """An early bell for most, 08:20 for the 6- and 7-year-olds: late means after one's own bell."""
    s = small_setting("baseline", bell="07:00",
                      interventions=[{"type": "start_time", "bell": "08:20", "ages": [6, 7]}])
    r = run_cached(s, 3)
    t = r.trips
    start = clock_seconds("06:50")
    bell = np.where(t["age"] <= 7, clock_seconds("08:20") - start, clock_seconds("07:00") - start)
    np.testing.assert_array_equal(t["late"].to_numpy(), (t["arrive_s"] > bell).to_numpy())
    assert r.summary["late_pct"] == pytest.approx(100 * t["late"].mean())
    assert t["late"].any() and not t["late"].all()
    # a young child arriving after 07:00 is on time, an older one is not
    after = t["arrive_s"] > clock_seconds("07:00") - start
    assert (after & (t["age"] <= 7) & ~t["late"]).any()
    assert (t.loc[after & (t["age"] > 7), "late"]).all()
    # nobody leaves before the simulated period starts, however early the bell
    assert (t["depart_s"] >= 0).all() and (t["depart_s"] == 0).any()


# --- guards and footbridges ----------------------------------------------------------------------


def test_guard_post_escorts_children(small_setting, run_cached):
    s = small_setting("guard-posts")
    post = s.guards[0]
    r = run_cached(s, 1)
    ev = r.events
    at_post = ev["crossing"].isin(GUARDED)
    on_duty = at_post & (ev["arrive_s"] >= post.start) & (ev["arrive_s"] < post.end)
    assert on_duty.sum() > 10
    assert (ev.loc[on_duty, "mode"] == "guard").all() and ev.loc[on_duty, "guarded"].all()
    guard = ev["mode"] == "guard"
    assert (guard == ev["guarded"]).all() and ev.loc[guard, "crossing"].isin(GUARDED).all()
    # drivers who ignore the guard and children who do not wait leave a risk, far below the zebra's
    base_ev = run_cached(small_setting("baseline"), 1).events
    unguarded = base_ev[base_ev["crossing"].isin(GUARDED)]
    per_child = (ev.loc[guard, "p_severe"] / ev.loc[guard, "children"]).mean()
    assert 0 < per_child < 0.5 * (unguarded["p_severe"] / unguarded["children"]).mean()
    # guards gather children: escorted groups share start times
    starts = ev.loc[guard, "arrive_s"] + ev.loc[guard, "wait_s"]
    assert starts.round(6).nunique() < guard.sum()
    # the same children cross unescorted (zebra) in the baseline
    base = run_cached(small_setting("baseline"), 1).events
    assert not base["guarded"].any()
    assert (base.loc[base["crossing"].isin(GUARDED), "mode"] != "guard").all()


def test_footbridge_has_no_traffic_exposure(small_setting, run_cached):
    s = small_setting("footbridge", children=600)
    ev = run_cached(s, 1).events
    bridge = ev["facility"] == "footbridge"
    assert bridge.sum() > 0
    cols = ["wait_s", "in_road_s", "conflicts", "p_impact", "p_death", "p_severe"]
    assert (ev.loc[bridge, cols] == 0).all().all()
    # children who avoid the stairs cross at grade beneath the bridge, and that is counted
    under = ev["crossing"].str.endswith("~grade")
    assert (ev.loc[under, "facility"] == "unmarked").all()


# --- heavier -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_size_determinism_across_workers(baseline_setting):
    one = run_many([baseline_setting], [1, 2, 3, 4], workers=1)
    two = run_many([baseline_setting], [1, 2, 3, 4], workers=2)
    for a, b in zip(one, two, strict=True):
        assert_same_run(a, b)
