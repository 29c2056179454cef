"""Confidence intervals over replications that respect what the figure can be.

The replications of a scenario (one per seed) are independent, so a figure's
mean over them has the usual Student-t interval m ± t·s/√n. That interval is
symmetric, and for a figure that cannot be negative (a risk, a wait, a count)
with few seeds and a skewed spread it reaches below zero: an interval nobody
can read. Such figures get the same interval on a scale where their range is
unbounded, mapped back (the delta method; e.g. Rothman, Greenland & Lash,
*Modern Epidemiology*, 3rd ed., ch. 13, for rates):

* a figure bounded below only (``bounds = (a, inf)``): on ln(m - a), the
  interval is a + (m - a)·exp(±t·s/(√n·(m - a))); it stays above a and is
  wider upwards, as the spread of a skewed non-negative figure is;
* a figure bounded on both sides (a percentage, ``(0, 100)``): on the logit of
  p = (m - a)/(b - a), the interval is logistic(logit p ± t·s/(√n·(b - a)·p(1 - p)));
* a figure unbounded (a change from the baseline): the t interval itself.

When the spread is small compared with the distance to the bound the three
agree to within rounding (the baseline's severe risk over 10 seeds, ±6%); they
differ only where the t interval was unreadable. A mean at its bound (every
replication at zero) has a spread of zero and the interval [m, m].

Measured on skewed replications (lognormal, 3,000 experiments each; the
t interval cut at zero for comparison): with 10 seeds and a spread of ln
0.5 / 1.0, the log-scale interval covers the true mean 93% / 89% of the time,
the cut t interval 91% / 85%; with 3 seeds 95% / 91% against 93% / 84%. The
price is a longer upper arm, and with 2 seeds (t = 12.7) an upper bound that
can be hundreds of times the mean: two seeds say little, and the interval says so.

A ratio of two paired means (an alternative over its baseline, seed by seed,
shown as a change in percent) gets Fieller's interval (Fieller 1954, J. R.
Stat. Soc. B 16:175), cut at 0 for figures that cannot be negative: it is
built from the same paired t test as the difference's interval, so the
percentage's interval includes 0% exactly when the difference's includes 0,
and the two never disagree about whether a change is within noise.

Fewer than two replications have no spread: every interval is NaN, and what
shows it says why (:data:`ONE_SEED`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulator.metric import Bilingual

UNBOUNDED = (-math.inf, math.inf)
ONE_SEED = Bilingual("[—]：只有 1 个随机种子，无法给出区间（至少需 2 个，如 --seeds 10）",
                     "[—]: one seed gives no interval (at least 2 are needed, e.g. --seeds 10)")
"""Said wherever an interval is shown as "—" because it comes from fewer than two replications."""
WITHIN_NOISE = Bilingual("在随机误差内", "within noise")
"""The mark of a change whose interval includes zero."""


def t_quantile(df: int, *, level: float = 0.95) -> float:
    """Student's t quantile for a two-sided interval at ``level`` with ``df`` degrees of freedom."""
    # scipy.special's stdtrit is what scipy.stats.t.ppf calls (the same numbers), without
    # importing scipy.stats (0.3 s); scipy.special is loaded with Mesa already
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + level / 2))


def mean_ci(values: Sequence[float], *, level: float = 0.95,
            bounds: tuple[float, float] = UNBOUNDED) -> tuple[float, float, float]:
    """Mean and (low, high) interval of independent replications of a figure within ``bounds``.

    NaN bounds of the interval for fewer than two values.
    """
    x = np.asarray(values, float)
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = t_quantile(x.size - 1, level=level) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return (m, *_bounded(m, half, bounds))


def _bounded(m: float, half: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """The interval of half-width ``half`` (on the figure's own scale) taken on the bounded scale."""
    lo, hi = bounds
    if half == 0.0 or not math.isfinite(half):
        return (m, m) if half == 0.0 else (math.nan, math.nan)
    # unbounded; or, with a spread, a mean at or beyond a bound (the bounds are broken): the t interval
    if (math.isinf(lo) and math.isinf(hi)) or not lo < m < hi:
        return m - half, m + half
    if math.isfinite(lo) and math.isfinite(hi):
        p = (m - lo) / (hi - lo)
        logit, spread = math.log(p / (1.0 - p)), half / ((hi - lo) * p * (1.0 - p))
        return (lo + (hi - lo) * _logistic(logit - spread), lo + (hi - lo) * _logistic(logit + spread))
    if math.isfinite(lo):
        gap = m - lo
        return lo + gap * math.exp(-half / gap), lo + gap * math.exp(half / gap)
    gap = hi - m
    return hi - gap * math.exp(half / gap), hi - gap * math.exp(-half / gap)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def ratio_ci(alternative: Sequence[float], baseline: Sequence[float], *, level: float = 0.95,
             non_negative: bool = True) -> tuple[float, float, float]:
    """Ratio of the means of paired replications, mean(alternative) / mean(baseline), and its interval.

    Fieller's interval: every ρ for which the paired t test of a - ρ·b does not
    reject a mean of zero. At ρ = 1 that test is the paired test of the
    difference, so the interval excludes 1 exactly when the difference's
    interval excludes 0. Cut at 0 for figures that cannot be negative
    (``non_negative``). NaN when the baseline's mean is not positive (no
    ratio); NaN bounds for fewer than two pairs, and when the baseline's mean
    is itself not distinguishable from 0 (the interval is unbounded).
    """
    a, b = np.asarray(alternative, float), np.asarray(baseline, float)
    ma, mb = float(a.mean()), float(b.mean())
    if not mb > 0:
        return math.nan, math.nan, math.nan
    ratio = ma / mb
    if a.size < 2:
        return ratio, math.nan, math.nan
    t2n = t_quantile(a.size - 1, level=level) ** 2 / a.size
    cov = np.cov(a, b, ddof=1)
    # (ā - ρ b̄)² <= t²/n · var(a - ρ b): a quadratic A ρ² - 2 B ρ + C <= 0
    qa = mb**2 - t2n * cov[1, 1]
    qb = ma * mb - t2n * cov[0, 1]
    qc = ma**2 - t2n * cov[0, 0]
    if not qa > 0:
        return ratio, math.nan, math.nan
    root = math.sqrt(max(qb * qb - qa * qc, 0.0))
    low, high = (qb - root) / qa, (qb + root) / qa
    return ratio, max(low, 0.0) if non_negative else low, high


def bracket_text(low: float, high: float, *, decimals: int, sign: bool = False) -> str:
    """Plain text "[low, high]", or "[—]" without an interval (fewer than 2 seeds)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "[—]"
    fmt = f"{{:{'+' if sign else ''}.{decimals}f}}"
    return f"[{fmt.format(low)}, {fmt.format(high)}]"


def noise_mark(lang: str) -> str:
    """The mark after a change whose interval includes zero: "（在随机误差内）" / " (within noise)"."""
    return f"（{WITHIN_NOISE.zh}）" if lang == "zh" else f" ({WITHIN_NOISE.en})"


def change_text(change: float, low: float, high: float, *, decimals: int, lang: str) -> str:
    """"-0.012 [-0.020, -0.004]", with :func:`noise_mark` when the interval includes 0."""
    text = f"{change:+.{decimals}f} {bracket_text(low, high, decimals=decimals, sign=True)}"
    return text + (noise_mark(lang) if includes_zero(low, high) else "")


def percent_decimals(pct: float) -> int:
    """Decimals of a change in percent: one below 10% ("-4.8%", "-0.3%", not "-5%", "-0%"), else none."""
    return 1 if abs(pct) < 10 else 0


def percent_text(pct: float, low: float, high: float) -> str:
    """" (-40% [-49, -30])": a change in percent of the baseline with the ratio's interval if it has one;
    "" without a percentage."""
    if not math.isfinite(pct):
        return ""
    decimals = percent_decimals(pct)
    ratio = f" {bracket_text(low, high, decimals=decimals, sign=True)}" if math.isfinite(low) else ""
    return f" ({pct:+.{decimals}f}%{ratio})"


def includes_zero(low: float, high: float) -> bool:
    """Whether an interval of a change includes no change (or is not known: fewer than 2 seeds)."""
    return not (math.isfinite(low) and math.isfinite(high)) or low <= 0.0 <= high
