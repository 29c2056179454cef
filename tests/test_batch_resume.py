"""A batch killed mid-way with a real signal resumes to the same tables, recomputing nothing.

The CLI runs in a subprocess printing a line per finished run
(``--progress-every 0``); the test reads them until some but not all runs are
finished, then sends SIGKILL (no chance to clean up) or SIGINT (Ctrl-C: exit
code 130, finished runs kept), reruns the same command and compares with an
uninterrupted batch. Temporary files a killed batch leaves are removed by the
next start.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import psutil
import pytest
from batch_kit import (
    BOUND_S,
    RUNS,
    SCENARIOS,
    assert_same_tables,
    finished_runs,
    runs_finished,
    saferoute,
    start_saferoute,
    stop_group,
    sweep,
    write_sweep,
)
from waiting import LineReader

from simulator.batch import BatchTables, load_tables, run_sweep

SLOW_CHILDREN = 1500
"""Children per run here: the 17 runs left after the first keep the workers busy for seconds, so the
signal reaches a batch still running even when a loaded machine is slow to wake the test."""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("resume")


@pytest.fixture(scope="module")
def slow_reference(root: Path) -> BatchTables:
    """The sweep of this module, uninterrupted (one worker, in this process)."""
    return run_sweep(sweep(root / "reference-slow", children=SLOW_CHILDREN), workers=1)


def _kill_mid_way(sweep_file: Path, cwd: Path, sig: signal.Signals) -> tuple[int, LineReader]:
    proc, err = start_saferoute("batch", str(sweep_file), "--workers", "2", "--progress-every", "0", cwd=cwd)
    try:
        err.wait_for(runs_finished(1), bound_s=BOUND_S)  # fails with the batch's stderr if it ends first
        workers = psutil.Process(proc.pid).children()
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=BOUND_S)
        # none of its worker processes outlives the batch (they hold the folder's lock)
        _, alive = psutil.wait_procs(workers, timeout=BOUND_S)
        assert not alive, err.text()
    finally:
        stop_group(proc)
    return code, err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_batch_resumes_to_the_same_tables(root: Path, slow_reference: BatchTables,
                                                  sig: signal.Signals) -> None:
    folder = root / f"out-{sig.name}"
    sweep_file = write_sweep(root / f"sweep-{sig.name}.yaml", sweep(folder, children=SLOW_CHILDREN))
    code, err = _kill_mid_way(sweep_file, root, sig)
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130, err.text()
        err.wait_for(lambda line: line.startswith("saferoute: batch interrupted"), bound_s=BOUND_S)
        assert "run the same command again" in err.text() and "Traceback" not in err.text()
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
    assert_same_tables(slow_reference, load_tables(folder))
    # nothing finished before was lost or recomputed
    for run_id, stamp in kept.items():
        path = finished_runs(folder)[run_id]
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp
    log = [json.loads(line) for line in (folder / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    done = [event["run_id"] for event in log if event.get("status") == "done"]
    # each run logged as done at most once (a run renamed into place just before SIGKILL may miss its line)
    assert len(done) == len(set(done)) and len(done) >= RUNS - 1
    assert not list(folder.glob("runs/*/.tmp-*")) and not list(folder.glob(".tmp-*"))


def test_next_start_removes_temporary_files_of_a_killed_batch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = sweep(out, seeds=1, children=5, scenarios=[str(SCENARIOS / "baseline.yaml")])
    run_sweep(small, workers=1)
    run = next(iter(finished_runs(out).values()))
    # what a batch killed while writing a run, a failure, the tables or the GeoJSON leaves behind
    left = [out / ".tmp-trips.parquet-4242", out / ".tmp-index.csv-4242",
            out / ".tmp-schools.geojson-4242", out / ".tmp-batch.json-4242-0a1b2c3d",
            out / "failed" / ".tmp-0123456789abcdef.json-4242-0a1b2c3d"]
    for path in left:
        path.write_bytes(b"half written")
    partial = run.parent / ".tmp-0123456789abcdef-4242-0a1b2c3d"
    partial.mkdir()
    (partial / "trips.parquet").write_bytes(b"half written")
    mine = out / "runs" / "notes.txt"  # not a saferoute temporary file: kept
    mine.write_text("kept", encoding="utf-8")
    run_sweep(small, workers=1)
    assert sorted(str(p.relative_to(out)) for p in out.rglob(".tmp-*")) == []
    assert mine.read_text(encoding="utf-8") == "kept" and (run / "run.json").is_file()
