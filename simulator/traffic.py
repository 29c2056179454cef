"""Vehicle streams at crossings: non-homogeneous Poisson arrivals per lane, by thinning.

Vehicles are not agents. Each crossing has, per direction and lane, a Poisson
process of candidate arrivals at the saturation rate, drawn from a generator
seeded by (run seed, crossing id, direction, lane) only. A scenario's volume
profile thins it; its speeds shift a standard-normal draw per vehicle. So every
scenario run with the same seed sees the same candidate vehicles: common random
numbers survive changes of volume, speed and lanes.
"""

from __future__ import annotations

import bisect
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

KMH = 1 / 3.6

RateFn = Callable[[np.ndarray], np.ndarray]
"""Vehicles per second per lane as a function of time (vectorised)."""
SpeedFn = Callable[[np.ndarray], np.ndarray]
"""Mean vehicle speed (m/s) as a function of time (vectorised)."""


@dataclass(frozen=True)
class Stream:
    """All vehicles arriving at one crossing line, merged and sorted by time.

    Attributes are parallel arrays: arrival time ``t`` (s), ``speed`` (m/s),
    ``direction`` (0 or 1), ``lane`` (0 = kerb lane of that direction) and
    ``u_yield``, a uniform number that decides whether the driver yields
    (it yields when ``u_yield < M_y``; the same number in every scenario).
    The streams of one direction and of one lane are cut once and kept with
    the stream they come from (:meth:`of_direction`, :meth:`of_lane`).
    """

    t: np.ndarray
    speed: np.ndarray
    direction: np.ndarray
    lane: np.ndarray
    u_yield: np.ndarray
    _parts: dict[tuple[int, int | None], Stream] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.t.size)

    @cached_property
    def rows(self) -> tuple[array, array, array, array, array]:
        """The columns as flat Python arrays (t, speed, direction, lane, u_yield), for scalar loops.

        A kerb decision looks at a handful of vehicles one by one: an item of
        an :class:`array.array` is a Python float (or int), several times
        quicker to read and combine than a NumPy scalar, with the same IEEE
        value, and the array keeps 8 bytes a value (a list of floats, 32).
        """
        def flat(column: np.ndarray, code: str, dtype: type) -> array:
            return array(code, column.astype(dtype, copy=False).tobytes())

        return (flat(self.t, "d", np.float64), flat(self.speed, "d", np.float64),
                flat(self.direction, "b", np.int8), flat(self.lane, "b", np.int8),
                flat(self.u_yield, "d", np.float64))

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
                      self.lane[keep], self.u_yield[keep])


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
        Candidate rate per lane (veh/s); rates above it are capped.
    start, end
        Time window, s.
    """
    parts: list[tuple[np.ndarray, ...]] = []
    keys: list[tuple[int, int]] = []
    for direction in (0, 1):
        for lane in range(lanes[direction]):
            rng = np.random.default_rng(stream_seed(seed, crossing_id, direction, lane))
            n = rng.poisson(max_rate * (end - start))
            t = np.sort(rng.uniform(start, end, n))
            u_thin = rng.uniform(size=n)
            z = rng.standard_normal(n)
            u_yield = rng.uniform(size=n)
            keep = u_thin * max_rate < np.minimum(rate[direction](t), max_rate)
            t = t[keep]
            speed = mean_speed[direction](t) * (1.0 + speed_cv * np.clip(z[keep], -2.5, 2.5))
            parts.append((t, np.maximum(speed, 1.0), np.full(t.size, direction, np.int8),
                          np.full(t.size, lane, np.int8), u_yield[keep]))
            keys.append((direction, lane))
    if not parts:
        empty = np.empty(0)
        return Stream(empty, empty, empty.astype(np.int8), empty.astype(np.int8), empty)
    cols = [np.concatenate(col) for col in zip(*parts, strict=True)]
    order = np.argsort(cols[0], kind="stable")
    times, speeds, directions, lanes_, u_yield = (col[order] for col in cols)
    stream = Stream(times, speeds, directions, lanes_, u_yield)
    for key, part in zip(keys, parts, strict=True):  # each lane is already in time order
        at, v, d, k, u = part
        stream._parts[key] = Stream(at, v, d, k, u)
    return stream


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
