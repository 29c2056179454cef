"""A validated sweep expanded into runs: networks x scenarios x seeds, each with a stable id.

Everything a sweep names is checked here, before any run starts: its size
(:mod:`simulator.batch.size`, before grids are expanded), maps are
read and every school is looked up, scenario files are loaded, grid
combinations are validated as scenarios, names must differ. Crossing and edge
ids a scenario names can only be checked on the built network: a scenario
naming a crossing that one network lacks gives failed runs (recorded with the
error), not a bad-input error.

A run id is the first 16 hex digits of the SHA-256 of the canonical JSON of
what determines the run's result: the network (synthetic spec, or the map
file's content hash, school id and catchment), the scenario's content without
its name, description and site, the number of guard posts of the ``guards``
grid axis, and the seed. Renaming a network or a scenario, moving a map file or
the sweep does not change ids; changing anything that changes results does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.batch.grid import apply_axis, value_text
from simulator.batch.messages import at, field_path, one_line
from simulator.batch.size import check_runs
from simulator.batch.sweep import NetworkEntry, ScenarioEntry, Sweep, load_sweep, sweep_from_mapping
from simulator.errors import SaferouteError, SweepError
from simulator.scenario import Scenario, load_scenario, scenario_from_mapping

PLAN_FORMAT = 1
DEFAULT_CATCHMENT_M = 1000.0
DEFAULT_BASE = {"name": "现状 Baseline"}


@dataclass(frozen=True)
class Network:
    """One school and its streets: where a scenario runs."""

    label: str
    site: dict[str, Any]  # a scenario ``site`` mapping (absolute map path)
    key: dict[str, Any]  # what identifies the network's content (for run ids)
    map: str = ""  # map file name ("" for the synthetic district)
    school_id: str = ""


@dataclass(frozen=True)
class Variant:
    """One scenario of the sweep (a file, an inline scenario or a grid combination)."""

    name: str
    base: str  # the name of the file/inline scenario it comes from
    data: dict[str, Any]  # validated scenario as a JSON mapping, without site
    grid: tuple[tuple[str, Any], ...] = ()
    guards: int = 0


@dataclass(frozen=True)
class Job:
    """One run of the sweep: a network x a variant x a seed."""

    number: int  # canonical position in the sweep
    run_id: str
    network: Network
    variant: Variant
    seed: int


@dataclass(frozen=True)
class Plan:
    """A sweep ready to run: its jobs in canonical order (network, scenario, seed)."""

    source: str
    out: Path | None
    networks: tuple[Network, ...]
    variants: tuple[Variant, ...]
    seeds: tuple[int, ...]
    baseline: str
    jobs: tuple[Job, ...]
    axes: tuple[str, ...] = ()
    sweep: dict[str, Any] = field(default_factory=dict)

    def unique_jobs(self) -> Iterator[Job]:
        """The jobs with distinct run ids (the first of any duplicates), in canonical order."""
        seen: set[str] = set()
        for job in self.jobs:
            if job.run_id not in seen:
                seen.add(job.run_id)
                yield job


def plan_sweep(source: str | os.PathLike[str] | dict[str, Any], *, out: str | os.PathLike[str] | None = None,
               confirm_large: bool = False) -> Plan:
    """Validate a sweep (file or mapping) and expand it into jobs.

    Parameters
    ----------
    source
        A sweep file, or a mapping with the same fields (relative files from the current folder).
    out
        The results folder, replacing the sweep's ``out``.
    confirm_large
        Allow more than :data:`simulator.limits.MAX_RUNS` runs (``--yes``; or ``confirm_large`` in the sweep).

    Raises
    ------
    SweepError
        One line listing every problem (sweep fields, maps, schools, scenario files, grids, names).
    TooLargeError
        The sweep has more runs than allowed; counted before maps are read and grids expanded.
    """
    if isinstance(source, dict):
        origin, sweep = "<sweep>", sweep_from_mapping(source, origin="<sweep>")
    else:
        origin, sweep = str(source), load_sweep(source)
    check_runs(sweep, origin, force=confirm_large)
    found: list[str] = []
    networks = _networks(sweep, found)
    if networks:
        check_runs(sweep, origin, networks=len(networks), force=confirm_large)
    variants = _variants(sweep, origin, found)
    names = [v.name for v in variants]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        found.append(f"scenarios: scenario names must differ: {', '.join(dup)} appears more than once "
                     "(allowed: give each a name:)")
    labels = [n.label for n in networks]
    dup = sorted({n for n in labels if labels.count(n) > 1})
    if dup:
        found.append(f"networks: network names must differ: {', '.join(dup)} appears more than once "
                     "(allowed: give each a name:)")
    baseline = sweep.baseline or (names[0] if names else "")
    if sweep.baseline is not None and names and sweep.baseline not in names:
        found.append(f"baseline: {sweep.baseline!r} is not a scenario of this sweep "
                     f"(allowed: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
    if found:
        raise SweepError(one_line(f"{origin}: " + "; ".join(dict.fromkeys(found))))
    folder = out if out is not None else sweep.out
    jobs = tuple(
        Job(number, run_id(n, v, seed), n, v, seed)
        for number, (n, v, seed) in enumerate(itertools.product(networks, variants, sweep.seeds))
    )
    axes = tuple(dict.fromkeys(axis for v in variants for axis, _ in v.grid))
    described = {"source": origin, "name": sweep.name, "description": sweep.description,
                 "seeds": list(sweep.seeds), "children": sweep.children, "baseline": baseline,
                 "networks": [{"name": n.label, **n.site} for n in networks],
                 "scenarios": [{"name": v.name, "base": v.base, "grid": dict(v.grid), "scenario": v.data}
                               for v in variants]}
    return Plan(origin, None if folder is None else Path(folder), tuple(networks), tuple(variants),
                sweep.seeds, baseline, jobs, axes, described)


def run_id(network: Network, variant: Variant, seed: int) -> str:
    """The run's id: a hash of what determines its result (see the module docstring)."""
    content = {k: v for k, v in variant.data.items() if k not in ("name", "description", "site")}
    spec = {"format": PLAN_FORMAT, "network": network.key, "scenario": content, "seed": int(seed)}
    if variant.guards:
        spec["guards"] = variant.guards
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# --- networks ---------------------------------------------------------------------------------


def _networks(sweep: Sweep, found: list[str]) -> list[Network]:
    out: list[Network] = []
    digests: dict[Path, str] = {}
    for index, entry in enumerate(sweep.networks):
        where = ("networks", index)
        if entry.synthetic is not None:
            spec = entry.synthetic.model_dump(mode="json")
            label = entry.name or _district_label(spec)
            out.append(Network(label, {"synthetic": spec}, {"synthetic": spec}))
            continue
        assert entry.map is not None
        try:
            schools = _schools_on(entry, where, found)
        except SaferouteError as bad:
            found.append(at((*where, "map"), str(bad)))
            continue
        if entry.map not in digests:
            digests[entry.map] = _sha256(entry.map)
        catchment = entry.catchment_m if entry.catchment_m is not None else DEFAULT_CATCHMENT_M
        for school_id, school_name in schools:
            site: dict[str, Any] = {"map": str(entry.map), "school": school_id}
            if entry.catchment_m is not None:
                site["catchment_m"] = entry.catchment_m
            label = school_name if entry.name is None else (
                entry.name if len(schools) == 1 else f"{entry.name}: {school_name}")
            key = {"map_sha256": digests[entry.map], "school": school_id, "catchment_m": catchment}
            out.append(Network(label, site, key, entry.map.name, school_id))
    return out


def _schools_on(entry: NetworkEntry, where: tuple[Any, ...], found: list[str]) -> list[tuple[str, str]]:
    """``(id, name)`` of the entry's schools; unknown names are added to ``found``."""
    from simulator.network.schools import find_school, schools_from_file  # osmnx: slow to import

    assert entry.map is not None
    listed = schools_from_file(entry.map)
    if entry.schools is None or entry.all_schools():
        if entry.schools is None:
            chosen = [find_school(listed, None, where=entry.map.name)]
        elif not listed:
            found.append(at((*where, "schools"), f"{entry.map.name} has no schools (amenity=school or "
                                                 "kindergarten)"))
            return []
        else:
            chosen = listed
    else:
        chosen = []
        for position, query in enumerate(entry.schools):
            try:
                chosen.append(find_school(listed, query, where=entry.map.name))
            except SaferouteError as bad:
                found.append(at((*where, "schools", position), str(bad)))
    unique = {s.id: s.name for s in chosen}
    return list(unique.items())


def _district_label(spec: dict[str, Any]) -> str:
    cols, rows = spec["superblocks"]
    return f"district seed {spec['seed']}, {cols}x{rows} blocks, {spec['compounds_per_block']} compounds"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- scenarios ------------------------------------------------------------------------------


def _variants(sweep: Sweep, origin: str, found: list[str]) -> list[Variant]:
    out: list[Variant] = []
    for index, entry in enumerate(sweep.scenarios):
        where = ("scenarios", index)
        try:
            base = _base(entry, where, origin)
        except SaferouteError as bad:
            found.append(at(where, str(bad)) if entry.file is not None else str(bad))
            continue
        data = base.model_dump(mode="json", exclude_none=True, exclude={"site"})
        if entry.name is not None:
            data["name"] = entry.name
        if sweep.children is not None:
            data["children"] = sweep.children
        if not entry.grid:
            out.append(Variant(data["name"], data["name"], data))
            continue
        axes = [axis for axis, _ in entry.grid]
        for values in itertools.product(*(vals for _, vals in entry.grid)):
            combo = tuple(zip(axes, values, strict=True))
            label = ", ".join(f"{axis}={value_text(v)}" for axis, v in combo)
            changed = json.loads(json.dumps(data))
            for axis, value in combo:
                apply_axis(changed, axis, value)
            changed["name"] = f"{data['name']} [{label}]"
            try:
                scenario = scenario_from_mapping(changed, origin=f"{field_path((*where, 'grid'))} ({label})")
            except SaferouteError as bad:
                found.append(str(bad))
                continue
            clean = scenario.model_dump(mode="json", exclude_none=True, exclude={"site"})
            guards = int(dict(combo).get("guards", 0))
            out.append(Variant(clean["name"], data["name"], clean, combo, guards))
    return out


def _base(entry: ScenarioEntry, where: tuple[Any, ...], origin: str) -> Scenario:
    if entry.file is not None:
        return load_scenario(entry.file)
    if entry.scenario is not None:
        base = Path(origin).parent if origin != "<sweep>" else None
        return scenario_from_mapping(entry.scenario, origin=field_path((*where, "scenario")), base=base)
    return scenario_from_mapping(DEFAULT_BASE, origin=origin)
