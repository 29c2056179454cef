"""The schools a city's guard allocation runs over: from a batch's sweep as run, or from one map.

Each school gets one :class:`~simulator.recommend.base.Evaluator`: its base
scenario on its own site, the same seeds for every school. From a batch
(``batch.json``'s ``sweep``), the base is the sweep's baseline scenario as run
(with the sweep's ``children``) on each network's site, and the seeds are the
sweep's, so the allocation starts from the batch's own baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.errors import SaferouteError, ScenarioError
from simulator.experiment import scenario_with_site
from simulator.recommend.base import Evaluator
from simulator.scenario import Scenario, scenario_from_mapping


def evaluators_from_sweep(
    sweep: Mapping[str, Any], *, workers: int = 1, origin: str = "batch.json"
) -> tuple[dict[str, Evaluator], dict[str, str]]:
    """One evaluator per network of a sweep as run (``batch.json``'s ``sweep``), by network name.

    Returns
    -------
    tuple of dict of str to Evaluator and dict of str to str
        The evaluators, and the networks left out with why (their site cannot be
        built: the same error their runs in the batch failed with).

    Raises
    ------
    ScenarioError
        The baseline is not among the sweep's scenarios, or it places guards by the
        ``guards`` grid axis (those posts are chosen at run time and cannot be rebuilt here).
    """
    baseline = str(sweep["baseline"])
    entries = [v for v in sweep["scenarios"] if v.get("name") == baseline]
    if not entries:
        msg = f"{origin}: baseline {baseline!r} is not among the sweep's scenarios (damaged batch.json?)"
        raise ScenarioError(msg)
    grid = entries[0].get("grid") or {}
    if grid.get("guards"):
        msg = (
            f"{origin}: the baseline {baseline!r} has guards={grid['guards']} from the grid (allowed: a "
            "baseline without grid guard posts: the allocation starts from the streets without guards)"
        )
        raise ScenarioError(msg)
    seeds = tuple(int(s) for s in sweep["seeds"])
    out: dict[str, Evaluator] = {}
    skipped: dict[str, str] = {}
    for network in sweep["networks"]:
        name = str(network["name"])
        data = {**entries[0]["scenario"], "site": {k: v for k, v in network.items() if k != "name"}}
        try:
            scenario = scenario_from_mapping(data, origin=f"{origin}: {name}")
            out[name] = Evaluator(scenario, seeds=seeds, workers=workers, origin=name)
        except SaferouteError as bad:  # e.g. a school no home can reach: its batch runs failed too
            skipped[name] = str(bad)
    return out, skipped


def evaluators_on_map(
    map_file: str | Path,
    schools: Sequence[str],
    *,
    base: Scenario,
    seeds: Sequence[int],
    workers: int = 1,
    catchment_m: float | None = None,
) -> tuple[dict[str, Evaluator], dict[str, str]]:
    """One evaluator per school of one map (names, ids, or ``["all"]``), by school name.

    Returns
    -------
    tuple of dict of str to Evaluator and dict of str to str
        The evaluators, and the schools left out with why (their site cannot be built).

    Raises
    ------
    NetworkError
        A school is not on the map (every unknown one listed), or the map has none.
    """
    from simulator.errors import NetworkError
    from simulator.network.schools import find_school, schools_from_file

    path = Path(map_file).absolute()
    listed = schools_from_file(path)
    found, chosen = [], []
    if list(schools) == ["all"]:
        if not listed:
            msg = f"{path.name} has no schools (amenity=school or kindergarten)"
            raise NetworkError(msg)
        chosen = listed
    for query in schools if list(schools) != ["all"] else []:
        try:
            chosen.append(find_school(listed, query, where=path.name))
        except NetworkError as bad:
            found.append(str(bad))
    if found:
        msg = "--schools: " + "; ".join(found)
        raise NetworkError(msg)
    unique = list({s.id: s for s in chosen}.values())
    names = [s.name for s in unique]
    out: dict[str, Evaluator] = {}
    skipped: dict[str, str] = {}
    for s in unique:
        label = s.name if names.count(s.name) == 1 else f"{s.name} ({s.id})"
        site: dict[str, Any] = {"map": str(path), "school": s.id}
        if catchment_m is not None:
            site["catchment_m"] = catchment_m
        try:
            scenario = scenario_with_site(base, site, origin="--map/--schools")
            out[label] = Evaluator(scenario, seeds=tuple(seeds), workers=workers, origin=label)
        except SaferouteError as bad:  # e.g. a school no home can reach
            skipped[label] = str(bad)
    return out, skipped
