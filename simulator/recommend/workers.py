"""Worker processes that stay with an evaluator and keep the streams and decisions of its seeds.

A recommender runs variant after variant of one base scenario over the same
seeds, each variant a measure or a guard post more. Under common random
numbers a variant meets, seed by seed, the vehicles the variants before it
met, and makes their kerb decisions wherever its measure changes nothing.
:func:`simulator.runs.run_many` keeps only the latest seed's and starts new
worker processes at every call; these workers are started once per
evaluator (forked, so they inherit the built site and walk network, which
do not pickle) and each keeps every seed it has run (``keep_seeds``,
:mod:`simulator.kept`), so a variant's runs re-decide only what its measure
touches. A task is one seed and the variants to run with it; the variants
travel as scenarios (small), and a worker prepares each once.

Results are those of :func:`simulator.runs.run_once`, whatever the worker
count or which worker ran which seed. A worker ends when its evaluator
closes it, or by itself within a second of the evaluator's process ending.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from simulator.network.site import Site
from simulator.network.walk import WalkNetwork
from simulator.runs import RunResult, run_once
from simulator.scenario import Scenario
from simulator.setting import Setting

SETTINGS_KEPT = 64
"""A worker prepares at most this many variants' settings before it drops the oldest."""


class SeedWorkers:
    """Forked worker processes running an evaluator's variants seed by seed, keeping their seeds.

    Parameters
    ----------
    site, network, origin
        The evaluator's built site, walk network and origin (for messages).
    workers
        Worker processes.
    seeds
        How many seeds each worker keeps (the evaluator's seeds).
    """

    def __init__(self, *, site: Site, network: WalkNetwork, origin: str, workers: int, seeds: int) -> None:
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_start, initargs=(site, network, origin, seeds))

    def run(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> list[list[RunResult]]:
        """Every scenario with every seed: per scenario, its results in seed order."""
        futures = [self._pool.submit(_run_seed, tuple(scenarios), int(seed)) for seed in seeds]
        per_seed = [future.result() for future in futures]
        return [[runs[i] for runs in per_seed] for i in range(len(scenarios))]

    def close(self) -> None:
        """End the worker processes (what they run now is not waited for)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_WORKER: dict[str, Any] = {}
"""In a worker process: the evaluator's site, network, origin, seeds kept and the settings prepared."""


def _start(site: Site, network: WalkNetwork, origin: str, seeds: int) -> None:
    _WORKER.update(site=site, network=network, origin=origin, seeds=seeds, settings={})
    gc.freeze()  # the inherited site and network live as long as the worker: out of the collector's scans
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), daemon=True, name="saferoute-parent").start()


def _end_with(parent: int) -> None:
    """End this worker once its parent has ended (a process that leaves without closing its pool)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _run_seed(scenarios: tuple[Scenario, ...], seed: int) -> list[RunResult]:
    return [run_once(_setting(s), seed, keep_seeds=_WORKER["seeds"]) for s in scenarios]


def _setting(scenario: Scenario) -> Setting:
    """The prepared setting of a variant (prepared once per worker)."""
    from simulator.experiment import setting_from_scenario

    settings: dict[str, Setting] = _WORKER["settings"]
    key = scenario.model_dump_json()
    found = settings.get(key)
    if found is None:
        if len(settings) >= SETTINGS_KEPT:
            del settings[next(iter(settings))]
        found = settings[key] = setting_from_scenario(
            scenario, site=_WORKER["site"], network=_WORKER["network"], origin=_WORKER["origin"])
    return found
