"""Intervention models: what a scenario changes, discriminated on ``type``.

Each model names where it applies by crossing ids (``x{node}-{other}``),
street edge ids (``e{u}-{v}``) or a :class:`Zone` around the school gate, and
what changes there. Applying them to a network is done in
:mod:`simulator.scenario.apply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Discriminator, Tag, field_validator, model_validator

from simulator.crossing import ACCESS, FACILITIES, GRADE_SEPARATED, Access, Facility
from simulator.params import default_parameters
from simulator.scenario import rules
from simulator.scenario.fields import (
    ClockTime,
    CrossingIds,
    EdgeIds,
    Frozen,
    Hours,
    TimeWindow,
    ordered,
)
from simulator.scenario.rules import Rule, problems


def staff_types() -> tuple[str, ...]:
    """Guard staff types: the keys of ``guard.obey`` in the parameter table."""
    return tuple(default_parameters()["guard.obey"])


def school_ages() -> tuple[int, int]:
    """The youngest and oldest pupil: ``school.ages`` in the parameter table."""
    youngest, oldest = default_parameters()["school.ages"]
    return int(youngest), int(oldest)


YOUNGEST, OLDEST = school_ages()


class Zone(Frozen):
    """A circle: ``radius_m`` around ``center`` (projected metres; default the school gate)."""

    radius_m: Annotated[float, Rule("10–5000 m", ge=10, le=5000)]
    center: Annotated[
        tuple[float, float], Rule("[x, y] in projected metres", before=rules.point)
    ] | None = None


class SignalTiming(Frozen):
    """Fixed-time pedestrian signal, seconds: cycle, walk time and offset."""

    cycle: Annotated[float, Rule("20–300 s", ge=20, le=300)]
    walk: Annotated[float, Rule("5 s or more, shorter than the cycle", ge=5)]
    offset: Annotated[float, Rule("0 s or more, shorter than the cycle", ge=0)] = 0.0

    @model_validator(mode="after")
    def _within_cycle(self) -> SignalTiming:
        found = [((name,), f"{rules.show(getattr(self, name))} is not allowed (allowed: "
                           f"{'5' if name == 'walk' else '0'} s or more, shorter than the "
                           f"cycle of {rules.show(self.cycle)} s)")
                 for name in ("walk", "offset") if getattr(self, name) >= self.cycle]
        if found:
            raise problems(found)
        return self


def _exactly_one(model: BaseModel, first: str, second: str) -> None:
    """Raise unless exactly one of two fields is given."""
    given = [getattr(model, name) is not None for name in (first, second)]
    if all(given):
        raise problems([((), f"has both {first} and {second} (allowed: exactly one of them)")])
    if not any(given):
        raise problems([((), f"needs {first} or {second} (allowed: exactly one of them)")])


# --- interventions -------------------------------------------------------------


AccessField = Annotated[Access, Rule(", ".join(ACCESS))]


class FacilityChange(Frozen):
    """Build or upgrade crossings to ``facility``.

    Signal timing is optional and for signals only; ``access`` (``stairs``,
    ``ramp``, ``lift``; default stairs only) for footbridges and underpasses only.
    """

    type: Literal["facility"] = "facility"
    crossings: CrossingIds
    facility: Annotated[Facility, Rule(", ".join(FACILITIES))]
    signal: SignalTiming | None = None
    access: AccessField | None = None

    @model_validator(mode="after")
    def _signal_only_for_signals(self) -> FacilityChange:
        found: list[tuple[rules.FieldPath, str]] = []
        if self.signal is not None and self.facility != "signal":
            found.append((("signal",), f"only allowed with facility: signal "
                                       f"(this one is {self.facility})"))
        if self.access is not None and self.facility not in GRADE_SEPARATED:
            found.append((("access",), f"only allowed with facility: footbridge or underpass "
                                       f"(this one is {self.facility})"))
        if found:
            raise problems(found)
        return self


class SpeedLimit(Frozen):
    """Post a speed limit on edges or in a zone, all morning or during ``hours``."""

    type: Literal["speed_limit"] = "speed_limit"
    limit_kmh: Annotated[float, Rule("5–130 km/h", ge=5, le=130)]
    edges: EdgeIds | None = None
    zone: Zone | None = None
    hours: Hours | None = None

    @field_validator("hours")
    @classmethod
    def _hours_in_order(cls, hours: TimeWindow | None) -> TimeWindow | None:
        return ordered(hours, "speed limit time window")

    @model_validator(mode="after")
    def _where(self) -> SpeedLimit:
        _exactly_one(self, "edges", "zone")
        return self


class Humps(Frozen):
    """Speed humps or speed tables on edges or in a zone."""

    type: Literal["humps"] = "humps"
    edges: EdgeIds | None = None
    zone: Zone | None = None

    @model_validator(mode="after")
    def _where(self) -> Humps:
        _exactly_one(self, "edges", "zone")
        return self


class LaneReduction(Frozen):
    """Fewer lanes per direction (shorter crossings) at crossings or along edges."""

    type: Literal["lane_reduction"] = "lane_reduction"
    crossings: CrossingIds | None = None
    edges: EdgeIds | None = None
    lanes_per_direction: Annotated[int, Rule("a whole number 1–6", ge=1, le=6)]

    @model_validator(mode="after")
    def _where(self) -> LaneReduction:
        _exactly_one(self, "crossings", "edges")
        return self


class VolumeOverride(Frozen):
    """Peak-hour traffic volume, veh/h per direction: one number for both, or two."""

    type: Literal["volume"] = "volume"
    crossings: CrossingIds | None = None
    edges: EdgeIds | None = None
    vph: Annotated[
        float | tuple[float, float],
        Rule("a number >= 0 veh/h, or a list of two (one per direction)", before=rules.volume),
    ]

    @model_validator(mode="after")
    def _where(self) -> VolumeOverride:
        _exactly_one(self, "crossings", "edges")
        return self


class GuardPost(Frozen):
    """护学岗: ``count`` staff of one type on duty at crossings during ``hours``.

    ``clear_parking``: the guards keep the kerbs clear of parked cars while on
    duty, so walkers and drivers see each other as if nothing were parked.
    """

    type: Literal["guard"] = "guard"
    crossings: CrossingIds
    hours: Hours
    staff: Annotated[str, Rule(lambda: ", ".join(staff_types()),
                               check=lambda value: value in staff_types())]
    count: Annotated[int, Rule("a whole number 1–20", ge=1, le=20)] = 1
    clear_parking: Annotated[bool, Rule("true or false", before=rules.flag)] = False

    @field_validator("hours")
    @classmethod
    def _hours_in_order(cls, hours: TimeWindow) -> TimeWindow | None:
        return ordered(hours, "guard schedule")


class DropoffBan(Frozen):
    """禁止停车接送: no parent may stop within ``radius_m`` of the gate; children walk from the ban's edge."""

    type: Literal["dropoff_ban"] = "dropoff_ban"
    radius_m: Annotated[float, Rule("10–2000 m", ge=10, le=2000)]


class ModeShares(Frozen):
    """How pupils arrive: the walking distance and the shares of e-bikes, cars and buses among the rest.

    ``walk_distance_d50_km``: the home distance at which half the pupils walk;
    ``ebike``, ``car``, ``bus``: relative shares of the pupils who do not walk
    (the parameter table's where not given).
    """

    type: Literal["mode_shares"] = "mode_shares"
    walk_distance_d50_km: Annotated[float, Rule("0.05–20 km", ge=0.05, le=20)] | None = None
    ebike: Annotated[float, Rule("a relative share 0–10", ge=0, le=10)] | None = None
    car: Annotated[float, Rule("a relative share 0–10", ge=0, le=10)] | None = None
    bus: Annotated[float, Rule("a relative share 0–10", ge=0, le=10)] | None = None


class SchoolBus(Frozen):
    """校车: a school bus takes ``share`` of the pupils who would be driven or carried on an e-bike.

    ``stop``: where it sets them down, ``gate`` (a bay at the gate) or a bus-stop id.
    """

    type: Literal["school_bus"] = "school_bus"
    share: Annotated[float, Rule("a share 0–1 of the pupils driven or on e-bikes", ge=0, le=1)]
    stop: Annotated[str, Rule('"gate" or a bus-stop id')] = "gate"


class KissAndRide(Frozen):
    """即停即走区: ``length_m`` of marked kerb on the school's side for short, staffed stops.

    Stopping on the far side of the gate street is banned; a share of the
    parents arriving on that side turn round to the zone
    (``gate.far_side_compliance``).
    """

    type: Literal["kiss_and_ride"] = "kiss_and_ride"
    length_m: Annotated[float, Rule("5–300 m of kerb", ge=5, le=300)]


class EbikeParking(Frozen):
    """电动自行车停放区: parking near the gate, ``walk_m`` from it on the school's side.

    A share of e-bike parents (``gate.ebike_parking_use``) park there and walk
    their children in, instead of stopping at the kerb.
    """

    type: Literal["ebike_parking"] = "ebike_parking"
    walk_m: Annotated[float, Rule("0–300 m from the gate", ge=0, le=300)] = 30.0


class Education(Frozen):
    """Road-safety education for a share of the children."""

    type: Literal["education"] = "education"
    share: Annotated[float, Rule("a share 0–1 of the children", ge=0, le=1)]


class StartTime(Frozen):
    """错峰上学: a different bell for some ages (``None``: every age)."""

    type: Literal["start_time"] = "start_time"
    bell: ClockTime
    ages: Annotated[
        tuple[int, ...],
        Rule(f"a list of ages {YOUNGEST}–{OLDEST}, e.g. [{YOUNGEST}, {YOUNGEST + 1}]",
             before=rules.int_tuple(length=None, low=YOUNGEST, high=OLDEST)),
    ] | None = None


class RecommendedRoutes(Frozen):
    """上学路线图: publish each home's lowest-risk route within a detour bound; a share follows it."""

    type: Literal["recommended_routes"] = "recommended_routes"
    compliance: Annotated[float, Rule("a share 0–1 of the children", ge=0, le=1)]
    max_detour: Annotated[float, Rule("a share 0–1 of the shortest route's length", ge=0, le=1)] = 0.2


class AccessChange(Frozen):
    """过街无障碍: give footbridges or underpasses a ramp or a lift (or leave them stairs only)."""

    type: Literal["access"] = "access"
    crossings: CrossingIds
    access: AccessField


class Parking(Frozen):
    """Kerbside parking (or stalls) today: both kerbs of both approaches, out to ``length_m``.

    Parked cars hide children from drivers and drivers from children
    (:mod:`simulator.sight`); 0 m is no parking.
    """

    type: Literal["parking"] = "parking"
    crossings: CrossingIds | None = None
    zone: Zone | None = None
    length_m: Annotated[float, Rule("0–500 m from the crossing", ge=0, le=500)]

    @model_validator(mode="after")
    def _where(self) -> Parking:
        _exactly_one(self, "crossings", "zone")
        return self


class NoParking(Frozen):
    """No parking (and no stalls) within ``within_m`` of crossings, e.g. 20 m of the school crossings."""

    type: Literal["no_parking"] = "no_parking"
    crossings: CrossingIds | None = None
    zone: Zone | None = None
    within_m: Annotated[float, Rule("1–500 m from the crossing", ge=1, le=500)]

    @model_validator(mode="after")
    def _where(self) -> NoParking:
        _exactly_one(self, "crossings", "zone")
        return self


INTERVENTION_ERROR = "intervention_type"


def _intervention_type(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, Mapping) else getattr(value, "type", None)
    return kind if isinstance(kind, str) else None


Intervention = Annotated[
    Annotated[FacilityChange, Tag("facility")]
    | Annotated[SpeedLimit, Tag("speed_limit")]
    | Annotated[Humps, Tag("humps")]
    | Annotated[LaneReduction, Tag("lane_reduction")]
    | Annotated[VolumeOverride, Tag("volume")]
    | Annotated[GuardPost, Tag("guard")]
    | Annotated[DropoffBan, Tag("dropoff_ban")]
    | Annotated[ModeShares, Tag("mode_shares")]
    | Annotated[SchoolBus, Tag("school_bus")]
    | Annotated[KissAndRide, Tag("kiss_and_ride")]
    | Annotated[EbikeParking, Tag("ebike_parking")]
    | Annotated[Education, Tag("education")]
    | Annotated[StartTime, Tag("start_time")]
    | Annotated[RecommendedRoutes, Tag("recommended_routes")]
    | Annotated[AccessChange, Tag("access")]
    | Annotated[Parking, Tag("parking")]
    | Annotated[NoParking, Tag("no_parking")],
    Discriminator(_intervention_type, custom_error_type=INTERVENTION_ERROR,
                  custom_error_message="not an intervention type"),
]
"""Any intervention, told apart by its ``type``: the one list of intervention types.

Each type's applier and description are in :mod:`simulator.scenario.apply`.
"""

INTERVENTION_TYPES: Mapping[str, type[BaseModel]] = {
    member.model_fields["type"].default: member
    for member in (get_args(tagged)[0] for tagged in get_args(get_args(Intervention)[0]))
}
"""Every intervention model by its ``type``, in the order of :data:`Intervention`."""
