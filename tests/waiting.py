"""Waiting for a subprocess by what it says, never by sleeping: lines of its output pipe as they come.

A :class:`LineReader` drains a text pipe (``Popen(..., stdout=PIPE, text=True)``)
in a daemon thread, so the child never blocks on a full pipe, and keeps every
line. :meth:`LineReader.wait_for` returns as soon as a line satisfies a
predicate; its bound (seconds) only ends a real hang, and the failure shows
everything read so far. This module is the only place in the tests that
holds a bound in seconds.

Example::

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = LineReader(proc.stdout)
    out.wait_for(lambda line: "listening on" in line, bound_s=120)
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import IO

__all__ = ["LineReader", "NotSeenError"]


class NotSeenError(AssertionError):
    """The line waited for did not come: the pipe closed first, or the bound passed."""


class LineReader:
    """The lines of a text pipe, read by a thread as they come.

    Parameters
    ----------
    pipe
        A text-mode pipe (e.g. ``proc.stdout`` of ``Popen(..., text=True)``);
        read to its end and closed by the thread.
    """

    def __init__(self, pipe: IO[str]) -> None:
        self._lines: list[str] = []
        self._fresh: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: IO[str]) -> None:
        try:
            for line in pipe:
                with self._lock:
                    self._lines.append(line)
                self._fresh.put(line)
        finally:
            pipe.close()
            self._fresh.put(None)  # the end of the pipe

    def wait_for(self, predicate: Callable[[str], bool], *, bound_s: float) -> str:
        """Read lines until one satisfies ``predicate``.

        Parameters
        ----------
        predicate
            Called on each line not yet read by an earlier ``wait_for`` (with its newline).
        bound_s
            Give up after this many seconds: set it far above the usual wait,
            so that only a hang reaches it.

        Returns
        -------
        str
            The lines read by this call, the matching one last.

        Raises
        ------
        NotSeenError
            If the pipe ends or ``bound_s`` passes first; the message holds
            all text read so far.
        """
        deadline = time.monotonic() + bound_s
        read: list[str] = []
        while not self._closed:
            left = deadline - time.monotonic()
            try:
                line = self._fresh.get(timeout=max(left, 0.0)) if left > 0 else self._fresh.get_nowait()
            except queue.Empty:
                msg = f"no matching line within {bound_s:g} s; read so far:\n{self.text()}"
                raise NotSeenError(msg) from None
            if line is None:
                self._closed = True
                break
            read.append(line)
            if predicate(line):
                return "".join(read)
        msg = f"the pipe closed without a matching line; read:\n{self.text()}"
        raise NotSeenError(msg)

    def text(self) -> str:
        """Everything read from the pipe so far (the thread keeps reading after ``wait_for``)."""
        with self._lock:
            return "".join(self._lines)
