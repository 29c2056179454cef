"""The parameter table: every default with its unit, source and confidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from simulator.errors import ParameterError

CONFIDENCE = {"P", "A", "S", "D", "U"}


@dataclass(frozen=True)
class Parameter:
    """One parameter value and where it comes from."""

    key: str
    value: Any
    unit: str
    conf: str
    source: str
    overridden: bool = False
    range: tuple[float, float] | None = None
    """Values a scenario may override this one with (inclusive), where bounded."""


@dataclass(frozen=True)
class Parameters:
    """An immutable table of parameters; use :meth:`with_overrides` to change values."""

    table: Mapping[str, Parameter] = field(default_factory=dict)

    @cached_property
    def derived(self) -> dict[str, Any]:
        """What is computed from these values alone, built once and kept with them.

        The would-be-impact tables of the kerb decision (``"risk_tables"``,
        :func:`simulator.kerbharm._kept`), the kerb decisions of the seeds
        kept (``"decisions"``, :meth:`simulator.model.SchoolRouteModel.decision`)
        and the tables with a scenario's overrides (``"with_overrides"``,
        :func:`simulator.experiment.scenario_parameters`) live here: every
        setting and every run made with this table shares them, whatever the
        scenario, and a changed value (:meth:`with_overrides`) makes a new
        table that starts without them.
        """
        return {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self.table[key].value
        except KeyError:
            msg = f"unknown parameter {key!r}"
            raise ParameterError(msg) from None

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def with_overrides(self, overrides: Mapping[str, Any], *, source: str = "scenario") -> Parameters:
        """Return a copy with some values replaced (the manifest marks them)."""
        unknown = sorted(set(overrides) - set(self.table))
        if unknown:
            msg = f"unknown parameter(s) {', '.join(unknown)}"
            raise ParameterError(msg)
        table = dict(self.table)
        for key, value in overrides.items():
            old = table[key]
            table[key] = Parameter(
                key, value, old.unit, old.conf, f"{source} (default {old.value!r}: {old.source})", True,
                old.range,
            )
        return Parameters(MappingProxyType(table))

    def manifest(self) -> list[dict[str, Any]]:
        """Rows of key, value, unit, confidence and source, for results and reports."""
        return [
            {
                "key": p.key,
                "value": p.value,
                "unit": p.unit,
                "conf": p.conf,
                "source": p.source,
                "overridden": p.overridden,
            }
            for p in self.table.values()
        ]


def parameters_from_mapping(data: Mapping[str, Any], *, origin: str) -> Parameters:
    """Validate a raw mapping (as read from YAML) into :class:`Parameters`."""
    problems: list[str] = []
    table: dict[str, Parameter] = {}
    for key, entry in data.items():
        if not isinstance(entry, Mapping) or "value" not in entry:
            problems.append(f"{key}: needs a mapping with value, unit, conf, source")
            continue
        conf = entry.get("conf")
        if conf not in CONFIDENCE:
            problems.append(f"{key}.conf: {conf!r} is not one of {sorted(CONFIDENCE)}")
        if not entry.get("source"):
            problems.append(f"{key}.source: missing")
        bounds = entry.get("range")
        if bounds is not None and not (isinstance(bounds, list) and len(bounds) == 2
                                       and all(isinstance(b, int | float) for b in bounds)
                                       and bounds[0] <= entry["value"] <= bounds[1]):
            problems.append(f"{key}.range: {bounds!r} is not [min, max] around the value")
            bounds = None
        table[key] = Parameter(
            key, entry["value"], str(entry.get("unit", "")), str(conf), str(entry.get("source", "")),
            range=None if bounds is None else (float(bounds[0]), float(bounds[1])),
        )
    if problems:
        msg = f"{origin}: " + "; ".join(problems)
        raise ParameterError(msg)
    return Parameters(MappingProxyType(table))


@cache
def default_parameters() -> Parameters:
    """The packaged defaults (``simulator/data/parameters.yaml``)."""
    return parameters_from_mapping(packaged_data("parameters.yaml"), origin="simulator/data/parameters.yaml")


def packaged_data(name: str) -> Any:
    """The data of a packaged YAML file (``simulator/data/NAME``).

    Read by libyaml where PyYAML has it (``CSafeLoader``): the same data as
    ``yaml.safe_load`` (``tests/test_metrics.py``), about ten times faster,
    which every command pays at start-up.
    """
    text = resources.files("simulator").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def clock_seconds(hhmm: str) -> float:
    """Seconds after midnight of a ``"HH:MM"`` or ``"HH:MM:SS"`` string."""
    parts = [int(p) for p in str(hhmm).split(":")]
    if len(parts) == 2:
        parts.append(0)
    if len(parts) != 3 or not (0 <= parts[0] < 24 and 0 <= parts[1] < 60 and 0 <= parts[2] < 60):
        msg = f"{hhmm!r} is not a time of day HH:MM"
        raise ValueError(msg)
    return float(parts[0] * 3600 + parts[1] * 60 + parts[2])


def clock_text(seconds: float) -> str:
    """``"HH:MM:SS"`` for seconds after midnight."""
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
