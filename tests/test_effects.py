"""Scenario effects: small sanity checks that interventions move the figures the right way."""

from __future__ import annotations

import pytest

from simulator.runs import paired_differences, run_many

SIGNALISED = ("x24-23", "x24-25")  # the arterial zebras scenarios/arterial-signal.yaml signalises
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def signal_runs(small_setting, run_cached):
    base = small_setting("baseline", children=500)
    alt = small_setting("arterial-signal", children=500)
    return [(run_cached(base, k), run_cached(alt, k)) for k in SEEDS]


def test_signal_replaces_the_zebra_crossings(signal_runs):
    for base, alt in signal_runs:
        b = base.events[base.events["crossing"].isin(SIGNALISED)]
        a = alt.events[alt.events["crossing"].isin(SIGNALISED)]
        # the same children reach the same kerbs at the same times (common random numbers)
        assert list(a["party"]) == list(b["party"]) and list(a["arrive_s"]) == list(b["arrive_s"])
        assert (b["facility"] == "zebra").all() and (a["facility"] == "signal").all()
        assert set(a["mode"]) <= {"green", "red"}
        assert len(a) > 20


def test_signal_lowers_unassisted_arterial_crossings_every_seed(signal_runs):
    key = "unassisted_arterial_per_trip"
    for base, alt in signal_runs:
        assert alt.summary[key] < base.summary[key]


def test_signal_lowers_conflicts(signal_runs):
    base = sum(b.summary["conflicts_per_100_trips"] for b, _ in signal_runs)
    alt = sum(a.summary["conflicts_per_100_trips"] for _, a in signal_runs)
    assert alt < base
    # and at the signalised crossings themselves, every seed
    for b, a in signal_runs:
        assert _conflicts_at_signalised(a.events) < _conflicts_at_signalised(b.events)


def _conflicts_at_signalised(events):
    return events.loc[events["crossing"].isin(SIGNALISED), "conflicts"].sum()


def test_guard_posts_lower_unassisted_arterial_crossings(small_setting, run_cached):
    base = small_setting("baseline", children=500)
    alt = small_setting("guard-posts", children=500)
    for k in SEEDS[:2]:
        b, a = run_cached(base, k), run_cached(alt, k)
        assert a.summary["unassisted_arterial_per_trip"] < b.summary["unassisted_arterial_per_trip"]
        assert a.summary["unsafe_crossings_pct"] < b.summary["unsafe_crossings_pct"]


@pytest.mark.slow
@pytest.mark.parametrize("alternative", ["arterial-signal", "guard-posts", "combined"])
def test_full_size_effects_are_significant(small_setting, alternative):
    """1500 children, 8 seeds: the paired difference is negative and its 95% CI excludes zero."""
    settings = [small_setting("baseline", children=1500), small_setting(alternative, children=1500)]
    results = run_many(settings, range(1, 9), workers=2)
    diff = paired_differences(results, baseline=settings[0].name).set_index("metric")
    for metric in ("unassisted_arterial_per_trip", "conflicts_per_100_trips",
                   "unsafe_crossings_pct"):
        assert diff.loc[metric, "diff"] < 0, metric
        assert diff.loc[metric, "significant"], metric


def test_a_raised_crossing_slows_traffic_to_its_observed_speed(small_setting):
    """Mechanism, not multiplier: a raised table caps the mean speed at the crossing, nothing else."""
    base = small_setting("baseline", children=50)
    raised = small_setting("baseline", children=50, interventions=[
        {"type": "facility", "crossings": ["x24-116"], "facility": "raised"}])
    cap = base.params["traffic.raised_crossing_mean"] / 3.6
    before, after = base.traffic["x24-116"], raised.traffic["x24-116"]
    assert before.mean_speed[0].calmed > cap
    assert after.mean_speed[0].calmed == pytest.approx(cap)
    # the other crossings keep their speeds
    assert raised.traffic["x24-23"].mean_speed == base.traffic["x24-23"].mean_speed
