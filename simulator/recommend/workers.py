"""Worker processes that stay with the recommenders and keep the streams and decisions of their seeds.

A recommender runs variant after variant of a base scenario over the same
seeds, each variant a measure or a guard post more (for one school, or for
each school of a city). Under common random numbers a variant meets, seed by
seed, the vehicles the variants before it met, and makes their kerb
decisions wherever its measure changes nothing. :func:`simulator.runs.run_many`
keeps only the latest seed's and starts new worker processes at every call;
these workers stay until closed and each keeps every seed it has run
(``keep_seeds``, :mod:`simulator.kept`), so a variant's runs re-decide only
what its measure touches.

A task is one seed with the variants to run with it, grouped by base
scenario; scenarios are small to send, and a worker builds each base's site
once (from the site cache, :func:`simulator.experiment.built_site`) and
prepares each variant once. Results are those of
:func:`simulator.runs.run_once`, whatever the worker count or which worker
ran which seed. A worker ends when its pool is closed, or by itself within a
second of the process that started it ending.
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

from simulator.runs import RunResult, run_once
from simulator.scenario import Scenario
from simulator.setting import Setting

SETTINGS_KEPT = 64
"""A worker prepares at most this many variants' settings before it drops the oldest."""

Job = tuple[Scenario, tuple[Scenario, ...], str]
"""A base scenario (its site), variants of it to run, and the origin its messages name."""


class SeedWorkers:
    """Worker processes that run variants seed by seed and keep every seed they have run.

    Parameters
    ----------
    workers
        Worker processes (forked from this one).
    seeds
        How many seeds each worker keeps (the recommenders' seeds).
    """

    def __init__(self, *, workers: int, seeds: int) -> None:
        self._pool = ProcessPoolExecutor(max(1, workers), mp_context=multiprocessing.get_context("fork"),
                                         initializer=_start, initargs=(seeds,))

    def __enter__(self) -> SeedWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, jobs: Sequence[Job], seeds: Sequence[int]) -> list[list[list[RunResult]]]:
        """Every job's variants with every seed: per job, per variant, its results in seed order."""
        futures = [self._pool.submit(_run_seed, tuple(jobs), int(seed)) for seed in seeds]
        per_seed = [future.result() for future in futures]
        return [[[runs[j][v] for runs in per_seed] for v in range(len(job[1]))] for j, job in enumerate(jobs)]

    def close(self) -> None:
        """End the worker processes (what they run now is not waited for)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_WORKER: dict[str, Any] = {}
"""In a worker process: the seeds it keeps, and the sites and settings it has prepared."""


def _start(seeds: int) -> None:
    _WORKER.update(seeds=seeds, sites={}, settings={})
    gc.freeze()  # what the worker inherited lives as long as it: out of the collector's scans
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), daemon=True, name="saferoute-parent").start()


def _end_with(parent: int) -> None:
    """End this worker once its parent has ended (a process that left without closing its pool)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _run_seed(jobs: tuple[Job, ...], seed: int) -> list[list[RunResult]]:
    keep = _WORKER["seeds"]
    return [[run_once(_setting(base, v, origin), seed, keep_seeds=keep) for v in variants]
            for base, variants, origin in jobs]


def _setting(base: Scenario, variant: Scenario, origin: str) -> Setting:
    """A variant's prepared setting on its base's site (each built once per worker)."""
    from simulator.experiment import built_site, setting_from_scenario

    settings: dict[tuple[str, str], Setting] = _WORKER["settings"]
    key = (base.model_dump_json(), variant.model_dump_json())
    found = settings.get(key)
    if found is None:
        site, network = built_site(base, origin=origin, cache=_WORKER["sites"])
        if len(settings) >= SETTINGS_KEPT:
            del settings[next(iter(settings))]
        found = settings[key] = setting_from_scenario(variant, site=site, network=network, origin=origin)
    return found
