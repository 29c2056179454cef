"""What the kerb decision works on: walkers, the road as met, risk settings and outcomes.

Plain immutable data; the decision itself is in :mod:`simulator.kerb`, which
re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from simulator.crossing import Signal
from simulator.params import Parameters
from simulator.risk import Braking, Encounter, InjuryModel, braking_nodes, injury_model
from simulator.sight import LaneSight
from simulator.traffic import Stream


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
class Risk:
    """What the walker meets in the carriageway (thresholds, braking, injury)."""

    braking: Braking
    injury: InjuryModel
    ttc: float
    pet: float
    drac: float

    @classmethod
    def from_params(cls, params: Parameters) -> Risk:
        """Braking, injury curves and conflict thresholds from the parameter table."""
        return cls(braking_nodes(params), injury_model(params), params["conflict.ttc"],
                   params["conflict.pet"], params["conflict.drac"])


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
