"""Checking a scenario's parameter overrides against the parameter table.

An override must name a parameter of the table and have the default's kind of
value: a number where the default is a number (whole where it is whole, not
negative where it is not), a list of the same length, a time where the default
is a time. A share (a key ending in ``_share``, or unit ``share``) must lie in
0–1. A parameter with a ``range`` in the table must lie in it (no walking speed
of 0, no lane 1 km wide). A mapping (``yield.china_zebra``, ``guard.obey``...)
may give only some of its keys; the others keep their defaults.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from simulator.params import Parameters
from simulator.scenario.rules import FieldPath, clock, is_number, show

#: Parameters a scenario sets with its own fields, not with an override.
SET_BY_FIELDS: Mapping[str, str] = {
    "school.bell": "bell",
    "school.period_start": "period: {start: ...}",
    "school.period_end": "period: {end: ...}",
}
FIXED: Mapping[str, str] = {
    "school.ages": "the model's children are primary pupils: the age-dependent parameters (walking speed, "
                   "gap judgement, inattention, escorting) are given for ages 6–12",
    "guard.default_hours": "it is the window the commands that place guards start from (recommend guards "
                           "--hours, the page's guard editor, a batch's guards axis), not a run's: give a "
                           "guard's hours in its intervention",
}
"""Parameters a scenario may not override, and why."""


def check_overrides(
    overrides: Mapping[Any, Any], *, table: Parameters
) -> tuple[dict[str, Any], list[tuple[FieldPath, str]]]:
    """Validate overrides; return the normalised overrides and the problems found.

    Parameters
    ----------
    overrides
        Parameter key to new value, as written in the scenario.
    table
        The parameter table the keys and value kinds come from.

    Returns
    -------
    tuple
        The overrides with values converted to the default's kind (mappings
        completed with the default's other keys), and ``(path, message)``
        problems, paths relative to ``parameters``.
    """
    clean: dict[str, Any] = {}
    found: list[tuple[FieldPath, str]] = []
    for key, value in overrides.items():
        if not isinstance(key, str) or key not in table:
            found.append(((str(key),), _unknown(key, table)))
        elif key in SET_BY_FIELDS:
            found.append(((key,), f"set this with the scenario's {SET_BY_FIELDS[key]} instead"))
        elif key in FIXED:
            found.append(((key,), f"cannot be changed in a scenario ({FIXED[key]})"))
        else:
            parameter = table.table[key]
            try:
                if is_share(key, unit=parameter.unit) and is_number(parameter.value):
                    clean[key] = _share(value, parameter.value)
                else:
                    clean[key] = _like(value, parameter.value, unit=parameter.unit)
                if parameter.range is not None:
                    _within(clean[key], parameter.range, parameter.value, unit=parameter.unit)
            except _MismatchError as bad:
                found.extend(((key, *path), message) for path, message in bad.found)
    return clean, found


def _unknown(key: Any, table: Parameters) -> str:
    close = difflib.get_close_matches(str(key), list(table.table), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "see PARAMETERS.md for the keys"
    return f"unknown parameter ({hint})"


class _MismatchError(Exception):
    """Values that do not have the default's kind: ``(path, message)`` problems."""

    def __init__(self, found: list[tuple[FieldPath, str]]) -> None:
        super().__init__(found)
        self.found = found

    @classmethod
    def one(cls, value: Any, allowed: str, path: FieldPath = ()) -> _MismatchError:
        """A single bad value at ``path``."""
        return cls([(path, f"{show(value)} is not allowed (allowed: {allowed})")])


def is_share(key: str, *, unit: str) -> bool:
    """True for a parameter that is a share of something (allowed 0–1)."""
    return key.endswith("_share") or unit == "share"


def _share(value: Any, default: float) -> float:
    """A share 0–1, or :class:`_MismatchError`."""
    if not is_number(value) or not math.isfinite(value) or not 0 <= value <= 1:
        raise _MismatchError.one(value, f"a share 0–1 (default {show(default)})")
    return float(value)


def _within(value: float, bounds: tuple[float, float], default: Any, *, unit: str) -> None:
    """:class:`_MismatchError` unless ``bounds[0] <= value <= bounds[1]``."""
    low, high = bounds
    if not low <= value <= high:
        unit_text = f" {unit}" if unit not in ("", "-") else ""
        raise _MismatchError.one(value, f"{show(low)}–{show(high)}{unit_text} (default {show(default)})")


def _like(value: Any, default: Any, *, unit: str) -> Any:
    """``value`` converted to the kind of ``default``; :class:`_MismatchError` if it cannot be."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _MismatchError.one(value, f"true or false (default {show(default)})")
        return value
    if is_number(default):
        return _number_like(value, default, unit=unit)
    if isinstance(default, str):
        return _text_like(value, default, unit=unit)
    if isinstance(default, list):
        return _list_like(value, default, unit=unit)
    if isinstance(default, Mapping):
        return _mapping_like(value, default, unit=unit)
    return value


def _number_like(value: Any, default: float, *, unit: str) -> float:
    whole = isinstance(default, int)
    floor = " >= 0" if default >= 0 else ""
    unit_text = f" {unit}" if unit not in ("", "-") else ""
    kind = "a whole number" if whole else "a number"
    allowed = f"{kind}{floor}{unit_text} (default {show(default)})"
    if not is_number(value) or not math.isfinite(value) or (default >= 0 > value):
        raise _MismatchError.one(value, allowed)
    if whole:
        if not float(value).is_integer():
            raise _MismatchError.one(value, allowed)
        return int(value)
    return float(value)


def _text_like(value: Any, default: str, *, unit: str) -> str:
    if unit == "hh:mm":
        try:
            return clock(value)
        except ValueError:
            raise _MismatchError.one(value, f'a time of day HH:MM (default "{default}")') from None
    if not isinstance(value, str) or not value:
        raise _MismatchError.one(value, f"a text (default {show(default)})")
    return value


def _list_like(value: Any, default: list[Any], *, unit: str) -> list[Any]:
    allowed = f"a list of {len(default)} values like the default {show(default)}"
    if not isinstance(value, list | tuple) or len(value) != len(default):
        raise _MismatchError.one(value, allowed)
    try:
        return [_like(v, d, unit=unit) for v, d in zip(value, default, strict=True)]
    except _MismatchError:
        raise _MismatchError.one(value, allowed) from None


def _mapping_like(value: Any, default: Mapping[str, Any], *, unit: str) -> dict[str, Any]:
    keys = ", ".join(default)
    if not isinstance(value, Mapping) or not value:
        raise _MismatchError.one(value, f"a mapping of some of {keys}")
    merged = dict(default)
    found: list[tuple[FieldPath, str]] = []
    for key, item in value.items():
        if key not in default:
            close = difflib.get_close_matches(str(key), list(default), n=1, cutoff=0.6)
            hint = f" — did you mean {close[0]}?" if close else ""
            found.append(((str(key),), f"unknown key (allowed: {keys}){hint}"))
            continue
        try:
            merged[key] = _like(item, default[key], unit=unit)
        except _MismatchError as bad:
            found.extend(((key, *path), message) for path, message in bad.found)
    if found:
        raise _MismatchError(found)
    return merged
