"""Running a sweep: validate everything, run what is not done, write the tables; the Python API.

::

    from simulator.batch import run_sweep
    tables = run_sweep("scenarios/sweep-example.yaml", workers=2)
    tables.schools.head()          # schools ranked by child risk, with the measure that helps most

The same call resumes: runs whose folder exists are skipped. With
``scheduler="tcp://host:8786"`` (or a ``distributed.Client``) the runs go to a
Dask cluster; results are identical to a local run with the same seeds. A
cluster left without workers for ``no_workers_timeout`` seconds stops the
batch (:class:`~simulator.batch.cluster.StalledError`), finished runs kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.batch.cluster import NO_WORKERS_TIMEOUT_S, StalledError, close_client, connect
from simulator.batch.executor import run_tasks
from simulator.batch.geo import write_crossings_geojson, write_schools_geojson
from simulator.batch.plan import Job, Plan, plan_sweep
from simulator.batch.progress import LOG_EVERY_S, Progress
from simulator.batch.store import (
    STORE_FORMAT,
    Store,
    batch_manifest,
    check_batch_folder,
    json_bytes,
    write_atomic,
)
from simulator.batch.summary import summary_tables
from simulator.batch.tables import LEVELS, index_table, runs_table, write_frame, write_level
from simulator.batch.worker import SETTINGS_KEPT, RunOutcome, RunTask
from simulator.errors import ResultsError, SweepError
from simulator.limits import check_workers

TABLE_NAMES = ("runs", "trips", "events", "crossings", "summary", "schools", "index")


@dataclass(frozen=True)
class BatchTables:
    """The tables of a batch folder (pandas), in the sweep's canonical order."""

    out: Path
    runs: pd.DataFrame
    trips: pd.DataFrame
    events: pd.DataFrame
    crossings: pd.DataFrame
    summary: pd.DataFrame
    schools: pd.DataFrame
    index: pd.DataFrame


@dataclass
class Batch:
    """A validated sweep ready to run: the plan, its folder and its executor."""

    plan: Plan
    out: Path
    workers: int = 1
    client: Any = None
    owns_client: bool = False
    no_workers_timeout: float = NO_WORKERS_TIMEOUT_S
    counts: dict[str, int] = field(default_factory=dict)

    def where(self) -> str:
        """The executor, for messages."""
        if self.client is not None:
            return f"the Dask cluster at {self.client.scheduler.address}"
        return f"{self.workers} local worker process(es)" if self.workers > 1 else "this process"

    def close(self) -> None:
        """Close the Dask client if this batch opened it."""
        if self.owns_client and self.client is not None:
            close_client(self.client)
            self.client = None


Source = str | os.PathLike[str] | dict[str, Any]


def prepare_batch(source: Source, *, out: str | os.PathLike[str] | None = None, workers: int = 1,
                  scheduler: Any = None, no_workers_timeout: float = NO_WORKERS_TIMEOUT_S,
                  confirm_large: bool = False) -> Batch:
    """Check everything a batch needs before any run starts (nothing is written).

    Parameters
    ----------
    confirm_large
        Allow more local workers than cores and more than :data:`simulator.limits.MAX_RUNS` runs
        (``--yes``; ``confirm_large: true`` in the sweep file allows the runs only).

    Raises
    ------
    SweepError
        The sweep, a map, a school, a scenario file or grid, the results folder,
        the worker count or the scheduler is wrong; one line.
    TooLargeError
        More workers than cores, or more runs than allowed, without ``confirm_large``.
    """
    if not isinstance(workers, int) or isinstance(workers, bool):
        msg = f"--workers: {workers!r} is not allowed (allowed: a whole number >= 1)"
        raise SweepError(msg)
    if scheduler is None:
        check_workers(workers, force=confirm_large)
    if not isinstance(no_workers_timeout, int | float) or not 0 < no_workers_timeout < float("inf"):
        msg = f"--no-workers-timeout: {no_workers_timeout!r} is not allowed (allowed: seconds > 0)"
        raise SweepError(msg)
    plan = plan_sweep(source, out=out, confirm_large=confirm_large)
    if plan.out is None:
        msg = f"{plan.source}: out: missing (required: a folder for the results, or give --out)"
        raise SweepError(msg)
    folder = check_batch_folder(plan.out, given=str(plan.out))
    if scheduler is None:
        return Batch(plan, folder, workers)
    client, owns = (connect(scheduler), True) if isinstance(scheduler, str) else (scheduler, False)
    return Batch(plan, folder, workers, client, owns_client=owns,
                 no_workers_timeout=float(no_workers_timeout))


def execute_batch(batch: Batch, *, quiet: bool = False, silent: bool = False,
                  progress_every: float = LOG_EVERY_S) -> dict[str, int]:
    """Run what is not done, record every outcome, write the tables; the counts by status.

    An interrupt (KeyboardInterrupt), or a Dask cluster left without workers
    (:class:`~simulator.batch.cluster.StalledError`), is re-raised after the
    finished runs and the index are written; the tables are then written by
    the next, resumed, batch. ``progress_every``: seconds between progress
    lines when stderr is not a terminal (0: one per finished run).
    """
    plan = batch.plan
    with Store(batch.out) as store:
        write_atomic(store.out / "batch.json", json_bytes(batch_manifest(plan.sweep, jobs=len(plan.jobs))))
        unique = list(plan.unique_jobs())
        todo = [job for job in unique if not store.is_done(job.run_id)]
        progress = Progress(len(unique), done=len(unique) - len(todo), quiet=quiet, silent=silent,
                            every=progress_every)
        progress.start(batch.where())
        store.log({"event": "start", "runs": len(unique), "todo": len(todo), "executor": batch.where()})
        by_id = {job.run_id: job for job in todo}

        def handle(outcome: RunOutcome) -> None:
            job = by_id[outcome.run_id]
            record = _record(job, outcome)
            if outcome.ok:
                store.write_run(record, outcome.tables)
            else:
                store.write_failure(record | {"error": outcome.error, "traceback": outcome.traceback})
            where = f"{job.network.label} / {job.variant.name}"
            label = f"seed {job.seed}" if outcome.error.startswith(where) else _label(job)
            progress.finished(outcome.ok, label=f"{label}, run {job.run_id}", error=outcome.error)

        try:
            run_tasks((_task(job) for job in in_run_order(todo, plan)), handle, workers=batch.workers,
                      client=batch.client,
                      no_workers_s=batch.no_workers_timeout, notify=progress.note)
        except (KeyboardInterrupt, StalledError) as stop:
            progress.close(end="interrupted" if isinstance(stop, KeyboardInterrupt) else "stopped")
            write_frame(index_table(store, plan), store.out, "index")
            raise
        progress.close()
        write_tables(store, plan)
        index = pd.read_parquet(store.out / "index.parquet")
    unique_status = index.drop_duplicates("run_id")["status"]
    return {status: int((unique_status == status).sum()) for status in ("done", "failed", "pending")}


def write_tables(store: Store, plan: Plan) -> None:
    """Every table of the sweep (skipped when nothing changed since they were last written)."""
    index = index_table(store, plan)
    fingerprint = _fingerprint(plan, index)
    stamp = store.out / "tables.json"
    names = [f"{n}{s}" for n in TABLE_NAMES for s in (".parquet", ".csv")]
    names += ["crossings.geojson", "schools.geojson"]
    if _written(stamp, fingerprint) and all((store.out / n).is_file() for n in names):
        return
    done = [job for job in plan.jobs if store.is_done(job.run_id)]
    rows = {level: write_level(store, done, level) for level in LEVELS}
    runs = runs_table(store, plan, done)
    write_frame(runs, store.out, "runs")
    summary, schools = summary_tables(runs, baseline=plan.baseline, networks=[n.label for n in plan.networks])
    write_frame(summary, store.out, "summary")
    write_frame(schools, store.out, "schools")
    features = write_crossings_geojson(store, done, store.out / "crossings.geojson")
    write_schools_geojson(store, done, schools, store.out / "schools.geojson")
    write_frame(index, store.out, "index")
    write_atomic(stamp, json_bytes({"format": STORE_FORMAT, "fingerprint": fingerprint, "rows": rows,
                                    "runs": len(runs), "crossing_features": features}))


def load_tables(out: str | os.PathLike[str]) -> BatchTables:
    """The tables of a finished batch folder (read from its Parquet files).

    Raises
    ------
    ResultsError
        If the folder is not a batch folder or its tables have not been written yet.
    """
    folder = Path(out)
    missing = [n for n in TABLE_NAMES if not (folder / f"{n}.parquet").is_file()]
    if missing:
        msg = f"{out}: not a finished batch folder (missing {', '.join(f'{n}.parquet' for n in missing)})"
        raise ResultsError(msg)
    frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLE_NAMES}
    return BatchTables(folder.absolute(), **frames)


def run_sweep(source: Source, *, workers: int = 1, scheduler: Any = None, quiet: bool = True,
              out: str | os.PathLike[str] | None = None, no_workers_timeout: float = NO_WORKERS_TIMEOUT_S,
              confirm_large: bool = False) -> BatchTables:
    """Run (or resume) a sweep and return its tables.

    Parameters
    ----------
    source
        A sweep file, or a mapping with its fields (relative files taken from the current folder).
    workers
        Local worker processes (1: this process). Ignored with ``scheduler``.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``.
    quiet
        No progress output (False: a progress bar on stderr).
    out
        The results folder, replacing the sweep's ``out``.
    no_workers_timeout
        With ``scheduler``: seconds the cluster may be without live workers before the batch stops.
    confirm_large
        Allow more workers than cores and more than :data:`simulator.limits.MAX_RUNS` runs.

    Returns
    -------
    BatchTables
        runs, trips, events, crossings, summary, schools and the run index. Failed
        runs are in ``index`` (status ``failed`` with the error) and absent from the others.

    Raises
    ------
    SweepError
        Bad input (before any run starts, nothing written).
    TooLargeError
        More workers than cores or more runs than allowed, without ``confirm_large``.
    StalledError
        The Dask cluster had no live worker for ``no_workers_timeout`` seconds (finished runs kept).
    """
    batch = prepare_batch(source, out=out, workers=workers, scheduler=scheduler,
                          no_workers_timeout=no_workers_timeout, confirm_large=confirm_large)
    try:
        execute_batch(batch, silent=quiet)
    finally:
        batch.close()
    return load_tables(batch.out)


def in_run_order(jobs: list[Job], plan: Plan) -> list[Job]:
    """The jobs in the order they are run: each network's scenarios seed by seed, a few at a time.

    A process keeps the latest seed's vehicles and kerb decisions
    (:func:`simulator.traffic.recent_stream`, :meth:`simulator.model.SchoolRouteModel.decision`),
    so the scenarios of one seed run one after another meet what they share
    once. At most :data:`~simulator.batch.worker.SETTINGS_KEPT` scenarios at a
    time: the prepared settings a worker keeps. The order changes no result
    and no table (tables follow the plan's order, run ids its content).
    """
    scenarios, seeds = len(plan.variants), len(plan.seeds)

    def place(job: Job) -> tuple[int, int, int, int]:
        network, rest = divmod(job.number, scenarios * seeds)
        scenario, seed = divmod(rest, seeds)
        return network, scenario // SETTINGS_KEPT, seed, scenario

    return sorted(jobs, key=place)


def _task(job: Job) -> RunTask:
    key = json.dumps(job.network.key, sort_keys=True)
    variant = job.variant
    return RunTask(job.run_id, key, job.network.site, variant.data, variant.guards, job.seed, _label(job))


def _label(job: Job) -> str:
    return f"{job.network.label} / {job.variant.name} / seed {job.seed}"


def _record(job: Job, outcome: RunOutcome) -> dict[str, Any]:
    return {
        "format": STORE_FORMAT, "run_id": job.run_id, "status": "done" if outcome.ok else "failed",
        "network": job.network.label, "scenario": job.variant.name, "seed": job.seed,
        "spec": {"network": job.network.key, "site": job.network.site, "scenario": job.variant.data,
                 "guards": job.variant.guards, "seed": job.seed},
        "summary": outcome.summary, "meta": outcome.meta, "seconds": round(outcome.seconds, 4),
    }


def _written(stamp: Path, fingerprint: str) -> bool:
    """True when the tables were last written for this fingerprint."""
    try:
        return bool(json.loads(stamp.read_text(encoding="utf-8")).get("fingerprint") == fingerprint)
    except (OSError, ValueError):
        return False


def _fingerprint(plan: Plan, index: pd.DataFrame) -> str:
    payload = json.dumps([plan.sweep, index[["run_id", "status"]].values.tolist()], sort_keys=True,
                         ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
