"""How each child reaches the school: on foot, on a parent's e-bike, by car, by bus or by school bus.

A child's arrival mode depends on the distance from home to school. The
share who walk (alone or with an adult, as :mod:`simulator.population`
draws) falls with the home's shortest walking distance ``d`` as a logistic,
``1 / (1 + exp((d - d50) / scale))`` (``mode.walk_distance_*``, fitted to the
walk share by distance band of an English sample: no Chinese curve was found).
The children who do not walk ride pillion on a parent's e-bike (电动自行车),
are driven, or take a public bus, in the relative shares of the Chinese
surveys (``mode.motorised_weights``); nobody takes a bus for less than
``mode.bus_min_distance``, nor where no bus stop is near the school. A
school bus (校车), where a scenario runs one, carries a share of the children
who would otherwise be driven or carried on an e-bike.

A child's mode is drawn once per run from uniform numbers of the population
(:class:`simulator.population.Children`; an exponential race among the
motorised modes, :meth:`ModeChoice.draw`): the same children keep their
modes from scenario to scenario, and a lever moves only the children it
concerns (common random numbers). Siblings travel together, in the mode of
the eldest.

What each mode means for the walk: a walking child walks from home; a bus
pupil from the bus stop where the bus sets it down, at the time of the last
bus that lets it keep its planned arrival (``transit.bus_headway``); a car or
e-bike pupil from where the parent stops at the gate (:mod:`simulator.gate`);
a school-bus pupil from the school-bus stop (at the gate by default). The ride
itself is not simulated: a pupil on a parent's e-bike is exposed to the
e-bike's own crash risk, which this model does not estimate (children riding
or carried on e-bikes were 20.4% of child traffic injuries in a six-province
count: docs/research/arrival-modes.md).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.params import Parameters

MODES: tuple[str, ...] = ("walk", "bus", "ebike", "car", "school_bus")
"""How a party reaches the school's streets, in the order the uniform draw is cut."""
DRIVEN: frozenset[str] = frozenset({"ebike", "car"})
"""Modes whose parent stops at the gate."""
TRIP_MODES: tuple[str, ...] = ("walk_alone", "walk_escorted", "ebike", "car", "bus", "school_bus")
"""The ``arrival_mode`` column of the trip table: walkers split by whether an adult walks with them."""
GATE_STOP = "gate"
"""The school-bus stop at the gate itself (its pupils walk straight in)."""


@dataclass(frozen=True)
class ModeChoice:
    """The arrival-mode shares of a scenario (parameters, changed by its levers).

    Attributes
    ----------
    walk_d50, walk_scale
        Distance (m) at which half the children walk, and the logistic's scale (m).
    weights
        Relative shares of ``ebike``, ``car`` and ``bus`` among those who do not walk.
    bus_min
        Shortest home distance (m) from which a bus is taken.
    school_bus_share
        Share of the children who would be driven or carried on an e-bike who
        take the school bus instead (0: no school bus).
    school_bus_stop
        Where the school bus sets its pupils down: :data:`GATE_STOP` or a bus-stop id.
    """

    walk_d50: float
    walk_scale: float
    weights: Mapping[str, float]
    bus_min: float
    school_bus_share: float = 0.0
    school_bus_stop: str = GATE_STOP

    @classmethod
    def from_params(cls, params: Parameters) -> ModeChoice:
        """The shares of the parameter table (no school bus)."""
        return cls(walk_d50=1000.0 * params["mode.walk_distance_d50"],
                   walk_scale=1000.0 * params["mode.walk_distance_scale"],
                   weights=dict(params["mode.motorised_weights"]),
                   bus_min=1000.0 * params["mode.bus_min_distance"])

    def probabilities(self, distance: float, *, bus: bool) -> dict[str, float]:
        """P(mode) for a home ``distance`` metres from school (``bus``: a stop is near the school).

        The school bus's pupils are taken from the e-bike and car shares.
        """
        walk = 1.0 / (1.0 + math.exp((distance - self.walk_d50) / max(self.walk_scale, 1e-9)))
        weights = {m: float(self.weights.get(m, 0.0)) for m in ("bus", "ebike", "car")}
        if not bus or distance < self.bus_min:
            weights["bus"] = 0.0
        total = sum(weights.values())
        if total <= 0:
            walk = 1.0
        out = {"walk": walk} | {m: (1.0 - walk) * w / total if total > 0 else 0.0 for m, w in weights.items()}
        out["school_bus"] = self.school_bus_share * (out["ebike"] + out["car"])
        out["ebike"] *= 1.0 - self.school_bus_share
        out["car"] *= 1.0 - self.school_bus_share
        return out

    def draw(self, probabilities: Mapping[str, float], u_mode: float, u_race: Sequence[float],
             u_shift: float) -> str:
        """The mode a child's uniform numbers pick from a home's :meth:`probabilities`.

        ``u_mode`` below P(walk) walks. The others race: each motorised mode m
        (bus, e-bike, car) gets the time -ln(u_m) / w_m from its own uniform
        and weight, and the first wins (an exponential race: P(m) = w_m / sum w).
        ``u_shift`` below the school-bus share moves a driven child onto the
        school bus. So each lever moves only the children it concerns: a
        walking distance only those near the walk boundary, a lower car share
        only car pupils (to their next mode), a school bus only driven pupils.
        """
        if u_mode < probabilities["walk"]:
            return "walk"
        weights = {m: float(self.weights.get(m, 0.0)) for m in ("bus", "ebike", "car")}
        if probabilities["bus"] <= 0:
            weights["bus"] = 0.0
        times = {m: -math.log(max(u, 1e-300)) / w for (m, w), u in zip(weights.items(), u_race, strict=True)
                 if w > 0}
        mode = min(times, key=times.__getitem__) if times else "walk"
        if mode in DRIVEN and u_shift < self.school_bus_share:
            return "school_bus"
        return mode


def expected_share(by_home: Mapping[str, Mapping[str, float]], weights: Mapping[str, float],
                   mode: str) -> dict[str, float]:
    """Each home's expected share of the school's children who arrive by ``mode`` (weights normalised)."""
    total = sum(float(weights.get(h, 1.0)) for h in by_home) or 1.0
    return {h: float(weights.get(h, 1.0)) / total * p[mode] for h, p in by_home.items()}


@dataclass(frozen=True)
class Buses:
    """Public buses setting pupils down near the school: one line per stop, at a fixed headway.

    A stop's buses come every ``headway`` seconds from an offset drawn from
    the stop's id (not from the run seed: the timetable is the same every
    morning and in every scenario).
    """

    headway: float
    offsets: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def for_stops(cls, stops: list[str], *, params: Parameters) -> Buses:
        """The buses of ``stops`` with the parameter table's headway."""
        headway = 60.0 * params["transit.bus_headway"]
        return cls(headway, {s: float(zlib.crc32(s.encode("utf-8")) % max(int(headway), 1)) for s in stops})

    def alight(self, stop: str, latest: float) -> float:
        """When a pupil who wants to leave ``stop`` by ``latest`` (model s) is set down there."""
        offset = self.offsets.get(stop, 0.0)
        return offset + math.floor((latest - offset) / self.headway) * self.headway


def alighting_stop(home: tuple[float, float], stops: Mapping[str, tuple[float, float]],
                   sides: Mapping[str, tuple[tuple[float, float], int]], *, pair: float) -> str | None:
    """The stop where a bus from ``home``'s side of town sets its pupils down.

    Among the stops within ``pair`` metres of the one nearest the home (both
    sides of the road), the one on the right of the bus's travel: the bus
    comes along the road from the home's side, and traffic drives on the
    right. Without a heading for a stop (``sides``), the nearest one.
    """
    if not stops:
        return None
    ids = list(stops)
    xy = np.array([stops[s] for s in ids], float)
    d = np.hypot(xy[:, 0] - home[0], xy[:, 1] - home[1])
    near = [ids[i] for i in np.argsort(d, kind="stable") if d[i] <= d.min() + pair]
    for stop in near:
        if stop not in sides:
            continue
        (tx, ty), kerb = sides[stop]
        along = (stops[stop][0] - home[0]) * tx + (stops[stop][1] - home[1]) * ty
        if (1 if along >= 0 else -1) == kerb:  # travelling along the heading, it stops at kerb +1
            return stop
    return near[0]
