"""The size of a sweep, counted before anything is expanded: networks x scenarios x seeds.

A grid of a million combinations is refused from the lengths of its value
lists, before any combination is built or validated; a map's ``schools: all``
is counted once the map has been read (until then a map entry naming
schools counts as at least one network). Sweeps of more than :data:`simulator.limits.MAX_RUNS`
runs need ``--yes`` on the command line or ``confirm_large: true`` in the sweep file.
"""

from __future__ import annotations

import math

from simulator.batch.sweep import Sweep
from simulator.limits import MAX_RUNS, check_count

LIFT = "add --yes, or confirm_large: true in the sweep file, for a real large job"


def scenario_count(sweep: Sweep) -> int:
    """Scenarios of the sweep: each grid counts the product of its axes' value lists."""
    return sum(math.prod(len(values) for _, values in entry.grid or ()) for entry in sweep.scenarios)


def check_runs(sweep: Sweep, origin: str, *, networks: int | None = None, force: bool = False) -> int:
    """The sweep's number of runs, refused above :data:`simulator.limits.MAX_RUNS` unless lifted.

    Parameters
    ----------
    sweep
        The validated sweep file.
    origin
        The sweep file, for the message.
    networks
        The number of networks once maps are read (default: one per entry, a lower bound if an
        entry names schools on a map).
    force
        ``--yes`` was given (``confirm_large: true`` in the file lifts the bound too).

    Raises
    ------
    TooLargeError
        Naming the counts and how to lift the bound.
    """
    counted = networks if networks is not None else len(sweep.networks)
    exact = networks is not None or all(entry.schools is None for entry in sweep.networks)
    scenarios, seeds = scenario_count(sweep), len(sweep.seeds)
    runs = counted * scenarios * seeds
    some = "" if exact else "at least "
    option = (f"{origin}: runs ({some}{_plural(counted, 'network')} x {_plural(scenarios, 'scenario')} x "
              f"{_plural(seeds, 'seed')})")
    return check_count(runs, option=option, limit=MAX_RUNS, force=force or sweep.confirm_large, lift=LIFT)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
