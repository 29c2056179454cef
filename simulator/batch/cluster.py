"""The Dask executor: runs on a ``distributed`` cluster, and a batch that stops when the cluster cannot run.

Runs are submitted a few per worker thread at a time and handed over as they
finish. A cluster whose workers have all gone (killed, out of memory, the job
ended) cannot progress: the scheduler keeps the runs waiting for a worker
that may never come. After :data:`NO_WORKERS_TIMEOUT_S` seconds (settable)
without a live worker the batch stops with :class:`StalledError`, as it does
at once when the scheduler itself is lost (the client then cancels every
run); every run finished before is kept, and the same command resumes the rest.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any

from simulator.errors import SweepError

if TYPE_CHECKING:  # the worker module loads pandas and the model: imported when a batch runs
    from simulator.batch.worker import RunOutcome, RunTask

CONNECT_TIMEOUT_S = 5.0
NO_WORKERS_TIMEOUT_S = 60.0
"""Seconds a Dask batch waits without any live worker before it stops (``--no-workers-timeout``)."""
CHECK_S = 1.0
"""How often the scheduler is asked for its workers while no run finishes."""
IN_FLIGHT_PER_THREAD = 2
"""Runs sent ahead per worker thread or process (local or Dask), so none waits for work."""
MIN_IN_FLIGHT = 4

Handler = Callable[["RunOutcome"], None]
Notify = Callable[[str], None]


class StalledError(SweepError):
    """The Dask cluster cannot progress: no live worker for the set time, or the scheduler is lost."""


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


def close_client(client: Any) -> None:
    """Close ``client`` without the tracebacks ``distributed`` logs when its scheduler is already gone."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        client.close()
    finally:
        logging.disable(before)


class WorkerWatch:
    """Counts the time a cluster has been without live workers; stops the batch past the bound.

    Parameters
    ----------
    client
        The ``distributed.Client``.
    timeout
        Seconds without a live worker before :meth:`check` raises.
    notify
        Called with a line for the user when the cluster is found without workers (once per loss).
    """

    def __init__(self, client: Any, *, timeout: float, notify: Notify | None = None) -> None:
        self.client = client
        self.timeout = timeout
        self.notify = notify
        self.since: float | None = None

    def live_workers(self) -> int | None:
        """Workers the scheduler knows now; None if the scheduler does not answer."""
        try:
            return len(self.client.nthreads())
        except (OSError, TimeoutError, RuntimeError):  # RuntimeError: the client has closed its connections
            return None

    def progressed(self) -> None:
        """A run finished: the cluster has workers (a later loss gets the whole ``timeout`` again)."""
        self.since = None

    def check(self) -> None:
        """Note whether the cluster has workers; raise when it has had none for ``timeout`` seconds.

        Raises
        ------
        StalledError
            After ``timeout`` seconds without a live worker (or without an answer from the scheduler).
        """
        live = self.live_workers()
        if live:
            self.since = None
            return
        what = (f"no live Dask workers at {self.address()}" if live is not None
                else f"no answer from the Dask scheduler at {self.address()}")
        now = time.monotonic()
        if self.since is None:
            self.since = now
            if self.notify is not None:
                self.notify(f"{what}; the batch stops in {self.timeout:g} s unless one joins")
        if now - self.since >= self.timeout:
            msg = f"{what} for {self.timeout:g} s (--no-workers-timeout)"
            raise StalledError(msg)

    def address(self) -> str:
        """The scheduler's address, for messages."""
        return str(getattr(self.client.scheduler, "address", "the scheduler"))


def run_dask(tasks: Iterator[RunTask], handle: Handler, client: Any, *,
             no_workers_s: float = NO_WORKERS_TIMEOUT_S, notify: Notify | None = None) -> None:
    """Run every task on the cluster of ``client``, calling ``handle`` with each outcome as it finishes.

    Raises
    ------
    StalledError
        When the cluster has had no live worker for ``no_workers_s`` seconds (the
        runs that finished are handed over first; the others are cancelled).
    """
    from simulator.batch.worker import execute_run

    watch = WorkerWatch(client, timeout=no_workers_s, notify=notify)
    threads = sum(client.nthreads().values())
    window = max(threads * IN_FLIGHT_PER_THREAD, MIN_IN_FLIGHT)
    running: dict[str, RunTask] = {}
    finished: queue.Queue[Any] = queue.Queue()
    futures: dict[str, Any] = {}

    def submit(batch: list[RunTask]) -> None:
        for task in batch:
            key = f"saferoute-run-{task.run_id}"
            running[key] = task
            future = client.submit(execute_run, task, key=key, pure=False, retries=0)
            futures[key] = future
            future.add_done_callback(finished.put)

    submit(take(tasks, window))
    try:
        while running:
            try:
                future = finished.get(timeout=CHECK_S)
            except queue.Empty:
                watch.check()
                continue
            watch.progressed()
            task = running.pop(future.key)
            del futures[future.key]
            outcome = _outcome(future, task, watch)
            future.release()
            handle(outcome)
            submit(take(tasks, window - len(running)))
    except (KeyboardInterrupt, StalledError):
        _stop(client, list(futures.values()), running, handle)
        raise


def _outcome(future: Any, task: RunTask, watch: WorkerWatch) -> RunOutcome:
    """The run's outcome; its error if it failed on the cluster."""
    from simulator.batch.worker import RunOutcome

    while True:  # the result lives on a worker: if that worker died meanwhile the run is computed again
        if future.status == "error":
            error = future.exception()
            return RunOutcome(task.run_id, False, f"{type(error).__name__}: {' '.join(str(error).split())}")
        if future.cancelled():  # only the client cancels, when it has lost the scheduler
            msg = f"lost the Dask scheduler at {watch.address()} (the connection closed)"
            raise StalledError(msg)
        try:
            return future.result(timeout=CHECK_S)
        except (TimeoutError, OSError, CancelledError):  # OSError: the connection dropped (cancelled next)
            watch.check()


def _stop(client: Any, futures: list[Any], running: dict[str, RunTask], handle: Handler) -> None:
    """Cancel what has not finished; hand over what has (its result is at hand)."""
    with contextlib.suppress(OSError, TimeoutError, RuntimeError):  # the scheduler may be gone too
        client.cancel([f for f in futures if not f.done()])
    for future in futures:
        if future.status == "finished":
            try:
                outcome = future.result(timeout=CHECK_S)
            except (TimeoutError, OSError, RuntimeError, CancelledError):
                continue  # its worker or the scheduler is gone: the run stays pending
            running.pop(future.key, None)
            handle(outcome)


def take(tasks: Iterator[RunTask], n: int) -> list[RunTask]:
    """The next ``n`` tasks (fewer at the end): what is sent to the workers next."""
    return list(itertools.islice(tasks, max(n, 0)))
