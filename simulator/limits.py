"""Bounds on the work one command may start: workers, seeds, runs, input sizes.

A typo (``--seeds 1000000000``, ``--workers 1000``, a grid of a million
combinations) should be one line of refusal, not a machine brought to its
knees. Each bound names the option that lifts it (``--yes`` on the command
line, ``confirm_large: true`` in a sweep file) for the real large job. These
are guards against mistakes, not behavioural constants: they live here, not
in ``parameters.yaml``.
"""

from __future__ import annotations

import os

from simulator.errors import TooLargeError

MAX_SEEDS = 1_000
"""Replications per scenario without ``--yes`` (a CI on a mean is tight long before this)."""
MAX_RUNS = 20_000
"""Runs (scenarios x seeds, or a sweep's networks x scenarios x seeds) without ``--yes``."""
MAX_YAML_BYTES = 1 << 20
"""A scenario or sweep file is a page of text: 1 MiB is far beyond any real one."""
MAX_YAML_DEPTH = 50
"""Nesting of mappings and lists in a scenario or sweep file."""
MAX_YAML_NODES = 100_000
"""Nodes of a YAML document once aliases are expanded (an alias bomb stops here)."""
MAX_NUMBER_CHARS = 40
"""Characters of one integer in a scenario or sweep file (Python cannot even print 4,300 digits)."""


def machine_cores() -> int:
    """Cores this process may run on (the affinity mask where there is one)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - macOS
        return max(os.cpu_count() or 1, 1)


def check_workers(workers: int, *, option: str = "--workers", force: bool = False) -> int:
    """``workers``, refused below 1 or (unless ``force``) above this machine's cores."""
    if workers < 1:
        msg = f"{option}: {workers} is not allowed (allowed: a whole number >= 1)"
        raise TooLargeError(msg)
    cores = machine_cores()
    if workers > cores and not force:
        msg = (f"{option}: {workers} is not allowed (allowed: 1–{cores}, this machine's cores; "
               f"add --yes to start more processes than cores)")
        raise TooLargeError(msg)
    return workers


def check_count(value: int, *, option: str, limit: int, force: bool = False,
                lift: str = "add --yes for a real large job") -> int:
    """A count such as ``--seeds``: at least 1 and (unless ``force``) at most ``limit``."""
    if value < 1:
        msg = f"{option}: {value} is not allowed (allowed: a whole number >= 1)"
        raise TooLargeError(msg)
    if value > limit and not force:
        msg = f"{option}: {value:,} is not allowed (allowed: 1–{limit:,}; {lift})"
        raise TooLargeError(msg)
    return value
