"""Reading a results folder for the report, checked before anything is drawn.

A report must never come out with a section silently missing, so
:func:`load_results` refuses a folder that is missing a file, was written by
another results format, is a leftover temporary folder of an interrupted
write, has a truncated or unreadable table, or whose tables disagree on the
scenarios and seeds. Every refusal is one :class:`~simulator.errors.ResultsError`
whose one-line message names the folder and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.errors import ResultsError
from simulator.metrics import SUMMARY_FIELDS
from simulator.results import LEFTOVER, RESULTS_FORMAT

REQUIRED_FILES = (
    "manifest.json",
    "summary.json",
    "summary.csv",
    "runs.csv",
    "trips.csv",
    "crossings.csv",
)
EVENT_FILES = ("events.parquet", "events.csv")
"""The per-event table, in either format (one of them is required)."""
MANIFEST_KEYS = ("format", "software", "seeds", "scenarios", "baseline", "site", "parameters")
COLUMNS: dict[str, tuple[str, ...]] = {
    "summary.csv": ("scenario", "metric", "mean", "ci_low", "ci_high", "seeds"),
    "differences.csv": ("scenario", "metric", "baseline", "diff", "ci_low", "ci_high", "pct", "seeds",
                        "significant"),
    "runs.csv": ("scenario", "seed", *SUMMARY_FIELDS),
    "trips.csv": ("scenario", "seed", "home", "route", "escorted", "trip_s", "wait_s", "crossings",
                  "unassisted_arterial", "late", "p_severe"),
    "crossings.csv": ("scenario", "seed", "crossing", "facility", "road", "highway", "lanes",
                      "p85_kmh", "volume_vph", "x", "y", "guarded", "uses", "wait_mean_s", "wait_p95_s",
                      "los", "conflicts", "p_severe_sum", "p_death_sum", "red_light_pct"),
    "events.csv": ("scenario", "seed", "party", "children", "crossing", "mode", "wait_s", "p_severe"),
}
# what write_results' temporary folders were called before 0.2 (``.NAME.old``, ``.NAME.XXXXXXXX``);
# today's are :data:`simulator.results.LEFTOVER`
_OLD_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?:old|[A-Za-z0-9_]{8})$")


@dataclass(frozen=True)
class Results:
    """A checked results folder: its manifest and tables.

    Attributes
    ----------
    folder
        The results folder.
    manifest
        ``manifest.json`` as read.
    scenarios
        Scenario names in run order; the first is the baseline.
    seeds
        The seeds every scenario ran with.
    summary, differences, runs, trips, crossings
        The tables (``differences`` is empty when only the baseline ran).
    """

    folder: Path
    manifest: Mapping[str, Any]
    scenarios: tuple[str, ...]
    seeds: tuple[int, ...]
    summary: pd.DataFrame
    differences: pd.DataFrame
    runs: pd.DataFrame
    trips: pd.DataFrame
    crossings: pd.DataFrame

    @property
    def baseline(self) -> str:
        """The baseline scenario's name."""
        return self.scenarios[0]

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The scenarios compared with the baseline."""
        return self.scenarios[1:]


def load_results(folder: str | os.PathLike[str]) -> Results:
    """Read and check a results folder written by ``saferoute run``/``compare``/``demo``.

    Parameters
    ----------
    folder
        The results folder.

    Returns
    -------
    Results
        The manifest and the tables, consistent with each other.

    Raises
    ------
    ResultsError
        One line naming the folder and what is missing, truncated, unreadable,
        from another results format or inconsistent.
    """
    path = Path(folder)
    where = str(folder)
    if not path.exists():
        msg = f"{where}: no such results folder"
        raise ResultsError(msg)
    if not path.is_dir():
        msg = f"{where} is a file, not a results folder"
        raise ResultsError(msg)
    temp = LEFTOVER.match(path.resolve().name) or _OLD_TEMP_NAME.match(path.resolve().name)
    if temp:
        msg = (f"{where} is a temporary folder left by an interrupted or replaced write, not a "
               f"results folder (the results are in {path.resolve().parent / temp['name']}; "
               "if that is missing, run the scenarios again)")
        raise ResultsError(msg)
    manifest = _manifest(path, where)
    scenarios = tuple(str(name) for name in manifest["scenarios"])
    wanted = list(REQUIRED_FILES) + (["differences.csv"] if len(scenarios) > 1 else [])
    missing = [name for name in wanted if not (path / name).is_file()]
    events = next((path / name for name in EVENT_FILES if (path / name).is_file()), None)
    if events is None:
        missing.append(" or ".join(EVENT_FILES))
    if missing:
        msg = (f"{where}: not a complete results folder: missing {', '.join(missing)} "
               "(the run was interrupted or files were removed; run the scenarios again)")
        raise ResultsError(msg)
    _check_summary_json(path, where, baseline=str(manifest["baseline"]))
    if events is not None:  # always: a missing one was refused above
        _check_events(events, where)
    tables = {name: _table(path, where, name) for name in wanted if name.endswith(".csv")}
    seeds = tuple(int(s) for s in manifest["seeds"])
    results = Results(
        folder=path,
        manifest=manifest,
        scenarios=scenarios,
        seeds=seeds,
        summary=tables["summary.csv"],
        differences=tables.get("differences.csv", pd.DataFrame(columns=COLUMNS["differences.csv"])),
        runs=tables["runs.csv"],
        trips=tables["trips.csv"],
        crossings=tables["crossings.csv"],
    )
    _check_consistency(results, where)
    return results


def _manifest(path: Path, where: str) -> dict[str, Any]:
    file = path / "manifest.json"
    if not file.is_file():
        present = sorted(p.name for p in path.iterdir() if p.name in REQUIRED_FILES)
        what = ("it has none of the results files" if not present
                else f"missing manifest.json (found {', '.join(present)}): the run was interrupted")
        msg = f"{where}: not a saferoute results folder: {what}"
        raise ResultsError(msg)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        msg = f"{where}: manifest.json is unreadable or truncated ({_one_line(bad)})"
        raise ResultsError(msg) from None
    if not isinstance(data, dict):
        msg = f"{where}: manifest.json is not a saferoute manifest (not a JSON object)"
        raise ResultsError(msg)
    if "format" not in data:
        msg = f"{where}: manifest.json has no results format number (not written by saferoute)"
        raise ResultsError(msg)
    if data["format"] != RESULTS_FORMAT:
        made_by = (data.get("software") or {}).get("saferoute", "an unknown version")
        from simulator import __version__

        msg = (f"{where}: results format {data['format']!r} (written by saferoute {made_by}); this "
               f"saferoute ({__version__}) reads format {RESULTS_FORMAT}: run the scenarios again with it")
        raise ResultsError(msg)
    missing = [key for key in MANIFEST_KEYS if key not in data]
    if missing:
        msg = f"{where}: manifest.json lacks {', '.join(missing)} (damaged or not written by saferoute)"
        raise ResultsError(msg)
    scenarios = data["scenarios"]
    if not isinstance(scenarios, dict) or not scenarios or not all(
        isinstance(v, str) for v in scenarios.values()
    ):
        msg = f"{where}: manifest.json: scenarios must map each scenario name to its YAML text"
        raise ResultsError(msg)
    if data["baseline"] != next(iter(scenarios)):
        msg = (f"{where}: manifest.json: baseline {data['baseline']!r} is not the first scenario "
               f"({next(iter(scenarios))!r})")
        raise ResultsError(msg)
    seeds = data["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        msg = f"{where}: manifest.json: seeds must be a non-empty list of whole numbers"
        raise ResultsError(msg)
    return data


def _check_summary_json(path: Path, where: str, *, baseline: str) -> None:
    try:
        data = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        msg = f"{where}: summary.json is unreadable or truncated ({_one_line(bad)})"
        raise ResultsError(msg) from None
    if not isinstance(data, dict) or data.get("baseline") != baseline:
        msg = f"{where}: summary.json does not belong to these results (baseline is not {baseline!r})"
        raise ResultsError(msg)


def _check_header_and_end(file: Path, where: str, columns: Sequence[str]) -> None:
    """The header names ``columns`` and the file ends with a whole line (not truncated)."""
    with file.open("rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace").strip().split(",")
        size = file.stat().st_size
        if size:
            handle.seek(size - 1)
            last = handle.read(1)
    lacking = [c for c in columns if c not in header]
    if lacking:
        msg = f"{where}: {file.name} lacks the column(s) {', '.join(lacking)} (damaged or another version)"
        raise ResultsError(msg)
    if not size or last != b"\n":
        msg = f"{where}: {file.name} is truncated (its last line is incomplete): run the scenarios again"
        raise ResultsError(msg)


def _check_events(file: Path, where: str) -> None:
    """The per-event table is whole and has its columns (CSV: header and last line; Parquet: footer)."""
    if file.suffix == ".csv":
        _check_header_and_end(file, where, COLUMNS["events.csv"])
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(file).names
    except (OSError, pa.ArrowException) as bad:
        msg = f"{where}: {file.name} is truncated or damaged ({_one_line(bad)}): run the scenarios again"
        raise ResultsError(msg) from None
    lacking = [c for c in COLUMNS["events.csv"] if c not in names]
    if lacking:
        msg = f"{where}: {file.name} lacks the column(s) {', '.join(lacking)} (damaged or another version)"
        raise ResultsError(msg)


def _table(path: Path, where: str, name: str) -> pd.DataFrame:
    file = path / name
    _check_header_and_end(file, where, COLUMNS[name])
    try:
        frame = pd.read_csv(file, dtype={"scenario": str, "crossing": str, "home": str, "road": str})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as bad:
        msg = f"{where}: {name} cannot be read ({_one_line(bad)})"
        raise ResultsError(msg) from None
    if frame.empty:
        msg = f"{where}: {name} has no rows"
        raise ResultsError(msg)
    if frame["scenario"].isna().any():
        msg = f"{where}: {name} has rows without a scenario (damaged)"
        raise ResultsError(msg)
    return frame


def _check_consistency(r: Results, where: str) -> None:
    """The tables hold exactly the manifest's scenarios and seeds, and complete runs."""
    expected = set(r.scenarios)
    for name, frame in (("summary.csv", r.summary), ("runs.csv", r.runs), ("trips.csv", r.trips),
                        ("crossings.csv", r.crossings), ("differences.csv", r.differences)):
        want = expected - {r.baseline} if name == "differences.csv" else expected
        found = set(frame["scenario"])
        if found != want:
            extra, lacking = sorted(found - want), sorted(want - found)
            parts = ([f"scenario(s) {', '.join(lacking)} missing"] if lacking else []) + (
                [f"scenario(s) {', '.join(extra)} not in manifest.json"] if extra else [])
            msg = f"{where}: {name}: {'; '.join(parts)} (files from different runs?)"
            raise ResultsError(msg)
    pairs: set[tuple[str, int]] = {(s, k) for s in r.scenarios for k in r.seeds}
    for name, frame in (("runs.csv", r.runs), ("trips.csv", r.trips), ("crossings.csv", r.crossings)):
        runs: set[tuple[str, int]] = set(zip(frame["scenario"], frame["seed"].astype(int), strict=True))
        if runs != pairs:
            absent = sorted(pairs - runs)
            text = (f"run(s) {', '.join(f'{s} seed {k}' for s, k in absent[:3])} missing" if absent
                    else "seeds not in manifest.json")
            msg = f"{where}: {name}: {text} (truncated or from different runs)"
            raise ResultsError(msg)
    counts = r.trips.groupby(["scenario", "seed"]).size()
    for row in r.runs.itertuples(index=False):
        scenario, seed, children = row.scenario, int(row.seed), row.children
        if math.isnan(children) or counts.get((scenario, seed), 0) != int(children):
            msg = (f"{where}: trips.csv has {counts.get((scenario, seed), 0)} trips for {scenario} seed "
                   f"{seed}, runs.csv says {children:g} children (truncated or from different runs)")
            raise ResultsError(msg)
    metrics = set(SUMMARY_FIELDS)
    for name, frame in (("summary.csv", r.summary), ("differences.csv", r.differences)):
        for scenario, group in frame.groupby("scenario"):
            lacking = sorted(metrics - set(group["metric"]))
            if lacking:
                msg = f"{where}: {name}: {scenario} lacks the figure(s) {', '.join(lacking)}"
                raise ResultsError(msg)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
