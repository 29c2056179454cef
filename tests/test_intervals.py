"""Intervals over seeds: the t interval, and the bounded and ratio intervals built on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.intervals import (
    bracket_text,
    change_text,
    includes_zero,
    mean_ci,
    percent_text,
    ratio_ci,
    t_quantile,
)

NON_NEGATIVE = (0.0, math.inf)
PERCENT = (0.0, 100.0)


@pytest.mark.parametrize("n", [2, 3, 10, 41])
def test_an_unbounded_figure_gets_the_t_interval_of_scipy_stats(n: int) -> None:
    from scipy import stats

    x = np.random.default_rng(n).lognormal(size=n)
    low, high = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    m, lo, hi = mean_ci(x)
    assert m == x.mean() and (lo, hi) == pytest.approx((low, high), rel=1e-14)
    assert t_quantile(n - 1) == pytest.approx(stats.t.ppf(0.975, n - 1), rel=1e-14)


def test_one_value_has_no_interval() -> None:
    for bounds in (NON_NEGATIVE, PERCENT, (-math.inf, math.inf)):
        m, lo, hi = mean_ci([3.0], bounds=bounds)
        assert m == 3.0 and math.isnan(lo) and math.isnan(hi)


def test_a_skewed_non_negative_figure_stays_non_negative_on_the_log_scale() -> None:
    """The issue's case: a school's risk over few seeds whose t interval reached -0.15."""
    x = [0.4, 0.9, 1.1, 8.7, 5.3]
    m, t_lo, t_hi = mean_ci(x)
    assert t_lo < 0  # the unreadable interval
    m, lo, hi = mean_ci(x, bounds=NON_NEGATIVE)
    half = t_hi - m
    assert (lo, hi) == pytest.approx((m * math.exp(-half / m), m * math.exp(half / m)), rel=1e-12)
    assert 0 < lo < m < hi and hi - m > m - lo  # wider upwards, as the spread of such a figure is


def test_a_tight_interval_is_the_same_on_either_scale() -> None:
    x = 20.0 + np.random.default_rng(3).normal(0, 0.4, 10)  # 2% spread, like the baseline's severe risk
    m, t_lo, t_hi = mean_ci(x)
    _, lo, hi = mean_ci(x, bounds=NON_NEGATIVE)
    half = t_hi - m  # 2.5% of the mean: the ends move by about half^2 / 2m, 0.03% of it
    assert abs(lo - t_lo) <= half**2 / m and abs(hi - t_hi) <= half**2 / m


def test_a_percentage_stays_within_0_and_100() -> None:
    low = [0.0, 0.0, 10.0]
    high = [100.0, 100.0, 90.0]
    for x in (low, high):
        m, t_lo, t_hi = mean_ci(x)
        assert t_lo < 0 or t_hi > 100
        m, lo, hi = mean_ci(x, bounds=PERCENT)
        assert 0 < lo < m < hi < 100
    # symmetric figures give symmetric intervals about 50%
    _, lo, hi = mean_ci([40.0, 50.0, 60.0], bounds=PERCENT)
    assert lo + hi == pytest.approx(100.0)


def test_a_figure_at_its_bound_or_without_spread_has_a_point_interval() -> None:
    assert mean_ci([0.0, 0.0, 0.0], bounds=NON_NEGATIVE) == (0.0, 0.0, 0.0)
    assert mean_ci([100.0, 100.0], bounds=PERCENT) == (100.0, 100.0, 100.0)
    assert mean_ci([2.5, 2.5], bounds=NON_NEGATIVE) == (2.5, 2.5, 2.5)
    # values that break the declared bounds (a wrong registry entry) get the plain t interval, not a point
    assert mean_ci([-1.0, 0.5], bounds=NON_NEGATIVE) == mean_ci([-1.0, 0.5])


def test_the_log_interval_covers_a_skewed_mean_at_least_as_often_as_the_t_interval() -> None:
    """Coverage of the true mean of a lognormal (sd of ln 0.8), 10 seeds, 4,000 experiments.

    Measured: t 0.88, log scale 0.92 (binomial standard error 0.005); the
    test allows 3 standard errors below the log scale's figure.
    """
    rng = np.random.default_rng(11)
    true = math.exp(0.8**2 / 2)
    hits_t = hits_log = 0
    for _ in range(4000):
        x = rng.lognormal(0.0, 0.8, 10)
        _, lo, hi = mean_ci(x)
        hits_t += lo <= true <= hi
        _, lo, hi = mean_ci(x, bounds=NON_NEGATIVE)
        hits_log += lo <= true <= hi
    assert hits_log / 4000 >= 0.90 and hits_log > hits_t


def test_a_ratio_of_paired_means_and_its_fieller_interval() -> None:
    base = np.array([10.0, 14.0, 9.0, 12.0])
    r, lo, hi = ratio_ci(0.5 * base, base)
    assert (r, lo, hi) == pytest.approx((0.5, 0.5, 0.5))  # an exact halving, seed by seed
    alt = base * np.array([0.5, 0.7, 0.4, 0.9])
    r, lo, hi = ratio_ci(alt, base)
    assert r == pytest.approx(alt.mean() / base.mean()) and 0 < lo < r < hi
    # the ends are where the paired t test of alt - rho x base is exactly at its limit
    for rho in (lo, hi):
        d = alt - rho * base
        assert abs(d.mean()) == pytest.approx(t_quantile(3) * d.std(ddof=1) / 2.0)
    assert all(math.isnan(v) for v in ratio_ci([1.0, 2.0], [0.0, 0.0]))
    assert math.isnan(ratio_ci([1.0], [2.0])[1])
    assert math.isnan(ratio_ci([1.0, 2.0], [0.1, 9.0])[1])  # a baseline not distinguishable from 0
    low = ratio_ci([0.0, 0.9], [1.0, 1.1])[1]  # cut at 0 for a figure that cannot be negative
    assert low == 0.0 and ratio_ci([0.0, 0.9], [1.0, 1.1], non_negative=False)[1] < 0


def test_the_ratio_and_the_difference_agree_about_noise() -> None:
    """Fieller's interval includes a ratio of 1 exactly when the paired difference's includes 0."""
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(400):
        n = int(rng.integers(2, 12))
        base = rng.lognormal(1.0, 0.3, n)
        alt = base * rng.lognormal(rng.normal(0, 0.1), 0.2, n)
        _, lo, hi = ratio_ci(alt, base)
        if math.isnan(lo):
            continue
        _, d_lo, d_hi = mean_ci(alt - base)
        assert (lo <= 1.0 <= hi) == includes_zero(d_lo, d_hi)
        checked += 1
    assert checked > 300


def test_a_change_is_within_noise_when_its_interval_includes_zero_or_is_unknown() -> None:
    assert includes_zero(-1.0, 2.0) and includes_zero(0.0, 1.0) and includes_zero(math.nan, math.nan)
    assert not includes_zero(-3.0, -1.0) and not includes_zero(0.5, 2.0)


def test_the_texts_of_a_change_and_of_its_percentage() -> None:
    assert change_text(-0.0123, -0.02, -0.004, decimals=3, lang="en") == "-0.012 [-0.020, -0.004]"
    assert change_text(-0.01, -0.02, 0.004, decimals=3, lang="en").endswith("[-0.020, +0.004] (within noise)")
    assert change_text(-0.01, -0.02, 0.004, decimals=3, lang="zh").endswith("（在随机误差内）")
    assert percent_text(-40.2, -49.4, -30.0) == " (-40% [-49, -30])"
    assert percent_text(-4.84, -5.66, -3.91) == " (-4.8% [-5.7, -3.9])"
    assert percent_text(-0.32, -0.61, 0.04) == " (-0.3% [-0.6, +0.0])"
    assert percent_text(-100.0, math.nan, math.nan) == " (-100%)" and percent_text(math.nan, 1, 2) == ""
    assert bracket_text(math.nan, math.nan, decimals=2) == "[—]"
