"""Writing results: tidy tables, summary.json and manifest.json, written atomically.

Everything is first written into a partial folder beside the target
(``.NAME.partial-PID-XXXXXX``) and renamed into place at the end, so a failed
or interrupted run never leaves a half-written results folder behind; partial
folders of processes that no longer run are removed at the next start. The
manifest lists every file written: ``--out`` replaces only a folder that holds
exactly such a result (and the reports made from it), never anything else.
Files and folders get the usual permissions (the umask decides).
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator import __version__
from simulator.csvfile import write_csv
from simulator.errors import ResultsError
from simulator.guesses import guesses_of
from simulator.metrics import SUMMARY_FIELDS
from simulator.network.walk import coverage_warning
from simulator.outputs import check_folder_place
from simulator.runs import RunResult, paired_differences, summary_table
from simulator.setting import Setting

RESULTS_FORMAT = 3  # 2: step-free and sight-distance figures; 3: casualties a year at the school
TABLES = ("trips", "events", "crossings", "runs", "summary")
EVENT_FORMATS = ("parquet", "csv")
FORMAT_2_FILES = frozenset({"trips.csv", "events.csv", "events.parquet", "crossings.csv", "runs.csv",
                            "summary.csv", "differences.csv", "summary.json", "manifest.json"})
"""What results folders written before the manifest listed its files may hold."""
DERIVED = re.compile(r"^report-(?:zh|en)\.(?:html|pdf)$")
"""Files saferoute writes into a results folder afterwards (``saferoute report``'s defaults)."""
LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>partial|replaced)-(?P<pid>\d+)-[0-9a-f]{6}$")
"""A folder ``write_results`` writes (``partial``) or sets aside (``replaced``) beside ``NAME``."""
JUNK = re.compile(r"^(?:\.DS_Store|Thumbs\.db|desktop\.ini|\.~lock\..*#"
                  r"|\.report-(?:zh|en)\.(?:html|pdf)\..+)$")
"""What file browsers, office programs and a killed ``saferoute report`` leave in a results folder."""


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
            "homes_dropped": len(settings[0].network.dropped_homes),
            "warnings": [w for w in [coverage_warning(settings[0].network)] if w],
        },
        "metrics": SUMMARY_FIELDS,
        "parameters": params.manifest(),
        "unsourced_parameters": [p["key"] for p in params.manifest() if p["conf"] == "U"],
    }


def check_out_folder(out: str | os.PathLike) -> Path:
    """``out`` as a path, if results may be written there (checked before any run).

    A new folder, an empty one or an earlier results folder is allowed (it is
    replaced). An earlier results folder is one whose ``manifest.json`` lists
    every file in it (reports made from it aside); anything else is refused, so
    that ``--out`` can never delete what saferoute did not write.
    """
    given = str(out)
    path = Path(out).resolve()
    allowed = "allowed: a new or empty folder, or an earlier saferoute results folder, which is replaced"
    check_folder_place(path, given, option="--out", allowed=allowed, error=ResultsError)
    if path.is_dir() and any(path.iterdir()):
        foreign = _foreign_files(path)
        if foreign is None:
            msg = f"--out: {given} is a folder of other files, not saferoute results ({allowed})"
            raise ResultsError(msg)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            msg = (f"--out: {given} holds results and other files ({shown}) that saferoute did not write: "
                   f"nothing replaced ({allowed}; move those files or choose another folder)")
            raise ResultsError(msg)
    return path


def _foreign_files(folder: Path) -> list[str] | None:
    """Entries of ``folder`` its manifest does not account for; None if it has no saferoute manifest."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or "format" not in data or "scenarios" not in data:
        return None
    listed = data.get("files")
    ours = ({str(f) for f in listed} | {"manifest.json"}) if isinstance(listed, list) else set(FORMAT_2_FILES)
    return sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()
                  if not ((p.is_file() and (p.name in ours or DERIVED.match(p.name))) or JUNK.match(p.name)))


def clean_leftovers(out: str | os.PathLike) -> list[Path]:
    """Tidy what interrupted writes of ``out`` left beside it, losing no result.

    Writes of a process that still runs are left alone. Of the others: a
    replaced result (``.NAME.replaced-PID-XXXXXX``) goes back to ``NAME`` if
    ``NAME`` is missing (unless a finished new result is there to take its
    place) and is removed otherwise; a partial folder (``.NAME.partial-PID-XXXXXX``)
    is put in place if it is finished and ``NAME`` is missing, else removed.
    A folder saferoute did not write is never touched.

    Returns
    -------
    list of Path
        The folders removed.
    """
    path = Path(out).resolve()
    parent = path.parent
    if not parent.is_dir():
        return []
    partials: list[Path] = []
    replaced: list[Path] = []
    live = False
    finished: list[Path] = []
    for entry in sorted(parent.iterdir(), key=lambda p: p.name):
        match = LEFTOVER.match(entry.name)
        if not (match and match["name"] == path.name and entry.is_dir()):
            continue
        if _running(int(match["pid"])):
            live = True  # another saferoute is writing this result now
            continue
        whole = _foreign_files(entry) == []  # a complete result, as its manifest lists it
        if match["kind"] == "partial":
            partials.append(entry)
            if whole:
                finished.append(entry)
        elif whole:  # a replaced folder that is not a result was not saferoute's: never touched
            replaced.append(entry)
    if live:  # a write in progress: remove only dead half-written partials, promote and restore nothing
        removed = [p for p in partials if p not in finished]
        for entry in removed:
            shutil.rmtree(entry, ignore_errors=True)
        return removed
    if not path.exists() and (finished or replaced):
        newest = max(finished or replaced, key=lambda p: p.stat().st_mtime)
        newest.rename(path)
        partials, replaced = [p for p in partials if p != newest], [p for p in replaced if p != newest]
    for entry in partials + replaced:
        shutil.rmtree(entry, ignore_errors=True)
    return partials + replaced


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return pid != 0


def write_results(
    results: Sequence[RunResult],
    out: str | os.PathLike,
    *,
    settings: Sequence[Setting],
    seeds: Sequence[int],
    scenarios: dict[str, Any],
    events: str = "parquet",
) -> Path:
    """Write every table and the manifest into ``out`` (replaced atomically).

    Parameters
    ----------
    results
        The runs.
    out
        The results folder.
    settings, seeds, scenarios
        What ran, for the manifest.
    events
        The per-event table's format: ``"parquet"`` (``events.parquet``, compact) or
        ``"csv"`` (``events.csv``).

    Raises
    ------
    ResultsError
        If ``out`` is not a place for results (see :func:`check_out_folder`) or
        cannot be written; ``out`` is then left as it was, and finished results
        that could not be put there are kept beside it (``NAME-unsaved-XXXXXX``,
        named in the message).
    """
    if events not in EVENT_FORMATS:
        msg = f"events: {events!r} is not allowed (allowed: {', '.join(EVENT_FORMATS)})"
        raise ResultsError(msg)
    given = str(out)
    out = Path(out).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(out)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{secrets.token_hex(3)}"
        tmp.mkdir()
    except OSError as bad:
        msg = f"--out: {given}: cannot write results ({bad.strerror or bad})"
        raise ResultsError(msg) from None
    try:
        _write_tables(tmp, results, settings=settings, seeds=seeds, scenarios=scenarios, events=events)
    except OSError as bad:
        shutil.rmtree(tmp, ignore_errors=True)
        msg = f"--out: {given}: cannot write results ({bad.strerror or bad})"
        raise ResultsError(msg) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        check_out_folder(out)  # again: the folder may have changed while the runs ran
        _swap(tmp, out)
    except (ResultsError, OSError) as bad:
        kept = out.with_name(f"{out.name}-unsaved-{secrets.token_hex(3)}")
        tmp.rename(kept)
        reason = (str(bad) if isinstance(bad, ResultsError)
                  else f"--out: {given}: cannot write results ({bad.strerror or bad})")
        msg = f"{reason}; the results are kept in {kept}"
        raise ResultsError(msg) from None
    return out


def _write_tables(tmp: Path, results: Sequence[RunResult], *, settings: Sequence[Setting],
                  seeds: Sequence[int], scenarios: dict[str, Any], events: str) -> None:
    """Every table, summary.json and, last, manifest.json (listing the files) into ``tmp``."""
    write_csv(_stack(results, "trips"), tmp / "trips.csv")
    table = _stack(results, "events")
    if events == "csv":
        write_csv(table, tmp / "events.csv")
    else:
        table.to_parquet(tmp / "events.parquet", index=False, compression="zstd")
    write_csv(_stack(results, "crossings"), tmp / "crossings.csv")
    runs = pd.DataFrame([{"scenario": r.scenario, "seed": r.seed, **r.summary} for r in results])
    write_csv(runs, tmp / "runs.csv")
    summary = summary_table(results)
    write_csv(summary, tmp / "summary.csv")
    diffs = paired_differences(results, baseline=settings[0].name)
    if len(diffs):
        write_csv(diffs, tmp / "differences.csv")
    payload = {
        "baseline": settings[0].name,
        "summary": summary.to_dict(orient="records"),
        "differences": diffs.to_dict(orient="records"),
    }
    (tmp / "summary.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, default=float), encoding="utf-8"
    )
    record = manifest(settings, seeds, scenarios=scenarios)
    baseline_events = table[table["scenario"] == settings[0].name] if "scenario" in table else table
    record["site"]["guessed"] = guesses_of(settings[0].network, events=baseline_events).as_dict()
    record["files"] = [*sorted(p.name for p in tmp.iterdir()), "manifest.json"]
    (tmp / "manifest.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in place of ``out``; an earlier result is set aside first and removed last."""
    if not out.exists():
        tmp.rename(out)
        return
    old = out.with_name(f".{out.name}.replaced-{os.getpid()}-{secrets.token_hex(3)}")
    out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
