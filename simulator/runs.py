"""Runs and replications: one scenario x one seed, and summaries over seeds.

Comparisons use common random numbers: the same seed gives the same children,
homes, departure times and vehicle streams in every scenario, so the
difference from the baseline is taken seed by seed (paired) and its 95%
confidence interval comes from the paired differences.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.intervals import includes_zero, mean_ci, ratio_ci
from simulator.metric import METRICS
from simulator.metrics import SUMMARY_FIELDS, crossing_table, event_table, run_summary, trip_table
from simulator.model import SchoolRouteModel
from simulator.setting import Setting


@dataclass(frozen=True)
class RunResult:
    """The tables and summary of one run."""

    scenario: str
    seed: int
    summary: dict[str, float]
    trips: pd.DataFrame
    events: pd.DataFrame
    crossings: pd.DataFrame


def run_once(setting: Setting, seed: int, *, keep_seeds: int = 1) -> RunResult:
    """Run one seeded morning of one setting.

    ``keep_seeds``: how many seeds' streams and kerb decisions the process
    keeps for later runs (:class:`~simulator.model.SchoolRouteModel`); the
    result is the same whatever it is.
    """
    model = SchoolRouteModel(setting, rng=seed, keep_seeds=keep_seeds)
    model.run()
    events = event_table(model)
    trips = trip_table(model, events)
    crossings = crossing_table(model, events)
    summary = run_summary(trips, events, params=setting.params)
    return RunResult(setting.name, seed, summary, trips, events, crossings)


def run_many(settings: Sequence[Setting], seeds: Iterable[int], *, workers: int = 1,
             keep_seeds: int = 1) -> list[RunResult]:
    """Every setting x every seed; results in (setting, seed) order whatever the worker count.

    With ``workers > 1`` the settings are sent once to each worker process and
    only (setting number, seed) pairs travel per run. ``keep_seeds``: how many
    seeds' streams and decisions this process keeps after a run in it
    (:func:`run_once`; worker processes end with the call).
    """
    seeds = [int(k) for k in seeds]
    # run seed by seed: the scenarios of one seed share the streams of the crossings they do not change
    # (simulator.traffic.recent_stream) and the kerb decisions there; results come in (setting, seed) order
    jobs = [(i, k) for k in seeds for i in range(len(settings))]
    if workers <= 1 or len(jobs) <= 1:
        done = [run_once(settings[i], k, keep_seeds=keep_seeds) for i, k in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(tuple(settings),)) as pool:
            # a worker given every scenario of a seed makes their shared decisions once
            # (SchoolRouteModel.decision): whole seeds when they split evenly between the workers
            # (else one worker would run the last seed alone)
            whole_seeds = len(seeds) % workers == 0
            done = list(pool.map(_run_job, jobs, chunksize=len(settings) if whole_seeds else 1))
    by_job = dict(zip(jobs, done, strict=True))
    return [by_job[(i, k)] for i in range(len(settings)) for k in seeds]


_WORKER_SETTINGS: list[tuple[Setting, ...]] = []


def _init_worker(settings: tuple[Setting, ...]) -> None:
    _WORKER_SETTINGS[:] = [settings]
    # the settings (graphs, routes, tables) live as long as the worker: out of the collector's scans,
    # which otherwise revisit them at every full collection (about 8% of a run's time)
    gc.freeze()


def _run_job(job: tuple[int, int]) -> RunResult:
    i, seed = job
    return run_once(_WORKER_SETTINGS[0][i], seed)


def summary_table(results: Sequence[RunResult]) -> pd.DataFrame:
    """Per scenario and figure: mean and 95% CI over seeds, within the figure's bounds."""
    rows = []
    scenarios = list(dict.fromkeys(r.scenario for r in results))
    for name in scenarios:
        runs = [r for r in results if r.scenario == name]
        for key in SUMMARY_FIELDS:
            m, lo, hi = mean_ci([r.summary[key] for r in runs], bounds=METRICS[key].bounds)
            rows.append({"scenario": name, "metric": key, "mean": m, "ci_low": lo, "ci_high": hi,
                         "seeds": len(runs)})
    return pd.DataFrame(rows)


def paired_differences(results: Sequence[RunResult], *, baseline: str) -> pd.DataFrame:
    """Per alternative and figure: mean paired difference from ``baseline`` with its 95% CI.

    ``pct`` is the change in percent of the baseline's mean, 100·(R - 1) for
    the ratio R of the means, and ``pct_low``/``pct_high`` its interval from
    R's (Fieller's, :func:`simulator.intervals.ratio_ci`; NaN where there is
    none: a baseline mean of zero, or one not distinguishable from zero).
    ``significant`` is False when the difference's interval contains zero
    (the change is within the noise of the replications); the percentage's
    interval then contains 0% as well.
    """
    base = {r.seed: r.summary for r in results if r.scenario == baseline}
    rows = []
    for name in dict.fromkeys(r.scenario for r in results):
        if name == baseline:
            continue
        runs = [r for r in results if r.scenario == name and r.seed in base]
        for key in SUMMARY_FIELDS:
            alt, ref_runs = [r.summary[key] for r in runs], [base[r.seed][key] for r in runs]
            m, lo, hi = mean_ci([a - b for a, b in zip(alt, ref_runs, strict=True)])
            ref = float(np.mean(ref_runs))
            _, r_lo, r_hi = ratio_ci(alt, ref_runs, non_negative=METRICS[key].bounds[0] >= 0)
            rows.append({
                "scenario": name, "metric": key, "baseline": ref, "diff": m, "ci_low": lo, "ci_high": hi,
                "pct": 100.0 * m / ref if ref else math.nan, "pct_low": 100.0 * (r_lo - 1.0),
                "pct_high": 100.0 * (r_hi - 1.0), "seeds": len(runs),
                "significant": not includes_zero(lo, hi),
            })
    return pd.DataFrame(rows)
