"""Vehicle streams at crossings: non-homogeneous Poisson arrivals per lane, by thinning.

Vehicles are not agents. Each crossing has, per direction and lane, a Poisson
process of candidate arrivals at the saturation rate, drawn from a generator
seeded by (run seed, crossing id, direction, lane) only. A scenario's volume
profile thins it; its speeds shift a standard-normal draw per vehicle. So every
scenario run with the same seed sees the same candidate vehicles: common random
numbers survive changes of volume, speed and lanes.

Two-wheelers (e-bikes 电动自行车 and bicycles) are vehicles of their own kind
(:data:`KINDS`) in the kerb lane (lane 0) of each direction: where a
非机动车道 is, or the kerb lane they share with cars (in Guangzhou three
quarters of e-bike accidents were in motor-vehicle lanes, mostly where no
separated lane exists; docs/research/arrival-modes.md section 2). The
two-wheelers of each direction have their own candidates, from a generator
no car lane uses (:data:`RIDER_LANE`), thinned by their own rates (e-bikes
first, then bicycles), with speeds around each kind's own mean.
So adding, removing or changing two-wheelers never moves a car: every car draw
is what it would be without them, and with no two-wheeler flow the stream is
the cars' stream, value for value.

A rider yields to a walker less often than a driver: with probability
min(1, ratio x M_y), M_y being the drivers' yield rate in the same situation
(:class:`TwoWheelerFlow`). The stream stores ``u / ratio`` for a rider, so the
kerb decision's one test ``u_yield < M_y`` serves both kinds.
"""

from __future__ import annotations

import bisect
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.kept import BySeed

KMH = 1 / 3.6

RateFn = Callable[[np.ndarray], np.ndarray]
"""Vehicles per second per lane as a function of time (vectorised)."""
SpeedFn = Callable[[np.ndarray], np.ndarray]
"""Mean vehicle speed (m/s) as a function of time (vectorised)."""

MOTOR, EBIKE, BICYCLE = 0, 1, 2
"""Vehicle kinds (the ``kind`` column of a :class:`Stream`)."""
KINDS = ("motor", "ebike", "bicycle")
"""Kind names by code."""
RIDERS = (EBIKE, BICYCLE)
"""The two-wheeler kinds, in the order of :class:`TwoWheelerFlow`'s tuples."""
RIDER_LANE = 1000
"""Lane code in the seed material of a direction's two-wheelers (no road has 1,000 lanes)."""


@dataclass(frozen=True)
class TwoWheelerFlow:
    """The two-wheelers of one crossing: per kind (e-bike, bicycle) and direction, rates and speeds.

    Attributes
    ----------
    rate
        Per kind (:data:`RIDERS` order), per direction: two-wheelers per
        second at time t, all in the kerb lane (lane 0) of the direction.
    mean_speed
        Per kind: mean speed, m/s (their own: a lower posted limit for cars
        does not slow them).
    speed_cv
        Coefficient of variation of their speeds (normal, cut at ±2.5 sd).
    yield_ratio
        A rider yields with probability min(1, ``yield_ratio`` x M_y), M_y
        the drivers' rate in the same situation (no observed rider rate was
        found: docs/research/arrival-modes.md section 2.1).
    """

    rate: tuple[tuple[RateFn, RateFn], tuple[RateFn, RateFn]]
    mean_speed: tuple[float, float]
    speed_cv: float
    yield_ratio: float


Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A stream's columns (t, speed, direction, lane, u_yield, kind) and the bounds of its lanes."""


@dataclass(frozen=True)
class Stream:
    """All vehicles arriving at one crossing line, merged and sorted by time.

    Attributes are parallel arrays: arrival time ``t`` (s), ``speed`` (m/s),
    ``direction`` (0 or 1), ``lane`` (0 = kerb lane of that direction),
    ``u_yield``, a uniform number that decides whether the driver yields
    (it yields when ``u_yield < M_y``; the same number in every scenario;
    a rider's is divided by the yield ratio, see :class:`TwoWheelerFlow`), and
    ``kind`` (:data:`KINDS`; all motor vehicles when not given).
    The streams of one direction and of one lane are cut once and kept with
    the stream they come from (:meth:`of_direction`, :meth:`of_lane`).
    """

    t: np.ndarray
    speed: np.ndarray
    direction: np.ndarray
    lane: np.ndarray
    u_yield: np.ndarray
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    _parts: dict[tuple[int, int | None], Stream] = field(default_factory=dict, compare=False, repr=False)
    _orders: dict[tuple[tuple[int, int], ...], Columns] = field(
        default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind.size != self.t.size:
            if self.kind.size:
                msg = f"a stream of {self.t.size} vehicles has {self.kind.size} kinds"
                raise ValueError(msg)
            object.__setattr__(self, "kind", np.zeros(self.t.size, np.int8))

    def __len__(self) -> int:
        return int(self.t.size)

    def in_lanes(self, order: tuple[tuple[int, int], ...]) -> Columns:
        """The vehicles of these lanes, lane after lane (each in time order), and where each lane starts.

        Returns the columns (t, speed, direction, lane, u_yield, kind) and the
        bounds: lane i's vehicles are rows ``bounds[i]`` to ``bounds[i + 1]``
        (cut once per order, then kept).
        """
        if order not in self._orders:
            parts = [self.of_lane(d, k) for d, k in order]
            columns = [np.concatenate([getattr(p, name) for p in parts])
                       for name in ("t", "speed", "direction", "lane", "u_yield", "kind")]
            t, speed, direction, lane, u_yield, kind = columns
            self._orders[order] = (t, speed, direction, lane, u_yield, kind,
                                   np.cumsum([0, *(len(p) for p in parts)]))
        return self._orders[order]

    def of_direction(self, direction: int) -> Stream:
        """The vehicles of one direction (cut once, then kept)."""
        key = (direction, None)
        if key not in self._parts:
            self._parts[key] = self.only(direction)
        return self._parts[key]

    def of_lane(self, direction: int, lane: int) -> Stream:
        """The vehicles of one lane of one direction (cut once, then kept)."""
        key = (direction, lane)
        if key not in self._parts:
            self._parts[key] = self.of_direction(direction).only_lane(lane)
        return self._parts[key]

    def only(self, direction: int) -> Stream:
        """The vehicles of one direction."""
        return self._subset(self.direction == direction)

    def only_lane(self, lane: int) -> Stream:
        """The vehicles of one lane number (use on a one-direction stream)."""
        return self._subset(self.lane == lane)

    def _subset(self, keep: np.ndarray) -> Stream:
        return Stream(self.t[keep], self.speed[keep], self.direction[keep],
                      self.lane[keep], self.u_yield[keep], self.kind[keep])


def stream_seed(seed: int, crossing_id: str, direction: int, lane: int) -> list[int]:
    """Seed material for one lane's candidate vehicles (independent of the scenario)."""
    return [int(seed), zlib.crc32(crossing_id.encode("utf-8")), direction, lane]


def make_stream(
    *,
    seed: int,
    crossing_id: str,
    lanes: tuple[int, int],
    rate: tuple[RateFn, RateFn],
    mean_speed: tuple[SpeedFn, SpeedFn],
    speed_cv: float,
    max_rate: float,
    start: float,
    end: float,
    twowheelers: TwoWheelerFlow | None = None,
) -> Stream:
    """Draw the vehicles of one crossing over ``[start, end)``.

    Parameters
    ----------
    seed
        Run seed.
    crossing_id
        Stable crossing id (part of the stream's seed).
    lanes
        Lanes per direction.
    rate
        Per direction, vehicles per second **per lane** at time t.
    mean_speed
        Per direction, mean speed (m/s) at time t.
    speed_cv
        Coefficient of variation of speeds (normal, truncated at ±2.5 sd).
    max_rate
        Candidate rate per lane (veh/s); rates above it are capped. The
        two-wheelers of a direction have candidates at this rate too.
    start, end
        Time window, s.
    twowheelers
        E-bikes and bicycles in the kerb lane of each direction that has
        lanes (None: none). Their candidates come from their own generator,
        so the cars are the same with or without them.
    """
    parts: list[tuple[np.ndarray, ...]] = []
    keys: list[tuple[int, int]] = []
    for direction in (0, 1):
        for lane in range(lanes[direction]):
            rng = np.random.default_rng(stream_seed(seed, crossing_id, direction, lane))
            t, speed, u_yield = _thinned(rng, rate[direction], mean_speed[direction], speed_cv, max_rate,
                                         start, end)
            parts.append((t, speed, np.full(t.size, direction, np.int8), np.full(t.size, lane, np.int8),
                          u_yield, np.zeros(t.size, np.int8)))
            keys.append((direction, lane))
    riders = [] if twowheelers is None else _riders(
        twowheelers, seed=seed, crossing_id=crossing_id, lanes=lanes, max_rate=max_rate, start=start, end=end)
    if not parts:
        empty = np.empty(0)
        return Stream(empty, empty, empty.astype(np.int8), empty.astype(np.int8), empty)
    cols = [np.concatenate(col) for col in zip(*parts, *(r for _, r in riders), strict=True)]
    order = np.argsort(cols[0], kind="stable")
    stream = _stream([col[order] for col in cols])
    for key, part in zip(keys, parts, strict=True):  # each lane is already in time order
        direction, lane = key
        own = [r for d, r in riders if lane == 0 and d == direction]
        if own:  # the kerb lane with its two-wheelers, merged in time order
            merged = [np.concatenate(col) for col in zip(part, *own, strict=True)]
            at = np.argsort(merged[0], kind="stable")
            stream._parts[key] = _stream([col[at] for col in merged])
        else:
            stream._parts[key] = _stream(list(part))
    return stream


RECENT_LIMIT = 4096
"""At most this many streams are kept, over every seed (a city map's crossings, or a district's for a
dozen seeds); past it the seeds run least recently are dropped, and the latest seed's drawn anew."""
_RECENT: BySeed[Stream] = BySeed(budget=RECENT_LIMIT)
"""Streams drawn in this process, by seed and every input of :func:`make_stream`."""


def recent_stream(*, seeds: int = 1, **inputs: Any) -> Stream:
    """:func:`make_stream` of ``inputs``, drawn once per seed in this process.

    Runs of several scenarios with one seed meet the same vehicles wherever
    a crossing's traffic is the same (common random numbers), so a stream
    drawn for one scenario serves the next: the key is every input (the
    rate and speed functions are frozen dataclasses, equal when their values
    are). The streams of the ``seeds`` seeds run most recently are kept
    (:mod:`simulator.kept`; one, the latest, for :func:`simulator.runs.run_many`,
    which runs seed by seed); an input that cannot be a key is drawn anew. A
    kept stream is never changed (its parts are cut once, :meth:`Stream.of_lane`).
    """
    seed = inputs["seed"]
    key = tuple(sorted(inputs.items()))
    try:
        kept = _RECENT.get(seed, key)
    except TypeError:  # a function that is not a frozen dataclass
        return make_stream(**inputs)
    if kept is None:
        kept = make_stream(**inputs)
        _RECENT.put(seed, key, kept, seeds=seeds, most=RECENT_LIMIT)
    return kept


def _stream(cols: list[np.ndarray]) -> Stream:
    """A stream from its columns in order: t, speed, direction, lane, u_yield, kind."""
    t, speed, direction, lane, u_yield, kind = cols
    return Stream(t, speed, direction, lane, u_yield, kind)


def _thinned(rng: np.random.Generator, rate: RateFn, mean_speed: SpeedFn, speed_cv: float,
             max_rate: float, start: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival times, speeds and yield numbers of one generator's vehicles, thinned to ``rate``.

    The draws are made in one order (count, times, thinning numbers, speed
    normals, yield numbers), whatever the rate, so the kept vehicles of a
    lower rate are a subset of those of a higher one.
    """
    n = rng.poisson(max_rate * (end - start))
    t = np.sort(rng.uniform(start, end, n))
    u_thin = rng.uniform(size=n)
    z = rng.standard_normal(n)
    u_yield = rng.uniform(size=n)
    keep = u_thin * max_rate < np.minimum(rate(t), max_rate)
    t = t[keep]
    speed = mean_speed(t) * (1.0 + speed_cv * np.clip(z[keep], -2.5, 2.5))
    return t, np.maximum(speed, 1.0), u_yield[keep]


def _riders(flow: TwoWheelerFlow, *, seed: int, crossing_id: str, lanes: tuple[int, int], max_rate: float,
            start: float, end: float) -> list[tuple[int, tuple[np.ndarray, ...]]]:
    """The two-wheelers of each direction with lanes: the direction and its stream columns (lane 0).

    One generator per direction draws candidates at ``max_rate``; a candidate
    whose thinning number falls below the bicycle rate is a bicycle, below the
    bicycle plus the e-bike rate an e-bike (together capped at ``max_rate``).
    Bicycles come first because their rate is the streets' own: a lever that
    changes the parents' e-bikes then adds or removes e-bikes only, and turns
    no bicycle into an e-bike (common random numbers).
    A rider's yield number is ``u / yield_ratio``, so that ``u_yield < M_y``
    holds with probability min(1, ratio x M_y); with ratio 0 it never holds.
    """
    out: list[tuple[int, tuple[np.ndarray, ...]]] = []
    ebike_speed, bicycle_speed = flow.mean_speed
    for direction in (0, 1):
        if lanes[direction] == 0:
            continue
        rng = np.random.default_rng(stream_seed(seed, crossing_id, direction, RIDER_LANE))
        n = rng.poisson(max_rate * (end - start))
        t = np.sort(rng.uniform(start, end, n))
        u_thin = rng.uniform(size=n) * max_rate
        z = rng.standard_normal(n)
        u_yield = rng.uniform(size=n)
        bicycle = flow.rate[1][direction](t)
        bicycles = u_thin < np.minimum(bicycle, max_rate)
        keep = bicycles | (u_thin < np.minimum(bicycle + flow.rate[0][direction](t), max_rate))
        ebikes = ~bicycles[keep]
        mean = np.where(ebikes, ebike_speed, bicycle_speed)
        speed = np.maximum(mean * (1.0 + flow.speed_cv * np.clip(z[keep], -2.5, 2.5)), 1.0)
        u = u_yield[keep] / flow.yield_ratio if flow.yield_ratio > 0 else np.full(ebikes.size, math.inf)
        kind = np.where(ebikes, EBIKE, BICYCLE).astype(np.int8)
        out.append((direction, (t[keep], speed, np.full(kind.size, direction, np.int8),
                                np.zeros(kind.size, np.int8), u, kind)))
    return out


@dataclass(frozen=True)
class PiecewiseLinear:
    """A vectorised piecewise-linear function of time, constant beyond its ends (picklable)."""

    times: tuple[float, ...]
    values: tuple[float, ...]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.times, self.values)

    def at(self, t: float) -> float:
        """The value at one time (without numpy's per-call cost)."""
        x, y = self.times, self.values
        if t <= x[0]:
            return y[0]
        if t >= x[-1]:
            return y[-1]
        i = bisect.bisect_right(x, t)
        return y[i - 1] + (y[i] - y[i - 1]) * (t - x[i - 1]) / (x[i] - x[i - 1])


@dataclass(frozen=True)
class Constant:
    """A vectorised constant function of time (picklable)."""

    value: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.full(np.shape(t), float(self.value))

    def at(self, t: float) -> float:
        """The value at one time."""
        return float(self.value)


def piecewise_linear(times, values) -> PiecewiseLinear:
    """A piecewise-linear function through (times, values)."""
    return PiecewiseLinear(tuple(float(x) for x in times), tuple(float(x) for x in values))


def constant(value: float) -> Constant:
    """A constant function of time."""
    return Constant(float(value))
