"""Writing results: tidy CSV tables, summary.json and manifest.json, written atomically.

Everything is first written into a temporary folder beside the target and
renamed into place at the end, so a failed or interrupted run never leaves a
half-written results folder behind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator import __version__
from simulator.errors import ResultsError
from simulator.metrics import SUMMARY_FIELDS
from simulator.runs import RunResult, paired_differences, summary_table
from simulator.setting import Setting

RESULTS_FORMAT = 2  # 2: step-free and sight-distance figures
TABLES = ("trips", "events", "crossings", "runs", "summary")


def _stack(results: Sequence[RunResult], attr: str) -> pd.DataFrame:
    frames = [getattr(r, attr).assign(scenario=r.scenario, seed=r.seed) for r in results]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    first = ["scenario", "seed"]
    return out[first + [c for c in out.columns if c not in first]]


def manifest(
    settings: Sequence[Setting], seeds: Sequence[int], *, scenarios: dict[str, Any]
) -> dict[str, Any]:
    """What reproduces the results: scenarios, seeds, parameters with sources, versions."""
    params = settings[0].params
    return {
        "format": RESULTS_FORMAT,
        "software": {"saferoute": __version__, "python": platform.python_version()},
        "seeds": list(seeds),
        "scenarios": scenarios,
        "baseline": settings[0].name,
        "site": {
            "name": settings[0].network.street.graph.get("name", ""),
            "crs": settings[0].network.street.graph.get("crs", ""),
            "defaulted": settings[0].network.street.graph.get("defaulted", {}),
            "crossings": len(settings[0].network.crossings),
            "homes": len(settings[0].network.home_nodes),
        },
        "metrics": SUMMARY_FIELDS,
        "parameters": params.manifest(),
        "unsourced_parameters": [p["key"] for p in params.manifest() if p["conf"] == "U"],
    }


def check_out_folder(out: str | os.PathLike) -> Path:
    """``out`` as a path, if results may be written there (checked before any run).

    A new folder, an empty one or an earlier results folder (it has a
    ``manifest.json``; it is replaced) is allowed; anything else is refused so
    that ``--out`` can never replace a file or a folder of other files.
    """
    given = str(out)
    path = Path(out).resolve()
    allowed = "allowed: a new or empty folder, or an earlier saferoute results folder, which is replaced"
    if path.exists() and not path.is_dir():
        raise ResultsError(f"--out: {given} is a file ({allowed})")
    if path.is_dir() and any(path.iterdir()) and not (path / "manifest.json").is_file():
        raise ResultsError(f"--out: {given} is a folder of other files, not saferoute results ({allowed})")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ResultsError(f"--out: {given} is inside {ancestor}, which is a file ({allowed})")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ResultsError(f"--out: {given}: cannot write in {ancestor} (permission denied)")
    return path


def write_results(
    results: Sequence[RunResult],
    out: str | os.PathLike,
    *,
    settings: Sequence[Setting],
    seeds: Sequence[int],
    scenarios: dict[str, Any],
) -> Path:
    """Write every table and the manifest into ``out`` (replaced atomically).

    Raises
    ------
    ResultsError
        If ``out`` is not a place for results (see :func:`check_out_folder`) or
        cannot be written; ``out`` is then left as it was.
    """
    given = str(out)
    out = check_out_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as bad:
        msg = f"--out: {given}: cannot write results ({bad.strerror or bad})"
        raise ResultsError(msg) from None
    try:
        _stack(results, "trips").to_csv(tmp / "trips.csv", index=False)
        _stack(results, "events").to_csv(tmp / "events.csv", index=False)
        _stack(results, "crossings").to_csv(tmp / "crossings.csv", index=False)
        runs = pd.DataFrame([{"scenario": r.scenario, "seed": r.seed, **r.summary} for r in results])
        runs.to_csv(tmp / "runs.csv", index=False)
        summary = summary_table(results)
        summary.to_csv(tmp / "summary.csv", index=False)
        diffs = paired_differences(results, baseline=settings[0].name)
        if len(diffs):
            diffs.to_csv(tmp / "differences.csv", index=False)
        payload = {
            "baseline": settings[0].name,
            "summary": summary.to_dict(orient="records"),
            "differences": diffs.to_dict(orient="records"),
        }
        (tmp / "summary.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=1, default=float), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(
            json.dumps(
                manifest(settings, seeds, scenarios=scenarios), ensure_ascii=False, indent=1, default=str
            ),
            encoding="utf-8",
        )
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            try:
                tmp.rename(out)
            except BaseException:
                old.rename(out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as bad:
        shutil.rmtree(tmp, ignore_errors=True)
        msg = f"--out: {given}: cannot write results ({bad.strerror or bad})"
        raise ResultsError(msg) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
