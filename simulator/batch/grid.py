"""Parameter grids of a sweep: the axes, their allowed values and what each value changes.

A grid turns one base scenario into one scenario per combination of axis
values (the Cartesian product, axes in file order). Each axis is a documented
change applied to the base scenario's fields before it is validated like any
scenario file:

``speed_limit_kmh``
    A school-zone speed limit (km/h): a ``speed_limit`` intervention within
    :data:`ZONE_M` m of the gate during :data:`ZONE_HOURS`; ``none`` adds nothing.
``guards``
    The number of 护学岗 guard posts: posts at the network's ``k`` riskiest
    at-grade crossings (:func:`simulator.demo.riskiest_crossings` on a short
    baseline of that network: no interventions, the scenario's children,
    seeds 1–3), :data:`GUARD_STAFF` × :data:`GUARD_COUNT` during
    :data:`GUARD_HOURS`; 0 adds nothing. Resolved per network by the worker.
``enforcement``
    Drivers' yielding: ``none``, ``normal`` or ``strong`` (replaces the scenario's).
``education_share``
    Share of the children given road-safety education (0–1; 0 adds nothing).
``dropoff_ban_m``
    No parents' drop-off within this radius of the gate (m; 0 adds nothing).
``parameters.<key>``
    Any key of the parameter table (``simulator/data/parameters.yaml``),
    checked like a scenario's ``parameters``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.params import default_parameters
from simulator.scenario import ENFORCEMENT
from simulator.scenario.overrides import check_overrides
from simulator.scenario.rules import FieldPath, is_number, show

ZONE_M = 200.0
ZONE_HOURS = "07:00-08:30"
GUARD_HOURS = default_parameters()["guard.default_hours"]
GUARD_STAFF = "auxiliary_police"
GUARD_COUNT = 2
MAX_GUARD_POSTS = 20
PARAMETER_AXIS = "parameters."

Value = Any


@dataclass(frozen=True)
class Axis:
    """One grid axis: what it allows and how a value changes a scenario mapping."""

    allowed: str
    parse: Callable[[Any], Value]
    apply: Callable[[dict[str, Any], Value], None]


def _speed(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    if not is_number(value) or not 5 <= value <= 130:
        raise ValueError
    return float(value)


def _guards(value: Any) -> int:
    if not is_number(value) or not float(value).is_integer() or not 0 <= value <= MAX_GUARD_POSTS:
        raise ValueError
    return int(value)


def _enforcement(value: Any) -> str:
    if value not in ENFORCEMENT:
        raise ValueError
    return str(value)


def _share(value: Any) -> float:
    if not is_number(value) or not 0 <= value <= 1:
        raise ValueError
    return float(value)


def _radius(value: Any) -> float:
    if not is_number(value) or not math.isfinite(value) or not 0 <= value <= 2000:
        raise ValueError
    return float(value)


def _add(data: dict[str, Any], change: dict[str, Any]) -> None:
    data["interventions"] = [*data.get("interventions", []), change]


def _apply_speed(data: dict[str, Any], value: Value) -> None:
    if value is not None:
        _add(data, {"type": "speed_limit", "limit_kmh": value, "zone": {"radius_m": ZONE_M},
                    "hours": ZONE_HOURS})


def _apply_enforcement(data: dict[str, Any], value: Value) -> None:
    data["enforcement"] = value


def _apply_education(data: dict[str, Any], value: Value) -> None:
    if value > 0:
        _add(data, {"type": "education", "share": value})


def _apply_dropoff(data: dict[str, Any], value: Value) -> None:
    if value > 0:
        _add(data, {"type": "dropoff_ban", "radius_m": value})


def _no_change(data: dict[str, Any], value: Value) -> None:
    """Guard posts depend on the network: the worker adds them (see :func:`guard_posts`)."""


AXES: Mapping[str, Axis] = {
    "speed_limit_kmh": Axis("5–130 km/h, or none", _speed, _apply_speed),
    "guards": Axis(f"a whole number of guard posts 0–{MAX_GUARD_POSTS}", _guards, _no_change),
    "enforcement": Axis(", ".join(ENFORCEMENT), _enforcement, _apply_enforcement),
    "education_share": Axis("a share 0–1", _share, _apply_education),
    "dropoff_ban_m": Axis("0–2000 m", _radius, _apply_dropoff),
}
ALLOWED_AXES = ", ".join([*AXES, f"{PARAMETER_AXIS}<key>"])


def parse_grid(value: Any) -> tuple[tuple[tuple[str, tuple[Value, ...]], ...], list[tuple[FieldPath, str]]]:
    """The grid's axes with their parsed values (file order), and the problems found.

    Parameters
    ----------
    value
        The ``grid`` mapping as written: axis name to a list of values (a
        single value counts as a list of one).

    Returns
    -------
    tuple
        ``((axis, values), ...)`` and ``(path, message)`` problems, paths
        relative to ``grid``.
    """
    if not isinstance(value, Mapping) or not value:
        return (), [((), f"{show(value)} is not allowed (allowed: a mapping of axis: [values], "
                         f"axes {ALLOWED_AXES})")]
    axes: list[tuple[str, tuple[Value, ...]]] = []
    found: list[tuple[FieldPath, str]] = []
    for name, raw in value.items():
        key = str(name)
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
        if not items:
            found.append(((key,), "an empty list (allowed: one value or more)"))
            continue
        if key.startswith(PARAMETER_AXIS):
            parsed, problems = _parameter_values(key, items)
        elif key in AXES:
            parsed, problems = _axis_values(AXES[key], items)
        else:
            close = difflib.get_close_matches(key, list(AXES), n=1, cutoff=0.6)
            hint = f" — did you mean {close[0]}?" if close else ""
            found.append(((key,), f"unknown grid axis (allowed: {ALLOWED_AXES}){hint}"))
            continue
        found += [((key, *path), text) for path, text in problems]
        if len(set(map(repr, parsed))) != len(parsed):
            found.append(((key,), f"{show(items)} repeats a value (allowed: each value once)"))
        axes.append((key, tuple(parsed)))
    return tuple(axes), found


def _axis_values(axis: Axis, items: list[Any]) -> tuple[list[Value], list[tuple[FieldPath, str]]]:
    parsed: list[Value] = []
    found: list[tuple[FieldPath, str]] = []
    for position, item in enumerate(items):
        try:
            parsed.append(axis.parse(item))
        except ValueError:
            found.append(((position,), f"{show(item)} is not allowed (allowed: {axis.allowed})"))
    return parsed, found


def _parameter_values(key: str, items: list[Any]) -> tuple[list[Value], list[tuple[FieldPath, str]]]:
    name = key[len(PARAMETER_AXIS):]
    table = default_parameters()
    if name not in table:
        _, unknown = check_overrides({name: None}, table=table)
        return [], [((), text) for _, text in unknown]
    parsed: list[Value] = []
    found: list[tuple[FieldPath, str]] = []
    for position, item in enumerate(items):
        clean, problems = check_overrides({name: item}, table=table)
        if problems:
            # check_overrides reports at (name, ...): the axis itself is the name here
            found += [(((position, *path[1:]) if path and path[0] == name else path), text)
                      for path, text in problems]
        else:
            parsed.append(clean[name])
    return parsed, found


def apply_axis(data: dict[str, Any], axis: str, value: Value) -> None:
    """Change a scenario mapping (as dumped to JSON) for one axis value, in place."""
    if axis.startswith(PARAMETER_AXIS):
        data["parameters"] = {**data.get("parameters", {}), axis[len(PARAMETER_AXIS):]: value}
    else:
        AXES[axis].apply(data, value)


def value_text(value: Value) -> str:
    """A grid value as shown in scenario names (``none`` for no limit)."""
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def guard_posts(targets: list[str]) -> dict[str, Any]:
    """The guard intervention of the ``guards`` axis at the given crossings."""
    return {"type": "guard", "crossings": list(targets), "hours": GUARD_HOURS, "staff": GUARD_STAFF,
            "count": GUARD_COUNT}
