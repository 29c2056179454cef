"""The sweep file (YAML): networks x scenarios x seeds, and where the results go.

::

    name: Nanning district, school zones and guards
    out: results/sweep          # relative to the current folder (--out overrides it)
    seeds: 30                   # seeds 1..30, or a list [1, 2, 7]
    children: 800               # optional: replaces every scenario's children
    baseline: 现状 Baseline      # optional: the reference scenario (default: the first)
    confirm_large: false        # optional: true allows more than 20,000 runs (as --yes does)
    networks:
      - synthetic: {seed: 1}                        # the default district (variants by seed/size)
      - map: ../maps/haidian.osm.bz2                # an OSM extract...
        schools: [中国农业大学附属实验小学, w365816824]  # ...and schools on it (names or ids)
      - map: ../maps/guixi.osm.bz2
        schools: all                                # every school and kindergarten on the map
        catchment_m: 800
    scenarios:
      - baseline.yaml                               # a scenario file
      - file: school-zone-30.yaml
        name: Zone 30                               # optional new name
      - file: baseline.yaml
        grid: {speed_limit_kmh: [30, 40, 50], guards: [0, 1, 2]}
      - scenario: {name: Education, interventions: [{type: education, share: 1.0}]}

Map and scenario files are taken from the sweep file's folder. The sweep's
networks replace each scenario file's ``site``. Grid axes are documented in
:mod:`simulator.batch.grid`. Errors are one line naming the file, the field
path, the bad value and what is allowed, like scenario files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationError, ValidationInfo, field_validator, model_validator

from simulator.batch.grid import parse_grid
from simulator.batch.messages import describe, one_line
from simulator.errors import ScenarioError, SweepError
from simulator.scenario.fields import Frozen, Text
from simulator.scenario.load import _read_yaml  # the scenario files' YAML reader (no base-60 times)
from simulator.scenario.rules import Rule, is_number, not_allowed, problems, show
from simulator.scenario.schema import MAP_SUFFIXES, SyntheticSite

ALL_SCHOOLS = "all"
SCENARIO_SUFFIXES = (".yaml", ".yml")
MAX_SEEDS = 100_000


def _path(suffixes: tuple[str, ...]) -> Any:
    def parse(value: Any) -> Path:
        if not isinstance(value, str | os.PathLike) or not str(value).strip():
            raise ValueError
        path = Path(str(value).strip()).expanduser()
        if not path.name.lower().endswith(suffixes):
            raise ValueError
        return path

    return parse


def _existing(path: Path | None, info: ValidationInfo) -> Path | None:
    """``path`` taken from the sweep file's folder; an error if there is no such file."""
    if path is None:
        return None
    base = Path((info.context or {}).get("base") or Path.cwd())
    full = Path(os.path.normpath(base.absolute() / path))
    if not full.is_file():
        raise problems([((), f"{str(path)!r} does not exist (looked for {full})")])
    return full


def _schools(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError
    out = []
    for item in items:
        if is_number(item):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            raise ValueError
        out.append(item.strip())
    return tuple(dict.fromkeys(out))


def _folder(value: Any) -> str:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValueError
    return str(value).strip()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _seeds(value: Any) -> tuple[int, ...]:
    if is_number(value) and float(value).is_integer() and 1 <= value <= MAX_SEEDS:
        return tuple(range(1, int(value) + 1))
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_SEEDS:
        raise ValueError
    if not all(is_number(v) and float(v).is_integer() and v >= 0 for v in value):
        raise ValueError
    seeds = tuple(int(v) for v in value)
    if len(set(seeds)) != len(seeds):
        raise ValueError
    return seeds


class NetworkEntry(Frozen):
    """One item of ``networks``: the synthetic district, or a map and schools on it."""

    name: Text | None = None
    synthetic: SyntheticSite | None = None
    map: Annotated[Path, Rule(f"an OSM or GraphML file ({', '.join(MAP_SUFFIXES)})",
                              before=_path(MAP_SUFFIXES))] | None = None
    schools: Annotated[
        tuple[str, ...], Rule('"all", or a list of school names or ids on the map', before=_schools)
    ] | None = None
    catchment_m: Annotated[float, Rule("100–10000 m", ge=100, le=10000)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_synthetic(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and "synthetic" in value and value["synthetic"] is None:
            return {**value, "synthetic": {}}
        return value

    @field_validator("map")
    @classmethod
    def _map_exists(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return _existing(path, info)

    @model_validator(mode="after")
    def _one_source(self) -> NetworkEntry:
        if (self.synthetic is None) == (self.map is None):
            which = "has both synthetic and" if self.synthetic else "has neither synthetic nor"
            raise problems([((), f"{which} map (allowed: exactly one of them)")])
        if self.synthetic is not None:
            found = [((name,), "only allowed with map (the synthetic district has one school)")
                     for name in ("schools", "catchment_m") if getattr(self, name) is not None]
            if found:
                raise problems(found)
        return self

    def all_schools(self) -> bool:
        """True when ``schools: all`` (or no ``schools``: a map with one school)."""
        return self.schools == (ALL_SCHOOLS,)


Grid = tuple[tuple[str, tuple[Any, ...]], ...]


class ScenarioEntry(Frozen):
    """One item of ``scenarios``: a file or an inline scenario, optionally with a grid."""

    file: Annotated[Path, Rule("a scenario file (.yaml)", before=_path(SCENARIO_SUFFIXES))] | None = None
    scenario: dict[str, Any] | None = None
    name: Text | None = None
    grid: Grid | None = None

    @model_validator(mode="before")
    @classmethod
    def _file_only(cls, value: Any) -> Any:
        if isinstance(value, str | os.PathLike):
            return {"file": value}
        if not isinstance(value, Mapping):
            raise not_allowed(value, "a scenario file name, or a mapping of file/scenario, name, grid")
        return value

    @field_validator("file")
    @classmethod
    def _file_exists(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return _existing(path, info)

    @field_validator("scenario", mode="before")
    @classmethod
    def _inline(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, Mapping):
            raise not_allowed(value, "a scenario as a mapping (name: ..., interventions: [...])")
        return value

    @field_validator("grid", mode="before")
    @classmethod
    def _grid(cls, value: Any) -> Any:
        if value is None:
            return None
        axes, found = parse_grid(value)
        if found:
            raise problems(found)
        return axes

    @model_validator(mode="after")
    def _one_base(self) -> ScenarioEntry:
        if self.file is not None and self.scenario is not None:
            raise problems([((), "has both file and scenario (allowed: one of them)")])
        if self.file is None and self.scenario is None and self.grid is None:
            raise problems([((), "needs file, scenario or grid (allowed: a scenario file, an inline "
                                 "scenario, or a grid on the default baseline)")])
        return self


class Sweep(Frozen):
    """A sweep: every network x every scenario x every seed, written to ``out``."""

    name: Text | None = None
    description: Text | None = None
    out: Annotated[str, Rule("a folder for the results", before=_folder)] | None = None
    seeds: Annotated[
        tuple[int, ...],
        Rule(f"a number of seeds 1–{MAX_SEEDS} (seeds 1..n), or a list of different whole numbers >= 0",
             before=_seeds),
    ]
    children: Annotated[int, Rule("a whole number 1–100000", ge=1, le=100000)] | None = None
    baseline: Text | None = None
    confirm_large: Annotated[bool, Rule("true or false", before=_flag)] = False
    networks: tuple[NetworkEntry, ...]
    scenarios: tuple[ScenarioEntry, ...]

    @field_validator("networks", "scenarios", mode="before")
    @classmethod
    def _list(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple) or not value:
            what = "networks, each item '- synthetic: ...' or '- map: ...'" if info.field_name == "networks" \
                else "scenarios, each item a file name or '- file: ...'"
            raise not_allowed(value, f"a non-empty list of {what}")
        return value


# --- reading ------------------------------------------------------------------------------


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Read and validate a sweep file (maps and scenario files are taken from its folder).

    Raises
    ------
    SweepError
        If the file is missing, not YAML or not a valid sweep; one line listing every problem.
    """
    origin = str(path)
    try:
        data, notes = _read_yaml(Path(path), origin=origin)
    except ScenarioError as bad:
        raise SweepError(str(bad)) from None
    if data is None:
        msg = f"{origin}: the file is empty (allowed: a sweep, at least seeds, networks and scenarios)"
        raise SweepError(msg)
    return sweep_from_mapping(data, origin=origin, base=Path(path).parent, notes=notes)


def sweep_from_mapping(
    data: Any, *, origin: str = "<sweep>", base: str | os.PathLike[str] | None = None,
    notes: list[str] | None = None,
) -> Sweep:
    """Validate a sweep given as a mapping; relative files are taken from ``base`` (default: cwd).

    Raises
    ------
    SweepError
        Listing every problem on one line.
    """
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else show(data)
        msg = (f"{origin}: must be a mapping at the top level "
               f"(seeds: ..., networks: ..., scenarios: ...), not {kind}")
        raise SweepError(msg)
    found = list(notes or [])
    try:
        fields = {k if isinstance(k, str) else str(k): v for k, v in data.items()}
        sweep = Sweep.model_validate(fields, context={"base": None if base is None else Path(base)})
    except ValidationError as error:
        found += describe(error.errors(), root=Sweep)
    if found:
        raise SweepError(one_line(f"{origin}: " + "; ".join(dict.fromkeys(found))))
    return sweep
