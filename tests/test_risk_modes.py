"""Every way of crossing that meets vehicles carries expected risk; the baseline's risk is calibrated."""

from __future__ import annotations

import pytest

from simulator.intervals import mean_ci

MEETS_VEHICLES = ("green", "red", "gap", "lag", "yield", "staged")


def severe_by_mode(result) -> dict[str, float]:
    ev = result.events
    return ev.groupby("mode")["p_severe"].sum().to_dict()


def test_every_way_of_crossing_in_the_baseline_carries_risk(baseline_setting, run_cached):
    by_mode = severe_by_mode(run_cached(baseline_setting, 1))
    for mode in MEETS_VEHICLES:
        assert by_mode.get(mode, 0.0) > 0.0, mode


def test_escorted_crossings_carry_risk_too(small_setting, run_cached):
    by_mode = severe_by_mode(run_cached(small_setting("guard-posts", children=1500), 1))
    for mode in (*MEETS_VEHICLES, "guard"):
        assert by_mode.get(mode, 0.0) > 0.0, mode


def test_bridges_carry_none(small_setting, run_cached):
    ev = run_cached(small_setting("footbridge", children=600), 1).events
    over = ev["mode"].isin(["footbridge", "underpass"])
    assert over.any() and (ev.loc[over, "p_severe"] == 0).all()


def test_baseline_risk_lies_in_the_calibration_band(baseline_setting, run_cached):
    """Severe injuries and deaths per 100,000 trips (3 seeds) inside the bands of parameters.yaml."""
    p = baseline_setting.params
    runs = [run_cached(baseline_setting, k) for k in (1, 2, 3)]
    for key, band in (("severe_per_100k_trips", "calibration.severe_per_100k_trips"),
                      ("deaths_per_100k_trips", "calibration.deaths_per_100k_trips")):
        mean = mean_ci([r.summary[key] for r in runs])[0]
        low, _, high = p[band]
        assert low <= mean <= high, (key, mean, p[band])


@pytest.mark.parametrize("seed", [1, 2])
def test_risk_is_not_held_by_one_event(baseline_setting, run_cached, seed):
    """Integrated, not sampled: no single crossing holds more than a small share of a morning's risk."""
    ev = run_cached(baseline_setting, seed).events
    assert ev["p_severe"].max() < 0.05 * ev["p_severe"].sum()
