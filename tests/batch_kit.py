"""Shared pieces of the batch tests: the small sweep, its reference tables, table comparison, subprocesses.

Tests wait for a subprocess by what it prints (:class:`waiting.LineReader`),
never by the clock: a batch started with ``--progress-every 0`` prints a line
per finished run (:func:`runs_finished` reads it).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from waiting import LineReader

from simulator.batch import BatchTables, run_sweep

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
OSM = ROOT.parent / "shared" / "data" / "osm"
CHILDREN = 150
COMPARED = ("runs", "trips", "events", "crossings", "summary", "schools")

#: 2 networks x 3 scenarios (a file, a grid combination, an inline scenario) x 3 seeds = 18 runs
NETWORKS = [
    {"synthetic": {"seed": 1, "superblocks": [2, 2], "compounds_per_block": 2}, "name": "A"},
    {"synthetic": {"seed": 2, "superblocks": [2, 2], "compounds_per_block": 2}, "name": "B"},
]
SCENARIO_ENTRIES = [
    str(SCENARIOS / "baseline.yaml"),
    {"file": str(SCENARIOS / "baseline.yaml"), "name": "Measures",
     "grid": {"speed_limit_kmh": [30], "guards": [1]}},
    {"scenario": {"name": "Education", "enforcement": "strong",
                  "interventions": [{"type": "education", "share": 1.0}]}},
]
RUNS = 18

_REFERENCE: dict[str, BatchTables] = {}


def sweep(out: Path | str, **changes: Any) -> dict[str, Any]:
    """The small sweep as a mapping (fields replaced by ``changes``)."""
    return {"name": "test sweep", "out": str(out), "seeds": 3, "children": CHILDREN, "networks": NETWORKS,
            "scenarios": SCENARIO_ENTRIES} | changes


def write_sweep(path: Path, data: dict[str, Any]) -> Path:
    """Write a sweep mapping as a YAML file."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def reference(root: Path) -> BatchTables:
    """The small sweep run once per test session in this process (one worker)."""
    if "tables" not in _REFERENCE:
        _REFERENCE["tables"] = run_sweep(sweep(root / "reference"), workers=1)
    return _REFERENCE["tables"]


def assert_same_tables(a: BatchTables, b: BatchTables) -> None:
    """Every result table identical (values, types, order); the index agrees on ids and status."""
    for name in COMPARED:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    keys = ["number", "network", "scenario", "seed", "run_id", "status", "error"]
    pd.testing.assert_frame_equal(a.index[keys], b.index[keys], obj="index")


ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUTF8": "1"}


BOUND_S = 120.0
"""Seconds a test waits for a line, a process or a pipe: reached only by a real hang."""
PROGRESS = re.compile(r"\] (\d+)/(\d+) runs · ")


def start_python(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], LineReader]:
    """Start ``python ARGS`` in its own session (so its children can be cleaned up); its stderr lines.

    Its stdout is discarded; its stderr is read as it comes (the process never blocks on it).
    Ctrl-C (SIGINT) reaches it as in a terminal, even when this test runs in the background of a
    shell, which starts background jobs with SIGINT ignored (a disposition children inherit).
    """
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=ENV, text=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_interruptible)
    assert proc.stderr is not None
    return proc, LineReader(proc.stderr)


def _interruptible() -> None:
    """In the child before exec: SIGINT back to its default, so Python turns it into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_saferoute(*args: str, cwd: Path) -> tuple[subprocess.Popen[str], LineReader]:
    """Start ``python -m simulator.cli ARGS``; the process and its stderr lines."""
    return start_python("-m", "simulator.cli", *args, cwd=cwd)


def runs_finished(n: int) -> Callable[[str], bool]:
    """A line predicate: a batch progress line (``--progress-every 0``) with at least ``n`` runs through."""
    def seen(line: str) -> bool:
        found = PROGRESS.search(line)
        return found is not None and int(found[1]) >= n

    return seen


def stop_group(proc: subprocess.Popen[str]) -> None:
    """Kill whatever is left of a process's session (a batch's worker processes) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=BOUND_S)


def saferoute(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m simulator.cli ARGS`` to the end."""
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=cwd, env=ENV, text=True,
                          capture_output=True, timeout=300, check=False)


def finished_runs(out: Path) -> dict[str, Path]:
    """Finished run folders of a batch folder by run id."""
    found = (p.parent for p in out.glob("runs/*/*/run.json"))
    return {run.name: run for run in found if not run.name.startswith(".")}  # .tmp-*: being written
