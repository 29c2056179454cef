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
"""

from __future__ import annotations

import itertools
import os
import signal
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


def _run_local(tasks: Iterator[RunTask], handle: Handler, workers: int) -> None:
    window = workers * IN_FLIGHT_PER_THREAD
    carry: list[RunTask] = []  # taken but never started: the pool broke before they were submitted
    while True:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
            running: dict[Future[RunOutcome], RunTask] = {}
            queue = itertools.chain(carry, tasks)
            carry = []
            try:
                broken = _drain(pool, queue, running, handle, window, carry)
            except KeyboardInterrupt:
                _finish_running(running, handle)
                raise
        if not broken:
            return


def _drain(pool: ProcessPoolExecutor, tasks: Iterator[RunTask], running: dict[Future[RunOutcome], RunTask],
           handle: Handler, window: int, carry: list[RunTask]) -> bool:
    """Run tasks through ``pool``; True if the pool broke (a worker died) with tasks left.

    Tasks taken but refused by a broken pool are put in ``carry`` for the next pool.
    """
    broken = not _submit(pool, take(tasks, window), running, carry)
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            outcome = _outcome(future, task)
            broken = broken or isinstance(future.exception(), BrokenProcessPool)
            handle(outcome)
        if not broken:
            broken = not _submit(pool, take(tasks, window - len(running)), running, carry)
    return broken or bool(carry)


def _submit(pool: ProcessPoolExecutor, batch: list[RunTask], running: dict[Future[RunOutcome], RunTask],
            carry: list[RunTask]) -> bool:
    """Submit ``batch``; False (the rest put in ``carry``) if the pool is broken."""
    for number, task in enumerate(batch):
        try:
            running[pool.submit(execute_run, task)] = task
        except BrokenProcessPool:
            carry.extend(batch[number:])
            return False
    return True


def _finish_running(running: dict[Future[RunOutcome], RunTask], handle: Handler) -> None:
    """After an interrupt: cancel what has not started, hand over what finishes."""
    for future in list(running):
        if future.cancel():
            running.pop(future)
    for future in wait(running).done:
        if not future.cancelled() and future.exception() is None:
            handle(future.result())


def _outcome(future: Future[RunOutcome], task: RunTask) -> RunOutcome:
    error = future.exception()
    if error is None:
        return future.result()
    if isinstance(error, BrokenProcessPool):
        text = "the worker process running it died (killed or out of memory)"
    else:
        text = f"{type(error).__name__}: {' '.join(str(error).split())}"
    return RunOutcome(task.run_id, False, text)


