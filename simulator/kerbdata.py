"""What the kerb decision works on: walkers, the road as met, risk settings and outcomes.

Plain immutable data; the decision itself is in :mod:`simulator.kerb`, which
re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np

from simulator.crossing import Signal
from simulator.harm import Exposure, Judgement
from simulator.params import Parameters
from simulator.risk import Encounter, braking_nodes, injury_model
from simulator.sight import LaneSight
from simulator.traffic import KMH, RateFn, SpeedFn, Stream


@dataclass(frozen=True)
class Walker:
    """How one walker (or a group moving as one) behaves at this kerb.

    Attributes
    ----------
    speed
        Walking speed, m/s.
    startup
        Start-up and clearance time t_s in the critical headway, s.
    gap_factor
        Personal multiplier of the critical headway.
    time_weight
        1 judges gaps by time (adults); 0 purely by distance (young children).
    ref_speed
        Vehicle speed (m/s) at which the distance rule equals the time rule.
    patience
        Wait (s) after which the walker takes risks; ``inf`` never.
    impatient_factor
        Critical-headway multiplier once patience has run out.
    inattentive
        This time the walker does not wait for a safe gap: steps out at the
        first lag of at least ``min_lag``.
    min_lag
        Shortest lag even an inattentive walker accepts, s.
    step_off
        Time from the decision to stepping into the first lane, s.
    lane_margin
        Spare time a walker crossing lane by lane wants beyond crossing the lane, s.
    gap_ratio_min, gap_ratio_max
        Bounds of the distance rule's scaling of the critical headway.
    judgement_sd
        Lognormal spread of the walker's perceived gaps around the true ones.
    """

    speed: float
    startup: float
    gap_factor: float
    time_weight: float
    ref_speed: float
    patience: float
    impatient_factor: float
    inattentive: bool
    min_lag: float
    step_off: float
    lane_margin: float
    gap_ratio_min: float
    gap_ratio_max: float
    judgement_sd: float

    @cached_property
    def lane_by_lane(self) -> Walker:
        """This walker crossing one lane at a time: each lane with its margin, patient and looking."""
        return replace(self, startup=self.step_off + self.lane_margin, patience=math.inf, inattentive=False)

    @cached_property
    def looking_per_lane(self) -> Walker:
        """This walker judging each lane as it reaches it (on the green man), with the lane margin."""
        return replace(self, startup=self.step_off + self.lane_margin)

    @cached_property
    def attentive(self) -> Walker:
        """This walker when it looks (the careful branch)."""
        return replace(self, inattentive=False)

    @cached_property
    def careless(self) -> Walker:
        """This walker when it does not look (the careless branch)."""
        return replace(self, inattentive=True)

    def judgement(self, need: float) -> Judgement:
        """How this walker, needing a gap of ``need`` s, steps out (:class:`simulator.harm.Judgement`)."""
        if self.inattentive:
            return Judgement(need=need, sigma=0.0, min_lag=self.min_lag)
        return Judgement(need=need, sigma=self.judgement_sd, time_weight=self.time_weight,
                         ref_speed=self.ref_speed, ratio_limits=(self.gap_ratio_min, self.gap_ratio_max))


@dataclass(frozen=True)
class Flow:
    """The crossed road's traffic as functions of time: vehicles per second per lane and mean speed (m/s)."""

    rate: tuple[RateFn, RateFn]
    mean_speed: tuple[SpeedFn, SpeedFn]

    def at(self, lanes: list[tuple[int, int]], t: float) -> tuple[np.ndarray, np.ndarray]:
        """Per lane (direction, number): rate and mean speed at time ``t``."""
        rate, speed = self._scalar
        by_direction = ((rate[0](t), speed[0](t)), (rate[1](t), speed[1](t)))
        return (np.array([by_direction[d][0] for d, _ in lanes]),
                np.array([by_direction[d][1] for d, _ in lanes]))

    @cached_property
    def _scalar(self) -> tuple[tuple[Callable[[float], float], ...], tuple[Callable[[float], float], ...]]:
        """Each function at one time: its scalar ``at`` where it has one (the model's functions do)."""
        return tuple(_scalar(fn) for fn in self.rate), tuple(_scalar(fn) for fn in self.mean_speed)


def _scalar(fn: RateFn | SpeedFn) -> Callable[[float], float]:
    at = getattr(fn, "at", None)
    if at is not None:
        return lambda t: float(at(t))
    return lambda t: float(fn(np.array([t]))[0])


@dataclass(frozen=True)
class Road:
    """What the walker faces at this crossing now.

    ``sight``: sight distance (m) from the near kerb to each lane, by
    direction and lane number (:data:`simulator.sight.LaneSight`), for a
    walker who stops at the parked cars' edge to look; ``careless_sight`` for
    one who steps out from behind them (inattentive). None where nothing
    limits it (the default, as in the HCM validation).
    """

    length: float
    lanes: tuple[int, int]
    near: int
    stream: Stream
    yield_rate: float
    signal: Signal | None
    refuge: bool
    stop_reaction: float
    stop_decel: float
    flow: Flow
    sight: LaneSight | None = None
    careless_sight: LaneSight | None = None

    def sight_for(self, walker: Walker) -> LaneSight | None:
        """The sight distances from the kerb for this walker."""
        return self.careless_sight if walker.inattentive else self.sight

    def direction(self, d: int) -> Stream:
        """The stream of one direction."""
        return self.stream.of_direction(d)

    def lane(self, d: int, lane: int) -> Stream:
        """The stream of one lane."""
        return self.stream.of_lane(d, lane)

    def lane_order(self) -> list[tuple[int, int]]:
        """(direction, lane) in the order a walker from the near kerb meets them."""
        far = 1 - self.near
        return [(self.near, k) for k in range(self.lanes[self.near])] + [
            (far, k) for k in reversed(range(self.lanes[far]))
        ]


@dataclass(frozen=True)
class SignalHazards:
    """Vehicles that meet a walker on the green man: red runners, turners, vehicles released late."""

    red_running: float  # share of drivers arriving on red who run it
    turning: float  # turning vehicles that do not yield, as a share of the road's flow
    turn_speed: float  # m/s
    discharge_speed: float  # m/s
    clearance_speed: float  # m/s, the walking speed the clearance interval is timed for


@dataclass(frozen=True)
class Risk:
    """What the walker meets in the carriageway (thresholds, braking, injury, the expected-harm physics)."""

    ttc: float
    pet: float
    drac: float
    exposure: Exposure
    signal: SignalHazards
    surrogates: bool = True
    tables: dict[tuple, Any] = field(default_factory=dict, compare=False, repr=False)
    """Would-be-impact tables computed so far (:func:`simulator.kerbharm._kept`), shared by all crossings."""

    @cached_property
    def expected_only(self) -> Risk:
        """This risk without the sampled surrogates (TTC, PET, conflicts): for branches not walked."""
        return replace(self, surrogates=False)

    @classmethod
    def from_params(cls, params: Parameters, *, tables: dict[tuple, Any] | None = None) -> Risk:
        """Braking, injury curves, conflict thresholds and hazards from the parameter table.

        ``tables``: would-be-impact tables already built with these parameters, to share.
        """
        shares = params["child.response_shares"]
        walk = (float(shares[0]), 1.0, math.inf)
        run = (float(shares[1]), float(params["child.run_factor"]), math.inf)
        back = (float(shares[2]), 1.0, float(params["child.step_back_time"]))
        exposure = Exposure(
            braking=braking_nodes(params), injury=injury_model(params),
            responses=(walk, run, back), speed_cv=params["traffic.speed_cv"],
            lateral_sd=params["harm.lateral_sd"], vehicle_width=params["harm.vehicle_width"],
            body_width=params["harm.body_width"], link=params["calibration.link"],
        )
        signal = SignalHazards(
            red_running=params["yield.signal_red_running"],
            turning=params["signal.turning_share"] * (1.0 - params["signal.turn_yield"]),
            turn_speed=params["signal.turn_speed"] * KMH,
            discharge_speed=params["signal.discharge_speed"] * KMH,
            clearance_speed=params["hcm.walk_speed"],
        )
        return cls(params["conflict.ttc"], params["conflict.pet"], params["conflict.drac"], exposure, signal,
                   tables={} if tables is None else tables)


class Mode(StrEnum):
    """How a walker crossed (the ``mode`` column of the events table)."""

    GAP = "gap"
    """Waited for a gap long enough to cross."""
    LAG = "lag"
    """Crossed at once: the first lag was long enough."""
    YIELD = "yield"
    """Crossed in front of drivers who yielded."""
    IMPATIENT = "impatient"
    """Accepted a shorter gap once patience ran out."""
    INATTENTIVE = "inattentive"
    """Stepped out at the first lag above the minimum, without judging the gap."""
    REFUGE = "refuge"
    """Two stages, waiting on a refuge island."""
    STAGED = "staged"
    """Lane by lane, standing on the lane lines (中国式过马路)."""
    GREEN = "green"
    """On the walk signal."""
    RED = "red"
    """Against the red signal, once patience ran out."""
    GUARD = "guard"
    """Escorted by a 护学岗 guard."""
    FOOTBRIDGE = "footbridge"
    """Over a footbridge (天桥)."""
    UNDERPASS = "underpass"
    """Through an underpass (地下通道)."""
    DEADLINE = "deadline"
    """No gap accepted before the deadline (internal: never an outcome)."""


@dataclass(frozen=True)
class Outcome:
    """One crossing by one walker."""

    arrive: float
    start: float
    end: float
    mode: Mode
    in_road: float
    lag: float
    encounter: Encounter

    @property
    def wait(self) -> float:
        """Time from kerb arrival to stepping off, s."""
        return self.start - self.arrive


def sight_table(sight: LaneSight) -> np.ndarray:
    """Sight distances as a (direction, lane) array, padded with inf."""
    table = np.full((2, max(1, *(len(lanes) for lanes in sight))), np.inf)
    for d, lanes in enumerate(sight):
        table[d, : len(lanes)] = lanes
    return table
