"""What a process keeps of the seeds it has run: vehicle streams and kerb decisions, by seed.

Scenarios compared under common random numbers meet, with one seed, the same
vehicles, and make the same kerb decisions wherever a measure changes
nothing. A process that runs them seed by seed (:func:`simulator.runs.run_many`)
draws and decides each once for the latest seed; a process that comes back
to the same seeds (a recommender trying one variant after another over the
same seeds, :class:`simulator.recommend.Evaluator`) keeps several seeds.
:class:`BySeed` holds the values of one kind for the seeds run most recently,
within a budget; the seed being run is never dropped for another.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable


class BySeed[V]:
    """Values by seed and key, for the seeds run most recently (safe for models in several threads)."""

    def __init__(self, *, budget: int) -> None:
        self.budget = budget
        """The size (in :meth:`put`'s units) every seed kept may take together."""
        self._values: dict[int, dict[Hashable, V]] = {}  # by seed, the least recently run first
        self._sizes: dict[int, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def get(self, seed: int, key: Hashable) -> V | None:
        """The value kept for ``key`` under ``seed``, or None.

        Raises
        ------
        TypeError
            If ``key`` cannot be hashed.
        """
        values = self._values.get(seed)
        return None if values is None else values.get(key)

    def put(self, seed: int, key: Hashable, value: V, *, seeds: int, most: int, size: int = 1) -> None:
        """Keep ``value`` under ``seed``, with at most ``seeds`` seeds in all.

        The seeds run least recently are dropped past ``seeds`` seeds and
        past the budget; ``seed`` itself keeps at most ``most`` (in ``size``
        units), whatever the budget.
        """
        with self._lock:
            values = self._values.get(seed)
            if values is None or next(reversed(self._values)) != seed:
                values = self._values.pop(seed, {})
                self._values[seed] = values  # now the most recently run
                self._sizes[seed] = self._sizes.pop(seed, 0)
                while len(self._values) > max(seeds, 1):
                    self._drop_oldest()
            if self._sizes[seed] + size > most:
                return
            values[key] = value
            self._sizes[seed] += size
            self._total += size
            while self._total > self.budget and len(self._values) > 1:
                self._drop_oldest()

    def _drop_oldest(self) -> None:
        oldest = next(iter(self._values))
        del self._values[oldest]
        self._total -= self._sizes.pop(oldest)

    def seeds(self) -> list[int]:
        """The seeds kept, the least recently run first."""
        return list(self._values)

    def size(self, seed: int) -> int:
        """What ``seed``'s values take (in :meth:`put`'s units)."""
        return self._sizes.get(seed, 0)
