"""A batch killed mid-way with a real signal resumes to the same tables, recomputing nothing.

The CLI runs in a subprocess; the test watches the batch folder until some
but not all runs are finished, then sends SIGKILL (no chance to clean up) or
SIGINT (Ctrl-C: exit code 130, finished runs kept), reruns the same command
and compares with an uninterrupted batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from batch_kit import (
    RUNS,
    assert_same_tables,
    finished_runs,
    reference,
    saferoute,
    start_saferoute,
    sweep,
    write_sweep,
)

from simulator.batch import load_tables

POLL_S = 0.02


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("resume")


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """Kill whatever is left of the batch's session (its worker processes)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=30)


def _kill_mid_way(folder: Path, sweep_file: Path, cwd: Path, sig: signal.Signals) -> tuple[int, str]:
    proc = start_saferoute("batch", str(sweep_file), "--workers", "2", "--quiet", cwd=cwd)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and len(finished_runs(folder)) < 2 and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if proc.poll() is not None:
            index_file = folder / "index.csv"
            index = index_file.read_text(encoding="utf-8") if index_file.exists() else ""
            pytest.fail(f"the batch ended before it could be stopped: {proc.communicate()[1]}\n{index}")
        os.kill(proc.pid, sig)
        # the pipes close only when the worker processes have exited too: none outlives the batch
        _, err = proc.communicate(timeout=60)
    finally:
        _stop_group(proc)
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_batch_resumes_to_the_same_tables(root: Path, sig: signal.Signals) -> None:
    folder = root / f"out-{sig.name}"
    sweep_file = write_sweep(root / f"sweep-{sig.name}.yaml", sweep(folder))
    code, err = _kill_mid_way(folder, sweep_file, root, sig)
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130, err
        assert "run the same command again" in err and "Traceback" not in err
        index = (folder / "index.csv").read_text(encoding="utf-8")
        assert "pending" in index  # the index says what is left
    kept = {run_id: (p.stat().st_ino, p.stat().st_mtime_ns) for run_id, p in finished_runs(folder).items()}
    assert 0 < len(kept) < RUNS
    assert not (folder / "trips.parquet").exists()  # tables are written when every run is through
    for run in finished_runs(folder).values():  # a finished run is whole
        assert {"run.json", "trips.parquet", "events.parquet", "network.parquet"} <= {
            p.name for p in run.iterdir()}

    again = saferoute("batch", str(sweep_file), "--workers", "2", "--quiet", cwd=root)
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} already done" in again.stderr
    assert_same_tables(reference(root), load_tables(folder))
    # nothing finished before was lost or recomputed
    for run_id, stamp in kept.items():
        path = finished_runs(folder)[run_id]
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    log = [json.loads(line) for line in (folder / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    done = [event["run_id"] for event in log if event.get("status") == "done"]
    # each run logged as done at most once (a run renamed into place just before SIGKILL may miss its line)
    assert len(done) == len(set(done)) and len(done) >= RUNS - 1
    assert not list(folder.glob("runs/*/.tmp-*")) and not list(folder.glob(".tmp-*"))
