"""What the kerb decision works on: walkers, the road as met, risk settings and outcomes.

Plain immutable data; the decision itself is in :mod:`simulator.kerb`, which
re-exports these names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.crossing import Signal
from simulator.risk import Braking, Encounter, InjuryModel
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
    """

    speed: float
    startup: float
    gap_factor: float = 1.0
    time_weight: float = 1.0
    ref_speed: float = 40 / 3.6
    patience: float = math.inf
    impatient_factor: float = 1.0
    inattentive: bool = False
    min_lag: float = 1.5
    step_off: float = 1.0
    lane_margin: float = 1.5


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
    signal: Signal | None = None
    refuge: bool = False
    stop_reaction: float = 1.2
    stop_decel: float = 3.0
    by_direction: dict[int, Stream] = field(default_factory=dict, compare=False)
    sight: LaneSight | None = None
    careless_sight: LaneSight | None = None

    def sight_for(self, walker: Walker) -> LaneSight | None:
        """The sight distances from the kerb for this walker."""
        return self.careless_sight if walker.inattentive else self.sight

    def direction(self, d: int) -> Stream:
        """The stream of one direction (cached)."""
        if d not in self.by_direction:
            self.by_direction[d] = self.stream.only(d)
        return self.by_direction[d]

    def lane(self, d: int, lane: int) -> Stream:
        """The stream of one lane (cached)."""
        key = 2 + 8 * d + lane
        if key not in self.by_direction:
            self.by_direction[key] = self.direction(d).only_lane(lane)
        return self.by_direction[key]

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


@dataclass(frozen=True)
class Outcome:
    """One crossing by one walker."""

    arrive: float
    start: float
    end: float
    mode: str
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
