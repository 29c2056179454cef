"""Progress of a batch on stderr: a bar on a terminal, plain lines in logs, or quiet.

On a terminal the bar is redrawn in place::

    [##########··········] 45/90 runs · 2 failed · 0:01:23 elapsed · ~0:01:40 left

When stderr is not a terminal (a log file, a cluster job, a pipe) the same
text is printed as a line every :data:`LOG_EVERY_S` seconds (``every``;
0: a line per finished run, which a program reading the pipe can wait on),
and after the last run. ``quiet`` prints only the start, each failed run,
notes (a cluster without workers) and the end; ``silent`` prints nothing.
The time left is estimated from the runs finished in this session (runs
skipped as already done are not counted in the rate).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 20
REDRAW_S = 0.2
LOG_EVERY_S = 30.0


def clock(seconds: float) -> str:
    """``h:mm:ss``."""
    s = max(round(seconds), 0)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Counts of a batch and their display.

    Parameters
    ----------
    total
        Runs in the sweep.
    done
        Runs already finished before this session (skipped).
    quiet
        Only the start, failures and the end.
    silent
        Nothing at all (the Python API's default).
    every
        Seconds between plain progress lines when ``stream`` is not a terminal (0: one per finished run).
    stream
        Where to write (default stderr).
    """

    def __init__(self, total: int, *, done: int = 0, quiet: bool = False, silent: bool = False,
                 every: float = LOG_EVERY_S, stream: TextIO | None = None) -> None:
        self.total = total
        self.silent = silent
        self.skipped = done
        self.done = done
        self.failed = 0
        self.quiet = quiet
        self.every = every
        self.stream = stream if stream is not None else sys.stderr
        self.bar = not (quiet or silent) and _is_terminal(self.stream)
        self.started = time.monotonic()
        self._drawn = float("-inf")  # the first finished run is shown
        self._drawn_width = 0

    def start(self, where: str) -> None:
        """Say what is about to run."""
        todo = self.total - self.done
        self._line(f"batch: {self.total} runs, {self.done} already done, {todo} to run on {where}")

    def finished(self, ok: bool, *, label: str = "", error: str = "") -> None:
        """Count one run; print its error if it failed."""
        if ok:
            self.done += 1
        else:
            self.failed += 1
            self._line(f"batch: run failed ({label}): {error}")
        self._show()

    def note(self, text: str) -> None:
        """A line about the batch as a whole (printed unless silent, even when quiet)."""
        self._line(f"batch: {text}")

    def close(self, *, end: str = "finished") -> None:
        """The last line: how the batch ended (finished, interrupted, stopped), counts and times."""
        self._clear()
        pending = self.total - self.done - self.failed
        took = clock(time.monotonic() - self.started)
        self._write(f"batch {end}: {self.done}/{self.total} runs done, {self.failed} failed, "
                    f"{pending} pending ({took})\n")

    def text(self) -> str:
        """The status text: counts, elapsed and estimated time left."""
        elapsed = time.monotonic() - self.started
        finished = self.done + self.failed
        ran = finished - self.skipped
        left = self.total - finished
        eta = f"~{clock(elapsed / ran * left)} left" if ran and left else ("done" if not left else "-- left")
        filled = int(WIDTH * finished / self.total) if self.total else WIDTH
        bar = "#" * filled + "·" * (WIDTH - filled)
        return (f"[{bar}] {finished}/{self.total} runs · {self.failed} failed · {clock(elapsed)} elapsed · "
                f"{eta}")

    def _show(self) -> None:
        now = time.monotonic()
        last = self.done + self.failed == self.total
        if self.bar:
            if now - self._drawn >= REDRAW_S or last:
                text = self.text()
                self._write("\r" + text.ljust(self._drawn_width))
                self._drawn_width = len(text)
                self._drawn = now
        elif not self.quiet and (now - self._drawn >= self.every or last):
            self._write(f"batch: {self.text()}\n")
            self._drawn = now

    def _line(self, text: str) -> None:
        self._clear()
        self._write(text + "\n")

    def _clear(self) -> None:
        if self.bar and self._drawn_width:
            self._write("\r" + " " * self._drawn_width + "\r")
            self._drawn_width = 0

    def _write(self, text: str) -> None:
        if self.silent:
            return
        self.stream.write(text)
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
