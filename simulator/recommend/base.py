"""Shared machinery of the recommenders: a base scenario, variants of it, paired evaluation.

Every candidate is a variant of one base scenario (extra interventions) run
with the same seeds, so each comparison with the base is paired under common
random numbers, as in ``saferoute compare``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.errors import ScenarioError
from simulator.experiment import built_site, setting_from_scenario
from simulator.intervals import mean_ci
from simulator.network.site import Site
from simulator.network.walk import WalkNetwork
from simulator.recommend.workers import SeedWorkers
from simulator.runs import RunResult, run_many
from simulator.scenario import Scenario, scenario_from_mapping
from simulator.setting import Setting

RISK = "severe_per_100k_trips"


class RunsCancelledError(Exception):
    """Raised by :meth:`Evaluator.run` when its ``cancelled`` callback says stop (not a user error)."""


@dataclass
class Evaluator:
    """Runs variants of a base scenario with fixed seeds and keeps every result.

    ``progress`` (called with the runs done so far, after each batch of at most
    ``workers`` runs) and ``cancelled`` (polled before each batch; True raises
    :class:`RunsCancelledError`) are for a caller that shows progress and can
    stop, e.g. the web page. With either given the runs go in such batches;
    the results are the same (each run depends on its setting and seed only).

    A variant meets, seed by seed, the vehicles and most of the kerb
    decisions of the variants run before it (common random numbers), so the
    processes that run them keep its seeds' streams and decisions
    (:mod:`simulator.kept`): the worker processes of ``pool``
    (:class:`~simulator.recommend.workers.SeedWorkers`, which several
    evaluators may share: a city's schools), or with ``keep_workers`` and
    more than one worker its own, kept until :meth:`close` (or the end of
    the evaluator or of its process); else this process. An evaluator is a
    context manager that closes its own workers.
    """

    base: Scenario
    seeds: tuple[int, ...]
    workers: int = 1
    origin: str = "<recommend>"
    progress: Callable[[int], None] | None = None
    cancelled: Callable[[], bool] | None = None
    keep_workers: bool = False
    pool: SeedWorkers | None = None
    runs_done: int = field(default=0, init=False)
    site: Site = field(init=False)
    network: WalkNetwork = field(init=False)
    results: dict[str, list[RunResult]] = field(default_factory=dict, init=False)
    _workers: SeedWorkers | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.site, self.network = built_site(self.base, origin=self.origin)

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End its own worker processes (``keep_workers``, not a shared ``pool``); later runs start anew."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def variant(self, name: str, extra: Sequence[Mapping[str, Any]]) -> Scenario:
        """The base scenario with ``extra`` interventions appended, validated like a file."""
        data = self.base.model_dump(mode="json", exclude_none=True)
        data["name"] = name
        data["interventions"] = [*data.get("interventions", []), *map(dict, extra)]
        if self.base.site.map is not None:
            data["site"]["map"] = str(self.base.site.map)
        return scenario_from_mapping(data, origin=self.origin)

    def setting(self, scenario: Scenario) -> Setting:
        """The prepared setting of a variant (the site is built once)."""
        return setting_from_scenario(scenario, site=self.site, network=self.network, origin=self.origin)

    def run(self, scenarios: Sequence[Scenario]) -> list[list[RunResult]]:
        """Run variants not run yet; the results of each, in seed order."""
        todo = [s for s in scenarios if s.name not in self.results]
        if self.progress is not None or self.cancelled is not None:
            for s in todo:
                self.results[s.name] = self._run_in_batches(s)
        elif todo:
            for s, runs in zip(todo, self._runs(todo, self.seeds), strict=True):
                self.results[s.name] = runs
                self.runs_done += len(runs)
        return [self.results[s.name] for s in scenarios]

    def _run_in_batches(self, scenario: Scenario) -> list[RunResult]:
        """One variant over the seeds, ``workers`` runs at a time, reporting and polling between."""
        out: list[RunResult] = []
        step = max(1, self.workers)
        for i in range(0, len(self.seeds), step):
            if self.cancelled is not None and self.cancelled():
                msg = "cancelled"
                raise RunsCancelledError(msg)
            out += self._runs([scenario], self.seeds[i:i + step])[0]
            self.runs_done += len(self.seeds[i:i + step])
            if self.progress is not None:
                self.progress(self.runs_done)
        return out

    def _runs(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[list[RunResult]]:
        """Each variant over ``seeds`` (seed by seed), by the kept workers or in one pool."""
        workers = self.kept_workers()
        if workers is not None:
            return workers.run([(self.base, tuple(scenarios), self.origin)], seeds)[0]
        done = run_many([self.setting(s) for s in scenarios], seeds, workers=self.workers,
                        keep_seeds=len(self.seeds))
        return [done[k * len(seeds):(k + 1) * len(seeds)] for k in range(len(scenarios))]

    def kept_workers(self) -> SeedWorkers | None:
        """The worker processes that keep this evaluator's seeds (started now if its own), or None."""
        if self.pool is not None:
            return self.pool
        if not self.keep_workers or self.workers <= 1:
            return None
        if self._workers is None:
            self._workers = SeedWorkers(workers=self.workers, seeds=len(self.seeds))
            weakref.finalize(self, self._workers.close)
        return self._workers

    def risk(self, name: str) -> np.ndarray:
        """Severe injuries per 100,000 trips of a variant, per seed."""
        return np.array([r.summary[RISK] for r in self.results[name]])

    def change(self, name: str, reference: str, metric: str = RISK) -> tuple[float, float, float]:
        """Paired mean change of ``metric`` from ``reference`` to ``name`` and its 95% CI."""
        a = {r.seed: r.summary[metric] for r in self.results[reference]}
        diffs = [r.summary[metric] - a[r.seed] for r in self.results[name]]
        return mean_ci(diffs)


def base_scenario(path: str | None, *, site: Mapping[str, Any] | None) -> Scenario:
    """The scenario recommendations start from: a file, or the default site (or ``site``) as it is."""
    from simulator.experiment import scenario_with_site
    from simulator.scenario import load_scenario

    if path is not None:
        scenario = load_scenario(path)
    else:
        scenario = scenario_from_mapping({"name": "现状 Baseline", "enforcement": "normal"}, origin="default")
    if site is not None:
        scenario = scenario_with_site(scenario, site, origin="--map/--school")
    return scenario


def check_positive(value: int, option: str, *, most: int | None = None, what: str = "") -> None:
    """One-line error unless 1 <= value (<= most)."""
    if value < 1 or (most is not None and value > most):
        allowed = f"a whole number 1–{most}" if most is not None else "a whole number >= 1"
        msg = f"{option}: {value} is not allowed (allowed: {allowed}{what})"
        raise ScenarioError(msg)
