"""The scenario schema: the top-level :class:`Scenario` and its :class:`Site`.

Every model is frozen and forbids unknown fields. Field rules
(:class:`~simulator.scenario.rules.Rule`) give one plain-language error per
bad value; cross-field checks report their problems at the field concerned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from simulator.params import default_parameters
from simulator.scenario import rules
from simulator.scenario.fields import ClockTime, Frozen, Text, TimeWindow, ordered
from simulator.scenario.interventions import OLDEST, YOUNGEST, Intervention, StartTime
from simulator.scenario.overrides import check_overrides
from simulator.scenario.rules import Rule, not_allowed, problems

MAP_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".graphml")
ENFORCEMENT = ("none", "normal", "strong")


class SyntheticSite(Frozen):
    """The embedded synthetic district (:class:`simulator.network.synthetic.DistrictSpec`)."""

    seed: Annotated[int, Rule("a whole number >= 0", ge=0)] = 1
    superblocks: Annotated[
        tuple[int, int],
        Rule("two whole numbers 1–10 (columns, rows)",
             before=rules.int_tuple(length=2, low=1, high=10)),
    ] = (3, 3)
    compounds_per_block: Annotated[int, Rule("a whole number 1–20", ge=1, le=20)] = 4


def _map_path(value: Any) -> Path:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValueError
    try:
        path = Path(str(value).strip()).expanduser()
    except RuntimeError:  # ~user of no such user
        raise ValueError from None
    if "\0" in str(path) or not path.name.lower().endswith(MAP_SUFFIXES):
        raise ValueError
    return path


class Place(Frozen):
    """A point of the site: ``{lon, lat}`` (WGS 84) on a map, ``{x, y}`` (m) on the synthetic district."""

    lon: Annotated[float, Rule("a longitude -180–180", ge=-180, le=180)] | None = None
    lat: Annotated[float, Rule("a latitude -90–90", ge=-90, le=90)] | None = None
    x: Annotated[float, Rule("metres east (the district's projected x)")] | None = None
    y: Annotated[float, Rule("metres north (the district's projected y)")] | None = None

    @model_validator(mode="after")
    def _one_pair(self) -> Place:
        given = tuple(k for k in ("lon", "lat", "x", "y") if getattr(self, k) is not None)
        if given not in (("lon", "lat"), ("x", "y")):
            raise problems([((), f"{', '.join(given) or 'nothing'} given (allowed: lon and lat "
                                 "on a map, x and y on the synthetic district)")])
        return self

    def pair(self) -> tuple[float, float]:
        """``(lon, lat)`` or ``(x, y)``, whichever was given."""
        return (self.lon, self.lat) if self.lon is not None else (self.x, self.y)  # type: ignore[return-value]


StopId = Annotated[str, Rule('a stop id (letters, digits, - and _; not "gate", the school-bus bay)',
                             before=rules.text,
                             check=lambda s: s.replace("-", "").replace("_", "").isalnum() and s != "gate")]


class Site(Frozen):
    """The streets and school: the synthetic district, or a map file and a school on it.

    ``map`` is an absolute path once validated (a relative one is taken from
    the scenario file's folder). ``school`` (name or id) and ``catchment_m``
    are for maps only; ``None`` leaves the choice to the site loader.
    ``gate`` moves the school gate; ``stops`` moves bus stops (an existing id)
    or adds them (a new id). Both are ``{lon, lat}`` on a map and ``{x, y}``
    on the synthetic district; whether they lie on the streets is checked
    when the site is built (:mod:`simulator.network.stops`).
    """

    synthetic: SyntheticSite | None = None
    map: Annotated[Path, Rule(f"an OSM or GraphML file ({', '.join(MAP_SUFFIXES)})",
                              before=_map_path)] | None = None
    school: Annotated[str, Rule("a school name or id on the map", before=rules.text)] | None = None
    catchment_m: Annotated[float, Rule("100–10000 m", ge=100, le=10000)] | None = None
    gate: Place | None = None
    stops: dict[StopId, Place] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_synthetic(cls, value: Any) -> Any:
        """``synthetic:`` with nothing after it means the default district."""
        if isinstance(value, Mapping) and "synthetic" in value and value["synthetic"] is None:
            return {**value, "synthetic": {}}
        return value

    @field_validator("map")
    @classmethod
    def _resolve_map(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        base = Path((info.context or {}).get("base") or Path.cwd())
        full = Path(os.path.normpath(Path(base).absolute() / path))
        if not full.is_file():
            raise problems([((), f"{str(path)!r} does not exist (looked for {full})")])
        return full

    @model_validator(mode="after")
    def _one_source(self) -> Site:
        if (self.synthetic is None) == (self.map is None):
            which = "has both synthetic and" if self.synthetic else "has neither synthetic nor"
            raise problems([((), f"{which} map (allowed: exactly one of them)")])
        found: list[tuple[rules.FieldPath, str]] = []
        if self.synthetic is not None:
            found = [((name,), "only allowed with map (the synthetic district has one school)")
                     for name in ("school", "catchment_m") if getattr(self, name) is not None]
        want = ("x", "y") if self.synthetic is not None else ("lon", "lat")
        where = "on the synthetic district" if self.synthetic is not None else "on a map"
        places = [(("gate",), self.gate)] + [(("stops", i), p) for i, p in (self.stops or {}).items()]
        found += [(path, f"{{{', '.join(k for k in ('lon', 'lat', 'x', 'y') if getattr(p, k) is not None)}}} "
                         f"given (allowed: {{{', '.join(want)}}} {where})")
                  for path, p in places if p is not None and getattr(p, want[0]) is None]
        if found:
            raise problems(found)
        return self


def _default_site() -> Site:
    return Site(synthetic=SyntheticSite())


class Scenario(Frozen):
    """A scenario: a site, its children and morning, and the interventions to apply.

    ``None`` means "the default": ``children`` from the site, ``bell`` and
    ``period`` from the parameter table (``school.bell``,
    ``school.period_start``, ``school.period_end``). ``parameters`` holds the
    validated overrides, ready for :meth:`simulator.params.Parameters.with_overrides`.
    """

    name: Text
    description: Text | None = None
    site: Site = Field(default_factory=_default_site)
    children: Annotated[int, Rule("a whole number 1–100000", ge=1, le=100000)] | None = None
    period: TimeWindow | None = None
    bell: ClockTime | None = Field(default=None, validate_default=True)
    enforcement: Annotated[Literal["none", "normal", "strong"], Rule(", ".join(ENFORCEMENT))] = (
        "normal"
    )
    parameters: dict[str, Any] = Field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()

    @field_validator("site", mode="before")
    @classmethod
    def _empty_site(cls, value: Any) -> Any:
        return _default_site() if value is None else value

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value: Any) -> Any:
        try:
            return rules.window(value)
        except ValueError:
            raise not_allowed(value, 'start and end, e.g. {start: "06:50", end: "08:30"}') from None

    @field_validator("period")
    @classmethod
    def _period_in_order(cls, period: TimeWindow | None) -> TimeWindow | None:
        return ordered(period, "period")

    @field_validator("bell")
    @classmethod
    def _bell_in_period(cls, bell: str | None, info: ValidationInfo) -> str | None:
        if "period" not in info.data:
            return bell  # the period itself is wrong: reported there
        start = _period_start(info.data["period"])
        ring = bell or rules.clock(default_parameters()["school.bell"])
        if ring < start:
            which = ring if bell else f"the default bell ({ring})"
            raise problems([((), f"{which} is before the period starts ({start}) "
                                 "(allowed: the period start or later)")])
        return bell

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise not_allowed(value, "a mapping of parameter: value")
        clean, found = check_overrides(value, table=default_parameters())
        if found:
            raise problems(found)
        return clean

    @field_validator("interventions", mode="before")
    @classmethod
    def _intervention_list(cls, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            raise not_allowed(value, "a list of interventions, each item starting with '- type:'")
        return value

    @model_validator(mode="after")
    def _start_times(self) -> Scenario:
        start = _period_start(self.period)
        found: list[tuple[rules.FieldPath, str]] = []
        taken: dict[int, int] = {}
        for index, change in enumerate(self.interventions):
            if not isinstance(change, StartTime):
                continue
            if change.bell < start:
                found.append(((index, "bell"), f"{change.bell} is before the period starts "
                                               f"({start}) (allowed: the period start or later)"))
            for age in change.ages or range(YOUNGEST, OLDEST + 1):
                if age in taken:
                    found.append(((index, "ages"), f"age {age} already has a start time in "
                                                   f"interventions[{taken[age]}]"))
                    break
                taken[age] = index
        if found:
            raise problems([(("interventions", *path), text) for path, text in found])
        return self

    def interventions_of[T: BaseModel](self, kind: type[T]) -> tuple[T, ...]:
        """The interventions of one kind, in file order."""
        return tuple(change for change in self.interventions if isinstance(change, kind))

    def crossing_ids(self) -> set[str]:
        """Every crossing id the interventions name."""
        return self._ids("crossings")

    def edge_ids(self) -> set[str]:
        """Every street edge id the interventions name."""
        return self._ids("edges")

    def _ids(self, field: str) -> set[str]:
        return {i for change in self.interventions for i in getattr(change, field, None) or ()}


def _period_start(period: TimeWindow | None) -> str:
    """Start of the simulated period, ``"HH:MM"`` (the default if not given)."""
    if period is not None:
        return period.start
    return rules.clock(default_parameters()["school.period_start"])
