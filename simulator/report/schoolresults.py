"""One school of a batch as the school report reads a results folder: its finished runs assembled.

The batch keeps, per run, the tables (trips, events, crossings, the network's
crossings) and ``run.json`` (the run's figures, the scenario as run without
its site, the guard posts the ``guards`` axis placed). A results folder's
manifest is rebuilt from them: each scenario's YAML is the sweep's scenario
with the network's site and those guard posts, so that
:func:`simulator.report.site.rebuild_site` builds the same streets, and the
summary and paired differences are computed from the runs' figures with the
functions ``saferoute compare`` (and the batch's ``summary`` table) use.

Only seeds on which every kept scenario finished are used; a scenario that
finished on no seed of this network (e.g. it names a crossing the network
lacks) is left out. What was left out is returned as notes, never hidden.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.batch.grid import guard_posts
from simulator.errors import ResultsError, SaferouteError
from simulator.experiment import built_site, scenario_parameters
from simulator.guesses import guesses_of
from simulator.metrics import SUMMARY_FIELDS
from simulator.network.site import Site
from simulator.network.walk import WalkNetwork, coverage_warning
from simulator.params import parameters_from_mapping
from simulator.report.batchfolder import BatchFolder
from simulator.report.results import Results
from simulator.results import RESULTS_FORMAT
from simulator.runs import RunResult, paired_differences, summary_table
from simulator.scenario import Scenario, scenario_from_mapping

EMPTY = pd.DataFrame()


def check_network(batch: BatchFolder, name: str) -> str:
    """``name`` if it is a network of the batch, else a one-line error listing the known ones."""
    known = batch.networks
    if name not in known:
        msg = f"--school: {name!r} is not a network of the batch {batch.folder} (known: {', '.join(known)})"
        raise ResultsError(msg)
    return name


def results_from_batch(batch: BatchFolder, network: str, *, map_file: str | os.PathLike[str] | None = None,
                       ) -> tuple[Results, list[str], tuple[Site, WalkNetwork]]:
    """The results of one network of a batch, shaped like a checked results folder.

    Parameters
    ----------
    batch
        A checked batch folder.
    network
        The network's name as in the batch.
    map_file
        Where the network's map file is now, if it has moved since the batch ran.

    Returns
    -------
    tuple of Results, list of str and (Site, WalkNetwork)
        The results; notes on what was left out (unfinished seeds or scenarios);
        and the site built again for them (checked against the run), for the report.

    Raises
    ------
    ResultsError
        The network is unknown, no seed has every scenario finished, or a run
        folder is missing or unreadable.
    """
    check_network(batch, network)
    sweep = batch.sweep
    baseline = batch.baseline
    done = batch.index[(batch.index["network"] == network) & (batch.index["status"] == "done")]
    paths = {(str(r.scenario), int(r.seed)): str(r.path) for r in done.itertuples()}
    variants = [
        v for v in sweep["scenarios"] if v["name"] == baseline or any(k[0] == v["name"] for k in paths)
    ]
    names = [str(v["name"]) for v in variants]
    seeds = [int(s) for s in sweep["seeds"] if all((n, int(s)) in paths for n in names)]
    if not seeds:
        msg = (
            f"{batch.folder}: no seed of {network!r} has every scenario finished (see index.csv): run the "
            "same saferoute batch command again to finish it"
        )
        raise ResultsError(msg)
    notes = _left_out(sweep, names, seeds)
    records = {
        key: _run_json(batch, path) for key, path in paths.items() if key[0] in names and key[1] in seeds
    }
    site = _site_mapping(sweep, network)
    if map_file is not None and "map" in site:
        site["map"] = str(Path(map_file).absolute())
    texts = {v["name"]: _scenario_yaml(v, site, records, seeds[0]) for v in variants}
    runs = [
        RunResult(name, seed, _summary(records[(name, seed)]), EMPTY, EMPTY, EMPTY)
        for name in names
        for seed in seeds
    ]
    trips = _stack(batch, paths, names, seeds, "trips")
    crossings = _stack(batch, paths, names, seeds, "crossings")
    events = _stack(batch, paths, [baseline], seeds, "events")
    first = records[(baseline, seeds[0])]
    manifest = {
        "format": RESULTS_FORMAT,
        "software": first.get("software") or batch.manifest.get("software", {}),
        "seeds": seeds,
        "scenarios": texts,
        "baseline": baseline,
        "site": {},  # below, from the site built again
        "metrics": list(SUMMARY_FIELDS),
        "parameters": _parameters(batch, texts[baseline]),
        "batch": {"folder": str(batch.folder), "network": network},
    }
    built = _built(batch, texts[baseline], paths[(baseline, seeds[0])], first)
    manifest["site"] = _site_block(built[1], first, events)
    results = Results(
        folder=batch.folder,
        manifest=manifest,
        scenarios=tuple(names),
        seeds=tuple(seeds),
        summary=summary_table(runs),
        differences=paired_differences(runs, baseline=baseline) if len(names) > 1 else EMPTY,
        runs=pd.DataFrame([{"scenario": r.scenario, "seed": r.seed, **r.summary} for r in runs]),
        trips=trips,
        crossings=crossings,
    )
    return results, notes, built


def _left_out(sweep: Mapping[str, Any], names: list[str], seeds: list[int]) -> list[str]:
    notes = []
    dropped = [str(v["name"]) for v in sweep["scenarios"] if v["name"] not in names]
    if dropped:
        notes.append(f"scenario(s) with no finished run on this network left out: {', '.join(dropped)}")
    unused = [int(s) for s in sweep["seeds"] if int(s) not in seeds]
    if unused:
        notes.append(
            f"seed(s) {', '.join(map(str, unused))} left out: not every scenario finished on them "
            "(see index.csv; run the batch again to finish them)"
        )
    return notes


def _run_json(batch: BatchFolder, path: str) -> dict[str, Any]:
    file = batch.folder / path / "run.json"
    try:
        return dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError) as bad:
        msg = f"{batch.folder}: {path}/run.json cannot be read ({' '.join(str(bad).split())})"
        raise ResultsError(msg) from None


def _summary(record: dict[str, Any]) -> dict[str, float]:
    figures = record.get("summary") or {}
    return {
        key: float(figures[key]) if figures.get(key) is not None else float("nan") for key in SUMMARY_FIELDS
    }


def _site_mapping(sweep: Mapping[str, Any], network: str) -> dict[str, Any]:
    entry = next(n for n in sweep["networks"] if n["name"] == network)
    return {k: v for k, v in entry.items() if k != "name"}


def _scenario_yaml(
    variant: dict[str, Any], site: dict[str, Any], records: dict[tuple[str, int], Any], seed: int
) -> str:
    """The scenario as it ran on this network: the sweep's scenario, the site, the axis's guard posts."""
    data = {**variant["scenario"], "site": site}
    targets = records[(variant["name"], seed)].get("meta", {}).get("guard_targets") or []
    if targets:
        data["interventions"] = [*data.get("interventions", []), guard_posts(list(targets))]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _stack(
    batch: BatchFolder, paths: dict[tuple[str, int], str], names: list[str], seeds: list[int], level: str
) -> pd.DataFrame:
    frames = []
    for name in names:
        for seed in seeds:
            file = batch.folder / paths[(name, seed)] / f"{level}.parquet"
            if not file.is_file():
                continue  # a run in which nobody crossed a road writes no crossings
            frame = pd.read_parquet(file)
            frames.append(frame.assign(scenario=name, seed=seed)[["scenario", "seed", *frame.columns]])
    if not frames:
        return pd.DataFrame(columns=["scenario", "seed"])
    out = pd.concat(frames, ignore_index=True)
    for column in ("home", "crossing", "road"):
        if column in out:
            out[column] = out[column].astype(str)
    return out


def _scenario(text: str, where: str) -> Scenario:
    try:
        return scenario_from_mapping(yaml.safe_load(text), origin=where)
    except SaferouteError as bad:
        msg = f"{where}: the scenario as run is not valid here: {bad}"
        raise ResultsError(msg) from None


def _built(batch: BatchFolder, baseline_yaml: str, path: str,
           record: dict[str, Any]) -> tuple[Site, WalkNetwork]:
    """The baseline's site built again, checked against the network the batch ran on."""
    where = f"{batch.folder}/{path}"
    try:
        site, network = built_site(_scenario(baseline_yaml, where), origin=where)
    except SaferouteError as bad:
        msg = f"{batch.folder}: the site of the batch cannot be rebuilt: {bad}"
        raise ResultsError(msg) from None
    ran = batch.folder / path / "network.parquet"
    if ran.is_file() and len(pd.read_parquet(ran, columns=["crossing"])) != len(network.crossings):
        msg = (
            f"{batch.folder}: the rebuilt site of {record.get('network')!r} differs from the one the batch "
            "ran on (another map file or software): run the batch again"
        )
        raise ResultsError(msg)
    return site, network


def _site_block(network: WalkNetwork, record: dict[str, Any], events: pd.DataFrame) -> dict[str, Any]:
    """What a results manifest says about the site."""
    graph = network.street.graph
    return {
        "name": record.get("meta", {}).get("site") or graph.get("name", ""),
        "crs": record.get("meta", {}).get("crs") or graph.get("crs", ""),
        "defaulted": graph.get("defaulted", {}),
        "crossings": len(network.crossings),
        "homes": len(network.home_nodes),
        "homes_dropped": len(network.dropped_homes),
        "warnings": [w for w in [coverage_warning(network)] if w],
        "guessed": guesses_of(network, events=events if len(events) else None).as_dict(),
    }


def _parameters(batch: BatchFolder, baseline_yaml: str) -> list[dict[str, Any]]:
    """The batch's parameter table with the baseline scenario's overrides, as a results manifest lists it."""
    rows = batch.manifest.get("parameters") or []
    try:
        table = {r["key"]: {k: r[k] for k in ("value", "unit", "conf", "source")} for r in rows}
        params = parameters_from_mapping(table, origin=f"{batch.folder}/batch.json: parameters")
    except (KeyError, TypeError, SaferouteError) as bad:
        msg = f"{batch.folder}: batch.json: parameters are damaged ({bad})"
        raise ResultsError(msg) from None
    return scenario_parameters(_scenario(baseline_yaml, str(batch.folder)), base=params).manifest()
