"""Executors: the calling process, local worker processes, or a Dask distributed cluster.

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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulator.batch.worker import RunOutcome, RunTask, execute_run
from simulator.errors import SweepError

IN_FLIGHT_PER_WORKER = 2
CONNECT_TIMEOUT_S = 5.0
PARENT_POLL_S = 0.5

Handler = Callable[[RunOutcome], None]


def run_tasks(tasks: Iterable[RunTask], handle: Handler, *, workers: int = 1, client: Any = None) -> None:
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
    """
    if client is not None:
        _run_dask(iter(tasks), handle, client)
    elif workers <= 1:
        for task in tasks:
            handle(execute_run(task))
    else:
        _run_local(iter(tasks), handle, workers)


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT_S) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    SweepError
        If the address is malformed or no scheduler answers within ``timeout`` seconds.
    """
    if "://" not in address or not address.split("://", 1)[1]:
        msg = f"--scheduler: {address!r} is not allowed (allowed: a scheduler address like tcp://HOST:8786)"
        raise SweepError(msg)
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as bad:
        reason = " ".join(str(bad).split()) or type(bad).__name__
        msg = f"--scheduler: cannot reach a Dask scheduler at {address} ({reason})"
        raise SweepError(msg) from None


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
    window = workers * IN_FLIGHT_PER_WORKER
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
    broken = not _submit(pool, _take(tasks, window), running, carry)
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            task = running.pop(future)
            outcome = _outcome(future, task)
            broken = broken or isinstance(future.exception(), BrokenProcessPool)
            handle(outcome)
        if not broken:
            broken = not _submit(pool, _take(tasks, window - len(running)), running, carry)
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


def _take(tasks: Iterator[RunTask], n: int) -> list[RunTask]:
    out = []
    for _ in range(max(n, 0)):
        task = next(tasks, None)
        if task is None:
            break
        out.append(task)
    return out


# --- Dask -------------------------------------------------------------------------------------------


def _run_dask(tasks: Iterator[RunTask], handle: Handler, client: Any) -> None:
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    window = max(threads * IN_FLIGHT_PER_WORKER, 4)
    running: dict[str, RunTask] = {}
    pending = as_completed(loop=client.loop)

    def submit(batch: list[RunTask]) -> None:
        for task in batch:
            key = f"saferoute-run-{task.run_id}"
            running[key] = task
            pending.add(client.submit(execute_run, task, key=key, pure=False, retries=0))

    submit(_take(tasks, window))
    try:
        for future in pending:
            task = running.pop(future.key)
            if future.status == "finished":
                outcome = future.result()
            else:
                error = future.exception()
                text = f"{type(error).__name__}: {' '.join(str(error).split())}"
                outcome = RunOutcome(task.run_id, False, text)
            future.release()
            handle(outcome)
            submit(_take(tasks, window - len(running)))
    except KeyboardInterrupt:
        waiting = list(pending.futures)
        client.cancel([f for f in waiting if not f.done()])
        for future in [*waiting, *pending.next_batch(block=False)]:
            if future.status == "finished":
                handle(future.result())
        raise
