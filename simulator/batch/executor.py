"""Executors: the calling process, local worker processes, or a Dask cluster (:mod:`simulator.batch.cluster`).

All three run :func:`simulator.batch.worker.execute_run` on the same tasks and
hand each outcome to a callback as soon as it finishes (in completion order;
the tables are put in canonical order later). At most a few tasks per worker
are in flight, so memory does not grow with the number of runs and an
interrupt loses little.

On an interrupt (Ctrl-C, SIGINT, SIGTERM in the CLI) no new run starts; runs
already running are finished and handed over, then the interrupt is raised
again. Worker processes ignore SIGINT, so Ctrl-C in a terminal reaches only
the batch, and exit by themselves when the batch process dies. A local
worker process that dies (killed, out of memory) fails the runs in flight
and a new pool takes over the rest.

A local worker leaves each outcome (Parquet bytes, often megabytes) in a
spool file and sends the pool only the file's short name. The pool's result
pipe is shared by all workers: a worker killed half-way through writing a
large result leaves half a message in it, and CPython's pool then waits for
the rest for ever. A message shorter than ``PIPE_BUF`` is written whole or
not at all.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulator.batch.cluster import (
    IN_FLIGHT_PER_THREAD,
    NO_WORKERS_TIMEOUT_S,
    Handler,
    Notify,
    run_dask,
    take,
)
from simulator.batch.worker import RunOutcome, RunTask, execute_run

PARENT_POLL_S = 0.5


def run_tasks(tasks: Iterable[RunTask], handle: Handler, *, workers: int = 1, client: Any = None,
              no_workers_s: float = NO_WORKERS_TIMEOUT_S, notify: Notify | None = None) -> None:
    """Run every task and call ``handle`` with each outcome as it finishes.

    Parameters
    ----------
    tasks
        The runs, in the order they should start (network by network keeps caches warm).
    handle
        Called in this process for every outcome (write it, count it).
    workers
        Local worker processes; 1 runs in this process. Ignored with ``client``.
    client
        A ``distributed.Client``: the runs go to its cluster.
    no_workers_s
        With ``client``: stop after this many seconds without a live worker.
    notify
        With ``client``: called with a line for the user when the cluster is found without workers.

    Raises
    ------
    StalledError
        With ``client``, when the cluster has had no live worker for ``no_workers_s`` seconds.
    """
    if client is not None:
        run_dask(iter(tasks), handle, client, no_workers_s=no_workers_s, notify=notify)
    elif workers <= 1:
        for task in tasks:
            handle(execute_run(task))
    else:
        _run_local(iter(tasks), handle, workers)


# --- local processes ------------------------------------------------------------------------------


def _init_worker() -> None:
    """In each local worker process: ignore Ctrl-C, and exit when the batch process is gone.

    SIGTERM gets its default action back (the batch may have its own handler,
    inherited over fork): the pool stops a worker with SIGTERM when another died.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), name="saferoute-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit when the batch process dies (SIGKILL, out of memory): no orphan outlives it."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _execute_spooled(task: RunTask, path: str) -> str:
    """In a local worker: run ``task``, leave its outcome in the file ``path`` and return ``path``."""
    outcome = execute_run(task)
    part = f"{path}.part"
    with open(part, "wb") as file:
        pickle.dump(outcome, file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(part, path)  # a worker killed while writing leaves only the .part file
    return path


class _Spool:
    """The folder where local workers leave outcomes, and the pool that runs them."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.numbers = itertools.count()

    def submit(self, pool: ProcessPoolExecutor, task: RunTask) -> Future[str]:
        """Run ``task`` in ``pool``; the future holds the name of the file its outcome is left in."""
        path = os.path.join(self.folder, f"{next(self.numbers)}.pickle")
        return pool.submit(_execute_spooled, task, path)


def _run_local(tasks: Iterator[RunTask], handle: Handler, workers: int) -> None:
    window = workers * IN_FLIGHT_PER_THREAD
    carry: list[RunTask] = []  # taken but never started: the pool broke before they were submitted
    with tempfile.TemporaryDirectory(prefix="saferoute-spool-") as folder:
        spool = _Spool(folder)
        while True:
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
                running: dict[Future[str], RunTask] = {}
                queue = itertools.chain(carry, tasks)
                carry = []
                try:
                    broken = _drain(pool, spool, queue, running, handle, window, carry)
                except KeyboardInterrupt:
                    _finish_running(running, handle)
                    raise
            if not broken:
                return


def _drain(pool: ProcessPoolExecutor, spool: _Spool, tasks: Iterator[RunTask],
           running: dict[Future[str], RunTask], handle: Handler, window: int, carry: list[RunTask]) -> bool:
    """Run tasks through ``pool``; True if the pool broke (a worker died) with tasks left.

    Tasks taken but refused by a broken pool are put in ``carry`` for the next pool.
    """
    broken = not _submit(pool, spool, take(tasks, window), running, carry)
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            outcome = _outcome(future, task)
            broken = broken or isinstance(future.exception(), BrokenProcessPool)
            handle(outcome)
        if not broken:
            broken = not _submit(pool, spool, take(tasks, window - len(running)), running, carry)
    return broken or bool(carry)


def _submit(pool: ProcessPoolExecutor, spool: _Spool, batch: list[RunTask],
            running: dict[Future[str], RunTask], carry: list[RunTask]) -> bool:
    """Submit ``batch``; False (the rest put in ``carry``) if the pool is broken."""
    for number, task in enumerate(batch):
        try:
            running[spool.submit(pool, task)] = task
        except BrokenProcessPool:
            carry.extend(batch[number:])
            return False
    return True


def _finish_running(running: dict[Future[str], RunTask], handle: Handler) -> None:
    """After an interrupt: cancel what has not started, hand over what finishes."""
    for future in list(running):
        if future.cancel():
            running.pop(future)
    for future in wait(running).done:
        if not future.cancelled() and future.exception() is None:
            handle(_outcome(future, running[future]))


def _outcome(future: Future[str], task: RunTask) -> RunOutcome:
    error = future.exception()
    if error is None:
        path = future.result()
        try:
            with open(path, "rb") as file:
                outcome: RunOutcome = pickle.load(file)  # written by this batch's own workers
            os.remove(path)
        except (OSError, EOFError, pickle.UnpicklingError) as bad:
            text = f"its outcome could not be read back from {path}: {type(bad).__name__}: {bad}"
            return RunOutcome(task.run_id, False, text)
        return outcome
    if isinstance(error, BrokenProcessPool):
        text = "the worker process running it died (killed or out of memory)"
    else:
        text = f"{type(error).__name__}: {' '.join(str(error).split())}"
    return RunOutcome(task.run_id, False, text)


