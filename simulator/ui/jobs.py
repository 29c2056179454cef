"""Background work for the page: one run shown as it goes, and comparisons over seeds (no Solara).

:func:`stepped_run` runs one morning in slices of model time so the map can
start animating the first children while the rest of the morning is still
being simulated; the result equals :func:`simulator.runs.run_once`.
:func:`compare` runs scenarios x seeds in worker processes (``forkserver``:
safe from a threaded web server) with a progress callback and cancellation;
results are those of :func:`simulator.runs.run_many` (common random numbers,
paired by seed).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

import pandas as pd

from simulator.experiment import settings_from_scenarios
from simulator.metrics import crossing_table, event_table, run_summary, trip_table
from simulator.model import TRAILING, SchoolRouteModel
from simulator.runs import RunResult, paired_differences, run_once, summary_table
from simulator.scenario import Scenario
from simulator.setting import Setting

FIRST_SLICE_S = 600.0  # model seconds after the first departure before the map starts
SLICE_S = 1200.0
MAX_WORKERS = 2
PRELOAD = (__name__, "simulator.ui.advice")  # imported by the worker-process server before it forks


def result_of(model: SchoolRouteModel) -> RunResult:
    """The tables and summary of a finished model (as :func:`simulator.runs.run_once` makes them)."""
    events = event_table(model)
    trips = trip_table(model, events)
    crossings = crossing_table(model, events)
    summary = run_summary(trips, events, params=model.setting.params)
    return RunResult(model.setting.name, model.seed, summary, trips, events, crossings)


def stepped_run(
    setting: Setting, seed: int, *, first: float = FIRST_SLICE_S, step: float = SLICE_S
) -> Iterator[tuple[SchoolRouteModel, RunResult | None]]:
    """Run one morning in slices, yielding the model after each slice and the result at the end.

    Yields
    ------
    (model, None)
        After each slice; the model's state is complete up to ``model.time``.
    (model, result)
        Once, at the end.
    """
    model = SchoolRouteModel(setting, rng=seed)
    horizon = setting.period_end + TRAILING
    everyone = len(model.children)
    target = min((p.depart for p in model.parties), default=0.0) + first
    while model.arrivals < everyone and model.time < horizon:
        model.run_until(min(max(target, model.time), horizon))
        if model.arrivals < everyone and model.time < horizon:
            yield model, None
        target = model.time + step
    model.running = False
    yield model, result_of(model)


@dataclass(frozen=True)
class Comparison:
    """Scenarios x seeds: the runs, the prepared settings, summaries and paired differences."""

    results: list[RunResult]
    settings: list[Setting]
    scenarios: dict[str, str]  # name -> YAML as run (the manifest's record)
    seeds: list[int]

    @property
    def baseline(self) -> str:
        """Name of the baseline scenario."""
        return self.settings[0].name

    def summary(self) -> pd.DataFrame:
        """Mean and 95% CI per scenario and figure."""
        return summary_table(self.results)

    def differences(self) -> pd.DataFrame:
        """Paired differences from the baseline with 95% CI."""
        return paired_differences(self.results, baseline=self.baseline)


def workers_for(jobs: int) -> int:
    """Worker processes for ``jobs`` runs: up to :data:`MAX_WORKERS`, no more than the cores."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, jobs))


def compare(
    scenarios: Sequence[tuple[str, Scenario]],
    seeds: Sequence[int],
    *,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
    workers: int | None = None,
) -> Comparison | None:
    """Run every scenario with every seed; the first scenario is the baseline.

    Parameters
    ----------
    scenarios
        (origin, scenario) pairs; names must differ.
    seeds
        The replications (the same seeds for every scenario: common random numbers).
    progress
        Called with (runs done, runs in all) after each run.
    cancelled
        Polled between runs; when it returns True the work stops and None is returned.
    workers
        Worker processes (default: :func:`workers_for`); 1 runs in the calling thread.

    Raises
    ------
    SaferouteError
        If a scenario cannot be prepared (the one-line message of the CLI).
    """
    settings, yaml_texts = settings_from_scenarios(scenarios)
    # run seed by seed (the scenarios of a seed share streams and kerb decisions: simulator.runs.run_many);
    # the results come in (scenario, seed) order
    jobs = [(i, int(seed)) for seed in seeds for i in range(len(settings))]
    workers = workers_for(len(jobs)) if workers is None else workers
    progress(0, len(jobs))
    done: dict[tuple[int, int], RunResult] = {}
    if workers <= 1:
        for job in jobs:
            if cancelled():
                return None
            done[job] = run_once(settings[job[0]], job[1])
            progress(len(done), len(jobs))
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
        models = [s for _, s in scenarios]
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(models,)) as pool:
            pending: dict[Future[RunResult], tuple[int, int]] = {
                pool.submit(_run_job, job): job for job in jobs
            }
            while pending:
                finished, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[pending.pop(future)] = future.result()
                    progress(len(done), len(jobs))
                if cancelled():
                    pool.shutdown(wait=False, cancel_futures=True)
                    return None
    return Comparison([done[(i, int(seed))] for i in range(len(settings)) for seed in seeds], settings,
                      yaml_texts, [int(s) for s in seeds])


# --- worker processes ---------------------------------------------------------------------
# Each worker process prepares the settings once (settings hold mapping proxies and are
# not picklable); only (setting number, seed) travels per run. This holder is filled only
# inside worker processes.
_WORKER: dict[str, list[Setting]] = {}


def _init_worker(scenarios: list[Scenario]) -> None:
    settings, _ = settings_from_scenarios([("<compare>", s) for s in scenarios])
    _WORKER["settings"] = settings


def _run_job(job: tuple[int, int]) -> RunResult:
    i, seed = job
    return run_once(_WORKER["settings"][i], seed)


def warm_up() -> None:
    """Start the worker-process server with the engine imported (so the first comparison starts quickly)."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()


__all__ = ["Comparison", "compare", "result_of", "stepped_run", "warm_up", "workers_for"]
