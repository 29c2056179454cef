"""Field rules for scenario files: one plain-language error per bad value.

A :class:`Rule` in a field's ``Annotated`` metadata turns whatever pydantic
would say about a bad value (wrong type, out of range, too short) into a single
error ``<value> is not allowed (allowed: <what is allowed>)``, so a planner sees
the value and the allowed set in one line. The small parsers here (times, time
windows, id lists, volumes) are the ``before`` steps of those rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema

NOT_ALLOWED = "not_allowed"
PROBLEMS = "problems"
_MAX_SHOWN = 60
_MAX_SHOWN_DEPTH = 8
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")
_WINDOW = re.compile(r"^\s*(.+?)\s*(?:-|–|—|~|～|至|到)\s*(.+?)\s*$")

FieldPath = tuple[str | int, ...]
"""Where in a scenario: field names and list positions."""


def show(value: Any) -> str:
    """Short one-line text of a value as a planner wrote it (YAML-like, quoted strings).

    Only as much of the value is rendered as is shown: a huge or self-referencing
    value (an alias bomb) costs no more than a small one.
    """
    parts: list[str] = []
    _show(value, parts, [0], depth=0)
    text = "".join(parts)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _show(value: Any, parts: list[str], used: list[int], *, depth: int) -> None:
    """Append the text of ``value`` to ``parts`` until :data:`_MAX_SHOWN` characters are used."""
    if used[0] > _MAX_SHOWN:
        return
    if depth > _MAX_SHOWN_DEPTH:
        text = "…"
    elif isinstance(value, Mapping | list | tuple):
        is_map = isinstance(value, Mapping)
        _put("{" if is_map else "[", parts, used)
        items = value.items() if isinstance(value, Mapping) else value
        for i, item in enumerate(items):
            if used[0] > _MAX_SHOWN:
                return
            if i:
                _put(", ", parts, used)
            if is_map:
                _show(item[0], parts, used, depth=depth + 1)
                _put(": ", parts, used)
                _show(item[1], parts, used, depth=depth + 1)
            else:
                _show(item, parts, used, depth=depth + 1)
        _put("}" if is_map else "]", parts, used)
        return
    elif value is None:
        text = "an empty value"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int) and value.bit_length() > 64:
        text = "a very large number"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, str) and len(value) > _MAX_SHOWN:
        text = repr(value[:_MAX_SHOWN])
    else:
        text = repr(value)
    _put(text, parts, used)


def _put(text: str, parts: list[str], used: list[int]) -> None:
    parts.append(text)
    used[0] += len(text)


def not_allowed(value: Any, allowed: str) -> PydanticCustomError:
    """The error ``<value> is not allowed (allowed: <allowed>)``."""
    return PydanticCustomError(
        NOT_ALLOWED, "{shown} is not allowed (allowed: {allowed})",
        {"shown": show(value), "allowed": allowed},
    )


def problems(found: Sequence[tuple[FieldPath, str]]) -> PydanticCustomError:
    """One error carrying several problems, each at a path below the error's own location."""
    return PydanticCustomError(
        PROBLEMS, "{count} problem(s)", {"count": len(found), "problems": tuple(found)}
    )


@dataclass(frozen=True)
class Rule:
    """What a field allows, checked after pydantic's own type validation.

    Parameters
    ----------
    allowed
        Plain-language description of the allowed values (or a function giving
        it, for sets known only at run time).
    ge, le
        Inclusive bounds of a number.
    before
        Converts the raw value first; raises ``ValueError`` when it cannot.
    check
        Extra test of the validated value.
    """

    allowed: str | Callable[[], str]
    ge: float | None = None
    le: float | None = None
    before: Callable[[Any], Any] | None = None
    check: Callable[[Any], bool] | None = None

    def text(self) -> str:
        """The description of the allowed values."""
        return self.allowed() if callable(self.allowed) else self.allowed

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Wrap the type's own schema so that every failure becomes one error."""
        numeric = source in (int, float)

        def validate(value: Any, inner: core_schema.ValidatorFunctionWrapHandler) -> Any:
            try:
                raw = self.before(value) if self.before else value
                if numeric and not is_number(raw):
                    raise ValueError
                out = inner(raw)
                if not self._accepts(out):
                    raise ValueError
            except PydanticCustomError:
                raise
            except (ValueError, ValidationError):
                raise not_allowed(value, self.text()) from None
            return out

        return core_schema.no_info_wrap_validator_function(validate, handler(source))

    def _accepts(self, value: Any) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.ge is not None and value < self.ge:
            return False
        if self.le is not None and value > self.le:
            return False
        return self.check is None or self.check(value)


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def text(value: Any) -> str:
    """A non-empty text; numbers are accepted and written as text (names, school ids)."""
    if is_number(value):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value.strip()


def flag(value: Any) -> bool:
    """``true`` or ``false`` only (not 1, 0 or a text)."""
    if not isinstance(value, bool):
        raise ValueError
    return value


def clock(value: Any) -> str:
    """``"HH:MM"`` from a time of day written ``H:MM`` or ``HH:MM`` (full-width colon too)."""
    if is_number(value) and 0 <= value < 24 * 60 and float(value).is_integer():
        # YAML 1.1 reads an unquoted 8:20 as the base-60 number 500
        hint = f"{int(value) // 60:02d}:{int(value) % 60:02d}"
        raise not_allowed(value, f'a time of day HH:MM; if you meant {hint}, write "{hint}"')
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError
    return f"{int(match[1]):02d}:{int(match[2]):02d}"


def window(value: Any) -> Any:
    """``{start, end}`` from ``"07:10-08:30"`` (also –, —, ~, 至); mappings pass through."""
    if not isinstance(value, str):
        return value
    match = _WINDOW.match(value)
    if not match:
        raise ValueError
    return {"start": clock(match[1]), "end": clock(match[2])}


def ids(value: Any) -> tuple[str, ...]:
    """A non-empty tuple of ids from a list of strings (or one string)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise ValueError
    return tuple(item.strip() for item in items)


def volume(value: Any) -> float | tuple[float, float]:
    """Vehicles per hour: one number >= 0, or two (one per direction)."""
    if is_number(value) and math.isfinite(value) and value >= 0:
        return float(value)
    if isinstance(value, list | tuple) and len(value) == 2:
        first, second = (volume(item) for item in value)
        if isinstance(first, float) and isinstance(second, float):
            return (first, second)
    raise ValueError


def int_tuple(*, length: int | None, low: int, high: int) -> Callable[[Any], tuple[int, ...]]:
    """Parser of a list of whole numbers in ``[low, high]`` (of a fixed length if given)."""

    def parse(value: Any) -> tuple[int, ...]:
        items = [value] if is_number(value) else value
        if not isinstance(items, list | tuple) or not items:
            raise ValueError
        if length is not None and len(items) != length:
            raise ValueError
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            raise ValueError
        if not all(low <= i <= high for i in items):
            raise ValueError
        return tuple(items)

    return parse


def point(value: Any) -> tuple[float, float]:
    """An ``[x, y]`` pair of finite numbers."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(map(is_number, value)):
        x, y = (float(v) for v in value)
        if math.isfinite(x) and math.isfinite(y):
            return (x, y)
    raise ValueError
