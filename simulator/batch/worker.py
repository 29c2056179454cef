"""The task every executor runs: one run of a sweep, returned as Parquet bytes.

:func:`execute_run` is the same function in the calling process (one
worker), in local worker processes and on Dask workers. It never raises: a
failure (a scenario naming a crossing the network lacks, a school without
homes, an engine error) comes back as a failed :class:`RunOutcome` carrying
the one-line error and the traceback.

Per-worker-process cache (the only module-level state): built sites, guard
rankings and prepared settings, each kept in a small LRU, so a worker builds
each network and each (network, scenario) setting once, not once per run.
Sweeps are submitted network by network, so the bounded caches hit; memory
stays bounded whatever the number of networks.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulator.batch.grid import guard_posts

TABLES = ("trips", "events", "crossings")
RANKING_SEEDS = (1, 2, 3)
SITES_KEPT = 4
SETTINGS_KEPT = 16
RANKINGS_KEPT = 256


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (small: travels to the worker for every run)."""

    run_id: str
    network_key: str  # canonical JSON of the network (cache key)
    site: dict[str, Any]  # scenario ``site`` mapping
    scenario: dict[str, Any]  # validated scenario as a JSON mapping, without site
    guards: int
    seed: int
    label: str = ""  # "network / scenario / seed" for messages


@dataclass(frozen=True)
class RunOutcome:
    """A finished (or failed) run: Parquet bytes per table, the summary and what the run was on."""

    run_id: str
    ok: bool
    error: str = ""
    traceback: str = ""
    summary: dict[str, float] = field(default_factory=dict)
    tables: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


class _Lru:
    """A small least-recently-used mapping."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


class _WorkerCache:
    """Sites, guard rankings and settings of this process (see the module docstring)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # Dask workers may run tasks in threads
        self.sites = _Lru(SITES_KEPT)
        self.rankings = _Lru(RANKINGS_KEPT)
        self.settings = _Lru(SETTINGS_KEPT)


_CACHE = _WorkerCache()


def execute_run(task: RunTask) -> RunOutcome:
    """Run one job: build (or reuse) its setting, run the seed, serialise the tables."""
    started = time.perf_counter()
    try:
        with _CACHE.lock:
            prepared = _CACHE.settings.get(
                (task.network_key, _scenario_key(task.scenario), task.guards), lambda: _prepare(task)
            )
        if isinstance(prepared, _Failure):
            return RunOutcome(task.run_id, False, prepared.error, prepared.traceback,
                              seconds=time.perf_counter() - started)
        setting, meta = prepared
        from simulator.runs import run_once

        result = run_once(setting, task.seed)
        tables = {name: _parquet(getattr(result, name)) for name in TABLES}
        tables["network"] = meta["network"]
        info = {k: v for k, v in meta.items() if k != "network"}
        info["worker"] = f"{socket.gethostname()}:{os.getpid()}"
        return RunOutcome(task.run_id, True, summary=dict(result.summary), tables=tables, meta=info,
                          seconds=time.perf_counter() - started)
    except Exception as bad:  # recorded, never raised: one failed run must not stop the batch
        return RunOutcome(task.run_id, False, _one_line(bad), traceback.format_exc(),
                          seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class _Failure:
    """A setting that could not be built (cached, so every seed reports it without rebuilding)."""

    error: str
    traceback: str


class _SiteFailedError(Exception):
    """The network could not be built (the cached failure is reported for every scenario)."""

    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.error)
        self.failure = failure


def _prepare(task: RunTask) -> Any:
    """The setting and its metadata, or a :class:`_Failure`."""
    try:
        return _setting(task)
    except _SiteFailedError as bad:
        return bad.failure
    except Exception as bad:
        return _Failure(_one_line(bad), traceback.format_exc())


def _site(data: dict[str, Any], origin: str) -> Any:
    """The built site and walk network, or a :class:`_Failure`."""
    from simulator.experiment import built_site
    from simulator.scenario import scenario_from_mapping

    try:
        return built_site(scenario_from_mapping(data, origin=origin), origin=origin, cache={})
    except Exception as bad:
        return _Failure(_one_line(bad), traceback.format_exc())


def _setting(task: RunTask) -> tuple[Any, dict[str, Any]]:
    from simulator.experiment import DEFAULT_CHILDREN, setting_from_scenario
    from simulator.scenario import scenario_from_mapping

    origin = task.label.split(" / seed")[0] or task.run_id
    data = {**task.scenario, "site": task.site}
    built = _CACHE.sites.get(task.network_key, lambda: _site(data, origin))
    if isinstance(built, _Failure):
        raise _SiteFailedError(built)
    site, network = built
    children = int(task.scenario.get("children") or DEFAULT_CHILDREN)
    targets: list[str] = []
    if task.guards:
        ranking = _CACHE.rankings.get((task.network_key, children),
                                      lambda: _ranking(task.site, children, site, network))
        targets = ranking[: task.guards]
        if targets:
            data["interventions"] = [*data.get("interventions", []), guard_posts(targets)]
    scenario = scenario_from_mapping(data, origin=origin)
    setting = setting_from_scenario(scenario, site=site, network=network, origin=origin)
    graph = network.street.graph
    meta = {
        "school": site.school.name,
        "school_id": site.school.id,
        "gate": [site.school.x, site.school.y],
        "crs": str(graph.get("crs", "")),
        "site": str(graph.get("name", "")),
        "notes": list(site.notes),
        "guard_targets": targets,
        "children": setting.n_children,
        "network": _parquet(_network_table(setting)),
    }
    return setting, meta


def _ranking(site_mapping: dict[str, Any], children: int, site: Any, network: Any) -> list[str]:
    """Every at-grade crossing of a network's plain baseline, riskiest first."""
    from simulator.demo import riskiest_crossings
    from simulator.experiment import setting_from_scenario
    from simulator.runs import run_once
    from simulator.scenario import scenario_from_mapping

    base = scenario_from_mapping({"name": "ranking baseline", "site": site_mapping, "children": children})
    setting = setting_from_scenario(base, site=site, network=network)
    crossings = pd.concat([run_once(setting, seed).crossings for seed in RANKING_SEEDS])
    return riskiest_crossings(crossings, k=len(network.crossings)) if len(crossings) else []


def _network_table(setting: Any) -> pd.DataFrame:
    """Every crossing of the setting as run (facility after the interventions), for maps."""
    guarded = {g.crossing for g in setting.guards}
    rows = [
        {"crossing": c.id, "facility": c.facility, "road": c.name, "highway": c.highway,
         "lanes": sum(c.lanes), "length_m": c.length, "speed_limit_kmh": c.speed_limit,
         "volume_vph": sum(c.volume), "arterial": c.arterial, "inferred": c.inferred,
         "informal": c.informal, "guard_post": c.id in guarded, "x": c.x, "y": c.y}
        for c in sorted(setting.network.crossings.values(), key=lambda c: c.id)
    ]
    return pd.DataFrame(rows)


def _parquet(frame: pd.DataFrame) -> bytes:
    if frame.shape[1] == 0:
        return b""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _scenario_key(scenario: dict[str, Any]) -> str:
    import json

    return json.dumps(scenario, sort_keys=True, ensure_ascii=False, default=str)


def _one_line(error: BaseException) -> str:
    from simulator.errors import SaferouteError

    text = " ".join(str(error).split())
    return text if isinstance(error, SaferouteError) else f"{type(error).__name__}: {text}"
