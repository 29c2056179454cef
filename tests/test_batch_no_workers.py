"""A Dask batch whose workers all die says so and stops (exit 1); its finished runs are kept and resumed.

A real cluster: a scheduler and a worker, each a ``python -m distributed.cli...``
subprocess, and the batch a third. The test reads the batch's progress lines
(``--progress-every 0``) until some runs are finished, kills the worker (or
the scheduler) with SIGKILL, and reads on until the batch gives up
(``--no-workers-timeout 1``). A cluster that never had a worker stops the
batch the same way (Python API).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest
from batch_kit import (
    BOUND_S,
    SCENARIOS,
    finished_runs,
    runs_finished,
    saferoute,
    start_python,
    start_saferoute,
    stop_group,
    write_sweep,
)

from simulator.batch import load_tables, run_sweep
from simulator.batch.cluster import StalledError

SEEDS = 100  # tiny runs: enough that the batch is still running when the worker is killed (30 left too
# little margin once runs got quicker; the resumed batch runs them all, cheaply)
SMALL = {"synthetic": {"superblocks": [1, 1], "compounds_per_block": 1}, "name": "small"}


@pytest.mark.parametrize("killed", ["worker", "scheduler"])
def test_batch_stops_when_the_cluster_is_gone_and_resumes(killed: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep = write_sweep(tmp_path / "sweep.yaml", {
        "out": str(out), "seeds": SEEDS, "children": 5, "networks": [SMALL],
        "scenarios": [str(SCENARIOS / "baseline.yaml")]})
    scheduler, scheduler_log = start_python("-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                            "--port", "0", "--no-dashboard", cwd=tmp_path)
    procs = [scheduler]
    try:
        line = scheduler_log.wait_for(lambda text: "Scheduler at:" in text, bound_s=BOUND_S)
        address = line.rsplit("Scheduler at:", 1)[1].split()[0]
        worker, worker_log = start_python("-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                          "--no-nanny", "--no-dashboard", cwd=tmp_path)
        procs.append(worker)
        worker_log.wait_for(lambda text: "Registered to:" in text, bound_s=BOUND_S)
        batch, err = start_saferoute("batch", str(sweep), "--scheduler", address, "--progress-every", "0",
                                     "--no-workers-timeout", "1", cwd=tmp_path)
        procs.append(batch)
        err.wait_for(runs_finished(2), bound_s=BOUND_S)
        os.kill((worker if killed == "worker" else scheduler).pid, signal.SIGKILL)
        err.wait_for(lambda text: text.startswith("saferoute: batch stopped"), bound_s=BOUND_S)
        code = batch.wait(timeout=BOUND_S)
    finally:
        for proc in reversed(procs):
            stop_group(proc)
    text = err.text()
    assert code == 1, text
    said = [line for line in text.splitlines() if line.startswith("saferoute:")]
    why = f"no live Dask workers at {address} for 1 s" if killed == "worker" else \
        f"lost the Dask scheduler at {address}"
    assert len(said) == 1 and why in said[0], text
    assert "finished runs are kept" in said[0] and "Traceback" not in text
    if killed == "worker":
        assert f"batch: no live Dask workers at {address}; the batch stops in 1 s" in text
    stopped = next(line for line in text.splitlines() if line.startswith("batch stopped:"))
    index = (out / "index.csv").read_text(encoding="utf-8")
    kept = {run_id: path.stat().st_mtime_ns for run_id, path in finished_runs(out).items()}
    assert 2 <= len(kept) < SEEDS and f"{len(kept)}/{SEEDS} runs done" in stopped
    assert index.count(",pending,") == SEEDS - len(kept)

    again = saferoute("batch", str(sweep), "--workers", "2", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} already done" in again.stderr
    tables = load_tables(out)
    assert (tables.index["status"] == "done").all() and len(tables.runs) == SEEDS
    assert all(finished_runs(out)[run_id].stat().st_mtime_ns == stamp for run_id, stamp in kept.items())


def test_a_cluster_without_workers_stops_the_batch(tmp_path: Path) -> None:
    from distributed import LocalCluster

    out = tmp_path / "out"
    sweep = {"out": str(out), "seeds": 2, "children": 5, "networks": [SMALL],
             "scenarios": [str(SCENARIOS / "baseline.yaml")]}
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            pytest.raises(StalledError, match=r"no live Dask workers at \S+ for 0\.5 s"):
        run_sweep(sweep, scheduler=cluster.scheduler_address, no_workers_timeout=0.5)
    assert list(pd.read_csv(out / "index.csv")["status"]) == ["pending", "pending"]
