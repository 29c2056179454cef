"""Local workers report through spool files: a worker that dies while writing its report fails only its runs.

The death is deterministic: the run's outcome carries an object whose
pickling kills the worker half-way through writing the report file. The
batch hands over every run (the others done, the dead worker's runs failed),
a new pool takes over, and the spool folder is gone at the end.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

from simulator.batch import executor
from simulator.batch.worker import RunOutcome, RunTask

DOOMED = "run-3"


class _KillsWhilePickled:
    """Kills the process that pickles it (the worker, after part of the report is written)."""

    def __reduce__(self) -> tuple[type, tuple]:
        os.kill(os.getpid(), signal.SIGKILL)
        return (dict, ())


def _report(task: RunTask) -> RunOutcome:
    """A stand-in for a run: a large report, which for ``DOOMED`` kills the worker while it is written."""
    meta: dict[str, object] = {"padding": "x" * 200_000}
    if task.run_id == DOOMED:
        meta["bomb"] = _KillsWhilePickled()
    return RunOutcome(task.run_id, True, summary={"seed": float(task.seed)}, meta=meta)


def test_a_worker_killed_while_writing_its_report_fails_its_runs_only(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(executor, "execute_run", _report)  # inherited by the forked workers
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tasks = [RunTask(f"run-{k}", "net", {}, {}, 0, k) for k in range(12)]
    outcomes: list[RunOutcome] = []
    executor.run_tasks(tasks, outcomes.append, workers=2)

    by_id = {o.run_id: o for o in outcomes}
    assert sorted(by_id) == sorted(t.run_id for t in tasks) and len(outcomes) == len(tasks)
    assert not by_id[DOOMED].ok and "worker process running it died" in by_id[DOOMED].error
    failed = [o for o in outcomes if not o.ok]
    assert 1 <= len(failed) <= 2 * executor.IN_FLIGHT_PER_THREAD  # the runs in flight when it died
    assert all("worker process running it died" in o.error for o in failed)
    done = [o for o in outcomes if o.ok]
    assert all(o.summary == {"seed": float(o.run_id.split("-")[1])} for o in done)
    assert len(done[-1].meta["padding"]) == 200_000
    assert not list(tmp_path.glob("saferoute-spool-*"))  # the half-written report went with the folder
