"""What the kerb decision works on: walkers, the road as met, risk settings and outcomes.

Plain immutable data; the decision itself is in :mod:`simulator.kerb`, which
re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from functools import cache, cached_property
from typing import Any

import numpy as np

from simulator.crossing import Signal
from simulator.harm import Exposure, Judgement
from simulator.params import Parameters
from simulator.risk import Encounter, braking_nodes, injury_model
from simulator.sight import LaneSight
from simulator.traffic import KMH, RateFn, SpeedFn, Stream, TwoWheelerFlow


def replaced[T](obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` of the kerb's frozen data, without its per-call cost.

    A kerb decision makes several copies (a walker's variants, an outcome
    with its blended risk, a road with the hour's yielding), and ``replace``
    costs about 4 µs a copy, most of it re-checking the fields; this costs
    about 1. The copy has the same field values but for ``changes`` and none
    of the original's cached properties. Only for frozen dataclasses
    without ``__post_init__`` (those of this module and :mod:`simulator.risk`).

    Raises
    ------
    TypeError
        If a name in ``changes`` is not a field (as ``replace`` does).
    """
    cls: type = type(obj)
    names = _field_names(cls)
    unknown = changes.keys() - set(names)
    if unknown:
        msg = f"{cls.__name__} has no field {sorted(unknown)[0]!r}"
        raise TypeError(msg)
    state = obj.__dict__
    new: T = object.__new__(cls)
    new.__dict__.update({name: state[name] for name in names}, **changes)
    return new


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, in order (read once per class: ``dataclasses.fields`` is slow)."""
    return tuple(f.name for f in fields(cls))


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
        return replaced(self, startup=self.step_off + self.lane_margin, patience=math.inf, inattentive=False)

    @cached_property
    def looking_per_lane(self) -> Walker:
        """This walker judging each lane as it reaches it (on the green man), with the lane margin."""
        return replaced(self, startup=self.step_off + self.lane_margin)

    @cached_property
    def attentive(self) -> Walker:
        """This walker when it looks (the careful branch)."""
        return replaced(self, inattentive=False)

    @cached_property
    def careless(self) -> Walker:
        """This walker when it does not look (the careless branch)."""
        return replaced(self, inattentive=True)

    def judgement(self, need: float) -> Judgement:
        """How this walker, needing a gap of ``need`` s, steps out (:class:`simulator.harm.Judgement`)."""
        if self.inattentive:
            return Judgement(need=need, sigma=0.0, min_lag=self.min_lag)
        return Judgement(need=need, sigma=self.judgement_sd, time_weight=self.time_weight,
                         ref_speed=self.ref_speed, ratio_limits=(self.gap_ratio_min, self.gap_ratio_max))


@dataclass(frozen=True)
class Flow:
    """The crossed road's traffic as functions of time: vehicles per second per lane and mean speed (m/s).

    ``twowheelers``: the e-bikes and bicycles of the kerb lane (lane 0) of
    each direction, a Poisson class of their own (None: none, as in the HCM
    validation's roads).
    """

    rate: tuple[RateFn, RateFn]
    mean_speed: tuple[SpeedFn, SpeedFn]
    twowheelers: TwoWheelerFlow | None = None
    _now: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The values at the last time asked (a kerb decision asks several times at one time)."""

    def riders_at(self, lanes: list[tuple[int, int]], t: float) -> tuple[tuple[int, ...], np.ndarray] | None:
        """The two-wheelers among ``lanes`` at time ``t``: where they ride and their rates.

        Returns the positions in ``lanes`` of the kerb lanes (lane 0 of a
        direction) and their rates (per s), e-bikes at those positions then
        bicycles; None when no two-wheeler rides them now.
        """
        if self.twowheelers is None:
            return None
        where = _kerb_lanes(tuple(lanes))
        if not where:
            return None
        ebikes, bicycles = self._values(t, "riders")
        rates = [ebikes[lanes[i][0]] for i in where] + [bicycles[lanes[i][0]] for i in where]
        if not any(rates):
            return None
        return where, np.array(rates)

    def at(self, lanes: list[tuple[int, int]], t: float) -> tuple[np.ndarray, np.ndarray]:
        """Per lane (direction, number): rate and mean speed at time ``t``."""
        rate, speed = self._values(t, "cars")
        return np.array([rate[d] for d, _ in lanes]), np.array([speed[d] for d, _ in lanes])

    def _values(self, t: float, which: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """Per direction at ``t``: the cars' rates and mean speeds, or the e-bikes' and bicycles' rates."""
        now = self._now
        if now.get("t") != t:
            now.clear()
            now["t"] = t
        values = now.get(which)
        if values is None:
            (a0, a1), (b0, b1) = self._scalar if which == "cars" else self._rider_scalar
            values = now[which] = ((a0(t), a1(t)), (b0(t), b1(t)))
        return values

    @cached_property
    def _rider_scalar(self) -> tuple[tuple[Scalar, Scalar], tuple[Scalar, Scalar]]:
        riders = self.twowheelers
        assert riders is not None
        (e0, e1), (b0, b1) = riders.rate
        return (_scalar(e0), _scalar(e1)), (_scalar(b0), _scalar(b1))

    @cached_property
    def _scalar(self) -> tuple[tuple[Scalar, Scalar], tuple[Scalar, Scalar]]:
        """Each function at one time: its scalar ``at`` where it has one (the model's functions do)."""
        (r0, r1), (s0, s1) = self.rate, self.mean_speed
        return (_scalar(r0), _scalar(r1)), (_scalar(s0), _scalar(s1))


Scalar = Callable[[float], float]
"""A rate or speed function at one time."""


def _scalar(fn: RateFn | SpeedFn) -> Scalar:
    """The function at one time: its own scalar ``at`` where it has one (the model's functions do)."""
    at = getattr(fn, "at", None)
    if at is not None:
        return at
    return lambda t: float(fn(np.array([t]))[0])


@cache
def _kerb_lanes(lanes: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """The positions in ``lanes`` of the kerb lanes (lane 0 of a direction), where two-wheelers ride."""
    return tuple(i for i, (_, k) in enumerate(lanes) if k == 0)


class Key:
    """A tuple of values with its hash computed once.

    A road's fields are hashed once per road, not at every decision (its
    flow's rate functions are nested frozen dataclasses).
    """

    __slots__ = ("_hash", "items")

    def __init__(self, items: tuple[Any, ...]) -> None:
        self.items = items
        self._hash = hash(items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return isinstance(other, Key) and self._hash == other._hash and self.items == other.items


@dataclass(frozen=True)
class Road:
    """What the walker faces at this crossing now.

    ``sight``: sight distance (m) from the near kerb to each lane, by
    direction and lane number (:data:`simulator.sight.LaneSight`), for a
    walker who stops at the parked cars' edge to look; ``careless_sight`` for
    one who steps out from behind them (inattentive). None where nothing
    limits it (the default, as in the HCM validation). The two-wheelers are
    in ``stream`` (its ``kind`` column) and in ``flow``.
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
    rider_stop_decel: float | None = None
    """Deceleration (m/s²) at which a yielding rider is judged able to stop (None: ``stop_decel``)."""

    @cached_property
    def identity(self) -> Key:
        """Every field as a key, the vehicles by identity (``id(stream)``): equal keys, equal decisions.

        Hold the stream while the key is kept (:meth:`simulator.model.SchoolRouteModel.decision`
        does), so that its id is not reused. Raises TypeError if a field cannot be hashed.
        """
        state = self.__dict__
        return Key(tuple(id(state[name]) if name == "stream" else state[name] for name in _field_names(Road)))

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
    rider_red_running: float = 0.0  # share of two-wheeler riders arriving on red who run it
    rider_turning: float = 0.0  # turning riders who do not yield, as a share of the two-wheelers' flow


@dataclass(frozen=True)
class Risk:
    """What the walker meets in the carriageway (thresholds, braking, injury, the expected-harm physics).

    ``riders``: the physics of an e-bike's and of a bicycle's strike
    (:func:`rider_exposures`); None: two-wheelers add no expected harm.
    """

    ttc: float
    pet: float
    drac: float
    exposure: Exposure
    signal: SignalHazards
    surrogates: bool = True
    riders: tuple[Exposure, Exposure] | None = None
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
            rider_red_running=params["twowheeler.red_running"],
            rider_turning=params["signal.turning_share"]
            * (1.0 - min(1.0, params["twowheeler.yield_ratio"] * params["signal.turn_yield"])),
        )
        return cls(params["conflict.ttc"], params["conflict.pet"], params["conflict.drac"], exposure, signal,
                   riders=rider_exposures(params, exposure), tables={} if tables is None else tables)


def rider_exposures(params: Parameters, car: Exposure) -> tuple[Exposure, Exposure]:
    """The physics of a strike by an e-bike and by a bicycle (with rider), from the car's.

    The same walker responses, lateral spread and calibrated link as the
    car's; the two-wheeler's own width, speed spread and braking
    (``twowheeler.decel_*``, the drivers' reaction times). Injury: the car
    curve at the impact speed times the ratio of the child's change of
    speed, [M/(M+m)] / [M_car/(M_car+m)] by conservation of momentum in a
    plastic central impact (M the two-wheeler with rider, m the child:
    ``harm.child_mass``, ``harm.car_mass``). No dose-response curve for
    pedestrians struck by e-bikes or bicycles was found (only simulations,
    docs/research/arrival-modes.md section 3), so this is an assumption: it
    keeps the car's curve and scales the speed by a ratio computed from the
    masses, not fitted; it leaves out that a two-wheeler has no bonnet and
    windscreen strike and that the fall to the ground drives the outcome.
    """
    braking = braking_nodes(params, decel=(params["twowheeler.decel_mean"], params["twowheeler.decel_sd"]))
    child, car_mass = params["harm.child_mass"], params["harm.car_mass"]
    width, mass = params["twowheeler.width"], params["twowheeler.mass"]
    out = tuple(
        replace(car, braking=braking, speed_cv=params["twowheeler.speed_cv"], vehicle_width=width[kind],
                injury=car.injury.scaled(speed_change_ratio(mass[kind], child, car_mass)))
        for kind in ("ebike", "bicycle")
    )
    return out[0], out[1]


def speed_change_ratio(mass: float, child: float, car: float) -> float:
    """A child's change of speed when struck by ``mass`` kg, relative to a strike by a car of ``car`` kg.

    In a plastic central impact at v the child leaves at v M/(M+m); the ratio
    of that to the car's, [M/(M+m)] / [M_car/(M_car+m)], scales the speed at
    which the car's injury curve is read.
    """
    return (mass / (mass + child)) / (car / (car + child))


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


@cache
def sight_table(sight: LaneSight) -> np.ndarray:
    """Sight distances as a (direction, lane) array, padded with inf (made once per sight, read-only)."""
    table = np.full((2, max(1, *(len(lanes) for lanes in sight))), np.inf)
    for d, lanes in enumerate(sight):
        table[d, : len(lanes)] = lanes
    table.flags.writeable = False
    return table
